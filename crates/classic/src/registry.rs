//! Every model of this crate, registered once for the CLI and model selection.
//!
//! To add a model: implement [`breadth_core::registry::Configurable`] on its parameters and add
//! one line below.

use breadth_core::registry::ModelSpec;

use crate::cluster::gmm::GaussianMixtureParams;
use crate::cluster::kmeans::KMeansParams;
use crate::decomposition::pca::PcaParams;
use crate::dummy::{DummyClassifierParams, DummyRegressorParams};

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
        ModelSpec::clusterer::<KMeansParams>(
            "kmeans",
            "k-means: k-means++ seeding, Lloyd (GEMM) or Hamerly iterations, n_init restarts",
        ),
        ModelSpec::clusterer::<GaussianMixtureParams>(
            "gaussian-mixture",
            "Gaussian mixture by EM: full, tied, diag or spherical covariances",
        ),
        ModelSpec::transformer::<PcaParams>(
            "pca",
            "Principal component analysis: exact SVD, covariance eigh or randomized; whitening",
        ),
    ]
}
