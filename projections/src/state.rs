//! The whole projected state and the one `apply` that dispatches each event to the sub-states.
//!
//! `State` is the fold of the events with `seq ≤ K`. Every fact is stored keyed by the id of the
//! event that recorded it, with that event's seq and the fact's valid date; `origins` remembers,
//! for every applied event, its seq, effective time and the one entity its fact lives under, so a
//! retraction finds the fact without scanning. `event_retracted{target}` removes the target's
//! fact from every sub-state; `event_corrected{target, replacement}` removes it and applies the
//! replacement under the original id, seq and effective time (dates inside the payload win). A
//! correction therefore changes the state from its own seq on, and a state folded to an earlier
//! `K` never sees it.
//!
//! The state is bitemporal: a retraction or correction does not delete the superseded fact but
//! closes its knowledge interval. Every fact carries `known_from` (the seq from which the ledger
//! knew it: the recording event's, or the correction's that produced this version) and
//! `known_until` (the seq of the retraction or correction that superseded it), so a state folded
//! to any head answers "as known at `K`" for every `K ≤` its seq by filtering
//! (`Fact::known_at`), with no refold: the facts visible at `K` are exactly those a fold of the
//! events with `seq ≤ K` holds (the property test `head_state_answers_every_known_at` checks it).
//! Anomalies carry their seq, so those known at `K` are the ones with `seq ≤ K`. Only the plan
//! and teacher-route projections keep current facts only; they are answered at `K` by folding.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{
    FigureReported, IndicatorCode, Payload, TargetSet, TargetWithdrawn,
};
use proto_events::{Date, Effective, Envelope, EventId, Seq};

use crate::context::EventContext;
use crate::cycle::Cycle;
use crate::decision::{self, DecisionFact};
use crate::learning::{Learning, LearningKey, PairChange, RouteChange};
use crate::plan::Plans;
use crate::register::{EntryChange, Registers};
use crate::registry::{EmploymentChange, Registry, RegistryKey, RoleChange};
use crate::teacher_route::Routes;

/// Bumped whenever the shape or meaning of `State` changes: stored snapshots of another version
/// are ignored and rebuilt. 4: plan amendments hold the reading of a new term
/// (`FieldChange::meaning`, `activity_amended` schema 2).
/// 5: enrolments (`course_enrolled`), target withdrawals (`target_withdrawn`), municipal events
/// (`municipal_event_held`) and the municipal plan's indicators.
/// 6: plan-level facts (amended, superseded, revoked, agreed) and the recommendations and
/// decisions (`decisions`).
/// 7: the monitoring cycle (`State::cycle`).
pub const FOLD_VERSION: u32 = 7;

/// An event inconsistent with the state so far: recorded as data, never an error or a panic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// Where.
    pub seq: u64,
    /// What.
    pub message: String,
}

/// A knowledge point inside a state: the facts known once the event with this seq was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Known(pub u64);

impl Known {
    /// Everything the state holds (the state's own seq).
    pub const LATEST: Known = Known(u64::MAX);
}

/// One recorded fact: the seq of the event that recorded it, its valid date, the value, and the
/// seq interval in which the ledger knew this version of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact<T> {
    /// Seq of the recording event (for a correction: of the original event).
    pub seq: u64,
    /// Valid date.
    pub on: Date,
    /// The fact.
    pub value: T,
    /// Known from this seq on: the recording event's seq, or the correction's for a replacement.
    pub known_from: u64,
    /// Known before this seq only: the retraction or correction that superseded it (`u64::MAX`
    /// while it stands).
    pub known_until: u64,
}

impl<T> Fact<T> {
    /// Whether this version of the fact is known at `known`.
    pub fn known_at(&self, known: Known) -> bool {
        // A standing fact (`known_until` = `u64::MAX`) is known at `Known::LATEST` too.
        self.known_from <= known.0 && (known.0 < self.known_until || self.known_until == u64::MAX)
    }
}

/// Facts keyed by the id of the event that recorded them: the standing versions, and the
/// superseded ones kept with their closed knowledge interval.
///
/// Both are flat vectors: an entity holds a handful of facts, so a sorted vector (binary search
/// to find, a short shift to insert) costs less than a tree and is read front to back without
/// chasing pointers — the indicator catalogue reads every teacher's facts per query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts<T> {
    /// Standing versions, sorted by id (ids are unique).
    standing: Vec<(EventId, Fact<T>)>,
    superseded: Vec<(EventId, Fact<T>)>,
}

