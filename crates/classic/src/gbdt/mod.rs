//! Histogram gradient-boosted decision trees, in the design of LightGBM and XGBoost `hist`.
//!
//! Boosting fits an additive model $F_M(x) = F_0 + \sum_{m=1}^{M} f_m(x)$ where each tree $f_m$
//! is a second-order (Newton) step on the loss: with $g_i, h_i$ the gradient and hessian of the
//! loss at $F_{m-1}(x_i)$ ([`objective`]), the tree is grown to maximize the regularized gain of
//! [`grow`] and its leaves output $-\eta\,T_\alpha(G)/(H + \lambda)$. Features are binned once
//! ([`binning`]) into at most 255 `u8` bins plus a missing bin; missing values (NaN) are allowed
//! at fit and predict and follow each split's learned default direction.
//!
//! Per round: optional row subsampling (`subsample`) or GOSS (keep the `goss_top_rate` rows of
//! largest $|g h|$, sample a `goss_other_rate` share of the rest and up-weight them by
//! $(1-a)/b$; Ke et al. 2017), optional column subsampling per tree (`colsample`). With a
//! validation set (`validation_fraction`, or [`GbdtClassifierParams::fit_with_validation`])
//! boosting stops after `early_stopping_rounds` rounds without a lower validation loss and keeps
//! the best round. A classifier with $K > 2$ classes grows $K$ trees per round (softmax).
//! `monotone_constraints` (per feature -1 / 0 / 1) make the predictions decreasing / free /
//! increasing in a feature, by LightGBM's "basic" method (see [`grow`]).
//!
//! Shapes: $X$ is $n \times d$; the model holds $M K$ trees. Training costs
//! $O(M K (n d + L d B))$; prediction $O(M K\,\text{depth})$ per row, parallel over rows.
//!
//! References: Friedman, *Greedy function approximation*, 2001; Chen & Guestrin, *XGBoost*, KDD
//! 2016; Ke et al., *LightGBM*, NeurIPS 2017.
//!
//! ```
//! use breadth_classic::gbdt::GbdtClassifierParams;
//! use breadth_core::{Classifier, Fit};
//! let cancer = breadth_data::datasets::load("breast_cancer").unwrap();
//! let m = GbdtClassifierParams::default().n_estimators(30).fit(&cancer).unwrap();
//! let p = m.predict_proba(cancer.features()).unwrap();
//! assert!((p.row(0).sum() - 1.0).abs() < 1e-12);
//! assert!(m.feature_importances(breadth_classic::gbdt::Importance::Gain).sum() > 0.99);
//! ```

pub mod binning;
pub mod grow;
pub mod objective;
mod predict;

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{in_range, non_negative, positive};
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Regressor, Result};
use ndarray::{Array1, Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::Rng as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::tree::{check_fit_missing_ok, check_predict_missing_ok, Tree};
use binning::BinMapper;
use grow::{binned_leaf, GrowConfig, Grower};
pub use objective::Objective;

/// How trees grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Growth {
    /// Split the leaf of largest gain first (LightGBM), up to `num_leaves`.
    LeafWise,
    /// Split level by level (XGBoost's default), up to `max_depth`.
    DepthWise,
}

impl FromStr for Growth {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "leafwise" | "leaf" => Ok(Growth::LeafWise),
            "depthwise" | "depth" => Ok(Growth::DepthWise),
            _ => Err("expected leafwise or depthwise".into()),
        }
    }
}

impl std::fmt::Display for Growth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Growth::LeafWise => "leafwise",
            Growth::DepthWise => "depthwise",
        })
    }
}

/// Which feature importance to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importance {
    /// Total split gain.
    Gain,
    /// Number of splits.
    Split,
    /// Total hessian of the rows reaching the splits.
    Cover,
}

/// Boosting settings shared by the classifier and the regressor (LightGBM's names in comments).
#[derive(Debug, Clone, PartialEq)]
pub struct GbdtParams {
    /// Boosting rounds (`num_iterations`).
    pub n_estimators: usize,
    /// Shrinkage $\eta$.
    pub learning_rate: f64,
    /// Leaves per tree.
    pub num_leaves: usize,
    /// Depth limit (`None`: unlimited; required by depth-wise growth).
    pub max_depth: Option<usize>,
    /// Leaf-wise or depth-wise growth.
    pub growth: Growth,
    /// Value bins per feature, at most 255.
    pub max_bin: usize,
    /// L2 regularization $\lambda$ (`lambda_l2`).
    pub lambda_l2: f64,
    /// L1 regularization $\alpha$ (`lambda_l1`).
    pub lambda_l1: f64,
    /// Minimum gain of a split $\gamma$.
    pub min_split_gain: f64,
    /// Minimum hessian per leaf (`min_sum_hessian_in_leaf`).
    pub min_child_weight: f64,
    /// Minimum rows per leaf.
    pub min_data_in_leaf: usize,
    /// Share of rows used per round (`bagging_fraction`), 1 for all.
    pub subsample: f64,
    /// Share of features used per tree (`feature_fraction`).
    pub colsample: f64,
    /// GOSS: share of largest-gradient rows kept (0 disables GOSS).
    pub goss_top_rate: f64,
    /// GOSS: share of the other rows sampled.
    pub goss_other_rate: f64,
    /// Share of the training rows held out for early stopping (0: none).
    pub validation_fraction: f64,
    /// Stop after this many rounds without improvement on the validation set.
    pub early_stopping_rounds: Option<usize>,
    /// Per feature -1 / 0 / 1: predictions decreasing / free / increasing in that feature
    /// (LightGBM's `monotone_constraints`, "basic" method); empty: no constraint.
    pub monotone_constraints: Vec<i8>,
    /// Seed of the sampling.
    pub seed: u64,
}

impl Default for GbdtParams {
    fn default() -> Self {
        GbdtParams {
            n_estimators: 100,
            learning_rate: 0.1,
            num_leaves: 31,
            max_depth: None,
            growth: Growth::LeafWise,
            max_bin: 255,
            lambda_l2: 0.0,
            lambda_l1: 0.0,
            min_split_gain: 0.0,
            min_child_weight: 1e-3,
            min_data_in_leaf: 20,
            subsample: 1.0,
            colsample: 1.0,
            goss_top_rate: 0.0,
            goss_other_rate: 0.1,
            validation_fraction: 0.0,
            early_stopping_rounds: None,
            monotone_constraints: Vec::new(),
            seed: 0,
        }
    }
}

fn parse_opt(name: &str, value: &str) -> Result<Option<usize>> {
    if value.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        parse_param(name, value).map(Some)
    }
}

