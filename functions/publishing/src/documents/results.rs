//! `results/{date}.json` and `results/latest.json`: a graded date.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{GradeOutcome, Recommendation};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResultsDoc {
    pub api_version: String,
    pub game_date: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// Every system together.
    pub summary: ResultsSummary,
    pub per_system: Vec<SystemResults>,
    /// Every graded active prediction of the date, actionable picks first.
    pub picks: Vec<GradedPick>,
}

/// Counts, win rate and errors over a set of graded predictions (grading's tallies).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResultsSummary {
    pub predictions: i64,
    /// Predictions with points to compare with (not void).
    pub graded: i64,
    pub actionable: i64,
    pub wins: i64,
    pub losses: i64,
    pub pushes: i64,
    pub voids: i64,
    /// wins / (wins + losses): PASS, NO_LINE, pushes and voids never count.
    pub win_rate: Option<f64>,
    /// Mean absolute error over graded predictions.
    pub mae: Option<f64>,
    /// Mean (predicted − actual) over graded predictions.
    pub bias: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SystemResults {
    pub system_id: String,
    #[serde(flatten)]
    pub summary: ResultsSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GradedPick {
    pub game_id: String,
    pub player_lookup: String,
    pub player_name: String,
    pub system_id: String,
    pub recommendation: Recommendation,
    pub predicted_points: f64,
    pub line: Option<f64>,
    /// Null for a DNP.
    pub actual_points: Option<i64>,
    pub absolute_error: Option<f64>,
    pub outcome: GradeOutcome,
    pub is_actionable: bool,
}
