//! A plan of activities as of (D, K) as an XLSX workbook laid out like the acts: a title block
//! (title, level and period, approving act, date and knowledge point), the header row with the
//! acts' column names, a spanning row per section ("Направление 1. …"), one row per activity
//! with its wording in force at D and its status at D; and a second sheet "Изменения" listing
//! every known amendment and cancellation with its act, effective date, event id and seq.
//!
//! The header cells are the importer's own column names, and the status column is one the
//! importer recognises and skips (status is kept by events, not by documents), so the workbook
//! imports back into the same plan.

use std::borrow::Cow;

use proto_events::vocabulary::PlanId;
use proto_events::{Date, EventId};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet};

use projections::plan::{ActivityView, PlanView, Plans};

use crate::documents::export::docx::{DocxWriter, TableRow};
use crate::documents::export::{cell_format, header_format, ExportError, CELL_CHARS_MAX};
use crate::documents::labels::{field_label, level_label, status_label};

/// Header of the plan sheet, in the acts' column order.
pub const PLAN_HEADERS: [&str; 8] = [
    "№ п/п",
    "Наименование мероприятия",
    "Срок исполнения",
    "Ответственный исполнитель",
    "Соисполнители",
    "Ключевой (ожидаемый) результат",
    "Документ, фиксирующий результат",
    "Статус на дату",
];

/// Header of the amendments sheet.
pub const AMENDMENT_HEADERS: [&str; 9] = [
    "№ мероприятия",
    "Наименование мероприятия",
    "Что изменено",
    "Причина",
    "Основание (акт)",
    "Дата вступления в силу",
    "Действует на дату",
    "Событие журнала (id)",
    "№ события",
];

/// Name of the amendments sheet.
pub const AMENDMENTS_SHEET: &str = "Изменения";
/// Name of the plan sheet.
pub const PLAN_SHEET: &str = "План";

/// Picks the plan to export: the one with id `wanted`, or the only plan when `wanted` is None.
pub fn choose<'a>(
    plans: &'a [PlanView],
    wanted: Option<&str>,
) -> Result<&'a PlanView, ExportError> {
    let available = || plans.iter().map(|plan| plan.id.to_string()).collect::<Vec<_>>();
    match wanted.map(str::trim) {
        Some(wanted) => plans.iter().find(|plan| plan.id.as_str() == wanted).ok_or_else(|| {
            ExportError::PlanNotFound { wanted: wanted.to_string(), available: available() }
        }),
        None => match plans {
            [only] => Ok(only),
            _ => Err(ExportError::PlanNotChosen { available: available() }),
        },
    }
}

