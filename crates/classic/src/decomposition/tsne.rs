//! t-SNE: t-distributed stochastic neighbour embedding (scikit-learn's `TSNE`), exact or with
//! Barnes-Hut $O(n \log n)$ gradients.
//!
//! Input similarities: for each row $i$ a Gaussian over its neighbours,
//! $p_{j|i} = \exp(-\beta_i \lVert x_i - x_j \rVert^2) / \sum_{k \ne i} \exp(-\beta_i
//! \lVert x_i - x_k \rVert^2)$, with $\beta_i$ found by binary search so that the perplexity
//! $2^{H(P_i)}$ equals the `perplexity` parameter; then $p_{ij} = (p_{j|i} + p_{i|j}) / \sum$.
//! Barnes-Hut uses only the $\lfloor 3 \cdot \mathrm{perplexity} + 1 \rfloor$ nearest neighbours
//! (from the shared index, [`crate::neighbors`]). Output similarities in the embedding
//! $y_i \in \mathbb{R}^s$: $q_{ij} = w_{ij} / Z$, $w_{ij} = (1 + \lVert y_i - y_j \rVert^2)^{-1}$,
//! $Z = \sum_{k \ne l} w_{kl}$. The cost $\mathrm{KL}(P \| Q) = \sum_{i \ne j} p_{ij}
//! \log(p_{ij} / q_{ij})$ has gradient
//! $$ \frac{\partial C}{\partial y_i} = 4 \sum_j (p_{ij} - q_{ij}) w_{ij} (y_i - y_j)
//! = 4 \Big( \sum_j p_{ij} w_{ij} (y_i - y_j) - \frac{1}{Z} \sum_j w_{ij}^2 (y_i - y_j) \Big). $$
//! The attractive sum runs over the sparse $P$; Barnes-Hut approximates the repulsive sum and
//! $Z$ with a quadtree (octree in 3-D): a cell of width $r$ at distance $d$ from $y_i$ with
//! $r / d <$ `angle` acts as one point of its mass at its centre of mass (the tree and the
//! force kernels, walked once per group of nearby points, are in [`super::barnes_hut`]).
//!
//! Optimisation as scikit-learn: gradient descent with momentum (0.5 for the first 250
//! iterations, with $P$ multiplied by `early_exaggeration`, then 0.8), per-coordinate adaptive
//! gains, learning rate $\max(n / \mathrm{early\_exaggeration} / 4, 50)$ by default,
//! initialisation by PCA (scaled to standard deviation $10^{-4}$) or random. Work per iteration
//! is parallel over points and independent of the thread count.
//!
//! Shapes: `x` is `n x d`; the embedding `n x s` (`n_components` $s$, at most 3 for
//! Barnes-Hut). Cost: exact $O(n^2)$ per iteration and memory; Barnes-Hut $O(n \log n)$ per
//! iteration and $O(n \cdot \mathrm{perplexity})$ memory. References: L. van der Maaten,
//! G. Hinton, *Visualizing data using t-SNE*, JMLR 9, 2008; L. van der Maaten, *Accelerating
//! t-SNE using tree-based algorithms*, JMLR 15, 2014.
//!
//! ```
//! use breadth_classic::decomposition::tsne::{trustworthiness, TsneParams};
//! use breadth_core::{Dataset, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let t = TsneParams::default().perplexity(10.0).max_iter(300).fit(&iris).unwrap();
//! assert_eq!(t.embedding().dim(), (150, 2));
//! assert!(trustworthiness(iris.features(), t.embedding().view(), 10).unwrap() > 0.9);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_finite, check_fit_input, positive};
use breadth_core::{seeded_rng, Dataset, Error, Fit, Result};
use ndarray::{Array2, ArrayView2, Axis};
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::barnes_hut::{self, Csr, Scratch};
use super::pca::{NComponents, PcaParams, PcaSolver};
use crate::cluster::kmeans::{row_sq_norms, sq_dists_into};
use crate::neighbors::NearestNeighborsParams;
use breadth_core::Transformer;

