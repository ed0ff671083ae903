//! The `grading` CloudEvent function: triggered by `nba-grading-trigger`, it grades
//! the date's active predictions against `player_game_summary` and writes
//! `prediction_accuracy` (one row per prediction) and `system_daily_performance`
//! (one row per system), then asks phase 6 to re-export the date
//! (`nba-phase6-export-trigger`).
//!
//! Idempotent by construction: both tables merge on their keys with a
//! `data_hash` over everything but `processed_at`, and no graded value depends on
//! the wall clock, so re-grading an unchanged day writes 0 rows.
//!
//! A prediction whose player has no summary row yet is *pending*: it is not
//! written (a later re-grade picks it up), and the run is `partial` so the gap is
//! visible in the execution log rather than hidden.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use cloudevents::Event;
use nba_cloud::Clients;
use nba_cloud::OutgoingMessage;
use nba_cloud::writer::{WriteContext, WriteReport, write_rows};
use nba_core::messages::{ExportReason, ExportTrigger, attributes};
use nba_core::{Names, Topic};
use nba_runtime::events::pubsub_payload;
use nba_runtime::{CloudEventFunction, FunctionError, Invocation, Outcome, RunStatus};
use nba_schemas::Table;
use nba_schemas::tables::analytics::PlayerGameSummary;
use nba_schemas::tables::grading::{PredictionAccuracy, SystemDailyPerformance};
use tokio::sync::OnceCell;

use crate::error::GradingError;
use crate::grade::{Grade, grade};
use crate::performance::Tally;
use crate::read::{self, PredictionToGrade};
use crate::trigger::GradingTrigger;

/// Registered name of the function.
pub const GRADING_FUNCTION: &str = "grading";

pub struct GradingFunction {
    pub clients: Clients,
    pub names: Names,
    /// Tables created (empty) once per instance, so grading a date before any
    /// prediction or summary exists reads nothing rather than failing.
    tables_ready: OnceCell<()>,
}

/// What grading one date computed, before writing.
#[derive(Debug, Default)]
pub struct GradedDay {
    pub accuracy: Vec<PredictionAccuracy>,
    pub performance: Vec<SystemDailyPerformance>,
    /// Predictions without an actual row yet (not written).
    pub pending: u64,
}

#[async_trait]
impl CloudEventFunction for GradingFunction {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        let trigger = pubsub_payload::<GradingTrigger>(&event)
            .map_err(|e| FunctionError::BadRequest(format!("not a grading trigger: {e}")))?
            .payload;
        self.ready().await?;
        let outcome = self.grade_date(inv, trigger.game_date).await?;
        Ok(outcome.with_input(format!("grading@{}", trigger.game_date)))
    }
}

impl GradingFunction {
    pub fn new(clients: Clients, names: Names) -> Self {
        GradingFunction {
            clients,
            names,
            tables_ready: OnceCell::new(),
        }
    }

    async fn ready(&self) -> Result<(), GradingError> {
        self.tables_ready
            .get_or_try_init(|| async {
                let inputs = [Some(PlayerGameSummary::SCHEMA), read::predictions_schema()];
                for schema in inputs
                    .into_iter()
                    .flatten()
                    .chain(crate::TABLES_WRITTEN.iter().copied())
                {
                    self.clients
                        .warehouse
                        .ensure_table(schema)
                        .await
                        .map_err(|source| GradingError::Write {
                            table: schema.qualified_name(),
                            source,
                        })?;
                }
                Ok(())
            })
            .await
            .copied()
    }

