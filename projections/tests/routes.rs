//! Teacher routes projection: given events, when viewed at a valid date, then the rendered
//! diagnostics, routes, steps, supporters and closed deficits.
//!
//! Every test goes through `check`, which folds the given events (retractions handled the way the
//! central `apply` does) and compares a compact rendering of the view.

use std::collections::{BTreeMap, BTreeSet};

use proto_events::envelope::{Actor, ActorRole, Assigned, Effective, Envelope, NewEvent};
use proto_events::vocabulary::{
    CompetenceCode, DiagnosticRecorded, EventRetracted, Payload, RouteClosed, RouteOpened,
    RouteOutcome, RouteStepCompleted, RouteStepPlanned, RouteSupportAssigned, StepForm,
    SupportRole,
};
use proto_events::{codec, Date, EventId, Hash, Seq, StreamName, Timestamp};

use projections::teacher_route::{all_teachers, supported_by, supporters, Routes};
use projections::EventContext;

struct Given {
    envelopes: Vec<Envelope>,
}

impl Given {
    fn new() -> Given {
        Given { envelopes: Vec::new() }
    }

    fn record(&mut self, effective: &str, payload: Payload) -> EventId {
        let seq = u64::try_from(self.envelopes.len()).unwrap() + 1;
        let id: EventId = format!("00000000-0000-7000-8000-{seq:012x}").parse().unwrap();
        let stream = payload.stream().unwrap_or_else(|_| StreamName::new("teacher/t1").unwrap());
        let new = NewEvent {
            id: Some(id),
            stream,
            kind: payload.kind().to_string(),
            schema_version: payload.schema_version(),
            effective: Effective::Date(date(effective)),
            actor: Actor { role: ActorRole::Operator, id: "tok-test".into() },
            basis: None,
            payload: payload.encode().unwrap(),
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

    fn fold(&self) -> Routes {
        let mut routes = Routes::default();
        for envelope in &self.envelopes {
            let ctx = EventContext::of(envelope);
            match Payload::decode_envelope(envelope).unwrap() {
                Payload::EventRetracted(retracted) => routes.retract(&retracted.target),
                payload => routes.apply(&ctx, &payload),
            }
        }
        routes
    }
}

fn date(text: &str) -> Date {
    Date::parse_iso(text).unwrap()
}

fn codes(list: &[&str]) -> BTreeSet<CompetenceCode> {
    list.iter().map(|code| code.parse().unwrap()).collect()
}

fn join<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|item| item.to_string()).collect::<Vec<_>>().join(",")
}

/// Folds `given`, views every teacher at `at` and compares the rendering with `expected`.
fn check(given: &Given, at: &str, expected: &str) {
    let routes = given.fold();
    let mut lines = Vec::new();
    for teacher in all_teachers(&routes, date(at)) {
        lines.push(format!("teacher {}", teacher.teacher));
        for diagnostic in &teacher.diagnostics {
            lines.push(format!(
                "diagnostic {} {} deficits={}",
                diagnostic.id,
                diagnostic.taken_on,
                join(&diagnostic.deficits)
            ));
        }
        for route in &teacher.routes {
            lines.push(format!(
                "route {} from {} {:?} supporters={}",
                route.id,
                route.diagnostic.as_ref().map_or("-".to_string(), |d| d.to_string()),
                route.status,
                join(route.supporters.iter().map(|s| format!("{}:{:?}", s.person, s.role)))
            ));
            for step in &route.steps {
                lines.push(format!(
                    "step {} {:?} due {} -> {:?}",
                    step.id, step.form, step.due_on, step.status
                ));
            }
            lines.push(format!(
                "closed={} open={}",
                join(
                    route
                        .closed_deficits
                        .iter()
                        .map(|c| format!("{}@{}", c.competence, c.by_diagnostic))
                ),
                join(&route.open_deficits)
            ));
        }
    }
    let actual = lines.join("\n");
    let expected: Vec<&str> =
        expected.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    assert_eq!(actual, expected.join("\n"), "at {at}");
}

fn diagnostic(id: &str, teacher: &str, on: &str, deficits: &[&str]) -> Payload {
    let scores: BTreeMap<CompetenceCode, u16> =
        ["subject.math", "methods", "digital"].iter().map(|c| (c.parse().unwrap(), 5000)).collect();
    Payload::DiagnosticRecorded(DiagnosticRecorded {
        diagnostic: id.parse().unwrap(),
        teacher: teacher.parse().unwrap(),
        procedure: "fioko-2023".parse().unwrap(),
        taken_on: date(on),
        scores,
        deficits: codes(deficits),
    })
}

fn opened(route: &str, teacher: &str, diagnostic: &str, deficits: &[&str]) -> Payload {
    Payload::RouteOpened(RouteOpened {
        route: route.parse().unwrap(),
        teacher: teacher.parse().unwrap(),
        diagnostic: diagnostic.parse().unwrap(),
        deficits: codes(deficits),
    })
}

fn step(route: &str, teacher: &str, id: &str, deficits: &[&str], due: &str) -> Payload {
    Payload::RouteStepPlanned(RouteStepPlanned {
        route: route.parse().unwrap(),
        teacher: teacher.parse().unwrap(),
        step: id.parse().unwrap(),
        form: StepForm::SelfStudy,
        program: None,
        deficits: codes(deficits),
        due_on: date(due),
    })
}

fn completed(route: &str, teacher: &str, id: &str, on: &str) -> Payload {
    Payload::RouteStepCompleted(RouteStepCompleted {
        route: route.parse().unwrap(),
        teacher: teacher.parse().unwrap(),
        step: id.parse().unwrap(),
        completed_on: date(on),
        evidence: None,
    })
}