/// The workbook of `plan` as of valid date `date`, known at seq `known_at_seq`. `plans` is the
/// plan sub-state the view was built from; it gives the seq of each amendment's event.
pub fn plan_xlsx(
    plan: &PlanView,
    plans: &Plans,
    date: Date,
    known_at_seq: u64,
) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let title_format = Format::new().set_bold().set_font_size(14).set_text_wrap();
    let block_format = Format::new().set_text_wrap();
    let header_format = header_format();
    let section_format = Format::new().set_bold().set_text_wrap().set_border(FormatBorder::Thin);
    let cell_format = cell_format();

    let sheet = workbook.add_worksheet();
    sheet.set_name(PLAN_SHEET)?;
    let plan_last = last_column(PLAN_HEADERS.len());
    for (column, width) in [6.0, 50.0, 18.0, 30.0, 30.0, 40.0, 30.0, 16.0].into_iter().enumerate() {
        sheet.set_column_width(column_number(column), width)?;
    }
    let mut row: u32 = 0;
    sheet.merge_range(row, 0, row, plan_last, &plan.title, &title_format)?;
    sheet.set_row_height(row, 36)?;
    row += 1;
    let period = format!("{}–{}", plan.period.from_year, plan.period.to_year);
    let about = format!(
        "Уровень: {}; период: {period}; владелец: {}",
        level_label(&plan.level),
        plan.owner
    );
    sheet.merge_range(row, 0, row, plan_last, &about, &block_format)?;
    row += 1;
    let basis = format!("Основание: {}", plan.basis.as_deref().unwrap_or("не указано"));
    sheet.merge_range(row, 0, row, plan_last, &basis, &block_format)?;
    row += 1;
    let state = format!(
        "Состояние на {} по данным журнала до события №{known_at_seq}; идентификатор плана {}",
        date.to_russian(),
        plan.id
    );
    sheet.merge_range(row, 0, row, plan_last, &state, &block_format)?;
    row += 2;
    for (column, header) in PLAN_HEADERS.iter().enumerate() {
        sheet.write_string_with_format(row, column_number(column), *header, &header_format)?;
    }
    sheet.set_freeze_panes(row + 1, 0)?;
    row += 1;
    for section in &plan.sections {
        if let Some(text) = section_row_text(section.number.as_deref(), &section.title) {
            sheet.merge_range(row, 0, row, plan_last, &text, &section_format)?;
            row += 1;
        }
        for activity in &section.activities {
            write_activity(sheet, row, activity, &cell_format)?;
            row += 1;
        }
    }

    let changes = workbook.add_worksheet();
    changes.set_name(AMENDMENTS_SHEET)?;
    for (column, width) in
        [10.0, 40.0, 60.0, 30.0, 30.0, 14.0, 12.0, 38.0, 10.0].into_iter().enumerate()
    {
        changes.set_column_width(column_number(column), width)?;
    }
    let last = last_column(AMENDMENT_HEADERS.len());
    let heading = format!(
        "Изменения плана «{}», известные на {} (до события №{known_at_seq})",
        plan.title,
        date.to_russian()
    );
    changes.merge_range(0, 0, 0, last, &heading, &title_format)?;
    for (column, header) in AMENDMENT_HEADERS.iter().enumerate() {
        changes.write_string_with_format(2, column_number(column), *header, &header_format)?;
    }
    changes.set_freeze_panes(3, 0)?;
    for (row, line) in (3u32..).zip(amendment_lines(plan, plans)) {
        let cells = [
            line.number,
            line.title,
            line.what,
            line.reason,
            line.basis,
            line.effective,
            line.in_force.to_string(),
            line.event.to_string(),
        ];
        for (column, text) in cells.iter().enumerate() {
            let header = AMENDMENT_HEADERS.get(column).copied().unwrap_or("");
            fits(AMENDMENTS_SHEET, row, header, text)?;
            changes.write_string_with_format(row, column_number(column), text, &cell_format)?;
        }
        write_count(changes, row, 8, line.seq, &cell_format)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The plan as a Word document laid out like the acts: the title, the approving act and the
/// state's date as the heading (the importer takes the act from it), one table with the acts'
/// columns (the header repeated on every page, sections as spanning rows), and the amendments
/// as an appendix table under «Лист изменений», which the importer knows is not the plan.
pub fn plan_docx(
    plan: &PlanView,
    plans: &Plans,
    date: Date,
    known_at_seq: u64,
) -> Result<Vec<u8>, ExportError> {
    let mut document = DocxWriter::default();
    document.heading(&plan.title);
    document.paragraph(&format!("Утверждён: {}", plan.basis.as_deref().unwrap_or("не указано")));
    let period = format!("{}–{}", plan.period.from_year, plan.period.to_year);
    document.paragraph(&format!(
        "Уровень: {}; период: {period}; владелец: {}",
        level_label(&plan.level),
        plan.owner
    ));
    document.paragraph(&format!(
        "Состояние на {} по данным журнала до события №{known_at_seq}; идентификатор плана {}",
        date.to_russian(),
        plan.id
    ));
    let mut rows = Vec::new();
    for section in &plan.sections {
        if let Some(text) = section_row_text(section.number.as_deref(), &section.title) {
            rows.push(TableRow::Spanning(text));
        }
        for activity in &section.activities {
            rows.push(TableRow::Cells(activity_cells(activity).to_vec()));
        }
    }
    document.table(&PLAN_HEADERS, &rows);
    let lines = amendment_lines(plan, plans);
    if !lines.is_empty() {
        document.heading(&format!(
            "Лист изменений плана «{}», известных на {} (до события №{known_at_seq})",
            plan.title,
            date.to_russian()
        ));
        let rows: Vec<TableRow<'_>> = lines
            .into_iter()
            .map(|line| {
                TableRow::Cells(
                    [
                        line.number,
                        line.title,
                        line.what,
                        line.reason,
                        line.basis,
                        line.effective,
                        line.in_force.to_string(),
                        line.event.to_string(),
                        line.seq.map(|seq| seq.to_string()).unwrap_or_default(),
                    ]
                    .map(Cow::Owned)
                    .to_vec(),
                )
            })
            .collect();
        document.table(&AMENDMENT_HEADERS, &rows);
    }
    document.finish()
}

/// A safe file name for the plan's workbook: `plan-….xlsx`.
pub fn file_name(plan: &PlanId) -> String {
    format!("{plan}.xlsx")
}

/// The spanning row of a section, as the acts write directions; None for the untitled,
/// unnumbered part that holds activities listed before any heading.
fn section_row_text(number: Option<&str>, title: &str) -> Option<String> {
    match (number.map(str::trim).filter(|n| !n.is_empty()), title.trim()) {
        (Some(number), "") => Some(format!("Направление {number}")),
        (Some(number), title) => Some(format!("Направление {number}. {title}")),
        (None, "") => None,
        (None, title) => Some(title.to_string()),
    }
}

/// Refuses a text an Excel cell cannot hold, naming the sheet, row (1-based) and column.
fn fits(sheet: &str, row: u32, column: &str, text: &str) -> Result<(), ExportError> {
    // Characters are at most bytes: only a long text needs counting.
    if text.len() <= CELL_CHARS_MAX {
        return Ok(());
    }
    let chars = text.chars().count();
    if chars <= CELL_CHARS_MAX {
        return Ok(());
    }
    Err(ExportError::CellTooLong {
        sheet: sheet.to_string(),
        row: row.saturating_add(1),
        column: column.to_string(),
        chars,
    })
}

fn write_activity(
    sheet: &mut Worksheet,
    row: u32,
    activity: &ActivityView,
    format: &Format,
) -> Result<(), ExportError> {
    for (column, text) in activity_cells(activity).iter().enumerate() {
        fits(PLAN_SHEET, row, PLAN_HEADERS.get(column).copied().unwrap_or(""), text)?;
        sheet.write_string_with_format(row, column_number(column), text.as_ref(), format)?;
    }
    Ok(())
}

/// The texts of an activity's row of the plan sheet, in `PLAN_HEADERS` order (also what the
/// export benchmark's bare workbook writes).
pub fn activity_cells(activity: &ActivityView) -> [Cow<'_, str>; PLAN_HEADERS.len()] {
    [
        Cow::Borrowed(activity.number.as_str()),
        Cow::Borrowed(activity.title.as_str()),
        Cow::Borrowed(activity.term.text.as_str()),
        Cow::Borrowed(activity.responsible.as_str()),
        Cow::Owned(activity.co_executors.join("; ")),
        Cow::Borrowed(activity.key_result.as_str()),
        Cow::Borrowed(activity.fixing_documents.as_str()),
        Cow::Borrowed(status_label(activity.status)),
    ]
}

struct AmendmentLine {
    number: String,
    title: String,
    what: String,
    reason: String,
    basis: String,
    effective: String,
    in_force: &'static str,
    event: EventId,
    seq: Option<u64>,
}

/// Every amendment and cancellation of the plan's activities, in section and number order,
/// each activity's in effective order.
fn amendment_lines(plan: &PlanView, plans: &Plans) -> Vec<AmendmentLine> {
    let facts = plans.plans.get(&plan.id);
    let seq_of = |event: &EventId| facts.and_then(|f| f.facts.get(event)).map(|r| r.seq);
    let yes_no = |in_force: bool| if in_force { "да" } else { "нет" };
    let day = |effective: Option<Date>| effective.map_or_else(String::new, Date::to_russian);
    let mut lines = Vec::new();
    for activity in plan.sections.iter().flat_map(|section| section.activities.iter()) {
        for amendment in &activity.amendments {
            let what: Vec<String> = amendment
                .changes
                .iter()
                .map(|change| {
                    format!("{}: «{}» → «{}»", field_label(change.field), change.old, change.new)
                })
                .collect();
            lines.push(AmendmentLine {
                number: activity.number.clone(),
                title: activity.title.clone(),
                what: what.join("\n"),
                reason: amendment.reason.clone(),
                basis: amendment.basis.clone().unwrap_or_default(),
                effective: day(amendment.effective),
                in_force: yes_no(amendment.in_force),
                event: amendment.event,
                seq: seq_of(&amendment.event),
            });
        }
        if let Some(cancellation) = &activity.cancellation {
            lines.push(AmendmentLine {
                number: activity.number.clone(),
                title: activity.title.clone(),
                what: "мероприятие отменено".to_string(),
                reason: cancellation.reason.clone(),
                basis: cancellation.basis.clone().unwrap_or_default(),
                effective: day(cancellation.effective),
                in_force: yes_no(cancellation.in_force),
                event: cancellation.event,
                seq: seq_of(&cancellation.event),
            });
        }
    }
    lines
}

/// A count as a number cell (exact in f64 below 2^32; larger ones are written as text), or an
/// empty cell.
pub(crate) fn write_count(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    count: Option<u64>,
    format: &Format,
) -> Result<(), ExportError> {
    match count.map(u32::try_from) {
        Some(Ok(small)) => sheet.write_number_with_format(row, column, f64::from(small), format)?,
        Some(Err(_)) => {
            let text = count.map(|c| c.to_string()).unwrap_or_default();
            sheet.write_string_with_format(row, column, text, format)?
        }
        None => sheet.write_string_with_format(row, column, "", format)?,
    };
    Ok(())
}

/// Column index as the writer takes it (the sheets have fewer than ten columns).
pub(crate) fn column_number(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

fn last_column(count: usize) -> u16 {
    column_number(count.saturating_sub(1))
}

#[cfg(test)]
mod cell_tests {
    use super::*;

    #[test]
    fn a_text_longer_than_a_cell_is_refused_naming_sheet_row_and_column() {
        let cyrillic = "ж".repeat(CELL_CHARS_MAX); // twice as many bytes, still fits
        assert!(fits(PLAN_SHEET, 9, "Наименование мероприятия", &cyrillic).is_ok());
        let long = "ж".repeat(CELL_CHARS_MAX + 1);
        let error = fits(PLAN_SHEET, 9, "Наименование мероприятия", &long).unwrap_err();
        assert!(
            matches!(&error, ExportError::CellTooLong { sheet, row: 10, column, chars }
                if sheet == "План" && column == "Наименование мероприятия" && *chars == 32_768),
            "{error:?}"
        );
        assert!(error.to_string().contains("строка 10"), "{error}");
    }
}
