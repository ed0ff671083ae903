//! What the exporter reads from the warehouse: read-only SQL with positional `?`,
//! typed through the declared row types where a whole row is needed.

use chrono::{Duration, NaiveDate};
use nba_cloud::Warehouse;
use nba_schemas::tables::analytics::{PlayerGameSummary, UpcomingPlayerGameContext};
use nba_schemas::tables::grading::{PredictionAccuracy, SystemDailyPerformance};
use nba_schemas::tables::orchestration::{PhaseTransitionDecision, ProcessorExecutionLog, QuarantinedInput};
use nba_schemas::tables::prediction_output::{PlayerPropPrediction, PredictionCoverage};
use nba_schemas::tables::raw::NbacSchedule;
use nba_schemas::{Row, Table, TableSchema};
use serde_json::{Value, json};

use crate::error::PublishError;

/// Games a player document lists.
pub const PLAYER_GAMES: usize = 10;

/// Every table the exporter reads (created empty if missing, so a day that never
/// reached a phase reads as empty rather than failing).
pub const TABLES_READ: &[&TableSchema] = &[
    PlayerPropPrediction::SCHEMA,
    PredictionCoverage::SCHEMA,
    PredictionAccuracy::SCHEMA,
    SystemDailyPerformance::SCHEMA,
    PlayerGameSummary::SCHEMA,
    UpcomingPlayerGameContext::SCHEMA,
    NbacSchedule::SCHEMA,
    ProcessorExecutionLog::SCHEMA,
    QuarantinedInput::SCHEMA,
    PhaseTransitionDecision::SCHEMA,
];

/// Runs `sql` and reads each row as `T`.
pub async fn typed<T: Table>(warehouse: &dyn Warehouse, sql: &str, params: Vec<Value>) -> Result<Vec<T>, PublishError> {
    let table = T::SCHEMA.qualified_name();
    warehouse
        .query(sql, params)
        .await
        .map_err(PublishError::read(table.clone()))?
        .into_iter()
        .map(|row| T::from_row(row).map_err(|e| PublishError::bad_row(&table, e.to_string())))
        .collect()
}

fn day(date: NaiveDate) -> Vec<Value> {
    vec![json!(date.to_string())]
}

/// The slate's players: those with an active prediction on `date`.
const SLATE: &str = "SELECT DISTINCT player_lookup FROM nba_predictions.player_prop_predictions \
                     WHERE game_date = CAST(? AS DATE) AND is_active";

pub async fn coverage(w: &dyn Warehouse, date: NaiveDate) -> Result<Option<PredictionCoverage>, PublishError> {
    let sql = "SELECT * FROM nba_predictions.prediction_coverage WHERE game_date = CAST(? AS DATE)";
    Ok(typed(w, sql, day(date)).await?.into_iter().next())
}

pub async fn active_predictions(w: &dyn Warehouse, date: NaiveDate) -> Result<Vec<PlayerPropPrediction>, PublishError> {
    let sql = "SELECT * FROM nba_predictions.player_prop_predictions WHERE game_date = CAST(? AS DATE) AND is_active \
               ORDER BY game_id, player_lookup, system_id";
    typed(w, sql, day(date)).await
}

pub async fn context(w: &dyn Warehouse, date: NaiveDate) -> Result<Vec<UpcomingPlayerGameContext>, PublishError> {
    let sql = "SELECT * FROM nba_analytics.upcoming_player_game_context WHERE game_date = CAST(? AS DATE)";
    typed(w, sql, day(date)).await
}

pub async fn schedule(w: &dyn Warehouse, date: NaiveDate) -> Result<Vec<NbacSchedule>, PublishError> {
    let sql = "SELECT * FROM nba_raw.nbac_schedule WHERE game_date = CAST(? AS DATE) ORDER BY tip_time_utc, game_id";
    typed(w, sql, day(date)).await
}

pub async fn accuracy(w: &dyn Warehouse, date: NaiveDate) -> Result<Vec<PredictionAccuracy>, PublishError> {
    let sql = "SELECT * FROM nba_predictions.prediction_accuracy WHERE game_date = CAST(? AS DATE) \
               ORDER BY player_lookup, system_id";
    typed(w, sql, day(date)).await
}

/// Player-game summaries of a date (names and teams of graded players).
pub async fn summaries(w: &dyn Warehouse, date: NaiveDate) -> Result<Vec<PlayerGameSummary>, PublishError> {
    let sql = "SELECT * FROM nba_analytics.player_game_summary WHERE game_date = CAST(? AS DATE)";
    typed(w, sql, day(date)).await
}

/// The newest graded date on or before `date`.
pub async fn latest_graded(w: &dyn Warehouse, date: NaiveDate) -> Result<Option<NaiveDate>, PublishError> {
    let sql = "SELECT max(game_date) AS d FROM nba_predictions.prediction_accuracy WHERE game_date <= CAST(? AS DATE)";
    let rows = w
        .query(sql, day(date))
        .await
        .map_err(PublishError::read("nba_predictions.prediction_accuracy"))?;
    date_of(rows.first(), "d", "nba_predictions.prediction_accuracy")
}

