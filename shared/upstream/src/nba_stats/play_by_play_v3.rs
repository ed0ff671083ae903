//! `stats.nba.com/stats/playbyplayv3?GameID=…&StartPeriod=0&EndPeriod=0`: play-by-play of one game, nested.
//!
//! `{"game": {"gameId", "actions": [{actionNumber, clock: "PT11M41.00S", period, teamId, teamTricode,
//! personId, playerName, actionType: "Made Shot", subType, shotResult, shotDistance, xLegacy, yLegacy,
//! scoreHome, scoreAway, location, description, …}]}}`. Unlike cdn.nba.com's live feed
//! ([`crate::nba_cdn::playbyplay`]), `scoreHome`/`scoreAway` are `""` on actions that do not score (so
//! they decode to `None`), `pointsTotal` is the game's combined score rather than the player's, there are
//! no shot areas, and coordinates are the legacy ones. Empty strings and
//! zero ids mean "none" throughout.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SOURCE;
use super::minutes::clock_seconds;
use super::nested::{Ctx, Obj};
use super::value::{count, flag, float, id, int, text, trimmed};
use crate::ShapeError;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "playbyplayv3";

/// One action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayByPlayV3Action {
    pub game_id: String,
    pub action_number: i64,
    pub action_id: Option<i64>,
    pub period: i64,
    /// Game clock as sent (`PT11M41.00S`).
    pub clock: String,
    /// Seconds left in the period.
    pub clock_seconds_remaining: Option<f64>,
    /// `"Made Shot"`, `"Missed Shot"`, `"Free Throw"`, `"Rebound"`, `"period"`, …; empty for steals and
    /// blocks, which V3 sends with `actionType: ""` (the key itself is required).
    pub action_type: String,
    pub sub_type: Option<String>,
    pub team_id: Option<i64>,
    pub team_tricode: Option<String>,
    pub person_id: Option<i64>,
    /// Family name (`"DeRozan"`).
    pub player_name: Option<String>,
    /// Initial and family name (`"D. DeRozan"`).
    pub player_name_i: Option<String>,
    /// `"h"` (home) or `"v"` (visitor) for team actions.
    pub location: Option<String>,
    pub is_field_goal: bool,
    /// `"Made"` or `"Missed"` on shots.
    pub shot_result: Option<String>,
    /// Feet; present on shots.
    pub shot_distance: Option<f64>,
    /// 2 or 3 on field goals.
    pub shot_value: Option<u32>,
    pub x_legacy: Option<i64>,
    pub y_legacy: Option<i64>,
    /// Score after the action; `None` on actions that do not change it.
    pub score_home: Option<u32>,
    pub score_away: Option<u32>,
    /// `pointsTotal`: in this endpoint the combined points of both teams after a scoring action (e.g. 101
    /// at 41-60) — not the player's running total, which is what the cdn feed's `pointsTotal` means.
    pub game_points_total: Option<u32>,
    pub description: String,
}

/// Decodes a `playbyplayv3` body.
pub fn decode_play_by_play_v3(body: &Value) -> Result<Vec<PlayByPlayV3Action>, ShapeError> {
    let game = Ctx::new(SOURCE, ENDPOINT).root(body)?.obj("game")?;
    let game_id = game.req("gameId", trimmed)?;
    game.objects("actions")?
        .iter()
        .map(|a| decode_action(a, &game_id))
        .collect()
}

