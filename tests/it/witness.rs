//! The witness (issue #13, C2SP tlog-witness): a tree built here from the pure tlog module, its
//! checkpoints signed with a log key, `POST /add-checkpoint` driven through the witness's
//! `Router` with `oneshot`. The first checkpoint and consistent extensions are cosigned, and the
//! cosignature verifies with the witness's verifier key; every adversarial request is refused
//! with the protocol's status and leaves the state file as it was; a restart keeps the state.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use letopis::witness::state::{EVIDENCE_DIR, STATE_FILE};
use letopis::witness::{http, key, Witness};
use proto_events::tlog::cosignature::{self, CosignatureSigner};
use proto_events::tlog::tree::{self, consistency_proof, leaf_hash, MemoryTree};
use proto_events::tlog::{checkpoint, Checkpoint, KeyName, NoteSigner, TreeHash, TreeSize};
use proto_events::{Date, Timestamp};
use tower::ServiceExt;

use crate::support::FixedClock;

const ORIGIN: &str = "letopis.example/region-38";

/// A log of 20 leaves, its key, and a witness over a temporary directory.
struct Fixture {
    dir: tempfile::TempDir,
    log: NoteSigner,
    witness_key: CosignatureSigner,
    tree: MemoryTree,
    router: Router,
}

/// What the witness answered.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let log = NoteSigner::from_seed(KeyName::new(ORIGIN).unwrap(), [11; 32]);
        let witness_key =
            CosignatureSigner::from_seed(KeyName::new("witness.minobr.example").unwrap(), [22; 32]);
        let mut tree = MemoryTree::new();
        for leaf in 0..20u32 {
            tree.push(leaf_hash(format!("event {leaf}").as_bytes())).unwrap();
        }
        let router = open(dir.path(), &witness_key, &log);
        Fixture { dir, log, witness_key, tree, router }
    }

    /// The witness reopened over the same directory (a restart).
    fn restart(&mut self) {
        self.router = open(self.dir.path(), &self.witness_key, &self.log);
    }

    fn root(&self, size: u64) -> TreeHash {
        tree::root(&self.tree, TreeSize(size)).unwrap()
    }

    fn note(&self, size: u64) -> String {
        signed(&self.log, size, self.root(size))
    }

    fn proof(&self, from: u64, to: u64) -> Vec<TreeHash> {
        consistency_proof(&self.tree, TreeSize(from), TreeSize(to)).unwrap()
    }

    async fn add(&self, body: String) -> Answer {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/add-checkpoint")
            .body(Body::from(body))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer { status, content_type, body: String::from_utf8(bytes.to_vec()).unwrap() }
    }

    /// Submits the honest checkpoint of `to` from `from` and expects a cosignature.
    async fn extend(&self, from: u64, to: u64) -> String {
        let note = self.note(to);
        let answer = self.add(body(from, &self.proof(from, to), &note)).await;
        assert_eq!(answer.status, StatusCode::OK, "{from} → {to}: {}", answer.body);
        format!("{note}{}", answer.body)
    }

    fn state_bytes(&self) -> Vec<u8> {
        std::fs::read(self.dir.path().join(STATE_FILE)).unwrap_or_default()
    }

    /// Given the witness cosigned 5, when `body` is submitted, then `status` and no state change.
    async fn refused(&self, body: String, status: StatusCode) -> Answer {
        let before = self.state_bytes();
        let answer = self.add(body).await;
        assert_eq!(answer.status, status, "{}", answer.body);
        assert_eq!(self.state_bytes(), before, "a refused checkpoint changed the witness's state");
        answer
    }
}

fn open(dir: &Path, witness_key: &CosignatureSigner, log: &NoteSigner) -> Router {
    let clock = FixedClock::at_noon(Date::from_ymd(2026, 12, 3).unwrap());
    let witness = Witness::open(dir, witness_key.clone(), vec![log.verifier()], clock).unwrap();
    http::router(Arc::new(witness))
}

fn signed(log: &NoteSigner, size: u64, root: TreeHash) -> String {
    let origin = KeyName::new(ORIGIN).unwrap();
    Checkpoint { origin, size: TreeSize(size), root, chain_head: None }.sign(log).unwrap()
}

fn body(old: u64, proof: &[TreeHash], note: &str) -> String {
    let lines: String = proof.iter().map(|hash| format!("{}\n", hash.to_base64())).collect();
    format!("old {old}\n{lines}\n{note}")
}

