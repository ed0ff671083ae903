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

#[cfg(test)]
pub(crate) mod test_support {
    use chrono::{DateTime, Utc};
    use nba_schemas::{TableSchema, validate_row};

    use crate::processor::{Parsed, RawObject, RawProcessor, game_date_from_key, scraped_at_from_key};

    /// Parses `body` as if stored under `key` (`gs://raw/<key>`).
    pub fn parse_at(p: &dyn RawProcessor, key: &str, body: &[u8]) -> Result<Parsed, crate::processor::ParseError> {
        let uri = format!("gs://raw/{key}");
        let object = RawObject {
            uri: &uri,
            key,
            body,
            game_date: game_date_from_key(key),
            scraped_at: scraped_at_from_key(key).unwrap_or_else(Utc::now),
        };
        p.parse(&object)
    }

    /// The rows of `T`'s table, each checked against the table's schema. Matched
    /// by name: a `&'static` schema from a const has no guaranteed unique address.
    pub fn valid_rows<T: nba_schemas::Table>(parsed: &Parsed) -> Vec<T> {
        let schema: &TableSchema = T::SCHEMA;
        let rows = parsed
            .tables
            .iter()
            .filter(|t| t.table.qualified_name() == schema.qualified_name())
            .flat_map(|t| t.rows.clone())
            .collect::<Vec<_>>();
        rows.into_iter()
            .map(|row| {
                if let Err(v) = validate_row(schema, &row) {
                    panic!("row fails {}: {v:?}\n{row:?}", schema.name);
                }
                T::from_row(row).unwrap()
            })
            .collect()
    }

    pub fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
}
