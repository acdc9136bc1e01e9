//! Growing one CART tree: the best and random splitters, depth-first and best-first growth.
//!
//! The features are copied once into column-major `f32` ([`Columns`]), as scikit-learn grows its
//! trees on `float32` data, so candidate thresholds $\theta = x_{(p)}/2 + x_{(p+1)}/2$ (between
//! consecutive distinct sorted values, computed in `f64`) are the same numbers. A node's rows are
//! a range of one index array, partitioned in place after each split.
//!
//! - **best splitter**: for each candidate feature sort the node's rows by value
//!   ($O(n_t \log n_t)$), sweep left to right updating the criterion's sums, keep the position of
//!   the largest proxy; rows with a missing value are tried on the left and on the right, and "all
//!   present values left, missing right" is a candidate too (threshold $+\infty$);
//! - **random splitter** (Extra-Trees, Geurts et al. 2006): one threshold drawn uniformly between
//!   the node's minimum and maximum per feature, $O(n_t)$;
//! - features are visited in random order until `max_features` have been seen and at least one
//!   was not constant (scikit-learn's rule); with all features and the best splitter they are
//!   visited in index order, so the lowest feature index wins exact ties;
//! - **depth-first** growth numbers nodes in pre-order (left subtree first) like scikit-learn's
//!   `DepthFirstTreeBuilder`; with `max_leaf_nodes` the tree grows **best-first**, always
//!   splitting the open leaf of largest weighted impurity decrease.
//!
//! A tree on $n$ rows with $m$ features tried per node costs $O(m\, n \log^2 n)$ for a balanced
//! tree.
//!
//! ```
//! use breadth_classic::tree::DecisionTreeClassifierParams;
//! use breadth_core::{Classifier, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let m = DecisionTreeClassifierParams::default().max_leaf_nodes(Some(3)).fit(&iris).unwrap();
//! assert_eq!(m.tree().n_leaves(), 3);
//! ```

use std::collections::BinaryHeap;

use ndarray::ArrayView2;
use rand::Rng as _;

use super::criterion::{absolute_error, xlogx, Criterion};
use super::model::{Node, Tree};
use breadth_core::Rng;

/// scikit-learn's `FEATURE_THRESHOLD`: values closer than this are not split apart.
const FEATURE_THRESHOLD: f32 = 1e-7;
const EPSILON: f64 = f64::EPSILON;

/// Features in column-major `f32`, shared by every tree grown on the same data.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    data: Vec<f32>,
    n_rows: usize,
    n_cols: usize,
}

impl Columns {
    pub(crate) fn new(x: ArrayView2<'_, f64>) -> Columns {
        let (n_rows, n_cols) = x.dim();
        let mut data = vec![0f32; n_rows * n_cols];
        for (i, row) in x.outer_iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                data[j * n_rows + i] = v as f32;
            }
        }
        Columns {
            data,
            n_rows,
            n_cols,
        }
    }
    #[inline]
    fn col(&self, j: usize) -> &[f32] {
        &self.data[j * self.n_rows..(j + 1) * self.n_rows]
    }
}

/// The target a tree fits.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Labels<'a> {
    /// Class labels in `0..k`.
    Classes(&'a [usize], usize),
    /// Real values.
    Values(&'a [f64]),
}

/// How nodes are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Splitter {
    /// The best threshold of each candidate feature.
    Best,
    /// One random threshold per candidate feature (Extra-Trees).
    Random,
}

impl std::str::FromStr for Splitter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "best" => Ok(Splitter::Best),
            "random" => Ok(Splitter::Random),
            _ => Err("expected best or random".into()),
        }
    }
}

impl std::fmt::Display for Splitter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Splitter::Best => "best",
            Splitter::Random => "random",
        })
    }
}

/// Resolved growth settings (counts and absolute weights, already validated).
#[derive(Debug, Clone)]
pub(crate) struct Grow {
    pub criterion: Criterion,
    pub splitter: Splitter,
    pub max_depth: usize,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    pub min_weight_fraction_leaf: f64,
    pub max_features: usize,
    pub max_leaf_nodes: Option<usize>,
    pub min_impurity_decrease: f64,
}

/// Statistics of the rows of one node.
#[derive(Debug, Clone)]
struct Stats {
    sums: Vec<f64>,
    w: f64,
    impurity: f64,
    value: Vec<f64>,
}

