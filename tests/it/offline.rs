//! The auditor's offline checks (issue #13, "auditors check integrity offline, without trusting
//! the server"), through the CLI's acceptance interface: `log verify --archive --checkpoint
//! <note> --vkey`, `figures --archive`, and `evidence verify` of the evidence with proofs.
//! Every refusal is exit 3 with the reason in Russian.

use std::path::{Path, PathBuf};
use std::process::Output;

use letopis::store::{AppendRequest, Ledger, NoGate};
use proto_events::archive::{encode_trailer, frame_prefix, ArchiveHeader, ArchiveReader};
use proto_events::tlog::checkpoint::Checkpoint;
use proto_events::tlog::cosignature::CosignatureSigner;
use proto_events::tlog::{KeyName, NoteSigner};
use proto_events::{Envelope, Hash, Seq, StoredHeader};

use crate::support::{event, generate, letopis, open_after_shutdown, text, StepClock};
use letopis::cli::demo::Scale;

/// Events appended after the signed checkpoint, so the archive runs past it.
const EVENTS_AFTER_CHECKPOINT: usize = 3;

/// A generated district with the log's key, a checkpoint signed at its head, a few events
/// appended after it, and the whole log exported.
struct District {
    dir: tempfile::TempDir,
    vkey: String,
    /// The signed checkpoint note, at `size`.
    note: PathBuf,
    size: u64,
    archive: PathBuf,
}

