//! Indicator figures from the acts: a small district built by hand, expected figures computed by
//! hand, as known then and as known now; plus the fold's invariants as property tests.
//!
//! Every scenario goes through `check`: given events, when a figure is asked at (D, K), then
//! numerator / denominator (and, where it matters, the targets shown and `met`).

use std::collections::BTreeSet;

use proptest::prelude::*;

use proto_events::envelope::{Actor, ActorRole, Assigned, Effective, Envelope, NewEvent};
use proto_events::vocabulary::{
    Accumulation, CourseCompleted, CourseEnrolled, DiagnosticRecorded, EventCorrected,
    EventRetracted, FigureReported, FlagChange, IndicatorCode, LowResultsGrade,
    MentoringPairFormed, MunicipalEventHeld, MunicipalityRegistered, OrganisationKind,
    OrganisationRegistered, OrganisationStatus, OrganisationStatusChanged, ParticipationKind,
    ParticipationRecorded, Payload, Position, ProgramForm, ProgramKind, ProgramRegisterIncluded,
    ProgramRegisterRemoved, ProgramRegistered, ProgramTopic, Replacement, RouteOpened,
    RouteStepPlanned, RouteStepRef, RouteSupportAssigned, Scope, StepForm, SupportRole, TargetSet,
    TargetValue, TargetWithdrawn, TeacherHired, TeacherMoved,
};
use proto_events::{codec, Basis, Date, EventId, Hash, Seq, StreamName, Timestamp};

use projections::monitoring::{catalogue, catalogue_at, figure, figure_at, verify, verify_at};
use projections::state::{anomalies_at, Known};
use projections::{apply, State};

/// Events in ledger order, sealed as the store would seal them.
#[derive(Clone)]
struct Given {
    envelopes: Vec<Envelope>,
}

impl Given {
    fn new() -> Given {
        Given { envelopes: Vec::new() }
    }

    /// Records a payload effective on `effective`, recorded on `recorded` (YYYY-MM-DD).
    fn record(&mut self, effective: &str, recorded: &str, payload: impl Into<Payload>) -> EventId {
        let payload = payload.into();
        let seq = u64::try_from(self.envelopes.len()).unwrap() + 1;
        let id: EventId = format!("00000000-0000-7000-8000-{seq:012x}").parse().unwrap();
        let stream = payload.stream().unwrap_or_else(|_| StreamName::new("teacher/t1").unwrap());
        let basis = match &payload {
            Payload::TargetSet(target) => Some(target.act.clone()),
            _ => None,
        };
        let new = NewEvent {
            id: Some(id),
            stream,
            kind: payload.kind().to_string(),
            schema_version: payload.schema_version(),
            effective: Effective::Date(date(effective)),
            actor: Actor { role: ActorRole::Operator, id: "tok-test".into() },
            basis,
            payload: payload.encode().unwrap(),
        };
        let day = i64::from(date(recorded).days_since_epoch());
        let assigned = Assigned {
            id,
            seq: Seq(seq),
            stream_version: seq,
            recorded_at: Timestamp::from_micros(day * 86_400_000_000 + i64::try_from(seq).unwrap()),
            prev_hash: self.envelopes.last().map_or(Hash::ZERO, |last| last.hash),
        };
        let (envelope, _) = Envelope::seal(new, assigned).unwrap();
        self.envelopes.push(envelope);
        id
    }

    fn seq(&self) -> u64 {
        u64::try_from(self.envelopes.len()).unwrap()
    }

    /// The state as known at `k` (fold of seq ≤ k).
    fn fold(&self, k: u64) -> State {
        let mut state = State::default();
        for envelope in self.envelopes.iter().take_while(|envelope| envelope.seq.0 <= k) {
            apply(&mut state, envelope);
        }
        state
    }
}

fn date(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

fn id<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse().unwrap()
}

/// Given the events, when `code` is asked for `scope` at `on` as known at `known_at` (None =
/// now), then the figure is `expected` = (numerator, denominator) — both on the state folded to
/// `known_at` and on the state folded to the end, read as known at `known_at`.
fn check(
    given: &Given,
    known_at: Option<u64>,
    code: IndicatorCode,
    scope: &str,
    on: &str,
    expected: (u64, u64),
) {
    let state = given.fold(known_at.unwrap_or(u64::MAX));
    let scope: Scope = scope.parse().unwrap();
    let figure = figure(&state, code, &scope, date(on));
    assert_eq!(
        (figure.numerator, figure.denominator),
        expected,
        "{code} {scope} at {on} known at {known_at:?}; anomalies {:?}",
        state.anomalies
    );
    let head = given.fold(u64::MAX);
    let known = Known(known_at.unwrap_or(u64::MAX));
    let from_head = figure_at(&head, code, &scope, date(on), known);
    assert_eq!(from_head, figure, "{code} {scope} at {on}: head state read as known at {known:?}");
}

fn act(kind: &str, number: &str, on: &str) -> Basis {
    Basis { kind: kind.into(), number: number.into(), date: date(on), title: None }
}

fn hired(
    teacher: &str,
    org: &str,
    position: Position,
    birth_year: u16,
    career: &str,
) -> TeacherHired {
    TeacherHired {
        teacher: id(teacher),
        organisation: id(org),
        position,
        career_start: date(career),
        birth_year,
    }
}

fn subject() -> Position {
    Position::SubjectTeacher { subjects: BTreeSet::from(["математика".to_string()]) }
}

fn completion(completion: &str, teacher: &str, program: &str, on: &str) -> CourseCompleted {
    CourseCompleted {
        completion: id(completion),
        teacher: id(teacher),
        program: id(program),
        completed_on: date(on),
        certificate_number: format!("УД-{completion}"),
        hours: 36,
        provider: id("iro"),
        route_step: None,
    }
}

/// A route opened for `teacher` on the diagnostic `d-<teacher>`, for the deficit `k-1`.
fn route_opened(route: &str, teacher: &str) -> RouteOpened {
    RouteOpened {
        route: id(route),
        teacher: id(teacher),
        diagnostic: id(&format!("d-{teacher}")),
        deficits: BTreeSet::from([id("k-1")]),
    }
}

fn diagnostic(diagnostic: &str, teacher: &str, on: &str) -> DiagnosticRecorded {
    DiagnosticRecorded {
        diagnostic: id(diagnostic),
        teacher: id(teacher),
        procedure: id("proc-1"),
        taken_on: date(on),
        scores: Default::default(),
        deficits: BTreeSet::from([id("k-1")]),
    }
}

/// The district: municipalities m1, m2; general schools s1, s2 (m1) and s3 (m2); kindergarten
/// k1 (m2); six teachers; program p-fgos (updated FGOS + functional literacy, in the Federal
/// Register from 2023-01-01 to 2024-06-01) and p-ret (retraining).
fn district() -> Given {
    let mut given = Given::new();
    let d = "2023-01-01";
    for (code, name) in [("m1", "Первый район"), ("m2", "Второй район")] {
        given.record(d, d, MunicipalityRegistered { municipality: id(code), name: name.into() });
    }
    for (org, kind, municipality) in [
        ("s1", OrganisationKind::General, "m1"),
        ("s2", OrganisationKind::General, "m1"),
        ("s3", OrganisationKind::General, "m2"),
        ("k1", OrganisationKind::Preschool, "m2"),
    ] {
        given.record(
            d,
            d,
            OrganisationRegistered {
                organisation: id(org),
                name: format!("ОО {org}"),
                kind,
                municipality: Some(id(municipality)),
            },
        );
    }
    given.record(d, d, hired("t1", "s1", subject(), 1980, "2005-09-01"));
    given.record(d, d, hired("t2", "s1", Position::Teacher, 1985, "2010-09-01"));
    given.record(d, d, hired("t3", "s2", Position::Head, 1970, "1995-09-01"));
    given.record(d, d, hired("t4", "s2", subject(), 1990, "2015-09-01"));
    given.record(d, d, hired("t5", "k1", Position::PreschoolTeacher, 1992, "2014-09-01"));
    given.record(
        "2023-09-01",
        "2023-09-01",
        hired("t6", "s3", Position::Teacher, 2000, "2023-09-01"),
    );
    given.record(
        d,
        d,
        ProgramRegistered {
            program: id("p-fgos"),
            title: "Реализация обновлённых ФГОС".into(),
            kind: ProgramKind::FurtherTraining,
            hours: 36,
            provider: id("iro"),
            form: ProgramForm::Course,
            topics: BTreeSet::from([ProgramTopic::UpdatedFgos, ProgramTopic::FunctionalLiteracy]),
        },
    );
    given.record(
        d,
        d,
        ProgramRegistered {
            program: id("p-ret"),
            title: "Педагогика и психология".into(),
            kind: ProgramKind::Retraining,
            hours: 250,
            provider: id("iro"),
            form: ProgramForm::Course,
            topics: BTreeSet::new(),
        },
    );
    given.record(
        d,
        d,
        ProgramRegisterIncluded {
            program: id("p-fgos"),
            included_on: date("2023-01-01"),
            entry_number: None,
        },
    );
    given
}

