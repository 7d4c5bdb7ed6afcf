//! Feeding the projection folds from the store: the state as known at a knowledge point `K`
//! (a seq, a recorded time, or now), from stored snapshots plus the events after them, with the
//! head state kept in memory (`head`); and the indicator figures and report verifications
//! evaluated on it.
//!
//! Figures and report verifications at any `K` read the head state as known at `K`: the state is
//! bitemporal (see `projections::state`), so no snapshot is decoded and nothing is refolded for
//! them; nor for the organisations registry view. Plans and teachers' routes at "now" read the
//! head state; at an earlier `K`, a state folded to `K` (`state_at`), from the nearest snapshot;
//! `figures_state_at` (a figures-only fold to `K`) is kept as the benchmark's baseline.
//! A query at "now" may be answered from the last completed head state while a fold is in
//! flight: its answer names the seq it is as of (`known_at_seq`, or the `Known-At-Seq` header).
//!
//! The folds themselves are pure (`projections`); this module only reads the store and keeps
//! snapshots, which are a cache: deleting the `snapshots` tree changes no answer, only its speed.

pub mod due;
pub mod head;
pub mod json;
pub mod parameters;
pub mod snapshot;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use projections::cycle::{self, PeriodStatusView, PeriodView};
use projections::monitoring::{self, Verification};
use projections::state::{apply_for_figures, Known};
use projections::{apply, Figure, State};
use proto_events::vocabulary::{PeriodId, Scope};
use proto_events::{Date, EventId, Seq, Timestamp};

use crate::query::head::{Head, HeadCounters, Turn};
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
/// passed that has none. A snapshot that cannot be written is reported and skipped
/// (`snapshot::save_or_report`): the fold does not fail for a cache.
pub fn fold_forward(store: &Store, mut state: State, k: u64) -> Result<State, QueryError> {
    if state.seq >= k {
        return Ok(state);
    }
    for event in store.range(Seq(state.seq.saturating_add(1)), Seq(k)) {
        let event = event?;
        apply(&mut state, &event);
        if snapshot::is_checkpoint(event.seq.0) {
            snapshot::save_or_report(store, &state);
        }
    }
    Ok(state)
}

/// A store with the head state in memory (`head`): queries at "now" share it, and a query at a
/// later `K` continues it.
pub struct Projector {
    store: Store,
    head: Head,
    /// Seq of the head state, readable while a fold runs (for `/metrics`).
    latest_seq: AtomicU64,
}

impl Projector {
    /// A projector over an open store.
    pub fn new(store: Store) -> Projector {
        Projector { store, head: Head::default(), latest_seq: AtomicU64::new(0) }
    }

    /// Seq of the state kept in memory (0 before the first query): the head minus this is how
    /// far the projections lag the ledger.
    pub fn latest_seq(&self) -> u64 {
        self.latest_seq.load(Ordering::Relaxed)
    }

