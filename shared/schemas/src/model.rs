//! The data model of a table declaration.

use nba_core::Dataset;
use serde_json::{Map, Value};

/// A row as it travels to and from the warehouse: column name → JSON value.
/// Dates are `YYYY-MM-DD` strings, timestamps RFC 3339 UTC strings.
pub type Row = Map<String, Value>;

/// Column types, chosen to map one-to-one onto BigQuery and DuckDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    String,
    Int64,
    Float64,
    Bool,
    Date,
    Timestamp,
    /// Free-form JSON (BigQuery `JSON`, DuckDB `JSON`).
    Json,
}

/// A value check beyond the type. Applied by [`crate::validate_row`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Check {
    /// Inclusive numeric range.
    Range { min: f64, max: f64 },
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
    /// A regular expression the whole string must match.
    Pattern(&'static str),
    /// String may not be empty.
    NonEmpty,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
    pub description: &'static str,
    pub checks: &'static [Check],
}

/// How rows reach the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteStrategy {
    /// Upsert on `keys`; a row whose `data_hash` is unchanged is not rewritten.
    MergeOnKeys,
    /// Every write appends (snapshots, logs): history is the point.
    Append,
    /// Insert rows whose keys are not present yet; existing rows are never changed.
    InsertNewOnly,
    /// The whole partition is replaced by each write.
    ReplacePartition,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableSchema {
    pub dataset: Dataset,
    pub name: &'static str,
    pub description: &'static str,
    pub columns: &'static [Column],
    /// The DATE column the table is partitioned by (BigQuery partitioning and
    /// our require-partition-filter rule), if any.
    pub partition_by: Option<&'static str>,
    pub cluster_by: &'static [&'static str],
    /// Natural key: merge key for `MergeOnKeys`, identity for `InsertNewOnly`.
    pub keys: &'static [&'static str],
    pub strategy: WriteStrategy,
    /// Large tables refuse scans without a partition filter, as BigQuery's
    /// `require_partition_filter` does.
    pub require_partition_filter: bool,
}

impl TableSchema {
    /// `dataset.table` with canonical names.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.dataset.id(), self.name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether the table carries a `data_hash` column (content dedup on merge).
    pub fn has_data_hash(&self) -> bool {
        self.column(DATA_HASH).is_some()
    }
}

/// Name of the content-hash column used for no-op detection on merge.
pub const DATA_HASH: &str = "data_hash";

/// Implemented by every row type declared with [`crate::table!`].
pub trait Table: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static {
    const SCHEMA: &'static TableSchema;

    /// The row as the warehouse sees it.
    fn to_row(&self) -> Row {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            other => panic!(
                "table row {} must serialise to an object, got {other:?}",
                Self::SCHEMA.name
            ),
        }
    }

    fn from_row(row: Row) -> Result<Self, serde_json::Error> {
        serde_json::from_value(Value::Object(row))
    }
}

/// Bookkeeping columns left out of a row's content hash: a re-processed
/// identical object must hash the same.
pub const METADATA_COLUMNS: &[&str] = &[DATA_HASH, "source_file", "processed_at", "ingested_at"];
