//! `GET /v1/box_scores?date=YYYY-MM-DD`: every game of a day with each
//! team's player lines. The fallback source of box scores (points per
//! player per game) when NBA.com is unavailable. Not paginated; a day
//! without games answers `{"data": []}`, which decodes to an empty list.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Player, SOURCE, StatLine, Team, data_items, decode_game_fields, decode_player, decode_stat_line, decode_team,
};
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};

const CTX: Ctx = Ctx::new(SOURCE, "v1/box_scores");

/// One game of the day with both teams' player lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScoreGame {
    /// balldontlie game id; the endpoint does not always send one.
    pub game_id: Option<i64>,
    pub date: NaiveDate,
    pub season: i64,
    pub status: String,
    pub period: Option<i64>,
    pub time: Option<String>,
    pub postseason: bool,
    pub home_team_score: Option<u32>,
    pub visitor_team_score: Option<u32>,
    pub datetime: Option<DateTime<Utc>>,
    pub home_team: BoxScoreTeam,
    pub visitor_team: BoxScoreTeam,
}

/// One team in a box score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScoreTeam {
    pub team: Team,
    pub players: Vec<BoxScorePlayer>,
}

/// One player's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScorePlayer {
    pub player: Player,
    pub stats: StatLine,
}

fn decode_side(n: &Node) -> Result<BoxScoreTeam, ShapeError> {
    let players = n
        .req_items("players")?
        .iter()
        .map(|p| {
            Ok(BoxScorePlayer {
                player: decode_player(&p.get("player")?)?,
                stats: decode_stat_line(p)?,
            })
        })
        .collect::<Result<Vec<_>, ShapeError>>()?;
    Ok(BoxScoreTeam {
        team: decode_team(n)?,
        players,
    })
}

/// Decodes `/v1/box_scores`. `{"data": []}` is a valid empty day.
pub fn decode_box_scores(body: &[u8]) -> Result<Vec<BoxScoreGame>, ShapeError> {
    let v = CTX.parse(body)?;
    data_items(&CTX.root(&v))?
        .iter()
        .map(|g| {
            let f = decode_game_fields(g)?;
            Ok(BoxScoreGame {
                game_id: g.opt_i64("id")?,
                date: f.date,
                season: f.season,
                status: f.status,
                period: f.period,
                time: f.time,
                postseason: f.postseason,
                home_team_score: f.home_team_score,
                visitor_team_score: f.visitor_team_score,
                datetime: f.datetime,
                home_team: decode_side(&g.get("home_team")?)?,
                visitor_team: decode_side(&g.get("visitor_team")?)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn real_empty_day_is_valid_and_empty() {
        let games = decode_box_scores(&fixtures::bytes("balldontlie/box_scores_d62cc934.json")).unwrap();
        assert!(games.is_empty());
    }

    #[test]
    fn full_day_content() {
        let games = decode_box_scores(&fixtures::bytes("balldontlie/box_scores_7a649e12.json")).unwrap();
        assert_eq!(games.len(), 11);
        let players: usize = games
            .iter()
            .map(|g| g.home_team.players.len() + g.visitor_team.players.len())
            .sum();
        assert_eq!(players, 384);
        let phi = &games[0];
        assert_eq!(phi.date, NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
        assert_eq!(
            (phi.home_team.team.abbreviation.as_str(), phi.home_team_score),
            ("PHI", Some(124))
        );
        assert_eq!(
            (phi.visitor_team.team.abbreviation.as_str(), phi.visitor_team_score),
            ("HOU", Some(115))
        );
        let embiid = phi
            .home_team
            .players
            .iter()
            .find(|p| p.player.last_name == "Embiid")
            .unwrap();
        assert_eq!(embiid.stats.pts, Some(41));
        assert_eq!(embiid.stats.reb, Some(10));
        assert_eq!(embiid.stats.seconds_played, Some(31 * 60));
        let springer = phi
            .home_team
            .players
            .iter()
            .find(|p| p.player.last_name == "Springer")
            .unwrap();
        assert_eq!(springer.stats.seconds_played, Some(0));
        // Sum of player points equals the team score.
        let pts: u32 = phi.home_team.players.iter().filter_map(|p| p.stats.pts).sum();
        assert_eq!(pts, 124);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text("balldontlie/box_scores_7a649e12.json");
        let e = decode_box_scores(body.replacen("\"players\"", "\"roster\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].home_team.players");
        let e = decode_box_scores(body.replacen("\"pts\"", "\"points\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].home_team.players[0].pts");
        let e = decode_box_scores(body.replacen("\"min\":\"28\"", "\"min\":\"DNP\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].home_team.players[0].min");
        assert_eq!(decode_box_scores(b"{}").unwrap_err().field, "data");
        assert_eq!(
            decode_box_scores(b"<!doctype html><h1>429</h1>").unwrap_err().field,
            "$"
        );
    }

    #[test]
    fn minutes_with_seconds_and_null_stats() {
        let body = br#"{"data":[{"date":"2024-01-15","season":2023,"status":"Final","period":4,"time":"Final","postseason":false,
          "home_team_score":100,"visitor_team_score":99,
          "home_team":{"id":1,"abbreviation":"ATL","city":"Atlanta","name":"Hawks","full_name":"Atlanta Hawks","conference":"East","division":"Southeast",
            "players":[{"min":"34:12","pts":20,"reb":null,"player":{"id":5,"first_name":"A","last_name":"B"}},
                       {"min":"","pts":null,"player":{"id":6,"first_name":"C","last_name":"D"}}]},
          "visitor_team":{"id":2,"abbreviation":"BOS","name":"Celtics","full_name":"Boston Celtics","players":[]}}]}"#;
        let g = &decode_box_scores(body).unwrap()[0];
        let p = &g.home_team.players;
        assert_eq!(p[0].stats.seconds_played, Some(2052));
        assert_eq!(p[0].stats.reb, None);
        assert_eq!(p[1].stats.seconds_played, None);
        assert_eq!(p[1].stats.pts, None);
    }
}