#[test]
fn district_population_by_scope() {
    let given = district();
    // Six employed on 31.12.2023: s1 has t1, t2; s2 t3, t4; s3 t6; k1 t5.
    check(&given, None, IndicatorCode::UpdatedFgos, "region", "2023-12-31", (0, 5));
    check(&given, None, IndicatorCode::Diagnosed, "region", "2023-12-31", (0, 6));
    check(&given, None, IndicatorCode::Diagnosed, "municipality:m1", "2023-12-31", (0, 4));
    check(&given, None, IndicatorCode::SubjectCompetence, "region", "2023-12-31", (0, 2));
    check(&given, None, IndicatorCode::PreschoolQuality, "municipality:m2", "2023-12-31", (0, 1));
    // t6 is not yet hired on 01.06.2023.
    check(&given, None, IndicatorCode::Diagnosed, "region", "2023-06-01", (0, 5));
}

#[test]
fn late_recording_differs_known_then_and_known_now() {
    let mut given = district();
    given.record("2024-11-10", "2024-11-12", completion("c1", "t1", "p-fgos", "2024-11-10"));
    let known_on_15_january = given.seq();
    // A December completion recorded in February.
    given.record("2024-12-20", "2025-02-10", completion("c2", "t2", "p-fgos", "2024-12-20"));
    // Teachers of general schools on 31.12.2024: t1, t2, t3, t4, t6.
    check(
        &given,
        Some(known_on_15_january),
        IndicatorCode::UpdatedFgos,
        "region",
        "2024-12-31",
        (1, 5),
    );
    check(&given, None, IndicatorCode::UpdatedFgos, "region", "2024-12-31", (2, 5));
    check(&given, None, IndicatorCode::FunctionalLiteracy, "organisation:s1", "2024-12-31", (2, 2));
    // Not counted before it happened, whatever is known.
    check(&given, None, IndicatorCode::UpdatedFgos, "region", "2024-12-01", (1, 5));
}

#[test]
fn retracted_diagnostic_stops_counting_from_the_retraction_on() {
    let mut given = district();
    given.record("2024-03-01", "2024-03-02", diagnostic("d1", "t1", "2024-03-01"));
    let wrong = given.record("2024-03-01", "2024-03-02", diagnostic("d2", "t2", "2024-03-01"));
    let before_retraction = given.seq();
    given.record(
        "2024-04-01",
        "2024-04-01",
        EventRetracted { target: wrong, reason: "ошибка ввода".into() },
    );
    check(
        &given,
        Some(before_retraction),
        IndicatorCode::Diagnosed,
        "region",
        "2024-12-31",
        (2, 6),
    );
    check(&given, None, IndicatorCode::Diagnosed, "region", "2024-12-31", (1, 6));
    // Annual: a 2024 diagnostic does not count in 2025.
    check(&given, None, IndicatorCode::Diagnosed, "region", "2025-06-01", (0, 6));
    assert!(given.fold(u64::MAX).anomalies.is_empty());
}

#[test]
fn teacher_moving_between_municipalities_counts_where_employed_on_the_date() {
    let mut given = district();
    given.record("2024-03-01", "2024-03-01", diagnostic("d2", "t2", "2024-03-01"));
    given.record(
        "2024-07-01",
        "2024-07-01",
        TeacherMoved {
            teacher: id("t2"),
            from_organisation: id("s1"),
            to_organisation: id("s3"),
            position: Position::Teacher,
        },
    );
    check(&given, None, IndicatorCode::Diagnosed, "municipality:m1", "2024-06-30", (1, 4));
    check(&given, None, IndicatorCode::Diagnosed, "municipality:m2", "2024-06-30", (0, 2));
    check(&given, None, IndicatorCode::Diagnosed, "municipality:m1", "2024-12-31", (0, 3));
    check(&given, None, IndicatorCode::Diagnosed, "municipality:m2", "2024-12-31", (1, 3));
    check(&given, None, IndicatorCode::Diagnosed, "region", "2024-12-31", (1, 6));
    assert!(given.fold(u64::MAX).anomalies.is_empty());
}

#[test]
fn program_removed_from_the_federal_register_counts_only_before_removal() {
    let mut given = district();
    for (teacher, route) in [("t1", "r1"), ("t4", "r4")] {
        given.record(
            "2024-01-15",
            "2024-01-15",
            RouteOpened {
                route: id(route),
                teacher: id(teacher),
                diagnostic: id("d0"),
                deficits: BTreeSet::from([id("k-1")]),
            },
        );
        given.record(
            "2024-01-15",
            "2024-01-15",
            RouteStepPlanned {
                route: id(route),
                teacher: id(teacher),
                step: id("s-1"),
                form: StepForm::Program,
                program: Some(id("p-fgos")),
                deficits: BTreeSet::from([id("k-1")]),
                due_on: date("2024-12-31"),
            },
        );
    }
    given.record(
        "2024-06-01",
        "2024-06-01",
        ProgramRegisterRemoved {
            program: id("p-fgos"),
            removed_on: date("2024-06-01"),
            entry_number: None,
        },
    );
    given.record("2024-03-01", "2024-03-05", completion("c4", "t4", "p-fgos", "2024-03-01"));
    let mut late = completion("c1", "t1", "p-fgos", "2024-07-01");
    late.route_step = Some(RouteStepRef { route: id("r1"), step: id("s-1") });
    given.record("2024-07-01", "2024-07-05", late);
    // t5 completed it in the register but not on a route built from her diagnostics.
    given.record("2024-03-01", "2024-03-05", completion("c5", "t5", "p-fgos", "2024-03-01"));
    check(&given, None, IndicatorCode::FrByDeficit, "region", "2024-12-31", (1, 6));
    check(&given, None, IndicatorCode::UpdatedFgos, "region", "2024-12-31", (2, 5));
    check(&given, None, IndicatorCode::Routed, "region", "2024-12-31", (2, 6));
}

