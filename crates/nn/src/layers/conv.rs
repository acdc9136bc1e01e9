//! One- and two-dimensional convolution (cross-correlation, as every deep-learning library).
//!
//! For input $x \in \mathbb{R}^{n \times c \times h \times w}$, weight
//! $K \in \mathbb{R}^{o \times c \times k_h \times k_w}$, bias $b \in \mathbb{R}^o$, stride $s$,
//! zero padding $p$ and dilation $d$:
//! $$y_{n,o,i,j} = b_o + \sum_{c,u,v} K_{o,c,u,v}\, x_{n,c,\,s i + d u - p,\,s j + d v - p},$$
//! with output size $h' = \lfloor (h + 2p - d(k_h - 1) - 1)/s \rfloor + 1$ (likewise $w'$).
//! Conv1d is the same with one spatial axis. The backward pass is candle's: a transposed
//! convolution for $\partial L/\partial x$ and a convolution of the input with the upstream
//! gradient for $\partial L/\partial K$. Initialised like PyTorch:
//! $K, b \sim U(-1/\sqrt{c k_h k_w}, 1/\sqrt{c k_h k_w})$.
//!
//! Cost: $O(n o c k_h k_w h' w')$ (candle lowers it to a matrix multiply through im2col).
//! Conv1d runs as a 2-d convolution of height 1, because candle's `conv1d` backward is wrong.
//! Reference: V. Dumoulin, F. Visin, *A guide to convolution arithmetic for deep learning*, 2016.
//!
//! ```
//! use breadth_nn::layers::conv::{Conv2d, ConvConfig};
//! use breadth_nn::params::Params;
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! let mut params = Params::new();
//! let cfg = ConvConfig { stride: 2, padding: 1, dilation: 1 };
//! let conv = Conv2d::new(&mut params, "c1", 3, 8, 3, cfg, &mut seeded_rng(0), DType::F32).unwrap();
//! let x = Tensor::zeros((2, 3, 8, 8), DType::F32, &Device::Cpu).unwrap();
//! assert_eq!(conv.apply(&x).unwrap().dims(), &[2, 8, 4, 4]);
//! ```

use breadth_core::{Error, Rng};
use candle_core::{DType, Result, Tensor, Var};

use super::{Mode, Module};
use crate::init::Init;
use crate::params::Params;

/// Stride, zero padding and dilation, the same along every spatial axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvConfig {
    /// Step between output positions (at least 1).
    pub stride: usize,
    /// Zeros added on each side of every spatial axis.
    pub padding: usize,
    /// Spacing between kernel taps (at least 1).
    pub dilation: usize,
}

impl Default for ConvConfig {
    fn default() -> Self {
        ConvConfig {
            stride: 1,
            padding: 0,
            dilation: 1,
        }
    }
}

/// Register weight and bias of shape `[out, in, kernel...]` initialised like PyTorch.
fn register(
    params: &mut Params,
    name: &str,
    shape: &[usize],
    cfg: ConvConfig,
    rng: &mut Rng,
    dtype: DType,
) -> breadth_core::Result<(Var, Var)> {
    if shape.contains(&0) || cfg.stride == 0 || cfg.dilation == 0 {
        return Err(Error::param(
            name,
            format!("a convolution needs positive sizes, stride and dilation; got weight {shape:?}, {cfg:?}"),
        ));
    }
    let weight = params.add(
        &format!("{name}.weight"),
        Init::TorchDefault.sample(shape, rng, dtype)?,
        true,
    )?;
    let fan_in: usize = shape[1..].iter().product();
    let bound = 1.0 / (fan_in as f64).sqrt();
    let bias = params.add(
        &format!("{name}.bias"),
        Init::Uniform { bound }.sample(&[shape[0]], rng, dtype)?,
        true,
    )?;
    Ok((weight, bias))
}

/// Convolution over sequences, $(n, c, l) \to (n, o, l')$.
#[derive(Debug, Clone)]
pub struct Conv1d {
    weight: Var,
    bias: Var,
    cfg: ConvConfig,
}

impl Conv1d {
    /// `in_channels -> out_channels` with a kernel of `kernel` taps, registered under `name`.
    pub fn new(
        params: &mut Params,
        name: &str,
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        cfg: ConvConfig,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        let (weight, bias) = register(
            params,
            name,
            &[out_channels, in_channels, kernel],
            cfg,
            rng,
            dtype,
        )?;
        Ok(Conv1d { weight, bias, cfg })
    }

    /// A layer over existing variables: weight $(o, c, k)$, bias $(o)$.
    pub fn from_vars(weight: Var, bias: Var, cfg: ConvConfig) -> Self {
        Conv1d { weight, bias, cfg }
    }

