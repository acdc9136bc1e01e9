//! DBSCAN: density-based clustering with noise (scikit-learn's `DBSCAN`).
//!
//! With the $\varepsilon$-neighbourhood $N_\varepsilon(x_i) = \{ j : d(x_i, x_j) \le \varepsilon \}$
//! (including $i$ itself) and weights $w$, row $i$ is a *core* row when
//! $\sum_{j \in N_\varepsilon(x_i)} w_j \ge$ `min_samples`. Clusters are the connected components
//! of core rows (two core rows are linked when within $\varepsilon$), plus every non-core row
//! within $\varepsilon$ of a core row of the component (a *border* row, given to the first
//! cluster that reaches it). All other rows are noise, labelled $-1$. Labels are numbered in the
//! order scikit-learn finds them (first core row by index, depth-first expansion), so they match
//! it exactly, not only up to renaming.
//!
//! Neighbourhoods come from the shared index ([`crate::neighbors::NearestNeighbors`]: k-d tree,
//! ball tree or brute force) as one parallel radius query per row, neighbour sets only (no
//! distances, no sorting; k-d nodes lying wholly inside the radius are taken whole), then a
//! sequential depth-first labelling as scikit-learn's: about $O(n \log n + P)$ time for
//! low-dimensional data and $O(P)$ memory, $P$ the number of neighbour pairs.
//!
//! Reference: M. Ester, H.-P. Kriegel, J. Sander, X. Xu, *A density-based algorithm for
//! discovering clusters in large spatial databases with noise*, KDD 1996.
//!
//! ```
//! use breadth_classic::cluster::dbscan::DbscanParams;
//! use breadth_core::{Clusterer, Dataset, Fit};
//! use ndarray::array;
//! let x = array![[0.0], [0.1], [0.2], [5.0], [5.1], [5.2], [20.0]];
//! let m = DbscanParams::new(0.5, 2).fit(&Dataset::new(x)).unwrap();
//! assert_eq!(m.labels().to_vec(), vec![0, 0, 0, 1, 1, 1, -1]);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, positive};
use breadth_core::{Clusterer, Dataset, Error, Fit, Result};
use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::neighbors::index::RadiusGraph;
use crate::neighbors::{Algorithm, Metric, NearestNeighborsParams};

/// Hyper-parameters of DBSCAN.
#[derive(Debug, Clone, PartialEq)]
pub struct DbscanParams {
    /// Neighbourhood radius $\varepsilon$.
    pub eps: f64,
    /// Weight (row count) a neighbourhood needs, itself included, to make its centre a core row.
    pub min_samples: f64,
    /// The distance.
    pub metric: Metric,
    /// The neighbour search.
    pub algorithm: Algorithm,
    /// Rows per tree leaf.
    pub leaf_size: usize,
}

impl Default for DbscanParams {
    fn default() -> Self {
        DbscanParams {
            eps: 0.5,
            min_samples: 5.0,
            metric: Metric::Euclidean,
            algorithm: Algorithm::Auto,
            leaf_size: 30,
        }
    }
}

impl DbscanParams {
    /// DBSCAN with radius `eps` and `min_samples`.
    pub fn new(eps: f64, min_samples: usize) -> Self {
        DbscanParams {
            eps,
            min_samples: min_samples as f64,
            ..Default::default()
        }
    }
    /// Set the metric.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }
    /// Set the neighbour search.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }
}

