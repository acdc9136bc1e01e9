//! Recursive feature elimination with the number of features chosen by cross-validation.
//!
//! On each of $K$ contiguous folds, run [RFE](super::model_based) on the training rows down to
//! `min_features_to_select`, scoring the model on the held-out rows after every round: this
//! gives a score $S_k(m)$ for each fold $k$ and feature count $m$. The chosen count is
//! $m^\star = \arg\max_m \frac1K \sum_k S_k(m)$ (the smallest $m$ on ties, as scikit-learn), and
//! RFE on all rows down to $m^\star$ gives the support. Scores: $R^2$ for the linear regression,
//! accuracy for the logistic regression. Folds are unshuffled and contiguous for both (scikit-learn
//! stratifies the folds of a classifier; this does not yet).
//!
//! Cost: $K + 1$ eliminations, each $\lceil (d - m_{\min}) / \text{step} \rceil + 1$ fits, plus
//! one scoring fit per round and fold.
//!
//! Reference: scikit-learn's `RFECV`; I. Guyon et al., Machine Learning 46, 2002.
//!
//! ```
//! use breadth_classic::feature_selection::rfecv::RfecvParams;
//! use breadth_core::{Dataset, Fit};
//! let diabetes = breadth_data::datasets::load("diabetes").unwrap();
//! let sel = RfecvParams::default().fit(&diabetes).unwrap();
//! assert_eq!(sel.selected().len(), 6);
//! ```

use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::check_fit_input;
use breadth_core::{Dataset, Error, Fit, Result};

use super::model_based::{eliminate, RfeEstimator, RfeParams};
use super::sequential::{folds, split_score};
use super::{SelectedFeatures, SelectorKind};

/// Hyper-parameters of RFECV.
#[derive(Debug, Clone, PartialEq)]
pub struct RfecvParams {
    /// The ranking and scoring model.
    pub estimator: RfeEstimator,
    /// Features dropped per round.
    pub step: usize,
    /// Fewest features considered.
    pub min_features_to_select: usize,
    /// Folds $K$.
    pub cv: usize,
}

impl Default for RfecvParams {
    fn default() -> Self {
        RfecvParams {
            estimator: RfeEstimator::LinearRegression,
            step: 1,
            min_features_to_select: 1,
            cv: 5,
        }
    }
}

impl RfecvParams {
    /// Set the model.
    pub fn estimator(mut self, e: RfeEstimator) -> Self {
        self.estimator = e;
        self
    }
}

impl Configurable for RfecvParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "estimator",
                self.estimator,
                "linear-regression | logistic-regression",
            ),
            ParamSpec::new("step", self.step, "features dropped per round"),
            ParamSpec::new(
                "min_features_to_select",
                self.min_features_to_select,
                "fewest features considered",
            ),
            ParamSpec::new("cv", self.cv, "cross-validation folds"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "estimator" => self.estimator = parse_param(name, value)?,
            "step" => self.step = parse_param(name, value)?,
            "min_features_to_select" => self.min_features_to_select = parse_param(name, value)?,
            "cv" => self.cv = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl RfecvParams {
    /// Mean held-out score per number of features, indexed by that number (index 0 unused).
    pub fn mean_scores(&self, data: &Dataset) -> Result<Vec<Option<f64>>> {
        check_fit_input(data)?;
        let (n, d) = (data.n_samples(), data.n_features());
        if self.min_features_to_select == 0 || self.min_features_to_select > d {
            return Err(Error::param(
                "min_features_to_select",
                format!("must lie in 1..={d}"),
            ));
        }
        if self.step == 0 {
            return Err(Error::param("step", "must be at least 1"));
        }
        if self.cv < 2 || self.cv > n {
            return Err(Error::param("cv", format!("must lie in 2..={n}")));
        }
        let mut sums = vec![None::<f64>; d + 1];
        for test in folds(n, self.cv) {
            let train: Vec<usize> = (0..n).filter(|i| !test.contains(i)).collect();
            let test: Vec<usize> = test.collect();
            let train_ds = data.select(&train);
            eliminate(
                self.estimator,
                &train_ds,
                self.min_features_to_select,
                self.step,
                |cols| {
                    let s = split_score(self.estimator, data, cols, &train, &test)?;
                    let slot = &mut sums[cols.len()];
                    *slot = Some(slot.unwrap_or(0.0) + s);
                    Ok(())
                },
            )?;
        }
        Ok(sums
            .into_iter()
            .map(|s| s.map(|v| v / self.cv as f64))
            .collect())
    }
}

impl Fit for RfecvParams {
    type Fitted = SelectedFeatures;
    fn fit(&self, data: &Dataset) -> Result<SelectedFeatures> {
        let means = self.mean_scores(data)?;
        // Smallest count on ties: scan upwards and keep strict improvements.
        let mut best: Option<(usize, f64)> = None;
        for (m, s) in means.iter().enumerate() {
            if let Some(s) = *s {
                if best.is_none_or(|(_, b)| s > b) {
                    best = Some((m, s));
                }
            }
        }
        let (m, _) = best.expect("at least one feature count is scored");
        let rfe = RfeParams::default()
            .estimator(self.estimator)
            .n_features_to_select(m)
            .step(self.step)
            .fit(data)?;
        let mut sel = SelectedFeatures::new(
            SelectorKind::Rfecv,
            rfe.support().to_vec(),
            rfe.scores().to_vec(),
        )?;
        sel.ranking = rfe.ranking().map(<[usize]>::to_vec);
        Ok(sel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feature_selection::testing::{arr1, fs_fixture, mask};
    use breadth_core::conformance::check_transformer;

    #[test]
    fn matches_scikit_learn() {
        // Expected values: reference/feature_selection.py, scikit-learn 1.9.1
        // RFECV(LinearRegression(), cv=5) on the raw diabetes features.
        let f = fs_fixture();
        let ds = breadth_data::datasets::load("diabetes").unwrap();
        let p = RfecvParams::default();
        let means = p.mean_scores(&ds).unwrap();
        let expected = arr1(&f["rfecv_mean_scores"]);
        for (m, e) in expected.iter().enumerate() {
            let got = means[m + 1].unwrap();
            assert!((got - e).abs() < 1e-9, "{} features: {got} vs {e}", m + 1);
        }
        let sel = p.fit(&ds).unwrap();
        assert_eq!(sel.support(), mask(&f["rfecv_support"]).as_slice());
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_transformer(
            &RfecvParams::default().estimator(RfeEstimator::LogisticRegression),
            &iris,
        );
    }
}
