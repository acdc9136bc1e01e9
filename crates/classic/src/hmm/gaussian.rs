//! Gaussian emissions: state $k$ emits $o \in \mathbb{R}^d$ from $\mathcal{N}(\mu_k, \Sigma_k)$,
//! with the covariance shaped as hmmlearn's `covariance_type`:
//!
//! - **diag**: $\Sigma_k = \operatorname{diag}(\sigma^2_k)$, `K x d` variances;
//! - **spherical**: $\Sigma_k = \sigma^2_k I$, `K` variances;
//! - **full**: any symmetric positive definite $\Sigma_k$, `K x d x d`;
//! - **tied**: one $\Sigma$ shared by every state, `d x d`.
//!
//! $\log p(o \mid k) = -\frac12\big(d \log 2\pi + \log|\Sigma_k| + \|L_k^{-1}(o - \mu_k)\|^2\big)$
//! with the Cholesky factor $\Sigma_k = L_k L_k^\top$.
//!
//! **M-step** (hmmlearn's, after Huang, Acero, Hon, *Spoken Language Processing*, 2001,
//! pp. 443-445), from the posteriors $\gamma_t(k)$ of the E-step, $n_k = \sum_t \gamma_t(k)$:
//! $\mu_k = \sum_t \gamma_t(k) o_t / n_k$ and, with the scatter
//! $C_k = \sum_t \gamma_t(k) (o_t - \mu_k)(o_t - \mu_k)^\top$ and the prior pseudo-covariance
//! $s$ = `covars_prior` ($10^{-2}$, which keeps a state that explains one point from
//! collapsing; hmmlearn adds it to *every* entry of the full and tied matrices):
//! diag $\sigma^2_{kj} = (s + C_{k,jj}) / \max(n_k, 10^{-5})$; spherical the mean over $j$ of
//! those; full $\Sigma_k = (s\,\mathbf{1}\mathbf{1}^\top + C_k) / n_k$; tied
//! $\Sigma = (s\,\mathbf{1}\mathbf{1}^\top + \sum_k C_k) / \sum_k n_k$. Random starts put every
//! state at the data's covariance plus `min_covar` $= 10^{-3}$ on the diagonal.
//!
//! Cost per sequence of length $T$: $O(T K d)$ (diag, spherical), $O(T K d^2 + K d^3)$ (full,
//! tied). Reference: L. R. Rabiner, Proc. IEEE 77(2), 1989; hmmlearn 0.3.3 `GaussianHMM`,
//! which the tests reproduce.
//!
//! ```
//! use breadth_classic::hmm::{CovarianceType, Emission, GaussianEmission};
//! use ndarray::array;
//! let e = GaussianEmission::full(array![[0.0, 0.0]], array![[[2.0, 1.0], [1.0, 2.0]]]).unwrap();
//! assert_eq!(e.covariance_type(), CovarianceType::Full);
//! let lp = e.log_prob(&array![[0.0, 0.0]]);
//! // log N(0; 0, S) = -log(2 pi) - log|S| / 2 with |S| = 3.
//! assert!((lp[[0, 0]] + (2.0 * std::f64::consts::PI).ln() + 0.5 * 3f64.ln()).abs() < 1e-12);
//! ```

use std::str::FromStr;

use breadth_core::{Error, Result, Rng};
use ndarray::{s, Array1, Array2, Array3, ArrayView2, Axis};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::emission::Emission;

/// The shape of the states' covariances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CovarianceType {
    /// One variance per state and feature.
    Diag,
    /// One variance per state.
    Spherical,
    /// A full matrix per state.
    Full,
    /// One full matrix shared by the states.
    Tied,
}

impl FromStr for CovarianceType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "diag" => Self::Diag,
            "spherical" => Self::Spherical,
            "full" => Self::Full,
            "tied" => Self::Tied,
            _ => return Err("expected diag, spherical, full or tied".into()),
        })
    }
}

