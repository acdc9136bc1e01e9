//! Scalers and the row normalizer (scikit-learn's `StandardScaler`, `MinMaxScaler`,
//! `RobustScaler`, `Normalizer`).
//!
//! For column $j$ of $X \in \mathbb{R}^{n \times d}$ with optional sample weights $w_i \ge 0$:
//!
//! - **standard**: $z_{ij} = (x_{ij} - \mu_j) / \sigma_j$ with the weighted mean $\mu_j$ and the
//!   weighted population standard deviation $\sigma_j$ (divided by $\sum_i w_i$, not $n - 1$);
//!   a column whose variance is within rounding of zero
//!   ($\sigma_j^2 \le W \varepsilon \sigma_j^2 + (W \mu_j \varepsilon)^2$, Chan–Golub–LeVeque's
//!   error bound) keeps $\sigma_j = 1$;
//! - **min-max**: $z_{ij} = x_{ij} s_j + m_j$ with $s_j = (b - a) / (\max_j - \min_j)$ and
//!   $m_j = a - \min_j s_j$ for the range $[a, b]$, optionally clipped to it; a constant column
//!   has range 1;
//! - **robust**: $z_{ij} = (x_{ij} - \mathrm{median}_j) / (Q_j(q_{hi}) - Q_j(q_{lo}))$ with
//!   `numpy.percentile`'s linear quantiles $Q_j$; with `unit_variance` the scale is further
//!   divided by $\Phi^{-1}(q_{hi}) - \Phi^{-1}(q_{lo})$ so a normal column ends with variance 1;
//! - **normalizer**: each *row* divided by its $\ell_1$, $\ell_2$ or $\ell_\infty$ norm (rows of
//!   norm 0 are left as they are).
//!
//! Shapes: input and output $n \times d$. Cost: $O(nd)$ to fit and transform ($O(nd \log n)$ to
//! fit the robust scaler, which sorts each column). Transforms run in parallel over blocks of rows.
//!
//! Reference: scikit-learn 1.9 `sklearn/preprocessing/_data.py`; T. F. Chan, G. H. Golub,
//! R. J. LeVeque, *Algorithms for computing the sample variance*, The American Statistician 37
//! (1983).
//!
//! ```
//! use breadth_core::{Dataset, Fit, Transformer};
//! use breadth_data::preprocessing::scalers::MinMaxScalerParams;
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0], [5.0], [10.0]]);
//! let m = MinMaxScalerParams::default().feature_range(-1.0, 1.0).fit(&ds).unwrap();
//! assert_eq!(m.transform(array![[5.0], [20.0]].view()).unwrap(), array![[0.0], [3.0]]);
//! assert_eq!(m.inverse_transform(array![[3.0]].view()).unwrap(), array![[20.0]]);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{Dataset, Error, Fit, Result, Transformer};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use super::stats::{mean_var, median_sorted, percentile_sorted};
use super::{affine, handle_zeros_in_scale, map_rows, parse_pair, Affine};

/// Checks of the input to `inverse_transform`: width `n_out` and finite values.
fn check_inverse_input(model: &impl Fitted, x: ArrayView2<'_, f64>, n_out: usize) -> Result<()> {
    if x.ncols() != n_out {
        return Err(Error::FeatureCountMismatch {
            model: format!("{} (inverse_transform)", model.model_name()),
            expected: n_out,
            found: x.ncols(),
        });
    }
    if x.nrows() == 0 {
        return Ok(());
    }
    breadth_core::validate::check_finite(x, "transformed features")
}

/// Centre and scale as full vectors: a missing centre is 0 and a missing scale 1, which leave
/// every value exactly as it is.
fn center_scale(
    center: Option<&Array1<f64>>,
    scale: Option<&Array1<f64>>,
    d: usize,
) -> (Array1<f64>, Array1<f64>) {
    (
        center.cloned().unwrap_or_else(|| Array1::zeros(d)),
        scale.cloned().unwrap_or_else(|| Array1::ones(d)),
    )
}

// ---------------------------------------------------------------------------------------------
// StandardScaler

/// Hyper-parameters of the standard scaler.
#[derive(Debug, Clone, PartialEq)]
pub struct StandardScalerParams {
    /// Subtract the (weighted) column mean.
    pub with_mean: bool,
    /// Divide by the (weighted) column standard deviation.
    pub with_std: bool,
}

