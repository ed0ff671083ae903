//! Building `status.json` (pure): each phase's freshness and state for the day from the
//! execution log, what is missing, and the open alerts.
//!
//! The exporter's own invocations are left out: each export would otherwise change
//! the status it publishes, and a re-export could never be a no-op. The document
//! existing at all says phase 6 ran.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use nba_schemas::tables::orchestration::{PhaseTransitionDecision, ProcessorExecutionLog, QuarantinedInput};
use nba_schemas::tables::prediction_output::PredictionCoverage;

use crate::documents::{
    API_VERSION, Alert, AlertSeverity, Coverage, ExecutionEntry, FunctionRuns, Health, PhaseState, PhaseStatus,
    Publication, StatusDoc,
};

/// Newest invocations listed in the document.
pub const RECENT_EXECUTIONS: usize = 100;

/// The phases, in pipeline order, and the registered functions that make each.
/// Kept as names (not the crates' constants) so phase 6 does not build every phase;
/// the cli's tests check every served function is listed here.
pub const PHASES: &[(&str, &[&str])] = &[
    ("scrapers", &["workflow", "scrapers"]),
    ("raw", &["raw_processor"]),
    ("analytics", &["analytics"]),
    ("transitions", &["transitions"]),
    ("precompute", &["precompute"]),
    (
        "predictions",
        &["prediction_coordinator", "prediction_worker", "prediction_consolidator"],
    ),
    ("grading", &["grading"]),
];

/// Phases that must have run before a day's picks can be published.
const BEFORE_PICKS: &[&str] = &["scrapers", "raw", "analytics", "precompute", "predictions"];

pub struct StatusInput<'a> {
    pub date: NaiveDate,
    pub publication: Publication,
    pub coverage: Coverage,
    pub coverage_row: Option<&'a PredictionCoverage>,
    /// The day's execution log, newest first, the exporter's own rows excluded.
    pub executions: &'a [ProcessorExecutionLog],
    pub quarantined: &'a [QuarantinedInput],
    pub blocked: &'a [PhaseTransitionDecision],
    pub now: DateTime<Utc>,
}

pub fn status_doc(input: &StatusInput<'_>) -> StatusDoc {
    let phases: Vec<PhaseStatus> = PHASES
        .iter()
        .map(|(phase, functions)| phase_status(phase, functions, input.executions))
        .collect();
    let alerts = alerts(input);
    let missing = missing(input, &phases);
    let health = if phases.iter().any(|p| p.state == PhaseState::Failed)
        || alerts.iter().any(|a| a.severity == AlertSeverity::Critical)
    {
        Health::Failing
    } else if input.publication == Publication::Withheld
        || !alerts.is_empty()
        || phases.iter().any(|p| {
            p.state == PhaseState::Partial
                || (p.state == PhaseState::NotRun && BEFORE_PICKS.contains(&p.phase.as_str()))
        })
    {
        Health::Degraded
    } else {
        Health::Ok
    };
    StatusDoc {
        api_version: API_VERSION.into(),
        game_date: input.date,
        generated_at: input.now,
        health,
        publication: input.publication,
        coverage: input.coverage.clone(),
        missing,
        phases,
        alerts,
        functions: function_runs(input.executions),
        recent_executions: input.executions.iter().take(RECENT_EXECUTIONS).map(entry).collect(),
        total_executions: input.executions.len() as i64,
    }
}

fn finished_at(e: &ProcessorExecutionLog) -> DateTime<Utc> {
    e.started_at + Duration::milliseconds(e.duration_ms)
}

/// A failure no redelivery recovered (a transient one is retried by Pub/Sub).
fn unrecovered(e: &ProcessorExecutionLog) -> bool {
    e.status == "failed" && e.error_class.as_deref() != Some("transient")
}

