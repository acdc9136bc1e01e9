//! Fast prediction of a fitted GBDT: the trees flattened into one compact array, walked a block
//! of rows at a time.
//!
//! The raw score of row $x$ for output $c$ is
//! $F_c(x) = F_{0,c} + \sum_{m=1}^{M} f_{m,c}(x)$, where $F_{0,c}$ is the starting score and
//! $f_{m,c}(x) = v_{m,c}\!\left(\ell_{m,c}(x)\right)$ the value of the leaf $\ell$ that $x$ reaches
//! in the tree of round $m$ and output $c$. At an internal node testing feature $j$ against
//! threshold $\theta$, $x$ goes left when $x_j \le \theta$, or when $x_j$ is missing (NaN) and
//! the node's learned default side is left.
//!
//! Each call flattens the $MK$ trees into one array of 16-byte nodes (threshold, feature with
//! the missing side in its top bit, index of the left child; the right child sits right after
//! it), every tree breadth-first so that its top levels share cache lines. A leaf points to
//! itself and lets every value (NaN included) go "left", so a step needs no leaf test and is
//! branch-free; [`GROUP`] rows walk in lockstep, so that their independent loads overlap, until
//! none of them moves (at most the tree's depth steps). Rows go in blocks of
//! [`BLOCK`]: a block walks tree 1, then tree 2, ... (the tree stays in L1 cache), and blocks run
//! in parallel. The scores of a row are summed in the same order as the plain per-row walk
//! ([`reference_scores`], kept as the oracle), $F_{0,c}$ then round $1, 2, \dots$, so the result
//! is bit-identical to it and does not depend on the thread count.
//!
//! Shapes: $X$ is $n \times d$, the output $n \times K$. Cost: $O(\sum_t \text{nodes}_t)$ to
//! flatten, then $O(n \sum_t \text{depth}_t)$ steps. Tiny inputs take the per-row walk, which
//! needs no flattening.
//!
//! Reference: the blocked, interleaved traversal of Asadi, Lin & de Vries, *Runtime
//! optimizations for tree-based machine learning models*, IEEE TKDE 2014 (their "VPred").
//!
//! ```
//! use breadth_classic::gbdt::GbdtRegressorParams;
//! use breadth_core::{Dataset, Fit, Regressor, Target};
//! use ndarray::{array, Array2};
//! let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 7 + j * 3) % 50) as f64);
//! let y = x.column(0).mapv(|v| if v > 20.0 { 3.0 } else { -1.0 });
//! let data = Dataset::new(x.clone()).with_target(Target::Continuous(y)).unwrap();
//! let m = GbdtRegressorParams::default().n_estimators(20).fit(&data).unwrap();
//! // 200 rows take the flattened path, one row the per-row walk: same numbers.
//! let all = m.predict(x.view()).unwrap();
//! let one = m.predict(x.slice(ndarray::s![5..6, ..])).unwrap();
//! assert_eq!(all[5], one[0]);
//! let nan = m.predict(array![[f64::NAN, 1.0]].view()).unwrap();
//! assert!(nan[0].is_finite());
//! ```

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use super::Booster;
use crate::tree::Tree;

/// Rows walked in lockstep through one tree.
pub(crate) const GROUP: usize = 8;
/// Rows per parallel task; each walks all trees, tree by tree.
pub(crate) const BLOCK: usize = 256;
/// Below this many rows flattening costs more than it saves.
const MIN_FLAT_ROWS: usize = 32;
/// The top bit of [`FlatNode::feature`]: missing values go left.
const MISSING_LEFT: u32 = 1 << 31;

/// One node of the flattened forest.
#[derive(Debug, Clone, Copy)]
struct FlatNode {
    threshold: f64,
    /// Feature index, with [`MISSING_LEFT`] set when NaN goes left.
    feature: u32,
    /// The left child; the right child is `left + 1`. A leaf points to itself.
    left: u32,
}

/// Where a tree starts in the flat array and how many steps reach any of its leaves.
#[derive(Debug, Clone, Copy)]
struct FlatTree {
    root: u32,
    depth: u32,
}

/// All trees of a booster in one array, for prediction only (never serialized).
#[derive(Debug, Clone)]
pub(crate) struct FlatForest {
    nodes: Vec<FlatNode>,
    /// The leaf value of each flat node (0 at internal nodes).
    values: Vec<f64>,
    trees: Vec<FlatTree>,
    n_features: usize,
}

