//! The worker: one `nba-prediction-request` → every enabled system for the player,
//! staged, the player marked done, `nba-prediction-ready` out, and — when it finished
//! the batch's last player — the consolidation.
//!
//! Idempotent: the player's document says whether it is done and by which message; a
//! duplicate request (another message id) changes nothing, a redelivery of the message
//! that finished it only re-announces it. Staging rows are insert-new-only on
//! (batch_id, player_lookup, system_id), so a retry after a crash writes nothing twice.

use nba_cloud::OutgoingMessage;
use nba_cloud::writer::{WriteContext, write_rows};
use nba_core::Topic;
use nba_core::messages::attributes;
use nba_schemas::tables::prediction_output::PredictionStaging;
use nba_systems::{PredictionInput, Thresholds, recommend};
use serde_json::json;

use crate::batch::{Batch, PlayerRecord, PlayerState};
use crate::breaker::SystemRun;
use crate::consolidate::{self, Consolidation};
use crate::error::PredictionError;
use crate::messages::{PlayerInputs, PredictionReady, PredictionRequest, SystemFailure};
use crate::pipeline::Pipeline;
use crate::read;

pub const WORKER_NAME: &str = "prediction_worker";

/// What one delivery did.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerOutcome {
    /// Predicted (some systems may have failed: see the message).
    Done {
        ready: PredictionReady,
        rows_written: u64,
        consolidation: Option<Box<Consolidation>>,
    },
    /// Nothing to do, and why.
    Skipped(String),
}

/// Handles one request.
pub async fn handle(p: &Pipeline, req: &PredictionRequest, message_id: &str) -> Result<WorkerOutcome, PredictionError> {
    let state = p.clients.state.as_ref();
    let key = Batch::key_of(req.game_date, req.mode);
    let Some(batch) = p.store.load(state, &key).await? else {
        return Ok(WorkerOutcome::Skipped(format!("no batch {key}")));
    };
    if batch.consolidation.as_ref().is_some_and(|r| !r.published) {
        // Consolidated, but its message is not out (its publisher failed): finish that.
        let done = consolidate::run(p, &key, &format!("worker:{message_id}"), false).await?;
        return Ok(WorkerOutcome::Skipped(format!("batch already consolidated: {done:?}")));
    }
    if let Some(why) = stale(&batch, req) {
        return Ok(WorkerOutcome::Skipped(why));
    }
    let Some(record) = p.store.player(state, &req.batch_id, &req.player_lookup).await? else {
        return Ok(WorkerOutcome::Skipped(format!(
            "{} is not in {}",
            req.player_lookup, req.batch_id
        )));
    };
    let (record, rows_written) = match record.state {
        PlayerState::Pending => predict(p, req, message_id).await?,
        PlayerState::Skipped => return Ok(WorkerOutcome::Skipped(format!("{} was skipped", req.player_lookup))),
        // The delivery that finished the player died before announcing it: announce again.
        _ if record.message_id.as_deref() == Some(message_id) => (record, 0),
        _ => {
            return Ok(WorkerOutcome::Skipped(format!(
                "{} already done by message {}",
                req.player_lookup,
                record.message_id.as_deref().unwrap_or("?")
            )));
        }
    };
    announce(p, req, record, rows_written).await
}

/// Why a request no longer applies to its batch.
fn stale(batch: &Batch, req: &PredictionRequest) -> Option<String> {
    if batch.generation != req.generation {
        return Some(format!(
            "stale request: generation {} of {}, batch is at {}",
            req.generation,
            batch.key(),
            batch.generation
        ));
    }
    batch.is_finished().then(|| {
        format!(
            "batch {} already consolidated ({})",
            req.batch_id,
            batch.status.as_str()
        )
    })
}

/// Runs the systems, stages their rows, marks the player done.
async fn predict(
    p: &Pipeline,
    req: &PredictionRequest,
    message_id: &str,
) -> Result<(PlayerRecord, u64), PredictionError> {
    let warehouse = p.clients.warehouse.as_ref();
    let Some(inputs) = inputs_of(p, req).await? else {
        let failed = PlayerRecord {
            state: PlayerState::Failed,
            reason: Some("feature vector missing".into()),
            message_id: Some(message_id.to_string()),
            at: Some(p.now()),
            ..PlayerRecord::pending(&req.player_lookup)
        };
        let (record, _) = p
            .store
            .finish_player(p.clients.state.as_ref(), &req.batch_id, failed)
            .await?;
        return Ok((record, 0));
    };
    let input = PredictionInput {
        game_date: req.game_date,
        game_id: req.game_id.clone(),
        player_lookup: req.player_lookup.clone(),
        team_tricode: req.team_tricode.clone(),
        opponent_tricode: req.opponent_tricode.clone(),
        is_home: req.is_home,
        feature_set_version: inputs.feature_set_version.clone(),
        features: inputs.features.clone(),
        defaulted: inputs.defaulted.clone(),
        history: inputs.history.clone(),
        line: req.line,
        recent_performance: inputs.recent_performance.clone(),
    };
    let runs = p.systems_for(req.game_date).await?.run(&p.breakers, &input);
    let rows: Vec<PredictionStaging> = runs
        .iter()
        .map(|(id, version, run)| staging_row(p, req, &inputs, message_id, id, version, run))
        .collect();
    let ctx = WriteContext {
        source_file: None,
        correlation_id: Some(req.correlation_id.clone()),
        execution_id: Some(message_id.to_string()),
    };
    let report = write_rows(warehouse, &rows, &ctx).await?;
    let done = player_done(p, req, message_id, &runs);
    let (record, _) = p
        .store
        .finish_player(p.clients.state.as_ref(), &req.batch_id, done)
        .await?;
    Ok((record, report.stats.written()))
}

