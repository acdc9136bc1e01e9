//! Gaussian mixture models fitted by expectation-maximisation (scikit-learn's
//! `GaussianMixture`), with full, tied, diagonal or spherical covariances.
//!
//! The density is $p(x) = \sum_{k=1}^{K} \pi_k \, \mathcal{N}(x \mid \mu_k, \Sigma_k)$ with
//! weights $\pi_k$, means $\mu_k \in \mathbb{R}^d$ and covariances $\Sigma_k$ (full: one
//! $d \times d$ each; tied: one shared; diag: diagonal; spherical: $\sigma_k^2 I$). EM alternates
//! - E-step: $\log r_{ik} = \log \pi_k + \log \mathcal{N}(x_i \mid \mu_k, \Sigma_k) - \log p(x_i)$,
//!   with $\log p(x_i)$ from a log-sum-exp, so well separated clusters (where densities underflow)
//!   never give NaN;
//! - M-step: $n_k = \sum_i w_i r_{ik}$, $\pi_k = n_k / \sum_i w_i$,
//!   $\mu_k = \sum_i w_i r_{ik} x_i / n_k$,
//!   $\Sigma_k = \sum_i w_i r_{ik} (x_i - \mu_k)(x_i - \mu_k)^\top / n_k + \epsilon I$
//!   (`reg_covar` $= \epsilon$ keeps it positive definite),
//!
//! until the mean log-likelihood changes by less than `tol`. Log densities use the precision
//! Cholesky factor $P_k$ ($\Sigma_k^{-1} = P_k P_k^\top$):
//! $\log \mathcal{N} = -\tfrac12 (d \log 2\pi + \lVert (x - \mu_k)^\top P_k \rVert^2) + \log\det P_k$.
//! Model selection: $\mathrm{BIC} = -2 \ln L + p \ln n$, $\mathrm{AIC} = -2 \ln L + 2p$ with $p$
//! free parameters. Initial responsibilities come from k-means labels or random values;
//! `n_init` restarts keep the best final lower bound.
//!
//! Shapes: `x` is `n x d`; `predict_proba` gives `n x K`. Cost per EM iteration $O(nKd^2)$
//! (full), $O(nKd)$ (diag, spherical). Reference: Bishop, *Pattern Recognition and Machine
//! Learning*, 2006, §9.2.
//!
//! ```
//! use breadth_classic::cluster::gmm::GaussianMixtureParams;
//! use breadth_core::{Clusterer, Dataset, Fit};
//! use ndarray::array;
//! let x = array![[0.0], [0.2], [0.1], [10.0], [10.2], [10.1]];
//! let g = GaussianMixtureParams::new(2).fit(&Dataset::new(x.clone())).unwrap();
//! let p = g.predict_proba(x.view()).unwrap();
//! assert!(p.iter().all(|v| v.is_finite()));
//! assert_ne!(g.labels()[0], g.labels()[3]);
//! ```

use std::f64::consts::PI;
use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::rng::child_seeds;
use breadth_core::validate::{check_fit_input, check_predict_input, non_negative};
use breadth_core::{seeded_rng, Clusterer, Dataset, Error, Fit, Result, Rng};
use ndarray::{Array1, Array2, Array3, ArrayView2, Axis};
use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::kmeans::KMeansParams;
use crate::decomposition::linalg::{matmul, precision_cholesky};

/// The form of the component covariances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CovarianceType {
    /// One general covariance per component.
    Full,
    /// One general covariance shared by all components.
    Tied,
    /// One diagonal covariance per component.
    Diag,
    /// One variance per component ($\sigma_k^2 I$).
    Spherical,
}

impl FromStr for CovarianceType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "full" => Self::Full,
            "tied" => Self::Tied,
            "diag" => Self::Diag,
            "spherical" => Self::Spherical,
            _ => return Err("expected full, tied, diag or spherical".into()),
        })
    }
}

