//! OpenDocument texts (.odt) read natively, the same way as Word documents: the zip package
//! through the shared zip-part counter, then `content.xml` as a stream of XML events, every
//! table of the body on one grid of rows, handed to the shared grid reading of `plan`.
//!
//! What ODF keeps in its structure, and the reader honours: a cell spanning columns is followed
//! by covered cells, which read empty, so a section row spanning the table reads as a heading;
//! a cell spanning rows (`table:number-rows-spanned`) repeats its text in a covered cell of a
//! later row that has its own number, as a vertical merge does in Word; paragraphs within a cell
//! are kept as lines; a numbered list item reads as the number the reader sees, counted by list
//! style and level (`text:list-level-style-number`: format, prefix, suffix, levels shown, start),
//! continuing across cells when the list says `text:continue-numbering` or `text:continue-list`;
//! a nested table's rows become lines of its cell; paragraphs outside tables are kept for the
//! act named in the heading. The limits are `docx_table`'s.

use std::collections::BTreeMap;
use std::io::Cursor;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::documents::import::docx_table::{
    self, DocumentGrid, ROW_COLUMNS_MAX, TABLE_NESTING_MAX, TABLE_ROWS_MAX, XML_DEPTH_MAX,
};
use crate::documents::import::heading;
use crate::documents::import::plan::{self, GridRow, ImportError, ParsedPlan};
use crate::documents::import::xlsx_grid;

/// The body of an OpenDocument package.
const CONTENT_PART: &str = "content.xml";
/// Bytes `content.xml` may unpack to (as Word's document part).
const CONTENT_PART_BYTES_MAX: u64 = docx_table::DOCUMENT_PART_BYTES_MAX;
/// Spaces one `text:s` may stand for.
const SPACES_MAX: usize = 1_000;
/// Levels of an ODF list style.
const LIST_LEVELS: usize = 10;

/// Reads a plan from an .odt file.
pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    let document = read_document(file, bytes)?;
    let mut parsed = plan::plan_from_grid(file, &document.rows)?;
    parsed.basis = heading::basis_in_heading(&document.outside);
    Ok(parsed)
}

/// True when the zip package is an OpenDocument text (its `mimetype` part says so, or it has a
/// `content.xml` and no workbook part).
pub(crate) fn is_odt(bytes: &[u8]) -> bool {
    let Ok(archive) = zip::ZipArchive::new(Cursor::new(bytes)) else { return false };
    archive.index_for_name(CONTENT_PART).is_some()
        && archive.index_for_name("xl/workbook.xml").is_none()
}

fn read_document(file: &str, bytes: &[u8]) -> Result<DocumentGrid, ImportError> {
    let part_limit = |name: &str| match name {
        CONTENT_PART => CONTENT_PART_BYTES_MAX,
        _ => xlsx_grid::UNPACKED_BYTES_MAX,
    };
    if let Err(problem) = xlsx_grid::unpacked_sizes(bytes, &part_limit) {
        return Err(docx_table::document_error(file, docx_table::unpack_reason(&problem)));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| docx_table::document_error(file, format!("не zip-пакет ({error})")))?;
    let xml = docx_table::read_part(file, &mut archive, CONTENT_PART, CONTENT_PART_BYTES_MAX)?
        .ok_or_else(|| {
            docx_table::document_error(file, format!("в пакете нет части «{CONTENT_PART}»"))
        })?;
    // List styles live in content.xml (automatic) or styles.xml (named).
    let styles = docx_table::read_part(file, &mut archive, "styles.xml", CONTENT_PART_BYTES_MAX)?;
    let mut lists = ListStyles::default();
    if let Some(styles) = styles {
        lists.read(file, &styles)?;
    }
    lists.read(file, &xml)?;
    parse_body(file, &xml, lists)
}

/// One level of a numbered list style.
#[derive(Clone, Default)]
struct ListLevel {
    numbered: bool,
    format: String,
    prefix: String,
    suffix: String,
    display_levels: usize,
    start: u32,
}

