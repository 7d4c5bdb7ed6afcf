//! `letopis import`: plans and registries from documents (owner: import work).

use std::path::PathBuf;

/// Import subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum ImportCommand {
    /// Import a plan of activities (XLSX, CSV/TSV, or a text table dump).
    Plan {
        /// The document.
        file: PathBuf,
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// federal | regional | municipal | organisation.
        #[arg(long)]
        level: String,
        /// Plan title.
        #[arg(long)]
        title: String,
        /// Approving act: "<kind> №<number> от <dd.mm.yyyy>".
        #[arg(long)]
        basis: String,
        /// Print what would be appended; append nothing.
        #[arg(long)]
        dry_run: bool,
        /// Append even when there are warnings.
        #[arg(long)]
        accept_warnings: bool,
    },
}

pub(crate) fn run(_command: ImportCommand) -> anyhow::Result<u8> {
    anyhow::bail!("import is being built")
}
