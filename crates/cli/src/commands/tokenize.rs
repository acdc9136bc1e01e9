//! `breadth tokenize train|encode|decode|stats`: train, apply and compare tokenizers.

use std::path::PathBuf;

use breadth_core::{Error, Result};
use breadth_llm::tokenizer::bpe_train::BpeTrainer;
use breadth_llm::tokenizer::pretokenize::Pattern;
use breadth_llm::tokenizer::stats::stats;
use breadth_llm::tokenizer::unigram::UnigramTrainer;
use breadth_llm::tokenizer::{read_corpus, Tokenizer};

use crate::output::print_json;

/// Arguments of `breadth tokenize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Train a tokenizer on a corpus (one document per line) and save it.
    Train(TrainArgs),
    /// Encode text to ids (printed space-separated, or as JSON).
    Encode(EncodeArgs),
    /// Decode ids back to text.
    Decode(DecodeArgs),
    /// Compression (bytes per token) and vocabulary usage of tokenizers on a corpus.
    Stats(StatsArgs),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Family {
    /// Byte-level BPE (GPT-2 / GPT-4 style).
    Bpe,
    /// SentencePiece-style Unigram.
    Unigram,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PatternArg {
    /// GPT-2's pre-tokenization regex.
    Gpt2,
    /// GPT-4's cl100k_base regex.
    Cl100k,
}

#[derive(Debug, clap::Args)]
struct TrainArgs {
    /// `builtin:shakespeare` or a UTF-8 text file.
    #[arg(long)]
    corpus: String,
    /// Target vocabulary size (special tokens and, for BPE, the 256 bytes included).
    #[arg(long)]
    vocab_size: usize,
    /// Where to write the tokenizer (breadth's format).
    #[arg(long)]
    out: PathBuf,
    /// Model family.
    #[arg(long, value_enum, default_value = "bpe")]
    model: Family,
    /// BPE pre-tokenization pattern.
    #[arg(long, value_enum, default_value = "gpt2")]
    pattern: PatternArg,
    /// BPE: stop when the best pair occurs fewer times.
    #[arg(long, default_value_t = 2)]
    min_frequency: u64,
    /// BPE special tokens (repeatable).
    #[arg(long = "special")]
    specials: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct EncodeArgs {
    /// A tokenizer: breadth's file or a Hugging Face tokenizer.json.
    #[arg(long)]
    tokenizer: PathBuf,
    /// The text to encode (otherwise `--input`).
    #[arg(long, conflicts_with = "input")]
    text: Option<String>,
    /// A UTF-8 file to encode.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct DecodeArgs {
    /// A tokenizer: breadth's file or a Hugging Face tokenizer.json.
    #[arg(long)]
    tokenizer: PathBuf,
    /// Ids separated by spaces or commas.
    #[arg(long)]
    ids: String,
}

#[derive(Debug, clap::Args)]
struct StatsArgs {
    /// Tokenizers to compare (repeatable).
    #[arg(long = "tokenizer", required = true)]
    tokenizers: Vec<PathBuf>,
    /// `builtin:shakespeare` or a UTF-8 text file.
    #[arg(long)]
    corpus: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    match &args.command {
        Sub::Train(a) => train(a),
        Sub::Encode(a) => encode(a),
        Sub::Decode(a) => decode(a),
        Sub::Stats(a) => run_stats(a),
    }
}

fn train(a: &TrainArgs) -> Result<()> {
    let text = read_corpus(&a.corpus)?;
    let docs: Vec<&str> = text.split_inclusive('\n').collect();
    let tok = match a.model {
        Family::Bpe => Tokenizer::Bpe(
            BpeTrainer::default()
                .vocab_size(a.vocab_size)
                .min_frequency(a.min_frequency)
                .special_tokens(a.specials.clone())
                .pattern(match a.pattern {
                    PatternArg::Gpt2 => Pattern::Gpt2,
                    PatternArg::Cl100k => Pattern::Cl100k,
                })
                .train(&docs)?,
        ),
        Family::Unigram => {
            if !a.specials.is_empty() {
                return Err(Error::param(
                    "special",
                    "Unigram training takes no special tokens besides <unk>",
                ));
            }
            Tokenizer::Unigram(
                UnigramTrainer::default()
                    .vocab_size(a.vocab_size)
                    .train(&docs)?,
            )
        }
    };
    tok.save(&a.out)?;
    let s = stats(&tok, &docs)?;
    println!(
        "{} tokenizer with {} ids written to {}; {:.3} bytes per token on the corpus",
        tok.kind(),
        tok.vocab_size(),
        a.out.display(),
        s.bytes_per_token
    );
    Ok(())
}

fn encode(a: &EncodeArgs) -> Result<()> {
    let tok = Tokenizer::load(&a.tokenizer)?;
    let text = match (&a.text, &a.input) {
        (Some(t), _) => t.clone(),
        (None, Some(p)) => std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?,
        (None, None) => return Err(Error::param("text", "give --text or --input")),
    };
    let ids = tok.encode(&text)?;
    if a.json {
        return print_json(&ids);
    }
    let line: Vec<String> = ids.iter().map(u32::to_string).collect();
    println!("{}", line.join(" "));
    Ok(())
}

fn decode(a: &DecodeArgs) -> Result<()> {
    let tok = Tokenizer::load(&a.tokenizer)?;
    let ids = a
        .ids
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u32>()
                .map_err(|_| Error::param("ids", format!("`{s}` is not a token id")))
        })
        .collect::<Result<Vec<_>>>()?;
    print!("{}", tok.decode(&ids)?);
    Ok(())
}

fn run_stats(a: &StatsArgs) -> Result<()> {
    let text = read_corpus(&a.corpus)?;
    let docs: Vec<&str> = text.split_inclusive('\n').collect();
    let mut rows = Vec::new();
    for path in &a.tokenizers {
        let tok = Tokenizer::load(path)?;
        rows.push((path.display().to_string(), tok.kind(), stats(&tok, &docs)?));
    }
    if a.json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|(p, k, s)| serde_json::json!({"tokenizer": p, "kind": k, "stats": s}))
            .collect();
        return print_json(&v);
    }
    println!(
        "{:<40} {:>9} {:>8} {:>11} {:>10} {:>9}",
        "tokenizer", "kind", "vocab", "tokens", "bytes/tok", "used"
    );
    for (p, k, s) in rows {
        println!(
            "{:<40} {:>9} {:>8} {:>11} {:>10.3} {:>8.1}%",
            p,
            k,
            s.vocab_size,
            s.n_tokens,
            s.bytes_per_token,
            100.0 * s.vocab_usage
        );
    }
    Ok(())
}