/// The list styles by name, and each style's running counters.
#[derive(Default)]
struct ListStyles {
    styles: BTreeMap<String, Vec<ListLevel>>,
    counters: BTreeMap<String, [Option<u32>; LIST_LEVELS]>,
}

impl ListStyles {
    fn read(&mut self, file: &str, xml: &str) -> Result<(), ImportError> {
        let mut reader = Reader::from_str(xml);
        let mut current: Option<String> = None;
        let mut depth = 0usize;
        loop {
            let event = reader.read_event().map_err(|error| xml_error(file, &error))?;
            let element = match &event {
                Event::Start(element) => {
                    depth = depth.saturating_add(1);
                    if depth > XML_DEPTH_MAX {
                        return Err(too_deep(file));
                    }
                    element
                }
                Event::Empty(element) => element,
                Event::End(element) => {
                    depth = depth.saturating_sub(1);
                    if element.local_name().as_ref() == "list-style" {
                        current = None;
                    }
                    continue;
                }
                Event::Eof => return Ok(()),
                _ => continue,
            };
            let local = element.local_name();
            match local.as_ref() {
                "list-style" => {
                    current = attribute(element, "name");
                    if let Some(name) = &current {
                        self.styles.insert(name.clone(), vec![ListLevel::default(); LIST_LEVELS]);
                    }
                }
                "list-level-style-number" | "list-level-style-bullet" => {
                    let Some(levels) = current.as_ref().and_then(|n| self.styles.get_mut(n)) else {
                        continue;
                    };
                    let level = attribute(element, "level")
                        .and_then(|l| l.parse::<usize>().ok())
                        .unwrap_or(1)
                        .saturating_sub(1);
                    let Some(slot) = levels.get_mut(level) else { continue };
                    let number = |name: &str| attribute(element, name).and_then(|v| v.parse().ok());
                    *slot = ListLevel {
                        numbered: local.as_ref() == "list-level-style-number",
                        format: attribute(element, "num-format").unwrap_or_default(),
                        prefix: attribute(element, "num-prefix").unwrap_or_default(),
                        suffix: attribute(element, "num-suffix").unwrap_or_default(),
                        display_levels: number("display-levels").unwrap_or(1),
                        start: attribute(element, "start-value")
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(1),
                    };
                }
                _ => {}
            }
        }
    }

    /// Counts one list item of `style` at `level` (0-based) and returns its label.
    fn next_label(&mut self, style: &str, level: usize) -> String {
        let Some(levels) = self.styles.get(style) else { return String::new() };
        let level = level.min(LIST_LEVELS.saturating_sub(1));
        let counters = self.counters.entry(style.to_string()).or_insert([None; LIST_LEVELS]);
        let start_of = |l: usize| levels.get(l).map_or(1, |level| level.start);
        if let Some(counter) = counters.get_mut(level) {
            *counter = Some(counter.map_or(start_of(level), |c| c.saturating_add(1)));
        }
        for deeper in counters.iter_mut().skip(level.saturating_add(1)) {
            *deeper = None;
        }
        let Some(definition) = levels.get(level) else { return String::new() };
        if !definition.numbered || definition.format.is_empty() {
            return String::new();
        }
        let shown = definition.display_levels.clamp(1, level.saturating_add(1));
        let first = level.saturating_add(1).saturating_sub(shown);
        let parts: Vec<String> = (first..=level)
            .map(|l| {
                let value = counters.get(l).copied().flatten().unwrap_or_else(|| start_of(l));
                let format = levels.get(l).map_or("1", |d| d.format.as_str());
                format_number(value, format)
            })
            .collect();
        format!("{}{}{}", definition.prefix, parts.join("."), definition.suffix)
    }

    /// A new list of `style` that does not continue an earlier one starts its counters anew.
    fn restart(&mut self, style: &str) {
        self.counters.remove(style);
    }
}

fn format_number(value: u32, format: &str) -> String {
    let word_format = match format {
        "a" => "lowerLetter",
        "A" => "upperLetter",
        "i" => "lowerRoman",
        "I" => "upperRoman",
        "а" => "russianLower",
        "А" => "russianUpper",
        _ => "decimal",
    };
    docx_table::format_number(value, word_format)
}