    /// What the head state did so far: folds, events folded, clones, and queries answered from
    /// the last completed state while a fold was in flight.
    pub fn head_counters(&self) -> HeadCounters {
        self.head.counters()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The state as known at `known_at`.
    ///
    /// At "now": the head state, moved to the head by one fold at a time; when a fold is in
    /// flight, the last completed head state, whose `seq` says what it knows (see `head`). At a
    /// seq or a time: the state folded to exactly that seq, the head state itself when it is
    /// there (moved there when it is behind), else a fold from the nearest snapshot.
    pub fn state_at(&self, known_at: KnownAt) -> Result<Arc<State>, QueryError> {
        let k = resolve(&self.store, known_at)?;
        if known_at == KnownAt::Now {
            return self.now(k);
        }
        match self.head.published() {
            Some(published) if published.seq == k => Ok(published),
            Some(published) if published.seq > k => {
                Ok(Arc::new(state_at(&self.store, KnownAt::Seq(k))?))
            }
            _ => {
                let advanced = self.advance(&mut self.head.turn(), k)?;
                if advanced.seq == k {
                    Ok(advanced)
                } else {
                    // Another fold went past K meanwhile.
                    Ok(Arc::new(state_at(&self.store, KnownAt::Seq(k))?))
                }
            }
        }
    }

    /// The head state at "now" (`head` is the head read for this query): the published state
    /// when it has reached `head`; else moved there, unless a fold is in flight, in which case
    /// the published state as it is. Waits only when nothing was ever published.
    fn now(&self, head: u64) -> Result<Arc<State>, QueryError> {
        match self.head.published() {
            Some(published) if published.seq >= head => Ok(published),
            Some(published) => match self.head.turn_unless_folding() {
                Some(mut turn) => self.advance(&mut turn, head),
                None => Ok(published),
            },
            None => self.advance(&mut self.head.turn(), head),
        }
    }

    /// Moves the head state to `k` with the right to fold, `turn`, and returns it; when another
    /// fold already reached `k` while this one waited for its turn, returns that state unchanged
    /// (its seq may be beyond `k`).
    fn advance(&self, turn: &mut Turn<'_>, k: u64) -> Result<Arc<State>, QueryError> {
        if let Some(published) = self.head.published() {
            if published.seq >= k {
                return Ok(published);
            }
        }
        let working = self.head.working_copy(turn);
        let from_snapshot = snapshot::latest_seq_at_or_before(&self.store, k)?;
        let start = match working {
            Some(state) if from_snapshot.is_none_or(|seq| seq <= state.seq) => state,
            // A snapshot is nearer than the state in memory (or there is none).
            _ => snapshot::load_at_or_before(&self.store, k)?.unwrap_or_default(),
        };
        let from_seq = start.seq;
        let state = Arc::new(fold_forward(&self.store, start, k)?);
        self.latest_seq.store(state.seq, Ordering::Relaxed);
        self.head.publish(turn, Arc::clone(&state), from_seq);
        Ok(state)
    }

    /// A state for indicator figures as known at `known_at`: the cached latest state when it is
    /// at K; otherwise, when the nearest snapshot is at the last checkpoint before K, that
    /// snapshot decoded without plans, routes and amendments (`decode_for_figures`, about half
    /// the decoding) folded forward to K, neither stored nor cached. When a checkpoint on the way
    /// has no snapshot yet, or K is the head, the full `state_at` writes and caches as usual.
    pub fn figures_state_at(&self, known_at: KnownAt) -> Result<Arc<State>, QueryError> {
        let k = resolve(&self.store, known_at)?;
        let cached = self.head.published();
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
    /// at. At "now": the head state (`state_at`), read as known at its own seq, which may be
    /// behind the ledger's head while a fold is in flight (the answer names it). At a seq or a
    /// time: the head state when it has reached K (any later state answers K), else the head
    /// state moved to the head. Read it with `monitoring::catalogue_at` and the other `_at`
    /// functions; its own `seq` may be beyond K.
    pub fn figures_at(&self, known_at: KnownAt) -> Result<(Arc<State>, Known), QueryError> {
        if known_at == KnownAt::Now {
            let state = self.state_at(KnownAt::Now)?;
            let known = Known(state.seq);
            return Ok((state, known));
        }
        let k = resolve(&self.store, known_at)?;
        let state = match self.head.published() {
            Some(published) if published.seq >= k => published,
            _ => self.advance(&mut self.head.turn(), self.store.head().seq.0.max(k))?,
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

    /// `verify_reports_at`, followed by the figures of every submission accepted as known at
    /// `known_at` (issue #16), verified by the same code: what the API's report check lists.
    pub fn verify_reports_and_submissions_at(
        &self,
        known_at: KnownAt,
    ) -> Result<(u64, Vec<Verification>), QueryError> {
        let (state, known) = self.figures_at(known_at)?;
        let reports: Vec<EventId> =
            monitoring::reports_at(&state, known).into_iter().map(|(_, report)| report).collect();
        let mut verifications = monitoring::verify_many_at(&state, &reports, known);
        let accepted = cycle::accepted_figures_at(&state.cycle, known);
        verifications.extend(monitoring::verify_submitted_at(&state, &accepted, known));
        Ok((known.0, verifications))
    }

    /// Every reporting period known at `known_at`, with the seq it resolved to.
    pub fn periods_at(&self, known_at: KnownAt) -> Result<(u64, Vec<PeriodView>), QueryError> {
        let (state, known) = self.figures_at(known_at)?;
        Ok((known.0, cycle::periods_at(&state.cycle, known)))
    }

    /// One period with every scope's status as known at `known_at` (None: unknown then).
    pub fn period_status_at(
        &self,
        period: &PeriodId,
        known_at: KnownAt,
    ) -> Result<(u64, Option<PeriodStatusView>), QueryError> {
        let (state, known) = self.figures_at(known_at)?;
        Ok((known.0, cycle::period_status_at(&state.cycle, period, known)))
    }
}
