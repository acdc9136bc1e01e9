//! WordPiece (BERT): normalization, splitting on spaces and punctuation, then greedy
//! longest-match-first segmentation of each word with `##` continuations.
//!
//! A word $w = c_1 \dots c_n$ (characters) is cut left to right: from position $i$ take the
//! longest $c_i \dots c_j$ such that the piece, written with the prefix `##` when $i > 1$, is in
//! the vocabulary $V$; if no such piece exists the whole word becomes the unknown token, as does a
//! word of more than `max_input_chars_per_word` characters. BERT's normalizer first removes
//! control characters and maps white space to a space, puts spaces around CJK ideographs,
//! optionally strips accents (NFD, then dropping non-spacing marks, category Mn) and lower-cases;
//! its pre-tokenizer splits at white space (dropped) and punctuation (kept, one character per
//! piece). All rules follow Hugging Face `tokenizers` (`normalizers/bert.rs`,
//! `pre_tokenizers/bert.rs`, `models/wordpiece/mod.rs`), against whose output the tests run.
//!
//! Complexity: $O(n \cdot m)$ hash lookups for a word of $n$ characters whose longest piece has
//! $m$ characters. Reference: Wu et al., *Google's Neural Machine Translation System* (2016);
//! Devlin et al., *BERT* (NAACL 2019).
//!
//! ```
//! use breadth_llm::tokenizer::wordpiece::{BertNormalizer, WordPieceTokenizer};
//! let vocab = ["[UNK]", "un", "##aff", "##able", "!"].map(String::from).to_vec();
//! let tok = WordPieceTokenizer::new(vocab, "[UNK]", BertNormalizer::default()).unwrap();
//! assert_eq!(tok.encode("Unaffable!").unwrap(), vec![1, 2, 3, 4]);
//! assert_eq!(tok.decode(&[1, 2, 3, 4]).unwrap(), "unaffable!");
//! ```

use std::sync::OnceLock;

use breadth_core::{Error, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::pretokenize::CharSet;
use super::{AllowedSpecial, PostProcessor, SpecialTokens};

/// BERT's normalizer options (Hugging Face `BertNormalizer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BertNormalizer {
    /// Remove control characters, map white space to `' '`.
    pub clean_text: bool,
    /// Put spaces around CJK ideographs.
    pub handle_chinese_chars: bool,
    /// Strip accents; `None` follows `lowercase`.
    pub strip_accents: Option<bool>,
    /// Lower-case.
    pub lowercase: bool,
}

impl Default for BertNormalizer {
    fn default() -> Self {
        BertNormalizer {
            clean_text: true,
            handle_chinese_chars: true,
            strip_accents: None,
            lowercase: true,
        }
    }
}

struct Sets {
    other: CharSet,
    nonspacing_mark: CharSet,
    punctuation: CharSet,
}

fn sets() -> &'static Sets {
    static S: OnceLock<Sets> = OnceLock::new();
    S.get_or_init(|| Sets {
        other: CharSet::from_class(r"[\p{Cc}\p{Cf}\p{Cn}\p{Co}]"),
        nonspacing_mark: CharSet::from_class(r"\p{Mn}"),
        punctuation: CharSet::from_class(r"\p{P}"),
    })
}

fn is_chinese_char(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B920..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

fn is_bert_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || sets().punctuation.contains(c)
}

impl BertNormalizer {
    /// Normalize a text segment.
    pub fn normalize(&self, text: &str) -> String {
        let mut s = String::with_capacity(text.len());
        for c in text.chars() {
            if self.clean_text {
                let control = !matches!(c, '\t' | '\n' | '\r') && sets().other.contains(c);
                if c == '\0' || c == '\u{FFFD}' || control {
                    continue;
                }
                if c.is_whitespace() {
                    s.push(' ');
                    continue;
                }
            }
            if self.handle_chinese_chars && is_chinese_char(c) {
                s.push(' ');
                s.push(c);
                s.push(' ');
            } else {
                s.push(c);
            }
        }
        if self.strip_accents.unwrap_or(self.lowercase) {
            s = s
                .nfd()
                .filter(|&c| !sets().nonspacing_mark.contains(c))
                .collect();
        }
        if self.lowercase {
            s = s.chars().flat_map(char::to_lowercase).collect();
        }
        s
    }
}

