//! `moving_average`: the baseline every other system has to beat.
//!
//! `base = 0.5·L5 + 0.3·L10 + 0.2·season` (recent form weighted most, the season
//! average as an anchor), plus five additive adjustments, then clamped to 0–60:
//!
//! | adjustment | formula | size |
//! |---|---|---|
//! | fatigue | `(fatigue_score − 100) × 0.04` | fresh 0; a back-to-back (85) −0.6; floor −4 |
//! | shot-zone mismatch | `shot_zone_mismatch_score × 0.15` | the score is ±10 → ±1.5 |
//! | pace | `base × pace_score × 2 / 100` | the score is half the possession differential: points scale with possessions |
//! | home | `+0.3` at home, `−0.3` away | home teams score ≈ 2.5 more of ≈ 112; one scorer's share of it against his venue-mixed average |
//! | back-to-back | `−2 % × base` | minutes are trimmed on the second night, beyond what the fatigue score already counts |
//!
//! The averages are the feature-store values when computed; when defaulted or absent
//! they are recomputed from the history strictly before the game date.

use crate::confidence::{last_n, mean, played_points, round2};
use crate::{PredictionInput, PredictionSystem, SystemError, SystemPrediction};

pub const SYSTEM_ID: &str = "moving_average";
/// Bump when a weight or coefficient changes.
pub const VERSION: &str = "ma-1";

pub const WEIGHT_L5: f64 = 0.5;
pub const WEIGHT_L10: f64 = 0.3;
pub const WEIGHT_SEASON: f64 = 0.2;
pub const FATIGUE_COEF: f64 = 0.04;
pub const MISMATCH_COEF: f64 = 0.15;
/// Possessions per pace-score point (the score is the differential halved).
pub const PACE_POSSESSIONS_PER_POINT: f64 = 2.0;
/// Possessions per game the pace differential is relative to.
pub const POSSESSIONS_PER_GAME: f64 = 100.0;
pub const HOME_ADJ: f64 = 0.3;
pub const BACK_TO_BACK_FACTOR: f64 = -0.02;
pub use crate::system::MAX_POINTS;
/// Confidence ceiling: a transparent baseline, trusted but not more than the models.
pub const CONFIDENCE_CEILING: f64 = 0.8;

#[derive(Debug, Clone, Copy, Default)]
pub struct MovingAverage;

/// L5, L10 and season averages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Averages {
    pub last_5: f64,
    pub last_10: f64,
    pub season: f64,
}

/// A points average: the computed feature, else `n` games of history (all with `None`),
/// else the defaulted feature value.
pub(crate) fn average(
    input: &PredictionInput,
    name: &str,
    points: &[f64],
    n: Option<usize>,
) -> Result<f64, SystemError> {
    if let Some(v) = input.computed_feature(name) {
        return Ok(v);
    }
    let window = n.map_or(points, |n| last_n(points, n));
    if let Some(v) = mean(window) {
        return Ok(v);
    }
    input
        .feature(name)
        .ok_or_else(|| SystemError::MissingFeature(name.into()))
}

/// The three averages the baseline blends.
pub fn averages(input: &PredictionInput) -> Result<Averages, SystemError> {
    let points = played_points(input);
    Ok(Averages {
        last_5: average(input, "points_avg_last_5", &points, Some(5))?,
        last_10: average(input, "points_avg_last_10", &points, Some(10))?,
        season: average(input, "points_avg_season", &points, None)?,
    })
}

/// `0.5·L5 + 0.3·L10 + 0.2·season`.
pub fn base(a: Averages) -> f64 {
    WEIGHT_L5 * a.last_5 + WEIGHT_L10 * a.last_10 + WEIGHT_SEASON * a.season
}

/// Whether the player played the day before: the feature, else the history.
fn back_to_back(input: &PredictionInput) -> bool {
    if let Some(v) = input.computed_feature("back_to_back") {
        return v >= 0.5;
    }
    let yesterday = input.game_date.pred_opt();
    input
        .played_before()
        .last()
        .is_some_and(|g| Some(g.game_date) == yesterday)
}

