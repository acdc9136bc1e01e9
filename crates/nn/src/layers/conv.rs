//! One- and two-dimensional convolution (cross-correlation, as every deep-learning library).
//!
//! For input $x \in \mathbb{R}^{n \times c \times h \times w}$, weight
//! $K \in \mathbb{R}^{o \times c \times k_h \times k_w}$, bias $b \in \mathbb{R}^o$, stride $s$,
//! zero padding $p$ and dilation $d$:
//! $$y_{n,o,i,j} = b_o + \sum_{c,u,v} K_{o,c,u,v}\, x_{n,c,\,s i + d u - p,\,s j + d v - p},$$
//! with output size $h' = \lfloor (h + 2p - d(k_h - 1) - 1)/s \rfloor + 1$ (likewise $w'$).
//! Conv1d is the same with one spatial axis. Initialised like PyTorch:
//! $K, b \sim U(-1/\sqrt{c k_h k_w}, 1/\sqrt{c k_h k_w})$.
//!
//! Both layers run [`conv2d_fused`]: one candle custom operation with its own backward pass.
//! Per image $m$, the im2col matrix $X_m = \mathrm{im2col}(x_m)$ ($c k_h k_w \times h' w'$,
//! one column per output pixel) turns the convolution into one matrix multiply,
//! $Y_m = K X_m + b \mathbf 1^\top$ with $K$ reshaped to $o \times c k_h k_w$; backward, with
//! $G_m = \partial L / \partial Y_m$: $\partial L/\partial K = \sum_m G_m X_m^\top$,
//! $\partial L/\partial x_m = \mathrm{col2im}(K^\top G_m)$ (col2im, the adjoint of im2col,
//! scatter-adds each column back onto the pixels it was read from) and
//! $\partial L/\partial b = \sum_{m,i,j} G_{m,:,i,j}$. The composite [`conv2d_im2col`] (a gather and
//! a batched matmul from candle operations) is its test oracle, and candle's `conv2d` that one's;
//! candle's own `conv2d` backward is slow and fails on non-square inputs with stride > 1, and its
//! `conv1d` backward is wrong.
//!
//! Cost: $O(n o c k_h k_w h' w')$ for the forward pass and for each gradient, plus
//! $O(n c k_h k_w h' w')$ memory traffic for im2col; memory $O(c k_h k_w h' w')$ per thread.
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
use candle_core::backend::BackendStorage;
use candle_core::{
    CpuStorage, CustomOp1, CustomOp2, CustomOp3, DType, Layout, Result, Shape, Tensor, Var,
    WithDType,
};

use super::{Mode, Module};
use crate::activation::relu_mask;
use crate::init::Init;
use crate::matmul::{
    by_dtype, gemm_into, par_chunks_scratch, values, with_values, zero, MatView, Threads,
};
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
    /// Computed as [`conv2d_fused`] over a height-1 image of the zero-padded input: candle
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
        conv2d_fused(
            &x.unsqueeze(2)?,
            &self.weight.unsqueeze(2)?,
            &self.bias,
            cfg,
        )?
        .squeeze(2)
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
/// operations whose backward passes are correct on the CPU: a gather (`index_select`, whose
/// backward is a scatter-add) and a matmul. It is the composite oracle of the fused
/// [`conv2d_fused`] (and the path on devices other than the CPU); candle's own `conv2d` is in
/// turn its oracle. candle's `conv2d` backward for the input runs a direct
/// transposed-convolution loop that made training several times slower than PyTorch.
///
/// $x$: $(n, c, h, w)$, kernel: $(o, c, k_h, k_w)$, result $(n, o, h', w')$.
pub fn conv2d_im2col(x: &Tensor, kernel: &Tensor, cfg: ConvConfig) -> Result<Tensor> {
    let g = Geometry::new(x, kernel, cfg)?;
    let (n, c, o) = (g.n, g.c, g.o);
    let p = cfg.padding;
    let (hp, wp) = (g.h + 2 * p, g.w + 2 * p);
    let xp = if p > 0 {
        x.pad_with_zeros(2, p, p)?.pad_with_zeros(3, p, p)?
    } else {
        x.clone()
    };
    let idx = im2col_index(c, hp, wp, (g.kh, g.kw), cfg, (g.oh, g.ow));
    let idx = Tensor::from_vec(idx, g.patch() * g.pixels(), x.device())?;
    let cols = xp
        .reshape((n, c * hp * wp))?
        .index_select(&idx, 1)?
        .reshape((n, g.patch(), g.pixels()))?;
    kernel
        .reshape((o, g.patch()))?
        .broadcast_matmul(&cols)?
        .reshape((n, o, g.oh, g.ow))
}

