//! Plain-text dumps of Word tables, the hardest genre. Two layouts occur: rows kept on one
//! line with tab-separated cells (read as a grid), and "flowing" dumps where every cell's text
//! runs down the page line by line, page headers repeat mid-table, page numbers interrupt rows
//! and words are broken by spaces. For the latter the reader finds the header block (column
//! order), finds activity rows by their number pattern checked against the numbering sequence,
//! drops repeated headers and page numbers, and assigns each row's lines to columns with a
//! small dynamic programme that scores how well a line fits a column (terms, responsible
//! subjects, document names, capitalisation, blank lines) while keeping the header order.

use std::collections::{BTreeMap, BTreeSet};

use crate::documents::import::cell_text;
use crate::documents::import::columns::{self, Column};
use crate::documents::import::heading;
use crate::documents::import::page_breaks;
use crate::documents::import::plan::{
    self, GridRow, ImportError, ImportIssue, JoinedRow, ParsedPlan, RawFields, RawItem, SkippedRow,
};

/// Lines in a dump; a plan of a few hundred pages stays far below.
const LINES_MAX: usize = 500_000;
/// Non-empty lines a header block may span (seed 003's spans eleven).
const HEADER_BLOCK_LINES_MAX: usize = 24;
/// Share of control characters above which bytes are not text.
const CONTROL_CHARS_PER_MILLE_MAX: usize = 20;
/// Lines after the end of the table listed one by one as skipped; the rest are counted in one
/// entry (an order may go on for pages after its plan).
const TAIL_LINES_LISTED_MAX: usize = 100;

pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    let text = decode(file, bytes)?;
    reject_binary(file, &text)?;
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > LINES_MAX {
        return Err(ImportError::NotATable {
            file: file.to_string(),
            reason: format!("в файле больше {LINES_MAX} строк"),
        });
    }
    let mut parsed = if has_tabbed_header(&lines) {
        let rows: Vec<GridRow> = lines
            .iter()
            .enumerate()
            .map(|(index, line)| GridRow {
                row: line_number(index),
                cells: line.split('\t').map(str::to_string).collect(),
            })
            .collect();
        plan::plan_from_grid(file, &rows)?
    } else {
        read_flowing(file, &lines)?
    };
    let heading: Vec<String> = lines
        .iter()
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect();
    parsed.basis = heading::basis_in_heading(&heading);
    Ok(parsed)
}

/// Decodes UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1251.
pub(crate) fn decode(file: &str, bytes: &[u8]) -> Result<String, ImportError> {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_with_bom_removal(bytes);
        if had_errors {
            return Err(ImportError::Encoding {
                file: file.to_string(),
                message: format!("недопустимые байты для {}", encoding.name()),
            });
        }
        return Ok(text.into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(_) => {
            let (text, had_errors) = encoding_rs::WINDOWS_1251.decode_without_bom_handling(bytes);
            if had_errors {
                return Err(ImportError::Encoding {
                    file: file.to_string(),
                    message: "не UTF-8 и не Windows-1251".to_string(),
                });
            }
            Ok(text.into_owned())
        }
    }
}

pub(crate) fn reject_binary(file: &str, text: &str) -> Result<(), ImportError> {
    let total = text.chars().count().max(1);
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    if control.saturating_mul(1000) / total > CONTROL_CHARS_PER_MILLE_MAX {
        return Err(ImportError::NotATable {
            file: file.to_string(),
            reason: "файл не похож на текст (двоичные данные)".to_string(),
        });
    }
    Ok(())
}

fn line_number(index: usize) -> u32 {
    u32::try_from(index.saturating_add(1)).unwrap_or(u32::MAX)
}

fn has_tabbed_header(lines: &[&str]) -> bool {
    lines.iter().any(|line| {
        line.matches('\t').count() >= 2 && {
            let cells: Vec<String> = line.split('\t').map(str::to_string).collect();
            columns::recognize_header_row(&cells).is_some_and(|m| m.has(Column::Title))
        }
    })
}

/// The header block of a flowing dump.
struct Header {
    /// Index of the first line after the block.
    body_start: usize,
    columns: Vec<Column>,
    vocabulary: BTreeSet<String>,
}

