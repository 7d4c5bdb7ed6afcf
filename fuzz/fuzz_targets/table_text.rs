//! Fuzz target `table_text`: the body is `letopis_fuzz::table_text` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::table_text(data));
