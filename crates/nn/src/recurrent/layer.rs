//! A recurrent layer over whole sequences: stacked, optionally bidirectional, with dropout between
//! layers and variational (per-sequence) dropout, trained by backpropagation through time.
//!
//! For an input $x \in \mathbb{R}^{B \times T \times I}$ (batch first), layer $l$ of $L$ runs its
//! cell ([`super::cell`]) over $t = 1, \dots, T$ (and, when bidirectional, a second cell over
//! $t = T, \dots, 1$); the input of layer $l > 1$ is the output of layer $l - 1$, the forward and
//! backward hidden states concatenated, $y_t = [\overrightarrow{h}_t; \overleftarrow{h}_t]$.
//! Outputs: the last layer's $y \in \mathbb{R}^{B \times T \times DH}$ ($D = 2$ when
//! bidirectional) and the final states $h_n$ (and $c_n$) $\in \mathbb{R}^{LD \times B \times H}$
//! ordered layer by layer, forward before backward, exactly as `torch.nn.RNN/LSTM/GRU`.
//!
//! Backpropagation through time is candle's reverse pass over the unrolled graph (for an LSTM on
//! the CPU without a recurrent dropout mask, the hand-written pass of [`super::fused`]): the gradient
//! reaching $h_t$ is $\partial L/\partial h_t = \partial L_t/\partial h_t + (\partial h_{t+1}/\partial h_t)^\top \partial L/\partial h_{t+1}$,
//! a product of $T - t$ Jacobians (whence vanishing and exploding gradients, see
//! [`super::demo`]); [`super::tbptt`] cuts it into windows.
//!
//! Dropout (training mode only): `dropout` $p$ drops the outputs of every layer but the last
//! with a fresh mask per element, as PyTorch; `variational` $q$ draws one mask per sequence for
//! each layer's input $x_t$ and one for its recurrent input $h_{t-1}$, reused at every step
//! (Y. Gal, Z. Ghahramani, *A Theoretically Grounded Application of Dropout in Recurrent Neural
//! Networks*, NeurIPS 2016), which regularises the recurrence without destroying memory.
//!
//! Cost: $O(L D T B\,GH(I + H))$ time, $O(L D T B\,GH)$ memory for the backward pass.
//!
//! ```
//! use breadth_nn::recurrent::{cell::CellKind, layer::{Recurrent, RecurrentConfig}};
//! use breadth_nn::{layers::Mode, params::Params};
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! let mut params = Params::new();
//! let cfg = RecurrentConfig::new(CellKind::Gru, 3, 8).layers(2).bidirectional(true);
//! let gru = Recurrent::new(&mut params, "gru", &cfg, &mut seeded_rng(0), DType::F32).unwrap();
//! let x = Tensor::zeros((4, 10, 3), DType::F32, &Device::Cpu).unwrap();
//! let out = gru.forward(&x, None, &mut Mode::Eval).unwrap();
//! assert_eq!(out.output.dims(), &[4, 10, 16]);
//! assert_eq!(out.h_n.dims(), &[4, 4, 8]);
//! ```

use breadth_core::{Error, Rng};
use candle_core::{DType, Result, Tensor};
use serde::{Deserialize, Serialize};

use super::cell::{Cell, CellKind, State};
use crate::layers::dropout::Dropout;
use crate::layers::Mode;
use crate::params::Params;

/// Shape and regularisation of a [`Recurrent`] layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecurrentConfig {
    /// The recurrence.
    pub kind: CellKind,
    /// Input features $I$.
    pub input_size: usize,
    /// Hidden size $H$.
    pub hidden_size: usize,
    /// Stacked layers $L \ge 1$.
    pub num_layers: usize,
    /// Run a second cell backwards in time in every layer.
    pub bidirectional: bool,
    /// Learn the biases $b_{ih}, b_{hh}$.
    pub bias: bool,
    /// Drop probability on the outputs of every layer but the last (fresh mask per element).
    pub dropout: f64,
    /// Drop probability of the per-sequence masks on each layer's inputs and recurrent state.
    pub variational: f64,
}

