//! Batch mode: all pending objects of one processor and game date, taken together
//! under a lock in the state store.
//!
//! Props and lines arrive as many small files per date at once (one per event,
//! every couple of hours). Each delivery tries the date's lock:
//! - the winner lists the date's objects, takes every one not yet processed,
//!   loads them as one batch, marks each processed, and releases the lock;
//! - a loser waits for its own object to be marked processed (the winner took
//!   it) or for the lock to come free (its object arrived after the winner
//!   listed), and tries again; past the wait it asks for a redelivery.
//!
//! The lock is create-if-absent with a TTL and an owner: a holder that dies
//! stops blocking when the TTL runs out, and the next delivery takes it over;
//! a release only deletes a lock its owner still holds. The lock collection carries
//! the environment prefix ([`Names::collection`]), like every other collection.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use nba_cloud::StateStore;
use nba_cloud::lock;
pub use nba_cloud::lock::Lock;
use nba_cloud::ports::state::StateError;
use nba_core::Names;
use nba_runtime::{FunctionError, Invocation, Outcome, RunStatus};

use crate::event::StorageObject;
use crate::function::{CLAIM_WAIT, RawProcessorFunction, object_key};
use crate::processor::{Parsed, RawProcessor, game_date_from_key};

/// The lock collection's id before the environment prefix.
pub const LOCK_COLLECTION: &str = "raw_batch_locks";
const POLL: Duration = Duration::from_millis(50);

/// Takes `object` (and every other pending object of its date) through the batch.
pub async fn run(
    f: &RawProcessorFunction,
    inv: &Invocation,
    processor: &dyn RawProcessor,
    object: StorageObject,
) -> Result<Outcome, FunctionError> {
    let transient = |e: StateError| FunctionError::Transient(e.to_string());
    let key = object_key(&object);
    let Some(date) = game_date_from_key(&object.name) else {
        return Err(FunctionError::BadRequest(format!(
            "{} has no date folder: a batch processor needs one",
            object.uri()
        )));
    };
    let lock_id = format!("{}:{date}", processor.name());
    let owner = inv.execution_id.to_string();
    let deadline = tokio::time::Instant::now() + CLAIM_WAIT;
    loop {
        if let Some(status) = f.claims.done_status(&key).await.map_err(transient)? {
            return Ok(Outcome::skipped(format!("already processed ({status})")).with_input(object.uri()));
        }
        match f
            .batch_locks
            .acquire(&lock_id, &owner, f.claim_ttl)
            .await
            .map_err(transient)?
        {
            Lock::Acquired => {
                // The lease is renewed while the batch runs (see `nba_cloud::lock::hold`).
                let batch = run_batch(f, inv, processor, &object, date);
                let result = f.batch_locks.hold(&lock_id, &owner, f.claim_ttl, batch).await;
                f.batch_locks.release(&lock_id, &owner).await.map_err(transient)?;
                return result;
            }
            Lock::Held { owner: holder } if tokio::time::Instant::now() >= deadline => {
                return Err(FunctionError::Transient(format!(
                    "the {} batch for {date} is held by {holder}",
                    processor.name()
                )));
            }
            Lock::Held { .. } => tokio::time::sleep(POLL).await,
        }
    }
}

/// The per-(processor, date) batch locks of one environment.
#[derive(Clone)]
pub struct BatchLocks {
    state: Arc<dyn StateStore>,
    collection: String,
}

impl BatchLocks {
    pub fn new(state: Arc<dyn StateStore>, names: &Names) -> Self {
        BatchLocks {
            state,
            collection: names.collection(LOCK_COLLECTION),
        }
    }

    /// Takes the date's lock (see [`nba_cloud::lock`]).
    pub async fn acquire(&self, id: &str, owner: &str, ttl: Duration) -> Result<Lock, StateError> {
        lock::acquire(self.state.as_ref(), &self.collection, id, owner, ttl).await
    }

    /// Runs `work` while renewing the lock's lease (see [`nba_cloud::lock::hold`]).
    pub async fn hold<T>(&self, id: &str, owner: &str, ttl: Duration, work: impl Future<Output = T>) -> T {
        lock::hold(self.state.as_ref(), &self.collection, id, owner, ttl, work).await
    }

    /// Releases the date's lock if `owner` still holds it.
    pub async fn release(&self, id: &str, owner: &str) -> Result<(), StateError> {
        lock::release(self.state.as_ref(), &self.collection, id, owner).await
    }
}

/// Under the lock: every pending object of the date, loaded as one batch.
async fn run_batch(
    f: &RawProcessorFunction,
    inv: &Invocation,
    processor: &dyn RawProcessor,
    trigger: &StorageObject,
    date: NaiveDate,
) -> Result<Outcome, FunctionError> {
    let pending = pending_objects(f, processor, trigger, date).await?;
    let mut batch = Parsed::default();
    let mut loaded = Vec::new();
    let mut quarantined = Vec::new();
    for object in pending {
        match f.read(processor, &object).await? {
            Ok(parsed) => {
                batch.absorb(parsed);
                loaded.push(object);
            }
            Err(e) => {
                let error = f.quarantine(inv, processor, &object, &e).await;
                if let nba_runtime::FunctionError::Transient(_) = error {
                    return Err(error);
                }
                quarantined.push((object, error.to_string()));
            }
        }
    }
    let mut outcome = if loaded.is_empty() {
        Outcome::new(RunStatus::Failed)
    } else {
        crate::load::load(f, inv, processor, batch, &loaded).await?
    };
    let owner = inv.execution_id.to_string();
    for object in &loaded {
        f.claims
            .finish(&object_key(object), &owner, outcome.status.as_str())
            .await
            .map_err(|e| FunctionError::Transient(e.to_string()))?;
    }
    for (object, _) in &quarantined {
        f.claims
            .finish(&object_key(object), &owner, "quarantined")
            .await
            .map_err(|e| FunctionError::Transient(e.to_string()))?;
        outcome.inputs.push(format!("{}#{}", object.uri(), object.generation));
    }
    if let Some((object, why)) = quarantined.first() {
        if outcome.status == RunStatus::Success {
            outcome.status = RunStatus::Partial;
        }
        let note = format!(
            "{} object(s) quarantined, first {}: {why}",
            quarantined.len(),
            object.uri()
        );
        outcome.message = Some(match outcome.message.take() {
            Some(m) => format!("{m}; {note}"),
            None => note,
        });
    }
    outcome.game_date = Some(date);
    Ok(outcome)
}

/// The date's objects under the processor's prefix not yet processed, oldest
/// first (snapshot order), the trigger always among them.
async fn pending_objects(
    f: &RawProcessorFunction,
    processor: &dyn RawProcessor,
    trigger: &StorageObject,
    date: NaiveDate,
) -> Result<Vec<StorageObject>, FunctionError> {
    let prefix = format!("{}{date}/", processor.prefix());
    let listed = f
        .clients
        .objects
        .list(&trigger.bucket, &prefix)
        .await
        .map_err(|e| FunctionError::Transient(format!("listing gs://{}/{prefix}: {e}", trigger.bucket)))?;
    let mut pending = Vec::new();
    for meta in listed {
        let object = if meta.name == trigger.name {
            trigger.clone()
        } else {
            StorageObject::from_meta(&meta)
        };
        let done = f
            .claims
            .done_status(&object_key(&object))
            .await
            .map_err(|e| FunctionError::Transient(e.to_string()))?;
        if done.is_none() {
            pending.push(object);
        }
    }
    if !pending.iter().any(|o| o.name == trigger.name) {
        pending.push(trigger.clone());
    }
    pending.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(pending)
}
