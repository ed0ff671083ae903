//! `stats.nba.com/stats/leaguegamelog?PlayerOrTeam=P|T&Season=2024-25&SeasonType=Regular+Season&…`:
//! every player-game (`P`) or team-game (`T`) of a season or date range, one row each.
//!
//! Tabular, one table `LeagueGameLog`. Players who did not play have no row. `MIN` is whole minutes here
//! (a number, not `"34:12"`); other seasons and date-filtered requests use the same columns. The decoder
//! also derives home/away and the opponent from `MATCHUP` (`"GSW vs. NYK"` = home game against NYK,
//! `"MIN @ DEN"` = away game at DEN), since that is what every consumer needs and the format has been
//! stable for decades; an unrecognised matchup is an error rather than a guess.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{BoxStats, BoxStatsCols};
use super::result_sets::{Col, ResultSet, Row, decode_result_sets};
use super::value::{date, int, trimmed};
use crate::ShapeError;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "leaguegamelog";

/// One player's line in one game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeagueGameLogPlayer {
    /// Season id, e.g. `"22024"` (`2` = regular season, 2024-25).
    pub season_id: Option<String>,
    pub player_id: i64,
    pub player_name: String,
    pub team_id: i64,
    pub team_abbreviation: String,
    pub team_name: Option<String>,
    pub game_id: String,
    /// ET calendar date of the game.
    pub game_date: NaiveDate,
    /// `"GSW vs. NYK"` (home) or `"GSW @ NYK"` (away).
    pub matchup: String,
    pub is_home: bool,
    pub opponent_abbreviation: String,
    /// `"W"` or `"L"`; null for a game in progress.
    pub wl: Option<String>,
    #[serde(flatten)]
    pub stats: BoxStats,
    pub fantasy_pts: Option<f64>,
}

/// One team's line in one game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeagueGameLogTeam {
    pub season_id: Option<String>,
    pub team_id: i64,
    pub team_abbreviation: String,
    pub team_name: Option<String>,
    pub game_id: String,
    pub game_date: NaiveDate,
    pub matchup: String,
    pub is_home: bool,
    pub opponent_abbreviation: String,
    pub wl: Option<String>,
    /// Team totals; `minutes` is 240 for regulation, 265 with one overtime.
    #[serde(flatten)]
    pub stats: BoxStats,
}

/// Decodes a `leaguegamelog?PlayerOrTeam=P` body.
pub fn decode_league_game_log_players(body: &Value) -> Result<Vec<LeagueGameLogPlayer>, ShapeError> {
    let sets = decode_result_sets(body, ENDPOINT)?;
    let rs = sets.get_or_only("LeagueGameLog")?;
    let game = GameCols::locate(rs)?;
    let player_id = rs.col("PLAYER_ID")?;
    let player_name = rs.col("PLAYER_NAME")?;
    let fantasy = rs.opt_col("FANTASY_PTS");
    let stats = BoxStatsCols::locate(rs, true)?;
    rs.rows()
        .map(|row| {
            let g = game.read(&row)?;
            Ok(LeagueGameLogPlayer {
                season_id: g.season_id,
                player_id: row.req(&player_id, int)?,
                player_name: row.req(&player_name, trimmed)?,
                team_id: g.team_id,
                team_abbreviation: g.team_abbreviation,
                team_name: g.team_name,
                game_id: g.game_id,
                game_date: g.game_date,
                matchup: g.matchup,
                is_home: g.is_home,
                opponent_abbreviation: g.opponent,
                wl: g.wl,
                stats: stats.read(&row)?,
                fantasy_pts: row.opt(fantasy.as_ref(), super::value::float)?,
            })
        })
        .collect()
}

