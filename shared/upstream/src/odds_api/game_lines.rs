//! Game lines — moneyline (`h2h`), point spread (`spreads`) and game total
//! (`totals`) — from `GET /v4/sports/basketball_nba/odds` (all events),
//! `GET /v4/sports/basketball_nba/events/{id}/odds` (one event) and their
//! historical variants. Spread and total feed the game context (implied
//! team totals). A spread or total outcome without a `point` is an error;
//! `h2h` outcomes have none.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Event, SOURCE, Snapshot, decode_event, decode_snapshot, outcomes, reject_error_object};
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};

const ODDS: Ctx = Ctx::new(SOURCE, "v4/sports/{sport}/odds");
const EVENT_ODDS: Ctx = Ctx::new(SOURCE, "v4/sports/{sport}/events/{id}/odds");
const HIST_ODDS: Ctx = Ctx::new(SOURCE, "v4/historical/sports/{sport}/odds");
const HIST_EVENT_ODDS: Ctx = Ctx::new(SOURCE, "v4/historical/sports/{sport}/events/{id}/odds");

/// A game-line market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GameMarket {
    /// Moneyline.
    H2h,
    /// Point spread.
    Spreads,
    /// Game total points.
    Totals,
}

impl GameMarket {
    fn from_key(k: &str) -> Option<Self> {
        match k {
            "h2h" => Some(GameMarket::H2h),
            "spreads" => Some(GameMarket::Spreads),
            "totals" => Some(GameMarket::Totals),
            _ => None,
        }
    }
}

/// One bookmaker's price on one outcome of one game-line market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameLine {
    pub event_id: String,
    pub commence_time: DateTime<Utc>,
    pub home_team: String,
    pub away_team: String,
    pub bookmaker_key: String,
    pub bookmaker_title: Option<String>,
    pub market: GameMarket,
    /// Team full name (h2h, spreads) or `Over`/`Under` (totals).
    pub outcome: String,
    /// NBA tricode of `outcome` when it is a team.
    pub outcome_tricode: Option<String>,
    /// Spread in points for the outcome's team (-6.5 = favourite) or the
    /// total in points; `None` for h2h.
    pub point: Option<f64>,
    /// Price as sent (American or decimal per `oddsFormat`).
    pub price: f64,
    pub last_update: Option<DateTime<Utc>>,
}

/// One event's game lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventGameLines {
    pub event: Event,
    pub lines: Vec<GameLine>,
    /// Market keys present but not h2h/spreads/totals (e.g. `h2h_q1`).
    pub skipped_markets: Vec<String>,
}

fn decode_event_lines(n: &Node) -> Result<EventGameLines, ShapeError> {
    let event = decode_event(n)?;
    let mut skipped_markets = Vec::new();
    let raw = outcomes(n, |k| GameMarket::from_key(k).is_some(), &mut skipped_markets)?;
    let mut lines = Vec::with_capacity(raw.len());
    for r in raw {
        let o = &r.outcome;
        let Some(market) = GameMarket::from_key(&r.market) else {
            continue;
        };
        let outcome = o.req_str("name")?.trim().to_string();
        let point = match market {
            GameMarket::H2h => o.opt_f64("point")?,
            GameMarket::Spreads | GameMarket::Totals => Some(o.req_f64("point")?),
        };
        if market == GameMarket::Totals && !matches!(outcome.as_str(), "Over" | "Under") {
            return Err(o
                .get("name")?
                .err(format!("totals outcome is not Over/Under: {outcome:?}")));
        }
        lines.push(GameLine {
            event_id: event.id.clone(),
            commence_time: event.commence_time,
            home_team: event.home_team.clone(),
            away_team: event.away_team.clone(),
            bookmaker_key: r.bookmaker_key,
            bookmaker_title: r.bookmaker_title,
            market,
            outcome_tricode: crate::teams::nba_tricode(&outcome).ok().map(str::to_string),
            outcome,
            point,
            price: o.req_f64("price")?,
            last_update: r.last_update,
        });
    }
    Ok(EventGameLines {
        event,
        lines,
        skipped_markets,
    })
}

fn event_list(n: &Node) -> Result<Vec<EventGameLines>, ShapeError> {
    n.items()?.iter().map(decode_event_lines).collect()
}

/// Decodes `/v4/sports/{sport}/odds`: an array of events with bookmakers.
pub fn decode_game_lines(body: &[u8]) -> Result<Vec<EventGameLines>, ShapeError> {
    let v = ODDS.parse(body)?;
    let root = ODDS.root(&v);
    reject_error_object(&root)?;
    event_list(&root)
}

/// Decodes `/v4/sports/{sport}/events/{id}/odds` for game-line markets.
pub fn decode_event_game_lines(body: &[u8]) -> Result<EventGameLines, ShapeError> {
    let v = EVENT_ODDS.parse(body)?;
    let root = EVENT_ODDS.root(&v);
    reject_error_object(&root)?;
    decode_event_lines(&root)
}

