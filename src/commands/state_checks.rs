//! The command gate's checks of one payload against the current registry index: references
//! exist, registrations are unique (for a new event, not a correction's replacement), codes
//! belong to their catalogue, a teacher's employment allows a hire, move or departure, plan
//! terms are dated by their plan. Grouped by the rules they check: registries, employment,
//! people, diagnostics and routes, learning, plans, figures.
//!
//! Who is named in a refusal follows the access module's secrecy rows 7–10 (`access::covers`).

use proto_events::term::{Term, TermMeaning, TextReason};
use proto_events::vocabulary::{
    MentoringPairEnded, Payload, PlanLevel, RegisterKind, RouteStepRef, Scope, SupportSystemRole,
};

use crate::access::{covers, unknown_pair, unknown_teacher, Refusal, Registry, Role};
use crate::commands::index::{target_key, Fact, Key, RegistryIndex};

const NO_ORGANISATION: &str = "организация с таким идентификатором не зарегистрирована";
const NO_MUNICIPALITY: &str = "муниципалитет с таким идентификатором не зарегистрирован";
const NO_PROGRAM: &str = "программа с таким идентификатором не зарегистрирована";
const NO_PROCEDURE: &str = "процедура диагностики с таким идентификатором не зарегистрирована";
const NO_PERSON: &str = "лицо с таким идентификатором не зарегистрировано";
const NO_PLAN: &str = "план с таким идентификатором не зарегистрирован";
const NO_ROUTE: &str = "маршрут с таким идентификатором не открыт";

/// A hire of a teacher employed outside the actor's scope: what to do, naming no employer
/// (secrecy row 7). A municipality records a move only between its own organisations
/// (`access::may_record`), so a move from elsewhere is the operator's, or a departure recorded
/// on the employer's side first.
const ELSEWHERE: &str = "педагог уже работает в другой организации: перевод записывает региональный оператор событием teacher_moved, либо сторона нынешнего работодателя записывает увольнение событием teacher_left, после чего приём можно записать";

/// References, uniqueness (when `new`) and catalogue codes of one payload recorded by `role`.
pub(crate) fn check_state(
    index: &RegistryIndex,
    role: &Role,
    payload: &Payload,
    new: bool,
) -> Result<(), Refusal> {
    let checks = Checks { index, role, new };
    match payload {
        Payload::MunicipalityRegistered(_)
        | Payload::OrganisationRegistered(_)
        | Payload::OrganisationStatusChanged(_)
        | Payload::ProgramRegistered(_)
        | Payload::ProgramRegisterIncluded(_)
        | Payload::ProgramRegisterRemoved(_)
        | Payload::DiagnosticProcedureRegistered(_)
        | Payload::RegionalEventHeld(_)
        | Payload::MunicipalEventHeld(_) => checks.registries(payload),
        Payload::RegisterEntryRecorded(_)
        | Payload::RegisterEntryExcluded(_)
        | Payload::RegisterIntervalSet(_) => checks.registers(payload),
        Payload::TeacherHired(_)
        | Payload::TeacherMoved(_)
        | Payload::TeacherLeft(_)
        | Payload::ManagementTeamMemberAdded(_)
        | Payload::ManagementTeamMemberRemoved(_)
        | Payload::ManagementTeamTrained(_) => checks.employment(payload),
        Payload::RoleAssigned(_)
        | Payload::RoleEnded(_)
        | Payload::TeacherAssignedToMethodist(_)
        | Payload::TeacherUnassignedFromMethodist(_) => checks.people(payload),
        Payload::DiagnosticRecorded(_)
        | Payload::RouteOpened(_)
        | Payload::RouteStepPlanned(_)
        | Payload::RouteSupportAssigned(_)
        | Payload::RouteStepCompleted(_)
        | Payload::RouteClosed(_) => checks.routes(payload),
        Payload::CourseCompleted(_)
        | Payload::CourseEnrolled(_)
        | Payload::MentoringPairFormed(_)
        | Payload::MentoringPairEnded(_)
        | Payload::ParticipationRecorded(_) => checks.learning(payload),
        Payload::PlanCreated(_)
        | Payload::PlanApproved(_)
        | Payload::PlanSectionAdded(_)
        | Payload::ActivityAdded(_)
        | Payload::ActivityAmended(_)
        | Payload::ActivityExecutionReported(_)
        | Payload::ActivityCancelled(_) => checks.plans(payload),
        Payload::PlanAmended(_)
        | Payload::PlanSuperseded(_)
        | Payload::PlanRevoked(_)
        | Payload::PlanAgreed(_) => checks.plan_status(payload),
        Payload::RecommendationIssued(_) | Payload::ManagementDecisionRecorded(_) => {
            checks.decisions(payload)
        }
        Payload::TargetSet(_) | Payload::TargetWithdrawn(_) | Payload::FigureReported(_) => {
            checks.figures(payload)
        }
        Payload::ReportingPeriodOpened(_)
        | Payload::ReportingPeriodExtended(_)
        | Payload::ReportingPeriodClosed(_)
        | Payload::FiguresSubmitted(_)
        | Payload::SubmissionAccepted(_)
        | Payload::SubmissionReturned(_) => crate::commands::cycle::check(index, payload, new),
        // Corrections are checked by the gate itself; a replacement is never a correction.
        Payload::EventRetracted(_) | Payload::EventCorrected(_) => Ok(()),
    }
}

