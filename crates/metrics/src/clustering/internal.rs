//! Internal clustering scores of data $X$ ($n \times d$) partitioned into $k$ clusters
//! $C_1, \dots, C_k$ with centroids $c_j$ and overall mean $\bar x$ (Euclidean distance $\delta$).
//!
//! - Silhouette of sample $i$ in cluster $A$: $s_i = \frac{b_i - a_i}{\max(a_i, b_i)}$, with
//!   $a_i$ the mean distance to the other members of $A$ and $b_i$ the smallest mean distance to
//!   another cluster; $s_i = 0$ when $A = \{i\}$. The score is the mean $s_i$. $O(n^2 d)$ time,
//!   $O(n + k)$ memory (distances are streamed, never stored).
//! - Davies-Bouldin: $\frac1k \sum_j \max_{l \ne j} \frac{S_j + S_l}{\delta(c_j, c_l)}$ with
//!   $S_j$ the mean distance of $C_j$'s members to $c_j$; 0 when all $S_j$ or all centroid
//!   distances are (near) zero, as scikit-learn. $O(nd + k^2 d)$.
//! - Calinski-Harabasz:
//!   $\frac{\sum_j |C_j| \|c_j - \bar x\|^2}{\sum_j \sum_{x \in C_j} \|x - c_j\|^2} \cdot \frac{n-k}{k-1}$,
//!   1 when the within-cluster dispersion is 0. $O(nd)$.
//!
//! All need $2 \le k \le n - 1$ and finite data.
//! References: Rousseeuw (1987), J. Comput. Appl. Math. 20; Davies & Bouldin (1979), IEEE TPAMI 1;
//! Caliński & Harabasz (1974), Commun. Stat. 3.
//!
//! ```
//! use breadth_metrics::clustering::{calinski_harabasz, davies_bouldin};
//! use ndarray::array;
//! let x = array![[0.0], [2.0], [10.0], [12.0]];
//! let l = array![0, 0, 1, 1];
//! assert!((davies_bouldin(x.view(), l.view()).unwrap() - 0.2).abs() < 1e-15);
//! assert!((calinski_harabasz(x.view(), l.view()).unwrap() - 50.0).abs() < 1e-12);
//! ```

use breadth_core::validate::check_finite;
use breadth_core::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

use super::encode;

