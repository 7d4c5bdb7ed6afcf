//! Who may record what: the role × kind matrix and the scope checks of municipalities and
//! organisations, decided against the gate's state so that scope cannot race with moves.
//!
//! | role | may record |
//! | --- | --- |
//! | system | everything (demo generator, import, migration) |
//! | ministry | targets; plan approval; regional and federal plans (create, sections, activities, amended, superseded, revoked); the agreement of municipal plans; recommendations and management decisions; reporting periods (open, extend, close) and the decisions on submissions (accept, return) |
//! | operator | registries, teachers, roles and methodists, diagnostics, routes, completions, mentoring, participations, regional events, regional plans (not approval, amendment as a whole, supersession or revocation), the agreement of municipal plans (seed 001, roadmap item 8: the ЦНППМ agrees them), figure reports, recommendations and management decisions (on the ministry's behalf, citing its act); on the ministry's behalf, reporting periods and decisions on submissions; submissions for any scope |
//! | municipality:<code> | organisations of its municipality and their status and management teams; teachers hired / moved / left within its organisations; its own municipal plans (incl. approval, amendment as a whole, supersession, revocation; not their agreement, which is the region's); figure reports and submissions for itself or its organisations |
//! | organisation:<id> | completions, participations and mentoring of its own teachers; submissions for itself |
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

use proto_events::vocabulary::{
    OrganisationStatus, Payload, PlanLevel, Scope, TargetSet, TargetWithdrawn,
};
use proto_events::Date;

use crate::access::{covers, unknown_pair, unknown_teacher, Refusal, Role};
use crate::store::RejectionClass;

/// What the record rules read of the registry (the command gate's index implements it), so
/// that scope is decided against the gate's state and cannot race with moves.
pub trait Registry {
    /// The municipality an organisation is registered in.
    fn municipality_of(&self, organisation: &str) -> Option<&str>;
    /// Whether the organisation is registered.
    fn is_organisation(&self, organisation: &str) -> bool;
    /// The organisation a teacher works at, or last worked at.
    fn employer_of(&self, teacher: &str) -> Option<&str>;
    /// The latest valid date of a teacher's hire, move or departure (None: the registry has
    /// no employment facts of the teacher).
    fn employment_changed_on(&self, teacher: &str) -> Option<Date>;
    /// A registered plan's level and owning municipality.
    fn plan(&self, plan: &str) -> Option<PlanFacts<'_>>;
    /// The organisation that runs a mentoring pair.
    fn pair_organisation(&self, pair: &str) -> Option<&str>;
}

/// What the record rules read of a plan.
#[derive(Clone, Copy, Debug)]
pub struct PlanFacts<'a> {
    /// Its level.
    pub level: PlanLevel,
    /// The municipality that owns it, if one does.
    pub municipality: Option<&'a str>,
}

/// Whether `role`'s scope covers `organisation`, by its registration in `registry`.
pub(crate) fn covers_in(role: &Role, organisation: &str, registry: &dyn Registry) -> bool {
    covers(role, organisation, registry.municipality_of(organisation))
}

/// The refusal of anything an auditor would record.
pub(crate) fn auditor_refused(role: &Role) -> Refusal {
    Refusal::forbidden("actor.role", role, "аудитор только читает журнал и не записывает события")
}

/// Decides whether `role` may record `payload` given the current registry. Refusals are of
/// class `Forbidden`, but for an organisation's reference to a teacher or a mentoring pair
/// outside its scope, or not registered at all: `UnknownReference`, as the reference checks
/// refuse an unknown one (secrecy row 6). Other unknown references pass here: the reference
/// checks reject them with a clearer rule.
pub fn may_record(role: &Role, payload: &Payload, registry: &dyn Registry) -> Result<(), Refusal> {
    decide(role, payload, registry).map_err(|refusal| match refusal.class {
        RejectionClass::UnknownReference => refusal,
        _ => Refusal { class: RejectionClass::Forbidden, ..refusal },
    })
}

fn decide(role: &Role, payload: &Payload, registry: &dyn Registry) -> Result<(), Refusal> {
    let kind_refused = || {
        Refusal::new(
            "actor.role",
            role,
            format!("роль {role} не может записывать события {}", payload.kind()),
        )
    };
    match role {
        Role::System => Ok(()),
        Role::Auditor => Err(auditor_refused(role)),
        Role::Ministry => ministry_may(payload, registry, kind_refused),
        Role::Operator => operator_may(payload, registry, kind_refused),
        Role::Municipality(_) => municipality_may(role, payload, registry, kind_refused),
        Role::Organisation(_) => organisation_may(role, payload, registry, kind_refused),
    }
}

