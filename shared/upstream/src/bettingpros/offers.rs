//! `GET /v3/offers?sport=NBA&market_id=156&event_id=...` (paginated): player
//! prop offers, each a player with over/under selections and, per selection,
//! one or more lines per sportsbook. Flattened to one record per (player,
//! side, book, line). A line without `line` is an error naming the field,
//! never a line of 0. SYNTHETIC fixture only (see [`super`]).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::{SOURCE, book_name, market_key};
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};
use crate::odds_api::player_props::Side;

const CTX: Ctx = Ctx::new(SOURCE, "v3/offers");

/// One book's line on one side of one player's prop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BpPropLine {
    pub offer_id: Option<String>,
    /// BettingPros event id.
    pub event_id: i64,
    pub market_id: i64,
    /// Pipeline market key (`player_points`, ...) when the id is known.
    pub market: Option<String>,
    /// BettingPros participant id.
    pub player_id: Option<String>,
    pub player: String,
    /// Player's team code as sent (BettingPros spelling).
    pub player_team: Option<String>,
    pub side: Side,
    /// BettingPros book id (0 = consensus).
    pub book_id: i64,
    pub book: Option<String>,
    /// The line in the market's unit (points for 156).
    pub line: f64,
    /// American odds.
    pub price: Option<f64>,
    /// Whether the book is currently offering this line.
    pub active: Option<bool>,
    /// Last change, as sent (naive, zone not stated).
    pub updated_local: Option<NaiveDateTime>,
    /// The selection's opening line (of the opening book), if sent.
    pub opening_line: Option<f64>,
}

/// One page of offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffersPage {
    pub lines: Vec<BpPropLine>,
    pub page: Option<i64>,
    pub total_pages: Option<i64>,
}

impl OffersPage {
    /// The next page to request, `None` on the last page.
    pub fn next_page(&self) -> Option<i64> {
        match (self.page, self.total_pages) {
            (Some(p), Some(t)) if p < t => Some(p + 1),
            _ => None,
        }
    }
}

fn side(sel: &Node) -> Result<Side, ShapeError> {
    let s = sel.get("selection")?;
    match s.str()?.trim().to_ascii_lowercase().as_str() {
        "over" => Ok(Side::Over),
        "under" => Ok(Side::Under),
        other => Err(s.err(format!("expected over or under, found {other:?}"))),
    }
}

fn naive(n: &Node, key: &str) -> Result<Option<NaiveDateTime>, ShapeError> {
    let Some(v) = n.opt(key)? else {
        return Ok(None);
    };
    let raw = v.str()?.trim();
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map(Some)
        .map_err(|_| v.err(format!("not a timestamp: {raw:?}")))
}

fn decode_offer(o: &Node, out: &mut Vec<BpPropLine>) -> Result<(), ShapeError> {
    let event_id = o.req_i64("event_id")?;
    let market_id = o.req_i64("market_id")?;
    let offer_id = match o.opt("offer_id")? {
        Some(v) if v.v.is_number() => Some(v.v.to_string()),
        Some(v) => Some(v.str()?.to_string()),
        None => None,
    };
    let participants = o.req_items("participants")?;
    let p = participants
        .first()
        .ok_or_else(|| o.get("participants").map_or_else(|e| e, |n| n.err("empty")))?;
    let player = p.req_str("name")?.trim().to_string();
    let player_id = match p.opt("id")? {
        Some(v) if v.v.is_number() => Some(v.v.to_string()),
        Some(v) => Some(v.str()?.to_string()),
        None => None,
    };
    let player_team = match p.opt("player")? {
        Some(pl) => pl.opt_string("team")?,
        None => None,
    };
    for sel in o.req_items("selections")? {
        let side = side(&sel)?;
        let opening_line = match sel.opt("opening_line")? {
            Some(ol) => Some(ol.req_f64("line")?),
            None => None,
        };
        for b in sel.req_items("books")? {
            let book_id = b.req_i64("id")?;
            for l in b.req_items("lines")? {
                out.push(BpPropLine {
                    offer_id: offer_id.clone(),
                    event_id,
                    market_id,
                    market: market_key(market_id).map(str::to_string),
                    player_id: player_id.clone(),
                    player: player.clone(),
                    player_team: player_team.clone(),
                    side,
                    book_id,
                    book: book_name(book_id).map(str::to_string),
                    line: l.req_f64("line")?,
                    price: l.opt_f64("cost")?,
                    active: l.opt_bool("active")?,
                    updated_local: naive(&l, "updated")?,
                    opening_line,
                });
            }
        }
    }
    Ok(())
}

/// Decodes a page of `/v3/offers`. `"offers": []` is valid (no props posted yet).
pub fn decode_offers(body: &[u8]) -> Result<OffersPage, ShapeError> {
    let v = CTX.parse(body)?;
    let root = CTX.root(&v);
    let mut lines = Vec::new();
    for o in root.req_items("offers")? {
        decode_offer(&o, &mut lines)?;
    }
    let (page, total_pages) = match root.opt("_pagination")? {
        Some(p) => (p.opt_i64("page")?, p.opt_i64("total_pages")?),
        None => (None, None),
    };
    Ok(OffersPage {
        lines,
        page,
        total_pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    const FIXTURE: &str = "synthetic/bettingpros_offers_synthetic.json";

    #[test]
    fn synthetic_offers_content() {
        let p = decode_offers(&fixtures::bytes(FIXTURE)).unwrap();
        assert_eq!(p.lines.len(), 8);
        assert_eq!(p.next_page(), None);
        let tatum_dk_over = p
            .lines
            .iter()
            .find(|l| l.player == "Jayson Tatum" && l.book_id == 12 && l.side == Side::Over)
            .unwrap();
        assert_eq!((tatum_dk_over.line, tatum_dk_over.price), (28.5, Some(-105.0)));
        assert_eq!(tatum_dk_over.book.as_deref(), Some("DraftKings"));
        assert_eq!(tatum_dk_over.market.as_deref(), Some("player_points"));
        assert_eq!(tatum_dk_over.opening_line, Some(27.5));
        assert_eq!(tatum_dk_over.player_team.as_deref(), Some("BOS"));
        assert_eq!(tatum_dk_over.updated_local.unwrap().to_string(), "2025-01-15 14:20:01");
        let consensus = p.lines.iter().filter(|l| l.book_id == 0).count();
        assert_eq!(consensus, 2);
        let lebron_under = p
            .lines
            .iter()
            .find(|l| l.player == "LeBron James" && l.side == Side::Under)
            .unwrap();
        assert_eq!((lebron_under.line, lebron_under.active), (23.5, Some(false)));
        assert_eq!(lebron_under.opening_line, None);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text(FIXTURE);
        let e = decode_offers(
            body.replacen("\"line\": 27.5, \"cost\": -112", "\"cost\": -112", 1)
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.field.as_str()),
            ("bettingpros", "offers[0].selections[0].books[0].lines[0].line")
        );
        let e = decode_offers(
            body.replacen("\"selection\": \"over\"", "\"selection\": \"yes\"", 1)
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.field, "offers[0].selections[0].selection");
        let e = decode_offers(body.replacen("\"participants\"", "\"players\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "offers[0].participants");
        assert_eq!(decode_offers(b"{}").unwrap_err().field, "offers");
        assert_eq!(decode_offers(b"<html>403</html>").unwrap_err().field, "$");
        let page = decode_offers(br#"{"offers":[],"_pagination":{"page":1,"total_pages":3}}"#).unwrap();
        assert_eq!(page.next_page(), Some(2));
    }
}
