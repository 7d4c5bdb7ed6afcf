//! The witness (C2SP tlog-witness): `letopis witness serve`, run by the ministry or an
//! independent auditor with its own key and state, cosigns a log's checkpoint only when it is
//! signed by a key it trusts for that origin and is consistent with the last checkpoint it
//! cosigned for that origin; it refuses a rollback, a bad proof and a second root for the same
//! size (a split view, whose two signed notes it keeps as evidence).
//!
//! `key` (the witness's key file), `request` (the request body), `state` (what it remembers,
//! durably), `http` (the router). The check and the update of an origin's state happen under
//! one lock, so two requests cannot both extend from the same old size.

pub mod http;
pub mod key;
pub mod request;
pub mod state;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use proto_events::tlog::cosignature::CosignatureSigner;
use proto_events::tlog::note::{self, NoteError, NoteVerifier};
use proto_events::tlog::tree::empty_root;
use proto_events::tlog::{verify_consistency, Checkpoint, ProofVerifyError, TreeHash, TreeSize};

use crate::store::Clock;
use crate::witness::request::RequestError;
use crate::witness::state::{keep_split_view, Cosigned, State};

/// A witness: its key, the logs it trusts, what it cosigned, where that is kept.
pub struct Witness {
    signer: CosignatureSigner,
    logs: Vec<NoteVerifier>,
    dir: PathBuf,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

/// Why a checkpoint is not cosigned; each is one answer of the protocol.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The body does not parse (400).
    #[error("запрос не разобран: {0}")]
    Malformed(#[from] RequestError),
    /// The note or the checkpoint in it does not parse (400).
    #[error("контрольная точка не разобрана: {0}")]
    BadCheckpoint(String),
    /// The old size is above the checkpoint's size (400).
    #[error("старый размер {old} больше размера контрольной точки {size}")]
    OldBeyondSize {
        /// The old size sent.
        old: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// No key is trusted for the checkpoint's origin (404).
    #[error("журнал {0:?} свидетелю неизвестен")]
    UnknownOrigin(String),
    /// No signature by a trusted key verifies (403).
    #[error("подпись журнала не подтверждена: {0}")]
    BadSignature(NoteError),
    /// The old size is not the size last cosigned (409, the size in `text/x.tlog.size`).
    #[error("свидетель последним заверил размер {known}")]
    OldSizeMismatch {
        /// The size last cosigned for the origin (0 if none).
        known: u64,
    },
    /// A second root for the size last cosigned (409): evidence kept at `evidence`.
    #[error(
        "разделённое представление журнала (split view): для размера {size} свидетель уже заверил \
         другой корень; обе подписанные контрольные точки сохранены в {}", evidence.display()
    )]
    SplitView {
        /// The size.
        size: u64,
        /// The evidence file.
        evidence: PathBuf,
    },
    /// The consistency proof does not verify (422).
    #[error("доказательство согласованности не сходится: {0}")]
    BadProof(ProofVerifyError),
    /// Our failure: the state could not be kept (500).
    #[error("внутренняя ошибка свидетеля")]
    Internal(#[source] anyhow::Error),
}

impl Witness {
    /// A witness over its data directory (state read from it) trusting `logs`.
    pub fn open(
        dir: &Path,
        signer: CosignatureSigner,
        logs: Vec<NoteVerifier>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Witness> {
        let state = State::load(dir)?;
        Ok(Witness { signer, logs, dir: dir.to_path_buf(), clock, state: Mutex::new(state) })
    }

    /// The witness's signer (its verifier key is what logs and clients are given).
    pub fn signer(&self) -> &CosignatureSigner {
        &self.signer
    }

    /// The size last cosigned for an origin.
    pub fn cosigned_size(&self, origin: &str) -> Option<TreeSize> {
        let state = self.state.lock().ok()?;
        state.logs.get(origin).map(|log| log.size)
    }

    /// `add-checkpoint`: checks the request, and if it holds, records the checkpoint durably and
    /// returns the cosignature line(s).
    pub fn add_checkpoint(&self, body: &[u8]) -> Result<String, Refusal> {
        let request = request::parse(body)?;
        let (checkpoint, text) = self.open_note(request.note)?;
        let (old, size) = (request.old.0, checkpoint.size.0);
        if old > size {
            return Err(Refusal::OldBeyondSize { old, size });
        }
        let mut state = self.state.lock().map_err(|_| {
            Refusal::Internal(anyhow::anyhow!("the witness state lock is poisoned"))
        })?;
        let origin = checkpoint.origin.as_str();
        let known = state.logs.get(origin);
        let (known_size, known_root) =
            known.map_or((0, empty_root()), |known| (known.size.0, known.root));
        if old != known_size {
            return Err(Refusal::OldSizeMismatch { known: known_size });
        }
        if let Some(known) = known.filter(|known| known.size.0 == size) {
            if !known.root.ct_eq(&checkpoint.root) {
                return Err(self.split_view(origin, known, &checkpoint.root, request.note));
            }
        }
        verify_consistency(
            request.old,
            checkpoint.size,
            &request.proof,
            &known_root,
            &checkpoint.root,
        )
        .map_err(Refusal::BadProof)?;
        let line = self.cosign(&text)?;
        if known.is_none() || size > known_size {
            let note = String::from_utf8_lossy(request.note).into_owned();
            let mut next = state.clone();
            next.logs.insert(
                origin.to_string(),
                Cosigned { size: checkpoint.size, root: checkpoint.root, note },
            );
            next.save(&self.dir).map_err(Refusal::Internal)?;
            *state = next;
            eprintln!("свидетель: заверена контрольная точка журнала {origin}, размер {size}");
        }
        Ok(line)
    }

    /// Opens the note against the keys trusted for its origin (its first line); the checkpoint
    /// and the note's text.
    fn open_note(&self, note: &[u8]) -> Result<(Checkpoint, String), Refusal> {
        let origin = note.split(|byte| *byte == b'\n').next().unwrap_or_default();
        let origin = String::from_utf8_lossy(origin).into_owned();
        let trusted: Vec<NoteVerifier> =
            self.logs.iter().filter(|log| log.name().as_str() == origin).cloned().collect();
        if trusted.is_empty() {
            return Err(Refusal::UnknownOrigin(origin));
        }
        let opened = note::open(note, &trusted).map_err(|error| match error {
            NoteError::BadSignature { .. } | NoteError::NoKnownSignature { .. } => {
                Refusal::BadSignature(error)
            }
            other => Refusal::BadCheckpoint(other.to_string()),
        })?;
        let checkpoint = Checkpoint::parse(&opened.text)
            .map_err(|error| Refusal::BadCheckpoint(error.to_string()))?;
        Ok((checkpoint, opened.text))
    }

    fn cosign(&self, text: &str) -> Result<String, Refusal> {
        let seconds = u64::try_from(self.clock.now().micros().div_euclid(1_000_000))
            .context("the clock reads before 1970")
            .map_err(Refusal::Internal)?;
        self.signer.cosign(text, seconds).map_err(|error| Refusal::Internal(error.into()))
    }

    fn split_view(&self, origin: &str, known: &Cosigned, root: &TreeHash, note: &[u8]) -> Refusal {
        let note = String::from_utf8_lossy(note);
        match keep_split_view(&self.dir, origin, known, root, &note) {
            Ok(evidence) => {
                eprintln!(
                    "свидетель: РАЗДЕЛЁННОЕ ПРЕДСТАВЛЕНИЕ журнала {origin}: два корня для размера {}, \
                     доказательство в {}",
                    known.size.0,
                    evidence.display()
                );
                Refusal::SplitView { size: known.size.0, evidence }
            }
            Err(error) => {
                Refusal::Internal(error.context("не удалось сохранить доказательство split view"))
            }
        }
    }
}
