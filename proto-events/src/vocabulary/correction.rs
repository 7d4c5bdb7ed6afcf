//! Corrections: the ledger is append-only, so a wrong event is never edited; a later event
//! retracts it or replaces its payload, and projections apply the latest word.
//!
//! A correction lives in the stream of the event it targets, which only the command layer knows
//! (it looks the target up), so `Payload::stream` has no natural stream for these kinds.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::envelope::EventId;
use crate::vocabulary::validation::{self, FieldError};
use crate::vocabulary::{Payload, PayloadError};

/// `event_retracted`: a previous event is withdrawn as if it had not happened.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRetracted {
    /// The retracted event.
    pub target: EventId,
    /// Why.
    pub reason: String,
}

impl EventRetracted {
    /// Stateless checks.
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::text("reason", &self.reason)
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        None
    }
}

/// `event_corrected`: a previous event's payload is replaced by a full new payload of the same
/// kind (checked by the command layer, which knows the target).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventCorrected {
    /// The corrected event.
    pub target: EventId,
    /// Why.
    pub reason: String,
    /// The full replacement payload.
    pub replacement: Replacement,
}

impl EventCorrected {
    /// Stateless checks, including every check of the replacement payload (its fields are
    /// reported under `replacement.payload.`).
    pub fn validate(&self) -> Result<(), FieldError> {
        validation::text("reason", &self.reason)?;
        let payload = self.replacement.payload().map_err(|error| {
            FieldError::new(
                "replacement.payload",
                self.replacement.kind.as_str(),
                error.to_string(),
            )
        })?;
        if matches!(payload, Payload::EventRetracted(_) | Payload::EventCorrected(_)) {
            return Err(FieldError::new(
                "replacement.kind",
                payload.kind(),
                "исправление не может заменять другое исправление: отзовите его или исправьте исходное событие",
            ));
        }
        payload.validate().map_err(|error| error.within("replacement.payload"))
    }

    pub(crate) fn stream_key(&self) -> Option<(&'static str, &str)> {
        None
    }
}

/// A replacement payload as stored: kind, schema version and the canonical bytes of that kind's
/// struct, so the correction's bytes never depend on how a later build would re-encode it.
///
/// In JSON it is written like a `Payload`: `{"kind": "...", "payload": {typed fields}}`, at the
/// current schema version.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Replacement {
    /// Kind tag of the replacement.
    pub kind: String,
    /// Its schema version.
    pub schema_version: u16,
    /// Canonical bytes of the kind's payload struct.
    pub payload: Vec<u8>,
}

impl Replacement {
    /// Encodes a payload as a replacement.
    pub fn of(payload: &Payload) -> Result<Replacement, PayloadError> {
        let bytes = payload
            .encode()
            .map_err(|source| PayloadError::Encode { kind: payload.kind(), source })?;
        Ok(Replacement {
            kind: payload.kind().to_string(),
            schema_version: payload.schema_version(),
            payload: bytes,
        })
    }

    /// Decodes the replacement payload.
    pub fn payload(&self) -> Result<Payload, PayloadError> {
        Payload::decode(&self.kind, self.schema_version, &self.payload)
    }
}

#[derive(Serialize)]
struct ReplacementRef<'a> {
    kind: &'a str,
    schema_version: u16,
    payload: &'a [u8],
}

#[derive(Deserialize)]
struct ReplacementRepr {
    kind: String,
    schema_version: u16,
    payload: Vec<u8>,
}

impl Serialize for Replacement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            self.payload().map_err(serde::ser::Error::custom)?.serialize(serializer)
        } else {
            ReplacementRef {
                kind: &self.kind,
                schema_version: self.schema_version,
                payload: &self.payload,
            }
            .serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Replacement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let payload = Payload::deserialize(deserializer)?;
            Replacement::of(&payload).map_err(serde::de::Error::custom)
        } else {
            let repr = ReplacementRepr::deserialize(deserializer)?;
            Ok(Replacement {
                kind: repr.kind,
                schema_version: repr.schema_version,
                payload: repr.payload,
            })
        }
    }
}