fn phase_status(phase: &str, functions: &[&str], executions: &[ProcessorExecutionLog]) -> PhaseStatus {
    let runs: Vec<&ProcessorExecutionLog> = executions
        .iter()
        .filter(|e| functions.contains(&e.function_name.as_str()))
        .collect();
    let mut statuses: BTreeMap<String, i64> = BTreeMap::new();
    for e in &runs {
        *statuses.entry(e.status.clone()).or_default() += 1;
    }
    let state = if runs.is_empty() {
        PhaseState::NotRun
    } else if runs.iter().any(|e| unrecovered(e)) {
        PhaseState::Failed
    } else if runs.iter().any(|e| matches!(e.status.as_str(), "partial" | "failed")) {
        PhaseState::Partial
    } else {
        PhaseState::Complete
    };
    PhaseStatus {
        phase: phase.to_string(),
        functions: functions.iter().map(|f| f.to_string()).collect(),
        state,
        runs: runs.len() as i64,
        statuses,
        rows_written: runs.iter().map(|e| e.rows_written).sum(),
        last_run_at: runs.iter().map(|e| finished_at(e)).max(),
    }
}

fn missing(input: &StatusInput<'_>, phases: &[PhaseStatus]) -> Vec<String> {
    let mut out: Vec<String> = phases
        .iter()
        .filter(|p| p.state == PhaseState::NotRun && BEFORE_PICKS.contains(&p.phase.as_str()))
        .map(|p| format!("{}: no run for {} yet", p.phase, input.date))
        .collect();
    if input.publication == Publication::Withheld {
        out.push(format!("picks withheld: {}", input.coverage.reason));
    }
    if phases
        .iter()
        .any(|p| p.phase == "grading" && p.state == PhaseState::NotRun)
    {
        out.push(format!("results: {} is not graded yet (after the games)", input.date));
    }
    out
}

fn alerts(input: &StatusInput<'_>) -> Vec<Alert> {
    let mut out = Vec::new();
    if let Some(row) = input.coverage_row.filter(|r| r.alert) {
        out.push(Alert {
            severity: AlertSeverity::Warning,
            source: "coverage".into(),
            message: format!(
                "coverage {:.0}% under its {:.0}% target: {}",
                row.share * 100.0,
                row.target * 100.0,
                row.reason
            ),
        });
    }
    let mut failures: BTreeMap<&str, (i64, &str)> = BTreeMap::new();
    for e in input.executions.iter().filter(|e| unrecovered(e)) {
        let text = e.error_message.as_deref().or(e.message.as_deref()).unwrap_or("failed");
        let slot = failures.entry(e.function_name.as_str()).or_insert((0, text));
        slot.0 += 1;
    }
    for (function, (n, last)) in failures {
        out.push(Alert {
            severity: AlertSeverity::Critical,
            source: "execution_log".into(),
            message: format!("{function}: {n} unrecovered failure(s); latest: {last}"),
        });
    }
    for q in input.quarantined {
        out.push(Alert {
            severity: AlertSeverity::Warning,
            source: "quarantine".into(),
            message: format!("{} input quarantined ({}): {}", q.source_name, q.field, q.reason),
        });
    }
    for b in input.blocked {
        out.push(Alert {
            severity: AlertSeverity::Warning,
            source: "transitions".into(),
            message: format!("{} ({}) blocked: {}", b.transition, b.mode, b.reason),
        });
    }
    out
}

fn function_runs(executions: &[ProcessorExecutionLog]) -> Vec<FunctionRuns> {
    let mut by: BTreeMap<&str, FunctionRuns> = BTreeMap::new();
    for e in executions {
        let f = by.entry(e.function_name.as_str()).or_insert_with(|| FunctionRuns {
            function: e.function_name.clone(),
            runs: 0,
            statuses: BTreeMap::new(),
            rows_written: 0,
            last_run_at: None,
        });
        f.runs += 1;
        *f.statuses.entry(e.status.clone()).or_default() += 1;
        f.rows_written += e.rows_written;
        f.last_run_at = f.last_run_at.max(Some(finished_at(e)));
    }
    by.into_values().collect()
}

fn entry(e: &ProcessorExecutionLog) -> ExecutionEntry {
    ExecutionEntry {
        started_at: e.started_at,
        function: e.function_name.clone(),
        status: e.status.clone(),
        duration_ms: e.duration_ms,
        rows_written: e.rows_written,
        message: e.error_message.clone().or_else(|| e.message.clone()),
    }
}
