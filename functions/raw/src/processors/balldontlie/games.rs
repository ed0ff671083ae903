//! `balldontlie/games/…` (`/v1/games`, cursor pages merged) → `nba_raw.bdl_games`.

use chrono::{NaiveDate, Utc};
use nba_schemas::tables::raw_balldontlie::BdlGame;
use nba_schemas::{Table, TableSchema};
use nba_upstream::balldontlie::games::{Game, decode_games};

use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::sink::{Refusal, Sink, exhibition};
use nba_upstream::teams::nba_tricode;

pub struct BdlGamesProcessor;

impl RawProcessor for BdlGamesProcessor {
    fn name(&self) -> &'static str {
        "bdl_games_processor"
    }

    fn source_name(&self) -> &'static str {
        "bdl_games"
    }

    fn prefix(&self) -> &'static str {
        "balldontlie/games/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![BdlGame::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let page = decode_games(object.body)?;
        let mut sink = Sink::new(BdlGame::SCHEMA);
        for game in &page.data {
            let (home, away) = (&game.home_team.abbreviation, &game.visitor_team.abbreviation);
            if nba_tricode(home).is_err() && nba_tricode(away).is_err() {
                sink.skip(exhibition(game.id, home, away));
                continue;
            }
            let mut refusal = Refusal::default();
            let row = game_row(game, object.uri, &mut refusal);
            sink.push(row.to_row(), refusal);
        }
        Ok(sink.finish())
    }
}

/// `YYYYMMDD_AWAY_HOME`, the key other sources' games are matched on.
pub(super) fn game_code(date: NaiveDate, away: &str, home: &str) -> String {
    format!("{}_{away}_{home}", date.format("%Y%m%d"))
}

