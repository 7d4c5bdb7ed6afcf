//! Writing log archives (format: `proto_events::archive`, ENCODING.md "Log archive"): a range of
//! the stored records, byte for byte, so the ledger can be verified — and rebuilt — without sled's
//! on-disk format and without trusting the server that produced it.

use std::io::Write;

use proto_events::archive::{encode_trailer, frame_prefix, ArchiveHeader};
use proto_events::{Hash, Seq, StoredHeader};

use crate::store::{Store, StoreError};

/// What was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// First seq in the archive.
    pub first_seq: Seq,
    /// Last seq (the trailer's head); `first_seq - 1` for an empty range.
    pub last_seq: Seq,
    /// Hash of the last event (the prev hash of the header for an empty range).
    pub last_hash: Hash,
    /// Events written.
    pub events: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// Why an archive could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveWriteError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the output failed.
    #[error("не удалось записать архив: {0}")]
    Write(#[from] std::io::Error),
    /// The range is empty or outside the ledger.
    #[error("диапазон {from}–{to} вне журнала (последнее событие №{head})")]
    Range {
        /// Requested first seq.
        from: u64,
        /// Requested last seq.
        to: u64,
        /// The head.
        head: u64,
    },
    /// A stored record is malformed or cannot be framed (`letopis verify` names the damage).
    #[error("сохранённое событие №{0} повреждено или слишком велико для архива")]
    Frame(u64),
}

/// The range an archive of `from ..= to` covers: `from` at least 1, `to` bounded by the head
/// (default: the head, read once so the archive is a consistent cut while appends go on); an
/// empty range (`from = to + 1`) is an archive with no events, anything beyond is an error.
pub fn bounds(store: &Store, from: Seq, to: Option<Seq>) -> Result<(Seq, Seq), ArchiveWriteError> {
    let head = store.head().seq;
    let to = to.unwrap_or(head).min(head);
    let from = Seq(from.0.max(1));
    if from.0 > to.0.saturating_add(1) {
        return Err(ArchiveWriteError::Range { from: from.0, to: to.0, head: head.0 });
    }
    Ok((from, to))
}

/// Writes the records `from ..= to` (`to` bounded by the head, taken once at the start so the
/// archive is a consistent cut while appends go on) to `out`, calling `progress` every
/// `progress_every` events with the last seq written. The caller buffers `out`.
pub fn write(
    store: &Store,
    from: Seq,
    to: Option<Seq>,
    out: &mut impl Write,
    progress_every: u64,
    mut progress: impl FnMut(u64),
) -> Result<Written, ArchiveWriteError> {
    let (from, to) = bounds(store, from, to)?;
    let prev_hash = if from.0 == 1 {
        Hash::ZERO
    } else {
        store.get(Seq(from.0 - 1))?.map(|event| event.hash).ok_or(ArchiveWriteError::Range {
            from: from.0,
            to: to.0,
            head: store.head().seq.0,
        })?
    };
    let header = ArchiveHeader { first_seq: from, prev_hash }.encode();
    out.write_all(&header)?;
    let mut written = Written {
        first_seq: from,
        last_seq: Seq(from.0 - 1),
        last_hash: prev_hash,
        events: 0,
        bytes: header.len() as u64,
    };
    if to.0 >= from.0 {
        for item in store.range_raw(from, to) {
            let (seq, record) = item?;
            let prefix = frame_prefix(&record).map_err(|_| ArchiveWriteError::Frame(seq.0))?;
            out.write_all(&prefix)?;
            out.write_all(&record)?;
            let header =
                StoredHeader::peek(&record).map_err(|_| ArchiveWriteError::Frame(seq.0))?;
            written.last_seq = seq;
            written.last_hash = header.hash;
            written.events += 1;
            written.bytes += (prefix.len() + record.len()) as u64;
            if progress_every > 0 && written.events % progress_every == 0 {
                progress(seq.0);
            }
        }
    }
    let trailer = encode_trailer(written.last_seq, written.last_hash);
    out.write_all(&trailer)?;
    written.bytes += trailer.len() as u64;
    out.flush()?;
    Ok(written)
}