fn find_flowing_header(lines: &[&str]) -> Option<Header> {
    let starts_with_sign = lines.iter().enumerate().filter(|(_, l)| l.contains('№'));
    let starts_with_title =
        lines.iter().enumerate().filter(|(_, l)| columns::normalize(l).contains("мероприят"));
    for (start, _) in starts_with_sign.chain(starts_with_title) {
        let mut block_end = start;
        let mut joined = String::new();
        let mut taken = 0usize;
        for (index, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            if index > start
                && !plan::is_column_number_row(&[trimmed.to_string()])
                && (parse_item_start(trimmed).is_some() || trimmed.chars().count() > 100)
            {
                break;
            }
            taken = taken.saturating_add(1);
            if taken > HEADER_BLOCK_LINES_MAX {
                break;
            }
            joined.push(' ');
            joined.push_str(trimmed);
            if !columns::columns_in_text(trimmed).is_empty()
                || plan::is_column_number_row(&[trimmed.to_string()])
                || index == start
                || is_header_fragment(trimmed)
            {
                block_end = index;
            }
        }
        let found = columns::columns_in_text(&joined);
        let non_number = found.iter().filter(|c| **c != Column::Number).count();
        if found.contains(&Column::Title) && non_number >= 3 {
            let mut vocabulary = BTreeSet::new();
            for line in lines.get(start..=block_end).unwrap_or(&[]) {
                for word in columns::normalize(line).split_whitespace() {
                    vocabulary.insert(word.to_string());
                }
            }
            vocabulary.insert("№".to_string());
            return Some(Header {
                body_start: block_end.saturating_add(1),
                columns: found,
                vocabulary,
            });
        }
    }
    None
}

/// Short pieces of header words broken across lines ("п/", "реализа", "ции").
fn is_header_fragment(line: &str) -> bool {
    line.chars().count() <= 12 && !line.chars().any(|c| c.is_ascii_digit())
}