impl std::fmt::Display for CovarianceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Full => "full",
            Self::Tied => "tied",
            Self::Diag => "diag",
            Self::Spherical => "spherical",
        })
    }
}

/// How the first responsibilities are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GmmInit {
    /// One-hot responsibilities from a k-means clustering.
    KMeans,
    /// Uniform random responsibilities, normalised per row.
    Random,
}

impl FromStr for GmmInit {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "kmeans" => Ok(Self::KMeans),
            "random" => Ok(Self::Random),
            _ => Err("expected kmeans or random".into()),
        }
    }
}

impl std::fmt::Display for GmmInit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::KMeans => "kmeans",
            Self::Random => "random",
        })
    }
}

/// Hyper-parameters of a Gaussian mixture.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixtureParams {
    /// Number of components $K$.
    pub n_components: usize,
    /// Covariance form.
    pub covariance_type: CovarianceType,
    /// Stop when the mean log-likelihood improves by less than this.
    pub tol: f64,
    /// Added to covariance diagonals.
    pub reg_covar: f64,
    /// EM iterations per restart.
    pub max_iter: usize,
    /// Restarts; the best final lower bound wins.
    pub n_init: usize,
    /// Initialisation.
    pub init: GmmInit,
    /// Seed of the initialisation.
    pub seed: u64,
}

impl Default for GaussianMixtureParams {
    fn default() -> Self {
        GaussianMixtureParams {
            n_components: 1,
            covariance_type: CovarianceType::Full,
            tol: 1e-3,
            reg_covar: 1e-6,
            max_iter: 100,
            n_init: 1,
            init: GmmInit::KMeans,
            seed: 0,
        }
    }
}

