//! Commands: typed payloads with their envelope inputs, validated and appended as one step.
//!
//! `submit` does the stateless checks (`Payload::validate`), places each event in its stream
//! (a correction in its target's stream), and appends through the ledger. The ledger's
//! `CommandGate` then checks roles, scopes, references, uniqueness and catalogue codes against
//! the current state inside the writer thread, atomically with the append: a refused command
//! writes nothing. Odd but lawful data (a completion dated before the hire) is accepted and
//! flagged in `CommandOutcome::warnings`; warnings are advisory and read from the store, so
//! they are not part of that atomic step.

mod authority;
mod gate;
mod index;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use proto_events::envelope::StreamNameError;
use proto_events::vocabulary::{Payload, PayloadError};
use proto_events::{Actor, Basis, Date, Effective, EventId, NewEvent, StreamName};

pub use crate::commands::authority::{may_write, Refusal};
use crate::commands::gate::{payload_rule, FORBIDDEN_MARK};
pub use crate::commands::gate::{rebuild_gate, CommandGate};
pub use crate::commands::index::{plan_owner, RegistryIndex};
use crate::store::{
    AppendError, AppendOutcome, AppendRequest, Clock, Expected, Ledger, Store, StoreError,
};

/// One command: a typed payload and the envelope inputs the client chooses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// Idempotency key; generated when absent.
    pub id: Option<EventId>,
    /// The fact to record.
    pub payload: Payload,
    /// When it happened, as the paperwork says.
    pub effective: Effective,
    /// The act it rests on.
    pub basis: Option<Basis>,
    /// Optimistic concurrency: the stream's version the client last saw (0: a new stream).
    pub expected_version: Option<u64>,
}

impl Command {
    /// A command with no id, basis or expectation.
    pub fn new(payload: impl Into<Payload>, effective: Effective) -> Command {
        Command {
            id: None,
            payload: payload.into(),
            effective,
            basis: None,
            expected_version: None,
        }
    }
}

/// An accepted batch of commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandOutcome {
    /// What the ledger did.
    pub append: AppendOutcome,
    /// Odd but accepted data, one sentence each, prefixed with the command index.
    pub warnings: Vec<String>,
}

/// Why commands were refused. Nothing was written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A stateless check failed (`Payload::validate`, envelope inputs).
    #[error("command {index}: field {field} = {value:?}: {rule}")]
    Invalid {
        /// Index of the command in the batch.
        index: usize,
        /// Dotted path of the field.
        field: String,
        /// The offending value.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// A check against the current state failed (role, scope, reference, uniqueness, code).
    #[error("command {index}: field {field} = {value:?}: {rule}")]
    Rejected {
        /// Index of the command in the batch.
        index: usize,
        /// Dotted path of the field.
        field: String,
        /// The offending value.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// The actor's role or scope does not allow this kind (decided by `authority` in the gate).
    #[error(
        "command {index}: role {} may not record {}: field {field} = {value:?}: {rule}",
        who.role,
        who.kind
    )]
    Forbidden {
        /// Index of the command in the batch.
        index: usize,
        /// Who may not record what (boxed: it keeps the error small).
        who: Box<Refused>,
        /// Dotted path of the deciding field (`actor.role` when the kind itself is not allowed).
        field: String,
        /// Its value.
        value: String,
        /// The rule.
        rule: String,
    },
    /// The ledger refused the append (conflict, reused id, limits, unavailable).
    #[error(transparent)]
    Append(AppendError),
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The role and the kind of an authority refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The actor's role, with its scope.
    pub role: String,
    /// The kind refused (the command's own kind; a correction is judged by its replacement).
    pub kind: String,
}

