//! Commands and the command gate (given events / when command / then accepted or refused), and
//! the erasable personal-data directory.

use std::collections::{BTreeMap, BTreeSet};

use letopis::commands::{
    open_ledger, rebuild_gate, submit_blocking, Command, CommandError, CommandOutcome,
    RejectionClass,
};
use letopis::personal::{PersonRecord, PersonalDirectory};
use letopis::store::{AppendError, AppendRequest, Ledger, Rejection};
use proto_events::term;
use proto_events::vocabulary::{
    Accumulation, ActivityAdded, ActivityExecutionReported, CompetenceCode, CompletionId,
    CourseCompleted, CourseEnrolled, DiagnosticId, DiagnosticProcedureRegistered,
    DiagnosticRecorded, EventCorrected, EventRetracted, ExecutionStatus, FigureReported,
    FlagChange, IndicatorCode, LowResultsGrade, MentoringPairEnded, MentoringPairFormed,
    MunicipalEventHeld, MunicipalityCode, MunicipalityRegistered, OrgId, OrganisationKind,
    OrganisationRegistered, OrganisationStatus, OrganisationStatusChanged, PairId,
    ParticipationKind, ParticipationRecorded, Payload, PlanCreated, PlanId, PlanLevel,
    PlanSectionAdded, Position, ProcedureId, ProcedureLevel, ProgramForm, ProgramId, ProgramKind,
    ProgramRegistered, ProgramTopic, Replacement, ReportId, RouteId, RouteOpened,
    RouteStepCompleted, RouteStepPlanned, RouteStepRef, Scope, StepForm, StepId, TargetSet,
    TargetValue, TargetWithdrawn, TeacherHired, TeacherId, TeacherLeft, TeacherMoved,
};
use proto_events::{Actor, ActorRole, Basis, Date, Effective, EventId, Seq};

use crate::support::{open_after_shutdown, StepClock};

// ---- the one helper -------------------------------------------------------------------------

/// What a `when` command must lead to.
enum Then {
    Accepted,
    /// Accepted with a warning containing this text.
    Warned(&'static str),
    /// Refused as data breaking a rule (`RejectionClass::Invalid`), by the gate or the stateless
    /// checks, naming this field and a rule containing this.
    Invalid(&'static str, &'static str),
    /// Refused as a reference to something that does not exist
    /// (`RejectionClass::UnknownReference`), naming this field and a rule containing this.
    Unknown(&'static str, &'static str),
    /// Refused by the role or its scope (`RejectionClass::Forbidden`), naming this field and a
    /// rule containing this.
    Forbidden(&'static str, &'static str),
}

/// Given `given` (recorded by the system), when `role` submits `when`, then `then`; a refusal
/// must leave the ledger head where it was.
fn check(given: Vec<Command>, role: ActorRole, when: Vec<Command>, then: Then) -> Given {
    let Given { _dir: dir, ledger } = recorded(given);
    let before = ledger.store().head();
    let result = submit_blocking(&ledger, &actor(role), when);
    let then_class = match then {
        Then::Accepted | Then::Warned(_) => None,
        Then::Invalid(..) => Some(RejectionClass::Invalid),
        Then::Unknown(..) => Some(RejectionClass::UnknownReference),
        Then::Forbidden(..) => Some(RejectionClass::Forbidden),
    };
    match (then, result) {
        (Then::Accepted, Ok(CommandOutcome { warnings, .. })) => {
            assert!(warnings.is_empty(), "unexpected warnings {warnings:?}")
        }
        (Then::Warned(text), Ok(CommandOutcome { warnings, .. })) => {
            assert!(warnings.iter().any(|w| w.contains(text)), "warnings {warnings:?}")
        }
        (
            Then::Invalid(field, rule) | Then::Unknown(field, rule) | Then::Forbidden(field, rule),
            Err(error),
        ) => {
            assert_eq!(error.class(), then_class, "{error}");
            assert_eq!(error.field(), Some(field), "{error}");
            assert!(error.rule().unwrap_or("").contains(rule), "{error}");
            assert_eq!(ledger.store().head(), before, "a refused command moved the head");
        }
        (_, Ok(outcome)) => panic!("expected a refusal, got {outcome:?}"),
        (_, Err(error)) => panic!("expected acceptance, got {error}"),
    }
    Given { _dir: dir, ledger }
}

/// The ledger a check left behind, with its directory (removed on drop).
struct Given {
    _dir: tempfile::TempDir,
    ledger: Ledger,
}

/// A gated ledger in a fresh directory with `given` recorded by the system, one command at a
/// time.
fn recorded(given: Vec<Command>) -> Given {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_ledger(dir.path(), StepClock::new()).unwrap();
    for command in given {
        submit_blocking(&ledger, &actor(ActorRole::System), vec![command]).unwrap();
    }
    Given { _dir: dir, ledger }
}

// ---- fixtures ------------------------------------------------------------------------------

fn actor(role: ActorRole) -> Actor {
    Actor { role, id: "tok-test".into() }
}

fn day(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap()
}

fn cmd(payload: impl Into<Payload>) -> Command {
    Command::new(payload, Effective::Date(day(2024, 3, 1)))
}

fn dated(payload: impl Into<Payload>, date: Date) -> Command {
    Command::new(payload, Effective::Date(date))
}

fn municipality(code: &str) -> Command {
    cmd(MunicipalityRegistered {
        municipality: MunicipalityCode::new(code).unwrap(),
        name: format!("Municipality {code}"),
    })
}

fn organisation(id: &str, municipality: &str) -> Command {
    cmd(OrganisationRegistered {
        organisation: OrgId::new(id).unwrap(),
        name: format!("School {id}"),
        kind: OrganisationKind::General,
        municipality: Some(MunicipalityCode::new(municipality).unwrap()),
    })
}

fn hired(teacher: &str, organisation: &str, on: Date) -> Command {
    dated(
        TeacherHired {
            teacher: TeacherId::new(teacher).unwrap(),
            organisation: OrgId::new(organisation).unwrap(),
            position: Position::Teacher,
            career_start: day(2010, 9, 1),
            birth_year: 1985,
        },
        on,
    )
}

fn program(id: &str, hours: u32) -> Command {
    cmd(ProgramRegistered {
        program: ProgramId::new(id).unwrap(),
        title: "Функциональная грамотность".into(),
        kind: ProgramKind::FurtherTraining,
        hours,
        provider: OrgId::new("iro").unwrap(),
        form: ProgramForm::Course,
        topics: BTreeSet::from([ProgramTopic::FunctionalLiteracy]),
    })
}

fn completion(id: &str, teacher: &str, program: &str, on: Date) -> Command {
    dated(
        CourseCompleted {
            completion: CompletionId::new(id).unwrap(),
            teacher: TeacherId::new(teacher).unwrap(),
            program: ProgramId::new(program).unwrap(),
            completed_on: on,
            certificate_number: "772400012345".into(),
            hours: 36,
            provider: OrgId::new("iro").unwrap(),
            route_step: None,
        },
        on,
    )
}

fn codes(list: &[&str]) -> BTreeSet<CompetenceCode> {
    list.iter().map(|c| CompetenceCode::new(*c).unwrap()).collect()
}

fn procedure(id: &str, competences: &[&str]) -> Command {
    cmd(DiagnosticProcedureRegistered {
        procedure: ProcedureId::new(id).unwrap(),
        title: "Диагностика профессиональных дефицитов".into(),
        level: ProcedureLevel::Regional,
        competences: codes(competences),
    })
}

fn diagnostic(id: &str, teacher: &str, procedure: &str, deficits: &[&str]) -> Command {
    cmd(DiagnosticRecorded {
        diagnostic: DiagnosticId::new(id).unwrap(),
        teacher: TeacherId::new(teacher).unwrap(),
        procedure: ProcedureId::new(procedure).unwrap(),
        taken_on: day(2024, 3, 1),
        scores: BTreeMap::new(),
        deficits: codes(deficits),
    })
}

fn route(id: &str, teacher: &str, diagnostic: &str) -> Command {
    cmd(RouteOpened {
        route: RouteId::new(id).unwrap(),
        teacher: TeacherId::new(teacher).unwrap(),
        diagnostic: DiagnosticId::new(diagnostic).unwrap(),
        deficits: codes(&["c1"]),
    })
}

fn step_planned(route: &str, step: &str) -> Command {
    cmd(RouteStepPlanned {
        route: RouteId::new(route).unwrap(),
        teacher: TeacherId::new("t1").unwrap(),
        step: StepId::new(step).unwrap(),
        form: StepForm::SelfStudy,
        program: None,
        deficits: codes(&["c1"]),
        due_on: day(2024, 12, 1),
    })
}

fn step_completed(route: &str, step: &str) -> Command {
    cmd(RouteStepCompleted {
        route: RouteId::new(route).unwrap(),
        teacher: TeacherId::new("t1").unwrap(),
        step: StepId::new(step).unwrap(),
        completed_on: day(2024, 6, 1),
        evidence: None,
    })
}

fn plan(id: &str, level: PlanLevel) -> Command {
    cmd(PlanCreated {
        plan: PlanId::new(id).unwrap(),
        level,
        title: "Дорожная карта".into(),
        period_from_year: 2023,
        period_to_year: 2025,
        owner: "министерство".into(),
    })
}

fn section(plan: &str, section: &str) -> Command {
    cmd(PlanSectionAdded {
        plan: PlanId::new(plan).unwrap(),
        section: proto_events::vocabulary::SectionId::new(section).unwrap(),
        number: Some("1".into()),
        title: "Диагностика".into(),
    })
}

fn activity(plan: &str, section: &str, activity: &str) -> Command {
    cmd(ActivityAdded {
        plan: PlanId::new(plan).unwrap(),
        activity: proto_events::vocabulary::ActivityId::new(activity).unwrap(),
        section: proto_events::vocabulary::SectionId::new(section).unwrap(),
        number: "1.1".into(),
        title: "Провести диагностику".into(),
        responsible: "ЦНППМ".into(),
        co_executors: Vec::new(),
        term: term::parse("2024"),
        key_result: "90% педагогов прошли диагностику".into(),
        fixing_documents: "отчёт".into(),
        indicator: None,
        planned_value: None,
    })
}

fn executed(plan: &str, activity: &str) -> Command {
    cmd(ActivityExecutionReported {
        plan: PlanId::new(plan).unwrap(),
        activity: proto_events::vocabulary::ActivityId::new(activity).unwrap(),
        status: ExecutionStatus::Done,
        evidence: "отчёт".into(),
        reported_on: day(2024, 12, 20),
    })
}

fn figure(report: &str, scope: Scope, value_bp: u32) -> Command {
    cmd(FigureReported {
        report: ReportId::new(report).unwrap(),
        indicator: IndicatorCode::Diagnosed,
        scope,
        valid_on: day(2024, 12, 31),
        value_bp: Some(value_bp),
        numerator: 10,
        denominator: 100,
        reporter: "МОУО".into(),
    })
}

fn target() -> Command {
    cmd(TargetSet {
        indicator: IndicatorCode::Diagnosed,
        scope: Scope::Region,
        value: TargetValue::ShareAtLeastBp(1000),
        deadline: Some(day(2024, 12, 31)),
        accumulation: Accumulation::Annual,
        from_year: Some(2023),
        act: Basis {
            kind: "распоряжение".into(),
            number: "55-35-мпр".into(),
            date: day(2023, 6, 13),
            title: None,
        },
    })
}

fn with_id(mut command: Command, id: u128) -> Command {
    command.id = Some(EventId(uuid::Uuid::from_u128(id)));
    command
}

fn retract(target: u128) -> Command {
    cmd(EventRetracted {
        target: EventId(uuid::Uuid::from_u128(target)), reason: "ошибка".into()
    })
}

fn correct(target: u128, replacement: Command) -> Command {
    cmd(EventCorrected {
        target: EventId(uuid::Uuid::from_u128(target)),
        reason: "опечатка".into(),
        replacement: Replacement::of(&replacement.payload).unwrap(),
    })
}

/// A small region: municipalities m1 and m2, the provider `iro`, school o1 in m1 and o2 in m2,
/// teacher t1 at o1 (hired 2020-09-01), program p1, procedure d1 measuring c1 and c2.
fn region() -> Vec<Command> {
    vec![
        municipality("m1"),
        municipality("m2"),
        organisation("iro", "m1"),
        organisation("o1", "m1"),
        organisation("o2", "m2"),
        hired("t1", "o1", day(2020, 9, 1)),
        program("p1", 36),
        procedure("d1", &["c1", "c2"]),
    ]
}

fn region_with(more: Vec<Command>) -> Vec<Command> {
    let mut given = region();
    given.extend(more);
    given
}

fn routed() -> Vec<Command> {
    region_with(vec![diagnostic("dg1", "t1", "d1", &["c1"]), route("r1", "t1", "dg1")])
}

fn planned() -> Vec<Command> {
    region_with(vec![
        plan("pl1", PlanLevel::Regional),
        section("pl1", "s1"),
        activity("pl1", "s1", "a1"),
    ])
}

// ---- acceptance ----------------------------------------------------------------------------

#[test]
fn a_consistent_history_is_accepted() {
    let mut when = vec![
        completion("cc1", "t1", "p1", day(2024, 5, 20)),
        diagnostic("dg1", "t1", "d1", &["c1"]),
        route("r1", "t1", "dg1"),
        step_planned("r1", "st1"),
        step_completed("r1", "st1"),
    ];
    when.extend([
        plan("pl1", PlanLevel::Regional),
        section("pl1", "s1"),
        activity("pl1", "s1", "a1"),
    ]);
    when.push(executed("pl1", "a1"));
    check(region(), ActorRole::Operator, when, Then::Accepted);
}

#[test]
fn a_gated_ledger_is_rebuilt_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_ledger(dir.path(), StepClock::new()).unwrap();
    submit_blocking(&ledger, &actor(ActorRole::System), region()).unwrap();
    ledger.shutdown();
    // What `open_ledger` does, through the retrying open (sled's lock can trail a shutdown
    // inside one process).
    let store = open_after_shutdown(dir.path()).unwrap();
    let gate = rebuild_gate(&store).unwrap();
    let ledger = Ledger::start(store, Box::new(gate), StepClock::new());
    let again = submit_blocking(&ledger, &actor(ActorRole::System), vec![organisation("o1", "m1")]);
    assert_eq!(again.unwrap_err().field(), Some("organisation"));
    submit_blocking(
        &ledger,
        &actor(ActorRole::System),
        vec![completion("cc1", "t1", "p1", day(2024, 5, 1))],
    )
    .unwrap();
}

