//! The room of the Merkle tree over the log (RFC 6962, `proto_events::tlog::tree`): the hash of
//! every complete subtree above the leaves, stored in the tree `ledger` beside the events and
//! written in the same `apply_batch` as the group of events that completes it, so the tree
//! survives a crash exactly as far as the events do.
//!
//! Keys (see `keys`): `t` ‖ level (u8, ≥ 1) ‖ index (u64 BE) → 32 bytes; `s` → the tree's size
//! (u64 BE), equal to the head's seq after every group commit. A leaf (level 0) is not stored: it
//! is `H(0x00 ‖ hash)` of the event's stored hash, one read of the event. So any node is one
//! read, and a proof or a root O(log n) reads; nothing rehashes the log.
//!
//! The writer keeps the `Frontier` (the complete subtrees of the current size) in memory: a group
//! of appends stages its nodes into the group's batch (`stage`) and publishes the new frontier
//! only after the flush (`commit`). Opening a store whose tree is shorter than its log (a store
//! of an earlier build, a restore, a deleted tree) appends the missing leaves from the event
//! hashes before anything is served.

use std::sync::Mutex;

use proto_events::tlog::tile::{TileKind, TilePath, TILE_HEIGHT};
use proto_events::tlog::tree::{self, Frontier, Node, Nodes, ProofError, TreeHash};
use proto_events::tlog::{ConsistencyProof, InclusionProof, LeafIndex, TreeSize};
use proto_events::{Hash, Seq};

use crate::store::{keys, peek, Head, Store, StoreError};

/// Events per sled batch while the tree is rebuilt at open.
const REBUILD_BATCH_EVENTS: u64 = 10_000;

/// The writer's frontier (the store's copy, behind a lock only the writer takes in turn).
pub(crate) struct MerkleState {
    frontier: Mutex<Frontier>,
    /// Leaves appended when the store was opened (0 when the stored tree was whole).
    rebuilt_leaves: u64,
}

/// Why a proof cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum TreeProofError {
    /// A tree size beyond the durable head.
    #[error("в журнале {head} событий: дерева размера {size} ещё нет")]
    SizeBeyondHead {
        /// The size asked for.
        size: u64,
        /// The durable head.
        head: u64,
    },
    /// A seq outside the tree asked for.
    #[error("события №{seq} нет в дереве размера {size} (номера событий — с 1 по размер дерева)")]
    SeqOutsideTree {
        /// The seq asked for.
        seq: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof asked from a larger size to a smaller.
    #[error(
        "доказательство согласованности строится от меньшего размера к большему: {from} > {to}"
    )]
    SizesReversed {
        /// The older size.
        from: u64,
        /// The newer size.
        to: u64,
    },
    /// The store failed, or a stored node is missing or malformed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ProofError<StoreError>> for TreeProofError {
    fn from(error: ProofError<StoreError>) -> Self {
        match error {
            ProofError::LeafBeyondSize { index, size } => {
                TreeProofError::SeqOutsideTree { seq: index.saturating_add(1), size }
            }
            ProofError::SizesReversed { from, to } => TreeProofError::SizesReversed { from, to },
            ProofError::Node { error, .. } => TreeProofError::Store(error),
        }
    }
}

impl Store {
    /// The tree root at `size` (`size ≤` the durable head).
    pub fn tree_root(&self, size: u64) -> Result<TreeHash, TreeProofError> {
        self.check_size(size)?;
        Ok(tree::root(&StoredNodes(&self.inner.tree), TreeSize(size))?)
    }