#[derive(Debug, Clone)]
struct Split {
    feature: usize,
    threshold: f64,
    missing_left: bool,
    proxy: f64,
}

struct Builder<'a> {
    cols: &'a Columns,
    y: Labels<'a>,
    w: &'a [f64],
    g: &'a Grow,
    idx: Vec<u32>,
    m: usize,
    root_w: f64,
    min_weight_leaf: f64,
    buf: Vec<(f32, u32)>,
    missing: Vec<u32>,
    order: Vec<usize>,
    nodes: Vec<Node>,
    values: Vec<f64>,
}

/// Grow one tree on the rows with positive weight.
pub(crate) fn grow(cols: &Columns, y: Labels<'_>, w: &[f64], g: &Grow, rng: &mut Rng) -> Tree {
    let idx: Vec<u32> = (0..cols.n_rows as u32)
        .filter(|&i| w[i as usize] > 0.0)
        .collect();
    let m = match y {
        Labels::Classes(_, k) => k,
        Labels::Values(_) => 3,
    };
    let mut b = Builder {
        cols,
        y,
        w,
        g,
        idx,
        m,
        root_w: 0.0,
        min_weight_leaf: 0.0,
        buf: Vec::new(),
        missing: Vec::new(),
        order: (0..cols.n_cols).collect(),
        nodes: Vec::new(),
        values: Vec::new(),
    };
    let n = b.idx.len();
    let root = b.stats(0, n);
    b.root_w = root.w;
    b.min_weight_leaf = g.min_weight_fraction_leaf * root.w;
    match g.max_leaf_nodes {
        None => b.depth_first(root, rng),
        Some(max_leaves) => b.best_first(root, max_leaves, rng),
    }
    let n_values = match y {
        Labels::Classes(_, k) => k,
        Labels::Values(_) => 1,
    };
    Tree {
        nodes: b.nodes,
        values: b.values,
        n_values,
        n_features: cols.n_cols,
        single_precision: true,
    }
}

struct Frontier {
    improvement: f64,
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    split: Option<(Split, Stats, Stats, usize)>,
}

impl PartialEq for Frontier {
    fn eq(&self, other: &Self) -> bool {
        self.improvement == other.improvement && self.node == other.node
    }
}
impl Eq for Frontier {}
impl PartialOrd for Frontier {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Frontier {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Largest improvement first; the older node first on ties.
        self.improvement
            .total_cmp(&other.improvement)
            .then(other.node.cmp(&self.node))
    }
}

