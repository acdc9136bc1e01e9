//! Normal likelihood: the mean with known variance (Normal prior), and mean and variance
//! together (Normal-Inverse-Gamma prior).
//!
//! Observations $x_i \sim \mathcal{N}(\mu, \sigma^2)$, $n$ of them with mean $\bar x$.
//!
//! **Known $\sigma^2$**, prior $\mu \sim \mathcal{N}(\mu_0, \tau_0^2)$: the posterior is
//! $\mathcal{N}(\mu_n, \tau_n^2)$ with precision $\tau_n^{-2} = \tau_0^{-2} + n / \sigma^2$ and
//! $\mu_n = \tau_n^2 (\mu_0 / \tau_0^2 + n \bar x / \sigma^2)$; MAP = posterior mean = $\mu_n$;
//! MLE $\bar x$.
//!
//! **Unknown $\sigma^2$**, prior $\sigma^2 \sim \mathrm{IG}(\alpha_0, \beta_0)$ and
//! $\mu \mid \sigma^2 \sim \mathcal{N}(\mu_0, \sigma^2 / \kappa_0)$: the posterior has
//! $\kappa_n = \kappa_0 + n$, $\mu_n = (\kappa_0 \mu_0 + n \bar x) / \kappa_n$,
//! $\alpha_n = \alpha_0 + n / 2$ and
//! $\beta_n = \beta_0 + \tfrac12 \sum_i (x_i - \bar x)^2 + \kappa_0 n (\bar x - \mu_0)^2 / (2 \kappa_n)$.
//! Its joint mode (MAP) is $(\mu_n, \beta_n / (\alpha_n + 3/2))$, the MLE
//! $(\bar x, \frac1n \sum_i (x_i - \bar x)^2)$; marginally
//! $\mu \sim t_{2\alpha_n}(\mu_n, \beta_n / (\alpha_n \kappa_n))$ and
//! $\sigma^2 \sim \mathrm{IG}(\alpha_n, \beta_n)$, which give the credible intervals.
//!
//! ```
//! use breadth_classic::estimation::{ConjugatePrior, NormalPrior};
//! let prior = NormalPrior::new(0.0, 1.0, 1.0).unwrap(); // mu ~ N(0, 1), sigma^2 = 1
//! assert_eq!(prior.map(&[2.0, 4.0, 6.0]).unwrap(), 12.0 / 4.0);
//! ```

use breadth_core::{Error, Result};
use serde::{Deserialize, Serialize};
use statrs::distribution::Continuous;

use super::{check_level, check_nonempty, check_positive, interval, quantile, ConjugatePrior};

fn check_data(data: &[f64]) -> Result<()> {
    match data.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(Error::NonFinite {
            what: "observations".into(),
            row: i,
            column: "0".into(),
            value: data[i].to_string(),
        }),
        None => Ok(()),
    }
}

fn mean_and_ss(data: &[f64]) -> (f64, f64) {
    let n = data.len() as f64;
    let mean = data.iter().sum::<f64>() / n;
    (mean, data.iter().map(|x| (x - mean) * (x - mean)).sum())
}

fn normal_log_likelihood(mu: f64, var: f64, data: &[f64]) -> Result<f64> {
    check_data(data)?;
    if !(var > 0.0 && var.is_finite() && mu.is_finite()) {
        return Err(Error::param(
            "sigma2",
            format!("needs a finite mean and a variance > 0, got {mu}, {var}"),
        ));
    }
    let c = -0.5 * (2.0 * std::f64::consts::PI * var).ln();
    Ok(data
        .iter()
        .map(|x| c - (x - mu) * (x - mu) / (2.0 * var))
        .sum())
}

/// A normal prior $\mathcal{N}(\mu_0, \tau_0^2)$ on the mean of data with known variance $\sigma^2$.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NormalPrior {
    mean: f64,
    var: f64,
    sigma2: f64,
}

impl NormalPrior {
    /// Prior mean $\mu_0$, prior variance $\tau_0^2 > 0$, known data variance $\sigma^2 > 0$.
    pub fn new(mean: f64, var: f64, sigma2: f64) -> Result<Self> {
        if !mean.is_finite() {
            return Err(Error::param("mean", "must be finite"));
        }
        check_positive("var", var)?;
        check_positive("sigma2", sigma2)?;
        Ok(NormalPrior { mean, var, sigma2 })
    }
    /// $\mu_0$ (or $\mu_n$ for a posterior).
    pub fn location(&self) -> f64 {
        self.mean
    }
    /// $\tau_0^2$ (or $\tau_n^2$).
    pub fn variance(&self) -> f64 {
        self.var
    }
    fn dist(&self) -> statrs::distribution::Normal {
        statrs::distribution::Normal::new(self.mean, self.var.sqrt()).expect("validated")
    }
}

