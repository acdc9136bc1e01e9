//! Truncated SVD (scikit-learn's `TruncatedSVD`, latent semantic analysis): the top $k$
//! singular directions of a dense or sparse matrix *without* centring it, so sparse TF-IDF
//! matrices stay sparse.
//!
//! $X \approx U_k \Sigma_k V_k^\top$ ($n \times d$ data, $U_k$: $n \times k$, $\Sigma_k$:
//! the $k$ largest singular values, $V_k^\top$: $k \times d$ `components`);
//! $\mathrm{transform}(x) = V_k^\top x$, so the training rows map to $U_k \Sigma_k$.
//! Explained variance of component $j$ is the variance of column $j$ of $X V_k$, its ratio that
//! over the summed column variances of $X$. Signs follow `svd_flip(u_based_decision=False)`.
//!
//! Solvers: `randomized` (Halko, Martinsson & Tropp 2011; only products with $X$ and $X^\top$,
//! $O(\mathrm{nnz}(X)\,(k+p)(2q+1))$) and `exact` (dense thin SVD, $O(nd\min(n,d))$).
//!
//! ```
//! use breadth_classic::decomposition::truncated_svd::TruncatedSvdParams;
//! use breadth_core::{Dataset, Fit, Transformer};
//! use ndarray::array;
//! let x = array![[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]];
//! let svd = TruncatedSvdParams::new(2).fit(&Dataset::new(x)).unwrap();
//! assert!((svd.singular_values()[0] - 3.0).abs() < 1e-9);
//! assert!((svd.singular_values()[1] - 2.0).abs() < 1e-9);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_finite, check_fit_input, check_predict_input};
use breadth_core::{seeded_rng, Dataset, Error, Fit, Result, Transformer};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sprs::CsMat;

use super::linalg::{matmul, randomized_svd, svd_flip, thin_svd, Dense, LinearOperator};

/// How the singular vectors are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SvdAlgorithm {
    /// Randomized range finder with power iterations.
    Randomized,
    /// Dense thin SVD (sparse input is densified).
    Exact,
}

impl FromStr for SvdAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "randomized" => Ok(Self::Randomized),
            "exact" | "arpack" => Ok(Self::Exact),
            _ => Err("expected randomized or exact".into()),
        }
    }
}

impl std::fmt::Display for SvdAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Randomized => "randomized",
            Self::Exact => "exact",
        })
    }
}

/// Hyper-parameters of truncated SVD.
#[derive(Debug, Clone, PartialEq)]
pub struct TruncatedSvdParams {
    /// Components `k`.
    pub n_components: usize,
    /// The solver.
    pub algorithm: SvdAlgorithm,
    /// Power iterations (randomized).
    pub n_iter: usize,
    /// Extra random directions (randomized).
    pub n_oversamples: usize,
    /// Seed (randomized).
    pub seed: u64,
}

impl Default for TruncatedSvdParams {
    fn default() -> Self {
        TruncatedSvdParams {
            n_components: 2,
            algorithm: SvdAlgorithm::Randomized,
            n_iter: 5,
            n_oversamples: 10,
            seed: 0,
        }
    }
}

impl TruncatedSvdParams {
    /// Defaults with `k` components.
    pub fn new(n_components: usize) -> Self {
        TruncatedSvdParams {
            n_components,
            ..Default::default()
        }
    }
    /// Set the solver.
    pub fn algorithm(mut self, a: SvdAlgorithm) -> Self {
        self.algorithm = a;
        self
    }
    /// Set the power iterations.
    pub fn n_iter(mut self, n: usize) -> Self {
        self.n_iter = n;
        self
    }
}

impl Configurable for TruncatedSvdParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("n_components", self.n_components, "components k"),
            ParamSpec::new("algorithm", self.algorithm, "randomized | exact"),
            ParamSpec::new("n_iter", self.n_iter, "power iterations (randomized)"),
            ParamSpec::new(
                "n_oversamples",
                self.n_oversamples,
                "extra directions (randomized)",
            ),
            ParamSpec::new("seed", self.seed, "seed (randomized)"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_components" => self.n_components = parse_param(name, value)?,
            "algorithm" => self.algorithm = parse_param(name, value)?,
            "n_iter" => self.n_iter = parse_param(name, value)?,
            "n_oversamples" => self.n_oversamples = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted truncated SVD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruncatedSvd {
    components: Array2<f64>,
    singular_values: Array1<f64>,
    explained_variance: Array1<f64>,
    explained_variance_ratio: Array1<f64>,
}

/// A CSR matrix with its transpose, for row-parallel products on both sides.
struct Sparse {
    a: CsMat<f64>,
    at: CsMat<f64>,
}

/// `a m` for CSR `a`, rows in parallel.
fn csr_times(a: &CsMat<f64>, m: &Array2<f64>) -> Array2<f64> {
    let mut out = Array2::zeros((a.rows(), m.ncols()));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(i, mut row)| {
            if let Some(r) = a.outer_view(i) {
                for (j, &v) in r.iter() {
                    row.scaled_add(v, &m.row(j));
                }
            }
        });
    out
}

