//! word2vec: skip-gram and CBOW word embeddings trained with negative sampling, subsampling of
//! frequent words, and nearest-neighbour and analogy queries by cosine similarity.
//!
//! Each word $w$ has an input vector $u_w$ and an output vector $v_w$ in $\mathbb{R}^d$. For a
//! centre word $w_t$ and a context window of random radius $b \in [1, c]$:
//!
//! - **skip-gram** predicts the centre from each context word $w_{t+j}$, $0 < |j| \le b$, with input
//!   $h = u_{w_{t+j}}$;
//! - **CBOW** predicts it from the mean of the context, $h = \frac{1}{2b}\sum_j u_{w_{t+j}}$.
//!
//! Negative sampling maximises, for the true word $o = w_t$ and $k$ words $n_i$ drawn from the
//! unigram distribution raised to $3/4$, $P(w) \propto \operatorname{count}(w)^{0.75}$,
//! $$\ell = \log \sigma(v_o^\top h) + \sum_{i=1}^{k} \log \sigma(-v_{n_i}^\top h).$$
//! Its gradient gives the updates (learning rate $\alpha$, label $y = 1$ for $o$, $0$ for $n_i$,
//! $g = \alpha (y - \sigma(v^\top h))$): $v \mathrel{+}= g h$ for each of the $k + 1$ words, and
//! the inputs that formed $h$ move by $\sum g\, v$ (the values of $v$ before their update).
//! Subsampling drops each occurrence of $w$ with probability
//! $1 - \left(\sqrt{f_w / s} + 1\right) s / f_w$ for its corpus share $f_w$ and threshold $s$.
//! The rate falls linearly from $\alpha_0$ to $10^{-4} \alpha_0$ over training.
//!
//! As in the original C code, training is plain SGD over `f32` arrays. It runs on one thread, so
//! the result is a deterministic function of the seed. Queries use cosine similarity of the
//! input vectors; an analogy "$a - b + c$" returns the words nearest to
//! $\hat u_a - \hat u_b + \hat u_c$ (unit vectors), excluding the three query words.
//!
//! Shapes: $V$ words of dimension $d$. Cost per epoch: $O(N c (k + 1) d)$ for $N$ kept tokens.
//! Reference: T. Mikolov et al., *Distributed Representations of Words and Phrases and their
//! Compositionality*, NeurIPS 2013; *Efficient Estimation of Word Representations in Vector
//! Space*, 2013.
//!
//! ```
//! use breadth_nn::word2vec::Word2VecParams;
//! let text = "the cat sat on the mat. the dog sat on the rug. ".repeat(200);
//! let params = Word2VecParams { dim: 8, min_count: 1, epochs: 2, sample: 0.0, ..Word2VecParams::default() };
//! let model = params.fit(&text).unwrap();
//! assert_eq!(model.vocab_size(), 7);
//! assert_eq!(model.most_similar("cat", 3).unwrap().len(), 3);
//! assert!(model.most_similar("zebra", 3).is_err());
//! ```

use std::collections::HashMap;
use std::path::Path;

use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::{model_file, seeded_rng, Error, Result, Rng};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// Which word predicts which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    /// Each context word predicts the centre word.
    SkipGram,
    /// The mean of the context predicts the centre word.
    Cbow,
}

impl std::str::FromStr for Architecture {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "skipgram" | "skip-gram" | "sg" => Ok(Architecture::SkipGram),
            "cbow" => Ok(Architecture::Cbow),
            _ => Err(Error::param(
                "architecture",
                format!("expected skipgram or cbow, got `{s}`"),
            )),
        }
    }
}

impl std::fmt::Display for Architecture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Architecture::SkipGram => "skipgram",
            Architecture::Cbow => "cbow",
        })
    }
}

/// Hyper-parameters of word2vec.
#[derive(Debug, Clone, PartialEq)]
pub struct Word2VecParams {
    /// Skip-gram or CBOW.
    pub architecture: Architecture,
    /// Vector dimension $d$.
    pub dim: usize,
    /// Largest window radius $c$.
    pub window: usize,
    /// Negative samples $k$ per prediction.
    pub negative: usize,
    /// Words seen fewer times are dropped.
    pub min_count: usize,
    /// Subsampling threshold $s$ (0: keep every word).
    pub sample: f64,
    /// Passes over the corpus.
    pub epochs: usize,
    /// Starting learning rate $\alpha_0$.
    pub learning_rate: f64,
    /// Seed of initialisation, subsampling, windows and negatives.
    pub seed: u64,
}