fn support(route: &str, teacher: &str, person: &str, role: SupportRole) -> Payload {
    Payload::RouteSupportAssigned(RouteSupportAssigned {
        route: route.parse().unwrap(),
        teacher: teacher.parse().unwrap(),
        supporter: person.parse().unwrap(),
        role,
    })
}

fn closed(route: &str, teacher: &str) -> Payload {
    Payload::RouteClosed(RouteClosed {
        route: route.parse().unwrap(),
        teacher: teacher.parse().unwrap(),
        outcome: RouteOutcome::Completed,
        reason: None,
    })
}

/// Teacher t1: diagnosed with two deficits, a route with two steps and a methodist.
fn route() -> Given {
    let mut given = Given::new();
    given.record("2023-10-02", diagnostic("d1", "t1", "2023-10-02", &["methods", "subject.math"]));
    given.record("2023-10-10", opened("r1", "t1", "d1", &["methods", "subject.math"]));
    given.record("2023-10-10", step("r1", "t1", "s1", &["subject.math"], "2024-03-31"));
    given.record("2023-10-10", step("r1", "t1", "s2", &["methods"], "2024-05-31"));
    given.record("2023-10-11", support("r1", "t1", "m1", SupportRole::Methodist));
    given
}

#[test]
fn diagnostic_route_steps_completion_and_rediagnosis_closing_deficits() {
    let mut given = route();
    check(
        &given,
        "2023-10-09",
        "teacher t1
         diagnostic d1 2023-10-02 deficits=methods,subject.math",
    );
    check(
        &given,
        "2024-04-01",
        "teacher t1
         diagnostic d1 2023-10-02 deficits=methods,subject.math
         route r1 from d1 Open supporters=m1:Methodist
         step s1 SelfStudy due 2024-03-31 -> Overdue
         step s2 SelfStudy due 2024-05-31 -> Planned
         closed= open=methods,subject.math",
    );
    given.record("2024-03-20", completed("r1", "t1", "s1", "2024-03-20"));
    given.record("2024-05-31", completed("r1", "t1", "s2", "2024-05-31"));
    given.record("2024-06-01", closed("r1", "t1"));
    given.record("2024-10-01", diagnostic("d2", "t1", "2024-10-01", &["methods"]));
    check(
        &given,
        "2024-06-01",
        "teacher t1
         diagnostic d1 2023-10-02 deficits=methods,subject.math
         route r1 from d1 Completed supporters=m1:Methodist
         step s1 SelfStudy due 2024-03-31 -> Done
         step s2 SelfStudy due 2024-05-31 -> Done
         closed= open=methods,subject.math",
    );
    check(
        &given,
        "2024-10-01",
        "teacher t1
         diagnostic d1 2023-10-02 deficits=methods,subject.math
         diagnostic d2 2024-10-01 deficits=methods
         route r1 from d1 Completed supporters=m1:Methodist
         step s1 SelfStudy due 2024-03-31 -> Done
         step s2 SelfStudy due 2024-05-31 -> Done
         closed=subject.math@d2 open=methods",
    );
}

#[test]
fn retracted_completion_makes_the_step_overdue_again() {
    let mut given = route();
    let completion = given.record("2024-03-20", completed("r1", "t1", "s1", "2024-03-20"));
    given.record(
        "2024-04-05",
        Payload::EventRetracted(EventRetracted {
            target: completion, reason: "ошибка".into()
        }),
    );
    check(
        &given,
        "2024-04-10",
        "teacher t1
         diagnostic d1 2023-10-02 deficits=methods,subject.math
         route r1 from d1 Open supporters=m1:Methodist
         step s1 SelfStudy due 2024-03-31 -> Overdue
         step s2 SelfStudy due 2024-05-31 -> Planned
         closed= open=methods,subject.math",
    );
}

#[test]
fn methodist_supports_teachers_with_open_routes() {
    let mut given = route();
    given.record("2023-11-01", diagnostic("d9", "t2", "2023-11-01", &["digital"]));
    given.record("2023-11-02", opened("r9", "t2", "d9", &["digital"]));
    given.record("2023-11-03", support("r9", "t2", "m1", SupportRole::Methodist));
    given.record("2023-11-03", support("r9", "t2", "tutor7", SupportRole::Tutor));
    let routes = given.fold();
    let ids = |list: Vec<proto_events::vocabulary::TeacherId>| join(list);
    let m1 = "m1".parse().unwrap();
    assert_eq!(ids(supported_by(&routes, &m1, date("2023-10-10"))), "");
    assert_eq!(ids(supported_by(&routes, &m1, date("2023-10-11"))), "t1");
    assert_eq!(ids(supported_by(&routes, &m1, date("2023-11-03"))), "t1,t2");
    let tutor = "tutor7".parse().unwrap();
    assert_eq!(ids(supported_by(&routes, &tutor, date("2023-11-03"))), "t2");
    given.record("2024-06-01", closed("r1", "t1"));
    let routes = given.fold();
    assert_eq!(ids(supported_by(&routes, &m1, date("2024-06-01"))), "t2");
    let all = supporters(&routes, date("2024-06-01"));
    assert_eq!(all.len(), 2);
}

#[test]
fn routes_state_round_trips_through_the_canonical_codec() {
    let mut given = route();
    given.record("2024-03-20", completed("r1", "t1", "s1", "2024-03-20"));
    given.record("2024-06-01", closed("r1", "t1"));
    let routes = given.fold();
    let bytes = codec::encode("routes", &routes).unwrap();
    let decoded: Routes = codec::decode("routes", &bytes).unwrap();
    assert_eq!(decoded, routes);
}