impl GbdtParams {
    fn validate(&self) -> Result<GrowConfig> {
        if self.n_estimators == 0 {
            return Err(Error::param("n_estimators", "must be at least 1"));
        }
        positive("learning_rate", self.learning_rate)?;
        if self.num_leaves < 2 {
            return Err(Error::param("num_leaves", "must be at least 2"));
        }
        if !(2..=255).contains(&self.max_bin) {
            return Err(Error::param(
                "max_bin",
                format!("must be in 2..=255, got {}", self.max_bin),
            ));
        }
        if self.max_depth == Some(0) {
            return Err(Error::param("max_depth", "must be at least 1"));
        }
        if self.growth == Growth::DepthWise && self.max_depth.is_none() {
            return Err(Error::param(
                "max_depth",
                "depth-wise growth needs a max_depth",
            ));
        }
        non_negative("lambda_l2", self.lambda_l2)?;
        non_negative("lambda_l1", self.lambda_l1)?;
        non_negative("min_split_gain", self.min_split_gain)?;
        non_negative("min_child_weight", self.min_child_weight)?;
        if self.subsample <= 0.0 || self.subsample > 1.0 {
            return Err(Error::param("subsample", "must lie in (0, 1]"));
        }
        if self.colsample <= 0.0 || self.colsample > 1.0 {
            return Err(Error::param("colsample", "must lie in (0, 1]"));
        }
        in_range("goss_top_rate", self.goss_top_rate, 0.0, 1.0)?;
        in_range("goss_other_rate", self.goss_other_rate, 0.0, 1.0)?;
        if self.goss_top_rate > 0.0
            && (self.goss_other_rate <= 0.0 || self.goss_top_rate + self.goss_other_rate > 1.0)
        {
            return Err(Error::param(
                "goss_other_rate",
                "GOSS needs 0 < other rate and top + other <= 1",
            ));
        }
        in_range("validation_fraction", self.validation_fraction, 0.0, 0.9)?;
        let num_leaves = match (self.growth, self.max_depth) {
            (Growth::DepthWise, Some(d)) => self.num_leaves.max(1 << d.min(20)),
            _ => self.num_leaves,
        };
        Ok(GrowConfig {
            num_leaves,
            max_depth: self.max_depth.unwrap_or(usize::MAX),
            lambda_l2: self.lambda_l2,
            lambda_l1: self.lambda_l1,
            min_split_gain: self.min_split_gain,
            min_child_weight: self.min_child_weight,
            min_data_in_leaf: self.min_data_in_leaf.max(1) as f64,
            learning_rate: self.learning_rate,
            depthwise: self.growth == Growth::DepthWise,
            monotone: Vec::new(),
        })
    }

    /// The constraints of `d` features for the grower: empty when none is set.
    fn monotone(&self, d: usize) -> Result<Vec<i8>> {
        let m = &self.monotone_constraints;
        if m.is_empty() {
            return Ok(Vec::new());
        }
        if m.len() != d {
            return Err(Error::param(
                "monotone_constraints",
                format!(
                    "needs one entry per feature: {d} features, {} entries",
                    m.len()
                ),
            ));
        }
        if let Some(v) = m.iter().find(|v| !(-1..=1).contains(*v)) {
            return Err(Error::param(
                "monotone_constraints",
                format!("entries must be -1, 0 or 1, got {v}"),
            ));
        }
        Ok(if m.iter().all(|&v| v == 0) {
            Vec::new()
        } else {
            m.clone()
        })
    }

    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("n_estimators", self.n_estimators, "boosting rounds"),
            ParamSpec::new("learning_rate", self.learning_rate, "shrinkage"),
            ParamSpec::new("num_leaves", self.num_leaves, "leaves per tree"),
            ParamSpec::new(
                "max_depth",
                self.max_depth.map_or("none".into(), |d| d.to_string()),
                "depth limit or none",
            ),
            ParamSpec::new("growth", self.growth, "leafwise | depthwise"),
            ParamSpec::new("max_bin", self.max_bin, "bins per feature (<= 255)"),
            ParamSpec::new(
                "lambda_l2",
                self.lambda_l2,
                "L2 regularization of leaf values",
            ),
            ParamSpec::new(
                "lambda_l1",
                self.lambda_l1,
                "L1 regularization of leaf values",
            ),
            ParamSpec::new(
                "min_split_gain",
                self.min_split_gain,
                "minimum gain of a split",
            ),
            ParamSpec::new(
                "min_child_weight",
                self.min_child_weight,
                "minimum hessian per leaf",
            ),
            ParamSpec::new(
                "min_data_in_leaf",
                self.min_data_in_leaf,
                "minimum rows per leaf",
            ),
            ParamSpec::new("subsample", self.subsample, "share of rows per round"),
            ParamSpec::new("colsample", self.colsample, "share of features per tree"),
            ParamSpec::new(
                "goss_top_rate",
                self.goss_top_rate,
                "GOSS large-gradient share (0: off)",
            ),
            ParamSpec::new(
                "goss_other_rate",
                self.goss_other_rate,
                "GOSS sampled share of the rest",
            ),
            ParamSpec::new(
                "validation_fraction",
                self.validation_fraction,
                "held-out share for early stopping",
            ),
            ParamSpec::new(
                "early_stopping_rounds",
                self.early_stopping_rounds
                    .map_or("none".into(), |d| d.to_string()),
                "patience in rounds, or none",
            ),
            ParamSpec::new(
                "monotone_constraints",
                if self.monotone_constraints.is_empty() {
                    String::from("none")
                } else {
                    let v: Vec<String> = self
                        .monotone_constraints
                        .iter()
                        .map(i8::to_string)
                        .collect();
                    v.join(",")
                },
                "per feature -1,0,1 (decreasing, free, increasing), or none",
            ),
            ParamSpec::new("seed", self.seed, "seed of the sampling"),
        ]
    }

    fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_estimators" => self.n_estimators = parse_param(name, value)?,
            "learning_rate" => self.learning_rate = parse_param(name, value)?,
            "num_leaves" => self.num_leaves = parse_param(name, value)?,
            "max_depth" => self.max_depth = parse_opt(name, value)?,
            "growth" => self.growth = parse_param(name, value)?,
            "max_bin" => self.max_bin = parse_param(name, value)?,
            "lambda_l2" => self.lambda_l2 = parse_param(name, value)?,
            "lambda_l1" => self.lambda_l1 = parse_param(name, value)?,
            "min_split_gain" => self.min_split_gain = parse_param(name, value)?,
            "min_child_weight" => self.min_child_weight = parse_param(name, value)?,
            "min_data_in_leaf" => self.min_data_in_leaf = parse_param(name, value)?,
            "subsample" => self.subsample = parse_param(name, value)?,
            "colsample" => self.colsample = parse_param(name, value)?,
            "goss_top_rate" => self.goss_top_rate = parse_param(name, value)?,
            "goss_other_rate" => self.goss_other_rate = parse_param(name, value)?,
            "validation_fraction" => self.validation_fraction = parse_param(name, value)?,
            "early_stopping_rounds" => self.early_stopping_rounds = parse_opt(name, value)?,
            "monotone_constraints" => {
                self.monotone_constraints = if value.eq_ignore_ascii_case("none") {
                    Vec::new()
                } else {
                    value
                        .split(',')
                        .map(|v| parse_param(name, v.trim()))
                        .collect::<Result<_>>()?
                }
            }
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The fitted ensemble behind both GBDT models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booster {
    /// Round-major: tree `m * k + c` is round `m`, class `c`.
    trees: Vec<Tree>,
    k: usize,
    init: Vec<f64>,
    objective: Objective,
    n_features: usize,
    gain: Vec<f64>,
    splits: Vec<u64>,
    best_iteration: usize,
}

