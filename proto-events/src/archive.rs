//! The log archive: a range of the ledger's stored records, byte for byte, in one self-contained
//! file, so an auditor verifies the chain with nothing but this crate — no sled, no server, no
//! trust in whoever handed the file over beyond the checkpoints the auditor already holds.
//!
//! Layout (normative; ENCODING.md, "Log archive"), all integers big-endian:
//!
//! ```text
//! header   "LETOPIS-LOG\0" (12 bytes) ‖ version u32 (= 1) ‖ first seq u64 ‖ prev hash (32 bytes)
//! frame*   length u32 (1 ..= EVENT_BYTES_MAX) ‖ stored record (body ‖ hash, exactly as stored)
//! trailer  0u32 ‖ last seq u64 ‖ last hash (32 bytes)
//! ```
//!
//! `prev hash` is the hash of the event before `first seq` (32 zero bytes when the archive starts
//! at seq 1): an archive of a later range chains onto an earlier one. The trailer repeats the head
//! the archive was cut at, so a file cut short (no trailer) or with events dropped at the end is
//! detected like a truncated store. A checkpoint — a `(seq, hash)` pair the auditor obtained
//! independently (an earlier archive, a published head, a signed report) — pins history: if the
//! archive's event at that seq has another hash, history was rewritten after the checkpoint.
//!
//! The reader is generic over `std::io::Read`; this crate opens no files.

use std::io::Read;

use crate::chain::{ChainVerifier, VerifyError, VerifySummary};
use crate::envelope::Seq;
use crate::hash::Hash;
use crate::limits::EVENT_BYTES_MAX;

/// First bytes of every archive.
pub const ARCHIVE_MAGIC: [u8; 12] = *b"LETOPIS-LOG\0";
/// Archive format version written by this crate.
pub const ARCHIVE_VERSION: u32 = 1;
/// Bytes of the header.
pub const ARCHIVE_HEADER_BYTES: usize = 12 + 4 + 8 + 32;
/// Bytes of the trailer (including its zero length marker).
pub const ARCHIVE_TRAILER_BYTES: usize = 4 + 8 + 32;

/// Where an archive starts: its first seq and the hash it chains onto.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArchiveHeader {
    /// Seq of the first record (1 for a whole ledger).
    pub first_seq: Seq,
    /// Hash of the record before it (zero when `first_seq` is 1).
    pub prev_hash: Hash,
}

impl ArchiveHeader {
    /// The header's bytes.
    pub fn encode(&self) -> [u8; ARCHIVE_HEADER_BYTES] {
        let mut out = [0u8; ARCHIVE_HEADER_BYTES];
        out[..12].copy_from_slice(&ARCHIVE_MAGIC);
        out[12..16].copy_from_slice(&ARCHIVE_VERSION.to_be_bytes());
        out[16..24].copy_from_slice(&self.first_seq.0.to_be_bytes());
        out[24..].copy_from_slice(&self.prev_hash.0);
        out
    }

    fn decode(bytes: &[u8; ARCHIVE_HEADER_BYTES]) -> Result<ArchiveHeader, ArchiveError> {
        if bytes[..12] != ARCHIVE_MAGIC {
            return Err(ArchiveError::NotAnArchive);
        }
        let version = u32::from_be_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
        if version != ARCHIVE_VERSION {
            return Err(ArchiveError::UnsupportedVersion(version));
        }
        let first_seq = Seq(u64_at(bytes, 16));
        if first_seq.0 == 0 {
            return Err(ArchiveError::BadHeader("номер первого события — 0"));
        }
        let prev_hash = Hash(hash_at(bytes, 24));
        if first_seq.0 == 1 && prev_hash != Hash::ZERO {
            return Err(ArchiveError::BadHeader(
                "архив с события №1 должен начинаться от нулевого хеша",
            ));
        }
        Ok(ArchiveHeader { first_seq, prev_hash })
    }
}

