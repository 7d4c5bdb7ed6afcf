//! The room of the Merkle tree over the log (RFC 6962, `proto_events::tlog::tree`), stored as
//! C2SP tlog-tiles: the hashes of tree levels 0, 8, 16… kept 256 to a sled value in the tree
//! `ledger` beside the events, and written in the same `apply_batch` as the group of events that
//! fills them, so the tree survives a crash exactly as far as the events do.
//!
//! Keys (see `keys`): `T` ‖ tile level (u8) ‖ tile index (u64 BE) → the tile's hashes so far
//! (32 bytes each: a full tile 256 of them, the partial right-edge tile of each level fewer);
//! `s` → the tree's size (u64 BE), equal to the head's seq after every group commit. A tile
//! value only grows, and only by whole hashes, so its first `W` hashes are the tile of width `W`
//! at every size that has it: a past size reads the same keys as the head. A complete subtree at
//! level `8·L + r` is the root of `2^r` consecutive hashes of one tile of level `L`, hashed from
//! them when read (at most 127 SHA-256), so any node is one read and a proof or a root O(log n)
//! reads; nothing rehashes the log.
//!
//! The writer keeps the `Edge` (the frontier of complete subtrees and the partial tile of each
//! level) in memory: a group of appends stages the tiles it fills, each partial tile it changed
//! and the new size into the group's batch (`merkle_stage`) and publishes the new edge only
//! after the flush (`merkle_commit`), so a commit reads nothing back. Opening a store whose tree
//! is shorter than its log (a restore, a layout-2 store whose per-node tree was dropped, a
//! deleted tree) appends the missing leaves from the event hashes before anything is served.

use std::cell::RefCell;
use std::sync::Mutex;

use proto_events::tlog::tile::{TileKind, TilePath, TILE_HEIGHT, TILE_WIDTH_MAX};
use proto_events::tlog::tree::{self, Frontier, Node, Nodes, ProofError, TreeHash};
use proto_events::tlog::{ConsistencyProof, InclusionProof, LeafIndex, TreeSize};
use proto_events::{Hash, Seq};

use crate::store::{keys, peek, Head, Store, StoreError};

/// Events per sled batch while the tree is rebuilt at open.
const REBUILD_BATCH_EVENTS: u64 = 10_000;
/// Keys per sled batch while tiles or the nodes of layout 2 are removed.
const REMOVE_BATCH_KEYS: usize = 10_000;
/// Tile levels of a tree of at most `u64::MAX` leaves (tree levels 0, 8, … 56).
const TILE_LEVELS: usize = 8;
/// Bytes of a hash in a tile.
const HASH_BYTES: usize = 32;
/// Bytes of a full tile.
const TILE_BYTES: usize = TILE_WIDTH_MAX as usize * HASH_BYTES;
/// Tiles a proof's reader keeps at hand: a proof reads a few nodes from each tile on its path.
const READ_CACHE_TILES: usize = 16;

/// The writer's edge (the store's copy, behind a lock only the writer takes in turn).
pub(crate) struct MerkleState {
    edge: Mutex<Edge>,
    /// Leaves appended when the store was opened (0 when the stored tree was whole).
    rebuilt_leaves: u64,
}