    /// The inclusion proof of event `seq` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, seq: Seq, size: u64) -> Result<InclusionProof, TreeProofError> {
        self.check_size(size)?;
        if seq.0 == 0 || seq.0 > size {
            return Err(TreeProofError::SeqOutsideTree { seq: seq.0, size });
        }
        let nodes = StoredNodes(&self.inner.tree);
        let index = seq.0 - 1;
        let leaf_hash = nodes.node(Node { level: 0, index })?;
        let hashes = tree::inclusion_proof(&nodes, LeafIndex(index), TreeSize(size))?;
        Ok(InclusionProof { leaf_index: index, tree_size: size, leaf_hash, hashes })
    }

    /// The consistency proof from the tree of `from` leaves to the tree of `to` leaves.
    pub fn consistency_proof(
        &self,
        from: u64,
        to: u64,
    ) -> Result<ConsistencyProof, TreeProofError> {
        self.check_size(to)?;
        if from > to {
            return Err(TreeProofError::SizesReversed { from, to });
        }
        let hashes =
            tree::consistency_proof(&StoredNodes(&self.inner.tree), TreeSize(from), TreeSize(to))?;
        Ok(ConsistencyProof { from, to, hashes })
    }

    /// The bytes of a C2SP tlog-tiles tile or entry bundle, as of the durable head; `None` when
    /// the tree has no such tile yet. A hash tile is its `width` hashes concatenated (the
    /// complete subtrees of level `8·L` from `index·256`), read in one range of stored nodes (of
    /// events at level 0); an entry bundle is each leaf's data (the event's 32-byte stored hash)
    /// with its 16-bit big-endian length.
    pub fn tile(&self, tile: TilePath) -> Result<Option<Vec<u8>>, StoreError> {
        if !tile.exists_at(self.head().seq.0) {
            return Ok(None);
        }
        let width = u64::from(tile.width);
        // `exists_at` checked that the tile's last hash is inside the tree, so no overflow.
        let start = tile.index * u64::from(proto_events::tlog::tile::TILE_WIDTH_MAX);
        let mut bytes = Vec::with_capacity(usize::from(tile.width) * 34);
        let level = match tile.kind {
            TileKind::Entries | TileKind::Hashes { level: 0 } => {
                let first = Seq(start + 1);
                let last = Seq(start + width);
                for item in self.inner.tree.range(keys::event(first)..=keys::event(last)) {
                    let (key, stored) = item?;
                    let hash = peek(Seq(keys::seq_from_event_key(&key)?), &stored)?.hash;
                    match tile.kind {
                        TileKind::Entries => {
                            bytes.extend_from_slice(&32u16.to_be_bytes());
                            bytes.extend_from_slice(&hash.0);
                        }
                        TileKind::Hashes { .. } => {
                            bytes.extend_from_slice(&tree::event_leaf(&hash).0)
                        }
                    }
                }
                0
            }
            TileKind::Hashes { level } => level
                .checked_mul(TILE_HEIGHT)
                .ok_or(StoreError::BadIndex { what: "уровень плитки" })?,
        };
        if level > 0 {
            let first = keys::merkle_node(level, start);
            let last = keys::merkle_node(level, start + width - 1);
            for item in self.inner.tree.range(first..=last) {
                let (_, hash) = item?;
                if hash.len() != 32 {
                    return Err(StoreError::BadIndex {
                        what: "узел дерева Меркла"
                    });
                }
                bytes.extend_from_slice(&hash);
            }
        }
        let per_item = if tile.kind == TileKind::Entries { 34 } else { 32 };
        if bytes.len() != usize::from(tile.width) * per_item {
            return Err(StoreError::BadIndex { what: "плитка дерева Меркла" });
        }
        Ok(Some(bytes))
    }

    /// How many leaves the opening of this store had to add to the stored tree from the event
    /// hashes: 0 unless the tree was missing or short (a store of an earlier build, a restore).
    pub fn merkle_leaves_rebuilt_at_open(&self) -> u64 {
        self.inner.merkle.rebuilt_leaves
    }

    fn check_size(&self, size: u64) -> Result<(), TreeProofError> {
        let head = self.head().seq.0;
        if size > head {
            return Err(TreeProofError::SizeBeyondHead { size, head });
        }
        Ok(())
    }

    /// Stages the tree's nodes completed by a group of events (their hashes in seq order) into
    /// the group's batch, with the new size; returns the frontier to `merkle_commit` once the
    /// batch is durable (the writer).
    pub(crate) fn merkle_stage<'a>(
        &self,
        batch: &mut sled::Batch,
        hashes: impl Iterator<Item = &'a Hash>,
    ) -> Result<Frontier, StoreError> {
        let mut frontier = match self.inner.merkle.frontier.lock() {
            Ok(frontier) => frontier.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for hash in hashes {
            append(&mut frontier, batch, hash)?;
        }
        batch.insert(keys::TREE_SIZE, &frontier.size().0.to_be_bytes()[..]);
        Ok(frontier)
    }

    /// Publishes the frontier of a durable group (the writer, after the flush).
    pub(crate) fn merkle_commit(&self, frontier: Frontier) {
        match self.inner.merkle.frontier.lock() {
            Ok(mut slot) => *slot = frontier,
            Err(poisoned) => *poisoned.into_inner() = frontier,
        }
    }
}

