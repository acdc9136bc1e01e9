//! HDBSCAN: hierarchical density-based clustering (scikit-learn's `sklearn.cluster.HDBSCAN`).
//!
//! With $k$ = `min_samples`, the *core distance* $c_k(x_i)$ is the distance from $x_i$ to its
//! $k$-th nearest row, itself counted first. The *mutual reachability* distance
//! $$ d_{\mathrm{mr}}(x_i, x_j) = \max\big(c_k(x_i),\, c_k(x_j),\, d(x_i, x_j) / \alpha\big) $$
//! spreads sparse rows apart. HDBSCAN then
//!
//! 1. builds a minimum spanning tree of the complete $d_{\mathrm{mr}}$ graph (Prim, $O(n^2)$
//!    distances, no $n \times n$ matrix), sorts its edges and merges them into a single-linkage
//!    tree (union-find);
//! 2. *condenses* it with `min_cluster_size` $m$: walking down from the root at
//!    $\lambda = 1 / \text{distance}$, a split where both sides have $\ge m$ rows makes two new
//!    clusters, while a side with $< m$ rows just "falls out" of its parent at that $\lambda$;
//! 3. scores each condensed cluster $C$ born at $\lambda_{\mathrm{birth}}(C)$ by its *stability*
//!    $S(C) = \sum_{x \in C} (\lambda_x - \lambda_{\mathrm{birth}}(C))$, $\lambda_x$ the level
//!    where $x$ (or the sub-cluster holding it) leaves $C$;
//! 4. selects clusters by *excess of mass* (bottom-up: keep $C$ when $S(C)$ is at least the sum
//!    over its selected descendants, else pass that sum up) or takes the *leaves*; optionally
//!    merges selections split below `cluster_selection_epsilon`.
//!
//! Rows outside every selected cluster are noise ($-1$). A row's *probability* is
//! $\min(\lambda_x, \lambda_{\max}(C)) / \lambda_{\max}(C)$, with $\lambda_{\max}(C)$ the largest
//! $\lambda$ at which a row leaves its selected cluster $C$. Labels are numbered by the
//! condensed clusters' order, as scikit-learn's. Equal spanning-tree weights (frequent: a row's
//! core distance can weigh several of its edges) are merged in Prim's order (a stable sort);
//! scikit-learn's unstable sort may order them otherwise, which can move a row sitting on such a
//! tie to the neighbouring cluster or to noise.
//!
//! Shapes: `x` is `n x d`; labels and probabilities have length `n`. Cost: $O(n^2 d)$ time for
//! the spanning tree (parallel over rows at each step, deterministic), $O(n \log n)$ for the
//! rest, $O(n)$ memory beyond the data.
//!
//! Reference: R. J. G. B. Campello, D. Moulavi, J. Sander, *Density-based clustering based on
//! hierarchical density estimates*, PAKDD 2013; L. McInnes, J. Healy, *Accelerated hierarchical
//! density based clustering*, ICDMW 2017.
//!
//! ```
//! use breadth_classic::cluster::hdbscan::HdbscanParams;
//! use breadth_core::{Clusterer, Dataset, Fit};
//! use ndarray::Array2;
//! // Two tight groups of 20 rows and one far-away row.
//! let x = Array2::from_shape_fn((41, 1), |(i, _)| match i {
//!     40 => 100.0,
//!     i if i < 20 => i as f64 * 0.01,
//!     i => 10.0 + i as f64 * 0.01,
//! });
//! let m = HdbscanParams::new(5).fit(&Dataset::new(x)).unwrap();
//! let l = m.labels();
//! assert!(l[0] >= 0 && l[0] == l[19] && l[20] >= 0 && l[20] != l[0]);
//! assert_eq!(l[40], -1);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, positive};
use breadth_core::{Clusterer, Dataset, Error, Fit, Result};
use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::neighbors::{Algorithm, Metric, NearestNeighborsParams};

/// How flat clusters are chosen from the condensed tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClusterSelection {
    /// Excess of mass: the most stable set of non-overlapping clusters.
    Eom,
    /// The leaves of the condensed tree (many small, homogeneous clusters).
    Leaf,
}

impl FromStr for ClusterSelection {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "eom" => Ok(Self::Eom),
            "leaf" => Ok(Self::Leaf),
            _ => Err("expected eom or leaf".into()),
        }
    }
}

