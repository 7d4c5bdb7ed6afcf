//! Аудит (auditor, ministry: the roles `access::may` lets verify): the head of the chain, a
//! verification of the whole chain by `server::reads::verify_chain` (the API's `GET
//! /api/v1/verify`) streamed as an HTML page that grows as it checks (no script: the browser
//! shows each progress line as it arrives, then the result), the signed checkpoints with their
//! witnesses' cosignatures (`Store::checkpoints`, each note as the API's
//! `/api/v1/checkpoints/{size}` gives it), the log archive download by
//! `server::archive::log_response` (the API's `GET /api/v1/log`), and the latest events,
//! filtered by stream, kind and the day they were recorded.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderName};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup, PreEscaped};
use proto_events::{Date, Envelope, Seq, Timestamp};
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::access::Action;
use crate::query::{resolve, KnownAt};
use crate::server::archive::{log_response, LogQuery};
use crate::server::error::{ApiError, ApiPath};
use crate::server::policy;
use crate::server::proofs::checkpoint_at;
use crate::server::reads::{verify_chain, VerifyResponse};
use crate::server::views::query_error;
use crate::server::AppState;
use crate::store::Store;
use crate::web::format;
use crate::web::login::CsrfForm;
use crate::web::page::{page, shell, PageError};
use crate::web::session::{csrf_matches, Viewer};

/// Events listed on the page, at most.
const EVENTS_LISTED_MAX: usize = 50;
/// Events scanned back from the head to find those that pass the filters, at most.
const EVENTS_SCANNED_MAX: u64 = 5_000;

/// Checkpoints listed, at most (the latest ones).
const CHECKPOINTS_LISTED_MAX: usize = 20;

/// Query of `GET /audit`.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// Only events of streams starting with this.
    pub stream: Option<String>,
    /// Only events of this kind.
    pub kind: Option<String>,
    /// Only events recorded on or after this day (`YYYY-MM-DD` or `дд.мм.гггг`, UTC).
    pub from: Option<String>,
    /// Only events recorded on or before this day.
    pub to: Option<String>,
}

/// `GET /audit`.
pub async fn page_handler(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    policy::check(&viewer.principal, Action::Verify)?;
    let Query(query) = query.map_err(|error| ApiError::Malformed(error.body_text()))?;
    let body = audit_body(&state, &viewer, &query).await?;
    Ok(page("Аудит", &viewer, "/audit", body))
}

/// `POST /audit/verify`: verifies the whole chain, streaming the page: the shell and one line
/// per `VERIFY_PROGRESS_EVERY_EVENTS` events checked as they are, then the result.
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
    let total = store.head().seq.0;
    let body = html! {
        p.breadcrumbs { a href="/audit" { "Аудит" } " › " "Проверка цепочки" }
        h1 { "Проверка цепочки" }
        p.lead { "Проверяются события №1–№" (total) ": хеш каждого по его байтам и связь с предыдущим." }
        div.progress aria-live="polite" { (PreEscaped(PROGRESS_MARKER)) }
    };
    let whole = shell("Аудит: проверка", Some((&viewer, "/audit")), body).into_string();
    let (prefix, suffix) = whole
        .split_once(PROGRESS_MARKER)
        .map(|(prefix, suffix)| (prefix.to_string(), suffix.to_string()))
        .ok_or_else(|| PageError::Internal("the verify page lost its marker".into()))?;
    let (sender, receiver) = mpsc::channel::<Result<Bytes, Infallible>>(VERIFY_CHUNKS_IN_FLIGHT);
    let _ = sender.send(Ok(Bytes::from(prefix))).await;
    tokio::task::spawn_blocking(move || {
        let result = verify_chain(&store, false, &|| state.is_stopping(), &mut |checked, total| {
            let line = format!("<p>проверено событий: {checked} из {total}</p>");
            sender.blocking_send(Ok(Bytes::from(line))).is_ok()
        });
        let ending = match result {
            Ok(Some(result)) => verify_result(&result).into_string(),
            Ok(None) => html! { div.error-summary role="alert" { "Проверка прервана: сервер останавливается." } }
                .into_string(),
            Err(error) => {
                let (_, json) = error.status_and_json();
                let message = serde_json::from_slice::<serde_json::Value>(&json)
                    .ok()
                    .and_then(|body| body["message"].as_str().map(str::to_string))
                    .unwrap_or_default();
                html! { div.error-summary role="alert" { "Проверка не выполнена: " (message) } }.into_string()
            }
        };
        let _ = sender.blocking_send(Ok(Bytes::from(format!("{ending}{suffix}"))));
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver));
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            // Proxies that buffer (nginx) pass each chunk on at once.
            (HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        body,
    )
        .into_response())
}

