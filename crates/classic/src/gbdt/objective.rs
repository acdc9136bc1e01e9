//! Training objectives of the histogram GBDT: gradients $g_i = \partial \ell / \partial F_i$,
//! hessians $h_i = \partial^2 \ell / \partial F_i^2$ of the loss in the raw score $F$, and the
//! constant the boosting starts from.
//!
//! - squared error $\ell = \frac12 (F - y)^2$: $g = F - y$, $h = 1$, $F_0 = \bar y$;
//! - binary log loss with $p = \sigma(F)$: $g = p - y$, $h = p(1-p)$, $F_0 = \log\frac{\bar y}{1-\bar y}$;
//! - softmax over $K$ classes, $p_k = e^{F_k} / \sum_j e^{F_j}$: $g_k = p_k - [y = k]$,
//!   $h_k = \frac{K}{K-1} p_k (1 - p_k)$ (LightGBM's scaling), $F_{0k} = \log \pi_k$;
//! - Poisson with $\mu = e^F$: $g = \mu - y$, $h = e^{F + \delta}$ with $\delta = 0.7$
//!   (LightGBM's `poisson_max_delta_step`, which keeps Newton steps small), $F_0 = \log \bar y$.
//!
//! Each costs $O(nK)$ per round. Sample weights multiply $g$ and $h$.
//!
//! ```
//! use breadth_classic::gbdt::objective::Objective;
//! assert_eq!("poisson".parse::<Objective>().unwrap(), Objective::Poisson);
//! ```

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What the booster minimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Objective {
    /// Squared error (regression).
    SquaredError,
    /// Poisson deviance with a log link (regression on counts).
    Poisson,
    /// Binary log loss (two classes).
    Binary,
    /// Softmax cross-entropy (more than two classes).
    Multiclass,
}

impl FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "squared_error" | "regression" | "l2" => Objective::SquaredError,
            "poisson" => Objective::Poisson,
            "binary" => Objective::Binary,
            "multiclass" | "softmax" => Objective::Multiclass,
            _ => return Err("expected squared_error, poisson, binary or multiclass".into()),
        })
    }
}

impl std::fmt::Display for Objective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Objective::SquaredError => "squared_error",
            Objective::Poisson => "poisson",
            Objective::Binary => "binary",
            Objective::Multiclass => "multiclass",
        })
    }
}

const POISSON_MAX_DELTA: f64 = 0.7;

pub(crate) fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Softmax of a row of scores, in place.
pub(crate) fn softmax(row: &mut [f64]) {
    let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    row.iter_mut().for_each(|v| {
        *v = (*v - max).exp();
        s += *v;
    });
    row.iter_mut().for_each(|v| *v /= s);
}

impl Objective {
    /// The starting raw scores, one per class (one for regression and binary).
    pub(crate) fn init(self, y: &[f64], w: &[f64], k: usize) -> Vec<f64> {
        let sw: f64 = w.iter().sum();
        let mean = y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
        match self {
            Objective::SquaredError => vec![mean],
            Objective::Poisson => vec![mean.max(1e-12).ln()],
            Objective::Binary => {
                let p = mean.clamp(1e-12, 1.0 - 1e-12);
                vec![(p / (1.0 - p)).ln()]
            }
            Objective::Multiclass => {
                let mut pi = vec![0.0; k];
                y.iter().zip(w).for_each(|(&c, &wi)| pi[c as usize] += wi);
                pi.iter().map(|p| (p / sw).max(1e-12).ln()).collect()
            }
        }
    }