/// The player's inputs: those the request carries (the coordinator read them for the
/// slate), else read here; `None` when the player has no feature vector.
async fn inputs_of(p: &Pipeline, req: &PredictionRequest) -> Result<Option<PlayerInputs>, PredictionError> {
    if let Some(inputs) = &req.inputs {
        return Ok(Some(inputs.clone()));
    }
    let warehouse = p.clients.warehouse.as_ref();
    let Some(features) = read::feature_row(warehouse, req.game_date, &req.player_lookup).await? else {
        return Ok(None);
    };
    let history = read::history(warehouse, &req.player_lookup, req.game_date).await?;
    let recent = read::recent_performance(warehouse, req.game_date).await?;
    Ok(Some(read::player_inputs(&features, history, recent)))
}

fn player_done(
    p: &Pipeline,
    req: &PredictionRequest,
    message_id: &str,
    runs: &[(String, String, SystemRun)],
) -> PlayerRecord {
    let systems_ok: Vec<String> = runs
        .iter()
        .filter(|(_, _, r)| matches!(r, SystemRun::Ok(_)))
        .map(|(id, _, _)| id.clone())
        .collect();
    let systems_failed = runs
        .iter()
        .filter_map(|(id, _, r)| {
            r.error().map(|error| SystemFailure {
                system_id: id.clone(),
                status: r.status().to_string(),
                error,
            })
        })
        .collect();
    let any_ok = !systems_ok.is_empty();
    PlayerRecord {
        player_lookup: req.player_lookup.clone(),
        state: if any_ok {
            PlayerState::Completed
        } else {
            PlayerState::Failed
        },
        reason: (!any_ok).then(|| "no system predicted".to_string()),
        message_id: Some(message_id.to_string()),
        at: Some(p.now()),
        systems_ok,
        systems_failed,
    }
}

/// The staging row of one system's run.
fn staging_row(
    p: &Pipeline,
    req: &PredictionRequest,
    inputs: &PlayerInputs,
    message_id: &str,
    system_id: &str,
    version: &str,
    run: &SystemRun,
) -> PredictionStaging {
    let mut row = PredictionStaging {
        batch_id: req.batch_id.clone(),
        game_date: req.game_date,
        game_id: req.game_id.clone(),
        player_lookup: req.player_lookup.clone(),
        system_id: system_id.to_string(),
        system_version: Some(version.to_string()),
        status: run.status().to_string(),
        error: run.error(),
        predicted_points: None,
        confidence: None,
        recommendation: None,
        edge: None,
        line: req.line,
        line_source: req.line_source.as_str().to_string(),
        line_bookmaker: req.line_bookmaker.clone(),
        factors: json!([]),
        feature_set_version: inputs.feature_set_version.clone(),
        feature_quality: Some(inputs.feature_quality),
        actionable: false,
        not_actionable_reason: None,
        message_id: message_id.to_string(),
        created_at: p.now(),
    };
    if let SystemRun::Ok(pred) = run {
        let points = pred.predicted_points.clamp(0.0, 100.0);
        let confidence = pred.confidence.clamp(0.0, 1.0);
        let rec = recommend(points, req.line, confidence, &Thresholds::default());
        row.system_version = Some(pred.system_version.clone());
        row.predicted_points = Some(points);
        row.confidence = Some(confidence);
        row.recommendation = Some(rec.kind.as_str().to_string());
        row.edge = rec.edge;
        row.actionable = rec.actionable;
        row.not_actionable_reason = rec.reason;
        row.factors = json!(pred.factors);
    }
    row
}

/// Recounts the batch, publishes `nba-prediction-ready`, consolidates when all are done.
async fn announce(
    p: &Pipeline,
    req: &PredictionRequest,
    record: PlayerRecord,
    rows_written: u64,
) -> Result<WorkerOutcome, PredictionError> {
    let state = p.clients.state.as_ref();
    let key = Batch::key_of(req.game_date, req.mode);
    let progress = p.store.progress(state, &req.batch_id).await?;
    let batch = p.store.record_progress(state, &key, req.generation, progress).await?;
    let (done, expected) = batch.as_ref().map_or((0, 0), |b| (b.done(), b.expected));
    let ready = ready_message(req, &record, done, expected);
    let attrs = attributes::completion(&req.correlation_id, WORKER_NAME, &ready.status, req.game_date);
    p.clients
        .publisher
        .publish(
            &p.names.topic(Topic::PredictionReady),
            OutgoingMessage::json(&ready, attrs),
        )
        .await?;
    let consolidation = match batch {
        Some(b) if b.generation == req.generation && b.all_done() && !b.is_finished() => Some(Box::new(
            consolidate::run(
                p,
                &key,
                &format!("worker:{}", record.message_id.as_deref().unwrap_or("?")),
                false,
            )
            .await?,
        )),
        _ => None,
    };
    Ok(WorkerOutcome::Done {
        ready,
        rows_written,
        consolidation,
    })
}

fn ready_message(req: &PredictionRequest, record: &PlayerRecord, done: u64, expected: u64) -> PredictionReady {
    PredictionReady {
        batch_id: req.batch_id.clone(),
        generation: req.generation,
        game_date: req.game_date,
        mode: req.mode,
        correlation_id: req.correlation_id.clone(),
        player_lookup: req.player_lookup.clone(),
        status: match record.state {
            PlayerState::Completed => "completed",
            _ => "failed",
        }
        .to_string(),
        systems_ok: record.systems_ok.clone(),
        systems_failed: record.systems_failed.clone(),
        batch_done: done,
        batch_expected: expected,
    }
}
