//! The HTTP API (axum): commands, raw ledger reads, the change feed, verification, projection
//! views (figures, evidence, report verification, plans, routes, registry), proofs and signed
//! checkpoints, the log as C2SP tlog-tiles, health, metrics and the generated OpenAPI document.
//!
//! Every `/api/v1` route takes a bearer token (see `auth`) and checks the role table in
//! `policy`. Caller mistakes come back as `ErrorBody` with a 4xx status (see `error`); our own
//! failures as a generic 500 with a request id, details in the log; what hyper refuses before
//! a handler runs is rewritten into the same shape by `connection`.
//!
//! Shutdown: `serve` stops accepting on the signal, ends change feeds and verifications, lets
//! in-flight requests finish (their appends are acknowledged only once durable) for at most
//! `SHUTDOWN_GRACE`, and returns; the caller then calls `Ledger::shutdown`, which drains the
//! writer's queue.

pub mod archive;
pub mod auth;
pub mod commands;
pub mod connection;
pub mod cycle;
pub mod docs;
pub mod documents;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod policy;
pub mod proofs;
pub mod reads;
pub mod scope;
pub mod tiles;
pub mod views;

use std::future::{Future, IntoFuture};
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;
use utoipa::OpenApi;

use crate::query::Projector;
use crate::server::error::BODY_BYTES_MAX;
use crate::server::metrics::Metrics;
use crate::server::openapi::{BearerAuth, CommandSchemas};
use crate::store::{Clock, Ledger};

/// What every handler gets: the ledger (and through it the store), counters, and the signal
/// that ends long-lived responses at shutdown.
#[derive(Clone)]
pub struct AppState {
    /// The write handle (and read side via `store()`).
    pub ledger: Ledger,
    /// Server counters.
    pub metrics: Arc<Metrics>,
    /// The projection folds over the store, with the cached latest state (shared so that
    /// repeated queries at "now" do not refold).
    pub projector: Arc<Projector>,
    /// Verified bearer tokens, so a request does not read the tokens tree.
    pub tokens: Arc<auth::TokenCache>,
    /// The ledger's clock (`Ledger::clock`): "today" of every view's default date and of the
    /// scope filter's "employed today".
    pub clock: Arc<dyn Clock>,
    /// The dashboard's sessions, in memory only (`web::session`).
    pub sessions: Arc<crate::web::session::Sessions>,
    /// Permits of the change feeds' store reads (`reads::FEED_READS_CONCURRENT_MAX`).
    feed_reads: Arc<tokio::sync::Semaphore>,
    stopping: watch::Receiver<bool>,
    stop: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// State over a started ledger.
    pub fn new(ledger: Ledger) -> AppState {
        let (stop, stopping) = watch::channel(false);
        let projector = Arc::new(Projector::new(ledger.store().clone()));
        let clock = ledger.clock().clone();
        AppState {
            ledger,
            metrics: Arc::new(Metrics::default()),
            projector,
            tokens: Arc::new(auth::TokenCache::default()),
            clock,
            sessions: Arc::new(crate::web::session::Sessions::default()),
            feed_reads: Arc::new(tokio::sync::Semaphore::new(reads::FEED_READS_CONCURRENT_MAX)),
            stopping,
            stop: Arc::new(stop),
        }
    }

