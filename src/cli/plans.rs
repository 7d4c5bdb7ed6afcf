//! `letopis plans`: plans of activities at a valid date and a knowledge point (owner:
//! projections work).

use std::path::PathBuf;

/// Arguments of `plans`.
#[derive(clap::Args)]
pub(crate) struct PlansArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// Valid date, YYYY-MM-DD; default: today.
    #[arg(long)]
    pub date: Option<String>,
    /// Knowledge point: an RFC 3339 time or a seq; default: now.
    #[arg(long)]
    pub known_at: Option<String>,
    /// json | table.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub(crate) fn run(_args: PlansArgs) -> anyhow::Result<u8> {
    anyhow::bail!("plans are being built")
}