impl GaussianMixtureParams {
    /// Defaults with `k` components.
    pub fn new(n_components: usize) -> Self {
        GaussianMixtureParams {
            n_components,
            ..Default::default()
        }
    }
    /// Set the covariance form.
    pub fn covariance_type(mut self, c: CovarianceType) -> Self {
        self.covariance_type = c;
        self
    }
    /// Set the tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Set the covariance regularisation.
    pub fn reg_covar(mut self, reg: f64) -> Self {
        self.reg_covar = reg;
        self
    }
    /// Set the iteration cap.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// Set the number of restarts.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    /// Set the initialisation.
    pub fn init(mut self, init: GmmInit) -> Self {
        self.init = init;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Configurable for GaussianMixtureParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "n_components",
                self.n_components,
                "number of components K >= 1",
            ),
            ParamSpec::new(
                "covariance_type",
                self.covariance_type,
                "full | tied | diag | spherical",
            ),
            ParamSpec::new(
                "tol",
                self.tol,
                "stop when the mean log-likelihood gains less",
            ),
            ParamSpec::new(
                "reg_covar",
                self.reg_covar,
                "added to covariance diagonals (>= 0)",
            ),
            ParamSpec::new("max_iter", self.max_iter, "EM iterations per restart"),
            ParamSpec::new("n_init", self.n_init, "restarts; the best wins"),
            ParamSpec::new("init", self.init, "kmeans | random"),
            ParamSpec::new("seed", self.seed, "seed of the initialisation"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_components" => self.n_components = parse_param(name, value)?,
            "covariance_type" => self.covariance_type = parse_param(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            "reg_covar" => self.reg_covar = parse_param(name, value)?,
            "max_iter" => self.max_iter = parse_param(name, value)?,
            "n_init" => self.n_init = parse_param(name, value)?,
            "init" => self.init = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The mixture's parameters: weights, means, covariances and their precision factors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Mixture {
    weights: Array1<f64>,
    means: Array2<f64>,
    /// `K x d x d`: full; `1 x d x d`: tied; `K x 1 x d`: diagonal variances; `K x 1 x 1`: spherical.
    covariances: Array3<f64>,
    /// Precision Cholesky factors in the same layout (diagonal forms: $1/\sigma$).
    precisions_chol: Array3<f64>,
}

/// A fitted Gaussian mixture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianMixture {
    covariance_type: CovarianceType,
    mixture: Mixture,
    labels: Array1<i64>,
    converged: bool,
    n_iter: usize,
    lower_bound: f64,
}

/// Numerically safe $\log \sum_j e^{a_j}$ of each row; also returns the row maxima.
fn logsumexp_rows(a: &Array2<f64>) -> Array1<f64> {
    a.outer_iter()
        .map(|r| {
            let m = r.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            if m == f64::NEG_INFINITY {
                return m;
            }
            m + r.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
        })
        .collect()
}

fn estimate(
    x: ArrayView2<'_, f64>,
    resp: &Array2<f64>,
    cov_type: CovarianceType,
    reg: f64,
) -> Result<Mixture> {
    let d = x.ncols();
    let k = resp.ncols();
    let nk = resp.sum_axis(Axis(0)) + 10.0 * f64::EPSILON;
    let means = matmul(&resp.t(), &x) / nk.view().insert_axis(Axis(1));
    let covariances = match cov_type {
        CovarianceType::Full => {
            let mut c = Array3::zeros((k, d, d));
            for j in 0..k {
                let diff = &x - &means.row(j);
                let weighted = &diff * &resp.column(j).insert_axis(Axis(1));
                let mut cj = matmul(&weighted.t(), &diff) / nk[j];
                cj.diag_mut().mapv_inplace(|v| v + reg);
                c.index_axis_mut(Axis(0), j).assign(&cj);
            }
            c
        }
        CovarianceType::Tied => {
            let avg_x2 = matmul(&x.t(), &x);
            let avg_means2 = matmul(&(&means.t() * &nk), &means);
            let mut c = (avg_x2 - avg_means2) / nk.sum();
            c.diag_mut().mapv_inplace(|v| v + reg);
            c.insert_axis(Axis(0))
        }
        CovarianceType::Diag | CovarianceType::Spherical => {
            let x2 = x.mapv(|v| v * v);
            let avg_x2 = matmul(&resp.t(), &x2) / nk.view().insert_axis(Axis(1));
            let avg_means2 = means.mapv(|v| v * v);
            let var = (avg_x2 - avg_means2).mapv(|v| v.max(0.0) + reg);
            if cov_type == CovarianceType::Diag {
                var.insert_axis(Axis(1))
            } else {
                var.mean_axis(Axis(1))
                    .expect("d >= 1")
                    .into_shape_with_order((k, 1, 1))
                    .expect("shape")
            }
        }
    };
    let precisions_chol = precision_factors(&covariances, cov_type)?;
    Ok(Mixture {
        weights: &nk / nk.sum(),
        means,
        covariances,
        precisions_chol,
    })
}

fn precision_factors(cov: &Array3<f64>, cov_type: CovarianceType) -> Result<Array3<f64>> {
    let ill = || {
        Error::numerical(
            "gaussian mixture",
            "a component's covariance is not positive definite (collapsed onto too few \
             distinct points); increase reg_covar or reduce n_components",
        )
    };
    match cov_type {
        CovarianceType::Full | CovarianceType::Tied => {
            let mut out = Array3::zeros(cov.dim());
            for (j, c) in cov.outer_iter().enumerate() {
                out.index_axis_mut(Axis(0), j)
                    .assign(&precision_cholesky(c).ok_or_else(ill)?);
            }
            Ok(out)
        }
        CovarianceType::Diag | CovarianceType::Spherical => {
            if cov.iter().any(|&v| v <= 0.0 || !v.is_finite()) {
                return Err(ill());
            }
            Ok(cov.mapv(|v| 1.0 / v.sqrt()))
        }
    }
}

impl Mixture {
    /// $\log \pi_k + \log \mathcal{N}(x_i \mid \mu_k, \Sigma_k)$, `n x K`.
    fn weighted_log_prob(&self, x: ArrayView2<'_, f64>, cov_type: CovarianceType) -> Array2<f64> {
        let (n, d) = x.dim();
        let k = self.means.nrows();
        let mut out = Array2::zeros((n, k));
        let base = -0.5 * d as f64 * (2.0 * PI).ln();
        for j in 0..k {
            let (log_det, maha): (f64, Array1<f64>) = match cov_type {
                CovarianceType::Full | CovarianceType::Tied => {
                    let p = self.precisions_chol.index_axis(
                        Axis(0),
                        if cov_type == CovarianceType::Full {
                            j
                        } else {
                            0
                        },
                    );
                    let y = matmul(&x, &p.to_owned()) - self.means.row(j).dot(&p);
                    (
                        p.diag().mapv(f64::ln).sum(),
                        y.map_axis(Axis(1), |r| r.dot(&r)),
                    )
                }
                CovarianceType::Diag => {
                    let p = self
                        .precisions_chol
                        .index_axis(Axis(0), j)
                        .row(0)
                        .to_owned();
                    let y = (&x - &self.means.row(j)) * &p;
                    (p.mapv(f64::ln).sum(), y.map_axis(Axis(1), |r| r.dot(&r)))
                }
                CovarianceType::Spherical => {
                    let p = self.precisions_chol[[j, 0, 0]];
                    let diff = &x - &self.means.row(j);
                    (
                        d as f64 * p.ln(),
                        diff.map_axis(Axis(1), |r| r.dot(&r) * p * p),
                    )
                }
            };
            let lw = self.weights[j].ln();
            out.column_mut(j)
                .assign(&maha.mapv(|m| base - 0.5 * m + log_det + lw));
        }
        out
    }

