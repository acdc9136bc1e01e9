//! [`NearestNeighbors`]: the one neighbour index of breadth, shared by k-NN models, DBSCAN,
//! t-SNE, KNNImputer, SMOTE, LOF and label propagation.
//!
//! Fit stores the training rows (mapped once for Mahalanobis and cosine, see
//! [`super::metric`]) and, for the trees, builds a k-d tree or ball tree over them. Queries then
//! return, for each query row,
//!
//! - [`NearestNeighbors::kneighbors`]: the $k$ nearest training rows, as an `n_q x k` matrix of
//!   distances (ascending) and one of indices;
//! - [`NearestNeighbors::radius_neighbors`]: all training rows with $d(q, x_i) \le r$, as one
//!   list per query, ascending;
//! - the `_of_training` variants: the same for every training row, *excluding the row itself*
//!   (scikit-learn's `kneighbors(X=None)`), as DBSCAN, LOF and t-SNE need.
//!
//! **Ties** are broken deterministically: rows are ordered by distance, then by training index,
//! so the smaller index wins; every algorithm returns the same neighbours (up to floating-point
//! rounding of distances that differ by about $10^{-15}$ relative). scikit-learn's trees keep
//! whichever tied row they met first, so on data with exact ties its indices may differ while
//! its distances agree.
//!
//! **Algorithm choice** ([`Algorithm::Auto`], scikit-learn's rule): brute force when
//! $d > 15$, when `n_neighbors` $\ge n / 2$, or for cosine (not prunable by the trees);
//! otherwise the k-d tree. Brute force uses GEMM for Euclidean, Mahalanobis and cosine.
//!
//! Cost: fit $O(n d)$ (brute) or $O(n d \log n)$ (trees); see [`super::brute`] and
//! [`super::tree`] for queries.
//!
//! ```
//! use breadth_classic::neighbors::{NearestNeighborsParams, Metric};
//! use ndarray::array;
//! let x = array![[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [5.0, 5.0]];
//! let index = NearestNeighborsParams::default().metric(Metric::Manhattan).fit_array(x.view()).unwrap();
//! let nn = index.kneighbors(array![[0.2, 0.1]].view(), 2).unwrap();
//! assert_eq!(nn.indices.row(0).to_vec(), vec![0, 1]);
//! assert!((nn.distances[[0, 1]] - 0.9).abs() < 1e-12);
//! let within = index.radius_neighbors_of_training(2.0).unwrap();
//! assert_eq!(within.indices[0], vec![1, 2]); // row 0 itself is excluded
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_finite, check_fit_input, check_predict_input};
use breadth_core::{Dataset, Error, Fit, Result};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::brute::{self, Lists, Want};
use super::metric::{normalize_rows, Metric, Norm, Space};
use super::topk::sort_pairs;
use super::tree::{SpaceTree, TreeKind};

/// How the index searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Algorithm {
    /// Choose from the data and metric (see the module docs).
    Auto,
    /// Compare with every training row.
    Brute,
    /// k-d tree (Minkowski metrics and Mahalanobis).
    KdTree,
    /// Ball tree (Minkowski metrics and Mahalanobis).
    BallTree,
}

impl FromStr for Algorithm {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "auto" => Self::Auto,
            "brute" => Self::Brute,
            "kd_tree" => Self::KdTree,
            "ball_tree" => Self::BallTree,
            _ => return Err("expected auto, brute, kd_tree or ball_tree".into()),
        })
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Brute => "brute",
            Self::KdTree => "kd_tree",
            Self::BallTree => "ball_tree",
        })
    }
}

/// Hyper-parameters of the neighbour index (and the search part of every k-NN model).
#[derive(Debug, Clone, PartialEq)]
pub struct NearestNeighborsParams {
    /// Neighbours per query the index is tuned for (used by [`Algorithm::Auto`] and as the
    /// models' `k`).
    pub n_neighbors: usize,
    /// Radius of the radius models.
    pub radius: f64,
    /// How to search.
    pub algorithm: Algorithm,
    /// Rows per tree leaf.
    pub leaf_size: usize,
    /// The distance.
    pub metric: Metric,
}