/// The sizes of one 2-d convolution, checked once and shared by its kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geometry {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    o: usize,
    kh: usize,
    kw: usize,
    oh: usize,
    ow: usize,
    cfg: ConvConfig,
}

impl Geometry {
    /// The geometry of convolving `x` $(n, c, h, w)$ with `kernel` $(o, c, k_h, k_w)$.
    fn new(x: &Tensor, kernel: &Tensor, cfg: ConvConfig) -> Result<Self> {
        let (n, c, h, w) = x.dims4()?;
        let (o, kc, kh, kw) = kernel.dims4()?;
        if kc != c {
            candle_core::bail!("conv2d: input has {c} channels, the kernel expects {kc}");
        }
        if cfg.stride == 0 || cfg.dilation == 0 || kh == 0 || kw == 0 {
            candle_core::bail!("conv2d: kernel {kh} x {kw} with {cfg:?}");
        }
        let (hp, wp) = (h + 2 * cfg.padding, w + 2 * cfg.padding);
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
        Ok(Geometry {
            n,
            c,
            h,
            w,
            o,
            kh,
            kw,
            oh,
            ow,
            cfg,
        })
    }

    /// Rows of the im2col matrix: $c k_h k_w$.
    fn patch(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Output pixels per channel: $h' w'$.
    fn pixels(&self) -> usize {
        self.oh * self.ow
    }

    /// Values of one input image: $c h w$.
    fn image(&self) -> usize {
        self.c * self.h * self.w
    }

    /// Calls `f(col, src, len)` for every run of one image's im2col matrix (row-major,
    /// $c k_h k_w \times h' w'$) that reads input pixels: `len` entries from `col` on, the
    /// first reading input value `src` and each next one `stride` further along the same input
    /// row. Entries outside every run are zero padding.
    fn for_each_run(&self, mut f: impl FnMut(usize, usize, usize)) {
        let ConvConfig {
            stride: s,
            padding: p,
            dilation: d,
        } = self.cfg;
        let (h, w, ow, pixels) = (self.h, self.w, self.ow, self.pixels());
        for ci in 0..self.c {
            for u in 0..self.kh {
                for v in 0..self.kw {
                    let row = (ci * self.kh + u) * self.kw + v;
                    // Output columns j whose tap lands inside the image: 0 <= j s + v d - p < w.
                    let off = v * d;
                    let j0 = if p > off { (p - off).div_ceil(s) } else { 0 }.min(ow);
                    let j1 = if w + p > off {
                        (w + p - off).div_ceil(s)
                    } else {
                        0
                    };
                    let j1 = j1.min(ow).max(j0);
                    if j0 == j1 {
                        continue;
                    }
                    for i in 0..self.oh {
                        let y = i * s + u * d;
                        if y < p || y - p >= h {
                            continue;
                        }
                        let src = ci * h * w + (y - p) * w + j0 * s + off - p;
                        f(row * pixels + i * ow + j0, src, j1 - j0);
                    }
                }
            }
        }
    }

    /// The im2col matrix of one image `x` ($c h w$ values) into `cols`, which must be zero
    /// outside the runs: freshly zeroed, or last filled by `im2col` of the same geometry (the
    /// padding entries are the same for every image, so a reused buffer needs no clearing).
    #[inline(never)]
    fn im2col<T: WithDType>(&self, x: &[T], cols: &mut [T]) {
        let s = self.cfg.stride;
        self.for_each_run(|col, src, len| {
            let dst = &mut cols[col..col + len];
            if s == 1 {
                dst.copy_from_slice(&x[src..src + len]);
            } else {
                for (t, d) in dst.iter_mut().enumerate() {
                    *d = x[src + t * s];
                }
            }
        });
    }

    /// The adjoint of [`Geometry::im2col`]: scatter-adds the im2col-shaped `cols` into one
    /// image `dx`.
    #[inline(never)]
    fn col2im<T: WithDType>(&self, cols: &[T], dx: &mut [T]) {
        let s = self.cfg.stride;
        self.for_each_run(|col, src, len| {
            let g = &cols[col..col + len];
            if s == 1 {
                for (d, &g) in dx[src..src + len].iter_mut().zip(g) {
                    *d += g;
                }
            } else {
                for (t, &g) in g.iter().enumerate() {
                    dx[src + t * s] += g;
                }
            }
        });
    }
}

/// Images per task when the kernel gradient is summed over the batch: fixed, so that the
/// order of the sum, hence the result, does not depend on the number of threads.
const GRAD_CHUNK: usize = 8;

impl Geometry {
    /// $Y_m = K\, \mathrm{im2col}(x_m) + b\,\mathbf{1}^\top$ for every image, in parallel
    /// over the batch, then $\max(Y_m, 0)$ while the image is in cache when `relu`.
    fn forward<T: WithDType>(&self, x: &[T], k: &[T], bias: &[T], relu: bool) -> Vec<T> {
        let (patch, pixels, out) = (self.patch(), self.pixels(), self.o * self.pixels());
        let mut y = vec![zero::<T>(); self.n * out];
        let kmat = MatView::row_major(k, self.o, patch);
        par_chunks_scratch(&mut y, out, patch * pixels, |m, yb, cols| {
            let xb = &x[m * self.image()..(m + 1) * self.image()];
            self.im2col(xb, cols);
            for (row, &b) in yb.chunks_mut(pixels).zip(bias) {
                row.fill(b);
            }
            gemm_into(
                yb,
                kmat,
                MatView::row_major(cols, patch, pixels),
                true,
                Threads::Caller,
            );
            if relu {
                let z = zero::<T>();
                yb.iter_mut().for_each(|v| *v = if *v > z { *v } else { z });
            }
        });
        y
    }