impl Default for StandardScalerParams {
    fn default() -> Self {
        StandardScalerParams {
            with_mean: true,
            with_std: true,
        }
    }
}

impl StandardScalerParams {
    /// Centre the columns or not.
    pub fn with_mean(mut self, yes: bool) -> Self {
        self.with_mean = yes;
        self
    }
    /// Scale the columns to unit variance or not.
    pub fn with_std(mut self, yes: bool) -> Self {
        self.with_std = yes;
        self
    }
}

impl Configurable for StandardScalerParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("with_mean", self.with_mean, "subtract the column mean"),
            ParamSpec::new("with_std", self.with_std, "divide by the column std"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "with_mean" => self.with_mean = parse_param(name, value)?,
            "with_std" => self.with_std = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted standard scaler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    mean: Option<Array1<f64>>,
    var: Option<Array1<f64>>,
    scale: Option<Array1<f64>>,
    with_mean: bool,
    n_samples_seen: f64,
    n_features: usize,
}

impl StandardScaler {
    /// Column means (`None` when neither centring nor scaling, as scikit-learn).
    pub fn mean(&self) -> Option<&Array1<f64>> {
        self.mean.as_ref()
    }
    /// Column variances (`None` without `with_std`).
    pub fn var(&self) -> Option<&Array1<f64>> {
        self.var.as_ref()
    }
    /// Column scales: standard deviations, 1 for constant columns (`None` without `with_std`).
    pub fn scale(&self) -> Option<&Array1<f64>> {
        self.scale.as_ref()
    }
    /// Total sample weight seen (the number of rows without weights).
    pub fn n_samples_seen(&self) -> f64 {
        self.n_samples_seen
    }
    fn offset(&self) -> Option<&Array1<f64>> {
        self.mean.as_ref().filter(|_| self.with_mean)
    }
}

impl Fit for StandardScalerParams {
    type Fitted = StandardScaler;
    fn fit(&self, data: &Dataset) -> Result<StandardScaler> {
        check_fit_input(data)?;
        let x = data.features();
        let (mean, var, seen) = if self.with_mean || self.with_std {
            let (m, v, seen) = mean_var(x, data.sample_weight());
            (Some(m), Some(v), seen)
        } else {
            let seen = data.sample_weight().map_or(x.nrows() as f64, |w| w.sum());
            (None, None, seen)
        };
        let (var, scale) = match (self.with_std, mean.as_ref(), var) {
            (true, Some(m), Some(v)) => {
                let eps = f64::EPSILON;
                let constant: Vec<bool> = v
                    .iter()
                    .zip(m.iter())
                    .map(|(&v, &m)| v <= seen * eps * v + (seen * m * eps).powi(2))
                    .collect();
                let mut scale = v.mapv(f64::sqrt).to_vec();
                handle_zeros_in_scale(&mut scale, Some(&constant));
                (Some(v), Some(Array1::from(scale)))
            }
            _ => (None, None),
        };
        Ok(StandardScaler {
            mean,
            var,
            scale,
            with_mean: self.with_mean,
            n_samples_seen: seen,
            n_features: data.n_features(),
        })
    }
}

impl Fitted for StandardScaler {
    fn model_name(&self) -> &'static str {
        "standard-scaler"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Transformer for StandardScaler {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let (c, s) = center_scale(self.offset(), self.scale.as_ref(), self.n_features);
        Ok(affine(x, Affine::SubDiv, &c, &s, None))
    }
    fn inverse_transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_inverse_input(self, x, self.n_features)?;
        let (c, s) = center_scale(self.offset(), self.scale.as_ref(), self.n_features);
        Ok(affine(x, Affine::MulAdd, &c, &s, None))
    }
    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        input_names.to_vec()
    }
    fn n_features_out(&self) -> usize {
        self.n_features
    }
}

// ---------------------------------------------------------------------------------------------
// MinMaxScaler

/// Hyper-parameters of the min-max scaler.
#[derive(Debug, Clone, PartialEq)]
pub struct MinMaxScalerParams {
    /// Target range `(a, b)` with `a < b`.
    pub feature_range: (f64, f64),
    /// Clip transformed values of new data into the range.
    pub clip: bool,
}

