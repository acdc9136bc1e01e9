//! Emission models of the hidden Markov models: what a hidden state $k$ emits.
//!
//! - [`CategoricalEmission`]: a symbol $v \in \{0, \dots, M-1\}$ with probability $B_{kv}$;
//!   the M-step sets $B_{kv} = \sum_t \gamma_t(k) [o_t = v] / \sum_t \gamma_t(k)$.
//! - [`GaussianEmission`]: a vector $o \in \mathbb{R}^d$ from
//!   $\mathcal{N}(\mu_k, \operatorname{diag}(\sigma^2_k))$; the M-step is hmmlearn's
//!   (`covariance_type="diag"`): $\mu_k = \sum_t \gamma_t(k) o_t / n_k$ and
//!   $\sigma^2_{kj} = \big(s + \sum_t \gamma_t(k)(o_{tj} - \mu_{kj})^2\big) / n_k$ with
//!   $n_k = \sum_t \gamma_t(k)$ and the prior pseudo-variance $s$ = `covars_prior`
//!   ($10^{-2}$ by default), which keeps a state that explains a single point from collapsing.
//!
//! $\gamma_t(k)$ are the posterior state marginals of the E-step (see [`super::model`]).
//! Cost: $O(T K)$ per sequence (categorical), $O(T K d)$ (Gaussian).
//!
//! ```
//! use breadth_classic::hmm::{CategoricalEmission, Emission};
//! use ndarray::array;
//! let e = CategoricalEmission::new(array![[0.9, 0.1], [0.2, 0.8]]).unwrap();
//! let lp = e.log_prob(&vec![1, 0]);
//! assert!((lp[[0, 1]] - 0.8f64.ln()).abs() < 1e-15);
//! ```

use breadth_core::{Error, Result, Rng};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// What the hidden states emit, and how to re-estimate it from posteriors.
pub trait Emission: Clone + std::fmt::Debug + Send + Sync + Serialize + DeserializeOwned {
    /// One observation sequence.
    type Seq: Sync;
    /// Sufficient statistics gathered by the E-step.
    type Stats: Send;
    /// Number of hidden states.
    fn n_states(&self) -> usize;
    /// Length of a sequence.
    fn seq_len(seq: &Self::Seq) -> usize;
    /// Refuse a sequence this model cannot score (`which` names it in the error).
    fn check(&self, seq: &Self::Seq, which: usize) -> Result<()>;
    /// $\log p(o_t \mid s_t = k)$, `T x K`.
    fn log_prob(&self, seq: &Self::Seq) -> Array2<f64>;
    /// Empty statistics.
    fn zero_stats(&self) -> Self::Stats;
    /// Add one sequence's statistics, given its posteriors `gamma` (`T x K`).
    fn accumulate(&self, stats: &mut Self::Stats, seq: &Self::Seq, gamma: ArrayView2<'_, f64>);
    /// Add `other` into `stats`.
    fn merge(stats: &mut Self::Stats, other: Self::Stats);
    /// Re-estimate from the statistics.
    fn m_step(&mut self, stats: &Self::Stats);
    /// Draw one sequence of observations for the given hidden states.
    fn sample(&self, states: &[usize], rng: &mut Rng) -> Self::Seq;
    /// A random starting point for Baum-Welch with `k` states, from the training sequences.
    fn random_init(seqs: &[Self::Seq], k: usize, rng: &mut Rng) -> Result<Self>;
}

/// Probability rows that are finite, non-negative and sum to one.
pub(crate) fn check_stochastic(name: &str, m: ArrayView2<'_, f64>) -> Result<()> {
    for (i, row) in m.outer_iter().enumerate() {
        let s: f64 = row.sum();
        if row.iter().any(|p| !(p.is_finite() && *p >= 0.0)) || (s - 1.0).abs() > 1e-8 {
            return Err(Error::param(
                name,
                format!("row {i} must hold probabilities summing to 1 (sums to {s})"),
            ));
        }
    }
    Ok(())
}

/// Normalize each row of `counts` into `target`, keeping the old row where nothing was counted.
pub(crate) fn normalize_rows_into(target: &mut Array2<f64>, counts: &Array2<f64>) {
    for (mut row, c) in target.outer_iter_mut().zip(counts.outer_iter()) {
        let s = c.sum();
        if s > 0.0 {
            row.assign(&(&c / s));
        }
    }
}

/// A random probability row of length `n`, bounded away from zero.
pub(crate) fn random_row(n: usize, rng: &mut Rng) -> Array1<f64> {
    let r: Array1<f64> = (0..n).map(|_| 0.1 + rng.random::<f64>()).collect();
    let s = r.sum();
    r / s
}

/// Symbols $0 .. M-1$ emitted with probabilities $B$ (`K x M`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalEmission {
    probs: Array2<f64>,
}

