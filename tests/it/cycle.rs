//! The monitoring cycle (issue #16): reporting periods, submissions, acceptance and return,
//! each scope's status at any knowledge point, the accepted figures in the report verification,
//! the due list over HTTP and from the CLI, and the demo region's cycle.
//!
//! Given events through `POST /api/v1/commands` as each role would send them, when a period's
//! status is read, then each scope's status and rounds are what the events say.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use letopis::commands::open_ledger;
use letopis::server::auth::{create_token, Role};
use letopis::server::{router, AppState};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::support::{generate, letopis, StepClock, TempLedger};
use letopis::cli::demo::Scale;

struct App {
    ledger: TempLedger,
    router: Router,
}

impl App {
    /// A server over a fresh ledger (clock from 2025-01-15) with three municipalities, an
    /// organisation in 38-01, and the period `monitoring-2024` (as of 2024-12-31, due
    /// 2025-01-20) for all four.
    async fn new() -> App {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open_ledger(dir.path(), StepClock::new()).unwrap();
        let ledger = TempLedger { dir, ledger };
        let router = router(AppState::new(ledger.ledger.clone()));
        let app = App { ledger, router };
        let operator = app.token("operator");
        for code in ["38-01", "38-02", "38-03"] {
            let body = json!({"kind": "municipality_registered",
                "payload": {"municipality": code, "name": format!("Район {code}")},
                "effective": "2023-01-01"});
            app.expect(&operator, body, StatusCode::CREATED).await;
        }
        let school = json!({"kind": "organisation_registered",
            "payload": {"organisation": "org-1", "name": "Школа №1", "kind": "general",
                "municipality": "38-01"},
            "effective": "2023-01-01"});
        app.expect(&operator, school, StatusCode::CREATED).await;
        let ministry = app.token("ministry");
        app.expect(&ministry, opened(), StatusCode::CREATED).await;
        app
    }

    fn token(&self, role: &str) -> String {
        let role: Role = role.parse().unwrap();
        create_token(self.ledger.store(), role).unwrap().0
    }

    fn head(&self) -> u64 {
        self.ledger.store().head().seq.0
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            None => builder.body(Body::empty()).unwrap(),
        };
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Posts one command and checks the status; the answer.
    async fn expect(&self, token: &str, command: Value, status: StatusCode) -> Value {
        let (got, body) = self.call(Method::POST, "/api/v1/commands", token, Some(command)).await;
        assert_eq!(got, status, "{body}");
        body
    }

    /// The command is refused with `status`, naming `field`, and nothing is written.
    async fn refused(
        &self,
        token: &str,
        command: Value,
        status: StatusCode,
        code: &str,
        field: &str,
    ) {
        let head = self.head();
        let body = self.expect(token, command, status).await;
        assert_eq!(body["code"], code, "{body}");
        if !field.is_empty() {
            assert_eq!(body["field"], format!("commands[0].payload.{field}"), "{body}");
        }
        assert_eq!(self.head(), head, "a refusal wrote: {body}");
    }

