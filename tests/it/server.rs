//! The HTTP API driven through the `Router` with `oneshot` (no socket): authentication, the
//! role matrix, malformed bodies, appends and reads, idempotency, conflicts, the change feed,
//! the OpenAPI document and metrics.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use letopis::server::auth::{create_token, revoke_token, Role};
use letopis::server::{router, AppState};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::support::TempLedger;

struct App {
    ledger: TempLedger,
    router: Router,
}

impl App {
    fn new() -> App {
        let ledger = TempLedger::new();
        let router = router(AppState::new(ledger.ledger.clone()));
        App { ledger, router }
    }

    fn token(&self, role: &str) -> String {
        let role: Role = role.parse().unwrap();
        create_token(self.ledger.store(), role).unwrap().0
    }

    fn head(&self) -> u64 {
        self.ledger.store().head().seq.0
    }

    /// One request; the body of the answer as JSON (or as a JSON string when it is not JSON).
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> (StatusCode, Value) {
        let response =
            self.router.clone().oneshot(request(method, path, token, body)).await.unwrap();
        let status = response.status();
        let streaming = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes().starts_with(b"text/event-stream"));
        if streaming {
            // A live feed never ends: its status is the answer here (the feed test reads frames).
            return (status, Value::Null);
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    async fn post(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, "/api/v1/commands", Some(token), Some(body.to_string())).await
    }
}

fn request(method: Method, path: &str, token: Option<&str>, body: Option<String>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    match body {
        Some(body) => {
            builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body)).unwrap()
        }
        None => builder.body(Body::empty()).unwrap(),
    }
}

fn municipality(code: &str) -> Value {
    json!({
        "kind": "municipality_registered",
        "payload": {"municipality": code, "name": "Жигаловский район"},
        "effective": "2023-01-01",
    })
}

fn figure(scope: &str) -> Value {
    json!({
        "kind": "figure_reported",
        "payload": {"denominator": 236, "indicator": "diagnosed", "numerator": 24,
            "report": format!("r-{}", uuid::Uuid::now_v7()), "reporter": "МОУО",
            "scope": scope, "valid_on": "2024-12-31", "value_bp": 1017},
        "effective": "2024-12-31",
    })
}

fn target() -> Value {
    json!({
        "kind": "target_set",
        "payload": {"accumulation": "cumulative",
            "act": {"date": "2023-06-13", "kind": "распоряжение", "number": "55-35-мпр", "title": null},
            "deadline": "2024-12-31", "from_year": 2023, "indicator": "fr_by_deficit",
            "scope": "region", "value": {"share_at_least_bp": 950}},
        "effective": "2023-06-13",
        "basis": "распоряжение №55-35-мпр от 13.06.2023",
    })
}

