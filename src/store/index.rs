//! The indexes over the log — event id → seq and stream → seq of each version — held in memory.
//!
//! Both are derived data: they are rebuilt from the fixed-offset event headers in one scan when the
//! store is opened, and the writer adds each durable group to them after its flush and before it
//! publishes the new head, so a reader that sees a head finds every event up to it. Nothing of them
//! is written to sled: the append path writes only the event records and the head, one insert per
//! event like a bare log (an id index in sled cost a get and an insert per event, and held append
//! throughput at 0.4 of raw sled).
//!
//! Ids are kept compactly. What was in the log at open (and, later, each `RECENT_IDS_MIN`-sized
//! batch of new ids) sits in `frozen`: a table sorted by an 8-byte fingerprint of the id, with the
//! seq beside it — 16 bytes an event. Ids added since the last freeze sit in `recent`, an exact hash
//! map. A fingerprint match is only a candidate: the store confirms it by peeking the id in the
//! stored header, so a fingerprint collision costs a read, never a wrong answer. The fingerprint
//! is keyed per process (`RandomState`), so clients cannot choose ids that collide on purpose.
//!
//! Cost: about 16 bytes an event for ids and 8 for streams (≈ 24 MB per million events, 240 MB
//! for ten million), and the open scan (`bench -- open` measures both).

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::RwLock;

use proto_events::{EventId, Seq, StreamName};

use crate::store::{keys, peek, StoreError};

/// Ids kept in the exact `recent` map before they are merged into the sorted table; the merge
/// waits for at least an eighth of the table, so its cost stays a constant per event.
const RECENT_IDS_MIN: usize = 65_536;

/// Stream versions a gap may skip before the index stops following the stream (a gap is a chain
/// defect that `verify` reports; this bounds what a corrupt header can make us allocate).
const VERSION_GAP_MAX: usize = 1_000_000;

pub(crate) struct Index {
    ids: RwLock<Ids>,
    /// Stream → seq of each version (position = version − 1); `Seq(0)` marks a gap.
    streams: RwLock<HashMap<Vec<u8>, Vec<Seq>>>,
}

/// One indexed event, as the writer hands it over.
pub(crate) struct Entry<'a> {
    pub(crate) seq: Seq,
    pub(crate) id: EventId,
    pub(crate) stream: &'a StreamName,
    pub(crate) version: u64,
}

struct Ids {
    keys: RandomState,
    /// `(fingerprint, seq)` sorted, for everything frozen.
    frozen: Vec<(u64, Seq)>,
    /// Exact entries added since the last freeze.
    recent: HashMap<EventId, Seq>,
}

impl Ids {
    fn fingerprint(&self, id: &EventId) -> u64 {
        self.keys.hash_one(id.as_bytes())
    }

    /// Merges `recent` into `frozen` once it is large enough (the writer, after publishing).
    fn freeze_if_due(&mut self) {
        if self.recent.len() < RECENT_IDS_MIN.max(self.frozen.len() / 8) {
            return;
        }
        let mut added: Vec<(u64, Seq)> =
            self.recent.iter().map(|(id, seq)| (self.fingerprint(id), *seq)).collect();
        added.sort_unstable();
        let mut merged = Vec::with_capacity(self.frozen.len() + added.len());
        let mut old = self.frozen.iter().copied().peekable();
        let mut new = added.into_iter().peekable();
        loop {
            let next = match (old.peek(), new.peek()) {
                (Some(a), Some(b)) if a <= b => old.next(),
                (Some(_), Some(_)) | (None, Some(_)) => new.next(),
                (Some(_), None) => old.next(),
                (None, None) => break,
            };
            merged.extend(next);
        }
        self.frozen = merged;
        self.recent.clear();
    }
}