/// Decodes a `leaguegamelog?PlayerOrTeam=T` body.
pub fn decode_league_game_log_teams(body: &Value) -> Result<Vec<LeagueGameLogTeam>, ShapeError> {
    let sets = decode_result_sets(body, ENDPOINT)?;
    let rs = sets.get_or_only("LeagueGameLog")?;
    if rs.opt_col("PLAYER_ID").is_some() {
        return Err(ShapeError::new(
            super::SOURCE,
            ENDPOINT,
            format!("resultSets[{}].PLAYER_ID", rs.name),
            "a player game log (PlayerOrTeam=P) where a team log was expected",
        ));
    }
    let game = GameCols::locate(rs)?;
    let stats = BoxStatsCols::locate(rs, true)?;
    rs.rows()
        .map(|row| {
            let g = game.read(&row)?;
            Ok(LeagueGameLogTeam {
                season_id: g.season_id,
                team_id: g.team_id,
                team_abbreviation: g.team_abbreviation,
                team_name: g.team_name,
                game_id: g.game_id,
                game_date: g.game_date,
                matchup: g.matchup,
                is_home: g.is_home,
                opponent_abbreviation: g.opponent,
                wl: g.wl,
                stats: stats.read(&row)?,
            })
        })
        .collect()
}

struct GameCols {
    set: String,
    season_id: Option<Col>,
    team_id: Col,
    team_abbreviation: Col,
    team_name: Option<Col>,
    game_id: Col,
    game_date: Col,
    matchup: Col,
    wl: Col,
}

struct GameFields {
    season_id: Option<String>,
    team_id: i64,
    team_abbreviation: String,
    team_name: Option<String>,
    game_id: String,
    game_date: NaiveDate,
    matchup: String,
    is_home: bool,
    opponent: String,
    wl: Option<String>,
}

impl GameCols {
    fn locate(rs: &ResultSet) -> Result<Self, ShapeError> {
        Ok(GameCols {
            set: rs.name.clone(),
            season_id: rs.opt_col("SEASON_ID"),
            team_id: rs.col("TEAM_ID")?,
            team_abbreviation: rs.col("TEAM_ABBREVIATION")?,
            team_name: rs.opt_col("TEAM_NAME"),
            game_id: rs.col("GAME_ID")?,
            game_date: rs.col("GAME_DATE")?,
            matchup: rs.col("MATCHUP")?,
            wl: rs.col("WL")?,
        })
    }

    fn read(&self, row: &Row<'_>) -> Result<GameFields, ShapeError> {
        let matchup = row.req(&self.matchup, trimmed)?;
        let (is_home, opponent) = parse_matchup(&matchup).ok_or_else(|| {
            ShapeError::new(
                super::SOURCE,
                ENDPOINT,
                format!("resultSets[{}].rowSet[{}].MATCHUP", self.set, row.index),
                format!("unrecognised matchup {matchup:?} (expected \"AAA vs. BBB\" or \"AAA @ BBB\")"),
            )
        })?;
        Ok(GameFields {
            season_id: row.opt(self.season_id.as_ref(), trimmed)?,
            team_id: row.req(&self.team_id, int)?,
            team_abbreviation: row.req(&self.team_abbreviation, trimmed)?,
            team_name: row.opt(self.team_name.as_ref(), trimmed)?,
            game_id: row.req(&self.game_id, trimmed)?,
            game_date: row.req(&self.game_date, date)?,
            is_home,
            opponent,
            matchup,
            wl: row.get(&self.wl, trimmed)?,
        })
    }
}

