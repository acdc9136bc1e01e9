//! Training byte-level BPE from a corpus to a target vocabulary size.
//!
//! The corpus is pre-tokenized and the distinct pieces ("words") $w$ are counted, $c(w)$, in
//! parallel. Each word starts as its bytes. With $n(a, b) = \sum_w c(w)\,\#_{w}(a, b)$ the
//! weighted count of the adjacent pair $(a, b)$, each step takes the pair with the largest count
//! (ties: the smallest $(a, b)$ by id), adds the token $ab$ and rewrites every word that holds the
//! pair, left to right without overlaps, until $|V|$ reaches the target or no pair is left.
//!
//! The data structures are those of Hugging Face's `BpeTrainer`, whose results this trainer
//! reproduces exactly (same ids, same merges) when given the same pre-tokenized words: pair counts
//! in a hash map, an index from each pair to the words that contain it, and a max-heap of
//! (count, pair, words) with lazy invalidation: a popped entry whose count is stale is pushed back
//! with the current count. Rewriting a word reports the pair-count changes around each merge site,
//! so a step costs time proportional to the occurrences of the merged pair, not to the corpus.
//! Word counting and the rewriting of the words of one step run in parallel with rayon; both are
//! reductions by addition, so results do not depend on the thread count.
//!
//! As in Hugging Face, initial pair counts include overlapping occurrences (`aaa` counts `(a, a)`
//! twice) while merges are applied without overlap; the updates are exact from then on.
//!
//! Complexity: $O(N)$ to count $N$ bytes of corpus, then $O(\sum_t (o_t + \log H))$ for the merges,
//! where $o_t$ is the number of occurrences rewritten at step $t$ and $H$ the heap size.
//! Reference: Sennrich et al. (ACL 2016), Algorithm 1; Hugging Face `tokenizers`,
//! `models/bpe/trainer.rs`.
//!
//! ```
//! use breadth_llm::tokenizer::bpe_train::BpeTrainer;
//! let tok = BpeTrainer::default().vocab_size(260).train(&["low lower lowest low low"]).unwrap();
//! assert_eq!(tok.model().len(), 260);
//! assert_eq!(tok.encode_ordinary(" low").len(), 1);
//! ```

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use breadth_core::{Error, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::bpe::{BpeModel, BpeTokenizer, Merge};
use super::bytelevel::bytes_in_char_order;
use super::pretokenize::Pattern;
use super::SpecialTokens;

/// Hyper-parameters of BPE training.
#[derive(Debug, Clone)]
pub struct BpeTrainer {
    /// Target vocabulary size, special tokens and the 256 bytes included.
    pub vocab_size: usize,
    /// Stop when the best pair occurs fewer times than this.
    pub min_frequency: u64,
    /// Special tokens, given the first ids (Hugging Face's layout) or the ids after the bytes.
    pub special_tokens: Vec<String>,
    /// Pre-tokenization of the corpus.
    pub pattern: Pattern,
    /// Byte `b` gets id `b` (minbpe's layout, special tokens after the bytes); otherwise the
    /// bytes get ids in the code-point order of their GPT-2 characters, after the special tokens
    /// (Hugging Face's layout, which decides its ties).
    pub byte_ids_raw: bool,
}

impl Default for BpeTrainer {
    fn default() -> Self {
        BpeTrainer {
            vocab_size: 1000,
            min_frequency: 0,
            special_tokens: Vec::new(),
            pattern: Pattern::Gpt2,
            byte_ids_raw: false,
        }
    }
}

/// A heap entry: a pair, its count when pushed, and the words that held it then.
struct Candidate {
    count: u64,
    pair: u64,
    words: Vec<u32>,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.count, Reverse(self.pair)).cmp(&(other.count, Reverse(other.pair)))
    }
}

#[inline(always)]
fn key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Merge `(a, b)` into `new` throughout a word, left to right; push the pair-count changes.
fn merge_word(sym: &mut Vec<u32>, a: u32, b: u32, new: u32, changes: &mut Vec<(u64, i32)>) {
    let n = sym.len();
    let (mut i, mut out) = (0, 0);
    while i < n {
        if i + 1 < n && sym[i] == a && sym[i + 1] == b {
            if out > 0 {
                let prev = sym[out - 1];
                changes.push((key(prev, a), -1));
                changes.push((key(prev, new), 1));
            }
            if i + 2 < n {
                let next = sym[i + 2];
                changes.push((key(b, next), -1));
                changes.push((key(new, next), 1));
            }
            sym[out] = new;
            i += 2;
        } else {
            sym[out] = sym[i];
            i += 1;
        }
        out += 1;
    }
    sym.truncate(out);
}

