//! `stats.nba.com/stats/boxscoretraditionalv2?GameID=…&StartPeriod=0&EndPeriod=0&RangeType=0…`: the
//! traditional box score of one game, tabular.
//!
//! `PlayerStats` has one row per player on either roster, including those who did not play: their `MIN`
//! and statistics are null and `COMMENT` gives the reason (`"DNP - Coach's Decision"`, `"DND -
//! Injury/Illness"`, `"NWT - …"`). `TeamStats` has the two team totals. `START_POSITION` is non-empty for
//! the five starters. (`TeamStarterBenchStats` is not decoded: it is derivable and its bench rows have been
//! seen with shifted columns.) NBA.com has been retiring V2 box scores in favour of
//! [`super::box_score_traditional_v3`]; both decode to the same [`BoxStats`].

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{BoxStats, BoxStatsCols};
use super::result_sets::decode_result_sets;
use super::value::{int, trimmed};
use crate::ShapeError;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "boxscoretraditionalv2";

/// One player's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScorePlayerV2 {
    pub game_id: String,
    pub team_id: i64,
    pub team_abbreviation: String,
    pub team_city: Option<String>,
    pub player_id: i64,
    pub player_name: String,
    pub nickname: Option<String>,
    /// `F`, `C`, `G` for starters, `None` for bench players.
    pub start_position: Option<String>,
    pub is_starter: bool,
    /// Upstream comment, e.g. `"DNP - Coach's Decision"`; `None` when empty.
    pub comment: Option<String>,
    /// True when the player has no minutes (DNP, DND, NWT); the reason is in `comment`.
    pub did_not_play: bool,
    #[serde(flatten)]
    pub stats: BoxStats,
}

/// One team's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScoreTeamV2 {
    pub game_id: String,
    pub team_id: i64,
    pub team_name: Option<String>,
    pub team_abbreviation: String,
    pub team_city: Option<String>,
    /// `minutes` is the team's total player-minutes: 240 in regulation, +25 per overtime.
    #[serde(flatten)]
    pub stats: BoxStats,
}

/// The decoded box score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScoreTraditionalV2 {
    pub players: Vec<BoxScorePlayerV2>,
    pub teams: Vec<BoxScoreTeamV2>,
}

