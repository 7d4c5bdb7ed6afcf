//! Reads of the raw ledger: head, events by seq range, by id and by stream, integrity
//! verification (a JSON answer, or server-sent progress for long runs), and the server-sent
//! change feed (catch-up from a seq, then live).
//!
//! Municipality and organisation tokens read raw events of their own scope only (see `scope`):
//! ranges and the feed skip other events (pages still advance by seq, and say which filter
//! applied). A single event outside the scope is 404 with the very body of an unknown id, so a
//! scoped token cannot probe which ids exist; a stream outside the scope is 403, decided by the
//! stream's name against the scope whether or not the stream has events, so it tells nothing
//! either. Of a teacher's stream a scoped token reads only what is dated while the teacher
//! worked in its scope (secrecy row 12): a stream page then says, as a range does, which filter
//! skipped how many. A filtered range has gaps, so it cannot verify the chain; each event's hash
//! is the stored one and can be checked alone.
//!
//! Verification runs on a blocking thread and stops early when the server begins shutting down
//! or a progress client goes away, so it never holds a graceful shutdown.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use proto_events::{EventId, Seq, StreamName};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::commands::stream_name_rule;
use crate::event_view::event_json;
use crate::query::Projector;
use crate::server::auth::Principal;
use crate::server::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use crate::server::policy::{self, Action};
use crate::server::scope::ScopeFilter;
use crate::server::AppState;
use crate::store::{Clock, Store, StoreError};

/// Default page size of event listings.
pub const PAGE_EVENTS_DEFAULT: u64 = 100;
/// Largest page size of event listings.
pub const PAGE_EVENTS_MAX: u64 = 1000;
/// Events read per step of the change feed's catch-up.
const FEED_CHUNK_EVENTS: u64 = 256;
/// Change-feed store reads running at once, over every subscriber. An append wakes every
/// subscriber at the same moment; without this bound each took a blocking thread of its own (up
/// to tokio's 512), and 1,000 live subscribers grew the server by ~500 MB on 50 appends.
pub const FEED_READS_CONCURRENT_MAX: usize = 4;
/// Events verified between two checks of the stop signal.
const VERIFY_CHECK_EVERY_EVENTS: u64 = 1024;
/// Events verified between two progress reports of `verify?progress=true`.
pub const VERIFY_PROGRESS_EVERY_EVENTS: u64 = 10_000;

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
    /// The scope filter applied (`municipality:<code>`, `organisation:<id>`): events outside it
    /// were skipped, so the page may hold fewer events than its seq span, and cannot verify the
    /// chain. Absent for unfiltered reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_filter: Option<String>,
    /// Events of the span skipped by the filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<u64>,
}

/// Query of `GET /api/v1/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// First seq (inclusive), default 1.
    #[param(minimum = 0, example = 1)]
    pub from: Option<u64>,
    /// Last seq (inclusive), default the head.
    #[param(minimum = 0, example = 100)]
    pub to: Option<u64>,
    /// Page size, default 100, at most 1000 (otherwise 400 `invalid_parameter`).
    #[param(minimum = 1, maximum = 1000, example = 100)]
    pub limit: Option<u64>,
}

/// Query of the stream listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// First stream version (inclusive), default 1.
    #[param(minimum = 0, example = 1)]
    pub from_version: Option<u64>,
    /// Page size, default 100, at most 1000 (otherwise 400 `invalid_parameter`).
    #[param(minimum = 1, maximum = 1000, example = 100)]
    pub limit: Option<u64>,
}

/// Query of `GET /api/v1/verify`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// Also decode every envelope canonically (slower).
    pub deep: Option<bool>,
    /// Answer as server-sent events: `progress` events (`{"checked","total"}`) every
    /// 10,000 events, then one `result` event (the JSON of the plain answer).
    pub progress: Option<bool>,
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

/// A `progress` event of `verify?progress=true`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyProgress {
    /// Events checked so far.
    pub checked: u64,
    /// Events to check (the head when the run started).
    pub total: u64,
}

