//! Who may record what: the role × kind matrix and the scope checks of municipalities and
//! organisations, decided against the gate's state so that scope cannot race with moves.
//!
//! | role | may record |
//! | --- | --- |
//! | system | everything (demo generator, import, migration) |
//! | ministry | targets; plan approval; regional and federal plans (create, sections, activities) |
//! | operator | registries, teachers, roles and methodists, diagnostics, routes, completions, mentoring, participations, regional events, regional plans (not approval), figure reports |
//! | municipality:<code> | organisations of its municipality and their status and management teams; teachers hired / moved / left within its organisations; its own municipal plans (incl. approval); figure reports for itself or its organisations |
//! | organisation:<id> | completions, participations and mentoring of its own teachers |
//! | auditor | nothing |
//!
//! An organisation's own teachers are those it employs or last employed (a completion may be
//! recorded after the teacher left). A teacher or a mentoring pair that is not its own (another
//! organisation's, or not registered at all) is refused here as one that is not registered
//! (`RejectionClass::UnknownReference`, with the reference checks' own field and rule), so that
//! both are refused at the same step whatever else the command holds. The mentor of a pair is not
//! bounded: a mentor may work in another organisation, and the pair counts for the organisation
//! that runs it wherever its mentee works. A municipality records about teachers only their
//! hire, move and departure within its organisations (the gate's refusals of those name no
//! employer outside its scope) and their membership of its organisations' management teams,
//! whose teacher is checked for existence only: a team may include someone whose main
//! employer is elsewhere (working there part-time). Every other kind about a teacher is refused
//! to it by the kind, whoever the teacher is.
//!
//! A retraction is authorised as the event it retracts; a correction as the event it corrects
//! and as its replacement (so it cannot move an event into the actor's scope). The gate answers
//! a municipality or organisation about a target it may not record exactly as about an event
//! that is not in the ledger (`RejectionClass::UnknownReference`), so that a scoped actor cannot
//! probe which event ids exist outside its scope; region-wide roles get the refusal itself.

use proto_events::vocabulary::{Payload, PlanLevel, Scope};
use proto_events::ActorRole;

use crate::commands::gate::{unknown_pair, unknown_teacher};
use crate::commands::index::{Fact, Key, RegistryIndex};
use crate::store::RejectionClass;

/// Why the gate refuses a payload: the class, the field that decides it, its value and the
/// rule. The class is set where the refusal is made (here `Forbidden`, or `UnknownReference`
/// for a teacher or pair outside an organisation's scope; the gate's reference checks
/// `UnknownReference`; its data rules `Invalid`) and travels with it to the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What the refusal is about: the role (or its scope), a missing referent, or the data.
    pub class: RejectionClass,
    /// Dotted path of the deciding field (`actor.role` when the kind itself is not allowed).
    pub field: String,
    /// Its value.
    pub value: String,
    /// The rule.
    pub rule: String,
}

impl Refusal {
    /// A refusal of the data (`RejectionClass::Invalid`).
    pub(crate) fn new(field: &str, value: impl ToString, rule: impl Into<String>) -> Refusal {
        Refusal::of(RejectionClass::Invalid, field, value, rule)
    }

    /// A refusal of a reference to something that does not exist
    /// (`RejectionClass::UnknownReference`).
    pub(crate) fn unknown(field: &str, value: impl ToString, rule: impl Into<String>) -> Refusal {
        Refusal::of(RejectionClass::UnknownReference, field, value, rule)
    }

    /// A refusal of the actor's role or scope (`RejectionClass::Forbidden`).
    pub(crate) fn forbidden(field: &str, value: impl ToString, rule: impl Into<String>) -> Refusal {
        Refusal::of(RejectionClass::Forbidden, field, value, rule)
    }

    fn of(
        class: RejectionClass,
        field: &str,
        value: impl ToString,
        rule: impl Into<String>,
    ) -> Refusal {
        Refusal { class, field: field.to_string(), value: value.to_string(), rule: rule.into() }
    }
}

