//! Linear models: least squares, ridge, lasso and elastic net, logistic regression, SGD, the
//! perceptron and Huber regression.
//!
//! All of them predict through an affine map $f(x) = W x + b$ with $W \in \mathbb{R}^{m\times d}$
//! ($m$ targets or class scores, $d$ features) and $b \in \mathbb{R}^m$, held by [`LinearCoef`].
//! Regressors that allow it fit the intercept by *weighted centering*: with sample weights
//! $s_i$, $\bar x = \sum_i s_i x_i / \sum_i s_i$ (likewise $\bar y$), the slope is fitted on
//! $\sqrt{s_i}(x_i - \bar x)$, $\sqrt{s_i}(y_i - \bar y)$ and $b = \bar y - W\bar x$, which is
//! exactly the weighted least-squares intercept (scikit-learn's `_preprocess_data` +
//! `_rescale_data`). Centering costs $O(nd)$; prediction $O(ndm)$ through faer's GEMM.
//!
//! Reference: T. Hastie, R. Tibshirani, J. Friedman, *The Elements of Statistical Learning*,
//! 2nd ed., ch. 3 and 4.
//!
//! ```
//! use breadth_classic::linear::ols::LinearRegressionParams;
//! use breadth_core::{Dataset, Fit, Regressor, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0], [1.0], [2.0]])
//!     .with_target(Target::Continuous(array![1.0, 3.0, 5.0])).unwrap();
//! let m = LinearRegressionParams::default().fit(&ds).unwrap();
//! assert!((m.predict(array![[10.0]].view()).unwrap()[0] - 21.0).abs() < 1e-10);
//! ```

pub mod coordinate_descent;
pub mod huber;
pub mod logistic;
pub mod ols;
pub mod ridge;
pub mod sgd;

use breadth_core::linalg::{as_faer, as_faer_mut};
use breadth_core::validate::check_finite;
use breadth_core::{Dataset, Error, Result, Target};
use ndarray::parallel::prelude::*;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis, ShapeBuilder, Zip};
use serde::{Deserialize, Serialize};

/// Coefficients $W$ ($m \times d$) and intercepts $b$ ($m$) of an affine map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearCoef {
    /// One row per target (or class score), one column per feature.
    pub coef: Array2<f64>,
    /// One intercept per target.
    pub intercept: Array1<f64>,
}

impl LinearCoef {
    /// $X W^\top + b$, `n x m`.
    pub fn decision(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = matmul_t(x, self.coef.view());
        out.axis_iter_mut(Axis(0))
            .for_each(|mut row| row += &self.intercept);
        out
    }

    /// The intercepts that undo centering: $b = \bar y - W \bar x$ (or zeros without intercept).
    pub(crate) fn from_centered(coef: Array2<f64>, prep: &Centered) -> Self {
        Self::from_offsets(coef, &prep.x_offset, &prep.y_offset)
    }

    /// As [`LinearCoef::from_centered`], from the offsets $\bar x$ and $\bar y$ alone.
    pub(crate) fn from_offsets(
        coef: Array2<f64>,
        x_offset: &Array1<f64>,
        y_offset: &Array1<f64>,
    ) -> Self {
        let intercept = y_offset - &coef.dot(x_offset);
        LinearCoef { coef, intercept }
    }
}

/// `lhs * rhs` through faer's GEMM into a row-major (standard layout) array, so callers can
/// walk rows as slices.
fn gemm(lhs: faer::MatRef<'_, f64>, rhs: faer::MatRef<'_, f64>) -> Array2<f64> {
    let mut out = Array2::zeros((lhs.nrows(), rhs.ncols()));
    faer::linalg::matmul::matmul(
        as_faer_mut(out.view_mut()),
        faer::Accum::Replace,
        lhs,
        rhs,
        1.0,
        faer::get_global_parallelism(),
    );
    out
}

