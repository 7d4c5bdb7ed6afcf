//! `RegistryIndex`: the minimal facts the command gate needs to check references, uniqueness and
//! scopes, folded from the events, with a journal so a rejected batch leaves it unchanged.
//!
//! One map from a typed key to a small fact keeps it compact (tens of bytes per entity, nothing
//! per event): event ids are not indexed, because correction targets are read from the store.
//! Corrections are folded as their replacement payload (an upsert of the same entity, since a
//! replacement must stay in its target's stream); retractions only mark the target, so a
//! retracted registration still counts as existing (the conservative reading).
//!
//! The index is stored in gate snapshots (`gate_snapshot`): a change of `Key`, `Fact` or of what
//! `apply` folds is a `GATE_SNAPSHOT_FORMAT` bump, or a restarted server would start from an
//! index this build would not have folded.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use proto_events::vocabulary::{
    IndicatorCode, Payload, PlanLevel, ProcedureLevel, Scope, SupportSystemRole,
};
use proto_events::{ActorRole, Basis, Date, EventId};

use crate::access::{PlanFacts, Registry};
use crate::commands::cycle::{self, PeriodFacts};

/// What an entity is, by its id.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub(crate) enum Key {
    Municipality(String),
    Organisation(String),
    Teacher(String),
    Program(String),
    Procedure(String),
    Diagnostic(String),
    Route(String),
    Step(String, String),
    Person(String),
    Plan(String),
    Section(String, String),
    Activity(String, String),
    Pair(String),
    Report(String),
    Completion(String),
    RegionalEvent(String),
    Enrolment(String),
    MunicipalEvent(String),
    /// An entry of a regional register: the register and the entry.
    RegisterEntry(String, String),
    /// A target set: indicator, scope, and the act as kind, number and date.
    Target(String, String, String),
    /// A reporting period.
    Period(String),
    /// A retracted event.
    Retracted(EventId),
    /// A recommendation or a management decision, by id.
    Decision(String),
}

/// The minimal facts about an entity.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub(crate) enum Fact {
    Exists,
    Organisation {
        municipality: Option<String>,
    },
    /// `organisation` is the current one, or the last one once the teacher has left;
    /// `changed_on` the latest valid date of a hire, move or departure (what a scoped role's
    /// hire must come after, `access::may_date_hire`).
    Teacher {
        organisation: String,
        employed: bool,
        changed_on: Option<Date>,
    },
    Procedure {
        competences: BTreeSet<String>,
    },
    Diagnostic {
        teacher: String,
        procedure: String,
    },
    Route {
        teacher: String,
        procedure: String,
        closed: bool,
    },
    Person {
        roles: BTreeSet<SupportSystemRole>,
    },
    /// `municipality` is the owning municipality when one created it or its owner names one.
    /// `period` is the first and last year, for dating terms that name no year.
    Plan {
        level: PlanLevel,
        municipality: Option<String>,
        organisation: Option<String>,
        period: (u16, u16),
    },
    Activity {
        cancelled: bool,
    },
    Pair {
        mentee: String,
        organisation: String,
    },
    /// A recommendation (`true`) or a management decision (`false`).
    Decision {
        recommendation: bool,
    },
    Period(PeriodFacts),
}

/// The gate's state; see the module documentation.
#[derive(Default)]
pub struct RegistryIndex {
    facts: HashMap<Key, Fact>,
    journal: Option<Vec<(Key, Option<Fact>)>>,
}

impl RegistryIndex {
    /// Number of entities known (for logs and tests).
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    pub(crate) fn get(&self, key: &Key) -> Option<&Fact> {
        self.facts.get(key)
    }

    pub(crate) fn contains(&self, key: &Key) -> bool {
        self.facts.contains_key(key)
    }

    /// Every entity with its fact, sorted by key (what a gate snapshot stores).
    pub(crate) fn entries(&self) -> Vec<(&Key, &Fact)> {
        let mut entries: Vec<(&Key, &Fact)> = self.facts.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries
    }

    /// An index holding exactly these entities (read back from a gate snapshot).
    pub(crate) fn from_entries(entries: Vec<(Key, Fact)>) -> RegistryIndex {
        RegistryIndex { facts: entries.into_iter().collect(), journal: None }
    }

    /// Starts recording changes so that `rollback` can undo them.
    pub(crate) fn begin(&mut self) {
        self.journal = Some(Vec::new());
    }

