//! Artifact and system tests: contract, serialisation, prediction by name.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::testing::{full_features, input};
use crate::{PredictionSystem, SystemError};

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Named vectors where points = L5 + 4 at home (everything else at the defaults).
fn named_rows() -> Vec<(BTreeMap<String, f64>, f64)> {
    (0..120)
        .map(|i| {
            let l5 = f64::from(i % 30);
            let home = f64::from(i % 2);
            let f = full_features(&[("points_avg_last_5", l5), ("home_away", home)]);
            (f, l5 + 4.0 * home)
        })
        .collect()
}

fn small_params(loss: Loss) -> GbtParams {
    GbtParams {
        loss,
        n_trees: 80,
        learning_rate: 0.2,
        max_depth: 3,
        min_leaf: 2,
        max_bins: 32,
    }
}

fn artifact(system_id: &str, loss: Loss) -> ModelArtifact {
    let rows: Vec<(Vec<f64>, f64)> = named_rows()
        .into_iter()
        .map(|(f, y)| (contract_row(&f).unwrap(), y))
        .collect();
    train_artifact(
        system_id,
        &rows,
        &small_params(loss),
        date("2024-10-22"),
        date("2024-12-31"),
    )
    .unwrap()
}

#[test]
fn an_artifact_records_its_contract_and_window() {
    let a = artifact(GBT_SQUARED_ID, Loss::Squared);
    assert_eq!(a.model_version, "gbt_squared@2024-12-31");
    assert_eq!(a.feature_set_version, nba_features::FEATURE_SET_VERSION);
    assert_eq!(a.feature_names, nba_features::CONTRACT.names());
    assert_eq!(a.training.rows, 120);
    assert_eq!(a.format, ARTIFACT_FORMAT);
    let f = full_features(&[("points_avg_last_5", 20.0), ("home_away", 1.0)]);
    assert!((a.predict_named(&f).unwrap() - 24.0).abs() < 1.0);
}

#[test]
fn json_round_trip_keeps_the_model_and_its_predictions() {
    let a = artifact(GBT_HUBER_ID, Loss::Huber { delta: 4.0 });
    let json = a.to_json();
    let back = ModelArtifact::from_json(&json).unwrap();
    // serde_json's default float parser may be 1 ulp off the shortest repr it wrote:
    // everything but the floats is exact, the floats agree to 1e-12.
    assert_eq!((&back.system_id, &back.model_version), (&a.system_id, &a.model_version));
    assert_eq!(
        (&back.feature_names, back.training, back.params),
        (&a.feature_names, a.training, a.params)
    );
    assert_eq!(back.model.trees.len(), a.model.trees.len());
    for (f, _) in named_rows().iter().take(20) {
        assert!((back.predict_named(f).unwrap() - a.predict_named(f).unwrap()).abs() < 1e-12);
    }
    assert!(json.contains("\"feature_set_version\": \"v1\""));
    assert!(json.contains("\"kind\": \"huber\""));
}

#[test]
fn a_contract_mismatch_at_load_names_both_versions() {
    let mut a = artifact(GBT_SQUARED_ID, Loss::Squared);
    a.feature_set_version = "v37".into();
    let err = ModelArtifact::from_json(&a.to_json()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ArtifactError::Contract { .. }), "{err:?}");
    assert!(
        text.contains("v37") && text.contains("v1") && text.contains("gbt_squared@2024-12-31"),
        "{text}"
    );

    let mut a = artifact(GBT_SQUARED_ID, Loss::Squared);
    a.feature_names[3] = "vegas_magic".into();
    let err = ModelArtifact::from_json(&a.to_json()).unwrap_err();
    assert!(err.to_string().contains("vegas_magic"), "{err}");
}

#[test]
fn malformed_artifacts_are_refused() {
    let mut a = artifact(GBT_SQUARED_ID, Loss::Squared);
    a.format = 9;
    assert!(matches!(a.validate(), Err(ArtifactError::Format { found: 9, .. })));
    let mut a = artifact(GBT_SQUARED_ID, Loss::Squared);
    a.feature_names.pop();
    assert!(matches!(a.validate(), Err(ArtifactError::Malformed { .. })));
    assert!(matches!(ModelArtifact::from_json("{"), Err(ArtifactError::Json(_))));
    let a = artifact(GBT_SQUARED_ID, Loss::Squared);
    assert!(matches!(
        GbtSystem::new(GBT_HUBER_ID, a),
        Err(ArtifactError::WrongSystem { .. })
    ));
}

