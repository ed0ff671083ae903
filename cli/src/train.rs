//! `nba train --to D`: trains the gradient-boosted tree systems on every feature
//! vector dated strictly before D joined to the points scored that day, and stores
//! each as a versioned artifact (`models/{system_id}/{D}.json` in the models bucket,
//! with its feature contract and training window). Workers predicting a game on or
//! after D load it ([`nba_predictions::models::ModelStore`]).

use chrono::NaiveDate;
use nba_cloud::{ObjectStore, Warehouse};
use nba_grading::evaluate::dataset::{Dataset, InputProvider};
use nba_grading::evaluate::systems::train_tree_artifacts;
use nba_predictions::models::ModelStore;
use nba_systems::GbtParams;
use serde::Serialize;

/// Fewer rows than this and the trees are not trained (they would mostly memorise).
pub const MIN_TRAINING_ROWS: usize = 200;

#[derive(Debug, Serialize)]
pub struct TrainReport {
    pub trained_to: NaiveDate,
    pub rows: usize,
    /// (system id, artifact key, model version); empty when there were too few rows.
    pub artifacts: Vec<(String, String, String)>,
    pub seconds: f64,
}

/// Trains both tree systems on rows before `to` and stores them.
pub async fn train(
    warehouse: &dyn Warehouse,
    objects: std::sync::Arc<dyn ObjectStore>,
    bucket: &str,
    to: NaiveDate,
) -> anyhow::Result<TrainReport> {
    let started = std::time::Instant::now();
    let data = Dataset::load(warehouse, to).await?;
    let training = data.training_before(to);
    let mut report = TrainReport {
        trained_to: to,
        rows: training.len(),
        artifacts: Vec::new(),
        seconds: 0.0,
    };
    if training.len() < MIN_TRAINING_ROWS {
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }
    let store = ModelStore::new(objects, bucket);
    let artifacts = train_tree_artifacts(&training, to, &GbtParams::squared(), &GbtParams::huber())
        .map_err(|e| anyhow::anyhow!(e))?;
    for artifact in artifacts {
        let id = artifact.system_id.clone();
        anyhow::ensure!(
            artifact.training.to < to,
            "{id}: training window ends {} (not before {to})",
            artifact.training.to
        );
        let key = store.save(&artifact, to).await?;
        report
            .artifacts
            .push((id.to_string(), key, artifact.model_version.clone()));
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
