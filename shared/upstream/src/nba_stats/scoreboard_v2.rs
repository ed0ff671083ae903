//! `stats.nba.com/stats/scoreboardv2?GameDate=YYYY-MM-DD&LeagueID=00&DayOffset=0`: the games of one day.
//!
//! Tabular. `GameHeader` has one row per game (ids, status, home/visitor team ids); `LineScore` one row per
//! team and game (tricode, quarter points, total). The decoder joins them into one record per game with
//! both teams' tricodes and scores, and also returns the line scores. The other tables (standings, last
//! meeting, leaders) are not decoded.
//!
//! Upstream quirk: `GameHeader` sometimes repeats a game's row verbatim (seen for a 2026-02-22 game listed
//! three times). Games are deduplicated on `GAME_ID`, keeping the first row. A day without games is an empty
//! list; a scheduled game has null scores.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{GameStatus, TeamLineScore, decode_line_scores, status};
use super::result_sets::decode_result_sets;
use super::value::{date, int, trimmed};
use crate::ShapeError;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "scoreboardv2";

/// One game of the day, joined from `GameHeader` and `LineScore`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreboardV2Game {
    /// NBA game id, e.g. `0022400561`.
    pub game_id: String,
    /// ET calendar date of the game (`GAME_DATE_EST`).
    pub game_date: NaiveDate,
    /// Order of the game in the day's slate.
    pub game_sequence: Option<i64>,
    pub status: GameStatus,
    /// `"Final"`, `"7:30 pm ET"`, `"Q3 5:12"`…, trimmed.
    pub status_text: String,
    /// `YYYYMMDD/AWAYHOME`, e.g. `20250115/NYKPHI`.
    pub game_code: Option<String>,
    /// Season start year, e.g. `"2024"` for 2024-25.
    pub season: Option<String>,
    pub home_team_id: i64,
    pub away_team_id: i64,
    /// From `LineScore`; `None` if the game has no line-score row.
    pub home_team_abbreviation: Option<String>,
    pub away_team_abbreviation: Option<String>,
    /// Points; `None` before tip-off.
    pub home_pts: Option<u32>,
    pub away_pts: Option<u32>,
    /// Current or last period played (5 = first overtime).
    pub live_period: Option<i64>,
    pub arena_name: Option<String>,
    pub national_tv: Option<String>,
}

/// The decoded `scoreboardv2` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreboardV2 {
    pub games: Vec<ScoreboardV2Game>,
    pub line_scores: Vec<TeamLineScore>,
}

