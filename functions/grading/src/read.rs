//! Reading what grading joins: a date's active predictions and the players' actual games.
//!
//! Predictions are read by column name with plain SQL rather than through the
//! `player_prop_predictions` row type, so grading depends only on the columns it
//! grades (prediction_id, system_id, game_date, game_id, player_lookup,
//! predicted_points, confidence, recommendation, line, line_source, is_active).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use nba_cloud::Warehouse;
use nba_schemas::tables::analytics::PlayerGameSummary;
use nba_schemas::{Row, Table, TableSchema};
use serde_json::{Value, json};

use crate::error::GradingError;
use crate::grade::{Actual, Recommendation};

/// The table predictions are consolidated into.
pub const PREDICTIONS_TABLE: &str = "player_prop_predictions";

/// The declared schema of `player_prop_predictions`, once phase 5 declares it
/// (looked up by name so grading builds before and after that lands).
pub fn predictions_schema() -> Option<&'static TableSchema> {
    nba_schemas::tables::registry()
        .into_iter()
        .find(|s| s.name == PREDICTIONS_TABLE && s.dataset.id() == "nba_predictions")
}

/// `dataset.table` of the predictions table.
pub fn predictions_table() -> String {
    predictions_schema()
        .map(TableSchema::qualified_name)
        .unwrap_or_else(|| format!("nba_predictions.{PREDICTIONS_TABLE}"))
}

/// One active prediction to grade.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionToGrade {
    pub prediction_id: String,
    pub system_id: String,
    pub game_date: NaiveDate,
    pub game_id: String,
    pub player_lookup: String,
    pub predicted_points: f64,
    pub confidence: Option<f64>,
    pub recommendation: Recommendation,
    pub line: Option<f64>,
    pub line_source: Option<String>,
}

/// The date's active predictions, ordered by id (deterministic output).
pub async fn active_predictions(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
) -> Result<Vec<PredictionToGrade>, GradingError> {
    let table = predictions_table();
    let sql = format!(
        "SELECT prediction_id, system_id, game_date, game_id, player_lookup, predicted_points, confidence, \
         recommendation, line, line_source FROM {table} WHERE game_date = ? AND is_active ORDER BY prediction_id"
    );
    let rows = warehouse
        .query(&sql, vec![json!(date.to_string())])
        .await
        .map_err(GradingError::read(table.clone()))?;
    rows.iter().map(|row| prediction(&table, row)).collect()
}

fn prediction(table: &str, row: &Row) -> Result<PredictionToGrade, GradingError> {
    let bad = |reason: String| GradingError::BadRow {
        table: table.to_string(),
        reason,
    };
    let text = |c: &str| row.get(c).and_then(Value::as_str).map(str::to_string);
    let need = |c: &str| text(c).ok_or_else(|| bad(format!("{c} is missing")));
    let number = |c: &str| row.get(c).and_then(Value::as_f64);
    let recommendation = need("recommendation")?;
    Ok(PredictionToGrade {
        prediction_id: need("prediction_id")?,
        system_id: need("system_id")?,
        game_date: need("game_date")?.parse().map_err(|e| bad(format!("game_date: {e}")))?,
        game_id: text("game_id").unwrap_or_default(),
        player_lookup: need("player_lookup")?,
        predicted_points: number("predicted_points").ok_or_else(|| bad("predicted_points is missing".into()))?,
        confidence: number("confidence"),
        recommendation: Recommendation::parse(&recommendation)
            .ok_or_else(|| bad(format!("unknown recommendation {recommendation}")))?,
        line: number("line"),
        line_source: text("line_source"),
    })
}

/// The date's actual games by player.
pub async fn actuals(warehouse: &dyn Warehouse, date: NaiveDate) -> Result<BTreeMap<String, Actual>, GradingError> {
    let table = PlayerGameSummary::SCHEMA.qualified_name();
    let sql = format!("SELECT player_lookup, points, minutes, is_dnp, dnp_reason FROM {table} WHERE game_date = ?");
    let rows = warehouse
        .query(&sql, vec![json!(date.to_string())])
        .await
        .map_err(GradingError::read(table.clone()))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let Some(player) = row.get("player_lookup").and_then(Value::as_str) else {
            return Err(GradingError::BadRow {
                table,
                reason: "player_lookup is missing".into(),
            });
        };
        let actual = Actual {
            points: row.get("points").and_then(Value::as_i64),
            minutes: row.get("minutes").and_then(Value::as_f64),
            is_dnp: row.get("is_dnp").and_then(Value::as_bool).unwrap_or(false),
            dnp_reason: row.get("dnp_reason").and_then(Value::as_str).map(str::to_string),
        };
        out.insert(player.to_string(), actual);
    }
    Ok(out)
}
