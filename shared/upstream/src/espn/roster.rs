//! ESPN team roster: `GET site.api.espn.com/apis/site/v2/sports/basketball/nba/teams/{id}?enable=roster`
//! (athletes under `team.athletes`) or `.../teams/{id}/roster` (athletes at
//! the top level next to `team`). Who is on a team today, with ESPN athlete
//! ids, positions and jerseys; used to validate player names and teams.

use serde::{Deserialize, Serialize};

use super::SOURCE;
use super::scoreboard::id_text;
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};
use crate::teams::nba_tricode;

const CTX: Ctx = Ctx::new(SOURCE, "site/v2/nba/teams/{id}/roster");

/// A team's roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roster {
    /// ESPN team id.
    pub team_id: String,
    /// ESPN abbreviation as sent.
    pub team_abbreviation: Option<String>,
    pub nba_tricode: Option<String>,
    pub team_name: Option<String>,
    pub athletes: Vec<RosterAthlete>,
}

/// One player on the roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterAthlete {
    /// ESPN athlete id.
    pub id: String,
    /// Display name, e.g. "Jaylen Brown".
    pub name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Position abbreviation (`PG`, `SF`, `C`, `G`, `F`).
    pub position: Option<String>,
    /// Jersey number as text (`"0"` and `"00"` differ).
    pub jersey: Option<String>,
    /// Height in inches.
    pub height_in: Option<u32>,
    /// Weight in pounds.
    pub weight_lb: Option<u32>,
}

fn opt_whole(n: &Node, key: &str) -> Result<Option<u32>, ShapeError> {
    match n.opt(key)? {
        None => Ok(None),
        Some(v) => {
            let f = v.f64()?;
            if !(0.0..2000.0).contains(&f) {
                return Err(v.err(format!("out of range: {f}")));
            }
            Ok(Some(f.round() as u32))
        }
    }
}

fn decode_athlete(a: &Node) -> Result<RosterAthlete, ShapeError> {
    let name = match a.opt_string("displayName")? {
        Some(n) => n,
        None => a.req_str("fullName")?.trim().to_string(),
    };
    let position = match a.opt("position")? {
        Some(p) if p.v.is_object() => p.opt_string("abbreviation")?,
        Some(p) => Some(p.str()?.to_string()),
        None => None,
    };
    let jersey = match a.opt("jersey")? {
        Some(j) if j.v.is_number() => Some(j.v.to_string()),
        Some(j) => Some(j.str()?.trim().to_string()).filter(|s| !s.is_empty()),
        None => None,
    };
    Ok(RosterAthlete {
        id: id_text(a, "id")?,
        name,
        first_name: a.opt_string("firstName")?,
        last_name: a.opt_string("lastName")?,
        position,
        jersey,
        height_in: opt_whole(a, "height")?,
        weight_lb: opt_whole(a, "weight")?,
    })
}

/// Athletes, flat or grouped by position (`[{"position": "...", "items": [...]}]`).
fn athletes(list: &Node) -> Result<Vec<RosterAthlete>, ShapeError> {
    let mut out = Vec::new();
    for a in list.items()? {
        if a.has("items") && !a.has("id") {
            for x in a.req_items("items")? {
                out.push(decode_athlete(&x)?);
            }
        } else {
            out.push(decode_athlete(&a)?);
        }
    }
    Ok(out)
}

/// Decodes a roster answer. An empty `athletes` list is returned as is
/// (valid JSON shape; callers treat a roster of 0 as `no_data`).
pub fn decode_roster(body: &[u8]) -> Result<Roster, ShapeError> {
    let v = CTX.parse(body)?;
    let root = CTX.root(&v);
    let team = root.get("team")?;
    let list = match root.opt("athletes")? {
        Some(l) => l,
        None => team.get("athletes")?,
    };
    let team_abbreviation = team.opt_string("abbreviation")?;
    Ok(Roster {
        team_id: id_text(&team, "id")?,
        nba_tricode: team_abbreviation
            .as_deref()
            .and_then(|a| nba_tricode(a).ok())
            .map(str::to_string),
        team_abbreviation,
        team_name: team.opt_string("displayName")?,
        athletes: athletes(&list)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn fixture() -> String {
        fixtures::text("espn/team_roster_api.json")
    }

    #[test]
    fn roster_content() {
        let r = decode_roster(fixture().as_bytes()).unwrap();
        assert_eq!(r.team_id, "2");
        assert_eq!(r.nba_tricode.as_deref(), Some("BOS"));
        assert_eq!(r.team_name.as_deref(), Some("Boston Celtics"));
        assert_eq!(r.athletes.len(), 17);
        let brown = r.athletes.iter().find(|a| a.name == "Jaylen Brown").unwrap();
        assert_eq!(brown.id, "3917376");
        assert_eq!(brown.position.as_deref(), Some("SG"));
        assert_eq!(brown.jersey.as_deref(), Some("7"));
        assert_eq!((brown.height_in, brown.weight_lb), (Some(78), Some(223)));
        let tatum = r.athletes.iter().find(|a| a.id == "4065648").unwrap();
        assert_eq!(
            (tatum.name.as_str(), tatum.jersey.as_deref()),
            ("Jayson Tatum", Some("0"))
        );
        let white = r.athletes.iter().find(|a| a.name == "Derrick White").unwrap();
        assert_eq!(white.position.as_deref(), Some("PG"));
    }

    #[test]
    fn top_level_and_grouped_athletes() {
        let body = br#"{"team":{"id":"9","abbreviation":"GS","displayName":"Golden State Warriors"},
          "athletes":[{"position":"guards","items":[{"id":"3975","fullName":"Stephen Curry","jersey":"30","position":{"abbreviation":"PG"}}]},
                      {"id":"6475","displayName":"Draymond Green","jersey":23}]}"#;
        let r = decode_roster(body).unwrap();
        assert_eq!(r.nba_tricode.as_deref(), Some("GSW"));
        assert_eq!(r.athletes.len(), 2);
        assert_eq!(r.athletes[0].name, "Stephen Curry");
        assert_eq!(r.athletes[1].jersey.as_deref(), Some("23"));
        assert_eq!(r.athletes[1].position, None);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let e = decode_roster(fixture().replacen("\"athletes\"", "\"players\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "team.athletes");
        let body = fixture().replacen("\"id\":\"3917376\"", "\"athleteId\":\"3917376\"", 1);
        let e = decode_roster(body.as_bytes()).unwrap_err();
        assert_eq!(e.field, "team.athletes[0].id");
        let body = fixture()
            .replacen("\"displayName\":\"Jaylen Brown\"", "\"dn\":\"x\"", 1)
            .replacen("\"fullName\":\"Jaylen Brown\"", "\"fn\":\"x\"", 1);
        assert_eq!(
            decode_roster(body.as_bytes()).unwrap_err().field,
            "team.athletes[0].fullName"
        );
        assert_eq!(decode_roster(b"{}").unwrap_err().field, "team");
        assert_eq!(
            decode_roster(b"<html><body>Error</body></html>").unwrap_err().field,
            "$"
        );
    }
}
