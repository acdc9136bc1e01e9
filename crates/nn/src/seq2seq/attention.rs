//! Additive (Bahdanau) and multiplicative (Luong) attention of one decoder query over the
//! encoder's annotations.
//!
//! With annotations $h_1, \dots, h_S \in \mathbb{R}^{E}$ (the encoder outputs of one sequence)
//! and a decoder query $s \in \mathbb{R}^{Q}$:
//!
//! - **additive** (D. Bahdanau, K. Cho, Y. Bengio, *Neural Machine Translation by Jointly
//!   Learning to Align and Translate*, ICLR 2015):
//!   $e_j = v^\top \tanh(W_q s + W_k h_j)$ with $W_q \in \mathbb{R}^{A \times Q}$,
//!   $W_k \in \mathbb{R}^{A \times E}$, $v \in \mathbb{R}^{A}$;
//! - **multiplicative**, Luong's *general* score (M.-T. Luong, H. Pham, C. Manning, *Effective
//!   Approaches to Attention-based Neural Machine Translation*, EMNLP 2015):
//!   $e_j = s^\top W h_j$ with $W \in \mathbb{R}^{Q \times E}$;
//!
//! then $\alpha = \operatorname{softmax}(e)$ and the context $c = \sum_j \alpha_j h_j$.
//! The key projections $W_k h_j$ (additive) and $W h_j$ (multiplicative) do not depend on the
//! query, so [`Attention::keys`] computes them once per source sequence.
//!
//! Shapes (batched): annotations $(B, S, E)$, keys $(B, S, A)$ or $(B, S, Q)$, query $(B, Q)$,
//! weights $\alpha$ $(B, S)$, context $(B, E)$. Cost per query: $O(BSA)$ additive, $O(BSQ)$
//! multiplicative, after the $O(BSEA)$ key projection.
//!
//! ```
//! use breadth_nn::seq2seq::attention::{Attention, Score};
//! use breadth_nn::params::Params;
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! let mut p = Params::new();
//! let att = Attention::new(&mut p, "att", Score::Additive { dim: 8 }, 4, 6, &mut seeded_rng(0), DType::F32).unwrap();
//! let ann = Tensor::ones((2, 5, 6), DType::F32, &Device::Cpu).unwrap();
//! let (ctx, alpha) = att.attend(&att.keys(&ann).unwrap(), &ann, &Tensor::ones((2, 4), DType::F32, &Device::Cpu).unwrap()).unwrap();
//! assert_eq!((ctx.dims(), alpha.dims()), (&[2usize, 6][..], &[2usize, 5][..]));
//! let s = alpha.sum(1).unwrap().to_vec1::<f32>().unwrap();
//! assert!((s[0] - 1.0).abs() < 1e-6);
//! ```

use breadth_core::Rng;
use candle_core::{DType, Result, Tensor};
use serde::{Deserialize, Serialize};

use crate::activation::softmax;
use crate::init::Init;
use crate::layers::linear::Linear;
use crate::params::Params;

/// How the decoder query is scored against the annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Score {
    /// Bahdanau's $v^\top \tanh(W_q s + W_k h)$ with attention width `dim` $= A$.
    Additive {
        /// Width $A$ of the hidden scoring layer.
        dim: usize,
    },
    /// Luong's general score $s^\top W h$.
    Multiplicative,
}

/// The parameters of one attention mechanism.
#[derive(Debug, Clone)]
pub struct Attention {
    score: Score,
    /// $W_k$ (additive) or $W$ (multiplicative), applied to the annotations.
    key: Linear,
    /// $W_q$ and $v$ of the additive score.
    additive: Option<(Linear, Linear)>,
}