/// A piece of a line that the aligner places into one column.
#[derive(Debug, Clone)]
struct Segment {
    text: String,
    line: u32,
    /// Preceded by a blank line (meaningful only when the dump is not double-spaced).
    paragraph: bool,
    boundary: Boundary,
    /// The line looked like a section heading whose number the dump lost (" о Реализация …").
    lost_heading: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boundary {
    /// The segment starts a line.
    Line,
    /// Split inside a line where a term or a person's name begins: a cell border is likely.
    Strong,
    /// Split after an organisation abbreviation: a cell border is possible.
    Weak,
}

struct FlowItem {
    number: String,
    components: Vec<u32>,
    line: u32,
    /// Runs of segments separated by page breaks.
    chunks: Vec<Vec<Segment>>,
    /// The item's number is the first text after a page break (a repeated header, column
    /// numbers, a page number or a running header).
    after_page_break: bool,
}

fn read_flowing(file: &str, lines: &[&str]) -> Result<ParsedPlan, ImportError> {
    let Some(header) = find_flowing_header(lines) else {
        return Err(ImportError::NotATable {
            file: file.to_string(),
            reason: "не найдена строка заголовков с графой «Наименование мероприятия»".to_string(),
        });
    };
    let body = lines.get(header.body_start..).unwrap_or(&[]);
    let double_spaced = is_double_spaced(body);
    let mut warnings: Vec<ImportIssue> = Vec::new();
    let mut items: Vec<FlowItem> = Vec::new();
    let mut previous: Option<Vec<u32>> = None;
    let mut blank_before = false;
    let mut page_break = false;
    // Unlike `page_break`, also set by a page number or a running header; read by the next item.
    let mut page_turned = false;
    let mut skipped: Vec<SkippedRow> = Vec::new();
    let mut skip = |line: u32, text: &str, reason: &str| {
        skipped.push(SkippedRow { row: line, text: text.to_string(), reason: reason.to_string() });
    };

    for (offset, raw) in body.iter().enumerate() {
        let index = header.body_start.saturating_add(offset);
        let line = line_number(index);
        let trimmed = raw.trim();
        if !trimmed.chars().any(char::is_alphanumeric) {
            blank_before = true;
            continue;
        }
        if plan::is_column_number_row(&[trimmed.to_string()]) {
            if !items.is_empty() {
                skip(line, trimmed, page_breaks::REASON_COLUMN_NUMBERS);
            }
            page_break = true;
            page_turned = true;
            continue;
        }
        if is_repeated_header(body, offset, &header) {
            skip(line, trimmed, page_breaks::REASON_REPEATED_HEADER);
            page_break = true;
            page_turned = true;
            continue;
        }
        if is_end_of_table(trimmed) && !items.is_empty() {
            skip_tail(body, offset, header.body_start, &mut skip);
            break;
        }
        if page_breaks::is_running_header(trimmed) {
            skip(line, trimmed, page_breaks::REASON_RUNNING_HEADER);
            page_turned = true;
            continue;
        }
        if let Some((number, components, rest)) = parse_item_start(trimmed) {
            if is_plausible_next(previous.as_deref(), &components) {
                let mut item = FlowItem {
                    number,
                    components: components.clone(),
                    line,
                    chunks: vec![Vec::new()],
                    after_page_break: std::mem::take(&mut page_turned),
                };
                if !rest.is_empty() {
                    push_line_segments(&mut item, &rest, line, true, false);
                }
                items.push(item);
                previous = Some(components);
                blank_before = false;
                page_break = false;
                continue;
            }
            if trimmed.chars().all(|c| c.is_ascii_digit()) {
                // A page number ("13") that is not the next activity number.
                skip(line, trimmed, page_breaks::REASON_PAGE_NUMBER);
                page_turned = true;
                continue;
            }
        }
        let Some(item) = items.last_mut() else {
            warnings.push(plan::issue(
                file,
                line,
                None,
                trimmed,
                "текст между заголовком таблицы и первым мероприятием не импортирован",
            ));
            continue;
        };
        if page_break && item.chunks.last().is_some_and(|c| !c.is_empty()) {
            item.chunks.push(Vec::new());
        }
        page_break = false;
        page_turned = false;
        let lost_heading = looks_like_lost_heading(raw);
        push_line_segments(item, trimmed, line, blank_before && !double_spaced, lost_heading);
        blank_before = false;
    }

    let depth_max = items.iter().map(|i| i.components.len()).max().unwrap_or(0);
    let recovered = recover_lost_headings(&mut items, depth_max, file, &mut warnings);
    let mut joined: Vec<JoinedRow> = Vec::new();
    let layout = Layout { columns: &header.columns, double_spaced, depth_max };
    let raw_items = raw_items(file, &mut items, &layout, &recovered, &mut warnings, &mut joined);
    let mut parsed = plan::build_plan(file, raw_items, warnings);
    parsed.skipped.extend(skipped);
    parsed.skipped.sort_by_key(|skipped| skipped.row);
    parsed.joined.extend(joined);
    Ok(parsed)
}

/// What the aligner needs to know of the dump as a whole.
struct Layout<'a> {
    columns: &'a [Column],
    double_spaced: bool,
    /// The depth of the activities' numbers; shallower numbers are headings.
    depth_max: usize,
}

/// The flowing items as raw plan items: headings by their numbers' depth or recovered, the
/// activities' segments aligned to columns, and a title's tail printed after a page break at
/// the start of the next activity moved back to its own activity (`joined`).
fn raw_items(
    file: &str,
    items: &mut [FlowItem],
    layout: &Layout<'_>,
    recovered: &BTreeMap<usize, (String, u32)>,
    warnings: &mut Vec<ImportIssue>,
    joined: &mut Vec<JoinedRow>,
) -> Vec<RawItem> {
    let mut raw_items: Vec<RawItem> = Vec::new();
    for (index, item) in items.iter_mut().enumerate() {
        if item.components.len() < layout.depth_max {
            let mut title = String::new();
            for segment in item.chunks.iter().flatten() {
                cell_text::append_text(&mut title, &segment.text);
            }
            raw_items.push(RawItem::Numbered {
                number: item.number.clone(),
                fields: RawFields { title, ..RawFields::default() },
                row: item.line,
            });
            continue;
        }
        if let Some((text, row)) = recovered.get(&index) {
            raw_items.push(RawItem::Heading { text: text.clone(), row: *row });
        }
        if item.after_page_break {
            move_tail_back(item, &mut raw_items, joined);
        }
        let fields = align_item(file, item, layout.columns, layout.double_spaced, warnings);
        raw_items.push(RawItem::Numbered { number: item.number.clone(), fields, row: item.line });
    }
    raw_items
}

