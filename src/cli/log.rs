//! `letopis log export | verify`: the log archive an auditor takes away and checks offline.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use proto_events::archive::{verify_archive, ArchiveError, ArchiveReader, Checkpoint as Pin};
use proto_events::Seq;

use crate::archive;
use crate::cli::{exit, offline, open_store, partial_path, progress_bar, report_broken};
use crate::offline::archive::Checks;
use crate::store::{Head, MirrorError, MirrorRecords, RestoreError};

/// `letopis log …`.
#[derive(Subcommand)]
pub enum LogCommand {
    /// Выгрузить журнал (или его диапазон) в архив: записи байт в байт, для проверки без сервера.
    Export(ExportArgs),
    /// Проверить архив журнала без хранилища и сервера: цепочку хешей и контрольные точки.
    Verify(VerifyArgs),
    /// Восстановить хранилище из архива журнала (полного, с события №1) или из зеркала журнала
    /// в пустой каталог.
    Restore(RestoreArgs),
}

/// `letopis log restore`.
#[derive(Args)]
pub struct RestoreArgs {
    /// Файл архива всего журнала (с события №1).
    #[arg(long, required_unless_present = "from_mirror", conflicts_with = "from_mirror")]
    archive: Option<PathBuf>,
    /// Зеркало журнала: каталог хранилища (в нём каталог mirror) или сам каталог зеркала;
    /// восстанавливаются все подтверждённые события, даже если sled в том каталоге не читается.
    #[arg(long, value_name = "КАТАЛОГ")]
    from_mirror: Option<PathBuf>,
    /// Пустой (или ещё не созданный) каталог для восстановленного хранилища.
    #[arg(long)]
    data: PathBuf,
}

/// `letopis log export`.
#[derive(Args)]
pub struct ExportArgs {
    /// Каталог хранилища.
    #[arg(long)]
    data: PathBuf,
    /// Файл архива (`-` — стандартный вывод).
    #[arg(long)]
    output: PathBuf,
    /// Номер первого события (включительно); архив с середины журнала продолжает цепочку от
    /// хеша предыдущего события.
    #[arg(long, default_value_t = 1)]
    from: u64,
    /// Номер последнего события (включительно); по умолчанию — последнее на начало выгрузки.
    #[arg(long)]
    to: Option<u64>,
}

/// `letopis log verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// Файл архива (`-` — стандартный ввод).
    #[arg(long)]
    archive: PathBuf,
    /// Хеш, который аудитор уже хранит, в виде НОМЕР:ХЕШ, или файл подписанной контрольной
    /// точки (letopis checkpoint; тогда нужен --vkey), можно несколько раз: в архиве должно
    /// быть именно это событие под этим номером, а корень дерева Меркла и последнее событие
    /// цепочки на размере контрольной точки — подписанные, иначе история переписана.
    #[arg(long = "checkpoint", value_name = "НОМЕР:ХЕШ|ФАЙЛ")]
    checkpoints: Vec<String>,
    /// Ключ проверки журнала (<имя>+<id>+<base64>, как его напечатал letopis key generate) для
    /// контрольной точки-файла; можно несколько раз — ещё и ключи свидетелей: требуется подпись
    /// каждого данного ключа.
    #[arg(long = "vkey")]
    vkeys: Vec<String>,
    /// Также декодировать каждое событие канонически (медленнее).
    #[arg(long)]
    deep: bool,
    /// Вывести результат в JSON.
    #[arg(long)]
    json: bool,
}

/// Runs a `log` subcommand.
pub fn run(command: LogCommand) -> anyhow::Result<u8> {
    match command {
        LogCommand::Export(args) => export(args),
        LogCommand::Verify(args) => verify(args),
        LogCommand::Restore(args) => restore(args),
    }
}

