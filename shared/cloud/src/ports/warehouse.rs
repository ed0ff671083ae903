//! The analytical warehouse (BigQuery's role). Writes take validated rows for a
//! declared table; reads of partitioned tables need a partition range.

use async_trait::async_trait;
use chrono::NaiveDate;
use nba_schemas::{Row, TableSchema};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    #[error("table {table}: a scan without a partition filter is refused (require_partition_filter)")]
    PartitionFilterRequired { table: String },
    #[error("table {table}: {reason}")]
    Write { table: String, reason: String },
    #[error("query failed: {reason}")]
    Query { reason: String },
    #[error("only read-only statements may be run here: {0}")]
    NotReadOnly(String),
    /// A transient condition (lock contention, busy file): retry.
    #[error("warehouse busy: {0}")]
    Busy(String),
}

impl WarehouseError {
    /// A mistake in the request (a write in a read-only query, a scan without its
    /// partition filter): retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            WarehouseError::NotReadOnly(_) | WarehouseError::PartitionFilterRequired { .. }
        )
    }

    /// A query named a table or dataset that does not exist (yet): DuckDB says
    /// "Table with name … does not exist", BigQuery "Not found: Table|Dataset …".
    pub fn is_missing_table(&self) -> bool {
        self.query_reason_contains(&["does not exist", "not found: table", "not found: dataset"])
    }

    /// A query named a column the table does not have (DuckDB "Referenced column …",
    /// BigQuery "Unrecognized name: …").
    pub fn is_missing_column(&self) -> bool {
        self.query_reason_contains(&["referenced column", "unrecognized name"])
    }

    fn query_reason_contains(&self, needles: &[&str]) -> bool {
        match self {
            WarehouseError::Query { reason } => {
                let r = reason.to_ascii_lowercase();
                needles.iter().any(|n| r.contains(n))
            }
            _ => false,
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteStats {
    pub inserted: u64,
    pub updated: u64,
    /// Rows whose key existed with the same `data_hash`: nothing written.
    pub unchanged: u64,
    pub deleted: u64,
}

impl WriteStats {
    pub fn written(&self) -> u64 {
        self.inserted + self.updated
    }
}

/// Inclusive range of partition dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl PartitionRange {
    pub fn day(date: NaiveDate) -> Self {
        PartitionRange { from: date, to: date }
    }
}

#[async_trait]
pub trait Warehouse: Send + Sync {
    /// Creates the dataset and table if missing (idempotent).
    async fn ensure_table(&self, schema: &'static TableSchema) -> Result<(), WarehouseError>;
    /// Appends rows (strategy `Append`).
    async fn append(&self, schema: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError>;
    /// Upserts on `schema.keys`; rows with an unchanged `data_hash` are counted, not written.
    async fn merge(&self, schema: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError>;
    /// Inserts only rows whose keys are absent.
    async fn insert_new(&self, schema: &'static TableSchema, rows: Vec<Row>) -> Result<WriteStats, WarehouseError>;
    /// Replaces one partition with `rows`.
    async fn replace_partition(
        &self,
        schema: &'static TableSchema,
        partition: NaiveDate,
        rows: Vec<Row>,
    ) -> Result<WriteStats, WarehouseError>;
    /// Reads rows; `range` is required when the table requires a partition filter.
    async fn scan(
        &self,
        schema: &'static TableSchema,
        range: Option<PartitionRange>,
    ) -> Result<Vec<Row>, WarehouseError>;
    /// Runs a read-only SQL query with positional `?` parameters.
    async fn query(&self, sql: &str, params: Vec<serde_json::Value>) -> Result<Vec<Row>, WarehouseError>;
}

#[cfg(test)]
mod error_tests {
    use super::WarehouseError;

    fn query(reason: &str) -> WarehouseError {
        WarehouseError::Query { reason: reason.into() }
    }

    #[test]
    fn missing_tables_and_columns_are_told_apart() {
        let duckdb_table = query("Catalog Error: Table with name system_daily_performance does not exist!");
        let bigquery_table = query("Not found: Table proj:nba_predictions.x was not found in location US");
        let duckdb_column = query("Binder Error: Referenced column \"is_quality_ready\" not found in FROM clause!");
        assert!(duckdb_table.is_missing_table() && bigquery_table.is_missing_table());
        assert!(!duckdb_column.is_missing_table() && duckdb_column.is_missing_column());
        assert!(!query("IO Error: could not lock file").is_missing_table());
        assert!(WarehouseError::NotReadOnly("x".into()).is_permanent());
        assert!(!WarehouseError::Busy("lock".into()).is_permanent());
    }
}
