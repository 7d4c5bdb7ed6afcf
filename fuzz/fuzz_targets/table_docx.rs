//! Fuzz target `table_docx`: the body is `letopis_fuzz::table_docx` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::table_docx(data));
