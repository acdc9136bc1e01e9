//! A fused LSTM layer: the whole recurrence over $T$ steps as one candle `CustomOp3` with a
//! hand-written backward pass (backpropagation through time), for CPU `f32` and `f64`.
//!
//! The composite path ([`super::cell::Cell::step_projected`] in a loop) records about twenty
//! graph nodes per step, each allocating its own tensor; this op records one node for the whole
//! sequence and keeps what backward needs (the activated gates and the cells) inside itself.
//!
//! **Forward.** Given the input $x \in \mathbb{R}^{T \times B \times I}$ (time-major), the
//! weights $W_{ih} \in \mathbb{R}^{4H \times I}$, $W_{hh} \in \mathbb{R}^{4H \times H}$, the bias
//! $b = b_{ih} + b_{hh}$ and the initial state $(h_0, c_0)$, each step is one
//! $(B \times (I + H))((I + H) \times 4H)$ GEMM $a_t = b + [x_t \; h_{t-1}] W^\top$ (the input
//! and the previous state side by side, so the input projection is part of the step's product)
//! followed by one pass over the gates ($i, f, g, o$ as `torch.nn.LSTM`):
//! $c_t = \sigma(a_f) \odot c_{t-1} + \sigma(a_i) \odot \tanh(a_g)$,
//! $h_t = \sigma(a_o) \odot \tanh(c_t)$.
//!
//! **Backward.** With $\bar h_t$ the gradient reaching $h_t$ from the output plus from step
//! $t + 1$, and $\bar c_t$ likewise:
//! $\bar c_t \mathrel{+}= \bar h_t \odot o \odot (1 - \tanh^2 c_t)$,
//! $\bar a_i = \bar c_t \odot g \odot i(1 - i)$, $\bar a_f = \bar c_t \odot c_{t-1} \odot f(1-f)$,
//! $\bar a_g = \bar c_t \odot i \odot (1 - g^2)$, $\bar a_o = \bar h_t \odot \tanh c_t \odot o(1-o)$,
//! then $\bar c_{t-1} = \bar c_t \odot f$, $\bar h_{t-1} = \bar a_t W_{hh}$ and
//! $\bar x_t = \bar a_t W_{ih}$ (two GEMMs per step, while $\bar a_t$ is in cache; none for
//! $\bar x$ when the input needs no gradient, as a first layer's). At the end, with $\bar A$ the
//! $(TB \times 4H)$ stack of the $\bar a_t$: $[\bar W_{ih} \; \bar W_{hh}] = \bar A^\top
//! [X \; H_{-1}]$ in one GEMM ($H_{-1}$ the stack of the $h_{t-1}$) and
//! $\bar b = \bar A^\top \mathbf 1$.
//!
//! **Parallelism.** The rows of a batch never interact, so the batch is cut into fixed blocks of
//! 16 rows and each block runs everything as one task of breadth-nn's CPU pool
//! ([`crate::matmul`], where the calling thread works too): all $T$ steps forward, then
//! backward, and its own $\bar W$ and $\bar b$, every GEMM sequential. No synchronisation per
//! step, no library thread pool nested in the op (a small GEMM split over a pool spins more than
//! it computes), and the blocks' weight gradients are summed in block order, so results do not
//! depend on the thread count. The f32 GEMMs are our own AVX-512 tiles (`recurrent/small_gemm.rs`)
//! and the f32 gate loops are compiled for AVX-512 and AVX2 as well, all chosen at run time.
//!
//! Shapes: inputs $x$ $(T, B, I)$, $W = [W_{ih} \; W_{hh}]$ $(4H, I + H)$, $s_0 = [h_0; c_0; b]$
//! flattened $(2BH + 4H)$ (a `CustomOp3` takes three tensors); output
//! $(T + 1, B, H)$: $h_t$ at row $t$ in time order (also when run backwards in time), then the
//! final cell state. Cost: $O(TB \cdot 4H (I + H))$ time as the composite path,
//! $O(TB (I + 8H))$ saved.
//!
//! The composite cell stays the oracle: the tests below check outputs and every gradient against
//! it, and against finite differences in `f64`. Reference: A. Graves, *Supervised Sequence
//! Labelling with Recurrent Neural Networks*, 2012, sec. 4.6 (LSTM backward equations).
//!
//! ```
//! use breadth_nn::recurrent::fused::lstm_scan;
//! use breadth_nn::recurrent::cell::State;
//! use candle_core::{DType, Device, Tensor};
//! let dev = Device::Cpu;
//! let (t, b, i, h) = (3, 2, 1, 4);
//! let x = Tensor::ones((t, b, i), DType::F32, &dev).unwrap();
//! let w_ih = Tensor::ones((4 * h, i), DType::F32, &dev).unwrap();
//! let w_hh = Tensor::zeros((4 * h, h), DType::F32, &dev).unwrap();
//! let s0 = State { h: Tensor::zeros((b, h), DType::F32, &dev).unwrap(),
//!                  c: Some(Tensor::zeros((b, h), DType::F32, &dev).unwrap()) };
//! let (seq, last) = lstm_scan(&x, &w_ih, &w_hh, None, &s0, false).unwrap();
//! assert_eq!(seq.dims(), &[t, b, h]);
//! // With every pre-activation 1 and no recurrence: c_1 = s(1) tanh(1), h_1 = s(1) tanh(c_1).
//! let s = 1.0f32 / (1.0 + (-1.0f32).exp());
//! let h1 = s * (s * 1.0f32.tanh()).tanh();
//! let got = seq.get(0).unwrap().get(0).unwrap().get(0).unwrap().to_scalar::<f32>().unwrap();
//! assert!((got - h1).abs() < 1e-6);
//! assert_eq!(last.h.dims(), &[b, h]);
//! ```

use std::sync::Mutex;

