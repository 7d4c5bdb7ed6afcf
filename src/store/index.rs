//! Secondary indexes — event id → seq and stream+version → seq — built behind the log.
//!
//! The append path writes only the event record and the head (one insert per event, the same as
//! a bare log), and a separate indexer thread indexes what became durable, on the other core:
//! ids into sled (one insert per event), streams into memory (rebuilt from headers at open).
//! This is how EventStoreDB and LSM-based logs keep appends cheap: the log is the truth and the
//! index is derived data. The index lives in its own tree `index` with a watermark (`x` → last
//! indexed seq) written after the entries it covers, so after a crash it is caught up from the
//! watermark when the store is opened (entries are deterministic: redoing some is harmless).
//!
//! Between the writer and the indexer sits the tail: an in-memory table of what was appended since
//! the store was opened and is not indexed yet (EventStoreDB's memtable). The writer adds a group
//! to it after the flush and before publishing the head; the indexer prunes it after indexing.
//! Readers look in the tail first and then in the index, which finds every durable event whatever
//! the indexer is doing: an entry leaves the tail only after it is in the index.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use proto_events::{EventId, Seq, StreamName};

use crate::store::{keys, peek, StoreError};

/// Events indexed per sled batch when catching up.
const INDEX_BATCH_EVENTS_MAX: u64 = 10_000;
const WATERMARK: &[u8] = b"x";

pub(crate) struct Index {
    tree: sled::Tree,
    watermark: AtomicU64,
    tail: RwLock<Tail>,
    /// Stream → seq of each version (position = version − 1), for every indexed event. Kept in
    /// memory, not in sled: a sled entry per event cost as much append throughput as the log
    /// itself, while this costs 8 bytes an event (80 MB for ten million) and is rebuilt from
    /// event headers when the store is opened.
    streams: RwLock<HashMap<Vec<u8>, Vec<Seq>>>,
}

/// Appended but maybe not indexed: seqs in `(floor, head]`, pruned up to the watermark.
struct Tail {
    /// The tail covers seqs above this (the head when the store was opened).
    floor: Seq,
    ids: HashMap<EventId, Seq>,
    streams: HashMap<String, BTreeMap<u64, Seq>>,
    order: VecDeque<(Seq, EventId, String, u64)>,
}

impl Index {
    pub(crate) fn open(db: &sled::Db) -> Result<Index, StoreError> {
        let tree = db.open_tree("index")?;
        let watermark = match tree.get(WATERMARK)? {
            Some(value) => keys::seq_value(&value, "index watermark")?.0,
            None => 0,
        };
        let tail = Tail {
            floor: Seq(0),
            ids: HashMap::new(),
            streams: HashMap::new(),
            order: VecDeque::new(),
        };
        Ok(Index {
            tree,
            watermark: AtomicU64::new(watermark),
            tail: RwLock::new(tail),
            streams: RwLock::new(HashMap::new()),
        })
    }

    /// Rebuilds the in-memory stream index from the headers of the events up to the watermark
    /// (called once at open, before `catch_up`).
    pub(crate) fn load_streams(&self, events: &sled::Tree) -> Result<(), StoreError> {
        let watermark = self.watermark();
        if watermark.0 == 0 {
            return Ok(());
        }
        let mut loaded = Vec::new();
        for item in events.range(keys::event(Seq(1))..=keys::event(watermark)) {
            let (key, value) = item?;
            let seq = Seq(keys::seq_from_event_key(&key)?);
            let header = peek(seq, &value)?;
            loaded.push((header.stream.to_vec(), header.stream_version, seq));
        }
        self.add_streams(loaded);
        Ok(())
    }

    fn add_streams(&self, entries: Vec<(Vec<u8>, u64, Seq)>) {
        let mut streams = match self.streams.write() {
            Ok(streams) => streams,
            Err(poisoned) => poisoned.into_inner(),
        };
        for (stream, version, seq) in entries {
            let seqs = streams.entry(stream).or_default();
            let position = usize::try_from(version.saturating_sub(1)).unwrap_or(usize::MAX);
            if position == seqs.len() {
                seqs.push(seq);
            } else if position < seqs.len() {
                // Redone after a crash (the watermark is written last): same entry again.
                if let Some(slot) = seqs.get_mut(position) {
                    *slot = seq;
                }
            } else if position < seqs.len().saturating_add(1_000_000) {
                // A gap in stream versions is a chain defect that `verify` reports; keep what
                // is there readable.
                seqs.resize(position, Seq(0));
                seqs.push(seq);
            }
        }
    }

    fn with_streams<T>(&self, read: impl FnOnce(&HashMap<Vec<u8>, Vec<Seq>>) -> T) -> T {
        match self.streams.read() {
            Ok(streams) => read(&streams),
            Err(poisoned) => read(&poisoned.into_inner()),
        }
    }

    /// Sets where the tail starts: called once the index is caught up at open.
    pub(crate) fn set_floor(&self, floor: Seq) {
        self.with_tail_mut(|tail| tail.floor = floor);
    }

