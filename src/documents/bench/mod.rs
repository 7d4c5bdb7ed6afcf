//! Our side of `bench -- import` and `bench -- export`. They sit above both directions because
//! the export benchmark also times the round trip (our importer reading the exported workbook).

pub mod export;
pub mod import;
