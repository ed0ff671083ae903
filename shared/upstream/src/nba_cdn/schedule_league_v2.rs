//! `cdn.nba.com/static/json/staticData/scheduleLeagueV2_1.json`: the season's full schedule.
//!
//! `{"leagueSchedule": {"seasonYear": "2025-26", "gameDates": [{"gameDate": "10/02/2025 00:00:00",
//! "games": [{gameId, gameStatus, gameDateEst, gameDateTimeUTC, homeTeam: {teamId, teamTricode, score…},
//! awayTeam…}]}]}}`. stats.nba.com's `scheduleleaguev2int` answers the identical shape and is decoded by
//! the same function ([`crate::nba_stats::schedule_league_v2_int`]).
//!
//! Games whose teams are not known yet (NBA Cup knockout rounds, play-in, playoffs) carry `teamId: 0` and
//! empty tricodes: they decode with `None` team fields rather than failing. Older schedules lack
//! `gameLabel`, `gameSubLabel` and `isNeutral`, which are therefore optional. `gameDateTimeEst` is ET wall
//! time despite its `Z` suffix, so it is kept as a naive date-time; `gameDateTimeUTC` is the real instant.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SOURCE;
use crate::ShapeError;
use crate::nba_stats::common::{GameStatus, status};
use crate::nba_stats::nested::{Ctx, Obj};
use crate::nba_stats::value::{count, date, flag, id, int, trimmed, utc};

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "scheduleLeagueV2_1";

/// One scheduled game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleGame {
    /// E.g. `"2025-26"`.
    pub season_year: Option<String>,
    pub game_id: String,
    /// `YYYYMMDD/AWAYHOME`.
    pub game_code: Option<String>,
    /// ET calendar date of the game.
    pub game_date: NaiveDate,
    pub game_sequence: Option<i64>,
    pub status: GameStatus,
    /// `"7:30 pm ET"`, `"Final"`, `"PPD"`…
    pub status_text: String,
    /// Tip-off instant.
    pub game_date_time_utc: Option<DateTime<Utc>>,
    /// Tip-off as ET wall-clock time.
    pub game_date_time_et: Option<NaiveDateTime>,
    pub week_number: Option<i64>,
    /// `"Preseason"`, `"Emirates NBA Cup"`…
    pub game_label: Option<String>,
    pub game_sub_label: Option<String>,
    /// `"Global Games"`, `"in-season"`…
    pub game_subtype: Option<String>,
    pub series_text: Option<String>,
    pub if_necessary: Option<bool>,
    pub is_neutral: Option<bool>,
    /// `"A"` (as scheduled), `"N"`, `"Y"` (postponed).
    pub postponed_status: Option<String>,
    pub arena_name: Option<String>,
    pub arena_city: Option<String>,
    pub arena_state: Option<String>,
    /// `None` while the team is to be determined.
    pub home_team_id: Option<i64>,
    pub home_team_tricode: Option<String>,
    pub home_team_city: Option<String>,
    pub home_team_name: Option<String>,
    pub home_wins: Option<u32>,
    pub home_losses: Option<u32>,
    /// Points (0 before tip-off, as upstream sends it).
    pub home_score: Option<u32>,
    pub away_team_id: Option<i64>,
    pub away_team_tricode: Option<String>,
    pub away_team_city: Option<String>,
    pub away_team_name: Option<String>,
    pub away_wins: Option<u32>,
    pub away_losses: Option<u32>,
    pub away_score: Option<u32>,
}

/// Decodes `scheduleLeagueV2_1.json` into one record per game, in schedule order.
pub fn decode_schedule_league_v2(body: &Value) -> Result<Vec<ScheduleGame>, ShapeError> {
    decode_schedule(Ctx::new(SOURCE, ENDPOINT), body)
}

/// The shared decoder of a `{"leagueSchedule": …}` body.
pub(crate) fn decode_schedule(ctx: Ctx, body: &Value) -> Result<Vec<ScheduleGame>, ShapeError> {
    let ls = ctx.root(body)?.obj("leagueSchedule")?;
    let season_year = ls.opt("seasonYear", trimmed)?;
    let mut games = Vec::new();
    for day in ls.objects("gameDates")? {
        let day_date = day.opt("gameDate", date)?;
        for g in day.objects("games")? {
            games.push(decode_game(&g, season_year.clone(), day_date)?);
        }
    }
    Ok(games)
}

fn et_wall_time(v: &Value) -> Result<Option<NaiveDateTime>, String> {
    let Some(s) = trimmed(v)? else { return Ok(None) };
    let head: String = s.chars().take(19).collect();
    NaiveDateTime::parse_from_str(&head, "%Y-%m-%dT%H:%M:%S")
        .map(Some)
        .map_err(|e| format!("expected a date-time, got {s:?}: {e}"))
}

