//! `bettingpros/events/…` → `nba_raw.bettingpros_events`: one row per
//! BettingPros event id, merged, so the event ids on offers map to NBA games.

use chrono::{DateTime, Utc};
use nba_schemas::tables::raw_odds::BettingprosEvent;
use nba_schemas::{Table, TableSchema};
use nba_upstream::bettingpros::events::{BpEvent, decode_events};

use super::et_to_utc;
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::to_rows;

pub struct EventsProcessor;

impl RawProcessor for EventsProcessor {
    fn name(&self) -> &'static str {
        "bettingpros_events_processor"
    }

    fn source_name(&self) -> &'static str {
        "bettingpros"
    }

    fn prefix(&self) -> &'static str {
        "bettingpros/events/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![BettingprosEvent::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let events = decode_events(object.body)?;
        let processed_at = Utc::now();
        let rows = events.iter().map(|e| row(e, object.uri, processed_at));
        Ok(Parsed::one(BettingprosEvent::SCHEMA, to_rows(rows)))
    }
}

fn row(e: &BpEvent, source_file: &str, processed_at: DateTime<Utc>) -> BettingprosEvent {
    // `scheduled` is US Eastern wall-clock time: its date is the game date.
    let game_date = e.scheduled_local.date();
    BettingprosEvent {
        event_id: e.id,
        game_date,
        scheduled_at: et_to_utc(e.scheduled_local),
        home_team_code: e.home.clone(),
        away_team_code: e.visitor.clone(),
        home_team_tricode: e.home_tricode.clone(),
        away_team_tricode: e.visitor_tricode.clone(),
        game_code: format!(
            "{}_{}_{}",
            game_date.format("%Y%m%d"),
            e.visitor_tricode,
            e.home_tricode
        ),
        status: e.status.clone(),
        source_file: source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at,
    }
}

#[cfg(test)]
mod tests {
    use nba_upstream::fixtures;

    use super::*;
    use crate::processors::testing::{parse, t, valid_rows};

    const FIXTURE: &str = "synthetic/bettingpros_events_synthetic.json";
    const KEY: &str = "bettingpros/events/2025-01-15/20250115_120000.json";

    #[test]
    fn synthetic_events_become_rows() {
        let parsed = parse(&EventsProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap();
        let rows: Vec<BettingprosEvent> = valid_rows(&parsed);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (rows[0].event_id, rows[0].game_code.as_str()),
            (91234, "20250115_LAL_BOS")
        );
        assert_eq!(rows[0].scheduled_at, t("2025-01-16T00:30:00Z"));
        assert_eq!(rows[0].game_date.to_string(), "2025-01-15");
        // BettingPros spellings kept next to the NBA tricodes.
        assert_eq!(
            (rows[1].home_team_code.as_str(), rows[1].home_team_tricode.as_str()),
            ("GS", "GSW")
        );
        assert_eq!(
            (rows[1].away_team_code.as_str(), rows[1].game_code.as_str()),
            ("PHO", "20250115_PHX_GSW")
        );
        // 22:30 ET stays on its ET day although it is the 16th in UTC.
        assert_eq!(
            (rows[2].game_date.to_string().as_str(), rows[2].status.as_deref()),
            ("2025-01-15", Some("postponed"))
        );
        assert_eq!(rows[2].scheduled_at, t("2025-01-16T03:30:00Z"));
    }

    #[test]
    fn structural_problems_name_the_field() {
        let body = fixtures::text(FIXTURE).replacen("\"visitor\"", "\"away\"", 1);
        assert_eq!(
            parse(&EventsProcessor, KEY, body.as_bytes()).unwrap_err().field,
            "events[0].visitor"
        );
        assert_eq!(parse(&EventsProcessor, KEY, b"{}").unwrap_err().field, "events");
    }
}
