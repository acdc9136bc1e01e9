//! Max and average pooling over non-overlapping windows (kernel = stride), 1-d and 2-d.
//!
//! With window size $k$: $y_{n,c,i,j} = \max_{0 \le u,v < k} x_{n,c,ki+u,kj+v}$ (max) or the mean
//! of the same $k^2$ values (average). Trailing rows/columns that do not fill a window are
//! dropped, as PyTorch's floor mode does. Backward: the average spreads $G/k^2$ over the window;
//! the maximum routes $G$ to the window's first arg-max (as PyTorch; a NaN counts as the maximum).
//! 1-d pooling is 2-d pooling over a height-1 image.
//!
//! candle's pooling backward only exists for kernel = stride, hence that restriction; it covers
//! the pooling of every network in this crate. Max pooling on the CPU is one custom operation
//! that records each window's arg-max forward and scatters the gradient there backward;
//! its oracle is a max-reduction over a window axis (a reshape and a permutation; it gives tied
//! maxima each the whole gradient), because candle's fused max-pool backward is wrong.
//!
//! Shapes: $(n, c, h, w) \to (n, c, \lfloor h/k \rfloor, \lfloor w/k \rfloor)$,
//! $(n, c, l) \to (n, c, \lfloor l/k \rfloor)$. Cost: $O(n c h w)$.
//! Reference: Y. LeCun et al., *Gradient-based learning applied to document recognition*, 1998.
//!
//! ```
//! use breadth_nn::layers::pool::{max_pool2d, avg_pool1d};
//! use candle_core::{Device, Tensor};
//! let x = Tensor::arange(0f32, 16., &Device::Cpu).unwrap().reshape((1, 1, 4, 4)).unwrap();
//! let m = max_pool2d(&x, 2).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
//! assert_eq!(m, vec![5.0, 7.0, 13.0, 15.0]);
//! let s = Tensor::new(&[[[1f32, 3., 5., 7., 9.]]], &Device::Cpu).unwrap();
//! assert_eq!(avg_pool1d(&s, 2).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap(), vec![2.0, 6.0]);
//! ```

use std::sync::{Arc, Mutex};

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, DType, Layout, Result, Shape, Tensor, WithDType};

use super::{Mode, Module};
use crate::matmul::{par_chunks_mut, Disjoint};

/// Check that a $kh \times kw$ window fits `x` (rank 4).
fn check_windows(x: &Tensor, kh: usize, kw: usize) -> Result<()> {
    if kh == 0 || kw == 0 {
        candle_core::bail!("pooling window must be positive, got {kh} x {kw}");
    }
    let (_, _, h, w) = x.dims4()?;
    if h < kh || w < kw {
        candle_core::bail!("pooling window {kh} x {kw} larger than the input {h} x {w}");
    }
    Ok(())
}

/// Cut `x` (rank 4) so that its spatial sizes are multiples of the window.
fn fit_windows(x: &Tensor, kh: usize, kw: usize) -> Result<Tensor> {
    check_windows(x, kh, kw)?;
    let (_, _, h, w) = x.dims4()?;
    x.narrow(2, 0, h / kh * kh)?
        .narrow(3, 0, w / kw * kw)?
        .contiguous()
}

/// Maximum over $kh \times kw$ windows, as a reduction over a window axis: $(n, c, h, w) \to
/// (n, c, h/kh, w/kw, kh\,kw) \to$ max. The composite oracle of [`FusedMaxPool`]; candle's own
/// `max_pool2d` backward multiplies the upstream gradient by the share of maxima in the window
/// instead of dividing by their count (a factor $1/k^2$ off, found by the finite-difference test
/// below), so it is not used.
fn max_pool_composite(x: &Tensor, kh: usize, kw: usize) -> Result<Tensor> {
    let x = fit_windows(x, kh, kw)?;
    let (n, c, h, w) = x.dims4()?;
    let (oh, ow) = (h / kh, w / kw);
    x.reshape((n, c, oh, kh, ow, kw))?
        .permute((0, 1, 2, 4, 3, 5))?
        .reshape((n, c, oh, ow, kh * kw))?
        .max(4)
}