    /// Keeps the changes since `begin`.
    pub(crate) fn commit(&mut self) {
        self.journal = None;
    }

    /// Undoes the changes since `begin`, newest first.
    pub(crate) fn rollback(&mut self) {
        if let Some(journal) = self.journal.take() {
            for (key, old) in journal.into_iter().rev() {
                match old {
                    Some(fact) => self.facts.insert(key, fact),
                    None => self.facts.remove(&key),
                };
            }
        }
    }

    fn put(&mut self, key: Key, fact: Fact) {
        let old = self.facts.insert(key.clone(), fact);
        if let Some(journal) = &mut self.journal {
            journal.push((key, old));
        }
    }

    fn update(&mut self, key: &Key, change: impl FnOnce(&mut Fact)) {
        if let Some(fact) = self.facts.get(key) {
            let mut fact = fact.clone();
            change(&mut fact);
            self.put(key.clone(), fact);
        }
    }

    pub(crate) fn mark_retracted(&mut self, target: EventId) {
        self.put(Key::Retracted(target), Fact::Exists);
    }

    /// Folds one fact, recorded by `creator` and dated `on` (the envelope's valid date).
    /// Infallible: references were checked before, and history written without the gate is
    /// folded as far as it makes sense.
    pub(crate) fn apply(&mut self, payload: &Payload, creator: &ActorRole, on: Option<Date>) {
        match payload {
            Payload::MunicipalityRegistered(p) => {
                self.put(Key::Municipality(p.municipality.to_string()), Fact::Exists)
            }
            Payload::OrganisationRegistered(p) => self.put(
                Key::Organisation(p.organisation.to_string()),
                Fact::Organisation { municipality: p.municipality.as_ref().map(|m| m.to_string()) },
            ),
            Payload::ProgramRegistered(p) => {
                self.put(Key::Program(p.program.to_string()), Fact::Exists)
            }
            Payload::DiagnosticProcedureRegistered(p) => {
                let competences = p.competences.iter().map(|c| c.to_string()).collect();
                // Self-diagnosis may measure anything; an empty list means "not catalogued".
                let competences = if p.level == ProcedureLevel::SelfDiagnosis {
                    BTreeSet::new()
                } else {
                    competences
                };
                self.put(Key::Procedure(p.procedure.to_string()), Fact::Procedure { competences })
            }
            Payload::TeacherHired(p) => {
                self.employ(p.teacher.as_str(), p.organisation.as_str(), on)
            }
            Payload::TeacherMoved(p) => {
                self.employ(p.teacher.as_str(), p.to_organisation.as_str(), on)
            }
            Payload::TeacherLeft(p) => {
                self.update(&Key::Teacher(p.teacher.to_string()), |fact| {
                    if let Fact::Teacher { employed, changed_on, .. } = fact {
                        *employed = false;
                        *changed_on = (*changed_on).max(on);
                    }
                });
            }
            Payload::RoleAssigned(_)
            | Payload::RoleEnded(_)
            | Payload::DiagnosticRecorded(_)
            | Payload::RouteOpened(_)
            | Payload::RouteStepPlanned(_)
            | Payload::RouteClosed(_) => self.apply_people_and_routes(payload),
            Payload::CourseCompleted(p) => {
                self.put(Key::Completion(p.completion.to_string()), Fact::Exists)
            }
            Payload::CourseEnrolled(p) => {
                self.put(Key::Enrolment(p.enrolment.to_string()), Fact::Exists)
            }
            Payload::TargetSet(p) => {
                self.put(target_key(p.indicator, &p.scope, &p.act), Fact::Exists)
            }
            Payload::MentoringPairFormed(p) => self.put(
                Key::Pair(p.pair.to_string()),
                Fact::Pair {
                    mentee: p.mentee.to_string(),
                    organisation: p.organisation.to_string(),
                },
            ),
            Payload::RegisterEntryRecorded(p) => self
                .put(Key::RegisterEntry(p.register.to_string(), p.entry.to_string()), Fact::Exists),
            Payload::RegisterEntryExcluded(_) | Payload::RegisterIntervalSet(_) => {}
            Payload::MunicipalEventHeld(p) => {
                self.put(Key::MunicipalEvent(p.event.to_string()), Fact::Exists)
            }
            Payload::RegionalEventHeld(p) => {
                self.put(Key::RegionalEvent(p.event.to_string()), Fact::Exists)
            }
            Payload::PlanCreated(_)
            | Payload::PlanSectionAdded(_)
            | Payload::ActivityAdded(_)
            | Payload::ActivityCancelled(_) => self.apply_plan(payload, creator),
            Payload::FigureReported(p) => self.put(Key::Report(p.report.to_string()), Fact::Exists),
            Payload::PlanAmended(_) => self.apply_plan(payload, creator),
            Payload::RecommendationIssued(p) => self.put(
                Key::Decision(p.recommendation.to_string()),
                Fact::Decision { recommendation: true },
            ),
            Payload::ManagementDecisionRecorded(p) => self.put(
                Key::Decision(p.decision.to_string()),
                Fact::Decision { recommendation: false },
            ),
            Payload::EventCorrected(p) => {
                if let Ok(replacement) = p.replacement.payload() {
                    self.apply(&replacement, creator, on);
                }
            }
            Payload::EventRetracted(p) => self.mark_retracted(p.target),
            Payload::ReportingPeriodOpened(_)
            | Payload::ReportingPeriodExtended(_)
            | Payload::ReportingPeriodClosed(_)
            | Payload::FiguresSubmitted(_)
            | Payload::SubmissionAccepted(_)
            | Payload::SubmissionReturned(_) => {
                let current = cycle::period_key(payload).and_then(|key| self.facts.get(&key));
                if let Some((key, fact)) = cycle::fold(current, payload) {
                    self.put(key, fact);
                }
            }
            Payload::OrganisationStatusChanged(_)
            | Payload::ProgramRegisterIncluded(_)
            | Payload::ProgramRegisterRemoved(_)
            | Payload::ManagementTeamMemberAdded(_)
            | Payload::ManagementTeamMemberRemoved(_)
            | Payload::TeacherAssignedToMethodist(_)
            | Payload::TeacherUnassignedFromMethodist(_)
            | Payload::RouteSupportAssigned(_)
            | Payload::RouteStepCompleted(_)
            | Payload::MentoringPairEnded(_)
            | Payload::ParticipationRecorded(_)
            | Payload::ManagementTeamTrained(_)
            | Payload::PlanApproved(_)
            | Payload::ActivityAmended(_)
            | Payload::ActivityExecutionReported(_)
            | Payload::TargetWithdrawn(_)
            | Payload::PlanSuperseded(_)
            | Payload::PlanRevoked(_)
            | Payload::PlanAgreed(_) => {}
        }
    }

