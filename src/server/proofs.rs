//! Proof for outsiders over the API (issue #13): the inclusion proof of an event at a tree size,
//! the consistency proof between two sizes, and the signed checkpoints (any size the log signed,
//! and the latest), each note with every witness cosignature gathered. The JSON is the CLI's
//! (`proto_events::tlog::proof`), so `letopis proof verify` checks what the API hands out.
//!
//! Who may ask: an inclusion proof reveals that an event is in the log, so it follows the rule of
//! reading that event (`reads::event_by_id`): region-wide roles every event; a scoped role only an
//! event its scope reads, and any other is answered as an unknown event (404, the same body).
//! Consistency proofs and checkpoints say nothing of any event (sizes and roots, as the head
//! does), so every signed-in role may read them (`Action::ReadHead`).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use proto_events::tlog::{ConsistencyProof, InclusionProof};
use proto_events::{Envelope, EventId, Seq};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::server::auth::Principal;
use crate::server::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
use crate::server::policy::{self, Action};
use crate::server::scope::ScopeFilter;
use crate::server::AppState;
use crate::store::{Store, TreeProofError};

/// The content type of a signed note (C2SP tlog-checkpoint).
pub const NOTE_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// Query of `GET /api/v1/proofs/inclusion`: the event by `seq` or by `id` (exactly one).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// The event's seq (or give `id`).
    #[param(minimum = 1, example = 5)]
    pub seq: Option<u64>,
    /// The event's id, a UUID (or give `seq`).
    pub id: Option<String>,
    /// The tree size (1 … head), default the head.
    #[param(minimum = 1, example = 8)]
    pub size: Option<u64>,
}

/// Query of `GET /api/v1/proofs/consistency`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The older size, 1 … `to` (required).
    #[param(minimum = 1, example = 5)]
    pub from: Option<u64>,
    /// The newer size, `from` … head, default the head.
    #[param(minimum = 1, example = 8)]
    pub to: Option<u64>,
}

/// An inclusion proof (ENCODING.md "Merkle tree"); the shape of `letopis proof inclusion
/// --format json`.
#[derive(ToSchema)]
#[schema(as = InclusionProof, examples(json!({
    "leaf_index": 4,
    "tree_size": 8,
    "leaf_hash": "Ef0bLfzqwJc7qbrcpdPQ0/35gF8BOkfFu9vcgT/kXcw=",
    "hashes": [
        "qFi0BTZ7c9BVsUAfYrn/ugEB4cK+gcjU5AMjvw3ZaGM=",
        "7X85OwOl2W4i8YH3rT4zl6OtZ6ULGKdPsCXChYyZyhI=",
        "0Mu+vSUEfxyhB+NDavaVCvn5zRT9AlktTcaJnfGUgRE="
    ]
})))]
#[allow(dead_code)]
pub struct InclusionProofSchema {
    /// The leaf's 0-based index: the event's seq − 1.
    leaf_index: u64,
    /// The tree size the proof is for.
    tree_size: u64,
    /// `H(0x00 ‖ event's stored hash)`, base64.
    leaf_hash: String,
    /// The audit path, base64 of 32 bytes each, from the leaf's sibling up (RFC 9162 §2.1.3).
    hashes: Vec<String>,
}

/// A consistency proof (ENCODING.md "Merkle tree"); the shape of `letopis proof consistency
/// --format json`.
#[derive(ToSchema)]
#[schema(as = ConsistencyProof, examples(json!({
    "from": 5,
    "to": 8,
    "hashes": [
        "Ef0bLfzqwJc7qbrcpdPQ0/35gF8BOkfFu9vcgT/kXcw=",
        "qFi0BTZ7c9BVsUAfYrn/ugEB4cK+gcjU5AMjvw3ZaGM=",
        "0Mu+vSUEfxyhB+NDavaVCvn5zRT9AlktTcaJnfGUgRE="
    ]
})))]
#[allow(dead_code)]
pub struct ConsistencyProofSchema {
    /// The older size.
    from: u64,
    /// The newer size.
    to: u64,
    /// The proof, base64 of 32 bytes each (RFC 9162 §2.1.4).
    hashes: Vec<String>,
}

