//! The projection views of the HTTP API (figures, evidence, report verification, plans, routes,
//! registry) over the demo district, driven through the `Router` with `oneshot` (no socket):
//! the CLI's JSON, the scoped role checks, known-then versus known-now, and bad parameters.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use letopis::cli::demo::DemoSummary;
use letopis::server::auth::{create_token, Role};
use letopis::store::Ledger;
use proto_events::archive::{verify_archive, Checkpoint};
use serde_json::Value;
use tower::ServiceExt;

use crate::support::district_with_router;

/// The demo district, generated once for this module (the directory outlives the test run's
/// statics, so it is left in the temp directory).
struct Demo {
    ledger: Ledger,
    router: Router,
    summary: DemoSummary,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let (ledger, router, summary) = district_with_router();
        Demo { ledger, router, summary }
    })
}

impl Demo {
    fn token(&self, role: &str) -> String {
        let role: Role = role.parse().unwrap();
        create_token(self.ledger.store(), role).unwrap().0
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    /// The demo's corrected 2024 report of `diagnosed` in 38-12, as the verification lists it.
    async fn corrected_report(&self, token: &str) -> Value {
        let (status, body) = self.get("/api/v1/reports/verification", token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["reported"]["report"] == "rep-2024-38-12-diagnosed")
            .cloned()
            .unwrap_or_else(|| panic!("no rep-2024-38-12-diagnosed in {body}"))
    }
}

fn figure<'a>(figures: &'a Value, code: &str) -> &'a Value {
    figures.as_array().unwrap().iter().find(|figure| figure["code"] == code).unwrap()
}

#[tokio::test]
async fn figures_for_the_region_are_the_cli_objects() {
    let demo = demo();
    let ministry = demo.token("ministry");
    let (status, body) = demo.get("/api/v1/figures?scope=region&date=2024-12-31", &ministry).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let figures = body.as_array().unwrap();
    assert_eq!(figures.len(), 32);
    let keys = [
        "code",
        "scope",
        "date",
        "known_at_seq",
        "numerator",
        "denominator",
        "value",
        "targets",
        "met",
        "evidence_count",
    ];
    for object in figures {
        for key in keys {
            assert!(object.get(key).is_some(), "{key} missing in {object}");
        }
        assert!(object.get("evidence").is_none(), "evidence only on request");
        assert_eq!(object["scope"], "region");
        assert_eq!(object["date"], "2024-12-31");
    }
    let (status, body) =
        demo.get("/api/v1/figures?scope=region&date=2024-12-31&evidence=true", &ministry).await;
    assert_eq!(status, StatusCode::OK);
    let diagnosed = figure(&body, "diagnosed");
    assert_eq!(diagnosed["evidence"].as_array().unwrap().len() as u64, diagnosed["evidence_count"]);
}

