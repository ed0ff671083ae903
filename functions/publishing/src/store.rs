//! Writing documents to the `nba-api` bucket, idempotently.
//!
//! Each object carries, in its metadata, a SHA-256 of its content without
//! `generated_at`: a re-export whose content did not change writes nothing, so the
//! object's generation, its ETag and every client cache stay valid.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use nba_cloud::ports::object_store::PutOptions;
use nba_cloud::{ObjectStore, ObjectStoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::PublishError;
use crate::paths::DocPath;

/// Metadata key of the content hash.
pub const CONTENT_HASH: &str = "content_sha256";
/// Metadata key of the Cache-Control a document is served with (GCS serves it as is).
pub const CACHE_CONTROL: &str = "cache_control";
/// Top-level fields left out of the content hash.
const VOLATILE: &[&str] = &["generated_at"];

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Written,
    Unchanged,
}

#[derive(Clone)]
pub struct DocumentStore {
    objects: Arc<dyn ObjectStore>,
    bucket: String,
}

impl DocumentStore {
    pub fn new(objects: Arc<dyn ObjectStore>, bucket: impl Into<String>) -> Self {
        DocumentStore {
            objects,
            bucket: bucket.into(),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn object_error(&self, name: &str) -> impl FnOnce(ObjectStoreError) -> PublishError {
        let (bucket, name) = (self.bucket.clone(), name.to_string());
        move |source| PublishError::Object { bucket, name, source }
    }

    /// Writes `doc` at `path` unless the stored content is the same.
    pub async fn put<T: Serialize>(&self, path: &DocPath, doc: &T) -> Result<Written, PublishError> {
        let name = path.object_name();
        let encode = |source| PublishError::Encode {
            what: name.clone(),
            source,
        };
        let value = serde_json::to_value(doc).map_err(encode)?;
        let hash = content_hash(&value).map_err(encode)?;
        match self.objects.head(&self.bucket, &name).await {
            Ok(meta) if meta.metadata.get(CONTENT_HASH) == Some(&hash) => return Ok(Written::Unchanged),
            Ok(_) | Err(ObjectStoreError::NotFound { .. }) => {}
            Err(e) => return Err(self.object_error(&name)(e)),
        }
        let body = serde_json::to_vec(&value).map_err(encode)?;
        let options = PutOptions {
            content_type: "application/json".into(),
            metadata: BTreeMap::from([
                (CONTENT_HASH.to_string(), hash),
                (CACHE_CONTROL.to_string(), path.freshness().cache_control().to_string()),
            ]),
            create_only: false,
            gzip: false,
        };
        self.objects
            .put(&self.bucket, &name, Bytes::from(body), options)
            .await
            .map_err(self.object_error(&name))?;
        Ok(Written::Written)
    }

    /// The stored document at `path`, if any.
    pub async fn get<T: DeserializeOwned>(&self, path: &DocPath) -> Result<Option<T>, PublishError> {
        let name = path.object_name();
        let bytes = match self.objects.get(&self.bucket, &name).await {
            Ok(bytes) => bytes,
            Err(ObjectStoreError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.object_error(&name)(e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| PublishError::BadDocument {
                bucket: self.bucket.clone(),
                name,
                reason: e.to_string(),
            })
    }
}

/// SHA-256 (hex) of the document without its volatile fields.
pub fn content_hash(value: &Value) -> Result<String, serde_json::Error> {
    let mut stable = value.clone();
    if let Value::Object(map) = &mut stable {
        for field in VOLATILE {
            map.remove(*field);
        }
    }
    Ok(hex::encode(Sha256::digest(serde_json::to_vec(&stable)?)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_hash_ignores_generated_at_only() {
        let a = json!({"generated_at": "2025-01-10T12:00:00Z", "x": 1});
        let b = json!({"generated_at": "2025-01-11T12:00:00Z", "x": 1});
        let c = json!({"generated_at": "2025-01-10T12:00:00Z", "x": 2});
        assert_eq!(content_hash(&a).unwrap(), content_hash(&b).unwrap());
        assert_ne!(content_hash(&a).unwrap(), content_hash(&c).unwrap());
    }
}
