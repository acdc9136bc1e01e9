//! Distance metrics of the neighbour index, and how each reduces to a cheaper ranking key.
//!
//! For $a, b \in \mathbb{R}^d$:
//!
//! - Minkowski-$p$ ($p \ge 1$): $d_p(a, b) = \left(\sum_j |a_j - b_j|^p\right)^{1/p}$, with the
//!   special cases Euclidean ($p = 2$), Manhattan ($p = 1$) and Chebyshev
//!   ($p = \infty$, $\max_j |a_j - b_j|$);
//! - cosine: $d(a, b) = 1 - \frac{a^\top b}{\lVert a \rVert \lVert b \rVert}$ (a zero vector has
//!   cosine similarity 0 with everything, as in scikit-learn);
//! - Mahalanobis with a symmetric positive-definite matrix $V^{-1}$ (the inverse covariance):
//!   $d(a, b) = \sqrt{(a - b)^\top V^{-1} (a - b)}$.
//!
//! Searches rank by the *reduced* distance $\rho$, a monotone function of $d$ that skips the
//! root: $\rho = \sum_j |a_j - b_j|^p$ for finite $p$ and $\rho = d$ for $p \in \{1, \infty\}$.
//! Two metrics are reduced to others once, at fit: writing $V^{-1} = L L^\top$ (Cholesky),
//! Mahalanobis is the Euclidean distance between the rows mapped by $x \mapsto L^\top x$; and
//! cosine distance depends only on the inner product of the unit-normalized rows.
//!
//! Cost: $O(d)$ per distance; the Mahalanobis map costs $O(n d^2)$ once.
//!
//! ```
//! use breadth_classic::neighbors::Metric;
//! let m: Metric = "minkowski:3".parse().unwrap();
//! assert_eq!(m, Metric::Minkowski(3.0));
//! assert!((m.distance(&[0.0, 0.0], &[1.0, 1.0]).unwrap() - 2f64.powf(1.0 / 3.0)).abs() < 1e-15);
//! ```

use std::str::FromStr;

use breadth_core::linalg::{as_faer, to_ndarray};
use breadth_core::{Error, Result};
use faer::linalg::solvers::Solve as _;
use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// A distance between two rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Metric {
    /// $\lVert a - b \rVert_2$.
    Euclidean,
    /// $\lVert a - b \rVert_1$.
    Manhattan,
    /// $\lVert a - b \rVert_\infty$.
    Chebyshev,
    /// $\lVert a - b \rVert_p$ for $p \ge 1$ (`f64::INFINITY` allowed).
    Minkowski(f64),
    /// One minus the cosine similarity.
    Cosine,
    /// Mahalanobis with the given inverse covariance $V^{-1}$ (`d x d`, symmetric positive
    /// definite); `None` uses the inverse of the training data's sample covariance.
    Mahalanobis(Option<Array2<f64>>),
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "euclidean" | "l2" => Metric::Euclidean,
            "manhattan" | "cityblock" | "l1" => Metric::Manhattan,
            "chebyshev" | "linf" => Metric::Chebyshev,
            "cosine" => Metric::Cosine,
            "mahalanobis" => Metric::Mahalanobis(None),
            "minkowski" => Metric::Minkowski(2.0),
            other => match other.strip_prefix("minkowski:").map(str::parse::<f64>) {
                Some(Ok(p)) => Metric::Minkowski(p),
                _ => {
                    return Err(
                        "expected euclidean, manhattan, chebyshev, minkowski:P, cosine \
                                or mahalanobis"
                            .into(),
                    )
                }
            },
        })
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Metric::Euclidean => f.write_str("euclidean"),
            Metric::Manhattan => f.write_str("manhattan"),
            Metric::Chebyshev => f.write_str("chebyshev"),
            Metric::Minkowski(p) => write!(f, "minkowski:{p}"),
            Metric::Cosine => f.write_str("cosine"),
            Metric::Mahalanobis(_) => f.write_str("mahalanobis"),
        }
    }
}

