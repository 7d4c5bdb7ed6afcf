//! The dashboard over plain HTTP (no browser), through the `Router` with `oneshot`: sign-in and
//! its cookie, the CSRF token of every form, sessions ended by sign-out and by a revoked token,
//! the API's role rules on pages (403 for another municipality, 404 for a teacher outside the
//! scope), and the Сводка's `data-value`s equal to the API's JSON on the demo district.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use letopis::cli::demo::DemoSummary;
use letopis::server::auth::{create_token, revoke_token, Role};
use letopis::store::Ledger;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::district_with_router;

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

/// An answer: status, headers we look at, body as text.
struct Answer {
    status: StatusCode,
    location: Option<String>,
    set_cookie: Option<String>,
    body: String,
}

impl Demo {
    fn token(&self, role: &str) -> (String, String) {
        let role: Role = role.parse().unwrap();
        let (secret, record) = create_token(self.ledger.store(), role).unwrap();
        (secret, record.id)
    }

    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .map(|value: &header::HeaderValue| value.to_str().unwrap().to_string())
        };
        let (status, location, set_cookie) =
            (response.status(), header_text(header::LOCATION), header_text(header::SET_COOKIE));
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer { status, location, set_cookie, body: String::from_utf8_lossy(&bytes).into() }
    }

    async fn page(&self, path: &str, cookie: &str) -> Answer {
        let request = Request::builder()
            .uri(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn post(&self, path: &str, cookie: &str, form: &str) -> Answer {
        let request = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .unwrap();
        self.send(request).await
    }

    async fn api(&self, path: &str, secret: &str) -> (StatusCode, Value) {
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap();
        let answer = self.send(request).await;
        (answer.status, serde_json::from_str(&answer.body).unwrap_or(Value::Null))
    }

    /// Signs in with `secret` as a browser does; returns the `Cookie` header of the session.
    async fn sign_in(&self, secret: &str) -> String {
        let form = self.page("/login", "").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        let csrf = hidden(&form.body, "csrf_token");
        let answer = self.post("/login", "", &format!("token={secret}&csrf_token={csrf}")).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let cookie = answer.set_cookie.expect("a session cookie");
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attribute), "{attribute} missing in {cookie}");
        }
        cookie.split(';').next().unwrap().to_string()
    }
}

/// The value of the hidden input `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The value of attribute `name` in the opening tag `tag` (the text from `<` to `>`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    tag[start..].split('"').next().map(str::to_string)
}

/// Every element carrying `data-code` on a page: (code, scope, value, met).
pub fn figure_rows(html: &str) -> Vec<(String, String, String, String)> {
    let mut rows = Vec::new();
    for piece in html.split('<').skip(1) {
        let tag = piece.split('>').next().unwrap();
        if let Some(code) = attribute(tag, "data-code") {
            let get = |name| attribute(tag, name).unwrap_or_else(|| panic!("{name} in {tag}"));
            rows.push((code, get("data-scope"), get("data-value"), get("data-met")));
        }
    }
    rows
}

/// The API's JSON value of a figure as the page writes it: the JSON text, empty for null.
pub fn json_value_text(figure: &Value) -> String {
    match &figure["value"] {
        Value::Null => String::new(),
        value => value.to_string(),
    }
}

