//! Emission models of the hidden Markov models: what a hidden state $k$ emits.
//!
//! - [`CategoricalEmission`]: a symbol $v \in \{0, \dots, M-1\}$ with probability $B_{kv}$;
//!   the M-step sets $B_{kv} = \sum_t \gamma_t(k) [o_t = v] / \sum_t \gamma_t(k)$.
//! - [`super::GaussianEmission`] (in [`super::gaussian`]): a vector $o \in \mathbb{R}^d$ from
//!   $\mathcal{N}(\mu_k, \Sigma_k)$ with diagonal, spherical, full or tied covariances.
//!
//! $\gamma_t(k)$ are the posterior state marginals of the E-step (see [`super::model`]).
//! Cost: $O(T K)$ per sequence (categorical).
//!
//! ```
//! use breadth_classic::hmm::{CategoricalEmission, Emission};
//! use ndarray::array;
//! let e = CategoricalEmission::new(array![[0.9, 0.1], [0.2, 0.8]]).unwrap();
//! let lp = e.log_prob(&vec![1, 0]);
//! assert!((lp[[0, 1]] - 0.8f64.ln()).abs() < 1e-15);
//! ```

use breadth_core::{Error, Result, Rng};
use ndarray::{Array1, Array2, ArrayView2};
use rand::Rng as _;
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
