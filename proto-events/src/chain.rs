//! Chain verification: a state machine fed stored records in seq order, with no I/O, so the
//! store, the CLI and an auditor's offline tool all run exactly the same checks.
//!
//! It checks, per record: the key matches the seq inside, seqs are gapless from 1, the hash
//! matches the stored body, `prev_hash` links to the previous record, recorded time never goes
//! back, and stream versions are gapless per stream. At the end it checks the last record against
//! the recorded head, which catches a truncated tail.

use std::collections::BTreeMap;

use crate::envelope::{Envelope, EnvelopeError, Seq, StoredHeader};
use crate::hash::Hash;
use crate::time::Timestamp;

/// The first broken place in a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("событие №{seq}: {failure}")]
pub struct VerifyError {
    /// The first seq (or key) where the chain is broken.
    pub seq: u64,
    /// What is wrong there.
    pub failure: VerifyFailure,
}

/// What is wrong at the first broken seq.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFailure {
    /// The record cannot be read.
    #[error("запись не читается: {0}")]
    Malformed(EnvelopeError),
    /// The storage key and the seq inside the record differ (records moved or swapped).
    #[error("запись хранится под номером {key}, а внутри неё номер {inside}")]
    KeyMismatch {
        /// Key it is stored under.
        key: u64,
        /// Seq in the record.
        inside: u64,
    },
    /// A seq is missing (an event was deleted) or repeated.
    #[error("ожидалось событие №{expected}, найдено №{found}: события пропущены или переставлены")]
    SeqGap {
        /// The seq that should come next.
        expected: u64,
        /// The seq found.
        found: u64,
    },
    /// The stored hash does not match the stored body (content or hash changed).
    #[error("хеш не совпадает с содержанием: записан {stored}, вычислен {computed}")]
    HashMismatch {
        /// The hash in the record.
        stored: Hash,
        /// The hash of the body.
        computed: Hash,
    },
    /// `prev_hash` does not equal the previous record's hash.
    #[error(
        "ссылка на предыдущее событие (prev_hash {found}) не совпадает с его хешем {expected}"
    )]
    BrokenLink {
        /// The previous record's hash.
        expected: Hash,
        /// The prev_hash in this record.
        found: Hash,
    },
    /// Recorded time went back.
    #[error("время записи {found} раньше, чем у предыдущего события ({previous})")]
    TimeWentBack {
        /// Previous recorded time.
        previous: Timestamp,
        /// This one.
        found: Timestamp,
    },
    /// A stream version is missing or repeated.
    #[error("поток {stream:?}: ожидалась версия {expected}, найдена {found}")]
    StreamGap {
        /// The stream.
        stream: String,
        /// The version that should come next.
        expected: u64,
        /// The version found.
        found: u64,
    },
    /// The chain ends before the recorded head (tail truncated) or the head disagrees.
    #[error(
        "последним записано событие №{head_seq} (хеш {head_hash}), а цепочка кончается событием \
         №{last_seq} (хеш {last_hash})"
    )]
    HeadMismatch {
        /// Head record's seq.
        head_seq: u64,
        /// Head record's hash.
        head_hash: Hash,
        /// Last seq in the chain.
        last_seq: u64,
        /// Last hash in the chain.
        last_hash: Hash,
    },
}

/// What a successful verification saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifySummary {
    /// Number of events checked.
    pub events: u64,
    /// Last seq (0 for an empty ledger).
    pub last_seq: Seq,
    /// Last hash (zero for an empty ledger).
    pub last_hash: Hash,
    /// Number of distinct streams.
    pub streams: u64,
    /// Bytes of stored records checked.
    pub bytes: u64,
}

/// Feeds on stored records in key order and stops at the first break.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    deep: bool,
    next_seq: u64,
    last_hash: Hash,
    last_recorded_at: Option<Timestamp>,
    stream_versions: BTreeMap<Vec<u8>, u64>,
    from_start: bool,
    events: u64,
    bytes: u64,
}

