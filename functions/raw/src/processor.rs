//! What a raw processor is, what it sees and returns, and the routing table from
//! key prefix to processor.
//!
//! A processor is a pure function from one raw object to rows: it does no I/O.
//! The function around it ([`crate::RawProcessorFunction`]) fetches the object,
//! resolves player names, validates and writes the rows, and publishes.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
pub use nba_identity::PlayerSighting;
use nba_schemas::{Row, TableSchema};
use nba_upstream::ShapeError;
use serde_json::Value;

/// Input that can never load: names the field (a JSON path) and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("field {field}: {reason}")]
pub struct ParseError {
    pub field: String,
    pub reason: String,
}

impl ParseError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ParseError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<ShapeError> for ParseError {
    fn from(e: ShapeError) -> Self {
        ParseError::new(e.field, format!("{} ({} {})", e.reason, e.source_name, e.endpoint))
    }
}

/// One raw object, as a processor sees it.
#[derive(Debug, Clone, Copy)]
pub struct RawObject<'a> {
    /// `gs://bucket/key`, for `source_file` columns.
    pub uri: &'a str,
    /// Object key, e.g. `odds-api/player-props/2025-01-10/<event>/20250110_180000.json`.
    pub key: &'a str,
    /// The body, already gunzipped.
    pub body: &'a [u8],
    /// ET date folder of the key (the scrape's game date), when it has one.
    pub game_date: Option<NaiveDate>,
    /// When the scraper fetched it: the key's `YYYYMMDD_HHMMSS` file name, else the
    /// object's creation time. Snapshot tables (props, lines, injuries) stamp it on every row.
    pub scraped_at: DateTime<Utc>,
}

impl<'a> RawObject<'a> {
    /// The body as JSON.
    pub fn json(&self) -> Result<Value, ParseError> {
        serde_json::from_slice(self.body).map_err(|e| ParseError::new("$", format!("body is not JSON: {e}")))
    }

    /// The body as UTF-8 text (HTML pages).
    pub fn text(&self) -> Result<&'a str, ParseError> {
        std::str::from_utf8(self.body).map_err(|e| ParseError::new("$", format!("body is not UTF-8: {e}")))
    }

    /// The key folder right after the date, e.g. the event id in
    /// `odds-api/player-props/2025-01-10/<event>/…` (the scraper's `sub`).
    pub fn sub(&self) -> Option<&'a str> {
        let mut parts = self.key.split('/');
        parts
            .by_ref()
            .find(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").is_ok())?;
        let rest: Vec<&str> = parts.collect();
        (rest.len() >= 2).then(|| rest[0])
    }

    /// The game date or a parse error naming the key (for processors whose rows need it).
    pub fn require_game_date(&self) -> Result<NaiveDate, ParseError> {
        self.game_date
            .ok_or_else(|| ParseError::new("$key", format!("{} has no YYYY-MM-DD folder", self.key)))
    }
}

/// The scrape time encoded in a raw key's file name (`…/20250110_180000.json`).
pub fn scraped_at_from_key(key: &str) -> Option<DateTime<Utc>> {
    let file = key.rsplit('/').next()?;
    let stem = file.split('.').next()?;
    NaiveDateTime::parse_from_str(stem, "%Y%m%d_%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}

/// The ET date folder of a raw key `{source}/{kind}/{YYYY-MM-DD}/…`.
pub fn game_date_from_key(key: &str) -> Option<NaiveDate> {
    key.split('/')
        .find_map(|part| NaiveDate::parse_from_str(part, "%Y-%m-%d").ok())
}

/// Rows for one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRows {
    pub table: &'static TableSchema,
    pub rows: Vec<Row>,
}

/// A row the processor itself refuses (beyond what the table's checks catch),
/// e.g. a placeholder line: kept in `nba_raw.rejected_rows` with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub table: &'static TableSchema,
    pub row: Row,
    pub column: String,
    pub reason: String,
}

/// What one raw object yields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub tables: Vec<TableRows>,
    pub rejected: Vec<Rejection>,
    /// Players an authoritative source vouches for (registry input).
    pub players: Vec<PlayerSighting>,
    /// Items left out on purpose, each with why (not data errors: e.g. an All-Star exhibition
    /// in a league feed). Named in the run's message, never loaded.
    pub skipped: Vec<String>,
}

