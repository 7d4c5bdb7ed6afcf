//! The mirror: a second, continuous copy of the log beside sled, in the log-archive format
//! (ENCODING.md, "Log mirror"), so that a store sled can no longer open loses nothing that was
//! acknowledged: `letopis log restore --from-mirror` rebuilds it from these files alone.
//!
//! The mirror is a directory (`<data>/mirror/`) of segment files, each a complete log archive of a
//! seq range (header ‖ frames ‖ trailer), named by its first seq (`00000000000000000001.archive`),
//! the next segment chaining onto the hash its predecessor's trailer names. The writer appends
//! each durable group to the last segment after sled's flush and before it answers: the group's
//! frames and a new trailer overwrite the old trailer in one positioned write, then `fdatasync`.
//! So after every acknowledged group each segment is a valid archive on its own, and a write cut
//! short by a crash leaves a torn tail after the last complete group — a group never acknowledged,
//! which sled already holds, since sled is written first.
//!
//! Reconciling on open (`Mirror::open`, before the writer starts): a torn tail of the last segment
//! is cut off and its trailer rewritten; sled ahead of the mirror (a kill between the two writes,
//! or a store restored without a mirror) catches the mirror up from sled, chain-checked record by
//! record; the mirror ahead of sled means sled lost acknowledged events, and the writer is refused
//! (`MirrorError::Ahead`) until the store is restored from the mirror. Opening reads the headers
//! and trailers of the sealed segments and the whole last one (at most `SEGMENT_BYTES_MAX` and a
//! group); `MirrorRecords` walks all of it (`verify --data`, the restore).

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use proto_events::archive::{
    encode_trailer, frame_prefix, ArchiveHeader, ArchiveReader, ARCHIVE_HEADER_BYTES,
    ARCHIVE_TRAILER_BYTES,
};
use proto_events::chain::ChainVerifier;
use proto_events::{Hash, Seq, StoredHeader};

use crate::store::{Head, Store, StoreError};

/// The mirror's directory inside the data directory.
pub const MIRROR_DIR: &str = "mirror";
/// A segment is sealed (a new one started) at the first group that finds it this large.
pub const SEGMENT_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// Records read from sled per mirror write while catching up.
const CATCH_UP_EVENTS_PER_WRITE: usize = 10_000;
/// What a segment's file name ends with.
const SEGMENT_SUFFIX: &str = ".archive";
/// Digits of the first seq in a segment's name (u64 in decimal, zero-padded, so names sort).
const SEGMENT_NAME_DIGITS: usize = 20;

/// Why the mirror cannot be opened, written or read.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// A file operation failed.
    #[error("mirror {path}: {reason}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A sealed segment, a link between segments or a record is broken.
    #[error("mirror segment {path} is damaged after seq {after_seq}: {reason}")]
    Damaged {
        /// The segment.
        path: PathBuf,
        /// The last seq read intact before the damage.
        after_seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// The mirror holds acknowledged events sled lost.
    #[error(
        "the mirror holds events up to seq {mirror_head}, the store only up to seq {store_head}"
    )]
    Ahead {
        /// The store's head.
        store_head: u64,
        /// The mirror's head.
        mirror_head: u64,
    },
    /// The two copies hold different events at the same seq.
    #[error("the mirror and the store hold different events at seq {seq}")]
    Disagree {
        /// The seq.
        seq: u64,
    },
    /// Reading the store while catching up failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What opening the mirror repaired.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Bytes of a torn tail cut off the last segment (a group never acknowledged).
    pub torn_bytes: u64,
    /// Events copied from sled into the mirror (sled was ahead).
    pub caught_up_events: u64,
}

/// The open mirror, written by the writer after each group's flush.
pub struct Mirror {
    dir: PathBuf,
    segment: Option<Segment>,
    head: (Seq, Hash),
    /// A segment is sealed at the first group that finds it this large.
    segment_bytes_max: u64,
    /// Test hook: groups still to mirror before the process aborts between the two writes.
    abort_before_group: Option<u64>,
}

struct Segment {
    path: PathBuf,
    file: File,
    /// Where the trailer starts: the next group's frames are written here.
    trailer_at: u64,
}

impl Mirror {
    /// Whether the store at `data` keeps a mirror: it does once `<data>/mirror` exists (made by
    /// the first `Mirror::open`, e.g. `letopis serve --mirror`), and from then on every writer
    /// keeps it (`Ledger::start`, `commands::open_ledger`).
    pub fn is_kept(data: &Path) -> bool {
        data.join(MIRROR_DIR).exists()
    }

