//! Ordinary least squares (scikit-learn's `LinearRegression`), rank-deficient input included,
//! and its classical inference.
//!
//! Solves $\min_W \sum_i s_i \lVert y_i - W x_i - b\rVert^2$ for $W \in \mathbb{R}^{m\times d}$,
//! returning the *minimum-norm* solution when the centered design $X_c$ ($n\times d$) is rank
//! deficient (collinear columns, $d > n$), as LAPACK's `gelsd` behind scikit-learn does.
//!
//! Method: for $n \ge d$ a Householder QR $X_c = QR$ (faer) reduces the problem to the
//! $d \times d$ triangle; the SVD $R = U\Sigma V^\top$ then gives
//! $W^\top = V \Sigma^{+} U^\top Q^\top Y$, with singular values below
//! $\max(n,d)\,\varepsilon\,\sigma_{max}$ treated as zero (NumPy's `lstsq` rule). For $n < d$ the
//! thin SVD of $X_c$ is used directly. Cost $O(nd^2)$ for the QR plus $O(d^3)$.
//!
//! [`LinearRegression::inference`] gives standard errors, $t$ statistics, two-sided $p$ values
//! (Student $t$ with $n - p$ degrees of freedom, $p = d + 1$ with an intercept), $R^2$ and
//! adjusted $R^2$, with $\hat\sigma^2 = \sum_i s_i r_i^2/(n-p)$ and
//! $\operatorname{Cov}(\hat\beta) = \hat\sigma^2 (A^\top S A)^{-1}$ for the design $A = [1, X]$.
//!
//! Reference: G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed., §5.5 (rank-deficient
//! least squares); W. H. Greene, *Econometric Analysis*, ch. 4.
//!
//! ```
//! use breadth_classic::linear::ols::LinearRegressionParams;
//! use breadth_core::{Dataset, Fit, Target};
//! use ndarray::array;
//! // Two identical columns: the minimum-norm solution splits the slope evenly.
//! let ds = Dataset::new(array![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
//!     .with_target(Target::Continuous(array![0.0, 2.0, 4.0])).unwrap();
//! let m = LinearRegressionParams::default().fit(&ds).unwrap();
//! assert_eq!(m.rank(), 1);
//! assert!((m.coef()[0] - 1.0).abs() < 1e-12 && (m.coef()[1] - 1.0).abs() < 1e-12);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::linalg::{as_faer, to_ndarray};
use breadth_core::registry::{Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{Dataset, Error, Fit, Regressor, Result};
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{center, parse_bool, regression_targets, single_output, LinearCoef};

/// Hyper-parameters of ordinary least squares.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearRegressionParams {
    /// Fit an intercept (by centering).
    pub fit_intercept: bool,
}

impl Default for LinearRegressionParams {
    fn default() -> Self {
        LinearRegressionParams {
            fit_intercept: true,
        }
    }
}

impl LinearRegressionParams {
    /// Set whether to fit an intercept.
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.fit_intercept = yes;
        self
    }
}