impl CategoricalEmission {
    /// From the emission matrix $B$ (`K x M`, rows summing to one).
    pub fn new(probs: Array2<f64>) -> Result<Self> {
        if probs.is_empty() {
            return Err(Error::param(
                "emissionprob",
                "needs at least one state and one symbol",
            ));
        }
        check_stochastic("emissionprob", probs.view())?;
        Ok(CategoricalEmission { probs })
    }

    /// The emission matrix $B$.
    pub fn probs(&self) -> &Array2<f64> {
        &self.probs
    }

    /// Number of symbols $M$.
    pub fn n_symbols(&self) -> usize {
        self.probs.ncols()
    }
}

impl Emission for CategoricalEmission {
    type Seq = Vec<usize>;
    type Stats = Array2<f64>;

    fn n_states(&self) -> usize {
        self.probs.nrows()
    }
    fn seq_len(seq: &Vec<usize>) -> usize {
        seq.len()
    }
    fn check(&self, seq: &Vec<usize>, which: usize) -> Result<()> {
        match seq.iter().position(|&s| s >= self.n_symbols()) {
            Some(t) => Err(Error::UnknownLabel {
                label: seq[t].to_string(),
                what: format!("sequence {which}, step {t}"),
                known: format!("symbols 0..{}", self.n_symbols()),
            }),
            None => Ok(()),
        }
    }
    fn log_prob(&self, seq: &Vec<usize>) -> Array2<f64> {
        let logp = self.probs.mapv(f64::ln);
        Array2::from_shape_fn((seq.len(), self.n_states()), |(t, k)| logp[[k, seq[t]]])
    }
    fn zero_stats(&self) -> Array2<f64> {
        Array2::zeros(self.probs.dim())
    }
    fn accumulate(&self, stats: &mut Array2<f64>, seq: &Vec<usize>, gamma: ArrayView2<'_, f64>) {
        for (&s, g) in seq.iter().zip(gamma.outer_iter()) {
            stats.column_mut(s).scaled_add(1.0, &g);
        }
    }
    fn merge(stats: &mut Array2<f64>, other: Array2<f64>) {
        *stats += &other;
    }
    fn m_step(&mut self, stats: &Array2<f64>) {
        normalize_rows_into(&mut self.probs, stats);
    }
    fn sample(&self, states: &[usize], rng: &mut Rng) -> Vec<usize> {
        states
            .iter()
            .map(|&k| draw(self.probs.row(k).as_slice().expect("row"), rng))
            .collect()
    }
    fn random_init(seqs: &[Vec<usize>], k: usize, rng: &mut Rng) -> Result<Self> {
        let m = seqs.iter().flatten().max().map_or(0, |&s| s + 1);
        let mut probs = Array2::zeros((k, m));
        for mut row in probs.outer_iter_mut() {
            row.assign(&random_row(m, rng));
        }
        CategoricalEmission::new(probs)
    }
}

/// Draw an index from a probability row.
pub(crate) fn draw(p: &[f64], rng: &mut Rng) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, &pi) in p.iter().enumerate() {
        acc += pi;
        if u < acc {
            return i;
        }
    }
    // Rounding left the cumulative sum a hair under 1: take the last state with mass.
    p.iter().rposition(|&pi| pi > 0.0).unwrap_or(0)
}

/// Normal emissions with diagonal covariances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianEmission {
    means: Array2<f64>,
    covars: Array2<f64>,
    covars_prior: f64,
}

/// Statistics of [`GaussianEmission`]: $n_k$, $\sum_t \gamma_t(k) o_t$, $\sum_t \gamma_t(k) o_t^2$.
#[derive(Debug, Clone)]
pub struct GaussianStats {
    post: Array1<f64>,
    obs: Array2<f64>,
    obs2: Array2<f64>,
}

impl GaussianEmission {
    /// From means and variances (both `K x d`, variances > 0).
    pub fn new(means: Array2<f64>, covars: Array2<f64>) -> Result<Self> {
        if means.is_empty() || means.dim() != covars.dim() {
            return Err(Error::shape(
                "gaussian emission means and variances",
                format!("{:?} (non-empty)", means.dim()),
                format!("{:?}", covars.dim()),
            ));
        }
        if means.iter().any(|v| !v.is_finite())
            || covars.iter().any(|v| !(v.is_finite() && *v > 0.0))
        {
            return Err(Error::param(
                "covars",
                "means must be finite and variances finite and > 0",
            ));
        }
        Ok(GaussianEmission {
            means,
            covars,
            covars_prior: 1e-2,
        })
    }

    /// Set the prior pseudo-variance $s$ of the M-step (hmmlearn's `covars_prior`).
    pub fn with_covars_prior(mut self, s: f64) -> Result<Self> {
        breadth_core::validate::non_negative("covars_prior", s)?;
        self.covars_prior = s;
        Ok(self)
    }

