//! The rooms of cached states: projection snapshots (`<data>/snapshots/projection/`) and gate
//! snapshots (`<data>/snapshots/gate/`), both bytes keyed by a format version and the seq they
//! were folded to, one file each.
//!
//! File name: format (8 hex digits) `-` seq (16 hex digits), so the names of one format sort in
//! seq order. The format is whatever the owner versions its bytes by (the fold version for
//! projection snapshots, `GATE_SNAPSHOT_FORMAT` for the gate's); what the bytes hold, and the
//! checks that they belong to this log and did not change, are the owner's (`query::snapshot`,
//! `commands::gate_snapshot`). Both are caches outside the chain: deleting one changes no answer.
//!
//! Files, not sled trees: a snapshot is large (the whole state, ~260 MB on a region of a million
//! events), and a write that fails for lack of space must touch nothing the ledger needs. In
//! sled it shared the log with the events: a failed write of a large value (a sled blob) leaves
//! sled's log buffer claimed, and a failed log write is sled's global error, so the writer would
//! stop (or hang) for a cache. A file is written beside its name (`.<name>.partial`), synced and
//! renamed into place, so a name is only ever a whole write; a failed write removes its partial
//! file and is the caller's error (`query::fold_forward` reports it and goes on). A partial file
//! left by a crash is never read (not a snapshot name) and is removed by `retain`.
//! Earlier builds kept both rooms in sled (trees `snapshots`, `gate_snapshots`): opening a store
//! drops those trees (`drop_snapshot_trees`), caches like these.

use std::io::Write;
use std::path::{Path, PathBuf};

use proto_events::Seq;

use crate::store::{Store, StoreError};

/// The directory of the rooms, in the data directory.
pub const SNAPSHOTS_DIR: &str = "snapshots";
/// The room of projection snapshots, in `SNAPSHOTS_DIR`.
const PROJECTION_SNAPSHOTS: &str = "projection";
/// The room of gate snapshots, in `SNAPSHOTS_DIR`.
const GATE_SNAPSHOTS: &str = "gate";
/// The sled trees of earlier builds' rooms, dropped at open.
pub(crate) const SLED_SNAPSHOT_TREES: [&str; 2] = ["snapshots", "gate_snapshots"];

/// Cached states by format and seq. Cloning is cheap.
#[derive(Clone)]
pub struct Snapshots {
    dir: PathBuf,
}

impl Store {
    /// The room of projection snapshots (`query::snapshot`).
    pub fn projection_snapshots(&self) -> Result<Snapshots, StoreError> {
        Ok(Snapshots { dir: self.path().join(SNAPSHOTS_DIR).join(PROJECTION_SNAPSHOTS) })
    }

    /// The room of gate snapshots (`commands::gate_snapshot`).
    pub fn gate_snapshots(&self) -> Result<Snapshots, StoreError> {
        Ok(Snapshots { dir: self.path().join(SNAPSHOTS_DIR).join(GATE_SNAPSHOTS) })
    }
}

impl Snapshots {
    /// The seq of the latest snapshot of `format` at or below `seq`.
    pub fn latest_seq_at_or_below(&self, format: u32, seq: Seq) -> Result<Option<Seq>, StoreError> {
        Ok(self
            .keys()?
            .into_iter()
            .rev()
            .find(|key| key.0 == format && key.1 <= seq)
            .map(|key| key.1))
    }

    /// The snapshots of `format` at or below `seq` as `(seq, bytes)`, the latest first: the
    /// owner reads them until one passes its checks.
    pub fn latest_first_at_or_below(
        &self,
        format: u32,
        seq: Seq,
    ) -> impl Iterator<Item = Result<(Seq, Vec<u8>), StoreError>> {
        let (keys, listed) = match self.keys() {
            Ok(keys) => (keys, None),
            Err(error) => (Vec::new(), Some(Err(error))),
        };
        let dir = self.dir.clone();
        let read =
            keys.into_iter().rev().filter(move |key| key.0 == format && key.1 <= seq).filter_map(
                move |(format, seq)| match std::fs::read(dir.join(name(format, seq))) {
                    Ok(bytes) => Some(Ok((seq, bytes))),
                    // Removed meanwhile (a prune): not a snapshot any more.
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
                    Err(error) => Some(Err(io_error("reading a snapshot", &error))),
                },
            );
        listed.into_iter().chain(read)
    }

