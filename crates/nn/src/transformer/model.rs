//! The encoder-decoder transformer over token ids: embeddings with sinusoidal positions, a stack
//! of encoder layers, a stack of decoder layers, a linear read-out, teacher-forced training loss
//! and greedy decoding.
//!
//! Tokens are embedded as $\sqrt{d}\, E_{t} + \mathrm{PE}_p$ (one table $E$ shared by source and
//! target, drawn $N(0, 1/d)$ so the scaled embeddings have unit variance, as in the paper). The
//! target sequence $y = (\mathrm{BOS}, y_1, \dots, y_n, \mathrm{EOS}, \mathrm{PAD}, \dots)$ is fed
//! shifted: the decoder reads $y_{<t}$ and predicts $y_t$; the loss is the mean cross-entropy
//! over non-padding target positions. Greedy decoding starts from BOS and appends
//! $\arg\max_v p(v \mid y_{<t}, x)$ until every sequence has produced EOS or the length limit.
//!
//! Shapes: source ids $(B, L_s)$, target ids $(B, L_t)$, logits $(B, L_t - 1, V)$.
//! Cost: one forward is $O(B (L_s + L_t) (N d (d + f)) + B (L_s^2 + L_t^2 + L_s L_t) N d)$ for
//! $N$ layers; greedy decoding of $T$ tokens recomputes the decoder $T$ times.
//! Reference: A. Vaswani et al., *Attention Is All You Need*, NeurIPS 2017.
//!
//! ```
//! use breadth_nn::transformer::model::{Transformer, TransformerConfig};
//! use candle_core::{Device, Tensor};
//! let cfg = TransformerConfig { vocab: 6, d_model: 8, heads: 2, ff: 16, layers: 1, ..TransformerConfig::default() };
//! let model = Transformer::new(&cfg, 0).unwrap();
//! let src = Tensor::new(&[[3u32, 4, 5]], &Device::Cpu).unwrap();
//! let out = model.greedy(&src, 4).unwrap();
//! assert!(out[0].len() <= 4);
//! ```

use breadth_core::{seeded_rng, Error, Result};
use candle_core::{DType, Tensor, D};
use serde::{Deserialize, Serialize};

use super::layers::{sinusoidal_positions, DecoderLayer, EncoderLayer};
use crate::attention::{causal_mask, padding_mask_of_ids};
use crate::init::Init;
use crate::layers::embedding::Embedding;
use crate::layers::linear::Linear;
use crate::loss::CrossEntropy;
use crate::params::{Params, SavedTensor};
use crate::tensor_err;

/// The architecture and special tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransformerConfig {
    /// Vocabulary size $V$ (special tokens included).
    pub vocab: usize,
    /// Model width $d$.
    pub d_model: usize,
    /// Attention heads $h$ (dividing $d$).
    pub heads: usize,
    /// Feed-forward width $f$.
    pub ff: usize,
    /// Encoder layers, and as many decoder layers.
    pub layers: usize,
    /// Longest sequence the position table covers.
    pub max_len: usize,
    /// Padding token.
    pub pad: u32,
    /// Beginning-of-sequence token.
    pub bos: u32,
    /// End-of-sequence token.
    pub eos: u32,
}

impl Default for TransformerConfig {
    fn default() -> Self {
        TransformerConfig {
            vocab: 13,
            d_model: 64,
            heads: 4,
            ff: 256,
            layers: 2,
            max_len: 64,
            pad: 0,
            bos: 1,
            eos: 2,
        }
    }
}

impl TransformerConfig {
    /// Check the sizes and tokens.
    pub fn validate(&self) -> Result<()> {
        if self.vocab == 0 || self.d_model == 0 || self.ff == 0 || self.layers == 0 {
            return Err(Error::param(
                "transformer",
                "vocab, d_model, ff and layers must be positive",
            ));
        }
        if self.heads == 0 || !self.d_model.is_multiple_of(self.heads) {
            return Err(Error::param(
                "heads",
                format!("must divide d_model = {}, got {}", self.d_model, self.heads),
            ));
        }
        if !self.d_model.is_multiple_of(2) {
            return Err(Error::param("d_model", "must be even (sine/cosine pairs)"));
        }
        for (name, t) in [("pad", self.pad), ("bos", self.bos), ("eos", self.eos)] {
            if t as usize >= self.vocab {
                return Err(Error::param(
                    name,
                    format!("token {t} outside the vocabulary of {}", self.vocab),
                ));
            }
        }
        Ok(())
    }
}

