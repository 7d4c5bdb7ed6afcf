//! Stored snapshots of the command gate's `RegistryIndex`, in the store's room of gate snapshots
//! (`Store::gate_snapshots`), so
//! that opening a ledger folds only the events after the latest snapshot instead of the whole
//! log (a million events took ~10 s at every server start).
//!
//! Keyed by `GATE_SNAPSHOT_FORMAT` and seq. Value: a 32-byte check, then the index's entries
//! sorted by key in the cache codec (`proto_events::codec::cache`: big-endian, fixed-width
//! integers). The check is BLAKE3
//! of: the format, the vocabulary this build decodes (every kind and schema version, since the
//! fold skips events it cannot decode), the hash of the event at the snapshot's seq, and the
//! entries' bytes. A cache, never hashed into the chain or signed: read back, a snapshot is used
//! only when its check matches — it belongs to this log (not one it was copied from), to a build
//! that folds the same vocabulary the same way, and no byte of it changed — and it decodes
//! completely; otherwise it is ignored and the gate folds from seq 1. A change of the index's
//! shape or of what the gate's fold does with a kind is a `GATE_SNAPSHOT_FORMAT` bump: snapshots
//! of another format are never read and are removed when one of this format is written.

use proto_events::codec;
use proto_events::vocabulary::Payload;
use proto_events::{Hash, Seq};

use crate::commands::index::{Fact, Key, RegistryIndex};
use crate::store::{Store, StoreError};

/// Layout and fold version of a stored gate snapshot (see the module comment).
/// 2: a teacher's fact carries the date of their latest employment change.
/// 3: enrolments and the targets each act set (`Key::Enrolment`, `Key::Target`).
/// 4: recommendations and decisions (`Key::Decision`), a plan's period as amended by
/// `plan_amended`.
/// 5: reporting periods (`Key::Period`, `Fact::Period`).
pub const GATE_SNAPSHOT_FORMAT: u32 = 5;

/// Events folded at open beyond which a new snapshot is written at the head.
pub const GATE_SNAPSHOT_EVERY_EVENTS: u64 = 100_000;

/// The latest usable snapshot at or before `head`: its seq and the index folded to it.
pub(crate) fn load(store: &Store, head: Seq) -> Result<Option<(Seq, RegistryIndex)>, StoreError> {
    if head.0 == 0 {
        return Ok(None);
    }
    for entry in store.gate_snapshots()?.latest_first_at_or_below(GATE_SNAPSHOT_FORMAT, head) {
        let (seq, value) = entry?;
        let Some(event) = store.get(seq)? else { continue };
        if let Some(index) = decode(&value, &event.hash) {
            return Ok(Some((seq, index)));
        }
    }
    Ok(None)
}

/// The check stored in front of a snapshot's entries (see the module comment).
fn check(event_hash: &Hash, body: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"letopis gate snapshot");
    hasher.update(&GATE_SNAPSHOT_FORMAT.to_be_bytes());
    for (kind, version) in Payload::KINDS {
        hasher.update(&u64::try_from(kind.len()).unwrap_or(u64::MAX).to_be_bytes());
        hasher.update(kind.as_bytes());
        hasher.update(&version.to_be_bytes());
    }
    hasher.update(&event_hash.0);
    hasher.update(body);
    *hasher.finalize().as_bytes()
}

fn decode(value: &[u8], hash: &Hash) -> Option<RegistryIndex> {
    let (stored_check, body) = value.split_at_checked(32)?;
    if stored_check != check(hash, body).as_slice() {
        return None;
    }
    let entries: Vec<(Key, Fact)> = codec::cache::decode("gate snapshot", body).ok()?;
    Some(RegistryIndex::from_entries(entries))
}

