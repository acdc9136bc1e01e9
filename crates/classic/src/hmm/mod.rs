//! Markov chains and hidden Markov models.
//!
//! - [`MarkovChain`] ([`markov`]): transition matrices estimated from sequences, $n$-step
//!   probabilities, the stationary distribution.
//! - [`Hmm`] ([`model`]) with [`CategoricalEmission`] ([`emission`]) or [`GaussianEmission`]
//!   with diagonal, spherical, full or tied covariances ([`gaussian`]):
//!   scaled forward-backward, sequence log-likelihoods, posterior marginals, Viterbi decoding,
//!   sampling, and Baum-Welch training ([`BaumWelch`]) over many sequences of different
//!   lengths with random restarts.
//! - [`text`]: sequences from text (one per line, symbols separated by spaces), training and
//!   decoding as the `breadth hmm` command does.
//!
//! The tests reproduce hmmlearn 0.3.3 (log-likelihoods, Viterbi paths, marginals, Baum-Welch
//! from the same start). Reference: L. R. Rabiner, *A tutorial on hidden Markov models and
//! selected applications in speech recognition*, Proc. IEEE 77(2), 1989.
//!
//! ```
//! use breadth_classic::hmm::{BaumWelch, CategoricalEmission, Hmm};
//! use ndarray::array;
//! let truth = Hmm::new(
//!     array![0.5, 0.5],
//!     array![[0.95, 0.05], [0.05, 0.95]],
//!     CategoricalEmission::new(array![[0.9, 0.1], [0.1, 0.9]]).unwrap(),
//! ).unwrap();
//! let seqs: Vec<Vec<usize>> = (0..10).map(|i| truth.sample(200, i).0).collect();
//! let (model, report) = BaumWelch::default().n_states(2).n_init(2).fit::<CategoricalEmission>(&seqs).unwrap();
//! assert!(report.log_likelihood >= truth.score(&seqs).unwrap() - 5.0);
//! assert_eq!(model.n_states(), 2);
//! ```

pub mod emission;
pub mod gaussian;
pub mod markov;
pub mod model;
pub mod text;

pub use emission::{CategoricalEmission, Emission};
pub use gaussian::{CovarianceType, GaussianEmission};
pub use markov::MarkovChain;
pub use model::{BaumWelch, FitReport, Hmm};
