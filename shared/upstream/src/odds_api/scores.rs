//! `GET /v4/sports/basketball_nba/scores?daysFrom=N`: live and recently
//! completed games with scores, used to confirm finals and to link Odds API
//! event ids to results. Scores arrive as strings per team name and are
//! null before tip-off.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Event, SOURCE, decode_event, reject_error_object};
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};

const CTX: Ctx = Ctx::new(SOURCE, "v4/sports/{sport}/scores");

/// One event with its score, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventScore {
    pub event: Event,
    /// Final score recorded (not just started).
    pub completed: bool,
    /// Home team points; `None` before tip-off.
    pub home_score: Option<u32>,
    pub away_score: Option<u32>,
    /// When the score last changed, UTC.
    pub last_update: Option<DateTime<Utc>>,
}

fn decode_score(n: &Node) -> Result<EventScore, ShapeError> {
    let event = decode_event(n)?;
    let (mut home_score, mut away_score) = (None, None);
    if let Some(scores) = n.opt("scores")? {
        for s in scores.items()? {
            let name = s.req_str("name")?.trim();
            let score = match s.opt("score")? {
                None => None,
                Some(v) if v.v.as_str().is_some_and(|t| t.trim().is_empty()) => None,
                Some(v) => {
                    let i = v.i64_lenient()?;
                    Some(u32::try_from(i).map_err(|_| v.err(format!("negative score {i}")))?)
                }
            };
            if name == event.home_team {
                home_score = score;
            } else if name == event.away_team {
                away_score = score;
            } else {
                return Err(s.get("name")?.err(format!(
                    "{name:?} is neither home {:?} nor away {:?}",
                    event.home_team, event.away_team
                )));
            }
        }
    }
    Ok(EventScore {
        completed: n.req_bool("completed")?,
        last_update: n.opt_datetime("last_update")?,
        event,
        home_score,
        away_score,
    })
}

/// Decodes `/v4/sports/{sport}/scores`: an array; `[]` is valid.
pub fn decode_scores(body: &[u8]) -> Result<Vec<EventScore>, ShapeError> {
    let v = CTX.parse(body)?;
    let root = CTX.root(&v);
    reject_error_object(&root)?;
    root.items()?.iter().map(decode_score).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn scores_fixture_content() {
        let s = decode_scores(&fixtures::bytes("odds-api/scores.json")).unwrap();
        assert_eq!(s.len(), 21);
        assert!(
            s.iter()
                .all(|e| !e.completed && e.home_score.is_none() && e.last_update.is_none())
        );
        let first = &s[0];
        assert_eq!(first.event.id, "f54c4a22568ce9dc33fb410d1b0e75e9");
        assert_eq!(first.event.home_tricode.as_deref(), Some("CLE"));
        assert_eq!(first.event.away_tricode.as_deref(), Some("ORL"));
        assert_eq!(first.event.commence_time.to_rfc3339(), "2024-02-23T00:00:00+00:00");
    }

    #[test]
    fn completed_game_scores() {
        let body =
            br#"[{"id":"x","sport_key":"basketball_nba","sport_title":"NBA","commence_time":"2024-02-23T00:00:00Z",
          "completed":true,"home_team":"Cleveland Cavaliers","away_team":"Orlando Magic",
          "scores":[{"name":"Orlando Magic","score":"98"},{"name":"Cleveland Cavaliers","score":"116"}],
          "last_update":"2024-02-23T02:31:00Z"}]"#;
        let e = &decode_scores(body).unwrap()[0];
        assert!(e.completed);
        assert_eq!((e.home_score, e.away_score), (Some(116), Some(98)));
        assert_eq!(e.last_update.unwrap().to_rfc3339(), "2024-02-23T02:31:00+00:00");
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text("odds-api/scores.json");
        let e = decode_scores(body.replacen("\"completed\"", "\"done\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "$[0].completed");
        let bad = br#"[{"id":"x","sport_key":"basketball_nba","commence_time":"2024-02-23T00:00:00Z","completed":true,
          "home_team":"Cleveland Cavaliers","away_team":"Orlando Magic","scores":[{"name":"Orlando","score":"98"}]}]"#;
        assert_eq!(decode_scores(bad).unwrap_err().field, "$[0].scores[0].name");
        let bad = br#"[{"id":"x","sport_key":"basketball_nba","commence_time":"2024-02-23T00:00:00Z","completed":true,
          "home_team":"Cleveland Cavaliers","away_team":"Orlando Magic","scores":[{"name":"Orlando Magic","score":"ninety"}]}]"#;
        assert_eq!(decode_scores(bad).unwrap_err().field, "$[0].scores[0].score");
        assert_eq!(decode_scores(b"{}").unwrap_err().field, "$");
        assert_eq!(decode_scores(b"<html></html>").unwrap_err().field, "$");
    }
}
