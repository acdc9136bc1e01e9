//! # breadth-metrics
//!
//! Evaluation metrics. This first piece holds what cross-validation needs (accuracy, mean squared
//! error, $R^2$) and [`scorer`], which turns a metric name into a score of predictions so that
//! `breadth fit --metric NAME` and `compare` can report any metric registered there.
//!
//! ```
//! use breadth_metrics::regression::r2_score;
//! use ndarray::array;
//! assert_eq!(r2_score(array![1.0, 2.0, 3.0].view(), array![1.0, 2.0, 3.0].view()).unwrap(), 1.0);
//! ```
#![deny(missing_docs)]

pub mod classification;
pub mod clustering;
pub mod curves;
pub mod distance;
pub mod plot;
pub mod preference;
pub mod ranking;
pub mod regression;
pub mod scorer;
pub mod stats;
pub mod summary;
pub mod thresholds;

use breadth_core::{Error, Result};

/// Both inputs have the same, non-zero length.
pub(crate) fn check_pair(what: &str, truth: usize, pred: usize) -> Result<()> {
    if truth != pred {
        return Err(Error::shape(
            format!("{what}: truth and prediction lengths"),
            truth,
            pred,
        ));
    }
    if truth == 0 {
        return Err(Error::EmptyInput {
            what: what.into(),
            detail: "no samples".into(),
        });
    }
    Ok(())
}

/// Sample weights: one finite, non-negative value per sample, not all zero.
pub(crate) fn check_weights(what: &str, w: ndarray::ArrayView1<'_, f64>, n: usize) -> Result<()> {
    if w.len() != n {
        return Err(Error::shape(format!("{what}: sample weights"), n, w.len()));
    }
    if let Some((i, v)) = w
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || **v < 0.0)
    {
        return Err(Error::param(
            "sample_weight",
            format!("{what}: weight {v} at row {i} is not a finite non-negative number"),
        ));
    }
    if w.iter().all(|&v| v == 0.0) {
        return Err(Error::param(
            "sample_weight",
            format!("{what}: all weights are zero"),
        ));
    }
    Ok(())
}

/// Median of a non-empty slice of non-NaN values (mean of the two middle values for even length).
pub(crate) fn median_in_place(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (_, &mut hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        0.5 * (lo + hi)
    }
}

#[cfg(test)]
pub(crate) mod testutil;
