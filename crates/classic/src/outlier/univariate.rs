//! Per-feature outlier rules: z-score, modified z-score and Tukey's IQR fences.
//!
//! Each rule learns a centre $c_j$ and a scale $s_j$ per feature $j$ and flags a row $x$ when
//! $\max_j |x_j - c_j| / s_j > t$:
//!
//! - z-score: $c_j$ the mean, $s_j$ the standard deviation (ddof 0, as `scipy.stats.zscore`),
//!   default $t = 3$;
//! - modified z-score (Iglewicz & Hoaglin): $c_j$ the median, $s_j = \mathrm{MAD}_j / 0.6745$,
//!   default $t = 3.5$;
//! - IQR rule: a value is flagged outside $[Q_1 - kR, Q_3 + kR]$ with $R = Q_3 - Q_1$ (default
//!   $k = 1.5$), written as $c_j = (Q_1 + Q_3)/2$, $s_j = R/2 + kR$, $t = 1$.
//!
//! The normality score is $-\max_j |x_j - c_j| / s_j$ and the offset $-t$. A feature of zero
//! scale flags every value different from its centre.
//!
//! Shapes: `n x d` in, one score per row. Cost $O(nd \log n)$ to fit (sorting), $O(d)$ per row.
//!
//! Reference: B. Iglewicz, D. Hoaglin, *How to Detect and Handle Outliers*, ASQC 1993;
//! J. W. Tukey, *Exploratory Data Analysis*, 1977.
//!
//! ```
//! use breadth_classic::outlier::{univariate::UnivariateOutlierParams, OutlierDetector};
//! use breadth_core::{Dataset, Fit};
//! use ndarray::array;
//! let ds = Dataset::new(array![[1.0], [2.0], [3.0], [2.0], [100.0]]);
//! let model = UnivariateOutlierParams::modified_zscore().fit(&ds).unwrap();
//! assert_eq!(model.predict_outliers(ds.features()).unwrap().to_vec(), vec![1, 1, 1, 1, -1]);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, positive};
use breadth_core::{Dataset, Fit, Result};
use ndarray::{Array1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{labels_from_decision, median, outlier_clusterer, percentile, OutlierDetector};

/// Which per-feature rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnivariateRule {
    /// Distance from the mean in standard deviations.
    ZScore,
    /// Distance from the median in robust (MAD) standard deviations.
    ModifiedZScore,
    /// Tukey's fences around the quartiles.
    Iqr,
}

impl UnivariateRule {
    fn default_threshold(self) -> f64 {
        match self {
            Self::ZScore => 3.0,
            Self::ModifiedZScore => 3.5,
            Self::Iqr => 1.5,
        }
    }
}

impl FromStr for UnivariateRule {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "zscore" => Self::ZScore,
            "modified_zscore" | "modified-zscore" | "mad" => Self::ModifiedZScore,
            "iqr" => Self::Iqr,
            _ => return Err("expected zscore, modified_zscore or iqr".into()),
        })
    }
}

impl std::fmt::Display for UnivariateRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ZScore => "zscore",
            Self::ModifiedZScore => "modified_zscore",
            Self::Iqr => "iqr",
        })
    }
}

/// Hyper-parameters of the per-feature rules.
#[derive(Debug, Clone, PartialEq)]
pub struct UnivariateOutlierParams {
    /// The rule.
    pub rule: UnivariateRule,
    /// $t$ for the z-scores, $k$ for the IQR rule; `None` takes the rule's default.
    pub threshold: Option<f64>,
}

impl Default for UnivariateOutlierParams {
    fn default() -> Self {
        Self::zscore()
    }
}

impl UnivariateOutlierParams {
    /// The z-score rule with $t = 3$.
    pub fn zscore() -> Self {
        UnivariateOutlierParams {
            rule: UnivariateRule::ZScore,
            threshold: None,
        }
    }
    /// The modified z-score rule with $t = 3.5$.
    pub fn modified_zscore() -> Self {
        UnivariateOutlierParams {
            rule: UnivariateRule::ModifiedZScore,
            threshold: None,
        }
    }
    /// The IQR rule with $k = 1.5$.
    pub fn iqr() -> Self {
        UnivariateOutlierParams {
            rule: UnivariateRule::Iqr,
            threshold: None,
        }
    }
    /// Set the threshold ($t$, or $k$ for the IQR rule).
    pub fn threshold(mut self, t: f64) -> Self {
        self.threshold = Some(t);
        self
    }
}

