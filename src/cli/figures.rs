//! `letopis figures`: the indicator catalogue at a valid date and a knowledge point, as a JSON
//! array for machines or a Russian table for people.
//!
//! JSON, one object per indicator in catalogue order, in the shape `query::json::figure_json`
//! documents (the HTTP API's `/api/v1/figures` answers the same objects).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use projections::Figure;
use proto_events::vocabulary::{IndicatorMeasure, Scope};
use proto_events::Date;
use serde_json::Value;

use crate::cli::plans::{valid_date, OutputFormat};
use crate::cli::{exit, open_store};
use crate::documents::export::figures::{met_label, targets_text};
use crate::query::json::{figure_json, value_json};
use crate::query::parameters::{self, ParameterError};
use crate::query::{KnownAt, Projector};

/// Arguments of `figures`.
#[derive(clap::Args)]
pub(crate) struct FiguresArgs {
    /// Каталог хранилища.
    #[arg(long)]
    pub data: PathBuf,
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
    let Catalogue { seq, figures, .. } =
        catalogue(&args.data, &args.date, args.known_at.as_deref(), &args.scope)?;
    let out = if json_output { render_json(&figures, seq)? } else { render_table(&figures, seq) };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes()).context("не удалось вывести результат")?;
    Ok(exit::OK)
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