/// How gradients are computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum TsneMethod {
    /// All pairs, $O(n^2)$.
    Exact,
    /// Barnes-Hut with the given angle $\theta$ (0.5 is the usual trade-off).
    BarnesHut(f64),
}

impl FromStr for TsneMethod {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "exact" => Ok(Self::Exact),
            "barnes_hut" => Ok(Self::BarnesHut(0.5)),
            s => s
                .strip_prefix("barnes_hut:")
                .and_then(|a| a.parse().ok())
                .map(Self::BarnesHut)
                .ok_or_else(|| "expected exact, barnes_hut or barnes_hut:ANGLE".into()),
        }
    }
}

impl std::fmt::Display for TsneMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exact => f.write_str("exact"),
            Self::BarnesHut(a) => write!(f, "barnes_hut:{a}"),
        }
    }
}

/// How the embedding starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TsneInit {
    /// The first principal components, scaled to a standard deviation of $10^{-4}$.
    Pca,
    /// Gaussian noise of standard deviation $10^{-4}$.
    Random,
}

impl FromStr for TsneInit {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "pca" => Ok(Self::Pca),
            "random" => Ok(Self::Random),
            _ => Err("expected pca or random".into()),
        }
    }
}

impl std::fmt::Display for TsneInit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pca => "pca",
            Self::Random => "random",
        })
    }
}

/// Hyper-parameters of t-SNE.
#[derive(Debug, Clone, PartialEq)]
pub struct TsneParams {
    /// Embedding dimension.
    pub n_components: usize,
    /// Effective number of neighbours.
    pub perplexity: f64,
    /// Factor on $P$ during the first 250 iterations.
    pub early_exaggeration: f64,
    /// Step size; `None` for $\max(n / \mathrm{early\_exaggeration} / 4, 50)$.
    pub learning_rate: Option<f64>,
    /// Total iterations (at least 250).
    pub max_iter: usize,
    /// Stop after this many iterations without a lower KL divergence.
    pub n_iter_without_progress: usize,
    /// Stop when the gradient norm falls below this.
    pub min_grad_norm: f64,
    /// Exact or Barnes-Hut.
    pub method: TsneMethod,
    /// Initialisation.
    pub init: TsneInit,
    /// Seed of the initialisation.
    pub seed: u64,
}

impl Default for TsneParams {
    fn default() -> Self {
        TsneParams {
            n_components: 2,
            perplexity: 30.0,
            early_exaggeration: 12.0,
            learning_rate: None,
            max_iter: 1000,
            n_iter_without_progress: 300,
            min_grad_norm: 1e-7,
            method: TsneMethod::BarnesHut(0.5),
            init: TsneInit::Pca,
            seed: 0,
        }
    }
}

