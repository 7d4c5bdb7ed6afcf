//! Feeding the projection folds from the store: the state as known at a knowledge point `K`
//! (a seq, a recorded time, or now), from stored snapshots plus the events after them, with a
//! small in-memory cache of the latest state; and the indicator figures and report verifications
//! evaluated on it.
//!
//! Figures and report verifications at any `K` read the latest state (the head, kept in memory)
//! as known at `K`: the state is bitemporal (see `projections::state`), so no snapshot is decoded
//! and nothing is refolded for them; nor for the organisations registry view. Plans and teachers'
//! routes still read a state folded to `K` (`state_at`), from the nearest snapshot;
//! `figures_state_at` (a figures-only fold to `K`) is kept as the benchmark's baseline.
//!
//! The folds themselves are pure (`projections`); this module only reads the store and keeps
//! snapshots, which are a cache: deleting the `snapshots` tree changes no answer, only its speed.

pub mod json;
pub mod parameters;
pub mod snapshot;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use projections::monitoring::{self, Verification};
use projections::state::{apply_for_figures, Known};
use projections::{apply, Figure, State};
use proto_events::vocabulary::Scope;
use proto_events::{Date, EventId, Seq, Timestamp};

use crate::store::{Store, StoreError};

/// A knowledge point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnownAt {
    /// Everything with `seq ≤` this (bounded by the head).
    Seq(u64),
    /// Everything recorded at or before this time.
    Time(Timestamp),
    /// Everything durable now.
    Now,
}

impl KnownAt {
    /// Parses a knowledge point as the CLI and the API take it: digits are a seq, anything else
    /// an RFC 3339 time. None when it is neither.
    pub fn parse(text: &str) -> Option<KnownAt> {
        let text = text.trim();
        if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
            return text.parse::<u64>().ok().map(KnownAt::Seq);
        }
        Timestamp::parse_rfc3339(text).map(KnownAt::Time)
    }
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored snapshot could not be written.
    #[error("не удалось сохранить снимок состояния на событии №{seq}: {reason}")]
    Snapshot {
        /// Its seq.
        seq: u64,
        /// What went wrong.
        reason: String,
    },
}

/// The last seq known at `known_at`: for a time, the last event recorded at or before it (found
/// by binary search over seq, since `recorded_at` never goes back).
pub fn resolve(store: &Store, known_at: KnownAt) -> Result<u64, QueryError> {
    resolve_in(store.head().seq.0, known_at, |seq| {
        Ok(store.get(Seq(seq))?.map(|event| event.recorded_at))
    })
}

/// `resolve` over any log of `head` events whose `recorded_at` of a seq is `recorded_at(seq)`:
/// the store's, or a verified archive's (`letopis figures --archive`), so both resolve a
/// knowledge point alike.
pub fn resolve_in<E>(
    head: u64,
    known_at: KnownAt,
    mut recorded_at: impl FnMut(u64) -> Result<Option<Timestamp>, E>,
) -> Result<u64, E> {
    match known_at {
        KnownAt::Now => Ok(head),
        KnownAt::Seq(seq) => Ok(seq.min(head)),
        KnownAt::Time(time) => {
            // Invariant: every seq < low is recorded ≤ time; every seq ≥ high is after it.
            let (mut low, mut high) = (1u64, head.saturating_add(1));
            while low < high {
                let middle = low + (high - low) / 2;
                match recorded_at(middle)? {
                    Some(recorded) if recorded <= time => low = middle + 1,
                    _ => high = middle,
                }
            }
            Ok(low - 1)
        }
    }
}

/// The state folded to `known_at`, starting from the nearest stored snapshot (and writing
/// snapshots at the checkpoints it passes). No in-memory cache: see `Projector` for that.
pub fn state_at(store: &Store, known_at: KnownAt) -> Result<State, QueryError> {
    let k = resolve(store, known_at)?;
    let start = snapshot::load_at_or_before(store, k)?.unwrap_or_default();
    fold_forward(store, start, k)
}

/// Applies the events after `state.seq` up to `k`, writing a snapshot at every checkpoint
/// passed that has none.
pub fn fold_forward(store: &Store, mut state: State, k: u64) -> Result<State, QueryError> {
    if state.seq >= k {
        return Ok(state);
    }
    for event in store.range(Seq(state.seq.saturating_add(1)), Seq(k)) {
        let event = event?;
        apply(&mut state, &event);
        if snapshot::is_checkpoint(event.seq.0) {
            snapshot::save_if_absent(store, &state)?;
        }
    }
    Ok(state)
}

/// A store with a cache of the latest folded state, so that repeated queries at "now" do not
/// refold and a query at a later `K` continues from it.
pub struct Projector {
    store: Store,
    latest: Mutex<Option<Arc<State>>>,
    /// Seq of `latest`, readable while a fold holds the lock (for `/metrics`).
    latest_seq: AtomicU64,
}

impl Projector {
    /// A projector over an open store.
    pub fn new(store: Store) -> Projector {
        Projector { store, latest: Mutex::new(None), latest_seq: AtomicU64::new(0) }
    }

    /// Seq of the state kept in memory (0 before the first query): the head minus this is how
    /// far the projections lag the ledger.
    pub fn latest_seq(&self) -> u64 {
        self.latest_seq.load(Ordering::Relaxed)
    }