// ---- references ----------------------------------------------------------------------------

#[test]
fn unknown_organisation() {
    let when = vec![hired("t2", "nowhere", day(2024, 1, 9))];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Unknown("organisation", "организация с таким идентификатором не зарегистрирована"),
    );
}

#[test]
fn unknown_municipality() {
    let when = vec![organisation("o9", "m9")];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Unknown("municipality", "муниципалитет с таким идентификатором не зарегистрирован"),
    );
}

#[test]
fn unknown_teacher() {
    let when = vec![completion("cc1", "ghost", "p1", day(2024, 5, 1))];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Unknown("teacher", "педагог с таким идентификатором не зарегистрирован"),
    );
}

#[test]
fn unknown_program() {
    let when = vec![completion("cc1", "t1", "p404", day(2024, 5, 1))];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Unknown("program", "программа с таким идентификатором не зарегистрирована"),
    );
}

#[test]
fn unknown_procedure() {
    let when = vec![diagnostic("dg1", "t1", "d404", &["c1"])];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Unknown(
            "procedure",
            "процедура диагностики с таким идентификатором не зарегистрирована",
        ),
    );
}

#[test]
fn deficit_outside_the_procedure_catalogue() {
    let when = vec![diagnostic("dg1", "t1", "d1", &["c9"])];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Invalid("deficits", "не оценивается процедурой"),
    );
}

#[test]
fn unknown_diagnostic() {
    let when = vec![route("r1", "t1", "dg404")];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Unknown("diagnostic", "результат диагностики с таким идентификатором не записан"),
    );
}

#[test]
fn unknown_route() {
    let when = vec![step_planned("r404", "st1")];
    check(
        routed(),
        ActorRole::Operator,
        when,
        Then::Unknown("route", "маршрут с таким идентификатором не открыт"),
    );
}

#[test]
fn unknown_step() {
    let when = vec![step_completed("r1", "st404")];
    check(
        routed(),
        ActorRole::Operator,
        when,
        Then::Unknown("step", "нет шага с таким идентификатором"),
    );
}

#[test]
fn unknown_plan() {
    let when = vec![executed("pl404", "a1")];
    check(
        planned(),
        ActorRole::Operator,
        when,
        Then::Unknown("plan", "план с таким идентификатором не зарегистрирован"),
    );
}

#[test]
fn unknown_activity() {
    let when = vec![executed("pl1", "a404")];
    check(
        planned(),
        ActorRole::Operator,
        when,
        Then::Unknown("activity", "нет мероприятия с таким идентификатором"),
    );
}

#[test]
fn unknown_section() {
    let when = vec![activity("pl1", "s404", "a2")];
    check(
        planned(),
        ActorRole::Operator,
        when,
        Then::Unknown("section", "нет раздела с таким идентификатором"),
    );
}

