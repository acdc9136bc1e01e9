//! Discrete-time Markov chains over states $0, \dots, K-1$.
//!
//! Estimated from sequences by counting: with $n_{ij}$ the number of steps $i \to j$ and a
//! pseudo-count $\lambda \ge 0$ (`smoothing`), the maximum-likelihood ($\lambda = 0$) or
//! Dirichlet-smoothed estimate is $P_{ij} = (n_{ij} + \lambda) / \sum_{j'} (n_{ij'} + \lambda)$;
//! a state never left (a zero row with $\lambda = 0$) gets a uniform row, since the data say
//! nothing about it. The initial distribution is estimated the same way from first states.
//!
//! - $n$-step probabilities: $P^{(n)} = P^n$ by repeated squaring, $O(K^3 \log n)$;
//! - the stationary distribution $\pi = \pi P$, $\sum_k \pi_k = 1$, by one LU solve of the
//!   $K \times K$ system $(P^\top - I)\pi = 0$ with one equation replaced by
//!   $\sum_k \pi_k = 1$, $O(K^3)$ (an error when it is not unique, as for a reducible chain);
//! - the log-likelihood of a sequence, $\log p_0(s_1) + \sum_t \log P_{s_t s_{t+1}}$.
//!
//! Reference: J. R. Norris, *Markov Chains*, Cambridge University Press, 1997, ch. 1.
//!
//! ```
//! use breadth_classic::hmm::MarkovChain;
//! let chain = MarkovChain::fit(&[vec![0, 1, 0, 1, 1, 0]], 2, 0.0).unwrap();
//! assert_eq!(chain.transmat()[[0, 1]], 1.0);
//! let pi = chain.stationary().unwrap();
//! assert!((pi[0] - 0.4).abs() < 1e-12); // pi = pi P with P = [[0, 1], [2/3, 1/3]]
//! ```

use breadth_core::linalg::{as_faer, to_ndarray};
use breadth_core::{seeded_rng, Error, Result};
use faer::linalg::solvers::Solve as _;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::emission::{check_stochastic, draw};

/// A fitted Markov chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkovChain {
    initial: Array1<f64>,
    transmat: Array2<f64>,
}

impl MarkovChain {
    /// A chain from its initial distribution and transition matrix.
    pub fn new(initial: Array1<f64>, transmat: Array2<f64>) -> Result<Self> {
        let k = initial.len();
        if k == 0 || transmat.dim() != (k, k) {
            return Err(Error::shape(
                "Markov chain transition matrix",
                format!("{k} x {k}"),
                format!("{:?}", transmat.dim()),
            ));
        }
        check_stochastic("initial", initial.view().insert_axis(ndarray::Axis(0)))?;
        check_stochastic("transmat", transmat.view())?;
        Ok(MarkovChain { initial, transmat })
    }

    /// Estimate from sequences of states in `0..n_states` with pseudo-count `smoothing`.
    pub fn fit(seqs: &[Vec<usize>], n_states: usize, smoothing: f64) -> Result<Self> {
        breadth_core::validate::non_negative("smoothing", smoothing)?;
        if n_states == 0 {
            return Err(Error::param("n_states", "must be at least 1"));
        }
        if seqs.iter().all(Vec::is_empty) {
            return Err(Error::EmptyInput {
                what: "sequences".into(),
                detail: "no states given".into(),
            });
        }
        let mut first = Array2::from_elem((1, n_states), smoothing);
        let mut counts = Array2::from_elem((n_states, n_states), smoothing);
        for (i, s) in seqs.iter().enumerate() {
            if let Some(t) = s.iter().position(|&v| v >= n_states) {
                return Err(Error::UnknownLabel {
                    label: s[t].to_string(),
                    what: format!("sequence {i}, step {t}"),
                    known: format!("states 0..{n_states}"),
                });
            }
            if let Some(&s0) = s.first() {
                first[[0, s0]] += 1.0;
            }
            for w in s.windows(2) {
                counts[[w[0], w[1]]] += 1.0;
            }
        }
        let normalize = |m: &mut Array2<f64>| {
            for mut row in m.outer_iter_mut() {
                let total = row.sum();
                if total > 0.0 {
                    row /= total;
                } else {
                    row.fill(1.0 / n_states as f64);
                }
            }
        };
        normalize(&mut first);
        normalize(&mut counts);
        MarkovChain::new(first.row(0).to_owned(), counts)
    }

    /// The initial distribution.
    pub fn initial(&self) -> &Array1<f64> {
        &self.initial
    }

    /// The transition matrix $P$.
    pub fn transmat(&self) -> &Array2<f64> {
        &self.transmat
    }

