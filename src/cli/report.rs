//! `letopis report`: the reports officials send on after a period — the execution of a plan
//! (`report execution`) and the region's yearly monitoring (`report monitoring`), each as XLSX or
//! DOCX by the extension of `--output`. The reports are built by the projections and laid out by
//! `crate::documents::export::report`; this module picks the state, writes the file and tells
//! the official what was written.

use std::path::PathBuf;

use anyhow::{bail, Context};
use projections::execution_report::execution_report;
use projections::monitoring_report::monitoring_report;
use projections::plan::{plan_as_of, plans_as_of};
use proto_events::vocabulary::PlanId;
use proto_events::Date;

use crate::cli::exit;
use crate::cli::export::write_output;
use crate::cli::figures::parse_known_at;
use crate::cli::open_store;
use crate::cli::plans::valid_date;
use crate::documents::export::plan::choose;
use crate::documents::export::report::{execution_document, monitoring_document};
use crate::documents::export::DocumentFormat;
use crate::query::{self, Projector};

/// Report subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum ReportCommand {
    /// Отчёт об исполнении плана за период (информационно-аналитическая справка) в XLSX или
    /// DOCX: каждое мероприятие со сроком, ответственным и статусом на конец периода, сводка.
    Execution(ExecutionArgs),
    /// Ежегодный отчёт мониторинга региона в XLSX или DOCX: показатели по муниципалитетам против
    /// целевых значений, изменение за год, муниципалитеты ниже целевых, рекомендации и решения.
    Monitoring(MonitoringArgs),
}

/// Arguments of `report execution`.
#[derive(clap::Args)]
pub(crate) struct ExecutionArgs {
    /// Каталог хранилища.
    #[arg(long)]
    data: PathBuf,
    /// Идентификатор плана (их перечисляет `letopis plans`).
    #[arg(long)]
    plan: String,
    /// Первый день отчётного периода, ГГГГ-ММ-ДД.
    #[arg(long)]
    from: String,
    /// Последний день отчётного периода, ГГГГ-ММ-ДД: статусы — на этот день.
    #[arg(long)]
    to: String,
    /// По данным на: время RFC 3339 или номер события; по умолчанию — сейчас.
    #[arg(long)]
    known_at: Option<String>,
    /// Файл для записи: .xlsx или .docx.
    #[arg(long)]
    output: PathBuf,
}

/// Arguments of `report monitoring`.
#[derive(clap::Args)]
pub(crate) struct MonitoringArgs {
    /// Каталог хранилища.
    #[arg(long)]
    data: PathBuf,
    /// Год мониторинга: показатели на 31 декабря этого года.
    #[arg(long)]
    year: String,
    /// По данным на: время RFC 3339 или номер события; по умолчанию — сейчас.
    #[arg(long)]
    known_at: Option<String>,
    /// Файл для записи: .xlsx или .docx.
    #[arg(long)]
    output: PathBuf,
}

pub(crate) fn run(command: ReportCommand) -> anyhow::Result<u8> {
    match command {
        ReportCommand::Execution(args) => execution(args),
        ReportCommand::Monitoring(args) => monitoring(args),
    }
}

fn execution(args: ExecutionArgs) -> anyhow::Result<u8> {
    let format = output_format(&args.output)?;
    let (from, to) = period(&args.from, &args.to)?;
    let known_at = parse_known_at(args.known_at.as_deref())?;
    let store = open_store(&args.data)?;
    let state = query::state_at(&store, known_at).context("не удалось прочитать журнал")?;
    let view =
        match PlanId::new(args.plan.trim()).ok().and_then(|id| plan_as_of(&state.plans, &id, to)) {
            Some(view) => view,
            // The export's refusal, which lists the plans known.
            None => choose(&plans_as_of(&state.plans, to), Some(&args.plan)).cloned()?,
        };
    let report = execution_report(&view, from, to);
    let bytes = execution_document(&report, state.seq, format)?;
    write_output(&args.output, &bytes)?;
    let counts: Vec<String> = report
        .summary
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(status, count)| format!("{} — {count}", status.label_ru()))
        .collect();
    println!(
        "Отчёт об исполнении плана {} «{}» за период с {} по {} (по данным журнала до события №{}) записан в {}: мероприятий {}{}.",
        report.plan,
        report.title,
        from.to_russian(),
        to.to_russian(),
        state.seq,
        args.output.display(),
        report.rows.len(),
        if counts.is_empty() { String::new() } else { format!(" ({})", counts.join(", ")) }
    );
    Ok(exit::OK)
}

fn monitoring(args: MonitoringArgs) -> anyhow::Result<u8> {
    let format = output_format(&args.output)?;
    let year = monitoring_year(&args.year)?;
    let known_at = parse_known_at(args.known_at.as_deref())?;
    let projector = Projector::new(open_store(&args.data)?);
    let (state, known) =
        projector.figures_at(known_at).context("не удалось вычислить показатели")?;
    let Some(report) = monitoring_report(&state, known, year) else {
        bail!("--year {year}: год вне допустимого диапазона");
    };
    let bytes = monitoring_document(&report, known.0, format)?;
    write_output(&args.output, &bytes)?;
    println!(
        "Отчёт мониторинга за {year} год (по данным журнала до события №{}) записан в {}: территорий {}, показателей {}, ниже целевых значений {}, рекомендаций и решений {}, прошлогодних решений {}.",
        known.0,
        args.output.display(),
        report.scopes.len(),
        report.rows.len(),
        report.below_target.len(),
        report.decisions.len(),
        report.follow_up.len()
    );
    Ok(exit::OK)
}

/// XLSX or DOCX by the extension of `--output`.
fn output_format(output: &std::path::Path) -> anyhow::Result<DocumentFormat> {
    let extension = output.extension().and_then(|e| e.to_str()).and_then(DocumentFormat::parse);
    match extension {
        Some(format @ (DocumentFormat::Xlsx | DocumentFormat::Docx)) => Ok(format),
        _ => bail!(
            "--output {}: отчёт записывается в книгу .xlsx или в документ Word .docx",
            output.display()
        ),
    }
}

/// `--from` and `--to`, the first not after the second.
fn period(from: &str, to: &str) -> anyhow::Result<(Date, Date)> {
    let from_day = valid_date(Some(from)).map_err(|error| flag(error, "--date", "--from"))?;
    let to_day = valid_date(Some(to)).map_err(|error| flag(error, "--date", "--to"))?;
    if to_day < from_day {
        bail!(
            "--to {to}: отчётный период не может кончаться раньше, чем начинается (--from {from})"
        );
    }
    Ok((from_day, to_day))
}

/// The date parser names its flag `--date`; here the flag is another.
fn flag(error: anyhow::Error, parsed_as: &str, actual: &str) -> anyhow::Error {
    anyhow::anyhow!("{}", format!("{error:#}").replace(parsed_as, actual))
}

fn monitoring_year(text: &str) -> anyhow::Result<u16> {
    let years = proto_events::vocabulary::validation::DATE_YEAR_MIN.saturating_add(1)
        ..=proto_events::vocabulary::validation::DATE_YEAR_MAX;
    match text.trim().parse::<u16>() {
        Ok(year) if years.contains(&i32::from(year)) => Ok(year),
        _ => bail!("--year {text:?}: ожидается год от {} до {}", years.start(), years.end()),
    }
}
