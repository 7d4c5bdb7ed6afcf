//! A log archive checked against signed checkpoints, in one pass over any `std::io::Read`: the
//! hash chain (`proto_events::ChainVerifier`, the code the store and `log verify` run), the
//! `SEQ:HASH` pins an auditor wrote down, and for each signed checkpoint the RFC 6962 root
//! recomputed from the archive's event hashes at the checkpoint's size and its `chain-head` line
//! against the chain at that size. A history rewritten and re-hashed end to end passes the chain
//! but not the root signed before the rewrite.
//!
//! With `fold_to`, the same pass decodes the events up to that size and folds them with
//! `projections::apply` (the store's fold): the state an offline catalogue reads, built only from
//! events that verified. Events after it are verified, not folded.

use std::io::Read;

use projections::{apply, State};
use proto_events::archive::{ArchiveError, ArchiveReader, Checkpoint as Pin};
use proto_events::chain::VerifySummary;
use proto_events::tlog::checkpoint::Checkpoint;
use proto_events::tlog::tree::{empty_root, event_leaf, Frontier, TreeHash};
use proto_events::{ChainVerifier, Envelope, Hash, Seq, StoredHeader, Timestamp};

/// What to check an archive against.
#[derive(Clone, Debug, Default)]
pub struct Checks {
    /// Signed checkpoints, already opened with the trusted keys (`offline::open_checkpoint`).
    pub checkpoints: Vec<Checkpoint>,
    /// `SEQ:HASH` pins.
    pub pins: Vec<Pin>,
    /// Also decode every event canonically.
    pub deep: bool,
    /// Fold the events `1..=fold_to` into a state (requires an archive from seq 1).
    pub fold_to: Option<u64>,
}

/// A verified archive.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The archive's first seq.
    pub first_seq: Seq,
    /// The chain walk over the whole archive.
    pub chain: VerifySummary,
    /// Pins confirmed.
    pub pins: u64,
    /// The state folded to `fold_to`, when asked.
    pub state: Option<State>,
    /// `recorded_at` of the events `1..=fold_to`, in seq order (empty unless folded).
    pub recorded_at: Vec<Timestamp>,
}

/// Why an archive does not hold against the checks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveCheckError {
    /// Framing, the chain, or a pin.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// A tree root needs every event from seq 1.
    #[error(
        "the archive starts at event {first_seq}; a checkpoint's root needs the log from event 1"
    )]
    StartsAfterOne {
        /// The archive's first seq.
        first_seq: u64,
    },
    /// The archive ends before a checkpoint's size.
    #[error("the checkpoint is of {size} events, the archive ends at event {last_seq}")]
    TooShort {
        /// The checkpoint's size.
        size: u64,
        /// The archive's last seq.
        last_seq: u64,
    },
    /// The root of the archive's first `size` events is not the checkpoint's.
    #[error("the archive's first {size} events have root {computed}, the checkpoint {signed}")]
    RootMismatch {
        /// The checkpoint's size.
        size: u64,
        /// The root recomputed from the archive.
        computed: TreeHash,
        /// The root signed.
        signed: TreeHash,
    },
    /// The checkpoint's `chain-head` line is not the chain at its size.
    #[error(
        "the checkpoint's chain head is event {seq} with hash {signed}, the archive has {found}"
    )]
    ChainHeadMismatch {
        /// The seq (the size).
        seq: u64,
        /// The hash signed.
        signed: Hash,
        /// The hash in the archive.
        found: Hash,
    },
    /// A checkpoint of a non-empty log without its `chain-head` line.
    #[error("the checkpoint of {size} events has no chain-head line")]
    NoChainHead {
        /// The checkpoint's size.
        size: u64,
    },
    /// A verified record that does not decode (only with `deep` or `fold_to`).
    #[error("event {seq} does not decode: {reason}")]
    Undecodable {
        /// The seq.
        seq: u64,
        /// Why.
        reason: String,
    },
}

