//! Plans projection: given events, when viewed at a valid date, then the rendered plan.
//!
//! Every test goes through `check`, which folds the given events (retractions and corrections
//! handled the way the central `apply` does) and compares a compact rendering of the view.

use proto_events::envelope::{Actor, ActorRole, Assigned, Effective, Envelope, NewEvent};
use proto_events::term::{self, Term, TermMeaning};
use proto_events::vocabulary::plan::schema_v1::{ActivityAmendedV1, FieldChangeV1};
use proto_events::vocabulary::{
    ActivityAdded, ActivityAmended, ActivityCancelled, ActivityExecutionReported, ActivityField,
    EventCorrected, EventRetracted, ExecutionStatus, FieldChange, Payload, PlanApproved,
    PlanCreated, PlanLevel, PlanSectionAdded, Replacement,
};
use proto_events::{codec, Basis, Date, EventId, Hash, Seq, StreamName, Timestamp};

use projections::plan::{plans_as_of, ActivityStatus, Plans};
use projections::EventContext;

/// Events in ledger order, sealed as the store would seal them.
struct Given {
    envelopes: Vec<Envelope>,
}

impl Given {
    fn new() -> Given {
        Given { envelopes: Vec::new() }
    }

    /// Records a payload effective on `effective` (YYYY-MM-DD) on the basis of `basis`.
    fn record(&mut self, effective: &str, basis: Option<&str>, payload: Payload) -> EventId {
        let stream = match payload.stream() {
            Ok(stream) => stream,
            Err(_) => StreamName::new("plan/p1").unwrap(),
        };
        let (kind, version) = (payload.kind(), payload.schema_version());
        self.record_bytes(effective, basis, stream, kind, version, payload.encode().unwrap())
    }

    /// Records payload bytes of `kind` at `schema_version` as they were stored (old schemas).
    fn record_bytes(
        &mut self,
        effective: &str,
        basis: Option<&str>,
        stream: StreamName,
        kind: &str,
        schema_version: u16,
        payload: Vec<u8>,
    ) -> EventId {
        let seq = u64::try_from(self.envelopes.len()).unwrap() + 1;
        let id: EventId = format!("00000000-0000-7000-8000-{seq:012x}").parse().unwrap();
        let new = NewEvent {
            id: Some(id),
            stream,
            kind: kind.to_string(),
            schema_version,
            effective: Effective::Date(date(effective)),
            actor: Actor { role: ActorRole::Operator, id: "tok-test".into() },
            basis: basis.map(|text| Basis::parse(text).unwrap()),
            payload,
        };
        let assigned = Assigned {
            id,
            seq: Seq(seq),
            stream_version: seq,
            recorded_at: Timestamp::from_micros(
                1_700_000_000_000_000 + i64::try_from(seq).unwrap(),
            ),
            prev_hash: self.envelopes.last().map_or(Hash::ZERO, |last| last.hash),
        };
        let (envelope, _) = Envelope::seal(new, assigned).unwrap();
        self.envelopes.push(envelope);
        id
    }

    fn fold(&self) -> Plans {
        let mut plans = Plans::default();
        for envelope in &self.envelopes {
            let mut ctx = EventContext::of(envelope);
            match Payload::decode_envelope(envelope).unwrap() {
                Payload::EventRetracted(retracted) => plans.retract(&retracted.target),
                Payload::EventCorrected(corrected) => {
                    plans.retract(&corrected.target);
                    ctx.id = corrected.target;
                    plans.apply(&ctx, &corrected.replacement.payload().unwrap());
                }
                payload => plans.apply(&ctx, &payload),
            }
        }
        plans
    }
}

