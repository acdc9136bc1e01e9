//! Losses of probabilistic and margin predictions: log loss (cross-entropy), Brier score and
//! hinge loss.
//!
//! Probabilities are an $n \times K$ matrix $P$ whose column $k$ is class $k$; each row must lie
//! in $[0, 1]$ and sum to 1 (within $\sqrt{\epsilon}$ relative, scikit-learn's tolerance; here a
//! violation is an error rather than a warning). With one-hot truth $Y$:
//!
//! - log loss: $-\frac{1}{\sum w_i}\sum_i w_i \log \mathrm{clip}(P_{i y_i}, \epsilon, 1-\epsilon)$,
//!   $\epsilon$ the f64 machine epsilon (scikit-learn clips the same way);
//! - Brier score: $\frac{1}{n}\sum_i \sum_k (Y_{ik} - P_{ik})^2$, halved when $K = 2$ so that the
//!   binary score is the familiar $\frac{1}{n}\sum_i (y_i - p_i)^2$ (scikit-learn's `scale_by_half="auto"`);
//! - multi-class hinge loss (Crammer & Singer) of decision values $D$:
//!   $\frac{1}{n}\sum_i \max(0, 1 - D_{i y_i} + \max_{k \ne y_i} D_{ik})$; binary hinge loss of a
//!   decision vector $d$ with $y_i \in \{0, 1\}$ mapped to $\pm 1$: $\frac1n \sum_i \max(0, 1 - y_i d_i)$.
//!
//! $O(nK)$. Reference: Gneiting & Raftery, "Strictly proper scoring rules, prediction, and
//! estimation", JASA 102 (2007); Crammer & Singer, JMLR 2 (2001).
//!
//! ```
//! use breadth_metrics::classification::{brier_score, log_loss};
//! use ndarray::array;
//! let p = array![[0.9, 0.1], [0.2, 0.8]];
//! let ll = log_loss(array![0, 1].view(), p.view(), None).unwrap();
//! assert!((ll - (-(0.9f64.ln() + 0.8f64.ln()) / 2.0)).abs() < 1e-15);
//! assert!((brier_score(array![0, 1].view(), p.view()).unwrap() - 0.025).abs() < 1e-15);
//! ```

use breadth_core::{Error, Result};
use ndarray::{ArrayView1, ArrayView2};

use crate::{check_pair, check_weights};

/// Every truth label indexes a column, the matrix is finite, and (for probabilities) each row is
/// a distribution.
pub(crate) fn check_scores(
    what: &str,
    truth: ArrayView1<'_, usize>,
    scores: ArrayView2<'_, f64>,
    probabilities: bool,
) -> Result<()> {
    check_pair(what, truth.len(), scores.nrows())?;
    let k = scores.ncols();
    if k < 2 {
        return Err(Error::shape(
            format!("{what}: columns (one per class)"),
            ">= 2",
            k,
        ));
    }
    breadth_core::validate::check_finite(scores, what)?;
    if let Some((i, &l)) = truth.iter().enumerate().find(|(_, &l)| l >= k) {
        return Err(Error::UnknownLabel {
            label: l.to_string(),
            what: format!("{what}: truth row {i}"),
            known: format!("0..{k} (one per column)"),
        });
    }
    if probabilities {
        check_distributions(what, scores)?;
    }
    Ok(())
}

/// Each row lies in [0, 1] and sums to one within sqrt(eps).
pub(crate) fn check_distributions(what: &str, p: ArrayView2<'_, f64>) -> Result<()> {
    let tol = f64::EPSILON.sqrt();
    for (i, row) in p.outer_iter().enumerate() {
        if let Some(v) = row.iter().find(|v| !(0.0..=1.0).contains(*v)) {
            return Err(Error::param(
                "probabilities",
                format!("{what}: row {i} holds {v}, outside [0, 1]"),
            ));
        }
        let s = row.sum();
        if (s - 1.0).abs() > tol {
            return Err(Error::param(
                "probabilities",
                format!("{what}: row {i} sums to {s}, not 1; pass class probabilities"),
            ));
        }
    }
    Ok(())
}