impl Metric {
    /// The distance between two rows of equal length (a slow, direct reference: the index never
    /// calls it in its loops). Mahalanobis needs its matrix given explicitly here.
    pub fn distance(&self, a: &[f64], b: &[f64]) -> Result<f64> {
        if a.len() != b.len() {
            return Err(Error::shape("rows of a distance", a.len(), b.len()));
        }
        let diff: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        Ok(match self {
            Metric::Cosine => {
                let (na, nb) = (dot(a, a).sqrt(), dot(b, b).sqrt());
                let sim = if na == 0.0 || nb == 0.0 {
                    0.0
                } else {
                    dot(a, b) / (na * nb)
                };
                (1.0 - sim).clamp(0.0, 2.0)
            }
            Metric::Mahalanobis(None) => {
                return Err(Error::param(
                    "metric",
                    "mahalanobis needs its inverse covariance to measure one pair",
                ))
            }
            Metric::Mahalanobis(Some(vi)) => {
                if vi.dim() != (a.len(), a.len()) {
                    return Err(Error::shape("mahalanobis matrix", a.len(), vi.nrows()));
                }
                let v = ndarray::ArrayView1::from(&diff[..]);
                v.dot(&vi.dot(&v)).max(0.0).sqrt()
            }
            other => {
                let norm = other.norm()?;
                norm.to_dist(norm.reduced(a, b))
            }
        })
    }

    /// The Minkowski norm this metric ranks by after its fit-time map.
    pub(crate) fn norm(&self) -> Result<Norm> {
        Ok(match *self {
            Metric::Euclidean | Metric::Mahalanobis(_) | Metric::Cosine => Norm::L2,
            Metric::Manhattan => Norm::L1,
            Metric::Chebyshev => Norm::LInf,
            Metric::Minkowski(1.0) => Norm::L1,
            Metric::Minkowski(2.0) => Norm::L2,
            Metric::Minkowski(f64::INFINITY) => Norm::LInf,
            Metric::Minkowski(p) if p > 1.0 && p.is_finite() => Norm::Lp(p),
            Metric::Minkowski(p) => {
                return Err(Error::param(
                    "metric",
                    format!("minkowski needs p >= 1 (a metric), got {p}"),
                ))
            }
        })
    }

    /// The linear map applied to every row before searching (Mahalanobis: the Cholesky factor
    /// $L$ of $V^{-1}$, so that rows become $x^\top L$), computed from the training rows when no
    /// matrix is given.
    pub(crate) fn row_map(&self, train: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
        let Metric::Mahalanobis(vi) = self else {
            return Ok(None);
        };
        let d = train.ncols();
        let vi = match vi {
            Some(vi) if vi.dim() != (d, d) => {
                return Err(Error::shape(
                    "mahalanobis inverse covariance",
                    format!("{d} x {d}"),
                    format!("{} x {}", vi.nrows(), vi.ncols()),
                ))
            }
            Some(vi) => vi.clone(),
            None => inverse_covariance(train)?,
        };
        if vi.iter().any(|v| !v.is_finite()) {
            return Err(Error::param(
                "metric",
                "mahalanobis matrix holds a non-finite value",
            ));
        }
        let llt = as_faer(vi.view()).llt(faer::Side::Lower).map_err(|_| {
            Error::param(
                "metric",
                "mahalanobis matrix is not symmetric positive definite",
            )
        })?;
        Ok(Some(to_ndarray(llt.L())))
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Inverse of the sample covariance (divisor $n - 1$, as `numpy.cov`) of the rows.
fn inverse_covariance(x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    let n = x.nrows();
    if n < 2 {
        return Err(Error::param(
            "metric",
            "mahalanobis without a matrix needs at least 2 training rows",
        ));
    }
    let mean = x.mean_axis(Axis(0)).expect("non-empty");
    let centered = &x - &mean;
    let cov = centered.t().dot(&centered) / (n - 1) as f64;
    let llt = as_faer(cov.view()).llt(faer::Side::Lower).map_err(|_| {
        Error::numerical(
            "mahalanobis metric",
            "the training covariance is singular (a constant or collinear feature); give the \
                 inverse covariance explicitly",
        )
    })?;
    let eye = faer::Mat::<f64>::identity(cov.nrows(), cov.nrows());
    Ok(to_ndarray(llt.solve(&eye).as_ref()))
}

/// The space a search runs in after the fit-time map: a Minkowski norm, or inner products of
/// unit rows (cosine).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) enum Space {
    Minkowski(Norm),
    Cosine,
}

impl Space {
    /// The final distance between two mapped rows, computed directly.
    #[inline]
    pub(crate) fn exact(self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Space::Minkowski(norm) => norm.to_dist(norm.reduced(a, b)),
            Space::Cosine => (1.0 - dot(a, b)).clamp(0.0, 2.0),
        }
    }
}

