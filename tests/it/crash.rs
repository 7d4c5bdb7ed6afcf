//! Crash safety: a writer process is SIGKILLed at random moments, or aborts between the two
//! writes of a group (sled written, the mirror not yet); every acknowledged event must survive
//! with its content in sled and in the mirror, both chains must verify, and the Merkle tree's
//! tiles written with the events must be whole (nothing rebuilt at open) and equal to the tree
//! rebuilt from the event hashes.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use letopis::store::{Mirror, MirrorRecords, Store};
use proto_events::tlog::tile::{TileKind, TilePath};
use proto_events::tlog::tree::{self, MemoryTree, Node, Nodes, TreeSize};
use proto_events::{Envelope, EventId, Seq};

/// Kills per test run (more with `LETOPIS_SLOW_TESTS=1`).
fn kills() -> u32 {
    if std::env::var("LETOPIS_SLOW_TESTS").is_ok_and(|v| v == "1") {
        200
    } else {
        20
    }
}

/// An acknowledged event: seq, id, BLAKE3 of the payload.
type Acknowledged = (u64, EventId, String);

#[test]
fn acknowledged_appends_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged: Vec<Acknowledged> = Vec::new();
    // A small deterministic generator (xorshift) picks how many acks to wait for before killing.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..kills() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let wait_for = 1 + (state % 400);
        // Every third round the writer aborts between sled's flush and the mirror's write.
        let between_writes = round % 3 == 2;
        let mut command = Command::new(env!("CARGO_BIN_EXE_letopis"));
        command.args(["crash-writer", "--data"]).arg(dir.path());
        if between_writes {
            command.args(["--die-between-writes-after", &(wait_for / 4).to_string()]);
        }
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = 0;
        while between_writes || seen < wait_for {
            match lines.next() {
                Some(Ok(line)) => {
                    acknowledged.push(parse_ack(&line));
                    seen += 1;
                }
                _ if between_writes => break,
                _ => {
                    let output = child.wait_with_output().unwrap();
                    panic!(
                        "round {round}: writer ended early: {}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
            }
        }
        if !between_writes {
            child.kill().unwrap();
        }
        let status = child.wait().unwrap();
        assert!(!status.success(), "round {round}: the writer ended by itself");
        check_round(dir.path(), round, &acknowledged, between_writes);
    }
    assert!(acknowledged.len() >= kills() as usize);
}

fn parse_ack(line: &str) -> Acknowledged {
    let mut parts = line.split(' ');
    assert_eq!(parts.next(), Some("ack"), "{line}");
    let seq: u64 = parts.next().unwrap().parse().unwrap();
    let id: EventId = parts.next().unwrap().parse().unwrap();
    (seq, id, parts.next().unwrap().to_string())
}

/// Every acknowledged event is in the mirror as the crash left it and in sled; opening the
/// mirror then brings it to sled's head.
fn check_round(dir: &Path, round: u32, acknowledged: &[Acknowledged], between_writes: bool) {
    let mirrored = mirror_events(dir);
    let store = Store::open(dir).unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}"));
    if between_writes {
        // The abort came after sled's flush of a group the mirror never got.
        let mirror_head = mirrored.keys().next_back().copied().unwrap_or(0);
        assert!(mirror_head < store.head().seq.0, "round {round}: sled is not ahead");
    }
    store.verify(false, 0, |_| {}).unwrap_or_else(|e| panic!("round {round}: verify failed: {e}"));
    check_tree(&store, round);
    for (seq, id, digest) in acknowledged {
        let event = store
            .get(Seq(*seq))
            .unwrap()
            .unwrap_or_else(|| panic!("round {round}: acked seq {seq} lost"));
        assert_eq!(&event.id, id, "round {round}: seq {seq} has another id");
        assert_eq!(&blake3::hash(&event.payload).to_hex().to_string(), digest);
        let in_mirror = mirrored.get(seq);
        assert_eq!(in_mirror, Some(&(*id, digest.clone())), "round {round}: seq {seq} mirror");
    }
    let (mirror, _) =
        Mirror::open(&store).unwrap_or_else(|e| panic!("round {round}: mirror open: {e}"));
    assert_eq!(mirror.head(), (store.head().seq, store.head().hash), "round {round}");
}

/// The events of the whole mirror by seq: id and payload digest.
fn mirror_events(dir: &Path) -> BTreeMap<u64, (EventId, String)> {
    let mut events = BTreeMap::new();
    if !dir.join(letopis::store::MIRROR_DIR).is_dir() {
        return events;
    }
    let mut records = MirrorRecords::open(dir, false).unwrap();
    let mut record = Vec::new();
    while let Some(seq) = records.next_record(&mut record).unwrap() {
        let event = Envelope::open(&record).unwrap();
        events.insert(seq.0, (event.id, blake3::hash(&event.payload).to_hex().to_string()));
    }
    events
}

/// The tree survived the kill with the events: open found it as long as the log (it added no
/// leaf), and it is the tree rebuilt from the event hashes alone: every tile (full and partial,
/// at every tile level) holds the rebuilt tree's hashes, and the roots agree at the head and at
/// sizes around the tiles' edges.
fn check_tree(store: &Store, round: u32) {
    assert_eq!(store.merkle_leaves_rebuilt_at_open(), 0, "round {round}: the tree was short");
    let mut rebuilt = MemoryTree::new();
    for event in store.range(Seq(1), store.head().seq) {
        rebuilt.push(tree::event_leaf(&event.unwrap().hash)).unwrap();
    }
    let head = store.head().seq.0;
    for level in 0..8u8 {
        let count = head >> (8 * u32::from(level));
        if count == 0 {
            break;
        }
        for index in 0..count.div_ceil(256) {
            let width = (count - index * 256).min(256);
            let mut expected = Vec::new();
            for n in 0..width {
                let node = Node { level: level * 8, index: index * 256 + n };
                expected.extend_from_slice(&rebuilt.node(node).unwrap().0);
            }
            let path = TilePath { kind: TileKind::Hashes { level }, index, width: width as u16 };
            let stored = store.tile(path).unwrap();
            assert_eq!(stored, Some(expected), "round {round}: tile {}", path.to_path());
        }
    }
    for size in [head, head.saturating_sub(1), head / 256 * 256, head / 2] {
        let root = tree::root(&rebuilt, TreeSize(size)).unwrap();
        assert_eq!(store.tree_root(size).unwrap(), root, "round {round}: tree root at {size}");
    }
}