/// Decodes a `scoreboardv2` body.
pub fn decode_scoreboard_v2(body: &Value) -> Result<ScoreboardV2, ShapeError> {
    let sets = decode_result_sets(body, ENDPOINT)?;
    let line_scores = decode_line_scores(sets.get("LineScore")?)?;
    let gh = sets.get("GameHeader")?;
    let game_id = gh.col("GAME_ID")?;
    let game_date = gh.col("GAME_DATE_EST")?;
    let sequence = gh.opt_col("GAME_SEQUENCE");
    let status_id = gh.col("GAME_STATUS_ID")?;
    let status_text = gh.col("GAME_STATUS_TEXT")?;
    let code = gh.opt_col("GAMECODE");
    let season = gh.opt_col("SEASON");
    let home = gh.col("HOME_TEAM_ID")?;
    let away = gh.col("VISITOR_TEAM_ID")?;
    let period = gh.opt_col("LIVE_PERIOD");
    let arena = gh.opt_col("ARENA_NAME");
    let natl = gh.opt_col("NATL_TV_BROADCASTER_ABBREVIATION");

    let mut games: Vec<ScoreboardV2Game> = Vec::new();
    for row in gh.rows() {
        let id = row.req(&game_id, trimmed)?;
        if games.iter().any(|g| g.game_id == id) {
            continue;
        }
        let home_team_id = row.req(&home, int)?;
        let away_team_id = row.req(&away, int)?;
        let line = |team: i64| line_scores.iter().find(|l| l.game_id == id && l.team_id == team);
        let (home_line, away_line) = (line(home_team_id), line(away_team_id));
        games.push(ScoreboardV2Game {
            game_date: row.req(&game_date, date)?,
            game_sequence: row.opt(sequence.as_ref(), int)?,
            status: row.req(&status_id, status)?,
            status_text: row.get(&status_text, trimmed)?.unwrap_or_default(),
            game_code: row.opt(code.as_ref(), trimmed)?,
            season: row.opt(season.as_ref(), trimmed)?,
            home_team_id,
            away_team_id,
            home_team_abbreviation: home_line.map(|l| l.team_abbreviation.clone()),
            away_team_abbreviation: away_line.map(|l| l.team_abbreviation.clone()),
            home_pts: home_line.and_then(|l| l.pts),
            away_pts: away_line.and_then(|l| l.pts),
            live_period: row.opt(period.as_ref(), int)?,
            arena_name: row.opt(arena.as_ref(), trimmed)?,
            national_tv: row.opt(natl.as_ref(), trimmed)?,
            game_id: id,
        });
    }
    Ok(ScoreboardV2 { games, line_scores })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::nba_stats::cassette;
    use serde_json::json;

    #[test]
    fn final_day_2025_01_15() {
        let sb = decode_scoreboard_v2(&fixtures::json("nba-stats/scoreboardv2.json")).unwrap();
        assert_eq!(sb.games.len(), 11);
        assert_eq!(sb.line_scores.len(), 22);
        let g = &sb.games[0];
        assert_eq!(g.game_id, "0022400561");
        assert_eq!(g.game_date, NaiveDate::from_ymd_opt(2025, 1, 15).unwrap());
        assert_eq!(g.status, GameStatus::Final);
        assert_eq!(
            (g.home_team_abbreviation.as_deref(), g.away_team_abbreviation.as_deref()),
            (Some("PHI"), Some("NYK"))
        );
        assert_eq!((g.home_pts, g.away_pts), (Some(119), Some(125)));
        assert_eq!(g.live_period, Some(5), "went to overtime");
        assert!(
            sb.games
                .iter()
                .all(|g| g.status == GameStatus::Final && g.home_pts.is_some())
        );
        let nyk = sb.line_scores.iter().find(|l| l.team_abbreviation == "NYK").unwrap();
        assert_eq!(nyk.pts_quarters, vec![Some(30), Some(30), Some(25), Some(24)]);
        assert_eq!(nyk.pts_overtimes[0], Some(16));
    }

    #[test]
    fn scheduled_day_with_duplicated_header_rows() {
        let sb = decode_scoreboard_v2(&cassette::body(
            "nba-stats/nba_api-cassettes/test_endpoints[ScoreboardV2].yaml",
        ))
        .unwrap();
        // GameHeader has 13 rows, one game repeated three times.
        assert_eq!(sb.games.len(), 11);
        let bos_lal = sb.games.iter().find(|g| g.game_id == "0022500823").unwrap();
        assert_eq!(bos_lal.status, GameStatus::Scheduled);
        assert_eq!(bos_lal.status_text, "6:30 pm ET");
        assert_eq!(bos_lal.home_team_abbreviation.as_deref(), Some("LAL"));
        assert_eq!(bos_lal.home_pts, None);
        assert!(sb.line_scores.iter().all(|l| l.pts.is_none()));
    }

    #[test]
    fn missing_column_or_table_fails_naming_it() {
        let mut body = fixtures::json("nba-stats/scoreboardv2.json");
        body["resultSets"][0]["headers"][2] = json!("GAMEID");
        let e = decode_scoreboard_v2(&body).unwrap_err();
        assert_eq!(
            (e.endpoint.as_str(), e.field.as_str()),
            ("scoreboardv2", "resultSets[GameHeader].GAME_ID")
        );
        let mut body = fixtures::json("nba-stats/scoreboardv2.json");
        body["resultSets"][1]["name"] = json!("LineScores");
        assert_eq!(decode_scoreboard_v2(&body).unwrap_err().field, "resultSets[LineScore]");
        assert_eq!(decode_scoreboard_v2(&json!({})).unwrap_err().field, "resultSets");
        assert!(crate::nba_stats::parse_body(ENDPOINT, b"<!DOCTYPE html><html>Access Denied</html>").is_err());
    }

    #[test]
    fn reordered_columns_decode_the_same() {
        let body = fixtures::json("nba-stats/scoreboardv2.json");
        let mut reordered = body.clone();
        for set in reordered["resultSets"].as_array_mut().unwrap() {
            set["headers"].as_array_mut().unwrap().reverse();
            for row in set["rowSet"].as_array_mut().unwrap() {
                row.as_array_mut().unwrap().reverse();
            }
        }
        assert_eq!(
            decode_scoreboard_v2(&body).unwrap(),
            decode_scoreboard_v2(&reordered).unwrap()
        );
    }
}
