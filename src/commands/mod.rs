//! Commands: typed payloads with their envelope inputs, validated and appended as one step.
//!
//! `submit` reads the terms of amendments sent as text only (`terms`, before anything is
//! sealed), does the stateless checks (`Payload::validate`), places each event in its stream
//! (a correction in its target's stream), and appends through the ledger. The ledger's
//! `CommandGate` then checks roles and scopes (`access`), references, uniqueness and catalogue codes against
//! the current state inside the writer thread, atomically with the append: a refused command
//! writes nothing. Every refusal carries its class (`RejectionClass`), set where it is made;
//! `CommandError`'s variants follow it (`CommandError::class`). Odd but lawful data (a completion dated before the hire) is accepted and
//! flagged in `CommandOutcome::warnings`; warnings are advisory and read from the store, so
//! they are not part of that atomic step.

mod cycle;
mod gate;
mod gate_snapshot;
mod index;
mod state_checks;
mod terms;
pub mod wording;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use proto_events::envelope::StreamNameError;
use proto_events::vocabulary::{validation, Payload, PayloadError};
use proto_events::{Actor, Basis, Date, Effective, EventId, NewEvent, StreamName};

use crate::access::{unknown_target, Refusal, Role};
pub(crate) use crate::commands::gate::payload_rule;
use crate::commands::gate::UNPLACED;
pub use crate::commands::gate::{rebuild_gate, CommandGate};
pub use crate::commands::gate_snapshot::GATE_SNAPSHOT_EVERY_EVENTS;
pub use crate::commands::index::{plan_owner, RegistryIndex};
pub use crate::store::RejectionClass;
use crate::store::{
    mirror_dir, AppendError, AppendOutcome, AppendRequest, Clock, Expected, Idempotency, Ledger,
    Mirror, MirrorError, Rejection, Store, StoreError,
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
///
/// A refusal of a command is of one class (`CommandError::class`): `Invalid` and `Rejected` are
/// `RejectionClass::Invalid`, `UnknownReference` and `Forbidden` their namesakes.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A stateless check failed (`Payload::validate`, envelope inputs).
    #[error("команда {index}: поле {field} = {value:?}: {rule}")]
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
    /// A rule against the current state failed (uniqueness, catalogue code, a correction's
    /// target and stream, employment).
    #[error("команда {index}: поле {field} = {value:?}: {rule}")]
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
    /// The command refers to something that does not exist: an id not registered (teacher,
    /// organisation, program, plan, route, …) or an event not in the ledger (a correction's
    /// target; for a municipality or organisation also a target outside its scope, and for an
    /// organisation another organisation's teacher, pair or route, refused exactly alike).
    #[error("команда {index}: поле {field} = {value:?}: {rule}")]
    UnknownReference {
        /// Index of the command in the batch.
        index: usize,
        /// Dotted path of the field.
        field: String,
        /// The offending value.
        value: String,
        /// The rule it breaks.
        rule: String,
    },
    /// The actor's role or scope does not allow this kind (decided by `access::may_record` in the gate).
    #[error(
        "команда {index}: роль {} не может записывать события {}: поле {field} = {value:?}: {rule}",
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
    #[error("{}", wording::append_error(.0))]
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
    /// The kind refused (the command's own kind; a correction is judged by the event it
    /// corrects and by its replacement).
    pub kind: String,
}

impl CommandError {
    /// The class of a refusal of the command; None for the ledger's and the store's failures.
    pub fn class(&self) -> Option<RejectionClass> {
        match self {
            CommandError::Invalid { .. } | CommandError::Rejected { .. } => {
                Some(RejectionClass::Invalid)
            }
            CommandError::UnknownReference { .. } => Some(RejectionClass::UnknownReference),
            CommandError::Forbidden { .. } => Some(RejectionClass::Forbidden),
            CommandError::Append(_) | CommandError::Store(_) => None,
        }
    }

