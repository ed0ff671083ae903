//! Consolidation: a batch's staging rows become `player_prop_predictions`, once.
//!
//! Runs when the last player is done (the worker that finished it, or a ready message
//! on the consolidator) or on the stall timeout ([`evaluate_stalled`]), under the
//! batch's lock ([`crate::lock`]). Steps, each safe to repeat after a crash:
//! 1. read the batch's staging rows; dedupe on (game_id, player_lookup, system_id, line)
//!    keeping the latest;
//! 2. merge them into `player_prop_predictions` on their deterministic prediction id and
//!    mark the older active rows of the same (game, player, system) `is_active = false`;
//! 3. write the day's coverage row;
//! 4. record the consolidation in the batch document (status complete/partial) — from
//!    here on every other attempt is a no-op;
//! 5. clear the batch's staging rows;
//! 6. publish `nba-phase5-predictions-complete` (and, at or above the publishing gate,
//!    `nba-phase6-export-trigger`), mark it published, release the lock.
//!
//! A consolidator killed before step 4 leaves its lock to expire; the takeover redoes
//! steps 1–3 and writes the same ids, so the table has no duplicates. Killed after
//! step 4, it leaves a recorded but unpublished message: whoever comes next clears the
//! staging rows and publishes it (at least once: downstream handlers are idempotent).
//! Clearing before publishing means "published" also implies "staging cleared".

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use nba_cloud::OutgoingMessage;
use nba_cloud::writer::{WriteContext, write_rows};
use nba_core::Topic;
use nba_core::messages::{EXPORT_COVERAGE_GATE, ExportReason, ExportTrigger, attributes, batch_completeness};
use nba_schemas::Table;
use nba_schemas::tables::prediction_output::{PlayerPropPrediction, PredictionCoverage, PredictionStaging};
use serde_json::json;

use crate::batch::{Batch, BatchStatus, ConsolidationRecord};
use crate::coverage;
use crate::error::PredictionError;
use crate::lock::{self, Lock};
use crate::messages::PredictionsComplete;
use crate::pipeline::Pipeline;
use crate::read;

pub const CONSOLIDATOR_NAME: &str = "prediction_consolidator";

/// What an attempt did.
#[derive(Debug, Clone, PartialEq)]
pub enum Consolidation {
    /// This attempt consolidated the batch.
    Done(PredictionsComplete),
    /// Someone already had (the message was re-published if it was not out yet).
    AlreadyDone {
        republished: bool,
    },
    /// Another consolidator holds the lock.
    Held {
        owner: String,
    },
    /// Players still pending (and partial not allowed).
    NotReady {
        done: u64,
        expected: u64,
    },
    NoBatch,
}

/// Consolidates the batch `key` (`{game_date}_{mode}`) if it is ready (or `partial`).
pub async fn run(p: &Pipeline, key: &str, owner: &str, partial: bool) -> Result<Consolidation, PredictionError> {
    let state = p.clients.state.as_ref();
    let Some(batch) = p.store.load(state, key).await? else {
        return Ok(Consolidation::NoBatch);
    };
    match &batch.consolidation {
        Some(record) if record.published => return Ok(Consolidation::AlreadyDone { republished: false }),
        // Recorded, not yet published: its owner may be publishing right now (it holds the
        // lock through step 6), so only a holder of the lock publishes again. Regression:
        // checked without the lock, every ready message of a busy day's burst re-published
        // the batch while its owner was still clearing staging, and each re-publication
        // re-exported the day (147 exports of one date in a two-week replay).
        Some(_) => {}
        None if !batch.all_done() && !partial => {
            return Ok(Consolidation::NotReady {
                done: batch.done(),
                expected: batch.expected,
            });
        }
        None => {}
    }
    let lock_id = batch.batch_id();
    match lock::acquire(state, &p.locks, &lock_id, owner, p.settings.lock_ttl).await? {
        Lock::Held { owner } => return Ok(Consolidation::Held { owner }),
        Lock::Acquired => {}
    }
    // The lease is renewed while the steps run (see `nba_cloud::lock::hold`).
    let steps = under_lock(p, key, owner, partial);
    let result = nba_cloud::lock::hold(state, &p.locks, &lock_id, owner, p.settings.lock_ttl, steps).await;
    lock::release(state, &p.locks, &lock_id, owner).await?;
    result
}

