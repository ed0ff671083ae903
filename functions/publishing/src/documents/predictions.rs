//! `predictions/{date}.json` (and `predictions/today.json`), `best-bets/{date}.json`.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{Coverage, Factor, Publication, Recommendation};

/// A game date's predictions: games → players → each system's prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PredictionsDoc {
    pub api_version: String,
    pub game_date: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// `withheld`: the batch is missing or below the coverage gate, and `games` carry no players.
    pub publication: Publication,
    pub coverage: Coverage,
    /// Systems with at least one prediction listed, in a stable order.
    pub systems: Vec<String>,
    pub games: Vec<GamePredictions>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GamePredictions {
    pub game_id: String,
    pub away_team: String,
    pub home_team: String,
    /// Scheduled tip (UTC); null while the time is TBD.
    pub tip_time_utc: Option<DateTime<Utc>>,
    pub players: Vec<PlayerPredictions>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlayerPredictions {
    pub player_lookup: String,
    pub player_name: String,
    pub team: String,
    pub opponent: String,
    pub is_home: bool,
    pub predictions: Vec<SystemPrediction>,
}

/// One system's prediction for one player.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SystemPrediction {
    pub system_id: String,
    pub system_version: String,
    pub predicted_points: f64,
    /// 0–1.
    pub confidence: f64,
    pub recommendation: Recommendation,
    /// OVER/UNDER that passed the edge and confidence floors.
    pub actionable: bool,
    pub not_actionable_reason: Option<String>,
    pub line: Option<f64>,
    /// `actual` (a book's line), `estimated` (a consensus) or `none`.
    pub line_source: String,
    pub line_bookmaker: Option<String>,
    /// predicted − line.
    pub edge: Option<f64>,
    /// The inputs that moved the prediction most, largest first.
    pub key_factors: Vec<Factor>,
}

/// A date's actionable picks, ranked by edge and then by the system's recent record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BestBetsDoc {
    pub api_version: String,
    pub game_date: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub publication: Publication,
    /// Graded days before the date that make a system's recent record.
    pub record_window_days: u32,
    pub picks: Vec<BestBet>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BestBet {
    /// 1 = best.
    pub rank: u32,
    pub game_id: String,
    pub player_lookup: String,
    pub player_name: String,
    pub team: String,
    pub opponent: String,
    pub system_id: String,
    /// OVER or UNDER.
    pub recommendation: Recommendation,
    pub predicted_points: f64,
    pub line: f64,
    pub edge: f64,
    pub confidence: f64,
    pub system_record: SystemRecord,
}

/// A system's actionable record over the window before the date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SystemRecord {
    pub wins: i64,
    pub losses: i64,
    /// wins / (wins + losses); null without a decided pick.
    pub hit_rate: Option<f64>,
}
