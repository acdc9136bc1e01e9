//! Gradient boosting with CART regression trees, in scikit-learn's sense
//! (`GradientBoostingClassifier` / `GradientBoostingRegressor`; Friedman 2001, 2002).
//!
//! Starting from a constant $F_0$ (mean, median or quantile of $y$; log-odds or log-priors for
//! classification), stage $m$ fits a regression tree $h_m$ (Friedman MSE criterion) to the
//! negative gradients $r_i = -\partial \ell(y_i, F_{m-1}(x_i)) / \partial F$ and replaces each leaf
//! value by the loss's own line search $\gamma_j = \arg\min_\gamma \sum_{x_i \in R_j}
//! \ell(y_i, F_{m-1}(x_i) + \gamma)$: the mean residual (squared error), the median (absolute
//! error), the $\alpha$-quantile (quantile loss), Friedman's Huber step (median plus clipped mean),
//! or one Newton step $\sum r / \sum p(1-p)$ (log loss; times $\frac{K-1}{K}$ for $K$ classes,
//! one tree per class per stage). Then $F_m = F_{m-1} + \nu h_m$ with shrinkage $\nu$.
//!
//! `subsample` $< 1$ fits each stage on a random share of the rows drawn without replacement
//! (stochastic gradient boosting); with `n_iter_no_change`, a `validation_fraction` of the rows is
//! held out and boosting stops once the validation loss has not improved by `tol` for that many
//! stages. Staged predictions return the model after every stage.
//!
//! Shapes: $X$ is $n \times d$, $M$ stages of $K$ trees. Cost: $O(M K d\, n \log n)$ for trees of
//! bounded depth.
//!
//! ```
//! use breadth_classic::ensemble::gradient_boosting::GradientBoostingRegressorParams;
//! use breadth_core::{Fit, Regressor};
//! let diabetes = breadth_data::datasets::load("diabetes").unwrap();
//! let m = GradientBoostingRegressorParams::default().n_estimators(20).fit(&diabetes).unwrap();
//! let staged = m.staged_predict(diabetes.features()).unwrap();
//! assert_eq!(staged.len(), 20);
//! assert_eq!(staged[19], m.predict(diabetes.features()).unwrap());
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, in_range, positive};
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Regressor, Result};
use ndarray::{Array1, Array2, ArrayView2};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::gbdt::objective::{sigmoid, softmax};
use crate::tree::build::{Columns, Labels};
use crate::tree::{argmax_rows, grow_pruned, tree_setters, Criterion, Tree, TreeParams};

/// Regression losses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum GbLoss {
    /// $\frac12 (y - F)^2$.
    SquaredError,
    /// $|y - F|$.
    AbsoluteError,
    /// Huber loss, the threshold being the `alpha` quantile of $|y - F|$.
    Huber {
        /// Quantile of the absolute residuals used as the threshold.
        alpha: f64,
    },
    /// Pinball loss of the `alpha` quantile.
    Quantile {
        /// The quantile.
        alpha: f64,
    },
}

impl FromStr for GbLoss {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let alpha = |t: &str| t.parse::<f64>().map_err(|_| format!("bad alpha `{t}`"));
        Ok(match s {
            "squared_error" => GbLoss::SquaredError,
            "absolute_error" => GbLoss::AbsoluteError,
            "huber" => GbLoss::Huber { alpha: 0.9 },
            "quantile" => GbLoss::Quantile { alpha: 0.9 },
            s if s.starts_with("huber:") => GbLoss::Huber {
                alpha: alpha(&s[6..])?,
            },
            s if s.starts_with("quantile:") => GbLoss::Quantile {
                alpha: alpha(&s[9..])?,
            },
            _ => {
                return Err(
                    "expected squared_error, absolute_error, huber[:alpha] or quantile[:alpha]"
                        .into(),
                )
            }
        })
    }
}

impl std::fmt::Display for GbLoss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GbLoss::SquaredError => f.write_str("squared_error"),
            GbLoss::AbsoluteError => f.write_str("absolute_error"),
            GbLoss::Huber { alpha } => write!(f, "huber:{alpha}"),
            GbLoss::Quantile { alpha } => write!(f, "quantile:{alpha}"),
        }
    }
}