#[derive(Default)]
struct Cell {
    paragraphs: Vec<String>,
    rows_spanned: u32,
    columns_repeated: usize,
    covered: bool,
}

#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
    row: Option<(Vec<String>, Vec<usize>)>,
    /// How many times the open row stands in the table (`table:number-rows-repeated`).
    row_repeated: usize,
    cell: Option<Cell>,
    /// By column: the text of a cell spanning rows and how many rows below it still covers.
    spans: BTreeMap<usize, (String, u32)>,
}

/// An open list: its style (inherited from the outermost list), and whether its current item
/// has been counted (an item is counted at its first paragraph, so an item that only wraps a
/// sub-list shows no number of its own, as office suites show it).
struct OpenList {
    style: Option<String>,
    item_counted: bool,
}

struct BodyParser<'a> {
    file: &'a str,
    lists: ListStyles,
    open_lists: Vec<OpenList>,
    tables: Vec<Table>,
    /// The open paragraph: its list label, and its text.
    paragraph: Option<(String, String)>,
    ignored_from: Option<usize>,
    depth: usize,
    grid: DocumentGrid,
    /// Empty repeated rows counted in the row numbers but not kept.
    rows_not_kept: usize,
}

fn parse_body(file: &str, xml: &str, lists: ListStyles) -> Result<DocumentGrid, ImportError> {
    let mut parser = BodyParser {
        file,
        lists,
        open_lists: Vec::new(),
        tables: Vec::new(),
        paragraph: None,
        ignored_from: None,
        depth: 0,
        grid: DocumentGrid { rows: Vec::new(), outside: Vec::new() },
        rows_not_kept: 0,
    };
    let mut reader = Reader::from_str(xml);
    loop {
        let event = reader.read_event().map_err(|error| xml_error(file, &error))?;
        match event {
            Event::Start(element) => {
                parser.depth = parser.depth.saturating_add(1);
                if parser.depth > XML_DEPTH_MAX {
                    return Err(too_deep(file));
                }
                parser.start(&element, false)?;
            }
            Event::Empty(element) => parser.start(&element, true)?,
            Event::End(element) => {
                let name = element.local_name();
                parser.end(name.as_ref())?;
                parser.depth = parser.depth.saturating_sub(1);
            }
            Event::Text(text) if parser.takes_text() => parser.push_text(&text.xml10_content()),
            Event::GeneralRef(reference) if parser.takes_text() => {
                if let Some(c) = docx_table::reference_char(&reference) {
                    parser.push_text(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(parser.grid)
}

impl BodyParser<'_> {
    fn takes_text(&self) -> bool {
        self.paragraph.is_some() && self.ignored_from.is_none()
    }

    fn push_text(&mut self, text: &str) {
        if let Some((_, paragraph)) = self.paragraph.as_mut() {
            paragraph.push_str(text);
        }
    }

    fn start(&mut self, element: &BytesStart<'_>, empty: bool) -> Result<(), ImportError> {
        if self.ignored_from.is_some() {
            return Ok(());
        }
        let local = element.local_name();
        match local.as_ref() {
            "note" | "annotation" | "frame" | "tracked-changes" if !empty => {
                self.ignored_from = Some(self.depth);
            }
            "table" if !empty => {
                if self.tables.len() >= TABLE_NESTING_MAX {
                    return Err(docx_table::document_error(
                        self.file,
                        format!("таблицы вложены друг в друга глубже {TABLE_NESTING_MAX} уровней"),
                    ));
                }
                self.tables.push(Table::default());
            }
            "table-row" => {
                if let Some(table) = self.tables.last_mut() {
                    table.row = Some((Vec::new(), Vec::new()));
                    table.row_repeated = attribute(element, "number-rows-repeated")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1);
                }
                if empty {
                    self.end_row()?;
                }
            }
            "table-cell" | "covered-table-cell" => {
                let number = |name: &str| attribute(element, name).and_then(|v| v.parse().ok());
                let cell = Cell {
                    paragraphs: Vec::new(),
                    rows_spanned: number("number-rows-spanned").unwrap_or(1),
                    columns_repeated: attribute(element, "number-columns-repeated")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1),
                    covered: local.as_ref() == "covered-table-cell",
                };
                if let Some(table) = self.tables.last_mut() {
                    table.cell = Some(cell);
                }
                if empty {
                    self.end_cell()?;
                }
            }
            "list" if !empty => {
                let inherited = self.open_lists.last().and_then(|l| l.style.clone());
                let style = attribute(element, "style-name").or(inherited);
                let continues = attribute(element, "continue-numbering").as_deref() == Some("true")
                    || attribute(element, "continue-list").is_some();
                if self.open_lists.is_empty() && !continues {
                    if let Some(style) = &style {
                        self.lists.restart(style);
                    }
                }
                self.open_lists.push(OpenList { style, item_counted: true });
            }
            "list-item" if !empty => {
                if let Some(list) = self.open_lists.last_mut() {
                    list.item_counted = false;
                }
            }
            "p" | "h" => {
                let label = self.list_label();
                self.paragraph = Some((label, String::new()));
                if empty {
                    self.end_paragraph();
                }
            }
            "s" => {
                let count: usize =
                    attribute(element, "c").and_then(|c| c.parse().ok()).unwrap_or(1);
                self.push_text(&" ".repeat(count.min(SPACES_MAX)));
            }
            "tab" => self.push_text(" "),
            "line-break" => self.push_text("\n"),
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str) -> Result<(), ImportError> {
        if let Some(from) = self.ignored_from {
            if self.depth == from {
                self.ignored_from = None;
            }
            return Ok(());
        }
        match name {
            "p" | "h" => self.end_paragraph(),
            "list" => {
                self.open_lists.pop();
            }
            "list-item" => {
                if let Some(list) = self.open_lists.last_mut() {
                    list.item_counted = true;
                }
            }
            "table-cell" | "covered-table-cell" => self.end_cell()?,
            "table-row" => self.end_row()?,
            "table" => self.end_table(),
            _ => {}
        }
        Ok(())
    }

    /// The label of a paragraph: the number of the list item it opens, if it opens one.
    fn list_label(&mut self) -> String {
        let level = self.open_lists.len().saturating_sub(1);
        let Some(list) = self.open_lists.last_mut() else { return String::new() };
        if list.item_counted {
            return String::new();
        }
        list.item_counted = true;
        let Some(style) = list.style.clone() else { return String::new() };
        self.lists.next_label(&style, level)
    }

    fn end_paragraph(&mut self) {
        let Some((label, text)) = self.paragraph.take() else { return };
        let text = match (label.is_empty(), text.trim()) {
            (true, text) => text.to_string(),
            (false, "") => label,
            (false, text) => format!("{label} {text}"),
        };
        match self.tables.last_mut() {
            Some(table) => {
                if let Some(cell) = table.cell.as_mut() {
                    cell.paragraphs.push(text);
                }
            }
            None => {
                if text.is_empty() {
                    return;
                }
                // As in Word documents: the heading before the first table, rows after it.
                if self.grid.rows.is_empty() {
                    self.grid.outside.push(text);
                } else if self.grid.rows.len() < TABLE_ROWS_MAX {
                    let number =
                        self.grid.rows.len().saturating_add(1).saturating_add(self.rows_not_kept);
                    let number = u32::try_from(number).unwrap_or(u32::MAX);
                    self.grid.rows.push(GridRow { row: number, cells: vec![text] });
                }
            }
        }
    }

    fn end_cell(&mut self) -> Result<(), ImportError> {
        let Some(table) = self.tables.last_mut() else { return Ok(()) };
        let Some(cell) = table.cell.take() else { return Ok(()) };
        let Some((cells, continued)) = table.row.as_mut() else { return Ok(()) };
        let text = cell.paragraphs.join("\n").trim().to_string();
        for _ in 0..cell.columns_repeated.max(1) {
            let column = cells.len();
            if column >= ROW_COLUMNS_MAX {
                if text.is_empty() {
                    break;
                }
                return Err(docx_table::document_error(
                    self.file,
                    format!("строка таблицы шире {ROW_COLUMNS_MAX} столбцов"),
                ));
            }
            if cell.covered {
                if table.spans.get(&column).is_some_and(|(_, left)| *left > 0) {
                    continued.push(column);
                }
            } else if cell.rows_spanned > 1 {
                table.spans.insert(column, (text.clone(), cell.rows_spanned));
            } else {
                table.spans.remove(&column);
            }
            cells.push(text.clone());
        }
        Ok(())
    }

    /// Closes a row; a row repeated (`table:number-rows-repeated`) stands as many times as it
    /// says when it has text, against the row limit, and once counted but not kept when it is
    /// empty (office suites write the empty rows at a table's end as one repeated row).
    fn end_row(&mut self) -> Result<(), ImportError> {
        let nested = self.tables.len() > 1;
        let Some(table) = self.tables.last_mut() else { return Ok(()) };
        let Some((cells, continued)) = table.row.take() else { return Ok(()) };
        let repeated = std::mem::replace(&mut table.row_repeated, 1).max(1);
        let empty = cells.iter().all(String::is_empty);
        let copies = if empty { 1 } else { repeated };
        for _ in 0..copies {
            let row = Self::spanned_row(table, cells.clone(), &continued);
            if nested {
                if table.rows.len() >= TABLE_ROWS_MAX {
                    return Err(self.too_many_rows());
                }
                table.rows.push(row);
                continue;
            }
            if self.grid.rows.len() >= TABLE_ROWS_MAX {
                return Err(self.too_many_rows());
            }
            let number = self.grid.rows.len().saturating_add(1).saturating_add(self.rows_not_kept);
            let number = u32::try_from(number).unwrap_or(u32::MAX);
            self.grid.rows.push(GridRow { row: number, cells: row });
        }
        if empty {
            let more = repeated.saturating_sub(1);
            for (_, left) in table.spans.values_mut() {
                *left = left.saturating_sub(u32::try_from(more).unwrap_or(u32::MAX));
            }
            if !nested {
                self.rows_not_kept = self.rows_not_kept.saturating_add(more);
            }
        }
        Ok(())
    }

    /// One row with the text of the cells spanning rows above it copied into its covered cells
    /// (only in a numbered row: the executor merged over several activities), the spans counted
    /// down.
    fn spanned_row(table: &mut Table, mut cells: Vec<String>, continued: &[usize]) -> Vec<String> {
        let numbered = cells.first().is_some_and(|c| !c.is_empty());
        for column in continued {
            let text = table.spans.get(column).map(|(text, _)| text.clone()).unwrap_or_default();
            if let Some(cell) = cells.get_mut(*column) {
                if numbered && *column > 0 && cell.is_empty() {
                    *cell = text;
                }
            }
        }
        for (_, left) in table.spans.values_mut() {
            *left = left.saturating_sub(1);
        }
        cells
    }

    fn too_many_rows(&self) -> ImportError {
        docx_table::document_error(
            self.file,
            format!("в таблицах документа больше {TABLE_ROWS_MAX} строк"),
        )
    }

    fn end_table(&mut self) {
        let Some(table) = self.tables.pop() else { return };
        if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
            for row in table.rows {
                let texts: Vec<&str> =
                    row.iter().map(String::as_str).filter(|t| !t.is_empty()).collect();
                if !texts.is_empty() {
                    cell.paragraphs.push(texts.join(" "));
                }
            }
        }
    }
}

fn attribute(element: &BytesStart<'_>, local: &str) -> Option<String> {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| a.value.into_owned())
}

fn xml_error(file: &str, error: &quick_xml::Error) -> ImportError {
    docx_table::document_error(file, format!("XML части «{CONTENT_PART}» не читается: {error}"))
}

fn too_deep(file: &str) -> ImportError {
    docx_table::document_error(file, format!("вложенность XML глубже {XML_DEPTH_MAX} уровней"))
}
