//! What a witness remembers, per log origin: the size, root and note of the last checkpoint it
//! cosigned; kept as a small JSON file in its data directory, replaced durably (temporary file,
//! fsync, rename, fsync of the directory) before a cosignature is answered, so a restart or a
//! crash never forgets a cosigned checkpoint. Evidence of a split view goes beside it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use proto_events::tlog::{TreeHash, TreeSize};
use serde::{Deserialize, Serialize};

/// The state file in the witness's data directory.
pub const STATE_FILE: &str = "state.json";
/// The directory of split-view evidence in the witness's data directory.
pub const EVIDENCE_DIR: &str = "evidence";
/// The state file's format.
const STATE_FORMAT: u32 = 1;

/// The last checkpoint cosigned for one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    /// Its tree size.
    pub size: TreeSize,
    /// Its root.
    pub root: TreeHash,
    /// The note as submitted (the log's signature and any others).
    pub note: String,
}

/// Every log's last cosigned checkpoint, by origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// By origin.
    pub logs: BTreeMap<String, Cosigned>,
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    format: u32,
    logs: BTreeMap<String, LogFile>,
}

#[derive(Serialize, Deserialize)]
struct LogFile {
    size: u64,
    root: String,
    note: String,
}

impl State {
    /// Reads the state of a data directory; an empty state when it has no state file yet.
    pub fn load(dir: &Path) -> anyhow::Result<State> {
        let path = dir.join(STATE_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(State::default())
            }
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("не удалось прочитать {}", path.display()))
            }
        };
        decode(&bytes).with_context(|| format!("файл состояния {} повреждён", path.display()))
    }

    /// Replaces the state file durably; read back and compared before returning.
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        let bytes = encode(self)?;
        let path = dir.join(STATE_FILE);
        write_durably(&path, &bytes)?;
        let read = std::fs::read(&path)
            .with_context(|| format!("не удалось прочитать {}", path.display()))?;
        assert_eq!(
            decode(&read)?,
            *self,
            "the state file read back differs from the state written"
        );
        Ok(())
    }
}

/// Keeps the evidence of a split view: the note cosigned and a second note, signed by the log's
/// key, with another root for the same size. The file is named by origin, size and the second
/// root, so the same evidence offered again is written once. Returns its path.
pub fn keep_split_view(
    dir: &Path,
    origin: &str,
    cosigned: &Cosigned,
    second_root: &TreeHash,
    second_note: &str,
) -> anyhow::Result<PathBuf> {
    let evidence = dir.join(EVIDENCE_DIR);
    std::fs::create_dir_all(&evidence)
        .with_context(|| format!("не удалось создать каталог {}", evidence.display()))?;
    let safe_origin: String = origin
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect();
    let path = evidence.join(format!(
        "split-view-{safe_origin}-{}-{}.txt",
        cosigned.size.0,
        second_root.to_hex()
    ));
    let text = format!(
        "Разделённое представление журнала (split view): журнал {origin} подписал два разных корня \
         для размера {size}.\nОбе контрольные точки подписаны ключом журнала.\n\n\
         --- контрольная точка, заверенная свидетелем (корень {first}) ---\n{first_note}\n\
         --- вторая контрольная точка (корень {second}) ---\n{second_note}",
        size = cosigned.size.0,
        first = cosigned.root.to_base64(),
        first_note = cosigned.note,
        second = second_root.to_base64(),
    );
    write_durably(&path, text.as_bytes())?;
    Ok(path)
}

/// Writes `bytes` to `path` so that a crash leaves the old file or the new one, never a part:
/// a temporary file beside it, fsync, rename over it, fsync of the directory.
pub fn write_durably(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("a file to replace has a directory")?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let mut file = std::fs::File::create(&temporary)
        .with_context(|| format!("не удалось создать {}", temporary.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("не удалось записать {}", temporary.display()))?;
    file.sync_all()
        .with_context(|| format!("не удалось сбросить на диск {}", temporary.display()))?;
    drop(file);
    std::fs::rename(&temporary, path)
        .with_context(|| format!("не удалось заменить {}", path.display()))?;
    std::fs::File::open(dir)
        .and_then(|dir| dir.sync_all())
        .with_context(|| format!("не удалось сбросить на диск каталог {}", dir.display()))?;
    Ok(())
}

fn encode(state: &State) -> anyhow::Result<Vec<u8>> {
    let logs = state
        .logs
        .iter()
        .map(|(origin, log)| {
            let file =
                LogFile { size: log.size.0, root: log.root.to_base64(), note: log.note.clone() };
            (origin.clone(), file)
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&StateFile { format: STATE_FORMAT, logs })
        .context("не удалось записать состояние свидетеля в JSON")?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn decode(bytes: &[u8]) -> anyhow::Result<State> {
    let file: StateFile = serde_json::from_slice(bytes).context("не JSON состояния свидетеля")?;
    if file.format != STATE_FORMAT {
        bail!("формат состояния {} неизвестен (ожидался {STATE_FORMAT})", file.format);
    }
    let mut logs = BTreeMap::new();
    for (origin, log) in file.logs {
        let root = TreeHash::from_base64(&log.root)
            .with_context(|| format!("корень журнала {origin} не base64 32 байт"))?;
        logs.insert(origin, Cosigned { size: TreeSize(log.size), root, note: log.note });
    }
    Ok(State { logs })
}

#[cfg(test)]
mod tests {
    use proto_events::tlog::{TreeHash, TreeSize};

    use crate::witness::state::{Cosigned, State};

    #[test]
    fn a_saved_state_reads_back_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(State::load(dir.path()).unwrap(), State::default());
        let mut state = State::default();
        let log =
            Cosigned { size: TreeSize(7), root: TreeHash([3; 32]), note: "n\n\n— s x\n".into() };
        state.logs.insert("log.example/a".into(), log);
        state.save(dir.path()).unwrap();
        assert_eq!(State::load(dir.path()).unwrap(), state);
    }

    #[test]
    fn a_damaged_state_file_is_an_error_not_an_empty_state() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(super::STATE_FILE),
            b"{\"format\":1,\"logs\":{\"a\":{\"size\":1,\"root\":\"x\",\"note\":\"\"}}}",
        )
        .unwrap();
        assert!(State::load(dir.path()).is_err());
    }
}