impl FlatForest {
    /// Flatten `trees` over `d` features; `None` when some tree compares inputs rounded to
    /// `f32` (then the per-row walk is the exact path), tests a feature `>= d` (a damaged
    /// model), or the forest is too large for `u32` indices.
    pub(crate) fn new(trees: &[Tree], d: usize) -> Option<FlatForest> {
        let total: usize = trees.iter().map(Tree::n_nodes).sum();
        let bad_feature = |t: &Tree| t.nodes().iter().any(|n| !n.is_leaf() && n.feature() >= d);
        if total >= (MISSING_LEFT as usize)
            || d >= (MISSING_LEFT as usize)
            || trees.iter().any(|t| t.single_precision || bad_feature(t))
        {
            return None;
        }
        let mut f = FlatForest {
            nodes: Vec::with_capacity(total),
            values: Vec::with_capacity(total),
            trees: Vec::with_capacity(trees.len()),
            n_features: d,
        };
        for tree in trees {
            f.push(tree);
        }
        Some(f)
    }

    /// Append one tree breadth-first, the two children of a node side by side.
    fn push(&mut self, tree: &Tree) {
        let root = self.nodes.len();
        // (original id, flat id, depth), in flat order.
        let mut queue = vec![(0usize, root, 0u32)];
        self.nodes.push(leaf_node(root));
        self.values.push(0.0);
        let mut depth = 0;
        let mut head = 0;
        while head < queue.len() {
            let (id, at, d) = queue[head];
            head += 1;
            let n = tree.node(id);
            if n.is_leaf() {
                self.values[at] = tree.value(id)[0];
                continue;
            }
            let left = self.nodes.len();
            self.nodes[at] = FlatNode {
                threshold: n.threshold(),
                feature: n.feature() as u32 | if n.missing_left() { MISSING_LEFT } else { 0 },
                left: left as u32,
            };
            for (child, flat) in [(n.left(), left), (n.right(), left + 1)] {
                self.nodes.push(leaf_node(flat));
                self.values.push(0.0);
                queue.push((child, flat, d + 1));
            }
            depth = depth.max(d + 1);
        }
        self.trees.push(FlatTree {
            root: root as u32,
            depth,
        });
    }

    /// One branch-free step from node `i` for a row.
    ///
    /// # Safety
    /// `i` is a node of this forest and `row` holds more values than any feature index of the
    /// forest: [`FlatForest::new`] checks the features against `d` and every walk starts at a
    /// root and moves only to `left` or `left + 1`, both pushed by [`FlatForest::push`]. Bounds
    /// checks here cost about an eighth of the prediction time.
    #[inline(always)]
    unsafe fn step(&self, i: u32, row: &[f64]) -> u32 {
        debug_assert!((i as usize) < self.nodes.len());
        // SAFETY: see the contract above.
        let n = unsafe { *self.nodes.get_unchecked(i as usize) };
        let f = (n.feature & !MISSING_LEFT) as usize;
        debug_assert!(f < row.len());
        // SAFETY: see the contract above.
        let v = unsafe { *row.get_unchecked(f) };
        let left = (v <= n.threshold) | (v.is_nan() & (n.feature & MISSING_LEFT != 0));
        n.left + u32::from(!left)
    }

    /// The leaves `G` rows reach in `tree`, walked in lockstep until every row rests on its
    /// leaf (at most the tree's depth steps). Each row must have `d` values.
    #[inline(always)]
    fn walk<const G: usize>(&self, tree: FlatTree, xs: [&[f64]; G]) -> [u32; G] {
        let mut at = [tree.root; G];
        for _ in 0..tree.depth {
            let mut moved = false;
            for j in 0..G {
                // SAFETY: `at[j]` starts at a root and follows `step`; rows have `d` values.
                let next = unsafe { self.step(at[j], xs[j]) };
                moved |= next != at[j];
                at[j] = next;
            }
            if !moved {
                break;
            }
        }
        at
    }

