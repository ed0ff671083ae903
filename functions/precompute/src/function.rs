//! The `precompute` CloudEvent function: on `nba-phase4-trigger` for game date D,
//! reads D's point-in-time inputs, computes every phase-4 table, writes each one
//! (validated merge on keys with `data_hash`: an identical recompute writes
//! nothing) and publishes `nba-phase4-precompute-complete` after each table.
//!
//! One run per game date at a time, under a lease lock in the state store
//! ([`LOCK_COLLECTION`]): a date is triggered more than once (same-day and overnight, a
//! redelivery, a re-fire after its inputs changed), and two runs reading and writing at once
//! could let the one that read older inputs write last. Serialised, the last run reads after
//! every earlier one wrote.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use cloudevents::{AttributesReader, Event};
use nba_cloud::writer::{WriteContext, WriteReport, write_rows};
use nba_cloud::{Clients, OutgoingMessage};
use nba_core::messages::{Phase4Trigger, PhaseComplete, attributes};
use nba_core::{Names, Topic};
use nba_runtime::events::{PUBSUB_PUBLISHED, pubsub_payload};
use nba_runtime::{CloudEventFunction, FunctionError, Invocation, Outcome, RunStatus};
use nba_schemas::Table;

use crate::compute::{Computed, compute};
use crate::inputs::Inputs;

/// Registered name of the function.
pub const PRECOMPUTE_FUNCTION: &str = "precompute";

/// Processor names (= table names), in the order they are written and announced.
pub const PLAYER_DAILY_CACHE: &str = "player_daily_cache";
pub const PLAYER_SHOT_ZONE_ANALYSIS: &str = "player_shot_zone_analysis";
pub const TEAM_DEFENSE_ZONE_ANALYSIS: &str = "team_defense_zone_analysis";
pub const PLAYER_COMPOSITE_FACTORS: &str = "player_composite_factors";
pub const ML_FEATURE_STORE: &str = "ml_feature_store";
pub const PROCESSORS: &[&str] = &[
    PLAYER_DAILY_CACHE,
    PLAYER_SHOT_ZONE_ANALYSIS,
    TEAM_DEFENSE_ZONE_ANALYSIS,
    PLAYER_COMPOSITE_FACTORS,
    ML_FEATURE_STORE,
];

/// State-store collection of the per-date run locks (canonical id; `Names::collection`).
pub const LOCK_COLLECTION: &str = "precompute_date_locks";
/// How long a run waits for another run of its date before asking for a redelivery.
const LOCK_WAIT: Duration = Duration::from_secs(20);
const LOCK_POLL: Duration = Duration::from_millis(50);

pub struct PrecomputeFunction {
    pub clients: Clients,
    pub names: Names,
    /// Lease of a date's run lock (renewed while the run lives; a dead run frees it after this).
    pub lock_ttl: Duration,
    locks: String,
}

impl PrecomputeFunction {
    pub fn new(clients: Clients, names: Names) -> Self {
        Self::with_lock_ttl(clients, names, Duration::from_secs(120))
    }

    pub fn with_lock_ttl(clients: Clients, names: Names, lock_ttl: Duration) -> Self {
        let locks = names.collection(LOCK_COLLECTION);
        PrecomputeFunction {
            clients,
            names,
            lock_ttl,
            locks,
        }
    }

    /// Runs `work` holding `date`'s run lock; waits up to [`LOCK_WAIT`] for another run of
    /// the date, then fails transiently (the trigger is redelivered).
    async fn with_date_lock(
        &self,
        inv: &Invocation,
        date: NaiveDate,
        work: impl Future<Output = Result<Outcome, FunctionError>>,
    ) -> Result<Outcome, FunctionError> {
        use nba_cloud::lock::{self, Lock};
        let state = self.clients.state.as_ref();
        let id = date.to_string();
        let owner = inv.execution_id.to_string();
        let transient = |e: nba_cloud::StateError| FunctionError::Transient(format!("phase-4 lock of {date}: {e}"));
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        loop {
            match lock::acquire(state, &self.locks, &id, &owner, self.lock_ttl)
                .await
                .map_err(transient)?
            {
                Lock::Acquired => break,
                Lock::Held { owner: holder } if tokio::time::Instant::now() >= deadline => {
                    return Err(FunctionError::Transient(format!(
                        "the phase-4 run of {date} is held by {holder}"
                    )));
                }
                Lock::Held { .. } => tokio::time::sleep(LOCK_POLL).await,
            }
        }
        let result = lock::hold(state, &self.locks, &id, &owner, self.lock_ttl, work).await;
        lock::release(state, &self.locks, &id, &owner)
            .await
            .map_err(transient)?;
        result
    }
}