/// Query of `GET /api/v1/feed`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// First seq to deliver, default 1.
    #[param(minimum = 0, example = 1)]
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
    let projector = state.projector.clone();
    let clock = state.clock.clone();
    let page = tokio::task::spawn_blocking(move || {
        let filter = ScopeFilter::of(&principal.role, &projector, &clock)?;
        read_page(projector.store(), from, to, limit, filter)
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(Json(page))
}

/// One page by seq: `limit` seqs from `from`, the events outside `filter` skipped.
fn read_page(
    store: &Store,
    from: u64,
    to: u64,
    limit: u64,
    mut filter: Option<ScopeFilter>,
) -> Result<EventsPage, ApiError> {
    let last = to.min(from.saturating_add(limit).saturating_sub(1));
    let mut events = Vec::new();
    let mut skipped = 0u64;
    if from <= last {
        for event in store.range(Seq(from), Seq(last)) {
            let event = event?;
            let admitted = match filter.as_mut() {
                Some(filter) => filter.admits(&event)?,
                None => true,
            };
            if admitted {
                events.push(event_json(&event));
            } else {
                skipped = skipped.saturating_add(1);
            }
        }
    }
    let next_from = if last < to { Some(last.saturating_add(1)) } else { None };
    Ok(EventsPage {
        events,
        next_from,
        scope_filter: filter.as_ref().map(ScopeFilter::name),
        skipped: filter.as_ref().map(|_| skipped),
    })
}

/// 403 unless the stream belongs to the caller's scope (unscoped roles read every stream). The
/// decision does not depend on whether the stream has events: a stream outside the scope is
/// refused alike when it is empty (see `ScopeFilter`).
/// Returns the filter of its events (a teacher's are read by their valid date).
fn check_stream(
    principal: &Principal,
    projector: &Projector,
    clock: &Arc<dyn Clock>,
    stream: &StreamName,
) -> Result<Option<ScopeFilter>, ApiError> {
    let Some(mut filter) = ScopeFilter::of(&principal.role, projector, clock)? else {
        return Ok(None);
    };
    if filter.admits_stream(stream)? {
        Ok(Some(filter))
    } else {
        Err(ApiError::Forbidden(format!("чтение потока {stream} вне области {}", filter.name())))
    }
}

fn page_limit(limit: Option<u64>) -> Result<u64, ApiError> {
    match limit {
        None => Ok(PAGE_EVENTS_DEFAULT),
        Some(limit) if (1..=PAGE_EVENTS_MAX).contains(&limit) => Ok(limit),
        Some(limit) => Err(ApiError::InvalidParameter {
            field: "limit".into(),
            value: limit.to_string(),
            rule: format!("от 1 до {PAGE_EVENTS_MAX}"),
        }),
    }
}

/// One event by id. For a municipality or organisation token an event outside its scope is
/// answered exactly as an id that is not in the ledger (404, the same body), so the answer does
/// not tell whether an id exists; region-wide roles read every event.
#[utoipa::path(get, path = "/api/v1/events/{id}", params(("id" = String, Path, description = "Event id (UUID)")),
    responses((status = 200, body = Object),
        (status = 404, body = ErrorBody,
            description = "No such event; for a scoped token also an event outside its scope"),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
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
    let projector = state.projector.clone();
    let clock = state.clock.clone();
    tokio::task::spawn_blocking(move || {
        let not_found = || ApiError::NotFound(format!("событие {id}"));
        // The scope is taken before the lookup, so an unknown id and an event outside the scope
        // go through the same steps and end in the same answer.
        let filter = ScopeFilter::of(&principal.role, &projector, &clock)?;
        let event = projector.store().get_by_id(&id)?.ok_or_else(not_found)?;
        if let Some(mut filter) = filter {
            if !filter.admits(&event)? {
                return Err(not_found());
            }
        }
        Ok(Json(event_json(&event)))
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))?
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
        rule: stream_name_rule(&error),
    })?;
    let limit = page_limit(query.limit)?;
    let from_version = query.from_version.unwrap_or(1).max(1);
    let projector = state.projector.clone();
    let clock = state.clock.clone();
    let page = tokio::task::spawn_blocking(move || -> Result<EventsPage, ApiError> {
        let mut filter = check_stream(&principal, &projector, &clock, &stream)?;
        let mut all = projector.store().stream(&stream, from_version)?;
        let more = u64::try_from(all.len()).unwrap_or(u64::MAX) > limit;
        all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_from = if more {
            all.last().map(|event| event.stream_version.saturating_add(1))
        } else {
            None
        };
        // A scoped reader of a teacher's stream reads what is dated in its periods: the page
        // says which filter skipped how many, as a filtered range does.
        let mut events = Vec::with_capacity(all.len());
        let mut skipped = 0u64;
        for event in &all {
            let admitted = match filter.as_mut() {
                Some(filter) => filter.admits(event)?,
                None => true,
            };
            if admitted {
                events.push(event_json(event));
            } else {
                skipped = skipped.saturating_add(1);
            }
        }
        let filtered = skipped > 0;
        Ok(EventsPage {
            events,
            next_from,
            scope_filter: filter.as_ref().filter(|_| filtered).map(ScopeFilter::name),
            skipped: filtered.then_some(skipped),
        })
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))??;
    Ok(Json(page))
}