/// Log loss (cross-entropy) of class probabilities, optionally weighted.
pub fn log_loss(
    truth: ArrayView1<'_, usize>,
    proba: ArrayView2<'_, f64>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    check_scores("log loss", truth, proba, true)?;
    let eps = f64::EPSILON;
    let losses = truth
        .iter()
        .enumerate()
        .map(|(i, &y)| -proba[[i, y]].clamp(eps, 1.0 - eps).ln());
    Ok(match sample_weight {
        None => losses.sum::<f64>() / truth.len() as f64,
        Some(w) => {
            check_weights("log loss", w, truth.len())?;
            losses.zip(w.iter()).map(|(l, w)| l * w).sum::<f64>() / w.sum()
        }
    })
}

/// Brier score of class probabilities (halved for two classes, as scikit-learn does).
pub fn brier_score(truth: ArrayView1<'_, usize>, proba: ArrayView2<'_, f64>) -> Result<f64> {
    check_scores("Brier score", truth, proba, true)?;
    let total: f64 = proba
        .outer_iter()
        .zip(truth.iter())
        .map(|(row, &y)| {
            row.iter()
                .enumerate()
                .map(|(k, &p)| {
                    let d = f64::from(u8::from(k == y)) - p;
                    d * d
                })
                .sum::<f64>()
        })
        .sum();
    let scale = if proba.ncols() == 2 { 0.5 } else { 1.0 };
    Ok(scale * total / truth.len() as f64)
}

/// Crammer-Singer multi-class hinge loss of decision values (one column per class).
pub fn hinge_loss(truth: ArrayView1<'_, usize>, decision: ArrayView2<'_, f64>) -> Result<f64> {
    check_scores("hinge loss", truth, decision, false)?;
    let total: f64 = decision
        .outer_iter()
        .zip(truth.iter())
        .map(|(row, &y)| {
            let other = row
                .iter()
                .enumerate()
                .filter(|&(k, _)| k != y)
                .map(|(_, &d)| d)
                .fold(f64::NEG_INFINITY, f64::max);
            (1.0 - (row[y] - other)).max(0.0)
        })
        .sum();
    Ok(total / truth.len() as f64)
}

/// Binary hinge loss of a decision vector; labels must be 0 (negative) or 1 (positive).
pub fn hinge_loss_binary(
    truth: ArrayView1<'_, usize>,
    decision: ArrayView1<'_, f64>,
) -> Result<f64> {
    check_pair("binary hinge loss", truth.len(), decision.len())?;
    breadth_core::validate::check_finite_1d(decision, "binary hinge loss decision values")?;
    let mut total = 0.0;
    for (i, (&y, &d)) in truth.iter().zip(decision.iter()).enumerate() {
        let sign = match y {
            0 => -1.0,
            1 => 1.0,
            other => {
                return Err(Error::UnknownLabel {
                    label: other.to_string(),
                    what: format!("binary hinge loss truth row {i}"),
                    known: "0, 1".into(),
                })
            }
        };
        total += (1.0 - sign * d).max(0.0);
    }
    Ok(total / truth.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn bad_probabilities_are_refused() {
        let t = array![0, 1];
        assert!(log_loss(t.view(), array![[0.5, 0.6], [0.5, 0.5]].view(), None).is_err());
        assert!(log_loss(t.view(), array![[1.5, -0.5], [0.5, 0.5]].view(), None).is_err());
        assert!(log_loss(t.view(), array![[f64::NAN, 0.5], [0.5, 0.5]].view(), None).is_err());
        assert!(log_loss(
            array![0, 2].view(),
            array![[0.5, 0.5], [0.5, 0.5]].view(),
            None
        )
        .is_err());
        assert!(hinge_loss_binary(array![0, 2].view(), array![1.0, 1.0].view()).is_err());
    }

    #[test]
    fn certain_and_right_is_nearly_zero_loss() {
        let p = array![[1.0, 0.0], [0.0, 1.0]];
        assert!(log_loss(array![0, 1].view(), p.view(), None).unwrap() < 1e-15);
        assert_eq!(brier_score(array![0, 1].view(), p.view()).unwrap(), 0.0);
        // Certain and wrong is clipped at -log(eps), not infinite.
        let wrong = log_loss(array![1, 0].view(), p.view(), None).unwrap();
        assert!((wrong + f64::EPSILON.ln()).abs() < 1e-12);
    }
}