impl Default for MinMaxScalerParams {
    fn default() -> Self {
        MinMaxScalerParams {
            feature_range: (0.0, 1.0),
            clip: false,
        }
    }
}

impl MinMaxScalerParams {
    /// Set the target range.
    pub fn feature_range(mut self, lo: f64, hi: f64) -> Self {
        self.feature_range = (lo, hi);
        self
    }
    /// Clip transformed values into the range.
    pub fn clip(mut self, yes: bool) -> Self {
        self.clip = yes;
        self
    }
}

impl Configurable for MinMaxScalerParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let (a, b) = self.feature_range;
        vec![
            ParamSpec::new("feature_range", format!("{a},{b}"), "target range lo,hi"),
            ParamSpec::new("clip", self.clip, "clip new data into the range"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "feature_range" => self.feature_range = parse_pair(name, value)?,
            "clip" => self.clip = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted min-max scaler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    data_min: Array1<f64>,
    data_max: Array1<f64>,
    scale: Array1<f64>,
    min: Array1<f64>,
    feature_range: (f64, f64),
    clip: bool,
}

impl MinMaxScaler {
    /// Column minima seen at fit.
    pub fn data_min(&self) -> &Array1<f64> {
        &self.data_min
    }
    /// Column maxima seen at fit.
    pub fn data_max(&self) -> &Array1<f64> {
        &self.data_max
    }
    /// Per-column factor $s_j$.
    pub fn scale(&self) -> &Array1<f64> {
        &self.scale
    }
    /// Per-column offset $m_j$.
    pub fn min(&self) -> &Array1<f64> {
        &self.min
    }
}

impl Fit for MinMaxScalerParams {
    type Fitted = MinMaxScaler;
    fn fit(&self, data: &Dataset) -> Result<MinMaxScaler> {
        let (a, b) = self.feature_range;
        if !(a.is_finite() && b.is_finite() && a < b) {
            return Err(Error::param(
                "feature_range",
                format!("minimum must be below maximum, both finite; got ({a}, {b})"),
            ));
        }
        check_fit_input(data)?;
        let x = data.features();
        let fold =
            |init: f64, f: fn(f64, f64) -> f64| x.fold_axis(Axis(0), init, |&acc, &v| f(acc, v));
        let data_min = fold(f64::INFINITY, f64::min);
        let data_max = fold(f64::NEG_INFINITY, f64::max);
        let mut range = (&data_max - &data_min).to_vec();
        handle_zeros_in_scale(&mut range, None);
        let scale = Array1::from(range).mapv(|r| (b - a) / r);
        let min = a - &data_min * &scale;
        Ok(MinMaxScaler {
            data_min,
            data_max,
            scale,
            min,
            feature_range: self.feature_range,
            clip: self.clip,
        })
    }
}

impl Fitted for MinMaxScaler {
    fn model_name(&self) -> &'static str {
        "min-max-scaler"
    }
    fn n_features_in(&self) -> usize {
        self.scale.len()
    }
}

impl Transformer for MinMaxScaler {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let clamp = self.clip.then_some(self.feature_range);
        Ok(affine(x, Affine::MulAdd, &self.min, &self.scale, clamp))
    }
    fn inverse_transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_inverse_input(self, x, self.scale.len())?;
        Ok(affine(x, Affine::SubDiv, &self.min, &self.scale, None))
    }
    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        input_names.to_vec()
    }
    fn n_features_out(&self) -> usize {
        self.scale.len()
    }
}

// ---------------------------------------------------------------------------------------------
// RobustScaler

/// Hyper-parameters of the robust scaler.
#[derive(Debug, Clone, PartialEq)]
pub struct RobustScalerParams {
    /// Subtract the column median.
    pub with_centering: bool,
    /// Divide by the inter-quantile range.
    pub with_scaling: bool,
    /// Quantiles, in percent, whose difference is the scale: `0 <= lo <= hi <= 100`.
    pub quantile_range: (f64, f64),
    /// Also divide by the same range of the standard normal distribution.
    pub unit_variance: bool,
}