fn game_row(g: &Game, source_file: &str, refusal: &mut Refusal) -> BdlGame {
    let home = refusal.tricode("home_team_tricode", &g.home_team.abbreviation);
    let away = refusal.tricode("away_team_tricode", &g.visitor_team.abbreviation);
    // balldontlie answers 0-0 with period 0 before tip-off: not a score yet.
    let started = g.period != Some(0);
    let score = |s: Option<u32>| s.filter(|_| started).map(i64::from);
    BdlGame {
        bdl_game_id: g.id,
        game_date: g.date,
        game_code: game_code(g.date, &away, &home),
        season: g.season,
        postseason: g.postseason,
        status: g.status.clone(),
        period: g.period,
        time: g.time.clone(),
        tip_time_utc: g.datetime,
        home_bdl_team_id: g.home_team.id,
        home_team_tricode: home,
        away_bdl_team_id: g.visitor_team.id,
        away_team_tricode: away,
        home_score: score(g.home_team_score),
        away_score: score(g.visitor_team_score),
        source_file: source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at: Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use nba_schemas::validate_row;
    use nba_upstream::fixtures;
    use serde_json::json;

    use super::*;
    use crate::processors::testing::{assert_valid, parse, rows};

    const KEY: &str = "balldontlie/games/2025-02-20/20250220_180000.json";

    fn games(body: &[u8]) -> Vec<BdlGame> {
        let parsed = parse(&BdlGamesProcessor, KEY, body).unwrap();
        assert_valid(&parsed);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        rows(&parsed, BdlGame::SCHEMA)
            .into_iter()
            .map(|r| BdlGame::from_row(r).unwrap())
            .collect()
    }

    #[test]
    fn recorded_day_becomes_one_row_per_game() {
        let rows = games(&fixtures::bytes("balldontlie/games_278cb9ed.json"));
        assert_eq!(rows.len(), 9);
        let den = rows.iter().find(|g| g.bdl_game_id == 15908525).unwrap();
        assert_eq!(den.game_date, NaiveDate::from_ymd_opt(2025, 2, 20).unwrap());
        assert_eq!(den.game_code, "20250220_CHA_DEN");
        assert_eq!((den.home_score, den.away_score), (Some(129), Some(115)));
        assert_eq!((den.home_bdl_team_id, den.away_bdl_team_id), (8, 4));
        // 02:00 UTC on the 21st is 21:00 ET on the 20th: the game's date stays the 20th.
        assert_eq!(den.tip_time_utc.unwrap().to_rfc3339(), "2025-02-21T02:00:00+00:00");
        assert!(
            rows.iter()
                .all(|g| g.status == "Final" && g.season == 2024 && !g.postseason)
        );
    }

    #[test]
    fn scheduled_games_have_no_score_and_codes_are_normalised() {
        let body = json!({"data": [{"id": 7, "date": "2025-01-10", "season": 2024, "status": "7:00 pm ET",
            "period": 0, "time": null, "postseason": false, "home_team_score": 0, "visitor_team_score": 0,
            "home_team": {"id": 10, "abbreviation": "GS", "name": "Warriors", "full_name": "Golden State Warriors"},
            "visitor_team": {"id": 29, "abbreviation": "UTAH", "name": "Jazz", "full_name": "Utah Jazz"}}],
            "meta": {"per_page": 100}});
        let g = &games(&serde_json::to_vec(&body).unwrap())[0];
        assert_eq!((g.home_score, g.away_score), (None, None));
        assert_eq!(g.game_code, "20250110_UTA_GSW");
        assert_eq!(g.tip_time_utc, None);
    }

    #[test]
    fn unknown_team_is_refused_with_the_reason() {
        let body = fixtures::text("balldontlie/games_278cb9ed.json").replacen("\"DEN\"", "\"SEA\"", 1);
        let parsed = parse(&BdlGamesProcessor, KEY, body.as_bytes()).unwrap();
        assert_eq!(rows(&parsed, BdlGame::SCHEMA).len(), 8);
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].column, "home_team_tricode");
        assert!(parsed.rejected[0].reason.contains("SEA"));
    }

    /// The All-Star weekend's Rising Stars games ("TMC" vs "TMM") are left out with the
    /// reason; rejecting them failed the season's replay every February.
    #[test]
    fn all_star_exhibitions_are_skipped_with_the_reason() {
        let team = |id: u32, abbreviation: &str| json!({"id": id, "abbreviation": abbreviation, "name": abbreviation, "full_name": abbreviation});
        let game = |id: u32, home: serde_json::Value, away: serde_json::Value| {
            json!({"id": id, "date": "2025-02-14",
            "season": 2024, "status": "Final", "period": 4, "time": "Final", "postseason": false,
            "home_team_score": 40, "visitor_team_score": 36, "home_team": home, "visitor_team": away})
        };
        let body = json!({"data": [
            game(1, team(41, "TMC"), team(42, "TMM")),
            game(2, team(10, "GS"), team(29, "UTAH")),
        ], "meta": {"per_page": 100}});
        let parsed = parse(&BdlGamesProcessor, KEY, &serde_json::to_vec(&body).unwrap()).unwrap();
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        assert_eq!(rows(&parsed, BdlGame::SCHEMA).len(), 1);
        assert_eq!(parsed.skipped.len(), 1);
        assert!(
            parsed.skipped[0].contains("game 1 TMC vs TMM: neither team is an NBA franchise"),
            "{:?}",
            parsed.skipped
        );
    }

    #[test]
    fn broken_body_names_the_field() {
        let body = fixtures::text("balldontlie/games_278cb9ed.json").replacen("\"home_team\"", "\"home\"", 1);
        let e = parse(&BdlGamesProcessor, KEY, body.as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].home_team");
        assert_eq!(parse(&BdlGamesProcessor, KEY, b"{}").unwrap_err().field, "data");
    }

    #[test]
    fn validation_rejects_bad_values() {
        let row = games(&fixtures::bytes("balldontlie/games_278cb9ed.json"))[0].to_row();
        for (column, bad) in [
            ("home_score", json!(-3)),
            ("home_team_tricode", json!("DENV")),
            ("bdl_game_id", json!(0)),
        ] {
            let mut r = row.clone();
            r.insert(column.into(), bad);
            let errs = validate_row(BdlGame::SCHEMA, &r).unwrap_err();
            assert_eq!(errs[0].column, column);
        }
    }
}