/// The length prefix of one frame.
pub fn frame_prefix(record: &[u8]) -> Result<[u8; 4], ArchiveError> {
    let length = u32::try_from(record.len()).ok().filter(|length| {
        *length > 0 && usize::try_from(*length).is_ok_and(|length| length <= EVENT_BYTES_MAX)
    });
    match length {
        Some(length) => Ok(length.to_be_bytes()),
        None => Err(ArchiveError::FrameLength { after_seq: 0, length: record.len() as u64 }),
    }
}

/// The trailer's bytes: the head the archive was cut at.
pub fn encode_trailer(last_seq: Seq, last_hash: Hash) -> [u8; ARCHIVE_TRAILER_BYTES] {
    let mut out = [0u8; ARCHIVE_TRAILER_BYTES];
    out[4..12].copy_from_slice(&last_seq.0.to_be_bytes());
    out[12..].copy_from_slice(&last_hash.0);
    out
}

/// A hash the auditor already holds for a seq.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The seq.
    pub seq: Seq,
    /// The hash the event at that seq must have.
    pub hash: Hash,
}

impl Checkpoint {
    /// Parses `SEQ:HEX` (as the CLI takes it). None when malformed.
    pub fn parse(text: &str) -> Option<Checkpoint> {
        let (seq, hash) = text.trim().split_once(':')?;
        let seq = seq.trim().parse::<u64>().ok().filter(|seq| *seq > 0)?;
        Some(Checkpoint { seq: Seq(seq), hash: Hash::from_hex(hash.trim())? })
    }
}

/// What a verified archive holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArchiveSummary {
    /// Where it starts.
    pub header: ArchiveHeader,
    /// The chain walk (events, last seq and hash, streams, bytes).
    pub chain: VerifySummary,
    /// Checkpoints confirmed.
    pub checkpoints: u64,
}

/// Why an archive is not a verified piece of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// Reading the source failed.
    #[error("не удалось прочитать архив: {0}")]
    Read(String),
    /// The first bytes are not the archive magic.
    #[error("это не архив журнала Летописи (файл не начинается с LETOPIS-LOG)")]
    NotAnArchive,
    /// A version this crate does not read.
    #[error("версия формата архива {0} не поддерживается (эта сборка читает версию 1)")]
    UnsupportedVersion(u32),
    /// The header is inconsistent.
    #[error("заголовок архива неверен: {0}")]
    BadHeader(&'static str),
    /// The file ends inside the header, a frame or the trailer.
    #[error("архив обрывается после события №{after_seq}: не дочитан фрагмент «{what}»")]
    Truncated {
        /// Last seq read completely (0 if none).
        after_seq: u64,
        /// What was being read.
        what: &'static str,
    },
    /// A frame length out of bounds.
    #[error("после события №{after_seq}: длина записи {length} вне пределов 1–65536 байт")]
    FrameLength {
        /// Last seq read.
        after_seq: u64,
        /// The length found.
        length: u64,
    },
    /// The chain is broken inside the archive.
    #[error("цепочка нарушена: {0}")]
    Chain(#[from] VerifyError),
    /// An event contradicts a checkpoint: history was rewritten after the checkpoint was taken.
    #[error(
        "контрольная точка, событие №{seq}: у аудитора хеш {expected}, в архиве {found} — история \
         изменена после контрольной точки"
    )]
    CheckpointMismatch {
        /// The seq.
        seq: u64,
        /// The hash the auditor holds.
        expected: Hash,
        /// The hash in the archive.
        found: Hash,
    },
    /// A checkpoint outside the archive's range cannot be confirmed.
    #[error("контрольная точка, событие №{seq}, вне архива (события №{first}–№{last})")]
    CheckpointOutside {
        /// The seq.
        seq: u64,
        /// First seq of the archive.
        first: u64,
        /// Last seq of the archive.
        last: u64,
    },
    /// Bytes after the trailer.
    #[error("после завершающего блока архива лишние байты: {0}")]
    TrailingBytes(u64),
    /// A frame follows the record at seq `u64::MAX`, after which no seq exists.
    #[error("после события №{after_seq}, последнего возможного номера, идёт ещё запись")]
    SeqOverflow {
        /// The last seq read.
        after_seq: u64,
    },
}