/// What writing one table did.
#[derive(Debug, Clone)]
struct TableWrite {
    processor: &'static str,
    table: String,
    report: WriteReport,
}

impl TableWrite {
    fn status(&self) -> RunStatus {
        let rejected = self.report.rows_rejected();
        match (self.report.rows_in, rejected) {
            (0, _) => RunStatus::NoData,
            (_, 0) => RunStatus::Success,
            (n, r) if r == n => RunStatus::Failed,
            _ => RunStatus::Partial,
        }
    }
}

#[async_trait]
impl CloudEventFunction for PrecomputeFunction {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        if event.ty() != PUBSUB_PUBLISHED {
            return Ok(Outcome::skipped(format!(
                "event type {} is not a phase-4 trigger",
                event.ty()
            )));
        }
        let trigger = pubsub_payload::<Phase4Trigger>(&event)
            .map_err(|e| FunctionError::BadRequest(format!("nba-phase4-trigger message: {e}")))?
            .payload;
        let date = trigger.game_date;
        let correlation_id = if trigger.correlation_id.is_empty() {
            inv.correlation_id.to_string()
        } else {
            trigger.correlation_id.clone()
        };
        let run = Run {
            correlation_id: &correlation_id,
            mode: trigger.mode,
        };
        self.with_date_lock(inv, date, self.run(inv, &run, date)).await
    }
}

impl PrecomputeFunction {
    /// Reads D's inputs, computes and writes every table (under the date's lock).
    async fn run(&self, inv: &Invocation, run: &Run<'_>, date: NaiveDate) -> Result<Outcome, FunctionError> {
        let correlation_id = run.correlation_id;
        let inputs = Inputs::load(self.clients.warehouse.as_ref(), date)
            .await
            .map_err(|e| FunctionError::Transient(e.to_string()))?;
        let rows_read = (inputs.players.len() + inputs.player_games.len() + inputs.team_offense.len()) as u64;
        let computed = compute(&inputs, Utc::now());
        let input = format!("{date} ({})", run.mode.as_str());
        if computed.is_empty() {
            let why = format!(
                "no upcoming players for {date}: upcoming_player_game_context is empty and no scheduled team has \
                 players with games this season before it"
            );
            for processor in PROCESSORS {
                let table = table_name(processor);
                self.publish(
                    inv,
                    run,
                    date,
                    processor,
                    &table,
                    RunStatus::NoData,
                    &WriteReport::default(),
                )
                .await?;
            }
            return Ok(Outcome {
                message: Some(why),
                rows_read,
                game_date: Some(date),
                ..Outcome::new(RunStatus::NoData)
            }
            .with_input(input));
        }
        let ctx = WriteContext {
            source_file: None,
            correlation_id: Some(correlation_id.to_string()),
            execution_id: Some(inv.execution_id.to_string()),
        };
        let writes = self.write_all(inv, run, date, &computed, &ctx).await?;
        Ok(outcome(&writes, rows_read, date).with_input(input))
    }
}

/// What every table write of one invocation shares.
struct Step<'a> {
    inv: &'a Invocation,
    run: &'a Run<'a>,
    date: NaiveDate,
    ctx: &'a WriteContext,
}

/// The run a completion message belongs to.
struct Run<'a> {
    correlation_id: &'a str,
    mode: nba_core::messages::RunMode,
}

impl PrecomputeFunction {
    /// Writes the tables in dependency order, announcing each one as it lands.
    async fn write_all(
        &self,
        inv: &Invocation,
        run: &Run<'_>,
        date: NaiveDate,
        c: &Computed,
        ctx: &WriteContext,
    ) -> Result<Vec<TableWrite>, FunctionError> {
        let step = Step { inv, run, date, ctx };
        Ok(vec![
            self.write(&step, PLAYER_DAILY_CACHE, &c.player_daily_cache).await?,
            self.write(&step, PLAYER_SHOT_ZONE_ANALYSIS, &c.player_shot_zone_analysis)
                .await?,
            self.write(&step, TEAM_DEFENSE_ZONE_ANALYSIS, &c.team_defense_zone_analysis)
                .await?,
            self.write(&step, PLAYER_COMPOSITE_FACTORS, &c.player_composite_factors)
                .await?,
            self.write(&step, ML_FEATURE_STORE, &c.ml_feature_store).await?,
        ])
    }

