//! The decision trail: one `nba_orchestration.phase_transition_decisions` row per
//! evaluation, so "why did phase 5 not run on the 10th?" has an answer in SQL and in
//! `nba status`. Rows are keyed on (game date, transition, mode, trigger id, decision)
//! and inserted only when new: a redelivered message deciding what its first delivery
//! decided writes nothing, while the one that fires is always recorded (keying on the
//! trigger alone would drop the `triggered` row when a redelivery wins the claim).

use chrono::{DateTime, NaiveDate, Utc};
use nba_cloud::writer::{WriteContext, write_rows};
use nba_cloud::{Warehouse, WarehouseError};
use nba_core::messages::RunMode;
use nba_schemas::tables::orchestration::PhaseTransitionDecision;
use serde_json::json;

use crate::tracking::Transition;

/// What an evaluation decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    /// This evaluation fired the transition (and published its trigger).
    Triggered,
    Waiting,
    /// A tier would fire but something forbids it (critical missing, quality gate).
    Blocked,
    /// Fired before; nothing to do.
    AlreadyTriggered,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Triggered => "triggered",
            DecisionKind::Waiting => "waiting",
            DecisionKind::Blocked => "blocked",
            DecisionKind::AlreadyTriggered => "already_triggered",
        }
    }
}

/// One evaluation of one (transition, date, mode).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub decided_at: DateTime<Utc>,
    pub game_date: NaiveDate,
    pub transition: Transition,
    pub mode: RunMode,
    pub kind: DecisionKind,
    pub reason: String,
    pub completed: Vec<String>,
    pub missing: Vec<String>,
    /// The date of the published (or earlier published) trigger.
    pub target_date: Option<NaiveDate>,
    pub quality_ready_share: Option<f64>,
    /// Pub/Sub message id, or `tick:<instant>`.
    pub trigger_id: String,
    pub correlation_id: String,
    pub execution_id: String,
}

impl Decision {
    pub fn row(&self) -> PhaseTransitionDecision {
        PhaseTransitionDecision {
            decided_at: self.decided_at,
            game_date: self.game_date,
            transition: self.transition.as_str().to_string(),
            mode: self.mode.as_str().to_string(),
            decision: self.kind.as_str().to_string(),
            reason: self.reason.clone(),
            completed: json!(self.completed),
            missing: json!(self.missing),
            target_date: self.target_date,
            quality_ready_share: self.quality_ready_share,
            trigger_id: self.trigger_id.clone(),
            correlation_id: self.correlation_id.clone(),
            execution_id: self.execution_id.clone(),
        }
    }

    /// One line for the execution log's message.
    pub fn summary(&self) -> String {
        format!(
            "{} {} {}: {} ({})",
            self.transition.as_str(),
            self.game_date,
            self.mode.as_str(),
            self.kind.as_str(),
            self.reason
        )
    }
}

/// Writes the decisions; returns how many rows were new.
pub async fn write(warehouse: &dyn Warehouse, decisions: &[Decision]) -> Result<u64, WarehouseError> {
    if decisions.is_empty() {
        return Ok(0);
    }
    let rows: Vec<PhaseTransitionDecision> = decisions.iter().map(Decision::row).collect();
    let ctx = WriteContext {
        source_file: None,
        correlation_id: decisions.first().map(|d| d.correlation_id.clone()),
        execution_id: decisions.first().map(|d| d.execution_id.clone()),
    };
    let report = write_rows(warehouse, &rows, &ctx).await?;
    Ok(report.stats.written())
}