impl District {
    fn new() -> District {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let summary = generate(&data, Scale::District, 1).unwrap();
        let vkey = stdout(&letopis(&[
            "key",
            "generate",
            "--data",
            data.to_str().unwrap(),
            "--origin",
            "region.example/letopis",
        ]));
        let note = dir.path().join("checkpoint.note");
        std::fs::write(&note, stdout(&letopis(&["checkpoint", "--data", data.to_str().unwrap()])))
            .unwrap();
        append(&data, EVENTS_AFTER_CHECKPOINT);
        let archive = dir.path().join("log.archive");
        let output = letopis(&[
            "log",
            "export",
            "--data",
            data.to_str().unwrap(),
            "--output",
            archive.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        District { vkey: vkey.trim().to_string(), note, size: summary.head_seq, archive, dir }
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn note_text(&self) -> String {
        std::fs::read_to_string(&self.note).unwrap()
    }

    /// `log verify --archive <archive>` with `extra` arguments: exit code and output.
    fn verify(&self, archive: &Path, extra: &[&str]) -> (i32, String) {
        let mut args = vec!["log", "verify", "--archive", archive.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = letopis(&args);
        (output.status.code().unwrap(), text(&output))
    }

    /// `log verify` of `archive` against the note at `note` with the log's key and `keys`.
    fn verify_note(&self, archive: &Path, note: &Path, keys: &[&str]) -> (i32, String) {
        let mut args = vec!["--checkpoint", note.to_str().unwrap(), "--vkey", &self.vkey];
        for key in keys {
            args.extend_from_slice(&["--vkey", key]);
        }
        self.verify(archive, &args)
    }

    /// Checks that `log verify` of `archive` against `note` is refused, exit 3, with `reason`.
    fn check_refused(&self, what: &str, archive: &Path, note: &Path, keys: &[&str], reason: &str) {
        let (code, report) = self.verify_note(archive, note, keys);
        assert_eq!(code, 3, "{what}: {report}");
        assert!(report.starts_with("Целостность нарушена: "), "{what}: {report}");
        assert!(report.contains(reason), "{what}: expected {reason:?} in {report}");
        crate::support::assert_no_english_words(&report);
    }
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", text(output));
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Appends `count` test events to the store at `data`, and closes it.
fn append(data: &Path, count: usize) {
    let store = open_after_shutdown(data).unwrap();
    let ledger = Ledger::start(store, Box::new(NoGate), StepClock::new());
    for n in 0..count {
        let request = AppendRequest::new(vec![event(&format!("teacher/t-after-{n}"), "{}")]);
        ledger.append_blocking(request).unwrap();
    }
    ledger.shutdown();
}

/// The archive rewritten end to end: the payload of event `seq` changed, then every record
/// re-sealed so each hash is recomputed and each link points at the new previous hash. The chain
/// of the result verifies by itself.
fn rewrite(archive: &Path, seq: u64, output: &Path) {
    let mut reader = ArchiveReader::open(std::fs::File::open(archive).unwrap()).unwrap();
    let mut out = ArchiveHeader { first_seq: Seq(1), prev_hash: Hash::ZERO }.encode().to_vec();
    let mut record = Vec::new();
    let mut prev_hash = Hash::ZERO;
    let mut last = Seq(0);
    while let Some(at) = reader.next_record(&mut record).unwrap() {
        let mut envelope = Envelope::open(&record).unwrap();
        envelope.prev_hash = prev_hash;
        if at.0 == seq {
            let mut payload = envelope.payload.clone();
            let index = payload.iter().position(|byte| byte.is_ascii_digit()).unwrap();
            payload[index] = if payload[index] == b'9' { b'8' } else { payload[index] + 1 };
            envelope.payload = payload;
        }
        let stored = envelope.to_stored().unwrap();
        prev_hash = StoredHeader::peek(&stored).unwrap().hash;
        out.extend_from_slice(&frame_prefix(&stored).unwrap());
        out.extend_from_slice(&stored);
        last = at;
    }
    out.extend_from_slice(&encode_trailer(last, prev_hash));
    std::fs::write(output, out).unwrap();
}

/// The note's text (without its signatures).
fn note_body(note: &str) -> String {
    note.split("\n\n").next().unwrap().to_string() + "\n"
}

#[test]
fn log_verify_takes_a_signed_checkpoint_note_and_still_takes_seq_hash_pins() {
    let district = District::new();
    let (code, report) = district.verify_note(&district.archive, &district.note, &[]);
    assert_eq!(code, 0, "{report}");
    let size = district.size;
    assert!(
        report.contains(&format!("Подписанная контрольная точка region.example/letopis из {size}")),
        "{report}"
    );
    // The pin form keeps working, alone and beside a note: told apart by its `SEQ:HASH` shape.
    let store = open_after_shutdown(Path::new(&district.data())).unwrap();
    let pin = format!("{size}:{}", store.get(Seq(size)).unwrap().unwrap().hash.to_hex());
    drop(store);
    let (code, report) = district.verify(&district.archive, &["--checkpoint", &pin, "--json"]);
    assert_eq!(code, 0, "{report}");
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(json["checkpoints_confirmed"], 1);
    let note = district.note.to_str().unwrap();
    let both = ["--checkpoint", &pin, "--checkpoint", note, "--vkey", &district.vkey, "--json"];
    let (code, report) = district.verify(&district.archive, &both);
    assert_eq!(code, 0, "{report}");
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(json["checkpoints_confirmed"], 1);
    assert_eq!(json["signed_checkpoints"][0]["size"], size);
    assert_eq!(json["last_seq"], size + EVENTS_AFTER_CHECKPOINT as u64);
    // A wrong pin beside a good note still fails, naming the pinned event.
    let wrong = format!("{size}:{}", "00".repeat(32));
    let (code, report) = district.verify(
        &district.archive,
        &["--checkpoint", &wrong, "--checkpoint", note, "--vkey", &district.vkey],
    );
    assert_eq!(code, 3, "{report}");
    assert!(report.contains(&format!("контрольная точка, событие №{size}")), "{report}");
    // Neither a pin nor a file; a key without a note; a note without a key: bad input, exit 1.
    let (code, report) = district.verify(&district.archive, &["--checkpoint", "no-such-file"]);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("--checkpoint") && report.contains("НОМЕР:ХЕШ"), "{report}");
    let (code, report) = district.verify(&district.archive, &["--vkey", &district.vkey]);
    assert_eq!(code, 1, "{report}");
    let (code, report) = district.verify(&district.archive, &["--checkpoint", note]);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("--vkey"), "{report}");
}

/// Issue #13: whoever holds the server's disk can rewrite history and recompute every hash, and
/// the chain alone verifies; the checkpoint signed before the rewrite does not.
#[test]
fn issue_13_an_archive_rewritten_and_rehashed_end_to_end_fails_against_the_signed_checkpoint() {
    let district = District::new();
    let rewritten = district.path("rewritten.archive");
    rewrite(&district.archive, 1000, &rewritten);
    let (code, report) = district.verify(&rewritten, &[]);
    assert_eq!(code, 0, "the rewritten chain verifies by itself: {report}");
    let size = district.size;
    district.check_refused(
        "rewritten",
        &rewritten,
        &district.note,
        &[],
        &format!("корень дерева Меркла первых {size} событий архива"),
    );
    // The forger cannot sign a new checkpoint with the log's key; one signed with another key
    // under the log's name is refused for its signature.
    let forger = NoteSigner::from_seed(KeyName::new("region.example/letopis").unwrap(), [7; 32]);
    let real = Checkpoint::parse(&note_body(&district.note_text())).unwrap();
    let forged = district.write("forged.note", forger.sign(&real.text()).unwrap());
    district.check_refused("forged", &rewritten, &forged, &[], "не подписана ключом журнала");
}

#[test]
fn log_verify_refuses_what_the_signed_checkpoint_does_not_vouch_for() {
    let district = District::new();
    let size = district.size;
    let signer = letopis::checkpoint::load_signer(Path::new(&district.data())).unwrap();
    let real = Checkpoint::parse(&note_body(&district.note_text())).unwrap();
    let archive = &district.archive;
    // A checkpoint whose chain-head line is not the chain at its size (signed by the log's key).
    let (seq, _) = real.chain_head.unwrap();
    let other_head = Checkpoint { chain_head: Some((seq, Hash([5; 32]))), ..real.clone() };
    let note = district.write("head.note", other_head.sign(&signer).unwrap());
    district.check_refused("chain head", archive, &note, &[], "(строка chain-head)");
    // The archive ends before the checkpoint's size; starts after event 1.
    let data = district.data();
    let short = district.path("short.archive");
    let to = (size - 1).to_string();
    let range = ["log", "export", "--data", &data, "--to", &to, "--output"];
    stdout(&letopis(&[&range[..], &[short.to_str().unwrap()]].concat()));
    district.check_refused("short", &short, &district.note, &[], "архив кончается событием");
    let tail = district.path("tail.archive");
    let range = ["log", "export", "--data", &data, "--from", "2", "--output"];
    stdout(&letopis(&[&range[..], &[tail.to_str().unwrap()]].concat()));
    district.check_refused("tail", &tail, &district.note, &[], "с события №1");
    // A changed byte of the note; its signature line twice; a malformed signature line.
    let text = district.note_text();
    let changed = text.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size - 1), 1);
    let changed = district.write("changed.note", changed);
    district.check_refused("changed byte", archive, &changed, &[], "не сходится");
    let signature = text.split("\n\n").nth(1).unwrap();
    let twice = district.write("twice.note", format!("{text}{signature}"));
    district.check_refused("twice", archive, &twice, &[], "дважды");
    let broken = district.write("broken.note", format!("{text}\u{2014} broken\n"));
    district.check_refused("malformed", archive, &broken, &[], "искажена");
    // A witness's key given: its cosignature is required, and verified when there.
    let witness =
        CosignatureSigner::from_seed(KeyName::new("ministry.example/w").unwrap(), [3; 32]);
    let witness_key = witness.verifier().to_text();
    district.check_refused("no cosignature", archive, &district.note, &[&witness_key], "свидетеля");
    let cosignature = witness.cosign(&note_body(&text), 1_764_000_000).unwrap();
    let cosigned = district.write("cosigned.note", format!("{text}{cosignature}"));
    let (code, report) = district.verify_note(archive, &cosigned, &[&witness_key]);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("ministry.example/w+"), "{report}");
    let other = CosignatureSigner::from_seed(KeyName::new("ministry.example/w").unwrap(), [4; 32]);
    let forged = other.cosign(&note_body(&text), 1_764_000_000).unwrap();
    let forged = district.write("forged-cosigned.note", format!("{text}{forged}"));
    district.check_refused("forged cosignature", archive, &forged, &[&witness_key], "свидетеля");
    // Only a witness's key: the log's is required.
    let only_witness = ["--checkpoint", district.note.to_str().unwrap(), "--vkey", &witness_key];
    let (code, report) = district.verify(archive, &only_witness);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("нет ключа журнала"), "{report}");
}

