//! Test problems for comparing optimizers, and a by-name front end that runs several optimizers
//! on one of them and returns their loss trajectories (`breadth optim`).
//!
//! - Rosenbrock's banana in $p$ dimensions,
//!   $f(w) = \sum_{i=1}^{p-1} 100\,(w_{i+1} - w_i^2)^2 + (1 - w_i)^2$, minimum $0$ at
//!   $w = \mathbf 1$, started at $(-1.2, 1, -1.2, 1, \dots)$: a curved valley where plain gradient
//!   steps zig-zag;
//! - an ill-conditioned quadratic $f(w) = \frac12\sum_{i=1}^p \lambda_i (w_i - 1)^2$ with
//!   $\lambda_i = \kappa^{(i-1)/(p-1)}$ (condition number $\kappa$), minimum $0$ at $\mathbf 1$,
//!   started at $0$: gradient descent's rate is bounded by $2/\lambda_{max}$ and its progress
//!   by $1 - \lambda_{min}/\lambda_{max}$ per step;
//! - L2-regularized logistic regression on a labelled dataset (features standardized),
//!   $f(W, b) = \frac1n \sum_i \ell(W x_i + b, y_i) + \frac{\lambda}{2}\lVert W\rVert^2$ with the
//!   binary or multinomial log-loss $\ell$, started at $0$.
//!
//! Each evaluation is $O(p)$ for the first two and $O(n d K)$ for the logistic loss.
//! Reference: H. H. Rosenbrock, *An automatic method for finding the greatest or least value of a
//! function*, Comput. J. 3 (1960); J. Nocedal, S. J. Wright, *Numerical Optimization*, ch. 3.
//!
//! ```
//! use breadth_classic::optim::problems::{run, Optimizer, TestProblem};
//! use breadth_classic::optim::first_order::Settings;
//! let problem = TestProblem::Quadratic { dim: 5, condition: 10.0 };
//! let settings = Settings { rate: 0.1, iterations: 50, ..Settings::default() };
//! let opts: Vec<Optimizer> = ["gd", "lbfgs"].iter().map(|s| s.parse().unwrap()).collect();
//! let t = run(&problem, &opts, &settings).unwrap();
//! assert_eq!(t.len(), 2);
//! // L-BFGS solves a 5-dimensional quadratic far below where 50 gradient steps get.
//! assert!(t[1].losses.last().unwrap() < t[0].losses.last().unwrap());
//! ```

use std::str::FromStr;

use breadth_core::{Dataset, Error, Result};
use ndarray::{Array1, Axis};

use super::first_order::{minimize, Method, Settings};
use super::lbfgs::Lbfgs;
use super::{Objective, Trajectory};
use crate::linear::logistic::LogisticLoss;

/// Rosenbrock's function in `dim` dimensions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rosenbrock {
    /// Number of variables $p \ge 2$.
    pub dim: usize,
}

impl Objective for Rosenbrock {
    fn dim(&self) -> usize {
        self.dim
    }
    fn value_grad(&self, w: &[f64], g: &mut [f64]) -> f64 {
        g.iter_mut().for_each(|v| *v = 0.0);
        let mut f = 0.0;
        for i in 0..w.len().saturating_sub(1) {
            let (a, b) = (w[i + 1] - w[i] * w[i], 1.0 - w[i]);
            f += 100.0 * a * a + b * b;
            g[i] += -400.0 * a * w[i] - 2.0 * b;
            g[i + 1] += 200.0 * a;
        }
        f
    }
}

/// $\frac12\sum_i \lambda_i (w_i - 1)^2$ with log-spaced curvatures from 1 to `condition`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quadratic {
    /// Number of variables.
    pub dim: usize,
    /// $\kappa = \lambda_{max} / \lambda_{min} \ge 1$.
    pub condition: f64,
}

impl Quadratic {
    fn curvature(&self, i: usize) -> f64 {
        if self.dim < 2 {
            return 1.0;
        }
        self.condition.powf(i as f64 / (self.dim - 1) as f64)
    }
}

impl Objective for Quadratic {
    fn dim(&self) -> usize {
        self.dim
    }
    fn value_grad(&self, w: &[f64], g: &mut [f64]) -> f64 {
        let mut f = 0.0;
        for (i, (w, g)) in w.iter().zip(g.iter_mut()).enumerate() {
            let l = self.curvature(i);
            *g = l * (w - 1.0);
            f += 0.5 * l * (w - 1.0) * (w - 1.0);
        }
        f
    }
}

/// Mean log-loss of a linear classifier on a dataset, plus $\frac{\lambda}{2}\lVert W\rVert^2$.
#[derive(Debug, Clone)]
pub struct LogisticProblem {
    data: Dataset,
    l2: f64,
}

