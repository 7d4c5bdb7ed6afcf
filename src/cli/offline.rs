//! The auditor's offline checks on the command line (`crate::offline`): `letopis evidence verify`,
//! and what `log verify` and `figures` share when given a signed checkpoint note: reading the
//! note and the keys, and every refusal in Russian for the official (which seq, which root,
//! which key), exit 3.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use proto_events::archive::Checkpoint as Pin;
use proto_events::tlog::checkpoint::Checkpoint;
use proto_events::tlog::cosignature::CosignatureError;
use proto_events::tlog::note::NOTE_BYTES_MAX;

use crate::cli::exit;
use crate::cli::proof::{checkpoint_reason, key_reason, note_reason, proof_reason};
use crate::offline::archive::{self, ArchiveCheckError, Checks, Verified};
use crate::offline::bundle::{self, BundleError, BUNDLE_BYTES_MAX};
use crate::offline::{open_checkpoint, TrustError, TrustedKeys};

/// `letopis evidence …`.
#[derive(Subcommand)]
pub enum EvidenceCommand {
    /// Проверить без сервера доказательства событий-оснований показателя (ответ
    /// /api/v1/figures/{code}/evidence?proofs=true): хеш каждой записи, доказательство включения
    /// по корню контрольной точки и её подписи.
    Verify(EvidenceVerifyArgs),
}

/// `letopis evidence verify`.
#[derive(Args)]
pub struct EvidenceVerifyArgs {
    /// Файл с ответом /api/v1/figures/{code}/evidence?proofs=true.
    bundle: PathBuf,
    /// Ключ проверки: ключ журнала (<имя>+<id>+<base64>, как его напечатал `letopis key
    /// generate`); можно несколько раз — ещё и ключи свидетелей: требуется подпись каждого.
    #[arg(long = "vkey", required = true)]
    vkeys: Vec<String>,
}

/// Runs an `evidence` subcommand.
pub fn run(command: EvidenceCommand) -> anyhow::Result<u8> {
    match command {
        EvidenceCommand::Verify(args) => verify_evidence(args),
    }
}

fn verify_evidence(args: EvidenceVerifyArgs) -> anyhow::Result<u8> {
    let keys = trusted_keys(&args.vkeys)?;
    let json = read_limited(&args.bundle, BUNDLE_BYTES_MAX)?;
    match bundle::verify(&json, &keys) {
        Ok(verified) => {
            println!(
                "Доказательства верны: все события-основания ({} шт.) входят в журнал {} из {} \
                 событий; хеш каждой записи пересчитан, контрольная точка подписана ключами: {}.",
                verified.events,
                verified.origin,
                verified.size,
                key_list(&keys)
            );
            Ok(exit::OK)
        }
        Err(error) => {
            println!("Доказательства не подтверждены: {}.", bundle_reason(&error));
            Ok(exit::INTEGRITY)
        }
    }
}

/// The keys of repeated `--vkey`; a line that is no key is bad input (exit 1).
pub(crate) fn trusted_keys(lines: &[String]) -> anyhow::Result<TrustedKeys> {
    TrustedKeys::parse(lines).map_err(|error| anyhow::anyhow!("{}", trust_reason(&error)))
}

/// `name+id` of every trusted key, comma-separated.
pub(crate) fn key_list(keys: &TrustedKeys) -> String {
    let notes = keys.notes.iter().map(|key| format!("{}+{}", key.name(), key.id()));
    let witnesses =
        keys.witnesses.iter().map(|key| format!("{}+{} (свидетель)", key.name(), key.id()));
    notes.chain(witnesses).collect::<Vec<_>>().join(", ")
}

/// A signed checkpoint note read from a file: its path and bytes.
pub(crate) type NoteFile = (PathBuf, Vec<u8>);

