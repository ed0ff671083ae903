//! Phase transitions: completion tracking per game date and the exactly-once phase 3->4 and 4->5 triggers.

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;

/// Registered name of the function.
pub const TRANSITIONS_FUNCTION: &str = "transitions";

/// The functions of this crate, by registered name, built from explicit clients and config.
pub fn functions(_clients: &Clients, _config: &Config) -> Vec<(&'static str, Function)> {
    Vec::new()
}