/// Rows scaled to unit Euclidean norm (zero rows stay zero), the map of the cosine metric.
pub(crate) fn normalize_rows(x: &mut Array2<f64>) {
    for mut row in x.rows_mut() {
        let n = row.dot(&row).sqrt();
        if n > 0.0 {
            row /= n;
        }
    }
}

/// A Minkowski norm of a difference, the form every search works in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) enum Norm {
    L1,
    L2,
    LInf,
    Lp(f64),
}

impl Norm {
    /// Reduced distance $\rho(a, b)$.
    #[inline]
    pub(crate) fn reduced(self, a: &[f64], b: &[f64]) -> f64 {
        let it = a.iter().zip(b);
        match self {
            Norm::L2 => it.map(|(x, y)| (x - y) * (x - y)).sum(),
            Norm::L1 => it.map(|(x, y)| (x - y).abs()).sum(),
            Norm::LInf => it.map(|(x, y)| (x - y).abs()).fold(0.0, f64::max),
            Norm::Lp(p) => it.map(|(x, y)| (x - y).abs().powf(p)).sum(),
        }
    }

    /// The reduced distance of a difference given per coordinate as absolute values.
    #[inline]
    pub(crate) fn reduced_of(self, deltas: impl Iterator<Item = f64>) -> f64 {
        match self {
            Norm::L2 => deltas.map(|v| v * v).sum(),
            Norm::L1 => deltas.sum(),
            Norm::LInf => deltas.fold(0.0, f64::max),
            Norm::Lp(p) => deltas.map(|v| v.powf(p)).sum(),
        }
    }

    /// $\rho \mapsto d$.
    #[inline]
    pub(crate) fn to_dist(self, r: f64) -> f64 {
        match self {
            Norm::L2 => r.sqrt(),
            Norm::L1 | Norm::LInf => r,
            Norm::Lp(p) => r.powf(1.0 / p),
        }
    }

    /// $d \mapsto \rho$.
    #[inline]
    pub(crate) fn to_reduced(self, d: f64) -> f64 {
        match self {
            Norm::L2 => d * d,
            Norm::L1 | Norm::LInf => d,
            Norm::Lp(p) => d.powf(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn parse_and_print_round_trip() {
        for s in [
            "euclidean",
            "manhattan",
            "chebyshev",
            "minkowski:3",
            "cosine",
            "mahalanobis",
        ] {
            assert_eq!(s.parse::<Metric>().unwrap().to_string(), s);
        }
        assert!("minkowsky".parse::<Metric>().is_err());
        assert!(Metric::Minkowski(0.5).norm().is_err());
    }

    #[test]
    fn direct_distances() {
        let (a, b) = ([1.0, 0.0, 3.0], [0.0, 2.0, 1.0]);
        assert_eq!(Metric::Manhattan.distance(&a, &b).unwrap(), 5.0);
        assert_eq!(Metric::Chebyshev.distance(&a, &b).unwrap(), 2.0);
        assert_eq!(Metric::Euclidean.distance(&a, &b).unwrap(), 3.0);
        let vi = array![[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.5]];
        let m = Metric::Mahalanobis(Some(vi)).distance(&a, &b).unwrap();
        assert!((m - (2.0f64 + 4.0 + 2.0).sqrt()).abs() < 1e-15);
        assert_eq!(
            Metric::Cosine.distance(&[0.0, 0.0], &[1.0, 2.0]).unwrap(),
            1.0
        );
    }

    #[test]
    fn mahalanobis_map_makes_it_euclidean() {
        let x = array![[1.0, 2.0], [2.0, 1.0], [4.0, 5.0], [0.0, -1.0], [3.0, 3.5]];
        let l = Metric::Mahalanobis(None)
            .row_map(x.view())
            .unwrap()
            .unwrap();
        let vi = inverse_covariance(x.view()).unwrap();
        let m = Metric::Mahalanobis(Some(vi));
        let (a, b) = (x.row(0), x.row(2));
        let (ta, tb) = (a.dot(&l), b.dot(&l));
        let mapped =
            Norm::L2.to_dist(Norm::L2.reduced(ta.as_slice().unwrap(), tb.as_slice().unwrap()));
        let direct = m.distance(&a.to_vec(), &b.to_vec()).unwrap();
        assert!((mapped - direct).abs() < 1e-12, "{mapped} vs {direct}");
    }
}
