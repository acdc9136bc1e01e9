//! `breadth`: fit, predict, compare and inspect every model in breadth from the command line.
//!
//! The binary is thin: argument handling and printing over the library crates. Bad input of any
//! kind prints one line on stderr naming what is wrong and where, and exits with code 2.

mod commands;
mod data_args;
mod evaluate;
mod output;
mod registry;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The whole breadth of machine learning, in Rust.
#[derive(Debug, Parser)]
#[command(name = "breadth", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the embedded datasets (usable as `--data builtin:NAME`).
    Datasets(commands::datasets::Args),
    /// List every registered model with its parameters and defaults.
    Models(commands::models::Args),
    /// Fit a model, report held-out metrics, optionally save it.
    Fit(commands::fit::Args),
    /// Predict with a saved model.
    Predict(commands::predict::Args),
    /// Cross-validate every applicable model on a dataset and rank them.
    Compare(commands::compare::Args),
    /// Cross-validate one model or pipeline with a chosen splitter and metrics.
    Cv(commands::cv::Args),
    /// Grid or random search of a model's settings by cross-validation.
    Search(commands::search::Args),
    /// Train, apply and compare tokenizers (BPE, WordPiece, Unigram).
    Tokenize(commands::tokenize::Args),
    /// Every applicable metric of a predictions file against the truth, with an optional plot.
    Score(commands::score::Args),
    /// Cluster a dataset with a registered clustering and report cluster metrics.
    Cluster(commands::cluster::Args),
    /// Embed a dataset in fewer dimensions (PCA, ICA, t-SNE, ...), with an optional scatter plot.
    Reduce(commands::reduce::Args),
    /// Write a seeded synthetic dataset (classification, regression, blobs, moons, circles) as CSV.
    Generate(commands::generate::Args),
    /// Train hidden Markov models on text sequences and decode them (Viterbi).
    Hmm(commands::hmm::Args),
    /// Flag outliers with a detector (isolation-forest, lof, elliptic-envelope, zscore, ...).
    Outliers(commands::outliers::Args),
    /// Per-feature drift tests, PSI and adversarial validation of a current table vs a reference.
    Drift(commands::drift::Args),
    /// Train neural models (mlp, cnn, transformer, word2vec, seq2seq, rnn/lstm/gru) with checkpoints; evaluate saved ones.
    Nn(commands::nn::Args),
    /// Query word vectors: nearest neighbours and analogies by cosine similarity.
    Embed(commands::embed::Args),
    /// Print the trees of a saved tree, forest or gbdt model as text or Graphviz DOT.
    Tree(commands::tree::Args),
    /// Compare optimizers (GD, momentum, Adam, L-BFGS, ...) on a test problem, with a loss plot.
    Optim(commands::optim::Args),
}

fn main() -> ExitCode {
    breadth_nn::prepare_process_for_training();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Datasets(a) => commands::datasets::run(&a),
        Command::Models(a) => commands::models::run(&a),
        Command::Fit(a) => commands::fit::run(&a),
        Command::Predict(a) => commands::predict::run(&a),
        Command::Compare(a) => commands::compare::run(&a),
        Command::Cv(a) => commands::cv::run(&a),
        Command::Search(a) => commands::search::run(&a),
        Command::Tokenize(a) => commands::tokenize::run(&a),
        Command::Score(a) => commands::score::run(&a),
        Command::Cluster(a) => commands::cluster::run(&a),
        Command::Reduce(a) => commands::reduce::run(&a),
        Command::Generate(a) => commands::generate::run(&a),
        Command::Hmm(a) => commands::hmm::run(&a),
        Command::Outliers(a) => commands::outliers::run(&a),
        Command::Drift(a) => commands::drift::run(&a),
        Command::Nn(a) => commands::nn::run(&a),
        Command::Embed(a) => commands::embed::run(&a),
        Command::Tree(a) => commands::tree::run(&a),
        Command::Optim(a) => commands::optim::run(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
