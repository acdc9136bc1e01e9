//! First-order optimizers: gradient descent, (mini-batch) SGD, momentum, Nesterov, Adagrad,
//! RMSprop, Adam and AdamW, each with a learning-rate [`Schedule`].
//!
//! With gradient $g_t$ (full, or the mean over a mini-batch), rate $\eta_t$ and small
//! $\varepsilon$:
//!
//! - GD / SGD: $w \leftarrow w - \eta_t g_t$;
//! - momentum: $v \leftarrow \beta v + g_t$, $w \leftarrow w - \eta_t v$;
//! - Nesterov: $v \leftarrow \beta v + g_t$, $w \leftarrow w - \eta_t (g_t + \beta v)$;
//! - Adagrad: $G \leftarrow G + g_t^2$, $w \leftarrow w - \eta_t g_t / (\sqrt{G} + \varepsilon)$;
//! - RMSprop: $G \leftarrow \rho G + (1-\rho) g_t^2$, same step as Adagrad;
//! - Adam: $m \leftarrow \beta_1 m + (1-\beta_1) g_t$, $v \leftarrow \beta_2 v + (1-\beta_2) g_t^2$,
//!   $w \leftarrow w - \eta_t \hat m / (\sqrt{\hat v} + \varepsilon)$ with bias corrections
//!   $\hat m = m / (1-\beta_1^t)$, $\hat v = v/(1-\beta_2^t)$;
//! - AdamW: Adam plus decoupled decay $w \leftarrow w - \eta_t \lambda w$.
//!
//! Element-wise operations are $O(p)$ per step plus the gradient's cost. Mini-batches are drawn
//! by shuffling the $n$ terms each epoch with a seeded generator. Reference: S. Ruder,
//! arXiv:1609.04747; D. P. Kingma, J. Ba, *Adam*, ICLR 2015; I. Loshchilov, F. Hutter,
//! *Decoupled Weight Decay Regularization*, ICLR 2019.
//!
//! ```
//! use breadth_classic::optim::first_order::{minimize, Method, Settings};
//! use breadth_classic::optim::Objective;
//! struct Parabola;
//! impl Objective for Parabola {
//!     fn dim(&self) -> usize { 1 }
//!     fn value_grad(&self, w: &[f64], g: &mut [f64]) -> f64 { g[0] = 2.0 * (w[0] - 1.0); (w[0] - 1.0).powi(2) }
//! }
//! let s = Settings { rate: 0.1, iterations: 200, ..Settings::default() };
//! let (w, traj) = minimize(&Parabola, vec![5.0], &Method::Momentum { beta: 0.5 }, &s);
//! assert!((w[0] - 1.0).abs() < 1e-6);
//! assert!(traj.losses.last().unwrap() < &traj.losses[0]);
//! ```

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::schedule::Schedule;
use super::{Objective, StochasticObjective, Trajectory};
use breadth_core::seeded_rng;

/// An update rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Method {
    /// Plain (stochastic) gradient descent.
    Sgd,
    /// Heavy-ball momentum.
    Momentum {
        /// Momentum $\beta$.
        beta: f64,
    },
    /// Nesterov accelerated gradient.
    Nesterov {
        /// Momentum $\beta$.
        beta: f64,
    },
    /// Adagrad.
    Adagrad,
    /// RMSprop.
    RmsProp {
        /// Decay $\rho$ of the squared-gradient average.
        rho: f64,
    },
    /// Adam.
    Adam {
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
    },
    /// Adam with decoupled weight decay.
    AdamW {
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// Decay $\lambda$.
        weight_decay: f64,
    },
}

impl Method {
    /// A short name for legends.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Sgd => "sgd",
            Method::Momentum { .. } => "momentum",
            Method::Nesterov { .. } => "nesterov",
            Method::Adagrad => "adagrad",
            Method::RmsProp { .. } => "rmsprop",
            Method::Adam { .. } => "adam",
            Method::AdamW { .. } => "adamw",
        }
    }
}

/// Rate, schedule and length of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Base learning rate $\eta_0$.
    pub rate: f64,
    /// Schedule applied to the rate.
    pub schedule: Schedule,
    /// Iterations (full-gradient methods) or epochs (stochastic).
    pub iterations: usize,
    /// $\varepsilon$ in the adaptive methods' denominators.
    pub eps: f64,
    /// Seed of the mini-batch shuffling.
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            rate: 0.01,
            schedule: Schedule::Constant,
            iterations: 100,
            eps: 1e-8,
            seed: 0,
        }
    }
}

/// The state an update rule keeps between steps.
struct State {
    v: Vec<f64>,
    s: Vec<f64>,
    t: i32,
}

impl State {
    fn new(p: usize) -> Self {
        State {
            v: vec![0.0; p],
            s: vec![0.0; p],
            t: 0,
        }
    }