use crate::matmul::{par_chunks_mut, with_values};
use candle_core::{bail, CpuStorage, CustomOp3, DType, Layout, Result, Shape, Tensor, WithDType};

use super::cell::State;
use super::small_gemm::{Gemm, Init};

/// The element types the fused kernels run on.
pub(crate) trait Elem: WithDType + faer::traits::RealField {
    fn tanh(self) -> Self;
    fn sigmoid(self) -> Self;
    /// This type's free buffers ([`buffer`], [`recycle`]).
    fn pool() -> &'static Mutex<Vec<Vec<Self>>>;
    /// `c (+)= a b` ([`Gemm`]): faer unless the type has its own kernels.
    fn small_gemm(g: &Gemm<'_, Self>, c: &mut [Self], ldc: usize) {
        g.with_faer(c, ldc);
    }
    /// One step's gate pass over a block of rows ([`gates_forward`]).
    fn gates_forward(g: GatesFwd<'_, Self>) {
        gates_forward(g);
    }
    /// One step's gate gradients over a block of rows ([`gates_backward`]).
    fn gates_backward(g: GatesBwd<'_, Self>) {
        gates_backward(g);
    }
}

impl Elem for f32 {
    #[inline(always)]
    fn tanh(self) -> Self {
        // tanh x = 1 - 2 / (e^{2x} + 1): absolute error ~1e-7, and branch-free, so the gate
        // loops vectorise (a libm call per element would dominate the step).
        1.0 - 2.0 / (exp_f32(2.0 * self) + 1.0)
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        1.0 / (1.0 + exp_f32(-self))
    }
    fn pool() -> &'static Mutex<Vec<Vec<Self>>> {
        static POOL: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());
        &POOL
    }
    fn small_gemm(g: &Gemm<'_, Self>, c: &mut [Self], ldc: usize) {
        g.run_f32(c, ldc);
    }
    fn gates_forward(g: GatesFwd<'_, Self>) {
        #[cfg(target_arch = "x86_64")]
        match simd::level() {
            // SAFETY: the CPU has the features each function is compiled for.
            simd::Level::Avx512 => return unsafe { simd::gates_forward_avx512(g) },
            simd::Level::Avx2 => return unsafe { simd::gates_forward_avx2(g) },
            simd::Level::Baseline => {}
        }
        gates_forward(g);
    }
    fn gates_backward(g: GatesBwd<'_, Self>) {
        #[cfg(target_arch = "x86_64")]
        match simd::level() {
            // SAFETY: as above. No AVX-512 version: the backward pass has no exponentials, and
            // measured, its 16-lane build was a quarter slower than the 8-lane one.
            simd::Level::Avx512 | simd::Level::Avx2 => {
                return unsafe { simd::gates_backward_avx2(g) }
            }
            simd::Level::Baseline => {}
        }
        gates_backward(g);
    }
}

/// The f64 kernels serve the gradient checks, so they use the standard library's functions.
impl Elem for f64 {
    #[inline(always)]
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        1.0 / (1.0 + (-self).exp())
    }
    fn pool() -> &'static Mutex<Vec<Vec<Self>>> {
        static POOL: Mutex<Vec<Vec<f64>>> = Mutex::new(Vec::new());
        &POOL
    }
}

/// The f32 gate loops compiled for AVX-512 (16 lanes; forward only) or AVX2 (8 lanes), chosen
/// at run time: a default x86-64 build only has SSE2, and the gate pass (five exponentials per
/// cell) was a quarter of a training step there. The bodies are the portable loops; only the
/// instruction set differs. The level is detected once.
#[cfg(target_arch = "x86_64")]
mod simd {
    use super::{GatesBwd, GatesFwd};

    #[derive(Clone, Copy)]
    pub(super) enum Level {
        Avx512,
        Avx2,
        Baseline,
    }

    pub(super) fn level() -> Level {
        use std::is_x86_feature_detected as has;
        static LEVEL: std::sync::OnceLock<Level> = std::sync::OnceLock::new();
        *LEVEL.get_or_init(|| {
            if has!("avx512f") && has!("avx512dq") && has!("avx512vl") && has!("fma") {
                Level::Avx512
            } else if has!("avx2") && has!("fma") {
                Level::Avx2
            } else {
                Level::Baseline
            }
        })
    }

    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
    pub(super) fn gates_forward_avx512(g: GatesFwd<'_, f32>) {
        super::gates_forward(g);
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn gates_forward_avx2(g: GatesFwd<'_, f32>) {
        super::gates_forward(g);
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn gates_backward_avx2(g: GatesBwd<'_, f32>) {
        super::gates_backward(g);
    }
}

/// $e^x$ in f32 without a library call (Cephes `expf`: $x = k \ln 2 + r$, $|r| \le \ln 2 / 2$,
/// a degree-6 polynomial for $e^r$, then $2^k$ through the exponent bits); relative error
/// ~2e-7, saturating to 0 and to ~$e^{88}$ outside $[-87, 88]$.
#[inline(always)]
fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // Adding 1.5 * 2^23 rounds to the nearest integer k and leaves k in the low mantissa bits,
    // so 2^k is built with integer adds and shifts (no float-to-int conversion in the loop).
    const MAGIC: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let kf = x * LOG2E + MAGIC;
    let k = kf - MAGIC;
    let r = x - k * 0.693_359_4 + k * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // The bits of MAGIC shifted left by 23 vanish (its low 9 bits are zero), leaving (k+127)<<23.
    y * f32::from_bits(kf.to_bits().wrapping_add(127) << 23)
}

/// Arguments of one step's gate pass over a block of rows.
pub(crate) struct GatesFwd<'a, T> {
    h: usize,
    /// Pre-activations in, activated gates out, `(rows, 4H)`.
    a: &'a mut [T],
    c_prev: &'a [T],
    c: &'a mut [T],
    tanh_c: &'a mut [T],
    /// $h_t$ out: row $r$ at `h_out[r * h_stride..][..h]`.
    h_out: &'a mut [T],
    h_stride: usize,
    /// $h_t$ out once more, rows of $H$ side by side (the op's output).
    h_seq: &'a mut [T],
}

