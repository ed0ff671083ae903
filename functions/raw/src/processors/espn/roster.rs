//! `espn/team-roster/<date>/<team>/…` (site API team roster) →
//! `nba_raw.espn_team_rosters`, one snapshot row per (team, player, ET date).

use chrono::Utc;
use nba_core::time::et_date;
use nba_schemas::tables::raw_espn_br::EspnTeamRoster;
use nba_schemas::{Table, TableSchema};
use nba_upstream::espn::roster::{Roster, RosterAthlete, decode_roster};
use nba_upstream::teams::nba_tricode;

use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::{lookup, to_rows};

pub struct EspnTeamRosterProcessor;

impl RawProcessor for EspnTeamRosterProcessor {
    fn name(&self) -> &'static str {
        "espn_team_roster_processor"
    }

    fn source_name(&self) -> &'static str {
        "espn_team_roster"
    }

    fn prefix(&self) -> &'static str {
        "espn/team-roster/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![EspnTeamRoster::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let roster = decode_roster(object.body)?;
        let tricode = team_tricode(&roster, object)?;
        let rows = roster
            .athletes
            .iter()
            .map(|a| athlete_row(&roster, &tricode, a, object));
        Ok(Parsed::one(EspnTeamRoster::SCHEMA, to_rows(rows)))
    }
}

/// The roster's team: its abbreviation, else the team the scraper asked for
/// (the key's folder). A roster of no NBA team can never load: every row
/// would be that team's.
fn team_tricode(roster: &Roster, object: &RawObject<'_>) -> Result<String, ParseError> {
    roster
        .nba_tricode
        .clone()
        .or_else(|| object.sub().and_then(|s| nba_tricode(s).ok()).map(str::to_string))
        .ok_or_else(|| {
            ParseError::new(
                "team.abbreviation",
                format!("{:?} is not an NBA team", roster.team_abbreviation),
            )
        })
}

fn athlete_row(roster: &Roster, tricode: &str, a: &RosterAthlete, object: &RawObject<'_>) -> EspnTeamRoster {
    EspnTeamRoster {
        snapshot_date: object.game_date.unwrap_or_else(|| et_date(object.scraped_at)),
        snapshot_at: object.scraped_at,
        espn_team_id: roster.team_id.clone(),
        espn_team_abbreviation: roster.team_abbreviation.clone(),
        team_tricode: tricode.to_string(),
        espn_athlete_id: a.id.clone(),
        player_name: a.name.clone(),
        player_lookup: lookup(&a.name),
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        position: a.position.clone(),
        jersey_number: a.jersey.clone(),
        height_in: a.height_in.map(i64::from),
        weight_lb: a.weight_lb.map(i64::from),
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

    const KEY: &str = "espn/team-roster/2025-01-10/bos/20250110_120000.json";
    const FIXTURE: &str = "espn/team_roster_api.json";

    #[test]
    fn recorded_roster_is_one_row_per_player() {
        let parsed = parse(&EspnTeamRosterProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap();
        assert_valid(&parsed);
        let rows: Vec<EspnTeamRoster> = rows(&parsed, EspnTeamRoster::SCHEMA)
            .into_iter()
            .map(|r| EspnTeamRoster::from_row(r).unwrap())
            .collect();
        assert_eq!(rows.len(), 17);
        assert!(rows.iter().all(|r| r.team_tricode == "BOS" && r.espn_team_id == "2"));
        let tatum = rows.iter().find(|r| r.espn_athlete_id == "4065648").unwrap();
        assert_eq!(
            (tatum.player_name.as_str(), tatum.jersey_number.as_deref()),
            ("Jayson Tatum", Some("0"))
        );
        assert_eq!((tatum.height_in, tatum.weight_lb), (Some(80), Some(210)));
        assert_eq!(tatum.snapshot_date, NaiveDate::from_ymd_opt(2025, 1, 10).unwrap());
        assert_eq!(tatum.snapshot_at.to_rfc3339(), "2025-01-10T12:00:00+00:00");
    }

    #[test]
    fn team_falls_back_to_the_key_and_unknown_teams_fail() {
        let body = br#"{"team":{"id":"9","displayName":"Golden State Warriors",
          "athletes":[{"id":"3975","fullName":"Stephen Curry","jersey":"30"}]}}"#;
        let key = "espn/team-roster/2025-01-10/gs/20250110_120000.json";
        let parsed = parse(&EspnTeamRosterProcessor, key, body).unwrap();
        assert_valid(&parsed);
        assert_eq!(rows(&parsed, EspnTeamRoster::SCHEMA)[0]["team_tricode"], "GSW");
        let key = "espn/team-roster/2025-01-10/xyz/20250110_120000.json";
        assert_eq!(
            parse(&EspnTeamRosterProcessor, key, body).unwrap_err().field,
            "team.abbreviation"
        );
    }

    #[test]
    fn broken_body_names_the_field_and_bad_values_fail_validation() {
        let body = fixtures::text(FIXTURE).replacen("\"athletes\"", "\"players\"", 1);
        assert_eq!(
            parse(&EspnTeamRosterProcessor, KEY, body.as_bytes()).unwrap_err().field,
            "team.athletes"
        );
        let parsed = parse(&EspnTeamRosterProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap();
        let row = rows(&parsed, EspnTeamRoster::SCHEMA).remove(0);
        for (column, bad) in [
            ("weight_lb", json!(20)),
            ("espn_athlete_id", json!("")),
            ("player_name", json!(" ")),
        ] {
            let mut r = row.clone();
            r.insert(column.into(), bad);
            assert_eq!(validate_row(EspnTeamRoster::SCHEMA, &r).unwrap_err()[0].column, column);
        }
    }
}
