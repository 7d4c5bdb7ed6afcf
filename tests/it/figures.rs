//! `letopis figures` and the query layer against a real store: the JSON acceptance shape, a
//! knowledge point given as a seq and as a time, bad arguments, and snapshots.

use std::collections::BTreeSet;
use std::process::Command;

use letopis::query::{resolve, snapshot, state_at, KnownAt, Projector};
use letopis::store::{AppendRequest, Store};
use proto_events::vocabulary::{
    CourseCompleted, EventCorrected, EventRetracted, IndicatorCode, MunicipalityRegistered,
    OrganisationKind, OrganisationRegistered, Payload, Position, ProgramForm, ProgramKind,
    ProgramRegistered, ProgramTopic, Replacement, Scope, TeacherHired,
};
use proto_events::{Actor, ActorRole, Date, Effective, EventId, NewEvent, Seq, StreamName};
use serde_json::Value;

use crate::support::TempLedger;

fn new_event(effective: &str, payload: impl Into<Payload>) -> NewEvent {
    let payload = payload.into();
    let stream = payload.stream().unwrap();
    new_event_on(stream, effective, payload)
}

/// An event on a given stream (retractions and corrections have no stream of their own).
fn new_event_on(stream: StreamName, effective: &str, payload: impl Into<Payload>) -> NewEvent {
    let payload = payload.into();
    NewEvent {
        id: Some(EventId(uuid::Uuid::now_v7())),
        stream,
        kind: payload.kind().to_string(),
        schema_version: payload.schema_version(),
        effective: Effective::Date(Date::parse_iso(effective).unwrap()),
        actor: Actor { role: ActorRole::Operator, id: "tok-test".into() },
        basis: None,
        payload: payload.encode().unwrap(),
    }
}

fn completion(completion: &str, teacher: &str, on: &str) -> NewEvent {
    new_event(
        on,
        CourseCompleted {
            completion: completion.parse().unwrap(),
            teacher: teacher.parse().unwrap(),
            program: "p-fgos".parse().unwrap(),
            completed_on: Date::parse_iso(on).unwrap(),
            certificate_number: format!("УД-{completion}"),
            hours: 36,
            provider: "iro".parse().unwrap(),
            route_step: None,
        },
    )
}

/// A district of two schools and four teachers; one completion recorded in time (seq 8) and one
/// December completion recorded later (seq 9).
fn district(temp: &TempLedger) {
    let d = "2023-01-01";
    let mut setup = vec![new_event(
        d,
        MunicipalityRegistered { municipality: "m1".parse().unwrap(), name: "Район".into() },
    )];
    for org in ["s1", "s2"] {
        setup.push(new_event(
            d,
            OrganisationRegistered {
                organisation: org.parse().unwrap(),
                name: format!("Школа {org}"),
                kind: OrganisationKind::General,
                municipality: Some("m1".parse().unwrap()),
            },
        ));
    }
    for (teacher, org) in [("t1", "s1"), ("t2", "s1"), ("t3", "s2")] {
        setup.push(new_event(
            d,
            TeacherHired {
                teacher: teacher.parse().unwrap(),
                organisation: org.parse().unwrap(),
                position: Position::Teacher,
                career_start: Date::parse_iso("2010-09-01").unwrap(),
                birth_year: 1985,
            },
        ));
    }
    setup.push(new_event(
        d,
        ProgramRegistered {
            program: "p-fgos".parse().unwrap(),
            title: "Обновлённые ФГОС".into(),
            kind: ProgramKind::FurtherTraining,
            hours: 36,
            provider: "iro".parse().unwrap(),
            form: ProgramForm::Course,
            topics: BTreeSet::from([ProgramTopic::UpdatedFgos]),
        },
    ));
    temp.ledger.append_blocking(AppendRequest::new(setup)).unwrap();
    let one = vec![completion("c1", "t1", "2024-11-10")];
    temp.ledger.append_blocking(AppendRequest::new(one)).unwrap();
    let late = vec![completion("c2", "t3", "2024-12-20")];
    temp.ledger.append_blocking(AppendRequest::new(late)).unwrap();
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_letopis")).args(args).output().unwrap()
}

