//! `bettingpros/player-props/…` → `nba_raw.bettingpros_player_props`: one row
//! per (event, book, market, player, side, line) of an offers page, stamped
//! with the scrape time.
//!
//! The same rules as the Odds API props, each a kept rejection with its
//! reason: a line without `line` is "no line", a constant placeholder line
//! across a market/book is flagged, a price that is not American is refused.

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::tables::raw_odds::BettingprosPlayerProp;
use nba_schemas::{Row, Table, TableSchema};
use nba_upstream::bettingpros::market_key;
use nba_upstream::bettingpros::offers::{BpPropLine, decode_offers};
use nba_upstream::odds_api::player_props::Side;
use nba_upstream::teams::nba_tricode;
use serde_json::Value;

use super::{bookmaker_key, et_to_utc};
use crate::processor::{Mode, ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::odds_api::price::PriceFormat;
use crate::processors::odds_api::prop_checks::{Listings, PropLine, placeholder_lines};
use crate::processors::rows::lookup;

pub struct PlayerPropsProcessor;

impl RawProcessor for PlayerPropsProcessor {
    fn name(&self) -> &'static str {
        "bettingpros_player_props_processor"
    }

    fn source_name(&self) -> &'static str {
        "bettingpros"
    }

    fn prefix(&self) -> &'static str {
        "bettingpros/player-props/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![BettingprosPlayerProp::SCHEMA]
    }

    fn mode(&self) -> Mode {
        Mode::BatchByDate
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let ctx = RowCtx {
            game_date: object.require_game_date()?,
            snapshot_at: object.scraped_at,
            source_file: object.uri,
            processed_at: Utc::now(),
        };
        let mut body = object.json()?;
        let lineless = take_lineless(&mut body);
        let cleaned = serde_json::to_vec(&body).map_err(|e| ParseError::new("$", e.to_string()))?;
        let page = decode_offers(&cleaned)?;
        let mut parsed = rows(&page.lines, &ctx);
        for l in &lineless {
            parsed.reject(BettingprosPlayerProp::SCHEMA, lineless_row(l, &ctx), "line", "no line");
        }
        Ok(parsed)
    }
}

/// What every row of one object shares.
struct RowCtx<'a> {
    game_date: NaiveDate,
    snapshot_at: DateTime<Utc>,
    source_file: &'a str,
    processed_at: DateTime<Utc>,
}

fn rows(lines: &[BpPropLine], ctx: &RowCtx<'_>) -> Parsed {
    let table = BettingprosPlayerProp::SCHEMA;
    let format = PriceFormat::detect(lines.iter().filter_map(|l| l.price));
    let built: Vec<BettingprosPlayerProp> = lines.iter().map(|l| row(l, ctx)).collect();
    let checks: Vec<PropLine> = built
        .iter()
        .map(|r| PropLine {
            market: &r.market,
            bookmaker: &r.bookmaker,
            player: &r.player_name,
            line: r.line,
        })
        .collect();
    let mut placeholders = placeholder_lines(&checks).into_iter().peekable();
    let mut listings = Listings::default();
    let mut parsed = Parsed::default();
    let mut kept = Vec::with_capacity(built.len());
    for (i, mut r) in built.iter().cloned().enumerate() {
        r.listing = listings.next(&r.market, &r.bookmaker, &r.player_lookup, &r.side, r.line);
        let price = r.price.map(|p| format.american(p)).transpose();
        if let Some((_, reason)) = placeholders.next_if(|(j, _)| *j == i) {
            parsed.reject(table, r.to_row(), "line", reason);
        } else {
            match price {
                Ok(p) => {
                    r.price = p;
                    kept.push(r.to_row());
                }
                Err(reason) => parsed.reject(table, r.to_row(), "price", reason),
            }
        }
    }
    parsed.with(table, kept)
}

fn row(l: &BpPropLine, ctx: &RowCtx<'_>) -> BettingprosPlayerProp {
    BettingprosPlayerProp {
        game_date: ctx.game_date,
        snapshot_at: ctx.snapshot_at,
        event_id: l.event_id,
        offer_id: l.offer_id.clone(),
        market_id: l.market_id,
        // An unknown market id stays visible (and is refused by the market check).
        market: l.market.clone().unwrap_or_else(|| format!("market_{}", l.market_id)),
        player_name: l.player.clone(),
        player_lookup: lookup(&l.player),
        player_id: l.player_id.clone(),
        player_team: l.player_team.clone(),
        player_team_tricode: l
            .player_team
            .as_deref()
            .and_then(|t| nba_tricode(t).ok())
            .map(str::to_string),
        side: match l.side {
            Side::Over => "Over",
            Side::Under => "Under",
        }
        .to_string(),
        book_id: l.book_id,
        bookmaker: bookmaker_key(l.book_id),
        line: l.line,
        listing: 0, // numbered by the caller
        price: l.price,
        active: l.active,
        book_updated_at: l.updated_local.map(et_to_utc),
        opening_line: l.opening_line,
        source_file: ctx.source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at: ctx.processed_at,
    }
}

