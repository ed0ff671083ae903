//! Test helpers shared by every processor's tests: parse a fixture as the object
//! stored under a realistic key, and read rows back checked against their table.
//! Tables are matched by name: a `const` schema has no guaranteed single address.

use chrono::{DateTime, Utc};
use nba_schemas::{Row, Table, TableSchema, validate_row};
use serde_json::Value;

use crate::processor::{ParseError, Parsed, RawObject, RawProcessor, game_date_from_key, scraped_at_from_key};
use crate::processors::rows::lookup;

/// Parses `body` as the object `key` of the raw bucket (date folder and scrape time
/// from the key; the Unix epoch when the key has no time). The key must route to `processor`.
pub fn run(processor: &dyn RawProcessor, key: &str, body: &[u8]) -> Result<Parsed, ParseError> {
    assert!(
        key.starts_with(processor.prefix()),
        "{key} is not routed to {}",
        processor.name()
    );
    parse(processor, key, body)
}

/// [`run`] without the routing check (keys made up for a test).
pub fn parse(processor: &dyn RawProcessor, key: &str, body: &[u8]) -> Result<Parsed, ParseError> {
    let uri = format!("gs://nba-scraped-data/{key}");
    let object = RawObject {
        uri: &uri,
        key,
        body,
        game_date: game_date_from_key(key),
        scraped_at: scraped_at_from_key(key).unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
    };
    processor.parse(&object)
}

/// [`run`] on a JSON value.
pub fn run_json(processor: &dyn RawProcessor, key: &str, body: &Value) -> Result<Parsed, ParseError> {
    run(processor, key, &serde_json::to_vec(body).unwrap())
}

/// The rows of `table` as produced (panics when the table is absent).
pub fn rows(parsed: &Parsed, table: &'static TableSchema) -> Vec<Row> {
    parsed
        .tables
        .iter()
        .find(|t| t.table.qualified_name() == table.qualified_name())
        .unwrap_or_else(|| panic!("no rows for {}", table.name))
        .rows
        .clone()
}

/// The rows of table `T` as produced (none when absent; not validated).
pub fn raw_rows<T: Table>(parsed: &Parsed) -> Vec<Row> {
    parsed
        .tables
        .iter()
        .filter(|t| t.table.qualified_name() == T::SCHEMA.qualified_name())
        .flat_map(|t| t.rows.clone())
        .collect()
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

/// Every row passes its table's checks and carries the lookup of its name.
pub fn assert_valid(parsed: &Parsed) {
    for t in &parsed.tables {
        for row in &t.rows {
            if let Err(v) = validate_row(t.table, row) {
                panic!("{} row fails validation: {v:?}\n{row:?}", t.table.name);
            }
            if let Some(name) = row.get("player_name").and_then(|n| n.as_str()) {
                assert_eq!(row["player_lookup"], lookup(name), "{name}");
            }
        }
    }
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

/// An RFC 3339 instant.
pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}