/// Decodes a `boxscoretraditionalv2` body.
pub fn decode_box_score_traditional_v2(body: &Value) -> Result<BoxScoreTraditionalV2, ShapeError> {
    let sets = decode_result_sets(body, ENDPOINT)?;

    let ps = sets.get("PlayerStats")?;
    let game_id = ps.col("GAME_ID")?;
    let team_id = ps.col("TEAM_ID")?;
    let abbr = ps.col("TEAM_ABBREVIATION")?;
    let city = ps.opt_col("TEAM_CITY");
    let player_id = ps.col("PLAYER_ID")?;
    let player_name = ps.col("PLAYER_NAME")?;
    let nickname = ps.opt_col("NICKNAME");
    let start = ps.col("START_POSITION")?;
    let comment = ps.col("COMMENT")?;
    let stats = BoxStatsCols::locate(ps, true)?;
    let players = ps
        .rows()
        .map(|row| {
            let stats = stats.read(&row)?;
            let start_position = row.get(&start, trimmed)?;
            Ok(BoxScorePlayerV2 {
                game_id: row.req(&game_id, trimmed)?,
                team_id: row.req(&team_id, int)?,
                team_abbreviation: row.req(&abbr, trimmed)?,
                team_city: row.opt(city.as_ref(), trimmed)?,
                player_id: row.req(&player_id, int)?,
                player_name: row.req(&player_name, trimmed)?,
                nickname: row.opt(nickname.as_ref(), trimmed)?,
                is_starter: start_position.is_some(),
                start_position,
                comment: row.get(&comment, trimmed)?,
                did_not_play: stats.minutes.is_none_or(|m| m == 0.0),
                stats,
            })
        })
        .collect::<Result<_, ShapeError>>()?;

    let ts = sets.get("TeamStats")?;
    let game_id = ts.col("GAME_ID")?;
    let team_id = ts.col("TEAM_ID")?;
    let name = ts.opt_col("TEAM_NAME");
    let abbr = ts.col("TEAM_ABBREVIATION")?;
    let city = ts.opt_col("TEAM_CITY");
    let stats = BoxStatsCols::locate(ts, false)?;
    let teams = ts
        .rows()
        .map(|row| {
            Ok(BoxScoreTeamV2 {
                game_id: row.req(&game_id, trimmed)?,
                team_id: row.req(&team_id, int)?,
                team_name: row.opt(name.as_ref(), trimmed)?,
                team_abbreviation: row.req(&abbr, trimmed)?,
                team_city: row.opt(city.as_ref(), trimmed)?,
                stats: stats.read(&row)?,
            })
        })
        .collect::<Result<_, ShapeError>>()?;
    Ok(BoxScoreTraditionalV2 { players, teams })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::nba_stats::cassette;
    use serde_json::json;

    #[test]
    fn nyk_at_phi_2025_01_15_with_dnps() {
        let b = decode_box_score_traditional_v2(&fixtures::json("nba-stats/boxscoretraditionalv2_team.json")).unwrap();
        assert_eq!(b.players.len(), 25);
        assert!(b.players.iter().all(|p| p.game_id == "0022400561"));
        let brunson = b.players.iter().find(|p| p.player_name == "Jalen Brunson").unwrap();
        assert_eq!((brunson.stats.pts, brunson.is_starter), (Some(38), true));
        assert!((brunson.stats.minutes.unwrap() - (45.0 + 28.0 / 60.0)).abs() < 1e-9);
        let dnps: Vec<&BoxScorePlayerV2> = b.players.iter().filter(|p| p.did_not_play).collect();
        assert_eq!(dnps.len(), 8);
        assert!(dnps.iter().all(|p| p.stats.pts.is_none() && p.comment.is_some()));
        let drummond = dnps.iter().find(|p| p.player_name == "Andre Drummond").unwrap();
        assert_eq!(drummond.comment.as_deref(), Some("DND - Injury/Illness"));
        assert_eq!(b.players.iter().filter(|p| p.is_starter).count(), 10);
        let nyk = b.teams.iter().find(|t| t.team_abbreviation == "NYK").unwrap();
        assert_eq!(
            (nyk.stats.pts, nyk.stats.minutes, nyk.stats.plus_minus),
            (Some(125), Some(265.0), Some(6.0))
        );
    }

    #[test]
    fn dal_at_por_2022_01_26_float_plus_minus() {
        let b = decode_box_score_traditional_v2(&fixtures::json("nba-stats/boxscoretraditionalv2_0022100732.json"))
            .unwrap();
        assert_eq!(b.players.len(), 22);
        assert_eq!(b.players.iter().filter(|p| p.did_not_play).count(), 0);
        let luka = b.players.iter().find(|p| p.player_id == 1629029).unwrap();
        assert_eq!(
            (luka.player_name.as_str(), luka.stats.pts, luka.stats.plus_minus),
            ("Luka Doncic", Some(15), Some(11.0))
        );
        let total: u32 = b
            .players
            .iter()
            .filter(|p| p.team_abbreviation == "DAL")
            .filter_map(|p| p.stats.pts)
            .sum();
        assert_eq!(total, 132);
    }

    #[test]
    fn chi_at_cle_cassette() {
        let body = cassette::body("nba-stats/nba_api-cassettes/test_endpoints[BoxScoreTraditionalV2].yaml");
        let b = decode_box_score_traditional_v2(&body).unwrap();
        assert_eq!(b.players.len(), 23);
        let derozan = b.players.iter().find(|p| p.player_id == 201942).unwrap();
        assert_eq!(
            (derozan.stats.pts, derozan.stats.fgm, derozan.stats.fga),
            (Some(44), Some(16), Some(32))
        );
        assert!(b.players.iter().any(|p| p.player_name == "Nikola Vučević"));
        assert_eq!(b.teams.iter().map(|t| t.stats.pts.unwrap()).sum::<u32>(), 145 + 134);
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = fixtures::json("nba-stats/boxscoretraditionalv2_team.json");
        body["resultSets"][0]["headers"][9] = json!("MINUTES");
        assert_eq!(
            decode_box_score_traditional_v2(&body).unwrap_err().field,
            "resultSets[PlayerStats].MIN"
        );
        let mut body = fixtures::json("nba-stats/boxscoretraditionalv2_team.json");
        body["resultSets"][0]["rowSet"][2][9] = json!("12 minutes");
        let e = decode_box_score_traditional_v2(&body).unwrap_err();
        assert_eq!(e.field, "resultSets[PlayerStats].rowSet[2].MIN");
        let mut body = fixtures::json("nba-stats/boxscoretraditionalv2_team.json");
        body["resultSets"].as_array_mut().unwrap().remove(1);
        assert_eq!(
            decode_box_score_traditional_v2(&body).unwrap_err().field,
            "resultSets[TeamStats]"
        );
        assert_eq!(
            decode_box_score_traditional_v2(&json!({})).unwrap_err().field,
            "resultSets"
        );
    }
}
