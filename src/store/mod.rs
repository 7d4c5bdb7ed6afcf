//! The durable ledger on sled: one writer thread that group-commits appends, and readers that
//! see only what is durable.
//!
//! Layout: one sled tree `ledger`, keys by prefix (see `keys`). Every group of appends is one
//! `apply_batch` (atomic) followed by one `flush` (durable); only then are appenders answered and
//! the published head moved. The records stored under `e` are exactly the bytes that were hashed.
//! No sled type leaves this module.

mod index;
mod keys;
mod reader;
mod writer;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use proto_events::chain::{ChainVerifier, VerifyError, VerifySummary};
use proto_events::envelope::{EnvelopeError, StoredHeader};
use proto_events::{Envelope, EventId, Hash, Seq, StreamName, Timestamp};

pub use reader::EventIter;
pub use writer::{
    AppendError, AppendOutcome, AppendRequest, Expected, Gate, Ledger, NoGate, Rejection,
};

/// sled page cache, bytes. sled's default (1 GiB) is far above what the ledger needs and its
/// memory use grows past the setting, so it is set explicitly and kept modest.
pub const CACHE_BYTES: u64 = 128 * 1024 * 1024;
/// How many events before the head are re-verified when a store is opened.
pub const TAIL_VERIFY_EVENTS: u64 = 256;
/// Version of the key layout inside the sled tree (not of the event format).
pub const STORE_LAYOUT_VERSION: u8 = 1;

/// Errors of the store. sled's error type never escapes this module.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store.
    #[error("store at {path} is in use by another process (sled lock held)")]
    Locked {
        /// The store directory.
        path: PathBuf,
    },
    /// An I/O or sled failure.
    #[error("storage failure: {0}")]
    Storage(String),
    /// A stored record does not read back.
    #[error("stored record at seq {seq} is corrupt: {source}")]
    Corrupt {
        /// Where.
        seq: u64,
        /// What.
        source: EnvelopeError,
    },
    /// The chain check failed (on open: the tail; on `verify`: anywhere).
    #[error("ledger integrity check failed at {0}")]
    Integrity(#[from] VerifyError),
    /// The store was written by a newer layout.
    #[error(
        "store layout version {found} is not supported (this build reads {STORE_LAYOUT_VERSION})"
    )]
    Layout {
        /// The version found.
        found: u8,
    },
    /// A malformed internal index entry.
    #[error("index entry {what} is malformed")]
    BadIndex {
        /// Which index.
        what: &'static str,
    },
}

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> Self {
        StoreError::Storage(error.to_string())
    }
}

/// The durable head: last seq, its hash and recorded time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Last durable seq (0 when empty).
    pub seq: Seq,
    /// Its hash (zero when empty).
    pub hash: Hash,
    /// Its recorded time (None when empty).
    pub recorded_at: Option<Timestamp>,
}

impl Head {
    const EMPTY: Head = Head { seq: Seq(0), hash: Hash::ZERO, recorded_at: None };
}

/// Source of transaction time. Only the store reads the clock, through this.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(chrono::Utc::now())
    }
}

/// A shared, read-only view of an open store: what readers (HTTP handlers, projections, CLI)
/// hold. Cloning is cheap.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    db: sled::Db,
    tree: sled::Tree,
    index: index::Index,
    published: RwLock<Head>,
}

