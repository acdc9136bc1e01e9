//! Decoding a trained [`Seq2Seq`] model: greedy and beam search.
//!
//! Both maximise the sequence log-probability $\log p(y \mid x) = \sum_t \log p(y_t \mid y_{<t}, x)$
//! approximately. **Greedy** takes $y_t = \arg\max_v p(v \mid y_{<t}, x)$ at every step (a whole
//! batch at once). **Beam search** with width $k$ keeps the $k$ best prefixes by summed
//! log-probability; each step extends every live prefix by every token and keeps the $k$ best
//! of the $kV$ candidates; a prefix ending in $\langle eos \rangle$ is finished. Because scores only
//! fall as prefixes grow, the search stops as soon as the best finished hypothesis scores at
//! least as well as every live one (or at the length limit), and that hypothesis is returned.
//! Width 1 is greedy decoding.
//!
//! Cost: greedy $O(U)$ decoder steps of the batch; beam $O(U)$ steps of a $k$-row batch plus
//! $O(UkV \log(kV))$ for the ranking. Reference: I. Sutskever, O. Vinyals, Q. Le, *Sequence to
//! Sequence Learning with Neural Networks*, NeurIPS 2014, §3.2; P. Koehn, *Statistical Machine
//! Translation*, 2010, ch. 6.
//!
//! ```
//! use breadth_nn::seq2seq::{decode::{beam_search, greedy}, model::{Seq2Seq, Seq2SeqConfig}};
//! use breadth_nn::params::Params;
//! use breadth_core::seeded_rng;
//! let mut params = Params::new();
//! let model = Seq2Seq::new(&mut params, &Seq2SeqConfig::default(), &mut seeded_rng(0)).unwrap();
//! let g = greedy(&model, &[vec![1, 2, 3]], 10, 11, 6).unwrap();
//! let b = beam_search(&model, &[1, 2, 3], 10, 11, 1, 6).unwrap();
//! assert_eq!(g[0].tokens, b.tokens); // width 1 is greedy
//! assert!(b.tokens.len() <= 6);
//! ```

use breadth_core::{Error, Result};
use candle_core::{DType, Device, Tensor, D};

use super::model::{DecoderState, Encoded, Seq2Seq};
use crate::activation::log_softmax;

/// One decoded sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Output tokens, without $\langle bos \rangle$ and $\langle eos \rangle$.
    pub tokens: Vec<u32>,
    /// Summed log-probability, $\langle eos \rangle$ included when it was produced.
    pub log_prob: f64,
    /// Attention weights over the source for every output step (empty without attention).
    pub attention: Vec<Vec<f32>>,
}

fn terr(e: candle_core::Error) -> Error {
    crate::tensor_err("decoding")(e)
}

fn check(model: &Seq2Seq, src: &[Vec<u32>], bos: u32, eos: u32, max_len: usize) -> Result<()> {
    if src.is_empty() || src.iter().any(|s| s.is_empty() || s.len() != src[0].len()) {
        return Err(Error::param(
            "source",
            "needs at least one sequence, all non-empty and of one length",
        ));
    }
    if max_len == 0 {
        return Err(Error::param("max_len", "must be at least 1"));
    }
    for s in src {
        model.check_ids(s)?;
    }
    model.check_ids(&[bos, eos])
}

fn source(src: &[Vec<u32>]) -> Result<Tensor> {
    let flat: Vec<u32> = src.concat();
    Tensor::from_vec(flat, (src.len(), src[0].len()), &Device::Cpu).map_err(terr)
}

/// Greedy decoding of a batch of equally long sources, at most `max_len` tokens each.
pub fn greedy(
    model: &Seq2Seq,
    src: &[Vec<u32>],
    bos: u32,
    eos: u32,
    max_len: usize,
) -> Result<Vec<Decoded>> {
    check(model, src, bos, eos, max_len)?;
    let b = src.len();
    let enc = model.encode(&source(src)?).map_err(terr)?;
    let mut state = model.start(&enc).map_err(terr)?;
    let mut prev = Tensor::full(bos, b, &Device::Cpu).map_err(terr)?;
    let mut out: Vec<Decoded> = (0..b)
        .map(|_| Decoded {
            tokens: vec![],
            log_prob: 0.0,
            attention: vec![],
        })
        .collect();
    let mut done = vec![false; b];
    for _ in 0..max_len {
        let (z, next, alpha) = model.step(&enc, &state, &prev).map_err(terr)?;
        let lp = log_softmax(&z).map_err(terr)?;
        let best = z.argmax(D::Minus1).map_err(terr)?;
        let ids = best.to_vec1::<u32>().map_err(terr)?;
        let lps = lp.to_vec2::<f32>().map_err(terr)?;
        let alpha = alpha
            .map(|a| a.to_vec2::<f32>())
            .transpose()
            .map_err(terr)?;
        for r in 0..b {
            if done[r] {
                continue;
            }
            out[r].log_prob += f64::from(lps[r][ids[r] as usize]);
            if let Some(a) = &alpha {
                out[r].attention.push(a[r].clone());
            }
            if ids[r] == eos {
                done[r] = true;
            } else {
                out[r].tokens.push(ids[r]);
            }
        }
        if done.iter().all(|&d| d) {
            break;
        }
        state = next;
        prev = best;
    }
    Ok(out)
}

