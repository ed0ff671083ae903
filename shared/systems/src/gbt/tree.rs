//! Regression trees on binned features: histogram split search, depth limit, minimum
//! leaf size. A tree is fitted to pseudo-residuals with the squared-error criterion
//! (as in Friedman's gradient boosting); the loss then sets the leaf values.

use serde::{Deserialize, Serialize};

/// A node of a tree; the root is `nodes[0]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Node {
    /// `x[feature] <= threshold` goes left (a NaN goes right). `value` is the mean
    /// fitted target of the node's rows: the per-feature contributions are differences of it.
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
        value: f64,
    },
    Leaf {
        value: f64,
    },
}

impl Node {
    pub fn value(&self) -> f64 {
        match self {
            Node::Split { value, .. } | Node::Leaf { value } => *value,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The leaf value `x` falls into.
    pub fn predict(&self, x: &[f64]) -> f64 {
        self.walk(x, |_, _| ())
    }

    /// The leaf value, adding each split's change of value to its feature's
    /// entry of `contributions` (Saabas attribution: root value + Σ changes = leaf value).
    pub fn predict_with_contributions(&self, x: &[f64], scale: f64, contributions: &mut [f64]) -> f64 {
        self.walk(x, |feature, delta| contributions[feature] += scale * delta)
    }

    fn walk(&self, x: &[f64], mut on_split: impl FnMut(usize, f64)) -> f64 {
        let mut i = 0;
        loop {
            match &self.nodes[i] {
                Node::Leaf { value } => return *value,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                    value,
                } => {
                    i = if x[*feature] <= *threshold { *left } else { *right };
                    on_split(*feature, self.nodes[i].value() - value);
                }
            }
        }
    }

    /// Highest feature index used (for validating an artifact against its names).
    pub fn max_feature(&self) -> Option<usize> {
        self.nodes
            .iter()
            .filter_map(|n| match n {
                Node::Split { feature, .. } => Some(*feature),
                Node::Leaf { .. } => None,
            })
            .max()
    }

    /// Whether every child index points inside the tree and after its parent (no cycles).
    pub fn is_well_formed(&self) -> bool {
        !self.nodes.is_empty()
            && self.nodes.iter().enumerate().all(|(i, n)| match n {
                Node::Split {
                    left, right, threshold, ..
                } => {
                    *left > i
                        && *right > i
                        && *left < self.nodes.len()
                        && *right < self.nodes.len()
                        && !threshold.is_nan()
                }
                Node::Leaf { value } => value.is_finite(),
            })
    }
}

/// Features quantised into at most `max_bins` bins: `bins[f][row]` is the number of
/// `edges[f]` below the value, so `bin <= b` ⇔ `value <= edges[f][b]`.
#[derive(Debug, Clone)]
pub struct Binned {
    pub edges: Vec<Vec<f64>>,
    pub bins: Vec<Vec<u16>>,
}

/// Split candidates of one column: midpoints between consecutive distinct values,
/// thinned to quantiles when there are more than `max_bins` distinct values.
pub fn edges(column: &[f64], max_bins: usize) -> Vec<f64> {
    let mut sorted: Vec<f64> = column.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let mut unique = sorted.clone();
    unique.dedup();
    let cuts: Vec<f64> = if unique.len() <= max_bins {
        unique[..unique.len().saturating_sub(1)].to_vec()
    } else {
        let mut c: Vec<f64> = (1..max_bins).map(|k| sorted[k * sorted.len() / max_bins]).collect();
        c.dedup();
        c
    };
    cuts.into_iter()
        .filter_map(|c| {
            let next = unique.get(unique.partition_point(|u| *u <= c))?;
            Some(c + (next - c) / 2.0)
        })
        .collect()
}

impl Binned {
    pub fn new(rows: &[(Vec<f64>, f64)], max_bins: usize) -> Binned {
        let n_features = rows.first().map_or(0, |(x, _)| x.len());
        let mut edges_all = Vec::with_capacity(n_features);
        let mut bins = Vec::with_capacity(n_features);
        for f in 0..n_features {
            let column: Vec<f64> = rows.iter().map(|(x, _)| x[f]).collect();
            let e = edges(&column, max_bins.clamp(2, u16::MAX as usize));
            bins.push(column.iter().map(|v| bin_of(&e, *v)).collect());
            edges_all.push(e);
        }
        Binned { edges: edges_all, bins }
    }
}

/// Bin of a value: the number of edges below it (a NaN: past the last edge, i.e. right).
fn bin_of(edges: &[f64], v: f64) -> u16 {
    if v.is_nan() {
        return edges.len() as u16;
    }
    edges.partition_point(|e| *e < v) as u16
}

/// Shape limits of a tree.
#[derive(Debug, Clone, Copy)]
pub struct TreeShape {
    pub max_depth: usize,
    pub min_leaf: usize,
}

/// The best split of some rows: feature, bin, gain.
fn best_split(binned: &Binned, rows: &[u32], target: &[f64], min_leaf: usize) -> Option<(usize, u16, f64)> {
    let n = rows.len() as f64;
    let total: f64 = rows.iter().map(|&r| target[r as usize]).sum();
    let parent = total * total / n;
    let mut best: Option<(usize, u16, f64)> = None;
    for (f, edges) in binned.edges.iter().enumerate() {
        let n_bins = edges.len() + 1;
        if n_bins < 2 {
            continue;
        }
        let mut sum = vec![0.0; n_bins];
        let mut count = vec![0usize; n_bins];
        let column = &binned.bins[f];
        for &r in rows {
            let b = column[r as usize] as usize;
            sum[b] += target[r as usize];
            count[b] += 1;
        }
        let (mut sl, mut nl) = (0.0, 0usize);
        for b in 0..n_bins - 1 {
            sl += sum[b];
            nl += count[b];
            let nr = rows.len() - nl;
            if nl < min_leaf || nr < min_leaf {
                continue;
            }
            let sr = total - sl;
            let gain = sl * sl / nl as f64 + sr * sr / nr as f64 - parent;
            if gain > 1e-12 && best.is_none_or(|(.., g)| gain > g) {
                best = Some((f, b as u16, gain));
            }
        }
    }
    best
}

/// Fits a tree to `target` over `rows`; `leaf_value` gives each leaf's value from its rows.
pub fn fit(
    binned: &Binned,
    rows: &mut [u32],
    target: &[f64],
    shape: TreeShape,
    leaf_value: &dyn Fn(&[u32]) -> f64,
) -> Tree {
    let mut nodes = Vec::new();
    grow(binned, rows, target, shape, 0, leaf_value, &mut nodes);
    Tree { nodes }
}

fn grow(
    binned: &Binned,
    rows: &mut [u32],
    target: &[f64],
    shape: TreeShape,
    depth: usize,
    leaf_value: &dyn Fn(&[u32]) -> f64,
    nodes: &mut Vec<Node>,
) -> usize {
    let id = nodes.len();
    let split = (depth < shape.max_depth && rows.len() >= 2 * shape.min_leaf.max(1))
        .then(|| best_split(binned, rows, target, shape.min_leaf.max(1)))
        .flatten();
    let Some((feature, bin, _)) = split else {
        nodes.push(Node::Leaf {
            value: leaf_value(rows),
        });
        return id;
    };
    let value = rows.iter().map(|&r| target[r as usize]).sum::<f64>() / rows.len() as f64;
    let threshold = binned.edges[feature][bin as usize];
    nodes.push(Node::Leaf { value }); // placeholder until the children exist
    let column = &binned.bins[feature];
    let mid = partition(rows, |r| column[r as usize] <= bin);
    let (left_rows, right_rows) = rows.split_at_mut(mid);
    let left = grow(binned, left_rows, target, shape, depth + 1, leaf_value, nodes);
    let right = grow(binned, right_rows, target, shape, depth + 1, leaf_value, nodes);
    nodes[id] = Node::Split {
        feature,
        threshold,
        left,
        right,
        value,
    };
    id
}

/// Moves the rows satisfying `left` to the front; returns how many there are.
fn partition(rows: &mut [u32], left: impl Fn(u32) -> bool) -> usize {
    let mut mid = 0;
    for i in 0..rows.len() {
        if left(rows[i]) {
            rows.swap(i, mid);
            mid += 1;
        }
    }
    mid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_midpoints_and_bins_respect_them() {
        assert_eq!(edges(&[1.0, 3.0, 3.0, 5.0], 32), vec![2.0, 4.0]);
        assert_eq!(edges(&[7.0, 7.0], 32), Vec::<f64>::new());
        let many: Vec<f64> = (0..1000).map(f64::from).collect();
        let e = edges(&many, 10);
        assert_eq!(e.len(), 9);
        assert!(e.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(bin_of(&[2.0, 4.0], 2.0), 0);
        assert_eq!(bin_of(&[2.0, 4.0], 3.0), 1);
        assert_eq!(bin_of(&[2.0, 4.0], 9.0), 2);
    }

    #[test]
    fn a_step_is_found_exactly_and_contributions_sum_to_the_leaf() {
        let rows: Vec<(Vec<f64>, f64)> = (0..100)
            .map(|i| {
                let x = vec![f64::from(i % 7), f64::from(i)];
                let y = if i < 50 { -1.0 } else { 1.0 };
                (x, y)
            })
            .collect();
        let binned = Binned::new(&rows, 256);
        let target: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let mut idx: Vec<u32> = (0..100).collect();
        let mean = |r: &[u32]| r.iter().map(|&i| target[i as usize]).sum::<f64>() / r.len() as f64;
        let tree = fit(
            &binned,
            &mut idx,
            &target,
            TreeShape {
                max_depth: 3,
                min_leaf: 5,
            },
            &mean,
        );
        assert!(tree.is_well_formed());
        assert!(matches!(tree.nodes[0], Node::Split { feature: 1, threshold, .. } if threshold == 49.5));
        assert_eq!(tree.predict(&[0.0, 10.0]), -1.0);
        assert_eq!(tree.predict(&[0.0, 80.0]), 1.0);
        let mut c = vec![0.0; 2];
        let leaf = tree.predict_with_contributions(&[3.0, 80.0], 1.0, &mut c);
        assert!((tree.nodes[0].value() + c[0] + c[1] - leaf).abs() < 1e-12);
    }

    #[test]
    fn depth_and_leaf_size_are_respected() {
        let rows: Vec<(Vec<f64>, f64)> = (0..64).map(|i| (vec![f64::from(i)], f64::from(i))).collect();
        let binned = Binned::new(&rows, 64);
        let target: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let mut idx: Vec<u32> = (0..64).collect();
        let tree = fit(
            &binned,
            &mut idx,
            &target,
            TreeShape {
                max_depth: 2,
                min_leaf: 20,
            },
            &|_| 0.0,
        );
        let leaves = tree.nodes.iter().filter(|n| matches!(n, Node::Leaf { .. })).count();
        // 64 rows, min 20 per leaf: at most 3 leaves, though depth 2 would allow 4.
        assert!(leaves <= 3, "{tree:?}");
        assert!(leaves >= 2);
    }
}
