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
//! Both run as im2col plus one batched matrix multiply ([`conv2d_im2col`]), because candle's
//! `conv1d` backward is wrong and its `conv2d` backward is slow (and fails on non-square inputs
//! with stride > 1).
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
    /// Computed as [`conv2d_im2col`] over a height-1 image of the zero-padded input: candle
    /// 0.11's `conv1d` backward returns wrong kernel gradients (and wrong input gradients
    /// without padding), which the finite-difference test below catches.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let c = self.cfg;
        let x = if c.padding > 0 {
            x.pad_with_zeros(2, c.padding, c.padding)?
        } else {
            x.clone()
        };
        let cfg = ConvConfig { padding: 0, ..c };
        let y = conv2d_im2col(&x.unsqueeze(2)?, &self.weight.unsqueeze(2)?, cfg)?.squeeze(2)?;
        y.broadcast_add(&self.bias.reshape((1, (), 1))?)
    }
}

impl Module for Conv1d {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> Result<Tensor> {
        self.apply(x)
    }
}

/// The flat positions, in a padded $c \times h_p \times w_p$ image, of the im2col matrix's
/// entries, ordered (channel, kernel row, kernel column, output row, output column).
fn im2col_index(
    c: usize,
    hp: usize,
    wp: usize,
    (kh, kw): (usize, usize),
    cfg: ConvConfig,
    (oh, ow): (usize, usize),
) -> Vec<u32> {
    let (s, d) = (cfg.stride, cfg.dilation);
    let mut idx = Vec::with_capacity(c * kh * kw * oh * ow);
    for ci in 0..c {
        for u in 0..kh {
            for v in 0..kw {
                for i in 0..oh {
                    let row = ci * hp * wp + (i * s + u * d) * wp;
                    idx.extend((0..ow).map(|j| (row + j * s + v * d) as u32));
                }
            }
        }
    }
    idx
}

/// 2-d convolution without bias as im2col and one batched matrix multiply, from candle
/// operations whose backward passes are fast on the CPU: a gather (`index_select`, whose
/// backward is a scatter-add) and a matmul. candle's own `conv2d` is the test oracle; its backward
/// for the input runs a direct transposed-convolution loop that made training several times
/// slower than PyTorch.
///
/// $x$: $(n, c, h, w)$, kernel: $(o, c, k_h, k_w)$, result $(n, o, h', w')$.
pub fn conv2d_im2col(x: &Tensor, kernel: &Tensor, cfg: ConvConfig) -> Result<Tensor> {
    let (n, c, h, w) = x.dims4()?;
    let (o, kc, kh, kw) = kernel.dims4()?;
    if kc != c {
        candle_core::bail!("conv2d: input has {c} channels, the kernel expects {kc}");
    }
    let p = cfg.padding;
    let (hp, wp) = (h + 2 * p, w + 2 * p);
    let (span_h, span_w) = (cfg.dilation * (kh - 1) + 1, cfg.dilation * (kw - 1) + 1);
    if hp < span_h || wp < span_w {
        candle_core::bail!(
            "conv2d: kernel span {span_h} x {span_w} exceeds the padded input {hp} x {wp}"
        );
    }
    let (oh, ow) = (
        (hp - span_h) / cfg.stride + 1,
        (wp - span_w) / cfg.stride + 1,
    );
    let xp = if p > 0 {
        x.pad_with_zeros(2, p, p)?.pad_with_zeros(3, p, p)?
    } else {
        x.clone()
    };
    let idx = im2col_index(c, hp, wp, (kh, kw), cfg, (oh, ow));
    let idx = Tensor::from_vec(idx, c * kh * kw * oh * ow, x.device())?;
    let cols = xp
        .reshape((n, c * hp * wp))?
        .index_select(&idx, 1)?
        .reshape((n, c * kh * kw, oh * ow))?;
    kernel
        .reshape((o, c * kh * kw))?
        .broadcast_matmul(&cols)?
        .reshape((n, o, oh, ow))
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

    /// The convolution of `x`, $(n, c, h, w)$, through [`conv2d_im2col`].
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let y = conv2d_im2col(x, &self.weight, self.cfg)?;
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
        let (x, w, b) = (draw(&[1, 2, 6, 5]), draw(&[2, 2, 3, 3]), draw(&[2]));
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
        let (x, w, b) = (draw(&[2, 2, 8]), draw(&[3, 2, 3]), draw(&[3]));
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

    /// The im2col convolution against candle's `conv2d` (the oracle) on seeded random inputs,
    /// forward and both gradients, for several strides, paddings and dilations. Square images
    /// only: candle's `conv2d` backward derives the output padding of both axes from the height
    /// and fails on non-square inputs with stride > 1 (the finite-difference test covers those).
    #[test]
    fn im2col_matches_candle_conv2d() {
        let mut rng = seeded_rng(3);
        let mut draw = |s: &[usize]| {
            Init::Normal { std: 1.0 }
                .sample(s, &mut rng, DType::F64)
                .unwrap()
        };
        for (stride, padding, dilation) in [(1, 1, 1), (2, 1, 1), (1, 0, 2), (2, 2, 2), (3, 0, 1)] {
            let cfg = ConvConfig {
                stride,
                padding,
                dilation,
            };
            let x = Var::from_tensor(&draw(&[2, 3, 9, 9])).unwrap();
            let w = Var::from_tensor(&draw(&[4, 3, 3, 3])).unwrap();
            let g = draw(&[2, 4, 9, 9]);
            let ours = conv2d_im2col(&x, &w, cfg).unwrap();
            let oracle = x.conv2d(&w, padding, stride, dilation, 1).unwrap();
            let tol = 1e-12 * 27.0;
            crate::test_support::assert_close(&ours, &oracle, tol, "forward");
            let g = g
                .narrow(2, 0, ours.dim(2).unwrap())
                .unwrap()
                .narrow(3, 0, ours.dim(3).unwrap())
                .unwrap();
            let ga = (&ours * &g).unwrap().sum_all().unwrap().backward().unwrap();
            let gb = (&oracle * &g)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            for v in [&x, &w] {
                crate::test_support::assert_close(
                    ga.get(v).unwrap(),
                    gb.get(v).unwrap(),
                    tol,
                    "gradient",
                );
            }
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
