//! `letopis figures`: the indicator catalogue at a valid date and a knowledge point (owner:
//! projections work).

use std::path::PathBuf;

/// Arguments of `figures`.
#[derive(clap::Args)]
pub(crate) struct FiguresArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// Valid date, YYYY-MM-DD.
    #[arg(long)]
    pub date: String,
    /// Knowledge point: an RFC 3339 time or a seq; default: now.
    #[arg(long)]
    pub known_at: Option<String>,
    /// region | municipality:<code> | organisation:<id>.
    #[arg(long, default_value = "region")]
    pub scope: String,
    /// json | table.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub(crate) fn run(_args: FiguresArgs) -> anyhow::Result<u8> {
    anyhow::bail!("figures are being built")
}
