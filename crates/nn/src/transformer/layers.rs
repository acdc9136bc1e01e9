//! The layers of the original (post-norm) transformer: sinusoidal positions, the position-wise
//! feed-forward network, and the encoder and decoder layers.
//!
//! With $x \in \mathbb{R}^{L \times d}$, masks $M$ as in [`crate::attention`] and
//! $\operatorname{LN}$ layer normalisation over the last dimension:
//!
//! - positions: $\mathrm{PE}_{p, 2i} = \sin(p / 10000^{2i/d})$,
//!   $\mathrm{PE}_{p, 2i+1} = \cos(p / 10000^{2i/d})$;
//! - feed-forward: $\operatorname{FFN}(x) = \max(0, x W_1^\top + b_1) W_2^\top + b_2$ with inner
//!   width $f$;
//! - encoder layer: $h = \operatorname{LN}_1(x + \operatorname{MHA}(x, x; M_{src}))$,
//!   $y = \operatorname{LN}_2(h + \operatorname{FFN}(h))$;
//! - decoder layer with encoder output $m$: $h_1 = \operatorname{LN}_1(x + \operatorname{MHA}(x, x; M_{causal} + M_{tgt}))$,
//!   $h_2 = \operatorname{LN}_2(h_1 + \operatorname{MHA}(h_1, m; M_{src}))$,
//!   $y = \operatorname{LN}_3(h_2 + \operatorname{FFN}(h_2))$.
//!
//! These are PyTorch's `nn.TransformerEncoderLayer` / `nn.TransformerDecoderLayer` with
//! `norm_first=False`, ReLU and no dropout; the variable names (`self_attn.q.weight`,
//! `linear1.weight`, `norm1.bias`, ...) follow PyTorch's, with its packed in-projection split into
//! `q`, `k`, `v`.
//!
//! Shapes: $(B, L, d) \to (B, L, d)$. Cost per layer: $O(B L d (d + f) + B L^2 d)$.
//! Reference: A. Vaswani et al., *Attention Is All You Need*, NeurIPS 2017, §3.1–3.5.
//!
//! ```
//! use breadth_nn::transformer::layers::{sinusoidal_positions, EncoderLayer};
//! use breadth_nn::params::Params;
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! let pe = sinusoidal_positions(4, 6, DType::F64).unwrap().to_vec2::<f64>().unwrap();
//! assert_eq!(pe[0], vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
//! assert!((pe[1][0] - 1f64.sin()).abs() < 1e-12);
//! let mut params = Params::new();
//! let layer = EncoderLayer::new(&mut params, "enc0", 8, 2, 16, &mut seeded_rng(0), DType::F32).unwrap();
//! let x = Tensor::ones((2, 3, 8), DType::F32, &Device::Cpu).unwrap();
//! assert_eq!(layer.forward(&x, None).unwrap().dims(), &[2, 3, 8]);
//! ```

use breadth_core::Rng;
use candle_core::{DType, Device, Result, Tensor};

use crate::attention::MultiHeadAttention;
use crate::layers::linear::Linear;
use crate::layers::norm::LayerNorm;
use crate::params::Params;

/// Layer normalisation epsilon (PyTorch's default).
const LN_EPS: f64 = 1e-5;

/// The $(L, d)$ table of sinusoidal position encodings.
pub fn sinusoidal_positions(len: usize, d: usize, dtype: DType) -> Result<Tensor> {
    let mut pe = vec![0.0f64; len * d];
    for p in 0..len {
        for i in 0..d {
            let freq = 10000f64.powf(-((i / 2 * 2) as f64) / d as f64);
            let a = p as f64 * freq;
            pe[p * d + i] = if i % 2 == 0 { a.sin() } else { a.cos() };
        }
    }
    Tensor::from_vec(pe, (len, d), &Device::Cpu)?.to_dtype(dtype)
}

/// $\max(0, x W_1^\top + b_1) W_2^\top + b_2$.
#[derive(Debug, Clone)]
pub struct FeedForward {
    linear1: Linear,
    linear2: Linear,
}