/// The right edge of the stored tree, all a group commit needs to extend it: the frontier (the
/// complete subtrees of the size's binary decomposition) and, per tile level, the hashes of its
/// partial tile (fewer than 256; empty when the level's last tile is full or there is none).
#[derive(Clone, Debug, Default)]
pub(crate) struct Edge {
    frontier: Frontier,
    /// `partial[L]`: the hashes of tree level `8·L` after the last full tile of level `L`.
    partial: Vec<Vec<u8>>,
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
    /// The store failed, or a stored tile is missing or malformed.
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
        Ok(tree::root(&StoredTiles::new(&self.inner.tree), TreeSize(size))?)
    }

    /// The inclusion proof of event `seq` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, seq: Seq, size: u64) -> Result<InclusionProof, TreeProofError> {
        self.check_size(size)?;
        if seq.0 == 0 || seq.0 > size {
            return Err(TreeProofError::SeqOutsideTree { seq: seq.0, size });
        }
        let nodes = StoredTiles::new(&self.inner.tree);
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
        let nodes = StoredTiles::new(&self.inner.tree);
        let hashes = tree::consistency_proof(&nodes, TreeSize(from), TreeSize(to))?;
        Ok(ConsistencyProof { from, to, hashes })
    }

    /// The bytes of a C2SP tlog-tiles tile or entry bundle, as of the durable head; `None` when
    /// the tree has no such tile yet. A hash tile is the first `width` hashes of the stored tile
    /// (one read); an entry bundle is each leaf's data (the event's 32-byte stored hash) with its
    /// 16-bit big-endian length, read from the events.
    pub fn tile(&self, tile: TilePath) -> Result<Option<Vec<u8>>, StoreError> {
        if !tile.exists_at(self.head().seq.0) {
            return Ok(None);
        }
        let width = usize::from(tile.width);
        let bad = || StoreError::BadIndex { what: "плитка дерева Меркла" };
        let level = match tile.kind {
            TileKind::Hashes { level } => level,
            TileKind::Entries => return self.entry_bundle(tile).map(Some),
        };
        let stored = self.inner.tree.get(keys::tile(level, tile.index))?.ok_or_else(bad)?;
        let bytes = stored.get(..width * HASH_BYTES).ok_or_else(bad)?;
        Ok(Some(bytes.to_vec()))
    }

    /// How many leaves the opening of this store had to add to the stored tree from the event
    /// hashes: 0 unless the tree was missing or short (a layout-2 store, a restore).
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

    /// An entry bundle (see `tile`), whose existence at the head was checked.
    fn entry_bundle(&self, tile: TilePath) -> Result<Vec<u8>, StoreError> {
        let start = tile.index * u64::from(TILE_WIDTH_MAX);
        let first = Seq(start + 1);
        let last = Seq(start + u64::from(tile.width));
        let mut bytes = Vec::with_capacity(usize::from(tile.width) * (2 + HASH_BYTES));
        for item in self.inner.tree.range(keys::event(first)..=keys::event(last)) {
            let (key, stored) = item?;
            let hash = peek(Seq(keys::seq_from_event_key(&key)?), &stored)?.hash;
            bytes.extend_from_slice(&32u16.to_be_bytes());
            bytes.extend_from_slice(&hash.0);
        }
        if bytes.len() != usize::from(tile.width) * (2 + HASH_BYTES) {
            return Err(StoreError::BadIndex {
                what: "пакет записей дерева Меркла"
            });
        }
        Ok(bytes)
    }

    /// Stages the tiles a group of events (their hashes in seq order) fills, the partial tiles it
    /// changes and the new size into the group's batch; returns the edge to `merkle_commit` once
    /// the batch is durable (the writer).
    pub(crate) fn merkle_stage<'a>(
        &self,
        batch: &mut sled::Batch,
        hashes: impl Iterator<Item = &'a Hash>,
    ) -> Result<Edge, StoreError> {
        let mut edge = match self.inner.merkle.edge.lock() {
            Ok(edge) => edge.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        edge.stage(batch, hashes)?;
        Ok(edge)
    }

    /// Publishes the edge of a durable group (the writer, after the flush).
    pub(crate) fn merkle_commit(&self, edge: Edge) {
        match self.inner.merkle.edge.lock() {
            Ok(mut slot) => *slot = edge,
            Err(poisoned) => *poisoned.into_inner() = edge,
        }
    }
}

