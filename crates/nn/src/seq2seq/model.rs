//! The encoder-decoder: a bidirectional GRU encoder and a GRU decoder with additive, multiplicative
//! or no attention, trained with teacher forcing.
//!
//! Source tokens $x_1..x_S$ are embedded and read by a bidirectional GRU into annotations
//! $h_j = [\overrightarrow{h}_j; \overleftarrow{h}_j] \in \mathbb{R}^{2H_e}$; the decoder state
//! starts at $s_0 = \tanh(W_0 [\overrightarrow{h}_S; \overleftarrow{h}_1] + b_0)$. At output step
//! $t$, with $e_{t-1}$ the embedding of the previous token ($\langle bos \rangle$ first):
//!
//! - **additive** (Bahdanau): $c_t = \operatorname{attend}(s_{t-1})$,
//!   $s_t = \operatorname{GRU}([e_{t-1}; c_t], s_{t-1})$, logits $W_o [s_t; c_t] + b_o$;
//! - **multiplicative** (Luong, with input feeding):
//!   $s_t = \operatorname{GRU}([e_{t-1}; \tilde h_{t-1}], s_{t-1})$, $c_t = \operatorname{attend}(s_t)$,
//!   $\tilde h_t = \tanh(W_c [c_t; s_t])$, logits $W_o \tilde h_t + b_o$ ($\tilde h_0 = 0$);
//! - **none** (Cho et al. 2014): one fixed context $c = [\overrightarrow{h}_S; \overleftarrow{h}_1]$
//!   for every step, $s_t = \operatorname{GRU}([e_{t-1}; c], s_{t-1})$, logits $W_o [s_t; c] + b_o$.
//!
//! Training minimises the mean cross-entropy of the targets $y_1..y_U$ (ending in
//! $\langle eos \rangle$). With teacher forcing ratio $\rho$, the previous token fed at each step is
//! the true $y_{t-1}$ with probability $\rho$ and the model's own arg-max otherwise (one draw per
//! step for the whole batch; S. Bengio et al., *Scheduled Sampling*, NeurIPS 2015).
//!
//! Shapes: source ids $(B, S)$, target ids $(B, U)$, logits $(B, U, V)$, attention $(B, U, S)$.
//! Cost: $O(B S H_e (E + H_e))$ encoding plus $O(B U (H_d (E + 2H_e + H_d) + S A))$ decoding.
//! Reference: I. Sutskever, O. Vinyals, Q. Le, *Sequence to Sequence Learning with Neural
//! Networks*, NeurIPS 2014; and the attention papers cited in [`super::attention`].
//!
//! ```
//! use breadth_nn::seq2seq::model::{AttentionKind, Seq2Seq, Seq2SeqConfig};
//! use breadth_nn::params::Params;
//! use breadth_core::seeded_rng;
//! use candle_core::{Device, Tensor};
//! let cfg = Seq2SeqConfig { vocab: 12, attention: AttentionKind::Luong, ..Seq2SeqConfig::default() };
//! let mut params = Params::new();
//! let model = Seq2Seq::new(&mut params, &cfg, &mut seeded_rng(0)).unwrap();
//! let src = Tensor::new(&[[1u32, 2, 3]], &Device::Cpu).unwrap();
//! let tgt = Tensor::new(&[[3u32, 2, 1, 11]], &Device::Cpu).unwrap();
//! let out = model.forward(&src, &tgt, 10, 1.0, None).unwrap();
//! assert_eq!(out.logits.dims(), &[1, 4, 12]);
//! assert_eq!(out.attention.unwrap().dims(), &[1, 4, 3]);
//! ```

use breadth_core::{Error, Rng};
use candle_core::{DType, Device, Result, Tensor, D};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::attention::{Attention, Score};
use crate::layers::embedding::Embedding;
use crate::layers::linear::Linear;
use crate::layers::Mode;
use crate::params::Params;
use crate::recurrent::cell::{Cell, CellKind, State};
use crate::recurrent::layer::{Recurrent, RecurrentConfig};

/// Which attention the decoder uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttentionKind {
    /// A fixed context vector, no attention.
    None,
    /// Bahdanau's additive attention on the previous decoder state.
    Bahdanau,
    /// Luong's multiplicative (general) attention on the current state, with input feeding.
    Luong,
}

