//! Lasso and elastic net by coordinate descent with the duality-gap stopping rule, and their
//! warm-started regularization paths ([`lasso_path`], [`enet_path`]).
//!
//! Minimizes, as scikit-learn,
//! $$\frac{1}{2n}\lVert y - Xw\rVert^2 + \alpha\rho\lVert w\rVert_1 + \frac{\alpha(1-\rho)}{2}\lVert w\rVert_2^2$$
//! ($\rho$ = `l1_ratio`; the lasso is $\rho = 1$). Scaled by $n$, with $\lambda_1 = \alpha\rho n$
//! and $\lambda_2 = \alpha(1-\rho)n$, one coordinate update is the closed form
//! $$w_j \leftarrow \frac{S(x_j^\top r + \lVert x_j\rVert^2 w_j,\ \lambda_1)}{\lVert x_j\rVert^2 + \lambda_2},
//! \qquad S(z, t) = \operatorname{sign}(z)\max(\lvert z\rvert - t, 0),$$
//! visiting coordinates cyclically or in random order. After a sweep whose largest change is at
//! most `tol` times the largest weight, the duality gap $G$ (Friedman et al. / scikit-learn's
//! `enet_coordinate_descent`) is computed and the run stops once $G \le$ `tol` $\lVert y\rVert^2$.
//!
//! Two kernels: the *naive* one keeps the residual $r$ ($O(n)$ per update) and the *Gram* one keeps
//! $Gw$ with $G = X^\top X$ precomputed by GEMM ($O(d)$ per update, $O(nd^2)$ once). The
//! estimators use the residual kernel unless `precompute` is set, as scikit-learn's
//! `precompute=False`: converging in $k$ sweeps costs $O(knd)$, below the Gram's $O(nd^2)$
//! whenever $k < d$; the regularization paths, many fits on one design, use the Gram when
//! $n > d$. Sample weights are rescaled to sum to $n$ and folded into the centered data.
//! From 16,384 rows the residual kernel cuts every column and $r$ into two fixed halves of rows
//! that two threads update in lockstep (one spin barrier per coordinate), so a sweep, which is
//! bound by memory bandwidth, runs on both cores with the same bits as on one.
//!
//! Reference: J. Friedman, T. Hastie, R. Tibshirani, *Regularization Paths for Generalized Linear
//! Models via Coordinate Descent*, J. Stat. Softw. 33(1), 2010.
//!
//! ```
//! use breadth_classic::linear::coordinate_descent::ElasticNetParams;
//! use breadth_core::{Dataset, Fit, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
//!     .with_target(Target::Continuous(array![2.0, -2.0, 0.1, -0.1])).unwrap();
//! // A strong L1 penalty zeroes the weak feature and shrinks the strong one.
//! let m = ElasticNetParams::lasso().alpha(0.2).fit(&ds).unwrap();
//! assert_eq!(m.coef()[1], 0.0);
//! assert!((m.coef()[0] - 1.6).abs() < 1e-6);
//! ```

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{
    check_finite, check_fit_input, check_predict_input, in_range, non_negative, positive,
};
use breadth_core::{seeded_rng, Dataset, Error, Fit, Regressor, Result};
use ndarray::parallel::prelude::*;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, CowArray, Ix2};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::{center, center_columns, parse_bool, regression_targets, single_output, LinearCoef};

/// Order in which coordinates are visited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Selection {
    /// $1, 2, \dots, d$ every sweep.
    Cyclic,
    /// A uniformly random coordinate at each step (seeded).
    Random,
}

impl FromStr for Selection {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "cyclic" => Ok(Self::Cyclic),
            "random" => Ok(Self::Random),
            _ => Err("expected cyclic or random".into()),
        }
    }
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cyclic => "cyclic",
            Self::Random => "random",
        })
    }
}

/// Settings of one coordinate-descent run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CdSettings {
    pub max_iter: usize,
    pub tol: f64,
    pub selection: Selection,
    pub seed: u64,
}

/// Outcome of one coordinate-descent run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CdOutcome {
    pub n_iter: usize,
    pub gap: f64,
    pub converged: bool,
}

