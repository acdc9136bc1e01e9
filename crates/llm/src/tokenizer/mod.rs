//! Tokenizers: text to integer ids and back.
//!
//! Three model families, each a function $\tau: \Sigma^* \to \{0, \dots, |V|-1\}^*$ from text to
//! ids over a vocabulary $V$:
//!
//! - [`bpe`]: byte-level byte-pair encoding (GPT-2, GPT-4), trained by [`bpe_train`];
//! - [`wordpiece`]: BERT's greedy longest-match-first with `##` continuations;
//! - [`unigram`]: SentencePiece's unigram language model (Viterbi, sampling, EM training).
//!
//! Around the models: [`pretokenize`] (the GPT regexes, hand-written), [`bytelevel`] (GPT-2's
//! byte-to-character map used by files), [`hf_json`] (Hugging Face `tokenizer.json`),
//! [`tiktoken`] (rank files), [`format`] (breadth's own file), [`stats`] (compression and
//! vocabulary usage). This file holds what the models share: special tokens, the post-processor
//! and the [`Tokenizer`] enum that the CLI uses.
//!
//! ```
//! use breadth_llm::tokenizer::{AllowedSpecial, SpecialTokens};
//! let sp = SpecialTokens::new(vec![("<|endoftext|>".into(), 50256)]).unwrap();
//! let mut parts = Vec::new();
//! sp.split("a<|endoftext|>b", &AllowedSpecial::All, |p| parts.push(p)).unwrap();
//! assert_eq!(parts, vec![Ok("a"), Err(50256), Ok("b")]);
//! assert!(sp.split("a<|endoftext|>", &AllowedSpecial::None, |_| {}).is_err());
//! // Neither allowed nor disallowed: ordinary text.
//! let mut parts = Vec::new();
//! sp.split_with("a<|endoftext|>", &AllowedSpecial::None, &AllowedSpecial::None, |p| parts.push(p)).unwrap();
//! assert_eq!(parts, vec![Ok("a<|endoftext|>")]);
//! ```

pub mod bpe;
pub mod bpe_train;
pub mod bytelevel;
pub mod format;
pub mod hf_json;
pub mod pretokenize;
pub mod stats;
pub mod tiktoken;
pub mod unigram;
pub mod wordpiece;

use std::path::Path;

use rayon::prelude::*;

use breadth_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// Which special tokens an encode call recognises in its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedSpecial {
    /// None: any special token in the text is an error.
    None,
    /// Every special token.
    All,
    /// Only these (by text); any other special token in the text is an error.
    Only(Vec<String>),
}

impl AllowedSpecial {
    fn allows(&self, s: &str) -> bool {
        match self {
            AllowedSpecial::None => false,
            AllowedSpecial::All => true,
            AllowedSpecial::Only(v) => v.iter().any(|x| x == s),
        }
    }
}

/// Special tokens: strings matched literally before pre-tokenization, each with its own id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpecialTokens {
    tokens: Vec<(String, u32)>,
}

impl SpecialTokens {
    /// Special tokens from (text, id) pairs; texts must be non-empty and distinct.
    pub fn new(tokens: Vec<(String, u32)>) -> Result<SpecialTokens> {
        for (i, (s, _)) in tokens.iter().enumerate() {
            if s.is_empty() {
                return Err(Error::param("special_tokens", "a special token is empty"));
            }
            if tokens[..i].iter().any(|(t, _)| t == s) {
                return Err(Error::param(
                    "special_tokens",
                    format!("`{s}` is listed twice"),
                ));
            }
        }
        Ok(SpecialTokens { tokens })
    }