#[test]
fn target_changed_by_a_later_act_shows_both_acts() {
    let mut given = district();
    let target = |value_bp: u32, basis: Basis| TargetSet {
        indicator: IndicatorCode::UpdatedFgos,
        scope: Scope::Region,
        value: TargetValue::ShareAtLeastBp(value_bp),
        deadline: Some(date("2024-12-31")),
        accumulation: Accumulation::Cumulative,
        from_year: Some(2023),
        act: basis,
    };
    let order = act("распоряжение", "55-мпр", "2023-02-01");
    let roadmap = act("приказ", "12", "2023-03-01");
    given.record("2023-02-01", "2023-02-01", target(2_000, order.clone()));
    given.record("2023-03-01", "2023-03-01", target(9_500, roadmap));
    given.record("2024-05-10", "2024-05-10", completion("c1", "t1", "p-fgos", "2024-05-10"));
    let state = given.fold(u64::MAX);
    let figure = figure(&state, IndicatorCode::UpdatedFgos, &Scope::Region, date("2024-12-31"));
    // 1 of 5 = 20 %: the order's 20 % is met, the roadmap's 95 % is not.
    assert_eq!((figure.numerator, figure.denominator, figure.value_bp), (1, 5, Some(2_000)));
    let shown: Vec<(TargetValue, Option<bool>)> =
        figure.targets.iter().map(|target| (target.value, target.met)).collect();
    assert_eq!(
        shown,
        vec![
            (TargetValue::ShareAtLeastBp(2_000), Some(true)),
            (TargetValue::ShareAtLeastBp(9_500), Some(false))
        ]
    );
    assert_eq!(figure.met, Some(false));
    // The order's own later change supersedes its earlier target, the roadmap's stays.
    given.record("2024-06-01", "2024-06-01", target(3_000, order));
    let state = given.fold(u64::MAX);
    let later =
        projections::figure(&state, IndicatorCode::UpdatedFgos, &Scope::Region, date("2024-12-31"));
    let values: Vec<TargetValue> = later.targets.iter().map(|target| target.value).collect();
    assert_eq!(
        values,
        vec![TargetValue::ShareAtLeastBp(3_000), TargetValue::ShareAtLeastBp(9_500)]
    );
    // Before the change took effect, the earlier wording of the order is in force.
    let before =
        projections::figure(&state, IndicatorCode::UpdatedFgos, &Scope::Region, date("2024-05-31"));
    assert_eq!(before.targets.len(), 2);
    assert_eq!(before.targets[0].value, TargetValue::ShareAtLeastBp(2_000));
    // No target for another indicator: met is null.
    let none =
        projections::figure(&state, IndicatorCode::Talents, &Scope::Region, date("2024-12-31"));
    assert_eq!((none.targets.len(), none.met), (0, None));
}

#[test]
fn corrected_completion_date_moves_it_out_of_the_year_from_the_correction_on() {
    let mut given = district();
    let original =
        given.record("2024-12-20", "2024-12-21", completion("c1", "t1", "p-ret", "2024-12-20"));
    let before = given.seq();
    let fixed = completion("c1", "t1", "p-ret", "2025-01-20");
    given.record(
        "2025-02-01",
        "2025-02-01",
        EventCorrected {
            target: original,
            reason: "дата удостоверения".into(),
            replacement: Replacement::of(&Payload::from(fixed)).unwrap(),
        },
    );
    check(&given, Some(before), IndicatorCode::Retraining, "region", "2024-12-31", (1, 6));
    check(&given, None, IndicatorCode::Retraining, "region", "2024-12-31", (0, 6));
    check(&given, None, IndicatorCode::Retraining, "region", "2025-12-31", (1, 6));
    // The fact keeps the original event id as its evidence.
    let state = given.fold(u64::MAX);
    let figure = figure(&state, IndicatorCode::Retraining, &Scope::Region, date("2025-12-31"));
    assert_eq!(figure.evidence, vec![original]);
}

#[test]
fn low_results_schools_use_status_on_the_date() {
    let mut given = district();
    given.record(
        "2024-01-01",
        "2024-01-01",
        OrganisationStatusChanged {
            organisation: id("s2"),
            status: OrganisationStatus::LowResults(LowResultsGrade::Strongly),
            change: FlagChange::Set,
            valid_from: date("2024-01-01"),
            valid_to: Some(date("2024-12-31")),
        },
    );
    given.record("2024-04-01", "2024-04-01", completion("c3", "t3", "p-fgos", "2024-04-01"));
    check(&given, None, IndicatorCode::LowResultsSchools, "region", "2023-12-31", (0, 0));
    check(&given, None, IndicatorCode::LowResultsSchools, "region", "2024-12-31", (1, 2));
    check(&given, None, IndicatorCode::LowResultsSchools, "region", "2025-01-01", (0, 0));
}

#[test]
fn route_support_young_teachers_and_mentoring_orgs() {
    let mut given = district();
    given.record(
        "2024-02-01",
        "2024-02-01",
        RouteOpened {
            route: id("r6"),
            teacher: id("t6"),
            diagnostic: id("d6"),
            deficits: BTreeSet::from([id("k-1")]),
        },
    );
    given.record(
        "2024-02-01",
        "2024-02-01",
        RouteOpened {
            route: id("r2"),
            teacher: id("t2"),
            diagnostic: id("d2"),
            deficits: BTreeSet::from([id("k-1")]),
        },
    );
    given.record(
        "2024-03-01",
        "2024-03-01",
        RouteSupportAssigned {
            route: id("r6"),
            teacher: id("t6"),
            supporter: id("methodist-1"),
            role: SupportRole::Methodist,
        },
    );
    given.record(
        "2024-03-01",
        "2024-03-01",
        MentoringPairFormed {
            pair: id("pair-1"),
            mentor: id("t1"),
            mentee: id("t2"),
            organisation: id("s1"),
            mentoring_program: None,
        },
    );
    check(&given, None, IndicatorCode::RouteSupported, "region", "2024-02-15", (0, 2));
    check(&given, None, IndicatorCode::RouteSupported, "region", "2024-12-31", (1, 2));
    // Only t6 is under 35 and within 3 years of career start; supported from 01.03.2024.
    check(&given, None, IndicatorCode::YoungSupported, "region", "2024-02-15", (0, 1));
    check(&given, None, IndicatorCode::YoungSupported, "region", "2024-12-31", (1, 1));
    // 001 App. 1: «Доля образовательных организаций, реализующих программы наставничества»:
    // an active pair is not a program; s1 adopts one, by its own act, from 01.04.2024.
    check(&given, None, IndicatorCode::MentoringOrgs, "region", "2024-12-31", (0, 4));
    let program = |org: &str, change, valid_from: &str| OrganisationStatusChanged {
        organisation: id(org),
        status: OrganisationStatus::MentoringProgram,
        change,
        valid_from: date(valid_from),
        valid_to: None,
    };
    given.record("2024-04-01", "2024-04-01", program("s1", FlagChange::Set, "2024-04-01"));
    check(&given, None, IndicatorCode::MentoringOrgs, "region", "2024-03-31", (0, 4));
    check(&given, None, IndicatorCode::MentoringOrgs, "region", "2024-12-31", (1, 4));
    check(&given, None, IndicatorCode::MentoringOrgs, "municipality:m2", "2024-12-31", (0, 2));
    // A program with no pair active yet counts (k1); a program ended does not (s1 from 2025).
    given.record("2024-05-01", "2024-05-01", program("k1", FlagChange::Set, "2024-05-01"));
    given.record("2025-01-10", "2025-01-10", program("s1", FlagChange::Cleared, "2025-01-01"));
    check(&given, None, IndicatorCode::MentoringOrgs, "municipality:m2", "2024-12-31", (1, 2));
    check(&given, None, IndicatorCode::MentoringOrgs, "region", "2025-02-01", (1, 4));
}

#[test]
fn reported_figure_is_verified_then_and_now_with_the_changing_events() {
    let mut given = district();
    given.record("2024-11-10", "2024-11-12", completion("c1", "t1", "p-fgos", "2024-11-10"));
    let report = given.record(
        "2025-01-15",
        "2025-01-15",
        FigureReported {
            report: id("rep-2024"),
            indicator: IndicatorCode::UpdatedFgos,
            scope: Scope::Region,
            valid_on: date("2024-12-31"),
            value_bp: Some(2_000),
            numerator: 1,
            denominator: 5,
            reporter: "ЦНППМ".into(),
        },
    );
    let report_seq = given.seq();
    let late =
        given.record("2024-12-20", "2025-02-10", completion("c2", "t2", "p-fgos", "2024-12-20"));
    let then = given.fold(report_seq);
    let now = given.fold(u64::MAX);
    let verification = verify(&report, &then, &now).unwrap();
    assert!(verification.matches_then);
    assert_eq!((verification.then.numerator, verification.now.numerator), (1, 2));
    assert_eq!(verification.changed_by, vec![late]);
    // The head state alone answers it too, at now and as known at the report.
    assert_eq!(verify_at(&report, &now, Known(now.seq)), Some(verification));
    let at_report = verify_at(&report, &now, Known(report_seq)).unwrap();
    assert_eq!((at_report.then.numerator, at_report.now.numerator), (1, 1));
    assert!(at_report.changed_by.is_empty());
    assert_eq!(verify_at(&report, &now, Known(report_seq - 1)), None);
}

