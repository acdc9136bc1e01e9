//! Limited-memory BFGS with a strong-Wolfe line search.
//!
//! Minimizes a smooth $f: \mathbb{R}^p \to \mathbb{R}$. From the last $m$ pairs
//! $s_k = w_{k+1} - w_k$, $y_k = \nabla f_{k+1} - \nabla f_k$ the two-loop recursion applies an
//! approximation $H_k \approx (\nabla^2 f)^{-1}$ (initial scaling
//! $\gamma = s^\top y / y^\top y$) to get the direction $d = -H_k \nabla f_k$. The step $a$
//! satisfies the strong Wolfe conditions
//! $f(w + a d) \le f(w) + c_1 a \nabla f^\top d$ and
//! $\lvert\nabla f(w+ad)^\top d\rvert \le c_2 \lvert\nabla f^\top d\rvert$ ($c_1 = 10^{-4}$,
//! $c_2 = 0.9$), found by bracketing and cubic-interpolation zoom (Nocedal & Wright,
//! Algorithms 3.5 and 3.6). It stops when $\lVert\nabla f\rVert_\infty \le$ `gtol` or the relative
//! decrease $(f_k - f_{k+1}) / \max(\lvert f_k\rvert, \lvert f_{k+1}\rvert, 1) \le$ `ftol`, as
//! SciPy's L-BFGS-B, which scikit-learn uses.
//!
//! Cost per iteration: one or a few evaluations of $f$ plus $O(mp)$. Reference: J. Nocedal,
//! S. J. Wright, *Numerical Optimization*, 2nd ed., §7.2 and §3.5; D. C. Liu, J. Nocedal, *On the
//! limited memory BFGS method for large scale optimization*, Math. Programming 45, 1989.
//!
//! ```
//! use breadth_classic::optim::{lbfgs::Lbfgs, Objective};
//! /// Rosenbrock's banana, minimum at (1, 1).
//! struct Rosenbrock;
//! impl Objective for Rosenbrock {
//!     fn dim(&self) -> usize { 2 }
//!     fn value_grad(&self, w: &[f64], g: &mut [f64]) -> f64 {
//!         let (x, y) = (w[0], w[1]);
//!         g[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
//!         g[1] = 200.0 * (y - x * x);
//!         (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
//!     }
//! }
//! let r = Lbfgs { gtol: 1e-10, ..Lbfgs::default() }.minimize(&Rosenbrock, vec![-1.2, 1.0]).unwrap();
//! assert!(r.converged && (r.w[0] - 1.0).abs() < 1e-6);
//! ```

use std::collections::VecDeque;

use breadth_core::{Error, Result};
use serde::{Deserialize, Serialize};

use super::{dot, norm2, Objective, Trajectory};

/// L-BFGS settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lbfgs {
    /// Number of correction pairs kept, $m$.
    pub memory: usize,
    /// Maximum iterations.
    pub max_iter: usize,
    /// Stop when the largest gradient component is at most this.
    pub gtol: f64,
    /// Stop when the relative decrease of $f$ is at most this.
    pub ftol: f64,
    /// Maximum function evaluations per line search.
    pub max_line_search: usize,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Lbfgs {
            memory: 10,
            max_iter: 1000,
            gtol: 1e-5,
            ftol: 64.0 * f64::EPSILON,
            max_line_search: 50,
        }
    }
}

/// The result of an L-BFGS run.
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsResult {
    /// The final point.
    pub w: Vec<f64>,
    /// $f$ there.
    pub f: f64,
    /// Iterations done.
    pub n_iter: usize,
    /// True when a stopping tolerance was met (not the iteration limit or a failed search).
    pub converged: bool,
    /// $f$ and $\lVert\nabla f\rVert$ after each iteration.
    pub trajectory: Trajectory,
}

/// A trial point of the line search.
struct Point {
    a: f64,
    f: f64,
    d: f64,
    w: Vec<f64>,
    g: Vec<f64>,
}

const C1: f64 = 1e-4;
const C2: f64 = 0.9;

