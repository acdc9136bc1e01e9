//! # breadth-nn
//!
//! Deep learning on [candle](https://github.com/huggingface/candle): building blocks whose forward
//! and backward passes are checked against PyTorch and against finite differences, our own
//! optimizers and learning-rate schedules, one training loop with resumable checkpoints, and
//! neural estimators usable from the `breadth` command line.
//!
//! - [`activation`], [`layers`], [`loss`]: the blocks. All are composed of candle operations that
//!   record a backward pass (several fused candle ops do not, see the crate's conventions).
//! - [`init`]: Xavier/Glorot and He/Kaiming initialisation drawn from our seeded generator.
//! - [`params`]: the ordered, named set of trainable variables and buffers of a model.
//! - [`clip`]: gradient clipping by global norm and by value.
//! - [`optim`]: SGD (momentum, Nesterov), RMSprop, Adam, AdamW and schedules.
//! - [`train`]: minibatch training with validation, early stopping and checkpoints.
//! - [`mlp`]: the multi-layer perceptron as a breadth classifier and regressor; [`settings`]:
//!   the training settings and input handling the neural estimators share.
//! - [`cnn`]: a convolutional network classifier for small images.
//! - [`gradcheck`]: finite-difference gradient checking.
//! - [`recurrent`]: RNN, LSTM and GRU cells and layers (stacked, bidirectional), truncated BPTT,
//!   recurrent dropout, and the vanishing/exploding-gradient measurement.
//! - [`seq2seq`]: an encoder-decoder with Bahdanau or Luong attention, greedy and beam decoding.
//!
//! Layer functions return `candle_core::Result` (they are tensor code, like candle-nn's); the
//! estimator and training APIs return [`breadth_core::Result`].
//!
//! ```
//! use breadth_nn::activation::softmax;
//! use candle_core::{Device, Tensor};
//! let x = Tensor::new(&[[1.0f32, 2.0, 3.0]], &Device::Cpu).unwrap();
//! let p = softmax(&x).unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
//! assert!((p - 1.0).abs() < 1e-6);
//! ```
#![deny(missing_docs)]

pub mod activation;
pub mod attention;
pub mod clip;
pub mod cnn;
pub mod gradcheck;
pub mod init;
pub mod layers;
pub mod loss;
pub mod matmul;
pub mod mlp;
pub mod optim;
pub mod params;
pub mod recurrent;
pub mod registry;
pub mod seq2seq;
pub mod settings;
pub mod train;
pub mod transfer;
pub mod transformer;
pub mod word2vec;

/// Prepares the process for training; call it first thing in `main`, before any candle
/// operation (candle starts its pool once) and before other threads exist. Two settings:
///
/// - it leaves the CPU cores to breadth-nn's own thread pool (`matmul`) and the batch-parallel
///   fused operations: candle's element-wise kernels (in training, only the gradient sums of its
///   backward pass) have a pool of their own whose caller spins until every worker is done, so
///   two pools would compete for the same cores (measured: 46% of a 2-thread MLP run spinning).
///   It sets `CANDLE_NUM_THREADS=1` unless the user set it;
/// - it keeps freed memory in the process ([`breadth_core::memory::keep_freed_memory_for_reuse`]),
///   so the megabyte tensors each step allocates reuse the last step's pages instead of faulting
///   in fresh ones.
pub fn prepare_process_for_training() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
    breadth_core::memory::keep_freed_memory_for_reuse();
}

#[cfg(test)]
pub(crate) mod test_support;

/// A candle error as a breadth error, naming what was being computed.
pub(crate) fn tensor_err(what: &str) -> impl Fn(candle_core::Error) -> breadth_core::Error + '_ {
    move |e| breadth_core::Error::numerical(what, e.to_string())
}
