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
//! evicting the oldest first. Iterations cost $O(n)$ plus a kernel row, $O(nd)$, on a cache miss.
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

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use ndarray::ArrayView2;
use rayon::prelude::*;

use super::kernel::{dot, Kernel};

const TAU: f64 = 1e-12;

/// Kernel values between the rows `idx` of `x`, computed on demand and cached.
pub(crate) struct KernelMatrix<'a> {
    x: ArrayView2<'a, f64>,
    idx: Vec<usize>,
    norms: Vec<f64>,
    kernel: Kernel,
    cache: RefCell<Cache>,
}

struct Cache {
    rows: Vec<Option<Rc<[f32]>>>,
    order: VecDeque<usize>,
    capacity: usize,
}

impl<'a> KernelMatrix<'a> {
    /// `x` must be in standard (row-major) layout; `cache_bytes` bounds the cached rows.
    pub fn new(
        x: ArrayView2<'a, f64>,
        idx: Vec<usize>,
        kernel: Kernel,
        cache_bytes: usize,
    ) -> Self {
        let norms = idx
            .iter()
            .map(|&i| {
                let r = x.row(i);
                let s = r.as_slice().expect("row-major features");
                dot(s, s)
            })
            .collect();
        let n = idx.len();
        let capacity = (cache_bytes / (4 * n.max(1))).max(2);
        KernelMatrix {
            x,
            norms,
            kernel,
            cache: RefCell::new(Cache {
                rows: vec![None; n],
                order: VecDeque::new(),
                capacity,
            }),
            idx,
        }
    }

    pub fn len(&self) -> usize {
        self.idx.len()
    }

    fn point(&self, a: usize) -> &[f64] {
        self.x
            .row(self.idx[a])
            .to_slice()
            .expect("row-major features")
    }

    /// $K(a, a)$ in double precision.
    pub fn diag(&self, a: usize) -> f64 {
        let p = self.point(a);
        self.kernel
            .eval_with_norms(p, p, self.norms[a], self.norms[a])
    }

    /// The row $K(a, \cdot)$.
    pub fn row(&self, a: usize) -> Rc<[f32]> {
        if let Some(r) = &self.cache.borrow().rows[a] {
            return r.clone();
        }
        let pa = self.point(a);
        let na = self.norms[a];
        // Borrow only the thread-safe parts (not the cache) for the parallel map.
        let (x, idx, norms, kernel) = (&self.x, &self.idx, &self.norms, self.kernel);
        let compute = |b: usize| {
            let pb = x.row(idx[b]).to_slice().expect("row-major features");
            kernel.eval_with_norms(pa, pb, na, norms[b]) as f32
        };
        let n = self.len();
        let row: Rc<[f32]> = if n >= 4096 {
            (0..n)
                .into_par_iter()
                .map(compute)
                .collect::<Vec<f32>>()
                .into()
        } else {
            (0..n).map(compute).collect::<Vec<f32>>().into()
        };
        let mut cache = self.cache.borrow_mut();
        if cache.order.len() >= cache.capacity {
            if let Some(old) = cache.order.pop_front() {
                cache.rows[old] = None;
            }
        }
        cache.order.push_back(a);
        cache.rows[a] = Some(row.clone());
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
}

impl State<'_, '_> {
    fn row(&self, t: usize) -> Rc<[f32]> {
        self.km.row(self.point[t])
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
                    let row = self.row(i);
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
            self.active_size = self.l;
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
        for (t, row) in [(i, &row_i), (j, &row_j)] {
            let was_upper = self.status[t] == Status::Upper;
            self.set_status(t);
            if was_upper != (self.status[t] == Status::Upper) {
                let sign = if was_upper { -1.0 } else { 1.0 };
                let ct = self.c[t];
                for k in 0..self.l {
                    self.g_bar[k] += sign * ct * self.q(t, row, k);
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
                s.active_size = l;
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
        s.active_size = l;
    }
    let rho = s.rho();
    let mut alpha = vec![0.0; l];
    for t in 0..l {
        alpha[s.active_set[t]] = s.alpha[t];
    }
    Solution { alpha, rho }
}
