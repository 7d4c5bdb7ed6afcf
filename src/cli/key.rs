//! `letopis key generate`: the log's signing key for checkpoints. The key goes to a file of mode
//! 0600 in the data directory and is never printed; the verifier key (the public half, in the
//! signed-note format `<name>+<key id>+<base64>`) is printed for auditors and witnesses.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::checkpoint::{generate_key, signing_key_path};
use crate::cli::exit;

/// `letopis key …`.
#[derive(Subcommand)]
pub enum KeyCommand {
    /// Создать ключ подписи контрольных точек журнала; напечатать ключ проверки.
    Generate(GenerateArgs),
}

/// `letopis key generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// Каталог хранилища (ключ ложится в него файлом с правами 0600).
    #[arg(long)]
    data: PathBuf,
    /// Происхождение журнала (origin): имя журнала и ключа, например region.example/letopis.
    #[arg(long)]
    origin: String,
}

/// Runs a `key` subcommand.
pub fn run(command: KeyCommand) -> anyhow::Result<u8> {
    match command {
        KeyCommand::Generate(args) => {
            let signer = generate_key(&args.data, &args.origin)?;
            eprintln!(
                "ключ подписи записан в {}; передайте аудиторам ключ проверки:",
                signing_key_path(&args.data).display()
            );
            println!("{}", signer.verifier().to_text());
            Ok(exit::OK)
        }
    }
}
