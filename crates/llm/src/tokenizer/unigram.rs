//! Unigram language-model tokenization (SentencePiece): Viterbi segmentation, sampling of
//! segmentations for subword regularization, and EM training with pruning.
//!
//! Each piece $v \in V$ has a log-probability $s_v$; a segmentation $\mathbf{x} = (x_1, \dots,
//! x_k)$ of a word has probability $P(\mathbf{x}) = \prod_i p(x_i)$. The segmentations of a word
//! form a lattice whose nodes are the vocabulary pieces found at each character position (and an
//! unknown-token node of score $\min_v s_v - 10$ where no one-character piece exists).
//!
//! - **Viterbi** finds $\arg\max_{\mathbf{x}} \sum_i s_{x_i}$ by dynamic programming over end
//!   positions; ties go to the path found first (Hugging Face's rule), and adjacent unknown
//!   characters fuse into one unknown token.
//! - **Sampling** draws $\mathbf{x}$ with probability $\propto P(\mathbf{x})^{\alpha}$ by forward
//!   filtering ($\log Z$ at every position) and backward sampling (Kudo 2018, §3.3).
//! - **Training** seeds the vocabulary with the frequent substrings of the words, then alternates
//!   EM (E: expected piece counts $c_v$ by forward-backward; M:
//!   $s_v = \psi(c_v) - \psi(\sum_u c_u)$ with the digamma function $\psi$, a Bayesian estimate
//!   that prunes rare pieces) and pruning: each piece's loss is the drop in corpus likelihood when
//!   it is replaced by its best segmentation without it, and the worst 25% are removed, keeping all
//!   single characters, until the target size is reached.
//!
//! Complexity: a word of $n$ characters and longest piece $m$ costs $O(nm)$ per Viterbi, sample
//! or E-step. Reference: Kudo, *Subword Regularization* (ACL 2018); Kudo & Richardson,
//! *SentencePiece* (EMNLP 2018).
//!
//! ```
//! use breadth_llm::tokenizer::unigram::UnigramModel;
//! let pieces = vec![("<unk>".into(), 0.0), ("▁".into(), -2.0), ("a".into(), -3.0),
//!                   ("b".into(), -3.0), ("ab".into(), -4.0), ("▁ab".into(), -5.0)];
//! let m = UnigramModel::new(pieces, 0).unwrap();
//! let mut ids = Vec::new();
//! m.encode_word("▁abab", &mut ids);
//! assert_eq!(ids, vec![5, 4]);
//! ```

use breadth_core::{Error, Result};
use rand::Rng as _;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{AllowedSpecial, SpecialTokens};

/// SentencePiece's meta-symbol for a space.
pub const SPACE: char = '\u{2581}';
/// How far below the lowest piece score the unknown token sits.
const UNK_PENALTY: f64 = 10.0;

/// A node of the segmentation lattice.
#[derive(Debug, Clone, Copy)]
struct Node {
    start: usize,
    end: usize,
    id: u32,
    score: f64,
}

/// A unigram vocabulary: pieces with log-probabilities.
#[derive(Debug, Clone)]
pub struct UnigramModel {
    pieces: Vec<(String, f64)>,
    ids: FxHashMap<String, u32>,
    unk: u32,
    max_piece_bytes: usize,
    unk_score: f64,
}

impl UnigramModel {
    /// A model from (piece, log-probability) pairs (id = position) and the unknown token's id.
    pub fn new(pieces: Vec<(String, f64)>, unk: u32) -> Result<UnigramModel> {
        if unk as usize >= pieces.len() {
            return Err(Error::param(
                "unk_id",
                format!("{unk} is outside the vocabulary of {} pieces", pieces.len()),
            ));
        }
        let mut ids = FxHashMap::default();
        for (i, (p, s)) in pieces.iter().enumerate() {
            if p.is_empty() || !s.is_finite() {
                return Err(Error::param(
                    "vocab",
                    format!("piece {i} ({p:?}) is empty or has a non-finite score {s}"),
                ));
            }
            if ids.insert(p.clone(), i as u32).is_some() {
                return Err(Error::param("vocab", format!("piece `{p}` appears twice")));
            }
        }
        let min = pieces.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        Ok(UnigramModel {
            max_piece_bytes: pieces.iter().map(|p| p.0.len()).max().unwrap_or(1),
            ids,
            unk,
            unk_score: min - UNK_PENALTY,
            pieces,
        })
    }

