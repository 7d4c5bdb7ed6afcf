//! The one canonical encoding: bincode 2 with a single explicit configuration.
//!
//! bincode is unmaintained (RUSTSEC-2025-0141), so it is used here and nowhere else: swapping it
//! for a hand-written encoder of the same bytes touches only this module, and the golden vectors
//! prove the bytes did not move. The configuration is big-endian, fixed-width integers (lengths
//! and enum tags included, as u64 and u32) and a decode size limit. Decoding is strict: every byte
//! must be consumed and re-encoding must give back the input, so each value has exactly one
//! accepted encoding.
//!
//! `cache` is the second, and last, configuration here: the storage format of cached states
//! (projection and gate snapshots), which are never hashed or signed.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::limits::EVENT_BYTES_MAX;

/// Errors of the canonical codec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The value could not be encoded (a bug in the value's type, or a limit).
    #[error("cannot encode {what}: {reason}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The bytes are not a valid encoding of the expected type.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// Bytes remained after the value.
    #[error("cannot decode {what}: {extra} trailing bytes")]
    Trailing {
        /// What was being decoded.
        what: &'static str,
        /// Number of bytes left over.
        extra: usize,
    },
    /// The bytes decode, but are not the canonical encoding of the value they decode to.
    #[error("cannot decode {what}: bytes are not canonical")]
    NotCanonical {
        /// What was being decoded.
        what: &'static str,
    },
}

/// The one configuration, with a decode limit of `LIMIT` bytes: `EVENT_BYTES_MAX` for the canonical
/// encoding, `CACHED_STATE_BYTES_MAX` for `cache`. The limit changes no encoded byte.
type Config<const LIMIT: usize> = bincode::config::Configuration<
    bincode::config::BigEndian,
    bincode::config::Fixint,
    bincode::config::Limit<LIMIT>,
>;

fn config<const LIMIT: usize>() -> Config<LIMIT> {
    bincode::config::standard().with_big_endian().with_fixed_int_encoding().with_limit::<LIMIT>()
}

fn encode_limited<T: Serialize, const LIMIT: usize>(
    what: &'static str,
    value: &T,
) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, config::<LIMIT>())
        .map_err(|error| CodecError::Encode { what, reason: error.to_string() })
}

/// Decodes a value that must take every byte of `bytes`.
fn decode_whole<T: DeserializeOwned, const LIMIT: usize>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, CodecError> {
    let (value, read): (T, usize) = bincode::serde::decode_from_slice(bytes, config::<LIMIT>())
        .map_err(|error| CodecError::Decode { what, reason: error.to_string() })?;
    if read != bytes.len() {
        return Err(CodecError::Trailing { what, extra: bytes.len().saturating_sub(read) });
    }
    Ok(value)
}

/// Encodes a value canonically.
pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, CodecError> {
    encode_limited::<T, EVENT_BYTES_MAX>(what, value)
}

/// Encodes a value canonically into a buffer with `capacity` bytes reserved up front: the caller's
/// estimate of the encoded size plus whatever it appends after (the buffer still grows if short).
/// The bytes are exactly those of `encode`.
pub fn encode_with_capacity<T: Serialize>(
    what: &'static str,
    value: &T,
    capacity: usize,
) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(capacity);
    bincode::serde::encode_into_std_write(value, &mut out, config::<EVENT_BYTES_MAX>())
        .map_err(|error| CodecError::Encode { what, reason: error.to_string() })?;
    Ok(out)
}

/// Decodes a value and checks that the input was its one canonical encoding.
pub fn decode<T: Serialize + DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, CodecError> {
    let value: T = decode_whole::<T, EVENT_BYTES_MAX>(what, bytes)?;
    // Strings, enum tags and Options have one encoding each under this configuration, but maps
    // decode from unsorted or duplicated keys too; re-encoding catches every such case at once.
    let again = encode(what, &value)?;
    if again != bytes {
        return Err(CodecError::NotCanonical { what });
    }
    Ok(value)
}

