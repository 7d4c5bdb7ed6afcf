//! `CommandGate`: the store's `Gate` that checks every event against the current state inside
//! the writer thread, so a check and its append are one step (no check-then-act race).
//!
//! Checks, each refusal naming the field, the value and the rule: the event decodes and sits in
//! its natural stream; the actor's role and scope allow it (`access::may_record`); references exist;
//! registrations are unique; competence codes belong to the procedure's catalogue; corrections
//! target an existing, unretracted event of the same kind in the same stream.
//!
//! Who may record what is `access::may_record`; what a municipality or organisation is told
//! when refused (a target outside its scope read as an unknown one, an employer named only
//! within its scope, no seq of another actor's event) is the access module's secrecy table,
//! rows 4 to 10. For row 4, `submit` refuses none of such an actor's commands because of its
//! target: one not in the ledger is placed in `UNPLACED`, and expected versions that disagree
//! about a stream (the refusal names it) wait until after the screen. `Gate::screen` then
//! refuses both kinds of target by one rule, before the ledger compares the request's streams
//! with their expected versions (a version conflict would name the target's stream), and makes
//! the employment checks of a teacher's stream (`state_checks::subject`) there too; `admit`
//! checks again. The data checks are `state_checks`.

use std::collections::{BTreeMap, HashMap, HashSet};

use proto_events::vocabulary::{Payload, PayloadError};
use proto_events::{Envelope, EventId, NewEvent, Seq, StreamName};

use crate::access::{
    auditor_refused, may_date, may_date_hire, may_record, unknown_target, Refusal, Registry, Role,
};
use crate::commands::gate_snapshot::{self, GATE_SNAPSHOT_EVERY_EVENTS};
use crate::commands::index::{Key, RegistryIndex};
use crate::commands::state_checks::{check_state, subject};
use crate::commands::stream_name_rule;
use crate::store::{Gate, Rejection, Store, StoreError};

/// The stream `submit` places a municipality's or organisation's retraction or correction in
/// when its target is not in the ledger, rather than refusing it before the gate looks at
/// anything (a target outside the scope is refused by the gate, and the two must be refused at
/// the same step): `Gate::screen` refuses every event there as one of an unknown target, so
/// nothing is ever written to it. No kind has it as its natural stream.
pub(crate) const UNPLACED: &str = "unplaced/target";

/// The validation gate of commands; build it with `rebuild_gate`.
pub struct CommandGate {
    index: RegistryIndex,
    store: Store,
    /// Events admitted but perhaps not yet durable (so not yet readable from the store), for
    /// corrections that target them; pruned as the durable head passes them.
    recent: HashMap<EventId, Recent>,
    recent_by_seq: BTreeMap<Seq, EventId>,
}

struct Recent {
    kind: String,
    schema_version: u16,
    stream: StreamName,
    payload: Vec<u8>,
}

/// Folds every durable event of `store` into a fresh gate: from the latest gate snapshot when one
/// belongs to this log (`gate_snapshot`), else from seq 1; writes a snapshot at the head when it
/// folded `GATE_SNAPSHOT_EVERY_EVENTS` events or more.
pub fn rebuild_gate(store: &Store) -> Result<CommandGate, StoreError> {
    rebuild_gate_with(store, GATE_SNAPSHOT_EVERY_EVENTS)
}

/// `rebuild_gate`, writing a snapshot when at least `snapshot_after` events were folded.
pub(crate) fn rebuild_gate_with(
    store: &Store,
    snapshot_after: u64,
) -> Result<CommandGate, StoreError> {
    let head = store.head();
    let (from, start) = match gate_snapshot::load(store, head.seq)? {
        Some((seq, index)) => (seq, index),
        None => (Seq(0), RegistryIndex::default()),
    };
    let index = fold(store, Seq(from.0.saturating_add(1)), head.seq, start)?;
    if head.seq.0 > 0 && head.seq.0 - from.0 >= snapshot_after {
        // A cache: failing to write it costs the next open a longer fold, not correctness.
        if let Err(error) = gate_snapshot::save(store, head.seq, &head.hash, &index) {
            eprintln!(
                "не удалось сохранить снимок шлюза команд: {error} (следующий запуск прочитает журнал целиком)"
            );
        }
    }
    Ok(CommandGate {
        index,
        store: store.clone(),
        recent: HashMap::new(),
        recent_by_seq: BTreeMap::new(),
    })
}

