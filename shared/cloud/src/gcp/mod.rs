//! Google Cloud adapters (feature `gcp`): the same ports as [`crate::embedded`], on
//! Cloud Storage, Pub/Sub, BigQuery, Firestore and Secret Manager, over their REST APIs.
//!
//! One `reqwest` client is shared by every adapter (connection reuse); credentials are
//! Application Default Credentials, except towards an emulator named by
//! `STORAGE_EMULATOR_HOST`, `PUBSUB_EMULATOR_HOST`, `FIRESTORE_EMULATOR_HOST` or
//! `BIGQUERY_EMULATOR_HOST`, which gets an explicit endpoint and anonymous credentials
//! (the official Google crates do not read those variables themselves). Nothing secret
//! is configured or logged: tokens exist only in request headers.
//!
//! Why REST rather than the official gRPC-based crates: every operation here is then
//! testable against the emulators available (see `gcs` for the one that is not).

pub mod bigquery;
pub mod firestore;
pub mod gcs;
pub mod id_token;
pub mod pubsub;
pub mod rest;
pub mod secret_manager;

use std::sync::Arc;

pub use bigquery::BigQueryWarehouse;
pub use firestore::FirestoreStateStore;
pub use gcs::GcsObjectStore;
pub use id_token::MetadataIdTokens;
pub use pubsub::{BatchSettings, PubSubPublisher};
pub use rest::{Auth, Rest, RestError};
pub use secret_manager::SecretManagerSource;

use crate::Clients;

const STORAGE_API: &str = "https://storage.googleapis.com";
const PUBSUB_API: &str = "https://pubsub.googleapis.com";
const FIRESTORE_API: &str = "https://firestore.googleapis.com";
const BIGQUERY_API: &str = "https://bigquery.googleapis.com";
const SECRET_MANAGER_API: &str = "https://secretmanager.googleapis.com";
/// A Google API that does not accept a connection in this long is unreachable.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Longest single API call (BigQuery queries wait up to 20 s server-side, then poll).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Installs the process's rustls provider (reqwest is built without one).
pub fn install_tls() {
    nba_core::tls::install_crypto_provider();
}

/// Why the Google adapters could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GcpError {
    #[error("Google credentials: {0}")]
    Credentials(#[source] RestError),
    #[error("HTTP client: {0}")]
    Http(String),
}

/// Where each API is and who we are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcpOptions {
    pub project: String,
    /// Base URLs; an emulator when the matching `*_EMULATOR_HOST` is set.
    pub storage_endpoint: String,
    pub pubsub_endpoint: String,
    pub firestore_endpoint: String,
    pub bigquery_endpoint: String,
    pub secret_manager_endpoint: String,
    /// Which endpoints are emulators (anonymous credentials).
    pub storage_emulated: bool,
    pub pubsub_emulated: bool,
    pub firestore_emulated: bool,
    pub bigquery_emulated: bool,
    pub firestore_database: String,
    /// Prefix of Secret Manager ids (the environment, e.g. `dev-`).
    pub secret_prefix: String,
    /// Environment names: BigQuery datasets are `{env}_nba_…`, as Terraform creates them.
    pub names: nba_core::Names,
    /// The metadata server, which mints ID tokens on Cloud Run (`GCE_METADATA_HOST`
    /// overrides it, as Google's own libraries allow).
    pub metadata_endpoint: String,
}

impl GcpOptions {
    /// Production endpoints, with each emulator variable honoured when it is set.
    pub fn from_env(project: &str, environment: nba_core::config::Environment) -> Self {
        let var = |k: &str| std::env::var(k).ok();
        let mut opts = Self::with_emulators(
            project,
            environment,
            var("STORAGE_EMULATOR_HOST").as_deref(),
            var("PUBSUB_EMULATOR_HOST").as_deref(),
            var("FIRESTORE_EMULATOR_HOST").as_deref(),
        );
        opts.set_bigquery_emulator(var("BIGQUERY_EMULATOR_HOST").as_deref());
        if let Some(host) = var("GCE_METADATA_HOST") {
            opts.metadata_endpoint = rest::endpoint_from(Some(&host), id_token::METADATA_SERVER).0;
        }
        opts
    }

