//! k-means clustering (scikit-learn's `KMeans`): k-means++ seeding, Lloyd or Hamerly
//! iterations, `n_init` restarts, sample weights.
//!
//! Minimises the weighted inertia
//! $$J(C) = \sum_{i=1}^{n} w_i \min_{j} \lVert x_i - c_j \rVert^2$$
//! over centres $C = (c_1, \dots, c_k)$, $x_i \in \mathbb{R}^d$, weights $w_i \ge 0$. Each Lloyd
//! iteration assigns every row to its nearest centre and moves each centre to the weighted mean
//! of its rows; it stops when no label changes or the total squared centre shift
//! $\sum_j \lVert c_j^{new} - c_j \rVert^2$ falls below `tol` times the mean feature variance.
//!
//! Distances come from $\lVert x \rVert^2 - 2 x^\top c + \lVert c \rVert^2$, so the $O(ndk)$ part
//! is a GEMM (faer) per chunk of rows, chunks run in parallel and reduce in a fixed order (results
//! do not depend on the thread count). Hamerly's algorithm (G. Hamerly, *Making k-means even
//! faster*, SDM 2010) keeps an upper bound on each row's distance to its centre and a lower bound
//! on the distance to the second nearest, and skips rows whose bounds prove the label unchanged;
//! it gives the same clustering as Lloyd and pays off for small $k$ and low $d$.
//!
//! k-means++ (Arthur & Vassilvitskii, SODA 2007), greedy variant as scikit-learn: each new centre
//! is the best of $2 + \lfloor \ln k \rfloor$ candidates drawn with probability
//! $\propto w_i D(x_i)^2$.
//!
//! Shapes: `x` is `n x d`; centres `k x d`; `transform` gives `n x k` distances. Cost per
//! iteration $O(ndk)$; memory $O(nd + kd)$.
//!
//! ```
//! use breadth_classic::cluster::kmeans::KMeansParams;
//! use breadth_core::{Clusterer, Dataset, Fit};
//! use ndarray::array;
//! let x = array![[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.0, 10.1]];
//! let model = KMeansParams::new(2).fit(&Dataset::new(x)).unwrap();
//! let l = model.labels();
//! assert!(l[0] == l[1] && l[2] == l[3] && l[0] != l[2]);
//! assert!(model.inertia() < 0.02);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::rng::child_seeds;
use breadth_core::validate::{check_fit_input, check_predict_input, non_negative};
use breadth_core::{seeded_rng, Clusterer, Dataset, Error, Fit, Result, Rng, Transformer};
use faer::Par;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rand::Rng as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::decomposition::linalg::matmul_into;

/// Rows per parallel task: large enough for an efficient GEMM, small enough to balance.
pub(crate) const CHUNK: usize = 512;

/// How the first centres are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KMeansInit {
    /// Greedy k-means++ seeding.
    KMeansPlusPlus,
    /// `k` distinct rows drawn uniformly.
    Random,
}

impl FromStr for KMeansInit {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "k-means++" | "kmeans++" => Ok(Self::KMeansPlusPlus),
            "random" => Ok(Self::Random),
            _ => Err("expected k-means++ or random".into()),
        }
    }
}

impl std::fmt::Display for KMeansInit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::KMeansPlusPlus => "k-means++",
            Self::Random => "random",
        })
    }
}

/// The iteration used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KMeansAlgorithm {
    /// Full assignment every iteration, through GEMM.
    Lloyd,
    /// Lloyd with Hamerly's distance bounds (same result, fewer distance computations).
    Hamerly,
}

impl FromStr for KMeansAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "lloyd" => Ok(Self::Lloyd),
            "hamerly" => Ok(Self::Hamerly),
            _ => Err("expected lloyd or hamerly".into()),
        }
    }
}

impl std::fmt::Display for KMeansAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Lloyd => "lloyd",
            Self::Hamerly => "hamerly",
        })
    }
}

/// Hyper-parameters of k-means.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansParams {
    /// Number of clusters `k`.
    pub n_clusters: usize,
    /// Seeding method.
    pub init: KMeansInit,
    /// Number of restarts; the run with the lowest inertia wins.
    pub n_init: usize,
    /// Maximum iterations per run.
    pub max_iter: usize,
    /// Relative tolerance on the total squared centre shift.
    pub tol: f64,
    /// Lloyd or Hamerly.
    pub algorithm: KMeansAlgorithm,
    /// Seed of the initialisation.
    pub seed: u64,
}

