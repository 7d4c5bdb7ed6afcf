//! The command-line acceptance interface of `verify` and `replay`: what auditors run offline.

use std::process::Command;

use letopis::cli::demo::Scale;
use letopis::store::Store;
use proto_events::Seq;
use serde_json::Value;

use crate::support::generate;

fn letopis(args: &[&str], data: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_letopis")).args(args).arg("--data").arg(data).output().unwrap()
}

#[test]
fn replay_prints_json_lines_with_typed_payloads_and_verify_catches_a_tampered_byte() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), Scale::District, 7).unwrap();

    let output = letopis(&["replay", "--from", "10", "--to", "12"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(
        lines.iter().map(|e| e["seq"].as_u64().unwrap()).collect::<Vec<_>>(),
        vec![10, 11, 12]
    );
    for event in &lines {
        for key in [
            "seq",
            "id",
            "stream",
            "kind",
            "recorded_at",
            "effective",
            "prev_hash",
            "hash",
            "payload",
        ] {
            assert!(!event[key].is_null(), "missing {key} in {event}");
        }
        assert!(event["payload"].is_object() && event["payload"].get("hex").is_none(), "{event}");
    }
    assert_eq!(lines[1]["prev_hash"], lines[0]["hash"]);

    let stream = lines[0]["stream"].as_str().unwrap().to_string();
    let output = letopis(&["replay", "--stream", &stream], dir.path());
    let streamed = String::from_utf8(output.stdout).unwrap();
    assert!(streamed.lines().all(|line| line.contains(&format!("\"stream\":\"{stream}\""))));

    let output = letopis(&["verify"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));

    {
        let store = Store::open(dir.path()).unwrap();
        let mut raw = store.get_raw(Seq(500)).unwrap().unwrap();
        let middle = raw.len() / 2;
        raw[middle] ^= 0x01;
        store.tamper_put_raw(Seq(500), Some(&raw)).unwrap();
    }
    let output = letopis(&["verify", "--json"], dir.path());
    assert_eq!(output.status.code(), Some(3));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["first_bad_seq"], 500);
    let output = letopis(&["verify"], dir.path());
    assert_eq!(output.status.code(), Some(3));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("№500"), "{report}");
    // What the auditor reads names the damage in Russian.
    assert!(report.contains("Причина: хеш не совпадает с содержанием"), "{report}");
    crate::support::assert_no_english_words(&report);
}