/// Reads an archive's frames in order with the framing checks (magic, version, header, frame
/// lengths, a complete trailer, nothing after it) but not the chain: `verify_archive` adds that,
/// and a restore feeds the records to the store's own chain check.
pub struct ArchiveReader<R> {
    source: R,
    header: ArchiveHeader,
    last_seq: u64,
    trailer: Option<(Seq, Hash)>,
}

impl<R: Read> ArchiveReader<R> {
    /// Reads and checks the header.
    pub fn open(mut source: R) -> Result<ArchiveReader<R>, ArchiveError> {
        // The magic first: a short foreign file is "not an archive", not "a truncated one".
        let mut magic = [0u8; ARCHIVE_MAGIC.len()];
        let mut magic_read = 0usize;
        while let Some(rest) = magic.get_mut(magic_read..).filter(|rest| !rest.is_empty()) {
            match source.read(rest) {
                Ok(0) => break,
                Ok(read) => magic_read += read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(ArchiveError::Read(error.to_string())),
            }
        }
        if magic.get(..magic_read) != ARCHIVE_MAGIC.get(..magic_read) {
            return Err(ArchiveError::NotAnArchive);
        }
        if magic_read < ARCHIVE_MAGIC.len() {
            return Err(ArchiveError::Truncated { after_seq: 0, what: "заголовок" });
        }
        let mut header_rest = [0u8; ARCHIVE_HEADER_BYTES - ARCHIVE_MAGIC.len()];
        read_exact(&mut source, &mut header_rest, 0, "заголовок")?;
        let mut header_bytes = [0u8; ARCHIVE_HEADER_BYTES];
        for (slot, byte) in header_bytes.iter_mut().zip(magic.iter().chain(header_rest.iter())) {
            *slot = *byte;
        }
        let header = ArchiveHeader::decode(&header_bytes)?;
        Ok(ArchiveReader { source, header, last_seq: header.first_seq.0 - 1, trailer: None })
    }

    /// The header.
    pub fn header(&self) -> ArchiveHeader {
        self.header
    }

    /// Reads the next record into `record` and returns the seq it stands at; None after the
    /// last one, once the trailer was read and nothing follows it.
    pub fn next_record(&mut self, record: &mut Vec<u8>) -> Result<Option<Seq>, ArchiveError> {
        if self.trailer.is_some() {
            return Ok(None);
        }
        let mut length = [0u8; 4];
        read_exact(&mut self.source, &mut length, self.last_seq, "длина записи")?;
        let length = u32::from_be_bytes(length);
        if length == 0 {
            let mut trailer = [0u8; ARCHIVE_TRAILER_BYTES - 4];
            read_exact(&mut self.source, &mut trailer, self.last_seq, "завершающий блок")?;
            self.expect_end()?;
            self.trailer = Some((Seq(u64_at(&trailer, 0)), Hash(hash_at(&trailer, 8))));
            return Ok(None);
        }
        if usize::try_from(length).map_or(true, |length| length > EVENT_BYTES_MAX) {
            return Err(ArchiveError::FrameLength {
                after_seq: self.last_seq,
                length: length.into(),
            });
        }
        let seq = self
            .last_seq
            .checked_add(1)
            .ok_or(ArchiveError::SeqOverflow { after_seq: self.last_seq })?;
        record.resize(usize::try_from(length).unwrap_or(0), 0);
        read_exact(&mut self.source, record, self.last_seq, "запись события")?;
        self.last_seq = seq;
        Ok(Some(Seq(seq)))
    }

    /// The head the trailer names (after `next_record` returned None).
    pub fn trailer(&self) -> Option<(Seq, Hash)> {
        self.trailer
    }

