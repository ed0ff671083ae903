//! Fuzzes `player_lookup`, the name normaliser: on any text it must not panic, its output
//! must be `[a-z0-9]*`, and normalising its output must change nothing (idempotent).
#![no_main]

// nba-identity's normaliser, compiled from its source (see Cargo.toml).
#[path = "../../shared/identity/src/lookup.rs"]
mod lookup;

use lookup::player_lookup;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let name = String::from_utf8_lossy(data);
    let once = player_lookup(&name);
    assert!(
        once.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{name:?} -> {once:?}: outside [a-z0-9]"
    );
    assert_eq!(player_lookup(&once), once, "{name:?}: not idempotent");
});
