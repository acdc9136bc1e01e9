//! Isolation forest: outliers are the rows that random splits isolate quickly.
//!
//! Each of $T$ trees is grown on $\psi$ rows drawn without replacement: a node picks a random
//! non-constant feature and a threshold uniform between its minimum and maximum at the node, and
//! stops at one row or at depth $\lceil \log_2 \psi \rceil$. The path length of $x$ in a tree is
//! its depth $e$ plus $c(m)$ for the $m$ training rows left in its leaf, where
//! $$c(m) = 2 H(m-1) - 2(m-1)/m \quad (m > 2), \qquad c(2) = 1, \qquad c(m \le 1) = 0,$$
//! $H(i) \approx \ln i + \gamma$ the harmonic number, is the mean path length of an unsuccessful
//! search in a binary search tree of $m$ keys. The normality score is
//! $$s(x) = -2^{-\bar h(x) / c(\psi)},$$
//! $\bar h$ the mean path length over the trees; the `auto` offset is $-0.5$ (score $0.5$ in the
//! paper's sign convention), as scikit-learn.
//!
//! Shapes: `n x d` in. Cost: $O(T \psi \log \psi)$ to fit, $O(T \log \psi)$ per scored row; trees are
//! grown and rows scored in parallel, with results independent of the thread count.
//!
//! Reference: F. T. Liu, K. M. Ting, Z.-H. Zhou, "Isolation Forest", ICDM 2008.
//!
//! ```
//! use breadth_classic::outlier::{IsolationForestParams, OutlierDetector};
//! use breadth_core::{Dataset, Fit};
//! use ndarray::Array2;
//! let mut x = Array2::from_shape_fn((100, 2), |(i, j)| ((i * 7 + j * 3) % 10) as f64 / 10.0);
//! x[[0, 0]] = 25.0;
//! let model = IsolationForestParams::default().seed(1).fit(&Dataset::new(x.clone())).unwrap();
//! let s = model.score_samples(x.view()).unwrap();
//! assert!(s.iter().skip(1).all(|&v| v > s[0]));
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::rng::child_seeds;
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{seeded_rng, Dataset, Error, Fit, Result};
use ndarray::{Array1, ArrayView1, ArrayView2, Axis};
use rand::Rng as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{labels_from_decision, outlier_clusterer, Contamination, OutlierDetector};

/// Hyper-parameters of the isolation forest.
#[derive(Debug, Clone, PartialEq)]
pub struct IsolationForestParams {
    /// Number of trees $T$.
    pub n_estimators: usize,
    /// Rows per tree $\psi$; `None` takes $\min(256, n)$.
    pub max_samples: Option<usize>,
    /// How the threshold is set.
    pub contamination: Contamination,
    /// Seed of the subsamples and splits.
    pub seed: u64,
}

impl Default for IsolationForestParams {
    fn default() -> Self {
        IsolationForestParams {
            n_estimators: 100,
            max_samples: None,
            contamination: Contamination::Auto,
            seed: 0,
        }
    }
}

impl IsolationForestParams {
    /// Set the number of trees.
    pub fn n_estimators(mut self, n: usize) -> Self {
        self.n_estimators = n;
        self
    }
    /// Set the rows per tree.
    pub fn max_samples(mut self, n: usize) -> Self {
        self.max_samples = Some(n);
        self
    }
    /// Set the contamination.
    pub fn contamination(mut self, c: Contamination) -> Self {
        self.contamination = c;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Configurable for IsolationForestParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("n_estimators", self.n_estimators, "number of trees"),
            ParamSpec::new("max_samples", "auto", "rows per tree (auto = min(256, n))"),
            ParamSpec::new(
                "contamination",
                self.contamination,
                "auto or the fraction of training rows to flag",
            ),
            ParamSpec::new("seed", self.seed, "random seed"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_estimators" => self.n_estimators = parse_param(name, value)?,
            "max_samples" if value == "auto" => self.max_samples = None,
            "max_samples" => self.max_samples = Some(parse_param(name, value)?),
            "contamination" => self.contamination = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A node of an isolation tree, children by index into the tree's node list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Node {
    /// Rows with `x[feature] <= threshold` go left.
    Split {
        feature: usize,
        threshold: f64,
        left: u32,
        right: u32,
    },
    /// The depth-plus-$c(m)$ path length of a row ending here.
    Leaf { path: f64 },
}

/// $c(m)$: mean path length of an unsuccessful search among $m$ keys.
fn average_path_length(m: usize) -> f64 {
    match m {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let m = m as f64;
            2.0 * ((m - 1.0).ln() + 0.577_215_664_901_532_9) - 2.0 * (m - 1.0) / m
        }
    }
}

struct Grower<'a> {
    x: ArrayView2<'a, f64>,
    max_depth: usize,
    nodes: Vec<Node>,
    rng: breadth_core::rng::Rng,
}