impl std::fmt::Display for ClusterSelection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Eom => "eom",
            Self::Leaf => "leaf",
        })
    }
}

/// Hyper-parameters of HDBSCAN (defaults as scikit-learn's).
#[derive(Debug, Clone, PartialEq)]
pub struct HdbscanParams {
    /// Fewest rows a cluster may have ($\ge 2$).
    pub min_cluster_size: usize,
    /// Neighbours, the row itself included, that define the core distance; `None`: the same
    /// as `min_cluster_size`.
    pub min_samples: Option<usize>,
    /// Selected clusters split below this distance are merged back (0: off).
    pub cluster_selection_epsilon: f64,
    /// Excess of mass never keeps a cluster larger than this (`None`: no limit).
    pub max_cluster_size: Option<usize>,
    /// The distance (Minkowski family).
    pub metric: Metric,
    /// Distance scaling of robust single linkage: distances are divided by it.
    pub alpha: f64,
    /// The neighbour search for core distances.
    pub algorithm: Algorithm,
    /// Rows per tree leaf of that search.
    pub leaf_size: usize,
    /// Excess of mass or leaves.
    pub cluster_selection_method: ClusterSelection,
    /// Let excess of mass return the root as the only cluster.
    pub allow_single_cluster: bool,
}

impl Default for HdbscanParams {
    fn default() -> Self {
        HdbscanParams {
            min_cluster_size: 5,
            min_samples: None,
            cluster_selection_epsilon: 0.0,
            max_cluster_size: None,
            metric: Metric::Euclidean,
            alpha: 1.0,
            algorithm: Algorithm::Auto,
            leaf_size: 40,
            cluster_selection_method: ClusterSelection::Eom,
            allow_single_cluster: false,
        }
    }
}

impl HdbscanParams {
    /// HDBSCAN with this `min_cluster_size`.
    pub fn new(min_cluster_size: usize) -> Self {
        HdbscanParams {
            min_cluster_size,
            ..Default::default()
        }
    }
    /// Set `min_samples`.
    pub fn min_samples(mut self, k: usize) -> Self {
        self.min_samples = Some(k);
        self
    }
    /// Set the selection method.
    pub fn cluster_selection_method(mut self, m: ClusterSelection) -> Self {
        self.cluster_selection_method = m;
        self
    }
    /// Set `cluster_selection_epsilon`.
    pub fn cluster_selection_epsilon(mut self, eps: f64) -> Self {
        self.cluster_selection_epsilon = eps;
        self
    }
    /// Allow a single cluster.
    pub fn allow_single_cluster(mut self, allow: bool) -> Self {
        self.allow_single_cluster = allow;
        self
    }
    /// Set the metric.
    pub fn metric(mut self, metric: Metric) -> Self {
        self.metric = metric;
        self
    }
}

/// `none` or a count.
fn parse_optional(name: &str, value: &str) -> Result<Option<usize>> {
    match value {
        "" | "none" => Ok(None),
        v => parse_param(name, v).map(Some),
    }
}

fn show_optional(v: Option<usize>) -> String {
    v.map_or("none".into(), |k| k.to_string())
}

