//! Hidden Markov models: scoring, decoding, sampling and Baum-Welch training.
//!
//! A model has $K$ hidden states with initial probabilities $\pi$, transitions
//! $A_{ij} = P(s_{t+1} = j \mid s_t = i)$ and emissions $b_k(o) = p(o \mid s = k)$ (see
//! [`super::emission`]). For a sequence $o_{1..T}$:
//!
//! - **forward-backward**, scaled (Rabiner's normalization): with
//!   $\tilde b_t(k) = b_k(o_t) / \max_{k'} b_{k'}(o_t)$ (computed from log-densities, so huge or
//!   tiny Gaussian densities cannot overflow),
//!   $\hat\alpha_t = c_t^{-1} (\hat\alpha_{t-1} A) \circ \tilde b_t$ with $c_t$ making
//!   $\hat\alpha_t$ sum to one, and
//!   $\hat\beta_t = c_{t+1}^{-1} A (\tilde b_{t+1} \circ \hat\beta_{t+1})$. Then
//!   $\log p(o_{1..T}) = \sum_t \big(\log c_t + \log \max_k b_k(o_t)\big)$, the posterior marginals are
//!   $\gamma_t = \hat\alpha_t \circ \hat\beta_t$ (each row sums to one) and the expected
//!   transitions $\xi_t(i, j) = \hat\alpha_t(i) A_{ij} \tilde b_{t+1}(j) \hat\beta_{t+1}(j) / c_{t+1}$.
//!   Every quantity stays in $[0, 1]$, so sequences of any length run without underflow;
//! - **Viterbi**, in log space: $\delta_t(j) = \max_i [\delta_{t-1}(i) + \log A_{ij}] + \log b_j(o_t)$,
//!   ties broken towards the lowest state (as hmmlearn's argmax);
//! - **Baum-Welch** (EM): the E-step runs forward-backward on every sequence (in parallel,
//!   reduced in a fixed order so results do not depend on the thread count), the M-step sets
//!   $\pi \propto \sum \gamma_1$, $A_{ij} \propto \sum_t \xi_t(i, j)$ and re-estimates the
//!   emissions. It stops after `n_iter` iterations or when the log-likelihood gains less than
//!   `tol` (hmmlearn's rule), and with `n_init > 1` restarts from seeded random starts and keeps
//!   the best model.
//!
//! Cost: $O(T K^2)$ per sequence for forward-backward and Viterbi, memory $O(T K)$.
//! Reference: L. R. Rabiner, *A tutorial on hidden Markov models and selected applications in
//! speech recognition*, Proc. IEEE 77(2), 1989.
//!
//! ```
//! use breadth_classic::hmm::{CategoricalEmission, Hmm};
//! use ndarray::array;
//! let hmm = Hmm::new(
//!     array![0.5, 0.5],
//!     array![[0.9, 0.1], [0.1, 0.9]],
//!     CategoricalEmission::new(array![[0.95, 0.05], [0.05, 0.95]]).unwrap(),
//! ).unwrap();
//! let (_, path) = hmm.viterbi(&vec![0, 0, 1, 1, 1]).unwrap();
//! assert_eq!(path, vec![0, 0, 1, 1, 1]);
//! let post = hmm.posteriors(&vec![0, 0, 1, 1, 1]).unwrap();
//! assert!((post.row(2).sum() - 1.0).abs() < 1e-12);
//! ```

use breadth_core::{seeded_rng, Error, Result};
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::emission::{check_stochastic, draw, normalize_rows_into, random_row, Emission};

/// A hidden Markov model with emissions `E`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Hmm<E: Emission> {
    startprob: Array1<f64>,
    transmat: Array2<f64>,
    emission: E,
}

/// What forward-backward returns for one sequence.
struct Posterior {
    log_likelihood: f64,
    gamma: Array2<f64>,
    xi_sum: Array2<f64>,
}

