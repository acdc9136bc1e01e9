//! Huber regression (scikit-learn's `HuberRegressor`): a linear fit robust to outliers, with the
//! scale estimated jointly.
//!
//! Minimizes over $(w, b, \sigma > 0)$, with residuals $r_i = y_i - x_i^\top w - b$ and sample
//! weights $s_i$,
//! $$\sum_i s_i\Big(\sigma + \sigma\,H_\epsilon\big(\tfrac{r_i}{\sigma}\big)\Big) + \alpha\lVert w\rVert^2,
//! \qquad H_\epsilon(z) = \begin{cases} z^2 & \lvert z\rvert < \epsilon\\ 2\epsilon\lvert z\rvert - \epsilon^2 & \text{otherwise}\end{cases}$$
//! (Owen's concomitant scale formulation, jointly convex in $(w, b, \sigma)$) by L-BFGS
//! ([`crate::optim::lbfgs`]); the line search keeps $\sigma > 0$ since the objective is infinite
//! outside. Each evaluation costs $O(nd)$.
//!
//! Reference: A. B. Owen, *A robust hybrid of lasso and ridge regression*, 2007; P. J. Huber,
//! *Robust Statistics*, Wiley 1981.
//!
//! ```
//! use breadth_classic::linear::huber::HuberParams;
//! use breadth_core::{Dataset, Fit, Target};
//! use ndarray::array;
//! // One gross outlier barely moves the Huber fit of y = 2x.
//! let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]];
//! let ds = Dataset::new(x).with_target(Target::Continuous(array![0.0, 2.0, 4.0, 6.0, 8.0, 100.0])).unwrap();
//! let m = HuberParams::default().fit(&ds).unwrap();
//! assert!((m.coef()[0] - 2.0).abs() < 0.3, "{}", m.coef()[0]);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, non_negative, positive};
use breadth_core::{Dataset, Error, Fit, Regressor, Result};
use ndarray::{s, Array1, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::parse_bool;
use crate::optim::lbfgs::Lbfgs;
use crate::optim::Objective;

/// Hyper-parameters of Huber regression.
#[derive(Debug, Clone, PartialEq)]
pub struct HuberParams {
    /// Threshold $\epsilon > 1$ (in units of $\sigma$) beyond which residuals count linearly.
    pub epsilon: f64,
    /// L2 penalty $\alpha \ge 0$.
    pub alpha: f64,
    /// Fit an intercept.
    pub fit_intercept: bool,
    /// L-BFGS gradient tolerance.
    pub tol: f64,
    /// L-BFGS iteration limit.
    pub max_iter: usize,
}

impl Default for HuberParams {
    fn default() -> Self {
        HuberParams {
            epsilon: 1.35,
            alpha: 1e-4,
            fit_intercept: true,
            tol: 1e-5,
            max_iter: 100,
        }
    }
}

impl HuberParams {
    /// Set $\epsilon$.
    pub fn epsilon(mut self, e: f64) -> Self {
        self.epsilon = e;
        self
    }
    /// Set $\alpha$.
    pub fn alpha(mut self, a: f64) -> Self {
        self.alpha = a;
        self
    }
    /// Set the tolerance.
    pub fn tol(mut self, t: f64) -> Self {
        self.tol = t;
        self
    }
    /// Set the iteration limit.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
}

impl Configurable for HuberParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "epsilon",
                self.epsilon,
                "outlier threshold in scale units, > 1",
            ),
            ParamSpec::new("alpha", self.alpha, "L2 penalty >= 0"),
            ParamSpec::new("fit_intercept", self.fit_intercept, "true | false"),
            ParamSpec::new("tol", self.tol, "gradient tolerance"),
            ParamSpec::new("max_iter", self.max_iter, "L-BFGS iterations"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "epsilon" => self.epsilon = parse_param(name, value)?,
            "alpha" => self.alpha = parse_param(name, value)?,
            "fit_intercept" => self.fit_intercept = parse_bool(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            "max_iter" => self.max_iter = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The objective over $\theta = (w, [b], \sigma)$.
struct HuberLoss<'a> {
    x: ArrayView2<'a, f64>,
    y: ArrayView1<'a, f64>,
    sw: Array1<f64>,
    epsilon: f64,
    alpha: f64,
    intercept: bool,
}

impl Objective for HuberLoss<'_> {
    fn dim(&self) -> usize {
        self.x.ncols() + usize::from(self.intercept) + 1
    }
    fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let d = self.x.ncols();
        let sigma = theta[theta.len() - 1];
        grad.iter_mut().for_each(|g| *g = 0.0);
        if sigma <= 0.0 {
            return f64::INFINITY;
        }
        let w = ArrayView1::from(&theta[..d]);
        let b = if self.intercept { theta[d] } else { 0.0 };
        let r = &self.y - &self.x.dot(&w) - b;
        let eps = self.epsilon;
        let mut loss = self.sw.sum() * sigma;
        let mut g_sigma = self.sw.sum();
        // dL/dr_i, then chain through r = y - Xw - b.
        let mut dr = Array1::zeros(r.len());
        for i in 0..r.len() {
            let (ri, si) = (r[i], self.sw[i]);
            if ri.abs() > eps * sigma {
                loss += si * (2.0 * eps * ri.abs() - sigma * eps * eps);
                g_sigma -= si * eps * eps;
                dr[i] = si * 2.0 * eps * ri.signum();
            } else {
                loss += si * ri * ri / sigma;
                g_sigma -= si * ri * ri / (sigma * sigma);
                dr[i] = si * 2.0 * ri / sigma;
            }
        }
        let gw = self.x.t().dot(&dr);
        for j in 0..d {
            grad[j] = -gw[j] + 2.0 * self.alpha * w[j];
        }
        if self.intercept {
            grad[d] = -dr.sum();
        }
        grad[theta.len() - 1] = g_sigma;
        loss + self.alpha * w.dot(&w)
    }
}