impl Index {
    /// Builds the indexes from every event up to `head` (one scan of the log's headers).
    pub(crate) fn load(events: &sled::Tree, head: Seq) -> Result<Index, StoreError> {
        let keys = RandomState::new();
        let capacity = usize::try_from(head.0).unwrap_or(0);
        let mut frozen = Vec::with_capacity(capacity);
        let mut streams: HashMap<Vec<u8>, Vec<Seq>> = HashMap::new();
        // A hole in the log (which `verify` reports) leaves its seqs out; the rest stays readable.
        let range = if head.0 == 0 {
            // An empty range that sled accepts (a reversed one panics).
            events.range(keys::event(Seq(1))..keys::event(Seq(1)))
        } else {
            events.range(keys::event(Seq(1))..=keys::event(head))
        };
        for item in range {
            let (key, value) = item?;
            let seq = Seq(keys::seq_from_event_key(&key)?);
            let header = peek(seq, &value)?;
            frozen.push((keys.hash_one(header.id.as_bytes()), seq));
            match streams.get_mut(header.stream) {
                Some(seqs) => add_version(seqs, header.stream_version, seq),
                None => {
                    let mut seqs = Vec::new();
                    add_version(&mut seqs, header.stream_version, seq);
                    streams.insert(header.stream.to_vec(), seqs);
                }
            }
        }
        frozen.sort_unstable();
        for seqs in streams.values_mut() {
            seqs.shrink_to_fit();
        }
        streams.shrink_to_fit();
        Ok(Index {
            // Sized once: growing the map while the writer adds to it showed in its profile.
            ids: RwLock::new(Ids { keys, frozen, recent: HashMap::with_capacity(RECENT_IDS_MIN) }),
            streams: RwLock::new(streams),
        })
    }

