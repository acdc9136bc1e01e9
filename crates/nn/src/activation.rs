//! Activation functions, each composed of candle operations that record a backward pass.
//!
//! With $x$ the input (any shape; softmax and log-softmax act on the last dimension):
//!
//! - ReLU $\max(x, 0)$; leaky ReLU $\max(x, a x)$ for slope $0 \le a < 1$;
//! - GELU $x \Phi(x) = \tfrac12 x \left(1 + \operatorname{erf}(x/\sqrt2)\right)$ and its tanh
//!   approximation $\tfrac12 x \left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)$;
//! - sigmoid $\sigma(x) = 1/(1+e^{-x}) = \tfrac12(1 + \tanh(x/2))$ (the tanh form never overflows),
//!   SiLU $x\,\sigma(x)$, tanh;
//! - softmax $e^{x_i - m} / \sum_j e^{x_j - m}$ and log-softmax
//!   $x_i - m - \log \sum_j e^{x_j - m}$ with $m = \max_j x_j$ (detached: the result does not depend
//!   on $m$, subtracting it only keeps `exp` finite).
//!
//! candle's own `gelu`/`gelu_erf` backward passes use constants rounded to six digits and
//! `candle_nn::ops::softmax_last_dim` records no backward at all, hence the compositions here.
//! ReLU's subgradient at exactly 0 is 1 (candle's choice; PyTorch uses 0).
//!
//! Shapes: output shape = input shape. Cost: $O(n)$ per element-wise function.
//! Reference: D. Hendrycks, K. Gimpel, *Gaussian Error Linear Units (GELUs)*, 2016;
//! S. Elfwing et al., *Sigmoid-Weighted Linear Units*, 2018.
//!
//! ```
//! use breadth_nn::activation::{gelu, Activation};
//! use candle_core::{Device, Tensor};
//! let x = Tensor::new(&[-1.0f64, 0.0, 2.0], &Device::Cpu).unwrap();
//! let y = gelu(&x).unwrap().to_vec1::<f64>().unwrap();
//! assert!((y[2] - 1.954499736).abs() < 1e-8);
//! let r = Activation::Relu.apply(&x).unwrap().to_vec1::<f64>().unwrap();
//! assert_eq!(r, vec![0.0, 0.0, 2.0]);
//! ```

use std::fmt;
use std::str::FromStr;

use candle_core::{Result, Tensor, D};
use serde::{Deserialize, Serialize};

/// $\max(x, 0)$.
pub fn relu(x: &Tensor) -> Result<Tensor> {
    x.relu()
}

/// Values per parallel task in the fused ReLU passes below: fewer, and a task costs more than the
/// work it carries.
const RELU_CHUNK: usize = 1 << 14;

/// $y \leftarrow \max(y, 0)$ in place, in parallel: the output pass of fused layers.
pub(crate) fn relu_in_place<T: candle_core::WithDType>(y: &mut [T]) {
    let zero = T::from_f64(0.0);
    crate::matmul::par_chunks_mut(y, RELU_CHUNK, |_, c| {
        c.iter_mut()
            .for_each(|v| *v = if *v > zero { *v } else { zero })
    });
}

/// $G \odot [y > 0]$ for the output $y$ of a ReLU: the backward pass of fused layers (PyTorch's
/// subgradient 0 at 0), in parallel.
pub(crate) fn relu_mask<T: candle_core::WithDType>(g: &[T], y: &[T]) -> Vec<T> {
    let zero = T::from_f64(0.0);
    let mut out = vec![zero; g.len()];
    crate::matmul::par_chunks_mut(&mut out, RELU_CHUNK, |i, o| {
        let r = i * RELU_CHUNK..i * RELU_CHUNK + o.len();
        for ((o, &g), &y) in o.iter_mut().zip(&g[r.clone()]).zip(&y[r]) {
            *o = if y > zero { g } else { zero };
        }
    });
    out
}

/// $\max(x, a x)$ for a slope $0 \le a < 1$.
pub fn leaky_relu(x: &Tensor, slope: f64) -> Result<Tensor> {
    x.maximum(&x.affine(slope, 0.0)?)
}

/// Exact GELU, $x \Phi(x)$.
pub fn gelu(x: &Tensor) -> Result<Tensor> {
    let phi = (x.affine(std::f64::consts::FRAC_1_SQRT_2, 0.0)?.erf()? + 1.0)?;
    (x * phi)?.affine(0.5, 0.0)
}

/// GELU with the tanh approximation.
pub fn gelu_tanh(x: &Tensor) -> Result<Tensor> {
    let c = (2.0 / std::f64::consts::PI).sqrt();
    let inner = (x + x.powf(3.0)?.affine(0.044715, 0.0)?)?.affine(c, 0.0)?;
    (x * (inner.tanh()? + 1.0)?)?.affine(0.5, 0.0)
}

/// The logistic function, computed as $\tfrac12(1 + \tanh(x/2))$.
pub fn sigmoid(x: &Tensor) -> Result<Tensor> {
    x.affine(0.5, 0.0)?.tanh()?.affine(0.5, 0.5)
}

/// SiLU (swish), $x \sigma(x)$.
pub fn silu(x: &Tensor) -> Result<Tensor> {
    x * sigmoid(x)?
}

/// Hyperbolic tangent.
pub fn tanh(x: &Tensor) -> Result<Tensor> {
    x.tanh()
}

/// `x` minus its (detached) maximum over the last dimension.
fn shifted(x: &Tensor) -> Result<Tensor> {
    x.broadcast_sub(&x.max_keepdim(D::Minus1)?.detach())
}

/// Softmax over the last dimension.
pub fn softmax(x: &Tensor) -> Result<Tensor> {
    let e = shifted(x)?.exp()?;
    e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
}