/// Opens the tree of a store whose chain tail was verified: reads its frontier, first appending
/// whatever leaves it lacks up to the head (all of them when it has none). Flushes what it wrote.
pub(crate) fn open(tree: &sled::Tree, head: Head) -> Result<MerkleState, StoreError> {
    let stored_size = match tree.get(keys::TREE_SIZE)? {
        None => 0,
        Some(value) => <[u8; 8]>::try_from(value.as_ref())
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::BadIndex { what: "размер дерева Меркла" })?,
    };
    // A tree longer than the log cannot come from this log's writer: rebuild it all.
    let start = if stored_size > head.seq.0 { 0 } else { stored_size };
    let nodes = StoredNodes(tree);
    let mut frontier = Frontier::read(&nodes, TreeSize(start)).map_err(node_error)?;
    let mut seq = start;
    while seq < head.seq.0 {
        let last = head.seq.0.min(seq.saturating_add(REBUILD_BATCH_EVENTS));
        let mut batch = sled::Batch::default();
        for item in tree.range(keys::event(Seq(seq + 1))..=keys::event(Seq(last))) {
            let (key, stored) = item?;
            let event_seq = keys::seq_from_event_key(&key)?;
            seq = seq
                .checked_add(1)
                .ok_or(StoreError::BadIndex { what: "номер события" })?;
            if event_seq != seq {
                return Err(StoreError::BadIndex {
                    what: "номера событий при сборке дерева Меркла",
                });
            }
            append(&mut frontier, &mut batch, &peek(Seq(seq), &stored)?.hash)?;
        }
        if seq != last {
            return Err(StoreError::BadIndex {
                what: "номера событий при сборке дерева Меркла"
            });
        }
        batch.insert(keys::TREE_SIZE, &frontier.size().0.to_be_bytes()[..]);
        tree.apply_batch(batch)?;
    }
    if seq != stored_size {
        tree.insert(keys::TREE_SIZE, &seq.to_be_bytes()[..])?;
        tree.flush()?;
    }
    Ok(MerkleState { frontier: Mutex::new(frontier), rebuilt_leaves: seq - start })
}

/// The stored nodes: level 0 from the event's stored hash, the others from their keys.
struct StoredNodes<'a>(&'a sled::Tree);

impl Nodes for StoredNodes<'_> {
    type Error = StoreError;

    fn node(&self, node: Node) -> Result<TreeHash, StoreError> {
        if node.level == 0 {
            let seq = Seq(node.index.saturating_add(1));
            let stored = self.0.get(keys::event(seq))?.ok_or(StoreError::BadIndex {
                what: "событие, лист дерева Меркла",
            })?;
            return Ok(tree::event_leaf(&peek(seq, &stored)?.hash));
        }
        let value = self.0.get(keys::merkle_node(node.level, node.index))?;
        value
            .and_then(|value| <[u8; 32]>::try_from(value.as_ref()).ok())
            .map(TreeHash)
            .ok_or(StoreError::BadIndex { what: "узел дерева Меркла" })
    }
}

fn append(frontier: &mut Frontier, batch: &mut sled::Batch, hash: &Hash) -> Result<(), StoreError> {
    frontier
        .append(tree::event_leaf(hash), |node, hash| {
            if node.level > 0 {
                batch.insert(&keys::merkle_node(node.level, node.index)[..], &hash.0[..]);
            }
        })
        .map_err(|_| StoreError::BadIndex { what: "размер дерева Меркла" })
}