impl TsneParams {
    /// Set the perplexity.
    pub fn perplexity(mut self, p: f64) -> Self {
        self.perplexity = p;
        self
    }
    /// Set the total iterations.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Set the method.
    pub fn method(mut self, m: TsneMethod) -> Self {
        self.method = m;
        self
    }
    /// Set the initialisation.
    pub fn init(mut self, i: TsneInit) -> Self {
        self.init = i;
        self
    }
    /// Set the embedding dimension.
    pub fn n_components(mut self, s: usize) -> Self {
        self.n_components = s;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Configurable for TsneParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "n_components",
                self.n_components,
                "embedding dimension (<= 3 for barnes_hut)",
            ),
            ParamSpec::new(
                "perplexity",
                self.perplexity,
                "effective number of neighbours",
            ),
            ParamSpec::new(
                "early_exaggeration",
                self.early_exaggeration,
                "factor on P for the first 250 iterations",
            ),
            ParamSpec::new(
                "learning_rate",
                self.learning_rate.map_or("auto".into(), |l| l.to_string()),
                "auto | step size",
            ),
            ParamSpec::new("max_iter", self.max_iter, "total iterations (>= 250)"),
            ParamSpec::new(
                "n_iter_without_progress",
                self.n_iter_without_progress,
                "patience",
            ),
            ParamSpec::new(
                "min_grad_norm",
                self.min_grad_norm,
                "stop below this gradient norm",
            ),
            ParamSpec::new(
                "method",
                self.method,
                "exact | barnes_hut | barnes_hut:ANGLE",
            ),
            ParamSpec::new("init", self.init, "pca | random"),
            ParamSpec::new("seed", self.seed, "seed of the initialisation"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_components" => self.n_components = parse_param(name, value)?,
            "perplexity" => self.perplexity = parse_param(name, value)?,
            "early_exaggeration" => self.early_exaggeration = parse_param(name, value)?,
            "learning_rate" => {
                self.learning_rate = if value == "auto" {
                    None
                } else {
                    Some(parse_param(name, value)?)
                }
            }
            "max_iter" => self.max_iter = parse_param(name, value)?,
            "n_iter_without_progress" => self.n_iter_without_progress = parse_param(name, value)?,
            "min_grad_norm" => self.min_grad_norm = parse_param(name, value)?,
            "method" => self.method = parse_param(name, value)?,
            "init" => self.init = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted t-SNE embedding (t-SNE does not map new rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tsne {
    embedding: Array2<f64>,
    kl_divergence: f64,
    n_iter: usize,
    n_features: usize,
}

impl Tsne {
    /// The embedding of the training rows, `n x s`.
    pub fn embedding(&self) -> &Array2<f64> {
        &self.embedding
    }
    /// KL divergence of the final embedding (as computed at the last check).
    pub fn kl_divergence(&self) -> f64 {
        self.kl_divergence
    }
    /// Iterations run.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
}

impl Fitted for Tsne {
    fn model_name(&self) -> &'static str {
        "tsne"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

const MACHINE_EPSILON: f64 = f64::EPSILON;

/// Conditional probabilities $p_{j|i}$ of one row from its squared distances, by binary search on
/// $\beta_i$ for the entropy $\ln(\mathrm{perplexity})$ (scikit-learn's
/// `_binary_search_perplexity`). Entries at `skip` (the row itself) stay zero.
pub fn conditional_p(sq_dists: &[f64], perplexity: f64, skip: Option<usize>) -> Vec<f64> {
    let desired = perplexity.ln();
    let (mut beta, mut lo, mut hi) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
    let mut p = vec![0.0; sq_dists.len()];
    for _ in 0..100 {
        let mut sum = 0.0;
        for (j, (&d, pj)) in sq_dists.iter().zip(p.iter_mut()).enumerate() {
            *pj = if Some(j) == skip {
                0.0
            } else {
                (-d * beta).exp()
            };
            sum += *pj;
        }
        if sum == 0.0 {
            sum = 1e-8;
        }
        let mut sum_dp = 0.0;
        for (&d, pj) in sq_dists.iter().zip(p.iter_mut()) {
            *pj /= sum;
            sum_dp += d * *pj;
        }
        let diff = sum.ln() + beta * sum_dp - desired;
        if diff.abs() <= 1e-5 {
            break;
        }
        if diff > 0.0 {
            lo = beta;
            beta = if hi == f64::INFINITY {
                beta * 2.0
            } else {
                (beta + hi) / 2.0
            };
        } else {
            hi = beta;
            beta = if lo == f64::NEG_INFINITY {
                beta / 2.0
            } else {
                (beta + lo) / 2.0
            };
        }
    }
    p
}

fn sparse_joint_p(x: ArrayView2<'_, f64>, perplexity: f64) -> Result<Csr> {
    let n = x.nrows();
    let k = (n - 1).min((3.0 * perplexity + 1.0) as usize);
    let index = NearestNeighborsParams::default()
        .n_neighbors(k)
        .fit_array(x)?;
    let nn = index.kneighbors_of_training(k)?;
    let cond: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let d2: Vec<f64> = nn.distances.row(i).iter().map(|d| d * d).collect();
            conditional_p(&d2, perplexity, None)
        })
        .collect();
    let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::with_capacity(2 * k); n];
    for i in 0..n {
        for (t, &j) in nn.indices.row(i).iter().enumerate() {
            rows[i].push((j, cond[i][t]));
            rows[j].push((i, cond[i][t]));
        }
    }
    rows.par_iter_mut().for_each(|r| {
        r.sort_by_key(|e| e.0);
        r.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 += b.1;
                true
            } else {
                false
            }
        });
    });
    let total: f64 = rows.iter().flat_map(|r| r.iter().map(|e| e.1)).sum();
    let total = total.max(MACHINE_EPSILON);
    rows.par_iter_mut()
        .for_each(|r| r.iter_mut().for_each(|e| e.1 /= total));
    Ok(Csr::from_rows(&rows))
}

