//! Every model of this crate, registered once for the CLI and model selection.
//!
//! To add a model: implement [`breadth_core::registry::Configurable`] on its parameters and add
//! one line below.

use breadth_core::registry::ModelSpec;

use crate::bayes::{
    BernoulliNbParams, CategoricalNbParams, ComplementNbParams, GaussianNbParams,
    MultinomialNbParams,
};
use crate::cluster::agglomerative::AgglomerativeParams;
use crate::cluster::dbscan::DbscanParams;
use crate::cluster::gmm::GaussianMixtureParams;
use crate::cluster::hdbscan::HdbscanParams;
use crate::cluster::kmeans::KMeansParams;
use crate::cluster::minibatch_kmeans::MiniBatchKMeansParams;
use crate::decomposition::fastica::FastIcaParams;
use crate::decomposition::incremental_pca::IncrementalPcaParams;
use crate::decomposition::pca::PcaParams;
use crate::decomposition::truncated_svd::TruncatedSvdParams;
use crate::discriminant::lda::LdaParams;
use crate::discriminant::qda::QdaParams;
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
use crate::feature_selection::{
    RfeParams, RfecvParams, SelectFromLassoParams, SelectKBestParams, SelectPercentileParams,
    SequentialParams, VarianceThresholdParams,
};
use crate::gbdt::{GbdtClassifierParams, GbdtRegressorParams};
use crate::linear::coordinate_descent::{ElasticNetParams, LassoParams};
use crate::linear::huber::HuberParams;
use crate::linear::logistic::LogisticRegressionParams;
use crate::linear::ols::LinearRegressionParams;
use crate::linear::ridge::{RidgeCvParams, RidgeParams};
use crate::linear::sgd::{PerceptronParams, SgdClassifierParams, SgdRegressorParams};
use crate::neighbors::{
    KNeighborsClassifierParams, KNeighborsRegressorParams, RadiusNeighborsClassifierParams,
    RadiusNeighborsRegressorParams,
};
use crate::outlier::{
    EllipticEnvelopeParams, IsolationForestParams, LocalOutlierFactorParams,
    UnivariateOutlierParams,
};
use crate::semi_supervised::label_propagation::{LabelPropagationParams, LabelSpreadingParams};
use crate::semi_supervised::self_training::SelfTrainingParams;
use crate::svm::linear_svc::LinearSvcParams;
use crate::svm::svc::{SvcParams, SvrParams};
use crate::tree::{DecisionTreeClassifierParams, DecisionTreeRegressorParams};