fn decode_game(
    g: &Obj<'_>,
    season_year: Option<String>,
    day_date: Option<NaiveDate>,
) -> Result<ScheduleGame, ShapeError> {
    let home = g.obj("homeTeam")?;
    let away = g.obj("awayTeam")?;
    let game_date = match g.opt("gameDateEst", date)?.or(day_date) {
        Some(d) => d,
        None => return Err(g.err("gameDateEst", "missing, and no gameDate on the enclosing day")),
    };
    Ok(ScheduleGame {
        season_year,
        game_id: g.req("gameId", trimmed)?,
        game_code: g.opt("gameCode", trimmed)?,
        game_date,
        game_sequence: g.opt("gameSequence", int)?,
        status: g.req("gameStatus", status)?,
        status_text: g.nullable("gameStatusText", trimmed)?.unwrap_or_default(),
        game_date_time_utc: g.opt("gameDateTimeUTC", utc)?,
        game_date_time_et: g.opt("gameDateTimeEst", et_wall_time)?,
        week_number: g.opt("weekNumber", int)?,
        game_label: g.opt("gameLabel", trimmed)?,
        game_sub_label: g.opt("gameSubLabel", trimmed)?,
        game_subtype: g.opt("gameSubtype", trimmed)?,
        series_text: g.opt("seriesText", trimmed)?,
        if_necessary: g.opt("ifNecessary", flag)?,
        is_neutral: g.opt("isNeutral", flag)?,
        postponed_status: g.opt("postponedStatus", trimmed)?,
        arena_name: g.opt("arenaName", trimmed)?,
        arena_city: g.opt("arenaCity", trimmed)?,
        arena_state: g.opt("arenaState", trimmed)?,
        home_team_id: home.nullable("teamId", id)?,
        home_team_tricode: home.nullable("teamTricode", trimmed)?,
        home_team_city: home.opt("teamCity", trimmed)?,
        home_team_name: home.opt("teamName", trimmed)?,
        home_wins: home.opt("wins", count)?,
        home_losses: home.opt("losses", count)?,
        home_score: home.opt("score", count)?,
        away_team_id: away.nullable("teamId", id)?,
        away_team_tricode: away.nullable("teamTricode", trimmed)?,
        away_team_city: away.opt("teamCity", trimmed)?,
        away_team_name: away.opt("teamName", trimmed)?,
        away_wins: away.opt("wins", count)?,
        away_losses: away.opt("losses", count)?,
        away_score: away.opt("score", count)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use serde_json::json;

    const PRESEASON: &str = "nba-cdn/scheduleLeagueV2_preseason_2025-26.json";
    const FULL_2023: &str = "nba-cdn/scheduleLeagueV2_2023-24_preseason_capture.json";

    #[test]
    fn preseason_2025_26() {
        let games = decode_schedule_league_v2(&fixtures::json(PRESEASON)).unwrap();
        assert_eq!(games.len(), 13);
        let abu_dhabi = &games[0];
        assert_eq!(abu_dhabi.game_id, "0012500008");
        assert_eq!(abu_dhabi.season_year.as_deref(), Some("2025-26"));
        assert_eq!(abu_dhabi.game_date, NaiveDate::from_ymd_opt(2025, 10, 2).unwrap());
        assert_eq!(
            (
                abu_dhabi.home_team_tricode.as_deref(),
                abu_dhabi.away_team_tricode.as_deref()
            ),
            (Some("NYK"), Some("PHI"))
        );
        assert_eq!(abu_dhabi.is_neutral, Some(true));
        assert_eq!(
            abu_dhabi.game_date_time_utc.unwrap().to_rfc3339(),
            "2025-10-02T16:00:00+00:00"
        );
        assert_eq!(abu_dhabi.game_date_time_et.unwrap().to_string(), "2025-10-02 12:00:00");
        assert!(
            games
                .iter()
                .all(|g| g.status == GameStatus::Scheduled && g.game_id.starts_with("001"))
        );
    }

    #[test]
    fn full_2023_24_season_with_tbd_teams() {
        let games = decode_schedule_league_v2(&fixtures::json(FULL_2023)).unwrap();
        assert_eq!(games.len(), 1280);
        let tbd: Vec<&ScheduleGame> = games.iter().filter(|g| g.home_team_id.is_none()).collect();
        assert_eq!(tbd.len(), 7);
        assert!(tbd.iter().all(|g| g.home_team_tricode.is_none()));
        assert!(tbd.iter().any(|g| g.game_id == "0062300001"), "NBA Cup final");
        let last = games.last().unwrap();
        assert_eq!(
            (last.game_id.as_str(), last.home_team_tricode.as_deref()),
            ("0022301200", Some("SAC"))
        );
        assert_eq!(last.game_date, NaiveDate::from_ymd_opt(2024, 4, 14).unwrap());
        assert_eq!(last.is_neutral, None, "field absent in 2023-24");
        assert_eq!(games.iter().filter(|g| g.game_id.starts_with("002")).count(), 1206);
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = fixtures::json(PRESEASON);
        body["leagueSchedule"]["gameDates"][1]["games"][0]
            .as_object_mut()
            .unwrap()
            .remove("gameId");
        assert_eq!(
            decode_schedule_league_v2(&body).unwrap_err().field,
            "leagueSchedule.gameDates[1].games[0].gameId"
        );
        let mut body = fixtures::json(PRESEASON);
        body["leagueSchedule"]["gameDates"][0]["games"][0]["homeTeam"]
            .as_object_mut()
            .unwrap()
            .remove("teamId");
        let e = decode_schedule_league_v2(&body).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.field.as_str()),
            ("nba_cdn", "leagueSchedule.gameDates[0].games[0].homeTeam.teamId")
        );
        assert_eq!(
            decode_schedule_league_v2(&json!({})).unwrap_err().field,
            "leagueSchedule"
        );
        assert!(
            crate::nba_cdn::parse_body(
                ENDPOINT,
                b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code></Error>"
            )
            .unwrap_err()
            .reason
            .contains("HTML or XML")
        );
    }
}
