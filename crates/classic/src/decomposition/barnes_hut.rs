//! Barnes-Hut forces of t-SNE: a space-partitioning tree (binary tree in 1-D, quadtree in 2-D,
//! octree in 3-D) rebuilt every iteration in $O(n)$ from the points sorted along a Morton
//! (Z-order) curve, and the repulsive and attractive sums of the t-SNE gradient over it.
//!
//! With $w_{ij} = (1 + \lVert y_i - y_j \rVert^2)^{-1}$ for embedded points $y_i \in
//! \mathbb{R}^s$, the repulsive force on $y_i$ is $F_i = \sum_{j \ne i} w_{ij}^2 (y_i - y_j)$
//! and the normaliser is $Z = \sum_i \sum_{j \ne i} w_{ij}$. Barnes-Hut replaces every cell of
//! largest side $r$ whose centre of mass $c$ satisfies $r^2 < \theta^2 \lVert y_i - c
//! \rVert^2$ by $N_{cell}$ points at $c$ (squared criterion: no square root). The attractive
//! force $A_i = \sum_j p_{ij} w_{ij} (y_i - y_j)$ runs over the sparse joint probabilities
//! $P$ in CSR form.
//!
//! Layout: the points are quantised to a $2^{b}$ grid per axis of the bounding box ($b = 32$
//! in 1-D and 2-D, 21 in 3-D) and sorted by their interleaved bits, so that every cell is a
//! contiguous range of the sorted order. Cells are stored in depth-first preorder with the
//! index of the first node after their subtree, so a query walks the array forwards without a
//! stack: on acceptance it jumps past the subtree, otherwise it steps into the first child.
//! Cells with a single non-empty child are skipped (their child holds the same points and the
//! same centre of mass in a smaller cell, so the result is that of the full tree). Queries run
//! in Morton order, so consecutive points walk nearly the same nodes; every point's sum is
//! computed on its own and $Z$ is summed in a fixed order, so the result does not depend on the
//! number of threads.
//!
//! Shapes: `y` is `n x s` row-major, $s \le 3$. Cost per gradient: $O(n \log n)$ for the sort
//! (nearly sorted from the previous iteration), $O(n)$ cells, $O(n \log n)$ for the repulsive
//! walks at fixed $\theta$ and $O(\mathrm{nnz}(P))$ for the attractive sums. References:
//! J. Barnes, P. Hut, *A hierarchical O(N log N) force-calculation algorithm*, Nature 324,
//! 1986; L. van der Maaten, *Accelerating t-SNE using tree-based algorithms*, JMLR 15, 2014;
//! M. S. Warren, J. K. Salmon, *A parallel hashed oct-tree N-body algorithm*, SC 1993 (Morton
//! order).
//!
//! ```
//! // theta = 0 opens every cell: Barnes-Hut t-SNE then follows the exact gradient.
//! use breadth_classic::decomposition::tsne::{TsneMethod, TsneParams};
//! use breadth_core::Fit;
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let p = TsneParams::default().perplexity(20.0).max_iter(250);
//! let bh = p.clone().method(TsneMethod::BarnesHut(0.0)).fit(&iris).unwrap();
//! let ex = p.method(TsneMethod::Exact).fit(&iris).unwrap();
//! assert!((bh.kl_divergence() - ex.kl_divergence()).abs() < 0.05 * ex.kl_divergence());
//! ```

use rayon::prelude::*;

/// Sparse symmetric matrix in CSR form (columns sorted within each row).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Csr {
    /// Row `i` holds entries `indptr[i]..indptr[i + 1]`.
    pub indptr: Vec<usize>,
    /// Column of each entry.
    pub indices: Vec<u32>,
    /// Value of each entry.
    pub values: Vec<f64>,
}

impl Csr {
    /// From rows of `(column, value)` pairs.
    pub fn from_rows(rows: &[Vec<(usize, f64)>]) -> Csr {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let nnz = rows.iter().map(Vec::len).sum();
        let (mut indices, mut values) = (Vec::with_capacity(nnz), Vec::with_capacity(nnz));
        for r in rows {
            indices.extend(r.iter().map(|e| e.0 as u32));
            values.extend(r.iter().map(|e| e.1));
            indptr.push(indices.len());
        }
        Csr {
            indptr,
            indices,
            values,
        }
    }
}

