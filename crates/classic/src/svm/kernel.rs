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
//! 2x^\top z$, as libsvm; whole kernel rows take their exponentials from a vectorizable $e^x$
//! (Cody–Waite reduction and a degree-13 polynomial, within a few ulp of `f64::exp`). Reference: B. Schölkopf, A. Smola, *Learning with Kernels*, MIT Press
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
#[inline(always)]
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

/// $e^{x}$ for every entry of `v`, in place: a branch-free loop that the compiler vectorizes,
/// for the RBF kernel rows whose exponentials dominate training. Without fused multiply-add
/// every lane performs the same IEEE operations as the scalar code, so the result does not
/// depend on the vector width it was compiled for.
///
/// Cody–Waite reduction $x = n\ln 2 + r$, $\lvert r\rvert \le \ln 2 / 2$, a degree-13 Taylor
/// polynomial for $e^r$ (truncation below $10^{-17}$) and $2^n$ built from its exponent bits:
/// within a few ulp of `f64::exp` on $[-708, 709]$; below $-708$ (where $e^x$ is subnormal) the
/// result is 0, above $709$ it saturates.
#[inline(always)]
pub(crate) fn exp_in_place(v: &mut [f64]) {
    for x in v {
        *x = exp_one(*x);
    }
}

#[inline(always)]
fn exp_one(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // fdlibm's split of ln 2: n * LN2_HI is exact for |n| < 2^11.
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // 1.5 * 2^52: adding it rounds to an integer that sits in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let xc = x.clamp(-708.0, 709.0);
    let k = xc * LOG2E + SHIFT;
    let n = k - SHIFT;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    // 1/j! for j = 13 down to 1.
    const C: [f64; 13] = [
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
    ];
    let mut p = C[0];
    for c in &C[1..] {
        p = p * r + c;
    }
    let p = p * r + 1.0;
    // k's bits are those of 1.5 * 2^52 plus n: adding the bias and shifting keeps n + 1023.
    let scale = f64::from_bits(k.to_bits().wrapping_add(1023) << 52);
    if x < -708.0 {
        0.0
    } else {
        p * scale
    }
}

impl Kernel {
    /// Turn dot products $x^\top z_t$ into kernel values $K(x, z_t)$ in place, given
    /// $\lVert x\rVert^2$ and $\lVert z_t\rVert^2$ = `norms[at[t]]` (used by RBF only, whose
    /// exponentials go through [`exp_in_place`]).
    #[inline(always)]
    pub(crate) fn apply_to_dots(&self, xx: f64, norms: &[f64], at: &[usize], dots: &mut [f64]) {
        match *self {
            Kernel::Rbf { gamma } => {
                for (v, &b) in dots.iter_mut().zip(at) {
                    *v = -gamma * (xx + norms[b] - 2.0 * *v);
                }
                exp_in_place(dots);
            }
            _ => {
                for v in dots.iter_mut() {
                    *v = self.value_from_dot(*v, 0.0);
                }
            }
        }
    }

    /// $K$ from $x^\top z$ and $\lVert x\rVert^2 + \lVert z\rVert^2$.
    fn value_from_dot(&self, xz: f64, norms: f64) -> f64 {
        match *self {
            Kernel::Linear => xz,
            Kernel::Poly {
                gamma,
                coef0,
                degree,
            } => (gamma * xz + coef0).powi(degree),
            Kernel::Rbf { gamma } => (-gamma * (norms - 2.0 * xz)).exp(),
            Kernel::Sigmoid { gamma, coef0 } => (gamma * xz + coef0).tanh(),
        }
    }

    /// $K(x, z)$.
    pub fn eval(&self, x: &[f64], z: &[f64]) -> f64 {
        self.eval_with_norms(x, z, dot(x, x), dot(z, z))
    }

    /// $K(x, z)$ given $\lVert x\rVert^2$ and $\lVert z\rVert^2$ (used by RBF only).
    pub fn eval_with_norms(&self, x: &[f64], z: &[f64], xx: f64, zz: f64) -> f64 {
        self.value_from_dot(dot(x, z), xx + zz)
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

    #[test]
    fn vector_exp_matches_the_library_exp() {
        use rand::Rng as _;
        let mut rng = breadth_core::seeded_rng(11);
        let mut xs: Vec<f64> = (0..5000).map(|_| rng.random_range(-708.0..709.0)).collect();
        xs.extend((0..5000).map(|_| rng.random_range(-40.0..0.0)));
        xs.extend([
            0.0,
            -0.0,
            1e-300,
            -1e-17,
            0.5 * std::f64::consts::LN_2,
            -708.0,
            709.0,
        ]);
        let mut fast = xs.clone();
        exp_in_place(&mut fast);
        for (&x, &f) in xs.iter().zip(&fast) {
            let e = x.exp();
            assert!(
                (f - e).abs() <= 4.0 * f64::EPSILON * e,
                "exp({x}) = {f}, not {e}"
            );
        }
        // Subnormal results flush to zero.
        let mut tiny = vec![-708.5, -745.2, -1e6];
        exp_in_place(&mut tiny);
        assert_eq!(tiny, vec![0.0; 3]);
    }

    #[test]
    fn kernels_from_dot_products_match_single_evaluations() {
        let pts = [
            [0.5, -1.0, 2.0],
            [1.5, 0.0, -1.0],
            [0.1, 0.2, 0.3],
            [-2.0, 1.0, 0.0],
        ];
        let kernels = [
            Kernel::Linear,
            Kernel::Poly {
                gamma: 0.3,
                coef0: 1.0,
                degree: 3,
            },
            Kernel::Rbf { gamma: 0.4 },
            Kernel::Sigmoid {
                gamma: 0.2,
                coef0: -0.5,
            },
        ];
        for k in kernels {
            let x = &pts[0];
            let mut v: Vec<f64> = pts.iter().map(|z| dot(x, z)).collect();
            let norms: Vec<f64> = pts.iter().map(|z| dot(z, z)).collect();
            k.apply_to_dots(dot(x, x), &norms, &[0, 1, 2, 3], &mut v);
            for (z, got) in pts.iter().zip(&v) {
                let want = k.eval(x, z);
                assert!((got - want).abs() <= 1e-15 * want.abs().max(1.0), "{k:?}");
            }
        }
    }
}