    fn step(&mut self, method: &Method, w: &mut [f64], g: &[f64], eta: f64, eps: f64) {
        self.t += 1;
        let (v, s) = (&mut self.v, &mut self.s);
        match *method {
            Method::Sgd => w.iter_mut().zip(g).for_each(|(w, g)| *w -= eta * g),
            Method::Momentum { beta } => {
                for j in 0..w.len() {
                    v[j] = beta * v[j] + g[j];
                    w[j] -= eta * v[j];
                }
            }
            Method::Nesterov { beta } => {
                for j in 0..w.len() {
                    v[j] = beta * v[j] + g[j];
                    w[j] -= eta * (g[j] + beta * v[j]);
                }
            }
            Method::Adagrad => {
                for j in 0..w.len() {
                    s[j] += g[j] * g[j];
                    w[j] -= eta * g[j] / (s[j].sqrt() + eps);
                }
            }
            Method::RmsProp { rho } => {
                for j in 0..w.len() {
                    s[j] = rho * s[j] + (1.0 - rho) * g[j] * g[j];
                    w[j] -= eta * g[j] / (s[j].sqrt() + eps);
                }
            }
            Method::Adam { beta1, beta2 } | Method::AdamW { beta1, beta2, .. } => {
                let decay = match *method {
                    Method::AdamW { weight_decay, .. } => weight_decay,
                    _ => 0.0,
                };
                let (c1, c2) = (1.0 - beta1.powi(self.t), 1.0 - beta2.powi(self.t));
                for j in 0..w.len() {
                    v[j] = beta1 * v[j] + (1.0 - beta1) * g[j];
                    s[j] = beta2 * s[j] + (1.0 - beta2) * g[j] * g[j];
                    w[j] -= eta * ((v[j] / c1) / ((s[j] / c2).sqrt() + eps) + decay * w[j]);
                }
            }
        }
    }
}

/// Full-gradient minimization of `obj` from `w0`; returns the final point and the trajectory
/// (`iterations + 1` entries).
pub fn minimize(
    obj: &impl Objective,
    w0: Vec<f64>,
    method: &Method,
    settings: &Settings,
) -> (Vec<f64>, Trajectory) {
    let mut w = w0;
    let mut g = vec![0.0; obj.dim()];
    let mut traj = Trajectory::new(method.name());
    let mut state = State::new(w.len());
    traj.record(obj, &w, &mut g);
    for t in 0..settings.iterations {
        let eta = settings.schedule.rate(settings.rate, t);
        state.step(method, &mut w, &g, eta, settings.eps);
        traj.record(obj, &w, &mut g);
    }
    (w, traj)
}

/// Mini-batch minimization of a mean of terms: each epoch shuffles the terms and steps once per
/// batch of `batch_size` (1 is classic SGD). The schedule advances per step; the trajectory
/// records the full objective once per epoch.
pub fn minimize_stochastic(
    obj: &impl StochasticObjective,
    w0: Vec<f64>,
    method: &Method,
    settings: &Settings,
    batch_size: usize,
) -> (Vec<f64>, Trajectory) {
    let mut w = w0;
    let mut g = vec![0.0; obj.dim()];
    let mut traj = Trajectory::new(format!("{} (batch {batch_size})", method.name()));
    let mut state = State::new(w.len());
    let mut rng = seeded_rng(settings.seed);
    let mut order: Vec<usize> = (0..obj.n_terms()).collect();
    traj.record(obj, &w, &mut g);
    let mut step = 0;
    for _ in 0..settings.iterations {
        order.shuffle(&mut rng);
        for batch in order.chunks(batch_size.max(1)) {
            obj.batch_value_grad(&w, batch, &mut g);
            let eta = settings.schedule.rate(settings.rate, step);
            state.step(method, &mut w, &g, eta, settings.eps);
            step += 1;
        }
        traj.record(obj, &w, &mut g);
    }
    (w, traj)
}

