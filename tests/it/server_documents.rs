//! Documents over HTTP (issue 7): `POST /api/v1/import/plan` as a multipart upload answers the
//! CLI's report in JSON (dry run, import, unchanged re-import, 422 refusals naming file, row and
//! column with nothing appended), who may import which level, the upload limit (413 beyond it,
//! above the API's 1 MiB body limit below it); the XLSX/CSV exports with their headers, scope
//! checks and the numbers of `/api/v1/figures`; and the OpenAPI document listing them.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use letopis::commands::open_ledger;
use letopis::server::auth::{create_token, Role};
use letopis::server::{router, AppState};
use serde_json::Value;
use tower::ServiceExt;

use crate::support::{StepClock, TempLedger};

const BOUNDARY: &str = "letopis-test-boundary";
const PLAN_CSV: &str = "№ п/п;Наименование мероприятия;Сроки исполнения;Ответственный исполнитель;Соисполнители;Ожидаемый результат;Документ, фиксирующий результат\r\n\
Раздел 1. Диагностика;;;;;;\r\n\
1.1;Проведение диагностики дефицитов;до 01.03.2024;ЦОПМКиМКО;ЦНППМ, ММС;90% педагогов прошли диагностику;Аналитическая справка\r\n\
1.2;Построение ИОМ;2024 год;ЦНППМ;;Не менее 10 %;Отчёт\r\n\
Раздел 2. Наставничество;;;;;;\r\n\
2.1;Формирование наставнических пар;сентябрь 2024 г.;ОО;МОУО;85 % ОО;Приказ\r\n";

struct App {
    ledger: TempLedger,
    router: Router,
}

/// What came back: status, headers of interest and the body.
struct Answer {
    status: StatusCode,
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
}

impl App {
    fn new() -> App {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open_ledger(dir.path(), StepClock::new()).unwrap();
        let ledger = TempLedger { dir, ledger };
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

    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &axum::http::HeaderValue| v.to_str().unwrap_or("").to_string())
                .unwrap_or_default()
        };
        let status = response.status();
        let content_type = header_text(header::CONTENT_TYPE);
        let disposition = header_text(header::CONTENT_DISPOSITION);
        let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer { status, content_type, disposition, bytes }
    }

    async fn get(&self, token: &str, path: &str) -> Answer {
        let request = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn upload(&self, token: &str, file: (&str, &[u8]), fields: &[(&str, &str)]) -> Answer {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/import/plan")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(multipart(file, fields)))
            .unwrap();
        self.send(request).await
    }
}

fn multipart(file: (&str, &[u8]), fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

const REGIONAL: [(&str, &str); 3] = [
    ("level", "regional"),
    ("title", "План мероприятий на 2024 год"),
    ("basis", "Приказ №10 от 15.01.2024"),
];

fn with<'a>(base: &[(&'a str, &'a str)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(extra).copied().collect()
}