    /// Whether a graceful shutdown has begun (long work such as a verification stops).
    pub fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// Ends change feeds so that a graceful shutdown does not wait on them forever.
    pub fn begin_shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

/// The OpenAPI document, generated from the handler annotations and schema types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Летопись API", description = "Журнал событий РС НМС: команды, чтение, лента изменений, проверка целостности."),
    paths(
        commands::post_commands,
        reads::head,
        reads::events,
        reads::event_by_id,
        reads::stream_events,
        reads::verify,
        reads::feed,
        archive::log,
        views::indicators,
        views::figures,
        views::figure_evidence,
        views::report_verification,
        views::plans,
        views::teacher_routes_view,
        views::routes,
        views::organisations,
        cycle::periods,
        cycle::period_status,
        cycle::prefill,
        cycle::due,
        documents::import_plan,
        documents::export_plan,
        documents::export_figures_xlsx,
        documents::export_figures_csv,
        documents::export_execution,
        documents::export_monitoring,
        healthz,
        metrics_text,
        openapi_json,
        docs::page,
        docs::asset,
        proofs::inclusion,
        proofs::consistency,
        proofs::latest_checkpoint,
        proofs::checkpoint_at,
        tiles::checkpoint,
        tiles::hashes,
        tiles::entries,
    ),
    components(schemas(
        error::ErrorBody,
        commands::CommandsRequest,
        commands::AppendResponse,
        reads::HeadResponse,
        reads::EventsPage,
        reads::VerifyResponse,
        documents::ImportReport,
        documents::IssueBody,
        documents::PlanUpload,
        reads::VerifyProgress,
        views::EvidenceBundle,
        views::EvidenceEvent,
        views::InclusionProofBody,
        proofs::InclusionProofSchema,
        proofs::ConsistencyProofSchema,
    )),
    tags(
        (name = "commands", description = "Запись событий: одна команда или пакет, всё или ничего"),
        (name = "ledger", description = "Журнал: события, потоки, лента изменений, проверка цепочки, архив"),
        (name = "projections", description = "Показатели, планы, маршруты, реестр на дату D по знанию K"),
        (name = "documents", description = "Импорт планов и выгрузка документов (XLSX, CSV)"),
        (name = "ops", description = "Служебное: готовность, метрики, это описание (без токена)"),
        (name = "transparency", description = "Журнал для внешней проверки (C2SP tlog-tiles): подписанная контрольная точка, плитки дерева Меркла, пакеты записей (без токена)"),
    ),
    modifiers(&BearerAuth, &CommandSchemas)
)]
pub struct ApiDoc;

/// Every route the server answers: its path in axum's syntax, its method and its handler.
/// `router` is built from this list alone, so the list cannot miss a route; `tests/it/openapi.rs`
/// checks it against the OpenAPI document both ways.
pub fn routes() -> Vec<(&'static str, Method, MethodRouter<AppState>)> {
    vec![
        ("/api/v1/commands", Method::POST, post(commands::post_commands)),
        ("/api/v1/head", Method::GET, get(reads::head)),
        ("/api/v1/events", Method::GET, get(reads::events)),
        ("/api/v1/events/{id}", Method::GET, get(reads::event_by_id)),
        ("/api/v1/streams/{*stream}", Method::GET, get(reads::stream_events)),
        ("/api/v1/verify", Method::GET, get(reads::verify)),
        ("/api/v1/feed", Method::GET, get(reads::feed)),
        ("/api/v1/log", Method::GET, get(archive::log)),
        ("/api/v1/indicators", Method::GET, get(views::indicators)),
        ("/api/v1/figures", Method::GET, get(views::figures)),
        ("/api/v1/figures/{code}/evidence", Method::GET, get(views::figure_evidence)),
        ("/api/v1/reports/verification", Method::GET, get(views::report_verification)),
        ("/api/v1/plans", Method::GET, get(views::plans)),
        ("/api/v1/teachers/{id}/routes", Method::GET, get(views::teacher_routes_view)),
        ("/api/v1/routes", Method::GET, get(views::routes)),
        ("/api/v1/registry/organisations", Method::GET, get(views::organisations)),
        ("/api/v1/periods", Method::GET, get(cycle::periods)),
        ("/api/v1/periods/{id}/status", Method::GET, get(cycle::period_status)),
        ("/api/v1/periods/{id}/prefill", Method::GET, get(cycle::prefill)),
        ("/api/v1/due", Method::GET, get(cycle::due)),
        (
            "/api/v1/import/plan",
            Method::POST,
            post(documents::import_plan).layer(DefaultBodyLimit::max(documents::UPLOAD_BYTES_MAX)),
        ),
        ("/api/v1/export/plan/{file}", Method::GET, get(documents::export_plan)),
        ("/api/v1/export/figures.xlsx", Method::GET, get(documents::export_figures_xlsx)),
        ("/api/v1/export/figures.csv", Method::GET, get(documents::export_figures_csv)),
        ("/api/v1/export/execution/{file}", Method::GET, get(documents::export_execution)),
        ("/api/v1/export/monitoring/{file}", Method::GET, get(documents::export_monitoring)),
        ("/healthz", Method::GET, get(healthz)),
        ("/metrics", Method::GET, get(metrics_text)),
        ("/openapi.json", Method::GET, get(openapi_json)),
        ("/docs", Method::GET, get(docs::page)),
        ("/docs/{file}", Method::GET, get(docs::asset)),
        // Proof for outsiders (issue #13): proofs and checkpoints with a token, tiles without.
        ("/api/v1/proofs/inclusion", Method::GET, get(proofs::inclusion)),
        ("/api/v1/proofs/consistency", Method::GET, get(proofs::consistency)),
        ("/api/v1/checkpoints/latest", Method::GET, get(proofs::latest_checkpoint)),
        ("/api/v1/checkpoints/{size}", Method::GET, get(proofs::checkpoint_at)),
        ("/checkpoint", Method::GET, get(tiles::checkpoint)),
        ("/tile/entries/{*index}", Method::GET, get(tiles::entries)),
        ("/tile/{level}/{*index}", Method::GET, get(tiles::hashes)),
    ]
}

