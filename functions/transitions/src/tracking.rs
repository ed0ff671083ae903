//! Completion tracking in the state store: one document per (transition, game date,
//! mode), read-modify-written with `transact` so concurrent deliveries never lose an
//! update.
//!
//! Layout (collection [`COLLECTION`], id `phase3_to_phase4:2025-01-10:same_day`):
//!
//! ```json
//! {"transition": "phase3_to_phase4", "game_date": "2025-01-10", "mode": "same_day",
//!  "correlation_id": "…", "first_completed_at": "…", "last_completed_at": "…",
//!  "processors": {"upcoming_player_game_context": {"status": "success", "table": "…",
//!      "first_completed_at": "…", "last_completed_at": "…", "deliveries": 1,
//!      "message_ids": ["…"], "execution_id": "…", "rows_written": 412}},
//!  "triggered": {"decided_at": "…", "claimed_at": "…", "execution_id": "…",
//!      "reason": "…", "target_date": "2025-01-10", "published": true}}
//! ```
//!
//! `processors` is a map keyed by processor (bounded by the expected set, not an
//! ever-growing array: Firestore caps arrays and documents); each keeps only its last
//! [`MESSAGE_IDS_KEPT`] message ids, which is what makes a redelivery a no-op.
//! `triggered` is set by the same transaction that decides to fire ([`claim_trigger`]).
//!
//! Phase 3 → 4 overnight fires again when its inputs change after the trigger: a completion that
//! wrote rows once the trigger was claimed sets `changed_after_trigger`, and the next
//! evaluation claims a re-fire (`refires` counts them). The summaries of a night are
//! rewritten as better sources land (the league's team box score after a fallback's), and
//! a run still writing when the last game's first summary fired the trigger would leave
//! the next day's caches computed from the version it replaced (found by `nba chaos`).
//! Same-day runs and phase 4 → 5 do not re-fire: tonight's predictions read the same-day
//! features soon after they land, and a recompute under them would race the workers;
//! re-running predictions is the operator's call (`force`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use nba_cloud::{Document, StateError, StateStore, TxnOutcome};
use nba_core::messages::RunMode;
use serde::{Deserialize, Serialize};

use crate::rules::{Progress, Verdict};

/// State-store collection (canonical id; resolved per environment by `Names::collection`).
pub const COLLECTION: &str = "phase_transitions";
/// How long a date's tracking is kept after its last update (a backfill re-run after
/// this starts afresh and may fire again, which is what a re-run wants).
pub const TRACKING_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
/// Message ids remembered per processor for redelivery detection.
pub const MESSAGE_IDS_KEPT: usize = 16;
/// A trigger claimed but never marked published (its holder died between the claim
/// and the publish) may be taken over after this long, so a trigger is not lost.
pub const PUBLISH_CLAIM_TTL: TimeDelta = TimeDelta::minutes(2);

/// The two transitions this crate runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    #[serde(rename = "phase3_to_phase4")]
    Phase3To4,
    #[serde(rename = "phase4_to_phase5")]
    Phase4To5,
}

impl Transition {
    pub const ALL: [Transition; 2] = [Transition::Phase3To4, Transition::Phase4To5];

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Phase3To4 => "phase3_to_phase4",
            Transition::Phase4To5 => "phase4_to_phase5",
        }
    }
}

/// Which document a completion belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TrackingKey {
    pub transition: Transition,
    pub game_date: NaiveDate,
    pub mode: RunMode,
}

impl TrackingKey {
    pub fn document_id(&self) -> String {
        format!("{}:{}:{}", self.transition.as_str(), self.game_date, self.mode.as_str())
    }
}

/// One processor's completions of the date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessorRecord {
    /// Status of the latest completion (`success`, `partial`, `no_data`, `failed`).
    pub status: String,
    pub table: String,
    pub first_completed_at: DateTime<Utc>,
    pub last_completed_at: DateTime<Utc>,
    /// Distinct completion messages seen (reruns count, redeliveries do not).
    pub deliveries: u32,
    /// The last [`MESSAGE_IDS_KEPT`] message ids, oldest first.
    pub message_ids: Vec<String>,
    pub execution_id: String,
    pub rows_written: u64,
}

impl ProcessorRecord {
    /// A `failed` run reported but did not produce: it does not count as complete.
    pub fn counts_as_complete(&self) -> bool {
        self.status != "failed"
    }
}

/// The claim that a transition fired (or is firing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerRecord {
    /// The evaluation instant that decided (possibly simulated).
    pub decided_at: DateTime<Utc>,
    /// Wall-clock instant of the claim, for [`PUBLISH_CLAIM_TTL`].
    pub claimed_at: DateTime<Utc>,
    pub execution_id: String,
    pub reason: String,
    pub target_date: NaiveDate,
    /// Set once the trigger message is out.
    pub published: bool,
}