impl Default for RobustScalerParams {
    fn default() -> Self {
        RobustScalerParams {
            with_centering: true,
            with_scaling: true,
            quantile_range: (25.0, 75.0),
            unit_variance: false,
        }
    }
}

impl RobustScalerParams {
    /// Centre on the median or not.
    pub fn with_centering(mut self, yes: bool) -> Self {
        self.with_centering = yes;
        self
    }
    /// Scale by the quantile range or not.
    pub fn with_scaling(mut self, yes: bool) -> Self {
        self.with_scaling = yes;
        self
    }
    /// Quantiles in percent.
    pub fn quantile_range(mut self, lo: f64, hi: f64) -> Self {
        self.quantile_range = (lo, hi);
        self
    }
    /// Normalize the scale to the standard normal's quantile range.
    pub fn unit_variance(mut self, yes: bool) -> Self {
        self.unit_variance = yes;
        self
    }
}

impl Configurable for RobustScalerParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let (a, b) = self.quantile_range;
        vec![
            ParamSpec::new("with_centering", self.with_centering, "subtract the median"),
            ParamSpec::new(
                "with_scaling",
                self.with_scaling,
                "divide by the quantile range",
            ),
            ParamSpec::new(
                "quantile_range",
                format!("{a},{b}"),
                "quantiles lo,hi in percent",
            ),
            ParamSpec::new(
                "unit_variance",
                self.unit_variance,
                "scale so normal data ends with variance 1",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "with_centering" => self.with_centering = parse_param(name, value)?,
            "with_scaling" => self.with_scaling = parse_param(name, value)?,
            "quantile_range" => self.quantile_range = parse_pair(name, value)?,
            "unit_variance" => self.unit_variance = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted robust scaler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustScaler {
    center: Option<Array1<f64>>,
    scale: Option<Array1<f64>>,
    n_features: usize,
}

impl RobustScaler {
    /// Column medians (`None` without centring).
    pub fn center(&self) -> Option<&Array1<f64>> {
        self.center.as_ref()
    }
    /// Column scales (`None` without scaling).
    pub fn scale(&self) -> Option<&Array1<f64>> {
        self.scale.as_ref()
    }
}

impl Fit for RobustScalerParams {
    type Fitted = RobustScaler;
    fn fit(&self, data: &Dataset) -> Result<RobustScaler> {
        let (lo, hi) = self.quantile_range;
        if !(0.0 <= lo && lo <= hi && hi <= 100.0) {
            return Err(Error::param(
                "quantile_range",
                format!("need 0 <= lo <= hi <= 100, got ({lo}, {hi})"),
            ));
        }
        check_fit_input(data)?;
        let x = data.features();
        let sorted: Vec<Vec<f64>> = x
            .axis_iter(Axis(1))
            .map(|c| {
                let mut v = c.to_vec();
                v.sort_by(f64::total_cmp);
                v
            })
            .collect();
        let center = self
            .with_centering
            .then(|| sorted.iter().map(|c| median_sorted(c)).collect());
        let scale = if self.with_scaling {
            let mut s: Vec<f64> = sorted
                .iter()
                .map(|c| percentile_sorted(c, hi) - percentile_sorted(c, lo))
                .collect();
            handle_zeros_in_scale(&mut s, None);
            if self.unit_variance {
                let normal = Normal::standard();
                let adjust = normal.inverse_cdf(hi / 100.0) - normal.inverse_cdf(lo / 100.0);
                if !(adjust.is_finite() && adjust > 0.0) {
                    return Err(Error::param(
                        "quantile_range",
                        format!("with unit_variance the quantiles must differ and lie strictly inside (0, 100); got ({lo}, {hi})"),
                    ));
                }
                s.iter_mut().for_each(|v| *v /= adjust);
            }
            Some(Array1::from(s))
        } else {
            None
        };
        Ok(RobustScaler {
            center,
            scale,
            n_features: data.n_features(),
        })
    }
}

impl Fitted for RobustScaler {
    fn model_name(&self) -> &'static str {
        "robust-scaler"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Transformer for RobustScaler {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let (c, s) = center_scale(self.center.as_ref(), self.scale.as_ref(), self.n_features);
        Ok(affine(x, Affine::SubDiv, &c, &s, None))
    }
    fn inverse_transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_inverse_input(self, x, self.n_features)?;
        let (c, s) = center_scale(self.center.as_ref(), self.scale.as_ref(), self.n_features);
        Ok(affine(x, Affine::MulAdd, &c, &s, None))
    }
    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        input_names.to_vec()
    }
    fn n_features_out(&self) -> usize {
        self.n_features
    }
}