/// Reports verified together share populations: two reports of one submission (nothing but a
/// new act's target between them) share the population "then", yet the second is checked against
/// the target in force when it was filed; a late completion between two submissions is seen by
/// the later one only. The same verifications as one by one.
#[test]
fn reports_verified_together_equal_reports_verified_one_by_one() {
    let mut given = district();
    let report = |given: &mut Given, name: &str, recorded: &str| {
        given.record(
            recorded,
            recorded,
            FigureReported {
                report: id(name),
                indicator: IndicatorCode::UpdatedFgos,
                scope: Scope::Region,
                valid_on: date("2024-12-31"),
                value_bp: None,
                numerator: 1,
                denominator: 5,
                reporter: "ЦНППМ".into(),
            },
        )
    };
    given.record("2024-11-10", "2024-11-12", completion("c1", "t1", "p-fgos", "2024-11-10"));
    let first = report(&mut given, "rep-a", "2025-01-15");
    let stricter = TargetSet {
        indicator: IndicatorCode::UpdatedFgos,
        scope: Scope::Region,
        value: TargetValue::ShareAtLeastBp(9_000),
        deadline: Some(date("2024-12-31")),
        accumulation: Accumulation::Cumulative,
        from_year: Some(2023),
        act: act("приказ", "99", "2024-12-01"),
    };
    given.record("2024-12-01", "2025-01-16", stricter);
    let second = report(&mut given, "rep-b", "2025-01-17");
    given.record("2024-12-20", "2025-02-10", completion("c2", "t2", "p-fgos", "2024-12-20"));
    let third = report(&mut given, "rep-c", "2025-02-11");
    let state = given.fold(u64::MAX);
    let reports = [first, second, third];
    let together = projections::monitoring::verify_many_at(&state, &reports, Known(state.seq));
    let one_by_one: Vec<_> =
        reports.iter().filter_map(|report| verify_at(report, &state, Known(state.seq))).collect();
    assert_eq!(together, one_by_one);
    let then: Vec<(u64, usize)> =
        together.iter().map(|v| (v.then.numerator, v.then.targets.len())).collect();
    assert_eq!(then, vec![(1, 0), (1, 1), (2, 1)]);
}

#[test]
fn every_code_is_in_the_catalogue_in_order() {
    let given = district();
    let state = given.fold(u64::MAX);
    let figures = catalogue(&state, &Scope::Region, date("2024-12-31"));
    let codes: Vec<IndicatorCode> = figures.iter().map(|figure| figure.code).collect();
    assert_eq!(codes, IndicatorCode::ALL.to_vec());
}

#[test]
fn undecodable_payload_is_an_anomaly_not_a_panic() {
    let mut given = district();
    given.record("2024-01-01", "2024-01-01", diagnostic("d1", "t1", "2024-01-01"));
    let last = given.envelopes.last_mut().unwrap();
    last.payload.truncate(3);
    let state = given.fold(u64::MAX);
    assert_eq!(state.anomalies.len(), 1);
    assert_eq!(state.anomalies[0].seq, given.seq());
}

/// A pool of later events for the property tests (completions, diagnostics, retractions,
/// corrections of the last or of any earlier event, late recordings, reports).
/// Records, on `on`, a correction of `target` into `fixed`.
fn correct(given: &mut Given, on: &str, target: EventId, fixed: impl Into<Payload>) {
    let replacement = Replacement::of(&fixed.into()).unwrap();
    given.record(on, on, EventCorrected { target, reason: "исправление".into(), replacement });
}

fn grown(extra: &[(u8, u8, u16)]) -> Given {
    let mut given = district();
    let teachers = ["t1", "t2", "t3", "t4", "t5", "t6"];
    for (index, (kind, teacher, day)) in extra.iter().enumerate() {
        let teacher = teachers[usize::from(*teacher) % teachers.len()];
        let on = Date::from_days_since_epoch(19_400 + i32::from(*day % 800));
        let on_text = on.to_string();
        match kind % 10 {
            0 => {
                given.record(
                    &on_text,
                    &on_text,
                    completion(&format!("c{index}"), teacher, "p-fgos", &on_text),
                );
            }
            1 => {
                given.record(
                    &on_text,
                    &on_text,
                    diagnostic(&format!("d{index}"), teacher, &on_text),
                );
            }
            2 => {
                let target = given.envelopes.last().unwrap().id;
                given.record(
                    &on_text,
                    &on_text,
                    EventRetracted { target, reason: "ошибка".into() },
                );
            }
            3 => {
                given.record(
                    &on_text,
                    &on_text,
                    completion(&format!("c{index}"), teacher, "p-ret", &on_text),
                );
            }
            4 => {
                // Correct the last event into a completion on another date (an anomaly when the
                // last event was itself a retraction or correction).
                let target = given.envelopes.last().unwrap().id;
                let moved = Date::from_days_since_epoch(19_400 + i32::from(*day % 500));
                let fixed = completion(&format!("c{index}"), teacher, "p-fgos", &moved.to_string());
                correct(&mut given, &on_text, target, fixed);
            }
            5 => {
                // Recorded late: dated a year before it is recorded.
                let early = Date::from_days_since_epoch(19_400 + i32::from(*day % 400));
                given.record(
                    &early.to_string(),
                    &on_text,
                    diagnostic(&format!("d{index}"), teacher, &early.to_string()),
                );
            }
            6 => {
                // A submission: two indicators for one date, one after the other (reports of
                // several cases often share the year's end, with other facts between them).
                let valid_on = if day % 2 == 0 { date("2024-12-31") } else { on };
                for (suffix, indicator) in
                    [("a", IndicatorCode::UpdatedFgos), ("b", IndicatorCode::Diagnosed)]
                {
                    given.record(
                        &on_text,
                        &on_text,
                        FigureReported {
                            report: id(&format!("rep{index}{suffix}")),
                            indicator,
                            scope: Scope::Region,
                            valid_on,
                            value_bp: None,
                            numerator: u64::from(*day % 6),
                            denominator: 6,
                            reporter: "ЦНППМ".into(),
                        },
                    );
                }
            }
            7 => {
                let target = given.envelopes[usize::from(*day) % given.envelopes.len()].id;
                given.record(
                    &on_text,
                    &on_text,
                    EventRetracted { target, reason: "ошибка".into() },
                );
            }
            9 => {
                // A target set by a new act: in force from its date, counting from its year.
                let target = TargetSet {
                    indicator: if day % 2 == 0 {
                        IndicatorCode::UpdatedFgos
                    } else {
                        IndicatorCode::Diagnosed
                    },
                    scope: Scope::Region,
                    value: TargetValue::ShareAtLeastBp(u32::from(*day) * 10),
                    deadline: Some(date("2024-12-31")),
                    accumulation: Accumulation::Cumulative,
                    from_year: Some(if day % 3 == 0 { 2024 } else { 2023 }),
                    act: act("приказ", &format!("t{index}"), &on_text),
                };
                given.record(&on_text, &on_text, target);
            }
            _ => {
                // Correct any earlier event (a registry fact, a target, a report, one already
                // retracted or corrected, a retraction) into a completion: whatever the gate
                // would allow, the head state must still agree with the fold at every K.
                let target = given.envelopes[usize::from(*day / 3) % given.envelopes.len()].id;
                let fixed = completion(&format!("c{index}"), teacher, "p-fgos", &on_text);
                correct(&mut given, &on_text, target, fixed);
            }
        }
    }
    given
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn fold_from_a_snapshot_equals_the_full_fold(
        extra in proptest::collection::vec((0u8..10, 0u8..6, 0u16..800), 0..40),
        split in 0usize..60,
    ) {
        let given = grown(&extra);
        let k = u64::try_from(split).unwrap().min(given.seq());
        let snapshot = given.fold(k);
        let bytes = codec::encode("state", &snapshot).unwrap();
        let mut resumed: State = codec::decode("state", &bytes).unwrap();
        for envelope in given.envelopes.iter().filter(|envelope| envelope.seq.0 > k) {
            apply(&mut resumed, envelope);
        }
        prop_assert_eq!(resumed, given.fold(u64::MAX));
    }

    #[test]
    fn known_then_figures_never_change_when_events_are_appended(
        extra in proptest::collection::vec((0u8..10, 0u8..6, 0u16..800), 0..30),
        later in proptest::collection::vec((0u8..10, 0u8..6, 0u16..800), 1..20),
        day in 0i32..900,
    ) {
        let given = grown(&extra);
        let k = given.seq();
        let on = Date::from_days_since_epoch(19_400 + day);
        let before = catalogue(&given.fold(k), &Scope::Region, on);
        let mut all = extra.clone();
        all.extend(later);
        let longer = grown(&all);
        prop_assert_eq!(&before, &catalogue(&longer.fold(k), &Scope::Region, on));
        // Nor when read from the longer ledger's head state as known at K.
        prop_assert_eq!(before, catalogue_at(&longer.fold(u64::MAX), &Scope::Region, on, Known(k)));
    }

    /// The design of the bitemporal state: the state folded to the end, read as known at any
    /// K, gives exactly what folding only the events with seq ≤ K gives — every figure of the
    /// catalogue at every scope, the reports and their verification, and the anomalies.
    #[test]
    fn head_state_answers_every_known_at(
        extra in proptest::collection::vec((0u8..10, 0u8..6, 0u16..800), 0..40),
        split in 0usize..80,
        day in 0i32..900,
    ) {
        let given = grown(&extra);
        let head = given.fold(u64::MAX);
        let k = u64::try_from(split).unwrap().min(given.seq());
        let prefix = given.fold(k);
        let on = Date::from_days_since_epoch(19_400 + day);
        for scope in ["region", "municipality:m1", "municipality:m2", "organisation:s1"] {
            let scope: Scope = scope.parse().unwrap();
            prop_assert_eq!(
                catalogue_at(&head, &scope, on, Known(k)),
                catalogue(&prefix, &scope, on)
            );
        }
        let anomalies: Vec<_> = anomalies_at(&head, Known(k)).cloned().collect();
        prop_assert_eq!(anomalies, prefix.anomalies.clone());
        // The registry view (organisations, their status flags) read at K.
        for org in head.registry.organisations.keys() {
            let registry = &head.registry;
            prop_assert_eq!(
                registry.organisation_record_at(org, Known(k)),
                prefix.registry.organisation_record(org)
            );
            prop_assert_eq!(
                registry.organisation_exists_at(org, on, Known(k)),
                prefix.registry.organisation_exists(org, on)
            );
            let flags: [fn(&OrganisationStatus) -> bool; 2] = [
                |status| matches!(status, OrganisationStatus::LowResults(_)),
                |status| matches!(status, OrganisationStatus::UnfavourableSocialConditions),
            ];
            for flag in flags {
                prop_assert_eq!(
                    registry.status_on_at(org, flag, on, Known(k)),
                    prefix.registry.status_on(org, flag, on)
                );
            }
        }
        prop_assert_eq!(
            projections::monitoring::reports_at(&head, Known(k)),
            projections::monitoring::reports(&prefix)
        );
        let mut one_by_one = Vec::new();
        for (seq, report) in projections::monitoring::reports(&prefix) {
            let then = given.fold(seq);
            let verified = verify_at(&report, &head, Known(k));
            prop_assert_eq!(&verified, &verify(&report, &then, &prefix));
            one_by_one.extend(verified);
        }
        // All at once, sharing populations between reports: the same verifications.
        let ids: Vec<EventId> = projections::monitoring::reports_at(&head, Known(k))
            .into_iter()
            .map(|(_, report)| report)
            .collect();
        prop_assert_eq!(
            projections::monitoring::verify_many_at(&head, &ids, Known(k)),
            one_by_one
        );
    }
}

