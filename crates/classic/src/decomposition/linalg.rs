//! Dense linear-algebra building blocks shared by the clustering and decomposition estimators:
//! GEMM into `ndarray` storage, column means and the sample covariance (a triangular GEMM, no
//! centred copy), thin SVD and symmetric eigendecomposition through faer, the
//! deterministic SVD sign convention, and the randomized range finder.
//!
//! Randomized SVD (Halko, Martinsson & Tropp, *Finding structure with randomness*, SIAM Review
//! 2011, Alg. 4.4): draw a Gaussian $\Omega \in \mathbb{R}^{d \times (k+p)}$, form
//! $Y = (A A^\top)^q A \Omega$ with a QR re-orthonormalisation after every product, take
//! $Q = \mathrm{orth}(Y)$ and the exact SVD of the small $B = Q^\top A = \hat U \Sigma V^\top$;
//! then $A \approx (Q \hat U) \Sigma V^\top$. Cost $O(n d (k+p)(2q+1))$ instead of
//! $O(n d \min(n, d))$.
//!
//! ```
//! use breadth_classic::decomposition::linalg::{matmul, thin_svd};
//! use ndarray::array;
//! let a = array![[3.0, 0.0], [0.0, -2.0], [0.0, 0.0]];
//! let (u, s, vt) = thin_svd(a.view()).unwrap();
//! assert!((s[0] - 3.0).abs() < 1e-12 && (s[1] - 2.0).abs() < 1e-12);
//! let back = matmul(&(&u * &s), &vt);
//! assert!((back - &a).iter().all(|v| v.abs() < 1e-12));
//! ```

use breadth_core::linalg::{as_faer, as_faer_mut};
use breadth_core::{Error, Result, Rng};
use faer::linalg::matmul::matmul as faer_matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Par, Side};
use ndarray::parallel::prelude::*;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rand_distr::{Distribution, StandardNormal};

/// The parallelism of faer kernels called from the top level (not from inside a rayon task).
pub fn par() -> Par {
    Par::rayon(0)
}

/// `dst = alpha * a b` (or `dst += alpha * a b` when `accumulate`), written in place.
pub fn matmul_into(
    dst: ArrayViewMut2<'_, f64>,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    alpha: f64,
    accumulate: bool,
    par: Par,
) {
    let accum = if accumulate {
        Accum::Add
    } else {
        Accum::Replace
    };
    faer_matmul(as_faer_mut(dst), accum, as_faer(a), as_faer(b), alpha, par);
}

/// `a b` as a new row-major array, with faer's parallel GEMM.
pub fn matmul(a: &impl AsView, b: &impl AsView) -> Array2<f64> {
    let (a, b) = (a.view2(), b.view2());
    let mut out = Array2::zeros((a.nrows(), b.ncols()));
    matmul_into(out.view_mut(), a, b, 1.0, false, par());
    out
}

/// Rows centred per block by the accurate path of [`covariance`]: the block (about 8 MB at 500
/// features) stays in cache between its centring and its product.
const COV_ROWS: usize = 2048;

/// Largest $\mu_j^2 / C_{jj}$ for which [`covariance`] trusts $X^\top X - n \mu \mu^\top$: the
/// cancellation then costs at most about $10^{6} \epsilon \approx 2 \cdot 10^{-10}$ relative.
const MAX_OFFSET_RATIO: f64 = 1e6;

/// Sample covariance $C = \frac{1}{n-1} (X - 1 \mu^\top)^\top (X - 1 \mu^\top)$ of the rows of
/// `x` (`n x d`, column means `mean`), `d x d`; needs `n >= 2`.
///
/// Computed as scikit-learn's `covariance_eigh` does, without a centred copy of `x`:
/// $C = (X^\top X - n \mu \mu^\top) / (n - 1)$, the Gram matrix filling only its lower triangle
/// (faer's triangular GEMM, half the flops of a full product, in parallel). That subtraction
/// cancels when a column's mean dwarfs its spread; if any column has
/// $\mu_j^2 > 10^6 C_{jj}$, the covariance is recomputed from blocks of centred rows instead
/// ([`covariance_centred`]), which keeps the accuracy of the two-pass formula.
pub fn covariance(x: ArrayView2<'_, f64>, mean: ArrayView1<'_, f64>) -> Array2<f64> {
    let (n, d) = x.dim();
    let mut g = Array2::<f64>::zeros((d, d));
    lower_gram_add(&mut g, x);
    let nf = n as f64;
    let scale = 1.0 / (nf - 1.0);
    let cancels = (0..d).any(|j| {
        let var = (g[[j, j]] - nf * mean[j] * mean[j]) * scale;
        mean[j] * mean[j] > MAX_OFFSET_RATIO * var.max(f64::MIN_POSITIVE)
    });
    if cancels {
        return covariance_centred(x, mean);
    }
    symmetrize(g, |i, j, v| (v - nf * mean[i] * mean[j]) * scale)
}

