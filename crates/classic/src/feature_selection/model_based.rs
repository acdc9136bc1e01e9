//! Model-based selection: recursive feature elimination and L1 (Lasso) selection.
//!
//! **RFE.** Fit a linear model on the remaining features, take the importance of feature $j$ as
//! $|\beta_j|$ (for $K$ class rows of coefficients, $\sum_k |\beta_{kj}|$), drop the `step` least
//! important, repeat until `n_features_to_select` remain. The ranking is 1 for kept features and
//! grows with how early a feature was dropped. Coefficients are only comparable on comparable
//! scales: standardize first when the units differ.
//!
//! **Select from Lasso.** Fit $\min_\beta \frac1{2n}\|y - X\beta\|^2 + \alpha \|\beta\|_1$ and keep
//! the features with $|\beta_j| \ge 10^{-5}$ (scikit-learn's threshold for L1 models).
//!
//! Cost: RFE fits $\lceil (d - m)/\text{step} \rceil + 1$ models; the Lasso one.
//!
//! Reference: I. Guyon, J. Weston, S. Barnhill, V. Vapnik, "Gene Selection for Cancer
//! Classification using Support Vector Machines", Machine Learning 46, 2002 (RFE);
//! R. Tibshirani, "Regression Shrinkage and Selection via the Lasso", JRSS B 58, 1996.
//!
//! ```
//! use breadth_classic::feature_selection::{RfeEstimator, RfeParams};
//! use breadth_core::{Dataset, Fit, Target};
//! use ndarray::{array, Array1};
//! let x = array![[1.0, 0.3, 2.0], [2.0, 0.1, 1.0], [3.0, 0.4, 0.0], [4.0, 0.2, 1.0], [5.0, 0.0, 3.0]];
//! let y: Array1<f64> = x.column(0).mapv(|v| 3.0 * v) + &x.column(2);
//! let ds = Dataset::new(x).with_target(Target::Continuous(y)).unwrap();
//! let rfe = RfeParams::default().n_features_to_select(2).fit(&ds).unwrap();
//! assert_eq!(rfe.selected(), vec![0, 2]);
//! ```

use std::str::FromStr;

use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, positive};
use breadth_core::{Dataset, Error, Fit, Result};
use ndarray::Axis;

use super::{SelectedFeatures, SelectorKind};
use crate::linear::coordinate_descent::LassoParams;
use crate::linear::logistic::LogisticRegressionParams;
use crate::linear::ols::LinearRegressionParams;

/// The model whose coefficients rank the features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RfeEstimator {
    /// Ordinary least squares (continuous target).
    LinearRegression,
    /// L2 logistic regression with $C = 1$ (class target).
    LogisticRegression,
}

impl FromStr for RfeEstimator {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "linear-regression" => Self::LinearRegression,
            "logistic-regression" => Self::LogisticRegression,
            _ => return Err("expected linear-regression or logistic-regression".into()),
        })
    }
}

impl std::fmt::Display for RfeEstimator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::LinearRegression => "linear-regression",
            Self::LogisticRegression => "logistic-regression",
        })
    }
}

impl RfeEstimator {
    /// $|\beta_j|$ per feature of a fit on `data`.
    fn importances(self, data: &Dataset) -> Result<Vec<f64>> {
        Ok(match self {
            Self::LinearRegression => LinearRegressionParams::default()
                .fit(data)?
                .coef()
                .iter()
                .map(|b| b.abs())
                .collect(),
            Self::LogisticRegression => LogisticRegressionParams::default()
                .fit(data)?
                .coef()
                .mapv(f64::abs)
                .sum_axis(Axis(0))
                .to_vec(),
        })
    }
}

