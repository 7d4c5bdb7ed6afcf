//! Tests of the event vocabulary: a sample of every kind round-trips through the canonical codec
//! and JSON, matches its golden vector, decodes garbage without panicking, and each stateless
//! rule names the field it rejects.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::json;

use proto_events::envelope::{Assigned, StreamNameError};
use proto_events::term;
use proto_events::vocabulary::*;
use proto_events::{
    Actor, ActorRole, Basis, CodecError, Date, Effective, Envelope, EventId, Hash, Seq, StreamName,
    Timestamp,
};

// ---------------------------------------------------------------------------------------------
// Samples: one fixed value per kind. Changing one changes its golden vector.

fn date(year: i32, month: u32, day: u32) -> Date {
    Date::from_ymd(year, month, day).unwrap()
}

fn teacher(id: &str) -> TeacherId {
    TeacherId::new(id).unwrap()
}

fn org(id: &str) -> OrgId {
    OrgId::new(id).unwrap()
}

fn competence(code: &str) -> CompetenceCode {
    CompetenceCode::new(code).unwrap()
}

fn competences(codes: &[&str]) -> BTreeSet<CompetenceCode> {
    codes.iter().map(|code| competence(code)).collect()
}

fn act() -> Basis {
    Basis {
        kind: "распоряжение".into(),
        number: "55-35-мпр".into(),
        date: date(2023, 6, 13),
        title: Some("Об утверждении Положения о РС НМС".into()),
    }
}

fn municipality_registered() -> MunicipalityRegistered {
    MunicipalityRegistered {
        municipality: MunicipalityCode::new("38-12").unwrap(),
        name: "Жигаловский район".into(),
    }
}

fn organisation_registered() -> OrganisationRegistered {
    OrganisationRegistered {
        organisation: org("org-0042"),
        name: "МКОУ Жигаловская СОШ № 1".into(),
        kind: OrganisationKind::General,
        municipality: Some(MunicipalityCode::new("38-12").unwrap()),
    }
}

fn organisation_status_changed() -> OrganisationStatusChanged {
    OrganisationStatusChanged {
        organisation: org("org-0042"),
        status: OrganisationStatus::LowResults(LowResultsGrade::Moderately),
        change: FlagChange::Set,
        valid_from: date(2023, 9, 1),
        valid_to: Some(date(2024, 8, 31)),
    }
}

fn program_registered() -> ProgramRegistered {
    ProgramRegistered {
        program: ProgramId::new("dpp-2023-017").unwrap(),
        title: "Школа современного учителя: функциональная грамотность".into(),
        kind: ProgramKind::FurtherTraining,
        hours: 72,
        provider: org("academy"),
        form: ProgramForm::Course,
        topics: [ProgramTopic::FunctionalLiteracy, ProgramTopic::SubjectCompetence].into(),
    }
}

fn program_register_included() -> ProgramRegisterIncluded {
    ProgramRegisterIncluded {
        program: ProgramId::new("dpp-2023-017").unwrap(),
        included_on: date(2023, 3, 1),
        entry_number: Some("ФР-2023-0117".into()),
    }
}

fn program_register_removed() -> ProgramRegisterRemoved {
    ProgramRegisterRemoved {
        program: ProgramId::new("dpp-2023-017").unwrap(),
        removed_on: date(2025, 1, 15),
        entry_number: None,
    }
}

fn diagnostic_procedure_registered() -> DiagnosticProcedureRegistered {
    DiagnosticProcedureRegistered {
        procedure: ProcedureId::new("fioko-2023").unwrap(),
        title: "Диагностика профессиональных дефицитов учителей".into(),
        level: ProcedureLevel::Federal,
        competences: competences(&["method.fl", "subject.math"]),
    }
}

fn teacher_hired() -> TeacherHired {
    TeacherHired {
        teacher: teacher("t-000123"),
        organisation: org("org-0042"),
        position: Position::SubjectTeacher {
            subjects: ["математика".to_string(), "физика".to_string()].into(),
        },
        career_start: date(2022, 9, 1),
        birth_year: 1999,
    }
}

fn teacher_moved() -> TeacherMoved {
    TeacherMoved {
        teacher: teacher("t-000123"),
        from_organisation: org("org-0042"),
        to_organisation: org("org-0043"),
        position: Position::DeputyHead,
    }
}

fn teacher_left() -> TeacherLeft {
    TeacherLeft {
        teacher: teacher("t-000123"),
        organisation: org("org-0043"),
        reason: Some("переезд".into()),
    }
}

fn management_team_member_added() -> ManagementTeamMemberAdded {
    ManagementTeamMemberAdded { organisation: org("org-0042"), teacher: teacher("t-000007") }
}

fn management_team_member_removed() -> ManagementTeamMemberRemoved {
    ManagementTeamMemberRemoved { organisation: org("org-0042"), teacher: teacher("t-000007") }
}

fn role_assigned() -> RoleAssigned {
    RoleAssigned {
        person: PersonId::new("p-methodist-01").unwrap(),
        role: SupportSystemRole::RegionalMethodist,
        municipality: Some(MunicipalityCode::new("38-12").unwrap()),
    }
}

fn role_ended() -> RoleEnded {
    RoleEnded {
        person: PersonId::new("p-tutor-02").unwrap(),
        role: SupportSystemRole::Tutor,
        municipality: None,
    }
}

fn teacher_assigned_to_methodist() -> TeacherAssignedToMethodist {
    TeacherAssignedToMethodist {
        teacher: teacher("t-000123"),
        methodist: PersonId::new("p-methodist-01").unwrap(),
    }
}

fn teacher_unassigned_from_methodist() -> TeacherUnassignedFromMethodist {
    TeacherUnassignedFromMethodist {
        teacher: teacher("t-000123"),
        methodist: PersonId::new("p-methodist-01").unwrap(),
    }
}

fn diagnostic_recorded() -> DiagnosticRecorded {
    DiagnosticRecorded {
        diagnostic: DiagnosticId::new("d-2023-000123").unwrap(),
        teacher: teacher("t-000123"),
        procedure: ProcedureId::new("fioko-2023").unwrap(),
        taken_on: date(2023, 10, 12),
        scores: BTreeMap::from([
            (competence("method.fl"), 4200),
            (competence("subject.math"), 8100),
        ]),
        deficits: competences(&["method.fl"]),
    }
}

fn route_opened() -> RouteOpened {
    RouteOpened {
        route: RouteId::new("iom-000123-1").unwrap(),
        teacher: teacher("t-000123"),
        diagnostic: DiagnosticId::new("d-2023-000123").unwrap(),
        deficits: competences(&["method.fl"]),
    }
}

fn route_step_planned() -> RouteStepPlanned {
    RouteStepPlanned {
        route: RouteId::new("iom-000123-1").unwrap(),
        teacher: teacher("t-000123"),
        step: StepId::new("s1").unwrap(),
        form: StepForm::Program,
        program: Some(ProgramId::new("dpp-2023-017").unwrap()),
        deficits: competences(&["method.fl"]),
        due_on: date(2024, 5, 31),
    }
}

fn route_support_assigned() -> RouteSupportAssigned {
    RouteSupportAssigned {
        route: RouteId::new("iom-000123-1").unwrap(),
        teacher: teacher("t-000123"),
        supporter: PersonId::new("p-methodist-01").unwrap(),
        role: SupportRole::Methodist,
    }
}

fn route_step_completed() -> RouteStepCompleted {
    RouteStepCompleted {
        route: RouteId::new("iom-000123-1").unwrap(),
        teacher: teacher("t-000123"),
        step: StepId::new("s1").unwrap(),
        completed_on: date(2024, 4, 20),
        evidence: Some("удостоверение № 380000123".into()),
    }
}

