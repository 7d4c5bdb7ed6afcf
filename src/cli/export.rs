//! `letopis export`: a plan as of (D, K) to XLSX or DOCX, the indicator catalogue as of (D, K)
//! for a scope to XLSX, CSV or DOCX. The documents are laid out by `crate::documents::export`; this module picks the
//! state, writes the file and tells the official what was written.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use projections::plan::plans_as_of;

use crate::cli::figures::{catalogue, scope_label, Catalogue};
use crate::cli::AtArgs;
use crate::cli::{exit, open_store, partial_path};
use crate::documents::export::figures::figures_document;
use crate::documents::export::plan::{choose, plan_docx, plan_xlsx};
use crate::documents::export::DocumentFormat;
use crate::query;

/// Export subcommands.
#[derive(clap::Subcommand)]
pub(crate) enum ExportCommand {
    /// План мероприятий на дату в XLSX или DOCX (по расширению --output): графы актов, разделы,
    /// статус на дату и изменения.
    Plan(PlanArgs),
    /// Показатели мониторинга на дату в XLSX или CSV.
    Figures(FiguresArgs),
}

/// Arguments of `export plan`.
#[derive(clap::Args)]
pub(crate) struct PlanArgs {
    /// Каталог хранилища.
    #[arg(long)]
    data: PathBuf,
    /// Идентификатор плана (их перечисляет `letopis plans`); можно не указывать, если план один.
    #[arg(long)]
    plan: Option<String>,
    #[command(flatten)]
    at: AtArgs,
    /// Файл для записи: .xlsx (книга) или .docx (документ Word, как акты).
    #[arg(long)]
    output: PathBuf,
}

/// Arguments of `export figures`.
#[derive(clap::Args)]
pub(crate) struct FiguresArgs {
    /// Каталог хранилища.
    #[arg(long)]
    data: PathBuf,
    /// Дата, на которую строится документ, ГГГГ-ММ-ДД.
    #[arg(long)]
    date: String,
    /// По данным на: время RFC 3339 или номер события; по умолчанию — сейчас.
    #[arg(long)]
    known_at: Option<String>,
    /// Территория: region | municipality:<код> | organisation:<идентификатор>.
    #[arg(long, default_value = "region")]
    scope: String,
    /// Файл для записи (.xlsx, .csv или .docx).
    #[arg(long)]
    output: PathBuf,
    /// xlsx | csv | docx; по умолчанию — по расширению --output.
    #[arg(long)]
    format: Option<String>,
}

pub(crate) fn run(command: ExportCommand) -> anyhow::Result<u8> {
    match command {
        ExportCommand::Plan(args) => export_plan(args),
        ExportCommand::Figures(args) => export_figures(args),
    }
}

fn export_plan(args: PlanArgs) -> anyhow::Result<u8> {
    let (date, known_at) = args.at.parse()?;
    let store = open_store(&args.data)?;
    let state = query::state_at(&store, known_at).context("не удалось прочитать журнал")?;
    let plans = plans_as_of(&state.plans, date);
    let plan = choose(&plans, args.plan.as_deref())?;
    let extension = args.output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let bytes = match extension.as_deref() {
        Some("docx") => plan_docx(plan, &state.plans, date, state.seq)?,
        // Any other name gets a workbook, as before DOCX existed.
        _ => plan_xlsx(plan, &state.plans, date, state.seq)?,
    };
    write_output(&args.output, &bytes)?;
    let activities: usize = plan.sections.iter().map(|section| section.activities.len()).sum();
    let changes: usize = plan
        .sections
        .iter()
        .flat_map(|section| section.activities.iter())
        .map(|activity| {
            activity.amendments.len().saturating_add(usize::from(activity.cancellation.is_some()))
        })
        .sum();
    println!(
        "План {} «{}» на {} (по данным журнала до события №{}) выгружен в {}: разделов {}, мероприятий {activities}, изменений {changes}.",
        plan.id,
        plan.title,
        date.to_russian(),
        state.seq,
        args.output.display(),
        plan.sections.len()
    );
    Ok(exit::OK)
}

fn export_figures(args: FiguresArgs) -> anyhow::Result<u8> {
    let format = match args.format.as_deref() {
        Some(text) => match DocumentFormat::parse(text) {
            Some(format) => format,
            None => bail!("--format {text:?}: ожидается xlsx, csv или docx"),
        },
        None => match args.output.extension().and_then(|e| e.to_str()).and_then(DocumentFormat::parse)
        {
            Some(format) => format,
            None => bail!(
                "--output {}: по расширению не понять формат; укажите файл .xlsx или .csv (или .docx) либо --format xlsx|csv|docx",
                args.output.display()
            ),
        },
    };
    let Catalogue { date, scope, seq, figures } =
        catalogue(&args.data, &args.date, args.known_at.as_deref(), &args.scope)?;
    let bytes = figures_document(&figures, seq, format)?;
    write_output(&args.output, &bytes)?;
    println!(
        "Показатели ({}) на {}, территория: {} (по данным журнала до события №{seq}) выгружены в {}: показателей {}.",
        format.extension(),
        date.to_russian(),
        scope_label(&scope),
        args.output.display(),
        figures.len()
    );
    Ok(exit::OK)
}

/// Writes the document next to its final name first, then renames, so a failed write never
/// leaves a half-written file under the name the official expects.
pub(crate) fn write_output(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let partial = partial_path(path);
    std::fs::write(&partial, bytes)
        .with_context(|| format!("не удалось записать файл {}", partial.display()))?;
    std::fs::rename(&partial, path)
        .with_context(|| format!("не удалось записать файл {}", path.display()))?;
    Ok(())
}
