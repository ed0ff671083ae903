//! `stats.nba.com/stats/playbyplayv2?GameID=…&StartPeriod=0&EndPeriod=10`: play-by-play of one game,
//! tabular (retired by NBA.com in favour of [`super::play_by_play_v3`], still needed for past seasons).
//!
//! One row per event of table `PlayByPlay`. `EVENTMSGTYPE` is the event kind (1 made field goal, 2 missed,
//! 3 free throw, 4 rebound, 5 turnover, 6 foul, 7 violation, 8 substitution, 9 timeout, 10 jump ball,
//! 11 ejection, 12 period start, 13 period end, 18 instant replay), `PCTIMESTRING` the clock (`"11:47"`),
//! `SCORE` the score after a scoring event as `"AWAY - HOME"` (null otherwise), and `PLAYER1..3` the
//! players involved (id 0 / null when none). There are no shot zones or coordinates in V2.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::minutes::clock_seconds;
use super::result_sets::{Col, ResultSet, Row, decode_result_sets};
use super::value::{id, int, trimmed};
use crate::ShapeError;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "playbyplayv2";

/// The kind of a V2 event, from `EVENTMSGTYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PbpV2EventType {
    MadeShot,
    MissedShot,
    FreeThrow,
    Rebound,
    Turnover,
    Foul,
    Violation,
    Substitution,
    Timeout,
    JumpBall,
    Ejection,
    PeriodStart,
    PeriodEnd,
    InstantReplay,
    /// A code not in the list above (kept as `event_msg_type`).
    Other,
}

impl PbpV2EventType {
    pub fn from_code(code: i64) -> Self {
        use PbpV2EventType::*;
        match code {
            1 => MadeShot,
            2 => MissedShot,
            3 => FreeThrow,
            4 => Rebound,
            5 => Turnover,
            6 => Foul,
            7 => Violation,
            8 => Substitution,
            9 => Timeout,
            10 => JumpBall,
            11 => Ejection,
            12 => PeriodStart,
            13 => PeriodEnd,
            18 => InstantReplay,
            _ => Other,
        }
    }
}

/// One play-by-play event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayByPlayV2Event {
    pub game_id: String,
    /// `EVENTNUM`: increasing but not contiguous.
    pub event_num: i64,
    pub event_msg_type: i64,
    pub event_type: PbpV2EventType,
    /// `EVENTMSGACTIONTYPE`: the sub-kind (shot type, foul type…).
    pub event_msg_action_type: Option<i64>,
    pub period: i64,
    /// Wall-clock time as printed, e.g. `"8:04 PM"`.
    pub wall_clock: Option<String>,
    /// Game clock as sent, e.g. `"11:47"`.
    pub clock: String,
    /// Seconds left in the period.
    pub clock_seconds_remaining: Option<f64>,
    pub home_description: Option<String>,
    pub neutral_description: Option<String>,
    pub visitor_description: Option<String>,
    /// Score after the event (`SCORE` is `"AWAY - HOME"`); `None` for events that do not change it.
    pub score_home: Option<u32>,
    pub score_away: Option<u32>,
    /// For field goals (`made_shot`/`missed_shot`): whether it went in. For free throws: derived from the
    /// description (a missed free throw's starts with `MISS`). `None` for other events.
    pub shot_made: Option<bool>,
    /// For field goals: whether it was a three (description contains `3PT`).
    pub is_three: Option<bool>,
    pub player1_id: Option<i64>,
    pub player1_name: Option<String>,
    pub player1_team_id: Option<i64>,
    pub player1_team_abbreviation: Option<String>,
    pub player2_id: Option<i64>,
    pub player2_name: Option<String>,
    pub player2_team_id: Option<i64>,
    pub player3_id: Option<i64>,
    pub player3_name: Option<String>,
    pub player3_team_id: Option<i64>,
}

struct PlayerRef {
    id: Option<i64>,
    name: Option<String>,
    team_id: Option<i64>,
    team_abbreviation: Option<String>,
}

