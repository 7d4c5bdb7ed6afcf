//! The dashboard in a real browser: Debian's chromium, headless, driven through chromedriver
//! by fantoccini (WebDriver), against `letopis serve`'s router on a loopback port over the demo
//! district. For each role: sign in through the form, open every page it may read, check that
//! every `data-value` of the Сводка and of the territory drill-down equals the API's JSON for the
//! same (scope, D, K), that no request of a page failed (the Resource Timing entries'
//! `responseStatus`), and that chromium's console logged no error (the browser log that
//! `goog:loggingPrefs` keeps, read through chromedriver's `se/log`; a canary `console.error` at
//! the start proves the log is read); switch «известно на» through the form and see the figure
//! the demo's late paperwork changed; 403 for another municipality. Screenshots of every page go
//! to `<target>/screenshots/`.
//!
//! chromium and chromedriver are required: without them the test fails with what to install,
//! unless `LETOPIS_SKIP_BROWSER_TESTS=1` says to skip it (locally; CI installs both).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::BodyExt;
use letopis::cli::demo::Scale;
use letopis::commands::open_ledger;
use letopis::server::auth::{create_token, Role};
use letopis::server::{router, serve, AppState};
use letopis::store::SystemClock;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::support::generate;
use crate::web::json_value_text;

/// Where chromedriver and chromium are looked for.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The browser session and what the checks need beside it.
struct Browser {
    client: Client,
    base: String,
    api: AppState,
    shots: PathBuf,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_reads_its_pages_in_chromium_with_the_apis_numbers() {
    let chromedriver = std::env::var("LETOPIS_CHROMEDRIVER").unwrap_or(CHROMEDRIVER.into());
    let chromium = std::env::var("LETOPIS_CHROMIUM").unwrap_or(CHROMIUM.into());
    let present = |path: &str| std::path::Path::new(path).exists();
    if !present(&chromedriver) || !present(&chromium) {
        if std::env::var("LETOPIS_SKIP_BROWSER_TESTS").is_ok_and(|value| value == "1") {
            eprintln!("browser test skipped (LETOPIS_SKIP_BROWSER_TESTS=1)");
            return;
        }
        panic!(
            "the browser test needs Debian's chromium and chromium-driver ({chromium}, \
             {chromedriver}): apt-get install chromium chromium-driver, or set \
             LETOPIS_SKIP_BROWSER_TESTS=1 to skip it locally"
        );
    }
    let (address, state) = start_server();
    let (_driver, client) = start_browser(&chromedriver, &chromium).await;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let browser = Browser { client, base: format!("http://{address}"), api: state, shots };
    let result = match console_canary(&browser).await {
        Ok(()) => run_roles(&browser).await,
        Err(error) => Err(error),
    };
    let _ = browser.client.close().await;
    result.unwrap();
}

async fn run_roles(browser: &Browser) -> Result<(), String> {
    let store = browser.api.ledger.store().clone();
    let token = |role: &str| create_token(&store, role.parse::<Role>().unwrap()).unwrap().0;
    let plan = first_plan(browser, &token("operator")).await;
    let teacher = routed_teacher(browser, &token("operator")).await;
    let common = vec![
        ("figures-region", "/figures?scope=region&date=2024-12-31".to_string()),
        ("figures-trend", "/figures?scope=region&date=2024-12-31&trend=1".to_string()),
        ("territory-region", "/territory?scope=region&code=diagnosed&date=2024-12-31".to_string()),
        (
            "territory-municipality",
            "/territory?scope=municipality:38-12&code=diagnosed&date=2024-12-31&sort=name&order=asc"
                .to_string(),
        ),
        ("indicator", "/indicators/fr_by_deficit?scope=region&date=2024-12-31".to_string()),
        ("plans", "/plans?date=2024-12-31".to_string()),
        ("plan", format!("/plans/{plan}?date=2024-12-31")),
        ("teacher", format!("/teachers/{teacher}?date=2024-12-31")),
        ("reports", "/reports".to_string()),
    ];
    for role in ["ministry", "operator", "auditor"] {
        let secret = token(role);
        browser.sign_in(role, &secret).await?;
        for (name, path) in &common {
            browser.open(&format!("{role}-{name}"), path, 200).await?;
        }
        let audit = if role == "operator" { 403 } else { 200 };
        browser.open(&format!("{role}-audit"), "/audit", audit).await?;
        if audit == 200 {
            browser.submit("form[action='/audit/verify'] button").await?;
            browser.screenshot(&format!("{role}-audit-verified")).await?;
            browser.no_console_errors("/audit/verify", 200).await?;
            browser.client.find(Locator::Css(".notice.met")).await.map_err(|e| e.to_string())?;
        }
        let import = if role == "auditor" { 403 } else { 200 };
        browser.open(&format!("{role}-plan-import"), "/plans/import", import).await?;
        browser.check_figures("scope=region&date=2024-12-31", &secret).await?;
        browser.check_territory("scope=region&code=diagnosed&date=2024-12-31", &secret).await?;
        browser.sign_out().await?;
    }
    let secret = token("municipality:38-12");
    browser.sign_in("municipality", &secret).await?;
    browser.open("municipality-figures", "/figures", 200).await?;
    browser.check_figures("scope=municipality:38-12&date=2024-12-31", &secret).await?;
    browser.check_territory("code=diagnosed&date=2024-12-31", &secret).await?;
    browser.open("municipality-indicator", "/indicators/diagnosed?date=2024-12-31", 200).await?;
    browser.open("municipality-territory-region-403", "/territory?scope=region", 403).await?;
    browser.known_at_switch(&secret).await?;
    browser.open("municipality-other-403", "/figures?scope=municipality:38-99", 403).await?;
    browser.open("municipality-audit-403", "/audit", 403).await?;
    browser.open("municipality-reports", "/reports", 200).await?;
    browser.sign_out().await?;
    browser.open("signed-out", "/figures", 200).await?;
    let url = browser.client.current_url().await.map_err(|error| error.to_string())?;
    if url.path() != "/login" {
        return Err(format!("signed out, /figures went to {url}, not /login"));
    }
    Ok(())
}

impl Browser {
    async fn sign_in(&self, role: &str, secret: &str) -> Result<(), String> {
        self.open(&format!("{role}-login"), "/login", 200).await?;
        let field = self.client.find(Locator::Css("#token")).await.map_err(|e| e.to_string())?;
        field.send_keys(secret).await.map_err(|error| error.to_string())?;
        self.submit("form.login button[type=submit]").await?;
        let url = self.client.current_url().await.map_err(|error| error.to_string())?;
        if url.path() != "/figures" {
            return Err(format!("{role}: after sign-in at {url}, not the Сводка"));
        }
        Ok(())
    }

