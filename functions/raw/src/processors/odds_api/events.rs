//! `odds-api/events/…` and `odds-api/events-historical/…` →
//! `nba_raw.odds_api_events`: one row per event id, merged, so every Odds API
//! event id maps to an NBA game on (game_date, home, away).

use chrono::Utc;
use nba_schemas::tables::raw_odds::OddsApiEvent;
use nba_schemas::{Table, TableSchema};
use nba_upstream::odds_api::Event;
use nba_upstream::odds_api::events::{decode_events, decode_historical_events};

use super::Game;
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::to_rows;
use crate::processors::sink::exhibition;

/// The live list (`/v4/sports/{sport}/events`) or a historical snapshot of it.
pub struct EventsProcessor {
    historical: bool,
}

impl EventsProcessor {
    pub const LIVE: Self = EventsProcessor { historical: false };
    pub const HISTORICAL: Self = EventsProcessor { historical: true };
}

impl RawProcessor for EventsProcessor {
    fn name(&self) -> &'static str {
        if self.historical {
            "odds_api_events_historical_processor"
        } else {
            "odds_api_events_processor"
        }
    }

    fn source_name(&self) -> &'static str {
        "odds_api"
    }

    fn prefix(&self) -> &'static str {
        if self.historical {
            "odds-api/events-historical/"
        } else {
            "odds-api/events/"
        }
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![OddsApiEvent::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let events = if self.historical {
            decode_historical_events(object.body)?.data
        } else {
            decode_events(object.body)?
        };
        let processed_at = Utc::now();
        let (exhibitions, league): (Vec<&Event>, Vec<&Event>) = events.iter().partition(|e| is_exhibition(e));
        let rows = league.into_iter().map(|e| row(e, object.uri, processed_at));
        let mut parsed = Parsed::one(OddsApiEvent::SCHEMA, to_rows(rows));
        parsed.skipped = exhibitions
            .into_iter()
            .map(|e| exhibition(&e.id, &e.home_team, &e.away_team))
            .collect();
        Ok(parsed)
    }
}

/// An event between two teams that are not NBA franchises ("Team C", "Global Stars"): see
/// [`exhibition`].
fn is_exhibition(event: &Event) -> bool {
    event.home_tricode.is_none() && event.away_tricode.is_none()
}

