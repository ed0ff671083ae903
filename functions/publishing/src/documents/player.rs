//! `players/{player_lookup}.json`: a player's recent games, predictions against actuals.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{GradeOutcome, Recommendation};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlayerDoc {
    pub api_version: String,
    pub player_lookup: String,
    pub player_name: String,
    pub team: String,
    pub generated_at: DateTime<Utc>,
    /// The newest game date the document covers.
    pub as_of: NaiveDate,
    /// Oldest first (the order a sparkline draws them).
    pub games: Vec<PlayerGame>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlayerGame {
    pub game_date: NaiveDate,
    pub game_id: String,
    pub opponent: String,
    pub is_home: bool,
    pub minutes: Option<f64>,
    /// Null before the game is played, and for a DNP.
    pub points: Option<i64>,
    /// The line that counted (the latest before the tip), when there was one.
    pub line: Option<f64>,
    pub is_dnp: bool,
    pub predictions: Vec<PlayerGamePrediction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlayerGamePrediction {
    pub system_id: String,
    pub predicted_points: f64,
    pub recommendation: Recommendation,
    pub line: Option<f64>,
    /// Null until graded.
    pub outcome: Option<GradeOutcome>,
}
