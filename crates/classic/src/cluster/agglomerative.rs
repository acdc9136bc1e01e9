//! Agglomerative (hierarchical) clustering with single, complete, average and Ward linkage
//! (scikit-learn's `AgglomerativeClustering`, SciPy's `linkage`).
//!
//! Starting from singletons, the two closest clusters merge until one remains. After merging $i$
//! and $j$, the distance to every other cluster $k$ follows the Lance-Williams update, with
//! sizes $n_i, n_j, n_k$ and $d_{ij}$ the distance of the merged pair:
//! - single: $\min(d_{ki}, d_{kj})$; complete: $\max(d_{ki}, d_{kj})$;
//! - average: $(n_i d_{ki} + n_j d_{kj}) / (n_i + n_j)$;
//! - Ward: $\sqrt{\big((n_k+n_i) d_{ki}^2 + (n_k+n_j) d_{kj}^2 - n_k d_{ij}^2\big) / (n_i+n_j+n_k)}$.
//!
//! All four are *reducible*, so the nearest-neighbour-chain algorithm finds the same merges as
//! the naive $O(n^3)$ one in $O(n^2)$ time and $O(n^2)$ memory (the condensed distance matrix of
//! $n(n-1)/2$ values): follow nearest neighbours until two clusters are each other's nearest,
//! merge them, continue from the rest of the chain (D. Müllner, *Modern hierarchical,
//! agglomerative clustering algorithms*, arXiv:1109.2378, 2011; SciPy's `nn_chain`).
//!
//! The merge tree is returned as SciPy's linkage matrix $Z$ ($(n-1) \times 4$): row $t$ merges
//! clusters $Z_{t,0} < Z_{t,1}$ at distance $Z_{t,2}$ into cluster $n + t$ of $Z_{t,3}$ rows,
//! rows sorted by distance. Flat clusters come from cutting it at a number of clusters or at a
//! distance threshold; [`dendrogram`] lays the tree out for plotting exactly as SciPy does.
//!
//! ```
//! use breadth_classic::cluster::agglomerative::{AgglomerativeParams, Linkage};
//! use breadth_core::{Clusterer, Dataset, Fit};
//! use ndarray::array;
//! let x = array![[0.0], [1.0], [5.0], [6.5]];
//! let m = AgglomerativeParams::new(2).linkage(Linkage::Single).fit(&Dataset::new(x)).unwrap();
//! assert_eq!(m.linkage_matrix().row(0).to_vec(), vec![0.0, 1.0, 1.0, 2.0]);
//! assert_eq!(m.labels().to_vec(), vec![0, 0, 1, 1]);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::check_fit_input;
use breadth_core::{Clusterer, Dataset, Error, Fit, Result};
use ndarray::{Array1, Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How the distance between clusters is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Linkage {
    /// Closest pair of members.
    Single,
    /// Farthest pair of members.
    Complete,
    /// Mean distance over all pairs of members.
    Average,
    /// Increase of the within-cluster sum of squares (Euclidean).
    Ward,
}

impl FromStr for Linkage {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "single" => Self::Single,
            "complete" => Self::Complete,
            "average" => Self::Average,
            "ward" => Self::Ward,
            _ => return Err("expected single, complete, average or ward".into()),
        })
    }
}

impl std::fmt::Display for Linkage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Single => "single",
            Self::Complete => "complete",
            Self::Average => "average",
            Self::Ward => "ward",
        })
    }
}

/// Where the merge tree is cut into flat clusters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Cut {
    /// Stop when this many clusters remain.
    NClusters(usize),
    /// Keep only merges at distances below this threshold.
    Distance(f64),
}

/// Hyper-parameters of agglomerative clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct AgglomerativeParams {
    /// Where to cut the tree.
    pub cut: Cut,
    /// The linkage.
    pub linkage: Linkage,
}

impl Default for AgglomerativeParams {
    fn default() -> Self {
        AgglomerativeParams {
            cut: Cut::NClusters(2),
            linkage: Linkage::Ward,
        }
    }
}

