//! Test helpers: run a processor on a fixture under a realistic key, and read
//! its rows back as typed rows after checking each against its table.

use chrono::Utc;
use nba_schemas::{Row, Table, validate_row};
use serde_json::Value;

use crate::processor::{ParseError, Parsed, RawObject, RawProcessor, game_date_from_key, scraped_at_from_key};

/// Parses `body` as the object `key` of the raw bucket.
pub fn run(processor: &dyn RawProcessor, key: &str, body: &[u8]) -> Result<Parsed, ParseError> {
    assert!(
        key.starts_with(processor.prefix()),
        "{key} is not routed to {}",
        processor.name()
    );
    let uri = format!("gs://nba-scraped-data/{key}");
    let object = RawObject {
        uri: &uri,
        key,
        body,
        game_date: game_date_from_key(key),
        scraped_at: scraped_at_from_key(key).unwrap_or_else(Utc::now),
    };
    processor.parse(&object)
}

/// [`run`] on a JSON value.
pub fn run_json(processor: &dyn RawProcessor, key: &str, body: &Value) -> Result<Parsed, ParseError> {
    run(processor, key, &serde_json::to_vec(body).unwrap())
}

/// The rows of table `T`, each asserted valid against `T`'s schema.
pub fn valid_rows<T: Table>(parsed: &Parsed) -> Vec<T> {
    raw_rows::<T>(parsed)
        .into_iter()
        .map(|row| {
            if let Err(v) = validate_row(T::SCHEMA, &row) {
                panic!("invalid {} row: {v:?}\n{row:?}", T::SCHEMA.name);
            }
            T::from_row(row).unwrap()
        })
        .collect()
}

/// The rows of table `T` as produced (not validated). Matched by name: a
/// `&'static` schema constant need not have one address across crates.
pub fn raw_rows<T: Table>(parsed: &Parsed) -> Vec<Row> {
    parsed
        .tables
        .iter()
        .find(|t| t.table.qualified_name() == T::SCHEMA.qualified_name())
        .map(|t| t.rows.clone())
        .unwrap_or_default()
}

/// The columns a row violates.
pub fn violated_columns<T: Table>(row: &T) -> Vec<String> {
    match validate_row(T::SCHEMA, &row.to_row()) {
        Ok(()) => Vec::new(),
        Err(v) => v.into_iter().map(|v| v.column).collect(),
    }
}

/// Approximate float equality for decimal minutes.
pub fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}