#[tokio::test]
async fn secrecy_1_municipality_reads_only_its_own_scope() {
    let demo = demo();
    let own = demo.token("municipality:38-12");
    let other = demo.token("municipality:38-99");
    let path = "/api/v1/figures?scope=municipality:38-12&date=2024-12-31";
    assert_eq!(demo.get(path, &own).await.0, StatusCode::OK);
    let (status, body) = demo.get(path, &other).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "forbidden");
    let region = "/api/v1/figures?scope=region&date=2024-12-31";
    assert_eq!(demo.get(region, &own).await.0, StatusCode::FORBIDDEN);
    assert_eq!(demo.get(region, &demo.token("auditor")).await.0, StatusCode::OK);
    assert_eq!(demo.get(region, &demo.token("operator")).await.0, StatusCode::OK);

    // An organisation in 38-12: its municipality and itself may read it, others may not.
    let (status, registry) =
        demo.get("/api/v1/registry/organisations?municipality=38-12&date=2024-12-31", &own).await;
    assert_eq!(status, StatusCode::OK, "{registry}");
    let organisations = registry["organisations"].as_array().unwrap();
    assert!(!organisations.is_empty());
    for organisation in organisations {
        assert_eq!(organisation["municipality"], "38-12");
        assert!(organisation.get("kind").is_some() && organisation.get("low_results").is_some());
    }
    let org = organisations[0]["organisation"].as_str().unwrap();
    let path = format!("/api/v1/figures?scope=organisation:{org}&date=2024-12-31");
    assert_eq!(demo.get(&path, &own).await.0, StatusCode::OK);
    assert_eq!(demo.get(&path, &other).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        demo.get(&path, &demo.token(&format!("organisation:{org}"))).await.0,
        StatusCode::OK
    );
    assert_eq!(
        demo.get(&path, &demo.token("organisation:someone-else")).await.0,
        StatusCode::FORBIDDEN
    );
    let region_registry = "/api/v1/registry/organisations?date=2024-12-31";
    assert_eq!(demo.get(region_registry, &own).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn known_at_the_report_differs_from_known_now() {
    let demo = demo();
    let ministry = demo.token("ministry");
    let case = demo.summary.dashboard_2024.clone().expect("dashboard case");
    assert_eq!(case.report.as_deref(), Some("rep-2024-38-12-diagnosed"), "{case:?}");
    let report = demo.corrected_report(&ministry).await;
    let report_seq = report["report_seq"].as_u64().unwrap();
    assert!(case.events.iter().any(|(_, seq)| *seq == report_seq), "{case:?}");
    let date = report["reported"]["valid_on"].as_str().unwrap();

    let base = format!("/api/v1/figures?scope=municipality:38-12&date={date}");
    let (status, then) = demo.get(&format!("{base}&known_at={report_seq}"), &ministry).await;
    assert_eq!(status, StatusCode::OK, "{then}");
    let (status, now) = demo.get(&base, &ministry).await;
    assert_eq!(status, StatusCode::OK);
    let then = figure(&then, "diagnosed");
    let now = figure(&now, "diagnosed");
    assert_eq!(then["known_at_seq"].as_u64(), Some(report_seq));
    assert_eq!(now["known_at_seq"].as_u64(), Some(demo.summary.head_seq));
    assert_ne!(then["numerator"], now["numerator"], "then {then}, now {now}");
    assert_eq!(then["numerator"], report["then"]["numerator"]);
    assert_eq!(now["numerator"], report["now"]["numerator"]);
}

#[tokio::test]
async fn verification_lists_the_corrected_report() {
    let demo = demo();
    let report = demo.corrected_report(&demo.token("auditor")).await;
    let reported = &report["reported"]["numerator"];
    let then = &report["then"]["numerator"];
    let now = &report["now"]["numerator"];
    assert!(then != now || reported != now, "{report}");
    assert_eq!(report["matches_now"], false);
    assert!(!report["changed_by"].as_array().unwrap().is_empty(), "{report}");
    // A municipality sees its own reports only; an organisation none of the municipal ones.
    let (status, body) =
        demo.get("/api/v1/reports/verification", &demo.token("municipality:38-99")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["reports"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn evidence_ids_are_events_of_the_ledger() {
    let demo = demo();
    let ministry = demo.token("ministry");
    let (status, body) = demo
        .get(
            "/api/v1/figures/diagnosed/evidence?scope=municipality:38-12&date=2024-12-31",
            &ministry,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let evidence = body["evidence"].as_array().unwrap();
    assert!(!evidence.is_empty());
    assert_eq!(evidence.len() as u64, body["evidence_count"].as_u64().unwrap());
    for item in evidence.iter().take(5) {
        let id = item["id"].as_str().unwrap();
        let (status, event) = demo.get(&format!("/api/v1/events/{id}"), &ministry).await;
        assert_eq!(status, StatusCode::OK, "{id}");
        assert_eq!(event["seq"], item["seq"]);
    }
    let (status, _) = demo.get("/api/v1/figures/no_such_figure/evidence", &ministry).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn plans_and_routes_answer_the_cli_json() {
    let demo = demo();
    let operator = demo.token("operator");
    let (status, plans) = demo.get("/api/v1/plans?date=2024-12-31", &operator).await;
    assert_eq!(status, StatusCode::OK, "{plans}");
    let plans = plans.as_array().unwrap();
    assert!(!plans.is_empty());
    assert!(plans.iter().all(|plan| plan["sections"].is_array()));

    let (status, routes) = demo.get("/api/v1/routes?date=2024-12-31", &operator).await;
    assert_eq!(status, StatusCode::OK);
    let routes = routes.as_array().unwrap();
    let routed = routes
        .iter()
        .find(|view| !view["routes"].as_array().unwrap().is_empty())
        .expect("a teacher with a route");
    let teacher = routed["teacher"].as_str().unwrap();
    let (status, one) =
        demo.get(&format!("/api/v1/teachers/{teacher}/routes?date=2024-12-31"), &operator).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one, Value::Array(vec![routed.clone()]));
    let (status, body) = demo
        .get(
            &format!("/api/v1/teachers/{teacher}/routes?date=2024-12-31"),
            &demo.token("organisation:someone-else"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let (status, supported) =
        demo.get("/api/v1/routes?supporter=nobody&date=2024-12-31", &operator).await;
    assert_eq!(status, StatusCode::OK, "{supported}");
    assert_eq!(supported["supporter"], "nobody");
    assert_eq!(supported["teachers"], Value::Array(Vec::new()));
}

/// The organisation employing `teacher` on 2024-12-31, from its stream as the operator reads it.
/// Issue #20 (load): plans and routes, whose bodies are arrays, name the seq they are as of in
/// the `known-at-seq` header: at "now" a head state (here, no fold is in flight: the head); at
/// a knowledge point, that point.
#[tokio::test]
async fn issue_20_plans_and_routes_name_the_seq_they_are_as_of() {
    let demo = demo();
    let operator = demo.token("operator");
    for (path, at) in [
        ("/api/v1/plans?date=2024-12-31", None),
        ("/api/v1/plans?date=2024-12-31&known_at=5", Some(5)),
        ("/api/v1/routes?date=2024-12-31", None),
        ("/api/v1/routes?date=2024-12-31&known_at=7", Some(7)),
    ] {
        let before = demo.ledger.store().head().seq.0;
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {operator}"))
            .body(Body::empty())
            .unwrap();
        let response = demo.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let seq = response.headers().get("known-at-seq").and_then(|value| value.to_str().ok());
        let seq: u64 = seq.and_then(|seq| seq.parse().ok()).unwrap_or_else(|| panic!("{path}"));
        match at {
            Some(at) => assert_eq!(seq, at, "{path}"),
            None => {
                assert!((before..=demo.ledger.store().head().seq.0).contains(&seq), "{path}: {seq}")
            }
        }
    }
}

async fn employer(demo: &Demo, teacher: &str, operator: &str) -> String {
    let path = format!("/api/v1/streams/teacher/{teacher}/events?limit=1000");
    let (status, page) = demo.get(&path, operator).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut employer = None;
    for event in page["events"].as_array().unwrap() {
        let on = event["effective"].as_str().unwrap_or("");
        if on > "2024-12-31" {
            continue;
        }
        match event["kind"].as_str().unwrap() {
            "teacher_hired" => employer = event["payload"]["organisation"].as_str(),
            "teacher_moved" => employer = event["payload"]["to_organisation"].as_str(),
            "teacher_left" => employer = None,
            _ => {}
        }
    }
    employer.expect("the teacher is employed on 2024-12-31").to_string()
}

/// For a municipality or organisation token, every projection read that names an entity answers
/// the same for one outside its scope as for one that does not exist: the same status and body
/// but for the id it named. One teacher's routes (404, no employer named), a supporter's
/// teachers (an empty list), and the `scope` / `municipality` parameters of the figures, the
/// evidence, the figure export and the registry (403 naming only what was asked).
#[tokio::test]
async fn secrecy_2_a_scoped_token_cannot_tell_an_entity_outside_its_scope_from_an_unknown_one() {
    let demo = demo();
    let operator = demo.token("operator");
    // A teacher with an open route that someone supports, their employer and its municipality.
    let (status, routes) = demo.get("/api/v1/routes?date=2024-12-31", &operator).await;
    assert_eq!(status, StatusCode::OK, "{routes}");
    let (teacher, supporter) = routes
        .as_array()
        .unwrap()
        .iter()
        .find_map(|view| {
            view["routes"].as_array().unwrap().iter().find_map(|route| {
                let supporter = route["supporters"].as_array()?.first()?;
                let person = supporter["person"].as_str().or_else(|| supporter.as_str())?;
                (route["status"] == "open")
                    .then(|| (view["teacher"].as_str().unwrap().to_string(), person.to_string()))
            })
        })
        .expect("a supported open route in the demo");
    let organisation = employer(demo, &teacher, &operator).await;
    let (status, registry) =
        demo.get("/api/v1/registry/organisations?date=2024-12-31", &operator).await;
    assert_eq!(status, StatusCode::OK, "{registry}");
    let organisations = registry["organisations"].as_array().unwrap();
    let municipality_of = |org: &str| {
        organisations.iter().find(|entry| entry["organisation"] == org).unwrap()["municipality"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let municipality = municipality_of(&organisation);
    // Scoped tokens outside: another organisation, and another municipality when there is one.
    let other_organisation = organisations
        .iter()
        .map(|entry| entry["organisation"].as_str().unwrap())
        .find(|org| *org != organisation)
        .expect("a second organisation")
        .to_string();
    let other_municipality = organisations
        .iter()
        .filter_map(|entry| entry["municipality"].as_str())
        .find(|code| *code != municipality)
        .unwrap_or("38-98")
        .to_string();
    let outsiders = [
        format!("organisation:{other_organisation}"),
        format!("municipality:{other_municipality}"),
    ];

    // Insiders read the teacher and see them among the supporter's teachers.
    let insiders = [format!("organisation:{organisation}"), format!("municipality:{municipality}")];
    for role in &insiders {
        let token = demo.token(role);
        let path = format!("/api/v1/teachers/{teacher}/routes?date=2024-12-31");
        let (status, body) = demo.get(&path, &token).await;
        assert_eq!(status, StatusCode::OK, "{role}: {body}");
        let path = format!("/api/v1/routes?supporter={supporter}&date=2024-12-31");
        let (status, body) = demo.get(&path, &token).await;
        assert_eq!(status, StatusCode::OK, "{role}: {body}");
        assert!(
            body["teachers"].as_array().unwrap().iter().any(|t| t == teacher.as_str()),
            "{role}: {body}"
        );
    }

    let blind = |body: &Value, named: &str| body.to_string().replace(named, "<named>");
    // Each read: a path with `{}` for the id, the id outside the scope, an unknown one, and the
    // status both answer.
    let cases: Vec<(&str, String, &str, StatusCode)> = vec![
        (
            "/api/v1/teachers/{}/routes?date=2024-12-31",
            teacher.clone(),
            "t-999999999",
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/routes?supporter={}&date=2024-12-31",
            supporter.clone(),
            "p-nobody-at-all",
            StatusCode::OK,
        ),
        (
            "/api/v1/figures?scope=organisation:{}&date=2024-12-31",
            organisation.clone(),
            "org-nowhere",
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/v1/figures/diagnosed/evidence?scope=organisation:{}&date=2024-12-31",
            organisation.clone(),
            "org-nowhere",
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/v1/export/figures.csv?scope=organisation:{}&date=2024-12-31",
            organisation.clone(),
            "org-nowhere",
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/v1/figures?scope=municipality:{}&date=2024-12-31",
            municipality.clone(),
            "38-00",
            StatusCode::FORBIDDEN,
        ),
        (
            "/api/v1/registry/organisations?municipality={}&date=2024-12-31",
            municipality.clone(),
            "38-00",
            StatusCode::FORBIDDEN,
        ),
    ];
    for role in &outsiders {
        let token = demo.token(role);
        for (template, existing, unknown, status) in &cases {
            let (answered, outside) = demo.get(&template.replace("{}", existing), &token).await;
            let (answered_unknown, missing) =
                demo.get(&template.replace("{}", unknown), &token).await;
            assert_eq!(answered, *status, "{role} {template} {existing}: {outside}");
            assert_eq!(answered_unknown, *status, "{role} {template} {unknown}: {missing}");
            assert_eq!(
                blind(&outside, existing),
                blind(&missing, unknown),
                "{role} {template}: outside the scope answers as unknown"
            );
            if existing != &organisation {
                assert!(
                    !outside.to_string().contains(&organisation),
                    "{role} {template}: {outside}"
                );
            }
        }
    }
    // The 404 of one teacher, pinned.
    let token = demo.token(&outsiders[0]);
    let (_, body) =
        demo.get(&format!("/api/v1/teachers/{teacher}/routes?date=2024-12-31"), &token).await;
    assert_eq!(
        body,
        serde_json::json!({"code": "not_found", "message": format!("Не найдено: педагог {teacher}.")})
    );
    // Region-wide roles read any teacher.
    let (status, body) =
        demo.get(&format!("/api/v1/teachers/{teacher}/routes?date=2024-12-31"), &operator).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) =
        demo.get("/api/v1/teachers/t-999999999/routes?date=2024-12-31", &operator).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn bad_parameters_are_400_naming_the_parameter() {
    let demo = demo();
    let ministry = demo.token("ministry");
    for (path, field) in [
        ("/api/v1/figures?date=31.12.2024", "date"),
        ("/api/v1/figures?known_at=yesterday", "known_at"),
        ("/api/v1/figures?scope=district:1", "scope"),
        ("/api/v1/plans?date=2024-13-01", "date"),
        ("/api/v1/routes?known_at=2024-12-31", "known_at"),
    ] {
        let (status, body) = demo.get(path, &ministry).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["field"], field, "{path}: {body}");
        assert!(body["message"].as_str().unwrap().contains(field), "{body}");
    }
    let (status, body) = demo.get("/api/v1/figures?colour=red", &ministry).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn openapi_lists_the_views() {
    let demo = demo();
    let request = Request::builder().uri("/openapi.json").body(Body::empty()).unwrap();
    let response = demo.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    for path in [
        "/api/v1/figures",
        "/api/v1/figures/{code}/evidence",
        "/api/v1/reports/verification",
        "/api/v1/plans",
        "/api/v1/teachers/{id}/routes",
        "/api/v1/routes",
        "/api/v1/registry/organisations",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
}

#[tokio::test]
async fn the_auditor_downloads_the_log_and_verifies_it_offline() {
    let demo = demo();
    let auditor = demo.token("auditor");
    let head = demo.ledger.store().head();
    let download = |path: String, token: String| async move {
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let response = demo.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let kind = response.headers().get(header::CONTENT_TYPE).cloned();
        (status, kind, response.into_body().collect().await.unwrap().to_bytes())
    };
    let (status, kind, bytes) = download("/api/v1/log".into(), auditor.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind.unwrap(), "application/octet-stream");
    let summary = verify_archive(&bytes[..], true, &[], 0, |_| {}).expect("the archive verifies");
    assert_eq!(summary.chain.events, head.seq.0);
    assert_eq!(summary.chain.last_hash, head.hash);

    // A later range chains onto a checkpoint taken from an earlier download.
    let (_, _, first) = download("/api/v1/log?to=1000".into(), auditor.clone()).await;
    let first = verify_archive(&first[..], false, &[], 0, |_| {}).unwrap();
    let (_, _, rest) = download("/api/v1/log?from=1001".into(), auditor.clone()).await;
    let checkpoint = Checkpoint { seq: first.chain.last_seq, hash: first.chain.last_hash };
    let rest = verify_archive(&rest[..], false, &[], 0, |_| {}).unwrap();
    assert_eq!(rest.header.prev_hash, checkpoint.hash);
    let pinned = verify_archive(&bytes[..], false, &[checkpoint], 0, |_| {}).unwrap();
    assert_eq!(pinned.checkpoints, 1);

    // The whole raw log is the auditor's and the ministry's, not a municipality's.
    let (status, _, _) = download("/api/v1/log".into(), demo.token("municipality:38-12")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = download("/api/v1/log?from=999999999".into(), auditor).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_role_reads_the_indicator_definitions_as_the_cli_prints_them() {
    let demo = demo();
    let cli = crate::support::letopis(&["indicators", "--format", "json"]);
    assert!(cli.status.success());
    let printed: Value = serde_json::from_slice(&cli.stdout).unwrap();
    for role in ["ministry", "operator", "auditor", "municipality:38-12"] {
        let (status, body) = demo.get("/api/v1/indicators", &demo.token(role)).await;
        assert_eq!(status, StatusCode::OK, "{role}: {body}");
        assert_eq!(body, printed, "{role}");
    }
    let request = Request::builder().uri("/api/v1/indicators").body(Body::empty()).unwrap();
    let response = demo.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
