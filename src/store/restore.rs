//! Rebuilding a store from stored records in seq order (a log archive, `proto_events::archive`):
//! each record is checked by the same `ChainVerifier` as `verify`, written byte for byte under
//! its seq, and the head is written last, after every record, and flushed — so the rebuilt store
//! is exactly the ledger the records came from, and a restore that stops early leaves no head
//! claiming what is not there (the directory is then discarded by the caller).

use std::path::Path;

use proto_events::chain::ChainVerifier;
use proto_events::{Seq, StoredHeader};

use crate::store::{keys, Head, Store, StoreError};

/// Records per sled batch while restoring.
const RESTORE_BATCH_EVENTS: usize = 10_000;

/// Why a restore stopped.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The target already holds a ledger.
    #[error(
        "в {path} уже есть журнал (последнее событие №{head}); восстановить можно только в пустой каталог"
    )]
    NotEmpty {
        /// The target directory.
        path: String,
        /// Its head.
        head: u64,
    },
    /// The source of records failed (unreadable or malformed archive).
    #[error("{0}")]
    Source(String),
    /// A record breaks the chain, or the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Restores the records `next` yields (seq 1 first; `next` fills the buffer and returns the seq,
/// or None at the end) into a new store at `path`. Returns the head written. The store is closed
/// when this returns: open it with `Store::open`, which rebuilds the indexes.
pub fn restore(
    path: &Path,
    mut next: impl FnMut(&mut Vec<u8>) -> Result<Option<Seq>, String>,
) -> Result<Head, RestoreError> {
    let store = Store::open(path)?;
    let existing = store.head();
    let any_record = store.inner.tree.scan_prefix([keys::EVENT_PREFIX]).next().is_some();
    if existing.seq.0 > 0 || any_record {
        return Err(RestoreError::NotEmpty {
            path: path.display().to_string(),
            head: existing.seq.0,
        });
    }
    let tree = &store.inner.tree;
    let mut verifier = ChainVerifier::new(false);
    let mut head = Head::EMPTY;
    let mut batch = sled::Batch::default();
    let mut in_batch = 0usize;
    let mut record = Vec::with_capacity(4096);
    while let Some(seq) = next(&mut record).map_err(RestoreError::Source)? {
        verifier.push(seq.0, &record).map_err(StoreError::from)?;
        let header = StoredHeader::peek(&record)
            .map_err(|source| StoreError::Corrupt { seq: seq.0, source })?;
        head = Head { seq, hash: header.hash, recorded_at: Some(header.recorded_at) };
        batch.insert(&keys::event(seq)[..], record.as_slice());
        in_batch += 1;
        if in_batch == RESTORE_BATCH_EVENTS {
            tree.apply_batch(std::mem::take(&mut batch)).map_err(StoreError::from)?;
            in_batch = 0;
        }
    }
    verifier.finish(None).map_err(StoreError::from)?;
    batch.insert(keys::HEAD, &keys::encode_head(&head)[..]);
    tree.apply_batch(batch).map_err(StoreError::from)?;
    store.inner.db.flush().map_err(StoreError::from)?;
    Ok(head)
}
