//! The Merkle tree over the log, exactly RFC 6962 / RFC 9162 §2.1: SHA-256, leaf
//! `H(0x00 ‖ data)`, interior node `H(0x01 ‖ left ‖ right)`, the empty tree `H()`; one leaf per
//! event in seq order, the leaf data being the event's stored (blake3) hash.
//!
//! Proofs are built from the hashes of complete subtrees (`Node`: a level and an index, the
//! `2^level` leaves from `index << level`), which never change once the log has grown past them,
//! so a store keeps each one once and answers any proof (inclusion at any size, consistency between
//! any two sizes) with O(log n) reads through `Nodes`, never rehashing the log. A tree of any size
//! is the complete subtrees of its size's binary decomposition (`Frontier`), so the roots of
//! incomplete ranges are folded from those.

use std::fmt;

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::hash::Hash;

/// Prefix of a leaf's hash input (RFC 6962 §2.1).
pub const LEAF_PREFIX: u8 = 0x00;
/// Prefix of an interior node's hash input (RFC 6962 §2.1).
pub const NODE_PREFIX: u8 = 0x01;
/// Levels of complete subtrees in a tree of at most `u64::MAX` leaves.
pub const LEVELS_MAX: u8 = 64;

/// A hash of the tree (a leaf, an interior node or a root): SHA-256, 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TreeHash(pub [u8; 32]);

impl TreeHash {
    /// Compares in constant time; use for hashes that come from outside.
    pub fn ct_eq(&self, other: &TreeHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    /// Standard base64 with padding (RFC 4648 §4), as checkpoints and proofs write it.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// Parses standard base64 of exactly 32 bytes (canonical padding and trailing bits).
    pub fn from_base64(text: &str) -> Option<TreeHash> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(text).ok()?;
        <[u8; 32]>::try_from(bytes.as_slice()).ok().map(TreeHash)
    }

    /// Lowercase hex (the same digits as `Hash::to_hex`).
    pub fn to_hex(&self) -> String {
        Hash(self.0).to_hex()
    }
}

impl serde::Serialize for TreeHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for TreeHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TreeHash, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        TreeHash::from_base64(&text)
            .ok_or_else(|| serde::de::Error::custom("expected standard base64 of 32 bytes"))
    }
}

impl fmt::Debug for TreeHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "TreeHash({})", self.to_hex())
    }
}

impl fmt::Display for TreeHash {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.to_base64())
    }
}

/// The 0-based index of a leaf: the event with seq `s` is leaf `s - 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LeafIndex(pub u64);

/// The number of leaves of a tree: the tree of the log up to seq `s` has size `s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TreeSize(pub u64);

/// A complete subtree: the `2^level` leaves from `index << level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Node {
    /// Height above the leaves (0: a leaf).
    pub level: u8,
    /// Position among the nodes of its level.
    pub index: u64,
}

/// `H(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> TreeHash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(data);
    TreeHash(hasher.finalize().into())
}

/// The leaf of an event: `H(0x00 ‖ stored event hash)`.
pub fn event_leaf(hash: &Hash) -> TreeHash {
    leaf_hash(&hash.0)
}

/// `H(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &TreeHash, right: &TreeHash) -> TreeHash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left.0);
    hasher.update(right.0);
    TreeHash(hasher.finalize().into())
}

/// The root of the empty tree, `H()` (RFC 9162 §2.1.1).
pub fn empty_root() -> TreeHash {
    TreeHash(Sha256::digest([]).into())
}

/// Where proofs read the hashes of complete subtrees (a store, or `MemoryTree`).
pub trait Nodes {
    /// Why a node could not be read.
    type Error;

    /// The hash of a complete subtree; asked only for nodes inside the tree being proven.
    fn node(&self, node: Node) -> Result<TreeHash, Self::Error>;
}

/// A proof asked for what the tree cannot prove, or a node that could not be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError<E> {
    /// The leaf is not in a tree of that size.
    #[error("leaf {index} is not in a tree of {size} leaves")]
    LeafBeyondSize {
        /// The leaf asked for.
        index: u64,
        /// The tree size asked for.
        size: u64,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("no consistency proof from size {from} to the smaller size {to}")]
    SizesReversed {
        /// The older size.
        from: u64,
        /// The newer size.
        to: u64,
    },
    /// The store could not give a node.
    #[error("reading node {node:?}: {error}")]
    Node {
        /// The node.
        node: Node,
        /// What the store said.
        error: E,
    },
}

