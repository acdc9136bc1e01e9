//! Column-statistic imputation (scikit-learn's `SimpleImputer`).
//!
//! For column $j$ with observed (non-NaN) values $O_j = \{x_{ij}\}$ the fill value $s_j$ is
//!
//! - `mean`: $\frac{1}{|O_j|} \sum O_j$;
//! - `median`: the middle of the sorted $O_j$, or the mean of the two middle values;
//! - `most_frequent`: the mode of $O_j$, the smallest value among ties (as `scipy.stats.mode`);
//! - `constant:c`: $c$;
//!
//! and every missing $x_{ij}$ becomes $s_j$. A column with $O_j = \emptyset$ is dropped from the
//! output (or, with `keep_empty_features`, kept and filled with 0, or $c$ for `constant`).
//! With `add_indicator` the [missing indicator](super::indicator) of the input follows, which
//! makes the transform invertible: `inverse_transform` puts NaN back where it flags.
//!
//! Shapes: $n \times d$ in, $n \times (d - \text{dropped} + \text{indicators})$ out.
//! Cost: $O(nd)$ to fit `mean` and `constant`, $O(nd \log n)$ for `median` and `most_frequent`;
//! $O(nd)$ to transform.
//!
//! Reference: scikit-learn 1.9 `sklearn/impute/_base.py`.
//!
//! ```
//! use breadth_core::{Dataset, Fit, Transformer};
//! use breadth_data::impute::simple::{SimpleImputerParams, Strategy};
//! use ndarray::array;
//! let ds = Dataset::new(array![[2.0], [1.0], [2.0], [1.0], [f64::NAN]]);
//! let imp = SimpleImputerParams::default().strategy(Strategy::MostFrequent).fit(&ds).unwrap();
//! assert_eq!(imp.statistics(), &[Some(1.0)]); // a tie between 1 and 2: the smaller wins
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::{Dataset, Error, Fit, Result, Transformer};
use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::indicator::{MissingIndicator, MissingIndicatorParams};
use super::{assemble, assemble_names, check_fit_allow_nan, check_transform_allow_nan};
use crate::preprocessing::map_elements;
use crate::preprocessing::stats::{median_sorted, sorted_present};

/// The statistic that fills a column's missing values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Strategy {
    /// Mean of the observed values.
    Mean,
    /// Median of the observed values.
    Median,
    /// Most frequent observed value, the smallest on ties.
    MostFrequent,
    /// A fixed value.
    Constant(f64),
}

impl FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "mean" => Ok(Self::Mean),
            "median" => Ok(Self::Median),
            "most_frequent" => Ok(Self::MostFrequent),
            "constant" => Ok(Self::Constant(0.0)),
            s => s
                .strip_prefix("constant:")
                .and_then(|c| c.parse::<f64>().ok())
                .filter(|c| c.is_finite())
                .map(Self::Constant)
                .ok_or_else(|| {
                    "expected mean, median, most_frequent, constant or constant:VALUE".into()
                }),
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Mean => f.write_str("mean"),
            Self::Median => f.write_str("median"),
            Self::MostFrequent => f.write_str("most_frequent"),
            Self::Constant(c) => write!(f, "constant:{c}"),
        }
    }
}

/// Hyper-parameters of the simple imputer.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleImputerParams {
    /// The fill statistic.
    pub strategy: Strategy,
    /// Keep columns without observed values (filled with 0, or the constant).
    pub keep_empty_features: bool,
    /// Append the missing indicator (of the columns with missing values at fit).
    pub add_indicator: bool,
}

impl Default for SimpleImputerParams {
    fn default() -> Self {
        SimpleImputerParams {
            strategy: Strategy::Mean,
            keep_empty_features: false,
            add_indicator: false,
        }
    }
}

