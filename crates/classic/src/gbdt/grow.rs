//! Growing one histogram tree on gradients and hessians.
//!
//! For a node with gradient sum $G$ and hessian sum $H$, the regularized score is
//! $S(G, H) = \frac{T_\alpha(G)^2}{H + \lambda}$ with the soft threshold
//! $T_\alpha(G) = \operatorname{sign}(G)\max(|G| - \alpha, 0)$ (L1 $\alpha$, L2 $\lambda$); a split
//! gains $S(G_L, H_L) + S(G_R, H_R) - S(G, H)$, kept when larger than `min_split_gain` ($\gamma$)
//! with each child holding at least `min_data_in_leaf` rows and `min_child_weight` hessian; a leaf
//! outputs $-\eta\,T_\alpha(G) / (H + \lambda)$ for learning rate $\eta$ (Chen & Guestrin 2016,
//! eqs. 5-7; Ke et al. 2017).
//!
//! Histograms hold $(G, H, n)$ per bin per feature. They are built row by row from a row-major
//! copy of the bins, so a row's $d$ bins are one contiguous read and its gradient pair is loaded
//! once for all features (LightGBM's row-wise mode); large leaves are cut into fixed blocks of
//! rows built in parallel and summed in block order, smaller ones share their features out in
//! groups (each bin still sums its rows in order), so results do not depend on the thread
//! count. When every hessian is 1 (unweighted squared error) the counts $n$ are read off $H$
//! instead of being accumulated, and the root of every tree after the first on the same rows
//! (the $K$ trees of a softmax round, every tree without row sampling) takes the counts of the
//! first root, which do not depend on the gradients. After a split only the smaller child's histogram is built; the
//! larger is the parent's minus it. Partitions are stable and branch-free. Each threshold is tried with the missing bin on the right and, when the node has missing
//! values, on the left: the better one is the learned default direction.
//!
//! **Monotone constraints** (LightGBM's "basic" method): each leaf carries bounds
//! $[\ell, u]$ on its (unshrunk) output, $(-\infty, \infty)$ at the root. With any constraint
//! set, a candidate's child outputs are clamped, $w_c = \operatorname{clip}(-T_\alpha(G_c) /
//! (H_c + \lambda), \ell, u)$, and scored at those outputs,
//! $S(G, H \mid w) = -(2 T_\alpha(G) w + (H + \lambda) w^2)$ (equal to $S(G, H)$ at the
//! unclamped optimum); a split on a feature constrained increasing (decreasing) is rejected
//! when $w_L > w_R$ ($w_L < w_R$). After it, with $m = (w_L + w_R)/2$, the left subtree's upper
//! (lower) bound and the right subtree's lower (upper) bound become $m$, so every later leaf on
//! the left stays below every leaf on the right and predictions are monotone in that feature.
//!
//! Leaf-wise growth splits the leaf of largest gain until `num_leaves`; depth-wise growth splits
//! every leaf of the shallowest level first. Cost per tree: $O(n d)$ for the root histogram plus
//! the smaller children's rows, and $O(L d B)$ for the split searches ($L$ leaves, $B$ bins).
//!
//! ```
//! use breadth_classic::gbdt::{GbdtRegressorParams};
//! use breadth_core::{Dataset, Fit, Regressor, Target};
//! use ndarray::Array2;
//! let x = Array2::from_shape_fn((200, 1), |(i, _)| i as f64);
//! let y = x.column(0).mapv(|v| if v < 100.0 { 0.0 } else { 10.0 });
//! let ds = Dataset::new(x).with_target(Target::Continuous(y)).unwrap();
//! let m = GbdtRegressorParams::default().n_estimators(50).fit(&ds).unwrap();
//! let p = m.predict(ndarray::array![[10.0], [150.0]].view()).unwrap();
//! assert!(p[0] < 0.5 && p[1] > 9.5);
//! ```

use rayon::prelude::*;

