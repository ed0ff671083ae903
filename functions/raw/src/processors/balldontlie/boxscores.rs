//! `balldontlie/stats/…` (`/v1/stats`) and `balldontlie/box-scores/…`
//! (`/v1/box_scores`) → `nba_raw.bdl_player_boxscores`, one row per (game,
//! player). Both endpoints describe the same lines, so both merge on
//! `game_code` + player: `/v1/box_scores` does not always send a game id.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use nba_schemas::tables::raw_balldontlie::BdlPlayerBoxscore;
use nba_schemas::{Table, TableSchema};
use nba_upstream::balldontlie::box_scores::{BoxScoreGame, decode_box_scores};
use nba_upstream::balldontlie::stats::{PlayerStat, decode_stats};
use nba_upstream::balldontlie::{Player, StatLine};

use super::games::game_code;
use super::{count, player_name};
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::lookup;
use crate::processors::sink::{Refusal, Sink};

/// `balldontlie/stats/`: paginated player lines (cursor pages merged by the scraper).
pub struct BdlStatsProcessor;

/// `balldontlie/box-scores/`: a day's games with both teams' player lines.
pub struct BdlBoxScoresProcessor;

impl RawProcessor for BdlStatsProcessor {
    fn name(&self) -> &'static str {
        "bdl_stats_processor"
    }

    fn source_name(&self) -> &'static str {
        "bdl_stats"
    }

    fn prefix(&self) -> &'static str {
        "balldontlie/stats/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![BdlPlayerBoxscore::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let page = decode_stats(object.body)?;
        let teams = team_codes(&page.data);
        let mut sink = Sink::new(BdlPlayerBoxscore::SCHEMA);
        for stat in &page.data {
            let mut refusal = Refusal::default();
            let row = stat_row(stat, &teams, object.uri, &mut refusal);
            sink.push(row.to_row(), refusal);
        }
        Ok(sink.finish())
    }
}

impl RawProcessor for BdlBoxScoresProcessor {
    fn name(&self) -> &'static str {
        "bdl_box_scores_processor"
    }

    fn source_name(&self) -> &'static str {
        "bdl_box_scores"
    }

    fn prefix(&self) -> &'static str {
        "balldontlie/box-scores/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![BdlPlayerBoxscore::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let games = decode_box_scores(object.body)?;
        let mut sink = Sink::new(BdlPlayerBoxscore::SCHEMA);
        for game in &games {
            for (row, refusal) in box_score_rows(game, object.uri) {
                sink.push(row.to_row(), refusal);
            }
        }
        Ok(sink.finish())
    }
}

/// The game a line belongs to, from the line's team's side.
struct Side<'a> {
    date: NaiveDate,
    season: i64,
    postseason: bool,
    status: &'a str,
    team: String,
    opponent: String,
    is_home: bool,
}

impl Side<'_> {
    fn game_code(&self) -> String {
        let (home, away) = if self.is_home {
            (&self.team, &self.opponent)
        } else {
            (&self.opponent, &self.team)
        };
        game_code(self.date, away, home)
    }
}

/// balldontlie team id → abbreviation, from the teams the answer itself
/// nests: `/v1/stats` names a game's teams by id only, and balldontlie's ids
/// are its own (no fixed table is assumed).
fn team_codes(stats: &[PlayerStat]) -> HashMap<i64, String> {
    stats.iter().map(|s| (s.team.id, s.team.abbreviation.clone())).collect()
}

fn stat_row(
    s: &PlayerStat,
    teams: &HashMap<i64, String>,
    source_file: &str,
    refusal: &mut Refusal,
) -> BdlPlayerBoxscore {
    let g = &s.game;
    let is_home = s.team.id == g.home_team_id;
    if !is_home && s.team.id != g.visitor_team_id {
        refusal.note(
            "team_tricode",
            format!("team id {} plays in neither side of game {}", s.team.id, g.id),
        );
    }
    let opponent_id = if is_home { g.visitor_team_id } else { g.home_team_id };
    let team = refusal.tricode("team_tricode", &s.team.abbreviation);
    let opponent = match teams.get(&opponent_id) {
        Some(code) => refusal.tricode("opponent_tricode", code),
        None => {
            let raw = format!("team {opponent_id}");
            refusal.note(
                "opponent_tricode",
                format!("balldontlie team id {opponent_id} has no player lines in this answer"),
            );
            raw
        }
    };
    let side = Side {
        date: g.date,
        season: g.season,
        postseason: g.postseason,
        status: &g.status,
        team,
        opponent,
        is_home,
    };
    line_row(&side, &s.player, &s.stats, source_file)
}