    async fn sign_out(&self) -> Result<(), String> {
        self.submit("form[action='/logout'] button").await
    }

    async fn submit(&self, css: &str) -> Result<(), String> {
        let button = self.client.find(Locator::Css(css)).await.map_err(|e| e.to_string())?;
        button.click().await.map_err(|error| error.to_string())?;
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("footer"))
            .await
            .map_err(|error| error.to_string())?;
        Ok(())
    }

    /// Opens `path`, expects the page's `status`, checks every request of it, saves a screenshot.
    async fn open(&self, name: &str, path: &str, status: u16) -> Result<(), String> {
        self.client.goto(&format!("{}{path}", self.base)).await.map_err(|e| e.to_string())?;
        self.screenshot(name).await?;
        let statuses = self
            .client
            .execute(
                "const nav = performance.getEntriesByType('navigation')[0];\
                 const rest = performance.getEntriesByType('resource').map(e => [e.name, e.responseStatus]);\
                 return [nav ? nav.responseStatus : 0, rest];",
                vec![],
            )
            .await
            .map_err(|error| error.to_string())?;
        if statuses[0] != json!(status) {
            return Err(format!("{path}: status {} instead of {status}", statuses[0]));
        }
        for entry in statuses[1].as_array().into_iter().flatten() {
            if entry[1].as_u64().is_none_or(|code| code >= 400) {
                return Err(format!("{path}: a failed request {entry}"));
            }
        }
        self.no_console_errors(path, status).await
    }

