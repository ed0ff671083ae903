//! Cloud ports and adapters.
//!
//! Functions talk only to the traits in [`ports`]. The embedded adapters in
//! [`embedded`] run the whole platform on one machine with no server to install:
//! a local object store, an in-process Pub/Sub that pushes over real HTTP, an
//! embedded DuckDB warehouse and an SQLite state store that is safe across
//! processes. The Google Cloud adapters ([`gcp`], feature `gcp`) implement the
//! same traits.

pub mod coalesced;
#[cfg(any(test, feature = "contract-tests"))]
pub mod contract;
pub mod embedded;
#[cfg(feature = "gcp")]
pub mod gcp;
pub mod lock;
pub mod ports;
pub mod writer;

pub use ports::id_token::{IdTokenError, IdTokenSource, NoIdTokens};
pub use ports::object_store::{ObjectMeta, ObjectStore, ObjectStoreError};
pub use ports::pubsub::{OutgoingMessage, PubSubError, Publisher};
pub use ports::secrets::{Secret, SecretError, SecretSource};
pub use ports::state::{Document, StateError, StateStore, TxnOutcome};
pub use ports::warehouse::{PartitionRange, Warehouse, WarehouseError, WriteStats};

use std::sync::Arc;

/// The set of clients a function needs, passed explicitly (no globals).
#[derive(Clone)]
pub struct Clients {
    pub objects: Arc<dyn ObjectStore>,
    pub publisher: Arc<dyn Publisher>,
    pub warehouse: Arc<dyn Warehouse>,
    pub state: Arc<dyn StateStore>,
    /// API keys (the environment locally, Secret Manager in the cloud).
    pub secrets: Arc<dyn SecretSource>,
    /// ID tokens for calling another function (none locally, the metadata server on Cloud Run).
    pub id_tokens: Arc<dyn IdTokenSource>,
}

/// Why [`connect`] could not build clients.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "backend gcp: this build has no Google Cloud adapters (build with the `gcp` feature) or use NBA_BACKEND=embedded"
    )]
    GcpUnavailable,
    #[cfg(feature = "gcp")]
    #[error(transparent)]
    Gcp(#[from] gcp::GcpError),
    #[error(transparent)]
    Local(#[from] embedded::LocalCloudError),
}

/// The clients for `config.backend`: the embedded local cloud under the
/// environment's data directory, or Google Cloud.
pub fn connect(config: &nba_core::Config) -> Result<Clients, ConnectError> {
    match config.backend {
        nba_core::config::Backend::Embedded => {
            let options = embedded::LocalCloudOptions {
                project: config.project_id.clone(),
                ..Default::default()
            };
            Ok(embedded::LocalCloud::open(&config.env_dir(), options)?.into_clients())
        }
        nba_core::config::Backend::Gcp => connect_gcp(config),
    }
}

/// Google Cloud: GCS, Pub/Sub, BigQuery and Firestore (emulators when their
/// `*_EMULATOR_HOST` variables are set).
#[cfg(feature = "gcp")]
fn connect_gcp(config: &nba_core::Config) -> Result<Clients, ConnectError> {
    let options = gcp::GcpOptions::from_env(&config.project_id, config.environment);
    Ok(gcp::GcpCloud::connect(&options)?.into_clients())
}

#[cfg(not(feature = "gcp"))]
fn connect_gcp(_config: &nba_core::Config) -> Result<Clients, ConnectError> {
    Err(ConnectError::GcpUnavailable)
}