    /// Opens the mirror of `store` (creating it when absent), repairs a torn tail and catches it
    /// up from sled; refuses when it is ahead of sled or disagrees with it.
    pub fn open(store: &Store) -> Result<(Mirror, Reconciled), MirrorError> {
        let dir = store.path().join(MIRROR_DIR);
        if !dir.exists() {
            std::fs::create_dir_all(&dir).map_err(|error| io(&dir, error))?;
            sync_dir(store.path())?;
        }
        let segments = list_segments(&dir)?;
        let (mut mirror, torn_bytes) = open_segments(dir, &segments)?;
        let store_head = store.head();
        let (mirror_seq, mirror_hash) = mirror.head;
        if mirror_seq > store_head.seq {
            return Err(MirrorError::Ahead {
                store_head: store_head.seq.0,
                mirror_head: mirror_seq.0,
            });
        }
        if mirror_seq.0 > 0 {
            let stored =
                store.get_raw(mirror_seq)?.ok_or(MirrorError::Disagree { seq: mirror_seq.0 })?;
            let hash = crate::store::peek(mirror_seq, &stored)?.hash;
            if hash != mirror_hash {
                return Err(MirrorError::Disagree { seq: mirror_seq.0 });
            }
        }
        let caught_up_events = mirror.catch_up(store, store_head)?;
        Ok((mirror, Reconciled { torn_bytes, caught_up_events }))
    }

    /// The last seq and hash the mirror holds.
    pub fn head(&self) -> (Seq, Hash) {
        self.head
    }

    /// Seals segments at `bytes` instead of `SEGMENT_BYTES_MAX` (tests of many segments).
    #[doc(hidden)]
    pub fn with_segment_bytes_max(mut self, bytes: u64) -> Mirror {
        self.segment_bytes_max = bytes;
        self
    }

    /// Test hook of the crash tests: after `groups` more groups, the process aborts when sled
    /// holds the next group and the mirror does not yet (a kill between the two writes).
    #[doc(hidden)]
    pub fn abort_between_writes_after(&mut self, groups: u64) {
        self.abort_before_group = Some(groups);
    }

    /// Appends a durable group (`records` in seq order, ending at `head`) and syncs it.
    pub(crate) fn append(&mut self, records: &[Vec<u8>], head: Head) -> Result<(), MirrorError> {
        let Some(last) = records.last() else { return Ok(()) };
        if let Some(left) = &mut self.abort_before_group {
            if *left == 0 {
                std::process::abort();
            }
            *left -= 1;
        }
        let first_seq = Seq(self.head.0 .0.saturating_add(1));
        debug_assert_eq!(head.seq.0, self.head.0 .0 + records.len() as u64);
        debug_assert_eq!(StoredHeader::peek(last).map(|header| header.hash).ok(), Some(head.hash));
        let roll = self
            .segment
            .as_ref()
            .is_none_or(|segment| segment.trailer_at >= self.segment_bytes_max);
        let mut bytes = Vec::with_capacity(
            records.iter().map(|record| record.len() + 4).sum::<usize>()
                + ARCHIVE_HEADER_BYTES
                + ARCHIVE_TRAILER_BYTES,
        );
        if roll {
            bytes.extend_from_slice(&ArchiveHeader { first_seq, prev_hash: self.head.1 }.encode());
        }
        for (offset, record) in records.iter().enumerate() {
            let prefix = frame_prefix(record).map_err(|error| MirrorError::Damaged {
                path: self.dir.clone(),
                after_seq: first_seq.0.saturating_add(offset as u64).saturating_sub(1),
                reason: error.to_string(),
            })?;
            bytes.extend_from_slice(&prefix);
            bytes.extend_from_slice(record);
        }
        bytes.extend_from_slice(&encode_trailer(head.seq, head.hash));
        if roll {
            let path = self.dir.join(segment_name(first_seq));
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|error| io(&path, error))?;
            file.write_all_at(&bytes, 0).map_err(|error| io(&path, error))?;
            file.sync_all().map_err(|error| io(&path, error))?;
            sync_dir(&self.dir)?;
            let trailer_at = (bytes.len() - ARCHIVE_TRAILER_BYTES) as u64;
            self.segment = Some(Segment { path, file, trailer_at });
        } else if let Some(segment) = &mut self.segment {
            segment
                .file
                .write_all_at(&bytes, segment.trailer_at)
                .and_then(|()| segment.file.sync_data())
                .map_err(|error| io(&segment.path, error))?;
            segment.trailer_at += (bytes.len() - ARCHIVE_TRAILER_BYTES) as u64;
        }
        self.head = (head.seq, head.hash);
        Ok(())
    }

    /// Copies sled's records after the mirror's head up to `store_head`, chain-checked.
    fn catch_up(&mut self, store: &Store, store_head: Head) -> Result<u64, MirrorError> {
        let (from, hash) = self.head;
        if from >= store_head.seq {
            return Ok(0);
        }
        let mut verifier = ChainVerifier::resume(false, from, hash);
        let mut chunk: Vec<Vec<u8>> = Vec::with_capacity(CATCH_UP_EVENTS_PER_WRITE);
        let mut copied = 0u64;
        for item in store.range_raw(Seq(from.0 + 1), store_head.seq) {
            let (seq, record) = item?;
            verifier.push(seq.0, &record).map_err(StoreError::from)?;
            chunk.push(record);
            if chunk.len() == CATCH_UP_EVENTS_PER_WRITE {
                copied += self.append_chunk(seq, &mut chunk)?;
            }
        }
        let summary = verifier.finish(Some((store_head.seq, store_head.hash)));
        summary.map_err(StoreError::from)?;
        copied += self.append_chunk(store_head.seq, &mut chunk)?;
        Ok(copied)
    }

    fn append_chunk(&mut self, last: Seq, chunk: &mut Vec<Vec<u8>>) -> Result<u64, MirrorError> {
        let Some(record) = chunk.last() else { return Ok(0) };
        let header = crate::store::peek(last, record)?;
        let head = Head { seq: last, hash: header.hash, recorded_at: Some(header.recorded_at) };
        self.append(chunk, head)?;
        let count = chunk.len() as u64;
        chunk.clear();
        Ok(count)
    }
}

