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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn run(function: &str, status: &str, error_class: Option<&str>, minute: u32) -> ProcessorExecutionLog {
        ProcessorExecutionLog {
            execution_id: format!("{function}-{minute}"),
            function_name: function.into(),
            trigger_event_id: "t".into(),
            trigger_type: "cloudevent".into(),
            event_type: None,
            correlation_id: "c".into(),
            inputs: json!([]),
            status: status.into(),
            rows_read: 0,
            rows_written: 5,
            rows_unchanged: 0,
            rows_rejected: 0,
            game_date: Some(NaiveDate::from_ymd_opt(2025, 1, 10).unwrap()),
            run_date: NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            started_at: Utc.with_ymd_and_hms(2025, 1, 10, 15, minute, 0).unwrap(),
            duration_ms: 1500,
            delivery_attempt: None,
            error_class: error_class.map(str::to_string),
            error_message: error_class.map(|c| format!("{c} failure")),
            message: None,
        }
    }

    fn doc(executions: &[ProcessorExecutionLog], publication: Publication) -> StatusDoc {
        let (_, coverage) = crate::export::predictions::coverage(NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(), None);
        status_doc(&StatusInput {
            date: NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            publication,
            coverage,
            coverage_row: None,
            executions,
            quarantined: &[],
            blocked: &[],
            now: Utc::now(),
        })
    }

    fn state(doc: &StatusDoc, phase: &str) -> PhaseState {
        doc.phases.iter().find(|p| p.phase == phase).unwrap().state
    }

    #[test]
    fn phases_are_complete_partial_failed_or_not_run_and_health_follows() {
        let before_picks: Vec<ProcessorExecutionLog> = [
            "workflow",
            "raw_processor",
            "analytics",
            "precompute",
            "prediction_worker",
        ]
        .iter()
        .enumerate()
        .map(|(i, f)| run(f, "success", None, i as u32))
        .collect();
        let healthy = doc(&before_picks, Publication::Published);
        assert_eq!(healthy.health, Health::Ok, "{:?}", healthy.alerts);
        assert_eq!(state(&healthy, "grading"), PhaseState::NotRun);
        assert!(healthy.missing.iter().any(|m| m.contains("not graded yet")));
        let raw = healthy.phases.iter().find(|p| p.phase == "raw").unwrap();
        // Freshness: the end of the phase's latest invocation.
        assert_eq!(
            raw.last_run_at,
            Some(Utc.with_ymd_and_hms(2025, 1, 10, 15, 1, 1).unwrap() + Duration::milliseconds(500))
        );

        let mut retried = before_picks.clone();
        retried.push(run("analytics", "failed", Some("transient"), 30));
        let partial = doc(&retried, Publication::Published);
        assert_eq!(
            (state(&partial, "analytics"), partial.health),
            (PhaseState::Partial, Health::Degraded)
        );

        let mut broken = before_picks.clone();
        broken.push(run("grading", "failed", Some("internal"), 40));
        let failing = doc(&broken, Publication::Published);
        assert_eq!(
            (state(&failing, "grading"), failing.health),
            (PhaseState::Failed, Health::Failing)
        );
        assert!(
            failing
                .alerts
                .iter()
                .any(|a| a.severity == AlertSeverity::Critical && a.message.starts_with("grading: 1 unrecovered"))
        );

        let withheld = doc(&before_picks, Publication::Withheld);
        assert_eq!(withheld.health, Health::Degraded);
        assert!(withheld.missing.iter().any(|m| m.starts_with("picks withheld")));
        let nothing = doc(&[], Publication::Published);
        assert_eq!(nothing.health, Health::Degraded, "phases before the picks never ran");
        assert_eq!(nothing.total_executions, 0);
    }
}
