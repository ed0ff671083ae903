//! `balldontlie/injuries/…` (`/v1/player_injuries`, cursor pages merged) →
//! `nba_raw.bdl_injuries`: every scrape is a snapshot stamped with its time.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use nba_core::time::et_date;
use nba_schemas::tables::raw_balldontlie::BdlInjury;
use nba_schemas::{Table, TableSchema};
use nba_upstream::balldontlie::injuries::{Injury, decode_player_injuries};

use super::player_name;
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::lookup;
use crate::processors::sink::{Refusal, Sink};

pub struct BdlInjuriesProcessor;

impl RawProcessor for BdlInjuriesProcessor {
    fn name(&self) -> &'static str {
        "bdl_injuries_processor"
    }

    fn source_name(&self) -> &'static str {
        "bdl_injuries"
    }

    fn prefix(&self) -> &'static str {
        "balldontlie/injuries/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![BdlInjury::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let page = decode_player_injuries(object.body)?;
        let mut sink = Sink::new(BdlInjury::SCHEMA);
        for injury in &page.data {
            let mut refusal = Refusal::default();
            let row = injury_row(injury, object, &mut refusal);
            sink.push(row.to_row(), refusal);
        }
        Ok(sink.finish())
    }
}

fn injury_row(i: &Injury, object: &RawObject<'_>, refusal: &mut Refusal) -> BdlInjury {
    let snapshot_date = et_date(object.scraped_at);
    let name = player_name(&i.player);
    let team = i.player.team.as_ref();
    BdlInjury {
        snapshot_at: object.scraped_at,
        snapshot_date,
        bdl_player_id: i.player.id,
        player_lookup: lookup(&name),
        player_name: name,
        bdl_team_id: i.player.team_id,
        team_tricode: team.map(|t| refusal.tricode("team_tricode", &t.abbreviation)),
        status: i.status.clone(),
        expected_return_date: i
            .return_date
            .as_deref()
            .and_then(|text| expected_return(text, snapshot_date)),
        return_date_text: i.return_date.clone(),
        description: i.description.clone(),
        source_file: object.uri.to_string(),
        data_hash: String::new(), // stamped by the writer
        processed_at: Utc::now(),
    }
}

/// How far back a yearless return date may lie and still mean this year (a
/// return date just passed, not yet updated), rather than next year's.
const RECENT_PAST_DAYS: i64 = 45;

/// `"Feb 1"` (or `"February 1"`) in the year that puts it on or after
/// `RECENT_PAST_DAYS` before the snapshot: balldontlie sends no year, and a
/// June snapshot's "Feb 1" is next February. Unparseable text gives `None`
/// (the text is kept in `return_date_text`).
fn expected_return(text: &str, snapshot: NaiveDate) -> Option<NaiveDate> {
    let earliest = snapshot - Duration::days(RECENT_PAST_DAYS);
    let in_year = |year: i32| {
        let dated = format!("{} {year}", text.trim());
        NaiveDate::parse_from_str(&dated, "%b %d %Y")
            .or_else(|_| NaiveDate::parse_from_str(&dated, "%B %d %Y"))
            .ok()
    };
    (earliest.year()..=earliest.year() + 1)
        .filter_map(in_year)
        .find(|d| *d >= earliest)
}

#[cfg(test)]
mod tests {
    use nba_schemas::validate_row;
    use nba_upstream::fixtures;
    use serde_json::json;

    use super::*;
    use crate::processors::testing::{assert_valid, parse, rows};

    const KEY: &str = "balldontlie/injuries/2025-06-24/20250624_150000.json";

    fn injuries(key: &str, body: &[u8]) -> Vec<BdlInjury> {
        let parsed = parse(&BdlInjuriesProcessor, key, body).unwrap();
        assert_valid(&parsed);
        assert!(parsed.rejected.is_empty());
        rows(&parsed, BdlInjury::SCHEMA)
            .into_iter()
            .map(|r| BdlInjury::from_row(r).unwrap())
            .collect()
    }

    #[test]
    fn recorded_list_is_a_snapshot_at_the_scrape_time() {
        let rows = injuries(KEY, &fixtures::bytes("balldontlie/injuries_d45e630e.json"));
        assert_eq!(rows.len(), 2);
        let tatum = rows.iter().find(|r| r.player_name == "Jayson Tatum").unwrap();
        assert_eq!((tatum.status.as_str(), tatum.bdl_player_id), ("Out", 434));
        assert_eq!(tatum.snapshot_at.to_rfc3339(), "2025-06-24T15:00:00+00:00");
        assert_eq!(tatum.snapshot_date, NaiveDate::from_ymd_opt(2025, 6, 24).unwrap());
        assert_eq!(tatum.return_date_text.as_deref(), Some("Feb 1"));
        assert_eq!(tatum.expected_return_date, NaiveDate::from_ymd_opt(2026, 2, 1));
        assert_eq!((tatum.bdl_team_id, tatum.team_tricode.as_deref()), (Some(2), None));
        let brown = rows.iter().find(|r| r.player_name == "Jaylen Brown").unwrap();
        assert_eq!(brown.status, "Day-To-Day");
        assert_eq!(brown.expected_return_date, NaiveDate::from_ymd_opt(2025, 10, 1));
        assert_eq!(brown.player_lookup, "jaylenbrown");
    }

    #[test]
    fn snapshot_date_is_the_et_date_of_the_scrape() {
        // 02:00 UTC on the 25th is 22:00 ET on the 24th.
        let key = "balldontlie/injuries/2025-06-24/20250625_020000.json";
        let rows = injuries(key, &fixtures::bytes("balldontlie/injuries_d45e630e.json"));
        assert_eq!(rows[0].snapshot_date, NaiveDate::from_ymd_opt(2025, 6, 24).unwrap());
    }

    #[test]
    fn yearless_return_dates() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let snap = d(2025, 1, 10);
        assert_eq!(expected_return("Jan 20", snap), Some(d(2025, 1, 20)));
        assert_eq!(
            expected_return("Dec 28", snap),
            Some(d(2024, 12, 28)),
            "recently passed"
        );
        assert_eq!(expected_return("Oct 1", snap), Some(d(2025, 10, 1)));
        assert_eq!(expected_return("February 3", snap), Some(d(2025, 2, 3)));
        assert_eq!(expected_return("Feb 29", d(2023, 6, 1)), Some(d(2024, 2, 29)));
        assert_eq!(expected_return("TBD", snap), None);
    }

    #[test]
    fn broken_body_names_the_field_and_unknown_status_fails_validation() {
        let body = fixtures::text("balldontlie/injuries_d45e630e.json");
        let e = parse(
            &BdlInjuriesProcessor,
            KEY,
            body.replacen("\"status\"", "\"state\"", 1).as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.field, "data[0].status");
        let parsed = parse(
            &BdlInjuriesProcessor,
            KEY,
            body.replacen("Day-To-Day", "Maybe", 1).as_bytes(),
        )
        .unwrap();
        let row = rows(&parsed, BdlInjury::SCHEMA).remove(0);
        let errs = validate_row(BdlInjury::SCHEMA, &row).unwrap_err();
        assert_eq!(
            (errs[0].column.as_str(), errs[0].value.as_str()),
            ("status", "\"Maybe\"")
        );
        let mut row = row;
        row.insert("status".into(), json!("Out"));
        row.insert("bdl_player_id".into(), json!(0));
        assert_eq!(
            validate_row(BdlInjury::SCHEMA, &row).unwrap_err()[0].column,
            "bdl_player_id"
        );
    }
}