    /// Adds a durable group (the writer, after the flush, before publishing the head).
    pub(crate) fn add(&self, entries: &[Entry<'_>]) {
        write(&self.ids, |ids| {
            ids.recent.reserve(entries.len());
            for entry in entries {
                ids.recent.insert(entry.id, entry.seq);
            }
        });
        write(&self.streams, |streams| {
            for entry in entries {
                let stream = entry.stream.as_str().as_bytes();
                match streams.get_mut(stream) {
                    Some(seqs) => add_version(seqs, entry.version, entry.seq),
                    None => {
                        let mut seqs = Vec::new();
                        add_version(&mut seqs, entry.version, entry.seq);
                        streams.insert(stream.to_vec(), seqs);
                    }
                }
            }
        });
    }

    /// Compacts the id index when due (the writer, after answering, off the appenders' latency).
    pub(crate) fn compact(&self) {
        let due =
            read(&self.ids, |ids| ids.recent.len() >= RECENT_IDS_MIN.max(ids.frozen.len() / 8));
        if due {
            write(&self.ids, Ids::freeze_if_due);
        }
    }

    /// Seqs that may hold `id`: exact if it was added since the last freeze, otherwise the
    /// seqs whose id shares its fingerprint (the caller confirms each against the stored header).
    pub(crate) fn id_candidates(&self, id: &EventId) -> Candidates {
        read(&self.ids, |ids| {
            if let Some(seq) = ids.recent.get(id) {
                return Candidates::Exact(*seq);
            }
            let fingerprint = ids.fingerprint(id);
            let start = ids.frozen.partition_point(|(other, _)| *other < fingerprint);
            let seqs = ids
                .frozen
                .get(start..)
                .unwrap_or_default()
                .iter()
                .take_while(|(other, _)| *other == fingerprint)
                .map(|(_, seq)| *seq)
                .collect();
            Candidates::Fingerprint(seqs)
        })
    }

    /// The latest version of a stream whose event is at or below `head`.
    pub(crate) fn stream_version(&self, stream: &StreamName, head: Seq) -> u64 {
        read(&self.streams, |streams| {
            streams
                .get(stream.as_str().as_bytes())
                .and_then(|seqs| seqs.iter().rposition(|seq| seq.0 != 0 && *seq <= head))
                .map_or(0, |position| position as u64 + 1)
        })
    }

    /// `(version, seq)` of a stream's events with `version ≥ from_version` and `seq ≤ head`.
    pub(crate) fn stream_seqs(
        &self,
        stream: &StreamName,
        from_version: u64,
        head: Seq,
    ) -> Vec<(u64, Seq)> {
        read(&self.streams, |streams| {
            let Some(seqs) = streams.get(stream.as_str().as_bytes()) else { return Vec::new() };
            let skip = usize::try_from(from_version.max(1) - 1).unwrap_or(usize::MAX);
            seqs.iter()
                .enumerate()
                .skip(skip)
                .filter(|(_, seq)| seq.0 != 0 && **seq <= head)
                .map(|(position, seq)| (position as u64 + 1, *seq))
                .collect()
        })
    }

    /// Approximate bytes the indexes hold (table capacities, not allocator overhead).
    pub(crate) fn memory_bytes(&self) -> u64 {
        let ids = read(&self.ids, |ids| {
            ids.frozen.capacity() * std::mem::size_of::<(u64, Seq)>()
                + ids.recent.capacity() * (std::mem::size_of::<(EventId, Seq)>() + 1)
        });
        let streams = read(&self.streams, |streams| {
            streams
                .iter()
                .map(|(name, seqs)| {
                    name.capacity()
                        + seqs.capacity() * std::mem::size_of::<Seq>()
                        + std::mem::size_of::<(Vec<u8>, Vec<Seq>)>()
                        + 1
                })
                .sum::<usize>()
        });
        u64::try_from(ids + streams).unwrap_or(u64::MAX)
    }

    /// Inserts a false id entry: a fingerprint the id shares with an event at `seq`. Test-only,
    /// to prove that lookups confirm candidates against the stored header.
    #[cfg(test)]
    pub(crate) fn insert_collision(&self, id: &EventId, seq: Seq) {
        write(&self.ids, |ids| {
            let fingerprint = ids.fingerprint(id);
            ids.frozen.push((fingerprint, seq));
            ids.frozen.sort_unstable();
        });
    }
}

/// Where an id may be (see `Index::id_candidates`).
pub(crate) enum Candidates {
    /// Added since the last freeze: certainly here.
    Exact(Seq),
    /// Seqs whose id has the same fingerprint, in seq order; usually none or one.
    Fingerprint(Vec<Seq>),
}

fn add_version(seqs: &mut Vec<Seq>, version: u64, seq: Seq) {
    let position = usize::try_from(version.saturating_sub(1)).unwrap_or(usize::MAX);
    if position == seqs.len() {
        seqs.push(seq);
    } else if let Some(slot) = seqs.get_mut(position) {
        // A version recorded twice is a chain defect `verify` reports; keep the first.
        if slot.0 == 0 {
            *slot = seq;
        }
    } else if position < seqs.len().saturating_add(VERSION_GAP_MAX) {
        // A gap in stream versions is a chain defect too; keep what is there readable.
        seqs.resize(position, Seq(0));
        seqs.push(seq);
    }
}

fn read<L, T>(lock: &RwLock<L>, read: impl FnOnce(&L) -> T) -> T {
    match lock.read() {
        Ok(guard) => read(&guard),
        Err(poisoned) => read(&poisoned.into_inner()),
    }
}

fn write<L, T>(lock: &RwLock<L>, write: impl FnOnce(&mut L) -> T) -> T {
    match lock.write() {
        Ok(mut guard) => write(&mut guard),
        Err(poisoned) => write(&mut poisoned.into_inner()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> EventId {
        EventId(uuid::Uuid::from_u64_pair(0x0193_0000_0000_7000, 0x8000_0000_0000_0000 | n))
    }

    fn empty() -> Index {
        Index {
            ids: RwLock::new(Ids {
                keys: RandomState::new(),
                frozen: Vec::new(),
                recent: HashMap::new(),
            }),
            streams: RwLock::new(HashMap::new()),
        }
    }

    fn found(index: &Index, n: u64) -> Vec<Seq> {
        match index.id_candidates(&id(n)) {
            Candidates::Exact(seq) => vec![seq],
            Candidates::Fingerprint(seqs) => seqs,
        }
    }

    #[test]
    fn ids_stay_found_across_freezes() {
        let index = empty();
        let stream = StreamName::new("teacher/t-1").unwrap();
        let total = RECENT_IDS_MIN as u64 * 3 + 17;
        for start in (1..=total).step_by(1000) {
            let entries: Vec<Entry<'_>> = (start..=total.min(start + 999))
                .map(|n| Entry { seq: Seq(n), id: id(n), stream: &stream, version: n })
                .collect();
            index.add(&entries);
            index.compact();
        }
        let frozen = read(&index.ids, |ids| ids.frozen.len());
        assert!(frozen >= RECENT_IDS_MIN * 2, "only {frozen} frozen");
        assert!(read(&index.ids, |ids| ids.frozen.windows(2).all(|w| w[0] <= w[1])));
        for n in [1, 2, 999, 1000, 65_536, 65_537, total] {
            assert_eq!(found(&index, n), vec![Seq(n)], "id {n}");
        }
        assert_eq!(found(&index, total + 1), Vec::<Seq>::new());
        assert_eq!(index.stream_version(&stream, Seq(total)), total);
        assert_eq!(index.stream_version(&stream, Seq(10)), 10);
        assert_eq!(index.stream_seqs(&stream, total - 1, Seq(total)).len(), 2);
    }

    #[test]
    fn versions_with_gaps_and_repeats_keep_what_is_readable() {
        let mut seqs = Vec::new();
        add_version(&mut seqs, 1, Seq(1));
        add_version(&mut seqs, 3, Seq(5));
        add_version(&mut seqs, 1, Seq(9));
        add_version(&mut seqs, 2, Seq(7));
        add_version(&mut seqs, u64::MAX, Seq(8));
        assert_eq!(seqs, vec![Seq(1), Seq(7), Seq(5)]);
    }
}
