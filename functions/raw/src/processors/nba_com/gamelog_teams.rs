//! `nba-com/gamelog-teams/…` (stats.nba.com `leaguegamelog`, PlayerOrTeam=T)
//! → `nba_raw.nbac_team_boxscore`, one row per (game, team): the official team
//! totals of every game of the requested dates (`source_feed` `leaguegamelog`).
//!
//! The decoder already derives home/away and the opponent's tricode from
//! `MATCHUP` (`"GSW vs. IND"` home, `"GSW @ IND"` away); the opponent's team id
//! is taken from the other row of the same game in the same log. `MIN` is the
//! team's minutes (240 in regulation, 25 more per overtime).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use nba_schemas::tables::raw_nba_com::NbacTeamBoxscore;
use nba_schemas::{Table, TableSchema};
use nba_upstream::nba_stats::{self, LeagueGameLogTeam};

use super::common::{add_rows, season, season_type, tricode};
use crate::processor::{ParseError, Parsed, RawObject, RawProcessor};

/// `source_feed` of the rows this processor writes.
pub const FEED: &str = "leaguegamelog";

pub struct GamelogTeamsProcessor;

impl RawProcessor for GamelogTeamsProcessor {
    fn name(&self) -> &'static str {
        "nbac_gamelog_teams_processor"
    }

    fn source_name(&self) -> &'static str {
        "nbac_gamelog_teams"
    }

    fn prefix(&self) -> &'static str {
        "nba-com/gamelog-teams/"
    }

    fn tables(&self) -> Vec<&'static TableSchema> {
        vec![NbacTeamBoxscore::SCHEMA]
    }

    fn parse(&self, object: &RawObject<'_>) -> Result<Parsed, ParseError> {
        let body = nba_stats::parse_body("leaguegamelog", object.body)?;
        let log = nba_stats::decode_league_game_log_teams(&body)?;
        let processed_at = Utc::now();
        // (game, tricode) → team id, for the opponent's id.
        let ids: HashMap<(&str, String), i64> = log
            .iter()
            .map(|t| ((t.game_id.as_str(), tricode(&t.team_abbreviation)), t.team_id))
            .collect();
        let rows = log
            .iter()
            .map(|t| {
                let opponent = tricode(&t.opponent_abbreviation);
                let opponent_id = ids.get(&(t.game_id.as_str(), opponent.clone())).copied();
                row(t, opponent, opponent_id, object.uri, processed_at).to_row()
            })
            .collect();
        let mut parsed = Parsed::default();
        add_rows(&mut parsed, NbacTeamBoxscore::SCHEMA, rows);
        Ok(parsed)
    }
}

/// `"Minnesota Timberwolves"` → (`Minnesota`, `Timberwolves`), as the box-score
/// feeds send city and nickname; a name of no known franchise is kept whole.
fn city_and_name(t: &LeagueGameLogTeam) -> (Option<String>, Option<String>) {
    let Some(full) = t.team_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
        return (None, None);
    };
    let nickname = nba_upstream::teams::team(&t.team_abbreviation)
        .ok()
        .map(|team| team.nickname)
        .filter(|nick| full.ends_with(nick));
    match nickname {
        Some(nick) => {
            let city = full[..full.len() - nick.len()].trim();
            ((!city.is_empty()).then(|| city.to_string()), Some(nick.to_string()))
        }
        None => (None, Some(full.to_string())),
    }
}

