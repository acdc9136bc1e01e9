//! Max and average pooling over non-overlapping windows (kernel = stride), 1-d and 2-d.
//!
//! With window size $k$: $y_{n,c,i,j} = \max_{0 \le u,v < k} x_{n,c,ki+u,kj+v}$ (max) or the mean
//! of the same $k^2$ values (average). Trailing rows/columns that do not fill a window are
//! dropped, as PyTorch's floor mode does. Backward: the average spreads $G/k^2$ over the window;
//! the maximum routes $G$ to the arg-max (every tied maximum receives it; PyTorch picks the first).
//! 1-d pooling is 2-d pooling over a height-1 image.
//!
//! candle's pooling backward only exists for kernel = stride, hence that restriction; it covers
//! the pooling of every network in this crate. Max pooling is a max-reduction over a window
//! axis (a reshape and a permutation), because candle's fused max-pool backward is wrong.
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

use candle_core::{Result, Tensor};

use super::{Mode, Module};

/// Cut `x` (rank 4) so that its spatial sizes are multiples of the window.
fn fit_windows(x: &Tensor, kh: usize, kw: usize) -> Result<Tensor> {
    if kh == 0 || kw == 0 {
        candle_core::bail!("pooling window must be positive, got {kh} x {kw}");
    }
    let (_, _, h, w) = x.dims4()?;
    if h < kh || w < kw {
        candle_core::bail!("pooling window {kh} x {kw} larger than the input {h} x {w}");
    }
    x.narrow(2, 0, h / kh * kh)?
        .narrow(3, 0, w / kw * kw)?
        .contiguous()
}

/// Maximum over $kh \times kw$ windows, as a reduction over a window axis: $(n, c, h, w) \to
/// (n, c, h/kh, w/kw, kh\,kw) \to$ max. candle's own `max_pool2d` backward multiplies the
/// upstream gradient by the share of maxima in the window instead of dividing by their count
/// (a factor $1/k^2$ off, found by the finite-difference test below), so it is not used.
fn max_pool(x: &Tensor, kh: usize, kw: usize) -> Result<Tensor> {
    let x = fit_windows(x, kh, kw)?;
    let (n, c, h, w) = x.dims4()?;
    let (oh, ow) = (h / kh, w / kw);
    x.reshape((n, c, oh, kh, ow, kw))?
        .permute((0, 1, 2, 4, 3, 5))?
        .reshape((n, c, oh, ow, kh * kw))?
        .max(4)
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
    use crate::test_support::{check_case, fixture};
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

    #[test]
    fn bad_windows_are_errors() {
        let x = Tensor::zeros((1, 1, 3, 3), DType::F32, &candle_core::Device::Cpu).unwrap();
        assert!(max_pool2d(&x, 0).is_err());
        assert!(avg_pool2d(&x, 4).is_err());
    }
}
