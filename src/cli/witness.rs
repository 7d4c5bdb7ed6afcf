//! `letopis witness`: a C2SP witness of Letopis logs (or any RFC 6962 log with C2SP checkpoints),
//! with its own key and state. `key generate` makes the key and prints its verifier key line;
//! `serve` answers `POST /add-checkpoint` for the logs whose verifier keys it is given.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use proto_events::tlog::NoteVerifier;

use crate::cli::exit;
use crate::store::SystemClock;
use crate::witness::{http, key, Witness};

/// `letopis witness …`.
#[derive(clap::Subcommand)]
pub(crate) enum WitnessCommand {
    /// Ключ свидетеля.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Запустить свидетеля: заверять контрольные точки журналов (C2SP tlog-witness).
    Serve(ServeArgs),
}

/// `letopis witness key …`.
#[derive(clap::Subcommand)]
pub(crate) enum KeyCommand {
    /// Создать ключ свидетеля (файл с правами 0600) и вывести его ключ проверки.
    Generate {
        /// Каталог свидетеля.
        #[arg(long)]
        data: PathBuf,
        /// Имя свидетеля, например witness.minobr.example/1.
        #[arg(long)]
        name: String,
    },
}

/// Arguments of `witness serve`.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Каталог свидетеля (ключ и состояние).
    #[arg(long)]
    data: PathBuf,
    /// Адрес, на котором свидетель принимает запросы.
    #[arg(long, default_value = "127.0.0.1:7380")]
    listen: SocketAddr,
    /// Ключ проверки журнала (<имя>+<id>+<base64>), которому свидетель доверяет; можно повторять.
    #[arg(long = "log-vkey", required = true)]
    log_vkeys: Vec<String>,
}

pub(crate) fn run(command: WitnessCommand) -> anyhow::Result<u8> {
    match command {
        WitnessCommand::Key(KeyCommand::Generate { data, name }) => {
            let verifier = key::generate(&data, &name)?;
            eprintln!(
                "ключ свидетеля записан в {}; ключ проверки (его дают журналам и проверяющим):",
                data.join(key::KEY_FILE).display()
            );
            println!("{}", verifier.to_text());
            Ok(exit::OK)
        }
        WitnessCommand::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<u8> {
    let logs = args
        .log_vkeys
        .iter()
        .map(|text| {
            NoteVerifier::parse(text)
                .map_err(|error| anyhow::anyhow!("ключ проверки журнала {text:?}: {error}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let signer = key::load(&args.data)?;
    let witness = Witness::open(&args.data, signer, logs, Arc::new(SystemClock))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("не удалось запустить среду выполнения свидетеля")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("не удалось занять адрес {}", args.listen))?;
        let local = listener.local_addr().context("не удалось определить адрес свидетеля")?;
        eprintln!(
            "свидетель {} слушает http://{local}/add-checkpoint",
            witness.signer().verifier().to_text()
        );
        axum::serve(listener, http::router(Arc::new(witness)))
            .with_graceful_shutdown(crate::cli::serve::shutdown_signal())
            .await
            .context("свидетель остановлен с ошибкой")
    })?;
    eprintln!("свидетель остановлен");
    Ok(exit::OK)
}
