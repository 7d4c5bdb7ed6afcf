//! Аудит (auditor, ministry: the roles `access::may` lets verify): the head of the chain, a
//! verification of the whole chain by `server::reads::verify_chain` (the API's `GET
//! /api/v1/verify`), the log archive download by `server::archive::log_response` (the API's
//! `GET /api/v1/log`), and the latest events, filtered by stream and kind.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use maud::{html, Markup};
use proto_events::Seq;
use serde::Deserialize;

use crate::access::Action;
use crate::server::archive::{log_response, LogQuery};
use crate::server::error::ApiError;
use crate::server::policy;
use crate::server::reads::{verify_chain, VerifyResponse};
use crate::server::AppState;
use crate::web::format;
use crate::web::login::CsrfForm;
use crate::web::page::{page, PageError};
use crate::web::session::{csrf_matches, Viewer};

/// Events listed on the page, at most.
const EVENTS_LISTED_MAX: usize = 50;
/// Events scanned back from the head to find those that pass the filters, at most.
const EVENTS_SCANNED_MAX: u64 = 5_000;

/// Query of `GET /audit`.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// Only events of streams starting with this.
    pub stream: Option<String>,
    /// Only events of this kind.
    pub kind: Option<String>,
}

/// `GET /audit`.
pub async fn page_handler(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    policy::check(&viewer.principal, Action::Verify)?;
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let body = audit_body(&state, &viewer, &query, None).await?;
    Ok(page("Аудит", &viewer, "/audit", body))
}

/// `POST /audit/verify`: verifies the whole chain, then shows the page with the result.
pub async fn verify(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, PageError> {
    policy::check(&viewer.principal, Action::Verify)?;
    let Ok(Form(form)) = form else { return Err(PageError::Csrf) };
    if !csrf_matches(&viewer, &form.csrf_token) {
        return Err(PageError::Csrf);
    }
    let store = state.ledger.store().clone();
    let stopper = state.clone();
    let result = tokio::task::spawn_blocking(move || {
        verify_chain(&store, false, &|| stopper.is_stopping(), &mut |_, _| true)
    })
    .await
    .map_err(|error| PageError::Internal(error.to_string()))??;
    let result = result.ok_or_else(|| ApiError::Unavailable("проверка прервана".into()))?;
    let body = audit_body(&state, &viewer, &AuditQuery::default(), Some(result)).await?;
    Ok(page("Аудит", &viewer, "/audit", body))
}

/// `GET /audit/log`: the whole log as an archive.
pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    Ok(log_response(state, &viewer.principal, LogQuery { from: None, to: None })?)
}

async fn audit_body(
    state: &AppState,
    viewer: &Viewer,
    query: &AuditQuery,
    verified: Option<VerifyResponse>,
) -> Result<Markup, PageError> {
    let head = state.ledger.store().head();
    let store = state.ledger.store().clone();
    let stream = query.stream.clone().unwrap_or_default();
    let kind = query.kind.clone().unwrap_or_default();
    let (stream_filter, kind_filter) = (stream.trim().to_string(), kind.trim().to_string());
    let events = tokio::task::spawn_blocking(move || {
        let from = head.seq.0.saturating_sub(EVENTS_SCANNED_MAX).saturating_add(1);
        let mut events = Vec::new();
        for event in store.range(Seq(from), head.seq) {
            let event = event?;
            if event.stream.as_str().starts_with(&stream_filter)
                && (kind_filter.is_empty() || event.kind == kind_filter)
            {
                events.push(event);
            }
        }
        events.reverse();
        events.truncate(EVENTS_LISTED_MAX);
        Ok::<_, PageError>(events)
    })
    .await
    .map_err(|error| PageError::Internal(error.to_string()))??;
    Ok(html! {
        h1 { "Аудит журнала" }
        dl.facts {
            dt { "Событий в журнале" } dd data-head-seq=(head.seq.0) { (format::count(head.seq.0)) }
            dt { "Хеш последнего события" } dd { code.hash { (head.hash.to_string()) } }
            dt { "Записано" } dd { (head.recorded_at.map(format::timestamp).unwrap_or_else(|| "—".into())) }
        }
        section aria-labelledby="verify-title" {
            h2 #verify-title { "Проверка цепочки" }
            @if let Some(result) = &verified { (verify_result(result)) }
            form method="post" action="/audit/verify" {
                input type="hidden" name="csrf_token" value=(viewer.csrf);
                button type="submit" { "Проверить всю цепочку" }
            }
            p { a href="/audit/log" download { "Скачать архив журнала" }
                " — проверяется без сервера: " code { "letopis log verify --archive <файл>" } }
        }
        section aria-labelledby="events-title" {
            h2 #events-title { "Последние события" }
            form.controls method="get" action="/audit" {
                div.field { label for="stream" { "Поток (начало имени)" }
                    input #stream type="text" name="stream" value=(stream.trim()); }
                div.field { label for="kind" { "Вид события" }
                    input #kind type="text" name="kind" value=(kind.trim()); }
                button type="submit" { "Отобрать" }
            }
            table.events {
                caption { "Не более " (EVENTS_LISTED_MAX) " последних из " (EVENTS_SCANNED_MAX) " событий" }
                thead { tr { th scope="col" { "№" } th scope="col" { "Записано" } th scope="col" { "Вид" }
                    th scope="col" { "Поток" } th scope="col" { "Кто" } th scope="col" { "Хеш" } } }
                tbody { @for event in &events {
                    tr { td.number { (event.seq.0) } td { (format::timestamp(event.recorded_at)) }
                        td { code { (event.kind) } } td { code { (event.stream.as_str()) } }
                        td { (event.actor.role.to_string()) } td { code.hash { (event.hash.to_string().get(..16).unwrap_or_default()) "…" } } }
                } }
            }
        }
    })
}

fn verify_result(result: &VerifyResponse) -> Markup {
    html! {
        @if result.ok {
            div.notice.met role="status" {
                "Цепочка цела: проверено событий " (result.events.unwrap_or(0))
                @if let Some(hash) = &result.last_hash { ", последний хеш " code.hash { (hash) } }
                "."
            }
        } @else {
            div.error-summary role="alert" {
                "Цепочка нарушена на событии №" (result.first_bad_seq.unwrap_or(0)) ": "
                (result.reason.clone().unwrap_or_default())
            }
        }
    }
}