/// Sizes of a [`Seq2Seq`] model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Seq2SeqConfig {
    /// Vocabulary size $V$ (shared by source and target).
    pub vocab: usize,
    /// Embedding width $E$.
    pub embed: usize,
    /// Encoder hidden size $H_e$ per direction.
    pub encoder_hidden: usize,
    /// Decoder hidden size $H_d$.
    pub decoder_hidden: usize,
    /// Additive attention width $A$.
    pub attention_dim: usize,
    /// The attention.
    pub attention: AttentionKind,
}

impl Default for Seq2SeqConfig {
    fn default() -> Self {
        Seq2SeqConfig {
            vocab: 12,
            embed: 32,
            encoder_hidden: 64,
            decoder_hidden: 128,
            attention_dim: 64,
            attention: AttentionKind::Bahdanau,
        }
    }
}

/// Encoder annotations and what the decoder precomputes from them.
pub struct Encoded {
    /// Annotations $(B, S, 2H_e)$.
    pub annotations: Tensor,
    /// Attention keys (absent without attention).
    pub keys: Option<Tensor>,
    /// The fixed summary $[\overrightarrow{h}_S; \overleftarrow{h}_1]$, $(B, 2H_e)$.
    pub summary: Tensor,
}

/// The decoder's running state between steps.
#[derive(Debug, Clone)]
pub struct DecoderState {
    /// GRU state $s_t$, $(B, H_d)$.
    pub s: Tensor,
    /// Luong's attentional vector $\tilde h_t$ fed to the next step, $(B, H_d)$.
    pub feed: Option<Tensor>,
}

/// Logits and attention weights of a teacher-forced pass.
pub struct Seq2SeqOutput {
    /// Logits $(B, U, V)$.
    pub logits: Tensor,
    /// Attention weights $(B, U, S)$, absent without attention.
    pub attention: Option<Tensor>,
}

/// An attention encoder-decoder over a shared vocabulary.
#[derive(Debug, Clone)]
pub struct Seq2Seq {
    cfg: Seq2SeqConfig,
    src_embed: Embedding,
    tgt_embed: Embedding,
    encoder: Recurrent,
    init: Linear,
    decoder: Cell,
    attention: Option<Attention>,
    combine: Option<Linear>,
    out: Linear,
}

impl Seq2Seq {
    /// A model with its variables registered in `params`, initialised from `rng`.
    pub fn new(
        params: &mut Params,
        cfg: &Seq2SeqConfig,
        rng: &mut Rng,
    ) -> breadth_core::Result<Self> {
        if [
            cfg.vocab,
            cfg.embed,
            cfg.encoder_hidden,
            cfg.decoder_hidden,
            cfg.attention_dim,
        ]
        .contains(&0)
        {
            return Err(Error::param(
                "seq2seq",
                format!("every size must be positive, got {cfg:?}"),
            ));
        }
        let dt = DType::F32;
        let (e, he, hd) = (cfg.embed, cfg.encoder_hidden, cfg.decoder_hidden);
        let src_embed = Embedding::new(params, "src_embed", cfg.vocab, e, rng, dt)?;
        let tgt_embed = Embedding::new(params, "tgt_embed", cfg.vocab, e, rng, dt)?;
        let enc_cfg = RecurrentConfig::new(CellKind::Gru, e, he).bidirectional(true);
        let encoder = Recurrent::new(params, "encoder", &enc_cfg, rng, dt)?;
        let init = Linear::new(params, "init", 2 * he, hd, rng, dt)?;
        let feed = match cfg.attention {
            AttentionKind::Luong => hd,
            _ => 2 * he,
        };
        let decoder = Cell::new(
            params,
            "decoder",
            "l0",
            CellKind::Gru,
            e + feed,
            hd,
            true,
            rng,
            dt,
        )?;
        let score = match cfg.attention {
            AttentionKind::None => None,
            AttentionKind::Bahdanau => Some(Score::Additive {
                dim: cfg.attention_dim,
            }),
            AttentionKind::Luong => Some(Score::Multiplicative),
        };
        let attention = score
            .map(|s| Attention::new(params, "attention", s, hd, 2 * he, rng, dt))
            .transpose()?;
        let combine = match cfg.attention {
            AttentionKind::Luong => Some(Linear::with_init(
                params,
                "combine",
                2 * he + hd,
                hd,
                false,
                crate::init::Init::TorchDefault,
                rng,
                dt,
            )?),
            _ => None,
        };
        let out_in = match cfg.attention {
            AttentionKind::Luong => hd,
            _ => hd + 2 * he,
        };
        let out = Linear::new(params, "out", out_in, cfg.vocab, rng, dt)?;
        Ok(Seq2Seq {
            cfg: *cfg,
            src_embed,
            tgt_embed,
            encoder,
            init,
            decoder,
            attention,
            combine,
            out,
        })
    }

