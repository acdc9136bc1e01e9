//! Fully connected (affine) layer.
//!
//! $y = x W^\top + b$ with $x \in \mathbb{R}^{\dots \times i}$, weight $W \in \mathbb{R}^{o \times i}$
//! (PyTorch's layout) and bias $b \in \mathbb{R}^{o}$. Backward:
//! $\partial L/\partial x = G W$, $\partial L/\partial W = G^\top x$, $\partial L/\partial b = \sum G$
//! for the upstream gradient $G$. Initialised like PyTorch: $W, b \sim U(-1/\sqrt i, 1/\sqrt i)$.
//!
//! Cost: $O(n i o)$ for $n$ rows, one matrix multiply each way.
//! Reference: I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, 2016, §6.
//!
//! ```
//! use breadth_nn::layers::linear::Linear;
//! use candle_core::{Device, Tensor, Var};
//! let w = Var::new(&[[1.0f32, 2.0], [0.0, -1.0]], &Device::Cpu).unwrap();
//! let b = Var::new(&[0.5f32, 0.0], &Device::Cpu).unwrap();
//! let layer = Linear::from_vars(w, Some(b));
//! let y = layer.apply(&Tensor::new(&[[1.0f32, 1.0]], &Device::Cpu).unwrap()).unwrap();
//! assert_eq!(y.to_vec2::<f32>().unwrap(), vec![vec![3.5, -1.0]]);
//! ```

use breadth_core::Rng;
use candle_core::{DType, Result, Tensor, Var};

use super::{Mode, Module};
use crate::init::Init;
use crate::params::Params;

/// $y = x W^\top + b$.
#[derive(Debug, Clone)]
pub struct Linear {
    weight: Var,
    bias: Option<Var>,
}

impl Linear {
    /// A layer from `in_dim` to `out_dim` features with a bias, registered as `{name}.weight` and
    /// `{name}.bias`, initialised like PyTorch.
    pub fn new(
        params: &mut Params,
        name: &str,
        in_dim: usize,
        out_dim: usize,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        Self::with_init(
            params,
            name,
            in_dim,
            out_dim,
            true,
            Init::TorchDefault,
            rng,
            dtype,
        )
    }

    /// A layer with a chosen weight initialisation, with or without a bias.
    pub fn with_init(
        params: &mut Params,
        name: &str,
        in_dim: usize,
        out_dim: usize,
        bias: bool,
        init: Init,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        if in_dim == 0 || out_dim == 0 {
            return Err(breadth_core::Error::param(
                name,
                format!("a linear layer needs positive sizes, got {in_dim} -> {out_dim}"),
            ));
        }
        let weight = params.add(
            &format!("{name}.weight"),
            init.sample(&[out_dim, in_dim], rng, dtype)?,
            true,
        )?;
        let bias = if bias {
            let bound = 1.0 / (in_dim as f64).sqrt();
            let b = Init::Uniform { bound }.sample(&[out_dim], rng, dtype)?;
            Some(params.add(&format!("{name}.bias"), b, true)?)
        } else {
            None
        };
        Ok(Linear { weight, bias })
    }

    /// A layer over existing variables: weight $(o, i)$, bias $(o)$.
    pub fn from_vars(weight: Var, bias: Option<Var>) -> Self {
        Linear { weight, bias }
    }

    /// The weight variable, $(o, i)$.
    pub fn weight(&self) -> &Var {
        &self.weight
    }

    /// The bias variable, $(o)$.
    pub fn bias(&self) -> Option<&Var> {
        self.bias.as_ref()
    }

    /// $x W^\top + b$ for $x$ of shape $(\dots, i)$.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let w = self.weight.as_tensor();
        let y = match x.rank() {
            2 => x.matmul(&w.t()?)?,
            _ => {
                // Fold the leading dimensions into rows: one large GEMM instead of a batch.
                let (lead, i) = x.dims().split_at(x.rank() - 1);
                let mut out_shape = lead.to_vec();
                out_shape.push(w.dim(0)?);
                x.reshape(((), i[0]))?.matmul(&w.t()?)?.reshape(out_shape)?
            }
        };
        match &self.bias {
            Some(b) => y.broadcast_add(b.as_tensor()),
            None => Ok(y),
        }
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> Result<Tensor> {
        self.apply(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use crate::test_support::{check_case, fixture};
    use breadth_core::seeded_rng;

    /// Forward and backward against `reference/nn.py` (torch 2.15.0 `F.linear`, f32), 1e-5.
    #[test]
    fn matches_pytorch() {
        let case = &fixture("layers")["cases"]["linear"];
        check_case(case, &["x", "weight", "bias"], 1e-5, |v| {
            let w = Var::from_tensor(&v[1])?;
            Linear::from_vars(w, Some(Var::from_tensor(&v[2])?)).apply(&v[0])
        });
    }

    #[test]
    fn finite_differences_including_3d_input() {
        let mut rng = seeded_rng(0);
        let x = Init::XavierNormal { gain: 1.0 }
            .sample(&[2, 3, 4], &mut rng, DType::F64)
            .unwrap();
        let w = Init::XavierNormal { gain: 1.0 }
            .sample(&[5, 4], &mut rng, DType::F64)
            .unwrap();
        let b = Init::XavierNormal { gain: 1.0 }
            .sample(&[5], &mut rng, DType::F64)
            .unwrap();
        let err = check_gradients(
            |v| {
                let w = Var::from_tensor(&v[1])?;
                Linear::from_vars(w, Some(Var::from_tensor(&v[2])?)).apply(&v[0])
            },
            &[x.clone(), w.clone(), b],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "{err:e}");
        let err = check_gradients(
            |v| Linear::from_vars(Var::from_tensor(&w)?, None).apply(&v[0]),
            &[x],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "{err:e}");
    }

    #[test]
    fn zero_sizes_are_refused() {
        let mut p = Params::new();
        assert!(Linear::new(&mut p, "l", 0, 3, &mut seeded_rng(0), DType::F32).is_err());
    }
}
