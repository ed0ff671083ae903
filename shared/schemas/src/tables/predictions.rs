//! `nba_predictions`: the ML feature store (phase 4) and, later, predictions.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Check;
use crate::tables::raw::TRICODE;
use crate::tables::reference::{PLAYER_LOOKUP, SEASON};

table! {
    /// One versioned, named feature vector per player and game date (contract in
    /// `nba-features`). Computed from games before the date and the date's upcoming
    /// context only. Models read features by name, after checking `feature_set_version`.
    pub struct MlFeatureStore in Predictions."ml_feature_store" {
        partition_by: Some("game_date"),
        cluster_by: ["player_lookup", "feature_set_version"],
        keys: ["game_date", "player_lookup"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        player_lookup: String => [PLAYER_LOOKUP],
        player_name: String,
        /// The upcoming game, when phase 3 gave one.
        game_id: Option<String>,
        season: String => [SEASON],
        team_tricode: String => [TRICODE],
        opponent_tricode: String => [TRICODE],
        feature_set_version: String => [Check::NonEmpty],
        feature_count: i64,
        /// {name: {value, quality, source}} in contract order.
        features: serde_json::Value,
        /// Names in contract order (JSON array).
        feature_names: serde_json::Value,
        /// Values in contract order (JSON array of numbers).
        feature_values: serde_json::Value,
        /// Names of the features that took their contract default (JSON array).
        defaulted_features: serde_json::Value,
        default_feature_count: i64,
        /// No critical feature was defaulted.
        is_quality_ready: bool,
        /// Mean feature quality (source weights: precompute 100, analytics 87, computed 100, line 100, default 40).
        quality_score: f64 => [Check::Range { min: 0.0, max: 100.0 }],
        has_line: bool,
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[<MlFeatureStore as crate::Table>::SCHEMA];
