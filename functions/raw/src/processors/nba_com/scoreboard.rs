//! A day's scoreboard → `nba_raw.nbac_scoreboard`, one row per game, from three
//! feeds: stats.nba.com `scoreboardv2` (tabular), `scoreboardv3` and cdn.nba.com
//! `todaysScoreboard_00` (the same nested shape).

use chrono::{NaiveDate, Utc};
use nba_schemas::tables::raw_nba_com::NbacScoreboard;
use nba_schemas::{Table, TableSchema};
use nba_upstream::nba_stats::{GameStatus, Scoreboard, ScoreboardGame, ScoreboardV2, ScoreboardV2Game, TeamLineScore};
use nba_upstream::{nba_cdn, nba_stats};

use super::common::{add_rows, count, reject_undetermined, season, season_type, status_code, tricode};
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};

/// Which scoreboard feed an object comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreboardFeed {
    /// `nba-com/scoreboard-v2/`: stats.nba.com `scoreboardv2`.
    V2,
    /// `nba-com/scoreboard-v3/`: stats.nba.com `scoreboardv3`.
    V3,
    /// `nba-com/todays-scoreboard/`: cdn.nba.com `todaysScoreboard_00`.
    Today,
}

pub struct ScoreboardProcessor(pub ScoreboardFeed);

impl RawProcessor for ScoreboardProcessor {
    fn name(&self) -> &'static str {
        match self.0 {
            ScoreboardFeed::V2 => "nbac_scoreboard_v2_processor",
            ScoreboardFeed::V3 => "nbac_scoreboard_v3_processor",
            ScoreboardFeed::Today => "nbac_todays_scoreboard_processor",
        }
    }

    fn source_name(&self) -> &'static str {
        match self.0 {
            ScoreboardFeed::V2 => "nbac_scoreboard_v2",
            ScoreboardFeed::V3 => "nbac_scoreboard_v3",
            ScoreboardFeed::Today => "nbac_todays_scoreboard",
        }
    }

    fn prefix(&self) -> &'static str {
        match self.0 {
            ScoreboardFeed::V2 => "nba-com/scoreboard-v2/",
            ScoreboardFeed::V3 => "nba-com/scoreboard-v3/",
            ScoreboardFeed::Today => "nba-com/todays-scoreboard/",
        }
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![NbacScoreboard::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let stamp = Stamp {
            source_file: object.uri,
            processed_at: Utc::now(),
        };
        let candidates = match self.0 {
            ScoreboardFeed::V2 => {
                let body = nba_stats::parse_body("scoreboardv2", object.body)?;
                from_v2(&nba_stats::decode_scoreboard_v2(&body)?, &stamp)
            }
            ScoreboardFeed::V3 => {
                let body = nba_stats::parse_body("scoreboardv3", object.body)?;
                from_nested(&nba_stats::decode_scoreboard_v3(&body)?, "scoreboardv3", &stamp)
            }
            ScoreboardFeed::Today => {
                let body = nba_cdn::parse_body("todaysScoreboard_00", object.body)?;
                from_nested(&nba_cdn::decode_todays_scoreboard(&body)?, "todaysScoreboard", &stamp)
            }
        };
        let mut parsed = Parsed::default();
        let mut rows = Vec::new();
        for candidate in candidates {
            match candidate {
                Candidate::Game(row) => rows.push(row.to_row()),
                Candidate::Undetermined(row) => reject_undetermined(
                    &mut parsed,
                    NbacScoreboard::SCHEMA,
                    row.to_row(),
                    &["home_team_tricode", "away_team_tricode"],
                ),
            }
        }
        add_rows(&mut parsed, NbacScoreboard::SCHEMA, rows);
        Ok(parsed)
    }
}

/// Where rows come from and when they were made.
struct Stamp<'a> {
    source_file: &'a str,
    processed_at: chrono::DateTime<Utc>,
}

/// A game row, or one whose teams are not known yet (kept as a rejection).
enum Candidate {
    Game(NbacScoreboard),
    Undetermined(NbacScoreboard),
}

/// The teams of a game, when both are determined.
struct Teams {
    home_id: i64,
    home: String,
    away_id: i64,
    away: String,
}

