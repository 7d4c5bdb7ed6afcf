//! What a fold sees of an event besides its payload: position, times, actor and basis.

use proto_events::{Actor, Basis, Effective, Envelope, EventId, Seq, StreamName, Timestamp};

/// The envelope fields of the event being applied (the payload is passed decoded, separately).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventContext {
    /// Ledger position.
    pub seq: Seq,
    /// Event id: the key under which facts are stored, so corrections can find them.
    pub id: EventId,
    /// Stream.
    pub stream: StreamName,
    /// Transaction time.
    pub recorded_at: Timestamp,
    /// Valid time of the envelope.
    pub effective: Effective,
    /// Who recorded it.
    pub actor: Actor,
    /// The act it rests on.
    pub basis: Option<Basis>,
}

impl EventContext {
    /// The context of an envelope.
    pub fn of(envelope: &Envelope) -> EventContext {
        EventContext {
            seq: envelope.seq,
            id: envelope.id,
            stream: envelope.stream.clone(),
            recorded_at: envelope.recorded_at,
            effective: envelope.effective,
            actor: envelope.actor.clone(),
            basis: envelope.basis.clone(),
        }
    }
}
