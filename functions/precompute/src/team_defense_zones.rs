//! `team_defense_zone_analysis`: what opponents shot against a team over its last
//! 15 games, against the league over the same window (every team's last 15 games
//! before D, pooled). Box-score zones only (three, two, free throw), as for players.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::tables::analytics::TeamDefenseGameSummary;
use nba_schemas::tables::precompute::TeamDefenseZoneAnalysis;

use crate::history::TeamHistory;
use crate::shot_zones::{BOX_SCORE_FALLBACK, BOX_SCORE_FALLBACK_QUALITY, Shooting, ZoneSplit};
use crate::stats::{largest_zone, mean, r4o, ratio};

/// Games in a team's defensive window.
pub const DEFENSE_WINDOW: usize = 15;

/// Pooled totals of a set of defensive games.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DefenseTotals {
    pub shooting: Shooting,
    pub points_allowed: i64,
    pub possessions: f64,
}

impl DefenseTotals {
    pub fn add(&mut self, g: &TeamDefenseGameSummary) {
        self.shooting.add(
            Some(g.opp_fgm),
            Some(g.opp_fga),
            Some(g.opp_fg3m),
            Some(g.opp_fg3a),
            Some(g.opp_ftm),
            Some(g.opp_fta),
        );
        self.points_allowed += g.points_allowed;
        self.possessions += g.possessions;
    }

    /// Points allowed per 100 possessions, pooled (not a mean of per-game ratings).
    pub fn defensive_rating(&self) -> Option<f64> {
        ratio(100.0 * self.points_allowed as f64, self.possessions)
    }
}

/// The team's last [`DEFENSE_WINDOW`] games, newest first.
fn window<'t, 'b>(team: &'t TeamHistory<'b>) -> &'t [&'b TeamDefenseGameSummary] {
    &team.defense[..team.defense.len().min(DEFENSE_WINDOW)]
}

/// Allowed minus league accuracy.
fn versus(team: Option<f64>, league: Option<f64>) -> Option<f64> {
    Some(team? - league?)
}

/// The zone whose allowed accuracy exceeds the league's most (first of two, three, free throw on ties).
pub fn weakest_zone(two: Option<f64>, three: Option<f64>, ft: Option<f64>) -> Option<&'static str> {
    largest_zone(two, three, ft)
}

/// Rows for every team with games before D.
pub fn team_defense_zones(
    date: NaiveDate,
    season: &str,
    teams: &BTreeMap<&str, TeamHistory<'_>>,
    processed_at: DateTime<Utc>,
) -> Vec<TeamDefenseZoneAnalysis> {
    let mut league = DefenseTotals::default();
    for team in teams.values() {
        for g in window(team) {
            league.add(g);
        }
    }
    let league_split = league.shooting.split();
    let league_pace = crate::history::league_pace(teams);
    teams
        .iter()
        .filter(|(_, t)| !t.defense.is_empty())
        .map(|(tricode, team)| {
            team_row(
                date,
                season,
                tricode,
                team,
                (&league, &league_split, league_pace),
                processed_at,
            )
        })
        .collect()
}

