//! The two ensembles: a weighted mean of the member systems' predictions for the same
//! input, with weights from the members' own confidence (`ensemble_confidence`) or from
//! their recent graded accuracy (`ensemble_performance`).
//!
//! Members are the base systems only: another ensemble's prediction (an id starting
//! with `ensemble_`) or a non-finite one is ignored, so a caller passing everything it
//! has cannot feed an ensemble into itself.
//!
//! `ensemble_performance` then anchors to the market: when tonight's line is known and both the
//! members' combination and the line have a graded record, the result is the line and the
//! combination weighted by their inverse recent MAE (the line is a forecast too, and usually the
//! best single one; two forecasts with correlated but different errors average to a smaller one).
//! The market's forecast is the market-aware tree member's prediction when it priced tonight's
//! line (the line plus what it learned the line misses), else the line itself.
//!
//! Confidence of an ensemble = weighted mean member confidence × agreement, where
//! agreement `1 / (1 + std / 20)` discounts members that disagree (weighted std of their
//! predictions: 3 points keeps 87 %, 10 points 67 %).

use crate::confidence::{round2, round3};
use crate::{EnsembleSystem, PredictionInput, SystemError, SystemPrediction};

pub const CONFIDENCE_ID: &str = "ensemble_confidence";
pub const CONFIDENCE_VERSION: &str = "ens-conf-1";
pub const PERFORMANCE_ID: &str = "ensemble_performance";
pub const PERFORMANCE_VERSION: &str = "ens-perf-3";
/// The line as a forecast, in `recent_performance`: its MAE on graded players with a line.
pub const MARKET_LINE_ID: &str = "market_line";

/// Points of member disagreement (std) at which the agreement factor is ½.
pub const DISAGREEMENT_SCALE: f64 = 20.0;
/// Graded predictions a member needs before its MAE is trusted as a weight.
pub const MIN_GRADED: u64 = 20;
/// MAE floor: a lucky tiny MAE must not take all the weight.
pub const MAE_FLOOR: f64 = 1.0;
/// Confidence factor when no member has a graded history (equal weights are a guess).
pub const EQUAL_WEIGHTS_FACTOR: f64 = 0.8;

/// The members an ensemble may combine.
fn members(members: &[SystemPrediction]) -> Vec<&SystemPrediction> {
    members
        .iter()
        .filter(|m| !m.system_id.starts_with("ensemble_"))
        .filter(|m| m.predicted_points.is_finite() && m.confidence.is_finite())
        .collect()
}

/// The weighted mean prediction; `weights` normalised, one per member.
fn combine(
    id: &str,
    version: &str,
    members: &[&SystemPrediction],
    weights: &[f64],
    confidence_factor: f64,
    mut factors: Vec<(String, f64)>,
) -> Result<SystemPrediction, SystemError> {
    let total: f64 = weights.iter().sum();
    if members.is_empty() || total.is_nan() || total <= 0.0 {
        return Err(SystemError::Model(format!("{id}: no member predictions to combine")));
    }
    let w: Vec<f64> = weights.iter().map(|x| x / total).collect();
    let mean: f64 = members.iter().zip(&w).map(|(m, w)| w * m.predicted_points).sum();
    let var: f64 = members
        .iter()
        .zip(&w)
        .map(|(m, w)| w * (m.predicted_points - mean).powi(2))
        .sum();
    let confidence: f64 = members.iter().zip(&w).map(|(m, w)| w * m.confidence).sum();
    let agreement = 1.0 / (1.0 + var.sqrt() / DISAGREEMENT_SCALE);
    factors.extend(
        members
            .iter()
            .zip(&w)
            .map(|(m, w)| (format!("weight:{}", m.system_id), round3(*w))),
    );
    Ok(SystemPrediction {
        system_id: id.into(),
        system_version: version.into(),
        predicted_points: round2(mean),
        confidence: round3((confidence * agreement * confidence_factor).clamp(0.0, 1.0)),
        factors,
    })
}

/// `ensemble_confidence`: weights ∝ member confidence (equal when all are 0).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfidenceWeighted;

