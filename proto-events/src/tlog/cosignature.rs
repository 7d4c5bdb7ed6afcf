//! Witness cosignatures (C2SP tlog-cosignature, Ed25519 `cosignature/v1`): a witness's key
//! (signature type 0x04, so its key id differs from the same key's note id), the signed message
//! `cosignature/v1\ntime <timestamp>\n<checkpoint note text>`, the signature line
//! `— <name> base64(key id ‖ u64 timestamp ‖ Ed25519 signature)`, signing and verifying.
//!
//! A cosigned checkpoint is an ordinary signed note with more signature lines: `note::open` with
//! the log's key returns the witnesses' lines among its unknown signatures, and `verify_lines`
//! checks those of the witnesses a reader trusts. The timestamp is the caller's (this crate
//! reads no clock).

use std::fmt;

use base64::Engine;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::tlog::note::{check_text, KeyError, KeyId, KeyName, NoteError, SignatureLine};

/// The signature type byte of an Ed25519 `cosignature/v1` key (C2SP tlog-cosignature).
pub const SIGNATURE_TYPE_COSIGNATURE_V1: u8 = 0x04;
/// The largest timestamp a cosignature may carry (the specification: at most 2^63 - 1).
pub const TIMESTAMP_SECONDS_MAX: u64 = (1 << 63) - 1;
/// Bytes of a cosignature after the key id: the timestamp and the Ed25519 signature.
const TIMESTAMPED_SIGNATURE_BYTES: usize = 8 + 64;
/// The prefix of a signing key's text.
const SIGNING_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// A witness's signing key: name, key id (type 0x04) and Ed25519 key. `Debug` shows no secret.
#[derive(Clone)]
pub struct CosignatureSigner {
    name: KeyName,
    id: KeyId,
    key: SigningKey,
}

impl fmt::Debug for CosignatureSigner {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "CosignatureSigner({}+{})", self.name, self.id)
    }
}

impl CosignatureSigner {
    /// The signer of an Ed25519 seed (32 random bytes; the caller draws them).
    pub fn from_seed(name: KeyName, seed: [u8; 32]) -> CosignatureSigner {
        let key = SigningKey::from_bytes(&seed);
        let id = cosignature_key_id(&name, &key.verifying_key());
        CosignatureSigner { name, id, key }
    }

    /// Parses a signing key's text, `PRIVATE+KEY+<name>+<hex id>+<base64(0x04 ‖ seed)>`.
    pub fn parse(text: &str) -> Result<CosignatureSigner, KeyError> {
        const FORM: &str = "PRIVATE+KEY+<name>+<hex id>+<base64>";
        let rest = text
            .trim_end_matches('\n')
            .strip_prefix(SIGNING_KEY_PREFIX)
            .ok_or(KeyError::Malformed { expected: FORM })?;
        let (name, id, seed) = split_key(rest, FORM)?;
        let signer = CosignatureSigner::from_seed(name, seed);
        check_id(id, signer.id)?;
        Ok(signer)
    }

    /// The signing key's text (a secret: write it only to a file only its owner reads).
    pub fn to_text(&self) -> String {
        format!("{SIGNING_KEY_PREFIX}{}+{}+{}", self.name, self.id, typed(self.key.as_bytes()))
    }

    /// The witness's name.
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The verifier of this key.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// The cosignature line of a checkpoint's note text at `timestamp_seconds`,
    /// `— <name> base64(id ‖ timestamp ‖ signature)\n`.
    pub fn cosign(&self, text: &str, timestamp_seconds: u64) -> Result<String, CosignatureError> {
        check_text(text)?;
        check_timestamp(timestamp_seconds)?;
        let signature = self.key.sign(message(text, timestamp_seconds).as_bytes());
        let mut bytes = self.id.0.to_be_bytes().to_vec();
        bytes.extend_from_slice(&timestamp_seconds.to_be_bytes());
        bytes.extend_from_slice(&signature.to_bytes());
        Ok(format!("\u{2014} {} {}\n", self.name, encode(&bytes)))
    }
}

