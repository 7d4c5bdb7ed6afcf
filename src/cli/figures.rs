//! `letopis figures`: the indicator catalogue at a valid date and a knowledge point, as a JSON
//! array for machines or a Russian table for people.
//!
//! JSON, one object per indicator in catalogue order: `code`, `scope`, `date`, `known_at_seq`,
//! `numerator`, `denominator`, `value`, `targets` (`value`, `deadline`, `act`), `met`,
//! `evidence_count`. `value` is null when the denominator is 0; otherwise, for a share, the
//! percentage with 2 decimals (numerator / denominator × 100, rounded half up, e.g. `12.5`); for
//! a count, the count; for a ratio (teachers per methodist), the ratio with 2 decimals. A
//! target's `value` is written the same way ("≥ 9.5" percent as `9.5` with `"kind": "share_at_least"`).
//! `met` is null when no target applies.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context};
use projections::Figure;
use proto_events::vocabulary::{IndicatorCode, IndicatorMeasure, Scope, TargetValue};
use proto_events::{Date, Timestamp};
use serde_json::{json, Value};

use crate::cli::{exit, open_store};
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

pub(crate) fn run(args: FiguresArgs) -> anyhow::Result<u8> {
    let json_output = match args.format.as_str() {
        "json" => true,
        "table" => false,
        other => bail!("неизвестный формат {other:?}: ожидается json или table"),
    };
    let Some(date) = Date::parse_iso(args.date.trim()) else {
        bail!("--date {:?}: ожидается дата ГГГГ-ММ-ДД", args.date)
    };
    let known_at = parse_known_at(args.known_at.as_deref())?;
    let scope: Scope = args.scope.trim().parse().map_err(|_| {
        anyhow::anyhow!(
            "--scope {:?}: ожидается region, municipality:<код> или organisation:<id>",
            args.scope
        )
    })?;
    let store = open_store(&args.data)?;
    let projector = Projector::new(store);
    let (seq, figures) =
        projector.catalogue(&scope, date, known_at).context("computing the figures")?;
    let out = if json_output { render_json(&figures, seq)? } else { render_table(&figures, seq) };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes()).context("writing to stdout")?;
    Ok(exit::OK)
}

/// Parses `--known-at`: digits are a seq, anything else an RFC 3339 time; absent = now.
pub(crate) fn parse_known_at(text: Option<&str>) -> anyhow::Result<KnownAt> {
    let Some(text) = text.map(str::trim) else { return Ok(KnownAt::Now) };
    if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
        if let Ok(seq) = text.parse::<u64>() {
            return Ok(KnownAt::Seq(seq));
        }
    }
    match Timestamp::parse_rfc3339(text) {
        Some(time) => Ok(KnownAt::Time(time)),
        None => bail!("--known-at {text:?}: ожидается номер события или время RFC 3339"),
    }
}

/// The JSON value of a figure: see the module documentation.
pub(crate) fn value_json(code: IndicatorCode, numerator: u64, denominator: u64) -> Value {
    if denominator == 0 {
        return Value::Null;
    }
    match code.measure() {
        IndicatorMeasure::Count => json!(numerator),
        IndicatorMeasure::Share => hundredths(numerator.saturating_mul(100), denominator),
        IndicatorMeasure::Ratio => hundredths(numerator, denominator),
    }
}

/// numerator / denominator as a JSON number with at most 2 decimals, rounded half up.
fn hundredths(numerator: u64, denominator: u64) -> Value {
    let scaled =
        (u128::from(numerator) * 200 + u128::from(denominator)) / (u128::from(denominator) * 2);
    let text = format!("{}.{:02}", scaled / 100, scaled % 100);
    text.parse::<serde_json::Number>().map(Value::Number).unwrap_or(Value::Null)
}

fn target_json(value: TargetValue) -> (Value, &'static str) {
    match value {
        TargetValue::ShareAtLeastBp(bp) => (hundredths(u64::from(bp), 100), "share_at_least"),
        TargetValue::ShareAtMostBp(bp) => (hundredths(u64::from(bp), 100), "share_at_most"),
        TargetValue::CountAtLeast(count) => (json!(count), "at_least"),
        TargetValue::CountAtMost(count) => (json!(count), "at_most"),
        TargetValue::PositiveDynamics => (Value::Null, "positive_dynamics"),
    }
}

fn render_json(figures: &[Figure], seq: u64) -> anyhow::Result<String> {
    let array: Vec<Value> = figures
        .iter()
        .map(|figure| {
            let targets: Vec<Value> = figure
                .targets
                .iter()
                .map(|target| {
                    let (value, kind) = target_json(target.value);
                    json!({
                        "value": value,
                        "kind": kind,
                        "deadline": target.deadline.map(|day| day.to_string()),
                        "act": target.act,
                        "accumulation": target.accumulation,
                        "met": target.met,
                    })
                })
                .collect();
            json!({
                "code": figure.code.as_str(),
                "scope": figure.scope.to_string(),
                "date": figure.date.to_string(),
                "known_at_seq": seq,
                "numerator": figure.numerator,
                "denominator": figure.denominator,
                "value": value_json(figure.code, figure.numerator, figure.denominator),
                "targets": targets,
                "met": figure.met,
                "evidence_count": figure.evidence.len(),
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&array).context("encoding figures as JSON")?;
    out.push('\n');
    Ok(out)
}

fn target_text(value: TargetValue) -> String {
    match value {
        TargetValue::ShareAtLeastBp(bp) => format!("≥ {} %", hundredths(u64::from(bp), 100)),
        TargetValue::ShareAtMostBp(bp) => format!("≤ {} %", hundredths(u64::from(bp), 100)),
        TargetValue::CountAtLeast(count) => format!("≥ {count}"),
        TargetValue::CountAtMost(count) => format!("≤ {count}"),
        TargetValue::PositiveDynamics => "положительная динамика".to_string(),
    }
}

fn render_table(figures: &[Figure], seq: u64) -> String {
    let mut out = String::new();
    let (scope, date) = figures
        .first()
        .map(|figure| (figure.scope.to_string(), figure.date.to_russian()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Показатели на {date}, территория: {scope} (по данным журнала до события №{seq})"
    );
    let _ = writeln!(out, "\nКод | Показатель | Числитель | Знаменатель | Значение | Целевое значение | Достигнуто | Событий-оснований");
    for figure in figures {
        let value = match value_json(figure.code, figure.numerator, figure.denominator) {
            Value::Null => "—".to_string(),
            value if figure.code.measure() == IndicatorMeasure::Share => format!("{value} %"),
            value => value.to_string(),
        };
        let targets: Vec<String> = figure
            .targets
            .iter()
            .map(|target| {
                let deadline = target
                    .deadline
                    .map(|day| format!(" к {}", day.to_russian()))
                    .unwrap_or_default();
                format!("{}{deadline} ({})", target_text(target.value), target.act)
            })
            .collect();
        let targets = if targets.is_empty() { "—".to_string() } else { targets.join("; ") };
        let met = match figure.met {
            Some(true) => "да",
            Some(false) => "нет",
            None => "—",
        };
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