    /// Writes one table, then publishes its completion unless nothing usable was
    /// written (a table whose every row was rejected triggers nothing downstream).
    async fn write<T: Table>(
        &self,
        step: &Step<'_>,
        processor: &'static str,
        rows: &[T],
    ) -> Result<TableWrite, FunctionError> {
        let table = T::SCHEMA.qualified_name();
        let report = write_rows(self.clients.warehouse.as_ref(), rows, step.ctx)
            .await
            .map_err(|e| FunctionError::Transient(format!("writing {table}: {e}")))?;
        let w = TableWrite {
            processor,
            table,
            report,
        };
        let status = w.status();
        if status != RunStatus::Failed {
            self.publish(step.inv, step.run, step.date, w.processor, &w.table, status, &w.report)
                .await?;
        }
        Ok(w)
    }

    #[allow(clippy::too_many_arguments)]
    async fn publish(
        &self,
        inv: &Invocation,
        run: &Run<'_>,
        date: NaiveDate,
        processor: &str,
        table: &str,
        status: RunStatus,
        report: &WriteReport,
    ) -> Result<(), FunctionError> {
        let correlation_id = run.correlation_id;
        let message = PhaseComplete {
            processor_name: processor.into(),
            phase: 4,
            table: table.into(),
            game_date: date,
            execution_id: inv.execution_id.to_string(),
            correlation_id: correlation_id.into(),
            status: status.as_str().into(),
            rows_written: report.stats.written(),
            rows_unchanged: report.stats.unchanged,
        };
        let mut attrs = attributes::completion(correlation_id, processor, status.as_str(), date);
        // Which run (same-day or overnight) this completion belongs to: the 4→5
        // transition tracks them apart.
        attrs.insert(attributes::RUN_MODE.to_string(), run.mode.as_str().to_string());
        self.clients
            .publisher
            .publish(
                &self.names.topic(Topic::Phase4PrecomputeComplete),
                OutgoingMessage::json(&message, attrs),
            )
            .await
            .map(|_| ())
            .map_err(|e| FunctionError::Transient(format!("publishing {processor} completion: {e}")))
    }
}

/// `dataset.table` of a processor.
fn table_name(processor: &str) -> String {
    use nba_schemas::tables::{precompute, predictions};
    precompute::TABLES
        .iter()
        .chain(predictions::TABLES)
        .find(|t| t.name == processor)
        .map(|t| t.qualified_name())
        .unwrap_or_else(|| processor.to_string())
}

/// The run's outcome: failed when a table rejected every row, partial when some.
fn outcome(writes: &[TableWrite], rows_read: u64, date: NaiveDate) -> Outcome {
    let statuses: Vec<RunStatus> = writes.iter().map(TableWrite::status).collect();
    let status = if statuses.contains(&RunStatus::Failed) {
        RunStatus::Failed
    } else if statuses.contains(&RunStatus::Partial) {
        RunStatus::Partial
    } else {
        RunStatus::Success
    };
    let first_rejection = writes
        .iter()
        .find_map(|w| w.report.rejected.first().map(|v| format!("first rejection: {v}")));
    let counts: Vec<String> = writes
        .iter()
        .map(|w| format!("{} {}/{}", w.processor, w.report.stats.written(), w.report.rows_in))
        .collect();
    Outcome {
        status,
        rows_read,
        rows_written: writes.iter().map(|w| w.report.stats.written()).sum(),
        rows_unchanged: writes.iter().map(|w| w.report.stats.unchanged).sum(),
        rows_rejected: writes.iter().map(|w| w.report.rows_rejected()).sum(),
        inputs: Vec::new(),
        message: Some(match first_rejection {
            Some(r) => format!("written/rows: {}; {r}", counts.join(", ")),
            None => format!("written/rows: {}", counts.join(", ")),
        }),
        game_date: Some(date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processors_are_the_declared_tables() {
        for p in PROCESSORS {
            assert_ne!(table_name(p), *p, "{p} is not a declared table");
        }
        assert_eq!(table_name(ML_FEATURE_STORE), "nba_predictions.ml_feature_store");
        assert_eq!(table_name(PLAYER_DAILY_CACHE), "nba_precompute.player_daily_cache");
    }
}
