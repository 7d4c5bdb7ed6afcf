//! The Letopis wire and hash format: the event envelope, the canonical encoding, hashing and
//! chain verification, and (in `vocabulary`) the typed payloads the acts require.
//!
//! This crate is the one thing an auditor needs to check a ledger offline: it depends on no other
//! crate of ours and does no I/O. Everything that is hashed is defined here and pinned by the golden
//! vectors in `tests/vectors/`; ENCODING.md is the normative description.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![warn(missing_docs)]

pub mod archive;
pub mod chain;
pub mod codec;
pub mod envelope;
#[doc(hidden)]
pub mod golden;
pub mod hash;
pub mod limits;
pub mod term;
pub mod time;
pub mod tlog;
pub mod vocabulary;

pub use chain::{ChainVerifier, VerifyError};
pub use codec::CodecError;
pub use envelope::{
    Actor, ActorRole, Basis, Effective, Envelope, EventId, NewEvent, Seq, StoredHeader, StreamName,
};
pub use hash::Hash;
pub use time::{Date, Timestamp};
