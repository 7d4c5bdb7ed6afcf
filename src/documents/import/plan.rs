//! The shared model of an imported plan (`ParsedPlan` and friends), the entry point `read_plan`
//! that sniffs the file kind, and the assembly step every genre ends with: a list of raw table
//! items (numbered rows, unnumbered rows, spanning headings) becomes sections and activities,
//! with a Russian warning for everything that could not be placed with confidence.

use thiserror::Error;

use crate::documents::import::cell_text;
use crate::documents::import::columns::Column;
use crate::documents::import::csv_table;
use crate::documents::import::docx_table;
use crate::documents::import::odt_table;
use crate::documents::import::page_breaks;
use crate::documents::import::text_table;
use crate::documents::import::xlsx_table;

/// Files larger than this are refused before any parsing: a plan is a few hundred kilobytes.
pub const FILE_BYTES_MAX: usize = 64 * 1024 * 1024;

/// A plan read from one file: its sections in document order, everything the reader was
/// unsure about, the rows it did not take as activities and the page-break tails it moved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedPlan {
    pub sections: Vec<ParsedSection>,
    pub warnings: Vec<ImportIssue>,
    /// Rows that are not activities (repeated headers, approval sheets, page numbers), in order.
    pub skipped: Vec<SkippedRow>,
    /// Tails of rows carried over a page break and moved back to the row they belong to.
    pub joined: Vec<JoinedRow>,
    /// The act the document's heading names, as `--basis` takes it («Приказ №54-од от
    /// 28.01.2021»), when the reader found one.
    pub basis: Option<String>,
}

/// A row the reader did not take as an activity, and why (Russian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    pub row: u32,
    pub text: String,
    pub reason: String,
}

/// Text moved from the top of row `row` to the end of row `into_row` (a row's tail that a page
/// break printed as the first paragraph of the next row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedRow {
    pub row: u32,
    pub into_row: u32,
    pub text: String,
}

/// A section (раздел, направление) of the plan. Activities listed before any section heading
/// land in a section with no number and an empty title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSection {
    pub number: Option<String>,
    pub title: String,
    pub activities: Vec<ParsedActivity>,
}

/// One row of the plan (мероприятие), with cell texts as written in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedActivity {
    /// As in the document, e.g. "5.7", "12"; empty when the row has no number (a warning says so).
    pub number: String,
    pub title: String,
    pub term_text: String,
    pub responsible: String,
    pub co_executors: Vec<String>,
    pub key_result: String,
    pub fixing_documents: String,
    /// The spanning sub-heading the row is listed under inside its section, e.g. a
    /// "системообразующее мероприятие" of seed 001; `None` when there is none.
    pub group: Option<String>,
    pub source: SourceRef,
}

/// Where an activity starts in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    pub file: String,
    /// Line in text dumps, row in CSV/XLSX; 1-based.
    pub row: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// Something an official should look at: text the reader could not place, a numbering gap,
/// a repaired word. `message` is Russian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportIssue {
    pub file: String,
    pub row: u32,
    pub column: Option<String>,
    pub text: String,
    pub message: String,
    pub severity: Severity,
}

/// Why a file could not be read as a plan at all.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("файл «{file}»: не найдена таблица мероприятий ({reason})")]
    NotATable { file: String, reason: String },
    #[error("файл «{file}»: в таблице нет обязательной графы «{column}»")]
    MissingColumn { column: String, file: String },
    #[error("файл «{file}»: ошибка чтения ({message})")]
    Io { file: String, message: String },
    #[error("файл «{file}»: не удалось определить кодировку текста ({message})")]
    Encoding { file: String, message: String },
    #[error("файл «{file}»: книга Excel повреждена или не читается ({message})")]
    Spreadsheet { file: String, message: String },
    #[error("файл «{file}»: документ Word или OpenDocument повреждён или не читается ({message})")]
    Document { file: String, message: String },
    #[error("файл «{file}»: размер {size_bytes} байт больше допустимого {limit_bytes}")]
    TooLarge { file: String, size_bytes: u64, limit_bytes: u64 },
}

