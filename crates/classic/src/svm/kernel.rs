//! Kernels $K(x, z)$ for the support vector machines.
//!
//! | kernel | $K(x, z)$ |
//! |---|---|
//! | linear | $x^\top z$ |
//! | polynomial | $(\gamma x^\top z + c_0)^p$ |
//! | RBF | $\exp(-\gamma\lVert x-z\rVert^2)$ |
//! | sigmoid | $\tanh(\gamma x^\top z + c_0)$ |
//!
//! $\gamma$ may be given or derived from the training data as scikit-learn does: `scale` is
//! $1/(d\operatorname{Var}(X))$ (variance of all entries), `auto` is $1/d$. One evaluation costs
//! $O(d)$; the RBF kernel uses the cached squared norms, $\lVert x\rVert^2 + \lVert z\rVert^2 -
//! 2x^\top z$, as libsvm. Reference: B. Schölkopf, A. Smola, *Learning with Kernels*, MIT Press
//! 2002, ch. 2.
//!
//! ```
//! use breadth_classic::svm::kernel::Kernel;
//! let k = Kernel::Rbf { gamma: 0.5 };
//! assert!((k.eval(&[0.0, 0.0], &[1.0, 1.0]) - (-1.0f64).exp()).abs() < 1e-15);
//! ```

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A kernel with its parameters resolved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Kernel {
    /// $x^\top z$.
    Linear,
    /// $(\gamma x^\top z + c_0)^p$.
    Poly {
        /// $\gamma$.
        gamma: f64,
        /// $c_0$.
        coef0: f64,
        /// $p$.
        degree: i32,
    },
    /// $\exp(-\gamma\lVert x-z\rVert^2)$.
    Rbf {
        /// $\gamma$.
        gamma: f64,
    },
    /// $\tanh(\gamma x^\top z + c_0)$.
    Sigmoid {
        /// $\gamma$.
        gamma: f64,
        /// $c_0$.
        coef0: f64,
    },
}

/// How $\gamma$ is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Gamma {
    /// $1/(d \operatorname{Var}(X))$.
    Scale,
    /// $1/d$.
    Auto,
    /// A given value.
    Value(f64),
}

impl FromStr for Gamma {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "scale" => Ok(Self::Scale),
            "auto" => Ok(Self::Auto),
            v => v
                .parse()
                .map(Self::Value)
                .map_err(|_| "expected scale, auto or a number".into()),
        }
    }
}

impl std::fmt::Display for Gamma {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Scale => f.write_str("scale"),
            Self::Auto => f.write_str("auto"),
            Self::Value(v) => write!(f, "{v}"),
        }
    }
}

impl Gamma {
    /// The value for training data `x` (row-major `n x d`).
    pub fn resolve(&self, x: ndarray::ArrayView2<'_, f64>) -> f64 {
        let d = x.ncols() as f64;
        match *self {
            Gamma::Value(g) => g,
            Gamma::Auto => 1.0 / d,
            Gamma::Scale => {
                let n = x.len() as f64;
                let mean = x.sum() / n;
                let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
                if var > 0.0 {
                    1.0 / (d * var)
                } else {
                    1.0
                }
            }
        }
    }
}

/// The kernel's name, as a parameter value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KernelKind {
    /// Linear.
    Linear,
    /// Polynomial.
    Poly,
    /// Radial basis function.
    Rbf,
    /// Sigmoid.
    Sigmoid,
}

impl FromStr for KernelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "linear" => Self::Linear,
            "poly" => Self::Poly,
            "rbf" => Self::Rbf,
            "sigmoid" => Self::Sigmoid,
            _ => return Err("expected linear, poly, rbf or sigmoid".into()),
        })
    }
}

impl std::fmt::Display for KernelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Linear => "linear",
            Self::Poly => "poly",
            Self::Rbf => "rbf",
            Self::Sigmoid => "sigmoid",
        })
    }
}

impl KernelKind {
    /// The kernel with its parameters.
    pub fn with(self, gamma: f64, coef0: f64, degree: i32) -> Kernel {
        match self {
            Self::Linear => Kernel::Linear,
            Self::Poly => Kernel::Poly {
                gamma,
                coef0,
                degree,
            },
            Self::Rbf => Kernel::Rbf { gamma },
            Self::Sigmoid => Kernel::Sigmoid { gamma, coef0 },
        }
    }
}

/// $a^\top b$ with four independent partial sums, which the compiler maps to SIMD lanes (one
/// running sum is a serial chain of dependent additions); the kernel rows' inner loop.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0f64; 4];
    for (x, y) in ca.zip(cb) {
        for ((s, x), y) in acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl Kernel {
    /// $K(x, z)$.
    pub fn eval(&self, x: &[f64], z: &[f64]) -> f64 {
        self.eval_with_norms(x, z, dot(x, x), dot(z, z))
    }

    /// $K(x, z)$ given $\lVert x\rVert^2$ and $\lVert z\rVert^2$ (used by RBF only).
    pub fn eval_with_norms(&self, x: &[f64], z: &[f64], xx: f64, zz: f64) -> f64 {
        let xz = dot(x, z);
        match *self {
            Kernel::Linear => xz,
            Kernel::Poly {
                gamma,
                coef0,
                degree,
            } => (gamma * xz + coef0).powi(degree),
            Kernel::Rbf { gamma } => (-gamma * (xx + zz - 2.0 * xz)).exp(),
            Kernel::Sigmoid { gamma, coef0 } => (gamma * xz + coef0).tanh(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrolled_dot_matches_the_plain_sum() {
        use rand::Rng as _;
        let mut rng = breadth_core::seeded_rng(3);
        for len in [0, 1, 3, 4, 7, 20, 33] {
            let a: Vec<f64> = (0..len).map(|_| rng.random_range(-1.0..1.0)).collect();
            let b: Vec<f64> = (0..len).map(|_| rng.random_range(-1.0..1.0)).collect();
            let slow: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let scale: f64 = a.iter().zip(&b).map(|(x, y)| (x * y).abs()).sum();
            assert!(
                (dot(&a, &b) - slow).abs() <= 4.0 * len as f64 * f64::EPSILON * scale,
                "len {len}"
            );
        }
        let k = Kernel::Rbf { gamma: 0.3 };
        let (x, z) = ([0.5, -1.0, 2.0, 0.1, 0.7], [1.5, 0.0, -1.0, 0.3, 0.2]);
        let d2: f64 = x.iter().zip(&z).map(|(a, b)| (a - b) * (a - b)).sum();
        assert!((k.eval(&x, &z) - (-0.3 * d2).exp()).abs() < 1e-14);
    }
}
