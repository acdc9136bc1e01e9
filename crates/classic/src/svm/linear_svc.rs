//! Linear SVM by dual coordinate descent (liblinear's `solve_l2r_l1l2_svc`), one-vs-rest.
//!
//! Minimizes $\frac12\lVert w\rVert^2 + C\sum_i \xi(w; x_i, y_i)$ with the hinge loss
//! $\xi = \max(0, 1 - y_i w^\top x_i)$ or its square, $y_i = \pm1$. An intercept is learned as
//! the weight of a constant feature equal to `intercept_scaling` (and so is penalized, as in
//! liblinear). The dual $\min_\alpha \frac12\alpha^\top\bar Q\alpha - \mathbf 1^\top\alpha$,
//! $\bar Q = Q + D$, $0 \le \alpha_i \le U$ ($D_{ii} = 0$, $U = C$ for the hinge;
//! $D_{ii} = 1/(2C)$, $U = \infty$ for the squared hinge) is solved one coordinate at a time,
//! keeping $w = \sum_i \alpha_i y_i x_i$: with $G = y_i w^\top x_i - 1 + D_{ii}\alpha_i$,
//! $\alpha_i \leftarrow \min(\max(\alpha_i - G/\bar Q_{ii}, 0), U)$, in a random order each pass,
//! with shrinking of variables stuck at a bound. It stops when the projected-gradient spread
//! falls below `tol`. Each pass costs $O(nd)$. For the squared hinge with $n > d$ (scikit-learn's
//! `dual="auto"` choice) the differentiable primal is minimized instead by L-BFGS, each
//! evaluation two matrix-vector products, until $\lVert\nabla f\rVert_\infty \le$
//! `tol`$\cdot\lVert\nabla f(0)\rVert_\infty$; both reach the same unique optimum.
//!
//! Reference: C.-J. Hsieh, K.-W. Chang, C.-J. Lin, S. S. Keerthi, S. Sundararajan, *A dual
//! coordinate descent method for large-scale linear SVM*, ICML 2008.
//!
//! ```
//! use breadth_classic::svm::linear_svc::LinearSvcParams;
//! use breadth_core::{Classifier, Dataset, Fit, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[-2.0], [-1.0], [1.0], [2.0]])
//!     .with_target(Target::classes(vec![0, 0, 1, 1], vec!["a".into(), "b".into()]).unwrap()).unwrap();
//! let m = LinearSvcParams::default().fit(&ds).unwrap();
//! assert_eq!(m.predict(array![[-5.0], [5.0]].view()).unwrap().to_vec(), vec![0, 1]);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, positive};
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Result};
use ndarray::{Array1, Array2, ArrayView2};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::linear::logistic::{scores_to_labels, ClassWeight};
use crate::linear::{parse_bool, LinearCoef};
use crate::optim::lbfgs::Lbfgs;
use crate::optim::Objective;

/// The loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SvmLoss {
    /// $\max(0, 1 - z)$.
    Hinge,
    /// $\max(0, 1 - z)^2$.
    SquaredHinge,
}

impl FromStr for SvmLoss {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "hinge" => Ok(Self::Hinge),
            "squared_hinge" => Ok(Self::SquaredHinge),
            _ => Err("expected hinge or squared_hinge".into()),
        }
    }
}

impl std::fmt::Display for SvmLoss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Hinge => "hinge",
            Self::SquaredHinge => "squared_hinge",
        })
    }
}

/// Hyper-parameters of the linear SVM.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSvcParams {
    /// Penalty $C > 0$.
    pub c: f64,
    /// Loss.
    pub loss: SvmLoss,
    /// Learn an intercept (as a penalized constant feature).
    pub fit_intercept: bool,
    /// Value of the constant feature.
    pub intercept_scaling: f64,
    /// Stopping tolerance on the projected gradient.
    pub tol: f64,
    /// Pass limit.
    pub max_iter: usize,
    /// Class weights multiplying $C$.
    pub class_weight: ClassWeight,
    /// Seed of the visiting order.
    pub seed: u64,
    /// Solve the dual (coordinate descent); `None` picks the primal for the squared hinge when
    /// $n > d$, as scikit-learn's `dual="auto"`.
    pub dual: Option<bool>,
}