impl Configurable for HdbscanParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "min_cluster_size",
                self.min_cluster_size,
                "fewest rows of a cluster (>= 2)",
            ),
            ParamSpec::new(
                "min_samples",
                show_optional(self.min_samples),
                "none | K: neighbours (self included) defining the core distance",
            ),
            ParamSpec::new(
                "cluster_selection_epsilon",
                self.cluster_selection_epsilon,
                "merge clusters split below this distance (0: off)",
            ),
            ParamSpec::new(
                "max_cluster_size",
                show_optional(self.max_cluster_size),
                "none | N: largest cluster excess of mass may keep",
            ),
            ParamSpec::new(
                "metric",
                &self.metric,
                "euclidean | manhattan | chebyshev | minkowski:P",
            ),
            ParamSpec::new("alpha", self.alpha, "distances are divided by alpha"),
            ParamSpec::new(
                "algorithm",
                self.algorithm,
                "auto | brute | kd_tree | ball_tree (core distances)",
            ),
            ParamSpec::new("leaf_size", self.leaf_size, "rows per tree leaf"),
            ParamSpec::new(
                "cluster_selection_method",
                self.cluster_selection_method,
                "eom | leaf",
            ),
            ParamSpec::new(
                "allow_single_cluster",
                self.allow_single_cluster,
                "let eom return one cluster",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "min_cluster_size" => self.min_cluster_size = parse_param(name, value)?,
            "min_samples" => self.min_samples = parse_optional(name, value)?,
            "cluster_selection_epsilon" => {
                self.cluster_selection_epsilon = parse_param(name, value)?
            }
            "max_cluster_size" => self.max_cluster_size = parse_optional(name, value)?,
            "metric" => self.metric = parse_param(name, value)?,
            "alpha" => self.alpha = parse_param(name, value)?,
            "algorithm" => self.algorithm = parse_param(name, value)?,
            "leaf_size" => self.leaf_size = parse_param(name, value)?,
            "cluster_selection_method" => self.cluster_selection_method = parse_param(name, value)?,
            "allow_single_cluster" => self.allow_single_cluster = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted HDBSCAN clustering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hdbscan {
    labels: Array1<i64>,
    probabilities: Array1<f64>,
    n_features: usize,
}

impl Hdbscan {
    /// Strength of each row's membership in its cluster, in $[0, 1]$ (0 for noise).
    pub fn probabilities(&self) -> &Array1<f64> {
        &self.probabilities
    }
    /// Number of clusters found (noise excluded).
    pub fn n_clusters(&self) -> usize {
        self.labels
            .iter()
            .max()
            .map_or(0, |&m| (m + 1).max(0) as usize)
    }
}

/// Rows per parallel task of Prim's update: fixed, so results do not depend on thread count.
const PRIM_BLOCK: usize = 2048;

/// Minimum spanning tree of the mutual-reachability graph by Prim's algorithm, as
/// scikit-learn's `mst_from_data_matrix`: edges `(from, to, distance)` in the order added, the
/// next row being the first (lowest index) at the smallest reachability.
fn prim_mst(
    x: ArrayView2<'_, f64>,
    core: &[f64],
    dist: impl Fn(&[f64], &[f64]) -> f64 + Sync,
    alpha: f64,
) -> Vec<(usize, usize, f64)> {
    let n = x.nrows();
    let x = x.as_standard_layout();
    let flat = x.as_slice().expect("standard layout");
    let d = x.ncols();
    let row = |i: usize| &flat[i * d..(i + 1) * d];
    let mut in_tree = vec![false; n];
    let mut reach = vec![f64::INFINITY; n];
    let mut source = vec![0usize; n];
    let mut edges = Vec::with_capacity(n.saturating_sub(1));
    let mut current = 0;
    for _ in 1..n {
        in_tree[current] = true;
        let (cur_row, cur_core) = (row(current), core[current]);
        let in_tree_ref = &in_tree;
        let best = reach
            .par_chunks_mut(PRIM_BLOCK)
            .zip(source.par_chunks_mut(PRIM_BLOCK))
            .enumerate()
            .map(|(b, (reach, source))| {
                let mut best = (f64::INFINITY, usize::MAX);
                for (t, (r, s)) in reach.iter_mut().zip(source.iter_mut()).enumerate() {
                    let j = b * PRIM_BLOCK + t;
                    if in_tree_ref[j] {
                        continue;
                    }
                    let mr = (dist(cur_row, row(j)) / alpha).max(cur_core).max(core[j]);
                    if mr < *r {
                        *r = mr;
                        *s = current;
                    }
                    if *r < best.0 || best.1 == usize::MAX {
                        best = (*r, j);
                    }
                }
                best
            })
            .collect::<Vec<_>>()
            .into_iter()
            .filter(|b| b.1 != usize::MAX)
            .fold((f64::INFINITY, usize::MAX), |a, b| {
                if b.0 < a.0 || a.1 == usize::MAX {
                    b
                } else {
                    a
                }
            });
        let next = best.1;
        edges.push((source[next], next, best.0));
        current = next;
    }
    edges
}

/// One merge of the single-linkage tree (SciPy's format): the two merged nodes (rows below
/// `n`, earlier merges `n + m`), the distance and the merged size.
#[derive(Debug, Clone, Copy)]
struct Merge {
    left: usize,
    right: usize,
    distance: f64,
    size: usize,
}

/// Sorts the spanning tree's edges and merges them, as scikit-learn's `make_single_linkage`.
fn single_linkage(mut edges: Vec<(usize, usize, f64)>, n: usize) -> Vec<Merge> {
    edges.sort_by(|a, b| a.2.total_cmp(&b.2));
    // Union-find over the 2n - 1 nodes; a merge creates a new root node n + m.
    let mut parent: Vec<usize> = (0..2 * n).collect();
    let mut size = vec![1usize; 2 * n];
    let find = |parent: &mut Vec<usize>, mut i: usize| {
        let mut root = i;
        while parent[root] != root {
            root = parent[root];
        }
        while parent[i] != root {
            let next = parent[i];
            parent[i] = root;
            i = next;
        }
        root
    };
    edges
        .iter()
        .enumerate()
        .map(|(m, &(a, b, distance))| {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            let node = n + m;
            parent[ra] = node;
            parent[rb] = node;
            size[node] = size[ra] + size[rb];
            Merge {
                left: ra,
                right: rb,
                distance,
                size: size[node],
            }
        })
        .collect()
}

/// One edge of the condensed tree: `child` (a row below `n`, or a cluster id $\ge n$) leaves
/// or splits off `parent` at level `lambda`, carrying `size` rows.
#[derive(Debug, Clone, Copy)]
struct Condensed {
    parent: usize,
    child: usize,
    lambda: f64,
    size: usize,
}

/// Breadth-first node order of the subtree of `root` (scikit-learn's `bfs_from_hierarchy`).
fn bfs(merges: &[Merge], root: usize, n: usize) -> Vec<usize> {
    let mut out = vec![root];
    let mut level = vec![root];
    while !level.is_empty() {
        level = level
            .iter()
            .filter(|&&v| v >= n)
            .flat_map(|&v| [merges[v - n].left, merges[v - n].right])
            .collect();
        out.extend_from_slice(&level);
    }
    out
}

/// The condensed tree (scikit-learn's `_condense_tree`); cluster ids start at `n` (the root).
fn condense(merges: &[Merge], n: usize, min_cluster_size: usize) -> Vec<Condensed> {
    let root = 2 * n - 2;
    let mut relabel = vec![0usize; root + 1];
    relabel[root] = n;
    let mut next_label = n + 1;
    let mut ignore = vec![false; root + 1];
    let mut out = Vec::with_capacity(2 * n);
    let size_of = |v: usize| if v >= n { merges[v - n].size } else { 1 };
    for node in bfs(merges, root, n) {
        if ignore[node] || node < n {
            continue;
        }
        let m = merges[node - n];
        let lambda = if m.distance > 0.0 {
            1.0 / m.distance
        } else {
            f64::INFINITY
        };
        let (lc, rc) = (size_of(m.left), size_of(m.right));
        let parent = relabel[node];
        let mut fall_out = |side: usize, out: &mut Vec<Condensed>| {
            for sub in bfs(merges, side, n) {
                if sub < n {
                    out.push(Condensed {
                        parent,
                        child: sub,
                        lambda,
                        size: 1,
                    });
                }
                ignore[sub] = true;
            }
        };
        match (lc >= min_cluster_size, rc >= min_cluster_size) {
            (true, true) => {
                for (side, count) in [(m.left, lc), (m.right, rc)] {
                    relabel[side] = next_label;
                    out.push(Condensed {
                        parent,
                        child: next_label,
                        lambda,
                        size: count,
                    });
                    next_label += 1;
                }
            }
            (false, false) => {
                fall_out(m.left, &mut out);
                fall_out(m.right, &mut out);
            }
            (false, true) => {
                relabel[m.right] = parent;
                fall_out(m.left, &mut out);
            }
            (true, false) => {
                relabel[m.left] = parent;
                fall_out(m.right, &mut out);
            }
        }
    }
    out
}

/// Labels and probabilities from the condensed tree (scikit-learn's `_get_clusters`).
fn select(tree: &[Condensed], n: usize, p: &HdbscanParams) -> (Array1<i64>, Array1<f64>) {
    let n_clusters = tree.iter().map(|e| e.parent).max().map_or(1, |m| m - n + 1);
    let id = |c: usize| c - n;
    // Stability, birth and cluster children of every condensed cluster.
    let mut birth = vec![0.0; n_clusters];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n_clusters];
    let mut size = vec![0usize; n_clusters];
    for e in tree.iter().filter(|e| e.child >= n) {
        birth[id(e.child)] = e.lambda;
        children[id(e.parent)].push(e.child);
        size[id(e.child)] = e.size;
    }
    let mut stability = vec![0.0; n_clusters];
    let mut death = vec![0.0f64; n_clusters];
    for e in tree {
        stability[id(e.parent)] += (e.lambda - birth[id(e.parent)]) * e.size as f64;
        death[id(e.parent)] = death[id(e.parent)].max(e.lambda);
    }
    size[0] = children[0].iter().map(|&c| size[id(c)]).sum();
    let descendants = |c: usize| {
        let mut out = Vec::new();
        let mut stack = children[id(c)].clone();
        while let Some(v) = stack.pop() {
            out.push(v);
            stack.extend_from_slice(&children[id(v)]);
        }
        out
    };
    let mut selected = vec![false; n_clusters];
    let eps = p.cluster_selection_epsilon;
    let has_cluster_tree = n_clusters > 1;
    let chosen: Vec<usize> = match p.cluster_selection_method {
        ClusterSelection::Eom => {
            let first = usize::from(!p.allow_single_cluster);
            let max_size = p.max_cluster_size.unwrap_or(n + 1);
            for c in (n + first..n + n_clusters).rev() {
                selected[id(c)] = true;
            }
            for c in (n + first..n + n_clusters).rev() {
                let sub: f64 = children[id(c)].iter().map(|&k| stability[id(k)]).sum();
                if sub > stability[id(c)] || size[id(c)] > max_size {
                    selected[id(c)] = false;
                    stability[id(c)] = sub;
                } else {
                    for k in descendants(c) {
                        selected[id(k)] = false;
                    }
                }
            }
            let eom: Vec<usize> = (0..n_clusters)
                .filter(|&k| selected[k])
                .map(|k| k + n)
                .collect();
            if eps != 0.0 && has_cluster_tree {
                if eom == [n] {
                    if p.allow_single_cluster {
                        eom
                    } else {
                        Vec::new()
                    }
                } else {
                    epsilon_search(
                        &eom,
                        tree,
                        &birth,
                        n,
                        eps,
                        p.allow_single_cluster,
                        &descendants,
                    )
                }
            } else {
                eom
            }
        }
        ClusterSelection::Leaf => {
            let leaves: Vec<usize> = if has_cluster_tree {
                (n + 1..n + n_clusters)
                    .filter(|&c| children[id(c)].is_empty())
                    .collect()
            } else {
                Vec::new()
            };
            if eps != 0.0 {
                epsilon_search(
                    &leaves,
                    tree,
                    &birth,
                    n,
                    eps,
                    p.allow_single_cluster,
                    &descendants,
                )
            } else {
                leaves
            }
        }
    };
    selected.iter_mut().for_each(|s| *s = false);
    for &c in &chosen {
        selected[id(c)] = true;
    }
    // Cluster labels in id order; each condensed node inherits the selected cluster above it.
    let mut label_of = vec![-1i64; n_clusters];
    let mut next = 0;
    for k in 0..n_clusters {
        if selected[k] {
            label_of[k] = next;
            next += 1;
        }
    }
    let mut top = vec![0usize; n_clusters];
    let mut labels = Array1::from_elem(n, -1i64);
    let mut leave_lambda = vec![0.0; n];
    let mut leave_from = vec![0usize; n];
    let single = chosen.len() == 1 && selected[0];
    let root_max = tree
        .iter()
        .filter(|e| e.parent == n)
        .map(|e| e.lambda)
        .fold(f64::NEG_INFINITY, f64::max);
    for e in tree {
        let above = top[id(e.parent)];
        if e.child >= n {
            top[id(e.child)] = if selected[id(e.child)] {
                id(e.child)
            } else {
                above
            };
            continue;
        }
        leave_lambda[e.child] = e.lambda;
        leave_from[e.child] = above;
        if above != 0 {
            labels[e.child] = label_of[above];
        } else if single && p.allow_single_cluster {
            let threshold = if eps != 0.0 { 1.0 / eps } else { root_max };
            if e.lambda >= threshold {
                labels[e.child] = label_of[0];
            }
        }
    }
    let probabilities = (0..n)
        .map(|i| {
            if labels[i] < 0 {
                return 0.0;
            }
            // The row's selected cluster (the root when it is the single cluster).
            let max_lambda = death[leave_from[i]];
            if max_lambda == 0.0 || leave_lambda[i].is_infinite() {
                1.0
            } else {
                leave_lambda[i].min(max_lambda) / max_lambda
            }
        })
        .collect();
    (labels, probabilities)
}