/// Steps 1–6, the lock held. Re-reads the batch: it may have been finished meanwhile.
async fn under_lock(p: &Pipeline, key: &str, owner: &str, partial: bool) -> Result<Consolidation, PredictionError> {
    let state = p.clients.state.as_ref();
    let Some(batch) = p.store.load(state, key).await? else {
        return Ok(Consolidation::NoBatch);
    };
    if let Some(record) = &batch.consolidation {
        return republish(p, &batch, record).await;
    }
    let now = p.now();
    let (message, _) = write_outputs(p, &batch, partial && !batch.all_done(), now).await?;
    let record = ConsolidationRecord {
        owner: owner.to_string(),
        message: message.clone(),
        published: false,
    };
    let status = if message.status == "partial" {
        BatchStatus::Partial
    } else {
        BatchStatus::Complete
    };
    let generation = batch.generation;
    let recorded = p
        .store
        .update(state, key, move |b| {
            if b.generation != generation || b.consolidation.is_some() {
                return false;
            }
            b.status = status;
            b.finished_at = Some(now);
            b.consolidation = Some(record.clone());
            true
        })
        .await?;
    match recorded {
        Some(b) if b.consolidation.as_ref().is_some_and(|r| r.owner == owner) => {}
        // A forced re-run moved the batch on, or someone else recorded first.
        _ => return Ok(Consolidation::AlreadyDone { republished: false }),
    }
    clear_staging(p, &batch).await?;
    publish(p, &batch, &message).await?;
    Ok(Consolidation::Done(message))
}

/// Steps 1–3: predictions, superseded rows and coverage. Repeatable: the same staging
/// rows give the same prediction ids and the same coverage row.
pub async fn write_outputs(
    p: &Pipeline,
    batch: &Batch,
    partial: bool,
    now: DateTime<Utc>,
) -> Result<(PredictionsComplete, Vec<PlayerPropPrediction>), PredictionError> {
    let warehouse = p.clients.warehouse.as_ref();
    let staged = staging_rows(p, batch, "=").await?;
    let predictions: Vec<PlayerPropPrediction> = dedupe(&staged)
        .into_iter()
        .filter_map(|s| prediction_of(s, now))
        .collect();
    let superseded = superseded(p, batch, &predictions, now).await?;
    let ctx = WriteContext {
        correlation_id: Some(batch.correlation_id.clone()),
        ..Default::default()
    };
    let all: Vec<PlayerPropPrediction> = predictions.iter().cloned().chain(superseded).collect();
    let report = write_rows(warehouse, &all, &ctx).await?;
    // The systems the batch opened with: the coordinator and workers load the day's tree
    // models, which this consolidator's own default set may not hold.
    let enabled = if batch.systems.is_empty() {
        p.systems.ids()
    } else {
        batch.systems.clone()
    };
    let counts = coverage::count(&enabled, &predictions);
    let cov = coverage::row(batch, &enabled, &counts, p.settings.coverage_target, partial, now);
    write_rows(warehouse, std::slice::from_ref(&cov), &ctx).await?;
    let message = complete_message(batch, &counts, &cov, partial, report.stats.written(), now);
    Ok((message, predictions))
}

/// The batch's staging rows (`op` "=") or every other batch's of the date ("<>").
async fn staging_rows(p: &Pipeline, batch: &Batch, op: &str) -> Result<Vec<PredictionStaging>, PredictionError> {
    let sql = format!(
        "SELECT * FROM nba_predictions.prediction_staging WHERE game_date = CAST(? AS DATE) AND batch_id {op} ?"
    );
    let params = vec![json!(batch.game_date.to_string()), json!(batch.batch_id())];
    read::typed(p.clients.warehouse.as_ref(), &sql, params).await
}