/// The root of the tree of `size` leaves: `MTH(D[0:size])`.
pub fn root<N: Nodes>(nodes: &N, size: TreeSize) -> Result<TreeHash, ProofError<N::Error>> {
    range_hash(nodes, 0, size.0)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves: `PATH(index, D[0:size])` of
/// RFC 9162 §2.1.3.1, from the leaf's sibling up to the root's child.
pub fn inclusion_proof<N: Nodes>(
    nodes: &N,
    index: LeafIndex,
    size: TreeSize,
) -> Result<Vec<TreeHash>, ProofError<N::Error>> {
    if index.0 >= size.0 {
        return Err(ProofError::LeafBeyondSize { index: index.0, size: size.0 });
    }
    let mut proof = Vec::new();
    path(nodes, index.0, 0, size.0, &mut proof)?;
    Ok(proof)
}

/// The consistency proof from the tree of `from` leaves to the tree of `to` leaves:
/// `PROOF(from, D[0:to])` of RFC 9162 §2.1.4.1; empty when `from` is 0 or equals `to` (the empty
/// tree and a tree itself are prefixes of a tree without any proof).
pub fn consistency_proof<N: Nodes>(
    nodes: &N,
    from: TreeSize,
    to: TreeSize,
) -> Result<Vec<TreeHash>, ProofError<N::Error>> {
    if from.0 > to.0 {
        return Err(ProofError::SizesReversed { from: from.0, to: to.0 });
    }
    let mut proof = Vec::new();
    if from.0 > 0 && from.0 < to.0 {
        subproof(nodes, from.0, 0, to.0, true, &mut proof)?;
    }
    Ok(proof)
}

/// The roots of the complete subtrees of a tree (its size's binary decomposition, largest
/// first): enough to append a leaf, to know every node the append completes and to compute the
/// root, without reading anything else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// One hash per set bit of `size`, from the highest bit down.
    roots: Vec<TreeHash>,
}

/// The tree holds `u64::MAX` leaves already.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the tree is full ({} leaves)", u64::MAX)]
pub struct TreeFull;

impl Frontier {
    /// The frontier of the empty tree.
    pub fn empty() -> Frontier {
        Frontier { size: 0, roots: Vec::new() }
    }

    /// The frontier of the tree of `size` leaves, read from `nodes` (one read per set bit).
    pub fn read<N: Nodes>(nodes: &N, size: TreeSize) -> Result<Frontier, ProofError<N::Error>> {
        let roots = decomposition(0, size.0)
            .map(|node| read_node(nodes, node))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Frontier { size: size.0, roots })
    }

    /// The number of leaves.
    pub fn size(&self) -> TreeSize {
        TreeSize(self.size)
    }

    /// The root of the tree (`empty_root` when it has no leaf).
    pub fn root(&self) -> TreeHash {
        let mut roots = self.roots.iter().rev();
        let Some(last) = roots.next() else {
            return empty_root();
        };
        roots.fold(*last, |right, left| node_hash(left, &right))
    }

    /// Appends a leaf hash; `completed` is told every complete subtree the leaf completes, the
    /// leaf itself first, then each parent up.
    pub fn append(
        &mut self,
        leaf: TreeHash,
        mut completed: impl FnMut(Node, &TreeHash),
    ) -> Result<(), TreeFull> {
        let index = self.size;
        let next = index.checked_add(1).ok_or(TreeFull)?;
        let mut hash = leaf;
        completed(Node { level: 0, index }, &hash);
        let mut level = 0u8;
        // Each trailing one bit of the old size is a complete subtree that the new leaf's subtree
        // now pairs with.
        while (index >> level) & 1 == 1 {
            let Some(left) = self.roots.pop() else {
                break;
            };
            hash = node_hash(&left, &hash);
            level += 1;
            completed(Node { level, index: index >> level }, &hash);
        }
        self.roots.push(hash);
        self.size = next;
        Ok(())
    }
}