/// A cell of the tree: centre of mass, squared largest side, number of points and the index of
/// the first node after its subtree (`next == own index + 1` marks a leaf).
#[derive(Clone, Copy, Debug)]
struct Node<const S: usize> {
    center: [f64; S],
    width2: f64,
    count: u32,
    next: u32,
}

/// Reusable buffers of the Barnes-Hut gradient: the Morton order of the previous iteration
/// (a good start for the next sort) and the tree.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    keyed: Vec<(u64, u32)>,
    nodes2: Vec<Node<2>>,
    nodes1: Vec<Node<1>>,
    nodes3: Vec<Node<3>>,
}

/// Bits per axis of the Morton code.
const fn bits(s: usize) -> u32 {
    if s == 3 {
        21
    } else {
        32
    }
}

/// Spread the low 32 bits of `v` to the even bits.
fn spread2(v: u64) -> u64 {
    let mut v = v & 0xffff_ffff;
    v = (v | (v << 16)) & 0x0000_ffff_0000_ffff;
    v = (v | (v << 8)) & 0x00ff_00ff_00ff_00ff;
    v = (v | (v << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    v = (v | (v << 2)) & 0x3333_3333_3333_3333;
    (v | (v << 1)) & 0x5555_5555_5555_5555
}

/// Spread the low 21 bits of `v` to every third bit.
fn spread3(v: u64) -> u64 {
    let mut v = v & 0x1f_ffff;
    v = (v | (v << 32)) & 0x001f_0000_0000_ffff;
    v = (v | (v << 16)) & 0x001f_0000_ff00_00ff;
    v = (v | (v << 8)) & 0x100f_00f0_0f00_f00f;
    v = (v | (v << 4)) & 0x10c3_0c30_c30c_30c3;
    (v | (v << 2)) & 0x1249_2492_4924_9249
}

/// Morton code of grid coordinates `q` (axis 0 in the lowest bit of each digit, so the child
/// digit of a cell is $\sum_a [\text{upper half on axis } a] \, 2^a$).
fn interleave<const S: usize>(q: [u64; S]) -> u64 {
    match S {
        1 => q[0],
        2 => spread2(q[0]) | spread2(q[1]) << 1,
        _ => spread3(q[0]) | spread3(q[1]) << 1 | spread3(q[2]) << 2,
    }
}

/// Flat Barnes-Hut tree over the points of `y` (`S` coordinates per point, row-major).
struct Tree<'a, const S: usize> {
    nodes: &'a mut Vec<Node<S>>,
    /// `(code, point)` in Morton order.
    keyed: &'a [(u64, u32)],
    y: &'a [f64],
    /// Largest side of the root cell.
    width: f64,
}

impl<const S: usize> Tree<'_, S> {
    /// Cell of the points `start..end` of the sorted order, which share their code's first
    /// `level` digits; returns the sum of their coordinates.
    fn build(&mut self, start: usize, end: usize, level: u32) -> [f64; S] {
        let id = self.nodes.len();
        let (first, last) = (self.keyed[start].0, self.keyed[end - 1].0);
        self.nodes.push(Node {
            center: [0.0; S],
            width2: 0.0,
            count: (end - start) as u32,
            next: 0,
        });
        let mut sum = [0.0; S];
        if first == last {
            // One point, or points on one grid cell: a leaf.
            for &(_, i) in &self.keyed[start..end] {
                let r = &self.y[i as usize * S..(i as usize + 1) * S];
                for a in 0..S {
                    sum[a] += r[a];
                }
            }
        } else {
            // Skip the levels where all points fall in one child: the first digit where the
            // first and last code (hence some pair of points) differ.
            let used = 64 - S as u32 * bits(S);
            let shared = (first ^ last).leading_zeros() - used;
            let level = level.max(shared / S as u32);
            let w = self.width * 0.5f64.powi(level as i32);
            self.nodes[id].width2 = w * w;
            let shift = (bits(S) - 1 - level) * S as u32;
            let digit = |c: u64| (c >> shift) & ((1 << S) - 1);
            let mut lo = start;
            while lo < end {
                let d = digit(self.keyed[lo].0);
                let hi = lo + self.keyed[lo..end].partition_point(|e| digit(e.0) <= d);
                let child = self.build(lo, hi, level + 1);
                for a in 0..S {
                    sum[a] += child[a];
                }
                lo = hi;
            }
        }
        let next = self.nodes.len() as u32;
        let node = &mut self.nodes[id];
        for a in 0..S {
            node.center[a] = sum[a] / (end - start) as f64;
        }
        node.next = next;
        sum
    }
}