fn team_row(
    date: NaiveDate,
    season: &str,
    tricode: &str,
    team: &TeamHistory<'_>,
    (league, league_split, league_pace): (&DefenseTotals, &ZoneSplit, Option<f64>),
    processed_at: DateTime<Utc>,
) -> TeamDefenseZoneAnalysis {
    let games = window(team);
    let mut totals = DefenseTotals::default();
    for g in games {
        totals.add(g);
    }
    let z = totals.shooting.split();
    let pace: Vec<f64> = games.iter().map(|g| g.pace).collect();
    let two_vs = versus(z.two_pct, league_split.two_pct);
    let three_vs = versus(z.three_pct, league_split.three_pct);
    let ft_vs = versus(z.free_throw_pct, league_split.free_throw_pct);
    TeamDefenseZoneAnalysis {
        game_date: date,
        team_tricode: tricode.to_string(),
        season: season.to_string(),
        games_in_window: games.len() as i64,
        points_allowed_avg: r4o(ratio(totals.points_allowed as f64, games.len() as f64)),
        defensive_rating: r4o(totals.defensive_rating()),
        pace: r4o(mean(&pace)),
        opp_paint_share: None,
        opp_mid_range_share: None,
        opp_two_share: r4o(z.two_share),
        opp_three_share: r4o(z.three_share),
        opp_free_throw_share: r4o(z.free_throw_share),
        opp_paint_pct: None,
        opp_mid_range_pct: None,
        opp_two_pct: r4o(z.two_pct),
        opp_three_pct: r4o(z.three_pct),
        opp_free_throw_pct: r4o(z.free_throw_pct),
        league_two_pct: r4o(league_split.two_pct),
        league_three_pct: r4o(league_split.three_pct),
        league_free_throw_pct: r4o(league_split.free_throw_pct),
        league_defensive_rating: r4o(league.defensive_rating()),
        league_pace: r4o(league_pace),
        two_pct_vs_league: r4o(two_vs),
        three_pct_vs_league: r4o(three_vs),
        free_throw_pct_vs_league: r4o(ft_vs),
        weakest_zone: weakest_zone(two_vs, three_vs, ft_vs).map(str::to_string),
        zone_source: BOX_SCORE_FALLBACK.into(),
        data_quality: BOX_SCORE_FALLBACK_QUALITY,
        data_hash: String::new(),
        processed_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::defense;

    #[test]
    fn allowed_shooting_against_the_league_by_hand() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 20).unwrap();
        let day = |n| d - chrono::Duration::days(n);
        // AAA allows 40/80 FG with 12/30 threes (twos 28/50 = .56), 15/20 FT, 100 possessions.
        // BBB allows 36/90 FG with 9/36 threes (twos 27/54 = .50), 18/24 FT, 100 possessions.
        let rows = vec![
            defense("AAA", day(2), (40, 80, 12, 30, 15, 20)),
            defense("BBB", day(2), (36, 90, 9, 36, 18, 24)),
        ];
        let inputs = crate::inputs::Inputs {
            team_defense: rows,
            ..Default::default()
        };
        let teams = crate::history::team_histories(&inputs);
        let out = team_defense_zones(d, "2024-25", &teams, Utc::now());
        let a = &out[0];
        assert_eq!(a.team_tricode, "AAA");
        assert_eq!(a.opp_three_pct, Some(0.4));
        assert_eq!(a.opp_two_pct, Some(0.56));
        // League: threes 21/66, twos 55/104, FT 33/44.
        assert_eq!(a.league_three_pct, r4o(Some(21.0 / 66.0)));
        assert_eq!(a.three_pct_vs_league, r4o(Some(0.4 - 21.0 / 66.0)));
        assert_eq!(a.two_pct_vs_league, r4o(Some(0.56 - 55.0 / 104.0)));
        assert_eq!(a.free_throw_pct_vs_league, r4o(Some(0.75 - 0.75)));
        assert_eq!(a.weakest_zone.as_deref(), Some("three"));
        // Points allowed 28·2 + 12·3 + 15 = 107 per 100 possessions.
        assert_eq!(a.points_allowed_avg, Some(107.0));
        assert_eq!(a.defensive_rating, Some(107.0));
        assert_eq!(a.opp_paint_pct, None);
        assert_eq!(a.zone_source, "box_score_fallback");
    }

    #[test]
    fn only_the_last_15_games_count() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        // 20 games: the 5 oldest allowed 0/10 threes, the 15 newest 5/10.
        let rows: Vec<_> = (0..20)
            .map(|i| {
                let made = if i < 5 { 0 } else { 5 };
                defense(
                    "AAA",
                    d - chrono::Duration::days(40 - 2 * i),
                    (30, 80, made, 10, 10, 10),
                )
            })
            .collect();
        let inputs = crate::inputs::Inputs {
            team_defense: rows,
            ..Default::default()
        };
        let teams = crate::history::team_histories(&inputs);
        let out = team_defense_zones(d, "2024-25", &teams, Utc::now());
        assert_eq!(out[0].games_in_window, 15);
        assert_eq!(out[0].opp_three_pct, Some(0.5));
    }
}