struct PlayerCols {
    id: Col,
    name: Option<Col>,
    team_id: Option<Col>,
    team_abbreviation: Option<Col>,
}

impl PlayerCols {
    fn locate(rs: &ResultSet, n: u8) -> Result<Self, ShapeError> {
        Ok(PlayerCols {
            id: rs.col(&format!("PLAYER{n}_ID"))?,
            name: rs.opt_col(&format!("PLAYER{n}_NAME")),
            team_id: rs.opt_col(&format!("PLAYER{n}_TEAM_ID")),
            team_abbreviation: rs.opt_col(&format!("PLAYER{n}_TEAM_ABBREVIATION")),
        })
    }

    /// A team-level event (team rebound, team turnover) has a team id in `PLAYERn_ID` and no name; it is
    /// kept as sent.
    fn read(&self, row: &Row<'_>) -> Result<PlayerRef, ShapeError> {
        Ok(PlayerRef {
            id: row.get(&self.id, id)?,
            name: row.opt(self.name.as_ref(), trimmed)?,
            team_id: row.opt(self.team_id.as_ref(), id)?,
            team_abbreviation: row.opt(self.team_abbreviation.as_ref(), trimmed)?,
        })
    }
}

/// Decodes a `playbyplayv2` body.
pub fn decode_play_by_play_v2(body: &Value) -> Result<Vec<PlayByPlayV2Event>, ShapeError> {
    let sets = decode_result_sets(body, ENDPOINT)?;
    let rs = sets.get("PlayByPlay")?;
    let game_id = rs.col("GAME_ID")?;
    let event_num = rs.col("EVENTNUM")?;
    let msg_type = rs.col("EVENTMSGTYPE")?;
    let action_type = rs.opt_col("EVENTMSGACTIONTYPE");
    let period = rs.col("PERIOD")?;
    let wall = rs.opt_col("WCTIMESTRING");
    let clock = rs.col("PCTIMESTRING")?;
    let home_desc = rs.col("HOMEDESCRIPTION")?;
    let neutral_desc = rs.opt_col("NEUTRALDESCRIPTION");
    let visitor_desc = rs.col("VISITORDESCRIPTION")?;
    let score = rs.col("SCORE")?;
    let players = [
        PlayerCols::locate(rs, 1)?,
        PlayerCols::locate(rs, 2)?,
        PlayerCols::locate(rs, 3)?,
    ];

    rs.rows()
        .map(|row| {
            let code = row.req(&msg_type, int)?;
            let event_type = PbpV2EventType::from_code(code);
            let clock_raw = row.req(&clock, trimmed)?;
            let clock_seconds_remaining = clock_seconds(&clock_raw).map_err(|e| {
                ShapeError::new(
                    super::SOURCE,
                    ENDPOINT,
                    format!("resultSets[PlayByPlay].rowSet[{}].PCTIMESTRING", row.index),
                    e.to_string(),
                )
            })?;
            let (score_away, score_home) = match row.get(&score, trimmed)? {
                None => (None, None),
                Some(s) => parse_score(&s).map(|(a, h)| (Some(a), Some(h))).ok_or_else(|| {
                    ShapeError::new(
                        super::SOURCE,
                        ENDPOINT,
                        format!("resultSets[PlayByPlay].rowSet[{}].SCORE", row.index),
                        format!("expected \"AWAY - HOME\", got {s:?}"),
                    )
                })?,
            };
            let home_description = row.get(&home_desc, trimmed)?;
            let visitor_description = row.get(&visitor_desc, trimmed)?;
            let description = home_description
                .as_deref()
                .or(visitor_description.as_deref())
                .unwrap_or("");
            let (shot_made, is_three) = match event_type {
                PbpV2EventType::MadeShot => (Some(true), Some(description.contains("3PT"))),
                PbpV2EventType::MissedShot => (Some(false), Some(description.contains("3PT"))),
                PbpV2EventType::FreeThrow => (Some(!description.starts_with("MISS")), None),
                _ => (None, None),
            };
            let [c1, c2, c3] = &players;
            let (p1, p2, p3) = (c1.read(&row)?, c2.read(&row)?, c3.read(&row)?);
            Ok(PlayByPlayV2Event {
                game_id: row.req(&game_id, trimmed)?,
                event_num: row.req(&event_num, int)?,
                event_msg_type: code,
                event_type,
                event_msg_action_type: row.opt(action_type.as_ref(), int)?,
                period: row.req(&period, int)?,
                wall_clock: row.opt(wall.as_ref(), trimmed)?,
                clock: clock_raw,
                clock_seconds_remaining,
                home_description,
                neutral_description: row.opt(neutral_desc.as_ref(), trimmed)?,
                visitor_description,
                score_home,
                score_away,
                shot_made,
                is_three,
                player1_id: p1.id,
                player1_name: p1.name,
                player1_team_id: p1.team_id,
                player1_team_abbreviation: p1.team_abbreviation,
                player2_id: p2.id,
                player2_name: p2.name,
                player2_team_id: p2.team_id,
                player3_id: p3.id,
                player3_name: p3.name,
                player3_team_id: p3.team_id,
            })
        })
        .collect()
}