/// A book's line that came without a `line`, taken out before decoding.
#[derive(Debug, Clone, PartialEq)]
struct Lineless {
    event_id: i64,
    market_id: i64,
    player: String,
    side: String,
    book_id: i64,
    price: Option<f64>,
}

/// Removes `offers[].selections[].books[].lines[]` entries whose `line` is
/// missing or null and returns them: the decoder would refuse the whole page
/// for one of them. Entries of offers that are malformed otherwise stay, for
/// the decoder to name.
fn take_lineless(body: &mut Value) -> Vec<Lineless> {
    let mut out = Vec::new();
    let Some(offers) = body.get_mut("offers").and_then(Value::as_array_mut) else {
        return out;
    };
    for offer in offers {
        let ids = (
            offer.get("event_id").and_then(Value::as_i64),
            offer.get("market_id").and_then(Value::as_i64),
        );
        let player = offer.pointer("/participants/0/name").and_then(Value::as_str);
        let (Some(event_id), Some(market_id), Some(player)) = (ids.0, ids.1, player.map(|p| p.trim().to_string()))
        else {
            continue;
        };
        let Some(selections) = offer.get_mut("selections").and_then(Value::as_array_mut) else {
            continue;
        };
        for sel in selections {
            let side = sel.get("selection").and_then(Value::as_str).unwrap_or_default();
            let side = match side.trim().to_ascii_lowercase().as_str() {
                "over" => "Over",
                "under" => "Under",
                _ => continue,
            };
            let Some(books) = sel.get_mut("books").and_then(Value::as_array_mut) else {
                continue;
            };
            for book in books {
                let Some(book_id) = book.get("id").and_then(Value::as_i64) else {
                    continue;
                };
                let Some(lines) = book.get_mut("lines").and_then(Value::as_array_mut) else {
                    continue;
                };
                lines.retain(|l| {
                    if !l.is_object() || l.get("line").is_some_and(|v| !v.is_null()) {
                        return true;
                    }
                    out.push(Lineless {
                        event_id,
                        market_id,
                        player: player.clone(),
                        side: side.to_string(),
                        book_id,
                        price: l.get("cost").and_then(Value::as_f64),
                    });
                    false
                });
            }
        }
    }
    out
}

/// The row a line-less entry would have been, with `line` null.
fn lineless_row(l: &Lineless, ctx: &RowCtx<'_>) -> Row {
    let mut row = BettingprosPlayerProp {
        game_date: ctx.game_date,
        snapshot_at: ctx.snapshot_at,
        event_id: l.event_id,
        offer_id: None,
        market_id: l.market_id,
        market: market_key(l.market_id).map_or_else(|| format!("market_{}", l.market_id), str::to_string),
        player_name: l.player.clone(),
        player_lookup: lookup(&l.player),
        player_id: None,
        player_team: None,
        player_team_tricode: None,
        side: l.side.clone(),
        book_id: l.book_id,
        bookmaker: bookmaker_key(l.book_id),
        line: 0.0, // replaced by null below: a missing line is not 0
        listing: 0,
        price: l.price,
        active: None,
        book_updated_at: None,
        opening_line: None,
        source_file: ctx.source_file.to_string(),
        data_hash: String::new(),
        processed_at: ctx.processed_at,
    }
    .to_row();
    row.insert("line".into(), Value::Null);
    row
}

#[cfg(test)]
mod tests {
    use nba_schemas::validate_row;
    use nba_upstream::fixtures;
    use serde_json::json;

    use super::*;
    use crate::processors::testing::{self, t, valid_rows};

    const FIXTURE: &str = "synthetic/bettingpros_offers_synthetic.json";
    const KEY: &str = "bettingpros/player-props/2025-01-15/20250115_143000.json";

    fn parse(body: &[u8]) -> Result<Parsed, ParseError> {
        testing::parse(&PlayerPropsProcessor, KEY, body)
    }