fn ministry_may(
    payload: &Payload,
    registry: &dyn Registry,
    kind_refused: impl Fn() -> Refusal,
) -> Result<(), Refusal> {
    const RULE: &str = "министерство ведёт региональные и федеральные планы";
    match payload {
        Payload::TargetSet(_)
        | Payload::TargetWithdrawn(_)
        | Payload::PlanApproved(_)
        | Payload::RecommendationIssued(_)
        | Payload::ManagementDecisionRecorded(_) => Ok(()),
        // Seed 003: a municipal plan is agreed with the region; the region's own plans are
        // approved, not agreed.
        Payload::PlanAgreed(p) => plan_level_in(registry, p.plan.as_str(), &[PlanLevel::Municipal])
            .map_err(|_| {
                Refusal::new("plan", &p.plan, "с регионом согласуются только муниципальные планы")
            }),
        Payload::ReportingPeriodOpened(_)
        | Payload::ReportingPeriodExtended(_)
        | Payload::ReportingPeriodClosed(_)
        | Payload::SubmissionAccepted(_)
        | Payload::SubmissionReturned(_) => Ok(()),
        Payload::PlanCreated(p) => match p.level {
            PlanLevel::Regional | PlanLevel::Federal => Ok(()),
            _ => Err(Refusal::new("level", format!("{:?}", p.level).to_lowercase(), RULE)),
        },
        _ => match plan_of(payload) {
            Some(plan) => plan_level_in(registry, plan, &[PlanLevel::Regional, PlanLevel::Federal])
                .map_err(|_| Refusal::new("plan", plan, RULE)),
            None => Err(kind_refused()),
        },
    }
}

fn operator_may(
    payload: &Payload,
    registry: &dyn Registry,
    kind_refused: impl Fn() -> Refusal,
) -> Result<(), Refusal> {
    const RULE: &str = "оператор ведёт региональные планы";
    match payload {
        // What an act of the ministry decides about a plan as a whole is the ministry's.
        Payload::TargetSet(_)
        | Payload::TargetWithdrawn(_)
        | Payload::PlanApproved(_)
        | Payload::PlanAmended(_)
        | Payload::PlanSuperseded(_)
        | Payload::PlanRevoked(_) => Err(kind_refused()),
        // Seed 001, roadmap item 8: the ЦНППМ agrees the municipalities' plans.
        Payload::PlanAgreed(p) => plan_level_in(registry, p.plan.as_str(), &[PlanLevel::Municipal])
            .map_err(|_| {
                Refusal::new("plan", &p.plan, "с регионом согласуются только муниципальные планы")
            }),
        Payload::PlanCreated(p) => match p.level {
            PlanLevel::Regional => Ok(()),
            _ => Err(Refusal::new("level", format!("{:?}", p.level).to_lowercase(), RULE)),
        },
        Payload::EventRetracted(_) | Payload::EventCorrected(_) => Ok(()),
        _ => match plan_of(payload) {
            Some(plan) => plan_level_in(registry, plan, &[PlanLevel::Regional])
                .map_err(|_| Refusal::new("plan", plan, RULE)),
            None => Ok(()),
        },
    }
}

fn municipality_may(
    role: &Role,
    payload: &Payload,
    registry: &dyn Registry,
    kind_refused: impl Fn() -> Refusal,
) -> Result<(), Refusal> {
    let code = role.scope_id().unwrap_or_default();
    let rule = || format!("не относится к ведению {role}");
    // An organisation outside the scope is refused; one not registered is left to the
    // reference checks.
    let org_in = |field: &str, org: &str| {
        if registry.is_organisation(org) && !covers_in(role, org, registry) {
            Err(Refusal::new(field, org, rule()))
        } else {
            Ok(())
        }
    };
    let own_plan = |plan: &str, level: Option<PlanLevel>| match registry.plan(plan) {
        Some(facts)
            if facts.municipality == Some(code)
                && level.is_none_or(|level| facts.level == level) =>
        {
            Ok(())
        }
        Some(_) => Err(Refusal::new("plan", plan, rule())),
        None => Ok(()),
    };
    let own_scope = |scope: &Scope| match scope {
        Scope::Municipality(own) if own.as_str() == code => Ok(()),
        Scope::Organisation(org) => org_in("scope", org.as_str()),
        other => Err(Refusal::new("scope", other, rule())),
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
        // A municipality sets (and withdraws) the targets of its own plan for itself, by its
        // own act (seed 003: the municipal plan's «Целевые результаты»); the region's and
        // another's are the ministry's.
        Payload::TargetSet(TargetSet { scope, .. })
        | Payload::TargetWithdrawn(TargetWithdrawn { scope, .. }) => match scope {
            Scope::Municipality(own) if own.as_str() == code => Ok(()),
            other => Err(Refusal::new("scope", other, rule())),
        },
        // A municipality records the events it held itself.
        Payload::MunicipalEventHeld(p) if p.municipality.as_str() == code => Ok(()),
        Payload::MunicipalEventHeld(p) => {
            Err(Refusal::new("municipality", &p.municipality, rule()))
        }
        Payload::FigureReported(p) => own_scope(&p.scope),
        Payload::FiguresSubmitted(p) => own_scope(&p.scope),
        // A plan already in the registry is being retracted or corrected: only its owner may.
        Payload::PlanCreated(p) => match p.level {
            PlanLevel::Municipal => own_plan(p.plan.as_str(), None),
            other => Err(Refusal::new(
                "level",
                format!("{other:?}").to_lowercase(),
                "муниципалитет ведёт муниципальные планы",
            )),
        },
        Payload::EventRetracted(_) | Payload::EventCorrected(_) => Ok(()),
        // The agreement is the region's, not the plan's owner's.
        Payload::PlanAgreed(_) => Err(kind_refused()),
        // A plan is replaced by one of the same owner.
        Payload::PlanSuperseded(p) => {
            own_plan(p.plan.as_str(), Some(PlanLevel::Municipal))?;
            own_plan(p.by.as_str(), Some(PlanLevel::Municipal))
                .map_err(|refusal| Refusal { field: "by".into(), ..refusal })
        }
        _ => match plan_of(payload) {
            Some(plan) => own_plan(plan, Some(PlanLevel::Municipal)),
            None => Err(kind_refused()),
        },
    }
}