impl<E: Emission> Hmm<E> {
    /// A model from its parameters, checked: $\pi$ and the rows of $A$ are probability
    /// vectors, and the sizes agree with the emission's number of states.
    pub fn new(startprob: Array1<f64>, transmat: Array2<f64>, emission: E) -> Result<Self> {
        let k = emission.n_states();
        if startprob.len() != k || transmat.dim() != (k, k) {
            return Err(Error::shape(
                "HMM start probabilities / transition matrix against the emission's states",
                k,
                format!("{} / {:?}", startprob.len(), transmat.dim()),
            ));
        }
        check_stochastic("startprob", startprob.view().insert_axis(ndarray::Axis(0)))?;
        check_stochastic("transmat", transmat.view())?;
        Ok(Hmm {
            startprob,
            transmat,
            emission,
        })
    }

    /// Initial state probabilities $\pi$.
    pub fn startprob(&self) -> &Array1<f64> {
        &self.startprob
    }
    /// Transition matrix $A$.
    pub fn transmat(&self) -> &Array2<f64> {
        &self.transmat
    }
    /// The emission model.
    pub fn emission(&self) -> &E {
        &self.emission
    }
    /// Number of hidden states.
    pub fn n_states(&self) -> usize {
        self.startprob.len()
    }

    fn check(&self, seq: &E::Seq, which: usize) -> Result<()> {
        if E::seq_len(seq) == 0 {
            return Err(Error::EmptyInput {
                what: format!("sequence {which}"),
                detail: "no observations".into(),
            });
        }
        self.emission.check(seq, which)
    }

    /// $\log p(o_{1..T})$ of one sequence.
    pub fn log_likelihood(&self, seq: &E::Seq) -> Result<f64> {
        self.check(seq, 0)?;
        Ok(self.forward_backward(seq, false)?.log_likelihood)
    }

    /// Total log-likelihood of several sequences.
    pub fn score(&self, seqs: &[E::Seq]) -> Result<f64> {
        check_sequences(self, seqs)?;
        let lls: Result<Vec<f64>> = seqs
            .par_iter()
            .map(|s| Ok(self.forward_backward(s, false)?.log_likelihood))
            .collect();
        Ok(lls?.iter().sum())
    }

    /// Posterior state marginals $\gamma_t(k) = P(s_t = k \mid o_{1..T})$, `T x K`.
    pub fn posteriors(&self, seq: &E::Seq) -> Result<Array2<f64>> {
        self.check(seq, 0)?;
        Ok(self.forward_backward(seq, false)?.gamma)
    }

    /// The most probable state path and its joint log-probability $\log p(o, s)$.
    pub fn viterbi(&self, seq: &E::Seq) -> Result<(f64, Vec<usize>)> {
        self.check(seq, 0)?;
        let logb = self.emission.log_prob(seq);
        let (t_len, k) = logb.dim();
        let log_a = self.transmat.mapv(f64::ln);
        let mut delta: Array1<f64> = &self.startprob.mapv(f64::ln) + &logb.row(0);
        let mut back = Array2::<u32>::zeros((t_len, k));
        let mut next = Array1::zeros(k);
        for t in 1..t_len {
            for j in 0..k {
                let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
                for i in 0..k {
                    let v = delta[i] + log_a[[i, j]];
                    if v > best {
                        (best, arg) = (v, i);
                    }
                }
                next[j] = best + logb[[t, j]];
                back[[t, j]] = arg as u32;
            }
            std::mem::swap(&mut delta, &mut next);
        }
        let last = crate::neighbors::knn::argmax(delta.as_slice().expect("contiguous"));
        let logprob = delta[last];
        if logprob == f64::NEG_INFINITY {
            return Err(impossible(0));
        }
        let mut path = vec![last; t_len];
        for t in (1..t_len).rev() {
            path[t - 1] = back[[t, path[t]]] as usize;
        }
        Ok((logprob, path))
    }