impl Teams {
    fn new(home_id: Option<i64>, home: Option<&str>, away_id: Option<i64>, away: Option<&str>) -> Option<Teams> {
        Some(Teams {
            home_id: home_id.filter(|id| *id > 0)?,
            home: tricode(home.filter(|t| !t.is_empty())?),
            away_id: away_id.filter(|id| *id > 0)?,
            away: tricode(away.filter(|t| !t.is_empty())?),
        })
    }
}

fn candidate(teams: Option<Teams>, build: impl FnOnce(&Teams) -> NbacScoreboard) -> Candidate {
    match teams {
        Some(t) => Candidate::Game(build(&t)),
        None => Candidate::Undetermined(build(&Teams {
            home_id: 0,
            home: String::new(),
            away_id: 0,
            away: String::new(),
        })),
    }
}

fn from_v2(sb: &ScoreboardV2, stamp: &Stamp<'_>) -> Vec<Candidate> {
    sb.games
        .iter()
        .map(|g| {
            let line = |team_id: i64| {
                sb.line_scores
                    .iter()
                    .find(|l| l.game_id == g.game_id && l.team_id == team_id)
            };
            let (home_line, away_line) = (line(g.home_team_id), line(g.away_team_id));
            let teams = Teams::new(
                Some(g.home_team_id),
                g.home_team_abbreviation.as_deref(),
                Some(g.away_team_id),
                g.away_team_abbreviation.as_deref(),
            );
            candidate(teams, |t| v2_row(g, t, home_line, away_line, stamp))
        })
        .collect()
}

fn v2_row(
    g: &ScoreboardV2Game,
    t: &Teams,
    home_line: Option<&TeamLineScore>,
    away_line: Option<&TeamLineScore>,
    stamp: &Stamp<'_>,
) -> NbacScoreboard {
    let (home_wins, home_losses) = record(home_line);
    let (away_wins, away_losses) = record(away_line);
    NbacScoreboard {
        season: season(&g.game_id, g.game_date),
        season_type: season_type(&g.game_id).to_string(),
        game_id: g.game_id.clone(),
        game_date: g.game_date,
        game_code: g.game_code.clone(),
        game_status: status_code(g.status),
        game_status_text: g.status_text.clone(),
        // LIVE_PERIOD is 0 before tip-off.
        period: g.live_period.filter(|p| *p > 0),
        game_clock: None,
        tip_time_utc: None,
        home_team_id: t.home_id,
        home_team_tricode: t.home.clone(),
        away_team_id: t.away_id,
        away_team_tricode: t.away.clone(),
        home_score: count(g.home_pts),
        away_score: count(g.away_pts),
        home_wins,
        home_losses,
        away_wins,
        away_losses,
        source_feed: "scoreboardv2".to_string(),
        source_file: stamp.source_file.to_string(),
        data_hash: String::new(),
        processed_at: stamp.processed_at,
    }
}

/// Wins and losses from a line score's `"27-15"`; null when absent or unreadable.
fn record(line: Option<&TeamLineScore>) -> (Option<i64>, Option<i64>) {
    let parsed = line
        .and_then(|l| l.team_wins_losses.as_deref())
        .and_then(|wl| wl.split_once('-'))
        .and_then(|(w, l)| Some((w.trim().parse().ok()?, l.trim().parse().ok()?)));
    match parsed {
        Some((w, l)) => (Some(w), Some(l)),
        None => (None, None),
    }
}

fn from_nested(sb: &Scoreboard, feed: &str, stamp: &Stamp<'_>) -> Vec<Candidate> {
    sb.games
        .iter()
        .map(|g| {
            let teams = Teams::new(
                g.home_team_id,
                g.home_team_tricode.as_deref(),
                g.away_team_id,
                g.away_team_tricode.as_deref(),
            );
            candidate(teams, |t| nested_row(g, sb.game_date, t, feed, stamp))
        })
        .collect()
}