    /// $\partial L/\partial K = \sum_m G_m\, \mathrm{im2col}(x_m)^\top$.
    fn grad_kernel<T: WithDType>(&self, x: &[T], g: &[T]) -> Vec<T> {
        let (patch, pixels, out) = (self.patch(), self.pixels(), self.o * self.pixels());
        let size = self.o * patch;
        let mut partials = vec![zero::<T>(); self.n.div_ceil(GRAD_CHUNK) * size];
        par_chunks_scratch(&mut partials, size, patch * pixels, |c, acc, cols| {
            let images = c * GRAD_CHUNK..((c + 1) * GRAD_CHUNK).min(self.n);
            let xc = &x[images.start * self.image()..images.end * self.image()];
            let gc = &g[images.start * out..images.end * out];
            for (t, (xb, gb)) in xc.chunks(self.image()).zip(gc.chunks(out)).enumerate() {
                self.im2col(xb, cols);
                let cols = MatView::row_major(cols, patch, pixels).t();
                gemm_into(
                    acc,
                    MatView::row_major(gb, self.o, pixels),
                    cols,
                    t > 0,
                    Threads::Caller,
                );
            }
        });
        sum_in_order(partials, size)
    }

    /// $\partial L/\partial x_m = \mathrm{col2im}(K^\top G_m)$, in parallel over the batch.
    fn grad_input<T: WithDType>(&self, g: &[T], k: &[T]) -> Vec<T> {
        let (patch, pixels, out) = (self.patch(), self.pixels(), self.o * self.pixels());
        let mut dx = vec![zero::<T>(); self.n * self.image()];
        let kt = MatView::row_major(k, self.o, patch).t();
        par_chunks_scratch(&mut dx, self.image(), patch * pixels, |m, dxb, cols| {
            let gb = &g[m * out..(m + 1) * out];
            gemm_into(
                cols,
                kt,
                MatView::row_major(gb, self.o, pixels),
                false,
                Threads::Caller,
            );
            self.col2im(cols, dxb);
        });
        dx
    }

