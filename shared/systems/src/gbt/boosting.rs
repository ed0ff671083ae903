//! Gradient boosting (Friedman's TreeBoost): start from the loss's best constant, then
//! each round fit a regression tree to the pseudo-residuals (the negative gradient) and
//! set each leaf to the loss's best constant step for the rows in it, shrunk by the
//! learning rate. Deterministic: no subsampling, so a retrain gives the same model.

use serde::{Deserialize, Serialize};

use super::tree::{self, Binned, Tree, TreeShape};

/// The loss a model minimises.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Loss {
    /// Mean of the errors: the conditional mean; outliers pull it.
    Squared,
    /// Squared within `delta` points, absolute beyond: a 50-point night moves it no
    /// more than a `delta`-point miss does.
    Huber { delta: f64 },
    /// The conditional median.
    Absolute,
}

/// Training parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GbtParams {
    pub loss: Loss,
    pub n_trees: usize,
    pub learning_rate: f64,
    pub max_depth: usize,
    /// Minimum rows in a leaf.
    pub min_leaf: usize,
    /// Maximum histogram bins per feature (split candidates are bin edges).
    pub max_bins: usize,
}

impl GbtParams {
    /// Defaults sized for a season of player-games (≈ 25k rows × 38 features): shallow
    /// trees, a slow learning rate, leaves of at least 20 games.
    pub fn squared() -> GbtParams {
        GbtParams {
            loss: Loss::Squared,
            n_trees: 150,
            learning_rate: 0.05,
            max_depth: 4,
            min_leaf: 20,
            max_bins: 32,
        }
    }

    /// [`GbtParams::squared`] with Huber loss at δ = 4 points (about half a typical
    /// player's game-to-game std).
    pub fn huber() -> GbtParams {
        GbtParams {
            loss: Loss::Huber { delta: 4.0 },
            ..GbtParams::squared()
        }
    }
}

/// A trained ensemble of trees: `base + learning_rate × Σ tree(x)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbtModel {
    pub base: f64,
    pub learning_rate: f64,
    pub n_features: usize,
    pub trees: Vec<Tree>,
}

impl GbtModel {
    /// The prediction for a vector in the model's feature order.
    pub fn predict(&self, x: &[f64]) -> f64 {
        self.base + self.learning_rate * self.trees.iter().map(|t| t.predict(x)).sum::<f64>()
    }

    /// The model with its first `n` trees only (all of them when it has fewer).
    pub fn truncated(&self, n: usize) -> GbtModel {
        GbtModel {
            trees: self.trees.iter().take(n).cloned().collect(),
            ..self.clone()
        }
    }

