//! Proof for outsiders, in the formats of the transparency-log ecosystem: the RFC 6962 Merkle
//! tree over the log (`tree`: hashing, proofs from stored complete subtrees; `verify`: the RFC 9162
//! verification algorithms), signed notes (`note`: C2SP signed-note, Ed25519) and checkpoints
//! (`checkpoint`: C2SP tlog-checkpoint, with the blake3 chain head as an extension line), and
//! the addressing of C2SP tlog-tiles (`tile`).
//!
//! Pure like the rest of the crate: keys arrive as bytes (the caller draws a seed), nodes through
//! the `Nodes` trait (the caller's store), so an auditor's tool runs exactly this code.

pub mod checkpoint;
pub mod cosignature;
pub mod note;
pub mod proof;
pub mod tile;
pub mod tree;
pub mod verify;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use note::{KeyId, KeyName, NoteError, NoteSigner, NoteVerifier};
pub use proof::{ConsistencyProof, InclusionProof};
pub use tree::{LeafIndex, Node, Nodes, TreeHash, TreeSize};
pub use verify::{verify_consistency, verify_inclusion, ProofVerifyError};
