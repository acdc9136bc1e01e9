//! Compression and vocabulary usage of a tokenizer on a corpus, for comparing vocabulary sizes.
//!
//! For a corpus of $B$ UTF-8 bytes encoded into $T$ tokens, the compression is $B / T$ bytes per
//! token (higher is better: fewer tokens per text, so more text per context window). Vocabulary
//! usage is $|\{v : v \text{ occurs}\}| / |V|$: the share of ids the corpus exercises; ids that
//! never occur waste embedding rows. Documents are encoded in parallel; the counts do not depend
//! on the thread count. Complexity: one encoding pass, $O(T)$ extra.
//!
//! ```
//! use breadth_llm::tokenizer::{bpe_train::BpeTrainer, stats::stats, Tokenizer};
//! let tok = Tokenizer::Bpe(BpeTrainer::default().vocab_size(260).train(&["abab abab"]).unwrap());
//! let s = stats(&tok, &["abab abab"]).unwrap();
//! assert_eq!(s.n_bytes, 9);
//! assert!(s.bytes_per_token > 1.0 && s.vocab_used <= s.vocab_size);
//! ```

use breadth_core::Result;
use serde::Serialize;

use super::Tokenizer;

/// Compression and usage figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Bytes of text.
    pub n_bytes: usize,
    /// Tokens produced.
    pub n_tokens: usize,
    /// Bytes per token.
    pub bytes_per_token: f64,
    /// Number of ids.
    pub vocab_size: usize,
    /// Distinct ids that occurred.
    pub vocab_used: usize,
    /// `vocab_used / vocab_size`.
    pub vocab_usage: f64,
}

/// Encode the documents and measure.
pub fn stats(tok: &Tokenizer, docs: &[&str]) -> Result<Stats> {
    let encoded = tok.encode_batch(docs)?;
    let vocab_size = tok.vocab_size();
    let mut seen = vec![false; vocab_size];
    let mut n_tokens = 0;
    for ids in &encoded {
        n_tokens += ids.len();
        for &i in ids {
            if let Some(s) = seen.get_mut(i as usize) {
                *s = true;
            }
        }
    }
    let n_bytes = docs.iter().map(|d| d.len()).sum();
    let vocab_used = seen.iter().filter(|&&s| s).count();
    Ok(Stats {
        n_bytes,
        n_tokens,
        bytes_per_token: n_bytes as f64 / n_tokens.max(1) as f64,
        vocab_size,
        vocab_used,
        vocab_usage: vocab_used as f64 / vocab_size.max(1) as f64,
    })
}