    /// Draw a sequence of `n` steps: `(observations, hidden states)`.
    pub fn sample(&self, n: usize, seed: u64) -> (E::Seq, Vec<usize>) {
        let mut rng = seeded_rng(seed);
        let mut states = Vec::with_capacity(n);
        if n > 0 {
            states.push(draw(
                self.startprob.as_slice().expect("contiguous"),
                &mut rng,
            ));
        }
        for t in 1..n {
            let row = self.transmat.row(states[t - 1]);
            states.push(draw(row.as_slice().expect("row"), &mut rng));
        }
        let obs = self.emission.sample(&states, &mut rng);
        (obs, states)
    }

    /// Scaled forward-backward (see the module docs); `xi_sum` only when `want_xi`.
    fn forward_backward(&self, seq: &E::Seq, want_xi: bool) -> Result<Posterior> {
        let mut b = self.emission.log_prob(seq);
        let (t_len, k) = b.dim();
        let a = &self.transmat;
        let mut log_likelihood = 0.0;
        // Scale each step's densities by their maximum, accumulating the log of the scale.
        for (t, mut row) in b.outer_iter_mut().enumerate() {
            let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !m.is_finite() {
                return Err(impossible(t));
            }
            row.mapv_inplace(|v| (v - m).exp());
            log_likelihood += m;
        }
        let mut alpha = Array2::zeros((t_len, k));
        let mut c = Array1::zeros(t_len);
        for t in 0..t_len {
            for j in 0..k {
                let prior = if t == 0 {
                    self.startprob[j]
                } else {
                    (0..k).map(|i| alpha[[t - 1, i]] * a[[i, j]]).sum()
                };
                alpha[[t, j]] = prior * b[[t, j]];
            }
            let s: f64 = alpha.row(t).sum();
            if s.is_nan() || s <= 0.0 {
                return Err(impossible(t));
            }
            alpha.row_mut(t).mapv_inplace(|v| v / s);
            c[t] = s;
            log_likelihood += s.ln();
        }
        let mut beta = Array2::zeros((t_len, k));
        beta.row_mut(t_len - 1).fill(1.0);
        let mut xi_sum = Array2::zeros((k, k));
        let mut w = vec![0.0; k];
        for t in (0..t_len - 1).rev() {
            for j in 0..k {
                w[j] = b[[t + 1, j]] * beta[[t + 1, j]] / c[t + 1];
            }
            for i in 0..k {
                beta[[t, i]] = (0..k).map(|j| a[[i, j]] * w[j]).sum();
                if want_xi {
                    for j in 0..k {
                        xi_sum[[i, j]] += alpha[[t, i]] * a[[i, j]] * w[j];
                    }
                }
            }
        }
        let mut gamma = alpha * beta;
        for mut row in gamma.outer_iter_mut() {
            let s = row.sum();
            row.mapv_inplace(|v| v / s);
        }
        Ok(Posterior {
            log_likelihood,
            gamma,
            xi_sum,
        })
    }
}

fn impossible(t: usize) -> Error {
    Error::numerical(
        "HMM forward pass",
        format!("the observation at step {t} has probability zero under every state path"),
    )
}

fn check_sequences<E: Emission>(hmm: &Hmm<E>, seqs: &[E::Seq]) -> Result<()> {
    if seqs.is_empty() {
        return Err(Error::EmptyInput {
            what: "sequences".into(),
            detail: "no sequence given".into(),
        });
    }
    seqs.iter()
        .enumerate()
        .try_for_each(|(i, s)| hmm.check(s, i))
}

/// Baum-Welch (EM) training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BaumWelch {
    /// Hidden states of a model started at random (ignored by [`BaumWelch::fit_from`]).
    pub n_states: usize,
    /// Maximum EM iterations.
    pub n_iter: usize,
    /// Stop when the log-likelihood gains less than this.
    pub tol: f64,
    /// Random restarts; the model with the best final log-likelihood is kept.
    pub n_init: usize,
    /// Seed of the random starts.
    pub seed: u64,
}

