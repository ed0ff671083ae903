//! `player_daily_cache`: a player's rolling scoring, minutes and workload before D,
//! the numbers every later factor and feature starts from.

use chrono::{DateTime, NaiveDate, Utc};
use nba_schemas::tables::precompute::PlayerDailyCache;

use crate::history::{PlayerHistory, Slot, TEAM_FORM_GAMES, TeamHistory};
use crate::stats::{mean, r4, r4o, ratio, sample_std, slope};

/// The cache row of one slot.
pub fn player_daily_cache(
    date: NaiveDate,
    slot: &Slot,
    history: &PlayerHistory<'_>,
    team: Option<&TeamHistory<'_>>,
    processed_at: DateTime<Utc>,
) -> PlayerDailyCache {
    let season_points = history.points(usize::MAX);
    let last10 = history.last(10);
    let last7 = history.within_days(date, 7);
    PlayerDailyCache {
        game_date: date,
        player_lookup: slot.player_lookup.clone(),
        player_name: slot.player_name.clone(),
        team_tricode: slot.team.clone(),
        season: slot.season.clone(),
        games_played_season: season_points.len() as i64,
        points_avg_last_3: r4o(mean(&history.points(3))),
        points_avg_last_5: r4o(mean(&history.points(5))),
        points_avg_last_10: r4o(mean(&history.points(10))),
        points_avg_season: r4o(mean(&season_points)),
        points_std_last_10: r4o(sample_std(&history.points(10))),
        points_std_season: r4o(sample_std(&season_points)),
        minutes_avg_last_5: r4o(mean(&history.minutes(5))),
        minutes_avg_last_10: r4o(mean(&history.minutes(10))),
        usage_rate_avg_last_10: r4o(usage_avg(history, 10)),
        points_per_minute_last_10: r4o(points_per_minute(history, 10)),
        points_slope_last_10: r4o(points_slope(history, 10)),
        dnp_rate_last_10: r4o(dnp_rate(history, 10)),
        team_pace_last_10: r4o(team.and_then(|t| t.pace_last(TEAM_FORM_GAMES))),
        team_off_rating_last_10: r4o(team.and_then(|t| t.off_rating_last(TEAM_FORM_GAMES))),
        games_in_last_7_days: last7.len() as i64,
        games_in_last_14_days: history.within_days(date, 14).len() as i64,
        minutes_in_last_7_days: r4(last7.iter().filter_map(|g| g.minutes).sum()),
        last_game_date: last10.first().map(|g| g.game_date),
        data_hash: String::new(),
        processed_at,
    }
}

/// Mean usage rate over the last `n` played games that have one.
pub fn usage_avg(history: &PlayerHistory<'_>, n: usize) -> Option<f64> {
    let v: Vec<f64> = history.last(n).iter().filter_map(|g| g.usage_rate).collect();
    mean(&v)
}

/// Σ points / Σ minutes over the last `n` played games (a rate, not a mean of rates:
/// a 5-minute cameo must not weigh like a full game).
pub fn points_per_minute(history: &PlayerHistory<'_>, n: usize) -> Option<f64> {
    let games = history.last(n);
    let points: f64 = games.iter().filter_map(|g| g.points).map(|p| p as f64).sum();
    let minutes: f64 = games.iter().filter_map(|g| g.minutes).sum();
    ratio(points, minutes)
}

/// Slope of points over the last `n` played games, oldest first.
pub fn points_slope(history: &PlayerHistory<'_>, n: usize) -> Option<f64> {
    let mut points = history.points(n);
    points.reverse();
    slope(&points)
}

/// Share of DNP rows among the last `n` listed rows (played or not).
pub fn dnp_rate(history: &PlayerHistory<'_>, n: usize) -> Option<f64> {
    let listed: Vec<_> = history.listed.iter().take(n).collect();
    let dnp = listed.iter().filter(|g| !crate::history::played(g)).count();
    ratio(dnp as f64, listed.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{game, slot};

    #[test]
    fn averages_windows_and_workload_by_hand() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 20).unwrap();
        // 12 played games, one per 2 days back from Jan 19, points 10..=21 (newest = 21).
        let mut games: Vec<_> = (0..12)
            .map(|i| game("a", d - chrono::Duration::days(1 + 2 * (11 - i)), 10 + i, 30.0))
            .collect();
        // A DNP on Jan 18 (between played games): listed, not played.
        let mut dnp = game("a", NaiveDate::from_ymd_opt(2025, 1, 18).unwrap(), 0, 0.0);
        dnp.is_dnp = true;
        dnp.minutes = None;
        dnp.points = None;
        games.push(dnp);
        games.sort_by_key(|g| g.game_date);
        let h = crate::history::player_histories(&games);
        let c = player_daily_cache(d, &slot("a"), &h["a"], None, Utc::now());
        assert_eq!(c.games_played_season, 12);
        assert_eq!(c.points_avg_last_3, Some(20.0)); // 21, 20, 19
        assert_eq!(c.points_avg_last_5, Some(19.0)); // 21..17
        assert_eq!(c.points_avg_last_10, Some(16.5)); // 21..12
        assert_eq!(c.points_avg_season, Some(15.5)); // 21..10
        // 21..12: sample std of 10 consecutive integers = sqrt(82.5 / 9)
        assert_eq!(c.points_std_last_10, Some(r4((82.5f64 / 9.0).sqrt())));
        assert_eq!(c.points_slope_last_10, Some(1.0));
        assert_eq!(c.minutes_avg_last_10, Some(30.0));
        // 10 listed rows: 1 DNP.
        assert_eq!(c.dnp_rate_last_10, Some(0.1));
        // Played Jan 19, 17, 15, 13 within 7 days (≥ Jan 13); 19, …, 7 within 14 days.
        assert_eq!(c.games_in_last_7_days, 4);
        assert_eq!(c.games_in_last_14_days, 7);
        assert_eq!(c.minutes_in_last_7_days, 120.0);
        assert_eq!(c.points_per_minute_last_10, Some(r4(165.0 / 300.0)));
        assert_eq!(c.last_game_date, NaiveDate::from_ymd_opt(2025, 1, 19));
    }

    #[test]
    fn a_player_without_games_has_nulls_not_zeros() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 20).unwrap();
        let c = player_daily_cache(d, &slot("a"), &PlayerHistory::default(), None, Utc::now());
        assert_eq!(c.points_avg_last_10, None);
        assert_eq!(c.points_std_last_10, None);
        assert_eq!(c.dnp_rate_last_10, None);
        assert_eq!(c.games_in_last_7_days, 0);
    }
}