use super::binning::{BinMapper, MISSING_BIN, N_SLOTS};
use crate::tree::{Node, Tree};

/// Gradient, hessian and row count of a histogram bin or a node. The count is held as an f64
/// (exact below $2^{53}$) and padded to 32 aligned bytes, so that adding a row to a bin is one
/// 4-lane vector add of $(g, h, 1, 0)$ where the processor has AVX, one load and one store
/// instead of two of each.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C, align(32))]
pub(crate) struct Sums {
    pub g: f64,
    pub h: f64,
    pub n: f64,
    /// Always 0: the fourth lane.
    pad: f64,
}

impl Sums {
    #[inline(always)]
    fn add(&mut self, o: &Sums) {
        self.g += o.g;
        self.h += o.h;
        self.n += o.n;
        self.pad += o.pad;
    }
    #[inline]
    fn sub(&self, o: &Sums) -> Sums {
        Sums {
            g: self.g - o.g,
            h: self.h - o.h,
            n: self.n - o.n,
            pad: self.pad - o.pad,
        }
    }
}

/// Settings of one tree (validated by the caller).
#[derive(Debug, Clone)]
pub(crate) struct GrowConfig {
    pub num_leaves: usize,
    pub max_depth: usize,
    pub lambda_l2: f64,
    pub lambda_l1: f64,
    pub min_split_gain: f64,
    pub min_child_weight: f64,
    pub min_data_in_leaf: f64,
    pub learning_rate: f64,
    pub depthwise: bool,
    /// Per feature -1 / 0 / 1 (decreasing, free, increasing); empty when no feature is
    /// constrained, which keeps the unconstrained search free of the clamping.
    pub monotone: Vec<i8>,
}

/// Bounds `(lower, upper)` on a leaf's unshrunk output.
type Bounds = (f64, f64);
const UNBOUNDED: Bounds = (f64::NEG_INFINITY, f64::INFINITY);

impl GrowConfig {
    #[inline]
    fn threshold_l1(&self, g: f64) -> f64 {
        if self.lambda_l1 == 0.0 {
            g
        } else {
            g.signum() * (g.abs() - self.lambda_l1).max(0.0)
        }
    }
    #[inline]
    fn score(&self, s: &Sums) -> f64 {
        let t = self.threshold_l1(s.g);
        t * t / (s.h + self.lambda_l2)
    }
    fn output(&self, s: &Sums) -> f64 {
        -self.learning_rate * self.threshold_l1(s.g) / (s.h + self.lambda_l2)
    }
    /// The unshrunk optimal output clamped to `b`.
    #[inline]
    fn bounded_output(&self, s: &Sums, b: Bounds) -> f64 {
        (-self.threshold_l1(s.g) / (s.h + self.lambda_l2)).clamp(b.0, b.1)
    }
    /// $S(G, H \mid w)$: the score of a leaf held at output `w`.
    #[inline]
    fn score_at(&self, s: &Sums, w: f64) -> f64 {
        -(2.0 * self.threshold_l1(s.g) * w + (s.h + self.lambda_l2) * w * w)
    }
}

#[derive(Debug, Clone)]
struct Candidate {
    gain: f64,
    feature: usize,
    bin: u8,
    missing_left: bool,
    left: Sums,
    right: Sums,
    /// Unshrunk child outputs (clamped to the leaf's bounds when constraints are on).
    left_out: f64,
    right_out: f64,
}

struct Leaf {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    hist: Hist,
    best: Option<Candidate>,
    bounds: Bounds,
}

/// A grown tree with what the booster needs to update its scores.
pub(crate) struct Grown {
    pub tree: Tree,
    /// Bin threshold of each internal node (for traversing binned rows).
    pub bin_thresholds: Vec<u8>,
    /// `(leaf node, start, end)` ranges of the grower's row order.
    pub leaves: Vec<(usize, usize, usize)>,
    /// Split gain summed per feature.
    pub gain: Vec<f64>,
    /// Number of splits per feature.
    pub splits: Vec<u64>,
}

