//! `status.json`: freshness and completeness of each phase for the day, open alerts,
//! and the day's execution log.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{Coverage, Publication};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusDoc {
    pub api_version: String,
    pub game_date: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// `ok`: the phases before the picks ran, none failed, picks are published and no
    /// alert is open; `degraded`: a phase missing or partial, withheld picks, or a
    /// warning; `failing`: unrecovered failures or a critical alert.
    pub health: Health,
    /// Whether the day's picks are presented, and the coverage behind the decision.
    pub publication: Publication,
    pub coverage: Coverage,
    /// What the day still lacks (empty when complete).
    pub missing: Vec<String>,
    pub phases: Vec<PhaseStatus>,
    pub alerts: Vec<Alert>,
    /// Invocations of the day, per function.
    pub functions: Vec<FunctionRuns>,
    /// The day's latest invocations, newest first (at most [`crate::export::status::RECENT_EXECUTIONS`]).
    pub recent_executions: Vec<ExecutionEntry>,
    /// Invocations of the day in all (the recent list may be cut).
    pub total_executions: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Ok,
    Degraded,
    Failing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhaseState {
    /// Ran, every invocation succeeded (or had nothing to do).
    Complete,
    /// Ran with partial or skipped invocations, or transient failures.
    Partial,
    /// At least one unrecovered failure.
    Failed,
    /// No invocation for the day.
    NotRun,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PhaseStatus {
    /// `scrapers`, `raw`, `analytics`, `transitions`, `precompute`, `predictions`, `grading`.
    pub phase: String,
    pub functions: Vec<String>,
    pub state: PhaseState,
    pub runs: i64,
    /// Invocations by execution-log status.
    pub statuses: BTreeMap<String, i64>,
    pub rows_written: i64,
    /// Freshness: when the phase last finished an invocation for the day.
    pub last_run_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    Warning,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alert {
    pub severity: AlertSeverity,
    /// Where it comes from: `coverage`, `execution_log`, `quarantine`, `transitions`.
    pub source: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FunctionRuns {
    pub function: String,
    pub runs: i64,
    pub statuses: BTreeMap<String, i64>,
    pub rows_written: i64,
    pub last_run_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionEntry {
    pub started_at: DateTime<Utc>,
    pub function: String,
    pub status: String,
    pub duration_ms: i64,
    pub rows_written: i64,
    /// The run's note, or its sanitised error.
    pub message: Option<String>,
}
