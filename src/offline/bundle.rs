//! The evidence of a figure with proofs (`GET /api/v1/figures/{code}/evidence?proofs=true`): the
//! figure's JSON, the signed checkpoint note (`checkpoint`), and for each evidence event its
//! stored record (the canonical bytes as in the archive, base64: `record`) and its inclusion proof
//! at the checkpoint's size (`inclusion`, the JSON of `letopis proof inclusion`). The answer saved
//! to a file is the bundle `letopis evidence verify` checks offline: every record's hash
//! recomputed from its bytes, the seq and id it is listed under, every proof against the note's
//! root, and the note's signatures with the keys the auditor trusts.
//!
//! `prove` reads a store the caller opened (the server's); `verify` reads nothing but its input.

use base64::Engine;
use proto_events::envelope::EnvelopeError;
use proto_events::tlog::tree::event_leaf;
use proto_events::tlog::{InclusionProof, ProofVerifyError};
use proto_events::{Envelope, Seq};
use serde::{Deserialize, Serialize};

use crate::offline::{open_checkpoint, TrustError, TrustedKeys};
use crate::store::{Store, StoreError, TreeProofError};

/// Most evidence events proved in one bundle (each costs a record and O(log n) reads).
pub const BUNDLE_EVENTS_MAX: usize = 100_000;
/// Largest bundle file read, in bytes (~2 KB an event at `BUNDLE_EVENTS_MAX`, with room).
pub const BUNDLE_BYTES_MAX: u64 = 512 * 1024 * 1024;

/// One evidence event with its proof, as listed in the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvedEvent {
    /// The event id.
    pub id: String,
    /// The event's seq.
    pub seq: u64,
    /// The stored record, standard base64.
    pub record: String,
    /// Its inclusion proof at the checkpoint's size.
    pub inclusion: InclusionProof,
}

/// What `verify` reads of a bundle; the figure's other fields are not checked here (the figure
/// itself is recomputed by `letopis figures --archive`).
#[derive(Clone, Debug, Deserialize)]
pub struct Bundle {
    /// The signed checkpoint note.
    pub checkpoint: String,
    /// The evidence events with their proofs.
    pub evidence: Vec<ProvedEvent>,
}

/// What a verified bundle proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The checkpoint's origin.
    pub origin: String,
    /// The checkpoint's size.
    pub size: u64,
    /// Events proved.
    pub events: usize,
}

/// Why a bundle does not prove its evidence.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Not the JSON of a bundle.
    #[error("not an evidence bundle: {0}")]
    NotABundle(String),
    /// The checkpoint note is not trusted.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// More events than `BUNDLE_EVENTS_MAX`.
    #[error("the bundle lists {found} events, more than {max}")]
    TooManyEvents {
        /// Events listed.
        found: usize,
        /// `BUNDLE_EVENTS_MAX`.
        max: usize,
    },
    /// A record that is not standard base64.
    #[error("the record of event {seq} is not standard base64")]
    NotBase64 {
        /// The seq listed.
        seq: u64,
    },
    /// A record whose hash does not match its bytes, or that does not decode.
    #[error("the record of event {seq}: {error}")]
    Record {
        /// The seq listed.
        seq: u64,
        /// Why.
        error: EnvelopeError,
    },
    /// The record is of another seq or id than listed.
    #[error("event {seq} {id}: the record is of event {inside_seq} {inside_id}")]
    NotTheListedEvent {
        /// The seq listed.
        seq: u64,
        /// The id listed.
        id: String,
        /// The seq inside the record.
        inside_seq: u64,
        /// The id inside the record.
        inside_id: String,
    },
    /// The proof is of another leaf than the record's.
    #[error("event {seq}: the proof is of leaf {leaf_index}, not of this event's leaf")]
    WrongLeaf {
        /// The seq listed.
        seq: u64,
        /// The proof's leaf index.
        leaf_index: u64,
    },
    /// The proof is for another tree size than the checkpoint's.
    #[error("event {seq}: the proof is for {proof_size} events, the checkpoint for {size}")]
    WrongSize {
        /// The seq listed.
        seq: u64,
        /// The proof's tree size.
        proof_size: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The proof does not lead to the checkpoint's root.
    #[error("event {seq}: {error}")]
    Proof {
        /// The seq listed.
        seq: u64,
        /// Why.
        error: ProofVerifyError,
    },
}

