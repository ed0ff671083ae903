//! Validated writes: the one path by which rows reach a declared table.
//!
//! Before every write: compute `data_hash` (when the table has one), validate
//! each row against its schema, keep violators in `nba_raw.rejected_rows` with
//! their reason, then write the valid rows with the table's strategy.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use nba_schemas::model::METADATA_COLUMNS;
use nba_schemas::tables::raw::RejectedRow;
use nba_schemas::{DATA_HASH, Row, Table, TableSchema, Violation, WriteStrategy, validate_row};
use serde_json::Value;

use crate::{Warehouse, WarehouseError, WriteStats};

/// Who is writing, for the rejected-rows trail.
#[derive(Debug, Clone, Default)]
pub struct WriteContext {
    pub source_file: Option<String>,
    pub correlation_id: Option<String>,
    pub execution_id: Option<String>,
}

/// What a validated write did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteReport {
    pub rows_in: u64,
    pub stats: WriteStats,
    /// One entry per rejected row (its first violation).
    pub rejected: Vec<Violation>,
}

impl WriteReport {
    pub fn rows_rejected(&self) -> u64 {
        self.rejected.len() as u64
    }
}

/// Sets `data_hash` over the row's canonical content (bookkeeping columns excluded).
pub fn stamp_data_hash(schema: &TableSchema, row: &mut Row) {
    if schema.has_data_hash() {
        let hash = nba_dedup::content_hash(row, METADATA_COLUMNS);
        row.insert(DATA_HASH.into(), Value::String(hash));
    }
}

/// Validates and writes typed rows.
pub async fn write_rows<T: Table>(
    warehouse: &dyn Warehouse,
    rows: &[T],
    ctx: &WriteContext,
) -> Result<WriteReport, WarehouseError> {
    write_json_rows(warehouse, T::SCHEMA, rows.iter().map(Table::to_row).collect(), ctx).await
}

/// Validates and writes rows already in warehouse form.
pub async fn write_json_rows(
    warehouse: &dyn Warehouse,
    schema: &'static TableSchema,
    rows: Vec<Row>,
    ctx: &WriteContext,
) -> Result<WriteReport, WarehouseError> {
    let rows_in = rows.len() as u64;
    let mut valid = Vec::with_capacity(rows.len());
    let mut rejected_rows = Vec::new();
    let mut rejected = Vec::new();
    for mut row in rows {
        stamp_data_hash(schema, &mut row);
        match validate_row(schema, &row) {
            Ok(()) => valid.push(row),
            Err(violations) => {
                rejected_rows.push(rejection(schema, &row, &violations, ctx));
                rejected.push(
                    violations
                        .into_iter()
                        .next()
                        .expect("a failed validation has a violation"),
                );
            }
        }
    }
    if !rejected_rows.is_empty() {
        warehouse.ensure_table(RejectedRow::SCHEMA).await?;
        warehouse.insert_new(RejectedRow::SCHEMA, rejected_rows).await?;
    }
    warehouse.ensure_table(schema).await?;
    let stats = if valid.is_empty() {
        WriteStats::default()
    } else {
        write_with_strategy(warehouse, schema, valid).await?
    };
    Ok(WriteReport {
        rows_in,
        stats,
        rejected,
    })
}

async fn write_with_strategy(
    warehouse: &dyn Warehouse,
    schema: &'static TableSchema,
    rows: Vec<Row>,
) -> Result<WriteStats, WarehouseError> {
    match schema.strategy {
        WriteStrategy::MergeOnKeys => warehouse.merge(schema, rows).await,
        WriteStrategy::Append => warehouse.append(schema, rows).await,
        WriteStrategy::InsertNewOnly => warehouse.insert_new(schema, rows).await,
        WriteStrategy::ReplacePartition => {
            let column = schema.partition_by.ok_or_else(|| WarehouseError::Write {
                table: schema.qualified_name(),
                reason: "ReplacePartition needs a partition column".into(),
            })?;
            let mut by_partition: BTreeMap<NaiveDate, Vec<Row>> = BTreeMap::new();
            for row in rows {
                let date = row
                    .get(column)
                    .and_then(Value::as_str)
                    .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                    .ok_or_else(|| WarehouseError::Write {
                        table: schema.qualified_name(),
                        reason: format!("row without a valid {column}"),
                    })?;
                by_partition.entry(date).or_default().push(row);
            }
            let mut total = WriteStats::default();
            for (date, rows) in by_partition {
                let s = warehouse.replace_partition(schema, date, rows).await?;
                total.inserted += s.inserted;
                total.updated += s.updated;
                total.unchanged += s.unchanged;
                total.deleted += s.deleted;
            }
            Ok(total)
        }
    }
}

/// Keeps rows a processor refused itself (beyond the table's checks, e.g. a
/// placeholder line) in `nba_raw.rejected_rows`, each with its reason.
pub async fn reject_rows(
    warehouse: &dyn Warehouse,
    schema: &'static TableSchema,
    rows: Vec<(Row, Violation)>,
    ctx: &WriteContext,
) -> Result<u64, WarehouseError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let n = rows.len() as u64;
    let rejected: Vec<Row> = rows
        .into_iter()
        .map(|(mut row, violation)| {
            stamp_data_hash(schema, &mut row);
            rejection(schema, &row, &[violation], ctx)
        })
        .collect();
    warehouse.ensure_table(RejectedRow::SCHEMA).await?;
    warehouse.insert_new(RejectedRow::SCHEMA, rejected).await?;
    Ok(n)
}

fn rejection(schema: &TableSchema, row: &Row, violations: &[Violation], ctx: &WriteContext) -> Row {
    let first = &violations[0];
    let now = Utc::now();
    let reason = violations
        .iter()
        .map(|v| format!("{}: {}", v.column, v.reason))
        .collect::<Vec<_>>()
        .join("; ");
    RejectedRow {
        rejected_date: nba_core::time::et_date(now),
        rejected_at: now,
        target_table: schema.qualified_name(),
        source_file: ctx.source_file.clone(),
        column_name: first.column.clone(),
        value: Some(first.value.clone()),
        reason,
        row_json: Value::Object(row.clone()),
        row_hash: nba_dedup::content_hash(row, &["processed_at"]),
        correlation_id: ctx.correlation_id.clone(),
        execution_id: ctx.execution_id.clone(),
    }
    .to_row()
}