    /// The (piece, score) pairs.
    pub fn pieces(&self) -> &[(String, f64)] {
        &self.pieces
    }

    /// The unknown token's id.
    pub fn unk(&self) -> u32 {
        self.unk
    }

    /// The lattice of a word, nodes ordered by start then length; `skip` hides one piece (for
    /// pruning).
    fn lattice(&self, word: &str, skip: Option<u32>) -> Vec<Node> {
        let mut nodes = Vec::new();
        for (start, c) in word.char_indices() {
            let mut single = false;
            let mut end = start;
            for ch in word[start..].chars() {
                end += ch.len_utf8();
                if end - start > self.max_piece_bytes {
                    break;
                }
                if let Some(&id) = self.ids.get(&word[start..end]) {
                    if Some(id) == skip {
                        continue;
                    }
                    single |= end - start == c.len_utf8();
                    nodes.push(Node {
                        start,
                        end,
                        id,
                        score: self.pieces[id as usize].1,
                    });
                }
            }
            if !single {
                nodes.push(Node {
                    start,
                    end: start + c.len_utf8(),
                    id: self.unk,
                    score: self.unk_score,
                });
            }
        }
        nodes
    }

    /// The best path through a lattice as node indices, first to last.
    fn viterbi(nodes: &[Node], len: usize) -> Vec<usize> {
        let mut best: Vec<Option<(f64, usize)>> = vec![None; len + 1];
        best[0] = Some((0.0, usize::MAX));
        for (k, n) in nodes.iter().enumerate() {
            let Some((base, _)) = best[n.start] else {
                continue;
            };
            let score = base + n.score;
            if best[n.end].is_none_or(|(s, _)| score > s) {
                best[n.end] = Some((score, k));
            }
        }
        let mut path = Vec::new();
        let mut end = len;
        while end > 0 {
            let (_, k) = best[end].expect("every position is reachable through unknown nodes");
            path.push(k);
            end = nodes[k].start;
        }
        path.reverse();
        path
    }

    fn push_path(&self, nodes: &[Node], path: &[usize], out: &mut Vec<u32>) {
        let mut prev_unk = false;
        for &k in path {
            let id = nodes[k].id;
            if id == self.unk && prev_unk {
                continue;
            }
            prev_unk = id == self.unk;
            out.push(id);
        }
    }

    /// The most probable segmentation of one word.
    pub fn encode_word(&self, word: &str, out: &mut Vec<u32>) {
        if word.is_empty() {
            return;
        }
        let nodes = self.lattice(word, None);
        let path = Self::viterbi(&nodes, word.len());
        self.push_path(&nodes, &path, out);
    }

    /// A segmentation drawn with probability proportional to $P(\mathbf{x})^\alpha$.
    pub fn sample_word(
        &self,
        word: &str,
        alpha: f64,
        rng: &mut breadth_core::Rng,
        out: &mut Vec<u32>,
    ) {
        if word.is_empty() {
            return;
        }
        let nodes = self.lattice(word, None);
        let fwd = forward(&nodes, word.len(), alpha);
        let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); word.len() + 1];
        for (k, n) in nodes.iter().enumerate() {
            incoming[n.end].push(k);
        }
        let mut path = Vec::new();
        let mut end = word.len();
        while end > 0 {
            let u: f64 = rng.random();
            let mut acc = 0.0;
            let choices = &incoming[end];
            let mut pick = *choices.last().expect("reachable");
            for &k in choices {
                let n = nodes[k];
                acc += (fwd[n.start] + alpha * n.score - fwd[end]).exp();
                if u < acc {
                    pick = k;
                    break;
                }
            }
            path.push(pick);
            end = nodes[pick].start;
        }
        path.reverse();
        self.push_path(&nodes, &path, out);
    }
}