impl FeedForward {
    /// Width `d` to `ff` and back, registered as `{prefix}linear1` and `{prefix}linear2`.
    pub fn new(
        params: &mut Params,
        prefix: &str,
        d: usize,
        ff: usize,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        Ok(FeedForward {
            linear1: Linear::new(params, &format!("{prefix}linear1"), d, ff, rng, dtype)?,
            linear2: Linear::new(params, &format!("{prefix}linear2"), ff, d, rng, dtype)?,
        })
    }

    /// Apply to $(\dots, d)$.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        self.linear2.apply(&self.linear1.apply(x)?.relu()?)
    }
}

/// One post-norm encoder layer: self-attention and feed-forward, each with a residual and a norm.
#[derive(Debug, Clone)]
pub struct EncoderLayer {
    self_attn: MultiHeadAttention,
    ff: FeedForward,
    norm1: LayerNorm,
    norm2: LayerNorm,
}

impl EncoderLayer {
    /// Width `d`, `heads` heads, feed-forward width `ff`, registered under `name`.
    pub fn new(
        params: &mut Params,
        name: &str,
        d: usize,
        heads: usize,
        ff: usize,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        let p = format!("{name}.");
        Ok(EncoderLayer {
            self_attn: MultiHeadAttention::new(
                params,
                &format!("{p}self_attn"),
                d,
                heads,
                rng,
                dtype,
            )?,
            ff: FeedForward::new(params, &p, d, ff, rng, dtype)?,
            norm1: LayerNorm::new(params, &format!("{p}norm1"), d, LN_EPS, dtype)?,
            norm2: LayerNorm::new(params, &format!("{p}norm2"), d, LN_EPS, dtype)?,
        })
    }

    /// Encode $(B, L, d)$ under an additive key mask broadcastable to $(B, h, L, L)$.
    pub fn forward(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let h = self
            .norm1
            .apply(&(x + self.self_attn.forward(x, x, mask)?)?)?;
        self.norm2.apply(&(&h + self.ff.apply(&h)?)?)
    }
}

/// One post-norm decoder layer: masked self-attention, cross-attention to the encoder output,
/// feed-forward.
#[derive(Debug, Clone)]
pub struct DecoderLayer {
    self_attn: MultiHeadAttention,
    cross_attn: MultiHeadAttention,
    ff: FeedForward,
    norm1: LayerNorm,
    norm2: LayerNorm,
    norm3: LayerNorm,
}

impl DecoderLayer {
    /// Width `d`, `heads` heads, feed-forward width `ff`, registered under `name`.
    pub fn new(
        params: &mut Params,
        name: &str,
        d: usize,
        heads: usize,
        ff: usize,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        let p = format!("{name}.");
        let mha = |part: &str, params: &mut Params, rng: &mut Rng| {
            MultiHeadAttention::new(params, &format!("{p}{part}"), d, heads, rng, dtype)
        };
        let self_attn = mha("self_attn", params, rng)?;
        let cross_attn = mha("cross_attn", params, rng)?;
        Ok(DecoderLayer {
            self_attn,
            cross_attn,
            ff: FeedForward::new(params, &p, d, ff, rng, dtype)?,
            norm1: LayerNorm::new(params, &format!("{p}norm1"), d, LN_EPS, dtype)?,
            norm2: LayerNorm::new(params, &format!("{p}norm2"), d, LN_EPS, dtype)?,
            norm3: LayerNorm::new(params, &format!("{p}norm3"), d, LN_EPS, dtype)?,
        })
    }

