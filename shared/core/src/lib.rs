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