    /// $\partial L/\partial b_o = \sum_{m, i, j} G_{m,o,i,j}$, summed in a fixed order.
    fn grad_bias<T: WithDType>(&self, g: &[T]) -> Vec<T> {
        let pixels = self.pixels();
        let mut db = vec![zero::<T>(); self.o];
        for gb in g.chunks(self.o * pixels) {
            for (d, row) in db.iter_mut().zip(gb.chunks(pixels)) {
                // Eight independent partial sums, so that the loop vectorises.
                let mut lanes = [zero::<T>(); 8];
                let mut chunks = row.chunks_exact(8);
                for c in &mut chunks {
                    for (l, &v) in lanes.iter_mut().zip(c) {
                        *l += v;
                    }
                }
                *d += chunks.remainder().iter().fold(zero::<T>(), |a, &v| a + v);
                *d += lanes.iter().fold(zero::<T>(), |a, &v| a + v);
            }
        }
        db
    }
}

/// Element-wise sum of the consecutive `len`-long parts of `parts`, first to last.
fn sum_in_order<T: WithDType>(mut parts: Vec<T>, len: usize) -> Vec<T> {
    if parts.len() < len {
        return vec![zero::<T>(); len];
    }
    let (acc, rest) = parts.split_at_mut(len);
    for p in rest.chunks_exact(len) {
        for (a, &v) in acc.iter_mut().zip(p) {
            *a += v;
        }
    }
    parts.truncate(len);
    parts
}

/// Which tensor a backward op of the fused convolution returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConvGrad {
    /// $\partial L/\partial x$ from (upstream gradient, kernel).
    Input,
    /// $\partial L/\partial K$ from (input, upstream gradient).
    Kernel,
}

/// The fused convolution: (input, kernel, bias) to output, followed by ReLU when the flag is
/// set; see [`conv2d_fused`].
struct FusedConv2d(Geometry, bool);

/// A backward piece of [`FusedConv2d`], itself without a backward pass.
struct FusedConv2dGrad(Geometry, ConvGrad);

/// The bias gradient of [`FusedConv2d`]: per-channel sums of the upstream gradient.
struct FusedConv2dBiasGrad(Geometry);

impl CustomOp3 for FusedConv2d {
    fn name(&self) -> &'static str {
        "fused-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        fn run<T: WithDType>(
            g: &Geometry,
            relu: bool,
            (s1, l1): (&CpuStorage, &Layout),
            (s2, l2): (&CpuStorage, &Layout),
            (s3, l3): (&CpuStorage, &Layout),
        ) -> Result<CpuStorage> {
            let x = values::<T>(s1, l1, "conv2d input")?;
            let k = values::<T>(s2, l2, "conv2d kernel")?;
            let b = values::<T>(s3, l3, "conv2d bias")?;
            Ok(T::to_cpu_storage_owned(g.forward(x, k, b, relu)))
        }
        let (g, relu) = (&self.0, self.1);
        let storage = by_dtype!(
            self.name(),
            s1.dtype(),
            run(g, relu, (s1, l1), (s2, l2), (s3, l3))
        )?;
        Ok((storage, Shape::from((g.n, g.o, g.oh, g.ow))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        kernel: &Tensor,
        bias: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        fn masked<T: WithDType>(grad: &Tensor, res: &Tensor) -> Result<Tensor> {
            let what = "conv2d backward";
            let m = with_values::<T, _>(grad, what, |g| {
                with_values::<T, _>(res, what, |y| Ok(relu_mask(g, y)))
            })?;
            Tensor::from_vec(m, grad.shape(), grad.device())
        }
        let g = self.0;
        let grad = grad.contiguous()?;
        let grad = if self.1 {
            by_dtype!(self.name(), grad.dtype(), masked(&grad, res))?
        } else {
            grad
        };
        // The input of a first layer is data: its gradient would be wasted work.
        let dx = if x.track_op() {
            Some(grad.apply_op2_no_bwd(kernel, &FusedConv2dGrad(g, ConvGrad::Input))?)
        } else {
            None
        };
        let dk = if kernel.track_op() {
            Some(x.apply_op2_no_bwd(&grad, &FusedConv2dGrad(g, ConvGrad::Kernel))?)
        } else {
            None
        };
        let db = if bias.track_op() {
            Some(grad.apply_op1_no_bwd(&FusedConv2dBiasGrad(g))?)
        } else {
            None
        };
        Ok((dx, dk, db))
    }
}

