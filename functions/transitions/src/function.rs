//! The `transitions` CloudEvent function.
//!
//! Subscribed to `nba-phase3-analytics-complete` and `nba-phase4-precompute-complete`
//! (payload [`PhaseComplete`]); a message whose payload is a [`TransitionTick`] on either
//! subscription re-evaluates a date on a clock tick, as does [`TransitionsFunction::evaluate`]
//! called directly. Each delivery:
//! 1. records the completion in the date's tracking document (a seen message id is a no-op);
//! 2. evaluates the transition's rules at the function's clock;
//! 3. when a tier fires, runs the preflight (next game date; quality gate for phase 5),
//!    claims the trigger in one transaction and publishes only if the claim was won;
//! 4. writes the decision row.
//!
//! Even a redelivered completion is evaluated (its first delivery may have failed after
//! recording), but it records nothing and its decision row already exists.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cloudevents::{AttributesReader, Event};
use nba_cloud::{Clients, OutgoingMessage};
use nba_core::messages::{Phase4Trigger, Phase5Trigger, PhaseComplete, RunMode, attributes};
use nba_core::{Names, Topic};
use nba_runtime::events::{PUBSUB_PUBLISHED, pubsub_payload};
use nba_runtime::{CloudEventFunction, FunctionError, Invocation, Outcome};
use serde::{Deserialize, Serialize};

use crate::decisions::{self, Decision, DecisionKind};
use crate::error::TransitionError;
use crate::quality::{self, Gate};
use crate::rules::{Policy, Verdict};
use crate::tracking::{self, Claim, Completion, Tracking, TrackingKey, Transition, TriggerRecord};
use crate::{phase3_to_4, phase4_to_5};

/// Registered name of the function.
pub const TRANSITIONS_FUNCTION: &str = "transitions";

/// The instant evaluations are made at (injected so tests and replays control it).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Re-evaluate a date's transitions at `now` (the timeouts only fire on an evaluation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionTick {
    pub game_date: NaiveDate,
    pub now: DateTime<Utc>,
}

/// What a message on the subscriptions carries.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Inbound {
    Completion(PhaseComplete),
    Tick(TransitionTick),
}

pub struct TransitionsFunction {
    pub clients: Clients,
    pub names: Names,
    pub clock: Clock,
    collection: String,
}

impl TransitionsFunction {
    pub fn new(clients: Clients, names: Names) -> Self {
        Self::with_clock(clients, names, Arc::new(Utc::now))
    }

    pub fn with_clock(clients: Clients, names: Names, clock: Clock) -> Self {
        let collection = names.collection(tracking::COLLECTION);
        TransitionsFunction {
            clients,
            names,
            clock,
            collection,
        }
    }

    /// Re-evaluates every transition of `date` that has completions, at `now`, and
    /// writes the decisions (trigger id `tick:<now>`: the same tick twice writes once).
    pub async fn evaluate(&self, date: NaiveDate, now: DateTime<Utc>) -> Result<Vec<Decision>, FunctionError> {
        let inv = Invocation::new(TRANSITIONS_FUNCTION);
        self.evaluate_with(&inv, date, now, &format!("tick:{}", now.to_rfc3339()))
            .await
    }

    /// [`Self::evaluate`] within an invocation.
    pub async fn evaluate_with(
        &self,
        inv: &Invocation,
        date: NaiveDate,
        now: DateTime<Utc>,
        trigger_id: &str,
    ) -> Result<Vec<Decision>, FunctionError> {
        let mut out = Vec::new();
        for key in keys_of(date) {
            let state = self.clients.state.as_ref();
            let Some(tracking) = tracking::load(state, &self.collection, &key)
                .await
                .map_err(TransitionError::from)?
            else {
                continue;
            };
            let correlation_id = tracking.correlation_id.clone();
            out.push(
                self.decide(inv, &key, &tracking, now, trigger_id, &correlation_id)
                    .await?,
            );
        }
        decisions::write(self.clients.warehouse.as_ref(), &out)
            .await
            .map_err(TransitionError::from)?;
        Ok(out)
    }

