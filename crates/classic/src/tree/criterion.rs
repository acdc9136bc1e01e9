//! Split criteria of CART: node impurities and the proxies maximized while searching splits.
//!
//! Every criterion except the absolute error is a function of additive per-node sums, so a scan
//! over sorted rows updates the left sums in $O(m)$ per row and reads the right ones as
//! total minus left. With weights $w_i$, $W = \sum w_i$, class weights $c_k = \sum_{y_i=k} w_i$
//! and $p_k = c_k / W$:
//!
//! - Gini: $I = 1 - \sum_k p_k^2$;
//! - entropy (log loss): $I = -\sum_k p_k \log_2 p_k$;
//! - squared error and Friedman's MSE: $I = \frac{1}{W}\sum w_i y_i^2 - \bar y^2$;
//! - Poisson half deviance: $I = \frac{1}{W}\sum_i w_i\, y_i \log(y_i / \bar y)$;
//! - absolute error: $I = \frac{1}{W}\sum_i w_i |y_i - \tilde y|$, $\tilde y$ the weighted median.
//!
//! The split proxy has the same maximizer as the impurity decrease
//! $W_t I_t - W_l I_l - W_r I_r$ but skips its constant terms, exactly as scikit-learn's
//! `proxy_impurity_improvement`, so near-ties break the same way. Friedman's criterion scores
//! $\frac{W_l W_r}{W_l + W_r}(\bar y_l - \bar y_r)^2$ (Friedman, *Greedy function approximation*,
//! 2001, eq. 35).
//!
//! ```
//! use breadth_classic::tree::Criterion;
//! assert_eq!("gini".parse::<Criterion>().unwrap(), Criterion::Gini);
//! ```

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How a tree measures the impurity of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Criterion {
    /// Gini impurity (classification).
    Gini,
    /// Shannon entropy in bits, also called log loss (classification).
    Entropy,
    /// Variance (regression).
    SquaredError,
    /// Variance with Friedman's improvement score (regression, gradient boosting's default).
    FriedmanMse,
    /// Mean absolute deviation from the weighted median (regression; $O(n^2)$ per node).
    AbsoluteError,
    /// Half Poisson deviance (regression on non-negative counts).
    Poisson,
}

impl Criterion {
    /// True for the criteria of classification trees.
    pub fn is_classification(self) -> bool {
        matches!(self, Criterion::Gini | Criterion::Entropy)
    }
}

impl FromStr for Criterion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "gini" => Criterion::Gini,
            "entropy" | "log_loss" => Criterion::Entropy,
            "squared_error" => Criterion::SquaredError,
            "friedman_mse" => Criterion::FriedmanMse,
            "absolute_error" => Criterion::AbsoluteError,
            "poisson" => Criterion::Poisson,
            _ => {
                return Err(
                    "expected gini, entropy, log_loss, squared_error, friedman_mse, \
                            absolute_error or poisson"
                        .into(),
                )
            }
        })
    }
}

impl std::fmt::Display for Criterion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Criterion::Gini => "gini",
            Criterion::Entropy => "entropy",
            Criterion::SquaredError => "squared_error",
            Criterion::FriedmanMse => "friedman_mse",
            Criterion::AbsoluteError => "absolute_error",
            Criterion::Poisson => "poisson",
        })
    }
}

const EPSILON: f64 = f64::EPSILON;

/// `x log x`, 0 at 0.
pub(crate) fn xlogx(x: f64) -> f64 {
    if x > 0.0 {
        x * x.ln()
    } else {
        0.0
    }
}

/// The additive statistics of a node for criterion `c`: `sums[..]` and total weight `w`.
///
/// Layout: classification `sums[k] = c_k`; regression `sums = [Σ w y, Σ w y², Σ w y ln y]`.
impl Criterion {
    /// Impurity of a node from its sums (not for [`Criterion::AbsoluteError`]).
    pub(crate) fn impurity(self, sums: &[f64], w: f64) -> f64 {
        match self {
            Criterion::Gini => 1.0 - sums.iter().map(|c| (c / w) * (c / w)).sum::<f64>(),
            Criterion::Entropy => -sums
                .iter()
                .filter(|&&c| c > 0.0)
                .map(|c| (c / w) * (c / w).log2())
                .sum::<f64>(),
            Criterion::SquaredError | Criterion::FriedmanMse => {
                let mean = sums[0] / w;
                sums[1] / w - mean * mean
            }
            Criterion::Poisson => {
                if sums[0] <= EPSILON {
                    return f64::INFINITY;
                }
                (sums[2] - sums[0] * (sums[0] / w).ln()) / w
            }
            Criterion::AbsoluteError => unreachable!("absolute error has no additive impurity"),
        }
    }

