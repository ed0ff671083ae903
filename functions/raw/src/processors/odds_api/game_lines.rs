//! `odds-api/game-lines/…`, `odds-api/game-lines-historical/…` and
//! `odds-api/event-game-lines-historical/…` → `nba_raw.odds_api_game_lines`:
//! moneyline, spread and total snapshots, one row per (bookmaker, market,
//! outcome) of each event. The spread and the total land in their own
//! columns so each gets its own sane range.

use chrono::{DateTime, Utc};
use nba_schemas::tables::raw_odds::OddsApiGameLine;
use nba_schemas::{Table, TableSchema};
use nba_upstream::odds_api::game_lines::{
    EventGameLines, GameLine, GameMarket, decode_game_lines, decode_historical_event_game_lines,
    decode_historical_game_lines,
};

use super::Game;
use super::price::PriceFormat;
use crate::processor::{Mode, ParseError, Parsed, RawObject, RawProcessor};

/// Which endpoint the object came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/v4/sports/{sport}/odds`: every upcoming event.
    Live,
    /// `/v4/historical/sports/{sport}/odds`.
    Historical,
    /// `/v4/historical/sports/{sport}/events/{id}/odds`: one event.
    EventHistorical,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Live, Kind::Historical, Kind::EventHistorical];
}

pub struct GameLinesProcessor(pub Kind);

impl RawProcessor for GameLinesProcessor {
    fn name(&self) -> &'static str {
        match self.0 {
            Kind::Live => "odds_api_game_lines_processor",
            Kind::Historical => "odds_api_game_lines_historical_processor",
            Kind::EventHistorical => "odds_api_event_game_lines_historical_processor",
        }
    }

    fn source_name(&self) -> &'static str {
        "odds_api"
    }

    fn prefix(&self) -> &'static str {
        match self.0 {
            Kind::Live => "odds-api/game-lines/",
            Kind::Historical => "odds-api/game-lines-historical/",
            Kind::EventHistorical => "odds-api/event-game-lines-historical/",
        }
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![OddsApiGameLine::SCHEMA]
    }

    fn mode(&self) -> Mode {
        Mode::BatchByDate
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let body = object.body;
        let (events, snapshot_at) = match self.0 {
            Kind::Live => (decode_game_lines(body)?, object.scraped_at),
            Kind::Historical => {
                let s = decode_historical_game_lines(body)?;
                (s.data, s.timestamp)
            }
            Kind::EventHistorical => {
                let s = decode_historical_event_game_lines(body)?;
                (vec![s.data], s.timestamp)
            }
        };
        Ok(rows(&events, snapshot_at, object.uri))
    }
}

fn rows(events: &[EventGameLines], snapshot_at: DateTime<Utc>, source_file: &str) -> Parsed {
    let table = OddsApiGameLine::SCHEMA;
    let format = PriceFormat::detect(events.iter().flat_map(|e| e.lines.iter().map(|l| l.price)));
    let processed_at = Utc::now();
    let mut parsed = Parsed::default();
    let mut kept = Vec::new();
    for e in events {
        let ctx = RowCtx {
            game: Game::of(&e.event),
            snapshot_at,
            source_file,
            processed_at,
        };
        for line in &e.lines {
            let price = format.american(line.price);
            // A refused price is kept as sent in the rejected row.
            let r = row(&ctx, line, price.as_ref().copied().unwrap_or(line.price));
            match price {
                Ok(_) => kept.push(r.to_row()),
                Err(reason) => parsed.reject(table, r.to_row(), "price", reason),
            }
        }
    }
    parsed.with(table, kept)
}

/// What every row of one event in one object shares.
struct RowCtx<'a> {
    game: Game,
    snapshot_at: DateTime<Utc>,
    source_file: &'a str,
    processed_at: DateTime<Utc>,
}

