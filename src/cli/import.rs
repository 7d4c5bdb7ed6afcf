//! `letopis import`: plans and registries from documents, appended as one atomic batch per file.
//!
//! Every import reads the whole file, builds and validates every payload, and only then decides:
//! errors always refuse; warnings refuse unless `--accept-warnings`; `--dry-run` prints what would
//! be appended and stops. A refusal appends nothing and exits with `exit::ERROR` after a report
//! naming file, row, column and text. Appends go through the command layer (`commands::submit`
//! over `open_ledger`), so the gate's role, reference and uniqueness checks apply to imports too;
//! teachers' personal data goes to the erasable `PersonalDirectory`, never into events.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use proto_events::limits::BATCH_EVENTS_MAX;
use proto_events::vocabulary::{Payload, PlanLevel};
use proto_events::{Actor, ActorRole, Basis, Effective, EventId, NewEvent};

use crate::cli::exit;
use crate::commands::{open_ledger, submit_blocking, Command, CommandError};
use crate::documents::import::plan_import::{
    self, parse_level, parse_period, PlanImportRequest, PrepareError, PreparedPlanImport,
};
use crate::documents::import::registry::{
    self, PersonalRecord, Registry, RegistryKind, RegistryRow,
};
use crate::documents::import::{
    self, ImportIssue, IssueCounts, ParsedPlan, Severity, Verdict, FILE_BYTES_MAX,
};
use crate::personal::{snils_is_valid, PersonRecord, PersonalDirectory};
use crate::store::{Clock, Ledger, Store, SystemClock};

/// `println!` that ignores a closed stdout (`| head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// The actor id of every imported event.
pub const IMPORT_ACTOR_ID: &str = "import";

/// Import subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum ImportCommand {
    /// План мероприятий (DOCX, ODT, XLSX, CSV/TSV или текстовая выгрузка таблицы).
    Plan {
        /// Документ.
        file: PathBuf,
        /// Каталог хранилища.
        #[arg(long)]
        data: PathBuf,
        /// Уровень плана: federal | regional | municipal | organisation.
        #[arg(long)]
        level: String,
        /// Название плана.
        #[arg(long)]
        title: String,
        /// Утверждающий акт: «<вид> №<номер> от <дд.мм.гггг>» (по умолчанию — акт, названный в
        /// заголовке документа).
        #[arg(long)]
        basis: Option<String>,
        /// Период плана, «2021-2025» (по умолчанию определяется по названию, срокам или акту).
        #[arg(long)]
        period: Option<String>,
        /// Владелец плана, как в акте (по умолчанию — по уровню плана).
        #[arg(long)]
        owner: Option<String>,
        /// Код муниципалитета или организации — владельца плана (для муниципальных планов и планов
        /// организаций): план записывается как акт этого органа.
        #[arg(long)]
        owner_code: Option<String>,
        /// Показать, что будет записано; ничего не записывать.
        #[arg(long)]
        dry_run: bool,
        /// Записать, даже если есть предупреждения.
        #[arg(long)]
        accept_warnings: bool,
        /// Вид отчёта: text (для человека) или json (для программ).
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Реестр организаций (CSV/XLSX): код, наименование, вид, муниципалитет.
    Organisations(RegistryArgs),
    /// Реестр педагогов (CSV/XLSX): id, организация, должность, стаж, год рождения; ФИО и
    /// контакты — только в справочник персональных данных.
    Teachers(RegistryArgs),
    /// Реестр программ ДПП (CSV/XLSX): код, наименование, вид, часы, поставщик, федеральный реестр.
    Programs(RegistryArgs),
    /// Прохождение курсов (CSV/XLSX): педагог, программа, дата, удостоверение, часы, поставщик.
    Completions(RegistryArgs),
    /// Результаты диагностики (CSV/XLSX): педагог, процедура, дата, дефициты.
    Diagnostics(RegistryArgs),
    /// Целевые значения показателей (CSV/XLSX): показатель, значение, период, срок, акт,
    /// территория; записываются как решения министерства по указанному акту.
    Targets(RegistryArgs),
}

/// How the plan import reports.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    /// Lines for a person, in Russian.
    Text,
    /// One JSON object: counts, warnings, skipped rows, joined rows.
    Json,
}

