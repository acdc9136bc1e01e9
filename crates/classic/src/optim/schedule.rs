//! Learning-rate schedules $\eta_t$ for step $t = 0, 1, \dots$ from a base rate $\eta_0$.
//!
//! - constant: $\eta_t = \eta_0$;
//! - inverse scaling: $\eta_t = \eta_0 / (t+1)^{\kappa}$;
//! - step: $\eta_t = \eta_0\,\gamma^{\lfloor t / s\rfloor}$;
//! - cosine: $\eta_t = \eta_{min} + \tfrac12(\eta_0-\eta_{min})(1+\cos(\pi \min(t,T)/T))$;
//! - optimal (Bottou): $\eta_t = 1/(\alpha (t_0 + t))$, scikit-learn's SGD default;
//! - warm-up: $\eta_t = \eta_0 (t+1)/W$ for $t < W$, then the inner schedule at $t - W$.
//!
//! Each costs $O(1)$. Reference: I. Loshchilov, F. Hutter, *SGDR: Stochastic Gradient Descent
//! with Warm Restarts*, ICLR 2017; L. Bottou, *Stochastic Gradient Descent Tricks*, 2012.
//!
//! ```
//! use breadth_classic::optim::schedule::Schedule;
//! let s = Schedule::Step { every: 10, gamma: 0.5 };
//! assert_eq!(s.rate(1.0, 25), 0.25);
//! ```

use serde::{Deserialize, Serialize};

/// A learning-rate schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    /// The base rate throughout.
    Constant,
    /// Divide by $(t+1)^{power}$.
    InvScaling {
        /// Exponent $\kappa$.
        power: f64,
    },
    /// Multiply by `gamma` every `every` steps.
    Step {
        /// Steps between decays.
        every: usize,
        /// Decay factor.
        gamma: f64,
    },
    /// Cosine annealing to `min_rate` over `total` steps.
    Cosine {
        /// Steps of the half cosine.
        total: usize,
        /// Final rate.
        min_rate: f64,
    },
    /// Bottou's $1/(\alpha(t_0+t))$, ignoring the base rate.
    Optimal {
        /// The regularization strength $\alpha$.
        alpha: f64,
        /// Offset $t_0$.
        t0: f64,
    },
    /// Linear warm-up over `steps`, then `then`.
    Warmup {
        /// Warm-up length $W$.
        steps: usize,
        /// Schedule after warm-up.
        then: Box<Schedule>,
    },
}

impl Schedule {
    /// The rate at step `t`.
    pub fn rate(&self, base: f64, t: usize) -> f64 {
        match self {
            Schedule::Constant => base,
            Schedule::InvScaling { power } => base / ((t + 1) as f64).powf(*power),
            Schedule::Step { every, gamma } => base * gamma.powi((t / (*every).max(1)) as i32),
            Schedule::Cosine { total, min_rate } => {
                let frac = (t.min(*total) as f64) / (*total).max(1) as f64;
                min_rate + 0.5 * (base - min_rate) * (1.0 + (std::f64::consts::PI * frac).cos())
            }
            Schedule::Optimal { alpha, t0 } => 1.0 / (alpha * (t0 + t as f64)),
            Schedule::Warmup { steps, then } => {
                if t < *steps {
                    base * (t + 1) as f64 / *steps as f64
                } else {
                    then.rate(base, t - steps)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_hit_their_landmarks() {
        assert_eq!(Schedule::Constant.rate(0.3, 100), 0.3);
        assert!((Schedule::InvScaling { power: 0.5 }.rate(1.0, 3) - 0.5).abs() < 1e-15);
        let cos = Schedule::Cosine {
            total: 100,
            min_rate: 0.01,
        };
        assert!((cos.rate(1.0, 0) - 1.0).abs() < 1e-15);
        assert!((cos.rate(1.0, 50) - 0.505).abs() < 1e-12);
        assert!((cos.rate(1.0, 500) - 0.01).abs() < 1e-15);
        let warm = Schedule::Warmup {
            steps: 4,
            then: Box::new(Schedule::Constant),
        };
        assert_eq!(warm.rate(2.0, 0), 0.5);
        assert_eq!(warm.rate(2.0, 3), 2.0);
        assert_eq!(warm.rate(2.0, 9), 2.0);
        assert_eq!(
            Schedule::Optimal {
                alpha: 0.5,
                t0: 2.0
            }
            .rate(9.0, 2),
            0.5
        );
    }
}