impl AgglomerativeParams {
    /// Ward linkage cut into `k` clusters.
    pub fn new(n_clusters: usize) -> Self {
        AgglomerativeParams {
            cut: Cut::NClusters(n_clusters),
            ..Default::default()
        }
    }
    /// Set the linkage.
    pub fn linkage(mut self, linkage: Linkage) -> Self {
        self.linkage = linkage;
        self
    }
    /// Set the cut.
    pub fn cut(mut self, cut: Cut) -> Self {
        self.cut = cut;
        self
    }
}

impl Configurable for AgglomerativeParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let (k, t) = match self.cut {
            Cut::NClusters(k) => (k.to_string(), "none".to_string()),
            Cut::Distance(t) => ("none".to_string(), t.to_string()),
        };
        vec![
            ParamSpec::new("n_clusters", k, "number of flat clusters (sets the cut)"),
            ParamSpec::new(
                "distance_threshold",
                t,
                "cut below this merge distance instead",
            ),
            ParamSpec::new(
                "linkage",
                self.linkage,
                "single | complete | average | ward",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_clusters" => self.cut = Cut::NClusters(parse_param(name, value)?),
            "distance_threshold" => self.cut = Cut::Distance(parse_param(name, value)?),
            "linkage" => self.linkage = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted hierarchical clustering: the full merge tree and the flat labels of its cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agglomerative {
    linkage_matrix: Array2<f64>,
    labels: Array1<i64>,
    n_features: usize,
}

impl Agglomerative {
    /// SciPy's linkage matrix, `(n-1) x 4`.
    pub fn linkage_matrix(&self) -> &Array2<f64> {
        &self.linkage_matrix
    }
    /// Number of flat clusters.
    pub fn n_clusters(&self) -> usize {
        self.labels.iter().max().map_or(0, |&m| m as usize + 1)
    }
}

/// Index of pair `(i, j)`, `i < j`, in a condensed distance matrix of `n` points.
#[inline]
fn condensed(n: usize, i: usize, j: usize) -> usize {
    n * i - i * (i + 1) / 2 + j - i - 1
}

/// Euclidean distances of all pairs, condensed (row-major upper triangle), computed exactly
/// (not through GEMM) so merge heights match SciPy to rounding.
pub(crate) fn condensed_distances(x: ArrayView2<'_, f64>) -> Vec<f64> {
    let n = x.nrows();
    let rows: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            (i + 1..n)
                .map(|j| super::kmeans::sq_dist(x.row(i), x.row(j)).sqrt())
                .collect()
        })
        .collect();
    rows.concat()
}

fn update(linkage: Linkage, d_xi: f64, d_yi: f64, d_xy: f64, nx: f64, ny: f64, ni: f64) -> f64 {
    match linkage {
        Linkage::Single => d_xi.min(d_yi),
        Linkage::Complete => d_xi.max(d_yi),
        Linkage::Average => (nx * d_xi + ny * d_yi) / (nx + ny),
        Linkage::Ward => {
            let t = 1.0 / (nx + ny + ni);
            ((ni + nx) * t * d_xi * d_xi + (ni + ny) * t * d_yi * d_yi - ni * t * d_xy * d_xy)
                .max(0.0)
                .sqrt()
        }
    }
}

