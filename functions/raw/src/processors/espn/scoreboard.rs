//! `espn/scoreboard/…` (site API scoreboard) → `nba_raw.espn_scoreboard`, one
//! row per game.

use chrono::Utc;
use nba_core::time::et_date;
use nba_schemas::tables::raw_espn_br::EspnScoreboard;
use nba_schemas::{Table, TableSchema};
use nba_upstream::espn::scoreboard::{Competitor, ScoreboardGame, decode_scoreboard};

use super::nba_team;
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::sink::{Refusal, Sink, exhibition};

pub struct EspnScoreboardProcessor;

impl RawProcessor for EspnScoreboardProcessor {
    fn name(&self) -> &'static str {
        "espn_scoreboard_processor"
    }

    fn source_name(&self) -> &'static str {
        "espn_scoreboard"
    }

    fn prefix(&self) -> &'static str {
        "espn/scoreboard/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![EspnScoreboard::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let games = decode_scoreboard(object.body)?;
        let mut sink = Sink::new(EspnScoreboard::SCHEMA);
        for game in &games {
            if game.home.nba_tricode.is_none() && game.away.nba_tricode.is_none() {
                sink.skip(exhibition(
                    &game.event_id,
                    &game.home.abbreviation,
                    &game.away.abbreviation,
                ));
                continue;
            }
            let mut refusal = Refusal::default();
            let row = game_row(game, object.uri, &mut refusal);
            sink.push(row.to_row(), refusal);
        }
        Ok(sink.finish())
    }
}

/// The competitor's NBA tricode; a non-NBA team keeps ESPN's code and refuses the row.
fn tricode(c: &Competitor, column: &'static str, refusal: &mut Refusal) -> String {
    nba_team(&c.abbreviation, c.nba_tricode.as_deref()).unwrap_or_else(|reason| {
        refusal.note(column, reason);
        c.abbreviation.clone()
    })
}

