//! Choosing a decision threshold for binary scores: predict positive when $s \ge \tau$.
//!
//! Every candidate $\tau$ is a distinct score (plus $+\infty$, "nothing positive", where it makes
//! sense); with the counts $TP(\tau), FP(\tau)$ of [`crate::curves`], $P$ positives and $N$ negatives:
//! - Youden's $J = \mathrm{TPR} - \mathrm{FPR}$, maximized (Youden 1950);
//! - maximum $F_\beta = \frac{(1+\beta^2)\,\mathrm{prec}\cdot\mathrm{rec}}{\beta^2\mathrm{prec} + \mathrm{rec}}$;
//! - the threshold reaching a target precision with the highest recall, or the highest threshold
//!   reaching a target recall;
//! - minimum expected cost $\frac{1}{P+N}(c_{FP}\,FP(\tau) + c_{FN}\,(P - TP(\tau)))$.
//!
//! Ties between candidates go to the higher threshold (the first in decreasing order, like
//! `numpy.argmax`). $O(n \log n)$. Reference: Youden, "Index for rating diagnostic tests",
//! Cancer 3 (1950); Elkan, "The foundations of cost-sensitive learning", IJCAI 2001.
//!
//! ```
//! use breadth_metrics::thresholds::youden_j;
//! use ndarray::array;
//! let t = youden_j(array![0, 0, 1, 1].view(), array![0.1, 0.4, 0.35, 0.8].view()).unwrap();
//! assert_eq!((t.threshold, t.value), (0.8, 0.5));
//! ```

use breadth_core::{Error, Result};
use ndarray::ArrayView1;

use crate::curves::{threshold_counts, ThresholdCounts};

/// A chosen threshold and the criterion's value there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdChoice {
    /// Predict positive when `score >= threshold`.
    pub threshold: f64,
    /// The criterion at that threshold (J, F-beta, recall, precision or mean cost).
    pub value: f64,
}

/// Candidates in decreasing threshold order, starting with `+inf` (no positives).
fn candidates(
    what: &str,
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
) -> Result<ThresholdCounts> {
    let mut c = threshold_counts(what, truth, scores)?;
    c.thresholds.insert(0, f64::INFINITY);
    c.tps.insert(0, 0.0);
    c.fps.insert(0, 0.0);
    Ok(c)
}

/// First maximum of `f` over the candidates `j` where `f` is defined.
fn best(c: &ThresholdCounts, mut f: impl FnMut(usize) -> Option<f64>) -> Option<ThresholdChoice> {
    let mut out: Option<ThresholdChoice> = None;
    for j in 0..c.thresholds.len() {
        if let Some(v) = f(j) {
            if out.is_none_or(|b| v > b.value) {
                out = Some(ThresholdChoice {
                    threshold: c.thresholds[j],
                    value: v,
                });
            }
        }
    }
    out
}

fn need(c: &ThresholdCounts, positives: bool, negatives: bool, what: &str) -> Result<()> {
    if (positives && c.positives() == 0.0) || (negatives && c.negatives() == 0.0) {
        return Err(Error::param(
            "truth",
            format!("{what} needs both positive and negative samples"),
        ));
    }
    Ok(())
}

/// The threshold maximizing Youden's $J = \mathrm{TPR} - \mathrm{FPR}$.
pub fn youden_j(
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
) -> Result<ThresholdChoice> {
    let c = candidates("Youden's J", truth, scores)?;
    need(&c, true, true, "Youden's J")?;
    let (p, n) = (c.positives(), c.negatives());
    best(&c, |j| Some(c.tps[j] / p - c.fps[j] / n))
        .ok_or_else(|| Error::numerical("Youden's J", "no candidate"))
}

/// The threshold maximizing $F_\beta$ (over the scores; $+\infty$ has no precision).
pub fn max_fbeta(
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
    beta: f64,
) -> Result<ThresholdChoice> {
    breadth_core::validate::positive("beta", beta)?;
    let c = threshold_counts("maximum F-beta", truth, scores)?;
    need(&c, true, false, "maximum F-beta")?;
    let b2 = beta * beta;
    let p = c.positives();
    best(&c, |j| {
        let den = (1.0 + b2) * c.tps[j] + b2 * (p - c.tps[j]) + c.fps[j];
        Some(if den == 0.0 {
            0.0
        } else {
            (1.0 + b2) * c.tps[j] / den
        })
    })
    .ok_or_else(|| Error::numerical("maximum F-beta", "no candidate"))
}

