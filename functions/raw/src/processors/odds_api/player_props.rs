//! `odds-api/player-props/…` and `odds-api/player-props-historical/…` →
//! `nba_raw.odds_api_player_props`: one row per (bookmaker, market, player,
//! side, line) of one event, stamped with the snapshot time.
//!
//! Rules beyond the table's checks, each a kept rejection with its reason:
//! - an outcome without a line is "no line" (never a line of 0);
//! - a constant placeholder line across a market/bookmaker ([`super::prop_checks`]);
//! - a price that is not American odds ([`super::price`]).

use chrono::{DateTime, Utc};
use nba_schemas::tables::raw_odds::OddsApiPlayerProp;
use nba_schemas::{Row, Table, TableSchema};
use nba_upstream::odds_api::player_props::{
    EventPlayerProps, Lineless, PlayerPropLine, Side, decode_event_player_props_lenient,
    decode_historical_event_player_props_lenient,
};
use serde_json::Value;

use super::Game;
use super::price::PriceFormat;
use super::prop_checks::{Listings, PropLine, placeholder_lines};
use crate::processor::{Mode, ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::lookup;

/// Event odds for player markets, live or historical.
pub struct PlayerPropsProcessor {
    historical: bool,
}

impl PlayerPropsProcessor {
    pub const LIVE: Self = PlayerPropsProcessor { historical: false };
    pub const HISTORICAL: Self = PlayerPropsProcessor { historical: true };
}

impl RawProcessor for PlayerPropsProcessor {
    fn name(&self) -> &'static str {
        if self.historical {
            "odds_api_player_props_historical_processor"
        } else {
            "odds_api_player_props_processor"
        }
    }

    fn source_name(&self) -> &'static str {
        "odds_api"
    }

    fn prefix(&self) -> &'static str {
        if self.historical {
            "odds-api/player-props-historical/"
        } else {
            "odds-api/player-props/"
        }
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![OddsApiPlayerProp::SCHEMA]
    }

    fn mode(&self) -> Mode {
        Mode::BatchByDate
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let (props, lineless, snapshot_at) = if self.historical {
            let (s, lineless) = decode_historical_event_player_props_lenient(object.body)?;
            (s.data, lineless, s.timestamp)
        } else {
            let (props, lineless) = decode_event_player_props_lenient(object.body)?;
            (props, lineless, object.scraped_at)
        };
        let ctx = RowCtx {
            game: Game::of(&props.event),
            snapshot_at,
            source_file: object.uri,
            processed_at: Utc::now(),
        };
        Ok(rows(&props, &lineless, &ctx))
    }
}

/// What every row of one object shares.
struct RowCtx<'a> {
    game: Game,
    snapshot_at: DateTime<Utc>,
    source_file: &'a str,
    processed_at: DateTime<Utc>,
}

/// Rows, with the refused ones set aside with their reasons.
fn rows(props: &EventPlayerProps, lineless: &[Lineless], ctx: &RowCtx<'_>) -> Parsed {
    let table = OddsApiPlayerProp::SCHEMA;
    let format = PriceFormat::detect(props.lines.iter().filter_map(|l| l.price));
    let checks: Vec<PropLine> = props
        .lines
        .iter()
        .map(|l| PropLine {
            market: &l.market,
            bookmaker: &l.bookmaker_key,
            player: &l.player,
            line: l.line,
        })
        .collect();
    let mut placeholders = placeholder_lines(&checks).into_iter().peekable();
    let mut listings = Listings::default();
    let mut parsed = Parsed::default();
    let mut kept = Vec::with_capacity(props.lines.len());
    for (i, line) in props.lines.iter().enumerate() {
        let price = line.price.map(|p| format.american(p)).transpose();
        let mut row = row(props, line, price.as_ref().ok().copied().flatten(), ctx);
        row.listing = listings.next(&row.market, &row.bookmaker, &row.player_lookup, &row.side, row.line);
        if let Some((_, reason)) = placeholders.next_if(|(j, _)| *j == i) {
            parsed.reject(table, row.to_row(), "line", reason);
        } else if let Err(reason) = price {
            row.price = line.price;
            parsed.reject(table, row.to_row(), "price", reason);
        } else {
            kept.push(row.to_row());
        }
    }
    for l in lineless {
        parsed.reject(table, lineless_row(props, l, ctx), "line", "no line");
    }
    parsed.with(table, kept)
}

