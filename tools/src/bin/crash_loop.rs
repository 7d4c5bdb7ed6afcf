//! `crash-loop`: the soak version of the crash test. Starts `letopis crash-writer` on one store,
//! SIGKILLs it after a pseudo-random number of acknowledged appends (every third round it lets it
//! abort between the two writes of a group instead: sled written, the mirror not yet), reopens,
//! verifies the chain and checks every acknowledged event is present with its content in sled
//! and in the mirror, then opens the mirror (catching it up); repeats `--kills N` times.
//!
//! `cargo run --release -p letopis-tools --bin crash_loop -- --kills 1000 [--letopis PATH]`
//! (PATH defaults to the `letopis` binary next to this one; build it with
//! `cargo build --release`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use letopis::store::{Mirror, MirrorRecords, Store};
use proto_events::{EventId, Hash, Seq, StoredHeader};

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
        let between_writes = round % 3 == 0;
        let mut command = Command::new(&binary);
        command.args(["crash-writer", "--data"]).arg(dir.path());
        if between_writes {
            command.args(["--die-between-writes-after", &(wait_for / 4).to_string()]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("writer stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = 0;
        while between_writes || seen < wait_for {
            let Some(line) = lines.next() else {
                if between_writes {
                    break;
                }
                bail!("round {round}: writer ended early")
            };
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
        if !between_writes {
            child.kill()?;
        }
        if child.wait()?.success() {
            bail!("round {round}: the writer ended by itself");
        }
        let mirrored = mirror_events(dir.path())?;
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
            // The same hash as sled's record, whose id and content were just checked.
            if mirrored.get(seq) != Some(&event.hash) {
                bail!("round {round}: acked seq {seq} missing from the mirror");
            }
        }
        let (mirror, _) =
            Mirror::open(&store).with_context(|| format!("round {round}: opening the mirror"))?;
        if mirror.head() != (store.head().seq, store.head().hash) {
            bail!("round {round}: the mirror did not catch up with the store");
        }
        drop(mirror);
        if round % 50 == 0 || round == kills {
            println!(
                "{round}/{kills} kills: {} acknowledged events all present in sled and the mirror, chain of {} verifies ({:.0} s)",
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

/// The hash of every record of the whole mirror by seq (the walk checks the chain).
fn mirror_events(dir: &std::path::Path) -> anyhow::Result<BTreeMap<u64, Hash>> {
    let mut events = BTreeMap::new();
    if !dir.join(letopis::store::MIRROR_DIR).is_dir() {
        return Ok(events);
    }
    let mut records = MirrorRecords::open(dir, false)?;
    let mut record = Vec::new();
    while let Some(seq) = records.next_record(&mut record)? {
        events.insert(seq.0, StoredHeader::peek(&record).context("a mirrored record")?.hash);
    }
    Ok(events)
}