impl Edge {
    /// The edge of the stored tree of `size` leaves: its frontier and its partial tiles.
    fn read(tree: &sled::Tree, size: u64) -> Result<Edge, StoreError> {
        let frontier =
            Frontier::read(&StoredTiles::new(tree), TreeSize(size)).map_err(node_error)?;
        let mut partial = Vec::new();
        for level in 0..TILE_LEVELS {
            let count = size >> (usize::from(TILE_HEIGHT) * level);
            if count == 0 {
                break;
            }
            let width = usize::try_from(count % u64::from(TILE_WIDTH_MAX)).map_err(|_| {
                StoreError::BadIndex { what: "плитка дерева Меркла" }
            })?;
            let mut bytes = Vec::with_capacity(TILE_BYTES);
            if width > 0 {
                let key = keys::tile(tile_level(level)?, count / u64::from(TILE_WIDTH_MAX));
                let stored = tree.get(key)?;
                let hashes = stored.as_ref().and_then(|stored| stored.get(..width * HASH_BYTES));
                bytes.extend_from_slice(hashes.ok_or(StoreError::BadIndex {
                    what: "плитка дерева Меркла",
                })?);
            }
            partial.push(bytes);
        }
        Ok(Edge { frontier, partial })
    }

    /// Appends the leaves of `hashes` (events' stored hashes in seq order) and stages into
    /// `batch` every tile they fill, every partial tile they change (once, as it stands at the
    /// end) and the new size.
    fn stage<'a>(
        &mut self,
        batch: &mut sled::Batch,
        hashes: impl Iterator<Item = &'a Hash>,
    ) -> Result<(), StoreError> {
        let mut changed = [false; TILE_LEVELS];
        let mut overflow = false;
        for hash in hashes {
            let partial = &mut self.partial;
            let full = self.frontier.append(tree::event_leaf(hash), |node, hash| {
                if node.level % TILE_HEIGHT != 0 {
                    return;
                }
                let level = usize::from(node.level / TILE_HEIGHT);
                if partial.len() <= level {
                    partial.resize_with(level + 1, || Vec::with_capacity(TILE_BYTES));
                }
                let (Some(bytes), Some(changed)) = (partial.get_mut(level), changed.get_mut(level))
                else {
                    overflow = true;
                    return;
                };
                bytes.extend_from_slice(&hash.0);
                *changed = bytes.len() < TILE_BYTES;
                if bytes.len() == TILE_BYTES {
                    batch.insert(
                        &keys::tile(node.level / TILE_HEIGHT, node.index >> TILE_HEIGHT)[..],
                        bytes.as_slice(),
                    );
                    bytes.clear();
                }
            });
            if full.is_err() || overflow {
                return Err(StoreError::BadIndex {
                    what: "размер дерева Меркла"
                });
            }
        }
        let size = self.frontier.size().0;
        for (level, bytes) in self.partial.iter().enumerate() {
            if changed.get(level) == Some(&true) {
                let count = size >> (usize::from(TILE_HEIGHT) * level);
                let key = keys::tile(tile_level(level)?, count / u64::from(TILE_WIDTH_MAX));
                batch.insert(&key[..], bytes.as_slice());
            }
        }
        batch.insert(keys::TREE_SIZE, &size.to_be_bytes()[..]);
        Ok(())
    }
}

/// Opens the tree of a store whose chain tail was verified: reads its edge, first appending
/// whatever leaves it lacks up to the head (all of them when it has none, or when its edge does
/// not read back: the tree is derived from the event hashes, which were just verified). Flushes
/// what it wrote.
pub(crate) fn open(tree: &sled::Tree, head: Head) -> Result<MerkleState, StoreError> {
    let stored_size = match tree.get(keys::TREE_SIZE)? {
        None => 0,
        Some(value) => <[u8; 8]>::try_from(value.as_ref())
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::BadIndex { what: "размер дерева Меркла" })?,
    };
    // A tree longer than the log cannot come from this log's writer: rebuild it all.
    let mut start = if stored_size > head.seq.0 { 0 } else { stored_size };
    let mut edge = match Edge::read(tree, start) {
        Ok(edge) => edge,
        Err(_) if start > 0 => {
            start = 0;
            Edge::default()
        }
        Err(error) => return Err(error),
    };
    if start == 0 {
        // A whole rebuild starts from no tile: nothing of another tree stays beside the new one.
        remove_prefix(tree, keys::TILE_PREFIX)?;
    }
    let mut seq = start;
    while seq < head.seq.0 {
        let last = head.seq.0.min(seq.saturating_add(REBUILD_BATCH_EVENTS));
        let mut hashes = Vec::new();
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
            hashes.push(peek(Seq(seq), &stored)?.hash);
        }
        if seq != last {
            return Err(StoreError::BadIndex {
                what: "номера событий при сборке дерева Меркла"
            });
        }
        let mut batch = sled::Batch::default();
        edge.stage(&mut batch, hashes.iter())?;
        tree.apply_batch(batch)?;
    }
    if seq != start || seq != stored_size {
        tree.insert(keys::TREE_SIZE, &seq.to_be_bytes()[..])?;
        tree.flush()?;
    }
    Ok(MerkleState { edge: Mutex::new(edge), rebuilt_leaves: seq - start })
}