    /// The browser log's entries since the last read (chromedriver hands each entry out once).
    async fn console(&self) -> Result<Vec<Value>, String> {
        let log = self.client.issue_cmd(BrowserLog).await.map_err(|error| error.to_string())?;
        Ok(log.as_array().cloned().unwrap_or_default())
    }

    /// No error in the console since the last read, but the one chromium logs for a page
    /// answered with the error status it was expected to have.
    async fn no_console_errors(&self, path: &str, status: u16) -> Result<(), String> {
        let expected = format!("status of {status}");
        let errors: Vec<Value> = self
            .console()
            .await?
            .into_iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .filter(|entry| {
                let message = entry["message"].as_str().unwrap_or_default();
                !(status >= 400 && message.contains(&expected))
            })
            .collect();
        match errors.is_empty() {
            true => Ok(()),
            false => Err(format!("{path}: console errors {errors:?}")),
        }
    }

    /// Opens the drill-down for `query` and compares each territory's `data-value` with
    /// `GET /api/v1/figures` for that territory at the same date.
    async fn check_territory(&self, query: &str, secret: &str) -> Result<(), String> {
        self.open("territory-checked", &format!("/territory?{query}"), 200).await?;
        let shown = self.shown_figures().await?;
        let date = query.split("date=").nth(1).unwrap_or_default().split('&').next().unwrap_or("");
        if shown.is_empty() {
            return Err(format!("{query}: no territory shown"));
        }
        for row in &shown {
            let (code, scope) = (row[0].as_str().unwrap_or(""), row[1].as_str().unwrap_or(""));
            let api =
                self.api_json(&format!("/api/v1/figures?scope={scope}&date={date}"), secret).await;
            let figure = api.as_array().into_iter().flatten().find(|figure| figure["code"] == code);
            let expected = figure.map(json_value_text).unwrap_or_default();
            if row[2] != json!(expected) {
                return Err(format!("{query}: {scope} shows {row}, the API {expected}"));
            }
        }
        Ok(())
    }

    async fn screenshot(&self, name: &str) -> Result<(), String> {
        let png = self.client.screenshot().await.map_err(|error| error.to_string())?;
        std::fs::write(self.shots.join(format!("{name}.png")), png).map_err(|e| e.to_string())
    }

    /// The `data-*` of every figure shown on the current page.
    async fn shown_figures(&self) -> Result<Vec<Value>, String> {
        let rows = self
            .client
            .execute(
                "return [...document.querySelectorAll('[data-code]')].map(e => \
                 [e.dataset.code, e.dataset.scope, e.dataset.value, e.dataset.met]);",
                vec![],
            )
            .await
            .map_err(|error| error.to_string())?;
        Ok(rows.as_array().cloned().unwrap_or_default())
    }

    /// Opens the Сводка for `query` and compares it with `GET /api/v1/figures?{query}`.
    async fn check_figures(&self, query: &str, secret: &str) -> Result<(), String> {
        self.open("figures-checked", &format!("/figures?{query}"), 200).await?;
        let shown = self.shown_figures().await?;
        let api = self.api_json(&format!("/api/v1/figures?{query}"), secret).await;
        let api = api.as_array().cloned().unwrap_or_default();
        if shown.len() != api.len() || api.is_empty() {
            return Err(format!(
                "{query}: {} figures shown, {} in the API",
                shown.len(),
                api.len()
            ));
        }
        for (row, figure) in shown.iter().zip(&api) {
            let expected = json!([
                figure["code"],
                figure["scope"],
                json_value_text(figure),
                figure["met"].as_bool().map_or(String::new(), |met| met.to_string()),
            ]);
            if *row != expected {
                return Err(format!("{query}: shown {row}, the API {expected}"));
            }
        }
        Ok(())
    }

