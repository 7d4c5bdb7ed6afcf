//! Word documents (.docx, Office Open XML) read natively: the zip package through the shared
//! zip-part counter of `xlsx_grid`, then `word/document.xml` as a stream of XML events
//! (quick-xml), every table of the body laid out on one grid of rows (a plan split over several
//! tables is one plan) and handed to the shared grid reading of `plan`.
//!
//! What Word keeps in its structure, and the reader honours: a cell spanning columns
//! (`w:gridSpan`) fills its first grid column and leaves the rest empty, so a section row
//! spanning the table reads as a heading; a vertically merged cell (`w:vMerge`) repeats its text
//! in a continuing row that has its own number (an executor merged over several activities), and
//! stays empty in one that has not (the tail of a merged activity); paragraphs within a cell are
//! kept as lines, so a page break's continuation can be told from the row's own text; a numbered
//! paragraph (`w:numPr`) reads as the number the reader sees, computed from the counters of
//! `word/numbering.xml`, not as its raw text; a nested table's rows become lines of the cell
//! that holds it; paragraphs outside the tables are kept for the act named in the heading.
//!
//! Bounded memory whatever the file says: the package unpacks within `xlsx_grid`'s limits and
//! the document part within `DOCUMENT_PART_BYTES_MAX`; XML nesting deeper than `XML_DEPTH_MAX`,
//! tables nested deeper than `TABLE_NESTING_MAX`, rows past `TABLE_ROWS_MAX` and rows wider than
//! `ROW_COLUMNS_MAX` are refused with an error naming the limit.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::documents::import::heading;
use crate::documents::import::plan::{self, GridRow, ImportError, ParsedPlan};
use crate::documents::import::xlsx_grid::{self, UnpackProblem};

/// Bytes `word/document.xml` may unpack to: a plan of a few hundred rows is a few megabytes.
pub(crate) const DOCUMENT_PART_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// Bytes `word/numbering.xml` may unpack to.
pub(crate) const NUMBERING_PART_BYTES_MAX: u64 = 8 * 1024 * 1024;
/// Open XML elements at once: a table nested in a table costs about five levels, so real
/// documents stay under a hundred.
pub(crate) const XML_DEPTH_MAX: usize = 256;
/// Tables nested in one another: plans nest a table in a cell once, rarely twice.
pub(crate) const TABLE_NESTING_MAX: usize = 8;
/// Table rows of one document, all tables together.
pub(crate) const TABLE_ROWS_MAX: usize = 200_000;
/// Grid columns of one row (spans included).
pub(crate) const ROW_COLUMNS_MAX: usize = 256;
/// Levels of a Word list (the format has nine).
const LIST_LEVELS: usize = 9;

/// The main part of a Word package.
pub(crate) const DOCUMENT_PART: &str = "word/document.xml";
const NUMBERING_PART: &str = "word/numbering.xml";
const STYLES_PART: &str = "word/styles.xml";
/// Bytes `word/styles.xml` may unpack to (real ones are tens of kilobytes).
pub(crate) const STYLES_PART_BYTES_MAX: u64 = 8 * 1024 * 1024;
/// Steps of a style's `w:basedOn` chain followed to find its list (Word allows no cycles, a
/// hostile file may have one).
const STYLE_CHAIN_MAX: usize = 16;

/// Reads a plan from a .docx file.
pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    let document = read_document(file, bytes)?;
    let mut parsed = plan::plan_from_grid(file, &document.rows)?;
    parsed.basis = heading::basis_in_heading(&document.outside);
    Ok(parsed)
}

/// True when the zip package holds a Word document's main part.
pub(crate) fn is_docx(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .is_ok_and(|archive| archive.index_for_name(DOCUMENT_PART).is_some())
}

/// The tables of a document as one grid, and the paragraphs before them.
pub(crate) struct DocumentGrid {
    /// Rows of every top-level table in document order, numbered from 1 across tables, and the
    /// paragraphs after the first table as one-cell rows among them.
    pub rows: Vec<GridRow>,
    /// Paragraphs before the first table, in order (the heading).
    pub outside: Vec<String>,
}

