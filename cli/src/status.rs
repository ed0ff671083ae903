//! `nba status --date D`: the execution log of a day, then its phase-transition decisions.

use chrono::NaiveDate;
use nba_cloud::Warehouse;
use nba_execlog::ExecutionLogRow;
use nba_schemas::Table;
use nba_schemas::tables::orchestration::PhaseTransitionDecision;
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

/// The phase-transition decisions about `date`, oldest first; none when the table was
/// never written (no transition has run in this environment yet).
pub async fn transition_log(warehouse: &dyn Warehouse, date: NaiveDate) -> anyhow::Result<Vec<nba_schemas::Row>> {
    let sql = format!(
        "SELECT strftime(decided_at, '%H:%M:%S') AS decided, transition, mode, decision, \
         CAST(target_date AS VARCHAR) AS target, CAST(missing AS VARCHAR) AS missing, reason \
         FROM {} WHERE game_date = CAST(? AS DATE) ORDER BY decided_at, transition, mode",
        PhaseTransitionDecision::SCHEMA.qualified_name()
    );
    match warehouse.query(&sql, vec![Value::String(date.to_string())]).await {
        Ok(rows) => Ok(rows),
        Err(e) if e.to_string().contains("does not exist") => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

pub fn render_transitions(date: NaiveDate, rows: &[nba_schemas::Row]) -> String {
    if rows.is_empty() {
        return format!("no phase-transition decisions for {date}\n");
    }
    let columns = table_print::columns_of(rows);
    format!("phase transitions for {date}\n{}", table_print::render(&columns, rows))
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
        let rows = transition_log(&wh, date).await.unwrap();
        assert_eq!(rows.len(), 1);
        let text = render_transitions(date, &rows);
        assert!(
            text.contains("phase3_to_phase4") && text.contains("triggered"),
            "{text}"
        );
    }
}
