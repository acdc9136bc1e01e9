//! Byte-level byte-pair encoding (GPT-2 / GPT-4 style): the model and the tokenizer around it.
//!
//! A BPE model is a vocabulary $V$ of byte strings with ids and a ranked list of merges
//! $(a, b) \to c$ with $\mathrm{bytes}(c) = \mathrm{bytes}(a)\,\mathrm{bytes}(b)$. A piece
//! $x = x_1 \dots x_n$ (bytes) starts as the $n$ single-byte tokens; then, repeatedly, the adjacent
//! pair with the lowest merge rank is replaced by its merge (ties: the leftmost pair), until no
//! adjacent pair has a merge. This is Hugging Face's and tiktoken's rule. A tiktoken rank file has
//! no merge list: there, the rank of a pair is the rank of the concatenated bytes, which
//! [`BpeModel::from_ranks`] turns into a merge table with one entry per split of each token.
//!
//! Encoding a piece first looks the whole piece up in $V$; the token found is used when merging
//! would produce that single token anyway (checked once per token when the model is built, so the
//! short cut never changes the result), or unconditionally for tiktoken vocabularies, whose
//! encoder does the same. Otherwise the merges run over a linked list of symbols with a binary
//! heap of candidate pairs keyed by (rank, position) with lazy invalidation: $O(n \log n)$ per
//! piece, no quadratic worst case; pieces of at most [`SMALL_PIECE`] bytes use the direct
//! quadratic scan, faster there and kept as the obviously-correct reference.
//!
//! [`BpeTokenizer`] adds pre-tokenization ([`Pattern`]), special tokens and a post-processor, and
//! encodes batches of documents in parallel with rayon (the result does not depend on the thread
//! count). Decoding concatenates token bytes, so `decode(encode(x)) == x` byte for byte, whatever
//! the tokens' boundaries inside multi-byte characters.
//!
//! Shapes: a piece of $n$ bytes gives at most $n$ ids. Reference: Sennrich, Haddow & Birch,
//! *Neural Machine Translation of Rare Words with Subword Units* (ACL 2016); Radford et al. (2019).
//!
//! ```
//! use breadth_llm::tokenizer::bpe::{BpeTokenizer, BpeTrainer};
//! use breadth_llm::tokenizer::pretokenize::Pattern;
//! // minbpe's test vector: three merges on "aaabdaaabac".
//! let trainer = BpeTrainer::default().vocab_size(256 + 3).pattern(Pattern::Whole).byte_ids_raw(true);
//! let tok = trainer.train(&["aaabdaaabac"]).unwrap();
//! let ids = tok.encode_ordinary("aaabdaaabac");
//! assert_eq!(ids, vec![258, 100, 258, 97, 99]);
//! assert_eq!(tok.decode_bytes(&ids).unwrap(), b"aaabdaaabac");
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use breadth_core::{Error, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub use super::bpe_train::BpeTrainer;
use super::pretokenize::Pattern;
use super::{AllowedSpecial, PostProcessor, SpecialTokens};

/// Pieces up to this many bytes are merged by the direct quadratic scan.
pub const SMALL_PIECE: usize = 24;

const NONE: u32 = u32::MAX;

/// One merge rule: `left` followed by `right` becomes `new` at priority `rank` (lower first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    /// Left token id.
    pub left: u32,
    /// Right token id.
    pub right: u32,
    /// Priority: lower merges first.
    pub rank: u32,
    /// The merged token id.
    pub new: u32,
}

#[inline(always)]
fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// A BPE vocabulary with its merge table.
#[derive(Debug, Clone)]
pub struct BpeModel {
    tokens: Vec<Option<Vec<u8>>>,
    ids: FxHashMap<Vec<u8>, u32>,
    byte_ids: Box<[u32; 256]>,
    merges: FxHashMap<u64, (u32, u32)>,
    merge_list: Vec<Merge>,
    whole_piece: Vec<bool>,
    always_whole: bool,
    unk: Option<u32>,
}

