//! Traditional box scores (stats.nba.com `boxscoretraditionalv2` and `v3`) →
//! `nba_raw.nbac_team_boxscore`, one row per (game, team). Player lines are
//! covered by the game log and the live box score; here they only vouch for
//! players (registry sightings).

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::tables::raw_nba_com::NbacTeamBoxscore;
use nba_schemas::{Table, TableSchema};
use nba_upstream::nba_stats::{self, BoxStats};

use super::common::{add_rows, full_name, season, season_type, sighting, tricode};
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};

/// Which box-score endpoint an object comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxscoreFeed {
    /// `nba-com/boxscore-traditional-v2/`: tabular.
    V2,
    /// `nba-com/boxscore-traditional-v3/`: nested.
    V3,
}

pub struct TeamBoxscoreProcessor(pub BoxscoreFeed);

impl RawProcessor for TeamBoxscoreProcessor {
    fn name(&self) -> &'static str {
        match self.0 {
            BoxscoreFeed::V2 => "nbac_boxscore_traditional_v2_processor",
            BoxscoreFeed::V3 => "nbac_boxscore_traditional_v3_processor",
        }
    }

    fn source_name(&self) -> &'static str {
        match self.0 {
            BoxscoreFeed::V2 => "nbac_boxscore_traditional_v2",
            BoxscoreFeed::V3 => "nbac_boxscore_traditional_v3",
        }
    }

    fn prefix(&self) -> &'static str {
        match self.0 {
            BoxscoreFeed::V2 => "nba-com/boxscore-traditional-v2/",
            BoxscoreFeed::V3 => "nba-com/boxscore-traditional-v3/",
        }
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![NbacTeamBoxscore::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        // The box score does not carry its date: the scrape's date folder is the game's ET date.
        let game_date = object.require_game_date()?;
        let (teams, players) = match self.0 {
            BoxscoreFeed::V2 => v2(object.body)?,
            BoxscoreFeed::V3 => v3(object.body)?,
        };
        let ctx = Ctx {
            game_date,
            source_file: object.uri,
            processed_at: Utc::now(),
            feed: match self.0 {
                BoxscoreFeed::V2 => "boxscoretraditionalv2",
                BoxscoreFeed::V3 => "boxscoretraditionalv3",
            },
        };
        let rows = teams
            .iter()
            .map(|t| {
                let opponent = teams.iter().find(|o| o.team_id != t.team_id);
                row(t, opponent, &ctx).to_row()
            })
            .collect();
        let mut parsed = Parsed {
            players: players
                .iter()
                .map(|p| {
                    sighting(
                        p.player_id,
                        &p.name,
                        Some(&p.tricode),
                        &season(&p.game_id, game_date),
                        Some(game_date),
                    )
                })
                .collect(),
            ..Parsed::default()
        };
        add_rows(&mut parsed, NbacTeamBoxscore::SCHEMA, rows);
        Ok(parsed)
    }
}

/// One team's line, from either endpoint.
struct TeamLine {
    game_id: String,
    team_id: i64,
    tricode: String,
    city: Option<String>,
    name: Option<String>,
    is_home: Option<bool>,
    stats: BoxStats,
}

/// A player the box score lists.
struct PlayerSeen {
    game_id: String,
    player_id: i64,
    name: String,
    tricode: String,
}

fn v2(body: &[u8]) -> Result<(Vec<TeamLine>, Vec<PlayerSeen>), ParseError> {
    let b = nba_stats::decode_box_score_traditional_v2(&nba_stats::parse_body("boxscoretraditionalv2", body)?)?;
    let teams = b
        .teams
        .into_iter()
        .map(|t| TeamLine {
            game_id: t.game_id,
            team_id: t.team_id,
            tricode: tricode(&t.team_abbreviation),
            city: t.team_city,
            name: t.team_name,
            is_home: None,
            stats: t.stats,
        })
        .collect();
    let players = b
        .players
        .into_iter()
        .map(|p| PlayerSeen {
            game_id: p.game_id,
            player_id: p.player_id,
            name: p.player_name,
            tricode: tricode(&p.team_abbreviation),
        })
        .collect();
    Ok((teams, players))
}