/// Every record of a mirror in seq order, chain-checked across segments from seq 1: what
/// `verify --data` and `log restore --from-mirror` read. A problem in the last segment ends the
/// walk there (`tail` says why: the torn tail a crash leaves, or damage); anywhere else it is an
/// error.
pub struct MirrorRecords {
    segments: Vec<PathBuf>,
    next_segment: usize,
    reader: Option<ArchiveReader<BufReader<File>>>,
    verifier: ChainVerifier,
    last: (Seq, Hash),
    /// Records up to this seq were verified before (`open_after`): skipped unread by the
    /// verifier, and the first segment's link to the one before it is not checked.
    skip_through: Seq,
    /// Bytes of the current segment read intact (header and whole frames).
    intact_bytes: u64,
    tail: Option<String>,
    done: bool,
}

impl MirrorRecords {
    /// Opens the mirror at `dir` (the mirror directory, or a data directory holding one).
    pub fn open(dir: &Path, deep: bool) -> Result<MirrorRecords, MirrorError> {
        let dir = mirror_dir(dir);
        let segments = list_segments(&dir)?;
        Ok(MirrorRecords::over(segments, deep, (Seq(0), Hash::ZERO)))
    }

    /// The records after a point verified earlier (`after`: its seq and hash), chain-checked
    /// from it: the walk starts at the segment holding the seq after it and skips what comes
    /// before. For a check that repeats as the log grows (the crash loop's rounds); `open` walks
    /// all of it.
    pub fn open_after(
        dir: &Path,
        deep: bool,
        after: (Seq, Hash),
    ) -> Result<MirrorRecords, MirrorError> {
        let dir = mirror_dir(dir);
        let mut segments = list_segments(&dir)?;
        let next = after.0 .0.saturating_add(1);
        let holding =
            segments.iter().rposition(|path| first_seq_of(path).is_some_and(|first| first <= next));
        let start = holding.unwrap_or(0);
        segments.drain(..start);
        let mut records = MirrorRecords::over(segments, deep, after);
        records.skip_through = after.0;
        Ok(records)
    }

    fn over(segments: Vec<PathBuf>, deep: bool, after: (Seq, Hash)) -> MirrorRecords {
        MirrorRecords {
            segments,
            next_segment: 0,
            reader: None,
            verifier: ChainVerifier::resume(deep, after.0, after.1),
            last: after,
            skip_through: Seq(0),
            intact_bytes: 0,
            tail: None,
            done: false,
        }
    }

    /// Segments found.
    pub fn segments(&self) -> usize {
        self.segments.len()
    }