    /// The cache slot (a panic while it was held leaves a state that is still whole: every
    /// writer of the slot replaces it only with a finished state).
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Arc<State>>> {
        match self.latest.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The state as known at `known_at`.
    ///
    /// When K is at or beyond the cached latest state, the cache is advanced to K in place: the
    /// cache lock is held while the new events are folded (usually a few, right after appends),
    /// so concurrent queries wait for one fold instead of each folding its own copy, and the
    /// state (about 1.3 KB per event) is cloned only when a query still holds the old one.
    pub fn state_at(&self, known_at: KnownAt) -> Result<Arc<State>, QueryError> {
        let k = resolve(&self.store, known_at)?;
        let mut slot = self.slot();
        if let Some(cached) = slot.as_ref() {
            if cached.seq == k {
                return Ok(Arc::clone(cached));
            }
        }
        let cached_behind = slot.as_ref().is_some_and(|cached| cached.seq < k);
        if cached_behind {
            let cached_seq = slot.as_ref().map_or(0, |cached| cached.seq);
            let from_snapshot = snapshot::latest_seq_at_or_before(&self.store, k)?;
            let state = if from_snapshot.is_some_and(|seq| seq > cached_seq) {
                state_at(&self.store, KnownAt::Seq(k))?
            } else {
                // Unique when no query holds it: folded in place, no clone.
                let taken = slot.take().map(|cached| {
                    Arc::try_unwrap(cached).unwrap_or_else(|shared| (*shared).clone())
                });
                fold_forward(&self.store, taken.unwrap_or_default(), k)?
            };
            let state = Arc::new(state);
            self.latest_seq.store(state.seq, Ordering::Relaxed);
            *slot = Some(Arc::clone(&state));
            return Ok(state);
        }
        drop(slot);
        // K before the cache (or nothing cached): from the nearest snapshot, without the lock.
        let state = Arc::new(state_at(&self.store, KnownAt::Seq(k))?);
        if k == self.store.head().seq.0 {
            let mut slot = self.slot();
            // Another query may have cached a later state meanwhile: keep the later one.
            if slot.as_ref().is_none_or(|cached| cached.seq < state.seq) {
                self.latest_seq.store(state.seq, Ordering::Relaxed);
                *slot = Some(Arc::clone(&state));
            }
        }
        Ok(state)
    }

    /// A state for indicator figures as known at `known_at`: the cached latest state when it is
    /// at K; otherwise, when the nearest snapshot is at the last checkpoint before K, that
    /// snapshot decoded without plans, routes and amendments (`decode_for_figures`, about half
    /// the decoding) folded forward to K, neither stored nor cached. When a checkpoint on the way
    /// has no snapshot yet, or K is the head, the full `state_at` writes and caches as usual.
    pub fn figures_state_at(&self, known_at: KnownAt) -> Result<Arc<State>, QueryError> {
        let k = resolve(&self.store, known_at)?;
        let cached = self.slot().clone();
        let head = self.store.head().seq.0;
        let from_snapshot = snapshot::latest_seq_at_or_before(&self.store, k)?.unwrap_or(0);
        let cached_is_nearer =
            cached.as_ref().is_some_and(|c| c.seq <= k && c.seq >= from_snapshot);
        if k == head || cached_is_nearer || from_snapshot < snapshot::checkpoint_at_or_before(k) {
            return self.state_at(KnownAt::Seq(k));
        }
        let start = snapshot::load_for_figures_at_or_before(&self.store, k)?.unwrap_or_default();
        if start.seq < snapshot::checkpoint_at_or_before(k) {
            // The snapshot was undecodable: the full path refolds and rewrites it.
            return self.state_at(KnownAt::Seq(k));
        }
        let mut state = start;
        for event in self.store.range(Seq(state.seq.saturating_add(1)), Seq(k)) {
            apply_for_figures(&mut state, &event?);
        }
        Ok(Arc::new(state))
    }

    /// A state that answers figures as known at `known_at`, with the knowledge point to read it
    /// at: the cached latest state when it has reached K (any later state answers K), else the
    /// state folded to the head (and cached). Read it with `monitoring::catalogue_at` and the
    /// other `_at` functions; its own `seq` may be beyond K.
    pub fn figures_at(&self, known_at: KnownAt) -> Result<(Arc<State>, Known), QueryError> {
        let k = resolve(&self.store, known_at)?;
        let cached = self.slot().clone();
        let state = match cached {
            Some(cached) if cached.seq >= k => cached,
            _ => self.state_at(KnownAt::Now)?,
        };
        debug_assert!(state.seq >= k, "the head state is behind the knowledge point");
        Ok((state, Known(k)))
    }

    /// The whole catalogue for a scope at (D, K), with the seq K resolved to.
    pub fn catalogue(
        &self,
        scope: &Scope,
        date: Date,
        known_at: KnownAt,
    ) -> Result<(u64, Vec<Figure>), QueryError> {
        let (state, known) = self.figures_at(known_at)?;
        Ok((known.0, monitoring::catalogue_at(&state, scope, date, known)))
    }

    /// Every figure report known now, recomputed as known at its seq and as known now.
    pub fn verify_reports(&self) -> Result<Vec<Verification>, QueryError> {
        self.verify_reports_at(KnownAt::Now).map(|(_, verifications)| verifications)
    }

    /// Every figure report known at `known_at`, recomputed as known at its seq and as known at
    /// `known_at`, with the seq `known_at` resolved to: all read from one state as known at each
    /// point, no refold.
    pub fn verify_reports_at(
        &self,
        known_at: KnownAt,
    ) -> Result<(u64, Vec<Verification>), QueryError> {
        let (state, known) = self.figures_at(known_at)?;
        let reports: Vec<EventId> =
            monitoring::reports_at(&state, known).into_iter().map(|(_, report)| report).collect();
        let verifications = monitoring::verify_many_at(&state, &reports, known);
        Ok((known.0, verifications))
    }
}
