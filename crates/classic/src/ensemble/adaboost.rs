//! AdaBoost: multi-class SAMME for classification (Zhu, Zou, Rosset & Hastie, *Multi-class
//! AdaBoost*, 2009) and AdaBoost.R2 for regression (Drucker, *Improving regressors using
//! boosting techniques*, 1997), as scikit-learn's `AdaBoostClassifier` / `AdaBoostRegressor`.
//!
//! **SAMME.** With normalized weights $w$, round $m$ fits a tree $h_m$ (a stump by default),
//! measures its weighted error $\epsilon_m = \sum_i w_i [h_m(x_i) \ne y_i]$, gives it the weight
//! $\alpha_m = \nu\left(\log\frac{1-\epsilon_m}{\epsilon_m} + \log(K-1)\right)$ and multiplies
//! the weights of misclassified rows by $e^{\alpha_m}$. It stops early on a perfect round and
//! refuses a first round no better than chance ($\epsilon \ge 1 - 1/K$). The decision is
//! $d_k(x) = \sum_m \alpha_m [h_m(x) = k] / \sum_m \alpha_m$, probabilities
//! $\operatorname{softmax}(d / (K-1))$.
//!
//! **AdaBoost.R2.** Round $m$ fits a tree (depth 3 by default) on a weighted bootstrap sample,
//! computes per-row losses $L_i = e_i / \max_j e_j$ ($e_i = |h_m(x_i) - y_i|$; linear, square or
//! exponential $1 - e^{-L}$), the average loss $\bar L = \sum_i w_i L_i$, stops when $\bar L \ge
//! 0.5$, sets $\beta_m = \bar L / (1 - \bar L)$, estimator weight $\nu \log(1/\beta_m)$ and
//! $w_i \leftarrow w_i \beta_m^{\nu(1 - L_i)}$. It predicts the weighted median of the rounds.
//!
//! Staged predictions give the model after each round. Cost: $M$ tree fits.
//!
//! ```
//! use breadth_classic::ensemble::adaboost::AdaBoostClassifierParams;
//! use breadth_core::{Classifier, Fit};
//! let cancer = breadth_data::datasets::load("breast_cancer").unwrap();
//! let m = AdaBoostClassifierParams::default().n_estimators(20).fit(&cancer).unwrap();
//! let stages = m.staged_predict(cancer.features()).unwrap();
//! assert_eq!(stages.last().unwrap(), &m.predict(cancer.features()).unwrap());
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, positive};
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Regressor, Result};
use ndarray::{Array1, Array2, ArrayView2};
use rand::distr::{weighted::WeightedIndex, Distribution};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::gbdt::objective::softmax;
use crate::tree::build::{Columns, Labels};
use crate::tree::{
    argmax_rows, grow_pruned, leaf_values, tree_setters, Criterion, Tree, TreeParams,
};

/// Settings shared by both AdaBoost models.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaParams {
    /// Growth settings of each base tree.
    pub tree: TreeParams,
    /// Maximum number of rounds.
    pub n_estimators: usize,
    /// Shrinkage $\nu$ of the estimator weights.
    pub learning_rate: f64,
}

impl AdaParams {
    fn new(criterion: Criterion, depth: usize, n_estimators: usize) -> Self {
        let mut tree = TreeParams::with_criterion(criterion);
        tree.max_depth = Some(depth);
        AdaParams {
            tree,
            n_estimators,
            learning_rate: 1.0,
        }
    }
    fn specs(&self) -> Vec<ParamSpec> {
        let mut s = self.tree.specs();
        s.push(ParamSpec::new(
            "n_estimators",
            self.n_estimators,
            "maximum number of rounds",
        ));
        s.push(ParamSpec::new(
            "learning_rate",
            self.learning_rate,
            "shrinkage of the estimator weights",
        ));
        s
    }
    fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_estimators" => self.n_estimators = parse_param(name, value)?,
            "learning_rate" => self.learning_rate = parse_param(name, value)?,
            _ => return self.tree.set(name, value),
        }
        Ok(true)
    }
    fn check(&self) -> Result<()> {
        if self.n_estimators == 0 {
            return Err(Error::param("n_estimators", "must be at least 1"));
        }
        positive("learning_rate", self.learning_rate)
    }
}

macro_rules! ada_setters {
    () => {
        tree_setters!(ada.tree);
        /// Set the maximum number of rounds.
        pub fn n_estimators(mut self, n: usize) -> Self {
            self.ada.n_estimators = n;
            self
        }
        /// Set the shrinkage.
        pub fn learning_rate(mut self, v: f64) -> Self {
            self.ada.learning_rate = v;
            self
        }
    };
}

