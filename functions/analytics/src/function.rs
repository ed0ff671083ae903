//! The `analytics` CloudEvent function: triggered by `nba-phase2-raw-complete`,
//! it recomputes the phase-3 tables the written raw table feeds, for the
//! message's game date, and publishes `nba-phase3-analytics-complete` per
//! processor that ran.
//!
//! Idempotent by construction: every table is merged on its keys with a
//! `data_hash`, and nothing computed depends on the wall clock except
//! `processed_at` (not hashed), so a duplicate message recomputes to
//! `unchanged` rows.
//!
//! One recompute of a date's post-game (or upcoming) tables at a time
//! ([`LOCK_COLLECTION`], [`nba_cloud::coalesced`]): several raw loads of a date land
//! together, and two recomputes side by side could let the one that read before the
//! latest load write last (found by `nba chaos`: a day's player summaries kept a read
//! without the team box score). A message that arrives while the date's recompute runs
//! is folded into one more round of it, which reads after the message arrived.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use cloudevents::Event;
use nba_cloud::writer::{WriteContext, WriteReport, write_rows};
use nba_cloud::{Clients, OutgoingMessage};
use nba_core::messages::{PhaseComplete, RawComplete, attributes};
use nba_core::{Names, Topic};
use nba_runtime::events::pubsub_payload;
use nba_runtime::{CloudEventFunction, FunctionError, Invocation, Outcome, RunStatus};
use nba_schemas::{Table, TableSchema};
use tokio::sync::OnceCell;

use crate::error::AnalyticsError;
use crate::gates::{self, Refusal};
use crate::routing::{self, Route};
use crate::{box_score, lines, player_summary, schedule, team_summary, upcoming};

/// Registered name of the function.
pub const ANALYTICS_FUNCTION: &str = "analytics";

/// State-store collection of the per-date recompute locks (canonical id; `Names::collection`).
pub const LOCK_COLLECTION: &str = "analytics_date_locks";
/// How long a message waits for the date's running recompute to start a round for it
/// before asking for a redelivery (a round takes well under a second).
const LOCK_WAIT: Duration = Duration::from_secs(30);

pub struct AnalyticsFunction {
    pub clients: Clients,
    pub names: Names,
    /// Lease of a date's recompute lock (renewed while a round runs; a dead run frees it after this).
    pub lock_ttl: Duration,
    locks: String,
    /// Input and output tables created (empty) once per instance, so a date
    /// read before some source ever loaded reads nothing rather than failing.
    tables_ready: OnceCell<()>,
}

/// What one processor wrote.
#[derive(Debug)]
struct Run {
    processor: &'static str,
    report: WriteReport,
}

impl Run {
    fn status(&self) -> RunStatus {
        let rejected = self.report.rows_rejected();
        match self.report.rows_in {
            0 => RunStatus::NoData,
            n if rejected == n => RunStatus::Failed,
            _ if rejected > 0 => RunStatus::Partial,
            _ => RunStatus::Success,
        }
    }

    fn summary(&self) -> String {
        let s = &self.report.stats;
        format!(
            "{}: {} rows ({} written, {} unchanged, {} rejected)",
            self.processor,
            self.report.rows_in,
            s.written(),
            s.unchanged,
            self.report.rows_rejected()
        )
    }
}

#[async_trait]
impl CloudEventFunction for AnalyticsFunction {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        let message = pubsub_payload::<RawComplete>(&event)
            .map_err(|e| FunctionError::BadRequest(format!("not a raw-complete message: {e}")))?
            .payload;
        let input = format!("{}@{}", message.table, message.game_date);
        let date = message.game_date;
        let route = routing::route(&message.table);
        if let Route::Skip(why) = route {
            return Ok(Outcome::skipped(why).with_input(input));
        }
        self.ready().await?;
        let outcome = self
            .one_at_a_time(inv, &route, date, || async {
                match route {
                    Route::PostGame => self.post_game(inv, date).await,
                    _ => self.upcoming(inv, date).await,
                }
            })
            .await?;
        Ok(outcome.with_input(input))
    }
}

impl AnalyticsFunction {
    pub fn new(clients: Clients, names: Names) -> Self {
        Self::with_lock_ttl(clients, names, Duration::from_secs(120))
    }

    pub fn with_lock_ttl(clients: Clients, names: Names, lock_ttl: Duration) -> Self {
        let locks = names.collection(LOCK_COLLECTION);
        AnalyticsFunction {
            clients,
            names,
            lock_ttl,
            locks,
            tables_ready: OnceCell::new(),
        }
    }