/// The covariance parameters, as hmmlearn stores them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Covars {
    Diag(Array2<f64>),
    Spherical(Array1<f64>),
    Full(Array3<f64>),
    Tied(Array2<f64>),
}

/// Normal emissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianEmission {
    means: Array2<f64>,
    covars: Covars,
    covars_prior: f64,
}

/// Statistics of [`GaussianEmission`]: $n_k$, $\sum_t \gamma_t(k) o_t$ and the second moments
/// $\sum_t \gamma_t(k) o_t^2$ (diag, spherical) or $\sum_t \gamma_t(k) o_t o_t^\top$ (full, tied).
#[derive(Debug, Clone)]
pub struct GaussianStats {
    post: Array1<f64>,
    obs: Array2<f64>,
    second: Array3<f64>,
}

/// Lower Cholesky factor of a symmetric positive definite matrix, `None` when it is not.
fn cholesky(a: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
    let d = a.nrows();
    let mut l = Array2::<f64>::zeros((d, d));
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = a[[i, j]] - (0..j).map(|p| l[[i, p]] * l[[j, p]]).sum::<f64>();
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[[i, i]] = s.sqrt();
            } else {
                l[[i, j]] = s / l[[j, j]];
            }
        }
    }
    Some(l)
}

/// The factor of a covariance the M-step produced; like hmmlearn, a matrix that is
/// numerically singular gets $10^{-7}$ more on its diagonal (and more, until it factors).
fn robust_cholesky(a: ArrayView2<'_, f64>) -> Array2<f64> {
    let mut jitter = 0.0;
    loop {
        let m = &a + &(Array2::<f64>::eye(a.nrows()) * jitter);
        if let Some(l) = cholesky(m.view()) {
            return l;
        }
        jitter = if jitter == 0.0 { 1e-7 } else { jitter * 10.0 };
    }
}

fn check_spd(name: &str, m: ArrayView2<'_, f64>) -> Result<()> {
    let symmetric = m
        .indexed_iter()
        .all(|((i, j), &v)| (v - m[[j, i]]).abs() <= 1e-8 * (1.0 + v.abs()));
    if !symmetric || m.iter().any(|v| !v.is_finite()) || cholesky(m).is_none() {
        return Err(Error::param(
            name,
            "covariance matrices must be finite, symmetric and positive definite",
        ));
    }
    Ok(())
}

impl GaussianEmission {
    fn build(means: Array2<f64>, covars: Covars) -> Result<Self> {
        let (k, d) = means.dim();
        if k == 0 || d == 0 || means.iter().any(|v| !v.is_finite()) {
            return Err(Error::param(
                "means",
                "needs at least one state and one feature, all finite",
            ));
        }
        let positive = |v: &f64| v.is_finite() && *v > 0.0;
        match &covars {
            Covars::Diag(c) => {
                if c.dim() != (k, d) {
                    return Err(Error::shape(
                        "diag variances",
                        format!("{k} x {d}"),
                        format!("{:?}", c.dim()),
                    ));
                }
                if !c.iter().all(positive) {
                    return Err(Error::param("covars", "variances must be finite and > 0"));
                }
            }
            Covars::Spherical(c) => {
                if c.len() != k {
                    return Err(Error::shape("spherical variances", k, c.len()));
                }
                if !c.iter().all(positive) {
                    return Err(Error::param("covars", "variances must be finite and > 0"));
                }
            }
            Covars::Full(c) => {
                if c.dim() != (k, d, d) {
                    return Err(Error::shape(
                        "full covariances",
                        format!("{k} x {d} x {d}"),
                        format!("{:?}", c.dim()),
                    ));
                }
                for m in c.outer_iter() {
                    check_spd("covars", m)?;
                }
            }
            Covars::Tied(c) => {
                if c.dim() != (d, d) {
                    return Err(Error::shape(
                        "tied covariance",
                        format!("{d} x {d}"),
                        format!("{:?}", c.dim()),
                    ));
                }
                check_spd("covars", c.view())?;
            }
        }
        Ok(GaussianEmission {
            means,
            covars,
            covars_prior: 1e-2,
        })
    }

