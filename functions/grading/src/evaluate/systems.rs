//! Which systems the harness evaluates, and how they are (re)trained.
//!
//! A [`SystemFactory`] builds the full set of systems for a date from training
//! examples the harness has already checked are strictly before that date. The
//! default, [`RegistryFactory`], is the platform's own: `nba_systems::standard_systems`
//! (all 7 systems) with both gradient-boosted models trained on those rows by
//! [`train_tree_artifacts`], which `nba train` uses too.
//! [`StandardFactory`] is a cheap alternative (the moving average alone), for tests
//! that look at the harness rather than at the models.

use chrono::NaiveDate;
use nba_systems::{EnsembleSystem, PredictionSystem};

use crate::evaluate::dataset::TrainingRow;
use crate::grade::Recommendation;

/// The systems that predict from one training point on.
#[derive(Default)]
pub struct SystemSet {
    pub base: Vec<Box<dyn PredictionSystem>>,
    /// Combine the base systems' predictions for the same input.
    pub ensembles: Vec<Box<dyn EnsembleSystem>>,
}

impl SystemSet {
    pub fn ids(&self) -> Vec<String> {
        self.base
            .iter()
            .map(|s| s.system_id().to_string())
            .chain(self.ensembles.iter().map(|e| e.system_id().to_string()))
            .collect()
    }
}

pub trait SystemFactory: Send + Sync {
    /// Builds the systems that predict `as_of` (and the days up to the next
    /// retrain) from `training`, every row of which is dated before `as_of`.
    fn build(&self, training: &[TrainingRow], as_of: NaiveDate) -> Result<SystemSet, String>;
}

/// The platform's 7 systems, the two tree models trained on the rows before the date.
#[derive(Debug, Clone, Copy)]
pub struct RegistryFactory {
    pub squared: nba_systems::GbtParams,
    pub huber: nba_systems::GbtParams,
}

impl Default for RegistryFactory {
    fn default() -> Self {
        RegistryFactory {
            squared: nba_systems::GbtParams::squared(),
            huber: nba_systems::GbtParams::huber(),
        }
    }
}

impl RegistryFactory {
    /// Fewer training rows than this and the tree models stay unloaded (they decline).
    pub const MIN_TRAINING_ROWS: usize = 50;

    /// Fewer trees (faster refits) for both models.
    pub fn with_trees(n_trees: usize) -> Self {
        let d = RegistryFactory::default();
        RegistryFactory {
            squared: nba_systems::GbtParams { n_trees, ..d.squared },
            huber: nba_systems::GbtParams { n_trees, ..d.huber },
        }
    }
}

impl SystemFactory for RegistryFactory {
    fn build(&self, training: &[TrainingRow], as_of: NaiveDate) -> Result<SystemSet, String> {
        let models = if training.len() < Self::MIN_TRAINING_ROWS {
            // Too little history: the trees stay unloaded and decline, as in production.
            nba_systems::Models::none()
        } else {
            let [squared, huber] = train_tree_artifacts(training, as_of, &self.squared, &self.huber)?;
            nba_systems::Models::new(Some(squared), Some(huber)).map_err(|e| e.to_string())?
        };
        let (base, ensembles) = nba_systems::standard_systems(&models);
        Ok(SystemSet { base, ensembles })
    }
}

/// Both tree systems' artifacts from rows dated strictly before `cutoff`: `gbt_squared`
/// plain, `gbt_huber` with its market part (`nba_systems::gbt::is_market_aware`).
pub fn train_tree_artifacts(
    training: &[TrainingRow],
    cutoff: NaiveDate,
    squared: &nba_systems::GbtParams,
    huber: &nba_systems::GbtParams,
) -> Result<[nba_systems::ModelArtifact; 2], String> {
    use nba_systems::gbt::{GBT_HUBER_ID, GBT_SQUARED_ID, is_market_aware};
    let examples: Vec<nba_systems::TrainingExample> = training.iter().map(TrainingRow::example).collect();
    let train = |id: &str, p: &nba_systems::GbtParams| {
        nba_systems::train_examples(id, &examples, p, is_market_aware(id), cutoff).map_err(|e| format!("{id}: {e}"))
    };
    Ok([train(GBT_SQUARED_ID, squared)?, train(GBT_HUBER_ID, huber)?])
}

/// A cheap set: the moving average alone (nothing to train).
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardFactory;

impl SystemFactory for StandardFactory {
    fn build(&self, _training: &[TrainingRow], _as_of: NaiveDate) -> Result<SystemSet, String> {
        Ok(SystemSet {
            base: vec![Box::new(nba_systems::MovingAverage)],
            ensembles: Vec::new(),
        })
    }
}

/// The platform's recommendation rule (`nba_systems::recommend`, default
/// thresholds), so evaluated hit rates are those the platform would publish.
pub fn recommend(predicted: f64, confidence: f64, line: Option<f64>) -> Recommendation {
    nba_systems::recommend(predicted, line, confidence, &nba_systems::Thresholds::default()).kind
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_need_a_line_an_edge_and_confidence_and_follow_the_edge() {
        assert_eq!(recommend(25.0, 0.9, None), Recommendation::NoLine);
        assert_eq!(recommend(25.0, 0.9, Some(20.5)), Recommendation::Over);
        assert_eq!(recommend(15.0, 0.9, Some(20.5)), Recommendation::Under);
        assert_eq!(recommend(21.5, 0.9, Some(20.5)), Recommendation::Pass);
        assert_eq!(recommend(25.0, 0.3, Some(20.5)), Recommendation::Pass);
        assert_eq!(recommend(25.0, 0.9, Some(22.0)), Recommendation::Over);
    }
}
