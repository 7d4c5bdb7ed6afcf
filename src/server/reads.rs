//! Reads of the raw ledger: head, events by seq range, by id and by stream, integrity
//! verification, and the server-sent change feed (catch-up from a seq, then live).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use proto_events::{EventId, Seq, StreamName};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::event_view::event_json;
use crate::server::auth::Principal;
use crate::server::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use crate::server::policy::{self, Action};
use crate::server::AppState;
use crate::store::Store;

/// Default page size of event listings.
pub const PAGE_EVENTS_DEFAULT: u64 = 100;
/// Largest page size of event listings.
pub const PAGE_EVENTS_MAX: u64 = 1000;
/// Events read per step of the change feed's catch-up.
const FEED_CHUNK_EVENTS: u64 = 256;

/// The durable head.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeadResponse {
    /// Last durable seq (0 when empty).
    pub seq: u64,
    /// Its hash, hex.
    pub hash: String,
    /// Its recorded time, RFC 3339 (absent when empty).
    pub recorded_at: Option<String>,
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventsPage {
    /// The events (see `event_view`: seq, id, stream, kind, recorded_at, effective, actor,
    /// basis, payload, prev_hash, hash).
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Value>,
    /// Where the next page starts; absent at the end.
    pub next_from: Option<u64>,
}

/// Query of `GET /api/v1/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// First seq (inclusive), default 1.
    pub from: Option<u64>,
    /// Last seq (inclusive), default the head.
    pub to: Option<u64>,
    /// Page size, default 100, at most 1000.
    pub limit: Option<u64>,
}

/// Query of the stream listing.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// First stream version (inclusive), default 1.
    pub from_version: Option<u64>,
    /// Page size, default 100, at most 1000.
    pub limit: Option<u64>,
}

/// Query of `GET /api/v1/verify`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// Also decode every envelope canonically (slower).
    pub deep: Option<bool>,
}

/// Result of a verification run.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResponse {
    /// True when the whole chain checks.
    pub ok: bool,
    /// Events checked.
    pub events: Option<u64>,
    /// Last seq checked.
    pub last_seq: Option<u64>,
    /// Hash of the last event, hex.
    pub last_hash: Option<String>,
    /// First seq that failed.
    pub first_bad_seq: Option<u64>,
    /// Why it failed.
    pub reason: Option<String>,
}

/// Query of `GET /api/v1/feed`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// First seq to deliver, default 1.
    pub from: Option<u64>,
}

/// The durable head.
#[utoipa::path(get, path = "/api/v1/head",
    responses((status = 200, body = HeadResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = [])), tag = "ledger")]