impl CommandError {
    /// The offending field, for errors that have one.
    pub fn field(&self) -> Option<&str> {
        match self {
            CommandError::Invalid { field, .. }
            | CommandError::Rejected { field, .. }
            | CommandError::Forbidden { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The broken rule, for errors that have one.
    pub fn rule(&self) -> Option<&str> {
        match self {
            CommandError::Invalid { rule, .. }
            | CommandError::Rejected { rule, .. }
            | CommandError::Forbidden { rule, .. } => Some(rule),
            _ => None,
        }
    }
}

impl From<AppendError> for CommandError {
    fn from(error: AppendError) -> Self {
        match error {
            AppendError::Rejected(rejection) => CommandError::Rejected {
                index: rejection.event_index,
                field: rejection.field,
                value: rejection.value,
                rule: rejection.rule,
            },
            other => CommandError::Append(other),
        }
    }
}

/// Validates, places and appends `commands` as one all-or-nothing batch under `actor`.
pub async fn submit(
    ledger: &Ledger,
    actor: &Actor,
    commands: Vec<Command>,
) -> Result<CommandOutcome, CommandError> {
    let (request, warnings) = prepare(ledger.store(), actor, &commands)?;
    let append = ledger.append(request).await.map_err(|error| refused(error, actor, &commands))?;
    Ok(CommandOutcome { append, warnings })
}

/// `submit` for synchronous code (not from inside an async runtime): demo, import, CLI.
pub fn submit_blocking(
    ledger: &Ledger,
    actor: &Actor,
    commands: Vec<Command>,
) -> Result<CommandOutcome, CommandError> {
    let (request, warnings) = prepare(ledger.store(), actor, &commands)?;
    let append =
        ledger.append_blocking(request).map_err(|error| refused(error, actor, &commands))?;
    Ok(CommandOutcome { append, warnings })
}

/// The ledger's refusal as a `CommandError`: a gate rejection marked as an authority refusal
/// becomes `Forbidden`, naming the actor's role and the command's kind.
fn refused(error: AppendError, actor: &Actor, commands: &[Command]) -> CommandError {
    match error {
        AppendError::Rejected(rejection) => match rejection.field.strip_prefix(FORBIDDEN_MARK) {
            Some(field) => CommandError::Forbidden {
                index: rejection.event_index,
                who: Box::new(Refused {
                    role: actor.role.to_string(),
                    kind: commands
                        .get(rejection.event_index)
                        .map_or_else(String::new, |command| command.payload.kind().to_string()),
                }),
                field: field.to_string(),
                value: rejection.value,
                rule: rejection.rule,
            },
            None => AppendError::Rejected(rejection).into(),
        },
        other => other.into(),
    }
}

/// Opens the store at `path`, folds it into a `CommandGate` and starts the ledger with it: what
/// the server, the demo generator and the importer use.
pub fn open_ledger(path: &Path, clock: Arc<dyn Clock>) -> anyhow::Result<Ledger> {
    use anyhow::Context;
    let store =
        Store::open(path).with_context(|| format!("opening store at {}", path.display()))?;
    let gate = rebuild_gate(&store)
        .with_context(|| format!("rebuilding the command gate from {}", path.display()))?;
    Ok(Ledger::start(store, Box::new(gate), clock))
}

/// Stateless checks and placement: the request to append and the advisory warnings.
fn prepare(
    store: &Store,
    actor: &Actor,
    commands: &[Command],
) -> Result<(AppendRequest, Vec<String>), CommandError> {
    let mut events = Vec::with_capacity(commands.len());
    let mut expected: BTreeMap<StreamName, Expected> = BTreeMap::new();
    for (index, command) in commands.iter().enumerate() {
        command.payload.validate().map_err(|error| CommandError::Invalid {
            index,
            field: error.field,
            value: error.value,
            rule: error.rule,
        })?;
        let stream = stream_of(store, &command.payload, commands.get(..index).unwrap_or(&[]))
            .map_err(|(field, value, rule)| CommandError::Rejected { index, field, value, rule })?;
        if let Some(version) = command.expected_version {
            let wanted = if version == 0 { Expected::NoStream } else { Expected::Exact(version) };
            match expected.get(&stream) {
                Some(other) if *other != wanted => {
                    return Err(CommandError::Invalid {
                        index,
                        field: "expected_version".into(),
                        value: version.to_string(),
                        rule: format!(
                            "другая команда пакета ожидает для потока {stream} {}",
                            expected_text(other)
                        ),
                    })
                }
                _ => {
                    expected.insert(stream.clone(), wanted);
                }
            }
        }
        let event = command
            .payload
            .to_new_event_in(
                stream,
                command.id,
                command.effective,
                actor.clone(),
                command.basis.clone(),
            )
            .map_err(|error| invalid_payload(index, &command.payload, &error))?;
        events.push(event);
    }
    let warnings = warnings(store, commands, &events)?;
    Ok((AppendRequest { events, expected }, warnings))
}

/// Whether a refusal's rule says that a referenced id is not in the registry (the API answers it
/// as `unknown_reference`). Every such rule of the gate and of `submit` says "… с таким
/// идентификатором не …" or "нет … с таким идентификатором"; a uniqueness refusal says "уже".
pub fn is_unknown_reference(rule: &str) -> bool {
    rule.contains("с таким идентификатором") && !rule.contains("уже")
}

/// Why a stream name was refused, in the officials' language (`StreamNameError`'s own message is
/// for developers).
pub fn stream_name_rule(error: &StreamNameError) -> String {
    match error {
        StreamNameError::TooLong { length, max } => {
            format!("имя потока длиной {length} байт, допускается не больше {max}")
        }
        StreamNameError::Malformed { name } => format!(
            "имя потока {name:?} не имеет вида <категория>/<идентификатор> (категория — строчные латинские буквы и _, идентификатор — непустой, без управляющих символов)"
        ),
    }
}

fn invalid_payload(index: usize, payload: &Payload, error: &PayloadError) -> CommandError {
    CommandError::Invalid {
        index,
        field: "payload".into(),
        value: payload.kind().into(),
        rule: payload_rule(error),
    }
}

/// An expectation of a stream's version in words, for refusals.
fn expected_text(expected: &Expected) -> String {
    match expected {
        Expected::Any => "любую версию".into(),
        Expected::NoStream => "отсутствие событий".into(),
        Expected::Exact(version) => format!("версию {version}"),
    }
}

/// The stream of a command: its natural one, or for a correction its target's.
fn stream_of(
    store: &Store,
    payload: &Payload,
    earlier: &[Command],
) -> Result<StreamName, (String, String, String)> {
    let target = match payload {
        Payload::EventRetracted(p) => p.target,
        Payload::EventCorrected(p) => p.target,
        other => {
            return other.stream().map_err(|error| {
                ("payload".to_string(), other.kind().to_string(), payload_rule(&error))
            })
        }
    };
    // A target in the same batch has a client id and its natural stream.
    if let Some(command) = earlier.iter().find(|command| command.id == Some(target)) {
        return stream_of(store, &command.payload, &[]);
    }
    match store.get_by_id(&target) {
        Ok(Some(event)) => Ok(event.stream),
        Ok(None) => Err((
            "target".into(),
            target.to_string(),
            "событие с таким идентификатором не найдено".into(),
        )),
        Err(error) => Err((
            "target".into(),
            target.to_string(),
            format!("не удалось прочитать событие: {error}"),
        )),
    }
}

/// Advisory flags for odd dates: activity of a teacher dated before the teacher's first hire.
fn warnings(
    store: &Store,
    commands: &[Command],
    events: &[NewEvent],
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    let mut first_hire: std::collections::HashMap<
        &proto_events::vocabulary::TeacherId,
        Option<Date>,
    > = std::collections::HashMap::new();
    for (index, command) in commands.iter().enumerate() {
        let (teacher, date, what) = match &command.payload {
            Payload::CourseCompleted(p) => (&p.teacher, p.completed_on, "completed_on"),
            Payload::DiagnosticRecorded(p) => (&p.teacher, p.taken_on, "taken_on"),
            Payload::RouteStepCompleted(p) => (&p.teacher, p.completed_on, "completed_on"),
            Payload::ParticipationRecorded(p) => (&p.teacher, p.participated_on, "participated_on"),
            _ => continue,
        };
        // One read of each teacher's stream per call: a registry import has many rows for the
        // same teacher, and decoding the stream again for each of them made imports quadratic.
        let mut hired: Option<Date> = match first_hire.get(teacher) {
            Some(known) => *known,
            None => {
                let stream = match StreamName::new(format!("teacher/{teacher}")) {
                    Ok(stream) => stream,
                    Err(_) => continue,
                };
                let mut first: Option<Date> = None;
                for event in store.stream(&stream, 1)? {
                    if event.kind == proto_events::vocabulary::TeacherHired::KIND {
                        if let Some(date) = event.effective.date() {
                            first = Some(first.map_or(date, |known| known.min(date)));
                        }
                    }
                }
                first_hire.insert(teacher, first);
                first
            }
        };
        let mut earliest = |date: Option<Date>| {
            if let Some(date) = date {
                hired = Some(hired.map_or(date, |known| known.min(date)));
            }
        };
        for (earlier, event) in commands.iter().zip(events).take(index) {
            if let Payload::TeacherHired(p) = &earlier.payload {
                if &p.teacher == teacher {
                    earliest(event.effective.date());
                }
            }
        }
        if let Some(hired) = hired {
            if date < hired {
                out.push(format!(
                    "команда {index}: {what} {date} раньше приёма педагога на работу ({hired}); событие принято как есть, проверьте документы"
                ));
            }
        }
    }
    Ok(out)
}