/// The models of breadth-classic.
pub fn models() -> Vec<ModelSpec> {
    vec![
        ModelSpec::transformer::<VarianceThresholdParams>(
            "variance-threshold",
            "Feature selection: drop columns whose variance is at most a threshold",
        ),
        ModelSpec::transformer::<SelectKBestParams>(
            "select-k-best",
            "Feature selection: the k best columns by chi2, ANOVA F or regression F",
        ),
        ModelSpec::transformer::<SelectPercentileParams>(
            "select-percentile",
            "Feature selection: the best percentile of columns by chi2, ANOVA F or regression F",
        ),
        ModelSpec::transformer::<RfeParams>(
            "rfe",
            "Feature selection: recursive elimination by linear / logistic coefficients",
        ),
        ModelSpec::transformer::<SelectFromLassoParams>(
            "select-from-lasso",
            "Feature selection: the columns with non-zero Lasso coefficients",
        ),
        ModelSpec::transformer::<RfecvParams>(
            "rfecv",
            "Feature selection: RFE with the number of features chosen by cross-validation",
        ),
        ModelSpec::transformer::<SequentialParams>(
            "sequential-feature-selector",
            "Feature selection: greedy forward / backward by cross-validated score",
        ),
        ModelSpec::clusterer::<IsolationForestParams>(
            "isolation-forest",
            "Outliers (-1) isolated quickly by random trees; inliers +1",
        ),
        ModelSpec::clusterer::<LocalOutlierFactorParams>(
            "local-outlier-factor",
            "Outliers (-1) whose neighbourhood is sparser than their neighbours' (novelty=true for new rows)",
        ),
        ModelSpec::clusterer::<EllipticEnvelopeParams>(
            "elliptic-envelope",
            "Outliers (-1) far in robust (MCD) Mahalanobis distance",
        ),
        ModelSpec::clusterer::<UnivariateOutlierParams>(
            "univariate-outliers",
            "Outliers (-1) by a per-feature rule: z-score, modified z-score (MAD) or IQR fences",
        ),
        ModelSpec::classifier::<DummyClassifierParams>(
            "dummy-classifier",
            "Baseline that ignores the features: most frequent class, prior, stratified or uniform",
        ),
        ModelSpec::regressor::<DummyRegressorParams>(
            "dummy-regressor",
            "Baseline that ignores the features: mean, median or a quantile of the target",
        ),
        ModelSpec::classifier::<LabelPropagationParams>(
            "label-propagation",
            "Semi-supervised: propagate labels over an RBF or kNN graph, clamping known labels",
        ),
        ModelSpec::classifier::<LabelSpreadingParams>(
            "label-spreading",
            "Semi-supervised: spread labels over a normalised RBF or kNN graph with soft clamping",
        ),
        ModelSpec::classifier::<SelfTrainingParams<LogisticRegressionParams>>(
            "self-training",
            "Semi-supervised: logistic regression that adds its confident predictions on unlabelled rows",
        ),
        ModelSpec::clusterer::<KMeansParams>(
            "kmeans",
            "k-means: k-means++ seeding, Lloyd (GEMM) or Hamerly iterations, n_init restarts",
        ),
        ModelSpec::clusterer::<MiniBatchKMeansParams>(
            "minibatch-kmeans",
            "k-means on random mini-batches (Sculley), for large data",
        ),
        ModelSpec::clusterer::<GaussianMixtureParams>(
            "gaussian-mixture",
            "Gaussian mixture by EM: full, tied, diag or spherical covariances",
        ),
        ModelSpec::clusterer::<AgglomerativeParams>(
            "agglomerative",
            "Hierarchical clustering (single, complete, average, Ward) by nearest-neighbour chain",
        ),
        ModelSpec::clusterer::<DbscanParams>(
            "dbscan",
            "Density-based clustering with noise (-1), neighbourhoods from the shared index",
        ),
        ModelSpec::clusterer::<HdbscanParams>(
            "hdbscan",
            "Hierarchical DBSCAN: mutual-reachability spanning tree, condensed tree, excess of mass",
        ),
        ModelSpec::transformer::<FastIcaParams>(
            "fastica",
            "Independent component analysis: logcosh, exp or cube contrast; parallel or deflation",
        ),
        ModelSpec::transformer::<TruncatedSvdParams>(
            "truncated-svd",
            "Truncated SVD without centring (LSA on TF-IDF): randomized or exact",
        ),
        ModelSpec::transformer::<IncrementalPcaParams>(
            "incremental-pca",
            "PCA from batches of rows (for data that does not fit in memory)",
        ),
        ModelSpec::transformer::<PcaParams>(
            "pca",
            "Principal component analysis: exact SVD, covariance eigh or randomized; whitening",
        ),
        ModelSpec::classifier::<KNeighborsClassifierParams>(
            "k-neighbors-classifier",
            "Vote of the k nearest training rows (uniform or 1/distance weights)",
        ),
        ModelSpec::regressor::<KNeighborsRegressorParams>(
            "k-neighbors-regressor",
            "Mean of the k nearest training rows' targets (uniform or 1/distance weights)",
        ),
        ModelSpec::classifier::<RadiusNeighborsClassifierParams>(
            "radius-neighbors-classifier",
            "Vote of the training rows within a radius",
        ),
        ModelSpec::regressor::<RadiusNeighborsRegressorParams>(
            "radius-neighbors-regressor",
            "Mean target of the training rows within a radius",
        ),
        ModelSpec::classifier::<GaussianNbParams>(
            "gaussian-nb",
            "Naive Bayes with a normal distribution per class and feature",
        ),
        ModelSpec::classifier::<MultinomialNbParams>(
            "multinomial-nb",
            "Naive Bayes over counts (word counts, frequencies), Laplace/Lidstone smoothing",
        ),
        ModelSpec::classifier::<ComplementNbParams>(
            "complement-nb",
            "Naive Bayes over counts from the complement classes (robust to imbalance)",
        ),
        ModelSpec::classifier::<BernoulliNbParams>(
            "bernoulli-nb",
            "Naive Bayes over binary (or binarized) features",
        ),
        ModelSpec::classifier::<CategoricalNbParams>(
            "categorical-nb",
            "Naive Bayes over categorical features coded 0, 1, 2, ...",
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