/// Checks the Сводка's rows against `GET /api/v1/figures` for the same query.
async fn check_figures_equal_api(demo: &Demo, query: &str, secret: &str, cookie: &str) {
    let (status, api) = demo.api(&format!("/api/v1/figures?{query}"), secret).await;
    assert_eq!(status, StatusCode::OK, "{api}");
    let page = demo.page(&format!("/figures?{query}"), cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let rows = figure_rows(&page.body);
    let api = api.as_array().unwrap();
    assert_eq!(rows.len(), api.len(), "every figure of the catalogue");
    for (row, figure) in rows.iter().zip(api) {
        assert_eq!(row.0, figure["code"].as_str().unwrap());
        assert_eq!(row.1, figure["scope"].as_str().unwrap());
        assert_eq!(row.2, json_value_text(figure), "value of {}", row.0);
        let met = match &figure["met"] {
            Value::Bool(met) => met.to_string(),
            _ => String::new(),
        };
        assert_eq!(row.3, met, "met of {}", row.0);
    }
}

#[tokio::test]
async fn a_page_without_a_session_redirects_to_the_sign_in_page() {
    let demo = demo();
    for path in ["/figures", "/plans", "/reports", "/audit", "/teachers/t-000001", "/"] {
        for cookie in ["", "letopis_session=00", &format!("letopis_session={}", "ab".repeat(32))] {
            let answer = demo.page(path, cookie).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path} {cookie}");
            assert_eq!(answer.location.as_deref(), Some("/login"), "{path}");
        }
    }
}

#[tokio::test]
async fn sign_in_refuses_a_wrong_token_a_stale_form_and_another_site() {
    let demo = demo();
    let (secret, _) = demo.token("ministry");
    let form = demo.page("/login", "").await;
    assert!(form.body.contains("name=\"token\""), "{}", form.body);
    let csrf = hidden(&form.body, "csrf_token");
    let wrong = demo.post("/login", "", &format!("token=lt_00&csrf_token={csrf}")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.set_cookie.is_none() && wrong.body.contains("Токен не подошёл"));
    let stale = demo.post("/login", "", &format!("token={secret}&csrf_token=1.abc")).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    assert!(stale.set_cookie.is_none());
    let missing = demo.post("/login", "", &format!("token={secret}")).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let request = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(format!("token={secret}&csrf_token={csrf}")))
        .unwrap();
    let cross = demo.send(request).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert!(cross.set_cookie.is_none());
}

#[tokio::test]
async fn sign_out_needs_the_sessions_csrf_token_and_ends_the_session() {
    let demo = demo();
    let (secret, _) = demo.token("operator");
    let cookie = demo.sign_in(&secret).await;
    let page = demo.page("/figures", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden(&page.body, "csrf_token");
    let forged = demo.post("/logout", &cookie, "csrf_token=forged").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(demo.page("/figures", &cookie).await.status, StatusCode::OK, "still signed in");
    let out = demo.post("/logout", &cookie, &format!("csrf_token={csrf}")).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.set_cookie.unwrap().contains("Max-Age=0"));
    assert_eq!(demo.page("/figures", &cookie).await.status, StatusCode::SEE_OTHER);
    // A second session of the same token was never the first one's.
    let other = demo.sign_in(&secret).await;
    assert_ne!(other, cookie);
}

