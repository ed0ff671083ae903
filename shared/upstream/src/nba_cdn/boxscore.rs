//! `cdn.nba.com/static/json/liveData/boxscore/boxscore_{gameId}.json`: live (and final) box score.
//!
//! `{"game": {gameId, gameStatus, period, homeTeam: {teamId, teamTricode, score, periods, players:
//! [{personId, name, starter: "1", played: "1", status: "ACTIVE", notPlayingReason?, statistics:
//! {minutes: "PT34M12.00S", points, …}}], statistics: {…}}, awayTeam}}`.
//!
//! Every rostered player is listed. Those who did not play have `played: "0"` and zero statistics with
//! `minutes: "PT00M00.00S"`; `status` is `ACTIVE` or `INACTIVE` and `notPlayingReason` (absent when there is
//! none) says why (`INACTIVE_INJURY`, `DND_LEAGUE_SUSPENSION`, …). A DNP is therefore `played == false`, not
//! zero minutes. Minutes are decimal (`PT23M16.50S` → 23.275).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SOURCE;
use crate::ShapeError;
use crate::nba_stats::common::{BoxStats, GameStatus, box_stats_camel, status};
use crate::nba_stats::nested::{Ctx, Obj};
use crate::nba_stats::value::{count, flag, int, text, trimmed, utc};

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "boxscore";

/// One team's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveBoxScoreTeam {
    pub game_id: String,
    pub team_id: i64,
    pub team_tricode: String,
    pub team_city: Option<String>,
    pub team_name: Option<String>,
    pub is_home: bool,
    pub score: Option<u32>,
    /// Points per period, in period order.
    pub periods: Vec<Option<u32>>,
    /// Team totals (`minutes` = 240 in regulation).
    #[serde(flatten)]
    pub stats: BoxStats,
}

/// One rostered player's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveBoxScorePlayer {
    pub game_id: String,
    pub team_id: i64,
    pub team_tricode: String,
    pub is_home: bool,
    pub person_id: i64,
    /// `"Kon Knueppel"`.
    pub name: String,
    pub first_name: Option<String>,
    pub family_name: Option<String>,
    /// `"K. Knueppel"`.
    pub name_i: Option<String>,
    pub jersey_num: Option<String>,
    /// Starters' position (`SF`, `C`…); some bench players have one too.
    pub position: Option<String>,
    /// Order on the team sheet.
    pub order: Option<i64>,
    pub starter: bool,
    /// False for a DNP (did not play, inactive, suspended).
    pub played: bool,
    pub on_court: Option<bool>,
    /// `ACTIVE` or `INACTIVE`.
    pub status: Option<String>,
    /// E.g. `INACTIVE_INJURY`, `INACTIVE_COACH`, `DND_LEAGUE_SUSPENSION`; `None` when not given.
    pub not_playing_reason: Option<String>,
    /// E.g. `"Left Ankle; Sprain"`.
    pub not_playing_description: Option<String>,
    #[serde(flatten)]
    pub stats: BoxStats,
}

/// The decoded box score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveBoxScore {
    pub game_id: String,
    /// `YYYYMMDD/AWAYHOME`.
    pub game_code: Option<String>,
    pub status: GameStatus,
    pub status_text: String,
    pub period: Option<i64>,
    pub game_time_utc: Option<DateTime<Utc>>,
    pub attendance: Option<u32>,
    pub arena_name: Option<String>,
    /// Home team first, then away.
    pub teams: Vec<LiveBoxScoreTeam>,
    /// Home players first, then away, in upstream order.
    pub players: Vec<LiveBoxScorePlayer>,
}

/// Decodes `boxscore_{gameId}.json`.
pub fn decode_boxscore(body: &Value) -> Result<LiveBoxScore, ShapeError> {
    let g = Ctx::new(SOURCE, ENDPOINT).root(body)?.obj("game")?;
    let game_id = g.req("gameId", trimmed)?;
    let mut teams = Vec::with_capacity(2);
    let mut players = Vec::new();
    for (key, is_home) in [("homeTeam", true), ("awayTeam", false)] {
        let t = g.obj(key)?;
        let team_id = t.req("teamId", int)?;
        let team_tricode = t.req("teamTricode", trimmed)?;
        for p in t.objects("players")? {
            players.push(decode_player(&p, &game_id, team_id, &team_tricode, is_home)?);
        }
        teams.push(LiveBoxScoreTeam {
            game_id: game_id.clone(),
            team_id,
            team_tricode,
            team_city: t.opt("teamCity", trimmed)?,
            team_name: t.opt("teamName", trimmed)?,
            is_home,
            score: t.nullable("score", count)?,
            periods: t
                .opt_objects("periods")?
                .iter()
                .map(|p| p.nullable("score", count))
                .collect::<Result<_, _>>()?,
            stats: box_stats_camel(&t.obj("statistics")?)?,
        });
    }
    Ok(LiveBoxScore {
        game_code: g.opt("gameCode", trimmed)?,
        status: g.req("gameStatus", status)?,
        status_text: g.opt("gameStatusText", trimmed)?.unwrap_or_default(),
        period: g.opt("period", int)?,
        game_time_utc: g.opt("gameTimeUTC", utc)?,
        attendance: g.opt("attendance", count)?,
        arena_name: g
            .opt_obj("arena")?
            .map(|a| a.opt("arenaName", trimmed))
            .transpose()?
            .flatten(),
        game_id,
        teams,
        players,
    })
}