fn log_add(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi + (lo - hi).exp().ln_1p()
}

/// $\log$ of the total weight of all paths from 0 to each position, weights $e^{\alpha s}$.
fn forward(nodes: &[Node], len: usize, alpha: f64) -> Vec<f64> {
    let mut f = vec![f64::NEG_INFINITY; len + 1];
    f[0] = 0.0;
    for n in nodes {
        f[n.end] = log_add(f[n.end], f[n.start] + alpha * n.score);
    }
    f
}

/// Expected count of every node of a word's lattice, added into `counts` times `weight`;
/// returns the word's log-likelihood.
fn expected_counts(nodes: &[Node], len: usize, weight: f64, counts: &mut [f64]) -> f64 {
    let f = forward(nodes, len, 1.0);
    let mut b = vec![f64::NEG_INFINITY; len + 1];
    b[len] = 0.0;
    for n in nodes.iter().rev() {
        b[n.start] = log_add(b[n.start], b[n.end] + n.score);
    }
    let z = f[len];
    for n in nodes {
        counts[n.id as usize] += weight * (f[n.start] + n.score + b[n.end] - z).exp();
    }
    z
}

/// The digamma function $\psi(x)$ for $x > 0$ (recurrence to $x \ge 10$, then the asymptotic
/// series).
fn digamma(mut x: f64) -> f64 {
    let mut r = 0.0;
    while x < 10.0 {
        r -= 1.0 / x;
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    r + x.ln()
        - 0.5 / x
        - f * (1.0 / 12.0 - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f / 132.0))))
}

/// SentencePiece-style pre-tokenization: spaces become [`SPACE`], which starts every word.
pub fn metaspace_words(text: &str, mut f: impl FnMut(&str)) {
    let replaced: String = std::iter::once(SPACE)
        .chain(text.chars().map(|c| if c == ' ' { SPACE } else { c }))
        .collect();
    let replaced = if text.starts_with(' ') {
        &replaced[SPACE.len_utf8()..]
    } else {
        &replaced[..]
    };
    let mut start = 0;
    for (i, _) in replaced.match_indices(SPACE) {
        if i > start {
            f(&replaced[start..i]);
        }
        start = i;
    }
    if start < replaced.len() {
        f(&replaced[start..]);
    }
}

/// A Unigram tokenizer: Metaspace pre-tokenization, the model and special tokens.
#[derive(Debug, Clone)]
pub struct UnigramTokenizer {
    pub(crate) model: UnigramModel,
    pub(crate) specials: SpecialTokens,
}

impl UnigramTokenizer {
    /// A tokenizer from a model and special tokens.
    pub fn new(model: UnigramModel, specials: SpecialTokens) -> UnigramTokenizer {
        UnigramTokenizer { model, specials }
    }

    /// The model.
    pub fn model(&self) -> &UnigramModel {
        &self.model
    }

    /// The special tokens.
    pub fn specials(&self) -> &SpecialTokens {
        &self.specials
    }

    /// Number of ids.
    pub fn vocab_size(&self) -> usize {
        self.model
            .pieces
            .len()
            .max(self.specials.max_id().map_or(0, |m| m as usize + 1))
    }

    /// Encode text by Viterbi, or, with `sample = Some((alpha, rng))`, by sampling.
    pub fn encode_with(
        &self,
        text: &str,
        mut sample: Option<(f64, &mut breadth_core::Rng)>,
    ) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        let mut segments = Vec::new();
        self.specials
            .split(text, &AllowedSpecial::All, |s| segments.push(s))?;
        for seg in segments {
            match seg {
                Ok(s) => metaspace_words(s, |w| match sample.as_mut() {
                    Some((alpha, rng)) => self.model.sample_word(w, *alpha, rng, &mut out),
                    None => self.model.encode_word(w, &mut out),
                }),
                Err(id) => out.push(id),
            }
        }
        Ok(out)
    }

    /// The most probable segmentation of a text.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        self.encode_with(text, None)
    }

    /// [`encode`](Self::encode) over documents in parallel.
    pub fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        texts.par_iter().map(|t| self.encode(t)).collect()
    }

    /// Concatenate pieces, turn [`SPACE`] back into spaces and drop the leading one.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        let mut s = String::new();
        for &id in ids {
            if let Some(t) = self.specials.text(id) {
                s.push_str(t);
                continue;
            }
            let p =
                self.model.pieces.get(id as usize).ok_or_else(|| {
                    Error::param("ids", format!("id {id} is not in the vocabulary"))
                })?;
            s.push_str(&p.0);
        }
        let s = s.replace(SPACE, " ");
        Ok(s.strip_prefix(' ').map(str::to_string).unwrap_or(s))
    }
}

