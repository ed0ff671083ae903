//! The `publishing_export` CloudEvent function: `nba-phase6-export-trigger` in, the
//! date's documents out (see [`crate::export`]). One execution-log row per run (the
//! runtime writes it from the outcome): documents written as rows written, current
//! ones as unchanged, and `partial` when the picks are withheld below the coverage gate.

use async_trait::async_trait;
use chrono::Utc;
use cloudevents::Event;
use nba_core::messages::ExportTrigger;
use nba_runtime::events::pubsub_payload;
use nba_runtime::{CloudEventFunction, FunctionError, Invocation, Outcome, RunStatus};

use crate::documents::Publication;
use crate::export::{ExportReport, Exporter};

/// Registered name of the exporter.
pub const EXPORT_FUNCTION: &str = "publishing_export";

pub struct ExportFunction {
    pub exporter: Exporter,
}

#[async_trait]
impl CloudEventFunction for ExportFunction {
    async fn call(&self, _inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        let trigger = pubsub_payload::<ExportTrigger>(&event)
            .map_err(|e| FunctionError::BadRequest(format!("not an export trigger: {e}")))?
            .payload;
        let report = self.exporter.export(trigger.game_date, Utc::now()).await?;
        Ok(outcome(&report).with_input(format!("export@{} ({})", trigger.game_date, trigger.reason.as_str())))
    }
}

/// The execution-log outcome of an export.
pub fn outcome(report: &ExportReport) -> Outcome {
    let status = match report.publication {
        Publication::Published => RunStatus::Success,
        Publication::Withheld => RunStatus::Partial,
    };
    let mut message = format!(
        "{} document(s) written, {} unchanged",
        report.written.len(),
        report.unchanged.len()
    );
    if !report.pointers_kept.is_empty() {
        message.push_str(&format!("; newer pointers kept: {}", report.pointers_kept.join(", ")));
    }
    if report.publication == Publication::Withheld {
        message.push_str(&format!("; picks withheld: {}", report.coverage_reason));
    }
    Outcome {
        status,
        rows_read: report.rows_read,
        rows_written: report.written.len() as u64,
        rows_unchanged: report.unchanged.len() as u64,
        message: Some(message),
        game_date: Some(report.game_date),
        ..Outcome::new(status)
    }
}