impl Grower<'_> {
    fn grow(&mut self, rows: &mut [usize], depth: usize) -> u32 {
        let id = self.nodes.len() as u32;
        self.nodes.push(Node::Leaf { path: 0.0 });
        let leaf = Node::Leaf {
            path: depth as f64 + average_path_length(rows.len()),
        };
        if rows.len() <= 1 || depth >= self.max_depth {
            self.nodes[id as usize] = leaf;
            return id;
        }
        // Draw features without replacement until one varies here, as scikit-learn's extra trees.
        let d = self.x.ncols();
        let mut candidates: Vec<usize> = (0..d).collect();
        let mut split = None;
        while !candidates.is_empty() {
            let f = candidates.swap_remove(self.rng.random_range(0..candidates.len()));
            let (lo, hi) = rows
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                    let v = self.x[[r, f]];
                    (lo.min(v), hi.max(v))
                });
            if hi > lo {
                let mut t = lo + (hi - lo) * self.rng.random::<f64>();
                // Rounding can land on `hi`, which would leave the right side empty.
                if t >= hi {
                    t = lo;
                }
                split = Some((f, t));
                break;
            }
        }
        let Some((feature, threshold)) = split else {
            self.nodes[id as usize] = leaf;
            return id;
        };
        let mut mid = 0;
        for i in 0..rows.len() {
            if self.x[[rows[i], feature]] <= threshold {
                rows.swap(i, mid);
                mid += 1;
            }
        }
        let (l, r) = rows.split_at_mut(mid);
        let left = self.grow(l, depth + 1);
        let right = self.grow(r, depth + 1);
        self.nodes[id as usize] = Node::Split {
            feature,
            threshold,
            left,
            right,
        };
        id
    }
}

fn path_length(nodes: &[Node], row: ArrayView1<'_, f64>) -> f64 {
    let mut i = 0usize;
    loop {
        match nodes[i] {
            Node::Leaf { path } => return path,
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                i = if row[feature] <= threshold {
                    left
                } else {
                    right
                } as usize;
            }
        }
    }
}

/// A fitted isolation forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IsolationForest {
    trees: Vec<Vec<Node>>,
    psi: usize,
    offset: f64,
    n_features: usize,
    labels: Array1<i64>,
}

impl IsolationForest {
    /// Mean path length $\bar h(x)$ of each row over the trees.
    pub fn mean_path_length(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        let t = self.trees.len() as f64;
        let mut out = Array1::zeros(x.nrows());
        // Tree-major within a block of rows: one tree's nodes stay in L1 while the block passes.
        out.as_slice_mut()
            .expect("fresh array is contiguous")
            .par_chunks_mut(256)
            .zip(x.axis_chunks_iter(Axis(0), 256).into_par_iter())
            .for_each(|(o, rows)| {
                for tree in &self.trees {
                    for (oi, row) in o.iter_mut().zip(rows.outer_iter()) {
                        *oi += path_length(tree, row);
                    }
                }
                o.iter_mut().for_each(|v| *v /= t);
            });
        Ok(out)
    }

    fn scores_from_paths(&self, h: Array1<f64>) -> Array1<f64> {
        let c = average_path_length(self.psi);
        h.mapv(|v| -(2f64).powf(-v / c))
    }
}

