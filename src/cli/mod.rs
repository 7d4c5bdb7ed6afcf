//! The `letopis` command line: argument parsing (clap) and the commands officials and auditors
//! run. Messages shown to people are in Russian; JSON output is for machines.
//!
//! Exit codes (also in README.md):
//! 0 success; 1 error (bad input, I/O); 2 usage error (clap); 3 integrity failure (verify found a
//! broken chain, or `proof verify`, `log verify`, `figures --archive` or `evidence verify` a proof,
//! archive or checkpoint that does not hold); 4 the store is in
//! use by another process.

mod checkpoint;
mod crash_writer;
pub mod demo;
mod due;
mod export;
mod figures;
mod import;
mod indicators;
mod key;
mod log;
mod mirror;
mod offline;

pub(crate) use mirror::error_words as mirror_error_words;
mod person;
mod plans;
mod proof;
mod registers;
mod report;
mod routes;
mod serve;
mod token;
mod witness;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use proto_events::{Seq, StreamName};

use crate::event_view::event_json;
use crate::query::KnownAt;
use crate::store::{AppendError, Store, StoreError};

/// Exit codes.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// An error: bad input, I/O, refused command.
    pub const ERROR: u8 = 1;
    /// Integrity failure: the ledger does not verify.
    pub const INTEGRITY: u8 = 3;
    /// The store is held by another process.
    pub const LOCKED: u8 = 4;
}

#[derive(Parser)]
#[command(
    name = "letopis",
    version,
    about = "Летопись: журнал событий региональной системы научно-методического сопровождения педагогов"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Проверить целостность журнала (цепочку хешей) от первого события до последнего.
    Verify {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Также декодировать каждое событие канонически (медленнее).
        #[arg(long)]
        deep: bool,
        /// Вывести итог в JSON.
        #[arg(long)]
        json: bool,
    },
    /// Вывести события как строки JSON (по диапазону номеров или по потоку).
    Replay {
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Номер первого события (включительно).
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// Номер последнего события (включительно); по умолчанию — последнее в журнале.
        #[arg(long)]
        to: Option<u64>,
        /// Только этот поток, например teacher/t-000001.
        #[arg(long)]
        stream: Option<String>,
    },
    /// Запустить сервер (HTTP API) над хранилищем; с --demo создать демонстрационный регион.
    Serve(serve::ServeArgs),
    /// Создать демонстрационный регион (детерминированный генератор).
    Demo(demo::DemoArgs),
    /// Токены доступа: создать, перечислить, отозвать.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Показатели мониторинга на дату: как было известно тогда и как известно сейчас.
    Figures(figures::FiguresArgs),
    /// Каталог показателей: формулировки акта, кого и как считает каждый показатель.
    Indicators(indicators::IndicatorsArgs),
    /// Планы мероприятий на дату.
    Plans(plans::PlansArgs),
    /// Индивидуальные образовательные маршруты педагогов.
    Routes(routes::RoutesArgs),
    /// Региональные реестры (РМА, ММС, наставники, площадки, практики, сообщества): записи
    /// на дату, какие не обновлялись в срок.
    Registers(registers::RegistersArgs),
    /// Просроченное и наступающие сроки: мероприятия планов, шаги ИОМ, реестры.
    Due(due::DueArgs),
    /// Импорт планов и реестров из документов (XLSX, CSV, текстовые таблицы).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Выгрузка плана (XLSX) и показателей (XLSX, CSV) на дату.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Отчёты за период: исполнение плана и ежегодный мониторинг (XLSX, DOCX).
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Справочник персональных данных (вне цепочки, стираемый).
    #[command(subcommand)]
    Person(person::PersonCommand),
    /// Архив журнала: выгрузка и проверка без сервера.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Ключ подписи контрольных точек журнала.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Подписанная контрольная точка журнала (C2SP tlog-checkpoint): размер, корень дерева Меркла,
    /// последнее событие цепочки.
    Checkpoint(checkpoint::CheckpointArgs),
    /// Доказательства включения и согласованности (RFC 6962) и их проверка.
    #[command(subcommand)]
    Proof(proof::ProofCommand),
    /// Свидетель (C2SP tlog-witness): заверяет контрольные точки журналов своей подписью.
    #[command(subcommand)]
    Witness(witness::WitnessCommand),
    /// События-основания показателя с доказательствами: проверка без сервера.
    #[command(subcommand)]
    Evidence(offline::EvidenceCommand),
    /// Test helper: appends in a loop and prints each acknowledged seq (crash tests).
    #[command(hide = true)]
    CrashWriter {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value_t = 4)]
        threads: u32,
        /// Abort after this many groups, once sled holds the next group and the mirror does not.
        #[arg(long)]
        die_between_writes_after: Option<u64>,
        /// Also fold the projections at the head beside the appends, with a snapshot every this
        /// many events (the full-disk test of snapshots).
        #[arg(long)]
        snapshot_every: Option<std::num::NonZeroU64>,
    },
}