/// Reads a plan from the bytes of one file. The kind is sniffed: a zip by its magic bytes (a
/// Word document when it holds `word/document.xml`, an OpenDocument text when it holds
/// `content.xml`, else a workbook), CSV/TSV by extension, anything else as a text dump of a Word
/// table.
pub fn read_plan(file_name: &str, bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    if bytes.len() > FILE_BYTES_MAX {
        return Err(ImportError::TooLarge {
            file: file_name.to_string(),
            size_bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            limit_bytes: u64::try_from(FILE_BYTES_MAX).unwrap_or(u64::MAX),
        });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::NotATable {
            file: file_name.to_string(),
            reason: "файл пуст".to_string(),
        });
    }
    let lower_name = file_name.to_lowercase();
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if lower_name.ends_with(".docx") || (is_zip && docx_table::is_docx(bytes)) {
        return docx_table::read(file_name, bytes);
    }
    if lower_name.ends_with(".odt") || (is_zip && odt_table::is_odt(bytes)) {
        return odt_table::read(file_name, bytes);
    }
    if is_zip || lower_name.ends_with(".xlsx") {
        return xlsx_table::read(file_name, bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ImportError::NotATable {
            file: file_name.to_string(),
            reason: "старый формат .xls/.doc не поддерживается, сохраните файл как .xlsx или .csv"
                .to_string(),
        });
    }
    if lower_name.ends_with(".csv") || lower_name.ends_with(".tsv") {
        return csv_table::read(file_name, bytes);
    }
    text_table::read(file_name, bytes)
}

/// The cells of one table row, mapped to columns; every genre fills these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawFields {
    pub title: String,
    pub term: String,
    pub responsible: String,
    pub co_executors: String,
    pub key_result: String,
    pub fixing_documents: String,
}

impl RawFields {
    pub(crate) fn get_mut(&mut self, column: Column) -> Option<&mut String> {
        match column {
            Column::Number | Column::Status => None,
            Column::Title => Some(&mut self.title),
            Column::Term => Some(&mut self.term),
            Column::Responsible => Some(&mut self.responsible),
            Column::CoExecutors => Some(&mut self.co_executors),
            Column::KeyResult => Some(&mut self.key_result),
            Column::FixingDocuments => Some(&mut self.fixing_documents),
        }
    }

    /// Appends text to a column, separated by a space (or glued after a line-end hyphen).
    pub(crate) fn append(&mut self, column: Column, text: &str) {
        if let Some(target) = self.get_mut(column) {
            cell_text::append_text(target, text);
        }
    }

    pub(crate) fn has_only_title(&self) -> bool {
        self.term.is_empty()
            && self.responsible.is_empty()
            && self.co_executors.is_empty()
            && self.key_result.is_empty()
            && self.fixing_documents.is_empty()
    }
}

/// One item of a table in document order, before sections are decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawItem {
    /// A row with a number in its first cell.
    Numbered { number: String, fields: RawFields, row: u32 },
    /// A row that has content in the main columns but no number.
    Unnumbered { fields: RawFields, row: u32 },
    /// A row spanning the table (a single non-empty cell).
    Heading { text: String, row: u32 },
}

/// Builds sections and activities from raw items, adding warnings to `warnings`.
pub(crate) fn build_plan(
    file: &str,
    mut items: Vec<RawItem>,
    mut warnings: Vec<ImportIssue>,
) -> ParsedPlan {
    let skipped = set_aside_suspects(file, &mut items, &mut warnings);
    let depth_max = items
        .iter()
        .filter_map(|item| match item {
            RawItem::Numbered { number, .. } => Some(number_components(number).len()),
            _ => None,
        })
        .max()
        .unwrap_or(0);

    let mut builder = PlanBuilder { file, sections: Vec::new(), group: None, last: Last::Nothing };
    let mut previous_number: Option<Vec<u32>> = None;
    for item in items {
        match item {
            RawItem::Heading { text, row } => builder.heading(&text, row, &mut warnings),
            RawItem::Numbered { number, fields, row } => {
                let components = number_components(&number);
                // A shorter number heads a section ("5" over "5.1", "5.2"), unless the row has
                // an activity's frame (a term and an executor): then it is an activity with
                // sub-items ("16" over "16.1"), as in our own exports of such plans.
                let has_activity_frame = !fields.term.is_empty()
                    && (!fields.responsible.is_empty() || !fields.co_executors.is_empty());
                if components.len() < depth_max && !has_activity_frame {
                    if !fields.has_only_title() {
                        warnings.push(issue(
                            file,
                            row,
                            None,
                            &fields_text(&fields),
                            "строка с номером раздела содержит текст в других графах; \
                             он добавлен к названию раздела",
                        ));
                    }
                    let mut title = fields.title.clone();
                    for extra in [
                        &fields.term,
                        &fields.responsible,
                        &fields.co_executors,
                        &fields.key_result,
                        &fields.fixing_documents,
                    ] {
                        cell_text::append_text(&mut title, extra);
                    }
                    builder.start_section(Some(number), title);
                    previous_number = Some(components);
                    continue;
                }
                check_sequence(
                    file,
                    row,
                    &number,
                    &components,
                    previous_number.as_deref(),
                    &mut warnings,
                );
                builder.ensure_section_for(&components, row, &mut warnings);
                previous_number = Some(components);
                builder.activity(number, fields, row, &mut warnings);
            }
            RawItem::Unnumbered { fields, row } => {
                warnings.push(issue(
                    file,
                    row,
                    Some(Column::Number),
                    &fields.title,
                    "у мероприятия нет номера; оно импортировано с пустым номером",
                ));
                builder.activity(String::new(), fields, row, &mut warnings);
            }
        }
    }
    let sections = builder.sections;
    ParsedPlan { sections, warnings, skipped, ..ParsedPlan::default() }
}

