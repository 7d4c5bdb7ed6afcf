//! The indicator catalogue for a scope as of (D, K) as XLSX or CSV, one row per indicator in
//! catalogue order: code, the indicator's Russian name, scope, date, the seq the knowledge point
//! resolved to, numerator, denominator, value, the targets in force (value, deadline, act), met
//! and the number of evidence events.
//!
//! Every number is taken from `query::json::figure_json`, the object `letopis figures --format
//! json` and `/api/v1/figures` print, so the documents and the JSON cannot disagree. CSV is
//! semicolon-separated UTF-8 with a byte-order mark, decimals with a point as in the JSON; the
//! XLSX has real number cells.

use std::borrow::Cow;

use projections::Figure;
use proto_events::vocabulary::{IndicatorMeasure, TargetValue};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::documents::export::docx::{DocxWriter, TableRow};
use crate::documents::export::plan::{column_number, write_count};
use crate::documents::export::{cell_format, header_format, DocumentFormat, ExportError};
use crate::query::json::{figure_json, hundredths};

/// Column headers, in order.
pub const FIGURE_HEADERS: [&str; 11] = [
    "Код",
    "Показатель",
    "Территория",
    "Дата",
    "Известно до события №",
    "Числитель",
    "Знаменатель",
    "Значение (доля — в %)",
    "Целевые значения",
    "Выполнение",
    "Событий-оснований",
];

/// The catalogue `figures`, known at seq `known_at_seq`, as a document in `format`.
pub fn figures_document(
    figures: &[Figure],
    known_at_seq: u64,
    format: DocumentFormat,
) -> Result<Vec<u8>, ExportError> {
    let rows: Vec<Row> = figures.iter().map(|figure| Row::of(figure, known_at_seq)).collect();
    match format {
        DocumentFormat::Xlsx => xlsx(&rows),
        DocumentFormat::Csv => csv(&rows),
        DocumentFormat::Docx => docx(&rows),
    }
}

/// One target as people read it: "≥ 9.5 %", "≤ 3", "положительная динамика".
pub fn target_text(value: TargetValue) -> String {
    match value {
        TargetValue::ShareAtLeastBp(bp) => format!("≥ {} %", hundredths(u64::from(bp), 100)),
        TargetValue::ShareAtMostBp(bp) => format!("≤ {} %", hundredths(u64::from(bp), 100)),
        TargetValue::CountAtLeast(count) => format!("≥ {count}"),
        TargetValue::CountAtMost(count) => format!("≤ {count}"),
        TargetValue::PositiveDynamics => "положительная динамика".to_string(),
    }
}

/// Every target in force with its deadline and act, "; "-separated; "—" when there is none.
pub fn targets_text(figure: &Figure) -> String {
    let targets: Vec<String> = figure
        .targets
        .iter()
        .map(|target| {
            let deadline =
                target.deadline.map(|day| format!(" к {}", day.to_russian())).unwrap_or_default();
            format!("{}{deadline} ({})", target_text(target.value), target.act)
        })
        .collect();
    if targets.is_empty() {
        "—".to_string()
    } else {
        targets.join("; ")
    }
}

/// Where the figure stands against its targets: «достигнут», «не достигнут», «срок не наступил»
/// (a target not met so far with time left), or "—" when no target applies or none can be
/// evaluated.
pub fn met_label(figure: &projections::Figure) -> &'static str {
    use projections::monitoring::TargetStatus;
    match figure.met {
        Some(true) => TargetStatus::Met.label_ru(),
        Some(false) => TargetStatus::NotMet.label_ru(),
        None if figure.targets.iter().any(|target| target.status == Some(TargetStatus::NotDue)) => {
            TargetStatus::NotDue.label_ru()
        }
        None => "—",
    }
}

/// One row, every number taken from the figure's JSON object.
struct Row {
    code: String,
    title: &'static str,
    scope: String,
    date: String,
    known_at_seq: u64,
    numerator: Option<u64>,
    denominator: Option<u64>,
    value: Value,
    is_share: bool,
    targets: String,
    met: &'static str,
    evidence_count: Option<u64>,
}

impl Row {
    fn of(figure: &Figure, known_at_seq: u64) -> Row {
        let object = figure_json(figure, known_at_seq);
        let text = |key: &str| object.get(key).and_then(Value::as_str).unwrap_or("").to_string();
        let number = |key: &str| object.get(key).and_then(Value::as_u64);
        Row {
            code: text("code"),
            title: figure.code.title_ru(),
            scope: text("scope"),
            date: text("date"),
            known_at_seq,
            numerator: number("numerator"),
            denominator: number("denominator"),
            value: object.get("value").cloned().unwrap_or(Value::Null),
            is_share: figure.code.measure() == IndicatorMeasure::Share,
            targets: targets_text(figure),
            met: met_label(figure),
            evidence_count: number("evidence_count"),
        }
    }

