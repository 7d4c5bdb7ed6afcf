//! The HTTP API driven through the `Router` with `oneshot` (no socket): authentication, the
//! role matrix (commands go through the command gate, as from the CLI), malformed bodies,
//! appends and reads, idempotency, conflicts, scope-filtered event reads, the change feed,
//! verification with progress and its cancellation at shutdown, the OpenAPI document and metrics.

use std::cell::Cell;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use letopis::commands::open_ledger;
use letopis::server::auth::{create_token, revoke_token, Role};
use letopis::server::{router, AppState};
use proto_events::vocabulary::{
    CompetenceCode, CompletionId, CourseCompleted, DiagnosticProcedureRegistered, EventCorrected,
    MentoringPairFormed, MunicipalityCode, OrgId, OrganisationKind, OrganisationRegistered, PairId,
    Payload, PlanCreated, PlanId, PlanLevel, Position, ProcedureId, ProcedureLevel, ProgramForm,
    ProgramId, ProgramKind, ProgramRegistered, ProgramTopic, Replacement, TeacherHired, TeacherId,
};
use proto_events::{Date, EventId};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::support::{FixedClock, StepClock, TempLedger};

struct App {
    ledger: TempLedger,
    state: AppState,
    router: Router,
}

impl App {
    /// A server over a ledger with the command gate, as `letopis serve` runs it.
    fn new() -> App {
        App::with_clock(StepClock::new())
    }

