//! The coordinator: tonight's players → one batch → one `nba-prediction-request` each.
//!
//! 1. Tonight's players from `upcoming_player_game_context`, kept when their minutes
//!    expectation passes [`crate::pipeline::Settings::min_expected_minutes`]: the feature
//!    vector's `minutes_avg_last_10` when it was computed, else minutes per game over the
//!    last 14 days from the context; no minutes history at all is a skip.
//! 2. The line: the context's `current_line` (phase 3 already chose the preferred book's
//!    latest snapshot before tip) → `actual`; else the BettingPros fallback (preferred
//!    book's latest snapshot before now → `actual`, its consensus → `estimated`); else
//!    `none` (the systems still predict; the recommendation is NO_LINE).
//! 3. The quality gate: a player without a feature vector, or whose vector is not
//!    `is_quality_ready`, is skipped — recorded in the batch with the reason.
//! 4. The batch opens (create-if-absent: a second start reports the existing batch;
//!    `force` moves it to the next generation), the player documents are written, and
//!    the requests are published with bounded concurrency.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;
use nba_cloud::OutgoingMessage;
use nba_core::Topic;
use nba_core::messages::{RunMode, attributes};
use nba_schemas::tables::analytics::UpcomingPlayerGameContext;
use nba_schemas::tables::predictions::MlFeatureStore;
use serde::{Deserialize, Serialize};

use crate::batch::{Batch, BatchStatus, Opened, PlayerRecord};
use crate::consolidate::{self, Consolidation};
use crate::error::PredictionError;
use crate::messages::{LineSource, PredictionRequest};
use crate::pipeline::Pipeline;
use crate::read::{self, FallbackLine};

pub const COORDINATOR_NAME: &str = "prediction_coordinator";
/// Feature holding the minutes expectation.
pub const MINUTES_FEATURE: &str = "minutes_avg_last_10";

/// `POST /start` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartRequest {
    pub game_date: NaiveDate,
    #[serde(default = "same_day")]
    pub mode: RunMode,
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Re-run a batch that exists (its next generation).
    #[serde(default)]
    pub force: bool,
}

fn same_day() -> RunMode {
    RunMode::SameDay
}

/// A player not requested, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skip {
    pub player_lookup: String,
    pub reason: String,
}

/// The answer of a start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartReport {
    pub batch_id: String,
    pub game_date: NaiveDate,
    pub mode: RunMode,
    pub generation: u32,
    /// `new`, `reopened` or `existing`.
    pub opened: String,
    pub status: String,
    pub expected: u64,
    pub completed: u64,
    pub failed: u64,
    /// Requests published by this call.
    pub published: u64,
    pub skipped: BTreeMap<String, u64>,
    /// This call's skips, per player (empty for an existing batch).
    pub skipped_players: Vec<Skip>,
}

/// A plan: the requests to publish and the skips.
struct Plan {
    requests: Vec<PredictionRequest>,
    skips: Vec<Skip>,
}

/// Starts (or reports) the batch of `req.game_date` and `req.mode`.
pub async fn start(p: &Pipeline, req: &StartRequest) -> Result<StartReport, PredictionError> {
    let now = p.now();
    let correlation_id = req
        .correlation_id
        .clone()
        .unwrap_or_else(|| nba_core::CorrelationId::new().to_string());
    let plan = plan(p, req.game_date, now).await?;
    let systems = p.systems_for(req.game_date).await?.ids();
    let fresh = fresh_batch(systems, req, &correlation_id, &plan, now);
    let opened = p.store.open(p.clients.state.as_ref(), fresh, req.force).await?;
    let (label, batch) = match &opened {
        Opened::New(b) => ("new", b.clone()),
        Opened::Reopened(b) => ("reopened", b.clone()),
        Opened::Existing(b) => ("existing", b.clone()),
    };
    let mut published = 0;
    let mut skips = plan.skips.clone();
    match opened {
        Opened::Existing(ref b) if b.requests_published => skips.clear(),
        // New, reopened, or an opener that died before publishing everything.
        _ => published = publish_batch(p, &batch, plan).await?,
    }
    let batch = after_publish(p, &batch).await?;
    Ok(StartReport {
        batch_id: batch.batch_id(),
        game_date: batch.game_date,
        mode: batch.mode,
        generation: batch.generation,
        opened: label.into(),
        status: batch.status.as_str().into(),
        expected: batch.expected,
        completed: batch.completed,
        failed: batch.failed,
        published,
        skipped: batch.skipped.clone(),
        skipped_players: skips,
    })
}