impl BpeModel {
    /// A model from token bytes by id (`None` for unused ids) and merge rules. With
    /// `always_whole`, a piece that is itself a token encodes to it unconditionally (tiktoken's
    /// rule); otherwise only where the merges reproduce it (Hugging Face's rule, exactly).
    /// Tokens must be distinct; each merge must join two tokens into the token of their
    /// concatenated bytes.
    pub fn new(
        tokens: Vec<Option<Vec<u8>>>,
        merges: Vec<Merge>,
        always_whole: bool,
        unk: Option<u32>,
    ) -> Result<BpeModel> {
        let n = tokens.len();
        if n > NONE as usize {
            return Err(Error::param("vocab", "more than 2^32 - 1 tokens"));
        }
        let mut ids = FxHashMap::default();
        let mut byte_ids = Box::new([NONE; 256]);
        for (id, t) in tokens.iter().enumerate() {
            let Some(t) = t else { continue };
            if t.is_empty() {
                return Err(Error::param("vocab", format!("token {id} is empty")));
            }
            if ids.insert(t.clone(), id as u32).is_some() {
                return Err(Error::param(
                    "vocab",
                    format!("token {id} ({}) appears twice", String::from_utf8_lossy(t)),
                ));
            }
            if t.len() == 1 {
                byte_ids[t[0] as usize] = id as u32;
            }
        }
        let token = |id: u32| tokens.get(id as usize).and_then(|t| t.as_deref());
        let mut table = FxHashMap::default();
        for m in &merges {
            let (Some(l), Some(r), Some(c)) = (token(m.left), token(m.right), token(m.new)) else {
                return Err(Error::param(
                    "merges",
                    format!("merge {m:?} names an id that is not in the vocabulary"),
                ));
            };
            if c.len() != l.len() + r.len() || !c.starts_with(l) || !c.ends_with(r) {
                return Err(Error::param(
                    "merges",
                    format!(
                        "merge {m:?}: token {} is not the concatenation of its parts",
                        m.new
                    ),
                ));
            }
            table.insert(pair_key(m.left, m.right), (m.rank, m.new));
        }
        if let Some(u) = unk {
            if token(u).is_none() {
                return Err(Error::param(
                    "unk_token",
                    format!("id {u} is not in the vocabulary"),
                ));
            }
        }
        let mut model = BpeModel {
            tokens,
            ids,
            byte_ids,
            merges: table,
            merge_list: merges,
            whole_piece: Vec::new(),
            always_whole,
            unk,
        };
        model.whole_piece = if always_whole {
            vec![true; n]
        } else {
            (0..n)
                .into_par_iter()
                .map(|id| match &model.tokens[id] {
                    Some(t) => {
                        let mut out = Vec::new();
                        model.merge_symbols(t, &mut out);
                        out.len() == 1 && out[0] == id as u32
                    }
                    None => false,
                })
                .collect()
        };
        Ok(model)
    }

    /// A model from tiktoken-style (token bytes, rank) pairs, id = rank: the rank of a pair is
    /// the rank of its concatenation. Ranks must be distinct.
    pub fn from_ranks(ranks: Vec<(Vec<u8>, u32)>) -> Result<BpeModel> {
        let n = ranks.iter().map(|r| r.1 as usize + 1).max().unwrap_or(0);
        let mut tokens: Vec<Option<Vec<u8>>> = vec![None; n];
        for (t, r) in ranks {
            let slot = &mut tokens[r as usize];
            if slot.is_some() {
                return Err(Error::param("ranks", format!("rank {r} is given twice")));
            }
            *slot = Some(t);
        }
        let ids: FxHashMap<&[u8], u32> = tokens
            .iter()
            .enumerate()
            .filter_map(|(i, t)| Some((t.as_deref()?, i as u32)))
            .collect();
        let mut merges = Vec::new();
        for (rank, t) in tokens.iter().enumerate() {
            let Some(t) = t else { continue };
            for k in 1..t.len() {
                if let (Some(&l), Some(&r)) = (ids.get(&t[..k]), ids.get(&t[k..])) {
                    merges.push(Merge {
                        left: l,
                        right: r,
                        rank: rank as u32,
                        new: rank as u32,
                    });
                }
            }
        }
        BpeModel::new(tokens, merges, true, None)
    }