/// Moves the leading lines of an activity that opens a page, up to the first line that starts
/// like a title, to the previous activity's title when they are its tail
/// (`page_breaks::split_continuation`), and reports the move.
fn move_tail_back(item: &mut FlowItem, raw_items: &mut [RawItem], joined: &mut Vec<JoinedRow>) {
    let Some(RawItem::Numbered { fields, row: into_row, .. }) = raw_items.last_mut() else {
        return;
    };
    let Some(chunk) = item.chunks.first_mut() else { return };
    let starts_title =
        |text: &str| text.chars().next().is_some_and(|c| c.is_uppercase() || c == '«' || c == '"');
    let Some(start) = chunk.iter().position(|segment| starts_title(&segment.text)) else {
        return;
    };
    let (Some(leading), Some(first_of_rest)) = (chunk.get(..start), chunk.get(start)) else {
        return;
    };
    if leading.is_empty() {
        return;
    }
    let mut tail_text = String::new();
    for segment in leading {
        cell_text::append_text(&mut tail_text, &segment.text);
    }
    let raw = format!("{tail_text}\n{}", first_of_rest.text);
    let Some((tail, _)) = page_breaks::split_continuation(&raw, &fields.title, true) else {
        return;
    };
    cell_text::append_text(&mut fields.title, &tail);
    chunk.drain(..start);
    joined.push(JoinedRow { row: item.line, into_row: *into_row, text: tail });
}

/// Lists the lines from the end of the table (signatures, an approval sheet, the rest of an
/// order) as skipped: the first `TAIL_LINES_LISTED_MAX` one by one, the rest in one entry.
fn skip_tail(
    body: &[&str],
    offset: usize,
    body_start: usize,
    skip: &mut impl FnMut(u32, &str, &str),
) {
    let tail = body.iter().enumerate().skip(offset).filter(|(_, line)| !line.trim().is_empty());
    let mut listed = 0usize;
    let mut rest: Option<(u32, usize)> = None;
    for (index, line) in tail {
        let number = line_number(body_start.saturating_add(index));
        if listed < TAIL_LINES_LISTED_MAX {
            skip(number, line.trim(), page_breaks::REASON_APPROVAL);
            listed = listed.saturating_add(1);
        } else {
            let (first, count) = rest.get_or_insert((number, 0));
            let _ = first;
            *count = count.saturating_add(1);
        }
    }
    if let Some((first, count)) = rest {
        skip(first, &format!("… и ещё строк: {count}"), page_breaks::REASON_APPROVAL);
    }
}

/// Finds activities whose section heading the dump lost (its number garbled, e.g. "5." became
/// " о") and cuts the heading text from the tail of the previous activity, where it landed.
/// Returns the recovered headings ("5. Title") by the index of the activity they precede.
fn recover_lost_headings(
    items: &mut [FlowItem],
    depth_max: usize,
    file: &str,
    warnings: &mut Vec<ImportIssue>,
) -> BTreeMap<usize, (String, u32)> {
    let mut recovered = BTreeMap::new();
    if depth_max < 2 {
        return recovered;
    }
    let mut current_major: Option<u32> = None;
    for index in 0..items.len() {
        let Some(item) = items.get(index) else { break };
        let major = item.components.first().copied();
        if item.components.len() < depth_max {
            current_major = major;
            continue;
        }
        if major == current_major {
            continue;
        }
        current_major = major;
        let Some(previous) = index.checked_sub(1).and_then(|p| items.get_mut(p)) else { continue };
        if previous.components.len() < depth_max {
            continue;
        }
        let Some(chunk) = previous.chunks.last_mut() else { continue };
        let Some(position) = chunk.iter().rposition(|s| s.lost_heading) else { continue };
        let cut: Vec<Segment> = chunk.split_off(position);
        let line = cut.first().map_or(previous.line, |s| s.line);
        let mut heading = String::new();
        for (i, segment) in cut.iter().enumerate() {
            let text = if i == 0 { strip_lost_marker(&segment.text) } else { segment.text.clone() };
            cell_text::append_text(&mut heading, &text);
        }
        warnings.push(plan::issue(
            file,
            line,
            None,
            &heading,
            "номер раздела в документе искажён; заголовок раздела восстановлен по тексту",
        ));
        recovered.insert(index, (format!("{}. {heading}", major.unwrap_or(0)), line));
    }
    recovered
}

fn strip_lost_marker(text: &str) -> String {
    let mut tokens = text.split_whitespace();
    let _marker = tokens.next();
    tokens.collect::<Vec<_>>().join(" ")
}

