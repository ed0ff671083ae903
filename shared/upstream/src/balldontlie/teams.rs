//! `GET /v1/teams`: every franchise balldontlie knows, the 30 current ones
//! and defunct ones (blank conference). Not paginated. Used to map
//! balldontlie team ids to NBA tricodes.

use super::{SOURCE, Team, data_items, decode_team};
use crate::ShapeError;
use crate::json_walk::Ctx;

const CTX: Ctx = Ctx::new(SOURCE, "v1/teams");

/// Decodes `/v1/teams`. Defunct franchises are kept; they have no
/// conference ([`Team::conference`] is `None`).
pub fn decode_teams(body: &[u8]) -> Result<Vec<Team>, ShapeError> {
    let v = CTX.parse(body)?;
    data_items(&CTX.root(&v))?.iter().map(decode_team).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::teams::nba_tricode;

    #[test]
    fn teams_fixture_content() {
        let teams = decode_teams(&fixtures::bytes("balldontlie/teams_cf664c89.json")).unwrap();
        assert_eq!(teams.len(), 45);
        let current: Vec<&Team> = teams.iter().filter(|t| t.conference.is_some()).collect();
        assert_eq!(current.len(), 30);
        // balldontlie's abbreviations and full names of current teams are NBA's.
        for t in &current {
            assert_eq!(
                nba_tricode(&t.abbreviation),
                Ok(t.abbreviation.as_str()),
                "{}",
                t.full_name
            );
            assert_eq!(
                nba_tricode(&t.full_name),
                Ok(t.abbreviation.as_str()),
                "{}",
                t.full_name
            );
        }
        let gsw = teams.iter().find(|t| t.id == 10).unwrap();
        assert_eq!(
            (gsw.abbreviation.as_str(), gsw.full_name.as_str()),
            ("GSW", "Golden State Warriors")
        );
        assert_eq!(gsw.division.as_deref(), Some("Pacific"));
        let stags = teams.iter().find(|t| t.id == 37).unwrap();
        assert_eq!(
            (stags.full_name.as_str(), stags.conference.as_deref()),
            ("Chicago Stags", None)
        );
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text("balldontlie/teams_cf664c89.json");
        let e = decode_teams(body.replacen("\"abbreviation\"", "\"abbr\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].abbreviation");
        let e = decode_teams(body.replacen("\"id\":1,", "\"id\":\"1\",", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].id");
        assert_eq!(decode_teams(b"{}").unwrap_err().field, "data");
        assert_eq!(decode_teams(b"<html>error</html>").unwrap_err().field, "$");
    }
}
