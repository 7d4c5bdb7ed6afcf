//! `letopis plans` and `letopis routes` against a real store: the JSON acceptance shape, a valid
//! date and a knowledge point.

use std::process::Command;

use letopis::store::AppendRequest;
use proto_events::term;
use proto_events::vocabulary::{
    ActivityAdded, ActivityAmended, ActivityField, DiagnosticRecorded, FieldChange, Payload,
    PlanCreated, PlanLevel, PlanSectionAdded, RouteOpened,
};
use proto_events::{Actor, ActorRole, Basis, Date, Effective, EventId, NewEvent};
use serde_json::Value;

use crate::support::TempLedger;

fn new_event(effective: &str, basis: Option<&str>, payload: Payload) -> NewEvent {
    NewEvent {
        id: Some(EventId(uuid::Uuid::now_v7())),
        stream: payload.stream().unwrap(),
        kind: payload.kind().to_string(),
        schema_version: payload.schema_version(),
        effective: Effective::Date(Date::parse_iso(effective).unwrap()),
        actor: Actor { role: ActorRole::Operator, id: "tok-test".into() },
        basis: basis.map(|text| Basis::parse(text).unwrap()),
        payload: payload.encode().unwrap(),
    }
}

fn activity(id: &str, number: &str, title: &str, term_text: &str) -> Payload {
    Payload::ActivityAdded(ActivityAdded {
        plan: "p1".parse().unwrap(),
        activity: id.parse().unwrap(),
        section: "s1".parse().unwrap(),
        number: number.into(),
        title: title.into(),
        responsible: "ЦНППМ".into(),
        co_executors: vec!["МОУО".into(), "ММС".into()],
        term: term::parse(term_text),
        key_result: "90% педагогов прошли диагностику".into(),
        fixing_documents: "отчёт".into(),
        indicator: None,
        planned_value: None,
    })
}