/// A histogram: per feature, $(G, H, n)$ of each of its [`N_SLOTS`] bins.
pub(crate) type Hist = Vec<[Sums; N_SLOTS]>;

/// Where a histogram's row counts $n$ come from.
#[derive(Clone, Copy)]
pub(crate) enum Counts<'h> {
    /// Accumulated row by row.
    Accumulate,
    /// Read off the hessian sums: every hessian is exactly 1 (unweighted squared error), and a
    /// sum of ones is exact in f64 below $2^{53}$.
    FromHessian,
    /// Already known, from a histogram of the same rows (the root of every tree of a round).
    Known(&'h Hist),
}

impl Grown {
    /// Add each leaf's value to the scores of its rows, `scores[i * stride + offset]` for row
    /// `i`, where `rows` is the grower's row order the tree was grown on. A leaf's rows are
    /// ascending (the partitions are stable and start from ascending rows), so each fixed block
    /// of scores finds its rows of every leaf by binary search and the blocks are updated in
    /// parallel, each row once, in the same order as a sequential pass: no tree traversal, and
    /// the writes of a block stay in one piece of `scores`.
    pub(crate) fn add_to_scores(
        &self,
        rows: &[u32],
        scores: &mut [f64],
        stride: usize,
        offset: usize,
    ) {
        // Each block costs two binary searches per leaf, cache misses over the row order: blocks
        // of 2^14 rows keep them negligible next to the rows' own updates.
        const BLOCK: usize = 1 << 14;
        let leaves: Vec<(f64, &[u32])> = self
            .leaves
            .iter()
            .map(|&(node, start, end)| (self.tree.value(node)[0], &rows[start..end]))
            .collect();
        scores
            .par_chunks_mut(BLOCK * stride)
            .enumerate()
            .for_each(|(j, block)| {
                let lo = j * BLOCK;
                let hi = lo + block.len() / stride;
                for &(v, lr) in &leaves {
                    let a = lr.partition_point(|&i| (i as usize) < lo);
                    let b = a + lr[a..].partition_point(|&i| (i as usize) < hi);
                    for &i in &lr[a..b] {
                        block[(i as usize - lo) * stride + offset] += v;
                    }
                }
            });
    }
}

/// Smallest block of rows of a histogram: a leaf is cut into at most [`MAX_HIST_BLOCKS`] blocks
/// of at least this many rows, built in parallel and summed in block order. The cut depends only
/// on the leaf's size, so the sums do not depend on the thread count.
pub(crate) const HIST_BLOCK: usize = 1 << 13;
const MAX_HIST_BLOCKS: usize = 16;

/// Below this many rows a histogram is built on one thread: handing feature groups to other
/// threads would cost more than the rows themselves.
const MIN_PARALLEL_ROWS: usize = 1024;

/// How many rows ahead the histogram and partition loops prefetch: leaves' rows are scattered,
/// so without it every row waits for a cache miss (LightGBM prefetches likewise).
const PREFETCH_AHEAD: usize = 16;

/// Hint the CPU to load the cache line holding `s[k]`; `k` may lie past the end.
#[inline(always)]
fn prefetch<T>(s: &[T], k: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = s.as_ptr().wrapping_add(k) as *const i8;
        // SAFETY: a prefetch only hints the cache; it never faults and reads no data, whatever
        // the address, and SSE is part of the x86_64 baseline.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (s, k);
}

