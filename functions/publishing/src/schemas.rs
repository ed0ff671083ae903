//! JSON Schemas of the published documents, derived from their types. Written to
//! `events/api/` by `nba schemas` (`make schemas`); a test fails when the files there
//! drift from the types, and the tests validate produced documents against the files.

use std::path::{Path, PathBuf};

use schemars::{JsonSchema, schema_for};
use serde_json::Value;

use crate::api::query::PredictionsQueryResponse;
use crate::documents::{BestBetsDoc, PlayerDoc, PredictionsDoc, ResultsDoc, StatusDoc, SystemsPerformanceDoc};

/// Directory of the schema files, relative to the repository root.
pub const API_SCHEMA_DIR: &str = "events/api";

/// `(file stem, schema)` of every document the API serves.
pub fn api_schemas() -> Vec<(&'static str, Value)> {
    vec![
        ("predictions", root::<PredictionsDoc>("predictions")),
        ("best-bets", root::<BestBetsDoc>("best-bets")),
        ("results", root::<ResultsDoc>("results")),
        ("player", root::<PlayerDoc>("player")),
        (
            "systems-performance",
            root::<SystemsPerformanceDoc>("systems-performance"),
        ),
        ("status", root::<StatusDoc>("status")),
        (
            "predictions-query",
            root::<PredictionsQueryResponse>("predictions-query"),
        ),
    ]
}

fn root<T: JsonSchema>(stem: &str) -> Value {
    let mut schema = schema_for!(T).to_value();
    if let Value::Object(map) = &mut schema {
        map.insert("$id".into(), Value::String(format!("{stem}.schema.json")));
    }
    schema
}

/// The file name of a schema.
pub fn file_name(stem: &str) -> String {
    format!("{stem}.schema.json")
}

/// The file content of a schema (pretty, newline-terminated).
pub fn render(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// Writes every schema under `dir`; returns the files written.
pub fn write_all(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::new();
    for (stem, schema) in api_schemas() {
        let path = dir.join(file_name(stem));
        std::fs::write(&path, render(&schema))?;
        out.push(path);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_files_are_current() {
        let dir = nba_core::package_dir!().join("../..").join(API_SCHEMA_DIR);
        // NBA_WRITE_API_SCHEMAS=1 regenerates them (what `make schemas` does through `nba schemas`).
        if std::env::var("NBA_WRITE_API_SCHEMAS").as_deref() == Ok("1") {
            write_all(&dir).unwrap();
        }
        let stale: Vec<String> = api_schemas()
            .into_iter()
            .filter(|(stem, schema)| std::fs::read_to_string(dir.join(file_name(stem))).ok() != Some(render(schema)))
            .map(|(stem, _)| stem.to_string())
            .collect();
        assert!(
            stale.is_empty(),
            "stale API schema files {stale:?} in {API_SCHEMA_DIR}: run `make schemas`"
        );
    }
}
