//! The durable ledger on sled: one writer thread that group-commits appends, and readers that
//! see only what is durable.
//!
//! Layout: one sled tree `ledger`, keys by prefix (see `keys`). Every group of appends is one
//! `apply_batch` (atomic) followed by one `flush` (durable); only then are appenders answered and
//! the published head moved. The records stored under `e` are exactly the bytes that were hashed.
//!
//! Beside the log, rooms outside the chain, each a sled tree behind a small API of its own:
//! `Persons` (erasable personal records), `Tokens` (access-token records by secret hash),
//! `Snapshots` (cached states by format and seq: projection and gate snapshots) and `Checkpoints`
//! (signed checkpoints by tree size). The Merkle tree over the log is in the tree `ledger`
//! itself, written with the events (`merkle`). No sled type
//! leaves this module (tidy check in `.ci/tidy`).

mod checkpoints;
mod index;
mod keys;
mod merkle;
mod mirror;
mod persons;
mod reader;
mod restore;
mod snapshots;
mod tokens;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use proto_events::chain::{ChainVerifier, VerifyError, VerifySummary};
use proto_events::envelope::{EnvelopeError, StoredHeader};
use proto_events::{Envelope, EventId, Hash, Seq, StreamName, Timestamp};

pub use checkpoints::Checkpoints;
pub use merkle::TreeProofError;
pub use mirror::{mirror_dir, Mirror, MirrorError, MirrorRecords, Reconciled, MIRROR_DIR};
pub use persons::Persons;
pub use reader::EventIter;
pub use restore::{restore, RestoreError};
pub use snapshots::{Snapshots, SNAPSHOTS_DIR};
pub use tokens::Tokens;
pub use writer::{
    AppendError, AppendOutcome, AppendRequest, Expected, Gate, Idempotency, Ledger, NoGate,
    Rejection, RejectionClass, Unavailable,
};

/// sled page cache, bytes. sled's default (1 GiB) is far above what the ledger needs and its
/// memory use grows past the setting, so it is set explicitly and kept modest.
pub const CACHE_BYTES: u64 = 128 * 1024 * 1024;
/// How many events before the head are re-verified when a store is opened.
pub const TAIL_VERIFY_EVENTS: u64 = 256;
/// Version of the key layout inside the sled trees (not of the event format). Version 1 also kept
/// an id index in sled (tree `index`); version 2 kept every index in memory; version 3 stores the
/// Merkle tree as tlog tiles (`T`) instead of one value per node (`t`). Opening a store of an
/// earlier version migrates it (see `migrate_layout`).
pub const STORE_LAYOUT_VERSION: u8 = 3;
/// The layout before the id index moved to memory: still opened, and migrated.
const STORE_LAYOUT_VERSION_SLED_ID_INDEX: u8 = 1;
/// The layout with the Merkle tree one value per node: still opened, and migrated.
const STORE_LAYOUT_VERSION_MERKLE_NODES: u8 = 2;