impl Default for LinearSvcParams {
    fn default() -> Self {
        LinearSvcParams {
            c: 1.0,
            loss: SvmLoss::SquaredHinge,
            fit_intercept: true,
            intercept_scaling: 1.0,
            tol: 1e-4,
            max_iter: 1000,
            class_weight: ClassWeight::Uniform,
            seed: 0,
            dual: None,
        }
    }
}

impl LinearSvcParams {
    /// Force the dual (`true`) or primal (`false`) solver.
    pub fn dual(mut self, dual: bool) -> Self {
        self.dual = Some(dual);
        self
    }
    /// Set $C$.
    pub fn c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }
    /// Set the loss.
    pub fn loss(mut self, l: SvmLoss) -> Self {
        self.loss = l;
        self
    }
    /// Set the tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Set the pass limit.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
}

impl Configurable for LinearSvcParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("C", self.c, "penalty > 0"),
            ParamSpec::new("loss", self.loss, "hinge | squared_hinge"),
            ParamSpec::new("fit_intercept", self.fit_intercept, "true | false"),
            ParamSpec::new(
                "intercept_scaling",
                self.intercept_scaling,
                "value of the constant feature",
            ),
            ParamSpec::new("tol", self.tol, "projected-gradient tolerance"),
            ParamSpec::new("max_iter", self.max_iter, "pass limit"),
            ParamSpec::new(
                "class_weight",
                &self.class_weight,
                "none | balanced | w0,w1,...",
            ),
            ParamSpec::new("seed", self.seed, "seed of the visiting order"),
            ParamSpec::new(
                "dual",
                self.dual.map_or("auto".to_string(), |d| d.to_string()),
                "auto | true | false (primal needs squared_hinge)",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "C" | "c" => self.c = parse_param(name, value)?,
            "loss" => self.loss = parse_param(name, value)?,
            "fit_intercept" => self.fit_intercept = parse_bool(name, value)?,
            "intercept_scaling" => self.intercept_scaling = parse_param(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            "max_iter" => self.max_iter = parse_param(name, value)?,
            "class_weight" => self.class_weight = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            "dual" => {
                self.dual = if value == "auto" {
                    None
                } else {
                    Some(parse_bool(name, value)?)
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted linear SVM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSvc {
    lin: LinearCoef,
    classes: Vec<String>,
    n_iter: usize,
}

/// Dual coordinate descent for one binary problem; `y` is $\pm1$, `c` per sample. Returns the
/// weights (with the bias weight last when `bias > 0`) and the passes used.
pub(crate) fn dual_cd(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    c: &[f64],
    bias: f64,
    loss: SvmLoss,
    tol: f64,
    max_iter: usize,
    seed: u64,
) -> (Vec<f64>, usize) {
    let (l, d) = x.dim();
    let width = d + usize::from(bias > 0.0);
    let mut w = vec![0.0; width];
    let mut alpha = vec![0.0; l];
    let (diag, upper): (Vec<f64>, Vec<f64>) = match loss {
        SvmLoss::Hinge => (vec![0.0; l], c.to_vec()),
        SvmLoss::SquaredHinge => (c.iter().map(|c| 0.5 / c).collect(), vec![f64::INFINITY; l]),
    };
    let qd: Vec<f64> = (0..l)
        .map(|i| diag[i] + x.row(i).dot(&x.row(i)) + bias * bias)
        .collect();
    let mut index: Vec<usize> = (0..l).collect();
    let mut active = l;
    let (mut pg_max_old, mut pg_min_old) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut rng = seeded_rng(seed);
    let mut iter = 0;
    while iter < max_iter {
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        for i in 0..active {
            let j = i + rng.random_range(0..active - i);
            index.swap(i, j);
        }
        let mut s = 0;
        while s < active {
            let i = index[s];
            let xi = x.row(i);
            let xi = xi.as_slice().expect("row-major features");
            let mut wx: f64 = xi.iter().zip(&w).map(|(a, b)| a * b).sum();
            if bias > 0.0 {
                wx += w[d] * bias;
            }
            let g = y[i] * wx - 1.0 + alpha[i] * diag[i];
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g < 0.0 {
                    pg = g;
                }
            } else if alpha[i] == upper[i] {
                if g < pg_min_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g > 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (alpha[i] - g / qd[i]).max(0.0).min(upper[i]);
                let step = (alpha[i] - old) * y[i];
                w.iter_mut().zip(xi).for_each(|(w, x)| *w += step * x);
                if bias > 0.0 {
                    w[d] += step * bias;
                }
            }
            s += 1;
        }
        iter += 1;
        if pg_max - pg_min <= tol {
            if active == l {
                break;
            }
            active = l;
            pg_max_old = f64::INFINITY;
            pg_min_old = f64::NEG_INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
        pg_min_old = if pg_min >= 0.0 {
            f64::NEG_INFINITY
        } else {
            pg_min
        };
    }
    (w, iter)
}

/// The squared-hinge primal $\frac12\lVert w\rVert^2 + \sum_i C_i\max(0, 1 - y_i w^\top\tilde x_i)^2$
/// over $\tilde x = (x, \text{bias})$.
struct SquaredHingePrimal<'a> {
    x: ArrayView2<'a, f64>,
    y: &'a [f64],
    c: &'a [f64],
    bias: f64,
}

impl Objective for SquaredHingePrimal<'_> {
    fn dim(&self) -> usize {
        self.x.ncols() + usize::from(self.bias > 0.0)
    }
    fn value_grad(&self, w: &[f64], grad: &mut [f64]) -> f64 {
        let d = self.x.ncols();
        let wv = ndarray::ArrayView1::from(&w[..d]);
        let b = if self.bias > 0.0 {
            w[d] * self.bias
        } else {
            0.0
        };
        let z = self.x.dot(&wv) + b;
        let mut f = 0.5 * w.iter().map(|v| v * v).sum::<f64>();
        let coef: Array1<f64> = (0..z.len())
            .map(|i| {
                let m = (1.0 - self.y[i] * z[i]).max(0.0);
                f += self.c[i] * m * m;
                -2.0 * self.c[i] * self.y[i] * m
            })
            .collect();
        let g = self.x.t().dot(&coef);
        grad[..d]
            .iter_mut()
            .zip(&g)
            .zip(w)
            .for_each(|((o, g), w)| *o = g + w);
        if self.bias > 0.0 {
            grad[d] = w[d] + self.bias * coef.sum();
        }
        f
    }
}

fn primal<'a>(
    x: ArrayView2<'a, f64>,
    y: &'a [f64],
    c: &'a [f64],
    bias: f64,
    tol: f64,
    max_iter: usize,
) -> Result<(Vec<f64>, usize)> {
    let obj = SquaredHingePrimal { x, y, c, bias };
    let mut g0 = vec![0.0; obj.dim()];
    obj.value_grad(&vec![0.0; obj.dim()], &mut g0);
    let scale = g0
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let r = Lbfgs {
        max_iter,
        gtol: tol * scale,
        ..Lbfgs::default()
    }
    .minimize(&obj, vec![0.0; obj.dim()])?;
    Ok((r.w, r.n_iter))
}

impl Fit for LinearSvcParams {
    type Fitted = LinearSvc;
    fn fit(&self, data: &Dataset) -> Result<LinearSvc> {
        positive("C", self.c)?;
        positive("tol", self.tol)?;
        if self.fit_intercept {
            positive("intercept_scaling", self.intercept_scaling)?;
        }
        check_fit_input(data)?;
        let (labels, names) = data.class_target("linear-svc")?;
        let k = names.len();
        if k < 2 {
            return Err(Error::param(
                "target",
                "LinearSVC needs at least two classes",
            ));
        }
        let cw = self.class_weight.resolve(labels, k)?;
        let sw = data.weights_or_ones();
        let x = data.features().as_standard_layout().into_owned();
        let bias = if self.fit_intercept {
            self.intercept_scaling
        } else {
            0.0
        };
        let rows = if k == 2 { 1 } else { k };
        let d = data.n_features();
        let mut coef = Array2::zeros((rows, d));
        let mut intercept = Array1::zeros(rows);
        let mut n_iter = 0;
        for r in 0..rows {
            // Binary: the positive class is the second; one-vs-rest otherwise.
            let target = if k == 2 { 1 } else { r };
            let y: Vec<f64> = labels
                .iter()
                .map(|&l| if l == target { 1.0 } else { -1.0 })
                .collect();
            let c: Vec<f64> = labels
                .iter()
                .zip(&sw)
                .map(|(&l, s)| {
                    let class_w = if k == 2 {
                        cw[l]
                    } else if l == target {
                        cw[target]
                    } else {
                        1.0
                    };
                    self.c * class_w * s
                })
                .collect();
            let use_dual = self
                .dual
                .unwrap_or(self.loss == SvmLoss::Hinge || data.n_samples() <= d);
            if !use_dual && self.loss == SvmLoss::Hinge {
                return Err(Error::param("dual", "the hinge loss needs the dual solver"));
            }
            let (w, it) = if use_dual {
                dual_cd(
                    x.view(),
                    &y,
                    &c,
                    bias,
                    self.loss,
                    self.tol,
                    self.max_iter,
                    self.seed,
                )
            } else {
                primal(x.view(), &y, &c, bias, self.tol, self.max_iter)?
            };
            n_iter = n_iter.max(it);
            coef.row_mut(r).assign(&Array1::from(w[..d].to_vec()));
            if bias > 0.0 {
                intercept[r] = w[d] * bias;
            }
        }
        Ok(LinearSvc {
            lin: LinearCoef { coef, intercept },
            classes: names.to_vec(),
            n_iter,
        })
    }
}

impl LinearSvc {
    /// Coefficients, one row (binary) or one per class.
    pub fn coef(&self) -> &Array2<f64> {
        &self.lin.coef
    }
    /// Intercepts.
    pub fn intercept(&self) -> &Array1<f64> {
        &self.lin.intercept
    }
    /// Largest number of passes over the data among the binary problems.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
}

impl Fitted for LinearSvc {
    fn model_name(&self) -> &'static str {
        "linear-svc"
    }
    fn n_features_in(&self) -> usize {
        self.lin.coef.ncols()
    }
}

