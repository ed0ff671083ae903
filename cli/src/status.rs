//! `nba status --date D`: the execution log of a day.

use chrono::NaiveDate;
use nba_cloud::Warehouse;
use nba_execlog::ExecutionLogRow;
use nba_schemas::Table;
use serde_json::Value;

use crate::table_print;

/// Rows of the execution log about `date` (its game date, or run on it), oldest first.
pub async fn day_log(warehouse: &dyn Warehouse, date: NaiveDate) -> anyhow::Result<Vec<nba_schemas::Row>> {
    let sql = format!(
        "SELECT strftime(started_at, '%H:%M:%S') AS started, function_name AS function, status, \
         rows_read AS read, rows_written AS written, rows_unchanged AS unchanged, rows_rejected AS rejected, \
         duration_ms, error_class, coalesce(error_message, message) AS note, correlation_id \
         FROM {} WHERE game_date = CAST(? AS DATE) OR (game_date IS NULL AND run_date = CAST(? AS DATE)) \
         ORDER BY started_at",
        ExecutionLogRow::SCHEMA.qualified_name()
    );
    let d = Value::String(date.to_string());
    Ok(warehouse.query(&sql, vec![d.clone(), d]).await?)
}

pub fn render(date: NaiveDate, rows: &[nba_schemas::Row]) -> String {
    if rows.is_empty() {
        return format!("no executions recorded for {date}\n");
    }
    let columns = table_print::columns_of(rows);
    format!("execution log for {date}\n{}", table_print::render(&columns, rows))
}
