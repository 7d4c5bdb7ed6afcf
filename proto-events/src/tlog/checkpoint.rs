//! Checkpoints (C2SP tlog-checkpoint): the note text `<origin>\n<size>\n<base64 root>\n`, and
//! one extension line pinning the blake3 chain together with the tree,
//! `chain-head <seq>:<hex hash>` (the head event's seq, equal to the size, and its stored hash),
//! so that a checkpoint fixes both structures: the RFC 6962 tree for tlog clients and witnesses,
//! the chain for Letopis's own verifier (`letopis log verify`).

use crate::envelope::Seq;
use crate::hash::Hash;
use crate::tlog::note::{self, KeyName, NoteError, NoteSigner, NoteVerifier, OpenedNote};
use crate::tlog::tree::{TreeHash, TreeSize};

/// The first word of the extension line with the chain head.
pub const CHAIN_HEAD_EXTENSION: &str = "chain-head";

/// A tree head: origin, size, root, and the chain head at that size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity (its key name too).
    pub origin: KeyName,
    /// The number of leaves (events).
    pub size: TreeSize,
    /// The RFC 6962 root at `size`.
    pub root: TreeHash,
    /// The chain head at `size`: the seq (`size`) and stored hash of the last event; `None` for
    /// an empty log, or a checkpoint of another log.
    pub chain_head: Option<(Seq, Hash)>,
}

/// Why a checkpoint is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The note itself is refused.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The text is not a checkpoint.
    #[error("the checkpoint's {line} line is malformed: {reason}")]
    Malformed {
        /// Which line: origin, size, root, extension.
        line: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The checkpoint names another log than the key that signed it.
    #[error("the checkpoint is of log {found:?}, the key is of log {expected:?}")]
    OriginMismatch {
        /// The origin of the key.
        expected: String,
        /// The origin written.
        found: String,
    },
    /// The chain head's seq is not the tree size.
    #[error("the chain head is event {seq}, but the tree has {size} leaves")]
    ChainHeadBeyondSize {
        /// The seq written.
        seq: u64,
        /// The size written.
        size: u64,
    },
}

impl Checkpoint {
    /// The note text.
    pub fn text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size.0, self.root.to_base64());
        if let Some((seq, hash)) = &self.chain_head {
            text.push_str(&format!("{CHAIN_HEAD_EXTENSION} {}:{}\n", seq.0, hash.to_hex()));
        }
        text
    }

    /// Signs the checkpoint with the log's key (whose name must be the origin).
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, CheckpointError> {
        check_origin(signer.name(), &self.origin)?;
        Ok(signer.sign(&self.text())?)
    }

    /// Parses a checkpoint's text (unsigned: use `open` on a note from outside). Extension
    /// lines other than the chain head are refused: this log writes none.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::Malformed { line: "last", reason: "no final newline" })?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        let origin = KeyName::new(origin).map_err(|_| malformed("origin", "not a key name"))?;
        let size = parse_size(lines.next().ok_or(malformed("size", "missing"))?)?;
        let root = lines.next().ok_or(malformed("root", "missing"))?;
        let root =
            TreeHash::from_base64(root).ok_or(malformed("root", "not base64 of 32 bytes"))?;
        let chain_head = match lines.next() {
            None => None,
            Some(line) => Some(parse_chain_head(line, size)?),
        };
        if lines.next().is_some() {
            return Err(malformed("extension", "more than the chain head"));
        }
        Ok(Checkpoint { origin, size, root, chain_head })
    }
}

/// Opens a checkpoint note signed by the log's key `log` (its name the origin); other signature
/// lines (witnesses' cosignatures) are ignored here and returned in the opened note.
pub fn open(note: &[u8], log: &NoteVerifier) -> Result<(Checkpoint, OpenedNote), CheckpointError> {
    let opened = note::open(note, std::slice::from_ref(log))?;
    let checkpoint = Checkpoint::parse(&opened.text)?;
    check_origin(log.name(), &checkpoint.origin)?;
    Ok((checkpoint, opened))
}

fn check_origin(key: &KeyName, origin: &KeyName) -> Result<(), CheckpointError> {
    if key == origin {
        Ok(())
    } else {
        Err(CheckpointError::OriginMismatch {
            expected: key.as_str().to_string(),
            found: origin.as_str().to_string(),
        })
    }
}

fn malformed(line: &'static str, reason: &'static str) -> CheckpointError {
    CheckpointError::Malformed { line, reason }
}

/// ASCII decimal, no leading zero but for `0` itself.
fn parse_size(line: &str) -> Result<TreeSize, CheckpointError> {
    let digits = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
    if !digits || (line.len() > 1 && line.starts_with('0')) {
        return Err(malformed("size", "not a decimal number without leading zeros"));
    }
    line.parse().map(TreeSize).map_err(|_| malformed("size", "too large"))
}

fn parse_chain_head(line: &str, size: TreeSize) -> Result<(Seq, Hash), CheckpointError> {
    let bad = || malformed("extension", "not `chain-head <seq>:<hex hash>`");
    let rest = line
        .strip_prefix(CHAIN_HEAD_EXTENSION)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(bad)?;
    let (seq, hash) = rest.split_once(':').ok_or_else(bad)?;
    let seq = parse_size(seq).map_err(|_| bad())?.0;
    let hash = Hash::from_hex(hash).ok_or_else(bad)?;
    if seq != size.0 {
        return Err(CheckpointError::ChainHeadBeyondSize { seq, size: size.0 });
    }
    Ok((Seq(seq), hash))
}