    /// Per-row log-likelihood and log-responsibilities.
    fn e_step(
        &self,
        x: ArrayView2<'_, f64>,
        cov_type: CovarianceType,
    ) -> (Array1<f64>, Array2<f64>) {
        let wlp = self.weighted_log_prob(x, cov_type);
        let norm = logsumexp_rows(&wlp);
        let log_resp = &wlp - &norm.view().insert_axis(Axis(1));
        (norm, log_resp)
    }
}

/// Number of free parameters, for AIC and BIC.
fn n_parameters(cov_type: CovarianceType, k: usize, d: usize) -> usize {
    let cov = match cov_type {
        CovarianceType::Full => k * d * (d + 1) / 2,
        CovarianceType::Tied => d * (d + 1) / 2,
        CovarianceType::Diag => k * d,
        CovarianceType::Spherical => k,
    };
    cov + k * d + k - 1
}

impl GaussianMixtureParams {
    fn validate(&self, n: usize) -> Result<()> {
        if self.n_components == 0 || self.n_components > n {
            return Err(Error::param(
                "n_components",
                format!(
                    "must lie in 1..={n} (the number of rows), got {}",
                    self.n_components
                ),
            ));
        }
        if self.n_init == 0 {
            return Err(Error::param("n_init", "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", "must be at least 1"));
        }
        non_negative("tol", self.tol)?;
        non_negative("reg_covar", self.reg_covar)
    }

    fn initial_resp(
        &self,
        x: ArrayView2<'_, f64>,
        w: &Array1<f64>,
        rng: &mut Rng,
    ) -> Result<Array2<f64>> {
        let (n, k) = (x.nrows(), self.n_components);
        let mut resp = Array2::zeros((n, k));
        match self.init {
            GmmInit::KMeans => {
                let km = KMeansParams::new(k).seed(rng.random()).tol(1e-4);
                let x_sq = super::kmeans::row_sq_norms(x);
                let tol = super::kmeans::scaled_tol(x, km.tol);
                let run = km.run(x, &x_sq, w.as_slice().expect("contiguous"), tol, km.seed);
                for (i, &l) in run.labels.iter().enumerate() {
                    resp[[i, l]] = 1.0;
                }
            }
            GmmInit::Random => {
                resp.mapv_inplace(|_| rng.random::<f64>());
                for mut r in resp.outer_iter_mut() {
                    let s = r.sum();
                    r /= s;
                }
            }
        }
        Ok(resp)
    }