/// scikit-learn's `epsilon_search`: a selected cluster born at a distance below `eps` is
/// replaced by its nearest ancestor born above `eps` (or the root's child when none).
fn epsilon_search(
    clusters: &[usize],
    tree: &[Condensed],
    birth: &[f64],
    n: usize,
    eps: f64,
    allow_single_cluster: bool,
    descendants: &dyn Fn(usize) -> Vec<usize>,
) -> Vec<usize> {
    let parent_of = |c: usize| tree.iter().find(|e| e.child == c).map_or(n, |e| e.parent);
    let mut selected = Vec::new();
    let mut processed = Vec::new();
    for &leaf in clusters {
        if 1.0 / birth[leaf - n] >= eps {
            selected.push(leaf);
            continue;
        }
        if processed.contains(&leaf) {
            continue;
        }
        let mut c = leaf;
        let chosen = loop {
            let parent = parent_of(c);
            if parent == n {
                break if allow_single_cluster { parent } else { c };
            }
            if 1.0 / birth[parent - n] > eps {
                break parent;
            }
            c = parent;
        };
        selected.push(chosen);
        processed.extend(descendants(chosen));
    }
    selected.sort_unstable();
    selected.dedup();
    selected
}

impl HdbscanParams {
    fn check(&self, n: usize) -> Result<usize> {
        if self.min_cluster_size < 2 {
            return Err(Error::param(
                "min_cluster_size",
                format!("must be at least 2, got {}", self.min_cluster_size),
            ));
        }
        let k = self.min_samples.unwrap_or(self.min_cluster_size);
        if k == 0 || k > n {
            return Err(Error::param(
                "min_samples",
                format!("must lie in 1..={n} (the number of rows), got {k}"),
            ));
        }
        if !(self.cluster_selection_epsilon >= 0.0 && self.cluster_selection_epsilon.is_finite()) {
            return Err(Error::param(
                "cluster_selection_epsilon",
                format!(
                    "must be finite and >= 0, got {}",
                    self.cluster_selection_epsilon
                ),
            ));
        }
        positive("alpha", self.alpha)?;
        if self.max_cluster_size == Some(0) {
            return Err(Error::param("max_cluster_size", "must be at least 1"));
        }
        if matches!(self.metric, Metric::Cosine | Metric::Mahalanobis(_)) {
            return Err(Error::param(
                "metric",
                "HDBSCAN supports euclidean, manhattan, chebyshev and minkowski:P",
            ));
        }
        Ok(k)
    }
}

