//! Pure folds from ledger events to state: current plans, teacher routes, registries and
//! monitoring figures, for any valid date and any knowledge point.
//!
//! No I/O, no clock, no randomness: events in, state out.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
