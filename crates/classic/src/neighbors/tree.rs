//! Space-partitioning trees: the k-d tree and the ball tree.
//!
//! Both split the same way (as scikit-learn's `BinaryTree`): a node holding more than
//! `leaf_size` rows is cut at the median of the coordinate with the largest spread, by
//! quickselect on an index array, so the tree is balanced and has depth
//! $\lceil \log_2(n / \text{leaf\_size}) \rceil$. They differ in the bound kept per node:
//!
//! - k-d tree: the bounding box $[\ell, h] \subset \mathbb{R}^d$, whose reduced distance to a
//!   query is $\rho\big(\max(0, \ell_j - q_j, q_j - h_j)_j\big)$;
//! - ball tree: a centroid $c$ and radius $r = \max_i d(x_i, c)$, whose distance to a query is
//!   $\max(0, d(q, c) - r)$ (valid for any metric by the triangle inequality).
//!
//! A k-nearest query walks depth first, nearer child first, and skips a node whose bound
//! exceeds the current $k$-th best; a radius query skips nodes whose bound exceeds the radius.
//! Build $O(n \log n)$; a query is $O(\log n)$ in low dimension and degrades towards brute force
//! as $d$ grows. Reference: J. L. Bentley, *Multidimensional binary search trees used for
//! associative searching*, CACM 1975; S. M. Omohundro, *Five balltree construction algorithms*,
//! ICSI TR-89-063, 1989.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::metric::Norm;
use super::topk::TopK;

/// Which bound the nodes keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum TreeKind {
    Kd,
    Ball,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Node {
    start: usize,
    end: usize,
    /// Children, `None` for a leaf.
    children: Option<(usize, usize)>,
}

/// A built tree over the rows of a matrix (which it does not own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SpaceTree {
    kind: TreeKind,
    norm: Norm,
    d: usize,
    idx: Vec<usize>,
    nodes: Vec<Node>,
    /// Per node, `d` values: box lower corners (k-d) or centroids (ball).
    a: Vec<f64>,
    /// Per node: `d` box upper corners (k-d), or one radius (ball).
    b: Vec<f64>,
}

impl SpaceTree {
    /// Build over the rows of `x` (standard layout).
    pub(crate) fn build(
        kind: TreeKind,
        norm: Norm,
        x: ArrayView2<'_, f64>,
        leaf_size: usize,
    ) -> Self {
        let mut tree = SpaceTree {
            kind,
            norm,
            d: x.ncols(),
            idx: (0..x.nrows()).collect(),
            nodes: Vec::new(),
            a: Vec::new(),
            b: Vec::new(),
        };
        let flat = x.as_slice().expect("standard layout");
        tree.split(flat, 0, x.nrows(), leaf_size.max(1));
        tree
    }

    fn split(&mut self, x: &[f64], start: usize, end: usize, leaf_size: usize) -> usize {
        let d = self.d;
        let id = self.nodes.len();
        self.nodes.push(Node {
            start,
            end,
            children: None,
        });
        let row = |i: usize| &x[i * d..(i + 1) * d];
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for &i in &self.idx[start..end] {
            for (j, &v) in row(i).iter().enumerate() {
                lo[j] = lo[j].min(v);
                hi[j] = hi[j].max(v);
            }
        }
        match self.kind {
            TreeKind::Kd => {
                self.a.extend_from_slice(&lo);
                self.b.extend_from_slice(&hi);
            }
            TreeKind::Ball => {
                let mut c = vec![0.0; d];
                for &i in &self.idx[start..end] {
                    c.iter_mut().zip(row(i)).for_each(|(c, v)| *c += v);
                }
                let n = (end - start) as f64;
                c.iter_mut().for_each(|c| *c /= n);
                let r = self.idx[start..end]
                    .iter()
                    .map(|&i| self.norm.reduced(&c, row(i)))
                    .fold(0.0, f64::max);
                self.a.extend_from_slice(&c);
                self.b.push(self.norm.to_dist(r));
            }
        }
        if end - start <= leaf_size {
            return id;
        }
        let dim = (0..d)
            .max_by(|&p, &q| (hi[p] - lo[p]).total_cmp(&(hi[q] - lo[q])).then(q.cmp(&p)))
            .expect("d >= 1");
        let mid = start + (end - start) / 2;
        self.idx[start..end].select_nth_unstable_by(mid - start, |&p, &q| {
            x[p * d + dim].total_cmp(&x[q * d + dim])
        });
        let left = self.split(x, start, mid, leaf_size);
        let right = self.split(x, mid, end, leaf_size);
        self.nodes[id].children = Some((left, right));
        id
    }