/// Decodes `/v4/historical/sports/{sport}/odds`.
pub fn decode_historical_game_lines(body: &[u8]) -> Result<Snapshot<Vec<EventGameLines>>, ShapeError> {
    decode_snapshot(&HIST_ODDS, body, event_list)
}

/// Decodes `/v4/historical/sports/{sport}/events/{id}/odds`.
pub fn decode_historical_event_game_lines(body: &[u8]) -> Result<Snapshot<EventGameLines>, ShapeError> {
    decode_snapshot(&HIST_EVENT_ODDS, body, decode_event_lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn fixture() -> String {
        fixtures::text("odds-api/historical_event_odds_game_lines.json")
    }

    #[test]
    fn historical_event_game_lines_content() {
        let s = decode_historical_event_game_lines(fixture().as_bytes()).unwrap();
        assert_eq!(s.timestamp.to_rfc3339(), "2024-01-25T03:55:40+00:00");
        let g = &s.data;
        assert_eq!(g.event.home_tricode.as_deref(), Some("GSW"));
        assert_eq!(g.lines.len(), 8);
        let find = |book: &str, m: GameMarket, outcome: &str| {
            g.lines
                .iter()
                .find(|l| l.bookmaker_key == book && l.market == m && l.outcome == outcome)
                .unwrap()
        };
        let gsw = find("draftkings", GameMarket::Spreads, "Golden State Warriors");
        assert_eq!((gsw.point, gsw.price), (Some(-6.5), 1.83));
        assert_eq!(gsw.outcome_tricode.as_deref(), Some("GSW"));
        let total = find("fanduel", GameMarket::Totals, "Under");
        assert_eq!((total.point, total.price), (Some(247.5), 1.88));
        assert_eq!(total.last_update.unwrap().to_rfc3339(), "2024-01-25T03:55:01+00:00");
        assert_eq!(find("draftkings", GameMarket::Totals, "Over").point, Some(248.5));
    }

    #[test]
    fn live_variants_and_h2h() {
        let v = fixtures::json("odds-api/historical_event_odds_game_lines.json");
        let one = serde_json::to_vec(&v["data"]).unwrap();
        assert_eq!(decode_event_game_lines(&one).unwrap().lines.len(), 8);
        let list = serde_json::to_vec(&serde_json::json!([v["data"]])).unwrap();
        assert_eq!(decode_game_lines(&list).unwrap()[0].lines.len(), 8);
        let hist = serde_json::to_vec(&serde_json::json!({"timestamp": v["timestamp"], "data": [v["data"]]})).unwrap();
        assert_eq!(decode_historical_game_lines(&hist).unwrap().data.len(), 1);
        assert!(decode_game_lines(b"[]").unwrap().is_empty());

        let h2h = br#"[{"id":"e1","sport_key":"basketball_nba","commence_time":"2024-01-25T03:20:30Z",
          "home_team":"Golden State Warriors","away_team":"Atlanta Hawks",
          "bookmakers":[{"key":"fanduel","title":"FanDuel","last_update":"2024-01-25T03:00:00Z","markets":[
            {"key":"h2h","outcomes":[{"name":"Atlanta Hawks","price":250},{"name":"Golden State Warriors","price":-300}]},
            {"key":"h2h_q1","outcomes":[{"name":"Atlanta Hawks","price":150}]}]}]}]"#;
        let g = &decode_game_lines(h2h).unwrap()[0];
        assert_eq!(g.lines.len(), 2);
        assert_eq!(g.lines[1].point, None);
        assert_eq!(g.lines[1].price, -300.0);
        assert_eq!(
            g.lines[0].last_update.unwrap().to_rfc3339(),
            "2024-01-25T03:00:00+00:00"
        );
        assert_eq!(g.skipped_markets, vec!["h2h_q1".to_string()]);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let e = decode_historical_event_game_lines(fixture().replacen("\"point\":6.5", "\"points\":6.5", 1).as_bytes())
            .unwrap_err();
        assert_eq!(e.field, "data.bookmakers[0].markets[0].outcomes[0].point");
        let e =
            decode_historical_event_game_lines(fixture().replacen("\"price\"", "\"odds\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data.bookmakers[0].markets[0].outcomes[0].price");
        let e = decode_historical_event_game_lines(fixture().replacen("\"markets\"", "\"lines\"", 1).as_bytes())
            .unwrap_err();
        assert_eq!(e.field, "data.bookmakers[0].markets");
        assert_eq!(
            decode_historical_event_game_lines(b"{}").unwrap_err().field,
            "timestamp"
        );
        assert_eq!(decode_event_game_lines(b"{}").unwrap_err().field, "home_team");
        assert_eq!(decode_game_lines(b"<html></html>").unwrap_err().field, "$");
    }
}