/// scikit-learn's `_weighted_percentile` (inverted CDF): the smallest value whose cumulative
/// weight reaches `q` of the total.
pub(crate) fn weighted_percentile(pairs: &mut [(f64, f64)], q: f64) -> f64 {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let target = q * total;
    let mut cum = 0.0;
    for &(v, w) in pairs.iter() {
        cum += w;
        if cum >= target && w > 0.0 {
            return v;
        }
    }
    pairs.last().map_or(0.0, |p| p.0)
}

/// Settings shared by both gradient-boosting models.
#[derive(Debug, Clone, PartialEq)]
pub struct GbParams {
    /// Growth settings of each tree (defaults: Friedman MSE, depth 3).
    pub tree: TreeParams,
    /// Number of stages.
    pub n_estimators: usize,
    /// Shrinkage $\nu$.
    pub learning_rate: f64,
    /// Share of rows per stage, drawn without replacement.
    pub subsample: f64,
    /// Share of rows held out for early stopping.
    pub validation_fraction: f64,
    /// Stop after this many stages without a `tol` improvement (`None`: never).
    pub n_iter_no_change: Option<usize>,
    /// Smallest improvement that counts.
    pub tol: f64,
}

impl Default for GbParams {
    fn default() -> Self {
        let mut tree = TreeParams::with_criterion(Criterion::FriedmanMse);
        tree.max_depth = Some(3);
        GbParams {
            tree,
            n_estimators: 100,
            learning_rate: 0.1,
            subsample: 1.0,
            validation_fraction: 0.1,
            n_iter_no_change: None,
            tol: 1e-4,
        }
    }
}

impl GbParams {
    fn specs(&self) -> Vec<ParamSpec> {
        let mut s = self.tree.specs();
        s.extend([
            ParamSpec::new("n_estimators", self.n_estimators, "boosting stages"),
            ParamSpec::new("learning_rate", self.learning_rate, "shrinkage"),
            ParamSpec::new("subsample", self.subsample, "share of rows per stage"),
            ParamSpec::new(
                "validation_fraction",
                self.validation_fraction,
                "held-out share for early stopping",
            ),
            ParamSpec::new(
                "n_iter_no_change",
                self.n_iter_no_change
                    .map_or("none".into(), |v| v.to_string()),
                "early-stopping patience, or none",
            ),
            ParamSpec::new("tol", self.tol, "smallest validation improvement"),
        ]);
        s
    }

    fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_estimators" => self.n_estimators = parse_param(name, value)?,
            "learning_rate" => self.learning_rate = parse_param(name, value)?,
            "subsample" => self.subsample = parse_param(name, value)?,
            "validation_fraction" => self.validation_fraction = parse_param(name, value)?,
            "n_iter_no_change" => {
                self.n_iter_no_change = if value.eq_ignore_ascii_case("none") {
                    None
                } else {
                    Some(parse_param(name, value)?)
                }
            }
            "tol" => self.tol = parse_param(name, value)?,
            _ => return self.tree.set(name, value),
        }
        Ok(true)
    }

    fn check(&self) -> Result<()> {
        if self.n_estimators == 0 {
            return Err(Error::param("n_estimators", "must be at least 1"));
        }
        positive("learning_rate", self.learning_rate)?;
        if !(self.subsample > 0.0 && self.subsample <= 1.0) {
            return Err(Error::param("subsample", "must lie in (0, 1]"));
        }
        in_range("validation_fraction", self.validation_fraction, 0.0, 0.9)
    }
}

/// What the boosting loop optimizes: a regression loss, or log loss over `k` raw scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Loss {
    Regression(GbLoss),
    Binary,
    Multinomial(usize),
}

impl Loss {
    fn k(self) -> usize {
        match self {
            Loss::Multinomial(k) => k,
            _ => 1,
        }
    }

