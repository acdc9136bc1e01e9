//! Every model of this crate, registered once for the CLI and model selection.
//!
//! To add a model: implement [`breadth_core::registry::Configurable`] on its parameters and add
//! one line below.

use breadth_core::registry::ModelSpec;

use crate::cluster::agglomerative::AgglomerativeParams;
use crate::cluster::dbscan::DbscanParams;
use crate::cluster::gmm::GaussianMixtureParams;
use crate::cluster::kmeans::KMeansParams;
use crate::cluster::minibatch_kmeans::MiniBatchKMeansParams;
use crate::decomposition::fastica::FastIcaParams;
use crate::decomposition::incremental_pca::IncrementalPcaParams;
use crate::decomposition::pca::PcaParams;
use crate::decomposition::truncated_svd::TruncatedSvdParams;
use crate::dummy::{DummyClassifierParams, DummyRegressorParams};
use crate::neighbors::{
    KNeighborsClassifierParams, KNeighborsRegressorParams, RadiusNeighborsClassifierParams,
    RadiusNeighborsRegressorParams,
};

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
    ]
}