fn route_closed() -> RouteClosed {
    RouteClosed {
        route: RouteId::new("iom-000123-1").unwrap(),
        teacher: teacher("t-000123"),
        outcome: RouteOutcome::Completed,
        reason: None,
    }
}

fn course_completed() -> CourseCompleted {
    CourseCompleted {
        completion: CompletionId::new("c-380000123").unwrap(),
        teacher: teacher("t-000123"),
        program: ProgramId::new("dpp-2023-017").unwrap(),
        completed_on: date(2024, 4, 20),
        certificate_number: "380000123".into(),
        hours: 72,
        provider: org("academy"),
        route_step: Some(RouteStepRef {
            route: RouteId::new("iom-000123-1").unwrap(),
            step: StepId::new("s1").unwrap(),
        }),
    }
}

fn course_enrolled() -> CourseEnrolled {
    CourseEnrolled {
        enrolment: EnrolmentId::new("e-2024-0417").unwrap(),
        teacher: teacher("t-000123"),
        program: ProgramId::new("dpp-2023-017").unwrap(),
        provider: org("academy"),
        enrolled_on: date(2024, 3, 11),
        ends_on: Some(date(2024, 4, 20)),
        route_step: Some(RouteStepRef {
            route: RouteId::new("iom-000123-1").unwrap(),
            step: StepId::new("s1").unwrap(),
        }),
    }
}

fn mentoring_pair_formed() -> MentoringPairFormed {
    MentoringPairFormed {
        pair: PairId::new("pair-0042-01").unwrap(),
        mentor: teacher("t-000007"),
        mentee: teacher("t-000123"),
        organisation: org("org-0042"),
        mentoring_program: Some("Программа наставничества МКОУ СОШ № 1 на 2023-2024".into()),
    }
}

fn mentoring_pair_ended() -> MentoringPairEnded {
    MentoringPairEnded {
        pair: PairId::new("pair-0042-01").unwrap(),
        mentee: teacher("t-000123"),
        reason: None,
    }
}

fn participation_recorded() -> ParticipationRecorded {
    ParticipationRecorded {
        teacher: teacher("t-000123"),
        kind: ParticipationKind::BurnoutPrevention,
        event_title: "Тренинг профилактики профессионального выгорания".into(),
        participated_on: date(2024, 2, 14),
    }
}

fn regional_event_held() -> RegionalEventHeld {
    RegionalEventHeld {
        event: RegionalEventId::new("ev-2024-03").unwrap(),
        title: "Региональный методический форум".into(),
        held_on: date(2024, 3, 27),
        level: EventLevel::Regional,
    }
}

fn municipal_event_held() -> MunicipalEventHeld {
    MunicipalEventHeld {
        event: RegionalEventId::new("mev-38-12-2024-1").unwrap(),
        municipality: MunicipalityCode::new("38-12").unwrap(),
        title: "Муниципальный методический день".into(),
        held_on: date(2024, 11, 6),
    }
}

fn register_entry_recorded() -> RegisterEntryRecorded {
    RegisterEntryRecorded {
        register: RegisterKind::CommunityMembers,
        entry: RegisterEntryId::new("rmo-math-38-12-p-0042").unwrap(),
        title: "учитель математики, руководитель РМО".into(),
        person: Some(PersonId::new("p-0042").unwrap()),
        organisation: Some(org("org-0042")),
        municipality: Some(MunicipalityCode::new("38-12").unwrap()),
        program: None,
        community: Some(RegisterEntryId::new("rmo-math-38-12").unwrap()),
        valid_until: Some(date(2026, 8, 31)),
    }
}

fn register_entry_excluded() -> RegisterEntryExcluded {
    RegisterEntryExcluded {
        register: RegisterKind::CommunityMembers,
        entry: RegisterEntryId::new("rmo-math-38-12-p-0042").unwrap(),
        reason: "выбыл из состава РМО по собственному желанию".into(),
    }
}

fn register_interval_set() -> RegisterIntervalSet {
    RegisterIntervalSet { register: RegisterKind::BestPractices, months: 12 }
}

fn management_team_trained() -> ManagementTeamTrained {
    ManagementTeamTrained {
        organisation: org("org-0042"),
        program: ProgramId::new("dpp-2023-020").unwrap(),
        trained_on: date(2024, 6, 10),
    }
}

fn plan_created() -> PlanCreated {
    PlanCreated {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        level: PlanLevel::Regional,
        title: "Дорожная карта по созданию и развитию РС НМС на 2023-2024 годы".into(),
        period_from_year: 2023,
        period_to_year: 2024,
        owner: "министерство образования Иркутской области".into(),
    }
}

fn plan_approved() -> PlanApproved {
    PlanApproved { plan: PlanId::new("irk-2023-roadmap").unwrap(), act: act() }
}

fn plan_section_added() -> PlanSectionAdded {
    PlanSectionAdded {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        section: SectionId::new("sec-2").unwrap(),
        number: Some("2".into()),
        title: "Непрерывное повышение профессионального мастерства".into(),
    }
}

fn activity_added() -> ActivityAdded {
    ActivityAdded {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        activity: ActivityId::new("a-5.7").unwrap(),
        section: SectionId::new("sec-2").unwrap(),
        number: "5.7".into(),
        title: "Проведение диагностики профессиональных дефицитов".into(),
        responsible: "ЦНППМ".into(),
        co_executors: vec!["ЦОПМКиМКО".into(), "ММС".into()],
        term: term::parse("Ежегодно 4 квартал"),
        key_result: "не менее 10 % педагогов прошли диагностику".into(),
        fixing_documents: "аналитическая справка".into(),
        indicator: Some(IndicatorCode::Diagnosed),
        planned_value: Some(TargetValue::ShareAtLeastBp(1000)),
    }
}

fn activity_amended() -> ActivityAmended {
    ActivityAmended {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        activity: ActivityId::new("a-5.7").unwrap(),
        changes: vec![FieldChange::term("Ежегодно 4 квартал", term::parse("Ежегодно 3 квартал"))],
        reason: "перенос сроков федеральной диагностики".into(),
    }
}

/// `activity_amended` as schema 1 wrote it (the term change as text only).
fn activity_amended_v1() -> plan::schema_v1::ActivityAmendedV1 {
    plan::schema_v1::ActivityAmendedV1 {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        activity: ActivityId::new("a-5.7").unwrap(),
        changes: vec![plan::schema_v1::FieldChangeV1 {
            field: ActivityField::Term,
            old: "Ежегодно 4 квартал".into(),
            new: "Ежегодно 3 квартал".into(),
        }],
        reason: "перенос сроков федеральной диагностики".into(),
    }
}

/// One sample per earlier schema version still read (`Payload::PREVIOUS_VERSIONS` order): kind,
/// version, its canonical bytes at that version, its JSON form and the payload it upcasts to.
fn previous_samples() -> Vec<(&'static str, u16, Vec<u8>, serde_json::Value, Payload)> {
    let v1 = activity_amended_v1();
    let mut upcast = activity_amended();
    upcast.changes[0].meaning = None;
    vec![(
        "activity_amended",
        1,
        proto_events::codec::encode("activity_amended", &v1).unwrap(),
        serde_json::to_value(&v1).unwrap(),
        upcast.into(),
    )]
}

fn activity_execution_reported() -> ActivityExecutionReported {
    ActivityExecutionReported {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        activity: ActivityId::new("a-5.7").unwrap(),
        status: ExecutionStatus::Partly,
        evidence: "диагностику прошли 8,4 % педагогов".into(),
        reported_on: date(2024, 1, 20),
    }
}

