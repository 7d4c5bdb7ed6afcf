//! Documents officials exchange with the ledger: `import` reads plan and registry tables (XLSX,
//! CSV/TSV, text dumps of Word tables) into events, `export` lays projections out as the
//! workbooks and CSV files officials send on, and `labels` holds the Russian words both share.
//! Import and export do not depend on each other.
//!
//! **Invariant:** `import` is the only parser of documents; `export` computes nothing.

pub mod bench;
pub mod export;
pub mod import;
pub mod labels;
