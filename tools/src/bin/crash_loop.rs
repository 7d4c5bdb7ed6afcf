//! `crash-loop`: the soak version of the crash test. Starts `letopis crash-writer` on one store,
//! SIGKILLs it after a pseudo-random number of acknowledged appends (every third round it lets it
//! abort between the two writes of a group instead: sled written, the mirror not yet), reopens,
//! and checks; repeats `--kills N` times; then checks everything once more.
//!
//! A round waits for 1–200 acknowledgements before its kill (every tenth round for up to 2,000),
//! so the log grows by a few hundred events a round and 1,000 kills stay affordable.
//!
//! A round checks what is new since the last round, so its cost does not grow with the log: the
//! chain in sled and in the mirror from the last verified seq and hash (`Store::verify_after`,
//! `MirrorRecords::open_after`), every event acknowledged since the last round (present with its
//! content in sled and in the mirror as the crash left it), and `SAMPLE_OLD` earlier
//! acknowledgements drawn at random (in sled); the Merkle tree (open rebuilt nothing, and the
//! tiles the new events touched, at every tile level, hold the hashes of the tree rebuilt from
//! the event hashes, which the loop extends round by round in memory, ~64 bytes an event; the
//! root at the head agrees); then it opens the mirror (catching it up). The end checks all of it:
//! the whole chain in sled and in the mirror, every acknowledged event in both, and every tile. (Before, every round re-read everything: 150 kills spent ~20 minutes verifying.)
//!
//! `cargo run --release -p letopis-tools --bin crash_loop -- --kills 1000 [--minutes M] [--letopis PATH]`
//! (`--minutes`: no round starts after M minutes; the final check runs and the summary says how
//! many kills were made)
//! (PATH defaults to the `letopis` binary next to this one; build it with
//! `cargo build --release`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use letopis::store::{Mirror, MirrorRecords, Store};
use proto_events::tlog::tile::{TileKind, TilePath, TILE_HEIGHT, TILE_WIDTH_MAX};
use proto_events::tlog::tree::{self, MemoryTree, Node, Nodes, TreeSize};
use proto_events::{EventId, Hash, Seq, StoredHeader};

/// Earlier acknowledgements re-checked in sled each round, drawn at random.
const SAMPLE_OLD: usize = 64;