/// Training data of one fit: raw features, target as reals, weights.
struct Train<'a> {
    x: ArrayView2<'a, f64>,
    y: Vec<f64>,
    w: Vec<f64>,
}

impl Booster {
    /// The trees, round-major (`n_rounds * n_outputs`).
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }
    /// Raw scores per row per round output (one column unless multi-class).
    pub fn n_outputs(&self) -> usize {
        self.k
    }
    /// The starting scores.
    pub fn init_scores(&self) -> &[f64] {
        &self.init
    }
    /// Rounds kept (the best round when early stopping ran).
    pub fn n_rounds(&self) -> usize {
        self.trees.len() / self.k
    }
    /// The round whose validation loss was lowest (the last round without validation).
    pub fn best_iteration(&self) -> usize {
        self.best_iteration
    }

    /// Feature importances, normalized to sum to one.
    pub fn feature_importances(&self, kind: Importance) -> Array1<f64> {
        let v = match kind {
            Importance::Gain => self.gain.clone(),
            Importance::Split => self.splits.iter().map(|&s| s as f64).collect(),
            Importance::Cover => {
                let mut c = vec![0.0; self.n_features];
                for t in &self.trees {
                    for n in t.nodes().iter().filter(|n| !n.is_leaf()) {
                        c[n.feature()] += n.weight();
                    }
                }
                c
            }
        };
        crate::tree::model::normalize(v)
    }

    /// Raw scores $F(x)$, `n x n_outputs`, rows in parallel (see `gbdt/predict.rs`).
    pub fn raw_scores(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        predict::raw_scores(self, x)
    }

    fn train(
        p: &GbdtParams,
        train: &Train<'_>,
        valid: Option<&Train<'_>>,
        objective: Objective,
        k: usize,
    ) -> Result<Booster> {
        // Boost on a rayon worker: the many short parallel loops of each node then push their
        // jobs onto that worker's own queue, where called from outside the pool each would
        // wake the workers through the global injector and block (a futex round trip).
        rayon::scope(|_| Self::boost(p, train, valid, objective, k))
    }

    fn boost(
        p: &GbdtParams,
        train: &Train<'_>,
        valid: Option<&Train<'_>>,
        objective: Objective,
        k: usize,
    ) -> Result<Booster> {
        let mut cfg = p.validate()?;
        let (n, d) = train.x.dim();
        cfg.monotone = p.monotone(d)?;
        let mapper = BinMapper::fit(train.x, p.max_bin, 200_000);
        let bins = mapper.transform(train.x);
        let init = objective.init(&train.y, &train.w, k);
        let mut scores: Vec<f64> = (0..n * k).map(|j| init[j % k]).collect();
        let mut v_scores: Vec<f64> = valid.map_or(Vec::new(), |v| {
            (0..v.x.nrows() * k).map(|j| init[j % k]).collect()
        });
        let mut rng = seeded_rng(p.seed);
        let mut grower = Grower::new(&bins, n, &mapper);
        let mut gh: Vec<Vec<[f32; 2]>> = vec![vec![[0.0; 2]; n]; k];
        let mut booster = Booster {
            trees: Vec::new(),
            k,
            init,
            objective,
            n_features: d,
            gain: vec![0.0; d],
            splits: vec![0; d],
            best_iteration: 0,
        };
        let (mut best_loss, mut best_round, mut since_best) = (f64::INFINITY, 0, 0);
        let n_cols = ((p.colsample * d as f64).round() as usize).clamp(1, d);
        let mut in_bag = vec![true; n];
        for round in 0..p.n_estimators {
            objective.gradients(&scores, &train.y, &train.w, k, &mut gh);
            let rows = sample_rows(p, &mut gh, &mut rng, n);
            let subset = rows.len() < n;
            if subset {
                in_bag.iter_mut().for_each(|b| *b = false);
                rows.iter().for_each(|&i| in_bag[i as usize] = true);
            }
            let active = if n_cols < d {
                let mut f: Vec<usize> = (0..d).collect();
                f.shuffle(&mut rng);
                let mut a = vec![false; d];
                f[..n_cols].iter().for_each(|&j| a[j] = true);
                a
            } else {
                vec![true; d]
            };
            for c in 0..k {
                grower.start_tree(&rows);
                let grown = grower.grow(&gh[c], &cfg, &active);
                grown.add_to_scores(&grower.rows, &mut scores, k, c);
                let tree = grown.tree;
                if subset {
                    let thr = &grown.bin_thresholds;
                    scores
                        .par_chunks_mut(k * 4096)
                        .enumerate()
                        .for_each(|(chunk, s)| {
                            for (o, row) in s.chunks_mut(k).enumerate() {
                                let i = chunk * 4096 + o;
                                if !in_bag[i] {
                                    row[c] += tree.value(binned_leaf(&tree, thr, &bins, n, i))[0];
                                }
                            }
                        });
                }
                if let Some(v) = valid {
                    for (i, row) in v.x.outer_iter().enumerate() {
                        v_scores[i * k + c] += tree.value(tree.leaf_of(row))[0];
                    }
                }
                booster
                    .gain
                    .iter_mut()
                    .zip(&grown.gain)
                    .for_each(|(a, b)| *a += b);
                booster
                    .splits
                    .iter_mut()
                    .zip(&grown.splits)
                    .for_each(|(a, b)| *a += b);
                booster.trees.push(tree);
            }
            booster.best_iteration = round;
            if let Some(v) = valid {
                let loss = objective.loss(&v_scores, &v.y, &v.w, k);
                if loss < best_loss - 1e-12 {
                    (best_loss, best_round, since_best) = (loss, round, 0);
                } else {
                    since_best += 1;
                }
                booster.best_iteration = best_round;
                if p.early_stopping_rounds.is_some_and(|r| since_best >= r) {
                    break;
                }
            }
        }
        if valid.is_some() && p.early_stopping_rounds.is_some() {
            booster.trees.truncate((best_round + 1) * k);
        }
        if booster
            .trees
            .iter()
            .any(|t| t.values.iter().any(|v| !v.is_finite()))
        {
            return Err(Error::numerical(
                "gbdt",
                "a leaf value is not finite (diverging boosting)",
            ));
        }
        Ok(booster)
    }
}