    /// Gradients and hessians of every class into `gh[c]`, from scores `f` (`n x k`,
    /// row-major); the softmax is computed once per row for all classes.
    pub(crate) fn gradients(
        self,
        f: &[f64],
        y: &[f64],
        w: &[f64],
        k: usize,
        gh: &mut [Vec<[f32; 2]>],
    ) {
        use rayon::prelude::*;
        if self == Objective::Multiclass {
            // One pass per row: its softmax stays in a small buffer and feeds all K gradient
            // arrays, which are cut into the same row chunks so each job owns its pieces.
            const CHUNK: usize = 4096;
            let factor = k as f64 / (k as f64 - 1.0);
            let mut pieces: Vec<_> = gh.iter_mut().map(|g| g.chunks_mut(CHUNK)).collect();
            let jobs: Vec<Vec<&mut [[f32; 2]]>> = (0..y.len().div_ceil(CHUNK))
                .map(|_| pieces.iter_mut().filter_map(Iterator::next).collect())
                .collect();
            jobs.into_par_iter().enumerate().for_each(|(j, mut outs)| {
                let mut p = vec![0.0; k];
                for r in 0..outs.first().map_or(0, |o| o.len()) {
                    let i = j * CHUNK + r;
                    p.copy_from_slice(&f[i * k..(i + 1) * k]);
                    softmax(&mut p);
                    for (c, out) in outs.iter_mut().enumerate() {
                        let pc = p[c];
                        let target = if y[i] as usize == c { 1.0 } else { 0.0 };
                        let hess = (factor * pc * (1.0 - pc)).max(1e-16);
                        out[r] = [((pc - target) * w[i]) as f32, (hess * w[i]) as f32];
                    }
                }
            });
            return;
        }
        gh[0].par_iter_mut().enumerate().for_each(|(i, out)| {
            let (grad, hess) = match self {
                Objective::SquaredError => (f[i] - y[i], 1.0),
                Objective::Poisson => (f[i].exp() - y[i], (f[i] + POISSON_MAX_DELTA).exp()),
                Objective::Binary => {
                    let p = sigmoid(f[i]);
                    (p - y[i], (p * (1.0 - p)).max(1e-16))
                }
                Objective::Multiclass => unreachable!("handled above"),
            };
            *out = [(grad * w[i]) as f32, (hess * w[i]) as f32];
        });
    }

    /// The mean loss of scores `f` (`n x k`), for early stopping.
    pub(crate) fn loss(self, f: &[f64], y: &[f64], w: &[f64], k: usize) -> f64 {
        let sw: f64 = w.iter().sum();
        let total: f64 = (0..y.len())
            .map(|i| {
                let l = match self {
                    Objective::SquaredError => 0.5 * (f[i] - y[i]).powi(2),
                    Objective::Poisson => f[i].exp() - y[i] * f[i],
                    Objective::Binary => {
                        // log(1 + e^F) - y F, computed stably.
                        let x = f[i];
                        x.max(0.0) + (-x.abs()).exp().ln_1p() - y[i] * x
                    }
                    Objective::Multiclass => {
                        let row = &f[i * k..(i + 1) * k];
                        let max = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                        let lse = max + row.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
                        lse - row[y[i] as usize]
                    }
                };
                l * w[i]
            })
            .sum();
        total / sw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradients_match_finite_differences() {
        let y = [1.0, 0.0, 2.0];
        let w = [1.0, 2.0, 1.0];
        for (obj, k, yy) in [
            (Objective::SquaredError, 1, y.to_vec()),
            (Objective::Poisson, 1, y.to_vec()),
            (Objective::Binary, 1, vec![1.0, 0.0, 1.0]),
            (Objective::Multiclass, 3, y.to_vec()),
        ] {
            let f: Vec<f64> = (0..3 * k).map(|i| 0.3 * i as f64 - 0.5).collect();
            let mut all = vec![vec![[0f32; 2]; 3]; k];
            obj.gradients(&f, &yy, &w, k, &mut all);
            for (c, gh) in all.iter().enumerate() {
                for i in 0..3 {
                    let eps = 1e-5;
                    let mut fp = f.clone();
                    fp[i * k + c] += eps;
                    let mut fm = f.clone();
                    fm[i * k + c] -= eps;
                    // loss() averages over the weight sum 4; undo that to get row i's term.
                    let num =
                        (obj.loss(&fp, &yy, &w, k) - obj.loss(&fm, &yy, &w, k)) * 4.0 / (2.0 * eps);
                    assert!(
                        (num - gh[i][0] as f64).abs() < 1e-4,
                        "{obj} row {i}: {num} vs {}",
                        gh[i][0]
                    );
                }
            }
        }
    }
}