/// The storage format of cached states: what the store keeps beside the chain (projection and
/// gate snapshots) to avoid refolding the log.
///
/// **Never hashed, signed or exported**: a cached state is derived data that can be deleted
/// without changing any answer, so it is not part of the format ENCODING.md specifies, and its
/// bytes may change with a build (the caller's format version says which bytes it reads).
/// The configuration is the canonical one (big-endian, fixed-width integers) with a larger size
/// limit, `CACHED_STATE_BYTES_MAX` instead of `EVENT_BYTES_MAX`: a region's head state is
/// hundreds of megabytes. Decoding consumes every byte but does not re-encode to check
/// canonicity: the callers check their bytes against a BLAKE3 they stored beside them.
pub mod cache {
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    use crate::codec::{decode_whole, encode_limited, CodecError};
    use crate::limits::CACHED_STATE_BYTES_MAX;

    /// Encodes a cached state; a state over `CACHED_STATE_BYTES_MAX` is an error (it would not
    /// decode).
    pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, CodecError> {
        let bytes = encode_limited::<T, CACHED_STATE_BYTES_MAX>(what, value)?;
        if bytes.len() > CACHED_STATE_BYTES_MAX {
            return Err(CodecError::Encode {
                what,
                reason: format!(
                    "{} bytes exceed CACHED_STATE_BYTES_MAX ({CACHED_STATE_BYTES_MAX})",
                    bytes.len()
                ),
            });
        }
        Ok(bytes)
    }

    /// Decodes a cached state that must take every byte of `bytes`; a length prefix beyond the
    /// limit is an error before anything is allocated.
    pub fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T, CodecError> {
        decode_whole::<T, CACHED_STATE_BYTES_MAX>(what, bytes)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn integers_are_big_endian_fixed_width() {
        assert_eq!(encode("u64", &1u64).unwrap(), vec![0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(encode("u16", &0x0102u16).unwrap(), vec![1, 2]);
        assert_eq!(encode("str", &"ab").unwrap(), vec![0, 0, 0, 0, 0, 0, 0, 2, b'a', b'b']);
    }

    #[test]
    fn rejects_trailing_bytes() {
        let mut bytes = encode("u16", &7u16).unwrap();
        bytes.push(0);
        assert_eq!(
            decode::<u16>("u16", &bytes),
            Err(CodecError::Trailing { what: "u16", extra: 1 })
        );
    }

    #[test]
    fn rejects_unsorted_map_keys() {
        let mut map = BTreeMap::new();
        map.insert(1u8, 0u8);
        map.insert(2u8, 0u8);
        let bytes = encode("map", &map).unwrap();
        // Swap the two entries: still decodes to the same map, but is not canonical.
        let mut swapped = bytes[..8].to_vec();
        swapped.extend_from_slice(&bytes[10..12]);
        swapped.extend_from_slice(&bytes[8..10]);
        assert_eq!(
            decode::<BTreeMap<u8, u8>>("map", &swapped),
            Err(CodecError::NotCanonical { what: "map" })
        );
    }

    #[test]
    fn rejects_bad_option_tag_and_bad_utf8() {
        assert!(decode::<Option<u8>>("option", &[2, 0]).is_err());
        assert!(decode::<String>("string", &[0, 0, 0, 0, 0, 0, 0, 1, 0xff]).is_err());
    }

    #[test]
    fn length_prefix_beyond_limit_is_an_error_not_an_allocation() {
        let bytes = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, b'a'];
        assert!(decode::<String>("string", &bytes).is_err());
    }

    #[test]
    fn a_cached_state_is_encoded_like_the_canonical_bytes() {
        let mut map = BTreeMap::new();
        map.insert("key".to_string(), (7u64, Some(-1i32)));
        let value = (map, vec![1u16, 2], "текст".to_string());
        assert_eq!(cache::encode("state", &value).unwrap(), encode("state", &value).unwrap());
        let bytes = cache::encode("state", &value).unwrap();
        assert_eq!(
            cache::decode::<(BTreeMap<String, (u64, Option<i32>)>, Vec<u16>, String)>(
                "state", &bytes
            ),
            Ok(value)
        );
    }

    #[test]
    fn a_cached_state_rejects_trailing_bytes_and_huge_length_prefixes() {
        let mut bytes = cache::encode("state", &7u16).unwrap();
        bytes.push(0);
        assert_eq!(
            cache::decode::<u16>("state", &bytes),
            Err(CodecError::Trailing { what: "state", extra: 1 })
        );
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, b'a'];
        assert!(cache::decode::<String>("state", &huge).is_err());
        assert!(cache::decode::<Vec<u8>>("state", &huge).is_err());
    }
}