    /// Scores of a block of rows (`x` row-major with `d` columns) into `out` (`rows x k`,
    /// row-major), starting from `init`.
    fn score_block(&self, x: &[f64], d: usize, init: &[f64], out: &mut [f64]) {
        let k = init.len();
        let rows = out.len() / k;
        out.chunks_mut(k).for_each(|o| o.copy_from_slice(init));
        let row = |r: usize| &x[r * d..(r + 1) * d];
        for (t, &tree) in self.trees.iter().enumerate() {
            let c = t % k;
            let mut r0 = 0;
            while r0 + GROUP <= rows {
                let at = self.walk::<GROUP>(tree, std::array::from_fn(|j| row(r0 + j)));
                for (j, &leaf) in at.iter().enumerate() {
                    out[(r0 + j) * k + c] += self.values[leaf as usize];
                }
                r0 += GROUP;
            }
            for r in r0..rows {
                let [leaf] = self.walk::<1>(tree, [row(r)]);
                out[r * k + c] += self.values[leaf as usize];
            }
        }
    }

    /// Raw scores of all rows, blocks in parallel.
    pub(crate) fn scores(&self, x: ArrayView2<'_, f64>, init: &[f64]) -> Array2<f64> {
        let (n, d) = x.dim();
        assert_eq!(d, self.n_features, "feature count checked by the caller");
        let k = init.len();
        let x = x.as_standard_layout();
        let xs = x.as_slice().expect("standard layout");
        let mut out = Array2::zeros((n, k));
        out.as_slice_mut()
            .expect("fresh array")
            .par_chunks_mut(BLOCK * k)
            .enumerate()
            .for_each(|(b, o)| {
                let start = b * BLOCK;
                let rows = o.len() / k;
                self.score_block(&xs[start * d..(start + rows) * d], d, init, o);
            });
        out
    }
}

/// A flat leaf at position `at`: it points to itself and sends every value left.
fn leaf_node(at: usize) -> FlatNode {
    FlatNode {
        threshold: f64::INFINITY,
        feature: MISSING_LEFT,
        left: at as u32,
    }
}

/// The plain per-row walk over the CART trees: the oracle of the flat path, and the path of
/// tiny inputs.
pub(crate) fn reference_scores(b: &Booster, x: ArrayView2<'_, f64>) -> Array2<f64> {
    let k = b.k;
    let mut out = Array2::zeros((x.nrows(), k));
    out.axis_chunks_iter_mut(Axis(0), BLOCK)
        .into_par_iter()
        .zip(x.axis_chunks_iter(Axis(0), BLOCK))
        .for_each(|(mut o, xc)| {
            for (mut orow, row) in o.outer_iter_mut().zip(xc.outer_iter()) {
                orow.iter_mut().zip(&b.init).for_each(|(a, s)| *a = *s);
                for (t, tree) in b.trees.iter().enumerate() {
                    orow[t % k] += tree.value(tree.leaf_of(row))[0];
                }
            }
        });
    out
}