impl ConjugatePrior for NormalPrior {
    type Obs = f64;
    type Param = f64;

    fn posterior(&self, data: &[f64]) -> Result<Self> {
        check_data(data)?;
        let precision = 1.0 / self.var + data.len() as f64 / self.sigma2;
        let var = 1.0 / precision;
        let mean = var * (self.mean / self.var + data.iter().sum::<f64>() / self.sigma2);
        NormalPrior::new(mean, var, self.sigma2)
    }
    fn mode(&self) -> Result<f64> {
        Ok(self.mean)
    }
    fn mean(&self) -> Result<f64> {
        Ok(self.mean)
    }
    fn credible_interval(&self, level: f64) -> Result<Vec<(f64, f64)>> {
        check_level(level)?;
        let s = self.var.sqrt();
        Ok(vec![interval(
            &self.dist(),
            level,
            self.mean - s,
            self.mean + s,
        )])
    }
    fn log_density(&self, mu: &f64) -> f64 {
        self.dist().ln_pdf(*mu)
    }
    fn mle(&self, data: &[f64]) -> Result<f64> {
        check_nonempty(data)?;
        check_data(data)?;
        Ok(mean_and_ss(data).0)
    }
    fn log_likelihood(&self, mu: &f64, data: &[f64]) -> Result<f64> {
        normal_log_likelihood(*mu, self.sigma2, data)
    }
}

/// A Normal-Inverse-Gamma prior on the mean and variance of normal data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NormalInverseGamma {
    mu: f64,
    kappa: f64,
    alpha: f64,
    beta: f64,
}

impl NormalInverseGamma {
    /// $\mu_0$, $\kappa_0 > 0$ (prior pseudo-observations of the mean), $\alpha_0, \beta_0 > 0$.
    pub fn new(mu: f64, kappa: f64, alpha: f64, beta: f64) -> Result<Self> {
        if !mu.is_finite() {
            return Err(Error::param("mu", "must be finite"));
        }
        check_positive("kappa", kappa)?;
        check_positive("alpha", alpha)?;
        check_positive("beta", beta)?;
        Ok(NormalInverseGamma {
            mu,
            kappa,
            alpha,
            beta,
        })
    }
    /// The parameters $(\mu, \kappa, \alpha, \beta)$.
    pub fn params(&self) -> (f64, f64, f64, f64) {
        (self.mu, self.kappa, self.alpha, self.beta)
    }
    fn gamma_of_precision(&self) -> statrs::distribution::Gamma {
        statrs::distribution::Gamma::new(self.alpha, self.beta).expect("validated")
    }
}

impl ConjugatePrior for NormalInverseGamma {
    type Obs = f64;
    /// `(mean, variance)`.
    type Param = (f64, f64);