fn dense_joint_p(x: ArrayView2<'_, f64>, perplexity: f64) -> Array2<f64> {
    let n = x.nrows();
    let mut d2 = Array2::zeros((n, n));
    let norms = row_sq_norms(x);
    sq_dists_into(x, &norms, x, &norms, d2.view_mut());
    let rows: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            conditional_p(
                d2.row(i).as_slice().expect("contiguous"),
                perplexity,
                Some(i),
            )
        })
        .collect();
    let mut p = Array2::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            p[[i, j]] = rows[i][j] + rows[j][i];
        }
    }
    let total = p.sum().max(MACHINE_EPSILON);
    p.mapv_inplace(|v| (v / total).max(MACHINE_EPSILON));
    p.diag_mut().fill(0.0);
    p
}

/// The objective: returns the gradient (and the KL divergence when asked).
enum Objective {
    Exact(Array2<f64>),
    BarnesHut {
        p: Csr,
        angle: f64,
        scratch: Scratch,
    },
}

impl Objective {
    fn scale_p(&mut self, f: f64) {
        match self {
            Objective::Exact(p) => p.mapv_inplace(|v| v * f),
            Objective::BarnesHut { p, .. } => p.values.iter_mut().for_each(|v| *v *= f),
        }
    }

    fn gradient(&mut self, y: &Array2<f64>, want_error: bool) -> (f64, Array2<f64>) {
        match self {
            Objective::Exact(p) => exact_gradient(p, y, want_error),
            Objective::BarnesHut { p, angle, scratch } => {
                bh_gradient(p, y, *angle, want_error, scratch)
            }
        }
    }
}

fn exact_gradient(p: &Array2<f64>, y: &Array2<f64>, want_error: bool) -> (f64, Array2<f64>) {
    let (n, s) = y.dim();
    let mut w = Array2::zeros((n, n));
    let norms = row_sq_norms(y.view());
    sq_dists_into(y.view(), &norms, y.view(), &norms, w.view_mut());
    w.mapv_inplace(|d| 1.0 / (1.0 + d));
    w.diag_mut().fill(0.0);
    let z = w.sum();
    let mut grad = Array2::zeros((n, s));
    grad.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut g)| {
            for j in 0..n {
                let coef = (p[[i, j]] - w[[i, j]] / z) * w[[i, j]];
                for a in 0..s {
                    g[a] += 4.0 * coef * (y[[i, a]] - y[[j, a]]);
                }
            }
        });
    let kl = if want_error {
        let mut kl = 0.0;
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    let q = (w[[i, j]] / z).max(MACHINE_EPSILON);
                    kl += p[[i, j]] * (p[[i, j]].max(MACHINE_EPSILON) / q).ln();
                }
            }
        }
        kl
    } else {
        f64::NAN
    };
    (kl, grad)
}

fn bh_gradient(
    p: &Csr,
    y: &Array2<f64>,
    angle: f64,
    want_error: bool,
    scratch: &mut Scratch,
) -> (f64, Array2<f64>) {
    let y = y.as_standard_layout();
    let mut grad = Array2::zeros(y.dim());
    let kl = barnes_hut::gradient(
        p,
        y.as_slice().expect("standard layout"),
        y.ncols(),
        angle,
        want_error,
        scratch,
        grad.as_slice_mut().expect("standard layout"),
    );
    (kl, grad)
}

