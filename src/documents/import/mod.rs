//! Import of the acts regions actually have: plans of activities (plain-text dumps of Word
//! tables, CSV/TSV, XLSX) and registries (CSV/XLSX with Russian headers), turned into events.
//!
//! The reading half (`read_plan` and the genre readers) turns bytes into a `ParsedPlan` and knows
//! nothing about the ledger; `plan_events` turns a parsed plan (and, on re-import, the plan's
//! current state folded from its stream) into one batch of validated payloads; `registry` does
//! the same for registries. `verdict` is the one rule, shared by the CLI and the HTTP upload, of
//! what an import does with its issues (refuse, dry run, or write).
//!
//! Invariant: no function reachable from `read_plan` or `registry::read_registry` panics on any
//! input; bad input becomes an `ImportError` or an `ImportIssue`.

mod cell_text;
mod columns;
mod csv_table;
mod docx_table;
mod heading;
mod odt_table;
mod page_breaks;
mod plan;
pub mod plan_events;
pub mod plan_import;
pub mod registry;
mod text_table;
mod xlsx_grid;
mod xlsx_table;

pub use crate::documents::import::columns::Column;
pub use crate::documents::import::plan::{
    read_plan, ImportError, ImportIssue, JoinedRow, ParsedActivity, ParsedPlan, ParsedSection,
    Severity, SkippedRow, SourceRef, FILE_BYTES_MAX,
};

/// How many errors and warnings an import's report holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueCounts {
    /// Issues that make the import impossible.
    pub errors: usize,
    /// Issues a person must look at before the import is written.
    pub warnings: usize,
}

/// What an import does with its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Errors: nothing can be written, whatever the options.
    RefusedByErrors,
    /// A dry run without errors: report what would be written, write nothing.
    DryRun,
    /// Warnings not accepted: nothing written until they are looked at and accepted.
    RefusedByWarnings,
    /// Write.
    Write,
}

/// The one rule of the CLI and the HTTP upload: errors refuse; a dry run writes nothing;
/// warnings refuse unless accepted (`--accept-warnings`, `accept_warnings=true`).
pub fn verdict(
    issues: &[ImportIssue],
    dry_run: bool,
    accept_warnings: bool,
) -> (IssueCounts, Verdict) {
    let errors = issues.iter().filter(|issue| issue.severity == Severity::Error).count();
    let counts = IssueCounts { errors, warnings: issues.len().saturating_sub(errors) };
    let verdict = if counts.errors > 0 {
        Verdict::RefusedByErrors
    } else if dry_run {
        Verdict::DryRun
    } else if counts.warnings > 0 && !accept_warnings {
        Verdict::RefusedByWarnings
    } else {
        Verdict::Write
    };
    (counts, verdict)
}
