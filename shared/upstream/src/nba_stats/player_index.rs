//! `stats.nba.com/stats/playerindex?LeagueID=00&Season=2024-25[&Historical=1]`: the league's player list
//! with current team, bio and draft data, tabular (table `PlayerIndex`).
//!
//! Used to build the player registry (id ↔ name ↔ team by season). Known public headers: `PERSON_ID,
//! PLAYER_LAST_NAME, PLAYER_FIRST_NAME, PLAYER_SLUG, TEAM_ID, TEAM_SLUG, IS_DEFUNCT, TEAM_CITY, TEAM_NAME,
//! TEAM_ABBREVIATION, JERSEY_NUMBER, POSITION, HEIGHT, WEIGHT, COLLEGE, COUNTRY, DRAFT_YEAR, DRAFT_ROUND,
//! DRAFT_NUMBER, ROSTER_STATUS, FROM_YEAR, TO_YEAR, PTS, REB, AST, STATS_TIMEFRAME`. Only the identity
//! columns are required; the rest are read when present, since this endpoint's column list has changed
//! before. Draft fields are null for undrafted players and numbers are often sent as floats (`2003.0`).
//!
//! No recorded response exists in the fixtures: the contract test uses the hand-written
//! `fixtures/nba-stats/synthetic_playerindex.json` in that public shape.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::result_sets::decode_result_sets;
use super::value::{count, float, id, int, trimmed};
use crate::ShapeError;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "playerindex";

/// One player of the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerIndexEntry {
    pub person_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub player_slug: Option<String>,
    /// Current (or last) team; `None` for free agents (`0`).
    pub team_id: Option<i64>,
    pub team_abbreviation: Option<String>,
    pub team_city: Option<String>,
    pub team_name: Option<String>,
    pub jersey_number: Option<String>,
    pub position: Option<String>,
    /// Feet-inches, e.g. `"6-9"`.
    pub height: Option<String>,
    /// Pounds.
    pub weight_lb: Option<u32>,
    pub college: Option<String>,
    pub country: Option<String>,
    pub draft_year: Option<u32>,
    pub draft_round: Option<u32>,
    pub draft_number: Option<u32>,
    /// `ROSTER_STATUS` = 1: on a roster now.
    pub is_active: bool,
    pub from_year: Option<u32>,
    pub to_year: Option<u32>,
    /// Points, rebounds, assists per game over `stats_timeframe`.
    pub pts: Option<f64>,
    pub reb: Option<f64>,
    pub ast: Option<f64>,
    pub stats_timeframe: Option<String>,
}