/// Sets aside numbered rows after the last activity that have neither a term nor anyone
/// responsible (an approval sheet's "1. Иванов И.И.", a signature numbered by a list), when the
/// plan's activities do have terms: each is reported as skipped and as a warning, not added.
fn set_aside_suspects(
    file: &str,
    items: &mut Vec<RawItem>,
    warnings: &mut Vec<ImportIssue>,
) -> Vec<SkippedRow> {
    let has_frame = |fields: &RawFields| {
        !fields.term.is_empty() || !fields.responsible.is_empty() || !fields.co_executors.is_empty()
    };
    let framed = items
        .iter()
        .filter(|item| matches!(item, RawItem::Numbered { fields, .. } if has_frame(fields)))
        .count();
    let mut skipped = Vec::new();
    if framed == 0 {
        return skipped;
    }
    while let Some(RawItem::Numbered { number, fields, row }) = items.last() {
        if has_frame(fields) || fields.title.is_empty() && number.is_empty() {
            break;
        }
        let mut text = number.clone();
        cell_text::append_text(&mut text, &fields_text(fields));
        warnings.push(issue(file, *row, Some(Column::Number), &text, page_breaks::REASON_SUSPECT));
        skipped.push(SkippedRow {
            row: *row,
            text,
            reason: page_breaks::REASON_SUSPECT.to_string(),
        });
        items.pop();
    }
    skipped.reverse();
    skipped
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    /// A section heading with no activity yet; `marker_only` when its title is only
    /// "Направление 1" and the next spanning row likely carries the real title.
    SectionHeading {
        marker_only: bool,
    },
    GroupHeading,
    Activity,
}

struct PlanBuilder<'a> {
    file: &'a str,
    sections: Vec<ParsedSection>,
    group: Option<String>,
    last: Last,
}

impl PlanBuilder<'_> {
    fn heading(&mut self, text: &str, row: u32, warnings: &mut Vec<ImportIssue>) {
        let text = cell_text::clean_cell(text);
        if text.is_empty() {
            return;
        }
        if let Some((number, title)) = cell_text::section_marker(&text) {
            let marker_only = title.is_empty();
            self.start_section(Some(number), title);
            self.last = Last::SectionHeading { marker_only };
            return;
        }
        match self.last {
            Last::SectionHeading { marker_only: true } => {
                if let Some(section) = self.sections.last_mut() {
                    cell_text::append_text(&mut section.title, &text);
                }
                self.last = Last::SectionHeading { marker_only: false };
            }
            Last::GroupHeading => {
                if let Some(group) = self.group.as_mut() {
                    cell_text::append_text(group, &text);
                }
            }
            Last::Nothing if self.sections.is_empty() => {
                // A spanning row before any section or activity: an untitled plan part.
                self.start_section(None, text);
                self.last = Last::SectionHeading { marker_only: false };
                warnings.push(issue(
                    self.file,
                    row,
                    None,
                    "",
                    "строка во всю ширину таблицы без номера принята за раздел",
                ));
            }
            _ => {
                self.group = Some(text);
                self.last = Last::GroupHeading;
            }
        }
    }

    fn start_section(&mut self, number: Option<String>, title: String) {
        let number = number.map(|n| cell_text::trim_number(&n));
        self.sections.push(ParsedSection { number, title, activities: Vec::new() });
        self.group = None;
        self.last = Last::SectionHeading { marker_only: false };
    }

    /// Opens the section an activity number implies ("5.1" implies section "5") when the
    /// document lost that section's heading.
    fn ensure_section_for(
        &mut self,
        components: &[u32],
        row: u32,
        warnings: &mut Vec<ImportIssue>,
    ) {
        if components.len() < 2 {
            return;
        }
        let Some(major) = components.first() else { return };
        let major_text = major.to_string();
        let current = self.sections.last().and_then(|s| s.number.clone());
        let current_major =
            current.as_deref().map(number_components).and_then(|c| c.first().copied());
        if current_major == Some(*major) {
            return;
        }
        // "16.1" right under activity "16": a sub-item of an activity, not a lost section.
        let under_activity = self.sections.last().is_some_and(|section| {
            section.activities.iter().any(|a| number_components(&a.number) == [*major])
        });
        if under_activity {
            return;
        }
        if current.is_none() && self.sections.last().is_some_and(|s| s.activities.is_empty()) {
            // An unnumbered heading right before the first activity: give it the number.
            if let Some(section) = self.sections.last_mut() {
                section.number = Some(major_text);
            }
            return;
        }
        warnings.push(issue(
            self.file,
            row,
            None,
            "",
            &format!(
                "не найден заголовок раздела {major_text}, к которому относится мероприятие; \
                 раздел создан без названия"
            ),
        ));
        self.start_section(Some(major_text), String::new());
    }

    fn activity(
        &mut self,
        number: String,
        fields: RawFields,
        row: u32,
        warnings: &mut Vec<ImportIssue>,
    ) {
        if self.sections.is_empty() {
            self.sections.push(ParsedSection {
                number: None,
                title: String::new(),
                activities: Vec::new(),
            });
        }
        let activity =
            finish_activity(self.file, number, fields, row, self.group.clone(), warnings);
        if let Some(section) = self.sections.last_mut() {
            section.activities.push(activity);
        }
        self.last = Last::Activity;
    }
}