fn eval(obj: &impl Objective, w0: &[f64], dir: &[f64], a: f64) -> Point {
    let w: Vec<f64> = w0.iter().zip(dir).map(|(w, d)| w + a * d).collect();
    let mut g = vec![0.0; w.len()];
    let mut f = obj.value_grad(&w, &mut g);
    if !f.is_finite() || g.iter().any(|v| !v.is_finite()) {
        f = f64::INFINITY;
    }
    let d = dot(&g, dir);
    Point { a, f, d, w, g }
}

/// Minimizer of the cubic through $(a, f_a, f'_a)$ and $(b, f_b, f'_b)$, if it exists.
fn cubic_min(a: f64, fa: f64, da: f64, b: f64, fb: f64, db: f64) -> Option<f64> {
    let d1 = da + db - 3.0 * (fa - fb) / (a - b);
    let disc = d1 * d1 - da * db;
    if disc < 0.0 || !disc.is_finite() {
        return None;
    }
    let d2 = (b - a).signum() * disc.sqrt();
    let t = b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2);
    t.is_finite().then_some(t)
}

impl Lbfgs {
    fn line_search(
        &self,
        obj: &impl Objective,
        w: &[f64],
        f0: f64,
        dir: &[f64],
        d0: f64,
        a0: f64,
    ) -> Option<Point> {
        let mut prev = Point {
            a: 0.0,
            f: f0,
            d: d0,
            w: Vec::new(),
            g: Vec::new(),
        };
        let mut a = a0;
        let mut evals = 0;
        loop {
            let cur = eval(obj, w, dir, a);
            evals += 1;
            if cur.f > f0 + C1 * a * d0 || (evals > 1 && cur.f >= prev.f) {
                return self.zoom(obj, w, f0, dir, d0, prev, cur, evals);
            }
            if cur.d.abs() <= -C2 * d0 {
                return Some(cur);
            }
            if cur.d >= 0.0 {
                return self.zoom(obj, w, f0, dir, d0, cur, prev, evals);
            }
            if evals >= self.max_line_search {
                return Some(cur);
            }
            a *= 2.0;
            prev = cur;
        }
    }

    /// Shrink the bracket `[lo, hi]` (`lo` the better end) until a strong-Wolfe point appears.
    fn zoom(
        &self,
        obj: &impl Objective,
        w: &[f64],
        f0: f64,
        dir: &[f64],
        d0: f64,
        mut lo: Point,
        mut hi: Point,
        mut evals: usize,
    ) -> Option<Point> {
        loop {
            let (left, right) = (lo.a.min(hi.a), lo.a.max(hi.a));
            let width = right - left;
            if evals >= self.max_line_search || width <= f64::EPSILON * right.max(1e-300) {
                return (lo.a > 0.0 && lo.f < f0).then_some(lo);
            }
            let a = if hi.f.is_finite() {
                cubic_min(lo.a, lo.f, lo.d, hi.a, hi.f, hi.d)
                    .filter(|t| *t > left + 0.1 * width && *t < right - 0.1 * width)
                    .unwrap_or(0.5 * (left + right))
            } else {
                0.5 * (left + right)
            };
            let cur = eval(obj, w, dir, a);
            evals += 1;
            if cur.f > f0 + C1 * a * d0 || cur.f >= lo.f {
                hi = cur;
            } else {
                if cur.d.abs() <= -C2 * d0 {
                    return Some(cur);
                }
                if cur.d * (hi.a - lo.a) >= 0.0 {
                    hi = std::mem::replace(&mut lo, cur);
                } else {
                    lo = cur;
                }
            }
        }
    }