/// Errors of the store. sled's error type never escapes this module.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store.
    #[error(
        "хранилище {path} занято другим процессом (работает сервер или другая команда letopis)"
    )]
    Locked {
        /// The store directory.
        path: PathBuf,
    },
    /// An I/O or sled failure.
    #[error("сбой хранилища: {0}")]
    Storage(String),
    /// A stored record does not read back.
    #[error("сохранённое событие №{seq} повреждено: {source}")]
    Corrupt {
        /// Where.
        seq: u64,
        /// What.
        source: EnvelopeError,
    },
    /// The chain check failed (on open: the tail; on `verify`: anywhere).
    #[error("проверка целостности журнала не пройдена: {0}")]
    Integrity(#[from] VerifyError),
    /// The store was written by a newer layout.
    #[error(
        "версия формата хранилища {found} не поддерживается (эта сборка читает версию \
         {STORE_LAYOUT_VERSION})"
    )]
    Layout {
        /// The version found.
        found: u8,
    },
    /// A malformed internal index entry.
    #[error("служебная запись хранилища повреждена: {what}")]
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
    merkle: merkle::MerkleState,
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
        migrate_layout(&db, &tree)?;
        drop_snapshot_trees(&db)?;
        let head = keys::read_head(&tree)?;
        verify_tail(&tree, head)?;
        let index = index::Index::load(&tree, head.seq)?;
        let merkle = merkle::open(&tree, head)?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                db,
                tree,
                index,
                merkle,
                published: RwLock::new(head),
            }),
        })
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
        match self.inner.index.id_candidates(id) {
            index::Candidates::Exact(seq) => Ok(Some(seq).filter(|seq| *seq <= head)),
            index::Candidates::Fingerprint(seqs) => {
                // A fingerprint match is a candidate: the stored header says whose id it is.
                for seq in seqs.into_iter().filter(|seq| *seq <= head) {
                    if let Some(stored) = self.inner.tree.get(keys::event(seq))? {
                        if peek(seq, &stored)?.id == *id {
                            return Ok(Some(seq));
                        }
                    }
                }
                Ok(None)
            }
        }
    }

    /// Adds a durable group to the in-memory indexes (the writer, before it publishes the head).
    pub(crate) fn index_group(&self, entries: &[index::Entry<'_>]) {
        self.inner.index.add(entries);
    }

    /// Compacts the in-memory id index when due (the writer, between groups).
    pub(crate) fn compact_index(&self) {
        self.inner.index.compact();
    }

    /// Approximate bytes the in-memory indexes hold (ids and streams).
    pub fn index_memory_bytes(&self) -> u64 {
        self.inner.index.memory_bytes()
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
        for (_, seq) in self.inner.index.stream_seqs(stream, from_version, self.head().seq) {
            if let Some(event) = self.get(seq)? {
                out.push(event);
            }
        }
        Ok(out)
    }

    /// The current version of a stream (0 when it has no durable events).
    pub fn stream_version(&self, stream: &StreamName) -> Result<u64, StoreError> {
        Ok(self.inner.index.stream_version(stream, self.head().seq))
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

    /// Checks the chain from a point verified earlier (`after`: its seq and hash) to the head:
    /// the events after it link onto it and to each other, and the last is the head record.
    /// What a check that repeats as the log grows reads (the crash loop's rounds); `verify`
    /// reads all of it. Stream versions are checked only for streams seen after the point.
    pub fn verify_after(&self, after: (Seq, Hash)) -> Result<VerifySummary, StoreError> {
        let head = keys::read_head(&self.inner.tree)?;
        let mut verifier = ChainVerifier::resume(false, after.0, after.1);
        let from = keys::event(Seq(after.0 .0.saturating_add(1)));
        for item in self.inner.tree.range(from..=keys::event(Seq(u64::MAX))) {
            let (key, value) = item?;
            verifier.push(keys::seq_from_event_key(&key)?, &value)?;
        }
        Ok(verifier.finish(Some((head.seq, head.hash)))?)
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

    /// Writes sealed records (seq 1 on, one chain, into an empty store with no writer running)
    /// `batch` at a time as the writer's group commit writes a group: the events, the head and,
    /// when `with_tree`, the Merkle tree's tiles staged by the writer's own code, in one
    /// `apply_batch`, then one `flush`, then the head published. Without the writer's checks and
    /// sealing: bench-only, what `bench -- proofs` runs with and without the tree to measure the
    /// tree's own cost on the real write path. A store written without the tree rebuilds it at
    /// its next open.
    #[doc(hidden)]
    pub fn bench_group_commits(
        &self,
        records: &[Vec<u8>],
        batch: usize,
        with_tree: bool,
    ) -> Result<(), StoreError> {
        let mut seq = self.head().seq;
        for group in records.chunks(batch.max(1)) {
            let mut sled_batch = sled::Batch::default();
            let mut hashes = Vec::with_capacity(group.len());
            let mut head = self.head();
            for stored in group {
                seq = Seq(seq.0 + 1);
                let header = peek(seq, stored)?;
                head = Head { seq, hash: header.hash, recorded_at: Some(header.recorded_at) };
                hashes.push(header.hash);
                sled_batch.insert(&keys::event(seq)[..], stored.as_slice());
            }
            sled_batch.insert(keys::HEAD, &keys::encode_head(&head)[..]);
            let edge = if with_tree {
                Some(self.merkle_stage(&mut sled_batch, hashes.iter())?)
            } else {
                None
            };
            self.inner.tree.apply_batch(sled_batch)?;
            self.inner.db.flush()?;
            if let Some(edge) = edge {
                self.merkle_commit(edge);
            }
            self.publish(head);
        }
        Ok(())
    }

    /// A room's sled tree (personal records, tokens, snapshots): not part of the chain, and
    /// handed to no module outside `store/`.
    fn room_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
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

/// Re-verifies the last `TAIL_VERIFY_EVENTS` events against the head record.
fn verify_tail(tree: &sled::Tree, head: Head) -> Result<(), StoreError> {
    let last_key = tree.scan_prefix([keys::EVENT_PREFIX]).next_back().transpose()?;
    let last_seq = match &last_key {
        Some((key, _)) => keys::seq_from_event_key(key)?,
        None => 0,
    };
    let start = head.seq.0.saturating_sub(TAIL_VERIFY_EVENTS).max(1);
    let mut verifier = if start > 1 {
        let trusted =
            tree.get(keys::event(Seq(start - 1)))?.ok_or(StoreError::Integrity(VerifyError {
                seq: start - 1,
                failure: proto_events::chain::VerifyFailure::SeqGap {
                    expected: start - 1,
                    found: start,
                },
            }))?;
        let header = peek(Seq(start - 1), &trusted)?;
        ChainVerifier::resume(false, Seq(start - 1), header.hash)
    } else {
        ChainVerifier::new(false)
    };
    for item in tree.range(keys::event(Seq(start))..=keys::event(Seq(last_seq.max(start)))) {
        let (key, value) = item?;
        let seq = keys::seq_from_event_key(&key)?;
        verifier.push(seq, &value)?;
    }
    verifier.finish(Some((head.seq, head.hash)))?;
    Ok(())
}

/// Drops the sled trees where earlier builds kept the snapshot rooms (now files, see
/// `snapshots`): caches, so nothing is lost; a store without them writes nothing here.
fn drop_snapshot_trees(db: &sled::Db) -> Result<(), StoreError> {
    let names = db.tree_names();
    for tree in snapshots::SLED_SNAPSHOT_TREES {
        if names.iter().any(|name| name.as_ref() == tree.as_bytes()) {
            db.drop_tree(tree)?;
        }
    }
    Ok(())
}

/// Checks the layout record `m` and brings a store of an older layout to the current one.
///
/// A new store gets the current version. Version 1 kept the id index in sled (tree `index`, with
/// `i`+id → seq and a watermark `x`): the tree is dropped. Versions 1 and 2 kept the Merkle tree
/// one value per node (`t`+level+index): those keys and the tree's size `s` are removed, so that
/// `merkle::open` rebuilds the tree as tiles from the event hashes. The record moves to the
/// current version last, after a flush of the removals; every step is idempotent, so a crash in
/// between only repeats it. A version this build does not know (a newer layout) is refused before
/// anything is written.
fn migrate_layout(db: &sled::Db, tree: &sled::Tree) -> Result<(), StoreError> {
    let found = match tree.get(keys::LAYOUT)? {
        None => {
            tree.insert(keys::LAYOUT, &[STORE_LAYOUT_VERSION])?;
            db.flush()?;
            return Ok(());
        }
        Some(value) => value.first().copied().unwrap_or(0),
    };
    match found {
        STORE_LAYOUT_VERSION => Ok(()),
        STORE_LAYOUT_VERSION_SLED_ID_INDEX | STORE_LAYOUT_VERSION_MERKLE_NODES => {
            if found == STORE_LAYOUT_VERSION_SLED_ID_INDEX {
                db.drop_tree(keys::LEGACY_ID_INDEX_TREE)?;
            }
            merkle::remove_node_layout(tree)?;
            db.flush()?;
            tree.insert(keys::LAYOUT, &[STORE_LAYOUT_VERSION])?;
            db.flush()?;
            Ok(())
        }
        found => Err(StoreError::Layout { found }),
    }
}

/// Reads a stored record's header, naming the seq when it is malformed.
pub(crate) fn peek(seq: Seq, stored: &[u8]) -> Result<StoredHeader<'_>, StoreError> {
    StoredHeader::peek(stored).map_err(|source| StoreError::Corrupt { seq: seq.0, source })
}

/// A store in a fresh temp dir, written by `write`, closed and opened again: what the tests of
/// the rooms read back. sled's background flusher may hold the directory lock for a moment after
/// the store is dropped, within one process only, so `Locked` is retried for up to a second (as
/// `tests/it/support.rs` does).
#[cfg(test)]
pub(crate) fn reopened_after(write: impl FnOnce(&Store)) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    write(&Store::open(dir.path()).unwrap());
    for _ in 0..100 {
        match Store::open(dir.path()) {
            Err(StoreError::Locked { .. }) => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            opened => return (dir, opened.unwrap()),
        }
    }
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
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
        StoreError::Storage(format!("открытие хранилища {}: {text}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proto_events::{Actor, ActorRole, Date, Effective, EventId, NewEvent, Seq, StreamName};

    use crate::store::{keys, AppendRequest, Ledger, NoGate, Store, StoreError, SystemClock};
    use crate::store::{STORE_LAYOUT_VERSION, STORE_LAYOUT_VERSION_SLED_ID_INDEX};

    fn event(stream: &str, n: u64) -> NewEvent {
        NewEvent {
            id: Some(EventId(uuid::Uuid::from_u64_pair(0x0193_0000_0000_7000, n))),
            stream: StreamName::new(stream).unwrap(),
            kind: "test_fact".into(),
            schema_version: 1,
            effective: Effective::Date(Date::from_ymd(2024, 12, 20).unwrap()),
            actor: Actor { role: ActorRole::Operator, id: "tok-test".into() },
            basis: None,
            payload: n.to_be_bytes().to_vec(),
        }
    }

    /// A closed store of `count` events on three streams; returns their ids in seq order.
    fn filled(dir: &std::path::Path, count: u64) -> Vec<EventId> {
        let ledger =
            Ledger::start(Store::open(dir).unwrap(), Box::new(NoGate), Arc::new(SystemClock));
        let mut ids = Vec::new();
        for n in 0..count {
            let request = AppendRequest::new(vec![event(&format!("teacher/t-{}", n % 3), n)]);
            ids.extend(ledger.append_blocking(request).unwrap().ids);
        }
        ledger.shutdown();
        ids
    }

    /// Opens the directory with sled itself. sled releases its directory lock when its last
    /// internal handle goes, which can trail the drop of ours by a moment inside one process
    /// (under load it did, and this test failed with WouldBlock), so the lock is retried.
    fn open_raw(dir: &std::path::Path) -> sled::Db {
        let mut attempt = 0;
        loop {
            match sled::Config::new().path(dir).open() {
                Err(sled::Error::Io(error))
                    if error.to_string().contains("could not acquire lock") && attempt < 200 =>
                {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => return other.unwrap(),
            }
        }
    }

    fn layout_of(dir: &std::path::Path) -> (Option<u8>, bool) {
        let db = open_raw(dir);
        let layout = db.open_tree("ledger").unwrap().get(keys::LAYOUT).unwrap();
        let has_index = db
            .tree_names()
            .iter()
            .any(|name| name.as_ref() == keys::LEGACY_ID_INDEX_TREE.as_bytes());
        (layout.and_then(|value| value.first().copied()), has_index)
    }

    /// Rewrites a closed store as the layout-1 build left it: record `m` = 1 and a sled id index.
    fn make_layout_1(dir: &std::path::Path, ids: &[EventId]) {
        let db = open_raw(dir);
        db.open_tree("ledger")
            .unwrap()
            .insert(keys::LAYOUT, &[STORE_LAYOUT_VERSION_SLED_ID_INDEX])
            .unwrap();
        let index = db.open_tree(keys::LEGACY_ID_INDEX_TREE).unwrap();
        for (position, id) in ids.iter().enumerate() {
            let mut key = vec![b'i'];
            key.extend_from_slice(id.as_bytes());
            index.insert(key, &(position as u64 + 1).to_be_bytes()[..]).unwrap();
        }
        index.insert(b"x", &(ids.len() as u64).to_be_bytes()[..]).unwrap();
        db.flush().unwrap();
    }

    #[test]
    fn a_layout_1_store_opens_drops_its_sled_index_and_keeps_every_event_findable() {
        let dir = tempfile::tempdir().unwrap();
        let ids = filled(dir.path(), 10);
        assert_eq!(layout_of(dir.path()), (Some(STORE_LAYOUT_VERSION), false));
        make_layout_1(dir.path(), &ids);
        assert_eq!(layout_of(dir.path()), (Some(1), true));

        let store = Store::open(dir.path()).unwrap();
        for (position, id) in ids.iter().enumerate() {
            assert_eq!(store.seq_of(id).unwrap(), Some(Seq(position as u64 + 1)));
        }
        let stream = StreamName::new("teacher/t-1").unwrap();
        assert_eq!(store.stream_version(&stream).unwrap(), 3);
        assert_eq!(store.verify(true, 0, |_| {}).unwrap().events, 10);
        drop(store);
        assert_eq!(layout_of(dir.path()), (Some(STORE_LAYOUT_VERSION), false));

        // Appending after the migration refuses a reused id and continues the chain.
        let ledger = Ledger::start(
            Store::open(dir.path()).unwrap(),
            Box::new(NoGate),
            Arc::new(SystemClock),
        );
        let mut reused = event("teacher/t-1", 99);
        reused.id = Some(ids[4]);
        let refused = ledger.append_blocking(AppendRequest::new(vec![reused]));
        assert!(
            matches!(refused, Err(crate::store::AppendError::IdReused { seq: Some(Seq(5)), .. })),
            "{refused:?}"
        );
        let retried = ledger.append_blocking(AppendRequest::new(vec![event("teacher/t-2", 2)]));
        assert_eq!(retried.unwrap().seqs, vec![Seq(3)]);
        let next = ledger.append_blocking(AppendRequest::new(vec![event("teacher/t-1", 10)]));
        assert_eq!(next.unwrap().seqs, vec![Seq(11)]);
        ledger.shutdown();
    }

    #[test]
    fn a_store_of_an_unknown_layout_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        filled(dir.path(), 2);
        {
            let db = sled::Config::new().path(dir.path()).open().unwrap();
            db.open_tree("ledger").unwrap().insert(keys::LAYOUT, &[7u8]).unwrap();
            db.flush().unwrap();
        }
        match Store::open(dir.path()) {
            Err(StoreError::Layout { found: 7 }) => {}
            other => panic!("expected a layout error, got {:?}", other.map(|_| ())),
        }
        assert_eq!(layout_of(dir.path()), (Some(7), false));
    }

    #[test]
    fn a_fingerprint_shared_with_another_event_is_confirmed_against_the_stored_id() {
        let dir = tempfile::tempdir().unwrap();
        let ids = filled(dir.path(), 6);
        let store = Store::open(dir.path()).unwrap();
        // Seq 2 now looks like a candidate for the id of seq 5, and for an id not in the log.
        store.inner.index.insert_collision(&ids[4], Seq(2));
        let absent = EventId(uuid::Uuid::from_u64_pair(1, 2));
        store.inner.index.insert_collision(&absent, Seq(3));
        assert_eq!(store.seq_of(&ids[4]).unwrap(), Some(Seq(5)));
        assert_eq!(store.seq_of(&ids[1]).unwrap(), Some(Seq(2)));
        assert_eq!(store.seq_of(&absent).unwrap(), None);
        assert_eq!(store.get_by_id(&ids[4]).unwrap().unwrap().seq, Seq(5));
    }
}