fn row(ctx: &RowCtx<'_>, line: &GameLine, price: f64) -> OddsApiGameLine {
    let game = &ctx.game;
    let (market, spread, total) = match line.market {
        GameMarket::H2h => ("h2h", None, None),
        GameMarket::Spreads => ("spreads", line.point, None),
        GameMarket::Totals => ("totals", None, line.point),
    };
    OddsApiGameLine {
        game_date: game.game_date,
        snapshot_at: ctx.snapshot_at,
        event_id: line.event_id.clone(),
        commence_time: game.commence_time,
        home_team_tricode: game.home_tricode.clone(),
        away_team_tricode: game.away_tricode.clone(),
        game_code: game.game_code.clone(),
        bookmaker: line.bookmaker_key.clone(),
        bookmaker_title: line.bookmaker_title.clone(),
        market: market.to_string(),
        outcome: line.outcome.clone(),
        outcome_tricode: line.outcome_tricode.clone(),
        spread,
        total,
        price,
        last_update: line.last_update,
        source_file: ctx.source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at: ctx.processed_at,
    }
}

#[cfg(test)]
mod tests {
    use nba_schemas::validate_row;
    use nba_upstream::fixtures;
    use serde_json::json;

    use super::*;
    use crate::processors::testing::{parse, t, valid_rows};

    const FIXTURE: &str = "odds-api/historical_event_odds_game_lines.json";
    const EVENT_HIST_KEY: &str =
        "odds-api/event-game-lines-historical/2024-01-24/cd0bc7d0c238f4446ce1c03d0cea7ec4/20240125_040000.json";
    const LIVE_KEY: &str = "odds-api/game-lines/2025-01-10/20250110_170000.json";