/// BERT's pre-tokenizer: split at white space (removed) and punctuation (each its own piece).
pub fn bert_pieces(text: &str, mut f: impl FnMut(&str)) {
    let mut start = None;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if space || is_bert_punctuation(c) {
            if let Some(s) = start.take() {
                f(&text[s..i]);
            }
            if !space {
                f(&text[i..i + c.len_utf8()]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        f(&text[s..]);
    }
}

/// A WordPiece tokenizer: BERT normalizer and pre-tokenizer, the WordPiece model, special tokens
/// and a post-processor.
#[derive(Debug, Clone)]
pub struct WordPieceTokenizer {
    pub(crate) vocab: Vec<Option<String>>,
    ids: FxHashMap<String, u32>,
    pub(crate) unk: u32,
    pub(crate) prefix: String,
    pub(crate) max_chars: usize,
    pub(crate) normalizer: BertNormalizer,
    pub(crate) specials: SpecialTokens,
    pub(crate) post: PostProcessor,
}

impl WordPieceTokenizer {
    /// A tokenizer over `vocab` (id = position) with prefix `##`, at most 100 characters per
    /// word, and no special tokens.
    pub fn new(vocab: Vec<String>, unk: &str, normalizer: BertNormalizer) -> Result<Self> {
        Self::from_parts(
            vocab.into_iter().map(Some).collect(),
            unk,
            "##".into(),
            100,
            normalizer,
            SpecialTokens::default(),
            PostProcessor::default(),
        )
    }

    /// A tokenizer from all its parts (ids of unused positions are `None`).
    pub fn from_parts(
        vocab: Vec<Option<String>>,
        unk: &str,
        prefix: String,
        max_chars: usize,
        normalizer: BertNormalizer,
        specials: SpecialTokens,
        post: PostProcessor,
    ) -> Result<Self> {
        let mut ids = FxHashMap::default();
        for (i, t) in vocab.iter().enumerate() {
            if let Some(t) = t {
                if ids.insert(t.clone(), i as u32).is_some() {
                    return Err(Error::param("vocab", format!("`{t}` appears twice")));
                }
            }
        }
        let unk = *ids.get(unk).ok_or_else(|| {
            Error::param("unk_token", format!("`{unk}` is not in the vocabulary"))
        })?;
        Ok(WordPieceTokenizer {
            vocab,
            ids,
            unk,
            prefix,
            max_chars,
            normalizer,
            specials,
            post,
        })
    }

    /// Number of ids.
    pub fn vocab_size(&self) -> usize {
        self.vocab
            .len()
            .max(self.specials.max_id().map_or(0, |m| m as usize + 1))
    }

    /// The special tokens.
    pub fn specials(&self) -> &SpecialTokens {
        &self.specials
    }

    /// Greedy longest-match-first segmentation of one word.
    pub fn encode_word(&self, word: &str, out: &mut Vec<u32>) {
        if word.chars().count() > self.max_chars {
            out.push(self.unk);
            return;
        }
        let mark = out.len();
        let mut key = String::new();
        let mut start = 0;
        while start < word.len() {
            let mut end = word.len();
            let found = loop {
                key.clear();
                if start > 0 {
                    key.push_str(&self.prefix);
                }
                key.push_str(&word[start..end]);
                if let Some(&id) = self.ids.get(key.as_str()) {
                    break Some(id);
                }
                end -= word[start..end]
                    .chars()
                    .next_back()
                    .map_or(1, char::len_utf8);
                if end == start {
                    break None;
                }
            };
            match found {
                Some(id) => out.push(id),
                None => {
                    out.truncate(mark);
                    out.push(self.unk);
                    return;
                }
            }
            start = end;
        }
    }

    fn encode_segment(&self, text: &str, out: &mut Vec<u32>) {
        let normalized = self.normalizer.normalize(text);
        bert_pieces(&normalized, |w| self.encode_word(w, out));
    }

    /// Encode text: special tokens recognised, each other segment normalized, split and
    /// segmented, the post-processor's ids added.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let mut out = self.post.prefix.clone();
        self.specials
            .split(text, &AllowedSpecial::All, |seg| match seg {
                Ok(s) => self.encode_segment(s, &mut out),
                Err(id) => out.push(id),
            })?;
        out.extend_from_slice(&self.post.suffix);
        Ok(out)
    }

    /// [`encode`](Self::encode) over documents in parallel.
    pub fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        texts.par_iter().map(|t| self.encode(t)).collect()
    }

    /// Hugging Face's WordPiece decoder: special tokens skipped, continuations glued, other
    /// tokens separated by a space, then the English clean-up of spaces before punctuation.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        let mut s = String::new();
        for &id in ids {
            if self.specials.text(id).is_some() {
                continue;
            }
            let t = self
                .vocab
                .get(id as usize)
                .and_then(|t| t.as_deref())
                .ok_or_else(|| Error::param("ids", format!("id {id} is not in the vocabulary")))?;
            match t.strip_prefix(self.prefix.as_str()) {
                Some(rest) if !s.is_empty() => s.push_str(rest),
                _ => {
                    if !s.is_empty() {
                        s.push(' ');
                    }
                    s.push_str(t);
                }
            }
        }
        for (from, to) in [
            (" .", "."),
            (" ?", "?"),
            (" !", "!"),
            (" ,", ","),
            (" ' ", "'"),
            (" n't", "n't"),
            (" 'm", "'m"),
            (" do not", " don't"),
            (" 's", "'s"),
            (" 've", "'ve"),
            (" 're", "'re"),
        ] {
            s = s.replace(from, to);
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizer_cleans_pads_strips_and_lowercases() {
        let n = BertNormalizer::default();
        assert_eq!(n.normalize("Héllo\u{0}\u{7}\tWÖRLD中!"), "hello world 中 !");
        let keep = BertNormalizer {
            strip_accents: Some(false),
            ..n
        };
        assert_eq!(keep.normalize("Héllo"), "héllo");
        let cased = BertNormalizer {
            lowercase: false,
            ..n
        };
        assert_eq!(cased.normalize("Héllo"), "Héllo");
    }

    #[test]
    fn pre_tokenizer_isolates_punctuation_and_drops_spaces() {
        let mut v = Vec::new();
        bert_pieces("  don't stop$ «now»  ", |p| v.push(p.to_string()));
        assert_eq!(v, ["don", "'", "t", "stop", "$", "«", "now", "»"]);
    }

    #[test]
    fn unknown_words_and_long_words_become_unk() {
        let vocab = ["[UNK]", "a", "##a", "b"].map(String::from).to_vec();
        let tok = WordPieceTokenizer::new(vocab, "[UNK]", BertNormalizer::default()).unwrap();
        assert_eq!(tok.encode("aaa bc b").unwrap(), vec![1, 2, 2, 0, 3]);
        assert_eq!(tok.encode(&"a".repeat(101)).unwrap(), vec![0]);
        assert!(
            WordPieceTokenizer::new(vec!["a".into()], "[UNK]", BertNormalizer::default()).is_err()
        );
        assert!(tok.decode(&[9]).is_err());
    }
}