impl Parsed {
    /// Rows for a single table.
    pub fn one(table: &'static TableSchema, rows: Vec<Row>) -> Self {
        Parsed::default().with(table, rows)
    }

    /// Adds rows for another table (merging with rows already there for it).
    pub fn with(mut self, table: &'static TableSchema, rows: Vec<Row>) -> Self {
        match self.tables.iter_mut().find(|t| same_table(t.table, table)) {
            Some(existing) => existing.rows.extend(rows),
            None => self.tables.push(TableRows { table, rows }),
        }
        self
    }

    pub fn reject(&mut self, table: &'static TableSchema, row: Row, column: &str, reason: impl Into<String>) {
        self.rejected.push(Rejection {
            table,
            row,
            column: column.to_string(),
            reason: reason.into(),
        });
    }

    /// Rows across tables, plus processor rejections.
    pub fn rows_read(&self) -> u64 {
        self.tables.iter().map(|t| t.rows.len() as u64).sum::<u64>() + self.rejected.len() as u64
    }

    /// Folds another object's result into this one (batch mode).
    pub fn absorb(&mut self, other: Parsed) {
        for t in other.tables {
            let table = t.table;
            *self = std::mem::take(self).with(table, t.rows);
        }
        self.rejected.extend(other.rejected);
        self.players.extend(other.players);
        self.skipped.extend(other.skipped);
    }
}

/// Whether two schemas are the same table. By name: a `const` schema has no
/// guaranteed single address, so pointer equality would split one table in two.
pub fn same_table(a: &TableSchema, b: &TableSchema) -> bool {
    a.dataset == b.dataset && a.name == b.name
}

/// How objects of a processor are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Each object on its own delivery.
    PerObject,
    /// All pending objects of one game date together, under a per-date lock in
    /// the state store (props and lines: many small files at once per date).
    BatchByDate,
}

pub trait RawProcessor: Send + Sync {
    /// Processor name (execution log, messages), e.g. `nbac_schedule_processor`.
    fn name(&self) -> &'static str;
    /// Upstream source name for quarantine records and unresolved names, e.g. `nbac_schedule`.
    fn source_name(&self) -> &'static str;
    /// Raw object key prefix this processor owns, e.g. `nba-com/schedule/`.
    fn prefix(&self) -> &'static str;
    /// Every table it writes.
    fn tables(&self) -> Vec<&'static TableSchema>;
    fn mode(&self) -> Mode {
        Mode::PerObject
    }
    /// Turns the object into rows (not yet validated against the tables; the
    /// writer does that). Structural problems are a [`ParseError`]: the object is quarantined.
    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError>;
}

#[derive(Clone, Default)]
pub struct ProcessorRegistry {
    processors: Vec<Arc<dyn RawProcessor>>,
}

impl ProcessorRegistry {
    /// Every processor of the platform.
    pub fn standard() -> Self {
        let mut registry = ProcessorRegistry::default();
        crate::processors::register_all(&mut registry);
        registry
    }

    pub fn register(&mut self, processor: impl RawProcessor + 'static) {
        self.processors.push(Arc::new(processor));
        // Longest prefix first so a more specific route wins.
        self.processors.sort_by_key(|p| std::cmp::Reverse(p.prefix().len()));
    }

    /// The processor owning `object_name`, if any.
    pub fn route(&self, object_name: &str) -> Option<Arc<dyn RawProcessor>> {
        self.processors
            .iter()
            .find(|p| object_name.starts_with(p.prefix()))
            .cloned()
    }

    pub fn all(&self) -> &[Arc<dyn RawProcessor>] {
        &self.processors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts() {
        let key = "odds-api/player-props/2025-01-10/abc123/20250110_180502.json";
        assert_eq!(game_date_from_key(key), NaiveDate::from_ymd_opt(2025, 1, 10));
        assert_eq!(
            scraped_at_from_key(key).unwrap().to_rfc3339(),
            "2025-01-10T18:05:02+00:00"
        );
        let obj = RawObject {
            uri: "gs://b/k",
            key,
            body: b"{}",
            game_date: game_date_from_key(key),
            scraped_at: Utc::now(),
        };
        assert_eq!(obj.sub(), Some("abc123"));
        let flat = RawObject {
            key: "nba-com/schedule/2025-01-10/20250110_180502.json",
            ..obj
        };
        assert_eq!(flat.sub(), None);
    }
}
