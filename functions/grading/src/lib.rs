//! Grading of predictions (function `grading`, triggered by `nba-grading-trigger`)
//! and the walk-forward evaluation harness behind `nba evaluate`.
//!
//! [`grade`] holds the rules (pure, shared by both), [`performance`] the per-system
//! tallies, [`read`] the join inputs, [`function`] the CloudEvent function, and
//! [`evaluate`] the harness.

pub mod error;
pub mod evaluate;
pub mod function;
pub mod grade;
pub mod performance;
pub mod read;
pub mod trigger;

pub use error::GradingError;
pub use function::{GRADING_FUNCTION, GradingFunction};
pub use trigger::GradingTrigger;

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;
use nba_schemas::TableSchema;
use nba_schemas::tables::grading;

/// Tables grading writes.
pub const TABLES_WRITTEN: &[&TableSchema] = grading::TABLES;

/// The functions of this crate, by registered name, built from explicit clients and config.
pub fn functions(clients: &Clients, config: &Config) -> Vec<(&'static str, Function)> {
    let grading = GradingFunction::new(clients.clone(), config.names());
    vec![(GRADING_FUNCTION, Function::CloudEvent(Arc::new(grading)))]
}