/// " о Реализация и совершенствование …": a one- or two-character lowercase token where a
/// section number should be, then a capitalised word.
fn looks_like_lost_heading(raw: &str) -> bool {
    let mut tokens = raw.split_whitespace();
    let (Some(marker), Some(word)) = (tokens.next(), tokens.next()) else { return false };
    let marker_count = marker.chars().count();
    let marker_ok = marker_count <= 2
        && marker.chars().all(|c| c.is_lowercase() || matches!(c, '.' | ')' | '•'))
        && !matches!(marker, "-" | "–");
    let mut word_chars = word.chars();
    let word_ok = word_chars.next().is_some_and(char::is_uppercase)
        && word_chars.clone().count() >= 3
        && word_chars.all(char::is_lowercase);
    marker_ok && word_ok
}

fn is_double_spaced(body: &[&str]) -> bool {
    let mut non_empty = 0usize;
    let mut followed_by_blank = 0usize;
    for pair in body.windows(2) {
        let (Some(line), Some(next)) = (pair.first(), pair.get(1)) else { continue };
        if line.trim().is_empty() {
            continue;
        }
        non_empty = non_empty.saturating_add(1);
        if next.trim().is_empty() {
            followed_by_blank = followed_by_blank.saturating_add(1);
        }
    }
    non_empty > 0 && followed_by_blank.saturating_mul(10) >= non_empty.saturating_mul(7)
}

fn is_header_like(line: &str, header: &Header) -> bool {
    let norm = columns::normalize(line);
    let words: Vec<&str> = norm.split_whitespace().collect();
    !words.is_empty() && words.iter().all(|w| header.vocabulary.contains(*w))
}

/// A repeated page header: a header-like line with "№", or two header-like lines in a row.
fn is_repeated_header(body: &[&str], offset: usize, header: &Header) -> bool {
    let Some(line) = body.get(offset) else { return false };
    if !is_header_like(line, header) {
        return false;
    }
    if line.contains('№') {
        return true;
    }
    let neighbour_is_header = |step: isize| -> bool {
        let mut position = offset;
        loop {
            position = match position.checked_add_signed(step) {
                Some(p) => p,
                None => return false,
            };
            let Some(other) = body.get(position) else { return false };
            if other.trim().is_empty() {
                continue;
            }
            return is_header_like(other, header)
                || plan::is_column_number_row(&[other.trim().to_string()]);
        }
    };
    neighbour_is_header(-1) || neighbour_is_header(1)
}

/// Signatures and closing parts that end the table.
fn is_end_of_table(line: &str) -> bool {
    const MARKERS: &[&str] = &[
        "Министр ",
        "Заместитель министра",
        "Первый заместитель",
        "Начальник управления",
        "Условия реализации",
        "Лист согласования",
        "Исполнитель:",
        "Исп.",
    ];
    MARKERS.iter().any(|m| line.starts_with(m))
        || page_breaks::starts_approval_block(line, usize::MAX)
}

/// "1.", "1.1.", "5.7", ".3.3", "5. . Title", "1.10. Май  Организация" → number, components,
/// rest of the line.
fn parse_item_start(line: &str) -> Option<(String, Vec<u32>, String)> {
    let text = line.trim_start();
    let body = text.strip_prefix('.').unwrap_or(text);
    let number_len = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let number = body.get(..number_len)?;
    let rest = body.get(number_len..).unwrap_or("");
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // "4.12- •": stray marks right after the number.
    let rest = match rest.strip_prefix(['-', '–', '•']) {
        Some(after) if !after.starts_with(|c: char| c.is_ascii_digit()) => after,
        _ => rest,
    };
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let components = plan::number_components(number);
    if components.is_empty() || components.iter().any(|c| *c > 99) || number.contains("..") {
        return None;
    }
    let rest = rest
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '.' | '•' | '-' | '–'))
        .trim_end();
    if rest.starts_with('%') || rest.starts_with("чел") || rest.starts_with("шт") {
        return None;
    }
    let single_without_dot = components.len() == 1 && !number.ends_with('.');
    if single_without_dot && rest.chars().next().is_some_and(char::is_lowercase) {
        return None;
    }
    Some((number.to_string(), components, rest.to_string()))
}