impl Default for NearestNeighborsParams {
    fn default() -> Self {
        NearestNeighborsParams {
            n_neighbors: 5,
            radius: 1.0,
            algorithm: Algorithm::Auto,
            leaf_size: 30,
            metric: Metric::Euclidean,
        }
    }
}

impl NearestNeighborsParams {
    /// Set the number of neighbours.
    pub fn n_neighbors(mut self, k: usize) -> Self {
        self.n_neighbors = k;
        self
    }
    /// Set the radius.
    pub fn radius(mut self, r: f64) -> Self {
        self.radius = r;
        self
    }
    /// Set the algorithm.
    pub fn algorithm(mut self, a: Algorithm) -> Self {
        self.algorithm = a;
        self
    }
    /// Set the leaf size of the trees.
    pub fn leaf_size(mut self, n: usize) -> Self {
        self.leaf_size = n;
        self
    }
    /// Set the metric.
    pub fn metric(mut self, m: Metric) -> Self {
        self.metric = m;
        self
    }

    /// The parameter list, without the names in `skip` (models hide what they do not use).
    pub(crate) fn specs_without(&self, skip: &[&str]) -> Vec<ParamSpec> {
        self.param_specs()
            .into_iter()
            .filter(|p| !skip.contains(&p.name))
            .collect()
    }

    /// Build the index over the rows of `x`.
    pub fn fit_array(&self, x: ArrayView2<'_, f64>) -> Result<NearestNeighbors> {
        check_finite(x, "training features")?;
        if self.n_neighbors == 0 {
            return Err(Error::param("n_neighbors", "must be at least 1"));
        }
        if !(self.radius >= 0.0 && self.radius.is_finite()) {
            return Err(Error::param(
                "radius",
                format!("must be a finite number >= 0, got {}", self.radius),
            ));
        }
        if self.leaf_size == 0 {
            return Err(Error::param("leaf_size", "must be at least 1"));
        }
        let norm = self.metric.norm()?;
        let space = match self.metric {
            Metric::Cosine => Space::Cosine,
            _ => Space::Minkowski(norm),
        };
        let (n, d) = x.dim();
        let algorithm = match self.algorithm {
            Algorithm::Auto if d > 15 || self.n_neighbors >= n / 2 || space == Space::Cosine => {
                Algorithm::Brute
            }
            Algorithm::Auto => Algorithm::KdTree,
            tree if space == Space::Cosine && tree != Algorithm::Brute => {
                return Err(Error::param(
                    "algorithm",
                    "the cosine distance is not a metric the trees can prune with; use brute or auto",
                ))
            }
            other => other,
        };
        let map = self.metric.row_map(x)?;
        let mut train = match &map {
            Some(l) => x.dot(l),
            None => x.as_standard_layout().into_owned(),
        };
        if space == Space::Cosine {
            normalize_rows(&mut train);
        }
        let tree = match algorithm {
            Algorithm::KdTree => Some(SpaceTree::build(
                TreeKind::Kd,
                norm,
                train.view(),
                self.leaf_size,
            )),
            Algorithm::BallTree => Some(SpaceTree::build(
                TreeKind::Ball,
                norm,
                train.view(),
                self.leaf_size,
            )),
            _ => None,
        };
        let sq_norms = match (&tree, space) {
            (None, Space::Minkowski(Norm::L2)) => {
                train.rows().into_iter().map(|r| r.dot(&r)).collect()
            }
            (None, Space::Cosine) => vec![0.0; n],
            _ => Vec::new(),
        };
        Ok(NearestNeighbors {
            metric: self.metric.clone(),
            space,
            map,
            train,
            sq_norms,
            tree,
            algorithm,
        })
    }
}