impl RecurrentConfig {
    /// One unidirectional layer with biases and no dropout.
    pub fn new(kind: CellKind, input_size: usize, hidden_size: usize) -> Self {
        RecurrentConfig {
            kind,
            input_size,
            hidden_size,
            num_layers: 1,
            bidirectional: false,
            bias: true,
            dropout: 0.0,
            variational: 0.0,
        }
    }

    /// Set the number of stacked layers.
    pub fn layers(mut self, n: usize) -> Self {
        self.num_layers = n;
        self
    }

    /// Set bidirectionality.
    pub fn bidirectional(mut self, yes: bool) -> Self {
        self.bidirectional = yes;
        self
    }

    /// Set whether the cells have biases.
    pub fn bias(mut self, yes: bool) -> Self {
        self.bias = yes;
        self
    }

    /// Set the between-layer dropout probability.
    pub fn dropout(mut self, p: f64) -> Self {
        self.dropout = p;
        self
    }

    /// Set the variational (per-sequence) dropout probability.
    pub fn variational(mut self, p: f64) -> Self {
        self.variational = p;
        self
    }

    /// Directions $D$: 2 when bidirectional.
    pub fn directions(&self) -> usize {
        if self.bidirectional {
            2
        } else {
            1
        }
    }

    fn validate(&self) -> breadth_core::Result<()> {
        if self.num_layers == 0 {
            return Err(Error::param("num_layers", "needs at least one layer"));
        }
        for (name, p) in [("dropout", self.dropout), ("variational", self.variational)] {
            if !(0.0..1.0).contains(&p) {
                return Err(Error::param(name, format!("must lie in [0, 1), got {p}")));
            }
        }
        Ok(())
    }
}

/// The result of running a [`Recurrent`] layer over a batch of sequences.
#[derive(Debug, Clone)]
pub struct RecurrentOutput {
    /// The last layer's outputs, $(B, T, DH)$.
    pub output: Tensor,
    /// Final hidden states, $(LD, B, H)$.
    pub h_n: Tensor,
    /// Final cell states of an LSTM, $(LD, B, H)$.
    pub c_n: Option<Tensor>,
}

impl RecurrentOutput {
    /// The final states as per-cell [`State`]s (for continuing a sequence).
    pub fn states(&self) -> Result<Vec<State>> {
        (0..self.h_n.dim(0)?)
            .map(|k| {
                Ok(State {
                    h: self.h_n.get(k)?,
                    c: self.c_n.as_ref().map(|c| c.get(k)).transpose()?,
                })
            })
            .collect()
    }
}

/// A stacked, optionally bidirectional recurrent layer.
#[derive(Debug, Clone)]
pub struct Recurrent {
    cfg: RecurrentConfig,
    /// Cell of layer `l`, direction `d` at index `l * D + d`.
    cells: Vec<Cell>,
}

impl Recurrent {
    /// A layer whose variables are registered under PyTorch's names prefixed by `{name}.`
    /// (`gru.weight_ih_l0`, `gru.bias_hh_l1_reverse`, ...), initialised like PyTorch.
    pub fn new(
        params: &mut Params,
        name: &str,
        cfg: &RecurrentConfig,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        cfg.validate()?;
        let d = cfg.directions();
        let mut cells = Vec::with_capacity(cfg.num_layers * d);
        for l in 0..cfg.num_layers {
            let input = if l == 0 {
                cfg.input_size
            } else {
                d * cfg.hidden_size
            };
            for dir in 0..d {
                let suffix = if dir == 0 {
                    format!("l{l}")
                } else {
                    format!("l{l}_reverse")
                };
                cells.push(Cell::new(
                    params,
                    name,
                    &suffix,
                    cfg.kind,
                    input,
                    cfg.hidden_size,
                    cfg.bias,
                    rng,
                    dtype,
                )?);
            }
        }
        Ok(Recurrent { cfg: *cfg, cells })
    }

    /// The configuration.
    pub fn config(&self) -> &RecurrentConfig {
        &self.cfg
    }