/// Points per parallel task: enough work to amortise scheduling, small enough to balance.
const CHUNK: usize = 256;

/// Repulsive forces `rep` (`n x S`, row-major) and $Z$ for the points of `y` (`n x S`,
/// row-major), Barnes-Hut with angle `theta`.
pub(crate) fn repulsive_forces(
    y: &[f64],
    s: usize,
    theta: f64,
    scratch: &mut Scratch,
    rep: &mut [f64],
) -> f64 {
    match s {
        1 => repulsive_in::<1>(y, theta, &mut scratch.keyed, &mut scratch.nodes1, rep),
        2 => repulsive_in::<2>(y, theta, &mut scratch.keyed, &mut scratch.nodes2, rep),
        _ => repulsive_in::<3>(y, theta, &mut scratch.keyed, &mut scratch.nodes3, rep),
    }
}

fn repulsive_in<const S: usize>(
    y: &[f64],
    theta: f64,
    keyed: &mut Vec<(u64, u32)>,
    nodes: &mut Vec<Node<S>>,
    rep: &mut [f64],
) -> f64 {
    let n = y.len() / S;
    let mut lo = [f64::INFINITY; S];
    let mut hi = [f64::NEG_INFINITY; S];
    for r in y.chunks_exact(S) {
        for a in 0..S {
            lo[a] = lo[a].min(r[a]);
            hi[a] = hi[a].max(r[a]);
        }
    }
    let cells = (1u64 << bits(S)) as f64;
    let top = (1u64 << bits(S)) - 1;
    let mut scale = [0.0; S];
    for a in 0..S {
        let extent = hi[a] - lo[a];
        scale[a] = if extent > 0.0 { cells / extent } else { 0.0 };
    }
    let code = |i: usize| {
        let mut q = [0u64; S];
        for a in 0..S {
            // `as` saturates; the top edge maps to the last cell.
            q[a] = (((y[i * S + a] - lo[a]) * scale[a]) as u64).min(top);
        }
        interleave::<S>(q)
    };
    if keyed.len() != n {
        *keyed = (0..n as u32).map(|i| (0, i)).collect();
    }
    // Recode in last iteration's order: the sort then meets long sorted runs.
    keyed
        .par_iter_mut()
        .with_min_len(4096)
        .for_each(|e| e.0 = code(e.1 as usize));
    keyed.sort_unstable();
    nodes.clear();
    let width = (0..S).map(|a| hi[a] - lo[a]).fold(0.0, f64::max);
    let mut tree = Tree {
        nodes,
        keyed,
        y,
        width,
    };
    tree.build(0, n, 0);
    // The leaf of each sorted position, for excluding the point itself.
    let nodes: &[Node<S>] = nodes;
    let mut leaf_of = vec![0u32; n];
    let (mut id, mut pos) = (0, 0);
    while id < nodes.len() {
        if nodes[id].next as usize == id + 1 {
            let c = nodes[id].count as usize;
            leaf_of[pos..pos + c].fill(id as u32);
            pos += c;
        }
        id += 1;
    }
    let theta2 = theta * theta;
    let keyed: &[(u64, u32)] = keyed;
    // Forces in Morton order first (each task owns a contiguous block), then scattered.
    let mut sorted = vec![0.0; n * S];
    let sums: Vec<f64> = sorted
        .par_chunks_mut(CHUNK * S)
        .zip(keyed.par_chunks(CHUNK))
        .zip(leaf_of.par_chunks(CHUNK))
        .map_init(Interactions::default, |list, ((out, ks), leaves)| {
            let mut z = 0.0;
            for ((o, ks), leaves) in out
                .chunks_mut(GROUP * S)
                .zip(ks.chunks(GROUP))
                .zip(leaves.chunks(GROUP))
            {
                z += group_repulsion::<S>(nodes, y, ks, leaves, theta2, list, o);
            }
            z
        })
        .collect();
    for (f, &(_, i)) in sorted.chunks_exact(S).zip(keyed) {
        rep[i as usize * S..(i as usize + 1) * S].copy_from_slice(f);
    }
    sums.iter().sum()
}