    /// A hire or a move of `teacher` to `organisation` dated `on`.
    fn employ(&mut self, teacher: &str, organisation: &str, on: Option<Date>) {
        let key = Key::Teacher(teacher.to_string());
        let changed_on = match self.facts.get(&key) {
            Some(Fact::Teacher { changed_on, .. }) => (*changed_on).max(on),
            _ => on,
        };
        self.put(
            key,
            Fact::Teacher { organisation: organisation.to_string(), employed: true, changed_on },
        );
    }

    /// `apply` of the support system's roles, diagnostics and routes.
    fn apply_people_and_routes(&mut self, payload: &Payload) {
        match payload {
            Payload::RoleAssigned(p) => {
                let key = Key::Person(p.person.to_string());
                let mut roles = match self.facts.get(&key) {
                    Some(Fact::Person { roles }) => roles.clone(),
                    _ => BTreeSet::new(),
                };
                roles.insert(p.role);
                self.put(key, Fact::Person { roles });
            }
            Payload::RoleEnded(p) => self.update(&Key::Person(p.person.to_string()), |fact| {
                if let Fact::Person { roles } = fact {
                    roles.remove(&p.role);
                }
            }),
            Payload::DiagnosticRecorded(p) => self.put(
                Key::Diagnostic(p.diagnostic.to_string()),
                Fact::Diagnostic {
                    teacher: p.teacher.to_string(),
                    procedure: p.procedure.to_string(),
                },
            ),
            Payload::RouteOpened(p) => {
                let procedure = match self.facts.get(&Key::Diagnostic(p.diagnostic.to_string())) {
                    Some(Fact::Diagnostic { procedure, .. }) => procedure.clone(),
                    _ => String::new(),
                };
                self.put(
                    Key::Route(p.route.to_string()),
                    Fact::Route { teacher: p.teacher.to_string(), procedure, closed: false },
                )
            }
            Payload::RouteStepPlanned(p) => {
                self.put(Key::Step(p.route.to_string(), p.step.to_string()), Fact::Exists)
            }
            Payload::RouteClosed(p) => self.update(&Key::Route(p.route.to_string()), |fact| {
                // Completed or abandoned, a closed route takes no more steps.
                if let Fact::Route { closed, .. } = fact {
                    *closed = true;
                }
            }),
            _ => {}
        }
    }