/// Hyper-parameters of Unigram training.
#[derive(Debug, Clone)]
pub struct UnigramTrainer {
    /// Target vocabulary size (the unknown token included).
    pub vocab_size: usize,
    /// Longest piece, in characters.
    pub max_piece_chars: usize,
    /// Fraction of pieces kept by each pruning round.
    pub shrinking_factor: f64,
    /// EM iterations between pruning rounds.
    pub em_iterations: usize,
    /// Number of seed pieces (most frequent substrings by frequency times length).
    pub seed_size: usize,
    /// The unknown token (id 0).
    pub unk_token: String,
}

impl Default for UnigramTrainer {
    fn default() -> Self {
        UnigramTrainer {
            vocab_size: 8000,
            max_piece_chars: 16,
            shrinking_factor: 0.75,
            em_iterations: 2,
            seed_size: 1_000_000,
            unk_token: "<unk>".into(),
        }
    }
}

/// Words handled per parallel task: sums are formed per chunk and then in chunk order, so
/// floating-point results do not depend on the thread count.
const CHUNK: usize = 256;

impl UnigramTrainer {
    /// Set the target vocabulary size.
    pub fn vocab_size(mut self, n: usize) -> Self {
        self.vocab_size = n;
        self
    }

    fn check(&self) -> Result<()> {
        if self.vocab_size < 2 {
            return Err(Error::param(
                "vocab_size",
                format!("must be at least 2, got {}", self.vocab_size),
            ));
        }
        if self.max_piece_chars == 0 {
            return Err(Error::param("max_piece_chars", "must be at least 1"));
        }
        if !(self.shrinking_factor > 0.0 && self.shrinking_factor < 1.0) {
            return Err(Error::param(
                "shrinking_factor",
                format!("must be in (0, 1), got {}", self.shrinking_factor),
            ));
        }
        Ok(())
    }

    /// Train on documents (Metaspace words).
    pub fn train(&self, docs: &[&str]) -> Result<UnigramTokenizer> {
        self.check()?;
        let mut counts: FxHashMap<String, u64> = FxHashMap::default();
        for d in docs {
            metaspace_words(d, |w| *counts.entry(w.to_string()).or_insert(0) += 1);
        }
        let mut words: Vec<(String, u64)> = counts.into_iter().collect();
        words.sort_unstable();
        if words.is_empty() {
            return Err(Error::EmptyInput {
                what: "training corpus".into(),
                detail: "no words".into(),
            });
        }
        let mut model = self.seed(&words)?;
        let desired = self.vocab_size.saturating_sub(1).max(1);
        loop {
            for _ in 0..self.em_iterations {
                model = self.em_step(&model, &words)?;
            }
            let size = model.pieces.len() - 1;
            if size <= desired + desired / 10 {
                break;
            }
            let keep = ((size as f64 * self.shrinking_factor) as usize).max(desired);
            model = self.prune(&model, &words, keep)?;
        }
        self.finalize(&model)
    }

