//! Fuzz target `table_odt`: the body is `letopis_fuzz::table_odt` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::table_odt(data));