    /// Decode $(B, L_t, d)$ given the encoder output `memory` $(B, L_s, d)$; `self_mask` is
    /// broadcastable to $(B, h, L_t, L_t)$ (causal plus target padding), `memory_mask` to
    /// $(B, h, L_t, L_s)$ (source padding).
    pub fn forward(
        &self,
        x: &Tensor,
        memory: &Tensor,
        self_mask: Option<&Tensor>,
        memory_mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        let h1 = self
            .norm1
            .apply(&(x + self.self_attn.forward(x, x, self_mask)?)?)?;
        let h2 = self
            .norm2
            .apply(&(&h1 + self.cross_attn.forward(&h1, memory, memory_mask)?)?)?;
        self.norm3.apply(&(&h2 + self.ff.apply(&h2)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attention::tests::{check, fixture, input, lengths, names};
    use crate::attention::{causal_mask, padding_mask};
    use crate::gradcheck::check_gradients;
    use crate::test_support::tensor;
    use breadth_core::seeded_rng;
    use candle_core::Var;
    use serde_json::Value;
    use std::collections::HashMap;

    /// Set the layer's variables (registered under `"l."`) to the case's weights.
    fn load(params: &Params, case: &Value) {
        let values: HashMap<String, Tensor> = names(case)
            .into_iter()
            .map(|n| {
                let t = tensor(&case["weights"][&n], DType::F32);
                (format!("l.{n}"), t)
            })
            .collect();
        params.restore(&values).unwrap();
    }

    fn vars<'a>(params: &'a Params, names: &'a [String]) -> Vec<(&'a str, &'a Var)> {
        names
            .iter()
            .map(|n| (n.as_str(), params.get(&format!("l.{n}")).unwrap()))
            .collect()
    }

    /// Against `nn.TransformerEncoderLayer(norm_first=False, dropout=0)` with a padding mask,
    /// `reference/nn_transformer.py` (torch 2.15.0, f32): output and every gradient, 1e-5.
    #[test]
    fn encoder_layer_matches_pytorch() {
        let fx = fixture();
        let case = &fx["cases"]["encoder_layer"];
        let mut params = Params::new();
        let layer =
            EncoderLayer::new(&mut params, "l", 8, 2, 16, &mut seeded_rng(0), DType::F32).unwrap();
        load(&params, case);
        let x = input(case, "x");
        let mask = padding_mask(&lengths(case, "lengths"), 5, DType::F32).unwrap();
        let y = layer.forward(&x, Some(&mask)).unwrap();
        let names = names(case);
        let mut v = vars(&params, &names);
        v.push(("x", &x));
        check(case, &y, &v, 1e-5);
    }

    /// Against `nn.TransformerDecoderLayer(norm_first=False, dropout=0)` with causal, target
    /// padding and memory padding masks, same script and tolerance.
    #[test]
    fn decoder_layer_matches_pytorch() {
        let fx = fixture();
        let case = &fx["cases"]["decoder_layer"];
        let mut params = Params::new();
        let layer =
            DecoderLayer::new(&mut params, "l", 8, 2, 16, &mut seeded_rng(0), DType::F32).unwrap();
        load(&params, case);
        let (x, mem) = (input(case, "x"), input(case, "memory"));
        let self_mask = causal_mask(4, DType::F32)
            .unwrap()
            .broadcast_add(&padding_mask(&lengths(case, "lengths"), 4, DType::F32).unwrap())
            .unwrap();
        let mem_mask = padding_mask(&lengths(case, "memory_lengths"), 5, DType::F32).unwrap();
        let y = layer
            .forward(&x, &mem, Some(&self_mask), Some(&mem_mask))
            .unwrap();
        let names = names(case);
        let mut v = vars(&params, &names);
        v.push(("x", &x));
        v.push(("memory", &mem));
        check(case, &y, &v, 1e-5);
    }

    /// Finite differences through whole encoder and decoder layers (inputs and memory; the
    /// weights' gradients are covered by the PyTorch comparison).
    #[test]
    fn finite_differences() {
        let mut params = Params::new();
        let mut rng = seeded_rng(1);
        let enc = EncoderLayer::new(&mut params, "e", 4, 2, 6, &mut rng, DType::F64).unwrap();
        let dec = DecoderLayer::new(&mut params, "d", 4, 2, 6, &mut rng, DType::F64).unwrap();
        let x = crate::init::Init::Normal { std: 1.0 }
            .sample(&[2, 3, 4], &mut rng, DType::F64)
            .unwrap();
        let t = crate::init::Init::Normal { std: 1.0 }
            .sample(&[2, 2, 4], &mut rng, DType::F64)
            .unwrap();
        let pad = padding_mask(&[3, 2], 3, DType::F64).unwrap();
        let causal = causal_mask(2, DType::F64).unwrap();
        let err = check_gradients(
            |v| {
                let m = enc.forward(&v[0], Some(&pad))?;
                dec.forward(&v[1], &m, Some(&causal), Some(&pad))
            },
            &[x, t],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "{err:e}");
    }
}
