//! Helpers for the end-to-end tests: JSON contracts from `events/`, and fault
//! injection wrappers around real functions.
//!
//! A module every test file includes (`mod common;`), not a library: the e2e crate then has
//! only test targets, so `cargo build` never compiles its dependencies (jsonschema…).
// Each test binary uses only some of the helpers.
#![allow(dead_code)]

pub mod browser;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use cloudevents::Event;
use nba_runtime::{CloudEventFunction, FunctionError, Invocation, Outcome};

use serde_json::Value;

/// The repository root.
pub fn repo_root() -> PathBuf {
    nba_core::package_dir!().join("..")
}

/// The bundled season.
pub fn bundled_season() -> PathBuf {
    repo_root().join("data/season-2024-25")
}

/// Loads `events/<path>` as JSON.
pub fn contract(path: &str) -> Value {
    let file = repo_root().join("events").join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Validates `instance` against the schema at `events/<schema_path>`; returns every error.
pub fn schema_errors(schema_path: &str, instance: &Value) -> Vec<String> {
    let schema = contract(schema_path);
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{schema_path}: {e}"));
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Wraps a CloudEvent function so its first `failures` calls fail transiently
/// (as a crashed or overloaded instance would), then delegates.
pub struct FailFirst {
    pub inner: Arc<dyn CloudEventFunction>,
    pub failures: u32,
    pub calls: AtomicU32,
}

impl FailFirst {
    pub fn new(inner: Arc<dyn CloudEventFunction>, failures: u32) -> Self {
        FailFirst {
            inner,
            failures,
            calls: AtomicU32::new(0),
        }
    }
}

#[async_trait]
impl CloudEventFunction for FailFirst {
    async fn call(&self, inv: &Invocation, event: Event) -> Result<Outcome, FunctionError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.failures {
            return Err(FunctionError::Transient(format!(
                "injected failure {} of {}",
                n + 1,
                self.failures
            )));
        }
        self.inner.call(inv, event).await
    }
}

/// Local-platform options for a test: the bundled season in `dir`, quick redelivery.
pub fn platform_options(dir: &std::path::Path, duplicate_deliveries: bool) -> nba_cli::PlatformOptions {
    let config = nba_core::Config {
        data_dir: dir.to_path_buf(),
        ..nba_core::Config::default()
    };
    nba_cli::PlatformOptions {
        delivery: nba_cli::DeliveryPolicy {
            min_backoff: std::time::Duration::from_millis(20),
            max_backoff: std::time::Duration::from_secs(1),
            max_attempts: 5,
            ack_deadline: std::time::Duration::from_secs(60),
        },
        ..nba_cli::PlatformOptions::replay(config, bundled_season(), duplicate_deliveries)
    }
}

/// The local platform with phase 6's fixture slate (`nba_publishing::fixture`) seeded,
/// the night before graded and the slate exported, by the real functions over Pub/Sub
/// push. Returns the chain's correlation id.
pub async fn published_slate(dir: &std::path::Path) -> (nba_cli::LocalPlatform, nba_core::CorrelationId) {
    use nba_publishing::fixture;
    let platform = nba_cli::LocalPlatform::start(platform_options(dir, false))
        .await
        .unwrap();
    fixture::seed(platform.clients.warehouse.as_ref(), 1.0, 0)
        .await
        .unwrap();
    let chain = nba_core::CorrelationId::new();
    // Grading the night before triggers its export; the scheduler exports the slate.
    platform.grade(fixture::graded_date(), &chain).await.unwrap();
    platform.settle().await;
    platform.export(fixture::slate_date(), &chain).await.unwrap();
    platform.settle().await;
    (platform, chain)
}
