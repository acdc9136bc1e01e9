//! The digit-reversal task: read a string of digits, write it backwards. It needs attention:
//! output position $t$ must copy input position $n + 1 - t$, which a decoder can only find by
//! looking at the source through cross-attention.
//!
//! Tokens: PAD = 0, BOS = 1, EOS = 2, digit $k$ = $k + 3$ (13 in all). A string $x_1 \dots x_n$
//! becomes the source $(x_1, \dots, x_n, \mathrm{EOS})$ and the target
//! $(\mathrm{BOS}, x_n, \dots, x_1, \mathrm{EOS})$, right-padded with PAD. Training strings have
//! lengths 3–8; the held-out sets are strings of the same lengths that never occur in training,
//! and longer strings (lengths 9–10) that test length generalisation. The score is exact match:
//! the share of strings whose greedy decoding is exactly the reversal.
//!
//! Cost: generation is $O(n)$ strings; scoring decodes each string once (see
//! [`super::model::Transformer::greedy`]).
//! Reference: I. Sutskever, O. Vinyals, Q. V. Le, *Sequence to Sequence Learning with Neural
//! Networks*, NeurIPS 2014 (reversal as a probe of sequence models).
//!
//! ```
//! use breadth_nn::transformer::reversal::{batch, Vocab};
//! let (src, tgt) = batch(&["12".to_string(), "345".to_string()]).unwrap();
//! assert_eq!(src.to_vec2::<u32>().unwrap(), vec![vec![4, 5, 2, 0], vec![6, 7, 8, 2]]);
//! assert_eq!(tgt.to_vec2::<u32>().unwrap()[0], vec![1, 5, 4, 2, 0]);
//! assert_eq!(Vocab.decode(&[8, 7, 6]), "543");
//! ```

use std::collections::HashSet;

use breadth_core::{seeded_rng, Error, Result};
use candle_core::{Device, Tensor};
use rand::Rng as _;

use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use serde::{Deserialize, Serialize};

use super::model::{SavedTransformer, Transformer, TransformerConfig};
use crate::layers::Mode;
use crate::optim::schedule::Decay;
use crate::settings::TrainSettings;
use crate::tensor_err;
use crate::train::History;

/// The reversal task's tokens.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vocab;

impl Vocab {
    /// Padding.
    pub const PAD: u32 = 0;
    /// Beginning of sequence.
    pub const BOS: u32 = 1;
    /// End of sequence.
    pub const EOS: u32 = 2;
    /// Number of tokens.
    pub const SIZE: usize = 13;

    /// The ids of a string of digits.
    pub fn encode_digits(&self, s: &str) -> Result<Vec<u32>> {
        s.chars()
            .map(|c| {
                c.to_digit(10).map(|d| d + 3).ok_or_else(|| {
                    Error::param("string", format!("`{s}` holds `{c}`, not only digits 0-9"))
                })
            })
            .collect()
    }

    /// The digits of `ids` (special tokens are skipped).
    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter()
            .filter(|&&t| (3..13).contains(&t))
            .filter_map(|&t| char::from_digit(t - 3, 10))
            .collect()
    }
}

/// Sizes of the generated task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReversalTask {
    /// Shortest training string.
    pub min_len: usize,
    /// Longest training string.
    pub max_len: usize,
    /// Lengths of the longer held-out strings.
    pub long_lens: (usize, usize),
    /// Training strings (lengths uniform in `min_len..=max_len`).
    pub n_train: usize,
    /// Held-out strings of the training lengths, none seen in training.
    pub n_test: usize,
    /// Held-out longer strings.
    pub n_long: usize,
}

impl Default for ReversalTask {
    fn default() -> Self {
        ReversalTask {
            min_len: 3,
            max_len: 8,
            long_lens: (9, 10),
            n_train: 20_000,
            n_test: 1000,
            n_long: 1000,
        }
    }
}

/// The generated strings.
#[derive(Debug, Clone, PartialEq)]
pub struct ReversalSplit {
    /// Training strings.
    pub train: Vec<String>,
    /// Held-out strings of the training lengths.
    pub test: Vec<String>,
    /// Held-out longer strings.
    pub long: Vec<String>,
}

impl ReversalTask {
    /// Draw the three sets from `seed`.
    pub fn generate(&self, seed: u64) -> Result<ReversalSplit> {
        if self.min_len == 0 || self.min_len > self.max_len || self.long_lens.0 > self.long_lens.1 {
            return Err(Error::param(
                "lengths",
                format!(
                    "need 1 <= min_len <= max_len and a valid long range, got {}..{} and {:?}",
                    self.min_len, self.max_len, self.long_lens
                ),
            ));
        }
        let mut rng = seeded_rng(seed);
        let mut draw = |lo: usize, hi: usize| -> String {
            let n = rng.random_range(lo..=hi);
            (0..n)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect()
        };
        let train: Vec<String> = (0..self.n_train)
            .map(|_| draw(self.min_len, self.max_len))
            .collect();
        let seen: HashSet<&String> = train.iter().collect();
        let mut test = Vec::with_capacity(self.n_test);
        // Short lengths may be exhausted by the training set; give up after enough misses.
        for _ in 0..self.n_test.saturating_mul(100) {
            if test.len() == self.n_test {
                break;
            }
            let s = draw(self.min_len, self.max_len);
            if !seen.contains(&s) {
                test.push(s);
            }
        }
        let long = (0..self.n_long)
            .map(|_| draw(self.long_lens.0, self.long_lens.1))
            .collect();
        Ok(ReversalSplit { train, test, long })
    }
}