/// Decides whether `role` may record `payload` given the current state. Refusals are of class
/// `Forbidden`, but for an organisation's reference to a teacher or a mentoring pair outside its
/// scope, or not registered at all: `UnknownReference`, as the reference checks refuse an
/// unknown one (see the module documentation). Other unknown references pass here: the
/// reference checks reject them with a clearer rule.
pub fn may_write(
    role: &ActorRole,
    payload: &Payload,
    index: &RegistryIndex,
) -> Result<(), Refusal> {
    decide(role, payload, index).map_err(|refusal| match refusal.class {
        RejectionClass::UnknownReference => refusal,
        _ => Refusal { class: RejectionClass::Forbidden, ..refusal },
    })
}

/// Whether the scope of `role` covers `organisation`, so that a refusal may name it as a
/// teacher's employer: a region-wide role's scope covers every organisation, a municipality's
/// its own organisations, an organisation's itself.
pub(crate) fn covers(role: &ActorRole, organisation: &str, index: &RegistryIndex) -> bool {
    match role {
        ActorRole::Municipality(code) => index.municipality_of_org(organisation) == Some(code),
        ActorRole::Organisation(id) => organisation == id,
        ActorRole::System | ActorRole::Operator | ActorRole::Ministry | ActorRole::Auditor => true,
    }
}

fn decide(role: &ActorRole, payload: &Payload, index: &RegistryIndex) -> Result<(), Refusal> {
    let kind_refused = || {
        Refusal::new(
            "actor.role",
            role,
            format!("роль {role} не может записывать события {}", payload.kind()),
        )
    };
    match role {
        ActorRole::System => Ok(()),
        ActorRole::Auditor => Err(Refusal::new(
            "actor.role",
            role,
            "аудитор только читает журнал и не записывает события",
        )),
        ActorRole::Ministry => match payload {
            Payload::TargetSet(_) | Payload::PlanApproved(_) => Ok(()),
            Payload::PlanCreated(p) => match p.level {
                PlanLevel::Regional | PlanLevel::Federal => Ok(()),
                _ => Err(Refusal::new(
                    "level",
                    format!("{:?}", p.level).to_lowercase(),
                    "министерство ведёт региональные и федеральные планы",
                )),
            },
            _ => match plan_of(payload) {
                Some(plan) => {
                    plan_level_in(index, plan, &[PlanLevel::Regional, PlanLevel::Federal]).map_err(
                        |_| {
                            Refusal::new(
                                "plan",
                                plan,
                                "министерство ведёт региональные и федеральные планы",
                            )
                        },
                    )
                }
                None => Err(kind_refused()),
            },
        },
        ActorRole::Operator => match payload {
            Payload::TargetSet(_) | Payload::PlanApproved(_) => Err(kind_refused()),
            Payload::PlanCreated(p) => match p.level {
                PlanLevel::Regional => Ok(()),
                _ => Err(Refusal::new(
                    "level",
                    format!("{:?}", p.level).to_lowercase(),
                    "оператор ведёт региональные планы",
                )),
            },
            Payload::EventRetracted(_) | Payload::EventCorrected(_) => Ok(()),
            _ => match plan_of(payload) {
                Some(plan) => plan_level_in(index, plan, &[PlanLevel::Regional])
                    .map_err(|_| Refusal::new("plan", plan, "оператор ведёт региональные планы")),
                None => Ok(()),
            },
        },
        ActorRole::Municipality(code) => municipality_may(code, payload, index, kind_refused),
        ActorRole::Organisation(id) => organisation_may(id, payload, index, kind_refused),
    }
}