    /// As [`GcpOptions::from_env`], with the emulator hosts given (`host:port` or a URL).
    pub fn with_emulators(
        project: &str,
        environment: nba_core::config::Environment,
        storage: Option<&str>,
        pubsub: Option<&str>,
        firestore: Option<&str>,
    ) -> Self {
        let (storage_endpoint, storage_emulated) = rest::endpoint_from(storage, STORAGE_API);
        let (pubsub_endpoint, pubsub_emulated) = rest::endpoint_from(pubsub, PUBSUB_API);
        let (firestore_endpoint, firestore_emulated) = rest::endpoint_from(firestore, FIRESTORE_API);
        let (bigquery_endpoint, bigquery_emulated) = rest::endpoint_from(None, BIGQUERY_API);
        GcpOptions {
            project: project.to_owned(),
            storage_endpoint,
            pubsub_endpoint,
            firestore_endpoint,
            bigquery_endpoint,
            secret_manager_endpoint: SECRET_MANAGER_API.to_owned(),
            storage_emulated,
            pubsub_emulated,
            firestore_emulated,
            bigquery_emulated,
            firestore_database: "(default)".to_owned(),
            secret_prefix: format!("{}-", environment.as_str()),
            names: nba_core::Names::new(environment, nba_core::names::Scope::Cloud),
            metadata_endpoint: id_token::METADATA_SERVER.to_owned(),
        }
    }
}

impl GcpOptions {
    /// Points the warehouse at a BigQuery emulator (`host:port` or a URL); `None` keeps
    /// the production endpoint.
    pub fn set_bigquery_emulator(&mut self, host: Option<&str>) {
        (self.bigquery_endpoint, self.bigquery_emulated) = rest::endpoint_from(host, BIGQUERY_API);
    }
}

/// The Google adapters, sharing one HTTP client.
#[derive(Clone, Debug)]
pub struct GcpCloud {
    pub objects: Arc<GcsObjectStore>,
    pub publisher: Arc<PubSubPublisher>,
    pub state: Arc<FirestoreStateStore>,
    pub warehouse: Arc<BigQueryWarehouse>,
    pub secrets: Arc<SecretManagerSource>,
    pub id_tokens: Arc<MetadataIdTokens>,
}

impl GcpCloud {
    /// Builds the adapters. ADC is loaded only if some API is not emulated.
    pub fn connect(opts: &GcpOptions) -> Result<GcpCloud, GcpError> {
        install_tls();
        let http = reqwest::Client::builder()
            .user_agent(concat!("nba-props/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| GcpError::Http(e.to_string()))?;
        let adc = std::sync::OnceLock::new();
        let auth = |emulated: bool| -> Result<Auth, GcpError> {
            if emulated {
                return Ok(Auth::Anonymous);
            }
            if let Some(a) = adc.get() {
                return Ok(Clone::clone(a));
            }
            let loaded = Auth::application_default().map_err(GcpError::Credentials)?;
            Ok(adc.get_or_init(|| loaded).clone())
        };
        let rest = |base: &str, emulated: bool| auth(emulated).map(|a| Rest::new(http.clone(), base, a));
        Ok(GcpCloud {
            objects: Arc::new(GcsObjectStore::new(rest(
                &opts.storage_endpoint,
                opts.storage_emulated,
            )?)),
            publisher: Arc::new(PubSubPublisher::new(
                rest(&opts.pubsub_endpoint, opts.pubsub_emulated)?,
                &opts.project,
                BatchSettings::default(),
            )),
            state: Arc::new(FirestoreStateStore::new(
                rest(&opts.firestore_endpoint, opts.firestore_emulated)?,
                &opts.project,
                &opts.firestore_database,
            )),
            warehouse: Arc::new(
                BigQueryWarehouse::new(rest(&opts.bigquery_endpoint, opts.bigquery_emulated)?, &opts.project)
                    .with_names(opts.names.clone()),
            ),
            secrets: Arc::new(SecretManagerSource::new(
                rest(&opts.secret_manager_endpoint, false)?,
                &opts.project,
                &opts.secret_prefix,
            )),
            id_tokens: Arc::new(MetadataIdTokens::new(http.clone(), &opts.metadata_endpoint)),
        })
    }

    /// The clients a function gets.
    pub fn into_clients(self) -> Clients {
        Clients {
            objects: self.objects,
            publisher: self.publisher,
            warehouse: self.warehouse,
            state: self.state,
            secrets: self.secrets,
            id_tokens: self.id_tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nba_core::config::Environment;

    #[test]
    fn emulator_variables_select_anonymous_local_endpoints() {
        let o = GcpOptions::with_emulators(
            "p",
            Environment::Dev,
            Some("127.0.0.1:4443"),
            None,
            Some("localhost:8086"),
        );
        assert_eq!(
            (o.storage_endpoint.as_str(), o.storage_emulated),
            ("http://127.0.0.1:4443", true)
        );
        assert_eq!((o.pubsub_endpoint.as_str(), o.pubsub_emulated), (PUBSUB_API, false));
        assert_eq!(
            (o.firestore_endpoint.as_str(), o.firestore_emulated),
            ("http://localhost:8086", true)
        );
        assert_eq!(o.secret_prefix, "dev-");
    }
}
