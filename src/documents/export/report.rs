//! The reports officials send on after a period: the execution of a plan (the act's own «отчёт
//! об исполнении плана / информационно-аналитическая справка») and the region's yearly
//! monitoring report, each as XLSX or DOCX.
//!
//! Both are laid out from the projections' reports (`projections::execution_report`,
//! `projections::monitoring_report`), which compute nothing but from the plan view and the
//! catalogue; this module only writes them, through one small model of sheets (a title block and
//! tables) that goes to a workbook (a sheet each, `rust_xlsxwriter`) or to a Word document (a
//! section each, `export::docx`), so the two formats cannot disagree.

use std::borrow::Cow;

use projections::execution_report::{ExecutionReport, ExecutionReportStatus};
use projections::monitoring_report::{FollowUpItem, MonitoringReport};
use projections::Figure;
use proto_events::vocabulary::{IndicatorCode, IndicatorMeasure, Scope};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use crate::documents::export::docx::{DocxWriter, TableRow};
use crate::documents::export::figures::{met_label, target_text, targets_text};
use crate::documents::export::plan::column_number;
use crate::documents::export::{
    cell_format, header_format, DocumentFormat, ExportError, CELL_CHARS_MAX,
};
use crate::documents::labels::{
    decision_form_label, level_label, plan_change_label, plan_status_label,
};
use crate::web::format::{figure_value, term_meaning};

/// Header of the execution report's table of activities.
pub const EXECUTION_HEADERS: [&str; 9] = [
    "№ п/п",
    "Наименование мероприятия",
    "Срок исполнения (как в акте)",
    "Срок (как понят)",
    "Ответственный исполнитель",
    "Статус на конец периода",
    "Отметка об исполнении (подтверждение)",
    "Дата отметки",
    "Отмена: акт и причина",
];
/// Header of the summary table of both reports' status counts.
pub const SUMMARY_HEADERS: [&str; 2] = ["Статус", "Количество мероприятий"];
/// Name of the execution report's sheet.
pub const EXECUTION_SHEET: &str = "Отчёт";
/// Name of the sheet of the plan's own changes.
pub const PLAN_CHANGES_SHEET: &str = "Изменения плана";
/// Header of the table of the plan's own changes.
pub const PLAN_CHANGE_HEADERS: [&str; 4] =
    ["Изменение", "Дата вступления в силу", "Акт", "Содержание"];

/// Header of the monitoring report's table of figures.
pub const MONITORING_HEADERS: [&str; 8] = [
    "Код",
    "Показатель",
    "Территория",
    "Значение на конец прошлого года",
    "Значение на конец года",
    "Изменение",
    "Целевые значения (акт)",
    "Выполнение",
];
/// Name of the monitoring report's sheet of figures.
pub const MONITORING_SHEET: &str = "Показатели";
/// Name of the sheet of municipalities below target.
pub const BELOW_TARGET_SHEET: &str = "Ниже целевых значений";
/// Header of the table of municipalities below target.
pub const BELOW_TARGET_HEADERS: [&str; 7] = [
    "Код",
    "Показатель",
    "Муниципалитет",
    "Значение",
    "Целевое значение (акт)",
    "Статус",
    "Рекомендации и решения по итогам года",
];
/// Name of the sheet of the year's recommendations and decisions.
pub const DECISIONS_SHEET: &str = "Рекомендации и решения";
/// Header of the table of recommendations and decisions.
pub const DECISION_HEADERS: [&str; 7] =
    ["Вид", "Идентификатор", "Дата", "Акт", "Показатели", "Муниципалитеты", "Содержание"];
/// Name of the sheet of what last year's recommendations and decisions addressed.
pub const FOLLOW_UP_SHEET: &str = "Итоги прошлогодних решений";
/// Header of the table of what last year's recommendations and decisions addressed.
pub const FOLLOW_UP_HEADERS: [&str; 7] = [
    "Рекомендация или решение",
    "Код",
    "Территория",
    "Значение на конец года решения",
    "Значение на конец следующего года",
    "Изменение",
    "Динамика",
];

/// The execution report, known at seq `known_at_seq`, as a document in `format` (XLSX or DOCX).
pub fn execution_document(
    report: &ExecutionReport,
    known_at_seq: u64,
    format: DocumentFormat,
) -> Result<Vec<u8>, ExportError> {
    write(&execution_sheets(report, known_at_seq), format)
}

