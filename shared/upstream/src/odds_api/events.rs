//! `GET /v4/sports/basketball_nba/events` (upcoming and live games, no
//! quota cost) and `GET /v4/historical/sports/basketball_nba/events?date=`
//! (the event list as it was at a past time). Event ids are needed to ask
//! for player props.

use super::{Event, SOURCE, Snapshot, decode_event, decode_snapshot, reject_error_object};
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};

const LIVE: Ctx = Ctx::new(SOURCE, "v4/sports/{sport}/events");
const HISTORICAL: Ctx = Ctx::new(SOURCE, "v4/historical/sports/{sport}/events");

fn events(n: &Node) -> Result<Vec<Event>, ShapeError> {
    n.items()?.iter().map(decode_event).collect()
}

/// Decodes `/v4/sports/{sport}/events`: a JSON array; `[]` is a valid day
/// without games.
pub fn decode_events(body: &[u8]) -> Result<Vec<Event>, ShapeError> {
    let v = LIVE.parse(body)?;
    let root = LIVE.root(&v);
    reject_error_object(&root)?;
    events(&root)
}

/// Decodes `/v4/historical/sports/{sport}/events`.
pub fn decode_historical_events(body: &[u8]) -> Result<Snapshot<Vec<Event>>, ShapeError> {
    decode_snapshot(&HISTORICAL, body, events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn historical_events_content() {
        let s = decode_historical_events(&fixtures::bytes("odds-api/historical_events_a.json")).unwrap();
        assert_eq!(s.timestamp.to_rfc3339(), "2024-01-25T03:55:40+00:00");
        assert_eq!(s.previous_timestamp.unwrap().to_rfc3339(), "2024-01-25T03:50:38+00:00");
        assert_eq!(s.next_timestamp.unwrap().to_rfc3339(), "2024-01-25T04:00:38+00:00");
        assert_eq!(s.data.len(), 10);
        let gsw = s
            .data
            .iter()
            .find(|e| e.id == "cd0bc7d0c238f4446ce1c03d0cea7ec4")
            .unwrap();
        assert_eq!(gsw.home_team, "Golden State Warriors");
        assert_eq!(gsw.home_tricode.as_deref(), Some("GSW"));
        assert_eq!(gsw.away_tricode.as_deref(), Some("ATL"));
        assert_eq!(gsw.commence_time.to_rfc3339(), "2024-01-25T03:20:30+00:00");

        let b = decode_historical_events(&fixtures::bytes("odds-api/historical_events_b.json")).unwrap();
        assert_eq!(b.data.len(), 16);
        let lac = b.data.iter().find(|e| e.home_team == "Los Angeles Clippers").unwrap();
        assert_eq!(lac.home_tricode.as_deref(), Some("LAC"));
        assert_eq!(lac.away_tricode.as_deref(), Some("SAC"));
        // Every event of both snapshots maps to NBA tricodes.
        assert!(
            s.data
                .iter()
                .chain(&b.data)
                .all(|e| e.home_tricode.is_some() && e.away_tricode.is_some())
        );
    }

    #[test]
    fn live_events_are_the_unwrapped_array() {
        let v = fixtures::json("odds-api/historical_events_a.json");
        let body = serde_json::to_vec(&v["data"]).unwrap();
        let events = decode_events(&body).unwrap();
        assert_eq!(events.len(), 10);
        assert_eq!(decode_events(b"[]").unwrap().len(), 0);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text("odds-api/historical_events_a.json");
        let e = decode_historical_events(body.replacen("\"commence_time\"", "\"start\"", 1).as_bytes()).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.field.as_str()),
            ("odds_api", "data[0].commence_time")
        );
        let e = decode_historical_events(body.replacen("\"timestamp\"", "\"ts\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "timestamp");
        assert_eq!(decode_historical_events(b"{}").unwrap_err().field, "timestamp");
        assert_eq!(decode_events(b"{}").unwrap_err().field, "$");
        assert_eq!(
            decode_events(b"<html><title>502</title></html>").unwrap_err().field,
            "$"
        );
        let e = decode_events(br#"{"message":"API key is not valid","error_code":"INVALID_KEY"}"#).unwrap_err();
        assert!(e.reason.contains("INVALID_KEY"), "{e}");
    }
}
