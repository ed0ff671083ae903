//! Phase 4: precompute (rolling caches, shot zones, composite factors) and the versioned ML feature store, triggered by nba-phase4-trigger.

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;

/// Registered name of the function.
pub const PRECOMPUTE_FUNCTION: &str = "precompute";

/// The functions of this crate, by registered name, built from explicit clients and config.
pub fn functions(_clients: &Clients, _config: &Config) -> Vec<(&'static str, Function)> {
    Vec::new()
}