fn node_error(error: ProofError<StoreError>) -> StoreError {
    match error {
        ProofError::Node { error, .. } => error,
        _ => StoreError::BadIndex { what: "дерево Меркла" },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proto_events::tlog::tree::MemoryTree;
    use proto_events::{Actor, ActorRole, Date, Effective, NewEvent, StreamName};

    use crate::store::{keys, AppendRequest, Ledger, NoGate, Store, StoreError, SystemClock};

    use super::*;

    fn append_groups(store: &Store, groups: &[usize]) {
        let ledger = Ledger::start(store.clone(), Box::new(NoGate), Arc::new(SystemClock));
        for (group, events) in groups.iter().enumerate() {
            let events = (0..*events)
                .map(|n| NewEvent {
                    id: None,
                    stream: StreamName::new(format!("teacher/t-{group}-{n}")).unwrap(),
                    kind: "test_fact".into(),
                    schema_version: 1,
                    effective: Effective::Date(Date::from_ymd(2024, 12, 20).unwrap()),
                    actor: Actor { role: ActorRole::Operator, id: "tok-test".into() },
                    basis: None,
                    payload: vec![group as u8, n as u8],
                })
                .collect();
            ledger.append_blocking(AppendRequest::new(events)).unwrap();
        }
        ledger.shutdown();
    }

    /// Reopens a dropped store (sled's lock can trail the drop of its last handle a moment).
    fn reopen(dir: &std::path::Path) -> Store {
        for _ in 0..200 {
            match Store::open(dir) {
                Err(StoreError::Locked { .. }) => {
                    std::thread::sleep(std::time::Duration::from_millis(10))
                }
                result => return result.unwrap(),
            }
        }
        panic!("the store stayed locked")
    }

    /// The tree recomputed from the event hashes alone.
    fn recomputed(store: &Store) -> MemoryTree {
        let mut memory = MemoryTree::new();
        for event in store.range(Seq(1), store.head().seq) {
            memory.push(tree::event_leaf(&event.unwrap().hash)).unwrap();
        }
        memory
    }

    fn check_against_recomputation(store: &Store) {
        let memory = recomputed(store);
        let head = store.head().seq.0;
        for size in 0..=head {
            let root = tree::root(&memory, TreeSize(size)).unwrap();
            assert_eq!(store.tree_root(size).unwrap(), root, "root at {size}");
            for seq in 1..=size {
                let proof = store.inclusion_proof(Seq(seq), size).unwrap();
                proof.verify(&root).unwrap();
            }
            for from in 0..=size {
                let proof = store.consistency_proof(from, size).unwrap();
                let old = tree::root(&memory, TreeSize(from)).unwrap();
                proof.verify(&old, &root).unwrap();
            }
        }
    }

    #[test]
    fn the_stored_tree_is_the_tree_of_the_event_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        append_groups(&store, &[1, 2, 5, 1, 8, 3]);
        check_against_recomputation(&store);
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.merkle_leaves_rebuilt_at_open(), 0);
        check_against_recomputation(&store);
        // Appends after a reopen continue from the stored frontier.
        append_groups(&store, &[4, 1]);
        check_against_recomputation(&store);
    }

    #[test]
    fn a_missing_or_short_tree_is_rebuilt_from_the_event_hashes_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        append_groups(&store, &[7, 6]);
        let root = store.tree_root(13).unwrap();
        // A store of an earlier build: no tree at all.
        for key in store.inner.tree.scan_prefix([keys::MERKLE_NODE_PREFIX]).keys() {
            store.inner.tree.remove(key.unwrap()).unwrap();
        }
        store.inner.tree.remove(keys::TREE_SIZE).unwrap();
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.merkle_leaves_rebuilt_at_open(), 13);
        assert_eq!(store.tree_root(13).unwrap(), root);
        // A tree shorter than the log (events appended by an earlier build): the rest is added.
        store.inner.tree.insert(keys::TREE_SIZE, &7u64.to_be_bytes()[..]).unwrap();
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.merkle_leaves_rebuilt_at_open(), 6);
        check_against_recomputation(&store);
    }

    #[test]
    fn proofs_beyond_the_head_or_outside_the_tree_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        append_groups(&store, &[3]);
        assert!(matches!(
            store.inclusion_proof(Seq(1), 4),
            Err(TreeProofError::SizeBeyondHead { size: 4, head: 3 })
        ));
        assert!(matches!(
            store.inclusion_proof(Seq(3), 2),
            Err(TreeProofError::SeqOutsideTree { seq: 3, size: 2 })
        ));
        assert!(matches!(
            store.inclusion_proof(Seq(0), 2),
            Err(TreeProofError::SeqOutsideTree { seq: 0, size: 2 })
        ));
        assert!(matches!(
            store.consistency_proof(3, 2),
            Err(TreeProofError::SizesReversed { from: 3, to: 2 })
        ));
        assert!(matches!(store.tree_root(4), Err(TreeProofError::SizeBeyondHead { .. })));
    }
}