    /// The demo's corrected report: its figure as known when it was reported differs from now.
    async fn known_at_switch(&self, secret: &str) -> Result<(), String> {
        let reports = self.api_json("/api/v1/reports/verification", secret).await;
        let report = reports["reports"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|entry| entry["reported"]["report"] == "rep-2024-38-12-diagnosed")
            .cloned()
            .ok_or("no rep-2024-38-12-diagnosed")?;
        let date = report["reported"]["valid_on"].as_str().unwrap_or_default().to_string();
        let seq = report["report_seq"].as_u64().unwrap_or_default();
        let query = format!("scope=municipality:38-12&date={date}");
        self.open("municipality-known-now", &format!("/figures?{query}"), 200).await?;
        let now = self.shown_figures().await?;
        let field = self.client.find(Locator::Css("#known_at")).await.map_err(|e| e.to_string())?;
        field.clear().await.map_err(|error| error.to_string())?;
        field.send_keys(&seq.to_string()).await.map_err(|error| error.to_string())?;
        self.submit("form.controls button[type=submit]").await?;
        self.screenshot("municipality-known-then").await?;
        let then = self.shown_figures().await?;
        let diagnosed = |rows: &[Value]| rows.iter().find(|row| row[0] == "diagnosed").cloned();
        if diagnosed(&now) == diagnosed(&then) {
            return Err(format!("diagnosed did not change: {:?}", diagnosed(&now)));
        }
        self.check_figures(&format!("{query}&known_at={seq}"), secret).await?;
        let changed = self.client.find(Locator::Css("[data-changed-code='diagnosed']")).await;
        changed.map(|_| ()).map_err(|_| "the changed figure is not listed".to_string())
    }

    async fn api_json(&self, path: &str, secret: &str) -> Value {
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap();
        let response = router(self.api.clone()).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }
}

/// chromedriver's `POST /session/{id}/se/log` for the `browser` log (what `goog:loggingPrefs`
/// keeps: console messages and the browser's own errors, such as a failed resource).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(r#"{"type":"browser"}"#.to_string()))
    }
}

/// Proves the console is read: an error logged on purpose is found, and is then gone.
async fn console_canary(browser: &Browser) -> Result<(), String> {
    browser.open("canary", "/login", 200).await?;
    browser
        .client
        .execute("console.error('letopis console canary');", vec![])
        .await
        .map_err(|error| error.to_string())?;
    let log = browser.console().await?;
    let seen = log.iter().any(|entry| {
        entry["level"] == "SEVERE"
            && entry["message"].as_str().is_some_and(|text| text.contains("letopis console canary"))
    });
    if !seen {
        return Err(format!("the console canary was not read back: {log:?}"));
    }
    browser.no_console_errors("/login after the canary", 200).await
}

async fn first_plan(browser: &Browser, secret: &str) -> String {
    let plans = browser.api_json("/api/v1/plans?date=2024-12-31", secret).await;
    plans[0]["id"].as_str().expect("a plan in the demo").to_string()
}

async fn routed_teacher(browser: &Browser, secret: &str) -> String {
    let routes = browser.api_json("/api/v1/routes?date=2024-12-31", secret).await;
    routes
        .as_array()
        .into_iter()
        .flatten()
        .find(|view| view["routes"].as_array().is_some_and(|routes| !routes.is_empty()))
        .and_then(|view| view["teacher"].as_str())
        .expect("a teacher with a route")
        .to_string()
}

/// The demo district served on a loopback port in its own runtime (left running until the test
/// binary ends), and a state over the same ledger for the API's answers.
fn start_server() -> (SocketAddr, AppState) {
    let dir = tempfile::tempdir().unwrap().keep();
    generate(&dir, Scale::District, 1).expect("demo generation");
    let ledger = open_ledger(&dir, Arc::new(SystemClock)).expect("open the demo");
    let state = AppState::new(ledger);
    let served = state.clone();
    let (sender, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            serve(listener, served, std::future::pending()).await.unwrap();
        });
    });
    (address.recv().unwrap(), state)
}

/// chromedriver on a free loopback port, and a headless chromium session through it.
async fn start_browser(chromedriver: &str, chromium: &str) -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        // chromium formats date fields by its locale: the Russian one, as officials see them.
        .env("LANGUAGE", "ru")
        .env("LANG", "ru_RU.UTF-8")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "prefs": { "intl.accept_languages": "ru-RU,ru" },
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1400", "--lang=ru-RU"],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    for _ in 0..100 {
        let client = ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        if let Ok(client) = client {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver on port {port} did not open a chromium session in 20 s");
}