/// Folds the durable events `from..=to` into `index`.
pub(crate) fn fold(
    store: &Store,
    from: Seq,
    to: Seq,
    mut index: RegistryIndex,
) -> Result<RegistryIndex, StoreError> {
    if from > to {
        return Ok(index);
    }
    for event in store.range(from, to) {
        let event = event?;
        // History written without the gate (tests, foreign kinds) is skipped, not fatal.
        if let Ok(payload) = Payload::decode_envelope(&event) {
            index.apply(&payload, &event.actor.role, event.effective.date());
        }
    }
    Ok(index)
}

impl CommandGate {
    /// The folded state (read-only).
    pub fn index(&self) -> &RegistryIndex {
        &self.index
    }

    fn prune(&mut self) {
        let durable = self.store.head().seq;
        while let Some(entry) = self.recent_by_seq.first_entry() {
            if *entry.key() > durable {
                break;
            }
            let id = entry.remove();
            self.recent.remove(&id);
        }
    }

    /// `admit_one` for each event in order, into the index (the caller begins and ends the
    /// index's journal).
    fn admit_all(&mut self, events: &[Envelope]) -> Result<(), Rejection> {
        for (event_index, event) in events.iter().enumerate() {
            let earlier = events.get(..event_index).unwrap_or(&[]);
            self.admit_one(event, earlier).map_err(|refusal| rejection(event_index, refusal))?;
        }
        Ok(())
    }

    fn admit_one(&mut self, event: &Envelope, earlier: &[Envelope]) -> Result<(), Refusal> {
        let payload = Payload::decode_envelope(event)
            .map_err(|error| Refusal::new("kind", &event.kind, payload_rule(&error)))?;
        let role = &Role::from(&event.actor.role);
        if *role == Role::Auditor {
            return Err(auditor_refused(role));
        }
        self.dating(role, event, &payload)?;
        match &payload {
            Payload::EventRetracted(p) => {
                let target = self.target(p.target, earlier)?;
                self.may_touch(role, p.target, &target)?;
                same_stream(&event.stream, &target.stream)?;
                if self.index.contains(&Key::Retracted(p.target)) {
                    return Err(Refusal::new("target", p.target, "событие уже отозвано"));
                }
                self.index.mark_retracted(p.target);
            }
            Payload::EventCorrected(p) => {
                let target = self.target(p.target, earlier)?;
                self.may_touch(role, p.target, &target)?;
                same_stream(&event.stream, &target.stream)?;
                if self.index.contains(&Key::Retracted(p.target)) {
                    return Err(Refusal::new(
                        "target",
                        p.target,
                        "отозванное событие нельзя исправить",
                    ));
                }
                if p.replacement.kind != target.kind {
                    return Err(Refusal::new(
                        "replacement.kind",
                        &p.replacement.kind,
                        format!("должен совпадать с видом исправляемого события ({})", target.kind),
                    ));
                }
                let replacement = p.replacement.payload().map_err(|error| {
                    Refusal::new("replacement.payload", &p.replacement.kind, payload_rule(&error))
                })?;
                let stream = replacement.stream().map_err(|error| {
                    Refusal::new("replacement.payload", "", payload_rule(&error))
                })?;
                if stream != target.stream {
                    return Err(Refusal::new(
                        "replacement.payload",
                        stream,
                        format!("должно относиться к тому же объекту, что и исправляемое событие (поток {})", target.stream),
                    ));
                }
                may_record(role, &replacement, &self.index)
                    .and_then(|()| check_state(&self.index, role, &replacement, false))
                    .map_err(|refusal| refusal.within("replacement.payload"))?;
                self.index.apply(&replacement, &event.actor.role, event.effective.date());
            }
            _ => {
                let natural = payload
                    .stream()
                    .map_err(|error| Refusal::new("stream", &event.stream, payload_rule(&error)))?;
                same_stream(&event.stream, &natural)?;
                may_record(role, &payload, &self.index)?;
                check_state(&self.index, role, &payload, true)?;
                self.index.apply(&payload, &event.actor.role, event.effective.date());
            }
        }
        Ok(())
    }