/// Runs the CLI. `demo` is the demo generator, which the binary links and this library does not
/// (see `demo`): `letopis demo` and `serve --demo` call it.
pub fn main(demo: demo::DemoGenerator) -> ExitCode {
    let cli = Cli::parse();
    match run(cli, demo) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("ошибка: {error:#}");
            if let Some(hint) = storage_hint(&error) {
                eprintln!("{hint}");
            }
            let locked = error.chain().any(|cause| {
                matches!(cause.downcast_ref::<StoreError>(), Some(StoreError::Locked { .. }))
            });
            ExitCode::from(if locked { exit::LOCKED } else { exit::ERROR })
        }
    }
}

/// What to do, in Russian, when the writer stopped after a failed write or the store cannot be
/// written at all (a full disk, a file size limit, a read-only directory).
fn storage_hint(error: &anyhow::Error) -> Option<&'static str> {
    let text = format!("{error:#}");
    let stopped = error.chain().any(|cause| {
        matches!(cause.downcast_ref::<AppendError>(), Some(AppendError::Unavailable(_)))
    });
    let space = ["No space left", "os error 28", "File too large", "os error 27", "Disk quota"]
        .iter()
        .any(|sign| text.contains(sign));
    let read_only = ["Read-only file system", "os error 30", "Permission denied", "os error 13"]
        .iter()
        .any(|sign| text.contains(sign));
    if space {
        Some(
            "Запись остановлена: на диске нет места (или превышен предел размера файла). Всё, что \
             было подтверждено, сохранено. Освободите место и запустите команду снова: хранилище \
             проверит себя при открытии (letopis verify --data <каталог>).",
        )
    } else if read_only {
        Some(
            "Каталог хранилища недоступен для записи (файловая система только для чтения или нет \
             прав): сервер и команды записи с ним не работают. Смонтируйте его для записи или \
             дайте права пользователю, от имени которого запускается Летопись.",
        )
    } else if stopped {
        Some(
            "Запись остановлена после сбоя хранилища. Всё, что было подтверждено, сохранено. \
             Устраните причину и запустите команду снова: хранилище проверит себя при открытии.",
        )
    } else {
        None
    }
}

pub(crate) fn open_store(data: &std::path::Path) -> anyhow::Result<Store> {
    Store::open(data).with_context(|| format!("не удалось открыть хранилище {}", data.display()))
}

fn run(cli: Cli, generate_demo: demo::DemoGenerator) -> anyhow::Result<u8> {
    match cli.command {
        Command::Verify { data, deep, json } => verify(&data, deep, json),
        Command::Replay { data, from, to, stream } => replay(&data, from, to, stream),
        Command::CrashWriter { data, threads, die_between_writes_after, snapshot_every } => {
            crash_writer::run(&data, threads, die_between_writes_after, snapshot_every)
        }
        Command::Serve(args) => serve::run(args, generate_demo),
        Command::Demo(args) => demo::run(args, generate_demo),
        Command::Token(command) => token::run(command),
        Command::Figures(args) => figures::run(args),
        Command::Indicators(args) => indicators::run(args),
        Command::Plans(args) => plans::run(args),
        Command::Routes(args) => routes::run(args),
        Command::Registers(args) => registers::run(args),
        Command::Due(args) => due::run(args),
        Command::Import(command) => import::run(command),
        Command::Export(command) => export::run(command),
        Command::Report(command) => report::run(command),
        Command::Person(command) => person::run(command),
        Command::Log(command) => log::run(command),
        Command::Key(command) => key::run(command),
        Command::Checkpoint(args) => checkpoint::run(args),
        Command::Proof(command) => proof::run(command),
        Command::Witness(command) => witness::run(command),
        Command::Evidence(command) => offline::run(command),
    }
}

