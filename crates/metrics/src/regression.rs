//! Regression metrics, with $y$ the truth, $\hat y$ the prediction, $e_i = y_i - \hat y_i$ and
//! $n$ samples:
//!
//! - mean squared error $\mathrm{MSE} = \frac1n\sum_i e_i^2$, its root RMSE;
//! - mean absolute error $\frac1n\sum_i |e_i|$, median absolute error $\mathrm{median}_i |e_i|$;
//! - mean absolute percentage error $\frac1n\sum_i |e_i| / \max(|y_i|, \epsilon)$ ($\epsilon$ the
//!   f64 machine epsilon, as scikit-learn; a fraction, not multiplied by 100);
//! - max error $\max_i |e_i|$;
//! - $R^2 = 1 - \frac{\sum_i e_i^2}{\sum_i (y_i - \bar y)^2}$ and adjusted
//!   $\bar R^2 = 1 - (1 - R^2)\frac{n-1}{n-p-1}$ for $p$ features;
//! - explained variance $1 - \mathrm{Var}(e)/\mathrm{Var}(y)$.
//!
//! As in scikit-learn (`force_finite=True`), a constant truth makes $R^2$ and explained variance
//! 1 for a perfect prediction and 0 otherwise. Inputs must be finite and of equal, non-zero length.
//! All are $O(n)$ except the median, $O(n)$ expected by selection.
//! Reference: scikit-learn `sklearn.metrics` regression metrics; Hastie, Tibshirani & Friedman,
//! *The Elements of Statistical Learning*, 2nd ed., §3.2.
//!
//! ```
//! use breadth_metrics::regression::{mean_squared_error, median_absolute_error};
//! use ndarray::array;
//! assert_eq!(mean_squared_error(array![1.0, 2.0].view(), array![2.0, 4.0].view()).unwrap(), 2.5);
//! assert_eq!(median_absolute_error(array![1.0, 2.0, 3.0].view(), array![1.0, 4.0, 4.0].view()).unwrap(), 1.0);
//! ```

use breadth_core::validate::check_finite_1d;
use breadth_core::{Error, Result};
use ndarray::ArrayView1;

use crate::check_pair;