/// Data for coordinate descent: the columns of $X$ (rows of `xt`, contiguous) or the Gram form.
pub(crate) enum Design<'a> {
    Naive {
        xt: CowArray<'a, f64, Ix2>,
        y: Array1<f64>,
    },
    Gram {
        g: Array2<f64>,
        q: Array1<f64>,
        yy: f64,
    },
}

impl<'a> Design<'a> {
    /// The Gram kernel (`gram`: $O(nd^2)$ once, $O(d)$ per update) or the residual one
    /// ($O(n)$ per update; borrows the columns when `x` is column-major).
    pub fn new(x: ArrayView2<'a, f64>, y: ArrayView1<'_, f64>, gram: bool) -> Self {
        if gram {
            Design::Gram {
                g: super::gram(x),
                q: x.t().dot(&y),
                yy: y.dot(&y),
            }
        } else {
            Design::Naive {
                xt: if x.t().is_standard_layout() {
                    CowArray::from(x.reversed_axes())
                } else {
                    CowArray::from(x.t().as_standard_layout().into_owned())
                },
                y: y.to_owned(),
            }
        }
    }

    fn yy(&self) -> f64 {
        match self {
            Design::Naive { y, .. } => y.dot(y),
            Design::Gram { yy, .. } => *yy,
        }
    }
}

/// The elastic-net duality gap from $X^\top r$, $r^\top r$ and $r^\top y$.
fn dual_gap(xtr: &Array1<f64>, r_norm2: f64, r_y: f64, w: &Array1<f64>, l1: f64, l2: f64) -> f64 {
    let dual_norm = xtr
        .iter()
        .zip(w)
        .fold(0.0f64, |m, (g, w)| m.max((g - l2 * w).abs()));
    let (c, mut gap) = if dual_norm > l1 {
        let c = l1 / dual_norm;
        (c, 0.5 * r_norm2 * (1.0 + c * c))
    } else {
        (1.0, r_norm2)
    };
    let l1_norm: f64 = w.iter().map(|v| v.abs()).sum();
    gap += l1 * l1_norm - c * r_y + 0.5 * l2 * (1.0 + c * c) * w.dot(w);
    gap
}

/// $x_j^\top v$ (or $\lVert x_j\rVert^2$ without `v`) for every column $x_j$ (row of `xt`), in
/// parallel over columns; each dot product is summed in one fixed order.
fn column_dots(xt: ArrayView2<'_, f64>, v: Option<&Array1<f64>>) -> Array1<f64> {
    let dots: Vec<f64> = xt
        .axis_iter(Axis(0))
        .into_par_iter()
        .map(|c| v.map_or_else(|| c.dot(&c), |v| c.dot(v)))
        .collect();
    Array1::from(dots)
}

/// Rows from which the residual kernel splits every column and the residual into two fixed
/// halves (see [`sweep_split`]); below it one update is too short to share.
const SPLIT_ROWS: usize = 16_384;

/// A barrier for two threads that spins (then yields) instead of sleeping: the sweep meets it
/// once per coordinate, every few microseconds, far below the cost of a futex wake-up.
struct SpinBarrier {
    arrived: AtomicUsize,
    generation: AtomicUsize,
}

impl SpinBarrier {
    fn new() -> Self {
        SpinBarrier {
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
        }
    }

    fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) == 1 {
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
            return;
        }
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            if spins < 1 << 14 {
                std::hint::spin_loop();
                spins += 1;
            } else {
                // The partner is not running (an oversubscribed machine): give it the core.
                std::thread::yield_now();
            }
        }
    }
}

