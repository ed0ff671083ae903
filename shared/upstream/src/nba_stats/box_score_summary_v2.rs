//! `stats.nba.com/stats/boxscoresummaryv2?GameID=…`: the summary of one game, tabular.
//!
//! Decoded tables: `GameSummary` (one row: date, status, teams), `LineScore` (one row per team: points by
//! period and total), `InactivePlayers` (players not on the active list, useful for DNP and injury context)
//! and `GameInfo` (attendance, duration). Officials, last meeting, season series and video availability
//! are not decoded. A missing `GameSummary` row is an error: there is no summary without it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{GameStatus, TeamLineScore, decode_line_scores, status};
use super::result_sets::decode_result_sets;
use super::value::{count, date, int, minutes, trimmed};
use crate::ShapeError;

/// Endpoint name used in errors.
pub const ENDPOINT: &str = "boxscoresummaryv2";

/// The `GameSummary` row (plus `GameInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GameSummary {
    pub game_id: String,
    /// ET calendar date.
    pub game_date: NaiveDate,
    pub game_sequence: Option<i64>,
    pub status: GameStatus,
    /// `"Final"`, `"Final/OT"`…
    pub status_text: String,
    /// `YYYYMMDD/AWAYHOME`.
    pub game_code: Option<String>,
    pub home_team_id: i64,
    pub away_team_id: i64,
    /// Season start year, e.g. `"2021"`.
    pub season: Option<String>,
    /// Last period played (5 = one overtime).
    pub live_period: Option<i64>,
    pub national_tv: Option<String>,
    /// From `GameInfo`, when present.
    pub attendance: Option<u32>,
    /// Game duration in decimal minutes, from `GameInfo.GAME_TIME` (`"2:14"` is 2 h 14 min = 134.0).
    pub duration_minutes: Option<f64>,
}

/// A player on the inactive list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InactivePlayer {
    pub player_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub jersey_num: Option<String>,
    pub team_id: i64,
    pub team_abbreviation: Option<String>,
}

/// The decoded summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxScoreSummaryV2 {
    pub summary: GameSummary,
    pub line_scores: Vec<TeamLineScore>,
    pub inactive_players: Vec<InactivePlayer>,
}