/// Where the progress lines go in the verify page's shell.
const PROGRESS_MARKER: &str = "<!--letopis-progress-->";
/// Chunks of the verify page queued for a slow connection, at most.
const VERIFY_CHUNKS_IN_FLIGHT: usize = 16;

/// `GET /audit/checkpoints/{size}`: a signed note with its cosignatures, as the API gives it.
pub async fn checkpoint(
    state: State<AppState>,
    viewer: Viewer,
    Path(size): Path<String>,
) -> Result<Response, PageError> {
    Ok(checkpoint_at(state, viewer.principal, ApiPath(size)).await?)
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
) -> Result<Markup, PageError> {
    let head = state.ledger.store().head();
    let store = state.ledger.store().clone();
    let stream = query.stream.clone().unwrap_or_default();
    let kind = query.kind.clone().unwrap_or_default();
    let from_day = day_parameter("from", query.from.as_deref())?;
    let to_day = day_parameter("to", query.to.as_deref())?;
    let filter = EventFilter {
        stream: stream.trim().to_string(),
        kind: kind.trim().to_string(),
        from: from_day.and_then(|day| Timestamp::parse_rfc3339(&format!("{day}T00:00:00Z"))),
        to: to_day.and_then(|day| Timestamp::parse_rfc3339(&format!("{day}T23:59:59.999999Z"))),
    };
    let (events, checkpoints) = tokio::task::spawn_blocking(move || {
        Ok::<_, PageError>((latest_events(&store, &filter)?, signed_checkpoints(&store)?))
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
            form method="post" action="/audit/verify" {
                input type="hidden" name="csrf_token" value=(viewer.csrf);
                button type="submit" { "Проверить всю цепочку" }
            }
            p { a href="/audit/log" download { "Скачать архив журнала" }
                " — проверяется без сервера: " code { "letopis log verify --archive <файл>" } }
        }
        (checkpoints_section(&checkpoints))
        section aria-labelledby="events-title" {
            h2 #events-title { "Последние события" }
            form.controls method="get" action="/audit" {
                div.field { label for="stream" { "Поток (начало имени)" }
                    input #stream type="text" name="stream" value=(stream.trim()); }
                div.field { label for="kind" { "Вид события" }
                    input #kind type="text" name="kind" value=(kind.trim()); }
                div.field { label for="from" { "Записано с" }
                    input #from type="date" name="from" value=(from_day.map(|day| day.to_string()).unwrap_or_default()); }
                div.field { label for="to" { "по" }
                    input #to type="date" name="to" value=(to_day.map(|day| day.to_string()).unwrap_or_default()); }
                button type="submit" { "Отобрать" }
            }
            table.events {
                caption { "Не более " (EVENTS_LISTED_MAX) " последних из " (EVENTS_SCANNED_MAX) " событий, просмотренных назад от конца отбора" }
                thead { tr { th scope="col" { "№" } th scope="col" { "Записано" } th scope="col" { "Вид" }
                    th scope="col" { "Поток" } th scope="col" { "Кто" } th scope="col" { "Хеш" } } }
                tbody { @for event in &events {
                    tr data-seq=(event.seq.0) data-kind=(event.kind) { td.number { (event.seq.0) } td { (format::timestamp(event.recorded_at)) }
                        td { code { (event.kind) } } td { code { (event.stream.as_str()) } }
                        td { (event.actor.role.to_string()) } td { code.hash { (event.hash.to_string().get(..16).unwrap_or_default()) "…" } } }
                } }
            }
        }
    })
}

/// The filters of the event browser.
struct EventFilter {
    stream: String,
    kind: String,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

/// The latest events passing `filter`, newest first: scanned back from the last event recorded
/// by `filter.to` (found by the knowledge-point search over recorded times), at most
/// `EVENTS_SCANNED_MAX` events, stopping at `filter.from`.
fn latest_events(store: &Store, filter: &EventFilter) -> Result<Vec<Envelope>, PageError> {
    let last = match filter.to {
        Some(to) => resolve(store, KnownAt::Time(to)).map_err(query_error)?,
        None => store.head().seq.0,
    };
    let first = last.saturating_sub(EVENTS_SCANNED_MAX).saturating_add(1);
    let mut events = Vec::new();
    if last == 0 {
        return Ok(events);
    }
    for event in store.range(Seq(first), Seq(last)) {
        let event = event?;
        if filter.from.is_some_and(|from| event.recorded_at < from) {
            continue;
        }
        if event.stream.as_str().starts_with(&filter.stream)
            && (filter.kind.is_empty() || event.kind == filter.kind)
        {
            events.push(event);
        }
    }
    events.reverse();
    events.truncate(EVENTS_LISTED_MAX);
    Ok(events)
}

/// A day of the event browser's filter: `YYYY-MM-DD` (the date field) or `дд.мм.гггг`.
fn day_parameter(field: &str, text: Option<&str>) -> Result<Option<Date>, PageError> {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else { return Ok(None) };
    match Date::parse_iso(text).or_else(|| Date::parse_russian(text)) {
        Some(day) => Ok(Some(day)),
        None => Err(PageError::Api(ApiError::InvalidParameter {
            field: field.into(),
            value: text.to_string(),
            rule: "ожидается дата ГГГГ-ММ-ДД или дд.мм.гггг".into(),
        })),
    }
}

/// One signed checkpoint as the page shows it.
struct CheckpointView {
    size: u64,
    /// The note's body lines: origin, size, root, extension lines (`chain-head`).
    body: Vec<String>,
    /// Signers by key name: the log's own first (its name is the origin), then the witnesses.
    signers: Vec<(String, bool)>,
}

/// The latest `CHECKPOINTS_LISTED_MAX` signed checkpoints with every cosignature gathered.
fn signed_checkpoints(store: &Store) -> Result<Vec<CheckpointView>, PageError> {
    let checkpoints = store.checkpoints()?;
    let mut sizes = checkpoints.sizes()?;
    sizes.sort_unstable();
    let mut out = Vec::new();
    for size in sizes.into_iter().rev().take(CHECKPOINTS_LISTED_MAX) {
        let Some(note) = checkpoints.get_cosigned(size)? else { continue };
        let text = String::from_utf8_lossy(&note);
        let (body, signatures) = text.split_once("\n\n").unwrap_or((&text, ""));
        let body: Vec<String> = body.lines().map(str::to_string).collect();
        let origin = body.first().cloned().unwrap_or_default();
        let signers = signatures
            .lines()
            .filter_map(|line| line.strip_prefix("— "))
            .filter_map(|line| line.split_whitespace().next())
            .map(|name| (name.to_string(), name == origin))
            .collect();
        out.push(CheckpointView { size, body, signers });
    }
    Ok(out)
}

fn checkpoints_section(checkpoints: &[CheckpointView]) -> Markup {
    html! {
        section aria-labelledby="checkpoints-title" {
            h2 #checkpoints-title { "Подписанные контрольные точки" }
            @if checkpoints.is_empty() {
                p { "Журнал ещё не подписал ни одной контрольной точки (" code { "letopis key generate" } ", затем "
                    code { "letopis checkpoint" } " или " code { "serve --checkpoint-every" } ")." }
            } @else {
                p.hint { "Подписи проверяются без сервера: " code { "letopis log verify --archive <файл> --checkpoint <заметка> --vkey <ключ>…" } "." }
                table.checkpoints {
                    caption.visually-hidden { "Контрольные точки и подписи" }
                    thead { tr { th scope="col" { "Событий" } th scope="col" { "Корень дерева и голова цепочки" }
                        th scope="col" { "Подписи" } th scope="col" { "Заметка" } } }
                    tbody { @for checkpoint in checkpoints {
                        tr data-checkpoint=(checkpoint.size) {
                            td.number { (format::count(checkpoint.size)) }
                            td { @for line in checkpoint.body.iter().skip(2) { div { code.hash { (line) } } } }
                            td {
                                ul.signers { @for (name, own) in &checkpoint.signers {
                                    li data-witness=(!own) {
                                        @if *own { "журнал: " } @else { "свидетель: " }
                                        code { (name) }
                                    }
                                } }
                                @let witnesses = checkpoint.signers.iter().filter(|(_, own)| !own).count();
                                @if witnesses == 0 { div.hint { "косигнатур свидетелей нет" } }
                            }
                            td { a href=(format!("/audit/checkpoints/{}", checkpoint.size)) { "текст" } }
                        }
                    } }
                }
            }
        }
    }
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
