//! One module per upstream source; each registers its processors (one per scraped
//! kind, routed by key prefix) with [`register`](crate::ProcessorRegistry::register).

pub mod balldontlie;
pub mod basketball_reference;
pub mod bettingpros;
pub mod espn;
pub mod nba_com;
pub mod nbac_schedule;
pub mod odds_api;
pub mod rows;
pub mod sink;
#[cfg(test)]
pub(crate) mod testing;

use crate::ProcessorRegistry;

/// Every processor of the platform.
pub fn register_all(registry: &mut ProcessorRegistry) {
    registry.register(nbac_schedule::NbacScheduleProcessor);
    nba_com::register(registry);
    balldontlie::register(registry);
    espn::register(registry);
    basketball_reference::register(registry);
    odds_api::register(registry);
    bettingpros::register(registry);
}