/// Hyper-parameters of AdaBoost (SAMME) classification; base trees are stumps by default.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaBoostClassifierParams {
    /// Boosting settings.
    pub ada: AdaParams,
}

impl Default for AdaBoostClassifierParams {
    fn default() -> Self {
        AdaBoostClassifierParams {
            ada: AdaParams::new(Criterion::Gini, 1, 50),
        }
    }
}

impl AdaBoostClassifierParams {
    ada_setters!();
}

/// How AdaBoost.R2 turns absolute errors into losses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum R2Loss {
    /// $L = e / \max e$.
    Linear,
    /// $L = (e / \max e)^2$.
    Square,
    /// $L = 1 - \exp(-e / \max e)$.
    Exponential,
}

impl FromStr for R2Loss {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "linear" => Ok(R2Loss::Linear),
            "square" => Ok(R2Loss::Square),
            "exponential" => Ok(R2Loss::Exponential),
            _ => Err("expected linear, square or exponential".into()),
        }
    }
}

impl std::fmt::Display for R2Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            R2Loss::Linear => "linear",
            R2Loss::Square => "square",
            R2Loss::Exponential => "exponential",
        })
    }
}

/// Hyper-parameters of AdaBoost.R2 regression; base trees have depth 3 by default.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaBoostRegressorParams {
    /// Boosting settings.
    pub ada: AdaParams,
    /// The loss.
    pub loss: R2Loss,
}

impl Default for AdaBoostRegressorParams {
    fn default() -> Self {
        AdaBoostRegressorParams {
            ada: AdaParams::new(Criterion::SquaredError, 3, 50),
            loss: R2Loss::Linear,
        }
    }
}

impl AdaBoostRegressorParams {
    ada_setters!();
    /// Set the loss.
    pub fn loss(mut self, l: R2Loss) -> Self {
        self.loss = l;
        self
    }
}

impl Configurable for AdaBoostClassifierParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        self.ada.specs()
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        self.ada.set(name, value)
    }
}

impl Configurable for AdaBoostRegressorParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let mut s = self.ada.specs();
        s.push(ParamSpec::new(
            "loss",
            self.loss,
            "linear | square | exponential",
        ));
        s
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        if name == "loss" {
            self.loss = parse_param(name, value)?;
            return Ok(true);
        }
        self.ada.set(name, value)
    }
}

/// A fitted SAMME classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaBoostClassifier {
    trees: Vec<Tree>,
    weights: Vec<f64>,
    classes: Vec<String>,
}

/// A fitted AdaBoost.R2 regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaBoostRegressor {
    trees: Vec<Tree>,
    weights: Vec<f64>,
}

fn normalize(w: &mut [f64]) -> f64 {
    let s: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= s);
    s
}

impl Fit for AdaBoostClassifierParams {
    type Fitted = AdaBoostClassifier;
    fn fit(&self, data: &Dataset) -> Result<AdaBoostClassifier> {
        check_fit_input(data)?;
        self.ada.check()?;
        let (labels, names) = data.class_target("adaboost-classifier")?;
        let k = names.len();
        if k < 2 {
            return Err(Error::param(
                "target",
                "a classifier needs at least two classes",
            ));
        }
        let labels = labels.to_vec();
        let g = self.ada.tree.resolve(data.n_features(), true)?;
        let cols = Columns::new(data.features());
        let mut w = data.weights_or_ones().to_vec();
        normalize(&mut w);
        let mut rng = seeded_rng(self.ada.tree.seed);
        let (mut trees, mut weights) = (Vec::new(), Vec::new());
        for round in 0..self.ada.n_estimators {
            let tree = grow_pruned(
                &cols,
                Labels::Classes(&labels, k),
                &w,
                &g,
                self.ada.tree.ccp_alpha,
                rng.random(),
            );
            let pred = argmax_rows(&leaf_values(&tree, data.features()));
            let wrong: Vec<bool> = pred.iter().zip(&labels).map(|(p, y)| p != y).collect();
            let err: f64 = w
                .iter()
                .zip(&wrong)
                .filter(|(_, &b)| b)
                .map(|(w, _)| w)
                .sum();
            if err <= 0.0 {
                trees.push(tree);
                weights.push(1.0);
                break;
            }
            if err >= 1.0 - 1.0 / k as f64 {
                if round == 0 {
                    return Err(Error::numerical(
                        "adaboost-classifier",
                        "the first base tree is no better than chance; use deeper trees",
                    ));
                }
                break;
            }
            let alpha = self.ada.learning_rate * (((1.0 - err) / err).ln() + (k as f64 - 1.0).ln());
            trees.push(tree);
            weights.push(alpha);
            if round + 1 < self.ada.n_estimators {
                w.iter_mut()
                    .zip(&wrong)
                    .filter(|(wi, &b)| b && **wi > 0.0)
                    .for_each(|(wi, _)| *wi *= alpha.exp());
                if !normalize(&mut w).is_finite() {
                    break;
                }
            }
        }
        Ok(AdaBoostClassifier {
            trees,
            weights,
            classes: names.to_vec(),
        })
    }
}

