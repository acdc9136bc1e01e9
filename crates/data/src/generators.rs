//! Seeded synthetic datasets (scikit-learn's `make_classification`, `make_regression`,
//! `make_blobs`, `make_moons`, `make_circles`).
//!
//! Every generator is a parameter struct with scikit-learn's parameters and defaults plus a
//! `seed`; `generate()` returns a [`Dataset`] (classes named `"0"`, `"1"`, ...). The random stream
//! is breadth's ChaCha8 (see [`breadth_core::rng`]), not numpy's, so the same seed gives other
//! numbers than scikit-learn but data with the same distribution:
//!
//! - **classification**: $K \cdot C$ clusters ($K$ classes, $C$ clusters per class) centred on
//!   distinct vertices of the hypercube $\{-s, s\}^{p}$ ($s$ = `class_sep`, $p$ = `n_informative`;
//!   vertices scaled by random factors unless `hypercube`); each cluster is
//!   $z A_c + \mu_c$ with $z \sim \mathcal{N}(0, I_p)$ and $A_c \sim U(-1, 1)^{p \times p}$; then
//!   `n_redundant` columns $X_{\text{inf}} B$ ($B \sim U(-1,1)^{p \times r}$), `n_repeated` copies
//!   of random earlier columns, and standard normal noise columns; a fraction `flip_y` of labels is
//!   redrawn uniformly; finally $X \leftarrow (X + \text{shift}) \cdot \text{scale}$ and rows and
//!   columns are shuffled. Samples go to clusters in proportion to the class `weights`;
//! - **regression**: $y = X \beta + b + \varepsilon$ with $\beta_j \sim 100\,U(0,1)$ for
//!   `n_informative` columns (0 otherwise), $\varepsilon \sim \mathcal{N}(0, \text{noise}^2)$, and
//!   $X$ standard normal or, with `effective_rank` $r$, $U \operatorname{diag}(\sigma) V^\top$ with
//!   random orthonormal $U, V$ and $\sigma_i = (1-t) e^{-(i/r)^2} + t e^{-0.1 i / r}$
//!   ($t$ = `tail_strength`);
//! - **blobs**: isotropic Gaussian clusters $\mathcal{N}(\mu_c, \sigma_c^2 I)$, centres given or
//!   drawn uniformly in `center_box`;
//! - **moons**: two interleaving half circles; **circles**: a circle inside a larger one
//!   (radius ratio `factor`); both with optional Gaussian noise.
//!
//! Cost: $O(nd)$ for all but classification ($O(n p^2 + n p r)$) and low-rank regression (two
//! thin QR factorizations, $O((n + d) \min(n, d)^2)$).
//!
//! Reference: I. Guyon, *Design of experiments of the NIPS 2003 variable selection benchmark*
//! (2003), which `make_classification` follows; scikit-learn 1.9 `sklearn/datasets/_samples_generator.py`.
//!
//! ```
//! use breadth_data::generators::MakeClassification;
//! let ds = MakeClassification::default().n_samples(200).weights(vec![0.8]).seed(3).generate().unwrap();
//! assert_eq!((ds.n_samples(), ds.n_features(), ds.n_classes()), (200, 20, Some(2)));
//! ```

use breadth_core::registry::{configure, parse_param, Configurable, ParamSpec};
use breadth_core::{seeded_rng, Dataset, Error, Result, Rng, Target};
use faer::Mat;
use ndarray::{Array1, Array2, Axis};
use rand::seq::SliceRandom;
use rand::Rng as _;
use rand_distr::StandardNormal;

use crate::preprocessing::parse_pair;

/// The generator names [`generate`] accepts.
pub const NAMES: [&str; 5] = ["classification", "regression", "blobs", "moons", "circles"];

/// Generate dataset `name` (one of [`NAMES`]) with `key=value` settings, for the command line.
pub fn generate(name: &str, settings: &[(String, String)]) -> Result<Dataset> {
    let model = format!("make_{name}");
    match name {
        "classification" => configure::<MakeClassification>(&model, settings)?.generate(),
        "regression" => Ok(configure::<MakeRegression>(&model, settings)?.generate()?.0),
        "blobs" => Ok(configure::<MakeBlobs>(&model, settings)?.generate()?.0),
        "moons" => configure::<MakeMoons>(&model, settings)?.generate(),
        "circles" => configure::<MakeCircles>(&model, settings)?.generate(),
        _ => Err(Error::param(
            "generator",
            format!("unknown generator `{name}`; known: {}", NAMES.join(", ")),
        )),
    }
}

/// The parameters of generator `name` with their defaults, for `--help`-style listings.
pub fn params(name: &str) -> Option<Vec<ParamSpec>> {
    Some(match name {
        "classification" => MakeClassification::default().param_specs(),
        "regression" => MakeRegression::default().param_specs(),
        "blobs" => MakeBlobs::default().param_specs(),
        "moons" => MakeMoons::default().param_specs(),
        "circles" => MakeCircles::default().param_specs(),
        _ => return None,
    })
}

fn normal(rng: &mut Rng) -> f64 {
    rng.sample(StandardNormal)
}

fn class_target(labels: Vec<usize>, n_classes: usize) -> Result<Target> {
    Target::classes(labels, (0..n_classes).map(|k| k.to_string()).collect())
}

/// Shuffle rows of `x` and `y` together (one permutation drawn from `rng`).
fn shuffle_rows<T: Clone>(x: &mut Array2<f64>, y: &mut Vec<T>, rng: &mut Rng) {
    let mut perm: Vec<usize> = (0..x.nrows()).collect();
    perm.shuffle(rng);
    *x = x.select(Axis(0), &perm);
    *y = perm.iter().map(|&i| y[i].clone()).collect();
}

/// Permute the columns of `x` (and return the permutation: new column `j` is old `perm[j]`).
fn shuffle_columns(x: &mut Array2<f64>, rng: &mut Rng) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..x.ncols()).collect();
    perm.shuffle(rng);
    *x = x.select(Axis(1), &perm);
    perm
}

