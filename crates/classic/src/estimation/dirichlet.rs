//! Categorical likelihood with a Dirichlet prior.
//!
//! Observations $x_i \in \{0, \dots, K-1\}$ with $P(x_i = k) = p_k$; with counts $n_k$ out of
//! $n$: MLE $\hat p_k = n_k / n$; prior $\mathrm{Dir}(\alpha)$ gives the posterior
//! $\mathrm{Dir}(\alpha + n)$, whose mode (MAP) is
//! $(\alpha_k + n_k - 1) / (\sum_j \alpha_j + n - K)$ when every $\alpha_k + n_k \ge 1$ (not all
//! equal to 1). Laplace smoothing is the posterior mean under $\mathrm{Dir}(1, \dots, 1)$. Each
//! $p_k$ is marginally $\mathrm{Beta}(\alpha_k, \sum_j \alpha_j - \alpha_k)$, which gives its
//! credible interval.
//!
//! ```
//! use breadth_classic::estimation::{ConjugatePrior, Dirichlet};
//! let prior = Dirichlet::new(vec![2.0, 2.0, 2.0]).unwrap();
//! let map = prior.map(&[0, 0, 0, 1]).unwrap();
//! assert_eq!(map, vec![4.0 / 7.0, 2.0 / 7.0, 1.0 / 7.0]);
//! ```

use breadth_core::{Error, Result};
use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use super::{check_level, check_nonempty, check_positive, interval, ConjugatePrior};

/// A Dirichlet distribution over a probability vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dirichlet {
    alpha: Vec<f64>,
}

impl Dirichlet {
    /// $\mathrm{Dir}(\alpha)$ with at least two concentrations, all $> 0$.
    pub fn new(alpha: Vec<f64>) -> Result<Self> {
        if alpha.len() < 2 {
            return Err(Error::param(
                "alpha",
                "a Dirichlet needs at least 2 categories",
            ));
        }
        alpha.iter().try_for_each(|&a| check_positive("alpha", a))?;
        Ok(Dirichlet { alpha })
    }
    /// The concentrations $\alpha$.
    pub fn alpha(&self) -> &[f64] {
        &self.alpha
    }
    fn counts(&self, data: &[usize]) -> Result<Vec<f64>> {
        let k = self.alpha.len();
        let mut counts = vec![0.0; k];
        for (i, &x) in data.iter().enumerate() {
            if x >= k {
                return Err(Error::UnknownLabel {
                    label: x.to_string(),
                    what: format!("observation {i}"),
                    known: format!("categories 0..{k}"),
                });
            }
            counts[x] += 1.0;
        }
        Ok(counts)
    }
}

impl ConjugatePrior for Dirichlet {
    type Obs = usize;
    type Param = Vec<f64>;

    fn posterior(&self, data: &[usize]) -> Result<Self> {
        let counts = self.counts(data)?;
        Dirichlet::new(self.alpha.iter().zip(counts).map(|(a, c)| a + c).collect())
    }
    fn mode(&self) -> Result<Vec<f64>> {
        let k = self.alpha.len() as f64;
        if self.alpha.iter().any(|&a| a < 1.0) || self.alpha.iter().all(|&a| a == 1.0) {
            return Err(Error::numerical(
                "Dirichlet mode",
                "needs every concentration >= 1 and one > 1 (otherwise the density is flat or \
                 unbounded at the boundary)",
            ));
        }
        let total: f64 = self.alpha.iter().sum();
        Ok(self.alpha.iter().map(|a| (a - 1.0) / (total - k)).collect())
    }
    fn mean(&self) -> Result<Vec<f64>> {
        let total: f64 = self.alpha.iter().sum();
        Ok(self.alpha.iter().map(|a| a / total).collect())
    }
    fn credible_interval(&self, level: f64) -> Result<Vec<(f64, f64)>> {
        check_level(level)?;
        let total: f64 = self.alpha.iter().sum();
        self.alpha
            .iter()
            .map(|&a| {
                let marginal = statrs::distribution::Beta::new(a, total - a).expect("positive");
                Ok(interval(&marginal, level, 0.0, 1.0))
            })
            .collect()
    }
    fn log_density(&self, p: &Vec<f64>) -> f64 {
        let total: f64 = self.alpha.iter().sum();
        ln_gamma(total) - self.alpha.iter().map(|&a| ln_gamma(a)).sum::<f64>()
            + self
                .alpha
                .iter()
                .zip(p)
                .map(|(a, pk)| (a - 1.0) * pk.ln())
                .sum::<f64>()
    }
    fn mle(&self, data: &[usize]) -> Result<Vec<f64>> {
        check_nonempty(data)?;
        let n = data.len() as f64;
        Ok(self.counts(data)?.into_iter().map(|c| c / n).collect())
    }
    fn log_likelihood(&self, p: &Vec<f64>, data: &[usize]) -> Result<f64> {
        if p.len() != self.alpha.len() {
            return Err(Error::shape(
                "category probabilities",
                self.alpha.len(),
                p.len(),
            ));
        }
        let counts = self.counts(data)?;
        Ok(counts
            .iter()
            .zip(p)
            .map(|(&c, pk)| if c == 0.0 { 0.0 } else { c * pk.ln() })
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
        let data: Vec<usize> = serde_json::from_value(f["cats"].clone()).unwrap();
        let prior = Dirichlet::new(vec![1.0, 2.0, 3.0]).unwrap();
        let post = prior.posterior(&data).unwrap();
        assert_eq!(post.alpha(), &[6.0, 2.0, 5.0]);
        for (got, want) in post
            .credible_interval(0.9)
            .unwrap()
            .into_iter()
            .zip(f["dirichlet_intervals"].as_array().unwrap())
        {
            assert_interval(got, want);
        }
        let ll = prior.log_likelihood(&vec![0.5, 0.2, 0.3], &data).unwrap();
        assert!((ll - f["cat_loglik"].as_f64().unwrap()).abs() < 1e-12);
        // Numerical MAP over the simplex, p = (t, (1-t) u, (1-t)(1-u)).
        let objective = |t: f64, u: f64| {
            let p = vec![t, (1.0 - t) * u, (1.0 - t) * (1.0 - u)];
            prior.log_likelihood(&p, &data).unwrap() + prior.log_density(&p)
        };
        let best_u = |t: f64| golden_max(|u| objective(t, u), 1e-9, 1.0 - 1e-9);
        let t = golden_max(|t| objective(t, best_u(t)), 1e-9, 1.0 - 1e-9);
        let u = best_u(t);
        let map = prior.map(&data).unwrap();
        let numeric = [t, (1.0 - t) * u, (1.0 - t) * (1.0 - u)];
        assert!(
            map.iter().zip(numeric).all(|(a, b)| (a - b).abs() < 1e-6),
            "{map:?} vs {numeric:?}"
        );
        assert_eq!(prior.mle(&data).unwrap(), vec![5.0 / 7.0, 0.0, 2.0 / 7.0]);
    }

    #[test]
    fn errors() {
        assert!(Dirichlet::new(vec![1.0]).is_err());
        assert!(Dirichlet::new(vec![1.0, -1.0]).is_err());
        let d = Dirichlet::new(vec![1.0, 1.0]).unwrap();
        assert!(d.posterior(&[0, 2]).is_err());
        assert!(d.mode().is_err());
        assert!(Dirichlet::new(vec![0.5, 3.0]).unwrap().mode().is_err());
    }
}