/// Runs the binary and parses its JSON output.
fn run(args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_letopis")).args(args).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn plans_json_at_a_date_and_a_knowledge_point() {
    let temp = TempLedger::new();
    let events = vec![
        new_event(
            "2023-06-13",
            Some("распоряжение №55-35-мпр от 13.06.2023"),
            Payload::PlanCreated(PlanCreated {
                plan: "p1".parse().unwrap(),
                level: PlanLevel::Regional,
                title: "План мероприятий".into(),
                period_from_year: 2023,
                period_to_year: 2025,
                owner: "ЦНППМ".into(),
            }),
        ),
        new_event(
            "2023-06-13",
            None,
            Payload::PlanSectionAdded(PlanSectionAdded {
                plan: "p1".parse().unwrap(),
                section: "s1".parse().unwrap(),
                number: Some("1".into()),
                title: "Диагностика".into(),
            }),
        ),
        new_event("2023-06-13", None, activity("a10", "1.10", "Десятое", "2023")),
        new_event("2023-06-13", None, activity("a2", "1.2", "Второе", "Ежегодно 4 квартал")),
    ];
    temp.ledger.append_blocking(AppendRequest::new(events)).unwrap();
    let amendment = new_event(
        "2024-01-10",
        Some("распоряжение №1 от 10.01.2024"),
        Payload::ActivityAmended(ActivityAmended {
            plan: "p1".parse().unwrap(),
            activity: "a2".parse().unwrap(),
            changes: vec![FieldChange::text(ActivityField::Title, "Второе", "Второе, уточнённое")],
            reason: "уточнение".into(),
        }),
    );
    temp.ledger.append_blocking(AppendRequest::new(vec![amendment])).unwrap();
    let TempLedger { dir, ledger } = temp;
    ledger.shutdown();
    let data = dir.path().to_str().unwrap();

    let now = run(&["plans", "--data", data, "--date", "2024-12-31", "--format", "json"]);
    let plan = &now[0];
    assert_eq!(plan["id"], "p1");
    assert_eq!(plan["title"], "План мероприятий");
    assert_eq!(plan["level"], "regional");
    assert_eq!(plan["basis"], "распоряжение №55-35-мпр от 13.06.2023");
    let section = &plan["sections"][0];
    assert_eq!(section["title"], "Диагностика");
    let activities = section["activities"].as_array().unwrap();
    let numbers: Vec<&str> = activities.iter().map(|a| a["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["1.2", "1.10"]);
    let second = &activities[0];
    assert_eq!(second["title"], "Второе, уточнённое");
    assert_eq!(second["term"]["text"], "Ежегодно 4 квартал");
    assert_eq!(second["term"]["kind"], "recurring");
    assert_eq!(second["responsible"], "ЦНППМ");
    assert_eq!(second["co_executors"], serde_json::json!(["МОУО", "ММС"]));
    assert_eq!(second["key_result"], "90% педагогов прошли диагностику");
    // Its 2023 occurrence fell due on 31.12.2023 and was never reported.
    assert_eq!(second["status"], "overdue");
    assert_eq!(second["amendments"][0]["basis"], "распоряжение №1 от 10.01.2024");
    assert_eq!(activities[1]["term"]["kind"], "year");
    assert_eq!(activities[1]["status"], "overdue");

    // Known at seq 4: the amendment was not yet recorded.
    let then = run(&[
        "plans",
        "--data",
        data,
        "--date",
        "2024-12-31",
        "--known-at",
        "4",
        "--format",
        "json",
    ]);
    assert_eq!(then[0]["sections"][0]["activities"][0]["title"], "Второе");
    // Valid date before the amendment takes effect: the old wording, the amendment listed.
    let before = run(&["plans", "--data", data, "--date", "2024-01-09", "--format", "json"]);
    let activity = &before[0]["sections"][0]["activities"][0];
    assert_eq!(activity["title"], "Второе");
    assert_eq!(activity["amendments"][0]["in_force"], false);
    // An RFC 3339 knowledge point before anything was recorded.
    let empty =
        run(&["plans", "--data", data, "--known-at", "2020-01-01T00:00:00Z", "--format", "json"]);
    assert_eq!(empty, serde_json::json!([]));
}

#[test]
fn routes_json_for_one_teacher() {
    let temp = TempLedger::new();
    let deficits: std::collections::BTreeSet<_> = ["methods".parse().unwrap()].into();
    let events = vec![
        new_event(
            "2023-10-02",
            None,
            Payload::DiagnosticRecorded(DiagnosticRecorded {
                diagnostic: "d1".parse().unwrap(),
                teacher: "t1".parse().unwrap(),
                procedure: "fioko".parse().unwrap(),
                taken_on: Date::parse_iso("2023-10-02").unwrap(),
                scores: [("methods".parse().unwrap(), 4000)].into(),
                deficits: deficits.clone(),
            }),
        ),
        new_event(
            "2023-10-10",
            None,
            Payload::RouteOpened(RouteOpened {
                route: "r1".parse().unwrap(),
                teacher: "t1".parse().unwrap(),
                diagnostic: "d1".parse().unwrap(),
                deficits,
            }),
        ),
    ];
    temp.ledger.append_blocking(AppendRequest::new(events)).unwrap();
    let TempLedger { dir, ledger } = temp;
    ledger.shutdown();
    let data = dir.path().to_str().unwrap();
    let routes = run(&[
        "routes",
        "--data",
        data,
        "--teacher",
        "t1",
        "--date",
        "2024-01-01",
        "--format",
        "json",
    ]);
    assert_eq!(routes[0]["teacher"], "t1");
    assert_eq!(routes[0]["diagnostics"][0]["deficits"], serde_json::json!(["methods"]));
    assert_eq!(routes[0]["routes"][0]["id"], "r1");
    assert_eq!(routes[0]["routes"][0]["status"], "open");
    assert_eq!(routes[0]["routes"][0]["open_deficits"], serde_json::json!(["methods"]));
}