impl Classifier for LinearSvc {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(scores_to_labels(&self.decision_function(x)?))
    }
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(self.lin.decision(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::test_util::*;
    use breadth_core::conformance::check_classifier;

    // Expected values: reference/linear.py (scikit-learn 1.9.1 / liblinear, tol=1e-10), svm.json.

    fn check(m: &LinearSvc, c: &serde_json::Value, rtol: f64, what: &str) {
        assert_close(
            m.coef().as_slice().unwrap(),
            mat(&c["coef"]).as_slice().unwrap(),
            rtol,
            what,
        );
        assert_close(
            m.intercept().as_slice().unwrap(),
            vec1(&c["intercept"]).as_slice().unwrap(),
            rtol,
            what,
        );
    }

    #[test]
    fn matches_liblinear() {
        let f = fixture("svm");
        let bc = load_std("breast_cancer");
        let wine = load_std("wine");
        let p = LinearSvcParams::default().tol(1e-10).max_iter(1_000_000);
        check(
            &p.clone().c(0.1).fit(&bc).unwrap(),
            &f["linear_svc_sq_hinge"],
            1e-5,
            "squared hinge",
        );
        let dual = p.clone().c(0.1).dual(true).fit(&bc).unwrap();
        check(
            &dual,
            &f["linear_svc_sq_hinge"],
            1e-5,
            "squared hinge, dual",
        );
        assert!(p.clone().loss(SvmLoss::Hinge).dual(false).fit(&bc).is_err());
        check(
            &p.clone().c(0.1).loss(SvmLoss::Hinge).fit(&bc).unwrap(),
            &f["linear_svc_hinge"],
            1e-4,
            "hinge",
        );
        check(
            &p.clone().c(0.05).fit(&wine).unwrap(),
            &f["linear_svc_wine_ovr"],
            1e-5,
            "ovr",
        );
    }

    #[test]
    fn conformance() {
        check_classifier(&LinearSvcParams::default(), &load_std("iris"));
    }
}
