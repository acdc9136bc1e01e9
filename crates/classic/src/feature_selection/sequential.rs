//! Sequential feature selection: greedy forward addition or backward removal by cross-validation.
//!
//! Forward: start from no feature; at each step add the feature $j$ that maximizes the mean
//! $K$-fold score $\bar S(F \cup \{j\})$ of the model on the features $F$ so far (first maximum
//! on ties); stop at `n_features_to_select`. Backward: start from all features and remove the $j$
//! that maximizes $\bar S(F \setminus \{j\})$. The score is $R^2$ for the linear regression and
//! accuracy for the logistic regression; folds are contiguous and unshuffled (scikit-learn's
//! `cv=5`), the first $n \bmod K$ one row larger.
//!
//! Cost: $O(d^2 K)$ model fits.
//!
//! Reference: F. J. Ferri, P. Pudil, M. Hatef, J. Kittler, "Comparative study of techniques for
//! large-scale feature selection", Pattern Recognition in Practice IV, 1994; scikit-learn's
//! `SequentialFeatureSelector`.
//!
//! ```
//! use breadth_classic::feature_selection::sequential::{Direction, SequentialParams};
//! use breadth_core::{Dataset, Fit};
//! let diabetes = breadth_data::datasets::load("diabetes").unwrap();
//! let sel = SequentialParams::default().n_features_to_select(2).fit(&diabetes).unwrap();
//! assert_eq!(sel.selected(), vec![2, 8]); // BMI and S5
//! ```

use std::str::FromStr;

use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::check_fit_input;
use breadth_core::{Classifier, Dataset, Error, Fit, Regressor, Result, Target};
use ndarray::Axis;

use super::model_based::RfeEstimator;
use super::{SelectedFeatures, SelectorKind};
use crate::linear::logistic::LogisticRegressionParams;
use crate::linear::ols::LinearRegressionParams;

/// Add features or remove them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Start empty, add the best feature each step.
    Forward,
    /// Start full, remove the least useful feature each step.
    Backward,
}

impl FromStr for Direction {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "forward" => Self::Forward,
            "backward" => Self::Backward,
            _ => return Err("expected forward or backward".into()),
        })
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Forward => "forward",
            Self::Backward => "backward",
        })
    }
}

/// Hyper-parameters of sequential selection.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialParams {
    /// The model scored.
    pub estimator: RfeEstimator,
    /// Add or remove.
    pub direction: Direction,
    /// Features to keep; `None` keeps half (at least one).
    pub n_features_to_select: Option<usize>,
    /// Folds $K$.
    pub cv: usize,
}

impl Default for SequentialParams {
    fn default() -> Self {
        SequentialParams {
            estimator: RfeEstimator::LinearRegression,
            direction: Direction::Forward,
            n_features_to_select: None,
            cv: 5,
        }
    }
}

impl SequentialParams {
    /// Set the model.
    pub fn estimator(mut self, e: RfeEstimator) -> Self {
        self.estimator = e;
        self
    }
    /// Set the direction.
    pub fn direction(mut self, d: Direction) -> Self {
        self.direction = d;
        self
    }
    /// Set how many features to keep.
    pub fn n_features_to_select(mut self, n: usize) -> Self {
        self.n_features_to_select = Some(n);
        self
    }
}

