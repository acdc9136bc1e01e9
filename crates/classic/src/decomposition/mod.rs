//! Dimensionality reduction: PCA (exact, covariance-eigh and randomized), truncated SVD,
//! incremental PCA, FastICA and t-SNE, plus the shared dense linear-algebra kernels.
//!
//! ```
//! use breadth_classic::decomposition::linalg::sym_eigen;
//! use ndarray::array;
//! let (vals, _) = sym_eigen(array![[2.0, 0.0], [0.0, 5.0]].view()).unwrap();
//! assert_eq!(vals.to_vec(), vec![5.0, 2.0]);
//! ```

pub mod fastica;
pub mod incremental_pca;
pub mod linalg;
pub mod pca;
pub mod truncated_svd;
pub mod tsne;