    /// Lower bound on the reduced distance from `q` to any row under `node`.
    #[inline]
    fn min_reduced(&self, node: usize, q: &[f64]) -> f64 {
        let d = self.d;
        let a = &self.a[node * d..(node + 1) * d];
        match self.kind {
            TreeKind::Kd => {
                let b = &self.b[node * d..(node + 1) * d];
                self.norm.reduced_of(
                    q.iter()
                        .zip(a.iter().zip(b))
                        .map(|(&v, (&l, &h))| (l - v).max(v - h).max(0.0)),
                )
            }
            TreeKind::Ball => {
                let dc = self.norm.to_dist(self.norm.reduced(q, a));
                let r = self.b[node];
                // A hair of slack keeps rounding in the centroid distance from pruning a row
                // that lies exactly on the bound.
                self.norm.to_reduced((dc - r - 1e-12 * (dc + r)).max(0.0))
            }
        }
    }

    /// The `k` nearest rows of `x` (the matrix the tree was built on) to `q`, as
    /// `(reduced distance, index)` pairs, never returning `skip`.
    pub(crate) fn knn(
        &self,
        x: &[f64],
        q: &[f64],
        k: usize,
        skip: Option<usize>,
    ) -> Vec<(f64, usize)> {
        let mut top = TopK::new(k);
        self.knn_visit(x, q, 0, self.min_reduced(0, q), &mut top, skip);
        top.into_pairs()
    }

    fn knn_visit(
        &self,
        x: &[f64],
        q: &[f64],
        node: usize,
        bound: f64,
        top: &mut TopK,
        skip: Option<usize>,
    ) {
        if bound > top.worst() {
            return;
        }
        let n = &self.nodes[node];
        match n.children {
            None => {
                let d = self.d;
                for &i in &self.idx[n.start..n.end] {
                    if Some(i) != skip {
                        top.push(self.norm.reduced(q, &x[i * d..(i + 1) * d]), i);
                    }
                }
            }
            Some((l, r)) => {
                let (bl, br) = (self.min_reduced(l, q), self.min_reduced(r, q));
                if bl <= br {
                    self.knn_visit(x, q, l, bl, top, skip);
                    self.knn_visit(x, q, r, br, top, skip);
                } else {
                    self.knn_visit(x, q, r, br, top, skip);
                    self.knn_visit(x, q, l, bl, top, skip);
                }
            }
        }
    }

    /// Every row within reduced distance `rr` of `q`, as `(reduced distance, index)`.
    pub(crate) fn within(
        &self,
        x: &[f64],
        q: &[f64],
        rr: f64,
        skip: Option<usize>,
    ) -> Vec<(f64, usize)> {
        let mut out = Vec::new();
        let d = self.d;
        self.walk_within(x, q, rr, |hit| match hit {
            Hit::One(rd, i) => {
                if Some(i) != skip {
                    out.push((rd, i));
                }
            }
            Hit::All(ids) => out.extend(
                ids.iter()
                    .filter(|&&i| Some(i) != skip)
                    .map(|&i| (self.norm.reduced(q, &x[i * d..(i + 1) * d]), i)),
            ),
        });
        out
    }

    /// Every row within reduced distance `rr` of `q` (itself included when it is a row),
    /// appended to `out` in tree order, without distances.
    pub(crate) fn within_indices(&self, x: &[f64], q: &[f64], rr: f64, out: &mut Vec<usize>) {
        self.walk_within(x, q, rr, |hit| match hit {
            Hit::One(_, i) => out.push(i),
            Hit::All(ids) => out.extend_from_slice(ids),
        });
    }