fn activity_with_term(term: proto_events::term::Term) -> Command {
    let mut command = activity("pl2", "s1", "a9");
    if let Payload::ActivityAdded(added) = &mut command.payload {
        added.term = term;
    }
    command
}

fn single_year_plan() -> Vec<Command> {
    let mut plan = plan("pl2", PlanLevel::Regional);
    if let Payload::PlanCreated(created) = &mut plan.payload {
        created.period_from_year = 2024;
        created.period_to_year = 2024;
    }
    region_with(vec![plan, section("pl2", "s1")])
}

#[test]
fn term_without_a_year_must_be_dated_by_the_plan_period() {
    let when = vec![activity_with_term(term::parse("До сентября"))];
    check(
        single_year_plan(),
        ActorRole::Operator,
        when,
        Then::Invalid("term.meaning", "в периоде плана"),
    );
}

#[test]
fn term_dated_by_the_plan_period_is_accepted() {
    let when = vec![activity_with_term(term::parse_in_period("До сентября", Some((2024, 2024))))];
    check(single_year_plan(), ActorRole::Operator, when, Then::Accepted);
}

/// An amendment of activity a9 of plan pl2 changing its term to `new`, with the reading `meaning`
/// (`None`: the client sent the text only, as before `activity_amended` schema 2).
fn term_amended(new: &str, meaning: Option<term::TermMeaning>) -> Command {
    Command { basis: Some(amending_act()), ..term_amended_without_act(new, meaning) }
}

/// The act that decides the amendments of these tests.
fn amending_act() -> Basis {
    Basis {
        kind: "распоряжение".into(),
        number: "55-100-мр".into(),
        date: day(2024, 2, 20),
        title: None,
    }
}

/// `term_amended` with no act named.
fn term_amended_without_act(new: &str, meaning: Option<term::TermMeaning>) -> Command {
    use proto_events::vocabulary::{ActivityAmended, ActivityField, FieldChange};
    cmd(ActivityAmended {
        plan: "pl2".parse().unwrap(),
        activity: "a9".parse().unwrap(),
        changes: vec![FieldChange {
            field: ActivityField::Term,
            old: "2024".into(),
            new: new.into(),
            meaning,
        }],
        reason: "перенос срока".into(),
    })
}

/// A one-year plan (2024) with activity a9, term "2024".
fn single_year_activity() -> Vec<Command> {
    let mut given = single_year_plan();
    given.push(activity_with_term(term::parse("2024")));
    given
}

#[test]
fn term_amendment_sent_as_text_is_read_in_the_plan_period_before_sealing() {
    let when = vec![term_amended("До сентября", None)];
    let given = check(single_year_activity(), ActorRole::Operator, when, Then::Accepted);
    let store = given.ledger.store();
    let event = store.get(store.head().seq).unwrap().unwrap();
    assert_eq!((event.kind.as_str(), event.schema_version), ("activity_amended", 2));
    let Payload::ActivityAmended(amended) = Payload::decode_envelope(&event).unwrap() else {
        panic!("not an amendment")
    };
    let read = term::parse_in_period("До сентября", Some((2024, 2024)));
    assert!(read.is_structured());
    assert_eq!(amended.changes[0].meaning, Some(read.meaning));
}

#[test]
fn term_amendment_whose_reading_is_not_its_texts_is_refused() {
    let guessed = term_amended("IV квартал 2024", Some(term::parse("2025").meaning));
    check(
        single_year_activity(),
        ActorRole::Operator,
        vec![guessed],
        Then::Invalid("changes.0.meaning", "не совпадает с прочтением"),
    );
    let undated = term_amended("До сентября", Some(term::parse("До сентября").meaning));
    check(
        single_year_activity(),
        ActorRole::Operator,
        vec![undated],
        Then::Invalid("changes.0.meaning", "в периоде плана"),
    );
}

#[test]
fn unknown_correction_target() {
    let when = vec![retract(0xdead)];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Unknown("target", "событие с таким идентификатором не найдено"),
    );
}

#[test]
fn correction_replacement_of_another_kind() {
    let given = region_with(vec![with_id(completion("cc1", "t1", "p1", day(2024, 5, 1)), 7)]);
    let when = vec![correct(7, program("p2", 72))];
    check(
        given,
        ActorRole::Operator,
        when,
        Then::Invalid("replacement.kind", "с видом исправляемого события"),
    );
}

#[test]
fn correction_of_the_same_kind_is_accepted() {
    let given = region_with(vec![with_id(completion("cc1", "t1", "p1", day(2024, 5, 1)), 7)]);
    let when = vec![correct(7, completion("cc1", "t1", "p1", day(2024, 5, 2)))];
    check(given, ActorRole::Operator, when, Then::Accepted);
}

#[test]
fn retracting_twice() {
    let given =
        region_with(vec![with_id(completion("cc1", "t1", "p1", day(2024, 5, 1)), 7), retract(7)]);
    check(given, ActorRole::Operator, vec![retract(7)], Then::Invalid("target", "уже отозвано"));
}

// ---- uniqueness and ranges -----------------------------------------------------------------

#[test]
fn duplicate_registration() {
    let when = vec![organisation("o1", "m1")];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Invalid("organisation", "организация с таким идентификатором уже зарегистрирована"),
    );
}

#[test]
fn duplicate_within_one_batch() {
    let when = vec![program("p7", 36), program("p7", 72)];
    check(
        region(),
        ActorRole::Operator,
        when,
        Then::Invalid("program", "программа с таким идентификатором уже зарегистрирована"),
    );
}

#[test]
fn hours_zero() {
    check(
        region(),
        ActorRole::Operator,
        vec![program("p2", 0)],
        Then::Invalid("hours", "количество часов"),
    );
}

#[test]
fn share_above_100_percent() {
    let when = vec![figure("f1", Scope::Region, 10_001)];
    check(region(), ActorRole::Operator, when, Then::Invalid("value_bp", "10000"));
}

// ---- roles and scopes ----------------------------------------------------------------------

#[test]
fn municipality_writes_another_municipalitys_organisation() {
    let role = ActorRole::Municipality("m1".into());
    let when = vec![hired("t2", "o2", day(2024, 1, 9))];
    check(
        region(),
        role,
        when,
        Then::Forbidden("organisation", "не относится к ведению municipality:m1"),
    );
}

#[test]
fn municipality_registers_in_another_municipality() {
    let role = ActorRole::Municipality("m1".into());
    let when = vec![organisation("o9", "m2")];
    check(region(), role, when, Then::Forbidden("municipality", "не относится к ведению"));
}

#[test]
fn municipality_writes_its_own() {
    let role = ActorRole::Municipality("m1".into());
    let when = vec![
        hired("t2", "o1", day(2024, 1, 9)),
        figure("f1", Scope::Municipality(MunicipalityCode::new("m1").unwrap()), 1000),
    ];
    check(region(), role, when, Then::Accepted);
}

#[test]
fn municipality_reports_for_another_municipality() {
    let role = ActorRole::Municipality("m1".into());
    let when = vec![figure("f1", Scope::Municipality(MunicipalityCode::new("m2").unwrap()), 1000)];
    check(region(), role, when, Then::Forbidden("scope", "не относится к ведению"));
}

#[test]
fn auditor_writes() {
    check(
        region(),
        ActorRole::Auditor,
        vec![municipality("m3")],
        Then::Forbidden("actor.role", "аудитор"),
    );
}

#[test]
fn auditor_retracts() {
    let given = region_with(vec![with_id(completion("cc1", "t1", "p1", day(2024, 5, 1)), 7)]);
    check(given, ActorRole::Auditor, vec![retract(7)], Then::Forbidden("actor.role", "аудитор"));
}

/// An organisation may not record a program registration, so the registration is outside its
/// scope: it is answered as an id that is not in the ledger, naming neither the kind nor the
/// rule that refused it.
#[test]
fn organisation_retracts_an_operator_registration() {
    let given = region_with(vec![with_id(program("p2", 72), 8)]);
    let role = ActorRole::Organisation("o1".into());
    check(
        given,
        role,
        vec![retract(8)],
        Then::Unknown("target", "событие с таким идентификатором не найдено"),
    );
}

/// Region-wide roles keep the refusal itself: the role, the target's kind and the rule.
#[test]
fn ministry_retracts_an_operator_registration() {
    let given = region_with(vec![with_id(program("p2", 72), 8)]);
    check(
        given,
        ActorRole::Ministry,
        vec![retract(8)],
        Then::Forbidden("target.actor.role", "program_registered"),
    );
}

/// What a scoped actor is told about a command, with the target id it names made neutral: the
/// class, the index, the field, the value and the rule.
fn refusal_seen_by(ledger: &Ledger, role: &ActorRole, when: Vec<Command>, id: u128) -> String {
    let error = submit_blocking(ledger, &actor(role.clone()), when).unwrap_err();
    let seen = format!("{:?} {error:?}", error.class());
    seen.replace(&uuid::Uuid::from_u128(id).to_string(), "<target>")
}