    /// The last seq and hash read intact.
    pub fn last(&self) -> (Seq, Hash) {
        self.last
    }

    /// Why the walk ended before the last segment's trailer, if it did.
    pub fn tail(&self) -> Option<&str> {
        self.tail.as_deref()
    }

    /// Reads the next record into `record`; None at the end.
    pub fn next_record(&mut self, record: &mut Vec<u8>) -> Result<Option<Seq>, MirrorError> {
        loop {
            if self.done {
                return Ok(None);
            }
            let Some(reader) = self.reader.as_mut() else {
                if !self.open_next()? {
                    self.done = true;
                }
                continue;
            };
            match reader.next_record(record) {
                Ok(Some(seq)) if seq <= self.skip_through => {
                    self.intact_bytes += 4 + record.len() as u64;
                }
                Ok(Some(seq)) => {
                    if let Err(error) = self.verifier.push(seq.0, record) {
                        self.stop(error.to_string())?;
                        continue;
                    }
                    let hash = StoredHeader::peek(record).map(|header| header.hash);
                    self.last = (seq, hash.unwrap_or(Hash::ZERO));
                    self.intact_bytes += 4 + record.len() as u64;
                    return Ok(Some(seq));
                }
                Ok(None) => {
                    let trailer = reader.trailer();
                    if trailer != Some(self.last) {
                        self.stop(format!(
                            "the trailer names seq {}, the last record is seq {}",
                            trailer.map_or(0, |(seq, _)| seq.0),
                            self.last.0 .0
                        ))?;
                        continue;
                    }
                    self.reader = None;
                }
                Err(error) => self.stop(error.to_string())?,
            }
        }
    }

    /// Opens the next segment and checks that it chains onto the last record; false at the end.
    fn open_next(&mut self) -> Result<bool, MirrorError> {
        let Some(path) = self.segments.get(self.next_segment).cloned() else { return Ok(false) };
        self.next_segment += 1;
        self.intact_bytes = 0;
        let file = File::open(&path).map_err(|error| io(&path, error))?;
        let reader = match ArchiveReader::open(BufReader::with_capacity(1 << 20, file)) {
            Ok(reader) => reader,
            Err(error) => {
                self.stop(error.to_string())?;
                return Ok(true);
            }
        };
        let header = reader.header();
        let skipping = header.first_seq <= self.skip_through;
        if !skipping
            && (header.first_seq.0 != self.last.0 .0.saturating_add(1)
                || header.prev_hash != self.last.1)
        {
            let reason = format!(
                "the segment starts at seq {}, the one before it ends at seq {} (or its hash differs)",
                header.first_seq.0, self.last.0 .0
            );
            return Err(damaged(&path, self.last.0, reason));
        }
        self.intact_bytes = ARCHIVE_HEADER_BYTES as u64;
        self.reader = Some(reader);
        Ok(true)
    }

    /// Ends the walk at a problem: allowed in the last segment (`tail`), an error elsewhere.
    fn stop(&mut self, reason: String) -> Result<(), MirrorError> {
        let path = self.segments.get(self.next_segment.saturating_sub(1)).cloned();
        if self.next_segment < self.segments.len() {
            return Err(damaged(&path.unwrap_or_default(), self.last.0, reason));
        }
        self.tail = Some(reason);
        self.reader = None;
        self.done = true;
        Ok(())
    }
}

/// The mirror directory for `path`: `path/mirror` when it exists, else `path` itself.
pub fn mirror_dir(path: &Path) -> PathBuf {
    let inside = path.join(MIRROR_DIR);
    if inside.is_dir() {
        inside
    } else {
        path.to_path_buf()
    }
}

/// The segments of a mirror in seq order (by name); other files are ignored.
fn list_segments(dir: &Path) -> Result<Vec<PathBuf>, MirrorError> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|error| io(dir, error))? {
        let entry = entry.map_err(|error| io(dir, error))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(digits) = name.strip_suffix(SEGMENT_SUFFIX) else { continue };
        if digits.len() != SEGMENT_NAME_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        found.push(entry.path());
    }
    found.sort();
    Ok(found)
}

/// The first seq a segment's file name says it holds.
fn first_seq_of(path: &Path) -> Option<u64> {
    path.file_name()?.to_str()?.strip_suffix(SEGMENT_SUFFIX)?.parse().ok()
}

fn segment_name(first_seq: Seq) -> String {
    format!("{:0width$}{SEGMENT_SUFFIX}", first_seq.0, width = SEGMENT_NAME_DIGITS)
}