    fn init(self, y: &[f64], w: &[f64]) -> Vec<f64> {
        let mut pairs: Vec<(f64, f64)> = y.iter().cloned().zip(w.iter().cloned()).collect();
        let sw: f64 = w.iter().sum();
        let mean = y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
        match self {
            Loss::Regression(GbLoss::SquaredError) => vec![mean],
            Loss::Regression(GbLoss::AbsoluteError | GbLoss::Huber { .. }) => {
                vec![weighted_percentile(&mut pairs, 0.5)]
            }
            Loss::Regression(GbLoss::Quantile { alpha }) => {
                vec![weighted_percentile(&mut pairs, alpha)]
            }
            Loss::Binary => {
                let p = mean.clamp(1e-12, 1.0 - 1e-12);
                vec![(p / (1.0 - p)).ln()]
            }
            Loss::Multinomial(k) => {
                let mut pi = vec![0.0; k];
                y.iter().zip(w).for_each(|(&c, &wi)| pi[c as usize] += wi);
                pi.iter().map(|p| (p / sw).max(1e-12).ln()).collect()
            }
        }
    }

    /// Mean loss of raw scores `f` (`n x k`).
    fn loss(self, f: &[f64], y: &[f64], w: &[f64]) -> f64 {
        let k = self.k();
        let sw: f64 = w.iter().sum();
        (0..y.len())
            .map(|i| {
                let r = y[i] - f[i * k];
                w[i] * match self {
                    Loss::Regression(GbLoss::SquaredError) => r * r,
                    Loss::Regression(GbLoss::AbsoluteError) => r.abs(),
                    Loss::Regression(GbLoss::Huber { .. }) => r * r,
                    Loss::Regression(GbLoss::Quantile { alpha }) => {
                        if r > 0.0 {
                            alpha * r
                        } else {
                            (alpha - 1.0) * r
                        }
                    }
                    Loss::Binary => {
                        let x = f[i];
                        x.max(0.0) + (-x.abs()).exp().ln_1p() - y[i] * x
                    }
                    Loss::Multinomial(_) => {
                        let mut p = f[i * k..(i + 1) * k].to_vec();
                        softmax(&mut p);
                        -p[y[i] as usize].max(1e-300).ln()
                    }
                }
            })
            .sum::<f64>()
            / sw
    }
}

/// One stage's negative gradients of class `c` and the Huber threshold when it applies.
fn negative_gradient(
    loss: Loss,
    f: &[f64],
    y: &[f64],
    w: &[f64],
    mask: &[bool],
    c: usize,
) -> (Vec<f64>, f64) {
    let k = loss.k();
    let n = y.len();
    match loss {
        Loss::Regression(GbLoss::Huber { alpha }) => {
            let mut abs: Vec<(f64, f64)> = (0..n)
                .filter(|&i| mask[i])
                .map(|i| ((y[i] - f[i]).abs(), w[i]))
                .collect();
            let delta = weighted_percentile(&mut abs, alpha);
            let g = (0..n)
                .map(|i| {
                    let r = y[i] - f[i];
                    if r.abs() <= delta {
                        r
                    } else {
                        delta * r.signum()
                    }
                })
                .collect();
            (g, delta)
        }
        _ => (
            (0..n)
                .map(|i| {
                    let r = y[i] - f[i * k];
                    match loss {
                        Loss::Regression(GbLoss::SquaredError) => r,
                        Loss::Regression(GbLoss::AbsoluteError) => r.signum(),
                        Loss::Regression(GbLoss::Quantile { alpha }) => {
                            if r > 0.0 {
                                alpha
                            } else {
                                alpha - 1.0
                            }
                        }
                        Loss::Binary => y[i] - sigmoid(f[i]),
                        Loss::Multinomial(_) => {
                            let mut p = f[i * k..(i + 1) * k].to_vec();
                            softmax(&mut p);
                            (if y[i] as usize == c { 1.0 } else { 0.0 }) - p[c]
                        }
                        Loss::Regression(GbLoss::Huber { .. }) => unreachable!(),
                    }
                })
                .collect(),
            0.0,
        ),
    }
}