/// A witness's verifier key, `<name>+<hex id>+<base64(0x04 ‖ public key)>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: KeyName,
    id: KeyId,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// Parses a verifier key of type 0x04.
    pub fn parse(text: &str) -> Result<CosignatureVerifier, KeyError> {
        const FORM: &str = "<name>+<hex id>+<base64>";
        let (name, id, bytes) = split_key(text.trim_end_matches('\n'), FORM)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::BadMaterial)?;
        let computed = cosignature_key_id(&name, &key);
        check_id(id, computed)?;
        Ok(CosignatureVerifier { name, id: computed, key })
    }

    /// The verifier key's text.
    pub fn to_text(&self) -> String {
        format!("{}+{}+{}", self.name, self.id, typed(self.key.as_bytes()))
    }

    /// The witness's name.
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key id (type 0x04).
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// Whether a signature line is this witness's (name and key id), whatever it signs.
    pub fn is_signer_of(&self, line: &SignatureLine) -> bool {
        line.name == self.name.as_str() && line.id == self.id
    }

    /// Verifies this witness's cosignature line of a note text; the cosignature's timestamp.
    pub fn verify(&self, text: &str, line: &SignatureLine) -> Result<u64, CosignatureError> {
        let bad = || CosignatureError::BadSignature { name: self.name.clone(), id: self.id };
        if !self.is_signer_of(line) {
            return Err(bad());
        }
        let (timestamp, signature) = line
            .signature
            .split_first_chunk::<8>()
            .filter(|_| line.signature.len() == TIMESTAMPED_SIGNATURE_BYTES)
            .ok_or(CosignatureError::BadLength {
                found: line.signature.len(),
                expected: TIMESTAMPED_SIGNATURE_BYTES,
            })?;
        let timestamp = u64::from_be_bytes(*timestamp);
        check_timestamp(timestamp)?;
        let signature = <[u8; 64]>::try_from(signature).map_err(|_| bad())?;
        let signature = ed25519_dalek::Signature::from_bytes(&signature);
        self.key
            .verify_strict(message(text, timestamp).as_bytes(), &signature)
            .map_err(|_| bad())?;
        Ok(timestamp)
    }
}

/// A witness's cosignature that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    /// The witness's name.
    pub name: KeyName,
    /// Its key id.
    pub id: KeyId,
    /// When it cosigned, seconds since the Unix epoch.
    pub timestamp_seconds: u64,
}

/// Why a cosignature is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    /// The note text cannot be cosigned.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// A timestamp above 2^63 - 1.
    #[error("timestamp {0} is above 2^63 - 1")]
    BadTimestamp(u64),
    /// The signature is not a timestamp and an Ed25519 signature.
    #[error("the cosignature has {found} bytes after the key id, not {expected}")]
    BadLength {
        /// Bytes found.
        found: usize,
        /// Bytes of a timestamp and an Ed25519 signature.
        expected: usize,
    },
    /// The signature does not verify: the checkpoint or the timestamp was changed, or forged.
    #[error("the cosignature of witness {name}+{id} does not verify")]
    BadSignature {
        /// The witness's name.
        name: KeyName,
        /// Its key id.
        id: KeyId,
    },
    /// Two cosignature lines of one witness.
    #[error("witness {name}+{id} cosigned the note twice")]
    Duplicate {
        /// The witness's name.
        name: KeyName,
        /// Its key id.
        id: KeyId,
    },
}

/// The message a witness signs: `cosignature/v1\ntime <timestamp>\n` and the note text (its
/// final newline included, its signature lines not).
pub fn message(text: &str, timestamp_seconds: u64) -> String {
    format!("cosignature/v1\ntime {timestamp_seconds}\n{text}")
}

/// The key id of a witness's Ed25519 key: `SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]`.
pub fn cosignature_key_id(name: &KeyName, key: &VerifyingKey) -> KeyId {
    let mut hasher = Sha256::new();
    hasher.update(name.as_str().as_bytes());
    hasher.update([b'\n', SIGNATURE_TYPE_COSIGNATURE_V1]);
    hasher.update(key.as_bytes());
    let digest: [u8; 32] = hasher.finalize().into();
    let [a, b, c, d, ..] = digest;
    KeyId(u32::from_be_bytes([a, b, c, d]))
}

/// Checks the cosignatures among a note's signature lines (the unknown lines `note::open`
/// returns) by the witnesses a reader trusts: lines of other keys are ignored, a trusted
/// witness's line that does not verify or appears twice refuses the whole note. The witnesses
/// that cosigned, in the order of their lines.
pub fn verify_lines(
    text: &str,
    lines: &[SignatureLine],
    witnesses: &[CosignatureVerifier],
) -> Result<Vec<Cosigned>, CosignatureError> {
    let mut cosigned: Vec<Cosigned> = Vec::new();
    for line in lines {
        let Some(witness) = witnesses.iter().find(|witness| witness.is_signer_of(line)) else {
            continue;
        };
        if cosigned.iter().any(|seen| seen.name == witness.name && seen.id == witness.id) {
            return Err(CosignatureError::Duplicate { name: witness.name.clone(), id: witness.id });
        }
        let timestamp_seconds = witness.verify(text, line)?;
        cosigned.push(Cosigned { name: witness.name.clone(), id: witness.id, timestamp_seconds });
    }
    Ok(cosigned)
}

fn check_timestamp(timestamp_seconds: u64) -> Result<(), CosignatureError> {
    if timestamp_seconds > TIMESTAMP_SECONDS_MAX {
        return Err(CosignatureError::BadTimestamp(timestamp_seconds));
    }
    Ok(())
}