impl Fit for HdbscanParams {
    type Fitted = Hdbscan;
    fn fit(&self, data: &Dataset) -> Result<Hdbscan> {
        check_fit_input(data)?;
        let x = data.features();
        let n = x.nrows();
        let k = self.check(n)?;
        let norm = self.metric.norm()?;
        let n_features = data.n_features();
        if n == 1 {
            return Ok(Hdbscan {
                labels: Array1::from_elem(1, -1),
                probabilities: Array1::zeros(1),
                n_features,
            });
        }
        let index = NearestNeighborsParams {
            n_neighbors: k,
            algorithm: self.algorithm,
            leaf_size: self.leaf_size,
            metric: self.metric.clone(),
            ..Default::default()
        }
        .fit_array(x)?;
        // The row itself is its own first neighbour, as in scikit-learn.
        let nn = index.kneighbors(x, k)?;
        let core: Vec<f64> = nn.distances.column(k - 1).to_vec();
        let mst = prim_mst(
            x,
            &core,
            |a, b| norm.to_dist(norm.reduced(a, b)),
            self.alpha,
        );
        let merges = single_linkage(mst, n);
        let tree = condense(&merges, n, self.min_cluster_size);
        let (labels, probabilities) = select(&tree, n, self);
        Ok(Hdbscan {
            labels,
            probabilities,
            n_features,
        })
    }
}

