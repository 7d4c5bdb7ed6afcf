//! Signed notes (C2SP signed-note, the format of Go's `golang.org/x/mod/sumdb/note`) with
//! Ed25519: key names, key ids, verifier keys (`<name>+<hex id>+<base64(0x01 ‖ key)>`), the
//! signing key's text (`PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`, as Go writes it),
//! signing, and opening a note against the keys a reader trusts.
//!
//! Opening is strict where the specification lets a verifier choose: a note with two signature
//! lines of one known key, a malformed line, a byte that is not UTF-8 or is a control character
//! other than newline, or a missing final newline is refused as a whole. Signatures of unknown
//! keys are ignored, as the specification requires (they are witnesses' cosignatures, or a key
//! after a rotation); they are returned so a caller can look at them.

use std::fmt;

use base64::Engine;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature type byte of Ed25519 (C2SP signed-note, "Signature types").
pub const SIGNATURE_TYPE_ED25519: u8 = 0x01;
/// Largest note accepted, in bytes.
pub const NOTE_BYTES_MAX: usize = 64 * 1024;
/// Most signature lines accepted in one note (the specification asks for at least 16).
pub const NOTE_SIGNATURES_MAX: usize = 100;
/// Bytes of an Ed25519 signature.
const ED25519_SIGNATURE_BYTES: usize = 64;
/// The prefix of a signing key's text.
const SIGNING_KEY_PREFIX: &str = "PRIVATE+KEY+";
/// The prefix of a signature line: em dash, space.
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// A key name: non-empty, no Unicode space, no `+`, no control character.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyName(String);

impl KeyName {
    /// Checks a key name.
    pub fn new(name: &str) -> Result<KeyName, KeyError> {
        let valid = !name.is_empty()
            && !name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control());
        if valid {
            Ok(KeyName(name.to_string()))
        } else {
            Err(KeyError::BadName(name.to_string()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A key id: the first four bytes of `SHA-256(name ‖ 0x0A ‖ type ‖ public key)`, big-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub u32);

impl KeyId {
    /// The key id of an Ed25519 key with this name (C2SP signed-note, "Ed25519 signatures").
    pub fn ed25519(name: &KeyName, key: &VerifyingKey) -> KeyId {
        let mut hasher = Sha256::new();
        hasher.update(name.0.as_bytes());
        hasher.update([b'\n', SIGNATURE_TYPE_ED25519]);
        hasher.update(key.as_bytes());
        let digest: [u8; 32] = hasher.finalize().into();
        let [a, b, c, d, ..] = digest;
        KeyId(u32::from_be_bytes([a, b, c, d]))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{:08x}", self.0)
    }
}

/// A key's text that does not parse, or names that do not agree.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A key name that is empty or holds a space, a `+` or a control character.
    #[error("bad key name {0:?}: must be non-empty, without spaces, '+' or control characters")]
    BadName(String),
    /// The text is not `<name>+<hex id>+<base64>` (with `PRIVATE+KEY+` before a signing key).
    #[error("the key is not of the form {expected}")]
    Malformed {
        /// The form expected.
        expected: &'static str,
    },
    /// The key id is not 8 lowercase hex digits.
    #[error("bad key id {0:?}: must be 8 lowercase hex digits")]
    BadId(String),
    /// The key material is not base64 of the Ed25519 type byte and 32 bytes.
    #[error("the key material is not base64 of 0x01 and a 32-byte Ed25519 key")]
    BadMaterial,
    /// The key id written is not the one computed from the name and key.
    #[error("key id {written} does not match the name and key (computed {computed})")]
    IdMismatch {
        /// The id written in the key.
        written: KeyId,
        /// The id of the name and key.
        computed: KeyId,
    },
}

/// A key that signs notes: its name and Ed25519 signing key. `Debug` shows no secret.
#[derive(Clone)]
pub struct NoteSigner {
    name: KeyName,
    id: KeyId,
    key: SigningKey,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "NoteSigner({}+{})", self.name, self.id)
    }
}

impl NoteSigner {
    /// The signer of an Ed25519 seed (32 random bytes; the caller draws them).
    pub fn from_seed(name: KeyName, seed: [u8; 32]) -> NoteSigner {
        let key = SigningKey::from_bytes(&seed);
        let id = KeyId::ed25519(&name, &key.verifying_key());
        NoteSigner { name, id, key }
    }