/// An acknowledged event: seq, id, BLAKE3 of the payload.
type Acknowledged = (u64, EventId, String);

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value =
        |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let kills: u32 = value("--kills").map(|v| v.parse()).transpose()?.unwrap_or(100);
    // A time budget: no round starts after it, and the final check still runs.
    let minutes: Option<u64> = value("--minutes").map(|v| v.parse()).transpose()?;
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
    let mut acknowledged: Vec<Acknowledged> = Vec::new();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut verified = (Seq(0), Hash::ZERO);
    let mut rebuilt = MemoryTree::new();
    let started = Instant::now();
    let mut done = 0;
    for round in 1..=kills {
        if minutes.is_some_and(|minutes| started.elapsed().as_secs() >= minutes * 60) {
            println!(
                "the time budget of {} minutes ended after {done} kills",
                minutes.unwrap_or(0)
            );
            break;
        }
        let checked_before = acknowledged.len();
        state = xorshift(state);
        let between_writes = round % 3 == 0;
        kill_one(
            &binary,
            dir.path(),
            round,
            wait_for(round, state),
            between_writes,
            &mut acknowledged,
        )?;
        let (old, new) = acknowledged.split_at(checked_before.min(acknowledged.len()));
        let mut sample = Vec::with_capacity(SAMPLE_OLD);
        for _ in 0..SAMPLE_OLD.min(old.len()) {
            state = xorshift(state);
            sample.extend(old.get((state % old.len() as u64) as usize));
        }
        verified = check_round(dir.path(), verified, new, &sample, &mut rebuilt)
            .with_context(|| format!("round {round}"))?;
        done = round;
        if round % 50 == 0 {
            println!(
                "{round}/{kills} kills: {} acknowledged, chain verified to seq {} ({:.0} s)",
                acknowledged.len(),
                verified.0 .0,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let chain = check_all(dir.path(), &acknowledged, &rebuilt).context("the final check")?;
    println!(
        "{done} kills: {} acknowledged events all present in sled and the mirror, chain of {chain} verifies in both ({:.0} s)",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "{}",
        serde_json::json!({"bench": "crash-loop", "kills": done, "acknowledged": acknowledged.len(), "chain": chain, "lost": 0, "ok": true, "seconds": started.elapsed().as_secs()})
    );
    Ok(())
}

/// How many acknowledgements a round waits for before its kill: 1–200, and 1–2,000 every tenth
/// round. The kills are what the soak counts; the log's growth is what makes a round cost more
/// (every round opens the store twice, and an open reads every record's header), so most rounds
/// stay small and 1,000 kills fit in well under an hour, while the large rounds still kill
/// writers deep in a run of full groups.
fn wait_for(round: u32, state: u64) -> u64 {
    if round % 10 == 0 {
        1 + state % 2_000
    } else {
        1 + state % 200
    }
}

fn xorshift(mut state: u64) -> u64 {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    state
}

/// One round's writer: killed after `wait_for` acknowledgements, or left to abort between the
/// two writes of a group; its acknowledgements are added to `acknowledged`.
fn kill_one(
    binary: &Path,
    dir: &Path,
    round: u32,
    wait_for: u64,
    between_writes: bool,
    acknowledged: &mut Vec<Acknowledged>,
) -> anyhow::Result<()> {
    let mut command = Command::new(binary);
    command.args(["crash-writer", "--data"]).arg(dir);
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
    Ok(())
}

/// A round's check from the last verified point (see the module documentation); returns the
/// new verified point, the head, which the mirror then also holds.
fn check_round(
    dir: &Path,
    verified: (Seq, Hash),
    new: &[Acknowledged],
    sample: &[&Acknowledged],
    rebuilt: &mut MemoryTree,
) -> anyhow::Result<(Seq, Hash)> {
    let mirrored = mirror_hashes(MirrorRecords::open_after(dir, false, verified)?)?;
    let store = Store::open(dir).context("reopening")?;
    store.verify_after(verified).context("verify from the last verified seq")?;
    for event in store.range(Seq(verified.0 .0 + 1), store.head().seq) {
        rebuilt.push(tree::event_leaf(&event?.hash))?;
    }
    check_tree(&store, rebuilt, verified.0 .0)?;
    for acknowledged in new {
        check_event(&store, acknowledged, &mirrored)?;
    }
    for (seq, id, digest) in sample {
        check_in_sled(&store, *seq, id, digest)?;
    }
    let (mirror, _) = Mirror::open(&store).context("opening the mirror")?;
    let head = (store.head().seq, store.head().hash);
    if mirror.head() != head {
        bail!("the mirror did not catch up with the store");
    }
    Ok(head)
}

/// The end: the whole chain in sled and in the mirror, every acknowledged event in both.
/// Returns the length of the chain.
fn check_all(
    dir: &Path,
    acknowledged: &[Acknowledged],
    rebuilt: &MemoryTree,
) -> anyhow::Result<u64> {
    let mirrored = mirror_hashes(MirrorRecords::open(dir, false)?)?;
    let store = Store::open(dir).context("reopening")?;
    let summary = store.verify(false, 0, |_| {}).context("verify")?;
    check_tree(&store, rebuilt, 0)?;
    for acknowledged in acknowledged {
        check_event(&store, acknowledged, &mirrored)?;
    }
    if mirrored.len() as u64 != summary.events {
        bail!("the mirror holds {} events, sled {}", mirrored.len(), summary.events);
    }
    Ok(summary.events)
}

/// The stored tree after a kill: open added no leaf (the tiles were as long as the log), the
/// root at the head is the rebuilt tree's, and every tile holding a leaf after `from` (at every
/// tile level: the tiles the events since then wrote) is the rebuilt tree's hashes.
fn check_tree(store: &Store, rebuilt: &MemoryTree, from: u64) -> anyhow::Result<()> {
    if store.merkle_leaves_rebuilt_at_open() != 0 {
        bail!("the tree was short: open added {} leaves", store.merkle_leaves_rebuilt_at_open());
    }
    let head = store.head().seq.0;
    if rebuilt.size() != TreeSize(head) || store.tree_root(head)? != rebuilt.root() {
        bail!("the tree root at {head} is not the root of the event hashes");
    }
    let width_max = u64::from(TILE_WIDTH_MAX);
    for level in 0..8u8 {
        let shift = u32::from(level) * u32::from(TILE_HEIGHT);
        let count = head >> shift;
        if count == 0 {
            break;
        }
        for index in (from >> shift) / width_max..count.div_ceil(width_max) {
            let width = (count - index * width_max).min(width_max);
            let mut expected = Vec::with_capacity(width as usize * 32);
            for n in 0..width {
                let node = Node { level: level * TILE_HEIGHT, index: index * width_max + n };
                expected.extend_from_slice(&rebuilt.node(node)?.0);
            }
            let path = TilePath { kind: TileKind::Hashes { level }, index, width: width as u16 };
            if store.tile(path)? != Some(expected) {
                bail!("tile {} is not the tree of the event hashes", path.to_path());
            }
        }
    }
    Ok(())
}

/// One acknowledged event in sled with its content, and in the mirror with the same hash.
fn check_event(
    store: &Store,
    (seq, id, digest): &Acknowledged,
    mirrored: &BTreeMap<u64, Hash>,
) -> anyhow::Result<()> {
    let hash = check_in_sled(store, *seq, id, digest)?;
    // The same hash as sled's record, whose id and content were just checked.
    if mirrored.get(seq) != Some(&hash) {
        bail!("acked seq {seq} missing from the mirror");
    }
    Ok(())
}

/// One acknowledged event in sled with its id and content; its hash.
fn check_in_sled(store: &Store, seq: u64, id: &EventId, digest: &str) -> anyhow::Result<Hash> {
    let event = store.get(Seq(seq))?.with_context(|| format!("acked seq {seq} lost"))?;
    if &event.id != id || blake3::hash(&event.payload).to_hex().as_str() != digest {
        bail!("acked seq {seq} changed");
    }
    Ok(event.hash)
}

/// The hash of every record the walk reads, by seq (the walk checks the chain). A store
/// without a mirror directory has none.
fn mirror_hashes(mut records: MirrorRecords) -> anyhow::Result<BTreeMap<u64, Hash>> {
    let mut events = BTreeMap::new();
    let mut record = Vec::new();
    while let Some(seq) = records.next_record(&mut record)? {
        events.insert(seq.0, StoredHeader::peek(&record).context("a mirrored record")?.hash);
    }
    Ok(events)
}
