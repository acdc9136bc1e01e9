//! Bernoulli / binomial likelihood with a Beta prior.
//!
//! Observations $x_i \in \{0, 1\}$ with $P(x_i = 1) = p$; with $s$ successes in $n$ trials:
//! MLE $\hat p = s / n$; prior $\mathrm{Beta}(a, b)$ gives the posterior
//! $\mathrm{Beta}(a + s, b + n - s)$, whose mode (MAP) is $(a + s - 1)/(a + b + n - 2)$ when
//! both parameters exceed 1 (else the mode sits on a boundary, 0 or 1). Binomial data
//! ($k$ successes of $m$ trials per observation) are the same as $m$ Bernoulli trials, see
//! [`Beta::posterior_counts`].
//!
//! ```
//! use breadth_classic::estimation::{Beta, ConjugatePrior};
//! let post = Beta::new(2.0, 2.0).unwrap().posterior_counts(7, 10).unwrap();
//! assert_eq!((post.a(), post.b()), (9.0, 5.0));
//! assert!((post.mode().unwrap() - 8.0 / 12.0).abs() < 1e-15);
//! ```

use breadth_core::{Error, Result};
use serde::{Deserialize, Serialize};
use statrs::distribution::Continuous;

use super::{check_level, check_nonempty, check_positive, interval, ConjugatePrior};

/// A $\mathrm{Beta}(a, b)$ distribution over a probability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Beta {
    a: f64,
    b: f64,
}

impl Beta {
    /// $\mathrm{Beta}(a, b)$ with $a, b > 0$ (`Beta::new(1, 1)` is uniform).
    pub fn new(a: f64, b: f64) -> Result<Self> {
        check_positive("a", a)?;
        check_positive("b", b)?;
        Ok(Beta { a, b })
    }
    /// First shape parameter.
    pub fn a(&self) -> f64 {
        self.a
    }
    /// Second shape parameter.
    pub fn b(&self) -> f64 {
        self.b
    }
    /// The posterior after `successes` in `trials` (binomial data).
    pub fn posterior_counts(&self, successes: u64, trials: u64) -> Result<Self> {
        if successes > trials {
            return Err(Error::param(
                "successes",
                format!("{successes} successes exceed the {trials} trials"),
            ));
        }
        Beta::new(
            self.a + successes as f64,
            self.b + (trials - successes) as f64,
        )
    }
    fn dist(&self) -> statrs::distribution::Beta {
        statrs::distribution::Beta::new(self.a, self.b).expect("validated shapes")
    }
}

fn successes(data: &[bool]) -> u64 {
    data.iter().filter(|&&x| x).count() as u64
}

impl ConjugatePrior for Beta {
    type Obs = bool;
    type Param = f64;

    fn posterior(&self, data: &[bool]) -> Result<Self> {
        self.posterior_counts(successes(data), data.len() as u64)
    }
    fn mode(&self) -> Result<f64> {
        Ok(match (self.a > 1.0, self.b > 1.0) {
            (true, true) => (self.a - 1.0) / (self.a + self.b - 2.0),
            (true, false) => 1.0,
            (false, true) => 0.0,
            (false, false) if self.a == 1.0 && self.b == 1.0 => {
                return Err(Error::numerical(
                    "Beta mode",
                    "the uniform Beta(1, 1) has no single mode",
                ))
            }
            (false, false) => {
                return Err(Error::numerical(
                    "Beta mode",
                    format!(
                        "Beta({}, {}) is U-shaped: both 0 and 1 are modes",
                        self.a, self.b
                    ),
                ))
            }
        })
    }
    fn mean(&self) -> Result<f64> {
        Ok(self.a / (self.a + self.b))
    }
    fn credible_interval(&self, level: f64) -> Result<Vec<(f64, f64)>> {
        check_level(level)?;
        Ok(vec![interval(&self.dist(), level, 0.0, 1.0)])
    }
    fn log_density(&self, p: &f64) -> f64 {
        self.dist().ln_pdf(*p)
    }
    fn mle(&self, data: &[bool]) -> Result<f64> {
        check_nonempty(data)?;
        Ok(successes(data) as f64 / data.len() as f64)
    }
    fn log_likelihood(&self, p: &f64, data: &[bool]) -> Result<f64> {
        if !(0.0..=1.0).contains(p) {
            return Err(Error::param(
                "p",
                format!("a probability must lie in [0, 1], got {p}"),
            ));
        }
        let s = successes(data) as f64;
        let f = data.len() as f64 - s;
        // 0 * log(0) is 0: a certain outcome that always happened has likelihood 1.
        let term = |count: f64, prob: f64| if count == 0.0 { 0.0 } else { count * prob.ln() };
        Ok(term(s, *p) + term(f, 1.0 - p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimation::{assert_interval, fixture, golden_max};

    #[test]
    fn closed_forms_match_scipy_and_numerical_maximization() {
        let f = fixture();
        let data: Vec<bool> = serde_json::from_value::<Vec<u8>>(f["bern"].clone())
            .unwrap()
            .into_iter()
            .map(|x| x == 1)
            .collect();
        let prior = Beta::new(2.0, 3.0).unwrap();
        let post = prior.posterior(&data).unwrap();
        assert_eq!((post.a(), post.b()), (9.0, 6.0));
        assert_interval(post.credible_interval(0.9).unwrap()[0], &f["beta_interval"]);
        let ll = prior.log_likelihood(&0.6, &data).unwrap();
        assert!((ll - f["bern_loglik_at_0.6"].as_f64().unwrap()).abs() < 1e-12);
        let mle = golden_max(
            |p| prior.log_likelihood(&p, &data).unwrap(),
            1e-9,
            1.0 - 1e-9,
        );
        assert!((prior.mle(&data).unwrap() - mle).abs() < 1e-7);
        let map = golden_max(
            |p| prior.log_likelihood(&p, &data).unwrap() + prior.log_density(&p),
            1e-9,
            1.0 - 1e-9,
        );
        assert!((prior.map(&data).unwrap() - map).abs() < 1e-7);
    }

    #[test]
    fn boundaries_and_errors() {
        assert_eq!(Beta::new(0.5, 2.0).unwrap().mode().unwrap(), 0.0);
        assert!(Beta::new(1.0, 1.0).unwrap().mode().is_err());
        assert!(Beta::new(0.0, 1.0).is_err());
        assert!(Beta::new(1.0, 1.0).unwrap().posterior_counts(3, 2).is_err());
        assert!(Beta::new(1.0, 1.0).unwrap().mle(&[]).is_err());
        assert!(Beta::new(1.0, 1.0).unwrap().credible_interval(1.0).is_err());
        assert_eq!(
            Beta::new(1.0, 1.0)
                .unwrap()
                .log_likelihood(&1.0, &[true])
                .unwrap(),
            0.0
        );
    }
}