/// Arguments of a registry import.
#[derive(clap::Args)]
pub(crate) struct RegistryArgs {
    /// Таблица (CSV/TSV или XLSX).
    file: PathBuf,
    /// Каталог хранилища.
    #[arg(long)]
    data: PathBuf,
    /// Показать, что будет записано; ничего не записывать.
    #[arg(long)]
    dry_run: bool,
    /// Записать, даже если есть предупреждения.
    #[arg(long)]
    accept_warnings: bool,
}

pub(crate) fn run(command: ImportCommand) -> anyhow::Result<u8> {
    match command {
        ImportCommand::Plan {
            file,
            data,
            level,
            title,
            basis,
            period,
            owner,
            owner_code,
            dry_run,
            accept_warnings,
            format,
        } => {
            let options = Options { dry_run, accept_warnings, json: format == ReportFormat::Json };
            let owner = Owner { name: owner, code: owner_code };
            import_plan(&file, &data, &level, &title, basis, period, owner, options)
        }
        ImportCommand::Organisations(args) => import_registry(RegistryKind::Organisations, args),
        ImportCommand::Teachers(args) => import_registry(RegistryKind::Teachers, args),
        ImportCommand::Programs(args) => import_registry(RegistryKind::Programs, args),
        ImportCommand::Completions(args) => import_registry(RegistryKind::Completions, args),
        ImportCommand::Diagnostics(args) => import_registry(RegistryKind::Diagnostics, args),
        ImportCommand::Targets(args) => import_registry(RegistryKind::Targets, args),
    }
}

struct Owner {
    name: Option<String>,
    code: Option<String>,
}

/// Who records an imported plan: the body whose act approves it (the ministry for regional and
/// federal plans, the municipality or organisation named by `--owner-code` otherwise).
fn plan_actor(level: PlanLevel, code: Option<String>) -> Actor {
    let code = code.unwrap_or_else(|| IMPORT_ACTOR_ID.to_string());
    let role = match level {
        PlanLevel::Federal | PlanLevel::Regional => ActorRole::Ministry,
        PlanLevel::Municipal => ActorRole::Municipality(code),
        PlanLevel::Organisation => ActorRole::Organisation(code),
    };
    Actor { role, id: IMPORT_ACTOR_ID.to_string() }
}

#[derive(Clone, Copy)]
struct Options {
    dry_run: bool,
    accept_warnings: bool,
    /// The report as one JSON object instead of lines (plan imports).
    json: bool,
}

#[allow(clippy::too_many_arguments)]
fn import_plan(
    file: &Path,
    data: &Path,
    level: &str,
    title: &str,
    basis_text: Option<String>,
    period: Option<String>,
    owner: Owner,
    options: Options,
) -> anyhow::Result<u8> {
    let given = basis_text.as_deref();
    let Some((level, given, period)) = plan_arguments(level, given, period) else {
        return Ok(exit::ERROR);
    };
    let (file_name, bytes) = read_file(file)?;
    let parsed = match plan_import::read_file(&file_name, &bytes) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("ошибка: {error}");
            eprintln!("Импорт отклонён: ничего не записано.");
            return Ok(exit::ERROR);
        }
    };
    let Some(basis) = given.clone().or_else(|| plan_import::basis_in_document(&parsed)) else {
        eprintln!(
            "ошибка: утверждающий акт не указан (--basis «<вид> №<номер> от <дд.мм.гггг>») и не найден в заголовке документа"
        );
        eprintln!("Импорт отклонён: ничего не записано.");
        return Ok(exit::ERROR);
    };
    if given.is_none() && !options.json {
        say!("Утверждающий акт взят из заголовка документа: {basis}.");
    }
    let request = PlanImportRequest {
        file_name,
        level,
        title: title.to_string(),
        basis,
        period,
        owner: owner.name,
        owner_code: owner.code,
    };
    let ledger = open_ledger(data, Arc::new(SystemClock))?;
    let result = prepare_and_append_plan(&ledger, &request, &parsed, options);
    ledger.shutdown();
    result
}

/// A plan's first and last year, as `--period` gives them.
type Period = (u16, u16);