    /// Diagonal covariances: means and variances, both `K x d`, variances > 0.
    pub fn new(means: Array2<f64>, covars: Array2<f64>) -> Result<Self> {
        Self::build(means, Covars::Diag(covars))
    }

    /// Spherical covariances: means `K x d` and one variance per state.
    pub fn spherical(means: Array2<f64>, variances: Array1<f64>) -> Result<Self> {
        Self::build(means, Covars::Spherical(variances))
    }

    /// Full covariances: means `K x d` and `K x d x d` symmetric positive definite matrices.
    pub fn full(means: Array2<f64>, covars: Array3<f64>) -> Result<Self> {
        Self::build(means, Covars::Full(covars))
    }

    /// One covariance (`d x d`, symmetric positive definite) shared by the states.
    pub fn tied(means: Array2<f64>, covar: Array2<f64>) -> Result<Self> {
        Self::build(means, Covars::Tied(covar))
    }

    /// Set the prior pseudo-covariance $s$ of the M-step (hmmlearn's `covars_prior`).
    pub fn with_covars_prior(mut self, s: f64) -> Result<Self> {
        breadth_core::validate::non_negative("covars_prior", s)?;
        self.covars_prior = s;
        Ok(self)
    }

    /// The shape of the covariances.
    pub fn covariance_type(&self) -> CovarianceType {
        match self.covars {
            Covars::Diag(_) => CovarianceType::Diag,
            Covars::Spherical(_) => CovarianceType::Spherical,
            Covars::Full(_) => CovarianceType::Full,
            Covars::Tied(_) => CovarianceType::Tied,
        }
    }

    /// Means $\mu$ (`K x d`).
    pub fn means(&self) -> &Array2<f64> {
        &self.means
    }

    /// The variances of each state and feature (`K x d`): the diagonals of the covariances.
    pub fn covars(&self) -> Array2<f64> {
        let full = self.covariances();
        Array2::from_shape_fn(self.means.dim(), |(k, j)| full[[k, j, j]])
    }

    /// Each state's covariance matrix (`K x d x d`), whatever the type (hmmlearn's `covars_`).
    pub fn covariances(&self) -> Array3<f64> {
        let (k, d) = self.means.dim();
        match &self.covars {
            Covars::Diag(c) => {
                Array3::from_shape_fn((k, d, d), |(s, i, j)| if i == j { c[[s, i]] } else { 0.0 })
            }
            Covars::Spherical(c) => {
                Array3::from_shape_fn((k, d, d), |(s, i, j)| if i == j { c[s] } else { 0.0 })
            }
            Covars::Full(c) => c.clone(),
            Covars::Tied(c) => Array3::from_shape_fn((k, d, d), |(_, i, j)| c[[i, j]]),
        }
    }

    /// A random start with the given covariance shape (see [`Emission::random_init`]).
    pub fn random_init_with(
        seqs: &[Array2<f64>],
        k: usize,
        kind: CovarianceType,
        rng: &mut Rng,
    ) -> Result<Self> {
        let views: Vec<ArrayView2<'_, f64>> = seqs.iter().map(|s| s.view()).collect();
        let all = ndarray::concatenate(Axis(0), &views).map_err(|_| {
            Error::param(
                "sequences",
                "all sequences need the same number of features",
            )
        })?;
        if all.nrows() < k {
            return Err(Error::param(
                "n_states",
                format!(
                    "{k} states need at least {k} observations, got {}",
                    all.nrows()
                ),
            ));
        }
        breadth_core::validate::check_finite(all.view(), "sequences")?;
        // Means at k distinct random observations; covariances that of all the data plus
        // `min_covar` = 1e-3 on the diagonal (hmmlearn's start).
        let picks = rand::seq::index::sample(rng, all.nrows(), k).into_vec();
        let means = all.select(Axis(0), &picks);
        let (n, d) = all.dim();
        let centred = &all - &all.mean_axis(Axis(0)).expect("rows");
        let cov = centred.t().dot(&centred) / n as f64 + Array2::<f64>::eye(d) * 1e-3;
        let diag = cov.diag().to_owned();
        match kind {
            CovarianceType::Diag => {
                Self::new(means, Array2::from_shape_fn((k, d), |(_, j)| diag[j]))
            }
            CovarianceType::Spherical => {
                Self::spherical(means, Array1::from_elem(k, diag.mean().unwrap_or(1.0)))
            }
            CovarianceType::Full => Self::full(
                means,
                Array3::from_shape_fn((k, d, d), |(_, i, j)| cov[[i, j]]),
            ),
            CovarianceType::Tied => Self::tied(means, cov),
        }
    }

