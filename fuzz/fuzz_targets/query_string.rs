//! Fuzz target `query_string`: the body is `letopis_fuzz::query_string` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::query_string(data));