/// One residual-kernel sweep over `order` with every column and the residual cut into two
/// fixed halves of rows: $x_j^\top r$ is the sum of the two halves' dot products (in that
/// order), and each half of $r$ takes its part of the update. With two threads each owns a half
/// and they meet once per coordinate: a thread adds the previous coordinate's change to its half
/// of $r$, takes its half of the next dot product, publishes it and waits; both then compute the
/// same new weight from the same two numbers. With one thread (`RAYON_NUM_THREADS=1`) the same
/// operations run in turn, so the weights are bit-identical for any thread count. Returns the
/// largest $|w_j|$ and $|\Delta w_j|$ of the sweep.
fn sweep_split(
    xt: ArrayView2<'_, f64>,
    r: &mut Array1<f64>,
    w: &mut Array1<f64>,
    norms: &Array1<f64>,
    order: &[usize],
    l1: f64,
    l2: f64,
) -> (f64, f64) {
    let mid = xt.ncols() / 2;
    let (xt0, xt1) = xt.split_at(Axis(1), mid);
    let (r0, r1) = r.view_mut().split_at(Axis(0), mid);
    let update = |w_old: f64, j: usize, dot: f64| {
        let z = dot + norms[j] * w_old;
        soft(z, l1) / (norms[j] + l2)
    };
    let (mut w_max, mut dw_max) = (0.0f64, 0.0f64);
    if rayon::current_num_threads() < 2 {
        let (mut r0, mut r1) = (r0, r1);
        for &j in order {
            if norms[j] == 0.0 {
                continue;
            }
            let old = w[j];
            let new = update(old, j, xt0.row(j).dot(&r0) + xt1.row(j).dot(&r1));
            if new != old {
                r0.scaled_add(old - new, &xt0.row(j));
                r1.scaled_add(old - new, &xt1.row(j));
            }
            w[j] = new;
            dw_max = dw_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        return (w_max, dw_max);
    }
    // partial[k % 2][half] for the k-th coordinate updated (zero columns are skipped by both): a
    // thread may publish coordinate k + 1 while its partner still reads coordinate k, never
    // further ahead (it waits at the barrier).
    let partial = [[(); 2]; 2].map(|p| p.map(|_| AtomicU64::new(0)));
    let barrier = SpinBarrier::new();
    // Both halves run this loop; the weights each computes are the same numbers.
    let half_sweep = |xh: ArrayView2<'_, f64>,
                      mut rh: ndarray::ArrayViewMut1<'_, f64>,
                      half: usize,
                      w: &mut [f64]| {
        let (mut w_max, mut dw_max) = (0.0f64, 0.0f64);
        let mut pending: Option<(usize, f64)> = None;
        let mut visited = 0usize;
        for &j in order {
            if norms[j] == 0.0 {
                continue;
            }
            let k = visited;
            visited += 1;
            if let Some((jp, delta)) = pending.take() {
                rh.scaled_add(delta, &xh.row(jp));
            }
            let slot = &partial[k % 2];
            slot[half].store(xh.row(j).dot(&rh).to_bits(), Ordering::Release);
            barrier.wait();
            let dot = f64::from_bits(slot[0].load(Ordering::Acquire))
                + f64::from_bits(slot[1].load(Ordering::Acquire));
            let old = w[j];
            let new = update(old, j, dot);
            if new != old {
                pending = Some((j, old - new));
            }
            w[j] = new;
            dw_max = dw_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        if let Some((jp, delta)) = pending {
            rh.scaled_add(delta, &xh.row(jp));
        }
        (w_max, dw_max)
    };
    let mut w_copy = w.to_vec();
    let w_main = w.as_slice_mut().expect("weights are contiguous");
    std::thread::scope(|scope| {
        let partner = scope.spawn(|| half_sweep(xt1, r1, 1, &mut w_copy));
        (w_max, dw_max) = half_sweep(xt0, r0, 0, w_main);
        partner
            .join()
            .expect("the partner half of the sweep does not panic");
    });
    (w_max, dw_max)
}

fn soft(z: f64, t: f64) -> f64 {
    z.signum() * (z.abs() - t).max(0.0)
}

/// Coordinate descent from the warm start `w` (updated in place).
pub(crate) fn coordinate_descent(
    design: &Design,
    l1: f64,
    l2: f64,
    w: &mut Array1<f64>,
    s: &CdSettings,
) -> CdOutcome {
    let d = w.len();
    let tol = s.tol * design.yy();
    let mut rng = seeded_rng(s.seed);
    // The residual r = y - Xw (naive) or H = Gw (Gram), consistent with the warm start.
    let mut state = match design {
        Design::Naive { xt, y } => {
            // Column by column: a warm start is sparse and a cold one costs nothing.
            let mut r = y.clone();
            for (j, &wj) in w.iter().enumerate().filter(|(_, &wj)| wj != 0.0) {
                r.scaled_add(-wj, &xt.row(j));
            }
            r
        }
        Design::Gram { g, .. } => g.dot(w),
    };
    let norms: Array1<f64> = match design {
        Design::Naive { xt, .. } => column_dots(xt.view(), None),
        Design::Gram { g, .. } => g.diag().to_owned(),
    };
    let mut gap = f64::INFINITY;
    for it in 0..s.max_iter {
        let order: Vec<usize> = match s.selection {
            Selection::Cyclic => (0..d).collect(),
            Selection::Random => (0..d).map(|_| rng.random_range(0..d)).collect(),
        };
        let (w_max, dw_max) = match design {
            Design::Naive { xt, .. } if xt.ncols() >= SPLIT_ROWS => {
                sweep_split(xt.view(), &mut state, w, &norms, &order, l1, l2)
            }
            _ => {
                let (mut w_max, mut dw_max) = (0.0f64, 0.0f64);
                for &j in &order {
                    if norms[j] == 0.0 {
                        continue;
                    }
                    let old = w[j];
                    let new = match design {
                        Design::Naive { xt, .. } => {
                            let col = xt.row(j);
                            let z = col.dot(&state) + norms[j] * old;
                            let new = soft(z, l1) / (norms[j] + l2);
                            if new != old {
                                state.scaled_add(old - new, &col);
                            }
                            new
                        }
                        Design::Gram { g, q, .. } => {
                            let z = q[j] - state[j] + norms[j] * old;
                            let new = soft(z, l1) / (norms[j] + l2);
                            if new != old {
                                state.scaled_add(new - old, &g.row(j));
                            }
                            new
                        }
                    };
                    w[j] = new;
                    dw_max = dw_max.max((new - old).abs());
                    w_max = w_max.max(new.abs());
                }
                (w_max, dw_max)
            }
        };
        if w_max == 0.0 || dw_max / w_max <= s.tol || it + 1 == s.max_iter {
            gap = match design {
                Design::Naive { xt, y } => dual_gap(
                    &column_dots(xt.view(), Some(&state)),
                    state.dot(&state),
                    state.dot(y),
                    w,
                    l1,
                    l2,
                ),
                Design::Gram { q, yy, .. } => {
                    let wq = w.dot(q);
                    let r_norm2 = (yy - 2.0 * wq + w.dot(&state)).max(0.0);
                    dual_gap(&(q - &state), r_norm2, yy - wq, w, l1, l2)
                }
            };
            if gap <= tol {
                return CdOutcome {
                    n_iter: it + 1,
                    gap,
                    converged: true,
                };
            }
        }
    }
    CdOutcome {
        n_iter: s.max_iter,
        gap,
        converged: false,
    }
}

/// Which penalty family a fitted model came from (its registered name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Kind {
    Lasso,
    ElasticNet,
}

/// Hyper-parameters of the elastic net (and, with `l1_ratio = 1`, the lasso).
#[derive(Debug, Clone, PartialEq)]
pub struct ElasticNetParams {
    /// Overall penalty $\alpha \ge 0$.
    pub alpha: f64,
    /// Mix $\rho \in [0, 1]$: 1 is the lasso, 0 ridge.
    pub l1_ratio: f64,
    /// Fit an intercept.
    pub fit_intercept: bool,
    /// Sweep limit.
    pub max_iter: usize,
    /// Tolerance on the duality gap, relative to $\lVert y\rVert^2$.
    pub tol: f64,
    /// Coordinate order.
    pub selection: Selection,
    /// Seed of the random order.
    pub seed: u64,
    /// Precompute the Gram matrix $X^\top X$ (worth it when many sweeps are needed).
    pub precompute: bool,
    is_lasso: bool,
}

impl Default for ElasticNetParams {
    fn default() -> Self {
        ElasticNetParams {
            alpha: 1.0,
            l1_ratio: 0.5,
            fit_intercept: true,
            max_iter: 1000,
            tol: 1e-4,
            selection: Selection::Cyclic,
            seed: 0,
            precompute: false,
            is_lasso: false,
        }
    }
}

/// Hyper-parameters of the lasso: an elastic net with `l1_ratio = 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct LassoParams(pub ElasticNetParams);

impl Default for LassoParams {
    fn default() -> Self {
        LassoParams(ElasticNetParams::lasso())
    }
}

impl ElasticNetParams {
    /// The lasso's defaults (`l1_ratio = 1`).
    pub fn lasso() -> Self {
        ElasticNetParams {
            l1_ratio: 1.0,
            is_lasso: true,
            ..Default::default()
        }
    }
    /// Set $\alpha$.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Set the L1 share.
    pub fn l1_ratio(mut self, r: f64) -> Self {
        self.l1_ratio = r;
        self
    }
    /// Set the tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Set the sweep limit.
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Set the coordinate order.
    pub fn selection(mut self, s: Selection) -> Self {
        self.selection = s;
        self
    }
    /// Set whether to precompute the Gram matrix.
    pub fn precompute(mut self, yes: bool) -> Self {
        self.precompute = yes;
        self
    }

    fn specs(&self, with_ratio: bool) -> Vec<ParamSpec> {
        let mut v = vec![ParamSpec::new("alpha", self.alpha, "penalty strength >= 0")];
        if with_ratio {
            v.push(ParamSpec::new(
                "l1_ratio",
                self.l1_ratio,
                "L1 share of the penalty in [0, 1]",
            ));
        }
        v.extend([
            ParamSpec::new("fit_intercept", self.fit_intercept, "true | false"),
            ParamSpec::new("max_iter", self.max_iter, "coordinate-descent sweeps"),
            ParamSpec::new("tol", self.tol, "duality-gap tolerance relative to ||y||^2"),
            ParamSpec::new("selection", self.selection, "cyclic | random"),
            ParamSpec::new("seed", self.seed, "seed of the random selection"),
            ParamSpec::new("precompute", self.precompute, "use the Gram matrix X^T X"),
        ]);
        v
    }

    fn set(&mut self, name: &str, value: &str, with_ratio: bool) -> Result<bool> {
        match name {
            "alpha" => self.alpha = parse_param(name, value)?,
            "l1_ratio" if with_ratio => self.l1_ratio = parse_param(name, value)?,
            "fit_intercept" => self.fit_intercept = parse_bool(name, value)?,
            "max_iter" => self.max_iter = parse_param(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            "selection" => self.selection = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            "precompute" => self.precompute = parse_bool(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn settings(&self) -> CdSettings {
        CdSettings {
            max_iter: self.max_iter,
            tol: self.tol,
            selection: self.selection,
            seed: self.seed,
        }
    }
}

impl Configurable for ElasticNetParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        self.specs(true)
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        self.set(name, value, true)
    }
}

impl Configurable for LassoParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        self.0.specs(false)
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        self.0.set(name, value, false)
    }
}

/// A fitted lasso or elastic net.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElasticNet {
    lin: LinearCoef,
    kind: Kind,
    n_iter: Vec<usize>,
    dual_gap: Vec<f64>,
}