/// `letopis verify`. A store whose files are damaged is an integrity answer (exit 3, naming
/// what is damaged and the remedy), never a storage error or a crash, whatever sled does with the
/// damage: refuses to open, returns an error, or panics inside (caught here, at the boundary).
fn verify(data: &std::path::Path, deep: bool, json: bool) -> anyhow::Result<u8> {
    if !data.join("conf").exists() && !data.join("db").exists() {
        bail!("в каталоге {} нет хранилища Летописи", data.display());
    }
    let store = match caught(|| Store::open(data)) {
        Ok(Ok(store)) => store,
        Ok(Err(StoreError::Integrity(error))) => {
            report_broken(json, error.seq, &error.failure.to_string());
            return Ok(exit::INTEGRITY);
        }
        Ok(Err(error @ StoreError::Locked { .. })) => {
            return Err(error)
                .with_context(|| format!("не удалось открыть хранилище {}", data.display()))
        }
        Ok(Err(error)) => return Ok(report_damaged(json, data, &error.to_string())),
        Err(panic) => return Ok(report_damaged(json, data, &panic)),
    };
    let head = store.head().seq.0;
    let started = std::time::Instant::now();
    let bar = progress_bar(head, "проверка цепочки");
    let result = caught(|| store.verify(deep, 10_000, |seq| bar.set_position(seq)));
    bar.finish_and_clear();
    let result = match result {
        Ok(result) => result,
        Err(panic) => return Ok(report_damaged(json, data, &panic)),
    };
    let bytes_on_disk = store.size_on_disk().unwrap_or(0);
    match result {
        Ok(summary) => {
            let mirror = mirror::check(data, Some(&store));
            if let mirror::MirrorCheck::Broken { seq, reason } = &mirror {
                report_broken(json, *seq, reason);
                return Ok(exit::INTEGRITY);
            }
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "ok": true,
                        "events": summary.events,
                        "last_seq": summary.last_seq.0,
                        "last_hash": summary.last_hash.to_hex(),
                        "streams": summary.streams,
                        "bytes": summary.bytes,
                        "bytes_on_disk": bytes_on_disk,
                        "seconds": started.elapsed().as_secs_f64(),
                        "mirror": mirror_json(&mirror),
                    })
                );
            } else {
                println!(
                    "Журнал цел: {} событий, {} потоков, последнее событие №{} (хеш {}); на диске {:.1} МБ.",
                    summary.events,
                    summary.streams,
                    summary.last_seq.0,
                    summary.last_hash.to_hex(),
                    bytes_on_disk as f64 / 1_048_576.0
                );
                println!("{}", mirror_words(&mirror));
            }
            Ok(exit::OK)
        }
        Err(StoreError::Integrity(error)) => {
            report_broken(json, error.seq, &error.failure.to_string());
            Ok(exit::INTEGRITY)
        }
        Err(error @ StoreError::Locked { .. }) => Err(error.into()),
        Err(error) => Ok(report_damaged(json, data, &error.to_string())),
    }
}

fn mirror_json(mirror: &mirror::MirrorCheck) -> serde_json::Value {
    match mirror {
        mirror::MirrorCheck::Absent => serde_json::json!({ "state": "absent" }),
        mirror::MirrorCheck::Agrees { last_seq } => {
            serde_json::json!({ "state": "agrees", "last_seq": last_seq })
        }
        mirror::MirrorCheck::Behind { mirror_seq, store_seq } => {
            serde_json::json!({ "state": "behind", "last_seq": mirror_seq, "store_seq": store_seq })
        }
        mirror::MirrorCheck::Broken { seq, reason } => {
            serde_json::json!({ "state": "broken", "first_bad_seq": seq, "reason": reason })
        }
    }
}

fn mirror_words(mirror: &mirror::MirrorCheck) -> String {
    match mirror {
        mirror::MirrorCheck::Absent => {
            "Зеркало журнала не ведётся (включается: letopis serve --mirror).".to_string()
        }
        mirror::MirrorCheck::Agrees { last_seq } => {
            format!("Зеркало журнала цело и совпадает с хранилищем (до события №{last_seq}).")
        }
        mirror::MirrorCheck::Behind { mirror_seq, store_seq } => format!(
            "Зеркало журнала цело, но отстаёт: в нём события до №{mirror_seq}, в хранилище до \
             №{store_seq} (запись была прервана между копиями); оно догонит хранилище при \
             следующем запуске записи."
        ),
        mirror::MirrorCheck::Broken { reason, .. } => reason.clone(),
    }
}

