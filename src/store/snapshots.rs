//! The rooms of cached states: projection snapshots (sled tree `snapshots`) and gate snapshots
//! (tree `gate_snapshots`), both bytes keyed by a format version and the seq they were folded to.
//!
//! Key: format (u32 BE) ‖ seq (u64 BE), so the entries of one format are one contiguous range in
//! seq order. The format is whatever the owner versions its bytes by (the fold version for
//! projection snapshots, `GATE_SNAPSHOT_FORMAT` for the gate's); what the bytes hold, and the
//! checks that they belong to this log and did not change, are the owner's (`query::snapshot`,
//! `commands::gate_snapshot`). Both are caches outside the chain: deleting one changes no answer.

use proto_events::Seq;

use crate::store::{Store, StoreError};

/// The sled tree of projection snapshots.
const PROJECTION_SNAPSHOTS_TREE: &str = "snapshots";
/// The sled tree of gate snapshots.
const GATE_SNAPSHOTS_TREE: &str = "gate_snapshots";

/// Cached states by format and seq. Cloning is cheap.
#[derive(Clone)]
pub struct Snapshots {
    tree: sled::Tree,
}

impl Store {
    /// The room of projection snapshots (`query::snapshot`).
    pub fn projection_snapshots(&self) -> Result<Snapshots, StoreError> {
        Ok(Snapshots { tree: self.room_tree(PROJECTION_SNAPSHOTS_TREE)? })
    }

    /// The room of gate snapshots (`commands::gate_snapshot`).
    pub fn gate_snapshots(&self) -> Result<Snapshots, StoreError> {
        Ok(Snapshots { tree: self.room_tree(GATE_SNAPSHOTS_TREE)? })
    }
}

impl Snapshots {
    /// The seq of the latest snapshot of `format` at or below `seq`.
    pub fn latest_seq_at_or_below(&self, format: u32, seq: Seq) -> Result<Option<Seq>, StoreError> {
        let last = self.tree.range(key(format, Seq(0))..=key(format, seq)).keys().next_back();
        Ok(last.transpose()?.and_then(|key| seq_of_key(&key)))
    }

    /// The snapshots of `format` at or below `seq` as `(seq, bytes)`, the latest first: the
    /// owner reads them until one passes its checks.
    pub fn latest_first_at_or_below(
        &self,
        format: u32,
        seq: Seq,
    ) -> impl Iterator<Item = Result<(Seq, Vec<u8>), StoreError>> {
        self.tree.range(key(format, Seq(0))..=key(format, seq)).rev().filter_map(
            |entry| match entry {
                Ok((key, bytes)) => seq_of_key(&key).map(|seq| Ok((seq, bytes.to_vec()))),
                Err(error) => Some(Err(StoreError::from(error))),
            },
        )
    }

    /// The snapshot of `format` at `seq`, if stored.
    pub fn get(&self, format: u32, seq: Seq) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree.get(key(format, seq))?.map(|bytes| bytes.to_vec()))
    }

    /// Stores (or replaces) the snapshot of `format` at `seq`. Not flushed: a cache lost in a
    /// crash is only folded again (`flush` makes it durable when that is worth a flush).
    pub fn put(&self, format: u32, seq: Seq, bytes: &[u8]) -> Result<(), StoreError> {
        self.tree.insert(key(format, seq), bytes)?;
        Ok(())
    }

    /// Every seq with a snapshot of `format`, in order.
    pub fn seqs(&self, format: u32) -> Result<Vec<Seq>, StoreError> {
        let mut seqs = Vec::new();
        for key in self.tree.range(key(format, Seq(0))..=key(format, Seq(u64::MAX))).keys() {
            seqs.extend(seq_of_key(&key?));
        }
        Ok(seqs)
    }

    /// Removes every snapshot `keep` refuses, given its format and seq (and every entry whose
    /// key is not a snapshot key); returns how many were removed.
    pub fn retain(&self, keep: impl Fn(u32, Seq) -> bool) -> Result<u64, StoreError> {
        let mut removed = 0u64;
        for key in self.tree.iter().keys() {
            let key = key?;
            let kept = format_of_key(&key).zip(seq_of_key(&key));
            if !kept.is_some_and(|(format, seq)| keep(format, seq)) {
                self.tree.remove(&key)?;
                removed = removed.saturating_add(1);
            }
        }
        Ok(removed)
    }

    /// Makes every put and removal so far durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.tree.flush()?;
        Ok(())
    }
}

/// Format (u32 BE) ‖ seq (u64 BE).
fn key(format: u32, seq: Seq) -> [u8; 12] {
    let mut key = [0u8; 12];
    let (head, tail) = key.split_at_mut(4);
    head.copy_from_slice(&format.to_be_bytes());
    tail.copy_from_slice(&seq.0.to_be_bytes());
    key
}

fn format_of_key(key: &[u8]) -> Option<u32> {
    let head: [u8; 4] = key.get(0..4)?.try_into().ok()?;
    Some(u32::from_be_bytes(head))
}

fn seq_of_key(key: &[u8]) -> Option<Seq> {
    let tail: [u8; 8] = key.get(4..12)?.try_into().ok()?;
    Some(Seq(u64::from_be_bytes(tail)))
}

#[cfg(test)]
mod tests {
    use proto_events::Seq;

    use crate::store::{reopened_after, Snapshots};

    fn check(snapshots: &Snapshots, format: u32, at_or_below: u64, expected: Option<(u64, &[u8])>) {
        let latest = snapshots.latest_seq_at_or_below(format, Seq(at_or_below)).unwrap();
        let first = snapshots.latest_first_at_or_below(format, Seq(at_or_below)).next();
        let first = first.transpose().unwrap();
        assert_eq!(latest.map(|seq| seq.0), expected.map(|(seq, _)| seq));
        assert_eq!(
            first.as_ref().map(|(seq, bytes)| (seq.0, bytes.as_slice())),
            expected,
            "format {format} at or below {at_or_below}"
        );
    }

    #[test]
    fn snapshots_survive_a_reopen_are_found_by_format_and_seq_and_pruned_by_retain() {
        let (_dir, store) = reopened_after(|store| {
            let snapshots = store.projection_snapshots().unwrap();
            snapshots.put(3, Seq(100), b"3@100").unwrap();
            snapshots.put(3, Seq(300), b"3@300").unwrap();
            snapshots.put(2, Seq(200), b"2@200").unwrap();
            snapshots.put(4, Seq(50), b"4@50").unwrap();
            snapshots.flush().unwrap();
            // The gate's room is another tree.
            assert_eq!(store.gate_snapshots().unwrap().seqs(3).unwrap(), vec![]);
        });
        let snapshots = store.projection_snapshots().unwrap();
        check(&snapshots, 3, 99, None);
        check(&snapshots, 3, 100, Some((100, b"3@100")));
        check(&snapshots, 3, 299, Some((100, b"3@100")));
        check(&snapshots, 3, u64::MAX, Some((300, b"3@300")));
        check(&snapshots, 2, u64::MAX, Some((200, b"2@200")));
        assert_eq!(snapshots.seqs(3).unwrap(), vec![Seq(100), Seq(300)]);
        assert_eq!(snapshots.get(4, Seq(50)).unwrap().as_deref(), Some(&b"4@50"[..]));

        assert_eq!(snapshots.retain(|format, _| format == 3).unwrap(), 2);
        check(&snapshots, 2, u64::MAX, None);
        assert_eq!(snapshots.retain(|format, seq| (format, seq) == (3, Seq(300))).unwrap(), 1);
        assert_eq!(snapshots.seqs(3).unwrap(), vec![Seq(300)]);
    }
}