struct Hyp {
    tokens: Vec<u32>,
    log_prob: f64,
    state: DecoderState,
    attention: Vec<Vec<f32>>,
}

/// Rows `rows` of a batch-1 encoding repeated `k` times.
fn repeat(enc: &Encoded, k: usize) -> candle_core::Result<Encoded> {
    let rep = |t: &Tensor| {
        let mut dims = t.dims().to_vec();
        dims[0] = k;
        t.broadcast_as(dims)?.contiguous()
    };
    Ok(Encoded {
        annotations: rep(&enc.annotations)?,
        keys: enc.keys.as_ref().map(rep).transpose()?,
        summary: rep(&enc.summary)?,
    })
}

/// Beam search of width `width` for one source sequence, at most `max_len` tokens.
pub fn beam_search(
    model: &Seq2Seq,
    src: &[u32],
    bos: u32,
    eos: u32,
    width: usize,
    max_len: usize,
) -> Result<Decoded> {
    let src = vec![src.to_vec()];
    check(model, &src, bos, eos, max_len)?;
    if width == 0 {
        return Err(Error::param("beam width", "must be at least 1"));
    }
    let enc1 = model.encode(&source(&src)?).map_err(terr)?;
    let mut live = vec![Hyp {
        tokens: vec![],
        log_prob: 0.0,
        state: model.start(&enc1).map_err(terr)?,
        attention: vec![],
    }];
    let mut best: Option<Decoded> = None;
    for _ in 0..max_len {
        let k = live.len();
        let enc = repeat(&enc1, k).map_err(terr)?;
        let cat = |f: &dyn Fn(&Hyp) -> Option<Tensor>| -> candle_core::Result<Option<Tensor>> {
            let parts: Option<Vec<Tensor>> = live.iter().map(f).collect();
            parts.map(|p| Tensor::cat(&p, 0)).transpose()
        };
        let state = DecoderState {
            s: cat(&|h| Some(h.state.s.clone()))
                .map_err(terr)?
                .ok_or_else(|| Error::numerical("beam", "no state"))?,
            feed: cat(&|h| h.state.feed.clone()).map_err(terr)?,
        };
        let prev: Vec<u32> = live
            .iter()
            .map(|h| h.tokens.last().copied().unwrap_or(bos))
            .collect();
        let prev = Tensor::from_vec(prev, k, &Device::Cpu).map_err(terr)?;
        let (z, next, alpha) = model.step(&enc, &state, &prev).map_err(terr)?;
        let lps = log_softmax(&z)
            .and_then(|l| l.to_dtype(DType::F32)?.to_vec2::<f32>())
            .map_err(terr)?;
        let alpha = alpha
            .map(|a| a.to_vec2::<f32>())
            .transpose()
            .map_err(terr)?;
        let mut cands: Vec<(f64, usize, u32)> = Vec::with_capacity(k * lps[0].len());
        for (r, row) in lps.iter().enumerate() {
            for (v, &lp) in row.iter().enumerate() {
                cands.push((live[r].log_prob + f64::from(lp), r, v as u32));
            }
        }
        // Stable order on ties: by score, then hypothesis, then token.
        cands.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut new_live = Vec::with_capacity(width);
        for (score, r, v) in cands.into_iter().take(width) {
            let mut attention = live[r].attention.clone();
            if let Some(a) = &alpha {
                attention.push(a[r].clone());
            }
            if v == eos {
                if best.as_ref().is_none_or(|b| score > b.log_prob) {
                    best = Some(Decoded {
                        tokens: live[r].tokens.clone(),
                        log_prob: score,
                        attention,
                    });
                }
                continue;
            }
            let row = |t: &Tensor| t.narrow(0, r, 1);
            let mut tokens = live[r].tokens.clone();
            tokens.push(v);
            new_live.push(Hyp {
                tokens,
                log_prob: score,
                state: DecoderState {
                    s: row(&next.s).map_err(terr)?,
                    feed: next.feed.as_ref().map(row).transpose().map_err(terr)?,
                },
                attention,
            });
        }
        let best_live = new_live
            .iter()
            .map(|h| h.log_prob)
            .fold(f64::NEG_INFINITY, f64::max);
        live = new_live;
        if live.is_empty() || best.as_ref().is_some_and(|b| b.log_prob >= best_live) {
            break;
        }
    }
    // At the length limit an unfinished prefix may still score best.
    let top_live = live
        .into_iter()
        .max_by(|a, b| a.log_prob.total_cmp(&b.log_prob))
        .map(|h| Decoded {
            tokens: h.tokens,
            log_prob: h.log_prob,
            attention: h.attention,
        });
    match (best, top_live) {
        (Some(b), Some(l)) => Ok(if l.log_prob > b.log_prob { l } else { b }),
        (b, l) => b
            .or(l)
            .ok_or_else(|| Error::numerical("beam search", "no hypothesis")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use crate::seq2seq::model::{AttentionKind, Seq2SeqConfig};
    use breadth_core::seeded_rng;

    fn model(attention: AttentionKind) -> Seq2Seq {
        let cfg = Seq2SeqConfig {
            vocab: 5,
            embed: 4,
            encoder_hidden: 4,
            decoder_hidden: 6,
            attention_dim: 4,
            attention,
        };
        Seq2Seq::new(&mut Params::new(), &cfg, &mut seeded_rng(3)).unwrap()
    }

    /// Exhaustive search over every sequence of at most 3 tokens finds the most probable one;
    /// a beam as wide as the vocabulary tree finds it too, and never scores below greedy.
    #[test]
    fn wide_beam_matches_exhaustive_search() {
        for kind in [
            AttentionKind::Bahdanau,
            AttentionKind::Luong,
            AttentionKind::None,
        ] {
            let m = model(kind);
            let (src, bos, eos, max_len) = (vec![0u32, 1, 2], 3u32, 4u32, 3usize);
            // Score every sequence y (tokens from 0..=2, then eos) of length <= max_len - 1, and
            // every unfinished sequence of length max_len, by teacher forcing.
            let score = |y: &[u32]| -> f64 {
                let t = Tensor::from_vec(y.to_vec(), (1, y.len()), &Device::Cpu).unwrap();
                let s = Tensor::from_vec(src.clone(), (1, 3), &Device::Cpu).unwrap();
                let out = m.forward(&s, &t, bos, 1.0, None).unwrap();
                let lp = log_softmax(&out.logits).unwrap().to_vec3::<f32>().unwrap();
                y.iter()
                    .enumerate()
                    .map(|(i, &v)| f64::from(lp[0][i][v as usize]))
                    .sum()
            };
            let mut all: Vec<Vec<u32>> = vec![vec![]];
            let mut best = (f64::NEG_INFINITY, vec![]);
            for len in 0..=max_len {
                for y in &all {
                    let full: Vec<u32> = if len < max_len {
                        [y.clone(), vec![eos]].concat()
                    } else {
                        y.clone()
                    };
                    let s = score(&full);
                    if s > best.0 {
                        best = (s, y.clone());
                    }
                }
                all = all
                    .iter()
                    .flat_map(|y| (0..=bos).map(move |v| [y.clone(), vec![v]].concat()))
                    .collect();
            }
            let wide = beam_search(&m, &src, bos, eos, 125, max_len).unwrap();
            assert_eq!(wide.tokens, best.1, "{kind:?}");
            assert!(
                (wide.log_prob - best.0).abs() < 1e-4,
                "{kind:?}: {} vs {}",
                wide.log_prob,
                best.0
            );
            let g = greedy(&m, std::slice::from_ref(&src), bos, eos, max_len).unwrap();
            assert!(wide.log_prob >= g[0].log_prob - 1e-6);
            assert!(
                (g[0].log_prob
                    - score(
                        &[
                            g[0].tokens.clone(),
                            if g[0].tokens.len() < max_len {
                                vec![eos]
                            } else {
                                vec![]
                            }
                        ]
                        .concat()
                    ))
                .abs()
                    < 1e-4
            );
        }
    }

    #[test]
    fn bad_requests_are_refused() {
        let m = model(AttentionKind::Bahdanau);
        assert!(greedy(&m, &[], 3, 4, 3).is_err());
        assert!(greedy(&m, &[vec![0, 1], vec![1]], 3, 4, 3).is_err());
        assert!(greedy(&m, &[vec![0, 7]], 3, 4, 3).is_err());
        assert!(beam_search(&m, &[0, 1], 3, 4, 0, 3).is_err());
        assert!(beam_search(&m, &[0, 1], 3, 4, 2, 0).is_err());
    }
}