fn activity_cancelled() -> ActivityCancelled {
    ActivityCancelled {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        activity: ActivityId::new("a-5.8").unwrap(),
        reason: "мероприятие включено в 5.7".into(),
    }
}

fn target_set() -> TargetSet {
    TargetSet {
        indicator: IndicatorCode::FrByDeficit,
        scope: Scope::Region,
        value: TargetValue::ShareAtLeastBp(950),
        deadline: Some(date(2024, 12, 31)),
        accumulation: Accumulation::Cumulative,
        from_year: Some(2023),
        act: act(),
    }
}

fn target_withdrawn() -> TargetWithdrawn {
    TargetWithdrawn {
        indicator: IndicatorCode::FrByDeficit,
        scope: Scope::Region,
        set_by_act: Basis { title: None, ..act() },
        act: Basis {
            kind: "распоряжение".into(),
            number: "112-мр".into(),
            date: date(2024, 2, 1),
            title: Some("О внесении изменений в Положение о РС НМС".into()),
        },
    }
}

fn figure_reported() -> FigureReported {
    FigureReported {
        report: ReportId::new("r-38-12-2024").unwrap(),
        indicator: IndicatorCode::Diagnosed,
        scope: Scope::Municipality(MunicipalityCode::new("38-12").unwrap()),
        valid_on: date(2024, 12, 31),
        value_bp: Some(1017),
        numerator: 24,
        denominator: 236,
        reporter: "МОУО Жигаловского района".into(),
    }
}

fn target_event() -> EventId {
    "0190a000-0000-7000-8000-000000000001".parse().unwrap()
}

fn event_retracted() -> EventRetracted {
    EventRetracted { target: target_event(), reason: "внесено ошибочно".into() }
}

fn event_corrected() -> EventCorrected {
    let fixed = CourseCompleted { hours: 36, ..course_completed() };
    EventCorrected {
        target: target_event(),
        reason: "неверное число часов в удостоверении".into(),
        replacement: Replacement::of(&fixed.into()).unwrap(),
    }
}

fn plan_amended() -> PlanAmended {
    PlanAmended {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        title: None,
        period_from_year: None,
        period_to_year: Some(2026),
        owner: None,
        summary: "дорожная карта продлена на 2026 год, раздел 5 изложен в новой редакции".into(),
    }
}

fn plan_superseded() -> PlanSuperseded {
    PlanSuperseded {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        by: PlanId::new("irk-2025-roadmap").unwrap(),
        reason: "утверждена дорожная карта на 2025–2027 годы".into(),
    }
}

fn plan_revoked() -> PlanRevoked {
    PlanRevoked {
        plan: PlanId::new("irk-2023-roadmap").unwrap(),
        reason: "признано утратившим силу".into(),
    }
}

fn plan_agreed() -> PlanAgreed {
    PlanAgreed {
        plan: PlanId::new("zhig-2023-plan").unwrap(),
        agreed_by: "министерство образования Иркутской области".into(),
        remarks: None,
    }
}

fn recommendation_issued() -> RecommendationIssued {
    RecommendationIssued {
        recommendation: DecisionId::new("rec-2023-01").unwrap(),
        year: 2023,
        indicators: vec![IndicatorCode::Diagnosed, IndicatorCode::Routed],
        municipalities: vec![MunicipalityCode::new("38-12").unwrap()],
        text: "организовать диагностику профессиональных дефицитов".into(),
        issued_on: date(2024, 2, 15),
    }
}

fn management_decision_recorded() -> ManagementDecisionRecorded {
    ManagementDecisionRecorded {
        decision: DecisionId::new("dec-2023-01").unwrap(),
        form: DecisionForm::Instruction,
        year: 2023,
        indicators: vec![IndicatorCode::Diagnosed],
        municipalities: vec![MunicipalityCode::new("38-12").unwrap()],
        text: "МОУО обеспечить прохождение диагностики".into(),
        decided_on: date(2024, 3, 1),
        follows: Some(DecisionId::new("rec-2023-01").unwrap()),
    }
}

fn period() -> PeriodId {
    PeriodId::new("monitoring-2024").unwrap()
}

fn zhigalovo() -> Scope {
    Scope::Municipality(MunicipalityCode::new("38-12").unwrap())
}

fn reporting_period_opened() -> ReportingPeriodOpened {
    ReportingPeriodOpened {
        period: period(),
        title: "Мониторинг РС НМС за 2024 год".into(),
        indicators: [IndicatorCode::Diagnosed, IndicatorCode::FrByDeficit].into(),
        scopes: [zhigalovo(), Scope::Organisation(org("school-7"))].into(),
        as_of: date(2024, 12, 31),
        due: date(2025, 1, 20),
        act: act(),
    }
}

fn reporting_period_extended() -> ReportingPeriodExtended {
    ReportingPeriodExtended {
        period: period(),
        due: date(2025, 2, 1),
        act: None,
        reason: Some("каникулы".into()),
    }
}

fn reporting_period_closed() -> ReportingPeriodClosed {
    ReportingPeriodClosed { period: period() }
}

fn figures_submitted() -> FiguresSubmitted {
    FiguresSubmitted {
        period: period(),
        scope: zhigalovo(),
        figures: vec![
            SubmittedFigure {
                indicator: IndicatorCode::Diagnosed,
                numerator: 24,
                denominator: 236,
                source: FigureSource::Computed,
            },
            SubmittedFigure {
                indicator: IndicatorCode::FrByDeficit,
                numerator: 3,
                denominator: 4,
                source: FigureSource::Entered {
                    explanation: "учтены курсы вне реестра".into()
                },
            },
        ],
    }
}

fn submission_accepted() -> SubmissionAccepted {
    SubmissionAccepted { period: period(), scope: zhigalovo(), round: 2 }
}

fn submission_returned() -> SubmissionReturned {
    SubmissionReturned {
        period: period(),
        scope: zhigalovo(),
        round: 1,
        indicators: [IndicatorCode::FrByDeficit].into(),
        comment: "расхождение с реестром программ".into(),
    }
}

fn samples() -> Vec<Payload> {
    vec![
        municipality_registered().into(),
        organisation_registered().into(),
        organisation_status_changed().into(),
        program_registered().into(),
        program_register_included().into(),
        program_register_removed().into(),
        diagnostic_procedure_registered().into(),
        teacher_hired().into(),
        teacher_moved().into(),
        teacher_left().into(),
        management_team_member_added().into(),
        management_team_member_removed().into(),
        role_assigned().into(),
        role_ended().into(),
        teacher_assigned_to_methodist().into(),
        teacher_unassigned_from_methodist().into(),
        diagnostic_recorded().into(),
        route_opened().into(),
        route_step_planned().into(),
        route_support_assigned().into(),
        route_step_completed().into(),
        route_closed().into(),
        course_completed().into(),
        course_enrolled().into(),
        mentoring_pair_formed().into(),
        mentoring_pair_ended().into(),
        participation_recorded().into(),
        regional_event_held().into(),
        municipal_event_held().into(),
        register_entry_recorded().into(),
        register_entry_excluded().into(),
        register_interval_set().into(),
        management_team_trained().into(),
        plan_created().into(),
        plan_approved().into(),
        plan_section_added().into(),
        activity_added().into(),
        activity_amended().into(),
        activity_execution_reported().into(),
        activity_cancelled().into(),
        target_set().into(),
        target_withdrawn().into(),
        figure_reported().into(),
        event_retracted().into(),
        event_corrected().into(),
        plan_amended().into(),
        plan_superseded().into(),
        plan_revoked().into(),
        plan_agreed().into(),
        recommendation_issued().into(),
        management_decision_recorded().into(),
        reporting_period_opened().into(),
        reporting_period_extended().into(),
        reporting_period_closed().into(),
        figures_submitted().into(),
        submission_accepted().into(),
        submission_returned().into(),
    ]
}