    /// The (text, id) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        self.tokens.iter().map(|(s, i)| (s.as_str(), *i))
    }

    /// The id of a special token.
    pub fn id(&self, text: &str) -> Option<u32> {
        self.iter().find(|(s, _)| *s == text).map(|(_, i)| i)
    }

    /// The text of a special token id.
    pub fn text(&self, id: u32) -> Option<&str> {
        self.iter().find(|(_, i)| *i == id).map(|(s, _)| s)
    }

    /// The largest id.
    pub fn max_id(&self) -> Option<u32> {
        self.tokens.iter().map(|(_, i)| *i).max()
    }

    /// Cut `text` at special tokens: `f(Ok(segment))` for ordinary text, `f(Err(id))` for a
    /// special token. The earliest occurrence wins, the longest at equal positions. An occurrence
    /// of a special token that `allowed` does not allow is an error.
    pub fn split<'a>(
        &self,
        text: &'a str,
        allowed: &AllowedSpecial,
        f: impl FnMut(std::result::Result<&'a str, u32>),
    ) -> Result<()> {
        self.split_with(text, allowed, &AllowedSpecial::All, f)
    }

    /// [`split`](Self::split) with tiktoken's two sets: allowed special tokens become their ids,
    /// an occurrence of a `disallowed` one that is not allowed is an error, and the others are
    /// ordinary text.
    pub fn split_with<'a>(
        &self,
        text: &'a str,
        allowed: &AllowedSpecial,
        disallowed: &AllowedSpecial,
        mut f: impl FnMut(std::result::Result<&'a str, u32>),
    ) -> Result<()> {
        if self.tokens.is_empty() {
            if !text.is_empty() {
                f(Ok(text));
            }
            return Ok(());
        }
        // Next occurrence of each special at or after `pos` (usize::MAX: none left).
        let find = |s: &str, from: usize| text[from..].find(s).map_or(usize::MAX, |p| p + from);
        let mut next: Vec<usize> = self
            .tokens
            .iter()
            .map(|(s, _)| {
                if allowed.allows(s) || disallowed.allows(s) {
                    find(s, 0)
                } else {
                    usize::MAX
                }
            })
            .collect();
        let mut pos = 0;
        loop {
            let best = (0..self.tokens.len())
                .filter(|&k| next[k] != usize::MAX)
                .min_by_key(|&k| (next[k], std::cmp::Reverse(self.tokens[k].0.len())));
            let Some(k) = best else { break };
            let (s, id) = &self.tokens[k];
            let start = next[k];
            if !allowed.allows(s) {
                return Err(Error::param(
                    "text",
                    format!("contains the special token `{s}` at byte {start}, which is not allowed here; allow it or encode it as ordinary text"),
                ));
            }
            if start > pos {
                f(Ok(&text[pos..start]));
            }
            f(Err(*id));
            pos = start + s.len();
            for (j, (t, _)) in self.tokens.iter().enumerate() {
                if next[j] != usize::MAX && next[j] < pos {
                    next[j] = find(t, pos);
                }
            }
        }
        if pos < text.len() {
            f(Ok(&text[pos..]));
        }
        Ok(())
    }
}

/// Ids put around every encoded text (`[CLS] ... [SEP]`, a BOS token), as Hugging Face's
/// `TemplateProcessing`, `BertProcessing` and `RobertaProcessing` do for single sequences.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostProcessor {
    /// Ids before the text.
    pub prefix: Vec<u32>,
    /// Ids after the text.
    pub suffix: Vec<u32>,
}

/// The text of a corpus: `builtin:shakespeare` (the embedded corpus) or a UTF-8 file.
pub fn read_corpus(spec: &str) -> Result<String> {
    match spec.strip_prefix("builtin:") {
        Some("shakespeare") => breadth_data::datasets::shakespeare(),
        Some(other) => Err(Error::param(
            "corpus",
            format!("unknown built-in corpus `{other}`; the text corpus is builtin:shakespeare"),
        )),
        None => std::fs::read_to_string(spec).map_err(|e| Error::io(spec, e)),
    }
}

/// Any breadth tokenizer: what the CLI and model code hold.
#[derive(Debug, Clone)]
pub enum Tokenizer {
    /// Byte-level BPE.
    Bpe(bpe::BpeTokenizer),
    /// WordPiece.
    WordPiece(wordpiece::WordPieceTokenizer),
    /// Unigram.
    Unigram(unigram::UnigramTokenizer),
}

impl Tokenizer {
    /// The family's name (`bpe`, `wordpiece`, `unigram`).
    pub fn kind(&self) -> &'static str {
        match self {
            Tokenizer::Bpe(_) => "bpe",
            Tokenizer::WordPiece(_) => "wordpiece",
            Tokenizer::Unigram(_) => "unigram",
        }
    }

    /// Encode text with every special token recognised and the post-processor applied (what
    /// Hugging Face's `encode` does).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        match self {
            Tokenizer::Bpe(t) => t.encode(text, &AllowedSpecial::All),
            Tokenizer::WordPiece(t) => t.encode(text),
            Tokenizer::Unigram(t) => t.encode(text),
        }
    }

    /// [`encode`](Self::encode) over documents in parallel, in input order.
    pub fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        texts.par_iter().map(|t| self.encode(t)).collect()
    }

    /// Ids back to text.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        match self {
            Tokenizer::Bpe(t) => t.decode(ids),
            Tokenizer::WordPiece(t) => t.decode(ids),
            Tokenizer::Unigram(t) => t.decode(ids),
        }
    }

    /// Number of ids.
    pub fn vocab_size(&self) -> usize {
        match self {
            Tokenizer::Bpe(t) => t.vocab_size(),
            Tokenizer::WordPiece(t) => t.vocab_size(),
            Tokenizer::Unigram(t) => t.vocab_size(),
        }
    }

    /// Save in breadth's own format ([`format`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        format::save(self, path)
    }

    /// Load breadth's own format or a Hugging Face `tokenizer.json`, whichever the file is.
    pub fn load(path: &Path) -> Result<Tokenizer> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        if bytes.starts_with(b"{\"magic\"") {
            format::from_bytes(&bytes, &path.display().to_string())
        } else {
            let text = String::from_utf8(bytes).map_err(|_| Error::Parse {
                source_name: path.display().to_string(),
                line: 0,
                reason: "neither a breadth tokenizer nor UTF-8 JSON".into(),
            })?;
            hf_json::from_str(&text, &path.display().to_string())
        }
    }
}