/// Reads `--level`, `--basis` (when given) and `--period`; `None` after saying which one is not
/// understood.
fn plan_arguments(
    level: &str,
    basis_text: Option<&str>,
    period: Option<String>,
) -> Option<(PlanLevel, Option<Basis>, Option<Period>)> {
    let Some(level) = parse_level(level) else {
        eprintln!(
            "ошибка: уровень плана «{level}» не распознан (federal, regional, municipal, organisation)"
        );
        return None;
    };
    let basis = match basis_text {
        None => None,
        Some(text) => match Basis::parse(text) {
            Some(basis) => Some(basis),
            None => {
                eprintln!(
                    "ошибка: акт «{text}» не распознан; ожидается «<вид> №<номер> от <дд.мм.гггг>»"
                );
                return None;
            }
        },
    };
    let period = match period.as_deref().map(parse_period) {
        None => None,
        Some(Some(period)) => Some(period),
        Some(None) => {
            eprintln!(
                "ошибка: период «{}» не распознан; ожидается «2021-2025»",
                period.unwrap_or_default()
            );
            return None;
        }
    };
    Some((level, basis, period))
}

/// Turns the read plan into a batch against the ledger, decides by the report whether to append
/// it (`gate`), and appends it as the body whose act approves the plan.
fn prepare_and_append_plan(
    ledger: &Ledger,
    request: &PlanImportRequest,
    parsed: &ParsedPlan,
    options: Options,
) -> anyhow::Result<u8> {
    let prepared = match plan_import::prepare(ledger.store(), request, parsed) {
        Ok(prepared) => prepared,
        Err(PrepareError::Title(title)) => {
            eprintln!("ошибка: из названия «{title}» не удалось построить идентификатор плана");
            return Ok(exit::ERROR);
        }
        Err(error) => {
            return Err(error).context("не удалось прочитать историю плана в журнале");
        }
    };
    if options.json {
        say!("{}", plan_report_json(parsed, &prepared.batch.issues, &request.basis));
    } else {
        print_layout(parsed);
    }
    if let Some(code) = gate(&prepared.batch.issues, &prepared.lines, options) {
        return Ok(code);
    }
    if options.json {
        // The report is printed; what was appended goes to stderr, stdout stays one JSON object.
        if !prepared.batch.payloads.is_empty() {
            let actor = plan_actor(request.level, request.owner_code.clone());
            let file = &prepared.meta.file;
            let submitted = submit(ledger, &actor, prepared.commands(), file, &[], &prepared.lines);
            let Some((first, last, count)) = submitted? else { return Ok(exit::ERROR) };
            eprintln!("План {}: записано событий {count} (№{first}–№{last}).", prepared.plan);
        }
        return Ok(exit::OK);
    }
    if prepared.batch.payloads.is_empty() {
        say!("План {} уже в журнале и не изменился: ничего не записано.", prepared.plan);
        return Ok(exit::OK);
    }
    let rows: Vec<u32> = Vec::new();
    let actor = plan_actor(request.level, request.owner_code.clone());
    let submitted =
        submit(ledger, &actor, prepared.commands(), &prepared.meta.file, &rows, &prepared.lines);
    let Some((first, last, count)) = submitted? else {
        return Ok(exit::ERROR);
    };
    say_plan_recorded(&prepared, &request.basis, first, last, count);
    Ok(exit::OK)
}

/// Says what an appended plan batch did: a new plan's size, or an amendment's changes.
fn say_plan_recorded(
    prepared: &PreparedPlanImport,
    basis: &Basis,
    first: u64,
    last: u64,
    count: usize,
) {
    let plan = &prepared.plan;
    let activities = prepared.count("activity_added");
    let sections = prepared.count("plan_section_added");
    if prepared.batch.is_amendment {
        let amended = prepared.count("activity_amended");
        let cancelled = prepared.count("activity_cancelled");
        say!(
            "План {plan} изменён актом «{basis}»: изменено мероприятий {amended}, добавлено {activities}, отменено {cancelled}, новых разделов {sections}; записано событий {count} (№{first}–№{last})."
        );
    } else {
        say!(
            "План {plan} «{}» импортирован: разделов {sections}, мероприятий {activities}; записано событий {count} (№{first}–№{last}).",
            prepared.meta.title
        );
    }
}

