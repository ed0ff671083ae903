//! Raw processors for The Odds API objects: the event list (event id → NBA
//! game), player prop snapshots and game-line snapshots, live and historical.
//!
//! Props and lines are taken a date at a time ([`Mode::BatchByDate`](crate::processor::Mode)):
//! many small files (one per event, every couple of hours) land together.

pub mod events;
pub mod game_lines;
pub mod player_props;
pub(crate) mod price;
pub(crate) mod prop_checks;

use chrono::{DateTime, NaiveDate, Utc};
use nba_upstream::odds_api::Event;

use crate::ProcessorRegistry;

pub fn register(registry: &mut ProcessorRegistry) {
    registry.register(events::EventsProcessor::LIVE);
    registry.register(events::EventsProcessor::HISTORICAL);
    registry.register(player_props::PlayerPropsProcessor::LIVE);
    registry.register(player_props::PlayerPropsProcessor::HISTORICAL);
    for kind in game_lines::Kind::ALL {
        registry.register(game_lines::GameLinesProcessor(kind));
    }
}

/// What every Odds API row says about its game: the ET date and the NBA
/// teams, so events join NBA games on (game_date, home, away).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Game {
    pub game_date: NaiveDate,
    pub commence_time: DateTime<Utc>,
    /// NBA tricode, or the full name as sent when it is none of the 30 teams
    /// (the row then fails the tricode check and is kept with that reason).
    pub home_tricode: String,
    pub away_tricode: String,
    /// `YYYYMMDD_AWAY_HOME`.
    pub game_code: String,
}

impl Game {
    pub fn of(event: &Event) -> Self {
        // The ET day of the tip: a 22:30 ET tip is 02:30 UTC the next day.
        let game_date = nba_core::time::et_date(event.commence_time);
        let home_tricode = event.home_tricode.clone().unwrap_or_else(|| event.home_team.clone());
        let away_tricode = event.away_tricode.clone().unwrap_or_else(|| event.away_team.clone());
        Game {
            game_code: format!("{}_{away_tricode}_{home_tricode}", game_date.format("%Y%m%d")),
            game_date,
            commence_time: event.commence_time,
            home_tricode,
            away_tricode,
        }
    }
}
