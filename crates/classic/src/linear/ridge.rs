//! Ridge regression and RidgeCV with efficient leave-one-out cross-validation.
//!
//! Minimizes $\sum_i s_i \lVert y_i - W x_i - b\rVert^2 + \alpha \lVert W\rVert_F^2$ (the
//! intercept is not penalized). On the weighted-centered design $X_c$ ($n\times d$):
//!
//! - **Cholesky** ($n \ge d$): $W^\top = (X_c^\top X_c + \alpha I)^{-1} X_c^\top Y$, $O(nd^2)$,
//!   with $X_c^\top X_c$ and $X_c^\top Y$ accumulated over cache-sized row blocks in one pass
//!   over $X$ (shifted-data moments, no centered copy);
//!   for $n < d$ the kernel form $W^\top = X_c^\top (X_c X_c^\top + \alpha I)^{-1} Y$, $O(n^2 d)$;
//! - **SVD**: with $X_c = U\Sigma V^\top$, $W^\top = V \operatorname{diag}(\sigma_j/(\sigma_j^2+\alpha))
//!   U^\top Y$: one factorization serves any number of $\alpha$ ([`ridge_path`]);
//! - **CG** (large $d$): conjugate gradients on $(X_c^\top X_c + \alpha I) w = X_c^\top y$, never
//!   forming the Gram matrix, $O(nd)$ per iteration.
//!
//! RidgeCV scores each $\alpha$ by the exact leave-one-out error without refitting:
//! with the hat matrix
//! $H_\alpha = U \operatorname{diag}(\sigma_j^2/(\sigma_j^2+\alpha)) U^\top + q q^\top$ ($q = \sqrt{s}/\lVert\sqrt{s}\rVert$, the unpenalized intercept direction),
//! $e_i = (y_i - \hat y_i) / (1 - (H_\alpha)_{ii})$ and the score is $-\frac1n\sum_i e_i^2$.
//!
//! Reference: T. Hastie et al., *The Elements of Statistical Learning*, §3.4.1 and §7.10;
//! R. Rifkin, R. Lippert, *Notes on Regularized Least Squares*, MIT-CSAIL-TR-2007-025.
//!
//! ```
//! use breadth_classic::linear::ridge::RidgeParams;
//! use breadth_core::{Dataset, Fit, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0], [1.0], [2.0]])
//!     .with_target(Target::Continuous(array![0.0, 1.0, 2.0])).unwrap();
//! // Σ(x - x̄)² = 2, so the slope shrinks from 1 to 2 / (2 + α).
//! let m = RidgeParams::default().alpha(2.0).fit(&ds).unwrap();
//! assert!((m.coef()[0] - 0.5).abs() < 1e-12);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::linalg::{as_faer, to_ndarray};
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, non_negative, positive};
use breadth_core::{Dataset, Error, Fit, Regressor, Result};
use faer::linalg::solvers::Solve;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{
    center, centered_moments, parse_bool, regression_targets, single_output, t_matmul, Centered,
    LinearCoef, Moments,
};

/// How ridge solves its normal equations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RidgeSolver {
    /// Cholesky on the primal or the kernel system, whichever is smaller.
    Cholesky,
    /// Thin SVD of the design.
    Svd,
    /// Matrix-free conjugate gradients (large $d$).
    Cg,
}

impl FromStr for RidgeSolver {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "cholesky" | "auto" => Self::Cholesky,
            "svd" => Self::Svd,
            "cg" | "sparse_cg" => Self::Cg,
            _ => return Err("expected cholesky, svd or cg".into()),
        })
    }
}

impl std::fmt::Display for RidgeSolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cholesky => "cholesky",
            Self::Svd => "svd",
            Self::Cg => "cg",
        })
    }
}

/// Hyper-parameters of ridge regression.
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeParams {
    /// Penalty $\alpha \ge 0$.
    pub alpha: f64,
    /// Fit an intercept.
    pub fit_intercept: bool,
    /// Solver.
    pub solver: RidgeSolver,
    /// CG stops when $\lVert r\rVert \le$ `tol` $\lVert X^\top y\rVert$.
    pub tol: f64,
    /// CG iteration limit.
    pub max_iter: usize,
}

