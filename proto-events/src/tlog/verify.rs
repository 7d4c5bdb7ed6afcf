//! Verification of inclusion and consistency proofs, written step by step as RFC 9162 §2.1.3.2
//! and §2.1.4.2 give them, so that a reader can hold the code against the text. A proof is
//! input from outside: every failure is a specific error, nothing panics, and the hashes it
//! yields are compared in constant time.

use crate::limits::PROOF_HASHES_MAX;
use crate::tlog::tree::{empty_root, node_hash, LeafIndex, TreeHash, TreeSize};

/// Why a proof does not prove what it is offered for.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofVerifyError {
    /// More hashes than any proof in a tree of `u64` leaves has.
    #[error("the proof has {found} hashes, more than {max}")]
    TooManyHashes {
        /// Hashes offered.
        found: usize,
        /// `PROOF_HASHES_MAX`.
        max: usize,
    },
    /// The leaf index is not below the tree size.
    #[error("leaf {index} is not in a tree of {size} leaves")]
    LeafBeyondSize {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The proof has more hashes than the path from the leaf (or the old tree) to the root.
    #[error("the proof has more hashes than the tree of {size} leaves needs")]
    ProofTooLong {
        /// The (newer) tree size.
        size: u64,
    },
    /// The proof ended before it reached the root.
    #[error("the proof ends before it reaches the root of the tree of {size} leaves")]
    ProofTooShort {
        /// The (newer) tree size.
        size: u64,
    },
    /// The root computed from the proof is not the root offered.
    #[error("the proof leads to root {computed}, not to {expected}")]
    RootMismatch {
        /// The root the proof leads to.
        computed: TreeHash,
        /// The root it was checked against.
        expected: TreeHash,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("no tree of {from} leaves is a prefix of a tree of {to} leaves")]
    SizesReversed {
        /// The older size.
        from: u64,
        /// The newer size.
        to: u64,
    },
    /// Between the empty tree and any tree, or a tree and itself, the proof is empty.
    #[error(
        "a consistency proof from size {from} to size {to} must be empty, it has {found} hashes"
    )]
    ProofNotEmpty {
        /// The older size.
        from: u64,
        /// The newer size.
        to: u64,
        /// Hashes offered.
        found: usize,
    },
    /// A consistency proof between different non-empty sizes with no hash.
    #[error("the consistency proof from size {from} to size {to} is empty")]
    ProofEmpty {
        /// The older size.
        from: u64,
        /// The newer size.
        to: u64,
    },
    /// The older root offered is not what the proof leads to (for size 0: not the empty root).
    #[error("the older tree of {size} leaves has root {computed}, not {expected}")]
    OldRootMismatch {
        /// The older size.
        size: u64,
        /// The root the proof leads to.
        computed: TreeHash,
        /// The root offered.
        expected: TreeHash,
    },
    /// Two roots offered for one size.
    #[error("two different roots for the tree of {size} leaves: {first} and {second}")]
    SplitView {
        /// The size.
        size: u64,
        /// The older root.
        first: TreeHash,
        /// The newer root.
        second: TreeHash,
    },
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves whose root is `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &TreeHash,
    index: LeafIndex,
    size: TreeSize,
    proof: &[TreeHash],
    root: &TreeHash,
) -> Result<(), ProofVerifyError> {
    check_length(proof)?;
    // 1. Compare leaf_index against tree_size. If leaf_index is greater than or equal to
    //    tree_size, then fail the proof verification.
    if index.0 >= size.0 {
        return Err(ProofVerifyError::LeafBeyondSize { index: index.0, size: size.0 });
    }
    // 2. Set fn to leaf_index and sn to tree_size - 1.
    let mut fn_ = index.0;
    let mut sn = size.0 - 1;
    // 3. Set r to hash.
    let mut r = *leaf;
    // 4. For each value p in the inclusion_path array:
    for p in proof {
        // a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0 {
            return Err(ProofVerifyError::ProofTooLong { size: size.0 });
        }
        // b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn_ & 1 == 1 || fn_ == sn {
            // i. Set r to HASH(0x01 || p || r).
            r = node_hash(p, &r);
            // ii. If LSB(fn) is not set, then right-shift both fn and sn equally until either
            //     LSB(fn) is set or fn is 0.
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            // Otherwise: Set r to HASH(0x01 || r || p).
            r = node_hash(&r, p);
        }
        // c. Finally, right-shift both fn and sn one time.
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. Compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the
    //    root_hash are equal, then the log has proven the inclusion of hash. Otherwise, fail.
    if sn != 0 {
        return Err(ProofVerifyError::ProofTooShort { size: size.0 });
    }
    if !r.ct_eq(root) {
        return Err(ProofVerifyError::RootMismatch { computed: r, expected: *root });
    }
    Ok(())
}

/// Checks that the tree of `from` leaves with root `old_root` is a prefix of the tree of `to`
/// leaves with root `new_root` (RFC 9162 §2.1.4.2, for `0 < from < to`). The RFC defines no
/// proof for the other sizes; here, as in the Go and Java implementations, the proof must then be
/// empty, the empty tree's root must be `H()`, and a tree is consistent only with its own root.
pub fn verify_consistency(
    from: TreeSize,
    to: TreeSize,
    proof: &[TreeHash],
    old_root: &TreeHash,
    new_root: &TreeHash,
) -> Result<(), ProofVerifyError> {
    check_length(proof)?;
    if from.0 > to.0 {
        return Err(ProofVerifyError::SizesReversed { from: from.0, to: to.0 });
    }
    if from.0 == 0 || from.0 == to.0 {
        if !proof.is_empty() {
            return Err(ProofVerifyError::ProofNotEmpty {
                from: from.0,
                to: to.0,
                found: proof.len(),
            });
        }
        if from.0 == 0 {
            let empty = empty_root();
            if !empty.ct_eq(old_root) {
                return Err(ProofVerifyError::OldRootMismatch {
                    size: 0,
                    computed: empty,
                    expected: *old_root,
                });
            }
        }
        if from.0 == to.0 && !old_root.ct_eq(new_root) {
            return Err(ProofVerifyError::SplitView {
                size: from.0,
                first: *old_root,
                second: *new_root,
            });
        }
        return Ok(());
    }
    verify_consistency_path(from.0, to.0, proof, old_root, new_root)
}

/// RFC 9162 §2.1.4.2 steps 1–7, for `0 < first < second`.
fn verify_consistency_path(
    first: u64,
    second: u64,
    consistency_path: &[TreeHash],
    first_hash: &TreeHash,
    second_hash: &TreeHash,
) -> Result<(), ProofVerifyError> {
    // 1. If consistency_path is an empty array, stop and fail the proof verification.
    if consistency_path.is_empty() {
        return Err(ProofVerifyError::ProofEmpty { from: first, to: second });
    }
    // 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
    let prefix = first.is_power_of_two().then_some(first_hash);
    let mut path = prefix.into_iter().chain(consistency_path);
    // 3. Set fn to first - 1 and sn to second - 1.
    let mut fn_ = first - 1;
    let mut sn = second - 1;
    // 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5. Set both fr and sr to the first value in the consistency_path array.
    let Some(head) = path.next() else {
        return Err(ProofVerifyError::ProofEmpty { from: first, to: second });
    };
    let mut fr = *head;
    let mut sr = *head;
    // 6. For each subsequent value c in the consistency_path array:
    for c in path {
        // a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0 {
            return Err(ProofVerifyError::ProofTooLong { size: second });
        }
        // b. If LSB(fn) is set, or if fn is equal to sn, then:
        if fn_ & 1 == 1 || fn_ == sn {
            // i. Set fr to HASH(0x01 || c || fr). Set sr to HASH(0x01 || c || sr).
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            // ii. If LSB(fn) is not set, then right-shift both fn and sn equally until either
            //     LSB(fn) is set or fn is 0.
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            // Otherwise: Set sr to HASH(0x01 || sr || c).
            sr = node_hash(&sr, c);
        }
        // c. Finally, right-shift both fn and sn one time.
        fn_ >>= 1;
        sn >>= 1;
    }
    // 7. Verify that the fr calculated is equal to the first_hash supplied, that the sr
    //    calculated is equal to the second_hash supplied, and that sn is 0.
    if sn != 0 {
        return Err(ProofVerifyError::ProofTooShort { size: second });
    }
    if !fr.ct_eq(first_hash) {
        return Err(ProofVerifyError::OldRootMismatch {
            size: first,
            computed: fr,
            expected: *first_hash,
        });
    }
    if !sr.ct_eq(second_hash) {
        return Err(ProofVerifyError::RootMismatch { computed: sr, expected: *second_hash });
    }
    Ok(())
}

fn check_length(proof: &[TreeHash]) -> Result<(), ProofVerifyError> {
    if proof.len() > PROOF_HASHES_MAX {
        return Err(ProofVerifyError::TooManyHashes { found: proof.len(), max: PROOF_HASHES_MAX });
    }
    Ok(())
}