/// Mutable references to the elements at sorted, distinct indices.
fn select_mut<'a, T>(mut slice: &'a mut [T], indices: &[u32]) -> Vec<&'a mut T> {
    let mut out = Vec::with_capacity(indices.len());
    let mut offset = 0;
    for &i in indices {
        let rest = std::mem::take(&mut slice);
        let (_, rest) = rest.split_at_mut(i as usize - offset);
        let (first, rest) = rest.split_at_mut(1);
        out.push(&mut first[0]);
        slice = rest;
        offset = i as usize + 1;
    }
    out
}

/// Count the distinct pieces of the documents, in parallel.
pub fn count_words<'a>(docs: &[&'a str], pattern: &Pattern) -> FxHashMap<&'a str, u64> {
    docs.par_iter()
        .fold(FxHashMap::default, |mut m: FxHashMap<&'a str, u64>, doc| {
            pattern.for_each_piece(doc, |p| *m.entry(p).or_insert(0) += 1);
            m
        })
        .reduce(FxHashMap::default, |mut a, b| {
            let (mut a, b) = if a.len() < b.len() {
                (b, a)
            } else {
                (std::mem::take(&mut a), b)
            };
            for (k, v) in b {
                *a.entry(k).or_insert(0) += v;
            }
            a
        })
}

impl BpeTrainer {
    /// Set the target vocabulary size.
    pub fn vocab_size(mut self, n: usize) -> Self {
        self.vocab_size = n;
        self
    }

    /// Set the minimum pair frequency.
    pub fn min_frequency(mut self, n: u64) -> Self {
        self.min_frequency = n;
        self
    }

    /// Set the special tokens.
    pub fn special_tokens(mut self, tokens: Vec<String>) -> Self {
        self.special_tokens = tokens;
        self
    }

    /// Set the pre-tokenization pattern.
    pub fn pattern(mut self, pattern: Pattern) -> Self {
        self.pattern = pattern;
        self
    }

    /// Choose minbpe's id layout (`true`) or Hugging Face's (`false`).
    pub fn byte_ids_raw(mut self, raw: bool) -> Self {
        self.byte_ids_raw = raw;
        self
    }

    /// Train on documents (each pre-tokenized on its own).
    pub fn train(&self, docs: &[&str]) -> Result<BpeTokenizer> {
        let counts = count_words(docs, &self.pattern);
        let mut words: Vec<(&str, u64)> = counts.into_iter().collect();
        words.sort_unstable();
        self.train_from_counts(words.iter().map(|&(w, c)| (w.as_bytes(), c)))
    }