impl Configurable for DbscanParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("eps", self.eps, "neighbourhood radius > 0"),
            ParamSpec::new(
                "min_samples",
                self.min_samples,
                "weight a core row's neighbourhood needs, itself included",
            ),
            ParamSpec::new(
                "metric",
                format!("{:?}", self.metric).to_lowercase(),
                "euclidean | manhattan | chebyshev | minkowski:P | cosine",
            ),
            ParamSpec::new(
                "algorithm",
                self.algorithm,
                "auto | brute | kd_tree | ball_tree",
            ),
            ParamSpec::new("leaf_size", self.leaf_size, "rows per tree leaf"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "eps" => self.eps = parse_param(name, value)?,
            "min_samples" => self.min_samples = parse_param(name, value)?,
            "metric" => self.metric = parse_param(name, value)?,
            "algorithm" => self.algorithm = parse_param(name, value)?,
            "leaf_size" => self.leaf_size = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted DBSCAN clustering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dbscan {
    labels: Array1<i64>,
    core_sample_indices: Vec<usize>,
    n_features: usize,
}

impl Dbscan {
    /// Indices of the core rows, increasing.
    pub fn core_sample_indices(&self) -> &[usize] {
        &self.core_sample_indices
    }
    /// Number of clusters found (noise excluded).
    pub fn n_clusters(&self) -> usize {
        self.labels
            .iter()
            .max()
            .map_or(0, |&m| (m + 1).max(0) as usize)
    }
}

/// Label core-connected components depth-first, as scikit-learn's `dbscan_inner`.
fn expand(graph: &RadiusGraph, is_core: &[bool]) -> Array1<i64> {
    let n = is_core.len();
    let mut labels = Array1::from_elem(n, -1i64);
    let mut next = 0;
    let mut stack = Vec::new();
    for start in 0..n {
        if labels[start] != -1 || !is_core[start] {
            continue;
        }
        let mut i = start;
        loop {
            if labels[i] == -1 {
                labels[i] = next;
                if is_core[i] {
                    stack.extend(
                        graph
                            .neighbors(i)
                            .iter()
                            .copied()
                            .filter(|&j| labels[j] == -1),
                    );
                }
            }
            match stack.pop() {
                Some(j) => i = j,
                None => break,
            }
        }
        next += 1;
    }
    labels
}

impl Fit for DbscanParams {
    type Fitted = Dbscan;
    fn fit(&self, data: &Dataset) -> Result<Dbscan> {
        check_fit_input(data)?;
        positive("eps", self.eps)?;
        if !(self.min_samples >= 1.0 && self.min_samples.is_finite()) {
            return Err(Error::param(
                "min_samples",
                format!("must be a finite number >= 1, got {}", self.min_samples),
            ));
        }
        let x = data.features();
        let index = NearestNeighborsParams {
            algorithm: self.algorithm,
            leaf_size: self.leaf_size,
            metric: self.metric.clone(),
            ..Default::default()
        }
        .fit_array(x)?;
        // Each row is in its own neighbourhood (distance 0), as in scikit-learn.
        let graph = index.radius_graph_of_training(self.eps)?;
        let is_core: Vec<bool> = match data.sample_weight() {
            None => (0..x.nrows())
                .map(|i| graph.neighbors(i).len() as f64 >= self.min_samples)
                .collect(),
            Some(w) => (0..x.nrows())
                .map(|i| graph.neighbors(i).iter().map(|&j| w[j]).sum::<f64>() >= self.min_samples)
                .collect(),
        };
        Ok(Dbscan {
            labels: expand(&graph, &is_core),
            core_sample_indices: (0..is_core.len()).filter(|&i| is_core[i]).collect(),
            n_features: data.n_features(),
        })
    }
}

impl Fitted for Dbscan {
    fn model_name(&self) -> &'static str {
        "dbscan"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Clusterer for Dbscan {
    fn labels(&self) -> &Array1<i64> {
        &self.labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{fixture, matrix, vector};
    use breadth_core::conformance::check_clusterer;

    fn ints<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Vec<T> {
        serde_json::from_value(v.clone()).unwrap()
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_clusterer(&DbscanParams::new(0.5, 5), &iris);
    }

    #[test]
    fn labels_and_core_rows_equal_scikit_learns() {
        // reference/unsupervised.py dbscan (scikit-learn 1.9.1).
        let f = fixture("dbscan");
        let ds = Dataset::new(matrix(&f["x"]));
        for (eps, ms, key) in [(0.15, 5, "eps0.15_ms5"), (0.25, 10, "eps0.25_ms10")] {
            for algo in [Algorithm::Auto, Algorithm::Brute, Algorithm::BallTree] {
                let m = DbscanParams::new(eps, ms).algorithm(algo).fit(&ds).unwrap();
                assert_eq!(
                    m.labels().to_vec(),
                    ints::<i64>(&f[key]["labels"]),
                    "{key} {algo}"
                );
                assert_eq!(
                    m.core_sample_indices(),
                    ints::<usize>(&f[key]["core"]).as_slice()
                );
            }
        }
        let weighted = ds.with_sample_weight(vector(&f["weights"])).unwrap();
        let m = DbscanParams::new(0.15, 5).fit(&weighted).unwrap();
        assert_eq!(m.labels().to_vec(), ints::<i64>(&f["weighted"]));
    }

    #[test]
    fn bad_parameters_are_refused() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        assert!(DbscanParams::new(0.0, 5).fit(&iris).is_err());
        assert!(DbscanParams::new(0.5, 0).fit(&iris).is_err());
    }
}
