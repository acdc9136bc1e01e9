//! Outlier and novelty detection.
//!
//! Every detector learns what "normal" looks like and gives each row a *normality score*
//! $s(x)$ (higher is more normal, scikit-learn's `score_samples`). A threshold $\tau$ (the
//! `offset`) turns scores into decisions: $f(x) = s(x) - \tau$, and the row is an outlier
//! (label $-1$) when $f(x) < 0$, an inlier ($+1$) otherwise.
//!
//! - [`univariate`]: per-feature rules (z-score, modified z-score with the MAD, Tukey's IQR fences);
//! - [`mcd`]: the Minimum Covariance Determinant (FastMCD) and [`mcd::EllipticEnvelope`], a robust
//!   Mahalanobis distance;
//! - [`iforest`]: isolation forests (random isolation trees, written here);
//! - [`lof`]: the local outlier factor over the shared [`crate::neighbors`] index, also in
//!   novelty mode.
//!
//! With a `contamination` fraction $c$ the threshold is the $100c$-th percentile of the training
//! scores, so that a fraction $c$ of the training rows is flagged. Detectors are registered as
//! clusterings whose labels are $-1$ / $+1$.
//!
//! Reference: C. C. Aggarwal, *Outlier Analysis*, 2nd ed., Springer 2017; scikit-learn's
//! `sklearn.covariance`, `sklearn.ensemble.IsolationForest` and `sklearn.neighbors.LocalOutlierFactor`,
//! which the tests reproduce.
//!
//! ```
//! use breadth_classic::outlier::{univariate::UnivariateOutlierParams, OutlierDetector};
//! use breadth_core::{Dataset, Fit};
//! use ndarray::array;
//! let ds = Dataset::new(array![[1.0], [1.1], [0.9], [1.0], [1.05], [0.95], [30.0]]);
//! let model = UnivariateOutlierParams::iqr().fit(&ds).unwrap();
//! assert_eq!(model.predict_outliers(array![[1.0], [40.0]].view()).unwrap().to_vec(), vec![1, -1]);
//! ```

pub mod iforest;
pub mod lof;
pub mod mcd;
pub mod univariate;

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::{Error, Result};
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

pub use iforest::{IsolationForest, IsolationForestParams};
pub use lof::{LocalOutlierFactor, LocalOutlierFactorParams};
pub use mcd::{EllipticEnvelope, EllipticEnvelopeParams, MinCovDet, MinCovDetParams};
pub use univariate::{UnivariateOutlierParams, UnivariateOutliers, UnivariateRule};

/// A fitted outlier detector.
pub trait OutlierDetector: Fitted {
    /// Normality score of each row of `x`: higher is more normal.
    fn score_samples(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>>;
    /// The threshold $\tau$ on the scores.
    fn offset(&self) -> f64;
    /// $s(x) - \tau$: negative for outliers.
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(self.score_samples(x)? - self.offset())
    }
    /// $-1$ for an outlier, $+1$ for an inlier.
    fn predict_outliers(&self, x: ArrayView2<'_, f64>) -> Result<Array1<i64>> {
        Ok(labels_from_decision(&self.decision_function(x)?))
    }
}

/// How the threshold on the scores is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Contamination {
    /// The method's own default threshold (isolation forest: $-0.5$; LOF: $-1.5$).
    Auto,
    /// Flag this fraction, in $(0, 0.5]$, of the training rows.
    Fraction(f64),
}

impl FromStr for Contamination {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "auto" {
            return Ok(Self::Auto);
        }
        s.parse::<f64>()
            .map(Self::Fraction)
            .map_err(|_| "expected auto or a fraction in (0, 0.5]".into())
    }
}

impl std::fmt::Display for Contamination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Fraction(c) => write!(f, "{c}"),
        }
    }
}

impl Contamination {
    pub(crate) fn validate(&self) -> Result<()> {
        match *self {
            Self::Fraction(c) if !(c > 0.0 && c <= 0.5) => Err(Error::param(
                "contamination",
                format!("must be auto or lie in (0, 0.5], got {c}"),
            )),
            _ => Ok(()),
        }
    }

    /// The threshold: `auto_offset` or the percentile of the training scores.
    pub(crate) fn offset(&self, train_scores: &[f64], auto_offset: f64) -> f64 {
        match *self {
            Self::Auto => auto_offset,
            Self::Fraction(c) => percentile(train_scores, c),
        }
    }
}

/// `numpy.percentile` with linear interpolation, `q` in [0, 1]; `values` non-empty.
pub(crate) fn percentile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

/// Median with the mean of the two middle values on even counts, as numpy.
pub(crate) fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

pub(crate) fn labels_from_decision(decision: &Array1<f64>) -> Array1<i64> {
    decision.mapv(|d| if d < 0.0 { -1 } else { 1 })
}

/// Implements [`breadth_core::Clusterer`] for a detector whose struct has a `labels` field
/// holding the training rows' $\pm 1$ labels.
macro_rules! outlier_clusterer {
    ($ty:ty) => {
        impl breadth_core::Clusterer for $ty {
            fn labels(&self) -> &ndarray::Array1<i64> {
                &self.labels
            }
            fn predict(
                &self,
                x: ndarray::ArrayView2<'_, f64>,
            ) -> breadth_core::Result<ndarray::Array1<i64>> {
                $crate::outlier::OutlierDetector::predict_outliers(self, x)
            }
        }
    };
}
pub(crate) use outlier_clusterer;

/// Fixture loading and the committed data shared by the detectors' tests.
#[cfg(test)]
pub(crate) mod testing {
    pub(crate) use crate::neighbors::testing::{arr1, arr2, fixture};
    use breadth_core::Dataset;
    use ndarray::Array1;

    /// The fixture of `reference/outliers.py` (scikit-learn 1.9.1).
    pub(crate) fn outliers_fixture() -> serde_json::Value {
        fixture("outliers/outliers.json")
    }

    /// The fixture's training rows and their truth (1 = outlier).
    pub(crate) fn training() -> (Dataset, Array1<usize>) {
        let f = outliers_fixture();
        let y: Vec<usize> = serde_json::from_value(f["y"].clone()).unwrap();
        (Dataset::new(arr2(&f["X"])), y.into())
    }

    /// ROC AUC of outlier-ness (minus the normality score) against the truth.
    pub(crate) fn auc(truth: &Array1<usize>, normality: &Array1<f64>) -> f64 {
        breadth_metrics::curves::roc_auc(truth.view(), (-normality).view()).unwrap()
    }
}
