//! Trained model artifacts in the object store, and which ones a game date may use.
//!
//! `nba train --to D` writes `models/{system_id}/{D}.json` to the models bucket: a
//! gradient-boosted model trained on feature rows strictly before D, with its feature
//! contract and training window. A prediction for game date G loads, per tree system,
//! the artifact with the latest cut-off `≤ G` (trained only on games before its
//! cut-off, so never on G itself): walk-forward by construction.

use std::sync::Arc;

use bytes::Bytes;
use chrono::NaiveDate;
use nba_cloud::ObjectStore;
use nba_cloud::ports::object_store::PutOptions;
use nba_systems::gbt::ArtifactError;
use nba_systems::{ModelArtifact, Models};
use tokio::sync::Mutex;

use crate::pipeline::Systems;

/// Tree systems that have artifacts.
pub const TREE_SYSTEMS: [&str; 2] = ["gbt_squared", "gbt_huber"];

#[derive(Debug, thiserror::Error)]
pub enum ModelStoreError {
    #[error("model store: {0}")]
    Store(String),
    #[error("model artifact {key}: {source}")]
    Artifact { key: String, source: ArtifactError },
}

/// The key of a system's artifact with training cut-off `to`.
pub fn artifact_key(system_id: &str, to: NaiveDate) -> String {
    format!("models/{system_id}/{to}.json")
}

/// Artifacts in one bucket, with the systems built from the last ones loaded.
pub struct ModelStore {
    objects: Arc<dyn ObjectStore>,
    bucket: String,
    /// (artifact keys, systems built from them): rebuilt only when the keys change.
    loaded: Mutex<Option<(Vec<String>, Arc<Systems>)>>,
}

impl ModelStore {
    pub fn new(objects: Arc<dyn ObjectStore>, bucket: impl Into<String>) -> Self {
        ModelStore {
            objects,
            bucket: bucket.into(),
            loaded: Mutex::new(None),
        }
    }

    /// Stores an artifact under its system and cut-off; returns its key.
    pub async fn save(&self, artifact: &ModelArtifact, to: NaiveDate) -> Result<String, ModelStoreError> {
        let key = artifact_key(&artifact.system_id, to);
        let json = artifact.to_json();
        let opts = PutOptions {
            content_type: "application/json".into(),
            ..Default::default()
        };
        self.objects
            .put(&self.bucket, &key, Bytes::from(json), opts)
            .await
            .map_err(|e| ModelStoreError::Store(e.to_string()))?;
        Ok(key)
    }

    /// The newest training cut-off of `system_id`'s artifacts that is on or before `date`.
    pub async fn latest_cutoff(&self, system_id: &str, date: NaiveDate) -> Result<Option<NaiveDate>, ModelStoreError> {
        let prefix = format!("models/{system_id}/");
        let listed = self
            .objects
            .list(&self.bucket, &prefix)
            .await
            .map_err(|e| ModelStoreError::Store(e.to_string()))?;
        Ok(listed
            .iter()
            .filter_map(|m| {
                m.name
                    .strip_prefix(&prefix)?
                    .strip_suffix(".json")?
                    .parse::<NaiveDate>()
                    .ok()
            })
            .filter(|to| *to <= date)
            .max())
    }

    /// The key of the newest artifact of `system_id` usable on `date` (see [`Self::latest_cutoff`]).
    pub async fn latest_key(&self, system_id: &str, date: NaiveDate) -> Result<Option<String>, ModelStoreError> {
        Ok(self
            .latest_cutoff(system_id, date)
            .await?
            .map(|to| artifact_key(system_id, to)))
    }

    /// The systems for game date `date`: every tree system with its latest usable
    /// artifact (left out when it has none), built once per set of artifacts.
    pub async fn systems_for(&self, date: NaiveDate) -> Result<Arc<Systems>, ModelStoreError> {
        let mut keys = Vec::new();
        for id in TREE_SYSTEMS {
            keys.push(self.latest_key(id, date).await?);
        }
        let wanted: Vec<String> = keys.iter().flatten().cloned().collect();
        let mut loaded = self.loaded.lock().await;
        if let Some((k, systems)) = loaded.as_ref()
            && *k == wanted
        {
            return Ok(systems.clone());
        }
        let mut jsons = Vec::new();
        for key in &keys {
            jsons.push(match key {
                Some(key) => Some(self.read(key).await?),
                None => None,
            });
        }
        let models =
            Models::from_json(jsons[0].as_deref(), jsons[1].as_deref()).map_err(|e| ModelStoreError::Artifact {
                key: wanted.join(","),
                source: e,
            })?;
        let systems = Arc::new(crate::systems_with_models(&models));
        *loaded = Some((wanted, systems.clone()));
        Ok(systems)
    }

    async fn read(&self, key: &str) -> Result<String, ModelStoreError> {
        let bytes = self
            .objects
            .get(&self.bucket, key)
            .await
            .map_err(|e| ModelStoreError::Store(format!("{key}: {e}")))?;
        String::from_utf8(bytes.to_vec()).map_err(|e| ModelStoreError::Store(format!("{key}: {e}")))
    }
}
