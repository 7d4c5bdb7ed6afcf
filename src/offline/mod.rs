//! The auditor's offline checks (issue #13: "auditors check integrity offline, without trusting
//! the server"): a signed checkpoint opened against the keys the auditor trusts (`open_checkpoint`),
//! a log archive checked against it (`archive`: the chain, the RFC 6962 root recomputed at the
//! checkpoint's size, the `chain-head` line; optionally the state folded from the verified events,
//! for `letopis figures --archive`), and an evidence bundle with inclusion proofs (`bundle`).
//!
//! Nothing here opens a store: bytes in (an archive as any `std::io::Read`, a note, a bundle),
//! verdicts out. The errors are data; the CLI words them in Russian for officials.

pub mod archive;
pub mod bundle;

use proto_events::tlog::checkpoint::{self, Checkpoint};
use proto_events::tlog::cosignature::{self, CosignatureError, CosignatureVerifier};
use proto_events::tlog::note::{self, KeyError};
use proto_events::tlog::{CheckpointError, NoteVerifier};

/// The keys an auditor trusts, from repeated `--vkey`: Ed25519 note keys (type 0x01: the log's,
/// or a witness that signs plain notes) and witnesses' `cosignature/v1` keys (type 0x04).
/// Every key given is required: each note key must have signed the checkpoint, each witness key
/// must have cosigned it, and one note key must be the log's (its name is the origin).
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys {
    /// Note keys (signature type 0x01).
    pub notes: Vec<NoteVerifier>,
    /// Witnesses' cosignature keys (signature type 0x04).
    pub witnesses: Vec<CosignatureVerifier>,
}

impl TrustedKeys {
    /// Parses verifier key lines (`<name>+<hex id>+<base64>`), each of either type.
    pub fn parse<S: AsRef<str>>(lines: &[S]) -> Result<TrustedKeys, TrustError> {
        let mut keys = TrustedKeys::default();
        for line in lines {
            let line = line.as_ref().trim();
            match NoteVerifier::parse(line) {
                Ok(key) => keys.notes.push(key),
                Err(note_error) => match CosignatureVerifier::parse(line) {
                    Ok(key) => keys.witnesses.push(key),
                    // The type byte decides which error the reader needs: a 0x01 key's.
                    Err(_) => {
                        return Err(TrustError::Key { line: line.to_string(), error: note_error })
                    }
                },
            }
        }
        if keys.notes.is_empty() {
            return Err(TrustError::NoLogKey);
        }
        Ok(keys)
    }
}

/// Why a checkpoint note is not trusted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// A `--vkey` that is no verifier key of either type.
    #[error("{line:?} is not a verifier key: {error}")]
    Key {
        /// The line given.
        line: String,
        /// Why, read as a note key.
        error: KeyError,
    },
    /// Only witness keys were given.
    #[error("no note key (type 0x01) was given: the log's key is required")]
    NoLogKey,
    /// The note is malformed, a known key's signature does not verify or is repeated, or the
    /// text is not a checkpoint.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A trusted witness's cosignature line does not verify, or is repeated.
    #[error(transparent)]
    Cosignature(#[from] CosignatureError),
    /// A required key did not sign (or cosign) the note.
    #[error("the note is not signed by the required key {key}")]
    NotSignedBy {
        /// `name+id` of the key.
        key: String,
        /// A witness's cosignature was required (not a note signature).
        witness: bool,
    },
    /// No note key given is the log's: none is named after the checkpoint's origin.
    #[error("the checkpoint is of log {origin:?}, and no key given is that log's")]
    NoKeyOfOrigin {
        /// The origin written.
        origin: String,
    },
}

/// Opens a signed checkpoint note with every trusted key required (see `TrustedKeys`).
pub fn open_checkpoint(note: &[u8], keys: &TrustedKeys) -> Result<Checkpoint, TrustError> {
    let opened = note::open(note, &keys.notes).map_err(CheckpointError::from)?;
    for key in &keys.notes {
        let signed =
            opened.signed_by.iter().any(|(name, id)| name == key.name() && *id == key.id());
        if !signed {
            return Err(TrustError::NotSignedBy {
                key: format!("{}+{}", key.name(), key.id()),
                witness: false,
            });
        }
    }
    let parsed = Checkpoint::parse(&opened.text)?;
    let log = keys.notes.iter().find(|key| *key.name() == parsed.origin);
    let Some(log) = log else {
        return Err(TrustError::NoKeyOfOrigin { origin: parsed.origin.as_str().to_string() });
    };
    // The log's own opening (origin against its key), so both paths refuse alike.
    let (checkpoint, _) = checkpoint::open(note, log)?;
    let cosigned = cosignature::verify_lines(&opened.text, &opened.unknown, &keys.witnesses)?;
    for witness in &keys.witnesses {
        if !cosigned.iter().any(|seen| seen.name == *witness.name() && seen.id == witness.id()) {
            return Err(TrustError::NotSignedBy {
                key: format!("{}+{}", witness.name(), witness.id()),
                witness: true,
            });
        }
    }
    Ok(checkpoint)
}