impl CustomOp2 for FusedConv2dGrad {
    fn name(&self) -> &'static str {
        "fused-conv2d-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        fn run<T: WithDType>(
            g: &Geometry,
            which: ConvGrad,
            (s1, l1): (&CpuStorage, &Layout),
            (s2, l2): (&CpuStorage, &Layout),
        ) -> Result<CpuStorage> {
            let a = values::<T>(s1, l1, "conv2d backward")?;
            let b = values::<T>(s2, l2, "conv2d backward")?;
            Ok(T::to_cpu_storage_owned(match which {
                ConvGrad::Input => g.grad_input(a, b),
                ConvGrad::Kernel => g.grad_kernel(a, b),
            }))
        }
        let (g, which) = (&self.0, self.1);
        let storage = by_dtype!(self.name(), s1.dtype(), run(g, which, (s1, l1), (s2, l2)))?;
        let shape = match which {
            ConvGrad::Input => Shape::from((g.n, g.c, g.h, g.w)),
            ConvGrad::Kernel => Shape::from((g.o, g.c, g.kh, g.kw)),
        };
        Ok((storage, shape))
    }
}

impl CustomOp1 for FusedConv2dBiasGrad {
    fn name(&self) -> &'static str {
        "fused-conv2d-bias-grad"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        fn run<T: WithDType>(g: &Geometry, s: &CpuStorage, l: &Layout) -> Result<CpuStorage> {
            Ok(T::to_cpu_storage_owned(g.grad_bias(values::<T>(
                s,
                l,
                "conv2d backward",
            )?)))
        }
        let g = &self.0;
        let storage = by_dtype!(self.name(), s.dtype(), run(g, s, l))?;
        Ok((storage, Shape::from(g.o)))
    }
}

/// 2-d convolution with bias as one fused CPU operation with its own backward pass: per image,
/// an im2col matrix and one matrix multiply (`gemm`, candle's kernel) for the output; for the
/// gradients $\partial L/\partial K = \sum_m G_m\, \mathrm{im2col}(x_m)^\top$,
/// $\partial L/\partial x_m = \mathrm{col2im}(K^\top G_m)$ and $\partial L/\partial b$ the
/// per-channel sums of $G$. Images run in parallel on the CPU pool of [`crate::matmul`]; the result does not depend on
/// the number of threads. The input gradient is skipped when the input needs none (data).
///
/// $x$: $(n, c, h, w)$, kernel: $(o, c, k_h, k_w)$, bias $(o)$, result $(n, o, h', w')$; f32 or
/// f64 on the CPU, elsewhere the composite [`conv2d_im2col`] (its test oracle).
pub fn conv2d_fused(x: &Tensor, kernel: &Tensor, bias: &Tensor, cfg: ConvConfig) -> Result<Tensor> {
    conv2d_fused_act(x, kernel, bias, cfg, false)
}

/// [`conv2d_fused`] followed by ReLU when `relu`, applied to each image's output while it is in
/// cache; backward, the upstream gradient is masked by $[y > 0]$ (PyTorch's subgradient 0 at 0)
/// in one pass before the three gradients. Off the fused path: the composite, then `relu`.
pub fn conv2d_fused_act(
    x: &Tensor,
    kernel: &Tensor,
    bias: &Tensor,
    cfg: ConvConfig,
    relu: bool,
) -> Result<Tensor> {
    let g = Geometry::new(x, kernel, cfg)?;
    if bias.dims() != [g.o] {
        candle_core::bail!(
            "conv2d: bias of shape {:?} for {} output channels",
            bias.dims(),
            g.o
        );
    }
    let fused = x.device().is_cpu()
        && matches!(x.dtype(), DType::F32 | DType::F64)
        && kernel.dtype() == x.dtype()
        && bias.dtype() == x.dtype();
    if !fused {
        let y = conv2d_im2col(x, kernel, cfg)?.broadcast_add(&bias.reshape((1, (), 1, 1))?)?;
        return if relu { y.relu() } else { Ok(y) };
    }
    x.contiguous()?.apply_op3(
        &kernel.contiguous()?,
        &bias.contiguous()?,
        FusedConv2d(g, relu),
    )
}

