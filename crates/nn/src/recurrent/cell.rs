//! One time step of a vanilla RNN, an LSTM or a GRU, with PyTorch's gate order and biases.
//!
//! With input $x_t \in \mathbb{R}^{B \times I}$, previous state $h_{t-1} \in \mathbb{R}^{B \times H}$,
//! weights $W_{ih} \in \mathbb{R}^{GH \times I}$, $W_{hh} \in \mathbb{R}^{GH \times H}$ and biases
//! $b_{ih}, b_{hh} \in \mathbb{R}^{GH}$ ($G$ gates stacked row-wise), $\sigma$ the logistic function:
//!
//! - **RNN** ($G = 1$): $h_t = \phi(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$ with
//!   $\phi = \tanh$ or ReLU.
//! - **LSTM** ($G = 4$, order $i, f, g, o$ as `torch.nn.LSTM`): with
//!   $a = x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}$ split into $a_i, a_f, a_g, a_o$,
//!   $c_t = \sigma(a_f) \odot c_{t-1} + \sigma(a_i) \odot \tanh(a_g)$ and
//!   $h_t = \sigma(a_o) \odot \tanh(c_t)$.
//! - **GRU** ($G = 3$, order $r, z, n$ as `torch.nn.GRU`): with $u = x_t W_{ih}^\top + b_{ih}$ and
//!   $v = h_{t-1} W_{hh}^\top + b_{hh}$ split likewise, $r = \sigma(u_r + v_r)$,
//!   $z = \sigma(u_z + v_z)$, $n = \tanh(u_n + r \odot v_n)$ (the recurrent bias $b_{hn}$ sits
//!   inside the reset product, as in PyTorch) and $h_t = (1 - z) \odot n + z \odot h_{t-1}$.
//!
//! The input part $x_t W_{ih}^\top + b_{ih}$ does not depend on the state, so a layer computes it
//! for every time step at once ([`Cell::project`], one $(BT \times I)(I \times GH)$ product) and
//! the sequential part ([`Cell::step_projected`]) is one $(B \times H)(H \times GH)$ product plus
//! element-wise work per step: $O(B\,GH\,(I + H))$ per step in all.
//!
//! Initialised like PyTorch: every weight and bias from $U(-1/\sqrt H, 1/\sqrt H)$.
//! References: J. Elman, *Finding Structure in Time*, 1990; S. Hochreiter, J. Schmidhuber,
//! *Long Short-Term Memory*, 1997 (with the forget gate of F. Gers et al., 2000); K. Cho et al.,
//! *Learning Phrase Representations using RNN Encoder-Decoder*, 2014.
//!
//! ```
//! use breadth_nn::recurrent::cell::{Cell, CellKind, State};
//! use breadth_nn::params::Params;
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! let mut params = Params::new();
//! let cell = Cell::new(&mut params, "lstm", "l0", CellKind::Lstm, 3, 5, true, &mut seeded_rng(0), DType::F32).unwrap();
//! assert_eq!(params.n_trainable_values(), 4 * 5 * (3 + 5) + 2 * 4 * 5);
//! let x = Tensor::ones((2, 3), DType::F32, &Device::Cpu).unwrap();
//! let s = cell.step(&x, &State::zeros(&cell, 2, &x).unwrap(), None).unwrap();
//! assert_eq!(s.h.dims(), &[2, 5]);
//! assert!(s.h.abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap() < 1.0);
//! ```

use breadth_core::{Error, Rng};
use candle_core::{DType, Result, Tensor, Var};
use serde::{Deserialize, Serialize};

use crate::activation::sigmoid;
use crate::init::Init;
use crate::params::Params;

/// The non-linearity of a vanilla RNN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Nonlinearity {
    /// $\tanh$ (PyTorch's default).
    Tanh,
    /// $\max(x, 0)$.
    Relu,
}

/// Which recurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CellKind {
    /// Elman RNN.
    Rnn(Nonlinearity),
    /// Long short-term memory (gates $i, f, g, o$).
    Lstm,
    /// Gated recurrent unit (gates $r, z, n$).
    Gru,
}

impl CellKind {
    /// Number of gate blocks $G$ stacked in the weights.
    pub fn gates(&self) -> usize {
        match self {
            CellKind::Rnn(_) => 1,
            CellKind::Lstm => 4,
            CellKind::Gru => 3,
        }
    }

