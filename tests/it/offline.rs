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