/// The gate non-linearities and the cell update, row by row over the four gate blocks (written
/// with slices of known length $H$ so the loop vectorises).
#[inline(always)]
fn gates_forward<T: Elem>(g: GatesFwd<'_, T>) {
    let h = g.h;
    let rows =
        g.a.chunks_exact_mut(4 * h)
            .zip(g.c_prev.chunks_exact(h))
            .zip(g.c.chunks_exact_mut(h))
            .zip(
                g.tanh_c
                    .chunks_exact_mut(h)
                    .zip(g.h_out.chunks_mut(g.h_stride))
                    .zip(g.h_seq.chunks_exact_mut(h)),
            );
    for (((a, c_prev), c), ((tanh_c, h_out), h_seq)) in rows {
        let (ai, rest) = a.split_at_mut(h);
        let (af, rest) = rest.split_at_mut(h);
        let (ag, ao) = rest.split_at_mut(h);
        gate_row_forward(ai, af, ag, ao, c_prev, c, tanh_c, h_out, h_seq);
    }
}

/// One row of [`gates_forward`]. Separate `&mut` arguments tell LLVM the nine slices do not
/// overlap (slices cut from one buffer inside a function, or passed as an array of slices, would
/// need more run-time alias checks than the vectoriser allows, and the loop stays scalar:
/// measured, the whole forward pass ran 2.5 times slower).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gate_row_forward<T: Elem>(
    ai: &mut [T],
    af: &mut [T],
    ag: &mut [T],
    ao: &mut [T],
    c_prev: &[T],
    c: &mut [T],
    tanh_c: &mut [T],
    h_out: &mut [T],
    h_seq: &mut [T],
) {
    let h = ai.len();
    let (af, ag, ao, c_prev) = (&mut af[..h], &mut ag[..h], &mut ao[..h], &c_prev[..h]);
    let (c, tanh_c, h_out) = (&mut c[..h], &mut tanh_c[..h], &mut h_out[..h]);
    let h_seq = &mut h_seq[..h];
    for j in 0..h {
        let i = ai[j].sigmoid();
        let f = af[j].sigmoid();
        let gv = ag[j].tanh();
        let o = ao[j].sigmoid();
        ai[j] = i;
        af[j] = f;
        ag[j] = gv;
        ao[j] = o;
        let cv = f * c_prev[j] + i * gv;
        let tc = cv.tanh();
        c[j] = cv;
        tanh_c[j] = tc;
        h_out[j] = o * tc;
        h_seq[j] = o * tc;
    }
}

/// Arguments of one step's gate gradients over a block of rows.
pub(crate) struct GatesBwd<'a, T> {
    h: usize,
    /// Activated gates `(rows, 4H)`.
    gates: &'a [T],
    tanh_c: &'a [T],
    c_prev: &'a [T],
    /// Gradient reaching $h_t$ from the output, and from step $t + 1$.
    dout: &'a [T],
    dh: &'a [T],
    /// $\bar c_t$ from step $t + 1$ in, $\bar c_{t-1}$ out.
    dc: &'a mut [T],
    /// Pre-activation gradients out, `(rows, 4H)`.
    da: &'a mut [T],
}

/// The gate gradients of the module docs, row by row.
#[inline(always)]
fn gates_backward<T: Elem>(g: GatesBwd<'_, T>) {
    let h = g.h;
    let rows = g
        .gates
        .chunks_exact(4 * h)
        .zip(g.da.chunks_exact_mut(4 * h))
        .zip(g.tanh_c.chunks_exact(h).zip(g.c_prev.chunks_exact(h)))
        .zip(g.dout.chunks_exact(h).zip(g.dh.chunks_exact(h)))
        .zip(g.dc.chunks_exact_mut(h));
    for ((((gates, da), (tanh_c, c_prev)), (dout, dh)), dc) in rows {
        let (gi, rest) = gates.split_at(h);
        let (gf, rest) = rest.split_at(h);
        let (gg, go) = rest.split_at(h);
        let (dai, rest) = da.split_at_mut(h);
        let (daf, rest) = rest.split_at_mut(h);
        let (dag, dao) = rest.split_at_mut(h);
        gate_row_backward(
            gi, gf, gg, go, tanh_c, c_prev, dout, dh, dc, dai, daf, dag, dao,
        );
    }
}

/// One row of [`gates_backward`], its slices as separate arguments for the reason given at
/// [`gate_row_forward`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gate_row_backward<T: Elem>(
    gi: &[T],
    gf: &[T],
    gg: &[T],
    go: &[T],
    tanh_c: &[T],
    c_prev: &[T],
    dout: &[T],
    dh: &[T],
    dc: &mut [T],
    dai: &mut [T],
    daf: &mut [T],
    dag: &mut [T],
    dao: &mut [T],
) {
    let (h, one) = (gi.len(), T::one());
    let (gf, gg, go) = (&gf[..h], &gg[..h], &go[..h]);
    let (dai, daf, dag, dao) = (&mut dai[..h], &mut daf[..h], &mut dag[..h], &mut dao[..h]);
    let (tanh_c, c_prev, dout, dh) = (&tanh_c[..h], &c_prev[..h], &dout[..h], &dh[..h]);
    let dc = &mut dc[..h];
    for j in 0..h {
        let (i, f, gv, o) = (gi[j], gf[j], gg[j], go[j]);
        let tc = tanh_c[j];
        let dht = dout[j] + dh[j];
        let dct = dc[j] + dht * o * (one - tc * tc);
        dai[j] = dct * gv * i * (one - i);
        daf[j] = dct * c_prev[j] * f * (one - f);
        dag[j] = dct * i * (one - gv * gv);
        dao[j] = dht * tc * o * (one - o);
        dc[j] = dct * f;
    }
}