    /// Parses a signing key's text, `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    pub fn parse(text: &str) -> Result<NoteSigner, KeyError> {
        const FORM: &str = "PRIVATE+KEY+<name>+<hex id>+<base64>";
        let rest =
            text.strip_prefix(SIGNING_KEY_PREFIX).ok_or(KeyError::Malformed { expected: FORM })?;
        let (name, id, material) = split_key(rest, FORM)?;
        let seed: [u8; 32] = typed_material(material)?;
        let signer = NoteSigner::from_seed(name, seed);
        check_id(id, signer.id)?;
        Ok(signer)
    }

    /// The signing key's text (a secret: write it only to a file only its owner reads).
    pub fn to_text(&self) -> String {
        let mut material = vec![SIGNATURE_TYPE_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!("{SIGNING_KEY_PREFIX}{}+{}+{}", self.name, self.id, encode(&material))
    }

    /// The key's name.
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The verifier of this key.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// The signature line of `text` by this key, `— <name> <base64(id ‖ signature)>\n`.
    pub fn signature_line(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes());
        let mut bytes = self.id.0.to_be_bytes().to_vec();
        bytes.extend_from_slice(&signature.to_bytes());
        format!("{SIGNATURE_LINE_PREFIX}{} {}\n", self.name, encode(&bytes))
    }

    /// The signed note of `text`: the text, a blank line and this key's signature line. The text
    /// must be a valid note text (`check_text`).
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        Ok(format!("{text}\n{}", self.signature_line(text)))
    }
}

/// A key that verifies notes: name, id and Ed25519 public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: KeyName,
    id: KeyId,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses a verifier key, `<name>+<hex id>+<base64(0x01 ‖ public key)>`.
    pub fn parse(text: &str) -> Result<NoteVerifier, KeyError> {
        const FORM: &str = "<name>+<hex id>+<base64>";
        let (name, id, material) = split_key(text.trim_end_matches('\n'), FORM)?;
        let bytes: [u8; 32] = typed_material(material)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::BadMaterial)?;
        let computed = KeyId::ed25519(&name, &key);
        check_id(id, computed)?;
        Ok(NoteVerifier { name, id: computed, key })
    }

    /// The verifier key's text.
    pub fn to_text(&self) -> String {
        let mut material = vec![SIGNATURE_TYPE_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, self.id, encode(&material))
    }

    /// The key's name.
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key's id.
    pub fn id(&self) -> KeyId {
        self.id
    }
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureLine {
    /// The key name written.
    pub name: String,
    /// The key id (the signature's first four bytes).
    pub id: KeyId,
    /// The signature (the rest).
    pub signature: Vec<u8>,
}

/// A note whose signatures by known keys all verified (at least one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedNote {
    /// The text, final newline included, blank line and signatures excluded.
    pub text: String,
    /// The known keys that signed it, in the order of their lines.
    pub signed_by: Vec<(KeyName, KeyId)>,
    /// Signature lines of keys the reader does not know, ignored (witnesses, other keys).
    pub unknown: Vec<SignatureLine>,
}

/// Why a note is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// Larger than `NOTE_BYTES_MAX`.
    #[error("the note has {found} bytes, more than {max}")]
    TooLarge {
        /// Bytes offered.
        found: usize,
        /// `NOTE_BYTES_MAX`.
        max: usize,
    },
    /// Not UTF-8.
    #[error("the note is not UTF-8")]
    NotUtf8,
    /// A control character other than newline.
    #[error("the note holds control character {0:#04x}")]
    ControlCharacter(u32),
    /// No final newline.
    #[error("the note does not end with a newline")]
    NoFinalNewline,
    /// No blank line between the text and the signatures.
    #[error("the note has no blank line before its signatures")]
    NoSignatureBlock,
    /// A signature line that does not parse.
    #[error("signature line {line} is malformed: {reason}")]
    MalformedSignature {
        /// 1-based number among the signature lines.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// More than `NOTE_SIGNATURES_MAX` signature lines.
    #[error("the note has more than {max} signature lines")]
    TooManySignatures {
        /// `NOTE_SIGNATURES_MAX`.
        max: usize,
    },
    /// Two signature lines of one known key.
    #[error("key {name}+{id} signed the note twice")]
    DuplicateSignature {
        /// The key name.
        name: KeyName,
        /// The key id.
        id: KeyId,
    },
    /// A signature of a known key that does not verify: the note was changed, or forged.
    #[error("the signature of key {name}+{id} does not verify: the note was changed or forged")]
    BadSignature {
        /// The key name.
        name: KeyName,
        /// The key id.
        id: KeyId,
    },
    /// No signature of a known key.
    #[error("no signature by a known key ({known})")]
    NoKnownSignature {
        /// The known keys, as `name+id`, comma-separated.
        known: String,
    },
    /// A note text that cannot be signed: empty, or without its final newline.
    #[error("a note text must be non-empty and end with a newline")]
    BadText,
}

/// Checks a note text: non-empty, ending with a newline, without control characters but
/// newlines, within `NOTE_BYTES_MAX`.
pub fn check_text(text: &str) -> Result<(), NoteError> {
    if text.len() > NOTE_BYTES_MAX {
        return Err(NoteError::TooLarge { found: text.len(), max: NOTE_BYTES_MAX });
    }
    check_characters(text)?;
    if text.is_empty() || !text.ends_with('\n') {
        return Err(NoteError::BadText);
    }
    Ok(())
}

