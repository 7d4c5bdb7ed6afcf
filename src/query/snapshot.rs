//! Stored snapshots of the projection state at seq checkpoints, in the store's room of
//! projection snapshots (`Store::projection_snapshots`).
//!
//! Keyed by `FOLD_VERSION` and seq; a fold-version change makes old snapshots invisible, and
//! `save_if_absent` removes them (`prune_other_versions`) when it writes one of this version.
//! Value: `SNAPSHOT_FORMAT` (u32 BE), then two sections, each a u64 BE length, the section's
//! BLAKE3 (checked when it is read: a changed byte is never decoded into a state) and the bytes of
//! the cache codec (`proto_events::codec::cache`: the canonical configuration with a limit for
//! states): the part of the state the indicator figures and the fold of registries and learning
//! need (`Core`), then the plans, teachers' routes and amendments (`Rest`). A figures query
//! decodes only the first section (`decode_for_figures`) and skips the second by its length. A
//! storage format of a cache, never hashed or signed. Snapshots are written lazily, when a fold passes a checkpoint
//! (every `SNAPSHOT_EVERY_EVENTS` events); read back, a snapshot is checked to be for its key's
//! seq before use, and an undecodable one is ignored (the fold then starts earlier). A snapshot
//! that cannot be written (a full disk) is reported and skipped (`save_or_report`): the fold,
//! the query and the writer go on; the room never shows a partially written one.

use std::collections::BTreeMap;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use projections::cycle::Cycle;
use projections::decision::DecisionFact;
use projections::learning::Learning;
use projections::plan::Plans;
use projections::register::Registers;
use projections::registry::Registry;
use projections::state::{Amendment, Facts, Origin};
use projections::teacher_route::Routes;
use projections::{Anomaly, State, FOLD_VERSION};
use proto_events::codec::{self, CodecError};
use proto_events::vocabulary::{FigureReported, IndicatorCode, TargetSet, TargetWithdrawn};
use proto_events::{EventId, Seq};

use crate::query::QueryError;
use crate::store::Store;

/// Events between snapshots, unless a process sets another interval (`set_every_events`).
pub const SNAPSHOT_EVERY_EVENTS: u64 = 100_000;

/// The interval of this process: `SNAPSHOT_EVERY_EVENTS` unless set.
static EVERY_EVENTS: AtomicU64 = AtomicU64::new(SNAPSHOT_EVERY_EVENTS);

/// Snapshot writes that failed in this process (each reported on stderr by `fold_forward`).
static WRITES_FAILED: AtomicU64 = AtomicU64::new(0);

/// Sets the interval between snapshots for this process: the hidden `crash-writer
/// --snapshot-every` of the full-disk test, which needs snapshots after a few hundred events.
/// Snapshots written at other seqs are still read: a fold starts from the latest at or below K.
pub fn set_every_events(events: NonZeroU64) {
    EVERY_EVENTS.store(events.get(), Ordering::Relaxed);
}

/// The interval between snapshots of this process.
pub fn every_events() -> u64 {
    EVERY_EVENTS.load(Ordering::Relaxed).max(1)
}

/// Snapshot writes that failed in this process so far.
pub fn writes_failed() -> u64 {
    WRITES_FAILED.load(Ordering::Relaxed)
}

/// Layout of a stored value (see the module comment); another value is not decoded.
/// 4: target withdrawals and the regional registers in the first section; 5: and the
/// recommendations and management decisions; 6: and the monitoring cycle.
pub const SNAPSHOT_FORMAT: u32 = 6;

/// The last checkpoint at or before `seq` (0 when none).
pub fn checkpoint_at_or_before(seq: u64) -> u64 {
    seq - seq % every_events()
}

/// Whether a snapshot belongs at this seq.
pub fn is_checkpoint(seq: u64) -> bool {
    seq > 0 && seq % every_events() == 0
}

