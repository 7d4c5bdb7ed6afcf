//! The head state: the projection state folded to the newest head, shared by every query at
//! "now" (`Projector`).
//!
//! Every append moves the head, and under load most queries at "now" find it moved. So:
//! - one fold at a time moves the head state (single flight): concurrent queries fold once per
//!   head, never each their own;
//! - a query at "now" that finds a fold in flight answers from the last completed state, as of
//!   its seq (which the answer names), instead of waiting for the newer one;
//! - a fold continues a spare copy of the state in place instead of cloning the one queries
//!   hold. Two copies exist at most: the published state, which queries hold, and the spare, the
//!   one published before it, which the next fold takes back once the queries that held it are
//!   done. It waits for them at most `SPARE_WAIT` (the fold runs on the thread of the query that
//!   started it; nobody else waits), then clones the published state instead.
//!
//! **Invariant:** a published state is never changed: a query holds one whole fold to one seq,
//! never a mix of two heads. A fold starts from a whole state at some seq `s` and applies the
//! events `s+1..=k`, which equals the fold of `1..=k` (the projections' "replay = incremental"
//! property tests).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use projections::State;

/// How long a fold waits for the queries still holding the spare state before it clones the
/// published one instead: about the longest a catalogue takes on a large region (~130 ms).
/// A query that holds the spare itself and then starts a fold (rare) waits this long once.
pub const SPARE_WAIT: Duration = Duration::from_millis(200);

/// How often a fold looks whether the spare state is free while it waits for it.
const SPARE_POLL: Duration = Duration::from_millis(1);

/// What the head state did since the projector was made (for tests and benchmarks: they
/// assert on counts, never on times).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeadCounters {
    /// Folds that published a new head state.
    pub folds: u64,
    /// Events applied by those folds.
    pub events_folded: u64,
    /// Folds that cloned the published state (the spare was held past `SPARE_WAIT`, or there
    /// was none yet).
    pub clones: u64,
    /// Queries at "now" answered from the last completed state while a fold was in flight.
    pub answered_during_fold: u64,
}

/// The published head state and the spare (see the module documentation).
#[derive(Default)]
pub(crate) struct Head {
    /// The last completed head state. Held only to clone or replace the `Arc`.
    published: Mutex<Option<Arc<State>>>,
    /// The state published before `published`, for the next fold to continue. Its lock is the
    /// single flight: held by the one fold in progress.
    spare: Mutex<Option<Arc<State>>>,
    folds: AtomicU64,
    events_folded: AtomicU64,
    clones: AtomicU64,
    answered_during_fold: AtomicU64,
}

/// The right to fold: held by one fold at a time.
pub(crate) struct Turn<'a> {
    spare: MutexGuard<'a, Option<Arc<State>>>,
}

impl Head {
    /// The last completed head state (None before the first fold).
    pub(crate) fn published(&self) -> Option<Arc<State>> {
        lock(&self.published).clone()
    }

    /// The right to fold, waiting for a fold in flight to finish.
    pub(crate) fn turn(&self) -> Turn<'_> {
        Turn { spare: lock(&self.spare) }
    }

    /// The right to fold, or None when a fold is in flight (counted as a query answered from
    /// the last completed state: the caller answers from it).
    pub(crate) fn turn_unless_folding(&self) -> Option<Turn<'_>> {
        match self.spare.try_lock() {
            Ok(spare) => Some(Turn { spare }),
            Err(TryLockError::Poisoned(poisoned)) => Some(Turn { spare: poisoned.into_inner() }),
            Err(TryLockError::WouldBlock) => {
                self.answered_during_fold.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// A state the holder of `turn` may fold forward in place: the spare once nobody holds it
    /// (waiting at most `SPARE_WAIT`), else a clone of the published state; None when nothing
    /// was ever published.
    pub(crate) fn working_copy(&self, turn: &mut Turn<'_>) -> Option<State> {
        if let Some(mut spare) = turn.spare.take() {
            let deadline = Instant::now() + SPARE_WAIT;
            loop {
                match Arc::try_unwrap(spare) {
                    Ok(state) => return Some(state),
                    Err(shared) if Instant::now() < deadline => {
                        spare = shared;
                        std::thread::sleep(SPARE_POLL);
                    }
                    // Still held (a long read, or a feed's filter): dropped here, freed by the
                    // last query that holds it.
                    Err(_) => break,
                }
            }
        }
        let published = self.published()?;
        self.clones.fetch_add(1, Ordering::Relaxed);
        Some((*published).clone())
    }

    /// Publishes `state`, folded by the holder of `turn` from a state at `from_seq`; the state
    /// it replaces becomes the spare.
    pub(crate) fn publish(&self, turn: &mut Turn<'_>, state: Arc<State>, from_seq: u64) {
        debug_assert!(
            self.published().is_none_or(|published| published.seq <= state.seq),
            "a fold published a state behind the head state"
        );
        self.folds.fetch_add(1, Ordering::Relaxed);
        self.events_folded.fetch_add(state.seq.saturating_sub(from_seq), Ordering::Relaxed);
        let previous = lock(&self.published).replace(state);
        *turn.spare = previous;
    }

    /// The counters so far.
    pub(crate) fn counters(&self) -> HeadCounters {
        HeadCounters {
            folds: self.folds.load(Ordering::Relaxed),
            events_folded: self.events_folded.load(Ordering::Relaxed),
            clones: self.clones.load(Ordering::Relaxed),
            answered_during_fold: self.answered_during_fold.load(Ordering::Relaxed),
        }
    }
}

/// A lock whose holder panicked still guards a whole value: both slots are only ever replaced
/// by finished states.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