/// `--checkpoint` values: a `SEQ:HASH` pin, or else the path of a signed checkpoint note.
pub(crate) fn split_checkpoints(values: &[String]) -> anyhow::Result<(Vec<Pin>, Vec<NoteFile>)> {
    let mut pins = Vec::new();
    let mut notes = Vec::new();
    for value in values {
        if let Some(pin) = Pin::parse(value) {
            pins.push(pin);
            continue;
        }
        let path = PathBuf::from(value);
        if !path.is_file() {
            anyhow::bail!(
                "--checkpoint {value:?}: ожидается НОМЕР:ХЕШ (номер события и 64 шестнадцатеричных \
                 знака хеша) или путь к файлу подписанной контрольной точки (letopis checkpoint)"
            );
        }
        let note = read_limited(&path, NOTE_BYTES_MAX as u64)?;
        notes.push((path, note));
    }
    Ok((pins, notes))
}

/// Opens each note with the trusted keys; a refusal names the file, in Russian.
pub(crate) fn open_notes(
    notes: &[NoteFile],
    keys: &TrustedKeys,
) -> Result<Vec<Checkpoint>, String> {
    notes
        .iter()
        .map(|(path, note)| {
            open_checkpoint(note, keys).map_err(|error| {
                format!("контрольная точка {}: {}", path.display(), trust_reason(&error))
            })
        })
        .collect()
}

/// Verifies the archive at `path` against `checks`: the verified archive, or the seq to name
/// and the reason in Russian.
pub(crate) fn verify_archive_file(
    path: &Path,
    checks: &Checks,
) -> anyhow::Result<Result<Verified, (u64, String)>> {
    let file =
        File::open(path).with_context(|| format!("не удалось открыть архив {}", path.display()))?;
    let bar = crate::cli::progress_bar(0, "проверка архива");
    let result = archive::verify(BufReader::with_capacity(1 << 20, file), checks, |seq| {
        bar.set_position(seq)
    });
    bar.finish_and_clear();
    match result {
        Ok(verified) => Ok(Ok(verified)),
        Err(ArchiveCheckError::Archive(proto_events::archive::ArchiveError::Read(reason))) => {
            anyhow::bail!("чтение архива: {reason}")
        }
        Err(error) => Ok(Err((archive_check_seq(&error), archive_check_reason(&error)))),
    }
}

/// The seq an archive's refusal names.
fn archive_check_seq(error: &ArchiveCheckError) -> u64 {
    match error {
        ArchiveCheckError::Archive(error) => crate::cli::log::archive_error_seq(error),
        ArchiveCheckError::StartsAfterOne { first_seq } => *first_seq,
        ArchiveCheckError::TooShort { last_seq, .. } => last_seq.saturating_add(1),
        ArchiveCheckError::RootMismatch { size, .. }
        | ArchiveCheckError::ChainHeadMismatch { seq: size, .. }
        | ArchiveCheckError::NoChainHead { size } => *size,
        ArchiveCheckError::Undecodable { seq, .. } => *seq,
    }
}

/// An archive's refusal against a signed checkpoint, in Russian.
pub(crate) fn archive_check_reason(error: &ArchiveCheckError) -> String {
    match error {
        ArchiveCheckError::Archive(error) => error.to_string(),
        ArchiveCheckError::StartsAfterOne { first_seq } => format!(
            "архив начинается с события №{first_seq}, а корень дерева контрольной точки \
             вычисляется по всему журналу с события №1"
        ),
        ArchiveCheckError::TooShort { size, last_seq } => format!(
            "контрольная точка подписана для {size} событий, а архив кончается событием №{last_seq}"
        ),
        ArchiveCheckError::RootMismatch { size, computed, signed } => format!(
            "корень дерева Меркла первых {size} событий архива {computed}, а в подписанной \
             контрольной точке {signed}: история переписана после подписи (или архив другого \
             журнала)"
        ),
        ArchiveCheckError::ChainHeadMismatch { seq, signed, found } => format!(
            "в подписанной контрольной точке (строка chain-head) у события №{seq} хеш {}, а в \
             архиве {}",
            signed.to_hex(),
            found.to_hex()
        ),
        ArchiveCheckError::NoChainHead { size } => format!(
            "в контрольной точке из {size} событий нет строки chain-head с последним событием \
             цепочки"
        ),
        ArchiveCheckError::Undecodable { seq, reason } => {
            format!("событие №{seq} не декодируется ({reason})")
        }
    }
}

