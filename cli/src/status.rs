//! `nba status --date D`: per-function latency and failures of a day, its coverage SLO,
//! the execution log, then its phase-transition decisions.

use chrono::NaiveDate;
use nba_cloud::Warehouse;
use nba_execlog::ExecutionLogRow;
use nba_schemas::Table;
use nba_schemas::tables::orchestration::PhaseTransitionDecision;
use nba_schemas::tables::prediction_output::PredictionCoverage;
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
    titled(
        &format!("execution log for {date}"),
        &format!("no executions recorded for {date}"),
        rows,
    )
}

/// Per function, for the runs about `date`: runs, failures, and latency (median, p95,
/// max), in the order the functions first ran.
pub async fn function_metrics(warehouse: &dyn Warehouse, date: NaiveDate) -> anyhow::Result<Vec<nba_schemas::Row>> {
    let sql = format!(
        "SELECT function_name AS function, count(*) AS runs, count(*) FILTER (WHERE status = 'failed') AS failed, \
         count(*) FILTER (WHERE status IN ('no_data', 'partial')) AS thin, \
         CAST(median(duration_ms) AS BIGINT) AS p50_ms, CAST(quantile_cont(duration_ms, 0.95) AS BIGINT) AS p95_ms, \
         max(duration_ms) AS max_ms, CAST(sum(rows_written) AS BIGINT) AS rows_written \
         FROM {} WHERE game_date = CAST(? AS DATE) OR (game_date IS NULL AND run_date = CAST(? AS DATE)) \
         GROUP BY function_name ORDER BY min(started_at)",
        ExecutionLogRow::SCHEMA.qualified_name()
    );
    let d = Value::String(date.to_string());
    or_none_yet(warehouse.query(&sql, vec![d.clone(), d]).await)
}

pub fn render_metrics(date: NaiveDate, rows: &[nba_schemas::Row]) -> String {
    titled(
        &format!("functions for {date}"),
        &format!("no function runs for {date}"),
        rows,
    )
}

/// The day's coverage SLO row (share of players predicted by every system, alert, reason).
pub async fn coverage(warehouse: &dyn Warehouse, date: NaiveDate) -> anyhow::Result<Vec<nba_schemas::Row>> {
    let sql = format!(
        "SELECT expected, predicted_any, predicted_all_systems AS all_systems, round(share, 3) AS share, \
         target, alert, partial, reason FROM {} WHERE game_date = CAST(? AS DATE)",
        PredictionCoverage::SCHEMA.qualified_name()
    );
    or_none_yet(warehouse.query(&sql, vec![Value::String(date.to_string())]).await)
}

pub fn render_coverage(date: NaiveDate, rows: &[nba_schemas::Row]) -> String {
    titled(
        &format!("prediction coverage SLO for {date}"),
        &format!("no prediction coverage recorded for {date}"),
        rows,
    )
}

/// Data freshness as of `date`: for every date-partitioned table outside the
/// orchestration dataset, the newest game date it holds up to `date`, how many days that
/// is behind `date`, and its rows for `date` itself. Tables that feed on finished games
/// (box scores, summaries, grading) are a day behind until the day's games are over.
pub async fn freshness(warehouse: &dyn Warehouse, date: NaiveDate) -> anyhow::Result<Vec<nba_schemas::Row>> {
    let tables: Vec<(&nba_schemas::TableSchema, &str)> = nba_schemas::registry()
        .into_iter()
        .filter(|t| t.dataset != nba_core::Dataset::Orchestration)
        .filter_map(|t| Some((t, t.partition_by?)))
        .collect();
    let mut params = Vec::new();
    let parts: Vec<String> = tables
        .iter()
        .map(|(t, part)| {
            params.extend([Value::String(date.to_string()), Value::String(date.to_string())]);
            format!(
                "SELECT '{name}' AS \"table\", max({part}) AS latest, \
                 count(*) FILTER (WHERE {part} = CAST(? AS DATE)) AS rows_on_day \
                 FROM {name} WHERE {part} <= CAST(? AS DATE)",
                name = t.qualified_name()
            )
        })
        .collect();
    let sql = format!(
        "SELECT \"table\", latest, date_diff('day', latest, CAST(? AS DATE)) AS days_behind, rows_on_day \
         FROM ({}) ORDER BY days_behind DESC NULLS FIRST, \"table\"",
        parts.join(" UNION ALL ")
    );
    params.insert(0, Value::String(date.to_string()));
    or_none_yet(warehouse.query(&sql, params).await)
}

