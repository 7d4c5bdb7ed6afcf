//! Fuzz target `command_json`: the body is `letopis_fuzz::command_json` (see `fuzz/src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| letopis_fuzz::command_json(data));