/// One row per (game_id, player_lookup, system_id, line): the latest.
pub fn dedupe(rows: &[PredictionStaging]) -> Vec<&PredictionStaging> {
    let mut latest: BTreeMap<(String, String, String, String), &PredictionStaging> = BTreeMap::new();
    for r in rows {
        let key = (
            r.game_id.clone(),
            r.player_lookup.clone(),
            r.system_id.clone(),
            line_key(r.line),
        );
        match latest.get(&key) {
            Some(kept) if kept.created_at >= r.created_at => {}
            _ => {
                latest.insert(key, r);
            }
        }
    }
    latest.into_values().collect()
}

fn line_key(line: Option<f64>) -> String {
    line.map_or_else(|| "none".to_string(), |l| format!("{l:.1}"))
}

/// `{game_id}:{player_lookup}:{system_id}:{line|none}`.
pub fn prediction_id(game_id: &str, player: &str, system_id: &str, line: Option<f64>) -> String {
    format!("{game_id}:{player}:{system_id}:{}", line_key(line))
}

/// The output row of a successful staging row (`None` for a failed system).
fn prediction_of(s: &PredictionStaging, now: DateTime<Utc>) -> Option<PlayerPropPrediction> {
    if s.status != "ok" {
        return None;
    }
    Some(PlayerPropPrediction {
        prediction_id: prediction_id(&s.game_id, &s.player_lookup, &s.system_id, s.line),
        system_id: s.system_id.clone(),
        system_version: s.system_version.clone().unwrap_or_default(),
        game_date: s.game_date,
        game_id: s.game_id.clone(),
        player_lookup: s.player_lookup.clone(),
        predicted_points: s.predicted_points?,
        confidence: s.confidence?,
        recommendation: s.recommendation.clone()?,
        edge: s.edge,
        line: s.line,
        line_source: s.line_source.clone(),
        line_bookmaker: s.line_bookmaker.clone(),
        factors: s.factors.clone(),
        feature_set_version: s.feature_set_version.clone(),
        feature_quality: s.feature_quality,
        actionable: s.actionable,
        not_actionable_reason: s.not_actionable_reason.clone(),
        batch_id: s.batch_id.clone(),
        created_at: s.created_at,
        is_active: true,
        data_hash: String::new(),
        processed_at: now,
    })
}

/// Active rows of the date for the same (game, player, system) under another id.
async fn superseded(
    p: &Pipeline,
    batch: &Batch,
    fresh: &[PlayerPropPrediction],
    now: DateTime<Utc>,
) -> Result<Vec<PlayerPropPrediction>, PredictionError> {
    let warehouse = p.clients.warehouse.as_ref();
    let sql = "SELECT * FROM nba_predictions.player_prop_predictions WHERE game_date = CAST(? AS DATE) AND is_active";
    let active: Vec<PlayerPropPrediction> =
        read::typed(warehouse, sql, vec![json!(batch.game_date.to_string())]).await?;
    let fresh_ids: BTreeMap<(&str, &str, &str), &str> = fresh
        .iter()
        .map(|f| {
            (
                (f.game_id.as_str(), f.player_lookup.as_str(), f.system_id.as_str()),
                f.prediction_id.as_str(),
            )
        })
        .collect();
    Ok(active
        .into_iter()
        .filter(|a| {
            fresh_ids
                .get(&(a.game_id.as_str(), a.player_lookup.as_str(), a.system_id.as_str()))
                .is_some_and(|id| *id != a.prediction_id)
        })
        .map(|a| PlayerPropPrediction {
            is_active: false,
            processed_at: now,
            ..a
        })
        .collect())
}

