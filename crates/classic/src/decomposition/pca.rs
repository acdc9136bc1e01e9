//! Principal component analysis (scikit-learn's `PCA`): exact (SVD or covariance
//! eigendecomposition) or randomized, explained variance and its ratio, whitening,
//! `inverse_transform`.
//!
//! With the column means $\mu$ and centred data $X_c = X - \mathbf{1}\mu^\top = U \Sigma V^\top$
//! ($n \times d$), the components are the first $k$ rows of $V^\top$, the explained variances
//! $\lambda_j = \sigma_j^2 / (n-1)$ (the eigenvalues of the sample covariance
//! $C = X_c^\top X_c / (n-1)$), and
//! $$ \mathrm{transform}(x) = V_k^\top (x - \mu) \quad (\text{divided by } \sqrt{\lambda_j}
//! \text{ when whitening}), \qquad \mathrm{inverse}(z) = V_k z + \mu. $$
//! Signs follow scikit-learn's `svd_flip(u_based_decision=False)`: the largest-magnitude entry of
//! each component is positive.
//!
//! Solvers: `full` (thin SVD, $O(nd\min(n,d))$), `covariance_eigh` (half a GEMM for $C$, without a
//! centred copy of $X$, see [`covariance`](super::linalg::covariance), then a $d \times d$
//! eigendecomposition, $O(nd^2/2 + d^3)$, the fastest when $n \gg d$), `randomized` (Halko et al.
//! 2011, $O(ndk)$), and `auto`, which picks among them with scikit-learn's rule. Reference:
//! Jolliffe, *Principal Component Analysis*, 2nd ed., Springer 2002.
//!
//! ```
//! use breadth_classic::decomposition::pca::{NComponents, PcaParams};
//! use breadth_core::{Dataset, Fit, Transformer};
//! use ndarray::array;
//! let x = array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]];
//! let pca = PcaParams::default().n_components(NComponents::Count(1)).fit(&Dataset::new(x.clone())).unwrap();
//! assert!((pca.explained_variance_ratio()[0] - 1.0).abs() < 1e-12);
//! let back = pca.inverse_transform(pca.transform(x.view()).unwrap().view()).unwrap();
//! assert!((back - x).iter().all(|v| v.abs() < 1e-12));
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{seeded_rng, Dataset, Error, Fit, Result, Transformer};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::linalg::{
    column_means, covariance, matmul, randomized_svd, svd_flip, sym_eigen, thin_svd, Dense,
};

/// How many components to keep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum NComponents {
    /// `min(n_samples, n_features)`.
    All,
    /// Exactly this many.
    Count(usize),
    /// The fewest whose explained variance ratios sum above this fraction in (0, 1).
    Variance(f64),
}

impl FromStr for NComponents {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "all" {
            return Ok(Self::All);
        }
        if let Ok(k) = s.parse::<usize>() {
            return Ok(Self::Count(k));
        }
        match s.parse::<f64>() {
            Ok(f) if f > 0.0 && f < 1.0 => Ok(Self::Variance(f)),
            _ => Err("expected all, a count, or a variance fraction in (0, 1)".into()),
        }
    }
}

impl std::fmt::Display for NComponents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Count(k) => write!(f, "{k}"),
            Self::Variance(v) => write!(f, "{v}"),
        }
    }
}

impl NComponents {
    /// The count for data of rank at most `max`, refusing counts above it.
    pub(crate) fn count(&self, max: usize) -> Result<usize> {
        match *self {
            Self::All => Ok(max),
            Self::Count(k) if k >= 1 && k <= max => Ok(k),
            Self::Count(k) => Err(Error::param(
                "n_components",
                format!("must lie in 1..={max} (min of rows and columns), got {k}"),
            )),
            Self::Variance(_) => Ok(max),
        }
    }
}