    /// The value as written in CSV: the JSON number, empty when there is none.
    fn value_text(&self) -> String {
        match &self.value {
            Value::Number(number) => number.to_string(),
            _ => String::new(),
        }
    }
}

fn csv(rows: &[Row]) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::from(*b"\xEF\xBB\xBF");
    {
        let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut out);
        let csv_error = |error: csv::Error| ExportError::Csv(error.to_string());
        writer.write_record(FIGURE_HEADERS).map_err(csv_error)?;
        let count = |value: Option<u64>| value.map(|v| v.to_string()).unwrap_or_default();
        for row in rows {
            writer
                .write_record([
                    row.code.clone(),
                    row.title.to_string(),
                    row.scope.clone(),
                    row.date.clone(),
                    row.known_at_seq.to_string(),
                    count(row.numerator),
                    count(row.denominator),
                    row.value_text(),
                    row.targets.clone(),
                    row.met.to_string(),
                    count(row.evidence_count),
                ])
                .map_err(csv_error)?;
        }
        writer.flush().map_err(|error| ExportError::Csv(error.to_string()))?;
    }
    Ok(out)
}

/// The catalogue as a Word table, numbers written as the CSV writes them.
fn docx(rows: &[Row]) -> Result<Vec<u8>, ExportError> {
    let count = |value: Option<u64>| value.map(|v| v.to_string()).unwrap_or_default();
    let table: Vec<TableRow<'_>> = rows
        .iter()
        .map(|row| {
            let value = row.value_text();
            TableRow::Cells(vec![
                Cow::Borrowed(row.code.as_str()),
                Cow::Borrowed(row.title),
                Cow::Borrowed(row.scope.as_str()),
                Cow::Borrowed(row.date.as_str()),
                Cow::Owned(row.known_at_seq.to_string()),
                Cow::Owned(count(row.numerator)),
                Cow::Owned(count(row.denominator)),
                Cow::Owned(if value.is_empty() { "—".to_string() } else { value }),
                Cow::Borrowed(row.targets.as_str()),
                Cow::Borrowed(row.met),
                Cow::Owned(count(row.evidence_count)),
            ])
        })
        .collect();
    let mut document = DocxWriter::default();
    document.heading("Показатели мониторинга");
    document.table(&FIGURE_HEADERS, &table);
    document.finish()
}

fn xlsx(rows: &[Row]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let header_format = header_format();
    let cell_format = cell_format();
    let share_format = cell_format.clone().set_num_format("0.00");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Показатели")?;
    let widths = [22.0, 60.0, 22.0, 12.0, 12.0, 12.0, 12.0, 14.0, 50.0, 12.0, 12.0];
    for (column, width) in widths.into_iter().enumerate() {
        sheet.set_column_width(column_number(column), width)?;
    }
    for (column, header) in FIGURE_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, column_number(column), *header, &header_format)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut row_number: u32 = 1;
    for row in rows {
        sheet.write_string_with_format(row_number, 0, &row.code, &cell_format)?;
        sheet.write_string_with_format(row_number, 1, row.title, &cell_format)?;
        sheet.write_string_with_format(row_number, 2, &row.scope, &cell_format)?;
        sheet.write_string_with_format(row_number, 3, &row.date, &cell_format)?;
        write_count(sheet, row_number, 4, Some(row.known_at_seq), &cell_format)?;
        write_count(sheet, row_number, 5, row.numerator, &cell_format)?;
        write_count(sheet, row_number, 6, row.denominator, &cell_format)?;
        match row.value.as_f64() {
            Some(value) => {
                let format = if row.is_share { &share_format } else { &cell_format };
                sheet.write_number_with_format(row_number, 7, value, format)?;
            }
            None => {
                sheet.write_string_with_format(row_number, 7, "—", &cell_format)?;
            }
        }
        sheet.write_string_with_format(row_number, 8, &row.targets, &cell_format)?;
        sheet.write_string_with_format(row_number, 9, row.met, &cell_format)?;
        write_count(sheet, row_number, 10, row.evidence_count, &cell_format)?;
        row_number = row_number.saturating_add(1);
    }
    Ok(workbook.save_to_buffer()?)
}