/// The yearly monitoring report, known at seq `known_at_seq`, as a document in `format`.
pub fn monitoring_document(
    report: &MonitoringReport,
    known_at_seq: u64,
    format: DocumentFormat,
) -> Result<Vec<u8>, ExportError> {
    write(&monitoring_sheets(report, known_at_seq), format)
}

// ---------------------------------------------------------------------------------------------
// The model both formats are written from.

/// A sheet of the workbook, a section of the Word document.
struct Sheet {
    name: String,
    /// The title block: the first line is the heading.
    lines: Vec<String>,
    tables: Vec<Table>,
}

struct Table {
    caption: Option<String>,
    headers: Vec<&'static str>,
    widths: Vec<f64>,
    rows: Vec<Row>,
}

enum Row {
    /// One cell across the table (a section of a plan).
    Spanning(String),
    Cells(Vec<String>),
}

fn write(sheets: &[Sheet], format: DocumentFormat) -> Result<Vec<u8>, ExportError> {
    match format {
        DocumentFormat::Docx => docx(sheets),
        // CSV holds one table only; the reports are several, so they go to a workbook.
        DocumentFormat::Xlsx | DocumentFormat::Csv => xlsx(sheets),
    }
}

fn xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let title_format = Format::new().set_bold().set_font_size(14).set_text_wrap();
    let block_format = Format::new().set_text_wrap();
    let caption_format = Format::new().set_bold();
    let header_format = header_format();
    let section_format = Format::new().set_bold().set_text_wrap().set_border(FormatBorder::Thin);
    let cell_format = cell_format();
    for sheet_model in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&sheet_model.name)?;
        let columns = sheet_model.tables.iter().map(|t| t.headers.len()).max().unwrap_or(1);
        let last = column_number(columns.saturating_sub(1));
        let mut widths = vec![12.0_f64; columns];
        for table in &sheet_model.tables {
            for (slot, width) in widths.iter_mut().zip(&table.widths) {
                *slot = slot.max(*width);
            }
        }
        for (column, width) in widths.into_iter().enumerate() {
            sheet.set_column_width(column_number(column), width)?;
        }
        let mut row: u32 = 0;
        for (index, line) in sheet_model.lines.iter().enumerate() {
            let format = if index == 0 { &title_format } else { &block_format };
            if last == 0 {
                sheet.write_string_with_format(
                    row,
                    0,
                    checked(&sheet_model.name, row, "", line)?,
                    format,
                )?;
            } else {
                sheet.merge_range(
                    row,
                    0,
                    row,
                    last,
                    checked(&sheet_model.name, row, "", line)?,
                    format,
                )?;
            }
            row = row.saturating_add(1);
        }
        for table in &sheet_model.tables {
            row = row.saturating_add(1);
            if let Some(caption) = &table.caption {
                sheet.write_string_with_format(row, 0, caption, &caption_format)?;
                row = row.saturating_add(1);
            }
            for (column, header) in table.headers.iter().enumerate() {
                sheet.write_string_with_format(
                    row,
                    column_number(column),
                    *header,
                    &header_format,
                )?;
            }
            row = row.saturating_add(1);
            let table_last = column_number(table.headers.len().saturating_sub(1));
            for table_row in &table.rows {
                match table_row {
                    Row::Spanning(text) => {
                        let text = checked(&sheet_model.name, row, "", text)?;
                        if table_last == 0 {
                            sheet.write_string_with_format(row, 0, text, &section_format)?;
                        } else {
                            sheet.merge_range(row, 0, row, table_last, text, &section_format)?;
                        }
                    }
                    Row::Cells(cells) => {
                        for (column, text) in cells.iter().enumerate() {
                            let header = table.headers.get(column).copied().unwrap_or("");
                            let text = checked(&sheet_model.name, row, header, text)?;
                            sheet.write_string_with_format(
                                row,
                                column_number(column),
                                text,
                                &cell_format,
                            )?;
                        }
                    }
                }
                row = row.saturating_add(1);
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// A cell's text, refused when Excel would cut it: a report that silently lost text would not
/// say what the ledger says.
fn checked<'a>(sheet: &str, row: u32, column: &str, text: &'a str) -> Result<&'a str, ExportError> {
    let chars = text.chars().count();
    if chars > CELL_CHARS_MAX {
        return Err(ExportError::CellTooLong {
            sheet: sheet.to_string(),
            row: row.saturating_add(1),
            column: column.to_string(),
            chars,
        });
    }
    Ok(text)
}

