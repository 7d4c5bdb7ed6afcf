//! `crash-loop`: the soak version of the crash test. Starts `letopis crash-writer` on one store,
//! SIGKILLs it after a pseudo-random number of acknowledged appends, reopens, verifies the chain
//! and checks every acknowledged event is present with its content; repeats `--kills N` times.
//!
//! `cargo run --release -p letopis-tools --bin crash_loop -- --kills 1000 [--letopis PATH]`
//! (PATH defaults to the `letopis` binary next to this one; build it with
//! `cargo build --release`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use letopis::store::Store;
use proto_events::{EventId, Seq};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value =
        |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let kills: u32 = value("--kills").map(|v| v.parse()).transpose()?.unwrap_or(100);
    let binary = match value("--letopis") {
        Some(path) => PathBuf::from(path),
        None => std::env::current_exe()?.with_file_name("letopis"),
    };
    if !binary.exists() {
        bail!(
            "{} not found: build it with `cargo build --release` or pass --letopis",
            binary.display()
        );
    }
    let dir = tempfile::tempdir()?;
    let mut acknowledged: Vec<(u64, EventId, String)> = Vec::new();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let started = Instant::now();
    for round in 1..=kills {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let wait_for = 1 + state % 2_000;
        let mut child = Command::new(&binary)
            .args(["crash-writer", "--data"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("writer stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = 0;
        while seen < wait_for {
            let Some(line) = lines.next() else { bail!("round {round}: writer ended early") };
            let line = line?;
            let mut parts = line.split(' ');
            let (Some("ack"), Some(seq), Some(id), Some(digest)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                bail!("round {round}: unexpected line {line:?}");
            };
            acknowledged.push((seq.parse()?, id.parse()?, digest.to_string()));
            seen += 1;
        }
        child.kill()?;
        child.wait()?;
        let store = Store::open(dir.path()).with_context(|| format!("round {round}: reopening"))?;
        let summary =
            store.verify(false, 0, |_| {}).with_context(|| format!("round {round}: verify"))?;
        for (seq, id, digest) in &acknowledged {
            let event = store
                .get(Seq(*seq))?
                .with_context(|| format!("round {round}: acked seq {seq} lost"))?;
            if &event.id != id || &blake3::hash(&event.payload).to_hex().to_string() != digest {
                bail!("round {round}: acked seq {seq} changed");
            }
        }
        if round % 50 == 0 || round == kills {
            println!(
                "{round}/{kills} kills: {} acknowledged events all present, chain of {} verifies ({:.0} s)",
                acknowledged.len(),
                summary.events,
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "{}",
        serde_json::json!({"bench": "crash-loop", "kills": kills, "acknowledged": acknowledged.len(), "lost": 0, "ok": true})
    );
    Ok(())
}
