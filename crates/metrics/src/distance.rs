//! Similarities and distances between vectors, and pairwise distance matrices.
//!
//! For $u, v \in \mathbb{R}^d$:
//! Euclidean $\|u-v\|_2$, squared Euclidean $\|u-v\|_2^2$, Manhattan $\sum_k |u_k - v_k|$,
//! Chebyshev $\max_k |u_k - v_k|$, Minkowski $(\sum_k |u_k-v_k|^p)^{1/p}$ ($p \ge 1$),
//! cosine similarity $\frac{u \cdot v}{\|u\|\|v\|}$ (0 when either vector is zero, as scikit-learn)
//! and cosine distance $1 - $ that, Mahalanobis $\sqrt{(u-v)^\top V^{-1} (u-v)}$ for a covariance
//! $V$ (given, or estimated from the data with $n-1$ in the denominator, as SciPy's `cdist`),
//! Hamming $\frac1d\sum_k [u_k \ne v_k]$ and Jaccard
//! $\frac{|\{k : u_k \ne v_k,\ u_k \ne 0 \lor v_k \ne 0\}|}{|\{k : u_k \ne 0 \lor v_k \ne 0\}|}$
//! (0 when both are all zero; SciPy's definitions).
//!
//! [`pairwise_distances`] of $X$ ($n \times d$) and $Y$ ($m \times d$) returns $n \times m$.
//! Euclidean distances use one GEMM, $D^2_{ij} = \|x_i\|^2 + \|y_j\|^2 - 2\,x_i \cdot y_j$
//! (faer, parallel; $O(nmd)$ at matrix-multiply speed), clamped at 0, with an exact zero diagonal
//! when $Y$ is $X$. As in scikit-learn, the expansion loses relative accuracy for points much
//! closer together than their norms; [`pairwise_distances_exact`] is the direct, slower form.
//! Other metrics loop over pairs in parallel, $O(nmd)$.
//! Reference: Deza & Deza, *Encyclopedia of Distances* (2009); SciPy `scipy.spatial.distance`.
//!
//! ```
//! use breadth_metrics::distance::{distance, pairwise_distances, Metric};
//! use ndarray::array;
//! let (u, v) = (array![0.0, 3.0], array![4.0, 0.0]);
//! assert_eq!(distance(u.view(), v.view(), &Metric::Euclidean).unwrap(), 5.0);
//! assert_eq!(distance(u.view(), v.view(), &Metric::Manhattan).unwrap(), 7.0);
//! let d = pairwise_distances(array![[0.0, 3.0], [4.0, 0.0]].view(), None, &Metric::Euclidean).unwrap();
//! assert_eq!(d, array![[0.0, 5.0], [5.0, 0.0]]);
//! ```

use breadth_core::linalg::{as_faer, as_faer_mut, to_ndarray};
use breadth_core::validate::check_finite;
use breadth_core::{Error, Result};
use faer::linalg::solvers::DenseSolveCore;
use faer::{Accum, Par};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis, Zip};
use rayon::prelude::*;

/// A distance between two vectors.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// $\|u-v\|_2$.
    Euclidean,
    /// $\|u-v\|_2^2$.
    SqEuclidean,
    /// $\|u-v\|_1$.
    Manhattan,
    /// $\|u-v\|_\infty$.
    Chebyshev,
    /// $\|u-v\|_p$, $p \ge 1$.
    Minkowski(f64),
    /// $1 - \cos(u, v)$.
    Cosine,
    /// Fraction of differing coordinates.
    Hamming,
    /// Jaccard dissimilarity of the non-zero patterns.
    Jaccard,
    /// Mahalanobis distance with this inverse covariance $V^{-1}$ ($d \times d$).
    Mahalanobis(Array2<f64>),
    /// Mahalanobis distance with the inverse of the sample covariance of the rows of $X$ (and $Y$).
    MahalanobisEstimated,
}

impl Metric {
    /// Parse a metric name (`euclidean`, `sqeuclidean`, `manhattan`/`cityblock`, `chebyshev`,
    /// `minkowski:P`, `cosine`, `hamming`, `jaccard`, `mahalanobis`).
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "euclidean" => Metric::Euclidean,
            "sqeuclidean" => Metric::SqEuclidean,
            "manhattan" | "cityblock" => Metric::Manhattan,
            "chebyshev" => Metric::Chebyshev,
            "cosine" => Metric::Cosine,
            "hamming" => Metric::Hamming,
            "jaccard" => Metric::Jaccard,
            "mahalanobis" => Metric::MahalanobisEstimated,
            other => match other.strip_prefix("minkowski:").map(str::parse::<f64>) {
                Some(Ok(p)) => Metric::Minkowski(p),
                _ => {
                    return Err(Error::param(
                        "metric",
                        format!("unknown distance `{other}`"),
                    ))
                }
            },
        })
    }

    fn check(&self, d: usize) -> Result<()> {
        match self {
            Metric::Minkowski(p) if p.is_nan() || *p < 1.0 => Err(Error::param(
                "p",
                format!("Minkowski p must be >= 1, got {p}"),
            )),
            Metric::Mahalanobis(vi) if vi.dim() != (d, d) => Err(Error::shape(
                "Mahalanobis inverse covariance",
                format!("{d} x {d}"),
                format!("{} x {}", vi.nrows(), vi.ncols()),
            )),
            Metric::Mahalanobis(vi) => check_finite(vi.view(), "Mahalanobis inverse covariance"),
            _ => Ok(()),
        }
    }
}

