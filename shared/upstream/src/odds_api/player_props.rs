//! `GET /v4/sports/basketball_nba/events/{id}/odds?markets=player_points,...`
//! and its historical variant: one event's player prop lines, flattened to
//! one record per (bookmaker, market, player, side, line).
//!
//! This is the pipeline's main input: the line a prediction is compared
//! against. A line is never invented: an Over/Under outcome without a
//! `point` is a [`ShapeError`] naming that outcome's `point`, never a line of
//! 0, and a side that is neither Over nor Under is an error too. Markets that
//! are not Over/Under player lines (e.g. `player_double_double`, Yes/No) are
//! not decoded and are listed in [`EventPlayerProps::skipped_markets`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Event, SOURCE, Snapshot, decode_event, decode_snapshot, decode_snapshot_value, outcomes, reject_error_object,
};
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};

const LIVE: Ctx = Ctx::new(SOURCE, "v4/sports/{sport}/events/{id}/odds");
const HISTORICAL: Ctx = Ctx::new(SOURCE, "v4/historical/sports/{sport}/events/{id}/odds");

/// Over/Under player markets decoded here (their `_alternate` variants too).
pub const PLAYER_LINE_MARKETS: &[&str] = &[
    "player_points",
    "player_rebounds",
    "player_assists",
    "player_threes",
    "player_blocks",
    "player_steals",
    "player_turnovers",
    "player_blocks_steals",
    "player_points_rebounds_assists",
    "player_points_rebounds",
    "player_points_assists",
    "player_rebounds_assists",
];

/// Whether `market` is an Over/Under player line market.
pub fn is_player_line_market(market: &str) -> bool {
    let base = market.strip_suffix("_alternate").unwrap_or(market);
    PLAYER_LINE_MARKETS.contains(&base)
}

/// Which side of the line an outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Over,
    Under,
}

/// One bookmaker's price on one side of one player's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerPropLine {
    pub event_id: String,
    pub commence_time: DateTime<Utc>,
    pub home_team: String,
    pub away_team: String,
    /// Bookmaker key, e.g. `draftkings`, `fanduel`, `prizepicks`.
    pub bookmaker_key: String,
    /// Bookmaker display name, e.g. `DraftKings`.
    pub bookmaker_title: Option<String>,
    /// Market key, e.g. `player_points`.
    pub market: String,
    /// Player name as the bookmaker writes it (outcome `description`);
    /// resolve it to a `player_lookup` downstream.
    pub player: String,
    pub side: Side,
    /// The line in the market's unit (points, rebounds, ...), e.g. 20.5.
    pub line: f64,
    /// Price as sent: American (-110, +105) or decimal (1.91) per the
    /// request's `oddsFormat`. `None` when the feed has no price (pick'em books
    /// such as PrizePicks and Underdog, and replays whose recorded price is a
    /// placeholder): an unknown price is never invented.
    pub price: Option<f64>,
    /// When the bookmaker last changed this market (market `last_update`,
    /// else the bookmaker's), UTC.
    pub last_update: Option<DateTime<Utc>>,
}

/// One event's player prop lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPlayerProps {
    pub event: Event,
    pub lines: Vec<PlayerPropLine>,
    /// Market keys present in the answer but not Over/Under player lines.
    pub skipped_markets: Vec<String>,
}

fn side(o: &Node) -> Result<Side, ShapeError> {
    let n = o.get("name")?;
    match n.str()?.trim() {
        s if s.eq_ignore_ascii_case("over") => Ok(Side::Over),
        s if s.eq_ignore_ascii_case("under") => Ok(Side::Under),
        s => Err(n.err(format!("expected Over or Under, found {s:?}"))),
    }
}

fn decode_event_props(n: &Node) -> Result<EventPlayerProps, ShapeError> {
    let event = decode_event(n)?;
    let mut skipped_markets = Vec::new();
    let raw = outcomes(n, is_player_line_market, &mut skipped_markets)?;
    let mut lines = Vec::with_capacity(raw.len());
    for r in raw {
        let o = &r.outcome;
        let player = o.req_str("description")?.trim().to_string();
        if player.is_empty() {
            return Err(o.get("description")?.err("empty player name"));
        }
        lines.push(PlayerPropLine {
            event_id: event.id.clone(),
            commence_time: event.commence_time,
            home_team: event.home_team.clone(),
            away_team: event.away_team.clone(),
            bookmaker_key: r.bookmaker_key,
            bookmaker_title: r.bookmaker_title,
            market: r.market,
            player,
            side: side(o)?,
            line: o.req_f64("point")?,
            price: o.opt_f64("price")?,
            last_update: r.last_update,
        });
    }
    Ok(EventPlayerProps {
        event,
        lines,
        skipped_markets,
    })
}