/// A pooling window of $kh \times kw$ (= stride).
#[derive(Debug, Clone, Copy)]
struct Window {
    kh: usize,
    kw: usize,
}

impl Window {
    /// For every window of one $h \times w$ plane, row-major, calls `f(window, arg-max)` with
    /// the flat in-plane index of the window's first maximum (of its first NaN, if any, so that
    /// NaN propagates as in PyTorch).
    #[inline(never)]
    fn for_each_argmax<T: WithDType>(
        &self,
        plane: &[T],
        w: usize,
        mut f: impl FnMut(usize, usize),
    ) {
        // `b` replaces `a` (an earlier position) when larger, or NaN unless `a` is NaN. A mask
        // hidden from the optimiser, which otherwise turns the select into a branch: on real
        // data the comparison is a coin toss, and mispredictions made this loop cost more than
        // the convolutions (`select_unpredictable` needs Rust 1.88, above our MSRV).
        #[allow(clippy::eq_op)]
        let pick = |a: usize, b: usize| {
            let (x, y) = (plane[a], plane[b]);
            let take = usize::from(y > x) | (usize::from(y != y) & usize::from(x == x));
            a ^ ((a ^ b) & std::hint::black_box(take).wrapping_neg())
        };
        let (oh, ow) = (plane.len() / w / self.kh, w / self.kw);
        for i in 0..oh {
            let top = i * self.kh * w;
            if (self.kh, self.kw) == (2, 2) {
                // The common case as a tree, two short dependency chains instead of one long.
                for j in 0..ow {
                    let (a, b) = (top + 2 * j, top + w + 2 * j);
                    f(i * ow + j, pick(pick(a, a + 1), pick(b, b + 1)));
                }
                continue;
            }
            for j in 0..ow {
                let first = top + j * self.kw;
                let mut best = first;
                for u in 0..self.kh {
                    let row = first + u * w;
                    for at in row..row + self.kw {
                        best = pick(best, at);
                    }
                }
                f(i * ow + j, best);
            }
        }
    }
}

/// Max pooling as one CPU operation (f32 or f64) that records each window's first arg-max, so
/// that its backward pass is one scatter of the upstream gradient; the composite version costs
/// a permuted copy forward and a broadcast comparison, a cast and a product backward. Planes
/// $(n, c)$ run in parallel.
struct FusedMaxPool {
    window: Window,
    /// In-plane arg-max of every output, written by the forward pass.
    argmax: Mutex<Arc<Vec<u32>>>,
}

/// The backward pass of [`FusedMaxPool`]: upstream gradient to input gradient.
struct MaxPoolScatter {
    argmax: Arc<Vec<u32>>,
    /// Input shape $(n, c, h, w)$.
    shape: Shape,
}

/// The values of a contiguous CPU tensor.
fn values<'a, T: WithDType>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&s.as_slice::<T>()?[a..b]),
        None => candle_core::bail!("fused max pooling needs contiguous tensors"),
    }
}

impl FusedMaxPool {
    fn forward<T: WithDType>(&self, x: &[T], h: usize, w: usize) -> CpuStorage {
        let out = (h / self.window.kh) * (w / self.window.kw);
        let planes = x.len() / (h * w);
        let mut y = vec![T::from_f64(0.0); planes * out];
        let mut argmax = vec![0u32; planes * out];
        let shared = Disjoint::new(&mut argmax);
        par_chunks_mut(&mut y, out, |p, yp| {
            // SAFETY: plane p alone touches its range of the arg-max, as of the output.
            let ap = unsafe { shared.range(p * out..(p + 1) * out) };
            let xp = &x[p * h * w..(p + 1) * h * w];
            self.window.for_each_argmax(xp, w, |o, at| {
                yp[o] = xp[at];
                ap[o] = at as u32;
            })
        });
        *self.argmax.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(argmax);
        T::to_cpu_storage_owned(y)
    }
}

