//! Shared fixtures for integration tests: a pinned clock, sample events, a temp store.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use letopis::cli::demo::{DemoSummary, Scale};
use letopis::store::{Clock, Ledger, NoGate, Store};
use proto_events::{Actor, ActorRole, Date, Effective, EventId, NewEvent, StreamName, Timestamp};

/// A clock that starts at 2025-01-15T10:00:00Z and moves one second per reading.
pub struct StepClock(AtomicI64);

impl StepClock {
    pub fn new() -> Arc<StepClock> {
        Arc::new(StepClock(AtomicI64::new(1_736_935_200_000_000)))
    }
}

impl Clock for StepClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(self.0.fetch_add(1_000_000, Ordering::SeqCst))
    }
}

/// A clock that always reads the same time.
pub struct FixedClock(pub Timestamp);

impl FixedClock {
    /// Noon UTC of `date`.
    pub fn at_noon(date: Date) -> Arc<FixedClock> {
        let micros = i64::from(date.days_since_epoch()) * 86_400_000_000 + 43_200_000_000;
        Arc::new(FixedClock(Timestamp::from_micros(micros)))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

pub fn event(stream: &str, payload: &str) -> NewEvent {
    NewEvent {
        id: Some(EventId(uuid::Uuid::now_v7())),
        stream: StreamName::new(stream).unwrap(),
        kind: "test_fact".into(),
        schema_version: 1,
        effective: Effective::Date(Date::from_ymd(2024, 12, 20).unwrap()),
        actor: Actor { role: ActorRole::Operator, id: "tok-test".into() },
        basis: None,
        payload: payload.as_bytes().to_vec(),
    }
}

pub struct TempLedger {
    pub dir: tempfile::TempDir,
    pub ledger: Ledger,
}

impl TempLedger {
    pub fn new() -> TempLedger {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let ledger = Ledger::start(store, Box::new(NoGate), StepClock::new());
        TempLedger { dir, ledger }
    }

    pub fn store(&self) -> &Store {
        self.ledger.store()
    }

    /// Stops the writer, drops everything and opens the same directory again.
    pub fn reopen(self) -> TempLedger {
        let TempLedger { dir, ledger } = self;
        ledger.shutdown();
        let store = open_after_shutdown(dir.path()).unwrap();
        let ledger = Ledger::start(store, Box::new(NoGate), StepClock::new());
        TempLedger { dir, ledger }
    }
}

/// Opens a store whose ledger this process just shut down. sled releases its directory lock
/// when its last internal handle goes, which can trail the drop of ours by a moment inside one
/// process (a new process never sees this), so `Locked` is retried for up to a second.
pub fn open_after_shutdown(path: &std::path::Path) -> Result<Store, letopis::store::StoreError> {
    let mut attempt = 0;
    loop {
        match Store::open(path) {
            Err(letopis::store::StoreError::Locked { .. }) if attempt < 100 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Fails if `text` has a common English word outside identifiers (ids, field paths, kind tags,
/// hashes): every refusal and report an official or an auditor reads is in Russian.
pub fn assert_no_english_words(text: &str) {
    const ENGLISH: [&str; 30] = [
        "a",
        "already",
        "an",
        "at",
        "be",
        "before",
        "belongs",
        "bytes",
        "cannot",
        "command",
        "expected",
        "field",
        "is",
        "least",
        "limit",
        "may",
        "most",
        "must",
        "no",
        "not",
        "of",
        "outside",
        "record",
        "registered",
        "role",
        "scope",
        "the",
        "this",
        "unknown",
        "with",
    ];
    // A token with a digit or an underscore in it is an id, a seq, a hash or a field name
    // ("t-000001", "commands[0].kind", "…9a5c59ad…", "expected_version"), not prose: its letters
    // are not words.
    let tokens = text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')'));
    let identifier = |token: &&str| token.chars().any(|c| c.is_ascii_digit() || c == '_');
    for token in tokens.filter(|token| !identifier(token)) {
        for word in token.split(|c: char| !c.is_ascii_alphabetic()) {
            let word = word.to_ascii_lowercase();
            assert!(!ENGLISH.contains(&word.as_str()), "English word {word:?} in {text:?}");
        }
    }
}

/// The seed acts: `LETOPIS_SEEDS`, else `shared/seeds` beside the checkout (where CI puts it),
/// else the workplace's copy. Missing seeds fail the tests loudly rather than skip them.
pub fn seeds() -> std::path::PathBuf {
    let candidates = [
        std::env::var_os("LETOPIS_SEEDS").map(std::path::PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds")),
        Some(std::path::PathBuf::from("/work/shared/seeds")),
    ];
    candidates.into_iter().flatten().find(|dir| dir.join("README.md").exists()).unwrap_or_else(
        || panic!("seed acts not found: set LETOPIS_SEEDS or put shared/ beside the checkout"),
    )
}

/// Runs the `letopis` binary.
pub fn letopis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_letopis")).args(args).output().unwrap()
}

/// What a run printed, stdout then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `letopis import plan` of a regional plan, with `extra` arguments.
pub fn import_plan(data: &Path, file: &Path, title: &str, basis: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "import",
        "plan",
        file.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--level",
        "regional",
        "--title",
        title,
        "--basis",
        basis,
    ];
    args.extend_from_slice(extra);
    letopis(&args)
}

/// Generates the demo region into `dir` with `letopis demo --json` (the generator is linked by
/// the binary, not by the library) and reads back the summary it prints.
pub fn generate(dir: &Path, scale: Scale, seed: u64) -> anyhow::Result<DemoSummary> {
    let output = Command::new(env!("CARGO_BIN_EXE_letopis"))
        .args(["demo", "--json", "--seed", &seed.to_string()])
        .args(scale.arguments())
        .arg("--data")
        .arg(dir)
        .output()?;
    if !output.status.success() {
        anyhow::bail!("letopis demo failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// A demo district in a temp directory left behind (it outlives the test run's statics), with
/// the API's and the dashboard's router over it. Generated off the caller's thread: the
/// generator blocks on its appends, and callers are often on a test runtime.
pub fn district_with_router() -> (Ledger, axum::Router, DemoSummary) {
    std::thread::spawn(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let summary = generate(&dir, Scale::District, 1).expect("demo generation");
        let ledger = letopis::commands::open_ledger(&dir, Arc::new(letopis::store::SystemClock))
            .expect("open the demo");
        let router = letopis::server::router(letopis::server::AppState::new(ledger.clone()));
        (ledger, router, summary)
    })
    .join()
    .expect("demo fixture")
}