    /// Depth-first radius search. A k-d node whose whole box lies within `rr` is reported at
    /// once as [`Hit::All`]: dense neighbourhoods (DBSCAN's) then cost one test per node rather
    /// than one per row. Rounding cannot make a row of such a node fail its own test, since
    /// every coordinate gap of a row is at most the box's gap and rounding is monotone.
    fn walk_within(&self, x: &[f64], q: &[f64], rr: f64, mut emit: impl FnMut(Hit<'_>)) {
        let d = self.d;
        let mut stack = Vec::with_capacity(64);
        stack.push(0);
        while let Some(node) = stack.pop() {
            if self.min_reduced(node, q) > rr {
                continue;
            }
            let n = &self.nodes[node];
            let ids = &self.idx[n.start..n.end];
            if self.max_reduced(node, q).is_some_and(|m| m <= rr) {
                emit(Hit::All(ids));
                continue;
            }
            match n.children {
                None => {
                    for &i in ids {
                        let rd = self.norm.reduced(q, &x[i * d..(i + 1) * d]);
                        if rd <= rr {
                            emit(Hit::One(rd, i));
                        }
                    }
                }
                Some((l, r)) => stack.extend([r, l]),
            }
        }
    }

    /// Upper bound on the reduced distance from `q` to any row under `node` (k-d tree only).
    #[inline]
    fn max_reduced(&self, node: usize, q: &[f64]) -> Option<f64> {
        if self.kind != TreeKind::Kd {
            return None;
        }
        let d = self.d;
        let a = &self.a[node * d..(node + 1) * d];
        let b = &self.b[node * d..(node + 1) * d];
        Some(
            self.norm.reduced_of(
                q.iter()
                    .zip(a.iter().zip(b))
                    .map(|(&v, (&l, &h))| (v - l).abs().max((h - v).abs())),
            ),
        )
    }
}

/// What a radius walk reports: one row with its reduced distance, or a whole node's rows.
enum Hit<'a> {
    One(f64, usize),
    All(&'a [usize]),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neighbors::topk::sort_pairs;
    use ndarray::Array2;
    use rand::Rng as _;

    #[test]
    fn trees_agree_with_exhaustive_search() {
        let mut rng = breadth_core::seeded_rng(11);
        let x = Array2::from_shape_fn((500, 3), |_| rng.random::<f64>());
        let flat = x.as_slice().unwrap();
        for kind in [TreeKind::Kd, TreeKind::Ball] {
            for norm in [Norm::L2, Norm::L1, Norm::LInf, Norm::Lp(1.5)] {
                let tree = SpaceTree::build(kind, norm, x.view(), 7);
                for qi in 0..40 {
                    let q: Vec<f64> = (0..3).map(|_| rng.random::<f64>()).collect();
                    let mut all: Vec<(f64, usize)> = (0..500)
                        .filter(|&j| j != qi)
                        .map(|j| (norm.reduced(&q, &flat[j * 3..j * 3 + 3]), j))
                        .collect();
                    sort_pairs(&mut all);
                    assert_eq!(
                        tree.knn(flat, &q, 6, Some(qi)),
                        all[..6].to_vec(),
                        "{kind:?} {norm:?}"
                    );
                    let rr = all[20].0;
                    let mut got = tree.within(flat, &q, rr, Some(qi));
                    sort_pairs(&mut got);
                    assert_eq!(got, all[..21].to_vec(), "{kind:?} {norm:?} radius");
                    // Index-only search: every row (none skipped) within rr, whole nodes included.
                    for rr in [rr, all[300].0] {
                        let mut ids = Vec::new();
                        tree.within_indices(flat, &q, rr, &mut ids);
                        ids.sort_unstable();
                        let want: Vec<usize> = (0..500)
                            .filter(|&j| norm.reduced(&q, &flat[j * 3..j * 3 + 3]) <= rr)
                            .collect();
                        assert_eq!(ids, want, "{kind:?} {norm:?} indices");
                    }
                }
            }
        }
    }
}