    /// Grades `date` and writes both tables.
    pub async fn grade_date(&self, inv: &Invocation, date: NaiveDate) -> Result<Outcome, GradingError> {
        let warehouse = self.clients.warehouse.as_ref();
        let predictions = read::active_predictions(warehouse, date).await?;
        if predictions.is_empty() {
            return Ok(Outcome {
                message: Some(format!("no active predictions for {date}")),
                game_date: Some(date),
                ..Outcome::new(RunStatus::NoData)
            });
        }
        let actuals = read::actuals(warehouse, date).await?;
        let day = grade_day(&predictions, &actuals);
        let ctx = WriteContext {
            source_file: None,
            correlation_id: Some(inv.correlation_id.to_string()),
            execution_id: Some(inv.execution_id.to_string()),
        };
        let accuracy = self.write(&day.accuracy, &ctx).await?;
        let performance = self.write(&day.performance, &ctx).await?;
        let reports = [&accuracy, &performance];
        let rejected: u64 = reports.iter().map(|r| r.rows_rejected()).sum();
        let status = if day.accuracy.is_empty() {
            RunStatus::NoData
        } else if rejected > 0 || day.pending > 0 {
            RunStatus::Partial
        } else {
            RunStatus::Success
        };
        if !day.accuracy.is_empty() {
            self.request_export(inv, date).await?;
        }
        let message = format!(
            "{} predictions: {} graded rows ({} written, {} unchanged), {} systems, {} pending (no actual yet), {} rejected",
            predictions.len(),
            day.accuracy.len(),
            accuracy.stats.written(),
            accuracy.stats.unchanged,
            day.performance.len(),
            day.pending,
            rejected
        );
        Ok(Outcome {
            status,
            rows_read: (predictions.len() + actuals.len()) as u64,
            rows_written: reports.iter().map(|r| r.stats.written()).sum(),
            rows_unchanged: reports.iter().map(|r| r.stats.unchanged).sum(),
            rows_rejected: rejected,
            inputs: vec![read::predictions_table(), PlayerGameSummary::SCHEMA.qualified_name()],
            message: Some(message),
            game_date: Some(date),
        })
    }

    /// Asks phase 6 to re-export the date: its results, players and system performance
    /// changed. Sent on every grade (a re-grade that changed nothing re-exports nothing).
    async fn request_export(&self, inv: &Invocation, date: NaiveDate) -> Result<(), GradingError> {
        let trigger = ExportTrigger {
            game_date: date,
            correlation_id: inv.correlation_id.to_string(),
            reason: ExportReason::Graded,
        };
        let topic = self.names.topic(Topic::Phase6ExportTrigger);
        let attrs = attributes::completion(inv.correlation_id.as_str(), GRADING_FUNCTION, "success", date);
        self.clients
            .publisher
            .publish(&topic, OutgoingMessage::json(&trigger, attrs))
            .await
            .map(|_| ())
            .map_err(|source| GradingError::Publish { topic, source })
    }

    async fn write<T: Table>(&self, rows: &[T], ctx: &WriteContext) -> Result<WriteReport, GradingError> {
        write_rows(self.clients.warehouse.as_ref(), rows, ctx)
            .await
            .map_err(|source| GradingError::Write {
                table: T::SCHEMA.qualified_name(),
                source,
            })
    }
}

/// Grades a date's predictions against its actuals (pure): accuracy rows, one
/// performance row per system, and the count of predictions still pending.
pub fn grade_day(predictions: &[PredictionToGrade], actuals: &BTreeMap<String, crate::grade::Actual>) -> GradedDay {
    let mut day = GradedDay::default();
    let mut tallies: BTreeMap<(NaiveDate, String), Tally> = BTreeMap::new();
    let now = Utc::now();
    for p in predictions {
        let Some(actual) = actuals.get(&p.player_lookup) else {
            day.pending += 1;
            continue;
        };
        let g = grade(p.predicted_points, p.recommendation, p.line, actual);
        tallies.entry((p.game_date, p.system_id.clone())).or_default().add(&g);
        day.accuracy.push(accuracy_row(p, actual.minutes, &g, now));
    }
    day.performance = tallies
        .iter()
        .map(|((date, system), t)| t.daily_row(*date, system))
        .collect();
    day
}

fn accuracy_row(
    p: &PredictionToGrade,
    minutes: Option<f64>,
    g: &Grade,
    now: chrono::DateTime<Utc>,
) -> PredictionAccuracy {
    PredictionAccuracy {
        prediction_id: p.prediction_id.clone(),
        system_id: p.system_id.clone(),
        game_date: p.game_date,
        game_id: p.game_id.clone(),
        player_lookup: p.player_lookup.clone(),
        predicted_points: p.predicted_points,
        confidence: p.confidence,
        recommendation: p.recommendation.as_str().to_string(),
        line: p.line,
        line_source: p.line_source.clone(),
        actual_points: g.actual_points,
        actual_minutes: minutes,
        absolute_error: g.absolute_error,
        signed_error: g.signed_error,
        within_3: g.within_3,
        within_5: g.within_5,
        is_actionable: g.is_actionable,
        prediction_correct: g.prediction_correct,
        outcome: g.outcome.as_str().to_string(),
        is_void: g.is_void(),
        void_reason: g.void_reason.clone(),
        data_hash: String::new(),
        processed_at: now,
    }
}