    async fn on_completion(
        &self,
        inv: &Invocation,
        message_id: &str,
        attrs: &BTreeMap<String, String>,
        c: PhaseComplete,
    ) -> Result<Outcome, FunctionError> {
        let input = format!("{}@{}", c.processor_name, c.game_date);
        let Some(key) = key_of(&c, attrs) else {
            return Ok(Outcome::skipped(format!(
                "phase {} processor {} is not awaited by any transition",
                c.phase, c.processor_name
            ))
            .with_input(input));
        };
        let now = (self.clock)();
        let completion = Completion {
            processor: c.processor_name.clone(),
            status: c.status.clone(),
            table: c.table.clone(),
            message_id: message_id.to_string(),
            at: now,
            execution_id: c.execution_id.clone(),
            correlation_id: c.correlation_id.clone(),
            rows_written: c.rows_written,
        };
        let state = self.clients.state.as_ref();
        let lines = self.lines_completion(&key, &completion).await?;
        let (mut tracking, new) = tracking::record(state, &self.collection, key, completion)
            .await
            .map_err(TransitionError::from)?;
        if let Some(lines) = lines {
            (tracking, _) = tracking::record(state, &self.collection, key, lines)
                .await
                .map_err(TransitionError::from)?;
        }
        let decision = self
            .decide(inv, &key, &tracking, now, message_id, &c.correlation_id)
            .await?;
        let written = decisions::write(self.clients.warehouse.as_ref(), std::slice::from_ref(&decision))
            .await
            .map_err(TransitionError::from)?;
        let mut outcome = Outcome::success().with_input(input);
        outcome.rows_read = 1;
        outcome.rows_written = written;
        outcome.game_date = Some(c.game_date);
        outcome.message = Some(match new {
            true => decision.summary(),
            false => format!("redelivered message, nothing recorded; {}", decision.summary()),
        });
        Ok(outcome)
    }

    async fn on_tick(
        &self,
        inv: &Invocation,
        tick: TransitionTick,
        message_id: &str,
    ) -> Result<Outcome, FunctionError> {
        let decisions = self.evaluate_with(inv, tick.game_date, tick.now, message_id).await?;
        if decisions.is_empty() {
            return Ok(Outcome::skipped(format!("nothing reported for {} yet", tick.game_date)));
        }
        let mut outcome = Outcome::success().with_input(format!("tick {}@{}", tick.game_date, tick.now.to_rfc3339()));
        outcome.game_date = Some(tick.game_date);
        outcome.message = Some(decisions.iter().map(Decision::summary).collect::<Vec<_>>().join("; "));
        Ok(outcome)
    }

    /// The [`phase3_to_4::LINES`] fact that a same-day player-context completion brings when
    /// the context it wrote carries tonight's lines (its own message id + `:lines`, so a
    /// redelivery records nothing new).
    async fn lines_completion(&self, key: &TrackingKey, c: &Completion) -> Result<Option<Completion>, TransitionError> {
        if key.transition != Transition::Phase3To4
            || key.mode != RunMode::SameDay
            || c.processor != phase3_to_4::PLAYER_CONTEXT
        {
            return Ok(None);
        }
        if !phase3_to_4::lines_are_in(self.clients.warehouse.as_ref(), key.game_date).await? {
            return Ok(None);
        }
        Ok(Some(Completion {
            processor: phase3_to_4::LINES.to_string(),
            message_id: format!("{}:lines", c.message_id),
            ..c.clone()
        }))
    }

    /// Evaluates one tracking document at `now`; fires when a tier says so.
    async fn decide(
        &self,
        inv: &Invocation,
        key: &TrackingKey,
        tracking: &Tracking,
        now: DateTime<Utc>,
        trigger_id: &str,
        correlation_id: &str,
    ) -> Result<Decision, TransitionError> {
        let policy = policy_of(key);
        let progress = tracking.progress();
        let base = Decision {
            decided_at: now,
            game_date: key.game_date,
            transition: key.transition,
            mode: key.mode,
            kind: DecisionKind::Waiting,
            reason: String::new(),
            completed: policy.completed(&progress),
            missing: policy.missing(&progress),
            target_date: None,
            quality_ready_share: None,
            trigger_id: trigger_id.to_string(),
            correlation_id: correlation_id.to_string(),
            execution_id: inv.execution_id.to_string(),
        };
        if let Some(fired) = tracking.triggered.as_ref().filter(|t| !t.is_stale(Utc::now()))
            && tracking.refire_due().is_none()
        {
            return Ok(already(base, fired));
        }
        match policy.evaluate(&progress, now) {
            Verdict::Ready { reason, .. } => {
                let decision = self.fire(key, policy, now, base, reason).await?;
                if decision.kind == DecisionKind::Triggered {
                    self.refire_if_changed_meanwhile(inv, key, &decision).await?;
                }
                Ok(decision)
            }
            Verdict::Waiting { reason } => Ok(Decision { reason, ..base }),
            Verdict::Blocked { reason } => Ok(Decision {
                kind: DecisionKind::Blocked,
                reason,
                ..base
            }),
        }
    }