    /// `new` with the ledger (and so the server) reading `clock`.
    fn with_clock(clock: std::sync::Arc<dyn letopis::store::Clock>) -> App {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open_ledger(dir.path(), clock).unwrap();
        let ledger = TempLedger { dir, ledger };
        let state = AppState::new(ledger.ledger.clone());
        let router = router(state.clone());
        App { ledger, state, router }
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

    /// A command posted; the status and the body's bytes as answered.
    async fn post_raw(&self, token: &str, body: Value) -> (StatusCode, Vec<u8>) {
        let request =
            request(Method::POST, "/api/v1/commands", Some(token), Some(body.to_string()));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
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
    // A revoked token stops working at once, even after the server cached it as verified.
    let (secret, record) = create_token(app.ledger.store(), Role::Auditor).unwrap();
    assert_eq!(app.call(Method::GET, "/api/v1/head", Some(&secret), None).await.0, StatusCode::OK);
    assert!(revoke_token(app.ledger.store(), &record.id).unwrap());
    assert_eq!(
        app.call(Method::GET, "/api/v1/head", Some(&secret), None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

/// A command body from a typed payload: `{"kind","payload","effective"}`.
fn command(payload: impl Into<Payload>, effective: &str) -> Value {
    let mut body = serde_json::to_value(payload.into()).unwrap();
    body["effective"] = json!(effective);
    body
}

fn day(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd(y, m, d).unwrap()
}

fn organisation(id: &str, municipality: Option<&str>) -> Value {
    command(
        OrganisationRegistered {
            organisation: OrgId::new(id).unwrap(),
            name: format!("Школа {id}"),
            // Only a provider of further training may sit outside every municipality.
            kind: match municipality {
                Some(_) => OrganisationKind::General,
                None => OrganisationKind::DpoProvider,
            },
            municipality: municipality.map(|code| MunicipalityCode::new(code).unwrap()),
        },
        "2020-01-01",
    )
}

fn hire(teacher: &str, organisation: &str) -> Value {
    command(
        TeacherHired {
            teacher: TeacherId::new(teacher).unwrap(),
            organisation: OrgId::new(organisation).unwrap(),
            position: Position::Teacher,
            career_start: day(2010, 9, 1),
            birth_year: 1985,
        },
        "2020-09-01",
    )
}

fn completion(id: &str, teacher: &str) -> Value {
    command(
        CourseCompleted {
            completion: CompletionId::new(id).unwrap(),
            teacher: TeacherId::new(teacher).unwrap(),
            program: ProgramId::new("p1").unwrap(),
            completed_on: day(2024, 3, 1),
            certificate_number: "772400012345".into(),
            hours: 36,
            provider: OrgId::new("iro").unwrap(),
            route_step: None,
        },
        "2024-03-01",
    )
}

fn pair(id: &str, organisation: &str, mentor: &str, mentee: &str) -> Value {
    command(
        MentoringPairFormed {
            pair: PairId::new(id).unwrap(),
            mentor: TeacherId::new(mentor).unwrap(),
            mentee: TeacherId::new(mentee).unwrap(),
            organisation: OrgId::new(organisation).unwrap(),
            mentoring_program: None,
        },
        "2023-09-01",
    )
}

fn plan(id: &str, level: PlanLevel, owner: &str) -> Value {
    command(
        PlanCreated {
            plan: PlanId::new(id).unwrap(),
            level,
            title: "План мероприятий".into(),
            period_from_year: 2023,
            period_to_year: 2025,
            owner: owner.into(),
        },
        // Within a municipality's dating window (from 1 September of the previous school year)
        // of the test clock's 2025-01-15.
        "2024-01-01",
    )
}

/// Municipalities 38-12 and 38-99; the provider `iro`; org-0042 in 38-12 with teachers
/// t-000123 and t-000007; org-0043 in 38-99 with t-000200 and t-000201; program p1. Returns the
/// ids of the 38-12 and org-0043 registrations.
async fn small_region(app: &App, operator: &str) -> (String, String) {
    let program = command(
        ProgramRegistered {
            program: ProgramId::new("p1").unwrap(),
            title: "Функциональная грамотность".into(),
            kind: ProgramKind::FurtherTraining,
            hours: 36,
            provider: OrgId::new("iro").unwrap(),
            form: ProgramForm::Course,
            topics: std::collections::BTreeSet::from([ProgramTopic::FunctionalLiteracy]),
        },
        "2020-01-01",
    );
    let batch = json!({"commands": [
        municipality("38-12"),
        municipality("38-99"),
        organisation("iro", None),
        organisation("org-0042", Some("38-12")),
        organisation("org-0043", Some("38-99")),
        hire("t-000123", "org-0042"),
        hire("t-000007", "org-0042"),
        hire("t-000200", "org-0043"),
        hire("t-000201", "org-0043"),
        program,
    ]});
    let (status, created) = app.post(operator, batch).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = |index: usize| created["ids"][index].as_str().unwrap().to_string();
    (id(0), id(4))
}

#[tokio::test]
async fn role_matrix() {
    let app = App::new();
    let operator = app.token("operator");
    let (own_municipality, other_organisation) = small_region(&app, &operator).await;
    // Reports to retract, one per attempt: a retraction is authorised as the event it retracts.
    let reports: Vec<Value> = (0..10)
        .map(|n| figure(if n < 5 { "municipality:38-12" } else { "municipality:38-99" }))
        .collect();
    let (status, recorded) = app.post(&operator, json!({ "commands": reports })).await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    let report_ids: Vec<String> =
        (0..10).map(|n| recorded["ids"][n].as_str().unwrap().to_string()).collect();
    let taken = Cell::new(0usize);
    let retract = |first: usize| {
        let report_ids = &report_ids;
        let taken = &taken;
        move || {
            taken.set(taken.get() + 1);
            json!({
                "kind": "event_retracted",
                "payload": {"target": report_ids[first + (taken.get() - 1) % 5], "reason": "ошибка"},
                "effective": "2025-01-10",
            })
        }
    };
    let procedure = |n: u32| {
        command(
            DiagnosticProcedureRegistered {
                procedure: ProcedureId::new(format!("d-{n}")).unwrap(),
                title: "Диагностика профессиональных дефицитов".into(),
                level: ProcedureLevel::Regional,
                competences: std::collections::BTreeSet::from([CompetenceCode::new("c1").unwrap()]),
            },
            "2023-01-01",
        )
    };

    const ROLES: [&str; 5] =
        ["ministry", "operator", "municipality:38-12", "organisation:org-0042", "auditor"];
    // A fresh suffix per attempt, so every allowed write is a new fact.
    let fresh = Cell::new(0u32);
    let next = || {
        fresh.set(fresh.get() + 1);
        fresh.get()
    };
    enum Call<'a> {
        Get(String),
        /// A single event by id: refused as an unknown id (404), not 403, so that a scoped
        /// token cannot probe which ids exist.
        GetEvent(String),
        Post(&'a str, Box<dyn Fn() -> Value + 'a>),
        /// A retraction: refused to a scoped role as an unknown target (422 `unknown_reference`),
        /// not 403, so that it cannot probe which event ids exist outside its scope; refused to
        /// a region-wide role as forbidden (403).
        PostRetraction(Box<dyn Fn() -> Value + 'a>),
        /// An event about a teacher: refused to an organisation whose teacher it is not as an
        /// unknown teacher (422 `unknown_reference`), not 403, so that it cannot tell who works
        /// elsewhere; refused by the kind (403) to a role that may not record it at all.
        PostAboutTeacher(&'a str, Box<dyn Fn() -> Value + 'a>),
    }
    // Each row: the call, then the roles (by index in ROLES) allowed to make it.
    let rows: Vec<(&str, Call, &[usize])> = vec![
        ("head", Call::Get("/api/v1/head".into()), &[0, 1, 2, 3, 4]),
        (
            "events (filtered for scoped roles)",
            Call::Get("/api/v1/events".into()),
            &[0, 1, 2, 3, 4],
        ),
        (
            "feed (filtered for scoped roles)",
            Call::Get("/api/v1/feed?from=1".into()),
            &[0, 1, 2, 3, 4],
        ),
        (
            "own municipality's event",
            Call::GetEvent(format!("/api/v1/events/{own_municipality}")),
            &[0, 1, 2, 4],
        ),
        (
            "other municipality's organisation event",
            Call::GetEvent(format!("/api/v1/events/{other_organisation}")),
            &[0, 1, 4],
        ),
        (
            "own municipality stream",
            Call::Get("/api/v1/streams/municipality/38-12/events".into()),
            &[0, 1, 2, 4],
        ),
        (
            "other municipality stream",
            Call::Get("/api/v1/streams/municipality/38-99/events".into()),
            &[0, 1, 4],
        ),
        (
            "own organisation stream",
            Call::Get("/api/v1/streams/org/org-0042/events".into()),
            &[0, 1, 2, 3, 4],
        ),
        (
            "own teacher stream",
            Call::Get("/api/v1/streams/teacher/t-000123/events".into()),
            &[0, 1, 2, 3, 4],
        ),
        (
            "other municipality's teacher stream",
            Call::Get("/api/v1/streams/teacher/t-000200/events".into()),
            &[0, 1, 4],
        ),
        ("program stream", Call::Get("/api/v1/streams/program/p1/events".into()), &[0, 1, 4]),
        ("verify", Call::Get("/api/v1/verify".into()), &[0, 4]),
        (
            "export figures of the region (xlsx)",
            Call::Get("/api/v1/export/figures.xlsx?date=2024-12-31".into()),
            &[0, 1, 4],
        ),
        (
            "export figures of own municipality (csv)",
            Call::Get("/api/v1/export/figures.csv?scope=municipality:38-12&date=2024-12-31".into()),
            &[0, 1, 2, 4],
        ),
        (
            "export figures of own organisation (csv)",
            Call::Get(
                "/api/v1/export/figures.csv?scope=organisation:org-0042&date=2024-12-31".into(),
            ),
            &[0, 1, 2, 3, 4],
        ),
        (
            "registry: municipality",
            Call::Post(
                "municipality_registered",
                Box::new(|| municipality(&format!("38-{}", 100 + next()))),
            ),
            &[1],
        ),
        (
            "registry: organisation in own municipality",
            Call::Post(
                "organisation_registered",
                Box::new(|| organisation(&format!("org-a{}", next()), Some("38-12"))),
            ),
            &[1, 2],
        ),
        (
            "registry: organisation in another municipality",
            Call::Post(
                "organisation_registered",
                Box::new(|| organisation(&format!("org-b{}", next()), Some("38-99"))),
            ),
            &[1],
        ),
        (
            "teacher hired into own organisation",
            Call::Post(
                "teacher_hired",
                Box::new(|| hire(&format!("t-1{:05}", next()), "org-0042")),
            ),
            &[1, 2],
        ),
        (
            "teacher hired into another municipality's organisation",
            Call::Post(
                "teacher_hired",
                Box::new(|| hire(&format!("t-2{:05}", next()), "org-0043")),
            ),
            &[1],
        ),
        ("target", Call::Post("target_set", Box::new(target)), &[0]),
        (
            "registry: diagnostic procedure",
            Call::Post("diagnostic_procedure_registered", Box::new(|| procedure(next()))),
            &[1],
        ),
        (
            "retraction of a report about itself",
            Call::PostRetraction(Box::new(retract(0))),
            &[1, 2],
        ),
        (
            "retraction of another municipality's report",
            Call::PostRetraction(Box::new(retract(5))),
            &[1],
        ),
        (
            "regional plan",
            Call::Post(
                "plan_created",
                Box::new(|| plan(&format!("pl-r{}", next()), PlanLevel::Regional, "министерство")),
            ),
            &[0, 1],
        ),
        (
            "municipal plan",
            Call::Post(
                "plan_created",
                Box::new(|| {
                    plan(&format!("pl-m{}", next()), PlanLevel::Municipal, "municipality:38-12")
                }),
            ),
            &[2],
        ),
        (
            "completion of own teacher",
            Call::Post(
                "course_completed",
                Box::new(|| completion(&format!("c-a{}", next()), "t-000123")),
            ),
            &[1, 3],
        ),
        (
            "completion of another organisation's teacher",
            Call::PostAboutTeacher(
                "course_completed",
                Box::new(|| completion(&format!("c-b{}", next()), "t-000200")),
            ),
            &[1],
        ),
        (
            "own municipality figure",
            Call::Post("figure_reported", Box::new(|| figure("municipality:38-12"))),
            &[1, 2],
        ),
        (
            "other municipality figure",
            Call::Post("figure_reported", Box::new(|| figure("municipality:38-99"))),
            &[1],
        ),
        // An organisation's figures are reported by its municipality (`commands::authority`).
        (
            "own organisation figure",
            Call::Post("figure_reported", Box::new(|| figure("organisation:org-0042"))),
            &[1, 2],
        ),
        (
            "other municipality's organisation figure",
            Call::Post("figure_reported", Box::new(|| figure("organisation:org-0043"))),
            &[1],
        ),
        (
            "own organisation mentoring",
            Call::Post(
                "mentoring_pair_formed",
                Box::new(|| pair(&format!("pair-a{}", next()), "org-0042", "t-000007", "t-000123")),
            ),
            &[1, 3],
        ),
        (
            "other organisation mentoring",
            Call::Post(
                "mentoring_pair_formed",
                Box::new(|| pair(&format!("pair-b{}", next()), "org-0043", "t-000201", "t-000200")),
            ),
            &[1],
        ),
    ];
    let tokens: Vec<String> = ROLES.iter().map(|role| app.token(role)).collect();
    for (name, call, allowed) in &rows {
        for (index, role) in ROLES.iter().enumerate() {
            let token = tokens[index].as_str();
            let head = app.head();
            let (status, body) = match call {
                Call::Get(path) | Call::GetEvent(path) => {
                    app.call(Method::GET, path, Some(token), None).await
                }
                Call::Post(_, body)
                | Call::PostAboutTeacher(_, body)
                | Call::PostRetraction(body) => app.post(token, body()).await,
            };
            let scoped = role.starts_with("municipality:") || role.starts_with("organisation:");
            let expected = match (allowed.contains(&index), call) {
                (false, Call::GetEvent(_)) => StatusCode::NOT_FOUND,
                (false, Call::PostRetraction(_)) if scoped => StatusCode::UNPROCESSABLE_ENTITY,
                (false, Call::PostAboutTeacher(..)) if role.starts_with("organisation:") => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                (false, _) => StatusCode::FORBIDDEN,
                (true, Call::Get(_) | Call::GetEvent(_)) => StatusCode::OK,
                (true, Call::Post(..) | Call::PostAboutTeacher(..) | Call::PostRetraction(_)) => {
                    StatusCode::CREATED
                }
            };
            assert_eq!(status, expected, "{name} as {role}: {body}");
            if status == StatusCode::NOT_FOUND {
                assert_eq!(body["code"], "not_found", "{name} as {role}");
            }
            if status == StatusCode::UNPROCESSABLE_ENTITY {
                let field = match call {
                    Call::PostAboutTeacher(..) => "commands[0].payload.teacher",
                    _ => "commands[0].payload.target",
                };
                assert_eq!(body["code"], "unknown_reference", "{name} as {role}");
                assert_eq!(body["field"], field, "{name} as {role}");
                assert_eq!(app.head(), head, "{name} as {role}: a refusal wrote");
            }
            if status == StatusCode::FORBIDDEN {
                assert_eq!(body["code"], "forbidden", "{name} as {role}");
                assert_eq!(app.head(), head, "{name} as {role}: a refusal wrote");
                let kind = match call {
                    Call::Post(kind, _) | Call::PostAboutTeacher(kind, _) => Some(*kind),
                    Call::PostRetraction(_) => Some("event_retracted"),
                    Call::Get(_) | Call::GetEvent(_) => None,
                };
                if let Some(kind) = kind {
                    // The command gate's refusal names the role and the kind.
                    assert_eq!(body["role"], *role, "{name}: {body}");
                    assert_eq!(body["kind"], kind, "{name}: {body}");
                }
            }
        }
    }
}

#[tokio::test]
async fn secrecy_3_a_municipality_reads_the_events_of_its_scope_only() {
    let app = App::new();
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    let (status, _) = app.post(&operator, figure("municipality:38-99")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, own_report) = app.post(&operator, figure("municipality:38-12")).await;
    assert_eq!(status, StatusCode::CREATED);
    let own_report_seq = own_report["seqs"][0].as_u64().unwrap();
    let head = app.head();
    let municipality = app.token("municipality:38-12");
    let (status, page) =
        app.call(Method::GET, "/api/v1/events?limit=1000", Some(&municipality), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["scope_filter"], "municipality:38-12");
    let streams: Vec<&str> =
        page["events"].as_array().unwrap().iter().map(|e| e["stream"].as_str().unwrap()).collect();
    assert_eq!(streams.len(), 5, "{page}");
    assert_eq!(
        streams[..4],
        ["municipality/38-12", "org/org-0042", "teacher/t-000123", "teacher/t-000007"],
        "{page}"
    );
    assert!(streams.last().unwrap().starts_with("report/"), "{streams:?}");
    assert_eq!(page["events"].as_array().unwrap().last().unwrap()["seq"], own_report_seq);
    assert_eq!(page["skipped"].as_u64().unwrap() + streams.len() as u64, head);
    // The hashes are the stored ones: the auditor's unfiltered read shows the same event.
    let auditor = app.token("auditor");
    let (_, full) = app.call(Method::GET, "/api/v1/events?limit=1000", Some(&auditor), None).await;
    assert!(full.get("scope_filter").is_none(), "{full}");
    let seq = |page: &Value, seq: u64| {
        page["events"].as_array().unwrap().iter().find(|e| e["seq"] == seq).cloned().unwrap()
    };
    assert_eq!(seq(&page, own_report_seq), seq(&full, own_report_seq));
    // Pagination stays by seq: a page of seqs 6..=9 holds only the scope's events among them.
    let (_, window) =
        app.call(Method::GET, "/api/v1/events?from=6&limit=4", Some(&municipality), None).await;
    assert_eq!(window["next_from"], 10, "{window}");
    assert_eq!(window["events"].as_array().unwrap().len(), 2, "{window}");
    assert_eq!(window["skipped"], 2, "{window}");
    // Plans: its own municipal plan, not another municipality's nor the regional one.
    let (status, answer) =
        app.post(&municipality, plan("pl-38-12", PlanLevel::Municipal, "municipality:38-12")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let other = app.token("municipality:38-99");
    let (status, answer) =
        app.post(&other, plan("pl-38-99", PlanLevel::Municipal, "municipality:38-99")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) =
        app.post(&operator, plan("pl-region", PlanLevel::Regional, "министерство")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    for (stream, expected) in [
        ("plan/pl-38-12", StatusCode::OK),
        ("plan/pl-38-99", StatusCode::FORBIDDEN),
        ("plan/pl-region", StatusCode::FORBIDDEN),
        ("report/nowhere", StatusCode::FORBIDDEN),
    ] {
        let path = format!("/api/v1/streams/{stream}/events");
        let (status, answer) = app.call(Method::GET, &path, Some(&municipality), None).await;
        assert_eq!(status, expected, "{stream}: {answer}");
    }
    // An organisation sees itself and its teachers, not its municipality's stream.
    let organisation = app.token("organisation:org-0042");
    let (_, page) = app
        .call(Method::GET, &format!("/api/v1/events?to={head}"), Some(&organisation), None)
        .await;
    let streams: Vec<&str> =
        page["events"].as_array().unwrap().iter().map(|e| e["stream"].as_str().unwrap()).collect();
    assert_eq!(streams, ["org/org-0042", "teacher/t-000123", "teacher/t-000007"], "{page}");
    // The feed says which filter applies, then skips the other events.
    let response = app
        .router
        .clone()
        .oneshot(request(Method::GET, "/api/v1/feed?from=1", Some(&municipality), None))
        .await
        .unwrap();
    let mut body = response.into_body();
    let mut text = String::new();
    while !text.contains(&format!("id: {own_report_seq}\n")) {
        text.push_str(&next_frame(&mut body).await);
    }
    assert!(text.starts_with("event: scope_filter\n"), "{text}");
    assert!(text.contains("municipality:38-12"), "{text}");
    assert!(!text.contains("municipality/38-99"), "{text}");
    assert!(!text.contains("org/org-0043"), "{text}");
    assert!(text.contains("org/org-0042"), "{text}");
}

/// A scoped token gets the same answer for an event outside its scope as for an id that is not in
/// the ledger (404, the same body but for the id it asked about), so it cannot probe which ids
/// exist; region-wide roles still read the event and get 404 only for unknown ids. Streams: one
/// outside the scope is 403 whether or not it has events (the same body but for its name).
#[tokio::test]
async fn secrecy_3_a_scoped_token_cannot_tell_an_event_outside_its_scope_from_an_unknown_id() {
    let app = App::new();
    let operator = app.token("operator");
    let (own_municipality, other_organisation) = small_region(&app, &operator).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let answer = |token: String, path: String| {
        let app = &app;
        async move { app.call(Method::GET, &path, Some(&token), None).await }
    };
    // The body with the id (or stream) it names replaced, to compare two answers.
    let blind = |body: &Value, named: &str| -> Value {
        serde_json::from_str(&body.to_string().replace(named, "<named>")).unwrap()
    };
    for role in ["municipality:38-12", "organisation:org-0042"] {
        let token = app.token(role);
        let outside = answer(token.clone(), format!("/api/v1/events/{other_organisation}")).await;
        let missing = answer(token.clone(), format!("/api/v1/events/{unknown}")).await;
        assert_eq!(outside.0, StatusCode::NOT_FOUND, "{role}: {}", outside.1);
        assert_eq!(missing.0, StatusCode::NOT_FOUND, "{role}: {}", missing.1);
        assert_eq!(
            outside.1,
            json!({"code": "not_found", "message": format!("Не найдено: событие {other_organisation}.")}),
            "{role}"
        );
        assert_eq!(
            missing.1,
            json!({"code": "not_found", "message": format!("Не найдено: событие {unknown}.")}),
            "{role}"
        );
        assert_eq!(
            blind(&outside.1, &other_organisation),
            blind(&missing.1, &unknown),
            "{role}: an event outside the scope answers as an unknown id"
        );
        // A stream outside the scope: refused alike whether it has events or not.
        let (existing, empty) = ("teacher/t-000200", "teacher/t-999999");
        let outside = answer(token.clone(), format!("/api/v1/streams/{existing}/events")).await;
        let missing = answer(token.clone(), format!("/api/v1/streams/{empty}/events")).await;
        assert_eq!(outside.0, StatusCode::FORBIDDEN, "{role}: {}", outside.1);
        assert_eq!(missing.0, StatusCode::FORBIDDEN, "{role}: {}", missing.1);
        assert_eq!(blind(&outside.1, existing), blind(&missing.1, empty), "{role}");
    }
    // The municipality still reads its own event.
    let own =
        answer(app.token("municipality:38-12"), format!("/api/v1/events/{own_municipality}")).await;
    assert_eq!(own.0, StatusCode::OK, "{}", own.1);
    assert_eq!(own.1["id"], own_municipality.as_str());
    // Region-wide roles: the event is read, an unknown id is 404.
    for role in ["ministry", "operator", "auditor"] {
        let token = app.token(role);
        let read = answer(token.clone(), format!("/api/v1/events/{other_organisation}")).await;
        assert_eq!(read.0, StatusCode::OK, "{role}: {}", read.1);
        assert_eq!(read.1["id"], other_organisation.as_str(), "{role}");
        let missing = answer(token, format!("/api/v1/events/{unknown}")).await;
        assert_eq!(missing.0, StatusCode::NOT_FOUND, "{role}: {}", missing.1);
        assert_eq!(
            missing.1,
            json!({"code": "not_found", "message": format!("Не найдено: событие {unknown}.")}),
            "{role}"
        );
    }
}

/// One teacher's routes, for a municipality or organisation token: a teacher employed elsewhere
/// (in another municipality, or another organisation of its own), one who left, and an id nobody
/// registered all answer 404 with one body but for the id, naming no employer; its own teacher
/// is read, and so is the teacher who left on a date they were still employed.
#[tokio::test]
async fn secrecy_6_a_scoped_token_cannot_tell_a_teacher_outside_its_scope_from_an_unknown_one() {
    let app = App::new();
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    let batch = json!({"commands": [
        organisation("org-0044", Some("38-12")),
        hire("t-000300", "org-0044"),
        command(
            proto_events::vocabulary::TeacherLeft {
                teacher: TeacherId::new("t-000007").unwrap(),
                organisation: OrgId::new("org-0042").unwrap(),
                reason: None,
            },
            "2024-06-30",
        ),
    ]});
    let (status, answer) = app.post(&operator, batch).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let routes =
        |teacher: &str, date: &str| format!("/api/v1/teachers/{teacher}/routes?date={date}");
    let blind = |body: &Value, named: &str| body.to_string().replace(named, "<named>");
    for (role, own, outside) in [
        ("municipality:38-12", "t-000123", &["t-000200", "t-000007"][..]),
        ("organisation:org-0042", "t-000123", &["t-000200", "t-000300", "t-000007"][..]),
    ] {
        let token = app.token(role);
        let (status, body) =
            app.call(Method::GET, &routes(own, "2024-12-31"), Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{role}: {body}");
        let (status, body) =
            app.call(Method::GET, &routes("t-000007", "2024-01-31"), Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{role}: still employed then: {body}");
        let unknown = "t-999999";
        let (status, missing) =
            app.call(Method::GET, &routes(unknown, "2024-12-31"), Some(&token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{role}: {missing}");
        assert_eq!(
            missing,
            json!({"code": "not_found", "message": format!("Не найдено: педагог {unknown}.")}),
            "{role}"
        );
        for teacher in outside {
            let (status, body) =
                app.call(Method::GET, &routes(teacher, "2024-12-31"), Some(&token), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{role} {teacher}: {body}");
            assert_eq!(blind(&body, teacher), blind(&missing, unknown), "{role} {teacher}");
        }
    }
    // Region-wide roles read any teacher, wherever employed.
    for role in ["ministry", "operator", "auditor"] {
        let token = app.token(role);
        for teacher in ["t-000200", "t-000007", "t-999999"] {
            let (status, body) =
                app.call(Method::GET, &routes(teacher, "2024-12-31"), Some(&token), None).await;
            assert_eq!(status, StatusCode::OK, "{role} {teacher}: {body}");
        }
    }
}

/// The server's "today" is the ledger's clock, not the system's: the default `date` of the
/// views, and the "employed today" that decides which teacher streams a scoped token reads.
#[tokio::test]
async fn the_servers_today_is_the_ledgers_clock() {
    let today = day(2021, 3, 4);
    let clock = FixedClock::at_noon(today);
    assert_ne!(
        letopis::store::Clock::now(&letopis::store::SystemClock).date_utc(),
        Some(today),
        "pick another date"
    );
    let app = App::with_clock(clock.clone());
    assert_eq!(
        letopis::store::Clock::now(app.ledger.ledger.clock().as_ref()),
        clock.0,
        "Ledger::clock is the one it started with"
    );
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    // t-000123 moves from org-0042 (38-12) to org-0043 (38-99) in 2022: after the clock's today.
    let moved = command(
        proto_events::vocabulary::TeacherMoved {
            teacher: TeacherId::new("t-000123").unwrap(),
            from_organisation: OrgId::new("org-0042").unwrap(),
            to_organisation: OrgId::new("org-0043").unwrap(),
            position: Position::Teacher,
        },
        "2022-01-10",
    );
    let (status, answer) = app.post(&operator, moved).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, recorded) = app.call(Method::GET, "/api/v1/head", Some(&operator), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        recorded["recorded_at"].as_str().unwrap().starts_with("2021-03-04T12:00:00"),
        "{recorded}"
    );

    let (status, registry) =
        app.call(Method::GET, "/api/v1/registry/organisations", Some(&operator), None).await;
    assert_eq!(status, StatusCode::OK, "{registry}");
    assert_eq!(registry["date"], "2021-03-04", "{registry}");
    let (status, figures) = app.call(Method::GET, "/api/v1/figures", Some(&operator), None).await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    let figures = figures.as_array().unwrap();
    assert!(!figures.is_empty());
    assert!(figures.iter().all(|figure| figure["date"] == "2021-03-04"), "{figures:?}");
    // The teacher's routes without a date: today by the clock, employed in 38-12 then.
    let path = "/api/v1/teachers/t-000123/routes";
    let own = app.token("municipality:38-12");
    let other = app.token("municipality:38-99");
    assert_eq!(app.call(Method::GET, path, Some(&own), None).await.0, StatusCode::OK);
    assert_eq!(app.call(Method::GET, path, Some(&other), None).await.0, StatusCode::NOT_FOUND);
    // Raw events: on the clock's today the teacher is still employed in 38-12.
    let stream = "/api/v1/streams/teacher/t-000123/events";
    let (status, page) = app.call(Method::GET, stream, Some(&own), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["events"].as_array().unwrap().len(), 2, "{page}");
    assert_eq!(app.call(Method::GET, stream, Some(&other), None).await.0, StatusCode::FORBIDDEN);
}

/// A report's stream belongs to the scope the report is about now: a correction that moves the
/// report to another municipality moves who may read its events (not its first event).
#[tokio::test]
async fn a_corrected_report_is_read_by_the_scope_it_is_about_now() {
    let app = App::new();
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    let original = figure("municipality:38-12");
    let (status, answer) = app.post(&operator, original.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let target: EventId = answer["ids"][0].as_str().unwrap().parse().unwrap();
    let report = original["payload"]["report"].as_str().unwrap();
    let stream = format!("/api/v1/streams/report/{report}/events");
    let (own, other) = (app.token("municipality:38-12"), app.token("municipality:38-99"));
    let status_of = |token: String| {
        let path = stream.clone();
        let app = &app;
        async move { app.call(Method::GET, &path, Some(&token), None).await.0 }
    };
    assert_eq!(status_of(own.clone()).await, StatusCode::OK);
    assert_eq!(status_of(other.clone()).await, StatusCode::FORBIDDEN);
    let mut payload = original["payload"].clone();
    payload["scope"] = json!("municipality:38-99");
    let moved: Payload =
        serde_json::from_value(json!({"kind": "figure_reported", "payload": payload})).unwrap();
    let correction = EventCorrected {
        target,
        reason: "отчёт отнесён не к тому району".into(),
        replacement: Replacement::of(&moved).unwrap(),
    };
    let (status, answer) = app.post(&operator, command(correction, "2024-12-31")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(status_of(own.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(status_of(other.clone()).await, StatusCode::OK);
    // Ranges follow the same decision.
    let (_, page) = app.call(Method::GET, "/api/v1/events?limit=1000", Some(&own), None).await;
    assert!(!page.to_string().contains(report), "{page}");
}

/// The figure exports decide who may read a scope as `/api/v1/figures` does (the registry as
/// known latest), also for an earlier `known_at`: an organisation moved to another municipality
/// by a correction is no longer readable by the old one through either.
#[tokio::test]
async fn figure_exports_check_the_scope_like_the_figures() {
    let app = App::new();
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    let (_, page) =
        app.call(Method::GET, "/api/v1/streams/org/org-0042/events", Some(&operator), None).await;
    let target: EventId = page["events"][0]["id"].as_str().unwrap().parse().unwrap();
    let before = app.head();
    // As `organisation("org-0042", Some("38-12"))` registered it, but in 38-99.
    let moved = OrganisationRegistered {
        organisation: OrgId::new("org-0042").unwrap(),
        name: "Школа org-0042".into(),
        kind: OrganisationKind::General,
        municipality: Some(MunicipalityCode::new("38-99").unwrap()),
    };
    let correction = EventCorrected {
        target,
        reason: "организация в другом районе".into(),
        replacement: Replacement::of(&Payload::from(moved)).unwrap(),
    };
    let (status, answer) = app.post(&operator, command(correction, "2020-01-01")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let query = format!("scope=organisation:org-0042&date=2024-12-31&known_at={before}");
    for (role, expected) in
        [("municipality:38-12", StatusCode::FORBIDDEN), ("municipality:38-99", StatusCode::OK)]
    {
        let token = app.token(role);
        for path in ["/api/v1/figures", "/api/v1/export/figures.csv", "/api/v1/export/figures.xlsx"]
        {
            let path = format!("{path}?{query}");
            let (status, answer) = app.call(Method::GET, &path, Some(&token), None).await;
            assert_eq!(status, expected, "{role} {path}: {answer}");
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
        let message = answer["message"].as_str().unwrap();
        assert!(message.starts_with("Запрос не разобран"), "{name}");
        // serde's and axum's English is rewritten: an official reads what is wrong.
        crate::support::assert_no_english_words(message);
        assert_eq!(app.head(), 0, "{name}");
    }
    for (body, says) in [
        (
            unknown_payload,
            "commands[0].payload: неизвестное поле «colour»; допустимы: municipality, name",
        ),
        (wrong_type, "неверный тип: целое число 5, ожидается строка"),
        (
            unknown_kind,
            "неизвестное значение «teacher_beamed_up»; допустимы: municipality_registered, ",
        ),
    ] {
        let (_, answer) = app.post(&token, body).await;
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    }
    let (status, answer) =
        app.call(Method::GET, "/api/v1/figures?colour=red", Some(&token), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("параметры адреса: colour: неизвестное поле «colour»"), "{message}");
    let (status, answer) =
        app.call(Method::GET, "/api/v1/figures?evidence=maybe", Some(&token), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("параметры адреса: evidence: ожидается true или false"), "{message}");
    crate::support::assert_no_english_words(message);
}

/// Issue #20.4: a key given twice was accepted (the last one won), so two readers of the same
/// body could see two different commands; and `limit=10^12` was 422 where every other bad
/// parameter is 400.
#[tokio::test]
async fn issue_20_duplicate_keys_and_out_of_range_limits_are_400() {
    let app = App::new();
    let token = app.token("operator");
    let bodies = [
        r#"{"kind":"municipality_registered","kind":"municipality_registered","payload":{"municipality":"38-12","name":"Жигаловский район"},"effective":"2023-01-01"}"#,
        r#"{"kind":"municipality_registered","payload":{"municipality":"38-12","municipality":"38-13","name":"Жигаловский район"},"effective":"2023-01-01"}"#,
        r#"{"commands":[{"kind":"municipality_registered","payload":{"municipality":"38-12","name":"А","name":"Б"},"effective":"2023-01-01"}]}"#,
    ];
    for body in bodies {
        let (status, answer) =
            app.call(Method::POST, "/api/v1/commands", Some(&token), Some(body.to_string())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["code"], "malformed_request", "{body}");
        assert!(answer["message"].as_str().unwrap().contains("повторяется"), "{answer}");
    }
    assert_eq!(app.head(), 0);
    for path in ["/api/v1/events?limit=1000000000000", "/api/v1/events?limit=0"] {
        let (status, answer) = app.call(Method::GET, path, Some(&token), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert_eq!(answer["field"], "limit", "{path}");
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

/// Issue #20: the envelope's `effective` had no bounds (the years 0 and 9999 were recorded and
/// counted by the valid-time projections); it has the bounds of every payload date.
#[tokio::test]
async fn issue_20_effective_outside_1950_2100_is_422_naming_effective() {
    let app = App::new();
    let token = app.token("operator");
    for effective in
        ["0000-01-01", "1949-12-31", "2101-01-01", "9999-12-31", "9999-12-31T00:00:00Z"]
    {
        let mut command = municipality("38-12");
        command["effective"] = json!(effective);
        let (status, answer) = app.post(&token, command).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{effective}: {answer}");
        assert_eq!(answer["code"], "invalid_field", "{effective}");
        assert_eq!(answer["field"], "commands[0].effective", "{effective}");
    }
    assert_eq!(app.head(), 0);
    for (code, effective) in [("38-50", "1950-01-01"), ("38-51", "2100-12-31")] {
        let mut command = municipality(code);
        command["effective"] = json!(effective);
        let (status, answer) = app.post(&token, command).await;
        assert_eq!(status, StatusCode::CREATED, "{effective}: {answer}");
    }
}

#[tokio::test]
async fn refusals_of_422_read_in_russian() {
    let app = App::new();
    let token = app.token("operator");
    let (status, answer) = app.post(&token, municipality("38-12")).await;
    assert!(status.is_success(), "{answer}");
    let mut unnamed = municipality("38-13");
    unnamed["payload"]["name"] = json!(" ");
    let cases = [
        (municipality("38-12"), "муниципалитет с таким идентификатором уже зарегистрирован"),
        (unnamed, "значение не должно быть пустым"),
    ];
    for (body, rule) in cases {
        let (status, answer) = app.post(&token, body).await;
        assert_refused((status, &answer), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", rule);
    }
    assert_eq!(app.head(), 1);
}

/// Each class of the gate's refusal answers its own status and body, whoever finds it (the
/// gate's reference checks, its data rules, its authority matrix, or `submit` placing a
/// correction), and the index names the refused command of a batch. The bodies are pinned whole.
#[tokio::test]
async fn each_refusal_class_answers_its_status_and_body() {
    let app = App::new();
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    let head = app.head();
    let missing = "0190a5a0-0000-7000-8000-000000000001";
    let retraction = json!({
        "kind": "event_retracted",
        "payload": {"target": missing, "reason": "ошибка"},
        "effective": "2024-01-01",
    });
    let organisation_token = app.token("organisation:org-0042");
    let cases = [
        (
            "unknown reference found by the gate",
            operator.as_str(),
            json!({"commands": [hire("t-000300", "org-0042"), hire("t-000301", "org-none")]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "code": "unknown_reference",
                "message": "Поле commands[1].payload.organisation ссылается на несуществующий объект org-none.",
                "field": "commands[1].payload.organisation",
                "value": "org-none",
            }),
        ),
        (
            "unknown correction target found by submit",
            operator.as_str(),
            retraction,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "code": "unknown_reference",
                "message": format!("Поле commands[0].payload.target ссылается на несуществующий объект {missing}."),
                "field": "commands[0].payload.target",
                "value": missing,
            }),
        ),
        (
            "a data rule of the gate",
            operator.as_str(),
            organisation("org-0042", Some("38-12")),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "code": "invalid_field",
                "message": "Недопустимое значение поля commands[0].payload.organisation: организация с таким идентификатором уже зарегистрирована.",
                "field": "commands[0].payload.organisation",
                "value": "org-0042",
                "rule": "организация с таким идентификатором уже зарегистрирована",
            }),
        ),
        (
            "a kind the role may not record",
            organisation_token.as_str(),
            target(),
            StatusCode::FORBIDDEN,
            json!({
                "code": "forbidden",
                "message": "Роль organisation:org-0042 не может записывать события target_set: роль organisation:org-0042 не может записывать события target_set (поле commands[0].actor.role).",
                "field": "commands[0].actor.role",
                "value": "organisation:org-0042",
                "rule": "роль organisation:org-0042 не может записывать события target_set",
                "role": "organisation:org-0042",
                "kind": "target_set",
            }),
        ),
        (
            "a teacher outside the role's scope, as an unknown one",
            organisation_token.as_str(),
            completion("c-x1", "t-000200"),
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "code": "unknown_reference",
                "message": "Поле commands[0].payload.teacher ссылается на несуществующий объект t-000200.",
                "field": "commands[0].payload.teacher",
                "value": "t-000200",
            }),
        ),
    ];
    for (name, token, body, status, expected) in cases {
        let (answered, answer) = app.post(token, body).await;
        assert_eq!(answered, status, "{name}: {answer}");
        assert_eq!(answer, expected, "{name}");
        assert_eq!(app.head(), head, "{name}: a refusal wrote");
    }
}

fn participation(teacher: &str) -> Value {
    command(
        proto_events::vocabulary::ParticipationRecorded {
            teacher: TeacherId::new(teacher).unwrap(),
            kind: proto_events::vocabulary::ParticipationKind::RegionalEvent,
            event_title: "Региональный методический семинар".into(),
            participated_on: day(2024, 3, 1),
        },
        "2024-03-01",
    )
}

fn teacher_left(teacher: &str, organisation: &str) -> Value {
    command(
        proto_events::vocabulary::TeacherLeft {
            teacher: TeacherId::new(teacher).unwrap(),
            organisation: OrgId::new(organisation).unwrap(),
            reason: None,
        },
        "2024-06-30",
    )
}

/// An organisation token's command about a teacher it does not employ (in another
/// municipality, in another organisation of its own municipality, or one who left there) is
/// answered byte for byte as one about a teacher nobody registered: 422 `unknown_reference`,
/// the same body but for the id it sent, also when it expects a version of the teacher's stream
/// (a conflict would tell that the stream holds events). The operator records them.
#[tokio::test]
async fn secrecy_6_a_scoped_token_cannot_tell_a_teacher_it_does_not_employ_from_an_unknown_one() {
    let app = App::new();
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    let batch = json!({"commands": [
        organisation("org-0044", Some("38-12")),
        hire("t-000300", "org-0044"),
        teacher_left("t-000201", "org-0043"),
    ]});
    let (status, answer) = app.post(&operator, batch).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let head = app.head();
    let token = app.token("organisation:org-0042");
    let unknown = "t-999999";
    type Probe = Box<dyn Fn(&str) -> Value>;
    // Each: what is tried, the refused field (index in the batch and name), the command.
    let probes: Vec<(&str, (usize, &str), Probe)> = vec![
        ("completion", (0, "teacher"), Box::new(|t| completion("c-new", t))),
        ("participation", (0, "teacher"), Box::new(participation)),
        (
            "mentoring pair",
            (0, "mentee"),
            Box::new(|t| pair("pair-new", "org-0042", "t-000007", t)),
        ),
        (
            "completion expecting a version",
            (0, "teacher"),
            Box::new(|t| {
                let mut body = completion("c-new", t);
                body["expected_version"] = json!(1);
                body
            }),
        ),
        (
            "completion after one of its own teacher",
            (1, "teacher"),
            Box::new(
                |t| json!({"commands": [completion("c-own", "t-000123"), completion("c-new", t)]}),
            ),
        ),
    ];
    for (name, (index, field), probe) in &probes {
        let (unknown_status, unknown_body) = app.post_raw(&token, probe(unknown)).await;
        assert_eq!(unknown_status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let unknown_json: Value = serde_json::from_slice(&unknown_body).unwrap();
        assert_eq!(
            unknown_json,
            json!({
                "code": "unknown_reference",
                "message": format!("Поле commands[{index}].payload.{field} ссылается на несуществующий объект {unknown}."),
                "field": format!("commands[{index}].payload.{field}"),
                "value": unknown,
            }),
            "{name}"
        );
        crate::support::assert_no_english_words(unknown_json["message"].as_str().unwrap());
        for outside in ["t-000200", "t-000300", "t-000201"] {
            let (status, body) = app.post_raw(&token, probe(outside)).await;
            assert_eq!(status, unknown_status, "{name} {outside}");
            let blind = |bytes: &[u8], id: &str| {
                String::from_utf8(bytes.to_vec()).unwrap().replace(id, "<id>")
            };
            assert_eq!(
                blind(&body, outside),
                blind(&unknown_body, unknown),
                "{name}: a teacher it does not employ answers as an unknown one"
            );
        }
    }
    assert_eq!(app.head(), head, "a refusal wrote");
    // The operator records the same facts; an unknown teacher is unknown to it too.
    for outside in ["t-000200", "t-000300", "t-000201"] {
        let (status, answer) =
            app.post(&operator, completion(&format!("c-{outside}"), outside)).await;
        assert_eq!(status, StatusCode::CREATED, "{outside}: {answer}");
    }
    let (status, answer) = app.post(&operator, completion("c-unknown", unknown)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "unknown_reference");
}

/// A municipality token hiring a teacher who works in another municipality is told, in
/// Russian, that the teacher works in another organisation and who records the move, naming
/// neither that organisation nor its municipality; a departure from the wrong organisation is
/// told that the teacher does not work there. The operator is told where.
#[tokio::test]
async fn secrecy_7_a_municipality_token_is_not_told_where_a_teacher_outside_its_scope_works() {
    let app = App::new();
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    let head = app.head();
    let municipality = app.token("municipality:38-12");
    let mut expecting = hire("t-000200", "org-0042");
    expecting["expected_version"] = json!(7);
    for body in [hire("t-000200", "org-0042"), expecting] {
        let (status, answer) = app.post(&municipality, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        let rule = "педагог уже работает в другой организации: перевод записывает региональный оператор событием teacher_moved, либо сторона нынешнего работодателя записывает увольнение событием teacher_left, после чего приём можно записать";
        assert_eq!(
            answer,
            json!({
                "code": "invalid_field",
                "message": format!("Недопустимое значение поля commands[0].payload.teacher: {rule}."),
                "field": "commands[0].payload.teacher",
                "value": "t-000200",
                "rule": rule,
            })
        );
        let text = answer.to_string();
        for named in ["org-0043", "38-99", "Школа org-0043"] {
            assert!(!text.contains(named), "{named} in {text}");
        }
        crate::support::assert_no_english_words(answer["message"].as_str().unwrap());
    }
    let (status, answer) = app.post(&municipality, teacher_left("t-000200", "org-0042")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "invalid_field");
    assert_eq!(answer["field"], "commands[0].payload.organisation");
    assert_eq!(answer["rule"], "педагог не работает в организации org-0042");
    assert!(!answer.to_string().contains("org-0043"), "{answer}");
    crate::support::assert_no_english_words(answer["message"].as_str().unwrap());
    assert_eq!(app.head(), head, "a refusal wrote");
    // The operator is told where.
    let (status, answer) = app.post(&operator, hire("t-000200", "org-0042")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(
        answer["rule"],
        "педагог уже работает в org-0043: используйте событие teacher_moved"
    );
    let (status, answer) = app.post(&operator, teacher_left("t-000200", "org-0042")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["rule"], "педагог работает в org-0043");
}

fn activity_with_term(term: Value) -> Value {
    json!({
        "kind": "activity_added",
        "payload": {"plan": "pl-1", "activity": "a-1.1", "section": "s-1", "number": "1.1",
            "title": "Проведение диагностики", "responsible": "ЦНППМ", "co_executors": [],
            "term": term, "key_result": "Проведена", "fixing_documents": "Справка"},
        "effective": "2024-01-15",
    })
}

/// A term whose meaning is not the parser's reading of its text is refused naming the reading in
/// Russian; a meaning the parser never makes does not decode, with the reason in Russian.
#[tokio::test]
async fn term_refusals_read_in_russian() {
    let app = App::new();
    let token = app.token("operator");
    let guessed = activity_with_term(json!({"text": "2023", "kind": "year", "year": 2022}));
    let (status, answer) = app.post(&token, guessed).await;
    assert_refused(
        (status, &answer),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        "не совпадает с прочтением текста срока term.text: 2023 год",
    );
    assert_eq!(answer["field"], "commands[0].payload.term.meaning");
    assert_eq!(answer["value"], "2022 год");

    let backwards =
        json!({"text": "2025-2021", "kind": "years", "from_year": 2025, "to_year": 2021});
    let (status, answer) = app.post(&token, activity_with_term(backwards)).await;
    assert_refused(
        (status, &answer),
        StatusCode::BAD_REQUEST,
        "malformed_request",
        "годы 2025–2021 должны идти по возрастанию",
    );
    assert_eq!(app.head(), 0);
}

/// Asserts a refusal: its status and code, and a message in Russian that says `says`.
fn assert_refused(
    (answered, answer): (StatusCode, &Value),
    status: StatusCode,
    code: &str,
    says: &str,
) {
    assert_eq!(answered, status, "{answer}");
    assert_eq!(answer["code"], code, "{answer}");
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{message}");
    crate::support::assert_no_english_words(message);
}

/// A municipality's or organisation's retraction or correction of an event outside its scope is
/// answered byte for byte as one of an id that is not in the ledger: the same status and body,
/// the id it sent echoed in the same places, also when it expects a version of the target's
/// stream (a conflict would name that stream). Region-wide roles are still told why they are
/// refused.
#[tokio::test]
async fn secrecy_4_a_scoped_token_cannot_tell_a_target_outside_its_scope_from_an_unknown_one() {
    let app = App::new();
    let operator = app.token("operator");
    let (_, other_organisation) = small_region(&app, &operator).await;
    let recorded = |(status, answer): (StatusCode, Value)| {
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        answer["ids"][0].as_str().unwrap().to_string()
    };
    let report = recorded(app.post(&operator, figure("municipality:38-99")).await);
    let done = recorded(app.post(&operator, completion("c-200", "t-000200")).await);
    let unknown = uuid::Uuid::now_v7().to_string();
    let never = uuid::Uuid::now_v7().to_string();
    let retraction = |target: &str, expected: Option<u64>| {
        json!({
            "kind": "event_retracted",
            "payload": {"target": target, "reason": "ошибка"},
            "effective": "2025-01-10",
            "expected_version": expected,
        })
    };
    let correction = |target: &str| {
        // A report about the actor's own municipality, as if the target were its own.
        let mut body = figure("municipality:38-12");
        body.as_object_mut().unwrap().remove("effective");
        let replacement: Payload = serde_json::from_value(body).unwrap();
        command(
            EventCorrected {
                target: EventId(target.parse().unwrap()),
                reason: "опечатка".into(),
                replacement: Replacement::of(&replacement).unwrap(),
            },
            "2025-01-10",
        )
    };
    let head = app.head();
    for role in ["municipality:38-12", "organisation:org-0042"] {
        let token = app.token(role);
        for outside in [&other_organisation, &report, &done] {
            let cases = [
                ("retraction", retraction(outside, None), retraction(&unknown, None)),
                (
                    "expecting a version",
                    retraction(outside, Some(1)),
                    retraction(&unknown, Some(1)),
                ),
                ("correction", correction(outside), correction(&unknown)),
                (
                    "two retractions expecting different versions",
                    json!({"commands": [retraction(outside, Some(1)), retraction(outside, Some(2))]}),
                    json!({"commands": [retraction(&unknown, Some(1)), retraction(&unknown, Some(2))]}),
                ),
                (
                    "a retraction before one of an unknown id",
                    json!({"commands": [retraction(outside, None), retraction(&never, None)]}),
                    json!({"commands": [retraction(&unknown, None), retraction(&never, None)]}),
                ),
            ];
            for (name, probe, control) in cases {
                let (status, body) = app.post_raw(&token, probe).await;
                let (unknown_status, unknown_body) = app.post_raw(&token, control).await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{role} {name}");
                assert_eq!(status, unknown_status, "{role} {name}");
                let blind = |bytes: &[u8], id: &str| {
                    String::from_utf8(bytes.to_vec()).unwrap().replace(id, "<id>")
                };
                assert_eq!(
                    blind(&body, outside),
                    blind(&unknown_body, &unknown),
                    "{role} {name}: an event outside the scope answers as an unknown one"
                );
                assert_eq!(
                    serde_json::from_slice::<Value>(&unknown_body).unwrap(),
                    json!({
                        "code": "unknown_reference",
                        "message": format!("Поле commands[0].payload.target ссылается на несуществующий объект {unknown}."),
                        "field": "commands[0].payload.target",
                        "value": unknown,
                    }),
                    "{role} {name}"
                );
            }
            // A command under the id of the event outside the scope is answered as under a
            // fresh id: here a completion of a teacher nobody registered, and a retraction of an
            // unknown event (an id reused with other content would be a 409 naming its seq).
            let under = |id: &str, mut body: Value| {
                body["id"] = json!(id);
                body
            };
            let fresh = uuid::Uuid::now_v7().to_string();
            for (name, body) in [
                ("completion", completion("c-new", "t-none")),
                ("retraction", retraction(&never, None)),
            ] {
                let probe = app.post_raw(&token, under(outside, body.clone())).await;
                let control = app.post_raw(&token, under(&fresh, body)).await;
                assert_eq!(
                    (probe.0, String::from_utf8(probe.1).unwrap()),
                    (control.0, String::from_utf8(control.1).unwrap()),
                    "{role} {name} under the id of an event outside the scope"
                );
                assert_ne!(control.0, StatusCode::CONFLICT, "{role} {name}");
            }
        }
    }
    assert_eq!(app.head(), head, "a refusal wrote");
    // Region-wide roles: the refusal itself, naming the role, the kind and the target's rule.
    let ministry = app.token("ministry");
    let (status, answer) = app.post(&ministry, retraction(&report, None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["role"], "ministry");
    assert_eq!(answer["kind"], "event_retracted");
    assert_eq!(answer["field"], "commands[0].payload.target.actor.role");
    assert_eq!(answer["rule"], "роль ministry не может записывать события figure_reported");
    let (status, answer) = app.post(&operator, retraction(&done, Some(1))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["stream"], "teacher/t-000200");
    assert_eq!(app.head(), head, "a refusal wrote");
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

/// An idempotent retry (the same token, the same content) is 200 with the original seq, for a
/// scoped token as for the operator. A scoped token is never told a seq when it reuses an id: its
/// own event's id with other content is a 409 naming only the id; another actor's event's id
/// is answered as a fresh id would be (here a completion already recorded), and where that
/// would be accepted, by the same 409 naming only the id, nothing written. The operator is told
/// the seq.
#[tokio::test]
async fn secrecy_5_a_retry_answers_its_seq_and_a_reused_id_names_no_seq_to_a_scoped_token() {
    let app = App::new();
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    let organisation = app.token("organisation:org-0042");
    let under = |id: &str, mut body: Value| {
        body["id"] = json!(id);
        body
    };
    let operators = uuid::Uuid::now_v7().to_string();
    let own = uuid::Uuid::now_v7().to_string();
    for (token, id, body) in [
        (&operator, &operators, completion("c-1", "t-000200")),
        (&organisation, &own, completion("c-2", "t-000123")),
    ] {
        let (status, first) = app.post(token, under(id, body.clone())).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let (status, again) = app.post(token, under(id, body)).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["seqs"], first["seqs"]);
        assert_eq!(again["ids"], json!([id]));
        assert_eq!(again["duplicate"], true);
    }
    let head = app.head();
    let (_, stream) = app
        .call(Method::GET, "/api/v1/streams/teacher/t-000123/events", Some(&operator), None)
        .await;
    let own_seq = stream["events"].as_array().unwrap().last().unwrap()["seq"].clone();
    let conflict = |id: &str, what: &str| {
        json!({
            "code": "conflict",
            "message": format!("Конфликт с текущим состоянием журнала: идентификатор {id} уже записан{what}."),
        })
    };
    let other_content = " с другим содержанием";
    // Its own event's id with other content, and a batch half of which is recorded.
    let (status, answer) =
        app.post(&organisation, under(&own, completion("c-3", "t-000123"))).await;
    assert_eq!((status, answer), (StatusCode::CONFLICT, conflict(&own, other_content)));
    let batch = json!({"commands": [
        under(&own, completion("c-2", "t-000123")),
        completion("c-4", "t-000123"),
    ]});
    let (status, answer) = app.post(&organisation, batch).await;
    let partial = ", а другие события пакета нет: повтор должен быть тем же пакетом";
    assert_eq!((status, answer), (StatusCode::CONFLICT, conflict(&own, partial)));
    // Another actor's event's id: what a fresh id would get, or the same 409 where a fresh id
    // would be accepted.
    let (status, answer) =
        app.post(&organisation, under(&operators, completion("c-2", "t-000123"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["field"], "commands[0].payload.completion", "{answer}");
    let (status, answer) =
        app.post(&organisation, under(&operators, completion("c-3", "t-000123"))).await;
    assert_eq!((status, answer), (StatusCode::CONFLICT, conflict(&operators, other_content)));
    // So is another token's, even of the same organisation.
    let colleague = app.token("organisation:org-0042");
    let (status, answer) = app.post(&colleague, under(&own, completion("c-3", "t-000123"))).await;
    assert_eq!((status, answer), (StatusCode::CONFLICT, conflict(&own, other_content)));
    assert_eq!(app.head(), head, "a refusal wrote");
    // The operator is told where the id is.
    let (status, answer) = app.post(&operator, under(&own, completion("c-3", "t-000123"))).await;
    let at = format!(" (№{own_seq}) с другим содержанием");
    assert_eq!((status, answer), (StatusCode::CONFLICT, conflict(&own, &at)));
    // The refused command was checked, not recorded: under a fresh id it is accepted.
    let (status, answer) = app.post(&organisation, completion("c-3", "t-000123")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

#[tokio::test]
async fn expected_version_conflict_is_409() {
    let app = App::new();
    let token = app.token("operator");
    let mut command = municipality("38-12");
    command["expected_version"] = json!(0);
    let (status, first) = app.post(&token, command.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, answer) = app.post(&token, command).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "conflict");
    assert_eq!(answer["stream"], "municipality/38-12");
    assert_eq!(answer["actual"], 1);
    assert!(answer["expected"].is_string(), "{answer}");
    let message = answer["message"].as_str().unwrap();
    assert!(message.contains("ожидалось: поток без событий, текущая версия 1"), "{message}");
    crate::support::assert_no_english_words(message);
    // A retraction lands in its target's stream, here at version 1.
    let next = json!({
        "kind": "event_retracted",
        "payload": {"target": first["ids"][0], "reason": "ошибка"},
        "effective": "2024-01-01",
        "expected_version": 1,
    });
    let (status, answer) = app.post(&token, next).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
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

#[tokio::test]
async fn verify_with_progress_streams_progress_then_the_result() {
    let app = App::new();
    let token = app.token("operator");
    let commands: Vec<Value> = (0..10).map(|n| municipality(&format!("38-{n:02}"))).collect();
    assert_eq!(app.post(&token, json!({ "commands": commands })).await.0, StatusCode::CREATED);
    let auditor = app.token("auditor");
    let response = app
        .router
        .clone()
        .oneshot(request(Method::GET, "/api/v1/verify?progress=true", Some(&auditor), None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let mut text = String::new();
    while !text.contains("event: result") {
        text.push_str(&next_frame(&mut body).await);
    }
    // The last progress report counts every event, then the result is the plain call's JSON.
    assert!(text.contains(r#""checked":10"#), "{text}");
    assert!(text.contains(r#""total":10"#), "{text}");
    assert!(text.contains(r#""ok":true"#), "{text}");
    assert!(text.contains(r#""last_seq":10"#), "{text}");
    // A municipality may not verify, with or without progress.
    let municipality = app.token("municipality:38-01");
    let (status, _) =
        app.call(Method::GET, "/api/v1/verify?progress=true", Some(&municipality), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn verify_stops_when_the_server_shuts_down() {
    let app = App::new();
    let token = app.token("operator");
    assert_eq!(app.post(&token, municipality("38-12")).await.0, StatusCode::CREATED);
    let auditor = app.token("auditor");
    app.state.begin_shutdown();
    let (status, answer) = app.call(Method::GET, "/api/v1/verify", Some(&auditor), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(answer["code"], "unavailable");
    let response = app
        .router
        .clone()
        .oneshot(request(Method::GET, "/api/v1/verify?progress=true", Some(&auditor), None))
        .await
        .unwrap();
    let mut body = response.into_body();
    let text = next_frame(&mut body).await;
    assert!(text.contains("event: cancelled"), "{text}");
}

#[test]
fn verify_chain_reports_progress_and_stops_when_asked() {
    let ledger = TempLedger::new();
    let events: Vec<_> =
        (0..2_500).map(|n| crate::support::event("s/1", &format!("payload {n}"))).collect();
    for chunk in events.chunks(500) {
        let request = letopis::store::AppendRequest::new(chunk.to_vec());
        ledger.ledger.append_blocking(request).unwrap();
    }
    let verify_chain = letopis::server::reads::verify_chain;
    let mut reports = Vec::new();
    let mut report = |checked, total| {
        reports.push((checked, total));
        true
    };
    let result = verify_chain(ledger.store(), false, &|| false, &mut report).unwrap().unwrap();
    assert!(result.ok);
    assert_eq!(result.last_seq, Some(2_500));
    assert_eq!(reports.last(), Some(&(2_500, 2_500)));
    // A stop signal (shutdown) ends the run without an answer.
    let stopped = verify_chain(ledger.store(), false, &|| true, &mut |_, _| true).unwrap();
    assert!(stopped.is_none());
}

/// Issue #20, item 2: a municipality that hires a teacher who worked in another municipality
/// reads, through no endpoint, anything of the teacher dated before the hire (secrecy row 12):
/// not the former employer, the earlier hire's birth year, the diagnostic scores. It continues
/// the open route (ИОМ) begun there: the route, its deficits and its steps not yet done (row
/// 13). Its hire is dated after the departure and no more than a month back (row 11).
#[tokio::test]
async fn issue_20_a_hire_opens_nothing_dated_before_it_through_any_endpoint() {
    use proto_events::vocabulary::{
        DiagnosticId, DiagnosticRecorded, RouteId, RouteOpened, RouteStepCompleted,
        RouteStepPlanned, StepForm, StepId,
    };
    let app = App::new();
    let operator = app.token("operator");
    small_region(&app, &operator).await;
    let teacher = || TeacherId::new("t-000200").unwrap();
    let competences = |list: &[&str]| -> std::collections::BTreeSet<CompetenceCode> {
        list.iter().map(|code| CompetenceCode::new(*code).unwrap()).collect()
    };
    let diagnostic = |id: &str, on: &str, scores: &[(&str, u16)], deficits: &[&str]| {
        command(
            DiagnosticRecorded {
                diagnostic: DiagnosticId::new(id).unwrap(),
                teacher: teacher(),
                procedure: ProcedureId::new("dp-1").unwrap(),
                taken_on: Date::parse_iso(on).unwrap(),
                scores: scores
                    .iter()
                    .map(|(code, score)| (CompetenceCode::new(*code).unwrap(), *score))
                    .collect(),
                deficits: competences(deficits),
            },
            on,
        )
    };
    let step = |id: &str, due: &str, on: &str| {
        command(
            RouteStepPlanned {
                route: RouteId::new("r-old").unwrap(),
                teacher: teacher(),
                step: StepId::new(id).unwrap(),
                form: StepForm::SelfStudy,
                program: None,
                deficits: competences(&["c1"]),
                due_on: Date::parse_iso(due).unwrap(),
            },
            on,
        )
    };
    // Its past in 38-99: a diagnostic, a route with one step done and one open, a seminar.
    let past = json!({"commands": [
        command(DiagnosticProcedureRegistered {
            procedure: ProcedureId::new("dp-1").unwrap(),
            title: "Диагностика профессиональных дефицитов".into(),
            level: ProcedureLevel::Regional,
            competences: competences(&["c1", "c2"]),
        }, "2020-01-01"),
        diagnostic("d-old", "2023-03-01", &[("c1", 4111), ("c2", 3222)], &["c1", "c2"]),
        command(RouteOpened {
            route: RouteId::new("r-old").unwrap(),
            teacher: teacher(),
            diagnostic: DiagnosticId::new("d-old").unwrap(),
            deficits: competences(&["c1", "c2"]),
        }, "2023-04-01"),
        step("s-done", "2023-06-01", "2023-04-01"),
        command(RouteStepCompleted {
            route: RouteId::new("r-old").unwrap(),
            teacher: teacher(),
            step: StepId::new("s-done").unwrap(),
            completed_on: day(2023, 5, 20),
            evidence: None,
        }, "2023-05-20"),
        step("s-open", "2025-03-01", "2024-09-01"),
        participation("t-000200"),
        command(proto_events::vocabulary::TeacherLeft {
            teacher: teacher(),
            organisation: OrgId::new("org-0043").unwrap(),
            reason: None,
        }, "2024-12-20"),
    ]});
    let (status, answer) = app.post(&operator, past).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");

    // The hire reaches neither into the years before nor into the former employment.
    let municipality = app.token("municipality:38-12");
    let hire_on = |effective: &str| {
        let mut body = hire("t-000200", "org-0042");
        body["effective"] = json!(effective);
        body
    };
    for effective in ["2000-01-01", "2024-12-10", "2024-12-20"] {
        let (status, answer) = app.post(&municipality, hire_on(effective)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{effective}: {answer}");
        assert_eq!(answer["field"], "commands[0].effective", "{answer}");
        assert!(!answer.to_string().contains("org-0043"), "{answer}");
    }
    let (status, answer) = app.post(&municipality, hire_on("2024-12-21")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let hire_seq = answer["seqs"][0].as_u64().unwrap();
    let (status, answer) = app
        .post(&operator, diagnostic("d-new", "2025-01-10", &[("c1", 9000), ("c2", 3000)], &["c2"]))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");

    // What is dated before the hire, by the auditor's whole read of the stream.
    let auditor = app.token("auditor");
    let (_, whole) = app
        .call(Method::GET, "/api/v1/streams/teacher/t-000200/events", Some(&auditor), None)
        .await;
    let before: Vec<String> = whole["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["effective"].as_str().unwrap() < "2024-12-21")
        .map(|event| event["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(before.len(), 8, "{whole}");
    let hidden = |path: &str, body: &Value| {
        let text = body.to_string();
        for id in &before {
            assert!(!text.contains(id.as_str()), "{path} shows {id}: {text}");
        }
        for secret in ["org-0043", ":4111", ":3222", "d-old", "2023-04-01", "s-done"] {
            assert!(!text.contains(secret), "{path} shows {secret}: {text}");
        }
    };
    for path in [
        "/api/v1/events?limit=1000",
        "/api/v1/routes",
        "/api/v1/figures?scope=municipality:38-12&evidence=true",
        "/api/v1/figures/diagnosed/evidence?scope=municipality:38-12",
        "/api/v1/figures/diagnosed/evidence?scope=municipality:38-12&date=2024-12-31",
        "/api/v1/export/figures.csv?scope=municipality:38-12",
    ] {
        let (status, body) = app.call(Method::GET, path, Some(&municipality), None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        hidden(path, &body);
    }
    for id in &before {
        let path = format!("/api/v1/events/{id}");
        let (status, body) = app.call(Method::GET, &path, Some(&municipality), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = app.call(Method::GET, "/api/v1/log", Some(&municipality), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Its stream from the hire on, saying what the filter skipped.
    let path = "/api/v1/streams/teacher/t-000200/events";
    let (status, page) = app.call(Method::GET, path, Some(&municipality), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    hidden(path, &page);
    let kinds: Vec<&str> =
        page["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["teacher_hired", "diagnostic_recorded"], "{page}");
    assert_eq!(page["skipped"], 8, "{page}");
    assert_eq!(page["scope_filter"], "municipality:38-12", "{page}");

    // The route it continues: deficits and steps not done, not the scores it was built on.
    let path = "/api/v1/teachers/t-000200/routes";
    let (status, routes) = app.call(Method::GET, path, Some(&municipality), None).await;
    assert_eq!(status, StatusCode::OK, "{routes}");
    hidden(path, &routes);
    let view = &routes[0];
    let diagnostics: Vec<&str> =
        view["diagnostics"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(diagnostics, ["d-new"], "{view}");
    let route = &view["routes"][0];
    assert_eq!(route["id"], "r-old", "{view}");
    assert_eq!(route["status"], "open", "{view}");
    assert_eq!(route["opened_on"], Value::Null, "{view}");
    assert_eq!(route["open_deficits"], json!(["c2"]), "{view}");
    assert_eq!(route["closed_deficits"][0]["by_diagnostic"], "d-new", "{view}");
    let steps: Vec<&str> =
        route["steps"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(steps, ["s-open"], "{view}");
    // A region-wide role still reads the whole route.
    let (_, whole) = app.call(Method::GET, path, Some(&operator), None).await;
    assert_eq!(whole[0]["routes"][0]["opened_on"], "2023-04-01", "{whole}");
    assert_eq!(whole[0]["diagnostics"].as_array().unwrap().len(), 2, "{whole}");

    // The feed: from its scope's first event on, nothing dated before the hire.
    let response = app
        .router
        .clone()
        .oneshot(request(Method::GET, "/api/v1/feed?from=1", Some(&municipality), None))
        .await
        .unwrap();
    let mut body = response.into_body();
    let mut text = String::new();
    while !text.contains(&format!("id: {}\n", hire_seq + 1)) {
        text.push_str(&next_frame(&mut body).await);
    }
    hidden("/api/v1/feed", &Value::String(text));
}
