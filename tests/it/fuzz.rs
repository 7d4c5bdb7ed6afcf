//! Fuzzing on stable (issue #20): the decoders and parsers an attacker reaches, fed arbitrary
//! and mutated input as bounded property tests, so CI runs them on every submission. Each
//! asserts what holds for every input: no panic, a clear error, and no write on error.
//! (The envelope, payload and term decoders have theirs in proto-events; the plan readers in
//! `import.rs`.)
//!
//! The cargo-fuzz targets of `fuzz/` (nightly, libFuzzer) have their bodies in
//! `fuzz/src/lib.rs`, included here as `bodies`: every body runs over every file of its
//! committed corpus (`fuzz/corpus/<target>/`) and over bounded arbitrary and mutated input, so
//! the stable run and the fuzzer check the same properties.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use letopis::commands::open_ledger;
use letopis::server::auth::{create_token, Role};
use letopis::server::{router, AppState};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use proto_events::archive::verify_archive;
use tower::ServiceExt;

use crate::support::{event, StepClock, TempLedger};

#[path = "../../fuzz/src/lib.rs"]
mod bodies;

/// Cases per property: enough to find the shallow holes on every run, bounded for CI.
const CASES: u32 = 200;

fn runner() -> TestRunner {
    TestRunner::new(Config { cases: CASES, failure_persistence: None, ..Config::default() })
}

/// Flips, inserts and deletes bytes of `bytes` as `edits` say (position, byte, action).
fn mutate(bytes: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for &(position, byte, action) in edits {
        if out.is_empty() {
            out.push(byte);
            continue;
        }
        let at = position % out.len();
        match action % 4 {
            0 => out[at] ^= byte | 1,
            1 => out.insert(at, byte),
            2 => {
                out.remove(at);
            }
            _ => out.truncate(at),
        }
    }
    out
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)
}

#[test]
fn archives_mutated_anywhere_never_panic_and_a_changed_record_never_verifies() {
    let ledger = TempLedger::new();
    let events: Vec<_> = (0..40).map(|i| event(&format!("teacher/t-{i}"), "сведения")).collect();
    ledger.ledger.append_blocking(letopis::store::AppendRequest::new(events)).unwrap();
    let mut archive = Vec::new();
    letopis::archive::write(ledger.store(), proto_events::Seq(1), None, &mut archive, 0, |_| {})
        .unwrap();
    assert!(verify_archive(&archive[..], true, &[], 0, |_| {}).is_ok());
    runner()
        .run(&edits(), |edits| {
            let mutated = mutate(&archive, &edits);
            let verified = verify_archive(&mutated[..], true, &[], 0, |_| {});
            prop_assert!(mutated == archive || verified.is_err(), "a changed archive verified");
            Ok(())
        })
        .unwrap();
    runner()
        .run(&proptest::collection::vec(any::<u8>(), 0..600), |bytes| {
            let verified = verify_archive(&bytes[..], true, &[], 0, |_| {});
            prop_assert!(verified.is_err(), "arbitrary bytes verified as an archive");
            Ok(())
        })
        .unwrap();
}

/// A server over a fresh ledger, an operator's token, and a runtime to drive it.
struct Target {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    token: String,
    ledger: TempLedger,
}

impl Target {
    fn new() -> Target {
        let dir = tempfile::tempdir().unwrap();
        let ledger = open_ledger(dir.path(), StepClock::new()).unwrap();
        let ledger = TempLedger { dir, ledger };
        let token = create_token(ledger.store(), "operator".parse::<Role>().unwrap()).unwrap().0;
        let router = router(AppState::new(ledger.ledger.clone()));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        Target { runtime, router, token, ledger }
    }

    fn status(&self, method: Method, uri: &str, body: Vec<u8>) -> StatusCode {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body));
        let Ok(request) = request else { return StatusCode::BAD_REQUEST };
        self.runtime
            .block_on(self.router.clone().oneshot(request))
            .map(|response| response.status())
            .unwrap()
    }
}