fn v3(body: &[u8]) -> Result<(Vec<TeamLine>, Vec<PlayerSeen>), ParseError> {
    let b = nba_stats::decode_box_score_traditional_v3(&nba_stats::parse_body("boxscoretraditionalv3", body)?)?;
    let teams = b
        .teams
        .into_iter()
        .map(|t| TeamLine {
            game_id: t.game_id,
            team_id: t.team_id,
            tricode: tricode(&t.team_tricode),
            city: t.team_city,
            name: t.team_name,
            is_home: Some(t.is_home),
            stats: t.stats,
        })
        .collect();
    let players = b
        .players
        .into_iter()
        .map(|p| PlayerSeen {
            name: full_name(Some(&p.first_name), &p.family_name),
            game_id: p.game_id,
            player_id: p.person_id,
            tricode: tricode(&p.team_tricode),
        })
        .collect();
    Ok((teams, players))
}

struct Ctx<'a> {
    game_date: NaiveDate,
    source_file: &'a str,
    processed_at: DateTime<Utc>,
    feed: &'static str,
}

fn row(t: &TeamLine, opponent: Option<&TeamLine>, ctx: &Ctx<'_>) -> NbacTeamBoxscore {
    box_row!(
        NbacTeamBoxscore {
            game_id: t.game_id.clone(),
            game_date: ctx.game_date,
            season: season(&t.game_id, ctx.game_date),
            season_type: season_type(&t.game_id).to_string(),
            team_id: t.team_id,
            team_tricode: t.tricode.clone(),
            team_city: t.city.clone(),
            team_name: t.name.clone(),
            opponent_team_id: opponent.map(|o| o.team_id),
            opponent_tricode: opponent.map(|o| o.tricode.clone()),
            is_home: t.is_home,
            source_feed: ctx.feed.to_string(),
            source_file: ctx.source_file.to_string(),
            data_hash: String::new(),
            processed_at: ctx.processed_at,
        },
        &t.stats
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processors::testing::{close, run, run_json, valid_rows, violated_columns};
    use nba_upstream::fixtures;

    const V2_KEY: &str = "nba-com/boxscore-traditional-v2/2025-01-15/0022400561/20250116_090000.json";
    const V2_FIXTURE: &str = "nba-stats/boxscoretraditionalv2_team.json";
    const V3_KEY: &str = "nba-com/boxscore-traditional-v3/2023-01-02/0022200552/20230103_090000.json";
    const V3_CASSETTE: &str = "nba-stats/nba_api-cassettes/test_endpoints[BoxScoreTraditionalV3].yaml";

    #[test]
    fn v2_nyk_at_phi_overtime() {
        let parsed = run(
            &TeamBoxscoreProcessor(BoxscoreFeed::V2),
            V2_KEY,
            &fixtures::bytes(V2_FIXTURE),
        )
        .unwrap();
        let rows: Vec<NbacTeamBoxscore> = valid_rows(&parsed);
        assert_eq!(rows.len(), 2);
        let nyk = rows.iter().find(|r| r.team_tricode == "NYK").unwrap();
        assert_eq!(
            (nyk.pts, nyk.fgm, nyk.fga, nyk.reb, nyk.tov),
            (Some(125), Some(46), Some(86), Some(45), Some(13))
        );
        assert!(close(nyk.minutes, 265.0));
        assert_eq!((nyk.plus_minus, nyk.fg_pct), (Some(6.0), Some(0.535)));
        assert_eq!(nyk.opponent_tricode.as_deref(), Some("PHI"));
        assert_eq!(nyk.opponent_team_id, Some(1610612755));
        // V2 does not say who was at home.
        assert_eq!(nyk.is_home, None);
        assert_eq!(nyk.game_date, NaiveDate::from_ymd_opt(2025, 1, 15).unwrap());
        assert_eq!(
            (nyk.season.as_str(), nyk.source_feed.as_str()),
            ("2024-25", "boxscoretraditionalv2")
        );
        let phi = rows.iter().find(|r| r.team_tricode == "PHI").unwrap();
        assert_eq!((phi.pts, phi.plus_minus), (Some(119), Some(-6.0)));
        // All 25 listed players vouched for, DNPs included.
        let seen = &parsed.players;
        assert_eq!(seen.len(), 25);
        let drummond = seen.iter().find(|s| s.player_id == 203083).unwrap();
        assert_eq!(
            (drummond.display_name.as_str(), drummond.team_tricode.as_deref()),
            ("Andre Drummond", Some("PHI"))
        );
    }

    #[test]
    fn v2_dal_at_por_2022() {
        let key = "nba-com/boxscore-traditional-v2/2022-01-26/0022100732/20220127_090000.json";
        let body = fixtures::bytes("nba-stats/boxscoretraditionalv2_0022100732.json");
        let parsed = run(&TeamBoxscoreProcessor(BoxscoreFeed::V2), key, &body).unwrap();
        let rows: Vec<NbacTeamBoxscore> = valid_rows(&parsed);
        let dal = rows.iter().find(|r| r.team_tricode == "DAL").unwrap();
        assert_eq!(
            (dal.pts, dal.plus_minus, dal.season.as_str()),
            (Some(132), Some(20.0), "2021-22")
        );
        assert!(close(dal.minutes, 240.0));
        assert_eq!(parsed.players.len(), 22);
    }

    #[test]
    fn v3_chi_at_cle_overtime() {
        let body = fixtures::cassette_json(V3_CASSETTE);
        let parsed = run_json(&TeamBoxscoreProcessor(BoxscoreFeed::V3), V3_KEY, &body).unwrap();
        let rows: Vec<NbacTeamBoxscore> = valid_rows(&parsed);
        assert_eq!(rows.len(), 2);
        let cle = rows.iter().find(|r| r.team_tricode == "CLE").unwrap();
        assert_eq!((cle.pts, cle.is_home, cle.fg_pct), (Some(145), Some(true), Some(0.522)));
        assert!(close(cle.minutes, 265.0));
        let chi = rows.iter().find(|r| r.team_tricode == "CHI").unwrap();
        assert_eq!(
            (chi.pts, chi.is_home, chi.opponent_tricode.as_deref()),
            (Some(134), Some(false), Some("CLE"))
        );
        assert_eq!(chi.source_feed, "boxscoretraditionalv3");
        let seen = &parsed.players;
        assert_eq!(seen.len(), 23);
        let mitchell = seen.iter().find(|s| s.player_id == 1628378).unwrap();
        assert_eq!(
            (
                mitchell.display_name.as_str(),
                mitchell.team_tricode.as_deref(),
                mitchell.season.as_str()
            ),
            ("Donovan Mitchell", Some("CLE"), "2022-23")
        );
        assert!(seen.iter().any(|s| s.display_name == "Nikola Vučević"));
    }

    #[test]
    fn structural_problems_name_the_field() {
        let mut body = fixtures::cassette_json(V3_CASSETTE);
        body["boxScoreTraditional"]["homeTeam"]["statistics"]
            .as_object_mut()
            .unwrap()
            .remove("points");
        let err = run_json(&TeamBoxscoreProcessor(BoxscoreFeed::V3), V3_KEY, &body).unwrap_err();
        assert_eq!(err.field, "boxScoreTraditional.homeTeam.statistics.points");
        let mut body = fixtures::json(V2_FIXTURE);
        body["resultSets"].as_array_mut().unwrap().remove(1);
        let err = run_json(&TeamBoxscoreProcessor(BoxscoreFeed::V2), V2_KEY, &body).unwrap_err();
        assert_eq!(err.field, "resultSets[TeamStats]");
        // A key without a date folder cannot say which day the game was.
        let err = run(
            &TeamBoxscoreProcessor(BoxscoreFeed::V2),
            "nba-com/boxscore-traditional-v2/latest.json",
            &fixtures::bytes(V2_FIXTURE),
        )
        .unwrap_err();
        assert_eq!(err.field, "$key");
    }

    #[test]
    fn bad_values_fail_validation() {
        let parsed = run(
            &TeamBoxscoreProcessor(BoxscoreFeed::V2),
            V2_KEY,
            &fixtures::bytes(V2_FIXTURE),
        )
        .unwrap();
        let mut row = valid_rows::<NbacTeamBoxscore>(&parsed).remove(0);
        row.pts = Some(-1);
        row.ft_pct = Some(1.5);
        row.team_tricode = "76ers".into();
        assert_eq!(violated_columns(&row), ["team_tricode", "ft_pct", "pts"]);
    }
}