/// Add `rows` to `hist`, the histograms of features `f0..f0 + hist.len()`, reading each row's
/// bins of those features as contiguous bytes of the row-major matrix `rowwise` (one cache line
/// per row instead of one per feature) and its gradient pair once for all of them. Accumulates in
/// f64 from f32 gradients, LightGBM's precision choice. Without `COUNT` the row counts are left
/// alone (see [`Counts`]), which saves a memory update per entry unless the processor adds all
/// four lanes of an entry at once.
#[inline(always)]
fn accumulate<const COUNT: bool>(
    rowwise: &[u8],
    d: usize,
    f0: usize,
    rows: &[u32],
    gh: &[[f32; 2]],
    hist: &mut [[Sums; N_SLOTS]],
) {
    let w = hist.len();
    if w == 0 {
        return;
    }
    for (j, &i) in rows.iter().enumerate() {
        if let Some(&ahead) = rows.get(j + PREFETCH_AHEAD) {
            let a = ahead as usize * d + f0;
            prefetch(gh, ahead as usize);
            // A row's bytes may straddle two cache lines.
            prefetch(rowwise, a);
            prefetch(rowwise, a + w - 1);
        }
        let i = i as usize;
        let [g, h] = gh[i];
        let row = Sums {
            g: g as f64,
            h: h as f64,
            n: 1.0,
            pad: 0.0,
        };
        // Zipping with the row keeps the bin-indexed accesses free of bounds checks: a `u8`
        // always lies inside a block of 256 slots.
        for (hf, &b) in hist.iter_mut().zip(&rowwise[i * d + f0..i * d + f0 + w]) {
            let e = &mut hf[b as usize];
            if COUNT {
                e.add(&row);
            } else {
                e.g += row.g;
                e.h += row.h;
            }
        }
    }
}

/// [`accumulate`] with or without the row counts, compiled for AVX where the processor has it
/// (one vector add per bin entry). Every variant performs the same IEEE additions in the same
/// order, so the sums are identical.
fn accumulate_with(
    count: bool,
    rowwise: &[u8],
    d: usize,
    f0: usize,
    rows: &[u32],
    gh: &[[f32; 2]],
    hist: &mut [[Sums; N_SLOTS]],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the processor supports the instructions the function was compiled for.
        return unsafe { accumulate_avx(count, rowwise, d, f0, rows, gh, hist) };
    }
    if count {
        accumulate::<true>(rowwise, d, f0, rows, gh, hist)
    } else {
        accumulate::<false>(rowwise, d, f0, rows, gh, hist)
    }
}

/// [`accumulate`] compiled with AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn accumulate_avx(
    count: bool,
    rowwise: &[u8],
    d: usize,
    f0: usize,
    rows: &[u32],
    gh: &[[f32; 2]],
    hist: &mut [[Sums; N_SLOTS]],
) {
    if count {
        accumulate::<true>(rowwise, d, f0, rows, gh, hist)
    } else {
        accumulate::<false>(rowwise, d, f0, rows, gh, hist)
    }
}

/// Grows trees on one binned matrix; owns the row-order buffers reused across trees.
pub(crate) struct Grower<'a> {
    /// Column-major bins (entry `f * n + i`), for partitions (one feature, many rows).
    bins: &'a [u8],
    /// The same bins row-major (entry `i * d + f`), for histograms (all features of a row).
    rowwise: Vec<u8>,
    n: usize,
    mapper: &'a BinMapper,
    /// Rows of the current tree, partitioned leaf by leaf.
    pub rows: Vec<u32>,
    /// Buffer of the partitions.
    scratch: Vec<u32>,
    /// The root rows of the last [`Grower::start_tree`] and, once a tree grew on them with
    /// accumulated counts, its root histogram, whose counts every later root on the same rows
    /// reuses (they do not depend on the gradients).
    root: Vec<u32>,
    root_counts: Option<Hist>,
}

