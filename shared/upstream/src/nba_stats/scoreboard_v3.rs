//! `stats.nba.com/stats/scoreboardv3?GameDate=YYYY-MM-DD&LeagueID=00`: the games of one day, nested.
//!
//! The V3 successor of `scoreboardv2`: `{"scoreboard": {"gameDate", "games": [{gameId, gameStatus,
//! homeTeam: {teamId, teamTricode, score, periods…}, awayTeam…}]}}`. cdn.nba.com's live
//! `todaysScoreboard_00.json` has the same `scoreboard` object, so both decode into [`Scoreboard`]
//! (see [`crate::nba_cdn::todays_scoreboard`]). An off-season date answers `"games": []`, which decodes to
//! an empty list (valid, not an error). Team keys are required but a team not yet determined (`teamId: 0`,
//! `teamTricode: ""`, as the schedule sends for knockout games) decodes to `None` instead of failing.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SOURCE;
use super::common::{GameStatus, status};
use super::nested::{Ctx, Obj};
use super::value::{count, date, flag, id, int, trimmed, utc};
use crate::ShapeError;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "scoreboardv3";

/// A day's scoreboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scoreboard {
    /// The ET date the scoreboard is for.
    pub game_date: NaiveDate,
    pub games: Vec<ScoreboardGame>,
}

/// One game on a scoreboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreboardGame {
    pub game_id: String,
    /// `YYYYMMDD/AWAYHOME`.
    pub game_code: Option<String>,
    pub status: GameStatus,
    /// `"Final"`, `"7:00 pm ET"`, `"Q3 5:12"`…
    pub status_text: String,
    /// Current or last period (0 before tip-off).
    pub period: Option<i64>,
    /// Clock of a live game as sent (`PT05M12.00S` or empty).
    pub game_clock: Option<String>,
    /// Scheduled tip-off.
    pub game_time_utc: Option<DateTime<Utc>>,
    pub is_neutral: Option<bool>,
    /// `None` while the team is to be determined (`teamId: 0`, empty tricode).
    pub home_team_id: Option<i64>,
    pub home_team_tricode: Option<String>,
    pub home_team_city: Option<String>,
    pub home_team_name: Option<String>,
    pub home_wins: Option<u32>,
    pub home_losses: Option<u32>,
    /// Points (0 before tip-off, as upstream sends it).
    pub home_score: Option<u32>,
    /// Points per period, in period order (overtimes after Q4).
    pub home_periods: Vec<Option<u32>>,
    /// `None` while the team is to be determined (`teamId: 0`, empty tricode).
    pub away_team_id: Option<i64>,
    pub away_team_tricode: Option<String>,
    pub away_team_city: Option<String>,
    pub away_team_name: Option<String>,
    pub away_wins: Option<u32>,
    pub away_losses: Option<u32>,
    pub away_score: Option<u32>,
    pub away_periods: Vec<Option<u32>>,
}

/// Decodes a `scoreboardv3` body.
pub fn decode_scoreboard_v3(body: &Value) -> Result<Scoreboard, ShapeError> {
    decode_scoreboard(Ctx::new(SOURCE, ENDPOINT), body)
}

/// The shared decoder of a `{"scoreboard": {...}}` body.
pub(crate) fn decode_scoreboard(ctx: Ctx, body: &Value) -> Result<Scoreboard, ShapeError> {
    let sb = ctx.root(body)?.obj("scoreboard")?;
    let games = sb.objects("games")?.iter().map(decode_game).collect::<Result<_, _>>()?;
    Ok(Scoreboard {
        game_date: sb.req("gameDate", date)?,
        games,
    })
}

