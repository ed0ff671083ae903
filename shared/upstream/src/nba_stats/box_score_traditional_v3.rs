//! `stats.nba.com/stats/boxscoretraditionalv3?GameID=…`: the traditional box score of one game, nested.
//!
//! The V3 successor of [`super::box_score_traditional_v2`]: `{"boxScoreTraditional": {gameId, homeTeamId,
//! awayTeamId, homeTeam: {teamId, teamTricode, players: [{personId, firstName, familyName, position,
//! comment, statistics: {minutes: "34:12", points, …}}], statistics: {…team totals}}, awayTeam}}`.
//! Players who did not play have `minutes: ""`, zero statistics and a `comment` with the reason; starters
//! are those with a `position`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SOURCE;
use super::common::{BoxStats, box_stats_camel};
use super::nested::{Ctx, Obj};
use super::value::{int, text, trimmed};
use crate::ShapeError;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "boxscoretraditionalv3";

/// One player's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScorePlayerV3 {
    pub game_id: String,
    pub team_id: i64,
    pub team_tricode: String,
    pub is_home: bool,
    pub person_id: i64,
    pub first_name: String,
    pub family_name: String,
    /// `"L. Stevens"`.
    pub name_i: Option<String>,
    pub player_slug: Option<String>,
    /// `F`/`C`/`G` for starters, `None` for bench players.
    pub position: Option<String>,
    pub is_starter: bool,
    /// E.g. `"DNP - Coach's Decision"`; `None` when empty.
    pub comment: Option<String>,
    pub jersey_num: Option<String>,
    /// True when the player has no minutes; the reason is in `comment`.
    pub did_not_play: bool,
    #[serde(flatten)]
    pub stats: BoxStats,
}

/// One team's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScoreTeamV3 {
    pub game_id: String,
    pub team_id: i64,
    pub team_tricode: String,
    pub team_city: Option<String>,
    pub team_name: Option<String>,
    pub is_home: bool,
    #[serde(flatten)]
    pub stats: BoxStats,
}

/// The decoded box score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScoreTraditionalV3 {
    pub game_id: String,
    pub home_team_id: i64,
    pub away_team_id: i64,
    /// Home team first, then away.
    pub teams: Vec<BoxScoreTeamV3>,
    /// Home players first, then away, in upstream order.
    pub players: Vec<BoxScorePlayerV3>,
}

/// Decodes a `boxscoretraditionalv3` body.
pub fn decode_box_score_traditional_v3(body: &Value) -> Result<BoxScoreTraditionalV3, ShapeError> {
    let b = Ctx::new(SOURCE, ENDPOINT).root(body)?.obj("boxScoreTraditional")?;
    let game_id = b.req("gameId", trimmed)?;
    let mut teams = Vec::with_capacity(2);
    let mut players = Vec::new();
    let mut team_ids = [0i64; 2];
    for (slot, (key, is_home)) in [("homeTeam", true), ("awayTeam", false)].into_iter().enumerate() {
        let t = b.obj(key)?;
        let team_id = t.req("teamId", int)?;
        team_ids[slot] = team_id;
        let team_tricode = t.req("teamTricode", trimmed)?;
        for p in t.objects("players")? {
            players.push(decode_player(&p, &game_id, team_id, &team_tricode, is_home)?);
        }
        teams.push(BoxScoreTeamV3 {
            game_id: game_id.clone(),
            team_id,
            team_tricode,
            team_city: t.opt("teamCity", trimmed)?,
            team_name: t.opt("teamName", trimmed)?,
            is_home,
            stats: box_stats_camel(&t.obj("statistics")?)?,
        });
    }
    Ok(BoxScoreTraditionalV3 {
        home_team_id: b.opt("homeTeamId", int)?.unwrap_or(team_ids[0]),
        away_team_id: b.opt("awayTeamId", int)?.unwrap_or(team_ids[1]),
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
) -> Result<BoxScorePlayerV3, ShapeError> {
    let stats = box_stats_camel(&p.obj("statistics")?)?;
    let position = p.nullable("position", trimmed)?;
    Ok(BoxScorePlayerV3 {
        game_id: game_id.to_string(),
        team_id,
        team_tricode: team_tricode.to_string(),
        is_home,
        person_id: p.req("personId", int)?,
        first_name: p.nullable("firstName", text)?.unwrap_or_default(),
        family_name: p.req("familyName", text)?,
        name_i: p.opt("nameI", trimmed)?,
        player_slug: p.opt("playerSlug", trimmed)?,
        is_starter: position.is_some(),
        position,
        comment: p.opt("comment", trimmed)?,
        jersey_num: p.opt("jerseyNum", trimmed)?,
        did_not_play: stats.minutes.is_none_or(|m| m == 0.0),
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nba_stats::cassette;
    use serde_json::json;

    const CASSETTE: &str = "nba-stats/nba_api-cassettes/test_endpoints[BoxScoreTraditionalV3].yaml";

    #[test]
    fn chi_at_cle_2023_01_02_overtime() {
        let b = decode_box_score_traditional_v3(&cassette::body(CASSETTE)).unwrap();
        assert_eq!(b.game_id, "0022200552");
        assert_eq!((b.home_team_id, b.away_team_id), (1610612739, 1610612741));
        assert_eq!(b.players.len(), 23);
        let mitchell = b.players.iter().find(|p| p.family_name == "Mitchell").unwrap();
        assert_eq!(
            (mitchell.person_id, mitchell.stats.pts, mitchell.team_tricode.as_str()),
            (1628378, Some(71), "CLE")
        );
        assert!((mitchell.stats.minutes.unwrap() - (49.0 + 48.0 / 60.0)).abs() < 1e-9);
        assert!(mitchell.is_home && mitchell.is_starter);
        let dnps: Vec<_> = b.players.iter().filter(|p| p.did_not_play).collect();
        assert_eq!(dnps.len(), 4);
        assert!(
            dnps.iter()
                .all(|p| p.stats.minutes.is_none() && p.comment.as_deref().is_some_and(|c| c.starts_with("DNP")))
        );
        assert!(b.players.iter().any(|p| p.family_name == "Vučević"));
        let cle = &b.teams[0];
        assert_eq!(
            (cle.team_tricode.as_str(), cle.stats.pts, cle.stats.minutes),
            ("CLE", Some(145), Some(265.0))
        );
        assert_eq!(b.teams[1].stats.pts, Some(134));
        assert_eq!(b.players.iter().filter(|p| p.is_starter).count(), 10);
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = cassette::body(CASSETTE);
        body["boxScoreTraditional"]["awayTeam"]["players"][1]["statistics"]
            .as_object_mut()
            .unwrap()
            .remove("points");
        let e = decode_box_score_traditional_v3(&body).unwrap_err();
        assert_eq!(e.field, "boxScoreTraditional.awayTeam.players[1].statistics.points");
        let mut body = cassette::body(CASSETTE);
        body["boxScoreTraditional"]["homeTeam"]["players"][0]["personId"] = json!(null);
        let e = decode_box_score_traditional_v3(&body).unwrap_err();
        assert_eq!(e.field, "boxScoreTraditional.homeTeam.players[0].personId");
        assert_eq!(
            decode_box_score_traditional_v3(&json!({})).unwrap_err().field,
            "boxScoreTraditional"
        );
        assert_eq!(
            decode_box_score_traditional_v3(&json!("<html/>")).unwrap_err().field,
            "$"
        );
    }
}