fn date(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

/// Folds `given`, views it at `at` and compares the rendering with `expected` (lines trimmed).
fn check(given: &Given, at: &str, expected: &str) {
    let plans = given.fold();
    let mut lines = Vec::new();
    for plan in plans_as_of(&plans, date(at)) {
        lines.push(format!(
            "plan {} «{}» {:?} basis={}",
            plan.id,
            plan.title,
            plan.level,
            plan.basis.as_deref().unwrap_or("-")
        ));
        for section in &plan.sections {
            lines.push(format!("## {}", section.title));
            for activity in &section.activities {
                lines.push(format!(
                    "{} {} [{}] {} -> {:?}",
                    activity.number,
                    activity.title,
                    activity.term.text,
                    activity.responsible,
                    activity.status
                ));
                for amendment in &activity.amendments {
                    let changes: Vec<String> = amendment
                        .changes
                        .iter()
                        .map(|change| format!("{:?}={}", change.field, change.new))
                        .collect();
                    lines.push(format!(
                        "- amended {} {} by {}: {}",
                        amendment.effective.map_or("-".to_string(), |day| day.to_string()),
                        if amendment.in_force { "in force" } else { "not yet" },
                        amendment.basis.as_deref().unwrap_or("-"),
                        changes.join(", ")
                    ));
                }
            }
        }
    }
    let actual = lines.join("\n");
    let expected: Vec<&str> =
        expected.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    assert_eq!(actual, expected.join("\n"), "at {at}");
}

fn plan_created() -> Payload {
    Payload::PlanCreated(PlanCreated {
        plan: "p1".parse().unwrap(),
        level: PlanLevel::Regional,
        title: "План мероприятий".into(),
        period_from_year: 2023,
        period_to_year: 2025,
        owner: "ЦНППМ".into(),
    })
}

fn section(id: &str, number: &str, title: &str) -> Payload {
    Payload::PlanSectionAdded(PlanSectionAdded {
        plan: "p1".parse().unwrap(),
        section: id.parse().unwrap(),
        number: Some(number.into()),
        title: title.into(),
    })
}

fn activity(id: &str, section: &str, number: &str, title: &str, term_text: &str) -> Payload {
    Payload::ActivityAdded(ActivityAdded {
        plan: "p1".parse().unwrap(),
        activity: id.parse().unwrap(),
        section: section.parse().unwrap(),
        number: number.into(),
        title: title.into(),
        responsible: "ЦНППМ".into(),
        co_executors: vec!["МОУО".into()],
        term: term::parse_in_period(term_text, Some((2023, 2025))),
        key_result: "90% педагогов".into(),
        fixing_documents: "отчёт".into(),
        indicator: None,
        planned_value: None,
    })
}

fn amended(id: &str, field: ActivityField, old: &str, new: &str) -> Payload {
    Payload::ActivityAmended(ActivityAmended {
        plan: "p1".parse().unwrap(),
        activity: id.parse().unwrap(),
        changes: vec![match field {
            ActivityField::Term => {
                FieldChange::term(old, term::parse_in_plan(new, Some((2023, 2025))))
            }
            _ => FieldChange::text(field, old, new),
        }],
        reason: "уточнение".into(),
    })
}

fn reported(id: &str, status: ExecutionStatus, on: &str) -> Payload {
    Payload::ActivityExecutionReported(ActivityExecutionReported {
        plan: "p1".parse().unwrap(),
        activity: id.parse().unwrap(),
        status,
        evidence: "отчёт ЦНППМ".into(),
        reported_on: date(on),
    })
}

fn cancelled(id: &str) -> Payload {
    Payload::ActivityCancelled(ActivityCancelled {
        plan: "p1".parse().unwrap(),
        activity: id.parse().unwrap(),
        reason: "утратило актуальность".into(),
    })
}

/// A plan approved by an act, with one section.
fn plan() -> Given {
    let mut given = Given::new();
    given.record("2023-06-13", Some("распоряжение №55-35-мпр от 13.06.2023"), plan_created());
    given.record("2023-06-13", None, section("s1", "1", "Диагностика"));
    given
}

#[test]
fn activities_are_ordered_by_number_naturally_within_sections_in_order() {
    let mut given = plan();
    given.record("2023-06-13", None, section("s2", "2", "Маршруты"));
    given.record("2023-06-13", None, activity("a10", "s1", "10", "Десятое", "2022"));
    given.record("2023-06-13", None, activity("a2", "s1", "2", "Второе", "2022"));
    given.record("2023-06-13", None, activity("a510", "s2", "5.10", "Пять-десять", "2022"));
    given.record("2023-06-13", None, activity("a57", "s2", "5.7", "Пять-семь", "2022"));
    check(
        &given,
        "2022-01-01",
        "plan p1 «План мероприятий» Regional basis=распоряжение №55-35-мпр от 13.06.2023
         ## Диагностика
         2 Второе [2022] ЦНППМ -> InProgress
         10 Десятое [2022] ЦНППМ -> InProgress
         ## Маршруты
         5.7 Пять-семь [2022] ЦНППМ -> InProgress
         5.10 Пять-десять [2022] ЦНППМ -> InProgress",
    );
}

#[test]
fn activity_amended_twice_then_cancelled() {
    let mut given = plan();
    given.record(
        "2023-06-13",
        None,
        activity("a1", "s1", "1.1", "Диагностика педагогов", "Сентябрь 2023 г."),
    );
    given.record(
        "2023-09-01",
        Some("распоряжение №1 от 01.09.2023"),
        amended("a1", ActivityField::Term, "Сентябрь 2023 г.", "Декабрь 2023 г."),
    );
    given.record(
        "2023-11-01",
        Some("распоряжение №2 от 01.11.2023"),
        amended("a1", ActivityField::Title, "Диагностика педагогов", "Диагностика управленцев"),
    );
    given.record("2024-02-01", Some("распоряжение №3 от 01.02.2024"), cancelled("a1"));

    let head = "plan p1 «План мероприятий» Regional basis=распоряжение №55-35-мпр от 13.06.2023
                ## Диагностика";
    check(
        &given,
        "2023-10-01",
        &format!(
            "{head}
             1.1 Диагностика педагогов [Декабрь 2023 г.] ЦНППМ -> Planned
               - amended 2023-09-01 in force by распоряжение №1 от 01.09.2023: Term=Декабрь 2023 г.
               - amended 2023-11-01 not yet by распоряжение №2 от 01.11.2023: Title=Диагностика управленцев"
        ),
    );
    check(
        &given,
        "2023-12-31",
        &format!(
            "{head}
             1.1 Диагностика управленцев [Декабрь 2023 г.] ЦНППМ -> InProgress
               - amended 2023-09-01 in force by распоряжение №1 от 01.09.2023: Term=Декабрь 2023 г.
               - amended 2023-11-01 in force by распоряжение №2 от 01.11.2023: Title=Диагностика управленцев"
        ),
    );
    check(
        &given,
        "2024-01-31",
        &format!(
            "{head}
             1.1 Диагностика управленцев [Декабрь 2023 г.] ЦНППМ -> Overdue
               - amended 2023-09-01 in force by распоряжение №1 от 01.09.2023: Term=Декабрь 2023 г.
               - amended 2023-11-01 in force by распоряжение №2 от 01.11.2023: Title=Диагностика управленцев"
        ),
    );
    check(
        &given,
        "2024-02-01",
        &format!(
            "{head}
             1.1 Диагностика управленцев [Декабрь 2023 г.] ЦНППМ -> Cancelled
               - amended 2023-09-01 in force by распоряжение №1 от 01.09.2023: Term=Декабрь 2023 г.
               - amended 2023-11-01 in force by распоряжение №2 от 01.11.2023: Title=Диагностика управленцев"
        ),
    );
}

#[test]
fn retracting_an_amendment_restores_the_earlier_wording() {
    let mut given = plan();
    given.record("2023-06-13", None, activity("a1", "s1", "1.1", "Первая редакция", "2024"));
    let amendment = given.record(
        "2023-09-01",
        Some("распоряжение №1 от 01.09.2023"),
        amended("a1", ActivityField::Title, "Первая редакция", "Вторая редакция"),
    );
    let head = "plan p1 «План мероприятий» Regional basis=распоряжение №55-35-мпр от 13.06.2023
                ## Диагностика";
    check(
        &given,
        "2024-03-01",
        &format!(
            "{head}
             1.1 Вторая редакция [2024] ЦНППМ -> InProgress
               - amended 2023-09-01 in force by распоряжение №1 от 01.09.2023: Title=Вторая редакция"
        ),
    );
    given.record(
        "2024-03-01",
        None,
        Payload::EventRetracted(EventRetracted {
            target: amendment, reason: "ошибка".into()
        }),
    );
    check(
        &given,
        "2024-03-01",
        &format!(
            "{head}
             1.1 Первая редакция [2024] ЦНППМ -> InProgress"
        ),
    );
}

#[test]
fn corrected_amendment_replaces_the_wording_under_the_original_id() {
    let mut given = plan();
    given.record("2023-06-13", None, activity("a1", "s1", "1.1", "Первая редакция", "2024"));
    let amendment = given.record(
        "2023-09-01",
        Some("распоряжение №1 от 01.09.2023"),
        amended("a1", ActivityField::Title, "Первая редакция", "Втарая редакция"),
    );
    let replacement = amended("a1", ActivityField::Title, "Первая редакция", "Вторая редакция");
    given.record(
        "2023-09-01",
        Some("распоряжение №1 от 01.09.2023"),
        Payload::EventCorrected(EventCorrected {
            target: amendment,
            reason: "опечатка".into(),
            replacement: Replacement::of(&replacement).unwrap(),
        }),
    );
    let plans = given.fold();
    let views = plans_as_of(&plans, date("2024-03-01"));
    let activity = &views[0].sections[0].activities[0];
    assert_eq!(activity.title, "Вторая редакция");
    assert_eq!(activity.amendments.len(), 1);
    assert_eq!(activity.amendments[0].event, amendment);
}

#[test]
fn execution_reported_partly_then_done() {
    let mut given = plan();
    given.record("2023-06-13", None, activity("a1", "s1", "1.1", "Курсы", "2024"));
    given.record("2024-06-01", None, reported("a1", ExecutionStatus::Partly, "2024-06-01"));
    let head = "plan p1 «План мероприятий» Regional basis=распоряжение №55-35-мпр от 13.06.2023
                ## Диагностика";
    check(&given, "2024-05-31", &format!("{head}\n1.1 Курсы [2024] ЦНППМ -> InProgress"));
    check(&given, "2024-07-01", &format!("{head}\n1.1 Курсы [2024] ЦНППМ -> Partly"));
    check(&given, "2024-12-31", &format!("{head}\n1.1 Курсы [2024] ЦНППМ -> Partly"));
    // The deadline passed with only a partial report made before it.
    check(&given, "2025-01-01", &format!("{head}\n1.1 Курсы [2024] ЦНППМ -> Overdue"));
    given.record("2024-12-20", None, reported("a1", ExecutionStatus::Done, "2024-12-20"));
    check(&given, "2024-12-19", &format!("{head}\n1.1 Курсы [2024] ЦНППМ -> Partly"));
    check(&given, "2024-12-20", &format!("{head}\n1.1 Курсы [2024] ЦНППМ -> Done"));
    check(&given, "2025-06-01", &format!("{head}\n1.1 Курсы [2024] ЦНППМ -> Done"));
}

#[test]
fn a_report_after_the_deadline_is_the_verdict() {
    let mut given = plan();
    given.record("2023-06-13", None, activity("a1", "s1", "1.1", "Курсы", "июнь 2023 г."));
    given.record("2023-07-10", None, reported("a1", ExecutionStatus::NotDone, "2023-07-10"));
    let head = "plan p1 «План мероприятий» Regional basis=распоряжение №55-35-мпр от 13.06.2023
                ## Диагностика";
    check(&given, "2023-06-30", &format!("{head}\n1.1 Курсы [июнь 2023 г.] ЦНППМ -> InProgress"));
    check(&given, "2023-07-01", &format!("{head}\n1.1 Курсы [июнь 2023 г.] ЦНППМ -> Overdue"));
    check(&given, "2023-07-10", &format!("{head}\n1.1 Курсы [июнь 2023 г.] ЦНППМ -> NotDone"));
}

#[test]
fn recurring_term_is_overdue_each_year_until_reported_for_that_year() {
    let mut given = plan();
    given.record("2023-06-13", None, activity("a1", "s1", "1.1", "Отчёт", "Ежегодно 4 квартал"));
    let head = "plan p1 «План мероприятий» Regional basis=распоряжение №55-35-мпр от 13.06.2023
                ## Диагностика";
    let line = |status: &str| format!("{head}\n1.1 Отчёт [Ежегодно 4 квартал] ЦНППМ -> {status}");
    // Deadlines before the plan's period (2022 and earlier) are not the plan's.
    check(&given, "2023-12-31", &line("InProgress"));
    check(&given, "2024-01-01", &line("Overdue"));
    given.record("2023-12-20", None, reported("a1", ExecutionStatus::Done, "2023-12-20"));
    check(&given, "2024-01-01", &line("Done"));
    check(&given, "2024-12-31", &line("Done"));
    check(&given, "2025-01-01", &line("Overdue"));
    given.record("2024-12-25", None, reported("a1", ExecutionStatus::Done, "2024-12-25"));
    check(&given, "2025-01-01", &line("Done"));
    // After the plan's period no new occurrence falls due.
    given.record("2025-12-25", None, reported("a1", ExecutionStatus::Done, "2025-12-25"));
    check(&given, "2027-06-01", &line("Done"));
}

/// Issue 17: «ноябрь 2023 года ноябрь 2024 года» is two deadlines; 2023's missed stays missed
/// when 2024's is met, each deadline with its own status beside the activity's.
#[test]
fn a_term_of_several_dates_keeps_each_deadline() {
    let mut given = plan();
    let text = "ноябрь 2023 года ноябрь 2024 года";
    given.record("2023-06-13", None, activity("a1", "s1", "1.1", "Мониторинг", text));
    let deadlines = |given: &Given, at: &str| {
        let plans = given.fold();
        let view = plans_as_of(&plans, date(at));
        let activity = &view[0].sections[0].activities[0];
        assert!(matches!(activity.term.meaning, TermMeaning::Dates { .. }), "{:?}", activity.term);
        let each: Vec<String> =
            activity.deadlines.iter().map(|d| format!("{} {:?}", d.due, d.status)).collect();
        (activity.status, each.join(", "))
    };
    assert_eq!(
        deadlines(&given, "2023-10-01"),
        (ActivityStatus::InProgress, "2023-11-30 NotDue, 2024-11-30 NotDue".into())
    );
    // The 2023 deadline passes unreported: overdue, and it stays missed.
    assert_eq!(
        deadlines(&given, "2024-06-01"),
        (ActivityStatus::Overdue, "2023-11-30 Missed, 2024-11-30 NotDue".into())
    );
    given.record("2024-11-20", None, reported("a1", ExecutionStatus::Done, "2024-11-20"));
    assert_eq!(
        deadlines(&given, "2024-12-15"),
        (ActivityStatus::Done, "2023-11-30 Missed, 2024-11-30 Done".into())
    );
    // A report for 2023 recorded late, dated in 2023's window, settles 2023's deadline.
    given.record("2024-12-20", None, reported("a1", ExecutionStatus::Done, "2023-11-25"));
    assert_eq!(
        deadlines(&given, "2024-12-31"),
        (ActivityStatus::Done, "2023-11-30 Done, 2024-11-30 Done".into())
    );
}

#[test]
fn approval_act_is_the_basis_and_a_retracted_plan_disappears() {
    let mut given = Given::new();
    let created = given.record("2023-06-01", None, plan_created());
    given.record(
        "2023-06-13",
        None,
        Payload::PlanApproved(PlanApproved {
            plan: "p1".parse().unwrap(),
            act: Basis::parse("приказ №7 от 13.06.2023").unwrap(),
        }),
    );
    check(
        &given,
        "2023-07-01",
        "plan p1 «План мероприятий» Regional basis=приказ №7 от 13.06.2023",
    );
    given.record(
        "2023-07-01",
        None,
        Payload::EventRetracted(EventRetracted { target: created, reason: "дубль".into() }),
    );
    check(&given, "2023-07-01", "");
}

#[test]
fn plans_state_round_trips_through_the_canonical_codec() {
    let mut given = plan();
    given.record("2023-06-13", None, activity("a1", "s1", "1.1", "Отчёт", "Ежегодно 4 квартал"));
    given.record(
        "2023-09-01",
        Some("распоряжение №1 от 01.09.2023"),
        amended("a1", ActivityField::Title, "Отчёт", "Годовой отчёт"),
    );
    given.record("2023-12-20", None, reported("a1", ExecutionStatus::Done, "2023-12-20"));
    given.record("2024-02-01", Some("распоряжение №3 от 01.02.2024"), cancelled("a1"));
    let plans = given.fold();
    let bytes = codec::encode("plans", &plans).unwrap();
    let decoded: Plans = codec::decode("plans", &bytes).unwrap();
    assert_eq!(decoded, plans);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn fact(
        kind: u8,
        activity: &str,
        day: u32,
        text: usize,
    ) -> (String, Option<&'static str>, Payload) {
        const TEXTS: [&str; 4] =
            ["2024", "Декабрь 2023 г.", "Ежегодно 4 квартал", "В течение года"];
        let on = format!("2024-{:02}-{:02}", 1 + day % 12, 1 + day % 28);
        let text = TEXTS[text % TEXTS.len()];
        let payload = match kind % 6 {
            0 => amended(activity, ActivityField::Title, "-", text),
            1 => amended(activity, ActivityField::Term, "-", text),
            2 => reported(activity, ExecutionStatus::Partly, &on),
            3 => reported(activity, ExecutionStatus::Done, &on),
            4 => reported(activity, ExecutionStatus::NotDone, &on),
            _ => cancelled(activity),
        };
        (on, Some("распоряжение №9 от 01.01.2024"), payload)
    }

    proptest! {
        /// Retracting any event leaves the state the events without it would give.
        #[test]
        fn retracting_an_event_equals_never_recording_it(
            facts in proptest::collection::vec((0u8..6, 0usize..2, 0u32..400, 0usize..4), 1..12),
            pick in 0usize..64,
        ) {
            let mut given = plan();
            given.record("2023-06-13", None, activity("a0", "s1", "1.1", "Первое", "2024"));
            given.record("2023-06-13", None, activity("a1", "s1", "1.2", "Второе", "Ежегодно 4 квартал"));
            let mut ids = Vec::new();
            for (kind, activity, day, text) in facts {
                let (on, basis, payload) = fact(kind, ["a0", "a1"][activity], day, text);
                ids.push(given.record(&on, basis, payload));
            }
            let target = ids[pick % ids.len()];
            let mut without = Given { envelopes: given.envelopes.clone() };
            without.envelopes.retain(|envelope| envelope.id != target);
            given.record(
                "2025-01-01",
                None,
                Payload::EventRetracted(EventRetracted { target, reason: "ошибка".into() }),
            );
            prop_assert_eq!(given.fold(), without.fold());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Schema v1 amendments (term as text only), captured before terms were frozen into the events.

/// The canonical bytes of a payload vector of `kind` at `schema_version` in proto-events'
/// golden vector file.
fn golden_payload(kind: &str, schema_version: u16) -> Vec<u8> {
    let vectors = include_str!("../../proto-events/tests/vectors/payloads.txt");
    let prefix = format!("{kind}\t{schema_version}\t");
    let line = vectors.lines().find(|line| line.starts_with(&prefix)).unwrap();
    let hex = line.split('\t').nth(2).unwrap();
    (0..hex.len()).step_by(2).map(|at| u8::from_str_radix(&hex[at..at + 2], 16).unwrap()).collect()
}

/// Term, meaning and status of every activity at each date, one line each.
fn render_terms(given: &Given, dates: &[&str]) -> String {
    let plans = given.fold();
    let mut lines = Vec::new();
    for at in dates {
        for plan in plans_as_of(&plans, date(at)) {
            for section in &plan.sections {
                for activity in &section.activities {
                    lines.push(format!(
                        "{at} {} {} [{}] {:?} -> {:?}",
                        plan.id,
                        activity.number,
                        activity.term.text,
                        activity.term.meaning,
                        activity.status
                    ));
                }
            }
        }
    }
    lines.join("\n")
}

/// A one-year plan whose v1 amendments change terms to texts the period dates, and the golden
/// vector's v1 amendment of a recurring term in its own plan.
fn schema_v1_history() -> Given {
    let mut given = Given::new();
    let one_year = PlanCreated {
        plan: "p1".parse().unwrap(),
        level: PlanLevel::Municipal,
        title: "План на год".into(),
        period_from_year: 2024,
        period_to_year: 2024,
        owner: "МОУО".into(),
    };
    given.record("2024-01-10", None, Payload::PlanCreated(one_year));
    given.record("2024-01-10", None, section("s1", "1", "Диагностика"));
    given.record("2024-01-10", None, activity("a1", "s1", "1", "Первое", "Сентябрь 2024 г."));
    given.record("2024-01-10", None, activity("a2", "s1", "2", "Второе", "2024"));
    given.record("2024-01-10", None, activity("a3", "s1", "3", "Третье", "2024"));
    let plan = StreamName::new("plan/p1").unwrap();
    for (activity, old, new) in [
        ("a1", "Сентябрь 2024 г.", "До сентября"),
        ("a2", "2024", "В течение года"),
        ("a3", "2024", "Октябрь-ноябрь"),
    ] {
        let v1 = ActivityAmendedV1 {
            plan: "p1".parse().unwrap(),
            activity: activity.parse().unwrap(),
            changes: vec![FieldChangeV1 {
                field: ActivityField::Term,
                old: old.into(),
                new: new.into(),
            }],
            reason: "уточнение".into(),
        };
        let bytes = codec::encode("activity_amended", &v1).unwrap();
        given.record_bytes("2024-02-01", None, plan.clone(), "activity_amended", 1, bytes);
    }
    let roadmap = PlanCreated {
        plan: "irk-2023-roadmap".parse().unwrap(),
        level: PlanLevel::Regional,
        title: "Дорожная карта".into(),
        period_from_year: 2023,
        period_to_year: 2025,
        owner: "Министерство".into(),
    };
    given.record("2023-06-13", None, Payload::PlanCreated(roadmap));
    given.record(
        "2023-06-13",
        None,
        Payload::PlanSectionAdded(PlanSectionAdded {
            plan: "irk-2023-roadmap".parse().unwrap(),
            section: "sec-2".parse().unwrap(),
            number: Some("2".into()),
            title: "Диагностика".into(),
        }),
    );
    let mut diagnostics = activity("a-5.7", "sec-2", "5.7", "Диагностика", "Ежегодно 4 квартал");
    if let Payload::ActivityAdded(added) = &mut diagnostics {
        added.plan = "irk-2023-roadmap".parse().unwrap();
    }
    given.record("2023-06-13", None, diagnostics);
    given.record_bytes(
        "2023-09-01",
        None,
        StreamName::new("plan/irk-2023-roadmap").unwrap(),
        "activity_amended",
        1,
        golden_payload("activity_amended", 1),
    );
    given
}

const SCHEMA_V1_DATES: [&str; 4] = ["2024-03-01", "2024-10-01", "2024-12-01", "2025-01-15"];

/// Captured from the fold before terms were frozen into the events (it read amendment texts
/// with the parser then current, in the plan's period): history must keep folding to this.
const SCHEMA_V1_FOLDED: &str = "\
2024-03-01 irk-2023-roadmap 5.7 [Ежегодно 3 квартал] Recurring(Recurrence { frequency: Yearly, within: Some(Quarter(3)), start_year: None, end_year: None }) -> Overdue\n\
2024-03-01 p1 1 [До сентября] Date { due: Date(2024-08-31), from: None } -> Planned\n\
2024-03-01 p1 2 [В течение года] Continuous { from: Some(Date(2024-01-01)), to: Some(Date(2024-12-31)) } -> InProgress\n\
2024-03-01 p1 3 [Октябрь-ноябрь] Range { from: Date(2024-10-01), to: Date(2024-11-30) } -> Planned\n\
2024-10-01 irk-2023-roadmap 5.7 [Ежегодно 3 квартал] Recurring(Recurrence { frequency: Yearly, within: Some(Quarter(3)), start_year: None, end_year: None }) -> Overdue\n\
2024-10-01 p1 1 [До сентября] Date { due: Date(2024-08-31), from: None } -> Overdue\n\
2024-10-01 p1 2 [В течение года] Continuous { from: Some(Date(2024-01-01)), to: Some(Date(2024-12-31)) } -> InProgress\n\
2024-10-01 p1 3 [Октябрь-ноябрь] Range { from: Date(2024-10-01), to: Date(2024-11-30) } -> InProgress\n\
2024-12-01 irk-2023-roadmap 5.7 [Ежегодно 3 квартал] Recurring(Recurrence { frequency: Yearly, within: Some(Quarter(3)), start_year: None, end_year: None }) -> Overdue\n\
2024-12-01 p1 1 [До сентября] Date { due: Date(2024-08-31), from: None } -> Overdue\n\
2024-12-01 p1 2 [В течение года] Continuous { from: Some(Date(2024-01-01)), to: Some(Date(2024-12-31)) } -> InProgress\n\
2024-12-01 p1 3 [Октябрь-ноябрь] Range { from: Date(2024-10-01), to: Date(2024-11-30) } -> Overdue\n\
2025-01-15 irk-2023-roadmap 5.7 [Ежегодно 3 квартал] Recurring(Recurrence { frequency: Yearly, within: Some(Quarter(3)), start_year: None, end_year: None }) -> Overdue\n\
2025-01-15 p1 1 [До сентября] Date { due: Date(2024-08-31), from: None } -> Overdue\n\
2025-01-15 p1 2 [В течение года] Continuous { from: Some(Date(2024-01-01)), to: Some(Date(2024-12-31)) } -> Overdue\n\
2025-01-15 p1 3 [Октябрь-ноябрь] Range { from: Date(2024-10-01), to: Date(2024-11-30) } -> Overdue";

#[test]
fn schema_v1_amendments_fold_as_they_did_when_recorded() {
    assert_eq!(render_terms(&schema_v1_history(), &SCHEMA_V1_DATES), SCHEMA_V1_FOLDED);
}

// ---------------------------------------------------------------------------------------------
// Terms are read where events are made; the fold reads what was recorded.

/// Reads a term text in a plan's period, as a recorder does (`term::parse_in_plan` today).
type TermReader = fn(&str, Option<(i32, i32)>) -> Term;

/// A test-only parser standing in for the one a plan was recorded with, before the parser
/// changed: it read "IV квартал 2024" as October 2024 (today's reads the whole quarter) and
/// "2024" as a deadline on 1 July (today's reads the whole year); anything else as today's.
fn parser_then(text: &str, period: Option<(i32, i32)>) -> Term {
    let meaning = match text {
        "IV квартал 2024" => {
            TermMeaning::Date { due: date("2024-10-31"), from: Some(date("2024-10-01")) }
        }
        "2024" => TermMeaning::Date { due: date("2024-07-01"), from: None },
        _ => return term::parse_in_plan(text, period),
    };
    Term { text: text.into(), meaning }
}

/// A plan whose recorder read terms with `reader`: an activity added with the term "2024" and
/// amended to "IV квартал 2024".
fn recorded_with(reader: TermReader) -> Given {
    let period = Some((2023, 2025));
    let mut given = plan();
    let mut added = activity("a1", "s1", "1", "Первое", "2024");
    if let Payload::ActivityAdded(added) = &mut added {
        added.term = reader("2024", period);
    }
    given.record("2023-06-13", None, added);
    let mut amendment = amended("a1", ActivityField::Term, "2024", "IV квартал 2024");
    if let Payload::ActivityAmended(amendment) = &mut amendment {
        amendment.changes = vec![FieldChange::term("2024", reader("IV квартал 2024", period))];
    }
    given.record("2024-09-01", Some("распоряжение №7 от 01.09.2024"), amendment);
    given
}

#[test]
fn a_parser_change_does_not_change_a_recorded_plan() {
    let dates = ["2024-06-01", "2024-08-01", "2024-11-15"];
    let recorded = recorded_with(parser_then);
    let then = render_terms(&recorded, &dates);
    // The parser now answers otherwise for both texts...
    for text in ["2024", "IV квартал 2024"] {
        assert_ne!(
            term::parse_in_plan(text, Some((2023, 2025))),
            parser_then(text, None),
            "{text}"
        );
    }
    // ...a plan recorded now carries today's reading (the parser runs where events are made)...
    assert_ne!(render_terms(&recorded_with(term::parse_in_plan), &dates), then);
    // ...and the plan recorded then, folded again, is what its recorder read: never today's.
    assert_eq!(render_terms(&recorded, &dates), then);
    let expected = "\
2024-06-01 p1 1 [2024] Date { due: Date(2024-07-01), from: None } -> Planned
2024-08-01 p1 1 [2024] Date { due: Date(2024-07-01), from: None } -> Overdue
2024-11-15 p1 1 [IV квартал 2024] Date { due: Date(2024-10-31), from: Some(Date(2024-10-01)) } -> Overdue";
    assert_eq!(then, expected);
}