    /// The sizes.
    pub fn config(&self) -> &Seq2SeqConfig {
        &self.cfg
    }

    /// Encode source ids $(B, S)$.
    pub fn encode(&self, src: &Tensor) -> Result<Encoded> {
        let x = self.src_embed.apply(src)?;
        let out = self.encoder.forward(&x, None, &mut Mode::Eval)?;
        let summary = Tensor::cat(&[out.h_n.get(0)?, out.h_n.get(1)?], 1)?;
        let keys = self
            .attention
            .as_ref()
            .map(|a| a.keys(&out.output))
            .transpose()?;
        Ok(Encoded {
            annotations: out.output,
            keys,
            summary,
        })
    }

    /// The decoder's initial state for `enc`.
    pub fn start(&self, enc: &Encoded) -> Result<DecoderState> {
        let s = self.init.apply(&enc.summary)?.tanh()?;
        let feed = match self.cfg.attention {
            AttentionKind::Luong => Some(s.zeros_like()?),
            _ => None,
        };
        Ok(DecoderState { s, feed })
    }

    /// One decoder step from the previous tokens `prev` $(B)$: logits $(B, V)$, the new state and
    /// the attention weights $(B, S)$ (absent without attention).
    pub fn step(
        &self,
        enc: &Encoded,
        state: &DecoderState,
        prev: &Tensor,
    ) -> Result<(Tensor, DecoderState, Option<Tensor>)> {
        let emb = self.tgt_embed.apply(prev)?;
        let gru = |input: Tensor| {
            self.decoder
                .step(
                    &input,
                    &State {
                        h: state.s.clone(),
                        c: None,
                    },
                    None,
                )
                .map(|st| st.h)
        };
        let attend = |q: &Tensor| -> Result<(Tensor, Tensor)> {
            match (&self.attention, &enc.keys) {
                (Some(a), Some(k)) => a.attend(k, &enc.annotations, q),
                _ => candle_core::bail!("attention without keys"),
            }
        };
        match self.cfg.attention {
            AttentionKind::None => {
                let s = gru(Tensor::cat(&[&emb, &enc.summary], 1)?)?;
                let logits = self.out.apply(&Tensor::cat(&[&s, &enc.summary], 1)?)?;
                Ok((logits, DecoderState { s, feed: None }, None))
            }
            AttentionKind::Bahdanau => {
                let (c, alpha) = attend(&state.s)?;
                let s = gru(Tensor::cat(&[&emb, &c], 1)?)?;
                let logits = self.out.apply(&Tensor::cat(&[&s, &c], 1)?)?;
                Ok((logits, DecoderState { s, feed: None }, Some(alpha)))
            }
            AttentionKind::Luong => {
                let feed = state
                    .feed
                    .as_ref()
                    .ok_or_else(|| candle_core::Error::Msg("Luong state without feed".into()))?;
                let s = gru(Tensor::cat(&[&emb, feed], 1)?)?;
                let (c, alpha) = attend(&s)?;
                let combine = self
                    .combine
                    .as_ref()
                    .ok_or_else(|| candle_core::Error::Msg("Luong model without W_c".into()))?;
                let h = combine.apply(&Tensor::cat(&[&c, &s], 1)?)?.tanh()?;
                let logits = self.out.apply(&h)?;
                Ok((logits, DecoderState { s, feed: Some(h) }, Some(alpha)))
            }
        }
    }

