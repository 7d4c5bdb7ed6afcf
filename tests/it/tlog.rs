//! Proof for outsiders through the CLI (issue #13's acceptance interface): `key generate`,
//! `checkpoint`, `proof inclusion|consistency --format json` and `proof verify`, which must
//! accept what the log proves and refuse, with exit 3 and a reason, every forgery in the issue's
//! list: altered, truncated or reordered proofs, wrong leaf index or size, a checkpoint of another
//! key, a changed byte, duplicated signature lines, a rollback and a split view.

use std::path::{Path, PathBuf};
use std::process::Output;

use letopis::store::{AppendRequest, Ledger, NoGate};
use proto_events::tlog::checkpoint::Checkpoint;
use proto_events::tlog::{tree, KeyName, NoteSigner, TreeHash, TreeSize};
use proto_events::Seq;

use crate::support::{event, open_after_shutdown, StepClock};

/// Runs `letopis`, retrying while the store is still locked by this process's last handle.
fn run(args: &[&str]) -> Output {
    for _ in 0..200 {
        let output = crate::support::letopis(args);
        if output.status.code() != Some(4) {
            return output;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the store stayed locked: {args:?}")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", crate::support::text(output));
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Appends `count` events, one group each, to the store at `dir`, and closes it.
fn append(dir: &Path, count: usize) {
    let store = open_after_shutdown(dir).unwrap();
    let ledger = Ledger::start(store, Box::new(NoGate), StepClock::new());
    for n in 0..count {
        let request = AppendRequest::new(vec![event(&format!("teacher/t-{n}"), "{}")]);
        ledger.append_blocking(request).unwrap();
    }
    ledger.shutdown();
}

struct Log {
    dir: tempfile::TempDir,
    vkey: String,
}

impl Log {
    /// A log of 5 events with a checkpoint at 5, then 8 more events and a checkpoint at 13.
    fn new() -> (Log, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap().to_string();
        append(dir.path(), 5);
        let vkey =
            stdout(&run(&["key", "generate", "--data", &data, "--origin", "region.example/log"]));
        let log = Log { dir, vkey: vkey.trim().to_string() };
        let five = log.write("cp5", &stdout(&run(&["checkpoint", "--data", &data])));
        append(log.dir.path(), 8);
        let thirteen = log.write("cp13", &stdout(&run(&["checkpoint", "--data", &data])));
        (log, five, thirteen)
    }

    fn data(&self) -> &str {
        self.dir.path().to_str().unwrap()
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn proof(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["proof"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data", self.data(), "--format", "json"]);
        serde_json::from_str(&stdout(&run(&all))).unwrap()
    }

    /// `proof verify` of `proof` against `checkpoint` (and `old` for consistency): its exit code
    /// and output.
    fn verify(
        &self,
        proof: &serde_json::Value,
        old: Option<&Path>,
        checkpoint: &Path,
    ) -> (i32, String) {
        let file = self.write("proof.json", &proof.to_string());
        let mut args = vec![
            "proof".to_string(),
            "verify".into(),
            "--proof".into(),
            file.display().to_string(),
            "--checkpoint".into(),
            checkpoint.display().to_string(),
            "--vkey".into(),
            self.vkey.clone(),
        ];
        if let Some(old) = old {
            args.extend(["--old-checkpoint".into(), old.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args);
        (output.status.code().unwrap(), crate::support::text(&output))
    }

    /// Checks that `proof verify` refuses with exit 3 and a reason containing `reason`.
    fn check_refused(
        &self,
        what: &str,
        proof: &serde_json::Value,
        old: Option<&Path>,
        checkpoint: &Path,
        reason: &str,
    ) {
        let (code, text) = self.verify(proof, old, checkpoint);
        assert_eq!(code, 3, "{what}: {text}");
        assert!(text.starts_with("Доказательство не подтверждено: "), "{what}: {text}");
        assert!(text.contains(reason), "{what}: expected {reason:?} in {text}");
    }
}

fn flip(hash: &serde_json::Value) -> serde_json::Value {
    let mut parsed = TreeHash::from_base64(hash.as_str().unwrap()).unwrap();
    parsed.0[7] ^= 0x10;
    serde_json::Value::String(parsed.to_base64())
}

#[test]
fn key_generate_writes_a_private_key_file_and_prints_only_the_verifier_key() {
    let (log, _, _) = Log::new();
    assert!(log.vkey.starts_with("region.example/log+"), "{}", log.vkey);
    assert!(!log.vkey.contains("PRIVATE"));
    let key_file = log.dir.path().join("checkpoint.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    let again = run(&["key", "generate", "--data", log.data(), "--origin", "other.example/log"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(crate::support::text(&again).contains("уже есть"));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key);
}

#[test]
fn checkpoints_are_kept_by_size_and_signed_once_per_size() {
    let (log, five, thirteen) = Log::new();
    let note = std::fs::read_to_string(&thirteen).unwrap();
    let verifier = proto_events::tlog::NoteVerifier::parse(&log.vkey).unwrap();
    let (checkpoint, _) = proto_events::tlog::checkpoint::open(note.as_bytes(), &verifier).unwrap();
    assert_eq!(checkpoint.size, TreeSize(13));
    let store = open_after_shutdown(log.dir.path()).unwrap();
    assert_eq!(checkpoint.root, store.tree_root(13).unwrap());
    assert_eq!(checkpoint.chain_head, Some((Seq(13), store.head().hash)));
    drop(store);
    // The head did not move: the same note; an earlier size: the note signed then.
    assert_eq!(stdout(&run(&["checkpoint", "--data", log.data()])), note);
    let earlier = stdout(&run(&["checkpoint", "--data", log.data(), "--size", "5"]));
    assert_eq!(earlier, std::fs::read_to_string(&five).unwrap());
    let missing = run(&["checkpoint", "--data", log.data(), "--size", "7"]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn proofs_print_the_acceptance_json_and_verify() {
    let (log, five, thirteen) = Log::new();
    let inclusion = log.proof(&["inclusion", "--seq", "3", "--size", "5"]);
    let keys: Vec<&str> = inclusion.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["hashes", "leaf_hash", "leaf_index", "tree_size"]);
    assert_eq!(inclusion["leaf_index"], 2);
    assert_eq!(inclusion["tree_size"], 5);
    assert_eq!(inclusion["hashes"].as_array().unwrap().len(), 3);
    let (code, text) = log.verify(&inclusion, None, &five);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("событие №3 входит в журнал"), "{text}");
    let head = log.proof(&["inclusion", "--seq", "13"]);
    assert_eq!(head["tree_size"], 13);
    assert_eq!(log.verify(&head, None, &thirteen).0, 0);

    let consistency = log.proof(&["consistency", "--from", "5", "--to", "13"]);
    let keys: Vec<&str> = consistency.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["from", "hashes", "to"]);
    let (code, text) = log.verify(&consistency, Some(&five), &thirteen);
    assert_eq!(code, 0, "{text}");
    // The hashes are standard base64 of 32 bytes.
    for hash in consistency["hashes"].as_array().unwrap() {
        assert!(TreeHash::from_base64(hash.as_str().unwrap()).is_some());
    }
}

#[test]
fn forged_proofs_are_refused_with_a_reason() {
    let (log, five, thirteen) = Log::new();
    let inclusion = log.proof(&["inclusion", "--seq", "3", "--size", "13"]);
    let check = |what: &str, proof: serde_json::Value, reason: &str| {
        log.check_refused(what, &proof, None, &thirteen, reason);
    };
    let mut forged = inclusion.clone();
    forged["hashes"][1] = flip(&inclusion["hashes"][1]);
    check("altered hash", forged, "ведёт к корню");
    let mut truncated = inclusion.clone();
    truncated["hashes"].as_array_mut().unwrap().pop();
    check("truncated", truncated, "обрывается");
    let mut swapped = inclusion.clone();
    swapped["hashes"].as_array_mut().unwrap().swap(0, 1);
    check("swapped siblings", swapped, "ведёт к корню");
    let mut wrong_index = inclusion.clone();
    wrong_index["leaf_index"] = 3.into();
    check("wrong leaf index", wrong_index, "ведёт к корню");
    let mut wrong_leaf = inclusion.clone();
    wrong_leaf["leaf_hash"] = flip(&inclusion["leaf_hash"]);
    check("wrong leaf", wrong_leaf, "ведёт к корню");
    let mut beyond = inclusion.clone();
    beyond["tree_size"] = 14.into();
    check("size larger than the checkpoint", beyond, "контрольная точка — из 13");
    log.check_refused("proof of another size", &inclusion, None, &five, "контрольная точка — из 5");
    let mut extra = inclusion.clone();
    extra["comment"] = "trust me".into();
    check("unknown field", extra, "не доказательство включения");
    check("not json", serde_json::json!("garbage"), "не доказательство включения");

    let consistency = log.proof(&["consistency", "--from", "5", "--to", "13"]);
    let mut forged = consistency.clone();
    forged["hashes"][0] = flip(&consistency["hashes"][0]);
    log.check_refused("altered consistency", &forged, Some(&five), &thirteen, "корн");
    log.check_refused("rollback", &consistency, Some(&thirteen), &five, "откат");
    let empty = log.proof(&["consistency", "--from", "0", "--to", "13"]);
    assert_eq!(empty["hashes"], serde_json::json!([]));
    let mut not_empty = empty.clone();
    not_empty["from"] = 5.into();
    log.check_refused("empty proof between sizes", &not_empty, Some(&five), &thirteen, "пусто");
}

#[test]
fn forged_checkpoints_are_refused_with_a_reason() {
    let (log, _, thirteen) = Log::new();
    let inclusion = log.proof(&["inclusion", "--seq", "3", "--size", "13"]);
    let note = std::fs::read_to_string(&thirteen).unwrap();
    let text = note.split("\n\n").next().unwrap().to_string() + "\n";
    let check = |what: &str, note: &str, reason: &str| {
        let path = log.write("forged", note);
        log.check_refused(what, &inclusion, None, &path, reason);
    };
    // Signed by another key under the same name.
    let other = NoteSigner::from_seed(KeyName::new("region.example/log").unwrap(), [9; 32]);
    check("another key", &other.sign(&text).unwrap(), "не подписана ключом журнала");
    // A changed byte of the text.
    check("changed byte", &note.replacen("\n13\n", "\n12\n", 1), "не сходится");
    // The log's signature line twice.
    let signature = note.split("\n\n").nth(1).unwrap();
    check("duplicated signature", &format!("{note}{signature}"), "дважды");
    check("malformed signature", &format!("{note}\u{2014} broken\n"), "искажена");
    check("no final newline", note.trim_end(), "переводом строки");
}

#[test]
fn a_split_view_is_refused() {
    let (log, _, thirteen) = Log::new();
    // The log's own key signs a second root for size 13: two checkpoints of one size.
    let signer = letopis::checkpoint::load_signer(log.dir.path()).unwrap();
    let real = std::fs::read_to_string(&thirteen).unwrap();
    let real = Checkpoint::parse(&(real.split("\n\n").next().unwrap().to_string() + "\n")).unwrap();
    let other = Checkpoint { root: tree::leaf_hash(b"another history"), ..real };
    let other = log.write("other13", &other.sign(&signer).unwrap());
    let same_size = serde_json::json!({"from": 13, "to": 13, "hashes": []});
    log.check_refused("split view", &same_size, Some(&thirteen), &other, "два разных корня");
    assert_eq!(log.verify(&same_size, Some(&thirteen), &thirteen).0, 0);
}