    /// The snapshot of `format` at `seq`, if stored.
    pub fn get(&self, format: u32, seq: Seq) -> Result<Option<Vec<u8>>, StoreError> {
        match std::fs::read(self.dir.join(name(format, seq))) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(io_error("reading a snapshot", &error)),
        }
    }

    /// Stores (or replaces) the snapshot of `format` at `seq`, durably: written beside its
    /// name, synced, renamed into place. On failure (a full disk) nothing is left behind and
    /// any snapshot stored before is unchanged.
    pub fn put(&self, format: u32, seq: Seq, bytes: &[u8]) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|error| io_error("creating the snapshots directory", &error))?;
        let partial = self.dir.join(format!(".{}.partial", name(format, seq)));
        let written = write_synced(&partial, bytes)
            .and_then(|()| std::fs::rename(&partial, self.dir.join(name(format, seq))))
            .and_then(|()| sync_dir(&self.dir));
        if let Err(error) = written {
            let _ = std::fs::remove_file(&partial);
            return Err(io_error("writing a snapshot", &error));
        }
        Ok(())
    }

    /// Every seq with a snapshot of `format`, in order.
    pub fn seqs(&self, format: u32) -> Result<Vec<Seq>, StoreError> {
        Ok(self.keys()?.into_iter().filter(|key| key.0 == format).map(|key| key.1).collect())
    }

    /// Removes every snapshot `keep` refuses, given its format and seq (and every file that is
    /// not a snapshot, such as a partial write a crash left); returns how many were removed.
    pub fn retain(&self, keep: impl Fn(u32, Seq) -> bool) -> Result<u64, StoreError> {
        let mut removed = 0u64;
        for entry in self.entries()? {
            let kept = key_of_name(&entry).is_some_and(|(format, seq)| keep(format, seq));
            if !kept {
                match std::fs::remove_file(self.dir.join(&entry)) {
                    Ok(()) => removed = removed.saturating_add(1),
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(io_error("removing a snapshot", &error)),
                }
            }
        }
        Ok(removed)
    }

    /// Makes every put and removal so far durable (puts already are).
    pub fn flush(&self) -> Result<(), StoreError> {
        match sync_dir(&self.dir) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(io_error("syncing the snapshots directory", &error))
            }
            _ => Ok(()),
        }
    }

    /// The names in the room (none when it was never written).
    fn entries(&self) -> Result<Vec<String>, StoreError> {
        let listing = match std::fs::read_dir(&self.dir) {
            Ok(listing) => listing,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(io_error("listing the snapshots", &error)),
        };
        let mut names = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|error| io_error("listing the snapshots", &error))?;
            names.extend(entry.file_name().to_str().map(str::to_owned));
        }
        Ok(names)
    }

    /// The keys of the stored snapshots, in order.
    fn keys(&self) -> Result<Vec<(u32, Seq)>, StoreError> {
        let mut keys: Vec<(u32, Seq)> =
            self.entries()?.iter().filter_map(|entry| key_of_name(entry)).collect();
        keys.sort();
        Ok(keys)
    }
}

/// Format (8 hex digits) `-` seq (16 hex digits).
fn name(format: u32, seq: Seq) -> String {
    format!("{format:08x}-{:016x}", seq.0)
}

/// The key of a snapshot's file name; None for any other name (a partial write).
fn key_of_name(name: &str) -> Option<(u32, Seq)> {
    let (format, seq) = name.split_once('-')?;
    let hex = |text: &str, digits: usize| {
        (text.len() == digits && text.bytes().all(|byte| byte.is_ascii_hexdigit())).then_some(())
    };
    hex(format, 8)?;
    hex(seq, 16)?;
    Some((u32::from_str_radix(format, 16).ok()?, Seq(u64::from_str_radix(seq, 16).ok()?)))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

fn io_error(what: &str, error: &std::io::Error) -> StoreError {
    StoreError::Storage(format!("{what}: {error}"))
}

#[cfg(test)]
mod tests {
    use proto_events::Seq;

    use crate::store::{reopened_after, Snapshots};

    fn check(snapshots: &Snapshots, format: u32, at_or_below: u64, expected: Option<(u64, &[u8])>) {
        let latest = snapshots.latest_seq_at_or_below(format, Seq(at_or_below)).unwrap();
        let first = snapshots.latest_first_at_or_below(format, Seq(at_or_below)).next();
        let first = first.transpose().unwrap();
        assert_eq!(latest.map(|seq| seq.0), expected.map(|(seq, _)| seq));
        assert_eq!(
            first.as_ref().map(|(seq, bytes)| (seq.0, bytes.as_slice())),
            expected,
            "format {format} at or below {at_or_below}"
        );
    }

    #[test]
    fn snapshots_survive_a_reopen_are_found_by_format_and_seq_and_pruned_by_retain() {
        let (_dir, store) = reopened_after(|store| {
            let snapshots = store.projection_snapshots().unwrap();
            snapshots.put(3, Seq(100), b"3@100").unwrap();
            snapshots.put(3, Seq(300), b"3@300").unwrap();
            snapshots.put(2, Seq(200), b"2@200").unwrap();
            snapshots.put(4, Seq(50), b"4@50").unwrap();
            snapshots.flush().unwrap();
            // The gate's room is another tree.
            assert_eq!(store.gate_snapshots().unwrap().seqs(3).unwrap(), vec![]);
        });
        let snapshots = store.projection_snapshots().unwrap();
        check(&snapshots, 3, 99, None);
        check(&snapshots, 3, 100, Some((100, b"3@100")));
        check(&snapshots, 3, 299, Some((100, b"3@100")));
        check(&snapshots, 3, u64::MAX, Some((300, b"3@300")));
        check(&snapshots, 2, u64::MAX, Some((200, b"2@200")));
        assert_eq!(snapshots.seqs(3).unwrap(), vec![Seq(100), Seq(300)]);
        assert_eq!(snapshots.get(4, Seq(50)).unwrap().as_deref(), Some(&b"4@50"[..]));

        assert_eq!(snapshots.retain(|format, _| format == 3).unwrap(), 2);
        check(&snapshots, 2, u64::MAX, None);
        assert_eq!(snapshots.retain(|format, seq| (format, seq) == (3, Seq(300))).unwrap(), 1);
        assert_eq!(snapshots.seqs(3).unwrap(), vec![Seq(300)]);
    }
}