fn finish_activity(
    file: &str,
    number: String,
    fields: RawFields,
    row: u32,
    group: Option<String>,
    warnings: &mut Vec<ImportIssue>,
) -> ParsedActivity {
    let mut clean = |column: Column, text: &str| -> String {
        let text = cell_text::clean_cell(text);
        let (joined, repaired) = cell_text::rejoin_broken_words(&text);
        for (before, after) in repaired {
            warnings.push(issue(
                file,
                row,
                Some(column),
                &before,
                &format!("слова, разорванные пробелами, склеены: «{before}» → «{after}»"),
            ));
        }
        joined
    };
    let title = clean(Column::Title, &fields.title);
    let term_text = clean(Column::Term, &fields.term);
    let responsible = clean(Column::Responsible, &fields.responsible);
    let co_executors_text = clean(Column::CoExecutors, &fields.co_executors);
    let key_result = clean(Column::KeyResult, &fields.key_result);
    let fixing_documents = clean(Column::FixingDocuments, &fields.fixing_documents);
    if title.is_empty() {
        warnings.push(issue(
            file,
            row,
            Some(Column::Title),
            "",
            "у мероприятия пустое наименование",
        ));
    } else if title.chars().next().is_some_and(char::is_lowercase) {
        warnings.push(issue(
            file,
            row,
            Some(Column::Title),
            &title,
            "наименование начинается со строчной буквы: возможно, это продолжение предыдущей строки \
             или ячейки сдвинуты",
        ));
    }
    if term_text.is_empty() {
        warnings.push(issue(file, row, Some(Column::Term), "", "не указан срок мероприятия"));
    }
    if responsible.is_empty() && co_executors_text.is_empty() {
        warnings.push(issue(file, row, Some(Column::Responsible), "", "не указан ответственный"));
    }
    ParsedActivity {
        number: cell_text::trim_number(&number),
        title,
        term_text,
        responsible,
        co_executors: cell_text::split_list(&co_executors_text),
        key_result,
        fixing_documents,
        group,
        source: SourceRef { file: file.to_string(), row },
    }
}

fn fields_text(fields: &RawFields) -> String {
    let mut text = String::new();
    for part in [
        &fields.title,
        &fields.term,
        &fields.responsible,
        &fields.co_executors,
        &fields.key_result,
        &fields.fixing_documents,
    ] {
        cell_text::append_text(&mut text, part);
    }
    text
}

/// Warns about a repeated number or a gap in numbering; never rejects the row.
fn check_sequence(
    file: &str,
    row: u32,
    number: &str,
    components: &[u32],
    previous: Option<&[u32]>,
    warnings: &mut Vec<ImportIssue>,
) {
    let Some(previous) = previous else { return };
    if components == previous {
        warnings.push(issue(
            file,
            row,
            Some(Column::Number),
            number,
            "номер мероприятия повторяется (так в документе)",
        ));
        return;
    }
    if components.len() == previous.len() && !components.is_empty() {
        let (Some((last, head)), Some((previous_last, previous_head))) =
            (components.split_last(), previous.split_last())
        else {
            return;
        };
        if head == previous_head && *last > previous_last.saturating_add(1) {
            warnings.push(issue(
                file,
                row,
                Some(Column::Number),
                number,
                "пропуск в нумерации мероприятий (так в документе)",
            ));
        }
    }
}

