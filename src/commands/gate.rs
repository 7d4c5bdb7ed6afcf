//! `CommandGate`: the store's `Gate` that checks every event against the current state inside
//! the writer thread, so a check and its append are one step (no check-then-act race).
//!
//! Checks, each refusal naming the field, the value and the rule: the event decodes and sits in
//! its natural stream; the actor's role and scope allow it (see `authority`); references exist;
//! registrations are unique; competence codes belong to the procedure's catalogue; corrections
//! target an existing, unretracted event of the same kind in the same stream.
//!
//! A municipality or organisation may retract or correct only events it may record itself
//! (`authority`); any other target is refused exactly as an id that is not in the ledger (the
//! same class, field, value shape and rule) and at the same step, before any answer could
//! depend on the target, so no refusal tells such an actor whether an event exists outside its
//! scope. `submit` refuses none of such an actor's commands because of its target: one not in
//! the ledger is placed in `UNPLACED`, and expected versions that disagree about a stream (the
//! refusal names it) wait until after the screen. `Gate::screen` then refuses both kinds of
//! target by one rule, before the ledger compares the request's streams with their expected
//! versions (a version conflict would name the target's stream); `admit` checks again. Nor
//! does the writer's idempotency check tell such an actor about an event another actor
//! recorded whose id it reuses (`Gate::blinds`; see `store::Gate`).
//!
//! Where a teacher works is named only to a role whose scope covers that organisation
//! (`authority::covers`): a municipality hiring a teacher employed in another municipality is
//! told that the teacher works in another organisation and who records the move; a move or
//! departure naming the wrong organisation, that the teacher does not work there. An
//! organisation's event about another organisation's teacher is refused as one about a teacher
//! that is not registered (`authority`), and a route of a teacher outside its scope as a route
//! never opened (region-wide roles are told whose route it is). `Gate::screen` makes the
//! employment checks too, before expected versions, so a version conflict does not tell that a
//! teacher's stream holds events.

use std::collections::{BTreeMap, HashMap, HashSet};

use proto_events::term::{Term, TermMeaning, TextReason};
use proto_events::vocabulary::MentoringPairEnded;
use proto_events::vocabulary::{Payload, PayloadError, SupportSystemRole};
use proto_events::{Actor, ActorRole, Envelope, EventId, NewEvent, Seq, StreamName};

use crate::commands::authority::{covers, may_write, Refusal};
use crate::commands::gate_snapshot::{self, GATE_SNAPSHOT_EVERY_EVENTS};
use crate::commands::index::{Fact, Key, RegistryIndex};
use crate::commands::stream_name_rule;
use crate::store::{Gate, Rejection, Store, StoreError};

const NO_ORGANISATION: &str = "организация с таким идентификатором не зарегистрирована";
const NO_TEACHER: &str = "педагог с таким идентификатором не зарегистрирован";
const NO_MUNICIPALITY: &str = "муниципалитет с таким идентификатором не зарегистрирован";
const NO_PERSON: &str = "лицо с таким идентификатором не зарегистрировано";
const NO_EVENT: &str = "событие с таким идентификатором не найдено";
const NO_PAIR: &str = "наставническая пара с таким идентификатором не сформирована";
const NO_ROUTE: &str = "маршрут с таким идентификатором не открыт";

/// A hire of a teacher employed outside the actor's scope: what to do, naming no employer. A
/// municipality records a move only between its own organisations (`authority`), so a move
/// from elsewhere is the operator's, or a departure recorded on the employer's side first.
const ELSEWHERE: &str = "педагог уже работает в другой организации: перевод записывает региональный оператор событием teacher_moved, либо сторона нынешнего работодателя записывает увольнение событием teacher_left, после чего приём можно записать";

/// The refusal of a correction's or retraction's target that is not in the ledger, wherever it
/// is found (`submit` placing the command, the gate admitting it); also the answer to a
/// municipality or organisation about a target outside its scope, so the two read alike.
pub(crate) fn unknown_target(id: EventId) -> Refusal {
    Refusal::unknown("target", id, NO_EVENT)
}