impl Default for KMeansParams {
    fn default() -> Self {
        KMeansParams {
            n_clusters: 8,
            init: KMeansInit::KMeansPlusPlus,
            n_init: 1,
            max_iter: 300,
            tol: 1e-4,
            algorithm: KMeansAlgorithm::Lloyd,
            seed: 0,
        }
    }
}

impl KMeansParams {
    /// Defaults with `k` clusters.
    pub fn new(n_clusters: usize) -> Self {
        KMeansParams {
            n_clusters,
            ..Default::default()
        }
    }
    /// Set the seeding method.
    pub fn init(mut self, init: KMeansInit) -> Self {
        self.init = init;
        self
    }
    /// Set the number of restarts.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    /// Set the iteration cap.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// Set the tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Set the algorithm.
    pub fn algorithm(mut self, algorithm: KMeansAlgorithm) -> Self {
        self.algorithm = algorithm;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Configurable for KMeansParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("n_clusters", self.n_clusters, "number of clusters k >= 1"),
            ParamSpec::new("init", self.init, "k-means++ | random"),
            ParamSpec::new("n_init", self.n_init, "restarts; the lowest inertia wins"),
            ParamSpec::new("max_iter", self.max_iter, "iterations per restart"),
            ParamSpec::new(
                "tol",
                self.tol,
                "tolerance on the centre shift, relative to the data variance",
            ),
            ParamSpec::new("algorithm", self.algorithm, "lloyd | hamerly"),
            ParamSpec::new("seed", self.seed, "seed of the initialisation"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_clusters" => self.n_clusters = parse_param(name, value)?,
            "init" => self.init = parse_param(name, value)?,
            "n_init" => self.n_init = parse_param(name, value)?,
            "max_iter" => self.max_iter = parse_param(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            "algorithm" => self.algorithm = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeans {
    centers: Array2<f64>,
    labels: Array1<i64>,
    inertia: f64,
    n_iter: usize,
    n_features: usize,
}

impl KMeans {
    /// Assemble a fitted model (used by mini-batch k-means, which shares the queries).
    pub(crate) fn from_parts(
        centers: Array2<f64>,
        labels: Array1<i64>,
        inertia: f64,
        n_iter: usize,
        n_features: usize,
    ) -> KMeans {
        KMeans {
            centers,
            labels,
            inertia,
            n_iter,
            n_features,
        }
    }
    /// The centres, `k x d`.
    pub fn centers(&self) -> &Array2<f64> {
        &self.centers
    }
    /// Weighted sum of squared distances of the training rows to their centres.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }
    /// Iterations run by the best restart.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
}

/// Squared Euclidean norm of each row.
pub(crate) fn row_sq_norms(x: ArrayView2<'_, f64>) -> Vec<f64> {
    x.outer_iter().map(|r| r.dot(&r)).collect()
}

/// Squared distances from the rows of `x` (`m x d`, norms `x_sq`) to the rows of `c` (`k x d`,
/// norms `c_sq`), written into `out` (`m x k`), through one sequential GEMM.
pub(crate) fn sq_dists_into(
    x: ArrayView2<'_, f64>,
    x_sq: &[f64],
    c: ArrayView2<'_, f64>,
    c_sq: &[f64],
    mut out: ArrayViewMut2<'_, f64>,
) {
    matmul_into(out.view_mut(), x, c.t(), -2.0, false, Par::Seq);
    for (mut row, &xs) in out.outer_iter_mut().zip(x_sq) {
        for (v, &cs) in row.iter_mut().zip(c_sq) {
            *v = (*v + xs + cs).max(0.0);
        }
    }
}

/// Nearest centre and squared distance of every row (parallel over chunks of rows).
pub(crate) fn nearest_centers(
    x: ArrayView2<'_, f64>,
    x_sq: &[f64],
    centers: ArrayView2<'_, f64>,
) -> (Vec<usize>, Vec<f64>) {
    let c_sq = row_sq_norms(centers);
    let k = centers.nrows();
    let parts: Vec<(Vec<usize>, Vec<f64>)> = (0..x.nrows().div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let lo = c * CHUNK;
            let hi = (lo + CHUNK).min(x.nrows());
            let mut d = Array2::zeros((hi - lo, k));
            sq_dists_into(
                x.slice(ndarray::s![lo..hi, ..]),
                &x_sq[lo..hi],
                centers,
                &c_sq,
                d.view_mut(),
            );
            d.outer_iter().map(argmin).unzip()
        })
        .collect();
    let mut labels = Vec::with_capacity(x.nrows());
    let mut dist = Vec::with_capacity(x.nrows());
    for (l, d) in parts {
        labels.extend(l);
        dist.extend(d);
    }
    (labels, dist)
}

/// Nearest centre of every row as `i64` labels, and the weighted inertia
/// $\sum_i w_i \min_j \lVert x_i - c_j \rVert^2$ (unit weights when `w` is `None`).
///
/// The same arithmetic as [`nearest_centers`] without its `O(n)` intermediates: row norms and
/// the distance block live in one buffer per worker, labels are written in place, and the
/// per-chunk partial sums are added in chunk order so the result does not depend on the
/// thread count.
pub(crate) fn labels_inertia(
    x: ArrayView2<'_, f64>,
    w: Option<ArrayView1<'_, f64>>,
    centers: ArrayView2<'_, f64>,
) -> (Array1<i64>, f64) {
    let k = centers.nrows();
    let c_sq = row_sq_norms(centers);
    let mut labels = Array1::<i64>::zeros(x.nrows());
    let partial: Vec<f64> = labels
        .as_slice_mut()
        .expect("a new array is contiguous")
        .par_chunks_mut(CHUNK)
        .enumerate()
        .map_init(
            || (Array2::zeros((CHUNK, k)), Vec::with_capacity(CHUNK)),
            |(d, x_sq), (c, out)| {
                let lo = c * CHUNK;
                let rows = x.slice(s![lo..lo + out.len(), ..]);
                x_sq.clear();
                x_sq.extend(rows.outer_iter().map(|r| r.dot(&r)));
                let mut d = d.slice_mut(s![..out.len(), ..]);
                sq_dists_into(rows, x_sq, centers, &c_sq, d.view_mut());
                let mut sum = 0.0;
                for (t, (row, label)) in d.outer_iter().zip(out.iter_mut()).enumerate() {
                    let (j, dist) = argmin(row);
                    *label = j as i64;
                    sum += w.map_or(1.0, |w| w[lo + t]) * dist;
                }
                sum
            },
        )
        .collect();
    (labels, partial.iter().sum())
}

/// Index and value of the smallest entry (the first on ties, as numpy).
pub(crate) fn argmin(r: ArrayView1<'_, f64>) -> (usize, f64) {
    r.iter().enumerate().fold(
        (0, f64::INFINITY),
        |(bi, bv), (i, &v)| {
            if v < bv {
                (i, v)
            } else {
                (bi, bv)
            }
        },
    )
}

/// Per-cluster weighted sums of rows and weights, reduced in chunk order.
fn weighted_sums(
    x: ArrayView2<'_, f64>,
    w: &[f64],
    labels: &[usize],
    k: usize,
) -> (Array2<f64>, Vec<f64>) {
    let d = x.ncols();
    let parts: Vec<(Array2<f64>, Vec<f64>)> = (0..x.nrows().div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let lo = c * CHUNK;
            let hi = (lo + CHUNK).min(x.nrows());
            let mut sums = Array2::zeros((k, d));
            let mut wsum = vec![0.0; k];
            for i in lo..hi {
                let l = labels[i];
                sums.row_mut(l).scaled_add(w[i], &x.row(i));
                wsum[l] += w[i];
            }
            (sums, wsum)
        })
        .collect();
    let mut sums = Array2::zeros((k, d));
    let mut wsum = vec![0.0; k];
    for (s, ws) in parts {
        sums += &s;
        wsum.iter_mut().zip(ws).for_each(|(a, b)| *a += b);
    }
    (sums, wsum)
}

/// New centres from an assignment; empty clusters take the rows farthest from their centres
/// (as scikit-learn), so `k` clusters survive whenever there are `k` distinct rows.
fn update_centers(
    x: ArrayView2<'_, f64>,
    w: &[f64],
    labels: &[usize],
    dist: &[f64],
    old: &Array2<f64>,
) -> Array2<f64> {
    let k = old.nrows();
    let (mut sums, mut wsum) = weighted_sums(x, w, labels, k);
    let empty: Vec<usize> = (0..k).filter(|&j| wsum[j] == 0.0).collect();
    if !empty.is_empty() {
        let mut far: Vec<usize> = (0..x.nrows()).collect();
        far.sort_by(|&a, &b| dist[b].total_cmp(&dist[a]).then(a.cmp(&b)));
        for (&j, &i) in empty.iter().zip(&far) {
            let from = labels[i];
            if wsum[from] > w[i] {
                sums.row_mut(from).scaled_add(-w[i], &x.row(i));
                wsum[from] -= w[i];
                sums.row_mut(j).assign(&(&x.row(i) * w[i]));
                wsum[j] = w[i];
            }
        }
    }
    let mut centers = old.clone();
    for j in 0..k {
        if wsum[j] > 0.0 {
            centers.row_mut(j).assign(&(&sums.row(j) / wsum[j]));
        }
    }
    centers
}

/// Squared distance between two vectors.
pub(crate) fn sq_dist(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// Greedy k-means++ seeding (scikit-learn's `_kmeans_plusplus`).
pub(crate) fn kmeans_plusplus(
    x: ArrayView2<'_, f64>,
    x_sq: &[f64],
    w: &[f64],
    k: usize,
    rng: &mut Rng,
) -> Array2<f64> {
    let n = x.nrows();
    let trials = 2 + (k as f64).ln() as usize;
    let mut centers = Array2::zeros((k, x.ncols()));
    let first = draw_weighted(w, rng);
    centers.row_mut(0).assign(&x.row(first));
    let dists_to = |ids: &[usize]| -> Vec<Vec<f64>> {
        let c = x.select(Axis(0), ids);
        let c_sq: Vec<f64> = ids.iter().map(|&i| x_sq[i]).collect();
        let parts: Vec<Array2<f64>> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|ch| {
                let lo = ch * CHUNK;
                let hi = (lo + CHUNK).min(n);
                let mut d = Array2::zeros((hi - lo, ids.len()));
                sq_dists_into(
                    x.slice(ndarray::s![lo..hi, ..]),
                    &x_sq[lo..hi],
                    c.view(),
                    &c_sq,
                    d.view_mut(),
                );
                d
            })
            .collect();
        (0..ids.len())
            .map(|t| parts.iter().flat_map(|p| p.column(t).to_vec()).collect())
            .collect()
    };
    let mut closest = dists_to(&[first]).pop().expect("one candidate");
    let mut pot: f64 = closest.iter().zip(w).map(|(d, w)| d * w).sum();
    for c in 1..k {
        let mut cum = Vec::with_capacity(n);
        let mut acc = 0.0;
        for i in 0..n {
            acc += w[i] * closest[i];
            cum.push(acc);
        }
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                let r = rng.random::<f64>() * pot;
                cum.partition_point(|&v| v < r).min(n - 1)
            })
            .collect();
        let cand_d = dists_to(&candidates);
        let mut best = (f64::INFINITY, 0);
        let mut best_d = Vec::new();
        for (t, mut d) in cand_d.into_iter().enumerate() {
            d.iter_mut().zip(&closest).for_each(|(a, &b)| *a = a.min(b));
            let p: f64 = d.iter().zip(w).map(|(d, w)| d * w).sum();
            if p < best.0 {
                best = (p, t);
                best_d = d;
            }
        }
        pot = best.0;
        closest = best_d;
        centers.row_mut(c).assign(&x.row(candidates[best.1]));
    }
    centers
}