impl Default for BaumWelch {
    fn default() -> Self {
        BaumWelch {
            n_states: 2,
            n_iter: 100,
            tol: 1e-2,
            n_init: 1,
            seed: 0,
        }
    }
}

/// How a Baum-Welch run went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Log-likelihood at the start of each iteration (before its M-step), as hmmlearn's
    /// `monitor_.history`.
    pub history: Vec<f64>,
    /// True when it stopped on `tol` rather than on `n_iter`.
    pub converged: bool,
    /// Log-likelihood of the returned model.
    pub log_likelihood: f64,
}

impl BaumWelch {
    /// Set the number of states.
    pub fn n_states(mut self, k: usize) -> Self {
        self.n_states = k;
        self
    }
    /// Set the maximum number of iterations.
    pub fn n_iter(mut self, n: usize) -> Self {
        self.n_iter = n;
        self
    }
    /// Set the tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Set the number of random restarts.
    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.n_iter == 0 {
            return Err(Error::param("n_iter", "must be at least 1"));
        }
        if self.tol.is_nan() {
            return Err(Error::param("tol", "must be a number"));
        }
        Ok(())
    }

    /// Train from `n_init` seeded random starts (see [`Emission::random_init`]) and keep the
    /// model with the highest log-likelihood.
    pub fn fit<E: Emission>(&self, seqs: &[E::Seq]) -> Result<(Hmm<E>, FitReport)> {
        self.fit_with(seqs, E::random_init)
    }

    /// As [`BaumWelch::fit`], with the emissions of each random start drawn by `init` (for
    /// example [`crate::hmm::GaussianEmission::random_init_with`] for another covariance type).
    pub fn fit_with<E: Emission>(
        &self,
        seqs: &[E::Seq],
        init: impl Fn(&[E::Seq], usize, &mut breadth_core::Rng) -> Result<E>,
    ) -> Result<(Hmm<E>, FitReport)> {
        self.validate()?;
        if self.n_states == 0 || self.n_init == 0 {
            return Err(Error::param("n_states / n_init", "must be at least 1"));
        }
        if seqs.is_empty() {
            return Err(Error::EmptyInput {
                what: "sequences".into(),
                detail: "no sequence given".into(),
            });
        }
        let k = self.n_states;
        let mut best: Option<(Hmm<E>, FitReport)> = None;
        for seed in breadth_core::rng::child_seeds(self.seed, self.n_init) {
            let mut rng = seeded_rng(seed);
            let emission = init(seqs, k, &mut rng)?;
            let mut transmat = Array2::zeros((k, k));
            for mut row in transmat.outer_iter_mut() {
                // Half uniform, half random: every transition possible, symmetry broken.
                row.assign(&((random_row(k, &mut rng) + 1.0 / k as f64) / 2.0));
            }
            let start = Hmm::new(Array1::from_elem(k, 1.0 / k as f64), transmat, emission)?;
            let fitted = self.fit_from(start, seqs)?;
            if best
                .as_ref()
                .is_none_or(|b| fitted.1.log_likelihood > b.1.log_likelihood)
            {
                best = Some(fitted);
            }
        }
        Ok(best.expect("n_init >= 1"))
    }

    /// Train from the given model.
    pub fn fit_from<E: Emission>(
        &self,
        mut hmm: Hmm<E>,
        seqs: &[E::Seq],
    ) -> Result<(Hmm<E>, FitReport)> {
        self.validate()?;
        check_sequences(&hmm, seqs)?;
        let k = hmm.n_states();
        let mut history = Vec::new();
        let mut converged = false;
        for _ in 0..self.n_iter {
            let parts: Result<Vec<(f64, Array1<f64>, Array2<f64>, E::Stats)>> = seqs
                .par_iter()
                .map(|s| {
                    let p = hmm.forward_backward(s, true)?;
                    let mut st = hmm.emission.zero_stats();
                    hmm.emission.accumulate(&mut st, s, p.gamma.view());
                    Ok((p.log_likelihood, p.gamma.row(0).to_owned(), p.xi_sum, st))
                })
                .collect();
            let mut ll = 0.0;
            let mut start = Array1::zeros(k);
            let mut trans = Array2::zeros((k, k));
            let mut stats = hmm.emission.zero_stats();
            for (l, g0, xi, st) in parts? {
                ll += l;
                start += &g0;
                trans += &xi;
                E::merge(&mut stats, st);
            }
            let stop = history
                .last()
                .is_some_and(|&prev: &f64| ll - prev < self.tol);
            history.push(ll);
            let total = start.sum();
            hmm.startprob = start / total;
            normalize_rows_into(&mut hmm.transmat, &trans);
            hmm.emission.m_step(&stats);
            if stop {
                converged = true;
                break;
            }
        }
        let log_likelihood = hmm.score(seqs)?;
        Ok((
            hmm,
            FitReport {
                history,
                converged,
                log_likelihood,
            },
        ))
    }
}

