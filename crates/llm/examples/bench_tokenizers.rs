//! Benchmark driver for `bench/tokenizers.py`; prints one JSON line `{"seconds", "quality"}`.
//!
//! - `encode TOKENIZER TEXT`: load a tokenizer (`tokenizer.json` or breadth's file), split the
//!   text into ~1 MB documents at line ends, time `encode_ordinary_batch` (threads from
//!   `RAYON_NUM_THREADS`); quality = bytes per token.
//! - `train TEXT VOCAB OUT EVAL`: time BPE training (GPT-2 pattern, Hugging Face's id layout,
//!   one document per line) to VOCAB tokens; write the result to OUT (breadth's format); quality =
//!   bytes per token of the trained tokenizer on the EVAL text (untimed).

use std::path::Path;
use std::time::Instant;

use breadth_llm::tokenizer::bpe_train::BpeTrainer;
use breadth_llm::tokenizer::{AllowedSpecial, Tokenizer};

/// Cut after the first newline at or after every `size` bytes (the Python side does the same).
fn documents(text: &str, size: usize) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let target = (start + size).min(text.len());
        let end = text[target..]
            .find('\n')
            .map_or(text.len(), |p| target + p + 1);
        docs.push(&text[start..end]);
        start = end;
    }
    docs
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("encode") => {
            let tok = Tokenizer::load(Path::new(&args[2]))?;
            let Tokenizer::Bpe(bpe) = &tok else {
                return Err("encode benchmark expects a BPE tokenizer".into());
            };
            let text = std::fs::read_to_string(&args[3])?;
            let docs = documents(&text, 1 << 20);
            let t0 = Instant::now();
            let ids = bpe.encode_ordinary_batch(&docs);
            let seconds = t0.elapsed().as_secs_f64();
            let n: usize = ids.iter().map(Vec::len).sum();
            println!(
                "{{\"seconds\": {seconds}, \"quality\": {}}}",
                text.len() as f64 / n as f64
            );
        }
        Some("train") => {
            let text = std::fs::read_to_string(&args[2])?;
            let vocab: usize = args[3].parse()?;
            let t0 = Instant::now();
            let docs: Vec<&str> = text.split_inclusive('\n').collect();
            let tok = BpeTrainer::default()
                .vocab_size(vocab)
                .min_frequency(2)
                .special_tokens(vec!["<|endoftext|>".into()])
                .train(&docs)?;
            let seconds = t0.elapsed().as_secs_f64();
            let eval = std::fs::read_to_string(&args[5])?;
            let n = tok.encode(&eval, &AllowedSpecial::None)?.len();
            Tokenizer::Bpe(tok).save(Path::new(&args[4]))?;
            println!(
                "{{\"seconds\": {seconds}, \"quality\": {}}}",
                eval.len() as f64 / n as f64
            );
        }
        _ => {
            return Err(
                "usage: bench_tokenizers encode TOKENIZER TEXT | train TEXT VOCAB OUT EVAL".into(),
            )
        }
    }
    Ok(())
}
