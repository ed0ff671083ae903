//! The vocabulary every crate shares: typed configuration, the names of topics,
//! buckets and datasets, correlation ids and the ET game-date clock.

pub mod config;
pub mod ids;
pub mod messages;
pub mod names;
pub mod time;
pub mod tls;

pub use config::{Config, ConfigError, Environment, FeatureFlags, Timeouts};
pub use ids::{CorrelationId, ExecutionId};
pub use names::{Bucket, Dataset, Names, Topic};

/// The directory of the package whose tests are running, for tests that read the
/// repository's files (contracts, bundled data, generated schemas).
///
/// Read at run time (cargo sets `CARGO_MANIFEST_DIR` for the tests it runs), with the
/// compile-time value as fallback: CI and local checkouts share one target dir, and cargo's
/// artifact hashes are workspace-relative, so a test binary built in another checkout may be
/// reused here with that checkout's path baked into `env!`.
#[macro_export]
macro_rules! package_dir {
    () => {
        ::std::env::var_os("CARGO_MANIFEST_DIR")
            .map(::std::path::PathBuf::from)
            .unwrap_or_else(|| ::std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
    };
}
