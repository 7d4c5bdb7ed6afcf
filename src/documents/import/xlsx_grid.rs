//! XLSX workbooks read with bounded memory, whatever the file declares: the one way plans and
//! registries read a sheet.
//!
//! A workbook is a zip of XML parts, and both layers can lie. Before calamine opens it, every
//! part is unpacked once into nothing, counting bytes, so a zip bomb is refused after at most
//! `UNPACKED_BYTES_MAX` bytes of work, whatever the central directory claims. A sheet is then
//! read cell by cell (calamine's streaming cell reader, never its dense `Range`, which allocates
//! the declared bounding box: two cells `A1` and `XFD1048576` made it ask for hundreds of GiB),
//! and refused as soon as its used cells span more rows or columns, or more grid cells, or more
//! text than a table officials write can have. Every refusal names the file, the sheet and the
//! cell.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{open_workbook_from_rs, Data, DataRef, Reader, Xlsx, XlsxError};

use crate::documents::import::plan::ImportError;

/// Rows of one sheet: the format's own maximum (the plan reader has its own, smaller limit).
pub(crate) const SHEET_ROWS_MAX: u32 = 1_048_576;
/// Columns of one sheet: plan and registry tables have a dozen or two; a cell in column XFD
/// (16,384) belongs to a bomb, not a table.
pub(crate) const SHEET_COLUMNS_MAX: u32 = 256;
/// Non-empty cells of one sheet.
pub(crate) const SHEET_CELLS_MAX: u64 = 2_000_000;
/// Cells of one sheet's grid: every used row as wide as its last used cell, about 24 bytes a
/// cell before any text. One cell far to the right widens its whole row, so this, not the
/// number of cells, is what bounds the grid's memory.
pub(crate) const SHEET_GRID_CELLS_MAX: u64 = 4_000_000;
/// Bytes of cell text of one sheet (a cell repeating a long shared string counts every time).
pub(crate) const SHEET_TEXT_BYTES_MAX: u64 = 64 * 1024 * 1024;
/// Bytes all parts of a workbook unpack to, together.
pub(crate) const UNPACKED_BYTES_MAX: u64 = 512 * 1024 * 1024;
/// Bytes the shared strings part unpacks to: calamine holds its text in memory whole, so this
/// and `SHARED_STRINGS_MAX` keep a workbook under the 64 MB of growth issue #20 allows.
pub(crate) const SHARED_STRINGS_BYTES_MAX: u64 = 32 * 1024 * 1024;
/// Entries of the shared strings table: each is a `String` of its own once calamine reads it
/// (~40 bytes before its text), so 3,000,000 short ones in 60 MiB cost 91 MB (issue #20). A
/// registry of a large region's 55,000 teachers needs a few hundred thousand.
pub(crate) const SHARED_STRINGS_MAX: u64 = 500_000;
/// Parts in a workbook's zip.
pub(crate) const ZIP_ENTRIES_MAX: usize = 10_000;

/// One sheet's used cells as a grid, like calamine's `Range` but bounded: `rows[i]` is sheet row
/// `first_row + i` (1-based), each row from the first used column to its own last used cell.
pub(crate) struct SheetGrid {
    /// The 1-based number of the first used row.
    pub first_row: u32,
    /// Rows from the first used one to the last.
    pub rows: Vec<Vec<Data>>,
}

/// Opens a workbook after checking that its parts unpack within the limits.
pub(crate) fn open<'a>(file: &str, bytes: &'a [u8]) -> Result<Xlsx<Cursor<&'a [u8]>>, ImportError> {
    check_unpacked_sizes(file, bytes)?;
    open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|error: XlsxError| spreadsheet_error(file, error.to_string()))
}

/// The names of the workbook's sheets, in order.
pub(crate) fn sheet_names(workbook: &Xlsx<Cursor<&[u8]>>) -> Vec<String> {
    workbook.sheet_names()
}

/// Reads one sheet into a bounded grid; a sheet that is not a worksheet (a chart) reads as empty.
pub(crate) fn read_sheet(
    file: &str,
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
) -> Result<SheetGrid, ImportError> {
    let mut reader = match workbook.worksheet_cells_reader(sheet) {
        Ok(reader) => reader,
        Err(XlsxError::NotAWorksheet(_)) => {
            return Ok(SheetGrid { first_row: 1, rows: Vec::new() })
        }
        Err(error) => return Err(spreadsheet_error(file, format!("лист «{sheet}»: {error}"))),
    };
    let mut sheet_cells = SheetCells::default();
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(error) => return Err(spreadsheet_error(file, format!("лист «{sheet}»: {error}"))),
        };
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, column) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if let Err(reason) = sheet_cells.add(row, column, value) {
            let place = cell_reference(row, column);
            return Err(spreadsheet_error(
                file,
                format!("лист «{sheet}», ячейка {place}: {reason}"),
            ));
        }
    }
    Ok(sheet_cells.grid())
}

