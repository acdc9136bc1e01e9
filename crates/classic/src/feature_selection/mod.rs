//! Feature selection: keep the columns that carry information about the target.
//!
//! Every selector learns a support mask $s \in \{0, 1\}^d$ and transforms an `n x d` matrix to
//! the `n x |s|` matrix of the kept columns, in their original order:
//!
//! - [`variance`]: drop columns whose variance $\frac1n \sum_i (x_{ij} - \bar x_j)^2$ is at most a
//!   threshold;
//! - [`univariate`]: score each column alone (chi-squared, ANOVA F, F of a regression on it,
//!   mutual information from [`mutual_info`]) and
//!   keep the $k$ best or the best percentile;
//! - [`model_based`]: recursive feature elimination with a linear model's coefficients, and
//!   selection by the magnitude of L1 (Lasso) coefficients; [`rfecv`] picks RFE's feature count
//!   by cross-validation; [`from_model`] keeps the features whose importance (trees, forests,
//!   boosting) or coefficient magnitude passes a threshold;
//! - [`sequential`]: greedy forward or backward selection by cross-validated score.
//!
//! Cost: see each module. Reference: I. Guyon, A. Elisseeff, "An Introduction to Variable and
//! Feature Selection", JMLR 3, 2003; scikit-learn's `sklearn.feature_selection`, which the tests
//! reproduce.
//!
//! ```
//! use breadth_classic::feature_selection::VarianceThresholdParams;
//! use breadth_core::{Dataset, Fit, Transformer};
//! use ndarray::array;
//! let ds = Dataset::new(array![[1.0, 5.0, 0.0], [2.0, 5.0, 1.0], [3.0, 5.0, 0.0]]);
//! let sel = VarianceThresholdParams::default().fit(&ds).unwrap();
//! assert_eq!(sel.support(), &[true, false, true]);
//! assert_eq!(sel.transform(ds.features()).unwrap().ncols(), 2);
//! ```

pub mod from_model;
pub mod model_based;
pub mod mutual_info;
pub mod rfecv;
pub mod sequential;
pub mod univariate;
pub mod variance;

use breadth_core::estimator::Fitted;
use breadth_core::validate::check_predict_input;
use breadth_core::{Error, Result, Transformer};
use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

pub use from_model::{FeatureImportance, SelectFromModelParams, Threshold};
pub use model_based::{RfeEstimator, RfeParams, SelectFromLassoParams};
pub use rfecv::RfecvParams;
pub use sequential::{Direction, SequentialParams};
pub use univariate::{ScoreFunc, SelectKBestParams, SelectPercentileParams};
pub use variance::VarianceThresholdParams;

/// Which selector produced a [`SelectedFeatures`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SelectorKind {
    /// [`VarianceThresholdParams`].
    VarianceThreshold,
    /// [`SelectKBestParams`].
    SelectKBest,
    /// [`SelectPercentileParams`].
    SelectPercentile,
    /// [`RfeParams`].
    Rfe,
    /// [`SelectFromLassoParams`].
    SelectFromLasso,
    /// [`SequentialParams`].
    Sequential,
    /// [`RfecvParams`].
    Rfecv,
    /// [`SelectFromModelParams`].
    SelectFromModel,
}

/// A fitted selector: the support mask and the per-feature scores it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectedFeatures {
    kind: SelectorKind,
    support: Vec<bool>,
    scores: Vec<f64>,
    pvalues: Option<Vec<f64>>,
    ranking: Option<Vec<usize>>,
}

impl SelectedFeatures {
    pub(crate) fn new(kind: SelectorKind, support: Vec<bool>, scores: Vec<f64>) -> Result<Self> {
        if !support.contains(&true) {
            return Err(Error::param(
                "threshold",
                "no feature is selected; loosen the criterion",
            ));
        }
        Ok(SelectedFeatures {
            kind,
            support,
            scores,
            pvalues: None,
            ranking: None,
        })
    }
    /// Whether each input column is kept.
    pub fn support(&self) -> &[bool] {
        &self.support
    }
    /// Indices of the kept columns, ascending.
    pub fn selected(&self) -> Vec<usize> {
        (0..self.support.len())
            .filter(|&j| self.support[j])
            .collect()
    }
    /// The per-feature scores (variance, test statistic, |coefficient|, or for sequential
    /// selection the CV score after the step that added or removed the feature, 0 for the others).
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }
    /// The tests' p-values, for univariate selectors.
    pub fn pvalues(&self) -> Option<&[f64]> {
        self.pvalues.as_deref()
    }
    /// RFE's ranking: 1 for kept features, then the order of elimination backwards.
    pub fn ranking(&self) -> Option<&[usize]> {
        self.ranking.as_deref()
    }
}

impl Fitted for SelectedFeatures {
    fn model_name(&self) -> &'static str {
        match self.kind {
            SelectorKind::VarianceThreshold => "variance-threshold",
            SelectorKind::SelectKBest => "select-k-best",
            SelectorKind::SelectPercentile => "select-percentile",
            SelectorKind::Rfe => "rfe",
            SelectorKind::SelectFromLasso => "select-from-lasso",
            SelectorKind::Sequential => "sequential-feature-selector",
            SelectorKind::Rfecv => "rfecv",
            SelectorKind::SelectFromModel => "select-from-model",
        }
    }
    fn n_features_in(&self) -> usize {
        self.support.len()
    }
}

impl Transformer for SelectedFeatures {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(x.select(Axis(1), &self.selected()))
    }
    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        self.selected()
            .into_iter()
            .map(|j| {
                input_names
                    .get(j)
                    .cloned()
                    .unwrap_or_else(|| format!("x{j}"))
            })
            .collect()
    }
    fn n_features_out(&self) -> usize {
        self.support.iter().filter(|&&s| s).count()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    pub(crate) use crate::neighbors::testing::{arr1, arr2, fixture};

    /// The fixture of `reference/feature_selection.py` (scikit-learn 1.9.1).
    pub(crate) fn fs_fixture() -> serde_json::Value {
        fixture("feature_selection/feature_selection.json")
    }

    /// A 0/1 list as a mask.
    pub(crate) fn mask(v: &serde_json::Value) -> Vec<bool> {
        let m: Vec<u8> = serde_json::from_value(v.clone()).unwrap();
        m.into_iter().map(|b| b == 1).collect()
    }
}