/// Reads the archive from `source` and checks it against `checks`, stopping at the first
/// failure; `progress` is called every 10,000 events with the last seq.
pub fn verify<R: Read>(
    source: R,
    checks: &Checks,
    mut progress: impl FnMut(u64),
) -> Result<Verified, ArchiveCheckError> {
    let mut reader = ArchiveReader::open(source)?;
    let header = reader.header();
    let after = header.first_seq.0 - 1;
    let needs_start = !checks.checkpoints.is_empty() || checks.fold_to.is_some();
    if needs_start && after != 0 {
        return Err(ArchiveCheckError::StartsAfterOne { first_seq: header.first_seq.0 });
    }
    let mut verifier = if after == 0 {
        ChainVerifier::new(checks.deep)
    } else {
        ChainVerifier::resume(checks.deep, Seq(after), header.prev_hash)
    };
    let mut pins = checks.pins.clone();
    pins.sort_by_key(|pin| pin.seq);
    let mut pins = Pending { items: pins, next: 0 };
    let mut notes = checks.checkpoints.clone();
    notes.sort_by_key(|checkpoint| checkpoint.size);
    let mut notes = Pending { items: notes, next: 0 };
    let tree_to = notes.items.last().map_or(0, |checkpoint| checkpoint.size.0);
    let fold_to = checks.fold_to.unwrap_or(0);
    let mut tree = Frontier::empty();
    let mut state = checks.fold_to.map(|_| State::default());
    let mut recorded_at = Vec::new();
    check_notes(&mut notes, 0, &empty_root(), None)?;
    let mut record = Vec::with_capacity(4096);
    let mut last_seq = after;
    while let Some(Seq(seq)) = reader.next_record(&mut record)? {
        verifier.push(seq, &record).map_err(ArchiveError::from)?;
        last_seq = seq;
        let hash = StoredHeader::peek(&record)
            .map(|header| header.hash)
            .map_err(|error| undecodable(seq, &error))?;
        check_pins(&mut pins, seq, hash, header.first_seq.0)?;
        if seq <= tree_to {
            tree.append(event_leaf(&hash), |_, _| {}).map_err(|error| undecodable(seq, &error))?;
            check_notes(&mut notes, seq, &tree.root(), Some(hash))?;
        }
        if let Some(state) = state.as_mut().filter(|_| seq <= fold_to) {
            let event = Envelope::open(&record).map_err(|error| undecodable(seq, &error))?;
            recorded_at.push(event.recorded_at);
            apply(state, &event);
        }
        if seq % 10_000 == 0 {
            progress(seq);
        }
    }
    let chain = verifier.finish(reader.trailer()).map_err(ArchiveError::from)?;
    if let Some(pin) = pins.items.get(pins.next) {
        return Err(outside(pin, header.first_seq.0, last_seq).into());
    }
    let short = notes.items.get(notes.next).map(|checkpoint| checkpoint.size.0);
    let short = short.or_else(|| checks.fold_to.filter(|size| *size > last_seq));
    if let Some(size) = short {
        return Err(ArchiveCheckError::TooShort { size, last_seq });
    }
    Ok(Verified {
        first_seq: header.first_seq,
        chain,
        pins: u64::try_from(pins.next).unwrap_or(u64::MAX),
        state,
        recorded_at,
    })
}

/// Items sorted by seq, the first `next` of them confirmed.
struct Pending<T> {
    items: Vec<T>,
    next: usize,
}

fn check_pins(
    pins: &mut Pending<Pin>,
    seq: u64,
    hash: Hash,
    first_seq: u64,
) -> Result<(), ArchiveError> {
    while let Some(pin) = pins.items.get(pins.next).filter(|pin| pin.seq.0 <= seq) {
        if pin.seq.0 < first_seq {
            return Err(outside(pin, first_seq, seq));
        }
        if !pin.hash.ct_eq(&hash) {
            return Err(ArchiveError::CheckpointMismatch {
                seq: pin.seq.0,
                expected: pin.hash,
                found: hash,
            });
        }
        pins.next += 1;
    }
    Ok(())
}

/// Checks every checkpoint of `size` against the tree's `root` and the chain's `head` hash there
/// (`None` for the empty log).
fn check_notes(
    notes: &mut Pending<Checkpoint>,
    size: u64,
    root: &TreeHash,
    head: Option<Hash>,
) -> Result<(), ArchiveCheckError> {
    while let Some(checkpoint) = notes.items.get(notes.next).filter(|c| c.size.0 == size) {
        if !checkpoint.root.ct_eq(root) {
            return Err(ArchiveCheckError::RootMismatch {
                size,
                computed: *root,
                signed: checkpoint.root,
            });
        }
        match (&checkpoint.chain_head, head) {
            (None, None) => {}
            (Some((_, signed)), Some(found)) if signed.ct_eq(&found) => {}
            (Some((_, signed)), Some(found)) => {
                return Err(ArchiveCheckError::ChainHeadMismatch {
                    seq: size,
                    signed: *signed,
                    found,
                });
            }
            (Some((_, signed)), None) => {
                return Err(ArchiveCheckError::ChainHeadMismatch {
                    seq: size,
                    signed: *signed,
                    found: Hash::ZERO,
                });
            }
            (None, Some(_)) => return Err(ArchiveCheckError::NoChainHead { size }),
        }
        notes.next += 1;
    }
    Ok(())
}

fn outside(pin: &Pin, first: u64, last: u64) -> ArchiveError {
    ArchiveError::CheckpointOutside { seq: pin.seq.0, first, last }
}

fn undecodable(seq: u64, error: &dyn std::fmt::Display) -> ArchiveCheckError {
    ArchiveCheckError::Undecodable { seq, reason: error.to_string() }
}