/// Checks the cosigned note with the log's key and the witness's verifier key: the timestamp.
fn cosignature_time(fixture: &Fixture, cosigned: &str) -> u64 {
    let (_, opened) = checkpoint::open(cosigned.as_bytes(), &fixture.log.verifier()).unwrap();
    let verifier = fixture.witness_key.verifier();
    let found = cosignature::verify_lines(&opened.text, &opened.unknown, &[verifier]).unwrap();
    assert_eq!(found.len(), 1, "{cosigned}");
    found[0].timestamp_seconds
}

async fn cosigned_at_5() -> Fixture {
    let fixture = Fixture::new();
    fixture.extend(0, 5).await;
    fixture
}

#[tokio::test]
async fn the_first_checkpoint_is_cosigned_and_the_cosignature_verifies() {
    let fixture = Fixture::new();
    let cosigned = fixture.extend(0, 5).await;
    let noon = FixedClock::at_noon(Date::from_ymd(2026, 12, 3).unwrap()).0;
    assert_eq!(cosignature_time(&fixture, &cosigned), seconds(noon));
    assert!(fixture.state_bytes().len() > 2);
}

#[tokio::test]
async fn consistent_extensions_are_cosigned() {
    let fixture = cosigned_at_5().await;
    let cosigned = fixture.extend(5, 12).await;
    cosignature_time(&fixture, &cosigned);
    fixture.extend(12, 16).await;
    fixture.extend(16, 20).await;
    // The checkpoint last cosigned, offered again, is cosigned again and changes nothing.
    let before = fixture.state_bytes();
    fixture.extend(20, 20).await;
    assert_eq!(fixture.state_bytes(), before);
}