impl Default for Word2VecParams {
    fn default() -> Self {
        Word2VecParams {
            architecture: Architecture::SkipGram,
            dim: 100,
            window: 5,
            negative: 5,
            min_count: 5,
            sample: 1e-3,
            epochs: 5,
            learning_rate: 0.025,
            seed: 0,
        }
    }
}

impl Configurable for Word2VecParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("architecture", self.architecture, "skipgram | cbow"),
            ParamSpec::new("dim", self.dim, "vector dimension"),
            ParamSpec::new("window", self.window, "largest context radius"),
            ParamSpec::new("negative", self.negative, "negative samples per prediction"),
            ParamSpec::new("min_count", self.min_count, "drop rarer words"),
            ParamSpec::new("sample", self.sample, "subsampling threshold (0: off)"),
            ParamSpec::new("epochs", self.epochs, "passes over the corpus"),
            ParamSpec::new("learning_rate", self.learning_rate, "starting rate"),
            ParamSpec::new("seed", self.seed, "seed of all random draws"),
        ]
    }

    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "architecture" => self.architecture = value.trim().parse()?,
            "dim" => self.dim = parse_param(name, value)?,
            "window" => self.window = parse_param(name, value)?,
            "negative" => self.negative = parse_param(name, value)?,
            "min_count" => self.min_count = parse_param(name, value)?,
            "sample" => self.sample = parse_param(name, value)?,
            "epochs" => self.epochs = parse_param(name, value)?,
            "learning_rate" => self.learning_rate = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Lower-cased words: runs of letters and inner apostrophes.