fn municipal_plan(id: &str, owner: &str) -> Command {
    let mut created = plan(id, PlanLevel::Municipal);
    if let Payload::PlanCreated(payload) = &mut created.payload {
        payload.owner = format!("municipality:{owner}");
    }
    created
}

/// For a municipality or an organisation, an event outside its scope and an id that is not in
/// the ledger give the very same refusal (class, field, rule; the value is the id it sent),
/// whatever the command tries: a retraction, a correction of the wrong kind, a retraction of an
/// event already retracted, one with an expected version of the target's stream (a conflict
/// would name that stream), two expecting different versions of it (the refusal would name
/// it), one before a retraction of an unknown id (which would be refused first), a command
/// under the event's own id (an id reused with other content would name its seq). Events of
/// another organisation's teacher, another municipality's report and plan, a program
/// registration (a kind it may not record at all).
#[test]
fn secrecy_4_a_scoped_actor_cannot_tell_an_event_outside_its_scope_from_an_unknown_id() {
    const UNKNOWN: u128 = 0xdead;
    let Given { _dir, ledger } = recorded(region_with(vec![
        hired("t2", "o2", day(2020, 9, 1)),
        with_id(completion("cc2", "t2", "p1", day(2024, 5, 1)), 21),
        with_id(figure("f2", Scope::Municipality(MunicipalityCode::new("m2").unwrap()), 1000), 22),
        with_id(municipal_plan("pl-m2", "m2"), 23),
        with_id(program("p2", 72), 24),
        with_id(completion("cc3", "t2", "p1", day(2024, 5, 2)), 25),
        retract(25),
    ]));
    // A command the role may record, to put before the probe in a batch.
    let own_command = |role: &ActorRole| match role {
        ActorRole::Organisation(_) => completion("cc9", "t1", "p1", day(2024, 5, 3)),
        _ => hired("t9", "o1", day(2024, 1, 9)),
    };
    type Attempt<'a> = Box<dyn Fn(&ActorRole, u128) -> Vec<Command> + 'a>;
    let attempts: Vec<(&str, Attempt)> = vec![
        ("retraction", Box::new(|_, target| vec![retract(target)])),
        (
            "correction of the wrong kind",
            Box::new(|_, target| vec![correct(target, program("p9", 36))]),
        ),
        (
            "correction as the actor's own report",
            Box::new(|_, target| {
                let own = Scope::Municipality(MunicipalityCode::new("m1").unwrap());
                vec![correct(target, figure("f2", own, 1000))]
            }),
        ),
        (
            "retraction expecting a version of the target's stream",
            Box::new(|_, target| vec![with_expected_version(retract(target), 1)]),
        ),
        (
            "retraction after the actor's own command",
            Box::new(move |role, target| vec![own_command(role), retract(target)]),
        ),
        (
            "two retractions expecting different versions of the target's stream",
            Box::new(|_, target| {
                vec![
                    with_expected_version(retract(target), 1),
                    with_expected_version(retract(target), 2),
                ]
            }),
        ),
        (
            "retraction before one of an unknown id",
            Box::new(|_, target| vec![retract(target), retract(0xbeef)]),
        ),
        (
            "a command under the event's id",
            Box::new(|_, target| vec![with_id(retract(0xbeef), target)]),
        ),
    ];
    for role in [ActorRole::Municipality("m1".into()), ActorRole::Organisation("o1".into())] {
        for (name, when) in &attempts {
            let unknown = refusal_seen_by(&ledger, &role, when(&role, UNKNOWN), UNKNOWN);
            assert!(unknown.starts_with("Some(UnknownReference) UnknownReference"), "{unknown}");
            for outside in [21, 22, 23, 24, 25] {
                let seen = refusal_seen_by(&ledger, &role, when(&role, outside), outside);
                assert_eq!(seen, unknown, "{role} {name}: event {outside}");
            }
        }
    }
    // The same events are refused to region-wide roles for what they are.
    let error =
        submit_blocking(&ledger, &actor(ActorRole::Ministry), vec![retract(21)]).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::Forbidden), "{error}");
    let error =
        submit_blocking(&ledger, &actor(ActorRole::Operator), vec![retract(25)]).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::Invalid), "{error}");
    assert_eq!(error.rule(), Some("событие уже отозвано"));
    let when = vec![with_expected_version(retract(21), 1)];
    let error = submit_blocking(&ledger, &actor(ActorRole::Operator), when).unwrap_err();
    assert!(matches!(error, CommandError::Append(AppendError::Conflict { .. })), "{error:?}");
}

/// A scoped actor still retracts and corrects what it may record: its own teacher's completion,
/// its own municipality's report and plan, an event of the same batch.
#[test]
fn a_scoped_actor_retracts_and_corrects_its_own_events() {
    let given = region_with(vec![
        with_id(completion("cc1", "t1", "p1", day(2024, 5, 1)), 31),
        with_id(figure("f1", Scope::Municipality(MunicipalityCode::new("m1").unwrap()), 1000), 32),
        with_id(municipal_plan("pl-m1", "m1"), 33),
    ]);
    let organisation = ActorRole::Organisation("o1".into());
    let municipality = ActorRole::Municipality("m1".into());
    let corrected = completion("cc1", "t1", "p1", day(2024, 5, 2));
    check(given.clone(), organisation.clone(), vec![correct(31, corrected)], Then::Accepted);
    check(
        given.clone(),
        organisation.clone(),
        vec![with_expected_version(retract(31), 2)],
        Then::Accepted,
    );
    check(given.clone(), municipality.clone(), vec![retract(32), retract(33)], Then::Accepted);
    let when = vec![with_id(completion("cc9", "t1", "p1", day(2024, 5, 3)), 34), retract(34)];
    check(given, organisation, when, Then::Accepted);
}

/// Two commands of a batch expecting different versions of one stream are refused naming the
/// stream, as a stateless check: at once for a region-wide role, after the gate's screen for a
/// scoped one (whose target outside its scope must read as unknown first), the same answer.
#[test]
fn expected_versions_that_disagree_about_a_stream_are_refused_naming_it() {
    let Given { _dir, ledger } =
        recorded(region_with(vec![with_id(completion("cc1", "t1", "p1", day(2024, 5, 1)), 31)]));
    let head = ledger.store().head();
    let when =
        || vec![with_expected_version(retract(31), 1), with_expected_version(retract(31), 2)];
    for role in [ActorRole::Operator, ActorRole::Organisation("o1".into())] {
        match submit_blocking(&ledger, &actor(role.clone()), when()).unwrap_err() {
            CommandError::Invalid { index, field, value, rule } => {
                assert_eq!((index, field.as_str(), value.as_str()), (1, "expected_version", "2"));
                assert_eq!(rule, "другая команда пакета ожидает для потока teacher/t1 версию 1");
            }
            other => panic!("{role}: expected Invalid, got {other:?}"),
        }
    }
    assert_eq!(ledger.store().head(), head, "a refusal wrote");
}

/// A scoped actor's retraction whose target was not in the ledger when `submit` placed it is
/// refused as one of an unknown target, even if the target was recorded since (by a concurrent
/// append) and is in its scope: the same answer `submit` gives a moment earlier.
#[test]
fn a_retraction_placed_before_its_target_was_recorded_is_refused_as_an_unknown_target() {
    let Given { _dir, ledger } =
        recorded(region_with(vec![with_id(completion("cc1", "t1", "p1", day(2024, 5, 1)), 31)]));
    let head = ledger.store().head();
    let organisation = actor(ActorRole::Organisation("o1".into()));
    let unplaced = proto_events::StreamName::new("unplaced/target").unwrap();
    let event = retract(31)
        .payload
        .to_new_event_in(unplaced, None, Effective::Date(day(2024, 5, 2)), organisation, None)
        .unwrap();
    let error = ledger.append_blocking(AppendRequest::new(vec![event])).unwrap_err();
    let target = uuid::Uuid::from_u128(31).to_string();
    match error {
        AppendError::Rejected(Rejection { event_index: 0, class, field, value, rule }) => {
            assert_eq!(class, RejectionClass::UnknownReference);
            assert_eq!((field.as_str(), value.as_str()), ("target", target.as_str()));
            assert_eq!(rule, "событие с таким идентификатором не найдено");
        }
        other => panic!("expected an unknown target, got {other:?}"),
    }
    assert_eq!(ledger.store().head(), head, "a refusal wrote");
}

fn with_expected_version(mut command: Command, version: u64) -> Command {
    command.expected_version = Some(version);
    command
}

