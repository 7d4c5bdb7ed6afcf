//! `letopis routes`: teachers' individual educational routes (owner: projections work).

use std::path::PathBuf;

/// Arguments of `routes`.
#[derive(clap::Args)]
pub(crate) struct RoutesArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// One teacher (pseudonymous id); default: all.
    #[arg(long)]
    pub teacher: Option<String>,
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

pub(crate) fn run(_args: RoutesArgs) -> anyhow::Result<u8> {
    anyhow::bail!("routes are being built")
}