fn complete_message(
    batch: &Batch,
    counts: &coverage::Counts,
    cov: &PredictionCoverage,
    partial: bool,
    rows_written: u64,
    now: DateTime<Utc>,
) -> PredictionsComplete {
    PredictionsComplete {
        game_date: batch.game_date,
        batch_id: batch.batch_id(),
        mode: batch.mode,
        correlation_id: batch.correlation_id.clone(),
        status: if partial { "partial" } else { "complete" }.to_string(),
        players_expected: batch.expected,
        players_predicted: counts.predicted_any,
        players_failed: batch.failed,
        players_missing: batch.expected.saturating_sub(batch.done()),
        players_skipped: batch.skipped.clone(),
        per_system: counts.per_system.clone(),
        coverage_share: cov.share,
        coverage_alert: cov.alert,
        rows_written,
        consolidated_at: now,
    }
}

async fn publish(p: &Pipeline, batch: &Batch, message: &PredictionsComplete) -> Result<(), PredictionError> {
    let attrs = attributes::completion(
        &batch.correlation_id,
        CONSOLIDATOR_NAME,
        &message.status,
        batch.game_date,
    );
    p.clients
        .publisher
        .publish(
            &p.names.topic(Topic::Phase5PredictionsComplete),
            OutgoingMessage::json(message, attrs.clone()),
        )
        .await?;
    // Phase 6 publishes only a batch at or above the gate; a thinner day's status is
    // exported by the scheduler (and says what is missing).
    if batch_completeness(message.players_predicted, message.players_expected) >= EXPORT_COVERAGE_GATE {
        let trigger = ExportTrigger {
            game_date: batch.game_date,
            correlation_id: batch.correlation_id.clone(),
            reason: ExportReason::PredictionsComplete,
        };
        p.clients
            .publisher
            .publish(
                &p.names.topic(Topic::Phase6ExportTrigger),
                OutgoingMessage::json(&trigger, attrs),
            )
            .await?;
    }
    let generation = batch.generation;
    p.store
        .update(p.clients.state.as_ref(), &batch.key(), move |b| {
            match &mut b.consolidation {
                Some(r) if b.generation == generation && !r.published => {
                    r.published = true;
                    true
                }
                _ => false,
            }
        })
        .await?;
    Ok(())
}

/// A recorded consolidation whose message is not out yet (its owner died) is published.
async fn republish(
    p: &Pipeline,
    batch: &Batch,
    record: &ConsolidationRecord,
) -> Result<Consolidation, PredictionError> {
    if record.published {
        return Ok(Consolidation::AlreadyDone { republished: false });
    }
    clear_staging(p, batch).await?;
    publish(p, batch, &record.message).await?;
    Ok(Consolidation::AlreadyDone { republished: true })
}

/// Replaces the date's staging partition by the other batches' rows.
async fn clear_staging(p: &Pipeline, batch: &Batch) -> Result<(), PredictionError> {
    let others = staging_rows(p, batch, "<>").await?;
    let rows = others.iter().map(Table::to_row).collect();
    p.clients
        .warehouse
        .replace_partition(PredictionStaging::SCHEMA, batch.game_date, rows)
        .await?;
    Ok(())
}

/// The stall check (call it on a clock tick): every open batch started at least
/// `stall_after` before `now` with at least `stall_min_share` of its players done is
/// consolidated partial. Returns (batch key, what happened) for each batch it looked at.
pub async fn evaluate_stalled(
    p: &Pipeline,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Consolidation)>, PredictionError> {
    let mut out = Vec::new();
    for batch in p.store.all(p.clients.state.as_ref()).await? {
        let key = batch.key();
        if batch.consolidation.as_ref().is_some_and(|r| !r.published) {
            out.push((key.clone(), run(p, &key, "stall:republish", true).await?));
            continue;
        }
        if batch.is_finished() || now - batch.started_at < p.settings.stall_after {
            continue;
        }
        let result = if batch.done_share() >= p.settings.stall_min_share {
            run(p, &key, &format!("stall:{}", now.to_rfc3339()), true).await?
        } else {
            Consolidation::NotReady {
                done: batch.done(),
                expected: batch.expected,
            }
        };
        out.push((key, result));
    }
    Ok(out)
}