    /// The cells, layer by layer, forward before backward.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// Run over `x` $(B, T, I)$ from the initial states `init` (one per cell, in the order of
    /// $h_n$; zeros when `None`).
    pub fn forward(
        &self,
        x: &Tensor,
        init: Option<&[State]>,
        mode: &mut Mode<'_>,
    ) -> Result<RecurrentOutput> {
        let (b, t, i) = x.dims3()?;
        if i != self.cfg.input_size {
            candle_core::bail!(
                "recurrent layer expects {} input features, got {i}",
                self.cfg.input_size
            );
        }
        if t == 0 {
            candle_core::bail!("recurrent layer got an empty sequence (T = 0)");
        }
        if let Some(s) = init {
            if s.len() != self.cells.len() {
                candle_core::bail!(
                    "recurrent layer needs {} initial states, got {}",
                    self.cells.len(),
                    s.len()
                );
            }
        }
        let d = self.cfg.directions();
        let between =
            Dropout::new(self.cfg.dropout).map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        let variational = Dropout::new(self.cfg.variational)
            .map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        // Time-major, so that the slice of one step is contiguous.
        let mut input = x.transpose(0, 1)?.contiguous()?;
        let (mut hs, mut cs) = (Vec::new(), Vec::new());
        for l in 0..self.cfg.num_layers {
            if l > 0 {
                if let Mode::Train(rng) = mode {
                    if self.cfg.dropout > 0.0 {
                        input = (&input * between.mask(&input, rng)?)?;
                    }
                }
            }
            let mut outs = Vec::with_capacity(d);
            for dir in 0..d {
                let k = l * d + dir;
                let cell = &self.cells[k];
                let (x_mask, h_mask) = match mode {
                    Mode::Train(rng) if self.cfg.variational > 0.0 => {
                        let xm = variational.mask(&input.get(0)?, rng)?;
                        let hm = variational.mask(
                            &Tensor::zeros((b, cell.hidden()), x.dtype(), x.device())?,
                            rng,
                        )?;
                        (Some(xm), Some(hm))
                    }
                    _ => (None, None),
                };
                let xin = match &x_mask {
                    Some(m) => input.broadcast_mul(m)?,
                    None => input.clone(),
                };
                let start = match init {
                    Some(s) => s[k].clone(),
                    None => State::zeros(cell, b, x)?,
                };
                let (seq, last) = cell.scan(&xin, start, dir == 1, h_mask.as_ref())?;
                outs.push(seq);
                hs.push(last.h);
                cs.extend(last.c);
            }
            input = if d == 1 {
                outs.pop().unwrap_or(input)
            } else {
                Tensor::cat(&outs, 2)?
            };
        }
        Ok(RecurrentOutput {
            output: input.transpose(0, 1)?,
            h_n: Tensor::stack(&hs, 0)?,
            c_n: if cs.is_empty() {
                None
            } else {
                Some(Tensor::stack(&cs, 0)?)
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use crate::recurrent::cell::Nonlinearity;
    use crate::test_support::{assert_close, tensor};
    use breadth_core::seeded_rng;
    use candle_core::{Device, Var};
    use serde_json::Value;

    fn fixture() -> Value {
        let text = include_str!("../../tests/fixtures/recurrent/layers.json");
        serde_json::from_str(text).unwrap()
    }

    fn kind_of(case: &Value) -> CellKind {
        match case["kind"].as_str().unwrap() {
            "rnn" if case["nonlinearity"] == "relu" => CellKind::Rnn(Nonlinearity::Relu),
            "rnn" => CellKind::Rnn(Nonlinearity::Tanh),
            "lstm" => CellKind::Lstm,
            _ => CellKind::Gru,
        }
    }

    fn config_of(case: &Value) -> RecurrentConfig {
        RecurrentConfig::new(
            kind_of(case),
            case["input_size"].as_u64().unwrap() as usize,
            case["hidden_size"].as_u64().unwrap() as usize,
        )
        .layers(case["layers"].as_u64().unwrap() as usize)
        .bidirectional(case["bidirectional"].as_bool().unwrap())
        .bias(case["bias"].as_bool().unwrap())
    }

    /// Forward outputs, final states and the gradients of every weight, the input and the initial
    /// states against `reference/nn_recurrent.py` (torch 2.15.0 `nn.RNN/LSTM/GRU`, f32), 1e-5.
    #[test]
    fn matches_pytorch() {
        let fx = fixture();
        for (name, case) in fx["cases"].as_object().unwrap() {
            let cfg = config_of(case);
            let mut params = Params::new();
            let layer =
                Recurrent::new(&mut params, "rnn", &cfg, &mut seeded_rng(0), DType::F32).unwrap();
            for e in params.entries() {
                let key = e.name.strip_prefix("rnn.").unwrap();
                e.var
                    .set(&tensor(&case["weights"][key], DType::F32))
                    .unwrap();
            }
            assert_eq!(
                params.len(),
                case["weights"].as_object().unwrap().len(),
                "{name}"
            );
            let x = Var::from_tensor(&tensor(&case["x"], DType::F32)).unwrap();
            let h0 = Var::from_tensor(&tensor(&case["h0"], DType::F32)).unwrap();
            let c0 = cfg
                .kind
                .has_cell()
                .then(|| Var::from_tensor(&tensor(&case["c0"], DType::F32)).unwrap());
            let init: Vec<State> = (0..h0.dim(0).unwrap())
                .map(|k| State {
                    h: h0.get(k).unwrap(),
                    c: c0.as_ref().map(|c| c.get(k).unwrap()),
                })
                .collect();
            let out = layer.forward(&x, Some(&init), &mut Mode::Eval).unwrap();
            assert_close(&out.output, &tensor(&case["y"], DType::F32), 1e-5, name);
            assert_close(&out.h_n, &tensor(&case["hn"], DType::F32), 1e-5, name);
            let mut total = ((&out.output * tensor(&case["gy"], DType::F32))
                .unwrap()
                .sum_all()
                .unwrap()
                + (&out.h_n * tensor(&case["gh"], DType::F32))
                    .unwrap()
                    .sum_all()
                    .unwrap())
            .unwrap();
            if let Some(c_n) = &out.c_n {
                assert_close(c_n, &tensor(&case["cn"], DType::F32), 1e-5, name);
                total = (total
                    + (c_n * tensor(&case["gc"], DType::F32))
                        .unwrap()
                        .sum_all()
                        .unwrap())
                .unwrap();
            }
            let grads = total.backward().unwrap();
            let g = |v: &Var| grads.get(v.as_tensor()).unwrap().clone();
            assert_close(&g(&x), &tensor(&case["grads"]["x"], DType::F32), 1e-5, name);
            assert_close(
                &g(&h0),
                &tensor(&case["grads"]["h0"], DType::F32),
                1e-5,
                name,
            );
            if let Some(c0) = &c0 {
                assert_close(
                    &g(c0),
                    &tensor(&case["grads"]["c0"], DType::F32),
                    1e-5,
                    name,
                );
            }
            for e in params.entries() {
                let key = e.name.strip_prefix("rnn.").unwrap();
                let what = format!("{name}: gradient of {key}");
                assert_close(
                    &g(&e.var),
                    &tensor(&case["grads"][key], DType::F32),
                    1e-5,
                    &what,
                );
            }
        }
    }

    /// A stacked bidirectional LSTM and GRU pass finite differences in f64 through the input
    /// (the weights are covered cell by cell in `cell.rs`).
    #[test]
    fn finite_differences_stacked_bidirectional() {
        for kind in [CellKind::Lstm, CellKind::Gru] {
            let cfg = RecurrentConfig::new(kind, 2, 2)
                .layers(2)
                .bidirectional(true);
            let mut params = Params::new();
            let layer =
                Recurrent::new(&mut params, "r", &cfg, &mut seeded_rng(1), DType::F64).unwrap();
            let x = crate::init::Init::Normal { std: 1.0 }
                .sample(&[2, 3, 2], &mut seeded_rng(2), DType::F64)
                .unwrap();
            let err = check_gradients(
                |v| {
                    let o = layer.forward(&v[0], None, &mut Mode::Eval)?;
                    Tensor::cat(&[o.output.flatten_all()?, o.h_n.flatten_all()?], 0)
                },
                &[x],
                1e-6,
            )
            .unwrap();
            assert!(err < 1e-6, "{kind:?}: {err:e}");
        }
    }

    /// Variational dropout uses one mask per sequence: with a zero input and zero recurrent
    /// weights, an RNN's output is constant in time in evaluation, and with per-sequence masks
    /// the dropped hidden units are the same at every step (same mask, same zeros).
    #[test]
    fn variational_masks_are_shared_over_time() {
        let cfg = RecurrentConfig::new(CellKind::Rnn(Nonlinearity::Tanh), 6, 5).variational(0.5);
        let mut params = Params::new();
        let layer = Recurrent::new(&mut params, "r", &cfg, &mut seeded_rng(3), DType::F64).unwrap();
        params.entries()[1]
            .var
            .set(&Tensor::zeros((5, 5), DType::F64, &Device::Cpu).unwrap())
            .unwrap();
        let step = Tensor::new(&[1.0f64, 2.0, -1.0, 0.5, 1.5, -2.0], &Device::Cpu).unwrap();
        let x = step.reshape((1, 1, 6)).unwrap().repeat((3, 7, 1)).unwrap();
        let mut rng = seeded_rng(4);
        let y = layer
            .forward(&x, None, &mut Mode::Train(&mut rng))
            .unwrap()
            .output;
        let y = y.to_vec3::<f64>().unwrap();
        for seq in &y {
            for t in 1..7 {
                assert_eq!(seq[t], seq[0], "the input mask changed within a sequence");
            }
        }
        // ... but masks differ between sequences.
        assert!(y[0][0] != y[1][0] || y[1][0] != y[2][0]);
        let eval = layer.forward(&x, None, &mut Mode::Eval).unwrap().output;
        assert!(eval.to_vec3::<f64>().unwrap()[0][0] != y[0][0]);
    }

    /// Between-layer dropout changes the output in training and not in evaluation; a single
    /// layer is unaffected (nothing lies between layers).
    #[test]
    fn between_layer_dropout() {
        let x = Tensor::ones((2, 4, 3), DType::F32, &Device::Cpu).unwrap();
        for (layers, changes) in [(1, false), (2, true)] {
            let cfg = RecurrentConfig::new(CellKind::Gru, 3, 4)
                .layers(layers)
                .dropout(0.5);
            let mut params = Params::new();
            let layer =
                Recurrent::new(&mut params, "r", &cfg, &mut seeded_rng(0), DType::F32).unwrap();
            let a = layer.forward(&x, None, &mut Mode::Eval).unwrap().output;
            let b = layer
                .forward(&x, None, &mut Mode::Train(&mut seeded_rng(1)))
                .unwrap()
                .output;
            let diff = (a - b)
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert_eq!(diff > 1e-6, changes, "{layers} layers: {diff}");
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let cfg = RecurrentConfig::new(CellKind::Lstm, 3, 4);
        let mut params = Params::new();
        let layer = Recurrent::new(&mut params, "r", &cfg, &mut seeded_rng(0), DType::F32).unwrap();
        let wrong = Tensor::zeros((2, 5, 4), DType::F32, &Device::Cpu).unwrap();
        assert!(layer.forward(&wrong, None, &mut Mode::Eval).is_err());
        let empty = Tensor::zeros((2, 0, 3), DType::F32, &Device::Cpu).unwrap();
        assert!(layer.forward(&empty, None, &mut Mode::Eval).is_err());
        let mut p = Params::new();
        assert!(
            Recurrent::new(&mut p, "r", &cfg.layers(0), &mut seeded_rng(0), DType::F32).is_err()
        );
        assert!(Recurrent::new(
            &mut p,
            "r",
            &cfg.dropout(1.0),
            &mut seeded_rng(0),
            DType::F32
        )
        .is_err());
    }
}