/// Gradient descent with momentum and adaptive gains (scikit-learn's `_gradient_descent`);
/// returns the final KL divergence and the last iteration index.
fn descend(
    obj: &mut Objective,
    y: &mut Array2<f64>,
    start: usize,
    max_iter: usize,
    momentum: f64,
    learning_rate: f64,
    patience: usize,
    min_grad_norm: f64,
) -> (f64, usize) {
    let mut update = Array2::<f64>::zeros(y.dim());
    let mut gains = Array2::<f64>::ones(y.dim());
    let (mut error, mut best_error, mut best_iter) = (f64::MAX, f64::MAX, start);
    let mut last = start;
    for i in start..max_iter {
        last = i;
        let check = (i + 1) % 50 == 0;
        let (e, mut grad) = obj.gradient(y, check || i == max_iter - 1);
        if !e.is_nan() {
            error = e;
        }
        ndarray::Zip::from(&mut gains)
            .and(&update)
            .and(&grad)
            .for_each(|g, &u, &gr| {
                if u * gr < 0.0 {
                    *g += 0.2;
                } else {
                    *g *= 0.8;
                }
                *g = g.max(0.01);
            });
        grad *= &gains;
        update = &update * momentum - &grad * learning_rate;
        *y += &update;
        if check {
            let grad_norm = grad.iter().map(|v| v * v).sum::<f64>().sqrt();
            if error < best_error {
                best_error = error;
                best_iter = i;
            } else if i - best_iter > patience {
                break;
            }
            if grad_norm <= min_grad_norm {
                break;
            }
        }
    }
    (error, last)
}

const EXPLORATION_ITER: usize = 250;

impl TsneParams {
    fn check(&self, n: usize) -> Result<()> {
        positive("perplexity", self.perplexity)?;
        if self.perplexity >= n as f64 {
            return Err(Error::param(
                "perplexity",
                format!(
                    "must be less than the number of rows ({n}), got {}",
                    self.perplexity
                ),
            ));
        }
        positive("early_exaggeration", self.early_exaggeration)?;
        if let Some(l) = self.learning_rate {
            positive("learning_rate", l)?;
        }
        if self.max_iter < EXPLORATION_ITER {
            return Err(Error::param(
                "max_iter",
                format!("must be at least {EXPLORATION_ITER}, got {}", self.max_iter),
            ));
        }
        if self.n_components == 0 {
            return Err(Error::param("n_components", "must be at least 1"));
        }
        if let TsneMethod::BarnesHut(angle) = self.method {
            if self.n_components > 3 {
                return Err(Error::param(
                    "n_components",
                    "barnes_hut supports at most 3; use method=exact",
                ));
            }
            if !(0.0..=1.0).contains(&angle) {
                return Err(Error::param(
                    "method",
                    format!("the angle must lie in [0, 1], got {angle}"),
                ));
            }
        }
        Ok(())
    }

    fn initial(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let (n, d) = x.dim();
        Ok(match self.init {
            TsneInit::Pca => {
                if self.n_components > d.min(n) {
                    return Err(Error::param(
                        "init",
                        "pca needs n_components <= the number of features; use init=random",
                    ));
                }
                let pca = PcaParams::default()
                    .n_components(NComponents::Count(self.n_components))
                    .solver(PcaSolver::Randomized)
                    .seed(self.seed)
                    .fit(&Dataset::new(x.to_owned()))?;
                let z = pca.transform(x)?;
                let sd = z.column(0).std(0.0);
                if sd > 0.0 {
                    z / sd * 1e-4
                } else {
                    z
                }
            }
            TsneInit::Random => {
                let mut rng = seeded_rng(self.seed);
                Array2::from_shape_simple_fn((n, self.n_components), || {
                    let v: f64 = StandardNormal.sample(&mut rng);
                    1e-4 * v
                })
            }
        })
    }
}

