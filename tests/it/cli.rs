//! The command-line acceptance interface of `verify` and `replay`: what auditors run offline.

use std::process::Command;

use letopis::demo::{generate, Scale};
use letopis::store::Store;
use proto_events::Seq;
use serde_json::Value;

fn letopis(args: &[&str], data: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_letopis")).args(args).arg("--data").arg(data).output().unwrap()
}

#[test]
fn replay_prints_json_lines_with_typed_payloads_and_verify_catches_a_tampered_byte() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), Scale::District, 7, false).unwrap();

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
    assert!(String::from_utf8_lossy(&output.stdout).contains("№500"));
}
