//! The market-aware form of a tree model: it predicts the median of the points scored given
//! the player's points line and the feature vector, as `line + offset + trees`.
//!
//! * The line is the forecast to beat (its median residual is about 0), so the model starts
//!   from it and learns only what it misses: the target is `points − line`.
//! * `offset`: the median of `points − line` in the training rows with the same kind of line.
//!   Points are whole numbers, so against a half-point line (20.5) the median lies a half point
//!   to one side (20 or 21, wherever more games fell), while a whole line (20) can be the median
//!   itself (a push is possible): one offset for all lines would move one kind the wrong way.
//!   A kind with fewer than `min_leaf` rows takes the median of all rows.
//! * `trees`: boosted on the rest of the residual, from the offsets (base 0). How many is
//!   chosen out of sample: trained on the earlier 4/5 of the training dates, scored by MAE
//!   (the metric) on the latest 1/5, the fewest trees whose held-out MAE is within one standard
//!   error of the best count's (the one-standard-error rule: a minimum picked among 150 noisy
//!   counts on a few hundred games flatters itself), then everything is refitted on all rows
//!   with that count. When the features hold nothing the line has not priced, the count is 0
//!   and the model is the line plus its offset: it adds no trees it could not show help on
//!   later games.
//!
//! Only rows dated strictly before the training cut-off are accepted, and a feature equal to
//! the target (`points`, or `points − line`) on almost every row refuses the training: a
//! model that sees its own target is a leak, not a forecast.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::boosting::{self, GbtModel, GbtParams, TrainError};

/// Share of the training dates (the latest ones) held out to choose the tree count.
pub const VALIDATION_SHARE: f64 = 0.2;
/// Fewer rows on either side of the split and no trees are fitted: a tree count chosen on a
/// handful of games is a guess.
pub const MIN_SPLIT_ROWS: usize = 100;
/// Rows at or above this share whose feature equals the target are a leak (as the harness's scanner).
pub const TARGET_LEAK_SHARE: f64 = 0.9;
/// Below this many rows an equality is too likely to be chance to judge.
pub const TARGET_LEAK_MIN_ROWS: usize = 30;
/// The feature of the vector that holds the line (overridden with the line predicted against).
pub const LINE_FEATURE: &str = "points_line";
/// The flag that says the vector has a line.
pub const HAS_LINE_FEATURE: &str = "has_line";

/// A training example of the market model: a vector in the model's feature order, the line
/// known before the game (never a later one) and the points scored.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketRow {
    pub game_date: NaiveDate,
    pub x: Vec<f64>,
    pub line: f64,
    pub points: f64,
}

/// How the tree count was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MarketValidation {
    /// First held-out date (held-out rows are dated on or after it); None when no split was possible.
    pub from: Option<NaiveDate>,
    pub fit_rows: usize,
    pub held_out_rows: usize,
    /// MAE on the held-out rows of the line alone, of line + offset, and of the chosen model.
    pub line_mae: Option<f64>,
    pub offset_mae: Option<f64>,
    pub chosen_mae: Option<f64>,
    pub trees_tried: usize,
    pub trees_chosen: usize,
}

/// The trained market part of an artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketModel {
    /// Median of `points − line` for whole-number lines.
    pub whole_line_offset: f64,
    /// Median of `points − line` for every other line (half points).
    pub half_line_offset: f64,
    /// Trees on the residual after the offset (base 0), already cut to the chosen count.
    pub trees: GbtModel,
    /// Training rows (all of them had a line).
    pub rows: usize,
    pub validation: MarketValidation,
}