/// Decodes a `boxscoresummaryv2` body.
pub fn decode_box_score_summary_v2(body: &Value) -> Result<BoxScoreSummaryV2, ShapeError> {
    let sets = decode_result_sets(body, ENDPOINT)?;
    let gs = sets.get("GameSummary")?;
    let game_id = gs.col("GAME_ID")?;
    let game_date = gs.col("GAME_DATE_EST")?;
    let sequence = gs.opt_col("GAME_SEQUENCE");
    let status_id = gs.col("GAME_STATUS_ID")?;
    let status_text = gs.col("GAME_STATUS_TEXT")?;
    let code = gs.opt_col("GAMECODE");
    let home = gs.col("HOME_TEAM_ID")?;
    let away = gs.col("VISITOR_TEAM_ID")?;
    let season = gs.opt_col("SEASON");
    let period = gs.opt_col("LIVE_PERIOD");
    let natl = gs.opt_col("NATL_TV_BROADCASTER_ABBREVIATION");
    let row = gs
        .rows()
        .next()
        .ok_or_else(|| ShapeError::new(super::SOURCE, ENDPOINT, "resultSets[GameSummary].rowSet", "no row"))?;

    let (mut attendance, mut duration_minutes) = (None, None);
    if let Some(info) = sets.find("GameInfo") {
        let att = info.opt_col("ATTENDANCE");
        let time = info.opt_col("GAME_TIME");
        if let Some(r) = info.rows().next() {
            attendance = r.opt(att.as_ref(), count)?;
            // "2:14" is hours:minutes, which `minutes` reads as 2.233…; scale to minutes.
            duration_minutes = r.opt(time.as_ref(), minutes)?.map(|h| (h * 60.0 * 1e6).round() / 1e6);
        }
    }

    let summary = GameSummary {
        game_id: row.req(&game_id, trimmed)?,
        game_date: row.req(&game_date, date)?,
        game_sequence: row.opt(sequence.as_ref(), int)?,
        status: row.req(&status_id, status)?,
        status_text: row.get(&status_text, trimmed)?.unwrap_or_default(),
        game_code: row.opt(code.as_ref(), trimmed)?,
        home_team_id: row.req(&home, int)?,
        away_team_id: row.req(&away, int)?,
        season: row.opt(season.as_ref(), trimmed)?,
        live_period: row.opt(period.as_ref(), int)?,
        national_tv: row.opt(natl.as_ref(), trimmed)?,
        attendance,
        duration_minutes,
    };

    let inactive_players = match sets.find("InactivePlayers") {
        None => Vec::new(),
        Some(ip) => {
            let pid = ip.col("PLAYER_ID")?;
            let first = ip.opt_col("FIRST_NAME");
            let last = ip.opt_col("LAST_NAME");
            let jersey = ip.opt_col("JERSEY_NUM");
            let team = ip.col("TEAM_ID")?;
            let abbr = ip.opt_col("TEAM_ABBREVIATION");
            ip.rows()
                .map(|r| {
                    Ok(InactivePlayer {
                        player_id: r.req(&pid, int)?,
                        first_name: r.opt(first.as_ref(), trimmed)?,
                        last_name: r.opt(last.as_ref(), trimmed)?,
                        jersey_num: r.opt(jersey.as_ref(), trimmed)?,
                        team_id: r.req(&team, int)?,
                        team_abbreviation: r.opt(abbr.as_ref(), trimmed)?,
                    })
                })
                .collect::<Result<_, ShapeError>>()?
        }
    };

    Ok(BoxScoreSummaryV2 {
        summary,
        line_scores: decode_line_scores(sets.get("LineScore")?)?,
        inactive_players,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::nba_stats::cassette;
    use serde_json::json;

    const FIXTURE: &str = "nba-stats/boxscoresummaryv2_0022100732.json";

    #[test]
    fn dal_at_por_2022_01_26() {
        let s = decode_box_score_summary_v2(&fixtures::json(FIXTURE)).unwrap();
        let g = &s.summary;
        assert_eq!(g.game_id, "0022100732");
        assert_eq!(g.game_date, NaiveDate::from_ymd_opt(2022, 1, 26).unwrap());
        assert_eq!((g.status, g.status_text.as_str()), (GameStatus::Final, "Final"));
        assert_eq!((g.home_team_id, g.away_team_id), (1610612757, 1610612742));
        assert_eq!((g.attendance, g.duration_minutes), (Some(16334), Some(134.0)));
        assert_eq!(s.line_scores.len(), 2);
        let dal = s.line_scores.iter().find(|l| l.team_abbreviation == "DAL").unwrap();
        assert_eq!(dal.pts, Some(132));
        assert_eq!(dal.pts_quarters, vec![Some(40), Some(28), Some(30), Some(34)]);
        assert_eq!(dal.team_name.as_deref(), Some("Mavericks"));
        assert_eq!(s.inactive_players.len(), 7);
        assert!(
            s.inactive_players
                .iter()
                .any(|p| p.last_name.as_deref() == Some("Hardaway Jr."))
        );
    }

    #[test]
    fn chi_at_cle_overtime_cassette() {
        let body = cassette::body("nba-stats/nba_api-cassettes/test_endpoints[BoxScoreSummaryV2].yaml");
        let s = decode_box_score_summary_v2(&body).unwrap();
        assert_eq!(
            (s.summary.status_text.as_str(), s.summary.live_period),
            ("Final/OT", Some(5))
        );
        let cle = s.line_scores.iter().find(|l| l.team_id == 1610612739).unwrap();
        assert_eq!((cle.pts, cle.pts_overtimes[0]), (Some(145), Some(15)));
        assert_eq!(s.inactive_players.len(), 10);
    }

    #[test]
    fn missing_fields_fail() {
        let mut body = fixtures::json(FIXTURE);
        body["resultSets"][0]["headers"][6] = json!("HOME_ID");
        assert_eq!(
            decode_box_score_summary_v2(&body).unwrap_err().field,
            "resultSets[GameSummary].HOME_TEAM_ID"
        );
        let mut body = fixtures::json(FIXTURE);
        body["resultSets"][0]["rowSet"] = json!([]);
        assert_eq!(
            decode_box_score_summary_v2(&body).unwrap_err().field,
            "resultSets[GameSummary].rowSet"
        );
        assert_eq!(decode_box_score_summary_v2(&json!({})).unwrap_err().field, "resultSets");
    }
}