/// `"GSW vs. NYK"` → (home, `"NYK"`); `"MIN @ DEN"` → (away, `"DEN"`).
pub fn parse_matchup(matchup: &str) -> Option<(bool, String)> {
    let (is_home, opponent) = if let Some((_, opp)) = matchup.split_once(" vs. ") {
        (true, opp)
    } else if let Some((_, opp)) = matchup.split_once(" vs ") {
        (true, opp)
    } else if let Some((_, opp)) = matchup.split_once(" @ ") {
        (false, opp)
    } else {
        return None;
    };
    let opponent = opponent.trim();
    if opponent.is_empty() {
        None
    } else {
        Some((is_home, opponent.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::nba_stats::cassette;
    use serde_json::json;

    const PLAYERS: &str = "nba-stats/leaguegamelog_players_2025-03-15.json";

    #[test]
    fn players_of_2025_03_15() {
        let rows = decode_league_game_log_players(&fixtures::json(PLAYERS)).unwrap();
        assert_eq!(rows.len(), 157);
        let curry = rows.iter().find(|r| r.player_name == "Stephen Curry").unwrap();
        assert_eq!(curry.player_id, 201939);
        assert_eq!(curry.game_id, "0022400974");
        assert_eq!(curry.game_date, NaiveDate::from_ymd_opt(2025, 3, 15).unwrap());
        assert_eq!((curry.is_home, curry.opponent_abbreviation.as_str()), (true, "NYK"));
        assert_eq!(curry.wl.as_deref(), Some("W"));
        assert_eq!(curry.stats.pts, Some(28));
        assert_eq!(curry.stats.minutes, Some(35.0));
        assert_eq!((curry.stats.fg3m, curry.stats.fg3a), (Some(4), Some(13)));
        assert_eq!(curry.stats.plus_minus, Some(-5.0));
        assert!(
            rows.iter()
                .all(|r| r.game_date == curry.game_date && r.stats.pts.is_some())
        );
        let games: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.game_id.as_str()).collect();
        assert_eq!(games.len(), 8);
    }

    #[test]
    fn teams_of_2018_19() {
        let rows = decode_league_game_log_teams(&fixtures::json("nba-stats/leaguegamelog_teams_2018-19.json")).unwrap();
        assert_eq!(rows.len(), 2460, "1230 games x 2 teams");
        let min = &rows[0];
        assert_eq!(
            (min.team_abbreviation.as_str(), min.game_id.as_str()),
            ("MIN", "0021801228")
        );
        assert_eq!((min.is_home, min.opponent_abbreviation.as_str()), (false, "DEN"));
        assert_eq!((min.stats.pts, min.stats.minutes), (Some(95), Some(240.0)));
        // Every game appears twice, once per team, with opposite margins.
        let home_pts: u32 = rows.iter().filter(|r| r.is_home).filter_map(|r| r.stats.pts).sum();
        let away_pts: u32 = rows.iter().filter(|r| !r.is_home).filter_map(|r| r.stats.pts).sum();
        assert!(home_pts > away_pts, "home advantage over a full season");
        assert_eq!(rows.iter().filter(|r| r.is_home).count(), 1230);
    }

    #[test]
    fn teams_of_2025_26_from_cassette() {
        let body = cassette::body("nba-stats/nba_api-cassettes/test_endpoints[LeagueGameLog].yaml");
        let rows = decode_league_game_log_teams(&body).unwrap();
        assert_eq!(rows.len(), 1688);
        let hou = rows
            .iter()
            .find(|r| r.game_id == "0022500001" && r.team_abbreviation == "HOU")
            .unwrap();
        assert_eq!(
            (hou.stats.minutes, hou.stats.pts, hou.wl.as_deref()),
            (Some(290.0), Some(124), Some("L"))
        );
        // A team log is not a player log.
        assert!(
            decode_league_game_log_players(&body)
                .unwrap_err()
                .field
                .ends_with("PLAYER_ID")
        );
        assert!(decode_league_game_log_teams(&fixtures::json(PLAYERS)).is_err());
    }

    #[test]
    fn renamed_or_malformed_fields_fail() {
        let mut body = fixtures::json(PLAYERS);
        let headers = body["resultSets"][0]["headers"].as_array_mut().unwrap();
        let pts = headers.iter().position(|h| h == "PTS").unwrap();
        headers[pts] = json!("POINTS");
        let e = decode_league_game_log_players(&body).unwrap_err();
        assert_eq!(e.field, "resultSets[LeagueGameLog].PTS");
        let mut body = fixtures::json(PLAYERS);
        body["resultSets"][0]["rowSet"][3][8] = json!("GSW v NYK");
        assert_eq!(
            decode_league_game_log_players(&body).unwrap_err().field,
            "resultSets[LeagueGameLog].rowSet[3].MATCHUP"
        );
        assert_eq!(
            decode_league_game_log_players(&json!({})).unwrap_err().field,
            "resultSets"
        );
    }

    #[test]
    fn matchups() {
        assert_eq!(parse_matchup("GSW vs. NYK"), Some((true, "NYK".into())));
        assert_eq!(parse_matchup("MIN @ DEN"), Some((false, "DEN".into())));
        assert_eq!(parse_matchup("MIN at DEN"), None);
    }
}
