//! "Have I processed this object generation already?" — a claim in the state
//! store, keyed by bucket/name/generation. Redeliveries of a finished object are
//! skipped; a delivery racing one in progress is retried later; a claim whose
//! holder died expires (TTL) and is taken over.
//!
//! The collection carries the environment prefix ([`Names::collection`]): two
//! environments sharing a Firestore database must not see each other's claims.

use std::sync::Arc;
use std::time::Duration;

use nba_cloud::ports::state::Created;
use nba_cloud::{StateError, StateStore};
use nba_core::Names;
use nba_dedup::EventKey;
use serde_json::json;

/// The collection's id before the environment prefix.
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

/// The claims of one environment.
#[derive(Clone)]
pub struct Claims {
    state: Arc<dyn StateStore>,
    collection: String,
}

impl Claims {
    pub fn new(state: Arc<dyn StateStore>, names: &Names) -> Self {
        Claims {
            state,
            collection: names.collection(COLLECTION),
        }
    }

    /// The collection's full (prefixed) id.
    pub fn collection(&self) -> &str {
        &self.collection
    }

    pub async fn acquire(&self, key: &EventKey, owner: &str, ttl: Duration) -> Result<Claim, StateError> {
        let doc = json!({"state": "in_progress", "owner": owner});
        match self
            .state
            .create_if_absent(&self.collection, &key.document_id(), doc, Some(ttl))
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
    pub async fn finish(&self, key: &EventKey, owner: &str, status: &str) -> Result<(), StateError> {
        self.state
            .set(
                &self.collection,
                &key.document_id(),
                json!({"state": "done", "owner": owner, "status": status}),
                None,
            )
            .await
    }

    /// Gives the claim up after a transient failure so a redelivery can proceed.
    pub async fn release(&self, key: &EventKey) -> Result<(), StateError> {
        self.state.delete(&self.collection, &key.document_id()).await
    }

    /// Polls until the claim is done (returns its status), released or expired (`None`
    /// after `limit`, or as soon as the claim disappears).
    pub async fn wait_done(&self, key: &EventKey, limit: Duration) -> Result<Option<String>, StateError> {
        let deadline = tokio::time::Instant::now() + limit;
        let id = key.document_id();
        loop {
            match self.state.get(&self.collection, &id).await? {
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
    pub async fn done_status(&self, key: &EventKey) -> Result<Option<String>, StateError> {
        Ok(self
            .state
            .get(&self.collection, &key.document_id())
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
}