const VALID_BODIES: [&str; 3] = [
    r#"{"kind":"municipality_registered","payload":{"municipality":"38-12","name":"Жигаловский район"},"effective":"2023-01-01"}"#,
    r#"{"commands":[{"kind":"organisation_registered","payload":{"organisation":"oo-1","name":"МБОУ СОШ № 1","kind":"general","municipality":"38-12","statuses":[]},"effective":"2023-01-01"}]}"#,
    r#"{"kind":"event_retracted","payload":{"target":"01890a5d-ac96-774b-bcce-b302099a8057","reason":"ошибка"},"effective":"2024-01-01"}"#,
];

#[test]
fn command_bodies_mutated_anywhere_are_answered_never_with_a_5xx_nor_written_when_refused() {
    let target = Target::new();
    runner()
        .run(&(0..VALID_BODIES.len(), edits()), |(which, edits)| {
            let body = mutate(VALID_BODIES[which].as_bytes(), &edits);
            let head = target.ledger.store().head().seq;
            let status = target.status(Method::POST, "/api/v1/commands", body);
            prop_assert!(!status.is_server_error(), "{status}");
            if !status.is_success() {
                prop_assert_eq!(target.ledger.store().head().seq, head);
            }
            Ok(())
        })
        .unwrap();
}

const GET_ROUTES: [&str; 9] = [
    "/api/v1/events",
    "/api/v1/figures",
    "/api/v1/figures/diagnosed/evidence",
    "/api/v1/plans",
    "/api/v1/routes",
    "/api/v1/registry/organisations",
    "/api/v1/reports/verification",
    "/api/v1/export/figures.csv",
    "/api/v1/teachers/t-1/routes",
];

#[test]
fn query_strings_of_any_shape_are_answered_never_with_a_5xx() {
    let target = Target::new();
    let query = "([a-z_]{1,10}=[0-9a-zA-Z:%+.\\-TZа-я]{0,30}&?){0,4}";
    runner()
        .run(&(0..GET_ROUTES.len(), query), |(which, query)| {
            let uri = format!("{}?{query}", GET_ROUTES[which]);
            let status = target.status(Method::GET, &uri, Vec::new());
            prop_assert!(!status.is_server_error(), "{uri}: {status}");
            Ok(())
        })
        .unwrap();
}

/// The committed corpus of `target`: every file of `fuzz/corpus/<target>/`.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_fuzz_target_has_a_corpus_and_holds_on_every_file_of_it() {
    let corpus_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut directories: Vec<String> = std::fs::read_dir(&corpus_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    directories.sort();
    let mut targets: Vec<String> =
        bodies::TARGETS.iter().map(|(name, _)| name.to_string()).collect();
    targets.sort();
    assert_eq!(directories, targets, "one corpus directory per target, and no other");
    for (target, body) in bodies::TARGETS {
        let target_file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("fuzz/fuzz_targets/{target}.rs"));
        let source = std::fs::read_to_string(&target_file).unwrap();
        assert!(source.contains(&format!("letopis_fuzz::{target}(data)")), "{target}: {source}");
        let files = corpus(target);
        assert!(!files.is_empty(), "{target}: empty corpus");
        for (_, bytes) in files {
            body(&bytes);
        }
    }
}

#[test]
fn every_fuzz_target_holds_on_arbitrary_and_mutated_input() {
    for (target, body) in bodies::TARGETS {
        let seeds: Vec<Vec<u8>> = corpus(target).into_iter().map(|(_, bytes)| bytes).collect();
        runner()
            .run(&proptest::collection::vec(any::<u8>(), 0..512), |bytes| {
                body(&bytes);
                Ok(())
            })
            .unwrap();
        runner()
            .run(&(0..seeds.len(), edits()), |(which, edits)| {
                body(&mutate(&seeds[which], &edits));
                Ok(())
            })
            .unwrap();
    }
}
