//! `GET /v1/players` (search, all players ever) and `GET /v1/players/active`
//! (players on a current roster); both paginated. Used to build the player
//! registry that validates names from the other sources.

use super::{Page, Player, SOURCE, decode_page, decode_player};
use crate::ShapeError;
use crate::json_walk::Ctx;

const ALL: Ctx = Ctx::new(SOURCE, "v1/players");
const ACTIVE: Ctx = Ctx::new(SOURCE, "v1/players/active");

/// Decodes a page of `/v1/players`.
pub fn decode_players(body: &[u8]) -> Result<Page<Player>, ShapeError> {
    decode_page(&ALL, body, decode_player)
}

/// Decodes a page of `/v1/players/active`.
pub fn decode_active_players(body: &[u8]) -> Result<Page<Player>, ShapeError> {
    decode_page(&ACTIVE, body, decode_player)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn players_fixture_content() {
        let page = decode_players(&fixtures::bytes("balldontlie/players_e640d907.json")).unwrap();
        assert_eq!(page.data.len(), 49);
        assert_eq!(page.meta.per_page, Some(50));
        assert_eq!(page.next_cursor(), None);
        let lebron = page.data.iter().find(|p| p.id == 237).unwrap();
        assert_eq!(
            (lebron.first_name.as_str(), lebron.last_name.as_str()),
            ("LeBron", "James")
        );
        assert_eq!(lebron.height_in, Some(81));
        assert_eq!(lebron.weight_lb, Some(250));
        assert_eq!(lebron.team.as_ref().unwrap().abbreviation, "LAL");
        assert_eq!(lebron.team_id, Some(14));
        let harden = page.data.iter().find(|p| p.id == 192).unwrap();
        assert_eq!(harden.team.as_ref().unwrap().full_name, "LA Clippers");
        // Undrafted: null draft fields stay None; blank position is None.
        let nunnally = page.data.iter().find(|p| p.last_name == "Nunnally").unwrap();
        assert_eq!(nunnally.draft_year, None);
        let donaldson = page.data.iter().find(|p| p.last_name == "Donaldson").unwrap();
        assert_eq!(donaldson.position, None);
    }

    #[test]
    fn active_players_fixture_content_and_cursor() {
        let page = decode_active_players(&fixtures::bytes("balldontlie/active_players_ac3e7bd3.json")).unwrap();
        assert_eq!(page.data.len(), 100);
        assert_eq!(page.next_cursor(), Some(277));
        assert_eq!(page.meta.per_page, Some(100));
        let adams = &page.data[0];
        assert_eq!((adams.id, adams.last_name.as_str()), (3, "Adams"));
        assert_eq!(adams.height_in, Some(83));
        assert_eq!(adams.weight_lb, Some(265));
        assert_eq!(adams.jersey_number.as_deref(), Some("12"));
        assert_eq!(adams.team.as_ref().unwrap().abbreviation, "HOU");
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text("balldontlie/active_players_ac3e7bd3.json");
        let e = decode_active_players(body.replacen("\"last_name\"", "\"lastName\"", 1).as_bytes()).unwrap_err();
        assert_eq!(
            (e.endpoint.as_str(), e.field.as_str()),
            ("v1/players/active", "data[0].last_name")
        );
        let e = decode_active_players(body.replacen("\"6-11\"", "\"tall\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].height");
        assert_eq!(decode_players(b"{}").unwrap_err().field, "data");
        assert_eq!(decode_players(b"<html></html>").unwrap_err().field, "$");
        let e = decode_players(br#"{"data":[{"id":1,"first_name":"A","last_name":"B"}]}"#).unwrap_err();
        assert_eq!(e.field, "meta");
    }
}