impl TriggerRecord {
    /// Claimed but unpublished for too long: its holder died.
    pub fn is_stale(&self, wall_now: DateTime<Utc>) -> bool {
        !self.published && wall_now - self.claimed_at > PUBLISH_CLAIM_TTL
    }
}

/// The tracking document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tracking {
    pub transition: Transition,
    pub game_date: NaiveDate,
    pub mode: RunMode,
    /// Chain id of the first completion, reused by the trigger when a tick fires it.
    pub correlation_id: String,
    pub first_completed_at: Option<DateTime<Utc>>,
    pub last_completed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub processors: BTreeMap<String, ProcessorRecord>,
    #[serde(default)]
    pub triggered: Option<TriggerRecord>,
    /// A completion that wrote rows after the trigger was claimed: the trigger is due again.
    #[serde(default)]
    pub changed_after_trigger: Option<InputChange>,
    /// Re-fires claimed so far.
    #[serde(default)]
    pub refires: u32,
}

/// What changed the inputs of a fired transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputChange {
    pub processor: String,
    pub message_id: String,
    pub rows_written: u64,
}

/// Whether a change of inputs after the trigger fires it again (see the module doc).
pub fn refires_on_changed_inputs(transition: Transition, mode: RunMode) -> bool {
    transition == Transition::Phase3To4 && mode == RunMode::Overnight
}

impl Tracking {
    fn new(key: &TrackingKey, correlation_id: &str) -> Self {
        Tracking {
            transition: key.transition,
            game_date: key.game_date,
            mode: key.mode,
            correlation_id: correlation_id.to_string(),
            first_completed_at: None,
            last_completed_at: None,
            processors: BTreeMap::new(),
            triggered: None,
            changed_after_trigger: None,
            refires: 0,
        }
    }

    /// The change that makes the fired transition due again, if any. Only once the last
    /// trigger is out: changes landing while it is being published wait for it, so a burst
    /// of them costs one re-fire (the publisher looks again after marking it published).
    pub fn refire_due(&self) -> Option<&InputChange> {
        self.triggered
            .as_ref()
            .filter(|t| t.published)
            .and(self.changed_after_trigger.as_ref())
    }

    /// What the rules see.
    pub fn progress(&self) -> Progress {
        let complete = self.processors.iter().filter(|(_, r)| r.counts_as_complete());
        Progress {
            completed: complete.clone().map(|(name, _)| name.clone()).collect(),
            first_completed_at: complete.map(|(_, r)| r.first_completed_at).min(),
        }
    }

    fn has_message(&self, message_id: &str) -> bool {
        self.processors
            .values()
            .any(|r| r.message_ids.iter().any(|m| m == message_id))
    }

    /// Applies one completion; `false` when the message was seen before.
    fn apply(&mut self, c: &Completion) -> bool {
        if self.has_message(&c.message_id) {
            return false;
        }
        self.first_completed_at = Some(self.first_completed_at.map_or(c.at, |t| t.min(c.at)));
        self.last_completed_at = Some(self.last_completed_at.map_or(c.at, |t| t.max(c.at)));
        let record = self
            .processors
            .entry(c.processor.clone())
            .or_insert_with(|| ProcessorRecord {
                status: c.status.clone(),
                table: c.table.clone(),
                first_completed_at: c.at,
                last_completed_at: c.at,
                deliveries: 0,
                message_ids: Vec::new(),
                execution_id: c.execution_id.clone(),
                rows_written: 0,
            });
        // A rerun of a processor after it completed keeps its first completion time (the
        // timeouts count from it) and takes the latest status.
        record.status = c.status.clone();
        record.table = c.table.clone();
        record.last_completed_at = record.last_completed_at.max(c.at);
        record.deliveries += 1;
        record.execution_id = c.execution_id.clone();
        record.rows_written = c.rows_written;
        record.message_ids.push(c.message_id.clone());
        let excess = record.message_ids.len().saturating_sub(MESSAGE_IDS_KEPT);
        record.message_ids.drain(..excess);
        let changed = c.rows_written > 0 && c.status != "failed";
        if changed && self.triggered.is_some() && refires_on_changed_inputs(self.transition, self.mode) {
            self.changed_after_trigger = Some(InputChange {
                processor: c.processor.clone(),
                message_id: c.message_id.clone(),
                rows_written: c.rows_written,
            });
        }
        true
    }
}

