//! Local outlier factor: how much sparser a row's neighbourhood is than its neighbours'.
//!
//! With $N_k(p)$ the $k$ nearest other training rows of $p$ and $d_k(o)$ the distance from $o$
//! to its $k$-th neighbour, the reachability distance is
//! $\mathrm{reach}_k(p, o) = \max(d_k(o), d(p, o))$, the local reachability density
//! $$\mathrm{lrd}_k(p) = 1 \Big/ \Big(\tfrac1k \textstyle\sum_{o \in N_k(p)} \mathrm{reach}_k(p, o) + 10^{-10}\Big)$$
//! (the $10^{-10}$ keeps duplicates finite, as scikit-learn) and
//! $$\mathrm{LOF}_k(p) = \frac{\tfrac1k \sum_{o \in N_k(p)} \mathrm{lrd}_k(o)}{\mathrm{lrd}_k(p)}.$$
//! The normality score is $-\mathrm{LOF}$ (scikit-learn's `negative_outlier_factor_`); the `auto`
//! offset is $-1.5$. In novelty mode a new row $q$ is scored the same way against the training
//! rows ($N_k(q)$ among them, their $d_k$ and lrd unchanged), and `predict` is allowed on new data;
//! otherwise only the training labels exist, as scikit-learn.
//!
//! Neighbours come from the shared [`crate::neighbors::NearestNeighbors`] index (any of its
//! metrics). Shapes: `n x d` in. Cost: one $k$-NN query of the training set, $O(nk)$ after it.
//!
//! Reference: M. M. Breunig, H.-P. Kriegel, R. T. Ng, J. Sander, "LOF: Identifying Density-Based
//! Local Outliers", SIGMOD 2000.
//!
//! ```
//! use breadth_classic::outlier::{LocalOutlierFactorParams, OutlierDetector};
//! use breadth_core::{Dataset, Fit};
//! use ndarray::array;
//! let x = array![[0.0], [0.1], [0.2], [0.3], [0.4], [5.0]];
//! let lof = LocalOutlierFactorParams::default().n_neighbors(2).novelty(true)
//!     .fit(&Dataset::new(x)).unwrap();
//! assert_eq!(lof.predict_outliers(array![[0.15], [3.0]].view()).unwrap().to_vec(), vec![1, -1]);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{Dataset, Error, Fit, Result};
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{labels_from_decision, Contamination, OutlierDetector};
use crate::neighbors::{NearestNeighbors, NearestNeighborsParams, Neighbors};

/// Hyper-parameters of the local outlier factor.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalOutlierFactorParams {
    /// The neighbour search; its `n_neighbors` is $k$ (default 20, capped at $n - 1$).
    pub neighbors: NearestNeighborsParams,
    /// How the threshold is set.
    pub contamination: Contamination,
    /// Allow scoring and predicting new rows.
    pub novelty: bool,
}

impl Default for LocalOutlierFactorParams {
    fn default() -> Self {
        LocalOutlierFactorParams {
            neighbors: NearestNeighborsParams::default().n_neighbors(20),
            contamination: Contamination::Auto,
            novelty: false,
        }
    }
}

impl LocalOutlierFactorParams {
    /// Set $k$.
    pub fn n_neighbors(mut self, k: usize) -> Self {
        self.neighbors.n_neighbors = k;
        self
    }
    /// Set the neighbour search.
    pub fn neighbors(mut self, n: NearestNeighborsParams) -> Self {
        self.neighbors = n;
        self
    }
    /// Set the contamination.
    pub fn contamination(mut self, c: Contamination) -> Self {
        self.contamination = c;
        self
    }
    /// Set novelty mode.
    pub fn novelty(mut self, novelty: bool) -> Self {
        self.novelty = novelty;
        self
    }
}

impl Configurable for LocalOutlierFactorParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let mut specs = self.neighbors.specs_without(&["radius"]);
        specs.push(ParamSpec::new(
            "contamination",
            self.contamination,
            "auto or the fraction of training rows to flag",
        ));
        specs.push(ParamSpec::new(
            "novelty",
            self.novelty,
            "allow predicting new rows",
        ));
        specs
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "contamination" => self.contamination = parse_param(name, value)?,
            "novelty" => self.novelty = parse_param(name, value)?,
            "radius" => return Ok(false),
            _ => return self.neighbors.set_param(name, value),
        }
        Ok(true)
    }
}

/// A fitted local outlier factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalOutlierFactor {
    index: NearestNeighbors,
    k: usize,
    k_distance: Vec<f64>,
    lrd: Vec<f64>,
    negative_outlier_factor: Array1<f64>,
    offset: f64,
    novelty: bool,
    n_features: usize,
    labels: Array1<i64>,
}

/// lrd of each query from its neighbours and the training rows' $k$-distances.
fn local_reachability_density(nn: &Neighbors, k_distance: &[f64]) -> Vec<f64> {
    nn.distances
        .outer_iter()
        .zip(nn.indices.outer_iter())
        .map(|(d, idx)| {
            let reach: f64 = d
                .iter()
                .zip(idx.iter())
                .map(|(&dist, &o)| dist.max(k_distance[o]))
                .sum();
            1.0 / (reach / d.len() as f64 + 1e-10)
        })
        .collect()
}

