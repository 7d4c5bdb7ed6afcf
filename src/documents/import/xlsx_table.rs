//! XLSX plan workbooks: every sheet is tried in order and the first one with a recognisable plan
//! header is read through the shared grid reading of `plan`. Sheets are read with bounded memory
//! (`xlsx_grid`); corrupt or truncated zips become an `ImportError::Spreadsheet`, never a panic.

use calamine::Data;

use crate::documents::import::plan::{self, GridRow, ImportError, ParsedPlan};
use crate::documents::import::xlsx_grid;

/// Rows read from one sheet of a plan.
const SHEET_ROWS_MAX: usize = 200_000;

pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<ParsedPlan, ImportError> {
    let mut workbook = xlsx_grid::open(file, bytes)?;
    let mut first_error: Option<ImportError> = None;
    for name in xlsx_grid::sheet_names(&workbook) {
        let grid = xlsx_grid::read_sheet(file, &mut workbook, &name)?;
        if grid.rows.len() > SHEET_ROWS_MAX {
            return Err(ImportError::Spreadsheet {
                file: file.to_string(),
                message: format!("лист «{name}»: на листе больше {SHEET_ROWS_MAX} строк"),
            });
        }
        let rows: Vec<GridRow> = grid
            .rows
            .iter()
            .zip(grid.first_row..)
            .map(|(cells, row)| GridRow { row, cells: cells.iter().map(cell_text).collect() })
            .collect();
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