/// Every complete subtree of a tree held in memory (tests, offline tools): all levels kept.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of `Node { level: l, index: i }`.
    levels: Vec<Vec<TreeHash>>,
    frontier: Frontier,
}

/// A node `MemoryTree` does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no node at level {} index {}", .0.level, .0.index)]
pub struct MissingNode(pub Node);

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: TreeHash) -> Result<(), TreeFull> {
        let frontier = &mut self.frontier;
        let levels = &mut self.levels;
        frontier.append(leaf, |node, hash| {
            let level = usize::from(node.level);
            if levels.len() <= level {
                levels.resize_with(level + 1, Vec::new);
            }
            if let Some(row) = levels.get_mut(level) {
                row.push(*hash);
            }
        })
    }

    /// The number of leaves.
    pub fn size(&self) -> TreeSize {
        self.frontier.size()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> TreeHash {
        self.frontier.root()
    }
}

impl Nodes for MemoryTree {
    type Error = MissingNode;

    fn node(&self, node: Node) -> Result<TreeHash, MissingNode> {
        usize::try_from(node.index)
            .ok()
            .and_then(|index| self.levels.get(usize::from(node.level))?.get(index))
            .copied()
            .ok_or(MissingNode(node))
    }
}

/// The largest power of two strictly below `n` (`n ≥ 2`).
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The complete subtrees covering `[start, start + length)`, largest first; `start` must be a
/// multiple of the largest of them (true of every range the proofs ask for).
fn decomposition(start: u64, length: u64) -> impl Iterator<Item = Node> {
    let mut offset = start;
    (0..LEVELS_MAX).rev().filter_map(move |level| {
        let width = 1u64.checked_shl(u32::from(level))?;
        if length & width == 0 {
            return None;
        }
        let node = Node { level, index: offset >> level };
        offset = offset.wrapping_add(width);
        Some(node)
    })
}

fn read_node<N: Nodes>(nodes: &N, node: Node) -> Result<TreeHash, ProofError<N::Error>> {
    nodes.node(node).map_err(|error| ProofError::Node { node, error })
}

/// `MTH(D[start : start + length])`, from the complete subtrees of the range.
fn range_hash<N: Nodes>(
    nodes: &N,
    start: u64,
    length: u64,
) -> Result<TreeHash, ProofError<N::Error>> {
    let parts = decomposition(start, length)
        .map(|node| read_node(nodes, node))
        .collect::<Result<Vec<_>, _>>()?;
    let mut parts = parts.into_iter().rev();
    let Some(last) = parts.next() else {
        return Ok(empty_root());
    };
    Ok(parts.fold(last, |right, left| node_hash(&left, &right)))
}

/// `PATH(m, D[start : start + n])`, appended to `proof` (RFC 9162 §2.1.3.1).
fn path<N: Nodes>(
    nodes: &N,
    m: u64,
    start: u64,
    n: u64,
    proof: &mut Vec<TreeHash>,
) -> Result<(), ProofError<N::Error>> {
    if n <= 1 {
        return Ok(());
    }
    let k = split_point(n);
    if m < k {
        path(nodes, m, start, k, proof)?;
        proof.push(range_hash(nodes, start + k, n - k)?);
    } else {
        path(nodes, m - k, start + k, n - k, proof)?;
        proof.push(range_hash(nodes, start, k)?);
    }
    Ok(())
}

/// `SUBPROOF(m, D[start : start + n], b)`, appended to `proof` (RFC 9162 §2.1.4.1).
fn subproof<N: Nodes>(
    nodes: &N,
    m: u64,
    start: u64,
    n: u64,
    whole: bool,
    proof: &mut Vec<TreeHash>,
) -> Result<(), ProofError<N::Error>> {
    if m == n {
        if !whole {
            proof.push(range_hash(nodes, start, n)?);
        }
        return Ok(());
    }
    let k = split_point(n);
    if m <= k {
        subproof(nodes, m, start, k, whole, proof)?;
        proof.push(range_hash(nodes, start + k, n - k)?);
    } else {
        subproof(nodes, m - k, start + k, n - k, false, proof)?;
        proof.push(range_hash(nodes, start, k)?);
    }
    Ok(())
}
