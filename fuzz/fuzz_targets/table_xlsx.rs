//! Fuzz target `table_xlsx`: the body is `letopis_fuzz::table_xlsx` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::table_xlsx(data));