/// A fitted Huber regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Huber {
    coef: Array1<f64>,
    intercept: f64,
    scale: f64,
    outliers: Vec<bool>,
}

impl Fit for HuberParams {
    type Fitted = Huber;
    fn fit(&self, data: &Dataset) -> Result<Huber> {
        if !(self.epsilon >= 1.0 && self.epsilon.is_finite()) {
            return Err(Error::param(
                "epsilon",
                format!("must be >= 1, got {}", self.epsilon),
            ));
        }
        non_negative("alpha", self.alpha)?;
        positive("tol", self.tol)?;
        check_fit_input(data)?;
        let y = data.continuous_target("huber")?;
        let obj = HuberLoss {
            x: data.features(),
            y,
            sw: data.weights_or_ones(),
            epsilon: self.epsilon,
            alpha: self.alpha,
            intercept: self.fit_intercept,
        };
        let mut start = vec![0.0; obj.dim()];
        *start.last_mut().expect("sigma") = 1.0;
        let r = Lbfgs {
            max_iter: self.max_iter,
            gtol: self.tol,
            ..Lbfgs::default()
        }
        .minimize(&obj, start)?;
        let d = data.n_features();
        let theta = Array1::from(r.w);
        let coef = theta.slice(s![..d]).to_owned();
        let intercept = if self.fit_intercept { theta[d] } else { 0.0 };
        let scale = theta[theta.len() - 1];
        let resid = &y - &data.features().dot(&coef) - intercept;
        let outliers = resid
            .iter()
            .map(|r| r.abs() > self.epsilon * scale)
            .collect();
        Ok(Huber {
            coef,
            intercept,
            scale,
            outliers,
        })
    }
}

impl Huber {
    /// Coefficients.
    pub fn coef(&self) -> &Array1<f64> {
        &self.coef
    }
    /// Intercept.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }
    /// Estimated scale $\sigma$.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// Training rows treated as outliers ($\lvert r_i\rvert > \epsilon\sigma$).
    pub fn outliers(&self) -> &[bool] {
        &self.outliers
    }
}

impl Fitted for Huber {
    fn model_name(&self) -> &'static str {
        "huber"
    }
    fn n_features_in(&self) -> usize {
        self.coef.len()
    }
}

impl Regressor for Huber {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        Ok(x.dot(&self.coef) + self.intercept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::test_util::*;
    use breadth_core::conformance::check_regressor;

    #[test]
    fn matches_scikit_learn() {
        // reference/linear.py (scikit-learn 1.9.1, tol=1e-12), fixture huber.json. scikit-learn's
        // L-BFGS-B keeps SciPy's default ftol (2.2e-9 relative decrease), which bounds how close
        // its coefficients are to the optimum: 1e-4 relative here.
        let f = fixture("huber");
        let c = &f["diabetes_std"];
        let ds = load_std("diabetes");
        let m = HuberParams::default()
            .alpha(1e-3)
            .tol(1e-9)
            .max_iter(10_000)
            .fit(&ds)
            .unwrap();
        assert_close(
            m.coef().as_slice().unwrap(),
            vec1(&c["coef"]).as_slice().unwrap(),
            1e-4,
            "coef",
        );
        assert_close(
            &[m.intercept()],
            &[c["intercept"].as_f64().unwrap()],
            1e-4,
            "intercept",
        );
        assert_close(&[m.scale()], &[c["scale"].as_f64().unwrap()], 1e-4, "scale");
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let ds = load_std("diabetes");
        let y = ds.continuous_target("t").unwrap();
        let obj = HuberLoss {
            x: ds.features(),
            y,
            sw: Array1::from_shape_fn(442, |i| 1.0 + (i % 3) as f64),
            epsilon: 1.35,
            alpha: 0.1,
            intercept: true,
        };
        let theta: Vec<f64> = (0..obj.dim())
            .map(|i| {
                if i == 11 {
                    60.0
                } else if i == 10 {
                    150.0
                } else {
                    5.0 * i as f64 - 20.0
                }
            })
            .collect();
        let mut g = vec![0.0; obj.dim()];
        obj.value_grad(&theta, &mut g);
        let mut tmp = vec![0.0; obj.dim()];
        let num = crate::optim::numeric_grad(|t| obj.value_grad(t, &mut tmp), &theta, 1e-5);
        assert_close(&g, &num, 1e-6, "gradient");
    }

    #[test]
    fn conformance() {
        check_regressor(&HuberParams::default().max_iter(300), &load_std("diabetes"));
    }
}