/// The line-search value of one leaf from its in-bag rows.
fn leaf_update(
    loss: Loss,
    rows: &[usize],
    f: &[f64],
    y: &[f64],
    w: &[f64],
    g: &[f64],
    c: usize,
    delta: f64,
) -> f64 {
    let k = loss.k();
    let sw: f64 = rows.iter().map(|&i| w[i]).sum();
    if sw <= 0.0 {
        return 0.0;
    }
    let diffs = || {
        rows.iter()
            .map(|&i| (y[i] - f[i * k], w[i]))
            .collect::<Vec<_>>()
    };
    match loss {
        Loss::Regression(GbLoss::SquaredError) => {
            rows.iter().map(|&i| w[i] * g[i]).sum::<f64>() / sw
        }
        Loss::Regression(GbLoss::AbsoluteError) => weighted_percentile(&mut diffs(), 0.5),
        Loss::Regression(GbLoss::Quantile { alpha }) => weighted_percentile(&mut diffs(), alpha),
        Loss::Regression(GbLoss::Huber { .. }) => {
            let mut d = diffs();
            let median = weighted_percentile(&mut d, 0.5);
            let clipped: f64 = d
                .iter()
                .map(|&(v, wi)| wi * (v - median).signum() * (v - median).abs().min(delta))
                .sum();
            median + clipped / sw
        }
        Loss::Binary | Loss::Multinomial(_) => {
            let num: f64 = rows.iter().map(|&i| w[i] * g[i]).sum();
            let den: f64 = rows
                .iter()
                .map(|&i| {
                    let p = match loss {
                        Loss::Binary => sigmoid(f[i]),
                        _ => {
                            let mut p = f[i * k..(i + 1) * k].to_vec();
                            softmax(&mut p);
                            p[c]
                        }
                    };
                    w[i] * p * (1.0 - p)
                })
                .sum();
            let scale = if let Loss::Multinomial(k) = loss {
                (k as f64 - 1.0) / k as f64
            } else {
                1.0
            };
            if den.abs() < 1e-150 {
                0.0
            } else {
                scale * num / den
            }
        }
    }
}

/// The fitted stages shared by both models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Stages {
    /// Stage-major: tree `m * k + c`; leaf values already include the learning rate.
    trees: Vec<Tree>,
    init: Vec<f64>,
    loss: Loss,
    n_features: usize,
}