    /// Number of ids (including unused ones).
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The bytes of token `id`.
    pub fn token(&self, id: u32) -> Option<&[u8]> {
        self.tokens.get(id as usize).and_then(|t| t.as_deref())
    }

    /// The id of a token given by its bytes.
    pub fn id(&self, bytes: &[u8]) -> Option<u32> {
        self.ids.get(bytes).copied()
    }

    /// The merge rules, by rank.
    pub fn merges(&self) -> &[Merge] {
        &self.merge_list
    }

    /// Whether whole pieces are looked up unconditionally (tiktoken's rule).
    pub fn always_whole(&self) -> bool {
        self.always_whole
    }

    /// The unknown token, used for bytes that have no token of their own.
    pub fn unk(&self) -> Option<u32> {
        self.unk
    }

    #[inline(always)]
    fn rank(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.merges.get(&pair_key(a, b)).copied()
    }

    /// Append the ids of one piece to `out`.
    #[inline]
    pub fn encode_piece(&self, piece: &[u8], out: &mut Vec<u32>) {
        if let Some(&id) = self.ids.get(piece) {
            if self.whole_piece[id as usize] {
                out.push(id);
                return;
            }
        }
        self.merge_symbols(piece, out);
    }

    /// The single-byte symbols of a piece. A byte without a token becomes the unknown token, or
    /// is dropped when there is none (what Hugging Face does for such models).
    fn initial_symbols(&self, piece: &[u8], out: &mut Vec<u32>) {
        for &b in piece {
            match (self.byte_ids[b as usize], self.unk) {
                (NONE, Some(u)) => out.push(u),
                (NONE, None) => {}
                (id, _) => out.push(id),
            }
        }
    }

    /// Run the merges on a piece (no whole-piece short cut).
    fn merge_symbols(&self, piece: &[u8], out: &mut Vec<u32>) {
        let start = out.len();
        self.initial_symbols(piece, out);
        if out.len() - start <= SMALL_PIECE {
            self.merge_quadratic(out, start);
        } else {
            self.merge_heap(out, start);
        }
    }

    /// The direct rule: find the lowest-rank adjacent pair (leftmost on ties), merge, repeat.
    fn merge_quadratic(&self, sym: &mut Vec<u32>, start: usize) {
        loop {
            let mut best: Option<(u32, usize, u32)> = None;
            for i in start..sym.len().saturating_sub(1) {
                if let Some((rank, new)) = self.rank(sym[i], sym[i + 1]) {
                    if best.is_none_or(|(r, _, _)| rank < r) {
                        best = Some((rank, i, new));
                    }
                }
            }
            let Some((_, i, new)) = best else { return };
            sym[i] = new;
            sym.remove(i + 1);
        }
    }

    /// The same rule in $O(n \log n)$: a doubly linked list of symbols and a min-heap of
    /// (rank, position); an entry is stale when its position was absorbed or its pair changed.
    fn merge_heap(&self, out: &mut Vec<u32>, start: usize) {
        let mut sym: Vec<u32> = out.drain(start..).collect();
        let n = sym.len();
        let mut next: Vec<u32> = (1..=n as u32).collect();
        next[n - 1] = NONE;
        let mut prev: Vec<u32> = (0..n as u32).map(|i| i.wrapping_sub(1)).collect();
        prev[0] = NONE;
        let mut heap = BinaryHeap::with_capacity(n);
        for i in 0..n - 1 {
            if let Some((rank, _)) = self.rank(sym[i], sym[i + 1]) {
                heap.push(Reverse((rank, i as u32)));
            }
        }
        while let Some(Reverse((rank, pos))) = heap.pop() {
            let p = pos as usize;
            let q = next[p];
            if sym[p] == NONE || q == NONE {
                continue;
            }
            let Some((r, new)) = self.rank(sym[p], sym[q as usize]) else {
                continue;
            };
            if r != rank {
                continue;
            }
            sym[p] = new;
            sym[q as usize] = NONE;
            let after = next[q as usize];
            next[p] = after;
            if after != NONE {
                prev[after as usize] = pos;
                if let Some((r, _)) = self.rank(new, sym[after as usize]) {
                    heap.push(Reverse((r, pos)));
                }
            }
            let before = prev[p];
            if before != NONE {
                if let Some((r, _)) = self.rank(sym[before as usize], new) {
                    heap.push(Reverse((r, before)));
                }
            }
        }
        out.extend(sym.into_iter().filter(|&s| s != NONE));
    }
}

