//! Bootstrap confidence intervals for any statistic of a sample (a metric, a mean, a win rate).
//!
//! Draw $B$ resamples of the $n$ row indices with replacement, evaluate the statistic $\hat\theta^*_b$
//! on each, and read the interval from their distribution at level $1-\alpha$:
//! percentile $[q_{\alpha/2}, q_{1-\alpha/2}]$ of the $\hat\theta^*$, or basic
//! $[2\hat\theta - q_{1-\alpha/2},\ 2\hat\theta - q_{\alpha/2}]$; the standard error is the
//! standard deviation of the $\hat\theta^*$ ($n-1$ denominator). Quantiles interpolate linearly
//! (numpy's default). Resamples run in parallel, each with its own seed derived from the one
//! given, so the result does not depend on the thread count. $O(B \cdot \mathrm{cost}(n))$.
//! Reference: Efron & Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13.
//!
//! ```
//! use breadth_metrics::stats::{bootstrap_ci, BootstrapParams};
//! let x: Vec<f64> = (0..50).map(|i| i as f64).collect();
//! let ci = bootstrap_ci(x.len(), &BootstrapParams::default(), |idx| {
//!     Ok(idx.iter().map(|&i| x[i]).sum::<f64>() / idx.len() as f64)
//! }).unwrap();
//! assert!(ci.low < 24.5 && 24.5 < ci.high);
//! ```

use breadth_core::rng::{child_seeds, seeded_rng};
use breadth_core::{Error, Result};
use rand::Rng;
use rayon::prelude::*;

use crate::curves::quantile_sorted;

/// How the interval is read from the bootstrap distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CiMethod {
    /// Quantiles of the resampled statistics.
    #[default]
    Percentile,
    /// Quantiles reflected around the estimate.
    Basic,
}

/// Settings of [`bootstrap_ci`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapParams {
    /// Number of resamples $B$.
    pub n_resamples: usize,
    /// Confidence level $1 - \alpha$ in (0, 1).
    pub confidence: f64,
    /// Seed of the resampling.
    pub seed: u64,
    /// Interval construction.
    pub method: CiMethod,
}

impl Default for BootstrapParams {
    fn default() -> Self {
        BootstrapParams {
            n_resamples: 2000,
            confidence: 0.95,
            seed: 0,
            method: CiMethod::Percentile,
        }
    }
}

impl BootstrapParams {
    /// Set the number of resamples.
    pub fn n_resamples(mut self, b: usize) -> Self {
        self.n_resamples = b;
        self
    }
    /// Set the confidence level.
    pub fn confidence(mut self, c: f64) -> Self {
        self.confidence = c;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Set the interval method.
    pub fn method(mut self, m: CiMethod) -> Self {
        self.method = m;
        self
    }
}

/// A point estimate with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BootstrapCi {
    /// The statistic on the full sample.
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// Standard deviation of the resampled statistics.
    pub std_error: f64,
}

/// Bootstrap interval of `statistic`, which maps a list of row indices (with repeats) to a value.
pub fn bootstrap_ci(
    n: usize,
    params: &BootstrapParams,
    statistic: impl Fn(&[usize]) -> Result<f64> + Sync,
) -> Result<BootstrapCi> {
    if n == 0 {
        return Err(Error::EmptyInput {
            what: "bootstrap sample".into(),
            detail: "no rows".into(),
        });
    }
    if params.n_resamples < 2 {
        return Err(Error::param("n_resamples", "needs at least 2 resamples"));
    }
    if !(params.confidence > 0.0 && params.confidence < 1.0) {
        return Err(Error::param(
            "confidence",
            format!("must lie in (0, 1), got {}", params.confidence),
        ));
    }
    let all: Vec<usize> = (0..n).collect();
    let estimate = statistic(&all)?;
    let seeds = child_seeds(params.seed, params.n_resamples);
    let mut stats = seeds
        .par_iter()
        .map(|&s| {
            let mut rng = seeded_rng(s);
            let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            statistic(&idx)
        })
        .collect::<Result<Vec<f64>>>()?;
    if let Some(v) = stats.iter().find(|v| !v.is_finite()) {
        return Err(Error::numerical(
            "bootstrap",
            format!("the statistic gave {v} on a resample"),
        ));
    }
    stats.sort_unstable_by(f64::total_cmp);
    let alpha = 1.0 - params.confidence;
    let (qlo, qhi) = (
        quantile_sorted(&stats, alpha / 2.0),
        quantile_sorted(&stats, 1.0 - alpha / 2.0),
    );
    let (low, high) = match params.method {
        CiMethod::Percentile => (qlo, qhi),
        CiMethod::Basic => (2.0 * estimate - qhi, 2.0 * estimate - qlo),
    };
    let b = stats.len() as f64;
    let mean = stats.iter().sum::<f64>() / b;
    let std_error = (stats.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (b - 1.0)).sqrt();
    Ok(BootstrapCi {
        estimate,
        low,
        high,
        std_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_interval_is_close_to_the_normal_theory_one() {
        // Deterministic pseudo-normal data: the bootstrap standard error of the mean should be
        // close to s / sqrt(n).
        let mut rng = seeded_rng(5);
        let x: Vec<f64> = (0..400)
            .map(|_| (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0)
            .collect();
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        let s = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)).sqrt();
        let mean = |idx: &[usize]| Ok(idx.iter().map(|&i| x[i]).sum::<f64>() / idx.len() as f64);
        let p = BootstrapParams::default().n_resamples(1000).seed(1);
        let ci = bootstrap_ci(x.len(), &p, mean).unwrap();
        let se = s / n.sqrt();
        assert!(
            (ci.std_error / se - 1.0).abs() < 0.1,
            "{} vs {se}",
            ci.std_error
        );
        assert!(
            (ci.high - ci.low) / (2.0 * 1.96 * se) > 0.85
                && (ci.high - ci.low) / (2.0 * 1.96 * se) < 1.15
        );
        assert_eq!(ci, bootstrap_ci(x.len(), &p, mean).unwrap());
        let basic = bootstrap_ci(x.len(), &p.method(CiMethod::Basic), mean).unwrap();
        assert!(
            ((basic.low + basic.high) / 2.0 - m).abs()
                < 0.5 * se + ((ci.low + ci.high) / 2.0 - m).abs()
        );
        assert!(bootstrap_ci(0, &p, mean).is_err());
        assert!(bootstrap_ci(3, &p.confidence(1.0), mean).is_err());
    }
}
