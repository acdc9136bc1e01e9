//! tiktoken rank files: one token per line, `base64(bytes) rank`.
//!
//! A rank file is the whole of a tiktoken BPE vocabulary: the rank $r(t)$ of each token $t$ is
//! both its id and its merge priority; the pre-tokenization regex and the special tokens are
//! given separately (they live in tiktoken's Python source). Loading builds a
//! [`BpeModel::from_ranks`] model, whose encoding is tiktoken's byte for byte: whole-piece lookup
//! first, then lowest-rank-first merging of adjacent parts.
//!
//! Complexity: $O(\sum_t |t|)$ to read. Reference: OpenAI `tiktoken`, `load.py`
//! (`load_tiktoken_bpe`) and `src/lib.rs` (`byte_pair_merge`).
//!
//! ```
//! use breadth_llm::tokenizer::{tiktoken, pretokenize::Pattern, SpecialTokens};
//! let mut file = String::new();
//! for b in 0..=255u8 {
//!     file += &format!("{} {b}\n", tiktoken::b64(&[b]));
//! }
//! file += &format!("{} 256\n", tiktoken::b64(b"ab"));
//! let tok = tiktoken::from_str(&file, "<memory>", Pattern::Gpt2, SpecialTokens::default()).unwrap();
//! assert_eq!(tok.encode_ordinary("abc"), vec![256, 99]);
//! assert_eq!(tiktoken::to_string(tok.model()), file);
//! assert!(tiktoken::from_str("???? x\n", "<memory>", Pattern::Gpt2, SpecialTokens::default()).is_err());
//! ```

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use breadth_core::{Error, Result};

use super::bpe::{BpeModel, BpeTokenizer};
use super::pretokenize::Pattern;
use super::SpecialTokens;

/// Base64 (standard alphabet, padded) of bytes.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn parse_err(source: &str, line: usize, reason: impl Into<String>) -> Error {
    Error::Parse {
        source_name: source.into(),
        line,
        reason: reason.into(),
    }
}

/// Parse a rank file's text into (token bytes, rank) pairs.
pub fn parse_ranks(text: &str, source: &str) -> Result<Vec<(Vec<u8>, u32)>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(tok), Some(rank), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(parse_err(source, i + 1, "expected `base64-token rank`"));
        };
        let bytes = STANDARD
            .decode(tok)
            .map_err(|e| parse_err(source, i + 1, format!("bad base64 `{tok}`: {e}")))?;
        let rank: u32 = rank
            .parse()
            .map_err(|_| parse_err(source, i + 1, format!("bad rank `{rank}`")))?;
        out.push((bytes, rank));
    }
    if out.is_empty() {
        return Err(parse_err(source, 0, "no tokens"));
    }
    Ok(out)
}

/// A tokenizer from a rank file's text, a pattern and special tokens.
pub fn from_str(
    text: &str,
    source: &str,
    pattern: Pattern,
    specials: SpecialTokens,
) -> Result<BpeTokenizer> {
    let model = BpeModel::from_ranks(parse_ranks(text, source)?)
        .map_err(|e| parse_err(source, 0, e.to_string()))?;
    Ok(BpeTokenizer::new(model, pattern, specials))
}

/// A tokenizer from a rank file on disk.
pub fn load(path: &Path, pattern: Pattern, specials: SpecialTokens) -> Result<BpeTokenizer> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    from_str(&text, &path.display().to_string(), pattern, specials)
}

/// A model's vocabulary as rank-file text (id as rank), in id order.
pub fn to_string(model: &BpeModel) -> String {
    let mut s = String::new();
    for id in 0..model.len() as u32 {
        if let Some(t) = model.token(id) {
            s += &format!("{} {id}\n", b64(t));
        }
    }
    s
}