/// Points (consecutive in Morton order, hence close) that share one tree walk.
const GROUP: usize = 8;

/// The cells a group of points interacts with, one array per field so that the evaluation
/// runs across the group's points in SIMD lanes.
#[derive(Default)]
struct Interactions {
    id: Vec<u32>,
    center: [Vec<f64>; 3],
    count: Vec<f64>,
}

/// Repulsive forces (into `out`, `S` per point) and the sum of $\sum_j w_{ij}$ of the points
/// `ks` (whose leaves are `leaves`). One walk serves the whole group: a cell is taken whole
/// when the criterion holds for the nearest point of the group's bounding box to its centre
/// of mass, so for every point of the group, and opened otherwise. Every point thus sees at
/// least the resolution of its own walk (the approximation is at least as fine).
fn group_repulsion<const S: usize>(
    nodes: &[Node<S>],
    y: &[f64],
    ks: &[(u64, u32)],
    leaves: &[u32],
    theta2: f64,
    list: &mut Interactions,
    out: &mut [f64],
) -> f64 {
    let g = ks.len();
    let mut pts = [[0.0; GROUP]; S];
    let mut own = [u32::MAX; GROUP];
    let mut lo = [f64::INFINITY; S];
    let mut hi = [f64::NEG_INFINITY; S];
    for (k, &(_, i)) in ks.iter().enumerate() {
        for a in 0..S {
            let v = y[i as usize * S + a];
            pts[a][k] = v;
            lo[a] = lo[a].min(v);
            hi[a] = hi[a].max(v);
        }
        own[k] = leaves[k];
    }
    list.id.clear();
    list.count.clear();
    list.center.iter_mut().for_each(Vec::clear);
    let mut id = 0;
    while id < nodes.len() {
        let node = &nodes[id];
        let mut d2 = 0.0;
        for a in 0..S {
            let c = node.center[a];
            let t = (lo[a] - c).max(c - hi[a]).max(0.0);
            d2 += t * t;
        }
        let next = node.next as usize;
        if next == id + 1 || node.width2 < theta2 * d2 {
            list.id.push(id as u32);
            list.count.push(f64::from(node.count));
            for a in 0..S {
                list.center[a].push(node.center[a]);
            }
            id = next;
        } else {
            id += 1;
        }
    }
    let mut force = [[0.0; GROUP]; S];
    let mut sum_w = [0.0; GROUP];
    for (k, (&cid, &count)) in list.id.iter().zip(&list.count).enumerate() {
        let mut c = [0.0; S];
        for a in 0..S {
            c[a] = list.center[a][k];
        }
        for p in 0..GROUP {
            let mut diff = [0.0; S];
            let mut d2 = 0.0;
            for a in 0..S {
                diff[a] = pts[a][p] - c[a];
                d2 += diff[a] * diff[a];
            }
            let count = count - f64::from(u8::from(cid == own[p]));
            let w = 1.0 / (1.0 + d2);
            sum_w[p] += count * w;
            let m = count * w * w;
            for a in 0..S {
                force[a][p] += m * diff[a];
            }
        }
    }
    for (p, o) in out.chunks_exact_mut(S).enumerate() {
        for a in 0..S {
            o[a] = force[a][p];
        }
    }
    sum_w[..g].iter().sum()
}