    /// Minimize `obj` from `w0`.
    pub fn minimize(&self, obj: &impl Objective, w0: Vec<f64>) -> Result<LbfgsResult> {
        if w0.len() != obj.dim() {
            return Err(Error::shape("L-BFGS starting point", obj.dim(), w0.len()));
        }
        let mut w = w0;
        let mut g = vec![0.0; w.len()];
        let mut traj = Trajectory::new("lbfgs");
        let mut f = traj.record(obj, &w, &mut g);
        if !f.is_finite() {
            return Err(Error::numerical(
                "L-BFGS",
                "the objective is not finite at the starting point",
            ));
        }
        let mut pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
        let inf_norm = |g: &[f64]| g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut converged = inf_norm(&g) <= self.gtol;
        let mut n_iter = 0;
        while !converged && n_iter < self.max_iter {
            // Two-loop recursion: dir = -H g.
            let mut q = g.clone();
            let mut alphas = Vec::with_capacity(pairs.len());
            for (s, y, rho) in pairs.iter().rev() {
                let a = rho * dot(s, &q);
                q.iter_mut().zip(y).for_each(|(q, y)| *q -= a * y);
                alphas.push(a);
            }
            if let Some((s, y, _)) = pairs.back() {
                let gamma = dot(s, y) / dot(y, y);
                q.iter_mut().for_each(|q| *q *= gamma);
            }
            for ((s, y, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
                let b = rho * dot(y, &q);
                q.iter_mut().zip(s).for_each(|(q, s)| *q += (a - b) * s);
            }
            let mut dir: Vec<f64> = q.iter().map(|v| -v).collect();
            let mut d0 = dot(&dir, &g);
            if d0 >= 0.0 || !d0.is_finite() {
                pairs.clear();
                dir = g.iter().map(|v| -v).collect();
                d0 = dot(&dir, &g);
            }
            let a0 = if pairs.is_empty() {
                (1.0 / norm2(&dir)).min(1.0)
            } else {
                1.0
            };
            let Some(p) = self.line_search(obj, &w, f, &dir, d0, a0) else {
                break;
            };
            n_iter += 1;
            let s: Vec<f64> = p.w.iter().zip(&w).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = p.g.iter().zip(&g).map(|(a, b)| a - b).collect();
            let sy = dot(&s, &y);
            if sy > f64::EPSILON * dot(&y, &y) {
                if pairs.len() == self.memory {
                    pairs.pop_front();
                }
                pairs.push_back((s, y, 1.0 / sy));
            }
            let decrease = (f - p.f) / f.abs().max(p.f.abs()).max(1.0);
            (w, g, f) = (p.w, p.g, p.f);
            traj.losses.push(f);
            traj.grad_norms.push(norm2(&g));
            converged = inf_norm(&g) <= self.gtol || decrease <= self.ftol;
        }
        Ok(LbfgsResult {
            w,
            f,
            n_iter,
            converged,
            trajectory: traj,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// $\sum_i c_i (w_i - i)^2$ with condition number $10^4$.
    struct IllConditioned;
    impl Objective for IllConditioned {
        fn dim(&self) -> usize {
            6
        }
        fn value_grad(&self, w: &[f64], g: &mut [f64]) -> f64 {
            let mut f = 0.0;
            for i in 0..6 {
                let c = 10f64.powf(i as f64 * 0.8);
                let r = w[i] - i as f64;
                f += c * r * r;
                g[i] = 2.0 * c * r;
            }
            f
        }
    }

    #[test]
    fn finds_the_known_minimum_of_an_ill_conditioned_quadratic() {
        let r = Lbfgs {
            gtol: 1e-9,
            ..Lbfgs::default()
        }
        .minimize(&IllConditioned, vec![0.0; 6])
        .unwrap();
        assert!(r.converged);
        for i in 0..6 {
            assert!((r.w[i] - i as f64).abs() < 1e-8, "{:?}", r.w);
        }
        // Monotone decrease is what the sufficient-decrease condition guarantees.
        assert!(r.trajectory.losses.windows(2).all(|p| p[1] <= p[0]));
    }

    #[test]
    fn infinite_objective_is_avoided_by_the_line_search() {
        /// $-\log w + w$, minimum at 1, infinite for $w \le 0$.
        struct Barrier;
        impl Objective for Barrier {
            fn dim(&self) -> usize {
                1
            }
            fn value_grad(&self, w: &[f64], g: &mut [f64]) -> f64 {
                g[0] = 1.0 - 1.0 / w[0];
                if w[0] <= 0.0 {
                    f64::INFINITY
                } else {
                    w[0] - w[0].ln()
                }
            }
        }
        let r = Lbfgs {
            gtol: 1e-10,
            ..Lbfgs::default()
        }
        .minimize(&Barrier, vec![20.0])
        .unwrap();
        assert!((r.w[0] - 1.0).abs() < 1e-8, "{:?}", r.w);
    }

    #[test]
    fn wrong_start_length_is_an_error() {
        assert!(Lbfgs::default()
            .minimize(&IllConditioned, vec![0.0; 2])
            .is_err());
    }
}