impl Fit for TsneParams {
    type Fitted = Tsne;
    fn fit(&self, data: &Dataset) -> Result<Tsne> {
        check_fit_input(data)?;
        let x = data.features();
        let n = x.nrows();
        if n < 3 {
            return Err(Error::param("data", "t-SNE needs at least 3 rows"));
        }
        self.check(n)?;
        let mut obj = match self.method {
            TsneMethod::Exact => Objective::Exact(dense_joint_p(x, self.perplexity)),
            TsneMethod::BarnesHut(angle) => Objective::BarnesHut {
                p: sparse_joint_p(x, self.perplexity)?,
                angle,
                scratch: Scratch::default(),
            },
        };
        let mut y = self.initial(x)?;
        let lr = self
            .learning_rate
            .unwrap_or((n as f64 / self.early_exaggeration / 4.0).max(50.0));
        obj.scale_p(self.early_exaggeration);
        let (_, it) = descend(
            &mut obj,
            &mut y,
            0,
            EXPLORATION_ITER,
            0.5,
            lr,
            EXPLORATION_ITER,
            self.min_grad_norm,
        );
        obj.scale_p(1.0 / self.early_exaggeration);
        let (kl, it) = descend(
            &mut obj,
            &mut y,
            it + 1,
            self.max_iter,
            0.8,
            lr,
            self.n_iter_without_progress,
            self.min_grad_norm,
        );
        Ok(Tsne {
            embedding: y,
            kl_divergence: kl,
            n_iter: it,
            n_features: data.n_features(),
        })
    }
}

