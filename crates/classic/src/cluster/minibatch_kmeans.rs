//! Mini-batch k-means (scikit-learn's `MiniBatchKMeans`): k-means on random batches, for data
//! too large for full Lloyd iterations.
//!
//! Each step draws a batch $B$ of `batch_size` rows (with replacement), assigns each to its
//! nearest centre, and moves every centre $c_j$ towards the mean of its batch rows with a
//! per-centre learning rate that decays with the weight $W_j$ it has absorbed so far:
//! $$ c_j \leftarrow \frac{W_j c_j + \sum_{i \in B_j} w_i x_i}{W_j + \sum_{i \in B_j} w_i},
//! \qquad W_j \leftarrow W_j + \sum_{i \in B_j} w_i. $$
//! Batches are drawn with probability proportional to the sample weights, so each batch row
//! counts once ($w_i = 1$ above), as scikit-learn. Centres start from the best of `n_init`
//! k-means++ seedings, each on its own random subset of $3 \cdot$ `batch_size` rows, judged by
//! their inertia on one shared validation subset of the same size. Every $10k$ rows seen (each
//! step when `batch_size` $\ge 10k$), centres whose $W_j$ is below `reassignment_ratio` times
//! $\max_j W_j$ jump to random batch rows. It stops after `max_iter` passes' worth of steps
//! ($\lfloor$`max_iter`$\cdot n / b\rfloor$), or when an exponentially weighted average (weight
//! $\alpha = \min(1, 2b/(n+1))$) of the mean batch inertia has not improved for
//! `max_no_improvement` steps; the first step's inertia, which only measures the seeding, is left
//! out of that average. Labels and inertia then come from one parallel pass over the full data.
//!
//! Shapes: `x` is `n x d`, centres `k x d`. Cost $O(b k d)$ per step for batch size $b$ (one small
//! GEMM, no allocation), plus $O(n k d)$ for the final pass.
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
use breadth_core::validate::{check_fit_input, check_predict_input, non_negative};
use breadth_core::{seeded_rng, Clusterer, Dataset, Error, Fit, Result, Rng, Transformer};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::kmeans::{argmin, kmeans_plusplus, labels_inertia, row_sq_norms, sq_dists_into, KMeans};

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
    /// k-means++ seedings tried, each on its own subset of `3 * batch_size` rows.
    pub n_init: usize,
    /// Centres whose accumulated weight falls below this fraction of the largest are moved to
    /// random batch rows (0: never).
    pub reassignment_ratio: f64,
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
            reassignment_ratio: 0.01,
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
            ParamSpec::new(
                "reassignment_ratio",
                self.reassignment_ratio,
                "relative weight below which a centre moves to a random row (0: never)",
            ),
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
            "reassignment_ratio" => self.reassignment_ratio = parse_param(name, value)?,
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

/// Reusable buffers of the mini-batch steps, so that a step allocates nothing.
struct Step {
    batch: Array2<f64>,
    batch_sq: Vec<f64>,
    centers_sq: Vec<f64>,
    dist: Array2<f64>,
    labels: Vec<usize>,
    sums: Array2<f64>,
    wsum: Vec<f64>,
}

impl Step {
    fn new(b: usize, k: usize, d: usize) -> Step {
        Step {
            batch: Array2::zeros((b, d)),
            batch_sq: vec![0.0; b],
            centers_sq: vec![0.0; k],
            dist: Array2::zeros((b, k)),
            labels: vec![0; b],
            sums: Array2::zeros((k, d)),
            wsum: vec![0.0; k],
        }
    }

    /// Copy rows `idx` of the row-major `x` (`d` columns) into the batch.
    fn gather(&mut self, x: &[f64], d: usize, idx: &[usize]) {
        let batch = self.batch.as_slice_mut().expect("standard layout");
        for (dst, &i) in batch.chunks_exact_mut(d).zip(idx) {
            dst.copy_from_slice(&x[i * d..(i + 1) * d]);
        }
    }

