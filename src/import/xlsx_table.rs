//! XLSX workbooks: every sheet is tried in order and the first one with a recognisable plan
//! header is read through the shared grid reading of `plan`. Corrupt or truncated zips become
//! an `ImportError::Spreadsheet`, never a panic.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

use crate::import::plan::{self, GridRow, ImportError, ParsedPlan};

/// Rows read from one sheet.
const SHEET_ROWS_MAX: usize = 200_000;

pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    let spreadsheet_error =
        |message: String| ImportError::Spreadsheet { file: file.to_string(), message };
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| spreadsheet_error(e.to_string()))?;
    let mut first_error: Option<ImportError> = None;
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e: calamine::XlsxError| spreadsheet_error(e.to_string()))?;
        let (start_row, _) = range.start().unwrap_or((0, 0));
        let mut rows = Vec::new();
        for (index, cells) in range.rows().enumerate() {
            if index >= SHEET_ROWS_MAX {
                return Err(spreadsheet_error(format!("на листе больше {SHEET_ROWS_MAX} строк")));
            }
            let offset = u32::try_from(index).unwrap_or(u32::MAX);
            let row = start_row.saturating_add(offset).saturating_add(1);
            rows.push(GridRow { row, cells: cells.iter().map(cell_text).collect() });
        }
        match plan::plan_from_grid(file, &rows) {
            Ok(parsed) => return Ok(parsed),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| ImportError::NotATable {
        file: file.to_string(),
        reason: "в книге нет листов".to_string(),
    }))
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Float(value) if value.fract() == 0.0 && value.abs() < 1e15 => format!("{value:.0}"),
        other => other.to_string(),
    }
}
