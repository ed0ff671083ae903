//! Phase 4: precompute and the ML feature store.
//!
//! [`PrecomputeFunction`] takes `nba-phase4-trigger` for a game date D and writes,
//! in order, `nba_precompute.player_daily_cache`, `player_shot_zone_analysis`,
//! `team_defense_zone_analysis`, `player_composite_factors` and
//! `nba_predictions.ml_feature_store`, publishing `nba-phase4-precompute-complete`
//! after each.
//!
//! Point in time by construction: [`inputs::Inputs::load`] is the only code that
//! reads the warehouse, and it reads history with `game_date < D` and D's upcoming
//! context only; everything after it is a pure function of those inputs.
//! The feature contract (names, order, version, defaults) is `nba-features`.

pub mod cache;
pub mod composite;
pub mod compute;
pub mod feature_store;
pub mod function;
pub mod history;
pub mod inputs;
pub mod shot_zones;
pub mod stats;
pub mod team_defense_zones;
pub mod testing;

pub use compute::{Computed, compute};
pub use function::{
    ML_FEATURE_STORE, PLAYER_COMPOSITE_FACTORS, PLAYER_DAILY_CACHE, PLAYER_SHOT_ZONE_ANALYSIS, PRECOMPUTE_FUNCTION,
    PROCESSORS, PrecomputeFunction, TEAM_DEFENSE_ZONE_ANALYSIS,
};
pub use inputs::Inputs;
/// The feature contract, re-exported so phase 5 can depend on either crate.
pub use nba_features as features;

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;

/// The functions of this crate, by registered name, built from explicit clients and config.
pub fn functions(clients: &Clients, config: &Config) -> Vec<(&'static str, Function)> {
    let f = PrecomputeFunction::with_lock_ttl(clients.clone(), config.names(), config.timeouts.lock_ttl);
    vec![(PRECOMPUTE_FUNCTION, Function::CloudEvent(Arc::new(f)))]
}
