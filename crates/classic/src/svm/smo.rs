//! Sequential minimal optimization for the SVM dual, following libsvm's `Solver`.
//!
//! Solves $\min_\alpha \frac12\alpha^\top Q\alpha + p^\top\alpha$ subject to $y^\top\alpha = 0$ and
//! $0\le\alpha_i\le C_i$, $Q_{ij} = y_iy_jK_{ij}$, $y_i=\pm1$. Each iteration picks the pair
//! $(i, j)$ by second-order working-set selection: $i$ maximizes $-y_i\nabla_i$ over the
//! indices that may increase, $j$ minimizes the objective decrease estimate
//! $-b_{ij}^2/a_{ij}$ with $b_{ij} = -y_i\nabla_i + y_j\nabla_j > 0$ and
//! $a_{ij} = K_{ii}+K_{jj}-2K_{ij}$; the two-variable subproblem is solved in closed form and
//! clipped to the box. It stops when the maximal violation $m(\alpha) - M(\alpha) < \epsilon$.
//! *Shrinking* drops bounded variables unlikely to move (re-checking with the full gradient at
//! the end) and a kernel *cache* keeps recently used rows of $K$ (single precision, as libsvm),
//! evicting the least recently used first; a row is computed only over the active variables
//! (completed later if the active set grows). Iterations cost $O(n_{active})$ plus, on a cache
//! miss, a kernel row over the active set, $O(n_{active} d)$: dot products then the kernel over
//! the whole row (the RBF exponentials by a vectorized $e^x$), compiled for AVX-512 or AVX2 when
//! the processor has them and split into fixed chunks across threads; the solver runs on a thread
//! of the pool so that these splits are cheap. Values never depend on the thread count or the
//! instruction set.
//!
//! Ties are broken as libsvm breaks them and the variable order evolves through the same swaps,
//! so the iterates follow libsvm's and the support vectors coincide with scikit-learn's.
//!
//! Reference: R.-E. Fan, P.-H. Chen, C.-J. Lin, *Working set selection using second order
//! information for training SVM*, JMLR 6 (2005); C.-C. Chang, C.-J. Lin, *LIBSVM*, ACM TIST 2011.
//!
//! ```
//! # // Exercised through breadth_classic::svm::svc; see its tests.
//! ```

use std::sync::{Arc, Mutex};

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::kernel::{dot, Kernel};

const TAU: f64 = 1e-12;

/// Kernel values between the rows `idx` of `x`, computed on demand and cached.
///
/// As libsvm's `Cache`, a row is computed only over the points the solver still has active
/// (entries of shrunk points stay unknown, NaN, until a full row is asked for) and rows are
/// evicted least recently used first.
pub(crate) struct KernelMatrix<'a> {
    points: Points<'a>,
    cache: Mutex<Cache>,
}

/// The thread-safe part of a [`KernelMatrix`]: the points and their squared norms.
struct Points<'a> {
    /// The features, row-major, `d` per row.
    x: &'a [f64],
    d: usize,
    idx: Vec<usize>,
    norms: Vec<f64>,
    kernel: Kernel,
}