fn diffs<'a>(u: ArrayView1<'a, f64>, v: ArrayView1<'a, f64>) -> impl Iterator<Item = f64> + 'a {
    u.into_iter().zip(v).map(|(a, b)| a - b)
}

/// Cosine similarity; 0 when either vector is zero.
pub fn cosine_similarity(u: ArrayView1<'_, f64>, v: ArrayView1<'_, f64>) -> f64 {
    let (nu, nv) = (u.dot(&u).sqrt(), v.dot(&v).sqrt());
    if nu == 0.0 || nv == 0.0 {
        0.0
    } else {
        u.dot(&v) / (nu * nv)
    }
}

/// The distance kernel on validated, equal-length vectors (`Mahalanobis` carries its matrix).
fn kernel<'a>(u: ArrayView1<'a, f64>, v: ArrayView1<'a, f64>, metric: &Metric) -> f64 {
    match metric {
        Metric::Euclidean => diffs(u, v).map(|d| d * d).sum::<f64>().sqrt(),
        Metric::SqEuclidean => diffs(u, v).map(|d| d * d).sum(),
        Metric::Manhattan => diffs(u, v).map(f64::abs).sum(),
        Metric::Chebyshev => diffs(u, v).map(f64::abs).fold(0.0, f64::max),
        Metric::Minkowski(p) => diffs(u, v)
            .map(|d| d.abs().powf(*p))
            .sum::<f64>()
            .powf(1.0 / p),
        Metric::Cosine => 1.0 - cosine_similarity(u, v),
        Metric::Hamming => u.iter().zip(v).filter(|(a, b)| a != b).count() as f64 / u.len() as f64,
        Metric::Jaccard => {
            let nonzero = u
                .iter()
                .zip(v)
                .filter(|(a, b)| **a != 0.0 || **b != 0.0)
                .count();
            let differ = u
                .iter()
                .zip(v)
                .filter(|(a, b)| a != b && (**a != 0.0 || **b != 0.0))
                .count();
            if nonzero == 0 {
                0.0
            } else {
                differ as f64 / nonzero as f64
            }
        }
        Metric::Mahalanobis(vi) => {
            let d = &u - &v;
            vi.dot(&d).dot(&d).max(0.0).sqrt()
        }
        Metric::MahalanobisEstimated => unreachable!("resolved to Mahalanobis before use"),
    }
}

/// Distance between two vectors (`MahalanobisEstimated` needs data: use [`pairwise_distances`]).
pub fn distance(u: ArrayView1<'_, f64>, v: ArrayView1<'_, f64>, metric: &Metric) -> Result<f64> {
    crate::check_pair("distance", u.len(), v.len())?;
    breadth_core::validate::check_finite_1d(u, "first vector")?;
    breadth_core::validate::check_finite_1d(v, "second vector")?;
    if *metric == Metric::MahalanobisEstimated {
        return Err(Error::param(
            "metric",
            "a covariance cannot be estimated from two vectors; pass Mahalanobis(VI)",
        ));
    }
    metric.check(u.len())?;
    Ok(kernel(u.view(), v.view(), metric))
}

/// Inverse of the sample covariance of the rows of `x` (denominator $n-1$).
pub fn inverse_covariance(x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    check_finite(x, "data for the covariance")?;
    let n = x.nrows();
    if n < 2 {
        return Err(Error::param("data", "a covariance needs at least 2 rows"));
    }
    let mean = x.mean_axis(Axis(0)).expect("non-empty");
    let centered = &x - &mean;
    let cov = centered.t().dot(&centered) / (n - 1) as f64;
    let cov_f = as_faer(cov.view());
    let lu = cov_f.partial_piv_lu();
    let inv = to_ndarray(lu.inverse().as_ref());
    if inv.iter().any(|v| !v.is_finite()) {
        return Err(Error::numerical(
            "inverse covariance",
            "the covariance matrix is singular; pass Mahalanobis(VI) with a regularized inverse",
        ));
    }
    Ok(inv)
}