/// The A1-style name of a cell at 0-based (row, column): `(0, 0)` is `A1`.
pub(crate) fn cell_reference(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut rest = u64::from(column) + 1;
    while rest > 0 {
        let digit = (rest - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(digit).unwrap_or(0)));
        rest = (rest - 1) / 26;
    }
    letters.reverse();
    let name: String = letters.into_iter().collect();
    format!("{name}{}", u64::from(row) + 1)
}

/// The used cells of a sheet as read, with the running totals that the limits bound.
#[derive(Default)]
struct SheetCells {
    cells: Vec<(u32, u32, Data)>,
    /// Each used row's width up to its last used cell (absolute columns, so an upper bound).
    row_widths: BTreeMap<u32, u32>,
    grid_cells: u64,
    text_bytes: u64,
}

impl SheetCells {
    /// Takes one non-empty cell, or says which limit it breaks (nothing is allocated for it then).
    fn add(&mut self, row: u32, column: u32, value: Data) -> Result<(), String> {
        if row >= SHEET_ROWS_MAX {
            return Err(format!("на листе больше {SHEET_ROWS_MAX} строк"));
        }
        if column >= SHEET_COLUMNS_MAX {
            return Err(format!("таблица шире {SHEET_COLUMNS_MAX} столбцов"));
        }
        if u64::try_from(self.cells.len()).unwrap_or(u64::MAX) >= SHEET_CELLS_MAX {
            return Err(format!("на листе больше {SHEET_CELLS_MAX} заполненных ячеек"));
        }
        let width = self.row_widths.entry(row).or_insert(0);
        let grown = column.saturating_add(1).max(*width);
        let grid_cells = self.grid_cells.saturating_add(u64::from(grown - *width));
        if grid_cells > SHEET_GRID_CELLS_MAX {
            return Err(format!(
                "таблица больше {SHEET_GRID_CELLS_MAX} ячеек: разделите её на несколько файлов \
                 или загрузите как CSV"
            ));
        }
        let text_bytes = self.text_bytes.saturating_add(data_text_bytes(&value));
        if text_bytes > SHEET_TEXT_BYTES_MAX {
            return Err(format!(
                "текста в ячейках листа больше {} МиБ",
                SHEET_TEXT_BYTES_MAX / (1024 * 1024)
            ));
        }
        *width = grown;
        self.grid_cells = grid_cells;
        self.text_bytes = text_bytes;
        self.cells.push((row, column, value));
        Ok(())
    }

    /// The grid from the first used row to the last, each row starting at the sheet's first
    /// used column (as calamine's `Range` lays them out) and ending at its own last used cell.
    fn grid(self) -> SheetGrid {
        let (Some((&row_min, _)), Some((&row_max, _))) =
            (self.row_widths.first_key_value(), self.row_widths.last_key_value())
        else {
            return SheetGrid { first_row: 1, rows: Vec::new() };
        };
        let column_min = self.cells.iter().map(|(_, column, _)| *column).min().unwrap_or(0);
        let mut rows: Vec<Vec<Data>> = (row_min..=row_max)
            .map(|row| {
                let width = self.row_widths.get(&row).map_or(0, |width| width - column_min);
                vec![Data::Empty; usize::try_from(width).unwrap_or(0)]
            })
            .collect();
        for (row, column, value) in self.cells {
            let row_index = usize::try_from(row - row_min).unwrap_or(usize::MAX);
            let column_index = usize::try_from(column - column_min).unwrap_or(usize::MAX);
            if let Some(slot) = rows.get_mut(row_index).and_then(|r| r.get_mut(column_index)) {
                *slot = value;
            }
        }
        SheetGrid { first_row: row_min.saturating_add(1), rows }
    }
}

fn data_text_bytes(value: &Data) -> u64 {
    match value {
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            u64::try_from(text.len()).unwrap_or(u64::MAX)
        }
        _ => 16,
    }
}

/// Unpacks every part of the zip into nothing, counting, and refuses a workbook whose parts
/// unpack past the limits (the sizes the zip declares are not trusted: they are what a bomb
/// lies about).
/// A sink that counts the entries (`<si>`, `<si/>`, `<si …>`) of the XML written to it, across
/// the boundaries of the chunks it is given.
#[derive(Default)]
struct EntryCounter {
    entries: u64,
    /// The last bytes of the previous chunk, so a tag split between two chunks is seen.
    tail: Vec<u8>,
}