impl LinearOperator for Sparse {
    fn shape(&self) -> (usize, usize) {
        (self.a.rows(), self.a.cols())
    }
    fn times(&self, m: &Array2<f64>) -> Array2<f64> {
        csr_times(&self.a, m)
    }
    fn times_t(&self, m: &Array2<f64>) -> Array2<f64> {
        csr_times(&self.at, m)
    }
}

impl TruncatedSvdParams {
    fn check(&self, n: usize, d: usize) -> Result<()> {
        if self.n_components == 0 || self.n_components > n.min(d) {
            return Err(Error::param(
                "n_components",
                format!(
                    "must lie in 1..={} (min of rows and columns), got {}",
                    n.min(d),
                    self.n_components
                ),
            ));
        }
        Ok(())
    }

    /// Fit on a sparse CSR matrix (for example TF-IDF), never densifying it for the randomized
    /// solver.
    pub fn fit_sparse(&self, x: &CsMat<f64>) -> Result<TruncatedSvd> {
        let x = if x.is_csr() { x.clone() } else { x.to_csr() };
        let (n, d) = (x.rows(), x.cols());
        if n == 0 || d == 0 {
            return Err(Error::EmptyInput {
                what: "sparse matrix".into(),
                detail: format!("shape {n} x {d}"),
            });
        }
        if let Some(v) = x.data().iter().find(|v| !v.is_finite()) {
            return Err(Error::param(
                "data",
                format!("the sparse matrix holds a non-finite value {v}"),
            ));
        }
        self.check(n, d)?;
        // Column variances from E[x^2] - E[x]^2 over the stored entries.
        let (mut s1, mut s2) = (vec![0.0; d], vec![0.0; d]);
        for (&v, (_, j)) in x.iter() {
            s1[j] += v;
            s2[j] += v * v;
        }
        let total_var: f64 = s1
            .iter()
            .zip(&s2)
            .map(|(a, b)| b / n as f64 - (a / n as f64).powi(2))
            .sum();
        let vt = match self.algorithm {
            SvdAlgorithm::Exact => exact(x.to_dense().view(), self.n_components)?,
            SvdAlgorithm::Randomized => {
                let at = x.transpose_view().to_csr();
                let op = Sparse { a: x.clone(), at };
                self.randomized(&op)?
            }
        };
        let z = csr_times(&x, &vt.t().to_owned());
        Ok(finish(vt, z, total_var))
    }

    fn randomized(&self, op: &impl LinearOperator) -> Result<Array2<f64>> {
        let (_, _, vt) = randomized_svd(
            op,
            self.n_components,
            self.n_oversamples,
            self.n_iter,
            &mut seeded_rng(self.seed),
        )?;
        Ok(vt)
    }
}

fn exact(x: ArrayView2<'_, f64>, k: usize) -> Result<Array2<f64>> {
    let (mut u, _, mut vt) = thin_svd(x)?;
    svd_flip(&mut u, &mut vt);
    Ok(vt.slice_move(ndarray::s![..k, ..]))
}

/// Singular values and explained variances from the projected training rows `z = X V`.
fn finish(components: Array2<f64>, z: Array2<f64>, total_var: f64) -> TruncatedSvd {
    let singular_values = z.map_axis(Axis(0), |c| c.dot(&c).sqrt());
    let explained_variance = z.var_axis(Axis(0), 0.0);
    let explained_variance_ratio =
        explained_variance.mapv(|v| if total_var > 0.0 { v / total_var } else { 0.0 });
    TruncatedSvd {
        components,
        singular_values,
        explained_variance,
        explained_variance_ratio,
    }
}

impl Fit for TruncatedSvdParams {
    type Fitted = TruncatedSvd;
    fn fit(&self, data: &Dataset) -> Result<TruncatedSvd> {
        check_fit_input(data)?;
        let x = data.features();
        self.check(x.nrows(), x.ncols())?;
        let vt = match self.algorithm {
            SvdAlgorithm::Exact => exact(x, self.n_components)?,
            SvdAlgorithm::Randomized => self.randomized(&Dense { a: x, mean: None })?,
        };
        let z = matmul(&x, &vt.t());
        Ok(finish(vt, z, x.var_axis(Axis(0), 0.0).sum()))
    }
}

