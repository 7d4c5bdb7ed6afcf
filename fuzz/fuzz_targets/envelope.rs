//! Fuzz target `envelope`: the body is `letopis_fuzz::envelope` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::envelope(data));
