//! `team_offense_game_summary` and `team_defense_game_summary`: each team's
//! totals per game, then possessions, pace and ratings. The official team box
//! score (`nba_raw.nbac_team_boxscore`, e.g. the team game log) is preferred;
//! a game without one falls back to the sum of its players' box scores, which
//! undercounts whenever a source misses some players' lines. Computed before
//! player summaries, whose usage rate needs the team totals.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use nba_cloud::Warehouse;
use nba_schemas::tables::analytics::{TEAM_BOX_SCORE_SOURCE, TeamDefenseGameSummary, TeamOffenseGameSummary};
use nba_schemas::tables::raw_nba_com::NbacTeamBoxscore;
use serde_json::json;

use crate::box_score::{BoxLine, GameBox, Source};
use crate::error::AnalyticsError;
use crate::formulas;
use crate::read::rows_of;
use crate::schedule::{DayGames, Game};

/// Where a game's team totals came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotalsSource {
    /// The official team box score (`nba_raw.nbac_team_boxscore`).
    TeamBoxscore,
    /// The players' lines of this source, summed.
    Players(Source),
}

impl TotalsSource {
    /// The `primary_source` value.
    pub fn as_str(self) -> &'static str {
        match self {
            TotalsSource::TeamBoxscore => TEAM_BOX_SCORE_SOURCE,
            TotalsSource::Players(s) => s.as_str(),
        }
    }
}

/// The team box-score rows of `date` (every feed writing `nbac_team_boxscore`).
pub async fn load_team_boxscores(
    warehouse: &dyn Warehouse,
    date: NaiveDate,
) -> Result<Vec<NbacTeamBoxscore>, AnalyticsError> {
    rows_of(warehouse, "game_date = CAST(? AS DATE)", vec![json!(date.to_string())]).await
}

/// Fewest reported team minutes of a whole game: regulation less half an
/// overtime, tolerating minutes summed from rounded player minutes.
pub const MIN_WHOLE_GAME_TEAM_MINUTES: f64 = formulas::REGULATION_TEAM_MINUTES - formulas::OVERTIME_TEAM_MINUTES / 2.0;

/// A team's box score in one game (official, or summed from its players).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamTotals {
    pub team: String,
    pub minutes: f64,
    pub points: i64,
    pub fgm: i64,
    pub fga: i64,
    pub fg3m: i64,
    pub fg3a: i64,
    pub ftm: i64,
    pub fta: i64,
    pub oreb: i64,
    pub dreb: i64,
    pub ast: i64,
    pub tov: i64,
}

impl TeamTotals {
    /// Sums the lines of `team` (a missing stat adds nothing; DNPs add nothing).
    pub fn sum<'a>(team: &str, lines: impl Iterator<Item = &'a BoxLine>) -> TeamTotals {
        let mut t = TeamTotals {
            team: team.to_string(),
            ..Default::default()
        };
        let mut minutes = 0.0;
        for l in lines.filter(|l| l.team == team && !l.is_dnp()) {
            let s = &l.stats;
            minutes += s.minutes.unwrap_or(0.0);
            t.points += s.points.unwrap_or(0);
            t.fgm += s.fgm.unwrap_or(0);
            t.fga += s.fga.unwrap_or(0);
            t.fg3m += s.fg3m.unwrap_or(0);
            t.fg3a += s.fg3a.unwrap_or(0);
            t.ftm += s.ftm.unwrap_or(0);
            t.fta += s.fta.unwrap_or(0);
            t.oreb += s.oreb.unwrap_or(0);
            t.dreb += s.dreb.unwrap_or(0);
            t.ast += s.ast.unwrap_or(0);
            t.tov += s.tov.unwrap_or(0);
        }
        t.minutes = formulas::team_minutes(minutes);
        t
    }

    /// A team box-score row as totals, when it describes a whole game: team
    /// minutes of about regulation or more (a game in progress reports fewer)
    /// and the counts possessions need. The reported minutes are snapped to
    /// regulation plus whole overtimes: NBA.com sends exactly 240/265/…, but a
    /// log built from rounded player minutes says 238 or 241 for a regulation
    /// game, and both teams of one game must share its length.
    pub fn from_team_boxscore(row: &NbacTeamBoxscore) -> Option<TeamTotals> {
        let minutes = row
            .minutes
            .filter(|m| *m >= MIN_WHOLE_GAME_TEAM_MINUTES)
            .map(formulas::team_minutes)?;
        let (fga, fta, oreb, tov, points) = (row.fga?, row.fta?, row.oreb?, row.tov?, row.pts?);
        (fga > 0).then(|| TeamTotals {
            team: row.team_tricode.clone(),
            minutes,
            points,
            fgm: row.fgm.unwrap_or(0),
            fga,
            fg3m: row.fg3m.unwrap_or(0),
            fg3a: row.fg3a.unwrap_or(0),
            ftm: row.ftm.unwrap_or(0),
            fta,
            oreb,
            dreb: row.dreb.unwrap_or(0),
            ast: row.ast.unwrap_or(0),
            tov,
        })
    }

    pub fn possessions(&self) -> f64 {
        formulas::possessions(self.fga, self.fta, self.oreb, self.tov)
    }

    /// FGA + 0.44·FTA + TOV (the usage-rate denominator).
    pub fn plays(&self) -> f64 {
        formulas::plays_used(self.fga, self.fta, self.tov)
    }

    pub fn pace(&self) -> f64 {
        formulas::pace(self.possessions(), self.minutes).unwrap_or(0.0)
    }
}

