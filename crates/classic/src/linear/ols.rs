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
//! adjusted $R^2$ through the metrics crate's [`breadth_metrics::stats::ols`], with
//! $\hat\sigma^2 = \sum_i s_i r_i^2/(n-p)$ and
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
use breadth_metrics::stats::{ols, OlsResult};
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

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

/// For $n \ge d$: the triangle $R$ (`d x d`) of $X = QR$ and $Q^\top Y$ (`d x m`), from one
/// in-place Householder QR of the augmented $[X \mid Y]$. Householder QR treats columns left to
/// right, so the augmented factor is $\begin{pmatrix} R & Q^\top Y \\ 0 & \ast\end{pmatrix}$
/// and the $n \times d$ matrix $Q$ is never formed (half the work and memory of forming it).
fn qr_project(x: ArrayView2<'_, f64>, y: ArrayView2<'_, f64>) -> (faer::Mat<f64>, faer::Mat<f64>) {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::qr::no_pivoting::factor;
    let ((n, d), m) = (x.dim(), y.ncols());
    let mut a = faer::Mat::<f64>::zeros(n, d + m);
    a.as_mut().submatrix_mut(0, 0, n, d).copy_from(as_faer(x));
    a.as_mut().submatrix_mut(0, d, n, m).copy_from(as_faer(y));
    let size = n.min(d + m);
    let block = factor::recommended_block_size::<f64>(n, d + m);
    let mut coeff = faer::Mat::<f64>::zeros(block, size);
    let par = faer::get_global_parallelism();
    factor::qr_in_place(
        a.as_mut(),
        coeff.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(factor::qr_in_place_scratch::<f64>(
            n,
            d + m,
            block,
            par,
            Default::default(),
        ))),
        Default::default(),
    );
    let r = faer::Mat::from_fn(d, d, |i, j| if i <= j { a[(i, j)] } else { 0.0 });
    let qty = a.as_ref().submatrix(0, d, d, m).to_owned();
    (r, qty)
}

/// Largest $\sigma_{max}/\sigma_{min}$ of $X$ for which [`lstsq`] trusts the semi-normal
/// equations: with one refinement step their error is about $u\,\kappa^2$ relative times a
/// residual factor (Björck), below $10^{-6}$ here, so QR takes over beyond it.
const SEMI_NORMAL_MAX_CONDITION: f64 = 1e5;

/// The minimum-norm least-squares solution of $X W^\top = Y$: returns ($W^\top$ as `d x m`, rank,
/// singular values in decreasing order).
///
/// For $n \ge d$ it first tries the *corrected semi-normal equations*: $R$ from the Cholesky
/// factor of the Gram matrix $X^\top X$ (one triangular GEMM, no $n \times d$ factorization),
/// $Q^\top Y = R^{-\top} X^\top Y$, then one refinement step on the residual. It falls back to
/// the Householder QR of $[X \mid Y]$ when $X$ is rank deficient or its condition number exceeds
/// $10^5$, so ill-conditioned problems keep QR's accuracy.
pub fn lstsq(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
) -> Result<(Array2<f64>, usize, Vec<f64>)> {
    lstsq_with(x, y, true)
}

/// A pseudo-inverse through a small SVD: $W^\top = V\Sigma^+U^\top B$ for a projected
/// right-hand side $B$.
struct SmallSvd {
    u: faer::Mat<f64>,
    v: faer::Mat<f64>,
    singular: Vec<f64>,
    cutoff: f64,
}

impl SmallSvd {
    fn new(a: faer::MatRef<'_, f64>, n: usize, d: usize) -> Result<Self> {
        let svd = a
            .thin_svd()
            .map_err(|e| Error::numerical("least squares SVD", format!("{e:?}")))?;
        let sv = svd.S().column_vector();
        let singular: Vec<f64> = (0..sv.nrows()).map(|i| sv[i]).collect();
        let smax = singular.iter().cloned().fold(0.0, f64::max);
        Ok(SmallSvd {
            u: svd.U().to_owned(),
            v: svd.V().to_owned(),
            cutoff: n.max(d) as f64 * f64::EPSILON * smax,
            singular,
        })
    }

    fn rank(&self) -> usize {
        self.singular.iter().filter(|&&s| s > self.cutoff).count()
    }

    fn condition(&self) -> f64 {
        let smin = self.singular.iter().cloned().fold(f64::INFINITY, f64::min);
        self.singular[0] / smin
    }

    fn apply(&self, b: faer::MatRef<'_, f64>) -> faer::Mat<f64> {
        let mut uty = self.u.transpose() * b;
        for (i, &s) in self.singular.iter().enumerate() {
            let inv = if s > self.cutoff { 1.0 / s } else { 0.0 };
            for j in 0..uty.ncols() {
                uty[(i, j)] *= inv;
            }
        }
        &self.v * uty
    }
}