/// The PCA solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PcaSolver {
    /// scikit-learn's rule: `covariance_eigh` when `d <= 1000` and `n >= 10 d`; `full` for small
    /// inputs; `randomized` when few components are wanted; `full` otherwise.
    Auto,
    /// Thin SVD of the centred data.
    Full,
    /// Eigendecomposition of the covariance matrix.
    CovarianceEigh,
    /// Randomized SVD (approximate).
    Randomized,
}

impl FromStr for PcaSolver {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "auto" => Self::Auto,
            "full" => Self::Full,
            "covariance_eigh" => Self::CovarianceEigh,
            "randomized" => Self::Randomized,
            _ => return Err("expected auto, full, covariance_eigh or randomized".into()),
        })
    }
}

impl std::fmt::Display for PcaSolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Full => "full",
            Self::CovarianceEigh => "covariance_eigh",
            Self::Randomized => "randomized",
        })
    }
}

/// Hyper-parameters of PCA.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaParams {
    /// Components to keep.
    pub n_components: NComponents,
    /// Scale the outputs to unit variance.
    pub whiten: bool,
    /// The solver.
    pub solver: PcaSolver,
    /// Extra random directions of the randomized solver.
    pub n_oversamples: usize,
    /// Power iterations of the randomized solver.
    pub n_iter: usize,
    /// Seed of the randomized solver.
    pub seed: u64,
}

impl Default for PcaParams {
    fn default() -> Self {
        PcaParams {
            n_components: NComponents::All,
            whiten: false,
            solver: PcaSolver::Auto,
            n_oversamples: 10,
            n_iter: 7,
            seed: 0,
        }
    }
}