impl SimpleImputerParams {
    /// Set the fill statistic.
    pub fn strategy(mut self, s: Strategy) -> Self {
        self.strategy = s;
        self
    }
    /// Keep columns without observed values.
    pub fn keep_empty_features(mut self, yes: bool) -> Self {
        self.keep_empty_features = yes;
        self
    }
    /// Append the missing indicator.
    pub fn add_indicator(mut self, yes: bool) -> Self {
        self.add_indicator = yes;
        self
    }
}

impl Configurable for SimpleImputerParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "strategy",
                self.strategy,
                "mean | median | most_frequent | constant:VALUE",
            ),
            ParamSpec::new(
                "keep_empty_features",
                self.keep_empty_features,
                "keep all-missing columns (filled with 0)",
            ),
            ParamSpec::new(
                "add_indicator",
                self.add_indicator,
                "append 0/1 columns marking missing values",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "strategy" => self.strategy = parse_param(name, value)?,
            "keep_empty_features" => self.keep_empty_features = parse_param(name, value)?,
            "add_indicator" => self.add_indicator = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted simple imputer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleImputer {
    /// Fill value per column; `None` for a dropped column (JSON model files cannot hold NaN).
    statistics: Vec<Option<f64>>,
    kept: Vec<usize>,
    indicator: Option<MissingIndicator>,
}

/// The smallest most frequent value of a sorted, non-empty slice.
fn mode_sorted(sorted: &[f64]) -> f64 {
    let (mut best, mut best_count) = (sorted[0], 0);
    let mut i = 0;
    while i < sorted.len() {
        let run = sorted[i..].iter().take_while(|&&v| v == sorted[i]).count();
        // Strictly greater: the first (smallest) value of a tied count stays.
        if run > best_count {
            (best, best_count) = (sorted[i], run);
        }
        i += run;
    }
    best
}

impl SimpleImputer {
    /// The fill value of each input column (`None`: no observed value, column dropped).
    pub fn statistics(&self) -> &[Option<f64>] {
        &self.statistics
    }
    /// The missing indicator appended with `add_indicator`.
    pub fn indicator(&self) -> Option<&MissingIndicator> {
        self.indicator.as_ref()
    }
}

impl Fit for SimpleImputerParams {
    type Fitted = SimpleImputer;
    fn fit(&self, data: &Dataset) -> Result<SimpleImputer> {
        check_fit_allow_nan(data)?;
        let x = data.features();
        let empty_fill = self.keep_empty_features.then_some(match self.strategy {
            Strategy::Constant(c) => c,
            _ => 0.0,
        });
        let statistics: Vec<Option<f64>> = x
            .axis_iter(Axis(1))
            .map(|col| {
                let observed = sorted_present(col);
                if observed.is_empty() {
                    return empty_fill;
                }
                Some(match self.strategy {
                    Strategy::Mean => observed.iter().sum::<f64>() / observed.len() as f64,
                    Strategy::Median => median_sorted(&observed),
                    Strategy::MostFrequent => mode_sorted(&observed),
                    Strategy::Constant(c) => c,
                })
            })
            .collect();
        let kept = (0..statistics.len())
            .filter(|&j| statistics[j].is_some())
            .collect();
        let indicator = self.add_indicator.then(|| {
            MissingIndicator::learn(&MissingIndicatorParams::default().error_on_new(false), x)
        });
        Ok(SimpleImputer {
            statistics,
            kept,
            indicator,
        })
    }
}

impl Fitted for SimpleImputer {
    fn model_name(&self) -> &'static str {
        "simple-imputer"
    }
    fn n_features_in(&self) -> usize {
        self.statistics.len()
    }
}

