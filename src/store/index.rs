//! Secondary indexes — event id → seq and stream+version → seq — built behind the log.
//!
//! The append path writes only the event record and the head (one insert per event, the same as
//! a bare log), and a separate indexer thread indexes what became durable, in batches, on the
//! other core. This is how EventStoreDB and LSM-based logs keep appends cheap: the log is the
//! truth and the index is derived data. The index lives in its own tree `index` with a watermark
//! (`x` → last indexed seq) written in the same atomic batch as the entries, so after a crash it
//! is caught up from the watermark when the store is opened. Readers combine the index (up to the
//! watermark) with a scan of the short unindexed tail, so nothing durable is ever invisible.

use std::sync::atomic::{AtomicU64, Ordering};

use proto_events::envelope::StoredHeader;
use proto_events::{EventId, Seq, StreamName};

use crate::store::{keys, StoreError};

/// Events indexed per sled batch when catching up.
const INDEX_BATCH_EVENTS_MAX: u64 = 10_000;
const WATERMARK: &[u8] = b"x";

pub(crate) struct Index {
    tree: sled::Tree,
    watermark: AtomicU64,
}

impl Index {
    pub(crate) fn open(db: &sled::Db) -> Result<Index, StoreError> {
        let tree = db.open_tree("index")?;
        let watermark = match tree.get(WATERMARK)? {
            Some(value) => keys::seq_value(&value, "index watermark")?.0,
            None => 0,
        };
        Ok(Index { tree, watermark: AtomicU64::new(watermark) })
    }

    /// Last indexed seq.
    pub(crate) fn watermark(&self) -> Seq {
        Seq(self.watermark.load(Ordering::Acquire))
    }

    /// Indexes every event in `(watermark, head]`.
    pub(crate) fn catch_up(&self, events: &sled::Tree, head: Seq) -> Result<(), StoreError> {
        loop {
            let from = self.watermark().0.saturating_add(1);
            if from > head.0 {
                return Ok(());
            }
            let to = head.0.min(from.saturating_add(INDEX_BATCH_EVENTS_MAX - 1));
            let mut batch = sled::Batch::default();
            let mut last = self.watermark();
            for item in events.range(keys::event(Seq(from))..=keys::event(Seq(to))) {
                let (key, value) = item?;
                let seq = Seq(keys::seq_from_event_key(&key)?);
                let header = StoredHeader::peek(&value)
                    .map_err(|source| StoreError::Corrupt { seq: seq.0, source })?;
                let seq_bytes = seq.0.to_be_bytes();
                batch.insert(&keys::id(&header.id)[..], &seq_bytes[..]);
                batch.insert(
                    keys::stream_version_key_raw(header.stream, header.stream_version),
                    &seq_bytes[..],
                );
                last = seq;
            }
            if last.0 < to {
                // The log has a hole below the head: verification reports it; indexing stops here.
                return Err(StoreError::BadIndex { what: "event log below the head" });
            }
            batch.insert(WATERMARK, &last.0.to_be_bytes()[..]);
            self.tree.apply_batch(batch)?;
            self.watermark.store(last.0, Ordering::Release);
        }
    }

    pub(crate) fn lookup_id(&self, id: &EventId) -> Result<Option<Seq>, StoreError> {
        keys::lookup_id(&self.tree, id)
    }

    pub(crate) fn stream_version(&self, stream: &StreamName, head: Seq) -> Result<u64, StoreError> {
        keys::stream_version(&self.tree, stream, head)
    }

    pub(crate) fn stream_seqs(
        &self,
        stream: &StreamName,
        from_version: u64,
    ) -> Result<Vec<(u64, Seq)>, StoreError> {
        keys::stream_seqs(&self.tree, stream, from_version)
    }

    /// Drops every entry, so the next `catch_up` rebuilds from seq 1. Test-only.
    pub(crate) fn clear(&self) -> Result<(), StoreError> {
        self.tree.clear()?;
        self.watermark.store(0, Ordering::Release);
        Ok(())
    }
}