fn box_score_rows(g: &BoxScoreGame, source_file: &str) -> Vec<(BdlPlayerBoxscore, Refusal)> {
    let mut out = Vec::new();
    for (team, opponent, is_home) in [
        (&g.home_team, &g.visitor_team, true),
        (&g.visitor_team, &g.home_team, false),
    ] {
        for p in &team.players {
            let mut refusal = Refusal::default();
            let side = Side {
                date: g.date,
                season: g.season,
                postseason: g.postseason,
                status: &g.status,
                team: refusal.tricode("team_tricode", &team.team.abbreviation),
                opponent: refusal.tricode("opponent_tricode", &opponent.team.abbreviation),
                is_home,
            };
            out.push((line_row(&side, &p.player, &p.stats, source_file), refusal));
        }
    }
    out
}

/// Seconds as decimal minutes (2052 s → 34.2), rounded to 1/100 minute.
fn minutes(seconds: Option<u32>) -> Option<f64> {
    seconds.map(|s| (f64::from(s) / 60.0 * 100.0).round() / 100.0)
}

fn line_row(side: &Side, p: &Player, s: &StatLine, source_file: &str) -> BdlPlayerBoxscore {
    let name = player_name(p);
    BdlPlayerBoxscore {
        game_code: side.game_code(),
        game_date: side.date,
        season: side.season,
        postseason: side.postseason,
        game_status: side.status.to_string(),
        team_tricode: side.team.clone(),
        opponent_tricode: side.opponent.clone(),
        is_home: side.is_home,
        bdl_player_id: p.id,
        player_lookup: lookup(&name),
        player_name: name,
        position: p.position.clone(),
        jersey_number: p.jersey_number.clone(),
        minutes: minutes(s.seconds_played),
        points: count(s.pts),
        fgm: count(s.fgm),
        fga: count(s.fga),
        fg_pct: s.fg_pct,
        fg3m: count(s.fg3m),
        fg3a: count(s.fg3a),
        fg3_pct: s.fg3_pct,
        ftm: count(s.ftm),
        fta: count(s.fta),
        ft_pct: s.ft_pct,
        oreb: count(s.oreb),
        dreb: count(s.dreb),
        reb: count(s.reb),
        ast: count(s.ast),
        stl: count(s.stl),
        blk: count(s.blk),
        turnovers: count(s.turnover),
        fouls: count(s.pf),
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

    const STATS_KEY: &str = "balldontlie/stats/2025-06-22/20250623_090000.json";
    const BOX_KEY: &str = "balldontlie/box-scores/2024-01-15/20240116_090000.json";

    fn lines(p: &dyn RawProcessor, key: &str, body: &[u8]) -> Vec<BdlPlayerBoxscore> {
        let parsed = parse(p, key, body).unwrap();
        assert_valid(&parsed);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        rows(&parsed, BdlPlayerBoxscore::SCHEMA)
            .into_iter()
            .map(|r| BdlPlayerBoxscore::from_row(r).unwrap())
            .collect()
    }

    fn find<'a>(rows: &'a [BdlPlayerBoxscore], name: &str) -> &'a BdlPlayerBoxscore {
        rows.iter()
            .find(|r| r.player_name == name)
            .unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn stats_answer_one_row_per_player() {
        let rows = lines(
            &BdlStatsProcessor,
            STATS_KEY,
            &fixtures::bytes("balldontlie/player_box_scores_1db4c01e.json"),
        );
        assert_eq!(rows.len(), 30);
        let jw = find(&rows, "Jalen Williams");
        assert_eq!((jw.points, jw.minutes), (Some(20), Some(38.0)));
        assert_eq!((jw.fgm, jw.fga, jw.fg_pct), (Some(7), Some(20), Some(0.35)));
        assert_eq!((jw.team_tricode.as_str(), jw.opponent_tricode.as_str()), ("OKC", "IND"));
        assert!(jw.is_home);
        assert_eq!(jw.game_code, "20250622_IND_OKC");
        assert_eq!(jw.player_lookup, "jalenwilliams");
        assert!(jw.postseason);
        // A null percentage stays null, not 0.
        let toppin = rows.iter().find(|r| r.player_name.ends_with("Toppin")).unwrap();
        assert_eq!(toppin.ft_pct, None);
        assert_eq!((toppin.team_tricode.as_str(), toppin.is_home), ("IND", false));
        assert_eq!(toppin.game_code, jw.game_code);
    }

    #[test]
    fn box_scores_answer_both_sides_of_every_game() {
        let body = fixtures::bytes("balldontlie/box_scores_7a649e12.json");
        let rows = lines(&BdlBoxScoresProcessor, BOX_KEY, &body);
        assert_eq!(rows.len(), 384);
        let embiid = find(&rows, "Joel Embiid");
        assert_eq!(
            (embiid.points, embiid.reb, embiid.minutes),
            (Some(41), Some(10), Some(31.0))
        );
        assert_eq!(embiid.game_code, "20240115_HOU_PHI");
        assert_eq!(embiid.game_date, NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
        // A zero-minute line is kept as the source gave it.
        let springer = rows.iter().find(|r| r.player_name.ends_with("Springer")).unwrap();
        assert_eq!(springer.minutes, Some(0.0));
        // Player points add up to the team's score.
        let phi: i64 = rows
            .iter()
            .filter(|r| r.game_code == "20240115_HOU_PHI" && r.team_tricode == "PHI")
            .filter_map(|r| r.points)
            .sum();
        assert_eq!(phi, 124);
        // Every line's game has both sides.
        assert!(rows.iter().all(|r| r.team_tricode != r.opponent_tricode));
        // An empty day is no rows.
        let empty = parse(
            &BdlBoxScoresProcessor,
            BOX_KEY,
            &fixtures::bytes("balldontlie/box_scores_d62cc934.json"),
        )
        .unwrap();
        assert_eq!(empty.rows_read(), 0);
    }

    #[test]
    fn missing_minutes_and_stats_stay_null() {
        let body = br#"{"data":[{"date":"2024-01-15","season":2023,"status":"Final","period":4,"time":"Final","postseason":false,
          "home_team_score":100,"visitor_team_score":99,
          "home_team":{"id":1,"abbreviation":"ATL","name":"Hawks","full_name":"Atlanta Hawks",
            "players":[{"min":"34:12","pts":20,"reb":null,"player":{"id":5,"first_name":"A","last_name":"Bee"}},
                       {"min":"","pts":null,"player":{"id":6,"first_name":"C","last_name":"Dee"}}]},
          "visitor_team":{"id":2,"abbreviation":"BOS","name":"Celtics","full_name":"Boston Celtics","players":[]}}]}"#;
        let rows = lines(&BdlBoxScoresProcessor, BOX_KEY, body);
        assert_eq!(
            (rows[0].minutes, rows[0].points, rows[0].reb),
            (Some(34.2), Some(20), None)
        );
        assert_eq!((rows[1].minutes, rows[1].points), (None, None));
    }

    #[test]
    fn broken_bodies_name_the_field() {
        let body = fixtures::text("balldontlie/player_box_scores_1db4c01e.json").replacen(
            "\"home_team_id\"",
            "\"home_id\"",
            1,
        );
        let e = parse(&BdlStatsProcessor, STATS_KEY, body.as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].game.home_team_id");
        let body = fixtures::text("balldontlie/box_scores_7a649e12.json").replacen("\"pts\"", "\"points\"", 1);
        let e = parse(&BdlBoxScoresProcessor, BOX_KEY, body.as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].home_team.players[0].pts");
    }

    #[test]
    fn impossible_values_fail_validation() {
        // 90 minutes decodes (the decoder allows up to 100) but the table refuses it.
        let body = fixtures::text("balldontlie/player_box_scores_1db4c01e.json").replacen(
            "\"min\":\"38\"",
            "\"min\":\"90\"",
            1,
        );
        let parsed = parse(&BdlStatsProcessor, STATS_KEY, body.as_bytes()).unwrap();
        let row = rows(&parsed, BdlPlayerBoxscore::SCHEMA).remove(0);
        let errs = validate_row(BdlPlayerBoxscore::SCHEMA, &row).unwrap_err();
        assert_eq!((errs[0].column.as_str(), errs[0].value.as_str()), ("minutes", "90.0"));
        for (column, bad) in [
            ("points", json!(-2)),
            ("fg_pct", json!(1.5)),
            ("bdl_player_id", json!(-1)),
        ] {
            let mut r = row.clone();
            r.insert("minutes".into(), json!(38.0));
            r.insert(column.into(), bad);
            let errs = validate_row(BdlPlayerBoxscore::SCHEMA, &r).unwrap_err();
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert_eq!(errs[0].column, column);
        }
    }

    #[test]
    fn an_opponent_without_lines_is_refused_not_guessed() {
        let page: serde_json::Value = fixtures::json("balldontlie/player_box_scores_1db4c01e.json");
        let okc_only: Vec<_> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["team"]["abbreviation"] == "OKC")
            .cloned()
            .collect();
        let n = okc_only.len();
        let body = json!({"data": okc_only, "meta": {"per_page": 100}});
        let parsed = parse(&BdlStatsProcessor, STATS_KEY, &serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(parsed.rejected.len(), n);
        assert_eq!(parsed.rejected[0].column, "opponent_tricode");
        assert!(rows(&parsed, BdlPlayerBoxscore::SCHEMA).is_empty());
    }
}