fn nested_row(g: &ScoreboardGame, date: NaiveDate, t: &Teams, feed: &str, stamp: &Stamp<'_>) -> NbacScoreboard {
    // The V3 feeds say 0 points (and period 0) before tip-off: that is "no score yet".
    let started = g.status != GameStatus::Scheduled;
    let score = |s: Option<u32>| if started { count(s) } else { None };
    NbacScoreboard {
        season: season(&g.game_id, date),
        season_type: season_type(&g.game_id).to_string(),
        game_id: g.game_id.clone(),
        game_date: date,
        game_code: g.game_code.clone(),
        game_status: status_code(g.status),
        game_status_text: g.status_text.clone(),
        period: g.period.filter(|p| *p > 0),
        game_clock: g.game_clock.clone(),
        tip_time_utc: g.game_time_utc,
        home_team_id: t.home_id,
        home_team_tricode: t.home.clone(),
        away_team_id: t.away_id,
        away_team_tricode: t.away.clone(),
        home_score: score(g.home_score),
        away_score: score(g.away_score),
        home_wins: count(g.home_wins),
        home_losses: count(g.home_losses),
        away_wins: count(g.away_wins),
        away_losses: count(g.away_losses),
        source_feed: feed.to_string(),
        source_file: stamp.source_file.to_string(),
        data_hash: String::new(),
        processed_at: stamp.processed_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processors::testing::{run, run_json, valid_rows, violated_columns};
    use nba_upstream::fixtures;
    use serde_json::json;

    const V2_KEY: &str = "nba-com/scoreboard-v2/2025-01-15/20250116_090000.json";
    const V3_KEY: &str = "nba-com/scoreboard-v3/2025-11-05/20251106_090000.json";
    const TODAY_KEY: &str = "nba-com/todays-scoreboard/2026-02-11/20260212_060000.json";
    const V3_CASSETTE: &str =
        "nba-stats/nba_api-cassettes/test_scoreboardv3[Regular season game date - November 5, 2025].yaml";

    fn v2() -> Vec<NbacScoreboard> {
        let parsed = run(
            &ScoreboardProcessor(ScoreboardFeed::V2),
            V2_KEY,
            &fixtures::bytes("nba-stats/scoreboardv2.json"),
        )
        .unwrap();
        assert!(parsed.rejected.is_empty());
        valid_rows(&parsed)
    }

    #[test]
    fn scoreboard_v2_of_2025_01_15() {
        let rows = v2();
        assert_eq!(rows.len(), 11);
        let nyk_phi = rows.iter().find(|r| r.game_id == "0022400561").unwrap();
        assert_eq!(
            (nyk_phi.home_team_tricode.as_str(), nyk_phi.away_team_tricode.as_str()),
            ("PHI", "NYK")
        );
        assert_eq!((nyk_phi.home_score, nyk_phi.away_score), (Some(119), Some(125)));
        // LIVE_PERIOD 5: the game went to overtime.
        assert_eq!(nyk_phi.period, Some(5));
        assert_eq!(nyk_phi.game_code.as_deref(), Some("20250115/NYKPHI"));
        assert_eq!(nyk_phi.season, "2024-25");
        assert_eq!(nyk_phi.season_type, "Regular Season");
        assert_eq!(nyk_phi.game_status, 3);
        assert_eq!(nyk_phi.tip_time_utc, None);
        assert!(
            rows.iter()
                .all(|r| r.game_date == NaiveDate::from_ymd_opt(2025, 1, 15).unwrap())
        );
        let lac = rows.iter().find(|r| r.game_id == "0022400571").unwrap();
        assert_eq!((lac.home_team_tricode.as_str(), lac.home_score), ("LAC", Some(126)));
        assert_eq!((lac.away_team_tricode.as_str(), lac.away_score), ("BKN", Some(67)));
    }

    #[test]
    fn scoreboard_v3_of_2025_11_05() {
        let body = fixtures::cassette_json(V3_CASSETTE);
        let parsed = run_json(&ScoreboardProcessor(ScoreboardFeed::V3), V3_KEY, &body).unwrap();
        let rows: Vec<NbacScoreboard> = valid_rows(&parsed);
        assert_eq!(rows.len(), 11);
        let lal = rows.iter().find(|r| r.game_id == "0022500179").unwrap();
        assert_eq!((lal.home_team_tricode.as_str(), lal.home_score), ("LAL", Some(118)));
        assert_eq!((lal.away_team_tricode.as_str(), lal.away_score), ("SAS", Some(116)));
        // 03:00 UTC on the 6th is the evening of the 5th in ET.
        assert_eq!(lal.tip_time_utc.unwrap().to_rfc3339(), "2025-11-06T03:00:00+00:00");
        assert_eq!(lal.game_date, NaiveDate::from_ymd_opt(2025, 11, 5).unwrap());
        assert_eq!(lal.game_clock, None);
        assert_eq!(
            (lal.season.as_str(), lal.source_feed.as_str()),
            ("2025-26", "scoreboardv3")
        );
    }

    #[test]
    fn an_off_season_day_is_no_rows() {
        let body = fixtures::cassette_json(
            "nba-stats/nba_api-cassettes/test_scoreboardv3[Offseason date - no games expected].yaml",
        );
        let parsed = run_json(&ScoreboardProcessor(ScoreboardFeed::V3), V3_KEY, &body).unwrap();
        assert_eq!(parsed.rows_read(), 0);
    }

    #[test]
    fn todays_scoreboard_takes_the_date_from_the_body() {
        // Fetched after midnight UTC, the file still describes 2026-02-11.
        let body = fixtures::bytes("nba-cdn/todaysScoreboard_complete.json");
        let parsed = run(&ScoreboardProcessor(ScoreboardFeed::Today), TODAY_KEY, &body).unwrap();
        let rows: Vec<NbacScoreboard> = valid_rows(&parsed);
        assert_eq!(rows.len(), 3);
        let cha = rows.iter().find(|r| r.game_id == "0022500775").unwrap();
        assert_eq!((cha.home_team_tricode.as_str(), cha.home_score), ("CHA", Some(110)));
        assert_eq!((cha.away_team_tricode.as_str(), cha.away_score), ("ATL", Some(107)));
        assert_eq!(cha.game_date, NaiveDate::from_ymd_opt(2026, 2, 11).unwrap());
        assert_eq!(cha.source_feed, "todaysScoreboard");
    }

    #[test]
    fn scheduled_games_have_no_score_and_undetermined_teams_are_rejected() {
        let mut body = fixtures::cassette_json(V3_CASSETTE);
        let games = body["scoreboard"]["games"].as_array_mut().unwrap();
        games[0]["gameStatus"] = json!(1);
        games[0]["period"] = json!(0);
        games[1]["homeTeam"]["teamId"] = json!(0);
        games[1]["homeTeam"]["teamTricode"] = json!("");
        let parsed = run_json(&ScoreboardProcessor(ScoreboardFeed::V3), V3_KEY, &body).unwrap();
        let rows: Vec<NbacScoreboard> = valid_rows(&parsed);
        assert_eq!(rows.len(), 10);
        let scheduled = rows.iter().find(|r| r.game_id == "0022500171").unwrap();
        assert_eq!(
            (scheduled.home_score, scheduled.away_score, scheduled.period),
            (None, None, None)
        );
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].row["game_id"], json!("0022500172"));
        assert_eq!(parsed.rejected[0].row["home_team_tricode"], json!(null));
    }

    #[test]
    fn structural_problems_name_the_field() {
        let mut body = fixtures::cassette_json(V3_CASSETTE);
        body["scoreboard"]["games"][2].as_object_mut().unwrap().remove("gameId");
        let err = run_json(&ScoreboardProcessor(ScoreboardFeed::V3), V3_KEY, &body).unwrap_err();
        assert_eq!(err.field, "scoreboard.games[2].gameId");
        let mut body = fixtures::json("nba-stats/scoreboardv2.json");
        body["resultSets"].as_array_mut().unwrap().remove(0);
        let err = run_json(&ScoreboardProcessor(ScoreboardFeed::V2), V2_KEY, &body).unwrap_err();
        assert_eq!(err.field, "resultSets[GameHeader]");
        let err = run(
            &ScoreboardProcessor(ScoreboardFeed::Today),
            TODAY_KEY,
            b"<html>Access Denied</html>",
        )
        .unwrap_err();
        assert_eq!(err.field, "$");
    }

    #[test]
    fn bad_values_fail_validation() {
        let mut row = v2().remove(0);
        row.home_score = Some(-3);
        row.game_id = "22400561".into();
        row.away_team_tricode = "Knicks".into();
        assert_eq!(violated_columns(&row), ["game_id", "away_team_tricode", "home_score"]);
    }
}