/// Opens a signed note against the keys the reader trusts: refuses it unless it is well formed,
/// every signature by a known key verifies, no known key signed twice, and at least one known
/// key signed.
pub fn open(note: &[u8], known: &[NoteVerifier]) -> Result<OpenedNote, NoteError> {
    if note.len() > NOTE_BYTES_MAX {
        return Err(NoteError::TooLarge { found: note.len(), max: NOTE_BYTES_MAX });
    }
    let note = std::str::from_utf8(note).map_err(|_| NoteError::NotUtf8)?;
    check_characters(note)?;
    if !note.ends_with('\n') {
        return Err(NoteError::NoFinalNewline);
    }
    // The text ends at the last blank line: its final newline is the first of the pair.
    let split = note.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
    let (text, signatures) = note.split_at(split + 1);
    let signatures = signatures.get(1..).unwrap_or_default();
    let mut opened =
        OpenedNote { text: text.to_string(), signed_by: Vec::new(), unknown: Vec::new() };
    for (number, line) in signatures.split_terminator('\n').enumerate() {
        if number >= NOTE_SIGNATURES_MAX {
            return Err(NoteError::TooManySignatures { max: NOTE_SIGNATURES_MAX });
        }
        let line = parse_signature_line(number + 1, line)?;
        check_signature(&mut opened, known, line)?;
    }
    if opened.signed_by.is_empty() {
        let known = known
            .iter()
            .map(|verifier| format!("{}+{}", verifier.name, verifier.id))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(NoteError::NoKnownSignature { known });
    }
    Ok(opened)
}

fn check_signature(
    opened: &mut OpenedNote,
    known: &[NoteVerifier],
    line: SignatureLine,
) -> Result<(), NoteError> {
    let Some(verifier) =
        known.iter().find(|verifier| verifier.name.0 == line.name && verifier.id == line.id)
    else {
        opened.unknown.push(line);
        return Ok(());
    };
    let (name, id) = (verifier.name.clone(), verifier.id);
    if opened.signed_by.iter().any(|(seen_name, seen_id)| *seen_name == name && *seen_id == id) {
        return Err(NoteError::DuplicateSignature { name, id });
    }
    let signature = <[u8; ED25519_SIGNATURE_BYTES]>::try_from(line.signature.as_slice())
        .map_err(|_| NoteError::BadSignature { name: name.clone(), id })?;
    let signature = ed25519_dalek::Signature::from_bytes(&signature);
    verifier
        .key
        .verify_strict(opened.text.as_bytes(), &signature)
        .map_err(|_| NoteError::BadSignature { name: name.clone(), id })?;
    opened.signed_by.push((name, id));
    Ok(())
}

fn parse_signature_line(number: usize, line: &str) -> Result<SignatureLine, NoteError> {
    let malformed = |reason| NoteError::MalformedSignature { line: number, reason };
    let rest = line.strip_prefix(SIGNATURE_LINE_PREFIX).ok_or(malformed("no leading em dash"))?;
    let (name, encoded) = rest.split_once(' ').ok_or(malformed("no space after the key name"))?;
    KeyName::new(name).map_err(|_| malformed("bad key name"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| malformed("the signature is not standard base64"))?;
    let (id, signature) = bytes
        .split_first_chunk::<4>()
        .filter(|(_, signature)| !signature.is_empty())
        .ok_or(malformed("the signature is shorter than a key id and one byte"))?;
    Ok(SignatureLine {
        name: name.to_string(),
        id: KeyId(u32::from_be_bytes(*id)),
        signature: signature.to_vec(),
    })
}

fn check_characters(text: &str) -> Result<(), NoteError> {
    match text.chars().find(|c| *c < '\u{20}' && *c != '\n') {
        Some(c) => Err(NoteError::ControlCharacter(u32::from(c))),
        None => Ok(()),
    }
}

fn split_key<'a>(text: &'a str, form: &'static str) -> Result<(KeyName, KeyId, &'a str), KeyError> {
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(KeyError::Malformed { expected: form });
    };
    let name = KeyName::new(name)?;
    let valid_id =
        id.len() == 8 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let id = u32::from_str_radix(id, 16)
        .ok()
        .filter(|_| valid_id)
        .ok_or_else(|| KeyError::BadId(id.to_string()))?;
    Ok((name, KeyId(id), material))
}

/// Decodes `base64(0x01 ‖ 32 bytes)`.
fn typed_material(material: &str) -> Result<[u8; 32], KeyError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(material)
        .map_err(|_| KeyError::BadMaterial)?;
    match bytes.split_first() {
        Some((&SIGNATURE_TYPE_ED25519, key)) => {
            <[u8; 32]>::try_from(key).map_err(|_| KeyError::BadMaterial)
        }
        _ => Err(KeyError::BadMaterial),
    }
}

fn check_id(written: KeyId, computed: KeyId) -> Result<(), KeyError> {
    if written == computed {
        Ok(())
    } else {
        Err(KeyError::IdMismatch { written, computed })
    }
}

fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
