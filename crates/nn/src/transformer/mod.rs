//! The original encoder-decoder transformer: post-norm layers built on
//! [`crate::attention::MultiHeadAttention`], the model with greedy decoding, and the
//! digit-reversal task it is trained on.
//!
//! - [`layers`]: sinusoidal positions, the position-wise feed-forward network, encoder and
//!   decoder layers (checked against PyTorch's `nn.TransformerEncoderLayer` /
//!   `nn.TransformerDecoderLayer`).
//! - [`model`]: embeddings, the two stacks, the read-out, the teacher-forced loss and greedy
//!   decoding, save and load.
//! - [`reversal`]: the synthetic task (reverse a digit string), training and exact-match scoring.
//!
//! The post-norm layer computes $y = \operatorname{LN}(x + \operatorname{Sublayer}(x))$ for each
//! sub-layer (attention, feed-forward). Reference: A. Vaswani et al., *Attention Is All You
//! Need*, NeurIPS 2017.
//!
//! ```
//! use breadth_nn::transformer::reversal::{ReversalTask, Vocab};
//! let v = Vocab;
//! assert_eq!(v.decode(&v.encode_digits("123").unwrap()), "123");
//! let task = ReversalTask { n_train: 10, ..ReversalTask::default() };
//! let split = task.generate(0).unwrap();
//! assert_eq!(split.train.len(), 10);
//! ```

pub mod layers;
pub mod model;
pub mod reversal;