/// A correction is authorised as the event it corrects too: a municipality cannot take another
/// municipality's report or plan by correcting it into its own (answered as an unknown target),
/// nor retract another municipality's plan; the operator cannot turn the ministry's federal plan
/// into a regional one (refused naming the target's level).
#[test]
fn a_correction_cannot_move_an_event_into_the_actors_scope() {
    let given = region_with(vec![
        with_id(figure("f2", Scope::Municipality(MunicipalityCode::new("m2").unwrap()), 1000), 41),
        with_id(municipal_plan("pl-m2", "m2"), 42),
        with_id(plan("pl-f", PlanLevel::Federal), 43),
    ]);
    let municipality = ActorRole::Municipality("m1".into());
    let own = Scope::Municipality(MunicipalityCode::new("m1").unwrap());
    let unknown = || Then::Unknown("target", "событие с таким идентификатором не найдено");
    check(
        given.clone(),
        municipality.clone(),
        vec![correct(41, figure("f2", own, 900))],
        unknown(),
    );
    check(
        given.clone(),
        municipality.clone(),
        vec![correct(42, municipal_plan("pl-m2", "m1"))],
        unknown(),
    );
    check(given.clone(), municipality, vec![retract(42)], unknown());
    check(
        given,
        ActorRole::Operator,
        vec![correct(43, plan("pl-f", PlanLevel::Regional))],
        Then::Forbidden("target.level", "оператор ведёт региональные планы"),
    );
}

#[test]
fn organisation_writes_a_ministry_only_kind() {
    let role = ActorRole::Organisation("o1".into());
    check(
        region(),
        role,
        vec![target()],
        Then::Forbidden("actor.role", "не может записывать события target_set"),
    );
}

#[test]
fn operator_sets_a_target() {
    check(
        region(),
        ActorRole::Operator,
        vec![target()],
        Then::Forbidden("actor.role", "target_set"),
    );
}

#[test]
fn ministry_sets_a_target() {
    check(region(), ActorRole::Ministry, vec![target()], Then::Accepted);
}

fn municipal_target(municipality: &str) -> Command {
    let mut command = target();
    if let Payload::TargetSet(target) = &mut command.payload {
        target.indicator = IndicatorCode::MunicipalEvents;
        target.value = TargetValue::CountAtLeast(2);
        target.scope = Scope::Municipality(MunicipalityCode::new(municipality).unwrap());
    }
    command
}

/// A municipality sets its own plan's targets for itself (seed 003); not another's, not the
/// region's.
#[test]
fn a_municipality_sets_the_targets_of_its_own_plan_only() {
    let own = || ActorRole::Municipality("m1".into());
    check(region(), own(), vec![municipal_target("m1")], Then::Accepted);
    check(
        region(),
        own(),
        vec![municipal_target("m2")],
        Then::Forbidden("scope", "не относится к ведению"),
    );
    check(region(), own(), vec![target()], Then::Forbidden("scope", "не относится к ведению"));
}

fn withdrawal(set_by_number: &str) -> Command {
    cmd(TargetWithdrawn {
        indicator: IndicatorCode::Diagnosed,
        scope: Scope::Region,
        set_by_act: Basis {
            kind: "распоряжение".into(),
            number: set_by_number.into(),
            date: day(2023, 6, 13),
            title: None,
        },
        act: Basis {
            kind: "распоряжение".into(),
            number: "71-мпр".into(),
            date: day(2024, 2, 1),
            title: None,
        },
    })
}

#[test]
fn ministry_withdraws_a_target_an_act_set() {
    let mut given = region();
    given.push(target());
    check(given, ActorRole::Ministry, vec![withdrawal("55-35-мпр")], Then::Accepted);
}

/// A withdrawal names a target by indicator, scope and act; one that no act of that number set
/// is an unknown reference, named in the refusal, and the ledger stays as it was.
#[test]
fn a_withdrawal_of_a_target_no_act_set_is_refused() {
    let mut given = region();
    given.push(target());
    check(
        given,
        ActorRole::Ministry,
        vec![withdrawal("55-36-мпр")],
        Then::Unknown("set_by_act", "целевое значение показателя diagnosed"),
    );
}

#[test]
fn operator_withdraws_a_target() {
    let mut given = region();
    given.push(target());
    check(
        given,
        ActorRole::Operator,
        vec![withdrawal("55-35-мпр")],
        Then::Forbidden("actor.role", "target_withdrawn"),
    );
}

fn municipal_event(id: &str, municipality: &str) -> Command {
    dated(
        MunicipalEventHeld {
            event: proto_events::vocabulary::RegionalEventId::new(id).unwrap(),
            municipality: MunicipalityCode::new(municipality).unwrap(),
            title: "Муниципальный методический день".into(),
            held_on: day(2024, 11, 6),
        },
        day(2024, 11, 6),
    )
}

/// A municipality records the events it held itself (seed 003, indicator 3); another's, an
/// unknown municipality's and a second record under one id are refused by name.
#[test]
fn a_municipality_records_its_own_municipal_events() {
    let own = || ActorRole::Municipality("m1".into());
    check(region(), own(), vec![municipal_event("me-1", "m1")], Then::Accepted);
    check(region(), ActorRole::Operator, vec![municipal_event("me-1", "m2")], Then::Accepted);
    check(
        region(),
        own(),
        vec![municipal_event("me-1", "m2")],
        Then::Forbidden("municipality", "не относится к ведению"),
    );
    check(
        region(),
        ActorRole::Operator,
        vec![municipal_event("me-1", "m9")],
        Then::Unknown("municipality", ""),
    );
    let mut given = region();
    given.push(municipal_event("me-1", "m1"));
    check(
        given,
        own(),
        vec![municipal_event("me-1", "m1")],
        Then::Invalid("event", "уже записано"),
    );
}

fn enrolment(id: &str, teacher: &str, program: &str) -> Command {
    dated(
        CourseEnrolled {
            enrolment: proto_events::vocabulary::EnrolmentId::new(id).unwrap(),
            teacher: TeacherId::new(teacher).unwrap(),
            program: ProgramId::new(program).unwrap(),
            provider: OrgId::new("iro").unwrap(),
            enrolled_on: day(2024, 3, 1),
            ends_on: Some(day(2024, 4, 30)),
            route_step: None,
        },
        day(2024, 3, 1),
    )
}

#[test]
fn an_enrolment_names_a_registered_program_and_is_recorded_once() {
    check(region(), ActorRole::Operator, vec![enrolment("e1", "t1", "p1")], Then::Accepted);
    check(
        region(),
        ActorRole::Operator,
        vec![enrolment("e1", "t1", "p-none")],
        Then::Unknown("program", ""),
    );
    let mut given = region();
    given.push(enrolment("e1", "t1", "p1"));
    check(
        given,
        ActorRole::Operator,
        vec![enrolment("e1", "t1", "p1")],
        Then::Invalid("enrolment", "уже записано"),
    );
    // An organisation enrols only its own teachers (t1 works at o1).
    let role = ActorRole::Organisation("o2".into());
    check(
        region(),
        role,
        vec![enrolment("e1", "t1", "p1")],
        Then::Unknown("teacher", "не зарегистрирован"),
    );
}

/// Another organisation's teacher is answered as a teacher that is not registered (see
/// `a_scoped_actor_cannot_tell_a_teacher_outside_its_scope_from_an_unknown_one`).
#[test]
fn organisation_records_another_organisations_teacher() {
    let role = ActorRole::Organisation("o2".into());
    let when = vec![completion("cc1", "t1", "p1", day(2024, 5, 1))];
    check(
        region(),
        role,
        when,
        Then::Unknown("teacher", "педагог с таким идентификатором не зарегистрирован"),
    );
}

#[test]
fn organisation_records_its_own_teacher() {
    let role = ActorRole::Organisation("o1".into());
    let when = vec![completion("cc1", "t1", "p1", day(2024, 5, 1))];
    check(region(), role, when, Then::Accepted);
}

fn status(organisation: &str, status: OrganisationStatus) -> Command {
    cmd(OrganisationStatusChanged {
        organisation: OrgId::new(organisation).unwrap(),
        status,
        change: FlagChange::Set,
        valid_from: day(2024, 3, 1),
        valid_to: None,
    })
}

/// Issue 17: an organisation records the adoption of its own mentoring program (what
/// `mentoring_orgs` counts), not another's, and never the ministry's lists of schools.
#[test]
fn organisation_records_its_own_mentoring_program_only() {
    let role = || ActorRole::Organisation("o1".into());
    let program = OrganisationStatus::MentoringProgram;
    check(region(), role(), vec![status("o1", program)], Then::Accepted);
    check(
        region(),
        role(),
        vec![status("o2", program)],
        Then::Forbidden("organisation", "не относится к ведению"),
    );
    check(
        region(),
        role(),
        vec![status("o1", OrganisationStatus::LowResults(LowResultsGrade::Basic))],
        Then::Forbidden("status", "только свою программу наставничества"),
    );
}