/// Decodes `/v4/sports/{sport}/events/{id}/odds` for player markets. An
/// event without any bookmaker (`"bookmakers": []`) is valid and has no lines.
pub fn decode_event_player_props(body: &[u8]) -> Result<EventPlayerProps, ShapeError> {
    let v = LIVE.parse(body)?;
    let root = LIVE.root(&v);
    reject_error_object(&root)?;
    decode_event_props(&root)
}

/// Decodes `/v4/historical/sports/{sport}/events/{id}/odds` for player markets.
pub fn decode_historical_event_player_props(body: &[u8]) -> Result<Snapshot<EventPlayerProps>, ShapeError> {
    decode_snapshot(&HISTORICAL, body, decode_event_props)
}

/// [`decode_event_player_props`], except that the Over/Under outcomes without a
/// line are taken out first ([`take_lineless`]) and returned beside the lines:
/// one missing line costs one row, not the whole event. The body is parsed once.
pub fn decode_event_player_props_lenient(body: &[u8]) -> Result<(EventPlayerProps, Vec<Lineless>), ShapeError> {
    let mut v = LIVE.parse(body)?;
    let lineless = take_lineless(&mut v);
    let root = LIVE.root(&v);
    reject_error_object(&root)?;
    Ok((decode_event_props(&root)?, lineless))
}

/// [`decode_historical_event_player_props`] with the line-less outcomes of its
/// `data` taken out first, as [`decode_event_player_props_lenient`].
pub fn decode_historical_event_player_props_lenient(
    body: &[u8],
) -> Result<(Snapshot<EventPlayerProps>, Vec<Lineless>), ShapeError> {
    let mut v = HISTORICAL.parse(body)?;
    let lineless = v.get_mut("data").map(take_lineless).unwrap_or_default();
    Ok((decode_snapshot_value(&HISTORICAL, &v, decode_event_props)?, lineless))
}

/// A player-line outcome that came without a line, taken out before decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Lineless {
    pub bookmaker: String,
    pub bookmaker_title: Option<String>,
    pub market: String,
    pub player: String,
    pub side: String,
    pub price: Option<f64>,
}