impl Stages {
    fn fit(p: &GbParams, data: &Dataset, y: &[f64], loss: Loss) -> Result<Stages> {
        p.check()?;
        let g = p.tree.resolve(data.n_features(), false)?;
        let k = loss.k();
        let w_all = data.weights_or_ones().to_vec();
        let n_all = data.n_samples();
        let mut rng = seeded_rng(p.tree.seed);
        // Rows used for training and, with early stopping, the held-out ones.
        let mut order: Vec<usize> = (0..n_all).collect();
        let n_valid = if p.n_iter_no_change.is_some() {
            order.shuffle(&mut rng);
            ((p.validation_fraction * n_all as f64) as usize).max(1)
        } else {
            0
        };
        let (valid_idx, train_idx) = order.split_at(n_valid);
        let mut train_idx = train_idx.to_vec();
        train_idx.sort_unstable();
        let train = data.select(&train_idx);
        let valid = data.select(valid_idx);
        let yt: Vec<f64> = train_idx.iter().map(|&i| y[i]).collect();
        let wt: Vec<f64> = train_idx.iter().map(|&i| w_all[i]).collect();
        let yv: Vec<f64> = valid_idx.iter().map(|&i| y[i]).collect();
        let wv: Vec<f64> = valid_idx.iter().map(|&i| w_all[i]).collect();
        let n = train.n_samples();
        let cols = Columns::new(train.features());
        let init = loss.init(&yt, &wt);
        let mut f: Vec<f64> = (0..n * k).map(|j| init[j % k]).collect();
        let mut fv: Vec<f64> = (0..valid.n_samples() * k).map(|j| init[j % k]).collect();
        let mut stages = Stages {
            trees: Vec::new(),
            init,
            loss,
            n_features: data.n_features(),
        };
        let (mut best, mut since) = (f64::INFINITY, 0);
        let n_in = ((p.subsample * n as f64) as usize).max(1);
        for _ in 0..p.n_estimators {
            let mut mask = vec![true; n];
            if n_in < n {
                let mut idx: Vec<usize> = (0..n).collect();
                idx.shuffle(&mut rng);
                mask.iter_mut().for_each(|m| *m = false);
                idx[..n_in].iter().for_each(|&i| mask[i] = true);
            }
            let w_stage: Vec<f64> = wt
                .iter()
                .zip(&mask)
                .map(|(w, &m)| if m { *w } else { 0.0 })
                .collect();
            let f_prev = f.clone();
            for c in 0..k {
                let (grad, delta) = negative_gradient(loss, &f_prev, &yt, &wt, &mask, c);
                let seed = rand::Rng::random(&mut rng);
                let mut tree = grow_pruned(
                    &cols,
                    Labels::Values(&grad),
                    &w_stage,
                    &g,
                    p.tree.ccp_alpha,
                    seed,
                );
                let leaves = tree.apply(train.features());
                let mut rows_of: Vec<Vec<usize>> = vec![Vec::new(); tree.n_nodes()];
                for (i, &l) in leaves.iter().enumerate() {
                    if mask[i] {
                        rows_of[l].push(i);
                    }
                }
                for (leaf, rows) in rows_of.iter().enumerate() {
                    if tree.node(leaf).is_leaf() {
                        let v = leaf_update(loss, rows, &f_prev, &yt, &wt, &grad, c, delta);
                        tree.values[leaf] = p.learning_rate * v;
                    }
                }
                for (i, &l) in leaves.iter().enumerate() {
                    f[i * k + c] += tree.values[l];
                }
                for (i, row) in valid.features().outer_iter().enumerate() {
                    fv[i * k + c] += tree.values[tree.leaf_of(row)];
                }
                stages.trees.push(tree);
            }
            if n_valid > 0 {
                let l = loss.loss(&fv, &yv, &wv);
                if l + p.tol < best {
                    (best, since) = (l, 0);
                } else {
                    since += 1;
                    if p.n_iter_no_change.is_some_and(|m| since >= m) {
                        break;
                    }
                }
            }
        }
        if stages
            .trees
            .iter()
            .any(|t| t.values.iter().any(|v| !v.is_finite()))
        {
            return Err(Error::numerical(
                "gradient boosting",
                "a leaf value is not finite",
            ));
        }
        Ok(stages)
    }

    fn n_stages(&self) -> usize {
        self.trees.len() / self.loss.k()
    }

    /// Raw scores after every stage (or only the last when `every` is false).
    fn raw(&self, x: ArrayView2<'_, f64>, every: bool) -> Vec<Array2<f64>> {
        let k = self.loss.k();
        let mut f = Array2::from_shape_fn((x.nrows(), k), |(_, c)| self.init[c]);
        let mut out = Vec::new();
        for (s, chunk) in self.trees.chunks(k).enumerate() {
            for (c, tree) in chunk.iter().enumerate() {
                for (i, row) in x.outer_iter().enumerate() {
                    f[[i, c]] += tree.value(tree.leaf_of(row))[0];
                }
            }
            if every || s + 1 == self.n_stages() {
                out.push(f.clone());
            }
        }
        out
    }

    fn importances(&self) -> Array1<f64> {
        let mut sum = Array1::zeros(self.n_features);
        for t in &self.trees {
            sum += &t.feature_importances();
        }
        crate::tree::model::normalize(sum.to_vec())
    }
}

fn proba(loss: Loss, raw: &Array2<f64>) -> Array2<f64> {
    match loss {
        Loss::Binary => Array2::from_shape_fn((raw.nrows(), 2), |(i, j)| {
            let p = sigmoid(raw[[i, 0]]);
            if j == 1 {
                p
            } else {
                1.0 - p
            }
        }),
        _ => {
            let mut p = raw.clone();
            p.outer_iter_mut()
                .for_each(|mut r| softmax(r.as_slice_mut().expect("standard layout")));
            p
        }
    }
}