impl Attention {
    /// Attention of queries of width `query` over annotations of width `annotation`, registered
    /// under `{name}.key`, `{name}.query`, `{name}.v`.
    pub fn new(
        params: &mut Params,
        name: &str,
        score: Score,
        query: usize,
        annotation: usize,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        let lin = |p: &mut Params, n: &str, i: usize, o: usize, bias: bool, rng: &mut Rng| {
            Linear::with_init(
                p,
                &format!("{name}.{n}"),
                i,
                o,
                bias,
                Init::TorchDefault,
                rng,
                dtype,
            )
        };
        Ok(match score {
            Score::Additive { dim } => {
                let key = lin(params, "key", annotation, dim, false, rng)?;
                let q = lin(params, "query", query, dim, true, rng)?;
                let v = lin(params, "v", dim, 1, false, rng)?;
                Attention {
                    score,
                    key,
                    additive: Some((q, v)),
                }
            }
            Score::Multiplicative => Attention {
                score,
                key: lin(params, "key", annotation, query, false, rng)?,
                additive: None,
            },
        })
    }

    /// The scoring rule.
    pub fn score(&self) -> Score {
        self.score
    }

    /// Keys $(B, S, \cdot)$ of annotations $(B, S, E)$; compute once per source batch.
    pub fn keys(&self, annotations: &Tensor) -> Result<Tensor> {
        self.key.apply(annotations)
    }

    /// Context $(B, E)$ and weights $\alpha$ $(B, S)$ of `query` $(B, Q)$.
    pub fn attend(
        &self,
        keys: &Tensor,
        annotations: &Tensor,
        query: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let e = match &self.additive {
            Some((wq, v)) => {
                let hidden = keys
                    .broadcast_add(&wq.apply(query)?.unsqueeze(1)?)?
                    .tanh()?;
                v.apply(&hidden)?.squeeze(2)?
            }
            None => keys.matmul(&query.unsqueeze(2)?)?.squeeze(2)?,
        };
        let alpha = softmax(&e)?;
        let context = alpha.unsqueeze(1)?.matmul(annotations)?.squeeze(1)?;
        Ok((context, alpha))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use breadth_core::seeded_rng;

    fn randn(shape: &[usize], seed: u64) -> Tensor {
        Init::Normal { std: 1.0 }
            .sample(shape, &mut seeded_rng(seed), DType::F64)
            .unwrap()
    }

    /// Context and weights are differentiable in the query and the annotations, both scores.
    #[test]
    fn finite_differences() {
        for score in [Score::Additive { dim: 3 }, Score::Multiplicative] {
            let mut p = Params::new();
            let att =
                Attention::new(&mut p, "a", score, 2, 3, &mut seeded_rng(0), DType::F64).unwrap();
            let err = check_gradients(
                |v| {
                    let (c, a) = att.attend(&att.keys(&v[1])?, &v[1], &v[0])?;
                    Tensor::cat(&[c, a], 1)
                },
                &[randn(&[2, 2], 1), randn(&[2, 4, 3], 2)],
                1e-6,
            )
            .unwrap();
            assert!(err < 1e-6, "{score:?}: {err:e}");
        }
    }

    /// Luong's score with $W = I$ is a dot product: the weights are softmax(h_j . s) by hand.
    #[test]
    fn multiplicative_is_a_bilinear_form() {
        let mut p = Params::new();
        let att = Attention::new(
            &mut p,
            "a",
            Score::Multiplicative,
            2,
            2,
            &mut seeded_rng(0),
            DType::F64,
        )
        .unwrap();
        let dev = candle_core::Device::Cpu;
        att.key
            .weight()
            .set(&Tensor::eye(2, DType::F64, &dev).unwrap())
            .unwrap();
        let ann = Tensor::new(&[[[1.0f64, 0.0], [0.0, 2.0], [1.0, 1.0]]], &dev).unwrap();
        let q = Tensor::new(&[[0.5f64, 1.0]], &dev).unwrap();
        let (c, a) = att.attend(&att.keys(&ann).unwrap(), &ann, &q).unwrap();
        let e = [0.5f64, 2.0, 1.5];
        let z: f64 = e.iter().map(|v| v.exp()).sum();
        let want: Vec<f64> = e.iter().map(|v| v.exp() / z).collect();
        let got = a.to_vec2::<f64>().unwrap()[0].clone();
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-12);
        }
        let c = c.to_vec2::<f64>().unwrap()[0].clone();
        assert!((c[0] - (want[0] + want[2])).abs() < 1e-12);
        assert!((c[1] - (2.0 * want[1] + want[2])).abs() < 1e-12);
    }
}