pub fn render_freshness(date: NaiveDate, rows: &[nba_schemas::Row]) -> String {
    titled(
        &format!("data freshness as of {date} (newest game date per table)"),
        "no tables yet",
        rows,
    )
}

/// Rows under a title line, or the `empty` line when there are none.
fn titled(title: &str, empty: &str, rows: &[nba_schemas::Row]) -> String {
    if rows.is_empty() {
        return format!("{empty}\n");
    }
    let columns = table_print::columns_of(rows);
    format!("{title}\n{}", table_print::render(&columns, rows))
}

/// A table never written (nothing of its kind has run here yet) reads as no rows.
pub(crate) fn or_none_yet(
    result: Result<Vec<nba_schemas::Row>, nba_cloud::WarehouseError>,
) -> anyhow::Result<Vec<nba_schemas::Row>> {
    match result {
        Ok(rows) => Ok(rows),
        Err(e) if e.to_string().contains("does not exist") => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// The phase-transition decisions about `date`, oldest first; none when the table was
/// never written (no transition has run in this environment yet).
pub async fn transition_log(warehouse: &dyn Warehouse, date: NaiveDate) -> anyhow::Result<Vec<nba_schemas::Row>> {
    let sql = format!(
        "SELECT strftime(decided_at, '%H:%M:%S') AS decided, transition, mode, decision, \
         CAST(target_date AS VARCHAR) AS target, CAST(missing AS VARCHAR) AS missing, reason \
         FROM {} WHERE game_date = CAST(? AS DATE) ORDER BY decided_at, transition, mode",
        PhaseTransitionDecision::SCHEMA.qualified_name()
    );
    or_none_yet(warehouse.query(&sql, vec![Value::String(date.to_string())]).await)
}

pub fn render_transitions(date: NaiveDate, rows: &[nba_schemas::Row]) -> String {
    titled(
        &format!("phase transitions for {date}"),
        &format!("no phase-transition decisions for {date}"),
        rows,
    )
}

#[cfg(test)]
mod tests {
    use nba_cloud::embedded::DuckDbWarehouse;
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn transition_decisions_are_listed_and_a_missing_table_is_none() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        let date = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
        assert!(transition_log(&wh, date).await.unwrap().is_empty());
        assert!(render_transitions(date, &[]).starts_with("no phase-transition decisions"));
        let row = PhaseTransitionDecision {
            decided_at: "2025-01-10T20:00:00Z".parse().unwrap(),
            game_date: date,
            transition: "phase3_to_phase4".into(),
            mode: "same_day".into(),
            decision: "triggered".into(),
            reason: "all_complete: 2 of 2".into(),
            completed: json!(["upcoming_player_game_context", "upcoming_team_game_context"]),
            missing: json!([]),
            target_date: Some(date),
            quality_ready_share: None,
            trigger_id: "m1".into(),
            correlation_id: "c".into(),
            execution_id: "e".into(),
        };
        nba_cloud::writer::write_rows(&wh, &[row], &Default::default())
            .await
            .unwrap();
        assert!(function_metrics(&wh, date).await.unwrap().is_empty());
        assert!(coverage(&wh, date).await.unwrap().is_empty());
        let rows = transition_log(&wh, date).await.unwrap();
        assert_eq!(rows.len(), 1);
        let text = render_transitions(date, &rows);
        assert!(
            text.contains("phase3_to_phase4") && text.contains("triggered"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn metrics_count_runs_failures_and_latency_per_function() {
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        let date = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
        let mut rows = Vec::new();
        for (i, ms) in [10, 20, 30, 1000].into_iter().enumerate() {
            let mut r = crate::trace::tests::run("raw_processor", "c", date, &format!("2025-01-10T15:00:0{i}Z"));
            r.duration_ms = ms;
            r.status = if i == 3 { "failed".into() } else { "success".into() };
            rows.push(r);
        }
        rows.push(crate::trace::tests::run("workflow", "c", date, "2025-01-10T14:00:00Z"));
        nba_cloud::writer::write_rows(&wh, &rows, &Default::default())
            .await
            .unwrap();
        let metrics = function_metrics(&wh, date).await.unwrap();
        assert_eq!(metrics.len(), 2);
        assert_eq!(metrics[0]["function"], "workflow");
        let raw = &metrics[1];
        assert_eq!(
            (&raw["runs"], &raw["failed"], &raw["p50_ms"], &raw["max_ms"]),
            (&json!(4), &json!(1), &json!(25), &json!(1000))
        );
        assert!(render_metrics(date, &metrics).contains("raw_processor"));
    }
}
