//! breadth's own tokenizer file: a versioned, checksummed model file of kind `tokenizer`.
//!
//! The body is JSON holding everything a tokenizer needs, in breadth's terms: for BPE the token
//! bytes (base64, so any byte string survives), the merge rules with their ranks, the
//! pre-tokenization regex, the special tokens and the post-processor; for WordPiece the vocabulary
//! and normalizer options; for Unigram the pieces with their log-probabilities (written so they
//! read back bit for bit). Loading rebuilds the tokenizer through the same constructors that
//! validate every other source, so a hand-edited file is checked as strictly. The layout checks
//! (magic, version, length, checksum) are those of [`breadth_core::model_file`].
//!
//! Complexity: linear in the vocabulary. Reference: none needed beyond `model_file`.
//!
//! ```
//! use breadth_llm::tokenizer::{bpe_train::BpeTrainer, format, Tokenizer};
//! let tok = Tokenizer::Bpe(BpeTrainer::default().vocab_size(270).train(&["a tiny corpus, tiny"]).unwrap());
//! let bytes = format::to_bytes(&tok).unwrap();
//! let back = format::from_bytes(&bytes, "<memory>").unwrap();
//! assert_eq!(back.encode("tiny a").unwrap(), tok.encode("tiny a").unwrap());
//! assert!(format::from_bytes(&bytes[..bytes.len() - 2], "<memory>").is_err());
//! ```

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use breadth_core::{model_file, Error, Result};
use serde::{Deserialize, Serialize};

use super::bpe::{BpeModel, BpeTokenizer, Merge};
use super::pretokenize::Pattern;
use super::unigram::{UnigramModel, UnigramTokenizer};
use super::wordpiece::{BertNormalizer, WordPieceTokenizer};
use super::{PostProcessor, SpecialTokens, Tokenizer};

/// The model-file kind.
pub const KIND: &str = "tokenizer";

#[derive(Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "lowercase")]
enum File {
    Bpe {
        pattern: String,
        add_prefix_space: bool,
        tokens: Vec<Option<String>>,
        merges: Vec<Merge>,
        always_whole: bool,
        unk: Option<u32>,
        specials: SpecialTokens,
        post: PostProcessor,
    },
    WordPiece {
        vocab: Vec<Option<String>>,
        unk: String,
        prefix: String,
        max_chars: usize,
        normalizer: BertNormalizer,
        specials: SpecialTokens,
        post: PostProcessor,
    },
    Unigram {
        pieces: Vec<(String, f64)>,
        unk: u32,
        specials: SpecialTokens,
    },
}

fn to_file(tok: &Tokenizer) -> Result<File> {
    Ok(match tok {
        Tokenizer::Bpe(t) => {
            let m = t.model();
            File::Bpe {
                pattern: t.pattern().as_str().to_string(),
                add_prefix_space: t.add_prefix_space,
                tokens: (0..m.len() as u32)
                    .map(|i| m.token(i).map(|b| STANDARD.encode(b)))
                    .collect(),
                merges: m.merges().to_vec(),
                always_whole: m.always_whole(),
                unk: m.unk(),
                specials: t.specials.clone(),
                post: t.post.clone(),
            }
        }
        Tokenizer::WordPiece(t) => File::WordPiece {
            vocab: t.vocab.clone(),
            unk: t.vocab[t.unk as usize]
                .clone()
                .expect("unk is in the vocabulary"),
            prefix: t.prefix.clone(),
            max_chars: t.max_chars,
            normalizer: t.normalizer,
            specials: t.specials.clone(),
            post: t.post.clone(),
        },
        Tokenizer::Unigram(t) => File::Unigram {
            pieces: t.model().pieces().to_vec(),
            unk: t.model().unk(),
            specials: t.specials().clone(),
        },
    })
}

fn from_file(f: File, source: &str) -> Result<Tokenizer> {
    let bad = |e: Error| Error::ModelFile {
        path: source.into(),
        reason: e.to_string(),
    };
    Ok(match f {
        File::Bpe {
            pattern,
            add_prefix_space,
            tokens,
            merges,
            always_whole,
            unk,
            specials,
            post,
        } => {
            let tokens = tokens
                .into_iter()
                .enumerate()
                .map(|(i, t)| {
                    t.map(|s| STANDARD.decode(s))
                        .transpose()
                        .map_err(|e| Error::ModelFile {
                            path: source.into(),
                            reason: format!("token {i}: bad base64: {e}"),
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            let pattern = if pattern.is_empty() {
                Pattern::Whole
            } else {
                Pattern::from_regex(&pattern).map_err(bad)?
            };
            let model = BpeModel::new(tokens, merges, always_whole, unk).map_err(bad)?;
            Tokenizer::Bpe(
                BpeTokenizer::new(model, pattern, specials)
                    .with_prefix_space(add_prefix_space)
                    .with_post_processor(post),
            )
        }
        File::WordPiece {
            vocab,
            unk,
            prefix,
            max_chars,
            normalizer,
            specials,
            post,
        } => Tokenizer::WordPiece(
            WordPieceTokenizer::from_parts(
                vocab, &unk, prefix, max_chars, normalizer, specials, post,
            )
            .map_err(bad)?,
        ),
        File::Unigram {
            pieces,
            unk,
            specials,
        } => Tokenizer::Unigram(UnigramTokenizer::new(
            UnigramModel::new(pieces, unk).map_err(bad)?,
            specials,
        )),
    })
}

/// The file's bytes.
pub fn to_bytes(tok: &Tokenizer) -> Result<Vec<u8>> {
    model_file::to_bytes(KIND, &to_file(tok)?)
}

/// A tokenizer from a file's bytes; `source` names it in errors.
pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Tokenizer> {
    let f: File = model_file::from_bytes(bytes, KIND, source)?;
    from_file(f, source)
}

/// Write a tokenizer file (atomically).
pub fn save(tok: &Tokenizer, path: &Path) -> Result<()> {
    model_file::save(path, KIND, &to_file(tok)?)
}

/// Read a tokenizer file.
pub fn load(path: &Path) -> Result<Tokenizer> {
    let f: File = model_file::load(path, KIND)?;
    from_file(f, &path.display().to_string())
}