/// $A B^\top$ through faer's GEMM (row-major result).
pub(crate) fn matmul_t(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Array2<f64> {
    gemm(as_faer(a), as_faer(b).transpose())
}

/// $A^\top B$ through faer's GEMM (row-major result).
pub(crate) fn t_matmul(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Array2<f64> {
    gemm(as_faer(a).transpose(), as_faer(b))
}

/// The Gram matrix $X^\top X$ (`d x d`, symmetric, row-major) by faer's triangular GEMM: only
/// the lower half is multiplied ($nd^2$ flops instead of $2nd^2$) and then mirrored.
pub(crate) fn gram(x: ArrayView2<'_, f64>) -> Array2<f64> {
    let d = x.ncols();
    let mut g = faer::Mat::<f64>::zeros(d, d);
    let fx = as_faer(x);
    faer::linalg::matmul::triangular::matmul(
        g.as_mut(),
        faer::linalg::matmul::triangular::BlockStructure::TriangularLower,
        faer::Accum::Replace,
        fx.transpose(),
        faer::linalg::matmul::triangular::BlockStructure::Rectangular,
        fx,
        faer::linalg::matmul::triangular::BlockStructure::Rectangular,
        1.0,
        faer::get_global_parallelism(),
    );
    Array2::from_shape_fn((d, d), |(i, j)| if i >= j { g[(i, j)] } else { g[(j, i)] })
}

/// The regression target as an `n x m` matrix (one column for a continuous target), finite.
pub(crate) fn regression_targets(data: &Dataset, model: &str) -> Result<Array2<f64>> {
    match data.target() {
        Some(Target::Continuous(y)) => Ok(y.clone().insert_axis(Axis(1))),
        Some(Target::MultiOutput { values, .. }) => {
            check_finite(values.view(), "training targets")?;
            Ok(values.clone())
        }
        _ => data
            .continuous_target(model)
            .map(|y| y.to_owned().insert_axis(Axis(1))),
    }
}

/// Training data after weighted centering and $\sqrt{s}$ row scaling.
#[derive(Debug, Clone)]
pub(crate) struct Centered {
    pub x: Array2<f64>,
    pub y: Array2<f64>,
    pub x_offset: Array1<f64>,
    pub y_offset: Array1<f64>,
}

/// Center (when `fit_intercept`) with weights and scale rows by $\sqrt{s_i}$.
pub(crate) fn center(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
) -> Centered {
    center_in(x, y, weights, fit_intercept, false)
}

/// As [`center`], with the centered design in column-major order so that column-wise solvers
/// (coordinate descent) read contiguous columns without another transposed copy.
pub(crate) fn center_columns(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
) -> Centered {
    center_in(x, y, weights, fit_intercept, true)
}

/// Rows per task of the blocked passes below. Fixed, so that the order of every floating-point
/// reduction, hence the result, does not depend on the number of threads.
const ROW_BLOCK: usize = 2048;

/// Weighted column means $\sum_i s_i x_i / \sum_i s_i$ (plain means without weights), summed
/// per fixed block of rows in parallel and then in block order.
fn weighted_means(x: ArrayView2<'_, f64>, weights: Option<ArrayView1<'_, f64>>) -> Array1<f64> {
    let (n, d) = x.dim();
    let partial: Vec<(Array1<f64>, f64)> = (0..n.div_ceil(ROW_BLOCK))
        .into_par_iter()
        .map(|b| {
            let rows = b * ROW_BLOCK..((b + 1) * ROW_BLOCK).min(n);
            let mut acc = Array1::zeros(d);
            let mut total = 0.0;
            for i in rows {
                let s = weights.map_or(1.0, |w| w[i]);
                acc.scaled_add(s, &x.row(i));
                total += s;
            }
            (acc, total)
        })
        .collect();
    let (mut sum, mut total) = (Array1::zeros(d), 0.0);
    for (acc, t) in partial {
        sum += &acc;
        total += t;
    }
    if total > 0.0 {
        sum / total
    } else {
        sum
    }
}

/// $\sqrt{s_i}(x_i - \bar x)$ for every row, in row- or column-major order, written in
/// parallel by blocks of rows. Column-major output goes through tiles of [`TILE_ROWS`] rows: one
/// contiguous read of the tile (it stays in cache while each of its columns is gathered) and
/// contiguous writes of every column's piece, so neither side strides across memory pages.
fn centered_copy(
    x: ArrayView2<'_, f64>,
    offset: &Array1<f64>,
    sqrt_w: Option<&Array1<f64>>,
    column_major: bool,
) -> Array2<f64> {
    let (n, d) = x.dim();
    let scale = |i: usize| sqrt_w.map_or(1.0, |s| s[i]);
    if !column_major {
        let mut out = Array2::zeros((n, d));
        out.axis_chunks_iter_mut(Axis(0), ROW_BLOCK)
            .into_par_iter()
            .enumerate()
            .for_each(|(b, mut chunk)| {
                for (k, mut row) in chunk.outer_iter_mut().enumerate() {
                    let i = b * ROW_BLOCK + k;
                    let s = scale(i);
                    Zip::from(&mut row)
                        .and(x.row(i))
                        .and(offset)
                        .for_each(|o, &v, &m| *o = (v - m) * s);
                }
            });
        return out;
    }
    let xs = x.as_standard_layout();
    let src = xs.as_slice().expect("standard layout");
    // The 200 MB-class copy is written once: on huge pages its page faults stop dominating.
    let mut out = Array2::from_shape_vec((n, d).f(), breadth_core::memory::zeroed_vec(n * d))
        .expect("n * d values");
    out.axis_chunks_iter_mut(Axis(0), TILE_ROWS)
        .into_par_iter()
        .enumerate()
        .for_each(|(b, mut tile)| {
            let (i0, rows) = (b * TILE_ROWS, tile.nrows());
            let block = &src[i0 * d..(i0 + rows) * d];
            let mut s = [1.0; TILE_ROWS];
            for (ii, s) in s.iter_mut().take(rows).enumerate() {
                *s = scale(i0 + ii);
            }
            for (j, mut col) in tile.axis_iter_mut(Axis(1)).enumerate() {
                let col = col
                    .as_slice_mut()
                    .expect("a column-major array has contiguous columns");
                let m = offset[j];
                for (ii, (o, s)) in col.iter_mut().zip(&s).enumerate() {
                    *o = (block[ii * d + j] - m) * s;
                }
            }
        });
    out
}

/// Rows per tile of the column-major centered copy: a tile of a few hundred features stays in
/// the second-level cache.
const TILE_ROWS: usize = 64;

fn center_in(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
    column_major: bool,
) -> Centered {
    let (x_offset, y_offset) = if fit_intercept {
        (weighted_means(x, weights), weighted_means(y, weights))
    } else {
        (Array1::zeros(x.ncols()), Array1::zeros(y.ncols()))
    };
    let sqrt_w = weights.map(|w| w.mapv(f64::sqrt));
    let xc = centered_copy(x, &x_offset, sqrt_w.as_ref(), column_major);
    Centered {
        x: xc,
        y: centered_copy(y, &y_offset, sqrt_w.as_ref(), false),
        x_offset,
        y_offset,
    }
}

/// Second moments of the weighted, centered data, $X_c^\top X_c$ and $X_c^\top Y_c$, with the
/// offsets, computed without materializing $X_c$ (see [`centered_moments`]).
#[derive(Debug, Clone)]
pub(crate) struct Moments {
    /// $X_c^\top X_c$, `d x d`; only the lower triangle is filled.
    pub xtx: faer::Mat<f64>,
    /// $X_c^\top Y_c$, `d x m`.
    pub xty: faer::Mat<f64>,
    pub x_offset: Array1<f64>,
    pub y_offset: Array1<f64>,
}

/// The lower triangle of $B^\top B$ for $B = \sqrt{s}\,[X - \mathbf 1 c_x^\top \mid Y - \mathbf 1
/// c_y^\top \mid \mathbf 1]$ (the last column only with a `shift`), accumulated over row blocks
/// that stay in cache: one read of $X$, no $n \times d$ copy.
///
/// The blocks are grouped into a number of partial sums fixed by the shape alone (never by the
/// thread count), each group summed sequentially, the groups in parallel and then added in
/// order, so the result is reproducible.
fn shifted_gram(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    shift: Option<&Array1<f64>>,
) -> faer::Mat<f64> {
    use faer::linalg::matmul::triangular::{matmul, BlockStructure};
    let ((n, d), m) = (x.dim(), y.ncols());
    let shift = shift.map(|c| c.as_slice().expect("a fresh vector is contiguous"));
    let big_d = d + m + usize::from(shift.is_some());
    // Blocks of about 256 KiB; as many partial sums as 32 MiB of them allow, at most 16.
    let rows = (32_768 / big_d).clamp(64, 1024);
    let n_blocks = n.div_ceil(rows);
    let groups = (32 << 20) / (big_d * big_d * 8);
    let groups = groups.clamp(1, 16).min(n_blocks);
    let per_group = n_blocks.div_ceil(groups);
    let par = if groups == 1 {
        faer::get_global_parallelism()
    } else {
        faer::Par::Seq
    };
    let partial: Vec<faer::Mat<f64>> = (0..groups)
        .into_par_iter()
        .map(|g| {
            let mut acc = faer::Mat::<f64>::zeros(big_d, big_d);
            let mut buf = Array2::<f64>::zeros((rows, big_d));
            for b in g * per_group..((g + 1) * per_group).min(n_blocks) {
                let (lo, hi) = (b * rows, ((b + 1) * rows).min(n));
                for (k, i) in (lo..hi).enumerate() {
                    let s = weights.map_or(1.0, |w| w[i].sqrt());
                    let mut out = buf.row_mut(k);
                    let out = out.as_slice_mut().expect("row-major buffer");
                    let (ox, rest) = out.split_at_mut(d);
                    let (oy, one) = rest.split_at_mut(m);
                    shift_row(ox, x.row(i), shift.map(|c| &c[..d]), s);
                    shift_row(oy, y.row(i), shift.map(|c| &c[d..]), s);
                    if let Some(one) = one.first_mut() {
                        *one = s;
                    }
                }
                let blk = as_faer(buf.slice(s![..hi - lo, ..]));
                matmul(
                    acc.as_mut(),
                    BlockStructure::TriangularLower,
                    faer::Accum::Add,
                    blk.transpose(),
                    BlockStructure::Rectangular,
                    blk,
                    BlockStructure::Rectangular,
                    1.0,
                    par,
                );
            }
            acc
        })
        .collect();
    let mut it = partial.into_iter();
    let mut total = it.next().expect("at least one group");
    for p in it {
        total += p;
    }
    total
}

/// `out = s (v - c)` (or `s v` without a shift), on contiguous slices when `v` is one.
fn shift_row(out: &mut [f64], v: ArrayView1<'_, f64>, c: Option<&[f64]>, s: f64) {
    match (v.as_slice(), c) {
        (Some(v), Some(c)) => {
            for ((o, v), c) in out.iter_mut().zip(v).zip(c) {
                *o = (v - c) * s;
            }
        }
        (Some(v), None) => {
            for (o, v) in out.iter_mut().zip(v) {
                *o = v * s;
            }
        }
        (None, _) => {
            for (j, (o, v)) in out.iter_mut().zip(v).enumerate() {
                *o = (v - c.map_or(0.0, |c| c[j])) * s;
            }
        }
    }
}

/// [`Moments`] in one pass over $X$ by the *shifted-data* formula: with a shift $c$ close to the
/// weighted mean, $S = \sum_i s_i$ and $b = \sum_i s_i (z_i - c)$,
/// $$\sum_i s_i (z_i - \bar z)(z_i - \bar z)^\top = \sum_i s_i (z_i - c)(z_i - c)^\top - b b^\top / S.$$
/// The shift is the mean of the first rows, so $\lvert\bar z - c\rvert$ is of the order of a
/// standard deviation over $\sqrt{1024}$ and the subtraction cancels no significant digits.
/// Should a column's shift miss its mean by more than one standard deviation (sorted data, a
/// constant column), the pass is redone with the exact mean as the shift.
///
/// Reference: T. F. Chan, G. H. Golub, R. J. LeVeque, *Algorithms for computing the sample
/// variance*, The American Statistician 37(3), 1983.
pub(crate) fn centered_moments(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
) -> Moments {
    let ((n, d), m) = (x.dim(), y.ncols());
    let split = |g: &faer::Mat<f64>| {
        (
            g.as_ref().submatrix(0, 0, d, d).to_owned(),
            g.as_ref().submatrix(d, 0, m, d).transpose().to_owned(),
        )
    };
    if !fit_intercept {
        let (xtx, xty) = split(&shifted_gram(x, y, weights, None));
        return Moments {
            xtx,
            xty,
            x_offset: Array1::zeros(d),
            y_offset: Array1::zeros(m),
        };
    }
    let head = n.min(1024);
    let w_head = weights.map(|w| w.slice_move(s![..head]));
    let mut shift = ndarray::concatenate![
        Axis(0),
        weighted_means(x.slice(s![..head, ..]), w_head),
        weighted_means(y.slice(s![..head, ..]), w_head)
    ];
    let k = d + m;
    let mut refined = false;
    loop {
        let mut g = shifted_gram(x, y, weights, Some(&shift));
        let total = g[(k, k)];
        let b: Vec<f64> = (0..k).map(|j| g[(k, j)]).collect();
        if total > 0.0 {
            for j in 0..k {
                for i in j..k {
                    g[(i, j)] -= b[i] * b[j] / total;
                }
            }
        }
        let mean = Array1::from_shape_fn(k, |j| {
            shift[j] + if total > 0.0 { b[j] / total } else { 0.0 }
        });
        // Refine once, if some column's mean lies beyond a standard deviation from its shift.
        if !refined && total > 0.0 && (0..k).any(|j| b[j] * b[j] / total > g[(j, j)]) {
            shift = mean;
            refined = true;
            continue;
        }
        let (xtx, xty) = split(&g);
        return Moments {
            xtx,
            xty,
            x_offset: mean.slice(s![..d]).to_owned(),
            y_offset: mean.slice(s![d..]).to_owned(),
        };
    }
}

/// The single column of a one-target model's output, or an error pointing to the multi-target
/// method.
pub(crate) fn single_output(model: &str, out: Array2<f64>) -> Result<Array1<f64>> {
    if out.ncols() != 1 {
        return Err(Error::unsupported(
            model,
            format!(
                "predict on a {}-target model (use predict_multi)",
                out.ncols()
            ),
        ));
    }
    Ok(out.column(0).to_owned())
}

/// Parse `true`/`false` parameters.
pub(crate) fn parse_bool(name: &str, value: &str) -> Result<bool> {
    breadth_core::registry::parse_param(name, value)
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Fixture loading and data preparation shared by the linear-family tests.
    use breadth_core::{Dataset, Target};
    use ndarray::{Array1, Array2};

    /// A fixture of `reference/linear.py` (scikit-learn 1.9.1).
    pub fn fixture(name: &str) -> serde_json::Value {
        let path = format!(
            "{}/tests/fixtures/linear/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists"))
            .expect("fixture is JSON")
    }

    pub fn vec1(v: &serde_json::Value) -> Array1<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    }

    pub fn mat(v: &serde_json::Value) -> Array2<f64> {
        let rows: Vec<Array1<f64>> = v.as_array().expect("array").iter().map(vec1).collect();
        let d = rows[0].len();
        Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[i][j])
    }

    /// (x - mean) / std with the population std, as `reference/linear.py`'s `std`.
    pub fn standardize(x: &Array2<f64>) -> Array2<f64> {
        let mean = x.mean_axis(ndarray::Axis(0)).unwrap();
        let sd = x.std_axis(ndarray::Axis(0), 0.0);
        (x - &mean) / &sd
    }

    pub fn load(name: &str) -> Dataset {
        breadth_data::datasets::load(name).unwrap()
    }

    /// A builtin dataset with standardized features.
    pub fn load_std(name: &str) -> Dataset {
        let ds = load(name);
        let x = standardize(&ds.features().to_owned());
        ds.with_features(x, ds.feature_names().to_vec()).unwrap()
    }

    pub fn regression(x: Array2<f64>, y: Array1<f64>) -> Dataset {
        Dataset::new(x).with_target(Target::Continuous(y)).unwrap()
    }

    /// Every entry of `a` within `rtol * max(|b|, 1)`-ish of `b` (relative to the larger of
    /// `|b|` and `scale`).
    pub fn assert_close(a: &[f64], b: &[f64], rtol: f64, what: &str) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= rtol * scale,
                "{what}[{i}]: ours {x} vs reference {y} (rtol {rtol}, scale {scale})"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::seeded_rng;
    use rand::Rng as _;

    /// Seeded data with large column offsets, a sorted column (whose head mean is far from its
    /// mean), a constant column and an integer-valued target.
    fn awkward(n: usize) -> (Array2<f64>, Array2<f64>, Array1<f64>) {
        let mut rng = seeded_rng(7);
        let x = Array2::from_shape_fn((n, 5), |(i, j)| match j {
            0 => 1e6 + rng.random::<f64>(),
            1 => i as f64,
            2 => 3.5,
            _ => rng.random::<f64>() - 0.5,
        });
        let y = Array2::from_shape_fn((n, 2), |(i, k)| (i % 7) as f64 + 1e3 * k as f64);
        let w = Array1::from_shape_fn(n, |i| 0.5 + (i % 4) as f64);
        (x, y, w)
    }

    /// Slow, obviously correct: the moments of an explicitly centered copy.
    fn slow_moments(
        x: &Array2<f64>,
        y: &Array2<f64>,
        w: Option<&Array1<f64>>,
        fit_intercept: bool,
    ) -> (Array2<f64>, Array2<f64>, Array1<f64>) {
        let n = x.nrows();
        let w = w.cloned().unwrap_or_else(|| Array1::ones(n));
        let (mx, my) = if fit_intercept {
            (w.dot(x) / w.sum(), w.dot(y) / w.sum())
        } else {
            (Array1::zeros(x.ncols()), Array1::zeros(y.ncols()))
        };
        let sw = w.mapv(f64::sqrt).insert_axis(Axis(1));
        let xc = (x - &mx) * &sw;
        let yc = (y - &my) * &sw;
        (xc.t().dot(&xc), xc.t().dot(&yc), mx)
    }

    #[test]
    fn one_pass_moments_match_the_centered_copy() {
        // 5000 rows: several row blocks and partial sums.
        let (x, y, w) = awkward(5000);
        for weights in [None, Some(&w)] {
            for fit_intercept in [true, false] {
                let m =
                    centered_moments(x.view(), y.view(), weights.map(|w| w.view()), fit_intercept);
                let (g, c, mx) = slow_moments(&x, &y, weights, fit_intercept);
                for i in 0..5 {
                    for j in 0..=i {
                        let tol = 1e-10 * (g[[i, i]] * g[[j, j]]).sqrt().max(1e-300);
                        assert!(
                            (m.xtx[(i, j)] - g[[i, j]]).abs() <= tol,
                            "xtx[{i},{j}] {} vs {}",
                            m.xtx[(i, j)],
                            g[[i, j]]
                        );
                    }
                    for k in 0..2 {
                        assert!(
                            (m.xty[(i, k)] - c[[i, k]]).abs()
                                <= 1e-10 * c[[i, k]].abs().max(1e3 * g[[i, i]].sqrt())
                        );
                    }
                    assert!((m.x_offset[i] - mx[i]).abs() <= 1e-12 * mx[i].abs().max(1.0));
                }
                // The constant column is centered to zero, not to rounding noise times 1e6.
                if fit_intercept {
                    assert!(m.xtx[(2, 2)].abs() < 1e-12, "{}", m.xtx[(2, 2)]);
                }
            }
        }
    }

    #[test]
    fn parallel_centering_matches_the_naive_one() {
        let (x, y, w) = awkward(3000);
        for column_major in [false, true] {
            let c = center_in(x.view(), y.view(), Some(w.view()), true, column_major);
            let mx = w.dot(&x) / w.sum();
            let sw = w.mapv(f64::sqrt).insert_axis(Axis(1));
            let expected = (&x - &mx) * &sw;
            assert_eq!(c.x.is_standard_layout(), !column_major);
            // Centering 1e6-sized values leaves an absolute error of a few ulps of 1e6.
            for ((i, j), b) in expected.indexed_iter() {
                let a = c.x[[i, j]];
                let scale = (x[[i, j]].abs() * sw[[i, 0]]).max(1.0);
                assert!((a - b).abs() <= 1e-13 * scale, "{a} vs {b}");
            }
            assert!((c.y[[10, 1]] - (y[[10, 1]] - c.y_offset[1]) * sw[[10, 0]]).abs() < 1e-9);
        }
    }
}
