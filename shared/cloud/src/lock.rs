//! A lease-style lock in the state store: one document per lock, create-if-absent
//! with a TTL and an owner. A holder that dies stops blocking when the TTL runs out
//! and the next caller takes it over; a release only deletes a lock its owner still
//! holds (after a takeover it is someone else's). Used by the raw processors' batch
//! mode and the prediction consolidation.

use std::time::Duration;

use crate::ports::state::Created;
use crate::{StateError, StateStore, TxnOutcome};
use chrono::Utc;
use serde_json::{Value, json};

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