impl CustomOp1 for FusedMaxPool {
    fn name(&self) -> &'static str {
        "fused-max-pool2d"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, c, h, w) = l.shape().dims4()?;
        if h * w > u32::MAX as usize {
            candle_core::bail!("{}: planes of {h} x {w} are too large", self.name());
        }
        let y = match s.dtype() {
            DType::F32 => self.forward(values::<f32>(s, l)?, h, w),
            DType::F64 => self.forward(values::<f64>(s, l)?, h, w),
            d => candle_core::bail!("{}: unsupported dtype {d:?}", self.name()),
        };
        let Window { kh, kw } = self.window;
        Ok((y, Shape::from((n, c, h / kh, w / kw))))
    }

    fn bwd(&self, x: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let argmax = self
            .argmax
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let scatter = MaxPoolScatter {
            argmax,
            shape: x.shape().clone(),
        };
        Ok(Some(grad.contiguous()?.apply_op1_no_bwd(&scatter)?))
    }
}

impl MaxPoolScatter {
    fn run<T: WithDType>(&self, g: &[T]) -> Result<CpuStorage> {
        let (_, _, h, w) = self.shape.dims4()?;
        if g.len() != self.argmax.len() {
            candle_core::bail!("max pooling backward: gradient does not match the forward pass");
        }
        let out = g.len() / (self.shape.elem_count() / (h * w)).max(1);
        let mut dx = vec![T::from_f64(0.0); self.shape.elem_count()];
        if out > 0 {
            par_chunks_mut(&mut dx, h * w, |p, dp| {
                let r = p * out..(p + 1) * out;
                let (gp, ap) = (&g[r.clone()], &self.argmax[r]);
                for (&gv, &at) in gp.iter().zip(ap) {
                    dp[at as usize] += gv;
                }
            });
        }
        Ok(T::to_cpu_storage_owned(dx))
    }
}

impl CustomOp1 for MaxPoolScatter {
    fn name(&self) -> &'static str {
        "fused-max-pool2d-grad"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let dx = match s.dtype() {
            DType::F32 => self.run(values::<f32>(s, l)?)?,
            DType::F64 => self.run(values::<f64>(s, l)?)?,
            d => candle_core::bail!("{}: unsupported dtype {d:?}", self.name()),
        };
        Ok((dx, self.shape.clone()))
    }
}

/// Maximum over $kh \times kw$ windows: [`FusedMaxPool`] for f32/f64 on the CPU, else the
/// composite reduction.
fn max_pool(x: &Tensor, kh: usize, kw: usize) -> Result<Tensor> {
    if !x.device().is_cpu() || !matches!(x.dtype(), DType::F32 | DType::F64) {
        return max_pool_composite(x, kh, kw);
    }
    check_windows(x, kh, kw)?;
    x.contiguous()?.apply_op1(FusedMaxPool {
        window: Window { kh, kw },
        argmax: Mutex::new(Arc::new(Vec::new())),
    })
}

/// Maximum over $k \times k$ windows of $(n, c, h, w)$.
pub fn max_pool2d(x: &Tensor, k: usize) -> Result<Tensor> {
    max_pool(x, k, k)
}

/// Mean over $k \times k$ windows of $(n, c, h, w)$.
pub fn avg_pool2d(x: &Tensor, k: usize) -> Result<Tensor> {
    fit_windows(x, k, k)?.avg_pool2d(k)
}

/// Maximum over windows of $k$ steps of $(n, c, l)$.
pub fn max_pool1d(x: &Tensor, k: usize) -> Result<Tensor> {
    max_pool(&x.unsqueeze(2)?, 1, k)?.squeeze(2)
}

/// Mean over windows of $k$ steps of $(n, c, l)$.
pub fn avg_pool1d(x: &Tensor, k: usize) -> Result<Tensor> {
    fit_windows(&x.unsqueeze(2)?, 1, k)?
        .avg_pool2d((1, k))?
        .squeeze(2)
}

/// Which pooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    /// Maximum.
    Max,
    /// Mean.
    Avg,
}

/// 2-d pooling as a layer.
#[derive(Debug, Clone, Copy)]
pub struct Pool2d {
    /// Maximum or mean.
    pub kind: PoolKind,
    /// Window (and stride).
    pub k: usize,
}