impl LogisticProblem {
    /// Standardizes the features of `data` (which needs a class target) and keeps $\lambda$.
    pub fn new(data: &Dataset, l2: f64) -> Result<Self> {
        breadth_core::validate::check_fit_input(data)?;
        breadth_core::validate::non_negative("l2", l2)?;
        let (labels, names) = data.class_target("logistic problem")?;
        if names.len() < 2 || labels.iter().all(|&l| l == labels[0]) {
            return Err(Error::param("target", "needs at least two classes"));
        }
        let x = data.features();
        let mean = x.mean_axis(Axis(0)).expect("non-empty, checked");
        let sd = x
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > 0.0 { s } else { 1.0 });
        let z = (&x - &mean) / &sd;
        let data = data.with_features(z, data.feature_names().to_vec())?;
        Ok(LogisticProblem { data, l2 })
    }

    fn loss(&self) -> LogisticLoss<'_> {
        let (labels, names) = self
            .data
            .class_target("logistic problem")
            .expect("checked in new");
        let n = labels.len();
        LogisticLoss::new(
            self.data.features(),
            labels,
            Array1::from_elem(n, 1.0 / n as f64),
            self.l2,
            if names.len() == 2 { 1 } else { names.len() },
            true,
        )
    }
}

impl Objective for LogisticProblem {
    fn dim(&self) -> usize {
        self.loss().dim()
    }
    fn value_grad(&self, w: &[f64], g: &mut [f64]) -> f64 {
        self.loss().value_grad(w, g)
    }
}

/// A problem by name, as the command line gives it.
#[derive(Debug, Clone)]
pub enum TestProblem {
    /// [`Rosenbrock`].
    Rosenbrock {
        /// Number of variables.
        dim: usize,
    },
    /// [`Quadratic`].
    Quadratic {
        /// Number of variables.
        dim: usize,
        /// Condition number.
        condition: f64,
    },
    /// [`LogisticProblem`] (boxed: it holds a dataset).
    Logistic(Box<LogisticProblem>),
}

impl TestProblem {
    /// The conventional starting point.
    pub fn start(&self) -> Vec<f64> {
        match self {
            TestProblem::Rosenbrock { dim } => (0..*dim)
                .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
                .collect(),
            TestProblem::Quadratic { dim, .. } => vec![0.0; *dim],
            TestProblem::Logistic(p) => vec![0.0; p.dim()],
        }
    }

    /// A learning rate at which plain gradient descent is stable on this problem:
    /// $1/L$ for the quadratic ($L = \kappa$), $10^{-3}$ for Rosenbrock, $1$ for the
    /// standardized logistic loss (its Hessian is bounded by the mean of $\lVert x\rVert^2/4$
    /// per direction, about $1/4$ after standardizing).
    pub fn default_rate(&self) -> f64 {
        match self {
            TestProblem::Rosenbrock { .. } => 1e-3,
            TestProblem::Quadratic { condition, .. } => 1.0 / condition,
            TestProblem::Logistic(_) => 1.0,
        }
    }

