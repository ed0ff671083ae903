//! The formulas of phase 3, as pure functions (unit-tested on hand-computed cases).
//!
//! Every rate returns `None` when its denominator is zero or unknown: a
//! missing rate is not a rate of 0.

use chrono::NaiveDate;

/// Minutes one team plays in regulation (5 players × 48).
pub const REGULATION_TEAM_MINUTES: f64 = 240.0;
/// Team minutes each overtime adds (5 players × 5).
pub const OVERTIME_TEAM_MINUTES: f64 = 25.0;

/// Estimated possessions: FGA + 0.44·FTA − OREB + TOV.
pub fn possessions(fga: i64, fta: i64, oreb: i64, tov: i64) -> f64 {
    fga as f64 + 0.44 * fta as f64 - oreb as f64 + tov as f64
}

/// Possessions per 48 minutes: 48 · possessions / (team minutes / 5).
pub fn pace(possessions: f64, team_minutes: f64) -> Option<f64> {
    (team_minutes > 0.0).then(|| 48.0 * possessions / (team_minutes / 5.0))
}

/// Points per 100 possessions (offensive rating of the scorer, defensive rating
/// of the team that allowed them).
pub fn rating(points: i64, possessions: f64) -> Option<f64> {
    (possessions > 0.0).then(|| 100.0 * points as f64 / possessions)
}

/// Team minutes from the sum of its players' minutes, snapped to regulation
/// plus whole overtimes: players' decimal minutes rarely add up exactly
/// (239.98), and a missing player minute must not shrink the game.
pub fn team_minutes(player_minutes_sum: f64) -> f64 {
    let overtimes = ((player_minutes_sum - REGULATION_TEAM_MINUTES) / OVERTIME_TEAM_MINUTES).round();
    REGULATION_TEAM_MINUTES + OVERTIME_TEAM_MINUTES * overtimes.max(0.0)
}

/// Plays a player (or team) used: FGA + 0.44·FTA + TOV.
pub fn plays_used(fga: i64, fta: i64, tov: i64) -> f64 {
    fga as f64 + 0.44 * fta as f64 + tov as f64
}

/// Usage rate in percent: 100 · plays · (team minutes / 5) / (minutes · team plays).
/// `None` for a player without minutes or a team without plays.
pub fn usage_rate(player_plays: f64, minutes: f64, team_plays: f64, team_minutes: f64) -> Option<f64> {
    (minutes > 0.0 && team_plays > 0.0).then(|| 100.0 * player_plays * (team_minutes / 5.0) / (minutes * team_plays))
}

/// True shooting: pts / (2 · (FGA + 0.44·FTA)); `None` without a shot.
pub fn true_shooting(points: i64, fga: i64, fta: i64) -> Option<f64> {
    let attempts = fga as f64 + 0.44 * fta as f64;
    (attempts > 0.0).then(|| points as f64 / (2.0 * attempts))
}

/// Effective field-goal percentage: (FGM + 0.5·3PM) / FGA; `None` without a field goal attempt.
pub fn effective_fg(fgm: i64, fg3m: i64, fga: i64) -> Option<f64> {
    (fga > 0).then(|| (fgm as f64 + 0.5 * fg3m as f64) / fga as f64)
}

/// Over/under of an actual against a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverUnder {
    Over,
    Under,
    Push,
}

impl OverUnder {
    pub fn as_str(self) -> &'static str {
        match self {
            OverUnder::Over => "OVER",
            OverUnder::Under => "UNDER",
            OverUnder::Push => "PUSH",
        }
    }
}

/// The result of `actual` points against `line`: PUSH when equal (whole-number lines).
pub fn over_under(actual: i64, line: f64) -> OverUnder {
    let actual = actual as f64;
    if actual > line {
        OverUnder::Over
    } else if actual < line {
        OverUnder::Under
    } else {
        OverUnder::Push
    }
}

/// Days since the previous game: 1 the day after a game (a back-to-back).
/// `None` before the first game.
pub fn days_rest(game_date: NaiveDate, previous_game: Option<NaiveDate>) -> Option<i64> {
    previous_game.map(|p| (game_date - p).num_days())
}

/// A back-to-back: the previous game was the day before.
pub fn is_back_to_back(days_rest: Option<i64>) -> bool {
    days_rest == Some(1)
}

/// Whether `played` falls in the `days` days before `game_date` (game_date excluded:
/// the game ahead is never part of its own history).
pub fn in_last_days(game_date: NaiveDate, played: NaiveDate, days: i64) -> bool {
    let ago = (game_date - played).num_days();
    (1..=days).contains(&ago)
}

/// Games and minutes over the `days` days before `game_date`, from (date, minutes) of games played.
pub fn window(game_date: NaiveDate, games: &[(NaiveDate, f64)], days: i64) -> (i64, f64) {
    games
        .iter()
        .filter(|(d, _)| in_last_days(game_date, *d, days))
        .fold((0, 0.0), |(n, m), (_, minutes)| (n + 1, m + minutes))
}