impl PcaParams {
    /// Set the number of components.
    pub fn n_components(mut self, n: NComponents) -> Self {
        self.n_components = n;
        self
    }
    /// Whiten the outputs.
    pub fn whiten(mut self, whiten: bool) -> Self {
        self.whiten = whiten;
        self
    }
    /// Set the solver.
    pub fn solver(mut self, solver: PcaSolver) -> Self {
        self.solver = solver;
        self
    }
    /// Set the power iterations of the randomized solver.
    pub fn n_iter(mut self, n_iter: usize) -> Self {
        self.n_iter = n_iter;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Configurable for PcaParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "n_components",
                self.n_components,
                "all | count | variance fraction in (0, 1)",
            ),
            ParamSpec::new("whiten", self.whiten, "scale outputs to unit variance"),
            ParamSpec::new(
                "solver",
                self.solver,
                "auto | full | covariance_eigh | randomized",
            ),
            ParamSpec::new(
                "n_oversamples",
                self.n_oversamples,
                "extra directions (randomized)",
            ),
            ParamSpec::new("n_iter", self.n_iter, "power iterations (randomized)"),
            ParamSpec::new("seed", self.seed, "seed (randomized)"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_components" => self.n_components = parse_param(name, value)?,
            "whiten" => self.whiten = parse_param(name, value)?,
            "solver" => self.solver = parse_param(name, value)?,
            "n_oversamples" => self.n_oversamples = parse_param(name, value)?,
            "n_iter" => self.n_iter = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted PCA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pca {
    mean: Array1<f64>,
    components: Array2<f64>,
    explained_variance: Array1<f64>,
    explained_variance_ratio: Array1<f64>,
    singular_values: Array1<f64>,
    noise_variance: f64,
    whiten: bool,
}

impl Pca {
    /// Principal axes, `k x d`, rows orthonormal, in decreasing order of variance.
    pub fn components(&self) -> &Array2<f64> {
        &self.components
    }
    /// Variance along each component (`ddof = 1`).
    pub fn explained_variance(&self) -> &Array1<f64> {
        &self.explained_variance
    }
    /// Share of the total variance along each component.
    pub fn explained_variance_ratio(&self) -> &Array1<f64> {
        &self.explained_variance_ratio
    }
    /// Singular values of the centred data for the kept components.
    pub fn singular_values(&self) -> &Array1<f64> {
        &self.singular_values
    }
    /// Column means subtracted before projecting.
    pub fn mean(&self) -> &Array1<f64> {
        &self.mean
    }
    /// Mean variance of the discarded directions (probabilistic PCA's noise, Tipping & Bishop).
    pub fn noise_variance(&self) -> f64 {
        self.noise_variance
    }

    /// Build from a full or truncated spectrum: `vt` rows are directions, `var` their variances,
    /// `total_var` the total variance and `rank` the number of directions of the full problem.
    pub(crate) fn from_spectrum(
        mean: Array1<f64>,
        vt: Array2<f64>,
        var: Array1<f64>,
        total_var: f64,
        rank: usize,
        n_samples: usize,
        n_components: NComponents,
        whiten: bool,
    ) -> Result<Pca> {
        let ratio_all = var.mapv(|v| if total_var > 0.0 { v / total_var } else { 0.0 });
        let k = match n_components {
            NComponents::Variance(frac) => {
                let mut acc = 0.0;
                let mut k = ratio_all.len();
                for (j, r) in ratio_all.iter().enumerate() {
                    acc += r;
                    if acc > frac {
                        k = j + 1;
                        break;
                    }
                }
                k
            }
            other => other.count(rank)?.min(var.len()),
        };
        let kept: f64 = var.iter().take(k).sum();
        let noise_variance = if k < rank {
            ((total_var - kept) / (rank - k) as f64).max(0.0)
        } else {
            0.0
        };
        Ok(Pca {
            mean,
            components: vt.slice(ndarray::s![..k, ..]).to_owned(),
            singular_values: var
                .slice(ndarray::s![..k])
                .mapv(|v| (v * (n_samples as f64 - 1.0)).max(0.0).sqrt()),
            explained_variance: var.slice(ndarray::s![..k]).to_owned(),
            explained_variance_ratio: ratio_all.slice(ndarray::s![..k]).to_owned(),
            noise_variance,
            whiten,
        })
    }
}

/// Column means and the centred copy of `x`.
pub(crate) fn center(x: ArrayView2<'_, f64>) -> (Array1<f64>, Array2<f64>) {
    let mean = x.mean_axis(Axis(0)).expect("non-empty");
    let centred = &x - &mean;
    (mean, centred)
}

impl PcaParams {
    fn chosen_solver(&self, n: usize, d: usize) -> PcaSolver {
        match self.solver {
            PcaSolver::Auto => {
                let k = match self.n_components {
                    NComponents::Count(k) => k as f64,
                    _ => f64::INFINITY,
                };
                if d <= 1000 && n >= 10 * d {
                    PcaSolver::CovarianceEigh
                } else if n.max(d) <= 500 {
                    PcaSolver::Full
                } else if k < 0.8 * n.min(d) as f64 {
                    PcaSolver::Randomized
                } else {
                    PcaSolver::Full
                }
            }
            s => s,
        }
    }
}

impl Fit for PcaParams {
    type Fitted = Pca;
    fn fit(&self, data: &Dataset) -> Result<Pca> {
        check_fit_input(data)?;
        let x = data.features();
        let (n, d) = x.dim();
        if n < 2 {
            return Err(Error::param("data", "PCA needs at least 2 rows"));
        }
        let rank = n.min(d);
        let requested = self.n_components.count(rank)?;
        let denom = n as f64 - 1.0;
        match self.chosen_solver(n, d) {
            PcaSolver::Full | PcaSolver::Auto => {
                let (mean, xc) = center(x);
                let (mut u, s, mut vt) = thin_svd(xc.view())?;
                svd_flip(&mut u, &mut vt);
                let var = s.mapv(|v| v * v / denom);
                let total = var.sum();
                Pca::from_spectrum(
                    mean,
                    vt,
                    var,
                    total,
                    rank,
                    n,
                    self.n_components,
                    self.whiten,
                )
            }
            PcaSolver::CovarianceEigh => {
                let mean = column_means(x);
                let cov = covariance(x, mean.view());
                let (vals, vecs) = sym_eigen(cov.view())?;
                let var = vals.mapv(|v| v.max(0.0));
                let total = var.sum();
                let mut vt = vecs.reversed_axes().as_standard_layout().to_owned();
                let mut none = Array2::zeros((0, 0));
                svd_flip(&mut none, &mut vt);
                Pca::from_spectrum(
                    mean,
                    vt,
                    var,
                    total,
                    rank,
                    n,
                    self.n_components,
                    self.whiten,
                )
            }
            PcaSolver::Randomized => {
                if matches!(self.n_components, NComponents::Variance(_)) {
                    return Err(Error::param(
                        "n_components",
                        "a variance fraction needs an exact solver (full or covariance_eigh)",
                    ));
                }
                let mean = x.mean_axis(Axis(0)).expect("non-empty");
                let op = Dense {
                    a: x,
                    mean: Some(&mean),
                };
                let (_, s, vt) = randomized_svd(
                    &op,
                    requested,
                    self.n_oversamples,
                    self.n_iter,
                    &mut seeded_rng(self.seed),
                )?;
                let var = s.mapv(|v| v * v / denom);
                let total = x.var_axis(Axis(0), 1.0).sum();
                Pca::from_spectrum(
                    mean,
                    vt,
                    var,
                    total,
                    rank,
                    n,
                    self.n_components,
                    self.whiten,
                )
            }
        }
    }
}

impl Fitted for Pca {
    fn model_name(&self) -> &'static str {
        "pca"
    }
    fn n_features_in(&self) -> usize {
        self.mean.len()
    }
}

impl Transformer for Pca {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let xc = &x - &self.mean;
        let mut z = matmul(&xc, &self.components.t());
        if self.whiten {
            z /= &self
                .explained_variance
                .mapv(|v| v.sqrt().max(f64::MIN_POSITIVE));
        }
        Ok(z)
    }
    fn inverse_transform(&self, z: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if z.ncols() != self.components.nrows() {
            return Err(Error::shape(
                "inverse_transform input columns",
                self.components.nrows(),
                z.ncols(),
            ));
        }
        let z = if self.whiten {
            &z * &self.explained_variance.mapv(f64::sqrt)
        } else {
            z.to_owned()
        };
        Ok(matmul(&z, &self.components) + &self.mean)
    }
    fn output_names(&self, _input_names: &[String]) -> Vec<String> {
        (0..self.components.nrows())
            .map(|j| format!("pc{j}"))
            .collect()
    }
    fn n_features_out(&self) -> usize {
        self.components.nrows()
    }
}