/// [`covariance`] through blocks of centred rows: slower (one extra pass over `x`), but free of
/// cancellation whatever the column offsets.
pub fn covariance_centred(x: ArrayView2<'_, f64>, mean: ArrayView1<'_, f64>) -> Array2<f64> {
    let (n, d) = x.dim();
    let mut c = Array2::<f64>::zeros((d, d));
    let mut buf = Array2::<f64>::zeros((COV_ROWS.min(n), d));
    for lo in (0..n).step_by(COV_ROWS) {
        let hi = (lo + COV_ROWS).min(n);
        let mut b = buf.slice_mut(s![..hi - lo, ..]);
        b.assign(&x.slice(s![lo..hi, ..]));
        b -= &mean;
        lower_gram_add(&mut c, b.view());
    }
    let scale = 1.0 / (n as f64 - 1.0);
    symmetrize(c, |_, _, v| v * scale)
}

/// `g += a^T a` on the lower triangle of `g` only.
fn lower_gram_add(g: &mut Array2<f64>, a: ArrayView2<'_, f64>) {
    triangular::matmul(
        as_faer_mut(g.view_mut()),
        BlockStructure::TriangularLower,
        Accum::Add,
        as_faer(a.t()),
        BlockStructure::Rectangular,
        as_faer(a),
        BlockStructure::Rectangular,
        1.0,
        par(),
    );
}

/// The full symmetric matrix whose lower triangle is `f(i, j, lower[i, j])`.
fn symmetrize(mut lower: Array2<f64>, f: impl Fn(usize, usize, f64) -> f64) -> Array2<f64> {
    for i in 0..lower.nrows() {
        for j in 0..=i {
            let v = f(i, j, lower[[i, j]]);
            lower[[i, j]] = v;
            lower[[j, i]] = v;
        }
    }
    lower
}

/// Column means of `x` (`n >= 1` rows), summed over row blocks in parallel and reduced in block
/// order, so the result does not depend on the thread count.
pub fn column_means(x: ArrayView2<'_, f64>) -> Array1<f64> {
    let parts: Vec<Array1<f64>> = x
        .axis_chunks_iter(Axis(0), COV_ROWS)
        .into_par_iter()
        .map(|blk| {
            let mut acc = Array1::<f64>::zeros(x.ncols());
            for r in blk.outer_iter() {
                acc += &r;
            }
            acc
        })
        .collect();
    let mut total = Array1::<f64>::zeros(x.ncols());
    for p in parts {
        total += &p;
    }
    total / x.nrows() as f64
}

/// Anything that can lend a 2-D view (owned arrays and views alike).
pub trait AsView {
    /// The view.
    fn view2(&self) -> ArrayView2<'_, f64>;
}

impl AsView for Array2<f64> {
    fn view2(&self) -> ArrayView2<'_, f64> {
        self.view()
    }
}

impl AsView for ArrayView2<'_, f64> {
    fn view2(&self) -> ArrayView2<'_, f64> {
        self.view()
    }
}

/// Thin SVD $A = U \Sigma V^\top$: `(U (n x r), s (r), Vt (r x d))`, `r = min(n, d)`, singular
/// values non-increasing.
pub fn thin_svd(a: ArrayView2<'_, f64>) -> Result<(Array2<f64>, Array1<f64>, Array2<f64>)> {
    let svd = as_faer(a)
        .thin_svd()
        .map_err(|e| Error::numerical("singular value decomposition", format!("{e:?}")))?;
    let u = faer_to_array(svd.U());
    let v = faer_to_array(svd.V());
    let s = Array1::from_iter(svd.S().column_vector().iter().copied());
    Ok((u, s, v.reversed_axes().as_standard_layout().to_owned()))
}

