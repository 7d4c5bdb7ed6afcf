//! The dashboard: Russian HTML pages served by `letopis serve` at `/` beside the API
//! (`/api/v1`), for the ministry, the operator, municipalities, organisations and auditors.
//!
//! Pages are rendered on the server with maud (templates checked at compile time), charts are
//! inline SVG, there is no script, and the one stylesheet is embedded (`page::STYLE_CSS`), so
//! the dashboard works in a closed network. A page reads its figures through the API's own
//! functions (`server::views::figure_catalogue`, `figure_of`, `evidence_of`, `plans_for`, `teacher_routes_for`,
//! `report_verifications`, `server::reads::verify_chain`, `server::archive::log_response`),
//! with the API's access checks: nothing here computes a figure or decides who may read it.
//!
//! Sign-in is with an API token (`login`), kept for the session in memory (`session`).
//! `routes` is the dashboard's route table, merged into `server::router` after the API's.

pub mod audit;
pub mod chart;
pub mod figures;
pub mod format;
pub mod indicator;
pub mod login;
pub mod page;
pub mod plan_import;
pub mod plans;
pub mod reports;
pub mod session;
pub mod teachers;
pub mod territory;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use proto_events::Timestamp;

use crate::query::parameters;
use crate::query::KnownAt;
use crate::server::documents::UPLOAD_BYTES_MAX;
use crate::server::error::ApiError;
use crate::server::AppState;
use crate::web::format::NBSP;
use crate::web::session::Viewer;

/// Every route of the dashboard: its path, method and handler.
pub fn routes() -> Vec<(&'static str, Method, MethodRouter<AppState>)> {
    vec![
        ("/", Method::GET, get(home)),
        ("/login", Method::GET, get(login::form)),
        ("/login", Method::POST, post(login::sign_in)),
        ("/logout", Method::POST, post(login::sign_out)),
        ("/figures", Method::GET, get(figures::page_handler)),
        ("/territory", Method::GET, get(territory::page_handler)),
        ("/indicators/{code}", Method::GET, get(indicator::page_handler)),
        ("/plans", Method::GET, get(plans::list)),
        ("/plans/import", Method::GET, get(plan_import::form)),
        (
            "/plans/import",
            Method::POST,
            post(plan_import::preview).layer(DefaultBodyLimit::max(UPLOAD_BYTES_MAX)),
        ),
        ("/plans/import/confirm", Method::POST, post(plan_import::confirm)),
        ("/plans/{id}", Method::GET, get(plans::plan)),
        ("/plans/{id}/xlsx", Method::GET, get(plans::xlsx)),
        ("/plans/{id}/docx", Method::GET, get(plans::docx)),
        ("/teachers/{id}", Method::GET, get(teachers::page_handler)),
        ("/reports", Method::GET, get(reports::page_handler)),
        ("/audit", Method::GET, get(audit::page_handler)),
        ("/audit/verify", Method::POST, post(audit::verify)),
        ("/audit/log", Method::GET, get(audit::download)),
        ("/audit/checkpoints/{size}", Method::GET, get(audit::checkpoint)),
        ("/assets/style.css", Method::GET, get(style)),
        ("/assets/favicon.svg", Method::GET, get(favicon)),
    ]
}

/// The dashboard's router (one `MethodRouter` per path, its methods merged).
pub fn router() -> Router<AppState> {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, _, handler)| router.route(path, handler))
}

/// `/`: the viewer's Сводка (its own scope, today, now), or the sign-in page.
async fn home(viewer: Result<Viewer, page::PageError>) -> impl IntoResponse {
    match viewer {
        Ok(viewer) => {
            Redirect::to(&format!("/figures?scope={}", figures::own_scope(&viewer.principal)))
        }
        Err(_) => Redirect::to("/login"),
    }
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        page::STYLE_CSS,
    )
}

async fn favicon() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "max-age=86400")],
        page::FAVICON_SVG,
    )
}

/// The knowledge point of a page: what the API takes (a seq, an RFC 3339 time), and also what
/// a person types: empty or «сейчас» (now), `дд.мм.гггг` (the end of that day, UTC) and the
/// `YYYY-MM-DDTHH:MM` of a date-time field (UTC).
pub fn known_at_parameter(text: Option<&str>) -> Result<KnownAt, ApiError> {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(KnownAt::Now);
    };
    if text == "сейчас" || text == "now" {
        return Ok(KnownAt::Now);
    }
    if let Some(day) = proto_events::Date::parse_russian(text) {
        return Ok(time_of(&format!("{day}T23:59:59Z")).unwrap_or(KnownAt::Now));
    }
    if text.len() == 16 && text.as_bytes().get(10) == Some(&b'T') {
        if let Some(known) = time_of(&format!("{text}:00Z")) {
            return Ok(known);
        }
    }
    parameters::known_at(Some(text)).map_err(|error| ApiError::InvalidParameter {
        field: error.name.into(),
        value: error.value,
        rule: error.rule.into(),
    })
}

fn time_of(text: &str) -> Option<KnownAt> {
    Timestamp::parse_rfc3339(text).map(KnownAt::Time)
}

/// The knowledge point a page was read at, as the page tells it.
#[derive(Clone, Debug)]
pub struct KnownAtView {
    /// What was asked.
    pub asked: KnownAt,
    /// The seq it resolved to.
    pub seq: u64,
    /// The head when the page was read.
    pub head: u64,
    /// When the event `seq` was recorded.
    pub recorded_at: Option<Timestamp>,
}

impl KnownAtView {
    /// The parameter that asks for it again: empty for now, else as asked.
    pub fn parameter(&self) -> String {
        match self.asked {
            KnownAt::Now => String::new(),
            KnownAt::Seq(seq) => seq.to_string(),
            KnownAt::Time(time) => time
                .to_datetime()
                .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
        }
    }

    /// «сейчас» or the time and seq.
    pub fn short(&self) -> String {
        match self.recorded_at {
            Some(time) if self.seq < self.head => {
                format!("{} (событие{NBSP}№{})", format::timestamp(time), self.seq)
            }
            _ => "сейчас".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use proto_events::Timestamp;

    use crate::query::KnownAt;
    use crate::web::known_at_parameter;

    #[test]
    fn a_knowledge_point_is_read_as_the_api_and_as_people_type_it() {
        let time = |text: &str| KnownAt::Time(Timestamp::parse_rfc3339(text).unwrap());
        assert_eq!(known_at_parameter(None).unwrap(), KnownAt::Now);
        assert_eq!(known_at_parameter(Some(" ")).unwrap(), KnownAt::Now);
        assert_eq!(known_at_parameter(Some("сейчас")).unwrap(), KnownAt::Now);
        assert_eq!(known_at_parameter(Some("42")).unwrap(), KnownAt::Seq(42));
        assert_eq!(
            known_at_parameter(Some("2025-01-15T00:00:00Z")).unwrap(),
            time("2025-01-15T00:00:00Z")
        );
        assert_eq!(known_at_parameter(Some("31.12.2024")).unwrap(), time("2024-12-31T23:59:59Z"));
        assert_eq!(
            known_at_parameter(Some("2025-02-01T08:30")).unwrap(),
            time("2025-02-01T08:30:00Z")
        );
        assert!(known_at_parameter(Some("вчера")).is_err());
    }
}