fn import_registry(kind: RegistryKind, args: RegistryArgs) -> anyhow::Result<u8> {
    let options =
        Options { dry_run: args.dry_run, accept_warnings: args.accept_warnings, json: false };
    let (file_name, bytes) = read_file(&args.file)?;
    let Some(built) = read_registry(kind, &file_name, &bytes)? else {
        return Ok(exit::ERROR);
    };
    let ledger = open_ledger(&args.data, Arc::new(SystemClock))?;
    let store = ledger.store().clone();
    let (fresh, already, issues) = set_aside_recorded(&store, &built, &file_name)?;
    let lines: Vec<String> =
        fresh.iter().map(|row| format!("{} {}", row.payload.kind(), row.key)).collect();
    if let Some(code) = gate(&issues, &lines, options) {
        return Ok(code);
    }
    if fresh.is_empty() {
        store_personal(&store, &built.personal);
        say!("Реестр «{file_name}»: все {already} записей уже в журнале; ничего не записано.");
        return Ok(exit::OK);
    }
    let actor = Actor { role: kind.recorded_by(), id: IMPORT_ACTOR_ID.to_string() };
    let Some((first, last, count)) = append_in_chunks(&ledger, &actor, &fresh, &lines, &file_name)?
    else {
        ledger.shutdown();
        return Ok(exit::ERROR);
    };
    ledger.shutdown();
    store_personal(&store, &built.personal);
    say!(
        "Реестр «{file_name}» ({}): записано событий {count} (№{first}–№{last}), уже было в журнале {already}.",
        kind.russian_name()
    );
    Ok(exit::OK)
}

/// Reads the table and builds the registry's rows as of today; `None` after reporting a file that
/// is not such a registry.
fn read_registry(
    kind: RegistryKind,
    file_name: &str,
    bytes: &[u8],
) -> anyhow::Result<Option<Registry>> {
    let table = match registry::read_table(file_name, bytes) {
        Ok(table) => table,
        Err(error) => {
            eprintln!("ошибка: {error}");
            eprintln!("Импорт отклонён: ничего не записано.");
            return Ok(None);
        }
    };
    let today = SystemClock
        .now()
        .date_utc()
        .context("не удалось определить сегодняшнюю дату по системным часам")?;
    match registry::build(kind, file_name, &table, today) {
        Ok(built) => Ok(Some(built)),
        Err(error) => {
            eprintln!("ошибка: {error}");
            eprintln!("Импорт отклонён: ничего не записано.");
            Ok(None)
        }
    }
}

/// Sets aside rows already recorded (same derived id), so a re-import appends nothing new; a
/// recorded row whose content differs is a warning, since this import does not change it.
/// Returns the fresh rows, the count set aside, and the registry's issues with those warnings.
fn set_aside_recorded<'a>(
    store: &Store,
    built: &'a Registry,
    file_name: &str,
) -> anyhow::Result<(Vec<&'a RegistryRow>, usize, Vec<ImportIssue>)> {
    let mut fresh = Vec::new();
    let mut already = 0usize;
    let mut issues = built.issues.clone();
    for row in &built.rows {
        let id = EventId(row.id);
        match store.get_by_id(&id)? {
            Some(stored) => {
                already = already.saturating_add(1);
                let event = to_event(&row.payload, Some(id), row.effective, None)?;
                if stored.payload != event.payload {
                    issues.push(ImportIssue {
                        file: file_name.to_string(),
                        row: row.row,
                        column: None,
                        text: row.key.clone(),
                        message: format!(
                            "запись уже есть в журнале (событие №{}) с другим содержанием; изменения этим импортом не вносятся",
                            stored.seq
                        ),
                        severity: Severity::Warning,
                    });
                }
            }
            None => fresh.push(row),
        }
    }
    Ok((fresh, already, issues))
}

/// Appends the fresh rows in chunks of at most `BATCH_EVENTS_MAX` events (the ledger's limit per
/// append), each atomic; returns the first and last seq and the count, or `None` once a chunk is
/// refused. The chunks before a refused one stay, and because ids are derived from content,
/// running the import again appends only the rest.
fn append_in_chunks(
    ledger: &Ledger,
    actor: &Actor,
    fresh: &[&RegistryRow],
    lines: &[String],
    file_name: &str,
) -> anyhow::Result<Option<(u64, u64, usize)>> {
    let (mut first, mut last, mut count) = (0u64, 0u64, 0usize);
    for (chunk_index, chunk) in fresh.chunks(BATCH_EVENTS_MAX).enumerate() {
        let commands = chunk.iter().map(|row| row.command()).collect();
        let rows: Vec<u32> = chunk.iter().map(|row| row.row).collect();
        let offset = chunk_index.saturating_mul(BATCH_EVENTS_MAX);
        let chunk_lines = lines.get(offset..).unwrap_or(&[]);
        match submit(ledger, actor, commands, file_name, &rows, chunk_lines)? {
            Some((chunk_first, chunk_last, chunk_count)) => {
                if count == 0 {
                    first = chunk_first;
                }
                last = chunk_last;
                count = count.saturating_add(chunk_count);
            }
            None => {
                if count > 0 {
                    say!(
                        "Записано до отказа: {count} событий (№{first}–№{last}); повторный импорт файла добавит только остальное."
                    );
                }
                return Ok(None);
            }
        }
    }
    Ok(Some((first, last, count)))
}