    fn find<'a>(rows: &'a [BettingprosPlayerProp], player: &str, book: &str, side: &str) -> &'a BettingprosPlayerProp {
        rows.iter()
            .find(|r| r.player_name == player && r.bookmaker == book && r.side == side)
            .unwrap()
    }

    #[test]
    fn synthetic_offers_become_snapshot_rows() {
        let parsed = parse(&fixtures::bytes(FIXTURE)).unwrap();
        assert!(parsed.rejected.is_empty());
        let rows: Vec<BettingprosPlayerProp> = valid_rows(&parsed);
        assert_eq!(rows.len(), 8);
        assert!(rows.iter().all(|r| r.market == "player_points" && r.event_id == 91234));
        assert!(rows.iter().all(|r| r.snapshot_at == t("2025-01-15T14:30:00Z")));
        assert!(rows.iter().all(|r| r.game_date.to_string() == "2025-01-15"));
        let tatum = find(&rows, "Jayson Tatum", "draftkings", "Over");
        assert_eq!((tatum.line, tatum.price, tatum.book_id), (28.5, Some(-105.0), 12));
        assert_eq!(
            (tatum.player_lookup.as_str(), tatum.player_team_tricode.as_deref()),
            ("jaysontatum", Some("BOS"))
        );
        assert_eq!(tatum.opening_line, Some(27.5));
        // "2025-01-15 14:20:01" US Eastern.
        assert_eq!(tatum.book_updated_at, Some(t("2025-01-15T19:20:01Z")));
        assert_eq!(
            rows.iter().filter(|r| r.bookmaker == "bettingpros_consensus").count(),
            2
        );
        let lebron = find(&rows, "LeBron James", "betmgm", "Under");
        assert_eq!(
            (lebron.line, lebron.active, lebron.opening_line),
            (23.5, Some(false), None)
        );
    }

    #[test]
    fn a_line_without_line_is_rejected_as_no_line() {
        let body =
            fixtures::text(FIXTURE).replacen("\"line\": 28.5, \"cost\": -105", "\"line\": null, \"cost\": -105", 1);
        let parsed = parse(body.as_bytes()).unwrap();
        assert_eq!(valid_rows::<BettingprosPlayerProp>(&parsed).len(), 7);
        assert_eq!(parsed.rejected.len(), 1);
        let r = &parsed.rejected[0];
        assert_eq!((r.column.as_str(), r.reason.as_str()), ("line", "no line"));
        assert_eq!(
            (&r.row["line"], &r.row["bookmaker"], &r.row["side"]),
            (&Value::Null, &json!("draftkings"), &json!("Over"))
        );
        assert_eq!(r.row["player_name"], "Jayson Tatum");
        assert!(validate_row(BettingprosPlayerProp::SCHEMA, &r.row).is_err());
    }

    fn offer(player: &str, book: i64, line: f64, cost: i64) -> Value {
        json!({"offer_id": format!("o-{player}"), "event_id": 91234, "market_id": 157,
               "participants": [{"id": player, "name": player, "player": {"team": "BOS"}}],
               "selections": [{"selection": "over", "books": [{"id": book, "lines": [{"line": line, "cost": cost}]}]}]})
    }

    #[test]
    fn a_constant_placeholder_line_is_flagged() {
        let players = ["P One", "P Two", "P Three", "P Four", "P Five"];
        let mut offers: Vec<Value> = players.iter().map(|p| offer(p, 10, 20.0, -110)).collect();
        offers.extend(
            players
                .iter()
                .enumerate()
                .map(|(i, p)| offer(p, 12, 4.5 + i as f64, -110)),
        );
        let parsed = parse(&serde_json::to_vec(&json!({"offers": offers})).unwrap()).unwrap();
        let rows: Vec<BettingprosPlayerProp> = valid_rows(&parsed);
        assert_eq!(rows.len(), 5);
        assert!(
            rows.iter()
                .all(|r| r.bookmaker == "draftkings" && r.market == "player_rebounds")
        );
        assert_eq!(parsed.rejected.len(), 5);
        let reason = &parsed.rejected[0].reason;
        assert!(
            reason.contains("all 5 players") && reason.contains("20.0") && reason.contains("fanduel"),
            "{reason}"
        );
    }

    #[test]
    fn unknown_books_and_markets_fail_their_checks() {
        let mut o = offer("P One", 77, 20.5, -110);
        o["market_id"] = json!(999);
        let parsed = parse(&serde_json::to_vec(&json!({"offers": [o]})).unwrap()).unwrap();
        let errs = validate_row(BettingprosPlayerProp::SCHEMA, &parsed.tables[0].rows[0]).unwrap_err();
        let cols: Vec<&str> = errs.iter().map(|v| v.column.as_str()).collect();
        assert_eq!(cols, ["market", "bookmaker"]);
        assert!(errs[1].value.contains("book_77"));
    }

    #[test]
    fn structural_problems_name_the_field() {
        let body = fixtures::text(FIXTURE).replacen("\"participants\"", "\"players\"", 1);
        assert_eq!(parse(body.as_bytes()).unwrap_err().field, "offers[0].participants");
        let body = fixtures::text(FIXTURE).replacen("\"selection\": \"over\"", "\"selection\": \"yes\"", 1);
        assert_eq!(
            parse(body.as_bytes()).unwrap_err().field,
            "offers[0].selections[0].selection"
        );
        assert_eq!(parse(b"<html>403</html>").unwrap_err().field, "$");
        let no_date = testing::parse(
            &PlayerPropsProcessor,
            "bettingpros/player-props/x.json",
            &fixtures::bytes(FIXTURE),
        );
        assert_eq!(no_date.unwrap_err().field, "$key");
    }

    #[test]
    fn batch_mode_and_routing() {
        assert_eq!(PlayerPropsProcessor.mode(), Mode::BatchByDate);
        let registry = crate::ProcessorRegistry::standard();
        assert_eq!(
            registry.route(KEY).map(|p| p.name()),
            Some("bettingpros_player_props_processor")
        );
        let events = "bettingpros/events/2025-01-15/20250115_120000.json";
        assert_eq!(
            registry.route(events).map(|p| p.name()),
            Some("bettingpros_events_processor")
        );
    }
}
