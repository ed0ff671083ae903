//! Fuzzes every basketball_reference decoder on the same input: each must answer `Ok` or `Err`, never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| nba_upstream::decoders::run_family("basketball_reference", data));