macro_rules! gb_setters {
    () => {
        tree_setters!(gb.tree);
        /// Set the number of stages.
        pub fn n_estimators(mut self, n: usize) -> Self {
            self.gb.n_estimators = n;
            self
        }
        /// Set the shrinkage.
        pub fn learning_rate(mut self, v: f64) -> Self {
            self.gb.learning_rate = v;
            self
        }
        /// Set the share of rows per stage.
        pub fn subsample(mut self, v: f64) -> Self {
            self.gb.subsample = v;
            self
        }
        /// Stop early after `rounds` stages without improvement on a held-out `fraction`.
        pub fn early_stopping(mut self, fraction: f64, rounds: usize) -> Self {
            self.gb.validation_fraction = fraction;
            self.gb.n_iter_no_change = Some(rounds);
            self
        }
    };
}

/// Hyper-parameters of gradient boosting for regression.
#[derive(Debug, Clone, PartialEq)]
pub struct GradientBoostingRegressorParams {
    /// Boosting settings.
    pub gb: GbParams,
    /// The loss.
    pub loss: GbLoss,
}

impl Default for GradientBoostingRegressorParams {
    fn default() -> Self {
        GradientBoostingRegressorParams {
            gb: GbParams::default(),
            loss: GbLoss::SquaredError,
        }
    }
}

impl GradientBoostingRegressorParams {
    gb_setters!();
    /// Set the loss.
    pub fn loss(mut self, l: GbLoss) -> Self {
        self.loss = l;
        self
    }
}

/// Hyper-parameters of gradient boosting for classification (binary or multinomial log loss).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GradientBoostingClassifierParams {
    /// Boosting settings.
    pub gb: GbParams,
}

impl GradientBoostingClassifierParams {
    gb_setters!();
}

impl Configurable for GradientBoostingRegressorParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let mut s = self.gb.specs();
        s.push(ParamSpec::new(
            "loss",
            self.loss,
            "squared_error | absolute_error | huber[:alpha] | quantile[:alpha]",
        ));
        s
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        if name == "loss" {
            self.loss = parse_param(name, value)?;
            return Ok(true);
        }
        self.gb.set(name, value)
    }
}

impl Configurable for GradientBoostingClassifierParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        self.gb.specs()
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        self.gb.set(name, value)
    }
}

/// A fitted gradient-boosting regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradientBoostingRegressor {
    stages: Stages,
}

/// A fitted gradient-boosting classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradientBoostingClassifier {
    stages: Stages,
    classes: Vec<String>,
}

impl Fit for GradientBoostingRegressorParams {
    type Fitted = GradientBoostingRegressor;
    fn fit(&self, data: &Dataset) -> Result<GradientBoostingRegressor> {
        check_fit_input(data)?;
        if let GbLoss::Huber { alpha } | GbLoss::Quantile { alpha } = self.loss {
            if !(alpha > 0.0 && alpha < 1.0) {
                return Err(Error::param("loss", format!("alpha {alpha} not in (0, 1)")));
            }
        }
        let y = data
            .continuous_target("gradient-boosting-regressor")?
            .to_vec();
        Ok(GradientBoostingRegressor {
            stages: Stages::fit(&self.gb, data, &y, Loss::Regression(self.loss))?,
        })
    }
}

impl Fit for GradientBoostingClassifierParams {
    type Fitted = GradientBoostingClassifier;
    fn fit(&self, data: &Dataset) -> Result<GradientBoostingClassifier> {
        check_fit_input(data)?;
        let (labels, names) = data.class_target("gradient-boosting-classifier")?;
        if names.len() < 2 {
            return Err(Error::param(
                "target",
                "a classifier needs at least two classes",
            ));
        }
        let y: Vec<f64> = labels.iter().map(|&l| l as f64).collect();
        let loss = if names.len() == 2 {
            Loss::Binary
        } else {
            Loss::Multinomial(names.len())
        };
        Ok(GradientBoostingClassifier {
            stages: Stages::fit(&self.gb, data, &y, loss)?,
            classes: names.to_vec(),
        })
    }
}