/// The application router over `state`: the routes of `routes`, the dashboard's
/// (`web::routes`, HTML at `/`), our 404 for any other path.
pub fn router(state: AppState) -> Router {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, _, handler)| router.route(path, handler))
        .merge(crate::web::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .with_state(state)
}

/// How long a graceful shutdown waits for in-flight requests before it gives up on them.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves `state` on `listener` until `signal` completes, then stops accepting, ends change
/// feeds and verifications, and lets in-flight requests finish for at most `SHUTDOWN_GRACE`.
/// The caller shuts the ledger down afterwards.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_grace(listener, state, signal, SHUTDOWN_GRACE).await
}

/// `serve` with another bound on the graceful shutdown. A request still running when `grace`
/// ends is dropped unanswered: an append it queued is still made durable by
/// `Ledger::shutdown`, and its client retries with the same event id (idempotent).
pub async fn serve_with_grace(
    listener: TcpListener,
    state: AppState,
    signal: impl Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    serve_with(listener, state, signal, ServeLimits { grace, ..ServeLimits::default() }).await
}

/// The time bounds of `serve_with`.
#[derive(Clone, Copy, Debug)]
pub struct ServeLimits {
    /// How long a graceful shutdown waits for in-flight requests.
    pub grace: std::time::Duration,
    /// How long a connection may accept none of the bytes we have for it before it is closed
    /// (`connection`): a change-feed subscriber that stopped reading, say.
    pub write_stall: std::time::Duration,
}

impl Default for ServeLimits {
    fn default() -> ServeLimits {
        ServeLimits { grace: SHUTDOWN_GRACE, write_stall: connection::WRITE_STALL_DEFAULT }
    }
}

/// `serve` with explicit `limits`. Each connection is `connection::Guarded`: hyper's own
/// refusals go out in our JSON shape, and a stalled connection is closed.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    signal: impl Future<Output = ()> + Send + 'static,
    limits: ServeLimits,
) -> std::io::Result<()> {
    let stopper = state.clone();
    let stopping = state.stopping.clone();
    let app = router(state);
    let listener = connection::GuardedListener::new(listener, limits.write_stall);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        signal.await;
        stopper.begin_shutdown();
    });
    within_grace(server.into_future(), stopping, limits.grace).await
}

/// Runs `server` until it ends, or until `grace` after `stopping` turned true.
async fn within_grace(
    server: impl Future<Output = std::io::Result<()>>,
    mut stopping: watch::Receiver<bool>,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    let deadline = async move {
        if stopping.wait_for(|stopping| *stopping).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            eprintln!(
                "остановка: запросы не завершились за {} мс, сервер остановлен без них",
                grace.as_millis()
            );
            Ok(())
        }
    }
}

/// Liveness and readiness: 200 once the store is open and the server accepts requests.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Ready")), tag = "ops")]
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok", "head": state.ledger.store().head().seq.0 }))
}

/// Prometheus text: appends, append latency histogram, head seq.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text", content_type = "text/plain")), tag = "ops")]
async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    let body =
        state.metrics.render(state.ledger.store().head().seq.0, state.projector.latest_seq());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// This document (OpenAPI 3.1).
#[utoipa::path(get, path = "/openapi.json",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")),
    tag = "ops")]
async fn openapi_json() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, error::ApiError::NotFound("такого адреса нет".into()))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::watch;

    use crate::server::within_grace;

    #[tokio::test]
    async fn a_stuck_request_holds_shutdown_for_the_grace_only() {
        let (stop, stopping) = watch::channel(false);
        let stuck = std::future::pending::<std::io::Result<()>>();
        let run = tokio::spawn(within_grace(stuck, stopping, Duration::from_millis(50)));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!run.is_finished(), "stopped before the signal");
        stop.send(true).unwrap();
        let finished = tokio::time::timeout(Duration::from_secs(10), run).await;
        assert!(finished.is_ok(), "still waiting for the stuck request after the grace");
        finished.unwrap().unwrap().unwrap();
    }
}