#[tokio::test]
async fn plan_upload_reports_like_the_cli_and_exports_back() {
    let app = App::new();
    let operator = app.token("operator");
    let file = ("plan.csv", PLAN_CSV.as_bytes());

    let dry = app.upload(&operator, file, &with(&REGIONAL, &[("dry_run", "true")])).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.json());
    let report = dry.json();
    assert_eq!(report["code"], "dry_run");
    assert_eq!(report["activities_added"], 3);
    assert_eq!(report["sections_added"], 2);
    assert!(report["events"][0].as_str().unwrap().starts_with("plan_created"), "{report}");
    assert_eq!(app.head(), 0, "a dry run appends nothing");

    let done = app.upload(&operator, file, &REGIONAL).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json());
    let report = done.json();
    assert_eq!(report["code"], "imported");
    // The operator records the plan, its sections and activities; the ministry approves it.
    assert_eq!(report["appended"], 6, "{report}");
    assert_eq!(report["first_seq"], 1);
    assert_eq!(app.head(), 6);
    assert!(report["notes"][0].as_str().unwrap().contains("министерство"), "{report}");
    let plan = report["plan"].as_str().unwrap().to_string();

    let plans = app.get(&operator, "/api/v1/plans?date=2024-02-01").await.json();
    assert_eq!(plans[0]["id"], plan.as_str());
    assert_eq!(plans[0]["basis"], "Приказ №10 от 15.01.2024");
    assert_eq!(plans[0]["sections"][0]["activities"][0]["term"]["kind"], "date");

    let again = app.upload(&operator, file, &REGIONAL).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["code"], "unchanged");
    assert_eq!(app.head(), 6);

    let auditor = app.token("auditor");
    let workbook =
        app.get(&auditor, &format!("/api/v1/export/plan/{plan}.xlsx?date=2024-02-01")).await;
    assert_eq!(workbook.status, StatusCode::OK);
    assert_eq!(
        workbook.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(workbook.disposition, format!("attachment; filename=\"{plan}.xlsx\""));
    assert!(workbook.bytes.starts_with(b"PK\x03\x04"));
    // The exported workbook imports back over HTTP into the same plan: nothing to change.
    let back = app.upload(&operator, ("plan.xlsx", &workbook.bytes), &REGIONAL).await;
    assert_eq!(back.json()["code"], "unchanged", "{}", back.json());
    // The same plan as a Word document (issue #14), which imports back as the same plan too.
    let word = app.get(&auditor, &format!("/api/v1/export/plan/{plan}.docx?date=2024-02-01")).await;
    assert_eq!(word.status, StatusCode::OK);
    assert_eq!(
        word.content_type,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(word.disposition, format!("attachment; filename=\"{plan}.docx\""));
    assert!(word.bytes.starts_with(b"PK\x03\x04"));
    let back = app.upload(&operator, ("plan.docx", &word.bytes), &REGIONAL).await;
    assert_eq!(back.json()["code"], "unchanged", "{}", back.json());

    let missing = app.get(&auditor, "/api/v1/export/plan/plan-0000000000000000.xlsx").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["code"], "not_found");
    let no_suffix = app.get(&auditor, &format!("/api/v1/export/plan/{plan}")).await;
    assert_eq!(no_suffix.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refused_uploads_are_422_with_the_row_level_report_and_append_nothing() {
    let app = App::new();
    let operator = app.token("operator");
    let seed = std::fs::read(
        [
            std::env::var_os("LETOPIS_SEEDS").map(std::path::PathBuf::from),
            Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds")),
            Some(std::path::PathBuf::from("/work/shared/seeds")),
        ]
        .into_iter()
        .flatten()
        .map(|dir| dir.join("001_78658875f6c88a1e.txt"))
        .find(|path| path.exists())
        .expect("seed acts"),
    )
    .unwrap();
    let refused = app.upload(&operator, ("001.txt", &seed), &REGIONAL).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let report = refused.json();
    assert_eq!(report["code"], "import_refused");
    assert!(report["message"].as_str().unwrap().contains("accept_warnings"), "{report}");
    let issue = report["issues"].as_array().unwrap().iter().find(|i| i["row"] == 430).unwrap();
    assert_eq!(issue["file"], "001.txt");
    assert_eq!(issue["severity"], "warning");
    assert_eq!(app.head(), 0);

    let accepted = app
        .upload(&operator, ("001.txt", &seed), &with(&REGIONAL, &[("accept_warnings", "1")]))
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.json());
    assert_eq!(accepted.json()["activities_added"], 65);

    let garbage = app.upload(&operator, ("x.xlsx", b"PK\x03\x04 broken"), &REGIONAL).await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(garbage.json()["issues"][0]["severity"], "error");

    let head = app.head();
    let no_title = app
        .upload(
            &operator,
            ("plan.csv", PLAN_CSV.as_bytes()),
            &[("level", "regional"), ("basis", "Приказ №1 от 01.01.2024")],
        )
        .await;
    assert_eq!(no_title.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_title.json()["field"], "title");
    let bad_basis = app
        .upload(
            &operator,
            ("plan.csv", PLAN_CSV.as_bytes()),
            &with(&REGIONAL[..2], &[("basis", "когда-то")]),
        )
        .await;
    assert_eq!(bad_basis.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_basis.json()["field"], "basis");
    let unknown = app
        .upload(
            &operator,
            ("plan.csv", PLAN_CSV.as_bytes()),
            &with(&REGIONAL, &[("colour", "red")]),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.json()["code"], "malformed_request");
    let not_a_form = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/import/plan")
                .header(header::AUTHORIZATION, format!("Bearer {operator}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(not_a_form.status, StatusCode::BAD_REQUEST);
    assert!(not_a_form.json()["message"].as_str().unwrap().contains("multipart"));
    assert_eq!(app.head(), head);
}

/// Issue #20.1 over HTTP: a 2 KB workbook declaring `A1:XFD1048576` brought the server down;
/// it is 422 with the cell named, even as a dry run, and nothing is written.
#[tokio::test]
async fn issue_20_corner_bomb_upload_is_422_naming_the_cell() {
    let app = App::new();
    let operator = app.token("operator");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "№").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let bomb = workbook.save_to_buffer().unwrap();
    for fields in [with(&REGIONAL, &[]), with(&REGIONAL, &[("dry_run", "true")])] {
        let answer = app.upload(&operator, ("bomb.xlsx", &bomb), &fields).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        let report = answer.json();
        assert!(
            report["issues"][0]["message"].as_str().unwrap().contains("XFD1048576"),
            "{report}"
        );
    }
    assert_eq!(app.head(), 0);
}

#[tokio::test]
async fn who_may_import_which_plan() {
    let app = App::new();
    let file = ("plan.csv", PLAN_CSV.as_bytes());
    let municipal =
        [("level", "municipal"), ("title", "План района"), ("basis", "Приказ №3 от 15.01.2024")];
    for (role, fields, expected) in [
        ("auditor", &REGIONAL, StatusCode::FORBIDDEN),
        ("organisation:school-1", &REGIONAL, StatusCode::FORBIDDEN),
        ("municipality:38-01", &REGIONAL, StatusCode::FORBIDDEN),
        ("operator", &municipal, StatusCode::FORBIDDEN),
        ("ministry", &municipal, StatusCode::FORBIDDEN),
    ] {
        let token = app.token(role);
        let answer = app.upload(&token, file, fields).await;
        assert_eq!(answer.status, expected, "{role}: {}", answer.json());
        assert_eq!(answer.json()["code"], "forbidden", "{role}");
    }
    assert_eq!(app.head(), 0);
    // A role that may import no plan is refused before its upload is read: even an upload over
    // the limit is 403, not 413.
    let huge = vec![b'x'; letopis::server::documents::UPLOAD_BYTES_MAX + 1024];
    for role in ["auditor", "organisation:school-1"] {
        let answer = app.upload(&app.token(role), ("huge.csv", &huge), &REGIONAL).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{role}: {}", answer.json());
    }

    let ministry = app.token("ministry");
    let answer = app.upload(&ministry, file, &REGIONAL).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    // The ministry's import includes the approval: created, approved, 2 sections, 3 activities.
    assert_eq!(answer.json()["appended"], 7);

    let municipality = app.token("municipality:38-01");
    let answer = app.upload(&municipality, file, &municipal).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    assert_eq!(answer.json()["appended"], 7);
    let ours = answer.json()["plan"].clone();
    // Another municipality's plan of the same title is its own plan, not an amendment of ours.
    let other = app.token("municipality:38-02");
    let amended = PLAN_CSV.replace("до 01.03.2024", "до 01.04.2024");
    let answer = app
        .upload(
            &other,
            ("plan.csv", amended.as_bytes()),
            &with(&municipal[..2], &[("basis", "Приказ №4 от 01.02.2024")]),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    assert_eq!(answer.json()["is_amendment"], false);
    assert_ne!(answer.json()["plan"], ours);
    assert_eq!(app.head(), 21);
}

#[tokio::test]
async fn uploads_have_their_own_limit_and_413_beyond_it() {
    let app = App::new();
    let operator = app.token("operator");
    // Over the API's 1 MiB body limit but under the upload limit: read (and refused as a table).
    let large = vec![b'x'; 2 * 1024 * 1024];
    let answer = app.upload(&operator, ("big.csv", &large), &REGIONAL).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.json());
    // Over the upload limit: 413 in our format, naming the limit.
    let huge = vec![b'x'; letopis::server::documents::UPLOAD_BYTES_MAX + 1024];
    let answer = app.upload(&operator, ("huge.csv", &huge), &REGIONAL).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    let body = answer.json();
    assert_eq!(body["code"], "payload_too_large");
    assert!(body["message"].as_str().unwrap().contains("16777216"), "{body}");
    assert_eq!(app.head(), 0);
}

#[tokio::test]
async fn figure_exports_carry_the_numbers_of_the_api() {
    let app = App::new();
    let ministry = app.token("ministry");
    let json = app.get(&ministry, "/api/v1/figures?date=2024-12-31").await.json();
    let figures = json.as_array().unwrap();
    assert!(!figures.is_empty());

    let csv = app.get(&ministry, "/api/v1/export/figures.csv?date=2024-12-31").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    assert_eq!(csv.disposition, "attachment; filename=\"figures-region-2024-12-31.csv\"");
    let text = String::from_utf8(csv.bytes.clone()).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), figures.len() + 1);
    for (line, figure) in lines.iter().skip(1).zip(figures) {
        let cells: Vec<&str> = line.split(';').collect();
        assert_eq!(cells[0], figure["code"].as_str().unwrap());
        assert_eq!(cells[5], figure["numerator"].to_string());
        assert_eq!(cells[6], figure["denominator"].to_string());
    }

    let xlsx = app.get(&ministry, "/api/v1/export/figures.xlsx?date=2024-12-31&known_at=0").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.content_type.starts_with("application/vnd.openxmlformats"));
    assert!(xlsx.bytes.starts_with(b"PK\x03\x04"));

    let municipality = app.token("municipality:38-01");
    let refused = app.get(&municipality, "/api/v1/export/figures.csv?date=2024-12-31").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let bad = app.get(&ministry, "/api/v1/export/figures.csv?date=31.12.2024").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["field"], "date");

    let openapi = app.get(&ministry, "/openapi.json").await.json();
    for path in [
        "/api/v1/import/plan",
        "/api/v1/export/plan/{file}",
        "/api/v1/export/figures.xlsx",
        "/api/v1/export/figures.csv",
    ] {
        assert!(openapi["paths"].get(path).is_some(), "{path} in the OpenAPI document");
    }
}

#[tokio::test]
async fn a_word_upload_without_an_act_takes_the_one_in_its_heading() {
    let app = App::new();
    let ministry = app.token("ministry");
    let docx = crate::docx::plan_with_heading();
    let fields = [("level", "regional"), ("title", "План работы на 2021 год"), ("dry_run", "true")];
    let dry = app.upload(&ministry, ("plan.docx", &docx), &fields).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.json());
    let report = dry.json();
    assert_eq!(report["activities_added"], 2, "{report}");
    assert_eq!(report["skipped"][0]["row"], 4, "{report}");
    assert_eq!(report["skipped"][0]["text"], "Лист согласования", "{report}");
    assert_eq!(report["joined"], serde_json::json!([]));

    // A CSV names no act: the act is then required.
    let csv = app.upload(&ministry, ("plan.csv", PLAN_CSV.as_bytes()), &fields).await;
    assert_eq!(csv.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", csv.json());
    assert_eq!(csv.json()["field"], "basis");
    assert_eq!(app.head(), 0);
}