fn euclid(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Finite data, matching label count, $2 \le k \le n-1$; returns codes, $k$ and cluster sizes.
fn prepare<T: Ord + Copy>(
    what: &str,
    x: ArrayView2<'_, f64>,
    labels: ArrayView1<'_, T>,
) -> Result<(Vec<usize>, usize, Vec<f64>)> {
    check_finite(x, what)?;
    crate::check_pair(what, x.nrows(), labels.len())?;
    let (codes, k) = encode(labels);
    if k < 2 || k > x.nrows() - 1 {
        return Err(Error::param(
            "labels",
            format!(
                "{what} needs between 2 and n_samples - 1 = {} clusters, got {k}",
                x.nrows() - 1
            ),
        ));
    }
    let mut sizes = vec![0.0; k];
    for &c in &codes {
        sizes[c] += 1.0;
    }
    Ok((codes, k, sizes))
}

fn centroids(x: ArrayView2<'_, f64>, codes: &[usize], k: usize, sizes: &[f64]) -> Array2<f64> {
    let mut c = Array2::<f64>::zeros((k, x.ncols()));
    for (row, &l) in x.outer_iter().zip(codes) {
        let mut cr = c.row_mut(l);
        cr += &row;
    }
    for (mut cr, &s) in c.outer_iter_mut().zip(sizes) {
        cr /= s;
    }
    c
}

/// Silhouette coefficient of every sample (Euclidean distance).
pub fn silhouette_samples<T: Ord + Copy + Sync>(
    x: ArrayView2<'_, f64>,
    labels: ArrayView1<'_, T>,
) -> Result<Array1<f64>> {
    let (codes, k, sizes) = prepare("silhouette", x, labels)?;
    let s: Vec<f64> = (0..x.nrows())
        .into_par_iter()
        .map(|i| {
            let mut sums = vec![0.0; k];
            for j in 0..x.nrows() {
                sums[codes[j]] += euclid(x.row(i), x.row(j));
            }
            let own = codes[i];
            if sizes[own] <= 1.0 {
                return 0.0;
            }
            let a = sums[own] / (sizes[own] - 1.0);
            let b = (0..k)
                .filter(|&c| c != own)
                .map(|c| sums[c] / sizes[c])
                .fold(f64::INFINITY, f64::min);
            let m = a.max(b);
            if m == 0.0 {
                0.0
            } else {
                (b - a) / m
            }
        })
        .collect();
    Ok(Array1::from(s))
}

/// Mean silhouette coefficient.
pub fn silhouette_score<T: Ord + Copy + Sync>(
    x: ArrayView2<'_, f64>,
    labels: ArrayView1<'_, T>,
) -> Result<f64> {
    Ok(silhouette_samples(x, labels)?.mean().unwrap_or(0.0))
}

/// Davies-Bouldin index (lower is better).
pub fn davies_bouldin<T: Ord + Copy>(
    x: ArrayView2<'_, f64>,
    labels: ArrayView1<'_, T>,
) -> Result<f64> {
    let (codes, k, sizes) = prepare("Davies-Bouldin", x, labels)?;
    let c = centroids(x, &codes, k, &sizes);
    let mut intra = vec![0.0; k];
    for (row, &l) in x.outer_iter().zip(&codes) {
        intra[l] += euclid(row, c.row(l));
    }
    for (s, &n) in intra.iter_mut().zip(&sizes) {
        *s /= n;
    }
    let cd = Array2::from_shape_fn((k, k), |(a, b)| euclid(c.row(a), c.row(b)));
    // numpy.isclose(v, 0) with its default atol.
    let near_zero = |v: f64| v.abs() <= 1e-8;
    if intra.iter().all(|&v| near_zero(v)) || cd.iter().all(|&v| near_zero(v)) {
        return Ok(0.0);
    }
    let score: f64 = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| {
                    if cd[[a, b]] == 0.0 {
                        0.0
                    } else {
                        (intra[a] + intra[b]) / cd[[a, b]]
                    }
                })
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .sum();
    Ok(score / k as f64)
}

/// Calinski-Harabasz index (variance ratio criterion; higher is better).
pub fn calinski_harabasz<T: Ord + Copy>(
    x: ArrayView2<'_, f64>,
    labels: ArrayView1<'_, T>,
) -> Result<f64> {
    let (codes, k, sizes) = prepare("Calinski-Harabasz", x, labels)?;
    let c = centroids(x, &codes, k, &sizes);
    let mean = x.mean_axis(ndarray::Axis(0)).expect("non-empty");
    let extra: f64 = (0..k)
        .map(|j| sizes[j] * (&c.row(j) - &mean).mapv(|v| v * v).sum())
        .sum();
    let intra: f64 = x
        .outer_iter()
        .zip(&codes)
        .map(|(r, &l)| (&r - &c.row(l)).mapv(|v| v * v).sum())
        .sum();
    let n = x.nrows() as f64;
    Ok(if intra == 0.0 {
        1.0
    } else {
        extra * (n - k as f64) / (intra * (k as f64 - 1.0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cluster_count_is_checked() {
        let x = array![[0.0], [1.0], [2.0]];
        assert!(silhouette_score(x.view(), array![0, 0, 0].view()).is_err());
        assert!(davies_bouldin(x.view(), array![0, 1, 2].view()).is_err());
        assert!(calinski_harabasz(x.view(), array![0, 1].view()).is_err());
        assert!(silhouette_score(
            array![[f64::NAN], [1.0], [2.0]].view(),
            array![0, 0, 1].view()
        )
        .is_err());
    }

    #[test]
    fn singleton_cluster_has_zero_silhouette() {
        let x = array![[0.0], [1.0], [5.0]];
        let s = silhouette_samples(x.view(), array![0i64, 0, -1].view()).unwrap();
        assert_eq!(s[2], 0.0);
        assert!(s[0] > 0.0);
    }
}