/// Verifies the whole hash chain (auditor, ministry) up to the head at the start of the run, on a
/// blocking thread. Plain: one JSON answer. With `progress=true`: server-sent `progress` events,
/// then one `result` event (the plain answer's JSON), or `cancelled` when the server stops first.
/// A run stops at shutdown (the plain call then answers 503), so it never holds a shutdown.
#[utoipa::path(get, path = "/api/v1/verify", params(VerifyQuery),
    responses((status = 200, body = VerifyResponse,
            description = "The result; with progress=true a text/event-stream of progress events (VerifyProgress) and a final result"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "The server is stopping")),
    security(("bearer" = [])), tag = "ledger")]
pub async fn verify(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<VerifyQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    policy::check(&principal, Action::Verify)?;
    let store = state.ledger.store().clone();
    let deep = query.deep.unwrap_or(false);
    let stopping = state.stopping.clone();
    if !query.progress.unwrap_or(false) {
        let run = tokio::task::spawn_blocking(move || {
            verify_chain(&store, deep, &|| *stopping.borrow(), &mut |_, _| true)
        })
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
        return match run? {
            Some(response) => Ok(Json(response).into_response()),
            None => Err(ApiError::Unavailable("проверка прервана: сервер останавливается".into())),
        };
    }
    let (sender, receiver) = tokio::sync::mpsc::channel::<SseEvent>(16);
    tokio::task::spawn_blocking(move || {
        let mut report = |checked: u64, total: u64| {
            let progress = VerifyProgress { checked, total };
            let event = SseEvent::default().event("progress").json_data(&progress);
            // A full channel means a slow client: skip this report rather than wait; a closed
            // one means the client went away: stop.
            match event {
                Ok(event) => !matches!(
                    sender.try_send(event),
                    Err(tokio::sync::mpsc::error::TrySendError::Closed(_))
                ),
                Err(_) => true,
            }
        };
        let last = match verify_chain(&store, deep, &|| *stopping.borrow(), &mut report) {
            Ok(Some(response)) => SseEvent::default().event("result").json_data(&response),
            Ok(None) => SseEvent::default().event("cancelled").json_data(serde_json::json!({
                "message": "проверка прервана: сервер останавливается или клиент отключился"
            })),
            Err(error) => {
                eprintln!("проверка целостности не завершена: {error:?}");
                SseEvent::default().event("error").json_data(serde_json::json!({
                    "message": "внутренняя ошибка при проверке"
                }))
            }
        };
        if let Ok(last) = last {
            let _ = sender.blocking_send(last);
        }
    });
    let events = stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|event| (Ok::<_, Infallible>(event), receiver))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// Checks the chain from seq 1 to the head read at the start with `ChainVerifier` (the code of