// ---------------------------------------------------------------------------------------------
// Normalizer

/// The row norm the normalizer divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Norm {
    /// $\sum_j |x_j|$.
    L1,
    /// $\sqrt{\sum_j x_j^2}$.
    L2,
    /// $\max_j |x_j|$.
    Max,
}

impl FromStr for Norm {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "l1" => Ok(Norm::L1),
            "l2" => Ok(Norm::L2),
            "max" => Ok(Norm::Max),
            _ => Err("expected l1, l2 or max".into()),
        }
    }
}

impl std::fmt::Display for Norm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Norm::L1 => "l1",
            Norm::L2 => "l2",
            Norm::Max => "max",
        })
    }
}

/// Hyper-parameters of the normalizer.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizerParams {
    /// Which norm each row is divided by.
    pub norm: Norm,
}

impl Default for NormalizerParams {
    fn default() -> Self {
        NormalizerParams { norm: Norm::L2 }
    }
}

impl NormalizerParams {
    /// Set the norm.
    pub fn norm(mut self, norm: Norm) -> Self {
        self.norm = norm;
        self
    }
}

impl Configurable for NormalizerParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::new("norm", self.norm, "l1 | l2 | max")]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "norm" => self.norm = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A "fitted" normalizer: stateless apart from the norm and the feature count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    norm: Norm,
    n_features: usize,
}

impl Fit for NormalizerParams {
    type Fitted = Normalizer;
    fn fit(&self, data: &Dataset) -> Result<Normalizer> {
        check_fit_input(data)?;
        Ok(Normalizer {
            norm: self.norm,
            n_features: data.n_features(),
        })
    }
}