fn json(args: &[&str]) -> Value {
    let output = run(args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn updated_fgos(figures: &Value) -> &Value {
    figures.as_array().unwrap().iter().find(|figure| figure["code"] == "updated_fgos").unwrap()
}

#[test]
fn figures_json_known_then_and_known_now() {
    let temp = TempLedger::new();
    district(&temp);
    let store = temp.store().clone();
    assert_eq!(store.head().seq, Seq(9));
    let second_append = store.get(Seq(8)).unwrap().unwrap().recorded_at;
    drop(store);
    let TempLedger { dir, ledger } = temp;
    ledger.shutdown();
    let data = dir.path().to_str().unwrap();

    let now = json(&["figures", "--data", data, "--date", "2024-12-31", "--format", "json"]);
    assert_eq!(now.as_array().unwrap().len(), 32);
    let figure = updated_fgos(&now);
    assert_eq!(figure["known_at_seq"], 9);
    assert_eq!((figure["numerator"].as_u64(), figure["denominator"].as_u64()), (Some(2), Some(3)));
    assert_eq!(figure["value"].as_f64(), Some(66.67));
    assert_eq!(figure["met"], Value::Null);
    assert_eq!(figure["evidence_count"], 2);
    assert_eq!(figure["scope"], "region");
    assert_eq!(figure["date"], "2024-12-31");
    assert_eq!(figure["targets"], Value::Array(Vec::new()));

    let then = json(&[
        "figures",
        "--data",
        data,
        "--date",
        "2024-12-31",
        "--known-at",
        "8",
        "--format",
        "json",
    ]);
    assert_eq!(updated_fgos(&then)["numerator"], 1);
    assert_eq!(updated_fgos(&then)["known_at_seq"], 8);

    let time = second_append.to_datetime().unwrap().to_rfc3339();
    let by_time = json(&[
        "figures",
        "--data",
        data,
        "--date",
        "2024-12-31",
        "--known-at",
        &time,
        "--format",
        "json",
    ]);
    assert_eq!(updated_fgos(&by_time)["known_at_seq"], 8);

    let school = json(&[
        "figures",
        "--data",
        data,
        "--date",
        "2024-12-31",
        "--scope",
        "organisation:s2",
        "--format",
        "json",
    ]);
    assert_eq!(
        (
            updated_fgos(&school)["numerator"].as_u64(),
            updated_fgos(&school)["denominator"].as_u64()
        ),
        (Some(1), Some(1))
    );

    let table = run(&["figures", "--data", data, "--date", "2024-12-31", "--format", "table"]);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("Показатель"), "{text}");
    assert!(text.starts_with("Показатели на 31.12.2024, территория: регион"), "{text}");

    for bad in [
        vec!["--date", "31.12.2024"],
        vec!["--date", "2024-12-31", "--known-at", "вчера"],
        vec!["--date", "2024-12-31", "--scope", "district:1"],
    ] {
        let mut args = vec!["figures", "--data", data, "--format", "json"];
        args.extend(bad);
        let output = run(&args);
        assert_eq!(output.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&output.stderr).contains("ожидается"));
    }
}

#[test]
fn query_layer_resolves_knowledge_points_and_snapshots_round_trip() {
    let temp = TempLedger::new();
    district(&temp);
    let store: &Store = temp.store();
    let recorded = store.get(Seq(8)).unwrap().unwrap().recorded_at;
    assert_eq!(resolve(store, KnownAt::Time(recorded)).unwrap(), 8);
    assert_eq!(resolve(store, KnownAt::Seq(100)).unwrap(), 9);
    let before_everything = proto_events::Timestamp::from_micros(0);
    assert_eq!(resolve(store, KnownAt::Time(before_everything)).unwrap(), 0);

    let full = state_at(store, KnownAt::Now).unwrap();
    let bytes = snapshot::encode(&full).unwrap();
    assert_eq!(snapshot::decode(&bytes).as_ref(), Some(&full));

    let projector = Projector::new(store.clone());
    let then = projector.state_at(KnownAt::Seq(8)).unwrap();
    assert_eq!(then.seq, 8);
    let now = projector.state_at(KnownAt::Now).unwrap();
    assert_eq!(*now, full);
    let date = Date::parse_iso("2024-12-31").unwrap();
    let (seq, figures) = projector.catalogue(&Scope::Region, date, KnownAt::Now).unwrap();
    assert_eq!((seq, figures.len()), (9, 32));
}

#[test]
fn projector_figures_at_every_known_at_equal_the_fold_of_the_prefix() {
    let temp = TempLedger::new();
    district(&temp);
    let store: &Store = temp.store();
    let (c1, c2) = (store.get(Seq(8)).unwrap().unwrap(), store.get(Seq(9)).unwrap().unwrap());
    let fixed = CourseCompleted {
        completion: "c2".parse().unwrap(),
        teacher: "t3".parse().unwrap(),
        program: "p-fgos".parse().unwrap(),
        completed_on: Date::parse_iso("2025-01-15").unwrap(),
        certificate_number: "УД-c2".into(),
        hours: 36,
        provider: "iro".parse().unwrap(),
        route_step: None,
    };
    let amendments = vec![
        new_event_on(
            c1.stream.clone(),
            "2025-02-01",
            EventRetracted { target: c1.id, reason: "ошибочная запись".into() },
        ),
        new_event_on(
            c2.stream.clone(),
            "2025-02-02",
            EventCorrected {
                target: c2.id,
                reason: "дата удостоверения".into(),
                replacement: Replacement::of(&Payload::from(fixed)).unwrap(),
            },
        ),
    ];
    temp.ledger.append_blocking(AppendRequest::new(amendments)).unwrap();
    let head = store.head().seq.0;
    assert_eq!(head, 11);
    let projector = Projector::new(store.clone());
    projector.state_at(KnownAt::Now).unwrap();
    for date in ["2024-12-31", "2025-12-31"] {
        let date = Date::parse_iso(date).unwrap();
        for k in 0..=head {
            let prefix = state_at(store, KnownAt::Seq(k)).unwrap();
            let expected = projections::catalogue(&prefix, &Scope::Region, date);
            let (seq, figures) =
                projector.catalogue(&Scope::Region, date, KnownAt::Seq(k)).unwrap();
            assert_eq!((seq, &figures), (k, &expected), "known at {k}, on {date}");
        }
    }
    // The retraction and the correction change "now", not "then": 2 of 3 at seq 9, 0 at 11.
    let date = Date::parse_iso("2024-12-31").unwrap();
    let count = |k| {
        let (_, figures) = projector.catalogue(&Scope::Region, date, KnownAt::Seq(k)).unwrap();
        let fgos = figures.iter().find(|f| f.code == IndicatorCode::UpdatedFgos).unwrap();
        (fgos.numerator, fgos.denominator)
    };
    assert_eq!((count(9), count(10), count(11)), ((2, 3), (1, 3), (0, 3)));
}

