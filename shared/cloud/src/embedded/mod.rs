//! Embedded local adapters: the whole cloud on one machine, nothing to install.
//!
//! * [`LocalObjectStore`]: files under `<root>/objects/`, GCS-like metadata, finalize notifications;
//! * [`LocalPubSub`]: in-process topics whose push subscriptions POST to function URLs over HTTP;
//! * [`LocalEventarc`]: object finalizes as binary-mode CloudEvents, on top of `LocalPubSub`;
//! * [`DuckDbWarehouse`]: DuckDB in `<root>/warehouse.duckdb`;
//! * [`SqliteStateStore`]: SQLite in `<root>/state.sqlite`, safe across processes;
//! * [`EnvSecrets`] / [`FileSecrets`]: secrets from `NBA_SECRET_*` environment variables or files.
//!
//! [`LocalCloud`] opens all of them wired together (object store → Eventarc →
//! Pub/Sub), which is what a local run or an end-to-end test wants.

pub mod duckdb_ddl;
pub mod eventarc;
pub mod objects;
pub mod pubsub;
pub mod secrets;
pub mod state;
pub mod warehouse;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nba_core::Topic;

pub use eventarc::{LocalEventarc, ObjectFilter};
pub use objects::{FinalizeSink, LocalObjectStore};
pub use pubsub::{
    AttributeFilter, JournalEntry, LocalPubSub, LocalPubSubError, LocalPubSubOptions, PushFormat, SubscriptionConfig,
    SubscriptionStats,
};
pub use secrets::{EnvSecrets, FileSecrets, StaticSecrets};
pub use state::SqliteStateStore;
pub use warehouse::DuckDbWarehouse;

use crate::{Clients, ObjectStoreError, StateError, WarehouseError};

