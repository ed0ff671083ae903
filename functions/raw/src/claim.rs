//! "Have I processed this object generation already?" — a claim in the state
//! store, keyed by bucket/name/generation. Redeliveries of a finished object are
//! skipped; a delivery racing one in progress is retried later; a claim whose
//! holder died expires (TTL) and is taken over.

use std::time::Duration;

use nba_cloud::ports::state::Created;
use nba_cloud::{StateError, StateStore};
use nba_dedup::EventKey;
use serde_json::json;

pub const COLLECTION: &str = "raw_processed_objects";

#[derive(Debug, PartialEq)]
pub enum Claim {
    /// Ours: process, then [`finish`].
    Acquired,
    /// Already processed to the end (with this status).
    Done(String),
    /// Another delivery holds it now.
    InProgress { owner: String },
}

pub async fn acquire(state: &dyn StateStore, key: &EventKey, owner: &str, ttl: Duration) -> Result<Claim, StateError> {
    let doc = json!({"state": "in_progress", "owner": owner});
    match state
        .create_if_absent(COLLECTION, &key.document_id(), doc, Some(ttl))
        .await?
    {
        Created::Created => Ok(Claim::Acquired),
        Created::Exists(existing) => {
            let data = &existing.data;
            match data.get("state").and_then(|s| s.as_str()) {
                Some("done") => Ok(Claim::Done(
                    data.get("status")
                        .and_then(|s| s.as_str())
                        .unwrap_or("unknown")
                        .to_string(),
                )),
                _ => Ok(Claim::InProgress {
                    owner: data
                        .get("owner")
                        .and_then(|s| s.as_str())
                        .unwrap_or("unknown")
                        .to_string(),
                }),
            }
        }
    }
}

/// Marks the object processed, for good.
pub async fn finish(state: &dyn StateStore, key: &EventKey, owner: &str, status: &str) -> Result<(), StateError> {
    state
        .set(
            COLLECTION,
            &key.document_id(),
            json!({"state": "done", "owner": owner, "status": status}),
            None,
        )
        .await
}

/// Gives the claim up after a transient failure so a redelivery can proceed.
pub async fn release(state: &dyn StateStore, key: &EventKey) -> Result<(), StateError> {
    state.delete(COLLECTION, &key.document_id()).await
}

/// Polls until the claim is done (returns its status), released or expired (`None`
/// after `limit`, or as soon as the claim disappears).
pub async fn wait_done(state: &dyn StateStore, key: &EventKey, limit: Duration) -> Result<Option<String>, StateError> {
    let deadline = tokio::time::Instant::now() + limit;
    let id = key.document_id();
    loop {
        match state.get(COLLECTION, &id).await? {
            Some(doc) if doc.data.get("state").and_then(|s| s.as_str()) == Some("done") => {
                let status = doc.data.get("status").and_then(|s| s.as_str()).unwrap_or("unknown");
                return Ok(Some(status.to_string()));
            }
            Some(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            _ => return Ok(None),
        }
    }
}

/// The status an object was finished with, if it was.
pub async fn done_status(state: &dyn StateStore, key: &EventKey) -> Result<Option<String>, StateError> {
    Ok(state
        .get(COLLECTION, &key.document_id())
        .await?
        .filter(|doc| doc.data.get("state").and_then(|s| s.as_str()) == Some("done"))
        .map(|doc| {
            doc.data
                .get("status")
                .and_then(|s| s.as_str())
                .unwrap_or("unknown")
                .to_string()
        }))
}