impl<T> Default for Facts<T> {
    fn default() -> Facts<T> {
        Facts { standing: Vec::new(), superseded: Vec::new() }
    }
}

impl<T> Facts<T> {
    /// The facts known at `known`, each with its id: standing ones in id order, then superseded
    /// ones in the order they were superseded.
    pub fn iter(&self, known: Known) -> impl Iterator<Item = (&EventId, &Fact<T>)> + '_ {
        let standing = self.standing.iter().filter(move |(_, fact)| fact.known_from <= known.0);
        let superseded = self.superseded.iter().filter(move |(_, fact)| fact.known_at(known));
        standing.chain(superseded).map(|(id, fact)| (id, fact))
    }

    /// The facts known at `known`.
    pub fn values(&self, known: Known) -> impl Iterator<Item = &Fact<T>> + '_ {
        self.iter(known).map(|(_, fact)| fact)
    }

    /// The version of the fact recorded by `id` known at `known`.
    pub fn get_at(&self, id: &EventId, known: Known) -> Option<&Fact<T>> {
        if let Some(fact) = self.get(id).filter(|fact| fact.known_at(known)) {
            return Some(fact);
        }
        self.superseded
            .iter()
            .find(|(other, fact)| other == id && fact.known_at(known))
            .map(|(_, fact)| fact)
    }

    /// Every version of the fact recorded by `id` the state knows, in the order they became
    /// known (the original, then each correction's replacement).
    pub fn versions(&self, id: &EventId) -> Vec<&Fact<T>> {
        let mut versions: Vec<&Fact<T>> = self
            .superseded
            .iter()
            .filter(|(other, _)| other == id)
            .map(|(_, fact)| fact)
            .chain(self.get(id))
            .collect();
        versions.sort_by_key(|fact| fact.known_from);
        versions
    }

    /// The standing version of the fact recorded by `id` (the latest the state knows).
    pub fn get(&self, id: &EventId) -> Option<&Fact<T>> {
        let index = self.standing.binary_search_by(|(other, _)| other.cmp(id)).ok()?;
        self.standing.get(index).map(|(_, fact)| fact)
    }

    /// Whether no fact is known at `known`.
    pub fn is_empty_at(&self, known: Known) -> bool {
        self.iter(known).next().is_none()
    }

    /// Records a fact known from `known_from`.
    pub fn insert(&mut self, recorded: Recorded, on: Date, value: T) {
        let fact = Fact {
            seq: recorded.seq,
            on,
            value,
            known_from: recorded.known_from,
            known_until: u64::MAX,
        };
        // Ids recorded later are mostly greater (time-ordered UUIDs): the common case appends.
        let after_last = self.standing.last().is_none_or(|(last, _)| *last < recorded.id);
        if after_last {
            self.standing.push((recorded.id, fact));
            return;
        }
        match self.standing.binary_search_by(|(other, _)| other.cmp(&recorded.id)) {
            Ok(index) => {
                // Not reached by the fold (a correction supersedes before it re-records), but two
                // versions under one id cannot both stand: the earlier one ends where this begins.
                if let Some(slot) = self.standing.get_mut(index) {
                    let previous = std::mem::replace(&mut slot.1, fact);
                    let known_until = recorded.known_from;
                    self.superseded.push((recorded.id, Fact { known_until, ..previous }));
                }
            }
            Err(index) => self.standing.insert(index, (recorded.id, fact)),
        }
    }

    /// Supersedes the standing fact recorded by `id` from seq `at` on; false when none stands.
    pub fn supersede(&mut self, id: &EventId, at: u64) -> bool {
        let Ok(index) = self.standing.binary_search_by(|(other, _)| other.cmp(id)) else {
            return false;
        };
        let (id, mut fact) = self.standing.remove(index);
        fact.known_until = at;
        self.superseded.push((id, fact));
        true
    }
}

/// How a fact is being recorded: under which event id, with which original seq, known from
/// which seq (the correction's, for a replacement).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Id of the recording event (for a correction: of the original event).
    pub id: EventId,
    /// Its seq.
    pub seq: u64,
    /// The seq from which this version is known.
    pub known_from: u64,
}