impl Fit for AdaBoostRegressorParams {
    type Fitted = AdaBoostRegressor;
    fn fit(&self, data: &Dataset) -> Result<AdaBoostRegressor> {
        check_fit_input(data)?;
        self.ada.check()?;
        let y = data.continuous_target("adaboost-regressor")?.to_vec();
        let g = self.ada.tree.resolve(data.n_features(), false)?;
        let cols = Columns::new(data.features());
        let n = y.len();
        let mut w = data.weights_or_ones().to_vec();
        normalize(&mut w);
        let mut rng = seeded_rng(self.ada.tree.seed);
        let (mut trees, mut weights) = (Vec::new(), Vec::new());
        for round in 0..self.ada.n_estimators {
            // Weighted bootstrap: the tree sees how often each row was drawn.
            let dist = WeightedIndex::new(&w)
                .map_err(|e| Error::numerical("adaboost-regressor", e.to_string()))?;
            let mut counts = vec![0.0; n];
            for _ in 0..n {
                counts[dist.sample(&mut rng)] += 1.0;
            }
            let tree = grow_pruned(
                &cols,
                Labels::Values(&y),
                &counts,
                &g,
                self.ada.tree.ccp_alpha,
                rng.random(),
            );
            let pred = leaf_values(&tree, data.features());
            let err: Vec<f64> = (0..n).map(|i| (pred[[i, 0]] - y[i]).abs()).collect();
            let max = err.iter().cloned().fold(0.0, f64::max);
            let loss: Vec<f64> = err
                .iter()
                .map(|&e| {
                    let l = if max > 0.0 { e / max } else { 0.0 };
                    match self.loss {
                        R2Loss::Linear => l,
                        R2Loss::Square => l * l,
                        R2Loss::Exponential => 1.0 - (-l).exp(),
                    }
                })
                .collect();
            let avg: f64 = w.iter().zip(&loss).map(|(a, b)| a * b).sum();
            if avg <= 0.0 {
                trees.push(tree);
                weights.push(1.0);
                break;
            }
            if avg >= 0.5 {
                if round == 0 {
                    trees.push(tree);
                    weights.push(1.0);
                }
                break;
            }
            let beta = avg / (1.0 - avg);
            let est_weight = self.ada.learning_rate * (1.0 / beta).ln();
            trees.push(tree);
            weights.push(est_weight);
            if round + 1 < self.ada.n_estimators {
                w.iter_mut()
                    .zip(&loss)
                    .for_each(|(wi, l)| *wi *= beta.powf((1.0 - l) * self.ada.learning_rate));
                normalize(&mut w);
            }
        }
        Ok(AdaBoostRegressor { trees, weights })
    }
}

impl AdaBoostClassifier {
    /// Estimator weights $\alpha_m$.
    pub fn estimator_weights(&self) -> &[f64] {
        &self.weights
    }
    /// Normalized decisions $d(x)$ after each round.
    pub fn staged_decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Array2<f64>>> {
        check_predict_input(self, x)?;
        let k = self.classes.len();
        let mut sum = Array2::zeros((x.nrows(), k));
        let mut total = 0.0;
        let mut out = Vec::with_capacity(self.trees.len());
        for (t, &a) in self.trees.iter().zip(&self.weights) {
            let pred = argmax_rows(&leaf_values(t, x));
            pred.iter().enumerate().for_each(|(i, &c)| sum[[i, c]] += a);
            total += a;
            out.push(&sum / total);
        }
        Ok(out)
    }
    /// Predicted labels after each round.
    pub fn staged_predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Array1<usize>>> {
        Ok(self
            .staged_decision_function(x)?
            .iter()
            .map(argmax_rows)
            .collect())
    }
    /// Mean impurity-decrease importances weighted by the estimator weights.
    pub fn feature_importances(&self) -> Array1<f64> {
        weighted_importances(&self.trees, &self.weights)
    }
}

