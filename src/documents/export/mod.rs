//! Export of what the ledger knows as documents officials send on: a plan of activities as of a
//! valid date and a knowledge point (XLSX with the acts' columns and an amendments sheet), the
//! indicator catalogue (XLSX or CSV), and the reports on a plan's execution and on a year's
//! monitoring (XLSX or DOCX).
//!
//! The rows come from the projections (`projections::plan::plan_as_of`, `Projector::catalogue`)
//! and the JSON shapes of `query::json`; this module only lays them out, so an export never
//! disagrees with `letopis plans` or `letopis figures`. The plan sheet's header row uses the
//! headers the importer recognises (`import::columns`), so an exported plan imports back into
//! the same plan (tests/it/export.rs checks the round trip).

mod docx;
pub mod figures;
pub mod plan;
pub mod report;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder};
use thiserror::Error;

/// Most characters an Excel cell holds.
pub const CELL_CHARS_MAX: usize = 32_767;

/// The header cells of every exported table: bold, wrapped, centred, thin borders.
pub(crate) fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
}

/// The body cells of every exported table: wrapped, top-aligned, thin borders.
pub(crate) fn cell_format() -> Format {
    Format::new().set_text_wrap().set_align(FormatAlign::Top).set_border(FormatBorder::Thin)
}

/// Why an export could not be produced.
#[derive(Debug, Error)]
pub enum ExportError {
    /// No plan with this id is known at the knowledge point; `available` lists the ids that are.
    #[error("план «{wanted}» не найден; известные планы: {}", list_or_none(available))]
    PlanNotFound {
        /// The id asked for.
        wanted: String,
        /// The plans known at the knowledge point.
        available: Vec<String>,
    },
    /// No plan id was given and there is not exactly one plan.
    #[error("планов несколько, укажите --plan <id>; известные планы: {}", list_or_none(available))]
    PlanNotChosen {
        /// The plans known at the knowledge point.
        available: Vec<String>,
    },
    /// A text longer than an Excel cell holds: the workbook would have to cut it, and an exported
    /// plan must import back unchanged, so the export is refused naming the place.
    #[error(
        "лист «{sheet}», строка {row}, столбец «{column}»: текст длиной {chars} знаков не \
         помещается в ячейку Excel (не более {CELL_CHARS_MAX}); выгрузите план в другом виде или \
         сократите текст актом-изменением"
    )]
    CellTooLong {
        /// The sheet.
        sheet: String,
        /// The row as Excel numbers it (1-based).
        row: u32,
        /// The column header.
        column: String,
        /// The text's length in characters.
        chars: usize,
    },
    /// The spreadsheet writer refused a value.
    #[error("не удалось сформировать книгу Excel: {0}")]
    Spreadsheet(String),
    /// The CSV writer failed.
    #[error("не удалось сформировать CSV: {0}")]
    Csv(String),
    /// The Word document could not be packed.
    #[error("не удалось сформировать документ Word: {0}")]
    Document(String),
}

/// The document formats of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentFormat {
    /// Office Open XML workbook.
    Xlsx,
    /// Semicolon-separated UTF-8 text with a byte-order mark (what Excel opens in a Russian
    /// locale without an import dialog).
    Csv,
    /// Office Open XML word-processing document: the table officials paste into their notes.
    Docx,
}

impl DocumentFormat {
    /// `xlsx`, `csv` or `docx` (case-insensitive); None otherwise.
    pub fn parse(text: &str) -> Option<DocumentFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "xlsx" => Some(DocumentFormat::Xlsx),
            "csv" => Some(DocumentFormat::Csv),
            "docx" => Some(DocumentFormat::Docx),
            _ => None,
        }
    }

    /// The HTTP Content-Type of the format.
    pub fn content_type(self) -> &'static str {
        match self {
            DocumentFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            DocumentFormat::Csv => "text/csv; charset=utf-8",
            DocumentFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            DocumentFormat::Xlsx => "xlsx",
            DocumentFormat::Csv => "csv",
            DocumentFormat::Docx => "docx",
        }
    }
}

impl From<rust_xlsxwriter::XlsxError> for ExportError {
    fn from(error: rust_xlsxwriter::XlsxError) -> Self {
        ExportError::Spreadsheet(error.to_string())
    }
}

fn list_or_none(ids: &[String]) -> String {
    if ids.is_empty() {
        "нет ни одного".to_string()
    } else {
        ids.join(", ")
    }
}
