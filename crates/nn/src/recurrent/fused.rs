//! A fused LSTM layer: the whole recurrence over $T$ steps as one candle `CustomOp3` with a
//! hand-written backward pass (backpropagation through time), for CPU `f32` and `f64`.
//!
//! The composite path ([`super::cell::Cell::step_projected`] in a loop) records about twenty
//! graph nodes per step, each allocating its own tensor; this op records one node for the whole
//! sequence and keeps what backward needs (the activated gates and the cells) inside itself.
//!
//! **Forward.** Given the projected input $p_t = x_t W_{ih}^\top$
//! ($p \in \mathbb{R}^{T \times B \times 4H}$, one GEMM for all steps, done by the caller),
//! $W_{hh} \in \mathbb{R}^{4H \times H}$, the bias $b = b_{ih} + b_{hh}$ and the initial state
//! $(h_0, c_0)$, each step is one $(B \times H)(H \times 4H)$ GEMM
//! $a_t = p_t + b + h_{t-1} W_{hh}^\top$ followed by one pass over the gates ($i, f, g, o$ as
//! `torch.nn.LSTM`): $c_t = \sigma(a_f) \odot c_{t-1} + \sigma(a_i) \odot \tanh(a_g)$,
//! $h_t = \sigma(a_o) \odot \tanh(c_t)$.
//!
//! **Backward.** With $\bar h_t$ the gradient reaching $h_t$ from the output plus from step
//! $t + 1$, and $\bar c_t$ likewise:
//! $\bar c_t \mathrel{+}= \bar h_t \odot o \odot (1 - \tanh^2 c_t)$,
//! $\bar a_i = \bar c_t \odot g \odot i(1 - i)$, $\bar a_f = \bar c_t \odot c_{t-1} \odot f(1-f)$,
//! $\bar a_g = \bar c_t \odot i \odot (1 - g^2)$, $\bar a_o = \bar h_t \odot \tanh c_t \odot o(1-o)$,
//! then $\bar c_{t-1} = \bar c_t \odot f$ and $\bar h_{t-1} = \bar a_t W_{hh}$ (one GEMM per step).
//! $\bar p_t = \bar a_t$, $\bar b = \sum_t \bar a_t^\top \mathbf 1$, and at the end one
//! $(4H \times TB)(TB \times H)$ GEMM gives $\bar W_{hh} = \sum_t \bar a_t^\top h_{t-1}$. The
//! caller's projection turns $\bar p$ into $\bar x$ and $\bar W_{ih}$ through candle's matmul
//! backward.
//!
//! Shapes: inputs $p$ $(T, B, 4H)$, $W_{hh}$ $(4H, H)$, $s_0 = [h_0; c_0; b]$ flattened
//! $(2BH + 4H)$ (a `CustomOp3` takes three tensors); output
//! $(T + 1, B, H)$: $h_t$ at row $t$ in time order (also when run backwards in time), then the
//! final cell state. Cost: $O(TBH \cdot 4H)$ time as the composite path, $O(TB \cdot 5H)$ saved.
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
//! let (t, b, h) = (3, 2, 4);
//! let p = Tensor::ones((t, b, 4 * h), DType::F32, &dev).unwrap();
//! let w = Tensor::zeros((4 * h, h), DType::F32, &dev).unwrap();
//! let s0 = State { h: Tensor::zeros((b, h), DType::F32, &dev).unwrap(),
//!                  c: Some(Tensor::zeros((b, h), DType::F32, &dev).unwrap()) };
//! let (seq, last) = lstm_scan(&p, &w, None, &s0, false).unwrap();
//! assert_eq!(seq.dims(), &[t, b, h]);
//! // With every pre-activation 1 and no recurrence: c_1 = s(1) tanh(1), h_1 = s(1) tanh(c_1).
//! let s = 1.0f32 / (1.0 + (-1.0f32).exp());
//! let h1 = s * (s * 1.0f32.tanh()).tanh();
//! let got = seq.get(0).unwrap().get(0).unwrap().get(0).unwrap().to_scalar::<f32>().unwrap();
//! assert!((got - h1).abs() < 1e-6);
//! assert_eq!(last.h.dims(), &[b, h]);
//! ```

use std::sync::Mutex;

use candle_core::{bail, CpuStorage, CustomOp3, DType, Layout, Result, Shape, Tensor, WithDType};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

use super::cell::State;

