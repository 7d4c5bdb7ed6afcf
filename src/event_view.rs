//! The JSON view of a stored event, shared by `replay`, the HTTP API and the change feed.
//!
//! Payloads are shown typed where this build knows the kind and version; otherwise as hex with
//! the decoding error, so that replay never hides an event it cannot read.

use proto_events::vocabulary::Payload;
use proto_events::Envelope;
use serde_json::{json, Value};

/// The JSON object for one event.
pub fn event_json(event: &Envelope) -> Value {
    json!({
        "seq": event.seq.0,
        "id": event.id.to_string(),
        "stream": event.stream.as_str(),
        "stream_version": event.stream_version,
        "kind": event.kind,
        "schema_version": event.schema_version,
        "recorded_at": event.recorded_at.to_string(),
        "effective": event.effective.to_string(),
        "actor": { "role": event.actor.role.to_string(), "id": event.actor.id },
        "basis": event.basis.as_ref().map(|basis| json!({
            "kind": basis.kind,
            "number": basis.number,
            "date": basis.date.to_string(),
            "title": basis.title,
            "text": basis.to_string(),
        })),
        "payload": payload_json(event),
        "prev_hash": event.prev_hash.to_hex(),
        "hash": event.hash.to_hex(),
    })
}

fn payload_json(event: &Envelope) -> Value {
    let typed =
        Payload::decode_envelope(event).map_err(|error| error.to_string()).and_then(|payload| {
            // Payload's JSON is {"kind": …, "payload": {…}}; the kind is already beside it.
            match serde_json::to_value(&payload) {
                Ok(Value::Object(mut object)) => {
                    object.remove("payload").ok_or_else(|| "no payload".into())
                }
                Ok(other) => Ok(other),
                Err(error) => Err(error.to_string()),
            }
        });
    match typed {
        Ok(value) => value,
        Err(error) => json!({ "hex": hex::encode(&event.payload), "decode_error": error }),
    }
}