impl IsolationForestParams {
    /// Fit, and return the normality scores of the training rows that the fit computes anyway
    /// (for the labels): one pass instead of `fit` followed by `score_samples`.
    pub fn fit_with_scores(&self, data: &Dataset) -> Result<(IsolationForest, Array1<f64>)> {
        check_fit_input(data)?;
        self.contamination.validate()?;
        if self.n_estimators == 0 {
            return Err(Error::param("n_estimators", "must be at least 1"));
        }
        let x = data.features();
        let n = x.nrows();
        let psi = match self.max_samples {
            None => n.min(256),
            Some(0) => return Err(Error::param("max_samples", "must be at least 1")),
            Some(m) => m.min(n),
        };
        let max_depth = (psi.max(2) as f64).log2().ceil() as usize;
        let trees = child_seeds(self.seed, self.n_estimators)
            .into_par_iter()
            .map(|s| {
                let mut rng = seeded_rng(s);
                let mut rows = rand::seq::index::sample(&mut rng, n, psi).into_vec();
                let mut g = Grower {
                    x,
                    max_depth,
                    nodes: Vec::new(),
                    rng,
                };
                g.grow(&mut rows, 0);
                g.nodes
            })
            .collect();
        let mut model = IsolationForest {
            trees,
            psi,
            offset: -0.5,
            n_features: x.ncols(),
            labels: Array1::zeros(0),
        };
        let scores = model.score_samples(x)?;
        model.offset = self
            .contamination
            .offset(scores.as_slice().expect("contiguous"), -0.5);
        model.labels = labels_from_decision(&(&scores - model.offset));
        Ok((model, scores))
    }
}

impl Fit for IsolationForestParams {
    type Fitted = IsolationForest;
    fn fit(&self, data: &Dataset) -> Result<IsolationForest> {
        Ok(self.fit_with_scores(data)?.0)
    }
}

impl Fitted for IsolationForest {
    fn model_name(&self) -> &'static str {
        "isolation-forest"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl OutlierDetector for IsolationForest {
    fn score_samples(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(self.scores_from_paths(self.mean_path_length(x)?))
    }
    fn offset(&self) -> f64 {
        self.offset
    }
}

outlier_clusterer!(IsolationForest);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outlier::testing::{auc, outliers_fixture, training};
    use breadth_core::conformance::check_clusterer;

    #[test]
    fn auc_close_to_scikit_learn() {
        // scikit-learn's AUC (mean over 5 seeds): reference/outliers.py, scikit-learn 1.9.1.
        let (ds, truth) = training();
        let sk = outliers_fixture()["iforest_auc"].as_f64().unwrap();
        let ours: f64 = (0..5)
            .map(|s| {
                let m = IsolationForestParams::default().seed(s).fit(&ds).unwrap();
                auc(&truth, &m.score_samples(ds.features()).unwrap())
            })
            .sum::<f64>()
            / 5.0;
        assert!((ours - sk).abs() < 0.02, "ours {ours}, scikit-learn {sk}");
    }

    #[test]
    fn path_lengths_follow_c_of_m() {
        assert_eq!(average_path_length(1), 0.0);
        assert_eq!(average_path_length(2), 1.0);
        // c(256) as computed by scikit-learn's _average_path_length.
        assert!((average_path_length(256) - 10.244_770_920_119_917).abs() < 1e-9);
        // One tree on two distinct rows: one split, each row at depth 1 with c(1) = 0.
        let ds = Dataset::new(ndarray::array![[0.0], [1.0]]);
        let m = IsolationForestParams::default()
            .n_estimators(1)
            .fit(&ds)
            .unwrap();
        assert_eq!(
            m.mean_path_length(ds.features()).unwrap().to_vec(),
            vec![1.0, 1.0]
        );
    }

    #[test]
    fn contamination_flags_that_fraction() {
        let (ds, _) = training();
        let m = IsolationForestParams::default()
            .contamination(Contamination::Fraction(0.1))
            .fit(&ds)
            .unwrap();
        assert_eq!(m.labels.iter().filter(|&&l| l == -1).count(), 20);
        let bad = IsolationForestParams::default().contamination(Contamination::Fraction(0.7));
        assert!(bad.fit(&ds).is_err());
    }

    #[test]
    fn scores_from_fit_equal_score_samples() {
        let (ds, _) = training();
        let (model, scores) = IsolationForestParams::default()
            .seed(4)
            .fit_with_scores(&ds)
            .unwrap();
        assert_eq!(scores, model.score_samples(ds.features()).unwrap());
    }

    #[test]
    fn conformance() {
        let (ds, _) = training();
        check_clusterer(&IsolationForestParams::default().n_estimators(20), &ds);
    }
}