/// Posterior marginals from the log-space forward-backward: the slow, obviously correct
/// version the scaled one is tested against.
#[cfg(test)]
pub(crate) fn log_space_posteriors<E: Emission>(hmm: &Hmm<E>, seq: &E::Seq) -> (f64, Array2<f64>) {
    fn lse(v: impl Iterator<Item = f64>) -> f64 {
        let v: Vec<f64> = v.collect();
        let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
    }
    let logb = hmm.emission.log_prob(seq);
    let (t_len, k) = logb.dim();
    let la = hmm.transmat.mapv(f64::ln);
    let mut fwd = Array2::zeros((t_len, k));
    let mut bwd = Array2::zeros((t_len, k));
    for j in 0..k {
        fwd[[0, j]] = hmm.startprob[j].ln() + logb[[0, j]];
    }
    for t in 1..t_len {
        for j in 0..k {
            fwd[[t, j]] = lse((0..k).map(|i| fwd[[t - 1, i]] + la[[i, j]])) + logb[[t, j]];
        }
    }
    for t in (0..t_len - 1).rev() {
        for i in 0..k {
            bwd[[t, i]] = lse((0..k).map(|j| la[[i, j]] + logb[[t + 1, j]] + bwd[[t + 1, j]]));
        }
    }
    let ll = lse(fwd.row(t_len - 1).iter().copied());
    (ll, (fwd + bwd - ll).mapv(f64::exp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hmm::{CategoricalEmission, CovarianceType, GaussianEmission};
    use crate::neighbors::testing::{arr1, arr2, fixture, usizes};
    use serde_json::Value;

    fn categorical(v: &Value) -> Hmm<CategoricalEmission> {
        Hmm::new(
            arr1(&v["startprob"]),
            arr2(&v["transmat"]),
            CategoricalEmission::new(arr2(&v["emissionprob"])).unwrap(),
        )
        .unwrap()
    }

    fn gaussian(v: &Value) -> Hmm<GaussianEmission> {
        Hmm::new(
            arr1(&v["startprob"]),
            arr2(&v["transmat"]),
            GaussianEmission::new(arr2(&v["means"]), arr2(&v["covars"])).unwrap(),
        )
        .unwrap()
    }

    fn close(a: f64, b: f64, tol: f64, what: &str) {
        assert!((a - b).abs() <= tol * (1.0 + b.abs()), "{what}: {a} vs {b}");
    }

    fn max_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
        (a - b).iter().fold(0.0, |m, d| m.max(d.abs()))
    }

    /// Scores, Viterbi paths and marginals against the fixture for fixed parameters.
    fn check_inference<E: Emission>(hmm: &Hmm<E>, seqs: &[E::Seq], f: &Value, what: &str) {
        close(
            hmm.score(seqs).unwrap(),
            f["score"].as_f64().unwrap(),
            1e-10,
            what,
        );
        for (i, (s, want)) in seqs
            .iter()
            .zip(f["sequences"].as_array().unwrap())
            .enumerate()
        {
            close(
                hmm.log_likelihood(s).unwrap(),
                want["loglik"].as_f64().unwrap(),
                1e-10,
                what,
            );
            let (lp, path) = hmm.viterbi(s).unwrap();
            assert_eq!(
                path,
                usizes(&want["viterbi"]),
                "{what}: Viterbi path of sequence {i}"
            );
            close(lp, want["viterbi_logprob"].as_f64().unwrap(), 1e-10, what);
            let post = hmm.posteriors(s).unwrap();
            assert!(
                max_diff(&post, &arr2(&want["posteriors"])) < 1e-9,
                "{what}: posteriors {i}"
            );
        }
    }

    /// Fixture: reference/hmm.py (hmmlearn 0.3.3).
    #[test]
    fn categorical_matches_hmmlearn() {
        let f = fixture("hmm/hmm.json");
        let f = &f["categorical"];
        let seqs: Vec<Vec<usize>> = serde_json::from_value(f["data"].clone()).unwrap();
        check_inference(&categorical(&f["true"]), &seqs, f, "categorical");
        let n_iter = 15;
        let bw = BaumWelch::default().n_iter(n_iter).tol(f64::NEG_INFINITY);
        let (m, report) = bw.fit_from(categorical(&f["em_start"]), &seqs).unwrap();
        let want = &f["em_result"];
        close(
            report.log_likelihood,
            want["score"].as_f64().unwrap(),
            1e-8,
            "EM score",
        );
        for (a, b) in report
            .history
            .iter()
            .zip(want["history"].as_array().unwrap())
        {
            close(*a, b.as_f64().unwrap(), 1e-8, "EM history");
        }
        assert!(max_diff(m.transmat(), &arr2(&want["transmat"])) < 1e-7);
        assert!(max_diff(m.emission().probs(), &arr2(&want["emissionprob"])) < 1e-7);
    }

    /// Fixture: reference/hmm.py (hmmlearn 0.3.3, covariance_type="diag").
    #[test]
    fn gaussian_matches_hmmlearn() {
        let f = fixture("hmm/hmm.json");
        let f = &f["gaussian"];
        let seqs: Vec<Array2<f64>> = f["data"].as_array().unwrap().iter().map(arr2).collect();
        check_inference(&gaussian(&f["true"]), &seqs, f, "gaussian");
        let bw = BaumWelch::default().n_iter(15).tol(f64::NEG_INFINITY);
        let (m, report) = bw.fit_from(gaussian(&f["em_start"]), &seqs).unwrap();
        let want = &f["em_result"];
        close(
            report.log_likelihood,
            want["score"].as_f64().unwrap(),
            1e-8,
            "EM score",
        );
        assert!(max_diff(m.emission().means(), &arr2(&want["means"])) < 1e-6);
        assert!(max_diff(&m.emission().covars(), &arr2(&want["covars"])) < 1e-6);
    }

    fn arr3(v: &Value) -> ndarray::Array3<f64> {
        let mats: Vec<Array2<f64>> = v.as_array().unwrap().iter().map(arr2).collect();
        let views: Vec<_> = mats.iter().map(|m| m.view()).collect();
        ndarray::stack(ndarray::Axis(0), &views).unwrap()
    }

    fn gaussian_of(kind: CovarianceType, v: &Value) -> Hmm<GaussianEmission> {
        let means = arr2(&v["means"]);
        let e = match kind {
            CovarianceType::Full => GaussianEmission::full(means, arr3(&v["covars"])),
            CovarianceType::Tied => GaussianEmission::tied(means, arr2(&v["covars"])),
            CovarianceType::Spherical => GaussianEmission::spherical(means, arr1(&v["covars"])),
            CovarianceType::Diag => GaussianEmission::new(means, arr2(&v["covars"])),
        };
        Hmm::new(arr1(&v["startprob"]), arr2(&v["transmat"]), e.unwrap()).unwrap()
    }

    /// Fixture: reference/hmm.py (hmmlearn 0.3.3, covariance_type full / tied / spherical):
    /// scores, Viterbi paths and marginals of fixed models, and 15 Baum-Welch iterations from
    /// the same start (log-likelihood history, means and covariance matrices).
    #[test]
    fn gaussian_covariance_types_match_hmmlearn() {
        let f = fixture("hmm/hmm.json");
        for (key, kind) in [
            ("full", CovarianceType::Full),
            ("tied", CovarianceType::Tied),
            ("spherical", CovarianceType::Spherical),
        ] {
            let f = &f[key];
            let seqs: Vec<Array2<f64>> = f["data"].as_array().unwrap().iter().map(arr2).collect();
            check_inference(&gaussian_of(kind, &f["true"]), &seqs, f, key);
            let bw = BaumWelch::default().n_iter(15).tol(f64::NEG_INFINITY);
            let (m, report) = bw
                .fit_from(gaussian_of(kind, &f["em_start"]), &seqs)
                .unwrap();
            let want = &f["em_result"];
            close(
                report.log_likelihood,
                want["score"].as_f64().unwrap(),
                1e-8,
                key,
            );
            let history = want["history"].as_array().unwrap();
            assert_eq!(report.history.len(), history.len());
            for (a, b) in report.history.iter().zip(history) {
                close(*a, b.as_f64().unwrap(), 1e-8, key);
            }
            assert!(
                max_diff(m.transmat(), &arr2(&want["transmat"])) < 1e-6,
                "{key}"
            );
            assert!(
                max_diff(m.emission().means(), &arr2(&want["means"])) < 1e-6,
                "{key}"
            );
            let cov = m.emission().covariances();
            let want_cov = arr3(&want["covars_full"]);
            let d = (&cov - &want_cov)
                .iter()
                .fold(0.0f64, |a, v| a.max(v.abs()));
            assert!(d < 1e-6, "{key}: covariances differ by {d}");
        }
    }

    #[test]
    fn covariance_types_train_from_random_starts_and_refuse_bad_matrices() {
        let f = fixture("hmm/hmm.json");
        let truth = gaussian_of(CovarianceType::Full, &f["full"]["true"]);
        let seqs: Vec<Array2<f64>> = (0..6).map(|i| truth.sample(120, i).0).collect();
        let truth_ll = truth.score(&seqs).unwrap();
        for kind in [
            CovarianceType::Full,
            CovarianceType::Tied,
            CovarianceType::Spherical,
        ] {
            let bw = BaumWelch::default().n_states(3).n_init(2).seed(3);
            let init = |s: &[Array2<f64>], k, rng: &mut breadth_core::Rng| {
                GaussianEmission::random_init_with(s, k, kind, rng)
            };
            let (m, report) = bw.fit_with(&seqs, init).unwrap();
            assert_eq!(m.emission().covariance_type(), kind);
            assert!(
                report.history.windows(2).all(|w| w[1] >= w[0] - 1e-6),
                "{kind:?}"
            );
            if kind == CovarianceType::Full {
                assert!(
                    report.log_likelihood > truth_ll - 15.0,
                    "{} vs {truth_ll}",
                    report.log_likelihood
                );
            }
        }
        let means = ndarray::array![[0.0, 0.0]];
        let not_spd = ndarray::array![[[1.0, 2.0], [2.0, 1.0]]];
        assert!(GaussianEmission::full(means.clone(), not_spd).is_err());
        let asym = ndarray::array![[1.0, 0.5], [0.0, 1.0]];
        assert!(GaussianEmission::tied(means.clone(), asym).is_err());
        assert!(GaussianEmission::spherical(means.clone(), ndarray::array![0.0]).is_err());
        assert!(GaussianEmission::spherical(means, ndarray::array![1.0, 1.0]).is_err());
        let bytes = breadth_core::model_file::to_bytes("hmm", &truth).unwrap();
        let back: Hmm<GaussianEmission> =
            breadth_core::model_file::from_bytes(&bytes, "hmm", "<t>").unwrap();
        assert_eq!(back, truth);
    }

    #[test]
    fn long_sequences_do_not_underflow_and_match_log_space() {
        let f = fixture("hmm/hmm.json");
        let hmm = gaussian(&f["gaussian"]["true"]);
        let (obs, _) = hmm.sample(100_000, 5);
        let post = hmm.posteriors(&obs).unwrap();
        assert!(post
            .rows()
            .into_iter()
            .all(|r| (r.sum() - 1.0).abs() < 1e-12));
        let ll = hmm.log_likelihood(&obs).unwrap();
        assert!(ll.is_finite() && ll < -1e5, "{ll}");
        let (short, _) = hmm.sample(3_000, 6);
        let (ll_log, post_log) = log_space_posteriors(&hmm, &short);
        close(
            hmm.log_likelihood(&short).unwrap(),
            ll_log,
            1e-11,
            "scaled vs log space",
        );
        assert!(max_diff(&hmm.posteriors(&short).unwrap(), &post_log) < 1e-9);
    }

    #[test]
    fn restarts_recover_a_planted_model() {
        let f = fixture("hmm/hmm.json");
        let truth = categorical(&f["categorical"]["true"]);
        let seqs: Vec<Vec<usize>> = (0..20).map(|i| truth.sample(150, i).0).collect();
        let bw = BaumWelch::default().n_states(3).n_init(3).seed(1);
        let (a, report) = bw.fit::<CategoricalEmission>(&seqs).unwrap();
        let (b, _) = bw.fit::<CategoricalEmission>(&seqs).unwrap();
        assert_eq!(a, b, "same seed, same model");
        // EM never decreases the likelihood, and ends near that of the true parameters.
        assert!(report.history.windows(2).all(|w| w[1] >= w[0] - 1e-9));
        let truth_ll = truth.score(&seqs).unwrap();
        assert!(
            report.log_likelihood > truth_ll - 10.0,
            "{} vs {truth_ll}",
            report.log_likelihood
        );
    }

    #[test]
    fn bad_input_is_refused() {
        let f = fixture("hmm/hmm.json");
        let hmm = categorical(&f["categorical"]["true"]);
        assert!(hmm.log_likelihood(&vec![]).is_err());
        assert!(hmm
            .viterbi(&vec![0, 9])
            .unwrap_err()
            .to_string()
            .contains("step 1"));
        assert!(hmm.score(&[]).is_err());
        let e = CategoricalEmission::new(ndarray::array![[0.5, 0.5]]).unwrap();
        assert!(Hmm::new(ndarray::array![1.0], ndarray::array![[0.5]], e.clone()).is_err());
        assert!(Hmm::new(ndarray::array![1.0, 0.0], ndarray::array![[1.0]], e).is_err());
        let g = gaussian(&f["gaussian"]["true"]);
        assert!(g.log_likelihood(&ndarray::array![[1.0, f64::NAN]]).is_err());
        assert!(g.log_likelihood(&ndarray::array![[1.0]]).is_err());
        assert!(BaumWelch::default()
            .n_iter(0)
            .fit_from(hmm, &[vec![0]])
            .is_err());
        let bytes = breadth_core::model_file::to_bytes("hmm", &g).unwrap();
        let back: Hmm<GaussianEmission> =
            breadth_core::model_file::from_bytes(&bytes, "hmm", "<t>").unwrap();
        assert_eq!(back, g);
    }
}