fn row(
    t: &LeagueGameLogTeam,
    opponent_tricode: String,
    opponent_team_id: Option<i64>,
    source_file: &str,
    processed_at: DateTime<Utc>,
) -> NbacTeamBoxscore {
    let (team_city, team_name) = city_and_name(t);
    box_row!(
        NbacTeamBoxscore {
            game_id: t.game_id.clone(),
            game_date: t.game_date,
            season: season(&t.game_id, t.game_date),
            season_type: season_type(&t.game_id).to_string(),
            team_id: t.team_id,
            team_tricode: tricode(&t.team_abbreviation),
            team_city: team_city,
            team_name: team_name,
            opponent_team_id: opponent_team_id,
            opponent_tricode: Some(opponent_tricode),
            is_home: Some(t.is_home),
            source_feed: FEED.to_string(),
            source_file: source_file.to_string(),
            data_hash: String::new(),
            processed_at: processed_at,
        },
        &t.stats
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processors::testing::{close, run, run_json, valid_rows, violated_columns};
    use chrono::NaiveDate;
    use nba_upstream::fixtures;
    use serde_json::json;

    /// The whole 2018-19 regular season, one request (1230 games × 2 teams).
    const FIXTURE: &str = "nba-stats/leaguegamelog_teams_2018-19.json.gz";
    const KEY: &str = "nba-com/gamelog-teams/2019-04-10/20190411_100000.json";

    fn parsed() -> Parsed {
        run(&GamelogTeamsProcessor, KEY, &fixtures::bytes(FIXTURE)).unwrap()
    }

    fn find<'a>(rows: &'a [NbacTeamBoxscore], game: &str, team: &str) -> &'a NbacTeamBoxscore {
        rows.iter()
            .find(|r| r.game_id == game && r.team_tricode == team)
            .unwrap_or_else(|| panic!("no {team} row in {game}"))
    }

    #[test]
    fn a_season_of_team_games() {
        let parsed = parsed();
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        assert!(parsed.players.is_empty(), "a team log vouches for no player");
        let rows: Vec<NbacTeamBoxscore> = valid_rows(&parsed);
        assert_eq!(rows.len(), 2460);
        assert_eq!(rows.iter().filter(|r| r.is_home == Some(true)).count(), 1230);
        assert!(rows.iter().all(|r| r.source_feed == "leaguegamelog"
            && r.season == "2018-19"
            && r.season_type == "Regular Season"
            && r.opponent_team_id.is_some()));

        // MIN @ DEN, 2019-04-10 ("MIN @ DEN": away).
        let min = find(&rows, "0021801228", "MIN");
        assert_eq!(
            (min.team_id, min.game_date),
            (1610612750, NaiveDate::from_ymd_opt(2019, 4, 10).unwrap())
        );
        assert_eq!(
            (min.team_city.as_deref(), min.team_name.as_deref()),
            (Some("Minnesota"), Some("Timberwolves"))
        );
        assert_eq!(
            (min.is_home, min.opponent_tricode.as_deref(), min.opponent_team_id),
            (Some(false), Some("DEN"), Some(1610612743))
        );
        assert!(close(min.minutes, 240.0));
        assert_eq!(
            (min.fgm, min.fga, min.fg3m, min.fg3a, min.ftm, min.fta),
            (Some(39), Some(91), Some(13), Some(32), Some(4), Some(6))
        );
        assert_eq!(
            (min.oreb, min.dreb, min.reb, min.ast, min.stl, min.blk),
            (Some(7), Some(34), Some(41), Some(24), Some(6), Some(0))
        );
        assert_eq!((min.tov, min.pf, min.pts), (Some(10), Some(22), Some(95)));
        assert_eq!(
            (min.fg_pct, min.ft_pct, min.plus_minus),
            (Some(0.429), Some(0.667), Some(-4.0))
        );
        // DEN vs. MIN: home, the other side of the same game.
        let den = find(&rows, "0021801228", "DEN");
        assert_eq!(
            (den.is_home, den.opponent_tricode.as_deref(), den.opponent_team_id),
            (Some(true), Some("MIN"), Some(1610612750))
        );
        assert_eq!(
            (den.fga, den.fta, den.oreb, den.tov, den.pts, den.plus_minus),
            (Some(87), Some(17), Some(12), Some(13), Some(99), Some(4.0))
        );

        // CHI @ ATL, 2019-03-01: four overtimes, 340 team minutes.
        let chi = find(&rows, "0021800928", "CHI");
        assert!(close(chi.minutes, 340.0));
        assert_eq!((chi.pts, chi.fga, chi.fta), (Some(168), Some(119), Some(48)));
        assert_eq!(chi.game_date, NaiveDate::from_ymd_opt(2019, 3, 1).unwrap());
        let atl = find(&rows, "0021800928", "ATL");
        assert_eq!(
            (atl.is_home, atl.pts, atl.plus_minus),
            (Some(true), Some(161), Some(-7.0))
        );
        // "LA Clippers": the short city NBA.com uses.
        let lac = find(&rows, "0021801229", "LAC");
        assert_eq!(
            (lac.team_city.as_deref(), lac.team_name.as_deref()),
            (Some("LA"), Some("Clippers"))
        );
        assert!(close(lac.minutes, 265.0));
    }

    #[test]
    fn a_repeated_row_is_rejected_not_merged_twice() {
        let mut body = fixtures::json(FIXTURE);
        let rows = body["resultSets"][0]["rowSet"].as_array_mut().unwrap();
        let first = rows[0].clone();
        rows.push(first);
        let parsed = run_json(&GamelogTeamsProcessor, KEY, &body).unwrap();
        assert_eq!(valid_rows::<NbacTeamBoxscore>(&parsed).len(), 2460);
        assert_eq!(parsed.rejected.len(), 1);
        assert!(parsed.rejected[0].reason.contains("duplicate key"));
    }

    #[test]
    fn structural_problems_name_the_field() {
        let mut body = fixtures::json(FIXTURE);
        let headers = body["resultSets"][0]["headers"].as_array_mut().unwrap();
        let fga = headers.iter().position(|h| h == "FGA").unwrap();
        headers[fga] = json!("FG_ATTEMPTS");
        let err = run_json(&GamelogTeamsProcessor, KEY, &body).unwrap_err();
        assert_eq!(err.field, "resultSets[LeagueGameLog].FGA");
        let mut body = fixtures::json(FIXTURE);
        body["resultSets"][0]["rowSet"][2][6] = json!("CHI at PHI");
        let err = run_json(&GamelogTeamsProcessor, KEY, &body).unwrap_err();
        assert_eq!(err.field, "resultSets[LeagueGameLog].rowSet[2].MATCHUP");
        // A player log under the team prefix is refused, naming why.
        let err = run(
            &GamelogTeamsProcessor,
            KEY,
            &fixtures::bytes("nba-stats/leaguegamelog_players_2025-03-15.json"),
        )
        .unwrap_err();
        assert!(err.field.ends_with("PLAYER_ID"), "{err:?}");
    }

    #[test]
    fn bad_values_fail_validation() {
        let mut row = valid_rows::<NbacTeamBoxscore>(&parsed()).remove(0);
        row.fga = Some(-3);
        row.minutes = Some(500.0);
        row.source_feed = "teamgamelog".into();
        assert_eq!(violated_columns(&row), ["minutes", "fga", "source_feed"]);
    }
}
