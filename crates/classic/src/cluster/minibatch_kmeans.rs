//! Mini-batch k-means (scikit-learn's `MiniBatchKMeans`): k-means on random batches, for data
//! too large for full Lloyd iterations.
//!
//! Each step draws a batch $B$ of `batch_size` rows (with replacement), assigns each to its
//! nearest centre, and moves every centre $c_j$ towards the mean of its batch rows with a
//! per-centre learning rate that decays with the weight $W_j$ it has absorbed so far:
//! $$ c_j \leftarrow \frac{W_j c_j + \sum_{i \in B_j} w_i x_i}{W_j + \sum_{i \in B_j} w_i},
//! \qquad W_j \leftarrow W_j + \sum_{i \in B_j} w_i. $$
//! Centres start from k-means++ on a random subset of $3 \cdot$ `batch_size` rows (the best of
//! `n_init` seedings on that subset). It stops after `max_iter` passes' worth of steps, or when
//! an exponentially weighted average of the batch inertia has not improved for
//! `max_no_improvement` steps. Labels and inertia are then computed on the full data.
//!
//! Shapes: `x` is `n x d`, centres `k x d`. Cost $O(b k d)$ per step for batch size $b$.
//! Reference: D. Sculley, *Web-scale k-means clustering*, WWW 2010.
//!
//! ```
//! use breadth_classic::cluster::minibatch_kmeans::MiniBatchKMeansParams;
//! use breadth_core::{Clusterer, Dataset, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let m = MiniBatchKMeansParams::new(3).batch_size(32).fit(&iris).unwrap();
//! assert_eq!(m.centers().dim(), (3, 4));
//! assert!(m.inertia() < 100.0);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::rng::child_seeds;
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{seeded_rng, Clusterer, Dataset, Error, Fit, Result, Transformer};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::kmeans::{kmeans_plusplus, nearest_centers, row_sq_norms, KMeans};

/// Hyper-parameters of mini-batch k-means.
#[derive(Debug, Clone, PartialEq)]
pub struct MiniBatchKMeansParams {
    /// Number of clusters `k`.
    pub n_clusters: usize,
    /// Rows per batch.
    pub batch_size: usize,
    /// Passes over the data (in steps: `max_iter * n / batch_size`).
    pub max_iter: usize,
    /// Steps without improvement of the smoothed batch inertia before stopping (0: never).
    pub max_no_improvement: usize,
    /// k-means++ seedings tried on the initial subset.
    pub n_init: usize,
    /// Seed of the seeding and the batches.
    pub seed: u64,
}

impl Default for MiniBatchKMeansParams {
    fn default() -> Self {
        MiniBatchKMeansParams {
            n_clusters: 8,
            batch_size: 1024,
            max_iter: 100,
            max_no_improvement: 10,
            n_init: 3,
            seed: 0,
        }
    }
}