/// The Barnes-Hut t-SNE gradient $4 (A_i - F_i / Z)$ of the points `y` (`n x s`, row-major)
/// into `grad` (same shape) for the joint probabilities `p`; returns
/// $\mathrm{KL}(P \| Q)$ when `want_error`, NaN otherwise.
pub(crate) fn gradient(
    p: &Csr,
    y: &[f64],
    s: usize,
    theta: f64,
    want_error: bool,
    scratch: &mut Scratch,
    grad: &mut [f64],
) -> f64 {
    let z = repulsive_forces(y, s, theta, scratch, grad);
    match s {
        1 => attractive_in::<1>(p, y, z, want_error, grad),
        2 => attractive_in::<2>(p, y, z, want_error, grad),
        _ => attractive_in::<3>(p, y, z, want_error, grad),
    }
}

/// Turns the repulsive forces in `grad` into the gradient, adding the attractive forces over
/// the rows of `p`; returns the KL divergence when asked.
fn attractive_in<const S: usize>(
    p: &Csr,
    y: &[f64],
    z: f64,
    want_error: bool,
    grad: &mut [f64],
) -> f64 {
    let row = if want_error {
        attract_row::<S, true>
    } else {
        attract_row::<S, false>
    };
    let errors: Vec<f64> = grad
        .par_chunks_mut(CHUNK * S)
        .enumerate()
        .map(|(c, block)| {
            let mut err = 0.0;
            for (k, g) in block.chunks_exact_mut(S).enumerate() {
                let i = c * CHUNK + k;
                let (lo, hi) = (p.indptr[i], p.indptr[i + 1]);
                let (attract, e) = row(i, y, &p.indices[lo..hi], &p.values[lo..hi], z);
                err += e;
                for a in 0..S {
                    g[a] = 4.0 * (attract[a] - g[a] / z);
                }
            }
            err
        })
        .collect();
    if want_error {
        errors.iter().sum()
    } else {
        f64::NAN
    }
}