/// Free buffers kept for reuse, at most this many per element type.
const POOL_MAX: usize = 128;

/// A buffer of `len` values whose contents are unspecified (a reused buffer keeps old values):
/// the smallest free one that is large enough, else a new one. Every caller overwrites all of
/// it. The per-block buffers are megabytes each and live from one training step's forward pass
/// to its backward pass; fresh allocations came back from the system as untouched pages, and
/// the page faults and zeroing took more CPU time than the gate math.
fn buffer<T: Elem>(len: usize) -> Vec<T> {
    let reused = T::pool().lock().ok().and_then(|mut pool| {
        let best = (0..pool.len())
            .filter(|&k| pool[k].capacity() >= len)
            .min_by_key(|&k| pool[k].capacity())?;
        Some(pool.swap_remove(best))
    });
    match reused {
        Some(mut v) => {
            // Only values beyond the old length are written here.
            v.truncate(len);
            v.resize(len, T::zero());
            v
        }
        None => vec![T::zero(); len],
    }
}

/// Give `v` back for [`buffer`] to reuse.
fn recycle<T: Elem>(v: Vec<T>) {
    if let Ok(mut pool) = T::pool().lock() {
        if pool.len() < POOL_MAX {
            pool.push(v);
        }
    }
}

/// Batch rows per parallel task. Rows of a batch never interact in the recurrence, so each block
/// runs all $T$ steps on its own thread with no hand-off per step (a parallel GEMM per step cost
/// more in synchronisation than it saved at these sizes). The size is fixed, not derived from
/// the thread count, so the results do not depend on it.
const ROWS: usize = 16;

/// Sizes of one scan and the order it visits time.
#[derive(Debug, Clone, Copy)]
struct Dims {
    t: usize,
    b: usize,
    i: usize,
    h: usize,
    reverse: bool,
}

impl Dims {
    /// Time index of the `s`-th step taken.
    fn at(&self, s: usize) -> usize {
        if self.reverse {
            self.t - 1 - s
        } else {
            s
        }
    }

    /// First row and number of rows of block `k`.
    fn rows(&self, k: usize) -> (usize, usize) {
        let r0 = k * ROWS;
        (r0, ROWS.min(self.b - r0))
    }
}

/// What one block of rows keeps from forward for backward, every buffer in the order the steps
/// ran (step $s$ at slot $s$, whichever way time runs), so that each is one contiguous matrix.
struct Block<T: Elem> {
    /// Each step's input and previous hidden state side by side, $((T + 1) \cdot rows, I + H)$:
    /// slot $s$ holds $[x_s \; h_{s-1}]$ ($h_0$ in slot 0; slot $T$ holds the final $h$ and no
    /// input). One GEMM with $W^\top$ gives a step's pre-activations, and one GEMM with
    /// $\bar A^\top$ gives $[\bar W_{ih} \; \bar W_{hh}]$.
    xh: Vec<T>,
    /// Activated gates, $(T \cdot rows, 4H)$.
    gates: Vec<T>,
    /// $c$ before each step and after the last, $((T + 1) \cdot rows, H)$: $c_0$ at slot 0.
    cs: Vec<T>,
    /// $\tanh c$ after each step, $(T \cdot rows, H)$.
    tanh_c: Vec<T>,
}

impl<T: Elem> Drop for Block<T> {
    fn drop(&mut self) {
        for v in [
            &mut self.xh,
            &mut self.gates,
            &mut self.cs,
            &mut self.tanh_c,
        ] {
            recycle(std::mem::take(v));
        }
    }
}

/// Cut a time-major buffer (`per_step` values per time step, `width` per batch row) into the
/// blocks of [`ROWS`] rows: `result[k][t]` is block `k`'s rows at time step `t`.
fn split_blocks<T>(buf: &mut [T], per_step: usize, width: usize) -> Vec<Vec<&mut [T]>> {
    let mut blocks: Vec<Vec<&mut [T]>> = Vec::new();
    for step in buf.chunks_exact_mut(per_step) {
        for (k, piece) in step.chunks_mut(ROWS * width).enumerate() {
            if k == blocks.len() {
                blocks.push(Vec::new());
            }
            blocks[k].push(piece);
        }
    }
    blocks
}

/// $W^\top$ $(I + H, 4H)$ row-major from $W = [W_{ih} \; W_{hh}]$ $(4H, I + H)$, the $B$ of
/// every forward step. Bands of 16 rows of $W^\top$ run in parallel; each reads 16 adjacent
/// values (one cache line) of every row of $W$.
fn transposed<T: Elem>(w: &[T], d: Dims) -> Vec<T> {
    const BAND: usize = 16;
    let (g, width) = (4 * d.h, d.i + d.h);
    let mut wt = buffer(width * g);
    par_chunks_mut(&mut wt, BAND * g, |band, dst| {
        let c0 = band * BAND;
        for (r, row) in w.chunks_exact(width).enumerate() {
            for (cc, &v) in row[c0..].iter().take(dst.len() / g).enumerate() {
                dst[cc * g + r] = v;
            }
        }
    });
    wt
}

/// Forward over slices: the output $(T + 1, B, H)$ and each block's saved activations.
fn forward<T: Elem>(
    d: Dims,
    x: &[T],
    w: &[T],
    h0: &[T],
    c0: &[T],
    bias: &[T],
) -> (Vec<T>, Vec<Block<T>>) {
    let Dims { t, b, h, .. } = d;
    let bh = b * h;
    let mut out = vec![T::zero(); (t + 1) * bh];
    let (seq, last) = out.split_at_mut(t * bh);
    let wt = transposed(w, d);
    // One task per block: its rows of the output, of the final c, and its saved activations.
    let mut tasks: Vec<_> = split_blocks(seq, bh, h)
        .into_iter()
        .zip(last.chunks_mut(ROWS * h))
        .map(|(out_k, c_last)| (out_k, c_last, None))
        .collect();
    par_chunks_mut(&mut tasks, 1, |k, task| {
        let (out_k, c_last, blk) = &mut task[0];
        let out_k = std::mem::take(out_k);
        *blk = Some(block_forward(d, k, x, &wt, [h0, c0, bias], out_k, c_last));
    });
    let blocks = tasks
        .into_iter()
        .map(|(_, _, blk)| blk.expect("every block ran"))
        .collect();
    recycle(wt);
    (out, blocks)
}