/// Share of `present` out of `total` fields (1.0 when nothing was expected).
pub fn completeness(present: usize, total: usize) -> f64 {
    if total == 0 { 1.0 } else { present as f64 / total as f64 }
}

/// (total − spread) / 2: the points a team is expected to score.
pub fn implied_team_total(game_total: f64, spread: f64) -> f64 {
    (game_total - spread) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, day).unwrap()
    }

    #[test]
    fn possessions_pace_and_ratings() {
        // 88 FGA, 25 FTA, 10 OREB, 14 TOV → 88 + 11 − 10 + 14 = 103.
        let p = possessions(88, 25, 10, 14);
        assert!(close(p, 103.0));
        // Regulation: 48 · 103 / 48 = 103.
        assert!(close(pace(p, 240.0).unwrap(), 103.0));
        // One overtime: 48 · 103 / 53.
        assert!(close(pace(p, 265.0).unwrap(), 48.0 * 103.0 / 53.0));
        assert_eq!(pace(p, 0.0), None);
        // 115 points on 103 possessions.
        assert!(close(rating(115, p).unwrap(), 100.0 * 115.0 / 103.0));
        assert_eq!(rating(10, 0.0), None);
    }

    #[test]
    fn team_minutes_snap_to_regulation_and_overtimes() {
        assert!(close(team_minutes(239.98), 240.0));
        assert!(close(team_minutes(240.4), 240.0));
        assert!(close(team_minutes(265.1), 265.0));
        assert!(close(team_minutes(289.7), 290.0));
        // Missing minutes never shrink a game below regulation.
        assert!(close(team_minutes(0.0), 240.0));
    }

    #[test]
    fn usage_rate_matches_the_hand_computation() {
        // Player: 20 FGA, 5 FTA, 3 TOV in 36 min → plays 25.2.
        // Team: 90 FGA, 20 FTA, 12 TOV → plays 110.8, 240 min.
        // 100 · 25.2 · 48 / (36 · 110.8) = 30.3249…
        let u = usage_rate(plays_used(20, 5, 3), 36.0, plays_used(90, 20, 12), 240.0).unwrap();
        assert!(close(u, 100.0 * 25.2 * 48.0 / (36.0 * 110.8)), "{u}");
        assert!((u - 30.3249).abs() < 1e-3);
        assert_eq!(usage_rate(5.0, 0.0, 100.0, 240.0), None);
        assert_eq!(usage_rate(5.0, 10.0, 0.0, 240.0), None);
    }

    #[test]
    fn shooting_efficiency() {
        // 30 pts on 20 FGA, 10 FTA: 30 / (2 · 24.4) = 0.61475…
        assert!(close(true_shooting(30, 20, 10).unwrap(), 30.0 / 48.8));
        assert_eq!(true_shooting(0, 0, 0), None);
        // 8 FGM with 2 threes on 16 FGA: (8 + 1) / 16.
        assert!(close(effective_fg(8, 2, 16).unwrap(), 9.0 / 16.0));
        assert_eq!(effective_fg(0, 0, 0), None);
    }

    #[test]
    fn over_under_with_push() {
        assert_eq!(over_under(25, 24.5), OverUnder::Over);
        assert_eq!(over_under(24, 24.5), OverUnder::Under);
        assert_eq!(over_under(24, 24.0), OverUnder::Push);
        assert_eq!(over_under(24, 24.0).as_str(), "PUSH");
    }

    #[test]
    fn rest_days_and_back_to_backs() {
        assert_eq!(days_rest(d(11), Some(d(10))), Some(1));
        assert!(is_back_to_back(days_rest(d(11), Some(d(10)))));
        assert_eq!(days_rest(d(13), Some(d(10))), Some(3));
        assert!(!is_back_to_back(Some(3)));
        assert_eq!(days_rest(d(13), None), None);
        assert!(!is_back_to_back(None));
    }

    #[test]
    fn windows_exclude_the_game_day_and_count_the_days_before() {
        let games = [(d(1), 30.0), (d(3), 32.5), (d(8), 20.0), (d(14), 35.0), (d(15), 40.0)];
        // On the 15th: last 7 days = 8th..14th; last 14 = 1st..14th. The 15th itself never counts.
        assert_eq!(window(d(15), &games, 7), (2, 55.0));
        assert_eq!(window(d(15), &games, 14), (4, 117.5));
        assert!(!in_last_days(d(15), d(15), 7));
        assert!(in_last_days(d(15), d(8), 7));
        assert!(!in_last_days(d(15), d(7), 7));
    }

    #[test]
    fn completeness_and_implied_totals() {
        assert!(close(completeness(15, 16), 0.9375));
        assert!(close(completeness(0, 0), 1.0));
        // Favourite at −6.5 with a 224.5 total: (224.5 + 6.5) / 2 = 115.5.
        assert!(close(implied_team_total(224.5, -6.5), 115.5));
        assert!(close(implied_team_total(224.5, 6.5), 109.0));
    }
}