/// Where an applied event's fact lives, so a retraction or correction can find it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Seq of the event.
    pub seq: u64,
    /// Its effective time (a correction re-applies under it).
    pub effective: Effective,
    /// The entity its fact lives under (None for kinds only the plan projection keeps).
    pub key: Option<FactKey>,
    /// Seq of the retraction that removed it (its fact is then kept as superseded).
    pub retracted_at: Option<u64>,
}

/// The entity a fact lives under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FactKey {
    /// A registry entity.
    Registry(RegistryKey),
    /// A learning entity.
    Learning(LearningKey),
    /// A target of an indicator.
    Target(IndicatorCode),
    /// A withdrawal of a target of an indicator.
    TargetWithdrawal(IndicatorCode),
    /// An entry of a regional register, or a register's interval.
    Register,
    /// A figure report.
    Report,
    /// A recommendation or a management decision.
    Decision,
    /// A monitoring cycle event.
    Cycle,
}

/// A later event that retracted or corrected an earlier one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    /// Seq of the retraction or correction.
    pub seq: u64,
    /// Its id.
    pub id: EventId,
}

/// The projected state after some prefix of the ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Last applied seq (0 when nothing was applied).
    pub seq: u64,
    /// Inconsistencies seen.
    pub anomalies: Vec<Anomaly>,
    /// Registries.
    pub registry: Registry,
    /// Learning facts.
    pub learning: Learning,
    /// Every `target_set` by indicator, each kept with its act.
    pub targets: BTreeMap<IndicatorCode, Facts<TargetSet>>,
    /// Every `target_withdrawn` by indicator, on the withdrawing act's effective date.
    pub target_withdrawals: BTreeMap<IndicatorCode, Facts<TargetWithdrawn>>,
    /// Figure reports.
    pub reports: Facts<FigureReported>,
    /// Recommendations and management decisions on the monitoring's results.
    pub decisions: Facts<DecisionFact>,
    /// The monitoring cycle: reporting periods, submissions and decisions.
    pub cycle: Cycle,
    /// Plans (the plan projection).
    pub plans: Plans,
    /// Teachers' routes in full detail (the teacher-route projection).
    pub routes: Routes,
    /// The regional registers (roadmap item 47).
    pub registers: Registers,
    /// Where each applied event's fact lives.
    pub origins: BTreeMap<EventId, Origin>,
    /// Retractions and corrections by target id.
    pub amendments: BTreeMap<EventId, Vec<Amendment>>,
}

/// Folds one event into the state. Never fails: undecodable or inconsistent events become
/// anomalies.
pub fn apply(state: &mut State, event: &Envelope) {
    state.seq = event.seq.0;
    let ctx = EventContext::of(event);
    match Payload::decode_envelope(event) {
        Ok(payload) => apply_payload(state, &ctx, &payload),
        Err(error) => anomaly(state, event.seq.0, error.to_string()),
    }
}

/// Folds one event like `apply`, but leaves `plans` and `routes` alone: for a state that only
/// the indicator figures read (registries, learning, targets and origins stay exact), which must
/// never be stored or used as a full state.
pub fn apply_for_figures(state: &mut State, event: &Envelope) {
    state.seq = event.seq.0;
    let ctx = EventContext::of(event);
    match Payload::decode_envelope(event) {
        Ok(payload) => fold(state, &ctx, &payload, Detail::FiguresOnly),
        Err(error) => anomaly(state, event.seq.0, error.to_string()),
    }
}

/// Folds one already decoded event (used by `apply` and by callers that decode themselves).
pub fn apply_payload(state: &mut State, ctx: &EventContext, payload: &Payload) {
    fold(state, ctx, payload, Detail::Full);
}

/// Whether a fold keeps the plan and teacher-route projections.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    FiguresOnly,
}