    /// A range of durable seqs that neither the tail nor the index covers: empty in normal
    /// operation (the index is caught up at open); non-empty only if the index was dropped.
    pub(crate) fn uncovered(&self) -> Option<(Seq, Seq)> {
        let watermark = self.watermark();
        let floor = self.with_tail(|tail| tail.floor);
        (watermark < floor).then(|| (Seq(watermark.0.saturating_add(1)), floor))
    }

    /// Adds a durable group to the tail (writer, after the flush, before publishing the head).
    pub(crate) fn remember(&self, seq: Seq, id: EventId, stream: &StreamName, version: u64) {
        self.with_tail_mut(|tail| {
            tail.ids.insert(id, seq);
            tail.streams.entry(stream.as_str().to_string()).or_default().insert(version, seq);
            tail.order.push_back((seq, id, stream.as_str().to_string(), version));
        });
    }

    fn prune(&self, watermark: Seq) {
        self.with_tail_mut(|tail| {
            while let Some((seq, id, stream, version)) = tail.order.front().cloned() {
                if seq > watermark {
                    break;
                }
                tail.order.pop_front();
                tail.ids.remove(&id);
                if let Some(versions) = tail.streams.get_mut(&stream) {
                    versions.remove(&version);
                    if versions.is_empty() {
                        tail.streams.remove(&stream);
                    }
                }
            }
        });
    }

    pub(crate) fn tail_seq_of(&self, id: &EventId) -> Option<Seq> {
        self.with_tail(|tail| tail.ids.get(id).copied())
    }

    pub(crate) fn tail_stream(&self, stream: &StreamName, from_version: u64) -> Vec<(u64, Seq)> {
        self.with_tail(|tail| {
            tail.streams
                .get(stream.as_str())
                .map(|versions| versions.range(from_version..).map(|(v, s)| (*v, *s)).collect())
                .unwrap_or_default()
        })
    }

    pub(crate) fn tail_stream_version(&self, stream: &StreamName, head: Seq) -> u64 {
        self.with_tail(|tail| {
            tail.streams.get(stream.as_str()).and_then(|versions| {
                versions.iter().rev().find(|(_, seq)| **seq <= head).map(|(version, _)| *version)
            })
        })
        .unwrap_or(0)
    }

    fn with_tail<T>(&self, read: impl FnOnce(&Tail) -> T) -> T {
        match self.tail.read() {
            Ok(tail) => read(&tail),
            Err(poisoned) => read(&poisoned.into_inner()),
        }
    }

    fn with_tail_mut<T>(&self, write: impl FnOnce(&mut Tail) -> T) -> T {
        match self.tail.write() {
            Ok(mut tail) => write(&mut tail),
            Err(poisoned) => write(&mut poisoned.into_inner()),
        }
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
            let mut last = self.watermark();
            let mut streams = Vec::new();
            for item in events.range(keys::event(Seq(from))..=keys::event(Seq(to))) {
                let (key, value) = item?;
                let seq = Seq(keys::seq_from_event_key(&key)?);
                let header = peek(seq, &value)?;
                // Plain inserts, not a batch: sled's apply_batch takes a lock that would stall
                // the writer's own batch. Entries are deterministic, so redoing them after a
                // crash (the watermark is written last) is harmless.
                self.tree.insert(&keys::id(&header.id)[..], &seq.0.to_be_bytes()[..])?;
                streams.push((header.stream.to_vec(), header.stream_version, seq));
                last = seq;
            }
            self.add_streams(streams);
            if last.0 < to {
                // The log has a hole below the head: verification reports it; indexing stops here.
                return Err(StoreError::BadIndex { what: "event log below the head" });
            }
            self.tree.insert(WATERMARK, &last.0.to_be_bytes()[..])?;
            self.watermark.store(last.0, Ordering::Release);
            self.prune(last);
        }
    }

    pub(crate) fn lookup_id(&self, id: &EventId) -> Result<Option<Seq>, StoreError> {
        keys::lookup_id(&self.tree, id)
    }

    /// The latest version of a stream whose event is at or below `head`.
    pub(crate) fn stream_version(&self, stream: &StreamName, head: Seq) -> u64 {
        self.with_streams(|streams| {
            streams
                .get(stream.as_str().as_bytes())
                .and_then(|seqs| seqs.iter().rposition(|seq| seq.0 != 0 && *seq <= head))
                .map_or(0, |position| position as u64 + 1)
        })
    }

    /// `(version, seq)` of a stream's indexed events with `version ≥ from_version`.
    pub(crate) fn stream_seqs(&self, stream: &StreamName, from_version: u64) -> Vec<(u64, Seq)> {
        self.with_streams(|streams| {
            let Some(seqs) = streams.get(stream.as_str().as_bytes()) else { return Vec::new() };
            let skip = usize::try_from(from_version.max(1) - 1).unwrap_or(usize::MAX);
            seqs.iter()
                .enumerate()
                .skip(skip)
                .filter(|(_, seq)| seq.0 != 0)
                .map(|(position, seq)| (position as u64 + 1, *seq))
                .collect()
        })
    }

    /// Drops every entry, so the next `catch_up` rebuilds from seq 1. Test-only.
    pub(crate) fn clear(&self) -> Result<(), StoreError> {
        self.tree.clear()?;
        match self.streams.write() {
            Ok(mut streams) => streams.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
        self.watermark.store(0, Ordering::Release);
        Ok(())
    }
}