#[tokio::test]
async fn a_revoked_token_ends_its_sessions() {
    let demo = demo();
    let (secret, id) = demo.token("auditor");
    let cookie = demo.sign_in(&secret).await;
    assert_eq!(demo.page("/audit", &cookie).await.status, StatusCode::OK);
    assert!(revoke_token(demo.ledger.store(), &id).unwrap());
    let answer = demo.page("/audit", &cookie).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn the_summary_shows_the_apis_values_for_every_role_and_scope() {
    let demo = demo();
    let (ministry, _) = demo.token("ministry");
    let cookie = demo.sign_in(&ministry).await;
    check_figures_equal_api(demo, "scope=region&date=2024-12-31", &ministry, &cookie).await;
    check_figures_equal_api(demo, "scope=municipality:38-12&date=2024-12-31", &ministry, &cookie)
        .await;
    // With the trend by year, the same figures, and a line each with its values in words.
    let trend = demo.page("/figures?scope=region&date=2024-12-31&trend=1", &cookie).await;
    assert_eq!(trend.status, StatusCode::OK);
    assert_eq!(trend.body.matches("<svg class=\"trend\"").count(), 32);
    assert!(trend.body.contains("aria-label=\"Динамика: 31.12.2020 — "), "{}", trend.body);
    let (own, _) = demo.token("municipality:38-12");
    let cookie = demo.sign_in(&own).await;
    check_figures_equal_api(demo, "scope=municipality:38-12&date=2023-06-30", &own, &cookie).await;
    let head = demo.summary.head_seq / 2;
    let query = format!("scope=municipality:38-12&date=2024-12-31&known_at={head}");
    check_figures_equal_api(demo, &query, &own, &cookie).await;
}

#[tokio::test]
async fn secrecy_1_a_municipality_gets_403_for_another_municipalitys_summary() {
    let demo = demo();
    let (own, _) = demo.token("municipality:38-12");
    let cookie = demo.sign_in(&own).await;
    for path in ["/figures?scope=municipality:38-99", "/figures?scope=region"] {
        let answer = demo.page(path, &cookie).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert!(answer.body.contains("Доступ запрещён"), "{}", answer.body);
    }
    // Its own scope is its default.
    let home = demo.page("/", &cookie).await;
    assert_eq!(home.location.as_deref(), Some("/figures?scope=municipality:38-12"));
    assert_eq!(demo.page("/audit", &cookie).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn known_then_lists_the_figures_that_changed_since() {
    let demo = demo();
    let (ministry, _) = demo.token("ministry");
    let cookie = demo.sign_in(&ministry).await;
    let (status, body) = demo.api("/api/v1/reports/verification", &ministry).await;
    assert_eq!(status, StatusCode::OK);
    let report = body["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["reported"]["report"] == "rep-2024-38-12-diagnosed")
        .expect("the demo's corrected report")
        .clone();
    let report_seq = report["report_seq"].as_u64().unwrap();
    let date = report["reported"]["valid_on"].as_str().unwrap();
    let query = format!("scope=municipality:38-12&date={date}&known_at={report_seq}");
    check_figures_equal_api(demo, &query, &ministry, &cookie).await;
    let page = demo.page(&format!("/figures?{query}"), &cookie).await;
    assert!(page.body.contains("Что изменилось с тех пор"), "{}", page.body);
    assert!(page.body.contains("data-changed-code=\"diagnosed\""), "{}", page.body);
    let now = demo.page(&format!("/figures?scope=municipality:38-12&date={date}"), &cookie).await;
    assert!(!now.body.contains("Что изменилось с тех пор"));
}

#[tokio::test]
async fn every_page_answers_the_roles_that_may_read_it() {
    let demo = demo();
    let (operator, _) = demo.token("operator");
    let (_, plans) = demo.api("/api/v1/plans?date=2024-12-31", &operator).await;
    let plan = plans[0]["id"].as_str().unwrap().to_string();
    let (_, routes) = demo.api("/api/v1/routes?date=2024-12-31", &operator).await;
    let teacher = routes
        .as_array()
        .unwrap()
        .iter()
        .find(|view| !view["routes"].as_array().unwrap().is_empty())
        .map(|view| view["teacher"].as_str().unwrap().to_string())
        .unwrap();
    let pages = [
        "/plans".to_string(),
        format!("/plans/{plan}?date=2024-12-31"),
        format!("/teachers/{teacher}?date=2024-12-31"),
        "/reports".to_string(),
        "/figures?scope=region&date=2024-12-31".to_string(),
    ];
    for role in ["ministry", "operator", "auditor"] {
        let cookie = demo.sign_in(&demo.token(role).0).await;
        for path in pages.iter().chain([&"/audit".to_string()]) {
            let answer = demo.page(path, &cookie).await;
            let expected = if path == "/audit" && role == "operator" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::OK
            };
            assert_eq!(answer.status, expected, "{role} {path}: {}", answer.body);
            assert!(answer.body.contains("<html lang=\"ru\">"), "{path}");
        }
    }
    let stranger = demo.sign_in(&demo.token("organisation:someone-else").0).await;
    let answer = demo.page(&format!("/teachers/{teacher}?date=2024-12-31"), &stranger).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "as the API: {}", answer.body);
    let cookie = demo.sign_in(&operator).await;
    assert_eq!(demo.page("/plans/no-such-plan", &cookie).await.status, StatusCode::NOT_FOUND);
}

/// Each row of the drill-down carries the API's value of that territory's figure.
async fn check_territory_rows_equal_api(demo: &Demo, query: &str, secret: &str, cookie: &str) {
    let page = demo.page(&format!("/territory?{query}"), cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let rows = figure_rows_without_met(&page.body);
    assert!(!rows.is_empty(), "{}", page.body);
    let at: Vec<&str> = query
        .split('&')
        .filter(|pair| pair.starts_with("date=") || pair.starts_with("known_at="))
        .collect();
    let at = at.join("&");
    for (code, scope, value) in &rows {
        let (status, api) = demo.api(&format!("/api/v1/figures?scope={scope}&{at}"), secret).await;
        assert_eq!(status, StatusCode::OK, "{api}");
        let figure =
            api.as_array().unwrap().iter().find(|figure| figure["code"] == **code).unwrap();
        assert_eq!(*value, json_value_text(figure), "{code} at {scope}");
    }
}

/// Every element carrying `data-code` with `data-scope` and `data-value`: (code, scope, value).
fn figure_rows_without_met(html: &str) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for piece in html.split('<').skip(1) {
        let tag = piece.split('>').next().unwrap();
        if let (Some(code), Some(scope), Some(value)) = (
            attribute(tag, "data-code"),
            attribute(tag, "data-scope"),
            attribute(tag, "data-value"),
        ) {
            rows.push((code, scope, value));
        }
    }
    rows
}

#[tokio::test]
async fn the_territory_drill_down_shows_the_apis_values_sorts_on_the_server_and_keeps_the_scope() {
    let demo = demo();
    let (ministry, _) = demo.token("ministry");
    let cookie = demo.sign_in(&ministry).await;
    let query = "scope=region&code=diagnosed&date=2024-12-31";
    check_territory_rows_equal_api(demo, query, &ministry, &cookie).await;
    check_territory_rows_equal_api(
        demo,
        "scope=municipality:38-12&code=diagnosed&date=2024-12-31",
        &ministry,
        &cookie,
    )
    .await;
    // Sorted by value, descending by default; by name on the header's link.
    let page = demo.page(&format!("/territory?{query}"), &cookie).await;
    let values: Vec<f64> = figure_rows_without_met(&page.body)
        .iter()
        .filter_map(|(_, scope, value)| (scope != "region").then(|| value.parse().ok()).flatten())
        .collect();
    assert!(values.windows(2).all(|pair| pair[0] >= pair[1]), "{values:?}");
    assert!(page.body.contains("aria-sort=\"descending\""), "{}", page.body);
    assert!(page.body.contains("sort=name&amp;order=asc"), "{}", page.body);
    let by_name = demo.page(&format!("/territory?{query}&sort=name&order=asc"), &cookie).await;
    assert_eq!(by_name.status, StatusCode::OK);
    // Rows link on: a municipality to its organisations.
    assert!(page.body.contains("/territory?scope=municipality:38-12&amp;code=diagnosed"));
    // Known at an earlier point: the same values as the API at that point.
    let head = demo.summary.head_seq / 2;
    check_territory_rows_equal_api(
        demo,
        &format!("scope=region&code=diagnosed&date=2024-12-31&known_at={head}"),
        &ministry,
        &cookie,
    )
    .await;
    let unknown = demo.page("/territory?scope=region&code=no_such_code", &cookie).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // A municipality: its own organisations, the API's 403 elsewhere.
    let (own, _) = demo.token("municipality:38-12");
    let cookie = demo.sign_in(&own).await;
    check_territory_rows_equal_api(demo, "code=diagnosed&date=2024-12-31", &own, &cookie).await;
    for scope in ["region", "municipality:38-99"] {
        let answer = demo.page(&format!("/territory?scope={scope}"), &cookie).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{scope}");
    }
}

#[tokio::test]
async fn the_indicator_page_draws_the_years_with_each_acts_target_and_lists_the_apis_evidence() {
    let demo = demo();
    let (ministry, _) = demo.token("ministry");
    let cookie = demo.sign_in(&ministry).await;
    let page = demo.page("/indicators/fr_by_deficit?scope=region&date=2024-12-31", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let (_, api) = demo
        .api("/api/v1/figures/fr_by_deficit/evidence?scope=region&date=2024-12-31", &ministry)
        .await;
    let own = figure_rows(&page.body).into_iter().find(|row| row.1 == "region").unwrap();
    assert_eq!(own.2, json_value_text(&api));
    assert!(page.body.contains("<svg class=\"years\""), "{}", page.body);
    // The demo's conflicting acts: both drawn, both named in the legend.
    let acts: std::collections::BTreeSet<&str> = api["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|target| target["act"].as_str().unwrap())
        .collect();
    assert!(acts.len() >= 2, "{api}");
    assert!(page.body.matches("<path class=\"target\"").count() >= 2, "{}", page.body);
    assert!(page.body.contains(">А2</text>"));
    // The evidence is the API's, by pseudonymous id.
    for item in api["evidence"].as_array().unwrap().iter().take(50) {
        assert!(page.body.contains(item["id"].as_str().unwrap()), "{item}");
    }
    // Each year's row is the API's figure on 31 December of that year.
    let (_, earlier) = demo.api("/api/v1/figures?scope=region&date=2023-12-31", &ministry).await;
    let earlier =
        earlier.as_array().unwrap().iter().find(|f| f["code"] == "fr_by_deficit").unwrap();
    assert!(
        page.body
            .contains(&format!("data-year=\"2023\" data-value=\"{}\"", json_value_text(earlier))),
        "{}",
        page.body
    );
    assert_eq!(demo.page("/indicators/nothing", &cookie).await.status, StatusCode::NOT_FOUND);
    let (own, _) = demo.token("municipality:38-12");
    let cookie = demo.sign_in(&own).await;
    let mine = demo.page("/indicators/diagnosed?date=2024-12-31", &cookie).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let region = demo.page("/indicators/diagnosed?scope=region", &cookie).await;
    assert_eq!(region.status, StatusCode::FORBIDDEN);
}

const BOUNDARY: &str = "letopis-web-boundary";
const PLAN_CSV: &str = "№ п/п;Наименование мероприятия;Сроки исполнения;Ответственный исполнитель;Соисполнители;Ожидаемый результат;Документ, фиксирующий результат\r\n\
Раздел 1. Диагностика;;;;;;\r\n\
1.1;Проведение диагностики дефицитов;до 01.03.2024;ЦОПМКиМКО;ЦНППМ, ММС;90% педагогов прошли диагностику;Аналитическая справка\r\n\
1.2;Построение ИОМ;2024 год;ЦНППМ;;Не менее 10 %;Отчёт\r\n";

fn multipart(file: (&str, &[u8]), fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
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

impl Demo {
    async fn upload(&self, cookie: &str, file: (&str, &[u8]), fields: &[(&str, &str)]) -> Answer {
        let request = Request::builder()
            .method("POST")
            .uri("/plans/import")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(Body::from(multipart(file, fields)))
            .unwrap();
        self.send(request).await
    }

    fn head(&self) -> u64 {
        self.ledger.store().head().seq.0
    }
}

#[tokio::test]
async fn an_operator_imports_a_plan_after_its_dry_run_and_an_amended_version_shows_its_diff() {
    let demo = demo();
    let (operator, _) = demo.token("operator");
    let cookie = demo.sign_in(&operator).await;
    let form = demo.page("/plans/import", &cookie).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let csrf = hidden(&form.body, "csrf_token");
    let title = "План веб-импорта на 2024 год";
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("level", "regional"),
        ("title", title),
        ("basis", "Приказ №77 от 15.01.2024"),
    ];
    // Without the session's CSRF token nothing is read.
    let forged = demo.upload(&cookie, ("plan.csv", PLAN_CSV.as_bytes()), &fields[1..]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let before = demo.head();
    let preview = demo.upload(&cookie, ("plan.csv", PLAN_CSV.as_bytes()), &fields).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("data-import-code=\"dry_run\""), "{}", preview.body);
    assert!(preview.body.contains("plan_created"), "{}", preview.body);
    assert_eq!(demo.head(), before, "a preview records nothing");
    let upload = hidden(&preview.body, "upload");
    let forged =
        demo.post("/plans/import/confirm", &cookie, &format!("csrf_token=x&upload={upload}")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let done = demo
        .post("/plans/import/confirm", &cookie, &format!("csrf_token={csrf}&upload={upload}"))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("data-import-code=\"imported\""), "{}", done.body);
    assert!(demo.head() > before);
    // A confirmation is used once.
    let again = demo
        .post("/plans/import/confirm", &cookie, &format!("csrf_token={csrf}&upload={upload}"))
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    // The amended version: its preview is the diff against the recorded plan.
    let amended = PLAN_CSV.replace("до 01.03.2024", "до 01.04.2024");
    let preview = demo.upload(&cookie, ("plan.csv", amended.as_bytes()), &fields).await;
    assert!(preview.body.contains("Изменения против записанной редакции"), "{}", preview.body);
    assert!(preview.body.contains("activity_amended"), "{}", preview.body);
    // A file that is no plan: the error in Russian, with its row.
    let broken = demo.upload(&cookie, ("plan.xlsx", b"PK\x03\x04 broken"), &fields).await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.body.contains("data-severity=\"error\""), "{}", broken.body);
    assert!(broken.body.contains("весь файл"), "{}", broken.body);
    // The plan's workbook under the session, no bearer token.
    let plans = demo.page("/plans?date=2024-02-01", &cookie).await;
    let marker = format!(">{title}</a>");
    let link_end = plans.body.find(&marker).expect("the imported plan is listed");
    let id = plans.body[..link_end].rsplit("/plans/").next().unwrap().split('?').next().unwrap();
    let request = Request::builder()
        .uri(format!("/plans/{id}/xlsx?date=2024-02-01"))
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let response = demo.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    // A role that imports no plan is told so, as by the API.
    let auditor = demo.sign_in(&demo.token("auditor").0).await;
    assert_eq!(demo.page("/plans/import", &auditor).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_route_names_its_deficits_and_marks_courses_of_the_federal_register() {
    let demo = demo();
    let (operator, _) = demo.token("operator");
    let (_, routes) = demo.api("/api/v1/routes?date=2024-12-31", &operator).await;
    let teachers: Vec<String> = routes
        .as_array()
        .unwrap()
        .iter()
        .filter(|view| {
            view["routes"].as_array().unwrap().iter().any(|route| {
                route["steps"].as_array().unwrap().iter().any(|step| !step["program"].is_null())
            })
        })
        .map(|view| view["teacher"].as_str().unwrap().to_string())
        .collect();
    assert!(!teachers.is_empty());
    let cookie = demo.sign_in(&operator).await;
    let mut marks = std::collections::BTreeSet::new();
    let mut named = 0;
    for teacher in teachers.iter().take(40) {
        let page = demo.page(&format!("/teachers/{teacher}?date=2024-12-31"), &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("data-federal-register="), "{}", page.body);
        for mark in ["data-federal-register=\"true\"", "data-federal-register=\"false\""] {
            if page.body.contains(mark) {
                marks.insert(mark);
            }
        }
        // Deficits by name, with their codes.
        for (code, name) in [
            ("k.subject", "Предметные компетенции"),
            ("k.literacy", "Формирование функциональной грамотности"),
            ("k.digital", "Цифровая образовательная среда"),
        ] {
            if page.body.contains(&format!("data-competence=\"{code}\"")) {
                assert!(page.body.contains(name), "{code}: {}", page.body);
                named += 1;
            }
        }
    }
    assert!(
        marks.contains("data-federal-register=\"true\""),
        "some course of the Register: {marks:?}"
    );
    assert!(named > 0, "some deficit named");
}

#[tokio::test]
async fn the_audit_page_streams_its_verification_lists_checkpoints_with_cosignatures_and_filters_events(
) {
    let demo = demo();
    let (auditor, _) = demo.token("auditor");
    let cookie = demo.sign_in(&auditor).await;
    // A note as the log keeps it, and a witness's cosignature gathered beside it (the page shows
    // who signed; the signatures are checked offline).
    let checkpoints = demo.ledger.store().checkpoints().unwrap();
    let note =
        "district.example/letopis\n5\nAAAA\nchain-head 5:abcd\n\n— district.example/letopis c2ln\n";
    checkpoints.put_first(5, note.as_bytes()).unwrap();
    checkpoints.add_cosignature(5, "witness.example", "— witness.example d2l0").unwrap();
    let page = demo.page("/audit", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("data-checkpoint=\"5\""), "{}", page.body);
    assert!(page.body.contains("data-witness=\"true\""), "{}", page.body);
    assert!(page.body.contains("chain-head 5:abcd"));
    let text = demo.page("/audit/checkpoints/5", &cookie).await;
    assert_eq!(text.status, StatusCode::OK);
    assert!(text.body.ends_with("— witness.example d2l0\n"), "{}", text.body);
    // The event browser by kind and by the day recorded.
    let (_, first) = demo.api("/api/v1/events?from=1&limit=1", &auditor).await;
    let day =
        first["events"][0]["recorded_at"].as_str().or(first[0]["recorded_at"].as_str()).unwrap()
            [..10]
            .to_string();
    let filtered =
        demo.page(&format!("/audit?kind=plan_created&from={day}&to={day}"), &cookie).await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.body);
    let kinds: Vec<&str> = filtered
        .body
        .split("data-kind=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert!(kinds.iter().all(|kind| *kind == "plan_created"), "{kinds:?}");
    let bad = demo.page("/audit?from=вчера", &cookie).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // The verification streams its progress, then the result.
    let csrf = hidden(&page.body, "csrf_token");
    let verified = demo.post("/audit/verify", &cookie, &format!("csrf_token={csrf}")).await;
    assert_eq!(verified.status, StatusCode::OK);
    // The last progress line counts every event up to the head read at its start.
    let line =
        verified.body.rsplit("проверено событий: ").next().unwrap().split('<').next().unwrap();
    let (checked, total) = line.split_once(" из ").unwrap();
    assert_eq!(checked, total, "{}", verified.body);
    assert!(verified.body.contains("Цепочка цела"), "{}", verified.body);
    assert!(verified.body.trim_end().ends_with("</html>"));
}

#[tokio::test]
async fn behind_a_tls_proxy_the_session_cookie_is_secure() {
    let demo = demo();
    let (secret, _) = demo.token("auditor");
    let form = demo.page("/login", "").await;
    let csrf = hidden(&form.body, "csrf_token");
    let request = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body(Body::from(format!("token={secret}&csrf_token={csrf}")))
        .unwrap();
    let answer = demo.send(request).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(answer.set_cookie.unwrap().ends_with("; Secure"));
    // Over plain HTTP (no proxy header) it has no Secure, or the browser would never send it.
    let (secret, _) = demo.token("auditor");
    let plain = demo.post("/login", "", &format!("token={secret}&csrf_token={csrf}")).await;
    assert!(!plain.set_cookie.unwrap().contains("Secure"));
}
