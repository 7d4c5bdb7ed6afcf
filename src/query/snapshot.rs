//! Stored snapshots of the projection state at seq checkpoints, in the sled tree `snapshots`.
//!
//! Key: `FOLD_VERSION` (u32 BE) ‖ seq (u64 BE); a fold-version change makes old snapshots
//! invisible (and `prune_other_versions` removes them). Value: the state encoded with bincode 2
//! (big-endian, fixed-width integers, no size limit) — a storage format of a cache, never
//! hashed or signed, so it does not go through the canonical codec, whose `EVENT_BYTES_MAX`
//! limit is for events. Snapshots are written lazily, when a fold passes a checkpoint
//! (every `SNAPSHOT_EVERY_EVENTS` events); read back, a snapshot is checked to be for its key's
//! seq before use, and an undecodable one is ignored (the fold then starts earlier).

use projections::{State, FOLD_VERSION};

use crate::query::QueryError;
use crate::store::{Store, StoreError};

/// Events between snapshots.
pub const SNAPSHOT_EVERY_EVENTS: u64 = 100_000;

/// The sled tree holding snapshots.
pub const SNAPSHOT_TREE: &str = "snapshots";

/// Whether a snapshot belongs at this seq.
pub fn is_checkpoint(seq: u64) -> bool {
    seq > 0 && seq % SNAPSHOT_EVERY_EVENTS == 0
}

fn key(version: u32, seq: u64) -> [u8; 12] {
    let mut key = [0u8; 12];
    let (head, tail) = key.split_at_mut(4);
    head.copy_from_slice(&version.to_be_bytes());
    tail.copy_from_slice(&seq.to_be_bytes());
    key
}

fn seq_of_key(key: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = key.get(4..12)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_big_endian().with_fixed_int_encoding()
}

/// Encodes a state for storage.
pub fn encode(state: &State) -> Result<Vec<u8>, QueryError> {
    bincode::serde::encode_to_vec(state, config())
        .map_err(|error| QueryError::Snapshot { seq: state.seq, reason: error.to_string() })
}

/// Decodes a stored state.
pub fn decode(bytes: &[u8]) -> Option<State> {
    let (state, read): (State, usize) = bincode::serde::decode_from_slice(bytes, config()).ok()?;
    (read == bytes.len()).then_some(state)
}

/// The seq of the latest snapshot of this fold version at or before `k`.
pub fn latest_seq_at_or_before(store: &Store, k: u64) -> Result<Option<u64>, QueryError> {
    let tree = store.aux_tree(SNAPSHOT_TREE)?;
    let found = tree
        .range(key(FOLD_VERSION, 0)..=key(FOLD_VERSION, k))
        .keys()
        .next_back()
        .transpose()
        .map_err(StoreError::from)?;
    Ok(found.and_then(|key| seq_of_key(&key)))
}

/// The latest decodable snapshot of this fold version at or before `k`.
pub fn load_at_or_before(store: &Store, k: u64) -> Result<Option<State>, QueryError> {
    let tree = store.aux_tree(SNAPSHOT_TREE)?;
    for entry in tree.range(key(FOLD_VERSION, 0)..=key(FOLD_VERSION, k)).rev() {
        let (stored_key, value) = entry.map_err(StoreError::from)?;
        let Some(seq) = seq_of_key(&stored_key) else { continue };
        match decode(&value) {
            // Checked right after reading back: the snapshot is of the seq its key names.
            Some(state) if state.seq == seq => return Ok(Some(state)),
            _ => continue,
        }
    }
    Ok(None)
}

/// Stores a snapshot of `state` unless one exists for its seq.
pub fn save_if_absent(store: &Store, state: &State) -> Result<(), QueryError> {
    let tree = store.aux_tree(SNAPSHOT_TREE)?;
    let key = key(FOLD_VERSION, state.seq);
    if tree.contains_key(key).map_err(StoreError::from)? {
        return Ok(());
    }
    let bytes = encode(state)?;
    // Checked right before writing: the bytes decode to the same state.
    debug_assert!(decode(&bytes).as_ref() == Some(state));
    tree.insert(key, bytes).map_err(StoreError::from)?;
    Ok(())
}

/// Removes snapshots of other fold versions; returns how many.
pub fn prune_other_versions(store: &Store) -> Result<u64, QueryError> {
    let tree = store.aux_tree(SNAPSHOT_TREE)?;
    let mut removed = 0u64;
    for entry in tree.iter().keys() {
        let stored_key = entry.map_err(StoreError::from)?;
        let version = stored_key.get(0..4).and_then(|bytes| <[u8; 4]>::try_from(bytes).ok());
        if version.map(u32::from_be_bytes) != Some(FOLD_VERSION) {
            tree.remove(&stored_key).map_err(StoreError::from)?;
            removed = removed.saturating_add(1);
        }
    }
    Ok(removed)
}

/// How many snapshots of this fold version are stored.
pub fn count(store: &Store) -> Result<u64, QueryError> {
    let tree = store.aux_tree(SNAPSHOT_TREE)?;
    let mut total = 0u64;
    for entry in tree.range(key(FOLD_VERSION, 0)..=key(FOLD_VERSION, u64::MAX)).keys() {
        entry.map_err(StoreError::from)?;
        total = total.saturating_add(1);
    }
    Ok(total)
}