#[test]
fn prediction_is_by_name_not_by_position() {
    // The same data with the columns reversed: an artifact whose names are in another
    // order than the contract predicts the same from the same named vector.
    let reference = artifact(GBT_SQUARED_ID, Loss::Squared);
    let mut names = reference.feature_names.clone();
    names.reverse();
    let rows: Vec<(Vec<f64>, f64)> = named_rows()
        .into_iter()
        .map(|(f, y)| (names.iter().map(|n| f[n]).collect(), y))
        .collect();
    let params = small_params(Loss::Squared);
    let reversed = ModelArtifact {
        feature_names: names,
        model: train(&rows, &params).unwrap(),
        ..reference.clone()
    };
    reversed.validate().unwrap();
    for (l5, home) in [(3.0, 0.0), (17.0, 1.0), (28.0, 1.0)] {
        let f = full_features(&[("points_avg_last_5", l5), ("home_away", home)]);
        let (a, b) = (
            reference.predict_named(&f).unwrap(),
            reversed.predict_named(&f).unwrap(),
        );
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    // A vector missing a feature the model reads is an error naming it.
    let mut f = full_features(&[]);
    f.remove("spread");
    assert_eq!(
        reference.predict_named(&f).unwrap_err(),
        SystemError::MissingFeature("spread".into())
    );
}

#[test]
fn the_system_serves_the_artifact() {
    let sys = GbtSystem::new(GBT_SQUARED_ID, artifact(GBT_SQUARED_ID, Loss::Squared)).unwrap();
    let mut i = input(&[], 12);
    i.features = full_features(&[("points_avg_last_5", 20.0), ("home_away", 1.0)]);
    let p = sys.predict(&i).unwrap();
    assert_eq!(p.system_id, "gbt_squared");
    assert_eq!(p.system_version, "gbt_squared@2024-12-31");
    assert_eq!(sys.version(), "gbt_squared@2024-12-31");
    assert!((p.predicted_points - 24.0).abs() < 1.0, "{p:?}");
    assert!(p.confidence > 0.0 && p.confidence <= 0.85);
    assert_eq!(p.factors.len(), 1 + system::TOP_FACTORS);
    assert!(p.factors.iter().any(|(k, _)| k == "points_avg_last_5"));

    let mut old = i.clone();
    old.feature_set_version = "v0".into();
    assert!(matches!(sys.predict(&old), Err(SystemError::Model(m)) if m.contains("v0") && m.contains("v1")));

    let unloaded = GbtSystem::unloaded(GBT_HUBER_ID);
    assert_eq!(unloaded.version(), "gbt_huber@unloaded");
    assert!(matches!(unloaded.predict(&i), Err(SystemError::Model(_))));
}

#[test]
fn squared_and_huber_models_differ_on_outliers() {
    // A few 55-point nights among 12-point games: the Huber model stays near 12.
    let rows: Vec<(Vec<f64>, f64)> = (0..100)
        .map(|i| {
            let f = full_features(&[("points_avg_last_5", 12.0 + f64::from(i % 3))]);
            (contract_row(&f).unwrap(), if i % 10 == 0 { 55.0 } else { 12.0 })
        })
        .collect();
    let (from, to) = (date("2024-10-22"), date("2024-12-31"));
    let params = |loss| GbtParams {
        min_leaf: 30,
        ..small_params(loss)
    };
    let sq = train_artifact(GBT_SQUARED_ID, &rows, &params(Loss::Squared), from, to).unwrap();
    let hu = train_artifact(GBT_HUBER_ID, &rows, &params(Loss::Huber { delta: 4.0 }), from, to).unwrap();
    let f = full_features(&[("points_avg_last_5", 13.0)]);
    let (s, h) = (sq.predict_named(&f).unwrap(), hu.predict_named(&f).unwrap());
    assert!(s > 15.0 && (h - 12.0).abs() < 1.5, "squared {s}, huber {h}");
}

/// A season-sized training run (`cargo test -p nba-systems -- --ignored season_sized --nocapture`).
#[test]
#[ignore = "timing: a season of rows, ~seconds in a dev build"]
fn season_sized_training_run() {
    let n_features = nba_features::CONTRACT.len();
    let rows: Vec<(Vec<f64>, f64)> = (0..25_000u32)
        .map(|i| {
            let x: Vec<f64> = (0..n_features)
                .map(|f| f64::from((i.wrapping_mul(2654435761) >> (f % 16)) % 1000) / 10.0)
                .collect();
            let y = 0.3 * x[0] + 0.1 * x[1] + if x[5] > 50.0 { 3.0 } else { 0.0 };
            (x, y)
        })
        .collect();
    let start = std::time::Instant::now();
    let a = train_artifact(
        GBT_SQUARED_ID,
        &rows,
        &GbtParams::squared(),
        date("2023-10-24"),
        date("2024-04-14"),
    )
    .unwrap();
    let trained = start.elapsed();
    let json = a.to_json();
    let start = std::time::Instant::now();
    let back = ModelArtifact::from_json(&json).unwrap();
    let loaded = start.elapsed();
    let mae = rows.iter().map(|(x, y)| (back.model.predict(x) - y).abs()).sum::<f64>() / rows.len() as f64;
    println!(
        "trained 25k x {n_features} in {trained:?}; artifact {} KiB, loaded in {loaded:?}; train mae {mae:.3}",
        json.len() / 1024
    );
}