    /// The proxy of the impurity decrease maximized by the split search (larger is better).
    pub(crate) fn proxy(self, left: &[f64], wl: f64, right: &[f64], wr: f64) -> f64 {
        match self {
            Criterion::Gini | Criterion::Entropy => {
                -wl * self.impurity(left, wl) - wr * self.impurity(right, wr)
            }
            Criterion::SquaredError => left[0] * left[0] / wl + right[0] * right[0] / wr,
            Criterion::FriedmanMse => {
                let diff = wr * left[0] - wl * right[0];
                diff * diff / (wl * wr)
            }
            Criterion::Poisson => {
                if left[0] <= EPSILON || right[0] <= EPSILON {
                    return f64::NEG_INFINITY;
                }
                left[0] * (left[0] / wl).ln() + right[0] * (right[0] / wr).ln()
            }
            Criterion::AbsoluteError => unreachable!("absolute error is scored on samples"),
        }
    }
}

/// Weighted median of `(y, w)` pairs: the smallest `y` whose cumulative weight reaches half,
/// averaged with the next value when the cumulative weight lands exactly on half (so the
/// unweighted median of an even count is the mean of the middle two, as `numpy.median`).
pub(crate) fn weighted_median(pairs: &mut [(f64, f64)]) -> f64 {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = pairs.iter().map(|p| p.1).sum::<f64>() / 2.0;
    let mut cum = 0.0;
    for (k, &(y, w)) in pairs.iter().enumerate() {
        cum += w;
        if cum >= half {
            if cum == half {
                if let Some(next) = pairs[k + 1..].iter().find(|p| p.1 > 0.0) {
                    return (y + next.0) / 2.0;
                }
            }
            return y;
        }
    }
    pairs.last().map_or(0.0, |p| p.0)
}

/// Weighted mean absolute deviation from the weighted median, and that median.
pub(crate) fn absolute_error(pairs: &mut [(f64, f64)]) -> (f64, f64) {
    let med = weighted_median(pairs);
    let w: f64 = pairs.iter().map(|p| p.1).sum();
    let dev: f64 = pairs.iter().map(|p| p.1 * (p.0 - med).abs()).sum();
    (dev / w, med)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impurities_of_known_nodes() {
        // Two classes 3:1 -> gini 0.375, entropy 0.8113 bits.
        assert!((Criterion::Gini.impurity(&[3.0, 1.0], 4.0) - 0.375).abs() < 1e-12);
        assert!(
            (Criterion::Entropy.impurity(&[3.0, 1.0], 4.0) - 0.811_278_124_459_132_8).abs() < 1e-12
        );
        // y = 1, 3: variance 1.
        assert!((Criterion::SquaredError.impurity(&[4.0, 10.0, 0.0], 2.0) - 1.0).abs() < 1e-12);
        let mut pairs = vec![(1.0, 1.0), (3.0, 1.0), (10.0, 1.0), (4.0, 1.0)];
        assert_eq!(weighted_median(&mut pairs), 3.5);
        let (ae, med) = absolute_error(&mut [(1.0, 1.0), (2.0, 1.0), (9.0, 1.0)]);
        assert_eq!(med, 2.0);
        assert!((ae - 8.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn proxy_orders_splits_like_the_true_decrease() {
        // Left/right class counts of two candidate splits of [5, 5].
        let good = Criterion::Gini.proxy(&[4.0, 0.0], 4.0, &[1.0, 5.0], 6.0);
        let bad = Criterion::Gini.proxy(&[2.0, 2.0], 4.0, &[3.0, 3.0], 6.0);
        assert!(good > bad);
        let good = Criterion::SquaredError.proxy(&[0.0, 0.0, 0.0], 2.0, &[20.0, 0.0, 0.0], 2.0);
        let bad = Criterion::SquaredError.proxy(&[10.0, 0.0, 0.0], 2.0, &[10.0, 0.0, 0.0], 2.0);
        assert!(good > bad);
    }
}
