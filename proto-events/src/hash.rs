//! Event hashes: blake3 with domain separation, and constant-time comparison.
//!
//! An event hash is `blake3(EVENT_HASH_DOMAIN || body)` where `body` is the canonical encoding of
//! the envelope without its hash. The domain tag keeps event hashes apart from any other hash we
//! may publish later (Merkle nodes, checkpoints), as RFC 6962 does with its 0x00/0x01 prefixes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;

/// Domain-separation prefix of event hashes (format version 1).
pub const EVENT_HASH_DOMAIN: &[u8] = b"letopis/event/v1\x00";

/// A 32-byte blake3 hash.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The `prev_hash` of the first event: 32 zero bytes.
    pub const ZERO: Hash = Hash([0; 32]);

    /// Hashes an event body (the canonical bytes of everything but the hash).
    pub fn of_event_body(body: &[u8]) -> Hash {
        let mut hasher = blake3::Hasher::new();
        hasher.update(EVENT_HASH_DOMAIN);
        hasher.update(body);
        Hash(*hasher.finalize().as_bytes())
    }

    /// Compares in constant time; use for hashes that come from outside.
    pub fn ct_eq(&self, other: &Hash) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0x0f));
        }
        out
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Option<Hash> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let high = hex_value(*pair.first()?)?;
            let low = hex_value(*pair.get(1)?)?;
            *slot = (high << 4) | low;
        }
        Some(Hash(out))
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 })
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.serialize_str(&self.to_hex())
        } else {
            self.0.serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            Hash::from_hex(&text).ok_or_else(|| {
                serde::de::Error::custom("ожидается хеш: 64 строчные шестнадцатеричные цифры")
            })
        } else {
            <[u8; 32]>::deserialize(deserializer).map(Hash)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_rejects_uppercase() {
        let hash = Hash::of_event_body(b"x");
        assert_eq!(Hash::from_hex(&hash.to_hex()), Some(hash));
        assert_eq!(Hash::from_hex(&hash.to_hex().to_uppercase()), None);
        assert_eq!(Hash::from_hex("00"), None);
    }

    #[test]
    fn domain_tag_changes_the_hash() {
        // The event hash must not equal a bare blake3 of the body: the domain tag is applied.
        let body = b"body";
        assert_ne!(Hash::of_event_body(body).0, *blake3::hash(body).as_bytes());
    }
}
