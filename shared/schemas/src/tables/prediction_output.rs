//! `nba_predictions` (phase 5): staged and consolidated predictions, and the
//! daily prediction-coverage record.
//!
//! Workers write one staging row per (batch, player, system) — insert-new-only, so a
//! redelivered request writes nothing — and a single consolidation per batch moves
//! them into `player_prop_predictions` (merged on a deterministic prediction id, so a
//! consolidation that is taken over after a crash rewrites the same rows).

use chrono::{DateTime, NaiveDate, Utc};

use crate::Check;
use crate::tables::reference::PLAYER_LOOKUP;

/// Recommendations a system's prediction can carry.
pub const RECOMMENDATIONS: &[&str] = &["OVER", "UNDER", "PASS", "NO_LINE"];
/// Where the line a prediction was made against came from: a book's line
/// (`actual`), a consensus or derived number (`estimated`), or no line (`none`).
pub const LINE_SOURCES: &[&str] = &["actual", "estimated", "none"];
/// Outcome of one system for one player in a worker.
pub const STAGING_STATUSES: &[&str] = &["ok", "declined", "failed", "circuit_open"];
const POINTS: Check = Check::Range { min: 0.0, max: 100.0 };
const FRACTION: Check = Check::Range { min: 0.0, max: 1.0 };
const LINE: Check = Check::Range { min: 0.5, max: 80.0 };

table! {
    /// What a worker produced for one player and system, before consolidation: a
    /// prediction (`status = ok`) or why there is none (declined: not enough input;
    /// failed: error or panic; circuit_open: the system's breaker was open).
    /// Cleared for a batch once the batch is consolidated.
    pub struct PredictionStaging in Predictions."prediction_staging" {
        partition_by: Some("game_date"),
        cluster_by: ["batch_id", "player_lookup"],
        keys: ["batch_id", "player_lookup", "system_id"],
        strategy: InsertNewOnly,
        require_partition_filter: false,
    }
    columns {
        /// `{game_date}_{mode}_g{generation}`: one run of the coordinator.
        batch_id: String => [Check::NonEmpty],
        game_date: NaiveDate,
        game_id: String => [Check::NonEmpty],
        player_lookup: String => [PLAYER_LOOKUP],
        system_id: String => [Check::NonEmpty],
        system_version: Option<String>,
        status: String => [Check::OneOf(STAGING_STATUSES)],
        /// Why a system gave no prediction.
        error: Option<String>,
        predicted_points: Option<f64> => [POINTS],
        confidence: Option<f64> => [FRACTION],
        recommendation: Option<String> => [Check::OneOf(RECOMMENDATIONS)],
        edge: Option<f64>,
        line: Option<f64> => [LINE],
        line_source: String => [Check::OneOf(LINE_SOURCES)],
        line_bookmaker: Option<String>,
        /// [[name, value], ...] that moved the prediction.
        factors: serde_json::Value,
        feature_set_version: String,
        feature_quality: Option<f64> => [Check::Range { min: 0.0, max: 100.0 }],
        actionable: bool,
        not_actionable_reason: Option<String>,
        /// Pub/Sub message id of the request that produced the row.
        message_id: String,
        created_at: DateTime<Utc>,
    }
}

table! {
    /// The published predictions: one row per (game, player, system, line). A re-run
    /// with the same line rewrites its row; a new line adds a row and marks the older
    /// one `is_active = false`, so at most one row per (game, player, system) is active.
    pub struct PlayerPropPrediction in Predictions."player_prop_predictions" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup", "system_id"],
        keys: ["game_date", "prediction_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        /// `{game_id}:{player_lookup}:{system_id}:{line|none}` (deterministic: a retried
        /// consolidation writes the same ids).
        prediction_id: String => [Check::NonEmpty],
        system_id: String => [Check::NonEmpty],
        system_version: String,
        game_date: NaiveDate,
        game_id: String => [Check::NonEmpty],
        player_lookup: String => [PLAYER_LOOKUP],
        predicted_points: f64 => [POINTS],
        confidence: f64 => [FRACTION],
        recommendation: String => [Check::OneOf(RECOMMENDATIONS)],
        /// predicted − line (null without a line).
        edge: Option<f64>,
        line: Option<f64> => [LINE],
        line_source: String => [Check::OneOf(LINE_SOURCES)],
        line_bookmaker: Option<String>,
        /// [[name, value], ...] that moved the prediction.
        factors: serde_json::Value,
        feature_set_version: String,
        /// Mean feature quality of the vector the prediction used (0–100).
        feature_quality: Option<f64> => [Check::Range { min: 0.0, max: 100.0 }],
        /// OVER/UNDER that passed the edge and confidence floors.
        actionable: bool,
        not_actionable_reason: Option<String>,
        /// The coordinator run the prediction came from.
        batch_id: String,
        /// When the worker made the prediction.
        created_at: DateTime<Utc>,
        is_active: bool,
        data_hash: String,
        /// When consolidation wrote the row (not part of the content hash).
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// The daily coverage SLO: share of the batch's players that have a prediction
    /// from every enabled system; below `target` the row is an alert.
    pub struct PredictionCoverage in Predictions."prediction_coverage" {
        partition_by: Some("game_date"),
        cluster_by: ["batch_id"],
        keys: ["game_date"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        batch_id: String,
        /// Players requested (minutes floor and quality gate passed).
        expected: i64,
        /// Players with at least one prediction.
        predicted_any: i64,
        predicted_all_systems: i64,
        share: f64 => [FRACTION],
        target: f64 => [FRACTION],
        alert: bool,
        reason: String,
        /// Tonight's players the coordinator did not request, by reason ({reason: n}).
        skipped: serde_json::Value,
        /// {system_id: players predicted}.
        per_system: serde_json::Value,
        /// Whether the batch was consolidated partial (stall timeout).
        partial: bool,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <PredictionStaging as crate::Table>::SCHEMA,
    <PlayerPropPrediction as crate::Table>::SCHEMA,
    <PredictionCoverage as crate::Table>::SCHEMA,
];