    fn expect_end(&mut self) -> Result<(), ArchiveError> {
        let mut rest = [0u8; 4096];
        let mut count = 0u64;
        loop {
            match self.source.read(&mut rest) {
                Ok(0) => break,
                Ok(read) => count = count.saturating_add(read as u64),
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(ArchiveError::Read(error.to_string())),
            }
        }
        if count > 0 {
            return Err(ArchiveError::TrailingBytes(count));
        }
        Ok(())
    }
}

/// Reads an archive from `source` and verifies everything: header, every frame's chain link and
/// hash (`deep` also decodes every envelope canonically), the trailer against the last record,
/// and each checkpoint. `progress` is called every `progress_every` events with the last seq.
/// Stops at the first problem. Memory: one record at a time plus the stream versions.
pub fn verify_archive<R: Read>(
    source: R,
    deep: bool,
    checkpoints: &[Checkpoint],
    progress_every: u64,
    mut progress: impl FnMut(u64),
) -> Result<ArchiveSummary, ArchiveError> {
    let mut reader = ArchiveReader::open(source)?;
    let header = reader.header();
    let after = Seq(header.first_seq.0 - 1);
    let mut verifier = if after.0 == 0 {
        ChainVerifier::new(deep)
    } else {
        ChainVerifier::resume(deep, after, header.prev_hash)
    };
    let mut pending: Vec<Checkpoint> = checkpoints.to_vec();
    pending.sort_by_key(|checkpoint| checkpoint.seq);
    let mut next_checkpoint = 0usize;
    let mut confirmed = 0u64;
    let mut last_seq = after.0;
    let mut record = Vec::with_capacity(4096);
    while let Some(Seq(seq)) = reader.next_record(&mut record)? {
        verifier.push(seq, &record)?;
        last_seq = seq;
        while let Some(checkpoint) = pending.get(next_checkpoint) {
            if checkpoint.seq.0 > seq {
                break;
            }
            if checkpoint.seq.0 < header.first_seq.0 {
                return Err(outside(checkpoint, header.first_seq.0, last_seq));
            }
            let found = Hash(hash_at(&record, record.len().saturating_sub(32)));
            if found != checkpoint.hash {
                return Err(ArchiveError::CheckpointMismatch {
                    seq: checkpoint.seq.0,
                    expected: checkpoint.hash,
                    found,
                });
            }
            confirmed += 1;
            next_checkpoint += 1;
        }
        if progress_every > 0 && (seq - after.0) % progress_every == 0 {
            progress(seq);
        }
    }
    let chain = verifier.finish(reader.trailer())?;
    if let Some(checkpoint) = pending.get(next_checkpoint) {
        return Err(outside(checkpoint, header.first_seq.0, last_seq));
    }
    Ok(ArchiveSummary { header, chain, checkpoints: confirmed })
}

fn outside(checkpoint: &Checkpoint, first: u64, last: u64) -> ArchiveError {
    ArchiveError::CheckpointOutside { seq: checkpoint.seq.0, first, last }
}

fn read_exact<R: Read>(
    source: &mut R,
    buffer: &mut [u8],
    after_seq: u64,
    what: &'static str,
) -> Result<(), ArchiveError> {
    source.read_exact(buffer).map_err(|error| match error.kind() {
        std::io::ErrorKind::UnexpectedEof => ArchiveError::Truncated { after_seq, what },
        _ => ArchiveError::Read(error.to_string()),
    })
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut out = [0u8; 8];
    if let Some(slice) = bytes.get(at..at + 8) {
        out.copy_from_slice(slice);
    }
    u64::from_be_bytes(out)
}

