//! `letopis figures`: the indicator catalogue at a valid date and a knowledge point, as a JSON
//! array for machines or a Russian table for people.
//!
//! JSON, one object per indicator in catalogue order, in the shape `query::json::figure_json`
//! documents (the HTTP API's `/api/v1/figures` answers the same objects).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use projections::monitoring;
use projections::state::Known;
use projections::Figure;
use proto_events::tlog::note::NOTE_BYTES_MAX;
use proto_events::vocabulary::{IndicatorMeasure, Scope};
use proto_events::Date;
use serde_json::Value;

use crate::cli::plans::{valid_date, OutputFormat};
use crate::cli::{exit, offline, open_store};
use crate::documents::export::figures::{met_label, targets_text};
use crate::offline::archive::Checks;
use crate::query::json::{figure_json, value_json};
use crate::query::parameters::{self, ParameterError};
use crate::query::{resolve_in, KnownAt, Projector};

/// Arguments of `figures`.
#[derive(clap::Args)]
pub(crate) struct FiguresArgs {
    /// Каталог хранилища.
    #[arg(long, required_unless_present = "archive", conflicts_with = "archive")]
    pub data: Option<PathBuf>,
    /// Архив журнала (letopis log export) вместо хранилища: показатели вычисляются по архиву,
    /// проверенному по подписанной контрольной точке, без хранилища и сервера.
    #[arg(long, requires_all = ["checkpoint", "vkeys"])]
    pub archive: Option<PathBuf>,
    /// Файл подписанной контрольной точки (с --archive): учитываются события до её размера.
    #[arg(long, requires = "archive")]
    pub checkpoint: Option<PathBuf>,
    /// Ключ проверки журнала (с --archive); можно несколько раз — ещё и ключи свидетелей:
    /// требуется подпись каждого.
    #[arg(long = "vkey", requires = "archive")]
    pub vkeys: Vec<String>,
    /// Valid date, YYYY-MM-DD.
    #[arg(long)]
    pub date: String,
    /// Knowledge point: an RFC 3339 time or a seq; default: now.
    #[arg(long)]
    pub known_at: Option<String>,
    /// region | municipality:<code> | organisation:<id>.
    #[arg(long, default_value = "region")]
    pub scope: String,
    /// json | table.
    #[arg(long, default_value = "table")]
    pub format: String,
}

/// The catalogue as `figures` and `export figures` compute it, with the parsed arguments.
pub(crate) struct Catalogue {
    /// Valid date.
    pub date: Date,
    /// Scope.
    pub scope: Scope,
    /// The seq the knowledge point resolved to.
    pub seq: u64,
    /// The figures in catalogue order.
    pub figures: Vec<Figure>,
}

/// Parses `--date`, `--known-at` and `--scope`, opens the store at `data` and computes the
/// catalogue at (D, K).
pub(crate) fn catalogue(
    data: &Path,
    date: &str,
    known_at: Option<&str>,
    scope: &str,
) -> anyhow::Result<Catalogue> {
    let date = valid_date(Some(date))?;
    let known_at = parse_known_at(known_at)?;
    let scope = parse_scope(scope)?;
    let projector = Projector::new(open_store(data)?);
    let (seq, figures) =
        projector.catalogue(&scope, date, known_at).context("не удалось вычислить показатели")?;
    Ok(Catalogue { date, scope, seq, figures })
}

pub(crate) fn run(args: FiguresArgs) -> anyhow::Result<u8> {
    let json_output = OutputFormat::parse(&args.format)? == OutputFormat::Json;
    let Catalogue { seq, figures, .. } = match (&args.data, &args.archive) {
        (Some(data), _) => catalogue(data, &args.date, args.known_at.as_deref(), &args.scope)?,
        (None, Some(archive)) => match archive_catalogue(archive, &args)? {
            Ok(catalogue) => catalogue,
            Err(reason) => {
                eprintln!("Архив не подтверждён, показатели не вычислены: {reason}.");
                return Ok(exit::INTEGRITY);
            }
        },
        (None, None) => anyhow::bail!("укажите --data или --archive"),
    };
    let out = if json_output { render_json(&figures, seq)? } else { render_table(&figures, seq) };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes()).context("не удалось вывести результат")?;
    Ok(exit::OK)
}