/// "5.7." → [5, 7]; anything that is not a number gives an empty vector.
pub(crate) fn number_components(number: &str) -> Vec<u32> {
    let trimmed = number.trim().trim_start_matches('.').trim_end_matches('.');
    let mut components = Vec::new();
    for part in trimmed.split('.') {
        match part.trim().parse::<u32>() {
            Ok(value) => components.push(value),
            Err(_) => return Vec::new(),
        }
    }
    components
}

pub(crate) fn issue(
    file: &str,
    row: u32,
    column: Option<Column>,
    text: &str,
    message: &str,
) -> ImportIssue {
    ImportIssue {
        file: file.to_string(),
        row,
        column: column.map(|c| c.russian_name().to_string()),
        text: text.to_string(),
        message: message.to_string(),
        severity: Severity::Warning,
    }
}

/// One row of a grid (CSV, XLSX, tab-separated dump): its 1-based row or line and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GridRow {
    pub row: u32,
    pub cells: Vec<String>,
}

/// Rows scanned for a header before giving up.
const HEADER_SEARCH_ROWS_MAX: usize = 5_000;

/// Reads a plan from grid rows: finds the header, maps cells to columns, classifies rows into
/// numbered activities, spanning headings, unnumbered activities and continuation rows.
pub(crate) fn plan_from_grid(file: &str, rows: &[GridRow]) -> Result<ParsedPlan, ImportError> {
    let (header_index, map) = find_grid_header(file, rows)?;
    let header = rows.get(header_index);
    let header_width = header
        .map(|r| {
            r.cells.iter().rposition(|c| !c.trim().is_empty()).map_or(0, |p| p.saturating_add(1))
        })
        .unwrap_or(0);
    let data = rows.get(header_index.saturating_add(1)..).unwrap_or(&[]);
    let mut warnings = Vec::new();
    let header_row = header.map_or(1, |r| r.row);
    let (number_index, shift) = number_column(file, header_row, &map, data, &mut warnings);
    let column_at = |cell: usize| -> Option<Column> {
        if Some(cell) == number_index {
            return Some(Column::Number);
        }
        let original = cell.checked_sub(shift)?;
        map.cells.iter().find(|(i, c)| *i == original && *c != Column::Number).map(|(_, c)| *c)
    };
    let title_index = map.index_of(Column::Title).map(|i| i.saturating_add(shift));
    let signature = header.map(|r| header_signature(&r.cells)).unwrap_or_default();
    let mut items: Vec<RawItem> = Vec::new();
    let mut artefacts = Artefacts::default();
    for (index, row) in data.iter().enumerate() {
        let Some(mut cells) = artefacts.data_cells(row, &signature, index == 0) else { continue };
        let expected_width = header_width.saturating_add(shift);
        if cells.len() > expected_width {
            remove_duplicate_neighbours(file, row.row, &mut cells, &mut warnings);
        }
        if let Some(title_index) = title_index {
            let after_page_break = std::mem::take(&mut artefacts.page_break);
            let joined = &mut artefacts.joined;
            join_continuation(row, title_index, &mut cells, &mut items, joined, after_page_break);
        }
        let number_text = number_index.and_then(|i| cells.get(i)).cloned().unwrap_or_default();
        let fields = row_fields(file, row.row, &cells, number_index, &column_at, &mut warnings);
        let (number, fields) = split_number_cell(&number_text, fields);
        if let Some(number) = number {
            let mut fields = fields;
            repair_misplaced_term(file, row.row, &mut fields, &mut warnings);
            items.push(RawItem::Numbered { number, fields, row: row.row });
            continue;
        }
        if let Some(text) = heading_text(&cells, title_index) {
            items.push(RawItem::Heading { text, row: row.row });
            continue;
        }
        let joined = &mut artefacts.joined;
        place_unnumbered(file, row.row, &number_text, fields, &mut items, &mut warnings, joined);
    }
    let mut parsed = build_plan(file, items, warnings);
    parsed.skipped.extend(artefacts.skipped);
    parsed.skipped.sort_by_key(|skipped| skipped.row);
    parsed.joined = artefacts.joined;
    Ok(parsed)
}

/// What a grid reading set aside on the way: rows that are not activities, and the tails it
/// moved; `approval` once an approval sheet has begun (the rest of the table is not the plan).
#[derive(Default)]
struct Artefacts {
    skipped: Vec<SkippedRow>,
    joined: Vec<JoinedRow>,
    approval: bool,
    /// A page break's artefact (a repeated header, column numbers, a page number, a running
    /// header) came since the last data row.
    page_break: bool,
}