/// Checks the sealed segments' links (header and trailer only) and reads the last segment whole,
/// cutting off a torn tail. Returns the mirror, positioned to append, and the bytes cut.
fn open_segments(dir: PathBuf, segments: &[PathBuf]) -> Result<(Mirror, u64), MirrorError> {
    let Some((last_path, sealed)) = segments.split_last() else {
        return Ok((
            Mirror {
                dir,
                segment: None,
                head: (Seq(0), Hash::ZERO),
                segment_bytes_max: SEGMENT_BYTES_MAX,
                abort_before_group: None,
            },
            0,
        ));
    };
    let mut after = (Seq(0), Hash::ZERO);
    for path in sealed {
        after = sealed_link(path, after)?;
    }
    let mut records = MirrorRecords::over(vec![last_path.clone()], false, after);
    let mut record = Vec::with_capacity(4096);
    while records.next_record(&mut record)?.is_some() {}
    let head = records.last();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(last_path)
        .map_err(|error| io(last_path, error))?;
    let length = file.metadata().map_err(|error| io(last_path, error))?.len();
    if records.intact_bytes < ARCHIVE_HEADER_BYTES as u64 {
        // The header itself is torn: a segment started by a group that was never acknowledged.
        // Its bytes are kept aside, not deleted, and the next group starts it again.
        let aside = last_path.with_extension("torn");
        std::fs::rename(last_path, &aside).map_err(|error| io(last_path, error))?;
        sync_dir(&dir)?;
        return Ok((
            Mirror {
                dir,
                segment: None,
                head,
                segment_bytes_max: SEGMENT_BYTES_MAX,
                abort_before_group: None,
            },
            length,
        ));
    }
    let trailer_at = records.intact_bytes;
    let mut torn_bytes = 0;
    if records.tail().is_some() {
        torn_bytes = length.saturating_sub(trailer_at);
        file.set_len(trailer_at)
            .and_then(|()| file.write_all_at(&encode_trailer(head.0, head.1), trailer_at))
            .and_then(|()| file.sync_all())
            .map_err(|error| io(last_path, error))?;
    }
    let segment = Segment { path: last_path.clone(), file, trailer_at };
    Ok((
        Mirror {
            dir,
            segment: Some(segment),
            head,
            segment_bytes_max: SEGMENT_BYTES_MAX,
            abort_before_group: None,
        },
        torn_bytes,
    ))
}

/// Reads a sealed segment's header and trailer: it must chain onto `after`; returns its head.
fn sealed_link(path: &Path, after: (Seq, Hash)) -> Result<(Seq, Hash), MirrorError> {
    let mut file = File::open(path).map_err(|error| io(path, error))?;
    let header = ArchiveReader::open(&mut file)
        .map_err(|error| damaged(path, after.0, error.to_string()))?
        .header();
    if header.first_seq.0 != after.0 .0.saturating_add(1) || header.prev_hash != after.1 {
        let reason = format!("the segment does not start after seq {}", after.0 .0);
        return Err(damaged(path, after.0, reason));
    }
    let mut trailer = [0u8; ARCHIVE_TRAILER_BYTES];
    file.seek(SeekFrom::End(-(ARCHIVE_TRAILER_BYTES as i64)))
        .and_then(|_| file.read_exact(&mut trailer))
        .map_err(|error| damaged(path, after.0, format!("no trailer: {error}")))?;
    let (marker, rest) = trailer.split_at(4);
    let (seq, hash) = rest.split_at(8);
    let seq = Seq(u64::from_be_bytes(seq.try_into().unwrap_or([0; 8])));
    let hash = Hash(hash.try_into().unwrap_or([0; 32]));
    if marker != [0u8; 4] || seq.0 < after.0 .0 {
        return Err(damaged(path, after.0, "the trailer is malformed".into()));
    }
    Ok((seq, hash))
}

fn damaged(path: &Path, after_seq: Seq, reason: String) -> MirrorError {
    MirrorError::Damaged { path: path.to_path_buf(), after_seq: after_seq.0, reason }
}

fn io(path: &Path, error: std::io::Error) -> MirrorError {
    MirrorError::Io { path: path.to_path_buf(), reason: error.to_string() }
}

/// Makes a directory's entries (a new segment, a rename) durable.
fn sync_dir(dir: &Path) -> Result<(), MirrorError> {
    File::open(dir).and_then(|dir| dir.sync_all()).map_err(|error| io(dir, error))
}
