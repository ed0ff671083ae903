//! `team_offense_game_summary` and `team_defense_game_summary`: each team's
//! players' box scores summed per game (the replay holds no team box score),
//! then possessions, pace and ratings. Computed before player summaries,
//! whose usage rate needs the team totals.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use nba_schemas::tables::analytics::{TeamDefenseGameSummary, TeamOffenseGameSummary};

use crate::box_score::{BoxLine, GameBox, Source};
use crate::formulas;
use crate::schedule::{DayGames, Game};

/// A team's summed box score in one game.
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
    pub source: Source,
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

/// Totals of every chosen game where both teams have players who played.
pub fn game_totals(day: &DayGames, chosen: &BTreeMap<String, GameBox>) -> Vec<GameTotals> {
    chosen
        .values()
        .filter_map(|gb| {
            let game = day.by_id(&gb.game_id)?;
            let home = TeamTotals::sum(&game.home, gb.lines.iter());
            let away = TeamTotals::sum(&game.away, gb.lines.iter());
            (home.fga > 0 && away.fga > 0).then(|| GameTotals {
                game: game.clone(),
                source: gb.source,
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
mod tests {
    use super::*;
    use crate::box_score::Stats;
    use crate::box_score::tests::line;

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
            source: Source::NbacPlayerBoxscores,
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
}