impl Fitted for Hdbscan {
    fn model_name(&self) -> &'static str {
        "hdbscan"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Clusterer for Hdbscan {
    fn labels(&self) -> &Array1<i64> {
        &self.labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{fixture, matrix, vector};
    use breadth_core::conformance::check_clusterer;
    use breadth_core::registry::configure;

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_clusterer(&HdbscanParams::new(5), &iris);
    }

    #[test]
    fn labels_and_probabilities_equal_scikit_learns() {
        // reference/unsupervised.py hdbscan (scikit-learn 1.9.1). `stable_*`: scikit-learn with
        // its unstable sort of equal spanning-tree weights made stable, as ours: labels exactly
        // (numbered as scikit-learn numbers them), probabilities to 1e-12. Against plain
        // scikit-learn, only rows sitting on such a tie may differ (at most 2 of 390 here).
        let f = fixture("hdbscan");
        for case in f["cases"].as_array().unwrap() {
            let x = matrix(&f[case["data"].as_str().unwrap()]);
            let settings: Vec<(String, String)> = case["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect();
            let params: HdbscanParams = configure("hdbscan", &settings).unwrap();
            let m = params.fit(&Dataset::new(x)).unwrap();
            let want: Vec<i64> = serde_json::from_value(case["stable_labels"].clone()).unwrap();
            assert_eq!(m.labels().to_vec(), want, "{settings:?}");
            let want_p = vector(&case["stable_probabilities"]);
            for (i, (a, b)) in m.probabilities().iter().zip(&want_p).enumerate() {
                assert!((a - b).abs() < 1e-12, "{settings:?} row {i}: {a} vs {b}");
            }
            let plain: Vec<i64> = serde_json::from_value(case["labels"].clone()).unwrap();
            let differ = plain.iter().zip(m.labels()).filter(|(a, b)| a != b).count();
            assert!(
                differ <= 2,
                "{settings:?}: {differ} rows differ from scikit-learn"
            );
        }
    }

    #[test]
    fn parallel_prim_equals_a_plain_sequential_prim() {
        // The slow, obviously correct version: scikit-learn's loop, one row at a time.
        fn plain(x: &ndarray::Array2<f64>, core: &[f64]) -> Vec<(usize, usize, f64)> {
            let n = x.nrows();
            let (mut in_tree, mut reach, mut src) = (vec![false; n], vec![f64::MAX; n], vec![0; n]);
            let mut cur = 0;
            let mut edges = Vec::new();
            for _ in 1..n {
                in_tree[cur] = true;
                let (mut best, mut from, mut to) = (f64::MAX, 0, 0);
                for j in 0..n {
                    if in_tree[j] {
                        continue;
                    }
                    let d = x
                        .row(cur)
                        .iter()
                        .zip(x.row(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt();
                    let mr = d.max(core[cur]).max(core[j]);
                    if mr < reach[j] {
                        reach[j] = mr;
                        src[j] = cur;
                        if mr < best {
                            (best, from, to) = (mr, cur, j);
                        }
                    } else if reach[j] < best {
                        (best, from, to) = (reach[j], src[j], j);
                    }
                }
                edges.push((from, to, best));
                cur = to;
            }
            edges
        }
        let mut rng = breadth_core::seeded_rng(3);
        use rand::Rng as _;
        // More rows than one parallel block; coarse values make ties, which both must break towards the lowest index.
        let x = ndarray::Array2::from_shape_fn((2500, 2), |_| f64::from(rng.random_range(0..20u8)));
        let core: Vec<f64> = (0..2500).map(|i| f64::from((i % 7) as u8) * 0.5).collect();
        let norm = Metric::Euclidean.norm().unwrap();
        let fast = prim_mst(
            x.view(),
            &core,
            |a, b| norm.to_dist(norm.reduced(a, b)),
            1.0,
        );
        assert_eq!(fast, plain(&x, &core));
    }

    #[test]
    fn bad_parameters_are_refused() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        assert!(HdbscanParams::new(1).fit(&iris).is_err());
        assert!(HdbscanParams::new(5).min_samples(0).fit(&iris).is_err());
        assert!(HdbscanParams::new(5).min_samples(151).fit(&iris).is_err());
        assert!(HdbscanParams::new(5)
            .cluster_selection_epsilon(-1.0)
            .fit(&iris)
            .is_err());
        assert!(HdbscanParams::new(5)
            .metric(Metric::Cosine)
            .fit(&iris)
            .is_err());
    }
}
