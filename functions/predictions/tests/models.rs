//! Trained artifacts in the object store: which one a game date may use, and the
//! systems built from them.

use std::sync::Arc;

use chrono::NaiveDate;
use nba_cloud::embedded::LocalObjectStore;
use nba_predictions::models::{ModelStore, artifact_key};
use nba_systems::gbt::{GBT_HUBER_ID, GBT_SQUARED_ID, contract_row};
use nba_systems::{GbtParams, ModelArtifact, train_artifact};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A tiny model trained on rows up to the day before `to`.
fn artifact(id: &str, to: NaiveDate) -> ModelArtifact {
    let rows: Vec<(Vec<f64>, f64)> = (0..60)
        .map(|i| {
            let mut f = std::collections::BTreeMap::new();
            for spec in nba_features::FEATURES {
                f.insert(spec.name.to_string(), spec.default + (i % 7) as f64);
            }
            (contract_row(&f).unwrap(), 10.0 + (i % 7) as f64)
        })
        .collect();
    let params = GbtParams {
        n_trees: 5,
        ..GbtParams::squared()
    };
    train_artifact(id, &rows, &params, d("2024-10-22"), to.pred_opt().unwrap()).unwrap()
}

#[tokio::test]
async fn a_game_date_uses_the_newest_model_trained_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let objects = Arc::new(LocalObjectStore::open(dir.path()).unwrap());
    let store = ModelStore::new(objects, "nba-models");
    // Before any model: the trees are not enabled.
    let none = store.systems_for(d("2024-12-01")).await.unwrap();
    assert!(none.ids().iter().all(|id| !id.starts_with("gbt")), "{:?}", none.ids());
    for to in [d("2024-12-01"), d("2024-12-08")] {
        for id in [GBT_SQUARED_ID, GBT_HUBER_ID] {
            store.save(&artifact(id, to), to).await.unwrap();
        }
    }
    // A model trained on games before D serves D and later, never earlier dates.
    assert_eq!(store.latest_key(GBT_SQUARED_ID, d("2024-11-30")).await.unwrap(), None);
    assert_eq!(
        store.latest_key(GBT_SQUARED_ID, d("2024-12-05")).await.unwrap(),
        Some(artifact_key(GBT_SQUARED_ID, d("2024-12-01")))
    );
    assert_eq!(
        store.latest_key(GBT_SQUARED_ID, d("2024-12-08")).await.unwrap(),
        Some(artifact_key(GBT_SQUARED_ID, d("2024-12-08")))
    );
    let systems = store.systems_for(d("2024-12-10")).await.unwrap();
    let ids = systems.ids();
    assert_eq!(ids.len(), 7, "{ids:?}");
    assert!(ids.contains(&GBT_SQUARED_ID.to_string()) && ids.contains(&GBT_HUBER_ID.to_string()));
}

#[tokio::test]
async fn an_artifact_for_another_feature_set_is_a_loud_error() {
    let dir = tempfile::tempdir().unwrap();
    let objects = Arc::new(LocalObjectStore::open(dir.path()).unwrap());
    let store = ModelStore::new(objects, "nba-models");
    let mut bad = artifact(GBT_SQUARED_ID, d("2024-12-01"));
    bad.feature_set_version = "v0".into();
    store.save(&bad, d("2024-12-01")).await.unwrap();
    let err = store
        .systems_for(d("2024-12-05"))
        .await
        .err()
        .expect("a contract mismatch fails");
    assert!(err.to_string().contains("v0"), "{err}");
}