/// Runs `action`, turning a panic inside it (sled panics on some damaged files) into its
/// message; the default hook's report is silenced meanwhile, since the caller reports it.
pub(crate) fn caught<T>(action: impl FnOnce() -> T) -> Result<T, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(action));
    std::panic::set_hook(hook);
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "сбой без описания".to_string())
    })
}

/// Reports a store that cannot be read back as damaged, with the remedy; the exit code.
pub(crate) fn report_damaged(json: bool, data: &std::path::Path, reason: &str) -> u8 {
    let remedy = match mirror::check(data, None) {
        mirror::MirrorCheck::Agrees { last_seq } => format!(
            "восстановите журнал из его зеркала (в нём события до №{last_seq}, цепочка цела): \
             letopis log restore --from-mirror {} --data <пустой каталог> (каталог {} не трогайте: \
             он может понадобиться для разбора)",
            data.display(),
            data.display()
        ),
        _ => format!(
            "восстановите журнал из последнего архива: letopis log restore --archive <архив> --data <пустой каталог> \
             (каталог {} не трогайте: он может понадобиться для разбора)",
            data.display()
        ),
    };
    if json {
        println!(
            "{}",
            serde_json::json!({
                "ok": false, "damaged": true, "first_bad_seq": null, "reason": reason, "remedy": remedy,
            })
        );
    } else {
        println!(
            "Хранилище повреждено: файлы sled в {} не читаются ({reason}). Что делать: {remedy}.",
            data.display()
        );
    }
    exit::INTEGRITY
}

/// Where an output file is written before it is renamed into place when complete, so a failed
/// write leaves nothing that looks like a finished document or archive.
pub(crate) fn partial_path(output: &std::path::Path) -> PathBuf {
    let mut name = output.file_name().map(|name| name.to_os_string()).unwrap_or_default();
    name.push(".partial");
    output.with_file_name(name)
}

/// A progress bar on stderr for long runs (hidden when stderr is not a terminal).
pub(crate) fn progress_bar(length: u64, message: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(length);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg}: [{bar:40}] {pos}/{len} ({per_sec}, осталось {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

pub(crate) fn report_broken(json: bool, seq: u64, reason: &str) {
    if json {
        println!("{}", serde_json::json!({ "ok": false, "first_bad_seq": seq, "reason": reason }));
    } else {
        println!("Целостность нарушена: первое повреждённое событие №{seq}. Причина: {reason}");
    }
}

fn replay(
    data: &std::path::Path,
    from: u64,
    to: Option<u64>,
    stream: Option<String>,
) -> anyhow::Result<u8> {
    let store = open_store(data)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let to = Seq(to.unwrap_or(u64::MAX));
    match stream {
        Some(name) => {
            let name = StreamName::new(name).map_err(|error| {
                anyhow::anyhow!("--stream: {}", crate::commands::stream_name_rule(&error))
            })?;
            for event in store.stream(&name, 1)? {
                if event.seq.0 >= from && event.seq <= to {
                    writeln!(out, "{}", event_json(&event))?;
                }
            }
        }
        None => {
            let last = to.min(store.head().seq).0;
            let bar = progress_bar(last.saturating_sub(from.saturating_sub(1)), "выгрузка событий");
            for event in store.range(Seq(from), to) {
                writeln!(out, "{}", event_json(&event?))?;
                bar.inc(1);
            }
            bar.finish_and_clear();
        }
    }
    out.flush()?;
    Ok(exit::OK)
}

/// The valid date and the knowledge point of a view: `--date`, `--known-at`.
#[derive(clap::Args)]
pub(crate) struct AtArgs {
    /// Дата, на которую строится представление, ГГГГ-ММ-ДД; по умолчанию — сегодня.
    #[arg(long)]
    pub date: Option<String>,
    /// По данным на: время RFC 3339 или номер события; по умолчанию — сейчас.
    #[arg(long)]
    pub known_at: Option<String>,
}

impl AtArgs {
    /// The valid date (today when absent) and the knowledge point (now when absent).
    pub(crate) fn parse(&self) -> anyhow::Result<(proto_events::Date, KnownAt)> {
        let date = plans::valid_date(self.date.as_deref())?;
        let known_at = figures::parse_known_at(self.known_at.as_deref())?;
        Ok((date, known_at))
    }
}