#[derive(Debug, thiserror::Error)]
pub enum LocalCloudError {
    #[error(transparent)]
    Objects(#[from] ObjectStoreError),
    #[error(transparent)]
    PubSub(#[from] LocalPubSubError),
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    #[error(transparent)]
    State(#[from] StateError),
}

/// Options of [`LocalCloud::open`].
#[derive(Debug, Clone)]
pub struct LocalCloudOptions {
    /// Project id shown in Pub/Sub names.
    pub project: String,
    /// Deliver every Pub/Sub message and storage event twice (idempotency tests).
    pub duplicate_deliveries: bool,
    /// Keep the warehouse in memory instead of `<root>/warehouse.duckdb`.
    pub in_memory_warehouse: bool,
    /// Create every pipeline topic and its `-dlq` twin (see `nba_core::Topic`).
    pub create_pipeline_topics: bool,
}

impl Default for LocalCloudOptions {
    fn default() -> Self {
        LocalCloudOptions {
            project: "local".into(),
            duplicate_deliveries: false,
            in_memory_warehouse: false,
            create_pipeline_topics: true,
        }
    }
}

/// All four embedded adapters, wired together, under one data directory.
#[derive(Debug, Clone)]
pub struct LocalCloud {
    root: PathBuf,
    objects: Arc<LocalObjectStore>,
    pubsub: LocalPubSub,
    eventarc: LocalEventarc,
    warehouse: Arc<DuckDbWarehouse>,
    state: Arc<SqliteStateStore>,
}

impl LocalCloud {
    /// Opens (creating) a local cloud under `root`: `objects/`, `objects-meta/`,
    /// `pubsub/`, `warehouse.duckdb`, `state.sqlite`.
    pub fn open(root: &Path, opts: LocalCloudOptions) -> Result<LocalCloud, LocalCloudError> {
        std::fs::create_dir_all(root).map_err(|e| LocalPubSubError::Io(format!("{}: {e}", root.display())))?;
        let pubsub = LocalPubSub::open(
            root,
            LocalPubSubOptions {
                project: opts.project,
                duplicate_deliveries: opts.duplicate_deliveries,
            },
        )?;
        if opts.create_pipeline_topics {
            for topic in Topic::ALL {
                pubsub.create_topic(topic.id());
                pubsub.create_topic(&topic.dead_letter_id());
            }
        }
        let eventarc = LocalEventarc::new(pubsub.clone());
        let objects = LocalObjectStore::open(root)?.with_finalize_sink(Arc::new(eventarc.clone()));
        let warehouse = if opts.in_memory_warehouse {
            DuckDbWarehouse::open_in_memory()?
        } else {
            DuckDbWarehouse::open(&root.join("warehouse.duckdb"))?
        };
        let state = SqliteStateStore::open(&root.join("state.sqlite"))?;
        Ok(LocalCloud {
            root: root.to_owned(),
            objects: Arc::new(objects),
            pubsub,
            eventarc,
            warehouse: Arc::new(warehouse),
            state: Arc::new(state),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn objects(&self) -> &Arc<LocalObjectStore> {
        &self.objects
    }

    /// Topics, push subscriptions, journals and delivery stats.
    pub fn pubsub(&self) -> &LocalPubSub {
        &self.pubsub
    }

    /// Storage triggers.
    pub fn eventarc(&self) -> &LocalEventarc {
        &self.eventarc
    }

    pub fn warehouse(&self) -> &Arc<DuckDbWarehouse> {
        &self.warehouse
    }

    pub fn state(&self) -> &Arc<SqliteStateStore> {
        &self.state
    }

    /// Resolves once no message or storage event is pending or in flight.
    pub async fn wait_idle(&self) {
        self.pubsub.wait_idle().await;
    }

    /// The clients a function gets.
    pub fn clients(&self) -> Clients {
        Clients {
            objects: self.objects.clone(),
            publisher: Arc::new(self.pubsub.clone()),
            warehouse: self.warehouse.clone(),
            state: self.state.clone(),
            // Locally, keys come from the process environment (`NBA_SECRET_*`) and
            // functions call each other on loopback without tokens.
            secrets: Arc::new(secrets::EnvSecrets),
            id_tokens: Arc::new(crate::NoIdTokens),
        }
    }

    pub fn into_clients(self) -> Clients {
        self.clients()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Publisher as _;
    use crate::contract;
    use crate::ports::object_store::PutOptions;
    use axum::http::StatusCode;
    use bytes::Bytes;
    use pubsub::tests::{endpoint, fast};

    #[tokio::test]
    async fn embedded_object_store_passes_contract() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalObjectStore::open(dir.path()).unwrap();
        contract::object_store_contract(&store, "contract-bucket").await;
    }

    #[tokio::test]
    async fn embedded_publisher_passes_contract() {
        let dir = tempfile::tempdir().unwrap();
        let ps = LocalPubSub::open(dir.path(), LocalPubSubOptions::default()).unwrap();
        ps.create_topic("exists");
        contract::publisher_contract(&ps, "exists", "missing").await;
    }

    #[tokio::test]
    async fn embedded_state_store_passes_contract() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStateStore::open(&dir.path().join("state.sqlite")).unwrap();
        contract::state_store_contract(&store).await;
    }

    #[tokio::test]
    async fn embedded_warehouse_passes_contract() {
        contract::warehouse_contract(&DuckDbWarehouse::open_in_memory().unwrap()).await;
        let dir = tempfile::tempdir().unwrap();
        contract::warehouse_contract(&DuckDbWarehouse::open(&dir.path().join("w.duckdb")).unwrap()).await;
    }

    #[tokio::test]
    async fn local_cloud_wires_objects_to_functions() {
        let dir = tempfile::tempdir().unwrap();
        let cloud = LocalCloud::open(dir.path(), LocalCloudOptions::default()).unwrap();
        // A raw processor on storage events that publishes phase-2 completion; a phase-3 function acks it.
        let (p3_url, p3_rec) = endpoint(|_| Some(StatusCode::OK)).await;
        let phase2 = Topic::Phase2RawComplete;
        let sub = fast("phase3", p3_url).with_dead_letter(phase2.dead_letter_id());
        cloud.pubsub().subscribe_push(phase2.id(), sub).unwrap();
        let publisher = cloud.pubsub().clone();
        let app = axum::Router::new().route(
            "/",
            axum::routing::post(move || {
                let publisher = publisher.clone();
                async move {
                    let msg = crate::OutgoingMessage::json(&serde_json::json!({"done": true}), Default::default());
                    publisher.publish(Topic::Phase2RawComplete.id(), msg).await.unwrap();
                    StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let raw_url = reqwest::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let raw = nba_core::Bucket::Raw.id();
        cloud
            .eventarc()
            .subscribe(raw, ObjectFilter::all().excluding("quarantine/"), fast("raw", raw_url))
            .unwrap();

        let clients = cloud.clone().into_clients();
        clients
            .objects
            .put(raw, "x/1.json", Bytes::from_static(b"{}"), PutOptions::default())
            .await
            .unwrap();
        clients
            .objects
            .copy(raw, "x/1.json", "quarantine/x/1.json")
            .await
            .unwrap();
        cloud.wait_idle().await;
        assert_eq!(p3_rec.lock().unwrap().len(), 1);
        assert_eq!(cloud.pubsub().journal(phase2.id()).unwrap().len(), 1);
        assert_eq!(cloud.pubsub().stats("raw").unwrap().acked, 1);
        assert!(dir.path().join("warehouse.duckdb").exists());
        assert!(dir.path().join("state.sqlite").exists());
    }
}