/// A checkpoint note's refusal with the trusted keys, in Russian.
pub(crate) fn trust_reason(error: &TrustError) -> String {
    match error {
        TrustError::Key { line, error } => format!("--vkey {line:?}: {}", key_reason(error)),
        TrustError::NoLogKey => "среди --vkey нет ключа журнала (тип 0x01, как его печатает \
                                 letopis key generate): ключи свидетелей проверяются вместе с ним"
            .into(),
        TrustError::Checkpoint(error) => checkpoint_reason(error),
        TrustError::Cosignature(error) => cosignature_reason(error),
        TrustError::NotSignedBy { key, witness: true } => {
            format!("нет подписи свидетеля {key}, а она требуется (--vkey)")
        }
        TrustError::NotSignedBy { key, witness: false } => {
            format!("запись не подписана ключом {key}, а его подпись требуется (--vkey)")
        }
        TrustError::NoKeyOfOrigin { origin } => {
            format!("контрольная точка журнала {origin:?}, а среди --vkey нет ключа этого журнала")
        }
    }
}

fn cosignature_reason(error: &CosignatureError) -> String {
    match error {
        CosignatureError::Note(error) => note_reason(error),
        CosignatureError::BadTimestamp(time) => {
            format!("время подписи свидетеля {time} больше допустимого")
        }
        CosignatureError::BadLength { .. } => "строка подписи свидетеля искажена".into(),
        CosignatureError::BadSignature { name, id } => {
            format!("подпись свидетеля {name}+{id} не сходится: запись изменена или подделана")
        }
        CosignatureError::Duplicate { name, id } => {
            format!("свидетель {name}+{id} подписал запись дважды")
        }
    }
}

/// An evidence bundle's refusal, in Russian.
fn bundle_reason(error: &BundleError) -> String {
    match error {
        BundleError::NotABundle(_) => {
            "файл — не ответ /api/v1/figures/{code}/evidence?proofs=true: \
                                       в нём нет подписанной контрольной точки или записей событий \
                                       с доказательствами"
                .into()
        }
        BundleError::Trust(error) => format!("контрольная точка: {}", trust_reason(error)),
        BundleError::TooManyEvents { found, max } => {
            format!("в файле {found} событий, больше предела {max}")
        }
        BundleError::NotBase64 { seq } => format!("запись события №{seq} — не base64"),
        BundleError::Record { seq, error } => match error {
            proto_events::envelope::EnvelopeError::HashMismatch { stored, computed } => format!(
                "запись события №{seq} изменена: её хеш {}, а по её байтам {}",
                stored.to_hex(),
                computed.to_hex()
            ),
            _ => format!("запись события №{seq} искажена и не читается"),
        },
        BundleError::NotTheListedEvent { seq, id, inside_seq, inside_id } => {
            format!("под событием №{seq} ({id}) лежит запись события №{inside_seq} ({inside_id})")
        }
        BundleError::WrongLeaf { seq, leaf_index } => format!(
            "доказательство события №{seq} построено для листа {leaf_index} (события №{}), а не \
             для этой записи",
            leaf_index.saturating_add(1)
        ),
        BundleError::WrongSize { seq, proof_size, size } => format!(
            "доказательство события №{seq} построено для дерева из {proof_size} листьев, а \
             контрольная точка — из {size}"
        ),
        BundleError::Proof { seq, error } => {
            format!("доказательство события №{seq}: {}", proof_reason(error))
        }
    }
}

/// Reads at most `bytes_max` bytes of a file; a larger file is refused.
pub(crate) fn read_limited(path: &Path, bytes_max: u64) -> anyhow::Result<Vec<u8>> {
    let file =
        File::open(path).with_context(|| format!("не удалось открыть {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(bytes_max.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("не удалось прочитать {}", path.display()))?;
    if bytes.len() as u64 > bytes_max {
        anyhow::bail!("{} больше {bytes_max} байт", path.display());
    }
    Ok(bytes)
}