/// Raw scores of `x` (`n x K`): the flat path, or the per-row walk for tiny inputs.
///
/// A column count other than the model's (the classifier and regressor refuse it before) also
/// takes the per-row walk, which behaves as it always did.
pub(crate) fn raw_scores(b: &Booster, x: ArrayView2<'_, f64>) -> Array2<f64> {
    if x.nrows() >= MIN_FLAT_ROWS && x.ncols() == b.n_features {
        if let Some(flat) = FlatForest::new(&b.trees, b.n_features) {
            return flat.scores(x, &b.init);
        }
    }
    reference_scores(b, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gbdt::{GbdtClassifierParams, GbdtRegressorParams, Growth};
    use crate::tree::model::{Node, LEAF};
    use breadth_core::{seeded_rng, Dataset, Fit, Rng, Target};
    use rand::seq::{IndexedRandom, SliceRandom};
    use rand::Rng as _;

    /// A value from a coarse grid (so inputs hit thresholds exactly), NaN or an infinity.
    fn grid_value(rng: &mut Rng, missing: f64) -> f64 {
        let u = rng.random::<f64>();
        if u < missing {
            f64::NAN
        } else if u < missing + 0.02 {
            if rng.random::<bool>() {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            }
        } else {
            f64::from(rng.random_range(0..9u8)) / 8.0
        }
    }

    /// A random tree of up to `max_leaves` leaves, split at random leaves (so leaf-wise shapes
    /// with long chains), children in random order and node ids shuffled.
    fn random_tree(rng: &mut Rng, d: usize, max_leaves: usize, max_depth: usize) -> Tree {
        let target = rng.random_range(1..=max_leaves);
        let mut nodes = vec![Node::leaf(0.0, 0, 0.0)];
        let mut depth = vec![0];
        let mut leaves = vec![0];
        while leaves.len() < target {
            let open: Vec<usize> = (0..leaves.len())
                .filter(|&i| depth[leaves[i]] < max_depth)
                .collect();
            let Some(&pick) = open.choose(rng) else { break };
            let id = leaves.swap_remove(pick);
            let (a, b) = (nodes.len(), nodes.len() + 1);
            let (l, r) = if rng.random::<bool>() { (a, b) } else { (b, a) };
            let n = &mut nodes[id];
            n.left = l;
            n.right = r;
            n.feature = rng.random_range(0..d);
            n.threshold = if rng.random::<f64>() < 0.1 {
                f64::INFINITY
            } else {
                f64::from(rng.random_range(0..9u8)) / 8.0
            };
            n.missing_left = rng.random();
            for _ in 0..2 {
                nodes.push(Node::leaf(0.0, 0, 0.0));
                depth.push(depth[id] + 1);
                leaves.push(nodes.len() - 1);
            }
        }
        // Shuffle every id but the root's.
        let mut perm: Vec<usize> = (1..nodes.len()).collect();
        perm.shuffle(rng);
        perm.insert(0, 0);
        let mut shuffled = vec![Node::leaf(0.0, 0, 0.0); nodes.len()];
        let mut values = vec![0.0; nodes.len()];
        for (old, mut n) in nodes.into_iter().enumerate() {
            if n.left != LEAF {
                n.left = perm[n.left];
                n.right = perm[n.right];
            }
            values[perm[old]] = rng.random::<f64>() - 0.5;
            shuffled[perm[old]] = n;
        }
        Tree {
            nodes: shuffled,
            values,
            n_values: 1,
            n_features: d,
            single_precision: false,
        }
    }

    /// A small fitted booster whose trees, outputs and starting scores are then replaced.
    fn booster_with(trees: Vec<Tree>, k: usize, rng: &mut Rng) -> Booster {
        let x = ndarray::Array2::from_shape_fn((60, 2), |(i, j)| (i * (j + 1)) as f64);
        let y = x.column(0).mapv(|v| v % 7.0);
        let data = Dataset::new(x).with_target(Target::Continuous(y)).unwrap();
        let mut b = GbdtRegressorParams::default()
            .n_estimators(1)
            .fit(&data)
            .unwrap()
            .booster()
            .clone();
        b.n_features = trees[0].n_features;
        b.trees = trees;
        b.k = k;
        b.init = (0..k).map(|_| rng.random::<f64>() * 3.0 - 1.5).collect();
        b
    }

    fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    /// Bit-identical scores, the flat path against the per-row walk, for 1 and 3 threads.
    fn assert_flat_is_exact(b: &Booster, x: ArrayView2<'_, f64>) {
        let want = reference_scores(b, x);
        let flat = FlatForest::new(&b.trees, b.n_features).unwrap();
        for threads in [1, 3] {
            let got = in_pool(threads, || flat.scores(x, &b.init));
            assert_eq!(got.dim(), want.dim());
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), w.to_bits(), "{threads} threads: {g} vs {w}");
            }
        }
        let public = b.raw_scores(x);
        assert!(public
            .iter()
            .zip(&want)
            .all(|(g, w)| g.to_bits() == w.to_bits()));
    }

    #[test]
    fn flat_walk_matches_the_per_row_walk_on_random_forests() {
        let mut rng = seeded_rng(17);
        let d = 5;
        // (outputs, leaves at most, depth limit): binary-like, 3-class, regression with
        // single-leaf trees, depth-limited, and deep leaf-wise chains.
        for (k, max_leaves, max_depth) in [(1, 31, usize::MAX), (3, 12, 4), (1, 1, 0), (1, 40, 3)] {
            let trees: Vec<Tree> = (0..k * 7)
                .map(|_| random_tree(&mut rng, d, max_leaves, max_depth))
                .collect();
            let b = booster_with(trees, k, &mut rng);
            // Not a multiple of the group nor of the block; a few rows of NaN and infinities.
            let n = 2 * BLOCK + GROUP + 3;
            let x = Array2::from_shape_fn((n, d), |_| grid_value(&mut rng, 0.15));
            assert_flat_is_exact(&b, x.view());
            // Column-major input and a strided view take the same path.
            let xt = x.t().to_owned();
            assert_flat_is_exact(&b, xt.t());
            assert_flat_is_exact(&b, x.slice(ndarray::s![..;3, ..]));
        }
    }

    #[test]
    fn a_single_leaf_forest_and_empty_input() {
        let mut rng = seeded_rng(2);
        let b = booster_with(vec![random_tree(&mut rng, 3, 1, 0); 4], 2, &mut rng);
        let x = Array2::from_shape_fn((40, 3), |_| grid_value(&mut rng, 0.3));
        assert_flat_is_exact(&b, x.view());
        let s = b.raw_scores(x.view());
        let want = (b.init[0] + b.trees[0].values[0]) + b.trees[2].values[0];
        assert_eq!(s[[7, 0]], want);
        assert_flat_is_exact(&b, Array2::zeros((0, 3)).view());
    }

    #[test]
    fn single_precision_trees_keep_the_per_row_walk() {
        let mut rng = seeded_rng(4);
        let mut t = random_tree(&mut rng, 2, 8, usize::MAX);
        t.single_precision = true;
        let b = booster_with(vec![t], 1, &mut rng);
        assert!(FlatForest::new(&b.trees, b.n_features).is_none());
        let x = Array2::from_shape_fn((50, 2), |_| grid_value(&mut rng, 0.1) + 1e-12);
        assert_eq!(b.raw_scores(x.view()), reference_scores(&b, x.view()));
        // A damaged model testing a feature it does not have is not flattened either.
        let mut t = random_tree(&mut rng, 2, 8, usize::MAX);
        while t.n_leaves() < 2 {
            t = random_tree(&mut rng, 2, 8, usize::MAX);
        }
        let split = t.nodes.iter().position(|n| !n.is_leaf()).unwrap();
        t.nodes[split].feature = 2;
        assert!(FlatForest::new(&[t], 2).is_none());
    }

    #[test]
    fn extra_columns_behave_as_before() {
        let mut rng = seeded_rng(5);
        let trees = (0..3)
            .map(|_| random_tree(&mut rng, 2, 10, usize::MAX))
            .collect();
        let b = booster_with(trees, 1, &mut rng);
        let x = Array2::from_shape_fn((70, 4), |_| grid_value(&mut rng, 0.1));
        assert_eq!(b.raw_scores(x.view()), reference_scores(&b, x.view()));
    }

    #[test]
    fn fitted_models_predict_exactly_as_the_per_row_walk() {
        let mut rng = seeded_rng(8);
        let n = 400;
        let x = Array2::from_shape_fn((n, 4), |(i, j)| {
            if (i * 3 + j) % 13 == 0 {
                f64::NAN
            } else {
                rng.random::<f64>() + ((i % 3) * j) as f64 * 0.3
            }
        });
        let y3: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let y2: Vec<usize> = (0..n).map(|i| usize::from(x[[i, 1]] > 0.6)).collect();
        let names = |k: usize| (0..k).map(|c| c.to_string()).collect::<Vec<String>>();
        let yr = x.column(2).mapv(|v| if v.is_nan() { 0.5 } else { v * v });
        let fits = [
            (
                Dataset::new(x.clone()).with_target(Target::classes(y2, names(2)).unwrap()),
                Growth::LeafWise,
                None,
            ),
            (
                Dataset::new(x.clone()).with_target(Target::classes(y3, names(3)).unwrap()),
                Growth::DepthWise,
                Some(3),
            ),
            (
                Dataset::new(x.clone()).with_target(Target::Continuous(yr)),
                Growth::LeafWise,
                Some(5),
            ),
        ];
        for (data, growth, depth) in fits {
            let data = data.unwrap();
            let classify = data.n_classes().is_some();
            let b = if classify {
                GbdtClassifierParams::default()
                    .n_estimators(8)
                    .growth(growth)
                    .max_depth(depth)
                    .min_data_in_leaf(5)
                    .fit(&data)
                    .unwrap()
                    .booster()
                    .clone()
            } else {
                GbdtRegressorParams::default()
                    .n_estimators(8)
                    .growth(growth)
                    .max_depth(depth)
                    .min_data_in_leaf(5)
                    .fit(&data)
                    .unwrap()
                    .booster()
                    .clone()
            };
            assert!(b.trees.iter().any(|t| t.n_leaves() > 2));
            assert_flat_is_exact(&b, x.view());
            // Few rows take the per-row walk: the same numbers.
            let few = b.raw_scores(x.slice(ndarray::s![..5, ..]));
            let all = b.raw_scores(x.view());
            assert_eq!(few, all.slice(ndarray::s![..5, ..]));
        }
    }
}
