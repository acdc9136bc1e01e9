//! Quantile binning of features into at most 255 `u8` bins plus one bin for missing values.
//!
//! For each feature the distinct values of (a deterministic sample of at most `sample_rows`)
//! rows are sorted with their counts. With at most `max_bin` distinct values every value gets its
//! own bin; otherwise bins are cut greedily at the value where the cumulative count first reaches
//! $\frac{b}{B} n$ for $b = 1, \dots, B-1$, so heavy ties never straddle two bins. Bin $b$ holds
//! $(u_{b-1}, u_b]$ with upper bounds $u_b$ half-way between the last value of bin $b$ and the
//! first of bin $b+1$, and $u_{B-1} = +\infty$. NaN goes to [`MISSING_BIN`].
//!
//! Binning a value is a binary search over $\le 255$ bounds; fitting costs
//! $O(d\, s \log s)$ for $s$ sampled rows. (Ke et al., *LightGBM*, NeurIPS 2017; Chen & Guestrin,
//! *XGBoost*, KDD 2016.)
//!
//! ```
//! use breadth_classic::gbdt::binning::{BinMapper, MISSING_BIN};
//! use ndarray::array;
//! let x = array![[1.0], [2.0], [2.0], [f64::NAN]];
//! let m = BinMapper::fit(x.view(), 255, 1000);
//! assert_eq!(m.n_bins(0), 2);
//! assert_eq!(m.bin(0, 1.7), 1);
//! assert_eq!(m.bin(0, f64::NAN), MISSING_BIN);
//! ```

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The bin of missing values.
pub const MISSING_BIN: u8 = 255;
/// Histogram stride: 255 value bins and the missing bin.
pub const N_SLOTS: usize = 256;

/// Upper bounds of the bins of each feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinMapper {
    #[serde(with = "bounds_serde")]
    bounds: Vec<Vec<f64>>,
}

/// The last bound of every feature is $+\infty$, which JSON cannot hold: it is left out.
mod bounds_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(b: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
        let finite: Vec<&[f64]> = b.iter().map(|v| &v[..v.len() - 1]).collect();
        finite.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
        let mut v: Vec<Vec<f64>> = Vec::deserialize(d)?;
        v.iter_mut().for_each(|b| b.push(f64::INFINITY));
        Ok(v)
    }
}

impl BinMapper {
    /// Learn the bins of every column from at most `sample_rows` evenly spaced rows.
    pub fn fit(x: ArrayView2<'_, f64>, max_bin: usize, sample_rows: usize) -> BinMapper {
        let n = x.nrows();
        let step = n.div_ceil(sample_rows.max(1)).max(1);
        let bounds = (0..x.ncols())
            .into_par_iter()
            .map(|j| {
                let mut v: Vec<f64> = (0..n)
                    .step_by(step)
                    .map(|i| x[[i, j]])
                    .filter(|v| !v.is_nan())
                    .collect();
                v.sort_unstable_by(f64::total_cmp);
                feature_bounds(&v, max_bin.clamp(2, N_SLOTS - 1))
            })
            .collect();
        BinMapper { bounds }
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.bounds.len()
    }

    /// Number of value bins of feature `j` (the missing bin not counted).
    pub fn n_bins(&self, j: usize) -> usize {
        self.bounds[j].len()
    }

    /// Upper bound of bin `b` of feature `j`.
    pub fn upper_bound(&self, j: usize, b: usize) -> f64 {
        self.bounds[j][b]
    }

    /// The bin of value `v` of feature `j`.
    #[inline]
    pub fn bin(&self, j: usize, v: f64) -> u8 {
        if v.is_nan() {
            return MISSING_BIN;
        }
        self.bounds[j].partition_point(|&u| u < v) as u8
    }

    /// Bin a whole matrix, column-major: entry `j * n + i` is row `i`, feature `j`.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Vec<u8> {
        let n = x.nrows();
        let mut out = vec![0u8; n * x.ncols()];
        out.par_chunks_mut(n.max(1))
            .enumerate()
            .for_each(|(j, col)| {
                for (i, c) in col.iter_mut().enumerate() {
                    *c = self.bin(j, x[[i, j]]);
                }
            });
        out
    }
}

/// Bin upper bounds from sorted present values.
fn feature_bounds(sorted: &[f64], max_bin: usize) -> Vec<f64> {
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &v in sorted {
        match distinct.last_mut() {
            Some((last, c)) if *last == v => *c += 1,
            _ => distinct.push((v, 1)),
        }
    }
    let mut bounds = Vec::new();
    if distinct.len() <= max_bin {
        for w in distinct.windows(2) {
            bounds.push(w[0].0 / 2.0 + w[1].0 / 2.0);
        }
    } else {
        let total = sorted.len() as f64;
        let mut cum = 0usize;
        for k in 0..distinct.len() - 1 {
            cum += distinct[k].1;
            let target = (bounds.len() + 1) as f64 * total / max_bin as f64;
            if cum as f64 >= target && bounds.len() + 1 < max_bin {
                bounds.push(distinct[k].0 / 2.0 + distinct[k + 1].0 / 2.0);
            }
        }
    }
    bounds.push(f64::INFINITY);
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn quantile_bins_are_balanced_and_respect_ties() {
        let x = Array2::from_shape_fn(
            (10_000, 2),
            |(i, j)| if j == 0 { i as f64 } else { (i % 7) as f64 },
        );
        let m = BinMapper::fit(x.view(), 255, 100_000);
        assert_eq!(m.n_bins(0), 255);
        assert_eq!(m.n_bins(1), 7);
        let bins = m.transform(x.view());
        let mut counts = vec![0usize; 256];
        bins[..10_000].iter().for_each(|&b| counts[b as usize] += 1);
        // Equal-frequency: every bin holds about 10000 / 255 rows.
        assert!(
            counts[..255].iter().all(|&c| (38..=41).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(m.bin(1, 3.0), 3);
        assert_eq!(m.bin(1, 100.0), 6);
    }

    #[test]
    fn serialized_bounds_round_trip() {
        let x = Array2::from_shape_fn((50, 1), |(i, _)| i as f64);
        let m = BinMapper::fit(x.view(), 16, 1000);
        let back: BinMapper = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }
}
