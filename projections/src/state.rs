//! The whole projected state and the one `apply` that dispatches each event to the sub-states.
//! (Being built: the monitoring work owns this file.)

use proto_events::Envelope;

/// An event inconsistent with the state so far: recorded as data, never an error or a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anomaly {
    /// Where.
    pub seq: u64,
    /// What.
    pub message: String,
}

/// The projected state after some prefix of the ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// Last applied seq (0 when nothing was applied).
    pub seq: u64,
    /// Inconsistencies seen.
    pub anomalies: Vec<Anomaly>,
}

/// Folds one event into the state.
pub fn apply(state: &mut State, event: &Envelope) {
    state.seq = event.seq.0;
}