fn docx(sheets: &[Sheet]) -> Result<Vec<u8>, ExportError> {
    let mut document = DocxWriter::default();
    for sheet in sheets {
        let mut lines = sheet.lines.iter();
        match lines.next() {
            Some(first) => document.heading(first),
            None => document.heading(&sheet.name),
        }
        for line in lines {
            document.paragraph(line);
        }
        for table in &sheet.tables {
            if let Some(caption) = &table.caption {
                document.paragraph(caption);
            }
            let rows: Vec<TableRow<'_>> = table
                .rows
                .iter()
                .map(|row| match row {
                    Row::Spanning(text) => TableRow::Spanning(text.clone()),
                    Row::Cells(cells) => TableRow::Cells(
                        cells.iter().map(|cell| Cow::Borrowed(cell.as_str())).collect(),
                    ),
                })
                .collect();
            document.table(&table.headers, &rows);
        }
    }
    document.finish()
}

// ---------------------------------------------------------------------------------------------
// The execution report.

fn execution_sheets(report: &ExecutionReport, known_at_seq: u64) -> Vec<Sheet> {
    let mut lines = vec![
        "Отчёт об исполнении плана мероприятий".to_string(),
        "(информационно-аналитическая справка)".to_string(),
        format!("План: {} ({}, {})", report.title, report.plan, level_label(&report.level)),
        format!("Утверждён: {}", report.basis.as_deref().unwrap_or("акт не указан")),
        format!(
            "Отчётный период: с {} по {}; статусы — на {}; по данным журнала до события №{known_at_seq}",
            report.from.to_russian(),
            report.to.to_russian(),
            report.to.to_russian()
        ),
        format!("Состояние плана: {}", plan_status_label(report.plan_status)),
    ];
    if report.agreed {
        lines.push("Согласован с регионом".to_string());
    }
    let total: u32 = report.summary.iter().map(|(_, count)| *count).fold(0, u32::saturating_add);
    let mut summary: Vec<Row> = report
        .summary
        .iter()
        .map(|(status, count)| Row::Cells(vec![status.label_ru().to_string(), count.to_string()]))
        .collect();
    summary.push(Row::Cells(vec!["всего".to_string(), total.to_string()]));
    let mut rows = Vec::new();
    let mut section: Option<&str> = None;
    for row in &report.rows {
        if section != Some(row.section.as_str()) {
            rows.push(Row::Spanning(row.section.clone()));
            section = Some(row.section.as_str());
        }
        rows.push(Row::Cells(vec![
            row.number.clone(),
            row.title.clone(),
            row.term.text.clone(),
            understood(row),
            row.responsible.clone(),
            row.status.label_ru().to_string(),
            row.evidence.clone().unwrap_or_default(),
            row.executed_on.map(|day| day.to_russian()).unwrap_or_default(),
            cancellation(row),
        ]));
    }
    let mut sheets = vec![Sheet {
        name: EXECUTION_SHEET.to_string(),
        lines,
        tables: vec![
            Table {
                caption: Some("Сводка по статусам".to_string()),
                headers: SUMMARY_HEADERS.to_vec(),
                widths: vec![8.0, 30.0],
                rows: summary,
            },
            Table {
                caption: Some("Мероприятия".to_string()),
                headers: EXECUTION_HEADERS.to_vec(),
                widths: vec![8.0, 50.0, 20.0, 22.0, 30.0, 18.0, 40.0, 12.0, 30.0],
                rows,
            },
        ],
    }];
    if !report.plan_changes.is_empty() {
        let rows = report
            .plan_changes
            .iter()
            .map(|change| {
                Row::Cells(vec![
                    plan_change_label(change.kind).to_string(),
                    change.effective.map(|day| day.to_russian()).unwrap_or_default(),
                    change.act.clone().unwrap_or_default(),
                    change.summary.clone(),
                ])
            })
            .collect();
        sheets.push(Sheet {
            name: PLAN_CHANGES_SHEET.to_string(),
            lines: vec![format!(
                "Изменения плана «{}», действующие на {}",
                report.title,
                report.to.to_russian()
            )],
            tables: vec![Table {
                caption: None,
                headers: PLAN_CHANGE_HEADERS.to_vec(),
                widths: vec![24.0, 14.0, 40.0, 60.0],
                rows,
            }],
        });
    }
    sheets
}