/// Source and target id tensors $(B, L)$ of `strings`, right-padded.
pub fn batch(strings: &[String]) -> Result<(Tensor, Tensor)> {
    let longest = strings.iter().map(|s| s.len()).max().unwrap_or(0);
    let (ls, lt) = (longest + 1, longest + 2);
    let (mut src, mut tgt) = (Vec::new(), Vec::new());
    for s in strings {
        let ids = Vocab.encode_digits(s)?;
        let n = ids.len();
        src.extend(&ids);
        src.push(Vocab::EOS);
        src.extend(std::iter::repeat_n(Vocab::PAD, ls - n - 1));
        tgt.push(Vocab::BOS);
        tgt.extend(ids.iter().rev());
        tgt.push(Vocab::EOS);
        tgt.extend(std::iter::repeat_n(Vocab::PAD, lt - n - 2));
    }
    let e = tensor_err("reversal batch");
    let b = strings.len();
    Ok((
        Tensor::from_vec(src, (b, ls), &Device::Cpu).map_err(&e)?,
        Tensor::from_vec(tgt, (b, lt), &Device::Cpu).map_err(&e)?,
    ))
}

/// Train `model` on `strings` with teacher forcing.
pub fn train_reversal(
    model: &Transformer,
    strings: &[String],
    settings: &TrainSettings,
) -> Result<History> {
    if strings.is_empty() {
        return Err(Error::EmptyInput {
            what: "reversal training strings".into(),
            detail: "none given".into(),
        });
    }
    let (src, tgt) = batch(strings)?;
    settings.fit(
        model.params(),
        |x: &Tensor, y: &Tensor, _: &mut Mode<'_>| model.loss(x, y),
        &src,
        &tgt,
    )
}

/// Everything a reversal run needs: the task, the architecture and the training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ReversalParams {
    /// The generated task.
    pub task: ReversalTask,
    /// The architecture (vocabulary and special tokens are the task's).
    pub model: TransformerConfig,
    /// How to train.
    pub train: TrainSettings,
    /// Seed of the generated strings.
    pub data_seed: u64,
}

impl Default for ReversalParams {
    fn default() -> Self {
        ReversalParams {
            task: ReversalTask::default(),
            model: TransformerConfig {
                vocab: Vocab::SIZE,
                pad: Vocab::PAD,
                bos: Vocab::BOS,
                eos: Vocab::EOS,
                ..TransformerConfig::default()
            },
            train: TrainSettings {
                learning_rate: 5e-4,
                batch_size: 64,
                epochs: 20,
                weight_decay: 0.0,
                schedule: Decay::Cosine {
                    t_max: 20,
                    eta_min: 1e-5,
                },
                warmup_epochs: 1,
                clip_norm: 1.0,
                ..TrainSettings::default()
            },
            data_seed: 0,
        }
    }
}

impl Configurable for ReversalParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let (t, m) = (&self.task, &self.model);
        let mut v = vec![
            ParamSpec::new("d_model", m.d_model, "model width"),
            ParamSpec::new("heads", m.heads, "attention heads (divide d_model)"),
            ParamSpec::new("ff", m.ff, "feed-forward width"),
            ParamSpec::new(
                "layers",
                m.layers,
                "encoder layers (and as many decoder layers)",
            ),
            ParamSpec::new("n_train", t.n_train, "training strings"),
            ParamSpec::new(
                "n_test",
                t.n_test,
                "held-out strings of the training lengths",
            ),
            ParamSpec::new("n_long", t.n_long, "held-out longer strings"),
            ParamSpec::new("min_len", t.min_len, "shortest training string"),
            ParamSpec::new("max_len", t.max_len, "longest training string"),
            ParamSpec::new(
                "long_lens",
                format!("{}-{}", t.long_lens.0, t.long_lens.1),
                "lengths of the longer held-out strings, LO-HI",
            ),
            ParamSpec::new("data_seed", self.data_seed, "seed of the generated strings"),
        ];
        v.extend(self.train.param_specs());
        v
    }

    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "d_model" => self.model.d_model = parse_param(name, value)?,
            "heads" => self.model.heads = parse_param(name, value)?,
            "ff" => self.model.ff = parse_param(name, value)?,
            "layers" => self.model.layers = parse_param(name, value)?,
            "n_train" => self.task.n_train = parse_param(name, value)?,
            "n_test" => self.task.n_test = parse_param(name, value)?,
            "n_long" => self.task.n_long = parse_param(name, value)?,
            "min_len" => self.task.min_len = parse_param(name, value)?,
            "max_len" => self.task.max_len = parse_param(name, value)?,
            "long_lens" => {
                let (lo, hi) = value
                    .split_once('-')
                    .ok_or_else(|| Error::param(name, format!("expected LO-HI, got `{value}`")))?;
                self.task.long_lens = (parse_param(name, lo)?, parse_param(name, hi)?);
            }
            "data_seed" => self.data_seed = parse_param(name, value)?,
            _ => return self.train.set_param(name, value),
        }
        Ok(true)
    }
}