impl Configurable for NearestNeighborsParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("n_neighbors", self.n_neighbors, "number of neighbours k"),
            ParamSpec::new(
                "radius",
                self.radius,
                "neighbourhood radius of the radius models",
            ),
            ParamSpec::new(
                "algorithm",
                self.algorithm,
                "auto | brute | kd_tree | ball_tree",
            ),
            ParamSpec::new("leaf_size", self.leaf_size, "rows per tree leaf"),
            ParamSpec::new(
                "metric",
                &self.metric,
                "euclidean | manhattan | chebyshev | minkowski:P | cosine | mahalanobis",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_neighbors" => self.n_neighbors = parse_param(name, value)?,
            "radius" => self.radius = parse_param(name, value)?,
            "algorithm" => self.algorithm = parse_param(name, value)?,
            "leaf_size" => self.leaf_size = parse_param(name, value)?,
            "metric" => self.metric = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Fit for NearestNeighborsParams {
    type Fitted = NearestNeighbors;
    fn fit(&self, data: &Dataset) -> Result<NearestNeighbors> {
        check_fit_input(data)?;
        self.fit_array(data.features())
    }
}

/// The k nearest neighbours of each query row.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbors {
    /// `n_queries x k` distances, ascending along each row.
    pub distances: Array2<f64>,
    /// `n_queries x k` training-row indices matching `distances`.
    pub indices: Array2<usize>,
}

/// The neighbours within a radius of each query row.
#[derive(Debug, Clone, PartialEq)]
pub struct RadiusNeighbors {
    /// One list per query, ascending.
    pub distances: Vec<Vec<f64>>,
    /// One list per query of training-row indices matching `distances`.
    pub indices: Vec<Vec<usize>>,
}

/// A fitted neighbour index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearestNeighbors {
    metric: Metric,
    space: Space,
    /// Mahalanobis: rows are searched as `x · L`.
    map: Option<Array2<f64>>,
    /// The mapped training rows, standard layout.
    train: Array2<f64>,
    /// Brute force over L2 / cosine: the GEMM's per-row norm term.
    sq_norms: Vec<f64>,
    tree: Option<SpaceTree>,
    algorithm: Algorithm,
}

impl NearestNeighbors {
    /// The algorithm in use (never `Auto`).
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The metric.
    pub fn metric(&self) -> &Metric {
        &self.metric
    }

    /// Number of indexed rows.
    pub fn n_samples_fit(&self) -> usize {
        self.train.nrows()
    }

    /// The `k` nearest training rows of each row of `x`.
    pub fn kneighbors(&self, x: ArrayView2<'_, f64>, k: usize) -> Result<Neighbors> {
        check_predict_input(self, x)?;
        self.check_k(k, self.n_samples_fit())?;
        let q = self.map_queries(x);
        Ok(to_matrices(self.run(q.view(), Want::K(k), false), k))
    }

    /// The `k` nearest *other* training rows of each training row.
    pub fn kneighbors_of_training(&self, k: usize) -> Result<Neighbors> {
        self.check_k(k, self.n_samples_fit().saturating_sub(1))?;
        Ok(to_matrices(
            self.run(self.train.view(), Want::K(k), true),
            k,
        ))
    }

    /// The training rows within distance `r` of each row of `x`.
    pub fn radius_neighbors(&self, x: ArrayView2<'_, f64>, r: f64) -> Result<RadiusNeighbors> {
        check_predict_input(self, x)?;
        check_radius(r)?;
        let q = self.map_queries(x);
        Ok(to_lists(self.run(q.view(), Want::Radius(r), false)))
    }

    /// The *other* training rows within distance `r` of each training row.
    pub fn radius_neighbors_of_training(&self, r: f64) -> Result<RadiusNeighbors> {
        check_radius(r)?;
        Ok(to_lists(self.run(self.train.view(), Want::Radius(r), true)))
    }

