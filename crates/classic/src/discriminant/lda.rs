//! Linear discriminant analysis (scikit-learn's `LinearDiscriminantAnalysis`): a classifier with a
//! shared class covariance and a supervised projection onto at most $K-1$ directions.
//!
//! With class means $\mu_k$, priors $\pi_k$, overall mean $\bar x = \sum_k\pi_k\mu_k$ and shared
//! within-class covariance $\Sigma_w$, the scores are affine:
//! $\delta_k(x) = x^\top\Sigma_w^{-1}\mu_k - \frac12\mu_k^\top\Sigma_w^{-1}\mu_k + \log\pi_k$.
//!
//! - **SVD solver** (no covariance formed): whiten the pooled centered data
//!   $X_w = (X - M_{y})/\sigma/\sqrt{n}$ by its SVD (directions with singular value below `tol`
//!   dropped), then the SVD of the whitened, prior-weighted class means gives the discriminant
//!   directions (`scalings`) and explained variance ratios; $O(nd^2)$.
//! - **Eigen solver**: $\Sigma_w = \sum_k \pi_k\hat\Sigma_k$ and total $\Sigma_t$, optionally
//!   optionally shrunk, $\hat\Sigma(\gamma) = (1-\gamma)\hat\Sigma + \gamma\frac{\operatorname{tr}\hat\Sigma}{d}I$
//!   with $\gamma$ given, or by Ledoit–Wolf on standardized data; the generalized eigenproblem
//!   $\Sigma_b v = \lambda\Sigma_w v$, $\Sigma_b = \Sigma_t - \Sigma_w$, gives the directions.
//!
//! `transform` projects onto the first `n_components` directions ($(x - \bar x)V$ for SVD, $xV$
//! for eigen, as scikit-learn). Binary problems report one score, $\delta_1 - \delta_0$.
//!
//! Reference: T. Hastie et al., *The Elements of Statistical Learning*, §4.3.2–4.3.3; O. Ledoit,
//! M. Wolf, *A well-conditioned estimator for large-dimensional covariance matrices*, J.
//! Multivariate Anal. 88, 2004.
//!
//! ```
//! use breadth_classic::discriminant::lda::LdaParams;
//! use breadth_core::{Fit, Transformer};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let m = LdaParams::default().fit(&iris).unwrap();
//! assert_eq!(m.transform(iris.features()).unwrap().ncols(), 2);
//! assert!(m.explained_variance_ratio()[0] > 0.99);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::linalg::{as_faer, to_ndarray};
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, in_range, positive};
use breadth_core::{Classifier, Dataset, Error, Fit, Result, Transformer};
use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::class_stats;
use crate::linear::logistic::{scores_to_labels, scores_to_proba};
use crate::linear::{t_matmul, LinearCoef};

/// The LDA solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LdaSolver {
    /// SVD of the whitened data; no shrinkage.
    Svd,
    /// Generalized eigenproblem of the covariances; allows shrinkage.
    Eigen,
}

impl FromStr for LdaSolver {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "svd" => Ok(Self::Svd),
            "eigen" => Ok(Self::Eigen),
            _ => Err("expected svd or eigen".into()),
        }
    }
}

impl std::fmt::Display for LdaSolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Svd => "svd",
            Self::Eigen => "eigen",
        })
    }
}

/// Covariance shrinkage of the eigen solver.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Shrinkage {
    /// The empirical covariance.
    None,
    /// A fixed $\gamma \in [0, 1]$.
    Fixed(f64),
    /// Ledoit–Wolf's $\gamma$.
    Auto,
}

impl FromStr for Shrinkage {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "none" => Ok(Self::None),
            "auto" => Ok(Self::Auto),
            v => v
                .parse()
                .map(Self::Fixed)
                .map_err(|_| "expected none, auto or a number in [0, 1]".into()),
        }
    }
}

impl std::fmt::Display for Shrinkage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("none"),
            Self::Auto => f.write_str("auto"),
            Self::Fixed(v) => write!(f, "{v}"),
        }
    }
}