    /// Runs the date's recompute under its lock, or folds this message into the round
    /// the running recompute starts next.
    async fn one_at_a_time<Fut>(
        &self,
        inv: &Invocation,
        route: &Route,
        date: NaiveDate,
        work: impl FnMut() -> Fut,
    ) -> Result<Outcome, FunctionError>
    where
        Fut: Future<Output = Result<Outcome, AnalyticsError>>,
    {
        use nba_cloud::coalesced::{self, Coalesced, CoalescedError};
        let kind = match route {
            Route::PostGame => "post_game",
            _ => "upcoming",
        };
        let id = format!("{kind}:{date}");
        let owner = inv.execution_id.to_string();
        let key = coalesced::Key {
            collection: &self.locks,
            id: &id,
            owner: &owner,
            ttl: self.lock_ttl,
            wait: LOCK_WAIT,
        };
        match coalesced::run(self.clients.state.as_ref(), &key, work).await {
            Ok(Coalesced::Ran(rounds)) => Ok(combine(rounds)),
            Ok(Coalesced::Served { holder, round }) => Ok(Outcome {
                game_date: Some(date),
                ..Outcome::skipped(format!(
                    "folded into run {holder} of {kind} {date}: its round {round} read after this message arrived"
                ))
            }),
            Err(CoalescedError::Work(e)) => Err(e.into()),
            Err(e) => Err(FunctionError::Transient(format!("{kind} recompute of {date}: {e}"))),
        }
    }

    async fn ready(&self) -> Result<(), AnalyticsError> {
        self.tables_ready
            .get_or_try_init(|| async {
                for schema in crate::TABLES_READ.iter().chain(crate::TABLES_WRITTEN) {
                    self.clients
                        .warehouse
                        .ensure_table(schema)
                        .await
                        .map_err(|source| AnalyticsError::Write {
                            table: schema.qualified_name(),
                            source,
                        })?;
                }
                Ok(())
            })
            .await
            .copied()
    }

    /// Team offence, team defence, then player summaries of `date`'s final games.
    async fn post_game(&self, inv: &Invocation, date: NaiveDate) -> Result<Outcome, AnalyticsError> {
        let warehouse = self.clients.warehouse.as_ref();
        let day = schedule::load(warehouse, date).await?;
        if let Err(refusal) = gates::has_games(date, &day) {
            return Ok(refused(date, refusal));
        }
        let box_lines = box_score::load(warehouse, &day, date).await?;
        let team_rows = team_summary::load_team_boxscores(warehouse, date).await?;
        let rows_read = (box_lines.len() + team_rows.len()) as u64;
        let chosen = box_score::choose(box_lines);
        let coverage = match gates::box_score_coverage(date, &day, &chosen) {
            Ok(coverage) => coverage,
            Err(refusal) => {
                return Ok(Outcome {
                    rows_read,
                    ..refused(date, refusal)
                });
            }
        };
        let totals = team_summary::game_totals(&day, &chosen, &team_rows);
        let props = lines::load_points_props(warehouse, date).await?;
        let now = Utc::now();
        // A day with games still missing is computed (≥ 80 %) but reported partial.
        let partial = !coverage.is_complete();
        let offense = team_summary::offense_rows(&totals, now);
        let defense = team_summary::defense_rows(&totals, now);
        let players = player_summary::rows(&day, &chosen, &totals, &props, now);
        let runs = vec![
            self.write(inv, crate::TEAM_OFFENSE_GAME_SUMMARY, date, &offense, partial)
                .await?,
            self.write(inv, crate::TEAM_DEFENSE_GAME_SUMMARY, date, &defense, partial)
                .await?,
            self.write(inv, crate::PLAYER_GAME_SUMMARY, date, &players, partial)
                .await?,
        ];
        let mut sources: Vec<&str> = chosen.values().map(|g| g.source.as_str()).collect();
        sources.dedup();
        let official = totals
            .iter()
            .filter(|t| t.source == team_summary::TotalsSource::TeamBoxscore)
            .count();
        if official > 0 {
            sources.push(team_summary::TotalsSource::TeamBoxscore.as_str());
        }
        let note = format!(
            "box scores: {} of {} games{}; team totals: {official} of {} games from the team box score",
            coverage.covered,
            coverage.expected,
            if partial {
                format!(" (missing {})", coverage.missing.join(", "))
            } else {
                String::new()
            },
            totals.len()
        );
        Ok(outcome(date, rows_read, &runs, partial, note, &sources))
    }

    /// Upcoming player and team context of `date`'s games.
    async fn upcoming(&self, inv: &Invocation, date: NaiveDate) -> Result<Outcome, AnalyticsError> {
        let warehouse = self.clients.warehouse.as_ref();
        let day = schedule::load(warehouse, date).await?;
        if day.games.is_empty() {
            let why = format!("no schedule for {date}: upcoming context needs the day's games");
            return Ok(refused(date, Refusal(why)));
        }
        if let Err(refusal) = gates::has_games(date, &day) {
            return Ok(refused(date, refusal));
        }
        let inputs = upcoming::load(warehouse, date, day).await?;
        let rows_read = inputs.props.values().map(|q| q.len() as u64).sum::<u64>()
            + inputs.game_lines.len() as u64
            + inputs.injuries.len() as u64;
        let now = Utc::now();
        let built = upcoming::build(date, &inputs, now, now);
        let runs = vec![
            self.write(inv, crate::UPCOMING_PLAYER_GAME_CONTEXT, date, &built.players, false)
                .await?,
            self.write(inv, crate::UPCOMING_TEAM_GAME_CONTEXT, date, &built.teams, false)
                .await?,
        ];
        let note = format!(
            "{} players in {} games; {} player(s) with a line but no known team in its game",
            built.players.len(),
            built.teams.len() / 2,
            built.unplaced
        );
        Ok(outcome(date, rows_read, &runs, false, note, &[]))
    }