    /// True for the LSTM, whose state carries a cell $c$ besides $h$.
    pub fn has_cell(&self) -> bool {
        matches!(self, CellKind::Lstm)
    }
}

/// The recurrent state of a batch: $h$ $(B, H)$ and, for an LSTM, the cell $c$ $(B, H)$.
#[derive(Debug, Clone)]
pub struct State {
    /// Hidden state $h$, $(B, H)$.
    pub h: Tensor,
    /// Cell state $c$ of an LSTM, $(B, H)$.
    pub c: Option<Tensor>,
}

impl State {
    /// The zero state of `cell` for `batch` rows, with the dtype and device of `like`.
    pub fn zeros(cell: &Cell, batch: usize, like: &Tensor) -> Result<Self> {
        let h = Tensor::zeros((batch, cell.hidden), like.dtype(), like.device())?;
        let c = cell.kind.has_cell().then(|| h.clone());
        Ok(State { h, c })
    }

    /// The same values cut off from the graph: gradients stop here (truncated BPTT).
    pub fn detach(&self) -> Self {
        State {
            h: self.h.detach(),
            c: self.c.as_ref().map(Tensor::detach),
        }
    }
}

/// The weights of one recurrent cell.
#[derive(Debug, Clone)]
pub struct Cell {
    kind: CellKind,
    hidden: usize,
    w_ih: Var,
    w_hh: Var,
    b_ih: Option<Var>,
    b_hh: Option<Var>,
}