impl Artefacts {
    /// The row's cleaned cells without trailing empty ones; `None` for a row that carries no
    /// data: blank, or a page-break artefact (recorded in `skipped` with its reason).
    fn data_cells(&mut self, row: &GridRow, signature: &str, first: bool) -> Option<Vec<String>> {
        let mut cells: Vec<String> = row.cells.iter().map(|c| cell_text::clean_cell(c)).collect();
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        if cells.is_empty() {
            return None;
        }
        let text = cells.iter().filter(|c| !c.is_empty()).cloned().collect::<Vec<_>>().join(" ");
        let Some(reason) = self.skip_reason(&cells, &text, signature, first) else {
            return Some(cells);
        };
        if !reason.is_empty() {
            self.page_break |= reason != page_breaks::REASON_APPROVAL;
            self.skipped.push(SkippedRow { row: row.row, text, reason: reason.to_string() });
        }
        None
    }

    /// `None` for a data row; the reason for an artefact (empty: skipped without a word).
    fn skip_reason(
        &mut self,
        cells: &[String],
        text: &str,
        signature: &str,
        first: bool,
    ) -> Option<&'static str> {
        let filled: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
        let single = filled.len() == 1;
        if self.approval {
            return Some(page_breaks::REASON_APPROVAL);
        }
        if is_column_number_row(cells) {
            // The column numbers right under the header are part of it.
            return Some(if first { "" } else { page_breaks::REASON_COLUMN_NUMBERS });
        }
        if header_signature(cells) == signature || is_header_row(cells) {
            return Some(page_breaks::REASON_REPEATED_HEADER);
        }
        let first_text = filled.first().map_or("", |c| c.as_str());
        if page_breaks::starts_approval_block(first_text, filled.len())
            && !is_number_cell(first_text)
        {
            self.approval = true;
            return Some(page_breaks::REASON_APPROVAL);
        }
        if single && page_breaks::is_page_number(text) {
            return Some(page_breaks::REASON_PAGE_NUMBER);
        }
        if single && page_breaks::is_running_header(text) {
            return Some(page_breaks::REASON_RUNNING_HEADER);
        }
        if filled.len() <= 2 && page_breaks::is_signature(text) {
            return Some(page_breaks::REASON_APPROVAL);
        }
        None
    }
}

/// A header row repeated by hand, perhaps worded a little differently: every filled cell is a
/// column heading, and one of them is the title's.
fn is_header_row(cells: &[String]) -> bool {
    let all_headings = cells
        .iter()
        .filter(|c| !c.is_empty())
        .all(|c| crate::documents::import::columns::classify_header_cell(c).is_some());
    all_headings
        && crate::documents::import::columns::recognize_header_row(cells)
            .is_some_and(|map| map.has(Column::Title))
}

/// Moves the first paragraph of the row's title cell to the previous activity's title when it is
/// that title's tail carried over a page break (`page_breaks::split_continuation`), and reports
/// the move.
fn join_continuation(
    row: &GridRow,
    title_index: usize,
    cells: &mut [String],
    items: &mut [RawItem],
    joined: &mut Vec<JoinedRow>,
    after_page_break: bool,
) {
    let Some(raw) = row.cells.get(title_index) else { return };
    let previous = items.iter_mut().rev().find(|i| !matches!(i, RawItem::Heading { .. }));
    let Some(
        RawItem::Numbered { fields, row: into_row, .. }
        | RawItem::Unnumbered { fields, row: into_row },
    ) = previous
    else {
        return;
    };
    let Some((tail, rest)) = page_breaks::split_continuation(raw, &fields.title, after_page_break)
    else {
        return;
    };
    let tail = cell_text::clean_cell(&tail);
    cell_text::append_text(&mut fields.title, &tail);
    if let Some(cell) = cells.get_mut(title_index) {
        *cell = cell_text::clean_cell(&rest);
    }
    joined.push(JoinedRow { row: row.row, into_row: *into_row, text: tail });
}

/// Where the activity numbers are, and by how many cells the data is shifted right of the header:
/// the header's number column; else the first column, unheaded, when at least two rows start
/// with a number; else nowhere, with a warning.
fn number_column(
    file: &str,
    header_row: u32,
    map: &crate::documents::import::columns::ColumnMap,
    data: &[GridRow],
    warnings: &mut Vec<ImportIssue>,
) -> (Option<usize>, usize) {
    if let Some(index) = map.index_of(Column::Number) {
        return (Some(index), 0);
    }
    let numbered =
        data.iter().filter(|r| r.cells.first().is_some_and(|c| is_number_cell(c))).count();
    if numbered >= 2 {
        return (Some(0), 1);
    }
    warnings.push(issue(
        file,
        header_row,
        Some(Column::Number),
        "",
        "в таблице нет графы с номерами мероприятий",
    ));
    (None, 0)
}