    /// Validates and merges one processor's rows, then announces them.
    async fn write<T: Table>(
        &self,
        inv: &Invocation,
        processor: &'static str,
        date: NaiveDate,
        rows: &[T],
        partial: bool,
    ) -> Result<Run, AnalyticsError> {
        let ctx = WriteContext {
            source_file: None,
            correlation_id: Some(inv.correlation_id.to_string()),
            execution_id: Some(inv.execution_id.to_string()),
        };
        let report = write_rows(self.clients.warehouse.as_ref(), rows, &ctx)
            .await
            .map_err(|source| AnalyticsError::Write {
                table: T::SCHEMA.qualified_name(),
                source,
            })?;
        let run = Run { processor, report };
        let status = match run.status() {
            RunStatus::Success if partial => RunStatus::Partial,
            s => s,
        };
        // Every row rejected: nothing usable downstream, so nothing announced.
        if status != RunStatus::Failed {
            self.publish(inv, &run, T::SCHEMA, date, status).await?;
        }
        Ok(run)
    }

    async fn publish(
        &self,
        inv: &Invocation,
        run: &Run,
        table: &TableSchema,
        date: NaiveDate,
        status: RunStatus,
    ) -> Result<(), AnalyticsError> {
        let message = PhaseComplete {
            processor_name: run.processor.to_string(),
            phase: 3,
            table: table.qualified_name(),
            game_date: date,
            execution_id: inv.execution_id.to_string(),
            correlation_id: inv.correlation_id.to_string(),
            status: status.as_str().to_string(),
            rows_written: run.report.stats.written(),
            rows_unchanged: run.report.stats.unchanged,
        };
        let attrs = attributes::completion(inv.correlation_id.as_str(), run.processor, status.as_str(), date);
        self.clients
            .publisher
            .publish(
                &self.names.topic(Topic::Phase3AnalyticsComplete),
                OutgoingMessage::json(&message, attrs),
            )
            .await
            .map(|_| ())
            .map_err(|e| AnalyticsError::Publish {
                processor: run.processor.to_string(),
                reason: e.to_string(),
            })
    }
}

/// One outcome for the rounds of a run: the last round's status and tables, every
/// round's rows counted.
fn combine(rounds: Vec<Outcome>) -> Outcome {
    let n = rounds.len();
    let mut rounds = rounds.into_iter();
    let Some(first) = rounds.next() else {
        return Outcome::new(RunStatus::NoData);
    };
    let mut last = rounds.fold(first, |sum, next| Outcome {
        rows_read: sum.rows_read + next.rows_read,
        rows_written: sum.rows_written + next.rows_written,
        rows_unchanged: sum.rows_unchanged + next.rows_unchanged,
        rows_rejected: sum.rows_rejected + next.rows_rejected,
        ..next
    });
    if n > 1 {
        last.message = Some(format!(
            "{n} rounds (messages arrived meanwhile); last: {}",
            last.message.as_deref().unwrap_or("")
        ));
    }
    last
}

/// A gate refusal: acked, logged `no_data` with the reason, nothing published.
fn refused(date: NaiveDate, refusal: Refusal) -> Outcome {
    Outcome {
        message: Some(refusal.0),
        game_date: Some(date),
        ..Outcome::new(RunStatus::NoData)
    }
}

fn outcome(date: NaiveDate, rows_read: u64, runs: &[Run], partial: bool, note: String, sources: &[&str]) -> Outcome {
    let statuses: Vec<RunStatus> = runs.iter().map(Run::status).collect();
    let status = if statuses.contains(&RunStatus::Failed) {
        RunStatus::Failed
    } else if partial || statuses.contains(&RunStatus::Partial) {
        RunStatus::Partial
    } else if statuses.iter().all(|s| *s == RunStatus::NoData) {
        RunStatus::NoData
    } else {
        RunStatus::Success
    };
    let mut parts: Vec<String> = runs.iter().map(Run::summary).collect();
    parts.push(note);
    Outcome {
        status,
        rows_read,
        rows_written: runs.iter().map(|r| r.report.stats.written()).sum(),
        rows_unchanged: runs.iter().map(|r| r.report.stats.unchanged).sum(),
        rows_rejected: runs.iter().map(|r| r.report.rows_rejected()).sum(),
        inputs: sources.iter().map(|s| format!("nba_raw.{s}")).collect(),
        message: Some(parts.join("; ")),
        game_date: Some(date),
    }
}