#[test]
fn the_projector_advances_its_latest_state_without_changing_one_a_query_holds() {
    let temp = TempLedger::new();
    district(&temp);
    let projector = Projector::new(temp.store().clone());
    let held = projector.state_at(KnownAt::Now).unwrap();
    let first = held.seq;
    assert_eq!(projector.latest_seq(), first);
    let append = |teacher: &str| {
        let event = completion(&format!("c-late-{teacher}"), teacher, "2024-12-20");
        temp.ledger.append_blocking(AppendRequest::new(vec![event])).unwrap();
    };
    // A query holds the state while the ledger moves on: its state stays what it was.
    append("t1");
    let advanced = projector.state_at(KnownAt::Now).unwrap();
    assert_eq!(held.seq, first);
    assert_eq!(*held, state_at(temp.store(), KnownAt::Seq(first)).unwrap());
    assert_eq!(advanced.seq, first + 1);
    assert_eq!(projector.latest_seq(), first + 1);
    // Nobody holds it any more: advanced in place, and equal to a fresh fold.
    drop((held, advanced));
    append("t2");
    let latest = projector.state_at(KnownAt::Now).unwrap();
    assert_eq!(latest.seq, first + 2);
    assert_eq!(*latest, state_at(temp.store(), KnownAt::Now).unwrap());
    // An earlier knowledge point is still answered from the log, not from the cache.
    let earlier = projector.state_at(KnownAt::Seq(first)).unwrap();
    assert_eq!(*earlier, state_at(temp.store(), KnownAt::Seq(first)).unwrap());
    assert_eq!(projector.latest_seq(), first + 2);
}

/// Issue #20 (load): queries at "now" racing while the head moves fold once per head, never each
/// their own; each answer names the seq it is as of (the new head, or the last completed head
/// state while the fold was in flight) and is exactly the fold of the log up to that seq, never
/// a mix of two heads.
#[test]
fn issue_20_concurrent_queries_at_now_fold_once_per_head_and_name_their_seq() {
    let temp = TempLedger::new();
    district(&temp);
    let store: &Store = temp.store();
    let projector = std::sync::Arc::new(Projector::new(store.clone()));
    let date = Date::parse_iso("2024-12-31").unwrap();
    let first = projector.state_at(KnownAt::Now).unwrap().seq;
    assert_eq!(projector.head_counters().folds, 1);
    let mut answered = BTreeSet::new();
    for round in 1..=5u64 {
        let event = completion(&format!("c-race-{round}"), "t2", "2024-12-20");
        temp.ledger.append_blocking(AppendRequest::new(vec![event])).unwrap();
        let queries = 16;
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(queries));
        let answers: Vec<(u64, Vec<projections::Figure>)> = std::thread::scope(|scope| {
            let running: Vec<_> = (0..queries)
                .map(|_| {
                    let (projector, barrier) = (projector.clone(), barrier.clone());
                    scope.spawn(move || {
                        barrier.wait();
                        projector.catalogue(&Scope::Region, date, KnownAt::Now).unwrap()
                    })
                })
                .collect();
            running.into_iter().map(|query| query.join().unwrap()).collect()
        });
        let head = first + round;
        assert_eq!(projector.head_counters().folds, 1 + round, "round {round}: one fold per head");
        for (seq, figures) in answers {
            assert!(seq == head || seq == head - 1, "round {round}: answered as of {seq}");
            let prefix = state_at(store, KnownAt::Seq(seq)).unwrap();
            assert_eq!(figures, projections::catalogue(&prefix, &Scope::Region, date));
            answered.insert(seq);
        }
        // The next query after the race is at the head.
        assert_eq!(projector.catalogue(&Scope::Region, date, KnownAt::Now).unwrap().0, head);
    }
    assert!(answered.contains(&(first + 5)), "{answered:?}");
    // Only the first move cloned (there was no spare yet); later ones continued the spare.
    let counters = projector.head_counters();
    assert_eq!(counters.clones, 1, "{counters:?}");
}