impl Store {
    /// Opens (or creates) the store at `path`, checks its tail against the head record, and
    /// returns it. Fails clearly when another process holds it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_BYTES)
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(|error| classify_open_error(path, error))?;
        let tree = db.open_tree("ledger")?;
        match tree.get(keys::LAYOUT)? {
            None => {
                tree.insert(keys::LAYOUT, &[STORE_LAYOUT_VERSION])?;
                db.flush()?;
            }
            Some(value) => {
                let found = value.first().copied().unwrap_or(0);
                if found != STORE_LAYOUT_VERSION {
                    return Err(StoreError::Layout { found });
                }
            }
        }
        let head = keys::read_head(&tree)?;
        let index = index::Index::open(&db)?;
        let store = Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                db,
                tree,
                index,
                published: RwLock::new(head),
            }),
        };
        store.verify_tail()?;
        store.inner.index.load_streams(&store.inner.tree)?;
        store.catch_up_index()?;
        store.inner.index.set_floor(head.seq);
        Ok(store)
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The durable head.
    pub fn head(&self) -> Head {
        match self.inner.published.read() {
            Ok(head) => *head,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    fn publish(&self, head: Head) {
        match self.inner.published.write() {
            Ok(mut slot) => *slot = head,
            Err(poisoned) => *poisoned.into_inner() = head,
        }
    }

    /// One event by seq (None beyond the head).
    pub fn get(&self, seq: Seq) -> Result<Option<Envelope>, StoreError> {
        if seq.0 == 0 || seq > self.head().seq {
            return Ok(None);
        }
        match self.inner.tree.get(keys::event(seq))? {
            None => Ok(None),
            Some(stored) => Envelope::open(&stored)
                .map(Some)
                .map_err(|source| StoreError::Corrupt { seq: seq.0, source }),
        }
    }

    /// The stored bytes of one event, exactly as hashed (for export and offline verification).
    pub fn get_raw(&self, seq: Seq) -> Result<Option<Vec<u8>>, StoreError> {
        if seq.0 == 0 || seq > self.head().seq {
            return Ok(None);
        }
        Ok(self.inner.tree.get(keys::event(seq))?.map(|value| value.to_vec()))
    }

    /// The seq of an event id, if it is durable.
    pub fn seq_of(&self, id: &EventId) -> Result<Option<Seq>, StoreError> {
        let head = self.head().seq;
        // The tail first, then the index: an entry leaves the tail only once it is indexed.
        if let Some(seq) = self.inner.index.tail_seq_of(id).filter(|seq| *seq <= head) {
            return Ok(Some(seq));
        }
        if let Some(seq) = self.inner.index.lookup_id(id)?.filter(|seq| *seq <= head) {
            return Ok(Some(seq));
        }
        for item in self.uncovered() {
            let (seq, stored) = item?;
            if peek(seq, &stored)?.id == *id {
                return Ok(Some(seq));
            }
        }
        Ok(None)
    }

    /// Durable records that neither the tail nor the index covers (none unless the index was
    /// dropped while the store was open).
    fn uncovered(
        &self,
    ) -> impl Iterator<Item = Result<(Seq, Vec<u8>), StoreError>> + Send + 'static {
        let (from, to) = self.inner.index.uncovered().unwrap_or((Seq(1), Seq(0)));
        reader::raw_range(&self.inner.tree, from, to.min(self.head().seq))
    }

    /// Seqs of a stream's events with `version ≥ from_version`: tail, index, and any uncovered
    /// range, in version order.
    fn stream_seqs(
        &self,
        stream: &StreamName,
        from_version: u64,
    ) -> Result<BTreeSet<(u64, Seq)>, StoreError> {
        let head = self.head().seq;
        let from_version = from_version.max(1);
        let mut found: BTreeSet<(u64, Seq)> =
            self.inner.index.tail_stream(stream, from_version).into_iter().collect();
        found.extend(self.inner.index.stream_seqs(stream, from_version));
        for item in self.uncovered() {
            let (seq, stored) = item?;
            let header = peek(seq, &stored)?;
            if header.stream == stream.as_str().as_bytes() && header.stream_version >= from_version
            {
                found.insert((header.stream_version, seq));
            }
        }
        found.retain(|(_, seq)| *seq <= head);
        Ok(found)
    }

    /// Indexes everything durable that is not indexed yet.
    pub(crate) fn catch_up_index(&self) -> Result<(), StoreError> {
        self.inner.index.catch_up(&self.inner.tree, self.head().seq)
    }

    /// Adds a durable event to the in-memory tail (the writer, before it publishes the head).
    pub(crate) fn remember(&self, seq: Seq, id: EventId, stream: &StreamName, version: u64) {
        self.inner.index.remember(seq, id, stream, version);
    }

    /// Last indexed seq.
    pub fn index_watermark(&self) -> Seq {
        self.inner.index.watermark()
    }

    /// Drops the secondary index while the store is open, without rebuilding it. Test-only:
    /// proves reads stay correct (by scanning what nothing covers) whatever state the index is in.
    #[doc(hidden)]
    pub fn tamper_clear_index(&self) -> Result<(), StoreError> {
        self.inner.index.clear()?;
        self.inner.index.set_floor(self.head().seq);
        Ok(())
    }

    /// Drops the secondary index and rebuilds it from the log. Repair tool: run it with no
    /// writer running (the indexer's own batches would race the rebuild).
    #[doc(hidden)]
    pub fn rebuild_index(&self) -> Result<(), StoreError> {
        self.inner.index.clear()?;
        self.catch_up_index()
    }

    /// One event by id.
    pub fn get_by_id(&self, id: &EventId) -> Result<Option<Envelope>, StoreError> {
        match self.seq_of(id)? {
            Some(seq) => self.get(seq),
            None => Ok(None),
        }
    }

    /// Events with `from ≤ seq ≤ to` (bounded by the head), streamed in order.
    pub fn range(&self, from: Seq, to: Seq) -> EventIter {
        let to = to.min(self.head().seq);
        EventIter::range(&self.inner.tree, from, to)
    }

    /// Raw stored records with `from ≤ seq ≤ to`, as `(seq, bytes)`.
    pub fn range_raw(
        &self,
        from: Seq,
        to: Seq,
    ) -> impl Iterator<Item = Result<(Seq, Vec<u8>), StoreError>> + Send + 'static {
        let to = to.min(self.head().seq);
        reader::raw_range(&self.inner.tree, from, to)
    }

    /// Events of one stream with `version ≥ from_version`, in version order.
    pub fn stream(
        &self,
        stream: &StreamName,
        from_version: u64,
    ) -> Result<Vec<Envelope>, StoreError> {
        let mut out = Vec::new();
        for (_, seq) in self.stream_seqs(stream, from_version)? {
            if let Some(event) = self.get(seq)? {
                out.push(event);
            }
        }
        Ok(out)
    }

    /// The current version of a stream (0 when it has no durable events).
    pub fn stream_version(&self, stream: &StreamName) -> Result<u64, StoreError> {
        let head = self.head().seq;
        let tail = self.inner.index.tail_stream_version(stream, head);
        if tail > 0 {
            return Ok(tail);
        }
        let mut version = self.inner.index.stream_version(stream, head);
        for item in self.uncovered() {
            let (seq, stored) = item?;
            let header = peek(seq, &stored)?;
            if header.stream == stream.as_str().as_bytes() {
                version = version.max(header.stream_version);
            }
        }
        Ok(version)
    }

    /// Walks the whole chain and checks everything (see `ChainVerifier`); `progress` is called
    /// every `progress_every` events with the last seq checked.
    pub fn verify(
        &self,
        deep: bool,
        progress_every: u64,
        mut progress: impl FnMut(u64),
    ) -> Result<VerifySummary, StoreError> {
        let head = keys::read_head(&self.inner.tree)?;
        let mut verifier = ChainVerifier::new(deep);
        let mut count = 0u64;
        for item in self.inner.tree.scan_prefix([keys::EVENT_PREFIX]) {
            let (key, value) = item?;
            let seq = keys::seq_from_event_key(&key)?;
            verifier.push(seq, &value)?;
            count += 1;
            if progress_every > 0 && count % progress_every == 0 {
                progress(seq);
            }
        }
        Ok(verifier.finish(Some((head.seq, head.hash)))?)
    }

    fn verify_tail(&self) -> Result<(), StoreError> {
        let head = self.head();
        let last_key = self.inner.tree.scan_prefix([keys::EVENT_PREFIX]).next_back().transpose()?;
        let last_seq = match &last_key {
            Some((key, _)) => keys::seq_from_event_key(key)?,
            None => 0,
        };
        let start = head.seq.0.saturating_sub(TAIL_VERIFY_EVENTS).max(1);
        let mut verifier = if start > 1 {
            let trusted = self.inner.tree.get(keys::event(Seq(start - 1)))?.ok_or(
                StoreError::Integrity(VerifyError {
                    seq: start - 1,
                    failure: proto_events::chain::VerifyFailure::SeqGap {
                        expected: start - 1,
                        found: start,
                    },
                }),
            )?;
            let header = peek(Seq(start - 1), &trusted)?;
            ChainVerifier::resume(false, Seq(start - 1), header.hash)
        } else {
            ChainVerifier::new(false)
        };
        for item in
            self.inner.tree.range(keys::event(Seq(start))..=keys::event(Seq(last_seq.max(start))))
        {
            let (key, value) = item?;
            let seq = keys::seq_from_event_key(&key)?;
            verifier.push(seq, &value)?;
        }
        verifier.finish(Some((head.seq, head.hash)))?;
        Ok(())
    }

    /// Bytes sled occupies on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.inner.db.size_on_disk()?)
    }

    /// Flushes everything to disk (appends already are durable when acknowledged).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.inner.db.flush()?;
        Ok(())
    }

    /// Overwrites a stored record in place, bypassing the chain. Test-only tamper tool, so that
    /// tests can prove `verify` catches what an attacker with disk access could do.
    #[doc(hidden)]
    pub fn tamper_put_raw(&self, seq: Seq, bytes: Option<&[u8]>) -> Result<(), StoreError> {
        match bytes {
            Some(bytes) => self.inner.tree.insert(keys::event(seq), bytes)?,
            None => self.inner.tree.remove(keys::event(seq))?,
        };
        self.inner.db.flush()?;
        Ok(())
    }

    /// Rewrites the head record, bypassing the chain. Test-only tamper tool.
    #[doc(hidden)]
    pub fn tamper_set_head(&self, seq: Seq, hash: Hash) -> Result<(), StoreError> {
        let head = Head { seq, hash, recorded_at: None };
        self.inner.tree.insert(keys::HEAD, keys::encode_head(&head).as_slice())?;
        self.inner.db.flush()?;
        Ok(())
    }

    #[allow(dead_code)] // used by the personal-data directory and tokens
    /// A named auxiliary tree (personal data, tokens, snapshots): not part of the chain.
    pub(crate) fn aux_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.inner.db.open_tree(name)?)
    }
}

/// What a store reads back when an append is applied: used only by the writer.
impl Store {
    fn tree(&self) -> &sled::Tree {
        &self.inner.tree
    }

    fn db(&self) -> &sled::Db {
        &self.inner.db
    }
}

/// Reads a stored record's header, naming the seq when it is malformed.
pub(crate) fn peek(seq: Seq, stored: &[u8]) -> Result<StoredHeader<'_>, StoreError> {
    StoredHeader::peek(stored).map_err(|source| StoreError::Corrupt { seq: seq.0, source })
}

fn classify_open_error(path: &Path, error: sled::Error) -> StoreError {
    let text = error.to_string();
    let locked = match &error {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || text.contains("lock")
                || io.raw_os_error() == Some(11)
        }
        _ => false,
    };
    if locked {
        StoreError::Locked { path: path.to_path_buf() }
    } else {
        StoreError::Storage(format!("opening store at {}: {text}", path.display()))
    }
}