/// The rows of one round: all, a bagged subset, or the GOSS sample (which re-weights `gh`).
fn sample_rows(
    p: &GbdtParams,
    gh: &mut [Vec<[f32; 2]>],
    rng: &mut breadth_core::Rng,
    n: usize,
) -> Vec<u32> {
    if p.goss_top_rate > 0.0 {
        let mag: Vec<f32> = (0..n)
            .map(|i| gh.iter().map(|g| (g[i][0] * g[i][1]).abs()).sum())
            .collect();
        let n_top = ((p.goss_top_rate * n as f64) as usize).clamp(1, n);
        let mut sorted = mag.clone();
        let (_, cut, _) = sorted.select_nth_unstable_by(n - n_top, |a, b| a.total_cmp(b));
        let cut = *cut;
        let keep_prob = p.goss_other_rate / (1.0 - p.goss_top_rate).max(1e-12);
        let amplify = ((1.0 - p.goss_top_rate) / p.goss_other_rate) as f32;
        let mut rows = Vec::with_capacity(n_top * 2);
        for i in 0..n {
            if mag[i] >= cut {
                rows.push(i as u32);
            } else if rng.random::<f64>() < keep_prob {
                rows.push(i as u32);
                for g in gh.iter_mut() {
                    g[i][0] *= amplify;
                    g[i][1] *= amplify;
                }
            }
        }
        rows
    } else if p.subsample < 1.0 {
        (0..n as u32)
            .filter(|_| rng.random::<f64>() < p.subsample)
            .collect()
    } else {
        (0..n as u32).collect()
    }
}

/// Split off `fraction` of the rows (seeded) as a validation set.
fn holdout(data: &Dataset, fraction: f64, seed: u64) -> (Dataset, Dataset) {
    let mut idx: Vec<usize> = (0..data.n_samples()).collect();
    idx.shuffle(&mut seeded_rng(seed ^ 0x5eed));
    let n_valid = ((fraction * idx.len() as f64) as usize).max(1);
    let (v, t) = idx.split_at(n_valid);
    (data.select(t), data.select(v))
}

/// Hyper-parameters of the histogram GBDT classifier (binary log loss or softmax).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GbdtClassifierParams {
    /// Boosting settings.
    pub gbdt: GbdtParams,
}

/// Hyper-parameters of the histogram GBDT regressor.
#[derive(Debug, Clone, PartialEq)]
pub struct GbdtRegressorParams {
    /// Boosting settings.
    pub gbdt: GbdtParams,
    /// Squared error or Poisson.
    pub objective: Objective,
}

impl Default for GbdtRegressorParams {
    fn default() -> Self {
        GbdtRegressorParams {
            gbdt: GbdtParams::default(),
            objective: Objective::SquaredError,
        }
    }
}

macro_rules! gbdt_setters {
    () => {
        /// Set the number of rounds.
        pub fn n_estimators(mut self, n: usize) -> Self {
            self.gbdt.n_estimators = n;
            self
        }
        /// Set the learning rate.
        pub fn learning_rate(mut self, v: f64) -> Self {
            self.gbdt.learning_rate = v;
            self
        }
        /// Set the leaves per tree.
        pub fn num_leaves(mut self, n: usize) -> Self {
            self.gbdt.num_leaves = n;
            self
        }
        /// Set the depth limit.
        pub fn max_depth(mut self, d: Option<usize>) -> Self {
            self.gbdt.max_depth = d;
            self
        }
        /// Set the growth policy.
        pub fn growth(mut self, g: Growth) -> Self {
            self.gbdt.growth = g;
            self
        }
        /// Set the minimum rows per leaf.
        pub fn min_data_in_leaf(mut self, n: usize) -> Self {
            self.gbdt.min_data_in_leaf = n;
            self
        }
        /// Set the L2 regularization.
        pub fn lambda_l2(mut self, v: f64) -> Self {
            self.gbdt.lambda_l2 = v;
            self
        }
        /// Set the L1 regularization.
        pub fn lambda_l1(mut self, v: f64) -> Self {
            self.gbdt.lambda_l1 = v;
            self
        }
        /// Set the row subsampling share.
        pub fn subsample(mut self, v: f64) -> Self {
            self.gbdt.subsample = v;
            self
        }
        /// Set the feature subsampling share.
        pub fn colsample(mut self, v: f64) -> Self {
            self.gbdt.colsample = v;
            self
        }
        /// Enable GOSS with these top and other rates.
        pub fn goss(mut self, top: f64, other: f64) -> Self {
            self.gbdt.goss_top_rate = top;
            self.gbdt.goss_other_rate = other;
            self
        }
        /// Hold out a share of the rows and stop after `rounds` without improvement.
        pub fn early_stopping(mut self, fraction: f64, rounds: usize) -> Self {
            self.gbdt.validation_fraction = fraction;
            self.gbdt.early_stopping_rounds = Some(rounds);
            self
        }
        /// Set the seed.
        pub fn seed(mut self, s: u64) -> Self {
            self.gbdt.seed = s;
            self
        }
        /// Set the per-feature monotone constraints (-1, 0, 1; empty for none).
        pub fn monotone_constraints(mut self, c: Vec<i8>) -> Self {
            self.gbdt.monotone_constraints = c;
            self
        }
    };
}

impl GbdtClassifierParams {
    gbdt_setters!();

    fn prepare<'a>(&self, data: &'a Dataset, k: usize) -> Result<Train<'a>> {
        let (labels, _) = data.class_target("gbdt-classifier")?;
        let _ = k;
        Ok(Train {
            x: data.features(),
            y: labels.iter().map(|&l| l as f64).collect(),
            w: data.weights_or_ones().to_vec(),
        })
    }

    /// Fit with an explicit validation set for early stopping.
    pub fn fit_with_validation(&self, data: &Dataset, valid: &Dataset) -> Result<GbdtClassifier> {
        self.fit_inner(data, Some(valid))
    }

    fn fit_inner(&self, data: &Dataset, valid: Option<&Dataset>) -> Result<GbdtClassifier> {
        check_fit_missing_ok(data)?;
        let (_, names) = data.class_target("gbdt-classifier")?;
        if names.len() < 2 {
            return Err(Error::param(
                "target",
                "a classifier needs at least two classes",
            ));
        }
        let (objective, k) = if names.len() == 2 {
            (Objective::Binary, 1)
        } else {
            (Objective::Multiclass, names.len())
        };
        let split;
        let (train_ds, valid_ds) = match valid {
            Some(v) => {
                check_fit_missing_ok(v)?;
                if v.n_features() != data.n_features() {
                    return Err(Error::shape(
                        "validation features",
                        data.n_features(),
                        v.n_features(),
                    ));
                }
                (data, Some(v))
            }
            None if self.gbdt.validation_fraction > 0.0 => {
                split = holdout(data, self.gbdt.validation_fraction, self.gbdt.seed);
                (&split.0, Some(&split.1))
            }
            None => (data, None),
        };
        let train = self.prepare(train_ds, k)?;
        let valid = valid_ds.map(|v| self.prepare(v, k)).transpose()?;
        Ok(GbdtClassifier {
            booster: Booster::train(&self.gbdt, &train, valid.as_ref(), objective, k)?,
            classes: names.to_vec(),
        })
    }
}