fn row(event: &Event, source_file: &str, processed_at: chrono::DateTime<Utc>) -> OddsApiEvent {
    let game = Game::of(event);
    OddsApiEvent {
        event_id: event.id.clone(),
        game_date: game.game_date,
        commence_time: event.commence_time,
        sport_key: event.sport_key.clone(),
        home_team: event.home_team.clone(),
        away_team: event.away_team.clone(),
        home_team_tricode: game.home_tricode,
        away_team_tricode: game.away_tricode,
        game_code: game.game_code,
        source_file: source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use nba_schemas::validate_row;
    use nba_upstream::fixtures;
    use serde_json::json;

    use super::*;
    use crate::processors::testing::{parse, t, valid_rows};

    const HIST_KEY: &str = "odds-api/events-historical/2024-01-24/20240125_035540.json";
    const LIVE_KEY: &str = "odds-api/events/2025-01-10/20250110_150000.json";

    fn event(id: &str, commence: &str, home: &str, away: &str) -> serde_json::Value {
        json!({"id": id, "sport_key": "basketball_nba", "sport_title": "NBA",
               "commence_time": commence, "home_team": home, "away_team": away})
    }

    #[test]
    fn historical_fixture_rows() {
        let body = fixtures::bytes("odds-api/historical_events_a.json");
        let parsed = parse(&EventsProcessor::HISTORICAL, HIST_KEY, &body).unwrap();
        let rows: Vec<OddsApiEvent> = valid_rows(&parsed);
        assert_eq!(rows.len(), 10);
        let gsw = rows
            .iter()
            .find(|r| r.event_id == "cd0bc7d0c238f4446ce1c03d0cea7ec4")
            .unwrap();
        // 03:20 UTC on the 25th is 22:20 ET on the 24th: a late West-coast tip.
        assert_eq!(gsw.commence_time, t("2024-01-25T03:20:30Z"));
        assert_eq!(gsw.game_date, NaiveDate::from_ymd_opt(2024, 1, 24).unwrap());
        assert_eq!(gsw.game_code, "20240124_ATL_GSW");
        assert_eq!(gsw.home_team, "Golden State Warriors");
        assert_eq!(gsw.source_file, format!("gs://nba-scraped-data/{HIST_KEY}"));
        let b = fixtures::bytes("odds-api/historical_events_b.json");
        let rows: Vec<OddsApiEvent> = valid_rows(&parse(&EventsProcessor::HISTORICAL, HIST_KEY, &b).unwrap());
        assert_eq!(rows.len(), 16);
        assert!(
            rows.iter()
                .any(|r| r.home_team_tricode == "LAC" && r.away_team_tricode == "SAC")
        );
    }

    #[test]
    fn live_list_and_a_late_tip_on_its_et_day() {
        // 22:30 ET on Jan 10 is 03:30 UTC on Jan 11; 19:00 ET is 00:00 UTC.
        let body = json!([
            event(
                "0123456789abcdef0123456789abcdef",
                "2025-01-11T03:30:00Z",
                "Los Angeles Clippers",
                "San Antonio Spurs"
            ),
            event(
                "fedcba9876543210fedcba9876543210",
                "2025-01-11T00:00:00Z",
                "New York Knicks",
                "Boston Celtics"
            ),
        ]);
        let parsed = parse(&EventsProcessor::LIVE, LIVE_KEY, &serde_json::to_vec(&body).unwrap()).unwrap();
        let rows: Vec<OddsApiEvent> = valid_rows(&parsed);
        let jan10 = NaiveDate::from_ymd_opt(2025, 1, 10).unwrap();
        assert_eq!(
            (rows[0].game_date, rows[0].game_code.as_str()),
            (jan10, "20250110_SAS_LAC")
        );
        assert_eq!(
            (rows[1].game_date, rows[1].game_code.as_str()),
            (jan10, "20250110_BOS_NYK")
        );
        assert!(
            parse(&EventsProcessor::LIVE, LIVE_KEY, b"[]").unwrap().tables[0]
                .rows
                .is_empty()
        );
    }

    #[test]
    fn a_non_nba_team_against_an_nba_team_is_a_rejected_row_not_a_guess() {
        let body = json!([event(
            "0123456789abcdef0123456789abcdef",
            "2025-02-16T01:00:00Z",
            "Boston Celtics",
            "Team Chuck"
        )]);
        let parsed = parse(&EventsProcessor::LIVE, LIVE_KEY, &serde_json::to_vec(&body).unwrap()).unwrap();
        let errs = validate_row(OddsApiEvent::SCHEMA, &parsed.tables[0].rows[0]).unwrap_err();
        assert!(
            errs.iter()
                .any(|v| v.column == "away_team_tricode" && v.value.contains("Team Chuck"))
        );
    }

    /// Regression (the season's replay): the All-Star weekend's events ("Team C", "Global
    /// Stars") were rejected rows, and a list of nothing else failed the run, and the day.
    #[test]
    fn an_all_star_exhibition_is_skipped_with_the_reason() {
        let body = json!([
            event(
                "0123456789abcdef0123456789abcdef",
                "2025-02-16T01:00:00Z",
                "Global Stars",
                "Team C"
            ),
            event(
                "fedcba9876543210fedcba9876543210",
                "2025-02-16T20:00:00Z",
                "Los Angeles Clippers",
                "Sacramento Kings"
            ),
        ]);
        let parsed = parse(&EventsProcessor::LIVE, LIVE_KEY, &serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(parsed.tables[0].rows.len(), 1);
        assert!(parsed.rejected.is_empty());
        assert_eq!(parsed.skipped.len(), 1);
        assert!(
            parsed.skipped[0].contains("Global Stars vs Team C"),
            "{:?}",
            parsed.skipped
        );
        assert!(parsed.skipped[0].contains("neither team is an NBA franchise"));
    }

    #[test]
    fn structural_problems_name_the_field() {
        let body = fixtures::text("odds-api/historical_events_a.json");
        let broken = body.replacen("\"commence_time\"", "\"start\"", 1);
        let err = parse(&EventsProcessor::HISTORICAL, HIST_KEY, broken.as_bytes()).unwrap_err();
        assert_eq!(err.field, "data[0].commence_time");
        let err = parse(
            &EventsProcessor::LIVE,
            LIVE_KEY,
            br#"{"message":"quota","error_code":"OUT_OF_USAGE_CREDITS"}"#,
        )
        .unwrap_err();
        assert!(err.reason.contains("OUT_OF_USAGE_CREDITS"), "{err}");
    }
}
