//! `cdn.nba.com/static/json/liveData/playbyplay/playbyplay_{gameId}.json`: live (and final) play-by-play.
//!
//! `{"game": {"gameId", "actions": [{actionNumber, orderNumber, clock: "PT11M22.00S", period, periodType,
//! actionType: "2pt", subType, descriptor, qualifiers, teamId?, teamTricode?, personId, playerName?,
//! shotResult?, area?, areaDetail?, x, y, xLegacy, yLegacy, shotDistance?, scoreHome: "2", scoreAway: "2",
//! description, …}]}}`. Fields that only some action types carry are absent on the others; `personId` 0
//! and `x: null` mean none. Unlike stats.nba.com's V3, `scoreHome`/`scoreAway` are the running score on
//! every action. Shot `area`/`areaDetail` (zones) exist from about 2021 on; older games lack them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SOURCE;
use crate::ShapeError;
use crate::nba_stats::minutes::clock_seconds;
use crate::nba_stats::nested::{Ctx, Obj};
use crate::nba_stats::value::{count, flag, float, id, int, text, trimmed};

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "playbyplay";

/// One action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveAction {
    pub game_id: String,
    /// Unique within the game, increasing with time except for corrected actions.
    pub action_number: i64,
    /// Sort key that respects corrections.
    pub order_number: Option<i64>,
    pub period: i64,
    /// `REGULAR` or `OVERTIME`.
    pub period_type: Option<String>,
    /// Game clock as sent (`PT11M22.00S`).
    pub clock: String,
    /// Seconds left in the period.
    pub clock_seconds_remaining: Option<f64>,
    /// Wall-clock instant as sent (`2020-12-23T00:08:08.0Z`).
    pub time_actual: Option<String>,
    /// `2pt`, `3pt`, `freethrow`, `rebound`, `turnover`, `foul`, `substitution`, `period`, …
    pub action_type: String,
    /// `Jump Shot`, `DUNK`, `start`, …
    pub sub_type: Option<String>,
    pub descriptor: Option<String>,
    pub qualifiers: Vec<String>,
    pub team_id: Option<i64>,
    pub team_tricode: Option<String>,
    pub person_id: Option<i64>,
    /// Family name (`"Irving"`).
    pub player_name: Option<String>,
    /// `"K. Irving"`.
    pub player_name_i: Option<String>,
    pub is_field_goal: bool,
    /// `Made` or `Missed` on shots and free throws.
    pub shot_result: Option<String>,
    /// Feet.
    pub shot_distance: Option<f64>,
    /// Shot zone, e.g. `"In The Paint (Non-RA)"`, `"Mid-Range"`, `"Above the Break 3"`.
    pub area: Option<String>,
    /// e.g. `"0-8 Center"`.
    pub area_detail: Option<String>,
    pub side: Option<String>,
    /// Court coordinates in percent of length / width.
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub x_legacy: Option<i64>,
    pub y_legacy: Option<i64>,
    /// The player's running points after a scoring action.
    pub points_total: Option<u32>,
    pub assist_person_id: Option<i64>,
    /// Running score after the action.
    pub score_home: Option<u32>,
    pub score_away: Option<u32>,
    /// Team in possession after the action.
    pub possession: Option<i64>,
    pub description: String,
}

/// Decodes `playbyplay_{gameId}.json` into its actions, in upstream order.
pub fn decode_playbyplay(body: &Value) -> Result<Vec<LiveAction>, ShapeError> {
    let game = Ctx::new(SOURCE, ENDPOINT).root(body)?.obj("game")?;
    let game_id = game.req("gameId", trimmed)?;
    game.objects("actions")?
        .iter()
        .map(|a| decode_action(a, &game_id))
        .collect()
}

