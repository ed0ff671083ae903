//! The confidence heuristic every system shares, and the small statistics it needs.
//!
//! Confidence (0–1) is not a calibrated probability: it ranks how much a prediction
//! should be trusted, and the recommendation refuses picks under a floor. It is the
//! product of a per-system ceiling and three discounts:
//!
//! * history: a player with few played games has noisy averages
//!   (`0.5 + 0.5·min(games / 10, 1)`: half trust with no games, full trust from ten);
//! * feature quality: every defaulted feature costs 4 %, a defaulted critical feature
//!   25 % more (the vector is not quality-ready), floored at 0.4;
//! * volatility: the coefficient of variation of the last ten games, `std / mean`,
//!   discounts as `1 / (1 + cv)`: a 20 ± 5 scorer keeps 80 %, a 10 ± 8 scorer 56 %.

use crate::PredictionInput;

/// Games of history from which the history discount stops applying.
pub const FULL_HISTORY_GAMES: usize = 10;
/// Cost of each defaulted feature.
pub const DEFAULTED_FEATURE_COST: f64 = 0.04;
/// Extra factor when a critical feature was defaulted.
pub const CRITICAL_DEFAULT_FACTOR: f64 = 0.75;
/// Floor of the quality discount.
pub const QUALITY_FLOOR: f64 = 0.4;

/// Mean of a slice; `None` when empty.
pub fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Sample standard deviation; `None` with fewer than two values.
pub fn sample_std(xs: &[f64]) -> Option<f64> {
    let m = mean(xs)?;
    (xs.len() >= 2).then(|| (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt())
}

/// The last `n` values (all of them when fewer).
pub fn last_n(xs: &[f64], n: usize) -> &[f64] {
    &xs[xs.len().saturating_sub(n)..]
}

/// Played-game points before the game date, oldest first.
pub fn played_points(input: &PredictionInput) -> Vec<f64> {
    input.played_before().iter().filter_map(|g| g.played_points()).collect()
}

/// The history discount for `games` played games.
pub fn history_factor(games: usize) -> f64 {
    0.5 + 0.5 * (games.min(FULL_HISTORY_GAMES) as f64 / FULL_HISTORY_GAMES as f64)
}

/// The feature-quality discount for the input's defaulted features.
pub fn quality_factor(input: &PredictionInput) -> f64 {
    let critical = input
        .defaulted
        .iter()
        .any(|name| nba_features::CONTRACT.spec(name).is_some_and(|s| s.critical));
    let mut q = 1.0 - DEFAULTED_FEATURE_COST * input.defaulted.len() as f64;
    if critical {
        q *= CRITICAL_DEFAULT_FACTOR;
    }
    q.max(QUALITY_FLOOR)
}

/// The volatility discount from the std and mean of the last ten games.
pub fn volatility_factor(std_last_10: f64, mean_last_10: f64) -> f64 {
    let cv = std_last_10.max(0.0) / mean_last_10.max(1.0);
    1.0 / (1.0 + cv)
}

/// Std and mean of the last ten games: the features when computed, else from history.
pub fn recent_spread(input: &PredictionInput) -> (f64, f64) {
    let points = played_points(input);
    let last = last_n(&points, 10);
    let std = input
        .computed_feature("points_std_last_10")
        .or_else(|| sample_std(last))
        .unwrap_or(5.0);
    let mean = input
        .computed_feature("points_avg_last_10")
        .or_else(|| mean(last))
        .unwrap_or(10.0);
    (std, mean)
}

/// `ceiling` × history × quality × volatility discounts, clamped to 0–1.
pub fn heuristic(input: &PredictionInput, ceiling: f64) -> f64 {
    let games = played_points(input).len();
    let (std, mean) = recent_spread(input);
    let c = ceiling * history_factor(games) * quality_factor(input) * volatility_factor(std, mean);
    round3(c.clamp(0.0, 1.0))
}

/// Rounded to three decimals (confidences are stored and compared as such).
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Rounded to two decimals (points).
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::input;

    #[test]
    fn stats_by_hand() {
        assert_eq!(mean(&[]), None);
        assert_eq!(mean(&[1.0, 2.0, 3.0]), Some(2.0));
        assert_eq!(sample_std(&[1.0]), None);
        assert!((sample_std(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap() - 2.138).abs() < 1e-3);
        assert_eq!(last_n(&[1.0, 2.0, 3.0], 2), &[2.0, 3.0]);
        assert_eq!(last_n(&[1.0], 5), &[1.0]);
    }

    #[test]
    fn discounts_by_hand() {
        assert_eq!(history_factor(0), 0.5);
        assert_eq!(history_factor(5), 0.75);
        assert_eq!(history_factor(40), 1.0);
        assert!((volatility_factor(5.0, 20.0) - 0.8).abs() < 1e-12);
        assert!((volatility_factor(8.0, 10.0) - 1.0 / 1.8).abs() < 1e-12);
    }

    #[test]
    fn defaulted_features_and_volatility_lower_confidence() {
        let calm = input(&[("points_avg_last_10", 20.0), ("points_std_last_10", 2.0)], 20);
        let mut defaulted = calm.clone();
        defaulted.defaulted = vec!["pct_paint".into(), "pct_mid_range".into()];
        let mut critical = calm.clone();
        critical.defaulted = vec!["fatigue_score".into()];
        let mut volatile = calm.clone();
        volatile.features.insert("points_std_last_10".into(), 12.0);
        let c = heuristic(&calm, 0.8);
        assert!(c > heuristic(&defaulted, 0.8));
        assert!(heuristic(&defaulted, 0.8) > heuristic(&critical, 0.8));
        assert!(c > heuristic(&volatile, 0.8));
        assert!((0.0..=1.0).contains(&c));
        assert_eq!(quality_factor(&defaulted), 0.92);
        assert_eq!(quality_factor(&critical), 0.96 * 0.75);
    }
}