    /// Means $\mu$ (`K x d`).
    pub fn means(&self) -> &Array2<f64> {
        &self.means
    }

    /// Variances $\sigma^2$ (`K x d`).
    pub fn covars(&self) -> &Array2<f64> {
        &self.covars
    }
}

impl Emission for GaussianEmission {
    type Seq = Array2<f64>;
    type Stats = GaussianStats;

    fn n_states(&self) -> usize {
        self.means.nrows()
    }
    fn seq_len(seq: &Array2<f64>) -> usize {
        seq.nrows()
    }
    fn check(&self, seq: &Array2<f64>, which: usize) -> Result<()> {
        if seq.ncols() != self.means.ncols() {
            return Err(Error::shape(
                format!("features of sequence {which}"),
                self.means.ncols(),
                seq.ncols(),
            ));
        }
        breadth_core::validate::check_finite(seq.view(), &format!("sequence {which}"))
    }
    fn log_prob(&self, seq: &Array2<f64>) -> Array2<f64> {
        let (k, d) = self.means.dim();
        let inv = self.covars.mapv(f64::recip);
        let consts: Vec<f64> = self
            .covars
            .outer_iter()
            .map(|c| -0.5 * (d as f64 * (2.0 * std::f64::consts::PI).ln() + c.mapv(f64::ln).sum()))
            .collect();
        let mut out = Array2::zeros((seq.nrows(), k));
        for (o, mut row) in seq.outer_iter().zip(out.outer_iter_mut()) {
            for s in 0..k {
                let (mu, iv) = (self.means.row(s), inv.row(s));
                let quad: f64 = (0..d)
                    .map(|j| (o[j] - mu[j]) * (o[j] - mu[j]) * iv[j])
                    .sum();
                row[s] = consts[s] - 0.5 * quad;
            }
        }
        out
    }
    fn zero_stats(&self) -> GaussianStats {
        GaussianStats {
            post: Array1::zeros(self.means.nrows()),
            obs: Array2::zeros(self.means.dim()),
            obs2: Array2::zeros(self.means.dim()),
        }
    }
    fn accumulate(&self, stats: &mut GaussianStats, seq: &Array2<f64>, gamma: ArrayView2<'_, f64>) {
        stats.post += &gamma.sum_axis(Axis(0));
        stats.obs += &gamma.t().dot(seq);
        stats.obs2 += &gamma.t().dot(&seq.mapv(|v| v * v));
    }
    fn merge(stats: &mut GaussianStats, other: GaussianStats) {
        stats.post += &other.post;
        stats.obs += &other.obs;
        stats.obs2 += &other.obs2;
    }
    fn m_step(&mut self, st: &GaussianStats) {
        for s in 0..self.n_states() {
            let n = st.post[s];
            if n <= 0.0 {
                continue;
            }
            let mu = &st.obs.row(s) / n;
            let c_n = &st.obs2.row(s) - &(&mu * &st.obs.row(s) * 2.0) + &(&mu * &mu * n);
            self.covars
                .row_mut(s)
                .assign(&((c_n + self.covars_prior) / n.max(1e-5)));
            self.means.row_mut(s).assign(&mu);
        }
    }
    fn sample(&self, states: &[usize], rng: &mut Rng) -> Array2<f64> {
        let d = self.means.ncols();
        Array2::from_shape_fn((states.len(), d), |(t, j)| {
            let z: f64 = StandardNormal.sample(rng);
            self.means[[states[t], j]] + z * self.covars[[states[t], j]].sqrt()
        })
    }
    fn random_init(seqs: &[Array2<f64>], k: usize, rng: &mut Rng) -> Result<Self> {
        let views: Vec<ArrayView2<'_, f64>> = seqs.iter().map(|s| s.view()).collect();
        let all = ndarray::concatenate(Axis(0), &views).map_err(|_| {
            Error::param(
                "sequences",
                "all sequences need the same number of features",
            )
        })?;
        if all.nrows() < k {
            return Err(Error::param(
                "n_states",
                format!(
                    "{k} states need at least {k} observations, got {}",
                    all.nrows()
                ),
            ));
        }
        // Means at k distinct random observations; variances those of all the data (hmmlearn
        // also starts every state at the data's variance plus `min_covar` = 1e-3).
        let picks = rand::seq::index::sample(rng, all.nrows(), k).into_vec();
        let means = all.select(Axis(0), &picks);
        let var = all.var_axis(Axis(0), 0.0) + 1e-3;
        let covars = Array2::from_shape_fn((k, all.ncols()), |(_, j)| var[j]);
        GaussianEmission::new(means, covars)
    }
}
