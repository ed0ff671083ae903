//! The market-aware model: offsets by kind of line, trees only where they help out of sample,
//! the plain fallback without a line, the artifact round trip and the training guards.

use chrono::{Days, NaiveDate};

use super::market::{self, MarketRow};
use super::*;
use crate::testing::{full_features, input};
use crate::{PredictionSystem, SystemError};

fn day0() -> NaiveDate {
    "2024-10-22".parse().unwrap()
}

fn params() -> GbtParams {
    GbtParams {
        n_trees: 60,
        learning_rate: 0.2,
        max_depth: 2,
        min_leaf: 20,
        ..GbtParams::huber()
    }
}

/// A deterministic pseudo-random number in 0..m, unrelated to the features.
fn draw(i: u32, salt: u32, m: u32) -> u32 {
    (i.wrapping_mul(2_654_435_761) ^ salt.wrapping_mul(40_503))
        .rotate_left(13)
        .wrapping_mul(2_246_822_519)
        % m
}

/// `n` examples over 60 days: lines 8.5..27 (every fourth a whole number); half-point lines
/// end a half point under 60 % of the time (further over otherwise); `home` games add `home_effect` points; noise
/// symmetric and unrelated to any feature.
fn examples(n: u32, home_effect: f64) -> Vec<TrainingExample> {
    (0..n)
        .map(|i| {
            let whole = i % 4 == 0;
            let line = 8.0 + f64::from(i % 20) + if whole { 0.0 } else { 0.5 };
            let home = f64::from(draw(i, 1, 2));
            let noise = f64::from(draw(i, 2, 7)) - 3.0;
            let points = if whole {
                line + noise
            } else if draw(i, 3, 10) < 6 {
                line - 0.5
            } else {
                line + 0.5 + noise.abs()
            } + home_effect * home;
            TrainingExample {
                game_date: day0() + Days::new(u64::from(i * 60 / n)),
                features: full_features(&[("points_avg_last_5", line), ("home_away", home)]),
                line: Some(line),
                points: points.max(0.0),
            }
        })
        .collect()
}

fn cutoff() -> NaiveDate {
    day0() + Days::new(61)
}

fn trained(home_effect: f64) -> ModelArtifact {
    train_examples(GBT_HUBER_ID, &examples(2000, home_effect), &params(), true, cutoff()).unwrap()
}

fn lined_input(line: Option<f64>, home: f64) -> crate::PredictionInput {
    let mut i = input(&[], 12);
    i.features = full_features(&[("points_avg_last_5", line.unwrap_or(20.0)), ("home_away", home)]);
    i.line = line;
    i
}

#[test]
fn the_offset_is_the_median_residual_of_each_kind_of_line() {
    let a = trained(0.0);
    let m = a.market.as_ref().unwrap();
    // Half-point lines: 60 % of games a half point under → the median is 0.5 below the line.
    assert_eq!(m.half_line_offset, -0.5);
    // Whole lines: noise symmetric around the line → the line itself.
    assert_eq!(m.whole_line_offset, 0.0);
    assert_eq!(m.offset(20.5), -0.5);
    assert_eq!(m.offset(20.0), 0.0);
    assert!(a.model_version.starts_with("gbt_huber+line@"), "{}", a.model_version);
}

#[test]
fn trees_are_kept_only_when_they_help_on_later_games() {
    // Nothing but the line's kind matters: no trees survive the held-out check.
    let plain = trained(0.0);
    let v = plain.market.as_ref().unwrap().validation;
    assert_eq!(v.trees_chosen, 0, "{v:?}");
    assert!(v.held_out_rows >= market::MIN_SPLIT_ROWS && v.fit_rows > v.held_out_rows);
    // Home games score 4 more than the line says: that the trees learn and keep.
    let home = trained(4.0);
    let m = home.market.as_ref().unwrap();
    assert!(m.validation.trees_chosen > 0, "{:?}", m.validation);
    let sys = GbtSystem::new(GBT_HUBER_ID, home.clone()).unwrap();
    let at_home = sys.predict(&lined_input(Some(18.5), 1.0)).unwrap().predicted_points;
    let away = sys.predict(&lined_input(Some(18.5), 0.0)).unwrap().predicted_points;
    assert!(at_home - away > 2.0, "home {at_home}, away {away}");
}