    /// Train on already counted words (byte strings with their counts).
    pub fn train_from_counts<'a>(
        &self,
        word_counts: impl Iterator<Item = (&'a [u8], u64)>,
    ) -> Result<BpeTokenizer> {
        let base = 256 + self.special_tokens.len();
        if self.vocab_size < base {
            return Err(Error::param(
                "vocab_size",
                format!(
                    "must be at least {base} (256 bytes + {} special tokens), got {}",
                    self.special_tokens.len(),
                    self.vocab_size
                ),
            ));
        }
        let specials_first = !self.byte_ids_raw;
        let mut tokens: Vec<Vec<u8>> = Vec::with_capacity(self.vocab_size);
        if specials_first {
            tokens.extend(self.special_tokens.iter().map(|s| s.as_bytes().to_vec()));
            tokens.extend(bytes_in_char_order().into_iter().map(|b| vec![b]));
        } else {
            tokens.extend((0..=255u8).map(|b| vec![b]));
            tokens.extend(self.special_tokens.iter().map(|s| s.as_bytes().to_vec()));
        }
        let specials = SpecialTokens::new(
            self.special_tokens
                .iter()
                .map(|s| {
                    let id = tokens
                        .iter()
                        .position(|t| t == s.as_bytes())
                        .expect("listed");
                    (s.clone(), id as u32)
                })
                .collect(),
        )?;
        let mut ids: FxHashMap<Vec<u8>, u32> = FxHashMap::default();
        for (i, t) in tokens.iter().enumerate() {
            ids.entry(t.clone()).or_insert(i as u32);
        }
        let mut byte_id = [0u32; 256];
        for (i, t) in tokens.iter().enumerate() {
            if t.len() == 1 && !specials.iter().any(|(_, id)| id == i as u32) {
                byte_id[t[0] as usize] = i as u32;
            }
        }

        let (mut words, counts): (Vec<Vec<u32>>, Vec<u64>) = word_counts
            .map(|(w, c)| (w.iter().map(|&b| byte_id[b as usize]).collect(), c))
            .unzip();

        let mut pair_counts: FxHashMap<u64, i64> = FxHashMap::default();
        let mut where_to_update: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        for (i, w) in words.iter().enumerate() {
            for p in w.windows(2) {
                let k = key(p[0], p[1]);
                *pair_counts.entry(k).or_insert(0) += counts[i] as i64;
                let ws = where_to_update.entry(k).or_default();
                if ws.last() != Some(&(i as u32)) {
                    ws.push(i as u32);
                }
            }
        }
        let mut heap: BinaryHeap<Candidate> = where_to_update
            .drain()
            .filter_map(|(pair, words)| {
                let c = pair_counts[&pair];
                (c > 0).then_some(Candidate {
                    count: c as u64,
                    pair,
                    words,
                })
            })
            .collect();

        let mut merges: Vec<Merge> = Vec::new();
        let mut changes: Vec<(u64, i32, u32)> = Vec::new();
        while ids.len() < self.vocab_size {
            let Some(mut top) = heap.pop() else { break };
            let current = pair_counts[&top.pair].max(0) as u64;
            if top.count != current {
                top.count = current;
                heap.push(top);
                continue;
            }
            if top.count < 1 || self.min_frequency > top.count {
                break;
            }
            let (a, b) = ((top.pair >> 32) as u32, top.pair as u32);
            let mut bytes = tokens[a as usize].clone();
            bytes.extend_from_slice(&tokens[b as usize]);
            let new = match ids.get(&bytes) {
                Some(&id) => id,
                None => {
                    let id = tokens.len() as u32;
                    ids.insert(bytes.clone(), id);
                    tokens.push(bytes);
                    id
                }
            };
            merges.push(Merge {
                left: a,
                right: b,
                rank: merges.len() as u32,
                new,
            });

            let targets = select_mut(&mut words, &top.words);
            changes.clear();
            changes.par_extend(
                targets
                    .into_par_iter()
                    .zip(top.words.par_iter())
                    .with_min_len(256)
                    .flat_map_iter(|(w, &wi)| {
                        let mut local = Vec::new();
                        merge_word(w, a, b, new, &mut local);
                        local.into_iter().map(move |(k, c)| (k, c, wi))
                    }),
            );
            for &(pair, change, wi) in &changes {
                *pair_counts.entry(pair).or_insert(0) +=
                    i64::from(change) * counts[wi as usize] as i64;
                if change > 0 {
                    let ws = where_to_update.entry(pair).or_default();
                    if ws.last() != Some(&wi) {
                        ws.push(wi);
                    }
                }
            }
            for (pair, words) in where_to_update.drain() {
                let c = pair_counts[&pair];
                if c > 0 {
                    heap.push(Candidate {
                        count: c as u64,
                        pair,
                        words,
                    });
                }
            }
        }
        let model = BpeModel::new(tokens.into_iter().map(Some).collect(), merges, false, None)?;
        Ok(BpeTokenizer::new(model, self.pattern.clone(), specials))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook algorithm: recount every pair from scratch at each step.
    fn naive_merges(words: &[(&str, u64)], steps: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut ws: Vec<(Vec<Vec<u8>>, u64)> = words
            .iter()
            .map(|(w, c)| (w.bytes().map(|b| vec![b]).collect(), *c))
            .collect();
        let mut out = Vec::new();
        let order = bytes_in_char_order();
        let rank_of = |t: &Vec<u8>, out: &Vec<(Vec<u8>, Vec<u8>)>| -> usize {
            if t.len() == 1 {
                order.iter().position(|&b| b == t[0]).unwrap()
            } else {
                256 + out
                    .iter()
                    .position(|(l, r)| [l.clone(), r.clone()].concat() == *t)
                    .unwrap()
            }
        };
        for _ in 0..steps {
            let mut counts: FxHashMap<(Vec<u8>, Vec<u8>), u64> = FxHashMap::default();
            for (w, c) in &ws {
                for p in w.windows(2) {
                    *counts.entry((p[0].clone(), p[1].clone())).or_insert(0) += c;
                }
            }
            let Some(best) = counts
                .iter()
                .max_by(|x, y| {
                    x.1.cmp(y.1).then_with(|| {
                        let kx = (rank_of(&x.0 .0, &out), rank_of(&x.0 .1, &out));
                        let ky = (rank_of(&y.0 .0, &out), rank_of(&y.0 .1, &out));
                        ky.cmp(&kx)
                    })
                })
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            for (w, _) in ws.iter_mut() {
                let mut i = 0;
                while i + 1 < w.len() {
                    if w[i] == best.0 && w[i + 1] == best.1 {
                        let joined = [w[i].clone(), w[i + 1].clone()].concat();
                        w[i] = joined;
                        w.remove(i + 1);
                    }
                    i += 1;
                }
            }
            out.push(best);
        }
        out
    }

    #[test]
    fn incremental_training_matches_recounting_from_scratch() {
        // No word repeats a symbol pair in an overlapping run, where the two definitions of the
        // initial counts would differ.
        let words = [
            ("hello", 5),
            ("yellow", 3),
            ("mellow", 2),
            ("help", 4),
            ("low", 7),
            ("owl", 1),
        ];
        let steps = 12;
        let trained = BpeTrainer::default()
            .vocab_size(256 + steps)
            .train_from_counts(words.iter().map(|(w, c)| (w.as_bytes(), *c)))
            .unwrap();
        let m = trained.model();
        let got: Vec<(Vec<u8>, Vec<u8>)> = m
            .merges()
            .iter()
            .map(|x| {
                (
                    m.token(x.left).unwrap().to_vec(),
                    m.token(x.right).unwrap().to_vec(),
                )
            })
            .collect();
        assert_eq!(got, naive_merges(&words, steps));
    }

    #[test]
    fn minbpe_wikipedia_vector_holds() {
        // minbpe's tests/test_tokenizer.py: three merges on "aaabdaaabac".
        let tok = BpeTrainer::default()
            .vocab_size(259)
            .pattern(Pattern::Whole)
            .byte_ids_raw(true)
            .train(&["aaabdaaabac"])
            .unwrap();
        assert_eq!(
            tok.encode_ordinary("aaabdaaabac"),
            vec![258, 100, 258, 97, 99]
        );
        assert_eq!(tok.model().merges().len(), 3);
    }

    #[test]
    fn bad_vocab_size_is_refused_and_training_is_deterministic() {
        assert!(BpeTrainer::default().vocab_size(100).train(&["x"]).is_err());
        let docs = [
            "the cat sat on the mat",
            "the dog sat on the log",
            "a cat and a dog",
        ];
        let t = BpeTrainer::default()
            .vocab_size(280)
            .special_tokens(vec!["<|end|>".into()]);
        let a = t.train(&docs).unwrap();
        let b = t.train(&docs).unwrap();
        assert_eq!(a.model().merges(), b.model().merges());
        assert_eq!(a.specials().id("<|end|>"), Some(0));
        let ids = a
            .encode("the cat<|end|>", &crate::tokenizer::AllowedSpecial::All)
            .unwrap();
        assert_eq!(*ids.last().unwrap(), 0);
        assert_eq!(a.decode(&ids).unwrap(), "the cat<|end|>");
        use crate::tokenizer::AllowedSpecial as A;
        let as_text = a
            .encode_with_specials("x<|end|>", &A::None, &A::None)
            .unwrap();
        assert_eq!(as_text, a.encode_ordinary("x<|end|>"));
        assert!(!as_text.contains(&0));
        assert!(a
            .encode_with_specials("x<|end|>", &A::None, &A::Only(vec!["<|end|>".into()]))
            .is_err());
    }
}