/// The plan import's report as one JSON object: the document's sections and activities, every
/// issue, the rows set aside and the tails moved (`--format json`).
fn plan_report_json(parsed: &ParsedPlan, issues: &[ImportIssue], basis: &Basis) -> String {
    let activities: usize = parsed.sections.iter().map(|section| section.activities.len()).sum();
    let warnings: Vec<serde_json::Value> = issues
        .iter()
        .map(|issue| {
            serde_json::json!({
                "row": issue.row,
                "column": issue.column,
                "text": issue.text,
                "message": issue.message,
            })
        })
        .collect();
    let skipped: Vec<serde_json::Value> = parsed
        .skipped
        .iter()
        .map(|row| serde_json::json!({"row": row.row, "text": row.text, "reason": row.reason}))
        .collect();
    let joined: Vec<serde_json::Value> = parsed
        .joined
        .iter()
        .map(|row| serde_json::json!({"row": row.row, "into_row": row.into_row, "text": row.text}))
        .collect();
    serde_json::json!({
        "activities": activities,
        "sections": parsed.sections.len(),
        "warnings": warnings,
        "skipped": skipped,
        "joined": joined,
        "basis": basis.to_string(),
        "basis_in_document": parsed.basis,
    })
    .to_string()
}

/// Prints what the reader set aside (rows that are not activities) and what it moved (page-break
/// tails), so the official sees both before anything is written.
fn print_layout(parsed: &ParsedPlan) {
    for row in &parsed.skipped {
        say!(
            "строка {}: «{}» — не мероприятие, пропущена: {}",
            row.row,
            shorten(&row.text),
            row.reason
        );
    }
    for row in &parsed.joined {
        say!(
            "строка {}: «{}» — продолжение строки {} после разрыва страницы, перенесено в неё",
            row.row,
            shorten(&row.text),
            row.into_row
        );
    }
}

/// Prints the report and decides by `import::verdict`: `Some(code)` stops the import (refusal
/// or dry run). A JSON report is printed by the caller; then this one says nothing.
fn gate(issues: &[ImportIssue], lines: &[String], options: Options) -> Option<u8> {
    let (IssueCounts { errors, warnings }, verdict) =
        import::verdict(issues, options.dry_run, options.accept_warnings);
    if options.json {
        return match verdict {
            Verdict::RefusedByErrors | Verdict::RefusedByWarnings => Some(exit::ERROR),
            Verdict::DryRun => Some(exit::OK),
            Verdict::Write => None,
        };
    }
    if options.dry_run {
        say!("Пробный прогон: будет записано событий {}.", lines.len());
        for line in lines {
            say!("  {line}");
        }
    }
    match verdict {
        Verdict::RefusedByErrors if options.dry_run => {
            print_report(issues);
            say!("Импорт невозможен: ошибок {errors}. Ничего не записано.");
            Some(exit::ERROR)
        }
        Verdict::RefusedByErrors => {
            print_report(issues);
            say!(
                "Импорт отклонён: ошибок {errors}, предупреждений {warnings}. Ничего не записано."
            );
            Some(exit::ERROR)
        }
        Verdict::DryRun => {
            print_report(issues);
            say!("Ничего не записано (--dry-run).");
            Some(exit::OK)
        }
        Verdict::RefusedByWarnings => {
            print_report(issues);
            say!(
                "Импорт отклонён: предупреждений {warnings}. Ничего не записано. Проверьте строки выше; чтобы записать несмотря на предупреждения, добавьте --accept-warnings."
            );
            Some(exit::ERROR)
        }
        Verdict::Write => {
            if warnings > 0 {
                say!("Предупреждений {warnings} (приняты по --accept-warnings).");
            }
            None
        }
    }
}