fn fold(state: &mut State, ctx: &EventContext, payload: &Payload, detail: Detail) {
    state.seq = state.seq.max(ctx.seq.0);
    match payload {
        Payload::EventRetracted(retracted) => {
            state
                .amendments
                .entry(retracted.target)
                .or_default()
                .push(Amendment { seq: ctx.seq.0, id: ctx.id });
            if !retract(state, &retracted.target, ctx.seq.0) {
                anomaly(
                    state,
                    ctx.seq.0,
                    format!("retraction of unknown event {}", retracted.target),
                );
            }
        }
        Payload::EventCorrected(corrected) => {
            state
                .amendments
                .entry(corrected.target)
                .or_default()
                .push(Amendment { seq: ctx.seq.0, id: ctx.id });
            let standing =
                state.origins.get(&corrected.target).filter(|o| o.retracted_at.is_none());
            let Some(origin) = standing.cloned() else {
                let message = format!("correction of unknown event {}", corrected.target);
                return anomaly(state, ctx.seq.0, message);
            };
            let replacement = match corrected.replacement.payload() {
                Ok(replacement) => replacement,
                Err(error) => {
                    return anomaly(state, ctx.seq.0, format!("correction replacement: {error}"))
                }
            };
            if matches!(replacement, Payload::EventRetracted(_) | Payload::EventCorrected(_)) {
                let message = "a correction cannot replace an event by a correction".to_string();
                return anomaly(state, ctx.seq.0, message);
            }
            retract(state, &corrected.target, ctx.seq.0);
            let original = EventContext {
                seq: Seq(origin.seq),
                id: corrected.target,
                effective: origin.effective,
                ..ctx.clone()
            };
            record(state, &original, &replacement, Some(ctx.seq.0), detail);
        }
        other => record(state, ctx, other, None, detail),
    }
}

/// Supersedes the fact recorded by `target` from seq `at` on in every sub-state (the plan and
/// teacher-route projections drop it); false when no standing fact was recorded by it.
pub fn retract(state: &mut State, target: &EventId, at: u64) -> bool {
    state.plans.retract(target);
    state.routes.retract(target);
    let Some(origin) = state.origins.get_mut(target).filter(|origin| origin.retracted_at.is_none())
    else {
        return false;
    };
    origin.retracted_at = Some(at);
    match &origin.key {
        Some(FactKey::Registry(key)) => {
            state.registry.retract_at(key, target, at);
        }
        Some(FactKey::Learning(key)) => {
            state.learning.retract_at(key, target, at);
        }
        Some(FactKey::Target(code)) => {
            if let Some(facts) = state.targets.get_mut(code) {
                facts.supersede(target, at);
            }
        }
        Some(FactKey::TargetWithdrawal(code)) => {
            if let Some(facts) = state.target_withdrawals.get_mut(code) {
                facts.supersede(target, at);
            }
        }
        Some(FactKey::Register) => {
            state.registers.retract_at(target, at);
        }
        Some(FactKey::Report) => {
            state.reports.supersede(target, at);
        }
        Some(FactKey::Decision) => {
            state.decisions.supersede(target, at);
        }
        Some(FactKey::Cycle) => {
            state.cycle.facts.supersede(target, at);
        }
        None => {}
    }
    true
}

/// The anomalies known at `known` (each is recorded at the seq of the event that caused it, from
/// the state before that event, so it is the same in every fold that reaches that seq).
pub fn anomalies_at(state: &State, known: Known) -> impl Iterator<Item = &Anomaly> + '_ {
    state.anomalies.iter().filter(move |anomaly| anomaly.seq <= known.0)
}

/// Facts known at `known` in (valid date, seq) order.
pub fn ordered<T>(facts: &Facts<T>, known: Known) -> Vec<&Fact<T>> {
    let mut list: Vec<&Fact<T>> = facts.values(known).collect();
    list.sort_by_key(|fact| (fact.on, fact.seq));
    list
}

/// Facts known at `known` with their ids in (valid date, seq) order.
pub fn ordered_with_ids<T>(facts: &Facts<T>, known: Known) -> Vec<(&EventId, &Fact<T>)> {
    let mut list: Vec<(&EventId, &Fact<T>)> = facts.iter(known).collect();
    list.sort_by_key(|(_, fact)| (fact.on, fact.seq));
    list
}

fn anomaly(state: &mut State, seq: u64, message: String) {
    state.anomalies.push(Anomaly { seq, message });
}