/// Encodes a state for storage.
pub fn encode(state: &State) -> Result<Vec<u8>, QueryError> {
    let failed =
        |error: CodecError| QueryError::Snapshot { seq: state.seq, reason: error.to_string() };
    // Every field named: a field added to `State` and not stored here fails to compile (a
    // state loaded from a snapshot would otherwise silently lack it).
    let State {
        seq,
        anomalies,
        registry,
        learning,
        targets,
        target_withdrawals,
        reports,
        plans,
        routes,
        registers,
        decisions,
        cycle,
        origins,
        amendments,
    } = state;
    let core = CoreRef {
        seq: *seq,
        anomalies,
        registry,
        learning,
        targets,
        target_withdrawals,
        reports,
        registers,
        decisions,
        origins,
        cycle,
    };
    let rest = RestRef { plans, routes, amendments };
    let core = codec::cache::encode("snapshot core", &core).map_err(failed)?;
    let rest = codec::cache::encode("snapshot rest", &rest).map_err(failed)?;
    let mut bytes = Vec::with_capacity(4 + 2 * (8 + 32) + core.len() + rest.len());
    bytes.extend_from_slice(&SNAPSHOT_FORMAT.to_be_bytes());
    for section in [&core, &rest] {
        bytes.extend_from_slice(&(section.len() as u64).to_be_bytes());
        bytes.extend_from_slice(blake3::hash(section).as_bytes());
        bytes.extend_from_slice(section);
    }
    Ok(bytes)
}

/// Decodes a stored state.
pub fn decode(bytes: &[u8]) -> Option<State> {
    let (core, rest) = sections(bytes)?;
    let core: Core = decode_section(core)?;
    let rest: Rest = decode_section(rest)?;
    Some(State {
        plans: rest.plans,
        routes: rest.routes,
        amendments: rest.amendments,
        ..core.state()
    })
}

/// Decodes only what indicator figures need: the state with empty plans, routes and
/// amendments. Folding later events onto it keeps the figures exact (registries, learning,
/// targets and origins are whole), but it must never be stored or cached as a full state.
pub fn decode_for_figures(bytes: &[u8]) -> Option<State> {
    let (core, _) = section(of_this_format(bytes)?)?;
    let core: Core = decode_section(core)?;
    Some(core.state())
}

/// The state's fields in the first section, borrowed for encoding.
#[derive(Serialize)]
struct CoreRef<'a> {
    seq: u64,
    anomalies: &'a Vec<Anomaly>,
    registry: &'a Registry,
    learning: &'a Learning,
    targets: &'a BTreeMap<IndicatorCode, Facts<TargetSet>>,
    target_withdrawals: &'a BTreeMap<IndicatorCode, Facts<TargetWithdrawn>>,
    reports: &'a Facts<FigureReported>,
    registers: &'a Registers,
    decisions: &'a Facts<DecisionFact>,
    origins: &'a BTreeMap<EventId, Origin>,
    cycle: &'a Cycle,
}

/// The first section, decoded (same fields in the same order as `CoreRef`).
#[derive(Deserialize)]
struct Core {
    seq: u64,
    anomalies: Vec<Anomaly>,
    registry: Registry,
    learning: Learning,
    targets: BTreeMap<IndicatorCode, Facts<TargetSet>>,
    target_withdrawals: BTreeMap<IndicatorCode, Facts<TargetWithdrawn>>,
    reports: Facts<FigureReported>,
    registers: Registers,
    decisions: Facts<DecisionFact>,
    origins: BTreeMap<EventId, Origin>,
    cycle: Cycle,
}

impl Core {
    /// A state of these fields, with empty plans, routes and amendments.
    fn state(self) -> State {
        State {
            seq: self.seq,
            anomalies: self.anomalies,
            registry: self.registry,
            learning: self.learning,
            targets: self.targets,
            target_withdrawals: self.target_withdrawals,
            reports: self.reports,
            registers: self.registers,
            decisions: self.decisions,
            origins: self.origins,
            cycle: self.cycle,
            ..State::default()
        }
    }
}