/// Byte-level BPE with pre-tokenization, special tokens and a post-processor.
#[derive(Debug, Clone)]
pub struct BpeTokenizer {
    pub(crate) model: BpeModel,
    pub(crate) pattern: Pattern,
    pub(crate) add_prefix_space: bool,
    pub(crate) specials: SpecialTokens,
    pub(crate) post: PostProcessor,
}

impl BpeTokenizer {
    /// A tokenizer from its parts.
    pub fn new(model: BpeModel, pattern: Pattern, specials: SpecialTokens) -> BpeTokenizer {
        BpeTokenizer {
            model,
            pattern,
            add_prefix_space: false,
            specials,
            post: PostProcessor::default(),
        }
    }

    /// Prepend a space to each text segment that does not start with one (Hugging Face's
    /// `add_prefix_space`).
    pub fn with_prefix_space(mut self, yes: bool) -> BpeTokenizer {
        self.add_prefix_space = yes;
        self
    }

    /// Ids added before and after every encoded text.
    pub fn with_post_processor(mut self, post: PostProcessor) -> BpeTokenizer {
        self.post = post;
        self
    }

    /// The model.
    pub fn model(&self) -> &BpeModel {
        &self.model
    }

    /// The pre-tokenization pattern.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// The special tokens.
    pub fn specials(&self) -> &SpecialTokens {
        &self.specials
    }

    /// Number of ids: the model's and the special tokens' beyond it.
    pub fn vocab_size(&self) -> usize {
        self.model
            .len()
            .max(self.specials.max_id().map_or(0, |m| m as usize + 1))
    }

