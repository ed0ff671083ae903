//! `GET /v1/{document}`: the published documents, from the bucket.
//!
//! Only names of the document table ([`DocPath`]) are served: anything else in the
//! bucket stays private. Bodies are cached in memory per object generation (a
//! metadata read per request tells whether the object changed), with their gzip
//! form and ETag computed once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use nba_cloud::{ObjectStore, ObjectStoreError};

use crate::api::respond::{ApiError, Encoded};
use crate::paths::{DocPath, PathError};

/// Documents kept in memory at most (a season is a few thousand); past it the cache restarts.
const CACHE_LIMIT: usize = 4096;

struct Cached {
    generation: i64,
    encoded: Arc<Encoded>,
}

/// Bucket reads behind a per-generation cache.
pub struct DocumentReader {
    objects: Arc<dyn ObjectStore>,
    bucket: String,
    cache: Mutex<HashMap<String, Cached>>,
}

impl DocumentReader {
    pub fn new(objects: Arc<dyn ObjectStore>, bucket: impl Into<String>) -> Self {
        DocumentReader {
            objects,
            bucket: bucket.into(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The document at `relative` (the path after `/v1/`).
    pub async fn read(&self, relative: &str) -> Result<(DocPath, Arc<Encoded>), ApiError> {
        let path = DocPath::parse(relative).map_err(|e| match e {
            PathError::Unknown(_) => ApiError::NotFound(e.to_string()),
            PathError::BadDate(_) | PathError::BadPlayer(_) => ApiError::BadRequest(e.to_string()),
        })?;
        let name = path.object_name();
        let meta = self
            .objects
            .head(&self.bucket, &name)
            .await
            .map_err(|e| self.error(&path, e))?;
        if let Some(hit) = self.cached(&name, meta.generation) {
            return Ok((path, hit));
        }
        let body = self
            .objects
            .get(&self.bucket, &name)
            .await
            .map_err(|e| self.error(&path, e))?;
        let encoded = Arc::new(Encoded::new(body).map_err(|e| ApiError::Internal(format!("compressing {name}: {e}")))?);
        self.store(name, meta.generation, encoded.clone());
        Ok((path, encoded))
    }

    fn error(&self, path: &DocPath, e: ObjectStoreError) -> ApiError {
        match e {
            ObjectStoreError::NotFound { .. } => {
                ApiError::NotFound(format!("v1/{} is not published (yet)", path.relative()))
            }
            other => ApiError::Unavailable(format!("bucket {}: {other}", self.bucket)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        // A panic while holding the lock cannot leave the map half-updated (single
        // inserts and reads), so a poisoned lock is still usable.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self, name: &str, generation: i64) -> Option<Arc<Encoded>> {
        self.lock()
            .get(name)
            .filter(|c| c.generation == generation)
            .map(|c| c.encoded.clone())
    }

    fn store(&self, name: String, generation: i64, encoded: Arc<Encoded>) {
        let mut cache = self.lock();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(name, Cached { generation, encoded });
    }
}