    /// How far from its `recorded_at` (the ledger's clock) the role may date the event, and a
    /// scoped role's hire (`access::may_date`, `access::may_date_hire`). A correction's
    /// replacement hire is dated by the correction's window only: it replaces a hire already
    /// admitted, whose own date was checked.
    fn dating(&self, role: &Role, event: &Envelope, payload: &Payload) -> Result<(), Refusal> {
        let (Some(effective), Some(recorded_on)) =
            (event.effective.date(), event.recorded_at.date_utc())
        else {
            return Ok(());
        };
        may_date(role, payload, effective, recorded_on)?;
        if let Payload::TeacherHired(p) = payload {
            let changed_on = self.index.employment_changed_on(p.teacher.as_str());
            may_date_hire(role, effective, recorded_on, changed_on)?;
        }
        Ok(())
    }

    fn target(&self, id: EventId, earlier: &[Envelope]) -> Result<Recent, Refusal> {
        if let Some(event) = earlier.iter().find(|event| event.id == id) {
            return Ok(recent_of(event));
        }
        if let Some(recent) = self.recent.get(&id) {
            return Ok(Recent {
                kind: recent.kind.clone(),
                schema_version: recent.schema_version,
                stream: recent.stream.clone(),
                payload: recent.payload.clone(),
            });
        }
        match self.store.get_by_id(&id) {
            Ok(Some(event)) => Ok(recent_of(&event)),
            Ok(None) => Err(unknown_target(id)),
            Err(error) => Err(Refusal::new(
                "target",
                id,
                format!("не удалось прочитать исправляемое событие: {error}"),
            )),
        }
    }

    /// Whether `role` may retract or correct the event `id` (found as `target`): as one who may
    /// record that event now (`may_record` on its payload). A municipality or organisation is
    /// answered about a target it may not record, or one this build cannot decode, with the
    /// refusal of an unknown id (`unknown_target`), so the answer does not tell that the event
    /// exists, nor its kind or stream; region-wide roles get the authority refusal itself.
    fn may_touch(&self, role: &Role, id: EventId, target: &Recent) -> Result<(), Refusal> {
        let original = Payload::decode(&target.kind, target.schema_version, &target.payload);
        if role.is_scoped() {
            return match original {
                Ok(original) if may_record(role, &original, &self.index).is_ok() => Ok(()),
                _ => Err(unknown_target(id)),
            };
        }
        match original {
            Ok(original) => {
                may_record(role, &original, &self.index).map_err(|refusal| refusal.within("target"))
            }
            // A kind this build does not know: only the system tooling may touch it.
            Err(_) if *role == Role::System => Ok(()),
            Err(error) => Err(Refusal::new("target", id, payload_rule(&error))),
        }
    }
}

