//! The matrix-multiply back end of the fused CPU operations (convolution, linear layer): strided
//! matrix views, one GEMM entry point over the `gemm` crate (candle's own CPU matmul kernel), and
//! the small helpers every fused operation needs to reach a tensor's values.
//!
//! [`gemm_into`] computes $C \leftarrow A B$ or $C \leftarrow C + A B$ for $A \in \mathbb{R}^{m
//! \times k}$, $B \in \mathbb{R}^{k \times n}$ given as [`MatView`]s (any row and column strides,
//! so transposes cost nothing) into a row-major $C \in \mathbb{R}^{m \times n}$, either on the
//! calling thread (inside a loop that is itself parallel) or spread over rayon's pool.
//!
//! Cost: $2mnk$ flops; the kernel packs panels of $A$ and $B$ so that strides only change the
//! packing cost, $O(mk + kn)$. Reference: K. Goto, R. van de Geijn, *Anatomy of
//! High-Performance Matrix Multiplication*, ACM TOMS 34(3), 2008.
//!
//! ```
//! use breadth_nn::matmul::{gemm_into, MatView, Threads};
//! let a = [1.0f32, 2.0, 3.0, 4.0]; // [[1, 2], [3, 4]]
//! let b = [1.0f32, 0.0, 1.0, 1.0]; // [[1, 0], [1, 1]]
//! let mut c = [0.0f32; 4];
//! gemm_into(&mut c, MatView::row_major(&a, 2, 2), MatView::row_major(&b, 2, 2).t(), false, Threads::Pool);
//! assert_eq!(c, [1.0, 3.0, 3.0, 7.0]); // A B^T
//! ```

use candle_core::{CpuStorage, Layout, Result, Storage, Tensor, WithDType};

/// Where a GEMM runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// On the calling thread (the caller already runs in parallel).
    Caller,
    /// Over rayon's pool (a single large product).
    Pool,
}

/// A strided read-only matrix view for [`gemm_into`].
#[derive(Debug, Clone, Copy)]
pub struct MatView<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, T> MatView<'a, T> {
    /// `data` as a row-major `rows x cols` matrix.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        MatView {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        MatView {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    /// Every entry lies inside `data`.
    fn in_bounds(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride
                < self.data.len()
    }
}

/// Zero of a candle element type.
pub(crate) fn zero<T: WithDType>() -> T {
    T::from_f64(0.0)
}

/// `dst` (row-major, $m \times n$) $= A B$, or $\mathrel{+}= A B$ when `accumulate`.
///
/// # Panics
/// When the shapes disagree or a view reaches outside its slice (a bug of the caller, never a
/// consequence of user input: the fused operations check shapes before they get here).
pub fn gemm_into<T: WithDType>(
    dst: &mut [T],
    a: MatView<'_, T>,
    b: MatView<'_, T>,
    accumulate: bool,
    threads: Threads,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k && dst.len() >= m * n && a.in_bounds() && b.in_bounds(),
        "gemm_into: inconsistent shapes"
    );
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(zero::<T>());
        }
        return;
    }
    let parallelism = match threads {
        Threads::Pool if rayon::current_num_threads() > 1 => {
            gemm::Parallelism::Rayon(rayon::current_num_threads())
        }
        _ => gemm::Parallelism::None,
    };
    // SAFETY: the assertion above keeps every index gemm reads (a, b) or writes (dst) in bounds.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            if accumulate {
                T::from_f64(1.0)
            } else {
                zero::<T>()
            },
            T::from_f64(1.0),
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// The values of a contiguous CPU storage under `l`.
pub(crate) fn values<'a, T: WithDType>(
    s: &'a CpuStorage,
    l: &Layout,
    what: &str,
) -> Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&s.as_slice::<T>()?[a..b]),
        None => candle_core::bail!("{what}: the fused operation needs contiguous tensors"),
    }
}

/// Run `f` on the values of the contiguous CPU tensor `t` (used by backward passes, which receive
/// tensors rather than storages).
pub(crate) fn with_values<T: WithDType, R>(
    t: &Tensor,
    what: &str,
    f: impl FnOnce(&[T]) -> Result<R>,
) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(s) => f(values::<T>(s, layout, what)?),
        _ => candle_core::bail!("{what}: the fused operation runs on the CPU only"),
    }
}

/// Runs `$f::<f32>(..)` or `$f::<f64>(..)` by the dtype `$dtype`, and fails for other dtypes.
macro_rules! by_dtype {
    ($op:expr, $dtype:expr, $f:ident ( $($arg:expr),* )) => {
        match $dtype {
            candle_core::DType::F32 => $f::<f32>($($arg),*),
            candle_core::DType::F64 => $f::<f64>($($arg),*),
            d => candle_core::bail!("{}: unsupported dtype {d:?}", $op),
        }
    };
}
pub(crate) use by_dtype;

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::seeded_rng;
    use rand::Rng;

    /// The triple loop, the oracle of the kernel.
    fn naive(a: MatView<'_, f64>, b: MatView<'_, f64>) -> Vec<f64> {
        let mut c = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for p in 0..a.cols {
                    c[i * b.cols + j] += a.data[i * a.row_stride + p * a.col_stride]
                        * b.data[p * b.row_stride + j * b.col_stride];
                }
            }
        }
        c
    }

    #[test]
    fn matches_the_triple_loop_with_transposes_and_accumulation() {
        let mut rng = seeded_rng(3);
        let (m, k, n) = (37, 19, 53);
        let a: Vec<f64> = (0..m * k).map(|_| rng.random_range(-1.0..1.0)).collect();
        let b: Vec<f64> = (0..n * k).map(|_| rng.random_range(-1.0..1.0)).collect();
        let (av, bv) = (
            MatView::row_major(&a, m, k),
            MatView::row_major(&b, n, k).t(),
        );
        let want = naive(av, bv);
        for threads in [Threads::Caller, Threads::Pool] {
            let mut c = vec![1.0; m * n];
            gemm_into(&mut c, av, bv, true, threads);
            for (got, w) in c.iter().zip(&want) {
                assert!((got - 1.0 - w).abs() < 1e-12, "{got} vs {w}");
            }
            gemm_into(&mut c, av, bv, false, threads);
            for (got, w) in c.iter().zip(&want) {
                assert!((got - w).abs() < 1e-12, "{got} vs {w}");
            }
        }
    }
}
