//! Fuzz target `archive`: the body is `letopis_fuzz::archive` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::archive(data));