fn weighted_importances(trees: &[Tree], weights: &[f64]) -> Array1<f64> {
    let mut sum = Array1::zeros(trees[0].n_features());
    for (t, &a) in trees.iter().zip(weights) {
        sum += &(t.feature_importances() * a);
    }
    crate::tree::model::normalize(sum.to_vec())
}

/// Weighted median of one row's predictions: the first in sorted order whose cumulative
/// estimator weight reaches half the total (scikit-learn's `_get_median_predict`).
fn weighted_median_prediction(preds: &[f64], weights: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..preds.len()).collect();
    order.sort_by(|&a, &b| preds[a].total_cmp(&preds[b]));
    let total: f64 = weights.iter().sum();
    let mut cum = 0.0;
    for &j in &order {
        cum += weights[j];
        if cum >= 0.5 * total {
            return preds[j];
        }
    }
    preds[order[order.len() - 1]]
}

impl AdaBoostRegressor {
    /// Estimator weights.
    pub fn estimator_weights(&self) -> &[f64] {
        &self.weights
    }
    /// Predictions after each round.
    pub fn staged_predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Array1<f64>>> {
        check_predict_input(self, x)?;
        let all: Vec<Array1<f64>> = self
            .trees
            .iter()
            .map(|t| leaf_values(t, x).column(0).to_owned())
            .collect();
        Ok((1..=self.trees.len())
            .map(|m| {
                (0..x.nrows())
                    .map(|i| {
                        let p: Vec<f64> = all[..m].iter().map(|a| a[i]).collect();
                        weighted_median_prediction(&p, &self.weights[..m])
                    })
                    .collect()
            })
            .collect())
    }
    /// Mean impurity-decrease importances weighted by the estimator weights.
    pub fn feature_importances(&self) -> Array1<f64> {
        weighted_importances(&self.trees, &self.weights)
    }
}

impl Fitted for AdaBoostClassifier {
    fn model_name(&self) -> &'static str {
        "adaboost-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.trees[0].n_features()
    }
}

impl Fitted for AdaBoostRegressor {
    fn model_name(&self) -> &'static str {
        "adaboost-regressor"
    }
    fn n_features_in(&self) -> usize {
        self.trees[0].n_features()
    }
}

impl Classifier for AdaBoostClassifier {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.decision_function(x)?))
    }
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(self
            .staged_decision_function(x)?
            .pop()
            .expect("at least one round"))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let k = self.classes.len() as f64;
        let mut d = self.decision_function(x)? / (k - 1.0);
        d.outer_iter_mut()
            .for_each(|mut r| softmax(r.as_slice_mut().expect("standard layout")));
        Ok(d)
    }
}

impl Regressor for AdaBoostRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        let all: Vec<Array1<f64>> = self
            .trees
            .iter()
            .map(|t| leaf_values(t, x).column(0).to_owned())
            .collect();
        Ok((0..x.nrows())
            .map(|i| {
                let p: Vec<f64> = all.iter().map(|a| a[i]).collect();
                weighted_median_prediction(&p, &self.weights)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::conformance::{check_classifier, check_regressor};

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier(&AdaBoostClassifierParams::default().n_estimators(10), &iris);
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        check_regressor(
            &AdaBoostRegressorParams::default().n_estimators(10),
            &diabetes,
        );
    }

    #[test]
    fn samme_weights_follow_the_formula() {
        // A first stump on iris separates setosa: error 1/3 of the weight, alpha = ln 2 + ln 2.
        let iris = breadth_data::datasets::load("iris").unwrap();
        let m = AdaBoostClassifierParams::default()
            .n_estimators(3)
            .fit(&iris)
            .unwrap();
        assert!(
            (m.estimator_weights()[0] - 2.0 * 2f64.ln()).abs() < 1e-12,
            "{:?}",
            m.estimator_weights()
        );
        let staged = m.staged_predict(iris.features()).unwrap();
        assert_eq!(staged.len(), m.estimator_weights().len());
    }

    #[test]
    fn weighted_median_prediction_is_scikit_learns() {
        assert_eq!(
            weighted_median_prediction(&[3.0, 1.0, 2.0], &[1.0, 1.0, 1.0]),
            2.0
        );
        assert_eq!(
            weighted_median_prediction(&[3.0, 1.0, 2.0], &[5.0, 1.0, 1.0]),
            3.0
        );
    }
}