    /// For every training row, the training rows within distance `r` of it, itself included,
    /// as sets (order unspecified but deterministic): the neighbourhood graph DBSCAN needs,
    /// without the distances and sorting of [`Self::radius_neighbors`].
    pub(crate) fn radius_graph_of_training(&self, r: f64) -> Result<RadiusGraph> {
        check_radius(r)?;
        let n = self.n_samples_fit();
        let (Some(tree), Space::Minkowski(norm)) = (&self.tree, self.space) else {
            let lists = self.run(self.train.view(), Want::Radius(r), false);
            let mut block = GraphBlock::default();
            for list in lists {
                block.targets.extend(list.into_iter().map(|(_, j)| j));
                block.ends.push(block.targets.len());
            }
            return Ok(RadiusGraph {
                blocks: vec![block],
                block_rows: n.max(1),
            });
        };
        let x = self.train.as_slice().expect("standard layout");
        let d = self.train.ncols();
        let rr = norm.to_reduced(r);
        let blocks = (0..n.div_ceil(GRAPH_BLOCK))
            .into_par_iter()
            .map(|b| {
                let mut block = GraphBlock::default();
                for i in b * GRAPH_BLOCK..((b + 1) * GRAPH_BLOCK).min(n) {
                    tree.within_indices(x, &x[i * d..(i + 1) * d], rr, &mut block.targets);
                    block.ends.push(block.targets.len());
                }
                block
            })
            .collect();
        Ok(RadiusGraph {
            blocks,
            block_rows: GRAPH_BLOCK,
        })
    }

    fn check_k(&self, k: usize, available: usize) -> Result<()> {
        if k == 0 || k > available {
            return Err(Error::param(
                "n_neighbors",
                format!("must lie in 1..={available} (the rows that can be neighbours), got {k}"),
            ));
        }
        Ok(())
    }

    fn map_queries(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut q = match &self.map {
            Some(l) => x.dot(l),
            None => x.as_standard_layout().into_owned(),
        };
        if self.space == Space::Cosine {
            normalize_rows(&mut q);
        }
        q
    }

    fn run(&self, q: ArrayView2<'_, f64>, want: Want, exclude_self: bool) -> Lists {
        let Some(tree) = &self.tree else {
            return brute::search(
                self.space,
                self.train.view(),
                &self.sq_norms,
                q,
                want,
                exclude_self,
            );
        };
        let Space::Minkowski(norm) = self.space else {
            unreachable!("trees are built only for Minkowski spaces")
        };
        let x = self.train.as_slice().expect("standard layout");
        let q = q.as_standard_layout();
        let qflat = q.as_slice().expect("standard layout");
        let d = q.ncols();
        (0..q.nrows())
            .into_par_iter()
            .map(|i| {
                let row = &qflat[i * d..(i + 1) * d];
                let skip = exclude_self.then_some(i);
                let mut pairs = match want {
                    Want::K(k) => tree.knn(x, row, k, skip),
                    Want::Radius(r) => tree.within(x, row, norm.to_reduced(r), skip),
                };
                pairs.iter_mut().for_each(|p| p.0 = norm.to_dist(p.0));
                sort_pairs(&mut pairs);
                pairs
            })
            .collect()
    }
}

/// Rows per parallel task of [`NearestNeighbors::radius_graph_of_training`]: fixed, so the
/// result does not depend on the thread count.
const GRAPH_BLOCK: usize = 512;

/// Neighbour lists of consecutive rows, stored flat.
#[derive(Debug, Default)]
struct GraphBlock {
    /// End of each row's list in `targets`.
    ends: Vec<usize>,
    targets: Vec<usize>,
}

/// The radius-neighbourhood graph of the training rows (see
/// [`NearestNeighbors::radius_graph_of_training`]), stored in blocks of consecutive rows.
#[derive(Debug)]
pub(crate) struct RadiusGraph {
    blocks: Vec<GraphBlock>,
    block_rows: usize,
}

