//! Fetching: simple, portable SQL (DuckDB locally, BigQuery in the cloud) that
//! selects rows; everything that matters is computed in Rust.

use nba_cloud::Warehouse;
use nba_schemas::{Row, Table};
use serde_json::Value;

use crate::error::AnalyticsError;

/// Rows of a declared table matching `filter` (a `WHERE` clause with `?` params),
/// read back as the table's typed row.
pub async fn rows_of<T: Table>(
    warehouse: &dyn Warehouse,
    filter: &str,
    params: Vec<Value>,
) -> Result<Vec<T>, AnalyticsError> {
    let table = T::SCHEMA.qualified_name();
    let sql = format!("SELECT * FROM {table} WHERE {filter}");
    let rows = warehouse
        .query(&sql, params)
        .await
        .map_err(AnalyticsError::read(table.clone()))?;
    rows.into_iter()
        .map(|row| {
            T::from_row(row).map_err(|e| AnalyticsError::BadRow {
                table: table.clone(),
                reason: e.to_string(),
            })
        })
        .collect()
}

/// Rows of an arbitrary read-only query, untyped.
pub async fn query(
    warehouse: &dyn Warehouse,
    what: &str,
    sql: &str,
    params: Vec<Value>,
) -> Result<Vec<Row>, AnalyticsError> {
    warehouse.query(sql, params).await.map_err(AnalyticsError::read(what))
}

/// A text column of an untyped row.
pub fn text(row: &Row, column: &str) -> Option<String> {
    row.get(column).and_then(Value::as_str).map(str::to_string)
}

/// A date column of an untyped row.
pub fn date(row: &Row, column: &str) -> Option<chrono::NaiveDate> {
    row.get(column).and_then(Value::as_str).and_then(|s| s.parse().ok())
}