/// Decodes a `playerindex` body.
pub fn decode_player_index(body: &Value) -> Result<Vec<PlayerIndexEntry>, ShapeError> {
    let sets = decode_result_sets(body, ENDPOINT)?;
    let rs = sets.get_or_only("PlayerIndex")?;
    let person_id = rs.col("PERSON_ID")?;
    let first = rs.col("PLAYER_FIRST_NAME")?;
    let last = rs.col("PLAYER_LAST_NAME")?;
    let team_id = rs.col("TEAM_ID")?;
    let opt = |h: &str| rs.opt_col(h);
    let (slug, abbr, city, name) = (
        opt("PLAYER_SLUG"),
        opt("TEAM_ABBREVIATION"),
        opt("TEAM_CITY"),
        opt("TEAM_NAME"),
    );
    let (jersey, position, height, weight) = (opt("JERSEY_NUMBER"), opt("POSITION"), opt("HEIGHT"), opt("WEIGHT"));
    let (college, country) = (opt("COLLEGE"), opt("COUNTRY"));
    let (draft_year, draft_round, draft_number) = (opt("DRAFT_YEAR"), opt("DRAFT_ROUND"), opt("DRAFT_NUMBER"));
    let (roster, from, to) = (opt("ROSTER_STATUS"), opt("FROM_YEAR"), opt("TO_YEAR"));
    let (pts, reb, ast, timeframe) = (opt("PTS"), opt("REB"), opt("AST"), opt("STATS_TIMEFRAME"));
    rs.rows()
        .map(|row| {
            Ok(PlayerIndexEntry {
                person_id: row.req(&person_id, int)?,
                // Some players have a single name (e.g. "Nenê"): the first name may be empty.
                first_name: row.get(&first, trimmed)?.unwrap_or_default(),
                last_name: row.req(&last, trimmed)?,
                player_slug: row.opt(slug.as_ref(), trimmed)?,
                team_id: row.get(&team_id, id)?,
                team_abbreviation: row.opt(abbr.as_ref(), trimmed)?,
                team_city: row.opt(city.as_ref(), trimmed)?,
                team_name: row.opt(name.as_ref(), trimmed)?,
                jersey_number: row.opt(jersey.as_ref(), trimmed)?,
                position: row.opt(position.as_ref(), trimmed)?,
                height: row.opt(height.as_ref(), trimmed)?,
                weight_lb: row.opt(weight.as_ref(), count)?,
                college: row.opt(college.as_ref(), trimmed)?,
                country: row.opt(country.as_ref(), trimmed)?,
                draft_year: row.opt(draft_year.as_ref(), count)?,
                draft_round: row.opt(draft_round.as_ref(), count)?,
                draft_number: row.opt(draft_number.as_ref(), count)?,
                is_active: row.opt(roster.as_ref(), int)?.is_some_and(|s| s == 1),
                from_year: row.opt(from.as_ref(), count)?,
                to_year: row.opt(to.as_ref(), count)?,
                pts: row.opt(pts.as_ref(), float)?,
                reb: row.opt(reb.as_ref(), float)?,
                ast: row.opt(ast.as_ref(), float)?,
                stats_timeframe: row.opt(timeframe.as_ref(), trimmed)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use serde_json::json;

    // SYNTHETIC fixture (no recorded playerindex response exists): hand-written in the public shape.
    const FIXTURE: &str = "nba-stats/synthetic_playerindex.json";

    #[test]
    fn synthetic_index() {
        let players = decode_player_index(&fixtures::json(FIXTURE)).unwrap();
        assert_eq!(players.len(), 5);
        let lebron = &players[0];
        assert_eq!(
            (lebron.person_id, lebron.first_name.as_str(), lebron.last_name.as_str()),
            (2544, "LeBron", "James")
        );
        assert_eq!(
            (lebron.team_id, lebron.team_abbreviation.as_deref()),
            (Some(1610612747), Some("LAL"))
        );
        assert_eq!(
            (lebron.draft_year, lebron.draft_round, lebron.draft_number),
            (Some(2003), Some(1), Some(1))
        );
        assert_eq!(
            (lebron.weight_lb, lebron.is_active, lebron.pts),
            (Some(250), true, Some(24.4))
        );
        let jose = players.iter().find(|p| p.last_name == "Alvarado").unwrap();
        assert_eq!(jose.first_name, "José");
        assert_eq!(jose.draft_year, None, "undrafted");
        assert!(!players[4].is_active, "retired: null roster status");
        assert_eq!(players.iter().filter(|p| p.is_active).count(), 4);
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = fixtures::json(FIXTURE);
        body["resultSets"][0]["headers"][0] = json!("PLAYER_ID");
        assert_eq!(
            decode_player_index(&body).unwrap_err().field,
            "resultSets[PlayerIndex].PERSON_ID"
        );
        let mut body = fixtures::json(FIXTURE);
        body["resultSets"][0]["rowSet"][1][0] = json!(null);
        assert_eq!(
            decode_player_index(&body).unwrap_err().field,
            "resultSets[PlayerIndex].rowSet[1].PERSON_ID"
        );
        assert_eq!(decode_player_index(&json!({})).unwrap_err().field, "resultSets");
    }
}