/// One index drawn with probability proportional to `w`.
pub(crate) fn draw_weighted(w: &[f64], rng: &mut Rng) -> usize {
    let total: f64 = w.iter().sum();
    let r = rng.random::<f64>() * total;
    let mut acc = 0.0;
    for (i, &wi) in w.iter().enumerate() {
        acc += wi;
        if acc > r {
            return i;
        }
    }
    w.len() - 1
}

/// The result of one k-means run.
pub(crate) struct Run {
    pub centers: Array2<f64>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub n_iter: usize,
}

fn lloyd(
    x: ArrayView2<'_, f64>,
    x_sq: &[f64],
    w: &[f64],
    mut centers: Array2<f64>,
    max_iter: usize,
    tol: f64,
) -> Run {
    let mut prev: Option<Vec<usize>> = None;
    let mut n_iter = 0;
    for _ in 0..max_iter {
        n_iter += 1;
        let (labels, dist) = nearest_centers(x, x_sq, centers.view());
        let new = update_centers(x, w, &labels, &dist, &centers);
        let shift: f64 = (&new - &centers).mapv(|v| v * v).sum();
        centers = new;
        if prev.as_ref() == Some(&labels) {
            break;
        }
        prev = Some(labels);
        if shift <= tol {
            break;
        }
    }
    finish(x, x_sq, w, centers, n_iter)
}