    /// Assign the batch (weights `bw`) to `centers`, move each centre with its per-centre
    /// learning rate, and return the batch inertia measured before the move.
    fn update(&mut self, centers: &mut Array2<f64>, counts: &mut [f64], bw: &[f64]) -> f64 {
        for (s, r) in self.batch_sq.iter_mut().zip(self.batch.outer_iter()) {
            *s = r.dot(&r);
        }
        for (s, r) in self.centers_sq.iter_mut().zip(centers.outer_iter()) {
            *s = r.dot(&r);
        }
        sq_dists_into(
            self.batch.view(),
            &self.batch_sq,
            centers.view(),
            &self.centers_sq,
            self.dist.view_mut(),
        );
        self.sums.fill(0.0);
        self.wsum.fill(0.0);
        let mut inertia = 0.0;
        for (t, row) in self.dist.outer_iter().enumerate() {
            let (j, dist) = argmin(row);
            self.labels[t] = j;
            inertia += bw[t] * dist;
            self.sums.row_mut(j).scaled_add(bw[t], &self.batch.row(t));
            self.wsum[j] += bw[t];
        }
        for (j, mut c) in centers.outer_iter_mut().enumerate() {
            if self.wsum[j] > 0.0 {
                let total = counts[j] + self.wsum[j];
                let (old, inv) = (counts[j], 1.0 / total);
                c.zip_mut_with(&self.sums.row(j), |c, &s| *c = (*c * old + s) * inv);
                counts[j] = total;
            }
        }
        inertia
    }

    /// scikit-learn's random reassignment: centres whose accumulated weight is below `ratio`
    /// times the largest move to random batch rows (at most half a batch of them), and their
    /// weight is raised to the smallest weight kept, so they are not reassigned at once again.
    fn reassign(&self, centers: &mut Array2<f64>, counts: &mut [f64], ratio: f64, rng: &mut Rng) {
        let max = counts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut low: Vec<usize> = (0..counts.len())
            .filter(|&j| counts[j] < ratio * max)
            .collect();
        if low.is_empty() {
            return;
        }
        let b = self.batch.nrows();
        let cap = b / 2;
        if low.len() > cap {
            // Keep the `cap` lightest (stable order on ties, as numpy's argsort).
            low.sort_by(|&a, &c| counts[a].total_cmp(&counts[c]).then(a.cmp(&c)));
            low.truncate(cap);
            low.sort_unstable();
        }
        let rows = rand::seq::index::sample(rng, b, low.len()).into_vec();
        for (&j, &r) in low.iter().zip(&rows) {
            centers.row_mut(j).assign(&self.batch.row(r));
        }
        let kept_min = (0..counts.len())
            .filter(|j| low.binary_search(j).is_err())
            .map(|j| counts[j])
            .fold(f64::INFINITY, f64::min);
        for &j in &low {
            counts[j] = kept_min;
        }
    }
}

/// Draws batch rows: uniformly, or with probability proportional to the sample weights (as
/// scikit-learn, which then gives every batch row unit weight).
enum Sampler {
    Uniform(usize),
    Weighted(Vec<f64>),
}

impl Sampler {
    fn draw(&self, rng: &mut Rng) -> usize {
        match self {
            Sampler::Uniform(n) => rng.random_range(0..*n),
            Sampler::Weighted(cum) => {
                let r = rng.random::<f64>() * cum[cum.len() - 1];
                cum.partition_point(|&c| c <= r).min(cum.len() - 1)
            }
        }
    }
}

/// The early-stopping rule on the exponentially weighted average of the batch inertia.
struct Convergence {
    alpha: f64,
    ewa: Option<f64>,
    best: f64,
    no_improvement: usize,
    patience: usize,
}

impl Convergence {
    /// Record the mean batch inertia of one step (not the first: its inertia only measures the
    /// initialisation); true when it is time to stop.
    fn stop(&mut self, mean_inertia: f64) -> bool {
        let ewa = match self.ewa {
            None => mean_inertia,
            Some(e) => e * (1.0 - self.alpha) + mean_inertia * self.alpha,
        };
        self.ewa = Some(ewa);
        if ewa < self.best {
            self.best = ewa;
            self.no_improvement = 0;
        } else {
            self.no_improvement += 1;
        }
        self.patience > 0 && self.no_improvement >= self.patience
    }
}

impl MiniBatchKMeansParams {
    fn validate(&self, n: usize) -> Result<()> {
        let k = self.n_clusters;
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
        non_negative("reassignment_ratio", self.reassignment_ratio)
    }