// Definitions as the acts word them (issue #17). Each test quotes the act line it pins.

/// 001 App. 1: «Доля педагогических работников, получивших адресную методическую поддержку в
/// разработке и реализации индивидуальных образовательных маршрутов, региональными методистами»:
/// a tutor's accompaniment is not a regional methodist's support.
#[test]
fn route_supported_counts_regional_methodists_not_tutors() {
    let mut given = district();
    for (route, teacher) in [("r1", "t1"), ("r2", "t2")] {
        given.record("2024-02-01", "2024-02-01", route_opened(route, teacher));
    }
    let support = |route: &str, teacher: &str, person: &str, role| RouteSupportAssigned {
        route: id(route),
        teacher: id(teacher),
        supporter: id(person),
        role,
    };
    given.record("2024-03-01", "2024-03-01", support("r1", "t1", "tutor-1", SupportRole::Tutor));
    check(&given, None, IndicatorCode::RouteSupported, "region", "2024-12-31", (0, 2));
    given.record(
        "2024-04-01",
        "2024-04-01",
        support("r2", "t2", "methodist-1", SupportRole::Methodist),
    );
    check(&given, None, IndicatorCode::RouteSupported, "region", "2024-12-31", (1, 2));
}

/// 001 App. 1: «Доля педагогических работников, обеспеченных персонифицированным
/// сопровождением в процессе повышения квалификации по программам, реализуемым ГАОУ ДПО
/// «Академия Минпросвещения России», тьюторами ЦНППИМ»: a course of the Academy, with a tutor
/// assigned by its end; a tutored course of the regional institute does not count.
#[test]
fn tutor_accompanied_counts_academy_courses_with_a_tutor() {
    let mut given = district();
    let d = "2023-01-01";
    for (org, kind) in
        [("academy", OrganisationKind::Academy), ("iro", OrganisationKind::RegionalInstitute)]
    {
        given.record(
            d,
            d,
            OrganisationRegistered {
                organisation: id(org),
                name: format!("ДПО {org}"),
                kind,
                municipality: None,
            },
        );
    }
    for (route, teacher) in [("r1", "t1"), ("r2", "t2"), ("r4", "t4")] {
        given.record("2024-02-01", "2024-02-01", route_opened(route, teacher));
        given.record(
            "2024-02-02",
            "2024-02-02",
            RouteSupportAssigned {
                route: id(route),
                teacher: id(teacher),
                supporter: id("tutor-1"),
                role: SupportRole::Tutor,
            },
        );
    }
    let at = |provider: &str, mut completion: CourseCompleted| {
        completion.provider = id(provider);
        completion
    };
    // t1: the Academy, tutored: counts. t2: the institute, tutored: does not.
    given.record(
        "2024-05-01",
        "2024-05-01",
        at("academy", completion("c1", "t1", "p-fgos", "2024-05-01")),
    );
    given.record(
        "2024-05-01",
        "2024-05-01",
        at("iro", completion("c2", "t2", "p-fgos", "2024-05-01")),
    );
    // t3: the Academy, no tutor at all: does not. t4: the Academy, finished before the tutor.
    given.record(
        "2024-05-01",
        "2024-05-01",
        at("academy", completion("c3", "t3", "p-fgos", "2024-05-01")),
    );
    given.record(
        "2024-01-15",
        "2024-01-15",
        at("academy", completion("c4", "t4", "p-fgos", "2024-01-15")),
    );
    check(&given, None, IndicatorCode::TutorAccompanied, "region", "2024-12-31", (1, 6));
}