    /// The Cholesky factor of each state's covariance.
    fn factors(&self) -> Vec<Array2<f64>> {
        self.covariances()
            .outer_iter()
            .map(robust_cholesky)
            .collect()
    }
}

impl Emission for GaussianEmission {
    type Seq = Array2<f64>;
    type Stats = GaussianStats;

    fn n_states(&self) -> usize {
        self.means.nrows()
    }
    fn seq_len(seq: &Array2<f64>) -> usize {
        seq.nrows()
    }
    fn check(&self, seq: &Array2<f64>, which: usize) -> Result<()> {
        if seq.ncols() != self.means.ncols() {
            return Err(Error::shape(
                format!("features of sequence {which}"),
                self.means.ncols(),
                seq.ncols(),
            ));
        }
        breadth_core::validate::check_finite(seq.view(), &format!("sequence {which}"))
    }
    fn log_prob(&self, seq: &Array2<f64>) -> Array2<f64> {
        let (k, d) = self.means.dim();
        let log2pi = d as f64 * (2.0 * std::f64::consts::PI).ln();
        let mut out = Array2::zeros((seq.nrows(), k));
        match &self.covars {
            Covars::Diag(_) | Covars::Spherical(_) => {
                let var = self.covars();
                let inv = var.mapv(f64::recip);
                let consts: Vec<f64> = var
                    .outer_iter()
                    .map(|c| -0.5 * (log2pi + c.mapv(f64::ln).sum()))
                    .collect();
                for (o, mut row) in seq.outer_iter().zip(out.outer_iter_mut()) {
                    for s in 0..k {
                        let (mu, iv) = (self.means.row(s), inv.row(s));
                        let quad: f64 = (0..d)
                            .map(|j| (o[j] - mu[j]) * (o[j] - mu[j]) * iv[j])
                            .sum();
                        row[s] = consts[s] - 0.5 * quad;
                    }
                }
            }
            Covars::Full(_) | Covars::Tied(_) => {
                let mut z = vec![0.0; d];
                for (s, l) in self.factors().iter().enumerate() {
                    let log_det: f64 = 2.0 * l.diag().mapv(f64::ln).sum();
                    let mu = self.means.row(s);
                    for (t, o) in seq.outer_iter().enumerate() {
                        // Forward substitution: z = L^{-1} (o - mu).
                        for i in 0..d {
                            let acc: f64 = (0..i).map(|p| l[[i, p]] * z[p]).sum();
                            z[i] = (o[i] - mu[i] - acc) / l[[i, i]];
                        }
                        let quad: f64 = z.iter().map(|v| v * v).sum();
                        out[[t, s]] = -0.5 * (log2pi + quad + log_det);
                    }
                }
            }
        }
        out
    }
    fn zero_stats(&self) -> GaussianStats {
        let (k, d) = self.means.dim();
        let second = match self.covars {
            Covars::Diag(_) | Covars::Spherical(_) => Array3::zeros((k, 1, d)),
            Covars::Full(_) | Covars::Tied(_) => Array3::zeros((k, d, d)),
        };
        GaussianStats {
            post: Array1::zeros(k),
            obs: Array2::zeros((k, d)),
            second,
        }
    }
    fn accumulate(&self, stats: &mut GaussianStats, seq: &Array2<f64>, gamma: ArrayView2<'_, f64>) {
        stats.post += &gamma.sum_axis(Axis(0));
        stats.obs += &gamma.t().dot(seq);
        if stats.second.dim().1 == 1 {
            let sq = gamma.t().dot(&seq.mapv(|v| v * v));
            let mut m = stats.second.index_axis_mut(Axis(1), 0);
            m += &sq;
        } else {
            for s in 0..self.n_states() {
                // sum_t gamma_t(s) o_t o_t^T as one GEMM of the weighted rows.
                let weighted = seq * &gamma.column(s).insert_axis(Axis(1));
                let mut m = stats.second.index_axis_mut(Axis(0), s);
                m += &weighted.t().dot(seq);
            }
        }
    }
    fn merge(stats: &mut GaussianStats, other: GaussianStats) {
        stats.post += &other.post;
        stats.obs += &other.obs;
        stats.second += &other.second;
    }
    fn m_step(&mut self, st: &GaussianStats) {
        let (k, d) = self.means.dim();
        let prior = self.covars_prior;
        for s in 0..k {
            if st.post[s] > 0.0 {
                let mu = &st.obs.row(s) / st.post[s];
                self.means.row_mut(s).assign(&mu);
            }
        }
        // The scatter C_k around the new means, from the moments.
        let scatter = |s: usize| -> Array2<f64> {
            let (n, mu, o) = (st.post[s], self.means.row(s), st.obs.row(s));
            Array2::from_shape_fn((d, d), |(i, j)| {
                st.second[[s, i, j]] - o[i] * mu[j] - mu[i] * o[j] + mu[i] * mu[j] * n
            })
        };
        let var_row = |s: usize| -> Array1<f64> {
            let n = st.post[s];
            Array1::from_shape_fn(d, |j| {
                let (mu, o) = (self.means[[s, j]], st.obs[[s, j]]);
                let c = st.second[[s, 0, j]] - 2.0 * mu * o + mu * mu * n;
                (prior + c) / n.max(1e-5)
            })
        };
        match &mut self.covars {
            Covars::Diag(c) => {
                for s in (0..k).filter(|&s| st.post[s] > 0.0) {
                    c.row_mut(s).assign(&var_row(s));
                }
            }
            Covars::Spherical(c) => {
                for s in (0..k).filter(|&s| st.post[s] > 0.0) {
                    c[s] = var_row(s).mean().expect("d >= 1");
                }
            }
            Covars::Full(c) => {
                for s in (0..k).filter(|&s| st.post[s] > 0.0) {
                    let new = (scatter(s) + prior) / st.post[s];
                    c.index_axis_mut(Axis(0), s).assign(&new);
                }
            }
            Covars::Tied(c) => {
                let total = st.post.sum();
                if total > 0.0 {
                    let sum = (0..k)
                        .filter(|&s| st.post[s] > 0.0)
                        .fold(Array2::<f64>::zeros((d, d)), |acc, s| acc + scatter(s));
                    *c = (sum + prior) / total;
                }
            }
        }
    }
    fn sample(&self, states: &[usize], rng: &mut Rng) -> Array2<f64> {
        let d = self.means.ncols();
        let factors = self.factors();
        let mut out = Array2::zeros((states.len(), d));
        for (t, &s) in states.iter().enumerate() {
            let z: Array1<f64> = (0..d).map(|_| StandardNormal.sample(rng)).collect();
            let x = &self.means.row(s) + &factors[s].dot(&z);
            out.slice_mut(s![t, ..]).assign(&x);
        }
        out
    }
    fn random_init(seqs: &[Array2<f64>], k: usize, rng: &mut Rng) -> Result<Self> {
        Self::random_init_with(seqs, k, CovarianceType::Diag, rng)
    }
}