fn decode_action(a: &Obj<'_>, game_id: &str) -> Result<LiveAction, ShapeError> {
    let clock = a.req("clock", trimmed)?;
    let clock_seconds_remaining = clock_seconds(&clock).map_err(|e| a.err("clock", e.to_string()))?;
    Ok(LiveAction {
        game_id: game_id.to_string(),
        action_number: a.req("actionNumber", int)?,
        order_number: a.opt("orderNumber", int)?,
        period: a.req("period", int)?,
        period_type: a.opt("periodType", trimmed)?,
        clock,
        clock_seconds_remaining,
        time_actual: a.opt("timeActual", trimmed)?,
        action_type: a.req("actionType", trimmed)?,
        sub_type: a.opt("subType", trimmed)?,
        descriptor: a.opt("descriptor", trimmed)?,
        qualifiers: a.opt_strings("qualifiers")?,
        team_id: a.opt("teamId", id)?,
        team_tricode: a.opt("teamTricode", trimmed)?,
        person_id: a.opt("personId", id)?,
        player_name: a.opt("playerName", trimmed)?,
        player_name_i: a.opt("playerNameI", trimmed)?,
        is_field_goal: a.opt("isFieldGoal", flag)?.unwrap_or(false),
        shot_result: a.opt("shotResult", trimmed)?,
        shot_distance: a.opt("shotDistance", float)?,
        area: a.opt("area", trimmed)?,
        area_detail: a.opt("areaDetail", trimmed)?,
        side: a.opt("side", trimmed)?,
        x: a.opt("x", float)?,
        y: a.opt("y", float)?,
        x_legacy: a.opt("xLegacy", int)?,
        y_legacy: a.opt("yLegacy", int)?,
        points_total: a.opt("pointsTotal", count)?,
        assist_person_id: a.opt("assistPersonId", id)?,
        score_home: a.nullable("scoreHome", count)?,
        score_away: a.nullable("scoreAway", count)?,
        possession: a.opt("possession", id)?,
        description: a.opt("description", text)?.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use serde_json::json;

    #[test]
    fn gsw_at_bkn_2020_12_22() {
        let actions = decode_playbyplay(&fixtures::json("nba-cdn/playbyplay_0022000001.json")).unwrap();
        assert_eq!(actions.len(), 610);
        let kinds = |t: &str| actions.iter().filter(|a| a.action_type == t).count();
        assert_eq!((kinds("2pt"), kinds("3pt"), kinds("freethrow")), (123, 68, 55));
        let first_fg = actions.iter().find(|a| a.is_field_goal).unwrap();
        assert_eq!(first_fg.player_name_i.as_deref(), Some("K. Irving"));
        assert_eq!(
            (first_fg.shot_result.as_deref(), first_fg.assist_person_id),
            (Some("Made"), Some(201142))
        );
        assert_eq!(first_fg.clock_seconds_remaining, Some(682.0));
        assert!(actions.iter().all(|a| a.area.is_none()), "no shot zones in 2020 feed");
        let last = actions.last().unwrap();
        assert_eq!((last.score_home, last.score_away), (Some(125), Some(99)));
        let durant_pts = actions
            .iter()
            .filter(|a| a.person_id == Some(201142))
            .filter_map(|a| a.points_total)
            .max();
        assert_eq!(durant_pts, Some(22));
    }

    #[test]
    fn shot_zones_from_2025() {
        let actions = decode_playbyplay(&fixtures::json("nba-cdn/playbyplay_0022400500.json")).unwrap();
        assert_eq!(actions.len(), 571);
        assert!(actions.iter().all(|a| a.game_id == "0022400500"));
        let zubac = actions.iter().find(|a| a.is_field_goal).unwrap();
        assert_eq!(zubac.area.as_deref(), Some("In The Paint (Non-RA)"));
        assert_eq!(zubac.area_detail.as_deref(), Some("0-8 Center"));
        assert_eq!(
            (zubac.shot_result.as_deref(), zubac.team_tricode.as_deref()),
            (Some("Missed"), Some("LAC"))
        );
        assert!(zubac.x.is_some() && zubac.shot_distance == Some(5.57));
        let fgs: Vec<_> = actions.iter().filter(|a| a.is_field_goal).collect();
        assert_eq!(fgs.len(), 107 + 74);
        assert!(fgs.iter().all(|a| a.area.is_some()));
        let actions = decode_playbyplay(&fixtures::json("nba-cdn/playbyplay_0022500857.json")).unwrap();
        assert_eq!(actions.len(), 529);
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = fixtures::json("nba-cdn/playbyplay_0022400500.json");
        body["game"]["actions"][10]
            .as_object_mut()
            .unwrap()
            .remove("actionType");
        assert_eq!(
            decode_playbyplay(&body).unwrap_err().field,
            "game.actions[10].actionType"
        );
        let mut body = fixtures::json("nba-cdn/playbyplay_0022400500.json");
        body["game"]["actions"][10].as_object_mut().unwrap().remove("scoreHome");
        assert_eq!(
            decode_playbyplay(&body).unwrap_err().field,
            "game.actions[10].scoreHome"
        );
        let e = decode_playbyplay(&json!({})).unwrap_err();
        assert_eq!((e.source_name.as_str(), e.field.as_str()), ("nba_cdn", "game"));
        assert_eq!(decode_playbyplay(&json!("<html>")).unwrap_err().field, "$");
    }
}