/// The element types the fused kernels run on.
pub(crate) trait Elem: WithDType {
    fn tanh(self) -> Self;
    fn sigmoid(self) -> Self;
    /// `dst (+)= a b` with faer.
    fn gemm(
        dst: MatMut<'_, Self>,
        accum: Accum,
        a: MatRef<'_, Self>,
        b: MatRef<'_, Self>,
        par: Par,
    );
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
    fn gemm(
        dst: MatMut<'_, Self>,
        accum: Accum,
        a: MatRef<'_, Self>,
        b: MatRef<'_, Self>,
        par: Par,
    ) {
        matmul(dst, accum, a, b, 1.0, par);
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
    fn gemm(
        dst: MatMut<'_, Self>,
        accum: Accum,
        a: MatRef<'_, Self>,
        b: MatRef<'_, Self>,
        par: Par,
    ) {
        matmul(dst, accum, a, b, 1.0, par);
    }
}

/// $e^x$ in f32 without a library call (Cephes `expf`: $x = k \ln 2 + r$, $|r| \le \ln 2 / 2$,
/// a degree-6 polynomial for $e^r$, then $2^k$ through the exponent bits); relative error
/// ~2e-7, saturating to 0 and to ~$e^{88}$ outside $[-87, 88]$.
#[inline(always)]
fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer without `round()`.
    const MAGIC: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let k = (x * LOG2E + MAGIC) - MAGIC;
    let r = x - k * 0.693_359_4 + k * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((k as i32 + 127) as u32) << 23)
}

/// faer's parallelism for an $(m \times k)(k \times n)$ product: threads only when candle may use
/// them (RAYON_NUM_THREADS) and the product is big enough to pay for the hand-off.
fn par_for(m: usize, n: usize, k: usize) -> Par {
    let threads = candle_core::utils::get_num_threads();
    if threads > 1 && m * n * k >= 1 << 20 {
        Par::rayon(threads)
    } else {
        Par::Seq
    }
}

/// Sizes of one scan and the order it visits time.
#[derive(Debug, Clone, Copy)]
struct Dims {
    t: usize,
    b: usize,
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
}

/// What the forward pass keeps for backward: activated gates $(T, B, 4H)$, cells $c_t$ and
/// $\tanh c_t$ $(T, B, H)$.
struct Saved<T> {
    gates: Vec<T>,
    cells: Vec<T>,
    tanh_cells: Vec<T>,
}

/// Block `read` (shared) and block `write` (mutable) of `len` elements each, `read != write`.
fn read_write<T>(v: &mut [T], read: usize, write: usize, len: usize) -> (&[T], &mut [T]) {
    if read < write {
        let (lo, hi) = v.split_at_mut(write * len);
        (&lo[read * len..(read + 1) * len], &mut hi[..len])
    } else {
        let (lo, hi) = v.split_at_mut(read * len);
        (&hi[..len], &mut lo[write * len..(write + 1) * len])
    }
}

/// Forward over slices: returns the output $(T + 1, B, H)$ and the saved activations.
fn forward<T: Elem>(
    d: Dims,
    p: &[T],
    w: &[T],
    h0: &[T],
    c0: &[T],
    bias: &[T],
) -> (Vec<T>, Saved<T>) {
    let Dims { t, b, h, .. } = d;
    let (bh, b4h) = (b * h, b * 4 * h);
    let mut out = vec![T::zero(); (t + 1) * bh];
    let mut gates: Vec<T> = p
        .chunks_exact(4 * h)
        .flat_map(|row| row.iter().zip(bias).map(|(&x, &c)| x + c))
        .collect();
    let mut cells = vec![T::zero(); t * bh];
    let mut tanh_cells = vec![T::zero(); t * bh];
    let w_t = MatRef::from_row_major_slice(w, 4 * h, h).transpose();
    let par = par_for(b, 4 * h, h);
    for s in 0..t {
        let ti = d.at(s);
        let prev = (s > 0).then(|| d.at(s - 1));
        {
            let h_prev = match prev {
                Some(pi) => &out[pi * bh..(pi + 1) * bh],
                None => h0,
            };
            let a =
                MatMut::from_row_major_slice_mut(&mut gates[ti * b4h..(ti + 1) * b4h], b, 4 * h);
            T::gemm(
                a,
                Accum::Add,
                MatRef::from_row_major_slice(h_prev, b, h),
                w_t,
                par,
            );
        }
        let a = &mut gates[ti * b4h..(ti + 1) * b4h];
        let (c_prev, c) = match prev {
            Some(pi) => read_write(&mut cells, pi, ti, bh),
            None => (c0, &mut cells[ti * bh..(ti + 1) * bh]),
        };
        let hout = &mut out[ti * bh..(ti + 1) * bh];
        let tc = &mut tanh_cells[ti * bh..(ti + 1) * bh];
        for r in 0..b {
            let ar = &mut a[r * 4 * h..(r + 1) * 4 * h];
            for j in 0..h {
                let i = ar[j].sigmoid();
                let f = ar[h + j].sigmoid();
                let g = ar[2 * h + j].tanh();
                let o = ar[3 * h + j].sigmoid();
                ar[j] = i;
                ar[h + j] = f;
                ar[2 * h + j] = g;
                ar[3 * h + j] = o;
                let cv = f * c_prev[r * h + j] + i * g;
                let tcv = cv.tanh();
                c[r * h + j] = cv;
                tc[r * h + j] = tcv;
                hout[r * h + j] = o * tcv;
            }
        }
    }
    let last = d.at(t - 1);
    out[t * bh..].copy_from_slice(&cells[last * bh..(last + 1) * bh]);
    (
        out,
        Saved {
            gates,
            cells,
            tanh_cells,
        },
    )
}