/// Removes the tree of layout 2 (one key per node above the leaves, prefix `t`) and its size,
/// so that `open` rebuilds the tree as tiles from the event hashes. Idempotent: a crash in the
/// middle leaves the layout record at 2, and the next open removes the rest.
pub(crate) fn remove_node_layout(tree: &sled::Tree) -> Result<(), StoreError> {
    remove_prefix(tree, keys::LEGACY_MERKLE_NODE_PREFIX)?;
    tree.remove(keys::TREE_SIZE)?;
    Ok(())
}

/// The hashes of complete subtrees read from the stored tiles; keeps the last few tiles read,
/// since a proof reads several nodes of each tile on its path.
struct StoredTiles<'a> {
    tree: &'a sled::Tree,
    read: RefCell<Vec<([u8; 10], sled::IVec)>>,
}

impl<'a> StoredTiles<'a> {
    fn new(tree: &'a sled::Tree) -> StoredTiles<'a> {
        StoredTiles { tree, read: RefCell::new(Vec::new()) }
    }

    fn tile(&self, key: [u8; 10]) -> Result<sled::IVec, StoreError> {
        if let Some((_, value)) = self.read.borrow().iter().find(|(read, _)| *read == key) {
            return Ok(value.clone());
        }
        let value = self
            .tree
            .get(key)?
            .ok_or(StoreError::BadIndex { what: "плитка дерева Меркла" })?;
        let mut read = self.read.borrow_mut();
        if read.len() == READ_CACHE_TILES {
            read.remove(0);
        }
        read.push((key, value.clone()));
        Ok(value)
    }
}

impl Nodes for StoredTiles<'_> {
    type Error = StoreError;

    /// The node at level `8·L + r` is the root of `2^r` consecutive hashes of a tile of level
    /// `L`, which hold the same `2^(8·L + r)` leaves.
    fn node(&self, node: Node) -> Result<TreeHash, StoreError> {
        let bad = || StoreError::BadIndex { what: "плитка дерева Меркла" };
        let height = node.level % TILE_HEIGHT;
        let count = 1u64 << height;
        let first = node.index.checked_mul(count).ok_or_else(bad)?;
        let position = usize::try_from(first % u64::from(TILE_WIDTH_MAX)).map_err(|_| bad())?;
        let tile = self.tile(keys::tile(node.level / TILE_HEIGHT, first >> TILE_HEIGHT))?;
        let end = position + (1usize << height);
        let hashes = tile.get(position * HASH_BYTES..end * HASH_BYTES).ok_or_else(bad)?;
        Ok(subtree_root(hashes))
    }
}

/// The root of the complete subtree over `hashes` (a power of two of them, 32 bytes each, as
/// `StoredTiles` cuts them from a tile), hashed pairwise level by level.
fn subtree_root(hashes: &[u8]) -> TreeHash {
    let mut level: Vec<TreeHash> = hashes
        .chunks_exact(HASH_BYTES)
        .filter_map(|hash| <[u8; 32]>::try_from(hash).ok().map(TreeHash))
        .collect();
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [left, right] => Some(tree::node_hash(left, right)),
                _ => None,
            })
            .collect();
    }
    level.first().copied().unwrap_or_else(tree::empty_root)
}

/// A tile level (`0..TILE_LEVELS`) as the byte of its key.
fn tile_level(level: usize) -> Result<u8, StoreError> {
    u8::try_from(level).map_err(|_| StoreError::BadIndex { what: "уровень плитки" })
}

