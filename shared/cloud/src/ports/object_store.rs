//! Object storage (GCS's role). A completed write is an object *finalize*: the
//! adapter (or GCS itself, via notifications/Eventarc) tells subscribers.

use std::collections::BTreeMap;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ObjectStoreError {
    #[error("object gs://{bucket}/{name} not found")]
    NotFound { bucket: String, name: String },
    #[error("object gs://{bucket}/{name} already exists")]
    AlreadyExists { bucket: String, name: String },
    #[error("object store I/O on gs://{bucket}/{name}: {reason}")]
    Io {
        bucket: String,
        name: String,
        reason: String,
    },
}

/// Metadata of a stored object, shaped after GCS's object resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub bucket: String,
    pub name: String,
    /// GCS generation: changes with every write of the same name.
    pub generation: i64,
    pub size: u64,
    pub content_type: String,
    /// Base64 MD5 of the content, as GCS reports it.
    pub md5_hash: String,
    /// Base64 big-endian CRC32C, as GCS reports it.
    pub crc32c: String,
    pub time_created: DateTime<Utc>,
    /// Custom metadata (e.g. `correlation_id`, `scraper`, `run_id`).
    pub metadata: BTreeMap<String, String>,
}

/// Options of a write.
#[derive(Debug, Clone, Default)]
pub struct PutOptions {
    pub content_type: String,
    pub metadata: BTreeMap<String, String>,
    /// Fail with `AlreadyExists` instead of overwriting (GCS `ifGenerationMatch=0`).
    pub create_only: bool,
    /// Store the body gzip-compressed with `Content-Encoding: gzip` (raw responses
    /// compress ~10×). Readers always get the original bytes back (GCS transcodes);
    /// the reported size and hashes are those of the stored bytes. The embedded
    /// store keeps bodies plain: a local disk has no egress to save.
    pub gzip: bool,
}

#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Writes an object; on success the finalize notification is emitted.
    async fn put(
        &self,
        bucket: &str,
        name: &str,
        body: Bytes,
        opts: PutOptions,
    ) -> Result<ObjectMeta, ObjectStoreError>;
    async fn get(&self, bucket: &str, name: &str) -> Result<Bytes, ObjectStoreError>;
    async fn head(&self, bucket: &str, name: &str) -> Result<ObjectMeta, ObjectStoreError>;
    /// Names under a prefix, sorted.
    async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectMeta>, ObjectStoreError>;
    /// Server-side copy (used to quarantine a bad object without losing it). Emits no finalize
    /// to raw processors' subscriptions for names under `quarantine/`.
    async fn copy(&self, bucket: &str, from: &str, to: &str) -> Result<ObjectMeta, ObjectStoreError>;
    async fn delete(&self, bucket: &str, name: &str) -> Result<(), ObjectStoreError>;
}
