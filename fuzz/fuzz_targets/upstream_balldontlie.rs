//! Fuzzes every balldontlie decoder on the same input: each must answer `Ok` or `Err`, never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nba_upstream::decoders::run_family("balldontlie", data));
