//! `GET /v1/player_injuries` (paginated): the current injury list, one row
//! per injured player with status (`Out`, `Day-To-Day`, ...) and expected
//! return. Feeds "teammates out" and DNP context; stored as append-only
//! history.

use serde::{Deserialize, Serialize};

use super::{Page, Player, SOURCE, decode_page, decode_player};
use crate::ShapeError;
use crate::json_walk::{Ctx, Node};

const CTX: Ctx = Ctx::new(SOURCE, "v1/player_injuries");

/// One injured player.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Injury {
    pub player: Player,
    /// `Out`, `Day-To-Day`, `Questionable`, ... as sent.
    pub status: String,
    /// Expected return as sent (`"Feb 1"`: month and day, no year).
    pub return_date: Option<String>,
    pub description: Option<String>,
}

fn decode_injury(n: &Node) -> Result<Injury, ShapeError> {
    Ok(Injury {
        player: decode_player(&n.get("player")?)?,
        status: n.req_str("status")?.trim().to_string(),
        return_date: n.opt_string("return_date")?,
        description: n.opt_string("description")?,
    })
}

/// Decodes a page of `/v1/player_injuries`. An empty list is valid.
pub fn decode_player_injuries(body: &[u8]) -> Result<Page<Injury>, ShapeError> {
    decode_page(&CTX, body, decode_injury)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn injuries_fixture_content() {
        let page = decode_player_injuries(&fixtures::bytes("balldontlie/injuries_d45e630e.json")).unwrap();
        assert_eq!(page.data.len(), 2);
        assert_eq!(page.meta.per_page, Some(100));
        let tatum = page.data.iter().find(|i| i.player.last_name == "Tatum").unwrap();
        assert_eq!(tatum.status, "Out");
        assert_eq!(tatum.return_date.as_deref(), Some("Feb 1"));
        assert_eq!(tatum.player.team_id, Some(2));
        assert!(tatum.description.as_deref().unwrap().contains("Achilles"));
        let brown = page.data.iter().find(|i| i.player.last_name == "Brown").unwrap();
        assert_eq!(brown.status, "Day-To-Day");
    }

    #[test]
    fn shape_errors_name_the_field() {
        let body = fixtures::text("balldontlie/injuries_d45e630e.json");
        let e = decode_player_injuries(body.replacen("\"status\"", "\"state\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].status");
        let e = decode_player_injuries(body.replacen("\"player\"", "\"athlete\"", 1).as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].player");
        assert_eq!(decode_player_injuries(b"{}").unwrap_err().field, "data");
        assert_eq!(decode_player_injuries(b"<html>oops</html>").unwrap_err().field, "$");
        let empty = decode_player_injuries(br#"{"data":[],"meta":{"per_page":25}}"#).unwrap();
        assert!(empty.data.is_empty());
    }
}