/// Gradients of the scan: $(\bar p, \bar W_{hh}, [\bar h_0, \bar c_0, \bar b])$ from the output's gradient `dout`
/// $(T + 1, B, H)$, the output itself and the saved activations.
fn backward<T: Elem>(
    d: Dims,
    w: &[T],
    h0: &[T],
    c0: &[T],
    out: &[T],
    saved: &Saved<T>,
    dout: &[T],
) -> (Vec<T>, Vec<T>, Vec<T>) {
    let Dims { t, b, h, .. } = d;
    let (bh, b4h) = (b * h, b * 4 * h);
    let one = T::one();
    let mut dp = vec![T::zero(); t * b4h];
    let mut dh = vec![T::zero(); bh];
    let mut dc = dout[t * bh..].to_vec();
    let w_m = MatRef::from_row_major_slice(w, 4 * h, h);
    let par = par_for(b, h, 4 * h);
    // h_{t-1} of every step in time slots, for the single dW_hh product at the end.
    let mut h_prev_all = vec![T::zero(); t * bh];
    for s in (0..t).rev() {
        let ti = d.at(s);
        let prev = (s > 0).then(|| d.at(s - 1));
        let (h_prev, c_prev) = match prev {
            Some(pi) => (
                &out[pi * bh..(pi + 1) * bh],
                &saved.cells[pi * bh..(pi + 1) * bh],
            ),
            None => (h0, c0),
        };
        h_prev_all[ti * bh..(ti + 1) * bh].copy_from_slice(h_prev);
        let gates = &saved.gates[ti * b4h..(ti + 1) * b4h];
        let tanh_c = &saved.tanh_cells[ti * bh..(ti + 1) * bh];
        let dout_t = &dout[ti * bh..(ti + 1) * bh];
        let da = &mut dp[ti * b4h..(ti + 1) * b4h];
        for r in 0..b {
            let gr = &gates[r * 4 * h..(r + 1) * 4 * h];
            let dar = &mut da[r * 4 * h..(r + 1) * 4 * h];
            for j in 0..h {
                let k = r * h + j;
                let (i, f, g, o) = (gr[j], gr[h + j], gr[2 * h + j], gr[3 * h + j]);
                let tc = tanh_c[k];
                let dht = dout_t[k] + dh[k];
                let dct = dc[k] + dht * o * (one - tc * tc);
                dar[j] = dct * g * i * (one - i);
                dar[h + j] = dct * c_prev[k] * f * (one - f);
                dar[2 * h + j] = dct * i * (one - g * g);
                dar[3 * h + j] = dht * tc * o * (one - o);
                dc[k] = dct * f;
            }
        }
        T::gemm(
            MatMut::from_row_major_slice_mut(&mut dh, b, h),
            Accum::Replace,
            MatRef::from_row_major_slice(da, b, 4 * h),
            w_m,
            par,
        );
    }
    let mut dw = vec![T::zero(); 4 * h * h];
    T::gemm(
        MatMut::from_row_major_slice_mut(&mut dw, 4 * h, h),
        Accum::Replace,
        MatRef::from_row_major_slice(&dp, t * b, 4 * h).transpose(),
        MatRef::from_row_major_slice(&h_prev_all, t * b, h),
        par_for(4 * h, h, t * b),
    );
    // The bias gradient is the column sum of the gate gradients.
    let mut db = vec![T::zero(); 4 * h];
    for row in dp.chunks_exact(4 * h) {
        for (acc, &v) in db.iter_mut().zip(row) {
            *acc += v;
        }
    }
    dh.extend_from_slice(&dc);
    dh.extend_from_slice(&db);
    (dp, dw, dh)
}