/// `true` when each row of `a` equals the matching row of `b` or its negative, within `tol`.
#[cfg(test)]
pub(crate) fn equal_up_to_sign(a: &Array2<f64>, b: &Array2<f64>, tol: f64) -> bool {
    a.dim() == b.dim()
        && a.outer_iter().zip(b.outer_iter()).all(|(r, s)| {
            let same = r.iter().zip(s).all(|(p, q)| (p - q).abs() <= tol);
            let flip = r.iter().zip(s).all(|(p, q)| (p + q).abs() <= tol);
            same || flip
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{fixture, matrix, vector};
    use breadth_core::conformance::check_transformer;

    fn close(a: &Array2<f64>, b: &Array2<f64>, tol: f64) -> bool {
        a.dim() == b.dim()
            && a.iter()
                .zip(b)
                .all(|(p, q)| (p - q).abs() <= tol * (1.0 + q.abs()))
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_transformer(&PcaParams::default(), &iris);
        check_transformer(
            &PcaParams::default()
                .whiten(true)
                .n_components(NComponents::Count(2)),
            &iris,
        );
        check_transformer(
            &PcaParams::default()
                .solver(PcaSolver::Randomized)
                .n_components(NComponents::Count(2)),
            &iris,
        );
    }

    #[test]
    fn every_exact_solver_matches_scikit_learn() {
        // reference/unsupervised.py pca (scikit-learn 1.9.1 PCA, svd_solver auto = covariance_eigh).
        let f = fixture("pca");
        let ds = Dataset::new(matrix(&f["x"]));
        for solver in [PcaSolver::Full, PcaSolver::CovarianceEigh, PcaSolver::Auto] {
            let p = PcaParams::default()
                .n_components(NComponents::Count(4))
                .solver(solver)
                .fit(&ds)
                .unwrap();
            assert!(
                equal_up_to_sign(p.components(), &matrix(&f["components"]), 1e-8),
                "{solver}"
            );
            for (a, b) in [
                (p.explained_variance(), vector(&f["explained_variance"])),
                (
                    p.explained_variance_ratio(),
                    vector(&f["explained_variance_ratio"]),
                ),
                (p.singular_values(), vector(&f["singular_values"])),
            ] {
                assert!(
                    a.iter()
                        .zip(&b)
                        .all(|(x, y)| (x - y).abs() <= 1e-10 * (1.0 + y.abs())),
                    "{solver}: {a} vs {b}"
                );
            }
            assert!((p.noise_variance() - f["noise_variance"].as_f64().unwrap()).abs() < 1e-10);
            let x5 = ds.features().slice(ndarray::s![..5, ..]).to_owned();
            let z = p.transform(x5.view()).unwrap();
            assert!(equal_up_to_sign(
                &z.t().to_owned(),
                &matrix(&f["transform"]).t().to_owned(),
                1e-8
            ));
            assert!(close(
                &p.inverse_transform(z.view()).unwrap(),
                &matrix(&f["inverse"]),
                1e-10
            ));
        }
        let w = PcaParams::default()
            .n_components(NComponents::Count(3))
            .whiten(true)
            .fit(&ds)
            .unwrap();
        let x5 = ds.features().slice(ndarray::s![..5, ..]).to_owned();
        let z = w.transform(x5.view()).unwrap();
        assert!(equal_up_to_sign(
            &z.t().to_owned(),
            &matrix(&f["whiten_transform"]).t().to_owned(),
            1e-8
        ));
        assert!(close(
            &w.inverse_transform(z.view()).unwrap(),
            &matrix(&f["whiten_inverse"]),
            1e-10
        ));

        let digits = breadth_data::datasets::load("digits").unwrap();
        let p = PcaParams::default()
            .n_components(NComponents::Count(10))
            .fit(&digits)
            .unwrap();
        assert!(equal_up_to_sign(
            p.components(),
            &matrix(&f["digits_components"]),
            1e-8
        ));
        let ev = vector(&f["digits_explained_variance"]);
        assert!(p
            .explained_variance()
            .iter()
            .zip(&ev)
            .all(|(a, b)| (a - b).abs() <= 1e-10 * b));
    }

    #[test]
    fn randomized_agrees_with_exact() {
        let digits = breadth_data::datasets::load("digits").unwrap();
        let exact = PcaParams::default()
            .n_components(NComponents::Count(5))
            .solver(PcaSolver::Full)
            .fit(&digits)
            .unwrap();
        let rand = PcaParams::default()
            .n_components(NComponents::Count(5))
            .solver(PcaSolver::Randomized)
            .fit(&digits)
            .unwrap();
        assert!(equal_up_to_sign(
            rand.components(),
            exact.components(),
            1e-4
        ));
        for (a, b) in rand
            .explained_variance()
            .iter()
            .zip(exact.explained_variance())
        {
            assert!((a - b).abs() < 1e-6 * b, "{a} vs {b}");
        }
    }

    #[test]
    fn variance_fraction_and_bad_counts() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        let p = PcaParams::default()
            .n_components(NComponents::Variance(0.95))
            .fit(&iris)
            .unwrap();
        // sklearn PCA(0.95).fit(iris).n_components_ == 2
        assert_eq!(p.components().nrows(), 2);
        assert!(PcaParams::default()
            .n_components(NComponents::Count(5))
            .fit(&iris)
            .is_err());
        assert!("1.5".parse::<NComponents>().is_err());
    }
}