/// $\sum_j p_{ij} w_{ij} (y_i - y_j)$ over one row of $P$ (and, with `ERR`, the row's terms
/// $p_{ij} \ln(p_{ij} / q_{ij})$ of the KL divergence). Entries go two at a time into two
/// accumulators, so that neither the divisions nor the additions wait on each other.
fn attract_row<const S: usize, const ERR: bool>(
    i: usize,
    y: &[f64],
    cols: &[u32],
    vals: &[f64],
    z: f64,
) -> ([f64; S], f64) {
    let yi = &y[i * S..(i + 1) * S];
    let diff = |j: u32| {
        let yj = &y[j as usize * S..(j as usize + 1) * S];
        let mut d = [0.0; S];
        let mut d2 = 0.0;
        for a in 0..S {
            d[a] = yi[a] - yj[a];
            d2 += d[a] * d[a];
        }
        (d, d2)
    };
    let kl =
        |pij: f64, w: f64| pij * (pij.max(f64::MIN_POSITIVE) / (w / z).max(f64::MIN_POSITIVE)).ln();
    let mut acc = [[0.0; S]; 2];
    let mut err = 0.0;
    let (pc, pv) = (cols.chunks_exact(2), vals.chunks_exact(2));
    let (rest_c, rest_v) = (pc.remainder(), pv.remainder());
    for (c, v) in pc.zip(pv) {
        let ((d0, q0), (d1, q1)) = (diff(c[0]), diff(c[1]));
        let w = [1.0 / (1.0 + q0), 1.0 / (1.0 + q1)];
        for a in 0..S {
            acc[0][a] += v[0] * w[0] * d0[a];
            acc[1][a] += v[1] * w[1] * d1[a];
        }
        if ERR {
            err += kl(v[0], w[0]) + kl(v[1], w[1]);
        }
    }
    for (&c, &v) in rest_c.iter().zip(rest_v) {
        let (d, q) = diff(c);
        let w = 1.0 / (1.0 + q);
        for a in 0..S {
            acc[0][a] += v * w * d[a];
        }
        if ERR {
            err += kl(v, w);
        }
    }
    let mut out = [0.0; S];
    for a in 0..S {
        out[a] = acc[0][a] + acc[1][a];
    }
    (out, err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::seeded_rng;
    use rand_distr::{Distribution, StandardNormal};

    fn points(n: usize, s: usize, seed: u64) -> Vec<f64> {
        let mut rng = seeded_rng(seed);
        (0..n * s)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect()
    }

    /// All pairs: the forces and $Z$ that theta = 0 must reproduce.
    fn brute(y: &[f64], s: usize) -> (Vec<f64>, f64) {
        let n = y.len() / s;
        let mut rep = vec![0.0; n * s];
        let mut z = 0.0;
        for i in 0..n {
            for j in (0..n).filter(|&j| j != i) {
                let d2: f64 = (0..s).map(|a| (y[i * s + a] - y[j * s + a]).powi(2)).sum();
                let w = 1.0 / (1.0 + d2);
                z += w;
                for a in 0..s {
                    rep[i * s + a] += w * w * (y[i * s + a] - y[j * s + a]);
                }
            }
        }
        (rep, z)
    }

    /// The textbook tree: cells split at their midpoint down to single points (chains of
    /// one-child cells kept), walked recursively with the same opening criterion.
    struct Cell {
        center: Vec<f64>,
        width2: f64,
        points: Vec<usize>,
        children: Vec<Cell>,
    }

    fn cell(y: &[f64], s: usize, pts: Vec<usize>, lo: Vec<f64>, hi: Vec<f64>) -> Cell {
        let mut center = vec![0.0; s];
        for &i in &pts {
            for a in 0..s {
                center[a] += y[i * s + a] / pts.len() as f64;
            }
        }
        let width = (0..s).map(|a| hi[a] - lo[a]).fold(0.0, f64::max);
        let mut children = Vec::new();
        if pts.len() > 1 {
            let mid: Vec<f64> = (0..s).map(|a| 0.5 * (lo[a] + hi[a])).collect();
            for o in 0..1 << s {
                let upper = |a: usize| o >> a & 1 == 1;
                let sub: Vec<usize> = pts
                    .iter()
                    .copied()
                    .filter(|&i| (0..s).all(|a| (y[i * s + a] > mid[a]) == upper(a)))
                    .collect();
                if !sub.is_empty() {
                    let clo = (0..s).map(|a| if upper(a) { mid[a] } else { lo[a] });
                    let chi = (0..s).map(|a| if upper(a) { hi[a] } else { mid[a] });
                    children.push(cell(y, s, sub, clo.collect(), chi.collect()));
                }
            }
        }
        Cell {
            center,
            width2: width * width,
            points: pts,
            children,
        }
    }

    fn walk(c: &Cell, y: &[f64], s: usize, i: usize, theta2: f64, acc: &mut (Vec<f64>, f64)) {
        let diff: Vec<f64> = (0..s).map(|a| y[i * s + a] - c.center[a]).collect();
        let d2: f64 = diff.iter().map(|v| v * v).sum();
        if !c.children.is_empty() && c.width2 >= theta2 * d2 {
            for ch in &c.children {
                walk(ch, y, s, i, theta2, acc);
            }
            return;
        }
        let count = c.points.iter().filter(|&&j| j != i).count() as f64;
        let w = 1.0 / (1.0 + d2);
        acc.1 += count * w;
        for a in 0..s {
            acc.0[a] += count * w * w * diff[a];
        }
    }

    fn reference(y: &[f64], s: usize, theta: f64) -> (Vec<f64>, f64) {
        let n = y.len() / s;
        let lo: Vec<f64> = (0..s)
            .map(|a| (0..n).map(|i| y[i * s + a]).fold(f64::INFINITY, f64::min))
            .collect();
        let hi: Vec<f64> = (0..s)
            .map(|a| {
                (0..n)
                    .map(|i| y[i * s + a])
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        let root = cell(y, s, (0..n).collect(), lo, hi);
        let mut rep = vec![0.0; n * s];
        let mut z = 0.0;
        for i in 0..n {
            let mut acc = (vec![0.0; s], 0.0);
            walk(&root, y, s, i, theta * theta, &mut acc);
            rep[i * s..(i + 1) * s].copy_from_slice(&acc.0);
            z += acc.1;
        }
        (rep, z)
    }

    fn ours(y: &[f64], s: usize, theta: f64) -> (Vec<f64>, f64) {
        let mut rep = vec![0.0; y.len()];
        let z = repulsive_forces(y, s, theta, &mut Scratch::default(), &mut rep);
        (rep, z)
    }

    fn assert_close(a: &(Vec<f64>, f64), b: &(Vec<f64>, f64), tol: f64) {
        assert!((a.1 - b.1).abs() <= tol * b.1, "Z {} vs {}", a.1, b.1);
        let scale = b.0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (k, (x, r)) in a.0.iter().zip(&b.0).enumerate() {
            assert!((x - r).abs() <= tol * scale, "entry {k}: {x} vs {r}");
        }
    }

    #[test]
    fn theta_zero_is_the_exact_sum() {
        for s in 1..=3 {
            let y = points(300, s, s as u64);
            assert_close(&ours(&y, s, 0.0), &brute(&y, s), 1e-12);
        }
    }

    #[test]
    fn at_least_as_accurate_as_the_textbook_tree_at_every_angle() {
        let rel_err = |a: &(Vec<f64>, f64), b: &(Vec<f64>, f64)| {
            let num: f64 = a.0.iter().zip(&b.0).map(|(x, r)| (x - r).powi(2)).sum();
            let den: f64 = b.0.iter().map(|r| r * r).sum();
            ((num / den).sqrt(), (a.1 - b.1).abs() / b.1)
        };
        for s in 1..=3 {
            let y = points(500, s, 10 + s as u64);
            let exact = brute(&y, s);
            for theta in [0.3, 0.5, 0.8] {
                let (f_ours, z_ours) = rel_err(&ours(&y, s, theta), &exact);
                let (f_ref, z_ref) = rel_err(&reference(&y, s, theta), &exact);
                // Finer cells need not cancel errors as well on every sample: allow 1.5x.
                assert!(
                    f_ours <= f_ref * 1.5,
                    "s={s} theta={theta}: {f_ours} vs {f_ref}"
                );
                assert!(
                    z_ours <= z_ref * 1.5 + 1e-12,
                    "s={s} theta={theta}: {z_ours} vs {z_ref}"
                );
                assert!(f_ours > 0.0 && f_ours < 0.05, "{f_ours}");
            }
        }
    }

    #[test]
    fn duplicate_points_share_a_leaf_without_self_interaction() {
        let mut y = points(100, 2, 7);
        y.copy_within(0..40, 40);
        y[180..200].fill(0.25);
        assert_close(&ours(&y, 2, 0.0), &brute(&y, 2), 1e-12);
        let all_same = vec![1.5; 20];
        let (rep, z) = ours(&all_same, 2, 0.5);
        assert_eq!(z, 10.0 * 9.0);
        assert!(rep.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn gradient_does_not_depend_on_the_thread_count() {
        let y = points(3000, 2, 3);
        let rows: Vec<Vec<(usize, f64)>> = (0..3000)
            .map(|i| vec![((i * 7 + 1) % 3000, 1e-4), ((i * 13 + 5) % 3000, 2e-4)])
            .collect();
        let p = Csr::from_rows(&rows);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut grad = vec![0.0; y.len()];
            let kl =
                pool.install(|| gradient(&p, &y, 2, 0.5, true, &mut Scratch::default(), &mut grad));
            (grad, kl)
        };
        let (g1, kl1) = run(1);
        let (g3, kl3) = run(3);
        assert_eq!(kl1.to_bits(), kl3.to_bits());
        assert!(g1.iter().zip(&g3).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}
