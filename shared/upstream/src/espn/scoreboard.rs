//! `GET site.api.espn.com/apis/site/v2/sports/basketball/nba/scoreboard?dates=YYYYMMDD`:
//! the day's games with status and scores. A day without NBA games (the
//! All-Star break) answers `"events": []`, which decodes to an empty list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SOURCE;
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};
use crate::teams::nba_tricode;

const CTX: Ctx = Ctx::new(SOURCE, "site/v2/nba/scoreboard");

/// One game on the scoreboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreboardGame {
    /// ESPN event id (also the box score page's `gameId`).
    pub event_id: String,
    /// Scheduled tip-off, UTC.
    pub start_time: DateTime<Utc>,
    /// "Houston Rockets at Philadelphia 76ers".
    pub name: Option<String>,
    /// ESPN season year (2024 = 2023-24 season).
    pub season_year: Option<i64>,
    /// ESPN season type: 1 preseason, 2 regular, 3 postseason.
    pub season_type: Option<i64>,
    /// Status name, e.g. `STATUS_FINAL`, `STATUS_SCHEDULED`, `STATUS_POSTPONED`.
    pub status: String,
    /// `pre`, `in` or `post`.
    pub state: String,
    pub completed: bool,
    pub home: Competitor,
    pub away: Competitor,
}

/// One team in a game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Competitor {
    /// ESPN team id.
    pub team_id: String,
    /// ESPN abbreviation as sent (`GS`, `UTAH`, ...).
    pub abbreviation: String,
    /// NBA tricode of `abbreviation`; `None` for a non-NBA team.
    pub nba_tricode: Option<String>,
    pub display_name: Option<String>,
    /// Points; `None` when not sent (before tip-off some answers omit it).
    pub score: Option<u32>,
    pub winner: Option<bool>,
}

fn decode_competitor(n: &Node) -> Result<Competitor, ShapeError> {
    let team = n.get("team")?;
    let abbreviation = team.req_str("abbreviation")?.trim().to_string();
    let score = match n.opt("score")? {
        None => None,
        Some(s) if s.v.as_str().is_some_and(|t| t.trim().is_empty()) => None,
        // The scoreboard sends "124"; the summary endpoint sends {"value": 124.0, ...}.
        Some(s) if s.v.is_object() => Some(s.get("value")?.f64()? as i64),
        Some(s) => Some(s.i64_lenient()?),
    }
    .map(|i| u32::try_from(i).map_err(|_| n.err(format!("negative score {i}"))))
    .transpose()?;
    Ok(Competitor {
        team_id: id_text(&team, "id")?,
        nba_tricode: nba_tricode(&abbreviation).ok().map(str::to_string),
        abbreviation,
        display_name: team.opt_string("displayName")?,
        score,
        winner: n.opt_bool("winner")?,
    })
}

/// An id sent as a string (or, defensively, a number).
pub(crate) fn id_text(n: &Node, key: &str) -> Result<String, ShapeError> {
    let v = n.get(key)?;
    if v.v.is_number() {
        return Ok(v.v.to_string());
    }
    Ok(v.str()?.to_string())
}

fn decode_event(e: &Node) -> Result<Vec<ScoreboardGame>, ShapeError> {
    let comps = e.req_items("competitions")?;
    if comps.is_empty() {
        return Err(e.get("competitions")?.err("empty: an event without a competition"));
    }
    let mut out = Vec::with_capacity(comps.len());
    for c in comps {
        let (mut home, mut away) = (None, None);
        for comp in c.req_items("competitors")? {
            let side = comp.get("homeAway")?;
            match side.str()? {
                "home" if home.is_none() => home = Some(decode_competitor(&comp)?),
                "away" if away.is_none() => away = Some(decode_competitor(&comp)?),
                other => return Err(side.err(format!("unexpected or repeated side {other:?}"))),
            }
        }
        let competitors = c.get("competitors")?;
        let home = home.ok_or_else(|| competitors.err("no home competitor"))?;
        let away = away.ok_or_else(|| competitors.err("no away competitor"))?;
        let status = match c.opt("status")? {
            Some(s) => s,
            None => e.get("status")?,
        };
        let ty = status.get("type")?;
        let season = e.opt("season")?;
        out.push(ScoreboardGame {
            event_id: id_text(e, "id")?,
            start_time: match c.opt("date")? {
                Some(d) => d.datetime()?,
                None => e.req_datetime("date")?,
            },
            name: e.opt_string("name")?,
            season_year: season.as_ref().map(|s| s.opt_i64("year")).transpose()?.flatten(),
            season_type: season.as_ref().map(|s| s.opt_i64("type")).transpose()?.flatten(),
            status: ty.req_string("name")?,
            state: ty.req_string("state")?,
            completed: ty.req_bool("completed")?,
            home,
            away,
        });
    }
    Ok(out)
}

