//! The three registered functions over one shared [`Pipeline`]:
//! - [`CoordinatorFunction`] (http): `POST /start` with a [`StartRequest`], or a
//!   `nba-phase5-trigger` push (any event encoding) with a `Phase5Trigger`;
//! - [`WorkerFunction`] (cloudevent): `nba-prediction-request`;
//! - [`ConsolidatorFunction`] (cloudevent): `nba-prediction-ready` (consolidates a batch
//!   whose last player is done, the backstop of the worker's own attempt) and
//!   [`StallTick`] messages (the stall timeout).

use std::sync::Arc;

use async_trait::async_trait;
use axum::Json;
use axum::response::{IntoResponse, Response};
use cloudevents::{AttributesReader, Event};
use nba_core::messages::{Phase5Trigger, RunMode, attributes};
use nba_runtime::events::{Inbound as EventInbound, PUBSUB_PUBLISHED, pubsub_payload};
use nba_runtime::{CloudEventFunction, FunctionError, HttpFunction, HttpRequest, Invocation, Outcome, RunStatus};
use serde::Deserialize;

use crate::batch::Batch;
use crate::consolidate::{self, Consolidation};
use crate::coordinator::{self, StartReport, StartRequest};
use crate::messages::SystemFailure;
use crate::messages::{PredictionReady, PredictionRequest, StallTick};
use crate::pipeline::Pipeline;
use crate::worker::{self, WorkerOutcome};

pub struct CoordinatorFunction(pub Arc<Pipeline>);
pub struct WorkerFunction(pub Arc<Pipeline>);
pub struct ConsolidatorFunction(pub Arc<Pipeline>);

impl CoordinatorFunction {
    async fn run(&self, req: StartRequest) -> Result<(StartReport, Outcome), FunctionError> {
        let report = coordinator::start(&self.0, &req).await?;
        let mut outcome = match report.opened.as_str() {
            "existing" => Outcome::skipped(format!(
                "batch {} exists ({}, {} of {} done); use force to re-run",
                report.batch_id,
                report.status,
                report.completed + report.failed,
                report.expected
            )),
            _ => {
                let mut o = Outcome::success();
                o.message = Some(format!(
                    "{} {}: {} requests, skipped {:?}",
                    report.opened, report.batch_id, report.published, report.skipped
                ));
                o
            }
        };
        outcome.rows_written = report.published;
        outcome.game_date = Some(report.game_date);
        Ok((report, outcome.with_input(format!("start {}", req.game_date))))
    }

    /// The start request of a `Phase5Trigger` push (run mode from its attribute).
    fn from_trigger(event: &Event) -> Result<StartRequest, FunctionError> {
        let message = pubsub_payload::<Phase5Trigger>(event).map_err(|e| FunctionError::BadRequest(e.to_string()))?;
        let mode = match message.attributes.get(attributes::RUN_MODE).map(String::as_str) {
            Some("overnight") => RunMode::Overnight,
            _ => RunMode::SameDay,
        };
        Ok(StartRequest {
            game_date: message.payload.game_date,
            mode,
            correlation_id: Some(message.payload.correlation_id),
            force: false,
        })
    }
}

#[async_trait]
impl HttpFunction for CoordinatorFunction {
    async fn call(&self, _inv: &Invocation, req: HttpRequest) -> Result<(Response, Outcome), FunctionError> {
        if req.method != http::Method::POST {
            return Err(FunctionError::BadRequest("use POST /start with a JSON body".into()));
        }
        let start = match EventInbound::decode(&req.headers, req.uri.path(), &req.body) {
            // A push (or CloudEvent) delivery of the phase-5 trigger.
            Ok(inbound) => {
                let decoded = inbound
                    .into_cloudevent()
                    .map_err(|e| FunctionError::BadRequest(e.to_string()))?;
                Self::from_trigger(&decoded.event)?
            }
            Err(_) => serde_json::from_slice::<StartRequest>(&req.body)
                .map_err(|e| FunctionError::BadRequest(format!("POST /start body: {e}")))?,
        };
        let (report, outcome) = self.run(start).await?;
        Ok((Json(report).into_response(), outcome))
    }
}

#[async_trait]
impl CloudEventFunction for CoordinatorFunction {
    /// The trigger as a CloudEvent (when registered with the cloudevent signature).
    async fn call(&self, _inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        let start = Self::from_trigger(&event)?;
        Ok(self.run(start).await?.1)
    }
}