/// Final assignment so labels match the returned centres.
fn finish(
    x: ArrayView2<'_, f64>,
    x_sq: &[f64],
    w: &[f64],
    centers: Array2<f64>,
    n_iter: usize,
) -> Run {
    let (labels, dist) = nearest_centers(x, x_sq, centers.view());
    let inertia = dist.iter().zip(w).map(|(d, w)| d * w).sum();
    Run {
        centers,
        labels,
        inertia,
        n_iter,
    }
}

/// Half the distance from each centre to its nearest other centre, and all centre distances.
fn center_separation(centers: &Array2<f64>) -> Vec<f64> {
    let k = centers.nrows();
    (0..k)
        .map(|j| {
            (0..k)
                .filter(|&m| m != j)
                .map(|m| sq_dist(centers.row(j), centers.row(m)).sqrt())
                .fold(f64::INFINITY, f64::min)
                * 0.5
        })
        .collect()
}

fn hamerly(
    x: ArrayView2<'_, f64>,
    x_sq: &[f64],
    w: &[f64],
    mut centers: Array2<f64>,
    max_iter: usize,
    tol: f64,
) -> Run {
    let n = x.nrows();
    let k = centers.nrows();
    // Exact first assignment gives tight bounds.
    let closest_two = |i: usize, centers: &Array2<f64>| -> (usize, f64, f64) {
        let (mut a, mut da, mut db) = (0, f64::INFINITY, f64::INFINITY);
        for j in 0..k {
            let d = sq_dist(x.row(i), centers.row(j));
            if d < da {
                db = da;
                da = d;
                a = j;
            } else if d < db {
                db = d;
            }
        }
        (a, da.sqrt(), db.sqrt())
    };
    let mut labels = vec![0usize; n];
    let mut upper = vec![0.0; n];
    let mut lower = vec![0.0; n];
    let mut prev: Option<Vec<usize>> = None;
    let mut n_iter = 0;
    let mut first = true;
    for _ in 0..max_iter {
        n_iter += 1;
        let s = center_separation(&centers);
        let centers_ref = &centers;
        labels
            .par_chunks_mut(CHUNK)
            .zip(upper.par_chunks_mut(CHUNK))
            .zip(lower.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(c, ((lab, up), low))| {
                for t in 0..lab.len() {
                    let i = c * CHUNK + t;
                    if !first {
                        let m = s[lab[t]].max(low[t]);
                        if up[t] <= m {
                            continue;
                        }
                        up[t] = sq_dist(x.row(i), centers_ref.row(lab[t])).sqrt();
                        if up[t] <= m {
                            continue;
                        }
                    }
                    let (a, da, db) = closest_two(i, centers_ref);
                    lab[t] = a;
                    up[t] = da;
                    low[t] = db;
                }
            });
        first = false;
        // Upper bounds stand in for distances: only the rare empty-cluster relocation uses them.
        let dist: Vec<f64> = upper.iter().map(|u| u * u).collect();
        let new = update_centers(x, w, &labels, &dist, &centers);
        let moves: Vec<f64> = (0..k)
            .map(|j| sq_dist(new.row(j), centers.row(j)).sqrt())
            .collect();
        let shift: f64 = moves.iter().map(|m| m * m).sum();
        let (mut m1, mut m1_at, mut m2) = (0.0, 0, 0.0);
        for (j, &m) in moves.iter().enumerate() {
            if m > m1 {
                m2 = m1;
                m1 = m;
                m1_at = j;
            } else if m > m2 {
                m2 = m;
            }
        }
        for i in 0..n {
            upper[i] += moves[labels[i]];
            lower[i] -= if labels[i] == m1_at { m2 } else { m1 };
        }
        centers = new;
        if prev.as_ref() == Some(&labels) {
            break;
        }
        prev = Some(labels.clone());
        if shift <= tol {
            break;
        }
    }
    finish(x, x_sq, w, centers, n_iter)
}

