//! `systems/performance.json`: per-system rolling MAE and hit rate.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::results::ResultsSummary;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SystemsPerformanceDoc {
    pub api_version: String,
    pub generated_at: DateTime<Utc>,
    /// Graded dates up to and including this one are counted.
    pub as_of: NaiveDate,
    pub systems: Vec<SystemPerformance>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SystemPerformance {
    pub system_id: String,
    /// Rolling windows (7 and 30 days, and the season so far).
    pub windows: Vec<WindowPerformance>,
    /// One point per graded date of the last 30 days, oldest first (the chart).
    pub daily: Vec<DailyPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WindowPerformance {
    /// `last_7_days`, `last_30_days` or `season`.
    pub window: String,
    #[serde(flatten)]
    pub summary: ResultsSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DailyPoint {
    pub game_date: NaiveDate,
    pub graded: i64,
    pub mae: Option<f64>,
    pub hit_rate: Option<f64>,
}