/// The linkage matrix of `n` points from their condensed distances, by the
/// nearest-neighbour chain (SciPy's `nn_chain`, same tie-breaking).
pub fn nn_chain(mut dist: Vec<f64>, n: usize, linkage: Linkage) -> Array2<f64> {
    let mut size = vec![1.0f64; n];
    let mut merges: Vec<(usize, usize, f64, f64)> = Vec::with_capacity(n.saturating_sub(1));
    let mut chain: Vec<usize> = Vec::with_capacity(n);
    let d = |dist: &Vec<f64>, a: usize, b: usize| {
        if a < b {
            dist[condensed(n, a, b)]
        } else {
            dist[condensed(n, b, a)]
        }
    };
    for _ in 0..n.saturating_sub(1) {
        if chain.is_empty() {
            chain.push((0..n).find(|&i| size[i] > 0.0).expect("an active cluster"));
        }
        let (x, y, current) = loop {
            let x = *chain.last().expect("non-empty chain");
            let (mut y, mut current) = if chain.len() >= 2 {
                let y = chain[chain.len() - 2];
                (y, d(&dist, x, y))
            } else {
                (usize::MAX, f64::INFINITY)
            };
            for i in 0..n {
                if size[i] == 0.0 || i == x {
                    continue;
                }
                let di = d(&dist, x, i);
                if di < current {
                    current = di;
                    y = i;
                }
            }
            if chain.len() >= 2 && y == chain[chain.len() - 2] {
                break (x, y, current);
            }
            chain.push(y);
        };
        chain.pop();
        chain.pop();
        let (x, y) = (x.min(y), x.max(y));
        let (nx, ny) = (size[x], size[y]);
        merges.push((x, y, current, nx + ny));
        size[x] = 0.0;
        size[y] = nx + ny;
        for i in 0..n {
            if size[i] == 0.0 || i == y {
                continue;
            }
            let new = update(
                linkage,
                d(&dist, i, x),
                d(&dist, i, y),
                current,
                nx,
                ny,
                size[i],
            );
            let at = if i < y {
                condensed(n, i, y)
            } else {
                condensed(n, y, i)
            };
            dist[at] = new;
        }
    }
    // Stable sort by height, then name clusters as SciPy's `label` does.
    merges.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut uf = UnionFind::new(n);
    let mut z = Array2::zeros((merges.len(), 4));
    for (t, &(a, b, h, _)) in merges.iter().enumerate() {
        let (ra, rb) = (uf.find(a), uf.find(b));
        let new = uf.union(ra, rb);
        z.row_mut(t).assign(&ndarray::arr1(&[
            ra.min(rb) as f64,
            ra.max(rb) as f64,
            h,
            uf.size[new] as f64,
        ]));
    }
    z
}

/// Union-find whose merged sets get SciPy's names `n, n+1, ...`.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
    next: usize,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..2 * n).collect(),
            size: (0..2 * n).map(|i| usize::from(i < n)).collect(),
            next: n,
        }
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) -> usize {
        let new = self.next;
        self.next += 1;
        self.parent[a] = new;
        self.parent[b] = new;
        self.size[new] = self.size[a] + self.size[b];
        new
    }
}

/// Flat labels after applying the first `n_merges` merges of `z`, numbered by first appearance.
pub fn cut_tree(z: &Array2<f64>, n: usize, n_merges: usize) -> Array1<i64> {
    let mut uf = UnionFind::new(n);
    for row in z.outer_iter().take(n_merges) {
        let (a, b) = (uf.find(row[0] as usize), uf.find(row[1] as usize));
        uf.union(a, b);
    }
    let mut names = std::collections::HashMap::new();
    (0..n)
        .map(|i| {
            let r = uf.find(i);
            let next = names.len() as i64;
            *names.entry(r).or_insert(next)
        })
        .collect()
}

/// A dendrogram laid out as SciPy's `dendrogram(Z, no_plot=True)` does, ready to draw: leaf
/// $t$ (in `leaves` order) sits at $x = 5 + 10t$, height 0; each merge is a "⊓" of four points
/// `(icoord[m][p], dcoord[m][p])` joining its children's centres at its height.
#[derive(Debug, Clone, PartialEq)]
pub struct Dendrogram {
    /// Original row indices from left to right.
    pub leaves: Vec<usize>,
    /// x coordinates of each merge's four points, in SciPy's (post-)order.
    pub icoord: Vec<[f64; 4]>,
    /// y coordinates (heights) of each merge's four points.
    pub dcoord: Vec<[f64; 4]>,
}