impl<'a> Grower<'a> {
    pub(crate) fn new(bins: &'a [u8], n: usize, mapper: &'a BinMapper) -> Grower<'a> {
        let d = mapper.n_features();
        let mut rowwise = vec![0u8; n * d];
        const T: usize = 4096;
        rowwise
            .par_chunks_mut(T * d.max(1))
            .enumerate()
            .for_each(|(blk, out)| {
                let first = blk * T;
                for f in 0..d {
                    let col = &bins[f * n + first..f * n + first + out.len() / d];
                    for (r, &b) in col.iter().enumerate() {
                        out[r * d + f] = b;
                    }
                }
            });
        Grower {
            bins,
            rowwise,
            n,
            mapper,
            rows: Vec::new(),
            scratch: vec![0; n],
            root: Vec::new(),
            root_counts: None,
        }
    }

    /// Place the rows of the next tree, ascending and distinct.
    pub(crate) fn start_tree(&mut self, rows: &[u32]) {
        debug_assert!(rows.windows(2).all(|w| w[0] < w[1]));
        if self.root != rows {
            self.root.clear();
            self.root.extend_from_slice(rows);
            self.root_counts = None;
        }
        self.rows.clone_from(&self.root);
    }

    #[cfg(test)]
    pub(crate) fn histogram_for_test(
        &self,
        gh: &[[f32; 2]],
        start: usize,
        end: usize,
        counts: Counts<'_>,
    ) -> Hist {
        self.histogram(gh, start, end, counts)
    }

    /// Histogram of `rows[start..end]` over all features, its counts taken as `counts` says
    /// (accumulating them is one of the two memory updates per entry).
    fn histogram(&self, gh: &[[f32; 2]], start: usize, end: usize, counts: Counts<'_>) -> Hist {
        let rows = &self.rows[start..end];
        let d = self.mapper.n_features();
        let count = matches!(counts, Counts::Accumulate);
        let empty = || vec![[Sums::default(); N_SLOTS]; d];
        let mut hist = if rows.len() <= HIST_BLOCK {
            // A leaf too small for row blocks still shares out its features: each group of
            // features is built over all the rows in order, so every bin sums the same terms in
            // the same order as one sequential pass, whatever the grouping or thread count.
            let group = if rows.len() < MIN_PARALLEL_ROWS {
                d
            } else {
                d.div_ceil(2 * rayon::current_num_threads())
            }
            .max(1);
            let mut hist = empty();
            hist.par_chunks_mut(group).enumerate().for_each(|(k, hg)| {
                accumulate_with(count, &self.rowwise, d, k * group, rows, gh, hg)
            });
            hist
        } else {
            let block = rows.len().div_ceil(MAX_HIST_BLOCKS).max(HIST_BLOCK);
            let mut parts: Vec<Hist> = rows
                .par_chunks(block)
                .map(|blk| {
                    let mut hist = empty();
                    accumulate_with(count, &self.rowwise, d, 0, blk, gh, &mut hist);
                    hist
                })
                .collect();
            let rest = parts.split_off(1);
            let mut hist = parts.pop().expect("at least two blocks");
            hist.par_iter_mut().enumerate().for_each(|(f, hf)| {
                for p in &rest {
                    hf.iter_mut().zip(&p[f]).for_each(|(a, b)| a.add(b));
                }
            });
            hist
        };
        match counts {
            Counts::Accumulate => {}
            Counts::FromHessian => hist.iter_mut().flatten().for_each(|e| e.n = e.h),
            Counts::Known(known) => hist
                .iter_mut()
                .flatten()
                .zip(known.iter().flatten())
                .for_each(|(e, k)| e.n = k.n),
        }
        hist
    }

    fn best_split(
        &self,
        cfg: &GrowConfig,
        hist: &[[Sums; N_SLOTS]],
        total: &Sums,
        active: &[bool],
        bounds: Bounds,
    ) -> Option<Candidate> {
        let constrained = !cfg.monotone.is_empty();
        let parent = if constrained {
            cfg.score_at(total, cfg.bounded_output(total, bounds))
        } else {
            cfg.score(total)
        };
        let d = self.mapper.n_features();
        let found: Vec<Option<Candidate>> = (0..d)
            .into_par_iter()
            .map(|f| {
                if !active[f] {
                    return None;
                }
                let hf = &hist[f];
                let nb = self.mapper.n_bins(f);
                let miss = hf[MISSING_BIN as usize];
                let mut best: Option<Candidate> = None;
                for missing_left in [false, true] {
                    if missing_left && miss.n == 0.0 {
                        break;
                    }
                    let mut left = if missing_left { miss } else { Sums::default() };
                    for t in 0..nb {
                        left.add(&hf[t]);
                        if t + 1 == nb && (missing_left || miss.n == 0.0) {
                            break;
                        }
                        // An empty bin leaves the split of bin t - 1 unchanged: its equal gain
                        // cannot beat it.
                        if t > 0 && hf[t].n == 0.0 {
                            continue;
                        }
                        let right = total.sub(&left);
                        if left.n < cfg.min_data_in_leaf
                            || right.n < cfg.min_data_in_leaf
                            || left.h < cfg.min_child_weight
                            || right.h < cfg.min_child_weight
                        {
                            continue;
                        }
                        let (gain, outs) = if constrained {
                            let lo = cfg.bounded_output(&left, bounds);
                            let ro = cfg.bounded_output(&right, bounds);
                            let mc = cfg.monotone[f];
                            if (mc > 0 && lo > ro) || (mc < 0 && lo < ro) {
                                continue;
                            }
                            let gain = cfg.score_at(&left, lo) + cfg.score_at(&right, ro) - parent;
                            (gain, Some((lo, ro)))
                        } else {
                            (cfg.score(&left) + cfg.score(&right) - parent, None)
                        };
                        if best.as_ref().is_none_or(|b| gain > b.gain) {
                            let (left_out, right_out) = outs.unwrap_or_else(|| {
                                (
                                    cfg.bounded_output(&left, UNBOUNDED),
                                    cfg.bounded_output(&right, UNBOUNDED),
                                )
                            });
                            best = Some(Candidate {
                                gain,
                                feature: f,
                                bin: t as u8,
                                missing_left,
                                left,
                                right,
                                left_out,
                                right_out,
                            });
                        }
                    }
                }
                best
            })
            .collect();
        // Sequential reduction in feature order: the lowest feature wins exact ties.
        found
            .into_iter()
            .flatten()
            .fold(None, |acc: Option<Candidate>, c| match acc {
                Some(a) if a.gain >= c.gain => Some(a),
                _ => Some(c),
            })
            .filter(|c| c.gain > cfg.min_split_gain && c.gain > 0.0)
    }

    #[cfg(test)]
    pub(crate) fn partition_for_test(
        &mut self,
        start: usize,
        end: usize,
        feature: usize,
        bin: u8,
        missing_left: bool,
    ) -> usize {
        let c = Candidate {
            gain: 0.0,
            feature,
            bin,
            missing_left,
            left: Sums::default(),
            right: Sums::default(),
            left_out: 0.0,
            right_out: 0.0,
        };
        self.partition(start, end, &c)
    }

    /// Stable partition of `rows[start..end]` by split `c`; returns where the right side
    /// starts. Fixed chunks are split in parallel into their slices of `scratch` in one
    /// branch-free pass (left rows from the front in order, right rows from the back in reverse:
    /// the side is unpredictable, so a branch would miss half the time), then each chunk's two
    /// runs are copied back in parallel to their places in the left and right regions.
    fn partition(&mut self, start: usize, end: usize, c: &Candidate) -> usize {
        let col = &self.bins[c.feature * self.n..(c.feature + 1) * self.n];
        let goes_left = |i: u32| {
            let b = col[i as usize];
            if b == MISSING_BIN {
                c.missing_left
            } else {
                b <= c.bin
            }
        };
        const CHUNK: usize = 1 << 12;
        let rows = &mut self.rows[start..end];
        let scratch = &mut self.scratch[..rows.len()];
        let counts: Vec<usize> = rows
            .par_chunks(CHUNK)
            .zip(scratch.par_chunks_mut(CHUNK))
            .map(|(ch, sc)| {
                let (mut a, mut b) = (0, sc.len());
                for (j, &i) in ch.iter().enumerate() {
                    if let Some(&ahead) = ch.get(j + PREFETCH_AHEAD) {
                        prefetch(col, ahead as usize);
                    }
                    let left = goes_left(i);
                    sc[if left { a } else { b - 1 }] = i;
                    a += usize::from(left);
                    b -= usize::from(!left);
                }
                a
            })
            .collect();
        let n_left: usize = counts.iter().sum();
        let (mut lefts, mut rights) = rows.split_at_mut(n_left);
        let mut jobs = Vec::with_capacity(counts.len());
        for (sc, &nl) in scratch.chunks(CHUNK).zip(&counts) {
            let (l, rest) = std::mem::take(&mut lefts).split_at_mut(nl);
            lefts = rest;
            let (r, rest) = std::mem::take(&mut rights).split_at_mut(sc.len() - nl);
            rights = rest;
            jobs.push((sc, l, r));
        }
        jobs.into_par_iter().for_each(|(sc, l, r)| {
            let (sl, sr) = sc.split_at(l.len());
            l.copy_from_slice(sl);
            r.iter_mut().zip(sr.iter().rev()).for_each(|(a, b)| *a = *b);
        });
        start + n_left
    }

    /// Grow one tree on `gh` over the rows already placed in `self.rows`.
    pub(crate) fn grow(&mut self, gh: &[[f32; 2]], cfg: &GrowConfig, active: &[bool]) -> Grown {
        let d = self.mapper.n_features();
        let n_rows = self.rows.len();
        let unit_hessian = gh.iter().all(|p| p[1] == 1.0);
        let counts = if unit_hessian {
            Counts::FromHessian
        } else {
            Counts::Accumulate
        };
        let hist = match (&self.root_counts, counts) {
            (Some(known), Counts::Accumulate) if self.rows == self.root => {
                self.histogram(gh, 0, n_rows, Counts::Known(known))
            }
            _ => self.histogram(gh, 0, n_rows, counts),
        };
        if !unit_hessian && self.root_counts.is_none() && self.rows == self.root {
            self.root_counts = Some(hist.clone());
        }
        // Every row lies in exactly one bin of any feature: feature 0's bins sum to the node.
        let mut sums = Sums::default();
        hist.first().into_iter().flatten().for_each(|b| sums.add(b));
        let mut nodes = vec![Node::leaf(0.0, n_rows, sums.h)];
        let mut values = vec![cfg.output(&sums)];
        let mut bin_thresholds = vec![0u8];
        let best = self.best_split(cfg, &hist, &sums, active, UNBOUNDED);
        let mut leaves = vec![Leaf {
            node: 0,
            start: 0,
            end: n_rows,
            depth: 0,
            hist,
            best,
            bounds: UNBOUNDED,
        }];
        let (mut gain, mut splits) = (vec![0.0; d], vec![0u64; d]);
        while leaves.len() < cfg.num_leaves {
            let pick = leaves
                .iter()
                .enumerate()
                .filter(|(_, l)| l.best.is_some() && l.depth < cfg.max_depth)
                .fold(None, |acc: Option<(usize, &Leaf)>, (k, l)| {
                    let better = match acc {
                        None => true,
                        Some((_, a)) if cfg.depthwise => (l.depth, l.node) < (a.depth, a.node),
                        Some((_, a)) => {
                            l.best.as_ref().unwrap().gain > a.best.as_ref().unwrap().gain
                        }
                    };
                    if better {
                        Some((k, l))
                    } else {
                        acc
                    }
                })
                .map(|(k, _)| k);
            let Some(k) = pick else { break };
            let leaf = leaves.swap_remove(k);
            let c = leaf.best.clone().unwrap();
            let mid = self.partition(leaf.start, leaf.end, &c);
            gain[c.feature] += c.gain;
            splits[c.feature] += 1;
            let (l_id, r_id) = (nodes.len(), nodes.len() + 1);
            let node = &mut nodes[leaf.node];
            node.left = l_id;
            node.right = r_id;
            node.feature = c.feature;
            node.threshold = self.mapper.upper_bound(c.feature, c.bin as usize);
            node.missing_left = c.missing_left;
            bin_thresholds[leaf.node] = c.bin;
            for (s, out) in [(&c.left, c.left_out), (&c.right, c.right_out)] {
                nodes.push(Node::leaf(0.0, s.n as usize, s.h));
                values.push(if cfg.monotone.is_empty() {
                    cfg.output(s)
                } else {
                    cfg.learning_rate * out
                });
                bin_thresholds.push(0);
            }
            let (l_bounds, r_bounds) = child_bounds(cfg, &c, leaf.bounds);
            // Build the smaller child, subtract for the larger.
            let left_small = mid - leaf.start <= leaf.end - mid;
            let (s_start, s_end) = if left_small {
                (leaf.start, mid)
            } else {
                (mid, leaf.end)
            };
            let small = self.histogram(gh, s_start, s_end, counts);
            let mut large = leaf.hist;
            large.par_iter_mut().zip(&small).for_each(|(lf, sf)| {
                lf.iter_mut().zip(sf).for_each(|(a, b)| *a = a.sub(b));
            });
            let (lh, rh) = if left_small {
                (small, large)
            } else {
                (large, small)
            };
            let depth = leaf.depth + 1;
            for (node, start, end, s, h, bounds) in [
                (l_id, leaf.start, mid, c.left, lh, l_bounds),
                (r_id, mid, leaf.end, c.right, rh, r_bounds),
            ] {
                let best = if depth < cfg.max_depth {
                    self.best_split(cfg, &h, &s, active, bounds)
                } else {
                    None
                };
                leaves.push(Leaf {
                    node,
                    start,
                    end,
                    depth,
                    hist: h,
                    best,
                    bounds,
                });
            }
        }
        Grown {
            tree: Tree {
                nodes,
                values,
                n_values: 1,
                n_features: d,
                single_precision: false,
            },
            bin_thresholds,
            leaves: leaves.iter().map(|l| (l.node, l.start, l.end)).collect(),
            gain,
            splits,
        }
    }
}