impl GbdtRegressorParams {
    gbdt_setters!();
    /// Set the objective (squared error or Poisson).
    pub fn objective(mut self, o: Objective) -> Self {
        self.objective = o;
        self
    }

    fn prepare<'a>(&self, data: &'a Dataset) -> Result<Train<'a>> {
        let y = data.continuous_target("gbdt-regressor")?.to_vec();
        if self.objective == Objective::Poisson
            && (y.iter().any(|&v| v < 0.0) || y.iter().sum::<f64>() <= 0.0)
        {
            return Err(Error::param(
                "objective",
                "poisson needs non-negative targets with a positive sum",
            ));
        }
        Ok(Train {
            x: data.features(),
            y,
            w: data.weights_or_ones().to_vec(),
        })
    }

    /// Fit with an explicit validation set for early stopping.
    pub fn fit_with_validation(&self, data: &Dataset, valid: &Dataset) -> Result<GbdtRegressor> {
        self.fit_inner(data, Some(valid))
    }

    fn fit_inner(&self, data: &Dataset, valid: Option<&Dataset>) -> Result<GbdtRegressor> {
        check_fit_missing_ok(data)?;
        if !matches!(self.objective, Objective::SquaredError | Objective::Poisson) {
            return Err(Error::param(
                "objective",
                "a regressor takes squared_error or poisson",
            ));
        }
        let split;
        let (train_ds, valid_ds) = match valid {
            Some(v) => {
                check_fit_missing_ok(v)?;
                (data, Some(v))
            }
            None if self.gbdt.validation_fraction > 0.0 => {
                split = holdout(data, self.gbdt.validation_fraction, self.gbdt.seed);
                (&split.0, Some(&split.1))
            }
            None => (data, None),
        };
        let train = self.prepare(train_ds)?;
        let valid = valid_ds.map(|v| self.prepare(v)).transpose()?;
        Ok(GbdtRegressor {
            booster: Booster::train(&self.gbdt, &train, valid.as_ref(), self.objective, 1)?,
        })
    }
}

impl Configurable for GbdtClassifierParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        self.gbdt.specs()
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        self.gbdt.set(name, value)
    }
}

impl Configurable for GbdtRegressorParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let mut s = self.gbdt.specs();
        s.push(ParamSpec::new(
            "objective",
            self.objective,
            "squared_error | poisson",
        ));
        s
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        if name == "objective" {
            self.objective = parse_param(name, value)?;
            return Ok(true);
        }
        self.gbdt.set(name, value)
    }
}

/// A fitted histogram GBDT classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtClassifier {
    booster: Booster,
    classes: Vec<String>,
}

/// A fitted histogram GBDT regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtRegressor {
    booster: Booster,
}

impl Fit for GbdtClassifierParams {
    type Fitted = GbdtClassifier;
    fn fit(&self, data: &Dataset) -> Result<GbdtClassifier> {
        self.fit_inner(data, None)
    }
}

impl Fit for GbdtRegressorParams {
    type Fitted = GbdtRegressor;
    fn fit(&self, data: &Dataset) -> Result<GbdtRegressor> {
        self.fit_inner(data, None)
    }
}

impl GbdtClassifier {
    /// The boosted trees.
    pub fn booster(&self) -> &Booster {
        &self.booster
    }
    /// Feature importances by gain, split count or cover.
    pub fn feature_importances(&self, kind: Importance) -> Array1<f64> {
        self.booster.feature_importances(kind)
    }
}

impl GbdtRegressor {
    /// The boosted trees.
    pub fn booster(&self) -> &Booster {
        &self.booster
    }
    /// Feature importances by gain, split count or cover.
    pub fn feature_importances(&self, kind: Importance) -> Array1<f64> {
        self.booster.feature_importances(kind)
    }
}

impl Fitted for GbdtClassifier {
    fn model_name(&self) -> &'static str {
        "gbdt-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.booster.n_features
    }
}

impl Fitted for GbdtRegressor {
    fn model_name(&self) -> &'static str {
        "gbdt-regressor"
    }
    fn n_features_in(&self) -> usize {
        self.booster.n_features
    }
}