impl Configurable for UnivariateOutlierParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("rule", self.rule, "zscore | modified_zscore | iqr"),
            ParamSpec::new(
                "threshold",
                "auto",
                "z-score limit (3; 3.5 modified) or IQR multiple k (1.5)",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "rule" => self.rule = parse_param(name, value)?,
            "threshold" if value == "auto" => self.threshold = None,
            "threshold" => self.threshold = Some(parse_param(name, value)?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted per-feature rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnivariateOutliers {
    rule: UnivariateRule,
    centre: Vec<f64>,
    scale: Vec<f64>,
    limit: f64,
    labels: Array1<i64>,
}

impl UnivariateOutliers {
    /// The rule.
    pub fn rule(&self) -> UnivariateRule {
        self.rule
    }
    /// Per feature, the largest |x - c| / s of each row (`n x d` -> `n`), the statistic compared
    /// with the threshold.
    pub fn max_statistic(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        Ok(x.outer_iter()
            .map(|row| {
                row.iter()
                    .zip(self.centre.iter().zip(&self.scale))
                    .map(|(&v, (&c, &s))| {
                        let dev = (v - c).abs();
                        // A constant feature: equal values are normal, any other is infinitely far.
                        if s > 0.0 {
                            dev / s
                        } else if dev == 0.0 {
                            0.0
                        } else {
                            f64::INFINITY
                        }
                    })
                    .fold(0.0, f64::max)
            })
            .collect())
    }
}

impl Fit for UnivariateOutlierParams {
    type Fitted = UnivariateOutliers;
    fn fit(&self, data: &Dataset) -> Result<UnivariateOutliers> {
        check_fit_input(data)?;
        let t = self.threshold.unwrap_or(self.rule.default_threshold());
        positive("threshold", t)?;
        let x = data.features();
        let mut centre = Vec::with_capacity(x.ncols());
        let mut scale = Vec::with_capacity(x.ncols());
        for col in x.axis_iter(Axis(1)) {
            let v = col.to_vec();
            let (c, s) = match self.rule {
                UnivariateRule::ZScore => {
                    let m = col.mean().unwrap_or(0.0);
                    (m, col.std(0.0))
                }
                UnivariateRule::ModifiedZScore => {
                    let m = median(&v);
                    let dev: Vec<f64> = v.iter().map(|a| (a - m).abs()).collect();
                    (m, median(&dev) / 0.6745)
                }
                UnivariateRule::Iqr => {
                    let (q1, q3) = (percentile(&v, 0.25), percentile(&v, 0.75));
                    let r = q3 - q1;
                    ((q1 + q3) / 2.0, r / 2.0 + t * r)
                }
            };
            centre.push(c);
            scale.push(s);
        }
        let limit = if self.rule == UnivariateRule::Iqr {
            1.0
        } else {
            t
        };
        let mut model = UnivariateOutliers {
            rule: self.rule,
            centre,
            scale,
            limit,
            labels: Array1::zeros(0),
        };
        model.labels = labels_from_decision(&model.decision_function(x)?);
        Ok(model)
    }
}

impl Fitted for UnivariateOutliers {
    fn model_name(&self) -> &'static str {
        "univariate-outliers"
    }
    fn n_features_in(&self) -> usize {
        self.centre.len()
    }
}

impl OutlierDetector for UnivariateOutliers {
    fn score_samples(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(-self.max_statistic(x)?)
    }
    fn offset(&self) -> f64 {
        -self.limit
    }
}

outlier_clusterer!(UnivariateOutliers);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outlier::testing::{arr1, outliers_fixture, training};
    use breadth_core::conformance::check_clusterer;

    fn max_abs_diff(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn statistics_match_scipy_and_numpy() {
        // Expected values: reference/outliers.py (scipy.stats.zscore, numpy median / percentile).
        let f = outliers_fixture();
        let (ds, _) = training();
        let z = UnivariateOutlierParams::zscore().fit(&ds).unwrap();
        let got = z.max_statistic(ds.features()).unwrap();
        assert!(max_abs_diff(&got, &arr1(&f["zscore_max"])) < 1e-12);
        let mz = UnivariateOutlierParams::modified_zscore().fit(&ds).unwrap();
        let got = mz.max_statistic(ds.features()).unwrap();
        assert!(max_abs_diff(&got, &arr1(&f["modz_max"])) < 1e-12);
        let iqr = UnivariateOutlierParams::iqr().fit(&ds).unwrap();
        let flags: Vec<i64> = serde_json::from_value(f["iqr_flags"].clone()).unwrap();
        let expected: Vec<i64> = flags.iter().map(|&o| if o == 1 { -1 } else { 1 }).collect();
        assert_eq!(iqr.labels.to_vec(), expected);
        assert!(expected.contains(&-1));
    }

    #[test]
    fn threshold_changes_what_is_flagged() {
        let ds = Dataset::new(ndarray::array![[0.0], [1.0], [2.0], [3.0], [4.0], [9.0]]);
        let strict = UnivariateOutlierParams::zscore()
            .threshold(1.5)
            .fit(&ds)
            .unwrap();
        let loose = UnivariateOutlierParams::zscore().fit(&ds).unwrap();
        assert_eq!(strict.labels.iter().filter(|&&l| l == -1).count(), 1);
        assert_eq!(loose.labels.iter().filter(|&&l| l == -1).count(), 0);
        assert!(UnivariateOutlierParams::iqr()
            .threshold(-1.0)
            .fit(&ds)
            .is_err());
    }

    #[test]
    fn conformance() {
        let (ds, _) = training();
        for p in [
            UnivariateOutlierParams::zscore(),
            UnivariateOutlierParams::modified_zscore(),
            UnivariateOutlierParams::iqr(),
        ] {
            check_clusterer(&p, &ds);
        }
    }
}