/// Unpacks and parses the document part (and the numbering part, when there is one).
pub(crate) fn read_document(file: &str, bytes: &[u8]) -> Result<DocumentGrid, ImportError> {
    let part_limit = |name: &str| match name {
        DOCUMENT_PART => DOCUMENT_PART_BYTES_MAX,
        NUMBERING_PART => NUMBERING_PART_BYTES_MAX,
        STYLES_PART => STYLES_PART_BYTES_MAX,
        _ => xlsx_grid::UNPACKED_BYTES_MAX,
    };
    if let Err(problem) = xlsx_grid::unpacked_sizes(bytes, &part_limit) {
        return Err(document_error(file, unpack_reason(&problem)));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| document_error(file, format!("не zip-пакет ({error})")))?;
    let xml = read_part(file, &mut archive, DOCUMENT_PART, DOCUMENT_PART_BYTES_MAX)?
        .ok_or_else(|| document_error(file, format!("в пакете нет части «{DOCUMENT_PART}»")))?;
    let mut numbering =
        match read_part(file, &mut archive, NUMBERING_PART, NUMBERING_PART_BYTES_MAX)? {
            Some(numbering_xml) => Numbering::parse(file, &numbering_xml)?,
            None => Numbering::default(),
        };
    if let Some(styles_xml) = read_part(file, &mut archive, STYLES_PART, STYLES_PART_BYTES_MAX)? {
        numbering.styles = ParagraphStyles::parse(file, &styles_xml)?;
    }
    parse_body(file, &xml, numbering)
}

/// The error of a Word document that cannot be read, naming the file.
pub(crate) fn document_error(file: &str, message: String) -> ImportError {
    ImportError::Document { file: file.to_string(), message }
}

/// The Russian reason of a refused package.
pub(crate) fn unpack_reason(problem: &UnpackProblem) -> String {
    match problem {
        UnpackProblem::TooManyParts(count) => {
            format!("в пакете больше {} частей ({count})", xlsx_grid::ZIP_ENTRIES_MAX)
        }
        UnpackProblem::PartTooBig { name, limit_bytes } => format!(
            "часть «{name}» распаковывается больше чем в {} МиБ",
            limit_bytes / (1024 * 1024)
        ),
        UnpackProblem::TotalTooBig => format!(
            "пакет распаковывается больше чем в {} МиБ",
            xlsx_grid::UNPACKED_BYTES_MAX / (1024 * 1024)
        ),
        UnpackProblem::TooManyStrings { name } => {
            format!("в части «{name}» больше {} строк", xlsx_grid::SHARED_STRINGS_MAX)
        }
    }
}

/// One part of the package as text, at most `limit_bytes`; `None` when there is no such part.
pub(crate) fn read_part(
    file: &str,
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    limit_bytes: u64,
) -> Result<Option<String>, ImportError> {
    let mut part = match archive.by_name(name) {
        Ok(part) => part,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(error) => return Err(document_error(file, format!("часть «{name}»: {error}"))),
    };
    let mut bytes = Vec::new();
    (&mut part).take(limit_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(|error| {
        document_error(file, format!("часть «{name}» не распаковывается: {error}"))
    })?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit_bytes {
        return Err(document_error(
            file,
            format!("часть «{name}» больше {} МиБ", limit_bytes / (1024 * 1024)),
        ));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| document_error(file, format!("часть «{name}» не в кодировке UTF-8")))
}

/// A vertical merge mark of a cell.
#[derive(Clone, Copy, PartialEq, Eq)]
enum VerticalMerge {
    Restart,
    Continue,
}

#[derive(Default)]
struct CellState {
    paragraphs: Vec<String>,
    span: usize,
    merge: Option<VerticalMerge>,
}

#[derive(Default)]
struct RowState {
    cells: Vec<String>,
    /// Grid columns whose cell continues a vertical merge.
    continued: Vec<usize>,
}

#[derive(Default)]
struct TableState {
    /// Rows of a nested table (a top-level table's rows go straight to the grid).
    rows: Vec<Vec<String>>,
    row: Option<RowState>,
    cell: Option<CellState>,
    /// The text of the cell that restarted a vertical merge, by grid column.
    merge_text: BTreeMap<usize, String>,
}

#[derive(Default)]
struct ParagraphState {
    text: String,
    /// The paragraph's own `w:numId` (0: numbering switched off), and `w:ilvl`.
    list: Option<u32>,
    level: Option<usize>,
    /// `w:pStyle`: a list style numbers the paragraph when it has no `w:numPr` of its own.
    style: Option<String>,
}

/// Where the parser is: the open tables, paragraph, run and text element.
struct BodyParser<'a> {
    file: &'a str,
    numbering: Numbering,
    tables: Vec<TableState>,
    paragraph: Option<ParagraphState>,
    in_run: bool,
    in_text: bool,
    /// The depth of an element whose content is not the document's text (a text box, a
    /// fallback rendering, deleted text, a field instruction), while inside it.
    ignored_from: Option<usize>,
    depth: usize,
    grid: DocumentGrid,
}