fn export(args: ExportArgs) -> anyhow::Result<u8> {
    let store = open_store(&args.data)?;
    let head = store.head().seq.0;
    let last = args.to.unwrap_or(head).min(head);
    let bar = progress_bar(last.saturating_sub(args.from.saturating_sub(1)), "выгрузка журнала");
    let to = args.to.map(Seq);
    // The bar counts events written: seqs from `--from` on.
    let first = args.from.max(1).saturating_sub(1);
    let written = if args.output.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        archive::write(&store, Seq(args.from), to, &mut out, 10_000, |seq| {
            bar.set_position(seq.saturating_sub(first))
        })?
    } else {
        // Written aside and renamed when complete: a failed export leaves no file that looks
        // like an archive.
        let partial = partial_path(&args.output);
        let file = File::create(&partial)
            .with_context(|| format!("не удалось создать файл {}", partial.display()))?;
        let mut out = BufWriter::new(file);
        let written = archive::write(&store, Seq(args.from), to, &mut out, 10_000, |seq| {
            bar.set_position(seq.saturating_sub(first))
        });
        let written = match written {
            Ok(written) => written,
            Err(error) => {
                drop(out);
                let _ = std::fs::remove_file(&partial);
                return Err(error.into());
            }
        };
        out.into_inner()
            .map_err(|error| error.into_error())
            .and_then(|file| file.sync_all())
            .with_context(|| format!("запись {}", partial.display()))?;
        std::fs::rename(&partial, &args.output)
            .with_context(|| format!("не удалось записать {}", args.output.display()))?;
        written
    };
    bar.finish_and_clear();
    eprintln!(
        "Архив журнала: события №{}–№{} ({} шт.), последний хеш {}; {:.1} МБ. \
         Контрольная точка для следующей проверки: {}:{}",
        written.first_seq.0,
        written.last_seq.0,
        written.events,
        written.last_hash.to_hex(),
        written.bytes as f64 / 1_048_576.0,
        written.last_seq.0,
        written.last_hash.to_hex(),
    );
    Ok(exit::OK)
}

fn verify(args: VerifyArgs) -> anyhow::Result<u8> {
    let (pins, notes) = offline::split_checkpoints(&args.checkpoints)?;
    if !notes.is_empty() {
        return verify_signed(&args, pins, &notes);
    }
    if !args.vkeys.is_empty() {
        anyhow::bail!(
            "--vkey проверяет подписанную контрольную точку: укажите её файл в --checkpoint"
        );
    }
    let checkpoints = pins;
    let bar = progress_bar(0, "проверка архива");
    let result = if args.archive.as_os_str() == "-" {
        let stdin = std::io::stdin();
        let source = BufReader::with_capacity(1 << 20, stdin.lock());
        verify_archive(source, args.deep, &checkpoints, 10_000, |seq| bar.set_position(seq))
    } else {
        let file = File::open(&args.archive)
            .with_context(|| format!("не удалось открыть архив {}", args.archive.display()))?;
        let source = BufReader::with_capacity(1 << 20, file);
        verify_archive(source, args.deep, &checkpoints, 10_000, |seq| bar.set_position(seq))
    };
    bar.finish_and_clear();
    match result {
        Ok(summary) => {
            let chain = summary.chain;
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "ok": true,
                        "first_seq": summary.header.first_seq.0,
                        "last_seq": chain.last_seq.0,
                        "last_hash": chain.last_hash.to_hex(),
                        "events": chain.events,
                        "streams": chain.streams,
                        "checkpoints_confirmed": summary.checkpoints,
                    })
                );
            } else {
                println!(
                    "Архив цел: события №{}–№{} ({} шт., {} потоков), последний хеш {}; \
                     контрольных точек подтверждено: {}.",
                    summary.header.first_seq.0,
                    chain.last_seq.0,
                    chain.events,
                    chain.streams,
                    chain.last_hash.to_hex(),
                    summary.checkpoints,
                );
            }
            Ok(exit::OK)
        }
        Err(ArchiveError::Read(reason)) => anyhow::bail!("чтение архива: {reason}"),
        Err(error) => {
            report_broken(args.json, archive_error_seq(&error), &error.to_string());
            Ok(exit::INTEGRITY)
        }
    }
}