impl Fit for ElasticNetParams {
    type Fitted = ElasticNet;
    fn fit(&self, data: &Dataset) -> Result<ElasticNet> {
        non_negative("alpha", self.alpha)?;
        in_range("l1_ratio", self.l1_ratio, 0.0, 1.0)?;
        positive("tol", self.tol)?;
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", "must be at least 1"));
        }
        check_fit_input(data)?;
        let name = if self.is_lasso {
            "lasso"
        } else {
            "elastic-net"
        };
        let y = regression_targets(data, name)?;
        let n = data.n_samples() as f64;
        // Weights rescaled to sum to n, as scikit-learn, so alpha keeps its meaning.
        let sw = data.sample_weight().map(|w| &w * (n / w.sum()));
        let centering = if self.precompute {
            center
        } else {
            center_columns
        };
        let prep = centering(
            data.features(),
            y.view(),
            sw.as_ref().map(|w| w.view()),
            self.fit_intercept,
        );
        let (l1, l2) = (
            self.alpha * self.l1_ratio * n,
            self.alpha * (1.0 - self.l1_ratio) * n,
        );
        let d = data.n_features();
        let mut coef = Array2::zeros((y.ncols(), d));
        let (mut n_iter, mut dual_gap) = (Vec::new(), Vec::new());
        for (k, yk) in prep.y.axis_iter(Axis(1)).enumerate() {
            let design = Design::new(prep.x.view(), yk, self.precompute);
            let mut w = Array1::zeros(d);
            let out = coordinate_descent(&design, l1, l2, &mut w, &self.settings());
            coef.row_mut(k).assign(&w);
            n_iter.push(out.n_iter);
            dual_gap.push(out.gap);
        }
        Ok(ElasticNet {
            lin: LinearCoef::from_centered(coef, &prep),
            kind: if self.is_lasso {
                Kind::Lasso
            } else {
                Kind::ElasticNet
            },
            n_iter,
            dual_gap,
        })
    }
}