/// Lay out the dendrogram of a linkage matrix of `n = z.nrows() + 1` points.
pub fn dendrogram(z: &Array2<f64>) -> Dendrogram {
    let n = z.nrows() + 1;
    let mut out = Dendrogram {
        leaves: Vec::with_capacity(n),
        icoord: Vec::new(),
        dcoord: Vec::new(),
    };
    // Returns (x of the node's centre, its height).
    fn walk(z: &Array2<f64>, n: usize, node: usize, out: &mut Dendrogram) -> (f64, f64) {
        if node < n {
            out.leaves.push(node);
            return (5.0 + 10.0 * (out.leaves.len() - 1) as f64, 0.0);
        }
        let row = z.row(node - n);
        let (xa, ha) = walk(z, n, row[0] as usize, out);
        let (xb, hb) = walk(z, n, row[1] as usize, out);
        let h = row[2];
        out.icoord.push([xa, xa, xb, xb]);
        out.dcoord.push([ha, h, h, hb]);
        ((xa + xb) / 2.0, h)
    }
    if n >= 2 {
        walk(z, n, 2 * n - 2, &mut out);
    } else {
        out.leaves.push(0);
    }
    out
}

impl Fit for AgglomerativeParams {
    type Fitted = Agglomerative;
    fn fit(&self, data: &Dataset) -> Result<Agglomerative> {
        check_fit_input(data)?;
        let x = data.features();
        let n = x.nrows();
        let n_merges = match self.cut {
            Cut::NClusters(k) if (1..=n).contains(&k) => n - k,
            Cut::NClusters(k) => {
                return Err(Error::param(
                    "n_clusters",
                    format!("must lie in 1..={n} (the number of rows), got {k}"),
                ))
            }
            Cut::Distance(t) if t >= 0.0 && t.is_finite() => usize::MAX,
            Cut::Distance(t) => {
                return Err(Error::param(
                    "distance_threshold",
                    format!("must be a finite number >= 0, got {t}"),
                ))
            }
        };
        if n > 65_536 {
            return Err(Error::param(
                "data",
                format!(
                    "{n} rows need {} GB for pairwise distances; subsample first",
                    n * n * 4 / 1_000_000_000
                ),
            ));
        }
        let z = nn_chain(condensed_distances(x), n, self.linkage);
        let n_merges = match self.cut {
            Cut::Distance(t) => z.column(2).iter().filter(|&&h| h < t).count(),
            Cut::NClusters(_) => n_merges,
        };
        Ok(Agglomerative {
            labels: cut_tree(&z, n, n_merges),
            linkage_matrix: z,
            n_features: data.n_features(),
        })
    }
}

