//! Raw processors for Basketball-Reference objects:
//! `basketball-reference/roster/<date>/<team>/…` (a team-season page, HTML) →
//! `nba_raw.br_rosters`, one row per (season, team, player), kept once.
//!
//! The decoder is tested against a SYNTHETIC page only (no real sample was
//! recorded), so the season and team fall back to the scrape's date and the
//! key's team folder when the page title does not give them.

use chrono::{Datelike, NaiveDate, Utc};
use nba_core::time::et_date;
use nba_schemas::tables::raw_espn_br::BrRoster;
use nba_schemas::{Table, TableSchema};
use nba_upstream::basketball_reference::roster::{BrRoster as Page, BrRosterPlayer, decode_roster};
use nba_upstream::teams::nba_tricode;

use crate::ProcessorRegistry;
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::{lookup, to_rows};

pub fn register(registry: &mut ProcessorRegistry) {
    registry.register(BrRosterProcessor);
}

pub struct BrRosterProcessor;

impl RawProcessor for BrRosterProcessor {
    fn name(&self) -> &'static str {
        "br_roster_processor"
    }

    fn source_name(&self) -> &'static str {
        "br_roster"
    }

    fn prefix(&self) -> &'static str {
        "basketball-reference/roster/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![BrRoster::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let page = decode_roster(object.body)?;
        let seen = object.game_date.unwrap_or_else(|| et_date(object.scraped_at));
        let team = Team {
            season: page.season.clone().unwrap_or_else(|| season_of(seen)),
            tricode: team_tricode(&page, object)?,
            name: page.team_name.clone(),
            first_seen_date: seen,
            source_file: object.uri,
        };
        let rows = page.players.iter().map(|p| player_row(&team, p));
        Ok(Parsed::one(BrRoster::SCHEMA, to_rows(rows)))
    }
}

/// What every row of the page shares.
struct Team<'a> {
    season: String,
    tricode: String,
    name: Option<String>,
    first_seen_date: NaiveDate,
    source_file: &'a str,
}

/// The NBA season a date falls in (`2025-01-10` → `2024-25`): seasons start
/// in the autumn, so August onwards is the next season.
fn season_of(date: NaiveDate) -> String {
    let start = if date.month() >= 8 {
        date.year()
    } else {
        date.year() - 1
    };
    format!("{start}-{:02}", (start + 1) % 100)
}

/// The page title's team, else the team the scraper asked for (the key's
/// folder, a Basketball-Reference code like `brk`). Without either the rows
/// have no team: the object can never load.
fn team_tricode(page: &Page, object: &RawObject<'_>) -> Result<String, ParseError> {
    page.nba_tricode
        .clone()
        .or_else(|| object.sub().and_then(|s| nba_tricode(s).ok()).map(str::to_string))
        .ok_or_else(|| {
            ParseError::new(
                "h1 span",
                format!("no NBA team in the title {:?} nor the key", page.team_name),
            )
        })
}

fn player_row(team: &Team, p: &BrRosterPlayer) -> BrRoster {
    BrRoster {
        season: team.season.clone(),
        team_tricode: team.tricode.clone(),
        team_name: team.name.clone(),
        br_player_id: p.br_player_id.clone(),
        player_name: p.name.clone(),
        player_lookup: lookup(&p.name),
        two_way: p.two_way,
        jersey_number: p.number.clone(),
        position: p.position.clone(),
        height_in: p.height_in.map(i64::from),
        weight_lb: p.weight_lb.map(i64::from),
        birth_date: p.birth_date,
        years_experience: p.years_experience.map(i64::from),
        college: p.college.clone(),
        first_seen_date: team.first_seen_date,
        source_file: team.source_file.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at: Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use nba_schemas::validate_row;
    use nba_upstream::fixtures;
    use serde_json::json;

    use super::*;
    use crate::processors::testing::{assert_valid, parse, rows};

    const KEY: &str = "basketball-reference/roster/2025-01-10/lal/20250110_120000.html";
    const FIXTURE: &str = "synthetic/br_roster_synthetic.html";

    fn roster(key: &str, body: &[u8]) -> Vec<BrRoster> {
        let parsed = parse(&BrRosterProcessor, key, body).unwrap();
        assert_valid(&parsed);
        rows(&parsed, BrRoster::SCHEMA)
            .into_iter()
            .map(|r| BrRoster::from_row(r).unwrap())
            .collect()
    }

    #[test]
    fn synthetic_page_is_one_row_per_player() {
        let rows = roster(KEY, &fixtures::bytes(FIXTURE));
        assert_eq!(rows.len(), 5, "the repeated header row is not a player");
        assert!(rows.iter().all(|r| r.season == "2024-25" && r.team_tricode == "LAL"));
        let lebron = &rows[0];
        assert_eq!(
            (lebron.br_player_id.as_str(), lebron.player_name.as_str()),
            ("jamesle01", "LeBron James")
        );
        assert_eq!((lebron.height_in, lebron.years_experience), (Some(81), Some(21)));
        assert_eq!(lebron.birth_date, NaiveDate::from_ymd_opt(1984, 12, 30));
        assert_eq!(lebron.player_lookup, "lebronjames");
        let koloko = rows.iter().find(|r| r.br_player_id == "kolokch01").unwrap();
        assert!(koloko.two_way);
        assert_eq!(
            (koloko.player_name.as_str(), koloko.college.as_deref()),
            ("Christian Koloko", None)
        );
        let bronny = rows.iter().find(|r| r.br_player_id == "jamesbr02").unwrap();
        assert_eq!(bronny.years_experience, Some(0));
    }

    #[test]
    fn season_and_team_fall_back_to_the_key() {
        let body = fixtures::text(FIXTURE).replacen(
            "<h1><span>2024-25</span> <span>Los Angeles Lakers</span>",
            "<h1><span>Roster</span>",
            1,
        );
        let key = "basketball-reference/roster/2023-11-02/brk/20231102_120000.html";
        let rows = roster(key, body.as_bytes());
        assert!(
            rows.iter()
                .all(|r| r.season == "2023-24" && r.team_tricode == "BKN" && r.team_name.is_none())
        );
        let key = "basketball-reference/roster/2023-11-02/20231102_120000.html";
        assert_eq!(
            parse(&BrRosterProcessor, key, body.as_bytes()).unwrap_err().field,
            "h1 span"
        );
        assert_eq!(season_of(NaiveDate::from_ymd_opt(2025, 6, 22).unwrap()), "2024-25");
        assert_eq!(season_of(NaiveDate::from_ymd_opt(2099, 10, 1).unwrap()), "2099-00");
    }

    #[test]
    fn broken_page_names_the_field_and_bad_values_fail_validation() {
        let body = fixtures::text(FIXTURE);
        let e = parse(
            &BrRosterProcessor,
            KEY,
            body.replace("data-stat=\"pos\"", "data-stat=\"position\"").as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.field, "table#roster thead th[data-stat=pos]");
        let row = roster(KEY, body.as_bytes())[0].to_row();
        for (column, bad) in [
            ("br_player_id", json!("LeBron")),
            ("season", json!("2025")),
            ("height_in", json!(30)),
        ] {
            let mut r = row.clone();
            r.insert(column.into(), bad);
            assert_eq!(validate_row(BrRoster::SCHEMA, &r).unwrap_err()[0].column, column);
        }
    }
}