/// `"122 - 130"` → (away 122, home 130).
fn parse_score(s: &str) -> Option<(u32, u32)> {
    let (away, home) = s.split_once('-')?;
    Some((away.trim().parse().ok()?, home.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use serde_json::json;

    const FIXTURE: &str = "nba-stats/playbyplayv2_0021900001.json";

    #[test]
    fn nop_at_tor_opening_night_2019() {
        let events = decode_play_by_play_v2(&fixtures::json(FIXTURE)).unwrap();
        assert_eq!(events.len(), 573);
        assert!(events.iter().all(|e| e.game_id == "0021900001"));
        let count = |t| events.iter().filter(|e| e.event_type == t).count();
        assert_eq!(
            (count(PbpV2EventType::MadeShot), count(PbpV2EventType::MissedShot)),
            (85, 120)
        );
        assert_eq!(count(PbpV2EventType::FreeThrow), 58);
        assert!(events.iter().any(|e| e.period == 5), "overtime game");
        let last_score = events.iter().rev().find(|e| e.score_home.is_some()).unwrap();
        assert_eq!((last_score.score_away, last_score.score_home), (Some(122), Some(130)));
        let first_basket = events
            .iter()
            .find(|e| e.event_type == PbpV2EventType::MadeShot)
            .unwrap();
        assert_eq!(first_basket.player1_name.as_deref(), Some("Derrick Favors"));
        assert_eq!(first_basket.player1_team_abbreviation.as_deref(), Some("NOP"));
        assert_eq!((first_basket.score_away, first_basket.score_home), (Some(2), Some(0)));
        assert_eq!(first_basket.clock_seconds_remaining, Some(707.0));
        assert_eq!(first_basket.shot_made, Some(true));
        let threes = events
            .iter()
            .filter(|e| e.is_three == Some(true) && e.shot_made == Some(true))
            .count();
        assert!(threes > 10, "{threes}");
        let jump = events
            .iter()
            .find(|e| e.event_type == PbpV2EventType::JumpBall)
            .unwrap();
        assert_eq!(
            (jump.player1_id, jump.player2_id, jump.player3_id),
            (Some(201188), Some(202324), Some(1628366))
        );
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = fixtures::json(FIXTURE);
        body["resultSets"][0]["headers"][4] = json!("QUARTER");
        assert_eq!(
            decode_play_by_play_v2(&body).unwrap_err().field,
            "resultSets[PlayByPlay].PERIOD"
        );
        let mut body = fixtures::json(FIXTURE);
        body["resultSets"][0]["rowSet"][5][10] = json!("tied");
        assert_eq!(
            decode_play_by_play_v2(&body).unwrap_err().field,
            "resultSets[PlayByPlay].rowSet[5].SCORE"
        );
        assert_eq!(decode_play_by_play_v2(&json!({})).unwrap_err().field, "resultSets");
    }
}