/// Is `next` a believable number after `previous` in a plan's numbering?
fn is_plausible_next(previous: Option<&[u32]>, next: &[u32]) -> bool {
    let Some(previous) = previous else {
        return next.first().is_some_and(|first| *first <= 2);
    };
    // Same level: repeat or small step.
    if let (Some((last, head)), Some((previous_last, previous_head))) =
        (next.split_last(), previous.split_last())
    {
        if head == previous_head
            && *last >= *previous_last
            && *last <= previous_last.saturating_add(3)
        {
            return true;
        }
    }
    // One level down: "2." → "2.1".
    if next.len() == previous.len().saturating_add(1) && next.starts_with(previous) {
        return next.last().is_some_and(|last| (1..=2).contains(last));
    }
    // Up: "1.14" → "2." or "2.1".
    for level in 0..previous.len() {
        let prefix = previous.get(..level).unwrap_or(&[]);
        let (Some(previous_at), Some(next_at)) = (previous.get(level), next.get(level)) else {
            continue;
        };
        if !next.starts_with(prefix)
            || *next_at < previous_at.saturating_add(1)
            || *next_at > previous_at.saturating_add(2)
        {
            continue;
        }
        let tail = next.get(level.saturating_add(1)..).unwrap_or(&[]);
        if tail.iter().all(|t| *t <= 2) {
            return true;
        }
    }
    false
}

fn push_line_segments(
    item: &mut FlowItem,
    text: &str,
    line: u32,
    paragraph: bool,
    lost_heading: bool,
) {
    let mut splits: Vec<(usize, Boundary)> = Vec::new();
    if let Some((head, _)) = cell_text::split_term_prefix(text) {
        if let Some(position) =
            text.get(head.len()..).and_then(|t| t.find(|c: char| !c.is_whitespace()))
        {
            splits.push((head.len().saturating_add(position), Boundary::Strong));
        }
    }
    for offset in cell_text::person_name_offsets(text) {
        splits.push((offset, Boundary::Strong));
    }
    if !text.starts_with(['-', '–', '•']) {
        for offset in cell_text::percent_offsets(text) {
            splits.push((offset, Boundary::Strong));
        }
    }
    for offset in cell_text::abbreviation_boundary_offsets(text) {
        splits.push((offset, Boundary::Weak));
    }
    splits.sort_by_key(|(offset, _)| *offset);
    splits.dedup_by_key(|(offset, _)| *offset);
    let mut start = 0usize;
    let mut boundary = Boundary::Line;
    let Some(chunk) = item.chunks.last_mut() else { return };
    for (offset, next_boundary) in
        splits.into_iter().chain(std::iter::once((text.len(), Boundary::Line)))
    {
        let Some(piece) = text.get(start..offset) else { continue };
        let piece = piece.trim();
        if !piece.is_empty() {
            chunk.push(Segment {
                text: piece.to_string(),
                line,
                paragraph: paragraph && boundary == Boundary::Line,
                boundary,
                lost_heading: lost_heading && boundary == Boundary::Line,
            });
        }
        start = offset;
        boundary = next_boundary;
    }
}

/// Score units for the aligner; only their relative sizes matter.
const SKIP_COLUMN_COST: i32 = 2;
const MISSING_TRAILING_COLUMN_COST: i32 = 3;

/// Places the segments of one activity into columns, keeping the header order within each
/// page chunk.
fn align_item(
    file: &str,
    item: &FlowItem,
    columns_all: &[Column],
    double_spaced: bool,
    warnings: &mut Vec<ImportIssue>,
) -> RawFields {
    let columns: Vec<Column> =
        columns_all.iter().copied().filter(|c| *c != Column::Number).collect();
    let mut fields = RawFields::default();
    for (chunk_index, chunk) in item.chunks.iter().enumerate() {
        if chunk.is_empty() {
            continue;
        }
        let continuation = chunk_index > 0;
        let assignment = align_segments(chunk, &columns, continuation, double_spaced);
        let mut guessed: Vec<(Column, String, u32)> = Vec::new();
        for (segment, column_index) in chunk.iter().zip(assignment) {
            let Some(column) = columns.get(column_index).copied() else { continue };
            fields.append(column, &segment.text);
            if continuation {
                match guessed.last_mut() {
                    Some((last_column, text, _)) if *last_column == column => {
                        cell_text::append_text(text, &segment.text)
                    }
                    _ => guessed.push((column, segment.text.clone(), segment.line)),
                }
            }
        }
        for (column, text, line) in guessed {
            warnings.push(plan::issue(
                file,
                line,
                Some(column),
                &text,
                &format!(
                    "текст после разрыва страницы (мероприятие {}) отнесён к графе «{}» предположительно",
                    item.number.trim_matches('.'),
                    column.russian_name()
                ),
            ));
        }
    }
    fields
}