impl TruncatedSvd {
    /// The directions, `k x d`.
    pub fn components(&self) -> &Array2<f64> {
        &self.components
    }
    /// Singular values of the training data along the components.
    pub fn singular_values(&self) -> &Array1<f64> {
        &self.singular_values
    }
    /// Variance of the training data along each component.
    pub fn explained_variance(&self) -> &Array1<f64> {
        &self.explained_variance
    }
    /// Share of the total variance along each component.
    pub fn explained_variance_ratio(&self) -> &Array1<f64> {
        &self.explained_variance_ratio
    }
    /// Project sparse rows, `n x k`.
    pub fn transform_sparse(&self, x: &CsMat<f64>) -> Result<Array2<f64>> {
        if x.cols() != self.components.ncols() {
            return Err(Error::FeatureCountMismatch {
                model: "truncated-svd".into(),
                expected: self.components.ncols(),
                found: x.cols(),
            });
        }
        let x = if x.is_csr() { x.clone() } else { x.to_csr() };
        Ok(csr_times(&x, &self.components.t().to_owned()))
    }
}

impl Fitted for TruncatedSvd {
    fn model_name(&self) -> &'static str {
        "truncated-svd"
    }
    fn n_features_in(&self) -> usize {
        self.components.ncols()
    }
}

impl Transformer for TruncatedSvd {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(matmul(&x, &self.components.t()))
    }
    fn inverse_transform(&self, z: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if z.ncols() != self.components.nrows() {
            return Err(Error::shape(
                "inverse_transform input columns",
                self.components.nrows(),
                z.ncols(),
            ));
        }
        check_finite(z, "inverse_transform input")?;
        Ok(matmul(&z, &self.components))
    }
    fn output_names(&self, _input_names: &[String]) -> Vec<String> {
        (0..self.components.nrows())
            .map(|j| format!("svd{j}"))
            .collect()
    }
    fn n_features_out(&self) -> usize {
        self.components.nrows()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{fixture, matrix, vector};
    use crate::decomposition::pca::equal_up_to_sign;
    use crate::text::vectorizer::TfidfVectorizerParams;
    use breadth_core::conformance::check_transformer;

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_transformer(&TruncatedSvdParams::new(2), &iris);
        check_transformer(
            &TruncatedSvdParams::new(2).algorithm(SvdAlgorithm::Exact),
            &iris,
        );
    }

    #[test]
    fn sparse_tfidf_matches_scikit_learn() {
        // reference/unsupervised.py text (scikit-learn 1.9.1 TruncatedSVD(3, algorithm="arpack")).
        let f = fixture("text");
        let docs: Vec<String> = serde_json::from_value(f["corpus"].clone()).unwrap();
        let x = TfidfVectorizerParams::default()
            .fit(&docs)
            .unwrap()
            .transform(&docs);
        let sv = vector(&f["svd_singular_values"]);
        let exact = TruncatedSvdParams::new(3)
            .algorithm(SvdAlgorithm::Exact)
            .fit_sparse(&x)
            .unwrap();
        assert!(equal_up_to_sign(
            exact.components(),
            &matrix(&f["svd_components"]),
            1e-10
        ));
        for (a, b) in [
            (exact.singular_values(), &sv),
            (
                exact.explained_variance(),
                &vector(&f["svd_explained_variance"]),
            ),
            (
                exact.explained_variance_ratio(),
                &vector(&f["svd_explained_variance_ratio"]),
            ),
        ] {
            assert!(
                a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-10),
                "{a} vs {b}"
            );
        }
        let rand = TruncatedSvdParams::new(3)
            .n_iter(30)
            .fit_sparse(&x)
            .unwrap();
        assert!(equal_up_to_sign(
            rand.components(),
            exact.components(),
            1e-6
        ));
        assert!(rand
            .singular_values()
            .iter()
            .zip(&sv)
            .all(|(p, q)| (p - q).abs() < 1e-8));
        // Dense and sparse paths agree.
        let dense = TruncatedSvdParams::new(3)
            .algorithm(SvdAlgorithm::Exact)
            .fit(&Dataset::new(x.to_dense()))
            .unwrap();
        assert!(equal_up_to_sign(
            dense.components(),
            exact.components(),
            1e-12
        ));
    }
}