/// The record and inclusion proof at `size` of each event `seqs` (each `1..=size`).
pub fn prove(
    store: &Store,
    size: u64,
    seqs: &[u64],
) -> Result<Vec<(String, InclusionProof)>, ProveError> {
    if seqs.len() > BUNDLE_EVENTS_MAX {
        return Err(ProveError::TooManyEvents { found: seqs.len(), max: BUNDLE_EVENTS_MAX });
    }
    let mut proved = Vec::with_capacity(seqs.len());
    for &seq in seqs {
        let record = store.get_raw(Seq(seq))?.ok_or(ProveError::Missing { seq })?;
        let proof = store.inclusion_proof(Seq(seq), size)?;
        proved.push((base64::engine::general_purpose::STANDARD.encode(record), proof));
    }
    Ok(proved)
}

/// Why proofs could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// More events than `BUNDLE_EVENTS_MAX`.
    #[error("the evidence has {found} events, more than {max} can be proved in one bundle")]
    TooManyEvents {
        /// Events.
        found: usize,
        /// `BUNDLE_EVENTS_MAX`.
        max: usize,
    },
    /// An evidence event the store does not hold.
    #[error("evidence event {seq} is not in the store")]
    Missing {
        /// The seq.
        seq: u64,
    },
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The tree could not give the proof.
    #[error(transparent)]
    Tree(#[from] TreeProofError),
}

/// Checks a bundle's JSON against the trusted keys; stops at the first failure.
pub fn verify(json: &[u8], keys: &TrustedKeys) -> Result<VerifiedBundle, BundleError> {
    let bundle: Bundle =
        serde_json::from_slice(json).map_err(|error| BundleError::NotABundle(error.to_string()))?;
    if bundle.evidence.len() > BUNDLE_EVENTS_MAX {
        return Err(BundleError::TooManyEvents {
            found: bundle.evidence.len(),
            max: BUNDLE_EVENTS_MAX,
        });
    }
    let checkpoint = open_checkpoint(bundle.checkpoint.as_bytes(), keys)?;
    let size = checkpoint.size.0;
    for item in &bundle.evidence {
        verify_event(item, size, &checkpoint.root)?;
    }
    Ok(VerifiedBundle {
        origin: checkpoint.origin.as_str().to_string(),
        size,
        events: bundle.evidence.len(),
    })
}

fn verify_event(
    item: &ProvedEvent,
    size: u64,
    root: &proto_events::tlog::TreeHash,
) -> Result<(), BundleError> {
    let seq = item.seq;
    let record = base64::engine::general_purpose::STANDARD
        .decode(&item.record)
        .map_err(|_| BundleError::NotBase64 { seq })?;
    // Checks the hash over the stored bytes, then decodes them canonically.
    let event = Envelope::open(&record).map_err(|error| BundleError::Record { seq, error })?;
    let inside_id = event.id.to_string();
    if event.seq.0 != seq || inside_id != item.id {
        return Err(BundleError::NotTheListedEvent {
            seq,
            id: item.id.clone(),
            inside_seq: event.seq.0,
            inside_id,
        });
    }
    let proof = &item.inclusion;
    if proof.tree_size != size {
        return Err(BundleError::WrongSize { seq, proof_size: proof.tree_size, size });
    }
    let leaf = event_leaf(&event.hash);
    if proof.leaf_index != seq.saturating_sub(1) || !proof.leaf_hash.ct_eq(&leaf) {
        return Err(BundleError::WrongLeaf { seq, leaf_index: proof.leaf_index });
    }
    proof.verify(root).map_err(|error| BundleError::Proof { seq, error })
}