/// Hyper-parameters of LDA.
#[derive(Debug, Clone, PartialEq)]
pub struct LdaParams {
    /// Solver.
    pub solver: LdaSolver,
    /// Shrinkage (eigen solver only).
    pub shrinkage: Shrinkage,
    /// Directions kept by `transform` (default $\min(K-1, d)$).
    pub n_components: Option<usize>,
    /// Singular values below this are dropped (SVD solver).
    pub tol: f64,
}

impl Default for LdaParams {
    fn default() -> Self {
        LdaParams {
            solver: LdaSolver::Svd,
            shrinkage: Shrinkage::None,
            n_components: None,
            tol: 1e-4,
        }
    }
}

impl LdaParams {
    /// Set the solver.
    pub fn solver(mut self, s: LdaSolver) -> Self {
        self.solver = s;
        self
    }
    /// Set the shrinkage.
    pub fn shrinkage(mut self, s: Shrinkage) -> Self {
        self.shrinkage = s;
        self
    }
}

impl Configurable for LdaParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let nc = self
            .n_components
            .map_or("auto".to_string(), |n| n.to_string());
        vec![
            ParamSpec::new("solver", self.solver, "svd | eigen"),
            ParamSpec::new(
                "shrinkage",
                self.shrinkage,
                "none | auto | a number in [0, 1] (eigen only)",
            ),
            ParamSpec::new(
                "n_components",
                nc,
                "directions kept by transform (auto: min(K-1, d))",
            ),
            ParamSpec::new(
                "tol",
                self.tol,
                "singular-value threshold of the svd solver",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "solver" => self.solver = parse_param(name, value)?,
            "shrinkage" => self.shrinkage = parse_param(name, value)?,
            "n_components" => {
                self.n_components = if value == "auto" {
                    None
                } else {
                    Some(parse_param(name, value)?)
                }
            }
            "tol" => self.tol = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted LDA model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lda {
    lin: LinearCoef,
    scalings: Array2<f64>,
    /// Subtracted before projecting (zeros for the eigen solver).
    offset: Array1<f64>,
    explained: Vec<f64>,
    n_components: usize,
    means: Array2<f64>,
    classes: Vec<String>,
}

fn column_std(x: ArrayView2<'_, f64>) -> Array1<f64> {
    x.std_axis(Axis(0), 0.0)
        .mapv(|s| if s == 0.0 { 1.0 } else { s })
}

/// Ledoit–Wolf shrinkage of already centered data (scikit-learn's `ledoit_wolf_shrinkage`).
fn ledoit_wolf(x: ArrayView2<'_, f64>) -> f64 {
    let (n, p) = (x.nrows() as f64, x.ncols() as f64);
    let x2 = x.mapv(|v| v * v);
    let trace_terms = x2.sum_axis(Axis(0)) / n;
    let mu = trace_terms.sum() / p;
    let beta_ = t_matmul(x2.view(), x2.view()).sum();
    let delta_ = t_matmul(x, x).mapv(|v| v * v).sum() / (n * n);
    let beta = (beta_ / n - delta_) / (p * n);
    let delta = (delta_ - 2.0 * mu * trace_terms.sum() + p * mu * mu) / p;
    let beta = beta.min(delta);
    if beta == 0.0 {
        0.0
    } else {
        beta / delta
    }
}

/// Covariance (biased) of `x`, shrunk when asked (scikit-learn's `_cov`): a fixed $\gamma$
/// shrinks the empirical covariance itself, Ledoit–Wolf works on standardized data and scales
/// back.
fn covariance(x: ArrayView2<'_, f64>, shrinkage: Shrinkage) -> Array2<f64> {
    let n = x.nrows() as f64;
    let xc = &x - &x.mean_axis(Axis(0)).expect("rows");
    let shrink = |emp: Array2<f64>, gamma: f64| {
        let d = emp.nrows();
        let mu = emp.diag().sum() / d as f64;
        Array2::from_shape_fn((d, d), |(i, j)| {
            (1.0 - gamma) * emp[[i, j]] + if i == j { gamma * mu } else { 0.0 }
        })
    };
    match shrinkage {
        Shrinkage::None => t_matmul(xc.view(), xc.view()) / n,
        Shrinkage::Fixed(g) => shrink(t_matmul(xc.view(), xc.view()) / n, g),
        Shrinkage::Auto => {
            let sd = column_std(x);
            let z = &xc / &sd;
            let s = shrink(t_matmul(z.view(), z.view()) / n, ledoit_wolf(z.view()));
            let d = s.nrows();
            Array2::from_shape_fn((d, d), |(i, j)| s[[i, j]] * sd[i] * sd[j])
        }
    }
}

/// Symmetric eigen-decomposition (ascending eigenvalues, eigenvectors in columns).
fn sym_eigen(a: &Array2<f64>) -> Result<(Vec<f64>, Array2<f64>)> {
    let e = as_faer(a.view())
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|err| Error::numerical("lda eigen", format!("{err:?}")))?;
    let s = e.S().column_vector();
    Ok(((0..s.nrows()).map(|i| s[i]).collect(), to_ndarray(e.U())))
}

impl Fit for LdaParams {
    type Fitted = Lda;
    fn fit(&self, data: &Dataset) -> Result<Lda> {
        positive("tol", self.tol)?;
        if let Shrinkage::Fixed(g) = self.shrinkage {
            in_range("shrinkage", g, 0.0, 1.0)?;
        }
        if self.solver == LdaSolver::Svd && self.shrinkage != Shrinkage::None {
            return Err(Error::param("shrinkage", "needs solver=eigen"));
        }
        check_fit_input(data)?;
        let (labels, names) = data.class_target("lda")?;
        let x = data.features();
        let (n, d) = x.dim();
        let k = names.len();
        if k < 2 {
            return Err(Error::param("target", "LDA needs at least two classes"));
        }
        let stats = class_stats(x, labels, k, "lda")?;
        let max_components = (k - 1).min(d);
        let n_components = self.n_components.unwrap_or(max_components);
        if n_components == 0 || n_components > max_components {
            return Err(Error::param(
                "n_components",
                format!("must lie in 1..={max_components}"),
            ));
        }
        let priors = &stats.priors;
        let means = &stats.means;
        let xbar = priors.dot(means);
        let (coef, intercept, scalings, offset, explained) = match self.solver {
            LdaSolver::Svd => {
                let mut xc = x.to_owned();
                for (c, g) in stats.groups.iter().enumerate() {
                    for &i in g {
                        let mut row = xc.row_mut(i);
                        row -= &means.row(c);
                    }
                }
                let sd = column_std(xc.view());
                let xw = (&xc / &sd) * (1.0 / n as f64).sqrt();
                let svd = as_faer(xw.view())
                    .thin_svd()
                    .map_err(|e| Error::numerical("lda SVD", format!("{e:?}")))?;
                let sv = svd.S().column_vector();
                let v = to_ndarray(svd.V());
                let rank = (0..sv.nrows()).filter(|&j| sv[j] > self.tol).count();
                let scal = Array2::from_shape_fn((d, rank), |(i, j)| v[[i, j]] / sd[i] / sv[j]);
                let fac = 1.0 / (k - 1) as f64;
                let mut m = (means - &xbar).dot(&scal);
                for (c, mut row) in m.axis_iter_mut(Axis(0)).enumerate() {
                    row *= (n as f64 * priors[c] * fac).sqrt();
                }
                let svd2 = as_faer(m.view())
                    .thin_svd()
                    .map_err(|e| Error::numerical("lda SVD", format!("{e:?}")))?;
                let s2 = svd2.S().column_vector();
                let s2v: Vec<f64> = (0..s2.nrows()).map(|j| s2[j]).collect();
                let total: f64 = s2v.iter().map(|s| s * s).sum();
                let explained: Vec<f64> = s2v
                    .iter()
                    .take(max_components)
                    .map(|s| s * s / total)
                    .collect();
                let rank2 = s2v.iter().filter(|&&s| s > self.tol * s2v[0]).count();
                let v2 = to_ndarray(svd2.V());
                let scalings = scal.dot(&v2.slice(s![.., ..rank2]));
                let c_small = (means - &xbar).dot(&scalings);
                let mut intercept: Array1<f64> = c_small
                    .outer_iter()
                    .map(|r| -0.5 * r.dot(&r))
                    .collect::<Array1<f64>>()
                    + priors.mapv(f64::ln);
                let coef = c_small.dot(&scalings.t());
                intercept -= &coef.dot(&xbar);
                (coef, intercept, scalings, xbar.clone(), explained)
            }
            LdaSolver::Eigen => {
                let mut sw = Array2::zeros((d, d));
                for (c, g) in stats.groups.iter().enumerate() {
                    sw.scaled_add(
                        priors[c],
                        &covariance(x.select(Axis(0), g).view(), self.shrinkage),
                    );
                }
                let sb = covariance(x, self.shrinkage) - &sw;
                // Whitening W = Sw^{-1/2} turns Sb v = λ Sw v into a symmetric problem.
                let (lw, qw) = sym_eigen(&sw)?;
                if lw.iter().any(|&l| l <= 0.0) {
                    return Err(Error::numerical(
                        "lda",
                        "the within-class covariance is singular; use shrinkage",
                    ));
                }
                let w =
                    Array2::from_shape_fn((d, d), |(i, j)| qw[[i, j]] / lw[j].sqrt()).dot(&qw.t());
                let (lb, ub) = sym_eigen(&w.dot(&sb).dot(&w))?;
                let order: Vec<usize> = (0..d).rev().collect();
                let evecs = w.dot(&ub.select(Axis(1), &order));
                let evals: Vec<f64> = order.iter().map(|&i| lb[i]).collect();
                let total: f64 = evals.iter().sum();
                let explained = evals
                    .iter()
                    .take(max_components)
                    .map(|e| e / total)
                    .collect();
                let coef = means.dot(&evecs).dot(&evecs.t());
                let intercept: Array1<f64> = (0..k)
                    .map(|c| -0.5 * means.row(c).dot(&coef.row(c)) + priors[c].ln())
                    .collect();
                (coef, intercept, evecs, Array1::zeros(d), explained)
            }
        };
        let lin = if k == 2 {
            LinearCoef {
                coef: (&coef.row(1) - &coef.row(0)).insert_axis(Axis(0)),
                intercept: Array1::from_elem(1, intercept[1] - intercept[0]),
            }
        } else {
            LinearCoef { coef, intercept }
        };
        Ok(Lda {
            lin,
            scalings,
            offset,
            explained,
            n_components,
            means: stats.means,
            classes: names.to_vec(),
        })
    }
}

impl Lda {
    /// Coefficients (one row for a binary problem).
    pub fn coef(&self) -> &Array2<f64> {
        &self.lin.coef
    }
    /// Intercepts.
    pub fn intercept(&self) -> &Array1<f64> {
        &self.lin.intercept
    }
    /// Share of between-class variance along each kept direction.
    pub fn explained_variance_ratio(&self) -> &[f64] {
        &self.explained
    }
    /// Discriminant directions, `d x r`.
    pub fn scalings(&self) -> &Array2<f64> {
        &self.scalings
    }
    /// Class means, `K x d`.
    pub fn means(&self) -> &Array2<f64> {
        &self.means
    }
}

impl Fitted for Lda {
    fn model_name(&self) -> &'static str {
        "lda"
    }
    fn n_features_in(&self) -> usize {
        self.means.ncols()
    }
}