/// One processor's completion as delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub processor: String,
    pub status: String,
    pub table: String,
    /// Pub/Sub message id: the redelivery key.
    pub message_id: String,
    /// When it was recorded (the function's clock).
    pub at: DateTime<Utc>,
    pub execution_id: String,
    pub correlation_id: String,
    pub rows_written: u64,
}

/// Why a tracking document could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("tracking document {id} is not readable: {reason}")]
    Corrupt { id: String, reason: String },
}

/// Records a completion; returns the document after it and whether the message was new.
pub async fn record(
    state: &dyn StateStore,
    collection: &str,
    key: TrackingKey,
    completion: Completion,
) -> Result<(Tracking, bool), TrackingError> {
    let id = key.document_id();
    let fresh = Arc::new(Mutex::new(None));
    let seen = fresh.clone();
    let txn = Box::new(move |doc: Option<&Document>| {
        let mut tracking = match parse(doc) {
            Ok(t) => t.unwrap_or_else(|| Tracking::new(&key, &completion.correlation_id)),
            Err(e) => {
                *lock(&seen) = Some(Err(e));
                return TxnOutcome::Keep;
            }
        };
        let new = tracking.apply(&completion);
        *lock(&seen) = Some(Ok(new));
        if new { write(&tracking) } else { TxnOutcome::Keep }
    });
    let after = state.transact(collection, &id, txn).await?;
    let new = take(&fresh, &id)?;
    let tracking = parse(after.as_ref())
        .map_err(|reason| corrupt(&id, reason))?
        .ok_or_else(|| corrupt(&id, "absent after the transaction".into()))?;
    Ok((tracking, new))
}

/// The tracking document, if any completion was recorded.
pub async fn load(
    state: &dyn StateStore,
    collection: &str,
    key: &TrackingKey,
) -> Result<Option<Tracking>, TrackingError> {
    let id = key.document_id();
    let doc = state.get(collection, &id).await?;
    parse(doc.as_ref()).map_err(|reason| corrupt(&id, reason))
}

/// What [`claim_trigger`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This call set `triggered`: publish, then [`mark_published`] (or [`release`]).
    Won(Tracking),
    /// Someone fired (or is firing) it already.
    AlreadyTriggered(TriggerRecord),
    /// The rule no longer says fire (cannot normally happen: completions only grow).
    NotReady(Verdict),
}

/// Re-decides on the current document and sets `triggered` in the same transaction, so
/// among any number of concurrent evaluations exactly one wins. A stale claim (holder
/// died before publishing) is taken over.
pub async fn claim_trigger(
    state: &dyn StateStore,
    collection: &str,
    key: &TrackingKey,
    decide: impl Fn(&Tracking) -> Verdict + Send + 'static,
    mut record: TriggerRecord,
) -> Result<Claim, TrackingError> {
    let id = key.document_id();
    let result = Arc::new(Mutex::new(None));
    let out = result.clone();
    let txn = Box::new(move |doc: Option<&Document>| {
        let mut tracking = match parse(doc) {
            Ok(Some(t)) => t,
            Ok(None) => {
                *lock(&out) = Some(Err("absent".to_string()));
                return TxnOutcome::Keep;
            }
            Err(e) => {
                *lock(&out) = Some(Err(e));
                return TxnOutcome::Keep;
            }
        };
        let change = tracking.refire_due().cloned();
        if let Some(existing) = tracking.triggered.as_ref().filter(|t| !t.is_stale(Utc::now()))
            && change.is_none()
        {
            *lock(&out) = Some(Ok(Claim::AlreadyTriggered(existing.clone())));
            return TxnOutcome::Keep;
        }
        match decide(&tracking) {
            Verdict::Ready { reason, .. } => {
                // A re-fire keeps the tier's reason first (the overnight games check reads it).
                record.reason = match &change {
                    Some(c) => format!(
                        "{reason}; inputs changed after the trigger: {} wrote {} row(s)",
                        c.processor, c.rows_written
                    ),
                    None => reason,
                };
                record.claimed_at = Utc::now();
                if change.is_some() {
                    tracking.refires += 1;
                }
                tracking.changed_after_trigger = None;
                tracking.triggered = Some(record.clone());
                *lock(&out) = Some(Ok(Claim::Won(tracking.clone())));
                write(&tracking)
            }
            other => {
                *lock(&out) = Some(Ok(Claim::NotReady(other)));
                TxnOutcome::Keep
            }
        }
    });
    state.transact(collection, &id, txn).await?;
    take(&result, &id)
}