    fn run(
        &self,
        x: ArrayView2<'_, f64>,
        w: &Array1<f64>,
        seed: u64,
    ) -> Result<(Mixture, f64, bool, usize)> {
        let mut rng = seeded_rng(seed);
        let wcol = w.view().insert_axis(Axis(1));
        let resp = self.initial_resp(x, w, &mut rng)?;
        let mut mix = estimate(x, &(&resp * &wcol), self.covariance_type, self.reg_covar)?;
        let mut lower = f64::NEG_INFINITY;
        let total_w = w.sum();
        let (mut converged, mut n_iter) = (false, 0);
        for it in 1..=self.max_iter {
            n_iter = it;
            let prev = lower;
            let (norm, log_resp) = mix.e_step(x, self.covariance_type);
            lower = norm.dot(w) / total_w;
            mix = estimate(
                x,
                &(log_resp.mapv(f64::exp) * wcol),
                self.covariance_type,
                self.reg_covar,
            )?;
            if (lower - prev).abs() < self.tol {
                converged = true;
                break;
            }
        }
        Ok((mix, lower, converged, n_iter))
    }
}

impl Fit for GaussianMixtureParams {
    type Fitted = GaussianMixture;
    fn fit(&self, data: &Dataset) -> Result<GaussianMixture> {
        check_fit_input(data)?;
        self.validate(data.n_samples())?;
        let x = data.features();
        let w = data.weights_or_ones();
        let mut best: Option<(Mixture, f64, bool, usize)> = None;
        for seed in child_seeds(self.seed, self.n_init) {
            let run = self.run(x, &w, seed)?;
            if best.as_ref().is_none_or(|b| run.1 > b.1) {
                best = Some(run);
            }
        }
        let (mixture, lower_bound, converged, n_iter) = best.expect("n_init >= 1");
        let (_, log_resp) = mixture.e_step(x, self.covariance_type);
        let labels = argmax_rows(&log_resp);
        Ok(GaussianMixture {
            covariance_type: self.covariance_type,
            mixture,
            labels,
            converged,
            n_iter,
            lower_bound,
        })
    }
}

fn argmax_rows(a: &Array2<f64>) -> Array1<i64> {
    a.outer_iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &v)| {
                    if v > bv {
                        (i, v)
                    } else {
                        (bi, bv)
                    }
                })
                .0 as i64
        })
        .collect()
}

