//! `POST /api/v1/commands`: one command or a batch, checked (shape, fields, role) and appended
//! all or nothing; the event id is the idempotency key.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use proto_events::limits::BATCH_EVENTS_MAX;
use proto_events::vocabulary::Payload;
use proto_events::{Basis, Effective, EventId, NewEvent, StreamName};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::server::auth::Principal;
use crate::server::error::{ApiError, ApiJson, ErrorBody};
use crate::server::policy::{self, Action};
use crate::server::AppState;
use crate::store::{AppendRequest, Expected};

/// One command: a fact of a known kind with its valid time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandBody {
    /// Event id (UUID), the idempotency key: a retry with the same id and content returns the
    /// original seq. Generated when absent.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Option<uuid::Uuid>,
    /// Kind tag, e.g. `course_completed`.
    pub kind: String,
    /// The payload of the kind (see the vocabulary); unknown fields are refused.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// Valid time: `YYYY-MM-DD` or an RFC 3339 time.
    pub effective: String,
    /// The act the fact rests on: `{"kind","number","date","title"?}` or
    /// `"приказ №55-35-мпр от 13.06.2023"`.
    #[schema(value_type = Option<Object>)]
    pub basis: Option<Value>,
    /// The version the target stream must have now (409 otherwise).
    pub expected_version: Option<u64>,
}

/// A batch of commands, appended all or nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// The commands, in order.
    pub commands: Vec<CommandBody>,
}

/// The request body: one command or a batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CommandsRequest {
    /// A batch.
    Batch(BatchBody),
    /// One command.
    One(CommandBody),
}

/// What an accepted append returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppendResponse {
    /// The seq of each event, in request order.
    pub seqs: Vec<u64>,
    /// The event ids, in request order.
    pub ids: Vec<String>,
    /// True when this was an idempotent retry of events already recorded.
    pub duplicate: bool,
    /// The durable head after the append.
    pub head: u64,
}

/// Appends one command or a batch.
#[utoipa::path(
    post,
    path = "/api/v1/commands",
    request_body = CommandsRequest,
    responses(
        (status = 201, description = "Recorded", body = AppendResponse),
        (status = 200, description = "Idempotent retry: already recorded", body = AppendResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Role or scope does not allow it", body = ErrorBody),
        (status = 409, description = "Expected version or id conflict", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ),
    security(("bearer" = [])),
    tag = "commands"
)]
pub async fn post_commands(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<AppendResponse>), ApiError> {
    let commands = parse_body(body)?;
    let request = build_request(&state, &principal, commands)?;
    let events = u64::try_from(request.events.len()).unwrap_or(u64::MAX);
    let started = Instant::now();
    let result = state.ledger.append(request).await;
    state.metrics.record_append(events, started.elapsed(), result.is_ok());
    let outcome = result?;
    let status = if outcome.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((
        status,
        Json(AppendResponse {
            seqs: outcome.seqs.iter().map(|seq| seq.0).collect(),
            ids: outcome.ids.iter().map(EventId::to_string).collect(),
            duplicate: outcome.duplicate,
            head: outcome.head.0,
        }),
    ))
}

fn parse_body(body: Value) -> Result<Vec<CommandBody>, ApiError> {
    let is_batch = body.as_object().is_some_and(|object| object.contains_key("commands"));
    let commands = if is_batch {
        serde_json::from_value::<BatchBody>(body)
            .map_err(|error| ApiError::Malformed(error.to_string()))?
            .commands
    } else {
        vec![serde_json::from_value::<CommandBody>(body)
            .map_err(|error| ApiError::Malformed(error.to_string()))?]
    };
    if commands.is_empty() {
        return Err(ApiError::Malformed("пустой пакет команд".into()));
    }
    if commands.len() > BATCH_EVENTS_MAX {
        return Err(ApiError::InvalidField {
            field: "commands".into(),
            value: commands.len().to_string(),
            rule: format!("не больше {BATCH_EVENTS_MAX} команд в пакете"),
        });
    }
    Ok(commands)
}

fn build_request(
    state: &AppState,
    principal: &Principal,
    commands: Vec<CommandBody>,
) -> Result<AppendRequest, ApiError> {
    let actor = principal.actor();
    let mut events = Vec::with_capacity(commands.len());
    let mut expected: BTreeMap<StreamName, Expected> = BTreeMap::new();
    for (index, command) in commands.into_iter().enumerate() {
        let at = |field: &str| format!("commands[{index}].{field}");
        let payload: Payload = serde_json::from_value(serde_json::json!({
            "kind": command.kind,
            "payload": command.payload,
        }))
        .map_err(|error| ApiError::Malformed(format!("{}: {error}", at("payload"))))?;
        payload.validate().map_err(|error| ApiError::InvalidField {
            field: at(&format!("payload.{}", error.field)),
            value: error.value,
            rule: error.rule,
        })?;
        policy::check(principal, Action::Append(&payload))?;
        let effective =
            Effective::parse(&command.effective).ok_or_else(|| ApiError::InvalidField {
                field: at("effective"),
                value: command.effective.clone(),
                rule: "дата ГГГГ-ММ-ДД или время RFC 3339".into(),
            })?;
        let basis = match command.basis {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => {
                Some(Basis::parse(&text).ok_or_else(|| ApiError::InvalidField {
                    field: at("basis"),
                    value: text.clone(),
                    rule: "«<вид> №<номер> от <ДД.ММ.ГГГГ>»".into(),
                })?)
            }
            Some(other) => Some(
                serde_json::from_value::<Basis>(other)
                    .map_err(|error| ApiError::Malformed(format!("{}: {error}", at("basis"))))?,
            ),
        };
        let id = command.id.map(EventId);
        let stream = match &payload {
            Payload::EventRetracted(retraction) => target_stream(state, &retraction.target, &at)?,
            Payload::EventCorrected(correction) => target_stream(state, &correction.target, &at)?,
            other => other.stream().map_err(|error| ApiError::InvalidField {
                field: at("payload"),
                value: String::new(),
                rule: error.to_string(),
            })?,
        };
        let event: NewEvent = payload
            .to_new_event_in(stream.clone(), id, effective, actor.clone(), basis)
            .map_err(|error| ApiError::InvalidField {
                field: at("payload"),
                value: String::new(),
                rule: error.to_string(),
            })?;
        if let Some(version) = command.expected_version {
            // The expectation is about the stream before the batch: the first one given wins,
            // and a contradicting one is a caller mistake.
            match expected.get(&stream) {
                Some(Expected::Exact(earlier)) if *earlier != version => {
                    return Err(ApiError::InvalidField {
                        field: at("expected_version"),
                        value: version.to_string(),
                        rule: format!("для потока {stream} в пакете уже ожидается {earlier}"),
                    });
                }
                Some(_) => {}
                None => {
                    expected.insert(stream, Expected::Exact(version));
                }
            }
        }
        events.push(event);
    }
    Ok(AppendRequest { events, expected })
}

fn target_stream(
    state: &AppState,
    target: &EventId,
    at: &dyn Fn(&str) -> String,
) -> Result<StreamName, ApiError> {
    match state.ledger.store().get_by_id(target)? {
        Some(event) => Ok(event.stream),
        None => Err(ApiError::UnknownReference {
            field: at("payload.target"),
            value: target.to_string(),
        }),
    }
}