/// An empty batch has nothing to wait for: consolidate it now (coverage, completion).
async fn after_publish(p: &Pipeline, batch: &Batch) -> Result<Batch, PredictionError> {
    let state = p.clients.state.as_ref();
    if batch.expected == 0 && batch.status == BatchStatus::Open {
        let outcome = consolidate::run(p, &batch.key(), &format!("{COORDINATOR_NAME}:empty"), false).await?;
        if let Consolidation::Held { owner } = outcome {
            tracing::info!(owner, "empty batch being consolidated by another");
        }
    }
    Ok(p.store
        .load(state, &batch.key())
        .await?
        .unwrap_or_else(|| batch.clone()))
}

fn fresh_batch(
    systems: Vec<String>,
    req: &StartRequest,
    correlation_id: &str,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Batch {
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    for s in &plan.skips {
        *skipped.entry(reason_class(&s.reason)).or_default() += 1;
    }
    Batch {
        game_date: req.game_date,
        mode: req.mode,
        generation: 1,
        correlation_id: correlation_id.to_string(),
        status: BatchStatus::Open,
        expected: plan.requests.len() as u64,
        completed: 0,
        failed: 0,
        skipped,
        systems,
        requests_published: false,
        started_at: now,
        finished_at: None,
        consolidation: None,
    }
}

/// The reason's class (the text before the first `:`), for counting.
fn reason_class(reason: &str) -> String {
    reason.split(':').next().unwrap_or(reason).trim().to_string()
}

/// Writes the player documents, publishes the requests (bounded concurrency), and
/// notes that every request is out.
async fn publish_batch(p: &Pipeline, batch: &Batch, plan: Plan) -> Result<u64, PredictionError> {
    let state = p.clients.state.as_ref();
    let batch_id = batch.batch_id();
    let players: Vec<PlayerRecord> = plan
        .requests
        .iter()
        .map(|r| PlayerRecord::pending(&r.player_lookup))
        .chain(
            plan.skips
                .iter()
                .map(|s| PlayerRecord::skipped(&s.player_lookup, &s.reason)),
        )
        .collect();
    p.store.put_players(state, &batch_id, &players).await?;
    let topic = p.names.topic(Topic::PredictionRequest);
    let requests: Vec<PredictionRequest> = plan
        .requests
        .into_iter()
        .map(|r| PredictionRequest {
            batch_id: batch_id.clone(),
            generation: batch.generation,
            correlation_id: batch.correlation_id.clone(),
            mode: batch.mode,
            ..r
        })
        .collect();
    let messages: Vec<OutgoingMessage> = requests.iter().map(request_message).collect();
    let results: Vec<Result<String, nba_cloud::PubSubError>> = futures::stream::iter(messages)
        .map(|message| {
            let publisher = p.clients.publisher.clone();
            let topic = topic.clone();
            async move { publisher.publish(&topic, message).await }
        })
        .buffer_unordered(p.settings.publish_concurrency.max(1))
        .collect()
        .await;
    let published = results.len() as u64;
    for r in results {
        r?;
    }
    let generation = batch.generation;
    p.store
        .update(state, &batch.key(), move |b| {
            let changed = b.generation == generation && !b.requests_published;
            b.requests_published |= changed;
            changed
        })
        .await?;
    Ok(published)
}

/// Largest request carrying its player's inputs: far under Pub/Sub's 10 MB, so a batch's
/// messages stay small to journal and push. (A season's history is ~10 KB.)
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// A request's message: with its inputs, unless that makes it larger than
/// [`MAX_REQUEST_BYTES`] (the worker then reads them itself).
fn request_message(r: &PredictionRequest) -> OutgoingMessage {
    let attrs = attributes::completion(&r.correlation_id, COORDINATOR_NAME, "requested", r.game_date);
    let message = OutgoingMessage::json(r, attrs.clone());
    if message.data.len() <= MAX_REQUEST_BYTES || r.inputs.is_none() {
        return message;
    }
    let bare = PredictionRequest {
        inputs: None,
        ..r.clone()
    };
    OutgoingMessage::json(&bare, attrs)
}

/// Tonight's players through the minutes floor, the line choice and the quality gate.
async fn plan(p: &Pipeline, date: NaiveDate, now: DateTime<Utc>) -> Result<Plan, PredictionError> {
    let warehouse = p.clients.warehouse.as_ref();
    let context = read::context(warehouse, date).await?;
    let features = read::feature_rows(warehouse, date).await?;
    let fallback = if context.iter().any(|c| c.current_line.is_none()) {
        read::fallback_lines(warehouse, date, now).await?
    } else {
        BTreeMap::new()
    };
    let mut plan = Plan {
        requests: Vec::new(),
        skips: Vec::new(),
    };
    for c in &context {
        match gate(p, c, features.get(&c.player_lookup)) {
            Ok(minutes) => plan
                .requests
                .push(request_of(c, minutes, fallback.get(&c.player_lookup), now)),
            Err(reason) => plan.skips.push(Skip {
                player_lookup: c.player_lookup.clone(),
                reason,
            }),
        }
    }
    if !plan.requests.is_empty() {
        attach_inputs(warehouse, date, &features, &mut plan.requests).await?;
    }
    Ok(plan)
}

/// Reads what every requested player's systems need — histories for the whole slate in one
/// query, the recent record once — and puts each player's into his request, so the workers,
/// which all start at once, do not each query the warehouse for them.
async fn attach_inputs(
    warehouse: &dyn nba_cloud::Warehouse,
    date: NaiveDate,
    features: &BTreeMap<String, MlFeatureStore>,
    requests: &mut [PredictionRequest],
) -> Result<(), PredictionError> {
    let mut histories = read::slate_histories(warehouse, date).await?;
    let recent = read::recent_performance(warehouse, date).await?;
    for r in requests {
        // Every request passed the quality gate, so its vector exists.
        r.inputs = features.get(&r.player_lookup).map(|f| {
            let history = histories.remove(&r.player_lookup).unwrap_or_default();
            read::player_inputs(f, history, recent.clone())
        });
    }
    Ok(())
}

/// The minutes floor, then the quality gate: the expected minutes, or why not.
fn gate(p: &Pipeline, c: &UpcomingPlayerGameContext, features: Option<&MlFeatureStore>) -> Result<f64, String> {
    let floor = p.settings.min_expected_minutes;
    let minutes = expected_minutes(c, features).ok_or_else(|| "no_minutes_history".to_string())?;
    if minutes < floor {
        return Err(format!("below_minutes_floor: {minutes:.1} < {floor:.1}"));
    }
    let Some(f) = features else {
        return Err("no_feature_vector".into());
    };
    if !f.is_quality_ready {
        return Err(format!(
            "not_quality_ready: defaulted {}",
            read::defaulted(f).join(", ")
        ));
    }
    Ok(minutes)
}

/// `minutes_avg_last_10` when computed, else the context's minutes per game over 14 days.
pub fn expected_minutes(c: &UpcomingPlayerGameContext, features: Option<&MlFeatureStore>) -> Option<f64> {
    let from_features = features.and_then(|f| {
        let defaulted = read::defaulted(f);
        let computed = !defaulted.iter().any(|d| d == MINUTES_FEATURE);
        read::feature_values(f)
            .get(MINUTES_FEATURE)
            .copied()
            .filter(|_| computed)
    });
    from_features.or_else(|| (c.games_last_14_days > 0).then(|| c.minutes_last_14_days / c.games_last_14_days as f64))
}

fn request_of(
    c: &UpcomingPlayerGameContext,
    minutes: f64,
    fallback: Option<&FallbackLine>,
    now: DateTime<Utc>,
) -> PredictionRequest {
    let (line, source, book, at) = match (c.current_line, fallback) {
        (Some(l), _) => (
            Some(l),
            LineSource::Actual,
            c.line_bookmaker.clone(),
            c.line_snapshot_at,
        ),
        (None, Some(f)) if f.bookmaker == read::CONSENSUS_BOOK => (
            Some(f.line),
            LineSource::Estimated,
            Some(f.bookmaker.clone()),
            Some(f.snapshot_at),
        ),
        (None, Some(f)) => (
            Some(f.line),
            LineSource::Actual,
            Some(f.bookmaker.clone()),
            Some(f.snapshot_at),
        ),
        (None, None) => (None, LineSource::None, None, None),
    };
    PredictionRequest {
        batch_id: String::new(),
        generation: 0,
        game_date: c.game_date,
        mode: RunMode::SameDay,
        correlation_id: String::new(),
        game_id: c.game_id.clone(),
        player_lookup: c.player_lookup.clone(),
        player_name: c.player_name.clone(),
        team_tricode: c.team_tricode.clone(),
        opponent_tricode: c.opponent_tricode.clone(),
        is_home: c.is_home,
        line,
        line_source: source,
        line_bookmaker: book,
        line_snapshot_at: at,
        expected_minutes: minutes,
        requested_at: now,
        inputs: None,
    }
}