/// Trustworthiness of an embedding (Venna & Kaski 2001; scikit-learn's `trustworthiness`):
/// $T(k) = 1 - \frac{2}{nk(2n - 3k - 1)} \sum_i \sum_{j \in N_k^{emb}(i)} \max(0, r(i, j) - k)$,
/// where $r(i, j)$ is the rank of $j$ among $i$'s neighbours in the input space. In $[0, 1]$;
/// $O(n^2 \log n)$.
pub fn trustworthiness(
    x: ArrayView2<'_, f64>,
    embedding: ArrayView2<'_, f64>,
    k: usize,
) -> Result<f64> {
    check_finite(x, "input features")?;
    check_finite(embedding, "embedding")?;
    let n = x.nrows();
    if embedding.nrows() != n {
        return Err(Error::shape("embedding rows", n, embedding.nrows()));
    }
    if k == 0 || k >= n / 2 {
        return Err(Error::param(
            "n_neighbors",
            format!("must lie in 1..{} (half the rows), got {k}", n / 2),
        ));
    }
    let sorted_by = |m: ArrayView2<'_, f64>, i: usize| -> Vec<usize> {
        let mut d: Vec<(f64, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (crate::cluster::kmeans::sq_dist(m.row(i), m.row(j)), j))
            .collect();
        d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        d.into_iter().map(|e| e.1).collect()
    };
    let penalty: f64 = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut rank = vec![0usize; n];
            for (r, j) in sorted_by(x, i).into_iter().enumerate() {
                rank[j] = r + 1;
            }
            sorted_by(embedding, i)
                .into_iter()
                .take(k)
                .map(|j| rank[j].saturating_sub(k) as f64)
                .sum::<f64>()
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    let (nf, kf) = (n as f64, k as f64);
    Ok(1.0 - penalty * 2.0 / (nf * kf * (2.0 * nf - 3.0 * kf - 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{fixture, matrix};
    use breadth_core::model_file;

    fn iris() -> Dataset {
        breadth_data::datasets::load("iris").unwrap()
    }

    #[test]
    fn hand_checks_in_place_of_conformance() {
        // t-SNE has no transform of new rows, so check_transformer does not apply: check
        // determinism, refusal of bad input and the save/load round trip by hand.
        let ds = iris();
        let p = TsneParams::default().perplexity(5.0).max_iter(260);
        let a = p.fit(&ds).unwrap();
        assert_eq!(a.embedding(), p.fit(&ds).unwrap().embedding());
        let bytes = model_file::to_bytes("tsne", &a).unwrap();
        let back: Tsne = model_file::from_bytes(&bytes, "tsne", "t").unwrap();
        assert_eq!(back, a);
        let mut bad = ds.features().to_owned();
        bad[[3, 1]] = f64::NAN;
        assert!(p.fit(&Dataset::new(bad)).is_err());
        assert!(p.fit(&ds.select(&[])).is_err());
        assert!(TsneParams::default().perplexity(500.0).fit(&ds).is_err());
        assert!(TsneParams::default().n_components(4).fit(&ds).is_err());
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Tsne>();
    }

    #[test]
    fn joint_probabilities_match_scikit_learn() {
        // reference/unsupervised.py tsne: sklearn.manifold._t_sne._joint_probabilities (float32
        // distances in scikit-learn, hence the tolerance).
        let f = fixture("tsne");
        let p = dense_joint_p(iris().features(), 10.0);
        let theirs = matrix(&f["iris_joint_p_perp10"]);
        for i in 0..5 {
            for j in 0..150 {
                if i != j {
                    let (a, b) = (p[[i, j]], theirs[[i, j]]);
                    assert!((a - b).abs() <= 1e-5 * b.max(1e-6), "({i},{j}) {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn trustworthiness_matches_scikit_learn() {
        let f = fixture("tsne");
        let emb = matrix(&f["trust_random_embedding"]);
        let t = trustworthiness(iris().features(), emb.view(), 10).unwrap();
        let theirs = f["trust_random"].as_f64().unwrap();
        assert!((t - theirs).abs() < 1e-3, "{t} vs {theirs}");
    }

    #[test]
    fn barnes_hut_gradient_approaches_exact() {
        let mut rng = seeded_rng(2);
        let x = Array2::from_shape_simple_fn((120, 5), || StandardNormal.sample(&mut rng));
        let y = Array2::from_shape_simple_fn((120, 2), || StandardNormal.sample(&mut rng));
        let dense = dense_joint_p(x.view(), 8.0);
        let rows: Vec<Vec<(usize, f64)>> = (0..120)
            .map(|i| {
                (0..120)
                    .filter(|&j| j != i)
                    .map(|j| (j, dense[[i, j]]))
                    .collect()
            })
            .collect();
        let sparse = Csr::from_rows(&rows);
        let scratch = &mut Scratch::default();
        let (kl_e, g_e) = exact_gradient(&dense, &y, true);
        let (kl_0, g_0) = bh_gradient(&sparse, &y, 0.0, true, scratch);
        assert!(
            (kl_e - kl_0).abs() < 1e-9 * kl_e.abs().max(1.0),
            "{kl_e} vs {kl_0}"
        );
        assert!((&g_e - &g_0).iter().all(|v| v.abs() < 1e-10));
        let (_, g_half) = bh_gradient(&sparse, &y, 0.5, false, scratch);
        let rel = (&g_e - &g_half).mapv(|v| v * v).sum().sqrt() / g_e.mapv(|v| v * v).sum().sqrt();
        assert!(rel < 0.05, "{rel}");
    }

    #[test]
    fn exact_on_iris_is_as_good_as_scikit_learn() {
        let f = fixture("tsne");
        let ds = iris();
        let t = TsneParams::default()
            .method(TsneMethod::Exact)
            .perplexity(10.0)
            .max_iter(500)
            .fit(&ds)
            .unwrap();
        let kl = f["iris_exact_kl"].as_f64().unwrap();
        assert!(
            t.kl_divergence() <= kl * 1.05,
            "{} vs {kl}",
            t.kl_divergence()
        );
        let trust = trustworthiness(ds.features(), t.embedding().view(), 10).unwrap();
        assert!(
            trust >= f["iris_exact_trust"].as_f64().unwrap() - 0.01,
            "{trust}"
        );
    }

    #[test]
    fn barnes_hut_on_digits_is_as_good_as_scikit_learn() {
        // scikit-learn 1.9.1 TSNE(random_state=0) on digits: KL and trustworthiness(k=10).
        let f = fixture("tsne");
        let digits = breadth_data::datasets::load("digits").unwrap();
        let t = TsneParams::default().fit(&digits).unwrap();
        let kl = f["digits_bh_kl"].as_f64().unwrap();
        assert!(
            t.kl_divergence() <= kl * 1.05,
            "{} vs {kl}",
            t.kl_divergence()
        );
        let trust = trustworthiness(digits.features(), t.embedding().view(), 10).unwrap();
        assert!(
            trust >= f["digits_bh_trust"].as_f64().unwrap() - 0.01,
            "{trust}"
        );
    }
}