/// The state's fields in the second section, borrowed for encoding.
#[derive(Serialize)]
struct RestRef<'a> {
    plans: &'a Plans,
    routes: &'a Routes,
    amendments: &'a BTreeMap<EventId, Vec<Amendment>>,
}

/// The second section, decoded (same fields in the same order as `RestRef`).
#[derive(Deserialize)]
struct Rest {
    plans: Plans,
    routes: Routes,
    amendments: BTreeMap<EventId, Vec<Amendment>>,
}

/// The two sections of a stored value of this format.
fn sections(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (core, bytes) = section(of_this_format(bytes)?)?;
    let (rest, bytes) = section(bytes)?;
    bytes.is_empty().then_some((core, rest))
}

/// The bytes after the format, when the value is of this format.
fn of_this_format(bytes: &[u8]) -> Option<&[u8]> {
    let (format, bytes) = bytes.split_first_chunk::<4>()?;
    (u32::from_be_bytes(*format) == SNAPSHOT_FORMAT).then_some(bytes)
}

/// One section: its length, its BLAKE3 (checked here: a changed byte that still decodes would
/// otherwise start folds from a wrong state), its bytes; and what follows it.
fn section(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (length, bytes) = bytes.split_first_chunk::<8>()?;
    let (check, bytes) = bytes.split_first_chunk::<32>()?;
    let length = usize::try_from(u64::from_be_bytes(*length)).ok()?;
    let (section, rest) = bytes.split_at_checked(length)?;
    (blake3::hash(section).as_bytes() == check).then_some((section, rest))
}

fn decode_section<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    codec::cache::decode("snapshot section", bytes).ok()
}

/// The seq of the latest snapshot of this fold version at or before `k`.
pub fn latest_seq_at_or_before(store: &Store, k: u64) -> Result<Option<u64>, QueryError> {
    let latest = store.projection_snapshots()?.latest_seq_at_or_below(FOLD_VERSION, Seq(k))?;
    Ok(latest.map(|seq| seq.0))
}

/// The latest decodable snapshot of this fold version at or before `k`.
pub fn load_at_or_before(store: &Store, k: u64) -> Result<Option<State>, QueryError> {
    load_with(store, k, decode)
}

/// Like `load_at_or_before`, decoding only what figures need (`decode_for_figures`).
pub fn load_for_figures_at_or_before(store: &Store, k: u64) -> Result<Option<State>, QueryError> {
    load_with(store, k, decode_for_figures)
}

fn load_with(
    store: &Store,
    k: u64,
    decode: fn(&[u8]) -> Option<State>,
) -> Result<Option<State>, QueryError> {
    for entry in store.projection_snapshots()?.latest_first_at_or_below(FOLD_VERSION, Seq(k)) {
        let (seq, value) = entry?;
        match decode(&value) {
            // Checked right after reading back: the snapshot is of the seq its key names.
            Some(state) if state.seq == seq.0 => return Ok(Some(state)),
            _ => continue,
        }
    }
    Ok(None)
}

/// Stores a snapshot of `state` unless one exists for its seq; a failure (a full disk) is
/// reported on stderr and counted (`writes_failed`), and the caller goes on without it: a
/// snapshot is a cache, and the room's write leaves no partial snapshot behind.
pub fn save_or_report(store: &Store, state: &State) {
    if let Err(error) = save_if_absent(store, state) {
        WRITES_FAILED.fetch_add(1, Ordering::Relaxed);
        eprintln!(
            "снимок состояния на событии №{} не сохранён, запросы идут без него, журнал не затронут: {error}",
            state.seq
        );
    }
}

/// Stores a snapshot of `state` unless one exists for its seq.
pub fn save_if_absent(store: &Store, state: &State) -> Result<(), QueryError> {
    let snapshots = store.projection_snapshots()?;
    // A value of an older layout is replaced, not kept forever as an undecodable entry.
    if let Some(existing) = snapshots.get(FOLD_VERSION, Seq(state.seq))? {
        if sections(&existing).is_some() {
            return Ok(());
        }
    }
    let bytes = encode(state)?;
    // Checked right before writing: the bytes decode to the same state.
    debug_assert!(decode(&bytes).as_ref() == Some(state));
    snapshots.put(FOLD_VERSION, Seq(state.seq), &bytes)?;
    // Snapshots of another fold version are never read again (their keys are outside every
    // range this version reads): drop them once this version writes its own. The room holds a
    // few snapshots, so the scan is cheap.
    prune_other_versions(store)?;
    Ok(())
}

