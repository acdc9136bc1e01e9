//! Maximum-likelihood and maximum-a-posteriori estimation with conjugate priors.
//!
//! For data $x_{1..n}$ with likelihood $p(x \mid \theta)$ and prior $p(\theta)$:
//!
//! - MLE: $\hat\theta = \arg\max_\theta \sum_i \log p(x_i \mid \theta)$;
//! - posterior: $p(\theta \mid x) \propto p(\theta) \prod_i p(x_i \mid \theta)$, which for a
//!   conjugate prior is again in the prior's family with updated parameters;
//! - MAP: $\arg\max_\theta p(\theta \mid x)$, the posterior mode;
//! - the equal-tailed credible interval at level $\ell$: the $(1-\ell)/2$ and $(1+\ell)/2$
//!   posterior quantiles of each parameter.
//!
//! Every family implements [`ConjugatePrior`]:
//!
//! | prior | likelihood | parameter |
//! |---|---|---|
//! | [`Beta`] | Bernoulli / binomial | success probability $p$ |
//! | [`Dirichlet`] | categorical | class probabilities $p_1..p_K$ |
//! | [`GammaPrior`] | Poisson | rate $\lambda$ |
//! | [`NormalPrior`] | normal, known variance $\sigma^2$ | mean $\mu$ |
//! | [`NormalInverseGamma`] | normal | mean and variance $(\mu, \sigma^2)$ |
//!
//! As $n$ grows the likelihood dominates the fixed prior, so MAP approaches MLE (the example
//! below shows it). Quantiles are found by bisection on statrs' CDFs to full precision.
//! Cost: $O(n)$ per update. Reference: A. Gelman et al., *Bayesian Data Analysis*, 3rd ed.,
//! ch. 2-3 (2013); K. P. Murphy, *Conjugate Bayesian analysis of the Gaussian distribution*
//! (2007).
//!
//! ```
//! use breadth_classic::estimation::{Beta, ConjugatePrior};
//! let prior = Beta::new(5.0, 5.0).unwrap();
//! let gap = |n: usize| {
//!     let data: Vec<bool> = (0..n).map(|i| i % 5 != 0).collect(); // 80 % successes
//!     (prior.map(&data).unwrap() - prior.mle(&data).unwrap()).abs()
//! };
//! assert!(gap(10) > 0.1 && gap(1000) < 0.01);
//! ```

pub mod beta;
pub mod dirichlet;
pub mod gamma;
pub mod normal;

pub use beta::Beta;
pub use dirichlet::Dirichlet;
pub use gamma::GammaPrior;
pub use normal::{NormalInverseGamma, NormalPrior};

use breadth_core::{Error, Result};
use statrs::distribution::ContinuousCDF;

/// A prior whose posterior, given data, is in the same family.
pub trait ConjugatePrior: Sized + Clone {
    /// One observation.
    type Obs: Copy;
    /// The estimated parameter.
    type Param;
    /// The posterior after observing `data`.
    fn posterior(&self, data: &[Self::Obs]) -> Result<Self>;
    /// The mode of this distribution (the MAP estimate when it is a posterior).
    fn mode(&self) -> Result<Self::Param>;
    /// The mean of this distribution (the posterior mean when it is a posterior).
    fn mean(&self) -> Result<Self::Param>;
    /// Equal-tailed credible interval of each parameter component at `level` in (0, 1).
    fn credible_interval(&self, level: f64) -> Result<Vec<(f64, f64)>>;
    /// $\log p(\theta)$ under this distribution.
    fn log_density(&self, theta: &Self::Param) -> f64;
    /// The maximum-likelihood estimate from `data`.
    fn mle(&self, data: &[Self::Obs]) -> Result<Self::Param>;
    /// $\sum_i \log p(x_i \mid \theta)$.
    fn log_likelihood(&self, theta: &Self::Param, data: &[Self::Obs]) -> Result<f64>;
    /// The maximum-a-posteriori estimate: the mode of the posterior.
    fn map(&self, data: &[Self::Obs]) -> Result<Self::Param> {
        self.posterior(data)?.mode()
    }
}

/// `level` in (0, 1), else a parameter error.
fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(Error::param(
            "level",
            format!("must lie strictly between 0 and 1, got {level}"),
        ))
    }
}

/// `value > 0` for a prior's parameter.
fn check_positive(name: &str, value: f64) -> Result<()> {
    breadth_core::validate::positive(name, value)
}

/// At least one observation.
fn check_nonempty<T>(data: &[T]) -> Result<()> {
    if data.is_empty() {
        return Err(Error::EmptyInput {
            what: "observations".into(),
            detail: "the maximum-likelihood estimate needs at least one".into(),
        });
    }
    Ok(())
}

/// The `p`-quantile of a continuous distribution by bisection on its CDF, bracketed within
/// `[lo, hi]` (statrs' own inverses stop after a few iterations).
fn quantile(d: &impl ContinuousCDF<f64, f64>, p: f64, mut lo: f64, mut hi: f64) -> f64 {
    while d.cdf(hi) < p {
        hi = if hi > 0.0 { hi * 2.0 } else { 1.0 };
    }
    while d.cdf(lo) > p {
        lo = if lo < 0.0 { lo * 2.0 } else { -1.0 };
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if d.cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The equal-tailed interval of `d` at `level`, searched within `[lo, hi]`.
fn interval(d: &impl ContinuousCDF<f64, f64>, level: f64, lo: f64, hi: f64) -> (f64, f64) {
    (
        quantile(d, (1.0 - level) / 2.0, lo, hi),
        quantile(d, (1.0 + level) / 2.0, lo, hi),
    )
}

/// Maximize a unimodal function of one variable on `[lo, hi]` by golden-section search: the
/// numerical check of the closed forms in the tests.
#[cfg(test)]
pub(crate) fn golden_max(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..200 {
        let (a, b) = (hi - g * (hi - lo), lo + g * (hi - lo));
        if f(a) < f(b) {
            lo = a;
        } else {
            hi = b;
        }
    }
    0.5 * (lo + hi)
}

/// The committed scipy values (reference/bayes.py, scipy 1.17.1).
#[cfg(test)]
pub(crate) fn fixture() -> serde_json::Value {
    crate::neighbors::testing::fixture("bayes/estimation.json")
}

/// Compare an interval with a fixture's `[lo, hi]`.
#[cfg(test)]
pub(crate) fn assert_interval(got: (f64, f64), want: &serde_json::Value) {
    let w: (f64, f64) = serde_json::from_value(want.clone()).unwrap();
    assert!(
        (got.0 - w.0).abs() < 1e-9 && (got.1 - w.1).abs() < 1e-9,
        "{got:?} vs {w:?}"
    );
}