/// The row's cells gathered into fields by their column; text in a cell under no heading is not
/// imported and is a warning.
fn row_fields(
    file: &str,
    row: u32,
    cells: &[String],
    number_index: Option<usize>,
    column_at: &dyn Fn(usize) -> Option<Column>,
    warnings: &mut Vec<ImportIssue>,
) -> RawFields {
    let mut fields = RawFields::default();
    for (index, cell) in cells.iter().enumerate() {
        if Some(index) == number_index {
            continue;
        }
        match column_at(index) {
            Some(column) => fields.append(column, cell),
            None if !cell.is_empty() => warnings.push(issue(
                file,
                row,
                None,
                cell,
                "текст в графе без заголовка не импортирован",
            )),
            None => {}
        }
    }
    fields
}

/// The text of a spanning heading: a row whose only filled cell is the first or the title
/// column and does not start in lowercase (which would be a continuation).
fn heading_text(cells: &[String], title_index: Option<usize>) -> Option<String> {
    let non_empty: Vec<usize> =
        cells.iter().enumerate().filter(|(_, c)| !c.is_empty()).map(|(i, _)| i).collect();
    let single = non_empty.len() == 1;
    let first_cell = non_empty.first().copied();
    let text_of_single = first_cell.and_then(|i| cells.get(i)).cloned().unwrap_or_default();
    // A heading starts like a title; lower case or a bracket ("(в том числе …)") continues
    // the row above.
    let starts_lower = text_of_single
        .chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || matches!(c, '(' | ',' | ';' | ')'));
    (single && (first_cell == Some(0) || first_cell == title_index) && !starts_lower)
        .then_some(text_of_single)
}

/// Places a row that has no number and is no heading: an unnumbered activity when its title
/// starts with a capitalised word and it names a term or someone responsible; otherwise the
/// continuation of the previous activity (before the first one, a warning and nothing imported).
fn place_unnumbered(
    file: &str,
    row: u32,
    number_text: &str,
    mut fields: RawFields,
    items: &mut Vec<RawItem>,
    warnings: &mut Vec<ImportIssue>,
    joined: &mut Vec<JoinedRow>,
) {
    if !number_text.is_empty() {
        // A non-number text in the number column (e.g. "Итого") belongs to the title.
        let mut title = number_text.to_string();
        cell_text::append_text(&mut title, &fields.title);
        fields.title = title;
    }
    let capitalised = starts_with_capitalised_word(&fields.title);
    let has_frame = !fields.term.is_empty()
        || !fields.responsible.is_empty()
        || !fields.co_executors.is_empty();
    if capitalised && has_frame {
        repair_misplaced_term(file, row, &mut fields, warnings);
        items.push(RawItem::Unnumbered { fields, row });
        return;
    }
    match items.iter_mut().rev().find(|i| !matches!(i, RawItem::Heading { .. })) {
        Some(RawItem::Numbered { fields: previous, row: into_row, .. })
        | Some(RawItem::Unnumbered { fields: previous, row: into_row }) => {
            append_fields(previous, &fields);
            joined.push(JoinedRow { row, into_row: *into_row, text: fields_text(&fields) });
        }
        _ => warnings.push(issue(
            file,
            row,
            None,
            &fields_text(&fields),
            "строка-продолжение до первого мероприятия не импортирована",
        )),
    }
}

fn header_signature(cells: &[String]) -> String {
    let texts: Vec<String> = cells
        .iter()
        .map(|c| crate::documents::import::columns::normalize(&cell_text::clean_cell(c)))
        .filter(|c| !c.is_empty())
        .collect();
    texts.join("|")
}

fn find_grid_header(
    file: &str,
    rows: &[GridRow],
) -> Result<(usize, crate::documents::import::columns::ColumnMap), ImportError> {
    let mut without_title = false;
    for (index, row) in rows.iter().enumerate().take(HEADER_SEARCH_ROWS_MAX) {
        if let Some(map) = crate::documents::import::columns::recognize_header_row(&row.cells) {
            if map.has(Column::Title) {
                return Ok((index, map));
            }
            without_title = true;
        }
    }
    if without_title {
        return Err(ImportError::MissingColumn {
            column: Column::Title.russian_name().to_string(),
            file: file.to_string(),
        });
    }
    Err(ImportError::NotATable {
        file: file.to_string(),
        reason: "не найдена строка заголовков с графой «Наименование мероприятия»".to_string(),
    })
}

