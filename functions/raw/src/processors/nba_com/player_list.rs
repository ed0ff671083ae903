//! `nba-com/player-list/…` (stats.nba.com `playerindex`) →
//! `nba_raw.nbac_player_list`, one row per (season, player, team) first seen,
//! and a registry sighting per player on a roster now.

use chrono::Utc;
use nba_schemas::tables::raw_nba_com::NbacPlayerList;
use nba_schemas::{Table, TableSchema};
use nba_upstream::nba_stats::{self, PlayerIndexEntry};
use serde_json::Value;

use super::common::{add_rows, count, full_name, season_of_date, sighting, tricode};
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::lookup;

pub struct PlayerListProcessor;

impl RawProcessor for PlayerListProcessor {
    fn name(&self) -> &'static str {
        "nbac_player_list_processor"
    }

    fn source_name(&self) -> &'static str {
        "nbac_player_list"
    }

    fn prefix(&self) -> &'static str {
        "nba-com/player-list/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![NbacPlayerList::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let body = nba_stats::parse_body("playerindex", object.body)?;
        let entries = nba_stats::decode_player_index(&body)?;
        let list_date = object
            .game_date
            .unwrap_or_else(|| nba_core::time::et_date(object.scraped_at));
        let season = requested_season(&body).unwrap_or_else(|| season_of_date(list_date));
        let processed_at = Utc::now();
        let mut parsed = Parsed::default();
        let mut rows = Vec::with_capacity(entries.len());
        for e in &entries {
            let row = NbacPlayerList {
                season: season.clone(),
                player_id: e.person_id,
                player_name: full_name(Some(&e.first_name), &e.last_name),
                player_lookup: lookup(&full_name(Some(&e.first_name), &e.last_name)),
                first_name: Some(e.first_name.clone()).filter(|f| !f.is_empty()),
                last_name: e.last_name.clone(),
                player_slug: e.player_slug.clone(),
                team_id: e.team_id,
                team_tricode: e.team_abbreviation.as_deref().map(tricode),
                team_city: e.team_city.clone(),
                team_name: e.team_name.clone(),
                jersey_number: e.jersey_number.clone(),
                position: e.position.clone(),
                height: e.height.clone(),
                weight_lb: count(e.weight_lb),
                college: e.college.clone(),
                country: e.country.clone(),
                draft_year: count(e.draft_year),
                draft_round: count(e.draft_round),
                draft_number: count(e.draft_number),
                is_active: e.is_active,
                from_year: count(e.from_year),
                to_year: count(e.to_year),
                list_date,
                source_file: object.uri.to_string(),
                data_hash: String::new(),
                processed_at,
            };
            if let Some(s) = active_sighting(e, &row) {
                parsed.players.push(s);
            }
            rows.push(row.to_row());
        }
        add_rows(&mut parsed, NbacPlayerList::SCHEMA, rows);
        Ok(parsed)
    }
}

/// The season the list was asked for (`parameters.Season`), when the response
/// echoes a well-formed one.
fn requested_season(body: &Value) -> Option<String> {
    let s = body.get("parameters")?.get("Season")?.as_str()?.trim();
    let ok = s.len() == 7 && s.as_bytes()[4] == b'-' && s[..4].parse::<u16>().is_ok() && s[5..].parse::<u8>().is_ok();
    ok.then(|| s.to_string())
}

/// Only players on a roster now vouch for a (season, team): a historical list
/// also carries retired players under their last team.
fn active_sighting(e: &PlayerIndexEntry, row: &NbacPlayerList) -> Option<crate::processor::PlayerSighting> {
    e.is_active.then(|| {
        sighting(
            row.player_id,
            &row.player_name,
            row.team_tricode.as_deref(),
            &row.season,
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processors::testing::{run, run_json, valid_rows, violated_columns};
    use chrono::NaiveDate;
    use nba_upstream::fixtures;
    use serde_json::json;

    const FIXTURE: &str = "nba-stats/synthetic_playerindex.json";
    const KEY: &str = "nba-com/player-list/2025-01-10/20250110_080000.json";

    fn parsed() -> Parsed {
        run(&PlayerListProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap()
    }

    #[test]
    fn synthetic_index_of_2024_25() {
        let parsed = parsed();
        let rows: Vec<NbacPlayerList> = valid_rows(&parsed);
        assert_eq!(rows.len(), 5);
        let lebron = rows.iter().find(|r| r.player_id == 2544).unwrap();
        assert_eq!(
            (lebron.player_name.as_str(), lebron.player_lookup.as_str()),
            ("LeBron James", "lebronjames")
        );
        assert_eq!(
            (lebron.team_id, lebron.team_tricode.as_deref()),
            (Some(1610612747), Some("LAL"))
        );
        assert_eq!(
            (lebron.draft_year, lebron.draft_number, lebron.weight_lb),
            (Some(2003), Some(1), Some(250))
        );
        assert_eq!((lebron.season.as_str(), lebron.is_active), ("2024-25", true));
        assert_eq!(lebron.list_date, NaiveDate::from_ymd_opt(2025, 1, 10).unwrap());
        // Undrafted: null draft fields, never 0.
        let alvarado = rows.iter().find(|r| r.player_id == 1630631).unwrap();
        assert_eq!((alvarado.draft_year, alvarado.draft_round), (None, None));
        assert_eq!(alvarado.player_name, "José Alvarado");
        assert!(!rows.iter().find(|r| r.player_id == 76003).unwrap().is_active);
    }

    #[test]
    fn active_players_are_sighted() {
        let parsed = parsed();
        // Kareem (ROSTER_STATUS null, a career line) does not vouch for the 2024-25 Lakers.
        let ids: Vec<i64> = parsed.players.iter().map(|s| s.player_id).collect();
        assert_eq!(ids, [2544, 1630166, 1629611, 1630631]);
        let deni = &parsed.players[1];
        assert_eq!(
            (deni.display_name.as_str(), deni.team_tricode.as_deref()),
            ("Deni Avdija", Some("POR"))
        );
        assert_eq!(deni.season, "2024-25");
    }

    #[test]
    fn season_falls_back_to_the_list_date() {
        let mut body = fixtures::json(FIXTURE);
        body.as_object_mut().unwrap().remove("parameters");
        let key = "nba-com/player-list/2025-09-01/20250901_080000.json";
        let rows: Vec<NbacPlayerList> = valid_rows(&run_json(&PlayerListProcessor, key, &body).unwrap());
        assert!(rows.iter().all(|r| r.season == "2025-26"));
    }

    #[test]
    fn structural_problems_name_the_field() {
        let mut body = fixtures::json(FIXTURE);
        body["resultSets"][0]["headers"][0] = json!("PLAYER_ID");
        let err = run_json(&PlayerListProcessor, KEY, &body).unwrap_err();
        assert_eq!(err.field, "resultSets[PlayerIndex].PERSON_ID");
        let err = run(&PlayerListProcessor, KEY, b"").unwrap_err();
        assert_eq!(err.field, "$");
    }

    #[test]
    fn bad_values_fail_validation() {
        let mut row = valid_rows::<NbacPlayerList>(&parsed()).remove(0);
        row.player_id = -5;
        row.season = "2024".into();
        row.team_tricode = Some("Lakers".into());
        assert_eq!(violated_columns(&row), ["season", "player_id", "team_tricode"]);
    }
}