    /// Frequent substrings of the words, every character included, scored $\log(f / \sum f)$.
    fn seed(&self, words: &[(String, u64)]) -> Result<UnigramModel> {
        let mut freq: FxHashMap<&str, u64> = FxHashMap::default();
        let mut chars: FxHashMap<char, u64> = FxHashMap::default();
        for (w, c) in words {
            let bounds: Vec<usize> = w.char_indices().map(|(i, _)| i).chain([w.len()]).collect();
            for (i, &s) in bounds.iter().enumerate() {
                if s == w.len() {
                    break;
                }
                *chars
                    .entry(w[s..].chars().next().expect("non-empty"))
                    .or_insert(0) += c;
                for &e in bounds.iter().skip(i + 2).take(self.max_piece_chars - 1) {
                    *freq.entry(&w[s..e]).or_insert(0) += c;
                }
            }
        }
        let mut multi: Vec<(&str, u64)> = freq.into_iter().filter(|&(_, f)| f > 1).collect();
        multi.sort_unstable_by(|a, b| {
            (b.1 * b.0.chars().count() as u64)
                .cmp(&(a.1 * a.0.chars().count() as u64))
                .then(a.0.cmp(b.0))
        });
        multi.truncate(self.seed_size);
        let mut char_list: Vec<(char, u64)> = chars.into_iter().collect();
        char_list.sort_unstable();
        let total: f64 = char_list.iter().map(|c| c.1 as f64).sum::<f64>()
            + multi.iter().map(|m| m.1 as f64).sum::<f64>();
        let mut pieces = vec![(self.unk_token.clone(), 0.0)];
        pieces.extend(
            char_list
                .iter()
                .map(|&(c, f)| (c.to_string(), (f as f64 / total).ln())),
        );
        pieces.extend(
            multi
                .iter()
                .map(|&(s, f)| (s.to_string(), (f as f64 / total).ln())),
        );
        UnigramModel::new(pieces, 0)
    }