impl EnsembleSystem for ConfidenceWeighted {
    fn system_id(&self) -> &'static str {
        CONFIDENCE_ID
    }

    fn version(&self) -> String {
        CONFIDENCE_VERSION.into()
    }

    fn combine(&self, _input: &PredictionInput, all: &[SystemPrediction]) -> Result<SystemPrediction, SystemError> {
        let ms = members(all);
        let mut weights: Vec<f64> = ms.iter().map(|m| m.confidence.max(0.0)).collect();
        if weights.iter().sum::<f64>() <= 0.0 {
            weights = vec![1.0; ms.len()];
        }
        combine(CONFIDENCE_ID, CONFIDENCE_VERSION, &ms, &weights, 1.0, vec![])
    }
}

/// `ensemble_performance`: weights ∝ 1 / recent MAE (floored at [`MAE_FLOOR`]), from
/// `input.recent_performance` — graded results strictly before the date, gathered by
/// the caller, so there is no look-ahead here. A member with fewer than
/// [`MIN_GRADED`] graded predictions gets the weight of the worst graded member; when
/// none has enough, weights are equal and confidence is lowered by
/// [`EQUAL_WEIGHTS_FACTOR`] (factor `equal_weights` = 1).
#[derive(Debug, Clone, Copy, Default)]
pub struct PerformanceWeighted;

/// Each member's weight, and whether the equal-weight fallback was used.
pub fn performance_weights(input: &PredictionInput, members: &[&SystemPrediction]) -> (Vec<f64>, bool) {
    let graded: Vec<Option<f64>> = members
        .iter()
        .map(|m| graded_mae(input, &m.system_id).map(|mae| 1.0 / mae))
        .collect();
    let worst = graded.iter().flatten().copied().reduce(f64::min);
    match worst {
        None => (vec![1.0; members.len()], true),
        Some(worst) => (graded.into_iter().map(|w| w.unwrap_or(worst)).collect(), false),
    }
}

impl EnsembleSystem for PerformanceWeighted {
    fn system_id(&self) -> &'static str {
        PERFORMANCE_ID
    }

    fn version(&self) -> String {
        PERFORMANCE_VERSION.into()
    }

    fn combine(&self, input: &PredictionInput, all: &[SystemPrediction]) -> Result<SystemPrediction, SystemError> {
        let ms = members(all);
        let (weights, equal) = performance_weights(input, &ms);
        let (factor, factors) = if equal {
            (EQUAL_WEIGHTS_FACTOR, vec![("equal_weights".to_string(), 1.0)])
        } else {
            (1.0, vec![])
        };
        let combined = combine(PERFORMANCE_ID, PERFORMANCE_VERSION, &ms, &weights, factor, factors)?;
        Ok(anchor_to_line(input, combined, market_forecast(&ms)))
    }
}

/// A recent MAE trusted as a weight: enough graded predictions, floored.
fn graded_mae(input: &PredictionInput, id: &str) -> Option<f64> {
    input
        .recent_performance
        .get(id)
        .filter(|p| p.predictions >= MIN_GRADED && p.mae.is_finite())
        .map(|p| p.mae.max(MAE_FLOOR))
}

/// The market-aware member's prediction when it predicted from tonight's line (it reports the
/// `line` factor): the line plus what it learned the line misses, a better anchor than the line.
fn market_forecast(members: &[&SystemPrediction]) -> Option<f64> {
    members
        .iter()
        .find(|m| crate::gbt::is_market_aware(&m.system_id) && m.factor("line").is_some())
        .map(|m| m.predicted_points)
}