impl KMeansParams {
    fn validate(&self, n: usize) -> Result<()> {
        if self.n_clusters == 0 {
            return Err(Error::param("n_clusters", "must be at least 1"));
        }
        if self.n_clusters > n {
            return Err(Error::param(
                "n_clusters",
                format!(
                    "{} clusters need at least as many rows, got {n}",
                    self.n_clusters
                ),
            ));
        }
        if self.n_init == 0 {
            return Err(Error::param("n_init", "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", "must be at least 1"));
        }
        non_negative("tol", self.tol)
    }

    /// One run from a seed: initialise, then iterate.
    pub(crate) fn run(
        &self,
        x: ArrayView2<'_, f64>,
        x_sq: &[f64],
        w: &[f64],
        tol: f64,
        seed: u64,
    ) -> Run {
        let mut rng = seeded_rng(seed);
        let centers = match self.init {
            KMeansInit::KMeansPlusPlus => kmeans_plusplus(x, x_sq, w, self.n_clusters, &mut rng),
            KMeansInit::Random => {
                let idx = rand::seq::index::sample(&mut rng, x.nrows(), self.n_clusters).into_vec();
                x.select(Axis(0), &idx)
            }
        };
        match self.algorithm {
            KMeansAlgorithm::Lloyd => lloyd(x, x_sq, w, centers, self.max_iter, tol),
            KMeansAlgorithm::Hamerly => hamerly(x, x_sq, w, centers, self.max_iter, tol),
        }
    }
}