/// Eigendecomposition of a symmetric matrix: eigenvalues in *decreasing* order and the matching
/// eigenvectors as columns.
pub fn sym_eigen(a: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array2<f64>)> {
    let evd = as_faer(a)
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::numerical("symmetric eigendecomposition", format!("{e:?}")))?;
    let vals: Vec<f64> = evd.S().column_vector().iter().copied().collect();
    let vecs = faer_to_array(evd.U());
    let n = vals.len();
    let order: Vec<usize> = (0..n).rev().collect();
    Ok((
        Array1::from_iter(order.iter().map(|&i| vals[i])),
        vecs.select(Axis(1), &order),
    ))
}

fn faer_to_array(m: faer::MatRef<'_, f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// scikit-learn's `svd_flip(u, vt, u_based_decision=False)`: flip each singular pair so that
/// the largest-magnitude entry of each row of `vt` is positive, making the output deterministic.
pub fn svd_flip(u: &mut Array2<f64>, vt: &mut Array2<f64>) {
    for (k, mut row) in vt.outer_iter_mut().enumerate() {
        let (mut best, mut arg) = (-1.0, 0);
        for (j, v) in row.iter().enumerate() {
            if v.abs() > best {
                best = v.abs();
                arg = j;
            }
        }
        if row[arg] < 0.0 {
            row.mapv_inplace(|v| -v);
            if k < u.ncols() {
                u.column_mut(k).mapv_inplace(|v| -v);
            }
        }
    }
}

/// Orthonormal basis of the columns of `y` (thin QR's Q).
fn orthonormalize(y: &Array2<f64>) -> Array2<f64> {
    let qr = as_faer(y.view()).qr();
    faer_to_array(qr.compute_thin_Q().as_ref())
}

/// A matrix known only through products with it and with its transpose, so that randomized SVD
/// runs on centred dense data without forming it and on sparse matrices.
pub trait LinearOperator: Sync {
    /// `(rows, cols)`.
    fn shape(&self) -> (usize, usize);
    /// `A m` for a dense `cols x l` matrix `m`.
    fn times(&self, m: &Array2<f64>) -> Array2<f64>;
    /// `A^T m` for a dense `rows x l` matrix `m`.
    fn times_t(&self, m: &Array2<f64>) -> Array2<f64>;
}

/// A dense matrix, optionally centred by subtracting `mean` from every row (implicitly).
pub struct Dense<'a> {
    /// The matrix.
    pub a: ArrayView2<'a, f64>,
    /// Column means to subtract, if any.
    pub mean: Option<&'a Array1<f64>>,
}

impl LinearOperator for Dense<'_> {
    fn shape(&self) -> (usize, usize) {
        self.a.dim()
    }
    // (A - 1 mu^T) m = A m - 1 (mu^T m)
    fn times(&self, m: &Array2<f64>) -> Array2<f64> {
        let mut out = matmul(&self.a, m);
        if let Some(mu) = self.mean {
            out -= &mu.dot(m).insert_axis(Axis(0));
        }
        out
    }
    // (A - 1 mu^T)^T m = A^T m - mu (1^T m)
    fn times_t(&self, m: &Array2<f64>) -> Array2<f64> {
        let mut out = matmul(&self.a.t(), m);
        if let Some(mu) = self.mean {
            let colsum = m.sum_axis(Axis(0));
            out -= &(&mu.view().insert_axis(Axis(1)) * &colsum.insert_axis(Axis(0)));
        }
        out
    }
}

/// Randomized truncated SVD of the operator `a`: the top `k` singular triplets
/// `(U n x k, s k, Vt k x d)` with `oversample` extra directions and `n_iter` power iterations,
/// signs fixed by [`svd_flip`].
pub fn randomized_svd(
    a: &impl LinearOperator,
    k: usize,
    oversample: usize,
    n_iter: usize,
    rng: &mut Rng,
) -> Result<(Array2<f64>, Array1<f64>, Array2<f64>)> {
    let (n, d) = a.shape();
    let l = (k + oversample).min(n.min(d));
    let omega = Array2::from_shape_simple_fn((d, l), || StandardNormal.sample(rng));
    let mut q = orthonormalize(&a.times(&omega));
    for _ in 0..n_iter {
        let z = orthonormalize(&a.times_t(&q));
        q = orthonormalize(&a.times(&z));
    }
    // B = Q^T A, shape l x d.
    let b = a
        .times_t(&q)
        .reversed_axes()
        .as_standard_layout()
        .to_owned();
    let (ub, s, mut vt) = thin_svd(b.view())?;
    let mut u = matmul(&q, &ub);
    svd_flip(&mut u, &mut vt);
    Ok((
        u.slice_move(ndarray::s![.., ..k]),
        s.slice_move(ndarray::s![..k]),
        vt.slice_move(ndarray::s![..k, ..]),
    ))
}