/// `n` evenly spaced values from `start` to `stop` as `numpy.linspace` (with or without the end).
fn linspace(start: f64, stop: f64, n: usize, endpoint: bool) -> Vec<f64> {
    let div = if endpoint { n.saturating_sub(1) } else { n };
    if div == 0 {
        return vec![start; n];
    }
    let step = (stop - start) / div as f64;
    let mut v: Vec<f64> = (0..n).map(|i| start + i as f64 * step).collect();
    if endpoint {
        v[n - 1] = stop;
    }
    v
}

fn check_noise(noise: f64) -> Result<()> {
    breadth_core::validate::non_negative("noise", noise)
}

macro_rules! setters {
    ($ty:ident { $($field:ident : $t:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Set `", stringify!($field), "`.")]
                pub fn $field(mut self, value: $t) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}

// ---------------------------------------------------------------------------------------------
// make_classification

/// Parameters of [`MakeClassification::generate`], with scikit-learn's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeClassification {
    /// Rows.
    pub n_samples: usize,
    /// Columns in total.
    pub n_features: usize,
    /// Columns that carry the class structure.
    pub n_informative: usize,
    /// Random linear combinations of the informative columns.
    pub n_redundant: usize,
    /// Copies of informative or redundant columns.
    pub n_repeated: usize,
    /// Classes.
    pub n_classes: usize,
    /// Gaussian clusters per class.
    pub n_clusters_per_class: usize,
    /// Class proportions (`n_classes` values, or `n_classes - 1` with the last implied);
    /// `None` for balanced classes.
    pub weights: Option<Vec<f64>>,
    /// Fraction of labels redrawn at random.
    pub flip_y: f64,
    /// Half the side of the hypercube whose vertices are the cluster centres.
    pub class_sep: f64,
    /// Centres on the hypercube's vertices (else on a randomly stretched polytope).
    pub hypercube: bool,
    /// Added to every value; `None` draws one shift per column in `[-class_sep, class_sep]`.
    pub shift: Option<f64>,
    /// Multiplies every value (after the shift); `None` draws one per column in `[1, 101]`.
    pub scale: Option<f64>,
    /// Shuffle rows and columns.
    pub shuffle: bool,
    /// Seed of the random stream.
    pub seed: u64,
}

impl Default for MakeClassification {
    fn default() -> Self {
        MakeClassification {
            n_samples: 100,
            n_features: 20,
            n_informative: 2,
            n_redundant: 2,
            n_repeated: 0,
            n_classes: 2,
            n_clusters_per_class: 2,
            weights: None,
            flip_y: 0.01,
            class_sep: 1.0,
            hypercube: true,
            shift: Some(0.0),
            scale: Some(1.0),
            shuffle: true,
            seed: 0,
        }
    }
}

setters!(MakeClassification {
    n_samples: usize,
    n_features: usize,
    n_informative: usize,
    n_redundant: usize,
    n_repeated: usize,
    n_classes: usize,
    n_clusters_per_class: usize,
    flip_y: f64,
    class_sep: f64,
    hypercube: bool,
    shift: Option<f64>,
    scale: Option<f64>,
    shuffle: bool,
    seed: u64,
});

impl MakeClassification {
    /// Set the class proportions.
    pub fn weights(mut self, weights: Vec<f64>) -> Self {
        self.weights = Some(weights);
        self
    }

    /// Rows per cluster: class weight over clusters per class, rounded down, the remainder
    /// handed out one by one from the first cluster (scikit-learn's rule).
    fn cluster_sizes(&self, weights: &[f64]) -> Vec<usize> {
        let n_clusters = self.n_classes * self.n_clusters_per_class;
        let mut sizes: Vec<usize> = (0..n_clusters)
            .map(|k| {
                (self.n_samples as f64 * weights[k % self.n_classes]
                    / self.n_clusters_per_class as f64) as usize
            })
            .collect();
        let assigned: usize = sizes.iter().sum();
        for i in 0..self.n_samples.saturating_sub(assigned) {
            sizes[i % n_clusters] += 1;
        }
        sizes
    }

    fn class_weights(&self) -> Result<Vec<f64>> {
        let k = self.n_classes;
        let w = match &self.weights {
            None => return Ok(vec![1.0 / k as f64; k]),
            Some(w) if w.len() == k => w.clone(),
            Some(w) if w.len() + 1 == k => {
                let mut w = w.clone();
                w.push(1.0 - w.iter().sum::<f64>());
                w
            }
            Some(w) => {
                return Err(Error::param(
                    "weights",
                    format!("need {k} or {} values, got {}", k - 1, w.len()),
                ))
            }
        };
        if w.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(Error::param(
                "weights",
                format!("must be non-negative and sum to at most 1, got {w:?}"),
            ));
        }
        Ok(w)
    }

    fn validate(&self) -> Result<()> {
        let used = self.n_informative + self.n_redundant + self.n_repeated;
        if used > self.n_features {
            return Err(Error::param(
                "n_features",
                format!(
                    "must be at least n_informative + n_redundant + n_repeated = {used}, got {}",
                    self.n_features
                ),
            ));
        }
        if self.n_samples == 0 || self.n_classes == 0 || self.n_clusters_per_class == 0 {
            return Err(Error::param(
                "n_samples",
                "n_samples, n_classes and n_clusters_per_class must be at least 1",
            ));
        }
        let n_clusters = (self.n_classes * self.n_clusters_per_class) as f64;
        if (self.n_informative as f64) < n_clusters.log2() {
            return Err(Error::param(
                "n_informative",
                format!(
                    "n_classes * n_clusters_per_class = {n_clusters} must be at most 2^n_informative = 2^{}",
                    self.n_informative
                ),
            ));
        }
        breadth_core::validate::in_range("flip_y", self.flip_y, 0.0, 1.0)?;
        breadth_core::validate::non_negative("class_sep", self.class_sep)?;
        for (name, v) in [("shift", self.shift), ("scale", self.scale)] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(Error::param(name, "must be finite"));
            }
        }
        Ok(())
    }

    /// Generate the dataset.
    pub fn generate(&self) -> Result<Dataset> {
        self.validate()?;
        let weights = self.class_weights()?;
        let mut rng = seeded_rng(self.seed);
        let (n, d, p) = (self.n_samples, self.n_features, self.n_informative);
        let n_clusters = self.n_classes * self.n_clusters_per_class;
        let sizes = self.cluster_sizes(&weights);

        let mut centroids = hypercube_vertices(n_clusters, p, &mut rng)
            .mapv(|b| b * 2.0 * self.class_sep - self.class_sep);
        if !self.hypercube {
            let rows: Vec<f64> = (0..n_clusters).map(|_| rng.random()).collect();
            let cols: Vec<f64> = (0..p).map(|_| rng.random()).collect();
            centroids
                .indexed_iter_mut()
                .for_each(|((c, j), v)| *v *= rows[c] * cols[j]);
        }

        let mut x = Array2::<f64>::zeros((n, d));
        let mut y = vec![0usize; n];
        let informative = Array2::from_shape_simple_fn((n, p), || normal(&mut rng));
        let mut start = 0;
        for (k, &size) in sizes.iter().enumerate() {
            let a = Array2::from_shape_simple_fn((p, p), || 2.0 * rng.random::<f64>() - 1.0);
            let block = informative
                .slice(ndarray::s![start..start + size, ..])
                .dot(&a)
                + centroids.row(k);
            x.slice_mut(ndarray::s![start..start + size, ..p])
                .assign(&block);
            y[start..start + size].fill(k % self.n_classes);
            start += size;
        }

        let r = self.n_redundant;
        if r > 0 {
            let b = Array2::from_shape_simple_fn((p, r), || 2.0 * rng.random::<f64>() - 1.0);
            let red = x.slice(ndarray::s![.., ..p]).dot(&b);
            x.slice_mut(ndarray::s![.., p..p + r]).assign(&red);
        }
        let base = p + r;
        for c in 0..self.n_repeated {
            let src = ((base as f64 - 1.0) * rng.random::<f64>() + 0.5) as usize;
            let col = x.column(src).to_owned();
            x.column_mut(base + c).assign(&col);
        }
        for j in base + self.n_repeated..d {
            x.column_mut(j).mapv_inplace(|_| normal(&mut rng));
        }

        let flip: Vec<bool> = (0..n).map(|_| rng.random::<f64>() < self.flip_y).collect();
        for (label, _) in y.iter_mut().zip(&flip).filter(|(_, &f)| f) {
            *label = rng.random_range(0..self.n_classes);
        }

        let shift: Array1<f64> = match self.shift {
            Some(s) => Array1::from_elem(d, s),
            None => (0..d)
                .map(|_| (2.0 * rng.random::<f64>() - 1.0) * self.class_sep)
                .collect(),
        };
        let scale: Array1<f64> = match self.scale {
            Some(s) => Array1::from_elem(d, s),
            None => (0..d).map(|_| 1.0 + 100.0 * rng.random::<f64>()).collect(),
        };
        x += &shift;
        x *= &scale;

        if self.shuffle {
            shuffle_rows(&mut x, &mut y, &mut rng);
            shuffle_columns(&mut x, &mut rng);
        }
        Dataset::new(x).with_target(class_target(y, self.n_classes)?)
    }
}

