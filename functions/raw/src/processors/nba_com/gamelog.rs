//! `nba-com/gamelog-players/…` (stats.nba.com `leaguegamelog`, PlayerOrTeam=P)
//! → `nba_raw.nbac_player_boxscores`, one row per (game, player), and a registry
//! sighting per row: this feed is the one that builds the player registry.

use chrono::Utc;
use nba_schemas::tables::raw_nba_com::NbacPlayerBoxscore;
use nba_schemas::{Table, TableSchema};
use nba_upstream::nba_stats::{self, LeagueGameLogPlayer};

use super::common::{add_rows, season, season_type, sighting, tricode};
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::lookup;

pub struct GamelogPlayersProcessor;

impl RawProcessor for GamelogPlayersProcessor {
    fn name(&self) -> &'static str {
        "nbac_gamelog_players_processor"
    }

    fn source_name(&self) -> &'static str {
        "nbac_gamelog_players"
    }

    fn prefix(&self) -> &'static str {
        "nba-com/gamelog-players/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![NbacPlayerBoxscore::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let body = nba_stats::parse_body("leaguegamelog", object.body)?;
        let log = nba_stats::decode_league_game_log_players(&body)?;
        let processed_at = Utc::now();
        let mut parsed = Parsed::default();
        let mut rows = Vec::with_capacity(log.len());
        for p in &log {
            let row = row(p, object.uri, processed_at);
            parsed.players.push(sighting(
                row.player_id,
                &row.player_name,
                Some(&row.team_tricode),
                &row.season,
                Some(row.game_date),
            ));
            rows.push(row.to_row());
        }
        add_rows(&mut parsed, NbacPlayerBoxscore::SCHEMA, rows);
        Ok(parsed)
    }
}

fn row(p: &LeagueGameLogPlayer, source_file: &str, processed_at: chrono::DateTime<Utc>) -> NbacPlayerBoxscore {
    box_row!(
        NbacPlayerBoxscore {
            game_id: p.game_id.clone(),
            game_date: p.game_date,
            season: season(&p.game_id, p.game_date),
            season_type: season_type(&p.game_id).to_string(),
            player_id: p.player_id,
            player_name: p.player_name.clone(),
            player_lookup: lookup(&p.player_name),
            team_id: p.team_id,
            team_tricode: tricode(&p.team_abbreviation),
            opponent_tricode: tricode(&p.opponent_abbreviation),
            is_home: p.is_home,
            win_loss: p.wl.clone(),
            fantasy_pts: p.fantasy_pts,
            source_file: source_file.to_string(),
            data_hash: String::new(),
            processed_at: processed_at,
        },
        &p.stats
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processors::testing::{close, run, run_json, valid_rows, violated_columns};
    use chrono::NaiveDate;
    use nba_upstream::fixtures;
    use serde_json::json;

    const FIXTURE: &str = "nba-stats/leaguegamelog_players_2025-03-15.json";
    const KEY: &str = "nba-com/gamelog-players/2025-03-15/20250316_100000.json";

    fn parsed() -> Parsed {
        run(&GamelogPlayersProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap()
    }

    #[test]
    fn players_of_2025_03_15() {
        let parsed = parsed();
        let rows: Vec<NbacPlayerBoxscore> = valid_rows(&parsed);
        assert_eq!(rows.len(), 157);
        assert!(parsed.rejected.is_empty());
        let curry = rows.iter().find(|r| r.player_id == 201939).unwrap();
        assert_eq!(curry.player_name, "Stephen Curry");
        assert_eq!(curry.player_lookup, "stephencurry");
        assert_eq!(
            (curry.game_id.as_str(), curry.team_tricode.as_str()),
            ("0022400974", "GSW")
        );
        assert_eq!((curry.opponent_tricode.as_str(), curry.is_home), ("NYK", true));
        assert_eq!((curry.pts, curry.fg3m, curry.fg3a), (Some(28), Some(4), Some(13)));
        assert!(close(curry.minutes, 35.0));
        assert_eq!((curry.fg_pct, curry.plus_minus), (Some(0.4), Some(-5.0)));
        assert_eq!(curry.win_loss.as_deref(), Some("W"));
        assert_eq!(
            (curry.season.as_str(), curry.season_type.as_str()),
            ("2024-25", "Regular Season")
        );
        assert_eq!(curry.game_date, NaiveDate::from_ymd_opt(2025, 3, 15).unwrap());
        // Team total of the Warriors' players.
        let gsw: i64 = rows
            .iter()
            .filter(|r| r.team_tricode == "GSW")
            .filter_map(|r| r.pts)
            .sum();
        assert_eq!(gsw, 97);
        // A missing percentage (no attempts) stays null, never 0.
        let mcconnell = rows.iter().find(|r| r.player_id == 204456).unwrap();
        assert_eq!((mcconnell.fta, mcconnell.ft_pct), (Some(0), None));
        // Names keep their diacritics; the lookup folds them.
        let jokic = rows.iter().find(|r| r.player_name == "Nikola Jokić").unwrap();
        assert_eq!(jokic.player_lookup, "nikolajokic");
    }

    #[test]
    fn every_row_is_a_registry_sighting() {
        let parsed = parsed();
        assert_eq!(parsed.players.len(), 157);
        let curry = parsed.players.iter().find(|s| s.player_id == 201939).unwrap();
        assert_eq!(curry.display_name, "Stephen Curry");
        assert_eq!(curry.team_tricode.as_deref(), Some("GSW"));
        assert_eq!(curry.season, "2024-25");
        assert_eq!(curry.game_date, NaiveDate::from_ymd_opt(2025, 3, 15));
    }

    #[test]
    fn a_repeated_row_is_rejected_not_merged_twice() {
        let mut body = fixtures::json(FIXTURE);
        let rows = body["resultSets"][0]["rowSet"].as_array_mut().unwrap();
        let first = rows[0].clone();
        rows.push(first);
        let parsed = run_json(&GamelogPlayersProcessor, KEY, &body).unwrap();
        assert_eq!(valid_rows::<NbacPlayerBoxscore>(&parsed).len(), 157);
        assert_eq!(parsed.rejected.len(), 1);
        assert!(parsed.rejected[0].reason.contains("duplicate key"));
    }

    #[test]
    fn structural_problems_name_the_field() {
        let mut body = fixtures::json(FIXTURE);
        let headers = body["resultSets"][0]["headers"].as_array_mut().unwrap();
        let pts = headers.iter().position(|h| h == "PTS").unwrap();
        headers[pts] = json!("POINTS");
        let err = run_json(&GamelogPlayersProcessor, KEY, &body).unwrap_err();
        assert_eq!(err.field, "resultSets[LeagueGameLog].PTS");
        let mut body = fixtures::json(FIXTURE);
        body["resultSets"][0]["rowSet"][5][10] = json!("lots");
        let err = run_json(&GamelogPlayersProcessor, KEY, &body).unwrap_err();
        assert_eq!(err.field, "resultSets[LeagueGameLog].rowSet[5].MIN");
    }

    #[test]
    fn bad_values_fail_validation() {
        let mut row = valid_rows::<NbacPlayerBoxscore>(&parsed()).remove(0);
        row.pts = Some(-2);
        row.minutes = Some(75.0);
        row.fg_pct = Some(40.0);
        row.player_name = " ".into();
        assert_eq!(violated_columns(&row), ["player_name", "minutes", "fg_pct", "pts"]);
    }
}
