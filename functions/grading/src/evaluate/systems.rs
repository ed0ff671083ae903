//! Which systems the harness evaluates, and how they are (re)trained.
//!
//! A [`SystemFactory`] builds the full set of systems for a date from training
//! examples the harness has already checked are strictly before that date. The
//! default, [`RegistryFactory`], is the platform's own: `nba_systems::standard_systems`
//! (all 7 systems) with both gradient-boosted models trained on those rows.
//! [`StandardFactory`] is a cheap alternative (moving average plus [`Ridge`], a
//! small trained linear model: exactly the kind of model a leaked target makes
//! look brilliant), used by the leak tests.

use chrono::NaiveDate;
use nba_systems::{EnsembleSystem, PredictionInput, PredictionSystem, SystemError, SystemPrediction};

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
        use nba_systems::gbt::{GBT_HUBER_ID, GBT_SQUARED_ID};
        let rows: Vec<(Vec<f64>, f64)> = training
            .iter()
            .filter_map(|r| Some((nba_systems::gbt::contract_row(&r.features).ok()?, r.actual_points)))
            .collect();
        let (first, last) = match (
            training.iter().map(|r| r.game_date).min(),
            training.iter().map(|r| r.game_date).max(),
        ) {
            (Some(a), Some(b)) => (a, b),
            _ => (as_of, as_of),
        };
        let models = if rows.len() < Ridge::MIN_ROWS {
            // Too little history: the trees stay unloaded and decline, as in production.
            nba_systems::Models::none()
        } else {
            let train = |id: &str, p: &nba_systems::GbtParams| {
                nba_systems::train_artifact(id, &rows, p, first, last).map_err(|e| format!("{id}: {e}"))
            };
            nba_systems::Models::new(
                Some(train(GBT_SQUARED_ID, &self.squared)?),
                Some(train(GBT_HUBER_ID, &self.huber)?),
            )
            .map_err(|e| e.to_string())?
        };
        let (base, ensembles) = nba_systems::standard_systems(&models);
        Ok(SystemSet { base, ensembles })
    }
}

/// A cheap set: the moving average plus the trained [`Ridge`].
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardFactory;

impl SystemFactory for StandardFactory {
    fn build(&self, training: &[TrainingRow], as_of: NaiveDate) -> Result<SystemSet, String> {
        Ok(SystemSet {
            base: vec![
                Box::new(nba_systems::moving_average::MovingAverage),
                Box::new(Ridge::train(training, as_of)),
            ],
            ensembles: Vec::new(),
        })
    }
}

/// The platform's recommendation rule (`nba_systems::recommend`, default
/// thresholds), so evaluated hit rates are those the platform would publish.
pub fn recommend(predicted: f64, confidence: f64, line: Option<f64>) -> Recommendation {
    let r = nba_systems::recommend(predicted, line, confidence, &nba_systems::Thresholds::default());
    match r.kind {
        nba_systems::RecommendationKind::Over => Recommendation::Over,
        nba_systems::RecommendationKind::Under => Recommendation::Under,
        nba_systems::RecommendationKind::Pass => Recommendation::Pass,
        nba_systems::RecommendationKind::NoLine => Recommendation::NoLine,
    }
}

/// Ridge regression of points on the whole feature vector (standardised, with an
/// unpenalised intercept), refitted at every retrain. Features are read by name
/// from the contract, never by position.
#[derive(Debug, Clone)]
pub struct Ridge {
    trained_as_of: NaiveDate,
    rows: usize,
    names: Vec<&'static str>,
    means: Vec<f64>,
    scales: Vec<f64>,
    weights: Vec<f64>,
    intercept: f64,
}

impl Ridge {
    pub const SYSTEM_ID: &'static str = "eval_ridge";
    /// Fewer examples than this and the model declines to predict.
    pub const MIN_ROWS: usize = 50;
    const LAMBDA: f64 = 1.0;

    pub fn train(rows: &[TrainingRow], as_of: NaiveDate) -> Ridge {
        let names = nba_features::CONTRACT.names();
        let k = names.len();
        let mut model = Ridge {
            trained_as_of: as_of,
            rows: rows.len(),
            names: names.clone(),
            means: vec![0.0; k],
            scales: vec![1.0; k],
            weights: vec![0.0; k],
            intercept: 0.0,
        };
        if rows.len() < Self::MIN_ROWS {
            return model;
        }
        let n = rows.len() as f64;
        let x: Vec<Vec<f64>> = rows
            .iter()
            .map(|r| {
                names
                    .iter()
                    .map(|f| r.features.get(*f).copied().unwrap_or(0.0))
                    .collect()
            })
            .collect();
        for j in 0..k {
            let mean = x.iter().map(|row| row[j]).sum::<f64>() / n;
            let var = x.iter().map(|row| (row[j] - mean).powi(2)).sum::<f64>() / n;
            model.means[j] = mean;
            model.scales[j] = if var > 1e-12 { var.sqrt() } else { 1.0 };
        }
        let y_mean = rows.iter().map(|r| r.actual_points).sum::<f64>() / n;
        let mut a = vec![vec![0.0; k]; k];
        let mut b = vec![0.0; k];
        for (row, r) in x.iter().zip(rows) {
            let z: Vec<f64> = (0..k).map(|j| (row[j] - model.means[j]) / model.scales[j]).collect();
            let y = r.actual_points - y_mean;
            for i in 0..k {
                b[i] += z[i] * y;
                for j in i..k {
                    a[i][j] += z[i] * z[j];
                }
            }
        }
        // Mirror the upper triangle, then add the ridge penalty on the diagonal.
        for i in 0..k {
            let (upper, lower) = a.split_at_mut(i);
            for (j, above) in upper.iter().enumerate() {
                lower[0][j] = above[i];
            }
            lower[0][i] += Self::LAMBDA;
        }
        if let Some(w) = solve(a, b) {
            model.weights = w;
            model.intercept = y_mean;
        }
        model
    }

    pub fn is_trained(&self) -> bool {
        self.rows >= Self::MIN_ROWS
    }
}

impl PredictionSystem for Ridge {
    fn system_id(&self) -> &'static str {
        Self::SYSTEM_ID
    }

    fn version(&self) -> String {
        format!("ridge-{}-n{}", self.trained_as_of, self.rows)
    }

    fn predict(&self, input: &PredictionInput) -> Result<SystemPrediction, SystemError> {
        if !self.is_trained() {
            return Err(SystemError::Model(format!(
                "not trained: {} rows before {}",
                self.rows, self.trained_as_of
            )));
        }
        let mut y = self.intercept;
        for (j, name) in self.names.iter().enumerate() {
            let v = input
                .feature(name)
                .ok_or_else(|| SystemError::MissingFeature(name.to_string()))?;
            y += self.weights[j] * (v - self.means[j]) / self.scales[j];
        }
        Ok(SystemPrediction {
            system_id: Self::SYSTEM_ID.to_string(),
            system_version: self.version(),
            predicted_points: y.clamp(0.0, 60.0),
            confidence: 0.6,
            factors: Vec::new(),
        })
    }
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            if f == 0.0 {
                continue;
            }
            let (top, bottom) = a.split_at_mut(row);
            let pivot_row = &top[col];
            for (target, p) in bottom[0][col..].iter_mut().zip(&pivot_row[col..]) {
                *target -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
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

    #[test]
    fn the_solver_solves() {
        let x = solve(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![3.0, 5.0]).unwrap();
        assert!((x[0] - 0.8).abs() < 1e-9 && (x[1] - 1.4).abs() < 1e-9, "{x:?}");
    }
}