/// All $T$ steps of block `k` on the calling thread: per step one $(rows \times (I + H))
/// ((I + H) \times 4H)$ GEMM $b + [x_t \; h_{t-1}] W^\top$, then the gates, which write
/// $h_t$ into the next slot of [`Block::xh`] and into the block's rows of the output at that
/// time (`out_k[t]`). `wt` is $W^\top$ ([`transposed`]); the final $c$ goes to `c_last`.
fn block_forward<T: Elem>(
    d: Dims,
    k: usize,
    x: &[T],
    wt: &[T],
    [h0, c0, bias]: [&[T]; 3],
    mut out_k: Vec<&mut [T]>,
    c_last: &mut [T],
) -> Block<T> {
    let Dims { t, b, i, h, .. } = d;
    let (r0, rows) = d.rows(k);
    let (n, g, width) = (rows * h, 4 * h, i + h);
    let slot = rows * width;
    let mut xh = buffer((t + 1) * slot);
    for (s, dst) in xh.chunks_exact_mut(slot).enumerate() {
        for (r, row) in dst.chunks_exact_mut(width).enumerate() {
            let (x_part, h_part) = row.split_at_mut(i);
            if s < t {
                x_part.copy_from_slice(&x[(d.at(s) * b + r0 + r) * i..][..i]);
            } else {
                // The last slot's input is never used as such; it only holds the final h.
                x_part.fill(T::zero());
            }
            if s == 0 {
                h_part.copy_from_slice(&h0[(r0 + r) * h..][..h]);
            }
        }
    }
    let mut gates = buffer(t * rows * g);
    let mut cs = buffer((t + 1) * n);
    cs[..n].copy_from_slice(&c0[r0 * h..][..n]);
    let mut tanh_c = buffer(t * n);
    for s in 0..t {
        let a = &mut gates[s * rows * g..][..rows * g];
        let (cur, next) = xh[s * slot..].split_at_mut(slot);
        Gemm {
            m: rows,
            n: g,
            k: width,
            a: cur,
            a_rs: width,
            a_cs: 1,
            b: wt,
            ldb: g,
            init: Init::Row(bias),
        }
        .run(a, g);
        let (c_prev, c_next) = cs[s * n..].split_at_mut(n);
        T::gates_forward(GatesFwd {
            h,
            a,
            c_prev,
            c: &mut c_next[..n],
            tanh_c: &mut tanh_c[s * n..][..n],
            h_out: &mut next[i..slot],
            h_stride: width,
            h_seq: out_k[d.at(s)],
        });
    }
    c_last.copy_from_slice(&cs[t * n..]);
    Block {
        xh,
        gates,
        cs,
        tanh_c,
    }
}

/// Gradients of the scan from the output's gradient `dout` $(T + 1, B, H)$ and the saved blocks:
/// $(\bar x, \bar W, [\bar h_0, \bar c_0, \bar b])$, with $\bar x$ left empty unless `need_dx`
/// (a first layer's input needs none, and its GEMM is a tenth of that layer's backward). Each
/// block's weight and bias gradients are summed in block order, so the result does not depend on
/// the thread count.
fn backward<T: Elem>(
    d: Dims,
    w: &[T],
    blocks: &[Block<T>],
    dout: &[T],
    need_dx: bool,
) -> (Vec<T>, Vec<T>, Vec<T>) {
    let Dims { t, b, i, h, .. } = d;
    let bh = b * h;
    let nw = 4 * h * (i + h);
    let mut dx = vec![T::zero(); if need_dx { t * b * i } else { 0 }];
    let mut ds = vec![T::zero(); 2 * bh + 4 * h];
    let (dh0, rest) = ds.split_at_mut(bh);
    let (dc0, db) = rest.split_at_mut(bh);
    let mut dx_blocks = split_blocks(&mut dx, b * i, i);
    dx_blocks.resize_with(blocks.len(), Vec::new);
    // One task per block: its rows of dx, dh_0 and dc_0, and its [dW | db].
    let mut tasks: Vec<_> = dx_blocks
        .into_iter()
        .zip(dh0.chunks_mut(ROWS * h))
        .zip(dc0.chunks_mut(ROWS * h))
        .map(|((dx_k, dh), dc)| (dx_k, dh, dc, Vec::new()))
        .collect();
    par_chunks_mut(&mut tasks, 1, |k, task| {
        let (dx_k, dh, dc, dwb) = &mut task[0];
        let dx_k = std::mem::take(dx_k);
        *dwb = block_backward(d, k, w, &blocks[k], dout, dx_k, dh, dc);
    });
    let partial: Vec<Vec<T>> = tasks.into_iter().map(|task| task.3).collect();
    // Sum the blocks' [dW | db] in block order, cut into column ranges over the pool.
    let mut dwb = vec![T::zero(); nw + 4 * h];
    par_chunks_mut(&mut dwb, 4096, |c, dst| {
        for p in &partial {
            for (acc, &v) in dst.iter_mut().zip(&p[c * 4096..]) {
                *acc += v;
            }
        }
    });
    db.copy_from_slice(&dwb[nw..]);
    dwb.truncate(nw);
    let dw = dwb;
    partial.into_iter().for_each(recycle);
    (dx, dw, ds)
}