    fn check(&self) -> Result<()> {
        match *self {
            TestProblem::Rosenbrock { dim } if dim < 2 => {
                Err(Error::param("dim", "Rosenbrock needs at least 2 variables"))
            }
            TestProblem::Quadratic { dim, condition } => {
                if dim == 0 {
                    return Err(Error::param("dim", "must be at least 1"));
                }
                if !(condition >= 1.0 && condition.is_finite()) {
                    return Err(Error::param(
                        "condition",
                        format!("must be a finite number >= 1, got {condition}"),
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// An optimizer by name: one of the first-order [`Method`]s with the usual defaults, or L-BFGS.
#[derive(Debug, Clone, PartialEq)]
pub enum Optimizer {
    /// A first-order method.
    FirstOrder(Method),
    /// Limited-memory BFGS (no learning rate; strong-Wolfe line search).
    Lbfgs,
}

impl FromStr for Optimizer {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let m = match s {
            "gd" | "sgd" => Method::Sgd,
            "momentum" => Method::Momentum { beta: 0.9 },
            "nesterov" => Method::Nesterov { beta: 0.9 },
            "adagrad" => Method::Adagrad,
            "rmsprop" => Method::RmsProp { rho: 0.9 },
            "adam" => Method::Adam {
                beta1: 0.9,
                beta2: 0.999,
            },
            "adamw" => Method::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                weight_decay: 0.01,
            },
            "lbfgs" => return Ok(Optimizer::Lbfgs),
            other => {
                return Err(Error::param(
                    "methods",
                    format!(
                        "unknown optimizer {other:?}; expected gd, momentum, nesterov, adagrad, \
                         rmsprop, adam, adamw or lbfgs"
                    ),
                ))
            }
        };
        Ok(Optimizer::FirstOrder(m))
    }
}

/// Every optimizer's trajectory on `obj` from `w0`: first-order methods take
/// `settings.iterations` steps; L-BFGS at most that many iterations (it stops early only when
/// its line search can make no more progress).
pub fn trajectories(
    obj: &impl Objective,
    w0: &[f64],
    optimizers: &[Optimizer],
    settings: &Settings,
) -> Result<Vec<Trajectory>> {
    optimizers
        .iter()
        .map(|o| match o {
            Optimizer::FirstOrder(m) => Ok(minimize(obj, w0.to_vec(), m, settings).1),
            Optimizer::Lbfgs => Lbfgs {
                max_iter: settings.iterations,
                gtol: 0.0,
                ..Default::default()
            }
            .minimize(obj, w0.to_vec())
            .map(|r| r.trajectory),
        })
        .collect()
}

/// [`trajectories`] on a named problem from its starting point, after checking its settings.
pub fn run(
    problem: &TestProblem,
    optimizers: &[Optimizer],
    settings: &Settings,
) -> Result<Vec<Trajectory>> {
    problem.check()?;
    if !(settings.rate > 0.0 && settings.rate.is_finite()) {
        return Err(Error::param(
            "rate",
            format!("must be a finite number > 0, got {}", settings.rate),
        ));
    }
    if optimizers.is_empty() {
        return Err(Error::param("methods", "name at least one optimizer"));
    }
    let w0 = problem.start();
    match problem {
        TestProblem::Rosenbrock { dim } => {
            trajectories(&Rosenbrock { dim: *dim }, &w0, optimizers, settings)
        }
        TestProblem::Quadratic { dim, condition } => trajectories(
            &Quadratic {
                dim: *dim,
                condition: *condition,
            },
            &w0,
            optimizers,
            settings,
        ),
        TestProblem::Logistic(p) => trajectories(&**p, &w0, optimizers, settings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::numeric_grad;

    fn check_grad(obj: &impl Objective, w: &[f64]) {
        let mut g = vec![0.0; obj.dim()];
        obj.value_grad(w, &mut g);
        let num = numeric_grad(
            |w| {
                let mut scratch = vec![0.0; w.len()];
                obj.value_grad(w, &mut scratch)
            },
            w,
            1e-6,
        );
        for (j, (a, b)) in g.iter().zip(&num).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "grad[{j}]: {a} vs {b}"
            );
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        check_grad(&Rosenbrock { dim: 4 }, &[-1.2, 1.0, 0.3, -0.7]);
        check_grad(
            &Quadratic {
                dim: 3,
                condition: 50.0,
            },
            &[0.2, -1.0, 3.0],
        );
        let iris = breadth_data::datasets::load("iris").unwrap();
        let p = LogisticProblem::new(&iris, 0.1).unwrap();
        let w: Vec<f64> = (0..p.dim()).map(|i| (i % 5) as f64 * 0.1 - 0.2).collect();
        check_grad(&p, &w);
    }

    #[test]
    fn known_minima() {
        let mut g = vec![0.0; 3];
        assert_eq!(Rosenbrock { dim: 3 }.value_grad(&[1.0; 3], &mut g), 0.0);
        assert!(g.iter().all(|&v| v == 0.0));
        let q = Quadratic {
            dim: 3,
            condition: 100.0,
        };
        assert_eq!(q.value_grad(&[1.0; 3], &mut g), 0.0);
        // f(0) = ½ (1 + 10 + 100).
        assert!((q.value_grad(&[0.0; 3], &mut g) - 55.5).abs() < 1e-12);
    }

    #[test]
    fn every_optimizer_descends_on_every_problem() {
        let names = [
            "gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lbfgs",
        ];
        let opts: Vec<Optimizer> = names.iter().map(|n| n.parse().unwrap()).collect();
        let cancer = breadth_data::datasets::load("breast_cancer").unwrap();
        for problem in [
            TestProblem::Rosenbrock { dim: 2 },
            TestProblem::Quadratic {
                dim: 10,
                condition: 100.0,
            },
            TestProblem::Logistic(Box::new(LogisticProblem::new(&cancer, 1e-3).unwrap())),
        ] {
            let settings = Settings {
                rate: problem.default_rate(),
                iterations: 30,
                ..Settings::default()
            };
            let t = run(&problem, &opts, &settings).unwrap();
            assert_eq!(t.len(), names.len());
            for (tr, name) in t.iter().zip(names) {
                let (first, last) = (tr.losses[0], *tr.losses.last().unwrap());
                assert!(last < first, "{name} on {problem:?}: {first} -> {last}");
            }
            let lbfgs = t.last().unwrap().losses.last().unwrap();
            let gd = t[0].losses.last().unwrap();
            assert!(lbfgs < gd, "L-BFGS beats plain GD on {problem:?}");
        }
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!("newton".parse::<Optimizer>().is_err());
        let s = Settings::default();
        let gd = [Optimizer::FirstOrder(Method::Sgd)];
        assert!(run(&TestProblem::Rosenbrock { dim: 1 }, &gd, &s).is_err());
        let q = TestProblem::Quadratic {
            dim: 2,
            condition: 0.5,
        };
        assert!(run(&q, &gd, &s).is_err());
        let ok = TestProblem::Quadratic {
            dim: 2,
            condition: 2.0,
        };
        assert!(run(&ok, &[], &s).is_err());
        let bad_rate = Settings {
            rate: -1.0,
            ..Settings::default()
        };
        assert!(run(&ok, &gd, &bad_rate).is_err());
        let iris = breadth_data::datasets::load("iris").unwrap();
        let one_class = iris.select(&[0, 1, 2]);
        assert!(LogisticProblem::new(&one_class, 0.1).is_err());
    }
}