/// Removes every key of the ledger tree starting with `prefix`, in batches.
fn remove_prefix(tree: &sled::Tree, prefix: u8) -> Result<(), StoreError> {
    loop {
        let mut batch = sled::Batch::default();
        let mut removed = 0usize;
        for key in tree.scan_prefix([prefix]).keys().take(REMOVE_BATCH_KEYS) {
            batch.remove(key?);
            removed += 1;
        }
        if removed == 0 {
            return Ok(());
        }
        tree.apply_batch(batch)?;
    }
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
    use crate::store::{STORE_LAYOUT_VERSION, STORE_LAYOUT_VERSION_MERKLE_NODES};

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

    /// Every root, inclusion proof and consistency proof of every size up to the head.
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
        check_tiles(store, &memory);
    }

    /// Every stored tile at the head holds exactly the hashes of the recomputed tree, and no
    /// tile key lies beyond the head's tiles.
    fn check_tiles(store: &Store, memory: &MemoryTree) {
        let head = store.head().seq.0;
        let mut expected_keys = 0usize;
        for level in 0..TILE_LEVELS as u8 {
            let count = head >> (8 * u32::from(level));
            if count == 0 {
                break;
            }
            for index in 0..count.div_ceil(256) {
                let width = (count - index * 256).min(256);
                let mut expected = Vec::new();
                for n in 0..width {
                    let node = Node { level: level * 8, index: index * 256 + n };
                    expected.extend_from_slice(&memory.node(node).unwrap().0);
                }
                let stored = store.inner.tree.get(keys::tile(level, index)).unwrap().unwrap();
                assert_eq!(stored.as_ref(), expected.as_slice(), "tile {level}/{index}");
                expected_keys += 1;
            }
        }
        assert_eq!(store.inner.tree.scan_prefix([keys::TILE_PREFIX]).count(), expected_keys);
        assert_eq!(store.inner.tree.scan_prefix([keys::LEGACY_MERKLE_NODE_PREFIX]).count(), 0);
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
        // Appends after a reopen continue from the stored edge.
        append_groups(&store, &[4, 1]);
        check_against_recomputation(&store);
    }

    #[test]
    fn tiles_fill_and_roll_over_across_group_commits_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // A tile filled exactly by one group, by the first event of the next, by a group that
        // spans two tiles, and the first hashes of tile level 1 (one per 256 leaves).
        append_groups(&store, &[255, 1, 256, 3, 300]);
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.merkle_leaves_rebuilt_at_open(), 0);
        append_groups(&store, &[1, 700]);
        let memory = recomputed(&store);
        check_tiles(&store, &memory);
        let head = store.head().seq.0;
        assert_eq!(head, 1516);
        let sizes: Vec<u64> = (0..=head)
            .filter(|size| size % 37 == 0 || (size % 256) < 2 || size % 256 == 255)
            .collect();
        for &size in &sizes {
            let root = tree::root(&memory, TreeSize(size)).unwrap();
            assert_eq!(store.tree_root(size).unwrap(), root, "root at {size}");
            for seq in (1..=size).step_by(97).chain([size]).filter(|seq| *seq > 0) {
                store.inclusion_proof(Seq(seq), size).unwrap().verify(&root).unwrap();
            }
            for &from in sizes.iter().filter(|from| **from <= size).step_by(5) {
                let old = tree::root(&memory, TreeSize(from)).unwrap();
                store.consistency_proof(from, size).unwrap().verify(&old, &root).unwrap();
            }
        }
        // The served hash tiles are the stored ones, cut to the width asked for.
        let tile = TilePath { kind: TileKind::Hashes { level: 1 }, index: 0, width: 5 };
        let served = store.tile(tile).unwrap().unwrap();
        let stored = store.inner.tree.get(keys::tile(1, 0)).unwrap().unwrap();
        assert_eq!(served.as_slice(), &stored[..5 * 32]);
        let beyond = TilePath { kind: TileKind::Hashes { level: 1 }, index: 0, width: 6 };
        assert_eq!(store.tile(beyond).unwrap(), None);
    }

    #[test]
    fn a_missing_or_short_tree_is_rebuilt_from_the_event_hashes_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        append_groups(&store, &[7, 6]);
        let root = store.tree_root(13).unwrap();
        // A restored store: no tree at all.
        for key in store.inner.tree.scan_prefix([keys::TILE_PREFIX]).keys() {
            store.inner.tree.remove(key.unwrap()).unwrap();
        }
        store.inner.tree.remove(keys::TREE_SIZE).unwrap();
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.merkle_leaves_rebuilt_at_open(), 13);
        assert_eq!(store.tree_root(13).unwrap(), root);
        // A tree shorter than the log: the rest is added.
        store.inner.tree.insert(keys::TREE_SIZE, &7u64.to_be_bytes()[..]).unwrap();
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.merkle_leaves_rebuilt_at_open(), 6);
        check_against_recomputation(&store);
        // A tree whose edge does not read back (a tile lost): rebuilt whole.
        store.inner.tree.remove(keys::tile(0, 0)).unwrap();
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.merkle_leaves_rebuilt_at_open(), 13);
        check_against_recomputation(&store);
    }

    /// Rewrites a closed store as a layout-2 build left it: record `m` = 2, the tree one value
    /// per node above the leaves (`t` ‖ level ‖ index → hash) and its size, no tile.
    fn make_layout_2(dir: &std::path::Path) {
        let store = reopen(dir);
        let memory = recomputed(&store);
        let ledger = &store.inner.tree;
        for key in ledger.scan_prefix([keys::TILE_PREFIX]).keys() {
            ledger.remove(key.unwrap()).unwrap();
        }
        let mut frontier = Frontier::empty();
        for seq in 1..=store.head().seq.0 {
            let leaf = memory.node(Node { level: 0, index: seq - 1 }).unwrap();
            frontier
                .append(leaf, |node, hash| {
                    if node.level > 0 {
                        let mut key = [keys::LEGACY_MERKLE_NODE_PREFIX; 10];
                        key[1] = node.level;
                        key[2..].copy_from_slice(&node.index.to_be_bytes());
                        ledger.insert(key, &hash.0[..]).unwrap();
                    }
                })
                .unwrap();
        }
        ledger.insert(keys::TREE_SIZE, &store.head().seq.0.to_be_bytes()[..]).unwrap();
        ledger.insert(keys::LAYOUT, &[STORE_LAYOUT_VERSION_MERKLE_NODES]).unwrap();
        store.flush().unwrap();
    }

    #[test]
    fn a_layout_2_store_drops_its_nodes_and_rebuilds_the_tree_as_tiles_from_the_event_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        append_groups(&store, &[200, 90, 1, 9]);
        let root = store.tree_root(300).unwrap();
        drop(store);
        make_layout_2(dir.path());

        let store = reopen(dir.path());
        assert_eq!(store.merkle_leaves_rebuilt_at_open(), 300);
        assert_eq!(
            store.inner.tree.get(keys::LAYOUT).unwrap().unwrap().as_ref(),
            &[STORE_LAYOUT_VERSION]
        );
        assert_eq!(store.tree_root(300).unwrap(), root);
        check_tiles(&store, &recomputed(&store));
        let memory = recomputed(&store);
        for size in [1u64, 2, 255, 256, 257, 299, 300] {
            let root = tree::root(&memory, TreeSize(size)).unwrap();
            for seq in [1, size / 2 + 1, size] {
                store.inclusion_proof(Seq(seq), size).unwrap().verify(&root).unwrap();
            }
            for from in [1, size / 3, size - 1] {
                let old = tree::root(&memory, TreeSize(from)).unwrap();
                store.consistency_proof(from, size).unwrap().verify(&old, &root).unwrap();
            }
        }
        // The next open finds the tree whole, and appends continue it.
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.merkle_leaves_rebuilt_at_open(), 0);
        append_groups(&store, &[3]);
        check_tiles(&store, &recomputed(&store));
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