impl Configurable for LinearRegressionParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::new(
            "fit_intercept",
            self.fit_intercept,
            "true | false",
        )]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "fit_intercept" => self.fit_intercept = parse_bool(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted least-squares model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearRegression {
    lin: LinearCoef,
    rank: usize,
    singular: Vec<f64>,
    fit_intercept: bool,
}

/// The minimum-norm least-squares solution of $X W^\top = Y$: returns ($W^\top$ as `d x m`, rank,
/// singular values in decreasing order).
pub fn lstsq(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
) -> Result<(Array2<f64>, usize, Vec<f64>)> {
    let (n, d) = x.dim();
    let fail =
        |e: faer::linalg::svd::SvdError| Error::numerical("least squares SVD", format!("{e:?}"));
    // Reduce to a small SVD: U Σ Vᵀ of R (n >= d) or of X itself (n < d), and the right-hand
    // side projected on U's column space.
    let (u, sv, v, qty) = if n >= d {
        let qr = as_faer(x).qr();
        let q = qr.compute_thin_Q();
        let r = qr.thin_R().to_owned();
        let svd = r.svd().map_err(fail)?;
        let qty = q.transpose() * as_faer(y);
        (
            svd.U().to_owned(),
            svd.S().column_vector().to_owned(),
            svd.V().to_owned(),
            qty,
        )
    } else {
        let svd = as_faer(x).thin_svd().map_err(fail)?;
        (
            svd.U().to_owned(),
            svd.S().column_vector().to_owned(),
            svd.V().to_owned(),
            as_faer(y).to_owned(),
        )
    };
    let k = sv.nrows();
    let singular: Vec<f64> = (0..k).map(|i| sv[i]).collect();
    let smax = singular.iter().cloned().fold(0.0, f64::max);
    let cutoff = n.max(d) as f64 * f64::EPSILON * smax;
    let rank = singular.iter().filter(|&&s| s > cutoff).count();
    // Σ⁺ Uᵀ (Qᵀ Y), then V times it.
    let mut uty = u.transpose() * qty;
    for i in 0..k {
        let inv = if singular[i] > cutoff {
            1.0 / singular[i]
        } else {
            0.0
        };
        for j in 0..uty.ncols() {
            uty[(i, j)] *= inv;
        }
    }
    let w = v * uty;
    Ok((to_ndarray(w.as_ref()), rank, singular))
}

impl Fit for LinearRegressionParams {
    type Fitted = LinearRegression;
    fn fit(&self, data: &Dataset) -> Result<LinearRegression> {
        check_fit_input(data)?;
        let y = regression_targets(data, "linear-regression")?;
        let prep = center(
            data.features(),
            y.view(),
            data.sample_weight(),
            self.fit_intercept,
        );
        let (wt, rank, singular) = lstsq(prep.x.view(), prep.y.view())?;
        Ok(LinearRegression {
            lin: LinearCoef::from_centered(wt.reversed_axes(), &prep),
            rank,
            singular,
            fit_intercept: self.fit_intercept,
        })
    }
}

/// Classical OLS inference for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct OlsInference {
    /// Estimates: the intercept first (when fitted), then one per feature.
    pub estimates: Array1<f64>,
    /// Their standard errors.
    pub std_errors: Array1<f64>,
    /// $t = \hat\beta / \mathrm{se}$.
    pub t_values: Array1<f64>,
    /// Two-sided $p$ values.
    pub p_values: Array1<f64>,
    /// Residuals $y_i - \hat y_i$ of the given data.
    pub residuals: Array1<f64>,
    /// Residual variance estimate $\hat\sigma^2$.
    pub sigma2: f64,
    /// Coefficient of determination.
    pub r2: f64,
    /// $1 - (1-R^2)(n-1)/(n-p)$ (with $n - 1$ replaced by $n$ without intercept).
    pub adjusted_r2: f64,
    /// Residual degrees of freedom $n - p$.
    pub df_resid: usize,
}