fn decode_game(g: &Obj<'_>) -> Result<ScoreboardGame, ShapeError> {
    let home = g.obj("homeTeam")?;
    let away = g.obj("awayTeam")?;
    let periods = |t: &Obj<'_>| -> Result<Vec<Option<u32>>, ShapeError> {
        t.opt_objects("periods")?
            .iter()
            .map(|p| p.nullable("score", count))
            .collect()
    };
    Ok(ScoreboardGame {
        game_id: g.req("gameId", trimmed)?,
        game_code: g.opt("gameCode", trimmed)?,
        status: g.req("gameStatus", status)?,
        status_text: g.nullable("gameStatusText", trimmed)?.unwrap_or_default(),
        period: g.opt("period", int)?,
        game_clock: g.opt("gameClock", trimmed)?,
        game_time_utc: g.opt("gameTimeUTC", utc)?,
        is_neutral: g.opt("isNeutral", flag)?,
        home_team_id: home.nullable("teamId", id)?,
        home_team_tricode: home.nullable("teamTricode", trimmed)?,
        home_team_city: home.opt("teamCity", trimmed)?,
        home_team_name: home.opt("teamName", trimmed)?,
        home_wins: home.opt("wins", count)?,
        home_losses: home.opt("losses", count)?,
        home_score: home.nullable("score", count)?,
        home_periods: periods(&home)?,
        away_team_id: away.nullable("teamId", id)?,
        away_team_tricode: away.nullable("teamTricode", trimmed)?,
        away_team_city: away.opt("teamCity", trimmed)?,
        away_team_name: away.opt("teamName", trimmed)?,
        away_wins: away.opt("wins", count)?,
        away_losses: away.opt("losses", count)?,
        away_score: away.nullable("score", count)?,
        away_periods: periods(&away)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nba_stats::cassette;
    use serde_json::json;

    const NOV_5: &str =
        "nba-stats/nba_api-cassettes/test_scoreboardv3[Regular season game date - November 5, 2025].yaml";

    #[test]
    fn regular_season_day() {
        let sb = decode_scoreboard_v3(&cassette::body(NOV_5)).unwrap();
        assert_eq!(sb.game_date, NaiveDate::from_ymd_opt(2025, 11, 5).unwrap());
        assert_eq!(sb.games.len(), 11);
        let g = &sb.games[0];
        assert_eq!(g.game_id, "0022500171");
        assert_eq!(g.status, GameStatus::Final);
        assert_eq!(
            (g.home_team_tricode.as_deref(), g.away_team_tricode.as_deref()),
            (Some("CLE"), Some("PHI"))
        );
        assert_eq!(g.home_team_id, Some(1610612739));
        assert_eq!((g.home_score, g.away_score), (Some(132), Some(121)));
        assert_eq!(g.home_periods.len(), 4);
        assert_eq!(g.home_periods[0], Some(41));
        assert_eq!(g.home_periods.iter().flatten().sum::<u32>(), 132);
        assert_eq!(g.game_time_utc.unwrap().to_rfc3339(), "2025-11-06T00:00:00+00:00");
        assert!(sb.games.iter().all(|g| g.game_id.starts_with("00225")));
    }

    #[test]
    fn offseason_day_is_an_empty_list() {
        let body =
            cassette::body("nba-stats/nba_api-cassettes/test_scoreboardv3[Offseason date - no games expected].yaml");
        let sb = decode_scoreboard_v3(&body).unwrap();
        assert_eq!(sb.game_date, NaiveDate::from_ymd_opt(2025, 7, 15).unwrap());
        assert!(sb.games.is_empty());
    }

    #[test]
    fn missing_fields_fail_loudly() {
        let mut body = cassette::body(NOV_5);
        body["scoreboard"]["games"][2]["homeTeam"]
            .as_object_mut()
            .unwrap()
            .remove("teamTricode");
        let e = decode_scoreboard_v3(&body).unwrap_err();
        assert_eq!(e.field, "scoreboard.games[2].homeTeam.teamTricode");
        assert_eq!(
            (e.source_name.as_str(), e.endpoint.as_str()),
            ("nba_stats", "scoreboardv3")
        );
        let mut body = cassette::body(NOV_5);
        body["scoreboard"].as_object_mut().unwrap().remove("games");
        assert_eq!(decode_scoreboard_v3(&body).unwrap_err().field, "scoreboard.games");
        assert_eq!(decode_scoreboard_v3(&json!({})).unwrap_err().field, "scoreboard");
        assert_eq!(decode_scoreboard_v3(&json!("<html></html>")).unwrap_err().field, "$");
        let mut body = cassette::body(NOV_5);
        body["scoreboard"]["games"][0]["gameStatus"] = json!(7);
        assert!(
            decode_scoreboard_v3(&body)
                .unwrap_err()
                .reason
                .contains("unknown game status")
        );
    }
}
