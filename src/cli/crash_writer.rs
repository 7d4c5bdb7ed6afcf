//! Hidden `crash-writer` command: appends from several threads in a loop and prints a line per
//! acknowledged event (`ack <seq> <id> <payload blake3>`), for crash tests that SIGKILL it, or
//! that let it abort between the two writes of a group (sled written, the mirror not yet). With
//! `--snapshot-every N` a thread also folds the projections at the head as the appends go, with
//! a snapshot every N events, as a server does (the full-disk test of snapshots).

use std::io::Write;
use std::num::NonZeroU64;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use proto_events::{Actor, ActorRole, Date, Effective, NewEvent, StreamName};

use crate::query::{snapshot, KnownAt, Projector};
use crate::store::{AppendRequest, Ledger, Mirror, NoGate, Store, SystemClock};

pub(crate) fn run(
    data: &Path,
    threads: u32,
    die_between_writes_after: Option<u64>,
    snapshot_every: Option<NonZeroU64>,
) -> anyhow::Result<u8> {
    let store =
        Store::open(data).with_context(|| format!("opening store at {}", data.display()))?;
    let (mut mirror, _) = Mirror::open(&store)
        .with_context(|| format!("opening the mirror of {}", data.display()))?;
    if let Some(groups) = die_between_writes_after {
        mirror.abort_between_writes_after(groups);
    }
    let ledger = Ledger::start_with(store, Some(mirror), Box::new(NoGate), Arc::new(SystemClock));
    let stdout = Arc::new(Mutex::new(std::io::stdout()));
    let mut handles = Vec::new();
    if let Some(every) = snapshot_every {
        snapshot::set_every_events(every);
        let projector = Projector::new(ledger.store().clone());
        // Not joined: it folds until the process ends with the writers.
        std::thread::spawn(move || -> anyhow::Result<()> {
            loop {
                projector.state_at(KnownAt::Now)?;
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
    }
    for thread in 0..threads.max(1) {
        let ledger = ledger.clone();
        let stdout = stdout.clone();
        handles.push(std::thread::spawn(move || -> anyhow::Result<()> {
            let mut round = 0u64;
            loop {
                round += 1;
                let size = 1 + (round % 7) as usize;
                let events = (0..size)
                    .map(|index| sample_event(thread, round, index))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let outcome = ledger.append_blocking(AppendRequest::new(events.clone()))?;
                let mut out = stdout.lock().map_err(|_| anyhow::anyhow!("stdout lock poisoned"))?;
                for ((seq, id), event) in outcome.seqs.iter().zip(&outcome.ids).zip(&events) {
                    writeln!(
                        out,
                        "ack {} {} {}",
                        seq.0,
                        id,
                        blake3::hash(&event.payload).to_hex()
                    )?;
                }
                out.flush()?;
            }
        }));
    }
    for handle in handles {
        handle.join().map_err(|_| anyhow::anyhow!("writer thread panicked"))??;
    }
    Ok(0)
}

fn sample_event(thread: u32, round: u64, index: usize) -> anyhow::Result<NewEvent> {
    let payload =
        format!("crash-writer thread {thread} round {round} index {index} {}", "x".repeat(200))
            .into_bytes();
    Ok(NewEvent {
        id: None,
        stream: StreamName::new(format!("crash/t{thread}-{}", round % 13))?,
        kind: "crash_test".into(),
        schema_version: 1,
        effective: Effective::Date(Date::from_ymd(2024, 12, 31).context("date")?),
        actor: Actor { role: ActorRole::System, id: format!("crash-writer-{thread}") },
        basis: None,
        payload,
    })
}