/// Recursive elimination down to `keep` features, `step` at a time: calls `visit` with the
/// remaining columns before each elimination and at the end; returns the dropped columns of each
/// round and the last importance of every column.
pub(crate) fn eliminate(
    estimator: RfeEstimator,
    data: &Dataset,
    keep: usize,
    step: usize,
    mut visit: impl FnMut(&[usize]) -> Result<()>,
) -> Result<(Vec<Vec<usize>>, Vec<f64>)> {
    let d = data.n_features();
    let mut remaining: Vec<usize> = (0..d).collect();
    let mut dropped_rounds: Vec<Vec<usize>> = Vec::new();
    let mut scores = vec![0.0; d];
    loop {
        visit(&remaining)?;
        let sub = data.with_features(
            data.features().select(Axis(1), &remaining),
            remaining
                .iter()
                .map(|&j| data.feature_names()[j].clone())
                .collect(),
        )?;
        let imp = estimator.importances(&sub)?;
        remaining
            .iter()
            .zip(&imp)
            .for_each(|(&j, &v)| scores[j] = v);
        if remaining.len() <= keep {
            return Ok((dropped_rounds, scores));
        }
        let n_drop = step.min(remaining.len() - keep);
        let mut order: Vec<usize> = (0..remaining.len()).collect();
        order.sort_by(|&a, &b| imp[a].total_cmp(&imp[b]));
        let drop: Vec<usize> = order[..n_drop].iter().map(|&i| remaining[i]).collect();
        remaining.retain(|j| !drop.contains(j));
        dropped_rounds.push(drop);
    }
}

/// Hyper-parameters of recursive feature elimination.
#[derive(Debug, Clone, PartialEq)]
pub struct RfeParams {
    /// The ranking model.
    pub estimator: RfeEstimator,
    /// Features to keep; `None` keeps half (rounded down, at least one).
    pub n_features_to_select: Option<usize>,
    /// Features dropped per round.
    pub step: usize,
}

impl Default for RfeParams {
    fn default() -> Self {
        RfeParams {
            estimator: RfeEstimator::LinearRegression,
            n_features_to_select: None,
            step: 1,
        }
    }
}

impl RfeParams {
    /// Set the ranking model.
    pub fn estimator(mut self, e: RfeEstimator) -> Self {
        self.estimator = e;
        self
    }
    /// Set how many features to keep.
    pub fn n_features_to_select(mut self, n: usize) -> Self {
        self.n_features_to_select = Some(n);
        self
    }
    /// Set the features dropped per round.
    pub fn step(mut self, step: usize) -> Self {
        self.step = step;
        self
    }
}

impl Configurable for RfeParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "estimator",
                self.estimator,
                "linear-regression | logistic-regression",
            ),
            ParamSpec::new(
                "n_features_to_select",
                "auto",
                "features kept (auto = half)",
            ),
            ParamSpec::new("step", self.step, "features dropped per round"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "estimator" => self.estimator = parse_param(name, value)?,
            "n_features_to_select" if value == "auto" => self.n_features_to_select = None,
            "n_features_to_select" => self.n_features_to_select = Some(parse_param(name, value)?),
            "step" => self.step = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Fit for RfeParams {
    type Fitted = SelectedFeatures;
    fn fit(&self, data: &Dataset) -> Result<SelectedFeatures> {
        check_fit_input(data)?;
        let d = data.n_features();
        let keep = self.n_features_to_select.unwrap_or((d / 2).max(1));
        if keep == 0 || keep > d {
            return Err(Error::param(
                "n_features_to_select",
                format!("must lie in 1..={d}, got {keep}"),
            ));
        }
        if self.step == 0 {
            return Err(Error::param("step", "must be at least 1"));
        }
        let (dropped_rounds, scores) =
            eliminate(self.estimator, data, keep, self.step, |_| Ok(()))?;
        let mut ranking = vec![1usize; d];
        // The last features dropped rank 2, the first dropped rank highest.
        for (r, round) in dropped_rounds.iter().rev().enumerate() {
            round.iter().for_each(|&j| ranking[j] = r + 2);
        }
        let support = ranking.iter().map(|&r| r == 1).collect();
        let mut sel = SelectedFeatures::new(SelectorKind::Rfe, support, scores)?;
        sel.ranking = Some(ranking);
        Ok(sel)
    }
}

/// Hyper-parameters of Lasso-based selection.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectFromLassoParams {
    /// The L1 strength $\alpha$.
    pub alpha: f64,
    /// Keep features with $|\beta_j|$ at least this.
    pub threshold: f64,
}