impl Fit for LassoParams {
    type Fitted = ElasticNet;
    fn fit(&self, data: &Dataset) -> Result<ElasticNet> {
        ElasticNetParams {
            l1_ratio: 1.0,
            is_lasso: true,
            ..self.0.clone()
        }
        .fit(data)
    }
}

impl ElasticNet {
    /// Coefficients of the first (or only) target.
    pub fn coef(&self) -> ArrayView1<'_, f64> {
        self.lin.coef.row(0)
    }
    /// Intercept of the first (or only) target.
    pub fn intercept(&self) -> f64 {
        self.lin.intercept[0]
    }
    /// All coefficients and intercepts.
    pub fn coefficients(&self) -> &LinearCoef {
        &self.lin
    }
    /// Sweeps used, per target.
    pub fn n_iter(&self) -> &[usize] {
        &self.n_iter
    }
    /// Final duality gap (scaled by $n$), per target.
    pub fn dual_gap(&self) -> &[f64] {
        &self.dual_gap
    }
    /// Predictions for every target, `n x m`.
    pub fn predict_multi(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok(self.lin.decision(x))
    }
}

impl Fitted for ElasticNet {
    fn model_name(&self) -> &'static str {
        match self.kind {
            Kind::Lasso => "lasso",
            Kind::ElasticNet => "elastic-net",
        }
    }
    fn n_features_in(&self) -> usize {
        self.lin.coef.ncols()
    }
}

