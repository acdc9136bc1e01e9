//! Every model of this crate, registered once for the CLI and model selection.
//!
//! To add a model: implement [`breadth_core::registry::Configurable`] on its parameters and add
//! one line below.

use breadth_core::registry::ModelSpec;

use crate::discriminant::lda::LdaParams;
use crate::discriminant::qda::QdaParams;
use crate::dummy::{DummyClassifierParams, DummyRegressorParams};
use crate::linear::coordinate_descent::{ElasticNetParams, LassoParams};
use crate::linear::huber::HuberParams;
use crate::linear::logistic::LogisticRegressionParams;
use crate::linear::ols::LinearRegressionParams;
use crate::linear::ridge::{RidgeCvParams, RidgeParams};
use crate::linear::sgd::{PerceptronParams, SgdClassifierParams, SgdRegressorParams};
use crate::svm::linear_svc::LinearSvcParams;
use crate::svm::svc::{SvcParams, SvrParams};

/// The models of breadth-classic.
pub fn models() -> Vec<ModelSpec> {
    vec![
        ModelSpec::classifier::<DummyClassifierParams>(
            "dummy-classifier",
            "Baseline that ignores the features: most frequent class, prior, stratified or uniform",
        ),
        ModelSpec::regressor::<DummyRegressorParams>(
            "dummy-regressor",
            "Baseline that ignores the features: mean, median or a quantile of the target",
        ),
        ModelSpec::regressor::<LinearRegressionParams>(
            "linear-regression",
            "Ordinary least squares (QR + SVD, minimum-norm when rank deficient)",
        ),
        ModelSpec::regressor::<RidgeParams>("ridge", "Least squares with an L2 penalty"),
        ModelSpec::regressor::<RidgeCvParams>(
            "ridge-cv",
            "Ridge with the penalty chosen by exact leave-one-out cross-validation",
        ),
        ModelSpec::regressor::<LassoParams>(
            "lasso",
            "L1-penalized least squares by coordinate descent",
        ),
        ModelSpec::regressor::<ElasticNetParams>(
            "elastic-net",
            "L1 + L2 penalized least squares by coordinate descent",
        ),
        ModelSpec::classifier::<LogisticRegressionParams>(
            "logistic-regression",
            "Binary / multinomial logistic regression (L-BFGS, Newton, SAGA; L2, L1, elastic net)",
        ),
        ModelSpec::classifier::<SvcParams>(
            "svc",
            "Kernel SVM classifier (SMO as libsvm; one-vs-one; optional Platt probabilities)",
        ),
        ModelSpec::regressor::<SvrParams>("svr", "Kernel epsilon-SVR (SMO as libsvm)"),
        ModelSpec::classifier::<LinearSvcParams>(
            "linear-svc",
            "Linear SVM by dual coordinate descent (as liblinear), one-vs-rest",
        ),
        ModelSpec::classifier::<LdaParams>(
            "lda",
            "Linear discriminant analysis (SVD or eigen solver, shrinkage)",
        ),
        ModelSpec::classifier::<QdaParams>("qda", "Quadratic discriminant analysis"),
        ModelSpec::classifier::<SgdClassifierParams>(
            "sgd-classifier",
            "Linear classifier by SGD (hinge, log, squared hinge, modified Huber; L1/L2/elastic net)",
        ),
        ModelSpec::classifier::<PerceptronParams>("perceptron", "Rosenblatt's perceptron (SGD)"),
        ModelSpec::regressor::<SgdRegressorParams>(
            "sgd-regressor",
            "Linear regression by SGD (squared, Huber, epsilon-insensitive losses)",
        ),
        ModelSpec::regressor::<HuberParams>(
            "huber",
            "Huber regression with joint scale estimate (robust to outliers)",
        ),
    ]
}