    async fn status(&self, known_at: Option<u64>) -> Value {
        let path = match known_at {
            Some(seq) => format!("/api/v1/periods/monitoring-2024/status?known_at={seq}"),
            None => "/api/v1/periods/monitoring-2024/status".to_string(),
        };
        let (status, body) = self.call(Method::GET, &path, &self.token("ministry"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

fn opened() -> Value {
    json!({"kind": "reporting_period_opened",
        "payload": {"period": "monitoring-2024", "title": "Мониторинг РС НМС за 2024 год",
            "indicators": ["diagnosed", "routed"],
            "scopes": ["municipality:38-01", "municipality:38-02", "municipality:38-03",
                "organisation:org-1"],
            "as_of": "2024-12-31", "due": "2025-01-20",
            "act": {"kind": "распоряжение", "number": "55-1-мр", "date": "2024-12-01", "title": null}},
        "effective": "2024-12-01"})
}

fn submitted(scope: &str, on: &str, diagnosed: u64) -> Value {
    json!({"kind": "figures_submitted",
        "payload": {"period": "monitoring-2024", "scope": scope, "figures": [
            {"indicator": "diagnosed", "numerator": diagnosed, "denominator": 10,
                "source": {"entered": {"explanation": "по журналу учёта МОУО"}}},
            {"indicator": "routed", "numerator": 0, "denominator": 0, "source": "computed"}]},
        "effective": on})
}

fn decision(kind: &str, scope: &str, round: u32) -> Value {
    let mut payload = json!({"period": "monitoring-2024", "scope": scope, "round": round});
    if kind == "submission_returned" {
        payload["indicators"] = json!(["diagnosed"]);
        payload["comment"] = json!("diagnosed расходится с реестром диагностик");
    }
    json!({"kind": kind, "payload": payload, "effective": "2025-01-27"})
}

/// The status and rounds of `scope` in a period's status answer.
fn row<'a>(status: &'a Value, scope: &str) -> &'a Value {
    status["scopes"].as_array().unwrap().iter().find(|row| row["scope"] == scope).unwrap()
}

#[tokio::test]
async fn every_status_is_reachable_and_each_round_stays_in_history() {
    let app = App::new().await;
    let ministry = app.token("ministry");
    let (first, second) = (app.token("municipality:38-01"), app.token("municipality:38-02"));
    let status = app.status(None).await;
    assert_eq!(status["due"], "2025-01-20");
    for scope in ["municipality:38-01", "municipality:38-02", "municipality:38-03"] {
        assert_eq!(row(&status, scope)["status"], "missing");
    }

    app.expect(&first, submitted("municipality:38-01", "2025-01-18", 3), StatusCode::CREATED).await;
    app.expect(&second, submitted("municipality:38-02", "2025-01-25", 4), StatusCode::CREATED)
        .await;
    let organisation = app.token("organisation:org-1");
    app.expect(
        &organisation,
        submitted("organisation:org-1", "2025-01-19", 1),
        StatusCode::CREATED,
    )
    .await;
    let before_decisions = app.head();
    let status = app.status(None).await;
    assert_eq!(row(&status, "municipality:38-01")["status"], "submitted");
    assert_eq!(row(&status, "municipality:38-02")["status"], "late");
    assert_eq!(row(&status, "municipality:38-02")["submissions"][0]["late"], true);
    assert_eq!(row(&status, "organisation:org-1")["status"], "submitted");

    app.expect(
        &ministry,
        decision("submission_accepted", "municipality:38-01", 1),
        StatusCode::CREATED,
    )
    .await;
    app.expect(
        &ministry,
        decision("submission_returned", "municipality:38-02", 1),
        StatusCode::CREATED,
    )
    .await;
    let returned_at = app.head();
    assert_eq!(row(&app.status(None).await, "municipality:38-02")["status"], "returned");
    app.expect(&second, submitted("municipality:38-02", "2025-01-29", 5), StatusCode::CREATED)
        .await;
    app.expect(
        &ministry,
        decision("submission_accepted", "municipality:38-02", 2),
        StatusCode::CREATED,
    )
    .await;

    let status = app.status(None).await;
    assert_eq!(row(&status, "municipality:38-01")["status"], "accepted");
    assert_eq!(row(&status, "municipality:38-03")["status"], "missing");
    let history = row(&status, "municipality:38-02");
    assert_eq!(history["status"], "accepted");
    let rounds = history["submissions"].as_array().unwrap();
    assert_eq!(rounds.len(), 2, "both rounds stay: {history}");
    assert_eq!(rounds[0]["decision"]["status"], "returned");
    assert_eq!(rounds[0]["decision"]["indicators"], json!(["diagnosed"]));
    assert!(rounds[0]["decision"]["comment"].as_str().unwrap().contains("реестром"));
    assert_eq!(rounds[0]["figures"][0]["numerator"], 4);
    assert_eq!(rounds[1]["figures"][0]["numerator"], 5);
    assert_eq!(rounds[1]["decision"]["status"], "accepted");

    // As known at past points, the status is what it was then.
    let then = app.status(Some(before_decisions)).await;
    assert_eq!(row(&then, "municipality:38-01")["status"], "submitted");
    assert_eq!(row(&then, "municipality:38-02")["status"], "late");
    let then = app.status(Some(returned_at)).await;
    assert_eq!(row(&then, "municipality:38-02")["status"], "returned");
    assert_eq!(row(&then, "municipality:38-02")["submissions"].as_array().unwrap().len(), 1);

    // The list of periods, and a municipality sees its own row only.
    let (code, periods) = app.call(Method::GET, "/api/v1/periods", &first, None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(periods[0]["id"], "monitoring-2024");
    assert_eq!(periods[0]["status"], "open");
    let (code, own) =
        app.call(Method::GET, "/api/v1/periods/monitoring-2024/status", &first, None).await;
    assert_eq!(code, StatusCode::OK);
    let scopes: Vec<&Value> = own["scopes"].as_array().unwrap().iter().collect();
    let names: Vec<&str> = scopes.iter().map(|row| row["scope"].as_str().unwrap()).collect();
    assert_eq!(names, ["municipality:38-01", "organisation:org-1"], "its scope and its school");
}

#[tokio::test]
async fn accepted_submissions_are_verified_like_reported_figures() {
    let app = App::new().await;
    let (ministry, first) = (app.token("ministry"), app.token("municipality:38-01"));
    let answer = app
        .expect(&first, submitted("municipality:38-01", "2025-01-18", 3), StatusCode::CREATED)
        .await;
    let submission = answer["ids"][0].clone();
    let (_, verification) =
        app.call(Method::GET, "/api/v1/reports/verification", &ministry, None).await;
    assert_eq!(verification["reports"], json!([]), "not accepted yet");
    app.expect(
        &ministry,
        decision("submission_accepted", "municipality:38-01", 1),
        StatusCode::CREATED,
    )
    .await;
    let (code, verification) =
        app.call(Method::GET, "/api/v1/reports/verification", &ministry, None).await;
    assert_eq!(code, StatusCode::OK);
    let reports = verification["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2, "one per figure: {verification}");
    let diagnosed = reports.iter().find(|r| r["reported"]["indicator"] == "diagnosed").unwrap();
    assert_eq!(diagnosed["report"], submission);
    assert_eq!(diagnosed["reported"]["numerator"], 3);
    assert_eq!(diagnosed["reported"]["valid_on"], "2024-12-31");
    // Nothing in this ledger counts: the recomputed figure is 0 of 0, and the hand-entered 3
    // of 10 does not match it then.
    assert_eq!(diagnosed["then"]["numerator"], 0);
    assert_eq!(diagnosed["matches_then"], false);
    let routed = reports.iter().find(|r| r["reported"]["indicator"] == "routed").unwrap();
    assert_eq!(routed["matches_then"], true);
}

#[tokio::test]
async fn refusals_name_the_field_and_write_nothing() {
    let app = App::new().await;
    let (ministry, first) = (app.token("ministry"), app.token("municipality:38-01"));
    let (invalid, forbidden) = (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::FORBIDDEN);
    // Another municipality's submission, and an organisation's for its municipality.
    app.refused(
        &first,
        submitted("municipality:38-02", "2025-01-18", 1),
        forbidden,
        "forbidden",
        "scope",
    )
    .await;
    let organisation = app.token("organisation:org-1");
    app.refused(
        &organisation,
        submitted("municipality:38-01", "2025-01-18", 1),
        forbidden,
        "forbidden",
        "scope",
    )
    .await;
    // A municipality does not open periods nor decide.
    app.refused(
        &first,
        decision("submission_accepted", "municipality:38-01", 1),
        forbidden,
        "forbidden",
        "",
    )
    .await;
    // Unknown period; an indicator outside the set; a figure of the set missing.
    let mut unknown = submitted("municipality:38-01", "2025-01-18", 1);
    unknown["payload"]["period"] = json!("monitoring-1999");
    app.refused(&first, unknown, invalid, "unknown_reference", "period").await;
    let mut outside = submitted("municipality:38-01", "2025-01-18", 1);
    outside["payload"]["figures"][1]["indicator"] = json!("burnout_prevention");
    app.refused(&first, outside, invalid, "invalid_field", "figures.1.indicator").await;
    let mut short = submitted("municipality:38-01", "2025-01-18", 1);
    short["payload"]["figures"].as_array_mut().unwrap().pop();
    app.refused(&first, short, invalid, "invalid_field", "figures").await;
    // A scope the period does not ask; a decision on nothing submitted; a second opening.
    app.refused(
        &ministry,
        decision("submission_accepted", "municipality:38-03", 1),
        invalid,
        "invalid_field",
        "round",
    )
    .await;
    app.refused(&ministry, opened(), invalid, "invalid_field", "period").await;
    // A submission while the last one awaits its decision; a decision on a round already decided.
    app.expect(&first, submitted("municipality:38-01", "2025-01-18", 1), StatusCode::CREATED).await;
    app.refused(
        &first,
        submitted("municipality:38-01", "2025-01-19", 2),
        invalid,
        "invalid_field",
        "scope",
    )
    .await;
    app.refused(
        &ministry,
        decision("submission_accepted", "municipality:38-01", 2),
        invalid,
        "invalid_field",
        "round",
    )
    .await;
    // A later due date only; then closed: no submission, no decision.
    let extended = json!({"kind": "reporting_period_extended",
        "payload": {"period": "monitoring-2024", "due": "2025-01-10", "act": null, "reason": "ошибка"},
        "effective": "2025-01-15"});
    app.refused(&ministry, extended, invalid, "invalid_field", "due").await;
    let extended = json!({"kind": "reporting_period_extended",
        "payload": {"period": "monitoring-2024", "due": "2025-02-01", "act": null,
            "reason": "каникулы"},
        "effective": "2025-01-15"});
    app.expect(&ministry, extended, StatusCode::CREATED).await;
    assert_eq!(app.status(None).await["due"], "2025-02-01");
    let closed = json!({"kind": "reporting_period_closed",
        "payload": {"period": "monitoring-2024"}, "effective": "2025-02-10"});
    app.expect(&ministry, closed, StatusCode::CREATED).await;
    let second = app.token("municipality:38-02");
    app.refused(
        &second,
        submitted("municipality:38-02", "2025-01-25", 1),
        invalid,
        "invalid_field",
        "period",
    )
    .await;
    app.refused(
        &ministry,
        decision("submission_accepted", "municipality:38-01", 1),
        invalid,
        "invalid_field",
        "period",
    )
    .await;
}

/// The demo district: its cycle's statuses, and the due list over HTTP and from the CLI.
#[tokio::test]
async fn demo_cycle_statuses_and_the_due_list_from_api_and_cli_agree() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let data = path.to_str().unwrap().to_string();
    tokio::task::spawn_blocking(move || generate(&path, Scale::District, 1).unwrap())
        .await
        .unwrap();
    let cli = letopis(&[
        "due",
        "--data",
        &data,
        "--scope",
        "region",
        "--date",
        "2024-10-01",
        "--days",
        "60",
        "--format",
        "json",
    ]);
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let table = letopis(&["due", "--data", &data, "--scope", "region", "--date", "2024-10-01"]);
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(table.contains("Просрочено:"), "{table}");

    let ledger = open_ledger(dir.path(), Arc::new(letopis::store::SystemClock)).unwrap();
    let app =
        App { router: router(AppState::new(ledger.clone())), ledger: TempLedger { dir, ledger } };
    let ministry = app.token("ministry");
    let (code, api) = app
        .call(Method::GET, "/api/v1/due?scope=region&date=2024-10-01&days=60", &ministry, None)
        .await;
    assert_eq!(code, StatusCode::OK, "{api}");
    assert_eq!(api, cli, "the API and the CLI list the same");
    let kinds: Vec<&str> = api["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .chain(api["coming"].as_array().unwrap())
        .map(|item| item["kind"].as_str().unwrap())
        .collect();
    for kind in ["activity", "route_step", "registry"] {
        assert!(kinds.contains(&kind), "{kind} in {api}");
    }
    // A municipality reads its own list, not the region's.
    let municipality = app.token("municipality:38-12");
    let (code, _) = app
        .call(Method::GET, "/api/v1/due?scope=region&date=2024-06-01", &municipality, None)
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, own) = app
        .call(
            Method::GET,
            "/api/v1/due?scope=municipality:38-12&date=2024-06-01",
            &municipality,
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK);
    assert!(own["overdue"].as_array().unwrap().iter().all(|item| item["kind"] != "registry"));

    let (_, periods) = app.call(Method::GET, "/api/v1/periods", &ministry, None).await;
    let listed: Vec<(&str, &str)> = periods
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, [("monitoring-2023", "closed"), ("monitoring-2024", "open")]);
    assert_eq!(periods[1]["due"], "2025-02-22", "2024's due date was extended");
    let (_, status) =
        app.call(Method::GET, "/api/v1/periods/monitoring-2023/status", &ministry, None).await;
    let scopes = status["scopes"].as_array().unwrap();
    assert_eq!(scopes.len(), 6, "{status}");
    let count = |wanted: &str| scopes.iter().filter(|row| row["status"] == wanted).count();
    assert_eq!((count("accepted"), count("missing")), (5, 1), "{status}");
    let resubmitted: Vec<&Value> =
        scopes.iter().filter(|row| row["submissions"].as_array().unwrap().len() == 2).collect();
    assert!(!resubmitted.is_empty(), "some were returned and resubmitted");
    assert_eq!(resubmitted[0]["submissions"][0]["decision"]["status"], "returned");
    assert!(scopes.iter().any(|row| row["submissions"][0]["late"] == true), "some were late");
    // Before the decisions (as known at 2024-02-28), the late one reads as late.
    let (_, then) = app
        .call(
            Method::GET,
            "/api/v1/periods/monitoring-2023/status?known_at=2024-02-28T00:00:00Z",
            &ministry,
            None,
        )
        .await;
    let then_scopes = then["scopes"].as_array().unwrap();
    assert!(then_scopes.iter().any(|row| row["status"] == "late"), "{then}");
    assert!(then_scopes.iter().any(|row| row["status"] == "submitted"), "{then}");
    // Between the return and the resubmission (2024-03-02), returned.
    let (_, between) = app
        .call(
            Method::GET,
            "/api/v1/periods/monitoring-2023/status?known_at=2024-03-02T00:00:00Z",
            &ministry,
            None,
        )
        .await;
    assert!(between["scopes"].as_array().unwrap().iter().any(|row| row["status"] == "returned"));

    // The prefill is the catalogue's figure for the period's indicators, and not an event.
    let head = app.head();
    let (code, prefill) = app
        .call(
            Method::GET,
            "/api/v1/periods/monitoring-2024/prefill?scope=municipality:38-12",
            &ministry,
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{prefill}");
    assert_eq!(app.head(), head);
    let (_, catalogue) = app
        .call(
            Method::GET,
            "/api/v1/figures?scope=municipality:38-12&date=2024-12-31",
            &ministry,
            None,
        )
        .await;
    let diagnosed =
        catalogue.as_array().unwrap().iter().find(|f| f["code"] == "diagnosed").unwrap();
    let drafted = &prefill["draft"]["payload"]["figures"][0];
    assert_eq!(drafted["indicator"], "diagnosed");
    assert_eq!(drafted["numerator"], diagnosed["numerator"]);
    assert_eq!(drafted["denominator"], diagnosed["denominator"]);
}
