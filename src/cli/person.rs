//! `letopis person`: the erasable personal-data directory (owner: commands work).

use std::path::PathBuf;

/// Personal-data subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum PersonCommand {
    /// Remove a person's personal data (the ledger still verifies).
    Erase {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Pseudonymous id.
        id: String,
    },
}

pub(crate) fn run(_command: PersonCommand) -> anyhow::Result<u8> {
    anyhow::bail!("the personal-data directory is being built")
}
