//! `letopis demo`: generate the deterministic demo region into an empty store (owner: demo work).

use std::path::PathBuf;

/// Arguments of `demo`.
#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    /// Пустой каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// district | region | large.
    #[arg(long, default_value = "region")]
    pub scale: String,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub(crate) fn run(_args: DemoArgs) -> anyhow::Result<u8> {
    anyhow::bail!("demo is being built")
}
