//! `letopis indicators`: the indicator catalogue with each definition as the act words it (the
//! act, the population, numerator, denominator and period rule in plain Russian), as JSON for
//! machines or a Russian text for people. With `--data`, each indicator also lists the targets
//! in force for the region on `--date` (default today) as recorded in the ledger, with their acts.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use projections::definitions::definition;
use proto_events::vocabulary::IndicatorCode;
use serde_json::Value;

use crate::cli::plans::OutputFormat;
use crate::cli::{exit, AtArgs};
use crate::query::json::{definition_json, figure_json};

/// Arguments of `indicators`.
#[derive(clap::Args)]
pub(crate) struct IndicatorsArgs {
    /// Каталог хранилища: если указан, к каждому показателю добавляются целевые значения,
    /// действующие для региона на дату.
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub at: AtArgs,
    /// json | table.
    #[arg(long, default_value = "table")]
    pub format: String,
}

pub(crate) fn run(args: IndicatorsArgs) -> anyhow::Result<u8> {
    let json_output = OutputFormat::parse(&args.format)? == OutputFormat::Json;
    let mut items: Vec<Value> =
        IndicatorCode::ALL.iter().map(|code| definition_json(definition(*code))).collect();
    if let Some(data) = &args.data {
        let (date, _) = args.at.parse()?;
        let catalogue = crate::cli::figures::catalogue(
            data,
            &date.to_string(),
            args.at.known_at.as_deref(),
            "region",
        )?;
        for (item, figure) in items.iter_mut().zip(&catalogue.figures) {
            let targets = figure_json(figure, catalogue.seq)["targets"].clone();
            if let Some(fields) = item.as_object_mut() {
                fields.insert("targets".into(), targets);
            }
        }
    }
    let out = if json_output {
        let mut text = serde_json::to_string_pretty(&items).context("JSON")?;
        text.push('\n');
        text
    } else {
        render_text(&items)
    };
    std::io::stdout().lock().write_all(out.as_bytes()).context("не удалось вывести результат")?;
    Ok(exit::OK)
}

/// The catalogue as text for people: one block per indicator.
fn render_text(items: &[Value]) -> String {
    let mut out = String::new();
    let text = |item: &Value, key: &str| item[key].as_str().unwrap_or_default().to_string();
    for item in items {
        let _ = writeln!(out, "{} — {}", text(item, "code"), text(item, "name"));
        let _ = writeln!(out, "  Акт: {}", text(item, "act"));
        let _ = writeln!(out, "  Кого считает: {}", text(item, "population"));
        let _ = writeln!(out, "  Числитель: {}", text(item, "numerator"));
        let _ = writeln!(out, "  Знаменатель: {}", text(item, "denominator"));
        let _ = writeln!(out, "  Период: {}", text(item, "period"));
        if let Some(targets) = item["targets"].as_array() {
            for target in targets {
                let _ = writeln!(
                    out,
                    "  Целевое значение: {} {} (срок {}, {}), {}",
                    target["kind"].as_str().unwrap_or_default(),
                    target["value"],
                    target["deadline"].as_str().unwrap_or("не указан"),
                    target["period"].as_str().unwrap_or_default(),
                    target["act"].as_str().unwrap_or_default()
                );
            }
        }
        out.push('\n');
    }
    out
}