    /// `apply` of plans, their sections and activities.
    fn apply_plan(&mut self, payload: &Payload, creator: &ActorRole) {
        match payload {
            Payload::PlanCreated(p) => {
                let (municipality, organisation) = plan_owner(p.level, &p.owner, creator);
                self.put(
                    Key::Plan(p.plan.to_string()),
                    Fact::Plan {
                        level: p.level,
                        municipality,
                        organisation,
                        period: (p.period_from_year, p.period_to_year),
                    },
                )
            }
            Payload::PlanSectionAdded(p) => {
                self.put(Key::Section(p.plan.to_string(), p.section.to_string()), Fact::Exists)
            }
            Payload::ActivityAdded(p) => self.put(
                Key::Activity(p.plan.to_string(), p.activity.to_string()),
                Fact::Activity { cancelled: false },
            ),
            Payload::ActivityCancelled(p) => self.put(
                Key::Activity(p.plan.to_string(), p.activity.to_string()),
                Fact::Activity { cancelled: true },
            ),
            // Terms that name no year are dated by the period as amended since.
            Payload::PlanAmended(p) => {
                self.update(&Key::Plan(p.plan.to_string()), |fact| {
                    if let Fact::Plan { period, .. } = fact {
                        period.0 = p.period_from_year.unwrap_or(period.0);
                        period.1 = p.period_to_year.unwrap_or(period.1);
                    }
                });
            }
            _ => {}
        }
    }
}

/// What the access rules read of the gate's state (`access::may_record`, `access::covers`).
impl Registry for RegistryIndex {
    fn municipality_of(&self, organisation: &str) -> Option<&str> {
        match self.facts.get(&Key::Organisation(organisation.to_string())) {
            Some(Fact::Organisation { municipality }) => municipality.as_deref(),
            _ => None,
        }
    }

    fn is_organisation(&self, organisation: &str) -> bool {
        self.facts.contains_key(&Key::Organisation(organisation.to_string()))
    }

    fn employer_of(&self, teacher: &str) -> Option<&str> {
        match self.facts.get(&Key::Teacher(teacher.to_string())) {
            Some(Fact::Teacher { organisation, .. }) => Some(organisation),
            _ => None,
        }
    }

    fn employment_changed_on(&self, teacher: &str) -> Option<Date> {
        match self.facts.get(&Key::Teacher(teacher.to_string())) {
            Some(Fact::Teacher { changed_on, .. }) => *changed_on,
            _ => None,
        }
    }

    fn plan(&self, plan: &str) -> Option<PlanFacts<'_>> {
        match self.facts.get(&Key::Plan(plan.to_string())) {
            Some(Fact::Plan { level, municipality, .. }) => {
                Some(PlanFacts { level: *level, municipality: municipality.as_deref() })
            }
            _ => None,
        }
    }

    fn pair_organisation(&self, pair: &str) -> Option<&str> {
        match self.facts.get(&Key::Pair(pair.to_string())) {
            Some(Fact::Pair { organisation, .. }) => Some(organisation),
            _ => None,
        }
    }
}

/// Who owns a plan: the creating municipality or organisation, else one named in `owner` as
/// `municipality:<code>` / `organisation:<id>`.
pub fn plan_owner(
    level: PlanLevel,
    owner: &str,
    creator: &ActorRole,
) -> (Option<String>, Option<String>) {
    match creator {
        ActorRole::Municipality(code) => return (Some(code.clone()), None),
        ActorRole::Organisation(id) => return (None, Some(id.clone())),
        _ => {}
    }
    match (level, owner.trim().split_once(':')) {
        (PlanLevel::Municipal, Some(("municipality", code))) => (Some(code.to_string()), None),
        (PlanLevel::Organisation, Some(("organisation", id))) => (None, Some(id.to_string())),
        _ => (None, None),
    }
}

/// The key of the target an act set for an indicator and a scope (what `target_withdrawn` names).
pub(crate) fn target_key(indicator: IndicatorCode, scope: &Scope, act: &Basis) -> Key {
    Key::Target(
        indicator.as_str().to_string(),
        scope.to_string(),
        format!("{}\u{1f}{}\u{1f}{}", act.kind, act.number, act.date),
    )
}