    /// One EM iteration; pieces with an expected count below one half are dropped (single
    /// characters are kept).
    fn em_step(&self, model: &UnigramModel, words: &[(String, u64)]) -> Result<UnigramModel> {
        let n = model.pieces.len();
        let counts = words
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut c = vec![0.0; n];
                for (w, k) in chunk {
                    let nodes = model.lattice(w, None);
                    expected_counts(&nodes, w.len(), *k as f64, &mut c);
                }
                c
            })
            .collect::<Vec<_>>()
            .into_iter()
            .fold(vec![0.0; n], |mut acc, c| {
                acc.iter_mut().zip(c).for_each(|(a, b)| *a += b);
                acc
            });
        let kept: Vec<usize> = (1..n)
            .filter(|&i| counts[i] >= 0.5 || model.pieces[i].0.chars().count() == 1)
            .collect();
        let total: f64 = kept.iter().map(|&i| counts[i]).sum();
        let log_total = digamma(total.max(f64::MIN_POSITIVE));
        let mut pieces = vec![model.pieces[0].clone()];
        for i in kept {
            // Characters that EM drove to zero keep a small floor so every word stays covered.
            let score = digamma(counts[i].max(1e-3)) - log_total;
            pieces.push((model.pieces[i].0.clone(), score));
        }
        UnigramModel::new(pieces, 0)
    }

    /// Keep the `keep` pieces whose removal costs the most likelihood (plus all characters).
    fn prune(
        &self,
        model: &UnigramModel,
        words: &[(String, u64)],
        keep: usize,
    ) -> Result<UnigramModel> {
        let n = model.pieces.len();
        // Viterbi frequencies and, per piece, the weight of the words that use it.
        let (freq, word_weight) = words
            .par_chunks(CHUNK)
            .map(|chunk| {
                let (mut f, mut ww) = (vec![0.0; n], vec![0.0; n]);
                let mut ids = Vec::new();
                for (w, k) in chunk {
                    ids.clear();
                    let nodes = model.lattice(w, None);
                    for &p in &UnigramModel::viterbi(&nodes, w.len()) {
                        ids.push(nodes[p].id as usize);
                    }
                    for &id in &ids {
                        f[id] += *k as f64;
                    }
                    ids.sort_unstable();
                    ids.dedup();
                    for &id in &ids {
                        ww[id] += *k as f64;
                    }
                }
                (f, ww)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .fold((vec![0.0; n], vec![0.0; n]), |(mut fa, mut wa), (f, w)| {
                fa.iter_mut().zip(f).for_each(|(a, b)| *a += b);
                wa.iter_mut().zip(w).for_each(|(a, b)| *a += b);
                (fa, wa)
            });
        let sum: f64 = freq.iter().sum();
        let total_words: f64 = words.iter().map(|w| w.1 as f64).sum();
        let log_sum = sum.max(f64::MIN_POSITIVE).ln();
        let mut losses: Vec<(f64, usize)> = (1..n)
            .into_par_iter()
            .filter(|&i| model.pieces[i].0.chars().count() > 1)
            .map(|i| {
                if freq[i] == 0.0 {
                    return (f64::NEG_INFINITY, i);
                }
                let piece = &model.pieces[i].0;
                let nodes = model.lattice(piece, Some(i as u32));
                let alt: Vec<u32> = UnigramModel::viterbi(&nodes, piece.len())
                    .into_iter()
                    .map(|k| nodes[k].id)
                    .collect();
                let logprob = freq[i].ln() - log_sum;
                let log_sum_alt = (sum + freq[i] * (alt.len() as f64 - 1.0)).ln();
                let logprob_alt: f64 = alt
                    .iter()
                    .map(|&a| (freq[a as usize] + freq[i]).ln() - log_sum_alt)
                    .sum();
                ((word_weight[i] / total_words) * (logprob - logprob_alt), i)
            })
            .collect();
        losses.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut keep_set = vec![false; n];
        keep_set[0] = true;
        let mut kept = 0;
        for i in 1..n {
            if model.pieces[i].0.chars().count() == 1 {
                keep_set[i] = true;
                kept += 1;
            }
        }
        for &(_, i) in &losses {
            if kept >= keep {
                break;
            }
            keep_set[i] = true;
            kept += 1;
        }
        let pieces = (0..n)
            .filter(|&i| keep_set[i])
            .map(|i| model.pieces[i].clone())
            .collect();
        UnigramModel::new(pieces, 0)
    }

    /// The final vocabulary: the unknown token, then the best `vocab_size - 1` pieces by score
    /// (characters first, so every seen character stays encodable when there is room).
    fn finalize(&self, model: &UnigramModel) -> Result<UnigramTokenizer> {
        let mut rest: Vec<&(String, f64)> = model.pieces[1..].iter().collect();
        rest.sort_by(|a, b| {
            let (ca, cb) = (a.0.chars().count() == 1, b.0.chars().count() == 1);
            cb.cmp(&ca).then(b.1.total_cmp(&a.1)).then(a.0.cmp(&b.0))
        });
        rest.truncate(self.vocab_size - 1);
        rest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut pieces = vec![model.pieces[0].clone()];
        pieces.extend(rest.into_iter().cloned());
        let model = UnigramModel::new(pieces, 0)?;
        let specials = SpecialTokens::new(vec![(self.unk_token.clone(), 0)])?;
        Ok(UnigramTokenizer::new(model, specials))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::seeded_rng;

    fn small() -> UnigramModel {
        let pieces = vec![
            ("<unk>".into(), 0.0),
            ("a".into(), (0.3f64).ln()),
            ("b".into(), (0.2f64).ln()),
            ("ab".into(), (0.25f64).ln()),
            ("ba".into(), (0.15f64).ln()),
            ("aba".into(), (0.1f64).ln()),
        ];
        UnigramModel::new(pieces, 0).unwrap()
    }

    /// Every segmentation of `word` with its log-probability, by recursion.
    fn all_segmentations(m: &UnigramModel, word: &str) -> Vec<(Vec<u32>, f64)> {
        if word.is_empty() {
            return vec![(vec![], 0.0)];
        }
        let mut out = Vec::new();
        for (i, (p, s)) in m.pieces().iter().enumerate().skip(1) {
            if let Some(rest) = word.strip_prefix(p.as_str()) {
                for (mut seg, ls) in all_segmentations(m, rest) {
                    seg.insert(0, i as u32);
                    out.push((seg, s + ls));
                }
            }
        }
        out
    }

    #[test]
    fn viterbi_finds_the_most_probable_segmentation() {
        let m = small();
        for w in ["abab", "ababa", "bab", "aabba", "b"] {
            let segs = all_segmentations(&m, w);
            let best = segs.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
            let mut ids = Vec::new();
            m.encode_word(w, &mut ids);
            let got = segs
                .iter()
                .find(|s| s.0 == ids)
                .expect("a valid segmentation")
                .1;
            assert!((got - best).abs() < 1e-12, "{w}");
        }
        let mut ids = Vec::new();
        m.encode_word("xyab", &mut ids);
        assert_eq!(ids, vec![0, 3], "adjacent unknowns fuse");
    }

    #[test]
    fn sampling_follows_the_exact_distribution() {
        let m = small();
        let word = "ababa";
        let alpha = 0.7;
        let segs = all_segmentations(&m, word);
        let z: f64 = segs.iter().map(|s| (alpha * s.1).exp()).sum();
        let mut rng = seeded_rng(1);
        let draws = 20_000;
        let mut hits: FxHashMap<Vec<u32>, usize> = FxHashMap::default();
        for _ in 0..draws {
            let mut ids = Vec::new();
            m.sample_word(word, alpha, &mut rng, &mut ids);
            *hits.entry(ids).or_insert(0) += 1;
        }
        for (seg, lp) in &segs {
            let p = (alpha * lp).exp() / z;
            let f = *hits.get(seg).unwrap_or(&0) as f64 / draws as f64;
            // Four standard errors of a binomial proportion.
            assert!(
                (f - p).abs() < 4.0 * (p * (1.0 - p) / draws as f64).sqrt() + 1e-9,
                "{seg:?}: {f} vs {p}"
            );
        }
        assert_eq!(hits.values().sum::<usize>(), draws);
    }

    #[test]
    fn expected_counts_sum_to_expected_lengths() {
        let m = small();
        let nodes = m.lattice("abab", None);
        let mut c = vec![0.0; m.pieces().len()];
        let z = expected_counts(&nodes, 4, 1.0, &mut c);
        let segs = all_segmentations(&m, "abab");
        let zz: f64 = segs.iter().map(|s| s.1.exp()).sum();
        assert!((z - zz.ln()).abs() < 1e-12);
        let mean_len: f64 = segs
            .iter()
            .map(|s| s.0.len() as f64 * s.1.exp())
            .sum::<f64>()
            / zz;
        assert!((c.iter().sum::<f64>() - mean_len).abs() < 1e-12);
    }

    #[test]
    fn digamma_matches_known_values() {
        // psi(1) = -gamma, psi(0.5) = -gamma - 2 ln 2, psi(10) from tables.
        let g = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + g).abs() < 1e-12);
        assert!((digamma(0.5) + g + 2.0 * 2f64.ln()).abs() < 1e-12);
        assert!((digamma(10.0) - 2.251_752_589_066_721).abs() < 1e-12);
    }

    #[test]
    fn metaspace_marks_word_starts() {
        let mut v = Vec::new();
        metaspace_words("Hello  world", |w| v.push(w.to_string()));
        assert_eq!(v, ["▁Hello", "▁", "▁world"]);
    }

    #[test]
    fn training_reaches_the_size_and_round_trips() {
        let text = breadth_data::datasets::shakespeare().unwrap();
        let docs: Vec<&str> = text[..60_000].lines().collect();
        let tok = UnigramTrainer::default()
            .vocab_size(300)
            .train(&docs)
            .unwrap();
        assert_eq!(tok.model().pieces().len(), 300);
        let line = "To be, or not to be: that is the question";
        let ids = tok.encode(line).unwrap();
        assert!(ids.len() < line.len() / 2, "{}", ids.len());
        assert_eq!(tok.decode(&ids).unwrap(), line);
        assert!(UnigramTrainer::default()
            .vocab_size(1)
            .train(&docs)
            .is_err());
        assert!(UnigramModel::new(vec![("a".into(), f64::NAN)], 0).is_err());
    }
}
