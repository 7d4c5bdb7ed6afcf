//! `letopis serve`: the HTTP server over a store, with graceful shutdown on SIGTERM or ctrl-c.
//! Logs go to stderr and never carry personal data.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::cli::{exit, open_store};
use crate::server::{serve, AppState};
use crate::store::{Ledger, NoGate, SystemClock};

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

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: ServeArgs) -> anyhow::Result<u8> {
    if args.demo {
        eprintln!(
            "генератор демонстрационного региона ещё не подключён к serve: \
             создайте регион командой `letopis demo --data {}` и запустите serve без --demo",
            args.data.display()
        );
    }
    let store = open_store(&args.data)?;
    let ledger = Ledger::start(store, Box::new(NoGate), Arc::new(SystemClock));
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("listening on {}", args.addr))?;
    let local = listener.local_addr().context("reading the bound address")?;
    eprintln!(
        "Летопись: сервер слушает http://{local} (журнал: {} событий)",
        ledger.store().head().seq.0
    );
    let state = AppState::new(ledger.clone());
    serve(listener, state, shutdown_signal()).await.context("serving HTTP")?;
    eprintln!("остановка: запросы завершены, сбрасываю журнал на диск");
    ledger.shutdown();
    eprintln!("сервер остановлен");
    Ok(exit::OK)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