/// The term as understood, and each deadline's fate for a term of several dates.
fn understood(row: &projections::execution_report::ExecutionRow) -> String {
    let meaning = term_meaning(&row.term.meaning);
    if row.deadlines.is_empty() {
        return meaning;
    }
    let deadlines: Vec<String> = row
        .deadlines
        .iter()
        .map(|deadline| {
            let status = match deadline.status {
                projections::plan::DeadlineStatus::Done => "выполнено",
                projections::plan::DeadlineStatus::Missed => "пропущен",
                projections::plan::DeadlineStatus::NotDue => "не наступил",
            };
            format!("{}: {status}", deadline.due.to_russian())
        })
        .collect();
    format!("{meaning} ({})", deadlines.join("; "))
}

fn cancellation(row: &projections::execution_report::ExecutionRow) -> String {
    if row.status != ExecutionReportStatus::Cancelled {
        return String::new();
    }
    let act = row.cancelled_by.as_deref().unwrap_or("акт не указан");
    match &row.cancellation_reason {
        Some(reason) => format!("{act}: {reason}"),
        None => act.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The monitoring report.

fn monitoring_sheets(report: &MonitoringReport, known_at_seq: u64) -> Vec<Sheet> {
    let heading = format!("Результаты мониторинга региональной системы за {} год", report.year);
    let about = format!(
        "Показатели на {} в сравнении с {}; по данным журнала до события №{known_at_seq}",
        report.date.to_russian(),
        report.previous_date.to_russian()
    );
    let rows = figure_rows(report);
    let below = below_target_rows(report);
    let decisions = decision_rows(report);
    let follow_up = follow_up_rows(report);
    vec![
        Sheet {
            name: MONITORING_SHEET.to_string(),
            lines: vec![heading, about],
            tables: vec![Table {
                caption: None,
                headers: MONITORING_HEADERS.to_vec(),
                widths: vec![20.0, 50.0, 26.0, 14.0, 14.0, 12.0, 50.0, 16.0],
                rows,
            }],
        },
        Sheet {
            name: BELOW_TARGET_SHEET.to_string(),
            lines: vec![format!(
                "Муниципалитеты ниже целевых значений на {} (основание для адресных рекомендаций)",
                report.date.to_russian()
            )],
            tables: vec![Table {
                caption: None,
                headers: BELOW_TARGET_HEADERS.to_vec(),
                widths: vec![20.0, 50.0, 26.0, 14.0, 40.0, 18.0, 30.0],
                rows: below,
            }],
        },
        Sheet {
            name: DECISIONS_SHEET.to_string(),
            lines: vec![format!("Рекомендации и управленческие решения по итогам {} года", report.year)],
            tables: vec![Table {
                caption: None,
                headers: DECISION_HEADERS.to_vec(),
                widths: vec![16.0, 16.0, 12.0, 36.0, 26.0, 20.0, 60.0],
                rows: decisions,
            }],
        },
        Sheet {
            name: FOLLOW_UP_SHEET.to_string(),
            lines: vec![format!(
                "Изменение показателей, по которым приняты рекомендации и решения по итогам {} года",
                report.year.saturating_sub(1)
            )],
            tables: vec![Table {
                caption: None,
                headers: FOLLOW_UP_HEADERS.to_vec(),
                widths: vec![50.0, 20.0, 26.0, 16.0, 16.0, 12.0, 18.0],
                rows: follow_up,
            }],
        },
    ]
}

fn figure_rows(report: &MonitoringReport) -> Vec<Row> {
    report
        .rows
        .iter()
        .map(|row| {
            Row::Cells(vec![
                row.now.code.as_str().to_string(),
                row.now.code.title_ru().to_string(),
                row.scope.name.clone(),
                value(&row.before),
                value(&row.now),
                change_text(row.now.code, row.change_bp),
                targets_text(&row.now),
                met_label(&row.now).to_string(),
            ])
        })
        .collect()
}

fn below_target_rows(report: &MonitoringReport) -> Vec<Row> {
    report
        .below_target
        .iter()
        .map(|below| {
            let targets: Vec<String> = below
                .short_of
                .iter()
                .map(|target| format!("{} ({})", target_text(target.value), target.act))
                .collect();
            let statuses: Vec<&str> = below
                .short_of
                .iter()
                .filter_map(|target| target.status.map(|status| status.label_ru()))
                .collect();
            Row::Cells(vec![
                below.code.as_str().to_string(),
                below.code.title_ru().to_string(),
                below.municipality.name.clone(),
                value(&below.figure),
                targets.join("; "),
                statuses.join("; "),
                addressed_by(report, below.code, &below.municipality.scope),
            ])
        })
        .collect()
}

fn decision_rows(report: &MonitoringReport) -> Vec<Row> {
    report
        .decisions
        .iter()
        .map(|decision| {
            Row::Cells(vec![
                decision_form_label(decision.form).to_string(),
                decision.id.to_string(),
                decision.on.to_russian(),
                decision.act.clone().unwrap_or_default(),
                join(decision.indicators.iter().map(|code| code.as_str().to_string())),
                municipalities_text(&decision.municipalities),
                decision.text.clone(),
            ])
        })
        .collect()
}

fn follow_up_rows(report: &MonitoringReport) -> Vec<Row> {
    let mut rows = Vec::new();
    for entry in &report.follow_up {
        let name = format!(
            "{} {} от {}: {}",
            decision_form_label(entry.decision.form),
            entry.decision.id,
            entry.decision.on.to_russian(),
            entry.decision.text
        );
        for item in &entry.items {
            rows.push(follow_up_row(&name, item));
        }
    }
    rows
}

fn value(figure: &Figure) -> String {
    figure_value(figure.code, figure.numerator, figure.denominator)
}

/// A change in the indicator's own unit: percentage points for a share, else the count or ratio.
fn change_text(code: IndicatorCode, change_bp: Option<i64>) -> String {
    let Some(change) = change_bp else { return "—".to_string() };
    let (scale, unit) = match code.measure() {
        IndicatorMeasure::Share => (100, " п.п."),
        IndicatorMeasure::Count | IndicatorMeasure::Ratio => (10_000, ""),
    };
    let sign = match change.signum() {
        1 => "+",
        -1 => "−",
        _ => "",
    };
    let magnitude = change.unsigned_abs();
    let whole = magnitude / scale;
    let hundredths = (magnitude % scale).saturating_mul(100) / scale;
    if hundredths == 0 {
        format!("{sign}{whole}{unit}")
    } else {
        format!("{sign}{whole},{}{unit}", format!("{hundredths:02}").trim_end_matches('0'))
    }
}

fn follow_up_row(name: &str, item: &FollowUpItem) -> Row {
    let fraction = |pair: Option<(u64, u64)>| match pair {
        Some((numerator, denominator)) => figure_value(item.code, numerator, denominator),
        None => "—".to_string(),
    };
    Row::Cells(vec![
        name.to_string(),
        item.code.as_str().to_string(),
        item.scope.name.clone(),
        fraction(item.before),
        fraction(item.now),
        change_text(item.code, item.change_bp),
        item.movement.label_ru().to_string(),
    ])
}

/// The ids of this year's recommendations and decisions that address `code` in `scope` (one
/// naming no municipality addresses every one).
fn addressed_by(report: &MonitoringReport, code: IndicatorCode, scope: &Scope) -> String {
    let ids: Vec<String> = report
        .decisions
        .iter()
        .filter(|decision| decision.indicators.contains(&code))
        .filter(|decision| match scope {
            Scope::Municipality(municipality) => {
                decision.municipalities.is_empty() || decision.municipalities.contains(municipality)
            }
            _ => decision.municipalities.is_empty(),
        })
        .map(|decision| decision.id.to_string())
        .collect();
    if ids.is_empty() {
        "—".to_string()
    } else {
        ids.join(", ")
    }
}

fn municipalities_text(codes: &[proto_events::vocabulary::MunicipalityCode]) -> String {
    if codes.is_empty() {
        "весь регион".to_string()
    } else {
        join(codes.iter().map(ToString::to_string))
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use proto_events::vocabulary::IndicatorCode;

    use crate::documents::export::report::change_text;

    #[test]
    fn a_change_reads_in_the_indicators_unit() {
        assert_eq!(change_text(IndicatorCode::Diagnosed, Some(250)), "+2,5 п.п.");
        assert_eq!(change_text(IndicatorCode::Diagnosed, Some(-1005)), "−10,05 п.п.");
        assert_eq!(change_text(IndicatorCode::Diagnosed, Some(0)), "0 п.п.");
        assert_eq!(change_text(IndicatorCode::RegionalEvents, Some(30_000)), "+3");
        assert_eq!(change_text(IndicatorCode::Diagnosed, None), "—");
    }
}