    /// The prediction and each feature's contribution to it: prediction = base +
    /// learning_rate × Σ root values + Σ contributions.
    pub fn predict_with_contributions(&self, x: &[f64]) -> (f64, Vec<f64>) {
        let mut contributions = vec![0.0; self.n_features];
        let mut total = self.base;
        for t in &self.trees {
            total += self.learning_rate * t.predict_with_contributions(x, self.learning_rate, &mut contributions);
        }
        (total, contributions)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    #[error("no training rows")]
    Empty,
    #[error("row {row} has {have} features, the first row {expected}")]
    Ragged { row: usize, have: usize, expected: usize },
    #[error("row {row} holds a non-finite value")]
    NonFinite { row: usize },
    #[error("invalid parameters: {0}")]
    Params(String),
    #[error("a training row dated {row_date} is not before the cut-off {cutoff}")]
    NotBefore {
        row_date: chrono::NaiveDate,
        cutoff: chrono::NaiveDate,
    },
    #[error("feature {feature} equals the target on almost every training row: the target is leaking into the vector")]
    TargetLeak { feature: String },
}

fn median(xs: &mut [f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

impl Loss {
    /// The best constant for these targets.
    fn initial(self, ys: &[f64]) -> f64 {
        match self {
            Loss::Squared => ys.iter().sum::<f64>() / ys.len() as f64,
            Loss::Huber { .. } | Loss::Absolute => median(&mut ys.to_vec()),
        }
    }

    /// Negative gradient at residual `r = y − F`.
    fn pseudo_residual(self, r: f64) -> f64 {
        match self {
            Loss::Squared => r,
            Loss::Huber { delta } => r.clamp(-delta, delta),
            Loss::Absolute => r.signum() * f64::from(u8::from(r != 0.0)),
        }
    }

    /// The best constant step for a leaf with these residuals.
    fn leaf_value(self, residuals: &mut [f64]) -> f64 {
        if residuals.is_empty() {
            return 0.0;
        }
        match self {
            Loss::Squared => residuals.iter().sum::<f64>() / residuals.len() as f64,
            Loss::Absolute => median(residuals),
            Loss::Huber { delta } => {
                let m = median(residuals);
                m + residuals.iter().map(|r| (r - m).clamp(-delta, delta)).sum::<f64>() / residuals.len() as f64
            }
        }
    }
}

fn validate(rows: &[(Vec<f64>, f64)], params: &GbtParams) -> Result<usize, TrainError> {
    let expected = rows.first().ok_or(TrainError::Empty)?.0.len();
    for (i, (x, y)) in rows.iter().enumerate() {
        if x.len() != expected {
            return Err(TrainError::Ragged {
                row: i,
                have: x.len(),
                expected,
            });
        }
        if !y.is_finite() || x.iter().any(|v| !v.is_finite()) {
            return Err(TrainError::NonFinite { row: i });
        }
    }
    let bad = |m: &str| Err(TrainError::Params(m.into()));
    if !(params.learning_rate > 0.0 && params.learning_rate <= 1.0) {
        return bad("learning_rate must be in (0, 1]");
    }
    if params.max_bins < 2 {
        return bad("max_bins must be at least 2");
    }
    if let Loss::Huber { delta } = params.loss
        && !(delta > 0.0 && delta.is_finite())
    {
        return bad("huber delta must be positive");
    }
    Ok(expected)
}

/// Trains a model on `(features in contract order, actual points)` rows.
pub fn train(rows: &[(Vec<f64>, f64)], params: &GbtParams) -> Result<GbtModel, TrainError> {
    validate(rows, params)?;
    let ys: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let base = params.loss.initial(&ys);
    boost(rows, base, vec![base; rows.len()], params)
}

/// Trains trees that continue from a known starting prediction per row (`offsets[i]`, e.g. a
/// line plus its median residual): the model's base is 0 and its output is added to the
/// offset, so the trees learn only what the offset misses.
pub fn train_from_offsets(
    rows: &[(Vec<f64>, f64)],
    offsets: &[f64],
    params: &GbtParams,
) -> Result<GbtModel, TrainError> {
    validate(rows, params)?;
    if offsets.len() != rows.len() || offsets.iter().any(|o| !o.is_finite()) {
        return Err(TrainError::Params(format!(
            "{} finite offsets needed, one per row",
            rows.len()
        )));
    }
    boost(rows, 0.0, offsets.to_vec(), params)
}

fn boost(
    rows: &[(Vec<f64>, f64)],
    base: f64,
    mut current: Vec<f64>,
    params: &GbtParams,
) -> Result<GbtModel, TrainError> {
    let n_features = rows.first().map_or(0, |r| r.0.len());
    let binned = Binned::new(rows, params.max_bins);
    let ys: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let shape = TreeShape {
        max_depth: params.max_depth,
        min_leaf: params.min_leaf,
    };
    let mut trees = Vec::with_capacity(params.n_trees);
    let mut idx: Vec<u32> = (0..rows.len() as u32).collect();
    for _ in 0..params.n_trees {
        let residuals: Vec<f64> = ys.iter().zip(&current).map(|(y, f)| y - f).collect();
        let target: Vec<f64> = residuals.iter().map(|r| params.loss.pseudo_residual(*r)).collect();
        let leaf = |leaf_rows: &[u32]| {
            let mut r: Vec<f64> = leaf_rows.iter().map(|&i| residuals[i as usize]).collect();
            params.loss.leaf_value(&mut r)
        };
        let tree = tree::fit(&binned, &mut idx, &target, shape, &leaf);
        for (f, (x, _)) in current.iter_mut().zip(rows) {
            *f += params.learning_rate * tree.predict(x);
        }
        trees.push(tree);
    }
    Ok(GbtModel {
        base,
        learning_rate: params.learning_rate,
        n_features,
        trees,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 2·x0 + 5·[x1 > 0.5], on a grid.
    fn known_function() -> Vec<(Vec<f64>, f64)> {
        let mut rows = Vec::new();
        for i in 0..40 {
            for j in 0..10 {
                let x0 = f64::from(i) / 4.0;
                let x1 = f64::from(j) / 10.0;
                let x2 = f64::from((i * 7 + j * 3) % 11); // noise feature
                let y = 2.0 * x0 + if x1 > 0.5 { 5.0 } else { 0.0 };
                rows.push((vec![x0, x1, x2], y));
            }
        }
        rows
    }

    fn mae(model: &GbtModel, rows: &[(Vec<f64>, f64)]) -> f64 {
        rows.iter().map(|(x, y)| (model.predict(x) - y).abs()).sum::<f64>() / rows.len() as f64
    }

    fn params(loss: Loss) -> GbtParams {
        GbtParams {
            loss,
            n_trees: 200,
            learning_rate: 0.2,
            max_depth: 3,
            min_leaf: 3,
            max_bins: 64,
        }
    }

    #[test]
    fn learns_a_known_function() {
        let rows = known_function();
        let spread = 2.0 * 9.75 + 5.0;
        for loss in [Loss::Squared, Loss::Huber { delta: 2.0 }, Loss::Absolute] {
            let m = train(&rows, &params(loss)).unwrap();
            let err = mae(&m, &rows);
            assert!(err < 0.3, "{loss:?}: mae {err} on a range of {spread}");
            // The step on x1 is learned, not just the slope.
            let step = m.predict(&[5.0, 0.9, 0.0]) - m.predict(&[5.0, 0.1, 0.0]);
            assert!((step - 5.0).abs() < 0.6, "{loss:?}: step {step}");
        }
    }

    #[test]
    fn contributions_sum_to_the_prediction() {
        let rows = known_function();
        let m = train(&rows, &params(Loss::Squared)).unwrap();
        let x = [3.3, 0.7, 4.0];
        let (p, c) = m.predict_with_contributions(&x);
        assert!((p - m.predict(&x)).abs() < 1e-9);
        let root: f64 = m.trees.iter().map(|t| t.nodes[0].value()).sum::<f64>() * m.learning_rate;
        assert!((m.base + root + c.iter().sum::<f64>() - p).abs() < 1e-9);
        // The noise feature barely matters next to x0 and x1.
        assert!(c[2].abs() < c[0].abs().max(c[1].abs()));
    }

    #[test]
    fn robust_losses_resist_outliers() {
        // Constant 10 with 10 % of rows at 60: squared chases the mean, Huber/absolute stay near 10.
        let rows: Vec<(Vec<f64>, f64)> = (0..200)
            .map(|i| (vec![f64::from(i % 13)], if i % 10 == 0 { 60.0 } else { 10.0 }))
            .collect();
        let p = |loss| {
            let m = train(
                &rows,
                &GbtParams {
                    min_leaf: 30,
                    ..params(loss)
                },
            )
            .unwrap();
            (0..13).map(|v| m.predict(&[f64::from(v)])).sum::<f64>() / 13.0
        };
        let squared = p(Loss::Squared);
        let huber = p(Loss::Huber { delta: 4.0 });
        let absolute = p(Loss::Absolute);
        assert!((squared - 15.0).abs() < 1.0, "squared {squared}");
        assert!((huber - 10.0).abs() < 1.0, "huber {huber}");
        assert!((absolute - 10.0).abs() < 0.5, "absolute {absolute}");
    }

    #[test]
    fn bad_input_is_an_error() {
        let p = GbtParams::squared();
        assert_eq!(train(&[], &p).unwrap_err(), TrainError::Empty);
        let ragged = vec![(vec![1.0, 2.0], 1.0), (vec![1.0], 2.0)];
        assert!(matches!(train(&ragged, &p), Err(TrainError::Ragged { row: 1, .. })));
        let nan = vec![(vec![f64::NAN], 1.0)];
        assert_eq!(train(&nan, &p).unwrap_err(), TrainError::NonFinite { row: 0 });
        let zero_lr = GbtParams {
            learning_rate: 0.0,
            ..p
        };
        assert!(matches!(
            train(&[(vec![1.0], 1.0)], &zero_lr),
            Err(TrainError::Params(_))
        ));
    }

    #[test]
    fn training_is_deterministic() {
        let rows = known_function();
        let p = GbtParams {
            n_trees: 20,
            ..params(Loss::Squared)
        };
        assert_eq!(train(&rows, &p).unwrap(), train(&rows, &p).unwrap());
    }
}
