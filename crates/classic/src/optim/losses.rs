//! Pointwise losses $\ell(p, y)$ and their derivatives $\partial \ell / \partial p$.
//!
//! $p$ is the model's raw output (a real prediction, or a margin score for classifiers), $y$ the
//! target: a real value for regression losses, $\pm 1$ for the binary classification losses.
//! With $z = p y$ (margin) and $r = p - y$ (residual):
//!
//! | loss | $\ell$ | $\partial\ell/\partial p$ |
//! |---|---|---|
//! | squared | $\tfrac12 r^2$ | $r$ |
//! | absolute | $\lvert r\rvert$ | $\operatorname{sign} r$ |
//! | Huber ($\delta$) | $\tfrac12 r^2$ if $\lvert r\rvert\le\delta$, else $\delta\lvert r\rvert-\tfrac12\delta^2$ | clipped $r$ |
//! | epsilon-insensitive | $\max(0, \lvert r\rvert-\epsilon)$ | $\operatorname{sign} r\,[\lvert r\rvert>\epsilon]$ |
//! | squared eps-insensitive | $\max(0, \lvert r\rvert-\epsilon)^2$ | $2\operatorname{sign} r\max(0,\lvert r\rvert-\epsilon)$ |
//! | log | $\log(1+e^{-z})$ | $-y\,\sigma(-z)$ |
//! | hinge | $\max(0, 1-z)$ | $-y\,[z<1]$ |
//! | squared hinge | $\max(0, 1-z)^2$ | $-2y\max(0,1-z)$ |
//! | modified Huber | $-4z$ if $z<-1$, $\max(0,1-z)^2$ otherwise | $-4y$ or $-2y\max(0,1-z)$ |
//! | perceptron | $\max(0, -z)$ | $-y\,[z \le 0]$ |
//!
//! The multinomial cross-entropy on logits $o \in \mathbb{R}^K$ with label $k$ is
//! $\log\sum_j e^{o_j} - o_k$ with gradient $\operatorname{softmax}(o) - e_k$
//! ([`softmax_cross_entropy`]). Each costs $O(1)$ ($O(K)$ for the multinomial one).
//!
//! Reference: T. Hastie, R. Tibshirani, J. Friedman, *The Elements of Statistical Learning*,
//! 2nd ed., §10.6 and §12.3; scikit-learn's `sgd_fast` losses.
//!
//! ```
//! use breadth_classic::optim::losses::Loss;
//! assert_eq!(Loss::Hinge.loss(0.5, 1.0), 0.5);
//! assert_eq!(Loss::Huber { delta: 1.0 }.dloss(3.0, 0.0), 1.0);
//! ```

use serde::{Deserialize, Serialize};

/// A pointwise loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Loss {
    /// $\frac12 (p-y)^2$.
    Squared,
    /// $\lvert p-y\rvert$.
    Absolute,
    /// Quadratic within `delta`, linear beyond.
    Huber {
        /// Where the loss turns linear.
        delta: f64,
    },
    /// Zero within `epsilon`, linear beyond (SVR).
    EpsilonInsensitive {
        /// Width of the insensitive tube.
        epsilon: f64,
    },
    /// Zero within `epsilon`, quadratic beyond.
    SquaredEpsilonInsensitive {
        /// Width of the insensitive tube.
        epsilon: f64,
    },
    /// Logistic loss of a margin ($y = \pm 1$).
    Log,
    /// SVM hinge loss.
    Hinge,
    /// Squared hinge loss.
    SquaredHinge,
    /// Zhang's modified Huber loss (smooth, robust).
    ModifiedHuber,
    /// Perceptron loss: hinge at zero margin.
    Perceptron,
}

fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// $\log(1 + e^{x})$ without overflow.
pub fn log1pexp(x: f64) -> f64 {
    if x > 35.0 {
        x
    } else if x < -35.0 {
        x.exp()
    } else {
        x.exp().ln_1p()
    }
}

/// The logistic function $\sigma(x) = 1/(1+e^{-x})$, stable for large $\lvert x\rvert$.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

impl Loss {
    /// True for losses of a $\pm 1$ classification margin.
    pub fn is_classification(&self) -> bool {
        matches!(
            self,
            Loss::Log | Loss::Hinge | Loss::SquaredHinge | Loss::ModifiedHuber | Loss::Perceptron
        )
    }