fn participation(teacher: &str) -> Command {
    cmd(ParticipationRecorded {
        teacher: TeacherId::new(teacher).unwrap(),
        kind: ParticipationKind::RegionalEvent,
        event_title: "Региональный методический семинар".into(),
        participated_on: day(2024, 3, 1),
    })
}

fn pair_formed(pair: &str, organisation: &str, mentor: &str, mentee: &str) -> Command {
    cmd(MentoringPairFormed {
        pair: PairId::new(pair).unwrap(),
        mentor: TeacherId::new(mentor).unwrap(),
        mentee: TeacherId::new(mentee).unwrap(),
        organisation: OrgId::new(organisation).unwrap(),
        mentoring_program: None,
    })
}

fn pair_ended(pair: &str, mentee: &str) -> Command {
    cmd(MentoringPairEnded {
        pair: PairId::new(pair).unwrap(),
        mentee: TeacherId::new(mentee).unwrap(),
        reason: None,
    })
}

fn left(teacher: &str, organisation: &str) -> Command {
    dated(
        TeacherLeft {
            teacher: TeacherId::new(teacher).unwrap(),
            organisation: OrgId::new(organisation).unwrap(),
            reason: None,
        },
        day(2024, 6, 30),
    )
}

fn moved(teacher: &str, from: &str, to: &str) -> Command {
    dated(
        TeacherMoved {
            teacher: TeacherId::new(teacher).unwrap(),
            from_organisation: OrgId::new(from).unwrap(),
            to_organisation: OrgId::new(to).unwrap(),
            position: Position::Teacher,
        },
        day(2024, 9, 1),
    )
}

fn completion_on_route(id: &str, teacher: &str, route: &str) -> Command {
    let mut command = completion(id, teacher, "p1", day(2024, 5, 1));
    if let Payload::CourseCompleted(payload) = &mut command.payload {
        payload.route_step = Some(RouteStepRef {
            route: RouteId::new(route).unwrap(),
            step: StepId::new("s1").unwrap(),
        });
    }
    command
}

/// The region with teachers outside organisation o1's scope: t2 at o2 (in m2), t3 at o3 (in
/// m1, o1's own municipality), t4 who left o2, t6 who moved from o1 to o2 while mentored in
/// o1's pair pr-6; o2's pair pr-2 (mentee t2, mentor t5 at o2); a route r2 of t2 with a step
/// s1; completion cc-dup of t1.
fn teachers_elsewhere() -> Vec<Command> {
    region_with(vec![
        organisation("o3", "m1"),
        hired("t2", "o2", day(2020, 9, 1)),
        hired("t3", "o3", day(2020, 9, 1)),
        hired("t4", "o2", day(2020, 9, 1)),
        left("t4", "o2"),
        hired("t5", "o2", day(2020, 9, 1)),
        hired("t6", "o1", day(2020, 9, 1)),
        pair_formed("pr-6", "o1", "t1", "t6"),
        moved("t6", "o1", "o2"),
        pair_formed("pr-2", "o2", "t5", "t2"),
        diagnostic("dg2", "t2", "d1", &["c1"]),
        route("r2", "t2", "dg2"),
        cmd(RouteStepPlanned {
            route: RouteId::new("r2").unwrap(),
            teacher: TeacherId::new("t2").unwrap(),
            step: StepId::new("s1").unwrap(),
            form: StepForm::SelfStudy,
            program: None,
            deficits: codes(&["c1"]),
            due_on: day(2024, 12, 1),
        }),
        completion("cc-dup", "t1", "p1", day(2024, 4, 1)),
    ])
}

/// What `role` is told about `when`, with `named` (an id it sent) made neutral: the class, the
/// index, the field, the value and the rule, or the ledger's own refusal.
fn refusal_naming(ledger: &Ledger, role: &ActorRole, when: Vec<Command>, named: &str) -> String {
    match submit_blocking(ledger, &actor(role.clone()), when) {
        Ok(outcome) => panic!("{role}: expected a refusal, got {outcome:?}"),
        Err(error) => format!("{:?} {error:?}", error.class()).replace(named, "<named>"),
    }
}

/// For an organisation, a teacher of another organisation (of its own municipality or another
/// one, one who left there, one who moved away from it) is the very same refusal as a teacher
/// nobody registered: `UnknownReference`, the field, the rule, whatever the command records
/// and whatever else it holds (an id already used, an expected version of the teacher's stream,
/// a command of its own before it); so is another organisation's mentoring pair as a pair
/// never formed, and another teacher's route as one never opened. A municipality, which records
/// none of these kinds, is refused by the kind alike. Region-wide roles record them.
#[test]
fn secrecy_6_a_scoped_actor_cannot_tell_a_teacher_outside_its_scope_from_an_unknown_one() {
    let Given { _dir, ledger } = recorded(teachers_elsewhere());
    let head = ledger.store().head();
    type Attempt = Box<dyn Fn(&str) -> Vec<Command>>;
    let attempts: Vec<(&str, Attempt)> = vec![
        ("completion", Box::new(|t| vec![completion("cc-new", t, "p1", day(2024, 5, 1))])),
        ("participation", Box::new(|t| vec![participation(t)])),
        ("mentoring pair", Box::new(|t| vec![pair_formed("pr-new", "o1", "t1", t)])),
        (
            "completion under an id already used",
            Box::new(|t| vec![completion("cc-dup", t, "p1", day(2024, 5, 1))]),
        ),
        (
            "completion expecting a version of the teacher's stream",
            Box::new(|t| {
                vec![with_expected_version(completion("cc-new", t, "p1", day(2024, 5, 1)), 1)]
            }),
        ),
        (
            "completion after one of its own teacher",
            Box::new(|t| {
                vec![
                    completion("cc-own", "t1", "p1", day(2024, 5, 1)),
                    completion("cc-new", t, "p1", day(2024, 5, 1)),
                ]
            }),
        ),
    ];
    let organisation = ActorRole::Organisation("o1".into());
    for role in [organisation.clone(), ActorRole::Municipality("m2".into())] {
        for (name, when) in &attempts {
            let unknown = refusal_naming(&ledger, &role, when("t-none"), "t-none");
            if role == organisation {
                assert!(
                    unknown.starts_with("Some(UnknownReference) UnknownReference"),
                    "{unknown}"
                );
                assert!(unknown.contains("педагог с таким идентификатором не зарегистрирован"));
            } else {
                assert!(unknown.starts_with("Some(Forbidden) Forbidden"), "{unknown}");
            }
            for outside in ["t2", "t3", "t4", "t6"] {
                let seen = refusal_naming(&ledger, &role, when(outside), outside);
                assert_eq!(seen, unknown, "{role} {name}: teacher {outside}");
            }
        }
    }
    // Another organisation's pair and route, also with an expected version.
    for expected in [None, Some(3)] {
        let ended = |pair: &str| {
            let mut command = pair_ended(pair, "t2");
            command.expected_version = expected;
            vec![command]
        };
        let unknown = refusal_naming(&ledger, &organisation, ended("pr-none"), "pr-none");
        assert!(unknown.contains("наставническая пара с таким идентификатором не сформирована"));
        assert_eq!(refusal_naming(&ledger, &organisation, ended("pr-2"), "pr-2"), unknown);
    }
    let on_route = |route: &str| vec![completion_on_route("cc-new", "t1", route)];
    let unknown = refusal_naming(&ledger, &organisation, on_route("r-none"), "r-none");
    assert!(unknown.starts_with("Some(UnknownReference)"), "{unknown}");
    assert!(unknown.contains("маршрут с таким идентификатором не открыт"), "{unknown}");
    assert_eq!(refusal_naming(&ledger, &organisation, on_route("r2"), "r2"), unknown);
    assert_eq!(ledger.store().head(), head, "a refusal wrote");
    // Region-wide roles record the same facts, and are told whose route r2 is.
    let operator = actor(ActorRole::Operator);
    for teacher in ["t2", "t3", "t4", "t6"] {
        let when = vec![completion(&format!("cc-{teacher}"), teacher, "p1", day(2024, 5, 1))];
        submit_blocking(&ledger, &operator, when).unwrap();
    }
    let error = submit_blocking(&ledger, &operator, on_route("r2")).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::Invalid), "{error}");
    assert_eq!(error.rule(), Some("маршрут принадлежит педагогу t2"));
}

