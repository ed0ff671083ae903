//! Bodies of the phase-5 messages. Contracts: `events/messages/nba-prediction-request.*`,
//! `nba-prediction-ready.*` and `nba-phase5-predictions-complete.*` (tests validate every
//! published message against them).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use nba_core::messages::RunMode;
use nba_systems::{PastGame, RecentPerformance};
use serde::{Deserialize, Serialize};

/// Where a request's line came from (`line_source` in the output tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineSource {
    /// A bookmaker's line (the context's preferred book, or another book of a fallback source).
    Actual,
    /// A consensus number, not one book's offer.
    Estimated,
    /// No line: the prediction is `NO_LINE`.
    None,
}

impl LineSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LineSource::Actual => "actual",
            LineSource::Estimated => "estimated",
            LineSource::None => "none",
        }
    }
}

/// `nba-prediction-request`: predict one player of one batch (coordinator → worker).
/// Carries the game context and the chosen line so the worker does not re-derive them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionRequest {
    pub batch_id: String,
    /// Incremented by each forced re-run; a request of an older generation is stale.
    pub generation: u32,
    pub game_date: NaiveDate,
    pub mode: RunMode,
    pub correlation_id: String,
    pub game_id: String,
    pub player_lookup: String,
    pub player_name: String,
    pub team_tricode: String,
    pub opponent_tricode: String,
    pub is_home: bool,
    pub line: Option<f64>,
    pub line_source: LineSource,
    pub line_bookmaker: Option<String>,
    pub line_snapshot_at: Option<DateTime<Utc>>,
    /// The minutes expectation that passed the floor.
    pub expected_minutes: f64,
    pub requested_at: DateTime<Utc>,
    /// What the systems read for this player, read by the coordinator for the whole slate
    /// in a few queries (instead of a few per request, all queued on the warehouse at the
    /// same moment). Absent when a message would grow too large: the worker reads them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<PlayerInputs>,
}

/// A player's inputs to the systems, as of the batch's start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerInputs {
    /// Of the player's `ml_feature_store` row.
    pub feature_set_version: String,
    pub feature_quality: f64,
    /// The vector's values by name, and the names that took their default.
    pub features: BTreeMap<String, f64>,
    pub defaulted: Vec<String>,
    /// The player's games before the game date, oldest first.
    pub history: Vec<PastGame>,
    /// Per system, its recent graded record (the same for every player of a batch).
    pub recent_performance: BTreeMap<String, RecentPerformance>,
}

/// One system's failure for one player, as reported in `nba-prediction-ready`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemFailure {
    pub system_id: String,
    /// `declined`, `failed` or `circuit_open`.
    pub status: String,
    pub error: String,
}

/// `nba-prediction-ready`: a worker finished one player (worker → consolidator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionReady {
    pub batch_id: String,
    pub generation: u32,
    pub game_date: NaiveDate,
    pub mode: RunMode,
    pub correlation_id: String,
    pub player_lookup: String,
    /// `completed` (at least one system predicted) or `failed` (none did).
    pub status: String,
    pub systems_ok: Vec<String>,
    pub systems_failed: Vec<SystemFailure>,
    /// Players done (completed + failed) and expected in the batch, as this worker saw it.
    pub batch_done: u64,
    pub batch_expected: u64,
}

/// `nba-phase5-predictions-complete`: a batch was consolidated (consolidator → phase 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionsComplete {
    pub game_date: NaiveDate,
    pub batch_id: String,
    pub mode: RunMode,
    pub correlation_id: String,
    /// `complete` (every player done) or `partial` (consolidated on the stall timeout).
    pub status: String,
    pub players_expected: u64,
    /// Players with at least one prediction.
    pub players_predicted: u64,
    pub players_failed: u64,
    /// Players done neither way when a partial batch was consolidated.
    pub players_missing: u64,
    /// Tonight's players not requested, by reason.
    pub players_skipped: BTreeMap<String, u64>,
    /// Players predicted, per system id.
    pub per_system: BTreeMap<String, u64>,
    /// Share of expected players with a prediction from every enabled system.
    pub coverage_share: f64,
    pub coverage_alert: bool,
    pub rows_written: u64,
    pub consolidated_at: DateTime<Utc>,
}

/// Re-evaluates stalled batches at `now` (a clock tick on the consolidator's subscription).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StallTick {
    pub now: DateTime<Utc>,
}