/// Monotone assignment of segments to columns maximising the fit score (Viterbi-style).
fn align_segments(
    segments: &[Segment],
    columns: &[Column],
    continuation: bool,
    double_spaced: bool,
) -> Vec<usize> {
    let width = columns.len();
    if width == 0 || segments.is_empty() {
        return Vec::new();
    }
    let minus_infinity = i32::MIN / 4;
    let mut score: Vec<Vec<i32>> = vec![vec![minus_infinity; width]; segments.len()];
    let mut back: Vec<Vec<usize>> = vec![vec![0; width]; segments.len()];
    for (index, segment) in segments.iter().enumerate() {
        let previous_segment = index.checked_sub(1).and_then(|p| segments.get(p));
        for (column_index, column) in columns.iter().enumerate() {
            let fit = fit_score(&segment.text, *column);
            let value = if index == 0 {
                if continuation {
                    Some((fit, column_index))
                } else {
                    let skipped = skip_cost(columns, 0, column_index);
                    Some((fit + start_score(segment, None, double_spaced) - skipped, column_index))
                }
            } else {
                let row_before = score.get(index.saturating_sub(1));
                let mut best: Option<(i32, usize)> = None;
                for from in 0..=column_index {
                    let Some(before) = row_before.and_then(|r| r.get(from)).copied() else {
                        continue;
                    };
                    if before == minus_infinity {
                        continue;
                    }
                    let step = if from == column_index {
                        continue_score(segment, previous_segment, double_spaced)
                    } else {
                        let skipped = skip_cost(columns, from.saturating_add(1), column_index);
                        start_score(segment, previous_segment, double_spaced) - skipped
                    };
                    let candidate = before.saturating_add(step).saturating_add(fit);
                    if best.is_none_or(|(b, _)| candidate > b) {
                        best = Some((candidate, from));
                    }
                }
                best
            };
            if let Some((value, from)) = value {
                if let Some(cell) = score.get_mut(index).and_then(|r| r.get_mut(column_index)) {
                    *cell = value;
                }
                if let Some(cell) = back.get_mut(index).and_then(|r| r.get_mut(column_index)) {
                    *cell = from;
                }
            }
        }
    }
    let last_row = score.last().cloned().unwrap_or_default();
    let mut best_column = 0usize;
    let mut best_value = minus_infinity;
    for (column_index, value) in last_row.iter().enumerate() {
        let missing = if continuation {
            0
        } else {
            skip_cost(columns, column_index.saturating_add(1), width) / SKIP_COLUMN_COST
                * MISSING_TRAILING_COLUMN_COST
        };
        let total = value.saturating_sub(missing);
        if total > best_value {
            best_value = total;
            best_column = column_index;
        }
    }
    let mut assignment = vec![0usize; segments.len()];
    let mut column_index = best_column;
    for index in (0..segments.len()).rev() {
        if let Some(slot) = assignment.get_mut(index) {
            *slot = column_index;
        }
        column_index = back.get(index).and_then(|r| r.get(column_index)).copied().unwrap_or(0);
    }
    assignment
}

/// Cost of leaving the columns `from..to` empty; an empty title is very unlikely.
fn skip_cost(columns: &[Column], from: usize, to: usize) -> i32 {
    columns
        .get(from..to)
        .unwrap_or(&[])
        .iter()
        .map(|c| if *c == Column::Title { TITLE_SKIP_COST } else { SKIP_COLUMN_COST })
        .sum()
}

const TITLE_SKIP_COST: i32 = 10;

const DANGLING_WORDS: &[&str] = &[
    "в",
    "во",
    "на",
    "по",
    "с",
    "со",
    "и",
    "к",
    "ко",
    "для",
    "при",
    "от",
    "до",
    "из",
    "о",
    "об",
    "а",
    "или",
    "за",
    "под",
    "над",
    "через",
    "между",
    "базе",
    "рамках",
    "числе",
    "т.ч.",
    "том",
    "также",
    "как",
    "не",
    "их",
    "его",
    "по",
    "сетевой",
    "условиях",
];

