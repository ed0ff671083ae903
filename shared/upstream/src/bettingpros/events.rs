//! `GET /v3/events?sport=NBA&date=YYYY-MM-DD`: the day's games with
//! BettingPros event ids, needed to ask for offers per event. SYNTHETIC
//! fixture only (see the module docs of [`super`]).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::SOURCE;
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};
use crate::teams::nba_tricode;

const CTX: Ctx = Ctx::new(SOURCE, "v3/events");

/// One game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BpEvent {
    /// BettingPros event id.
    pub id: i64,
    /// Scheduled tip-off as sent: a naive timestamp whose zone the API does
    /// not state (it reads as US Eastern); convert at the edge, not here.
    pub scheduled_local: NaiveDateTime,
    /// Home team code as sent (BettingPros spelling).
    pub home: String,
    pub visitor: String,
    pub home_tricode: String,
    pub visitor_tricode: String,
    /// `scheduled`, `postponed`, `final`, ... as sent.
    pub status: Option<String>,
}

fn tricode(n: &Node, key: &str) -> Result<(String, String), ShapeError> {
    let code = n.req_str(key)?.trim().to_string();
    let tri = nba_tricode(&code).map_err(|e| e.at(SOURCE, CTX.endpoint, format!("{}.{key}", n.path)))?;
    Ok((code, tri.to_string()))
}

fn decode_event(n: &Node) -> Result<BpEvent, ShapeError> {
    let (home, home_tricode) = tricode(n, "home")?;
    let (visitor, visitor_tricode) = tricode(n, "visitor")?;
    let sched = n.get("scheduled")?;
    let raw = sched.str()?.trim();
    let scheduled_local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| sched.err(format!("not a YYYY-MM-DD HH:MM:SS timestamp: {raw:?}")))?;
    Ok(BpEvent {
        id: n.req_i64("id")?,
        scheduled_local,
        home,
        visitor,
        home_tricode,
        visitor_tricode,
        status: n.opt_string("status")?,
    })
}

/// Decodes `/v3/events`. `"events": []` is a valid day without games. An
/// unknown team code is an error (events must map to NBA games).
pub fn decode_events(body: &[u8]) -> Result<Vec<BpEvent>, ShapeError> {
    let v = CTX.parse(body)?;
    CTX.root(&v).req_items("events")?.iter().map(decode_event).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    const FIXTURE: &str = "synthetic/bettingpros_events_synthetic.json";

    #[test]
    fn synthetic_events_content() {
        let e = decode_events(&fixtures::bytes(FIXTURE)).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].id, 91234);
        assert_eq!(
            (e[0].home_tricode.as_str(), e[0].visitor_tricode.as_str()),
            ("BOS", "LAL")
        );
        assert_eq!(e[0].scheduled_local.to_string(), "2025-01-15 19:30:00");
        assert_eq!((e[1].home.as_str(), e[1].home_tricode.as_str()), ("GS", "GSW"));
        assert_eq!(e[1].visitor_tricode, "PHX");
        assert_eq!(e[2].status.as_deref(), Some("postponed"));
        assert!(decode_events(br#"{"events":[]}"#).unwrap().is_empty());
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text(FIXTURE);
        let e = decode_events(body.replacen("\"visitor\"", "\"away\"", 1).as_bytes()).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.field.as_str()),
            ("bettingpros", "events[0].visitor")
        );
        let e = decode_events(
            body.replacen("\"BOS\",\n      \"visitor\"", "\"XXX\",\n      \"visitor\"", 1)
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.field, "events[0].home");
        let e = decode_events(body.replacen("2025-01-15 19:30:00", "tonight", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "events[0].scheduled");
        assert_eq!(decode_events(b"{}").unwrap_err().field, "events");
        assert_eq!(decode_events(b"<html>Access denied</html>").unwrap_err().field, "$");
    }
}