/// `tol` scaled by the mean feature variance, as scikit-learn.
pub(crate) fn scaled_tol(x: ArrayView2<'_, f64>, tol: f64) -> f64 {
    if tol == 0.0 {
        return 0.0;
    }
    x.var_axis(Axis(0), 0.0).mean().unwrap_or(0.0) * tol
}

impl Fit for KMeansParams {
    type Fitted = KMeans;
    fn fit(&self, data: &Dataset) -> Result<KMeans> {
        check_fit_input(data)?;
        self.validate(data.n_samples())?;
        let x = data.features();
        let w = data.weights_or_ones().to_vec();
        let x_sq = row_sq_norms(x);
        let tol = scaled_tol(x, self.tol);
        let mut best: Option<Run> = None;
        for seed in child_seeds(self.seed, self.n_init) {
            let run = self.run(x, &x_sq, &w, tol, seed);
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        let best = best.expect("n_init >= 1");
        Ok(KMeans {
            centers: best.centers,
            labels: best.labels.iter().map(|&l| l as i64).collect(),
            inertia: best.inertia,
            n_iter: best.n_iter,
            n_features: data.n_features(),
        })
    }
}

impl Fitted for KMeans {
    fn model_name(&self) -> &'static str {
        "kmeans"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Clusterer for KMeans {
    fn labels(&self) -> &Array1<i64> {
        &self.labels
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<i64>> {
        check_predict_input(self, x)?;
        Ok(labels_inertia(x, None, self.centers.view()).0)
    }
}

impl Transformer for KMeans {
    /// Euclidean distance of each row to each centre, `n x k`.
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let mut d = Array2::zeros((x.nrows(), self.centers.nrows()));
        sq_dists_into(
            x,
            &row_sq_norms(x),
            self.centers.view(),
            &row_sq_norms(self.centers.view()),
            d.view_mut(),
        );
        d.mapv_inplace(f64::sqrt);
        Ok(d)
    }
    fn n_features_out(&self) -> usize {
        self.centers.nrows()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{adjusted_rand, fixture, matrix, vector};
    use breadth_core::conformance::{check_clusterer, check_transformer};
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_clusterer(&KMeansParams::new(3).n_init(2), &iris);
        check_clusterer(
            &KMeansParams::new(3).algorithm(KMeansAlgorithm::Hamerly),
            &iris,
        );
        check_transformer(&KMeansParams::new(3).init(KMeansInit::Random), &iris);
    }

    #[test]
    fn inertia_matches_scikit_learn() {
        // reference/unsupervised.py kmeans (scikit-learn 1.9.1, n_init=10 on both sides).
        let f = fixture("kmeans");
        let iris = breadth_data::datasets::load("iris").unwrap();
        for k in [3, 5] {
            let ours = KMeansParams::new(k)
                .n_init(10)
                .fit(&iris)
                .unwrap()
                .inertia();
            let theirs = f[format!("iris_k{k}_inertia")].as_f64().unwrap();
            assert!(ours <= theirs * 1.001, "k={k}: {ours} vs {theirs}");
        }
        let w = vector(&f["iris_weights"]);
        let weighted = iris.clone().with_sample_weight(w).unwrap();
        let ours = KMeansParams::new(3)
            .n_init(10)
            .fit(&weighted)
            .unwrap()
            .inertia();
        let theirs = f["iris_weighted_k3_inertia"].as_f64().unwrap();
        assert!(ours <= theirs * 1.001, "weighted: {ours} vs {theirs}");

        let x = matrix(&f["blobs_x"]);
        let m = KMeansParams::new(4)
            .n_init(10)
            .fit(&Dataset::new(x))
            .unwrap();
        let theirs: Vec<i64> = f["blobs_labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert!(adjusted_rand(m.labels().as_slice().unwrap(), &theirs) >= 0.99);
        let ti = f["blobs_inertia"].as_f64().unwrap();
        assert!(
            (m.inertia() - ti).abs() <= 1e-3 * ti,
            "{} vs {ti}",
            m.inertia()
        );
    }

    #[test]
    fn hamerly_agrees_with_lloyd() {
        let mut rng = seeded_rng(3);
        let x = Array2::from_shape_simple_fn((700, 4), || StandardNormal.sample(&mut rng));
        let x_sq = row_sq_norms(x.view());
        let w = vec![1.0; 700];
        for seed in 0..3 {
            let base = KMeansParams::new(6).tol(0.0);
            let a = base.clone().run(x.view(), &x_sq, &w, 0.0, seed);
            let b = base
                .algorithm(KMeansAlgorithm::Hamerly)
                .run(x.view(), &x_sq, &w, 0.0, seed);
            assert_eq!(a.labels, b.labels);
            assert!((a.inertia - b.inertia).abs() < 1e-9 * a.inertia);
            assert_eq!(a.n_iter, b.n_iter);
        }
    }

    #[test]
    fn gemm_distances_match_direct_ones() {
        let mut rng = seeded_rng(4);
        let x = Array2::from_shape_simple_fn((1100, 5), || StandardNormal.sample(&mut rng));
        let c = x.slice(ndarray::s![..7, ..]).to_owned();
        let (labels, dist) = nearest_centers(x.view(), &row_sq_norms(x.view()), c.view());
        for i in 0..x.nrows() {
            let direct: Vec<f64> = c.outer_iter().map(|r| sq_dist(x.row(i), r)).collect();
            let (j, d) = argmin(ndarray::ArrayView1::from(&direct));
            assert_eq!(labels[i], j);
            assert!((dist[i] - d).abs() < 1e-10 * (1.0 + d));
        }
    }

    #[test]
    fn labels_inertia_matches_direct_distances() {
        let mut rng = seeded_rng(5);
        // Not a multiple of CHUNK, so the short last chunk is exercised.
        let x =
            Array2::from_shape_simple_fn((CHUNK * 2 + 37, 6), || StandardNormal.sample(&mut rng));
        let c = x.slice(ndarray::s![..5, ..]).to_owned();
        let w: Array1<f64> = (0..x.nrows()).map(|i| 0.5 + (i % 4) as f64).collect();
        let (labels, inertia) = labels_inertia(x.view(), Some(w.view()), c.view());
        let (unit_labels, unit_inertia) = labels_inertia(x.view(), None, c.view());
        assert_eq!(labels, unit_labels);
        let (mut want, mut want_unit) = (0.0, 0.0);
        for i in 0..x.nrows() {
            let direct: Vec<f64> = c.outer_iter().map(|r| sq_dist(x.row(i), r)).collect();
            let (j, d) = argmin(ndarray::ArrayView1::from(&direct));
            assert_eq!(labels[i], j as i64);
            want += w[i] * d;
            want_unit += d;
        }
        assert!(
            (inertia - want).abs() <= 1e-10 * want,
            "{inertia} vs {want}"
        );
        assert!((unit_inertia - want_unit).abs() <= 1e-10 * want_unit);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        assert!(KMeansParams::new(0).fit(&iris).is_err());
        assert!(KMeansParams::new(151)
            .fit(&iris)
            .unwrap_err()
            .to_string()
            .contains("n_clusters"));
        assert!(KMeansParams::new(3).tol(-1.0).fit(&iris).is_err());
    }
}
