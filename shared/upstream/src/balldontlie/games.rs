//! `GET /v1/games` (games by date, season or team; paginated) and
//! `GET /v1/games/{id}` (one game): the schedule and final scores, used to
//! know which games a day has and whether they are final.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Page, SOURCE, Team, decode_game_fields, decode_page, decode_team};
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};

const LIST: Ctx = Ctx::new(SOURCE, "v1/games");
const ONE: Ctx = Ctx::new(SOURCE, "v1/games/{id}");

/// One game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Game {
    /// balldontlie game id (not the NBA game id).
    pub id: i64,
    /// The game's date as balldontlie lists it (the ET calendar date).
    pub date: NaiveDate,
    /// Season start year (2024 = 2024-25).
    pub season: i64,
    /// `Final`, a quarter (`2nd Qtr`), or the scheduled tip time as text.
    pub status: String,
    pub period: Option<i64>,
    pub time: Option<String>,
    pub postseason: bool,
    pub home_team_score: Option<u32>,
    pub visitor_team_score: Option<u32>,
    /// Scheduled tip-off in UTC, where sent.
    pub datetime: Option<DateTime<Utc>>,
    pub home_team: Team,
    pub visitor_team: Team,
}

pub(crate) fn decode_game_node(n: &Node) -> Result<Game, ShapeError> {
    let f = decode_game_fields(n)?;
    Ok(Game {
        id: n.req_i64("id")?,
        date: f.date,
        season: f.season,
        status: f.status,
        period: f.period,
        time: f.time,
        postseason: f.postseason,
        home_team_score: f.home_team_score,
        visitor_team_score: f.visitor_team_score,
        datetime: f.datetime,
        home_team: decode_team(&n.get("home_team")?)?,
        visitor_team: decode_team(&n.get("visitor_team")?)?,
    })
}

/// Decodes a page of `/v1/games`. An empty `data` is a valid day without games.
pub fn decode_games(body: &[u8]) -> Result<Page<Game>, ShapeError> {
    decode_page(&LIST, body, decode_game_node)
}

/// Decodes `/v1/games/{id}`: `{"data": {game}}`.
pub fn decode_game(body: &[u8]) -> Result<Game, ShapeError> {
    let v = ONE.parse(body)?;
    decode_game_node(&ONE.root(&v).get("data")?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn games_fixture_content() {
        let page = decode_games(&fixtures::bytes("balldontlie/games_278cb9ed.json")).unwrap();
        assert_eq!(page.data.len(), 9);
        assert_eq!(page.meta.per_page, Some(100));
        assert_eq!(page.next_cursor(), None);
        let g = &page.data[0];
        assert_eq!(g.id, 15908525);
        assert_eq!(g.date, NaiveDate::from_ymd_opt(2025, 2, 20).unwrap());
        assert_eq!(
            (g.home_team.abbreviation.as_str(), g.home_team_score),
            ("DEN", Some(129))
        );
        assert_eq!(
            (g.visitor_team.abbreviation.as_str(), g.visitor_team_score),
            ("CHA", Some(115))
        );
        assert_eq!(g.datetime.unwrap().to_rfc3339(), "2025-02-21T02:00:00+00:00");
        assert!(page.data.iter().all(|g| g.status == "Final" && !g.postseason));
    }

    #[test]
    fn game_detail_fixture_content() {
        let g = decode_game(&fixtures::bytes("balldontlie/game_detail_67b124b3.json")).unwrap();
        assert_eq!(g.id, 18444564);
        assert!(g.postseason);
        assert_eq!(g.home_team.abbreviation, "OKC");
        assert_eq!(g.home_team_score, Some(103));
        assert_eq!(g.visitor_team.full_name, "Indiana Pacers");
        assert_eq!(g.visitor_team_score, Some(91));
    }

    #[test]
    fn renamed_or_missing_fields_fail_naming_them() {
        let body = fixtures::text("balldontlie/games_278cb9ed.json");
        let e = decode_games(body.replacen("\"home_team\"", "\"home\"", 1).as_bytes()).unwrap_err();
        assert_eq!(
            (e.source_name.as_str(), e.field.as_str()),
            ("balldontlie", "data[0].home_team")
        );
        let e = decode_games(body.replacen("\"date\"", "\"game_date\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].date");
        let e = decode_games(body.replace("\"meta\"", "\"pagination\"").as_bytes()).unwrap_err();
        assert_eq!(e.field, "meta");
        let e = decode_games(b"{}").unwrap_err();
        assert_eq!(e.field, "data");
        let e = decode_games(b"<html><body>Service Unavailable</body></html>").unwrap_err();
        assert_eq!(e.field, "$");
        let e = decode_game(b"{}").unwrap_err();
        assert_eq!(e.field, "data");
    }

    #[test]
    fn tolerates_nulls_and_extra_fields() {
        let body = br#"{"data":[{"id":1,"date":"2019-01-30T00:00:00.000Z","season":2018,"status":"7:00 pm ET",
            "period":null,"time":null,"postseason":false,"home_team_score":null,"visitor_team_score":0,
            "new_field":{"x":1},
            "home_team":{"id":1,"abbreviation":"ATL","city":"Atlanta","name":"Hawks","full_name":"Atlanta Hawks","conference":"East","division":"Southeast"},
            "visitor_team":{"id":2,"abbreviation":"BOS","city":null,"name":"Celtics","full_name":"Boston Celtics","conference":"  ","division":""}}],
            "meta":{"next_cursor":9,"per_page":25}}"#;
        let page = decode_games(body).unwrap();
        assert_eq!(page.next_cursor(), Some(9));
        let g = &page.data[0];
        assert_eq!(g.date, NaiveDate::from_ymd_opt(2019, 1, 30).unwrap());
        assert_eq!(g.home_team_score, None);
        assert_eq!(g.datetime, None);
        assert_eq!(g.visitor_team.conference, None);
    }
}
