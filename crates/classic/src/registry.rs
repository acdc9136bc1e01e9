//! Every model of this crate, registered once for the CLI and model selection.
//!
//! To add a model: implement [`breadth_core::registry::Configurable`] on its parameters and add
//! one line below.

use breadth_core::registry::ModelSpec;

use crate::dummy::{DummyClassifierParams, DummyRegressorParams};
use crate::ensemble::adaboost::{AdaBoostClassifierParams, AdaBoostRegressorParams};
use crate::ensemble::bagging::{BaggingClassifierParams, BaggingRegressorParams};
use crate::ensemble::forest::{
    ExtraTreesClassifierParams, ExtraTreesRegressorParams, RandomForestClassifierParams,
    RandomForestRegressorParams,
};
use crate::ensemble::gradient_boosting::{
    GradientBoostingClassifierParams, GradientBoostingRegressorParams,
};
use crate::gbdt::{GbdtClassifierParams, GbdtRegressorParams};
use crate::tree::{DecisionTreeClassifierParams, DecisionTreeRegressorParams};

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
        ModelSpec::classifier::<DecisionTreeClassifierParams>(
            "decision-tree-classifier",
            "CART classification tree (gini / entropy), pruning, missing values",
        ),
        ModelSpec::regressor::<DecisionTreeRegressorParams>(
            "decision-tree-regressor",
            "CART regression tree (squared / absolute error, Poisson), pruning, missing values",
        ),
        ModelSpec::classifier::<GbdtClassifierParams>(
            "gbdt-classifier",
            "Histogram gradient boosting (LightGBM-style): binary / softmax, missing values",
        ),
        ModelSpec::regressor::<GbdtRegressorParams>(
            "gbdt-regressor",
            "Histogram gradient boosting (LightGBM-style): squared error / Poisson, missing values",
        ),
        ModelSpec::classifier::<RandomForestClassifierParams>(
            "random-forest-classifier",
            "Random forest: bootstrap CART trees on random feature subsets, OOB score",
        ),
        ModelSpec::regressor::<RandomForestRegressorParams>(
            "random-forest-regressor",
            "Random forest regression: bootstrap CART trees, OOB score",
        ),
        ModelSpec::classifier::<ExtraTreesClassifierParams>(
            "extra-trees-classifier",
            "Extremely randomized trees: random thresholds on random features",
        ),
        ModelSpec::regressor::<ExtraTreesRegressorParams>(
            "extra-trees-regressor",
            "Extremely randomized trees for regression",
        ),
        ModelSpec::classifier::<AdaBoostClassifierParams>(
            "adaboost-classifier",
            "AdaBoost (SAMME, multi-class) over decision stumps, staged predictions",
        ),
        ModelSpec::regressor::<AdaBoostRegressorParams>(
            "adaboost-regressor",
            "AdaBoost.R2 over depth-3 regression trees",
        ),
        ModelSpec::classifier::<GradientBoostingClassifierParams>(
            "gradient-boosting-classifier",
            "Gradient boosting (scikit-learn style): binary / multinomial log loss, subsampling",
        ),
        ModelSpec::regressor::<GradientBoostingRegressorParams>(
            "gradient-boosting-regressor",
            "Gradient boosting: squared, absolute, Huber or quantile loss, early stopping",
        ),
        ModelSpec::classifier::<BaggingClassifierParams<DecisionTreeClassifierParams>>(
            "bagging-classifier",
            "Bagging of CART classification trees (bootstrap or subsample)",
        ),
        ModelSpec::regressor::<BaggingRegressorParams<DecisionTreeRegressorParams>>(
            "bagging-regressor",
            "Bagging of CART regression trees (bootstrap or subsample)",
        ),
    ]
}