impl Points<'_> {
    #[inline(always)]
    fn point(&self, a: usize) -> &[f64] {
        let start = self.idx[a] * self.d;
        &self.x[start..start + self.d]
    }

    /// $K(a, b)$ for the points `bs`, in parallel over fixed chunks (so the values do not depend
    /// on the number of threads, each being computed alone).
    fn kernel_values(&self, a: usize, bs: &[usize]) -> Vec<f64> {
        const CHUNK: usize = 1024;
        let mut out = vec![0.0; bs.len()];
        if bs.len() >= 2 * CHUNK {
            out.par_chunks_mut(CHUNK)
                .zip(bs.par_chunks(CHUNK))
                .for_each(|(o, b)| self.fill_widest(a, b, o));
        } else {
            self.fill_widest(a, bs, &mut out);
        }
        out
    }

    /// [`Self::fill`] compiled for the widest vector instructions the processor has (AVX-512 or
    /// AVX2, detected at run time). Without fused multiply-add every variant performs the same
    /// IEEE operations, so the values are identical.
    fn fill_widest(&self, a: usize, bs: &[usize], out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the processor supports the instructions the function was compiled for.
                return unsafe { self.fill_avx512(a, bs, out) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: as above.
                return unsafe { self.fill_avx2(a, bs, out) };
            }
        }
        self.fill(a, bs, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn fill_avx512(&self, a: usize, bs: &[usize], out: &mut [f64]) {
        self.fill(a, bs, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn fill_avx2(&self, a: usize, bs: &[usize], out: &mut [f64]) {
        self.fill(a, bs, out)
    }

    /// `out[t]` = $K(a, b_t)$: the dot products, then the kernel over the whole slice.
    #[inline(always)]
    fn fill(&self, a: usize, bs: &[usize], out: &mut [f64]) {
        let pa = self.point(a);
        for (o, &b) in out.iter_mut().zip(bs) {
            *o = dot(pa, self.point(b));
        }
        self.kernel
            .apply_to_dots(self.norms[a], &self.norms, bs, out);
    }
}

/// `Cache::valid` of a row with every entry computed.
const COMPLETE: u64 = u64::MAX;

/// Cached rows with a doubly linked LRU list over row indices; index `n` is the list's head.
struct Cache {
    rows: Vec<Option<Arc<[f32]>>>,
    /// The active-set epoch a row is filled for, or [`COMPLETE`].
    valid: Vec<u64>,
    prev: Vec<usize>,
    next: Vec<usize>,
    len: usize,
    capacity: usize,
}

impl Cache {
    fn new(n: usize, capacity: usize) -> Self {
        Cache {
            rows: vec![None; n],
            valid: vec![0; n],
            prev: vec![n; n + 1],
            next: vec![n; n + 1],
            len: 0,
            capacity,
        }
    }

    fn unlink(&mut self, a: usize) {
        let (p, q) = (self.prev[a], self.next[a]);
        self.next[p] = q;
        self.prev[q] = p;
    }

    /// Make `a` the most recently used row (it must be cached or just inserted).
    fn push_back(&mut self, a: usize) {
        let head = self.rows.len();
        let last = self.prev[head];
        self.next[last] = a;
        self.prev[a] = last;
        self.next[a] = head;
        self.prev[head] = a;
    }

    fn evict_oldest(&mut self) {
        let head = self.rows.len();
        let old = self.next[head];
        if old != head {
            self.unlink(old);
            self.rows[old] = None;
            self.len -= 1;
        }
    }
}

impl<'a> KernelMatrix<'a> {
    /// `x` must be in standard (row-major) layout; `cache_bytes` bounds the cached rows.
    pub fn new(
        x: ArrayView2<'a, f64>,
        idx: Vec<usize>,
        kernel: Kernel,
        cache_bytes: usize,
    ) -> Self {
        let n = idx.len();
        let mut points = Points {
            x: x.to_slice().expect("row-major features"),
            d: x.ncols(),
            idx,
            norms: Vec::new(),
            kernel,
        };
        points.norms = (0..n)
            .map(|a| {
                let p = points.point(a);
                dot(p, p)
            })
            .collect();
        let capacity = (cache_bytes / (4 * n.max(1))).max(2);
        KernelMatrix {
            points,
            cache: Mutex::new(Cache::new(n, capacity)),
        }
    }

    pub fn len(&self) -> usize {
        self.points.idx.len()
    }

    /// $K(a, a)$ in double precision.
    pub fn diag(&self, a: usize) -> f64 {
        let (p, nn) = (&self.points, self.points.norms[a]);
        p.kernel.eval_with_norms(p.point(a), p.point(a), nn, nn)
    }

    /// The row $K(a, \cdot)$: whole with `None`, else valid at least at the points `active` of
    /// `Some((active, epoch))`. The epoch names the active set: a row filled for the current
    /// epoch is reused as is, while a larger set (a new epoch) fills in only unknown entries.
    pub fn row(&self, a: usize, active: Option<(&[usize], u64)>) -> Arc<[f32]> {
        let n = self.len();
        let (full, epoch) = (active.is_none(), active.map_or(COMPLETE, |(_, e)| e));
        // One solver uses the cache at a time: the lock is never contended (and never poisoned
        // but by a panic, after which the rows are still consistent).
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let cached = cache.rows[a].take();
        if let Some(r) = &cached {
            cache.unlink(a);
            let v = cache.valid[a];
            if v == COMPLETE || (!full && v == epoch) {
                cache.rows[a] = cached.clone();
                cache.push_back(a);
                return r.clone();
            }
        } else {
            if cache.len >= cache.capacity {
                cache.evict_oldest();
            }
            cache.len += 1;
        }
        let mut row = cached.unwrap_or_else(|| vec![f32::NAN; n].into());
        let missing: Vec<usize> = match active {
            Some((points, _)) => points
                .iter()
                .copied()
                .filter(|&b| row[b].is_nan())
                .collect(),
            None => (0..n).filter(|&b| row[b].is_nan()).collect(),
        };
        let values = self.points.kernel_values(a, &missing);
        let slots = Arc::make_mut(&mut row);
        for (&b, v) in missing.iter().zip(values) {
            slots[b] = v as f32;
        }
        cache.valid[a] = if full { COMPLETE } else { epoch };
        cache.rows[a] = Some(row.clone());
        cache.push_back(a);
        row
    }
}

/// A dual problem: variable $t$ uses kernel point `point[t]`.
pub(crate) struct Problem {
    pub point: Vec<usize>,
    pub y: Vec<f64>,
    pub p: Vec<f64>,
    pub c: Vec<f64>,
}

/// The solver's output, in the problem's variable order.
#[derive(Debug, Clone)]
pub(crate) struct Solution {
    pub alpha: Vec<f64>,
    pub rho: f64,
    /// Iterations (pairs updated), as libsvm counts them.
    pub n_iter: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Lower,
    Upper,
    Free,
}

struct State<'k, 'a> {
    km: &'k KernelMatrix<'a>,
    point: Vec<usize>,
    y: Vec<f64>,
    p: Vec<f64>,
    c: Vec<f64>,
    alpha: Vec<f64>,
    status: Vec<Status>,
    g: Vec<f64>,
    g_bar: Vec<f64>,
    qd: Vec<f64>,
    active_set: Vec<usize>,
    active_size: usize,
    l: usize,
    unshrink: bool,
    eps: f64,
    epoch: u64,
}

impl State<'_, '_> {
    /// Variable `t`'s kernel row, valid at the active variables.
    fn row(&self, t: usize) -> Arc<[f32]> {
        let active = &self.point[..self.active_size];
        self.km.row(self.point[t], Some((active, self.epoch)))
    }

    /// Variable `t`'s kernel row, valid at every variable.
    fn full_row(&self, t: usize) -> Arc<[f32]> {
        self.km.row(self.point[t], None)
    }

    /// Reactivate every variable (a new active-set epoch for the kernel cache).
    fn unshrink_all(&mut self) {
        self.active_size = self.l;
        self.epoch += 1;
    }

    /// $Q_{tu}$ from $t$'s kernel row.
    #[inline]
    fn q(&self, t: usize, row: &[f32], u: usize) -> f64 {
        self.y[t] * self.y[u] * row[self.point[u]] as f64
    }

    fn set_status(&mut self, t: usize) {
        self.status[t] = if self.alpha[t] >= self.c[t] {
            Status::Upper
        } else if self.alpha[t] <= 0.0 {
            Status::Lower
        } else {
            Status::Free
        };
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.point.swap(a, b);
        self.y.swap(a, b);
        self.p.swap(a, b);
        self.c.swap(a, b);
        self.alpha.swap(a, b);
        self.status.swap(a, b);
        self.g.swap(a, b);
        self.g_bar.swap(a, b);
        self.qd.swap(a, b);
        self.active_set.swap(a, b);
    }

    fn reconstruct_gradient(&mut self) {
        let (act, l) = (self.active_size, self.l);
        if act == l {
            return;
        }
        for j in act..l {
            self.g[j] = self.g_bar[j] + self.p[j];
        }
        let nr_free = (0..act).filter(|&j| self.status[j] == Status::Free).count();
        if nr_free * l > 2 * act * (l - act) {
            for i in act..l {
                let row = self.row(i);
                let mut add = 0.0;
                for j in 0..act {
                    if self.status[j] == Status::Free {
                        add += self.alpha[j] * self.q(i, &row, j);
                    }
                }
                self.g[i] += add;
            }
        } else {
            for i in 0..act {
                if self.status[i] == Status::Free {
                    let row = self.full_row(i);
                    let a = self.alpha[i];
                    for j in act..l {
                        self.g[j] += a * self.q(i, &row, j);
                    }
                }
            }
        }
    }

    /// Second-order working-set selection; `None` when optimal within `eps`.
    fn select(&self) -> Option<(usize, usize)> {
        let act = self.active_size;
        let (mut gmax, mut gmax2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        let mut gmax_idx = None;
        for t in 0..act {
            if self.y[t] > 0.0 {
                if self.status[t] != Status::Upper && -self.g[t] >= gmax {
                    gmax = -self.g[t];
                    gmax_idx = Some(t);
                }
            } else if self.status[t] != Status::Lower && self.g[t] >= gmax {
                gmax = self.g[t];
                gmax_idx = Some(t);
            }
        }
        let row_i = gmax_idx.map(|i| self.row(i));
        let mut gmin_idx = None;
        let mut obj_diff_min = f64::INFINITY;
        for j in 0..act {
            let (grad_diff, sign) = if self.y[j] > 0.0 {
                if self.status[j] == Status::Lower {
                    continue;
                }
                gmax2 = gmax2.max(self.g[j]);
                (gmax + self.g[j], -1.0)
            } else {
                if self.status[j] == Status::Upper {
                    continue;
                }
                gmax2 = gmax2.max(-self.g[j]);
                (gmax - self.g[j], 1.0)
            };
            if grad_diff > 0.0 {
                let (i, row) = (
                    gmax_idx.expect("set when grad_diff > 0"),
                    row_i.as_ref().expect("row"),
                );
                // y_i Q_ij = y_j K_ij
                let quad = self.qd[i] + self.qd[j] + sign * 2.0 * self.y[i] * self.q(i, row, j);
                let obj_diff = -(grad_diff * grad_diff) / if quad > 0.0 { quad } else { TAU };
                if obj_diff <= obj_diff_min {
                    gmin_idx = Some(j);
                    obj_diff_min = obj_diff;
                }
            }
        }
        if gmax + gmax2 < self.eps {
            return None;
        }
        Some((gmax_idx?, gmin_idx?))
    }

    fn be_shrunk(&self, t: usize, gmax1: f64, gmax2: f64) -> bool {
        match self.status[t] {
            Status::Upper => {
                if self.y[t] > 0.0 {
                    -self.g[t] > gmax1
                } else {
                    -self.g[t] > gmax2
                }
            }
            Status::Lower => {
                if self.y[t] > 0.0 {
                    self.g[t] > gmax2
                } else {
                    self.g[t] > gmax1
                }
            }
            Status::Free => false,
        }
    }

    fn shrink(&mut self) {
        let (mut gmax1, mut gmax2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for t in 0..self.active_size {
            let (up, low) = (
                self.status[t] != Status::Upper,
                self.status[t] != Status::Lower,
            );
            if self.y[t] > 0.0 {
                if up {
                    gmax1 = gmax1.max(-self.g[t]);
                }
                if low {
                    gmax2 = gmax2.max(self.g[t]);
                }
            } else {
                if up {
                    gmax2 = gmax2.max(-self.g[t]);
                }
                if low {
                    gmax1 = gmax1.max(self.g[t]);
                }
            }
        }
        if !self.unshrink && gmax1 + gmax2 <= self.eps * 10.0 {
            self.unshrink = true;
            self.reconstruct_gradient();
            self.unshrink_all();
        }
        let mut i = 0;
        while i < self.active_size {
            if self.be_shrunk(i, gmax1, gmax2) {
                self.active_size -= 1;
                while self.active_size > i {
                    if !self.be_shrunk(self.active_size, gmax1, gmax2) {
                        self.swap(i, self.active_size);
                        break;
                    }
                    self.active_size -= 1;
                }
            }
            i += 1;
        }
    }

    fn rho(&self) -> f64 {
        let (mut ub, mut lb, mut sum_free, mut nr_free) =
            (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
        for t in 0..self.active_size {
            let yg = self.y[t] * self.g[t];
            match self.status[t] {
                Status::Upper => {
                    if self.y[t] < 0.0 {
                        ub = ub.min(yg)
                    } else {
                        lb = lb.max(yg)
                    }
                }
                Status::Lower => {
                    if self.y[t] > 0.0 {
                        ub = ub.min(yg)
                    } else {
                        lb = lb.max(yg)
                    }
                }
                Status::Free => {
                    nr_free += 1;
                    sum_free += yg;
                }
            }
        }
        if nr_free > 0 {
            sum_free / nr_free as f64
        } else {
            (ub + lb) / 2.0
        }
    }

    fn step(&mut self, i: usize, j: usize) {
        let (row_i, row_j) = (self.row(i), self.row(j));
        let (ci, cj) = (self.c[i], self.c[j]);
        let (old_i, old_j) = (self.alpha[i], self.alpha[j]);
        let qij = self.q(i, &row_i, j);
        let (mut ai, mut aj) = (old_i, old_j);
        if self.y[i] != self.y[j] {
            let mut quad = self.qd[i] + self.qd[j] + 2.0 * qij;
            if quad <= 0.0 {
                quad = TAU;
            }
            let delta = (-self.g[i] - self.g[j]) / quad;
            let diff = ai - aj;
            ai += delta;
            aj += delta;
            if diff > 0.0 {
                if aj < 0.0 {
                    aj = 0.0;
                    ai = diff;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = -diff;
            }
            if diff > ci - cj {
                if ai > ci {
                    ai = ci;
                    aj = ci - diff;
                }
            } else if aj > cj {
                aj = cj;
                ai = cj + diff;
            }
        } else {
            let mut quad = self.qd[i] + self.qd[j] - 2.0 * qij;
            if quad <= 0.0 {
                quad = TAU;
            }
            let delta = (self.g[i] - self.g[j]) / quad;
            let sum = ai + aj;
            ai -= delta;
            aj += delta;
            if sum > ci {
                if ai > ci {
                    ai = ci;
                    aj = sum - ci;
                }
            } else if aj < 0.0 {
                aj = 0.0;
                ai = sum;
            }
            if sum > cj {
                if aj > cj {
                    aj = cj;
                    ai = sum - cj;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = sum;
            }
        }
        self.alpha[i] = ai;
        self.alpha[j] = aj;
        let (dai, daj) = (ai - old_i, aj - old_j);
        for k in 0..self.active_size {
            self.g[k] += self.q(i, &row_i, k) * dai + self.q(j, &row_j, k) * daj;
        }
        drop((row_i, row_j));
        for t in [i, j] {
            let was_upper = self.status[t] == Status::Upper;
            self.set_status(t);
            if was_upper != (self.status[t] == Status::Upper) {
                let sign = if was_upper { -1.0 } else { 1.0 };
                let ct = self.c[t];
                let row = self.full_row(t);
                for k in 0..self.l {
                    self.g_bar[k] += sign * ct * self.q(t, &row, k);
                }
            }
        }
    }
}

/// Solve the dual from $\alpha = 0$ to tolerance `eps`.
pub(crate) fn solve(
    km: &KernelMatrix<'_>,
    prob: Problem,
    eps: f64,
    shrinking: bool,
    max_iter: Option<usize>,
) -> Solution {
    // Run on a thread of the pool: each kernel row's parallel loop then starts with a cheap
    // fork, where from outside the pool every row would be a cross-thread hand-off and wait.
    rayon::scope(|_| solve_in_pool(km, prob, eps, shrinking, max_iter))
}

fn solve_in_pool(
    km: &KernelMatrix<'_>,
    prob: Problem,
    eps: f64,
    shrinking: bool,
    max_iter: Option<usize>,
) -> Solution {
    let l = prob.y.len();
    let qd = prob.point.iter().map(|&a| km.diag(a)).collect();
    let mut s = State {
        km,
        point: prob.point,
        y: prob.y,
        g: prob.p.clone(),
        p: prob.p,
        c: prob.c,
        alpha: vec![0.0; l],
        status: vec![Status::Lower; l],
        g_bar: vec![0.0; l],
        qd,
        active_set: (0..l).collect(),
        active_size: l,
        l,
        unshrink: false,
        eps,
        epoch: 0,
    };
    for t in 0..l {
        s.set_status(t);
    }
    let max_iter = max_iter.unwrap_or_else(|| 10_000_000usize.max(100 * l));
    let mut counter = l.min(1000) + 1;
    let mut iter = 0;
    while iter < max_iter {
        counter -= 1;
        if counter == 0 {
            counter = l.min(1000);
            if shrinking {
                s.shrink();
            }
        }
        let (i, j) = match s.select() {
            Some(pair) => pair,
            None => {
                s.reconstruct_gradient();
                s.unshrink_all();
                match s.select() {
                    Some(pair) => {
                        counter = 1;
                        pair
                    }
                    None => break,
                }
            }
        };
        iter += 1;
        s.step(i, j);
    }
    if s.active_size < l {
        s.reconstruct_gradient();
        s.unshrink_all();
    }
    let rho = s.rho();
    let mut alpha = vec![0.0; l];
    for t in 0..l {
        alpha[s.active_set[t]] = s.alpha[t];
    }
    Solution {
        alpha,
        rho,
        n_iter: iter,
    }
}