/// Inclusion proof of one event (by `seq` or `id`) in the tree of `size` events. A scoped token
/// asking about an event outside its scope gets the 404 of an unknown event.
#[utoipa::path(get, path = "/api/v1/proofs/inclusion", params(InclusionQuery),
    responses((status = 200, body = InclusionProofSchema),
        (status = 400, body = ErrorBody,
            description = "Neither or both of seq and id; a size of 0 or beyond the head; a seq beyond the size"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody,
            description = "No such event; for a scoped token also an event outside its scope")),
    security(("bearer" = [])), tag = "ledger")]
pub async fn inclusion(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionProof>, ApiError> {
    policy::check(&principal, Action::ReadEvents)?;
    let projector = state.projector.clone();
    let clock = state.clock.clone();
    tokio::task::spawn_blocking(move || {
        let store = projector.store();
        let head = store.head().seq.0;
        let size = query.size.unwrap_or(head);
        check_size("size", size, 1, head)?;
        let filter = ScopeFilter::of(&principal.role, &projector, &clock)?;
        let (event, not_found) = match (query.seq, &query.id) {
            (Some(seq), None) => {
                if seq == 0 || seq > size {
                    return Err(invalid("seq", seq, format!("номер события от 1 до {size}")));
                }
                (store.get(Seq(seq))?, format!("событие №{seq}"))
            }
            (None, Some(id)) => {
                let parsed: EventId = id.parse().map_err(|_| ApiError::InvalidParameter {
                    field: "id".into(),
                    value: id.clone(),
                    rule: "идентификатор события — UUID".into(),
                })?;
                (store.get_by_id(&parsed)?, format!("событие {parsed}"))
            }
            _ => {
                return Err(ApiError::InvalidParameter {
                    field: "seq".into(),
                    value: String::new(),
                    rule: "укажите ровно одно из: seq (номер события) или id (идентификатор)"
                        .into(),
                })
            }
        };
        let event = readable(event, filter)?.ok_or(ApiError::NotFound(not_found))?;
        if event.seq.0 > size {
            let rule = format!("событие №{} позже дерева этого размера", event.seq.0);
            return Err(invalid("size", size, rule));
        }
        Ok(Json(store.inclusion_proof(event.seq, size).map_err(tree_error)?))
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))?
}

/// Consistency proof: the log of `from` events is the beginning of the log of `to` events.
#[utoipa::path(get, path = "/api/v1/proofs/consistency", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyProofSchema),
        (status = 400, body = ErrorBody,
            description = "from missing or 0, from above to, or to beyond the head"),
        (status = 401, body = ErrorBody)),
    security(("bearer" = [])), tag = "ledger")]
pub async fn consistency(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    policy::check(&principal, Action::ReadHead)?;
    let store = state.ledger.store().clone();
    tokio::task::spawn_blocking(move || {
        let head = store.head().seq.0;
        let to = query.to.unwrap_or(head);
        check_size("to", to, 1, head)?;
        let from = query.from.ok_or_else(|| ApiError::InvalidParameter {
            field: "from".into(),
            value: String::new(),
            rule: "укажите меньший размер дерева".into(),
        })?;
        check_size("from", from, 1, to)?;
        Ok(Json(store.consistency_proof(from, to).map_err(tree_error)?))
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))?
}

/// The latest signed checkpoint (C2SP tlog-checkpoint note) with every witness cosignature
/// gathered.
#[utoipa::path(get, path = "/api/v1/checkpoints/latest",
    responses((status = 200, description = "The signed note", content_type = "text/plain",
            body = String, example = json!("region.example/letopis\n8\n3q3a9l0T5Ttm3Kkf8Q7o0bTqQZ3uJhXb7pu1kV9YxHw=\nchain-head 8:5f2c…\n\n— region.example/letopis AbCdEf…\n")),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "The log has signed no checkpoint yet")),
    security(("bearer" = [])), tag = "ledger")]