/// A trained reversal model with the task it was trained on, in serializable form (so that
/// evaluation regenerates the very same held-out strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedReversal {
    /// The model.
    pub transformer: SavedTransformer,
    /// The task's sizes.
    pub task: ReversalTask,
    /// Seed of the generated strings.
    pub data_seed: u64,
}

/// A trained reversal model with its data and history.
pub struct ReversalRun {
    /// The trained transformer.
    pub model: Transformer,
    /// The generated strings.
    pub split: ReversalSplit,
    /// Training losses per epoch.
    pub history: History,
}

impl ReversalParams {
    /// Generate the task, build the model from the training seed and train it.
    pub fn fit(&self) -> Result<ReversalRun> {
        self.train.validate()?;
        let longest = self.task.max_len.max(self.task.long_lens.1) + 2;
        let mut cfg = self.model.clone();
        cfg.max_len = cfg.max_len.max(longest);
        let split = self.task.generate(self.data_seed)?;
        let model = Transformer::new(&cfg, self.train.seed)?;
        let history = train_reversal(&model, &split.train, &self.train)?;
        Ok(ReversalRun {
            model,
            split,
            history,
        })
    }
}

/// Share of `strings` whose greedy decoding is exactly their reversal, decoding `batch_size`
/// strings at a time.
pub fn exact_match(model: &Transformer, strings: &[String], batch_size: usize) -> Result<f64> {
    if strings.is_empty() || batch_size == 0 {
        return Err(Error::param(
            "exact_match",
            "needs at least one string and a positive batch size",
        ));
    }
    let mut right = 0usize;
    for chunk in strings.chunks(batch_size) {
        let (src, _) = batch(chunk)?;
        let longest = chunk.iter().map(|s| s.len()).max().unwrap_or(0);
        let out = model.greedy(&src, longest + 2)?;
        right += chunk
            .iter()
            .zip(&out)
            .filter(|(s, o)| Vocab.decode(o) == s.chars().rev().collect::<String>())
            .count();
    }
    Ok(right as f64 / strings.len() as f64)
}

/// Reverse one string of digits with a trained model.
pub fn reverse(model: &Transformer, s: &str) -> Result<String> {
    let (src, _) = batch(&[s.to_string()])?;
    Ok(Vocab.decode(&model.greedy(&src, s.len() + 2)?[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_strings_are_unseen() {
        let task = ReversalTask {
            n_train: 2000,
            n_test: 300,
            n_long: 50,
            ..ReversalTask::default()
        };
        let split = task.generate(1).unwrap();
        let seen: HashSet<_> = split.train.iter().collect();
        assert!(split.test.iter().all(|s| !seen.contains(s)));
        assert_eq!(split.test.len(), 300);
        assert!(split.long.iter().all(|s| (9..=10).contains(&s.len())));
        assert_eq!(split, task.generate(1).unwrap());
        assert!(Vocab.encode_digits("12a").is_err());
    }

    /// A tiny model learns to reverse 3-digit strings far above chance (1 in 1000) in a few
    /// seconds; the full run is the `transformer_reverse` example.
    #[test]
    fn learns_short_reversals() {
        let task = ReversalTask {
            min_len: 3,
            max_len: 3,
            n_train: 600,
            n_test: 100,
            n_long: 0,
            ..ReversalTask::default()
        };
        let split = task.generate(0).unwrap();
        let cfg = TransformerConfig {
            vocab: Vocab::SIZE,
            d_model: 32,
            heads: 2,
            ff: 64,
            layers: 1,
            max_len: 16,
            ..TransformerConfig::default()
        };
        let model = Transformer::new(&cfg, 0).unwrap();
        let tc = TrainSettings {
            epochs: 25,
            batch_size: 32,
            learning_rate: 3e-3,
            weight_decay: 0.0,
            ..TrainSettings::default()
        };
        let h = train_reversal(&model, &split.train, &tc).unwrap();
        assert!(
            h.train_loss.last().unwrap() < &(0.3 * h.train_loss[0]),
            "{h:?}"
        );
        let acc = exact_match(&model, &split.test, 50).unwrap();
        assert!(acc > 0.5, "exact match {acc}");
    }
}