    /// $P^n$: the probabilities of going from $i$ to $j$ in exactly $n$ steps.
    pub fn n_step(&self, n: u64) -> Array2<f64> {
        let k = self.transmat.nrows();
        let mut result = Array2::eye(k);
        let mut base = self.transmat.clone();
        let mut n = n;
        while n > 0 {
            if n & 1 == 1 {
                result = result.dot(&base);
            }
            base = base.dot(&base);
            n >>= 1;
        }
        result
    }

    /// The state distribution after `n` steps from the initial distribution.
    pub fn distribution_after(&self, n: u64) -> Array1<f64> {
        self.initial.dot(&self.n_step(n))
    }

    /// The stationary distribution $\pi = \pi P$.
    pub fn stationary(&self) -> Result<Array1<f64>> {
        let k = self.transmat.nrows();
        let mut m = self.transmat.t().to_owned() - Array2::<f64>::eye(k);
        m.row_mut(k - 1).fill(1.0);
        let mut rhs = Array2::zeros((k, 1));
        rhs[[k - 1, 0]] = 1.0;
        let lu = as_faer(m.view()).partial_piv_lu();
        let pi = to_ndarray(lu.solve(as_faer(rhs.view())).as_ref())
            .column(0)
            .to_owned();
        let residual = (&pi.dot(&self.transmat) - &pi)
            .iter()
            .fold(0.0f64, |a, v| a.max(v.abs()));
        if pi.iter().any(|v| !v.is_finite() || *v < -1e-9) || residual > 1e-8 {
            return Err(Error::numerical(
                "stationary distribution",
                "the chain has no unique stationary distribution (it is reducible)",
            ));
        }
        Ok(pi.mapv(|v| v.max(0.0)))
    }

    /// $\log p(s_{1..T})$ of a sequence of states.
    pub fn log_likelihood(&self, seq: &[usize]) -> Result<f64> {
        let k = self.initial.len();
        if let Some(t) = seq.iter().position(|&v| v >= k) {
            return Err(Error::UnknownLabel {
                label: seq[t].to_string(),
                what: format!("step {t}"),
                known: format!("states 0..{k}"),
            });
        }
        let Some(&s0) = seq.first() else {
            return Err(Error::EmptyInput {
                what: "sequence".into(),
                detail: "no states".into(),
            });
        };
        Ok(self.initial[s0].ln()
            + seq
                .windows(2)
                .map(|w| self.transmat[[w[0], w[1]]].ln())
                .sum::<f64>())
    }

    /// Draw `n` states.
    pub fn sample(&self, n: usize, seed: u64) -> Vec<usize> {
        let mut rng = seeded_rng(seed);
        let mut out: Vec<usize> = Vec::with_capacity(n);
        for t in 0..n {
            let p = if t == 0 {
                self.initial.view()
            } else {
                self.transmat.row(out[t - 1])
            };
            out.push(draw(p.as_slice().expect("contiguous"), &mut rng));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn counts_n_steps_and_stationary() {
        let p = array![[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.5, 0.5]];
        let chain = MarkovChain::new(array![1.0, 0.0, 0.0], p.clone()).unwrap();
        assert!((chain.n_step(3) - p.dot(&p).dot(&p))
            .iter()
            .all(|d| d.abs() < 1e-15));
        let pi = chain.stationary().unwrap();
        assert!((pi - array![0.25, 0.5, 0.25])
            .iter()
            .all(|d| d.abs() < 1e-12));
        // The chain forgets its start: after many steps the distribution is stationary.
        let late = chain.distribution_after(200);
        assert!((late - array![0.25, 0.5, 0.25])
            .iter()
            .all(|d| d.abs() < 1e-10));
        // Estimation from a long sample approaches the true matrix.
        let seq = chain.sample(200_000, 3);
        let fitted = MarkovChain::fit(std::slice::from_ref(&seq), 3, 0.0).unwrap();
        assert!((fitted.transmat() - &p).iter().all(|d| d.abs() < 0.01));
        let ll = fitted.log_likelihood(&seq).unwrap();
        assert!(
            ll > chain.log_likelihood(&seq).unwrap() - 1e-9,
            "the MLE maximizes the likelihood"
        );
    }

    #[test]
    fn smoothing_unseen_states_and_errors() {
        let chain = MarkovChain::fit(&[vec![0, 0, 1]], 3, 1.0).unwrap();
        assert!((chain.transmat()[[0, 0]] - 2.0 / 5.0).abs() < 1e-15);
        let plain = MarkovChain::fit(&[vec![0, 0, 1]], 3, 0.0).unwrap();
        assert_eq!(plain.transmat().row(2).to_vec(), vec![1.0 / 3.0; 3]);
        assert!(MarkovChain::fit(&[vec![0, 3]], 3, 0.0).is_err());
        assert!(MarkovChain::fit(&[vec![]], 3, 0.0).is_err());
        let reducible = MarkovChain::new(array![0.5, 0.5], array![[1.0, 0.0], [0.0, 1.0]]).unwrap();
        assert!(reducible.stationary().is_err());
    }
}