pub async fn head(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<HeadResponse>, ApiError> {
    policy::check(&principal, Action::ReadHead)?;
    let head = state.ledger.store().head();
    Ok(Json(HeadResponse {
        seq: head.seq.0,
        hash: head.hash.to_hex(),
        recorded_at: head.recorded_at.map(|time| time.to_string()),
    }))
}

/// Events by seq range, paginated.
#[utoipa::path(get, path = "/api/v1/events", params(RangeQuery),
    responses((status = 200, body = EventsPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "ledger")]
pub async fn events(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Json<EventsPage>, ApiError> {
    policy::check(&principal, Action::ReadEvents)?;
    let limit = page_limit(query.limit)?;
    let from = query.from.unwrap_or(1).max(1);
    let head = state.ledger.store().head().seq.0;
    let to = query.to.unwrap_or(head).min(head);
    let store = state.ledger.store().clone();
    let page = tokio::task::spawn_blocking(move || read_page(&store, from, to, limit))
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(Json(page))
}

fn read_page(store: &Store, from: u64, to: u64, limit: u64) -> Result<EventsPage, ApiError> {
    let last = to.min(from.saturating_add(limit).saturating_sub(1));
    let mut events = Vec::new();
    if from <= last {
        for event in store.range(Seq(from), Seq(last)) {
            events.push(event_json(&event?));
        }
    }
    let next_from = if last < to { Some(last.saturating_add(1)) } else { None };
    Ok(EventsPage { events, next_from })
}

fn page_limit(limit: Option<u64>) -> Result<u64, ApiError> {
    match limit {
        None => Ok(PAGE_EVENTS_DEFAULT),
        Some(limit) if (1..=PAGE_EVENTS_MAX).contains(&limit) => Ok(limit),
        Some(limit) => Err(ApiError::InvalidField {
            field: "limit".into(),
            value: limit.to_string(),
            rule: format!("от 1 до {PAGE_EVENTS_MAX}"),
        }),
    }
}

/// One event by id.
#[utoipa::path(get, path = "/api/v1/events/{id}", params(("id" = String, Path, description = "Event id (UUID)")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "ledger")]
pub async fn event_by_id(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    policy::check(&principal, Action::ReadEvents)?;
    let id: EventId = id.parse().map_err(|_| ApiError::InvalidField {
        field: "id".into(),
        value: id.clone(),
        rule: "идентификатор события — UUID".into(),
    })?;
    match state.ledger.store().get_by_id(&id)? {
        Some(event) => Ok(Json(event_json(&event))),
        None => Err(ApiError::NotFound(format!("событие {id}"))),
    }
}

/// Events of one stream, e.g. `/api/v1/streams/teacher/t-000123/events`.
#[utoipa::path(get, path = "/api/v1/streams/{stream}/events",
    params(("stream" = String, Path, description = "Stream name, e.g. teacher/t-000123 (the slash is part of the path)"), StreamQuery),
    responses((status = 200, body = EventsPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "ledger")]
pub async fn stream_events(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(rest): ApiPath<String>,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Json<EventsPage>, ApiError> {
    policy::check(&principal, Action::ReadEvents)?;
    let name = rest
        .strip_suffix("/events")
        .ok_or_else(|| ApiError::NotFound("путь должен оканчиваться на /events".into()))?;
    let stream = StreamName::new(name).map_err(|error| ApiError::InvalidField {
        field: "stream".into(),
        value: name.to_string(),
        rule: error.to_string(),
    })?;
    let limit = page_limit(query.limit)?;
    let from_version = query.from_version.unwrap_or(1).max(1);
    let store = state.ledger.store().clone();
    let page = tokio::task::spawn_blocking(move || -> Result<EventsPage, ApiError> {
        let mut all = store.stream(&stream, from_version)?;
        let more = u64::try_from(all.len()).unwrap_or(u64::MAX) > limit;
        all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_from = if more {
            all.last().map(|event| event.stream_version.saturating_add(1))
        } else {
            None
        };
        Ok(EventsPage { events: all.iter().map(event_json).collect(), next_from })
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(Json(page))
}

/// Verifies the whole hash chain (auditor, ministry). Runs on a blocking thread.
#[utoipa::path(get, path = "/api/v1/verify", params(VerifyQuery),
    responses((status = 200, body = VerifyResponse),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "ledger")]
pub async fn verify(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<VerifyQuery>,
) -> Result<Json<VerifyResponse>, ApiError> {
    policy::check(&principal, Action::Verify)?;
    let store = state.ledger.store().clone();
    let deep = query.deep.unwrap_or(false);
    let result = tokio::task::spawn_blocking(move || store.verify(deep, 0, |_| {}))
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    match result {
        Ok(summary) => Ok(Json(VerifyResponse {
            ok: true,
            events: Some(summary.events),
            last_seq: Some(summary.last_seq.0),
            last_hash: Some(summary.last_hash.to_hex()),
            first_bad_seq: None,
            reason: None,
        })),
        Err(crate::store::StoreError::Integrity(error)) => Ok(Json(VerifyResponse {
            ok: false,
            events: None,
            last_seq: None,
            last_hash: None,
            first_bad_seq: Some(error.seq),
            reason: Some(error.failure.to_string()),
        })),
        Err(error) => Err(error.into()),
    }
}

/// Server-sent events from `from`: catch-up, then live as the durable head moves. Each event's
/// SSE `id` is its seq, so a client reconnects with `from = last id + 1`.
#[utoipa::path(get, path = "/api/v1/feed", params(FeedQuery),
    responses((status = 200, description = "text/event-stream of event JSON", content_type = "text/event-stream"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])), tag = "ledger")]
pub async fn feed(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    policy::check(&principal, Action::ReadEvents)?;
    let follower = Follower {
        store: state.ledger.store().clone(),
        heads: state.ledger.subscribe(),
        stopping: state.stopping.clone(),
        next: query.from.unwrap_or(1).max(1),
        buffered: std::collections::VecDeque::new(),
    };
    let events = stream::unfold(follower, |mut follower| async move {
        follower.next_event().await.map(|event| (Ok(event), follower))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

struct Follower {
    store: Store,
    heads: tokio::sync::watch::Receiver<Seq>,
    stopping: tokio::sync::watch::Receiver<bool>,
    next: u64,
    buffered: std::collections::VecDeque<SseEvent>,
}

impl Follower {
    /// The next SSE event; None ends the feed (server stopping, writer gone, or a read failed).
    async fn next_event(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(event) = self.buffered.pop_front() {
                return Some(event);
            }
            if *self.stopping.borrow() {
                return None;
            }
            let head = self.store.head().seq.0;
            if self.next <= head {
                let from = self.next;
                let to = head.min(from.saturating_add(FEED_CHUNK_EVENTS - 1));
                let store = self.store.clone();
                let chunk = tokio::task::spawn_blocking(move || {
                    store.range(Seq(from), Seq(to)).collect::<Result<Vec<_>, _>>()
                })
                .await
                .ok()?
                .ok()?;
                for event in chunk {
                    self.next = event.seq.0.saturating_add(1);
                    self.buffered.push_back(
                        SseEvent::default()
                            .id(event.seq.0.to_string())
                            .event("event")
                            .data(event_json(&event).to_string()),
                    );
                }
                if self.buffered.is_empty() {
                    return None;
                }
                continue;
            }
            tokio::select! {
                changed = self.heads.changed() => changed.ok()?,
                changed = self.stopping.changed() => changed.ok()?,
            }
        }
    }
}