/// Log-softmax over the last dimension.
pub fn log_softmax(x: &Tensor) -> Result<Tensor> {
    let s = shifted(x)?;
    s.broadcast_sub(&s.exp()?.sum_keepdim(D::Minus1)?.log()?)
}

/// An element-wise activation chosen by name (for model configurations).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Activation {
    /// `relu`.
    Relu,
    /// `leaky_relu:A`, slope `A` for negative inputs.
    LeakyRelu(f64),
    /// `gelu`, exact (erf).
    Gelu,
    /// `gelu_tanh`.
    GeluTanh,
    /// `silu`.
    Silu,
    /// `tanh`.
    Tanh,
    /// `sigmoid` (scikit-learn's `logistic`).
    Sigmoid,
    /// `identity`.
    Identity,
}

impl Activation {
    /// Apply element-wise.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        match *self {
            Activation::Relu => relu(x),
            Activation::LeakyRelu(a) => leaky_relu(x, a),
            Activation::Gelu => gelu(x),
            Activation::GeluTanh => gelu_tanh(x),
            Activation::Silu => silu(x),
            Activation::Tanh => tanh(x),
            Activation::Sigmoid => sigmoid(x),
            Activation::Identity => Ok(x.clone()),
        }
    }
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "relu" => Self::Relu,
            "gelu" => Self::Gelu,
            "gelu_tanh" => Self::GeluTanh,
            "silu" => Self::Silu,
            "tanh" => Self::Tanh,
            "sigmoid" | "logistic" => Self::Sigmoid,
            "identity" => Self::Identity,
            s => match s.strip_prefix("leaky_relu") {
                Some("") => Self::LeakyRelu(0.01),
                Some(rest) => {
                    let a: f64 = rest
                        .strip_prefix(':')
                        .and_then(|a| a.parse().ok())
                        .ok_or("expected leaky_relu:SLOPE, for example leaky_relu:0.1")?;
                    if !(0.0..1.0).contains(&a) {
                        return Err(format!("leaky_relu slope must lie in [0, 1), got {a}"));
                    }
                    Self::LeakyRelu(a)
                }
                None => {
                    return Err(
                        "expected relu, leaky_relu[:A], gelu, gelu_tanh, silu, tanh, sigmoid or identity"
                            .into(),
                    )
                }
            },
        })
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Relu => f.write_str("relu"),
            Self::LeakyRelu(a) => write!(f, "leaky_relu:{a}"),
            Self::Gelu => f.write_str("gelu"),
            Self::GeluTanh => f.write_str("gelu_tanh"),
            Self::Silu => f.write_str("silu"),
            Self::Tanh => f.write_str("tanh"),
            Self::Sigmoid => f.write_str("sigmoid"),
            Self::Identity => f.write_str("identity"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use crate::test_support::{assert_close, fixture, tensor};
    use candle_core::{DType, Var};

    type Act = fn(&Tensor) -> Result<Tensor>;

    fn all() -> Vec<(&'static str, Act)> {
        vec![
            ("relu", relu),
            ("leaky_relu", |x| leaky_relu(x, 0.2)),
            ("gelu", gelu),
            ("gelu_tanh", gelu_tanh),
            ("silu", silu),
            ("tanh", tanh),
            ("sigmoid", sigmoid),
            ("softmax", softmax),
            ("log_softmax", log_softmax),
        ]
    }

    /// Forward and backward against `reference/nn.py` (torch 2.15.0, f32), 1e-5.
    #[test]
    fn match_pytorch() {
        let fx = fixture("layers");
        for (name, f) in all() {
            let case = &fx["cases"][name];
            let x = Var::from_tensor(&tensor(&case["inputs"]["x"], DType::F32)).unwrap();
            let y = f(x.as_tensor()).unwrap();
            assert_close(&y, &tensor(&case["out"], DType::F32), 1e-5, name);
            let g = tensor(&case["grad_out"], DType::F32);
            let grads = (y * g).unwrap().sum_all().unwrap().backward().unwrap();
            let dx = grads.get(x.as_tensor()).unwrap();
            assert_close(dx, &tensor(&case["grads"]["x"], DType::F32), 1e-5, name);
        }
    }

    #[test]
    fn finite_differences() {
        let x = Tensor::new(
            &[[-1.3f64, 0.4, 2.2], [0.7, -0.2, -2.9]],
            &candle_core::Device::Cpu,
        )
        .unwrap();
        for (name, f) in all() {
            let err = check_gradients(|v| f(&v[0]), std::slice::from_ref(&x), 1e-6).unwrap();
            assert!(err < 1e-6, "{name}: finite-difference error {err:e}");
        }
    }

    #[test]
    fn softmax_is_stable_for_large_inputs() {
        let x = Tensor::new(&[[1000.0f32, 1001.0]], &candle_core::Device::Cpu).unwrap();
        let p = softmax(&x).unwrap().to_vec2::<f32>().unwrap();
        assert!((p[0][1] - 0.7310586).abs() < 1e-6, "{p:?}");
        let l = log_softmax(&x).unwrap().to_vec2::<f32>().unwrap();
        assert!(l[0].iter().all(|v| v.is_finite()));
    }

    #[test]
    fn parse_names() {
        assert_eq!(
            "leaky_relu:0.1".parse::<Activation>().unwrap(),
            Activation::LeakyRelu(0.1)
        );
        assert!("leaky_relu:2".parse::<Activation>().is_err());
        assert!("swish?".parse::<Activation>().is_err());
        let a = Activation::GeluTanh;
        assert_eq!(a.to_string().parse::<Activation>().unwrap(), a);
    }
}