impl std::io::Write for EntryCounter {
    fn write(&mut self, chunk: &[u8]) -> std::io::Result<usize> {
        let mut window = std::mem::take(&mut self.tail);
        window.extend_from_slice(chunk);
        let found = window
            .windows(4)
            .filter(|bytes| {
                bytes.starts_with(b"<si") && matches!(bytes.get(3), Some(b'>' | b'/' | b' '))
            })
            .count();
        self.entries = self.entries.saturating_add(u64::try_from(found).unwrap_or(u64::MAX));
        let keep = window.len().saturating_sub(3);
        self.tail = window.split_off(keep);
        Ok(chunk.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn check_unpacked_sizes(file: &str, bytes: &[u8]) -> Result<(), ImportError> {
    let part_limit = |name: &str| {
        if name.ends_with("sharedStrings.xml") {
            SHARED_STRINGS_BYTES_MAX
        } else {
            UNPACKED_BYTES_MAX
        }
    };
    let reason = match unpacked_sizes(bytes, &part_limit) {
        Ok(()) => return Ok(()),
        Err(UnpackProblem::TooManyParts(count)) => {
            format!("в книге больше {ZIP_ENTRIES_MAX} частей ({count})")
        }
        Err(UnpackProblem::PartTooBig { name, limit_bytes }) => format!(
            "часть «{name}» распаковывается больше чем в {} МиБ",
            limit_bytes / (1024 * 1024)
        ),
        Err(UnpackProblem::TotalTooBig) => {
            format!("книга распаковывается больше чем в {} МиБ", UNPACKED_BYTES_MAX / (1024 * 1024))
        }
        Err(UnpackProblem::TooManyStrings { name }) => {
            format!("в части «{name}» больше {SHARED_STRINGS_MAX} строк")
        }
    };
    Err(spreadsheet_error(file, reason))
}

/// Why a zip package (a workbook, a Word or ODF document) is refused before it is read.
#[derive(Debug)]
pub(crate) enum UnpackProblem {
    /// More than `ZIP_ENTRIES_MAX` parts.
    TooManyParts(usize),
    /// One part unpacks past its own limit.
    PartTooBig { name: String, limit_bytes: u64 },
    /// All parts together unpack past `UNPACKED_BYTES_MAX`.
    TotalTooBig,
    /// A shared strings table of more than `SHARED_STRINGS_MAX` entries.
    TooManyStrings { name: String },
}

/// The zip-part counter every package reader shares: unpacks every part into nothing, counting,
/// against `part_limit(name)` for each part and `UNPACKED_BYTES_MAX` for all together. Bytes that
/// are not a zip pass (the reader names that problem in its own words).
pub(crate) fn unpacked_sizes(
    bytes: &[u8],
    part_limit: &dyn Fn(&str) -> u64,
) -> Result<(), UnpackProblem> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    if archive.len() > ZIP_ENTRIES_MAX {
        return Err(UnpackProblem::TooManyParts(archive.len()));
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut part = match archive.by_index(index) {
            Ok(part) => part,
            Err(_) => continue,
        };
        let name = part.name().map(|name| name.into_owned()).unwrap_or_default();
        let limit = part_limit(&name).min(UNPACKED_BYTES_MAX);
        let remaining = UNPACKED_BYTES_MAX.saturating_sub(total).min(limit);
        let mut entries = EntryCounter::default();
        let read = std::io::copy(&mut (&mut part).take(remaining.saturating_add(1)), &mut entries)
            // A part that does not unpack: the reader reports it when (if) it needs the part.
            .unwrap_or(0);
        if name.ends_with("sharedStrings.xml") && entries.entries > SHARED_STRINGS_MAX {
            return Err(UnpackProblem::TooManyStrings { name });
        }
        if read > remaining {
            if read > limit {
                return Err(UnpackProblem::PartTooBig { name, limit_bytes: limit });
            }
            return Err(UnpackProblem::TotalTooBig);
        }
        total = total.saturating_add(read);
    }
    Ok(())
}

fn spreadsheet_error(file: &str, message: String) -> ImportError {
    ImportError::Spreadsheet { file: file.to_string(), message }
}

#[cfg(test)]
mod tests {
    use crate::documents::import::xlsx_grid::cell_reference;

    #[test]
    fn cell_references_are_written_as_spreadsheets_write_them() {
        assert_eq!(cell_reference(0, 0), "A1");
        assert_eq!(cell_reference(9, 25), "Z10");
        assert_eq!(cell_reference(0, 26), "AA1");
        assert_eq!(cell_reference(1_048_575, 16_383), "XFD1048576");
    }
}