/// Whether a line is a whole number (a push is possible).
pub fn is_whole(line: f64) -> bool {
    (line - line.round()).abs() < 1e-6
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

impl MarketModel {
    /// The offset for a line of this kind.
    pub fn offset(&self, line: f64) -> f64 {
        if is_whole(line) {
            self.whole_line_offset
        } else {
            self.half_line_offset
        }
    }

    /// The prediction for a vector (model order, line feature already set to `line`) and line.
    pub fn predict(&self, x: &[f64], line: f64) -> f64 {
        line + self.offset(line) + self.trees.predict(x)
    }

    /// The prediction and each feature's contribution to the trees' part.
    pub fn predict_with_contributions(&self, x: &[f64], line: f64) -> (f64, Vec<f64>) {
        let (trees, contributions) = self.trees.predict_with_contributions(x);
        (line + self.offset(line) + trees, contributions)
    }

    pub fn is_well_formed(&self, n_features: usize) -> Result<(), String> {
        if !(self.whole_line_offset.is_finite() && self.half_line_offset.is_finite()) {
            return Err("non-finite market offset".into());
        }
        if self.trees.base != 0.0 || self.trees.n_features != n_features {
            return Err(format!(
                "market trees: base {} and {} features (expected 0 and {n_features})",
                self.trees.base, self.trees.n_features
            ));
        }
        for (i, tree) in self.trees.trees.iter().enumerate() {
            if !tree.is_well_formed() || tree.max_feature().is_some_and(|f| f >= n_features) {
                return Err(format!("market tree {i} is not a tree over the names"));
            }
        }
        Ok(())
    }
}

/// Offsets (whole, half) from rows: each kind's median residual, or all rows' when the kind
/// has fewer than `min_rows`.
fn offsets(rows: &[&MarketRow], min_rows: usize) -> (f64, f64) {
    let residual = |r: &&MarketRow| r.points - r.line;
    let all = median(rows.iter().map(residual).collect()).unwrap_or(0.0);
    let kind = |whole: bool| {
        let rs: Vec<f64> = rows
            .iter()
            .filter(|r| is_whole(r.line) == whole)
            .map(residual)
            .collect();
        if rs.len() < min_rows.max(1) {
            all
        } else {
            median(rs).unwrap_or(all)
        }
    };
    (kind(true), kind(false))
}

fn offset_of(offsets: (f64, f64), line: f64) -> f64 {
    if is_whole(line) { offsets.0 } else { offsets.1 }
}

/// Fails when a feature equals the target (`points` or `points − line`) on almost every row.
pub fn check_target_leak(rows: &[MarketRow], names: &[String]) -> Result<(), TrainError> {
    if rows.len() < TARGET_LEAK_MIN_ROWS {
        return Ok(());
    }
    let n = rows.first().map_or(0, |r| r.x.len());
    for f in 0..n {
        let equal = rows
            .iter()
            .filter(|r| {
                let v = r.x[f];
                (v - r.points).abs() < 1e-9 || (v - (r.points - r.line)).abs() < 1e-9
            })
            .count();
        if equal as f64 >= TARGET_LEAK_SHARE * rows.len() as f64 {
            return Err(TrainError::TargetLeak {
                feature: names.get(f).cloned().unwrap_or_else(|| format!("#{f}")),
            });
        }
    }
    Ok(())
}

/// Trains the market model on rows dated strictly before `cutoff` (see the module doc).
pub fn train_market(
    rows: &[MarketRow],
    names: &[String],
    params: &GbtParams,
    cutoff: NaiveDate,
) -> Result<MarketModel, TrainError> {
    if rows.is_empty() {
        return Err(TrainError::Empty);
    }
    if let Some(r) = rows.iter().find(|r| r.game_date >= cutoff) {
        return Err(TrainError::NotBefore {
            row_date: r.game_date,
            cutoff,
        });
    }
    if let Some(i) = rows.iter().position(|r| !(r.line.is_finite() && r.line > 0.0)) {
        return Err(TrainError::NonFinite { row: i });
    }
    check_target_leak(rows, names)?;
    let validation = choose_tree_count(rows, params)?;
    let all: Vec<&MarketRow> = rows.iter().collect();
    let (whole, half) = offsets(&all, params.min_leaf);
    let trees = fit_trees(&all, (whole, half), validation.trees_chosen, params)?;
    Ok(MarketModel {
        whole_line_offset: whole,
        half_line_offset: half,
        trees,
        rows: rows.len(),
        validation,
    })
}

fn fit_trees(
    rows: &[&MarketRow],
    offsets: (f64, f64),
    n_trees: usize,
    params: &GbtParams,
) -> Result<GbtModel, TrainError> {
    let data: Vec<(Vec<f64>, f64)> = rows.iter().map(|r| (r.x.clone(), r.points - r.line)).collect();
    let start: Vec<f64> = rows.iter().map(|r| offset_of(offsets, r.line)).collect();
    boosting::train_from_offsets(&data, &start, &GbtParams { n_trees, ..*params })
}

/// Fits on the earlier dates, keeps the tree count with the lowest held-out MAE.
fn choose_tree_count(rows: &[MarketRow], params: &GbtParams) -> Result<MarketValidation, TrainError> {
    let mut dates: Vec<NaiveDate> = rows.iter().map(|r| r.game_date).collect();
    dates.sort();
    dates.dedup();
    let from = dates
        .get(((1.0 - VALIDATION_SHARE) * dates.len() as f64).floor() as usize)
        .copied();
    let (fit, held): (Vec<&MarketRow>, Vec<&MarketRow>) =
        rows.iter().partition(|r| from.is_none_or(|d| r.game_date < d));
    let mut v = MarketValidation {
        from,
        fit_rows: fit.len(),
        held_out_rows: held.len(),
        line_mae: None,
        offset_mae: None,
        chosen_mae: None,
        trees_tried: 0,
        trees_chosen: 0,
    };
    if fit.len() < MIN_SPLIT_ROWS || held.len() < MIN_SPLIT_ROWS {
        return Ok(v);
    }
    let n = held.len() as f64;
    let offs = offsets(&fit, params.min_leaf);
    let model = fit_trees(&fit, offs, params.n_trees, params)?;
    let mut current: Vec<f64> = held.iter().map(|r| r.line + offset_of(offs, r.line)).collect();
    let abs_errors =
        |current: &[f64]| -> Vec<f64> { current.iter().zip(&held).map(|(p, r)| (r.points - p).abs()).collect() };
    // errors[k][i]: held-out row i's absolute error with the first k trees.
    let mut errors = vec![abs_errors(&current)];
    for tree in &model.trees {
        for (p, r) in current.iter_mut().zip(&held) {
            *p += model.learning_rate * tree.predict(&r.x);
        }
        errors.push(abs_errors(&current));
    }
    let mae = |e: &[f64]| e.iter().sum::<f64>() / n;
    let best = (0..errors.len())
        .min_by(|a, b| mae(&errors[*a]).total_cmp(&mae(&errors[*b])))
        .unwrap_or(0);
    let chosen = (0..=best)
        .find(|k| {
            let d: Vec<f64> = errors[*k].iter().zip(&errors[best]).map(|(a, b)| a - b).collect();
            mean_diff(&d) <= standard_error(&d)
        })
        .unwrap_or(best);
    v.line_mae = Some(held.iter().map(|r| (r.points - r.line).abs()).sum::<f64>() / n);
    v.offset_mae = Some(mae(&errors[0]));
    v.trees_tried = model.trees.len();
    v.trees_chosen = chosen;
    v.chosen_mae = Some(mae(&errors[chosen]));
    Ok(v)
}

fn mean_diff(d: &[f64]) -> f64 {
    d.iter().sum::<f64>() / d.len().max(1) as f64
}

/// Standard error of the mean of `d` (0 with fewer than two values).
fn standard_error(d: &[f64]) -> f64 {
    if d.len() < 2 {
        return 0.0;
    }
    let m = mean_diff(d);
    let var = d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (d.len() - 1) as f64;
    (var / d.len() as f64).sqrt()
}
