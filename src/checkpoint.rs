//! The log's signing key and its checkpoints: where the key lives (a file of mode 0600 in the
//! data directory, never printed or logged), how it is made, and the one way a checkpoint of the
//! head is signed and kept (`sign_head`), for the CLI now and the server's schedule later.
//!
//! The formats are `proto_events::tlog`'s (C2SP signed-note and tlog-checkpoint); the room that
//! keeps the signed notes by size is `store::Checkpoints`.

use std::io::Write;
use std::path::{Path, PathBuf};

use proto_events::tlog::checkpoint::Checkpoint;
use proto_events::tlog::{KeyName, NoteSigner, TreeSize};

use crate::store::{Store, StoreError, TreeProofError};

/// The file of the signing key in the data directory.
pub const SIGNING_KEY_FILE: &str = "checkpoint.key";
/// Largest key file read, in bytes (a key's text is ~100 bytes).
const SIGNING_KEY_BYTES_MAX: u64 = 4096;

/// Why a key or a checkpoint could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The origin is not a key name.
    #[error("происхождение журнала {0:?} не годится: нужна непустая строка без пробелов и '+', например region.example/letopis")]
    BadOrigin(String),
    /// A key file exists already.
    #[error("ключ подписи уже есть ({0}); новый ключ не создан, чтобы не потерять прежний")]
    KeyExists(PathBuf),
    /// No key file.
    #[error("нет ключа подписи {0}: создайте его командой letopis key generate --data <каталог> --origin <происхождение>")]
    NoKey(PathBuf),
    /// The key file does not hold a key.
    #[error("файл ключа подписи {0} повреждён: {1}")]
    BadKey(PathBuf, String),
    /// The operating system gave no randomness.
    #[error("не удалось получить случайные байты для ключа: {0}")]
    Randomness(String),
    /// Reading or writing the key file failed.
    #[error("файл ключа подписи {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The tree could not give the root.
    #[error(transparent)]
    Tree(#[from] TreeProofError),
    /// The key's name is not the origin of checkpoints already kept (the key was replaced).
    #[error("контрольная точка не подписана: {0}")]
    Sign(String),
}

/// The key file of the store at `data`.
pub fn signing_key_path(data: &Path) -> PathBuf {
    data.join(SIGNING_KEY_FILE)
}

/// Makes the log's signing key for `origin` (its key name) in `data` (created if missing), in a
/// new file of mode 0600; refuses to replace an existing key. Returns the signer.
pub fn generate_key(data: &Path, origin: &str) -> Result<NoteSigner, CheckpointError> {
    let name = KeyName::new(origin).map_err(|_| CheckpointError::BadOrigin(origin.to_string()))?;
    let path = signing_key_path(data);
    let io = |source| CheckpointError::Io { path: path.clone(), source };
    std::fs::create_dir_all(data).map_err(io)?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| CheckpointError::Randomness(error.to_string()))?;
    let signer = NoteSigner::from_seed(name, seed);
    match write_secret_file(&path, &signer.to_text()) {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(CheckpointError::KeyExists(path))
        }
        result => result.map_err(io).map(|()| signer),
    }
}

/// Writes a secret (a signing key's text and a newline) to a new file readable by its owner
/// only (mode 0600), synced; `AlreadyExists` when the file is there (never replaced). The log's
/// and the witness's keys are written so.
pub(crate) fn write_secret_file(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(format!("{text}\n").as_bytes())?;
    file.sync_all()
}

/// Reads the log's signing key from `data`.
pub fn load_signer(data: &Path) -> Result<NoteSigner, CheckpointError> {
    let path = signing_key_path(data);
    let text = match std::fs::metadata(&path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(CheckpointError::NoKey(path));
        }
        Err(source) => return Err(CheckpointError::Io { path, source }),
        Ok(metadata) if metadata.len() > SIGNING_KEY_BYTES_MAX => {
            return Err(CheckpointError::BadKey(path, "файл слишком велик".into()));
        }
        Ok(_) => std::fs::read_to_string(&path)
            .map_err(|source| CheckpointError::Io { path: path.clone(), source })?,
    };
    NoteSigner::parse(text.trim_end_matches('\n'))
        .map_err(|error| CheckpointError::BadKey(path, error.to_string()))
}

/// The signed checkpoint of the current head: the one kept for that size if the log signed it
/// already, else a new one, signed, kept and returned. Returns the size and the note.
pub fn sign_head(store: &Store, signer: &NoteSigner) -> Result<(u64, Vec<u8>), CheckpointError> {
    let checkpoints = store.checkpoints()?;
    let head = store.head();
    let size = head.seq.0;
    if let Some(note) = checkpoints.get(size)? {
        return Ok((size, note));
    }
    let checkpoint = Checkpoint {
        origin: signer.name().clone(),
        size: TreeSize(size),
        root: store.tree_root(size)?,
        chain_head: (size > 0).then_some((head.seq, head.hash)),
    };
    let note = checkpoint.sign(signer).map_err(|error| CheckpointError::Sign(error.to_string()))?;
    Ok((size, checkpoints.put_first(size, note.as_bytes())?))
}