/// Backpropagation through time over block `k`: writes its rows of $\bar x$ (when `dx_k` has the
/// $T$ steps' slices; none when it is empty), $\bar h_0$ and $\bar c_0$, and returns its
/// $[\bar W \; \bar b]$ $(4H (I + H) + 4H)$.
#[allow(clippy::too_many_arguments)]
fn block_backward<T: Elem>(
    d: Dims,
    k: usize,
    w: &[T],
    blk: &Block<T>,
    dout: &[T],
    mut dx_k: Vec<&mut [T]>,
    dh: &mut [T],
    dc: &mut [T],
) -> Vec<T> {
    let Dims { t, b, i, h, .. } = d;
    let (r0, rows) = d.rows(k);
    let (n, g, width) = (rows * h, 4 * h, i + h);
    // W_ih and W_hh as B: the first I and the last H columns of W (4H, I + H), row stride I + H.
    let (w_ih, w_hh) = (w, &w[i..]);
    // Step s's rows of dout and its dh_t / dc_t carry; the final cell's gradient starts dc.
    dc.copy_from_slice(&dout[(t * b + r0) * h..][..n]);
    let mut da = buffer(t * rows * g);
    for s in (0..t).rev() {
        let da_s = &mut da[s * rows * g..][..rows * g];
        T::gates_backward(GatesBwd {
            h,
            gates: &blk.gates[s * rows * g..][..rows * g],
            tanh_c: &blk.tanh_c[s * n..][..n],
            c_prev: &blk.cs[s * n..][..n],
            dout: &dout[(d.at(s) * b + r0) * h..][..n],
            dh,
            dc,
            da: da_s,
        });
        // dh_{t-1} = dA_t W_hh and dx_t = dA_t W_ih, while dA_t is in cache.
        let step = Gemm {
            m: rows,
            n: h,
            k: g,
            a: da_s,
            a_rs: g,
            a_cs: 1,
            b: w_hh,
            ldb: width,
            init: Init::Zero,
        };
        step.run(dh, h);
        if let Some(dx_s) = dx_k.get_mut(d.at(s)) {
            Gemm {
                n: i,
                b: w_ih,
                ..step
            }
            .run(dx_s, i);
        }
    }
    let mut dwb = buffer(g * width + g);
    let (dw, db) = dwb.split_at_mut(g * width);
    // [dW_ih dW_hh] = dA^T [X H_{-1}], the first T slots of xh.
    Gemm {
        m: g,
        n: width,
        k: t * rows,
        a: &da,
        a_rs: 1,
        a_cs: g,
        b: &blk.xh[..t * rows * width],
        ldb: width,
        init: Init::Zero,
    }
    .run(dw, width);
    db.fill(T::zero());
    for row in da.chunks_exact(g) {
        for (acc, &v) in db.iter_mut().zip(row) {
            *acc += v;
        }
    }
    recycle(da);
    dwb
}

/// The fused LSTM layer as a candle op; one instance per forward call, holding that call's
/// saved activations.
struct LstmScan<T: Elem> {
    reverse: bool,
    saved: Mutex<Option<Vec<Block<T>>>>,
}

/// A contiguous slice of `T` from an op argument.
fn slice<'a, T: Elem>(s: &'a CpuStorage, l: &Layout, what: &str) -> Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&s.as_slice::<T>()?[a..b]),
        None => bail!("fused LSTM: {what} must be contiguous"),
    }
}