/// Convolution over images, $(n, c, h, w) \to (n, o, h', w')$, square kernels.
#[derive(Debug, Clone)]
pub struct Conv2d {
    weight: Var,
    bias: Var,
    cfg: ConvConfig,
    relu: bool,
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
        Ok(Self::from_vars(weight, bias, cfg))
    }

    /// A layer over existing variables: weight $(o, c, k_h, k_w)$, bias $(o)$.
    pub fn from_vars(weight: Var, bias: Var, cfg: ConvConfig) -> Self {
        Conv2d {
            weight,
            bias,
            cfg,
            relu: false,
        }
    }

    /// The same layer followed by ReLU inside its fused operation (see [`conv2d_fused_act`]);
    /// the variables are shared.
    pub fn with_relu(mut self) -> Self {
        self.relu = true;
        self
    }

    /// The convolution of `x`, $(n, c, h, w)$, through [`conv2d_fused_act`].
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        conv2d_fused_act(x, &self.weight, &self.bias, self.cfg, self.relu)
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

    /// The fused convolution against the composite oracle ([`conv2d_im2col`] plus a broadcast
    /// bias) on seeded random f32 inputs: forward and the gradients of input, kernel and bias,
    /// 1e-5, over strides, paddings, dilations, odd and non-square sizes, and a batch of one.
    #[test]
    fn fused_matches_composite() {
        let mut rng = seeded_rng(5);
        let mut draw = |s: &[usize]| {
            Init::Normal { std: 1.0 }
                .sample(s, &mut rng, DType::F32)
                .unwrap()
        };
        let cases = [
            // (n, c, h, w), (o, kh, kw), (stride, padding, dilation)
            ((2, 3, 9, 7), (4, 3, 3), (1, 1, 1)),
            ((1, 2, 8, 11), (3, 3, 2), (2, 1, 1)),
            ((3, 1, 7, 7), (5, 3, 3), (1, 0, 2)),
            ((2, 4, 10, 9), (2, 3, 3), (2, 2, 2)),
            ((1, 3, 5, 6), (4, 1, 1), (3, 0, 1)),
            ((2, 2, 6, 5), (3, 5, 5), (1, 3, 1)),
            ((10, 3, 6, 6), (4, 3, 3), (1, 1, 1)),
        ];
        for (case, ((n, c, h, w), (o, kh, kw), (stride, padding, dilation))) in
            cases.into_iter().enumerate()
        {
            let cfg = ConvConfig {
                stride,
                padding,
                dilation,
            };
            // Every other case with the fused ReLU (against candle's relu after the oracle).
            let relu = case % 2 == 1;
            let x = Var::from_tensor(&draw(&[n, c, h, w])).unwrap();
            let k = Var::from_tensor(&draw(&[o, c, kh, kw])).unwrap();
            let b = Var::from_tensor(&draw(&[o])).unwrap();
            let ours = conv2d_fused_act(&x, &k, &b, cfg, relu).unwrap();
            let oracle = conv2d_im2col(&x, &k, cfg)
                .unwrap()
                .broadcast_add(&b.reshape((1, (), 1, 1)).unwrap())
                .unwrap();
            let oracle = if relu { oracle.relu().unwrap() } else { oracle };
            let what = format!("{:?} {:?} {cfg:?} relu {relu}", x.dims(), k.dims());
            crate::test_support::assert_close(&ours, &oracle, 1e-5, &what);
            let g = draw(ours.dims());
            let ga = (&ours * &g).unwrap().sum_all().unwrap().backward().unwrap();
            let gb = (&oracle * &g)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            for (v, name) in [(&x, "input"), (&k, "kernel"), (&b, "bias")] {
                crate::test_support::assert_close(
                    ga.get(v).unwrap(),
                    gb.get(v).unwrap(),
                    1e-5,
                    &format!("{name} gradient, {what}"),
                );
            }
        }
    }

    /// Central differences in f64 through the fused operation, with non-square inputs and
    /// strides the candle oracle cannot take.
    #[test]
    fn fused_finite_differences() {
        let mut rng = seeded_rng(1);
        let mut draw = |s: &[usize]| {
            Init::Normal { std: 1.0 }
                .sample(s, &mut rng, DType::F64)
                .unwrap()
        };
        for (stride, padding, dilation) in [(1, 1, 1), (2, 0, 1), (2, 2, 2)] {
            let cfg = ConvConfig {
                stride,
                padding,
                dilation,
            };
            let (x, k, b) = (draw(&[2, 2, 5, 7]), draw(&[3, 2, 3, 2]), draw(&[3]));
            for relu in [false, true] {
                let err = check_gradients(
                    |v| conv2d_fused_act(&v[0], &v[1], &v[2], cfg, relu),
                    &[x.clone(), k.clone(), b.clone()],
                    1e-6,
                )
                .unwrap();
                assert!(err < 1e-6, "{cfg:?} relu {relu}: {err:e}");
            }
        }
    }

    /// Data (not a variable) gets no gradient, the kernel still gets the right one; and the
    /// result is bitwise the same on one thread as on the whole CPU pool (the batch of 19 spans several
    /// gradient chunks).
    #[test]
    fn fused_data_input_and_thread_count() {
        let mut rng = seeded_rng(2);
        let mut draw = |s: &[usize]| {
            Init::Normal { std: 1.0 }
                .sample(s, &mut rng, DType::F32)
                .unwrap()
        };
        let cfg = ConvConfig {
            stride: 1,
            padding: 1,
            dilation: 1,
        };
        let (x, g) = (draw(&[19, 2, 6, 6]), draw(&[19, 3, 6, 6]));
        let k = Var::from_tensor(&draw(&[3, 2, 3, 3])).unwrap();
        let b = Var::from_tensor(&draw(&[3])).unwrap();
        let run = |threads: usize| {
            let go = |f: &dyn Fn() -> (Vec<f32>, Vec<f32>)| {
                if threads == 1 {
                    crate::matmul::on_one_thread(f)
                } else {
                    f()
                }
            };
            go(&|| {
                let y = conv2d_fused(&x, &k, &b, cfg).unwrap();
                let grads = (&y * &g).unwrap().sum_all().unwrap().backward().unwrap();
                assert!(grads.get(&x).is_none(), "data got a gradient");
                let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                (flat(&y), flat(grads.get(&k).unwrap()))
            })
        };
        let (y1, dk1) = run(1);
        assert_eq!((y1.clone(), dk1.clone()), run(3));
        let oracle = conv2d_im2col(&x, &k, cfg).unwrap();
        let grads = (&oracle * &g)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let dk = Tensor::from_vec(dk1, (3, 2, 3, 3), &candle_core::Device::Cpu).unwrap();
        crate::test_support::assert_close(&dk, grads.get(&k).unwrap(), 1e-5, "kernel gradient");
    }

    #[test]
    fn fused_refuses_bad_shapes() {
        let z = |s: &[usize]| Tensor::zeros(s, DType::F32, &candle_core::Device::Cpu).unwrap();
        let cfg = ConvConfig::default();
        assert!(conv2d_fused(&z(&[1, 2, 4, 4]), &z(&[3, 1, 3, 3]), &z(&[3]), cfg).is_err());
        assert!(conv2d_fused(&z(&[1, 2, 4, 4]), &z(&[3, 2, 3, 3]), &z(&[2]), cfg).is_err());
        assert!(conv2d_fused(&z(&[1, 2, 2, 4]), &z(&[3, 2, 3, 3]), &z(&[3]), cfg).is_err());
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