/// `Store::verify` and `letopis verify`), calling `progress(checked, total)` every
/// `VERIFY_PROGRESS_EVERY_EVENTS` events. None when `stop` turned true or `progress` returned
/// false: the run was cancelled.
pub fn verify_chain(
    store: &Store,
    deep: bool,
    stop: &dyn Fn() -> bool,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<Option<VerifyResponse>, ApiError> {
    let head = store.head();
    let total = head.seq.0;
    let mut verifier = proto_events::chain::ChainVerifier::new(deep);
    let mut checked = 0u64;
    if stop() {
        return Ok(None);
    }
    let failed = |error: proto_events::chain::VerifyError| VerifyResponse {
        ok: false,
        events: None,
        last_seq: None,
        last_hash: None,
        first_bad_seq: Some(error.seq),
        reason: Some(error.failure.to_string()),
    };
    for item in store.range_raw(Seq(1), head.seq) {
        let (seq, stored) = item.map_err(|error: StoreError| ApiError::from(error))?;
        if let Err(error) = verifier.push(seq.0, &stored) {
            return Ok(Some(failed(error)));
        }
        checked = checked.saturating_add(1);
        if checked % VERIFY_CHECK_EVERY_EVENTS == 0 && stop() {
            return Ok(None);
        }
        if checked % VERIFY_PROGRESS_EVERY_EVENTS == 0 && !progress(checked, total) {
            return Ok(None);
        }
    }
    match verifier.finish(Some((head.seq, head.hash))) {
        Ok(summary) => {
            progress(checked, total);
            Ok(Some(VerifyResponse {
                ok: true,
                events: Some(summary.events),
                last_seq: Some(summary.last_seq.0),
                last_hash: Some(summary.last_hash.to_hex()),
                first_bad_seq: None,
                reason: None,
            }))
        }
        Err(error) => Ok(Some(failed(error))),
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
    let projector = state.projector.clone();
    let filter = {
        let projector = projector.clone();
        let clock = state.clock.clone();
        tokio::task::spawn_blocking(move || ScopeFilter::of(&principal.role, &projector, &clock))
            .await
            .map_err(|error| ApiError::Internal(error.to_string()))??
    };
    let mut buffered = std::collections::VecDeque::new();
    if let Some(filter) = &filter {
        // Says which filter applies before the first event: the feed skips other events.
        buffered.push_back(
            SseEvent::default()
                .event("scope_filter")
                .data(serde_json::json!({ "scope_filter": filter.name() }).to_string()),
        );
    }
    let follower = Follower {
        store: state.ledger.store().clone(),
        projector,
        filter,
        heads: state.ledger.subscribe(),
        reads: state.feed_reads.clone(),
        stopping: state.stopping.clone(),
        next: query.from.unwrap_or(1).max(1),
        buffered,
    };
    let events = stream::unfold(follower, |mut follower| async move {
        follower.next_event().await.map(|event| (Ok(event), follower))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

struct Follower {
    store: Store,
    projector: Arc<Projector>,
    filter: Option<ScopeFilter>,
    heads: tokio::sync::watch::Receiver<Seq>,
    reads: Arc<tokio::sync::Semaphore>,
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
                let projector = self.projector.clone();
                let mut filter = self.filter.take();
                let permit = self.reads.clone().acquire_owned().await.ok()?;
                let (chunk, filter) = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    let chunk = store.range(Seq(from), Seq(to)).collect::<Result<Vec<_>, _>>();
                    let admitted = match (chunk, filter.as_mut()) {
                        (Ok(chunk), Some(filter)) => filter.refresh(&projector).and_then(|()| {
                            let mut admitted = Vec::with_capacity(chunk.len());
                            for event in chunk {
                                let keep = filter.admits(&event)?;
                                admitted.push((event, keep));
                            }
                            Ok(admitted)
                        }),
                        (Ok(chunk), None) => {
                            Ok(chunk.into_iter().map(|event| (event, true)).collect())
                        }
                        (Err(error), _) => Err(ApiError::from(error)),
                    };
                    (admitted, filter)
                })
                .await
                .ok()?;
                self.filter = filter;
                let chunk = chunk.ok()?;
                let read_any = !chunk.is_empty();
                for (event, keep) in chunk {
                    self.next = event.seq.0.saturating_add(1);
                    if !keep {
                        continue;
                    }
                    self.buffered.push_back(
                        SseEvent::default()
                            .id(event.seq.0.to_string())
                            .event("event")
                            .data(event_json(&event).to_string()),
                    );
                }
                if !read_any {
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
