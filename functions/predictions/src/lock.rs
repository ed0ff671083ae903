//! The consolidation lock: one document per batch generation, create-if-absent with a
//! TTL and an owner. A holder that dies stops blocking when the TTL runs out and the
//! next consolidation takes it over; a release only deletes a lock its owner still holds.

use std::time::Duration;

use chrono::Utc;
use nba_cloud::ports::state::Created;
use nba_cloud::{StateError, StateStore, TxnOutcome};
use serde_json::{Value, json};

pub const LOCKS: &str = "prediction_consolidation_locks";

#[derive(Debug, Clone, PartialEq)]
pub enum Lock {
    Acquired,
    Held { owner: String },
}

/// Takes the lock `id` for `owner` unless someone holds it unexpired.
pub async fn acquire(
    state: &dyn StateStore,
    collection: &str,
    id: &str,
    owner: &str,
    ttl: Duration,
) -> Result<Lock, StateError> {
    let doc = json!({"owner": owner, "acquired_at": Utc::now()});
    match state.create_if_absent(collection, id, doc, Some(ttl)).await? {
        Created::Created => Ok(Lock::Acquired),
        Created::Exists(existing) => Ok(Lock::Held {
            owner: existing
                .data
                .get("owner")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_string(),
        }),
    }
}

/// Deletes the lock only if `owner` still holds it (after a takeover it is someone else's).
pub async fn release(state: &dyn StateStore, collection: &str, id: &str, owner: &str) -> Result<(), StateError> {
    let owner = owner.to_string();
    state
        .transact(
            collection,
            id,
            Box::new(move |doc| match doc {
                Some(d) if d.data.get("owner").and_then(Value::as_str) == Some(owner.as_str()) => TxnOutcome::Delete,
                _ => TxnOutcome::Keep,
            }),
        )
        .await
        .map(|_| ())
}