/// The adjustments, by name, each in points.
pub fn adjustments(input: &PredictionInput, base: f64) -> Vec<(String, f64)> {
    let neutral = |name: &str, neutral: f64| input.feature(name).unwrap_or(neutral);
    let fatigue = (neutral("fatigue_score", 100.0) - 100.0) * FATIGUE_COEF;
    let mismatch = neutral("shot_zone_mismatch_score", 0.0) * MISMATCH_COEF;
    let pace = base * neutral("pace_score", 0.0) * PACE_POSSESSIONS_PER_POINT / POSSESSIONS_PER_GAME;
    let home = if input.is_home { HOME_ADJ } else { -HOME_ADJ };
    let b2b = if back_to_back(input) {
        base * BACK_TO_BACK_FACTOR
    } else {
        0.0
    };
    [
        ("fatigue", fatigue),
        ("shot_zone_mismatch", mismatch),
        ("pace", pace),
        ("home", home),
        ("back_to_back", b2b),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

impl PredictionSystem for MovingAverage {
    fn system_id(&self) -> &'static str {
        SYSTEM_ID
    }

    fn version(&self) -> String {
        VERSION.into()
    }

    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError> {
        let base = base(averages(input)?);
        let adjustments = adjustments(input, base);
        let total = base + adjustments.iter().map(|(_, v)| v).sum::<f64>();
        let mut factors = vec![("base".to_string(), round2(base))];
        factors.extend(
            adjustments
                .into_iter()
                .filter(|(_, v)| *v != 0.0)
                .map(|(k, v)| (k, round2(v))),
        );
        Ok(SystemPrediction::heuristic(
            SYSTEM_ID,
            VERSION,
            total,
            input,
            CONFIDENCE_CEILING,
            factors,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{game, input};

    const AVGS: [(&str, f64); 3] = [
        ("points_avg_last_5", 30.0),
        ("points_avg_last_10", 20.0),
        ("points_avg_season", 10.0),
    ];

    fn with(extra: &[(&str, f64)]) -> PredictionInput {
        let mut f = AVGS.to_vec();
        f.extend_from_slice(extra);
        input(&f, 12)
    }

    #[test]
    fn base_is_the_weighted_blend_plus_home() {
        // 0.5·30 + 0.3·20 + 0.2·10 = 23, +0.3 at home.
        let p = MovingAverage.predict(&with(&[])).unwrap();
        assert_eq!(p.factor("base"), Some(23.0));
        assert_eq!(p.predicted_points, 23.3);
        assert_eq!(
            (p.system_id.as_str(), p.system_version.as_str()),
            ("moving_average", "ma-1")
        );
        let mut away = with(&[]);
        away.is_home = false;
        assert_eq!(MovingAverage.predict(&away).unwrap().predicted_points, 22.7);
    }

    #[test]
    fn each_adjustment_by_hand() {
        let p = MovingAverage.predict(&with(&[("fatigue_score", 85.0)])).unwrap();
        assert_eq!(p.factor("fatigue"), Some(-0.6));
        assert_eq!(p.predicted_points, 22.7);

        let p = MovingAverage
            .predict(&with(&[("shot_zone_mismatch_score", 4.0)]))
            .unwrap();
        assert_eq!(p.factor("shot_zone_mismatch"), Some(0.6));
        assert_eq!(p.predicted_points, 23.9);

        // 23 × 2.5 × 2 / 100 = 1.15
        let p = MovingAverage.predict(&with(&[("pace_score", 2.5)])).unwrap();
        assert_eq!(p.factor("pace"), Some(1.15));
        assert_eq!(p.predicted_points, 24.45);

        // 23 × −2 % = −0.46
        let p = MovingAverage.predict(&with(&[("back_to_back", 1.0)])).unwrap();
        assert_eq!(p.factor("back_to_back"), Some(-0.46));
        assert_eq!(p.predicted_points, 22.84);
    }

    #[test]
    fn back_to_back_from_history_when_the_feature_is_absent() {
        let mut i = with(&[]);
        i.history.push(game(1, "NYK", true, 20, Some(1)));
        let p = MovingAverage.predict(&i).unwrap();
        assert_eq!(p.factor("back_to_back"), Some(-0.46));
    }

    #[test]
    fn clamped_to_0_60() {
        let hi = MovingAverage
            .predict(&input(
                &[
                    ("points_avg_last_5", 80.0),
                    ("points_avg_last_10", 80.0),
                    ("points_avg_season", 80.0),
                ],
                12,
            ))
            .unwrap();
        assert_eq!(hi.predicted_points, 60.0);
        let lo = MovingAverage
            .predict(&input(
                &[
                    ("points_avg_last_5", 0.0),
                    ("points_avg_last_10", 0.0),
                    ("points_avg_season", 0.0),
                    ("fatigue_score", 0.0),
                ],
                12,
            ))
            .unwrap();
        assert_eq!(lo.predicted_points, 0.0);
    }

    #[test]
    fn defaulted_averages_fall_back_to_history() {
        // History: 12 games of 20 except the last five at 30.
        let mut i = with(&[]);
        for g in i.history.iter_mut().rev().take(5) {
            g.points = Some(30);
        }
        i.defaulted = vec![
            "points_avg_last_5".into(),
            "points_avg_last_10".into(),
            "points_avg_season".into(),
        ];
        let a = averages(&i).unwrap();
        assert_eq!(a.last_5, 30.0);
        assert_eq!(a.last_10, 25.0);
        assert!((a.season - (7.0 * 20.0 + 5.0 * 30.0) / 12.0).abs() < 1e-9);
        // Absent entirely and no history: a missing feature, loudly.
        let empty = input(&[], 0);
        assert_eq!(
            MovingAverage.predict(&empty).unwrap_err(),
            SystemError::MissingFeature("points_avg_last_5".into())
        );
    }

    #[test]
    fn history_on_or_after_the_date_is_ignored() {
        let mut i = input(&[], 12);
        let before = MovingAverage.predict(&i).unwrap();
        // The game itself (day 0) and a later one, with outlandish scores.
        let mut today = game(0, "BOS", true, 70, Some(2));
        today.game_date = i.game_date;
        let mut later = today.clone();
        later.game_date = i.game_date.succ_opt().unwrap();
        i.history.extend([today, later]);
        assert_eq!(MovingAverage.predict(&i).unwrap(), before);
    }
}