/// `log verify` with signed checkpoint notes: the chain, the pins, and at each note's size the
/// tree root and the chain head against the note, whose signatures are checked first.
fn verify_signed(
    args: &VerifyArgs,
    pins: Vec<Pin>,
    notes: &[offline::NoteFile],
) -> anyhow::Result<u8> {
    if args.archive.as_os_str() == "-" {
        anyhow::bail!("с подписанной контрольной точкой архив читается из файла, не из stdin");
    }
    let keys = offline::trusted_keys(&args.vkeys)?;
    let checkpoints = match offline::open_notes(notes, &keys) {
        Ok(checkpoints) => checkpoints,
        Err(reason) => {
            report_broken(args.json, 0, &reason);
            return Ok(exit::INTEGRITY);
        }
    };
    let checks = Checks { checkpoints: checkpoints.clone(), pins, deep: args.deep, fold_to: None };
    let verified = match offline::verify_archive_file(&args.archive, &checks)? {
        Ok(verified) => verified,
        Err((seq, reason)) => {
            report_broken(args.json, seq, &reason);
            return Ok(exit::INTEGRITY);
        }
    };
    let chain = verified.chain;
    if args.json {
        let signed: Vec<_> = checkpoints
            .iter()
            .map(|c| serde_json::json!({"size": c.size.0, "root": c.root.to_base64()}))
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "ok": true,
                "first_seq": verified.first_seq.0,
                "last_seq": chain.last_seq.0,
                "last_hash": chain.last_hash.to_hex(),
                "events": chain.events,
                "streams": chain.streams,
                "checkpoints_confirmed": verified.pins,
                "signed_checkpoints": signed,
                "keys": offline::key_list(&keys),
            })
        );
        return Ok(exit::OK);
    }
    println!(
        "Архив цел: события №{}–№{} ({} шт., {} потоков), последний хеш {}; \
         контрольных точек НОМЕР:ХЕШ подтверждено: {}.",
        verified.first_seq.0,
        chain.last_seq.0,
        chain.events,
        chain.streams,
        chain.last_hash.to_hex(),
        verified.pins,
    );
    for checkpoint in &checkpoints {
        println!(
            "Подписанная контрольная точка {} из {} событий подтверждена: корень дерева Меркла {} \
             и последнее событие цепочки совпадают с архивом; подписи ключей: {}.",
            checkpoint.origin,
            checkpoint.size.0,
            checkpoint.root,
            offline::key_list(&keys)
        );
    }
    Ok(exit::OK)
}

fn restore(args: RestoreArgs) -> anyhow::Result<u8> {
    ensure_empty(&args.data)?;
    let archive = match (&args.archive, &args.from_mirror) {
        (_, Some(mirror)) => return restore_from_mirror(mirror, &args.data),
        (Some(archive), None) => archive,
        (None, None) => anyhow::bail!("укажите --archive или --from-mirror"),
    };
    restore_archive(archive, &args.data)
}

/// A restore writes only into an empty (or not yet created) directory.
fn ensure_empty(data: &Path) -> anyhow::Result<()> {
    if data.exists() {
        let mut entries = std::fs::read_dir(data)
            .with_context(|| format!("чтение каталога {}", data.display()))?;
        if entries.next().is_some() {
            anyhow::bail!(
                "каталог {} не пуст: хранилище восстанавливается только в пустой каталог",
                data.display()
            );
        }
    }
    Ok(())
}

/// `log restore --from-mirror`: every segment is read and chain-checked first (nothing is
/// written from a mirror that does not verify), then the records are written by the same
/// `store::restore` as from an archive. A last segment that ends before its trailer (the torn
/// tail of a group a crash interrupted, never acknowledged, or damage there) is restored up to
/// its last intact record, and the report says where it stopped.
fn restore_from_mirror(mirror: &Path, data: &Path) -> anyhow::Result<u8> {
    let open = || {
        MirrorRecords::open(mirror, true)
            .with_context(|| format!("не удалось открыть зеркало журнала {}", mirror.display()))
    };
    let mut records = open()?;
    if records.segments() == 0 {
        anyhow::bail!("в {} нет сегментов зеркала журнала", mirror.display());
    }
    let bar = progress_bar(0, "проверка зеркала");
    let mut record = Vec::with_capacity(4096);
    let walked = loop {
        match records.next_record(&mut record) {
            Ok(Some(seq)) if seq.0 % 10_000 == 0 => bar.set_position(seq.0),
            Ok(Some(_)) => {}
            Ok(None) => break Ok(records.last()),
            Err(error) => break Err(error),
        }
    };
    bar.finish_and_clear();
    let (last_seq, last_hash) = match walked {
        Ok(last) => last,
        Err(MirrorError::Io { path, reason }) => {
            anyhow::bail!("чтение зеркала {}: {reason}", path.display())
        }
        Err(error) => {
            let seq = match &error {
                MirrorError::Damaged { after_seq, .. } => after_seq.saturating_add(1),
                _ => 0,
            };
            report_broken(false, seq, &format!("зеркало журнала повреждено: {error}"));
            println!("Восстановление отменено: ничего не записано.");
            return Ok(exit::INTEGRITY);
        }
    };
    let tail = records.tail().map(str::to_string);
    let mut reader = open()?;
    let restored = restore_showing_progress(data, last_seq, |record| {
        reader.next_record(record).map_err(|error| error.to_string())
    });
    let head = match restored {
        Ok(head) if head.seq == last_seq && head.hash == last_hash => head,
        other => {
            let _ = std::fs::remove_dir_all(data);
            return match other {
                Ok(head) => anyhow::bail!(
                    "зеркало изменилось во время восстановления (событие №{} вместо №{}): каталог удалён",
                    head.seq.0,
                    last_seq.0
                ),
                Err(error) => Err(anyhow::anyhow!("{error}").context("восстановление прервано, каталог удалён")),
            };
        }
    };
    println!(
        "Хранилище восстановлено из зеркала в {}: последнее событие №{} (хеш {}).",
        data.display(),
        head.seq.0,
        head.hash.to_hex()
    );
    if let Some(tail) = tail {
        println!(
            "Последний сегмент зеркала обрывается после события №{} ({tail}): так бывает, когда \
             запись прервана сбоем до подтверждения; дальше этого места зеркало не читается.",
            head.seq.0
        );
    }
    Ok(exit::OK)
}