pub fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphabetic() || c == '\''))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Trained word vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word2Vec {
    words: Vec<String>,
    counts: Vec<u64>,
    dim: usize,
    architecture: Architecture,
    /// Input vectors, $V \times d$ row-major.
    vectors: Vec<f32>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

/// Size of the table negatives are drawn from (each word fills a share $\propto$ count$^{0.75}$).
const TABLE_SIZE: usize = 10_000_000;

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// One negative-sampling step for the hidden vector `h`: for each `(word, label)` in `targets`,
/// $g = \alpha(y - \sigma(v^\top h))$, accumulate $g v$ into `grad_h` and move $v$ by $g h$.
fn sgns_step(h: &[f32], targets: &[(usize, f32)], out: &mut [f32], grad_h: &mut [f32], alpha: f32) {
    let d = h.len();
    for &(w, label) in targets {
        let v = &mut out[w * d..(w + 1) * d];
        let f: f32 = v.iter().zip(h).map(|(a, b)| a * b).sum();
        let g = alpha * (label - sigmoid(f));
        for ((e, vi), hi) in grad_h.iter_mut().zip(v.iter_mut()).zip(h) {
            *e += g * *vi;
            *vi += g * hi;
        }
    }
}

impl Word2VecParams {
    fn validate(&self) -> Result<()> {
        if self.dim == 0 || self.window == 0 || self.epochs == 0 || self.min_count == 0 {
            return Err(Error::param(
                "word2vec",
                "dim, window, epochs and min_count must each be at least 1",
            ));
        }
        breadth_core::validate::positive("learning_rate", self.learning_rate)?;
        breadth_core::validate::non_negative("sample", self.sample)
    }

    /// Train on a text (see [`tokenize`]).
    pub fn fit(&self, text: &str) -> Result<Word2Vec> {
        self.fit_tokens(&tokenize(text))
    }

    /// Train on a sequence of tokens.
    pub fn fit_tokens(&self, tokens: &[String]) -> Result<Word2Vec> {
        self.validate()?;
        let mut freq: HashMap<&str, u64> = HashMap::new();
        for t in tokens {
            *freq.entry(t.as_str()).or_default() += 1;
        }
        let mut vocab: Vec<(&str, u64)> = freq
            .into_iter()
            .filter(|&(_, c)| c >= self.min_count as u64)
            .collect();
        // Most frequent first, ties alphabetical: a deterministic order.
        vocab.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        if vocab.len() < 2 {
            return Err(Error::EmptyInput {
                what: "word2vec vocabulary".into(),
                detail: format!(
                    "{} distinct words occur at least min_count = {} times; need 2",
                    vocab.len(),
                    self.min_count
                ),
            });
        }
        let mut model = Word2Vec {
            words: vocab.iter().map(|(w, _)| w.to_string()).collect(),
            counts: vocab.iter().map(|&(_, c)| c).collect(),
            dim: self.dim,
            architecture: self.architecture,
            vectors: Vec::new(),
            index: HashMap::new(),
        };
        model.build_index();
        let ids: Vec<usize> = tokens
            .iter()
            .filter_map(|t| model.index.get(t).copied())
            .collect();
        let mut rng = seeded_rng(self.seed);
        let (v, d) = (model.words.len(), self.dim);
        model.vectors = (0..v * d)
            .map(|_| (rng.random::<f32>() - 0.5) / d as f32)
            .collect();
        let mut out = vec![0.0f32; v * d];
        let table = unigram_table(&model.counts);
        let total: u64 = model.counts.iter().sum();
        let keep: Vec<f64> = model
            .counts
            .iter()
            .map(|&c| {
                if self.sample == 0.0 {
                    return 1.0;
                }
                let st = self.sample * total as f64;
                ((c as f64 / st).sqrt() + 1.0) * st / c as f64
            })
            .collect();
        let steps = (self.epochs * ids.len()) as f64;
        let a0 = self.learning_rate as f32;
        let mut grad = vec![0.0f32; d];
        let mut h = vec![0.0f32; d];
        let mut targets = Vec::with_capacity(self.negative + 1);
        let mut sentence = Vec::new();
        for epoch in 0..self.epochs {
            sentence.clear();
            sentence.extend(
                ids.iter()
                    .copied()
                    .filter(|&w| rng.random::<f64>() < keep[w]),
            );
            let base = epoch * ids.len();
            for t in 0..sentence.len() {
                // Progress in corpus positions, as the C code, mapped onto the kept tokens.
                let done = base as f64 + t as f64 * ids.len() as f64 / sentence.len() as f64;
                let alpha = (a0 * (1.0 - (done / steps) as f32)).max(a0 * 1e-4);
                let b = rng.random_range(1..=self.window);
                let lo = t.saturating_sub(b);
                let hi = (t + b).min(sentence.len() - 1);
                let centre = sentence[t];
                let draw_targets = |rng: &mut Rng, targets: &mut Vec<(usize, f32)>| {
                    targets.clear();
                    targets.push((centre, 1.0));
                    for _ in 0..self.negative {
                        let n = table[rng.random_range(0..table.len())] as usize;
                        if n != centre {
                            targets.push((n, 0.0));
                        }
                    }
                };
                match self.architecture {
                    Architecture::SkipGram => {
                        for c in (lo..=hi).filter(|&c| c != t) {
                            let w = sentence[c];
                            draw_targets(&mut rng, &mut targets);
                            grad.iter_mut().for_each(|g| *g = 0.0);
                            h.copy_from_slice(&model.vectors[w * d..(w + 1) * d]);
                            sgns_step(&h, &targets, &mut out, &mut grad, alpha);
                            for (x, g) in model.vectors[w * d..(w + 1) * d].iter_mut().zip(&grad) {
                                *x += g;
                            }
                        }
                    }
                    Architecture::Cbow => {
                        let n_ctx = hi - lo;
                        if n_ctx == 0 {
                            continue;
                        }
                        h.iter_mut().for_each(|x| *x = 0.0);
                        for c in (lo..=hi).filter(|&c| c != t) {
                            let w = sentence[c];
                            for (x, u) in h.iter_mut().zip(&model.vectors[w * d..(w + 1) * d]) {
                                *x += u / n_ctx as f32;
                            }
                        }
                        draw_targets(&mut rng, &mut targets);
                        grad.iter_mut().for_each(|g| *g = 0.0);
                        sgns_step(&h, &targets, &mut out, &mut grad, alpha);
                        // The C code adds the whole hidden-layer error to every context word.
                        for c in (lo..=hi).filter(|&c| c != t) {
                            let w = sentence[c];
                            for (x, g) in model.vectors[w * d..(w + 1) * d].iter_mut().zip(&grad) {
                                *x += g;
                            }
                        }
                    }
                }
            }
        }
        if model.vectors.iter().any(|x| !x.is_finite()) {
            return Err(Error::numerical(
                "word2vec",
                "vectors diverged; lower the learning rate",
            ));
        }
        Ok(model)
    }
}

/// Word ids laid out so that a uniform index draws word $w$ with probability
/// $\text{count}_w^{0.75} / \sum_u \text{count}_u^{0.75}$.
fn unigram_table(counts: &[u64]) -> Vec<u32> {
    let pow: Vec<f64> = counts.iter().map(|&c| (c as f64).powf(0.75)).collect();
    let total: f64 = pow.iter().sum();
    let size = TABLE_SIZE.min(counts.len() * 1000).max(counts.len());
    let mut table = Vec::with_capacity(size);
    let mut cum = 0.0;
    for (w, p) in pow.iter().enumerate() {
        cum += p / total;
        let end = ((cum * size as f64).round() as usize).min(size);
        while table.len() < end {
            table.push(w as u32);
        }
    }
    table
}

impl Word2Vec {
    fn build_index(&mut self) {
        self.index = self
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i))
            .collect();
    }

    /// Number of words.
    pub fn vocab_size(&self) -> usize {
        self.words.len()
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The words, most frequent first.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// How often each word occurred in the training text.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Skip-gram or CBOW.
    pub fn architecture(&self) -> Architecture {
        self.architecture
    }

    fn id(&self, word: &str) -> Result<usize> {
        self.index
            .get(&word.to_lowercase())
            .copied()
            .ok_or_else(|| Error::param("word", format!("`{word}` is not in the vocabulary")))
    }

    /// The vector of `word`.
    pub fn vector(&self, word: &str) -> Result<&[f32]> {
        let i = self.id(word)?;
        Ok(&self.vectors[i * self.dim..(i + 1) * self.dim])
    }

    fn unit(&self, i: usize) -> Vec<f32> {
        let v = &self.vectors[i * self.dim..(i + 1) * self.dim];
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        v.iter().map(|x| x / n).collect()
    }

    /// The `k` words of largest cosine similarity to `query`, skipping `exclude`.
    fn nearest(&self, query: &[f32], exclude: &[usize], k: usize) -> Vec<(String, f32)> {
        let qn = query.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        let mut scored: Vec<(usize, f32)> = (0..self.words.len())
            .filter(|i| !exclude.contains(i))
            .map(|i| {
                let u = self.unit(i);
                (i, u.iter().zip(query).map(|(a, b)| a * b).sum::<f32>() / qn)
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored
            .into_iter()
            .take(k)
            .map(|(i, s)| (self.words[i].clone(), s))
            .collect()
    }

    /// The `k` nearest words to `word` by cosine similarity, with their similarities.
    pub fn most_similar(&self, word: &str, k: usize) -> Result<Vec<(String, f32)>> {
        let i = self.id(word)?;
        Ok(self.nearest(&self.unit(i), &[i], k))
    }

    /// The `k` words nearest to $\hat u_a - \hat u_b + \hat u_c$ ("king - man + woman").
    pub fn analogy(&self, a: &str, b: &str, c: &str, k: usize) -> Result<Vec<(String, f32)>> {
        let (ia, ib, ic) = (self.id(a)?, self.id(b)?, self.id(c)?);
        let (ua, ub, uc) = (self.unit(ia), self.unit(ib), self.unit(ic));
        let q: Vec<f32> = (0..self.dim).map(|j| ua[j] - ub[j] + uc[j]).collect();
        Ok(self.nearest(&q, &[ia, ib, ic], k))
    }

    /// Save as a breadth model file (kind `word2vec`), written atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        model_file::save(path, "word2vec", self)
    }

    /// Load a file written by [`Word2Vec::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let mut m: Word2Vec = model_file::load(path, "word2vec")?;
        m.check()?;
        Ok(m)
    }

    /// Decode from model-file bytes (kind `word2vec`).
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Self> {
        let mut m: Word2Vec = model_file::from_bytes(bytes, "word2vec", source)?;
        m.check()?;
        Ok(m)
    }

    fn check(&mut self) -> Result<()> {
        if self.words.len() != self.counts.len()
            || self.vectors.len() != self.words.len() * self.dim
        {
            return Err(Error::ModelFile {
                path: "word2vec".into(),
                reason: "word, count and vector lengths disagree".into(),
            });
        }
        self.build_index();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor, Var};

    /// Two topics whose words only ever appear together: neighbours must come from the same topic.
    fn topics(n: usize, seed: u64) -> String {
        let a = ["cat", "dog", "mouse", "horse", "cow", "sheep"];
        let b = ["car", "truck", "bus", "train", "plane", "boat"];
        let mut rng = seeded_rng(seed);
        let mut s = String::new();
        for _ in 0..n {
            let topic = if rng.random::<bool>() { &a } else { &b };
            for _ in 0..8 {
                s.push_str(topic[rng.random_range(0..6)]);
                s.push(' ');
            }
        }
        s
    }

    #[test]
    fn neighbours_share_a_topic_for_both_architectures() {
        let text = topics(600, 1);
        for arch in [Architecture::SkipGram, Architecture::Cbow] {
            let p = Word2VecParams {
                architecture: arch,
                dim: 16,
                window: 3,
                epochs: 3,
                sample: 0.0,
                min_count: 1,
                learning_rate: if arch == Architecture::Cbow {
                    0.05
                } else {
                    0.025
                },
                ..Word2VecParams::default()
            };
            let m = p.fit(&text).unwrap();
            let near: Vec<String> = m
                .most_similar("cat", 4)
                .unwrap()
                .into_iter()
                .map(|(w, _)| w)
                .collect();
            for w in &near {
                assert!(
                    ["dog", "mouse", "horse", "cow", "sheep"].contains(&w.as_str()),
                    "{arch:?}: {near:?}"
                );
            }
            assert_eq!(m, p.fit(&text).unwrap(), "deterministic under a seed");
        }
    }

    /// The hand-written update is one SGD step on the negative-sampling loss: compare it with
    /// candle's autograd gradient of $-\ell$.
    #[test]
    fn update_matches_autograd() {
        let d = 5;
        let mut rng = seeded_rng(2);
        let h: Vec<f32> = (0..d).map(|_| rng.random::<f32>() - 0.5).collect();
        let out: Vec<f32> = (0..3 * d).map(|_| rng.random::<f32>() - 0.5).collect();
        let targets = [(1usize, 1.0f32), (0, 0.0), (2, 0.0)];
        let alpha = 0.1f32;
        let (mut out2, mut grad) = (out.clone(), vec![0.0f32; d]);
        sgns_step(&h, &targets, &mut out2, &mut grad, alpha);

        let dev = Device::Cpu;
        let hv = Var::new(h.as_slice(), &dev).unwrap();
        let ov = Var::from_tensor(&Tensor::from_vec(out.clone(), (3, d), &dev).unwrap()).unwrap();
        let mut loss = Tensor::zeros((), candle_core::DType::F32, &dev).unwrap();
        for &(w, y) in &targets {
            let f = (ov.get(w).unwrap() * hv.as_tensor())
                .unwrap()
                .sum_all()
                .unwrap();
            // log sigma(s f) with s = +1 for the true word and -1 for negatives.
            let s = if y == 1.0 { 1.0 } else { -1.0 };
            let l = crate::activation::sigmoid(&f.affine(s, 0.0).unwrap())
                .unwrap()
                .log()
                .unwrap();
            loss = (loss - l).unwrap();
        }
        let g = loss.backward().unwrap();
        let gh = g.get(hv.as_tensor()).unwrap().to_vec1::<f32>().unwrap();
        let go = g
            .get(ov.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        for j in 0..d {
            assert!((grad[j] + alpha * gh[j]).abs() < 1e-6, "h[{j}]");
        }
        for j in 0..3 * d {
            assert!(
                (out2[j] - (out[j] - alpha * go[j])).abs() < 1e-6,
                "out[{j}]"
            );
        }
    }

    #[test]
    fn unigram_table_follows_three_quarter_power() {
        let t = unigram_table(&[16, 1]);
        let share = t.iter().filter(|&&w| w == 0).count() as f64 / t.len() as f64;
        assert!((share - 8.0 / 9.0).abs() < 1e-3, "{share}");
    }

    #[test]
    fn analogy_save_load_and_errors() {
        let text = topics(300, 2);
        let p = Word2VecParams {
            dim: 8,
            epochs: 1,
            min_count: 1,
            sample: 0.0,
            ..Word2VecParams::default()
        };
        let m = p.fit(&text).unwrap();
        let a = m.analogy("cat", "dog", "car", 3).unwrap();
        assert!(a
            .iter()
            .all(|(w, _)| !["cat", "dog", "car"].contains(&w.as_str())));
        let dir = std::env::temp_dir().join(format!("breadth-w2v-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.w2v");
        m.save(&path).unwrap();
        let back = Word2Vec::load(&path).unwrap();
        assert_eq!(
            back.most_similar("bus", 3).unwrap(),
            m.most_similar("bus", 3).unwrap()
        );
        assert!(m.analogy("cat", "dog", "zebra", 3).is_err());
        assert!(Word2VecParams {
            dim: 0,
            ..p.clone()
        }
        .fit(&text)
        .is_err());
        assert!(Word2VecParams {
            min_count: 10_000,
            ..p
        }
        .fit(&text)
        .is_err());
        assert_eq!(
            tokenize("King's men, o'er THE hill!"),
            ["king's", "men", "o'er", "the", "hill"]
        );
    }
}
