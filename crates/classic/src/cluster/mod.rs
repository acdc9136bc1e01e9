//! Clustering: k-means and mini-batch k-means, agglomerative (hierarchical) clustering, DBSCAN,
//! HDBSCAN and Gaussian mixtures.
//!
//! Every method is a hyper-parameter struct implementing [`breadth_core::Fit`] whose fitted type
//! implements [`breadth_core::Clusterer`] (labels of the training rows, `-1` for noise).
//!
//! ```
//! use breadth_classic::cluster::kmeans::KMeansParams;
//! use breadth_core::{Clusterer, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let m = KMeansParams::new(3).seed(1).fit(&iris).unwrap();
//! assert_eq!(m.labels().len(), 150);
//! ```

pub mod agglomerative;
pub mod dbscan;
pub mod gmm;
pub mod hdbscan;
pub mod kmeans;
pub mod minibatch_kmeans;

#[cfg(test)]
pub(crate) mod testutil;