impl Classifier for GbdtClassifier {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(crate::tree::argmax_rows(&self.predict_proba(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let raw = self.decision_function(x)?;
        Ok(if self.booster.k == 1 {
            Array2::from_shape_fn((raw.nrows(), 2), |(i, j)| {
                let p = objective::sigmoid(raw[[i, 0]]);
                if j == 1 {
                    p
                } else {
                    1.0 - p
                }
            })
        } else {
            let mut p = raw;
            p.outer_iter_mut()
                .for_each(|mut r| objective::softmax(r.as_slice_mut().expect("standard layout")));
            p
        })
    }
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_missing_ok(self, x)?;
        Ok(self.booster.raw_scores(x))
    }
}

impl Regressor for GbdtRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_missing_ok(self, x)?;
        let raw = self.booster.raw_scores(x).column(0).to_owned();
        Ok(match self.booster.objective {
            Objective::Poisson => raw.mapv(f64::exp),
            _ => raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::testing::{check_classifier_missing_ok, check_regressor_missing_ok};
    use breadth_core::Target;
    use serde_json::Value;

    // Produced by reference/trees_gbdt.py (lightgbm 4.7.0).
    const GBDT: &str = include_str!("../../tests/fixtures/trees/gbdt.json");
    // Produced by reference/trees_monotone.py (lightgbm 4.7.0).
    const MONOTONE: &str = include_str!("../../tests/fixtures/trees/monotone.json");

    fn split(data: &Dataset) -> (Dataset, Dataset) {
        let (test, train): (Vec<usize>, Vec<usize>) =
            (0..data.n_samples()).partition(|i| i % 4 == 0);
        (data.select(&train), data.select(&test))
    }

    fn small() -> GbdtParams {
        GbdtParams {
            n_estimators: 60,
            num_leaves: 15,
            ..GbdtParams::default()
        }
    }

    #[test]
    fn quality_matches_lightgbm_on_fixtures() {
        let doc: Value = serde_json::from_str(GBDT).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let data = breadth_data::datasets::load(case["dataset"].as_str().unwrap()).unwrap();
            let (train, test) = split(&data);
            match case["kind"].as_str().unwrap() {
                "clf" => {
                    let m = GbdtClassifierParams { gbdt: small() }.fit(&train).unwrap();
                    let p = m.predict_proba(test.features()).unwrap();
                    let (y, _) = test.class_target("t").unwrap();
                    let ll = -y
                        .iter()
                        .enumerate()
                        .map(|(i, &c)| p[[i, c]].max(1e-15).ln())
                        .sum::<f64>()
                        / y.len() as f64;
                    let acc = crate::tree::argmax_rows(&p)
                        .iter()
                        .zip(y.iter())
                        .filter(|(a, b)| a == b)
                        .count() as f64
                        / y.len() as f64;
                    let (ref_ll, ref_acc) = (
                        case["log_loss"].as_f64().unwrap(),
                        case["accuracy"].as_f64().unwrap(),
                    );
                    assert!(
                        acc >= ref_acc - 0.02,
                        "{}: accuracy {acc} vs LightGBM {ref_acc}",
                        case["dataset"]
                    );
                    assert!(
                        ll <= ref_ll * 1.3 + 0.01,
                        "{}: log loss {ll} vs LightGBM {ref_ll}",
                        case["dataset"]
                    );
                }
                "reg" => {
                    let m = GbdtRegressorParams {
                        gbdt: small(),
                        ..Default::default()
                    }
                    .fit(&train)
                    .unwrap();
                    let pred = m.predict(test.features()).unwrap();
                    let y = test.continuous_target("t").unwrap();
                    let mean = y.mean().unwrap();
                    let r2 = 1.0
                        - (&pred - &y).mapv(|v| v * v).sum() / y.mapv(|v| (v - mean).powi(2)).sum();
                    let reference = case["r2"].as_f64().unwrap();
                    assert!(r2 >= reference - 0.05, "r2 {r2} vs LightGBM {reference}");
                }
                _ => {
                    let m = GbdtRegressorParams {
                        gbdt: small(),
                        objective: Objective::Poisson,
                    }
                    .fit(&train)
                    .unwrap();
                    let pred = m.predict(test.features()).unwrap();
                    let y = test.continuous_target("t").unwrap();
                    let dev = y
                        .iter()
                        .zip(pred.iter())
                        .map(|(&t, &p)| {
                            2.0 * (if t > 0.0 { t * (t / p).ln() } else { 0.0 } - t + p)
                        })
                        .sum::<f64>()
                        / y.len() as f64;
                    let reference = case["deviance"].as_f64().unwrap();
                    assert!(
                        dev <= reference * 1.1,
                        "poisson deviance {dev} vs LightGBM {reference}"
                    );
                }
            }
        }
    }

    /// Slow, obviously correct histogram of the given rows, from the column-major bins.
    fn slow_histogram(
        bins: &[u8],
        n: usize,
        d: usize,
        gh: &[[f32; 2]],
        rows: &[u32],
    ) -> grow::Hist {
        let mut h = vec![[grow::Sums::default(); binning::N_SLOTS]; d];
        for (f, hf) in h.iter_mut().enumerate() {
            for &i in rows {
                let e = &mut hf[bins[f * n + i as usize] as usize];
                e.g += gh[i as usize][0] as f64;
                e.h += gh[i as usize][1] as f64;
                e.n += 1.0;
            }
        }
        h
    }

    fn assert_hist_close(a: &grow::Hist, b: &grow::Hist, tol: f64) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().flatten().zip(b.iter().flatten()) {
            assert_eq!(x.n, y.n);
            assert!(
                (x.g - y.g).abs() < tol && (x.h - y.h).abs() < tol,
                "{x:?} vs {y:?}"
            );
        }
    }