    /// The best of `n_init` k-means++ seedings, each on its own random subset of `init_size`
    /// rows, judged by the inertia on one shared validation subset (scikit-learn's scheme).
    fn initial_centers(
        &self,
        x: ArrayView2<'_, f64>,
        w: Option<ArrayView1<'_, f64>>,
        init_size: usize,
        rng: &mut Rng,
    ) -> Array2<f64> {
        let n = x.nrows();
        let k = self.n_clusters;
        let draw = |rng: &mut Rng| -> Vec<usize> {
            (0..init_size).map(|_| rng.random_range(0..n)).collect()
        };
        let weights_of =
            |idx: &[usize]| -> Vec<f64> { idx.iter().map(|&i| w.map_or(1.0, |w| w[i])).collect() };
        let valid_idx = draw(rng);
        let valid = x.select(Axis(0), &valid_idx);
        let valid_w = Array1::from(weights_of(&valid_idx));
        let mut best: Option<(f64, Array2<f64>)> = None;
        for _ in 0..self.n_init {
            let idx = draw(rng);
            let xs = x.select(Axis(0), &idx);
            let xs_sq = row_sq_norms(xs.view());
            let c = kmeans_plusplus(xs.view(), &xs_sq, &weights_of(&idx), k, rng);
            let (_, inertia) = labels_inertia(valid.view(), Some(valid_w.view()), c.view());
            if best.as_ref().is_none_or(|(b, _)| inertia < *b) {
                best = Some((inertia, c));
            }
        }
        best.expect("n_init >= 1").1
    }
}

