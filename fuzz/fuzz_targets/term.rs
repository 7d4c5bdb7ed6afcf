//! Fuzz target `term`: the body is `letopis_fuzz::term` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::term(data));