fn mentoring(organisation: &str) -> Value {
    json!({
        "kind": "mentoring_pair_formed",
        "payload": {"mentee": "t-000123", "mentor": "t-000007", "mentoring_program": null,
            "organisation": organisation, "pair": format!("pair-{}", uuid::Uuid::now_v7())},
        "effective": "2023-09-01",
    })
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401() {
    let app = App::new();
    let token = app.token("operator");
    for bad in [None, Some("lt_00"), Some("nonsense"), Some("")] {
        let (status, body) = app.call(Method::GET, "/api/v1/head", bad, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad:?}");
        assert_eq!(body["code"], "unauthorized");
    }
    let (status, _) = app.post("lt_bad", municipality("38-12")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/api/v1/head")
                .header(header::AUTHORIZATION, format!("Basic {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.call(Method::GET, "/api/v1/head", Some(&token), None).await.0, StatusCode::OK);
    // A revoked token stops working at once.
    let (secret, record) = create_token(app.ledger.store(), Role::Auditor).unwrap();
    assert!(revoke_token(app.ledger.store(), &record.id).unwrap());
    assert_eq!(
        app.call(Method::GET, "/api/v1/head", Some(&secret), None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn role_matrix() {
    let app = App::new();
    let operator = app.token("operator");
    let (status, created) = app.post(&operator, municipality("38-12")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["ids"][0].as_str().unwrap().to_string();

    const ROLES: [&str; 5] =
        ["ministry", "operator", "municipality:38-12", "organisation:org-0042", "auditor"];
    enum Call {
        Get(String),
        Post(Value),
    }
    // Each row: the call, then the roles (by index in ROLES) allowed to make it.
    let rows: Vec<(&str, Call, &[usize])> = vec![
        ("head", Call::Get("/api/v1/head".into()), &[0, 1, 2, 3, 4]),
        ("events", Call::Get("/api/v1/events".into()), &[0, 1, 4]),
        ("event by id", Call::Get(format!("/api/v1/events/{id}")), &[0, 1, 4]),
        ("stream", Call::Get("/api/v1/streams/municipality/38-12/events".into()), &[0, 1, 4]),
        ("verify", Call::Get("/api/v1/verify".into()), &[0, 4]),
        ("feed", Call::Get("/api/v1/feed?from=1".into()), &[0, 1, 4]),
        ("registry", Call::Post(municipality("38-13")), &[1]),
        ("target", Call::Post(target()), &[0]),
        ("own municipality figure", Call::Post(figure("municipality:38-12")), &[1, 2]),
        ("other municipality figure", Call::Post(figure("municipality:38-99")), &[1]),
        ("own organisation figure", Call::Post(figure("organisation:org-0042")), &[1, 3]),
        ("own organisation mentoring", Call::Post(mentoring("org-0042")), &[1, 3]),
        ("other organisation mentoring", Call::Post(mentoring("org-0043")), &[1]),
    ];
    let tokens: Vec<String> = ROLES.iter().map(|role| app.token(role)).collect();
    for (name, call, allowed) in &rows {
        for (index, role) in ROLES.iter().enumerate() {
            let token = tokens[index].as_str();
            let (status, body) = match call {
                Call::Get(path) => app.call(Method::GET, path, Some(token), None).await,
                // Every allowed write is a new fact (no id), so each role's attempt is fresh.
                Call::Post(body) => app.post(token, body.clone()).await,
            };
            let expected = match (allowed.contains(&index), call) {
                (false, _) => StatusCode::FORBIDDEN,
                (true, Call::Get(_)) => StatusCode::OK,
                (true, Call::Post(_)) => StatusCode::CREATED,
            };
            assert_eq!(status, expected, "{name} as {role}: {body}");
            if status == StatusCode::FORBIDDEN {
                assert_eq!(body["code"], "forbidden");
            }
        }
    }
}

#[tokio::test]
async fn malformed_bodies_are_400_in_our_format_and_write_nothing() {
    let app = App::new();
    let token = app.token("operator");
    let mut unknown_top = municipality("38-12");
    unknown_top["colour"] = json!("red");
    let mut unknown_payload = municipality("38-12");
    unknown_payload["payload"]["colour"] = json!("red");
    let mut wrong_type = municipality("38-12");
    wrong_type["payload"]["name"] = json!(5);
    let mut wrong_effective_type = municipality("38-12");
    wrong_effective_type["effective"] = json!(20230101);
    let mut unknown_kind = municipality("38-12");
    unknown_kind["kind"] = json!("teacher_beamed_up");
    let cases = [
        ("not json", "{not json".to_string()),
        ("truncated", r#"{"kind": "municipality_registered""#.to_string()),
        ("array", "[]".to_string()),
        ("unknown top-level field", unknown_top.to_string()),
        ("unknown payload field", unknown_payload.to_string()),
        ("wrong payload type", wrong_type.to_string()),
        ("wrong effective type", wrong_effective_type.to_string()),
        ("unknown kind", unknown_kind.to_string()),
        ("empty batch", json!({"commands": []}).to_string()),
    ];
    for (name, body) in cases {
        let (status, answer) =
            app.call(Method::POST, "/api/v1/commands", Some(&token), Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {answer}");
        assert_eq!(answer["code"], "malformed_request", "{name}");
        assert!(answer["message"].as_str().unwrap().starts_with("Запрос не разобран"), "{name}");
        assert_eq!(app.head(), 0, "{name}");
    }
}

#[tokio::test]
async fn invalid_fields_are_422_naming_the_field() {
    let app = App::new();
    let token = app.token("operator");
    let mut bad_date = municipality("38-12");
    bad_date["effective"] = json!("31.12.2024");
    let (status, answer) = app.post(&token, bad_date).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "invalid_field");
    assert_eq!(answer["field"], "commands[0].effective");
    let (status, answer) = app.post(&token, municipality("")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["field"], "commands[0].payload.municipality");
    let retraction = json!({
        "kind": "event_retracted",
        "payload": {"target": uuid::Uuid::now_v7().to_string(), "reason": "ошибка"},
        "effective": "2024-01-01",
    });
    let (status, answer) = app.post(&token, retraction).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "unknown_reference");
    assert_eq!(app.head(), 0);
}

#[tokio::test]
async fn oversized_body_is_413_and_missing_content_type_is_415() {
    let app = App::new();
    let token = app.token("operator");
    let mut big = municipality("38-12");
    big["payload"]["name"] = json!("я".repeat(1024 * 1024));
    let (status, answer) = app.post(&token, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer["code"], "payload_too_large");
    let response = app
        .router
        .clone()
        .oneshot(
            Request::post("/api/v1/commands")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(municipality("38-12").to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.head(), 0);
}

#[tokio::test]
async fn appended_command_is_visible_at_events_head_and_stream() {
    let app = App::new();
    let token = app.token("operator");
    let batch = json!({"commands": [municipality("38-12"), municipality("38-13")]});
    let (status, answer) = app.post(&token, batch).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["seqs"], json!([1, 2]));
    let (_, head) = app.call(Method::GET, "/api/v1/head", Some(&token), None).await;
    assert_eq!(head["seq"], 2);
    let (status, page) =
        app.call(Method::GET, "/api/v1/events?from=1&limit=1", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["events"][0]["seq"], 1);
    assert_eq!(page["events"][0]["stream"], "municipality/38-12");
    assert_eq!(page["events"][0]["kind"], "municipality_registered");
    assert_eq!(page["events"][0]["actor"]["role"], "operator");
    assert!(page["events"][0]["actor"]["id"].as_str().unwrap().starts_with("tok-"));
    assert_eq!(page["next_from"], 2);
    let (_, page) = app.call(Method::GET, "/api/v1/events?from=2", Some(&token), None).await;
    assert_eq!(page["events"].as_array().unwrap().len(), 1);
    assert_eq!(page["next_from"], Value::Null);
    let (_, stream) = app
        .call(Method::GET, "/api/v1/streams/municipality/38-13/events", Some(&token), None)
        .await;
    assert_eq!(stream["events"][0]["seq"], 2);
    let id = answer["ids"][1].as_str().unwrap();
    let (status, event) =
        app.call(Method::GET, &format!("/api/v1/events/{id}"), Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(event["seq"], 2);
    let missing = uuid::Uuid::now_v7();
    let (status, _) =
        app.call(Method::GET, &format!("/api/v1/events/{missing}"), Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, answer) =
        app.call(Method::GET, "/api/v1/events?from=abc", Some(&token), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, verify) =
        app.call(Method::GET, "/api/v1/verify", Some(&app.token("auditor")), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verify["ok"], true);
    assert_eq!(verify["last_seq"], 2);
}

#[tokio::test]
async fn retry_with_the_same_id_returns_the_same_seq() {
    let app = App::new();
    let token = app.token("operator");
    let mut command = municipality("38-12");
    command["id"] = json!(uuid::Uuid::now_v7().to_string());
    let (first_status, first) = app.post(&token, command.clone()).await;
    assert_eq!(first_status, StatusCode::CREATED);
    let (second_status, second) = app.post(&token, command.clone()).await;
    assert_eq!(second_status, StatusCode::OK, "{second}");
    assert_eq!(second["seqs"], first["seqs"]);
    assert_eq!(second["duplicate"], true);
    assert_eq!(app.head(), 1);
    // The same id with other content is a conflict, not a retry.
    command["payload"]["name"] = json!("Другой район");
    let (status, answer) = app.post(&token, command).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(app.head(), 1);
}

#[tokio::test]
async fn expected_version_conflict_is_409() {
    let app = App::new();
    let token = app.token("operator");
    let mut command = municipality("38-12");
    command["expected_version"] = json!(0);
    assert_eq!(app.post(&token, command.clone()).await.0, StatusCode::CREATED);
    let (status, answer) = app.post(&token, command).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "conflict");
    let mut next = municipality("38-12");
    next["expected_version"] = json!(1);
    assert_eq!(app.post(&token, next).await.0, StatusCode::CREATED);
    assert_eq!(app.head(), 2);
}

#[tokio::test]
async fn feed_delivers_catch_up_then_live_events() {
    let app = App::new();
    let token = app.token("operator");
    let batch = json!({"commands": [municipality("38-12"), municipality("38-13")]});
    assert_eq!(app.post(&token, batch).await.0, StatusCode::CREATED);
    let response = app
        .router
        .clone()
        .oneshot(request(Method::GET, "/api/v1/feed?from=2", Some(&token), None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut text = String::new();
    text.push_str(&next_frame(&mut body).await);
    assert!(text.contains("id: 2\n"), "{text}");
    assert!(!text.contains("id: 1\n"), "{text}");
    assert!(text.contains("municipality/38-13"), "{text}");
    // Live: an append after the catch-up arrives on the open feed.
    assert_eq!(app.post(&token, municipality("38-14")).await.0, StatusCode::CREATED);
    let live = next_frame(&mut body).await;
    assert!(live.contains("id: 3\n"), "{live}");
    assert!(live.contains("municipality/38-14"), "{live}");
}

async fn next_frame(body: &mut Body) -> String {
    let frame = tokio::time::timeout(std::time::Duration::from_secs(10), body.frame())
        .await
        .expect("feed stalled")
        .unwrap()
        .unwrap();
    String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap()
}

#[tokio::test]
async fn openapi_lists_the_paths_and_metrics_show_the_head() {
    let app = App::new();
    let token = app.token("operator");
    assert_eq!(app.post(&token, municipality("38-12")).await.0, StatusCode::CREATED);
    let (status, document) = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/commands",
        "/api/v1/head",
        "/api/v1/events",
        "/api/v1/events/{id}",
        "/api/v1/streams/{stream}/events",
        "/api/v1/verify",
        "/api/v1/feed",
        "/healthz",
        "/metrics",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(document["components"]["schemas"].get("ErrorBody").is_some());
    let (status, metrics) = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let metrics = metrics.as_str().unwrap();
    assert!(metrics.contains("letopis_head_seq 1\n"), "{metrics}");
    // No projection query has run yet, so the projections lag the one event.
    assert!(metrics.contains("letopis_projection_lag_events 1\n"), "{metrics}");
    assert!(metrics.contains("letopis_appends_total 1\n"), "{metrics}");
    assert!(metrics.contains("letopis_append_latency_seconds_bucket{le=\"+Inf\"} 1\n"));
    let (status, health) = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "ok");
    let (status, answer) = app.call(Method::GET, "/api/v1/nowhere", Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["code"], "not_found");
}