fn letopis_bare(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_letopis")).args(args).output().unwrap()
}

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{error}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn an_exported_log_verifies_offline_chains_by_range_and_pins_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let summary = generate(&data, Scale::District, 7).unwrap();
    let whole = dir.path().join("whole.log");
    let first = dir.path().join("first.log");
    let rest = dir.path().join("rest.log");
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();

    let output = letopis(&["log", "export", "--output", &path(&whole)], &data);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let output = letopis(&["verify", "--json"], &data);
    let store_head = json_of(&output)["last_hash"].as_str().unwrap().to_string();
    let verified = json_of(&letopis_bare(&["log", "verify", "--archive", &path(&whole), "--json"]));
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["events"], summary.head_seq);
    assert_eq!(verified["last_hash"], store_head.as_str(), "the archive ends at the store's head");

    // Two ranges: the second chains onto the hash the first ends with.
    let output = letopis(&["log", "export", "--to", "2000", "--output", &path(&first)], &data);
    assert_eq!(output.status.code(), Some(0));
    let output = letopis(&["log", "export", "--from", "2001", "--output", &path(&rest)], &data);
    assert_eq!(output.status.code(), Some(0));
    let first_report =
        json_of(&letopis_bare(&["log", "verify", "--archive", &path(&first), "--json"]));
    assert_eq!(first_report["last_seq"], 2000);
    let checkpoint = format!("2000:{}", first_report["last_hash"].as_str().unwrap());
    let rest_report =
        json_of(&letopis_bare(&["log", "verify", "--archive", &path(&rest), "--json"]));
    assert_eq!(rest_report["first_seq"], 2001);
    assert_eq!(rest_report["last_hash"], store_head.as_str());

    // A checkpoint the auditor kept from the first archive pins the whole log.
    let pinned = letopis_bare(&[
        "log",
        "verify",
        "--archive",
        &path(&whole),
        "--checkpoint",
        &checkpoint,
        "--json",
    ]);
    assert_eq!(pinned.status.code(), Some(0));
    assert_eq!(json_of(&pinned)["checkpoints_confirmed"], 1);
    let rewritten = format!("2000:{}", "00".repeat(32));
    let output = letopis_bare(&[
        "log",
        "verify",
        "--archive",
        &path(&whole),
        "--checkpoint",
        &rewritten,
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(json_of(&output)["first_bad_seq"], 2000);
    let output =
        letopis_bare(&["log", "verify", "--archive", &path(&whole), "--checkpoint", &rewritten]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("контрольная точка, событие №2000: у аудитора хеш"), "{report}");
    crate::support::assert_no_english_words(&report);

    // An archive cut short is named as such, in Russian.
    let cut = dir.path().join("cut.log");
    let bytes = std::fs::read(&first).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
    let output = letopis_bare(&["log", "verify", "--archive", &path(&cut)]);
    assert_eq!(output.status.code(), Some(3));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("архив обрывается после события №2000"), "{report}");
    crate::support::assert_no_english_words(&report);

    // The whole archive rebuilds the store: same head, same events, same streams and ids.
    let restored = dir.path().join("restored");
    let output =
        letopis_bare(&["log", "restore", "--archive", &path(&whole), "--data", &path(&restored)]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let output = letopis(&["verify", "--json"], &restored);
    assert_eq!(json_of(&output)["last_hash"], store_head.as_str());
    for args in [
        &["replay", "--from", "1", "--to", "300"][..],
        &["replay", "--stream", "municipality/38-12"],
    ] {
        assert_eq!(letopis(args, &restored).stdout, letopis(args, &data).stdout, "{args:?}");
    }
    {
        let original = Store::open(&data).unwrap();
        let copy = Store::open(&restored).unwrap();
        let event = original.get(Seq(1234)).unwrap().unwrap();
        assert_eq!(copy.seq_of(&event.id).unwrap(), Some(Seq(1234)), "ids are indexed at open");
    }
    // Only into an empty directory, only a whole log.
    let output =
        letopis_bare(&["log", "restore", "--archive", &path(&whole), "--data", &path(&restored)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("не пуст"));
    let elsewhere = dir.path().join("from-the-middle");
    let output =
        letopis_bare(&["log", "restore", "--archive", &path(&rest), "--data", &path(&elsewhere)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("№2001"));
    assert!(!elsewhere.exists(), "nothing written from a partial archive");

    // One flipped byte inside an event record: exit 3, the first bad seq named.
    let mut bytes = std::fs::read(&whole).unwrap();
    let store = Store::open(&data).unwrap();
    let offset: usize = 56
        + (1..500u64).map(|seq| 4 + store.get_raw(Seq(seq)).unwrap().unwrap().len()).sum::<usize>()
        + 4
        + 40;
    drop(store);
    bytes[offset] ^= 0x01;
    std::fs::write(&whole, &bytes).unwrap();
    let output = letopis_bare(&["log", "verify", "--archive", &path(&whole), "--json"]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(json_of(&output)["first_bad_seq"], 500);
    let output = letopis_bare(&["log", "verify", "--archive", &path(&whole)]);
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("№500"), "{report}");
    crate::support::assert_no_english_words(&report);
    let tampered_copy = dir.path().join("tampered");
    let output = letopis_bare(&[
        "log",
        "restore",
        "--archive",
        &path(&whole),
        "--data",
        &path(&tampered_copy),
    ]);
    assert_eq!(output.status.code(), Some(3));
    assert!(!tampered_copy.exists(), "nothing written from an archive that does not verify");

    // A file that is not an archive, and a malformed checkpoint, are named.
    let output = letopis_bare(&["log", "verify", "--archive", &path(&data.join("db"))]);
    assert_ne!(output.status.code(), Some(0));
    let output =
        letopis_bare(&["log", "verify", "--archive", &path(&first), "--checkpoint", "2000"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--checkpoint"));
}

/// What people read from the CLI is in Russian: the tables (a route's supporters and steps by
/// their Russian names, not Rust's) and the error lines (`ошибка: …`).
#[test]
fn tables_and_errors_read_in_russian() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), Scale::District, 7).unwrap();
    let output = letopis(&["routes", "--date", "2024-12-31"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("сопровождает: "), "{table}");
    assert!(table.contains("    шаг "), "{table}");
    for debug in ["Methodist", "Tutor", "Program", "Internship", "Mentoring", "SelfStudy", "Event"]
    {
        assert!(!table.contains(debug), "{debug} in the routes table");
    }
    crate::support::assert_no_english_words(&table);

    let output = letopis(&["replay", "--stream", "Не поток"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.starts_with("ошибка: --stream: имя потока"), "{error}");
    crate::support::assert_no_english_words(&error);

    let output = letopis(&["token", "create", "--role", "king"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.starts_with("ошибка: роль: неизвестная роль \"king\""), "{error}");
    crate::support::assert_no_english_words(&error);

    let not_a_store = dir.path().join("file.txt");
    std::fs::write(&not_a_store, "не хранилище").unwrap();
    let output = letopis(&["plans"], &not_a_store);
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.starts_with("ошибка: не удалось открыть хранилище"), "{error}");
}
