//! `balldontlie/active-players/…` (`/v1/players/active`, cursor pages merged)
//! → `nba_raw.bdl_active_players`: (player, team) facts, each kept once.

use chrono::Utc;
use nba_core::time::et_date;
use nba_schemas::tables::raw_balldontlie::BdlActivePlayer;
use nba_schemas::{Table, TableSchema};
use nba_upstream::balldontlie::Player;
use nba_upstream::balldontlie::players::decode_active_players;

use super::player_name;
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::lookup;
use crate::processors::sink::{Refusal, Sink};

pub struct BdlActivePlayersProcessor;

impl RawProcessor for BdlActivePlayersProcessor {
    fn name(&self) -> &'static str {
        "bdl_active_players_processor"
    }

    fn source_name(&self) -> &'static str {
        "bdl_active_players"
    }

    fn prefix(&self) -> &'static str {
        "balldontlie/active-players/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![BdlActivePlayer::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let page = decode_active_players(object.body)?;
        let mut sink = Sink::new(BdlActivePlayer::SCHEMA);
        for player in &page.data {
            let mut refusal = Refusal::default();
            let row = player_row(player, object, &mut refusal);
            sink.push(row.to_row(), refusal);
        }
        Ok(sink.finish())
    }
}

fn player_row(p: &Player, object: &RawObject<'_>, refusal: &mut Refusal) -> BdlActivePlayer {
    let name = player_name(p);
    // The active list nests each player's team; without one the player has no
    // (player, team) fact to state.
    let (team_id, tricode) = match &p.team {
        Some(t) => (t.id, refusal.tricode("team_tricode", &t.abbreviation)),
        None => {
            refusal.note("team_tricode", "active player without a team");
            (p.team_id.unwrap_or_default(), String::new())
        }
    };
    BdlActivePlayer {
        bdl_player_id: p.id,
        player_lookup: lookup(&name),
        player_name: name,
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        bdl_team_id: team_id,
        team_tricode: tricode,
        position: p.position.clone(),
        jersey_number: p.jersey_number.clone(),
        height_in: p.height_in.map(i64::from),
        weight_lb: p.weight_lb.map(i64::from),
        college: p.college.clone(),
        country: p.country.clone(),
        draft_year: p.draft_year,
        draft_round: p.draft_round,
        draft_number: p.draft_number,
        first_seen_date: object.game_date.unwrap_or_else(|| et_date(object.scraped_at)),
        source_file: object.uri.to_string(),
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

    const KEY: &str = "balldontlie/active-players/2025-01-10/20250110_120000.json";
    const FIXTURE: &str = "balldontlie/active_players_ac3e7bd3.json";

    #[test]
    fn recorded_page_is_one_row_per_player_and_team() {
        let parsed = parse(&BdlActivePlayersProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap();
        assert_valid(&parsed);
        assert!(parsed.rejected.is_empty());
        let rows: Vec<BdlActivePlayer> = rows(&parsed, BdlActivePlayer::SCHEMA)
            .into_iter()
            .map(|r| BdlActivePlayer::from_row(r).unwrap())
            .collect();
        assert_eq!(rows.len(), 100);
        let adams = &rows[0];
        assert_eq!((adams.bdl_player_id, adams.player_name.as_str()), (3, "Steven Adams"));
        assert_eq!((adams.team_tricode.as_str(), adams.bdl_team_id), ("HOU", 11));
        assert_eq!((adams.height_in, adams.weight_lb), (Some(83), Some(265)));
        assert_eq!(adams.first_seen_date, NaiveDate::from_ymd_opt(2025, 1, 10).unwrap());
        assert_eq!(adams.player_lookup, "stevenadams");
    }

    #[test]
    fn a_player_without_team_is_refused_and_broken_bodies_are_named() {
        let body = json!({"data": [{"id": 5, "first_name": "Free", "last_name": "Agent"}], "meta": {}});
        let parsed = parse(&BdlActivePlayersProcessor, KEY, &serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].column, "team_tricode");
        let body = fixtures::text(FIXTURE).replacen("\"last_name\"", "\"lastName\"", 1);
        let e = parse(&BdlActivePlayersProcessor, KEY, body.as_bytes()).unwrap_err();
        assert_eq!(e.field, "data[0].last_name");
    }

    #[test]
    fn validation_rejects_impossible_bodies() {
        let parsed = parse(&BdlActivePlayersProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap();
        let row = rows(&parsed, BdlActivePlayer::SCHEMA).remove(0);
        for (column, bad) in [
            ("height_in", json!(12)),
            ("team_tricode", json!("hou")),
            ("player_lookup", json!("")),
        ] {
            let mut r = row.clone();
            r.insert(column.into(), bad);
            assert_eq!(validate_row(BdlActivePlayer::SCHEMA, &r).unwrap_err()[0].column, column);
        }
    }
}
