//! Sequence-to-sequence learning: a recurrent encoder-decoder with additive (Bahdanau) or
//! multiplicative (Luong) attention, teacher forcing, greedy and beam-search decoding, and the
//! digit-reversal task with an attention heat map.
//!
//! The model estimates $p(y \mid x) = \prod_t p(y_t \mid y_{<t}, x)$ for a source $x_{1..S}$ and a
//! target $y_{1..U}$; with attention, every output step reads a weighted average
//! $c_t = \sum_j \alpha_{tj} h_j$ of the encoder's annotations, so no single vector has to hold the
//! whole source.
//!
//! - [`attention`]: the two scores and the context vector.
//! - [`model`]: encoder, decoder, teacher-forced forward pass.
//! - [`decode`]: greedy and beam search.
//! - [`reversal`]: the synthetic task, [`reversal::train_reversal`] and the heat map.
//!
//! Reference: I. Sutskever, O. Vinyals, Q. Le (NeurIPS 2014); D. Bahdanau, K. Cho, Y. Bengio
//! (ICLR 2015); M.-T. Luong, H. Pham, C. Manning (EMNLP 2015).
//!
//! ```
//! use breadth_nn::seq2seq::reversal::{reversal_batch, EOS};
//! let (src, tgt) = reversal_batch(3, 1, &mut breadth_core::seeded_rng(1), true);
//! assert_eq!(tgt[0], vec![src[0][2], src[0][1], src[0][0], EOS]);
//! ```

pub mod attention;
pub mod decode;
pub mod model;
pub mod reversal;
