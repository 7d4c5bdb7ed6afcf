//! `letopis token`: bearer tokens for the API (owner: server work).

use std::path::PathBuf;

/// Token subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token; prints only the token on stdout.
    Create {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// ministry | operator | municipality | organisation | auditor (or municipality:<code>).
        #[arg(long)]
        role: String,
        /// Scope for municipality / organisation roles.
        #[arg(long)]
        scope: Option<String>,
    },
}

pub(crate) fn run(_command: TokenCommand) -> anyhow::Result<u8> {
    anyhow::bail!("tokens are being built")
}