    /// Preflight, claim, publish. Only the evaluation that wins the claim publishes.
    async fn fire(
        &self,
        key: &TrackingKey,
        policy: &'static Policy,
        now: DateTime<Utc>,
        base: Decision,
        reason: String,
    ) -> Result<Decision, TransitionError> {
        let (target_date, share) = match key.transition {
            Transition::Phase3To4 => {
                let warehouse = self.clients.warehouse.as_ref();
                // Overnight, "all complete" waits for every game's summaries too (see
                // `phase3_to_4::games_summarised`); the timeout tier does not.
                if key.mode == RunMode::Overnight && reason.starts_with("all_complete") {
                    let (scheduled, summarised) = phase3_to_4::games_summarised(warehouse, key.game_date).await?;
                    if summarised < scheduled {
                        return Ok(Decision {
                            reason: format!("{reason}; {summarised} of {scheduled} games summarised"),
                            ..base
                        });
                    }
                }
                (
                    phase3_to_4::target_date(warehouse, key.game_date, key.mode).await?,
                    None,
                )
            }
            Transition::Phase4To5 if key.mode == RunMode::Overnight && self.same_day_started(key.game_date).await? => {
                return Ok(Decision {
                    kind: DecisionKind::Blocked,
                    reason: format!(
                        "{reason}; superseded: the same-day run of {} has started (its features and lines replace \
                         the overnight ones, and its predictions are the day's)",
                        key.game_date
                    ),
                    ..base
                });
            }
            Transition::Phase4To5 => match quality::check(self.clients.warehouse.as_ref(), key.game_date).await? {
                Gate::Pass { share, .. } => (key.game_date, Some(share)),
                Gate::Fail { share, reason: why } => {
                    return Ok(Decision {
                        kind: DecisionKind::Blocked,
                        reason: format!("{reason}; {why}"),
                        quality_ready_share: share,
                        ..base
                    });
                }
            },
        };
        let record = TriggerRecord {
            decided_at: now,
            claimed_at: Utc::now(),
            execution_id: base.execution_id.clone(),
            reason,
            target_date,
            published: false,
        };
        let state = self.clients.state.as_ref();
        let decide = move |t: &Tracking| policy.evaluate(&t.progress(), now);
        match tracking::claim_trigger(state, &self.collection, key, decide, record).await? {
            Claim::Won(tracking) => self.publish_won(key, &tracking, base, share).await,
            Claim::AlreadyTriggered(fired) => Ok(already(base, &fired)),
            Claim::NotReady(verdict) => Ok(Decision {
                kind: match verdict {
                    Verdict::Blocked { .. } => DecisionKind::Blocked,
                    _ => DecisionKind::Waiting,
                },
                reason: verdict.reason().to_string(),
                ..base
            }),
        }
    }

    /// Whether the date's same-day phase 3 → 4 has fired. Overnight predictions for D are the
    /// early look before D's context and lines; once the same-day run has started they would
    /// only race its batch (two consolidations of one date, the later one winning by timing:
    /// found by `nba chaos`).
    async fn same_day_started(&self, date: NaiveDate) -> Result<bool, TransitionError> {
        let key = TrackingKey {
            transition: Transition::Phase3To4,
            game_date: date,
            mode: RunMode::SameDay,
        };
        let tracking = tracking::load(self.clients.state.as_ref(), &self.collection, &key).await?;
        Ok(tracking.is_some_and(|t| t.triggered.is_some()))
    }

    /// Inputs that changed while the trigger was being published wait for it (see
    /// [`Tracking::refire_due`]); no later completion may come to fire them, so the publisher
    /// looks once more. Its decision row is written with the others of the evaluation.
    async fn refire_if_changed_meanwhile(
        &self,
        inv: &Invocation,
        key: &TrackingKey,
        fired: &Decision,
    ) -> Result<(), TransitionError> {
        if !tracking::refires_on_changed_inputs(key.transition, key.mode) {
            return Ok(());
        }
        let state = self.clients.state.as_ref();
        let Some(tracking) = tracking::load(state, &self.collection, key).await? else {
            return Ok(());
        };
        if tracking.refire_due().is_none() {
            return Ok(());
        }
        let trigger_id = format!("{}:refire", fired.trigger_id);
        let decision = Box::pin(self.decide(
            inv,
            key,
            &tracking,
            fired.decided_at,
            &trigger_id,
            &fired.correlation_id,
        ))
        .await?;
        decisions::write(self.clients.warehouse.as_ref(), std::slice::from_ref(&decision)).await?;
        Ok(())
    }