/// Both teams of one game, with the source they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct GameTotals {
    pub game: Game,
    pub source: TotalsSource,
    pub home: TeamTotals,
    pub away: TeamTotals,
}

impl GameTotals {
    /// (team, opponent, is_home) for both sides.
    pub fn sides(&self) -> [(&TeamTotals, &TeamTotals, bool); 2] {
        [(&self.home, &self.away, true), (&self.away, &self.home, false)]
    }

    pub fn of_team(&self, team: &str) -> Option<&TeamTotals> {
        [&self.home, &self.away].into_iter().find(|t| t.team == team)
    }
}

/// Both teams' official totals of `game`, when the team box score has a whole-game
/// row for each.
fn from_team_boxscores(game: &Game, rows: &[NbacTeamBoxscore]) -> Option<GameTotals> {
    let side = |team: &str| {
        rows.iter()
            .filter(|r| r.game_id == game.game_id && r.team_tricode == team)
            .find_map(TeamTotals::from_team_boxscore)
    };
    Some(GameTotals {
        game: game.clone(),
        source: TotalsSource::TeamBoxscore,
        home: side(&game.home)?,
        away: side(&game.away)?,
    })
}

/// Totals of every game of the day: from the team box score when it has both
/// teams of the game, else summed from the chosen player lines when both teams
/// have players who played.
pub fn game_totals(
    day: &DayGames,
    chosen: &BTreeMap<String, GameBox>,
    team_rows: &[NbacTeamBoxscore],
) -> Vec<GameTotals> {
    day.games
        .iter()
        .filter_map(|game| {
            if let Some(official) = from_team_boxscores(game, team_rows) {
                return Some(official);
            }
            let gb = chosen.get(&game.game_id)?;
            let home = TeamTotals::sum(&game.home, gb.lines.iter());
            let away = TeamTotals::sum(&game.away, gb.lines.iter());
            (home.fga > 0 && away.fga > 0).then(|| GameTotals {
                game: game.clone(),
                source: TotalsSource::Players(gb.source),
                home,
                away,
            })
        })
        .collect()
}

pub fn offense_rows(games: &[GameTotals], processed_at: DateTime<Utc>) -> Vec<TeamOffenseGameSummary> {
    let mut rows = Vec::new();
    for g in games {
        for (team, opp, is_home) in g.sides() {
            let possessions = team.possessions();
            rows.push(TeamOffenseGameSummary {
                game_date: g.game.game_date,
                game_id: g.game.game_id.clone(),
                season: g.game.season.clone(),
                team_tricode: team.team.clone(),
                opponent_tricode: opp.team.clone(),
                is_home,
                minutes: team.minutes,
                points: team.points,
                fgm: team.fgm,
                fga: team.fga,
                fg3m: team.fg3m,
                fg3a: team.fg3a,
                ftm: team.ftm,
                fta: team.fta,
                oreb: team.oreb,
                dreb: team.dreb,
                assists: team.ast,
                turnovers: team.tov,
                possessions,
                pace: team.pace(),
                offensive_rating: formulas::rating(team.points, possessions).unwrap_or(0.0),
                win: (team.points != opp.points).then_some(team.points > opp.points),
                primary_source: g.source.as_str().to_string(),
                data_hash: String::new(),
                processed_at,
            });
        }
    }
    rows
}