/// Run every method from the same start with the same settings and return one trajectory per
/// method, plus L-BFGS's, ready to plot as loss against iteration (one line per optimizer).
pub fn compare_methods(
    obj: &impl Objective,
    w0: &[f64],
    methods: &[Method],
    settings: &Settings,
) -> Vec<Trajectory> {
    let mut out: Vec<Trajectory> = methods
        .iter()
        .map(|m| minimize(obj, w0.to_vec(), m, settings).1)
        .collect();
    let lbfgs = super::lbfgs::Lbfgs {
        max_iter: settings.iterations,
        gtol: 0.0,
        ..Default::default()
    };
    if let Ok(r) = lbfgs.minimize(obj, w0.to_vec()) {
        out.push(r.trajectory);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Least squares $\frac{1}{2n}\|Aw - b\|^2$ with a known minimizer $w^* = (1, -2, 0.5)$.
    struct LeastSquares {
        a: Vec<[f64; 3]>,
        b: Vec<f64>,
    }

    impl LeastSquares {
        fn new() -> Self {
            let a: Vec<[f64; 3]> = (0..40)
                .map(|i| {
                    let t = i as f64 / 40.0;
                    [1.0, (3.0 * t).sin(), t * t - 0.3]
                })
                .collect();
            let b = a.iter().map(|r| r[0] - 2.0 * r[1] + 0.5 * r[2]).collect();
            LeastSquares { a, b }
        }
    }

    impl Objective for LeastSquares {
        fn dim(&self) -> usize {
            3
        }
        fn value_grad(&self, w: &[f64], g: &mut [f64]) -> f64 {
            let all: Vec<usize> = (0..self.b.len()).collect();
            self.batch_value_grad(w, &all, g)
        }
    }

    impl StochasticObjective for LeastSquares {
        fn n_terms(&self) -> usize {
            self.b.len()
        }
        fn batch_value_grad(&self, w: &[f64], batch: &[usize], g: &mut [f64]) -> f64 {
            g.iter_mut().for_each(|g| *g = 0.0);
            let mut f = 0.0;
            for &i in batch {
                let r: f64 = (0..3).map(|j| self.a[i][j] * w[j]).sum::<f64>() - self.b[i];
                f += 0.5 * r * r;
                (0..3).for_each(|j| g[j] += r * self.a[i][j]);
            }
            let n = batch.len() as f64;
            g.iter_mut().for_each(|g| *g /= n);
            f / n
        }
    }

    fn dist(w: &[f64]) -> f64 {
        ((w[0] - 1.0).powi(2) + (w[1] + 2.0).powi(2) + (w[2] - 0.5).powi(2)).sqrt()
    }

    #[test]
    fn every_method_finds_the_known_minimum() {
        let obj = LeastSquares::new();
        let cases = [
            (Method::Sgd, 0.5, 3000),
            (Method::Momentum { beta: 0.9 }, 0.1, 2000),
            (Method::Nesterov { beta: 0.9 }, 0.1, 2000),
            (Method::Adagrad, 0.5, 5000),
            (Method::RmsProp { rho: 0.9 }, 0.01, 3000),
            (
                Method::Adam {
                    beta1: 0.9,
                    beta2: 0.999,
                },
                0.05,
                3000,
            ),
        ];
        for (m, rate, iterations) in cases {
            let mut settings = Settings {
                rate,
                iterations,
                ..Settings::default()
            };
            if matches!(m, Method::RmsProp { .. }) {
                // RMSprop's effective step does not shrink with the gradient; anneal it.
                settings.schedule = Schedule::Cosine {
                    total: iterations,
                    min_rate: 0.0,
                };
            }
            let (w, traj) = minimize(&obj, vec![0.0; 3], &m, &settings);
            assert!(dist(&w) < 1e-3, "{}: {w:?}", m.name());
            assert_eq!(traj.losses.len(), iterations + 1);
        }
    }

    #[test]
    fn comparison_gives_one_trajectory_per_method() {
        let obj = LeastSquares::new();
        let s = Settings {
            rate: 0.1,
            iterations: 50,
            ..Settings::default()
        };
        let t = compare_methods(
            &obj,
            &[0.0; 3],
            &[Method::Sgd, Method::Nesterov { beta: 0.9 }],
            &s,
        );
        assert_eq!(t.len(), 3);
        assert_eq!(t[2].method, "lbfgs");
        // L-BFGS reaches the (zero) minimum of this consistent system far faster.
        assert!(t[2].losses.last().unwrap() < &1e-12);
        assert!(t[1].losses[50] < t[0].losses[50]);
    }

    #[test]
    fn adamw_decay_shrinks_towards_zero() {
        let obj = LeastSquares::new();
        let s = Settings {
            rate: 0.05,
            iterations: 3000,
            ..Settings::default()
        };
        let plain = minimize(
            &obj,
            vec![0.0; 3],
            &Method::Adam {
                beta1: 0.9,
                beta2: 0.999,
            },
            &s,
        )
        .0;
        let decayed = minimize(
            &obj,
            vec![0.0; 3],
            &Method::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                weight_decay: 0.5,
            },
            &s,
        )
        .0;
        let n = |w: &[f64]| w.iter().map(|x| x * x).sum::<f64>();
        assert!(n(&decayed) < n(&plain) - 0.1, "{decayed:?} vs {plain:?}");
    }

    #[test]
    fn minibatch_sgd_converges_and_is_seeded() {
        let obj = LeastSquares::new();
        let s = Settings {
            // The data fit exactly (zero residual at the optimum), so a constant rate converges.
            rate: 0.5,
            iterations: 300,
            seed: 3,
            ..Settings::default()
        };
        let (w1, t1) = minimize_stochastic(&obj, vec![0.0; 3], &Method::Sgd, &s, 8);
        let (w2, _) = minimize_stochastic(&obj, vec![0.0; 3], &Method::Sgd, &s, 8);
        assert_eq!(w1, w2);
        assert!(dist(&w1) < 2e-2, "{w1:?}");
        assert!(t1.losses[300] < 1e-3 * t1.losses[0]);
    }
}