impl RadiusGraph {
    /// The neighbours of row `i`.
    pub(crate) fn neighbors(&self, i: usize) -> &[usize] {
        let b = &self.blocks[i / self.block_rows];
        let k = i % self.block_rows;
        let start = if k == 0 { 0 } else { b.ends[k - 1] };
        &b.targets[start..b.ends[k]]
    }
}

fn check_radius(r: f64) -> Result<()> {
    if r >= 0.0 && r.is_finite() {
        Ok(())
    } else {
        Err(Error::param(
            "radius",
            format!("must be a finite number >= 0, got {r}"),
        ))
    }
}

fn to_matrices(lists: Lists, k: usize) -> Neighbors {
    let n = lists.len();
    let mut distances = Array2::zeros((n, k));
    let mut indices = Array2::zeros((n, k));
    for (i, list) in lists.iter().enumerate() {
        for (j, &(dist, idx)) in list.iter().enumerate() {
            distances[[i, j]] = dist;
            indices[[i, j]] = idx;
        }
    }
    Neighbors { distances, indices }
}

fn to_lists(lists: Lists) -> RadiusNeighbors {
    let (distances, indices) = lists.into_iter().map(|l| l.into_iter().unzip()).unzip();
    RadiusNeighbors { distances, indices }
}

impl Fitted for NearestNeighbors {
    fn model_name(&self) -> &'static str {
        "nearest-neighbors"
    }
    fn n_features_in(&self) -> usize {
        self.map.as_ref().map_or(self.train.ncols(), |l| l.nrows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neighbors::testing::{arr2, fixture, usizes};
    use serde_json::Value;

    fn metric_of(name: &str, vi: &Array2<f64>) -> Metric {
        match name {
            "minkowski3" => Metric::Minkowski(3.0),
            "mahalanobis" => Metric::Mahalanobis(Some(vi.clone())),
            other => other.parse().unwrap(),
        }
    }

    fn assert_close_lists(got: &[f64], want: &Value, what: &str) {
        let want: Vec<f64> = serde_json::from_value(want.clone()).unwrap();
        assert_eq!(got.len(), want.len(), "{what}: lengths");
        for (a, b) in got.iter().zip(&want) {
            assert!(
                (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                "{what}: {a} vs {b}"
            );
        }
    }

    /// Fixture: reference/neighbors.py (scikit-learn 1.9.1), continuous random data without ties.
    #[test]
    fn every_metric_and_algorithm_matches_scikit_learn() {
        let f = fixture("neighbors/index.json");
        let (x, q, vi) = (arr2(&f["X"]), arr2(&f["Q"]), arr2(&f["VI"]));
        for (name, case) in f["cases"].as_object().unwrap() {
            let metric = metric_of(name, &vi);
            let algorithms: &[Algorithm] = if name == "cosine" {
                &[Algorithm::Auto, Algorithm::Brute]
            } else {
                &[
                    Algorithm::Auto,
                    Algorithm::Brute,
                    Algorithm::KdTree,
                    Algorithm::BallTree,
                ]
            };
            for &algorithm in algorithms {
                let what = format!("{name} {algorithm}");
                let index = NearestNeighborsParams::default()
                    .metric(metric.clone())
                    .algorithm(algorithm)
                    .leaf_size(4)
                    .fit_array(x.view())
                    .unwrap();
                let nn = index.kneighbors(q.view(), 5).unwrap();
                for i in 0..q.nrows() {
                    assert_eq!(
                        nn.indices.row(i).to_vec(),
                        usizes(&case["ind"][i]),
                        "{what} row {i}"
                    );
                    assert_close_lists(&nn.distances.row(i).to_vec(), &case["dist"][i], &what);
                }
                let r = case["radius"].as_f64().unwrap();
                let within = index.radius_neighbors(q.view(), r).unwrap();
                for i in 0..q.nrows() {
                    assert_eq!(
                        within.indices[i],
                        usizes(&case["rind"][i]),
                        "{what} radius row {i}"
                    );
                    assert_close_lists(&within.distances[i], &case["rdist"][i], &what);
                }
                let own = index.kneighbors_of_training(3).unwrap();
                for i in 0..x.nrows() {
                    assert_eq!(
                        own.indices.row(i).to_vec(),
                        usizes(&case["self_ind"][i]),
                        "{what} self {i}"
                    );
                    assert_close_lists(
                        &own.distances.row(i).to_vec(),
                        &case["self_dist"][i],
                        &what,
                    );
                }
            }
        }
    }

    #[test]
    fn ties_go_to_the_smaller_index_in_every_algorithm() {
        // Four rows at the same distance from the query; k = 2 must pick rows 1 and 2.
        let x = ndarray::array![[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]];
        for algorithm in [Algorithm::Brute, Algorithm::KdTree, Algorithm::BallTree] {
            let index = NearestNeighborsParams::default()
                .algorithm(algorithm)
                .leaf_size(1)
                .fit_array(x.view())
                .unwrap();
            let nn = index
                .kneighbors(ndarray::array![[0.0, 0.0]].view(), 2)
                .unwrap();
            assert_eq!(nn.indices.row(0).to_vec(), vec![1, 2], "{algorithm}");
        }
    }

    #[test]
    fn automatic_choice_and_bad_input() {
        let x = Array2::from_shape_fn((40, 3), |(i, j)| (i * 7 + j * 3) as f64 % 11.0);
        let p = NearestNeighborsParams::default();
        assert_eq!(
            p.fit_array(x.view()).unwrap().algorithm(),
            Algorithm::KdTree
        );
        let wide = Array2::from_shape_fn((40, 16), |(i, j)| (i + j) as f64);
        assert_eq!(
            p.fit_array(wide.view()).unwrap().algorithm(),
            Algorithm::Brute
        );
        let cos = p.clone().metric(Metric::Cosine);
        assert_eq!(
            cos.fit_array(x.view()).unwrap().algorithm(),
            Algorithm::Brute
        );
        assert!(cos
            .algorithm(Algorithm::KdTree)
            .fit_array(x.view())
            .is_err());
        let index = p.fit_array(x.view()).unwrap();
        assert!(index.kneighbors(x.view(), 41).is_err());
        assert!(index.kneighbors_of_training(40).is_err());
        assert!(index.kneighbors(Array2::zeros((2, 4)).view(), 1).is_err());
        assert!(index.radius_neighbors(x.view(), f64::NAN).is_err());
        let mut bad = x.clone();
        bad[[3, 1]] = f64::NAN;
        assert!(p.fit_array(bad.view()).is_err());
        assert!(index.kneighbors(bad.view(), 1).is_err());
        assert!(p.clone().n_neighbors(0).fit_array(x.view()).is_err());
        assert!(p
            .metric(Metric::Minkowski(0.5))
            .fit_array(x.view())
            .is_err());
    }

    #[test]
    fn survives_a_model_file_round_trip() {
        let x = Array2::from_shape_fn((30, 2), |(i, j)| ((i * 13 + j * 5) % 17) as f64);
        let index = NearestNeighborsParams::default()
            .algorithm(Algorithm::BallTree)
            .fit_array(x.view())
            .unwrap();
        let bytes = breadth_core::model_file::to_bytes("nearest-neighbors", &index).unwrap();
        let back: NearestNeighbors =
            breadth_core::model_file::from_bytes(&bytes, "nearest-neighbors", "<test>").unwrap();
        assert_eq!(
            back.kneighbors(x.view(), 3).unwrap(),
            index.kneighbors(x.view(), 3).unwrap()
        );
    }
}
