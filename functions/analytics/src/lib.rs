//! Phase 3: analytics (player and team game summaries, upcoming game context),
//! triggered by `nba-phase2-raw-complete`.
//!
//! [`AnalyticsFunction`] routes each raw-complete message by the table it names
//! ([`routing`]): box scores (players' or teams') recompute the date's post-game
//! summaries (team offence and defence first, from the official team box score
//! when there is one, then players, whose usage needs team totals);
//! lines, schedule, rosters and injuries recompute the date's upcoming context.
//! Dependency gates ([`gates`]) refuse dates that inputs cannot describe yet.
//! Formulas live in [`formulas`], pure and unit-tested.

pub mod box_score;
pub mod error;
pub mod formulas;
pub mod function;
pub mod gates;
pub mod lines;
pub mod player_summary;
pub mod read;
pub mod routing;
pub mod schedule;
pub mod team_summary;
pub mod upcoming;

pub use error::AnalyticsError;
pub use function::{ANALYTICS_FUNCTION, AnalyticsFunction};

use std::sync::Arc;

use nba_cloud::Clients;
use nba_core::Config;
use nba_runtime::Function;
use nba_schemas::tables::{analytics, raw, raw_balldontlie, raw_espn_br, raw_nba_com, raw_odds};
use nba_schemas::{Table, TableSchema};

/// Processor names, as published in `nba-phase3-analytics-complete`.
pub const TEAM_OFFENSE_GAME_SUMMARY: &str = "team_offense_game_summary";
pub const TEAM_DEFENSE_GAME_SUMMARY: &str = "team_defense_game_summary";
pub const PLAYER_GAME_SUMMARY: &str = "player_game_summary";
pub const UPCOMING_PLAYER_GAME_CONTEXT: &str = "upcoming_player_game_context";
pub const UPCOMING_TEAM_GAME_CONTEXT: &str = "upcoming_team_game_context";
/// Every phase-3 processor, in the order they run.
pub const PROCESSORS: &[&str] = &[
    TEAM_OFFENSE_GAME_SUMMARY,
    TEAM_DEFENSE_GAME_SUMMARY,
    PLAYER_GAME_SUMMARY,
    UPCOMING_PLAYER_GAME_CONTEXT,
    UPCOMING_TEAM_GAME_CONTEXT,
];

/// Raw tables phase 3 reads.
pub const TABLES_READ: &[&TableSchema] = &[
    raw::NbacSchedule::SCHEMA,
    raw_nba_com::NbacPlayerBoxscore::SCHEMA,
    raw_nba_com::NbacLiveBoxscore::SCHEMA,
    raw_nba_com::NbacTeamBoxscore::SCHEMA,
    raw_nba_com::NbacPlayerList::SCHEMA,
    raw_balldontlie::BdlPlayerBoxscore::SCHEMA,
    raw_balldontlie::BdlInjury::SCHEMA,
    raw_espn_br::EspnBoxscore::SCHEMA,
    raw_odds::OddsApiEvent::SCHEMA,
    raw_odds::OddsApiPlayerProp::SCHEMA,
    raw_odds::OddsApiGameLine::SCHEMA,
];
/// Tables phase 3 writes (and reads back for history).
pub const TABLES_WRITTEN: &[&TableSchema] = analytics::TABLES;

/// The functions of this crate, by registered name, built from explicit clients and config.
pub fn functions(clients: &Clients, config: &Config) -> Vec<(&'static str, Function)> {
    let analytics = AnalyticsFunction::with_lock_ttl(clients.clone(), config.names(), config.timeouts.lock_ttl);
    vec![(ANALYTICS_FUNCTION, Function::CloudEvent(Arc::new(analytics)))]
}