/// Among thresholds whose precision reaches `target`, the one with the highest recall
/// (`value` is that recall); an error when no threshold reaches it.
pub fn threshold_for_precision(
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
    target: f64,
) -> Result<ThresholdChoice> {
    breadth_core::validate::in_range("target precision", target, 0.0, 1.0)?;
    let c = threshold_counts("threshold for precision", truth, scores)?;
    need(&c, true, false, "a precision target")?;
    let p = c.positives();
    best(&c, |j| {
        (c.tps[j] / (c.tps[j] + c.fps[j]) >= target).then(|| c.tps[j] / p)
    })
    .ok_or_else(|| {
        Error::param(
            "target precision",
            format!("no threshold reaches precision {target}"),
        )
    })
}

/// The highest threshold whose recall reaches `target` (`value` is its precision).
pub fn threshold_for_recall(
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
    target: f64,
) -> Result<ThresholdChoice> {
    breadth_core::validate::in_range("target recall", target, 0.0, 1.0)?;
    let c = threshold_counts("threshold for recall", truth, scores)?;
    need(&c, true, false, "a recall target")?;
    let p = c.positives();
    // Recall only grows as the threshold falls, so the first hit is the highest threshold.
    let j = (0..c.tps.len())
        .find(|&j| c.tps[j] / p >= target)
        .ok_or_else(|| {
            Error::param(
                "target recall",
                format!("no threshold reaches recall {target}"),
            )
        })?;
    Ok(ThresholdChoice {
        threshold: c.thresholds[j],
        value: c.tps[j] / (c.tps[j] + c.fps[j]),
    })
}

/// The threshold minimizing the mean cost $(c_{FP} FP + c_{FN} FN)/n$ (`value` is that cost).
pub fn min_expected_cost(
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
    cost_fp: f64,
    cost_fn: f64,
) -> Result<ThresholdChoice> {
    breadth_core::validate::non_negative("cost_fp", cost_fp)?;
    breadth_core::validate::non_negative("cost_fn", cost_fn)?;
    let c = candidates("minimum expected cost", truth, scores)?;
    let (p, n) = (c.positives(), truth.len() as f64);
    let choice = best(&c, |j| {
        Some(-(cost_fp * c.fps[j] + cost_fn * (p - c.tps[j])) / n)
    })
    .ok_or_else(|| Error::numerical("minimum expected cost", "no candidate"))?;
    Ok(ThresholdChoice {
        threshold: choice.threshold,
        value: -choice.value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn perfect_separation() {
        let (y, s) = (array![0, 0, 1, 1], array![0.1, 0.2, 0.7, 0.9]);
        assert_eq!(
            youden_j(y.view(), s.view()).unwrap(),
            ThresholdChoice {
                threshold: 0.7,
                value: 1.0
            }
        );
        assert_eq!(max_fbeta(y.view(), s.view(), 1.0).unwrap().threshold, 0.7);
        assert_eq!(
            min_expected_cost(y.view(), s.view(), 1.0, 1.0)
                .unwrap()
                .value,
            0.0
        );
        assert_eq!(
            threshold_for_recall(y.view(), s.view(), 1.0)
                .unwrap()
                .threshold,
            0.7
        );
        assert!(threshold_for_precision(y.view(), s.view(), 1.5).is_err());
    }

    #[test]
    fn costs_move_the_threshold() {
        let (y, s) = (array![0, 1, 0, 1, 1], array![0.1, 0.3, 0.5, 0.6, 0.9]);
        // Free false positives: the highest threshold that catches every positive.
        assert_eq!(
            min_expected_cost(y.view(), s.view(), 0.0, 1.0)
                .unwrap()
                .threshold,
            0.3
        );
        // Free misses: predict nothing positive.
        assert_eq!(
            min_expected_cost(y.view(), s.view(), 1.0, 0.0)
                .unwrap()
                .threshold,
            f64::INFINITY
        );
    }
}