/// The trigger message is out: the claim is final.
pub async fn mark_published(
    state: &dyn StateStore,
    collection: &str,
    key: &TrackingKey,
    execution_id: &str,
) -> Result<(), TrackingError> {
    update_claim(state, collection, key, execution_id, |t| {
        if let Some(claim) = t.triggered.as_mut() {
            claim.published = true;
        }
    })
    .await
}

/// Publishing failed: give the claim up so a redelivery or a tick fires it.
pub async fn release(
    state: &dyn StateStore,
    collection: &str,
    key: &TrackingKey,
    execution_id: &str,
) -> Result<(), TrackingError> {
    update_claim(state, collection, key, execution_id, |t| t.triggered = None).await
}

/// Changes the claim only while `execution_id` still holds it unpublished.
async fn update_claim(
    state: &dyn StateStore,
    collection: &str,
    key: &TrackingKey,
    execution_id: &str,
    change: fn(&mut Tracking),
) -> Result<(), TrackingError> {
    let id = key.document_id();
    let owner = execution_id.to_string();
    let txn = Box::new(move |doc: Option<&Document>| {
        let Ok(Some(mut tracking)) = parse(doc) else {
            return TxnOutcome::Keep;
        };
        let ours = tracking
            .triggered
            .as_ref()
            .is_some_and(|t| t.execution_id == owner && !t.published);
        if !ours {
            return TxnOutcome::Keep;
        }
        change(&mut tracking);
        write(&tracking)
    });
    state.transact(collection, &id, txn).await?;
    Ok(())
}

fn parse(doc: Option<&Document>) -> Result<Option<Tracking>, String> {
    doc.map(|d| serde_json::from_value(d.data.clone()).map_err(|e| e.to_string()))
        .transpose()
}

fn write(tracking: &Tracking) -> TxnOutcome {
    TxnOutcome::Write {
        data: serde_json::to_value(tracking).expect("tracking serialises"),
        ttl: Some(TRACKING_TTL),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The result the (last run of the) transaction closure left.
fn take<T>(slot: &Mutex<Option<Result<T, String>>>, id: &str) -> Result<T, TrackingError> {
    match lock(slot).take() {
        Some(Ok(v)) => Ok(v),
        Some(Err(reason)) => Err(corrupt(id, reason)),
        None => Err(corrupt(id, "the transaction did not run".into())),
    }
}

fn corrupt(id: &str, reason: String) -> TrackingError {
    TrackingError::Corrupt {
        id: id.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completion(processor: &str, message_id: &str, minute: u32) -> Completion {
        Completion {
            processor: processor.into(),
            status: "success".into(),
            table: "nba_analytics.x".into(),
            message_id: message_id.into(),
            at: format!("2025-01-10T20:{minute:02}:00Z").parse().unwrap(),
            execution_id: "e".into(),
            correlation_id: "c".into(),
            rows_written: 1,
        }
    }

    fn key() -> TrackingKey {
        TrackingKey {
            transition: Transition::Phase3To4,
            game_date: NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            mode: RunMode::SameDay,
        }
    }

    #[test]
    fn a_seen_message_changes_nothing_and_reruns_keep_the_first_time() {
        let mut t = Tracking::new(&key(), "c");
        assert!(t.apply(&completion("p", "m1", 5)));
        let before = t.clone();
        assert!(!t.apply(&completion("p", "m1", 9)));
        assert_eq!(t, before);
        assert!(t.apply(&completion("p", "m2", 9)));
        let r = &t.processors["p"];
        assert_eq!(r.deliveries, 2);
        assert_eq!(r.first_completed_at.format("%M").to_string(), "05");
        assert_eq!(r.last_completed_at.format("%M").to_string(), "09");
    }

    #[test]
    fn message_ids_are_bounded() {
        let mut t = Tracking::new(&key(), "c");
        for i in 0..40 {
            t.apply(&completion("p", &format!("m{i}"), 1));
        }
        assert_eq!(t.processors["p"].message_ids.len(), MESSAGE_IDS_KEPT);
        assert_eq!(t.processors["p"].deliveries, 40);
    }

    #[test]
    fn failed_runs_do_not_count_and_document_ids_name_everything() {
        let mut t = Tracking::new(&key(), "c");
        t.apply(&Completion {
            status: "failed".into(),
            ..completion("p", "m1", 1)
        });
        t.apply(&completion("q", "m2", 3));
        let p = t.progress();
        assert_eq!(p.completed.into_iter().collect::<Vec<_>>(), ["q"]);
        assert_eq!(p.first_completed_at.unwrap().format("%M").to_string(), "03");
        assert_eq!(key().document_id(), "phase3_to_phase4:2025-01-10:same_day");
    }
}
