//! `POST /api/v1/commands`: one command or a batch, parsed here (shape, types) and then submitted
//! through the command layer (`commands::submit`), the same path the CLI, the importer and the
//! demo take: stateless checks, placement, and the gate (role × kind × scope, references) inside
//! the writer, all or nothing. The event id is the idempotency key.
//!
//! Refusals answer by their class (`commands::RejectionClass`, set where the refusal is made):
//! the gate's authority refusal is 403 (`forbidden`, naming `role` and `kind`); a field breaking
//! a rule is 422 naming the field; an unknown reference 422 `unknown_reference` (for a
//! municipality or organisation also a retraction's or correction's target outside its scope,
//! answered exactly as an event id that is not in the ledger; for an organisation also another
//! organisation's teacher or mentoring pair, answered as one that is not registered);
//! an expected-version conflict 409 naming `stream`, `expected` and `actual`; an idempotent retry
//! (the same token, the same content) is 200 with the original seqs; an id already recorded with
//! other content 409, naming its seq to region-wide roles only. A municipality or organisation
//! reusing the id of an event another token recorded is answered as under a fresh id, and where
//! that would be accepted, by that 409 naming only the id (see `store::Gate`).

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use proto_events::limits::BATCH_EVENTS_MAX;
use proto_events::vocabulary::Payload;
use proto_events::{Basis, Effective, EventId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::commands::{submit, Command, CommandError};
use crate::server::auth::Principal;
use crate::server::error::{ApiError, ApiJson, ErrorBody};
use crate::server::policy::{self, Action};
use crate::server::AppState;

/// One command: a fact of a known kind with its valid time. Its OpenAPI schema is generated per
/// kind from the vocabulary (`server::openapi`), not derived from this struct.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandBody {
    /// Event id (UUID), the idempotency key: a retry with the same id and content returns the
    /// original seq. Generated when absent.
    pub id: Option<uuid::Uuid>,
    /// Kind tag, e.g. `course_completed`.
    pub kind: String,
    /// The payload of the kind (see the vocabulary); unknown fields are refused.
    pub payload: Value,
    /// Valid time: `YYYY-MM-DD` or an RFC 3339 time.
    pub effective: String,
    /// The act the fact rests on: `{"kind","number","date","title"?}` or
    /// `"приказ №55-35-мпр от 13.06.2023"`.
    pub basis: Option<Value>,
    /// The version the target stream must have now (409 otherwise).
    pub expected_version: Option<u64>,
}

/// A batch of commands, appended all or nothing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    /// The commands, in order.
    pub commands: Vec<CommandBody>,
}

/// The request body: one command or a batch.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum CommandsRequest {
    /// A batch.
    Batch(BatchBody),
    /// One command.
    One(CommandBody),
}

/// In the OpenAPI document: one `Command` (one of the kinds) or a `CommandBatch`, the schemas
/// `server::openapi` generates from the vocabulary.
impl utoipa::PartialSchema for CommandsRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::OneOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name("Command"))
            .item(utoipa::openapi::Ref::from_schema_name("CommandBatch"))
            .into()
    }
}

impl ToSchema for CommandsRequest {}

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
    /// Odd but accepted data (e.g. a completion dated before the hire), one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
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
        (status = 422, description = "A field breaks a rule (`invalid_field`) or refers to something that does not exist (`unknown_reference`); for a municipality or organisation token, a retraction's or correction's target outside its scope is answered exactly as an unknown one", body = ErrorBody),
    ),
    security(("bearer" = [])),
    tag = "commands"
)]
pub async fn post_commands(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<AppendResponse>), ApiError> {
    policy::check(&principal, Action::Append)?;
    let commands = parse_commands(parse_body(body)?)?;
    let events = u64::try_from(commands.len()).unwrap_or(u64::MAX);
    let started = Instant::now();
    let result = submit(&state.ledger, &principal.actor(), commands).await;
    state.metrics.record_append(events, started.elapsed(), result.is_ok());
    let outcome = result.map_err(command_error)?;
    let append = outcome.append;
    let status = if append.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((
        status,
        Json(AppendResponse {
            seqs: append.seqs.iter().map(|seq| seq.0).collect(),
            ids: append.ids.iter().map(EventId::to_string).collect(),
            duplicate: append.duplicate,
            head: append.head.0,
            warnings: outcome.warnings,
        }),
    ))
}

/// The commands of a request body, from its bytes, as `post_commands` reads them before any
/// rule of the command layer runs (also the body of the `command_json` fuzz target).
pub fn parse_request(bytes: &[u8]) -> Result<Vec<Command>, ApiError> {
    parse_commands(parse_body(crate::server::error::parse_json(bytes)?)?)
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

/// The typed commands of the body: types and formats only; every rule is the command layer's.
fn parse_commands(bodies: Vec<CommandBody>) -> Result<Vec<Command>, ApiError> {
    let mut commands = Vec::with_capacity(bodies.len());
    for (index, body) in bodies.into_iter().enumerate() {
        let at = |field: &str| format!("commands[{index}].{field}");
        let payload: Payload = serde_json::from_value(serde_json::json!({
            "kind": body.kind,
            "payload": body.payload,
        }))
        .map_err(|error| ApiError::Malformed(format!("{}: {error}", at("payload"))))?;
        let effective =
            Effective::parse(&body.effective).ok_or_else(|| ApiError::InvalidField {
                field: at("effective"),
                value: body.effective.clone(),
                rule: "дата ГГГГ-ММ-ДД или время RFC 3339".into(),
            })?;
        let basis = match body.basis {
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
        commands.push(Command {
            id: body.id.map(EventId),
            payload,
            effective,
            basis,
            expected_version: body.expected_version,
        });
    }
    Ok(commands)
}

/// The command layer's refusal as an HTTP answer.
fn command_error(error: CommandError) -> ApiError {
    match error {
        CommandError::Forbidden { index, who, field, value, rule } => ApiError::Refused {
            role: who.role,
            kind: who.kind,
            field: field_path(index, &field),
            value,
            rule,
        },
        CommandError::UnknownReference { index, field, value, .. } => {
            ApiError::UnknownReference { field: field_path(index, &field), value }
        }
        CommandError::Invalid { index, field, value, rule }
        | CommandError::Rejected { index, field, value, rule } => {
            ApiError::InvalidField { field: field_path(index, &field), value, rule }
        }
        CommandError::Append(error) => error.into(),
        CommandError::Store(error) => error.into(),
    }
}

/// Where a field the command layer names sits in the request body: envelope inputs at the top
/// of the command, everything else inside its payload.
fn field_path(index: usize, field: &str) -> String {
    match field {
        "expected_version" | "payload" | "kind" | "stream" | "id" | "effective" | "basis" => {
            format!("commands[{index}].{field}")
        }
        _ if field.starts_with("actor.") => format!("commands[{index}].{field}"),
        _ => format!("commands[{index}].payload.{field}"),
    }
}
