//! Variance threshold: drop the columns that (almost) do not vary.
//!
//! Keeps column $j$ when $\sigma_j^2 = \frac1n \sum_i (x_{ij} - \bar x_j)^2 > t$ (default $t = 0$:
//! drop constant columns). Ignores the target. Cost $O(nd)$.
//!
//! Reference: scikit-learn's `VarianceThreshold`.
//!
//! ```
//! use breadth_classic::feature_selection::VarianceThresholdParams;
//! use breadth_core::{Dataset, Fit};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0, 0.0], [0.1, 4.0], [0.0, 2.0]]);
//! let sel = VarianceThresholdParams::default().threshold(0.5).fit(&ds).unwrap();
//! assert_eq!(sel.support(), &[false, true]);
//! ```

use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, non_negative};
use breadth_core::{Dataset, Fit, Result};
use ndarray::Axis;

use super::{SelectedFeatures, SelectorKind};

/// Hyper-parameters of the variance threshold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VarianceThresholdParams {
    /// Columns of variance at most this are dropped.
    pub threshold: f64,
}

impl VarianceThresholdParams {
    /// Set the threshold.
    pub fn threshold(mut self, t: f64) -> Self {
        self.threshold = t;
        self
    }
}

impl Configurable for VarianceThresholdParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::new(
            "threshold",
            self.threshold,
            "drop columns of variance at most this",
        )]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "threshold" => self.threshold = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Fit for VarianceThresholdParams {
    type Fitted = SelectedFeatures;
    fn fit(&self, data: &Dataset) -> Result<SelectedFeatures> {
        check_fit_input(data)?;
        non_negative("threshold", self.threshold)?;
        let var: Vec<f64> = data.features().var_axis(Axis(0), 0.0).to_vec();
        let support = var.iter().map(|&v| v > self.threshold).collect();
        SelectedFeatures::new(SelectorKind::VarianceThreshold, support, var)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feature_selection::testing::{arr2, fs_fixture, mask};
    use breadth_core::conformance::check_transformer;

    #[test]
    fn support_matches_scikit_learn() {
        // Expected values: reference/feature_selection.py, scikit-learn 1.9.1.
        let f = fs_fixture();
        let ds = Dataset::new(arr2(&f["variance_X"]));
        let sel = VarianceThresholdParams::default()
            .threshold(0.05)
            .fit(&ds)
            .unwrap();
        assert_eq!(sel.support(), mask(&f["variance_support"]).as_slice());
        assert!(VarianceThresholdParams::default()
            .threshold(100.0)
            .fit(&ds)
            .is_err());
    }

    #[test]
    fn conformance() {
        check_transformer(
            &VarianceThresholdParams::default(),
            &breadth_data::datasets::load("iris").unwrap(),
        );
    }
}