fn print_report(issues: &[ImportIssue]) {
    for issue in issues {
        let severity = match issue.severity {
            Severity::Error => "ошибка",
            Severity::Warning => "предупреждение",
        };
        let column = issue.column.as_deref().map(|c| format!(", графа «{c}»")).unwrap_or_default();
        let text = if issue.text.is_empty() {
            String::new()
        } else {
            format!(": «{}»", shorten(&issue.text))
        };
        say!("{}, строка {}{column}{text} — {severity}: {}", issue.file, issue.row, issue.message);
    }
}

fn shorten(text: &str) -> String {
    const SHOWN_CHARS_MAX: usize = 120;
    match text.char_indices().nth(SHOWN_CHARS_MAX) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)),
        None => text.to_string(),
    }
}

fn to_event(
    payload: &Payload,
    id: Option<EventId>,
    effective: Effective,
    basis: Option<Basis>,
) -> anyhow::Result<NewEvent> {
    let actor = Actor { role: ActorRole::Operator, id: IMPORT_ACTOR_ID.to_string() };
    payload
        .to_new_event(id, effective, actor, basis)
        .with_context(|| format!("не удалось сформировать событие {}", payload.kind()))
}

/// Submits the commands as one atomic batch through the validating command layer; returns the
/// first and last seq and the count, or `None` after reporting a refusal row by row.
fn submit(
    ledger: &Ledger,
    actor: &Actor,
    commands: Vec<Command>,
    file: &str,
    rows: &[u32],
    lines: &[String],
) -> anyhow::Result<Option<(u64, u64, usize)>> {
    let result = submit_blocking(ledger, actor, commands);
    match result {
        Ok(outcome) => {
            for warning in &outcome.warnings {
                say!("замечание: {warning}");
            }
            let seqs = &outcome.append.seqs;
            let first = seqs.first().map_or(0, |seq| seq.0);
            let last = seqs.last().map_or(0, |seq| seq.0);
            Ok(Some((first, last, seqs.len())))
        }
        Err(
            CommandError::Invalid { index, field, value, rule }
            | CommandError::Rejected { index, field, value, rule }
            | CommandError::UnknownReference { index, field, value, rule }
            | CommandError::Forbidden { index, field, value, rule, .. },
        ) => {
            let row = rows.get(index).copied().unwrap_or(0);
            let event = lines.get(index).map(String::as_str).unwrap_or("");
            say!(
                "{file}, строка {row}: «{}» — ошибка: журнал не принял событие {event} (поле {field}): {rule}",
                shorten(&value)
            );
            say!("Импорт отклонён: ничего не записано.");
            Ok(None)
        }
        Err(other) => Err(other).context("журнал не принял импортируемые события"),
    }
}

/// Puts teachers' personal data into the erasable directory (never into events).
fn store_personal(store: &Store, records: &[PersonalRecord]) {
    if records.is_empty() {
        return;
    }
    let directory = match PersonalDirectory::open(store) {
        Ok(directory) => directory,
        Err(error) => {
            say!("персональные данные не сохранены: {error}");
            return;
        }
    };
    let mut saved = 0usize;
    for record in records {
        let snils = (!record.snils.is_empty() && snils_is_valid(&record.snils))
            .then(|| record.snils.clone());
        if !record.snils.is_empty() && snils.is_none() {
            say!(
                "педагог {}: СНИЛС не проходит проверку контрольного числа и не сохранён",
                record.teacher
            );
        }
        let person = PersonRecord {
            full_name: record.full_name.clone(),
            snils,
            contacts: record
                .contacts
                .split("; ")
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
        };
        match directory.put(&record.teacher, &person) {
            Ok(()) => saved = saved.saturating_add(1),
            Err(error) => {
                say!("педагог {}: персональные данные не сохранены: {error}", record.teacher)
            }
        }
    }
    say!("Персональные данные {saved} педагогов сохранены в справочник (вне цепочки событий).");
}

fn read_file(file: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let metadata = std::fs::metadata(file)
        .with_context(|| format!("не удалось прочитать {}", file.display()))?;
    let limit = u64::try_from(FILE_BYTES_MAX).unwrap_or(u64::MAX);
    if metadata.len() > limit {
        anyhow::bail!("файл {} больше допустимого ({limit} байт)", file.display());
    }
    let bytes =
        std::fs::read(file).with_context(|| format!("не удалось прочитать {}", file.display()))?;
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    Ok((name, bytes))
}