/// `figures --archive` prints exactly what `figures --data` prints, at a past date, as known then
/// (before a late correction changed a figure) and as known at the checkpoint.
#[test]
fn figures_from_a_verified_archive_are_the_figures_of_the_store() {
    let district = District::new();
    let size = district.size.to_string();
    let note = district.note.to_str().unwrap();
    let archive = district.archive.to_str().unwrap();
    let data = district.data();
    let scope = "municipality:38-12";
    let mut answers = Vec::new();
    for known_at in ["2022-03-01T00:00:00Z", &size, "2021-06-30T00:00:00Z"] {
        let at = ["--date", "2021-12-31", "--known-at", known_at, "--scope", scope];
        let json = ["--format", "json"];
        let from_store = letopis(&[&["figures", "--data", &data][..], &at, &json].concat());
        let archive_args = ["figures", "--archive", archive, "--checkpoint", note];
        let key = ["--vkey", &district.vkey];
        let from_archive = letopis(&[&archive_args[..], &key, &at, &json].concat());
        assert_eq!(from_archive.status.code(), Some(0), "{}", text(&from_archive));
        assert_eq!(stdout(&from_archive), stdout(&from_store), "known at {known_at}");
        let stderr = String::from_utf8_lossy(&from_archive.stderr);
        assert!(stderr.contains(&format!("ещё {EVENTS_AFTER_CHECKPOINT} событий")), "{stderr}");
        answers.push(stdout(&from_store));
    }
    assert_ne!(answers[0], answers[1], "late paperwork changed a figure between the two points");
    // A rewritten archive computes nothing: exit 3, nothing on stdout.
    let rewritten = district.path("rewritten.archive");
    rewrite(&district.archive, 1000, &rewritten);
    let archive_args = ["figures", "--archive", rewritten.to_str().unwrap(), "--checkpoint", note];
    let at = ["--vkey", &district.vkey, "--date", "2021-12-31", "--format", "json"];
    let output = letopis(&[&archive_args[..], &at].concat());
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(output.stdout.is_empty());
    assert!(text(&output).contains("корень дерева Меркла"), "{}", text(&output));
}