impl Fitted for Agglomerative {
    fn model_name(&self) -> &'static str {
        "agglomerative"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Clusterer for Agglomerative {
    fn labels(&self) -> &Array1<i64> {
        &self.labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{adjusted_rand, fixture, matrix};
    use breadth_core::conformance::check_clusterer;

    const ALL: [Linkage; 4] = [
        Linkage::Single,
        Linkage::Complete,
        Linkage::Average,
        Linkage::Ward,
    ];

    fn ints(v: &serde_json::Value) -> Vec<i64> {
        serde_json::from_value(v.clone()).unwrap()
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        for l in ALL {
            check_clusterer(&AgglomerativeParams::new(3).linkage(l), &iris);
        }
    }

    #[test]
    fn linkage_matrices_equal_scipys() {
        // reference/unsupervised.py agglomerative (SciPy 1.17.1 linkage, scikit-learn 1.9.1).
        let f = fixture("agglomerative");
        let x = matrix(&f["x"]);
        let ds = Dataset::new(x.clone());
        for l in ALL {
            let r = &f[l.to_string()];
            let m = AgglomerativeParams::new(4).linkage(l).fit(&ds).unwrap();
            let theirs = matrix(&r["linkage"]);
            let z = m.linkage_matrix();
            assert_eq!(z.dim(), theirs.dim());
            for (a, b) in z.outer_iter().zip(theirs.outer_iter()) {
                assert_eq!((a[0], a[1], a[3]), (b[0], b[1], b[3]), "{l}: {a} vs {b}");
                assert!((a[2] - b[2]).abs() < 1e-10, "{l}: {a} vs {b}");
            }
            assert_eq!(
                adjusted_rand(m.labels().as_slice().unwrap(), &ints(&r["labels_k4"])),
                1.0,
                "{l}"
            );
            assert_eq!(
                adjusted_rand(m.labels().as_slice().unwrap(), &ints(&r["fcluster_k4"])),
                1.0,
                "{l}"
            );
            let t = AgglomerativeParams::default()
                .linkage(l)
                .cut(Cut::Distance(1.0))
                .fit(&ds)
                .unwrap();
            assert_eq!(
                adjusted_rand(t.labels().as_slice().unwrap(), &ints(&r["labels_t1"])),
                1.0,
                "{l}"
            );
        }
    }

    #[test]
    fn dendrogram_layout_equals_scipys() {
        // reference/unsupervised.py agglomerative: scipy dendrogram(linkage(x[:12], "average")).
        let f = fixture("agglomerative");
        let x = matrix(&f["x"]).slice(ndarray::s![..12, ..]).to_owned();
        let z = nn_chain(condensed_distances(x.view()), 12, Linkage::Average);
        let d = dendrogram(&z);
        let r = &f["dendrogram"];
        assert_eq!(
            d.leaves,
            serde_json::from_value::<Vec<usize>>(r["leaves"].clone()).unwrap()
        );
        let ic = matrix(&r["icoord"]);
        let dc = matrix(&r["dcoord"]);
        for m in 0..11 {
            for p in 0..4 {
                assert!((d.icoord[m][p] - ic[[m, p]]).abs() < 1e-12);
                assert!((d.dcoord[m][p] - dc[[m, p]]).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn chain_agrees_with_naive_merging() {
        // Naive O(n^3): merge the globally closest pair, recomputing linkage from members.
        let mut rng = breadth_core::seeded_rng(9);
        let x = Array2::from_shape_simple_fn((25, 2), || rand::Rng::random::<f64>(&mut rng));
        for l in [Linkage::Single, Linkage::Complete, Linkage::Average] {
            let z = nn_chain(condensed_distances(x.view()), 25, l);
            let mut clusters: Vec<Vec<usize>> = (0..25).map(|i| vec![i]).collect();
            let dist = |a: &[usize], b: &[usize]| -> f64 {
                let ds: Vec<f64> = a
                    .iter()
                    .flat_map(|&i| b.iter().map(move |&j| (i, j)))
                    .map(|(i, j)| super::super::kmeans::sq_dist(x.row(i), x.row(j)).sqrt())
                    .collect();
                match l {
                    Linkage::Single => ds.iter().cloned().fold(f64::INFINITY, f64::min),
                    Linkage::Complete => ds.iter().cloned().fold(0.0, f64::max),
                    _ => ds.iter().sum::<f64>() / ds.len() as f64,
                }
            };
            for t in 0..24 {
                let mut best = (f64::INFINITY, 0, 0);
                for a in 0..clusters.len() {
                    for b in a + 1..clusters.len() {
                        let d = dist(&clusters[a], &clusters[b]);
                        if d < best.0 {
                            best = (d, a, b);
                        }
                    }
                }
                assert!((z[[t, 2]] - best.0).abs() < 1e-12, "{l} step {t}");
                let merged = clusters.remove(best.2);
                clusters[best.1].extend(merged);
            }
        }
    }

    #[test]
    fn bad_cuts_are_refused() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        assert!(AgglomerativeParams::new(0).fit(&iris).is_err());
        assert!(AgglomerativeParams::default()
            .cut(Cut::Distance(-1.0))
            .fit(&iris)
            .is_err());
    }
}