impl Default for SelectFromLassoParams {
    fn default() -> Self {
        SelectFromLassoParams {
            alpha: 1.0,
            threshold: 1e-5,
        }
    }
}

impl SelectFromLassoParams {
    /// Set $\alpha$.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
}

impl Configurable for SelectFromLassoParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("alpha", self.alpha, "L1 strength of the Lasso"),
            ParamSpec::new("threshold", self.threshold, "keep |coef| at least this"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "alpha" => self.alpha = parse_param(name, value)?,
            "threshold" => self.threshold = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Fit for SelectFromLassoParams {
    type Fitted = SelectedFeatures;
    fn fit(&self, data: &Dataset) -> Result<SelectedFeatures> {
        check_fit_input(data)?;
        positive("threshold", self.threshold)?;
        let mut lasso = LassoParams::default();
        lasso.0.alpha = self.alpha;
        // Coefficients are compared with a small threshold: solve to a tight tolerance.
        lasso.0.tol = 1e-10;
        lasso.0.max_iter = 100_000;
        let coef: Vec<f64> = lasso.fit(data)?.coef().iter().map(|b| b.abs()).collect();
        let support = coef.iter().map(|&c| c >= self.threshold).collect();
        SelectedFeatures::new(SelectorKind::SelectFromLasso, support, coef)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feature_selection::testing::{arr1, fs_fixture, mask};
    use breadth_core::conformance::check_transformer;

    #[test]
    fn rfe_matches_scikit_learn() {
        // Expected values: reference/feature_selection.py, scikit-learn 1.9.1 RFE(LinearRegression).
        let f = fs_fixture();
        let ds = breadth_data::datasets::load("diabetes").unwrap();
        let rfe = RfeParams::default()
            .n_features_to_select(4)
            .fit(&ds)
            .unwrap();
        assert_eq!(rfe.support(), mask(&f["rfe_support"]).as_slice());
        let ranking: Vec<usize> = serde_json::from_value(f["rfe_ranking"].clone()).unwrap();
        assert_eq!(rfe.ranking().unwrap(), ranking.as_slice());
    }

    #[test]
    fn lasso_selection_matches_scikit_learn() {
        let f = fs_fixture();
        let ds = breadth_data::datasets::load("diabetes").unwrap();
        let sel = SelectFromLassoParams::default()
            .alpha(40.0)
            .fit(&ds)
            .unwrap();
        assert_eq!(sel.support(), mask(&f["lasso_support"]).as_slice());
        let coef = arr1(&f["lasso_coef"]);
        for (a, b) in sel.scores().iter().zip(&coef) {
            assert!((a - b.abs()).abs() < 1e-6 * (1.0 + b.abs()));
        }
    }

    #[test]
    fn rfe_with_logistic_keeps_iris_petals() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        let rfe = RfeParams::default()
            .estimator(RfeEstimator::LogisticRegression)
            .n_features_to_select(2)
            .fit(&iris)
            .unwrap();
        assert_eq!(rfe.selected(), vec![2, 3]);
        assert!(RfeParams::default()
            .n_features_to_select(9)
            .fit(&iris)
            .is_err());
    }

    #[test]
    fn conformance() {
        let ds = breadth_data::datasets::load("diabetes").unwrap();
        check_transformer(&RfeParams::default().step(3), &ds);
        check_transformer(&SelectFromLassoParams::default(), &ds);
    }
}