#[async_trait]
impl CloudEventFunction for WorkerFunction {
    async fn call(&self, _inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        if event.ty() != PUBSUB_PUBLISHED {
            return Ok(Outcome::skipped(format!("event type {} is not a request", event.ty())));
        }
        let message =
            pubsub_payload::<PredictionRequest>(&event).map_err(|e| FunctionError::BadRequest(e.to_string()))?;
        let req = message.payload;
        let input = format!("{}@{}", req.player_lookup, req.batch_id);
        let outcome = match worker::handle(&self.0, &req, &message.message_id).await? {
            WorkerOutcome::Skipped(why) => Outcome::skipped(why),
            WorkerOutcome::Done {
                ready,
                rows_written,
                consolidation,
            } => {
                // A system declining (too little history for it) works as designed; only
                // a fault (model error, panic, open breaker) makes the run partial.
                let (declined, failed): (Vec<_>, Vec<_>) =
                    ready.systems_failed.iter().partition(|f| f.status == "declined");
                let mut o = Outcome::new(match failed.is_empty() {
                    true => RunStatus::Success,
                    false => RunStatus::Partial,
                });
                o.rows_written = rows_written;
                let described = |fs: &[&SystemFailure]| {
                    fs.iter()
                        .map(|f| format!("{} ({})", f.system_id, f.error))
                        .collect::<Vec<_>>()
                };
                o.message = Some(format!(
                    "{}: ok {:?}, declined {:?}, failed {:?}; batch {}/{}{}",
                    ready.status,
                    ready.systems_ok,
                    described(&declined),
                    described(&failed),
                    ready.batch_done,
                    ready.batch_expected,
                    consolidation
                        .map(|c| format!("; consolidation: {}", describe(&c)))
                        .unwrap_or_default()
                ));
                o
            }
        };
        let mut outcome = outcome.with_input(input);
        outcome.game_date = Some(req.game_date);
        Ok(outcome)
    }
}

/// What the consolidator's subscription carries.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ConsolidatorInbound {
    Ready(PredictionReady),
    Tick(StallTick),
}

#[async_trait]
impl CloudEventFunction for ConsolidatorFunction {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        if event.ty() != PUBSUB_PUBLISHED {
            return Ok(Outcome::skipped(format!(
                "event type {} is not for the consolidator",
                event.ty()
            )));
        }
        let message =
            pubsub_payload::<ConsolidatorInbound>(&event).map_err(|e| FunctionError::BadRequest(e.to_string()))?;
        let owner = format!("{}:{}", consolidate::CONSOLIDATOR_NAME, inv.execution_id);
        match message.payload {
            ConsolidatorInbound::Ready(ready) => self.on_ready(&ready, &owner).await,
            ConsolidatorInbound::Tick(tick) => {
                let results = consolidate::evaluate_stalled(&self.0, tick.now).await?;
                let mut o = Outcome::success().with_input(format!("stall tick {}", tick.now.to_rfc3339()));
                o.message = Some(
                    results
                        .iter()
                        .map(|(k, c)| format!("{k}: {}", describe(c)))
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                Ok(o)
            }
        }
    }
}

const HELD_POLL: std::time::Duration = std::time::Duration::from_millis(100);

impl ConsolidatorFunction {
    /// A batch whose players are all done but whose lock is held waits (up to
    /// `Settings::held_wait`) for the holder to finish or its lease to run out, then answers 503: the
    /// redelivery either finds it consolidated or takes over an expired lock. Waiting in the
    /// request stretches the time a message outlives a dead holder beyond its redeliveries'
    /// backoff (answering 503 at once, a message behind two killed holders in a row was
    /// dead-lettered: found by `nba chaos`).
    async fn on_ready(&self, ready: &PredictionReady, owner: &str) -> Result<Outcome, FunctionError> {
        let key = Batch::key_of(ready.game_date, ready.mode);
        let deadline = tokio::time::Instant::now() + self.0.settings.held_wait;
        let result = loop {
            match consolidate::run(&self.0, &key, owner, false).await? {
                Consolidation::Held { .. } if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(HELD_POLL).await;
                }
                other => break other,
            }
        };
        let mut outcome = match &result {
            Consolidation::Done(m) => {
                let mut o = Outcome::success();
                o.rows_written = m.rows_written;
                o
            }
            Consolidation::Held { owner } => {
                return Err(FunctionError::Transient(format!(
                    "batch {key} is being consolidated by {owner}"
                )));
            }
            other => Outcome::skipped(describe(other)),
        };
        outcome.message = Some(describe(&result));
        outcome.game_date = Some(ready.game_date);
        Ok(outcome.with_input(format!("{}@{}", ready.player_lookup, ready.batch_id)))
    }
}

fn describe(c: &Consolidation) -> String {
    match c {
        Consolidation::Done(m) => format!(
            "consolidated {} ({}): {} of {} players, coverage {:.2}{}",
            m.batch_id,
            m.status,
            m.players_predicted,
            m.players_expected,
            m.coverage_share,
            if m.coverage_alert { " ALERT" } else { "" }
        ),
        Consolidation::AlreadyDone { republished } => {
            format!(
                "already consolidated{}",
                if *republished { " (message re-published)" } else { "" }
            )
        }
        Consolidation::Held { owner } => format!("lock held by {owner}"),
        Consolidation::NotReady { done, expected } => format!("{done} of {expected} players done"),
        Consolidation::NoBatch => "no such batch".into(),
    }
}