// ---------------------------------------------------------------------------------------------
// The kind list, codec and JSON.

#[test]
fn kinds_list_every_variant_once_with_snake_case_tags() {
    let samples = samples();
    assert_eq!(samples.len(), Payload::KINDS.len());
    let mut tags = BTreeSet::new();
    for (payload, (kind, version)) in samples.iter().zip(Payload::KINDS) {
        assert_eq!(payload.kind(), *kind, "samples follow KINDS order");
        assert_eq!(payload.schema_version(), *version);
        // A later schema version still reads every earlier one, through an upcaster.
        for earlier in 1..*version {
            assert!(Payload::PREVIOUS_VERSIONS.contains(&(kind, earlier)), "{kind} v{earlier}");
        }
        assert!(tags.insert(*kind), "duplicate tag {kind}");
        let snake = !kind.is_empty()
            && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            && !kind.starts_with('_')
            && !kind.ends_with('_')
            && !kind.contains("__");
        assert!(snake, "tag {kind} is not snake_case");
        assert!(kind.len() <= proto_events::limits::KIND_BYTES_MAX);
    }
}

#[test]
fn every_sample_is_valid() {
    for payload in samples() {
        assert_eq!(payload.validate(), Ok(()), "{}", payload.kind());
    }
}

#[test]
fn binary_round_trip_is_byte_identical() {
    for payload in samples() {
        let bytes = payload.encode().unwrap();
        let decoded = Payload::decode(payload.kind(), payload.schema_version(), &bytes).unwrap();
        assert_eq!(decoded, payload);
        assert_eq!(decoded.encode().unwrap(), bytes, "{}", payload.kind());
    }
}

#[test]
fn json_round_trip_is_adjacently_tagged() {
    for payload in samples() {
        let value = serde_json::to_value(&payload).unwrap();
        assert_eq!(value["kind"], payload.kind());
        assert!(value["payload"].is_object(), "{}", payload.kind());
        assert_eq!(value.as_object().unwrap().len(), 2);
        let back: Payload = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(back, payload, "{}", payload.kind());
        let text = serde_json::to_string(&payload).unwrap();
        assert_eq!(serde_json::from_str::<Payload>(&text).unwrap(), payload);
    }
}

#[test]
fn json_forms_of_shared_types() {
    let value = serde_json::to_value(Payload::from(figure_reported())).unwrap();
    assert_eq!(value["payload"]["scope"], "municipality:38-12");
    assert_eq!(value["payload"]["indicator"], "diagnosed");
    assert_eq!(value["payload"]["valid_on"], "2024-12-31");
    let value = serde_json::to_value(Payload::from(event_corrected())).unwrap();
    assert_eq!(value["payload"]["target"], "0190a000-0000-7000-8000-000000000001");
    assert_eq!(value["payload"]["replacement"]["kind"], "course_completed");
    assert_eq!(value["payload"]["replacement"]["payload"]["hours"], 36);
    let value = serde_json::to_value(Payload::from(organisation_status_changed())).unwrap();
    assert_eq!(value["payload"]["status"], json!({"low_results": "moderately"}));
    for text in ["region", "municipality:38-12", "organisation:org-1"] {
        assert_eq!(text.parse::<Scope>().unwrap().to_string(), text);
    }
    assert!("municipality:".parse::<Scope>().is_err());
    assert!("country".parse::<Scope>().is_err());
}

#[test]
fn json_with_an_unknown_field_is_rejected_naming_it() {
    let mut value = serde_json::to_value(Payload::from(course_completed())).unwrap();
    value["payload"]["grade"] = json!(5);
    let error = serde_json::from_value::<Payload>(value).unwrap_err().to_string();
    assert!(error.contains("unknown field `grade`"), "{error}");

    let mut value = serde_json::to_value(Payload::from(course_completed())).unwrap();
    value["extra"] = json!(1);
    assert!(serde_json::from_value::<Payload>(value).is_err());

    let value = json!({"kind": "course_finished", "payload": {}});
    let error = serde_json::from_value::<Payload>(value).unwrap_err().to_string();
    assert!(error.contains("course_finished"), "{error}");
}

#[test]
fn json_replacement_of_unknown_shape_is_rejected() {
    let mut value = serde_json::to_value(Payload::from(event_corrected())).unwrap();
    value["payload"]["replacement"]["payload"]["hours"] = json!("many");
    assert!(serde_json::from_value::<Payload>(value).is_err());
}

// ---------------------------------------------------------------------------------------------
// Decoding errors.

#[test]
fn unknown_kind_and_version_are_distinct_errors() {
    let bytes = Payload::from(course_completed()).encode().unwrap();
    assert_eq!(
        Payload::decode("course_finished", 1, &bytes),
        Err(PayloadError::UnknownKind { kind: "course_finished".into(), schema_version: 1 })
    );
    assert_eq!(
        Payload::decode("course_completed", 2, &bytes),
        Err(PayloadError::UnknownVersion {
            kind: "course_completed",
            schema_version: 2,
            supported: 1
        })
    );
    let message = Payload::decode("course_completed", 2, &bytes).unwrap_err().to_string();
    assert!(message.contains("course_completed") && message.contains('2'), "{message}");
}