/// Both inputs finite, non-empty, with equal column counts; the metric resolved for this data.
fn prepare<'a>(
    x: ArrayView2<'a, f64>,
    y: Option<ArrayView2<'a, f64>>,
    metric: &Metric,
) -> Result<Metric> {
    check_finite(x, "X")?;
    if let Some(y) = y {
        check_finite(y, "Y")?;
        if y.ncols() != x.ncols() {
            return Err(Error::shape(
                "pairwise distances: columns of X and Y",
                x.ncols(),
                y.ncols(),
            ));
        }
    }
    let resolved = match metric {
        Metric::MahalanobisEstimated => {
            let all = match y {
                Some(y) => ndarray::concatenate(Axis(0), &[x, y]).expect("same column count"),
                None => x.to_owned(),
            };
            Metric::Mahalanobis(inverse_covariance(all.view())?)
        }
        m => m.clone(),
    };
    resolved.check(x.ncols())?;
    Ok(resolved)
}

/// Pairwise distances, $n \times m$ (`y = None`: $X$ against itself). Euclidean and squared
/// Euclidean go through GEMM.
pub fn pairwise_distances(
    x: ArrayView2<'_, f64>,
    y: Option<ArrayView2<'_, f64>>,
    metric: &Metric,
) -> Result<Array2<f64>> {
    let (x, y) = (x.view(), y.as_ref().map(|y| y.view()));
    let metric = prepare(x, y, metric)?;
    match metric {
        Metric::Euclidean => Ok(gemm_euclidean(x, y, false)),
        Metric::SqEuclidean => Ok(gemm_euclidean(x, y, true)),
        m => Ok(direct(x, y, &m)),
    }
}

/// Pairwise distances computed pair by pair (no GEMM expansion): slower, exact to rounding.
pub fn pairwise_distances_exact(
    x: ArrayView2<'_, f64>,
    y: Option<ArrayView2<'_, f64>>,
    metric: &Metric,
) -> Result<Array2<f64>> {
    let (x, y) = (x.view(), y.as_ref().map(|y| y.view()));
    let metric = prepare(x, y, metric)?;
    Ok(direct(x, y, &metric))
}

fn direct<'a>(
    x: ArrayView2<'a, f64>,
    y: Option<ArrayView2<'a, f64>>,
    metric: &Metric,
) -> Array2<f64> {
    let y = y.unwrap_or(x);
    let mut out = Array2::<f64>::zeros((x.nrows(), y.nrows()));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut row)| {
            for (j, o) in row.iter_mut().enumerate() {
                *o = kernel(x.row(i), y.row(j), metric);
            }
        });
    out
}

/// $\|x_i\|^2 + \|y_j\|^2 - 2 X Y^\top$ by one faer GEMM, clamped, optionally square-rooted.
fn gemm_euclidean<'a>(
    x: ArrayView2<'a, f64>,
    y: Option<ArrayView2<'a, f64>>,
    squared: bool,
) -> Array2<f64> {
    let same = y.is_none();
    let y = y.unwrap_or(x);
    let xx: Vec<f64> = x.outer_iter().map(|r| r.dot(&r)).collect();
    let yy: Vec<f64> = if same {
        xx.clone()
    } else {
        y.outer_iter().map(|r| r.dot(&r)).collect()
    };
    let mut out = Array2::<f64>::zeros((x.nrows(), y.nrows()));
    faer::linalg::matmul::matmul(
        as_faer_mut(out.view_mut()),
        Accum::Replace,
        as_faer(x),
        as_faer(y.t()),
        -2.0,
        Par::rayon(0),
    );
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut row)| {
            Zip::from(&mut row).and(&yy[..]).for_each(|d, &b| {
                let v = (*d + xx[i] + b).max(0.0);
                *d = if squared { v } else { v.sqrt() };
            });
            if same {
                row[i] = 0.0;
            }
        });
    out
}

