//! The state store (Firestore's role): small documents for locks, batch state
//! and dedup markers, with single-document transactions, create-if-absent and TTL.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Contention or a briefly unavailable store: retry.
    #[error("state store busy: {0}")]
    Busy(String),
    #[error("state store: {0}")]
    Backend(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub collection: String,
    pub id: String,
    pub data: Value,
    pub updated_at: DateTime<Utc>,
    /// After this instant the document is treated as absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a transaction function decides for the document it read.
#[derive(Debug, Clone, PartialEq)]
pub enum TxnOutcome {
    /// Write this value (with an optional TTL from now).
    Write {
        data: Value,
        ttl: Option<Duration>,
    },
    Delete,
    /// Change nothing.
    Keep,
}

/// Whether `create_if_absent` created the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Created {
    Created,
    /// It existed (and had not expired); here is what it holds.
    Exists(Document),
}

pub type TxnFn = Box<dyn FnMut(Option<&Document>) -> TxnOutcome + Send>;

#[async_trait]
pub trait StateStore: Send + Sync {
    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>, StateError>;
    async fn set(&self, collection: &str, id: &str, data: Value, ttl: Option<Duration>) -> Result<(), StateError>;
    async fn create_if_absent(
        &self,
        collection: &str,
        id: &str,
        data: Value,
        ttl: Option<Duration>,
    ) -> Result<Created, StateError>;
    async fn delete(&self, collection: &str, id: &str) -> Result<(), StateError>;
    /// Read-modify-write of one document, atomically (retried by the adapter on
    /// contention). Returns the document as it stands after the transaction.
    async fn transact(&self, collection: &str, id: &str, f: TxnFn) -> Result<Option<Document>, StateError>;
    /// Documents of a collection (unexpired), for status views.
    async fn list(&self, collection: &str) -> Result<Vec<Document>, StateError>;
}