pub async fn latest_checkpoint(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, ApiError> {
    policy::check(&principal, Action::ReadHead)?;
    latest_note(&state).await
}

/// The latest signed checkpoint with every cosignature gathered, as `text/plain`; 404 before
/// the log signed one. The API's `/api/v1/checkpoints/latest` and the tiles' `/checkpoint`.
pub(crate) async fn latest_note(state: &AppState) -> Result<Response, ApiError> {
    let store = state.ledger.store().clone();
    tokio::task::spawn_blocking(move || match latest_cosigned(&store)? {
        Some(note) => Ok(note_response(note)),
        None => Err(ApiError::NotFound("подписанная контрольная точка".into())),
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))?
}

/// The checkpoint the log signed at tree size `size`, with every witness cosignature gathered.
#[utoipa::path(get, path = "/api/v1/checkpoints/{size}",
    params(("size" = u64, Path, description = "Tree size (number of events), 0 … head")),
    responses((status = 200, description = "The signed note", content_type = "text/plain", body = String),
        (status = 400, body = ErrorBody, description = "Not a number, or beyond the head"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "The log signed no checkpoint of this size")),
    security(("bearer" = [])), tag = "ledger")]
pub async fn checkpoint_at(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(size): ApiPath<String>,
) -> Result<Response, ApiError> {
    policy::check(&principal, Action::ReadHead)?;
    let store = state.ledger.store().clone();
    tokio::task::spawn_blocking(move || {
        let head = store.head().seq.0;
        let parsed = size.parse::<u64>().map_err(|_| ApiError::InvalidParameter {
            field: "size".into(),
            value: size.clone(),
            rule: format!("размер дерева — число от 0 до {head}"),
        })?;
        check_size("size", parsed, 0, head)?;
        match store.checkpoints()?.get_cosigned(parsed)? {
            Some(note) => Ok(note_response(note)),
            None => Err(ApiError::NotFound(format!("контрольная точка размера {parsed}"))),
        }
    })
    .await
    .map_err(|error| ApiError::Internal(error.to_string()))?
}

/// The latest signed note with its cosignatures (also `/checkpoint` of the tiles).
pub fn latest_cosigned(store: &Store) -> Result<Option<Vec<u8>>, ApiError> {
    let checkpoints = store.checkpoints()?;
    match checkpoints.latest()? {
        Some((size, _)) => Ok(checkpoints.get_cosigned(size)?),
        None => Ok(None),
    }
}

/// A note as the body, uncached beyond a few seconds (tlog-tiles says so of `/checkpoint`).
pub fn note_response(note: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, NOTE_CONTENT_TYPE), (header::CACHE_CONTROL, "max-age=5")], note)
        .into_response()
}

/// The event if the caller may read it (no filter: every event).
fn readable(
    event: Option<Envelope>,
    filter: Option<ScopeFilter>,
) -> Result<Option<Envelope>, ApiError> {
    match (event, filter) {
        (Some(event), Some(mut filter)) => Ok(filter.admits(&event)?.then_some(event)),
        (event, None) => Ok(event),
        (None, Some(_)) => Ok(None),
    }
}

/// `value` within `min ..= max`, else 400 naming `field`.
fn check_size(field: &str, value: u64, min: u64, max: u64) -> Result<(), ApiError> {
    if (min..=max).contains(&value) {
        return Ok(());
    }
    let rule = if max < min {
        "в журнале ещё нет событий".to_string()
    } else {
        format!("размер дерева от {min} до {max}")
    };
    Err(invalid(field, value, rule))
}

fn invalid(field: &str, value: u64, rule: String) -> ApiError {
    ApiError::InvalidParameter { field: field.into(), value: value.to_string(), rule }
}

fn tree_error(error: TreeProofError) -> ApiError {
    match error {
        TreeProofError::SizeBeyondHead { size, .. } => invalid("size", size, error.to_string()),
        TreeProofError::SeqOutsideTree { seq, .. } => invalid("seq", seq, error.to_string()),
        TreeProofError::SizesReversed { from, .. } => invalid("from", from, error.to_string()),
        TreeProofError::Store(error) => error.into(),
    }
}