/// A route of a teacher with no employment record (history written without the gate: an
/// import, a migration) is covered by no scope: a region-wide role is still told whose route it
/// is, an organisation still reads it as a route never opened.
#[test]
fn secrecy_9_a_region_wide_role_is_told_whose_route_it_is_when_its_teacher_has_no_employment_record(
) {
    let dir = tempfile::tempdir().unwrap();
    let store = letopis::store::Store::open(dir.path()).unwrap();
    let raw = Ledger::start(store, Box::new(letopis::store::NoGate), StepClock::new());
    let history = region_with(vec![route("r-raw", "t-raw", "dg-raw")]);
    submit_blocking(&raw, &actor(ActorRole::System), history).unwrap();
    raw.shutdown();
    let store = open_after_shutdown(dir.path()).unwrap();
    let gate = rebuild_gate(&store).unwrap();
    let ledger = Ledger::start(store, Box::new(gate), StepClock::new());
    let head = ledger.store().head();
    let on_route = || vec![completion_on_route("cc-new", "t1", "r-raw")];
    for role in [ActorRole::Operator, ActorRole::System] {
        let error = submit_blocking(&ledger, &actor(role.clone()), on_route()).unwrap_err();
        assert_eq!(error.class(), Some(RejectionClass::Invalid), "{role}: {error}");
        assert_eq!(error.field(), Some("route_step.route"), "{role}: {error}");
        assert_eq!(error.rule(), Some("маршрут принадлежит педагогу t-raw"), "{role}: {error}");
    }
    let organisation = actor(ActorRole::Organisation("o1".into()));
    let error = submit_blocking(&ledger, &organisation, on_route()).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::UnknownReference), "{error}");
    assert_eq!(error.rule(), Some("маршрут с таким идентификатором не открыт"), "{error}");
    assert_eq!(ledger.store().head(), head, "a refusal wrote");
}

/// What the domain lets an organisation record about teachers it does not employ now: a
/// completion of one who left it, the end of its own pair after the mentee moved away, a mentor
/// from another organisation.
#[test]
fn an_organisation_records_what_it_may_about_teachers_it_does_not_employ() {
    let given = region_with(vec![
        hired("t2", "o2", day(2020, 9, 1)),
        hired("t7", "o1", day(2020, 9, 1)),
        left("t7", "o1"),
    ]);
    let organisation = ActorRole::Organisation("o1".into());
    let when = vec![completion("cc7", "t7", "p1", day(2024, 5, 1))];
    check(given.clone(), organisation.clone(), when, Then::Accepted);
    let when = vec![pair_formed("pr-1", "o1", "t2", "t1")];
    check(given.clone(), organisation.clone(), when, Then::Accepted);
    let moved_away = region_with(vec![
        hired("t6", "o1", day(2020, 9, 1)),
        pair_formed("pr-6", "o1", "t1", "t6"),
        moved("t6", "o1", "o2"),
    ]);
    check(moved_away, organisation, vec![pair_ended("pr-6", "t6")], Then::Accepted);
}

/// A municipality hiring a teacher who works in another municipality is told that the teacher
/// works in another organisation and how the move is recorded, naming neither that
/// organisation nor its municipality, also when it expects a version of the teacher's stream;
/// a teacher of its own organisations is named, and region-wide roles are told where.
#[test]
fn secrecy_7_a_municipality_hiring_a_teacher_employed_elsewhere_is_told_how_but_not_where() {
    let Given { _dir, ledger } = recorded(teachers_elsewhere());
    let head = ledger.store().head();
    let municipality = actor(ActorRole::Municipality("m1".into()));
    for when in [
        vec![hired("t2", "o1", day(2024, 9, 1))],
        vec![with_expected_version(hired("t2", "o1", day(2024, 9, 1)), 9)],
        vec![hired("t9", "o1", day(2024, 9, 1)), hired("t2", "o3", day(2024, 9, 1))],
    ] {
        let index = when.len() - 1;
        let error = submit_blocking(&ledger, &municipality, when).unwrap_err();
        match &error {
            CommandError::Rejected { index: at, field, value, rule } => {
                assert_eq!((*at, field.as_str(), value.as_str()), (index, "teacher", "t2"));
                assert!(rule.starts_with("педагог уже работает в другой организации"), "{rule}");
                assert!(rule.contains("региональный оператор событием teacher_moved"), "{rule}");
                assert!(rule.contains("teacher_left"), "{rule}");
            }
            other => panic!("expected Rejected, got {other:?}"),
        }
        let told = format!("{error} {error:?}");
        for named in ["o2", "m2", "School o2", "Municipality m2"] {
            assert!(!told.contains(named), "{named} in {told}");
        }
        crate::support::assert_no_english_words(&error.to_string());
    }
    let error = submit_blocking(&ledger, &municipality, vec![hired("t3", "o1", day(2024, 9, 1))])
        .unwrap_err();
    assert_eq!(error.rule(), Some("педагог уже работает в o3: используйте событие teacher_moved"));
    let operator = actor(ActorRole::Operator);
    let error =
        submit_blocking(&ledger, &operator, vec![hired("t2", "o1", day(2024, 9, 1))]).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::Invalid), "{error}");
    assert_eq!(error.rule(), Some("педагог уже работает в o2: используйте событие teacher_moved"));
    assert_eq!(ledger.store().head(), head, "a refusal wrote");
}

/// A municipality's move or departure naming an organisation the teacher does not work in is
/// told just that when the teacher works outside its scope, and where they do work when that
/// is one of its own organisations; region-wide roles are told where.
#[test]
fn secrecy_8_a_move_from_the_wrong_organisation_names_no_employer_outside_the_scope() {
    let Given { _dir, ledger } = recorded(teachers_elsewhere());
    let municipality = actor(ActorRole::Municipality("m1".into()));
    let cases = [
        (left("t2", "o1"), "organisation", "педагог не работает в организации o1"),
        (moved("t2", "o1", "o3"), "from_organisation", "педагог не работает в организации o1"),
        (left("t3", "o1"), "organisation", "педагог работает в o3"),
        (moved("t3", "o1", "o3"), "from_organisation", "педагог работает в o3"),
    ];
    for (command, field, rule) in cases {
        for when in [vec![command.clone()], vec![with_expected_version(command.clone(), 9)]] {
            let error = submit_blocking(&ledger, &municipality, when).unwrap_err();
            assert_eq!(error.class(), Some(RejectionClass::Invalid), "{error}");
            assert_eq!(error.field(), Some(field), "{error}");
            assert_eq!(error.rule(), Some(rule), "{error}");
            let told = format!("{error} {error:?}");
            assert!(!told.contains("o2") && !told.contains("m2"), "{told}");
            crate::support::assert_no_english_words(&error.to_string());
        }
    }
    let operator = actor(ActorRole::Operator);
    let error = submit_blocking(&ledger, &operator, vec![left("t2", "o1")]).unwrap_err();
    assert_eq!(error.rule(), Some("педагог работает в o2"));
}

