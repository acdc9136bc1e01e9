//! Column statistics shared by the scalers and imputers.
//!
//! - weighted mean and the *corrected two-pass* variance of Chan, Golub & LeVeque (1983), as
//!   scikit-learn's `_incremental_mean_and_var` computes it on a first batch:
//!   $\mu = \sum_i w_i x_i / W$, $\sigma^2 = \big(\sum_i w_i (x_i-\mu)^2 - (\sum_i w_i (x_i-\mu))^2 / W\big) / W$
//!   with $W = \sum_i w_i$; the correction term removes most of the rounding error of $\mu$;
//! - `numpy.percentile` with linear interpolation between order statistics.
//!
//! Both are $O(nd)$ (plus a sort for percentiles); the column sums run over fixed blocks of rows
//! in parallel and are added in block order, so results never depend on the thread count.

use ndarray::{Array1, ArrayView1, ArrayView2, Axis, Zip};
use rayon::prelude::*;

const BLOCK: usize = 4096;

/// Per-column sums over rows, blockwise in parallel, combined in block order: `step(acc, w_i,
/// row_i)` adds one row into the block's accumulators (`k` arrays of length `d`).
fn column_sums<const K: usize>(
    x: ArrayView2<'_, f64>,
    w: Option<ArrayView1<'_, f64>>,
    step: impl Fn(&mut [Array1<f64>; K], f64, ArrayView1<'_, f64>) + Sync,
) -> [Array1<f64>; K] {
    let d = x.ncols();
    let zeros = || std::array::from_fn(|_| Array1::<f64>::zeros(d));
    let partial: Vec<[Array1<f64>; K]> = x
        .axis_chunks_iter(Axis(0), BLOCK)
        .into_par_iter()
        .enumerate()
        .map(|(b, block)| {
            let mut acc = zeros();
            for (r, row) in block.outer_iter().enumerate() {
                step(&mut acc, w.map_or(1.0, |w| w[b * BLOCK + r]), row);
            }
            acc
        })
        .collect();
    partial.into_iter().fold(zeros(), |mut total, p| {
        for (t, p) in total.iter_mut().zip(p) {
            *t += &p;
        }
        total
    })
}

/// Weighted column means and (biased, weight-normalized) variances; `w = None` means unit weights.
pub(crate) fn mean_var(
    x: ArrayView2<'_, f64>,
    w: Option<ArrayView1<'_, f64>>,
) -> (Array1<f64>, Array1<f64>, f64) {
    let total = w.map_or(x.nrows() as f64, |w| w.sum());
    let [sum] = column_sums(x, w, |[s], wi, row| {
        Zip::from(s).and(row).for_each(|s, &v| *s += wi * v)
    });
    let mean = sum / total;
    let [correction, sq] = column_sums(x, w, |[c, q], wi, row| {
        Zip::from(c)
            .and(q)
            .and(row)
            .and(&mean)
            .for_each(|c, q, &v, &m| {
                let t = v - m;
                *c += wi * t;
                *q += wi * t * t;
            })
    });
    let var = (sq - correction.mapv(|c| c * c / total)) / total;
    (mean, var, total)
}

/// `numpy.percentile(values, q)` (linear method) of already sorted, non-empty `sorted`.
pub(crate) fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let (a, b, t) = (sorted[lo], sorted[hi], pos - lo as f64);
    // numpy's `_lerp` interpolates from the nearer end, which keeps the result monotone.
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// The median as numpy computes it: the middle value, or the mean of the two middle values.
pub(crate) fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The finite (non-NaN) values of a column, sorted.
pub(crate) fn sorted_present(col: ArrayView1<'_, f64>) -> Vec<f64> {
    let mut v: Vec<f64> = col.iter().copied().filter(|v| !v.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};
    use rand::Rng as _;

    /// The textbook definition, one column at a time, for comparison.
    fn mean_var_slow(x: &Array2<f64>, w: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let total: f64 = w.iter().sum();
        (0..x.ncols())
            .map(|j| {
                let m = (0..x.nrows()).map(|i| w[i] * x[[i, j]]).sum::<f64>() / total;
                let v = (0..x.nrows())
                    .map(|i| w[i] * (x[[i, j]] - m).powi(2))
                    .sum::<f64>()
                    / total;
                (m, v)
            })
            .unzip()
    }

    #[test]
    fn blocked_mean_var_matches_the_definition() {
        let mut rng = breadth_core::seeded_rng(3);
        let n = 2 * BLOCK + 17;
        let x = Array2::from_shape_fn((n, 3), |_| rng.random::<f64>() * 10.0 - 2.0);
        let w: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        let (m, v, total) = mean_var(x.view(), Some(ArrayView1::from(&w)));
        let (ms, vs) = mean_var_slow(&x, &w);
        assert!((total - w.iter().sum::<f64>()).abs() < 1e-9);
        for j in 0..3 {
            assert!(
                (m[j] - ms[j]).abs() < 1e-12 * n as f64,
                "{} {}",
                m[j],
                ms[j]
            );
            assert!(
                (v[j] - vs[j]).abs() < 1e-12 * n as f64,
                "{} {}",
                v[j],
                vs[j]
            );
        }
    }

    #[test]
    fn percentiles_interpolate_like_numpy() {
        // numpy.percentile([1, 2, 4, 10], [25, 75, 90]) == [1.75, 5.5, 8.2]
        let s = [1.0, 2.0, 4.0, 10.0];
        for (q, want) in [
            (25.0, 1.75),
            (75.0, 5.5),
            (90.0, 8.2),
            (0.0, 1.0),
            (100.0, 10.0),
        ] {
            assert!((percentile_sorted(&s, q) - want).abs() < 1e-12, "{q}");
        }
        assert_eq!(median_sorted(&s), 3.0);
        assert_eq!(median_sorted(&[5.0]), 5.0);
        assert_eq!(
            sorted_present(array![3.0, f64::NAN, 1.0].view()),
            vec![1.0, 3.0]
        );
    }
}