/// $-\mathrm{LOF}$ of each query given its lrd and the training rows' lrd.
fn negative_factor(nn: &Neighbors, lrd_query: &[f64], lrd_train: &[f64]) -> Array1<f64> {
    nn.indices
        .outer_iter()
        .zip(lrd_query)
        .map(|(idx, &own)| {
            let mean: f64 = idx.iter().map(|&o| lrd_train[o]).sum::<f64>() / idx.len() as f64;
            -mean / own
        })
        .collect()
}

impl LocalOutlierFactor {
    /// $-\mathrm{LOF}$ of each training row (scikit-learn's `negative_outlier_factor_`).
    pub fn negative_outlier_factor(&self) -> &Array1<f64> {
        &self.negative_outlier_factor
    }
    /// The $k$ in use.
    pub fn n_neighbors(&self) -> usize {
        self.k
    }
}

impl Fit for LocalOutlierFactorParams {
    type Fitted = LocalOutlierFactor;
    fn fit(&self, data: &Dataset) -> Result<LocalOutlierFactor> {
        check_fit_input(data)?;
        self.contamination.validate()?;
        let n = data.n_samples();
        if n < 2 {
            return Err(Error::param(
                "data",
                "the local outlier factor needs at least 2 rows",
            ));
        }
        if self.neighbors.n_neighbors == 0 {
            return Err(Error::param("n_neighbors", "must be at least 1"));
        }
        let k = self.neighbors.n_neighbors.min(n - 1);
        let index = self
            .neighbors
            .clone()
            .n_neighbors(k)
            .fit_array(data.features())?;
        let nn = index.kneighbors_of_training(k)?;
        let k_distance: Vec<f64> = nn.distances.column(k - 1).to_vec();
        let lrd = local_reachability_density(&nn, &k_distance);
        let nof = negative_factor(&nn, &lrd, &lrd);
        let offset = self
            .contamination
            .offset(nof.as_slice().expect("contiguous"), -1.5);
        let labels = labels_from_decision(&(&nof - offset));
        Ok(LocalOutlierFactor {
            index,
            k,
            k_distance,
            lrd,
            negative_outlier_factor: nof,
            offset,
            novelty: self.novelty,
            n_features: data.n_features(),
            labels,
        })
    }
}

impl Fitted for LocalOutlierFactor {
    fn model_name(&self) -> &'static str {
        "local-outlier-factor"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl OutlierDetector for LocalOutlierFactor {
    /// $-\mathrm{LOF}$ of new rows against the training rows (novelty scoring).
    fn score_samples(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        let nn = self.index.kneighbors(x, self.k)?;
        let lrd = local_reachability_density(&nn, &self.k_distance);
        Ok(negative_factor(&nn, &lrd, &self.lrd))
    }
    fn offset(&self) -> f64 {
        self.offset
    }
}

impl breadth_core::Clusterer for LocalOutlierFactor {
    fn labels(&self) -> &Array1<i64> {
        &self.labels
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<i64>> {
        if !self.novelty {
            return Err(Error::unsupported(
                "local-outlier-factor",
                "predict on new data without novelty=true",
            ));
        }
        self.predict_outliers(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outlier::testing::{arr1, arr2, auc, outliers_fixture, training};
    use breadth_core::conformance::check_clusterer;
    use breadth_core::Clusterer;

    #[test]
    fn factors_match_scikit_learn() {
        // Expected values: reference/outliers.py, scikit-learn 1.9.1 LocalOutlierFactor(20).
        let f = outliers_fixture();
        let (ds, truth) = training();
        let lof = LocalOutlierFactorParams::default().fit(&ds).unwrap();
        let expected = arr1(&f["lof_nof"]);
        let diff = lof
            .negative_outlier_factor()
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(diff < 1e-10, "max difference {diff}");
        let labels: Vec<i64> = serde_json::from_value(f["lof_labels"].clone()).unwrap();
        assert_eq!(lof.labels().to_vec(), labels);
        let sk_auc = f["lof_auc"].as_f64().unwrap();
        let ours = auc(&truth, lof.negative_outlier_factor());
        assert!(
            (ours - sk_auc).abs() < 0.02,
            "ours {ours}, scikit-learn {sk_auc}"
        );
    }

    #[test]
    fn novelty_scores_match_scikit_learn() {
        let f = outliers_fixture();
        let (ds, _) = training();
        let q = arr2(&f["Q"]);
        let plain = LocalOutlierFactorParams::default().fit(&ds).unwrap();
        assert!(plain.predict(q.view()).is_err());
        let lof = LocalOutlierFactorParams::default()
            .novelty(true)
            .fit(&ds)
            .unwrap();
        let got = lof.score_samples(q.view()).unwrap();
        let expected = arr1(&f["lof_novelty_scores"]);
        assert!(got
            .iter()
            .zip(&expected)
            .all(|(a, b)| (a - b).abs() < 1e-10));
        let labels: Vec<i64> = serde_json::from_value(f["lof_novelty_labels"].clone()).unwrap();
        assert_eq!(lof.predict(q.view()).unwrap().to_vec(), labels);
    }

    #[test]
    fn conformance() {
        let (ds, _) = training();
        check_clusterer(&LocalOutlierFactorParams::default().novelty(true), &ds);
        check_clusterer(&LocalOutlierFactorParams::default(), &ds);
    }
}