    /// The convolution of `x`, $(n, c, l)$.
    ///
    /// Computed as a 2-d convolution over a height-1 image of the explicitly zero-padded input:
    /// candle 0.11's `conv1d` backward returns wrong kernel gradients (and wrong input gradients
    /// without padding), which the finite-difference test below catches; its `conv2d` backward
    /// is right.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let c = self.cfg;
        let x = if c.padding > 0 {
            x.pad_with_zeros(2, c.padding, c.padding)?
        } else {
            x.clone()
        };
        let y = x
            .unsqueeze(2)?
            .conv2d(&self.weight.unsqueeze(2)?, 0, c.stride, c.dilation, 1)?
            .squeeze(2)?;
        y.broadcast_add(&self.bias.reshape((1, (), 1))?)
    }
}

impl Module for Conv1d {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> Result<Tensor> {
        self.apply(x)
    }
}

/// Convolution over images, $(n, c, h, w) \to (n, o, h', w')$, square kernels.
#[derive(Debug, Clone)]
pub struct Conv2d {
    weight: Var,
    bias: Var,
    cfg: ConvConfig,
}

impl Conv2d {
    /// `in_channels -> out_channels` with a `kernel x kernel` kernel, registered under `name`.
    pub fn new(
        params: &mut Params,
        name: &str,
        in_channels: usize,
        out_channels: usize,
        kernel: usize,
        cfg: ConvConfig,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        let shape = [out_channels, in_channels, kernel, kernel];
        let (weight, bias) = register(params, name, &shape, cfg, rng, dtype)?;
        Ok(Conv2d { weight, bias, cfg })
    }

    /// A layer over existing variables: weight $(o, c, k_h, k_w)$, bias $(o)$.
    pub fn from_vars(weight: Var, bias: Var, cfg: ConvConfig) -> Self {
        Conv2d { weight, bias, cfg }
    }

    /// The convolution of `x`, $(n, c, h, w)$.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let c = self.cfg;
        let y = x.conv2d(&self.weight, c.padding, c.stride, c.dilation, 1)?;
        y.broadcast_add(&self.bias.reshape((1, (), 1, 1))?)
    }
}

impl Module for Conv2d {
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

    fn cfg_of(case: &serde_json::Value) -> ConvConfig {
        let u = |k: &str| case[k].as_u64().unwrap() as usize;
        ConvConfig {
            stride: u("stride"),
            padding: u("padding"),
            dilation: u("dilation"),
        }
    }

    /// Forward and backward against `reference/nn.py` (torch 2.15.0 `F.conv1d`/`F.conv2d`,
    /// f32, with stride, padding and dilation), 1e-5.
    #[test]
    fn matches_pytorch() {
        let fx = fixture("layers");
        for name in ["conv1d", "conv1d_s2d2"] {
            let case = &fx["cases"][name];
            check_case(case, &["x", "weight", "bias"], 1e-5, |v| {
                let (w, b) = (Var::from_tensor(&v[1])?, Var::from_tensor(&v[2])?);
                Conv1d::from_vars(w, b, cfg_of(case)).apply(&v[0])
            });
        }
        for name in ["conv2d", "conv2d_s2"] {
            let case = &fx["cases"][name];
            check_case(case, &["x", "weight", "bias"], 1e-5, |v| {
                let (w, b) = (Var::from_tensor(&v[1])?, Var::from_tensor(&v[2])?);
                Conv2d::from_vars(w, b, cfg_of(case)).apply(&v[0])
            });
        }
    }

    #[test]
    fn finite_differences() {
        let mut rng = seeded_rng(0);
        let mut draw = |s: &[usize]| {
            Init::Normal { std: 1.0 }
                .sample(s, &mut rng, DType::F64)
                .unwrap()
        };
        let cfg = ConvConfig {
            stride: 2,
            padding: 1,
            dilation: 1,
        };
        let (x, w, b) = (draw(&[1, 2, 5, 5]), draw(&[2, 2, 3, 3]), draw(&[2]));
        let err = check_gradients(
            |v| {
                Conv2d::from_vars(Var::from_tensor(&v[1])?, Var::from_tensor(&v[2])?, cfg)
                    .apply(&v[0])
            },
            &[x, w, b],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "conv2d: {err:e}");
        let (x, w, b) = (draw(&[2, 2, 7]), draw(&[3, 2, 3]), draw(&[3]));
        for (stride, padding, dilation) in [(1, 0, 1), (2, 0, 1), (1, 2, 2), (2, 1, 2)] {
            let cfg = ConvConfig {
                stride,
                padding,
                dilation,
            };
            let err = check_gradients(
                |v| {
                    Conv1d::from_vars(Var::from_tensor(&v[1])?, Var::from_tensor(&v[2])?, cfg)
                        .apply(&v[0])
                },
                &[x.clone(), w.clone(), b.clone()],
                1e-6,
            )
            .unwrap();
            assert!(err < 1e-6, "conv1d {cfg:?}: {err:e}");
        }
    }

    #[test]
    fn zero_stride_is_refused() {
        let cfg = ConvConfig {
            stride: 0,
            padding: 0,
            dilation: 1,
        };
        let mut p = Params::new();
        assert!(Conv2d::new(&mut p, "c", 1, 1, 3, cfg, &mut seeded_rng(0), DType::F32).is_err());
    }
}