fn ends_dangling(text: &str) -> bool {
    let trimmed = text.trim_end();
    if trimmed.ends_with('-') || trimmed.ends_with(',') || trimmed.ends_with('–') {
        return true;
    }
    let last = trimmed.split_whitespace().last().unwrap_or("").to_lowercase();
    DANGLING_WORDS.contains(&last.as_str())
        || trimmed.matches('(').count() > trimmed.matches(')').count()
        || trimmed.matches('«').count() > trimmed.matches('»').count()
}

fn start_score(segment: &Segment, previous: Option<&Segment>, double_spaced: bool) -> i32 {
    let mut score = match segment.text.chars().next() {
        Some(c) if c.is_lowercase() => -8,
        Some(c) if c.is_uppercase() || c.is_ascii_digit() => 1,
        Some('-' | '–' | '•' | '—') => 1,
        Some('(' | '«' | '"' | '\'') => -2,
        _ => 0,
    };
    if segment.paragraph && !double_spaced {
        score += 3;
    }
    score += match segment.boundary {
        Boundary::Strong => 4,
        Boundary::Weak => 1,
        Boundary::Line => 0,
    };
    if previous.is_some_and(|p| ends_dangling(&p.text)) {
        score -= 5;
    }
    score
}

fn continue_score(segment: &Segment, previous: Option<&Segment>, double_spaced: bool) -> i32 {
    let mut score = 0;
    if segment.text.chars().next().is_some_and(char::is_lowercase) {
        score += 3;
    }
    if previous.is_some_and(|p| ends_dangling(&p.text)) {
        score += 4;
    }
    if segment.paragraph && !double_spaced {
        score -= 2;
    }
    score -= match segment.boundary {
        Boundary::Strong => 4,
        Boundary::Weak => 1,
        Boundary::Line => 0,
    };
    score
}

fn starts_with_percent(text: &str) -> bool {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && text.chars().skip(digits).find(|c| !c.is_whitespace()) == Some('%')
}

fn fit_score(text: &str, column: Column) -> i32 {
    let term = cell_text::term_kind(text);
    let is_term = term == Some(true);
    match column {
        Column::Number | Column::Status => -20,
        Column::Term => match term {
            Some(true) => 8,
            Some(false) => 2,
            None if text.chars().next().is_some_and(char::is_lowercase) => -1,
            None => -6,
        },
        Column::Responsible | Column::CoExecutors => {
            if is_term || starts_with_percent(text) {
                return -6;
            }
            let hits = i32::try_from(cell_text::responsible_hits(text).min(6)).unwrap_or(6);
            let words = text.split_whitespace().count();
            let long_penalty = if words > 10 { 2 } else { 0 };
            let co_penalty = if column == Column::CoExecutors { 1 } else { 0 };
            hits - long_penalty - co_penalty
        }
        Column::Title => {
            if is_term {
                -6
            } else if cell_text::starts_like_title(text) {
                2
            } else {
                0
            }
        }
        Column::KeyResult => {
            if is_term {
                -6
            } else if starts_with_percent(text) {
                5
            } else if cell_text::looks_like_result(text) {
                2
            } else {
                0
            }
        }
        Column::FixingDocuments => {
            if is_term {
                -6
            } else if cell_text::starts_like_document(text) {
                4
            } else {
                0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::documents::import::text_table::{is_plausible_next, parse_item_start};

    #[test]
    fn item_starts_follow_the_numbering() {
        assert_eq!(parse_item_start("1.10. Май  Организация").map(|p| p.1), Some(vec![1, 10]));
        assert_eq!(parse_item_start(".3.3").map(|p| p.1), Some(vec![3, 3]));
        assert_eq!(
            parse_item_start("5. . Обеспечение").map(|p| p.2),
            Some("Обеспечение".to_string())
        );
        assert!(parse_item_start("5 % педагогов").is_none());
        assert!(parse_item_start("2022").is_none());
        assert!(is_plausible_next(Some(&[1, 14]), &[2]));
        assert!(is_plausible_next(Some(&[4, 4]), &[5, 1]));
        assert!(is_plausible_next(Some(&[4, 1]), &[4, 3]));
        assert!(!is_plausible_next(Some(&[4, 13]), &[13]));
        assert!(is_plausible_next(Some(&[2]), &[2, 1]));
    }
}