#[test]
fn every_truncation_and_extension_is_a_bytes_error() {
    for payload in samples() {
        let bytes = payload.encode().unwrap();
        for length in 0..bytes.len() {
            let version = payload.schema_version();
            let result = Payload::decode(payload.kind(), version, &bytes[..length]);
            assert!(
                matches!(result, Err(PayloadError::Bytes { kind, schema_version, .. }) if kind == payload.kind() && schema_version == version),
                "{} truncated to {length}: {result:?}",
                payload.kind()
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            Payload::decode(payload.kind(), payload.schema_version(), &longer),
            Err(PayloadError::Bytes {
                kind: payload.kind(),
                schema_version: payload.schema_version(),
                source: CodecError::Trailing { what: payload.kind(), extra: 1 }
            })
        );
    }
}

#[test]
fn oversized_payload_is_refused_before_decoding() {
    let bytes = vec![0u8; proto_events::limits::PAYLOAD_BYTES_MAX + 1];
    assert!(matches!(
        Payload::decode("course_completed", 1, &bytes),
        Err(PayloadError::TooLong { kind: "course_completed", .. })
    ));
    let huge = MunicipalityRegistered {
        name: "x".repeat(proto_events::limits::PAYLOAD_BYTES_MAX),
        ..municipality_registered()
    };
    assert!(Payload::from(huge).encode().is_err());
}

#[test]
fn decode_envelope_names_the_seq() {
    let payload = Payload::from(course_completed());
    let event = payload
        .to_new_event(
            None,
            Effective::Date(date(2024, 4, 20)),
            Actor { role: ActorRole::Operator, id: "tok-1".into() },
            None,
        )
        .unwrap();
    assert_eq!(event.stream.as_str(), "teacher/t-000123");
    assert_eq!(event.kind, "course_completed");
    let assigned = Assigned {
        id: target_event(),
        seq: Seq(7),
        stream_version: 1,
        recorded_at: Timestamp::from_micros(1_738_000_000_000_000),
        prev_hash: Hash::ZERO,
    };
    let (mut envelope, _) = Envelope::seal(event, assigned).unwrap();
    assert_eq!(Payload::decode_envelope(&envelope), Ok(payload));

    envelope.schema_version = 9;
    let error = Payload::decode_envelope(&envelope).unwrap_err();
    assert!(matches!(&error, PayloadError::AtSeq { seq: Seq(7), source }
        if matches!(**source, PayloadError::UnknownVersion { schema_version: 9, .. })));
    assert!(error.to_string().starts_with("seq 7: "), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Streams.

#[test]
fn every_kind_has_its_natural_stream() {
    let expected = [
        "municipality/38-12",
        "org/org-0042",
        "org/org-0042",
        "program/dpp-2023-017",
        "program/dpp-2023-017",
        "program/dpp-2023-017",
        "procedure/fioko-2023",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "org/org-0042",
        "org/org-0042",
        "person/p-methodist-01",
        "person/p-tutor-02",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "teacher/t-000123",
        "region/events",
        "municipality/38-12",
        "register/community_members",
        "register/community_members",
        "register/best_practices",
        "org/org-0042",
        "plan/irk-2023-roadmap",
        "plan/irk-2023-roadmap",
        "plan/irk-2023-roadmap",
        "plan/irk-2023-roadmap",
        "plan/irk-2023-roadmap",
        "plan/irk-2023-roadmap",
        "plan/irk-2023-roadmap",
        "target/fr_by_deficit",
        "target/fr_by_deficit",
        "report/r-38-12-2024",
    ];
    // Kinds appended after the corrections have their natural streams again.
    let appended = [
        "plan/irk-2023-roadmap",
        "plan/irk-2023-roadmap",
        "plan/irk-2023-roadmap",
        "plan/zhig-2023-plan",
        "decision/rec-2023-01",
        "decision/dec-2023-01",
        "period/monitoring-2024",
        "period/monitoring-2024",
        "period/monitoring-2024",
        "period/monitoring-2024",
        "period/monitoring-2024",
        "period/monitoring-2024",
    ];
    let samples = samples();
    let (facts, rest) = samples.split_at(expected.len());
    let (corrections, later) = rest.split_at(2);
    for (payload, stream) in facts.iter().chain(later).zip(expected.iter().chain(&appended)) {
        assert_eq!(payload.stream().unwrap().as_str(), *stream, "{}", payload.kind());
    }
    let actor = Actor { role: ActorRole::Operator, id: "tok-1".into() };
    let effective = Effective::Date(date(2024, 5, 1));
    for payload in corrections {
        assert_eq!(payload.stream(), Err(PayloadError::NoNaturalStream { kind: payload.kind() }));
        assert!(payload.to_new_event(None, effective, actor.clone(), None).is_err());
        let stream = StreamName::new("teacher/t-000123").unwrap();
        let event = payload.to_new_event_in(stream, None, effective, actor.clone(), None).unwrap();
        assert_eq!(event.payload, payload.encode().unwrap());
        assert_eq!(event.check_limits(), Ok(()));
    }
}

#[test]
fn an_id_that_makes_no_stream_name_is_an_error() {
    let bad: TeacherId = serde_json::from_value(json!("")).unwrap();
    let payload = Payload::from(TeacherLeft { teacher: bad, ..teacher_left() });
    assert!(matches!(
        payload.stream(),
        Err(PayloadError::Stream {
            kind: "teacher_left",
            source: StreamNameError::Malformed { .. }
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Indicators.

#[test]
fn indicator_codes_round_trip_and_have_titles() {
    assert_eq!(IndicatorCode::ALL.len(), 32);
    let mut seen = BTreeSet::new();
    for code in IndicatorCode::ALL {
        assert!(seen.insert(code.as_str()));
        assert_eq!(code.as_str().parse::<IndicatorCode>(), Ok(*code));
        assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        assert!(!code.title_ru().is_empty());
    }
    assert!("diagnosis".parse::<IndicatorCode>().is_err());
    assert_eq!(IndicatorCode::MethodistLoad.measure(), IndicatorMeasure::Ratio);
    assert_eq!(IndicatorCode::RegionalEvents.measure(), IndicatorMeasure::Count);
}

#[test]
fn id_constructors_check_the_text() {
    assert!(TeacherId::new("t-000123").is_ok());
    assert!(OrgId::new("школа-1").is_ok());
    assert_eq!(TeacherId::new(""), Err(IdError::Empty));
    assert_eq!(TeacherId::new("a b"), Err(IdError::BadCharacter { character: ' ' }));
    assert_eq!(TeacherId::new("a/b"), Err(IdError::BadCharacter { character: '/' }));
    assert!(matches!(TeacherId::new("x".repeat(65)), Err(IdError::TooLong { length: 65, .. })));
}

// ---------------------------------------------------------------------------------------------
// Golden vectors.

const VECTORS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/payloads.txt");
const VECTORS_HEADER: &str = "# Canonical payload bytes of one fixed sample per kind \
(proto-events/tests/vocabulary.rs, fn samples).\n\
# Line: kind<TAB>schema_version<TAB>payload hex<TAB>JSON form (for review only).\n\
# A changed line is a format change: see style.md section 9.\n\
# Regenerate: LETOPIS_BLESS=1 cargo test -p proto-events --test vocabulary golden\n";

fn vector_lines() -> Vec<String> {
    let current = samples().into_iter().map(|payload| {
        let hex = hex::encode(payload.encode().unwrap());
        let json =
            serde_json::to_string(&serde_json::to_value(&payload).unwrap()["payload"]).unwrap();
        format!("{}\t{}\t{hex}\t{json}", payload.kind(), payload.schema_version())
    });
    let previous = previous_samples().into_iter().map(|(kind, version, bytes, json, _)| {
        format!("{kind}\t{version}\t{}\t{json}", hex::encode(bytes))
    });
    current.chain(previous).collect()
}

#[test]
fn golden_payload_vectors() {
    let lines = vector_lines();
    if std::env::var("LETOPIS_BLESS").as_deref() == Ok("1") {
        std::fs::write(VECTORS_PATH, format!("{VECTORS_HEADER}{}\n", lines.join("\n"))).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(VECTORS_PATH)
        .expect("tests/vectors/payloads.txt is missing: run with LETOPIS_BLESS=1 and review");
    let stored: BTreeMap<(&str, u16), &str> = stored
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let mut fields = line.split('\t');
            let kind = fields.next().unwrap();
            let version = fields.next().unwrap().parse::<u16>().unwrap();
            ((kind, version), fields.next().unwrap())
        })
        .collect();
    assert_eq!(
        stored.len(),
        Payload::KINDS.len() + Payload::PREVIOUS_VERSIONS.len(),
        "one vector per kind and schema version read"
    );
    for payload in samples() {
        let hex = stored
            .get(&(payload.kind(), payload.schema_version()))
            .unwrap_or_else(|| panic!("no golden vector for {}", payload.kind()));
        let actual = hex::encode(payload.encode().unwrap());
        assert_eq!(&actual, hex, "bytes of {} moved: a format change", payload.kind());
        // The stored bytes also decode back to the sample: the vector pins decoding too.
        let bytes = hex::decode(hex).unwrap();
        assert_eq!(Payload::decode(payload.kind(), payload.schema_version(), &bytes), Ok(payload));
    }
    // Bytes of an earlier schema, as written then, still decode and upcast.
    let previous = previous_samples();
    let listed: Vec<(&str, u16)> = previous.iter().map(|(kind, v, ..)| (*kind, *v)).collect();
    assert_eq!(listed, Payload::PREVIOUS_VERSIONS, "one sample per earlier version read");
    for (kind, version, bytes, _, upcast) in previous {
        let hex =
            stored.get(&(kind, version)).unwrap_or_else(|| panic!("no vector {kind} v{version}"));
        assert_eq!(hex::encode(&bytes), *hex, "bytes of {kind} v{version} moved");
        assert_eq!(Payload::decode(kind, version, &bytes), Ok(upcast), "{kind} v{version}");
    }
}

// ---------------------------------------------------------------------------------------------
// The term reading an amendment carries round-trips.

/// Any meaning the format admits (decoding refuses the rest: see `TermMeaning::validate`).
fn term_meaning() -> impl Strategy<Value = term::TermMeaning> {
    use term::{Frequency, Recurrence, TermMeaning, TextReason, Within};
    let day = (-25_567i32..84_000).prop_map(Date::from_days_since_epoch);
    let year = term::TERM_YEAR_MIN..=term::TERM_YEAR_MAX;
    let span = (day.clone(), 0i32..2_000).prop_map(|(from, length)| {
        (from, Date::from_days_since_epoch(from.days_since_epoch() + length))
    });
    let within = prop_oneof![
        (1u8..=12).prop_map(Within::Month),
        (1u8..=12, 0u8..12)
            .prop_map(|(first, more)| Within::Months { first, last: (first + more).min(12) }),
        (1u8..=4).prop_map(Within::Quarter),
        (1u8..=2).prop_map(Within::HalfYear),
    ];
    let recurrence = (
        prop_oneof![Just(Frequency::Monthly), Just(Frequency::Quarterly), Just(Frequency::Yearly)],
        proptest::option::of(within),
        proptest::option::of((year.clone(), 0i32..20)),
    )
        .prop_map(|(frequency, within, bounds)| Recurrence {
            frequency,
            within: within.filter(|_| frequency == Frequency::Yearly),
            start_year: bounds.map(|(start, _)| start),
            end_year: bounds.map(|(start, length)| (start + length).min(term::TERM_YEAR_MAX)),
        });
    prop_oneof![
        (span.clone(), any::<bool>()).prop_map(|((from, due), open)| TermMeaning::Date {
            due,
            from: (!open).then_some(from)
        }),
        span.clone().prop_map(|(from, to)| TermMeaning::Range { from, to }),
        year.clone().prop_map(|year| TermMeaning::Year { year }),
        (term::TERM_YEAR_MIN..term::TERM_YEAR_MAX, 1i32..10).prop_map(|(from_year, more)| {
            TermMeaning::Years { from_year, to_year: (from_year + more).min(term::TERM_YEAR_MAX) }
        }),
        recurrence.prop_map(TermMeaning::Recurring),
        (proptest::option::of(span), any::<bool>()).prop_map(|(span, open)| match span {
            Some((from, _)) if open => TermMeaning::Continuous { from: Some(from), to: None },
            Some((from, to)) => TermMeaning::Continuous { from: Some(from), to: Some(to) },
            None => TermMeaning::Continuous { from: None, to: None },
        }),
        prop_oneof![
            Just(TextReason::Unrecognised),
            Just(TextReason::Ambiguous),
            Just(TextReason::NoYear),
            Just(TextReason::Conditional),
            Just(TextReason::InvalidDate),
            Just(TextReason::TooLong),
        ]
        .prop_map(|reason| TermMeaning::Text { reason }),
        (day.clone(), proptest::collection::vec(1i32..800, 1..term::TERM_DATES_MAX)).prop_map(
            |(first, gaps)| {
                let mut dates = vec![first];
                for gap in gaps {
                    let last = dates.last().map_or(0, |d| d.days_since_epoch());
                    dates.push(Date::from_days_since_epoch(last + gap));
                }
                TermMeaning::Dates { dates }
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// A term change with any reading encodes and decodes to itself, in binary (byte for byte)
    /// and in JSON, alone and inside `activity_amended`.
    #[test]
    fn term_change_round_trips(meaning in term_meaning(), new in "[а-я0-9 .-]{1,40}") {
        let change = FieldChange {
            field: ActivityField::Term,
            old: "Ежегодно 4 квартал".into(),
            new,
            meaning: Some(meaning),
        };
        let bytes = proto_events::codec::encode("field change", &change).unwrap();
        let decoded: FieldChange = proto_events::codec::decode("field change", &bytes).unwrap();
        prop_assert_eq!(&decoded, &change);
        let json = serde_json::to_string(&change).unwrap();
        prop_assert_eq!(&serde_json::from_str::<FieldChange>(&json).unwrap(), &change);
        let payload = Payload::from(ActivityAmended { changes: vec![change], ..activity_amended() });
        let bytes = payload.encode().unwrap();
        let decoded = Payload::decode("activity_amended", 2, &bytes).unwrap();
        prop_assert_eq!(decoded.encode().unwrap(), bytes);
        prop_assert_eq!(decoded, payload);
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding never panics.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(
        index in 0..Payload::KINDS.len(),
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let (kind, version) = Payload::KINDS[index];
        if let Ok(payload) = Payload::decode(kind, version, &bytes) {
            prop_assert_eq!(payload.encode().unwrap(), bytes);
            let _ = payload.validate();
        }
    }

    #[test]
    fn decoding_mutated_samples_never_panics(
        index in 0..Payload::KINDS.len(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let payload = &samples()[index];
        let mut bytes = payload.encode().unwrap();
        for (position, value) in flips {
            let position = position.index(bytes.len());
            bytes[position] = value;
        }
        if let Ok(decoded) = Payload::decode(payload.kind(), payload.schema_version(), &bytes) {
            prop_assert_eq!(decoded.encode().unwrap(), bytes);
            let _ = decoded.validate();
            let _ = decoded.stream();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Stateless validation: each rule names its field.

#[track_caller]
fn check_invalid(payload: impl Into<Payload>, field: &str) {
    let payload = payload.into();
    match payload.validate() {
        Err(error) => {
            assert_eq!(error.field, field, "{error}");
            assert!(!error.rule.is_empty());
        }
        Ok(()) => panic!("{} passed validation, expected an error at {field}", payload.kind()),
    }
}

fn bad<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_json::from_value(json!(text)).unwrap()
}

#[test]
fn ids_must_be_well_formed() {
    check_invalid(TeacherLeft { teacher: bad(""), ..teacher_left() }, "teacher");
    check_invalid(TeacherLeft { organisation: bad("a b"), ..teacher_left() }, "organisation");
    check_invalid(
        MunicipalityRegistered { municipality: bad(&"9".repeat(65)), ..municipality_registered() },
        "municipality",
    );
    check_invalid(
        RouteOpened { deficits: [bad::<CompetenceCode>("x y")].into(), ..route_opened() },
        "deficits.0",
    );
    check_invalid(
        FigureReported { scope: Scope::Organisation(bad("")), ..figure_reported() },
        "scope",
    );
}

#[test]
fn a_register_entry_names_what_its_register_needs() {
    check_invalid(RegisterEntryRecorded { person: None, ..register_entry_recorded() }, "person");
    check_invalid(
        RegisterEntryRecorded { community: None, ..register_entry_recorded() },
        "community",
    );
    let program = RegisterEntryRecorded {
        register: RegisterKind::RegionalPrograms,
        ..register_entry_recorded()
    };
    check_invalid(program, "program");
    check_invalid(RegisterIntervalSet { months: 0, ..register_interval_set() }, "months");
    check_invalid(
        RegisterEntryExcluded { reason: " ".into(), ..register_entry_excluded() },
        "reason",
    );
    for kind in RegisterKind::ALL {
        assert_eq!(kind.as_str().parse::<RegisterKind>(), Ok(*kind));
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
}

#[test]
fn an_enrolment_ends_after_it_begins_and_a_withdrawal_follows_its_act() {
    check_invalid(
        CourseEnrolled { ends_on: Some(date(2024, 3, 10)), ..course_enrolled() },
        "ends_on",
    );
    check_invalid(
        CourseEnrolled { enrolled_on: date(1900, 1, 1), ..course_enrolled() },
        "enrolled_on",
    );
    let early = Basis { date: date(2023, 6, 12), ..target_withdrawn().act };
    check_invalid(TargetWithdrawn { act: early, ..target_withdrawn() }, "act.date");
    let unnamed = Basis { number: "".into(), ..act() };
    check_invalid(
        TargetWithdrawn { set_by_act: unnamed, ..target_withdrawn() },
        "set_by_act.number",
    );
    // The withdrawal names the target by indicator, scope and act (kind, number, date), not by
    // the act's title, which is written differently from one document to the next.
    assert!(target_withdrawn().withdraws(&target_set()));
    let other_scope = TargetSet { scope: Scope::Municipality(bad("38-12")), ..target_set() };
    assert!(!target_withdrawn().withdraws(&other_scope));
    let other_act =
        TargetSet { act: Basis { number: "55-36-мпр".into(), ..act() }, ..target_set() };
    assert!(!target_withdrawn().withdraws(&other_act));
}

#[test]
fn plan_level_changes_and_decisions_name_the_field_they_refuse() {
    check_invalid(PlanAmended { summary: " ".into(), ..plan_amended() }, "summary");
    check_invalid(PlanAmended { period_from_year: Some(2027), ..plan_amended() }, "period_to_year");
    check_invalid(PlanAmended { period_to_year: Some(1800), ..plan_amended() }, "period_to_year");
    check_invalid(PlanSuperseded { by: plan_superseded().plan, ..plan_superseded() }, "by");
    check_invalid(PlanRevoked { reason: String::new(), ..plan_revoked() }, "reason");
    check_invalid(PlanAgreed { remarks: Some(" ".into()), ..plan_agreed() }, "remarks");
    check_invalid(
        RecommendationIssued { indicators: vec![], ..recommendation_issued() },
        "indicators",
    );
    check_invalid(
        RecommendationIssued {
            indicators: vec![IndicatorCode::Routed, IndicatorCode::Routed],
            ..recommendation_issued()
        },
        "indicators.1",
    );
    check_invalid(
        ManagementDecisionRecorded { year: 1900, ..management_decision_recorded() },
        "year",
    );
    check_invalid(
        ManagementDecisionRecorded {
            municipalities: vec![
                MunicipalityCode::new("38-12").unwrap(),
                MunicipalityCode::new("38-12").unwrap(),
            ],
            ..management_decision_recorded()
        },
        "municipalities.1",
    );
}

#[test]
fn plan_changes_and_management_decisions_must_cite_their_act() {
    for payload in [
        Payload::from(plan_amended()),
        plan_superseded().into(),
        plan_revoked().into(),
        plan_agreed().into(),
        management_decision_recorded().into(),
    ] {
        let error = payload.validate_basis(None).unwrap_err();
        assert_eq!(error.field, "basis", "{}", payload.kind());
        assert_eq!(payload.validate_basis(Some(&act())), Ok(()));
        let undated = Basis { number: " ".into(), ..act() };
        assert_eq!(payload.validate_basis(Some(&undated)).unwrap_err().field, "basis.number");
    }
    // A recommendation rests on the analytical note, which may be cited or not.
    assert_eq!(Payload::from(recommendation_issued()).validate_basis(None), Ok(()));
}

#[test]
fn texts_must_be_present_bounded_and_clean() {
    check_invalid(MunicipalityRegistered { name: " ".into(), ..municipality_registered() }, "name");
    check_invalid(ProgramRegistered { title: "x".repeat(1025), ..program_registered() }, "title");
    check_invalid(ActivityCancelled { reason: "a\u{7}b".into(), ..activity_cancelled() }, "reason");
    check_invalid(TeacherLeft { reason: Some(String::new()), ..teacher_left() }, "reason");
    check_invalid(
        ActivityAdded { co_executors: vec!["ММС".into(), "".into()], ..activity_added() },
        "co_executors.1",
    );
    check_invalid(ActivityAdded { term: term::parse(""), ..activity_added() }, "term.text");
    check_invalid(
        CourseCompleted { certificate_number: "".into(), ..course_completed() },
        "certificate_number",
    );
}

#[test]
fn hours_are_positive_and_bounded() {
    check_invalid(ProgramRegistered { hours: 0, ..program_registered() }, "hours");
    check_invalid(CourseCompleted { hours: 0, ..course_completed() }, "hours");
    check_invalid(CourseCompleted { hours: 4001, ..course_completed() }, "hours");
}

#[test]
fn sets_that_must_not_be_empty() {
    check_invalid(ProgramRegistered { topics: BTreeSet::new(), ..program_registered() }, "topics");
    check_invalid(RouteOpened { deficits: BTreeSet::new(), ..route_opened() }, "deficits");
    check_invalid(
        RouteStepPlanned { deficits: BTreeSet::new(), ..route_step_planned() },
        "deficits",
    );
    check_invalid(
        DiagnosticProcedureRegistered {
            competences: BTreeSet::new(),
            ..diagnostic_procedure_registered()
        },
        "competences",
    );
    check_invalid(
        TeacherMoved {
            position: Position::SubjectTeacher { subjects: BTreeSet::new() },
            ..teacher_moved()
        },
        "position.subjects",
    );
    check_invalid(ActivityAmended { changes: vec![], ..activity_amended() }, "changes");
}

#[test]
fn scores_and_shares_are_in_range() {
    let mut scores = diagnostic_recorded().scores;
    scores.insert(competence("subject.math"), 10_001);
    check_invalid(DiagnosticRecorded { scores, ..diagnostic_recorded() }, "scores.subject.math");
    check_invalid(
        TargetSet { value: TargetValue::ShareAtLeastBp(10_001), ..target_set() },
        "value",
    );
    check_invalid(FigureReported { value_bp: Some(10_001), ..figure_reported() }, "value_bp");
    check_invalid(
        ActivityAdded {
            planned_value: Some(TargetValue::ShareAtMostBp(20_000)),
            ..activity_added()
        },
        "planned_value",
    );
}

#[test]
fn figures_fit_their_indicator_measure() {
    check_invalid(FigureReported { numerator: 237, ..figure_reported() }, "numerator");
    let count = FigureReported {
        indicator: IndicatorCode::RegionalEvents,
        value_bp: None,
        numerator: 5,
        denominator: 1,
        ..figure_reported()
    };
    assert_eq!(Payload::from(count.clone()).validate(), Ok(()));
    check_invalid(FigureReported { value_bp: Some(500), ..count.clone() }, "value_bp");
    check_invalid(FigureReported { denominator: 2, ..count }, "denominator");
    let load = FigureReported {
        indicator: IndicatorCode::MethodistLoad,
        value_bp: None,
        numerator: 5000,
        denominator: 20,
        ..figure_reported()
    };
    assert_eq!(Payload::from(load.clone()).validate(), Ok(()));
    check_invalid(FigureReported { denominator: 0, ..load }, "denominator");
    check_invalid(
        TargetSet {
            indicator: IndicatorCode::MethodistLoad,
            value: TargetValue::ShareAtMostBp(250),
            ..target_set()
        },
        "value",
    );
    check_invalid(TargetSet { value: TargetValue::CountAtLeast(4), ..target_set() }, "value");
    let load_target = TargetSet {
        indicator: IndicatorCode::MethodistLoad,
        value: TargetValue::CountAtMost(250),
        ..target_set()
    };
    assert_eq!(Payload::from(load_target).validate(), Ok(()));
}

#[test]
fn dates_are_plausible_and_ordered() {
    check_invalid(
        OrganisationStatusChanged {
            valid_to: Some(date(2023, 8, 31)),
            ..organisation_status_changed()
        },
        "valid_to",
    );
    check_invalid(
        CourseCompleted { completed_on: date(1900, 1, 1), ..course_completed() },
        "completed_on",
    );
    check_invalid(
        CourseCompleted {
            completed_on: Date::from_days_since_epoch(i32::MAX),
            ..course_completed()
        },
        "completed_on",
    );
    check_invalid(PlanCreated { period_to_year: 2022, ..plan_created() }, "period_to_year");
    check_invalid(PlanCreated { period_from_year: 3000, ..plan_created() }, "period_from_year");
    check_invalid(TargetSet { from_year: Some(2025), ..target_set() }, "deadline");
    check_invalid(
        TargetSet { act: Basis { date: date(1800, 1, 1), ..act() }, ..target_set() },
        "act.date",
    );
    check_invalid(
        PlanApproved { act: Basis { number: "".into(), ..act() }, ..plan_approved() },
        "act.number",
    );
}

#[test]
fn teachers_are_plausible() {
    check_invalid(TeacherHired { birth_year: 1929, ..teacher_hired() }, "birth_year");
    check_invalid(TeacherHired { birth_year: 2011, ..teacher_hired() }, "birth_year");
    check_invalid(
        TeacherHired { career_start: date(2005, 9, 1), ..teacher_hired() },
        "career_start",
    );
    check_invalid(
        MentoringPairFormed { mentor: teacher("t-000123"), ..mentoring_pair_formed() },
        "mentee",
    );
    check_invalid(
        OrganisationRegistered { municipality: None, ..organisation_registered() },
        "municipality",
    );
    let academy = OrganisationRegistered {
        kind: OrganisationKind::DpoProvider,
        municipality: None,
        ..organisation_registered()
    };
    assert_eq!(Payload::from(academy).validate(), Ok(()));
}

#[test]
fn activities_and_routes_follow_their_rules() {
    for number in ["", "5.", ".5", "5..7", "5,7", "V", "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16"] {
        check_invalid(ActivityAdded { number: number.into(), ..activity_added() }, "number");
    }
    let change = activity_amended().changes[0].clone();
    check_invalid(
        ActivityAmended { changes: vec![change.clone(), change.clone()], ..activity_amended() },
        "changes.1.field",
    );
    check_invalid(
        ActivityAmended {
            changes: vec![FieldChange { new: change.old.clone(), ..change.clone() }],
            ..activity_amended()
        },
        "changes.0.new",
    );
    let guessed = term::Term { meaning: term::parse("2022").meaning, ..term::parse("2023") };
    check_invalid(ActivityAdded { term: guessed, ..activity_added() }, "term.meaning");
    // A term change carries the reading of its new text, and only a term change carries one.
    for (meaning, field) in [
        (None, ActivityField::Term),
        (Some(term::parse("2022").meaning), ActivityField::Term),
        (Some(term::parse("Ежегодно 3 квартал").meaning), ActivityField::Title),
    ] {
        let change = FieldChange { field, meaning, ..change.clone() };
        check_invalid(
            ActivityAmended { changes: vec![change], ..activity_amended() },
            "changes.0.meaning",
        );
    }
    let title = FieldChange::text(ActivityField::Title, "Старое", "Новое");
    assert_eq!(
        Payload::from(ActivityAmended { changes: vec![title], ..activity_amended() }).validate(),
        Ok(())
    );
    let dated = FieldChange::term("2023", term::parse_in_plan("До сентября", Some((2023, 2023))));
    assert!(dated.meaning.as_ref().is_some_and(term::TermMeaning::is_structured));
    assert_eq!(
        Payload::from(ActivityAmended { changes: vec![dated], ..activity_amended() }).validate(),
        Ok(())
    );
    let dated_by_plan = term::parse_in_period("До сентября", Some((2023, 2023)));
    assert!(dated_by_plan.is_structured());
    let accepted = ActivityAdded { term: dated_by_plan, ..activity_added() };
    assert_eq!(Payload::from(accepted).validate(), Ok(()));
    check_invalid(RouteStepPlanned { program: None, ..route_step_planned() }, "program");
    let self_study =
        RouteStepPlanned { form: StepForm::SelfStudy, program: None, ..route_step_planned() };
    assert_eq!(Payload::from(self_study).validate(), Ok(()));
    check_invalid(RouteClosed { outcome: RouteOutcome::Abandoned, ..route_closed() }, "reason");
}

#[test]
fn corrections_validate_their_replacement() {
    let broken = CourseCompleted { hours: 0, ..course_completed() };
    let correction = EventCorrected {
        replacement: Replacement::of(&broken.into()).unwrap(),
        ..event_corrected()
    };
    check_invalid(correction, "replacement.payload.hours");

    let nested = EventCorrected {
        replacement: Replacement::of(&event_retracted().into()).unwrap(),
        ..event_corrected()
    };
    check_invalid(nested, "replacement.kind");

    let garbage = EventCorrected {
        replacement: Replacement {
            kind: "course_completed".into(),
            schema_version: 1,
            payload: vec![1, 2, 3],
        },
        ..event_corrected()
    };
    check_invalid(garbage, "replacement.payload");
    check_invalid(EventRetracted { reason: "".into(), ..event_retracted() }, "reason");
}

// ---------------------------------------------------------------------------------------------
// The monitoring cycle's stateless rules (issue #16).

#[test]
fn cycle_payloads_name_the_field_they_reject() {
    let opened = reporting_period_opened();
    check_invalid(
        ReportingPeriodOpened { indicators: BTreeSet::new(), ..opened.clone() },
        "indicators",
    );
    check_invalid(
        ReportingPeriodOpened { scopes: [Scope::Region].into(), ..opened.clone() },
        "scopes.0",
    );
    check_invalid(ReportingPeriodOpened { due: date(2024, 12, 1), ..opened.clone() }, "due");
    check_invalid(ReportingPeriodOpened { title: " ".into(), ..opened }, "title");
    check_invalid(
        ReportingPeriodExtended { reason: None, ..reporting_period_extended() },
        "reason",
    );
    let submitted = figures_submitted();
    check_invalid(FiguresSubmitted { figures: Vec::new(), ..submitted.clone() }, "figures");
    check_invalid(FiguresSubmitted { scope: Scope::Region, ..submitted.clone() }, "scope");
    let mut twice = submitted.clone();
    twice.figures[1].indicator = IndicatorCode::Diagnosed;
    check_invalid(twice, "figures.1.indicator");
    let mut share_over_one = submitted.clone();
    share_over_one.figures[0].numerator = 237;
    check_invalid(share_over_one, "figures.0.denominator");
    let mut unexplained = submitted;
    unexplained.figures[1].source = FigureSource::Entered { explanation: String::new() };
    check_invalid(unexplained, "figures.1.source.entered.explanation");
    check_invalid(SubmissionAccepted { round: 0, ..submission_accepted() }, "round");
    check_invalid(
        SubmissionReturned { comment: String::new(), ..submission_returned() },
        "comment",
    );
    check_invalid(
        SubmissionReturned { indicators: BTreeSet::new(), ..submission_returned() },
        "indicators",
    );
}

#[test]
fn cycle_payloads_live_in_the_period_stream() {
    for payload in samples().into_iter().rev().take(6) {
        assert_eq!(
            payload.stream().unwrap().as_str(),
            "period/monitoring-2024",
            "{}",
            payload.kind()
        );
    }
}