impl Cell {
    /// A cell registered as `{name}.weight_ih_{suffix}`, `{name}.weight_hh_{suffix}`,
    /// `{name}.bias_ih_{suffix}`, `{name}.bias_hh_{suffix}` (PyTorch's names, e.g. suffix `l0`
    /// or `l1_reverse`), initialised like PyTorch.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        params: &mut Params,
        name: &str,
        suffix: &str,
        kind: CellKind,
        input: usize,
        hidden: usize,
        bias: bool,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        if input == 0 || hidden == 0 {
            return Err(Error::param(
                name,
                format!(
                    "a recurrent cell needs positive sizes, got input {input}, hidden {hidden}"
                ),
            ));
        }
        let g = kind.gates() * hidden;
        let init = Init::Uniform {
            bound: 1.0 / (hidden as f64).sqrt(),
        };
        let mut add = |what: &str, shape: &[usize]| -> breadth_core::Result<Var> {
            params.add(
                &format!("{name}.{what}_{suffix}"),
                init.sample(shape, rng, dtype)?,
                true,
            )
        };
        let w_ih = add("weight_ih", &[g, input])?;
        let w_hh = add("weight_hh", &[g, hidden])?;
        let (b_ih, b_hh) = if bias {
            (Some(add("bias_ih", &[g])?), Some(add("bias_hh", &[g])?))
        } else {
            (None, None)
        };
        Ok(Cell {
            kind,
            hidden,
            w_ih,
            w_hh,
            b_ih,
            b_hh,
        })
    }

    /// A cell over existing variables: $W_{ih}$ $(GH, I)$, $W_{hh}$ $(GH, H)$, biases $(GH)$.
    pub fn from_vars(
        kind: CellKind,
        w_ih: Var,
        w_hh: Var,
        b_ih: Option<Var>,
        b_hh: Option<Var>,
    ) -> breadth_core::Result<Self> {
        let (g, _) = w_ih.dims2().map_err(crate::tensor_err("cell weights"))?;
        let (g2, hidden) = w_hh.dims2().map_err(crate::tensor_err("cell weights"))?;
        if g != g2 || g != kind.gates() * hidden {
            return Err(Error::shape(
                format!("{kind:?} cell weights"),
                format!("{} x H rows with H = {hidden}", kind.gates()),
                format!("weight_ih {:?}, weight_hh {:?}", w_ih.dims(), w_hh.dims()),
            ));
        }
        for b in b_ih.iter().chain(&b_hh) {
            if b.dims() != [g] {
                return Err(Error::shape("cell bias", g, format!("{:?}", b.dims())));
            }
        }
        Ok(Cell {
            kind,
            hidden,
            w_ih,
            w_hh,
            b_ih,
            b_hh,
        })
    }

    /// The recurrence.
    pub fn kind(&self) -> CellKind {
        self.kind
    }

    /// Hidden size $H$.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// Input size $I$.
    pub fn input(&self) -> usize {
        self.w_ih.dims()[1]
    }

    /// $W_{ih}$, $(GH, I)$.
    pub fn weight_ih(&self) -> &Var {
        &self.w_ih
    }

    /// $W_{hh}$, $(GH, H)$.
    pub fn weight_hh(&self) -> &Var {
        &self.w_hh
    }

    /// $b_{ih}$ and $b_{hh}$, $(GH)$ each, when the cell has biases.
    pub fn biases(&self) -> Option<(&Var, &Var)> {
        self.b_ih.as_ref().zip(self.b_hh.as_ref())
    }

    /// The input part $x W_{ih}^\top + b_{ih}$ for $x$ of shape $(\dots, I)$, giving $(\dots, GH)$.
    pub fn project(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.project_weights(x)?;
        match &self.b_ih {
            Some(b) => y.broadcast_add(b.as_tensor()),
            None => Ok(y),
        }
    }

    /// $x W_{ih}^\top$ without the bias, $(\dots, I) \to (\dots, GH)$.
    fn project_weights(&self, x: &Tensor) -> Result<Tensor> {
        let w = self.w_ih.as_tensor();
        let (lead, i) = x.dims().split_at(x.rank() - 1);
        let mut shape = lead.to_vec();
        shape.push(w.dim(0)?);
        x.reshape(((), i[0]))?.matmul(&w.t()?)?.reshape(shape)
    }

    /// One step from the projected input `xp` $(B, GH)$ (see [`Cell::project`]). `h_mask`, when
    /// given, multiplies $h_{t-1}$ where it enters the recurrent product (variational dropout).
    pub fn step_projected(
        &self,
        xp: &Tensor,
        state: &State,
        h_mask: Option<&Tensor>,
    ) -> Result<State> {
        let hd = self.hidden;
        let h_in = match h_mask {
            Some(m) => (&state.h * m)?,
            None => state.h.clone(),
        };
        let mut v = h_in.matmul(&self.w_hh.as_tensor().t()?)?;
        if let Some(b) = &self.b_hh {
            v = v.broadcast_add(b.as_tensor())?;
        }
        match self.kind {
            CellKind::Rnn(f) => {
                let a = (xp + v)?;
                let h = match f {
                    Nonlinearity::Tanh => a.tanh()?,
                    Nonlinearity::Relu => a.relu()?,
                };
                Ok(State { h, c: None })
            }
            CellKind::Lstm => {
                let a = (xp + v)?;
                // One sigmoid over all four blocks is cheaper than three narrow+sigmoid chains;
                // the g block's sigmoid is simply unused.
                let s = sigmoid(&a)?;
                let (i, f, o) = (
                    s.narrow(1, 0, hd)?,
                    s.narrow(1, hd, hd)?,
                    s.narrow(1, 3 * hd, hd)?,
                );
                let g = a.narrow(1, 2 * hd, hd)?.tanh()?;
                let c_prev = state.c.as_ref().ok_or_else(|| {
                    candle_core::Error::Msg("an LSTM state needs a cell c".into())
                })?;
                let c = ((f * c_prev)? + (i * g)?)?;
                let h = (o * c.tanh()?)?;
                Ok(State { h, c: Some(c) })
            }
            CellKind::Gru => {
                let rz = sigmoid(&(xp.narrow(1, 0, 2 * hd)? + v.narrow(1, 0, 2 * hd)?)?)?;
                let (r, z) = (rz.narrow(1, 0, hd)?, rz.narrow(1, hd, hd)?);
                let n = (xp.narrow(1, 2 * hd, hd)? + (r * v.narrow(1, 2 * hd, hd)?)?)?.tanh()?;
                // (1 - z) n + z h = n + z (h - n)
                let h = (&n + (z * (&state.h - &n)?)?)?;
                Ok(State { h, c: None })
            }
        }
    }

    /// One step from the raw input `x` $(B, I)$.
    pub fn step(&self, x: &Tensor, state: &State, h_mask: Option<&Tensor>) -> Result<State> {
        self.step_projected(&self.project(x)?, state, h_mask)
    }

    /// Run over the time-major input `x` $(T, B, I)$ from `state`, backwards in time when
    /// `reverse`; returns the hidden states $(T, B, H)$ in time order and the final state. An
    /// LSTM on the CPU in `f32`/`f64` without a recurrent mask runs the fused op
    /// ([`super::fused`]); everything else runs [`Cell::scan_composite`] on [`Cell::project`].
    pub fn scan(
        &self,
        x: &Tensor,
        state: State,
        reverse: bool,
        h_mask: Option<&Tensor>,
    ) -> Result<(Tensor, State)> {
        if self.kind == CellKind::Lstm && h_mask.is_none() && super::fused::supported(x) {
            let bias = match (&self.b_ih, &self.b_hh) {
                (Some(a), Some(b)) => Some((a.as_tensor() + b.as_tensor())?),
                _ => None,
            };
            return super::fused::lstm_scan(
                x,
                self.w_ih.as_tensor(),
                self.w_hh.as_tensor(),
                bias.as_ref(),
                &state,
                reverse,
            );
        }
        self.scan_composite(&self.project(x)?, state, reverse, h_mask)
    }

    /// [`Cell::scan`] as a loop of [`Cell::step_projected`]: every kind, mask and device, and the
    /// oracle the fused LSTM is tested against.
    pub fn scan_composite(
        &self,
        xp: &Tensor,
        mut state: State,
        reverse: bool,
        h_mask: Option<&Tensor>,
    ) -> Result<(Tensor, State)> {
        let t = xp.dim(0)?;
        let mut hs = Vec::with_capacity(t);
        for step in 0..t {
            let s = if reverse { t - 1 - step } else { step };
            state = self.step_projected(&xp.get(s)?, &state, h_mask)?;
            hs.push(state.h.clone());
        }
        if reverse {
            hs.reverse();
        }
        Ok((Tensor::stack(&hs, 0)?, state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use breadth_core::seeded_rng;

    fn randn(shape: &[usize], seed: u64) -> Tensor {
        Init::Normal { std: 0.7 }
            .sample(shape, &mut seeded_rng(seed), DType::F64)
            .unwrap()
    }

    /// Every cell's step, differentiated with respect to input, state and all weights, agrees
    /// with central differences in f64.
    #[test]
    fn finite_differences_every_kind() {
        let (b, i, h) = (2, 3, 2);
        for kind in [
            CellKind::Rnn(Nonlinearity::Tanh),
            CellKind::Rnn(Nonlinearity::Relu),
            CellKind::Lstm,
            CellKind::Gru,
        ] {
            let g = kind.gates() * h;
            let inputs = vec![
                randn(&[b, i], 1),
                randn(&[b, h], 2),
                randn(&[b, h], 3),
                randn(&[g, i], 4),
                randn(&[g, h], 5),
                randn(&[g], 6),
                randn(&[g], 7),
            ];
            let err = check_gradients(
                |v| {
                    let var = |t: &Tensor| Var::from_tensor(t);
                    let cell = Cell::from_vars(
                        kind,
                        var(&v[3])?,
                        var(&v[4])?,
                        Some(var(&v[5])?),
                        Some(var(&v[6])?),
                    )
                    .map_err(|e| candle_core::Error::Msg(e.to_string()))?;
                    let state = State {
                        h: v[1].clone(),
                        c: kind.has_cell().then(|| v[2].clone()),
                    };
                    let s = cell.step(&v[0], &state, None)?;
                    match s.c {
                        Some(c) => Tensor::cat(&[s.h, c], 1),
                        None => Ok(s.h),
                    }
                },
                &inputs,
                1e-6,
            )
            .unwrap();
            assert!(err < 1e-6, "{kind:?}: {err:e}");
        }
    }

    #[test]
    fn mismatched_weights_are_refused() {
        let w_ih = Var::from_tensor(&randn(&[8, 3], 0)).unwrap();
        let w_hh = Var::from_tensor(&randn(&[8, 2], 0)).unwrap();
        // 8 rows = 4 x 2 fits an LSTM but not a GRU.
        assert!(Cell::from_vars(CellKind::Lstm, w_ih.clone(), w_hh.clone(), None, None).is_ok());
        assert!(Cell::from_vars(CellKind::Gru, w_ih, w_hh, None, None).is_err());
        let mut p = Params::new();
        assert!(Cell::new(
            &mut p,
            "c",
            "l0",
            CellKind::Gru,
            0,
            2,
            true,
            &mut seeded_rng(0),
            DType::F32
        )
        .is_err());
    }
}