impl MiniBatchKMeansParams {
    /// Defaults with `k` clusters.
    pub fn new(n_clusters: usize) -> Self {
        MiniBatchKMeansParams {
            n_clusters,
            ..Default::default()
        }
    }
    /// Set the batch size.
    pub fn batch_size(mut self, b: usize) -> Self {
        self.batch_size = b;
        self
    }
    /// Set the number of passes.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Configurable for MiniBatchKMeansParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("n_clusters", self.n_clusters, "number of clusters k >= 1"),
            ParamSpec::new("batch_size", self.batch_size, "rows per batch"),
            ParamSpec::new("max_iter", self.max_iter, "passes over the data"),
            ParamSpec::new(
                "max_no_improvement",
                self.max_no_improvement,
                "early-stopping patience in steps (0: off)",
            ),
            ParamSpec::new("n_init", self.n_init, "k-means++ seedings tried"),
            ParamSpec::new("seed", self.seed, "seed"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_clusters" => self.n_clusters = parse_param(name, value)?,
            "batch_size" => self.batch_size = parse_param(name, value)?,
            "max_iter" => self.max_iter = parse_param(name, value)?,
            "max_no_improvement" => self.max_no_improvement = parse_param(name, value)?,
            "n_init" => self.n_init = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted mini-batch k-means model (same queries as [`KMeans`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiniBatchKMeans {
    inner: KMeans,
    n_steps: usize,
}

impl MiniBatchKMeans {
    /// The centres, `k x d`.
    pub fn centers(&self) -> &Array2<f64> {
        self.inner.centers()
    }
    /// Weighted sum of squared distances of all training rows to their centres.
    pub fn inertia(&self) -> f64 {
        self.inner.inertia()
    }
    /// Mini-batch steps taken.
    pub fn n_steps(&self) -> usize {
        self.n_steps
    }
}

impl Fit for MiniBatchKMeansParams {
    type Fitted = MiniBatchKMeans;
    fn fit(&self, data: &Dataset) -> Result<MiniBatchKMeans> {
        check_fit_input(data)?;
        let x = data.features();
        let (n, k) = (x.nrows(), self.n_clusters);
        if k == 0 || k > n {
            return Err(Error::param(
                "n_clusters",
                format!("must lie in 1..={n} (the number of rows), got {k}"),
            ));
        }
        if self.batch_size == 0 || self.n_init == 0 || self.max_iter == 0 {
            return Err(Error::param(
                "batch_size / n_init / max_iter",
                "must each be at least 1",
            ));
        }
        let w = data.weights_or_ones();
        let mut rng = seeded_rng(self.seed);
        // Seed on a subset, keeping the seeding with the lowest inertia on it.
        let init_size = (3 * self.batch_size).max(3 * k).min(n);
        let subset: Vec<usize> = rand::seq::index::sample(&mut rng, n, init_size).into_vec();
        let xs = x.select(Axis(0), &subset);
        let ws: Vec<f64> = subset.iter().map(|&i| w[i]).collect();
        let xs_sq = row_sq_norms(xs.view());
        let mut centers = Array2::zeros((k, x.ncols()));
        let mut best = f64::INFINITY;
        for seed in child_seeds(rng.random(), self.n_init) {
            let c = kmeans_plusplus(xs.view(), &xs_sq, &ws, k, &mut seeded_rng(seed));
            let (_, d) = nearest_centers(xs.view(), &xs_sq, c.view());
            let inertia: f64 = d.iter().zip(&ws).map(|(d, w)| d * w).sum();
            if inertia < best {
                best = inertia;
                centers = c;
            }
        }
        let b = self.batch_size.min(n);
        let n_steps = (self.max_iter * n).div_ceil(b);
        let mut weight_sums = vec![0.0; k];
        let alpha = (2.0 * b as f64 / (n as f64 + 1.0)).min(1.0);
        let (mut ewa, mut ewa_best, mut no_improvement) = (f64::NAN, f64::INFINITY, 0);
        let mut steps = 0;
        let mut batch = Array2::zeros((b, x.ncols()));
        let mut bw = vec![0.0; b];
        for _ in 0..n_steps {
            steps += 1;
            for t in 0..b {
                let i = rng.random_range(0..n);
                batch.row_mut(t).assign(&x.row(i));
                bw[t] = w[i];
            }
            let b_sq = row_sq_norms(batch.view());
            let (labels, dist) = nearest_centers(batch.view(), &b_sq, centers.view());
            let mut sums = Array2::<f64>::zeros((k, x.ncols()));
            let mut wsum = vec![0.0; k];
            for t in 0..b {
                sums.row_mut(labels[t]).scaled_add(bw[t], &batch.row(t));
                wsum[labels[t]] += bw[t];
            }
            for j in 0..k {
                if wsum[j] > 0.0 {
                    let total = weight_sums[j] + wsum[j];
                    let new = (&centers.row(j) * weight_sums[j] + sums.row(j)) / total;
                    centers.row_mut(j).assign(&new);
                    weight_sums[j] = total;
                }
            }
            let batch_inertia: f64 =
                dist.iter().zip(&bw).map(|(d, w)| d * w).sum::<f64>() / b as f64;
            ewa = if ewa.is_nan() {
                batch_inertia
            } else {
                ewa * (1.0 - alpha) + batch_inertia * alpha
            };
            if ewa < ewa_best {
                ewa_best = ewa;
                no_improvement = 0;
            } else {
                no_improvement += 1;
                if self.max_no_improvement > 0 && no_improvement >= self.max_no_improvement {
                    break;
                }
            }
        }
        let x_sq = row_sq_norms(x);
        let (labels, dist) = nearest_centers(x, &x_sq, centers.view());
        let inertia = dist.iter().zip(w.iter()).map(|(d, w)| d * w).sum();
        Ok(MiniBatchKMeans {
            inner: KMeans::from_parts(
                centers,
                labels.iter().map(|&l| l as i64).collect(),
                inertia,
                steps,
                data.n_features(),
            ),
            n_steps: steps,
        })
    }
}

impl Fitted for MiniBatchKMeans {
    fn model_name(&self) -> &'static str {
        "minibatch-kmeans"
    }
    fn n_features_in(&self) -> usize {
        self.inner.n_features_in()
    }
}

impl Clusterer for MiniBatchKMeans {
    fn labels(&self) -> &Array1<i64> {
        self.inner.labels()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<i64>> {
        check_predict_input(self, x)?;
        self.inner.predict(x)
    }
}

impl Transformer for MiniBatchKMeans {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        self.inner.transform(x)
    }
    fn n_features_out(&self) -> usize {
        self.inner.n_features_out()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::kmeans::KMeansParams;
    use crate::cluster::testutil::{adjusted_rand, fixture, matrix};
    use breadth_core::conformance::check_clusterer;

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_clusterer(&MiniBatchKMeansParams::new(3).batch_size(32), &iris);
    }

    #[test]
    fn close_to_full_kmeans_and_scikit_learn_on_blobs() {
        // reference/unsupervised.py kmeans: MiniBatchKMeans(4, batch_size=64, n_init=3).
        let f = fixture("kmeans");
        let ds = Dataset::new(matrix(&f["blobs_x"]));
        let mb = MiniBatchKMeansParams::new(4)
            .batch_size(64)
            .fit(&ds)
            .unwrap();
        let full = KMeansParams::new(4).n_init(10).fit(&ds).unwrap();
        assert!(
            mb.inertia() <= full.inertia() * 1.02,
            "{} vs {}",
            mb.inertia(),
            full.inertia()
        );
        let theirs: Vec<i64> = serde_json::from_value(f["blobs_minibatch_labels"].clone()).unwrap();
        let ari = adjusted_rand(mb.labels().as_slice().unwrap(), &theirs);
        // Stochastic batches: a few boundary rows of these touching blobs may differ.
        assert!(ari >= 0.97, "ARI {ari}, inertia {}", mb.inertia());
        let ti = f["blobs_minibatch_inertia"].as_f64().unwrap();
        assert!(mb.inertia() <= ti * 1.005, "{} vs {ti}", mb.inertia());
    }
}
