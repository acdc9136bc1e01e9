//! Recurrent networks: vanilla RNN, LSTM and GRU cells, stacked and bidirectional layers,
//! backpropagation through time (full and truncated), recurrent dropout, and a measurement of
//! vanishing and exploding gradients.
//!
//! - [`cell`]: one time step $h_t = f(x_t, h_{t-1})$ of each recurrence, PyTorch's gate order.
//! - [`layer`]: a whole sequence $x \in \mathbb{R}^{B \times T \times I}$ through $L$ stacked
//!   layers, each optionally bidirectional, with between-layer and variational dropout.
//! - [`fused`]: the whole LSTM recurrence as one candle op with a hand-written backward pass,
//!   used by [`cell::Cell::scan`] on the CPU.
//! - [`tbptt`]: truncated backpropagation through time over long sequences.
//! - [`demo`]: the delayed-recall task and the gradient norm $\|\partial L / \partial h_t\|$ as a
//!   function of the distance to the loss, vanilla RNN against LSTM, and clipping.
//!
//! Every layer's forward and backward pass is checked against `torch.nn.RNN/LSTM/GRU` on
//! fixtures written by `reference/nn_recurrent.py` and against finite differences.
//! Reference: I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, 2016, ch. 10.
//!
//! ```
//! use breadth_nn::recurrent::{cell::CellKind, layer::{Recurrent, RecurrentConfig}};
//! use breadth_nn::{layers::Mode, params::Params};
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! let mut params = Params::new();
//! let lstm = Recurrent::new(&mut params, "lstm", &RecurrentConfig::new(CellKind::Lstm, 2, 3),
//!     &mut seeded_rng(0), DType::F32).unwrap();
//! let x = Tensor::ones((1, 4, 2), DType::F32, &Device::Cpu).unwrap();
//! let out = lstm.forward(&x, None, &mut Mode::Eval).unwrap();
//! // The last output is the final hidden state.
//! let last = out.output.get(0).unwrap().get(3).unwrap().to_vec1::<f32>().unwrap();
//! assert_eq!(last, out.h_n.get(0).unwrap().get(0).unwrap().to_vec1::<f32>().unwrap());
//! ```

pub mod cell;
pub mod demo;
pub mod fused;
pub mod layer;
mod small_gemm;
pub mod tbptt;