fn row(props: &EventPlayerProps, line: &PlayerPropLine, price: Option<f64>, ctx: &RowCtx<'_>) -> OddsApiPlayerProp {
    OddsApiPlayerProp {
        game_date: ctx.game.game_date,
        snapshot_at: ctx.snapshot_at,
        event_id: props.event.id.clone(),
        commence_time: ctx.game.commence_time,
        home_team_tricode: ctx.game.home_tricode.clone(),
        away_team_tricode: ctx.game.away_tricode.clone(),
        game_code: ctx.game.game_code.clone(),
        bookmaker: line.bookmaker_key.clone(),
        bookmaker_title: line.bookmaker_title.clone(),
        market: line.market.clone(),
        player_name: line.player.clone(),
        player_lookup: lookup(&line.player),
        side: side_name(line.side).to_string(),
        line: line.line,
        listing: 0, // numbered by the caller
        price,
        last_update: line.last_update,
        source_file: ctx.source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at: ctx.processed_at,
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Over => "Over",
        Side::Under => "Under",
    }
}

/// The row a line-less outcome would have been, with `line` null.
fn lineless_row(props: &EventPlayerProps, l: &Lineless, ctx: &RowCtx<'_>) -> Row {
    let mut row = OddsApiPlayerProp {
        game_date: ctx.game.game_date,
        snapshot_at: ctx.snapshot_at,
        event_id: props.event.id.clone(),
        commence_time: ctx.game.commence_time,
        home_team_tricode: ctx.game.home_tricode.clone(),
        away_team_tricode: ctx.game.away_tricode.clone(),
        game_code: ctx.game.game_code.clone(),
        bookmaker: l.bookmaker.clone(),
        bookmaker_title: l.bookmaker_title.clone(),
        market: l.market.clone(),
        player_name: l.player.clone(),
        player_lookup: lookup(&l.player),
        side: l.side.clone(),
        line: 0.0, // replaced by null below: a missing line is not 0
        listing: 0,
        price: l.price,
        last_update: None,
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
    use std::collections::BTreeSet;

    use nba_schemas::validate_row;
    use nba_upstream::fixtures;
    use serde_json::json;

    use super::*;
    use crate::processors::testing::{parse, t, valid_rows};

    const FIXTURE: &str = "odds-api/event_odds_player_points.json";
    const KEY: &str = "odds-api/player-props/2024-02-22/f9f3f99b5124a4ecf984003f0af23d2e/20240223_000700.json";
    const HIST_KEY: &str =
        "odds-api/player-props-historical/2024-02-22/f9f3f99b5124a4ecf984003f0af23d2e/20240223_010000.json";

    fn live(body: &[u8]) -> Result<Parsed, ParseError> {
        parse(&PlayerPropsProcessor::LIVE, KEY, body)
    }

    fn find<'a>(rows: &'a [OddsApiPlayerProp], book: &str, player: &str, side: &str) -> Vec<&'a OddsApiPlayerProp> {
        rows.iter()
            .filter(|r| r.bookmaker == book && r.player_name == player && r.side == side)
            .collect()
    }

    #[test]
    fn recorded_event_odds_become_snapshot_rows() {
        let parsed = live(&fixtures::bytes(FIXTURE)).unwrap();
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected.first());
        let rows: Vec<OddsApiPlayerProp> = valid_rows(&parsed);
        assert_eq!(rows.len(), 572);
        assert!(rows.iter().all(|r| r.market == "player_points"));
        let books: BTreeSet<&str> = rows.iter().map(|r| r.bookmaker.as_str()).collect();
        assert_eq!(books.len(), 10);
        assert_eq!(rows.iter().filter(|r| r.bookmaker == "betrivers").count(), 152);

        let ben = find(&rows, "draftkings", "Ben Simmons", "Over");
        assert_eq!(ben.len(), 1);
        let ben = ben[0];
        assert_eq!((ben.line, ben.price), (7.5, Some(110.0)));
        assert_eq!(ben.player_lookup, "bensimmons");
        assert_eq!(ben.snapshot_at, t("2024-02-23T00:07:00Z"));
        assert_eq!(ben.last_update, Some(t("2024-02-23T00:06:54Z")));
        assert_eq!(ben.event_id, "f9f3f99b5124a4ecf984003f0af23d2e");
        // 00:10 UTC on Feb 23 is 19:10 ET on Feb 22.
        assert_eq!(ben.game_date.to_string(), "2024-02-22");
        assert_eq!(ben.game_code, "20240222_BKN_TOR");
        assert_eq!(find(&rows, "draftkings", "Ben Simmons", "Under")[0].price, Some(-140.0));
        assert_eq!(find(&rows, "fanduel", "Cam Thomas", "Over")[0].line, 21.5);
        // An alternate ladder keeps every rung: 8 distinct keys, none collapsed.
        assert_eq!(find(&rows, "betrivers", "Cam Thomas", "Over").len(), 8);
        // Caesars lists Ben Simmons over 7.5 twice, at two prices: both kept, numbered.
        let twice: Vec<(f64, i64, Option<f64>)> = find(&rows, "williamhill_us", "Ben Simmons", "Over")
            .iter()
            .map(|r| (r.line, r.listing, r.price))
            .collect();
        assert_eq!(twice, vec![(7.5, 0, Some(-106.0)), (7.5, 1, Some(-112.0))]);
        assert_eq!(rows.iter().filter(|r| r.listing > 0).count(), 28);
        // The table key is unique across the file: InsertNewOnly drops nothing.
        let keys: BTreeSet<String> = rows
            .iter()
            .map(|r| {
                let k = (
                    &r.event_id,
                    &r.bookmaker,
                    &r.market,
                    &r.player_lookup,
                    &r.side,
                    r.line,
                    r.listing,
                );
                format!("{k:?}|{}", r.snapshot_at)
            })
            .collect();
        assert_eq!(keys.len(), rows.len());
    }

    #[test]
    fn historical_rows_carry_the_snapshot_timestamp() {
        let inner = fixtures::text(FIXTURE);
        let body = format!(
            r#"{{"timestamp":"2024-02-23T00:05:00Z","previous_timestamp":null,"next_timestamp":null,"data":{inner}}}"#
        );
        let parsed = parse(&PlayerPropsProcessor::HISTORICAL, HIST_KEY, body.as_bytes()).unwrap();
        let rows: Vec<OddsApiPlayerProp> = valid_rows(&parsed);
        assert_eq!(rows.len(), 572);
        // The snapshot's own time, not the scrape time in the key.
        assert!(rows.iter().all(|r| r.snapshot_at == t("2024-02-23T00:05:00Z")));
    }

    #[test]
    fn an_outcome_without_a_line_is_rejected_as_no_line() {
        for missing in ["\"point\": null", "\"pt\": 7.5"] {
            let body = fixtures::text(FIXTURE).replacen("\"point\": 7.5", missing, 1);
            let parsed = live(body.as_bytes()).unwrap();
            let rows: Vec<OddsApiPlayerProp> = valid_rows(&parsed);
            assert_eq!(rows.len(), 571, "{missing}");
            assert_eq!(parsed.rejected.len(), 1);
            let r = &parsed.rejected[0];
            assert_eq!((r.column.as_str(), r.reason.as_str()), ("line", "no line"));
            assert_eq!(r.row["line"], Value::Null);
            assert_eq!(r.row["player_name"], "Ben Simmons");
            assert_eq!(r.row["bookmaker"], "draftkings");
            // The table would refuse it too: a null line never becomes 0.
            assert!(validate_row(OddsApiPlayerProp::SCHEMA, &r.row).is_err());
        }
    }

    fn event_body(bookmakers: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "id": "84c46a915d78675134a5fcf018c7771e", "sport_key": "basketball_nba", "sport_title": "NBA",
            "commence_time": "2025-01-10T00:10:00Z", "home_team": "Cleveland Cavaliers", "away_team": "Toronto Raptors",
            "bookmakers": bookmakers,
        }))
        .unwrap()
    }

    fn market(key: &str, outcomes: Vec<Value>) -> Value {
        json!({"key": key, "last_update": "2025-01-09T18:00:00Z", "outcomes": outcomes})
    }

    #[test]
    fn a_constant_placeholder_line_is_flagged() {
        let players = ["A One", "B Two", "C Three", "D Four", "E Five", "F Six"];
        let flat: Vec<Value> = players
            .iter()
            .flat_map(|p| ["Over", "Under"].map(|s| json!({"name": s, "description": p, "price": -110, "point": 20.0})))
            .collect();
        let varied: Vec<Value> = players
            .iter()
            .enumerate()
            .map(|(i, p)| json!({"name": "Over", "description": p, "price": -110, "point": 10.5 + i as f64}))
            .collect();
        let body = event_body(json!([
            {"key": "fanduel", "title": "FanDuel", "markets": [market("player_points", flat)]},
            {"key": "draftkings", "title": "DraftKings", "markets": [market("player_points", varied)]},
        ]));
        let parsed = live(&body).unwrap();
        let rows: Vec<OddsApiPlayerProp> = valid_rows(&parsed);
        assert_eq!(rows.len(), 6);
        assert!(rows.iter().all(|r| r.bookmaker == "draftkings"));
        assert_eq!(parsed.rejected.len(), 12);
        let reason = &parsed.rejected[0].reason;
        assert!(reason.contains("20.0") && reason.contains("all 6 players"), "{reason}");
        assert_eq!(parsed.rejected[0].column, "line");
    }

    /// What the local replay serves: pick'em books, no `price` member at all.
    #[test]
    fn replay_shaped_answer_without_prices() {
        let body = event_body(json!([
            {"key": "prizepicks", "title": "PrizePicks", "last_update": "2025-01-09T18:00:00Z", "markets": [
                market("player_assists", vec![
                    json!({"name": "Over", "description": "Immanuel Quickley", "point": 5.5}),
                    json!({"name": "Under", "description": "Immanuel Quickley", "point": 5.5}),
                ]),
                market("player_rebounds", vec![json!({"name": "Over", "description": "Evan Mobley", "point": 9.5})]),
            ]},
            {"key": "underdog", "title": "Underdog", "last_update": "2025-01-09T18:00:00Z", "markets": [
                market("player_points", vec![json!({"name": "Over", "description": "Donovan Mitchell", "point": 25.0})]),
            ]},
        ]));
        let parsed = live(&body).unwrap();
        assert!(parsed.rejected.is_empty());
        let rows: Vec<OddsApiPlayerProp> = valid_rows(&parsed);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.price.is_none()));
        let per_market = |m: &str| rows.iter().filter(|r| r.market == m).count();
        assert_eq!(
            (
                per_market("player_assists"),
                per_market("player_rebounds"),
                per_market("player_points")
            ),
            (2, 1, 1)
        );
        assert_eq!(rows[3].bookmaker, "underdog");
        assert_eq!(rows[3].game_code, "20250109_TOR_CLE");
        // An empty answer (after tip) is no rows, not an error.
        assert!(live(&event_body(json!([]))).unwrap().tables[0].rows.is_empty());
    }

    #[test]
    fn a_price_that_is_not_american_is_rejected() {
        let body = event_body(
            json!([{"key": "fanduel", "title": "FanDuel", "markets": [market("player_points", vec![
                json!({"name": "Over", "description": "Darius Garland", "price": -115, "point": 20.5}),
                json!({"name": "Under", "description": "Darius Garland", "price": 50, "point": 20.5}),
            ])]}]),
        );
        let parsed = live(&body).unwrap();
        assert_eq!(valid_rows::<OddsApiPlayerProp>(&parsed).len(), 1);
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].column, "price");
        assert_eq!(parsed.rejected[0].row["price"], json!(50.0));
    }

    #[test]
    fn table_checks_refuse_bad_values() {
        let body = event_body(json!([{"key": "mysterybook", "title": "?", "markets": [
            market("player_points", vec![json!({"name": "Over", "description": "Ty Jerome", "price": -110, "point": 95.5})]),
            market("player_threes", vec![json!({"name": "Over", "description": "Ty Jerome", "price": -110, "point": 1.5})]),
        ]}]));
        let parsed = live(&body).unwrap();
        let rows = &parsed.tables[0].rows;
        let cols = |i: usize| -> Vec<String> {
            validate_row(OddsApiPlayerProp::SCHEMA, &rows[i])
                .unwrap_err()
                .into_iter()
                .map(|v| v.column)
                .collect()
        };
        assert_eq!(cols(0), ["bookmaker", "line"]);
        assert_eq!(cols(1), ["bookmaker", "market"]);
        let mut bad_id = rows[0].clone();
        bad_id.insert("event_id".into(), json!("not-an-event"));
        assert!(
            validate_row(OddsApiPlayerProp::SCHEMA, &bad_id)
                .unwrap_err()
                .iter()
                .any(|v| v.column == "event_id")
        );
        let mut far = rows[0].clone();
        far.insert("price".into(), json!(25000.0));
        assert!(
            validate_row(OddsApiPlayerProp::SCHEMA, &far)
                .unwrap_err()
                .iter()
                .any(|v| v.column == "price")
        );
    }

    #[test]
    fn structural_problems_name_the_field() {
        let body = fixtures::text(FIXTURE).replacen("\"description\"", "\"player\"", 1);
        assert_eq!(
            live(body.as_bytes()).unwrap_err().field,
            "bookmakers[0].markets[0].outcomes[0].description"
        );
        let body = fixtures::text(FIXTURE).replacen("\"bookmakers\"", "\"books\"", 1);
        assert_eq!(live(body.as_bytes()).unwrap_err().field, "bookmakers");
        assert_eq!(live(b"<html>Gateway Timeout</html>").unwrap_err().field, "$");
        let hist = parse(&PlayerPropsProcessor::HISTORICAL, HIST_KEY, &fixtures::bytes(FIXTURE)).unwrap_err();
        assert_eq!(hist.field, "timestamp");
    }

    /// Through the real writer (embedded warehouse): every fixture row lands,
    /// the same object again writes nothing, a later snapshot appends.
    #[tokio::test]
    async fn reprocessing_an_identical_object_writes_nothing() {
        use nba_cloud::embedded::DuckDbWarehouse;
        use nba_cloud::writer::{WriteContext, write_json_rows};
        let wh = DuckDbWarehouse::open_in_memory().unwrap();
        let write = |key: &'static str| {
            let rows = parse(&PlayerPropsProcessor::LIVE, key, &fixtures::bytes(FIXTURE))
                .unwrap()
                .tables[0]
                .rows
                .clone();
            let wh = &wh;
            async move {
                write_json_rows(wh, OddsApiPlayerProp::SCHEMA, rows, &WriteContext::default())
                    .await
                    .unwrap()
            }
        };
        let first = write(KEY).await;
        assert_eq!((first.stats.inserted, first.rejected.len()), (572, 0));
        let again = write(KEY).await;
        assert_eq!((again.stats.inserted, again.stats.unchanged), (0, 572));
        let later = "odds-api/player-props/2024-02-22/f9f3f99b5124a4ecf984003f0af23d2e/20240223_020000.json";
        assert_eq!(write(later).await.stats.inserted, 572);
    }

    #[test]
    fn batch_mode_and_routing() {
        assert_eq!(PlayerPropsProcessor::LIVE.mode(), Mode::BatchByDate);
        let registry = crate::ProcessorRegistry::standard();
        let route = |k: &str| registry.route(k).map(|p| p.name());
        assert_eq!(route(KEY), Some("odds_api_player_props_processor"));
        assert_eq!(route(HIST_KEY), Some("odds_api_player_props_historical_processor"));
        assert_eq!(
            route("odds-api/events/2025-01-10/20250110_150000.json"),
            Some("odds_api_events_processor")
        );
        assert_eq!(
            route("odds-api/events-historical/2025-01-10/20250110_150000.json"),
            Some("odds_api_events_historical_processor")
        );
    }
}