impl Default for RidgeParams {
    fn default() -> Self {
        RidgeParams {
            alpha: 1.0,
            fit_intercept: true,
            solver: RidgeSolver::Cholesky,
            tol: 1e-10,
            max_iter: 10_000,
        }
    }
}

impl RidgeParams {
    /// Set the penalty.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Set whether to fit an intercept.
    pub fn fit_intercept(mut self, yes: bool) -> Self {
        self.fit_intercept = yes;
        self
    }
    /// Set the solver.
    pub fn solver(mut self, solver: RidgeSolver) -> Self {
        self.solver = solver;
        self
    }
}

impl Configurable for RidgeParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("alpha", self.alpha, "L2 penalty >= 0"),
            ParamSpec::new("fit_intercept", self.fit_intercept, "true | false"),
            ParamSpec::new("solver", self.solver, "cholesky | svd | cg"),
            ParamSpec::new("tol", self.tol, "relative residual at which CG stops"),
            ParamSpec::new("max_iter", self.max_iter, "CG iteration limit"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "alpha" => self.alpha = parse_param(name, value)?,
            "fit_intercept" => self.fit_intercept = parse_bool(name, value)?,
            "solver" => self.solver = parse_param(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            "max_iter" => self.max_iter = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted ridge model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ridge {
    lin: LinearCoef,
    alpha: f64,
}

fn llt_solve(a: faer::Mat<f64>, b: faer::Mat<f64>, what: &str) -> Result<faer::Mat<f64>> {
    let llt = a.llt(faer::Side::Lower).map_err(|_| {
        Error::numerical(
            what,
            "the system is not positive definite; use alpha > 0 or solver=svd",
        )
    })?;
    Ok(llt.solve(&b))
}

/// $W^\top$ (`d x m`) by Cholesky on the primal system $(X_c^\top X_c + \alpha I) W^\top =
/// X_c^\top Y_c$, from the moments (only their lower triangle is read).
fn solve_primal(xtx: faer::Mat<f64>, xty: faer::Mat<f64>, alpha: f64) -> Result<Array2<f64>> {
    let mut a = xtx;
    for i in 0..a.nrows() {
        a[(i, i)] += alpha;
    }
    let w = llt_solve(a, xty, "ridge (Cholesky)")?;
    Ok(to_ndarray(w.as_ref()))
}

/// $W^\top$ (`d x m`) by Cholesky on the kernel system, $X_c^\top (X_c X_c^\top + \alpha I)^{-1}
/// Y_c$, the smaller one when $n < d$.
fn solve_kernel(x: ArrayView2<'_, f64>, y: ArrayView2<'_, f64>, alpha: f64) -> Result<Array2<f64>> {
    let n = x.nrows();
    let (fx, fy) = (as_faer(x), as_faer(y));
    let mut k = fx * fx.transpose();
    for i in 0..n {
        k[(i, i)] += alpha;
    }
    let dual = llt_solve(k, fy.to_owned(), "ridge (kernel Cholesky)")?;
    Ok(to_ndarray((fx.transpose() * dual).as_ref()))
}

/// Thin SVD of a design: ($U$ `n x k`, $\sigma$, $V$ `d x k`), $k = \min(n, d)$.
pub(crate) fn thin_svd(x: ArrayView2<'_, f64>) -> Result<(Array2<f64>, Array1<f64>, Array2<f64>)> {
    let svd = as_faer(x)
        .thin_svd()
        .map_err(|e| Error::numerical("ridge SVD", format!("{e:?}")))?;
    let s = svd.S().column_vector();
    Ok((
        to_ndarray(svd.U()),
        (0..s.nrows()).map(|i| s[i]).collect(),
        to_ndarray(svd.V()),
    ))
}

/// $W^\top$ for each $\alpha$ from one SVD: $V \operatorname{diag}(\sigma/(\sigma^2+\alpha)) U^\top Y$.
fn path_from_svd(
    u: &Array2<f64>,
    s: &Array1<f64>,
    v: &Array2<f64>,
    y: ArrayView2<'_, f64>,
    alphas: &[f64],
) -> Vec<Array2<f64>> {
    let uty = t_matmul(u.view(), y);
    alphas
        .iter()
        .map(|&a| {
            let mut scaled = uty.clone();
            for (j, mut row) in scaled.axis_iter_mut(Axis(0)).enumerate() {
                let f = if s[j] > 0.0 {
                    s[j] / (s[j] * s[j] + a)
                } else {
                    0.0
                };
                row *= f;
            }
            v.dot(&scaled)
        })
        .collect()
}

/// Ridge coefficients for several penalties at once from a single SVD of `x` (no centering is
/// done: pass centered data for an intercept). Returns one $W^\top$ (`d x m`) per alpha.
pub fn ridge_path(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    alphas: &[f64],
) -> Result<Vec<Array2<f64>>> {
    breadth_core::validate::check_finite(x, "features")?;
    breadth_core::validate::check_finite(y, "targets")?;
    if x.nrows() != y.nrows() {
        return Err(Error::shape("ridge_path rows", x.nrows(), y.nrows()));
    }
    for &a in alphas {
        non_negative("alphas", a)?;
    }
    let (u, s, v) = thin_svd(x)?;
    Ok(path_from_svd(&u, &s, &v, y, alphas))
}

/// Conjugate gradients on $(X^\top X + \alpha I) w = X^\top y$ for each column of `y`.
fn solve_cg(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    alpha: f64,
    tol: f64,
    max_iter: usize,
) -> Result<Array2<f64>> {
    let d = x.ncols();
    let rhs = t_matmul(x, y);
    let mut out = Array2::zeros((d, y.ncols()));
    let apply = |p: &Array1<f64>| -> Array1<f64> { x.t().dot(&x.dot(p)) + alpha * p };
    for (k, b) in rhs.axis_iter(Axis(1)).enumerate() {
        let mut w = Array1::zeros(d);
        let mut r = b.to_owned();
        let mut p = r.clone();
        let mut rr = r.dot(&r);
        let stop = tol * tol * rr;
        let mut it = 0;
        while rr > stop && rr > 0.0 {
            if it == max_iter {
                return Err(Error::numerical(
                    "ridge (CG)",
                    format!("no convergence in {max_iter} iterations; raise max_iter or alpha"),
                ));
            }
            let ap = apply(&p);
            let step = rr / p.dot(&ap);
            w.scaled_add(step, &p);
            r.scaled_add(-step, &ap);
            let rr_new = r.dot(&r);
            p = &r + &(rr_new / rr * &p);
            rr = rr_new;
            it += 1;
        }
        out.column_mut(k).assign(&w);
    }
    Ok(out)
}

impl Fit for RidgeParams {
    type Fitted = Ridge;
    fn fit(&self, data: &Dataset) -> Result<Ridge> {
        non_negative("alpha", self.alpha)?;
        positive("tol", self.tol)?;
        check_fit_input(data)?;
        let y = regression_targets(data, "ridge")?;
        if self.solver == RidgeSolver::Cholesky && data.n_samples() >= data.n_features() {
            // The normal equations need only X_c^T X_c and X_c^T Y_c: one blocked pass over X.
            let Moments {
                xtx,
                xty,
                x_offset,
                y_offset,
            } = centered_moments(
                data.features(),
                y.view(),
                data.sample_weight(),
                self.fit_intercept,
            );
            let wt = solve_primal(xtx, xty, self.alpha)?;
            return Ok(Ridge {
                lin: LinearCoef::from_offsets(wt.reversed_axes(), &x_offset, &y_offset),
                alpha: self.alpha,
            });
        }
        let prep = center(
            data.features(),
            y.view(),
            data.sample_weight(),
            self.fit_intercept,
        );
        let wt = match self.solver {
            RidgeSolver::Cholesky => solve_kernel(prep.x.view(), prep.y.view(), self.alpha)?,
            RidgeSolver::Svd => {
                let (u, s, v) = thin_svd(prep.x.view())?;
                path_from_svd(&u, &s, &v, prep.y.view(), &[self.alpha]).remove(0)
            }
            RidgeSolver::Cg => solve_cg(
                prep.x.view(),
                prep.y.view(),
                self.alpha,
                self.tol,
                self.max_iter,
            )?,
        };
        Ok(Ridge {
            lin: LinearCoef::from_centered(wt.reversed_axes(), &prep),
            alpha: self.alpha,
        })
    }
}

impl Ridge {
    /// Coefficients of the first (or only) target.
    pub fn coef(&self) -> ArrayView1<'_, f64> {
        self.lin.coef.row(0)
    }
    /// Intercept of the first (or only) target.
    pub fn intercept(&self) -> f64 {
        self.lin.intercept[0]
    }
    /// All coefficients and intercepts.
    pub fn coefficients(&self) -> &LinearCoef {
        &self.lin
    }
    /// The penalty used.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// Predictions for every target, `n x m`.
    pub fn predict_multi(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(self.lin.decision(x))
    }
}

impl Fitted for Ridge {
    fn model_name(&self) -> &'static str {
        "ridge"
    }
    fn n_features_in(&self) -> usize {
        self.lin.coef.ncols()
    }
}