/// Applies a fact under `ctx` (for a correction, `ctx` is the original event's and
/// `correction_seq` the correction's own seq, used only in anomaly messages).
fn record(
    state: &mut State,
    ctx: &EventContext,
    payload: &Payload,
    correction_seq: Option<u64>,
    detail: Detail,
) {
    let at = correction_seq.unwrap_or(ctx.seq.0);
    if detail == Detail::Full {
        state.plans.apply(ctx, payload);
        state.routes.apply(ctx, payload);
    }
    let Some(on) = ctx.effective.date() else {
        return anomaly(state, at, format!("effective time {} has no date", ctx.effective));
    };
    let (id, seq) = (ctx.id, ctx.seq.0);
    let recorded = Recorded { id, seq, known_from: at };
    let key = match payload {
        Payload::MunicipalityRegistered(_)
        | Payload::OrganisationRegistered(_)
        | Payload::OrganisationStatusChanged(_)
        | Payload::ProgramRegistered(_)
        | Payload::ProgramRegisterIncluded(_)
        | Payload::ProgramRegisterRemoved(_)
        | Payload::DiagnosticProcedureRegistered(_) => {
            record_registry(state, recorded, on, payload)
        }
        Payload::TeacherHired(_)
        | Payload::TeacherMoved(_)
        | Payload::TeacherLeft(_)
        | Payload::ManagementTeamMemberAdded(_)
        | Payload::ManagementTeamMemberRemoved(_)
        | Payload::RoleAssigned(_)
        | Payload::RoleEnded(_)
        | Payload::TeacherAssignedToMethodist(_)
        | Payload::TeacherUnassignedFromMethodist(_) => {
            record_people(state, recorded, on, at, payload)
        }
        Payload::DiagnosticRecorded(_)
        | Payload::RouteOpened(_)
        | Payload::RouteStepPlanned(_)
        | Payload::RouteSupportAssigned(_)
        | Payload::RouteClosed(_)
        | Payload::RouteStepCompleted(_)
        | Payload::CourseCompleted(_)
        | Payload::CourseEnrolled(_)
        | Payload::MentoringPairFormed(_)
        | Payload::MentoringPairEnded(_)
        | Payload::ParticipationRecorded(_)
        | Payload::RegionalEventHeld(_)
        | Payload::MunicipalEventHeld(_)
        | Payload::ManagementTeamTrained(_)
        | Payload::TargetSet(_)
        | Payload::TargetWithdrawn(_)
        | Payload::FigureReported(_) => record_learning(state, recorded, on, payload),
        Payload::RecommendationIssued(_) | Payload::ManagementDecisionRecorded(_) => {
            decision::record(&mut state.decisions, recorded, ctx.basis.clone(), payload)
                .then_some(FactKey::Decision)
        }
        Payload::PlanCreated(_)
        | Payload::PlanApproved(_)
        | Payload::PlanSectionAdded(_)
        | Payload::ActivityAdded(_)
        | Payload::ActivityAmended(_)
        | Payload::ActivityExecutionReported(_)
        | Payload::ActivityCancelled(_)
        | Payload::PlanAmended(_)
        | Payload::PlanSuperseded(_)
        | Payload::PlanRevoked(_)
        | Payload::PlanAgreed(_)
        | Payload::EventRetracted(_)
        | Payload::EventCorrected(_) => None,
        Payload::RegisterEntryRecorded(fact) => {
            state.registers.record(recorded, on, EntryChange::Recorded(fact.clone()));
            Some(FactKey::Register)
        }
        Payload::RegisterEntryExcluded(fact) => {
            state.registers.record(recorded, on, EntryChange::Excluded(fact.clone()));
            Some(FactKey::Register)
        }
        Payload::RegisterIntervalSet(fact) => {
            state.registers.interval(recorded, on, fact.register, fact.months);
            Some(FactKey::Register)
        }
        Payload::ReportingPeriodOpened(_)
        | Payload::ReportingPeriodExtended(_)
        | Payload::ReportingPeriodClosed(_)
        | Payload::FiguresSubmitted(_)
        | Payload::SubmissionAccepted(_)
        | Payload::SubmissionReturned(_) => {
            state.cycle.record(recorded, on, payload).then_some(FactKey::Cycle)
        }
    };
    state.origins.insert(id, Origin { seq, effective: ctx.effective, key, retracted_at: None });
}