impl Classifier for Lda {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(scores_to_labels(&self.decision_function(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(scores_to_proba(self.decision_function(x)?))
    }
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(self.lin.decision(x))
    }
}

impl Transformer for Lda {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let r = self.n_components.min(self.scalings.ncols());
        Ok((&x - &self.offset).dot(&self.scalings.slice(s![.., ..r])))
    }
    fn n_features_out(&self) -> usize {
        self.n_components.min(self.scalings.ncols())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::test_util::*;
    use breadth_core::conformance::{check_classifier, check_transformer};

    // Expected values: reference/linear.py (scikit-learn 1.9.1), fixture discriminant.json.

    #[test]
    fn svd_solver_matches_scikit_learn() {
        let f = fixture("discriminant");
        let c = &f["lda_iris_svd"];
        let iris = load("iris");
        let m = LdaParams::default().fit(&iris).unwrap();
        assert_close(
            m.coef().as_slice().unwrap(),
            mat(&c["coef"]).as_slice().unwrap(),
            1e-8,
            "coef",
        );
        assert_close(
            m.intercept().as_slice().unwrap(),
            vec1(&c["intercept"]).as_slice().unwrap(),
            1e-8,
            "intercept",
        );
        assert_close(
            m.explained_variance_ratio(),
            vec1(&c["explained_variance_ratio"]).as_slice().unwrap(),
            1e-8,
            "evr",
        );
        let x5 = iris.features().slice(s![..5, ..]).to_owned();
        let p = m.predict_proba(x5.view()).unwrap();
        assert_close(
            p.as_slice().unwrap(),
            mat(&c["proba_head"]).as_slice().unwrap(),
            1e-8,
            "proba",
        );
        // Directions are defined up to sign: compare each column up to a sign flip.
        let t = m.transform(x5.view()).unwrap();
        let e = mat(&c["transform_head"]);
        for j in 0..2 {
            let sign = if t[[0, j]] * e[[0, j]] < 0.0 {
                -1.0
            } else {
                1.0
            };
            let col: Vec<f64> = t.column(j).iter().map(|v| sign * v).collect();
            assert_close(&col, e.column(j).to_vec().as_slice(), 1e-8, "transform");
        }
    }

    #[test]
    fn eigen_solver_with_shrinkage_matches_scikit_learn() {
        let f = fixture("discriminant");
        let wine = load("wine");
        let m = LdaParams::default()
            .solver(LdaSolver::Eigen)
            .shrinkage(Shrinkage::Fixed(0.1))
            .fit(&wine)
            .unwrap();
        let c = &f["lda_wine_eigen_shrink"];
        assert_close(
            m.coef().as_slice().unwrap(),
            mat(&c["coef"]).as_slice().unwrap(),
            1e-8,
            "coef",
        );
        assert_close(
            m.intercept().as_slice().unwrap(),
            vec1(&c["intercept"]).as_slice().unwrap(),
            1e-8,
            "intercept",
        );
        let p = m.predict_proba(wine.features().slice(s![..5, ..])).unwrap();
        assert_close(
            p.as_slice().unwrap(),
            mat(&c["proba_head"]).as_slice().unwrap(),
            1e-7,
            "proba",
        );
        let m = LdaParams::default()
            .solver(LdaSolver::Eigen)
            .shrinkage(Shrinkage::Auto)
            .fit(&wine)
            .unwrap();
        let c = &f["lda_wine_eigen_auto"];
        assert_close(
            m.coef().as_slice().unwrap(),
            mat(&c["coef"]).as_slice().unwrap(),
            1e-8,
            "auto coef",
        );
        assert_close(
            m.intercept().as_slice().unwrap(),
            vec1(&c["intercept"]).as_slice().unwrap(),
            1e-8,
            "auto intercept",
        );
    }

    #[test]
    fn solvers_agree_without_shrinkage() {
        // The SVD solver keeps only the K-1 discriminant directions, so its coefficients differ
        // from the eigen solver's by a term shared by all classes; posteriors coincide.
        let wine = load("wine");
        let a = LdaParams::default().fit(&wine).unwrap();
        let b = LdaParams::default()
            .solver(LdaSolver::Eigen)
            .fit(&wine)
            .unwrap();
        let (pa, pb) = (
            a.predict_proba(wine.features()).unwrap(),
            b.predict_proba(wine.features()).unwrap(),
        );
        assert!(pa.iter().zip(&pb).all(|(p, q)| (p - q).abs() < 1e-8));
        assert!(LdaParams::default()
            .shrinkage(Shrinkage::Auto)
            .fit(&wine)
            .is_err());
    }

    #[test]
    fn conformance() {
        check_classifier(&LdaParams::default(), &load("iris"));
        check_classifier(
            &LdaParams::default()
                .solver(LdaSolver::Eigen)
                .shrinkage(Shrinkage::Auto),
            &load("breast_cancer"),
        );
        check_transformer(&LdaParams::default(), &load("wine"));
    }
}