impl Regressor for ElasticNet {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        single_output(self.model_name(), self.predict_multi(x)?)
    }
}

/// Settings of a regularization path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathSettings {
    /// $\alpha_{min} / \alpha_{max}$.
    pub eps: f64,
    /// Number of penalties on the geometric grid.
    pub n_alphas: usize,
    /// Explicit penalties instead of the grid (sorted decreasing before use).
    pub alphas: Option<Vec<f64>>,
    /// Duality-gap tolerance.
    pub tol: f64,
    /// Sweep limit per penalty.
    pub max_iter: usize,
}

impl Default for PathSettings {
    fn default() -> Self {
        PathSettings {
            eps: 1e-3,
            n_alphas: 100,
            alphas: None,
            tol: 1e-4,
            max_iter: 1000,
        }
    }
}

/// A regularization path: `coefs[:, k]` is the solution at `alphas[k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegPath {
    /// Penalties, decreasing.
    pub alphas: Vec<f64>,
    /// Coefficients, `d x n_alphas`.
    pub coefs: Array2<f64>,
    /// Duality gap at each penalty.
    pub dual_gaps: Vec<f64>,
}

/// The elastic-net path on `x`, `y` as given (center them first for an intercept), warm-starting
/// each penalty from the previous one. The grid runs from
/// $\alpha_{max} = \lVert X^\top y\rVert_\infty / (n\rho)$ (the smallest all-zero penalty) down to
/// $\epsilon\,\alpha_{max}$.
pub fn enet_path(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    l1_ratio: f64,
    settings: &PathSettings,
) -> Result<RegPath> {
    check_finite(x, "features")?;
    breadth_core::validate::check_finite_1d(y, "target")?;
    if x.nrows() != y.len() {
        return Err(Error::shape("enet_path target", x.nrows(), y.len()));
    }
    in_range("l1_ratio", l1_ratio, 0.0, 1.0)?;
    positive("tol", settings.tol)?;
    let (n, d) = x.dim();
    let alphas = match &settings.alphas {
        Some(a) => {
            let mut a = a.clone();
            a.sort_by(|p, q| q.total_cmp(p));
            a
        }
        None => {
            if l1_ratio == 0.0 {
                return Err(Error::param(
                    "l1_ratio",
                    "the automatic grid needs l1_ratio > 0",
                ));
            }
            positive("eps", settings.eps)?;
            let amax =
                x.t().dot(&y).iter().fold(0.0f64, |m, v| m.max(v.abs())) / (n as f64 * l1_ratio);
            let k = settings.n_alphas.max(1);
            // numpy.geomspace(amax, amax * eps, k)
            (0..k)
                .map(|i| {
                    let t = if k == 1 {
                        0.0
                    } else {
                        i as f64 / (k - 1) as f64
                    };
                    10f64.powf(amax.log10() + t * settings.eps.log10())
                })
                .collect()
        }
    };
    let design = Design::new(x, y, n > d);
    let s = CdSettings {
        max_iter: settings.max_iter,
        tol: settings.tol,
        selection: Selection::Cyclic,
        seed: 0,
    };
    let mut w = Array1::zeros(d);
    let mut coefs = Array2::zeros((d, alphas.len()));
    let mut gaps = Vec::with_capacity(alphas.len());
    for (k, &a) in alphas.iter().enumerate() {
        let out = coordinate_descent(
            &design,
            a * l1_ratio * n as f64,
            a * (1.0 - l1_ratio) * n as f64,
            &mut w,
            &s,
        );
        coefs.column_mut(k).assign(&w);
        gaps.push(out.gap);
    }
    Ok(RegPath {
        alphas,
        coefs,
        dual_gaps: gaps,
    })
}

