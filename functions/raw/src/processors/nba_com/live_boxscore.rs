//! `nba-com/live-boxscore/…` (cdn.nba.com `boxscore_{gameId}.json`) →
//! `nba_raw.nbac_live_boxscore`, one row per rostered player, merged as the
//! game goes on; every listed player is also a registry sighting (NBA.com
//! person ids are authoritative).
//!
//! The feed lists players who did not play with `played: "0"` and zeros in
//! every statistic. Those zeros mean "no line", not "played and scored 0", so
//! the row keeps `played = false`, the reason, and null statistics.

use chrono::Utc;
use nba_schemas::tables::raw_nba_com::NbacLiveBoxscore;
use nba_schemas::{Table, TableSchema};
use nba_upstream::nba_cdn::{self, LiveBoxScore, LiveBoxScorePlayer};
use nba_upstream::nba_stats::BoxStats;

use super::common::{add_rows, full_name, season, season_type, sighting, status_code, tricode};
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};
use crate::processors::rows::lookup;

pub struct LiveBoxscoreProcessor;

impl RawProcessor for LiveBoxscoreProcessor {
    fn name(&self) -> &'static str {
        "nbac_live_boxscore_processor"
    }

    fn source_name(&self) -> &'static str {
        "nbac_live_boxscore"
    }

    fn prefix(&self) -> &'static str {
        "nba-com/live-boxscore/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![NbacLiveBoxscore::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let body = nba_cdn::parse_body("boxscore", object.body)?;
        let b = nba_cdn::decode_boxscore(&body)?;
        // The tip-off instant dates the game (ET); the key's date folder is the fallback.
        let game_date = match b.game_time_utc {
            Some(t) => nba_core::time::et_date(t),
            None => object.require_game_date()?,
        };
        let ctx = Ctx {
            game: &b,
            game_date,
            source_file: object.uri,
            processed_at: Utc::now(),
        };
        let mut parsed = Parsed::default();
        let mut rows = Vec::with_capacity(b.players.len());
        for p in &b.players {
            let row = row(p, &ctx);
            parsed.players.push(sighting(
                row.player_id,
                &row.player_name,
                Some(&row.team_tricode),
                &row.season,
                Some(game_date),
            ));
            rows.push(row.to_row());
        }
        add_rows(&mut parsed, NbacLiveBoxscore::SCHEMA, rows);
        Ok(parsed)
    }
}

struct Ctx<'a> {
    game: &'a LiveBoxScore,
    game_date: chrono::NaiveDate,
    source_file: &'a str,
    processed_at: chrono::DateTime<Utc>,
}

fn row(p: &LiveBoxScorePlayer, ctx: &Ctx<'_>) -> NbacLiveBoxscore {
    let no_line = BoxStats::default();
    let stats = if p.played { &p.stats } else { &no_line };
    let opponent = ctx
        .game
        .teams
        .iter()
        .find(|t| t.team_id != p.team_id)
        .map(|t| tricode(&t.team_tricode))
        .unwrap_or_default();
    let name = display_name(p);
    box_row!(
        NbacLiveBoxscore {
            game_id: p.game_id.clone(),
            game_date: ctx.game_date,
            season: season(&p.game_id, ctx.game_date),
            season_type: season_type(&p.game_id).to_string(),
            game_status: status_code(ctx.game.status),
            period: ctx.game.period,
            team_id: p.team_id,
            team_tricode: tricode(&p.team_tricode),
            opponent_tricode: opponent,
            is_home: p.is_home,
            player_id: p.person_id,
            player_lookup: lookup(&name),
            player_name: name,
            jersey_num: p.jersey_num.clone(),
            position: p.position.clone(),
            starter: p.starter,
            played: p.played,
            on_court: p.on_court,
            roster_status: p.status.clone(),
            dnp_reason: p.not_playing_reason.clone(),
            dnp_description: p.not_playing_description.clone(),
            source_file: ctx.source_file.to_string(),
            data_hash: String::new(),
            processed_at: ctx.processed_at,
        },
        stats
    )
}