/// The upper-triangular precision factor $P = L^{-\top}$ of a covariance $\Sigma = L L^\top$, so
/// that $\Sigma^{-1} = P P^\top$ (scikit-learn's `precisions_cholesky_`). `None` when $\Sigma$ is
/// not positive definite.
pub fn precision_cholesky(cov: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
    let llt = as_faer(cov).llt(Side::Lower).ok()?;
    let d = cov.nrows();
    let mut inv = faer::Mat::<f64>::identity(d, d);
    faer::linalg::triangular_solve::solve_lower_triangular_in_place(
        llt.L(),
        inv.as_mut(),
        Par::Seq,
    );
    Some(Array2::from_shape_fn((d, d), |(i, j)| inv[(j, i)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::seeded_rng;
    use ndarray::array;

    fn random(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut rng = seeded_rng(seed);
        Array2::from_shape_simple_fn((n, d), || StandardNormal.sample(&mut rng))
    }

    #[test]
    fn gemm_matches_naive_product() {
        let (a, b) = (random(7, 5, 1), random(5, 3, 2));
        let fast = matmul(&a, &b);
        let slow = a.dot(&b);
        assert!((fast - slow).iter().all(|v| v.abs() < 1e-12));
    }

    #[test]
    fn covariance_matches_the_centred_product() {
        // More rows than one block, not a multiple of it.
        let n = COV_ROWS + 123;
        for offset in [0.0, 30.0, 1e5] {
            // An offset of 1e5 on unit-variance columns takes the centred path.
            let x = random(n, 7, 8) + offset;
            let mean = x.mean_axis(Axis(0)).unwrap();
            let centred = &x - &mean;
            let slow = centred.t().dot(&centred) / (n as f64 - 1.0);
            let tol = 1e-13 * n as f64 * (1.0 + offset * offset * f64::EPSILON * 1e3);
            for fast in [
                covariance(x.view(), mean.view()),
                covariance_centred(x.view(), mean.view()),
            ] {
                let err = (&fast - &slow).iter().fold(0.0f64, |m, v| m.max(v.abs()));
                assert!(err < tol, "offset {offset}: {err}");
                assert_eq!(fast, fast.t());
            }
        }
        let x = random(n, 7, 8) + 1e5;
        let means = column_means(x.view());
        let direct = x.mean_axis(Axis(0)).unwrap();
        assert!((&means - &direct).iter().all(|v| v.abs() < 1e-9));
    }

    #[test]
    fn precision_factor_inverts_covariance() {
        let a = random(9, 3, 6);
        let c = a.t().dot(&a);
        let p = precision_cholesky(c.view()).unwrap();
        let prod = c.dot(&p.dot(&p.t()));
        assert!((prod - Array2::<f64>::eye(3))
            .iter()
            .all(|v| v.abs() < 1e-10));
        assert!(precision_cholesky(array![[1.0, 2.0], [2.0, 1.0]].view()).is_none());
    }

    #[test]
    fn eigen_reconstructs_symmetric_matrix() {
        let a = random(6, 4, 3);
        let c = a.t().dot(&a);
        let (vals, vecs) = sym_eigen(c.view()).unwrap();
        assert!(vals.windows(2).into_iter().all(|w| w[0] >= w[1]));
        let back = vecs.dot(&Array2::from_diag(&vals)).dot(&vecs.t());
        assert!((back - &c).iter().all(|v| v.abs() < 1e-10));
    }

    #[test]
    fn randomized_svd_finds_low_rank_structure() {
        let low = random(80, 3, 4).dot(&random(3, 20, 5));
        let mu = low.mean_axis(Axis(0)).unwrap();
        let centred = &low - &mu;
        let (_, exact, mut vt_exact) = thin_svd(centred.view()).unwrap();
        let mut u0 = Array2::zeros((80, vt_exact.nrows()));
        svd_flip(&mut u0, &mut vt_exact);
        let op = Dense {
            a: low.view(),
            mean: Some(&mu),
        };
        let (_, s, vt) = randomized_svd(&op, 3, 5, 2, &mut seeded_rng(0)).unwrap();
        for k in 0..3 {
            assert!((s[k] - exact[k]).abs() < 1e-8 * exact[0], "{s} {exact}");
            let dot = vt.row(k).dot(&vt_exact.row(k));
            assert!((dot - 1.0).abs() < 1e-8, "{dot}");
        }
    }
}