    /// Publishes the trigger of a won claim; a failed publish gives the claim back.
    async fn publish_won(
        &self,
        key: &TrackingKey,
        tracking: &Tracking,
        base: Decision,
        share: Option<f64>,
    ) -> Result<Decision, TransitionError> {
        let fired = tracking.triggered.clone().expect("a won claim is recorded");
        let (topic, message) = trigger_message(key, &fired, &base, share);
        let state = self.clients.state.as_ref();
        if let Err(e) = self.clients.publisher.publish(&self.names.topic(topic), message).await {
            tracking::release(state, &self.collection, key, &base.execution_id).await?;
            return Err(e.into());
        }
        // The message is out: failing to note it must not ask for a redelivery (that
        // would not publish again anyway); the stale claim's takeover is the fallback.
        if let Err(e) = tracking::mark_published(state, &self.collection, key, &base.execution_id).await {
            tracing::warn!(error = %e, document = key.document_id(), "trigger published but not marked so");
        }
        Ok(Decision {
            kind: DecisionKind::Triggered,
            reason: fired.reason.clone(),
            target_date: Some(fired.target_date),
            quality_ready_share: share,
            ..base
        })
    }
}

#[async_trait]
impl CloudEventFunction for TransitionsFunction {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        if event.ty() != PUBSUB_PUBLISHED {
            return Ok(Outcome::skipped(format!(
                "event type {} is not for the transitions",
                event.ty()
            )));
        }
        let message = pubsub_payload::<Inbound>(&event).map_err(|e| FunctionError::BadRequest(e.to_string()))?;
        match message.payload {
            Inbound::Completion(c) => {
                self.on_completion(inv, &message.message_id, &message.attributes, c)
                    .await
            }
            Inbound::Tick(tick) => self.on_tick(inv, tick, &message.message_id).await,
        }
    }
}

/// The tracking document a completion belongs to (`None`: not awaited).
fn key_of(c: &PhaseComplete, attrs: &BTreeMap<String, String>) -> Option<TrackingKey> {
    let (transition, mode) = match c.phase {
        3 => (Transition::Phase3To4, phase3_to_4::mode_of(&c.processor_name)?),
        4 if phase4_to_5::is_expected(&c.processor_name) => (Transition::Phase4To5, phase4_to_5::mode_of(attrs)),
        _ => return None,
    };
    Some(TrackingKey {
        transition,
        game_date: c.game_date,
        mode,
    })
}

/// Every tracking document a date may have.
fn keys_of(date: NaiveDate) -> impl Iterator<Item = TrackingKey> {
    Transition::ALL.into_iter().flat_map(move |transition| {
        [RunMode::SameDay, RunMode::Overnight].map(|mode| TrackingKey {
            transition,
            game_date: date,
            mode,
        })
    })
}

fn policy_of(key: &TrackingKey) -> &'static Policy {
    match key.transition {
        Transition::Phase3To4 => phase3_to_4::policy(key.mode),
        Transition::Phase4To5 => &phase4_to_5::POLICY,
    }
}

fn already(base: Decision, fired: &TriggerRecord) -> Decision {
    Decision {
        kind: DecisionKind::AlreadyTriggered,
        reason: format!(
            "fired at {} by {} ({})",
            fired.decided_at.to_rfc3339(),
            fired.execution_id,
            fired.reason
        ),
        target_date: Some(fired.target_date),
        ..base
    }
}

/// The trigger message of a fired transition, with the completion attributes and the run mode.
fn trigger_message(
    key: &TrackingKey,
    fired: &TriggerRecord,
    base: &Decision,
    share: Option<f64>,
) -> (Topic, OutgoingMessage) {
    let mut attrs = attributes::completion(&base.correlation_id, TRANSITIONS_FUNCTION, "success", fired.target_date);
    attrs.insert(
        phase4_to_5::RUN_MODE_ATTRIBUTE.to_string(),
        key.mode.as_str().to_string(),
    );
    match key.transition {
        Transition::Phase3To4 => {
            let body = Phase4Trigger {
                game_date: fired.target_date,
                mode: key.mode,
                correlation_id: base.correlation_id.clone(),
                reason: fired.reason.clone(),
                completed: base.completed.clone(),
            };
            (Topic::Phase4Trigger, OutgoingMessage::json(&body, attrs))
        }
        Transition::Phase4To5 => {
            let body = Phase5Trigger {
                game_date: fired.target_date,
                correlation_id: base.correlation_id.clone(),
                reason: fired.reason.clone(),
                completed: base.completed.clone(),
                quality_ready_share: share.unwrap_or(0.0),
            };
            (Topic::Phase5Trigger, OutgoingMessage::json(&body, attrs))
        }
    }
}
