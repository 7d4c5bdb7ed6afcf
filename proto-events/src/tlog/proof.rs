//! Proofs as they travel: an inclusion proof (`{"leaf_index", "tree_size", "leaf_hash",
//! "hashes"}`) and a consistency proof (`{"from", "to", "hashes"}`), every hash standard base64
//! of 32 bytes, in RFC 9162 order (ENCODING.md, "Merkle tree"). The CLI prints them, the API
//! returns them, and `letopis proof verify` reads them back: one definition for all three.

use serde::{Deserialize, Serialize};

use crate::tlog::tree::{LeafIndex, TreeHash, TreeSize};
use crate::tlog::verify::{verify_consistency, verify_inclusion, ProofVerifyError};

/// Leaf `leaf_index` (event seq − 1) with hash `leaf_hash` is in the tree of `tree_size` leaves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// The leaf's 0-based index.
    pub leaf_index: u64,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// `H(0x00 ‖ event hash)`.
    pub leaf_hash: TreeHash,
    /// `PATH(leaf_index, D[tree_size])`.
    pub hashes: Vec<TreeHash>,
}

impl InclusionProof {
    /// Checks the proof against the root of the tree of `tree_size` leaves.
    pub fn verify(&self, root: &TreeHash) -> Result<(), ProofVerifyError> {
        verify_inclusion(
            &self.leaf_hash,
            LeafIndex(self.leaf_index),
            TreeSize(self.tree_size),
            &self.hashes,
            root,
        )
    }
}

/// The tree of `from` leaves is a prefix of the tree of `to` leaves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    /// The older size.
    pub from: u64,
    /// The newer size.
    pub to: u64,
    /// `PROOF(from, D[to])`.
    pub hashes: Vec<TreeHash>,
}

impl ConsistencyProof {
    /// Checks the proof against the roots of the two trees.
    pub fn verify(&self, old_root: &TreeHash, new_root: &TreeHash) -> Result<(), ProofVerifyError> {
        verify_consistency(TreeSize(self.from), TreeSize(self.to), &self.hashes, old_root, new_root)
    }
}
