//! Input builders for the unit tests.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use crate::{PastGame, PredictionInput};

/// The predicted game's date in every test.
pub fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 10).unwrap()
}

/// A played game `days_before` the test date.
pub fn game(days_before: u64, opponent: &str, is_home: bool, points: i64, days_rest: Option<i64>) -> PastGame {
    PastGame {
        game_date: day().checked_sub_days(Days::new(days_before)).unwrap(),
        opponent_tricode: opponent.into(),
        is_home,
        minutes: Some(32.0),
        points: Some(points),
        days_rest,
        points_line: None,
    }
}

/// An input for LAL (home) against BOS with the given features and `games` played
/// games of 20 points, two days apart, the last one two days before.
pub fn input(features: &[(&str, f64)], games: usize) -> PredictionInput {
    let history = (0..games)
        .map(|i| game(2 * (games - i) as u64, "NYK", i % 2 == 0, 20, Some(2)))
        .collect();
    PredictionInput {
        game_date: day(),
        game_id: "0022400500".into(),
        player_lookup: "testplayer".into(),
        team_tricode: "LAL".into(),
        opponent_tricode: "BOS".into(),
        is_home: true,
        feature_set_version: nba_features::FEATURE_SET_VERSION.into(),
        features: features.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        defaulted: vec![],
        history,
        line: None,
        recent_performance: BTreeMap::new(),
    }
}

/// Every contract feature at its default, overridden by `overrides`.
pub fn full_features(overrides: &[(&str, f64)]) -> BTreeMap<String, f64> {
    let mut map: BTreeMap<String, f64> = nba_features::FEATURES
        .iter()
        .map(|f| (f.name.to_string(), f.default))
        .collect();
    for (k, v) in overrides {
        map.insert(k.to_string(), *v);
    }
    map
}
