//! `nba-com/cdn-schedule/…` (cdn.nba.com `scheduleLeagueV2_1.json`) → the
//! existing `nba_raw.nbac_schedule`, merged on game_id with the stats.nba.com
//! schedule: both serve the same `leagueSchedule` shape, and the cdn copy is
//! reachable when stats.nba.com blocks cloud IPs.

use chrono::Utc;
use nba_schemas::tables::raw::NbacSchedule;
use nba_schemas::{Table, TableSchema};
use nba_upstream::nba_cdn::{self, ScheduleGame};
use nba_upstream::nba_stats::GameStatus;

use super::common::{add_rows, count, reject_undetermined, season, season_type, status_code, tricode};
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};

pub struct CdnScheduleProcessor;

impl RawProcessor for CdnScheduleProcessor {
    fn name(&self) -> &'static str {
        "nbac_cdn_schedule_processor"
    }

    fn source_name(&self) -> &'static str {
        "nbac_cdn_schedule"
    }

    fn prefix(&self) -> &'static str {
        "nba-com/cdn-schedule/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![NbacSchedule::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let body = nba_cdn::parse_body("scheduleLeagueV2_1", object.body)?;
        let games = nba_cdn::decode_schedule_league_v2(&body)?;
        let processed_at = Utc::now();
        let mut parsed = Parsed::default();
        let mut rows = Vec::with_capacity(games.len());
        for g in &games {
            let teams = (
                g.home_team_id.zip(g.home_team_tricode.as_deref()),
                g.away_team_id.zip(g.away_team_tricode.as_deref()),
            );
            match teams {
                (Some(home), Some(away)) => rows.push(row(g, home, away, object.uri, processed_at).to_row()),
                _ => {
                    let placeholder = row(g, (0, ""), (0, ""), object.uri, processed_at);
                    reject_undetermined(
                        &mut parsed,
                        NbacSchedule::SCHEMA,
                        placeholder.to_row(),
                        &["home_team_tricode", "away_team_tricode", "game_code"],
                    );
                }
            }
        }
        add_rows(&mut parsed, NbacSchedule::SCHEMA, rows);
        Ok(parsed)
    }
}

fn row(
    g: &ScheduleGame,
    (home_id, home): (i64, &str),
    (away_id, away): (i64, &str),
    source_file: &str,
    processed_at: chrono::DateTime<Utc>,
) -> NbacSchedule {
    let (home, away) = (tricode(home), tricode(away));
    // Scores mean something only once a game has started; before that the feed says 0.
    let started = g.status != GameStatus::Scheduled;
    let score = |s: Option<u32>| if started { count(s) } else { None };
    NbacSchedule {
        game_code: format!("{}_{away}_{home}", g.game_date.format("%Y%m%d")),
        season: g.season_year.clone().unwrap_or_else(|| season(&g.game_id, g.game_date)),
        season_type: season_type(&g.game_id).to_string(),
        game_id: g.game_id.clone(),
        game_date: g.game_date,
        game_status: status_code(g.status),
        game_status_text: g.status_text.clone(),
        // A TBD tip is sent as a placeholder time: no time is better than a wrong one.
        tip_time_utc: if g.status_text.contains("TBD") {
            None
        } else {
            g.game_date_time_utc
        },
        home_team_id: home_id,
        home_team_tricode: home,
        away_team_id: away_id,
        away_team_tricode: away,
        home_score: score(g.home_score),
        away_score: score(g.away_score),
        arena_name: g.arena_name.clone(),
        arena_city: g.arena_city.clone(),
        // Older schedules lack isNeutral; the stats.nba.com processor reads that as "not neutral" too.
        is_neutral: g.is_neutral.unwrap_or(false),
        postponed_status: g.postponed_status.clone(),
        game_label: g.game_label.clone(),
        game_sub_label: g.game_sub_label.clone(),
        source_file: source_file.to_string(),
        data_hash: String::new(),
        processed_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processors::testing::{run, run_json, valid_rows, violated_columns};
    use chrono::NaiveDate;
    use nba_upstream::fixtures;
    use serde_json::json;

    const KEY: &str = "nba-com/cdn-schedule/2025-09-30/20250930_120000.json";
    const FIXTURE: &str = "nba-cdn/scheduleLeagueV2_preseason_2025-26.json";

    #[test]
    fn preseason_2025_26() {
        let parsed = run(&CdnScheduleProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap();
        let rows: Vec<NbacSchedule> = valid_rows(&parsed);
        assert_eq!(rows.len(), 13);
        assert!(parsed.rejected.is_empty());
        let abu_dhabi = rows.iter().find(|r| r.game_id == "0012500008").unwrap();
        assert_eq!(abu_dhabi.game_code, "20251002_PHI_NYK");
        assert_eq!(abu_dhabi.game_date, NaiveDate::from_ymd_opt(2025, 10, 2).unwrap());
        assert_eq!(
            abu_dhabi.tip_time_utc.unwrap().to_rfc3339(),
            "2025-10-02T16:00:00+00:00"
        );
        assert_eq!(
            (abu_dhabi.season.as_str(), abu_dhabi.season_type.as_str()),
            ("2025-26", "Preseason")
        );
        assert!(abu_dhabi.is_neutral);
        assert_eq!(abu_dhabi.arena_city.as_deref(), Some("Abu Dhabi"));
        // Not started: no score, although the feed says 0.
        assert_eq!((abu_dhabi.home_score, abu_dhabi.away_score), (None, None));
    }

    #[test]
    fn undetermined_teams_are_rejected_with_the_reason() {
        let key = "nba-com/cdn-schedule/2023-10-01/20231001_120000.json";
        let body = fixtures::bytes("nba-cdn/scheduleLeagueV2_2023-24_preseason_capture.json");
        let parsed = run(&CdnScheduleProcessor, key, &body).unwrap();
        let rows: Vec<NbacSchedule> = valid_rows(&parsed);
        assert_eq!(rows.len(), 1273);
        assert_eq!(parsed.rejected.len(), 7);
        assert!(parsed.rejected.iter().all(|r| r.reason == "team not determined yet"));
        assert_eq!(rows.iter().filter(|r| r.season_type == "Regular Season").count(), 1200);
    }

    #[test]
    fn structural_problems_name_the_field() {
        let mut body = fixtures::json(FIXTURE);
        body["leagueSchedule"]["gameDates"][1]["games"][0]["gameStatus"] = json!(9);
        let err = run_json(&CdnScheduleProcessor, KEY, &body).unwrap_err();
        assert_eq!(err.field, "leagueSchedule.gameDates[1].games[0].gameStatus");
    }

    #[test]
    fn bad_values_fail_validation() {
        let parsed = run(&CdnScheduleProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap();
        let mut row = valid_rows::<NbacSchedule>(&parsed).remove(0);
        row.away_score = Some(-1);
        row.season_type = "Exhibition".into();
        assert_eq!(violated_columns(&row), ["season_type", "away_score"]);
    }
}
