//! `nba_predictions` (grading): each graded prediction, and per-system daily performance.
//!
//! Both are merged on their keys with a `data_hash` over everything but
//! `processed_at`, so grading a day twice (a redelivered trigger, a re-run
//! backfill) writes nothing the second time.

use chrono::{DateTime, NaiveDate, Utc};

use crate::Check;
use crate::tables::reference::PLAYER_LOOKUP;

/// What a graded prediction came to. `WIN`/`LOSS`/`PUSH` only for an actionable
/// pick (OVER/UNDER against a real line); `VOID` for a DNP; `NOT_ACTIONABLE` for
/// PASS, NO_LINE or a pick without a line.
pub const GRADE_OUTCOMES: &[&str] = &["WIN", "LOSS", "PUSH", "VOID", "NOT_ACTIONABLE"];
const RECOMMENDATIONS: &[&str] = &["OVER", "UNDER", "PASS", "NO_LINE"];
const POINTS: Check = Check::Range { min: 0.0, max: 200.0 };
const RATE: Check = Check::Range { min: 0.0, max: 1.0 };

table! {
    /// One row per graded active prediction: its error against the actual points
    /// and, for an actionable pick, whether it won. Keyed on `prediction_id`, so a
    /// re-grade replaces (or, unchanged, leaves) the row.
    pub struct PredictionAccuracy in Predictions."prediction_accuracy" {
        partition_by: Some("game_date"),
        cluster_by: ["system_id", "player_lookup"],
        keys: ["prediction_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        prediction_id: String => [Check::NonEmpty],
        system_id: String => [Check::NonEmpty],
        game_date: NaiveDate,
        game_id: String,
        player_lookup: String => [PLAYER_LOOKUP],
        predicted_points: f64 => [POINTS],
        confidence: Option<f64> => [RATE],
        recommendation: String => [Check::OneOf(RECOMMENDATIONS)],
        /// The line the pick was made against, when there was one.
        line: Option<f64>,
        line_source: Option<String>,
        /// Points scored; null for a DNP.
        actual_points: Option<i64> => [POINTS],
        actual_minutes: Option<f64>,
        /// |predicted − actual|; null for a void.
        absolute_error: Option<f64>,
        /// predicted − actual (positive: over-predicted); null for a void.
        signed_error: Option<f64>,
        within_3: Option<bool>,
        within_5: Option<bool>,
        /// OVER or UNDER against a real line (whatever the result).
        is_actionable: bool,
        /// (actual > line) == (recommendation = OVER); null for PASS, NO_LINE, no line, a push and a DNP.
        prediction_correct: Option<bool>,
        outcome: String => [Check::OneOf(GRADE_OUTCOMES)],
        is_void: bool,
        /// Why the prediction is void (the DNP reason), when it is.
        void_reason: Option<String>,
        data_hash: String,
        /// When it was graded (not hashed: a re-grade of the same facts is unchanged).
        processed_at: DateTime<Utc>,
    }
}

table! {
    /// One row per system and game date: how its active predictions of the day did.
    /// Hit rate counts only actionable picks that won or lost (pushes, PASS,
    /// NO_LINE and voids excluded), so PASS rows cannot inflate it.
    pub struct SystemDailyPerformance in Predictions."system_daily_performance" {
        partition_by: Some("game_date"),
        cluster_by: ["system_id"],
        keys: ["game_date", "system_id"],
        strategy: MergeOnKeys,
        require_partition_filter: false,
    }
    columns {
        game_date: NaiveDate,
        system_id: String => [Check::NonEmpty],
        /// Active predictions of the day that had an actual row (graded or void).
        predictions: i64,
        /// Predictions with points to compare with (not void).
        graded: i64,
        /// OVER/UNDER against a line, not void.
        actionable: i64,
        wins: i64,
        losses: i64,
        pushes: i64,
        voids: i64,
        /// Mean absolute error over graded predictions.
        mae: Option<f64>,
        /// Mean signed error (predicted − actual) over graded predictions.
        bias: Option<f64>,
        /// wins / (wins + losses).
        hit_rate: Option<f64> => [RATE],
        within_3_rate: Option<f64> => [RATE],
        within_5_rate: Option<f64> => [RATE],
        data_hash: String,
        processed_at: DateTime<Utc>,
    }
}

pub const TABLES: &[&crate::TableSchema] = &[
    <PredictionAccuracy as crate::Table>::SCHEMA,
    <SystemDailyPerformance as crate::Table>::SCHEMA,
];