    /// $\ell(p, y)$.
    pub fn loss(&self, p: f64, y: f64) -> f64 {
        let r = p - y;
        let z = p * y;
        match *self {
            Loss::Squared => 0.5 * r * r,
            Loss::Absolute => r.abs(),
            Loss::Huber { delta } => {
                if r.abs() <= delta {
                    0.5 * r * r
                } else {
                    delta * r.abs() - 0.5 * delta * delta
                }
            }
            Loss::EpsilonInsensitive { epsilon } => (r.abs() - epsilon).max(0.0),
            Loss::SquaredEpsilonInsensitive { epsilon } => (r.abs() - epsilon).max(0.0).powi(2),
            Loss::Log => log1pexp(-z),
            Loss::Hinge => (1.0 - z).max(0.0),
            Loss::SquaredHinge => (1.0 - z).max(0.0).powi(2),
            Loss::ModifiedHuber => {
                if z >= -1.0 {
                    (1.0 - z).max(0.0).powi(2)
                } else {
                    -4.0 * z
                }
            }
            Loss::Perceptron => (-z).max(0.0),
        }
    }

    /// $\partial \ell(p, y) / \partial p$ (a subgradient at kinks).
    pub fn dloss(&self, p: f64, y: f64) -> f64 {
        let r = p - y;
        let z = p * y;
        match *self {
            Loss::Squared => r,
            Loss::Absolute => sign(r),
            Loss::Huber { delta } => r.clamp(-delta, delta),
            Loss::EpsilonInsensitive { epsilon } => {
                if r.abs() > epsilon {
                    sign(r)
                } else {
                    0.0
                }
            }
            Loss::SquaredEpsilonInsensitive { epsilon } => {
                2.0 * sign(r) * (r.abs() - epsilon).max(0.0)
            }
            Loss::Log => -y * sigmoid(-z),
            Loss::Hinge => {
                if z < 1.0 {
                    -y
                } else {
                    0.0
                }
            }
            Loss::SquaredHinge => -2.0 * y * (1.0 - z).max(0.0),
            Loss::ModifiedHuber => {
                if z >= -1.0 {
                    -2.0 * y * (1.0 - z).max(0.0)
                } else {
                    -4.0 * y
                }
            }
            Loss::Perceptron => {
                if z <= 0.0 {
                    -y
                } else {
                    0.0
                }
            }
        }
    }
}

/// Softmax of `logits` in place, stable against overflow; returns $\log\sum_j e^{o_j}$.
pub fn softmax_in_place(logits: &mut [f64]) -> f64 {
    let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for o in logits.iter_mut() {
        *o = (*o - m).exp();
        s += *o;
    }
    logits.iter_mut().for_each(|o| *o /= s);
    m + s.ln()
}

/// Multinomial cross-entropy of `logits` against class `label`; writes
/// $\operatorname{softmax}(o) - e_{label}$ into `grad`.
pub fn softmax_cross_entropy(logits: &[f64], label: usize, grad: &mut [f64]) -> f64 {
    grad.copy_from_slice(logits);
    let lse = softmax_in_place(grad);
    grad[label] -= 1.0;
    lse - logits[label]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::numeric_grad;

    const ALL: [Loss; 10] = [
        Loss::Squared,
        Loss::Absolute,
        Loss::Huber { delta: 0.7 },
        Loss::EpsilonInsensitive { epsilon: 0.3 },
        Loss::SquaredEpsilonInsensitive { epsilon: 0.3 },
        Loss::Log,
        Loss::Hinge,
        Loss::SquaredHinge,
        Loss::ModifiedHuber,
        Loss::Perceptron,
    ];

    #[test]
    fn derivatives_match_finite_differences_away_from_kinks() {
        // Points chosen away from every kink (|r| = delta, epsilon, 0; z = 1, -1, 0).
        let points = [
            (-2.3, 1.0),
            (0.41, 1.0),
            (1.9, -1.0),
            (-0.37, -1.0),
            (2.6, 1.0),
        ];
        for loss in ALL {
            for &(p, y) in &points {
                let num = numeric_grad(|w| loss.loss(w[0], y), &[p], 1e-6)[0];
                let ana = loss.dloss(p, y);
                assert!(
                    (num - ana).abs() < 1e-6,
                    "{loss:?} at p={p}, y={y}: {num} vs {ana}"
                );
            }
        }
    }

    #[test]
    fn cross_entropy_gradient_matches_finite_differences() {
        let logits = [0.3, -1.2, 2.0, 0.1];
        let mut g = [0.0; 4];
        let f = softmax_cross_entropy(&logits, 2, &mut g);
        let mut tmp = [0.0; 4];
        let num = numeric_grad(|o| softmax_cross_entropy(o, 2, &mut tmp), &logits, 1e-6);
        for k in 0..4 {
            assert!((num[k] - g[k]).abs() < 1e-8);
        }
        let direct = (logits.iter().map(|o: &f64| o.exp()).sum::<f64>()).ln() - logits[2];
        assert!((f - direct).abs() < 1e-12);
    }

    #[test]
    fn log_loss_is_stable_for_large_margins() {
        assert!(Loss::Log.loss(800.0, -1.0).is_finite());
        assert_eq!(Loss::Log.loss(800.0, -1.0), 800.0);
        assert!(Loss::Log.loss(800.0, 1.0) < 1e-300);
        assert!((sigmoid(-800.0)).abs() < 1e-300);
    }
}