impl Fit for MiniBatchKMeansParams {
    type Fitted = MiniBatchKMeans;
    fn fit(&self, data: &Dataset) -> Result<MiniBatchKMeans> {
        check_fit_input(data)?;
        let x = data.features();
        let (n, d) = x.dim();
        self.validate(n)?;
        let k = self.n_clusters;
        let w = data.sample_weight();
        let mut rng = seeded_rng(self.seed);
        let b = self.batch_size.min(n);
        let init_size = if 3 * b < k { 3 * k } else { 3 * b }.min(n);
        let mut centers = self.initial_centers(x, w, init_size, &mut rng);

        let sampler = match w {
            None => Sampler::Uniform(n),
            Some(w) => Sampler::Weighted(
                w.iter()
                    .scan(0.0, |acc, &v| {
                        *acc += v;
                        Some(*acc)
                    })
                    .collect(),
            ),
        };
        // Batches are drawn by weight, so each batch row counts once.
        let unit = vec![1.0; b];
        let xs = x.as_standard_layout();
        let x_flat = xs.as_slice().expect("standard layout");
        let mut step = Step::new(b, k, d);
        let mut idx = vec![0usize; b];
        let mut counts = vec![0.0; k];
        let mut conv = Convergence {
            alpha: (2.0 * b as f64 / (n as f64 + 1.0)).min(1.0),
            ewa: None,
            best: f64::INFINITY,
            no_improvement: 0,
            patience: self.max_no_improvement,
        };
        let n_steps = self.max_iter * n / b;
        let mut since_reassign = 0;
        let mut steps = 0;
        for i in 0..n_steps {
            steps = i + 1;
            idx.iter_mut().for_each(|t| *t = sampler.draw(&mut rng));
            step.gather(x_flat, d, &idx);
            // Decided before the step, on the counts it starts from (as scikit-learn).
            since_reassign += b;
            let reassign = counts.contains(&0.0) || since_reassign >= 10 * k;
            if reassign {
                since_reassign = 0;
            }
            let inertia = step.update(&mut centers, &mut counts, &unit);
            if reassign && self.reassignment_ratio > 0.0 {
                step.reassign(&mut centers, &mut counts, self.reassignment_ratio, &mut rng);
            }
            if i > 0 && conv.stop(inertia / b as f64) {
                break;
            }
        }
        let (labels, inertia) = labels_inertia(x, w, centers.view());
        Ok(MiniBatchKMeans {
            inner: KMeans::from_parts(centers, labels, inertia, steps, d),
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
    use crate::cluster::kmeans::sq_dist;
    use crate::cluster::kmeans::KMeansParams;
    use crate::cluster::testutil::{adjusted_rand, fixture, matrix};
    use breadth_core::conformance::check_clusterer;
    use rand_distr::{Distribution, StandardNormal};

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
        // The smoothed inertia stops improving long before 100 passes over 400 rows.
        assert!(mb.n_steps() < 100 * 400 / 64 / 4, "{} steps", mb.n_steps());
    }

    /// The centre update written plainly: every centre becomes the weighted mean of its old
    /// position (weight `counts[j]`) and its batch rows.
    fn update_slow(
        batch: &Array2<f64>,
        bw: &[f64],
        centers: &mut Array2<f64>,
        counts: &mut [f64],
    ) -> f64 {
        let old = centers.clone();
        let mut inertia = 0.0;
        let mut acc: Vec<(Array1<f64>, f64)> = old
            .outer_iter()
            .zip(counts.iter())
            .map(|(c, &w)| (&c * w, w))
            .collect();
        for (t, row) in batch.outer_iter().enumerate() {
            let d: Vec<f64> = old.outer_iter().map(|c| sq_dist(row, c)).collect();
            let (j, dj) = argmin(ndarray::ArrayView1::from(&d));
            inertia += bw[t] * dj;
            acc[j].0.scaled_add(bw[t], &row);
            acc[j].1 += bw[t];
        }
        for (j, (sum, w)) in acc.into_iter().enumerate() {
            if w > counts[j] {
                centers.row_mut(j).assign(&(sum / w));
                counts[j] = w;
            }
        }
        inertia
    }

    #[test]
    fn step_update_matches_the_plain_update() {
        let mut rng = seeded_rng(7);
        let x = Array2::from_shape_simple_fn((300, 5), || StandardNormal.sample(&mut rng));
        let idx: Vec<usize> = (0..40).map(|_| rng.random_range(0..300)).collect();
        let bw: Vec<f64> = (0..40).map(|t| 0.5 + (t % 3) as f64).collect();
        let mut step = Step::new(40, 4, 5);
        step.gather(x.as_slice().unwrap(), 5, &idx);
        assert_eq!(step.batch, x.select(Axis(0), &idx));
        let mut fast = x.slice(ndarray::s![..4, ..]).to_owned();
        let mut slow = fast.clone();
        let (mut cf, mut cs) = (vec![0.0, 2.0, 0.5, 7.0], vec![0.0, 2.0, 0.5, 7.0]);
        for _ in 0..3 {
            let a = step.update(&mut fast, &mut cf, &bw);
            let b = update_slow(&step.batch, &bw, &mut slow, &mut cs);
            assert!((a - b).abs() <= 1e-12 * b, "{a} vs {b}");
            assert!((&fast - &slow).iter().all(|v| v.abs() < 1e-12));
            assert_eq!(cf, cs);
        }
    }

    #[test]
    fn light_centres_are_reassigned_to_batch_rows() {
        let mut rng = seeded_rng(8);
        let x = Array2::from_shape_simple_fn((10, 2), || StandardNormal.sample(&mut rng));
        let mut step = Step::new(10, 3, 2);
        step.gather(x.as_slice().unwrap(), 2, &(0..10).collect::<Vec<_>>());
        let mut centers = Array2::from_elem((3, 2), 100.0);
        let mut counts = vec![100.0, 0.5, 40.0];
        step.reassign(&mut centers, &mut counts, 0.01, &mut rng);
        assert_eq!(counts, vec![100.0, 40.0, 40.0]);
        assert!(x.outer_iter().any(|r| r == centers.row(1)));
        assert_eq!(centers.row(0), centers.row(2));
        // Nothing is light: nothing moves.
        let before = centers.clone();
        step.reassign(&mut centers, &mut counts, 0.01, &mut rng);
        assert_eq!(centers, before);
    }

    #[test]
    fn weighted_sampling_follows_the_weights() {
        let cum = vec![0.0, 1.0, 1.0, 4.0];
        let sampler = Sampler::Weighted(cum);
        let mut rng = seeded_rng(9);
        let mut hits = [0usize; 4];
        for _ in 0..4000 {
            hits[sampler.draw(&mut rng)] += 1;
        }
        assert_eq!((hits[0], hits[2]), (0, 0), "{hits:?}");
        let ratio = hits[3] as f64 / hits[1] as f64;
        assert!((2.6..3.4).contains(&ratio), "{hits:?}");
    }
}