/// Records a registry fact (municipalities, organisations, programs, procedures); its key.
fn record_registry(
    state: &mut State,
    recorded: Recorded,
    on: Date,
    payload: &Payload,
) -> Option<FactKey> {
    match payload {
        Payload::MunicipalityRegistered(fact) => {
            let key = RegistryKey::Municipality(fact.municipality.clone());
            state.registry.municipality(recorded, on, fact.clone());
            Some(FactKey::Registry(key))
        }
        Payload::OrganisationRegistered(fact) => {
            let key = RegistryKey::Organisation(fact.organisation.clone());
            state.registry.organisation(recorded, on, fact.clone());
            Some(FactKey::Registry(key))
        }
        Payload::OrganisationStatusChanged(fact) => {
            let org = state.registry.organisations.entry(fact.organisation.clone()).or_default();
            org.statuses.insert(recorded, fact.valid_from, fact.clone());
            Some(FactKey::Registry(RegistryKey::Organisation(fact.organisation.clone())))
        }
        Payload::ProgramRegistered(fact) => {
            let key = RegistryKey::Program(fact.program.clone());
            state.registry.program(recorded, on, fact.clone());
            Some(FactKey::Registry(key))
        }
        Payload::ProgramRegisterIncluded(fact) => {
            state.registry.register(recorded, fact.program.clone(), fact.included_on, true);
            Some(FactKey::Registry(RegistryKey::Program(fact.program.clone())))
        }
        Payload::ProgramRegisterRemoved(fact) => {
            state.registry.register(recorded, fact.program.clone(), fact.removed_on, false);
            Some(FactKey::Registry(RegistryKey::Program(fact.program.clone())))
        }
        Payload::DiagnosticProcedureRegistered(fact) => {
            let key = RegistryKey::Procedure(fact.procedure.clone());
            state.registry.procedure(recorded, on, fact.clone());
            Some(FactKey::Registry(key))
        }
        _ => None,
    }
}

/// Records who works where and in what role (hires, moves, teams, support roles, methodists);
/// its key. `at` is the seq anomalies are reported at.
fn record_people(
    state: &mut State,
    recorded: Recorded,
    on: Date,
    at: u64,
    payload: &Payload,
) -> Option<FactKey> {
    match payload {
        Payload::TeacherHired(fact) => {
            let change = EmploymentChange::Hired {
                organisation: fact.organisation.clone(),
                position: fact.position.clone(),
                career_start: fact.career_start,
                birth_year: fact.birth_year,
            };
            state.registry.employment(recorded, on, fact.teacher.clone(), change);
            Some(FactKey::Registry(RegistryKey::Teacher(fact.teacher.clone())))
        }
        Payload::TeacherMoved(fact) => {
            if state.registry.employment_on(&fact.teacher, on).map(|e| e.organisation.clone())
                != Some(fact.from_organisation.clone())
            {
                let message = format!(
                    "teacher {} moved from {} but is not employed there on {on}",
                    fact.teacher, fact.from_organisation
                );
                anomaly(state, at, message);
            }
            let change = EmploymentChange::Moved {
                organisation: fact.to_organisation.clone(),
                position: fact.position.clone(),
            };
            state.registry.employment(recorded, on, fact.teacher.clone(), change);
            Some(FactKey::Registry(RegistryKey::Teacher(fact.teacher.clone())))
        }
        Payload::TeacherLeft(fact) => {
            let change = EmploymentChange::Left;
            state.registry.employment(recorded, on, fact.teacher.clone(), change);
            Some(FactKey::Registry(RegistryKey::Teacher(fact.teacher.clone())))
        }
        Payload::ManagementTeamMemberAdded(fact) => {
            let change = (fact.teacher.clone(), true);
            state.registry.team(recorded, on, fact.organisation.clone(), change);
            Some(FactKey::Registry(RegistryKey::Organisation(fact.organisation.clone())))
        }
        Payload::ManagementTeamMemberRemoved(fact) => {
            let change = (fact.teacher.clone(), false);
            state.registry.team(recorded, on, fact.organisation.clone(), change);
            Some(FactKey::Registry(RegistryKey::Organisation(fact.organisation.clone())))
        }
        Payload::RoleAssigned(fact) => {
            let change = RoleChange {
                role: fact.role,
                municipality: fact.municipality.clone(),
                assigned: true,
            };
            state.registry.role(recorded, on, fact.person.clone(), change);
            Some(FactKey::Registry(RegistryKey::Person(fact.person.clone())))
        }
        Payload::RoleEnded(fact) => {
            let change = RoleChange {
                role: fact.role,
                municipality: fact.municipality.clone(),
                assigned: false,
            };
            state.registry.role(recorded, on, fact.person.clone(), change);
            Some(FactKey::Registry(RegistryKey::Person(fact.person.clone())))
        }
        Payload::TeacherAssignedToMethodist(fact) => {
            let change = (fact.methodist.clone(), true);
            state.registry.methodist(recorded, on, fact.teacher.clone(), change);
            Some(FactKey::Registry(RegistryKey::Teacher(fact.teacher.clone())))
        }
        Payload::TeacherUnassignedFromMethodist(fact) => {
            let change = (fact.methodist.clone(), false);
            state.registry.methodist(recorded, on, fact.teacher.clone(), change);
            Some(FactKey::Registry(RegistryKey::Teacher(fact.teacher.clone())))
        }
        _ => None,
    }
}