/// «в процессе повышения квалификации»: a course of the Academy counts while it is in progress
/// (from the enrolment), with a tutor assigned by its end; a tutor assigned after the course
/// ended, or a course of another provider, does not count; an enrolment recorded late counts
/// only as known from its recording.
#[test]
fn tutor_accompanied_counts_academy_courses_in_progress_from_the_enrolment() {
    let mut given = district();
    let d = "2023-01-01";
    for (org, kind) in
        [("academy", OrganisationKind::Academy), ("iro", OrganisationKind::RegionalInstitute)]
    {
        given.record(
            d,
            d,
            OrganisationRegistered {
                organisation: id(org),
                name: format!("ДПО {org}"),
                kind,
                municipality: None,
            },
        );
    }
    let enrolled =
        |enrolment: &str, teacher: &str, provider: &str, on: &str, ends: &str| CourseEnrolled {
            enrolment: id(enrolment),
            teacher: id(teacher),
            program: id("p-fgos"),
            provider: id(provider),
            enrolled_on: date(on),
            ends_on: Some(date(ends)),
            route_step: None,
        };
    let tutor = |given: &mut Given, route: &str, teacher: &str, on: &str| {
        given.record(on, on, route_opened(route, teacher));
        given.record(
            on,
            on,
            RouteSupportAssigned {
                route: id(route),
                teacher: id(teacher),
                supporter: id("tutor-1"),
                role: SupportRole::Tutor,
            },
        );
    };
    // t1: at the Academy from 01.09.2024 to 31.01.2025, not finished yet, tutor from 01.10.
    given.record(
        "2024-09-01",
        "2024-09-01",
        enrolled("e1", "t1", "academy", "2024-09-01", "2025-01-31"),
    );
    tutor(&mut given, "r1", "t1", "2024-10-01");
    // t2: at the Academy in March and April 2024; the tutor came in June, after the course.
    given.record(
        "2024-03-01",
        "2024-03-01",
        enrolled("e2", "t2", "academy", "2024-03-01", "2024-04-30"),
    );
    tutor(&mut given, "r2", "t2", "2024-06-01");
    // t3: at the institute, tutored: not the Academy.
    given.record(
        "2024-03-01",
        "2024-03-01",
        enrolled("e3", "t3", "iro", "2024-03-01", "2024-12-20"),
    );
    tutor(&mut given, "r3", "t3", "2024-03-05");
    // t4: at the Academy, finished early (a completion on 15.03 ends the course before its
    // planned end); the tutor came on 01.04: not accompanied during the course.
    given.record(
        "2024-02-01",
        "2024-02-01",
        enrolled("e4", "t4", "academy", "2024-02-01", "2024-06-30"),
    );
    let mut done = completion("c4", "t4", "p-fgos", "2024-03-15");
    done.provider = id("academy");
    given.record("2024-03-15", "2024-03-15", done);
    tutor(&mut given, "r4", "t4", "2024-04-01");
    let before_late = given.seq();
    // t6: enrolled at the Academy on 01.05.2024 with a tutor from the start, recorded only in
    // November.
    tutor(&mut given, "r6", "t6", "2024-05-01");
    given.record(
        "2024-05-01",
        "2024-11-20",
        enrolled("e6", "t6", "academy", "2024-05-01", "2024-07-31"),
    );
    check(&given, None, IndicatorCode::TutorAccompanied, "region", "2024-12-31", (2, 6));
    // Before t1's tutor was assigned, only t6 (as known now).
    check(&given, None, IndicatorCode::TutorAccompanied, "region", "2024-09-15", (1, 6));
    // As known before t6's enrolment was recorded: t1 alone.
    check(
        &given,
        Some(before_late),
        IndicatorCode::TutorAccompanied,
        "region",
        "2024-12-31",
        (1, 6),
    );
    // A course that ended before the period began does not count in the next one (cumulative
    // from 2025 here only through an explicit target's `from_year`; without one, since the
    // beginning of records, so t6 still counts in 2025).
    check(&given, None, IndicatorCode::TutorAccompanied, "region", "2025-03-01", (2, 6));
    let state = given.fold(u64::MAX);
    let figure =
        figure(&state, IndicatorCode::TutorAccompanied, &Scope::Region, date("2024-12-31"));
    assert_eq!(figure.evidence.len(), 4, "each enrolment with its tutor's assignment: {figure:?}");
}

/// Seed 003, «Целевые результаты и планируемые показатели деятельности» of a municipal plan,
/// each counted for the municipality by hand: m1 has s1 (t1, t2), s2 (t3 head, t4) and its
/// methodological service mms1 (t7, t8); m2 has s3 (t6) and k1 (t5).
#[test]
fn the_municipal_plans_indicators_are_counted_as_the_plan_defines_them() {
    let mut given = district();
    let d = "2023-01-01";
    for (org, kind, municipality) in [
        ("academy", OrganisationKind::Academy, None),
        ("iro", OrganisationKind::RegionalInstitute, None),
        ("mms1", OrganisationKind::MethodologicalService, Some("m1")),
    ] {
        given.record(
            d,
            d,
            OrganisationRegistered {
                organisation: id(org),
                name: format!("Организация {org}"),
                kind,
                municipality: municipality.map(id),
            },
        );
    }
    given.record(d, d, hired("t7", "mms1", Position::OtherPedagogue, 1975, "2000-09-01"));
    given.record(d, d, hired("t8", "mms1", Position::OtherPedagogue, 1980, "2003-09-01"));
    let at = |provider: &str, mut completion: CourseCompleted| {
        completion.provider = id(provider);
        completion
    };
    let on = "2024-03-01";
    // 2. ММС trained at the ИРО: t7 (t8 trained nowhere).
    given.record(on, on, at("iro", completion("c7", "t7", "p-fgos", on)));
    // 7. Federal Register (p-fgos is in it): t1 at the Academy, t2 at the ИРО; t4's
    // retraining is not in the register.
    given.record(on, on, at("academy", completion("c1", "t1", "p-fgos", on)));
    given.record(on, on, at("iro", completion("c2", "t2", "p-fgos", on)));
    given.record(on, on, at("iro", completion("c4", "t4", "p-ret", on)));
    // 5. s2's head completed a program: s2's management took part; s1's did not.
    given.record(on, on, at("iro", completion("c3", "t3", "p-ret", on)));
    // 1. Routes: t7 in 2023, t1 in 2024.
    given.record("2023-05-01", "2023-05-01", route_opened("r7", "t7"));
    given.record("2024-02-01", "2024-02-01", route_opened("r1", "t1"));
    // 3. Municipal events: two of m1 in 2024 and one in 2023, one of m2 in 2024.
    for (event, municipality, held) in [
        ("me-1", "m1", "2024-03-10"),
        ("me-2", "m1", "2024-10-10"),
        ("me-3", "m1", "2023-10-10"),
        ("me-4", "m2", "2024-04-04"),
    ] {
        given.record(
            held,
            held,
            MunicipalEventHeld {
                event: id(event),
                municipality: id(municipality),
                title: "Муниципальный методический день".into(),
                held_on: date(held),
            },
        );
    }
    // 4. Regional events: t2 in 2024, t5 (m2) in 2024, t1 in 2023 only.
    for (teacher, on) in [("t2", "2024-10-01"), ("t5", "2024-02-01"), ("t1", "2023-05-01")] {
        given.record(
            on,
            on,
            ParticipationRecorded {
                teacher: id(teacher),
                kind: ParticipationKind::RegionalEvent,
                event_title: "Региональный форум РС НМС".into(),
                participated_on: date(on),
            },
        );
    }
    // 6. Mentoring: k1 (a kindergarten, outside the plan's set) and s3 adopt programs.
    for org in ["k1", "s3"] {
        given.record(
            "2024-04-01",
            "2024-04-01",
            OrganisationStatusChanged {
                organisation: id(org),
                status: OrganisationStatus::MentoringProgram,
                change: FlagChange::Set,
                valid_from: date("2024-04-01"),
                valid_to: None,
            },
        );
    }
    let end = "2024-12-31";
    check(&given, None, IndicatorCode::MunRouted, "municipality:m1", end, (2, 6));
    check(&given, None, IndicatorCode::MmsTrained, "municipality:m1", end, (1, 2));
    check(&given, None, IndicatorCode::MmsTrained, "municipality:m2", end, (0, 0));
    check(&given, None, IndicatorCode::MunicipalEvents, "municipality:m1", end, (2, 1));
    check(&given, None, IndicatorCode::MunicipalEvents, "municipality:m1", "2023-12-31", (1, 1));
    check(&given, None, IndicatorCode::MunicipalEvents, "region", end, (3, 1));
    check(&given, None, IndicatorCode::RegionalParticipants, "municipality:m1", end, (1, 6));
    check(&given, None, IndicatorCode::RegionalParticipants, "region", end, (2, 8));
    check(&given, None, IndicatorCode::MunMgmtTeams, "municipality:m1", end, (1, 2));
    check(&given, None, IndicatorCode::MunMentoringOrgs, "municipality:m2", end, (1, 1));
    check(&given, None, IndicatorCode::MentoringOrgs, "municipality:m2", end, (2, 2));
    check(&given, None, IndicatorCode::MunFrTrained, "municipality:m1", end, (2, 4));
    check(&given, None, IndicatorCode::MunFrAcademy, "municipality:m1", end, (1, 4));
    check(&given, None, IndicatorCode::MunFrInstitute, "municipality:m1", end, (1, 4));
    // The plan's own target counts from its year: «не менее 10%» from 2024, t1's route only.
    given.record(
        "2024-01-15",
        "2024-01-15",
        TargetSet {
            indicator: IndicatorCode::MunRouted,
            scope: Scope::Municipality(id("m1")),
            value: TargetValue::ShareAtLeastBp(1_000),
            deadline: Some(date("2024-12-31")),
            accumulation: Accumulation::Cumulative,
            from_year: Some(2024),
            act: act("приказ", "54-од", "2024-01-15"),
        },
    );
    check(&given, None, IndicatorCode::MunRouted, "municipality:m1", end, (1, 6));
    let state = given.fold(u64::MAX);
    let scope = Scope::Municipality(id("m1"));
    let routed = figure(&state, IndicatorCode::MunRouted, &scope, date(end));
    assert_eq!((routed.value_bp, routed.met), (Some(1_667), Some(true)));
}