/// Decodes the scoreboard. `"events": []` is a valid day without games.
pub fn decode_scoreboard(body: &[u8]) -> Result<Vec<ScoreboardGame>, ShapeError> {
    let v = CTX.parse(body)?;
    let mut out = Vec::new();
    for e in CTX.root(&v).req_items("events")? {
        out.extend(decode_event(&e)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn fixture() -> String {
        fixtures::text("espn/scoreboard_2024-01-15.json")
    }

    #[test]
    fn scoreboard_content() {
        let games = decode_scoreboard(fixture().as_bytes()).unwrap();
        assert_eq!(games.len(), 11);
        assert!(
            games
                .iter()
                .all(|g| g.completed && g.state == "post" && g.status == "STATUS_FINAL")
        );
        let phi = &games[0];
        assert_eq!(phi.event_id, "401585183");
        assert_eq!(phi.start_time.to_rfc3339(), "2024-01-15T18:00:00+00:00");
        assert_eq!((phi.home.abbreviation.as_str(), phi.home.score), ("PHI", Some(124)));
        assert_eq!((phi.away.abbreviation.as_str(), phi.away.score), ("HOU", Some(115)));
        assert_eq!(phi.home.winner, Some(true));
        // ESPN spellings map to NBA tricodes.
        let utah = games.iter().find(|g| g.home.abbreviation == "UTAH").unwrap();
        assert_eq!(utah.home.nba_tricode.as_deref(), Some("UTA"));
        assert_eq!(utah.home.score, Some(132));
        let gs = games.iter().find(|g| g.away.abbreviation == "GS").unwrap();
        assert_eq!(gs.away.nba_tricode.as_deref(), Some("GSW"));
        assert_eq!(gs.home.nba_tricode.as_deref(), Some("MEM"));
        assert!(
            games
                .iter()
                .all(|g| g.home.nba_tricode.is_some() && g.away.nba_tricode.is_some())
        );
        // A 22:30 ET tip is the next UTC day.
        let lal = games.iter().find(|g| g.home.abbreviation == "LAL").unwrap();
        assert_eq!(lal.start_time.to_rfc3339(), "2024-01-16T03:30:00+00:00");
    }

    #[test]
    fn all_star_break_is_valid_and_empty() {
        let games = decode_scoreboard(&fixtures::bytes("espn/scoreboard_allstar_empty.json")).unwrap();
        assert!(games.is_empty());
    }

    #[test]
    fn non_nba_teams_have_no_tricode() {
        let body = br#"{"events":[{"id":"1","date":"2024-02-19T01:00Z","status":{"type":{"name":"STATUS_SCHEDULED","state":"pre","completed":false}},
          "competitions":[{"competitors":[
            {"homeAway":"home","team":{"id":"31","abbreviation":"EAST"}},
            {"homeAway":"away","team":{"id":"32","abbreviation":"WEST"},"score":""}]}]}]}"#;
        let g = &decode_scoreboard(body).unwrap()[0];
        assert_eq!(g.home.nba_tricode, None);
        assert_eq!(g.away.score, None);
        assert!(!g.completed);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let e = decode_scoreboard(fixture().replacen("\"homeAway\"", "\"side\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "events[0].competitions[0].competitors[0].homeAway");
        let e = decode_scoreboard(
            fixture()
                .replacen("\"abbreviation\":\"PHI\"", "\"abbrev\":\"PHI\"", 1)
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.field, "events[0].competitions[0].competitors[0].team.abbreviation");
        let e = decode_scoreboard(fixture().replace("\"competitions\"", "\"matches\"").as_bytes()).unwrap_err();
        assert_eq!(e.field, "events[0].competitions");
        assert_eq!(decode_scoreboard(b"{}").unwrap_err().field, "events");
        assert_eq!(
            decode_scoreboard(b"<!DOCTYPE html><html>Not Found</html>")
                .unwrap_err()
                .field,
            "$"
        );
    }
}