/// Removes snapshots of other fold versions; returns how many.
pub fn prune_other_versions(store: &Store) -> Result<u64, QueryError> {
    Ok(store.projection_snapshots()?.retain(|version, _| version == FOLD_VERSION)?)
}

/// How many snapshots of this fold version are stored.
pub fn count(store: &Store) -> Result<u64, QueryError> {
    let seqs = store.projection_snapshots()?.seqs(FOLD_VERSION)?;
    Ok(u64::try_from(seqs.len()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        let mut state = State { seq: 7, ..State::default() };
        state.anomalies.push(Anomaly { seq: 3, message: "retraction of unknown event".into() });
        state
    }

    #[test]
    fn a_changed_byte_is_never_decoded() {
        let mut state = sample();
        state.anomalies.push(Anomaly { seq: 5, message: "другое".into() });
        let bytes = encode(&state).unwrap();
        let core_length =
            usize::try_from(u64::from_be_bytes(bytes[4..12].try_into().unwrap())).unwrap();
        let core_start = 4 + 8 + 32;
        // Every byte of the first section: neither decode reads it.
        for at in core_start..core_start + core_length {
            let mut changed = bytes.clone();
            changed[at] ^= 0x01;
            assert_eq!(decode(&changed), None, "byte {at}");
            assert_eq!(decode_for_figures(&changed), None, "byte {at}");
        }
        // A byte of the second section: the full decode refuses, figures do not read it.
        let mut changed = bytes.clone();
        let last = changed.len() - 1;
        changed[last] ^= 0x01;
        assert_eq!(decode(&changed), None);
        assert_eq!(
            decode_for_figures(&changed).map(|state| state.anomalies),
            Some(state.anomalies)
        );
    }

    #[test]
    fn figures_decode_reads_the_first_section_only() {
        let state = sample();
        let bytes = encode(&state).unwrap();
        assert_eq!(decode(&bytes).as_ref(), Some(&state));
        let figures = decode_for_figures(&bytes).unwrap();
        assert_eq!((figures.seq, &figures.anomalies), (state.seq, &state.anomalies));
        assert_eq!(figures.plans, projections::plan::Plans::default());
    }

    #[test]
    fn snapshots_of_another_fold_version_are_ignored_then_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let snapshots = store.projection_snapshots().unwrap();
        let old = Seq(SNAPSHOT_EVERY_EVENTS);
        let old_state = State { seq: SNAPSHOT_EVERY_EVENTS, ..State::default() };
        snapshots.put(FOLD_VERSION - 1, old, &encode(&old_state).unwrap()).unwrap();
        assert_eq!(latest_seq_at_or_before(&store, u64::MAX).unwrap(), None);
        assert_eq!(load_at_or_before(&store, u64::MAX).unwrap(), None);
        save_if_absent(&store, &sample()).unwrap();
        assert_eq!(snapshots.get(FOLD_VERSION - 1, old).unwrap(), None);
        assert_eq!(count(&store).unwrap(), 1);
        assert_eq!(load_at_or_before(&store, u64::MAX).unwrap(), Some(sample()));
    }

    #[test]
    fn value_of_another_layout_or_truncated_is_not_decoded() {
        let state = sample();
        let bytes = encode(&state).unwrap();
        let old_layout = codec::cache::encode("state", &state).unwrap();
        assert_eq!(decode(&old_layout), None);
        assert_eq!(decode_for_figures(&old_layout), None);
        assert_eq!(decode(&bytes[..bytes.len() - 1]), None);
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(decode(&trailing), None);
    }
}
