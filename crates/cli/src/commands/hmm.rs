//! `breadth hmm train|decode`: hidden Markov models on sequences read from text (one sequence
//! per line, observations separated by spaces).

use std::path::{Path, PathBuf};

use breadth_classic::hmm::text::{self, Decoded, EmissionKind, TrainedHmm};
use breadth_classic::hmm::BaumWelch;
use breadth_core::{model_file, Error, Result};

use crate::output::{print_json, write_text};

/// The model-file kind of a trained HMM.
const KIND: &str = "hmm";

/// Arguments of `breadth hmm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Train an HMM with Baum-Welch (EM) on the sequences of a text file.
    Train(TrainArgs),
    /// Decode each sequence of a text file: Viterbi states and log-likelihoods.
    Decode(DecodeArgs),
}

/// Arguments of `breadth hmm train`.
#[derive(Debug, clap::Args)]
struct TrainArgs {
    /// Text file: one sequence per line, observations separated by spaces (`#` comments).
    #[arg(long)]
    data: PathBuf,
    /// Number of hidden states.
    #[arg(long)]
    states: usize,
    /// `categorical` (tokens) or `gaussian` (numbers).
    #[arg(long, default_value = "categorical")]
    emission: EmissionKind,
    /// Maximum EM iterations per restart.
    #[arg(long, default_value_t = 100)]
    iter: usize,
    /// Stop when the log-likelihood gains less than this.
    #[arg(long, default_value_t = 1e-2)]
    tol: f64,
    /// Random restarts; the best model is kept.
    #[arg(long, default_value_t = 5)]
    restarts: usize,
    /// Seed of the random starts.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Save the trained model here.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print the model and training report as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `breadth hmm decode`.
#[derive(Debug, clap::Args)]
struct DecodeArgs {
    /// A model written by `breadth hmm train --save`.
    #[arg(long)]
    model: PathBuf,
    /// Text file of sequences, as for training.
    #[arg(long)]
    data: PathBuf,
    /// Write to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print JSON (states, path log-probability, log-likelihood per line).
    #[arg(long)]
    json: bool,
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    match &args.action {
        Action::Train(a) => train(a),
        Action::Decode(a) => decode(a),
    }
}

fn train(a: &TrainArgs) -> Result<()> {
    let source = a.data.display().to_string();
    let bw = BaumWelch::default()
        .n_states(a.states)
        .n_iter(a.iter)
        .tol(a.tol)
        .n_init(a.restarts)
        .seed(a.seed);
    let (model, report) = text::train(&read(&a.data)?, &source, a.emission, &bw)?;
    if let Some(path) = &a.save {
        model_file::save(path, KIND, &model)?;
    }
    if a.json {
        return print_json(&serde_json::json!({ "model": model, "report": report }));
    }
    println!(
        "trained a {}-state HMM on {source}: log-likelihood {:.4} after {} iterations ({})",
        a.states,
        report.log_likelihood,
        report.history.len(),
        if report.converged {
            "converged"
        } else {
            "iteration limit reached"
        }
    );
    match &model {
        TrainedHmm::Categorical { vocabulary, hmm } => {
            println!("symbols: {}", vocabulary.join(" "));
            println!("start probabilities: {:.4}", hmm.startprob());
            println!("transitions:\n{:.4}", hmm.transmat());
            println!(
                "emission probabilities (state x symbol):\n{:.4}",
                hmm.emission().probs()
            );
        }
        TrainedHmm::Gaussian { hmm } => {
            println!("start probabilities: {:.4}", hmm.startprob());
            println!("transitions:\n{:.4}", hmm.transmat());
            println!("means:\n{:.4}", hmm.emission().means());
            println!("variances:\n{:.4}", hmm.emission().covars());
        }
    }
    if let Some(path) = &a.save {
        println!("saved to {}", path.display());
    }
    Ok(())
}

fn decode(a: &DecodeArgs) -> Result<()> {
    let model: TrainedHmm = model_file::load(&a.model, KIND)?;
    let decoded: Vec<Decoded> = model.decode(&read(&a.data)?, &a.data.display().to_string())?;
    if a.json {
        return print_json(&decoded);
    }
    let mut out = String::from("line\tlog_likelihood\tpath_log_prob\tstates\n");
    for d in &decoded {
        let states: Vec<String> = d.states.iter().map(usize::to_string).collect();
        out.push_str(&format!(
            "{}\t{:.6}\t{:.6}\t{}\n",
            d.line,
            d.log_likelihood,
            d.path_log_prob,
            states.join(" ")
        ));
    }
    write_text(a.out.as_deref(), &out)
}
