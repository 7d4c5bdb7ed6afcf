//! Import of the acts regions actually have: plans of activities (plain-text dumps of Word
//! tables, CSV/TSV, XLSX) and registries (CSV/XLSX with Russian headers), turned into events.
//!
//! The reading half (`read_plan` and the genre readers) turns bytes into a `ParsedPlan` and knows
//! nothing about the ledger; `plan_events` turns a parsed plan (and, on re-import, the plan's
//! current state folded from its stream) into one batch of validated payloads; `registry` does
//! the same for registries. The CLI (`src/cli/import.rs`) decides whether to append.
//!
//! Invariant: no function reachable from `read_plan` or `registry::read_registry` panics on any
//! input; bad input becomes an `ImportError` or an `ImportIssue`.

pub mod bench;
mod cell_text;
mod columns;
mod csv_table;
mod plan;
pub mod plan_events;
pub mod plan_import;
pub mod registry;
mod text_table;
mod xlsx_grid;
mod xlsx_table;

pub use crate::import::columns::Column;
pub use crate::import::plan::{
    read_plan, ImportError, ImportIssue, ParsedActivity, ParsedPlan, ParsedSection, Severity,
    SourceRef, FILE_BYTES_MAX,
};
