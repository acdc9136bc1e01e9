//! Regression metrics.
//!
//! - Mean squared error: $\mathrm{MSE} = \frac{1}{n}\sum_i (y_i - \hat y_i)^2$.
//! - Coefficient of determination: $R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}$;
//!   as in scikit-learn, a constant truth gives 1 for a perfect prediction and 0 otherwise.
//!
//! ```
//! use breadth_metrics::regression::mean_squared_error;
//! use ndarray::array;
//! assert_eq!(mean_squared_error(array![1.0, 2.0].view(), array![2.0, 4.0].view()).unwrap(), 2.5);
//! ```

use breadth_core::Result;
use ndarray::ArrayView1;

use crate::check_pair;

/// Mean squared error.
pub fn mean_squared_error(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> Result<f64> {
    check_pair("mean squared error", truth.len(), pred.len())?;
    Ok(truth
        .iter()
        .zip(pred.iter())
        .map(|(t, p)| (t - p) * (t - p))
        .sum::<f64>()
        / truth.len() as f64)
}

/// Coefficient of determination $R^2$.
pub fn r2_score(truth: ArrayView1<'_, f64>, pred: ArrayView1<'_, f64>) -> Result<f64> {
    check_pair("r2", truth.len(), pred.len())?;
    let mean = truth.sum() / truth.len() as f64;
    let ss_res: f64 = truth
        .iter()
        .zip(pred.iter())
        .map(|(t, p)| (t - p) * (t - p))
        .sum();
    let ss_tot: f64 = truth.iter().map(|t| (t - mean) * (t - mean)).sum();
    Ok(if ss_tot == 0.0 {
        if ss_res == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - ss_res / ss_tot
    })
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
}