    fn find<'a>(rows: &'a [OddsApiGameLine], book: &str, market: &str, outcome: &str) -> &'a OddsApiGameLine {
        rows.iter()
            .find(|r| r.bookmaker == book && r.market == market && r.outcome == outcome)
            .unwrap()
    }

    #[test]
    fn recorded_historical_event_lines_in_decimal_become_american() {
        let body = fixtures::bytes(FIXTURE);
        let parsed = parse(&GameLinesProcessor(Kind::EventHistorical), EVENT_HIST_KEY, &body).unwrap();
        assert!(parsed.rejected.is_empty());
        let rows: Vec<OddsApiGameLine> = valid_rows(&parsed);
        assert_eq!(rows.len(), 8);
        assert_eq!(rows.iter().filter(|r| r.market == "spreads").count(), 4);
        assert_eq!(rows.iter().filter(|r| r.market == "totals").count(), 4);
        let gsw = find(&rows, "draftkings", "spreads", "Golden State Warriors");
        // Decimal 1.83 is American -120.
        assert_eq!((gsw.spread, gsw.total, gsw.price), (Some(-6.5), None, -120.0));
        assert_eq!(gsw.outcome_tricode.as_deref(), Some("GSW"));
        assert_eq!(gsw.snapshot_at, t("2024-01-25T03:55:40Z"));
        // 03:20 UTC on Jan 25 is 22:20 ET on Jan 24.
        assert_eq!(
            (gsw.game_date.to_string().as_str(), gsw.game_code.as_str()),
            ("2024-01-24", "20240124_ATL_GSW")
        );
        let under = find(&rows, "fanduel", "totals", "Under");
        assert_eq!((under.total, under.spread, under.price), (Some(247.5), None, -114.0));
        assert_eq!(under.last_update, Some(t("2024-01-25T03:55:01Z")));
        assert_eq!(under.outcome_tricode, None);
    }

    #[test]
    fn live_and_historical_lists_with_h2h() {
        let v = fixtures::json(FIXTURE);
        let list = serde_json::to_vec(&json!([v["data"]])).unwrap();
        let parsed = parse(&GameLinesProcessor(Kind::Live), LIVE_KEY, &list).unwrap();
        let rows: Vec<OddsApiGameLine> = valid_rows(&parsed);
        assert_eq!(rows.len(), 8);
        assert!(rows.iter().all(|r| r.snapshot_at == t("2025-01-10T17:00:00Z")));
        let hist = serde_json::to_vec(&json!({"timestamp": v["timestamp"], "data": [v["data"]]})).unwrap();
        let key = "odds-api/game-lines-historical/2024-01-24/20240125_040000.json";
        let rows: Vec<OddsApiGameLine> = valid_rows(&parse(&GameLinesProcessor(Kind::Historical), key, &hist).unwrap());
        assert_eq!(rows[0].snapshot_at, t("2024-01-25T03:55:40Z"));

        let h2h = json!([{"id": "cd0bc7d0c238f4446ce1c03d0cea7ec4", "sport_key": "basketball_nba",
          "commence_time": "2024-01-25T03:20:30Z", "home_team": "Golden State Warriors", "away_team": "Atlanta Hawks",
          "bookmakers": [{"key": "fanduel", "title": "FanDuel", "markets": [
            {"key": "h2h", "outcomes": [{"name": "Atlanta Hawks", "price": 250}, {"name": "Golden State Warriors", "price": -300}]}]}]}]);
        let parsed = parse(
            &GameLinesProcessor(Kind::Live),
            LIVE_KEY,
            &serde_json::to_vec(&h2h).unwrap(),
        )
        .unwrap();
        let rows: Vec<OddsApiGameLine> = valid_rows(&parsed);
        let hawks = find(&rows, "fanduel", "h2h", "Atlanta Hawks");
        assert_eq!((hawks.price, hawks.spread, hawks.total), (250.0, None, None));
        assert_eq!(hawks.outcome_tricode.as_deref(), Some("ATL"));
    }

    #[test]
    fn insane_points_fail_their_own_column_check() {
        let mut v = fixtures::json(FIXTURE);
        v["data"]["bookmakers"][0]["markets"][0]["outcomes"][0]["point"] = json!(65.5);
        v["data"]["bookmakers"][0]["markets"][1]["outcomes"][0]["point"] = json!(24.5);
        let body = serde_json::to_vec(&v).unwrap();
        let parsed = parse(&GameLinesProcessor(Kind::EventHistorical), EVENT_HIST_KEY, &body).unwrap();
        let rows = &parsed.tables[0].rows;
        let bad = |i: usize| -> Vec<String> {
            validate_row(OddsApiGameLine::SCHEMA, &rows[i])
                .unwrap_err()
                .into_iter()
                .map(|v| v.column)
                .collect()
        };
        assert_eq!(bad(0), ["spread"]);
        assert_eq!(bad(2), ["total"]);
        assert!(validate_row(OddsApiGameLine::SCHEMA, &rows[1]).is_ok());
    }

    #[test]
    fn structural_problems_name_the_field() {
        let p = GameLinesProcessor(Kind::EventHistorical);
        let body = fixtures::text(FIXTURE).replacen("\"price\"", "\"odds\"", 1);
        let err = parse(&p, EVENT_HIST_KEY, body.as_bytes()).unwrap_err();
        assert_eq!(err.field, "data.bookmakers[0].markets[0].outcomes[0].price");
        let body = fixtures::text(FIXTURE).replacen("\"point\":6.5", "\"points\":6.5", 1);
        let err = parse(&p, EVENT_HIST_KEY, body.as_bytes()).unwrap_err();
        assert_eq!(err.field, "data.bookmakers[0].markets[0].outcomes[0].point");
        let err = parse(&GameLinesProcessor(Kind::Live), LIVE_KEY, b"{}").unwrap_err();
        assert_eq!(err.field, "$");
    }

    #[test]
    fn every_kind_batches_and_routes_to_itself() {
        let registry = crate::ProcessorRegistry::standard();
        for kind in Kind::ALL {
            let p = GameLinesProcessor(kind);
            assert_eq!(p.mode(), Mode::BatchByDate);
            let key = format!("{}2025-01-10/20250110_170000.json", p.prefix());
            assert_eq!(registry.route(&key).map(|r| r.name()), Some(p.name()));
        }
    }
}