/// `name` as printed; first and family name if it is blank.
fn display_name(p: &LiveBoxScorePlayer) -> String {
    match p.name.trim() {
        "" => full_name(p.first_name.as_deref(), p.family_name.as_deref().unwrap_or_default()),
        name => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processors::testing::{close, run, run_json, valid_rows, violated_columns};
    use chrono::NaiveDate;
    use nba_upstream::fixtures;
    use serde_json::json;

    const KEY: &str = "nba-com/live-boxscore/2026-02-11/0022500775/20260212_040000.json";
    const FIXTURE: &str = "nba-cdn/boxscore_0022500775.json";

    fn rows() -> Vec<NbacLiveBoxscore> {
        let parsed = run(&LiveBoxscoreProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap();
        assert!(parsed.rejected.is_empty());
        valid_rows(&parsed)
    }

    #[test]
    fn atl_at_cha_2026_02_11() {
        let rows = rows();
        assert_eq!(rows.len(), 36);
        let knueppel = rows.iter().find(|r| r.player_id == 1642851).unwrap();
        assert_eq!(
            (knueppel.player_name.as_str(), knueppel.team_tricode.as_str()),
            ("Kon Knueppel", "CHA")
        );
        assert_eq!((knueppel.opponent_tricode.as_str(), knueppel.is_home), ("ATL", true));
        assert_eq!(
            (knueppel.pts, knueppel.plus_minus, knueppel.starter),
            (Some(18), Some(-6.0), true)
        );
        assert!(close(knueppel.minutes, 30.0 + 19.0 / 60.0));
        let risacher = rows.iter().find(|r| r.player_id == 1642258).unwrap();
        assert!(close(risacher.minutes, 23.0 + 16.5 / 60.0));
        assert_eq!(risacher.pts, Some(5));
        // Points of players who played add up to the final score.
        let cha: i64 = rows
            .iter()
            .filter(|r| r.team_tricode == "CHA")
            .filter_map(|r| r.pts)
            .sum();
        let atl: i64 = rows
            .iter()
            .filter(|r| r.team_tricode == "ATL")
            .filter_map(|r| r.pts)
            .sum();
        assert_eq!((cha, atl), (110, 107));
        assert!(
            rows.iter()
                .all(|r| r.game_date == NaiveDate::from_ymd_opt(2026, 2, 11).unwrap())
        );
        assert!(rows.iter().all(|r| r.game_status == 3 && r.season == "2025-26"));
    }

    #[test]
    fn dnps_keep_a_row_with_the_reason_and_no_stats() {
        let rows = rows();
        let dnps: Vec<&NbacLiveBoxscore> = rows.iter().filter(|r| !r.played).collect();
        assert_eq!(dnps.len(), 15);
        assert!(
            dnps.iter()
                .all(|r| r.minutes.is_none() && r.pts.is_none() && r.reb.is_none())
        );
        let bridges = dnps.iter().find(|r| r.player_id == 1628970).unwrap();
        assert_eq!(bridges.dnp_reason.as_deref(), Some("DND_LEAGUE_SUSPENSION"));
        assert_eq!(bridges.roster_status.as_deref(), Some("ACTIVE"));
        let mcneeley = dnps.iter().find(|r| r.player_id == 1642862).unwrap();
        assert_eq!(mcneeley.dnp_reason.as_deref(), Some("INACTIVE_INJURY"));
        assert_eq!(mcneeley.dnp_description.as_deref(), Some("Left Ankle; Sprain"));
        // A coach's decision has no reason in the feed: null, not invented.
        let hield = dnps.iter().find(|r| r.player_id == 1627741).unwrap();
        assert_eq!(hield.dnp_reason, None);
    }

    #[test]
    fn every_player_is_a_sighting() {
        let parsed = run(&LiveBoxscoreProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap();
        assert_eq!(parsed.players.len(), 36);
        let durisic = parsed.players.iter().find(|s| s.player_id == 1642365).unwrap();
        assert_eq!(
            (durisic.display_name.as_str(), durisic.team_tricode.as_deref()),
            ("Nikola Đurišić", Some("ATL"))
        );
    }

    #[test]
    fn gsw_at_bkn_2020_opening_night() {
        let key = "nba-com/live-boxscore/2020-12-22/0022000001/20201223_040000.json";
        let parsed = run(
            &LiveBoxscoreProcessor,
            key,
            &fixtures::bytes("nba-cdn/boxscore_0022000001.json"),
        )
        .unwrap();
        let rows: Vec<NbacLiveBoxscore> = valid_rows(&parsed);
        assert_eq!(rows.len(), 34);
        let wiggins = rows.iter().find(|r| r.player_id == 203952).unwrap();
        assert_eq!((wiggins.pts, wiggins.plus_minus), (Some(13), Some(-28.0)));
        let klay = rows.iter().find(|r| r.player_id == 202691).unwrap();
        assert_eq!((klay.played, klay.minutes), (false, None));
        assert_eq!(rows[0].game_date, NaiveDate::from_ymd_opt(2020, 12, 22).unwrap());
    }

    #[test]
    fn structural_problems_name_the_field() {
        let mut body = fixtures::json(FIXTURE);
        body["game"]["awayTeam"]["players"][4]["statistics"]["minutes"] = json!("a while");
        let err = run_json(&LiveBoxscoreProcessor, KEY, &body).unwrap_err();
        assert_eq!(err.field, "game.awayTeam.players[4].statistics.minutes");
        let mut body = fixtures::json(FIXTURE);
        body["game"]["homeTeam"]["players"][0]
            .as_object_mut()
            .unwrap()
            .remove("personId");
        let err = run_json(&LiveBoxscoreProcessor, KEY, &body).unwrap_err();
        assert_eq!(err.field, "game.homeTeam.players[0].personId");
    }

    #[test]
    fn bad_values_fail_validation() {
        let mut row = rows().remove(0);
        row.pts = Some(-4);
        row.minutes = Some(71.0);
        row.game_id = "0092500775".into();
        assert_eq!(violated_columns(&row), ["game_id", "minutes", "pts"]);
    }
}
