//! Named limits on everything the ledger accepts, checked before any allocation or write.
//!
//! Every limit is part of the contract with clients: exceeding one is an error that names the limit
//! and the offending value, never a truncation.

/// Largest stored event (envelope body plus hash), in bytes.
pub const EVENT_BYTES_MAX: usize = 64 * 1024;
/// Largest payload of one event, in bytes.
pub const PAYLOAD_BYTES_MAX: usize = 60 * 1024;
/// Longest stream name, in bytes of UTF-8.
pub const STREAM_NAME_BYTES_MAX: usize = 128;
/// Longest event kind tag, in bytes.
pub const KIND_BYTES_MAX: usize = 64;
/// Longest short text field of the envelope (actor id, basis kind and number), in bytes.
pub const SHORT_TEXT_BYTES_MAX: usize = 256;
/// Longest basis title, in bytes.
pub const BASIS_TITLE_BYTES_MAX: usize = 1024;
/// Most events in one append request.
pub const BATCH_EVENTS_MAX: usize = 10_000;
/// Most hashes in an inclusion or consistency proof: an inclusion proof in a tree of `u64`
/// leaves has at most 64, a consistency proof at most 128 (two paths).
pub const PROOF_HASHES_MAX: usize = 128;
/// Largest cached state (a projection or gate snapshot in the store, `codec::cache`), in bytes:
/// the head state of the 1.07M-event benchmark region encodes to ~260 MB, so this leaves room for
/// a region several times larger; a state beyond it is not cached (the fold starts earlier).
pub const CACHED_STATE_BYTES_MAX: usize = 4 * 1024 * 1024 * 1024;
