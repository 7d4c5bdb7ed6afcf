//! Key layout. Tree `ledger` (the log; one `apply_batch` per group commit makes it atomic):
//!
//! | key | value |
//! |---|---|
//! | `e` seq(u64 BE) | stored record (body ‖ hash) |
//! | `h` | head: seq(u64 BE) ‖ hash(32) ‖ recorded_at(i64 BE) |
//! | `m` | store layout version (u8, `STORE_LAYOUT_VERSION`) |
//! | `T` tile level(u8) tile index(u64 BE) | a tlog tile of the Merkle tree: its hashes so far (32 bytes each, at most 256) |
//! | `s` | size of the Merkle tree (u64 BE): the head's seq after every group commit |
//!
//! The Merkle tree's keys are written in the group commit's batch with the events (`merkle`);
//! a store without them (a restore) gets them when it is opened. Nothing else: the indexes
//! (id → seq, stream → seq of each version) are kept in memory by `index::Index` and rebuilt
//! from event headers at open. Earlier layouts, migrated when opened (`migrate_layout`): layout 1
//! also had a tree `index` (`i` id → seq, `x` → watermark), dropped (`LEGACY_ID_INDEX_TREE`);
//! layouts 1 and 2 kept the Merkle tree one value per node (`t` level(u8 ≥ 1) index(u64 BE) →
//! 32 bytes, `LEGACY_MERKLE_NODE_PREFIX`), dropped with `s`, the tree then rebuilt as tiles.

use proto_events::{Hash, Seq, Timestamp};

use crate::store::{Head, StoreError};

pub(crate) const EVENT_PREFIX: u8 = b'e';
pub(crate) const HEAD: &[u8] = b"h";
pub(crate) const LAYOUT: &[u8] = b"m";
pub(crate) const TILE_PREFIX: u8 = b'T';
/// The prefix of layout 2's Merkle tree, one key per node: removed when such a store is opened.
pub(crate) const LEGACY_MERKLE_NODE_PREFIX: u8 = b't';
pub(crate) const TREE_SIZE: &[u8] = b"s";
/// The sled tree of layout 1's id index, dropped when such a store is opened.
pub(crate) const LEGACY_ID_INDEX_TREE: &str = "index";

pub(crate) fn event(seq: Seq) -> [u8; 9] {
    let mut key = [EVENT_PREFIX; 9];
    key[1..].copy_from_slice(&seq.0.to_be_bytes());
    key
}

/// The key of the tile of tile level `level` (tree level `8·level`) and index `index`.
pub(crate) fn tile(level: u8, index: u64) -> [u8; 10] {
    let mut key = [TILE_PREFIX; 10];
    key[1] = level;
    key[2..].copy_from_slice(&index.to_be_bytes());
    key
}

pub(crate) fn seq_from_event_key(key: &[u8]) -> Result<u64, StoreError> {
    match key {
        [EVENT_PREFIX, rest @ ..] => <[u8; 8]>::try_from(rest)
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::BadIndex { what: "ключ события" }),
        _ => Err(StoreError::BadIndex { what: "ключ события" }),
    }
}

pub(crate) fn encode_head(head: &Head) -> [u8; 48] {
    let mut out = [0u8; 48];
    out[..8].copy_from_slice(&head.seq.0.to_be_bytes());
    out[8..40].copy_from_slice(&head.hash.0);
    out[40..].copy_from_slice(&head.recorded_at.map_or(i64::MIN, Timestamp::micros).to_be_bytes());
    out
}

pub(crate) fn read_head(tree: &sled::Tree) -> Result<Head, StoreError> {
    let Some(value) = tree.get(HEAD)? else {
        return Ok(Head::EMPTY);
    };
    let bad = || StoreError::BadIndex { what: "запись о последнем событии" };
    let seq = value.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()).ok_or_else(bad)?;
    let hash = value.get(8..40).and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(bad)?;
    let recorded = value.get(40..48).and_then(|b| <[u8; 8]>::try_from(b).ok()).ok_or_else(bad)?;
    let recorded = i64::from_be_bytes(recorded);
    Ok(Head {
        seq: Seq(u64::from_be_bytes(seq)),
        hash: Hash(hash),
        recorded_at: (recorded != i64::MIN).then(|| Timestamp::from_micros(recorded)),
    })
}