    /// The offending field, for errors that have one.
    pub fn field(&self) -> Option<&str> {
        match self {
            CommandError::Invalid { field, .. }
            | CommandError::Rejected { field, .. }
            | CommandError::UnknownReference { field, .. }
            | CommandError::Forbidden { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The broken rule, for errors that have one.
    pub fn rule(&self) -> Option<&str> {
        match self {
            CommandError::Invalid { rule, .. }
            | CommandError::Rejected { rule, .. }
            | CommandError::UnknownReference { rule, .. }
            | CommandError::Forbidden { rule, .. } => Some(rule),
            _ => None,
        }
    }
}

/// Validates, places and appends `commands` as one all-or-nothing batch under `actor`.
pub async fn submit(
    ledger: &Ledger,
    actor: &Actor,
    commands: Vec<Command>,
) -> Result<CommandOutcome, CommandError> {
    let (request, pending) = Pending::prepare(ledger.store(), actor, commands)?;
    pending.answer(ledger.append(request).await, actor)
}

/// `submit` for synchronous code (not from inside an async runtime): demo, import, CLI.
pub fn submit_blocking(
    ledger: &Ledger,
    actor: &Actor,
    commands: Vec<Command>,
) -> Result<CommandOutcome, CommandError> {
    let (request, pending) = Pending::prepare(ledger.store(), actor, commands)?;
    pending.answer(ledger.append_blocking(request), actor)
}

/// What a submission keeps while its request is with the ledger, to answer it.
struct Pending {
    commands: Vec<Command>,
    warnings: Vec<String>,
    /// The refusal `prepare` left for after the gate's screen.
    deferred: Option<Rejection>,
}

impl Pending {
    /// Reads the terms and builds the ledger's request.
    fn prepare(
        store: &Store,
        actor: &Actor,
        commands: Vec<Command>,
    ) -> Result<(AppendRequest, Pending), CommandError> {
        let commands = terms::read_terms(store, commands)?;
        let (request, warnings) = prepare(store, actor, &commands)?;
        let deferred = request.refused_after_screen.clone();
        Ok((request, Pending { commands, warnings, deferred }))
    }

    /// The ledger's answer as the command layer's.
    fn answer(
        self,
        answer: Result<AppendOutcome, AppendError>,
        actor: &Actor,
    ) -> Result<CommandOutcome, CommandError> {
        let deferred = self.deferred.as_ref();
        let append = answer.map_err(|error| refused(error, deferred, actor, &self.commands))?;
        Ok(CommandOutcome { append, warnings: self.warnings })
    }
}

/// The ledger's refusal as a `CommandError`: the refusal `prepare` left for after the gate's
/// screen (`deferred`) as the stateless check it is, a gate rejection by its class, the rest as
/// the ledger's own error.
fn refused(
    error: AppendError,
    deferred: Option<&Rejection>,
    actor: &Actor,
    commands: &[Command],
) -> CommandError {
    match error {
        AppendError::Rejected(rejection) if deferred == Some(&rejection) => {
            let Rejection { event_index: index, field, value, rule, .. } = rejection;
            CommandError::Invalid { index, field, value, rule }
        }
        AppendError::Rejected(rejection) => rejected(rejection, actor, commands),
        other => CommandError::Append(other),
    }
}

/// A refusal of the command at `rejection.event_index` as the `CommandError` of its class; an
/// authority refusal names the actor's role and the command's kind.
fn rejected(rejection: Rejection, actor: &Actor, commands: &[Command]) -> CommandError {
    let Rejection { event_index: index, class, field, value, rule } = rejection;
    match class {
        RejectionClass::Invalid => CommandError::Rejected { index, field, value, rule },
        RejectionClass::UnknownReference => {
            CommandError::UnknownReference { index, field, value, rule }
        }
        RejectionClass::Forbidden => CommandError::Forbidden {
            index,
            who: Box::new(Refused {
                role: actor.role.to_string(),
                kind: commands
                    .get(index)
                    .map_or_else(String::new, |command| command.payload.kind().to_string()),
            }),
            field,
            value,
            rule,
        },
    }
}

/// Opens the store at `path`, folds it into a `CommandGate` and starts the ledger with it: what
/// the server, the demo generator and the importer use.
pub fn open_ledger(path: &Path, clock: Arc<dyn Clock>) -> anyhow::Result<Ledger> {
    open_ledger_mirrored(path, clock, false)
}

/// `open_ledger`, starting the log mirror when `start_mirror` (it is kept from then on); a store
/// that keeps a mirror keeps it either way (`Mirror::is_kept`).
pub fn open_ledger_mirrored(
    path: &Path,
    clock: Arc<dyn Clock>,
    start_mirror: bool,
) -> anyhow::Result<Ledger> {
    use anyhow::Context;
    let store = Store::open(path)
        .with_context(|| format!("не удалось открыть хранилище {}", path.display()))?;
    // The mirror is reconciled before anything is written, and a mirror that cannot be is
    // refused here, at start, rather than by every append.
    let mirror = if start_mirror || Mirror::is_kept(path) {
        let (mirror, _) = Mirror::open(&store).map_err(|error| MirrorRefused {
            message: mirror_refusal(path, &error),
            damage: !matches!(error, MirrorError::Io { .. }),
        })?;
        Some(mirror)
    } else {
        None
    };
    let gate = rebuild_gate(&store).with_context(|| {
        format!("не удалось прочитать журнал {} для проверки команд", path.display())
    })?;
    Ok(Ledger::start_with(store, mirror, Box::new(gate), clock))
}

/// The writer refused at start because the log mirror cannot be reconciled with the store.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct MirrorRefused {
    /// What is wrong and the remedy, in Russian.
    pub message: String,
    /// True when a copy is damaged or lost events (an integrity answer), not an I/O failure.
    pub damage: bool,
}

/// Explains, in Russian, why the mirror could not be opened for writing, with the remedy.
pub fn mirror_refusal(data: &Path, error: &MirrorError) -> String {
    match error {
        MirrorError::Ahead { store_head, mirror_head } => format!(
            "в зеркале журнала события до №{mirror_head}, а в хранилище только до №{store_head}: \
             хранилище потеряло подтверждённые события, запись в него остановлена. Что делать: \
             letopis log restore --from-mirror {} --data <пустой каталог>, затем работайте с \
             восстановленным каталогом",
            data.display()
        ),
        MirrorError::Disagree { seq } => format!(
            "зеркало журнала и хранилище расходятся в событии №{seq}; проверьте: letopis verify \
             --data {}",
            data.display()
        ),
        other => format!(
            "зеркало журнала {} не открывается ({}). Если хранилище цело (letopis verify \
             --data {}), переместите каталог зеркала в сторону: оно будет собрано заново",
            mirror_dir(data).display(),
            crate::cli::mirror_error_words(other),
            data.display()
        ),
    }
}

/// Stateless checks and placement: the request to append and the advisory warnings.
///
/// For a municipality or organisation nothing here may depend on whether a retraction's or
/// correction's target exists, since one outside its scope must read as one that does not: a
/// target not in the ledger is not refused here but placed in the stream `UNPLACED`, where the
/// gate's screen refuses it exactly as it refuses a target outside the scope, at the same step;
/// and expected versions that disagree about a stream (the refusal names the stream, perhaps a
/// target's) are not refused here but left for after the screen
/// (`AppendRequest::refused_after_screen`), the other commands checked all the same.
/// Region-wide roles are refused here at once, as the target is theirs to know.
fn prepare(
    store: &Store,
    actor: &Actor,
    commands: &[Command],
) -> Result<(AppendRequest, Vec<String>), CommandError> {
    let scoped = Role::from(&actor.role).is_scoped();
    let mut events = Vec::with_capacity(commands.len());
    let mut expected: BTreeMap<StreamName, Expected> = BTreeMap::new();
    let mut refused_after_screen = None;
    for (index, command) in commands.iter().enumerate() {
        validation::effective(&command.effective)
            .and_then(|()| command.payload.validate())
            .and_then(|()| command.payload.validate_basis(command.basis.as_ref()))
            .map_err(|error| CommandError::Invalid {
                index,
                field: error.field,
                value: error.value,
                rule: error.rule,
            })?;
        let earlier = commands.get(..index).unwrap_or(&[]);
        let stream = stream_of(store, scoped, &command.payload, earlier).map_err(|refusal| {
            let Refusal { class, field, value, rule } = refusal;
            rejected(Rejection { event_index: index, class, field, value, rule }, actor, commands)
        })?;
        if let Some(version) = command.expected_version {
            let wanted = if version == 0 { Expected::NoStream } else { Expected::Exact(version) };
            match expected.get(&stream) {
                Some(other) if *other != wanted => {
                    let field = "expected_version".to_string();
                    let value = version.to_string();
                    let rule = format!(
                        "другая команда пакета ожидает для потока {stream} {}",
                        wording::expected_accusative(*other)
                    );
                    if !scoped {
                        return Err(CommandError::Invalid { index, field, value, rule });
                    }
                    let class = RejectionClass::Invalid;
                    refused_after_screen.get_or_insert(Rejection {
                        event_index: index,
                        class,
                        field,
                        value,
                        rule,
                    });
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
    // A scoped actor is told nothing of events other actors recorded (`access`, row 5).
    let idempotency = if scoped { Idempotency::OwnEvents } else { Idempotency::Ledger };
    Ok((AppendRequest { events, expected, refused_after_screen, idempotency }, warnings))
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

/// The stream of a command: its natural one, or for a correction its target's; for a scoped
/// actor's target not in the ledger, `UNPLACED` (see `prepare`).
fn stream_of(
    store: &Store,
    scoped: bool,
    payload: &Payload,
    earlier: &[Command],
) -> Result<StreamName, Refusal> {
    let target = match payload {
        Payload::EventRetracted(p) => p.target,
        Payload::EventCorrected(p) => p.target,
        other => {
            return other
                .stream()
                .map_err(|error| Refusal::new("payload", other.kind(), payload_rule(&error)))
        }
    };
    // A target in the same batch has a client id and its natural stream.
    if let Some(command) = earlier.iter().find(|command| command.id == Some(target)) {
        return stream_of(store, scoped, &command.payload, &[]);
    }
    match store.get_by_id(&target) {
        Ok(Some(event)) => Ok(event.stream),
        // The gate's screen refuses it, as it refuses a target outside the scope.
        Ok(None) if scoped => StreamName::new(UNPLACED).map_err(|_| unknown_target(target)),
        Ok(None) => Err(unknown_target(target)),
        Err(error) => {
            Err(Refusal::new("target", target, format!("не удалось прочитать событие: {error}")))
        }
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
            Payload::CourseEnrolled(p) => (&p.teacher, p.enrolled_on, "enrolled_on"),
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