impl Fitted for Normalizer {
    fn model_name(&self) -> &'static str {
        "normalizer"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Transformer for Normalizer {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let norm = self.norm;
        Ok(map_rows(
            x,
            x.ncols(),
            || (),
            |_, row, mut out| {
                let mut n = match norm {
                    Norm::L1 => row.iter().map(|v| v.abs()).sum::<f64>(),
                    Norm::L2 => row.iter().map(|v| v * v).sum::<f64>().sqrt(),
                    Norm::Max => row.iter().fold(0.0, |m: f64, v| m.max(v.abs())),
                };
                if n < 10.0 * f64::EPSILON {
                    n = 1.0;
                }
                out.iter_mut()
                    .zip(row.iter())
                    .for_each(|(o, &v)| *o = v / n);
            },
        ))
    }
    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        input_names.to_vec()
    }
    fn n_features_out(&self) -> usize {
        self.n_features
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocessing::fixtures::{assert_close, check_cases};
    use breadth_core::conformance::check_transformer;
    use ndarray::array;

    // Expected values: reference/preprocessing.py, scikit-learn 1.9.1.
    const TOL: f64 = 1e-10;

    fn attr_close(got: Option<&Array1<f64>>, want: Option<Array1<f64>>, what: &str) {
        match (got, want) {
            (Some(g), Some(w)) => assert_close(g, &w, TOL, what),
            (None, None) => {}
            (g, w) => panic!("{what}: got {g:?}, scikit-learn {w:?}"),
        }
    }

    #[test]
    fn standard_scaler_matches_scikit_learn() {
        check_cases::<StandardScalerParams>("standard_scaler", TOL, |case, m| {
            attr_close(m.mean(), case.attr("mean_"), "mean_");
            attr_close(m.var(), case.attr("var_"), "var_");
            attr_close(m.scale(), case.attr("scale_"), "scale_");
        });
    }

    #[test]
    fn min_max_scaler_matches_scikit_learn() {
        check_cases::<MinMaxScalerParams>("min_max_scaler", TOL, |case, m| {
            attr_close(Some(m.data_min()), case.attr("data_min_"), "data_min_");
            attr_close(Some(m.data_max()), case.attr("data_max_"), "data_max_");
            attr_close(Some(m.scale()), case.attr("scale_"), "scale_");
            attr_close(Some(m.min()), case.attr("min_"), "min_");
        });
    }

    #[test]
    fn robust_scaler_matches_scikit_learn() {
        check_cases::<RobustScalerParams>("robust_scaler", TOL, |case, m| {
            attr_close(m.center(), case.attr("center_"), "center_");
            attr_close(m.scale(), case.attr("scale_"), "scale_");
        });
    }

    #[test]
    fn normalizer_matches_scikit_learn() {
        check_cases::<NormalizerParams>("normalizer", TOL, |_, _| {});
    }

    #[test]
    fn inverse_transforms_round_trip() {
        let ds = breadth_data_diabetes();
        let x = ds.features();
        let models: Vec<Box<dyn Transformer>> = vec![
            Box::new(StandardScalerParams::default().fit(&ds).unwrap()),
            Box::new(
                StandardScalerParams::default()
                    .with_mean(false)
                    .fit(&ds)
                    .unwrap(),
            ),
            Box::new(
                MinMaxScalerParams::default()
                    .feature_range(-3.0, 2.0)
                    .fit(&ds)
                    .unwrap(),
            ),
            Box::new(
                RobustScalerParams::default()
                    .unit_variance(true)
                    .fit(&ds)
                    .unwrap(),
            ),
        ];
        for m in models {
            let back = m.inverse_transform(m.transform(x).unwrap().view()).unwrap();
            assert_close(&back, &x.to_owned(), 1e-12, m.model_name());
            assert!(m.inverse_transform(array![[1.0]].view()).is_err());
        }
    }

    fn breadth_data_diabetes() -> Dataset {
        crate::datasets::load("diabetes").unwrap()
    }

    #[test]
    fn conformance() {
        let iris = crate::datasets::load("iris").unwrap();
        check_transformer(&StandardScalerParams::default(), &iris);
        check_transformer(&StandardScalerParams::default().with_std(false), &iris);
        check_transformer(&MinMaxScalerParams::default().clip(true), &iris);
        check_transformer(&RobustScalerParams::default(), &iris);
        check_transformer(&RobustScalerParams::default().with_centering(false), &iris);
        for norm in [Norm::L1, Norm::L2, Norm::Max] {
            check_transformer(&NormalizerParams::default().norm(norm), &iris);
        }
    }

    #[test]
    fn bad_parameters_are_refused_with_their_name() {
        let ds = Dataset::new(array![[1.0], [2.0]]);
        let err = MinMaxScalerParams::default()
            .feature_range(1.0, 0.0)
            .fit(&ds)
            .unwrap_err();
        assert!(err.to_string().contains("feature_range"), "{err}");
        let err = RobustScalerParams::default()
            .quantile_range(80.0, 20.0)
            .fit(&ds)
            .unwrap_err();
        assert!(err.to_string().contains("quantile_range"), "{err}");
        let err = RobustScalerParams::default()
            .quantile_range(0.0, 50.0)
            .unit_variance(true)
            .fit(&ds)
            .unwrap_err();
        assert!(err.to_string().contains("quantile_range"), "{err}");
        let mut p = MinMaxScalerParams::default();
        assert!(p.set_param("feature_range", "1").is_err());
        assert!(p.set_param("feature_range", "-1,1").unwrap());
        assert_eq!(p.feature_range, (-1.0, 1.0));
        assert!(!p.set_param("nope", "1").unwrap());
    }

    #[test]
    fn zero_weights_ignore_rows() {
        // Rows of weight zero change nothing: the fit equals the fit without them.
        let x = array![[1.0, 10.0], [3.0, 20.0], [100.0, -5.0]];
        let weighted = Dataset::new(x.clone())
            .with_sample_weight(array![1.0, 1.0, 0.0])
            .unwrap();
        let plain = Dataset::new(x.slice(ndarray::s![..2, ..]).to_owned());
        let a = StandardScalerParams::default().fit(&weighted).unwrap();
        let b = StandardScalerParams::default().fit(&plain).unwrap();
        assert_close(a.scale().unwrap(), b.scale().unwrap(), 1e-14, "scale");
        assert_close(a.mean().unwrap(), b.mean().unwrap(), 1e-14, "mean");
    }
}