    #[test]
    fn histograms_and_subtraction_match_the_slow_version() {
        let mut rng = seeded_rng(3);
        // More rows than one histogram block, so the blocked parallel path runs too; feature 1
        // holds one value (a single bin), feature 2 is mostly missing.
        let (n, d) = (grow::HIST_BLOCK + 3001, 5);
        let x = Array2::from_shape_fn((n, d), |(_, j)| match j {
            1 => 7.0,
            2 if rng.random::<f64>() < 0.7 => f64::NAN,
            _ if rng.random::<f64>() < 0.05 => f64::NAN,
            _ => rng.random::<f64>(),
        });
        let mapper = BinMapper::fit(x.view(), 64, 100_000);
        assert_eq!(mapper.n_bins(1), 1);
        let bins = mapper.transform(x.view());
        let mut g = Grower::new(&bins, n, &mapper);
        // A shuffled row order, as after partitions.
        g.rows = (0..n as u32).collect();
        g.rows.shuffle(&mut rng);
        let tol = 1e-12 * n as f64;
        let random: Vec<[f32; 2]> = (0..n)
            .map(|_| [rng.random::<f32>() - 0.5, rng.random::<f32>()])
            .collect();
        let unit: Vec<[f32; 2]> = random.iter().map(|p| [p[0], 1.0]).collect();
        // The kernel that reads counts off unit hessians, the counting one on both, and the one
        // given its counts (0, 1, 2: accumulated, from the hessian, known).
        fn counts(mode: u8, known: &grow::Hist) -> grow::Counts<'_> {
            match mode {
                0 => grow::Counts::Accumulate,
                1 => grow::Counts::FromHessian,
                _ => grow::Counts::Known(known),
            }
        }
        for (gh, mode) in [(&random, 0), (&unit, 0), (&unit, 1), (&random, 2)] {
            let slow = slow_histogram(&bins, n, d, gh, &g.rows);
            let parent = g.histogram_for_test(gh, 0, n, counts(mode, &slow));
            assert_hist_close(&parent, &slow, tol);
            // A leaf built on one thread and one whose features are shared out.
            for m in [500, 3000] {
                let slow = slow_histogram(&bins, n, d, gh, &g.rows[..m]);
                let left = g.histogram_for_test(gh, 0, m, counts(mode, &slow));
                assert_hist_close(&left, &slow, tol);
                // Parent minus the first m rows equals the histogram of the others.
                let right = slow_histogram(&bins, n, d, gh, &g.rows[m..]);
                for ((p, l), r) in parent
                    .iter()
                    .flatten()
                    .zip(left.iter().flatten())
                    .zip(right.iter().flatten())
                {
                    assert_eq!(p.n - l.n, r.n);
                    assert!((p.g - l.g - r.g).abs() < tol && (p.h - l.h - r.h).abs() < tol);
                }
            }
        }
    }

    #[test]
    fn score_update_and_reused_root_counts_match_the_simple_versions() {
        let mut rng = seeded_rng(11);
        // More rows than two histogram blocks and one block of the score update; feature 3 is a
        // single bin, the others have missing values.
        let (n, d, k) = (2 * grow::HIST_BLOCK + 4000, 4, 3);
        let x = Array2::from_shape_fn((n, d), |(_, j)| match j {
            3 => 1.0,
            _ if rng.random::<f64>() < 0.1 => f64::NAN,
            _ => rng.random::<f64>(),
        });
        let mapper = BinMapper::fit(x.view(), 32, 100_000);
        let bins = mapper.transform(x.view());
        let cfg = GbdtParams {
            num_leaves: 15,
            ..GbdtParams::default()
        }
        .validate()
        .unwrap();
        let active = vec![true; d];
        // A bagged subset, ascending as `sample_rows` gives it, shared by the k trees of a round.
        let rows: Vec<u32> = (0..n as u32)
            .filter(|_| rng.random::<f64>() < 0.7)
            .collect();
        let mut g = Grower::new(&bins, n, &mapper);
        let mut scores: Vec<f64> = (0..n * k).map(|j| j as f64 * 1e-3).collect();
        let mut want = scores.clone();
        for c in 0..k {
            let gh: Vec<[f32; 2]> = (0..n)
                .map(|_| [rng.random::<f32>() - 0.5, 0.1 + rng.random::<f32>()])
                .collect();
            // Trees after the first reuse the root's counts; a fresh grower accumulates them.
            g.start_tree(&rows);
            let grown = g.grow(&gh, &cfg, &active);
            let mut fresh = Grower::new(&bins, n, &mapper);
            fresh.start_tree(&rows);
            assert_eq!(grown.tree, fresh.grow(&gh, &cfg, &active).tree);
            assert!(grown.leaves.len() > 8);
            // The blocked update from the partition against a traversal of each row.
            grown.add_to_scores(&g.rows, &mut scores, k, c);
            for &i in &rows {
                let leaf = binned_leaf(&grown.tree, &grown.bin_thresholds, &bins, n, i as usize);
                want[i as usize * k + c] += grown.tree.value(leaf)[0];
            }
            assert_eq!(scores, want);
        }
    }

    #[test]
    fn partition_is_stable_and_matches_a_filter() {
        let mut rng = seeded_rng(5);
        // Enough rows for several partition chunks; feature 0 has missing values.
        let (n, d) = (20_000, 2);
        let x = Array2::from_shape_fn((n, d), |_| {
            if rng.random::<f64>() < 0.1 {
                f64::NAN
            } else {
                rng.random::<f64>()
            }
        });
        let mapper = BinMapper::fit(x.view(), 32, 100_000);
        let bins = mapper.transform(x.view());
        let mut g = Grower::new(&bins, n, &mapper);
        for missing_left in [false, true] {
            g.rows = (0..n as u32).collect();
            g.rows.shuffle(&mut rng);
            let before = g.rows.clone();
            let (start, end) = (1234, 17_777);
            let mid = g.partition_for_test(start, end, 0, 9, missing_left);
            let goes_left = |i: u32| {
                let b = bins[i as usize];
                if b == binning::MISSING_BIN {
                    missing_left
                } else {
                    b <= 9
                }
            };
            let want: Vec<u32> = before[start..end]
                .iter()
                .copied()
                .filter(|&i| goes_left(i))
                .chain(
                    before[start..end]
                        .iter()
                        .copied()
                        .filter(|&i| !goes_left(i)),
                )
                .collect();
            assert_eq!(&g.rows[start..end], &want[..]);
            assert_eq!(mid - start, want.iter().filter(|&&i| goes_left(i)).count());
            assert_eq!(&g.rows[..start], &before[..start]);
            assert_eq!(&g.rows[end..], &before[end..]);
        }
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier_missing_ok(&GbdtClassifierParams::default().n_estimators(10), &iris);
        let cancer = breadth_data::datasets::load("breast_cancer").unwrap();
        check_classifier_missing_ok(
            &GbdtClassifierParams::default()
                .n_estimators(10)
                .subsample(0.7),
            &cancer,
        );
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        check_regressor_missing_ok(
            &GbdtRegressorParams::default()
                .n_estimators(10)
                .goss(0.2, 0.1),
            &diabetes,
        );
        check_regressor_missing_ok(
            &GbdtRegressorParams::default()
                .n_estimators(10)
                .objective(Objective::Poisson)
                .growth(Growth::DepthWise)
                .max_depth(Some(3)),
            &diabetes,
        );
    }

    #[test]
    fn missing_values_learn_their_side() {
        // y is 1 exactly where x0 is missing; present x0 carries no signal.
        let n = 400;
        let x = Array2::from_shape_fn((n, 1), |(i, _)| {
            if i % 3 == 0 {
                f64::NAN
            } else {
                (i % 17) as f64
            }
        });
        let y: Vec<usize> = (0..n).map(|i| usize::from(i % 3 == 0)).collect();
        let ds = Dataset::new(x)
            .with_target(Target::classes(y, vec!["a".into(), "b".into()]).unwrap())
            .unwrap();
        let m = GbdtClassifierParams::default()
            .n_estimators(60)
            .fit(&ds)
            .unwrap();
        let p = m
            .predict_proba(ndarray::array![[f64::NAN], [5.0]].view())
            .unwrap();
        assert!(p[[0, 1]] > 0.95 && p[[1, 1]] < 0.05, "{p}");
    }

    #[test]
    fn early_stopping_keeps_the_best_round() {
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        let m = GbdtRegressorParams::default()
            .n_estimators(500)
            .learning_rate(0.3)
            .early_stopping(0.2, 5)
            .fit(&diabetes)
            .unwrap();
        let b = m.booster();
        assert!(b.n_rounds() < 100, "{} rounds", b.n_rounds());
        assert_eq!(b.n_rounds(), b.best_iteration() + 1);
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let cancer = breadth_data::datasets::load("breast_cancer").unwrap();
        let p = GbdtClassifierParams::default()
            .n_estimators(15)
            .colsample(0.5)
            .subsample(0.8);
        let fit_with = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| p.fit(&cancer).unwrap())
        };
        assert_eq!(fit_with(1), fit_with(3));
        // Leaves large enough to share their features out, three classes, missing values.
        let mut rng = seeded_rng(9);
        let n = 3000;
        let x = Array2::from_shape_fn((n, 6), |(i, j)| {
            if (i + j) % 11 == 0 {
                f64::NAN
            } else {
                rng.random::<f64>() + (i % 3) as f64 * 0.2 * j as f64
            }
        });
        let y: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let names = vec!["a".into(), "b".into(), "c".into()];
        let data = Dataset::new(x)
            .with_target(Target::classes(y, names).unwrap())
            .unwrap();
        let p = GbdtClassifierParams::default().n_estimators(5);
        let fit_with = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| p.fit(&data).unwrap())
        };
        assert_eq!(fit_with(1), fit_with(3));
    }

    #[test]
    fn importances_and_bad_parameters() {
        let cancer = breadth_data::datasets::load("breast_cancer").unwrap();
        let m = GbdtClassifierParams::default()
            .n_estimators(10)
            .fit(&cancer)
            .unwrap();
        for kind in [Importance::Gain, Importance::Split, Importance::Cover] {
            assert!((m.feature_importances(kind).sum() - 1.0).abs() < 1e-9);
        }
        assert!(GbdtClassifierParams::default()
            .num_leaves(1)
            .fit(&cancer)
            .is_err());
        assert!(GbdtClassifierParams::default()
            .growth(Growth::DepthWise)
            .fit(&cancer)
            .is_err());
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        assert!(GbdtClassifierParams::default().fit(&diabetes).is_err());
    }

    /// The largest drop (or rise, for `sign = -1`) of `predict` along a grid of feature `j`
    /// over the given base rows: zero when the model is monotone in `j`.
    fn worst_violation(
        predict: impl Fn(ArrayView2<'_, f64>) -> Array1<f64>,
        base: ArrayView2<'_, f64>,
        j: usize,
        sign: f64,
    ) -> f64 {
        let grid: Vec<f64> = (0..=40).map(|t| -2.0 + 0.1 * t as f64).collect();
        let mut worst: f64 = 0.0;
        for row in base.outer_iter() {
            let x = Array2::from_shape_fn((grid.len(), row.len()), |(g, c)| {
                if c == j {
                    grid[g]
                } else {
                    row[c]
                }
            });
            let p = predict(x.view());
            for w in p.as_slice().unwrap().windows(2) {
                worst = worst.max(sign * (w[0] - w[1]));
            }
        }
        worst
    }

    #[test]
    fn monotone_constraints_make_predictions_monotone() {
        use rand::Rng as _;
        let mut rng = seeded_rng(3);
        let n = 400;
        let x: Array2<f64> = Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.5..1.5));
        // Non-monotone in both constrained features, so unconstrained trees break monotonicity.
        let y = Array1::from_shape_fn(n, |i| {
            let r = x.row(i);
            (3.0 * r[0]).sin() + r[0] - (2.0 * r[1]).cos()
                + 0.5 * r[2]
                + rng.random_range(-0.3..0.3)
        });
        let ds = Dataset::new(x.clone())
            .with_target(Target::Continuous(y.clone()))
            .unwrap();
        let base = x.slice(ndarray::s![..25, ..]);
        let p = GbdtRegressorParams::default()
            .n_estimators(40)
            .num_leaves(8)
            .min_data_in_leaf(5);
        let free = p.clone().fit(&ds).unwrap();
        assert!(worst_violation(|v| free.predict(v).unwrap(), base, 0, 1.0) > 1e-3);
        let m = p.monotone_constraints(vec![1, -1, 0]).fit(&ds).unwrap();
        assert_eq!(
            worst_violation(|v| m.predict(v).unwrap(), base, 0, 1.0),
            0.0
        );
        assert_eq!(
            worst_violation(|v| m.predict(v).unwrap(), base, 1, -1.0),
            0.0
        );
        // Binary: the probability of class 1 is monotone too.
        let labels: Vec<usize> = y.iter().map(|&v| usize::from(v > 0.0)).collect();
        let bin = Dataset::new(x.clone())
            .with_target(Target::classes(labels, vec!["0".into(), "1".into()]).unwrap())
            .unwrap();
        let c = GbdtClassifierParams::default()
            .n_estimators(30)
            .num_leaves(8)
            .min_data_in_leaf(5)
            .monotone_constraints(vec![1, -1, 0])
            .fit(&bin)
            .unwrap();
        let p1 = |v: ArrayView2<'_, f64>| c.predict_proba(v).unwrap().column(1).to_owned();
        assert_eq!(worst_violation(p1, base, 0, 1.0), 0.0);
        assert_eq!(worst_violation(p1, base, 1, -1.0), 0.0);
        // Bad constraints are refused with the parameter's name.
        for bad in [vec![1, 0], vec![2, 0, 0]] {
            let e = GbdtRegressorParams::default()
                .monotone_constraints(bad)
                .fit(&ds)
                .unwrap_err();
            assert!(e.to_string().contains("monotone_constraints"), "{e}");
        }
        let mut q = GbdtRegressorParams::default();
        q.set_param("monotone_constraints", "1, 0,-1").unwrap();
        assert_eq!(q.gbdt.monotone_constraints, vec![1, 0, -1]);
    }

    #[test]
    fn monotone_quality_is_close_to_lightgbm() {
        let doc: Value = serde_json::from_str(MONOTONE).unwrap();
        let rows: Vec<Vec<f64>> = serde_json::from_value(doc["x"].clone()).unwrap();
        let x = Array2::from_shape_fn((rows.len(), 4), |(i, j)| rows[i][j]);
        let y_reg: Vec<f64> = serde_json::from_value(doc["y_reg"].clone()).unwrap();
        let y_bin: Vec<usize> = serde_json::from_value(doc["y_bin"].clone()).unwrap();
        let c: Vec<i8> = serde_json::from_value(doc["constraints"].clone()).unwrap();
        let n_train = doc["n_train"].as_u64().unwrap() as usize;
        let (tr, te): (Vec<usize>, Vec<usize>) =
            ((0..n_train).collect(), (n_train..rows.len()).collect());
        let xtr = x.select(ndarray::Axis(0), &tr);
        let xte = x.select(ndarray::Axis(0), &te);
        let reg = Dataset::new(xtr.clone())
            .with_target(Target::Continuous(Array1::from_iter(
                tr.iter().map(|&i| y_reg[i]),
            )))
            .unwrap();
        let m = GbdtRegressorParams {
            gbdt: small(),
            ..Default::default()
        }
        .monotone_constraints(c.clone())
        .fit(&reg)
        .unwrap();
        let pred = m.predict(xte.view()).unwrap();
        let rmse = (te
            .iter()
            .zip(pred.iter())
            .map(|(&i, p)| (p - y_reg[i]).powi(2))
            .sum::<f64>()
            / te.len() as f64)
            .sqrt();
        let ref_rmse = doc["rmse_constrained"].as_f64().unwrap();
        // The wiggle in x0 is not monotone: the constraint must cost some accuracy, as in LightGBM.
        assert!(ref_rmse > doc["rmse_free"].as_f64().unwrap());
        assert!(
            (rmse - ref_rmse).abs() < 0.05 * ref_rmse,
            "constrained RMSE {rmse} vs LightGBM {ref_rmse}"
        );
        let labels: Vec<usize> = tr.iter().map(|&i| y_bin[i]).collect();
        let bin = Dataset::new(xtr)
            .with_target(Target::classes(labels, vec!["0".into(), "1".into()]).unwrap())
            .unwrap();
        let m = GbdtClassifierParams { gbdt: small() }
            .monotone_constraints(c)
            .fit(&bin)
            .unwrap();
        let p = m.predict_proba(xte.view()).unwrap();
        let truth: Vec<usize> = te.iter().map(|&i| y_bin[i]).collect();
        let auc = breadth_metrics::curves::roc_auc(ndarray::ArrayView1::from(&truth), p.column(1))
            .unwrap();
        let ref_auc = doc["auc_constrained"].as_f64().unwrap();
        assert!(
            (auc - ref_auc).abs() < 0.015,
            "constrained AUC {auc} vs LightGBM {ref_auc}"
        );
    }
}