impl Builder<'_> {
    #[inline]
    fn add(&self, sums: &mut [f64], i: usize) -> f64 {
        let w = self.w[i];
        match self.y {
            Labels::Classes(y, _) => sums[y[i]] += w,
            Labels::Values(y) => {
                let v = y[i];
                sums[0] += w * v;
                sums[1] += w * v * v;
                sums[2] += w * xlogx(v);
            }
        }
        w
    }

    fn value_of(&self, i: usize) -> f64 {
        match self.y {
            Labels::Values(y) => y[i],
            Labels::Classes(y, _) => y[i] as f64,
        }
    }

    fn stats(&self, start: usize, end: usize) -> Stats {
        let mut sums = vec![0.0; self.m];
        let mut w = 0.0;
        for &i in &self.idx[start..end] {
            w += self.add(&mut sums, i as usize);
        }
        let (impurity, value) = match (self.g.criterion, self.y) {
            (Criterion::AbsoluteError, _) => {
                let mut pairs: Vec<(f64, f64)> = self.idx[start..end]
                    .iter()
                    .map(|&i| (self.value_of(i as usize), self.w[i as usize]))
                    .collect();
                let (ae, med) = absolute_error(&mut pairs);
                (ae, vec![med])
            }
            (c, Labels::Classes(..)) => {
                (c.impurity(&sums, w), sums.iter().map(|s| s / w).collect())
            }
            (c, Labels::Values(_)) => (c.impurity(&sums, w), vec![sums[0] / w]),
        };
        Stats {
            sums,
            w,
            impurity,
            value,
        }
    }

    fn push_node(&mut self, st: &Stats, n: usize, parent: Option<(usize, bool)>) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node::leaf(st.impurity, n, st.w));
        self.values.extend_from_slice(&st.value);
        if let Some((p, is_left)) = parent {
            if is_left {
                self.nodes[p].left = id;
            } else {
                self.nodes[p].right = id;
            }
        }
        id
    }

    fn may_split(&self, n: usize, depth: usize, st: &Stats) -> bool {
        !(depth >= self.g.max_depth
            || n < self.g.min_samples_split
            || n < 2 * self.g.min_samples_leaf
            || st.w < 2.0 * self.min_weight_leaf
            || st.impurity <= EPSILON)
    }

    /// Find, apply and score the split of `start..end`: the split, both children's stats and
    /// the boundary; `None` when no split is allowed or worth it.
    fn split(
        &mut self,
        start: usize,
        end: usize,
        st: &Stats,
        rng: &mut Rng,
    ) -> Option<(Split, Stats, Stats, usize)> {
        let split = self.find_split(start, end, st, rng)?;
        let mid = self.partition(start, end, &split);
        if mid == start || mid == end {
            return None;
        }
        let (l, r) = (self.stats(start, mid), self.stats(mid, end));
        let improvement = self.improvement(st, &l, &r);
        if improvement + EPSILON < self.g.min_impurity_decrease {
            return None;
        }
        Some((split, l, r, mid))
    }

    /// scikit-learn's `impurity_improvement`: $\frac{W_t}{W}(I_t - \frac{W_r}{W_t} I_r - \frac{W_l}{W_t} I_l)$.
    fn improvement(&self, st: &Stats, l: &Stats, r: &Stats) -> f64 {
        st.w / self.root_w * (st.impurity - r.w / st.w * r.impurity - l.w / st.w * l.impurity)
    }

    fn depth_first(&mut self, root: Stats, rng: &mut Rng) {
        let n = self.idx.len();
        let mut stack = vec![(0, n, 0usize, None, root)];
        while let Some((start, end, depth, parent, st)) = stack.pop() {
            let id = self.push_node(&st, end - start, parent);
            if !self.may_split(end - start, depth, &st) {
                continue;
            }
            if let Some((split, l, r, mid)) = self.split(start, end, &st, rng) {
                self.set_split(id, &split);
                stack.push((mid, end, depth + 1, Some((id, false)), r));
                stack.push((start, mid, depth + 1, Some((id, true)), l));
            }
        }
    }

    fn frontier(
        &mut self,
        start: usize,
        end: usize,
        depth: usize,
        st: Stats,
        parent: Option<(usize, bool)>,
        rng: &mut Rng,
    ) -> Frontier {
        let node = self.push_node(&st, end - start, parent);
        let split = if self.may_split(end - start, depth, &st) {
            self.split(start, end, &st, rng)
        } else {
            None
        };
        let improvement = split.as_ref().map_or(f64::NEG_INFINITY, |(_, l, r, _)| {
            self.improvement(&st, l, r)
        });
        Frontier {
            improvement,
            node,
            start,
            end,
            depth,
            split,
        }
    }

    fn best_first(&mut self, root: Stats, max_leaves: usize, rng: &mut Rng) {
        let n = self.idx.len();
        let mut heap = BinaryHeap::new();
        heap.push(self.frontier(0, n, 0, root, None, rng));
        let mut splits_left = max_leaves.saturating_sub(1);
        while let Some(f) = heap.pop() {
            let Some((split, l, r, mid)) = f.split else {
                continue;
            };
            if splits_left == 0 {
                continue;
            }
            splits_left -= 1;
            self.set_split(f.node, &split);
            let left = self.frontier(f.start, mid, f.depth + 1, l, Some((f.node, true)), rng);
            let right = self.frontier(mid, f.end, f.depth + 1, r, Some((f.node, false)), rng);
            heap.push(left);
            heap.push(right);
        }
    }

    fn set_split(&mut self, id: usize, s: &Split) {
        let node = &mut self.nodes[id];
        node.feature = s.feature;
        node.threshold = s.threshold;
        node.missing_left = s.missing_left;
    }

    fn partition(&mut self, start: usize, end: usize, s: &Split) -> usize {
        let col = self.cols.col(s.feature);
        let goes_left = |i: u32| {
            let v = col[i as usize];
            if v.is_nan() {
                s.missing_left
            } else {
                (v as f64) <= s.threshold
            }
        };
        let part = &mut self.idx[start..end];
        let mut mid = 0;
        for k in 0..part.len() {
            if goes_left(part[k]) {
                part.swap(mid, k);
                mid += 1;
            }
        }
        start + mid
    }

    fn find_split(&mut self, start: usize, end: usize, st: &Stats, rng: &mut Rng) -> Option<Split> {
        let d = self.cols.n_cols;
        let in_order = self.g.max_features >= d && self.g.splitter == Splitter::Best;
        let mut best: Option<Split> = None;
        let (mut visited, mut non_constant) = (0, 0);
        for f_i in 0..d {
            if visited >= self.g.max_features && non_constant > 0 {
                break;
            }
            if !in_order {
                let j = rng.random_range(f_i..d);
                self.order.swap(f_i, j);
            }
            let feature = if in_order { f_i } else { self.order[f_i] };
            visited += 1;
            let found = match self.g.splitter {
                Splitter::Best => self.best_on(feature, start, end, st),
                Splitter::Random => self.random_on(feature, start, end, st, rng),
            };
            let Some(found) = found else { continue };
            non_constant += 1;
            if let Some(s) = found {
                if best.as_ref().is_none_or(|b| s.proxy > b.proxy) {
                    best = Some(s);
                }
            }
        }
        if !in_order {
            self.order.sort_unstable();
        }
        best
    }

    /// `None` when the feature is constant in the node; `Some(None)` when no position satisfies
    /// the leaf constraints.
    fn gather(&mut self, feature: usize, start: usize, end: usize) -> Option<(f32, f32)> {
        let col = self.cols.col(feature);
        self.buf.clear();
        self.missing.clear();
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for &i in &self.idx[start..end] {
            let v = col[i as usize];
            if v.is_nan() {
                self.missing.push(i);
            } else {
                lo = lo.min(v);
                hi = hi.max(v);
                self.buf.push((v, i));
            }
        }
        if self.buf.is_empty() || (hi <= lo + FEATURE_THRESHOLD && self.missing.is_empty()) {
            return None;
        }
        Some((lo, hi))
    }

    fn admissible(&self, n_left: usize, n_right: usize, wl: f64, wr: f64) -> bool {
        n_left >= self.g.min_samples_leaf
            && n_right >= self.g.min_samples_leaf
            && wl >= self.min_weight_leaf
            && wr >= self.min_weight_leaf
            && wl > 0.0
            && wr > 0.0
    }

    fn score(&self, left: &[f64], wl: f64, st: &Stats, right: &mut [f64], n_left: usize) -> f64 {
        if self.g.criterion == Criterion::AbsoluteError {
            return self.absolute_error_proxy(n_left);
        }
        for k in 0..self.m {
            right[k] = st.sums[k] - left[k];
        }
        self.g.criterion.proxy(left, wl, right, st.w - wl)
    }

    /// $-(W_l\,AE_l + W_r\,AE_r)$ for the first `n_left` rows of the current ordering
    /// (`missing` then `buf` when missing rows go left, else `buf` then `missing`).
    fn absolute_error_proxy(&self, n_left: usize) -> f64 {
        let all: Vec<(f64, f64)> = self
            .order_rows()
            .map(|i| (self.value_of(i), self.w[i]))
            .collect();
        let (mut l, mut r) = (all[..n_left].to_vec(), all[n_left..].to_vec());
        let wl: f64 = l.iter().map(|p| p.1).sum();
        let wr: f64 = r.iter().map(|p| p.1).sum();
        -(wl * absolute_error(&mut l).0 + wr * absolute_error(&mut r).0)
    }

    fn order_rows(&self) -> impl Iterator<Item = usize> + '_ {
        // The caller's left block comes first: see `best_on`, which arranges `buf` accordingly.
        self.buf.iter().map(|p| p.1 as usize)
    }

    fn best_on(
        &mut self,
        feature: usize,
        start: usize,
        end: usize,
        st: &Stats,
    ) -> Option<Option<Split>> {
        self.gather(feature, start, end)?;
        self.buf.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let n = end - start;
        let n_present = self.buf.len();
        let n_missing = self.missing.len();
        let mut best: Option<Split> = None;
        let mut right = vec![0.0; self.m];
        let passes = if n_missing > 0 { 2 } else { 1 };
        for pass in 0..passes {
            let missing_left = pass == 1;
            let mut left = vec![0.0; self.m];
            let mut wl = 0.0;
            if missing_left {
                for k in 0..n_missing {
                    let i = self.missing[k] as usize;
                    wl += self.add(&mut left, i);
                }
                // Absolute error reads rows in order: missing first.
                let mut moved: Vec<(f32, u32)> =
                    self.missing.iter().map(|&i| (f32::NAN, i)).collect();
                moved.extend_from_slice(&self.buf);
                self.buf = moved;
            } else if self.g.criterion == Criterion::AbsoluteError {
                let extra: Vec<(f32, u32)> = self.missing.iter().map(|&i| (f32::NAN, i)).collect();
                self.buf.extend_from_slice(&extra);
            }
            let offset = if missing_left { n_missing } else { 0 };
            for k in 0..n_present {
                let (v, i) = self.buf[offset + k];
                wl += self.add(&mut left, i as usize);
                let n_left = offset + k + 1;
                let last = k + 1 == n_present;
                let threshold = if last {
                    if missing_left || n_missing == 0 {
                        continue;
                    }
                    f64::INFINITY
                } else {
                    let next = self.buf[offset + k + 1].0;
                    if next <= v + FEATURE_THRESHOLD {
                        continue;
                    }
                    v as f64 / 2.0 + next as f64 / 2.0
                };
                let n_right = n - n_left;
                let wr = st.w - wl;
                if !self.admissible(n_left, n_right, wl, wr) {
                    continue;
                }
                let proxy = self.score(&left, wl, st, &mut right, n_left);
                if best.as_ref().is_none_or(|b| proxy > b.proxy) {
                    best = Some(Split {
                        feature,
                        threshold,
                        missing_left: if n_missing == 0 {
                            n_left > n_right
                        } else {
                            missing_left
                        },
                        proxy,
                    });
                }
            }
            // Restore `buf` to the present rows only, sorted, for the next pass.
            if missing_left {
                self.buf.drain(..n_missing);
            } else {
                self.buf.truncate(n_present);
            }
        }
        Some(best)
    }

    fn random_on(
        &mut self,
        feature: usize,
        start: usize,
        end: usize,
        st: &Stats,
        rng: &mut Rng,
    ) -> Option<Option<Split>> {
        let (lo, hi) = self.gather(feature, start, end)?;
        if hi <= lo + FEATURE_THRESHOLD {
            // Present values constant, some missing: split present from missing.
            return Some(self.score_fixed(feature, f64::INFINITY, false, start, end, st));
        }
        let mut threshold = rng.random_range(lo as f64..hi as f64);
        if threshold >= hi as f64 {
            threshold = lo as f64;
        }
        let missing_left = !self.missing.is_empty() && rng.random_bool(0.5);
        Some(self.score_fixed(feature, threshold, missing_left, start, end, st))
    }

    fn score_fixed(
        &mut self,
        feature: usize,
        threshold: f64,
        missing_left: bool,
        start: usize,
        end: usize,
        st: &Stats,
    ) -> Option<Split> {
        let mut left = vec![0.0; self.m];
        let mut wl = 0.0;
        let mut n_left = 0;
        let mut order: Vec<(f32, u32)> = Vec::with_capacity(end - start);
        let mut rest: Vec<(f32, u32)> = Vec::new();
        let col = self.cols.col(feature);
        for &i in &self.idx[start..end] {
            let v = col[i as usize];
            let goes_left = if v.is_nan() {
                missing_left
            } else {
                (v as f64) <= threshold
            };
            if goes_left {
                wl += self.add(&mut left, i as usize);
                n_left += 1;
                order.push((v, i));
            } else {
                rest.push((v, i));
            }
        }
        let n_right = end - start - n_left;
        if !self.admissible(n_left, n_right, wl, st.w - wl) {
            return None;
        }
        let missing_left = if self.missing.is_empty() {
            n_left > n_right
        } else {
            missing_left
        };
        if self.g.criterion == Criterion::AbsoluteError {
            order.extend(rest);
            self.buf = order;
        }
        let mut right = vec![0.0; self.m];
        let proxy = self.score(&left, wl, st, &mut right, n_left);
        Some(Split {
            feature,
            threshold,
            missing_left,
            proxy,
        })
    }
}
