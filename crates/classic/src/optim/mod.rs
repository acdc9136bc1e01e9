//! Losses with their gradients and the optimizers that minimize them.
//!
//! Everything here works on a flat parameter vector $w \in \mathbb{R}^p$ and an [`Objective`]
//! $f(w)$ that returns its value and gradient $\nabla f(w)$:
//!
//! - [`losses`]: pointwise losses $\ell(p, y)$ of a prediction $p$ against a target $y$ with their
//!   derivative $\partial \ell / \partial p$ (squared, absolute, Huber, log, hinge, squared hinge,
//!   modified Huber, epsilon-insensitive) and the multinomial cross-entropy on logits;
//! - [`schedule`]: learning-rate schedules $\eta_t$ (constant, inverse scaling, step, cosine,
//!   linear warm-up);
//! - [`first_order`]: gradient descent, SGD / mini-batch SGD, momentum, Nesterov, Adagrad,
//!   RMSprop, Adam, AdamW, each recording its [`Trajectory`] (loss per iteration) so variants can
//!   be compared on the same problem;
//! - [`lbfgs`]: limited-memory BFGS with a strong-Wolfe line search, the workhorse of the smooth
//!   linear models;
//! - [`problems`]: Rosenbrock, an ill-conditioned quadratic and logistic regression as test
//!   problems, and optimizers by name, for `breadth optim`.
//!
//! Reference: J. Nocedal, S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006;
//! S. Ruder, *An overview of gradient descent optimization algorithms*, arXiv:1609.04747.
//!
//! ```
//! use breadth_classic::optim::{lbfgs::Lbfgs, Objective};
//! /// f(w) = (w0 - 3)^2 + 10 (w1 + 1)^2
//! struct Bowl;
//! impl Objective for Bowl {
//!     fn dim(&self) -> usize { 2 }
//!     fn value_grad(&self, w: &[f64], g: &mut [f64]) -> f64 {
//!         g[0] = 2.0 * (w[0] - 3.0);
//!         g[1] = 20.0 * (w[1] + 1.0);
//!         (w[0] - 3.0).powi(2) + 10.0 * (w[1] + 1.0).powi(2)
//!     }
//! }
//! let r = Lbfgs::default().minimize(&Bowl, vec![0.0, 0.0]).unwrap();
//! assert!((r.w[0] - 3.0).abs() < 1e-6 && (r.w[1] + 1.0).abs() < 1e-6);
//! ```

pub mod first_order;
pub mod lbfgs;
pub mod losses;
pub mod problems;
pub mod schedule;

use serde::{Deserialize, Serialize};

/// A differentiable function of a parameter vector.
pub trait Objective {
    /// Number of parameters $p$.
    fn dim(&self) -> usize;
    /// Returns $f(w)$ and writes $\nabla f(w)$ into `grad` (length [`Objective::dim`]).
    fn value_grad(&self, w: &[f64], grad: &mut [f64]) -> f64;
}

/// An objective that is a mean of terms, $f(w) = \frac{1}{n}\sum_i f_i(w)$, so that a
/// mini-batch gives an unbiased gradient estimate.
pub trait StochasticObjective: Objective {
    /// Number of terms $n$.
    fn n_terms(&self) -> usize;
    /// Mean value and gradient over the terms in `batch`.
    fn batch_value_grad(&self, w: &[f64], batch: &[usize], grad: &mut [f64]) -> f64;
}

/// How an optimizer moved: the objective after each iteration (epoch for stochastic methods)
/// and the gradient's Euclidean norm there. `losses[0]` is at the starting point.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    /// Name of the method, for plot legends.
    pub method: String,
    /// Full objective value after each iteration.
    pub losses: Vec<f64>,
    /// Full gradient norm after each iteration.
    pub grad_norms: Vec<f64>,
}

impl Trajectory {
    pub(crate) fn new(method: impl Into<String>) -> Self {
        Trajectory {
            method: method.into(),
            ..Default::default()
        }
    }

    pub(crate) fn record(&mut self, obj: &impl Objective, w: &[f64], grad: &mut [f64]) -> f64 {
        let f = obj.value_grad(w, grad);
        self.losses.push(f);
        self.grad_norms.push(norm2(grad));
        f
    }
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub(crate) fn norm2(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// Central finite-difference gradient, the slow obviously-correct check of every analytic one.
#[cfg(test)]
pub(crate) fn numeric_grad(mut f: impl FnMut(&[f64]) -> f64, w: &[f64], h: f64) -> Vec<f64> {
    let mut w = w.to_vec();
    (0..w.len())
        .map(|j| {
            let orig = w[j];
            w[j] = orig + h;
            let fp = f(&w);
            w[j] = orig - h;
            let fm = f(&w);
            w[j] = orig;
            (fp - fm) / (2.0 * h)
        })
        .collect()
}
