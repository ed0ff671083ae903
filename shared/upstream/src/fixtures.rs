//! Reads the recorded responses under the repository's `fixtures/` folder
//! (plain or gzip-compressed), for contract tests.

use std::io::Read;
use std::path::PathBuf;

/// The repository's `fixtures/` folder, found from the running test's package directory.
///
/// At run time, not compile time: CI and local builds share one target dir, and cargo's
/// artifact hashes are workspace-relative, so a copy of this crate compiled in another
/// checkout may be reused here, with that checkout's path baked into `env!`.
pub fn dir() -> PathBuf {
    let compiled = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let start = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| compiled.clone(), PathBuf::from);
    start
        .ancestors()
        .map(|d| d.join("fixtures"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| compiled.join("../../fixtures"))
}

/// The bytes of `fixtures/<path>`, or of `fixtures/<path>.gz` decompressed.
/// Panics with the path when neither exists (tests only).
pub fn bytes(path: &str) -> Vec<u8> {
    let plain = dir().join(path);
    if plain.exists() {
        let raw = std::fs::read(&plain).unwrap_or_else(|e| panic!("{}: {e}", plain.display()));
        return if path.ends_with(".gz") { gunzip(&raw) } else { raw };
    }
    let gz = dir().join(format!("{path}.gz"));
    let raw = std::fs::read(&gz).unwrap_or_else(|e| panic!("fixture {path}: neither plain nor .gz: {e}"));
    gunzip(&raw)
}

/// `fixtures/<path>` as text.
pub fn text(path: &str) -> String {
    String::from_utf8(bytes(path)).unwrap_or_else(|e| panic!("fixture {path} is not UTF-8: {e}"))
}

/// `fixtures/<path>` as JSON.
pub fn json(path: &str) -> serde_json::Value {
    serde_json::from_slice(&bytes(path)).unwrap_or_else(|e| panic!("fixture {path} is not JSON: {e}"))
}

/// The JSON response body recorded in the nba_api VCR cassette `fixtures/<path>`
/// (`nba-stats/nba_api-cassettes/…`), for tests in other crates.
pub fn cassette_json(path: &str) -> serde_json::Value {
    crate::nba_stats::cassette::body(path)
}

fn gunzip(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw)
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("gzip fixture does not decode: {e}"));
    out
}