/// The catalogue at (D, K) from a log archive alone: the archive verified against the signed
/// checkpoint (chain, tree root, chain head, signatures of every `--vkey`), the events up to the
/// checkpoint's size folded as the store folds them, K resolved over their recorded times as
/// `query::resolve` does over the store's, and the figures computed by the same
/// `monitoring::catalogue_at` as `Projector::catalogue`. Events after the checkpoint are
/// verified but not counted (said on stderr). `Err` is the refusal, in Russian (exit 3).
fn archive_catalogue(
    archive: &Path,
    args: &FiguresArgs,
) -> anyhow::Result<Result<Catalogue, String>> {
    let date = valid_date(Some(&args.date))?;
    let known_at = parse_known_at(args.known_at.as_deref())?;
    let scope = parse_scope(&args.scope)?;
    let keys = offline::trusted_keys(&args.vkeys)?;
    let note_path =
        args.checkpoint.clone().context("--checkpoint: нужен файл контрольной точки")?;
    let note = offline::read_limited(&note_path, NOTE_BYTES_MAX as u64)?;
    let checkpoint = match offline::open_notes(&[(note_path, note)], &keys) {
        Ok(mut checkpoints) => checkpoints.remove(0),
        Err(reason) => return Ok(Err(reason)),
    };
    let size = checkpoint.size.0;
    let checks = Checks { checkpoints: vec![checkpoint], fold_to: Some(size), ..Checks::default() };
    let verified = match offline::verify_archive_file(archive, &checks)? {
        Ok(verified) => verified,
        Err((seq, reason)) => return Ok(Err(format!("событие №{seq}: {reason}"))),
    };
    let last = verified.chain.last_seq.0;
    if last > size {
        eprintln!(
            "В архиве после контрольной точки ещё {} событий (№{}–№{}): они не подписаны и в \
             показателях не учтены.",
            last - size,
            size + 1,
            last
        );
    }
    let state = verified.state.unwrap_or_default();
    let times = &verified.recorded_at;
    let seq = resolve_in(size, known_at, |seq| {
        let index = usize::try_from(seq.saturating_sub(1)).unwrap_or(usize::MAX);
        Ok::<_, std::convert::Infallible>(times.get(index).copied())
    })
    .unwrap_or(size);
    let figures = monitoring::catalogue_at(&state, &scope, date, Known(seq));
    Ok(Ok(Catalogue { date, scope, seq, figures }))
}

/// Parses `--scope`: region, municipality:<code> or organisation:<id>.
pub(crate) fn parse_scope(text: &str) -> anyhow::Result<Scope> {
    parameters::scope(Some(text)).map_err(flag_error)
}

/// Parses `--known-at`: digits are a seq, anything else an RFC 3339 time; absent = now.
pub(crate) fn parse_known_at(text: Option<&str>) -> anyhow::Result<KnownAt> {
    parameters::known_at(text).map_err(flag_error)
}

/// A parameter error as the CLI says it: `--known-at "вчера": ожидается …`.
pub(crate) fn flag_error(error: ParameterError) -> anyhow::Error {
    anyhow::anyhow!("{} {:?}: {}", error.flag(), error.value, error.rule)
}

/// A scope as people read it: «регион», «муниципалитет 38-01», «организация org-0042».
pub(crate) fn scope_label(scope: &Scope) -> String {
    match scope {
        Scope::Region => "регион".to_string(),
        Scope::Municipality(code) => format!("муниципалитет {code}"),
        Scope::Organisation(id) => format!("организация {id}"),
    }
}

fn render_json(figures: &[Figure], seq: u64) -> anyhow::Result<String> {
    let array: Vec<Value> = figures.iter().map(|figure| figure_json(figure, seq)).collect();
    let mut out =
        serde_json::to_string_pretty(&array).context("не удалось сформировать JSON показателей")?;
    out.push('\n');
    Ok(out)
}

fn render_table(figures: &[Figure], seq: u64) -> String {
    let mut out = String::new();
    let (scope, date) = figures
        .first()
        .map(|figure| (scope_label(&figure.scope), figure.date.to_russian()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Показатели на {date}, территория: {scope} (по данным журнала до события №{seq})"
    );
    let _ = writeln!(out, "\nКод | Показатель | Числитель | Знаменатель | Значение | Целевое значение | Выполнение | Событий-оснований");
    for figure in figures {
        let value = match value_json(figure.code, figure.numerator, figure.denominator) {
            Value::Null => "—".to_string(),
            value if figure.code.measure() == IndicatorMeasure::Share => format!("{value} %"),
            value => value.to_string(),
        };
        let targets = targets_text(figure);
        let met = met_label(figure);
        let _ = writeln!(
            out,
            "{} | {} | {} | {} | {} | {} | {} | {}",
            figure.code.as_str(),
            figure.code.title_ru(),
            figure.numerator,
            figure.denominator,
            value,
            targets,
            met,
            figure.evidence.len()
        );
    }
    out
}