impl GaussianMixture {
    /// Mixture weights $\pi$.
    pub fn weights(&self) -> &Array1<f64> {
        &self.mixture.weights
    }
    /// Component means, `K x d`.
    pub fn means(&self) -> &Array2<f64> {
        &self.mixture.means
    }
    /// Covariances: `K x d x d` (full), `1 x d x d` (tied), `K x 1 x d` (diag), `K x 1 x 1`
    /// (spherical).
    pub fn covariances(&self) -> &Array3<f64> {
        &self.mixture.covariances
    }
    /// The covariance form.
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariance_type
    }
    /// Whether EM met the tolerance before `max_iter`.
    pub fn converged(&self) -> bool {
        self.converged
    }
    /// EM iterations of the best restart.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
    /// The mean log-likelihood at the last E-step of the best restart.
    pub fn lower_bound(&self) -> f64 {
        self.lower_bound
    }
    /// Log-density $\log p(x_i)$ of each row.
    pub fn score_samples(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        Ok(self.mixture.e_step(x, self.covariance_type).0)
    }
    /// Mean log-likelihood of the rows.
    pub fn score(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        Ok(self.score_samples(x)?.mean().unwrap_or(f64::NAN))
    }
    /// Component posterior probabilities, `n x K`.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(self
            .mixture
            .e_step(x, self.covariance_type)
            .1
            .mapv(f64::exp))
    }
    /// Number of free parameters.
    pub fn n_parameters(&self) -> usize {
        n_parameters(
            self.covariance_type,
            self.mixture.means.nrows(),
            self.mixture.means.ncols(),
        )
    }
    /// Bayesian information criterion on `x` (lower is better).
    pub fn bic(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let n = x.nrows() as f64;
        Ok(-2.0 * self.score(x)? * n + self.n_parameters() as f64 * n.ln())
    }
    /// Akaike information criterion on `x` (lower is better).
    pub fn aic(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        Ok(-2.0 * self.score(x)? * x.nrows() as f64 + 2.0 * self.n_parameters() as f64)
    }
    /// Draw `n` rows from the mixture; returns the rows and their components.
    pub fn sample(&self, n: usize, seed: u64) -> (Array2<f64>, Array1<i64>) {
        let mut rng = seeded_rng(seed);
        let d = self.mixture.means.ncols();
        let mut x = Array2::zeros((n, d));
        let mut comp = Array1::zeros(n);
        let w = self.mixture.weights.to_vec();
        for i in 0..n {
            let j = super::kmeans::draw_weighted(&w, &mut rng);
            comp[i] = j as i64;
            let z = Array1::from_shape_simple_fn(d, || StandardNormal.sample(&mut rng));
            // x = mu + L z with Sigma = L L^T; from P = L^{-T}: solve P^T y = z, i.e. L z.
            let c = &self.mixture.covariances;
            let noise: Array1<f64> = match self.covariance_type {
                CovarianceType::Full | CovarianceType::Tied => {
                    let idx = if self.covariance_type == CovarianceType::Full {
                        j
                    } else {
                        0
                    };
                    cholesky_lower(&c.index_axis(Axis(0), idx).to_owned()).dot(&z)
                }
                CovarianceType::Diag => &c.index_axis(Axis(0), j).row(0).mapv(f64::sqrt) * &z,
                CovarianceType::Spherical => z * c[[j, 0, 0]].sqrt(),
            };
            x.row_mut(i).assign(&(&self.mixture.means.row(j) + &noise));
        }
        (x, comp)
    }
}

/// Lower Cholesky factor of a positive-definite matrix (the fitted covariances are).
fn cholesky_lower(c: &Array2<f64>) -> Array2<f64> {
    let p = precision_cholesky(c.view()).expect("fitted covariances are positive definite");
    // P = L^{-T}  =>  L = P^{-T}; invert the small upper-triangular P by back substitution.
    let d = p.nrows();
    let mut inv = Array2::<f64>::zeros((d, d));
    for col in 0..d {
        for row in (0..=col).rev() {
            let mut s = if row == col { 1.0 } else { 0.0 };
            for m in row + 1..=col {
                s -= p[[row, m]] * inv[[m, col]];
            }
            inv[[row, col]] = s / p[[row, row]];
        }
    }
    inv.reversed_axes()
}

impl Fitted for GaussianMixture {
    fn model_name(&self) -> &'static str {
        "gaussian-mixture"
    }
    fn n_features_in(&self) -> usize {
        self.mixture.means.ncols()
    }
}

