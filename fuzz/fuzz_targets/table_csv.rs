//! Fuzz target `table_csv`: the body is `letopis_fuzz::table_csv` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::table_csv(data));