/// The gate screens a scoped actor's events before expected versions against the state before
/// the request; a request that mixes roles (the system's tooling, such as the demo generator)
/// is left to `admit`, which sees the earlier events: here the system moves o2 into m1 by a
/// correction, then m1 hires into o2 in the same request.
#[test]
fn a_request_mixing_roles_is_judged_with_its_earlier_events() {
    let given = vec![municipality("m1"), municipality("m2"), with_id(organisation("o2", "m2"), 51)];
    let Given { _dir, ledger } = recorded(given);
    let corrected = correct(51, organisation("o2", "m1"));
    let stream = proto_events::StreamName::new("org/o2").unwrap();
    let corrected = corrected
        .payload
        .to_new_event_in(stream, None, corrected.effective, actor(ActorRole::System), None)
        .unwrap();
    let hire = hired("t9", "o2", day(2024, 9, 1));
    let municipality = actor(ActorRole::Municipality("m1".into()));
    let hire = hire.payload.to_new_event(None, hire.effective, municipality, None).unwrap();
    ledger.append_blocking(AppendRequest::new(vec![corrected, hire.clone()])).unwrap();
    // Alone, the same hire is refused: o2 was in m2 before.
    let before = region();
    let Given { _dir: _other, ledger } = recorded(before);
    match ledger.append_blocking(AppendRequest::new(vec![hire])) {
        Err(AppendError::Rejected(Rejection { class, field, .. })) => {
            assert_eq!((class, field.as_str()), (RejectionClass::Forbidden, "organisation"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// ---- refusal classes -----------------------------------------------------------------------

// The class of a refusal is set where the refusal is made (the gate's authority matrix, its
// reference checks, its data rules, `submit`'s placement of a correction) and carried to the
// caller, who answers by it (the API: 403, 422 `unknown_reference`, 422 `invalid_field`).

#[test]
fn a_kind_the_role_may_not_record_is_forbidden_naming_the_role_and_the_kind() {
    let Given { _dir, ledger } = recorded(region());
    let role = ActorRole::Organisation("o1".into());
    let when = vec![completion("cc1", "t1", "p1", day(2024, 5, 1)), target()];
    let error = submit_blocking(&ledger, &actor(role), when).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::Forbidden), "{error}");
    match error {
        CommandError::Forbidden { index, who, field, value, rule } => {
            assert_eq!(index, 1);
            assert_eq!(who.role, "organisation:o1");
            assert_eq!(who.kind, "target_set");
            assert_eq!(field, "actor.role");
            assert_eq!(value, "organisation:o1");
            assert_eq!(rule, "роль organisation:o1 не может записывать события target_set");
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[test]
fn a_reference_to_nothing_is_an_unknown_reference() {
    let Given { _dir, ledger } = recorded(region());
    let operator = actor(ActorRole::Operator);
    // Found by the gate's reference checks, at its index in the batch.
    let when = vec![program("p7", 36), hired("t2", "nowhere", day(2024, 1, 9))];
    let error = submit_blocking(&ledger, &operator, when).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::UnknownReference), "{error}");
    match error {
        CommandError::UnknownReference { index, field, value, rule } => {
            assert_eq!((index, field.as_str(), value.as_str()), (1, "organisation", "nowhere"));
            assert_eq!(rule, "организация с таким идентификатором не зарегистрирована");
        }
        other => panic!("expected UnknownReference, got {other:?}"),
    }
    // Found by `submit` placing a correction in its target's stream.
    let error = submit_blocking(&ledger, &operator, vec![retract(0xdead)]).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::UnknownReference), "{error}");
    assert!(matches!(error, CommandError::UnknownReference { index: 0, .. }), "{error:?}");
    assert_eq!(error.field(), Some("target"));
}

#[test]
fn a_field_breaking_a_rule_is_invalid() {
    let Given { _dir, ledger } = recorded(region());
    let operator = actor(ActorRole::Operator);
    // A stateless rule of the payload.
    let error = submit_blocking(&ledger, &operator, vec![program("p2", 0)]).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::Invalid), "{error}");
    assert!(matches!(error, CommandError::Invalid { index: 0, .. }), "{error:?}");
    assert_eq!(error.field(), Some("hours"));
    // A rule against the state, though its wording names an id: a uniqueness refusal.
    let error = submit_blocking(&ledger, &operator, vec![organisation("o1", "m1")]).unwrap_err();
    assert_eq!(error.class(), Some(RejectionClass::Invalid), "{error}");
    match error {
        CommandError::Rejected { index, field, value, rule } => {
            assert_eq!((index, field.as_str(), value.as_str()), (0, "organisation", "o1"));
            assert_eq!(rule, "организация с таким идентификатором уже зарегистрирована");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

/// The gate itself classes its rejections: a raw append through the gated ledger (no `submit`)
/// gets each class, with the field path as the rule names it.
#[test]
fn the_gate_classes_its_rejections() {
    let Given { _dir, ledger } = recorded(region());
    let event = |role: ActorRole, command: Command| {
        command
            .payload
            .to_new_event(command.id, command.effective, actor(role), command.basis)
            .unwrap()
    };
    let cases = [
        (
            event(ActorRole::Organisation("o1".into()), target()),
            RejectionClass::Forbidden,
            "actor.role",
        ),
        (
            event(ActorRole::Operator, hired("t2", "nowhere", day(2024, 1, 9))),
            RejectionClass::UnknownReference,
            "organisation",
        ),
        (
            event(ActorRole::Operator, organisation("o1", "m1")),
            RejectionClass::Invalid,
            "organisation",
        ),
    ];
    let before = ledger.store().head();
    for (new_event, class, field) in cases {
        match ledger.append_blocking(AppendRequest::new(vec![new_event])) {
            Err(AppendError::Rejected(Rejection {
                event_index,
                class: got,
                field: got_field,
                ..
            })) => {
                assert_eq!((event_index, got, got_field.as_str()), (0, class, field));
            }
            other => panic!("expected a rejection of class {class:?}, got {other:?}"),
        }
    }
    assert_eq!(ledger.store().head(), before, "a rejection moved the head");
}

// ---- odd dates -----------------------------------------------------------------------------

#[test]
fn completion_before_hire_is_accepted_with_a_warning() {
    let when = vec![completion("cc1", "t1", "p1", day(2019, 5, 1))];
    check(region(), ActorRole::Operator, when, Then::Warned("раньше приёма педагога на работу"));
}

// ---- concurrency ---------------------------------------------------------------------------

#[test]
fn concurrent_registrations_of_one_id_admit_exactly_one() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open_ledger(dir.path(), StepClock::new()).unwrap();
    submit_blocking(&ledger, &actor(ActorRole::System), vec![municipality("m1")]).unwrap();
    let threads: Vec<_> = (0..32)
        .map(|_| {
            let ledger = ledger.clone();
            std::thread::spawn(move || {
                submit_blocking(
                    &ledger,
                    &actor(ActorRole::Operator),
                    vec![organisation("o1", "m1")],
                )
            })
        })
        .collect();
    let results: Vec<Result<CommandOutcome, CommandError>> =
        threads.into_iter().map(|thread| thread.join().unwrap()).collect();
    let accepted = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(accepted, 1);
    for error in results.iter().filter_map(|result| result.as_ref().err()) {
        assert_eq!(error.field(), Some("organisation"), "{error}");
    }
    assert_eq!(ledger.store().head().seq, Seq(2));
}

// ---- personal data -------------------------------------------------------------------------

const NAME: &str = "Иванова Мария Петровна";

fn person() -> PersonRecord {
    PersonRecord {
        full_name: NAME.into(),
        snils: Some("112-233-445 95".into()),
        contacts: vec!["ivanova@example.org".into()],
    }
}

#[test]
fn personal_data_never_enter_events() {
    let given = check(
        region(),
        ActorRole::Operator,
        vec![hired("t2", "o1", day(2024, 1, 9))],
        Then::Accepted,
    );
    let ledger = &given.ledger;
    let directory = PersonalDirectory::open(ledger.store()).unwrap();
    directory.put("t2", &person()).unwrap();
    assert_eq!(directory.get("t2").unwrap(), Some(person()));
    let head = ledger.store().head().seq;
    for item in ledger.store().range_raw(Seq(1), head) {
        let (_, bytes) = item.unwrap();
        for needle in [NAME.as_bytes(), b"11223344595".as_slice(), b"ivanova".as_slice()] {
            assert!(!bytes.windows(needle.len()).any(|window| window == needle));
        }
    }
}

#[test]
fn erase_removes_the_entry_and_the_ledger_still_verifies() {
    let given = check(
        region(),
        ActorRole::Operator,
        vec![hired("t2", "o1", day(2024, 1, 9))],
        Then::Accepted,
    );
    let ledger = &given.ledger;
    let directory = PersonalDirectory::open(ledger.store()).unwrap();
    directory.put("t2", &person()).unwrap();
    assert_eq!(directory.list_ids().unwrap(), vec!["t2".to_string()]);
    assert!(directory.erase("t2").unwrap());
    assert!(!directory.erase("t2").unwrap());
    assert_eq!(directory.get("t2").unwrap(), None);
    assert!(directory.list_ids().unwrap().is_empty());
    let summary = ledger.store().verify(true, 0, |_| {});
    assert!(summary.is_ok(), "{summary:?}");
}

#[test]
fn invalid_snils_is_refused() {
    let given = check(Vec::new(), ActorRole::System, vec![municipality("m1")], Then::Accepted);
    let ledger = &given.ledger;
    let directory = PersonalDirectory::open(ledger.store()).unwrap();
    let record = PersonRecord { snils: Some("112-233-445 96".into()), ..person() };
    let error = directory.put("t1", &record).unwrap_err().to_string();
    assert!(error.contains("snils"), "{error}");
    assert!(!error.contains("112"), "the error must not echo personal data: {error}");
}

/// Issue #17: every plan change cites its act. An amendment or a cancellation without an act,
/// or with an act missing its number, is refused naming `basis`, and nothing is written.
#[test]
fn a_plan_change_without_its_act_is_refused_naming_the_basis() {
    let when = vec![term_amended_without_act("До сентября", None)];
    check(
        single_year_activity(),
        ActorRole::Operator,
        when,
        Then::Invalid("basis", "ссылаться на акт"),
    );
    let mut nameless = term_amended("До сентября", None);
    if let Some(basis) = nameless.basis.as_mut() {
        basis.number = String::new();
    }
    check(
        single_year_activity(),
        ActorRole::Operator,
        vec![nameless],
        Then::Invalid("basis.number", ""),
    );
    let cancelled = Command {
        basis: None,
        ..cmd(proto_events::vocabulary::ActivityCancelled {
            plan: "pl2".parse().unwrap(),
            activity: "a9".parse().unwrap(),
            reason: "исключено".into(),
        })
    };
    check(
        single_year_activity(),
        ActorRole::Operator,
        vec![cancelled],
        Then::Invalid("basis", "ссылаться на акт"),
    );
}