/// A later act withdraws a target: it stands until the withdrawal's date and not after, as
/// known from the withdrawal's recording; a retracted withdrawal never happened.
#[test]
fn a_target_withdrawn_by_a_later_act_stands_until_the_withdrawal() {
    let mut given = district();
    let target = |value_bp: u32, basis: Basis| TargetSet {
        indicator: IndicatorCode::UpdatedFgos,
        scope: Scope::Region,
        value: TargetValue::ShareAtLeastBp(value_bp),
        deadline: Some(date("2025-12-31")),
        accumulation: Accumulation::Cumulative,
        from_year: Some(2023),
        act: basis,
    };
    let order = act("распоряжение", "55-мпр", "2023-02-01");
    let roadmap = act("приказ", "12", "2023-03-01");
    given.record("2023-02-01", "2023-02-01", target(2_000, order.clone()));
    given.record("2023-03-01", "2023-03-01", target(9_500, roadmap.clone()));
    let before_withdrawal = given.seq();
    let withdrawal = given.record(
        "2024-07-01",
        "2024-07-05",
        TargetWithdrawn {
            indicator: IndicatorCode::UpdatedFgos,
            scope: Scope::Region,
            set_by_act: Basis { title: Some("Дорожная карта".into()), ..roadmap },
            act: act("приказ", "31", "2024-07-01"),
        },
    );
    let values = |state: &State, on: &str| -> Vec<TargetValue> {
        let figure = figure(state, IndicatorCode::UpdatedFgos, &Scope::Region, date(on));
        figure.targets.iter().map(|target| target.value).collect()
    };
    let both = vec![TargetValue::ShareAtLeastBp(2_000), TargetValue::ShareAtLeastBp(9_500)];
    let now = given.fold(u64::MAX);
    assert_eq!(values(&now, "2024-06-30"), both, "in force before the withdrawal's date");
    assert_eq!(values(&now, "2024-07-01"), vec![TargetValue::ShareAtLeastBp(2_000)]);
    let then = given.fold(before_withdrawal);
    assert_eq!(values(&then, "2024-12-31"), both, "as known before it was recorded");
    let head = projections::monitoring::figure_at(
        &now,
        IndicatorCode::UpdatedFgos,
        &Scope::Region,
        date("2024-12-31"),
        Known(before_withdrawal),
    );
    assert_eq!(head.targets.len(), 2, "the head state read as known then agrees");
    given.record(
        "2024-08-01",
        "2024-08-01",
        EventRetracted {
            target: withdrawal, reason: "приказ не вступил в силу".into()
        },
    );
    assert_eq!(values(&given.fold(u64::MAX), "2024-12-31"), both, "a retracted withdrawal");
}

/// 001 App. 1: «Доля педагогических работников, освоивших программы дополнительного
/// профессионального образования, вошедшие в Федеральный реестр и подобранные с учетом
/// диагностики профессиональных дефицитов»: the diagnostic comes first, the course is chosen
/// from it (a step of the route built on it), then completed. A course completed before the step
/// that plans it was chosen by nothing.
#[test]
fn fr_by_deficit_counts_a_course_chosen_from_a_diagnostic_before_it() {
    let mut given = district();
    given.record("2023-05-10", "2023-05-10", completion("c1", "t1", "p-fgos", "2023-05-10"));
    for (teacher, route) in [("t1", "r1"), ("t2", "r2")] {
        given.record(
            "2024-01-10",
            "2024-01-10",
            diagnostic(&format!("d-{teacher}"), teacher, "2024-01-10"),
        );
        given.record("2024-02-01", "2024-02-01", route_opened(route, teacher));
        given.record(
            "2024-02-01",
            "2024-02-01",
            RouteStepPlanned {
                route: id(route),
                teacher: id(teacher),
                step: id("s-1"),
                form: StepForm::Program,
                program: Some(id("p-fgos")),
                deficits: BTreeSet::from([id("k-1")]),
                due_on: date("2024-05-31"),
            },
        );
    }
    // t1's course of 2023 came before the step planned in 2024: not chosen by the diagnostics.
    check(&given, None, IndicatorCode::FrByDeficit, "region", "2024-12-31", (0, 6));
    // t2 completes the planned course after the step (while it is in the Register).
    given.record("2024-03-15", "2024-03-15", completion("c2", "t2", "p-fgos", "2024-03-15"));
    check(&given, None, IndicatorCode::FrByDeficit, "region", "2024-12-31", (1, 6));
    // A completion naming a step of a route opened after it is not chosen from it either.
    let mut early = completion("c3", "t3", "p-fgos", "2023-06-01");
    early.route_step = Some(RouteStepRef { route: id("r3"), step: id("s-1") });
    given.record("2023-06-01", "2023-06-01", early);
    given.record(
        "2024-02-01",
        "2024-02-01",
        RouteOpened {
            route: id("r3"),
            teacher: id("t3"),
            diagnostic: id("d-t3"),
            deficits: BTreeSet::from([id("k-1")]),
        },
    );
    check(&given, None, IndicatorCode::FrByDeficit, "region", "2024-12-31", (1, 6));
}

/// 001 App. 1, updated FGOS: «Не менее 95% педагогических работников общеобразовательных
/// организаций (к 31.12.2025 года)»: before the deadline a target not met so far is «срок не
/// наступил», not a failure; after it, «не достигнут»; a target met is met whenever it is.
#[test]
fn a_target_is_not_due_before_its_deadline_and_not_met_after_it() {
    use projections::monitoring::TargetStatus;
    let mut given = district();
    let target = |value_bp: u32, deadline: &str, basis: Basis| TargetSet {
        indicator: IndicatorCode::UpdatedFgos,
        scope: Scope::Region,
        value: TargetValue::ShareAtLeastBp(value_bp),
        deadline: Some(date(deadline)),
        accumulation: Accumulation::Cumulative,
        from_year: Some(2023),
        act: basis,
    };
    given.record(
        "2023-06-13",
        "2023-06-13",
        target(9_500, "2025-12-31", act("распоряжение", "1", "2023-06-13")),
    );
    given.record(
        "2023-06-13",
        "2023-06-13",
        target(1_000, "2025-12-31", act("приказ", "2", "2023-06-13")),
    );
    given.record("2024-05-10", "2024-05-10", completion("c1", "t1", "p-fgos", "2024-05-10"));
    let state = given.fold(u64::MAX);
    let status = |on: &str| {
        let figure = figure(&state, IndicatorCode::UpdatedFgos, &Scope::Region, date(on));
        let statuses: Vec<Option<TargetStatus>> =
            figure.targets.iter().map(|target| target.status).collect();
        (statuses, figure.met)
    };
    // Targets in act order (same date: by kind, «приказ» first). 1 of 5 = 20 %: the order's
    // 10 % is met, the 95 % is not yet due in 2024 — the figure has not failed.
    assert_eq!(
        status("2024-12-31"),
        (vec![Some(TargetStatus::Met), Some(TargetStatus::NotDue)], None)
    );
    // After 31.12.2025, 95 % is not met.
    assert_eq!(
        status("2026-01-01"),
        (vec![Some(TargetStatus::Met), Some(TargetStatus::NotMet)], Some(false))
    );
}

