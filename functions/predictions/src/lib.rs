//! Phase 5: the prediction coordinator, workers and the consolidation under a lock.
//!
//! ```text
//! nba-phase5-trigger ─push─▶ prediction_coordinator (http; also POST /start)
//!        │ one nba-prediction-request per quality-ready player (throttled)
//!        ▼
//! prediction_worker ── every enabled system behind its breaker → prediction_staging
//!        │ nba-prediction-ready (the worker finishing the last player consolidates)
//!        ▼
//! prediction_consolidator ── under the batch lock: player_prop_predictions,
//!        │                   prediction_coverage, staging cleared
//!        ▼ nba-phase5-predictions-complete
//! ```
//!
//! State layout: [`batch`]; the lock: [`lock`]; the steps: [`coordinator`], [`worker`],
//! [`consolidate`], [`coverage`].

pub mod batch;
pub mod breaker;
pub mod consolidate;
pub mod coordinator;
pub mod coverage;
pub mod error;
pub mod function;
pub mod lock;
pub mod messages;
pub mod models;
pub mod pipeline;
pub mod read;
pub mod worker;

pub use consolidate::CONSOLIDATOR_NAME;
pub use coordinator::COORDINATOR_NAME;
pub use function::{ConsolidatorFunction, CoordinatorFunction, WorkerFunction};
pub use pipeline::{Pipeline, Settings, Systems};
pub use worker::WORKER_NAME;

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::{Config, Topic};
use nba_runtime::Function;

/// Registered name of the coordinator (http: `POST /start`, and the phase-5 trigger push).
pub const PREDICTION_COORDINATOR_FUNCTION: &str = COORDINATOR_NAME;
/// Registered name of the worker (cloudevent: `nba-prediction-request`).
pub const PREDICTION_WORKER_FUNCTION: &str = WORKER_NAME;
/// Registered name of the consolidator (cloudevent: `nba-prediction-ready`, stall ticks).
pub const PREDICTION_CONSOLIDATOR_FUNCTION: &str = CONSOLIDATOR_NAME;

/// Which topic pushes to which function (the platform and Terraform wire these):
/// - `Topic::Phase5Trigger` → [`PREDICTION_COORDINATOR_FUNCTION`] (an http function: the
///   push envelope is recognised; `POST /start` is the manual entry);
/// - `Topic::PredictionRequest` → [`PREDICTION_WORKER_FUNCTION`];
/// - `Topic::PredictionReady` → [`PREDICTION_CONSOLIDATOR_FUNCTION`] (publish a
///   [`messages::StallTick`] there, or call [`consolidate::evaluate_stalled`], on a clock tick);
/// - `Topic::Phase5PredictionsComplete` is published by the consolidator, for phase 6.
pub fn push_routes() -> &'static [(Topic, &'static str)] {
    &[
        (Topic::Phase5Trigger, PREDICTION_COORDINATOR_FUNCTION),
        (Topic::PredictionRequest, PREDICTION_WORKER_FUNCTION),
        (Topic::PredictionReady, PREDICTION_CONSOLIDATOR_FUNCTION),
    ]
}

/// The systems enabled by default: nba-systems' standard set without model artifacts,
/// minus the tree systems whose model is not loaded (they would fail every request, and
/// a system that cannot run is not enabled; load artifacts with [`systems_with_models`]).
pub fn default_systems() -> Systems {
    systems_with_models(&nba_systems::Models::none())
}

/// nba-systems' standard set over `models`; members whose model is unloaded are left out.
pub fn systems_with_models(models: &nba_systems::Models) -> Systems {
    let (members, ensembles) = nba_systems::standard_systems(models);
    Systems {
        members: members
            .into_iter()
            .filter(|s| !s.version().ends_with("@unloaded"))
            .collect(),
        ensembles,
    }
}

/// The functions of this crate, by registered name, built from explicit clients and config.
pub fn functions(clients: &Clients, config: &Config) -> Vec<(&'static str, Function)> {
    let names = config.names();
    let models = models::ModelStore::new(clients.objects.clone(), names.bucket(nba_core::Bucket::Models));
    // The configured lock TTL (NBA_TIMEOUT_LOCK_TTL_SECS), as the raw processors' batch lock
    // uses: the local platform shortens it to fit its compressed redelivery window.
    let settings = Settings {
        lock_ttl: config.timeouts.lock_ttl,
        ..Settings::default()
    };
    let pipeline = Pipeline::new(clients.clone(), names, default_systems(), settings).with_models(models);
    functions_with(Arc::new(pipeline))
}

/// The three functions over one pipeline (tests inject systems and settings this way).
pub fn functions_with(pipeline: Arc<Pipeline>) -> Vec<(&'static str, Function)> {
    vec![
        (
            PREDICTION_COORDINATOR_FUNCTION,
            Function::Http(Arc::new(CoordinatorFunction(pipeline.clone()))),
        ),
        (
            PREDICTION_WORKER_FUNCTION,
            Function::CloudEvent(Arc::new(WorkerFunction(pipeline.clone()))),
        ),
        (
            PREDICTION_CONSOLIDATOR_FUNCTION,
            Function::CloudEvent(Arc::new(ConsolidatorFunction(pipeline))),
        ),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_systems_leave_out_unloaded_models() {
        let ids = super::default_systems().ids();
        assert!(ids.contains(&"moving_average".to_string()), "{ids:?}");
        assert!(ids.iter().all(|id| !id.starts_with("gbt")), "{ids:?}");
        assert!(!ids.is_empty());
    }
}