/// `n` distinct vertices of the unit hypercube $\{0, 1\}^p$, as rows of 0.0 / 1.0.
fn hypercube_vertices(n: usize, p: usize, rng: &mut Rng) -> Array2<f64> {
    // Coordinates beyond the last 30 are free random bits; distinctness comes from the last 30,
    // sampled without replacement among 2^30 (enough for any practical number of clusters).
    let tail = p.min(30);
    let codes = rand::seq::index::sample(rng, 1usize << tail, n);
    let mut out = Array2::<f64>::zeros((n, p));
    for (c, code) in codes.iter().enumerate() {
        for j in 0..p - tail {
            out[[c, j]] = f64::from(u8::from(rng.random::<bool>()));
        }
        for b in 0..tail {
            out[[c, p - tail + b]] = ((code >> (tail - 1 - b)) & 1) as f64;
        }
    }
    out
}

impl Configurable for MakeClassification {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let opt = |v: Option<f64>| v.map_or("random".to_string(), |v| v.to_string());
        let weights = self.weights.as_ref().map_or("balanced".to_string(), |w| {
            w.iter().map(f64::to_string).collect::<Vec<_>>().join(",")
        });
        vec![
            ParamSpec::new("n_samples", self.n_samples, "rows"),
            ParamSpec::new("n_features", self.n_features, "columns in total"),
            ParamSpec::new(
                "n_informative",
                self.n_informative,
                "columns carrying the classes",
            ),
            ParamSpec::new(
                "n_redundant",
                self.n_redundant,
                "linear combinations of informative columns",
            ),
            ParamSpec::new("n_repeated", self.n_repeated, "copies of earlier columns"),
            ParamSpec::new("n_classes", self.n_classes, "classes"),
            ParamSpec::new(
                "n_clusters_per_class",
                self.n_clusters_per_class,
                "clusters per class",
            ),
            ParamSpec::new(
                "weights",
                weights,
                "class proportions w0,w1,... or balanced",
            ),
            ParamSpec::new(
                "flip_y",
                self.flip_y,
                "fraction of labels redrawn at random",
            ),
            ParamSpec::new("class_sep", self.class_sep, "half the hypercube side"),
            ParamSpec::new("hypercube", self.hypercube, "centres on hypercube vertices"),
            ParamSpec::new("shift", opt(self.shift), "added to every value, or random"),
            ParamSpec::new(
                "scale",
                opt(self.scale),
                "multiplies every value, or random",
            ),
            ParamSpec::new("shuffle", self.shuffle, "shuffle rows and columns"),
            ParamSpec::new("seed", self.seed, "random seed"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        let opt = |v: &str| -> Result<Option<f64>> {
            if v == "random" {
                Ok(None)
            } else {
                parse_param(name, v).map(Some)
            }
        };
        match name {
            "n_samples" => self.n_samples = parse_param(name, value)?,
            "n_features" => self.n_features = parse_param(name, value)?,
            "n_informative" => self.n_informative = parse_param(name, value)?,
            "n_redundant" => self.n_redundant = parse_param(name, value)?,
            "n_repeated" => self.n_repeated = parse_param(name, value)?,
            "n_classes" => self.n_classes = parse_param(name, value)?,
            "n_clusters_per_class" => self.n_clusters_per_class = parse_param(name, value)?,
            "weights" => {
                self.weights = if value == "balanced" {
                    None
                } else {
                    Some(
                        value
                            .split(',')
                            .map(|w| parse_param(name, w))
                            .collect::<Result<_>>()?,
                    )
                }
            }
            "flip_y" => self.flip_y = parse_param(name, value)?,
            "class_sep" => self.class_sep = parse_param(name, value)?,
            "hypercube" => self.hypercube = parse_param(name, value)?,
            "shift" => self.shift = opt(value)?,
            "scale" => self.scale = opt(value)?,
            "shuffle" => self.shuffle = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

// ---------------------------------------------------------------------------------------------
// make_regression

/// Parameters of [`MakeRegression::generate`], with scikit-learn's defaults (one target).
#[derive(Debug, Clone, PartialEq)]
pub struct MakeRegression {
    /// Rows.
    pub n_samples: usize,
    /// Columns.
    pub n_features: usize,
    /// Columns with a non-zero coefficient (at most `n_features`).
    pub n_informative: usize,
    /// Intercept $b$.
    pub bias: f64,
    /// Approximate rank of $X$; `None` for standard normal features.
    pub effective_rank: Option<f64>,
    /// Share of the singular-value profile in the slowly decaying tail, in `[0, 1]`.
    pub tail_strength: f64,
    /// Standard deviation of the Gaussian noise on $y$.
    pub noise: f64,
    /// Shuffle rows and columns.
    pub shuffle: bool,
    /// Seed of the random stream.
    pub seed: u64,
}

impl Default for MakeRegression {
    fn default() -> Self {
        MakeRegression {
            n_samples: 100,
            n_features: 100,
            n_informative: 10,
            bias: 0.0,
            effective_rank: None,
            tail_strength: 0.5,
            noise: 0.0,
            shuffle: true,
            seed: 0,
        }
    }
}

setters!(MakeRegression {
    n_samples: usize,
    n_features: usize,
    n_informative: usize,
    bias: f64,
    effective_rank: Option<f64>,
    tail_strength: f64,
    noise: f64,
    shuffle: bool,
    seed: u64,
});

/// An orthonormal basis of the columns of a standard normal `rows x cols` matrix (`cols <= rows`).
fn random_orthonormal(rows: usize, cols: usize, rng: &mut Rng) -> Mat<f64> {
    let g = Mat::from_fn(rows, cols, |_, _| normal(rng));
    g.qr().compute_thin_Q()
}

impl MakeRegression {
    /// Generate the dataset and the true coefficients $\beta$ (in the final column order).
    pub fn generate(&self) -> Result<(Dataset, Array1<f64>)> {
        let (n, d) = (self.n_samples, self.n_features);
        if n == 0 || d == 0 {
            return Err(Error::param(
                "n_samples",
                "n_samples and n_features must be at least 1",
            ));
        }
        check_noise(self.noise)?;
        breadth_core::validate::in_range("tail_strength", self.tail_strength, 0.0, 1.0)?;
        if !self.bias.is_finite() {
            return Err(Error::param("bias", "must be finite"));
        }
        let mut rng = seeded_rng(self.seed);
        let mut x = match self.effective_rank {
            None => Array2::from_shape_simple_fn((n, d), || normal(&mut rng)),
            Some(rank) => {
                breadth_core::validate::positive("effective_rank", rank)?;
                self.low_rank(rank, &mut rng)
            }
        };
        let p = self.n_informative.min(d);
        let mut coef = Array1::<f64>::zeros(d);
        coef.slice_mut(ndarray::s![..p])
            .mapv_inplace(|_| 100.0 * rng.random::<f64>());
        let mut y: Vec<f64> = (x.dot(&coef) + self.bias).to_vec();
        if self.noise > 0.0 {
            y.iter_mut()
                .for_each(|v| *v += self.noise * normal(&mut rng));
        }
        if self.shuffle {
            shuffle_rows(&mut x, &mut y, &mut rng);
            let perm = shuffle_columns(&mut x, &mut rng);
            coef = coef.select(Axis(0), &perm);
        }
        let ds = Dataset::new(x).with_target(Target::Continuous(Array1::from(y)))?;
        Ok((ds, coef))
    }

    /// scikit-learn's `make_low_rank_matrix`: $U \operatorname{diag}(\sigma) V^\top$.
    fn low_rank(&self, rank: f64, rng: &mut Rng) -> Array2<f64> {
        let (n, d) = (self.n_samples, self.n_features);
        let k = n.min(d);
        let u = random_orthonormal(n, k, rng);
        let v = random_orthonormal(d, k, rng);
        let t = self.tail_strength;
        let sigma: Vec<f64> = (0..k)
            .map(|i| {
                let i = i as f64;
                (1.0 - t) * (-(i / rank).powi(2)).exp() + t * (-0.1 * i / rank).exp()
            })
            .collect();
        let us = Mat::from_fn(n, k, |i, j| u[(i, j)] * sigma[j]);
        breadth_core::linalg::to_ndarray((us.as_ref() * v.as_ref().transpose()).as_ref())
            .as_standard_layout()
            .to_owned()
    }
}

impl Configurable for MakeRegression {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let rank = self
            .effective_rank
            .map_or("none".to_string(), |r| r.to_string());
        vec![
            ParamSpec::new("n_samples", self.n_samples, "rows"),
            ParamSpec::new("n_features", self.n_features, "columns"),
            ParamSpec::new(
                "n_informative",
                self.n_informative,
                "columns with a non-zero coefficient",
            ),
            ParamSpec::new("bias", self.bias, "intercept"),
            ParamSpec::new("effective_rank", rank, "approximate rank of X, or none"),
            ParamSpec::new(
                "tail_strength",
                self.tail_strength,
                "tail share of the singular values",
            ),
            ParamSpec::new("noise", self.noise, "std of the Gaussian noise on y"),
            ParamSpec::new("shuffle", self.shuffle, "shuffle rows and columns"),
            ParamSpec::new("seed", self.seed, "random seed"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_samples" => self.n_samples = parse_param(name, value)?,
            "n_features" => self.n_features = parse_param(name, value)?,
            "n_informative" => self.n_informative = parse_param(name, value)?,
            "bias" => self.bias = parse_param(name, value)?,
            "effective_rank" => {
                self.effective_rank = if value == "none" {
                    None
                } else {
                    Some(parse_param(name, value)?)
                }
            }
            "tail_strength" => self.tail_strength = parse_param(name, value)?,
            "noise" => self.noise = parse_param(name, value)?,
            "shuffle" => self.shuffle = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

// ---------------------------------------------------------------------------------------------
// make_blobs

/// Where the blobs are centred.
#[derive(Debug, Clone, PartialEq)]
pub enum Centers {
    /// This many centres drawn uniformly in `center_box`.
    Count(usize),
    /// These centres (one per row); their width sets the number of features.
    Given(Array2<f64>),
}

/// Parameters of [`MakeBlobs::generate`], with scikit-learn's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeBlobs {
    /// Rows, split evenly among the centres (the first ones get the remainder).
    pub n_samples: usize,
    /// Columns (ignored with given centres).
    pub n_features: usize,
    /// The centres.
    pub centers: Centers,
    /// Standard deviation of every cluster, or one per cluster.
    pub cluster_std: Vec<f64>,
    /// Box `(lo, hi)` the random centres are drawn in.
    pub center_box: (f64, f64),
    /// Shuffle the rows.
    pub shuffle: bool,
    /// Seed of the random stream.
    pub seed: u64,
}

impl Default for MakeBlobs {
    fn default() -> Self {
        MakeBlobs {
            n_samples: 100,
            n_features: 2,
            centers: Centers::Count(3),
            cluster_std: vec![1.0],
            center_box: (-10.0, 10.0),
            shuffle: true,
            seed: 0,
        }
    }
}

setters!(MakeBlobs {
    n_samples: usize,
    n_features: usize,
    centers: Centers,
    cluster_std: Vec<f64>,
    center_box: (f64, f64),
    shuffle: bool,
    seed: u64,
});

impl MakeBlobs {
    /// Generate the dataset and the centres used.
    pub fn generate(&self) -> Result<(Dataset, Array2<f64>)> {
        let mut rng = seeded_rng(self.seed);
        let (lo, hi) = self.center_box;
        let centers = match &self.centers {
            Centers::Count(k) => {
                if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                    return Err(Error::param(
                        "center_box",
                        format!("need finite lo < hi, got ({lo}, {hi})"),
                    ));
                }
                Array2::from_shape_simple_fn((*k, self.n_features), || rng.random_range(lo..hi))
            }
            Centers::Given(c) => {
                breadth_core::validate::check_finite(c.view(), "centers")?;
                c.clone()
            }
        };
        let (k, d) = centers.dim();
        if k == 0 || d == 0 || self.n_samples == 0 {
            return Err(Error::param(
                "centers",
                "need at least one centre, one feature and one sample",
            ));
        }
        let stds = match self.cluster_std.len() {
            1 => vec![self.cluster_std[0]; k],
            len if len == k => self.cluster_std.clone(),
            len => {
                return Err(Error::param(
                    "cluster_std",
                    format!("need 1 or {k} values, got {len}"),
                ))
            }
        };
        for &s in &stds {
            breadth_core::validate::non_negative("cluster_std", s)?;
        }
        let mut x = Array2::<f64>::zeros((self.n_samples, d));
        let mut y = Vec::with_capacity(self.n_samples);
        let mut row = 0;
        for c in 0..k {
            let size = self.n_samples / k + usize::from(c < self.n_samples % k);
            for _ in 0..size {
                for j in 0..d {
                    x[[row, j]] = centers[[c, j]] + stds[c] * normal(&mut rng);
                }
                y.push(c);
                row += 1;
            }
        }
        if self.shuffle {
            shuffle_rows(&mut x, &mut y, &mut rng);
        }
        Ok((Dataset::new(x).with_target(class_target(y, k)?)?, centers))
    }
}

impl Configurable for MakeBlobs {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let centers = match &self.centers {
            Centers::Count(k) => k.to_string(),
            Centers::Given(c) => format!("{} given", c.nrows()),
        };
        let stds: Vec<String> = self.cluster_std.iter().map(f64::to_string).collect();
        let (a, b) = self.center_box;
        vec![
            ParamSpec::new("n_samples", self.n_samples, "rows"),
            ParamSpec::new("n_features", self.n_features, "columns"),
            ParamSpec::new("centers", centers, "number of random centres"),
            ParamSpec::new(
                "cluster_std",
                stds.join(","),
                "std of all clusters, or one per cluster",
            ),
            ParamSpec::new(
                "center_box",
                format!("{a},{b}"),
                "box lo,hi of the random centres",
            ),
            ParamSpec::new("shuffle", self.shuffle, "shuffle the rows"),
            ParamSpec::new("seed", self.seed, "random seed"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_samples" => self.n_samples = parse_param(name, value)?,
            "n_features" => self.n_features = parse_param(name, value)?,
            "centers" => self.centers = Centers::Count(parse_param(name, value)?),
            "cluster_std" => {
                self.cluster_std = value
                    .split(',')
                    .map(|s| parse_param(name, s))
                    .collect::<Result<_>>()?
            }
            "center_box" => self.center_box = parse_pair(name, value)?,
            "shuffle" => self.shuffle = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

// ---------------------------------------------------------------------------------------------
// make_moons and make_circles

/// Two classes on two curves: the first `n / 2` rows (rounded down) class 0, the rest class 1;
/// rows shuffled, then Gaussian noise added, as scikit-learn.
fn two_curves(
    outer: impl Fn(f64) -> (f64, f64),
    inner: impl Fn(f64) -> (f64, f64),
    t_outer: Vec<f64>,
    t_inner: Vec<f64>,
    noise: f64,
    shuffle: bool,
    seed: u64,
) -> Result<Dataset> {
    check_noise(noise)?;
    let n = t_outer.len() + t_inner.len();
    if n == 0 {
        return Err(Error::param("n_samples", "must be at least 1"));
    }
    let mut x = Array2::<f64>::zeros((n, 2));
    let points = t_outer
        .iter()
        .map(|&t| outer(t))
        .chain(t_inner.iter().map(|&t| inner(t)));
    for (i, (a, b)) in points.enumerate() {
        x[[i, 0]] = a;
        x[[i, 1]] = b;
    }
    let mut y: Vec<usize> = (0..n).map(|i| usize::from(i >= t_outer.len())).collect();
    let mut rng = seeded_rng(seed);
    if shuffle {
        shuffle_rows(&mut x, &mut y, &mut rng);
    }
    if noise > 0.0 {
        x.mapv_inplace(|v| v + noise * normal(&mut rng));
    }
    Dataset::new(x).with_target(class_target(y, 2)?)
}

/// Parameters of [`MakeMoons::generate`], with scikit-learn's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeMoons {
    /// Rows.
    pub n_samples: usize,
    /// Standard deviation of the Gaussian noise (0 for none).
    pub noise: f64,
    /// Shuffle the rows.
    pub shuffle: bool,
    /// Seed of the random stream.
    pub seed: u64,
}

impl Default for MakeMoons {
    fn default() -> Self {
        MakeMoons {
            n_samples: 100,
            noise: 0.0,
            shuffle: true,
            seed: 0,
        }
    }
}

setters!(MakeMoons {
    n_samples: usize,
    noise: f64,
    shuffle: bool,
    seed: u64
});

impl MakeMoons {
    /// Generate the dataset: $(\cos t, \sin t)$ and $(1 - \cos t, 1/2 - \sin t)$, $t \in [0, \pi]$.
    pub fn generate(&self) -> Result<Dataset> {
        let n_out = self.n_samples / 2;
        let n_in = self.n_samples - n_out;
        two_curves(
            |t| (t.cos(), t.sin()),
            |t| (1.0 - t.cos(), 1.0 - t.sin() - 0.5),
            linspace(0.0, std::f64::consts::PI, n_out, true),
            linspace(0.0, std::f64::consts::PI, n_in, true),
            self.noise,
            self.shuffle,
            self.seed,
        )
    }
}

/// Parameters of [`MakeCircles::generate`], with scikit-learn's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeCircles {
    /// Rows.
    pub n_samples: usize,
    /// Radius of the inner circle relative to the outer, in `[0, 1)`.
    pub factor: f64,
    /// Standard deviation of the Gaussian noise (0 for none).
    pub noise: f64,
    /// Shuffle the rows.
    pub shuffle: bool,
    /// Seed of the random stream.
    pub seed: u64,
}

impl Default for MakeCircles {
    fn default() -> Self {
        MakeCircles {
            n_samples: 100,
            factor: 0.8,
            noise: 0.0,
            shuffle: true,
            seed: 0,
        }
    }
}

setters!(MakeCircles {
    n_samples: usize,
    factor: f64,
    noise: f64,
    shuffle: bool,
    seed: u64
});

impl MakeCircles {
    /// Generate the dataset: points evenly spaced on the unit circle and on one of radius `factor`.
    pub fn generate(&self) -> Result<Dataset> {
        if !(0.0..1.0).contains(&self.factor) {
            return Err(Error::param(
                "factor",
                format!("must lie in [0, 1), got {}", self.factor),
            ));
        }
        let n_out = self.n_samples / 2;
        let n_in = self.n_samples - n_out;
        let f = self.factor;
        let tau = 2.0 * std::f64::consts::PI;
        two_curves(
            |t| (t.cos(), t.sin()),
            |t| (t.cos() * f, t.sin() * f),
            linspace(0.0, tau, n_out, false),
            linspace(0.0, tau, n_in, false),
            self.noise,
            self.shuffle,
            self.seed,
        )
    }
}

macro_rules! curve_config {
    ($ty:ident { $($field:ident : $help:literal),* }) => {
        impl Configurable for $ty {
            fn param_specs(&self) -> Vec<ParamSpec> {
                vec![$(ParamSpec::new(stringify!($field), &self.$field, $help)),*]
            }
            fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
                match name {
                    $(stringify!($field) => self.$field = parse_param(name, value)?,)*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
    };
}

curve_config!(MakeMoons {
    n_samples: "rows",
    noise: "std of the Gaussian noise",
    shuffle: "shuffle the rows",
    seed: "random seed"
});
curve_config!(MakeCircles {
    n_samples: "rows",
    factor: "inner radius over outer radius, in [0, 1)",
    noise: "std of the Gaussian noise",
    shuffle: "shuffle the rows",
    seed: "random seed"
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocessing::fixtures::{assert_close, matrix};
    use breadth_core::linalg::as_faer;

    fn labels(ds: &Dataset) -> Vec<usize> {
        ds.class_target("test").unwrap().0.to_vec()
    }

    fn count(labels: &[usize], k: usize) -> usize {
        labels.iter().filter(|&&l| l == k).count()
    }

    /// Numerical rank: singular values above `1e-9` times the largest.
    fn rank(x: ndarray::ArrayView2<'_, f64>) -> usize {
        let s = as_faer(x).singular_values().unwrap();
        let top = s.iter().cloned().fold(0.0, f64::max);
        s.iter().filter(|&&v| v > 1e-9 * top).count()
    }

    #[test]
    fn classification_shapes_and_class_balance_follow_weights() {
        let ds = MakeClassification::default()
            .n_samples(1000)
            .weights(vec![0.7])
            .flip_y(0.0)
            .seed(1)
            .generate()
            .unwrap();
        assert_eq!((ds.n_samples(), ds.n_features()), (1000, 20));
        let y = labels(&ds);
        // 2 clusters per class of int(1000 * w / 2) rows: 350 + 350 and 150 + 150.
        assert_eq!((count(&y, 0), count(&y, 1)), (700, 300));
        let three = MakeClassification::default()
            .n_samples(101)
            .n_classes(3)
            .n_clusters_per_class(1)
            .flip_y(0.0)
            .generate()
            .unwrap();
        // 33 each, the remainder of 2 to the first two clusters.
        let y = labels(&three);
        assert_eq!((count(&y, 0), count(&y, 1), count(&y, 2)), (34, 34, 33));
        assert_eq!(three.n_classes(), Some(3));
    }

    #[test]
    fn redundant_and_repeated_columns_add_no_rank() {
        let ds = MakeClassification::default()
            .n_samples(300)
            .n_features(12)
            .n_informative(4)
            .n_redundant(3)
            .n_repeated(2)
            .scale(None)
            .seed(7)
            .generate()
            .unwrap();
        // 4 informative + 3 noise columns span everything; 3 redundant and 2 repeated add nothing,
        // nor does scaling columns (a random shift would add the constant direction).
        assert_eq!(rank(ds.features()), 7);
        let unshuffled = MakeClassification::default()
            .n_samples(300)
            .n_features(12)
            .n_informative(4)
            .n_redundant(3)
            .n_repeated(2)
            .shuffle(false)
            .seed(7)
            .generate()
            .unwrap();
        let x = unshuffled.features();
        assert_eq!(rank(x.slice(ndarray::s![.., ..4])), 4);
        assert_eq!(rank(x.slice(ndarray::s![.., ..9])), 4);
    }

    #[test]
    fn informative_features_separate_the_classes() {
        let ds = MakeClassification::default()
            .n_samples(400)
            .n_features(6)
            .n_informative(3)
            .n_redundant(0)
            .n_clusters_per_class(1)
            .class_sep(3.0)
            .flip_y(0.0)
            .shuffle(false)
            .seed(2)
            .generate()
            .unwrap();
        let (x, y) = (ds.features(), labels(&ds));
        let centroid = |k: usize| -> Vec<f64> {
            (0..3)
                .map(|j| {
                    let v: Vec<f64> = (0..400).filter(|&i| y[i] == k).map(|i| x[[i, j]]).collect();
                    v.iter().sum::<f64>() / v.len() as f64
                })
                .collect()
        };
        let (c0, c1) = (centroid(0), centroid(1));
        let d2 = |i: usize, c: &[f64]| (0..3).map(|j| (x[[i, j]] - c[j]).powi(2)).sum::<f64>();
        let correct = (0..400)
            .filter(|&i| usize::from(d2(i, &c1) < d2(i, &c0)) == y[i])
            .count();
        assert!(
            correct as f64 / 400.0 > 0.95,
            "nearest centroid accuracy {correct}/400"
        );
    }

    #[test]
    fn flip_y_redraws_that_fraction_of_labels() {
        let base = MakeClassification::default()
            .n_samples(20_000)
            .n_classes(4)
            .n_informative(3)
            .shuffle(false)
            .seed(9);
        let clean = labels(&base.clone().flip_y(0.0).generate().unwrap());
        let flipped = labels(&base.flip_y(0.2).generate().unwrap());
        let changed = clean.iter().zip(&flipped).filter(|(a, b)| a != b).count() as f64 / 20_000.0;
        // A redrawn label keeps its class with probability 1/4: 0.2 * 3/4 = 0.15 change.
        assert!((changed - 0.15).abs() < 0.01, "{changed}");
    }

    #[test]
    fn classification_checks_its_parameters() {
        let too_many = MakeClassification::default()
            .n_features(3)
            .generate()
            .unwrap_err();
        assert!(too_many.to_string().contains("n_features"), "{too_many}");
        let clusters = MakeClassification::default()
            .n_classes(3)
            .generate()
            .unwrap_err();
        assert!(clusters.to_string().contains("n_informative"), "{clusters}");
        let w = MakeClassification::default()
            .weights(vec![0.2, 0.3, 0.5])
            .generate()
            .unwrap_err();
        assert!(w.to_string().contains("weights"), "{w}");
        let a = MakeClassification::default()
            .hypercube(false)
            .seed(4)
            .generate()
            .unwrap();
        let b = MakeClassification::default()
            .hypercube(false)
            .seed(4)
            .generate()
            .unwrap();
        assert_eq!(a, b, "same seed, same data");
    }

    #[test]
    fn regression_is_linear_in_the_informative_columns() {
        let (ds, coef) = MakeRegression::default()
            .n_samples(50)
            .n_features(8)
            .n_informative(3)
            .bias(2.5)
            .seed(3)
            .generate()
            .unwrap();
        assert_eq!(coef.iter().filter(|&&c| c != 0.0).count(), 3);
        assert!(coef.iter().all(|&c| (0.0..100.0).contains(&c)));
        let y = ds.continuous_target("t").unwrap();
        assert_close(
            &(ds.features().dot(&coef) + 2.5),
            &y.to_owned(),
            1e-12,
            "y = X coef + bias",
        );
        let base = MakeRegression::default()
            .seed(3)
            .n_samples(2000)
            .shuffle(false);
        let (noisy, _) = base.clone().noise(1.0).generate().unwrap();
        let (clean, coef) = base.generate().unwrap();
        assert_eq!(
            noisy.features(),
            clean.features(),
            "noise is drawn after X and coef"
        );
        let resid = noisy.continuous_target("t").unwrap().to_owned() - clean.features().dot(&coef);
        let sd = (resid.mapv(|r| r * r).sum() / 2000.0).sqrt();
        assert!((sd - 1.0).abs() < 0.05, "noise std {sd}");
    }

    #[test]
    fn low_rank_regression_has_the_singular_value_profile() {
        let (ds, _) = MakeRegression::default()
            .n_samples(60)
            .n_features(20)
            .effective_rank(Some(3.0))
            .tail_strength(0.0)
            .seed(5)
            .generate()
            .unwrap();
        let mut s = as_faer(ds.features()).singular_values().unwrap();
        s.sort_by(|a, b| b.total_cmp(a));
        for (i, v) in s.iter().enumerate().take(6) {
            let want = (-(i as f64 / 3.0).powi(2)).exp();
            assert!((v - want).abs() < 1e-10, "sigma_{i} = {v}, want {want}");
        }
    }

    #[test]
    fn blobs_gather_around_their_centres() {
        let (ds, centers) = MakeBlobs::default()
            .n_samples(3001)
            .n_features(3)
            .cluster_std(vec![0.5, 1.0, 2.0])
            .seed(8)
            .generate()
            .unwrap();
        assert_eq!(centers.dim(), (3, 3));
        assert!(centers.iter().all(|c| (-10.0..10.0).contains(c)));
        let y = labels(&ds);
        assert_eq!(
            (count(&y, 0), count(&y, 1), count(&y, 2)),
            (1001, 1000, 1000)
        );
        for (c, want_sd) in [(0, 0.5), (1, 1.0), (2, 2.0)] {
            let rows: Vec<usize> = (0..3001).filter(|&i| y[i] == c).collect();
            let x = ds.features().select(Axis(0), &rows);
            let mean = x.mean_axis(Axis(0)).unwrap();
            let sd = (x.var_axis(Axis(0), 0.0).mean().unwrap()).sqrt();
            assert!(
                (&mean - &centers.row(c)).iter().all(|d| d.abs() < 0.2),
                "{mean} vs {}",
                centers.row(c)
            );
            assert!((sd - want_sd).abs() < 0.1 * want_sd, "{sd} vs {want_sd}");
        }
        let given = ndarray::array![[0.0, 0.0], [5.0, 5.0]];
        let (ds, c) = MakeBlobs::default()
            .centers(Centers::Given(given.clone()))
            .generate()
            .unwrap();
        assert_eq!((ds.n_features(), c), (2, given));
        assert!(MakeBlobs::default()
            .cluster_std(vec![1.0, 2.0])
            .generate()
            .is_err());
    }

    // Expected values: reference/preprocessing.py, scikit-learn 1.9.1 (noise-free, unshuffled).
    #[test]
    fn noise_free_moons_and_circles_match_scikit_learn() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/preprocessing/generators.json"
        );
        let root: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for case in root["cases"].as_array().unwrap() {
            let n = case["n_samples"].as_u64().unwrap() as usize;
            let ds = match case["generator"].as_str().unwrap() {
                "moons" => MakeMoons::default().n_samples(n).shuffle(false).generate(),
                _ => MakeCircles::default()
                    .n_samples(n)
                    .factor(case["factor"].as_f64().unwrap())
                    .shuffle(false)
                    .generate(),
            }
            .unwrap();
            assert_close(
                &ds.features().to_owned(),
                &matrix(&case["x"]),
                1e-12,
                "curve points",
            );
            let want: Vec<usize> = case["y"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(labels(&ds), want);
        }
    }

    #[test]
    fn noisy_shuffled_curves_keep_their_classes() {
        let ds = MakeMoons::default()
            .n_samples(501)
            .noise(0.05)
            .seed(1)
            .generate()
            .unwrap();
        let y = labels(&ds);
        assert_eq!((count(&y, 0), count(&y, 1)), (250, 251));
        let x = ds.features();
        // Class 0 is the upper moon: its points lie above y = -0.3 despite the noise.
        assert!((0..501).filter(|&i| y[i] == 0).all(|i| x[[i, 1]] > -0.3));
        let c = MakeCircles::default()
            .factor(0.3)
            .noise(0.01)
            .seed(2)
            .generate()
            .unwrap();
        let (x, y) = (c.features(), labels(&c));
        for i in 0..100 {
            let r = x.row(i).dot(&x.row(i)).sqrt();
            let want = if y[i] == 0 { 1.0 } else { 0.3 };
            assert!((r - want).abs() < 0.1, "radius {r} for class {}", y[i]);
        }
        assert!(MakeCircles::default().factor(1.0).generate().is_err());
        assert!(MakeMoons::default().noise(-1.0).generate().is_err());
    }

    #[test]
    fn generate_by_name_takes_settings() {
        let s = |k: &str, v: &str| (k.to_string(), v.to_string());
        let ds = generate(
            "classification",
            &[
                s("n_samples", "30"),
                s("weights", "0.5,0.5"),
                s("seed", "3"),
            ],
        )
        .unwrap();
        assert_eq!(ds.n_samples(), 30);
        let ds = generate("blobs", &[s("centers", "4"), s("cluster_std", "0.1")]).unwrap();
        assert_eq!(ds.n_classes(), Some(4));
        let err = generate("moons", &[s("nosie", "0.1")]).unwrap_err();
        assert!(err.to_string().contains("nosie"), "{err}");
        assert!(generate("spirals", &[]).is_err());
        for name in NAMES {
            assert!(params(name).is_some_and(|p| !p.is_empty()));
            assert!(generate(name, &[]).is_ok(), "{name} with defaults");
        }
    }
}