impl GradientBoostingRegressor {
    /// Number of stages fitted (fewer than asked when early stopping ran).
    pub fn n_stages(&self) -> usize {
        self.stages.n_stages()
    }
    /// Predictions after each stage.
    pub fn staged_predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Array1<f64>>> {
        check_predict_input(self, x)?;
        Ok(self
            .stages
            .raw(x, true)
            .into_iter()
            .map(|f| f.column(0).to_owned())
            .collect())
    }
    /// Mean impurity-decrease importances.
    pub fn feature_importances(&self) -> Array1<f64> {
        self.stages.importances()
    }
    /// The trees, stage-major (leaf values include the learning rate).
    pub fn trees(&self) -> &[Tree] {
        &self.stages.trees
    }
    /// The constant the boosting starts from.
    pub fn init_score(&self) -> f64 {
        self.stages.init[0]
    }
}

impl GradientBoostingClassifier {
    /// Number of stages fitted.
    pub fn n_stages(&self) -> usize {
        self.stages.n_stages()
    }
    /// Class probabilities after each stage.
    pub fn staged_predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Array2<f64>>> {
        check_predict_input(self, x)?;
        Ok(self
            .stages
            .raw(x, true)
            .iter()
            .map(|f| proba(self.stages.loss, f))
            .collect())
    }
    /// Mean impurity-decrease importances.
    pub fn feature_importances(&self) -> Array1<f64> {
        self.stages.importances()
    }
}

impl Fitted for GradientBoostingRegressor {
    fn model_name(&self) -> &'static str {
        "gradient-boosting-regressor"
    }
    fn n_features_in(&self) -> usize {
        self.stages.n_features
    }
}

impl Fitted for GradientBoostingClassifier {
    fn model_name(&self) -> &'static str {
        "gradient-boosting-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.stages.n_features
    }
}

impl Regressor for GradientBoostingRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        Ok(self.stages.raw(x, false).remove(0).column(0).to_owned())
    }
}

impl Classifier for GradientBoostingClassifier {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.predict_proba(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(proba(
            self.stages.loss,
            &self.stages.raw(x, false).remove(0),
        ))
    }
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(self.stages.raw(x, false).remove(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::conformance::{check_classifier, check_regressor};

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier(
            &GradientBoostingClassifierParams::default().n_estimators(5),
            &iris,
        );
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        for loss in ["squared_error", "absolute_error", "huber", "quantile:0.5"] {
            check_regressor(
                &GradientBoostingRegressorParams::default()
                    .n_estimators(5)
                    .subsample(0.7)
                    .loss(loss.parse().unwrap()),
                &diabetes,
            );
        }
    }

    #[test]
    fn weighted_percentile_is_the_inverted_cdf() {
        let mut v = vec![(3.0, 1.0), (1.0, 1.0), (2.0, 1.0), (4.0, 1.0)];
        assert_eq!(weighted_percentile(&mut v, 0.5), 2.0);
        assert_eq!(weighted_percentile(&mut v, 0.9), 4.0);
        let mut v = vec![(1.0, 1.0), (2.0, 5.0)];
        assert_eq!(weighted_percentile(&mut v, 0.5), 2.0);
    }

    #[test]
    fn quantile_loss_covers_its_quantile() {
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        let y = diabetes.continuous_target("t").unwrap();
        for alpha in [0.1, 0.9] {
            let m = GradientBoostingRegressorParams::default()
                .n_estimators(50)
                .loss(GbLoss::Quantile { alpha })
                .fit(&diabetes)
                .unwrap();
            let p = m.predict(diabetes.features()).unwrap();
            let below =
                p.iter().zip(y.iter()).filter(|(p, y)| y <= p).count() as f64 / y.len() as f64;
            assert!((below - alpha).abs() < 0.08, "alpha {alpha}: {below}");
        }
    }

    #[test]
    fn early_stopping_and_staged_probabilities() {
        let cancer = breadth_data::datasets::load("breast_cancer").unwrap();
        let m = GradientBoostingClassifierParams::default()
            .n_estimators(300)
            .learning_rate(0.5)
            .early_stopping(0.2, 3)
            .fit(&cancer)
            .unwrap();
        assert!(m.n_stages() < 300, "{}", m.n_stages());
        let staged = m.staged_predict_proba(cancer.features()).unwrap();
        assert_eq!(staged.len(), m.n_stages());
        assert_eq!(
            staged.last().unwrap(),
            &m.predict_proba(cancer.features()).unwrap()
        );
    }
}