fn decode_action(a: &Obj<'_>, game_id: &str) -> Result<PlayByPlayV3Action, ShapeError> {
    let clock = a.req("clock", trimmed)?;
    let clock_seconds_remaining = clock_seconds(&clock).map_err(|e| a.err("clock", e.to_string()))?;
    let is_field_goal = a.opt("isFieldGoal", flag)?.unwrap_or(false);
    Ok(PlayByPlayV3Action {
        game_id: game_id.to_string(),
        action_number: a.req("actionNumber", int)?,
        action_id: a.opt("actionId", int)?,
        period: a.req("period", int)?,
        clock,
        clock_seconds_remaining,
        action_type: a.nullable("actionType", trimmed)?.unwrap_or_default(),
        sub_type: a.opt("subType", trimmed)?,
        team_id: a.opt("teamId", id)?,
        team_tricode: a.opt("teamTricode", trimmed)?,
        person_id: a.opt("personId", id)?,
        player_name: a.opt("playerName", trimmed)?,
        player_name_i: a.opt("playerNameI", trimmed)?,
        location: a.opt("location", trimmed)?,
        is_field_goal,
        shot_result: a.opt("shotResult", trimmed)?,
        shot_distance: if is_field_goal {
            a.opt("shotDistance", float)?
        } else {
            None
        },
        shot_value: a.opt("shotValue", count)?.filter(|v| *v > 0),
        x_legacy: if is_field_goal { a.opt("xLegacy", int)? } else { None },
        y_legacy: if is_field_goal { a.opt("yLegacy", int)? } else { None },
        score_home: a.nullable("scoreHome", count)?,
        score_away: a.nullable("scoreAway", count)?,
        game_points_total: a.opt("pointsTotal", count)?.filter(|v| *v > 0),
        description: a.opt("description", text)?.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nba_stats::cassette;
    use serde_json::json;

    const CASSETTE: &str = "nba-stats/nba_api-cassettes/test_endpoints[PlayByPlayV3].yaml";

    #[test]
    fn chi_at_cle_2023_01_02() {
        let actions = decode_play_by_play_v3(&cassette::body(CASSETTE)).unwrap();
        assert_eq!(actions.len(), 560);
        assert!(actions.iter().all(|a| a.game_id == "0022200552"));
        let first = &actions[0];
        assert_eq!(
            (first.action_type.as_str(), first.period, first.clock_seconds_remaining),
            ("period", 1, Some(720.0))
        );
        let three = &actions[2];
        assert_eq!(three.person_id, Some(201942));
        assert_eq!(
            (three.shot_result.as_deref(), three.shot_value, three.shot_distance),
            (Some("Made"), Some(3), Some(24.0))
        );
        assert_eq!((three.score_home, three.score_away), (Some(0), Some(3)));
        assert_eq!(actions[1].score_home, None, "jump ball does not score");
        let last = actions.iter().rev().find(|a| a.score_home.is_some()).unwrap();
        assert_eq!((last.score_home, last.score_away), (Some(145), Some(134)));
        assert!(actions.iter().any(|a| a.period == 5), "overtime");
        assert_eq!(
            actions.iter().filter(|a| a.action_type.is_empty()).count(),
            14,
            "steals and blocks"
        );
        assert_eq!(actions.iter().filter(|a| a.action_type == "Made Shot").count(), 95);
        let mitchell_fg = actions
            .iter()
            .filter(|a| a.person_id == Some(1628378) && a.shot_result.as_deref() == Some("Made"))
            .count();
        assert_eq!(mitchell_fg, 22, "22 field goals made in his 71-point game");
        assert_eq!(
            actions.iter().filter_map(|a| a.game_points_total).max(),
            Some(145 + 134)
        );
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = cassette::body(CASSETTE);
        body["game"]["actions"][7].as_object_mut().unwrap().remove("period");
        assert_eq!(
            decode_play_by_play_v3(&body).unwrap_err().field,
            "game.actions[7].period"
        );
        let mut body = cassette::body(CASSETTE);
        body["game"]["actions"][8].as_object_mut().unwrap().remove("actionType");
        assert_eq!(
            decode_play_by_play_v3(&body).unwrap_err().field,
            "game.actions[8].actionType"
        );
        let mut body = cassette::body(CASSETTE);
        body["game"]["actions"][3]["clock"] = json!("soon");
        assert_eq!(
            decode_play_by_play_v3(&body).unwrap_err().field,
            "game.actions[3].clock"
        );
        assert_eq!(decode_play_by_play_v3(&json!({})).unwrap_err().field, "game");
        assert_eq!(
            decode_play_by_play_v3(&json!({"game": {"gameId": "1"}}))
                .unwrap_err()
                .field,
            "game.actions"
        );
    }
}