    /// Encode text with no special-token handling (special strings are ordinary text) and no
    /// post-processor.
    pub fn encode_ordinary(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len() / 3);
        self.encode_segment(text, &mut out);
        out
    }

    fn encode_segment(&self, text: &str, out: &mut Vec<u32>) {
        if self.add_prefix_space && !text.is_empty() && !text.starts_with(' ') {
            let spaced = format!(" {text}");
            self.pattern
                .for_each_piece(&spaced, |p| self.model.encode_piece(p.as_bytes(), out));
        } else {
            self.pattern
                .for_each_piece(text, |p| self.model.encode_piece(p.as_bytes(), out));
        }
    }

    /// [`encode_ordinary`](Self::encode_ordinary) of one long text on all rayon threads, with the
    /// same result. For the GPT-2 and cl100k patterns a line break between two printable ASCII
    /// characters is always a piece of its own (no alternative of either regex crosses it, and the
    /// look-ahead sees the same next character), and the scanners restart without state, so the
    /// text is cut after such line breaks into chunks of about 256 KiB. Other patterns (and
    /// `add_prefix_space`) encode sequentially.
    pub fn encode_ordinary_parallel(&self, text: &str) -> Vec<u32> {
        self.encode_in_chunks(text, 1 << 18)
    }

    fn encode_in_chunks(&self, text: &str, size: usize) -> Vec<u32> {
        if !matches!(self.pattern, Pattern::Gpt2 | Pattern::Cl100k) || self.add_prefix_space {
            return self.encode_ordinary(text);
        }
        let b = text.as_bytes();
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < b.len() {
            let mut end = (start + size).min(b.len());
            while end < b.len()
                && !(end >= 2
                    && b[end - 1] == b'\n'
                    && b[end - 2].is_ascii_graphic()
                    && b[end].is_ascii_graphic())
            {
                end += 1;
            }
            chunks.push(&text[start..end]);
            start = end;
        }
        let parts: Vec<Vec<u32>> = chunks.par_iter().map(|c| self.encode_ordinary(c)).collect();
        parts.concat()
    }

    /// Encode arbitrary bytes: valid UTF-8 runs are pre-tokenized, each invalid sequence is a
    /// piece of its own. `decode_bytes` gives the input back.
    pub fn encode_bytes(&self, bytes: &[u8]) -> Vec<u32> {
        let mut out = Vec::with_capacity(bytes.len() / 3);
        for chunk in bytes.utf8_chunks() {
            self.encode_segment(chunk.valid(), &mut out);
            if !chunk.invalid().is_empty() {
                self.model.encode_piece(chunk.invalid(), &mut out);
            }
        }
        out
    }

    /// Encode text, recognising the allowed special tokens; a special token that is not allowed
    /// but occurs in the text is an error (tiktoken's default), so that user text cannot inject
    /// control tokens by accident. The post-processor's ids are added.
    pub fn encode(&self, text: &str, allowed: &AllowedSpecial) -> Result<Vec<u32>> {
        self.encode_with_specials(text, allowed, &AllowedSpecial::All)
    }

    /// tiktoken's `encode(text, allowed_special, disallowed_special)`: allowed special tokens
    /// become their ids, a disallowed one that is not allowed is an error, and any other special
    /// token is encoded as ordinary text.
    pub fn encode_with_specials(
        &self,
        text: &str,
        allowed: &AllowedSpecial,
        disallowed: &AllowedSpecial,
    ) -> Result<Vec<u32>> {
        let mut out = self.post.prefix.clone();
        self.specials
            .split_with(text, allowed, disallowed, |segment| match segment {
                Ok(s) => self.encode_segment(s, &mut out),
                Err(id) => out.push(id),
            })?;
        out.extend_from_slice(&self.post.suffix);
        Ok(out)
    }

    /// [`encode`](Self::encode) over many documents in parallel; the order of the output is the
    /// order of the input.
    pub fn encode_batch(&self, texts: &[&str], allowed: &AllowedSpecial) -> Result<Vec<Vec<u32>>> {
        texts.par_iter().map(|t| self.encode(t, allowed)).collect()
    }

    /// [`encode_ordinary`](Self::encode_ordinary) over many documents in parallel.
    pub fn encode_ordinary_batch(&self, texts: &[&str]) -> Vec<Vec<u32>> {
        texts.par_iter().map(|t| self.encode_ordinary(t)).collect()
    }

    /// The bytes of a sequence of ids (special tokens give their text).
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            if let Some(s) = self.specials.text(id) {
                out.extend_from_slice(s.as_bytes());
            } else if let Some(t) = self.model.token(id) {
                out.extend_from_slice(t);
            } else {
                return Err(Error::param(
                    "ids",
                    format!(
                        "id {id} is not in the vocabulary of {} ids",
                        self.vocab_size()
                    ),
                ));
            }
        }
        Ok(out)
    }

    /// Decode to text; byte sequences that are not valid UTF-8 become U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.decode_bytes(ids)?).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, SeedableRng};

    /// A small model: bytes as ids 0..256, then merges from a list of byte strings.
    fn model(merges: &[(&str, &str)], always_whole: bool) -> BpeModel {
        let mut tokens: Vec<Option<Vec<u8>>> = (0..=255u8).map(|b| Some(vec![b])).collect();
        let mut list = Vec::new();
        for (rank, (l, r)) in merges.iter().enumerate() {
            let find = |s: &str, tokens: &[Option<Vec<u8>>]| {
                tokens
                    .iter()
                    .position(|t| t.as_deref() == Some(s.as_bytes()))
                    .unwrap() as u32
            };
            let (left, right) = (find(l, &tokens), find(r, &tokens));
            tokens.push(Some(format!("{l}{r}").into_bytes()));
            list.push(Merge {
                left,
                right,
                rank: rank as u32,
                new: tokens.len() as u32 - 1,
            });
        }
        BpeModel::new(tokens, list, always_whole, None).unwrap()
    }

    #[test]
    fn heap_merge_equals_quadratic_merge_on_random_pieces() {
        let m = model(
            &[
                ("a", "a"),
                ("a", "b"),
                ("aa", "b"),
                ("b", "c"),
                ("aab", "aa"),
                ("c", "a"),
                ("ca", "b"),
                ("aa", "aa"),
            ],
            false,
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..2000 {
            let n = rng.random_range(1..120);
            let piece: Vec<u8> = (0..n).map(|_| b"aabc"[rng.random_range(0..4)]).collect();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            m.initial_symbols(&piece, &mut a);
            m.merge_quadratic(&mut a, 0);
            m.initial_symbols(&piece, &mut b);
            m.merge_heap(&mut b, 0);
            assert_eq!(a, b, "piece {:?}", String::from_utf8_lossy(&piece));
        }
    }

    #[test]
    fn whole_piece_lookup_is_used_only_where_merges_agree() {
        // "bc" outranks "ab", so merging "abc" gives a + bc, never the token "abc" = ab + c.
        let m = model(&[("b", "c"), ("a", "b"), ("ab", "c")], false);
        let mut out = Vec::new();
        m.encode_piece(b"abc", &mut out);
        assert_eq!(out, vec![u32::from(b'a'), 256]);
        // tiktoken's rule takes the whole piece.
        let t = model(&[("b", "c"), ("a", "b"), ("ab", "c")], true);
        out.clear();
        t.encode_piece(b"abc", &mut out);
        assert_eq!(out, vec![258]);
    }

    #[test]
    fn from_ranks_uses_the_rank_of_the_concatenation() {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        tokens.extend([b"ab".to_vec(), b"bc".to_vec(), b"abc".to_vec()]);
        let ranked = tokens.into_iter().zip(0..).collect();
        let m = BpeModel::from_ranks(ranked).unwrap();
        let mut out = Vec::new();
        // "abcabc" is not a token; a+b (256) first, then ab+c (258, found through the split ab|c).
        m.encode_piece(b"abcabc", &mut out);
        assert_eq!(out, vec![258, 258]);
    }

    #[test]
    fn malformed_models_are_refused() {
        let tokens: Vec<Option<Vec<u8>>> = vec![Some(b"a".to_vec()), Some(b"a".to_vec())];
        assert!(BpeModel::new(tokens, vec![], false, None).is_err());
        let tokens = vec![
            Some(b"a".to_vec()),
            Some(b"b".to_vec()),
            Some(b"ba".to_vec()),
        ];
        let bad = Merge {
            left: 0,
            right: 1,
            rank: 0,
            new: 2,
        };
        assert!(BpeModel::new(tokens.clone(), vec![bad], false, None).is_err());
        let missing = Merge {
            left: 0,
            right: 7,
            rank: 0,
            new: 2,
        };
        assert!(BpeModel::new(tokens, vec![missing], false, None).is_err());
    }

    #[test]
    fn chunked_encoding_equals_sequential_encoding() {
        let text = breadth_data::datasets::shakespeare().unwrap();
        let text = &text[..200_000];
        for pattern in [Pattern::Gpt2, Pattern::Cl100k] {
            let tok = BpeTrainer::default()
                .vocab_size(400)
                .pattern(pattern)
                .train(&[&text[..50_000]])
                .unwrap();
            let want = tok.encode_ordinary(text);
            assert_eq!(tok.encode_in_chunks(text, 997), want);
            assert_eq!(tok.encode_ordinary_parallel(text), want);
            let tricky = "a  \nb\n\nc \n d\n'e\n\r\nf\n".repeat(50);
            assert_eq!(
                tok.encode_in_chunks(&tricky, 3),
                tok.encode_ordinary(&tricky)
            );
        }
    }

    #[test]
    fn random_bytes_round_trip() {
        let tok = BpeTrainer::default()
            .vocab_size(300)
            .train(&["hello world, hello there! ünïcödé 😀😀 \n\n  spaces  "])
            .unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..300 {
            let n = rng.random_range(0..64);
            let bytes: Vec<u8> = (0..n)
                .map(|_| match rng.random_range(0..3) {
                    0 => rng.random::<u8>(),
                    1 => b"hel o\n"[rng.random_range(0..6)],
                    _ => "ü😀".as_bytes()[rng.random_range(0..6)],
                })
                .collect();
            let ids = tok.encode_bytes(&bytes);
            assert_eq!(tok.decode_bytes(&ids).unwrap(), bytes);
            if let Ok(s) = std::str::from_utf8(&bytes) {
                assert_eq!(tok.encode_ordinary(s), ids);
            }
        }
        assert!(tok.decode_bytes(&[999_999]).is_err());
    }
}