/// An encoder-decoder transformer and its variables.
pub struct Transformer {
    cfg: TransformerConfig,
    params: Params,
    embed: Embedding,
    encoder: Vec<EncoderLayer>,
    decoder: Vec<DecoderLayer>,
    out: Linear,
    positions: Tensor,
}

/// A transformer in serializable form (inside a breadth model file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedTransformer {
    /// The architecture.
    pub config: TransformerConfig,
    /// Every variable by name.
    pub weights: Vec<SavedTensor>,
}

impl Transformer {
    /// A freshly initialised model, weights drawn from `seed`.
    pub fn new(cfg: &TransformerConfig, seed: u64) -> Result<Self> {
        cfg.validate()?;
        let (mut params, mut rng) = (Params::new(), seeded_rng(seed));
        let dt = DType::F32;
        let d = cfg.d_model;
        let table = Init::Normal {
            std: 1.0 / (d as f64).sqrt(),
        }
        .sample(&[cfg.vocab, d], &mut rng, dt)?;
        let embed = Embedding::from_var(params.add("embed.weight", table, true)?);
        let encoder = (0..cfg.layers)
            .map(|i| {
                EncoderLayer::new(
                    &mut params,
                    &format!("encoder.{i}"),
                    d,
                    cfg.heads,
                    cfg.ff,
                    &mut rng,
                    dt,
                )
            })
            .collect::<Result<_>>()?;
        let decoder = (0..cfg.layers)
            .map(|i| {
                DecoderLayer::new(
                    &mut params,
                    &format!("decoder.{i}"),
                    d,
                    cfg.heads,
                    cfg.ff,
                    &mut rng,
                    dt,
                )
            })
            .collect::<Result<_>>()?;
        let out = Linear::new(&mut params, "out", d, cfg.vocab, &mut rng, dt)?;
        let positions =
            sinusoidal_positions(cfg.max_len, d, dt).map_err(tensor_err("positions"))?;
        Ok(Transformer {
            cfg: cfg.clone(),
            params,
            embed,
            encoder,
            decoder,
            out,
            positions,
        })
    }

    /// The model's variables (for an optimizer, checkpoints, saving).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The architecture.
    pub fn config(&self) -> &TransformerConfig {
        &self.cfg
    }

    /// The serializable form.
    pub fn to_saved(&self) -> Result<SavedTransformer> {
        Ok(SavedTransformer {
            config: self.cfg.clone(),
            weights: self.params.to_saved()?,
        })
    }

    /// Rebuild from [`Transformer::to_saved`].
    pub fn from_saved(saved: &SavedTransformer) -> Result<Self> {
        let m = Transformer::new(&saved.config, 0)?;
        m.params.load_saved(&saved.weights)?;
        Ok(m)
    }

    fn embed(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let l = ids.dim(1)?;
        if l > self.cfg.max_len {
            candle_core::bail!(
                "sequence of {l} tokens is longer than max_len = {}",
                self.cfg.max_len
            );
        }
        self.embed
            .apply(ids)?
            .affine((self.cfg.d_model as f64).sqrt(), 0.0)?
            .broadcast_add(&self.positions.narrow(0, 0, l)?)
    }

    /// Encode source ids $(B, L_s)$; returns the memory $(B, L_s, d)$ and the source key mask.
    pub fn encode(&self, src: &Tensor) -> candle_core::Result<(Tensor, Tensor)> {
        let mask = padding_mask_of_ids(src, self.cfg.pad, DType::F32)?;
        let mut h = self.embed(src)?;
        for layer in &self.encoder {
            h = layer.forward(&h, Some(&mask))?;
        }
        Ok((h, mask))
    }

    /// Next-token logits $(B, L_t, V)$ for target prefixes `tgt` $(B, L_t)$ given the memory.
    pub fn decode(
        &self,
        tgt: &Tensor,
        memory: &Tensor,
        src_mask: &Tensor,
    ) -> candle_core::Result<Tensor> {
        let l = tgt.dim(1)?;
        let self_mask = causal_mask(l, DType::F32)?.broadcast_add(&padding_mask_of_ids(
            tgt,
            self.cfg.pad,
            DType::F32,
        )?)?;
        let mut h = self.embed(tgt)?;
        for layer in &self.decoder {
            h = layer.forward(&h, memory, Some(&self_mask), Some(src_mask))?;
        }
        self.out.apply(&h)
    }