/// Removes the Over/Under player outcomes whose `point` is missing or null
/// from an event-odds object and returns them.
///
/// The decoder treats such an outcome as a shape error (a missing line is never a
/// line of 0). Taken out first, one missing line costs one row — a scraper keeps
/// the file, a processor rejects that row with "no line" — instead of the whole
/// event. Anything else malformed is left in place for the decoder to name.
pub fn take_lineless(event: &mut Value) -> Vec<Lineless> {
    let mut out = Vec::new();
    let Some(books) = event.get_mut("bookmakers").and_then(Value::as_array_mut) else {
        return out;
    };
    for book in books.iter_mut() {
        let key = book.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
        let title = book.get("title").and_then(Value::as_str).map(str::to_string);
        let Some(markets) = book.get_mut("markets").and_then(Value::as_array_mut) else {
            continue;
        };
        for market in markets.iter_mut() {
            let mkey = market
                .get("key")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if !is_player_line_market(&mkey) {
                continue;
            }
            let Some(outcomes) = market.get_mut("outcomes").and_then(Value::as_array_mut) else {
                continue;
            };
            outcomes.retain(|o| {
                let (Some(player), None) = (
                    o.get("description").and_then(Value::as_str),
                    o.get("point").filter(|p| !p.is_null()),
                ) else {
                    return true;
                };
                out.push(Lineless {
                    bookmaker: key.clone(),
                    bookmaker_title: title.clone(),
                    market: mkey.clone(),
                    player: player.trim().to_string(),
                    side: o.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
                    price: o.get("price").and_then(Value::as_f64),
                });
                false
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn fixture() -> String {
        fixtures::text("odds-api/event_odds_player_points.json")
    }

    fn line<'a>(p: &'a EventPlayerProps, book: &str, player: &str, side: Side) -> Vec<&'a PlayerPropLine> {
        p.lines
            .iter()
            .filter(|l| l.bookmaker_key == book && l.player == player && l.side == side)
            .collect()
    }

    #[test]
    fn player_points_content() {
        let p = decode_event_player_props(fixture().as_bytes()).unwrap();
        assert_eq!(p.event.id, "f9f3f99b5124a4ecf984003f0af23d2e");
        assert_eq!(p.event.home_tricode.as_deref(), Some("TOR"));
        assert_eq!(p.event.away_tricode.as_deref(), Some("BKN"));
        assert_eq!(p.lines.len(), 572);
        let mut books: Vec<&str> = p.lines.iter().map(|l| l.bookmaker_key.as_str()).collect();
        books.dedup();
        assert_eq!(books.len(), 10);
        assert!(p.skipped_markets.is_empty());
        assert!(p.lines.iter().all(|l| l.market == "player_points"));

        let over = line(&p, "draftkings", "Ben Simmons", Side::Over);
        assert_eq!(over.len(), 1);
        assert_eq!((over[0].line, over[0].price), (7.5, Some(110.0)));
        assert_eq!(over[0].bookmaker_title.as_deref(), Some("DraftKings"));
        assert_eq!(over[0].last_update.unwrap().to_rfc3339(), "2024-02-23T00:06:54+00:00");
        let under = line(&p, "draftkings", "Ben Simmons", Side::Under);
        assert_eq!((under[0].line, under[0].price), (7.5, Some(-140.0)));

        let cam = line(&p, "fanduel", "Cam Thomas", Side::Over);
        assert_eq!((cam[0].line, cam[0].price), (21.5, Some(-102.0)));
        // Alternate ladders: several lines for one player at one book.
        assert_eq!(line(&p, "betrivers", "Cam Thomas", Side::Over).len(), 8);
        // Overs and unders pair up.
        let overs = p.lines.iter().filter(|l| l.side == Side::Over).count();
        assert_eq!(overs * 2, p.lines.len());
    }

    #[test]
    fn outcome_without_point_is_an_error_not_zero() {
        let body = fixture().replacen("\"point\": 7.5", "\"pt\": 7.5", 1);
        let e = decode_event_player_props(body.as_bytes()).unwrap_err();
        assert_eq!(e.field, "bookmakers[0].markets[0].outcomes[0].point");
        assert_eq!(e.reason, "missing");
        let body = fixture().replacen("\"point\": 7.5", "\"point\": null", 1);
        let e = decode_event_player_props(body.as_bytes()).unwrap_err();
        assert_eq!(e.field, "bookmakers[0].markets[0].outcomes[0].point");
    }

    #[test]
    fn shape_errors_name_the_field() {
        let e =
            decode_event_player_props(fixture().replacen("\"description\"", "\"player\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "bookmakers[0].markets[0].outcomes[0].description");
        let e = decode_event_player_props(fixture().replacen("\"Over\"", "\"Yes\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "bookmakers[0].markets[0].outcomes[0].name");
        let e = decode_event_player_props(fixture().replacen("\"bookmakers\"", "\"books\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "bookmakers");
        assert_eq!(decode_event_player_props(b"{}").unwrap_err().field, "home_team");
        assert_eq!(
            decode_event_player_props(b"<html>Gateway Timeout</html>")
                .unwrap_err()
                .field,
            "$"
        );
    }

    #[test]
    fn other_markets_are_listed_not_dropped_silently() {
        let body = br#"{"id":"abc","sport_key":"basketball_nba","commence_time":"2025-01-01T00:10:00Z",
          "home_team":"San Antonio Spurs","away_team":"Los Angeles Clippers","extra":1,
          "bookmakers":[{"key":"underdog","title":"Underdog","last_update":"2025-01-01T00:00:00Z","markets":[
            {"key":"player_assists","outcomes":[{"name":"Over","description":"Chris Paul","price":-137,"point":8.5}]},
            {"key":"player_double_double","outcomes":[{"name":"Yes","description":"Chris Paul","price":300}]}]}]}"#;
        let p = decode_event_player_props(body).unwrap();
        assert_eq!(p.lines.len(), 1);
        assert_eq!(p.lines[0].market, "player_assists");
        assert_eq!(
            p.lines[0].last_update.unwrap().to_rfc3339(),
            "2025-01-01T00:00:00+00:00"
        );
        assert_eq!(p.skipped_markets, vec!["player_double_double".to_string()]);
        assert_eq!(p.event.away_tricode.as_deref(), Some("LAC"));
        let empty = br#"{"id":"abc","sport_key":"basketball_nba","commence_time":"2025-01-01T00:10:00Z",
          "home_team":"San Antonio Spurs","away_team":"Los Angeles Clippers","bookmakers":[]}"#;
        assert!(decode_event_player_props(empty).unwrap().lines.is_empty());
    }

    #[test]
    fn historical_variant() {
        let inner = fixture();
        let body = format!(
            r#"{{"timestamp":"2024-02-23T00:05:00Z","previous_timestamp":null,"next_timestamp":"2024-02-23T00:10:00Z","data":{inner}}}"#
        );
        let s = decode_historical_event_player_props(body.as_bytes()).unwrap();
        assert_eq!(s.data.lines.len(), 572);
        assert_eq!(s.previous_timestamp, None);
    }
}