/// The lasso path: [`enet_path`] with `l1_ratio = 1`.
pub fn lasso_path(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    settings: &PathSettings,
) -> Result<RegPath> {
    enet_path(x, y, 1.0, settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::test_util::*;
    use breadth_core::conformance::check_regressor;

    // Expected values: reference/linear.py (scikit-learn 1.9.1, tol=1e-12), fixture lasso.json.

    fn tight(p: ElasticNetParams) -> ElasticNetParams {
        p.tol(1e-12).max_iter(200_000)
    }

    #[test]
    fn lasso_and_enet_match_scikit_learn() {
        let f = fixture("lasso");
        let ds = load("diabetes");
        for sel in [Selection::Cyclic, Selection::Random] {
            let m = tight(ElasticNetParams::lasso().alpha(1.0).selection(sel))
                .fit(&ds)
                .unwrap();
            assert_close(
                m.coef().as_slice().unwrap(),
                vec1(&f["diabetes"]["coef"]).as_slice().unwrap(),
                1e-7,
                "lasso",
            );
            assert_close(
                &[m.intercept()],
                &[f["diabetes"]["intercept"].as_f64().unwrap()],
                1e-7,
                "lasso b",
            );
        }
        let w = Array1::from_shape_fn(ds.n_samples(), |i| 1.0 + (i % 3) as f64);
        let m = tight(ElasticNetParams::lasso().alpha(0.5))
            .fit(&ds.clone().with_sample_weight(w).unwrap())
            .unwrap();
        assert_close(
            m.coef().as_slice().unwrap(),
            vec1(&f["diabetes_weighted"]["coef"]).as_slice().unwrap(),
            1e-7,
            "weighted",
        );
        let m = tight(ElasticNetParams::default().alpha(0.5).l1_ratio(0.3))
            .fit(&ds)
            .unwrap();
        assert_close(
            m.coef().as_slice().unwrap(),
            vec1(&f["enet_diabetes"]["coef"]).as_slice().unwrap(),
            1e-7,
            "enet",
        );
        assert_close(
            &[m.intercept()],
            &[f["enet_diabetes"]["intercept"].as_f64().unwrap()],
            1e-7,
            "enet b",
        );
        let o = fixture("ols");
        let wide = regression(mat(&o["wide"]["x"]), vec1(&o["wide"]["y"]));
        let m = tight(ElasticNetParams::lasso().alpha(0.1))
            .fit(&wide)
            .unwrap();
        assert_close(
            m.coef().as_slice().unwrap(),
            vec1(&f["wide"]["coef"]).as_slice().unwrap(),
            1e-7,
            "wide",
        );
    }

    #[test]
    fn paths_match_scikit_learn() {
        let f = fixture("lasso");
        let o = fixture("ols");
        let x = mat(&o["collinear"]["x"]);
        let y = vec1(&o["collinear"]["y"]);
        let xc = &x - &x.mean_axis(Axis(0)).unwrap();
        let yc = &y - y.mean().unwrap();
        let s = PathSettings {
            eps: 1e-2,
            n_alphas: 8,
            tol: 1e-12,
            max_iter: 200_000,
            ..Default::default()
        };
        for (key, ratio) in [("lasso_path", 1.0), ("enet_path", 0.7)] {
            let p = enet_path(xc.view(), yc.view(), ratio, &s).unwrap();
            assert_close(
                &p.alphas,
                vec1(&f[key]["alphas"]).as_slice().unwrap(),
                1e-12,
                key,
            );
            let expected = mat(&f[key]["coefs"]);
            assert_close(
                p.coefs.as_slice().unwrap(),
                expected.as_slice().unwrap(),
                1e-6,
                key,
            );
        }
    }

    #[test]
    fn gram_and_naive_kernels_agree() {
        let ds = load("diabetes");
        let y = ds
            .continuous_target("t")
            .unwrap()
            .to_owned()
            .insert_axis(Axis(1));
        let prep = center(ds.features(), y.view(), None, true);
        let s = CdSettings {
            max_iter: 100_000,
            tol: 1e-13,
            selection: Selection::Cyclic,
            seed: 0,
        };
        let n = 442.0;
        let mut a = Array1::zeros(10);
        let mut b = Array1::zeros(10);
        let oa = coordinate_descent(
            &Design::new(prep.x.view(), prep.y.column(0), false),
            0.3 * n,
            0.2 * n,
            &mut a,
            &s,
        );
        let ob = coordinate_descent(
            &Design::new(prep.x.view(), prep.y.column(0), true),
            0.3 * n,
            0.2 * n,
            &mut b,
            &s,
        );
        assert!(oa.converged && ob.converged);
        let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            a.iter().zip(&b).all(|(p, q)| (p - q).abs() < 1e-8 * scale),
            "{a} vs {b}"
        );
    }

    #[test]
    fn huge_alpha_gives_zero_coefficients_and_bad_ratio_is_refused() {
        let ds = load("diabetes");
        let m = ElasticNetParams::lasso().alpha(1e6).fit(&ds).unwrap();
        assert!(m.coef().iter().all(|&c| c == 0.0));
        assert!(ElasticNetParams::default().l1_ratio(1.5).fit(&ds).is_err());
    }

    #[test]
    fn conformance() {
        check_regressor(&LassoParams::default(), &load("diabetes"));
        check_regressor(
            &ElasticNetParams::default().selection(Selection::Random),
            &load("diabetes"),
        );
    }

    #[test]
    fn split_sweep_is_thread_count_independent_and_matches_the_gram_kernel() {
        // 20,000 rows (above SPLIT_ROWS): a zero column, two identical columns, d = 12.
        let (n, d) = (20_000, 12);
        let mut rng = seeded_rng(7);
        let mut x = Array2::<f64>::zeros((n, d));
        for i in 0..n {
            for j in 0..d {
                x[[i, j]] = rng.random::<f64>() - 0.5;
            }
            x[[i, 3]] = 0.0;
            x[[i, 5]] = x[[i, 4]];
        }
        let truth = Array1::from_iter((0..d).map(|j| if j % 3 == 0 { 0.0 } else { j as f64 }));
        let y = x.dot(&truth) + x.column(0).mapv(|v| 0.1 * v.sin());
        let (l1, l2) = (0.02 * n as f64, 0.01 * n as f64);
        let fit = |selection, threads, gram| {
            let s = CdSettings {
                max_iter: 10_000,
                tol: 1e-12,
                selection,
                seed: 3,
            };
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut w = Array1::zeros(d);
            let out = pool.install(|| {
                coordinate_descent(&Design::new(x.view(), y.view(), gram), l1, l2, &mut w, &s)
            });
            (w, out)
        };
        for selection in [Selection::Cyclic, Selection::Random] {
            let (w1, o1) = fit(selection, 1, false);
            let (w3, o3) = fit(selection, 3, false);
            assert!(o1.converged);
            assert_eq!(o1, o3);
            assert!(w1.iter().zip(&w3).all(|(a, b)| a.to_bits() == b.to_bits()));
            assert_eq!(w1[3], 0.0);
            let (wg, og) = fit(selection, 1, true);
            assert!(og.converged);
            let scale = wg.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (a, b) in w1.iter().zip(&wg) {
                assert!((a - b).abs() <= 1e-8 * scale, "split {a} vs gram {b}");
            }
        }
    }
}
