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