/// The fused LSTM recurrence as a candle op; one instance per forward call, holding that call's
/// saved activations.
struct LstmScan<T> {
    reverse: bool,
    saved: Mutex<Option<Saved<T>>>,
}

/// A contiguous slice of `T` from an op argument.
fn slice<'a, T: Elem>(s: &'a CpuStorage, l: &Layout, what: &str) -> Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&s.as_slice::<T>()?[a..b]),
        None => bail!("fused LSTM: {what} must be contiguous"),
    }
}

impl<T: Elem> LstmScan<T> {
    fn dims(&self, lp: &Layout, lw: &Layout, ls: &Layout) -> Result<Dims> {
        let (t, b, g) = lp.shape().dims3()?;
        let (g2, h) = lw.shape().dims2()?;
        let s = ls.shape().dims1()?;
        if g != 4 * h || g2 != g || s != 2 * b * h + 4 * h || t == 0 {
            bail!(
                "fused LSTM: projected input {:?}, W_hh {:?}, state and bias {:?} do not fit (T, B, 4H), (4H, H), (2BH + 4H)",
                lp.dims(),
                lw.dims(),
                ls.dims()
            );
        }
        Ok(Dims {
            t,
            b,
            h,
            reverse: self.reverse,
        })
    }
}

impl<T: Elem> CustomOp3 for LstmScan<T> {
    fn name(&self) -> &'static str {
        "fused-lstm"
    }

    fn cpu_fwd(
        &self,
        sp: &CpuStorage,
        lp: &Layout,
        sw: &CpuStorage,
        lw: &Layout,
        ss: &CpuStorage,
        ls: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let d = self.dims(lp, lw, ls)?;
        let s0 = slice::<T>(ss, ls, "state")?;
        let (h0, rest) = s0.split_at(d.b * d.h);
        let (c0, bias) = rest.split_at(d.b * d.h);
        let (out, saved) = forward(
            d,
            slice::<T>(sp, lp, "projected input")?,
            slice::<T>(sw, lw, "W_hh")?,
            h0,
            c0,
            bias,
        );
        *self
            .saved
            .lock()
            .map_err(|_| candle_core::Error::Msg("fused LSTM: poisoned lock".into()))? =
            Some(saved);
        Ok((
            T::to_cpu_storage_owned(out),
            Shape::from((d.t + 1, d.b, d.h)),
        ))
    }

    fn bwd(
        &self,
        p: &Tensor,
        w: &Tensor,
        s0: &Tensor,
        res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let d = self.dims(p.layout(), w.layout(), s0.layout())?;
        let flat = |x: &Tensor| x.flatten_all()?.to_vec1::<T>();
        let (wv, sv, ov, gv) = (flat(w)?, flat(s0)?, flat(res)?, flat(grad_res)?);
        let (h0, rest) = sv.split_at(d.b * d.h);
        let c0 = &rest[..d.b * d.h];
        let guard = self
            .saved
            .lock()
            .map_err(|_| candle_core::Error::Msg("fused LSTM: poisoned lock".into()))?;
        let Some(saved) = guard.as_ref() else {
            bail!("fused LSTM: backward before forward");
        };
        let (dp, dw, ds) = backward(d, &wv, h0, c0, &ov, saved, &gv);
        let dev = p.device();
        Ok((
            Some(Tensor::from_vec(dp, (d.t, d.b, 4 * d.h), dev)?),
            Some(Tensor::from_vec(dw, (4 * d.h, d.h), dev)?),
            Some(Tensor::from_vec(ds, 2 * d.b * d.h + 4 * d.h, dev)?),
        ))
    }
}

/// True when [`lstm_scan`] can run `x`'s dtype on `x`'s device (CPU, `f32` or `f64`).
pub fn supported(x: &Tensor) -> bool {
    x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64)
}

