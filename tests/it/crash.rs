//! Crash safety: a writer process is SIGKILLed at random moments; every acknowledged event must
//! survive with its content and the chain must verify.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use letopis::store::Store;
use proto_events::{EventId, Seq};

/// Kills per test run (more with `LETOPIS_SLOW_TESTS=1`).
fn kills() -> u32 {
    if std::env::var("LETOPIS_SLOW_TESTS").is_ok_and(|v| v == "1") {
        200
    } else {
        20
    }
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged: Vec<(u64, EventId, String)> = Vec::new();
    // A small deterministic generator (xorshift) picks how many acks to wait for before killing.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..kills() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let wait_for = 1 + (state % 400);
        let mut child = Command::new(env!("CARGO_BIN_EXE_letopis"))
            .args(["crash-writer", "--data"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = 0;
        while seen < wait_for {
            match lines.next() {
                Some(Ok(line)) => {
                    let mut parts = line.split(' ');
                    assert_eq!(parts.next(), Some("ack"));
                    let seq: u64 = parts.next().unwrap().parse().unwrap();
                    let id: EventId = parts.next().unwrap().parse().unwrap();
                    let digest = parts.next().unwrap().to_string();
                    acknowledged.push((seq, id, digest));
                    seen += 1;
                }
                _ => {
                    let output = child.wait_with_output().unwrap();
                    panic!(
                        "round {round}: writer ended early: {}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let store =
            Store::open(dir.path()).unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}"));
        store
            .verify(false, 0, |_| {})
            .unwrap_or_else(|e| panic!("round {round}: verify failed: {e}"));
        for (seq, id, digest) in &acknowledged {
            let event = store
                .get(Seq(*seq))
                .unwrap()
                .unwrap_or_else(|| panic!("round {round}: acked seq {seq} lost"));
            assert_eq!(&event.id, id, "round {round}: seq {seq} has another id");
            assert_eq!(&blake3::hash(&event.payload).to_hex().to_string(), digest);
        }
    }
    assert!(acknowledged.len() >= kills() as usize);
}
