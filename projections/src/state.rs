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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{FigureReported, IndicatorCode, Payload, TargetSet};
use proto_events::{Date, Effective, Envelope, EventId, Seq};

use crate::context::EventContext;
use crate::learning::{Learning, LearningKey, PairChange, RouteChange};
use crate::plan::Plans;
use crate::registry::{EmploymentChange, Registry, RegistryKey, RoleChange};
use crate::teacher_route::Routes;

/// Bumped whenever the shape or meaning of `State` changes: stored snapshots of another version
/// are ignored and rebuilt.
pub const FOLD_VERSION: u32 = 1;

/// An event inconsistent with the state so far: recorded as data, never an error or a panic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// Where.
    pub seq: u64,
    /// What.
    pub message: String,
}

/// One recorded fact: the seq of the event that recorded it, its valid date and the value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact<T> {
    /// Seq of the recording event (for a correction: of the original event).
    pub seq: u64,
    /// Valid date.
    pub on: Date,
    /// The fact.
    pub value: T,
}

/// Facts keyed by the id of the event that recorded them.
pub type Facts<T> = BTreeMap<EventId, Fact<T>>;

/// Where an applied event's fact lives, so a retraction or correction can find it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Seq of the event.
    pub seq: u64,
    /// Its effective time (a correction re-applies under it).
    pub effective: Effective,
    /// The entity its fact lives under (None for kinds only the plan projection keeps).
    pub key: Option<FactKey>,
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
    /// A figure report.
    Report,
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
    /// Figure reports.
    pub reports: Facts<FigureReported>,
    /// Plans (the plan projection).
    pub plans: Plans,
    /// Teachers' routes in full detail (the teacher-route projection).
    pub routes: Routes,
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
            if !retract(state, &retracted.target) {
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
            let Some(origin) = state.origins.get(&corrected.target).cloned() else {
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
            retract(state, &corrected.target);
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

/// Removes the fact recorded by `target` from every sub-state; false when it was not found.
pub fn retract(state: &mut State, target: &EventId) -> bool {
    state.plans.retract(target);
    state.routes.retract(target);
    let Some(origin) = state.origins.remove(target) else { return false };
    match &origin.key {
        Some(FactKey::Registry(key)) => {
            state.registry.retract_at(key, target);
        }
        Some(FactKey::Learning(key)) => {
            state.learning.retract_at(key, target);
        }
        Some(FactKey::Target(code)) => {
            if let Some(facts) = state.targets.get_mut(code) {
                facts.remove(target);
            }
        }
        Some(FactKey::Report) => {
            state.reports.remove(target);
        }
        None => {}
    }
    true
}

/// Facts in (valid date, seq) order.
pub fn ordered<T>(facts: &Facts<T>) -> Vec<&Fact<T>> {
    let mut list: Vec<&Fact<T>> = facts.values().collect();
    list.sort_by_key(|fact| (fact.on, fact.seq));
    list
}

/// Facts with their ids in (valid date, seq) order.
pub fn ordered_with_ids<T>(facts: &Facts<T>) -> Vec<(&EventId, &Fact<T>)> {
    let mut list: Vec<(&EventId, &Fact<T>)> = facts.iter().collect();
    list.sort_by_key(|(_, fact)| (fact.on, fact.seq));
    list
}

/// Stores a fact under its event id.
pub fn insert<T>(facts: &mut Facts<T>, id: EventId, seq: u64, on: Date, value: T) {
    facts.insert(id, Fact { seq, on, value });
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
    let key = match payload {
        Payload::MunicipalityRegistered(fact) => {
            let key = RegistryKey::Municipality(fact.municipality.clone());
            state.registry.municipality(id, seq, on, fact.clone());
            Some(FactKey::Registry(key))
        }
        Payload::OrganisationRegistered(fact) => {
            let key = RegistryKey::Organisation(fact.organisation.clone());
            state.registry.organisation(id, seq, on, fact.clone());
            Some(FactKey::Registry(key))
        }
        Payload::OrganisationStatusChanged(fact) => {
            let org = state.registry.organisations.entry(fact.organisation.clone()).or_default();
            insert(&mut org.statuses, id, seq, fact.valid_from, fact.clone());
            Some(FactKey::Registry(RegistryKey::Organisation(fact.organisation.clone())))
        }
        Payload::ProgramRegistered(fact) => {
            let key = RegistryKey::Program(fact.program.clone());
            state.registry.program(id, seq, on, fact.clone());
            Some(FactKey::Registry(key))
        }
        Payload::ProgramRegisterIncluded(fact) => {
            state.registry.register(id, seq, fact.program.clone(), fact.included_on, true);
            Some(FactKey::Registry(RegistryKey::Program(fact.program.clone())))
        }
        Payload::ProgramRegisterRemoved(fact) => {
            state.registry.register(id, seq, fact.program.clone(), fact.removed_on, false);
            Some(FactKey::Registry(RegistryKey::Program(fact.program.clone())))
        }
        Payload::DiagnosticProcedureRegistered(fact) => {
            let key = RegistryKey::Procedure(fact.procedure.clone());
            state.registry.procedure(id, seq, on, fact.clone());
            Some(FactKey::Registry(key))
        }
        Payload::TeacherHired(fact) => {
            let change = EmploymentChange::Hired {
                organisation: fact.organisation.clone(),
                position: fact.position.clone(),
                career_start: fact.career_start,
                birth_year: fact.birth_year,
            };
            state.registry.employment(id, seq, on, fact.teacher.clone(), change);
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
            state.registry.employment(id, seq, on, fact.teacher.clone(), change);
            Some(FactKey::Registry(RegistryKey::Teacher(fact.teacher.clone())))
        }
        Payload::TeacherLeft(fact) => {
            let change = EmploymentChange::Left;
            state.registry.employment(id, seq, on, fact.teacher.clone(), change);
            Some(FactKey::Registry(RegistryKey::Teacher(fact.teacher.clone())))
        }
        Payload::ManagementTeamMemberAdded(fact) => {
            let change = (fact.teacher.clone(), true);
            state.registry.team(id, seq, on, fact.organisation.clone(), change);
            Some(FactKey::Registry(RegistryKey::Organisation(fact.organisation.clone())))
        }
        Payload::ManagementTeamMemberRemoved(fact) => {
            let change = (fact.teacher.clone(), false);
            state.registry.team(id, seq, on, fact.organisation.clone(), change);
            Some(FactKey::Registry(RegistryKey::Organisation(fact.organisation.clone())))
        }
        Payload::RoleAssigned(fact) => {
            let change = RoleChange {
                role: fact.role,
                municipality: fact.municipality.clone(),
                assigned: true,
            };
            state.registry.role(id, seq, on, fact.person.clone(), change);
            Some(FactKey::Registry(RegistryKey::Person(fact.person.clone())))
        }
        Payload::RoleEnded(fact) => {
            let change = RoleChange {
                role: fact.role,
                municipality: fact.municipality.clone(),
                assigned: false,
            };
            state.registry.role(id, seq, on, fact.person.clone(), change);
            Some(FactKey::Registry(RegistryKey::Person(fact.person.clone())))
        }
        Payload::TeacherAssignedToMethodist(fact) => {
            let change = (fact.methodist.clone(), true);
            state.registry.methodist(id, seq, on, fact.teacher.clone(), change);
            Some(FactKey::Registry(RegistryKey::Teacher(fact.teacher.clone())))
        }
        Payload::TeacherUnassignedFromMethodist(fact) => {
            let change = (fact.methodist.clone(), false);
            state.registry.methodist(id, seq, on, fact.teacher.clone(), change);
            Some(FactKey::Registry(RegistryKey::Teacher(fact.teacher.clone())))
        }
        Payload::DiagnosticRecorded(fact) => {
            state.learning.diagnostic(id, seq, fact.clone());
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteOpened(fact) => {
            let change = RouteChange::Opened { route: fact.route.clone() };
            state.learning.route(id, seq, on, fact.teacher.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteStepPlanned(fact) => {
            let change = RouteChange::StepPlanned {
                route: fact.route.clone(),
                program: fact.program.clone(),
            };
            state.learning.route(id, seq, on, fact.teacher.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteSupportAssigned(fact) => {
            let change = RouteChange::Support {
                route: fact.route.clone(),
                supporter: fact.supporter.clone(),
                role: fact.role,
            };
            state.learning.route(id, seq, on, fact.teacher.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteClosed(fact) => {
            let change = RouteChange::Closed { route: fact.route.clone() };
            state.learning.route(id, seq, on, fact.teacher.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RouteStepCompleted(_) => None,
        Payload::CourseCompleted(fact) => {
            state.learning.completion(id, seq, fact.clone());
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::MentoringPairFormed(fact) => {
            let change = PairChange::Formed {
                pair: fact.pair.clone(),
                organisation: fact.organisation.clone(),
            };
            state.learning.pair(id, seq, on, fact.mentee.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.mentee.clone())))
        }
        Payload::MentoringPairEnded(fact) => {
            let change = PairChange::Ended { pair: fact.pair.clone() };
            state.learning.pair(id, seq, on, fact.mentee.clone(), change);
            Some(FactKey::Learning(LearningKey::Teacher(fact.mentee.clone())))
        }
        Payload::ParticipationRecorded(fact) => {
            state.learning.participation(id, seq, fact.clone());
            Some(FactKey::Learning(LearningKey::Teacher(fact.teacher.clone())))
        }
        Payload::RegionalEventHeld(fact) => {
            state.learning.regional_event(id, seq, fact.clone());
            Some(FactKey::Learning(LearningKey::RegionalEvent))
        }
        Payload::ManagementTeamTrained(fact) => {
            let (org, program) = (fact.organisation.clone(), fact.program.clone());
            state.learning.team_trained(id, seq, fact.trained_on, org.clone(), program);
            Some(FactKey::Learning(LearningKey::TeamTrained(org)))
        }
        Payload::TargetSet(fact) => {
            insert(state.targets.entry(fact.indicator).or_default(), id, seq, on, fact.clone());
            Some(FactKey::Target(fact.indicator))
        }
        Payload::FigureReported(fact) => {
            insert(&mut state.reports, id, seq, fact.valid_on, fact.clone());
            Some(FactKey::Report)
        }
        Payload::PlanCreated(_)
        | Payload::PlanApproved(_)
        | Payload::PlanSectionAdded(_)
        | Payload::ActivityAdded(_)
        | Payload::ActivityAmended(_)
        | Payload::ActivityExecutionReported(_)
        | Payload::ActivityCancelled(_)
        | Payload::EventRetracted(_)
        | Payload::EventCorrected(_) => None,
    };
    state.origins.insert(id, Origin { seq, effective: ctx.effective, key });
}