/// The Cholesky factor $R$ (upper, `d x d`) of $X^\top X = R^\top R$, when it exists.
fn semi_normal_r(x: ArrayView2<'_, f64>) -> Option<faer::Mat<f64>> {
    let g = super::gram(x);
    let llt = as_faer(g.view()).llt(faer::Side::Lower).ok()?;
    Some(llt.L().transpose().to_owned())
}

/// `R^{-T} B`: the projection $Q^\top Y$ from $X^\top Y$.
fn solve_rt(r: &faer::Mat<f64>, b: faer::Mat<f64>) -> faer::Mat<f64> {
    let mut b = b;
    faer::linalg::triangular_solve::solve_lower_triangular_in_place(
        r.transpose(),
        b.as_mut(),
        faer::Par::Seq,
    );
    b
}

/// [`lstsq`], with the semi-normal fast path allowed or not.
fn lstsq_with(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    semi_normal: bool,
) -> Result<(Array2<f64>, usize, Vec<f64>)> {
    let (n, d) = x.dim();
    let (fx, fy) = (as_faer(x), as_faer(y));
    if n >= d && semi_normal {
        if let Some(r) = semi_normal_r(x) {
            let svd = SmallSvd::new(r.as_ref(), n, d)?;
            if svd.rank() == d && svd.condition() <= SEMI_NORMAL_MAX_CONDITION {
                let mut w = svd.apply(solve_rt(&r, fx.transpose() * fy).as_ref());
                let resid = fy - fx * &w;
                w += svd.apply(solve_rt(&r, fx.transpose() * &resid).as_ref());
                let rank = svd.rank();
                return Ok((to_ndarray(w.as_ref()), rank, svd.singular));
            }
        }
    }
    // Reduce to a small SVD: of R (n >= d) or of X itself (n < d), with the right-hand side
    // projected on U's column space.
    let (svd, qty) = if n >= d {
        let (r, qty) = qr_project(x, y);
        (SmallSvd::new(r.as_ref(), n, d)?, qty)
    } else {
        (SmallSvd::new(fx, n, d)?, fy.to_owned())
    };
    let w = svd.apply(qty.as_ref());
    let rank = svd.rank();
    Ok((to_ndarray(w.as_ref()), rank, svd.singular))
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

    /// Coefficients with standard errors, $t$ and $p$ values, 95 % intervals, $R^2$, adjusted
    /// $R^2$ and the overall $F$ test on `data` (the data the model was fitted on), as
    /// statsmodels' `OLS` (or `WLS` with sample weights) reports them.
    ///
    /// Computed by [`breadth_metrics::stats::ols`], the one OLS inference of the workspace;
    /// sample weights use its identity WLS = OLS on rows scaled by $\sqrt{s_i}$, the intercept
    /// column included, after which $R^2$ and $F$ are re-centred on the weighted mean.
    pub fn inference(&self, data: &Dataset) -> Result<OlsResult> {
        let y = data.continuous_target("linear-regression")?;
        let x = data.features();
        if x.ncols() != self.n_features_in() {
            return Err(Error::shape(
                "OLS inference features",
                self.n_features_in(),
                x.ncols(),
            ));
        }
        let Some(w) = data.sample_weight() else {
            return ols(x, y, self.fit_intercept, 0.05);
        };
        let sw = w.mapv(f64::sqrt);
        let k = usize::from(self.fit_intercept);
        let mut a = Array2::ones((x.nrows(), x.ncols() + k));
        a.slice_mut(s![.., k..]).assign(&x);
        a *= &sw.view().insert_axis(Axis(1));
        let mut r = ols(a.view(), (&y * &sw).view(), false, 0.05)?;
        if self.fit_intercept {
            r.names = std::iter::once("const".to_string())
                .chain((0..x.ncols()).map(|j| format!("x{j}")))
                .collect();
            let ybar = y.dot(&w) / w.sum();
            let tss: f64 = y.iter().zip(w).map(|(y, w)| w * (y - ybar).powi(2)).sum();
            r.rsquared = 1.0 - r.ssr / tss;
            r.rsquared_adj = 1.0 - (r.nobs as f64 - 1.0) / r.df_resid * (1.0 - r.rsquared);
            r.df_model -= 1.0;
            if r.df_model > 0.0 {
                r.fvalue = ((tss - r.ssr) / r.df_model) / r.scale;
                r.f_pvalue = FisherSnedecor::new(r.df_model, r.df_resid)
                    .map_err(|e| Error::numerical("F distribution", e.to_string()))?
                    .sf(r.fvalue);
            } else {
                (r.fvalue, r.f_pvalue) = (f64::NAN, f64::NAN);
            }
        }
        Ok(r)
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
    fn semi_normal_path_agrees_with_qr() {
        // Seeded random, moderately conditioned designs: the fast path (Gram + refinement)
        // against the QR-only path.
        use rand::Rng as _;
        let mut rng = breadth_core::seeded_rng(7);
        for (n, d, m) in [(200, 6, 1), (90, 12, 2)] {
            let mut x = Array2::from_shape_fn((n, d), |_| rng.random_range(-1.0..1.0));
            x.column_mut(1).mapv_inplace(|v| v * 100.0);
            let y = Array2::from_shape_fn((n, m), |_| rng.random_range(-1.0..1.0));
            let (fast, rank_f, sv_f) = lstsq(x.view(), y.view()).unwrap();
            let (slow, rank_s, sv_s) = lstsq_with(x.view(), y.view(), false).unwrap();
            assert_eq!(rank_f, rank_s);
            let flat = |a: &Array2<f64>| a.iter().copied().collect::<Vec<f64>>();
            assert_close(&flat(&fast), &flat(&slow), 1e-12, "W");
            assert_close(&sv_f, &sv_s, 1e-10, "singular values");
        }
    }

    #[test]
    fn qr_path_agrees_with_normal_equations() {
        // Slow, obviously correct: solve (XᵀX) w = Xᵀy by Cholesky on a well-conditioned problem.
        let x = Array2::from_shape_fn((50, 4), |(i, j)| {
            ((i * 7 + j * 13) % 11) as f64 - 5.0 + 0.1 * j as f64 * i as f64
        });
        let y = Array2::from_shape_fn((50, 1), |(i, _)| (i as f64 * 0.37).sin());
        let (w, rank, _) = lstsq_with(x.view(), y.view(), false).unwrap();
        assert_eq!(rank, 4);
        let xtx = as_faer(x.view()).transpose() * as_faer(x.view());
        let xty = as_faer(x.view()).transpose() * as_faer(y.view());
        use faer::linalg::solvers::Solve;
        let slow = xtx.llt(faer::Side::Lower).unwrap().solve(&xty);
        for j in 0..4 {
            assert!((w[[j, 0]] - slow[(j, 0)]).abs() < 1e-9 * slow[(j, 0)].abs().max(1.0));
        }
    }

    // Expected values: reference/linear.py (statsmodels 0.15.0 OLS / WLS), fixture
    // ols_inference.json.
    #[test]
    fn inference_matches_statsmodels() {
        let f = fixture("ols_inference");
        let ds = load("diabetes");
        let w = Array1::from_shape_fn(ds.n_samples(), |i| 1.0 + (i % 3) as f64);
        let weighted = ds.clone().with_sample_weight(w).unwrap();
        for (data, case) in [(&ds, "diabetes_ols"), (&weighted, "diabetes_wls")] {
            let m = LinearRegressionParams::default().fit(data).unwrap();
            let r = m.inference(data).unwrap();
            let c = &f[case];
            for (got, key) in [
                (&r.params, "params"),
                (&r.bse, "bse"),
                (&r.tvalues, "tvalues"),
                (&r.pvalues, "pvalues"),
            ] {
                let want = vec1(&c[key]);
                for (j, (g, e)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        (g - e).abs() <= 1e-8 * e.abs().max(1e-12),
                        "{case} {key}[{j}]: {g} vs statsmodels {e}"
                    );
                }
            }
            for (got, key) in [
                (r.rsquared, "rsquared"),
                (r.rsquared_adj, "rsquared_adj"),
                (r.fvalue, "fvalue"),
                (r.f_pvalue, "f_pvalue"),
                (r.df_resid, "df_resid"),
            ] {
                let e = c[key].as_f64().unwrap();
                assert!(
                    (got - e).abs() <= 1e-9 * e.abs().max(1e-300),
                    "{case} {key}: {got} vs {e}"
                );
            }
            // The fitted model and the inference agree on the coefficients.
            assert_close(
                &r.params.as_slice().unwrap()[1..],
                m.coef().as_slice().unwrap(),
                1e-9,
                "coef",
            );
            assert_eq!(r.names[0], "const");
        }
        let m = LinearRegressionParams::default().fit(&ds).unwrap();
        let narrow = ds
            .with_features(
                ds.features().slice(s![.., ..2]).to_owned(),
                vec!["a".into(), "b".into()],
            )
            .unwrap();
        assert!(m.inference(&narrow).is_err());
    }

    #[test]
    fn conformance() {
        check_regressor(&LinearRegressionParams::default(), &load("diabetes"));
    }
}