impl Transformer for SimpleImputer {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_allow_nan(self, x)?;
        let filled = map_elements(x, |j, v| {
            if v.is_nan() {
                self.statistics[j].unwrap_or(f64::NAN)
            } else {
                v
            }
        });
        assemble(filled, &self.kept, self.indicator.as_ref(), x)
    }

    /// Put NaN back where the appended indicator flags a missing value (needs `add_indicator`);
    /// dropped all-missing columns come back as NaN.
    fn inverse_transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let Some(ind) = &self.indicator else {
            return Err(Error::unsupported(
                self.model_name(),
                "inverse_transform without add_indicator=true",
            ));
        };
        let n_kept = self.kept.len();
        if x.ncols() != self.n_features_out() {
            return Err(Error::FeatureCountMismatch {
                model: "simple-imputer (inverse_transform)".into(),
                expected: self.n_features_out(),
                found: x.ncols(),
            });
        }
        let mut out = Array2::from_elem((x.nrows(), self.statistics.len()), f64::NAN);
        for (k, &j) in self.kept.iter().enumerate() {
            out.column_mut(j).assign(&x.column(k));
        }
        for (k, &j) in ind.features().iter().enumerate() {
            for (o, &flag) in out.column_mut(j).iter_mut().zip(x.column(n_kept + k)) {
                if flag != 0.0 {
                    *o = f64::NAN;
                }
            }
        }
        Ok(out)
    }

    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        assemble_names(input_names, &self.kept, self.indicator.as_ref())
    }

    fn n_features_out(&self) -> usize {
        self.kept.len() + self.indicator.as_ref().map_or(0, |i| i.n_features_out())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impute::conformance::check_nan_tolerant;
    use crate::preprocessing::fixtures::{assert_close, check_cases};
    use ndarray::array;

    // Expected values: reference/preprocessing.py, scikit-learn 1.9.1.
    #[test]
    fn matches_scikit_learn() {
        check_cases::<SimpleImputerParams>("simple_imputer", 1e-12, |case, m| {
            if let Some(want) = case.attrs.get("statistics_") {
                let want = crate::preprocessing::fixtures::vector(want);
                let got: ndarray::Array1<f64> = m
                    .statistics()
                    .iter()
                    .map(|s| s.unwrap_or(f64::NAN))
                    .collect();
                assert_close(&got, &want, 1e-12, "statistics_");
            }
        });
    }

    #[test]
    fn inverse_restores_the_missing_entries() {
        let x = array![[1.0, f64::NAN], [f64::NAN, 4.0], [3.0, 5.0]];
        let m = SimpleImputerParams::default()
            .add_indicator(true)
            .fit(&Dataset::new(x.clone()))
            .unwrap();
        let out = m.transform(x.view()).unwrap();
        assert_eq!(out.ncols(), 4);
        assert_close(
            &m.inverse_transform(out.view()).unwrap(),
            &x,
            0.0,
            "round trip",
        );
        let plain = SimpleImputerParams::default()
            .fit(&Dataset::new(x))
            .unwrap();
        assert!(plain.inverse_transform(array![[1.0, 2.0]].view()).is_err());
    }

    #[test]
    fn mode_prefers_the_smallest_tied_value() {
        assert_eq!(mode_sorted(&[-3.0, -3.0, 1.0, 2.0, 2.0]), -3.0);
        assert_eq!(mode_sorted(&[1.0, 2.0, 2.0]), 2.0);
        assert_eq!(mode_sorted(&[7.0]), 7.0);
        assert!("constant:inf".parse::<Strategy>().is_err());
        assert_eq!("constant".parse::<Strategy>(), Ok(Strategy::Constant(0.0)));
    }

    #[test]
    fn conformance_by_hand() {
        let ds = Dataset::new(array![
            [1.0, f64::NAN, 3.0],
            [4.0, 5.0, f64::NAN],
            [7.0, 8.0, 9.0],
            [f64::NAN, 1.0, 2.0]
        ]);
        for s in ["mean", "median", "most_frequent", "constant:-1"] {
            let p = SimpleImputerParams::default().strategy(s.parse().unwrap());
            check_nan_tolerant(&p, &ds);
            check_nan_tolerant(&p.add_indicator(true), &ds);
        }
    }
}