impl Module for Pool2d {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> Result<Tensor> {
        match self.kind {
            PoolKind::Max => max_pool2d(x, self.k),
            PoolKind::Avg => avg_pool2d(x, self.k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use crate::init::Init;
    use crate::test_support::{assert_close, check_case, fixture};
    use breadth_core::seeded_rng;
    use candle_core::DType;

    type Pool = fn(&Tensor, usize) -> Result<Tensor>;

    /// Forward and backward against `reference/nn.py` (torch 2.15.0, f32), 1e-5.
    #[test]
    fn matches_pytorch() {
        let fx = fixture("layers");
        let cases: [(&str, Pool); 4] = [
            ("max_pool2d", max_pool2d),
            ("avg_pool2d", avg_pool2d),
            ("max_pool1d", max_pool1d),
            ("avg_pool1d", avg_pool1d),
        ];
        for (name, f) in cases {
            check_case(&fx["cases"][name], &["x"], 1e-5, |v| f(&v[0], 2));
        }
    }

    /// Includes sizes that do not divide by the window (the tail gets no gradient).
    #[test]
    fn finite_differences() {
        let mut rng = seeded_rng(0);
        let x2 = Init::Normal { std: 1.0 }
            .sample(&[1, 2, 5, 4], &mut rng, DType::F64)
            .unwrap();
        let x1 = Init::Normal { std: 1.0 }
            .sample(&[2, 1, 7], &mut rng, DType::F64)
            .unwrap();
        for (f, x) in [
            (max_pool2d as Pool, &x2),
            (avg_pool2d, &x2),
            (max_pool1d, &x1),
            (avg_pool1d, &x1),
        ] {
            let err = check_gradients(|v| f(&v[0], 2), std::slice::from_ref(x), 1e-6).unwrap();
            assert!(err < 1e-6, "{err:e}");
        }
    }

    /// The fused max pooling against the composite reduction on seeded random inputs (no ties),
    /// odd sizes, batch one, square and 1 x k windows: forward and gradient, 1e-6 in f32.
    #[test]
    fn fused_max_matches_composite() {
        let mut rng = seeded_rng(4);
        for (shape, (kh, kw)) in [
            ([2, 3, 7, 9], (2, 2)),
            ([1, 1, 6, 6], (3, 3)),
            ([3, 2, 5, 4], (1, 2)),
            ([1, 4, 9, 8], (2, 3)),
        ] {
            let x = Init::Normal { std: 1.0 }
                .sample(&shape, &mut rng, DType::F32)
                .unwrap();
            let x = candle_core::Var::from_tensor(&x).unwrap();
            let ours = max_pool(&x, kh, kw).unwrap();
            let oracle = max_pool_composite(&x, kh, kw).unwrap();
            assert_close(&ours, &oracle, 1e-6, "forward");
            let g = Init::Normal { std: 1.0 }
                .sample(ours.dims(), &mut rng, DType::F32)
                .unwrap();
            let ga = (&ours * &g).unwrap().sum_all().unwrap().backward().unwrap();
            let gb = (&oracle * &g)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            assert_close(ga.get(&x).unwrap(), gb.get(&x).unwrap(), 1e-6, "gradient");
        }
    }

    /// Ties send the whole gradient to the first maximum, as PyTorch; NaN is the maximum.
    #[test]
    fn fused_max_ties_and_nan() {
        let x = Tensor::new(&[[[[1f32, 1.], [0., 1.]]]], &candle_core::Device::Cpu).unwrap();
        let x = candle_core::Var::from_tensor(&x).unwrap();
        let y = max_pool2d(&x, 2).unwrap();
        let g = y.sum_all().unwrap().backward().unwrap();
        let dx = g
            .get(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(dx, vec![1.0, 0.0, 0.0, 0.0]);
        let x = Tensor::new(&[[[[1f32, f32::NAN], [2., 3.]]]], &candle_core::Device::Cpu).unwrap();
        assert!(max_pool2d(&x, 2)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()[0]
            .is_nan());
    }

    #[test]
    fn bad_windows_are_errors() {
        let x = Tensor::zeros((1, 1, 3, 3), DType::F32, &candle_core::Device::Cpu).unwrap();
        assert!(max_pool2d(&x, 0).is_err());
        assert!(avg_pool2d(&x, 4).is_err());
    }
}