fn restore_archive(archive: &Path, data: &Path) -> anyhow::Result<u8> {
    let open = || {
        File::open(archive)
            .map(|file| BufReader::with_capacity(1 << 20, file))
            .with_context(|| format!("не удалось открыть архив {}", archive.display()))
    };
    // First the whole archive is verified; nothing is written from an archive that does not.
    let bar = progress_bar(0, "проверка архива");
    let verified = verify_archive(open()?, true, &[], 10_000, |seq| bar.set_position(seq));
    bar.finish_and_clear();
    let summary = match verified {
        Ok(summary) => summary,
        Err(ArchiveError::Read(reason)) => anyhow::bail!("чтение архива: {reason}"),
        Err(error) => {
            report_broken(false, archive_error_seq(&error), &error.to_string());
            println!("Восстановление отменено: ничего не записано.");
            return Ok(exit::INTEGRITY);
        }
    };
    if summary.header.first_seq.0 != 1 {
        anyhow::bail!(
            "архив начинается с события №{}: восстановить можно только полный журнал (с №1)",
            summary.header.first_seq.0
        );
    }
    let mut reader = ArchiveReader::open(open()?).map_err(|error| anyhow::anyhow!("{error}"))?;
    let restored = restore_showing_progress(data, summary.chain.last_seq, |record| {
        reader.next_record(record).map_err(|error| error.to_string())
    });
    let head = match restored {
        Ok(head) if head.seq == summary.chain.last_seq && head.hash == summary.chain.last_hash => {
            head
        }
        other => {
            // The archive changed between the two passes, or the store failed: no half store.
            let _ = std::fs::remove_dir_all(data);
            return match other {
                Ok(head) => anyhow::bail!(
                    "архив изменился во время восстановления (событие №{} вместо №{}): каталог удалён",
                    head.seq.0,
                    summary.chain.last_seq.0
                ),
                Err(error) => Err(anyhow::anyhow!("{error}").context("восстановление прервано, каталог удалён")),
            };
        }
    };
    println!(
        "Хранилище восстановлено в {}: событий {}, последнее №{} (хеш {}).",
        data.display(),
        summary.chain.events,
        head.seq.0,
        head.hash.to_hex()
    );
    Ok(exit::OK)
}

pub(crate) fn archive_error_seq(error: &ArchiveError) -> u64 {
    match error {
        ArchiveError::Chain(chain) => chain.seq,
        ArchiveError::CheckpointMismatch { seq, .. }
        | ArchiveError::CheckpointOutside { seq, .. } => *seq,
        ArchiveError::Truncated { after_seq, .. }
        | ArchiveError::FrameLength { after_seq, .. }
        | ArchiveError::SeqOverflow { after_seq } => after_seq.saturating_add(1),
        _ => 0,
    }
}

/// `store::restore` from `next`, with a progress bar up to `last` (the archive's or the mirror's
/// last seq), moved every 10,000 events.
fn restore_showing_progress(
    data: &Path,
    last: Seq,
    mut next: impl FnMut(&mut Vec<u8>) -> Result<Option<Seq>, String>,
) -> Result<Head, RestoreError> {
    let bar = progress_bar(last.0, "восстановление");
    let restored = crate::store::restore(data, |record| {
        let seq = next(record)?;
        if let Some(seq) = seq.filter(|seq| seq.0 % 10_000 == 0) {
            bar.set_position(seq.0);
        }
        Ok(seq)
    });
    bar.finish_and_clear();
    restored
}
