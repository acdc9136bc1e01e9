//! Binary indicators of missing values (scikit-learn's `MissingIndicator`).
//!
//! For the chosen columns $F$ the output is $m_{ik} = [x_{i F_k} \text{ is NaN}]$. With
//! `features = missing-only`, $F$ is the set of columns that had a missing value at fit, and by
//! default (`error_on_new`) a missing value at transform in a column outside $F$ is an error,
//! since no column could report it; with `features = all`, $F$ is every column.
//!
//! Output names are `missingindicator_<name>`. Shapes: $n \times d$ in, $n \times |F|$ out
//! (0.0 / 1.0). Cost: $O(nd)$.
//!
//! Reference: scikit-learn 1.9 `sklearn/impute/_base.py`.
//!
//! ```
//! use breadth_core::{Dataset, Fit, Transformer};
//! use breadth_data::impute::indicator::MissingIndicatorParams;
//! use ndarray::array;
//! let ds = Dataset::new(array![[1.0, f64::NAN, 3.0], [4.0, 5.0, f64::NAN]]);
//! let ind = MissingIndicatorParams::default().fit(&ds).unwrap();
//! assert_eq!(ind.features(), &[1, 2]);
//! assert_eq!(ind.transform(ds.features()).unwrap(), array![[1.0, 0.0], [0.0, 1.0]]);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::{Dataset, Error, Fit, Result, Transformer};
use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{check_fit_allow_nan, check_transform_allow_nan};

/// Which columns get an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndicatorFeatures {
    /// Only the columns with a missing value at fit.
    MissingOnly,
    /// Every column.
    All,
}

impl FromStr for IndicatorFeatures {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "missing-only" => Ok(Self::MissingOnly),
            "all" => Ok(Self::All),
            _ => Err("expected missing-only or all".into()),
        }
    }
}

impl std::fmt::Display for IndicatorFeatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::MissingOnly => "missing-only",
            Self::All => "all",
        })
    }
}

/// Hyper-parameters of the missing indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingIndicatorParams {
    /// Which columns get an indicator.
    pub features: IndicatorFeatures,
    /// With `missing-only`, refuse missing values at transform in columns without an indicator.
    pub error_on_new: bool,
}

impl Default for MissingIndicatorParams {
    fn default() -> Self {
        MissingIndicatorParams {
            features: IndicatorFeatures::MissingOnly,
            error_on_new: true,
        }
    }
}

impl MissingIndicatorParams {
    /// Set which columns get an indicator.
    pub fn features(mut self, f: IndicatorFeatures) -> Self {
        self.features = f;
        self
    }
    /// Refuse new missing columns at transform or not.
    pub fn error_on_new(mut self, yes: bool) -> Self {
        self.error_on_new = yes;
        self
    }
}

impl Configurable for MissingIndicatorParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("features", self.features, "missing-only | all"),
            ParamSpec::new(
                "error_on_new",
                self.error_on_new,
                "refuse missing values in columns that had none at fit",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "features" => self.features = parse_param(name, value)?,
            "error_on_new" => self.error_on_new = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted missing indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingIndicator {
    features: Vec<usize>,
    check_new: bool,
    n_features: usize,
}

impl MissingIndicator {
    /// The columns that get an indicator, in order (scikit-learn's `features_`).
    pub fn features(&self) -> &[usize] {
        &self.features
    }

    /// Fit on a feature matrix (shared with the imputers' `add_indicator`).
    pub(crate) fn learn(params: &MissingIndicatorParams, x: ArrayView2<'_, f64>) -> Self {
        let features = match params.features {
            IndicatorFeatures::All => (0..x.ncols()).collect(),
            IndicatorFeatures::MissingOnly => x
                .axis_iter(Axis(1))
                .enumerate()
                .filter(|(_, c)| c.iter().any(|v| v.is_nan()))
                .map(|(j, _)| j)
                .collect(),
        };
        MissingIndicator {
            features,
            check_new: params.error_on_new && params.features == IndicatorFeatures::MissingOnly,
            n_features: x.ncols(),
        }
    }
}

impl Fit for MissingIndicatorParams {
    type Fitted = MissingIndicator;
    fn fit(&self, data: &Dataset) -> Result<MissingIndicator> {
        check_fit_allow_nan(data)?;
        Ok(MissingIndicator::learn(self, data.features()))
    }
}

impl Fitted for MissingIndicator {
    fn model_name(&self) -> &'static str {
        "missing-indicator"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Transformer for MissingIndicator {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_allow_nan(self, x)?;
        if self.check_new {
            let new: Vec<usize> = (0..self.n_features)
                .filter(|j| self.features.binary_search(j).is_err())
                .filter(|&j| x.column(j).iter().any(|v| v.is_nan()))
                .collect();
            if !new.is_empty() {
                return Err(Error::param(
                    "error_on_new",
                    format!(
                        "columns {new:?} have missing values at transform but had none at fit; \
                         fit with features=all or error_on_new=false"
                    ),
                ));
            }
        }
        Ok(Array2::from_shape_fn(
            (x.nrows(), self.features.len()),
            |(i, k)| f64::from(u8::from(x[[i, self.features[k]]].is_nan())),
        ))
    }

    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        self.features
            .iter()
            .map(|&j| format!("missingindicator_{}", input_names[j]))
            .collect()
    }

    fn n_features_out(&self) -> usize {
        self.features.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impute::conformance::check_nan_tolerant;
    use crate::preprocessing::fixtures::check_cases;
    use ndarray::array;

    // Expected values: reference/preprocessing.py, scikit-learn 1.9.1.
    #[test]
    fn matches_scikit_learn() {
        check_cases::<MissingIndicatorParams>("missing_indicator", 0.0, |case, m| {
            let want: Vec<usize> = crate::preprocessing::fixtures::vector(&case.attrs["features_"])
                .iter()
                .map(|&f| f as usize)
                .collect();
            assert_eq!(m.features(), want.as_slice());
        });
    }

    #[test]
    fn new_missing_columns_are_refused_unless_allowed() {
        let ds = Dataset::new(array![[1.0, f64::NAN], [2.0, 3.0]]);
        let x = array![[f64::NAN, 1.0]];
        let strict = MissingIndicatorParams::default().fit(&ds).unwrap();
        assert!(strict
            .transform(x.view())
            .unwrap_err()
            .to_string()
            .contains("[0]"));
        let lax = MissingIndicatorParams::default()
            .error_on_new(false)
            .fit(&ds)
            .unwrap();
        assert_eq!(lax.transform(x.view()).unwrap(), array![[0.0]]);
    }

    #[test]
    fn conformance_by_hand() {
        let ds = Dataset::new(array![
            [1.0, f64::NAN, 3.0],
            [4.0, 5.0, f64::NAN],
            [7.0, 8.0, 9.0]
        ]);
        check_nan_tolerant(&MissingIndicatorParams::default(), &ds);
        check_nan_tolerant(
            &MissingIndicatorParams::default().features(IndicatorFeatures::All),
            &ds,
        );
    }
}