/// Blends `combined` with tonight's market forecast by inverse recent MAE: the members'
/// combination as graded for `ensemble_confidence` (the same members, combined without the
/// line), the market as [`MARKET_LINE_ID`] (the line's record: the market-aware forecast is
/// graded against it, never credited with its own record twice). The anchor is `market` (the
/// market-aware member's forecast) when given, else the line. Unchanged without a line or
/// without both records.
fn anchor_to_line(input: &PredictionInput, mut combined: SystemPrediction, market: Option<f64>) -> SystemPrediction {
    let (Some(line), Some(members_mae), Some(line_mae)) = (
        input.line.filter(|l| l.is_finite()),
        graded_mae(input, CONFIDENCE_ID),
        graded_mae(input, MARKET_LINE_ID),
    ) else {
        return combined;
    };
    let w_line = (1.0 / line_mae) / (1.0 / line_mae + 1.0 / members_mae);
    let anchor = market.filter(|m| m.is_finite()).unwrap_or(line);
    combined.predicted_points = round2((1.0 - w_line) * combined.predicted_points + w_line * anchor);
    combined
        .factors
        .push((format!("weight:{MARKET_LINE_ID}"), round3(w_line)));
    combined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecentPerformance;
    use crate::testing::input;

    fn member(id: &str, points: f64, confidence: f64) -> SystemPrediction {
        SystemPrediction {
            system_id: id.into(),
            system_version: "t".into(),
            predicted_points: points,
            confidence,
            factors: vec![],
        }
    }

    fn weight(p: &SystemPrediction, id: &str) -> f64 {
        p.factor(&format!("weight:{id}")).unwrap()
    }

    #[test]
    fn confidence_weighted_by_hand() {
        let ms = [member("a", 20.0, 0.6), member("b", 30.0, 0.2)];
        let p = ConfidenceWeighted.combine(&input(&[], 10), &ms).unwrap();
        // (0.6·20 + 0.2·30) / 0.8 = 22.5; weights 0.75 / 0.25.
        assert_eq!(p.predicted_points, 22.5);
        assert_eq!(weight(&p, "a"), 0.75);
        assert_eq!(weight(&p, "b"), 0.25);
        // Confidence: (0.75·0.6 + 0.25·0.2) × 1/(1 + std/20), std = √(0.75·2.5² + 0.25·7.5²).
        let std = (0.75f64 * 6.25 + 0.25 * 56.25).sqrt();
        assert_eq!(p.confidence, round3(0.5 / (1.0 + std / 20.0)));
        assert_eq!(
            (p.system_id.as_str(), p.system_version.as_str()),
            ("ensemble_confidence", "ens-conf-1")
        );
    }

    #[test]
    fn ensembles_and_nan_are_not_members_and_nothing_is_an_error() {
        let ms = [
            member("a", 20.0, 0.5),
            member("ensemble_performance", 90.0, 0.9),
            member("b", f64::NAN, 0.9),
        ];
        let p = ConfidenceWeighted.combine(&input(&[], 10), &ms).unwrap();
        assert_eq!(p.predicted_points, 20.0);
        assert!(matches!(
            ConfidenceWeighted.combine(&input(&[], 10), &[]),
            Err(SystemError::Model(_))
        ));
        assert!(matches!(
            PerformanceWeighted.combine(&input(&[], 10), &ms[1..2]),
            Err(SystemError::Model(_))
        ));
    }

    #[test]
    fn performance_weights_are_inverse_mae() {
        let mut i = input(&[], 10);
        for (id, mae) in [("a", 4.0), ("b", 6.0)] {
            i.recent_performance
                .insert(id.into(), RecentPerformance { mae, predictions: 100 });
        }
        let ms = [member("a", 20.0, 0.6), member("b", 30.0, 0.6)];
        let p = PerformanceWeighted.combine(&i, &ms).unwrap();
        // 1/4 : 1/6 = 0.6 : 0.4 → 24.
        assert_eq!(p.predicted_points, 24.0);
        assert_eq!(weight(&p, "a"), 0.6);
        assert!(!p.factors.iter().any(|(k, _)| k == "equal_weights"));
    }

    #[test]
    fn ungraded_members_get_the_worst_weight_and_no_history_means_equal_weights() {
        let mut i = input(&[], 10);
        i.recent_performance.insert(
            "a".into(),
            RecentPerformance {
                mae: 4.0,
                predictions: 100,
            },
        );
        i.recent_performance.insert(
            "b".into(),
            RecentPerformance {
                mae: 2.0,
                predictions: 100,
            },
        );
        // c has too few graded predictions: it weighs like a (the worst).
        i.recent_performance.insert(
            "c".into(),
            RecentPerformance {
                mae: 0.1,
                predictions: 3,
            },
        );
        let ms = [member("a", 20.0, 0.6), member("b", 20.0, 0.6), member("c", 20.0, 0.6)];
        let p = PerformanceWeighted.combine(&i, &ms).unwrap();
        assert_eq!(weight(&p, "a"), weight(&p, "c"));
        assert_eq!(weight(&p, "b"), 0.5);

        let bare = input(&[], 10);
        let graded = PerformanceWeighted.combine(&i, &ms).unwrap();
        let fallback = PerformanceWeighted.combine(&bare, &ms).unwrap();
        assert_eq!(fallback.predicted_points, 20.0);
        assert!(fallback.factors.contains(&("equal_weights".into(), 1.0)));
        assert!(fallback.confidence < graded.confidence);
        assert_eq!(fallback.confidence, round3(0.6 * EQUAL_WEIGHTS_FACTOR));
    }

    #[test]
    fn the_performance_ensemble_anchors_to_the_line_by_inverse_mae() {
        let mut i = input(&[], 10);
        let graded = |mae| RecentPerformance { mae, predictions: 100 };
        i.recent_performance.insert("a".into(), graded(5.0));
        let ms = [member("a", 24.0, 0.6)];
        // No line: the members alone.
        assert_eq!(PerformanceWeighted.combine(&i, &ms).unwrap().predicted_points, 24.0);
        // A line, but no graded record of it or of the members' combination: still alone.
        i.line = Some(20.0);
        assert_eq!(PerformanceWeighted.combine(&i, &ms).unwrap().predicted_points, 24.0);
        // Both graded: members 6.0, line 4.0 → weights 0.4 : 0.6 → 0.4·24 + 0.6·20 = 21.6.
        i.recent_performance.insert(CONFIDENCE_ID.into(), graded(6.0));
        i.recent_performance.insert(MARKET_LINE_ID.into(), graded(4.0));
        let p = PerformanceWeighted.combine(&i, &ms).unwrap();
        assert_eq!(p.predicted_points, 21.6);
        assert_eq!(weight(&p, MARKET_LINE_ID), 0.6);
        // The confidence-weighted ensemble never looks at the line.
        assert_eq!(ConfidenceWeighted.combine(&i, &ms).unwrap().predicted_points, 24.0);
    }

    #[test]
    fn the_anchor_is_the_market_aware_member_when_it_priced_tonight_s_line() {
        let mut i = input(&[], 10);
        let graded = |mae| RecentPerformance { mae, predictions: 100 };
        i.line = Some(20.5);
        i.recent_performance.insert(CONFIDENCE_ID.into(), graded(6.0));
        i.recent_performance.insert(MARKET_LINE_ID.into(), graded(4.0));
        let mut market = member(crate::gbt::GBT_HUBER_ID, 20.0, 0.6);
        market.factors.push(("line".into(), 20.5));
        let ms = [member("a", 24.0, 0.6), market.clone()];
        // Members: equal weights (no records) → 22.0; anchor 20.0 (not the line 20.5): 0.4·22 + 0.6·20.
        assert_eq!(PerformanceWeighted.combine(&i, &ms).unwrap().predicted_points, 20.8);
        // The same member without the line factor (it fell back to its plain trees): the line anchors.
        market.factors.clear();
        let ms = [member("a", 24.0, 0.6), market];
        assert_eq!(PerformanceWeighted.combine(&i, &ms).unwrap().predicted_points, 21.1);
    }

    #[test]
    fn a_tiny_mae_is_floored() {
        let mut i = input(&[], 10);
        i.recent_performance.insert(
            "a".into(),
            RecentPerformance {
                mae: 0.01,
                predictions: 50,
            },
        );
        i.recent_performance.insert(
            "b".into(),
            RecentPerformance {
                mae: 1.0,
                predictions: 50,
            },
        );
        let ms = [member("a", 10.0, 0.6), member("b", 20.0, 0.6)];
        assert_eq!(PerformanceWeighted.combine(&i, &ms).unwrap().predicted_points, 15.0);
    }
}
