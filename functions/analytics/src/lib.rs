//! Phase 3: analytics (player and team game summaries, upcoming game context), triggered by nba-phase2-raw-complete.

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;

/// Registered name of the function.
pub const ANALYTICS_FUNCTION: &str = "analytics";

/// The functions of this crate, by registered name, built from explicit clients and config.
pub fn functions(_clients: &Clients, _config: &Config) -> Vec<(&'static str, Function)> {
    Vec::new()
}