/// Equal non-zero lengths and finite values.
fn check(what: &str, truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> Result<()> {
    check_pair(what, truth.len(), pred.len())?;
    check_finite_1d(truth, &format!("{what}: truth"))?;
    check_finite_1d(pred, &format!("{what}: prediction"))
}

fn mean_of(
    truth: ArrayView1<'_, f64>,
    pred: ArrayView1<'_, f64>,
    f: impl Fn(f64, f64) -> f64,
) -> f64 {
    truth
        .iter()
        .zip(pred.iter())
        .map(|(&t, &p)| f(t, p))
        .sum::<f64>()
        / truth.len() as f64
}

/// Mean squared error.
pub fn mean_squared_error(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> Result<f64> {
    check("mean squared error", truth, pred)?;
    Ok(mean_of(truth, pred, |t, p| (t - p) * (t - p)))
}

/// Root mean squared error.
pub fn root_mean_squared_error(
    truth: ArrayView1<'_, f64>,
    pred: ArrayView1<'_, f64>,
) -> Result<f64> {
    Ok(mean_squared_error(truth, pred)?.sqrt())
}

/// Mean absolute error.
pub fn mean_absolute_error(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> Result<f64> {
    check("mean absolute error", truth, pred)?;
    Ok(mean_of(truth, pred, |t, p| (t - p).abs()))
}

/// Median of the absolute errors (mean of the two middle ones for even $n$).
pub fn median_absolute_error(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> Result<f64> {
    check("median absolute error", truth, pred)?;
    let mut e: Vec<f64> = truth
        .iter()
        .zip(pred.iter())
        .map(|(t, p)| (t - p).abs())
        .collect();
    Ok(crate::median_in_place(&mut e))
}

/// Mean absolute percentage error, as a fraction.
pub fn mean_absolute_percentage_error(
    truth: ArrayView1<'_, f64>,
    pred: ArrayView1<'_, f64>,
) -> Result<f64> {
    check("mean absolute percentage error", truth, pred)?;
    Ok(mean_of(truth, pred, |t, p| {
        (t - p).abs() / t.abs().max(f64::EPSILON)
    }))
}

/// Largest absolute error.
pub fn max_error(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> Result<f64> {
    check("max error", truth, pred)?;
    Ok(truth
        .iter()
        .zip(pred.iter())
        .map(|(t, p)| (t - p).abs())
        .fold(0.0, f64::max))
}

/// `1 - num/den`, with scikit-learn's `force_finite` rule for a constant truth.
fn one_minus_ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        if num == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - num / den
    }
}

/// Coefficient of determination $R^2$.
pub fn r2_score(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> Result<f64> {
    check("r2", truth, pred)?;
    let mean = truth.sum() / truth.len() as f64;
    let ss_res: f64 = truth
        .iter()
        .zip(pred.iter())
        .map(|(t, p)| (t - p) * (t - p))
        .sum();
    let ss_tot: f64 = truth.iter().map(|t| (t - mean) * (t - mean)).sum();
    Ok(one_minus_ratio(ss_res, ss_tot))
}

/// Adjusted $R^2$ of a model with `n_features` predictors (needs $n > p + 1$).
pub fn adjusted_r2_score(
    truth: ArrayView1<'_, f64>,
    pred: ArrayView1<'_, f64>,
    n_features: usize,
) -> Result<f64> {
    let r2 = r2_score(truth, pred)?;
    let n = truth.len();
    if n <= n_features + 1 {
        return Err(Error::param(
            "n_features",
            format!(
                "adjusted R2 needs more samples ({n}) than features + 1 ({})",
                n_features + 1
            ),
        ));
    }
    Ok(1.0 - (1.0 - r2) * (n - 1) as f64 / (n - n_features - 1) as f64)
}

/// Explained variance score.
pub fn explained_variance(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> Result<f64> {
    check("explained variance", truth, pred)?;
    let n = truth.len() as f64;
    let diff_mean = mean_of(truth, pred, |t, p| t - p);
    let num = mean_of(truth, pred, |t, p| (t - p - diff_mean).powi(2));
    let mean = truth.sum() / n;
    let den = truth.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / n;
    Ok(one_minus_ratio(num, den))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn r2_matches_scikit_learn_by_hand() {
        // sklearn.metrics.r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) == 0.9486081370449679
        let r2 = r2_score(
            array![3.0, -0.5, 2.0, 7.0].view(),
            array![2.5, 0.0, 2.0, 8.0].view(),
        )
        .unwrap();
        assert!((r2 - 0.948_608_137_044_967_9).abs() < 1e-15);
        assert!(r2_score(array![1.0].view(), array![1.0, 2.0].view()).is_err());
    }

    #[test]
    fn degenerate_input_is_refused() {
        assert!(
            mean_absolute_error(array![1.0, f64::NAN].view(), array![1.0, 2.0].view()).is_err()
        );
        assert!(max_error(array![].view(), array![].view()).is_err());
        assert!(adjusted_r2_score(array![1.0, 2.0].view(), array![1.0, 2.0].view(), 1).is_err());
        // Constant truth: perfect gives 1, anything else 0.
        assert_eq!(
            explained_variance(array![2.0, 2.0].view(), array![2.0, 2.0].view()).unwrap(),
            1.0
        );
        assert_eq!(
            r2_score(array![2.0, 2.0].view(), array![2.0, 3.0].view()).unwrap(),
            0.0
        );
    }

    /// Against `tests/fixtures/metrics/regression.json` from `reference/metrics.py` (scikit-learn 1.9.1).
    #[test]
    fn regression_metrics_match_scikit_learn() {
        use crate::testutil::*;
        let fx = load(include_str!("../tests/fixtures/metrics/regression.json"));
        type MetricFn = fn(ArrayView1<'_, f64>, ArrayView1<'_, f64>) -> Result<f64>;
        let metrics: [(&str, MetricFn); 8] = [
            ("mse", mean_squared_error),
            ("rmse", root_mean_squared_error),
            ("mae", mean_absolute_error),
            ("median_ae", median_absolute_error),
            ("mape", mean_absolute_percentage_error),
            ("max_error", max_error),
            ("r2", r2_score),
            ("explained_variance", explained_variance),
        ];
        for c in fx["cases"].as_array().unwrap() {
            let (t, p) = (vf(&c["truth"]), vf(&c["pred"]));
            for (key, m) in metrics {
                let got = m(t.view(), p.view()).unwrap();
                assert!(
                    close(got, f(&c[key]), 1e-12),
                    "{} {key}: {got} vs {}",
                    c["name"],
                    c[key]
                );
            }
            if !c["adjusted_r2_p2"].is_null() {
                let got = adjusted_r2_score(t.view(), p.view(), 2).unwrap();
                assert!(close(got, f(&c["adjusted_r2_p2"]), 1e-12));
            }
        }
    }
}