fn append_fields(target: &mut RawFields, extra: &RawFields) {
    for column in [
        Column::Title,
        Column::Term,
        Column::Responsible,
        Column::CoExecutors,
        Column::KeyResult,
        Column::FixingDocuments,
    ] {
        let text = match column {
            Column::Title => &extra.title,
            Column::Term => &extra.term,
            Column::Responsible => &extra.responsible,
            Column::CoExecutors => &extra.co_executors,
            Column::KeyResult => &extra.key_result,
            Column::FixingDocuments => &extra.fixing_documents,
            Column::Number | Column::Status => continue,
        };
        target.append(column, text);
    }
}

/// "1. Плановое повышение …" in the number cell with an empty title cell: number and title.
fn split_number_cell(number_text: &str, mut fields: RawFields) -> (Option<String>, RawFields) {
    let text = number_text.trim();
    if text.is_empty() {
        return (None, fields);
    }
    if is_number_cell(text) {
        return (Some(text.to_string()), fields);
    }
    let Some(first) = text.split_whitespace().next() else { return (None, fields) };
    if is_number_cell(first) && first.ends_with('.') {
        let rest = text.get(first.len()..).unwrap_or("").trim();
        if rest.chars().next().is_some_and(|c| c.is_uppercase() || c == '«') {
            let mut title = rest.to_string();
            cell_text::append_text(&mut title, &fields.title);
            fields.title = title;
            return (Some(first.to_string()), fields);
        }
    }
    (None, fields)
}

/// "5", "5.7", "1.10.", ".3.3": at most three digits per component.
pub(crate) fn is_number_cell(text: &str) -> bool {
    let trimmed = text.trim().trim_start_matches('.').trim_end_matches('.');
    !trimmed.is_empty()
        && trimmed.split('.').all(|part| {
            !part.is_empty() && part.len() <= 3 && part.chars().all(|c| c.is_ascii_digit())
        })
}

/// "1 2 3 4 5" in cells or in one line: the column numbering row under a header.
pub(crate) fn is_column_number_row(cells: &[String]) -> bool {
    let tokens: Vec<&str> = cells.iter().flat_map(|c| c.split_whitespace()).collect();
    tokens.len() >= 3
        && tokens.iter().enumerate().all(|(i, t)| {
            t.trim_end_matches('.').parse::<usize>().ok() == Some(i.saturating_add(1))
        })
}

fn starts_with_capitalised_word(text: &str) -> bool {
    let Some(word) = text.split_whitespace().next() else { return false };
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.next().is_some_and(char::is_lowercase)
}

/// Merged cells in Word exports repeat a cell; a duplicate neighbour shifts every later cell.
fn remove_duplicate_neighbours(
    file: &str,
    row: u32,
    cells: &mut Vec<String>,
    warnings: &mut Vec<ImportIssue>,
) {
    let mut index = 1usize;
    while index < cells.len() {
        let same = match (cells.get(index.saturating_sub(1)), cells.get(index)) {
            (Some(a), Some(b)) => !a.is_empty() && a == b,
            _ => false,
        };
        if same {
            let removed = cells.remove(index);
            warnings.push(issue(
                file,
                row,
                None,
                &removed,
                "ячейка повторена дважды подряд (объединённые ячейки); повтор удалён",
            ));
        } else {
            index = index.saturating_add(1);
        }
    }
}

/// Moves a term that landed in another column (a shifted row) into the empty term column.
fn repair_misplaced_term(
    file: &str,
    row: u32,
    fields: &mut RawFields,
    warnings: &mut Vec<ImportIssue>,
) {
    if !fields.term.is_empty() {
        return;
    }
    for column in
        [Column::Responsible, Column::CoExecutors, Column::KeyResult, Column::FixingDocuments]
    {
        let Some(text) = fields.get_mut(column) else { continue };
        if cell_text::looks_like_term(text) {
            let moved = std::mem::take(text);
            warnings.push(issue(
                file,
                row,
                Some(column),
                &moved,
                "в графе записан срок (ячейки строки сдвинуты); текст перенесён в графу «Срок»",
            ));
            fields.term = moved;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::documents::import::plan::number_components;

    #[test]
    fn number_components_accept_document_spellings() {
        assert_eq!(number_components("5.7"), vec![5, 7]);
        assert_eq!(number_components("1.10."), vec![1, 10]);
        assert_eq!(number_components(".3.3"), vec![3, 3]);
        assert_eq!(number_components("12"), vec![12]);
        assert!(number_components("Итого").is_empty());
    }
}