/// Pairwise cosine similarities, $n \times m$ (zero rows give 0).
pub fn cosine_similarity_matrix(
    x: ArrayView2<'_, f64>,
    y: Option<ArrayView2<'_, f64>>,
) -> Result<Array2<f64>> {
    let (x, y) = (x.view(), y.as_ref().map(|y| y.view()));
    prepare(x, y, &Metric::Cosine)?;
    let y = y.unwrap_or(x);
    let unit = |m: ArrayView2<'_, f64>| {
        let mut u = m.to_owned();
        for mut r in u.outer_iter_mut() {
            let n = r.dot(&r).sqrt();
            if n > 0.0 {
                r /= n;
            }
        }
        u
    };
    let (ux, uy) = (unit(x), unit(y));
    let mut out = Array2::<f64>::zeros((x.nrows(), y.nrows()));
    faer::linalg::matmul::matmul(
        as_faer_mut(out.view_mut()),
        Accum::Replace,
        as_faer(ux.view()),
        as_faer(uy.t()),
        1.0,
        Par::rayon(0),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::rng::seeded_rng;
    use ndarray::array;
    use rand::Rng;

    #[test]
    fn gemm_euclidean_matches_direct_on_random_data() {
        let mut rng = seeded_rng(11);
        for &(n, m, d) in &[(1, 1, 1), (7, 5, 3), (40, 33, 17)] {
            let x = Array2::from_shape_fn((n, d), |_| rng.random::<f64>() * 4.0 - 2.0);
            let y = Array2::from_shape_fn((m, d), |_| rng.random::<f64>() * 4.0 - 2.0);
            for yy in [None, Some(y.view())] {
                let fast = pairwise_distances(x.view(), yy, &Metric::SqEuclidean).unwrap();
                let slow = pairwise_distances_exact(x.view(), yy, &Metric::SqEuclidean).unwrap();
                // The expansion's error is bounded by a few ulps of the squared norms.
                let tol = 8.0 * f64::EPSILON * d as f64 * 8.0;
                assert!(
                    fast.iter().zip(&slow).all(|(a, b)| (a - b).abs() <= tol),
                    "{n}x{m}x{d}"
                );
            }
        }
    }

    #[test]
    fn degenerate_inputs() {
        let x = array![[1.0, 2.0]];
        assert!(
            pairwise_distances(x.view(), Some(array![[1.0]].view()), &Metric::Euclidean).is_err()
        );
        assert!(pairwise_distances(array![[f64::NAN]].view(), None, &Metric::Euclidean).is_err());
        assert!(distance(
            array![1.0].view(),
            array![1.0].view(),
            &Metric::Minkowski(0.5)
        )
        .is_err());
        // Two identical rows: singular covariance.
        assert!(pairwise_distances(
            array![[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]].view(),
            None,
            &Metric::MahalanobisEstimated
        )
        .is_err());
        assert_eq!(
            cosine_similarity(array![0.0, 0.0].view(), array![1.0, 0.0].view()),
            0.0
        );
        assert!(Metric::parse("minkowski:3").is_ok() && Metric::parse("foo").is_err());
    }

    /// Against `tests/fixtures/metrics/distance.json` from `reference/metrics.py` (SciPy 1.17.1
    /// `cdist`, scikit-learn 1.9.1 `pairwise`).
    #[test]
    fn distances_match_scipy() {
        use crate::testutil::*;
        let fx = load(include_str!("../tests/fixtures/metrics/distance.json"));
        let (x, y, xb, yb) = (mf(&fx["x"]), mf(&fx["y"]), mf(&fx["xb"]), mf(&fx["yb"]));
        let y1 = y.slice(ndarray::s![1.., ..]);
        let cases: Vec<(&str, Metric, ArrayView2<'_, f64>, ArrayView2<'_, f64>)> = vec![
            ("euclidean", Metric::Euclidean, x.view(), y.view()),
            ("sqeuclidean", Metric::SqEuclidean, x.view(), y.view()),
            ("cityblock", Metric::Manhattan, x.view(), y.view()),
            ("chebyshev", Metric::Chebyshev, x.view(), y.view()),
            ("cosine", Metric::Cosine, x.view(), y1),
            ("minkowski3", Metric::Minkowski(3.0), x.view(), y.view()),
            (
                "mahalanobis_estimated",
                Metric::MahalanobisEstimated,
                x.view(),
                y.view(),
            ),
            (
                "mahalanobis_given",
                Metric::Mahalanobis(mf(&fx["vi"])),
                x.view(),
                y.view(),
            ),
            ("hamming", Metric::Hamming, xb.view(), yb.view()),
            ("jaccard", Metric::Jaccard, xb.view(), yb.view()),
        ];
        for (key, m, a, b) in cases {
            let want = mf(&fx[key]);
            assert_all_close(
                &pairwise_distances(a, Some(b), &m).unwrap(),
                &want,
                1e-12,
                key,
            );
            assert_all_close(
                &pairwise_distances_exact(a, Some(b), &m).unwrap(),
                &want,
                1e-12,
                key,
            );
            if !matches!(m, Metric::MahalanobisEstimated) {
                let d = distance(a.row(1), b.row(2), &m).unwrap();
                assert!(close(d, want[[1, 2]], 1e-12), "{key}");
            }
        }
        assert_all_close(
            &pairwise_distances(x.view(), None, &Metric::Euclidean).unwrap(),
            &mf(&fx["euclidean_xx"]),
            1e-12,
            "xx",
        );
        assert_all_close(
            &cosine_similarity_matrix(x.view(), Some(y.view())).unwrap(),
            &mf(&fx["cosine_similarity"]),
            1e-12,
            "cos",
        );
    }
}