impl Clusterer for GaussianMixture {
    fn labels(&self) -> &Array1<i64> {
        &self.labels
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<i64>> {
        check_predict_input(self, x)?;
        Ok(argmax_rows(&self.mixture.e_step(x, self.covariance_type).1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{fixture, matrix, vector};
    use breadth_core::conformance::check_clusterer;

    const TYPES: [CovarianceType; 4] = [
        CovarianceType::Full,
        CovarianceType::Tied,
        CovarianceType::Diag,
        CovarianceType::Spherical,
    ];

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        for c in TYPES {
            check_clusterer(&GaussianMixtureParams::new(3).covariance_type(c), &iris);
        }
        check_clusterer(
            &GaussianMixtureParams::new(2)
                .init(GmmInit::Random)
                .n_init(2),
            &iris,
        );
    }

    #[test]
    fn log_likelihood_matches_scikit_learn() {
        // reference/unsupervised.py gmm (scikit-learn 1.9.1, tol=1e-10, n_init=3).
        let f = fixture("gmm");
        let x = matrix(&f["x"]);
        let ds = Dataset::new(x.clone());
        for c in TYPES {
            let r = &f[c.to_string()];
            let g = GaussianMixtureParams::new(3)
                .covariance_type(c)
                .tol(1e-10)
                .max_iter(2000)
                .n_init(3)
                .fit(&ds)
                .unwrap();
            let score = g.score(x.view()).unwrap();
            let theirs = r["score"].as_f64().unwrap();
            assert!((score - theirs).abs() < 1e-4, "{c}: {score} vs {theirs}");
            assert!(
                (g.bic(x.view()).unwrap() - r["bic"].as_f64().unwrap()).abs()
                    < 1e-4 * x.nrows() as f64 * 2.0,
                "{c} bic"
            );
            assert!(
                (g.aic(x.view()).unwrap() - r["aic"].as_f64().unwrap()).abs()
                    < 1e-4 * x.nrows() as f64 * 2.0,
                "{c} aic"
            );
            // The same optimum, so the same ten first rows' densities (components may be permuted).
            let ss = g.score_samples(x.slice(ndarray::s![..10, ..])).unwrap();
            let theirs = vector(&r["score_samples"]);
            assert!(
                ss.iter().zip(&theirs).all(|(a, b)| (a - b).abs() < 1e-4),
                "{c}: {ss} vs {theirs}"
            );
            let mut ours_w = g.weights().to_vec();
            let mut their_w = vector(&r["weights"]).to_vec();
            ours_w.sort_by(f64::total_cmp);
            their_w.sort_by(f64::total_cmp);
            assert!(
                ours_w
                    .iter()
                    .zip(&their_w)
                    .all(|(a, b)| (a - b).abs() < 1e-4),
                "{c} weights"
            );
        }
    }

    #[test]
    fn bic_ranks_the_true_count_first() {
        let f = fixture("gmm");
        let x = matrix(&f["x"]);
        let ds = Dataset::new(x.clone());
        let bics: Vec<f64> = (1..=6)
            .map(|k| {
                GaussianMixtureParams::new(k)
                    .n_init(3)
                    .fit(&ds)
                    .unwrap()
                    .bic(x.view())
                    .unwrap()
            })
            .collect();
        let best = bics
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0
            + 1;
        assert_eq!(best, 3, "{bics:?}");
        let theirs: Vec<f64> = serde_json::from_value(f["bic_by_k"].clone()).unwrap();
        assert_eq!(
            theirs
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0
                + 1,
            3
        );
    }

    #[test]
    fn far_apart_clusters_give_no_nan_and_samples_follow_the_fit() {
        let x = ndarray::array![
            [0.0, 0.0],
            [0.1, 0.3],
            [-0.2, 0.1],
            [1e4, 1e4],
            [1e4 + 0.2, 1e4],
            [1e4, 1e4 - 0.3]
        ];
        let g = GaussianMixtureParams::new(2)
            .fit(&Dataset::new(x.clone()))
            .unwrap();
        let p = g.predict_proba(x.view()).unwrap();
        assert!(p.iter().all(|v| v.is_finite()));
        assert!(p.outer_iter().all(|r| (r.sum() - 1.0).abs() < 1e-12));
        let (s, comp) = g.sample(4000, 1);
        let j = comp[0] as usize;
        let rows: Vec<usize> = (0..4000).filter(|&i| comp[i] as usize == j).collect();
        let mean = s.select(Axis(0), &rows).mean_axis(Axis(0)).unwrap();
        assert!(
            (&mean - &g.means().row(j)).iter().all(|v| v.abs() < 0.05),
            "{mean}"
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        assert!(GaussianMixtureParams::new(0).fit(&iris).is_err());
        assert!(GaussianMixtureParams::new(3)
            .reg_covar(-1.0)
            .fit(&iris)
            .is_err());
    }
}