impl ChainVerifier {
    /// Starts at seq 1. `deep` additionally decodes every envelope canonically (catches a
    /// well-hashed but malformed record, which only a writer with our hash tag could produce).
    pub fn new(deep: bool) -> ChainVerifier {
        ChainVerifier::resume(deep, Seq(0), Hash::ZERO)
    }

    /// Continues after a trusted point (used by the tail check on open, which starts a few
    /// events before the head). Stream versions are then checked only for streams seen since.
    pub fn resume(deep: bool, after: Seq, hash: Hash) -> ChainVerifier {
        ChainVerifier {
            deep,
            next_seq: after.0.saturating_add(1),
            last_hash: hash,
            last_recorded_at: None,
            stream_versions: BTreeMap::new(),
            from_start: after.0 == 0,
            events: 0,
            bytes: 0,
        }
    }

    /// Checks one stored record, stored under `key`.
    pub fn push(&mut self, key: u64, stored: &[u8]) -> Result<(), VerifyError> {
        let fail = |failure| Err(VerifyError { seq: key, failure });
        let header = match StoredHeader::peek(stored) {
            Ok(header) => header,
            Err(error) => return fail(VerifyFailure::Malformed(error)),
        };
        if header.seq.0 != key {
            return fail(VerifyFailure::KeyMismatch { key, inside: header.seq.0 });
        }
        if key != self.next_seq {
            return fail(VerifyFailure::SeqGap { expected: self.next_seq, found: key });
        }
        let computed = Hash::of_event_body(header.body);
        if computed != header.hash {
            return fail(VerifyFailure::HashMismatch { stored: header.hash, computed });
        }
        if header.prev_hash != self.last_hash {
            return fail(VerifyFailure::BrokenLink {
                expected: self.last_hash,
                found: header.prev_hash,
            });
        }
        if let Some(previous) = self.last_recorded_at {
            if header.recorded_at < previous {
                return fail(VerifyFailure::TimeWentBack { previous, found: header.recorded_at });
            }
        }
        if self.deep {
            if let Err(error) = Envelope::open(stored) {
                return fail(VerifyFailure::Malformed(error));
            }
        }
        match self.stream_versions.get_mut(header.stream) {
            Some(version) => {
                let expected = version.saturating_add(1);
                if header.stream_version != expected {
                    return fail(VerifyFailure::StreamGap {
                        stream: String::from_utf8_lossy(header.stream).into_owned(),
                        expected,
                        found: header.stream_version,
                    });
                }
                *version = expected;
            }
            None => {
                // From seq 1 every stream starts at version 1; after a trusted prefix, a stream
                // first seen may already have earlier versions.
                if self.from_start && header.stream_version != 1 {
                    return fail(VerifyFailure::StreamGap {
                        stream: String::from_utf8_lossy(header.stream).into_owned(),
                        expected: 1,
                        found: header.stream_version,
                    });
                }
                self.stream_versions.insert(header.stream.to_vec(), header.stream_version);
            }
        }
        self.next_seq = key.saturating_add(1);
        self.last_hash = header.hash;
        self.last_recorded_at = Some(header.recorded_at);
        self.events = self.events.saturating_add(1);
        self.bytes = self.bytes.saturating_add(stored.len() as u64);
        Ok(())
    }

    /// Ends the walk; `head` is the recorded head (seq, hash), if the store keeps one.
    pub fn finish(self, head: Option<(Seq, Hash)>) -> Result<VerifySummary, VerifyError> {
        let last_seq = self.next_seq.saturating_sub(1);
        if let Some((head_seq, head_hash)) = head {
            if head_seq.0 != last_seq || head_hash != self.last_hash {
                return Err(VerifyError {
                    seq: last_seq.max(head_seq.0),
                    failure: VerifyFailure::HeadMismatch {
                        head_seq: head_seq.0,
                        head_hash,
                        last_seq,
                        last_hash: self.last_hash,
                    },
                });
            }
        }
        Ok(VerifySummary {
            events: self.events,
            last_seq: Seq(last_seq),
            last_hash: self.last_hash,
            streams: self.stream_versions.len() as u64,
            bytes: self.bytes,
        })
    }
}