impl LinearRegression {
    /// Coefficients of a single-target model (the first row for a multi-target one).
    pub fn coef(&self) -> ArrayView1<'_, f64> {
        self.lin.coef.row(0)
    }
    /// Intercept of a single-target model.
    pub fn intercept(&self) -> f64 {
        self.lin.intercept[0]
    }
    /// All coefficients and intercepts (`m x d`, `m`).
    pub fn coefficients(&self) -> &LinearCoef {
        &self.lin
    }
    /// Effective rank of the centered design.
    pub fn rank(&self) -> usize {
        self.rank
    }
    /// Singular values of the centered, weighted design, decreasing.
    pub fn singular_values(&self) -> &[f64] {
        &self.singular
    }
    /// Predictions for every target, `n x m`.
    pub fn predict_multi(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(self.lin.decision(x))
    }
    /// Residuals $y - \hat y$ on `data` (single target).
    pub fn residuals(&self, data: &Dataset) -> Result<Array1<f64>> {
        let y = data.continuous_target("linear-regression")?;
        Ok(&y - &self.predict(data.features())?)
    }

    /// Standard errors, $t$ and $p$ values, $R^2$ for the data the model was fitted on.
    pub fn inference(&self, data: &Dataset) -> Result<OlsInference> {
        let y = data.continuous_target("linear-regression")?;
        let x = data.features();
        let n = x.nrows();
        let p = x.ncols() + usize::from(self.fit_intercept);
        if n <= p {
            return Err(Error::numerical(
                "OLS inference",
                format!("needs more samples ({n}) than parameters ({p})"),
            ));
        }
        let w = data.weights_or_ones();
        let residuals = self.residuals(data)?;
        let df = n - p;
        let rss: f64 = residuals.iter().zip(&w).map(|(r, w)| w * r * r).sum();
        let sigma2 = rss / df as f64;
        // Design A = [1, X] scaled by sqrt(w); covariance σ² (AᵀA)⁻¹ through Cholesky.
        let mut a = Array2::ones((n, p));
        a.slice_mut(s![.., p - x.ncols()..]).assign(&x);
        a *= &w.mapv(f64::sqrt).insert_axis(Axis(1));
        let ata = as_faer(a.view()).transpose() * as_faer(a.view());
        let llt = ata.llt(faer::Side::Lower).map_err(|_| {
            Error::numerical(
                "OLS inference",
                "the design is rank deficient; no standard errors",
            )
        })?;
        let inv = {
            use faer::linalg::solvers::DenseSolveCore;
            llt.inverse()
        };
        let mut estimates = Array1::zeros(p);
        if self.fit_intercept {
            estimates[0] = self.intercept();
        }
        estimates
            .slice_mut(s![p - x.ncols()..])
            .assign(&self.coef());
        let std_errors: Array1<f64> = (0..p).map(|j| (sigma2 * inv[(j, j)]).sqrt()).collect();
        let t_values = &estimates / &std_errors;
        let dist = StudentsT::new(0.0, 1.0, df as f64)
            .map_err(|e| Error::numerical("OLS inference", e.to_string()))?;
        let p_values = t_values.mapv(|t| 2.0 * dist.sf(t.abs()));
        let ybar = if self.fit_intercept {
            y.dot(&w) / w.sum()
        } else {
            0.0
        };
        let tss: f64 = y.iter().zip(&w).map(|(y, w)| w * (y - ybar).powi(2)).sum();
        let r2 = 1.0 - rss / tss;
        let n_centered = if self.fit_intercept { n - 1 } else { n } as f64;
        let adjusted_r2 = 1.0 - (1.0 - r2) * n_centered / df as f64;
        Ok(OlsInference {
            estimates,
            std_errors,
            t_values,
            p_values,
            residuals,
            sigma2,
            r2,
            adjusted_r2,
            df_resid: df,
        })
    }
}

impl Fitted for LinearRegression {
    fn model_name(&self) -> &'static str {
        "linear-regression"
    }
    fn n_features_in(&self) -> usize {
        self.lin.coef.ncols()
    }
}

