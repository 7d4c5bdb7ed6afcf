//! `letopis serve`: the HTTP server over a store (owner: server work).

use std::net::SocketAddr;
use std::path::PathBuf;

/// Arguments of `serve`.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Generate the demo region first when the store is empty.
    #[arg(long)]
    pub demo: bool,
}

pub(crate) fn run(_args: ServeArgs) -> anyhow::Result<u8> {
    anyhow::bail!("serve is being built")
}