/// The refusal of a teacher that is not registered, named in `field`; also an organisation's
/// answer about another organisation's teacher (`authority`), so the two read alike.
pub(crate) fn unknown_teacher(field: &str, id: &str) -> Refusal {
    Refusal::unknown(field, id, NO_TEACHER)
}

/// The refusal of a mentoring pair that was not formed; also an organisation's answer about
/// another organisation's pair (`authority`).
pub(crate) fn unknown_pair(id: &str) -> Refusal {
    Refusal::unknown("pair", id, NO_PAIR)
}

/// The stream `submit` places a municipality's or organisation's retraction or correction in
/// when its target is not in the ledger, rather than refusing it before the gate looks at
/// anything (a target outside the scope is refused by the gate, and the two must be refused at
/// the same step): `Gate::screen` refuses every event there as one of an unknown target, so
/// nothing is ever written to it. No kind has it as its natural stream.
pub(crate) const UNPLACED: &str = "unplaced/target";

/// Municipalities and organisations: the roles whose writes and reads are bounded by a scope.
pub(crate) fn is_scoped(role: &ActorRole) -> bool {
    matches!(role, ActorRole::Municipality(_) | ActorRole::Organisation(_))
}

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
            index.apply(&payload, &event.actor.role);
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
        let role = &event.actor.role;
        if *role == ActorRole::Auditor {
            return Err(Refusal::forbidden(
                "actor.role",
                role,
                "аудитор только читает журнал и не записывает события",
            ));
        }
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
                may_write(role, &replacement, &self.index)
                    .map_err(|refusal| within("replacement.payload", refusal))?;
                check_state(&self.index, role, &replacement, false)
                    .map_err(|refusal| within("replacement.payload", refusal))?;
                self.index.apply(&replacement, role);
            }
            _ => {
                let natural = payload
                    .stream()
                    .map_err(|error| Refusal::new("stream", &event.stream, payload_rule(&error)))?;
                same_stream(&event.stream, &natural)?;
                may_write(role, &payload, &self.index)?;
                check_state(&self.index, role, &payload, true)?;
                self.index.apply(&payload, role);
            }
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
    /// record that event now (`may_write` on its payload). A municipality or organisation is
    /// answered about a target it may not record, or one this build cannot decode, with the
    /// refusal of an unknown id (`unknown_target`), so the answer does not tell that the event
    /// exists, nor its kind or stream; region-wide roles get the authority refusal itself.
    fn may_touch(&self, role: &ActorRole, id: EventId, target: &Recent) -> Result<(), Refusal> {
        let original = Payload::decode(&target.kind, target.schema_version, &target.payload);
        if is_scoped(role) {
            return match original {
                Ok(original) if may_write(role, &original, &self.index).is_ok() => Ok(()),
                _ => Err(unknown_target(id)),
            };
        }
        match original {
            Ok(original) => {
                may_write(role, &original, &self.index).map_err(|refusal| within("target", refusal))
            }
            // A kind this build does not know: only the system tooling may touch it.
            Err(_) if *role == ActorRole::System => Ok(()),
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
    /// - any other event its role and scope do not allow (`may_write`: another organisation's
    ///   teacher reads as an unknown one), and the checks of the teacher whose stream it goes
    ///   to (`subject`), so that a version conflict cannot tell that a teacher outside its scope
    ///   exists. An event whose stream an earlier event of the request writes too is left to
    ///   `admit`: those events may change the facts these checks read; so is every event of a
    ///   request that mixes roles (only the system's own tooling appends one), since another
    ///   role's event may change them in any stream.
    fn screen(&self, events: &[NewEvent]) -> Result<(), Rejection> {
        if !events.iter().any(|event| is_scoped(&event.actor.role)) {
            return Ok(());
        }
        let first_role = events.first().map(|event| &event.actor.role);
        let one_role = events.iter().all(|event| Some(&event.actor.role) == first_role);
        let mut streams: HashSet<&StreamName> = HashSet::with_capacity(events.len());
        for (event_index, event) in events.iter().enumerate() {
            let first_in_stream = streams.insert(&event.stream);
            let role = &event.actor.role;
            if !is_scoped(role) {
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
                        may_write(role, other, &self.index)
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

    /// A municipality or organisation: it is not told that another actor's event exists (nor
    /// its seq) when it reuses that event's id, as the event may lie outside its scope.
    fn blinds(&self, actor: &Actor) -> bool {
        is_scoped(&actor.role)
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

fn within(prefix: &str, refusal: Refusal) -> Refusal {
    Refusal { field: format!("{prefix}.{}", refusal.field), ..refusal }
}

/// References, uniqueness (when `new`) and catalogue codes of one payload recorded by `role`.
fn check_state(
    index: &RegistryIndex,
    role: &ActorRole,
    payload: &Payload,
    new: bool,
) -> Result<(), Refusal> {
    let exists = |field: &str, key: Key, value: &str, what: &str| {
        if index.contains(&key) {
            Ok(())
        } else {
            Err(Refusal::unknown(field, value, what))
        }
    };
    let unique = |field: &str, key: Key, value: &str, what: &str| {
        if new && index.contains(&key) {
            Err(Refusal::new(field, value, what))
        } else {
            Ok(())
        }
    };
    let org =
        |field: &str, id: &str| exists(field, Key::Organisation(id.into()), id, NO_ORGANISATION);
    let teacher = |field: &str, id: &str| exists(field, Key::Teacher(id.into()), id, NO_TEACHER);
    let program = |field: &str, id: &str| {
        exists(
            field,
            Key::Program(id.into()),
            id,
            "программа с таким идентификатором не зарегистрирована",
        )
    };
    // Another teacher's route is named as such to a region-wide role, and to a municipality or
    // organisation only when its scope covers that teacher's employer; to any other scoped role
    // it reads as a route that was never opened (so does one of a teacher with no employment
    // record, which no scope covers; a region-wide role is told whose route it is all the same).
    let route_of =
        |field: &str, route: &str, of_teacher: &str| match index.get(&Key::Route(route.into())) {
            Some(Fact::Route { teacher, procedure, closed }) => {
                if teacher != of_teacher {
                    let seen = !is_scoped(role)
                        || index
                            .org_of_teacher(teacher)
                            .is_some_and(|employer| covers(role, employer, index));
                    if !seen {
                        return Err(Refusal::unknown(field, route, NO_ROUTE));
                    }
                    return Err(Refusal::new(
                        field,
                        route,
                        format!("маршрут принадлежит педагогу {teacher}"),
                    ));
                }
                Ok((procedure.clone(), *closed))
            }
            _ => Err(Refusal::unknown(field, route, NO_ROUTE)),
        };
    let catalogued = |field: &str, procedure: &str, codes: &mut dyn Iterator<Item = &str>| {
        if let Some(Fact::Procedure { competences }) = index.get(&Key::Procedure(procedure.into()))
        {
            if !competences.is_empty() {
                for code in codes {
                    if !competences.contains(code) {
                        return Err(Refusal::new(
                            field,
                            code,
                            format!("код компетенции не оценивается процедурой {procedure}"),
                        ));
                    }
                }
            }
        }
        Ok(())
    };
    let plan = |id: &str| {
        exists("plan", Key::Plan(id.into()), id, "план с таким идентификатором не зарегистрирован")
    };
    let activity = |plan_id: &str, id: &str| {
        plan(plan_id)?;
        match index.get(&Key::Activity(plan_id.into(), id.into())) {
            Some(Fact::Activity { cancelled: false }) => Ok(()),
            Some(_) => Err(Refusal::new("activity", id, "мероприятие отменено")),
            None => Err(Refusal::unknown(
                "activity",
                id,
                format!("в плане {plan_id} нет мероприятия с таким идентификатором"),
            )),
        }
    };
    let scope = |value: &proto_events::vocabulary::Scope| match value {
        proto_events::vocabulary::Scope::Region => Ok(()),
        proto_events::vocabulary::Scope::Municipality(code) => {
            exists("scope", Key::Municipality(code.to_string()), code.as_str(), NO_MUNICIPALITY)
        }
        proto_events::vocabulary::Scope::Organisation(id) => org("scope", id.as_str()),
    };

    match payload {
        Payload::MunicipalityRegistered(p) => {
            let id = p.municipality.as_str();
            unique(
                "municipality",
                Key::Municipality(id.into()),
                id,
                "муниципалитет с таким идентификатором уже зарегистрирован",
            )
        }
        Payload::OrganisationRegistered(p) => {
            let id = p.organisation.as_str();
            unique(
                "organisation",
                Key::Organisation(id.into()),
                id,
                "организация с таким идентификатором уже зарегистрирована",
            )?;
            match &p.municipality {
                Some(code) => exists(
                    "municipality",
                    Key::Municipality(code.to_string()),
                    code.as_str(),
                    NO_MUNICIPALITY,
                ),
                None => Ok(()),
            }
        }
        Payload::OrganisationStatusChanged(p) => org("organisation", p.organisation.as_str()),
        Payload::ProgramRegistered(p) => {
            let id = p.program.as_str();
            unique(
                "program",
                Key::Program(id.into()),
                id,
                "программа с таким идентификатором уже зарегистрирована",
            )?;
            org("provider", p.provider.as_str())
        }
        Payload::ProgramRegisterIncluded(p) => program("program", p.program.as_str()),
        Payload::ProgramRegisterRemoved(p) => program("program", p.program.as_str()),
        Payload::DiagnosticProcedureRegistered(p) => {
            let id = p.procedure.as_str();
            unique(
                "procedure",
                Key::Procedure(id.into()),
                id,
                "процедура диагностики с таким идентификатором уже зарегистрирована",
            )
        }
        Payload::TeacherHired(p) => {
            if new {
                not_employed(index, role, p.teacher.as_str())?;
            }
            org("organisation", p.organisation.as_str())
        }
        Payload::TeacherMoved(p) => {
            employed_at(
                index,
                role,
                p.teacher.as_str(),
                "from_organisation",
                p.from_organisation.as_str(),
            )?;
            org("to_organisation", p.to_organisation.as_str())
        }
        Payload::TeacherLeft(p) => {
            employed_at(index, role, p.teacher.as_str(), "organisation", p.organisation.as_str())
        }
        Payload::ManagementTeamMemberAdded(p) => {
            org("organisation", p.organisation.as_str())?;
            teacher("teacher", p.teacher.as_str())
        }
        Payload::ManagementTeamMemberRemoved(p) => {
            org("organisation", p.organisation.as_str())?;
            teacher("teacher", p.teacher.as_str())
        }
        Payload::RoleAssigned(p) => match &p.municipality {
            Some(code) => exists(
                "municipality",
                Key::Municipality(code.to_string()),
                code.as_str(),
                NO_MUNICIPALITY,
            ),
            None => Ok(()),
        },
        Payload::RoleEnded(p) => holds_role(index, "person", p.person.as_str(), p.role),
        Payload::TeacherAssignedToMethodist(p) => {
            teacher("teacher", p.teacher.as_str())?;
            holds_role(index, "methodist", p.methodist.as_str(), SupportSystemRole::RegionalMethodist)
        }
        Payload::TeacherUnassignedFromMethodist(p) => {
            teacher("teacher", p.teacher.as_str())?;
            exists(
                "methodist",
                Key::Person(p.methodist.to_string()),
                p.methodist.as_str(),
                NO_PERSON,
            )
        }
        Payload::DiagnosticRecorded(p) => {
            let id = p.diagnostic.as_str();
            unique(
                "diagnostic",
                Key::Diagnostic(id.into()),
                id,
                "результат диагностики с таким идентификатором уже записан",
            )?;
            teacher("teacher", p.teacher.as_str())?;
            let procedure = p.procedure.as_str();
            exists(
                "procedure",
                Key::Procedure(procedure.into()),
                procedure,
                "процедура диагностики с таким идентификатором не зарегистрирована",
            )?;
            catalogued("scores", procedure, &mut p.scores.keys().map(|c| c.as_str()))?;
            catalogued("deficits", procedure, &mut p.deficits.iter().map(|c| c.as_str()))
        }
        Payload::RouteOpened(p) => {
            let id = p.route.as_str();
            unique(
                "route",
                Key::Route(id.into()),
                id,
                "маршрут с таким идентификатором уже открыт",
            )?;
            teacher("teacher", p.teacher.as_str())?;
            match index.get(&Key::Diagnostic(p.diagnostic.to_string())) {
                Some(Fact::Diagnostic { teacher, procedure }) => {
                    if teacher != p.teacher.as_str() {
                        return Err(Refusal::new(
                            "diagnostic",
                            &p.diagnostic,
                            format!("результат диагностики относится к педагогу {teacher}"),
                        ));
                    }
                    catalogued("deficits", procedure, &mut p.deficits.iter().map(|c| c.as_str()))
                }
                _ => Err(Refusal::unknown(
                    "diagnostic",
                    &p.diagnostic,
                    "результат диагностики с таким идентификатором не записан",
                )),
            }
        }
        Payload::RouteStepPlanned(p) => {
            let (procedure, closed) = route_of("route", p.route.as_str(), p.teacher.as_str())?;
            if closed && new {
                return Err(Refusal::new("route", &p.route, "маршрут закрыт"));
            }
            let step = p.step.as_str();
            if new && index.contains(&Key::Step(p.route.to_string(), step.into())) {
                return Err(Refusal::new(
                    "step",
                    step,
                    "в маршруте уже есть шаг с таким идентификатором",
                ));
            }
            if let Some(id) = &p.program {
                program("program", id.as_str())?;
            }
            catalogued("deficits", &procedure, &mut p.deficits.iter().map(|c| c.as_str()))
        }
        Payload::RouteSupportAssigned(p) => {
            route_of("route", p.route.as_str(), p.teacher.as_str())?;
            exists(
                "supporter",
                Key::Person(p.supporter.to_string()),
                p.supporter.as_str(),
                NO_PERSON,
            )
        }
        Payload::RouteStepCompleted(p) => {
            route_of("route", p.route.as_str(), p.teacher.as_str())?;
            step_exists(index, "step", p.route.as_str(), p.step.as_str())
        }
        Payload::RouteClosed(p) => {
            let (_, closed) = route_of("route", p.route.as_str(), p.teacher.as_str())?;
            if closed && new {
                return Err(Refusal::new("route", &p.route, "маршрут уже закрыт"));
            }
            Ok(())
        }
        Payload::CourseCompleted(p) => {
            let id = p.completion.as_str();
            unique(
                "completion",
                Key::Completion(id.into()),
                id,
                "освоение программы с таким идентификатором уже записано",
            )?;
            teacher("teacher", p.teacher.as_str())?;
            program("program", p.program.as_str())?;
            org("provider", p.provider.as_str())?;
            if let Some(step) = &p.route_step {
                route_of("route_step.route", step.route.as_str(), p.teacher.as_str())?;
                step_exists(index, "route_step.step", step.route.as_str(), step.step.as_str())?;
            }
            Ok(())
        }
        Payload::MentoringPairFormed(p) => {
            let id = p.pair.as_str();
            unique(
                "pair",
                Key::Pair(id.into()),
                id,
                "наставническая пара с таким идентификатором уже сформирована",
            )?;
            teacher("mentor", p.mentor.as_str())?;
            teacher("mentee", p.mentee.as_str())?;
            org("organisation", p.organisation.as_str())
        }
        Payload::MentoringPairEnded(p) => pair_of(index, p),
        Payload::ParticipationRecorded(p) => teacher("teacher", p.teacher.as_str()),
        Payload::RegionalEventHeld(p) => {
            let id = p.event.as_str();
            unique(
                "event",
                Key::RegionalEvent(id.into()),
                id,
                "региональное мероприятие с таким идентификатором уже записано",
            )
        }
        Payload::ManagementTeamTrained(p) => {
            org("organisation", p.organisation.as_str())?;
            program("program", p.program.as_str())
        }
        Payload::PlanCreated(p) => {
            let id = p.plan.as_str();
            unique(
                "plan",
                Key::Plan(id.into()),
                id,
                "план с таким идентификатором уже зарегистрирован",
            )
        }
        Payload::PlanApproved(p) => plan(p.plan.as_str()),
        Payload::PlanSectionAdded(p) => {
            plan(p.plan.as_str())?;
            let section = p.section.as_str();
            if new && index.contains(&Key::Section(p.plan.to_string(), section.into())) {
                return Err(Refusal::new("section", section, "в плане уже есть такой раздел"));
            }
            Ok(())
        }
        Payload::ActivityAdded(p) => {
            plan(p.plan.as_str())?;
            let section = p.section.as_str();
            if !index.contains(&Key::Section(p.plan.to_string(), section.into())) {
                return Err(Refusal::unknown(
                    "section",
                    section,
                    format!("в плане {} нет раздела с таким идентификатором", p.plan),
                ));
            }
            let id = p.activity.as_str();
            if new && index.contains(&Key::Activity(p.plan.to_string(), id.into())) {
                return Err(Refusal::new("activity", id, "в плане уже есть такое мероприятие"));
            }
            term_dated_by_plan(index, p.plan.as_str(), &p.term)
        }
        Payload::ActivityAmended(p) => activity(p.plan.as_str(), p.activity.as_str()),
        Payload::ActivityExecutionReported(p) => activity(p.plan.as_str(), p.activity.as_str()),
        Payload::ActivityCancelled(p) => activity(p.plan.as_str(), p.activity.as_str()),
        Payload::TargetSet(p) => scope(&p.scope),
        Payload::FigureReported(p) => {
            let id = p.report.as_str();
            unique(
                "report",
                Key::Report(id.into()),
                id,
                "отчёт о показателе с таким идентификатором уже записан",
            )?;
            scope(&p.scope)
        }
        // Corrections are checked by the gate itself; a replacement is never a correction.
        Payload::EventRetracted(_) | Payload::EventCorrected(_) => Ok(()),
    }
}

/// A term that names no year may be dated only by its plan's period (see
/// `proto_events::term::parse_in_period`); validate() left that check to us.
fn term_dated_by_plan(index: &RegistryIndex, plan: &str, term: &Term) -> Result<(), Refusal> {
    let alone = proto_events::term::parse(&term.text);
    if alone.meaning != (TermMeaning::Text { reason: TextReason::NoYear }) {
        return Ok(());
    }
    let period = match index.get(&Key::Plan(plan.into())) {
        Some(Fact::Plan { period: (from, to), .. }) => Some((i32::from(*from), i32::from(*to))),
        _ => None,
    };
    let read = proto_events::term::parse_in_period(&term.text, period);
    if read.meaning != term.meaning {
        return Err(Refusal::new(
            "term.meaning",
            &term.meaning,
            format!(
                "не совпадает с прочтением текста срока term.text в периоде плана: {}",
                read.meaning
            ),
        ));
    }
    Ok(())
}

/// A hire's check that the teacher is not employed already. The refusal names the employer
/// only to a role whose scope covers it (`authority::covers`): a municipality hiring a teacher
/// who works in another municipality is told how such a move is recorded, not where.
fn not_employed(index: &RegistryIndex, role: &ActorRole, teacher: &str) -> Result<(), Refusal> {
    match index.get(&Key::Teacher(teacher.into())) {
        Some(Fact::Teacher { organisation, employed: true }) => {
            let rule = if covers(role, organisation, index) {
                format!("педагог уже работает в {organisation}: используйте событие teacher_moved")
            } else {
                ELSEWHERE.to_string()
            };
            Err(Refusal::new("teacher", teacher, rule))
        }
        _ => Ok(()),
    }
}

/// A move's or departure's check that the teacher works at `organisation`, named in `field`.
/// Where the teacher does work is named only to a role whose scope covers it.
fn employed_at(
    index: &RegistryIndex,
    role: &ActorRole,
    teacher: &str,
    field: &str,
    organisation: &str,
) -> Result<(), Refusal> {
    match index.get(&Key::Teacher(teacher.into())) {
        Some(Fact::Teacher { organisation: current, employed: true })
            if current == organisation =>
        {
            Ok(())
        }
        Some(Fact::Teacher { organisation: current, employed: true }) => {
            let rule = if covers(role, current, index) {
                format!("педагог работает в {current}")
            } else {
                format!("педагог не работает в организации {organisation}")
            };
            Err(Refusal::new(field, organisation, rule))
        }
        Some(_) => {
            Err(Refusal::new("teacher", teacher, "педагог в настоящее время нигде не работает"))
        }
        None => Err(unknown_teacher("teacher", teacher)),
    }
}

/// The end of a pair names the pair's mentee (its stream).
fn pair_of(index: &RegistryIndex, p: &MentoringPairEnded) -> Result<(), Refusal> {
    match index.get(&Key::Pair(p.pair.to_string())) {
        Some(Fact::Pair { mentee, .. }) if mentee == p.mentee.as_str() => Ok(()),
        Some(Fact::Pair { mentee, .. }) => {
            Err(Refusal::new("mentee", &p.mentee, format!("наставляемый в этой паре — {mentee}")))
        }
        _ => Err(unknown_pair(p.pair.as_str())),
    }
}

/// The first checks `check_state` makes of the teacher whose stream an event goes to, where
/// they depend on that teacher's facts: for `screen`, which makes them before the request's
/// expected versions are compared, so that a version conflict never answers what they refuse.
fn subject(index: &RegistryIndex, role: &ActorRole, payload: &Payload) -> Result<(), Refusal> {
    match payload {
        Payload::MentoringPairEnded(p) => pair_of(index, p),
        Payload::TeacherHired(p) => not_employed(index, role, p.teacher.as_str()),
        Payload::TeacherMoved(p) => employed_at(
            index,
            role,
            p.teacher.as_str(),
            "from_organisation",
            p.from_organisation.as_str(),
        ),
        Payload::TeacherLeft(p) => {
            employed_at(index, role, p.teacher.as_str(), "organisation", p.organisation.as_str())
        }
        _ => Ok(()),
    }
}

fn holds_role(index: &RegistryIndex, field: &str, person: &str, role: SupportSystemRole) -> Result<(), Refusal> {
    match index.get(&Key::Person(person.into())) {
        Some(Fact::Person { roles }) if roles.contains(&role) => Ok(()),
        _ => {
            let tag = serde_json::to_value(role)
                .ok()
                .and_then(|value| value.as_str().map(str::to_string))
                .unwrap_or_else(|| format!("{role:?}"));
            Err(Refusal::new(field, person, format!("у лица нет роли {tag}")))
        }
    }
}

fn step_exists(index: &RegistryIndex, field: &str, route: &str, step: &str) -> Result<(), Refusal> {
    if index.contains(&Key::Step(route.into(), step.into())) {
        Ok(())
    } else {
        Err(Refusal::unknown(
            field,
            step,
            format!("в маршруте {route} нет шага с таким идентификатором"),
        ))
    }
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