fn municipality_may(
    code: &str,
    payload: &Payload,
    index: &RegistryIndex,
    kind_refused: impl Fn() -> Refusal,
) -> Result<(), Refusal> {
    let rule = || format!("не относится к ведению municipality:{code}");
    let org_in = |field: &str, org: &str| match index.municipality_of_org(org) {
        Some(found) if found != code => Err(Refusal::new(field, org, rule())),
        None if index.contains(&Key::Organisation(org.to_string())) => {
            Err(Refusal::new(field, org, rule()))
        }
        _ => Ok(()),
    };
    match payload {
        Payload::OrganisationRegistered(p) => match &p.municipality {
            Some(municipality) if municipality.as_str() == code => Ok(()),
            other => Err(Refusal::new(
                "municipality",
                other.as_ref().map_or("none".to_string(), |m| m.to_string()),
                rule(),
            )),
        },
        Payload::OrganisationStatusChanged(p) => org_in("organisation", p.organisation.as_str()),
        Payload::ManagementTeamMemberAdded(p) => org_in("organisation", p.organisation.as_str()),
        Payload::ManagementTeamMemberRemoved(p) => org_in("organisation", p.organisation.as_str()),
        Payload::TeacherHired(p) => org_in("organisation", p.organisation.as_str()),
        Payload::TeacherMoved(p) => {
            org_in("from_organisation", p.from_organisation.as_str())?;
            org_in("to_organisation", p.to_organisation.as_str())
        }
        Payload::TeacherLeft(p) => org_in("organisation", p.organisation.as_str()),
        Payload::FigureReported(p) => match &p.scope {
            Scope::Municipality(own) if own.as_str() == code => Ok(()),
            Scope::Organisation(org) => org_in("scope", org.as_str()),
            other => Err(Refusal::new("scope", other, rule())),
        },
        Payload::PlanCreated(p) => match p.level {
            // A plan already in the state is being retracted or corrected: only its owner may.
            PlanLevel::Municipal => match index.get(&Key::Plan(p.plan.to_string())) {
                Some(Fact::Plan { municipality: Some(owner), .. }) if owner == code => Ok(()),
                Some(_) => Err(Refusal::new("plan", &p.plan, rule())),
                None => Ok(()),
            },
            other => Err(Refusal::new(
                "level",
                format!("{other:?}").to_lowercase(),
                "муниципалитет ведёт муниципальные планы",
            )),
        },
        Payload::EventRetracted(_) | Payload::EventCorrected(_) => Ok(()),
        _ => match plan_of(payload) {
            Some(plan) => match index.get(&Key::Plan(plan.to_string())) {
                Some(Fact::Plan {
                    level: PlanLevel::Municipal, municipality: Some(owner), ..
                }) if owner == code => Ok(()),
                Some(_) => Err(Refusal::new("plan", plan, rule())),
                None => Ok(()),
            },
            None => Err(kind_refused()),
        },
    }
}

fn organisation_may(
    id: &str,
    payload: &Payload,
    index: &RegistryIndex,
    kind_refused: impl Fn() -> Refusal,
) -> Result<(), Refusal> {
    let rule = || format!("не относится к ведению organisation:{id}");
    // Another organisation's teacher reads as one that is not registered, and so does an id
    // that is not, both refused here.
    let own_teacher = |field: &str, teacher: &str| match index.org_of_teacher(teacher) {
        Some(org) if org == id => Ok(()),
        _ => Err(unknown_teacher(field, teacher)),
    };
    match payload {
        Payload::CourseCompleted(p) => own_teacher("teacher", p.teacher.as_str()),
        Payload::ParticipationRecorded(p) => own_teacher("teacher", p.teacher.as_str()),
        Payload::MentoringPairFormed(p) => {
            if p.organisation.as_str() != id {
                return Err(Refusal::new("organisation", &p.organisation, rule()));
            }
            own_teacher("mentee", p.mentee.as_str())
        }
        // The pair is the organisation's own even after its mentee moved elsewhere.
        Payload::MentoringPairEnded(p) => match index.get(&Key::Pair(p.pair.to_string())) {
            Some(Fact::Pair { organisation, .. }) if organisation == id => Ok(()),
            _ => Err(unknown_pair(p.pair.as_str())),
        },
        Payload::EventRetracted(_) | Payload::EventCorrected(_) => Ok(()),
        _ => Err(kind_refused()),
    }
}

/// The plan a plan-stream event belongs to (other than `plan_created`).
fn plan_of(payload: &Payload) -> Option<&str> {
    match payload {
        Payload::PlanApproved(p) => Some(p.plan.as_str()),
        Payload::PlanSectionAdded(p) => Some(p.plan.as_str()),
        Payload::ActivityAdded(p) => Some(p.plan.as_str()),
        Payload::ActivityAmended(p) => Some(p.plan.as_str()),
        Payload::ActivityExecutionReported(p) => Some(p.plan.as_str()),
        Payload::ActivityCancelled(p) => Some(p.plan.as_str()),
        _ => None,
    }
}

fn plan_level_in(index: &RegistryIndex, plan: &str, levels: &[PlanLevel]) -> Result<(), ()> {
    match index.get(&Key::Plan(plan.to_string())) {
        Some(Fact::Plan { level, .. }) if !levels.contains(level) => Err(()),
        _ => Ok(()),
    }
}
