//! Pure folds from ledger events to state: registries, current plans, teacher routes and
//! monitoring figures, for any valid date and any knowledge point.
//!
//! No I/O, no clock, no randomness: events in, state out. `State` is the fold of the events with
//! `seq ≤ K` (the knowledge point); everything it holds keeps valid-time history, so a figure can
//! be evaluated at any valid date `D` from one state. Facts are keyed by the id of the event that
//! recorded them, so a later retraction or correction (`event_retracted`, `event_corrected`)
//! changes the state from its own seq on, and "as known then" stays what it was. The facts the
//! figures read are also kept with their knowledge interval, so one state folded to the head
//! answers the figures as known at any earlier `K` (`state::Known`, `monitoring::catalogue_at`).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod context;
pub mod cycle;
pub mod decision;
pub mod definitions;
pub mod due;
pub mod execution_report;
pub mod learning;
pub mod monitoring;
pub mod monitoring_report;
pub mod plan;
pub mod register;
pub mod registry;
pub mod state;
pub mod teacher_route;

pub use context::EventContext;
pub use monitoring::{catalogue, figure, Figure};
pub use state::{apply, Anomaly, State, FOLD_VERSION};
