//! The HTTP API (axum): commands, raw ledger reads, the change feed, verification, projection
//! views (figures, evidence, report verification, plans, routes, registry), health, metrics and
//! the generated OpenAPI document.
//!
//! Every `/api/v1` route takes a bearer token (see `auth`) and checks the role table in
//! `policy`. Caller mistakes come back as `ErrorBody` with a 4xx status (see `error`); our own
//! failures as a generic 500 with a request id, details in the log.
//!
//! Shutdown: `serve` stops accepting on the signal, lets in-flight requests finish (their
//! appends are acknowledged only once durable), ends change feeds, and returns; the caller then
//! calls `Ledger::shutdown`, which drains the writer's queue.

pub mod archive;
pub mod auth;
pub mod commands;
pub mod documents;
pub mod error;
pub mod metrics;
pub mod policy;
pub mod reads;
pub mod scope;
pub mod views;

use std::future::Future;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::query::Projector;
use crate::server::error::BODY_BYTES_MAX;
use crate::server::metrics::Metrics;
use crate::store::Ledger;

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
    stopping: watch::Receiver<bool>,
    stop: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// State over a started ledger.
    pub fn new(ledger: Ledger) -> AppState {
        let (stop, stopping) = watch::channel(false);
        let projector = Arc::new(Projector::new(ledger.store().clone()));
        AppState {
            ledger,
            metrics: Arc::new(Metrics::default()),
            projector,
            tokens: Arc::new(auth::TokenCache::default()),
            stopping,
            stop: Arc::new(stop),
        }
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
        views::figures,
        views::figure_evidence,
        views::report_verification,
        views::plans,
        views::teacher_routes_view,
        views::routes,
        views::organisations,
        documents::import_plan,
        documents::export_plan,
        documents::export_figures_xlsx,
        documents::export_figures_csv,
        healthz,
        metrics_text,
    ),
    components(schemas(
        error::ErrorBody,
        commands::CommandBody,
        commands::BatchBody,
        commands::CommandsRequest,
        commands::AppendResponse,
        reads::HeadResponse,
        reads::EventsPage,
        reads::VerifyResponse,
        documents::ImportReport,
        documents::IssueBody,
        documents::PlanUpload,
        reads::VerifyProgress,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The application router over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/commands", post(commands::post_commands))
        .route("/api/v1/head", get(reads::head))
        .route("/api/v1/events", get(reads::events))
        .route("/api/v1/events/{id}", get(reads::event_by_id))
        .route("/api/v1/streams/{*stream}", get(reads::stream_events))
        .route("/api/v1/verify", get(reads::verify))
        .route("/api/v1/feed", get(reads::feed))
        .route("/api/v1/log", get(archive::log))
        .route("/api/v1/figures", get(views::figures))
        .route("/api/v1/figures/{code}/evidence", get(views::figure_evidence))
        .route("/api/v1/reports/verification", get(views::report_verification))
        .route("/api/v1/plans", get(views::plans))
        .route("/api/v1/teachers/{id}/routes", get(views::teacher_routes_view))
        .route("/api/v1/routes", get(views::routes))
        .route("/api/v1/registry/organisations", get(views::organisations))
        .route(
            "/api/v1/import/plan",
            post(documents::import_plan).layer(DefaultBodyLimit::max(documents::UPLOAD_BYTES_MAX)),
        )
        .route("/api/v1/export/plan/{file}", get(documents::export_plan))
        .route("/api/v1/export/figures.xlsx", get(documents::export_figures_xlsx))
        .route("/api/v1/export/figures.csv", get(documents::export_figures_csv))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(openapi_json))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .with_state(state)
}

/// Serves `state` on `listener` until `signal` completes, then stops accepting, lets in-flight
/// requests finish and ends change feeds. The caller shuts the ledger down afterwards.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let stopper = state.clone();
    let app = router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            signal.await;
            stopper.begin_shutdown();
        })
        .await
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

async fn openapi_json() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, error::ApiError::NotFound("такого адреса нет".into()))
}