/// The children's output bounds after split `c` of a leaf bounded by `b`: both inherit `b`, and a
/// split on a constrained feature puts the children's mid output between them (LightGBM's
/// `BasicLeafConstraints::Update`).
fn child_bounds(cfg: &GrowConfig, c: &Candidate, b: Bounds) -> (Bounds, Bounds) {
    let (mut l, mut r) = (b, b);
    let mid = (c.left_out + c.right_out) / 2.0;
    match cfg.monotone.get(c.feature).copied().unwrap_or(0) {
        1 => {
            l.1 = l.1.min(mid);
            r.0 = r.0.max(mid);
        }
        -1 => {
            l.0 = l.0.max(mid);
            r.1 = r.1.min(mid);
        }
        _ => {}
    }
    (l, r)
}

/// The leaf a binned row reaches (`bins` column-major with `n` rows).
#[inline]
pub(crate) fn binned_leaf(tree: &Tree, thr: &[u8], bins: &[u8], n: usize, i: usize) -> usize {
    let mut k = 0;
    loop {
        let node = &tree.nodes[k];
        if node.is_leaf() {
            return k;
        }
        let b = bins[node.feature * n + i];
        k = if b == MISSING_BIN {
            if node.missing_left {
                node.left
            } else {
                node.right
            }
        } else if b <= thr[k] {
            node.left
        } else {
            node.right
        };
    }
}