impl Regressor for LinearRegression {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        single_output(self.model_name(), self.predict_multi(x)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::test_util::*;
    use breadth_core::conformance::check_regressor;
    use breadth_core::Target;

    // Expected values: reference/linear.py (scikit-learn 1.9.1), fixture ols.json.

    #[test]
    fn diabetes_matches_scikit_learn() {
        let f = fixture("ols");
        let ds = load("diabetes");
        let m = LinearRegressionParams::default().fit(&ds).unwrap();
        assert_close(
            m.coef().as_slice().unwrap(),
            vec1(&f["diabetes"]["coef"]).as_slice().unwrap(),
            1e-8,
            "coef",
        );
        assert_close(
            &[m.intercept()],
            &[f["diabetes"]["intercept"].as_f64().unwrap()],
            1e-8,
            "intercept",
        );
        let w = Array1::from_shape_fn(ds.n_samples(), |i| 1.0 + (i % 3) as f64);
        let mw = LinearRegressionParams::default()
            .fit(&ds.with_sample_weight(w).unwrap())
            .unwrap();
        let fw = &f["diabetes_weighted"];
        assert_close(
            mw.coef().as_slice().unwrap(),
            vec1(&fw["coef"]).as_slice().unwrap(),
            1e-8,
            "weighted coef",
        );
        assert_close(
            &[mw.intercept()],
            &[fw["intercept"].as_f64().unwrap()],
            1e-8,
            "weighted intercept",
        );
    }

    #[test]
    fn rank_deficient_inputs_give_the_minimum_norm_solution() {
        let f = fixture("ols");
        for case in ["collinear", "wide"] {
            let c = &f[case];
            let ds = regression(mat(&c["x"]), vec1(&c["y"]));
            let m = LinearRegressionParams::default().fit(&ds).unwrap();
            assert_eq!(
                m.rank(),
                c["rank"].as_u64().unwrap() as usize,
                "{case} rank"
            );
            assert_close(
                m.coef().as_slice().unwrap(),
                vec1(&c["coef"]).as_slice().unwrap(),
                1e-8,
                case,
            );
            assert_close(
                &[m.intercept()],
                &[c["intercept"].as_f64().unwrap()],
                1e-8,
                case,
            );
        }
    }

    #[test]
    fn several_targets_at_once() {
        let f = fixture("ols");
        let x = mat(&f["collinear"]["x"]);
        let y = mat(&f["multi"]["y"]);
        let ds = Dataset::new(x.clone())
            .with_target(Target::MultiOutput {
                values: y,
                names: vec!["a".into(), "b".into()],
            })
            .unwrap();
        let m = LinearRegressionParams::default().fit(&ds).unwrap();
        let expected = mat(&f["multi"]["coef"]);
        assert_close(
            m.coefficients().coef.as_slice().unwrap(),
            expected.as_slice().unwrap(),
            1e-8,
            "multi coef",
        );
        assert_close(
            m.coefficients().intercept.as_slice().unwrap(),
            vec1(&f["multi"]["intercept"]).as_slice().unwrap(),
            1e-8,
            "multi intercept",
        );
        assert!(m.predict(x.view()).is_err());
        assert_eq!(m.predict_multi(x.view()).unwrap().dim(), (30, 2));
    }

    #[test]
    fn qr_path_agrees_with_normal_equations() {
        // Slow, obviously correct: solve (XᵀX) w = Xᵀy by Cholesky on a well-conditioned problem.
        let x = Array2::from_shape_fn((50, 4), |(i, j)| {
            ((i * 7 + j * 13) % 11) as f64 - 5.0 + 0.1 * j as f64 * i as f64
        });
        let y = Array2::from_shape_fn((50, 1), |(i, _)| (i as f64 * 0.37).sin());
        let (w, rank, _) = lstsq(x.view(), y.view()).unwrap();
        assert_eq!(rank, 4);
        let xtx = as_faer(x.view()).transpose() * as_faer(x.view());
        let xty = as_faer(x.view()).transpose() * as_faer(y.view());
        use faer::linalg::solvers::Solve;
        let slow = xtx.llt(faer::Side::Lower).unwrap().solve(&xty);
        for j in 0..4 {
            assert!((w[[j, 0]] - slow[(j, 0)]).abs() < 1e-9 * slow[(j, 0)].abs().max(1.0));
        }
    }

    #[test]
    fn inference_matches_statsmodels_identities() {
        let ds = load("diabetes");
        let m = LinearRegressionParams::default().fit(&ds).unwrap();
        let inf = m.inference(&ds).unwrap();
        assert_eq!(inf.df_resid, 442 - 11);
        // statsmodels OLS on diabetes (raw): R² = 0.5177, adj. R² = 0.5066; bmi t = 7.813.
        assert!((inf.r2 - 0.5177).abs() < 1e-4, "{}", inf.r2);
        assert!(
            (inf.adjusted_r2 - 0.5066).abs() < 1e-4,
            "{}",
            inf.adjusted_r2
        );
        assert!(
            (inf.t_values[3] - 7.813).abs() < 1e-3,
            "{}",
            inf.t_values[3]
        );
        assert!(inf.p_values[3] < 1e-12);
        // statsmodels 0.15.0: standard error of the intercept 67.4546, of age 0.21704.
        assert!(
            (inf.std_errors[0] - 67.4546211).abs() < 1e-5,
            "{}",
            inf.std_errors[0]
        );
        assert!(
            (inf.std_errors[1] - 0.21704144).abs() < 1e-7,
            "{}",
            inf.std_errors[1]
        );
    }

    #[test]
    fn conformance() {
        check_regressor(&LinearRegressionParams::default(), &load("diabetes"));
    }
}
