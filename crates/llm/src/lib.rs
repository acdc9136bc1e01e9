//! # breadth-llm
//!
//! Language models, starting with the piece every one of them needs: [`tokenizer`]s that turn
//! text into ids and back (byte-level BPE as in GPT-2 and GPT-4, WordPiece as in BERT, and
//! SentencePiece's Unigram), trained here or loaded from Hugging Face and tiktoken files.
//!
//! ```
//! use breadth_llm::tokenizer::bpe_train::BpeTrainer;
//! let text = breadth_data::datasets::shakespeare().unwrap();
//! let tok = BpeTrainer::default().vocab_size(300).train(&[&text[..20_000]]).unwrap();
//! let ids = tok.encode_ordinary("To be, or not to be");
//! assert!(ids.len() < 19);
//! assert_eq!(tok.decode(&ids).unwrap(), "To be, or not to be");
//! ```
#![deny(missing_docs)]

pub mod tokenizer;
