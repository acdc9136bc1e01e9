//! Quadratic discriminant analysis (scikit-learn's `QuadraticDiscriminantAnalysis`).
//!
//! Per class $k$: mean $\mu_k$, and the thin SVD of the centered rows
//! $X_k - \mu_k = U S V^\top$ gives the covariance eigenvalues $\lambda = S^2/n_k$ regularized to
//! $(1-r)\lambda + r$ (`reg_param` $r$), so $\Sigma_k = V\operatorname{diag}(\lambda)V^\top$. The log
//! posterior is $\delta_k(x) = -\frac12(\lVert \operatorname{diag}(\lambda)^{-1/2}V^\top(x - \mu_k)
//! \rVert^2 + \sum_j\log\lambda_j) + \log\pi_k$ and probabilities are its softmax. Fitting costs
//! $O(nd^2)$, prediction $O(Kd^2)$ per row. A class whose regularized covariance has an eigenvalue
//! at or below `tol` is refused (collinear features: raise `reg_param`).
//!
//! Reference: T. Hastie et al., *The Elements of Statistical Learning*, §4.3, eq. (4.12).
//!
//! ```
//! use breadth_classic::discriminant::qda::QdaParams;
//! use breadth_core::{Classifier, Fit};
//! let wine = breadth_data::datasets::load("wine").unwrap();
//! let m = QdaParams::default().reg_param(0.1).fit(&wine).unwrap();
//! assert_eq!(m.predict_proba(wine.features()).unwrap().ncols(), 3);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::linalg::{as_faer, to_ndarray};
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, in_range, positive};
use breadth_core::{Classifier, Dataset, Error, Fit, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{class_stats, softmax_rows};
use crate::linear::logistic::scores_to_labels;

/// Hyper-parameters of QDA.
#[derive(Debug, Clone, PartialEq)]
pub struct QdaParams {
    /// Shrinks each class covariance towards the identity, in [0, 1].
    pub reg_param: f64,
    /// Smallest accepted covariance eigenvalue.
    pub tol: f64,
}

impl Default for QdaParams {
    fn default() -> Self {
        QdaParams {
            reg_param: 0.0,
            tol: 1e-4,
        }
    }
}

impl QdaParams {
    /// Set the regularization.
    pub fn reg_param(mut self, r: f64) -> Self {
        self.reg_param = r;
        self
    }
}

impl Configurable for QdaParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "reg_param",
                self.reg_param,
                "covariance shrinkage towards I, in [0, 1]",
            ),
            ParamSpec::new("tol", self.tol, "smallest accepted covariance eigenvalue"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "reg_param" => self.reg_param = parse_param(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted QDA model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Qda {
    means: Array2<f64>,
    log_priors: Array1<f64>,
    /// Per class: $V\operatorname{diag}(\lambda)^{-1/2}$ (`d x d`).
    whiteners: Vec<Array2<f64>>,
    log_dets: Vec<f64>,
    classes: Vec<String>,
}

impl Fit for QdaParams {
    type Fitted = Qda;
    fn fit(&self, data: &Dataset) -> Result<Qda> {
        in_range("reg_param", self.reg_param, 0.0, 1.0)?;
        positive("tol", self.tol)?;
        check_fit_input(data)?;
        let (labels, names) = data.class_target("qda")?;
        let x = data.features();
        let stats = class_stats(x, labels, names.len(), "qda")?;
        let d = x.ncols();
        let mut whiteners = Vec::new();
        let mut log_dets = Vec::new();
        for (c, g) in stats.groups.iter().enumerate() {
            let xc = &x.select(Axis(0), g) - &stats.means.row(c);
            let svd = as_faer(xc.view())
                .thin_svd()
                .map_err(|e| Error::numerical("qda SVD", format!("{e:?}")))?;
            let s = svd.S().column_vector();
            let lambda: Vec<f64> = (0..s.nrows())
                .map(|j| (1.0 - self.reg_param) * s[j] * s[j] / g.len() as f64 + self.reg_param)
                .collect();
            if lambda.len() < d || lambda.iter().any(|&l| l <= self.tol) {
                return Err(Error::numerical(
                    "qda",
                    format!(
                        "the covariance of class `{}` is not full rank; increase reg_param",
                        names[c]
                    ),
                ));
            }
            let v = to_ndarray(svd.V());
            whiteners.push(Array2::from_shape_fn((d, d), |(i, j)| {
                v[[i, j]] / lambda[j].sqrt()
            }));
            log_dets.push(lambda.iter().map(|l| l.ln()).sum());
        }
        Ok(Qda {
            means: stats.means,
            log_priors: stats.priors.mapv(f64::ln),
            whiteners,
            log_dets,
            classes: names.to_vec(),
        })
    }
}

impl Qda {
    /// Class means, `K x d`.
    pub fn means(&self) -> &Array2<f64> {
        &self.means
    }

    fn log_posterior(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let mut out = Array2::zeros((x.nrows(), self.classes.len()));
        for c in 0..self.classes.len() {
            let z = (&x - &self.means.row(c)).dot(&self.whiteners[c]);
            for (i, row) in z.outer_iter().enumerate() {
                out[[i, c]] = -0.5 * (row.dot(&row) + self.log_dets[c]) + self.log_priors[c];
            }
        }
        Ok(out)
    }
}

impl Fitted for Qda {
    fn model_name(&self) -> &'static str {
        "qda"
    }
    fn n_features_in(&self) -> usize {
        self.means.ncols()
    }
}

impl Classifier for Qda {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(scores_to_labels(&self.log_posterior(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(softmax_rows(self.log_posterior(x)?))
    }
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.log_posterior(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::test_util::*;
    use breadth_core::conformance::check_classifier;
    use ndarray::s;

    // Expected values: reference/linear.py (scikit-learn 1.9.1), fixture discriminant.json.

    #[test]
    fn matches_scikit_learn() {
        let f = fixture("discriminant");
        let iris = load("iris");
        let m = QdaParams::default().fit(&iris).unwrap();
        let x = iris.features();
        let head = m.predict_proba(x.slice(s![..5, ..])).unwrap();
        assert_close(
            head.as_slice().unwrap(),
            mat(&f["qda_iris"]["proba_head"]).as_slice().unwrap(),
            1e-8,
            "head",
        );
        let tail = m.predict_proba(x.slice(s![145.., ..])).unwrap();
        assert_close(
            tail.as_slice().unwrap(),
            mat(&f["qda_iris"]["proba_tail"]).as_slice().unwrap(),
            1e-8,
            "tail",
        );
        let wine = load("wine");
        let m = QdaParams::default().reg_param(0.1).fit(&wine).unwrap();
        let c = &f["qda_wine_reg"];
        let p = m.predict_proba(wine.features().slice(s![..5, ..])).unwrap();
        assert_close(
            p.as_slice().unwrap(),
            mat(&c["proba_head"]).as_slice().unwrap(),
            1e-8,
            "wine",
        );
        let pred: Vec<u64> = m
            .predict(wine.features())
            .unwrap()
            .iter()
            .map(|&v| v as u64)
            .collect();
        let expected: Vec<u64> = c["predict"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(pred, expected);
    }

    #[test]
    fn collinear_class_is_refused_until_regularized() {
        let iris = load("iris");
        let mut x = iris.features().to_owned();
        let c0 = x.column(0).to_owned();
        x.column_mut(1).assign(&(&c0 * 2.0));
        let ds = iris
            .with_features(x, iris.feature_names().to_vec())
            .unwrap();
        assert!(QdaParams::default().fit(&ds).is_err());
        assert!(QdaParams::default().reg_param(0.05).fit(&ds).is_ok());
    }

    #[test]
    fn conformance() {
        check_classifier(&QdaParams::default(), &load("iris"));
    }
}
