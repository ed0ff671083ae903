//! Phase 6: what users look at.
//!
//! ```text
//! nba-phase6-export-trigger ─push─▶ publishing_export ── documents ──▶ nba-api bucket, v1/…
//!   (consolidator at ≥ 80% coverage,                                     │
//!    grading, the scheduler)                                              ▼
//!                                      publishing_api: GET /v1/…, /v1/predictions?…, /healthz, /
//! ```
//!
//! [`documents`] holds the typed documents (their JSON Schemas: [`schemas`]), [`paths`]
//! where each lives and how long it may be cached, [`export`] how they are built and
//! written ([`store`]: idempotent writes), [`function`] the exporter, [`api`] the HTTP
//! API and the dashboard.

pub mod api;
pub mod documents;
pub mod error;
pub mod export;
pub mod fixture;
pub mod function;
pub mod paths;
pub mod schemas;
pub mod store;

pub use api::API_FUNCTION;
pub use error::PublishError;
pub use export::{ExportReport, Exporter};
pub use function::{EXPORT_FUNCTION, ExportFunction};

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::{Bucket, Config, Topic};
use nba_runtime::Function;

/// This crate's registered names (the exporter leaves its own runs out of `status.json`).
pub const FUNCTIONS: &[&str] = &[EXPORT_FUNCTION, API_FUNCTION];

/// Which topic pushes to which function (the platform and Terraform wire these).
pub fn push_routes() -> &'static [(Topic, &'static str)] {
    &[(Topic::Phase6ExportTrigger, EXPORT_FUNCTION)]
}

/// The exporter, as a runtime function, built from explicit clients and config.
pub fn functions(clients: &Clients, config: &Config) -> Vec<(&'static str, Function)> {
    let exporter = Exporter::new(clients.clone(), config.names().bucket(Bucket::Api));
    vec![(
        EXPORT_FUNCTION,
        Function::CloudEvent(Arc::new(ExportFunction { exporter })),
    )]
}

/// The API's router over the `nba-api` bucket and the warehouse.
pub fn api_router(clients: &Clients, config: &Config) -> std::io::Result<axum::Router> {
    let documents = api::documents::DocumentReader::new(clients.objects.clone(), config.names().bucket(Bucket::Api));
    let state = api::ApiState::new(documents, clients.warehouse.clone())?;
    Ok(api::router(Arc::new(state)))
}