fn game_row(g: &ScoreboardGame, source_file: &str, refusal: &mut Refusal) -> EspnScoreboard {
    let game_date = et_date(g.start_time);
    let home = tricode(&g.home, "home_team_tricode", refusal);
    let away = tricode(&g.away, "away_team_tricode", refusal);
    // Before tip-off a score (ESPN may send "0") is not a score yet.
    let started = g.state != "pre";
    let score = |c: &Competitor| c.score.filter(|_| started).map(i64::from);
    EspnScoreboard {
        espn_game_id: g.event_id.clone(),
        game_date,
        game_code: format!("{}_{away}_{home}", game_date.format("%Y%m%d")),
        start_time_utc: g.start_time,
        name: g.name.clone(),
        season_year: g.season_year,
        season_type: g.season_type,
        status: g.status.clone(),
        state: g.state.clone(),
        completed: g.completed,
        home_espn_team_id: g.home.team_id.clone(),
        home_espn_abbreviation: g.home.abbreviation.clone(),
        home_team_tricode: home,
        home_score: score(&g.home),
        home_winner: g.home.winner,
        away_espn_team_id: g.away.team_id.clone(),
        away_espn_abbreviation: g.away.abbreviation.clone(),
        away_team_tricode: away,
        away_score: score(&g.away),
        away_winner: g.away.winner,
        source_file: source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at: Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use nba_schemas::validate_row;
    use nba_upstream::fixtures;
    use serde_json::json;

    use super::*;
    use crate::processors::testing::{assert_valid, parse, rows};

    const KEY: &str = "espn/scoreboard/2024-01-15/20240116_090000.json";

    fn games(body: &[u8]) -> Vec<EspnScoreboard> {
        let parsed = parse(&EspnScoreboardProcessor, KEY, body).unwrap();
        assert_valid(&parsed);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        rows(&parsed, EspnScoreboard::SCHEMA)
            .into_iter()
            .map(|r| EspnScoreboard::from_row(r).unwrap())
            .collect()
    }

    #[test]
    fn recorded_day_becomes_one_row_per_game() {
        let rows = games(&fixtures::bytes("espn/scoreboard_2024-01-15.json"));
        assert_eq!(rows.len(), 11);
        let phi = rows.iter().find(|g| g.espn_game_id == "401585183").unwrap();
        assert_eq!(phi.game_code, "20240115_HOU_PHI");
        assert_eq!((phi.home_score, phi.away_score), (Some(124), Some(115)));
        assert_eq!(
            (phi.home_winner, phi.season_year, phi.season_type),
            (Some(true), Some(2024), Some(2))
        );
        // ESPN's codes are normalised, ESPN's own kept next to them.
        let uta = rows.iter().find(|g| g.home_espn_abbreviation == "UTAH").unwrap();
        assert_eq!((uta.home_team_tricode.as_str(), uta.home_score), ("UTA", Some(132)));
        let gsw = rows.iter().find(|g| g.away_espn_abbreviation == "GS").unwrap();
        assert_eq!(gsw.game_code, "20240115_GSW_MEM");
        // A 22:30 ET tip (03:30 UTC the next day) stays on the 15th.
        let lal = rows.iter().find(|g| g.home_team_tricode == "LAL").unwrap();
        assert_eq!(lal.start_time_utc.to_rfc3339(), "2024-01-16T03:30:00+00:00");
        assert!(
            rows.iter()
                .all(|g| g.game_date == NaiveDate::from_ymd_opt(2024, 1, 15).unwrap())
        );
        assert!(rows.iter().all(|g| g.completed && g.state == "post"));
    }

    #[test]
    fn all_star_break_is_no_rows() {
        let parsed = parse(
            &EspnScoreboardProcessor,
            KEY,
            &fixtures::bytes("espn/scoreboard_allstar_empty.json"),
        )
        .unwrap();
        assert_eq!(parsed.rows_read(), 0);
    }

    /// The All-Star weekend's games (two teams that are not NBA franchises) are left out
    /// with the reason — rejecting them failed the season's replay every February — while
    /// an NBA team against an unknown code is still refused.
    #[test]
    fn scheduled_games_have_no_score_exhibitions_are_skipped_and_unknown_teams_refused() {
        let body = br#"{"events":[
          {"id":"1","date":"2024-02-19T01:00Z","status":{"type":{"name":"STATUS_SCHEDULED","state":"pre","completed":false}},
           "competitions":[{"competitors":[
             {"homeAway":"home","team":{"id":"31","abbreviation":"EAST"},"score":"0"},
             {"homeAway":"away","team":{"id":"32","abbreviation":"WEST"},"score":"0"}]}]},
          {"id":"3","date":"2024-02-23T00:00Z","status":{"type":{"name":"STATUS_SCHEDULED","state":"pre","completed":false}},
           "competitions":[{"competitors":[
             {"homeAway":"home","team":{"id":"99","abbreviation":"SEA"},"score":"0"},
             {"homeAway":"away","team":{"id":"10","abbreviation":"NY"},"score":"0"}]}]},
          {"id":"2","date":"2024-02-23T00:00Z","status":{"type":{"name":"STATUS_SCHEDULED","state":"pre","completed":false}},
           "competitions":[{"competitors":[
             {"homeAway":"home","team":{"id":"9","abbreviation":"GS"},"score":"0"},
             {"homeAway":"away","team":{"id":"10","abbreviation":"NY"},"score":"0"}]}]}]}"#;
        let parsed = parse(&EspnScoreboardProcessor, KEY, body).unwrap();
        assert_eq!(parsed.skipped.len(), 1, "{:?}", parsed.skipped);
        assert!(parsed.skipped[0].contains("game 1 EAST vs WEST: neither team is an NBA franchise"));
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].column, "home_team_tricode");
        assert!(parsed.rejected[0].reason.contains("SEA"));
        let row = EspnScoreboard::from_row(rows(&parsed, EspnScoreboard::SCHEMA).remove(0)).unwrap();
        assert_eq!((row.home_score, row.away_score), (None, None));
        assert_eq!(row.game_code, "20240222_NYK_GSW");
    }

    #[test]
    fn broken_body_names_the_field_and_bad_values_fail_validation() {
        let body = fixtures::text("espn/scoreboard_2024-01-15.json").replacen("\"homeAway\"", "\"side\"", 1);
        let e = parse(&EspnScoreboardProcessor, KEY, body.as_bytes()).unwrap_err();
        assert_eq!(e.field, "events[0].competitions[0].competitors[0].homeAway");
        let row = games(&fixtures::bytes("espn/scoreboard_2024-01-15.json"))[0].to_row();
        for (column, bad) in [
            ("home_score", json!(-1)),
            ("state", json!("done")),
            ("espn_game_id", json!("abc")),
        ] {
            let mut r = row.clone();
            r.insert(column.into(), bad);
            assert_eq!(validate_row(EspnScoreboard::SCHEMA, &r).unwrap_err()[0].column, column);
        }
    }
}
