//! The fitted binary tree shared by every tree model: CART, forests, boosting and the histogram
//! GBDT all store their trees in this one array-of-nodes form, so prediction, `apply`,
//! `decision_path`, feature importances, TreeSHAP and the exports are written once.
//!
//! A node $t$ holds a test $x_{f_t} \le \theta_t$ (left when true, right when false), the side
//! that rows with a missing value take, its impurity $I_t$, the number of training rows $n_t$
//! and their weight $W_t$ (the hessian sum, "cover", for gradient boosting), and a value vector
//! (class fractions, a mean, or a boosting leaf score). Node $0$ is the root.
//!
//! Mean decrease in impurity (MDI) importance of feature $j$ is
//! $\mathrm{MDI}_j = \sum_{t:\,f_t=j} \left(W_t I_t - W_{l(t)} I_{l(t)} - W_{r(t)} I_{r(t)}\right)$,
//! normalized to sum to one (Breiman et al., *Classification and Regression Trees*, 1984).
//!
//! Traversal costs $O(\text{depth})$ per row.
//!
//! ```
//! use breadth_classic::tree::DecisionTreeRegressorParams;
//! use breadth_core::{Dataset, Fit, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0], [1.0], [2.0], [3.0]])
//!     .with_target(Target::Continuous(array![1.0, 1.0, 5.0, 5.0])).unwrap();
//! let m = DecisionTreeRegressorParams::default().fit(&ds).unwrap();
//! let tree = m.tree();
//! assert_eq!(tree.n_leaves(), 2);
//! assert_eq!(tree.node(0).threshold(), 1.5);
//! ```

use ndarray::{Array1, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// Marks "no child" in [`Node`].
pub const LEAF: usize = usize::MAX;

/// The threshold of a leaf (scikit-learn's `TREE_UNDEFINED`).
pub const UNDEFINED: f64 = -2.0;

/// Thresholds may be $+\infty$ ("every present value left"), which JSON cannot hold as a number.
pub(crate) mod float_or_inf {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Num(f64),
        Text(String),
    }

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            Repr::Num(*v).serialize(s)
        } else {
            Repr::Text(v.to_string()).serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Num(v) => Ok(v),
            Repr::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// One node of a fitted tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub(crate) left: usize,
    pub(crate) right: usize,
    pub(crate) feature: usize,
    #[serde(with = "crate::tree::model::float_or_inf")]
    pub(crate) threshold: f64,
    pub(crate) missing_left: bool,
    pub(crate) impurity: f64,
    pub(crate) n_samples: usize,
    pub(crate) weight: f64,
}

impl Node {
    pub(crate) fn leaf(impurity: f64, n_samples: usize, weight: f64) -> Node {
        Node {
            left: LEAF,
            right: LEAF,
            feature: 0,
            threshold: UNDEFINED,
            missing_left: false,
            impurity,
            n_samples,
            weight,
        }
    }
    /// True for a leaf.
    pub fn is_leaf(&self) -> bool {
        self.left == LEAF
    }
    /// Left child id ([`LEAF`] for a leaf).
    pub fn left(&self) -> usize {
        self.left
    }
    /// Right child id ([`LEAF`] for a leaf).
    pub fn right(&self) -> usize {
        self.right
    }
    /// The feature tested (meaningless at a leaf).
    pub fn feature(&self) -> usize {
        self.feature
    }
    /// Rows with `x[feature] <= threshold` go left ([`UNDEFINED`] at a leaf).
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
    /// Whether rows with a missing (NaN) value go left.
    pub fn missing_left(&self) -> bool {
        self.missing_left
    }
    /// Impurity of the node's training rows.
    pub fn impurity(&self) -> f64 {
        self.impurity
    }
    /// Number of training rows reaching the node.
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }
    /// Their total weight (hessian sum in gradient boosting).
    pub fn weight(&self) -> f64 {
        self.weight
    }
}

/// A fitted binary decision tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    /// `n_nodes * n_values`, row-major.
    pub(crate) values: Vec<f64>,
    pub(crate) n_values: usize,
    pub(crate) n_features: usize,
    /// Compare inputs rounded to `f32`, as the tree was grown on `f32` features (scikit-learn).
    pub(crate) single_precision: bool,
}

impl Tree {
    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }
    /// Node `i`.
    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }
    /// All nodes, root first.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    /// The value vector of node `i` (class fractions, mean, or leaf score).
    pub fn value(&self, i: usize) -> &[f64] {
        &self.values[i * self.n_values..(i + 1) * self.n_values]
    }
    /// Length of each value vector.
    pub fn n_values(&self) -> usize {
        self.n_values
    }
    /// Number of features the tree was grown on.
    pub fn n_features(&self) -> usize {
        self.n_features
    }
    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_leaf()).count()
    }
    /// Depth (a lone root has depth 0).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        let mut max = 0;
        for (i, n) in self.nodes.iter().enumerate() {
            if !n.is_leaf() {
                depth[n.left] = depth[i] + 1;
                depth[n.right] = depth[i] + 1;
                max = max.max(depth[i] + 1);
            }
        }
        max
    }

    /// The child a value leads to from internal node `n`.
    #[inline]
    pub(crate) fn step(&self, n: &Node, v: f64) -> usize {
        if v.is_nan() {
            return if n.missing_left { n.left } else { n.right };
        }
        let v = if self.single_precision {
            v as f32 as f64
        } else {
            v
        };
        if v <= n.threshold {
            n.left
        } else {
            n.right
        }
    }

    /// The leaf reached by one row.
    #[inline]
    pub fn leaf_of(&self, row: ArrayView1<'_, f64>) -> usize {
        let mut i = 0;
        loop {
            let n = &self.nodes[i];
            if n.is_leaf() {
                return i;
            }
            i = self.step(n, row[n.feature]);
        }
    }

    /// The leaf index of every row (scikit-learn's `apply`).
    pub fn apply(&self, x: ArrayView2<'_, f64>) -> Array1<usize> {
        x.outer_iter().map(|r| self.leaf_of(r)).collect()
    }

    /// The nodes each row passes through, root to leaf (scikit-learn's `decision_path`).
    pub fn decision_path(&self, x: ArrayView2<'_, f64>) -> Vec<Vec<usize>> {
        x.outer_iter()
            .map(|row| {
                let mut path = vec![0];
                let mut i = 0;
                while !self.nodes[i].is_leaf() {
                    i = self.step(&self.nodes[i], row[self.nodes[i].feature]);
                    path.push(i);
                }
                path
            })
            .collect()
    }

    /// Unnormalized MDI: weighted impurity decrease summed per feature.
    pub(crate) fn impurity_decrease(&self) -> Vec<f64> {
        let mut imp = vec![0.0; self.n_features];
        for n in &self.nodes {
            if !n.is_leaf() {
                let (l, r) = (&self.nodes[n.left], &self.nodes[n.right]);
                imp[n.feature] +=
                    n.weight * n.impurity - l.weight * l.impurity - r.weight * r.impurity;
            }
        }
        imp
    }

    /// MDI feature importances, normalized to sum to one (all zero for a lone leaf).
    pub fn feature_importances(&self) -> Array1<f64> {
        let mut imp = self.impurity_decrease();
        let root_w = self.nodes[0].weight;
        imp.iter_mut().for_each(|v| *v /= root_w);
        normalize(imp)
    }
}

/// Scale to sum to one; all-zero stays all zero.
pub(crate) fn normalize(mut v: Vec<f64>) -> Array1<f64> {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        v.iter_mut().for_each(|x| *x /= s);
    }
    Array1::from(v)
}