/// Splits `<name>+<hex id>+<base64(0x04 ‖ 32 bytes)>`.
fn split_key(text: &str, form: &'static str) -> Result<(KeyName, KeyId, [u8; 32]), KeyError> {
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(KeyError::Malformed { expected: form });
    };
    let name = KeyName::new(name)?;
    let lowercase_hex = id.len() == 8 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let id = u32::from_str_radix(id, 16)
        .ok()
        .filter(|_| lowercase_hex)
        .ok_or_else(|| KeyError::BadId(id.to_string()))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(material)
        .map_err(|_| KeyError::BadMaterial)?;
    let key = match bytes.split_first() {
        Some((&SIGNATURE_TYPE_COSIGNATURE_V1, key)) => {
            <[u8; 32]>::try_from(key).map_err(|_| KeyError::BadMaterial)?
        }
        _ => return Err(KeyError::BadMaterial),
    };
    Ok((name, KeyId(id), key))
}

fn check_id(written: KeyId, computed: KeyId) -> Result<(), KeyError> {
    if written == computed {
        Ok(())
    } else {
        Err(KeyError::IdMismatch { written, computed })
    }
}

/// `base64(0x04 ‖ key)`.
fn typed(key: &[u8; 32]) -> String {
    let mut material = vec![SIGNATURE_TYPE_COSIGNATURE_V1];
    material.extend_from_slice(key);
    encode(&material)
}

fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use crate::tlog::checkpoint::Checkpoint;
    use crate::tlog::note::{self, NoteSigner};
    use crate::tlog::tree::{TreeHash, TreeSize};

    use super::*;

    /// The checkpoint of the C2SP tlog-cosignature example (c2sp.org/tlog-cosignature, "Ed25519
    /// signed message"; C2SP/C2SP tlog-cosignature.md at 01194db).
    const SPEC_TEXT: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    /// The timestamp of the specification's example message.
    const SPEC_TIME: u64 = 1_679_315_147;
    /// RFC 8032 §7.1 TEST 1's secret key, used as the witness's seed.
    const RFC8032_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    /// The verifier key and cosignature line of `RFC8032_SEED` named `witness.example/w1` over
    /// `SPEC_TEXT` at `SPEC_TIME`, computed independently with Python's `cryptography` 48.0
    /// (OpenSSL's Ed25519, `hashlib.sha256` for the key id), not with this code.
    const KAT_VKEY: &str =
        "witness.example/w1+eb762cc2+BNdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
    const KAT_LINE: &str = "\u{2014} witness.example/w1 63YswgAAAABkGFDL+TPmh4BYuAjsYRoqMJCWb/gWJaeRF/kmm5tlCr9sJ57DLErur7K0yDXc2ArN+TIuotuB/HbuL3AJsp3bv/aNCQ==\n";

    fn seed() -> [u8; 32] {
        let bytes: Vec<u8> = (0..RFC8032_SEED.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&RFC8032_SEED[at..at + 2], 16).unwrap())
            .collect();
        bytes.try_into().unwrap()
    }

    fn witness() -> CosignatureSigner {
        CosignatureSigner::from_seed(KeyName::new("witness.example/w1").unwrap(), seed())
    }

    /// The signature line of `cosignature` as `note::open` returns it, among the unknown lines
    /// of a note signed by a log key.
    fn line_of(cosignature: &str) -> SignatureLine {
        let log =
            NoteSigner::from_seed(KeyName::new("example.com/behind-the-sofa").unwrap(), [9; 32]);
        let note = format!("{}{cosignature}", log.sign(SPEC_TEXT).unwrap());
        let opened = note::open(note.as_bytes(), &[log.verifier()]).unwrap();
        opened.unknown.into_iter().next().unwrap()
    }

    #[test]
    fn the_signed_message_is_the_specifications_example() {
        // c2sp.org/tlog-cosignature, "Ed25519 signed message": the example message.
        assert_eq!(
            message(SPEC_TEXT, SPEC_TIME),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n\
             CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
    }

    #[test]
    fn known_answer_key_and_cosignature() {
        let witness = witness();
        assert_eq!(witness.verifier().to_text(), KAT_VKEY);
        assert_eq!(witness.cosign(SPEC_TEXT, SPEC_TIME).unwrap(), KAT_LINE);
        let verifier = CosignatureVerifier::parse(KAT_VKEY).unwrap();
        assert_eq!(verifier.verify(SPEC_TEXT, &line_of(KAT_LINE)), Ok(SPEC_TIME));
    }

    #[test]
    fn known_answer_key_id_of_a_native_cosignature_key() {
        // transparency-dev/formats note/note_cosigv1_test.go (TestCoSigV1NewVerifier, "native
        // algEd25519CosignatureV1 verifier"): a type 0x04 key and its id.
        let text = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
        let verifier = CosignatureVerifier::parse(text).unwrap();
        assert_eq!(verifier.id(), KeyId(0xda77_ade7));
        assert_eq!(verifier.to_text(), text);
    }

    #[test]
    fn the_specifications_example_line_carries_its_timestamp() {
        // c2sp.org/tlog-cosignature: the example's cosignature line holds key id 8d66cf3f and
        // the timestamp of the example message; transparency-dev/formats
        // note/note_cosigv1_test.go (TestCosignatureTimestamp): its line holds 1727964367.
        for (encoded, id, timestamp) in [
            ("jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==", 0x8d66_cf3f, SPEC_TIME),
            ("ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==", 0x6468_46b9, 1_727_964_367),
        ] {
            let line = line_of(&format!("\u{2014} w {encoded}\n"));
            assert_eq!(line.id, KeyId(id));
            let (found, _) = line.signature.split_first_chunk::<8>().unwrap();
            assert_eq!(u64::from_be_bytes(*found), timestamp);
        }
    }

    #[test]
    fn a_cosignature_is_not_a_note_signature_of_the_same_key() {
        // The same Ed25519 key has two ids (types 0x01 and 0x04), and the messages differ.
        let witness = witness();
        let as_note = NoteSigner::from_seed(witness.name().clone(), seed());
        assert_ne!(as_note.verifier().id(), witness.verifier().id());
        let note = format!("{SPEC_TEXT}\n{}", witness.cosign(SPEC_TEXT, SPEC_TIME).unwrap());
        assert!(note::open(note.as_bytes(), &[as_note.verifier()]).is_err());
    }

    #[test]
    fn a_changed_text_time_or_byte_fails() {
        let verifier = witness().verifier();
        let line = line_of(KAT_LINE);
        let changed = SPEC_TEXT.replace("20852163", "20852164");
        assert!(matches!(
            verifier.verify(&changed, &line),
            Err(CosignatureError::BadSignature { .. })
        ));
        let mut later = line.clone();
        later.signature[7] ^= 1;
        assert!(matches!(
            verifier.verify(SPEC_TEXT, &later),
            Err(CosignatureError::BadSignature { .. })
        ));
        let mut truncated = line.clone();
        truncated.signature.pop();
        assert!(matches!(
            verifier.verify(SPEC_TEXT, &truncated),
            Err(CosignatureError::BadLength { .. })
        ));
        let mut huge = line;
        huge.signature[0] = 0x80;
        assert!(matches!(
            verifier.verify(SPEC_TEXT, &huge),
            Err(CosignatureError::BadTimestamp(_))
        ));
    }

    #[test]
    fn verify_lines_ignores_strangers_and_refuses_a_witness_twice() {
        let witness = witness();
        let other = CosignatureSigner::from_seed(KeyName::new("other").unwrap(), [3; 32]);
        let checkpoint = Checkpoint {
            origin: KeyName::new("log.example").unwrap(),
            size: TreeSize(3),
            root: TreeHash([5; 32]),
            chain_head: None,
        };
        let log = NoteSigner::from_seed(checkpoint.origin.clone(), [1; 32]);
        let text = checkpoint.text();
        let mut note = checkpoint.sign(&log).unwrap();
        note.push_str(&other.cosign(&text, 10).unwrap());
        note.push_str(&witness.cosign(&text, 11).unwrap());
        let opened = note::open(note.as_bytes(), &[log.verifier()]).unwrap();
        let cosigned = verify_lines(&opened.text, &opened.unknown, &[witness.verifier()]).unwrap();
        assert_eq!(cosigned.len(), 1);
        assert_eq!(cosigned[0].timestamp_seconds, 11);
        note.push_str(&witness.cosign(&text, 12).unwrap());
        let opened = note::open(note.as_bytes(), &[log.verifier()]).unwrap();
        assert!(matches!(
            verify_lines(&opened.text, &opened.unknown, &[witness.verifier()]),
            Err(CosignatureError::Duplicate { .. })
        ));
    }

    #[test]
    fn signing_keys_round_trip_and_refuse_a_wrong_type() {
        let witness = witness();
        let parsed = CosignatureSigner::parse(&witness.to_text()).unwrap();
        assert_eq!(parsed.verifier(), witness.verifier());
        let note_key = NoteSigner::from_seed(witness.name().clone(), seed());
        assert_eq!(
            CosignatureSigner::parse(&note_key.to_text()).err(),
            Some(KeyError::BadMaterial)
        );
        assert_eq!(
            CosignatureVerifier::parse(&note_key.verifier().to_text()).err(),
            Some(KeyError::BadMaterial)
        );
        assert!(witness.cosign(SPEC_TEXT, TIMESTAMP_SECONDS_MAX + 1).is_err());
    }
}
