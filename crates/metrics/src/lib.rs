//! # breadth-metrics
//!
//! The evaluation toolkit, each piece checked against scikit-learn, SciPy or statsmodels on
//! committed fixtures (`reference/metrics.py`):
//!
//! - [`classification`]: confusion matrices, precision / recall / F-beta / specificity / FPR /
//!   FNR with `binary | micro | macro | weighted | samples` averaging and `zero_division`, balanced
//!   accuracy, MCC, Cohen's kappa, log loss, Brier score, hinge loss, the classification report;
//! - [`curves`] and [`thresholds`]: ROC and precision-recall curves, ROC AUC (binary, one-vs-rest,
//!   one-vs-one), average precision, calibration curves, and threshold selection;
//! - [`regression`]: MSE, RMSE, MAE, median AE, MAPE, max error, $R^2$, adjusted $R^2$,
//!   explained variance;
//! - [`clustering`]: silhouette, Davies-Bouldin, Calinski-Harabasz, ARI, (adjusted, normalized)
//!   mutual information, homogeneity, completeness, V-measure;
//! - [`ranking`] and [`preference`]: precision/recall/hit rate@k, MRR, MAP, nDCG; Elo,
//!   Bradley-Terry, win rates with bootstrap intervals;
//! - [`distance`]: vector distances and pairwise distance matrices (Euclidean through one GEMM);
//! - [`stats`]: t-tests, chi-squared, ANOVA, Kolmogorov-Smirnov, Mann-Whitney, McNemar,
//!   bootstrap intervals, OLS inference;
//! - [`plot`]: ROC, PR, calibration and confusion-matrix plots as PNG or SVG;
//! - [`scorer`] (a metric by name, for `--metric NAME`) and [`summary`] (every applicable metric,
//!   for `breadth score`).
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
