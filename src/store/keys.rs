//! Key layout. Tree `ledger` (the log; one `apply_batch` per group commit makes it atomic):
//!
//! | key | value |
//! |---|---|
//! | `e` seq(u64 BE) | stored record (body ‖ hash) |
//! | `h` | head: seq(u64 BE) ‖ hash(32) ‖ recorded_at(i64 BE) |
//! | `m` | store layout version (u8) |
//!
//! Tree `index` (derived, built behind the log by `index::Index`):
//!
//! | key | value |
//! |---|---|
//! | `i` id(16) | seq(u64 BE) |
//! | `s` stream ‖ 0x00 ‖ version(u64 BE) | seq(u64 BE) |
//! | `x` | watermark: last indexed seq(u64 BE) |
//!
//! Stream names never contain 0x00 (StreamName forbids control characters), so the separator
//! keeps one stream's keys from running into another's.

use proto_events::{EventId, Hash, Seq, StreamName, Timestamp};

use crate::store::{Head, StoreError};

pub(crate) const EVENT_PREFIX: u8 = b'e';
const ID_PREFIX: u8 = b'i';
const STREAM_PREFIX: u8 = b's';
pub(crate) const HEAD: &[u8] = b"h";
pub(crate) const LAYOUT: &[u8] = b"m";

pub(crate) fn event(seq: Seq) -> [u8; 9] {
    let mut key = [EVENT_PREFIX; 9];
    key[1..].copy_from_slice(&seq.0.to_be_bytes());
    key
}

pub(crate) fn seq_from_event_key(key: &[u8]) -> Result<u64, StoreError> {
    match key {
        [EVENT_PREFIX, rest @ ..] => <[u8; 8]>::try_from(rest)
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::BadIndex { what: "event key" }),
        _ => Err(StoreError::BadIndex { what: "event key" }),
    }
}

pub(crate) fn id(id: &EventId) -> [u8; 17] {
    let mut key = [ID_PREFIX; 17];
    key[1..].copy_from_slice(id.as_bytes());
    key
}

pub(crate) fn stream_prefix(stream: &StreamName) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream.as_str().len() + 10);
    key.push(STREAM_PREFIX);
    key.extend_from_slice(stream.as_str().as_bytes());
    key.push(0);
    key
}

pub(crate) fn stream_version_key(stream: &StreamName, version: u64) -> Vec<u8> {
    stream_version_key_raw(stream.as_str().as_bytes(), version)
}

pub(crate) fn stream_version_key_raw(stream: &[u8], version: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream.len() + 10);
    key.push(STREAM_PREFIX);
    key.extend_from_slice(stream);
    key.push(0);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

pub(crate) fn seq_value(value: &[u8], what: &'static str) -> Result<Seq, StoreError> {
    <[u8; 8]>::try_from(value)
        .map(|bytes| Seq(u64::from_be_bytes(bytes)))
        .map_err(|_| StoreError::BadIndex { what })
}

pub(crate) fn lookup_id(tree: &sled::Tree, event_id: &EventId) -> Result<Option<Seq>, StoreError> {
    tree.get(id(event_id))?.map(|value| seq_value(&value, "id index")).transpose()
}

/// The latest version of `stream` whose event is at or below `head`.
pub(crate) fn stream_version(
    tree: &sled::Tree,
    stream: &StreamName,
    head: Seq,
) -> Result<u64, StoreError> {
    let prefix = stream_prefix(stream);
    for item in tree.scan_prefix(&prefix).rev() {
        let (key, value) = item?;
        if seq_value(&value, "stream index")? <= head {
            let version = key.get(prefix.len()..).and_then(|rest| <[u8; 8]>::try_from(rest).ok());
            return version
                .map(u64::from_be_bytes)
                .ok_or(StoreError::BadIndex { what: "stream index" });
        }
    }
    Ok(0)
}

pub(crate) fn stream_seqs(
    tree: &sled::Tree,
    stream: &StreamName,
    from_version: u64,
) -> Result<Vec<(u64, Seq)>, StoreError> {
    let prefix_len = stream_prefix(stream).len();
    let start = stream_version_key(stream, from_version.max(1));
    let end = stream_version_key(stream, u64::MAX);
    let mut out = Vec::new();
    for item in tree.range(start..=end) {
        let (key, value) = item?;
        let version = key
            .get(prefix_len..)
            .and_then(|rest| <[u8; 8]>::try_from(rest).ok())
            .map(u64::from_be_bytes)
            .ok_or(StoreError::BadIndex { what: "stream index" })?;
        out.push((version, seq_value(&value, "stream index")?));
    }
    Ok(out)
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
    let bad = || StoreError::BadIndex { what: "head record" };
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