impl Regressor for Ridge {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        single_output(self.model_name(), self.predict_multi(x)?)
    }
}

/// Hyper-parameters of RidgeCV.
#[derive(Debug, Clone, PartialEq)]
pub struct RidgeCvParams {
    /// Candidate penalties.
    pub alphas: Vec<f64>,
    /// Fit an intercept.
    pub fit_intercept: bool,
}

impl Default for RidgeCvParams {
    fn default() -> Self {
        RidgeCvParams {
            alphas: vec![0.1, 1.0, 10.0],
            fit_intercept: true,
        }
    }
}

impl RidgeCvParams {
    /// Set the candidate penalties.
    pub fn alphas(mut self, alphas: Vec<f64>) -> Self {
        self.alphas = alphas;
        self
    }
}

impl Configurable for RidgeCvParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let a: Vec<String> = self.alphas.iter().map(f64::to_string).collect();
        vec![
            ParamSpec::new("alphas", a.join(","), "comma-separated candidate penalties"),
            ParamSpec::new("fit_intercept", self.fit_intercept, "true | false"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "alphas" => {
                self.alphas = value
                    .split(',')
                    .map(|v| parse_param(name, v))
                    .collect::<Result<_>>()?
            }
            "fit_intercept" => self.fit_intercept = parse_bool(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A ridge model whose penalty was chosen by leave-one-out cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RidgeCv {
    ridge: Ridge,
    scores: Vec<f64>,
    best_score: f64,
}

impl RidgeCv {
    /// The selected penalty.
    pub fn alpha(&self) -> f64 {
        self.ridge.alpha
    }
    /// The fitted ridge model at the selected penalty.
    pub fn ridge(&self) -> &Ridge {
        &self.ridge
    }
    /// Negative mean squared leave-one-out error of each candidate.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }
    /// The best score.
    pub fn best_score(&self) -> f64 {
        self.best_score
    }
}

/// Negative mean squared leave-one-out errors for each alpha (see the module docs).
fn loo_scores(
    prep: &Centered,
    u: &Array2<f64>,
    s: &Array1<f64>,
    q: Option<&Array1<f64>>,
    alphas: &[f64],
) -> Vec<f64> {
    let uty = t_matmul(u.view(), prep.y.view());
    let u2 = u.mapv(|v| v * v);
    let (n, m) = prep.y.dim();
    alphas
        .iter()
        .map(|&a| {
            let shrink: Array1<f64> = s.mapv(|s| s * s / (s * s + a));
            let fitted = u.dot(&(&uty * &shrink.view().insert_axis(Axis(1))));
            let mut h = u2.dot(&shrink);
            if let Some(q) = q {
                h += &q.mapv(|v| v * v);
            }
            let mut sse = 0.0;
            for i in 0..n {
                for k in 0..m {
                    let e = (prep.y[[i, k]] - fitted[[i, k]]) / (1.0 - h[i]);
                    sse += e * e;
                }
            }
            -sse / (n * m) as f64
        })
        .collect()
}

impl Fit for RidgeCvParams {
    type Fitted = RidgeCv;
    fn fit(&self, data: &Dataset) -> Result<RidgeCv> {
        if self.alphas.is_empty() {
            return Err(Error::param("alphas", "needs at least one candidate"));
        }
        for &a in &self.alphas {
            positive("alphas", a)?;
        }
        check_fit_input(data)?;
        let y = regression_targets(data, "ridge-cv")?;
        let prep = center(
            data.features(),
            y.view(),
            data.sample_weight(),
            self.fit_intercept,
        );
        let (u, s, v) = thin_svd(prep.x.view())?;
        let q = self.fit_intercept.then(|| {
            let sw = data.weights_or_ones().mapv(f64::sqrt);
            let norm = sw.dot(&sw).sqrt();
            sw / norm
        });
        let scores = loo_scores(&prep, &u, &s, q.as_ref(), &self.alphas);
        let best = scores
            .iter()
            .enumerate()
            .fold(0, |b, (i, &sc)| if sc > scores[b] { i } else { b });
        let alpha = self.alphas[best];
        let wt = path_from_svd(&u, &s, &v, prep.y.view(), &[alpha]).remove(0);
        Ok(RidgeCv {
            ridge: Ridge {
                lin: LinearCoef::from_centered(wt.reversed_axes(), &prep),
                alpha,
            },
            best_score: scores[best],
            scores,
        })
    }
}

impl Fitted for RidgeCv {
    fn model_name(&self) -> &'static str {
        "ridge-cv"
    }
    fn n_features_in(&self) -> usize {
        self.ridge.n_features_in()
    }
}

impl Regressor for RidgeCv {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        single_output(self.model_name(), self.ridge.lin.decision(x))
    }
}

/// Mean squared error of `x W^T + b` against `y`, a helper for the path tests and examples.
#[cfg(test)]
fn mse(lin: &LinearCoef, x: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> f64 {
    let p = lin.decision(x);
    p.column(0)
        .iter()
        .zip(y)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / y.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::test_util::*;
    use breadth_core::conformance::check_regressor;
    use breadth_core::Target;

    // Expected values: reference/linear.py (scikit-learn 1.9.1), fixture ridge.json.

    fn check(m: &Ridge, c: &serde_json::Value, what: &str) {
        assert_close(
            m.coef().as_slice().unwrap(),
            vec1(&c["coef"]).as_slice().unwrap(),
            1e-8,
            what,
        );
        if let Some(b) = c["intercept"].as_f64() {
            assert_close(&[m.intercept()], &[b], 1e-8, what);
        }
    }

    #[test]
    fn closed_forms_match_scikit_learn() {
        let f = fixture("ridge");
        let ds = load("diabetes");
        for solver in [RidgeSolver::Cholesky, RidgeSolver::Svd, RidgeSolver::Cg] {
            let m = RidgeParams::default().solver(solver).fit(&ds).unwrap();
            let tol = if solver == RidgeSolver::Cg {
                1e-6
            } else {
                1e-8
            };
            assert_close(
                m.coef().as_slice().unwrap(),
                vec1(&f["diabetes"]["coef"]).as_slice().unwrap(),
                tol,
                "diabetes",
            );
        }
        let w = Array1::from_shape_fn(ds.n_samples(), |i| 1.0 + (i % 3) as f64);
        let m = RidgeParams::default()
            .alpha(10.0)
            .fit(&ds.with_sample_weight(w).unwrap())
            .unwrap();
        check(&m, &f["diabetes_weighted"], "weighted");
        let o = fixture("ols");
        let wide = regression(mat(&o["wide"]["x"]), vec1(&o["wide"]["y"]));
        for solver in [RidgeSolver::Cholesky, RidgeSolver::Svd] {
            check(
                &RidgeParams::default()
                    .alpha(0.5)
                    .solver(solver)
                    .fit(&wide)
                    .unwrap(),
                &f["wide"],
                "wide",
            );
        }
        let col = regression(mat(&o["collinear"]["x"]), vec1(&o["collinear"]["y"]));
        let m = RidgeParams::default()
            .fit_intercept(false)
            .fit(&col)
            .unwrap();
        check(&m, &f["collinear_no_intercept"], "no intercept");
        assert_eq!(m.intercept(), 0.0);
        let multi = Dataset::new(mat(&o["collinear"]["x"]))
            .with_target(Target::MultiOutput {
                values: mat(&o["multi"]["y"]),
                names: vec!["a".into(), "b".into()],
            })
            .unwrap();
        let m = RidgeParams::default().alpha(2.0).fit(&multi).unwrap();
        assert_close(
            m.coefficients().coef.as_slice().unwrap(),
            mat(&f["multi"]["coef"]).as_slice().unwrap(),
            1e-8,
            "multi",
        );
    }

    #[test]
    fn ridge_path_agrees_with_separate_fits() {
        let ds = load("diabetes");
        let y = ds
            .continuous_target("t")
            .unwrap()
            .to_owned()
            .insert_axis(Axis(1));
        let prep = center(ds.features(), y.view(), None, true);
        let alphas = [0.1, 3.0, 50.0];
        let path = ridge_path(prep.x.view(), prep.y.view(), &alphas).unwrap();
        for (a, wt) in alphas.iter().zip(&path) {
            let mom = centered_moments(prep.x.view(), prep.y.view(), None, false);
            let single = solve_primal(mom.xtx, mom.xty, *a).unwrap();
            let scale = single.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(wt
                .iter()
                .zip(&single)
                .all(|(p, q)| (p - q).abs() < 1e-9 * scale));
        }
    }

    #[test]
    fn ridge_cv_matches_scikit_learn_and_brute_force_loo() {
        let f = fixture("ridge");
        let alphas: Vec<f64> = vec1(&f["cv_diabetes"]["alphas"]).to_vec();
        let ds = load("diabetes");
        let m = RidgeCvParams::default()
            .alphas(alphas.clone())
            .fit(&ds)
            .unwrap();
        let c = &f["cv_diabetes"];
        assert_eq!(m.alpha(), c["alpha"].as_f64().unwrap());
        assert_close(
            &[m.best_score()],
            &[c["best_score"].as_f64().unwrap()],
            1e-8,
            "best score",
        );
        assert_close(
            m.ridge().coef().as_slice().unwrap(),
            vec1(&c["coef"]).as_slice().unwrap(),
            1e-8,
            "cv coef",
        );
        let o = fixture("ols");
        let col = regression(mat(&o["collinear"]["x"]), vec1(&o["collinear"]["y"]));
        let m = RidgeCvParams::default()
            .alphas(alphas.clone())
            .fit(&col)
            .unwrap();
        let c = &f["cv_collinear"];
        assert_eq!(m.alpha(), c["alpha"].as_f64().unwrap());
        assert_close(
            &[m.best_score()],
            &[c["best_score"].as_f64().unwrap()],
            1e-8,
            "best score",
        );
        // Slow, obviously correct: refit without each row in turn.
        let y = col.continuous_target("t").unwrap();
        for (k, &a) in alphas.iter().enumerate() {
            let mut sse = 0.0;
            for i in 0..30 {
                let keep: Vec<usize> = (0..30).filter(|&j| j != i).collect();
                let r = RidgeParams::default()
                    .alpha(a)
                    .fit(&col.select(&keep))
                    .unwrap();
                sse += mse(
                    &r.lin,
                    col.features().slice(ndarray::s![i..i + 1, ..]),
                    y.slice(ndarray::s![i..i + 1]),
                );
            }
            assert!(
                (m.scores()[k] + sse / 30.0).abs() < 1e-9 * (sse / 30.0),
                "alpha {a}"
            );
        }
    }

    #[test]
    fn bad_parameters_are_refused() {
        let ds = load("diabetes");
        assert!(RidgeParams::default().alpha(-1.0).fit(&ds).is_err());
        assert!(RidgeCvParams::default().alphas(vec![]).fit(&ds).is_err());
    }

    #[test]
    fn conformance() {
        check_regressor(&RidgeParams::default(), &load("diabetes"));
        check_regressor(&RidgeCvParams::default(), &load("diabetes"));
    }
}