fn parse_body(file: &str, xml: &str, numbering: Numbering) -> Result<DocumentGrid, ImportError> {
    let mut parser = BodyParser {
        file,
        numbering,
        tables: Vec::new(),
        paragraph: None,
        in_run: false,
        in_text: false,
        ignored_from: None,
        depth: 0,
        grid: DocumentGrid { rows: Vec::new(), outside: Vec::new() },
    };
    let mut reader = Reader::from_str(xml);
    loop {
        let event = reader.read_event().map_err(|error| {
            document_error(
                file,
                format!(
                    "XML части «{DOCUMENT_PART}» не читается (байт {}): {error}",
                    reader.buffer_position()
                ),
            )
        })?;
        match event {
            Event::Start(element) => {
                parser.depth = parser.depth.saturating_add(1);
                if parser.depth > XML_DEPTH_MAX {
                    return Err(document_error(
                        file,
                        format!("вложенность XML глубже {XML_DEPTH_MAX} уровней"),
                    ));
                }
                parser.start(&element, false)?;
            }
            Event::Empty(element) => parser.start(&element, true)?,
            Event::End(element) => {
                let name = element.local_name();
                parser.end(name.as_ref())?;
                parser.depth = parser.depth.saturating_sub(1);
            }
            Event::Text(text) if parser.takes_text() => {
                let content = text.xml10_content();
                parser.push_text(&content);
            }
            Event::GeneralRef(reference) if parser.takes_text() => {
                if let Some(c) = reference_char(&reference) {
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
        self.in_text && self.ignored_from.is_none()
    }

    fn push_text(&mut self, text: &str) {
        if let Some(paragraph) = self.paragraph.as_mut() {
            paragraph.text.push_str(text);
        }
    }

    fn start(&mut self, element: &BytesStart<'_>, empty: bool) -> Result<(), ImportError> {
        if self.ignored_from.is_some() {
            return Ok(());
        }
        let local = element.local_name();
        let name = local.as_ref();
        match name {
            "txbxContent" | "Fallback" | "delText" | "instrText" if !empty => {
                self.ignored_from = Some(self.depth);
            }
            "tbl" if !empty => {
                if self.tables.len() >= TABLE_NESTING_MAX {
                    return Err(document_error(
                        self.file,
                        format!("таблицы вложены друг в друга глубже {TABLE_NESTING_MAX} уровней"),
                    ));
                }
                self.tables.push(TableState::default());
            }
            "tr" if !empty => {
                if let Some(table) = self.tables.last_mut() {
                    table.row = Some(RowState::default());
                }
            }
            "tc" if !empty => {
                if let Some(table) = self.tables.last_mut() {
                    table.cell = Some(CellState { span: 1, ..CellState::default() });
                }
            }
            "gridSpan" => {
                let span = value_of(element).and_then(|v| v.parse::<usize>().ok()).unwrap_or(1);
                if span > ROW_COLUMNS_MAX {
                    return Err(self.too_wide());
                }
                if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    cell.span = span.max(1);
                }
            }
            "vMerge" => {
                let merge = match value_of(element).as_deref() {
                    Some("restart") => VerticalMerge::Restart,
                    _ => VerticalMerge::Continue,
                };
                if let Some(cell) = self.tables.last_mut().and_then(|t| t.cell.as_mut()) {
                    cell.merge = Some(merge);
                }
            }
            "p" if !empty => self.paragraph = Some(ParagraphState::default()),
            "numId" => {
                if let Some(paragraph) = self.paragraph.as_mut() {
                    paragraph.list = value_of(element).and_then(|v| v.parse().ok());
                }
            }
            "ilvl" => {
                if let Some(paragraph) = self.paragraph.as_mut() {
                    paragraph.level = value_of(element).and_then(|v| v.parse().ok());
                }
            }
            "pStyle" => {
                if let Some(paragraph) = self.paragraph.as_mut() {
                    paragraph.style = value_of(element);
                }
            }
            "r" if !empty => self.in_run = true,
            "t" if !empty => self.in_text = true,
            "tab" if self.in_run => self.push_text(" "),
            "br" | "cr" if self.in_run => self.push_text("\n"),
            "noBreakHyphen" if self.in_run => self.push_text("-"),
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
            "t" => self.in_text = false,
            "r" => self.in_run = false,
            "p" => self.end_paragraph(),
            "tc" => self.end_cell()?,
            "tr" => self.end_row()?,
            "tbl" => self.end_table(),
            _ => {}
        }
        Ok(())
    }

    fn end_paragraph(&mut self) {
        let Some(paragraph) = self.paragraph.take() else { return };
        let list = match paragraph.list {
            Some(list) => Some((list, paragraph.level.unwrap_or(0))),
            None => paragraph.style.as_deref().and_then(|style| {
                let (list, level) = self.numbering.list_of_style(style)?;
                Some((list, paragraph.level.unwrap_or(level)))
            }),
        };
        let label = match list {
            Some((list, level)) if list != 0 => self.numbering.next_label(list, level),
            _ => String::new(),
        };
        let text = paragraph.text.trim();
        let text = match (label.is_empty(), text.is_empty()) {
            (true, _) => text.to_string(),
            (false, true) => label,
            (false, false) => format!("{label} {text}"),
        };
        match self.tables.last_mut() {
            Some(table) => {
                if let Some(cell) = table.cell.as_mut() {
                    cell.paragraphs.push(text);
                }
            }
            None => self.outside_paragraph(text),
        }
    }

    /// A paragraph outside tables: before the first table, part of the heading; after it, a row
    /// of its own between the tables' rows (a direction's title above its table, «Продолжение
    /// таблицы», an approval sheet or signature after the plan), for the grid reading to judge.
    fn outside_paragraph(&mut self, text: String) {
        if text.is_empty() {
            return;
        }
        if self.grid.rows.is_empty() {
            self.grid.outside.push(text);
        } else if self.grid.rows.len() < TABLE_ROWS_MAX {
            let number = u32::try_from(self.grid.rows.len().saturating_add(1)).unwrap_or(u32::MAX);
            self.grid.rows.push(GridRow { row: number, cells: vec![text] });
        }
    }

    fn end_cell(&mut self) -> Result<(), ImportError> {
        let Some(table) = self.tables.last_mut() else { return Ok(()) };
        let Some(cell) = table.cell.take() else { return Ok(()) };
        let Some(row) = table.row.as_mut() else { return Ok(()) };
        let column = row.cells.len();
        let text = cell.paragraphs.join("\n").trim().to_string();
        match cell.merge {
            Some(VerticalMerge::Restart) => {
                table.merge_text.insert(column, text.clone());
            }
            Some(VerticalMerge::Continue) => row.continued.push(column),
            None => {
                table.merge_text.remove(&column);
            }
        }
        if column.saturating_add(cell.span) > ROW_COLUMNS_MAX {
            return Err(self.too_wide());
        }
        row.cells.push(text);
        for _ in 1..cell.span {
            row.cells.push(String::new());
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), ImportError> {
        let nested = self.tables.len() > 1;
        let Some(table) = self.tables.last_mut() else { return Ok(()) };
        let Some(mut row) = table.row.take() else { return Ok(()) };
        let numbered = row.cells.first().is_some_and(|c| !c.is_empty());
        for column in std::mem::take(&mut row.continued) {
            let text = table.merge_text.get(&column).cloned().unwrap_or_default();
            if let Some(cell) = row.cells.get_mut(column) {
                if numbered && column > 0 && cell.is_empty() {
                    *cell = text;
                }
            }
        }
        if nested {
            table.rows.push(row.cells);
            return Ok(());
        }
        if self.grid.rows.len() >= TABLE_ROWS_MAX {
            return Err(document_error(
                self.file,
                format!("в таблицах документа больше {TABLE_ROWS_MAX} строк"),
            ));
        }
        let number = u32::try_from(self.grid.rows.len().saturating_add(1)).unwrap_or(u32::MAX);
        self.grid.rows.push(GridRow { row: number, cells: row.cells });
        Ok(())
    }

    fn end_table(&mut self) {
        let Some(table) = self.tables.pop() else { return };
        // A nested table becomes lines of the cell that holds it, one line per row.
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

    fn too_wide(&self) -> ImportError {
        document_error(self.file, format!("строка таблицы шире {ROW_COLUMNS_MAX} столбцов"))
    }
}

/// The `w:val` attribute of an element.
fn value_of(element: &BytesStart<'_>) -> Option<String> {
    attribute(element, "val")
}

fn attribute(element: &BytesStart<'_>, local: &str) -> Option<String> {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| a.value.into_owned())
}

/// One level of a list definition (`w:lvl`).
#[derive(Clone, Default)]
struct ListLevel {
    start: u32,
    format: String,
    text: String,
}

/// A list instance (`w:num`): its abstract definition and the levels it restarts.
#[derive(Clone, Default)]
struct ListInstance {
    abstract_id: u32,
    start_overrides: BTreeMap<usize, u32>,
    used: bool,
}

/// `word/numbering.xml` and the running counters: the numbers the reader sees. Counters belong
/// to the abstract definition (lists that share one continue each other, as Word shows them);
/// an instance with a `w:startOverride` restarts its levels the first time it is used.
#[derive(Default)]
struct Numbering {
    definitions: BTreeMap<u32, Vec<ListLevel>>,
    instances: BTreeMap<u32, ListInstance>,
    counters: BTreeMap<u32, [Option<u32>; LIST_LEVELS]>,
    /// Levels tied to a paragraph style by `w:lvl/w:pStyle`.
    style_levels: BTreeMap<String, usize>,
    /// `word/styles.xml`: the lists paragraph styles carry.
    styles: ParagraphStyles,
}

/// A paragraph style's own list properties and the style it is based on.
#[derive(Default, Clone)]
struct StyleList {
    list: Option<u32>,
    level: Option<usize>,
    based_on: Option<String>,
}

/// The paragraph styles of `word/styles.xml` that matter for numbering: a plan's number
/// column is often a "List Number" style rather than a `w:numPr` on each paragraph.
#[derive(Default)]
struct ParagraphStyles {
    styles: BTreeMap<String, StyleList>,
}

impl ParagraphStyles {
    fn parse(file: &str, xml: &str) -> Result<ParagraphStyles, ImportError> {
        let mut styles = ParagraphStyles::default();
        let mut reader = Reader::from_str(xml);
        let mut current: Option<(String, StyleList)> = None;
        let mut depth = 0usize;
        loop {
            let event = reader.read_event().map_err(|error| {
                document_error(file, format!("XML части «{STYLES_PART}» не читается: {error}"))
            })?;
            let element = match &event {
                Event::Start(element) => {
                    depth = depth.saturating_add(1);
                    if depth > XML_DEPTH_MAX {
                        return Err(document_error(
                            file,
                            format!("вложенность XML стилей глубже {XML_DEPTH_MAX} уровней"),
                        ));
                    }
                    element
                }
                Event::Empty(element) => element,
                Event::End(element) => {
                    depth = depth.saturating_sub(1);
                    if element.local_name().as_ref() == "style" {
                        if let Some((id, style)) = current.take() {
                            styles.styles.insert(id, style);
                        }
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            let number = || value_of(element).and_then(|v| v.parse::<u32>().ok());
            match (element.local_name().as_ref(), current.as_mut()) {
                ("style", _) => {
                    let paragraph = attribute(element, "type").as_deref() == Some("paragraph");
                    current = attribute(element, "styleId")
                        .filter(|_| paragraph)
                        .map(|id| (id, StyleList::default()));
                }
                ("basedOn", Some((_, style))) => style.based_on = value_of(element),
                ("numId", Some((_, style))) => style.list = number(),
                ("ilvl", Some((_, style))) => {
                    style.level = number().and_then(|l| usize::try_from(l).ok());
                }
                _ => {}
            }
        }
        Ok(styles)
    }
}

impl Numbering {
    fn parse(file: &str, xml: &str) -> Result<Numbering, ImportError> {
        let mut numbering = Numbering::default();
        let mut reader = Reader::from_str(xml);
        let mut definition: Option<(u32, Vec<ListLevel>)> = None;
        let mut level: Option<usize> = None;
        let mut instance: Option<(u32, ListInstance)> = None;
        let mut override_level: Option<usize> = None;
        let mut depth = 0usize;
        loop {
            let event = reader.read_event().map_err(|error| {
                document_error(file, format!("XML части «{NUMBERING_PART}» не читается: {error}"))
            })?;
            let (element, is_start) = match &event {
                Event::Start(element) => (element, true),
                Event::Empty(element) => (element, false),
                Event::End(element) => {
                    depth = depth.saturating_sub(1);
                    match element.local_name().as_ref() {
                        "abstractNum" => {
                            if let Some((id, levels)) = definition.take() {
                                numbering.definitions.insert(id, levels);
                            }
                        }
                        "num" => {
                            if let Some((id, list)) = instance.take() {
                                numbering.instances.insert(id, list);
                            }
                        }
                        "lvl" => level = None,
                        "lvlOverride" => override_level = None,
                        _ => {}
                    }
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            if is_start {
                depth = depth.saturating_add(1);
                if depth > XML_DEPTH_MAX {
                    return Err(document_error(
                        file,
                        format!("вложенность XML нумерации глубже {XML_DEPTH_MAX} уровней"),
                    ));
                }
            }
            let number = |name: &str| attribute(element, name).and_then(|v| v.parse::<u32>().ok());
            match element.local_name().as_ref() {
                "abstractNum" => {
                    definition = number("abstractNumId")
                        .map(|id| (id, vec![ListLevel::default(); LIST_LEVELS]));
                }
                "lvl" => level = number("ilvl").and_then(|l| usize::try_from(l).ok()),
                "pStyle" => {
                    if let (Some(style), Some(level)) = (value_of(element), level) {
                        numbering.style_levels.insert(style, level);
                    }
                }
                "start" | "numFmt" | "lvlText" => {
                    let Some(levels) = definition.as_mut().map(|(_, levels)| levels) else {
                        continue;
                    };
                    let Some(slot) = level.and_then(|l| levels.get_mut(l)) else { continue };
                    let value = value_of(element).unwrap_or_default();
                    match element.local_name().as_ref() {
                        "start" => slot.start = value.parse().unwrap_or(1),
                        "numFmt" => slot.format = value,
                        _ => slot.text = value,
                    }
                }
                "num" => {
                    instance = number("numId").map(|id| (id, ListInstance::default()));
                }
                "abstractNumId" => {
                    if let Some((_, list)) = instance.as_mut() {
                        list.abstract_id =
                            value_of(element).and_then(|v| v.parse().ok()).unwrap_or(0);
                    }
                }
                "lvlOverride" => {
                    override_level = number("ilvl").and_then(|l| usize::try_from(l).ok());
                }
                "startOverride" => {
                    if let (Some((_, list)), Some(level)) = (instance.as_mut(), override_level) {
                        let start = value_of(element).and_then(|v| v.parse().ok()).unwrap_or(1);
                        list.start_overrides.insert(level, start);
                    }
                }
                _ => {}
            }
        }
        Ok(numbering)
    }

    /// The list and level a paragraph of `style` is numbered with when it says nothing itself:
    /// the first `w:numId` up the style's `w:basedOn` chain, at the style's `w:ilvl`, else the
    /// level whose `w:pStyle` names the style, else the first.
    fn list_of_style(&self, style: &str) -> Option<(u32, usize)> {
        let mut id = style.to_string();
        let mut level: Option<usize> = None;
        for _ in 0..STYLE_CHAIN_MAX {
            let definition = self.styles.styles.get(&id)?;
            level = level.or(definition.level);
            if let Some(list) = definition.list {
                let level = level.or_else(|| self.style_levels.get(style).copied());
                return Some((list, level.unwrap_or(0)));
            }
            id = definition.based_on.clone()?;
        }
        None
    }

    /// Counts one paragraph of list `list` at `level` and returns the label Word shows for it
    /// ("1.", "2.3.", "а)"); empty for bullets and unknown lists.
    fn next_label(&mut self, list: u32, level: usize) -> String {
        let Some(instance) = self.instances.get_mut(&list) else { return String::new() };
        let abstract_id = instance.abstract_id;
        let Some(levels) = self.definitions.get(&abstract_id) else { return String::new() };
        let level = level.min(LIST_LEVELS.saturating_sub(1));
        let counters = self.counters.entry(abstract_id).or_insert([None; LIST_LEVELS]);
        let mut starts: Vec<u32> = levels.iter().map(|l| l.start).collect();
        if !instance.used {
            instance.used = true;
            for (overridden, start) in &instance.start_overrides {
                if let Some(counter) = counters.get_mut(*overridden) {
                    *counter = None;
                }
                if let Some(slot) = starts.get_mut(*overridden) {
                    *slot = *start;
                }
            }
        }
        let start_of = |l: usize| starts.get(l).copied().unwrap_or(1);
        if let Some(counter) = counters.get_mut(level) {
            *counter = Some(counter.map_or(start_of(level), |c| c.saturating_add(1)));
        }
        for deeper in counters.iter_mut().skip(level.saturating_add(1)) {
            *deeper = None;
        }
        let Some(definition) = levels.get(level) else { return String::new() };
        if matches!(definition.format.as_str(), "bullet" | "none") {
            return String::new();
        }
        let mut label = String::new();
        let mut chars = definition.text.chars().peekable();
        while let Some(c) = chars.next() {
            let placeholder = (c == '%')
                .then(|| chars.peek().and_then(|d| d.to_digit(10)))
                .flatten()
                .and_then(|d| usize::try_from(d).ok())
                .filter(|d| (1..=LIST_LEVELS).contains(d));
            let Some(referenced) = placeholder else {
                label.push(c);
                continue;
            };
            chars.next();
            let index = referenced.saturating_sub(1);
            let value = counters.get(index).copied().flatten().unwrap_or_else(|| start_of(index));
            let format = levels.get(index).map_or("decimal", |l| l.format.as_str());
            label.push_str(&format_number(value, format));
        }
        label
    }
}

/// The character an XML reference stands for: a character reference (`&#1040;`) or one of the
/// five predefined entities; None for any other (dropped, as the cell text cannot hold it). The
/// Word and the OpenDocument readers both use it.
pub(crate) fn reference_char(reference: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    match reference.resolve_char_ref() {
        Ok(Some(c)) => Some(c),
        _ => match reference.xml10_content().as_ref() {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => None,
        },
    }
}

/// A counter as a list shows it in the given `w:numFmt`.
pub(crate) fn format_number(value: u32, format: &str) -> String {
    const LATIN: &[char] = &[
        'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r',
        's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
    ];
    // Word's russianLower skips ё, й, ъ, ы, ь.
    const CYRILLIC: &[char] = &[
        'а', 'б', 'в', 'г', 'д', 'е', 'ж', 'з', 'и', 'к', 'л', 'м', 'н', 'о', 'п', 'р', 'с', 'т',
        'у', 'ф', 'х', 'ц', 'ч', 'ш', 'щ', 'э', 'ю', 'я',
    ];
    match format {
        "lowerLetter" => letters(value, LATIN),
        "upperLetter" => letters(value, LATIN).to_uppercase(),
        "russianLower" => letters(value, CYRILLIC),
        "russianUpper" => letters(value, CYRILLIC).to_uppercase(),
        "lowerRoman" => roman(value).to_lowercase(),
        "upperRoman" => roman(value),
        "decimalZero" if value < 10 => format!("0{value}"),
        _ => value.to_string(),
    }
}

/// Word's letter numbering: a..z, then aa..zz, then aaa..
fn letters(value: u32, alphabet: &[char]) -> String {
    let size = u32::try_from(alphabet.len()).unwrap_or(1).max(1);
    let value = value.max(1);
    let index = usize::try_from((value - 1) % size).unwrap_or(0);
    let repeat = usize::try_from((value - 1) / size).unwrap_or(0).saturating_add(1).min(16);
    alphabet.get(index).map(|c| c.to_string().repeat(repeat)).unwrap_or_default()
}

fn roman(value: u32) -> String {
    const NUMERALS: &[(u32, &str)] = &[
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut rest = value.min(3999);
    let mut out = String::new();
    for (amount, numeral) in NUMERALS {
        while rest >= *amount {
            out.push_str(numeral);
            rest -= amount;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::documents::import::docx_table::format_number;

    #[test]
    fn list_counters_are_shown_in_their_format() {
        assert_eq!(format_number(3, "decimal"), "3");
        assert_eq!(format_number(28, "lowerLetter"), "bb");
        assert_eq!(format_number(9, "russianLower"), "и");
        assert_eq!(format_number(10, "russianLower"), "к");
        assert_eq!(format_number(14, "upperRoman"), "XIV");
    }
}