/// The server over the district's store (after the checkpoint and the later events).
struct Server {
    ledger: letopis::store::Ledger,
    router: axum::Router,
}

impl Server {
    fn new(district: &District) -> Server {
        let data = district.dir.path().join("data");
        let clock = std::sync::Arc::new(letopis::store::SystemClock);
        let ledger = letopis::commands::open_ledger(&data, clock).unwrap();
        let router = letopis::server::router(letopis::server::AppState::new(ledger.clone()));
        Server { ledger, router }
    }

    async fn get(&self, path: &str, role: &str) -> (axum::http::StatusCode, serde_json::Value) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let role: letopis::server::auth::Role = role.parse().unwrap();
        let token = letopis::server::auth::create_token(self.ledger.store(), role).unwrap().0;
        let request = axum::http::Request::builder()
            .uri(path)
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }
}

const EVIDENCE: &str =
    "/api/v1/figures/diagnosed/evidence?scope=municipality:38-12&date=2024-12-31";

/// `evidence verify` of `bundle`: exit code and output.
fn verify_bundle(district: &District, bundle: &serde_json::Value, keys: &[&str]) -> (i32, String) {
    let file = district.write("bundle.json", bundle.to_string());
    let mut args = vec!["evidence", "verify", file.to_str().unwrap(), "--vkey", &district.vkey];
    for key in keys {
        args.extend_from_slice(&["--vkey", key]);
    }
    let output = letopis(&args);
    (output.status.code().unwrap(), text(&output))
}

