//! Leak guards: checks on what the harness is about to show a system, so a
//! point-in-time bug fails the evaluation loudly instead of producing a
//! beautiful, worthless hit rate.
//!
//! * [`check_training`]: every training example is dated strictly before the
//!   predicted date (a model must never be fitted on the day it predicts, or later).
//! * [`check_history`]: the same for the player history a system sees.
//! * [`TargetLeakScanner`]: a feature that equals the target (the points scored
//!   that very day) on almost every row is the target itself, leaked into the
//!   vector: no honest feature matches the points scored to the decimal 90 % of
//!   the time.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use nba_systems::PastGame;
use serde::Serialize;

use crate::evaluate::dataset::TrainingRow;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LeakError {
    #[error(
        "training row for {player} dated {row_date} offered to predict {date}: training rows must be strictly before it"
    )]
    TrainingNotBefore {
        date: NaiveDate,
        row_date: NaiveDate,
        player: String,
    },
    #[error("history of {player} holds a game of {row_date} when predicting {date}")]
    HistoryNotBefore {
        date: NaiveDate,
        row_date: NaiveDate,
        player: String,
    },
    #[error(
        "feature {feature} equals the actual points on {share:.0}% of {rows} {what} rows: the target is leaking into the vector"
    )]
    FeatureIsTarget {
        feature: String,
        share: f64,
        rows: u64,
        what: &'static str,
    },
}

/// What a training set covered, for the report (proof the guard ran).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingWindow {
    /// The date the models trained here predict from.
    pub as_of: NaiveDate,
    pub rows: usize,
    /// The latest training example: strictly before `as_of`.
    pub latest_row: Option<NaiveDate>,
}

/// Fails on any training example dated on or after `as_of`.
pub fn check_training(rows: &[TrainingRow], as_of: NaiveDate) -> Result<TrainingWindow, LeakError> {
    if let Some(r) = rows.iter().find(|r| r.game_date >= as_of) {
        return Err(LeakError::TrainingNotBefore {
            date: as_of,
            row_date: r.game_date,
            player: r.player_lookup.clone(),
        });
    }
    Ok(TrainingWindow {
        as_of,
        rows: rows.len(),
        latest_row: rows.iter().map(|r| r.game_date).max(),
    })
}

/// Fails on any past game dated on or after `date`.
pub fn check_history(player: &str, history: &[PastGame], date: NaiveDate) -> Result<(), LeakError> {
    match history.iter().find(|g| g.game_date >= date) {
        Some(g) => Err(LeakError::HistoryNotBefore {
            date,
            row_date: g.game_date,
            player: player.to_string(),
        }),
        None => Ok(()),
    }
}

/// Counts, per feature, how often its value equals the points scored.
#[derive(Debug, Clone, Default)]
pub struct TargetLeakScanner {
    rows: u64,
    equal: BTreeMap<String, u64>,
}

impl TargetLeakScanner {
    /// Below this many rows a coincidence is too likely to judge.
    pub const MIN_ROWS: u64 = 30;
    /// Share of exact matches above which a feature is the target.
    pub const MAX_SHARE: f64 = 0.9;

    pub fn observe(&mut self, features: &BTreeMap<String, f64>, actual_points: f64) {
        self.rows += 1;
        for (name, value) in features {
            if (value - actual_points).abs() < 1e-9 {
                *self.equal.entry(name.clone()).or_default() += 1;
            }
        }
    }

    pub fn verdict(&self, what: &'static str) -> Result<(), LeakError> {
        if self.rows < Self::MIN_ROWS {
            return Ok(());
        }
        for (feature, equal) in &self.equal {
            let share = *equal as f64 / self.rows as f64;
            if share >= Self::MAX_SHARE {
                return Err(LeakError::FeatureIsTarget {
                    feature: feature.clone(),
                    share: share * 100.0,
                    rows: self.rows,
                    what,
                });
            }
        }
        Ok(())
    }
}

/// Scans a training set for a feature that is its own target.
pub fn check_target_leak(rows: &[TrainingRow]) -> Result<(), LeakError> {
    let mut scanner = TargetLeakScanner::default();
    for r in rows {
        scanner.observe(&r.features, r.actual_points);
    }
    scanner.verdict("training")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, day).unwrap()
    }

    fn row(day: u32, points: f64, leak: bool) -> TrainingRow {
        let mut features = BTreeMap::from([("points_avg_last_5".to_string(), 20.0)]);
        if leak {
            features.insert("points_avg_last_3".into(), points);
        }
        TrainingRow {
            game_date: d(day),
            player_lookup: "p".into(),
            features,
            line: None,
            actual_points: points,
        }
    }

    #[test]
    fn training_rows_on_or_after_the_date_are_refused() {
        let rows = vec![row(1, 10.0, false), row(2, 12.0, false)];
        let window = check_training(&rows, d(3)).unwrap();
        assert_eq!(window.latest_row, Some(d(2)));
        let err = check_training(&rows, d(2)).unwrap_err();
        assert!(matches!(err, LeakError::TrainingNotBefore { row_date, .. } if row_date == d(2)));
    }

    #[test]
    fn a_feature_equal_to_the_target_is_caught_and_an_honest_one_is_not() {
        let honest: Vec<_> = (0..40).map(|i| row(1, 10.0 + i as f64, false)).collect();
        assert!(check_target_leak(&honest).is_ok());
        let leaky: Vec<_> = (0..40).map(|i| row(1, 10.0 + i as f64, true)).collect();
        let err = check_target_leak(&leaky).unwrap_err();
        assert!(matches!(err, LeakError::FeatureIsTarget { ref feature, .. } if feature == "points_avg_last_3"));
    }
}