fn date_of(row: Option<&Row>, column: &str, table: &str) -> Result<Option<NaiveDate>, PublishError> {
    match row.and_then(|r| r.get(column)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|e| PublishError::bad_row(table, format!("{column} {s:?}: {e}"))),
        Some(other) => Err(PublishError::bad_row(table, format!("{column} is not a date: {other}"))),
    }
}

/// Per-system daily performance over `[from, to]`.
pub async fn performance(
    w: &dyn Warehouse,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SystemDailyPerformance>, PublishError> {
    let sql = "SELECT * FROM nba_predictions.system_daily_performance \
               WHERE game_date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) ORDER BY system_id, game_date";
    typed(w, sql, vec![json!(from.to_string()), json!(to.to_string())]).await
}

/// The last [`PLAYER_GAMES`] games on or before `date` of every player of the slate.
pub async fn slate_games(w: &dyn Warehouse, date: NaiveDate) -> Result<Vec<PlayerGameSummary>, PublishError> {
    let sql = format!(
        "SELECT * FROM nba_analytics.player_game_summary \
         WHERE game_date <= CAST(? AS DATE) AND player_lookup IN ({SLATE}) \
         QUALIFY row_number() OVER (PARTITION BY player_lookup ORDER BY game_date DESC) <= {PLAYER_GAMES}"
    );
    typed(w, &sql, vec![json!(date.to_string()), json!(date.to_string())]).await
}

/// One active prediction of a slate player's recent past, with its grade when graded.
#[derive(Debug, Clone, PartialEq)]
pub struct PastPrediction {
    pub game_date: NaiveDate,
    pub game_id: String,
    pub player_lookup: String,
    pub system_id: String,
    pub predicted_points: f64,
    pub recommendation: String,
    pub line: Option<f64>,
    pub outcome: Option<String>,
}

/// Active predictions (graded or not) of the slate's players over the `days` before and on `date`.
pub async fn slate_predictions(
    w: &dyn Warehouse,
    date: NaiveDate,
    days: i64,
) -> Result<Vec<PastPrediction>, PublishError> {
    let table = "nba_predictions.player_prop_predictions";
    let sql = format!(
        "SELECT p.game_date, p.game_id, p.player_lookup, p.system_id, p.predicted_points, p.recommendation, p.line, \
         a.outcome FROM nba_predictions.player_prop_predictions p \
         LEFT JOIN nba_predictions.prediction_accuracy a ON a.prediction_id = p.prediction_id \
         WHERE p.is_active AND p.game_date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) AND p.player_lookup IN ({SLATE}) \
         ORDER BY p.player_lookup, p.game_date, p.system_id"
    );
    let params = vec![
        json!((date - Duration::days(days)).to_string()),
        json!(date.to_string()),
        json!(date.to_string()),
    ];
    let rows = w.query(&sql, params).await.map_err(PublishError::read(table))?;
    rows.iter().map(|r| past_prediction(table, r)).collect()
}

fn past_prediction(table: &str, row: &Row) -> Result<PastPrediction, PublishError> {
    let text = |c: &str| row.get(c).and_then(Value::as_str).map(str::to_string);
    let need = |c: &str| text(c).ok_or_else(|| PublishError::bad_row(table, format!("{c} is missing")));
    let game_date = need("game_date")?;
    Ok(PastPrediction {
        game_date: game_date
            .parse()
            .map_err(|e| PublishError::bad_row(table, format!("game_date {game_date:?}: {e}")))?,
        game_id: need("game_id")?,
        player_lookup: need("player_lookup")?,
        system_id: need("system_id")?,
        predicted_points: row
            .get("predicted_points")
            .and_then(Value::as_f64)
            .ok_or_else(|| PublishError::bad_row(table, "predicted_points is missing"))?,
        recommendation: need("recommendation")?,
        line: row.get("line").and_then(Value::as_f64),
        outcome: text("outcome"),
    })
}

/// The execution log of the day (rows about `date`).
pub async fn executions(w: &dyn Warehouse, date: NaiveDate) -> Result<Vec<ProcessorExecutionLog>, PublishError> {
    let sql = "SELECT * FROM nba_orchestration.processor_execution_log WHERE game_date = CAST(? AS DATE) \
               ORDER BY started_at DESC, execution_id";
    typed(w, sql, day(date)).await
}

/// Inputs quarantined by the day's chains.
pub async fn quarantined(w: &dyn Warehouse, date: NaiveDate) -> Result<Vec<QuarantinedInput>, PublishError> {
    let sql = "SELECT * FROM nba_orchestration.quarantined_inputs WHERE correlation_id IN \
               (SELECT DISTINCT correlation_id FROM nba_orchestration.processor_execution_log \
                WHERE game_date = CAST(? AS DATE)) ORDER BY quarantined_at";
    typed(w, sql, day(date)).await
}

/// Phase transitions of the day that were refused.
pub async fn blocked_transitions(
    w: &dyn Warehouse,
    date: NaiveDate,
) -> Result<Vec<PhaseTransitionDecision>, PublishError> {
    let sql = "SELECT * FROM nba_orchestration.phase_transition_decisions \
               WHERE game_date = CAST(? AS DATE) AND decision = 'blocked' ORDER BY decided_at";
    typed(w, sql, day(date)).await
}