#[test]
fn with_a_line_the_market_part_answers_and_without_one_the_plain_trees() {
    let a = trained(0.0);
    let sys = GbtSystem::new(GBT_HUBER_ID, a.clone()).unwrap();
    let p = sys.predict(&lined_input(Some(22.5), 0.0)).unwrap();
    assert_eq!(a.market.as_ref().unwrap().validation.trees_chosen, 0);
    assert_eq!(p.predicted_points, 22.0);
    assert_eq!(p.factor("line"), Some(22.5));
    assert_eq!(p.factor("line_offset"), Some(-0.5));
    assert_eq!(p.system_version, a.model_version);
    // No line: still a prediction (coverage), from the plain trees, without a line factor.
    let i = lined_input(None, 0.0);
    let p = sys.predict(&i).unwrap();
    assert!(p.factor("line").is_none() && p.factor("model").is_some());
    assert!((p.predicted_points - a.predict_named(&i.features).unwrap().clamp(0.0, 60.0)).abs() < 0.01);
    // The line predicted against is the input's (the coordinator's), not the vector's.
    let mut i = lined_input(Some(22.5), 0.0);
    i.features.insert("points_line".into(), 30.5);
    assert_eq!(sys.predict(&i).unwrap().predicted_points, 22.0);
}

#[test]
fn a_market_artifact_round_trips_and_an_old_reader_refuses_it() {
    let a = trained(4.0);
    let back = ModelArtifact::from_json(&a.to_json()).unwrap();
    assert_eq!(back.model_version, a.model_version);
    let (m, b) = (a.market.as_ref().unwrap(), back.market.as_ref().unwrap());
    assert_eq!(m.validation.trees_chosen, b.validation.trees_chosen);
    let f = full_features(&[("points_avg_last_5", 14.5), ("home_away", 1.0)]);
    let x = market_vector(&f, 14.5).unwrap();
    assert!((m.predict(&x, 14.5) - b.predict(&x, 14.5)).abs() < 1e-9);
    // A market part in a format-1 artifact is malformed: format 1 readers would drop it.
    let mut old = a.clone();
    old.format = 1;
    assert!(matches!(old.validate(), Err(ArtifactError::Format { found: 1, .. })));
    // A format-1 artifact without one still loads (the plain trees of an older build).
    old.market = None;
    old.validate().unwrap();
    // Market trees over more features than the names are refused.
    let mut bad = a;
    bad.market.as_mut().unwrap().trees.n_features += 1;
    assert!(matches!(bad.validate(), Err(ArtifactError::Malformed { .. })));
}

#[test]
fn the_squared_model_stays_plain_and_few_rows_mean_offsets_only() {
    let sq = train_examples(GBT_SQUARED_ID, &examples(400, 0.0), &params(), false, cutoff()).unwrap();
    assert!(sq.market.is_none() && sq.model_version.starts_with("gbt_squared@"));
    assert!(is_market_aware(GBT_HUBER_ID) && !is_market_aware(GBT_SQUARED_ID));
    // Too few rows for an honest split: no trees, the offsets alone.
    let small = train_examples(GBT_HUBER_ID, &examples(150, 4.0), &params(), true, cutoff()).unwrap();
    let v = small.market.unwrap().validation;
    assert_eq!(v.trees_chosen, 0, "{v:?}");
}

#[test]
fn training_refuses_rows_on_or_after_the_cutoff_and_rows_without_a_line_are_left_to_the_plain_trees() {
    let mut ex = examples(400, 0.0);
    let err = train_examples(GBT_HUBER_ID, &ex, &params(), true, day0() + Days::new(30)).unwrap_err();
    assert!(matches!(err, TrainError::NotBefore { .. }), "{err}");
    for e in ex.iter_mut().skip(1) {
        e.line = None;
    }
    let a = train_examples(GBT_HUBER_ID, &ex, &params(), true, cutoff()).unwrap();
    assert_eq!((a.training.rows, a.market.as_ref().unwrap().rows), (400, 1));
}

#[test]
fn a_bad_line_is_an_error_not_a_row() {
    let rows = vec![MarketRow {
        game_date: day0(),
        x: vec![1.0],
        line: f64::NAN,
        points: 10.0,
    }];
    let err = market::train_market(&rows, &["a".into()], &params(), cutoff()).unwrap_err();
    assert_eq!(err, TrainError::NonFinite { row: 0 });
    assert!(matches!(
        GbtSystem::unloaded(GBT_HUBER_ID).predict(&lined_input(Some(20.5), 0.0)),
        Err(SystemError::Model(_))
    ));
}