/// 001 App. 1, retraining: «Не менее 0,5% педагогических работников … ежегодно»: an annual target
/// without a deadline falls due at the end of each year, and is counted within that year.
#[test]
fn an_annual_target_falls_due_at_the_end_of_the_year_and_counts_the_year() {
    use projections::monitoring::TargetStatus;
    let mut given = district();
    given.record(
        "2023-06-13",
        "2023-06-13",
        TargetSet {
            indicator: IndicatorCode::UpdatedFgos,
            scope: Scope::Region,
            value: TargetValue::ShareAtLeastBp(2_500),
            deadline: None,
            accumulation: Accumulation::Annual,
            from_year: None,
            act: act("распоряжение", "1", "2023-06-13"),
        },
    );
    // One of five in 2023 (20 %), another in 2024: cumulatively 40 %, within 2024 20 %.
    given.record("2023-05-10", "2023-05-10", completion("c1", "t1", "p-fgos", "2023-05-10"));
    given.record("2024-05-10", "2024-05-10", completion("c2", "t2", "p-fgos", "2024-05-10"));
    let state = given.fold(u64::MAX);
    let at = |on: &str| {
        let figure = figure(&state, IndicatorCode::UpdatedFgos, &Scope::Region, date(on));
        (figure.targets[0].met, figure.targets[0].status)
    };
    assert_eq!(at("2024-06-30"), (Some(false), Some(TargetStatus::NotDue)));
    assert_eq!(at("2024-12-31"), (Some(false), Some(TargetStatus::NotMet)));
}

/// 001 App. 1: «Количество педагогических работников общеобразовательных организаций,
/// закрепленных за региональным методистом … Не более 250 человек, закрепленных за 1
/// региональным методистом»: counted from the assignments, checked methodist by methodist.
#[test]
fn methodist_load_counts_assignments_and_checks_the_busiest_methodist() {
    use projections::monitoring::TargetStatus;
    use proto_events::vocabulary::{RoleAssigned, SupportSystemRole, TeacherAssignedToMethodist};
    let mut given = district();
    for person in ["m-a", "m-b", "m-c"] {
        given.record(
            "2023-01-01",
            "2023-01-01",
            RoleAssigned {
                person: id(person),
                role: SupportSystemRole::RegionalMethodist,
                municipality: None,
            },
        );
    }
    // General-school teachers t1, t2, t4 with m-a; t3 with m-b; the kindergarten's t5 is not a
    // general-school teacher; m-c has no one.
    for (teacher, methodist) in
        [("t1", "m-a"), ("t2", "m-a"), ("t4", "m-a"), ("t3", "m-b"), ("t5", "m-b")]
    {
        given.record(
            "2024-01-15",
            "2024-01-15",
            TeacherAssignedToMethodist { teacher: id(teacher), methodist: id(methodist) },
        );
    }
    given.record(
        "2023-06-13",
        "2023-06-13",
        TargetSet {
            indicator: IndicatorCode::MethodistLoad,
            scope: Scope::Region,
            value: TargetValue::CountAtMost(2),
            deadline: Some(date("2024-12-31")),
            accumulation: Accumulation::Cumulative,
            from_year: None,
            act: act("распоряжение", "1", "2023-06-13"),
        },
    );
    let state = given.fold(u64::MAX);
    let figure = figure(&state, IndicatorCode::MethodistLoad, &Scope::Region, date("2024-12-31"));
    // 4 assigned general-school teachers over 3 methodists: a mean of 1.33 is within 2, but m-a
    // has 3 — the limit is per methodist.
    assert_eq!((figure.numerator, figure.denominator), (4, 3));
    let load = figure.load.clone().unwrap();
    assert_eq!((load.max, load.methodists), (3, 3));
    assert_eq!(load.buckets, [1, 2, 0, 0, 0, 0, 0]);
    assert_eq!(figure.targets[0].status, Some(TargetStatus::NotMet));
    assert_eq!(figure.evidence.len(), 4);
}

/// Issue #17: a report later corrected shows every version of the reported value — as reported,
/// as corrected and by which event — each compared with the recomputation, so the corrected
/// value is not lost behind the original.
#[test]
fn a_corrected_report_shows_each_version_with_its_own_comparison() {
    let mut given = district();
    given.record("2024-11-10", "2024-11-12", completion("c1", "t1", "p-fgos", "2024-11-10"));
    let reported = |numerator: u64| FigureReported {
        report: id("rep-2024"),
        indicator: IndicatorCode::UpdatedFgos,
        scope: Scope::Region,
        valid_on: date("2024-12-31"),
        value_bp: None,
        numerator,
        denominator: 5,
        reporter: "ЦНППМ".into(),
    };
    // Reported as 2 of 5 by mistake; corrected to 1 of 5, which the ledger computes.
    let report = given.record("2025-01-15", "2025-01-15", reported(2));
    let report_seq = given.seq();
    correct(&mut given, "2025-01-20", report, reported(1));
    let correction_seq = given.seq();
    let now = given.fold(u64::MAX);
    let verification = verify_at(&report, &now, Known(now.seq)).unwrap();
    // What was reported stays what was reported...
    assert_eq!(verification.reported.numerator, 2);
    assert!(!verification.matches_then);
    // ...and every version is listed, the correction named.
    let versions: Vec<(u64, u64, Option<u64>, bool, bool)> = verification
        .versions
        .iter()
        .map(|version| {
            (
                version.reported.numerator,
                version.known_from,
                version.superseded_by.map(|(_, seq)| seq),
                version.matches_then,
                version.matches_now,
            )
        })
        .collect();
    assert_eq!(
        versions,
        vec![
            (2, report_seq, Some(correction_seq), false, false),
            (1, correction_seq, None, true, true),
        ]
    );
    assert_eq!(verification.versions[0].recorded_by, report);
    assert_ne!(verification.versions[1].recorded_by, report);
    // As known before the correction, one version only.
    let before = verify_at(&report, &now, Known(report_seq)).unwrap();
    assert_eq!(before.versions.len(), 1);
    assert_eq!(before.versions[0].superseded_by, None);
}

/// 001 App. 1: «Количество управленческих команд, повысивших свою квалификацию по вопросам
/// эффективности управления качеством образования»: a team trained on another subject does not
/// count.
#[test]
fn mgmt_teams_count_training_on_the_management_of_quality_only() {
    use proto_events::vocabulary::{ManagementTeamMemberAdded, ManagementTeamTrained};
    let mut given = district();
    let program = |name: &str, topic: ProgramTopic| ProgramRegistered {
        program: id(name),
        title: format!("Программа {name}"),
        kind: ProgramKind::FurtherTraining,
        hours: 36,
        provider: id("iro"),
        form: ProgramForm::Course,
        topics: BTreeSet::from([topic]),
    };
    given.record("2023-01-01", "2023-01-01", program("p-mgmt", ProgramTopic::ManagementQuality));
    given.record("2023-01-01", "2023-01-01", program("p-other", ProgramTopic::Upbringing));
    for (org, head) in [("s1", "t1"), ("s2", "t3")] {
        given.record(
            "2023-02-01",
            "2023-02-01",
            ManagementTeamMemberAdded { organisation: id(org), teacher: id(head) },
        );
    }
    let trained = |org: &str, program: &str| ManagementTeamTrained {
        organisation: id(org),
        program: id(program),
        trained_on: date("2024-04-01"),
    };
    given.record("2024-04-01", "2024-04-01", trained("s1", "p-other"));
    check(&given, None, IndicatorCode::MgmtTeamsTrained, "region", "2024-12-31", (0, 2));
    given.record("2024-04-01", "2024-04-01", trained("s2", "p-mgmt"));
    check(&given, None, IndicatorCode::MgmtTeamsTrained, "region", "2024-12-31", (1, 2));
}