fn hash_at(bytes: &[u8], at: usize) -> [u8; 32] {
    let mut out = [0u8; 32];
    if let Some(slice) = bytes.get(at..at + 32) {
        out.copy_from_slice(slice);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden::envelope_cases;

    /// An archive of the golden events `from..=to` (1-based), with its trailer.
    fn archive(from: usize, to: usize) -> Vec<u8> {
        let cases = envelope_cases();
        let prev_hash = if from == 1 { Hash::ZERO } else { cases[from - 2].envelope.hash };
        let header = ArchiveHeader { first_seq: Seq(from as u64), prev_hash };
        let mut out = header.encode().to_vec();
        for case in &cases[from - 1..to] {
            out.extend_from_slice(&frame_prefix(&case.stored).unwrap());
            out.extend_from_slice(&case.stored);
        }
        let (last_seq, last_hash) = match to {
            0 => (Seq(0), Hash::ZERO),
            _ => (cases[to - 1].envelope.seq, cases[to - 1].envelope.hash),
        };
        out.extend_from_slice(&encode_trailer(last_seq, last_hash));
        out
    }

    fn verify(bytes: &[u8], checkpoints: &[Checkpoint]) -> Result<ArchiveSummary, ArchiveError> {
        verify_archive(bytes, true, checkpoints, 0, |_| {})
    }

    #[test]
    fn header_and_trailer_bytes_are_pinned() {
        let header = ArchiveHeader { first_seq: Seq(1), prev_hash: Hash::ZERO }.encode();
        let expected_hex =
            format!("4c45544f5049532d4c4f4700{:08x}{:016x}{}", 1, 1, "00".repeat(32));
        assert_eq!(hex(&header), expected_hex);
        let trailer = encode_trailer(Seq(3), Hash([0xab; 32]));
        assert_eq!(hex(&trailer), format!("00000000{:016x}{}", 3, "ab".repeat(32)));
    }

    #[test]
    fn a_whole_archive_verifies_and_reports_its_head() {
        let cases = envelope_cases();
        let summary = verify(&archive(1, 3), &[]).expect("intact archive");
        assert_eq!(summary.chain.events, 3);
        assert_eq!(summary.chain.last_seq, Seq(3));
        assert_eq!(summary.chain.last_hash, cases[2].envelope.hash);
        assert_eq!(summary.header.first_seq, Seq(1));
    }

    #[test]
    fn a_later_range_chains_onto_the_hash_before_it() {
        let summary = verify(&archive(2, 3), &[]).expect("archive of seqs 2..=3");
        assert_eq!(summary.chain.events, 2);
        let mut wrong = archive(2, 3);
        wrong[24] ^= 1; // the prev hash
        assert!(matches!(verify(&wrong, &[]), Err(ArchiveError::Chain(error)) if error.seq == 2));
    }

    #[test]
    fn an_empty_range_verifies_against_its_trailer() {
        let summary = verify(&archive(1, 0), &[]).expect("empty ledger");
        assert_eq!(summary.chain.events, 0);
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let intact = archive(1, 3);
        for position in 0..intact.len() {
            for bit in [0x01u8, 0x80] {
                let mut tampered = intact.clone();
                tampered[position] ^= bit;
                assert!(
                    verify(&tampered, &[]).is_err(),
                    "byte {position} bit {bit:#04x} changed and the archive still verified"
                );
            }
        }
    }

    #[test]
    fn every_cut_is_detected_as_truncation_or_a_head_mismatch() {
        let intact = archive(1, 3);
        for length in 0..intact.len() {
            let error = verify(&intact[..length], &[]).expect_err("a cut archive");
            assert!(
                matches!(error, ArchiveError::Truncated { .. } | ArchiveError::Chain(_)),
                "cut at {length}: {error}"
            );
        }
        let mut longer = intact.clone();
        longer.extend_from_slice(b"xyz");
        assert_eq!(verify(&longer, &[]), Err(ArchiveError::TrailingBytes(3)));
    }

    #[test]
    fn a_dropped_last_event_is_caught_by_the_trailer() {
        let cases = envelope_cases();
        let mut dropped = archive(1, 2);
        let trailer_at = dropped.len() - ARCHIVE_TRAILER_BYTES;
        dropped.truncate(trailer_at);
        dropped.extend_from_slice(&encode_trailer(Seq(3), cases[2].envelope.hash));
        assert!(matches!(verify(&dropped, &[]), Err(ArchiveError::Chain(_))));
    }

    #[test]
    fn checkpoints_pin_history() {
        let cases = envelope_cases();
        let held = Checkpoint { seq: Seq(2), hash: cases[1].envelope.hash };
        let summary = verify(&archive(1, 3), &[held]).expect("matching checkpoint");
        assert_eq!(summary.checkpoints, 1);
        let rewritten = Checkpoint { seq: Seq(2), hash: Hash([7; 32]) };
        assert!(matches!(
            verify(&archive(1, 3), &[rewritten]),
            Err(ArchiveError::CheckpointMismatch { seq: 2, .. })
        ));
        let beyond = Checkpoint { seq: Seq(9), hash: Hash([7; 32]) };
        assert!(matches!(
            verify(&archive(1, 3), &[beyond]),
            Err(ArchiveError::CheckpointOutside { seq: 9, first: 1, last: 3 })
        ));
        let before = Checkpoint { seq: Seq(1), hash: cases[0].envelope.hash };
        assert!(matches!(
            verify(&archive(2, 3), &[before]),
            Err(ArchiveError::CheckpointOutside { seq: 1, first: 2, .. })
        ));
    }

    #[test]
    fn checkpoints_parse_from_the_cli_form() {
        let hash = "ab".repeat(32);
        let parsed = Checkpoint::parse(&format!("42:{hash}")).expect("valid");
        assert_eq!(parsed, Checkpoint { seq: Seq(42), hash: Hash([0xab; 32]) });
        for bad in ["42".to_string(), format!("0:{hash}"), format!("x:{hash}"), "42:abc".into()] {
            assert_eq!(Checkpoint::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn foreign_files_and_other_versions_are_named() {
        assert_eq!(
            verify(b"PK\x03\x04 a spreadsheet, not an archive....", &[]).err(),
            Some(ArchiveError::NotAnArchive)
        );
        let mut future = archive(1, 3);
        future[15] = 2;
        assert_eq!(verify(&future, &[]).err(), Some(ArchiveError::UnsupportedVersion(2)));
    }

    /// A crafted archive whose first record is at seq `u64::MAX` and which has a second frame
    /// after it is an error naming the overflow, not a panic (seq arithmetic on input).
    #[test]
    fn a_frame_after_the_largest_seq_is_an_error_not_a_panic() {
        use crate::envelope::{
            Actor, ActorRole, Assigned, Effective, Envelope, EventId, NewEvent, StreamName,
        };
        use crate::time::{Date, Timestamp};

        let prev_hash = Hash([5; 32]);
        let event = NewEvent {
            id: None,
            stream: StreamName::new("teacher/t-000001").unwrap(),
            kind: "course_completed".into(),
            schema_version: 1,
            effective: Effective::Date(Date::from_days_since_epoch(20_000)),
            actor: Actor { role: ActorRole::Operator, id: "tok-0001".into() },
            basis: None,
            payload: vec![1, 2, 3],
        };
        let assigned = Assigned {
            id: EventId(uuid::Uuid::from_u128(7)),
            seq: Seq(u64::MAX),
            stream_version: 1,
            recorded_at: Timestamp::from_micros(1_738_000_000_000_000),
            prev_hash,
        };
        let (_, stored) = Envelope::seal(event, assigned).unwrap();
        let mut bytes = ArchiveHeader { first_seq: Seq(u64::MAX), prev_hash }.encode().to_vec();
        for _ in 0..2 {
            bytes.extend_from_slice(&frame_prefix(&stored).unwrap());
            bytes.extend_from_slice(&stored);
        }
        assert_eq!(
            verify_archive(&bytes[..], false, &[], 0, |_| {}).err(),
            Some(ArchiveError::SeqOverflow { after_seq: u64::MAX })
        );
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}