/// The first checks `check_state` makes of the teacher whose stream an event goes to, where
/// they depend on that teacher's facts: for `Gate::screen`, which makes them before the
/// request's expected versions are compared, so that a version conflict never answers what
/// they refuse.
pub(crate) fn subject(
    index: &RegistryIndex,
    role: &Role,
    payload: &Payload,
) -> Result<(), Refusal> {
    let checks = Checks { index, role, new: true };
    match payload {
        Payload::MentoringPairEnded(p) => checks.pair_of(p),
        Payload::TeacherHired(p) => checks.not_employed(p.teacher.as_str()),
        Payload::TeacherMoved(p) => checks.employed_at(
            p.teacher.as_str(),
            "from_organisation",
            p.from_organisation.as_str(),
        ),
        Payload::TeacherLeft(p) => {
            checks.employed_at(p.teacher.as_str(), "organisation", p.organisation.as_str())
        }
        _ => Ok(()),
    }
}

/// One payload's checks: the index, who records it, and whether it is new (uniqueness is not
/// checked for a correction's replacement).
struct Checks<'a> {
    index: &'a RegistryIndex,
    role: &'a Role,
    new: bool,
}

impl Checks<'_> {
    fn registries(&self, payload: &Payload) -> Result<(), Refusal> {
        match payload {
            Payload::MunicipalityRegistered(p) => self.unique(
                "municipality",
                Key::Municipality(p.municipality.to_string()),
                p.municipality.as_str(),
                "муниципалитет с таким идентификатором уже зарегистрирован",
            ),
            Payload::OrganisationRegistered(p) => {
                self.unique(
                    "organisation",
                    Key::Organisation(p.organisation.to_string()),
                    p.organisation.as_str(),
                    "организация с таким идентификатором уже зарегистрирована",
                )?;
                match &p.municipality {
                    Some(code) => self.municipality("municipality", code.as_str()),
                    None => Ok(()),
                }
            }
            Payload::OrganisationStatusChanged(p) => {
                self.organisation("organisation", p.organisation.as_str())
            }
            Payload::ProgramRegistered(p) => {
                self.unique(
                    "program",
                    Key::Program(p.program.to_string()),
                    p.program.as_str(),
                    "программа с таким идентификатором уже зарегистрирована",
                )?;
                self.organisation("provider", p.provider.as_str())
            }
            Payload::ProgramRegisterIncluded(p) => self.program("program", p.program.as_str()),
            Payload::ProgramRegisterRemoved(p) => self.program("program", p.program.as_str()),
            Payload::DiagnosticProcedureRegistered(p) => self.unique(
                "procedure",
                Key::Procedure(p.procedure.to_string()),
                p.procedure.as_str(),
                "процедура диагностики с таким идентификатором уже зарегистрирована",
            ),
            Payload::RegionalEventHeld(p) => self.unique(
                "event",
                Key::RegionalEvent(p.event.to_string()),
                p.event.as_str(),
                "региональное мероприятие с таким идентификатором уже записано",
            ),
            Payload::MunicipalEventHeld(p) => {
                self.unique(
                    "event",
                    Key::MunicipalEvent(p.event.to_string()),
                    p.event.as_str(),
                    "муниципальное мероприятие с таким идентификатором уже записано",
                )?;
                self.municipality("municipality", p.municipality.as_str())
            }
            _ => Ok(()),
        }
    }

    fn employment(&self, payload: &Payload) -> Result<(), Refusal> {
        match payload {
            Payload::TeacherHired(p) => {
                if self.new {
                    self.not_employed(p.teacher.as_str())?;
                }
                self.organisation("organisation", p.organisation.as_str())
            }
            Payload::TeacherMoved(p) => {
                self.employed_at(
                    p.teacher.as_str(),
                    "from_organisation",
                    p.from_organisation.as_str(),
                )?;
                self.organisation("to_organisation", p.to_organisation.as_str())
            }
            Payload::TeacherLeft(p) => {
                self.employed_at(p.teacher.as_str(), "organisation", p.organisation.as_str())
            }
            Payload::ManagementTeamMemberAdded(p) => {
                self.organisation("organisation", p.organisation.as_str())?;
                self.teacher("teacher", p.teacher.as_str())
            }
            Payload::ManagementTeamMemberRemoved(p) => {
                self.organisation("organisation", p.organisation.as_str())?;
                self.teacher("teacher", p.teacher.as_str())
            }
            Payload::ManagementTeamTrained(p) => {
                self.organisation("organisation", p.organisation.as_str())?;
                self.program("program", p.program.as_str())
            }
            _ => Ok(()),
        }
    }

    fn people(&self, payload: &Payload) -> Result<(), Refusal> {
        match payload {
            Payload::RoleAssigned(p) => match &p.municipality {
                Some(code) => self.municipality("municipality", code.as_str()),
                None => Ok(()),
            },
            Payload::RoleEnded(p) => self.holds_role("person", p.person.as_str(), p.role),
            Payload::TeacherAssignedToMethodist(p) => {
                self.teacher("teacher", p.teacher.as_str())?;
                self.holds_role(
                    "methodist",
                    p.methodist.as_str(),
                    SupportSystemRole::RegionalMethodist,
                )
            }
            Payload::TeacherUnassignedFromMethodist(p) => {
                self.teacher("teacher", p.teacher.as_str())?;
                self.person("methodist", p.methodist.as_str())
            }
            _ => Ok(()),
        }
    }

    fn routes(&self, payload: &Payload) -> Result<(), Refusal> {
        match payload {
            Payload::DiagnosticRecorded(p) => {
                self.unique(
                    "diagnostic",
                    Key::Diagnostic(p.diagnostic.to_string()),
                    p.diagnostic.as_str(),
                    "результат диагностики с таким идентификатором уже записан",
                )?;
                self.teacher("teacher", p.teacher.as_str())?;
                let procedure = p.procedure.as_str();
                self.exists(
                    "procedure",
                    Key::Procedure(procedure.into()),
                    procedure,
                    NO_PROCEDURE,
                )?;
                self.catalogued("scores", procedure, &mut p.scores.keys().map(|c| c.as_str()))?;
                self.catalogued("deficits", procedure, &mut p.deficits.iter().map(|c| c.as_str()))
            }
            Payload::RouteOpened(p) => {
                self.unique(
                    "route",
                    Key::Route(p.route.to_string()),
                    p.route.as_str(),
                    "маршрут с таким идентификатором уже открыт",
                )?;
                self.teacher("teacher", p.teacher.as_str())?;
                match self.index.get(&Key::Diagnostic(p.diagnostic.to_string())) {
                    Some(Fact::Diagnostic { teacher, .. }) if teacher != p.teacher.as_str() => {
                        Err(Refusal::new(
                            "diagnostic",
                            &p.diagnostic,
                            format!("результат диагностики относится к педагогу {teacher}"),
                        ))
                    }
                    Some(Fact::Diagnostic { procedure, .. }) => self.catalogued(
                        "deficits",
                        procedure,
                        &mut p.deficits.iter().map(|c| c.as_str()),
                    ),
                    _ => Err(Refusal::unknown(
                        "diagnostic",
                        &p.diagnostic,
                        "результат диагностики с таким идентификатором не записан",
                    )),
                }
            }
            Payload::RouteStepPlanned(p) => {
                let (procedure, closed) =
                    self.route_of("route", p.route.as_str(), p.teacher.as_str())?;
                if closed && self.new {
                    return Err(Refusal::new("route", &p.route, "маршрут закрыт"));
                }
                let step = p.step.as_str();
                if self.new && self.index.contains(&Key::Step(p.route.to_string(), step.into())) {
                    return Err(Refusal::new(
                        "step",
                        step,
                        "в маршруте уже есть шаг с таким идентификатором",
                    ));
                }
                if let Some(id) = &p.program {
                    self.program("program", id.as_str())?;
                }
                self.catalogued("deficits", &procedure, &mut p.deficits.iter().map(|c| c.as_str()))
            }
            Payload::RouteSupportAssigned(p) => {
                self.route_of("route", p.route.as_str(), p.teacher.as_str())?;
                self.person("supporter", p.supporter.as_str())
            }
            Payload::RouteStepCompleted(p) => {
                self.route_of("route", p.route.as_str(), p.teacher.as_str())?;
                self.step_exists("step", p.route.as_str(), p.step.as_str())
            }
            Payload::RouteClosed(p) => {
                let (_, closed) = self.route_of("route", p.route.as_str(), p.teacher.as_str())?;
                if closed && self.new {
                    return Err(Refusal::new("route", &p.route, "маршрут уже закрыт"));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn learning(&self, payload: &Payload) -> Result<(), Refusal> {
        match payload {
            Payload::CourseCompleted(p) => {
                self.unique(
                    "completion",
                    Key::Completion(p.completion.to_string()),
                    p.completion.as_str(),
                    "освоение программы с таким идентификатором уже записано",
                )?;
                self.teacher("teacher", p.teacher.as_str())?;
                self.program("program", p.program.as_str())?;
                self.organisation("provider", p.provider.as_str())?;
                self.route_step(p.route_step.as_ref(), p.teacher.as_str())
            }
            Payload::CourseEnrolled(p) => {
                self.unique(
                    "enrolment",
                    Key::Enrolment(p.enrolment.to_string()),
                    p.enrolment.as_str(),
                    "зачисление на обучение с таким идентификатором уже записано",
                )?;
                self.teacher("teacher", p.teacher.as_str())?;
                self.program("program", p.program.as_str())?;
                self.organisation("provider", p.provider.as_str())?;
                self.route_step(p.route_step.as_ref(), p.teacher.as_str())
            }
            Payload::MentoringPairFormed(p) => {
                self.unique(
                    "pair",
                    Key::Pair(p.pair.to_string()),
                    p.pair.as_str(),
                    "наставническая пара с таким идентификатором уже сформирована",
                )?;
                self.teacher("mentor", p.mentor.as_str())?;
                self.teacher("mentee", p.mentee.as_str())?;
                self.organisation("organisation", p.organisation.as_str())
            }
            Payload::MentoringPairEnded(p) => self.pair_of(p),
            Payload::ParticipationRecorded(p) => self.teacher("teacher", p.teacher.as_str()),
            _ => Ok(()),
        }
    }

    /// The regional registers: what an entry names exists; an exclusion names an entry.
    fn registers(&self, payload: &Payload) -> Result<(), Refusal> {
        match payload {
            Payload::RegisterEntryRecorded(p) => {
                if let Some(organisation) = &p.organisation {
                    self.organisation("organisation", organisation.as_str())?;
                }
                if let Some(municipality) = &p.municipality {
                    self.municipality("municipality", municipality.as_str())?;
                }
                if let Some(program) = &p.program {
                    self.program("program", program.as_str())?;
                }
                match &p.community {
                    Some(community) => self.exists(
                        "community",
                        Key::RegisterEntry(
                            RegisterKind::Communities.to_string(),
                            community.to_string(),
                        ),
                        community.as_str(),
                        "в реестре профессиональных сообществ нет такого сообщества",
                    ),
                    None => Ok(()),
                }
            }
            Payload::RegisterEntryExcluded(p) => self.exists(
                "entry",
                Key::RegisterEntry(p.register.to_string(), p.entry.to_string()),
                p.entry.as_str(),
                &format!("в реестре {} нет такой записи", p.register),
            ),
            _ => Ok(()),
        }
    }

    /// The route step a completion or an enrolment serves is a step of the teacher's route.
    fn route_step(&self, step: Option<&RouteStepRef>, teacher: &str) -> Result<(), Refusal> {
        if let Some(step) = step {
            let route = step.route.as_str();
            self.route_of("route_step.route", route, teacher)?;
            self.step_exists("route_step.step", route, step.step.as_str())?;
        }
        Ok(())
    }

    fn plans(&self, payload: &Payload) -> Result<(), Refusal> {
        match payload {
            Payload::PlanCreated(p) => self.unique(
                "plan",
                Key::Plan(p.plan.to_string()),
                p.plan.as_str(),
                "план с таким идентификатором уже зарегистрирован",
            ),
            Payload::PlanApproved(p) => self.plan(p.plan.as_str()),
            Payload::PlanSectionAdded(p) => {
                self.plan(p.plan.as_str())?;
                let section = p.section.as_str();
                if self.new
                    && self.index.contains(&Key::Section(p.plan.to_string(), section.into()))
                {
                    return Err(Refusal::new("section", section, "в плане уже есть такой раздел"));
                }
                Ok(())
            }
            Payload::ActivityAdded(p) => {
                self.plan(p.plan.as_str())?;
                let section = p.section.as_str();
                if !self.index.contains(&Key::Section(p.plan.to_string(), section.into())) {
                    return Err(Refusal::unknown(
                        "section",
                        section,
                        format!("в плане {} нет раздела с таким идентификатором", p.plan),
                    ));
                }
                let id = p.activity.as_str();
                if self.new && self.index.contains(&Key::Activity(p.plan.to_string(), id.into())) {
                    return Err(Refusal::new("activity", id, "в плане уже есть такое мероприятие"));
                }
                self.term_dated_by_plan(p.plan.as_str(), &p.term, "term.meaning")
            }
            Payload::ActivityAmended(p) => {
                self.activity(p.plan.as_str(), p.activity.as_str())?;
                for (number, change) in p.changes.iter().enumerate() {
                    if let Some(meaning) = &change.meaning {
                        let term = Term { text: change.new.clone(), meaning: meaning.clone() };
                        let field = format!("changes.{number}.meaning");
                        self.term_dated_by_plan(p.plan.as_str(), &term, &field)?;
                    }
                }
                Ok(())
            }
            Payload::ActivityExecutionReported(p) => {
                self.activity(p.plan.as_str(), p.activity.as_str())
            }
            Payload::ActivityCancelled(p) => self.activity(p.plan.as_str(), p.activity.as_str()),
            _ => Ok(()),
        }
    }

    /// A plan changed as a whole: the plan (and the one replacing it) registered, a period
    /// that stays in order, an agreement of a municipal plan only.
    fn plan_status(&self, payload: &Payload) -> Result<(), Refusal> {
        match payload {
            Payload::PlanAmended(p) => {
                self.plan(p.plan.as_str())?;
                let Some(Fact::Plan { period, .. }) =
                    self.index.get(&Key::Plan(p.plan.to_string()))
                else {
                    return Ok(());
                };
                let from = p.period_from_year.unwrap_or(period.0);
                let to = p.period_to_year.unwrap_or(period.1);
                if to < from {
                    let (field, value) = match p.period_to_year {
                        Some(to) => ("period_to_year", to),
                        None => ("period_from_year", from),
                    };
                    return Err(Refusal::new(
                        field,
                        value,
                        format!("период плана стал бы обратным: с {from} по {to} год"),
                    ));
                }
                Ok(())
            }
            Payload::PlanSuperseded(p) => {
                self.plan(p.plan.as_str())?;
                self.exists(
                    "by",
                    Key::Plan(p.by.to_string()),
                    p.by.as_str(),
                    "план, который заменяет этот, не зарегистрирован: сначала запишите его",
                )
            }
            Payload::PlanRevoked(p) => self.plan(p.plan.as_str()),
            Payload::PlanAgreed(p) => {
                self.plan(p.plan.as_str())?;
                match self.index.get(&Key::Plan(p.plan.to_string())) {
                    Some(Fact::Plan { level: PlanLevel::Municipal, .. }) | None => Ok(()),
                    Some(_) => Err(Refusal::new(
                        "plan",
                        &p.plan,
                        "с регионом согласуются только муниципальные планы",
                    )),
                }
            }
            _ => Ok(()),
        }
    }

    /// A recommendation or decision: a new id, registered municipalities, and a decision that
    /// follows a recorded recommendation.
    fn decisions(&self, payload: &Payload) -> Result<(), Refusal> {
        let (id, municipalities, follows) = match payload {
            Payload::RecommendationIssued(p) => (&p.recommendation, &p.municipalities, None),
            Payload::ManagementDecisionRecorded(p) => {
                (&p.decision, &p.municipalities, p.follows.as_ref())
            }
            _ => return Ok(()),
        };
        let field = if matches!(payload, Payload::RecommendationIssued(_)) {
            "recommendation"
        } else {
            "decision"
        };
        self.unique(
            field,
            Key::Decision(id.to_string()),
            id.as_str(),
            "рекомендация или решение с таким идентификатором уже записаны",
        )?;
        for (index, code) in municipalities.iter().enumerate() {
            self.municipality(&format!("municipalities.{index}"), code.as_str())?;
        }
        if let Some(follows) = follows {
            match self.index.get(&Key::Decision(follows.to_string())) {
                Some(Fact::Decision { recommendation: true }) => {}
                _ => {
                    return Err(Refusal::unknown(
                        "follows",
                        follows.as_str(),
                        "такая рекомендация не записана",
                    ))
                }
            }
        }
        Ok(())
    }

    fn figures(&self, payload: &Payload) -> Result<(), Refusal> {
        match payload {
            Payload::TargetSet(p) => self.scope(&p.scope),
            Payload::TargetWithdrawn(p) => {
                self.scope(&p.scope)?;
                let key = target_key(p.indicator, &p.scope, &p.set_by_act);
                let what = format!(
                    "этим актом целевое значение показателя {} для {} не устанавливалось",
                    p.indicator, p.scope
                );
                self.exists("set_by_act", key, &p.set_by_act.to_string(), &what)
            }
            Payload::FigureReported(p) => {
                self.unique(
                    "report",
                    Key::Report(p.report.to_string()),
                    p.report.as_str(),
                    "отчёт о показателе с таким идентификатором уже записан",
                )?;
                self.scope(&p.scope)
            }
            _ => Ok(()),
        }
    }

    fn exists(&self, field: &str, key: Key, value: &str, what: &str) -> Result<(), Refusal> {
        if self.index.contains(&key) {
            Ok(())
        } else {
            Err(Refusal::unknown(field, value, what))
        }
    }

    fn unique(&self, field: &str, key: Key, value: &str, what: &str) -> Result<(), Refusal> {
        if self.new && self.index.contains(&key) {
            Err(Refusal::new(field, value, what))
        } else {
            Ok(())
        }
    }

    fn organisation(&self, field: &str, id: &str) -> Result<(), Refusal> {
        self.exists(field, Key::Organisation(id.into()), id, NO_ORGANISATION)
    }

    fn municipality(&self, field: &str, code: &str) -> Result<(), Refusal> {
        self.exists(field, Key::Municipality(code.into()), code, NO_MUNICIPALITY)
    }

    fn teacher(&self, field: &str, id: &str) -> Result<(), Refusal> {
        if self.index.contains(&Key::Teacher(id.into())) {
            Ok(())
        } else {
            Err(unknown_teacher(field, id))
        }
    }

    fn program(&self, field: &str, id: &str) -> Result<(), Refusal> {
        self.exists(field, Key::Program(id.into()), id, NO_PROGRAM)
    }

    fn person(&self, field: &str, id: &str) -> Result<(), Refusal> {
        self.exists(field, Key::Person(id.into()), id, NO_PERSON)
    }

    fn plan(&self, id: &str) -> Result<(), Refusal> {
        self.exists("plan", Key::Plan(id.into()), id, NO_PLAN)
    }

    fn activity(&self, plan: &str, id: &str) -> Result<(), Refusal> {
        self.plan(plan)?;
        match self.index.get(&Key::Activity(plan.into(), id.into())) {
            Some(Fact::Activity { cancelled: false }) => Ok(()),
            Some(_) => Err(Refusal::new("activity", id, "мероприятие отменено")),
            None => Err(Refusal::unknown(
                "activity",
                id,
                format!("в плане {plan} нет мероприятия с таким идентификатором"),
            )),
        }
    }

    fn scope(&self, scope: &Scope) -> Result<(), Refusal> {
        match scope {
            Scope::Region => Ok(()),
            Scope::Municipality(code) => self.municipality("scope", code.as_str()),
            Scope::Organisation(id) => self.organisation("scope", id.as_str()),
        }
    }

    /// Whether the role's scope covers the organisation, so a refusal may name it (secrecy
    /// row 10).
    fn covers(&self, organisation: &str) -> bool {
        covers(self.role, organisation, self.index.municipality_of(organisation))
    }

    /// The route `route` of `of_teacher`: its procedure and whether it is closed. Another
    /// teacher's route is named as such to a region-wide role, and to a municipality or
    /// organisation only when its scope covers that teacher's employer; to any other scoped
    /// role it reads as a route that was never opened (so does one of a teacher with no
    /// employment record, which no scope covers; a region-wide role is told whose route it is
    /// all the same: secrecy rows 6 and 9).
    fn route_of(
        &self,
        field: &str,
        route: &str,
        of_teacher: &str,
    ) -> Result<(String, bool), Refusal> {
        match self.index.get(&Key::Route(route.into())) {
            Some(Fact::Route { teacher, procedure, closed }) => {
                if teacher != of_teacher {
                    let seen = !self.role.is_scoped()
                        || self.index.employer_of(teacher).is_some_and(|org| self.covers(org));
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
        }
    }

    fn catalogued<'c>(
        &self,
        field: &str,
        procedure: &str,
        mut codes: impl Iterator<Item = &'c str>,
    ) -> Result<(), Refusal> {
        let Some(Fact::Procedure { competences }) =
            self.index.get(&Key::Procedure(procedure.into()))
        else {
            return Ok(());
        };
        if competences.is_empty() {
            return Ok(());
        }
        match codes.find(|code| !competences.contains(*code)) {
            Some(code) => Err(Refusal::new(
                field,
                code,
                format!("код компетенции не оценивается процедурой {procedure}"),
            )),
            None => Ok(()),
        }
    }

    /// A term that names no year may be dated only by its plan's period (see
    /// `proto_events::term::parse_in_plan`); validate() left that check to us. The reading is
    /// checked here, when the event is recorded, and stored; nothing reads the text again.
    fn term_dated_by_plan(&self, plan: &str, term: &Term, field: &str) -> Result<(), Refusal> {
        let alone = proto_events::term::parse(&term.text);
        if alone.meaning != (TermMeaning::Text { reason: TextReason::NoYear }) {
            return Ok(());
        }
        let period = match self.index.get(&Key::Plan(plan.into())) {
            Some(Fact::Plan { period: (from, to), .. }) => Some((i32::from(*from), i32::from(*to))),
            _ => None,
        };
        let read = proto_events::term::parse_in_period(&term.text, period);
        if read.meaning != term.meaning {
            return Err(Refusal::new(
                field,
                &term.meaning,
                format!("не совпадает с прочтением текста срока в периоде плана: {}", read.meaning),
            ));
        }
        Ok(())
    }

    /// A hire's check that the teacher is not employed already. The refusal names the
    /// employer only to a role whose scope covers it: a municipality hiring a teacher who works
    /// in another municipality is told how such a move is recorded, not where (secrecy row 7).
    fn not_employed(&self, teacher: &str) -> Result<(), Refusal> {
        match self.index.get(&Key::Teacher(teacher.into())) {
            Some(Fact::Teacher { organisation, employed: true, .. }) => {
                let rule = if self.covers(organisation) {
                    format!(
                        "педагог уже работает в {organisation}: используйте событие teacher_moved"
                    )
                } else {
                    ELSEWHERE.to_string()
                };
                Err(Refusal::new("teacher", teacher, rule))
            }
            _ => Ok(()),
        }
    }

    /// A move's or departure's check that the teacher works at `organisation`, named in
    /// `field`. Where the teacher does work is named only to a role whose scope covers it
    /// (secrecy row 8).
    fn employed_at(&self, teacher: &str, field: &str, organisation: &str) -> Result<(), Refusal> {
        match self.index.get(&Key::Teacher(teacher.into())) {
            Some(Fact::Teacher { organisation: current, employed: true, .. })
                if current == organisation =>
            {
                Ok(())
            }
            Some(Fact::Teacher { organisation: current, employed: true, .. }) => {
                let rule = if self.covers(current) {
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
    fn pair_of(&self, p: &MentoringPairEnded) -> Result<(), Refusal> {
        match self.index.get(&Key::Pair(p.pair.to_string())) {
            Some(Fact::Pair { mentee, .. }) if mentee == p.mentee.as_str() => Ok(()),
            Some(Fact::Pair { mentee, .. }) => Err(Refusal::new(
                "mentee",
                &p.mentee,
                format!("наставляемый в этой паре — {mentee}"),
            )),
            _ => Err(unknown_pair(p.pair.as_str())),
        }
    }

    fn holds_role(
        &self,
        field: &str,
        person: &str,
        role: SupportSystemRole,
    ) -> Result<(), Refusal> {
        match self.index.get(&Key::Person(person.into())) {
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

    fn step_exists(&self, field: &str, route: &str, step: &str) -> Result<(), Refusal> {
        if self.index.contains(&Key::Step(route.into(), step.into())) {
            Ok(())
        } else {
            Err(Refusal::unknown(
                field,
                step,
                format!("в маршруте {route} нет шага с таким идентификатором"),
            ))
        }
    }
}
