//! Bodies of the messages the phases publish. Their JSON contracts (JSON Schema
//! plus a sample) live in `events/`; tests validate every published message
//! against them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// `nba-phase1-scrapers-complete`: one scraper run finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScraperComplete {
    /// Scraper name, e.g. `nbac_schedule`.
    pub processor_name: String,
    pub phase: u8,
    pub execution_id: String,
    pub correlation_id: String,
    pub game_date: NaiveDate,
    /// `success`, `no_data` or `failed`.
    pub status: String,
    pub record_count: u64,
    /// `gs://bucket/name` of the raw object, when one was written.
    pub gcs_path: Option<String>,
    pub duration_seconds: f64,
}

/// `nba-phase2-raw-complete`: a raw object was loaded into a raw table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawComplete {
    /// Raw processor name, e.g. `nbac_schedule_processor`.
    pub processor_name: String,
    pub phase: u8,
    /// `dataset.table` written.
    pub table: String,
    pub game_date: NaiveDate,
    pub execution_id: String,
    pub correlation_id: String,
    /// `success`, `partial` (some rows rejected) or `no_data`.
    pub status: String,
    pub rows_written: u64,
    pub rows_unchanged: u64,
    pub rows_rejected: u64,
    pub source_file: String,
}

/// `nba-phase3-analytics-complete` and `nba-phase4-precompute-complete`: one
/// processor of the phase finished a game date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseComplete {
    /// Processor name, e.g. `player_game_summary`.
    pub processor_name: String,
    /// 3 (analytics) or 4 (precompute).
    pub phase: u8,
    /// `dataset.table` written.
    pub table: String,
    /// The game date the rows are for.
    pub game_date: NaiveDate,
    pub execution_id: String,
    pub correlation_id: String,
    /// `success`, `partial` or `no_data`.
    pub status: String,
    pub rows_written: u64,
    pub rows_unchanged: u64,
}

/// Which half of the day a phase-4 run serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    /// Before the date's games: upcoming context is in, features for tonight.
    SameDay,
    /// After a date's games: post-game summaries are in, caches for the next game date.
    Overnight,
}

impl RunMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RunMode::SameDay => "same_day",
            RunMode::Overnight => "overnight",
        }
    }
}

/// `nba-phase4-trigger`: compute phase 4 for a game date (published once per
/// date and mode by the phase 3→4 transition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase4Trigger {
    /// The game date whose features to compute.
    pub game_date: NaiveDate,
    pub mode: RunMode,
    pub correlation_id: String,
    /// Why it fired, e.g. "all 5 expected processors complete".
    pub reason: String,
    /// Phase-3 processors complete when it fired.
    pub completed: Vec<String>,
}

/// `nba-phase5-trigger`: tonight's features are ready enough to predict (published
/// once per date by the phase 4→5 transition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase5Trigger {
    pub game_date: NaiveDate,
    pub correlation_id: String,
    /// Which tier fired, and why.
    pub reason: String,
    pub completed: Vec<String>,
    /// Share of tonight's players with a quality-ready feature vector.
    pub quality_ready_share: f64,
}

/// Share of a batch's expected players that must be predicted ([`batch_completeness`])
/// before the day's picks are published (phase 6). Below it the published status says
/// what is missing and no picks are presented.
pub const EXPORT_COVERAGE_GATE: f64 = 0.8;

/// How complete a prediction batch is: the share of its expected players with at least
/// one system's prediction. (Phase 5's coverage SLO is stricter — every enabled system —
/// and is reported next to it; a system that declines a player, as similarity does
/// without enough similar games, leaves the batch complete.) A batch with no expected
/// player is complete: there is nothing to withhold.
pub fn batch_completeness(predicted_any: u64, expected: u64) -> f64 {
    if expected == 0 {
        1.0
    } else {
        (predicted_any.min(expected)) as f64 / expected as f64
    }
}

/// Why phase 6 is asked to export a game date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportReason {
    /// A prediction batch was consolidated at or above [`EXPORT_COVERAGE_GATE`].
    PredictionsComplete,
    /// The date was graded: results, players and system performance changed.
    Graded,
    /// A clock (Cloud Scheduler; the day runner locally): refreshes the status even when
    /// nothing upstream crossed its gate.
    Scheduled,
}

impl ExportReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportReason::PredictionsComplete => "predictions_complete",
            ExportReason::Graded => "graded",
            ExportReason::Scheduled => "scheduled",
        }
    }
}

/// `nba-phase6-export-trigger`: export the published JSON of a game date. Re-export is
/// idempotent (unchanged documents are not rewritten), so any number of triggers is safe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportTrigger {
    pub game_date: NaiveDate,
    pub correlation_id: String,
    pub reason: ExportReason,
}

/// Message attributes every publisher sets.
pub mod attributes {
    use std::collections::BTreeMap;

    use chrono::NaiveDate;

    use crate::CorrelationId;

    pub const PROCESSOR: &str = "processor_name";
    pub const STATUS: &str = "status";
    pub const GAME_DATE: &str = "game_date";
    /// Phase-4 completions and triggers: `same_day` or `overnight` (see `RunMode`).
    pub const RUN_MODE: &str = "run_mode";

    /// The attributes of a phase-completion message: the chain's correlation id, who
    /// published it, its status and game date (filterable by push subscriptions).
    pub fn completion(
        correlation_id: &str,
        processor: &str,
        status: &str,
        game_date: NaiveDate,
    ) -> BTreeMap<String, String> {
        BTreeMap::from([
            (CorrelationId::ATTRIBUTE.to_string(), correlation_id.to_string()),
            (PROCESSOR.to_string(), processor.to_string()),
            (STATUS.to_string(), status.to_string()),
            (GAME_DATE.to_string(), game_date.to_string()),
        ])
    }
}
