//! Phase 5: the prediction coordinator, workers, consolidation and grading.

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;

/// The functions of this crate, by registered name, built from explicit clients and config.
pub fn functions(_clients: &Clients, _config: &Config) -> Vec<(&'static str, Function)> {
    Vec::new()
}