impl<T: Elem> LstmScan<T> {
    fn dims(&self, lx: &Layout, lw: &Layout, ls: &Layout) -> Result<Dims> {
        let (t, b, i) = lx.shape().dims3()?;
        let (g, ih) = lw.shape().dims2()?;
        let s = ls.shape().dims1()?;
        let h = g / 4;
        if g != 4 * h || h == 0 || ih != i + h || s != 2 * b * h + 4 * h || t == 0 || b == 0 {
            bail!(
                "fused LSTM: input {:?}, weights {:?}, state and bias {:?} do not fit (T, B, I), (4H, I + H), (2BH + 4H)",
                lx.dims(),
                lw.dims(),
                ls.dims()
            );
        }
        Ok(Dims {
            t,
            b,
            i,
            h,
            reverse: self.reverse,
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Option<Vec<Block<T>>>>> {
        self.saved
            .lock()
            .map_err(|_| candle_core::Error::Msg("fused LSTM: poisoned lock".into()))
    }
}

impl<T: Elem> CustomOp3 for LstmScan<T> {
    fn name(&self) -> &'static str {
        "fused-lstm"
    }

    fn cpu_fwd(
        &self,
        sx: &CpuStorage,
        lx: &Layout,
        sw: &CpuStorage,
        lw: &Layout,
        ss: &CpuStorage,
        ls: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let d = self.dims(lx, lw, ls)?;
        let s0 = slice::<T>(ss, ls, "state")?;
        let (h0, rest) = s0.split_at(d.b * d.h);
        let (c0, bias) = rest.split_at(d.b * d.h);
        let (out, saved) = forward(
            d,
            slice::<T>(sx, lx, "input")?,
            slice::<T>(sw, lw, "weights")?,
            h0,
            c0,
            bias,
        );
        *self.lock()? = Some(saved);
        Ok((
            T::to_cpu_storage_owned(out),
            Shape::from((d.t + 1, d.b, d.h)),
        ))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        s0: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let d = self.dims(x.layout(), w.layout(), s0.layout())?;
        let guard = self.lock()?;
        let Some(saved) = guard.as_ref() else {
            bail!("fused LSTM: backward before forward");
        };
        let grad_res = grad_res.contiguous()?;
        let need_dx = x.track_op();
        let (dx, dw, ds) = with_values::<T, _>(w, "fused LSTM", |wv| {
            with_values::<T, _>(&grad_res, "fused LSTM", |gv| {
                Ok(backward(d, wv, saved, gv, need_dx))
            })
        })?;
        let dev = x.device();
        let dx = match need_dx {
            true => Some(Tensor::from_vec(dx, (d.t, d.b, d.i), dev)?),
            false => None,
        };
        Ok((
            dx,
            Some(Tensor::from_vec(dw, (4 * d.h, d.i + d.h), dev)?),
            Some(Tensor::from_vec(ds, 2 * d.b * d.h + 4 * d.h, dev)?),
        ))
    }
}

/// True when [`lstm_scan`] can run `x`'s dtype on `x`'s device (CPU, `f32` or `f64`).
pub fn supported(x: &Tensor) -> bool {
    x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64)
}

/// Run an LSTM layer over the time-major input `x` $(T, B, I)$ with weights `w_ih` $(4H, I)$,
/// `w_hh` $(4H, H)$ and the summed bias $b_{ih} + b_{hh}$ $(4H)$, if any, from `state`,
/// backwards in time when `reverse`. Returns the hidden states $(T, B, H)$ in time order and the
/// final state. The input projection and the bias run inside the op, on each block's own thread.
pub fn lstm_scan(
    x: &Tensor,
    w_ih: &Tensor,
    w_hh: &Tensor,
    bias: Option<&Tensor>,
    state: &State,
    reverse: bool,
) -> Result<(Tensor, State)> {
    let Some(c0) = &state.c else {
        bail!("fused LSTM: the state needs a cell c");
    };
    if !supported(x) {
        bail!(
            "fused LSTM runs on the CPU in f32 or f64, got {:?} on {:?}",
            x.dtype(),
            x.device()
        );
    }
    let t = x.dim(0)?;
    let bias = match bias {
        Some(b) => b.clone(),
        None => Tensor::zeros(w_hh.dim(0)?, x.dtype(), x.device())?,
    };
    let s0 = Tensor::cat(&[state.h.flatten_all()?, c0.flatten_all()?, bias], 0)?;
    let w = Tensor::cat(&[w_ih, w_hh], 1)?;
    let x = x.contiguous()?;
    let out = match x.dtype() {
        DType::F32 => x.apply_op3(&w, &s0, scan::<f32>(reverse))?,
        _ => x.apply_op3(&w, &s0, scan::<f64>(reverse))?,
    };
    // The final h is taken from `out` itself, not from `seq`: each view candle backpropagates
    // through costs a zero-padded copy, a zeroed accumulator and an add of the full output.
    let last = if reverse { 0 } else { t - 1 };
    Ok((
        out.narrow(0, 0, t)?,
        State {
            h: out.get(last)?,
            c: Some(out.get(t)?),
        },
    ))
}

fn scan<T: Elem>(reverse: bool) -> LstmScan<T> {
    LstmScan {
        reverse,
        saved: Mutex::new(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use crate::init::Init;
    use crate::recurrent::cell::{Cell, CellKind};
    use crate::test_support::assert_close;
    use breadth_core::seeded_rng;
    use candle_core::Var;

    fn randn(shape: &[usize], seed: u64, dtype: DType) -> Tensor {
        Init::Normal { std: 0.8 }
            .sample(shape, &mut seeded_rng(seed), dtype)
            .unwrap()
    }

    /// The composite oracle: the cell's own projection and step, looped.
    fn composite(
        x: &Tensor,
        w_ih: &Var,
        w_hh: &Var,
        bias: &Tensor,
        s0: &State,
        reverse: bool,
    ) -> Result<(Tensor, State)> {
        let cell = Cell::from_vars(CellKind::Lstm, w_ih.clone(), w_hh.clone(), None, None)
            .map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        let p = cell.project(x)?.broadcast_add(bias)?;
        cell.scan_composite(&p, s0.clone(), reverse, None)
    }

    /// Outputs, final states and the gradients of the input, W_ih, W_hh, h_0, c_0 and the bias
    /// equal the composite cell's in f32 (1e-5), including batch 1, one step, one input feature
    /// and backwards in time.
    #[test]
    fn matches_the_composite_cell() {
        // Batch 37 spans three row blocks, the last one partial. I and H multiples of 16 take
        // the AVX-512 products (where the CPU has them); the others take faer.
        for (k, &(t, b, i, h)) in [
            (5, 3, 2, 4),
            (1, 2, 3, 3),
            (4, 1, 1, 2),
            (7, 2, 4, 5),
            (3, 37, 3, 3),
            (4, 37, 16, 16),
            (3, 5, 32, 16),
        ]
        .iter()
        .enumerate()
        {
            for reverse in [false, true] {
                let seed = 10 * k as u64;
                let dt = DType::F32;
                let x = Var::from_tensor(&randn(&[t, b, i], seed, dt)).unwrap();
                let w_ih = Var::from_tensor(&randn(&[4 * h, i], seed + 8, dt)).unwrap();
                let w = Var::from_tensor(&randn(&[4 * h, h], seed + 1, dt)).unwrap();
                let h0 = Var::from_tensor(&randn(&[b, h], seed + 2, dt)).unwrap();
                let c0 = Var::from_tensor(&randn(&[b, h], seed + 3, dt)).unwrap();
                let bias = Var::from_tensor(&randn(&[4 * h], seed + 7, dt)).unwrap();
                let (gy, gh, gc) = (
                    randn(&[t, b, h], seed + 4, dt),
                    randn(&[b, h], seed + 5, dt),
                    randn(&[b, h], seed + 6, dt),
                );
                let s0 = State {
                    h: h0.as_tensor().clone(),
                    c: Some(c0.as_tensor().clone()),
                };
                let run = |fused: bool| {
                    let (seq, last) = if fused {
                        lstm_scan(&x, &w_ih, &w, Some(&bias), &s0, reverse).unwrap()
                    } else {
                        composite(&x, &w_ih, &w, &bias, &s0, reverse).unwrap()
                    };
                    let c = last.c.clone().unwrap();
                    let loss = ((&seq * &gy).unwrap().sum_all().unwrap()
                        + (&last.h * &gh).unwrap().sum_all().unwrap()
                        + (&c * &gc).unwrap().sum_all().unwrap())
                    .unwrap();
                    let grads = loss.backward().unwrap();
                    let g: Vec<Tensor> = [&x, &w_ih, &w, &h0, &c0, &bias]
                        .iter()
                        .map(|v| grads.get(v.as_tensor()).unwrap().clone())
                        .collect();
                    (seq, last.h, c, g)
                };
                let (fs, fh, fc, fg) = run(true);
                let (cs, ch, cc, cg) = run(false);
                let what = format!("T {t} B {b} H {h} reverse {reverse}");
                assert_close(&fs, &cs, 1e-5, &what);
                assert_close(&fh, &ch, 1e-5, &what);
                assert_close(&fc, &cc, 1e-5, &what);
                for (name, (a, e)) in ["x", "W_ih", "W_hh", "h0", "c0", "bias"]
                    .iter()
                    .zip(fg.iter().zip(&cg))
                {
                    assert_close(a, e, 1e-5, &format!("{what}: gradient of {name}"));
                }
            }
        }
    }

    /// Row blocks run on the CPU pool; outputs and gradients (the weights' summed over blocks)
    /// are bit for bit the same on one thread and on the pool. H = 16 takes the AVX-512 products
    /// where the CPU has them.
    #[test]
    fn thread_count_does_not_change_results() {
        let (t, b, i, h, dt) = (4, 37, 16, 16, DType::F32);
        let x = Var::from_tensor(&randn(&[t, b, i], 1, dt)).unwrap();
        let w_ih = Var::from_tensor(&randn(&[4 * h, i], 6, dt)).unwrap();
        let w = Var::from_tensor(&randn(&[4 * h, h], 2, dt)).unwrap();
        let s0 = State {
            h: randn(&[b, h], 3, dt),
            c: Some(randn(&[b, h], 4, dt)),
        };
        let gy = randn(&[t, b, h], 5, dt);
        let run = || {
            let (seq, _) = lstm_scan(&x, &w_ih, &w, None, &s0, false).unwrap();
            let grads = (&seq * &gy).unwrap().sum_all().unwrap().backward().unwrap();
            let flat = |v: &Tensor| v.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            (
                flat(&seq),
                flat(grads.get(&x).unwrap()),
                flat(grads.get(&w_ih).unwrap()),
                flat(grads.get(&w).unwrap()),
            )
        };
        assert_eq!(crate::matmul::on_one_thread(run), run());
    }

    /// The branch-free f32 exponential, sigmoid and tanh agree with the standard library.
    #[test]
    fn fast_f32_functions() {
        for k in -2000..=2000 {
            let x = k as f32 * 0.01;
            let (e, want) = (exp_f32(x), x.exp());
            assert!((e - want).abs() <= 3e-7 * want, "exp {x}: {e} vs {want}");
            assert!((Elem::tanh(x) - x.tanh()).abs() < 3e-7, "tanh {x}");
            let s = 1.0 / (1.0 + (-x as f64).exp());
            assert!((Elem::sigmoid(x) as f64 - s).abs() < 3e-7, "sigmoid {x}");
        }
        assert_eq!(exp_f32(-200.0), (-87.0f32).exp());
        assert!(exp_f32(200.0).is_finite());
    }

    /// Every gradient of the op agrees with central differences in f64.
    #[test]
    fn finite_differences() {
        let (t, b, i, h) = (3, 2, 2, 2);
        let inputs = [
            randn(&[t, b, i], 1, DType::F64),
            randn(&[4 * h, h], 2, DType::F64),
            randn(&[b, h], 3, DType::F64),
            randn(&[b, h], 4, DType::F64),
            randn(&[4 * h], 5, DType::F64),
            randn(&[4 * h, i], 6, DType::F64),
        ];
        for reverse in [false, true] {
            let err = check_gradients(
                |v| {
                    let s0 = State {
                        h: v[2].clone(),
                        c: Some(v[3].clone()),
                    };
                    let (seq, last) = lstm_scan(&v[0], &v[5], &v[1], Some(&v[4]), &s0, reverse)?;
                    Tensor::cat(&[seq.flatten_all()?, last.c.unwrap().flatten_all()?], 0)
                },
                &inputs,
                1e-6,
            )
            .unwrap();
            assert!(err < 1e-6, "reverse {reverse}: {err:e}");
        }
    }

    #[test]
    fn bad_shapes_are_refused() {
        let dt = DType::F32;
        let s0 = State {
            h: randn(&[2, 3], 0, dt),
            c: Some(randn(&[2, 3], 0, dt)),
        };
        let (w_ih, w) = (randn(&[12, 5], 0, dt), randn(&[12, 3], 0, dt));
        let x = randn(&[4, 2, 5], 0, dt);
        assert!(lstm_scan(&x, &w_ih, &w, None, &s0, false).is_ok());
        // Wrong input width, wrong gate rows of W_ih, wrong batch, missing cell, integer dtype.
        let wide = randn(&[4, 2, 6], 0, dt);
        assert!(lstm_scan(&wide, &w_ih, &w, None, &s0, false).is_err());
        let short = randn(&[8, 5], 0, dt);
        assert!(lstm_scan(&x, &short, &w, None, &s0, false).is_err());
        let batch3 = randn(&[4, 3, 5], 0, dt);
        assert!(lstm_scan(&batch3, &w_ih, &w, None, &s0, false).is_err());
        let no_c = State {
            h: s0.h.clone(),
            c: None,
        };
        assert!(lstm_scan(&x, &w_ih, &w, None, &no_c, false).is_err());
        let ints = Tensor::zeros((4, 2, 5), DType::U32, &candle_core::Device::Cpu).unwrap();
        assert!(lstm_scan(&ints, &w_ih, &w, None, &s0, false).is_err());
    }
}
