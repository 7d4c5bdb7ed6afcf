//! `letopis checkpoint`: prints the signed checkpoint (C2SP tlog-checkpoint note) of the log's
//! head, signing and keeping one if the head moved since the last; `--size N` prints the one kept
//! for an earlier size.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use crate::checkpoint::{load_signer, sign_head};
use crate::cli::{exit, open_store};

/// `letopis checkpoint`.
#[derive(Args)]
pub struct CheckpointArgs {
    /// Каталог хранилища.
    #[arg(long)]
    data: PathBuf,
    /// Размер дерева прежней контрольной точки: напечатать её, а не точку текущего состояния.
    #[arg(long)]
    size: Option<u64>,
}

/// Runs `letopis checkpoint`.
pub fn run(args: CheckpointArgs) -> anyhow::Result<u8> {
    let store = open_store(&args.data)?;
    let note = match args.size {
        Some(size) => match store.checkpoints()?.get(size)? {
            Some(note) => note,
            None => {
                let sizes = store.checkpoints()?.sizes()?;
                bail!(
                    "контрольной точки размера {size} журнал не подписывал (подписаны размеры: {})",
                    if sizes.is_empty() { "никакие".to_string() } else { join(&sizes) }
                )
            }
        },
        None => sign_head(&store, &load_signer(&args.data)?)?.1,
    };
    std::io::stdout().write_all(&note)?;
    Ok(exit::OK)
}

fn join(sizes: &[u64]) -> String {
    sizes.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}