    fn posterior(&self, data: &[f64]) -> Result<Self> {
        check_data(data)?;
        if data.is_empty() {
            return Ok(*self);
        }
        let n = data.len() as f64;
        let (mean, ss) = mean_and_ss(data);
        let kappa = self.kappa + n;
        let dev = mean - self.mu;
        NormalInverseGamma::new(
            (self.kappa * self.mu + n * mean) / kappa,
            kappa,
            self.alpha + n / 2.0,
            self.beta + 0.5 * ss + self.kappa * n * dev * dev / (2.0 * kappa),
        )
    }
    fn mode(&self) -> Result<(f64, f64)> {
        Ok((self.mu, self.beta / (self.alpha + 1.5)))
    }
    fn mean(&self) -> Result<(f64, f64)> {
        if self.alpha <= 1.0 {
            return Err(Error::numerical(
                "Normal-Inverse-Gamma mean",
                format!("the variance has no mean for alpha = {} <= 1", self.alpha),
            ));
        }
        Ok((self.mu, self.beta / (self.alpha - 1.0)))
    }
    fn credible_interval(&self, level: f64) -> Result<Vec<(f64, f64)>> {
        check_level(level)?;
        let scale = (self.beta / (self.alpha * self.kappa)).sqrt();
        let t = statrs::distribution::StudentsT::new(self.mu, scale, 2.0 * self.alpha)
            .expect("validated");
        let mean_interval = interval(&t, level, self.mu - scale, self.mu + scale);
        // sigma^2 = 1 / g with g ~ Gamma(alpha, rate beta): quantiles map through 1/g reversed.
        let g = self.gamma_of_precision();
        let g_hi = quantile(&g, (1.0 + level) / 2.0, 0.0, 1.0);
        let g_lo = quantile(&g, (1.0 - level) / 2.0, 0.0, 1.0);
        Ok(vec![mean_interval, (1.0 / g_hi, 1.0 / g_lo)])
    }
    fn log_density(&self, theta: &(f64, f64)) -> f64 {
        let (mu, var) = *theta;
        if var <= 0.0 {
            return f64::NEG_INFINITY;
        }
        let normal = statrs::distribution::Normal::new(self.mu, (var / self.kappa).sqrt())
            .expect("positive");
        let g = self.gamma_of_precision();
        // Density of sigma^2 = 1/g: p_g(1/v) / v^2.
        normal.ln_pdf(mu) + g.ln_pdf(1.0 / var) - 2.0 * var.ln()
    }
    fn mle(&self, data: &[f64]) -> Result<(f64, f64)> {
        check_nonempty(data)?;
        check_data(data)?;
        let (mean, ss) = mean_and_ss(data);
        Ok((mean, ss / data.len() as f64))
    }
    fn log_likelihood(&self, theta: &(f64, f64), data: &[f64]) -> Result<f64> {
        normal_log_likelihood(theta.0, theta.1, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimation::{assert_interval, fixture, golden_max};

    fn xs() -> Vec<f64> {
        serde_json::from_value(fixture()["xs"].clone()).unwrap()
    }

    #[test]
    fn known_variance_matches_scipy_and_numerical_maximization() {
        let f = fixture();
        let data = xs();
        let prior = NormalPrior::new(0.0, 4.0, 1.0).unwrap();
        let post = prior.posterior(&data).unwrap();
        assert_interval(
            post.credible_interval(0.9).unwrap()[0],
            &f["normal_interval"],
        );
        let ll = prior.log_likelihood(&1.5, &data).unwrap();
        assert!((ll - f["norm_loglik_at_1.5"].as_f64().unwrap()).abs() < 1e-12);
        let map = golden_max(
            |m| prior.log_likelihood(&m, &data).unwrap() + prior.log_density(&m),
            -10.0,
            10.0,
        );
        assert!((prior.map(&data).unwrap() - map).abs() < 1e-6);
        assert!(prior.mle(&[1.0, f64::NAN]).is_err());
    }

    #[test]
    fn normal_inverse_gamma_matches_scipy_and_numerical_maximization() {
        let f = fixture();
        let data = xs();
        let prior = NormalInverseGamma::new(0.0, 1.0, 2.0, 2.0).unwrap();
        let post = prior.posterior(&data).unwrap();
        let ci = post.credible_interval(0.9).unwrap();
        assert_interval(ci[0], &f["nig_mean_interval"]);
        assert_interval(ci[1], &f["nig_var_interval"]);
        let ll = prior.log_likelihood(&(1.5, 0.5), &data).unwrap();
        assert!((ll - f["nig_loglik_at_1.5_0.5"].as_f64().unwrap()).abs() < 1e-12);
        let objective = |m: f64, v: f64| {
            prior.log_likelihood(&(m, v), &data).unwrap() + prior.log_density(&(m, v))
        };
        let best_v = |m: f64| golden_max(|v| objective(m, v), 1e-6, 20.0);
        let m = golden_max(|m| objective(m, best_v(m)), -10.0, 10.0);
        let (map_m, map_v) = prior.map(&data).unwrap();
        assert!(
            (map_m - m).abs() < 1e-6 && (map_v - best_v(m)).abs() < 1e-6,
            "{map_m} {map_v} vs {m}"
        );
        let mle_m = golden_max(
            |m| prior.log_likelihood(&(m, 1.0), &data).unwrap(),
            -10.0,
            10.0,
        );
        let mle_v = golden_max(
            |v| prior.log_likelihood(&(mle_m, v), &data).unwrap(),
            1e-6,
            20.0,
        );
        let (em, ev) = prior.mle(&data).unwrap();
        assert!((em - mle_m).abs() < 1e-6 && (ev - mle_v).abs() < 1e-6);
    }

    #[test]
    fn map_approaches_mle_as_data_grows() {
        let prior = NormalInverseGamma::new(-5.0, 10.0, 5.0, 1.0).unwrap();
        let gap = |n: usize| {
            let data: Vec<f64> = (0..n)
                .map(|i| 2.0 + ((i * 7919) % 101) as f64 / 50.0 - 1.0)
                .collect();
            let (a, b) = (prior.map(&data).unwrap(), prior.mle(&data).unwrap());
            (a.0 - b.0).abs() + (a.1 - b.1).abs()
        };
        let gaps: Vec<f64> = [10, 100, 1000, 10_000].iter().map(|&n| gap(n)).collect();
        assert!(gaps.windows(2).all(|w| w[1] < w[0]), "{gaps:?}");
        // The prior weighs like a fixed number of pseudo-observations: the gap shrinks as 1/n.
        assert!(gaps[3] < gaps[0] / 100.0, "{gaps:?}");
    }
}