    /// Teacher-forced pass over targets `tgt` $(B, U)$: the previous token is the true one with
    /// probability `teacher_forcing` (drawn from `rng` per step; always when `rng` is `None`),
    /// else the model's arg-max. `bos` starts every sequence.
    pub fn forward(
        &self,
        src: &Tensor,
        tgt: &Tensor,
        bos: u32,
        teacher_forcing: f64,
        mut rng: Option<&mut Rng>,
    ) -> Result<Seq2SeqOutput> {
        let (b, u) = tgt.dims2()?;
        if src.dim(0)? != b {
            candle_core::bail!("{} source rows for {b} target rows", src.dim(0)?);
        }
        let enc = self.encode(src)?;
        let mut state = self.start(&enc)?;
        let mut prev = Tensor::full(bos, b, &Device::Cpu)?;
        let (mut logits, mut alphas) = (Vec::with_capacity(u), Vec::with_capacity(u));
        for t in 0..u {
            let (z, next, alpha) = self.step(&enc, &state, &prev)?;
            let forced = match rng.as_deref_mut() {
                Some(r) if teacher_forcing < 1.0 => r.random::<f64>() < teacher_forcing,
                _ => true,
            };
            prev = if forced {
                tgt.narrow(1, t, 1)?.squeeze(1)?.to_dtype(DType::U32)?
            } else {
                z.argmax(D::Minus1)?
            };
            logits.push(z);
            alphas.extend(alpha);
            state = next;
        }
        Ok(Seq2SeqOutput {
            logits: Tensor::stack(&logits, 1)?,
            attention: if alphas.is_empty() {
                None
            } else {
                Some(Tensor::stack(&alphas, 1)?)
            },
        })
    }

    /// Check `ids` are token ids below the vocabulary size.
    pub(crate) fn check_ids(&self, ids: &[u32]) -> breadth_core::Result<()> {
        match ids.iter().find(|&&i| i as usize >= self.cfg.vocab) {
            Some(bad) => Err(Error::param(
                "tokens",
                format!(
                    "token id {bad} outside the vocabulary of {}",
                    self.cfg.vocab
                ),
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::seeded_rng;

    fn tiny(attention: AttentionKind) -> (Params, Seq2Seq) {
        let cfg = Seq2SeqConfig {
            vocab: 6,
            embed: 3,
            encoder_hidden: 3,
            decoder_hidden: 4,
            attention_dim: 3,
            attention,
        };
        let mut p = Params::new();
        let m = Seq2Seq::new(&mut p, &cfg, &mut seeded_rng(0)).unwrap();
        (p, m)
    }

    /// Every variable of every variant gets a gradient from the teacher-forced loss, and the
    /// step-by-step decoder agrees with the batched pass.
    #[test]
    fn all_parameters_learn_and_steps_agree() {
        let src = Tensor::new(&[[1u32, 2, 3], [3, 1, 2]], &Device::Cpu).unwrap();
        let tgt = Tensor::new(&[[3u32, 2, 1, 5], [2, 1, 3, 5]], &Device::Cpu).unwrap();
        for kind in [
            AttentionKind::None,
            AttentionKind::Bahdanau,
            AttentionKind::Luong,
        ] {
            let (p, m) = tiny(kind);
            let out = m.forward(&src, &tgt, 4, 1.0, None).unwrap();
            let loss = crate::loss::CrossEntropy::default()
                .apply(
                    &out.logits.reshape((8, 6)).unwrap(),
                    &tgt.flatten_all().unwrap(),
                )
                .unwrap();
            let grads = loss.backward().unwrap();
            for e in p.entries() {
                let g = grads.get(e.var.as_tensor());
                let n = g.map_or(0.0, |g| {
                    g.abs()
                        .unwrap()
                        .sum_all()
                        .unwrap()
                        .to_scalar::<f32>()
                        .unwrap()
                });
                assert!(n > 0.0, "{kind:?}: no gradient for {}", e.name);
            }
            let enc = m.encode(&src).unwrap();
            let (z, _, _) = m
                .step(
                    &enc,
                    &m.start(&enc).unwrap(),
                    &Tensor::full(4u32, 2, &Device::Cpu).unwrap(),
                )
                .unwrap();
            let first = out.logits.narrow(1, 0, 1).unwrap().squeeze(1).unwrap();
            let d = (z - first)
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert!(d < 1e-6);
            assert_eq!(out.attention.is_some(), kind != AttentionKind::None);
        }
    }

    #[test]
    fn zero_sizes_and_bad_ids_are_refused() {
        let mut p = Params::new();
        let cfg = Seq2SeqConfig {
            embed: 0,
            ..Seq2SeqConfig::default()
        };
        assert!(Seq2Seq::new(&mut p, &cfg, &mut seeded_rng(0)).is_err());
        let (_, m) = tiny(AttentionKind::Luong);
        assert!(m.check_ids(&[1, 6]).is_err());
        let src = Tensor::new(&[[1u32, 9]], &Device::Cpu).unwrap();
        let tgt = Tensor::new(&[[1u32]], &Device::Cpu).unwrap();
        assert!(m.forward(&src, &tgt, 4, 1.0, None).is_err());
    }
}