    /// Teacher-forced mean cross-entropy of full targets `tgt` $(B, L_t)$ (BOS first, PAD after
    /// EOS) given sources `src` $(B, L_s)$.
    pub fn loss(&self, src: &Tensor, tgt: &Tensor) -> candle_core::Result<Tensor> {
        let lt = tgt.dim(1)?;
        if lt < 2 {
            candle_core::bail!("targets need BOS and at least one more token");
        }
        let (memory, mask) = self.encode(src)?;
        let logits = self.decode(&tgt.narrow(1, 0, lt - 1)?, &memory, &mask)?;
        let gold = tgt.narrow(1, 1, lt - 1)?.flatten_all()?;
        let ce = CrossEntropy {
            label_smoothing: 0.0,
            ignore_index: Some(self.cfg.pad as i64),
        };
        ce.apply(&logits.reshape(((), self.cfg.vocab))?, &gold)
    }

    /// Greedy decoding of at most `max_tokens` tokens per source row; each output stops before
    /// its EOS.
    pub fn greedy(&self, src: &Tensor, max_tokens: usize) -> Result<Vec<Vec<u32>>> {
        let e = tensor_err("greedy decoding");
        let b = src.dim(0).map_err(&e)?;
        let (memory, mask) = self.encode(src).map_err(&e)?;
        let mut seqs: Vec<Vec<u32>> = vec![vec![self.cfg.bos]; b];
        let mut done = vec![false; b];
        let limit = max_tokens.min(self.cfg.max_len - 1);
        for _ in 0..limit {
            let flat: Vec<u32> = seqs.iter().flatten().copied().collect();
            let t = seqs[0].len();
            let tgt = Tensor::from_vec(flat, (b, t), src.device()).map_err(&e)?;
            let next = self
                .decode(&tgt, &memory, &mask)
                .and_then(|z| z.narrow(1, t - 1, 1)?.squeeze(1)?.argmax(D::Minus1))
                .and_then(|a| a.to_vec1::<u32>())
                .map_err(&e)?;
            for (i, tok) in next.into_iter().enumerate() {
                // Finished rows keep emitting PAD so every prefix has the same length.
                let tok = if done[i] { self.cfg.pad } else { tok };
                done[i] |= tok == self.cfg.eos;
                seqs[i].push(tok);
            }
            if done.iter().all(|&d| d) {
                break;
            }
        }
        Ok(seqs
            .into_iter()
            .map(|s| {
                s[1..]
                    .iter()
                    .copied()
                    .take_while(|&t| t != self.cfg.eos && t != self.cfg.pad)
                    .collect()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn tiny() -> TransformerConfig {
        TransformerConfig {
            vocab: 7,
            d_model: 8,
            heads: 2,
            ff: 16,
            layers: 1,
            max_len: 16,
            ..TransformerConfig::default()
        }
    }

    #[test]
    fn bad_configs_are_refused() {
        for cfg in [
            TransformerConfig { heads: 3, ..tiny() },
            TransformerConfig { eos: 9, ..tiny() },
            TransformerConfig {
                d_model: 0,
                ..tiny()
            },
        ] {
            assert!(Transformer::new(&cfg, 0).is_err(), "{cfg:?}");
        }
    }

    /// Padding after EOS changes neither the loss nor the source encoding of the real tokens.
    #[test]
    fn padding_is_invisible() {
        let m = Transformer::new(&tiny(), 0).unwrap();
        let dev = Device::Cpu;
        let src = Tensor::new(&[[3u32, 4, 2]], &dev).unwrap();
        let src_pad = Tensor::new(&[[3u32, 4, 2, 0, 0]], &dev).unwrap();
        let tgt = Tensor::new(&[[1u32, 4, 3, 2]], &dev).unwrap();
        let tgt_pad = Tensor::new(&[[1u32, 4, 3, 2, 0, 0]], &dev).unwrap();
        let a = m.loss(&src, &tgt).unwrap().to_scalar::<f32>().unwrap();
        let b = m
            .loss(&src_pad, &tgt_pad)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        let too_long = Tensor::zeros((1, 17), DType::U32, &dev).unwrap();
        assert!(m.encode(&too_long).is_err());
    }

    #[test]
    fn saved_model_decodes_identically() {
        let m = Transformer::new(&tiny(), 3).unwrap();
        let back = Transformer::from_saved(&m.to_saved().unwrap()).unwrap();
        let src = Tensor::new(&[[3u32, 4, 5, 2], [6, 5, 2, 0]], &Device::Cpu).unwrap();
        assert_eq!(m.greedy(&src, 6).unwrap(), back.greedy(&src, 6).unwrap());
    }
}