#[tokio::test]
async fn evidence_with_proofs_verifies_offline_and_every_forgery_is_refused() {
    // The ledger blocks on its writer: made and dropped off the test's runtime thread.
    let (district, server) = std::thread::spawn(|| {
        let district = District::new();
        let server = Server::new(&district);
        (district, server)
    })
    .join()
    .unwrap();
    let size = district.size;
    let (status, bundle) = server.get(&format!("{EVIDENCE}&proofs=true"), "ministry").await;
    assert_eq!(status, 200, "{bundle}");
    // Known at the checkpoint by default, not at the head past it.
    assert_eq!(bundle["known_at_seq"], size);
    assert_eq!(bundle["checkpoint"], district.note_text());
    let evidence = bundle["evidence"].as_array().unwrap();
    assert!(evidence.len() >= 2, "{bundle}");
    assert_eq!(evidence.len() as u64, bundle["evidence_count"].as_u64().unwrap());
    assert_eq!(evidence[0]["inclusion"]["tree_size"], size);
    let (code, report) = verify_bundle(&district, &bundle, &[]);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains(&format!("входят в журнал region.example/letopis из {size}")));
    // A scoped reader's bundle verifies too; the plain evidence is unchanged.
    let (status, scoped) =
        server.get(&format!("{EVIDENCE}&proofs=true"), "municipality:38-12").await;
    assert_eq!(status, 200, "{scoped}");
    assert_eq!(verify_bundle(&district, &scoped, &[]).0, 0);
    let (status, plain) = server.get(EVIDENCE, "ministry").await;
    assert_eq!(status, 200);
    assert!(plain.get("checkpoint").is_none() && plain["evidence"][0].get("record").is_none());
    // Bad requests: a size without proofs, a size never signed, a knowledge point past it.
    assert_eq!(server.get(&format!("{EVIDENCE}&size={size}"), "ministry").await.0, 400);
    assert_eq!(server.get(&format!("{EVIDENCE}&proofs=true&size=7"), "ministry").await.0, 404);
    let past = format!("{EVIDENCE}&proofs=true&known_at={}", size + 1);
    let (status, body) = server.get(&past, "ministry").await;
    assert_eq!(status, 400, "{body}");
    let at_size = format!("{EVIDENCE}&proofs=true&size={size}&known_at=3000");
    let (status, body) = server.get(&at_size, "ministry").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(verify_bundle(&district, &body, &[]).0, 0);

    let check = |what: &str, forged: serde_json::Value, reason: &str| {
        let (code, report) = verify_bundle(&district, &forged, &[]);
        assert_eq!(code, 3, "{what}: {report}");
        assert!(report.starts_with("Доказательства не подтверждены: "), "{what}: {report}");
        assert!(report.contains(reason), "{what}: expected {reason:?} in {report}");
        crate::support::assert_no_english_words(&report);
    };
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut altered = bundle.clone();
    let mut record = engine.decode(bundle["evidence"][1]["record"].as_str().unwrap()).unwrap();
    let last_body_byte = record.len() - 33;
    record[last_body_byte] ^= 0x01;
    altered["evidence"][1]["record"] = engine.encode(&record).into();
    check("one record altered", altered, "изменена: её хеш");
    let mut wrong_index = bundle.clone();
    let index = bundle["evidence"][0]["inclusion"]["leaf_index"].as_u64().unwrap();
    wrong_index["evidence"][0]["inclusion"]["leaf_index"] = (index + 1).into();
    check("wrong leaf index", wrong_index, "построено для листа");
    let mut other_leaf = bundle.clone();
    other_leaf["evidence"][0]["inclusion"] = bundle["evidence"][1]["inclusion"].clone();
    check("another event's proof", other_leaf, "построено для листа");
    let mut other_record = bundle.clone();
    other_record["evidence"][0]["record"] = bundle["evidence"][1]["record"].clone();
    check("another event's record", other_record, "лежит запись события");
    let mut larger = bundle.clone();
    larger["evidence"][0]["inclusion"]["tree_size"] = (size + 1).into();
    check("size larger than the checkpoint", larger, "контрольная точка — из");
    let mut swapped = bundle.clone();
    swapped["evidence"][0]["inclusion"]["hashes"].as_array_mut().unwrap().swap(0, 1);
    check("swapped siblings", swapped, "ведёт к корню");
    let mut truncated = bundle.clone();
    truncated["evidence"][0]["inclusion"]["hashes"].as_array_mut().unwrap().pop();
    check("truncated proof", truncated, "обрывается");
    let note = district.note_text();
    let with_note = |note: String| {
        let mut forged = bundle.clone();
        forged["checkpoint"] = note.into();
        forged
    };
    let other = NoteSigner::from_seed(KeyName::new("region.example/letopis").unwrap(), [9; 32]);
    check("another key", with_note(other.sign(&note_body(&note)).unwrap()), "не подписана ключом");
    let changed = note.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size - 1), 1);
    check("changed byte", with_note(changed), "не сходится");
    let signature = note.split("\n\n").nth(1).unwrap().to_string();
    check("signature twice", with_note(format!("{note}{signature}")), "дважды");
    check("malformed signature", with_note(format!("{note}\u{2014} broken\n")), "искажена");
    let mut not_bundle = bundle.clone();
    not_bundle.as_object_mut().unwrap().remove("checkpoint");
    check("no checkpoint", not_bundle, "нет подписанной контрольной точки");
    // A witness required but absent.
    let witness =
        CosignatureSigner::from_seed(KeyName::new("ministry.example/w").unwrap(), [3; 32]);
    let (code, report) = verify_bundle(&district, &bundle, &[&witness.verifier().to_text()]);
    assert_eq!(code, 3, "{report}");
    assert!(report.contains("нет подписи свидетеля"), "{report}");
    std::thread::spawn(move || drop(server)).join().unwrap();
}
