//! Poisson likelihood with a Gamma prior on the rate.
//!
//! Counts $x_i \in \{0, 1, \dots\}$ with $P(x_i = x) = \lambda^x e^{-\lambda} / x!$: MLE
//! $\hat\lambda = \bar x$; prior $\mathrm{Gamma}(\alpha, \beta)$ (shape, rate) gives the
//! posterior $\mathrm{Gamma}(\alpha + \sum_i x_i, \beta + n)$, with mode (MAP)
//! $(\alpha' - 1)/\beta'$ for $\alpha' \ge 1$ (else 0) and mean $\alpha' / \beta'$.
//!
//! ```
//! use breadth_classic::estimation::{ConjugatePrior, GammaPrior};
//! let prior = GammaPrior::new(2.0, 1.0).unwrap();
//! assert_eq!(prior.map(&[3, 5]).unwrap(), 9.0 / 3.0);
//! ```

use breadth_core::{Error, Result};
use serde::{Deserialize, Serialize};
use statrs::distribution::Continuous;
use statrs::function::gamma::ln_gamma;

use super::{check_level, check_nonempty, check_positive, interval, ConjugatePrior};

/// A $\mathrm{Gamma}(\alpha, \beta)$ distribution (shape $\alpha$, rate $\beta$) over a rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaPrior {
    shape: f64,
    rate: f64,
}

impl GammaPrior {
    /// $\mathrm{Gamma}(\alpha, \beta)$ with shape and rate $> 0$.
    pub fn new(shape: f64, rate: f64) -> Result<Self> {
        check_positive("shape", shape)?;
        check_positive("rate", rate)?;
        Ok(GammaPrior { shape, rate })
    }
    /// Shape $\alpha$.
    pub fn shape(&self) -> f64 {
        self.shape
    }
    /// Rate $\beta$.
    pub fn rate(&self) -> f64 {
        self.rate
    }
    fn dist(&self) -> statrs::distribution::Gamma {
        statrs::distribution::Gamma::new(self.shape, self.rate).expect("validated")
    }
}

impl ConjugatePrior for GammaPrior {
    type Obs = u64;
    type Param = f64;

    fn posterior(&self, data: &[u64]) -> Result<Self> {
        let total: f64 = data.iter().map(|&x| x as f64).sum();
        GammaPrior::new(self.shape + total, self.rate + data.len() as f64)
    }
    fn mode(&self) -> Result<f64> {
        Ok(((self.shape - 1.0) / self.rate).max(0.0))
    }
    fn mean(&self) -> Result<f64> {
        Ok(self.shape / self.rate)
    }
    fn credible_interval(&self, level: f64) -> Result<Vec<(f64, f64)>> {
        check_level(level)?;
        Ok(vec![interval(
            &self.dist(),
            level,
            0.0,
            2.0 * self.shape / self.rate + 1.0,
        )])
    }
    fn log_density(&self, lambda: &f64) -> f64 {
        self.dist().ln_pdf(*lambda)
    }
    fn mle(&self, data: &[u64]) -> Result<f64> {
        check_nonempty(data)?;
        Ok(data.iter().map(|&x| x as f64).sum::<f64>() / data.len() as f64)
    }
    fn log_likelihood(&self, lambda: &f64, data: &[u64]) -> Result<f64> {
        if !(*lambda >= 0.0 && lambda.is_finite()) {
            return Err(Error::param(
                "lambda",
                format!("a Poisson rate must be >= 0, got {lambda}"),
            ));
        }
        Ok(data
            .iter()
            .map(|&x| {
                let x = x as f64;
                let xlogl = if x == 0.0 { 0.0 } else { x * lambda.ln() };
                xlogl - lambda - ln_gamma(x + 1.0)
            })
            .sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimation::{assert_interval, fixture, golden_max};

    #[test]
    fn closed_forms_match_scipy_and_numerical_maximization() {
        let f = fixture();
        let data: Vec<u64> = serde_json::from_value(f["pois"].clone()).unwrap();
        let prior = GammaPrior::new(2.0, 1.0).unwrap();
        let post = prior.posterior(&data).unwrap();
        assert_eq!((post.shape(), post.rate()), (27.0, 8.0));
        assert_interval(
            post.credible_interval(0.9).unwrap()[0],
            &f["gamma_interval"],
        );
        let ll = prior.log_likelihood(&3.0, &data).unwrap();
        assert!((ll - f["pois_loglik_at_3"].as_f64().unwrap()).abs() < 1e-10);
        let mle = golden_max(|l| prior.log_likelihood(&l, &data).unwrap(), 1e-9, 50.0);
        assert!((prior.mle(&data).unwrap() - mle).abs() < 1e-6);
        let map = golden_max(
            |l| prior.log_likelihood(&l, &data).unwrap() + prior.log_density(&l),
            1e-9,
            50.0,
        );
        assert!((prior.map(&data).unwrap() - map).abs() < 1e-6);
        assert!(GammaPrior::new(0.0, 1.0).is_err());
        assert!(prior.log_likelihood(&-1.0, &data).is_err());
    }
}