pub fn defense_rows(games: &[GameTotals], processed_at: DateTime<Utc>) -> Vec<TeamDefenseGameSummary> {
    let mut rows = Vec::new();
    for g in games {
        for (team, opp, is_home) in g.sides() {
            let possessions = opp.possessions();
            rows.push(TeamDefenseGameSummary {
                game_date: g.game.game_date,
                game_id: g.game.game_id.clone(),
                season: g.game.season.clone(),
                team_tricode: team.team.clone(),
                opponent_tricode: opp.team.clone(),
                is_home,
                points_allowed: opp.points,
                opp_fgm: opp.fgm,
                opp_fga: opp.fga,
                opp_fg3m: opp.fg3m,
                opp_fg3a: opp.fg3a,
                opp_ftm: opp.ftm,
                opp_fta: opp.fta,
                possessions,
                pace: formulas::pace(possessions, team.minutes).unwrap_or(0.0),
                defensive_rating: formulas::rating(opp.points, possessions).unwrap_or(0.0),
                primary_source: g.source.as_str().to_string(),
                data_hash: String::new(),
                processed_at,
            });
        }
    }
    rows
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::box_score::Stats;
    use crate::box_score::tests::line;
    use nba_schemas::Table;

    /// A line with `[fga, fta, oreb, tov, pts]` (unit-test minutes may exceed a player's 70).
    fn shooter(team: &str, opp: &str, who: &str, minutes: f64, counts: [i64; 5]) -> BoxLine {
        let [fga, fta, oreb, tov, pts] = counts;
        let mut l = line(Source::NbacPlayerBoxscores, "0022400001", who, team, opp, Some(minutes));
        l.stats = Stats {
            minutes: Some(minutes),
            points: Some(pts),
            fga: Some(fga),
            fta: Some(fta),
            oreb: Some(oreb),
            tov: Some(tov),
            ..Default::default()
        };
        l
    }

    #[test]
    fn totals_sum_players_and_give_pace_and_ratings() {
        let lines = [
            shooter("BOS", "LAL", "a", 120.0, [50, 10, 6, 8, 60]),
            shooter("BOS", "LAL", "b", 119.9, [40, 15, 4, 6, 52]),
            shooter("LAL", "BOS", "c", 240.1, [85, 20, 9, 15, 105]),
        ];
        let bos = TeamTotals::sum("BOS", lines.iter());
        assert_eq!((bos.fga, bos.fta, bos.oreb, bos.tov, bos.points), (90, 25, 10, 14, 112));
        assert_eq!(bos.minutes, 240.0);
        // 90 + 11 − 10 + 14 = 105 possessions in regulation: pace 105.
        assert!((bos.possessions() - 105.0).abs() < 1e-9);
        assert!((bos.pace() - 105.0).abs() < 1e-9);
        let game = Game {
            game_id: "0022400001".into(),
            game_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            game_code: "20250110_LAL_BOS".into(),
            season: "2024-25".into(),
            tip: None,
            home: "BOS".into(),
            away: "LAL".into(),
            postponed: false,
        };
        let lal = TeamTotals::sum("LAL", lines.iter());
        let totals = [GameTotals {
            game,
            source: TotalsSource::Players(Source::NbacPlayerBoxscores),
            home: bos,
            away: lal,
        }];
        let now = Utc::now();
        let off = offense_rows(&totals, now);
        let def = defense_rows(&totals, now);
        assert_eq!(off[0].win, Some(true));
        assert!((off[0].offensive_rating - 100.0 * 112.0 / 105.0).abs() < 1e-9);
        // LAL possessions: 85 + 8.8 − 9 + 15 = 99.8; BOS's defence allowed 105 on them.
        assert!((def[0].possessions - 99.8).abs() < 1e-9);
        assert!((def[0].defensive_rating - 100.0 * 105.0 / 99.8).abs() < 1e-9);
        assert_eq!(def[1].points_allowed, 112);
    }

    fn game(id: &str, home: &str, away: &str) -> Game {
        Game {
            game_id: id.into(),
            game_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            game_code: format!("20250110_{away}_{home}"),
            season: "2024-25".into(),
            tip: None,
            home: home.into(),
            away: away.into(),
            postponed: false,
        }
    }

    /// A team box-score row with `[fga, fta, oreb, tov, pts]` and team minutes.
    pub(crate) fn team_row(
        game: &str,
        team: &str,
        opp: &str,
        minutes: Option<f64>,
        counts: [i64; 5],
    ) -> NbacTeamBoxscore {
        let [fga, fta, oreb, tov, pts] = counts;
        NbacTeamBoxscore {
            game_id: game.into(),
            game_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
            season: "2024-25".into(),
            season_type: "Regular Season".into(),
            team_id: 1_610_612_738,
            team_tricode: team.into(),
            team_city: None,
            team_name: None,
            opponent_team_id: None,
            opponent_tricode: Some(opp.into()),
            is_home: None,
            minutes,
            fgm: Some(fga / 2),
            fga: Some(fga),
            fg_pct: None,
            fg3m: Some(12),
            fg3a: Some(35),
            fg3_pct: None,
            ftm: Some(fta - 3),
            fta: Some(fta),
            ft_pct: None,
            oreb: Some(oreb),
            dreb: Some(33),
            reb: Some(oreb + 33),
            ast: Some(25),
            stl: Some(7),
            blk: Some(4),
            tov: Some(tov),
            pf: Some(19),
            pts: Some(pts),
            plus_minus: None,
            source_feed: "leaguegamelog".into(),
            source_file: "gs://nba-scraped-data/nba-com/gamelog-teams/x.json".into(),
            data_hash: String::new(),
            processed_at: Utc::now(),
        }
    }

    fn chosen_of(lines: Vec<BoxLine>) -> BTreeMap<String, GameBox> {
        crate::box_score::choose(lines)
    }

    #[test]
    fn the_team_box_score_is_preferred_over_summed_players() {
        let g1 = game("0022400001", "BOS", "LAL");
        let g2 = game("0022400002", "NYK", "GSW");
        let day = DayGames::new(g1.game_date, vec![g1.clone(), g2.clone()]);
        // Game 1's player lines are incomplete (one player each side); game 2 has no team rows.
        let mut lines = vec![
            shooter("BOS", "LAL", "a", 240.0, [50, 10, 6, 8, 60]),
            shooter("LAL", "BOS", "c", 240.0, [60, 12, 5, 9, 70]),
            shooter("NYK", "GSW", "n", 240.0, [88, 20, 10, 12, 110]),
            shooter("GSW", "NYK", "w", 240.0, [75, 18, 8, 14, 101]),
        ];
        for l in &mut lines[2..] {
            l.game_id = g2.game_id.clone();
        }
        let team_rows = [
            // Overtime: 265 team minutes, used as reported.
            team_row(&g1.game_id, "BOS", "LAL", Some(265.0), [95, 24, 11, 13, 121]),
            team_row(&g1.game_id, "LAL", "BOS", Some(265.0), [99, 20, 9, 15, 118]),
            // Another day's feed row of an unrelated game: ignored.
            team_row("0022400099", "NYK", "GSW", Some(240.0), [1, 1, 1, 1, 1]),
        ];
        let totals = game_totals(&day, &chosen_of(lines), &team_rows);
        assert_eq!(totals.len(), 2);
        let t1 = &totals[0];
        assert_eq!(t1.source, TotalsSource::TeamBoxscore);
        assert_eq!(t1.source.as_str(), "nbac_team_boxscore");
        assert_eq!((t1.home.team.as_str(), t1.home.fga, t1.home.points), ("BOS", 95, 121));
        assert_eq!((t1.home.fg3m, t1.home.dreb, t1.home.ast), (12, 33, 25));
        assert_eq!(t1.home.minutes, 265.0);
        // 95 + 0.44·24 − 11 + 13 = 107.56 possessions; pace 48·107.56/(265/5).
        let poss = 95.0 + 0.44 * 24.0 - 11.0 + 13.0;
        assert!((t1.home.possessions() - poss).abs() < 1e-9);
        assert!((t1.home.pace() - 48.0 * poss / 53.0).abs() < 1e-9);
        // No team rows for game 2: its players' lines are summed.
        let t2 = &totals[1];
        assert_eq!(t2.source, TotalsSource::Players(Source::NbacPlayerBoxscores));
        assert_eq!((t2.home.team.as_str(), t2.home.fga, t2.away.fga), ("NYK", 88, 75));

        let now = Utc::now();
        let off = offense_rows(&totals, now);
        let bos = off.iter().find(|r| r.team_tricode == "BOS").unwrap();
        assert_eq!(bos.primary_source, "nbac_team_boxscore");
        assert_eq!((bos.fga, bos.points, bos.minutes), (95, 121, 265.0));
        assert!((bos.pace - 48.0 * poss / 53.0).abs() < 1e-9);
        assert!((bos.offensive_rating - 100.0 * 121.0 / poss).abs() < 1e-9);
        assert_eq!(bos.win, Some(true));
        let nyk = off.iter().find(|r| r.team_tricode == "NYK").unwrap();
        assert_eq!(nyk.primary_source, "nbac_player_boxscores");
        let def = defense_rows(&totals, now);
        let lal_d = def.iter().find(|r| r.team_tricode == "LAL").unwrap();
        assert_eq!(
            (lal_d.points_allowed, lal_d.primary_source.as_str()),
            (121, "nbac_team_boxscore")
        );
        assert!((lal_d.possessions - poss).abs() < 1e-9);
        // Every row passes its table's checks, the new source included.
        for r in &off {
            nba_schemas::validate_row(TeamOffenseGameSummary::SCHEMA, &r.to_row()).unwrap();
        }
        for r in &def {
            nba_schemas::validate_row(TeamDefenseGameSummary::SCHEMA, &r.to_row()).unwrap();
        }
    }

    #[test]
    fn an_incomplete_team_box_score_falls_back_to_the_players() {
        let g = game("0022400001", "BOS", "LAL");
        let day = DayGames::new(g.game_date, vec![g.clone()]);
        let lines = vec![
            shooter("BOS", "LAL", "a", 240.0, [50, 10, 6, 8, 60]),
            shooter("LAL", "BOS", "c", 240.0, [60, 12, 5, 9, 70]),
        ];
        let fallback = |rows: &[NbacTeamBoxscore]| game_totals(&day, &chosen_of(lines.clone()), rows)[0].source;
        let players = TotalsSource::Players(Source::NbacPlayerBoxscores);
        // Only one side has a row.
        let bos = team_row(&g.game_id, "BOS", "LAL", Some(240.0), [95, 24, 11, 13, 121]);
        assert_eq!(fallback(std::slice::from_ref(&bos)), players);
        // A game in progress (well short of regulation minutes), or no minutes.
        let lal_live = team_row(&g.game_id, "LAL", "BOS", Some(180.0), [70, 15, 6, 10, 88]);
        assert_eq!(fallback(&[bos.clone(), lal_live]), players);
        let lal_no_minutes = team_row(&g.game_id, "LAL", "BOS", None, [99, 20, 9, 15, 118]);
        assert_eq!(fallback(&[bos.clone(), lal_no_minutes]), players);
        // A row missing a count possessions need.
        let mut lal_holed = team_row(&g.game_id, "LAL", "BOS", Some(240.0), [99, 20, 9, 15, 118]);
        lal_holed.tov = None;
        assert_eq!(fallback(&[bos.clone(), lal_holed]), players);
        // Complete: the team box score wins. Minutes summed from rounded player
        // minutes (238, 241) are snapped to the game's length.
        let lal = team_row(&g.game_id, "LAL", "BOS", Some(238.0), [99, 20, 9, 15, 118]);
        let mut bos_241 = bos.clone();
        bos_241.minutes = Some(241.0);
        let official = game_totals(&day, &chosen_of(lines.clone()), &[bos_241, lal]);
        assert_eq!(official[0].source, TotalsSource::TeamBoxscore);
        assert_eq!((official[0].home.minutes, official[0].away.minutes), (240.0, 240.0));
        let ot = team_row(&g.game_id, "LAL", "BOS", Some(264.0), [99, 20, 9, 15, 118]);
        assert_eq!(game_totals(&day, &BTreeMap::new(), &[bos, ot])[0].away.minutes, 265.0);
        // Neither source: no totals.
        assert!(game_totals(&day, &BTreeMap::new(), &[]).is_empty());
    }
}
