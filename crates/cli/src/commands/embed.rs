//! `breadth embed --model FILE neighbors WORD` / `analogy A B C`: query word vectors trained by
//! `breadth nn train word2vec --out FILE` by cosine similarity.

use std::path::PathBuf;

use breadth_core::{Error, Result};
use breadth_nn::word2vec::Word2Vec;

use crate::output::print_json;

/// Arguments of `breadth embed`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Word vectors written by `breadth nn train word2vec --out`.
    #[arg(long)]
    model: PathBuf,
    /// How many words to list.
    #[arg(short = 'k', long, default_value_t = 10)]
    top: usize,
    /// Print JSON (word and cosine similarity).
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    query: Query,
}

#[derive(Debug, clap::Subcommand)]
enum Query {
    /// The words nearest to WORD.
    Neighbors {
        /// A word of the vocabulary.
        word: String,
    },
    /// The words nearest to A - B + C (`analogy king man woman`: king - man + woman).
    Analogy {
        /// The word to start from.
        a: String,
        /// The word to subtract.
        b: String,
        /// The word to add.
        c: String,
    },
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    if args.top == 0 {
        return Err(Error::param("top", "must be at least 1"));
    }
    let m = Word2Vec::load(&args.model)?;
    let hits = match &args.query {
        Query::Neighbors { word } => m.most_similar(word, args.top)?,
        Query::Analogy { a, b, c } => m.analogy(a, b, c, args.top)?,
    };
    if args.json {
        return print_json(&hits);
    }
    for (w, s) in hits {
        println!("{w:<20} {s:.4}");
    }
    Ok(())
}