#[tokio::test]
async fn a_forged_or_truncated_proof_is_refused_with_422() {
    let fixture = cosigned_at_5().await;
    let note = fixture.note(12);
    let honest = fixture.proof(5, 12);
    let mut forged = honest.clone();
    forged[0].0[0] ^= 1;
    fixture.refused(body(5, &forged, &note), StatusCode::UNPROCESSABLE_ENTITY).await;
    let truncated = &honest[..honest.len() - 1];
    fixture.refused(body(5, truncated, &note), StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut swapped = honest.clone();
    swapped.swap(0, 1);
    fixture.refused(body(5, &swapped, &note), StatusCode::UNPROCESSABLE_ENTITY).await;
    // A proof of another pair of sizes.
    fixture.refused(body(5, &fixture.proof(6, 12), &note), StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn a_wrong_old_size_is_answered_with_the_size_cosigned() {
    let fixture = cosigned_at_5().await;
    let note = fixture.note(12);
    for old in [0, 3, 6] {
        let answer =
            fixture.refused(body(old, &fixture.proof(old, 12), &note), StatusCode::CONFLICT).await;
        assert_eq!(answer.content_type, "text/x.tlog.size");
        assert_eq!(answer.body, "5\n");
    }
}

#[tokio::test]
async fn a_rollback_is_refused() {
    let fixture = cosigned_at_5().await;
    fixture.extend(5, 12).await;
    // Older checkpoint offered as newer: from the size cosigned, it is below it (400) …
    fixture.refused(body(12, &[], &fixture.note(5)), StatusCode::BAD_REQUEST).await;
    // … and from its own old size, the old size is not the witness's (409).
    let answer = fixture
        .refused(body(3, &fixture.proof(3, 5), &fixture.note(5)), StatusCode::CONFLICT)
        .await;
    assert_eq!(answer.body, "12\n");
}

#[tokio::test]
async fn a_split_view_is_refused_and_its_evidence_kept() {
    let fixture = cosigned_at_5().await;
    let other_root = TreeHash([0x5a; 32]);
    let second = signed(&fixture.log, 5, other_root);
    let answer = fixture.refused(body(5, &[], &second), StatusCode::CONFLICT).await;
    assert!(answer.content_type.starts_with("text/plain"), "{}", answer.content_type);
    assert!(answer.body.contains("split view"), "{}", answer.body);
    let evidence: Vec<_> = std::fs::read_dir(fixture.dir.path().join(EVIDENCE_DIR))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    assert_eq!(evidence.len(), 1);
    assert!(evidence[0].contains(&fixture.note(5)), "{}", evidence[0]);
    assert!(evidence[0].contains(&second), "{}", evidence[0]);
}

#[tokio::test]
async fn a_checkpoint_signed_by_another_key_or_of_another_log_is_refused() {
    let fixture = cosigned_at_5().await;
    let impostor = NoteSigner::from_seed(KeyName::new(ORIGIN).unwrap(), [99; 32]);
    let note = signed(&impostor, 12, fixture.root(12));
    fixture.refused(body(5, &fixture.proof(5, 12), &note), StatusCode::FORBIDDEN).await;
    let stranger = NoteSigner::from_seed(KeyName::new("other.example/log").unwrap(), [11; 32]);
    let note = Checkpoint {
        origin: stranger.name().clone(),
        size: TreeSize(12),
        root: fixture.root(12),
        chain_head: None,
    }
    .sign(&stranger)
    .unwrap();
    fixture.refused(body(0, &[], &note), StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn duplicated_or_malformed_signature_lines_are_refused() {
    let fixture = cosigned_at_5().await;
    let note = fixture.note(12);
    let proof = fixture.proof(5, 12);
    let signature = note.split("\n\n").nth(1).unwrap();
    let duplicated = format!("{note}{signature}");
    fixture.refused(body(5, &proof, &duplicated), StatusCode::BAD_REQUEST).await;
    let malformed = format!("{note}\u{2014} {ORIGIN} not*base64\n");
    fixture.refused(body(5, &proof, &malformed), StatusCode::BAD_REQUEST).await;
    let no_dash = note.replace('\u{2014}', "-");
    fixture.refused(body(5, &proof, &no_dash), StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn a_note_with_a_changed_byte_is_refused() {
    let fixture = cosigned_at_5().await;
    let note = fixture.note(12);
    let proof = fixture.proof(5, 12);
    // The size line "12" becomes "13": the log's signature no longer verifies.
    let changed = note.replacen("\n12\n", "\n13\n", 1);
    assert_ne!(changed, note);
    fixture.refused(body(5, &proof, &changed), StatusCode::FORBIDDEN).await;
    // A changed byte in the root.
    let root = fixture.root(12).to_base64();
    let flipped =
        if root.starts_with('A') { root.replacen('A', "B", 1) } else { format!("A{}", &root[1..]) };
    let changed = note.replacen(&root, &flipped, 1);
    fixture.refused(body(5, &proof, &changed), StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn consistency_from_equal_sizes_or_from_zero_takes_no_proof() {
    let fixture = cosigned_at_5().await;
    let some_hash = fixture.root(3);
    fixture
        .refused(body(5, &[some_hash], &fixture.note(5)), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    let fresh = Fixture::new();
    fresh.refused(body(0, &[some_hash], &fresh.note(5)), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(fresh.state_bytes().is_empty());
}

#[tokio::test]
async fn malformed_bodies_are_refused_with_400() {
    let fixture = cosigned_at_5().await;
    let note = fixture.note(12);
    fixture.refused(format!("old 5\n{note}"), StatusCode::BAD_REQUEST).await;
    fixture.refused(format!("old 05\n\n{note}"), StatusCode::BAD_REQUEST).await;
    fixture.refused(format!("old 5\nnot-a-hash\n\n{note}"), StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn a_restart_keeps_the_state() {
    let mut fixture = cosigned_at_5().await;
    fixture.extend(5, 12).await;
    fixture.restart();
    let answer = fixture.refused(body(0, &[], &fixture.note(5)), StatusCode::CONFLICT).await;
    assert_eq!(answer.body, "12\n");
    let second = signed(&fixture.log, 12, TreeHash([1; 32]));
    fixture.refused(body(12, &[], &second), StatusCode::CONFLICT).await;
    fixture.extend(12, 20).await;
}

#[test]
fn key_generate_writes_an_owner_only_key_and_prints_its_verifier() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("witness");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_letopis"))
        .args(["witness", "key", "generate", "--name", "witness.minobr.example"])
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8(output.stdout).unwrap();
    let verifier = cosignature::CosignatureVerifier::parse(printed.trim()).unwrap();
    let signer = key::load(&data).unwrap();
    assert_eq!(signer.verifier(), verifier);
    let secret = std::fs::read_to_string(data.join(key::KEY_FILE)).unwrap();
    assert!(!printed.contains(secret.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join(key::KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A second generate never overwrites the key.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_letopis"))
        .args(["witness", "key", "generate", "--name", "other"])
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert_eq!(std::fs::read_to_string(data.join(key::KEY_FILE)).unwrap(), secret);
}

fn seconds(time: Timestamp) -> u64 {
    u64::try_from(time.micros() / 1_000_000).unwrap()
}