fn decode_player(
    p: &Obj<'_>,
    game_id: &str,
    team_id: i64,
    team_tricode: &str,
    is_home: bool,
) -> Result<LiveBoxScorePlayer, ShapeError> {
    let stats = box_stats_camel(&p.obj("statistics")?)?;
    // `played` has always been sent; should it go missing, fall back to "has minutes".
    let played = match p.opt("played", flag)? {
        Some(b) => b,
        None => stats.minutes.is_some_and(|m| m > 0.0),
    };
    Ok(LiveBoxScorePlayer {
        game_id: game_id.to_string(),
        team_id,
        team_tricode: team_tricode.to_string(),
        is_home,
        person_id: p.req("personId", int)?,
        name: p.req("name", text)?,
        first_name: p.opt("firstName", trimmed)?,
        family_name: p.opt("familyName", trimmed)?,
        name_i: p.opt("nameI", trimmed)?,
        jersey_num: p.opt("jerseyNum", trimmed)?,
        position: p.opt("position", trimmed)?,
        order: p.opt("order", int)?,
        starter: p.opt("starter", flag)?.unwrap_or(false),
        played,
        on_court: p.opt("oncourt", flag)?,
        status: p.opt("status", trimmed)?,
        not_playing_reason: p.opt("notPlayingReason", trimmed)?,
        not_playing_description: p.opt("notPlayingDescription", trimmed)?,
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use serde_json::json;

    fn minutes_close(p: &LiveBoxScorePlayer, expected: f64) -> bool {
        p.stats.minutes.is_some_and(|m| (m - expected).abs() < 1e-9)
    }

    #[test]
    fn atl_at_cha_2026_02_11() {
        let b = decode_boxscore(&fixtures::json("nba-cdn/boxscore_0022500775.json")).unwrap();
        assert_eq!(b.game_id, "0022500775");
        assert_eq!((b.status, b.attendance), (GameStatus::Final, Some(18710)));
        assert_eq!((b.teams[0].team_tricode.as_str(), b.teams[0].score), ("CHA", Some(110)));
        assert_eq!((b.teams[1].team_tricode.as_str(), b.teams[1].score), ("ATL", Some(107)));
        assert_eq!(b.teams[0].periods.iter().flatten().sum::<u32>(), 110);
        assert_eq!(b.players.len(), 36);
        let miller = b.players.iter().find(|p| p.name == "Brandon Miller").unwrap();
        assert_eq!(
            (miller.stats.pts, miller.starter, miller.played),
            (Some(31), true, true)
        );
        assert!(minutes_close(miller, 35.0 + 38.5 / 60.0));
        let risacher = b.players.iter().find(|p| p.name == "Zaccharie Risacher").unwrap();
        assert!(minutes_close(risacher, 23.0 + 16.5 / 60.0));
        let dnps: Vec<_> = b.players.iter().filter(|p| !p.played).collect();
        assert_eq!(dnps.len(), 15);
        let bridges = dnps.iter().find(|p| p.name == "Miles Bridges").unwrap();
        assert_eq!(bridges.not_playing_reason.as_deref(), Some("DND_LEAGUE_SUSPENSION"));
        assert_eq!(bridges.stats.minutes, Some(0.0));
        let white = dnps.iter().find(|p| p.name == "Coby White").unwrap();
        assert_eq!(white.not_playing_description.as_deref(), Some("Left Calf; Strain"));
        assert_eq!(white.not_playing_reason.as_deref(), Some("INACTIVE_INJURY"));
        assert_eq!(white.status.as_deref(), Some("INACTIVE"));
        assert!(b.players.iter().any(|p| p.name == "Nikola Đurišić"));
        let cha_pts: u32 = b.players.iter().filter(|p| p.is_home).filter_map(|p| p.stats.pts).sum();
        assert_eq!(cha_pts, 110);
        assert_eq!(b.teams[0].stats.minutes, Some(240.0));
    }

    #[test]
    fn gsw_at_bkn_2020_12_22() {
        let b = decode_boxscore(&fixtures::json("nba-cdn/boxscore_0022000001.json")).unwrap();
        assert_eq!((b.teams[0].score, b.teams[1].score), (Some(125), Some(99)));
        assert_eq!(b.players.len(), 34);
        assert_eq!(b.players.iter().filter(|p| !p.played).count(), 6);
        let durant = b.players.iter().find(|p| p.person_id == 201142).unwrap();
        assert_eq!((durant.name.as_str(), durant.stats.pts), ("Kevin Durant", Some(22)));
        assert!(minutes_close(durant, 24.0 + 56.0 / 60.0));
        assert_eq!(b.players.iter().filter(|p| p.starter).count(), 10);
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = fixtures::json("nba-cdn/boxscore_0022500775.json");
        body["game"]["awayTeam"]["players"][4]["statistics"]
            .as_object_mut()
            .unwrap()
            .remove("points");
        assert_eq!(
            decode_boxscore(&body).unwrap_err().field,
            "game.awayTeam.players[4].statistics.points"
        );
        let mut body = fixtures::json("nba-cdn/boxscore_0022500775.json");
        body["game"]["homeTeam"]["players"][0]["statistics"]["minutes"] = json!("34 min");
        let e = decode_boxscore(&body).unwrap_err();
        assert_eq!(e.field, "game.homeTeam.players[0].statistics.minutes");
        assert!(e.reason.contains("34 min"));
        let mut body = fixtures::json("nba-cdn/boxscore_0022500775.json");
        body["game"].as_object_mut().unwrap().remove("homeTeam");
        assert_eq!(decode_boxscore(&body).unwrap_err().field, "game.homeTeam");
        let e = decode_boxscore(&json!({})).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.endpoint.as_str(), e.field.as_str()),
            ("nba_cdn", "boxscore", "game")
        );
    }
}