/// Records what teachers learn and how they are supported, targets and reported figures; its key.
fn record_learning(
    state: &mut State,
    recorded: Recorded,
    on: Date,
    payload: &Payload,
) -> Option<FactKey> {
    match payload {
        Payload::DiagnosticRecorded(fact) => {
            state.learning.diagnostic(recorded, fact.clone());
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteOpened(fact) => {
            let change = RouteChange::Opened { route: fact.route.clone() };
            state.learning.route(recorded, on, fact.teacher.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteStepPlanned(fact) => {
            let change = RouteChange::StepPlanned {
                route: fact.route.clone(),
                program: fact.program.clone(),
            };
            state.learning.route(recorded, on, fact.teacher.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteSupportAssigned(fact) => {
            let change = RouteChange::Support {
                route: fact.route.clone(),
                supporter: fact.supporter.clone(),
                role: fact.role,
            };
            state.learning.route(recorded, on, fact.teacher.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteClosed(fact) => {
            let change = RouteChange::Closed { route: fact.route.clone() };
            state.learning.route(recorded, on, fact.teacher.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteStepCompleted(_) => None,
        Payload::CourseCompleted(fact) => {
            state.learning.completion(recorded, fact.clone());
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::CourseEnrolled(fact) => {
            state.learning.enrolment(recorded, fact.clone());
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::MentoringPairFormed(fact) => {
            let change = PairChange::Formed {
                pair: fact.pair.clone(),
                organisation: fact.organisation.clone(),
            };
            state.learning.pair(recorded, on, fact.mentee.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.mentee.clone())))
        }
        Payload::MentoringPairEnded(fact) => {
            let change = PairChange::Ended { pair: fact.pair.clone() };
            state.learning.pair(recorded, on, fact.mentee.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.mentee.clone())))
        }
        Payload::ParticipationRecorded(fact) => {
            state.learning.participation(recorded, fact.clone());
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::MunicipalEventHeld(fact) => {
            state.learning.municipal_event(recorded, fact.clone());
            Some(FactKey::Learning(LearningKey::MunicipalEvent))
        }
        Payload::RegionalEventHeld(fact) => {
            state.learning.regional_event(recorded, fact.clone());
            Some(FactKey::Learning(LearningKey::RegionalEvent))
        }
        Payload::ManagementTeamTrained(fact) => {
            let (org, program) = (fact.organisation.clone(), fact.program.clone());
            state.learning.team_trained(recorded, fact.trained_on, org.clone(), program);
            Some(FactKey::Learning(LearningKey::TeamTrained(org)))
        }
        Payload::TargetSet(fact) => {
            state.targets.entry(fact.indicator).or_default().insert(recorded, on, fact.clone());
            Some(FactKey::Target(fact.indicator))
        }
        Payload::TargetWithdrawn(fact) => {
            let withdrawals = state.target_withdrawals.entry(fact.indicator).or_default();
            withdrawals.insert(recorded, on, fact.clone());
            Some(FactKey::TargetWithdrawal(fact.indicator))
        }
        Payload::FigureReported(fact) => {
            state.reports.insert(recorded, fact.valid_on, fact.clone());
            Some(FactKey::Report)
        }
        _ => None,
    }
}