/// Stores a snapshot of `index`, folded to the event `at` (whose hash is `hash`), and removes
/// every other snapshot: the latest is the only one a later open reads.
pub(crate) fn save(
    store: &Store,
    at: Seq,
    hash: &Hash,
    index: &RegistryIndex,
) -> Result<(), StoreError> {
    let body = codec::cache::encode("gate snapshot", &index.entries())
        .map_err(|error| StoreError::Storage(format!("encoding the gate snapshot: {error}")))?;
    let mut value = check(hash, &body).to_vec();
    value.extend_from_slice(&body);
    let snapshots = store.gate_snapshots()?;
    snapshots.put(GATE_SNAPSHOT_FORMAT, at, &value)?;
    snapshots.retain(|format, seq| (format, seq) == (GATE_SNAPSHOT_FORMAT, at))?;
    snapshots.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::gate::{fold, rebuild_gate_with};

    fn district() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::generate(dir.path(), crate::cli::demo::Scale::District, 7, false).unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        (dir, store)
    }

    fn snapshots(store: &Store) -> Vec<u64> {
        let room = store.gate_snapshots().unwrap();
        room.seqs(GATE_SNAPSHOT_FORMAT).unwrap().into_iter().map(|seq| seq.0).collect()
    }

    #[test]
    fn a_gate_from_a_snapshot_and_the_rest_equals_a_gate_folded_from_seq_1() {
        let (_dir, store) = district();
        let head = store.head();
        // Folded whole (no snapshot yet), writing one at the head.
        let whole = rebuild_gate_with(&store, 1).unwrap();
        assert_eq!(snapshots(&store), vec![head.seq.0]);
        // Read back: nothing left to fold, the same index.
        let again = rebuild_gate_with(&store, u64::MAX).unwrap();
        assert_eq!(again.index().entries(), whole.index().entries());

        // A snapshot at every tenth of the log, then the rest folded: the same index as a fold
        // from seq 1, and the same as an index folded to that point and on.
        for tenth in 1..10 {
            let at = Seq(head.seq.0 * tenth / 10);
            let event = store.get(at).unwrap().unwrap();
            let prefix = fold(&store, Seq(1), at, RegistryIndex::default()).unwrap();
            save(&store, at, &event.hash, &prefix).unwrap();
            assert_eq!(snapshots(&store), vec![at.0]);
            let from_snapshot = rebuild_gate_with(&store, u64::MAX).unwrap();
            assert_eq!(
                from_snapshot.index().entries(),
                whole.index().entries(),
                "snapshot at {at:?}"
            );
        }
    }

    /// Pins the bytes of the snapshot of one district: when they change, either the demo changed
    /// (update the pin) or the index's shape or fold did — then bump `GATE_SNAPSHOT_FORMAT` too,
    /// or servers restarted on the new build would read indexes it would not have folded.
    #[test]
    fn the_snapshot_of_a_district_is_pinned() {
        let (_dir, store) = district();
        rebuild_gate_with(&store, 1).unwrap();
        let head = store.head().seq.0;
        let room = store.gate_snapshots().unwrap();
        let stored = room.get(GATE_SNAPSHOT_FORMAT, Seq(head)).unwrap().unwrap();
        let body = blake3::hash(&stored[32..]).to_hex().to_string();
        assert_eq!(
            body, "0027555fcd34257e66b065265beae7a152f08e1fda29d25f9873b1ab4d737cdc",
            "gate snapshot bytes changed (format {GATE_SNAPSHOT_FORMAT})"
        );
    }

    /// The running gate and a gate rebuilt at the next open must agree, or a restart would
    /// change what is admitted: every event of a district, admitted one by one into a gate over
    /// an empty store, leaves the same index as the fold `rebuild_gate` does (and stores).
    #[test]
    fn the_running_gate_and_the_rebuilt_one_hold_the_same_index() {
        use crate::store::Gate;
        let (_dir, store) = district();
        let rebuilt = rebuild_gate_with(&store, u64::MAX).unwrap();
        let empty_dir = tempfile::tempdir().unwrap();
        let empty = Store::open(empty_dir.path()).unwrap();
        let mut running = rebuild_gate_with(&empty, u64::MAX).unwrap();
        for event in store.range(Seq(1), store.head().seq) {
            let event = event.unwrap();
            let seq = event.seq;
            running
                .admit(std::slice::from_ref(&event))
                .unwrap_or_else(|refused| panic!("event {seq:?} refused on replay: {refused:?}"));
        }
        assert_eq!(running.index().entries(), rebuilt.index().entries());
    }

    #[test]
    fn a_snapshot_of_another_log_or_a_damaged_one_is_ignored() {
        let (_dir, store) = district();
        let whole = rebuild_gate_with(&store, 1).unwrap();
        let head = store.head().seq.0;
        assert!(load(&store, Seq(head)).unwrap().is_some());
        let room = store.gate_snapshots().unwrap();
        let stored = room.get(GATE_SNAPSHOT_FORMAT, Seq(head)).unwrap().unwrap();

        // Another log's snapshot: the hash of the event at its seq differs.
        let mut foreign = stored.clone();
        foreign[0] ^= 1;
        room.put(GATE_SNAPSHOT_FORMAT, Seq(head), &foreign).unwrap();
        assert!(load(&store, Seq(head)).unwrap().is_none());
        let rebuilt = rebuild_gate_with(&store, u64::MAX).unwrap();
        assert_eq!(rebuilt.index().entries(), whole.index().entries());

        // One byte of the entries changed (an id's digit): it might still decode, but not as
        // what was folded.
        let mut flipped = stored.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        room.put(GATE_SNAPSHOT_FORMAT, Seq(head), &flipped).unwrap();
        assert!(load(&store, Seq(head)).unwrap().is_none());

        // Cut short: does not decode.
        let cut = stored[..stored.len() - 3].to_vec();
        room.put(GATE_SNAPSHOT_FORMAT, Seq(head), &cut).unwrap();
        assert!(load(&store, Seq(head)).unwrap().is_none());
        let rebuilt = rebuild_gate_with(&store, u64::MAX).unwrap();
        assert_eq!(rebuilt.index().entries(), whole.index().entries());

        // Beyond the head (a store cut back to an earlier head): not read.
        room.retain(|_, _| false).unwrap();
        room.put(GATE_SNAPSHOT_FORMAT, Seq(head + 10), &stored).unwrap();
        assert!(load(&store, Seq(head)).unwrap().is_none());
    }
}