/// Run the LSTM recurrence over the projected input `p` $(T, B, 4H)$ ($x_t W_{ih}^\top$, no
/// bias) with recurrent weights `w_hh` $(4H, H)$ and the summed bias $b_{ih} + b_{hh}$ $(4H)$, if
/// any, from `state`, backwards in time when `reverse`. Returns the hidden states $(T, B, H)$ in
/// time order and the final state. The bias enters inside the op, whose backward sums its
/// gradient in one pass (candle's broadcast-add backward is a slow strided reduction).
pub fn lstm_scan(
    p: &Tensor,
    w_hh: &Tensor,
    bias: Option<&Tensor>,
    state: &State,
    reverse: bool,
) -> Result<(Tensor, State)> {
    let Some(c0) = &state.c else {
        bail!("fused LSTM: the state needs a cell c");
    };
    if !supported(p) {
        bail!(
            "fused LSTM runs on the CPU in f32 or f64, got {:?} on {:?}",
            p.dtype(),
            p.device()
        );
    }
    let t = p.dim(0)?;
    let bias = match bias {
        Some(b) => b.clone(),
        None => Tensor::zeros(w_hh.dim(0)?, p.dtype(), p.device())?,
    };
    let s0 = Tensor::cat(&[state.h.flatten_all()?, c0.flatten_all()?, bias], 0)?;
    let (p, w) = (p.contiguous()?, w_hh.contiguous()?);
    let out = match p.dtype() {
        DType::F32 => p.apply_op3(&w, &s0, scan::<f32>(reverse))?,
        _ => p.apply_op3(&w, &s0, scan::<f64>(reverse))?,
    };
    let seq = out.narrow(0, 0, t)?;
    let last = if reverse { 0 } else { t - 1 };
    Ok((
        seq.clone(),
        State {
            h: seq.get(last)?,
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

    /// The composite oracle: the cell's own step, looped.
    fn composite(
        p: &Tensor,
        w: &Var,
        bias: &Tensor,
        s0: &State,
        reverse: bool,
    ) -> Result<(Tensor, State)> {
        let w_ih = Var::zeros((p.dim(2)?, 1), p.dtype(), p.device())?;
        let cell = Cell::from_vars(CellKind::Lstm, w_ih, w.clone(), None, None)
            .map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        cell.scan_composite(&p.broadcast_add(bias)?, s0.clone(), reverse, None)
    }

    /// Outputs, final states and the gradients of the projected input, W_hh, h_0 and c_0 equal
    /// the composite cell's in f32 (1e-5), including batch 1, one step and backwards in time.
    #[test]
    fn matches_the_composite_cell() {
        for (k, &(t, b, h)) in [(5, 3, 4), (1, 2, 3), (4, 1, 2), (7, 2, 5)]
            .iter()
            .enumerate()
        {
            for reverse in [false, true] {
                let seed = 10 * k as u64;
                let dt = DType::F32;
                let p = Var::from_tensor(&randn(&[t, b, 4 * h], seed, dt)).unwrap();
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
                        lstm_scan(&p, &w, Some(&bias), &s0, reverse).unwrap()
                    } else {
                        composite(&p, &w, &bias, &s0, reverse).unwrap()
                    };
                    let c = last.c.clone().unwrap();
                    let loss = ((&seq * &gy).unwrap().sum_all().unwrap()
                        + (&last.h * &gh).unwrap().sum_all().unwrap()
                        + (&c * &gc).unwrap().sum_all().unwrap())
                    .unwrap();
                    let grads = loss.backward().unwrap();
                    let g: Vec<Tensor> = [&p, &w, &h0, &c0, &bias]
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
                for (name, (a, e)) in ["p", "W_hh", "h0", "c0", "bias"]
                    .iter()
                    .zip(fg.iter().zip(&cg))
                {
                    assert_close(a, e, 1e-5, &format!("{what}: gradient of {name}"));
                }
            }
        }
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
        let (t, b, h) = (3, 2, 2);
        let inputs = [
            randn(&[t, b, 4 * h], 1, DType::F64),
            randn(&[4 * h, h], 2, DType::F64),
            randn(&[b, h], 3, DType::F64),
            randn(&[b, h], 4, DType::F64),
            randn(&[4 * h], 5, DType::F64),
        ];
        for reverse in [false, true] {
            let err = check_gradients(
                |v| {
                    let s0 = State {
                        h: v[2].clone(),
                        c: Some(v[3].clone()),
                    };
                    let (seq, last) = lstm_scan(&v[0], &v[1], Some(&v[4]), &s0, reverse)?;
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
        let w = randn(&[12, 3], 0, dt);
        assert!(lstm_scan(&randn(&[4, 2, 12], 0, dt), &w, None, &s0, false).is_ok());
        // Wrong gate width, wrong batch, missing cell, integer dtype.
        assert!(lstm_scan(&randn(&[4, 2, 8], 0, dt), &w, None, &s0, false).is_err());
        assert!(lstm_scan(&randn(&[4, 3, 12], 0, dt), &w, None, &s0, false).is_err());
        let no_c = State {
            h: s0.h.clone(),
            c: None,
        };
        assert!(lstm_scan(&randn(&[4, 2, 12], 0, dt), &w, None, &no_c, false).is_err());
        let ints = Tensor::zeros((4, 2, 12), DType::U32, &candle_core::Device::Cpu).unwrap();
        assert!(lstm_scan(&ints, &w, None, &s0, false).is_err());
    }
}