impl Gate for CommandGate {
    /// What a municipality or organisation is refused here, before the ledger checks expected
    /// versions (a conflict names a stream and its version) and before sealing:
    /// - a retraction or correction of an event outside its scope, as an unknown target, and
    ///   so one `submit` placed in `UNPLACED` as its target was not in the ledger (by the same
    ///   rule at the same step, so the two read alike); a target recorded earlier in the same
    ///   request is left to `admit`, which checks it against the state including those events;
    /// - any other event its role and scope do not allow (`may_record`: another organisation's
    ///   teacher reads as an unknown one), and the checks of the teacher whose stream it goes
    ///   to (`subject`), so that a version conflict cannot tell that a teacher outside its scope
    ///   exists. An event whose stream an earlier event of the request writes too is left to
    ///   `admit`: those events may change the facts these checks read; so is every event of a
    ///   request that mixes roles (only the system's own tooling appends one), since another
    ///   role's event may change them in any stream.
    fn screen(&self, events: &[NewEvent]) -> Result<(), Rejection> {
        if !events.iter().any(|event| Role::from(&event.actor.role).is_scoped()) {
            return Ok(());
        }
        let first_role = events.first().map(|event| &event.actor.role);
        let one_role = events.iter().all(|event| Some(&event.actor.role) == first_role);
        let mut streams: HashSet<&StreamName> = HashSet::with_capacity(events.len());
        for (event_index, event) in events.iter().enumerate() {
            let first_in_stream = streams.insert(&event.stream);
            let role = &Role::from(&event.actor.role);
            if !role.is_scoped() {
                continue;
            }
            // Not decodable: `admit` refuses it whatever it holds.
            let Ok(payload) = Payload::decode(&event.kind, event.schema_version, &event.payload)
            else {
                continue;
            };
            let target = match &payload {
                Payload::EventRetracted(p) => p.target,
                Payload::EventCorrected(p) => p.target,
                other => {
                    // Outside its natural stream: `admit` refuses that first.
                    if one_role
                        && first_in_stream
                        && other.stream().is_ok_and(|s| s == event.stream)
                    {
                        may_record(role, other, &self.index)
                            .and_then(|()| subject(&self.index, role, other))
                            .map_err(|refusal| rejection(event_index, refusal))?;
                    }
                    continue;
                }
            };
            let earlier = events.get(..event_index).unwrap_or(&[]);
            if earlier.iter().any(|other| other.id == Some(target)) {
                continue;
            }
            // Not in the ledger when `submit` placed it, whatever it holds by now.
            if event.stream.as_str() == UNPLACED {
                return Err(rejection(event_index, unknown_target(target)));
            }
            self.target(target, &[])
                .and_then(|found| self.may_touch(role, target, &found))
                .map_err(|refusal| rejection(event_index, refusal))?;
        }
        Ok(())
    }

    fn admit(&mut self, events: &[Envelope]) -> Result<(), Rejection> {
        self.prune();
        self.index.begin();
        if let Err(refused) = self.admit_all(events) {
            self.index.rollback();
            return Err(refused);
        }
        self.index.commit();
        for event in events {
            self.recent.insert(event.id, recent_of(event));
            self.recent_by_seq.insert(event.seq, event.id);
        }
        Ok(())
    }

    fn check(&mut self, events: &[Envelope]) -> Result<(), Rejection> {
        self.prune();
        self.index.begin();
        let answer = self.admit_all(events);
        self.index.rollback();
        answer
    }
}

fn rejection(event_index: usize, refusal: Refusal) -> Rejection {
    let Refusal { class, field, value, rule } = refusal;
    Rejection { event_index, class, field, value, rule }
}

fn recent_of(event: &Envelope) -> Recent {
    Recent {
        kind: event.kind.clone(),
        schema_version: event.schema_version,
        stream: event.stream.clone(),
        payload: event.payload.clone(),
    }
}

fn same_stream(stream: &StreamName, expected: &StreamName) -> Result<(), Refusal> {
    if stream != expected {
        return Err(Refusal::new("stream", stream, format!("должен быть {expected}")));
    }
    Ok(())
}

/// The refusal text of a payload that does not decode or has no valid stream, in the officials'
/// language; `PayloadError`'s own messages are for developers and operators.
pub(crate) fn payload_rule(error: &PayloadError) -> String {
    match error {
        PayloadError::UnknownKind { kind, schema_version } => {
            format!("неизвестный вид события {kind} (версия схемы {schema_version})")
        }
        PayloadError::UnknownVersion { kind, schema_version, supported } => format!(
            "у вида события {kind} нет версии схемы {schema_version} (поддерживается версия {supported})"
        ),
        PayloadError::TooLong { kind, length, max } => {
            format!("содержание события {kind} длиной {length} байт, допускается не больше {max}")
        }
        PayloadError::Bytes { kind, schema_version, source } => format!(
            "содержание события {kind} версии {schema_version} не в канонической кодировке ({source})"
        ),
        PayloadError::Encode { kind, source } => {
            format!("содержание события {kind} не удалось закодировать ({source})")
        }
        PayloadError::NoNaturalStream { kind } => {
            format!("событие {kind} записывается в поток того события, к которому относится")
        }
        PayloadError::Stream { kind, source } => {
            format!("содержание события {kind} не задаёт допустимого потока: {}", stream_name_rule(source))
        }
        other => other.to_string(),
    }
}