impl Configurable for SequentialParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "estimator",
                self.estimator,
                "linear-regression | logistic-regression",
            ),
            ParamSpec::new("direction", self.direction, "forward | backward"),
            ParamSpec::new(
                "n_features_to_select",
                "auto",
                "features kept (auto = half)",
            ),
            ParamSpec::new("cv", self.cv, "cross-validation folds"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "estimator" => self.estimator = parse_param(name, value)?,
            "direction" => self.direction = parse_param(name, value)?,
            "n_features_to_select" if value == "auto" => self.n_features_to_select = None,
            "n_features_to_select" => self.n_features_to_select = Some(parse_param(name, value)?),
            "cv" => self.cv = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Contiguous unshuffled folds: test rows of each.
pub(crate) fn folds(n: usize, k: usize) -> Vec<std::ops::Range<usize>> {
    let mut start = 0;
    (0..k)
        .map(|f| {
            let size = n / k + usize::from(f < n % k);
            start += size;
            start - size..start
        })
        .collect()
}

/// Score ($R^2$ or accuracy) on the `test` rows of the model fitted on the `train` rows, both
/// restricted to the columns `cols`.
pub(crate) fn split_score(
    est: RfeEstimator,
    data: &Dataset,
    cols: &[usize],
    train: &[usize],
    test: &[usize],
) -> Result<f64> {
    let x = data.features().select(Axis(1), cols);
    let target = data
        .target()
        .ok_or_else(|| Error::param("data", "feature selection by score needs a target"))?;
    let ds = Dataset::new(x.select(Axis(0), train)).with_target(target.select(train))?;
    let xt = x.select(Axis(0), test);
    match (est, target.select(test)) {
        (RfeEstimator::LinearRegression, Target::Continuous(y)) => {
            let pred = LinearRegressionParams::default()
                .fit(&ds)?
                .predict(xt.view())?;
            breadth_metrics::regression::r2_score(y.view(), pred.view())
        }
        (RfeEstimator::LogisticRegression, Target::Classes { labels, .. }) => {
            let pred = LogisticRegressionParams::default()
                .fit(&ds)?
                .predict(xt.view())?;
            breadth_metrics::classification::accuracy(labels.view(), pred.view(), None)
        }
        _ => Err(Error::param(
            "estimator",
            format!("{est} does not fit this target"),
        )),
    }
}

/// Mean cross-validated score of the model on the columns `cols`.
fn cv_score(est: RfeEstimator, data: &Dataset, cols: &[usize], k: usize) -> Result<f64> {
    let n = data.n_samples();
    let mut total = 0.0;
    for test in folds(n, k) {
        let train: Vec<usize> = (0..n).filter(|i| !test.contains(i)).collect();
        let test: Vec<usize> = test.collect();
        total += split_score(est, data, cols, &train, &test)?;
    }
    Ok(total / k as f64)
}

impl Fit for SequentialParams {
    type Fitted = SelectedFeatures;
    fn fit(&self, data: &Dataset) -> Result<SelectedFeatures> {
        check_fit_input(data)?;
        if data.target().is_none() {
            return Err(Error::param("data", "sequential selection needs a target"));
        }
        let d = data.n_features();
        let keep = self.n_features_to_select.unwrap_or((d / 2).max(1));
        if keep == 0 || keep > d {
            return Err(Error::param(
                "n_features_to_select",
                format!("must lie in 1..={d}, got {keep}"),
            ));
        }
        if self.cv < 2 || self.cv > data.n_samples() {
            return Err(Error::param(
                "cv",
                format!("must lie in 2..={}", data.n_samples()),
            ));
        }
        let mut selected = vec![self.direction == Direction::Backward; d];
        let mut scores = vec![0.0; d];
        let steps = match self.direction {
            Direction::Forward => keep,
            Direction::Backward => d - keep,
        };
        for _ in 0..steps {
            let mut best: Option<(usize, f64)> = None;
            for j in (0..d).filter(|&j| selected[j] == (self.direction == Direction::Backward)) {
                let mut trial = selected.clone();
                trial[j] = !trial[j];
                let cols: Vec<usize> = (0..d).filter(|&c| trial[c]).collect();
                let s = cv_score(self.estimator, data, &cols, self.cv)?;
                if best.is_none_or(|(_, b)| s > b) {
                    best = Some((j, s));
                }
            }
            let (j, s) = best.expect("a candidate remains");
            selected[j] = !selected[j];
            scores[j] = s;
        }
        SelectedFeatures::new(SelectorKind::Sequential, selected, scores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feature_selection::testing::{fs_fixture, mask};
    use breadth_core::conformance::check_transformer;

    #[test]
    fn matches_scikit_learn() {
        // Expected values: reference/feature_selection.py, scikit-learn 1.9.1
        // SequentialFeatureSelector(LinearRegression(), n_features_to_select=4, cv=5).
        let f = fs_fixture();
        let ds = breadth_data::datasets::load("diabetes").unwrap();
        for (dir, key) in [
            (Direction::Forward, "sfs_forward"),
            (Direction::Backward, "sfs_backward"),
        ] {
            let sel = SequentialParams::default()
                .direction(dir)
                .n_features_to_select(4)
                .fit(&ds)
                .unwrap();
            assert_eq!(sel.support(), mask(&f[key]).as_slice(), "{key}");
        }
        let iris = breadth_data::datasets::load("iris").unwrap();
        assert!(SequentialParams::default().fit(&iris).is_err());
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        let p = SequentialParams::default()
            .estimator(RfeEstimator::LogisticRegression)
            .n_features_to_select(1);
        check_transformer(&p, &iris);
    }
}