fn organisation_may(
    role: &Role,
    payload: &Payload,
    registry: &dyn Registry,
    kind_refused: impl Fn() -> Refusal,
) -> Result<(), Refusal> {
    let id = role.scope_id().unwrap_or_default();
    // Another organisation's teacher reads as one that is not registered, and so does an id
    // that is not, both refused here.
    let own_teacher = |field: &str, teacher: &str| match registry.employer_of(teacher) {
        Some(employer) if covers_in(role, employer, registry) => Ok(()),
        _ => Err(unknown_teacher(field, teacher)),
    };
    match payload {
        Payload::CourseCompleted(p) => own_teacher("teacher", p.teacher.as_str()),
        Payload::CourseEnrolled(p) => own_teacher("teacher", p.teacher.as_str()),
        Payload::ParticipationRecorded(p) => own_teacher("teacher", p.teacher.as_str()),
        Payload::MentoringPairFormed(p) => {
            if p.organisation.as_str() != id {
                return Err(Refusal::new(
                    "organisation",
                    &p.organisation,
                    format!("не относится к ведению {role}"),
                ));
            }
            own_teacher("mentee", p.mentee.as_str())
        }
        // An organisation adopts (or ends) its own mentoring program by its own act; the lists
        // of low-results schools are the ministry's, recorded by the region or municipality.
        Payload::OrganisationStatusChanged(p) => {
            if p.status != OrganisationStatus::MentoringProgram {
                let status = match p.status {
                    OrganisationStatus::LowResults(_) => "low_results",
                    OrganisationStatus::UnfavourableSocialConditions => {
                        "unfavourable_social_conditions"
                    }
                    OrganisationStatus::MentoringProgram => "mentoring_program",
                };
                return Err(Refusal::new(
                    "status",
                    status,
                    "организация отмечает только свою программу наставничества; статусы школ \
                     с низкими результатами и в неблагоприятных условиях устанавливают регион и \
                     муниципалитет",
                ));
            }
            if p.organisation.as_str() != id {
                return Err(Refusal::new(
                    "organisation",
                    &p.organisation,
                    format!("не относится к ведению {role}"),
                ));
            }
            Ok(())
        }
        // The pair is the organisation's own even after its mentee moved elsewhere.
        Payload::MentoringPairEnded(p) => match registry.pair_organisation(p.pair.as_str()) {
            Some(organisation) if organisation == id => Ok(()),
            _ => Err(unknown_pair(p.pair.as_str())),
        },
        Payload::FiguresSubmitted(p) => match &p.scope {
            Scope::Organisation(own) if own.as_str() == id => Ok(()),
            other => Err(Refusal::new("scope", other, format!("не относится к ведению {role}"))),
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
        Payload::PlanAmended(p) => Some(p.plan.as_str()),
        Payload::PlanSuperseded(p) => Some(p.plan.as_str()),
        Payload::PlanRevoked(p) => Some(p.plan.as_str()),
        Payload::PlanAgreed(p) => Some(p.plan.as_str()),
        _ => None,
    }
}

fn plan_level_in(registry: &dyn Registry, plan: &str, levels: &[PlanLevel]) -> Result<(), ()> {
    match registry.plan(plan) {
        Some(facts) if !levels.contains(&facts.level) => Err(()),
        _ => Ok(()),
    }
}
