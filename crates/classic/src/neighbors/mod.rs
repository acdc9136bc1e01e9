//! Nearest neighbours: the shared index and the k-NN / radius models built on it.
//!
//! - [`NearestNeighbors`] ([`index`]): brute force (GEMM-based for Euclidean), k-d tree and ball
//!   tree, chosen automatically; k-nearest and radius queries under the metrics of [`Metric`].
//! - [`KNeighborsClassifier`] / [`KNeighborsRegressor`] ([`knn`]): vote or average over the $k$
//!   nearest training rows, uniformly or weighted by $1/d$.
//! - [`RadiusNeighborsClassifier`] / [`RadiusNeighborsRegressor`] ([`radius`]): the same over
//!   every training row within a radius.
//!
//! Reference: T. Hastie, R. Tibshirani, J. Friedman, *The Elements of Statistical Learning*,
//! 2nd ed., §13.3; scikit-learn's `sklearn.neighbors`, whose results the tests reproduce.
//!
//! ```
//! use breadth_classic::neighbors::NearestNeighborsParams;
//! use ndarray::array;
//! let x = array![[0.0], [1.0], [3.0], [7.0]];
//! let index = NearestNeighborsParams::default().fit_array(x.view()).unwrap();
//! let nn = index.kneighbors(array![[2.6]].view(), 2).unwrap();
//! assert_eq!(nn.indices.row(0).to_vec(), vec![2, 1]);
//! ```

mod brute;
pub mod index;
pub mod knn;
pub mod metric;
pub mod radius;
mod topk;
mod tree;

pub use index::{Algorithm, NearestNeighbors, NearestNeighborsParams, Neighbors, RadiusNeighbors};
pub use knn::{
    KNeighborsClassifier, KNeighborsClassifierParams, KNeighborsRegressor,
    KNeighborsRegressorParams, Weights,
};
pub use metric::Metric;
pub use radius::{
    OutlierLabel, RadiusNeighborsClassifier, RadiusNeighborsClassifierParams,
    RadiusNeighborsRegressor, RadiusNeighborsRegressorParams,
};

/// Fixture loading shared by the tests of this crate's modules.
#[cfg(test)]
pub(crate) mod testing {
    use ndarray::{Array1, Array2};
    use serde_json::Value;

    /// A JSON fixture under `tests/fixtures/`.
    pub(crate) fn fixture(path: &str) -> Value {
        let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
        serde_json::from_str(&text).expect("valid JSON")
    }

    /// A list of lists of numbers as a matrix.
    pub(crate) fn arr2(v: &Value) -> Array2<f64> {
        let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).expect("matrix");
        let (n, d) = (rows.len(), rows.first().map_or(0, Vec::len));
        Array2::from_shape_vec((n, d), rows.into_iter().flatten().collect()).expect("rectangular")
    }

    /// A list of numbers as a vector.
    pub(crate) fn arr1(v: &Value) -> Array1<f64> {
        serde_json::from_value::<Vec<f64>>(v.clone())
            .expect("vector")
            .into()
    }

    /// A list of non-negative integers.
    pub(crate) fn usizes(v: &Value) -> Vec<usize> {
        serde_json::from_value(v.clone()).expect("integers")
    }
}
