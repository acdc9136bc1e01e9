//! `breadth nn train MODEL` / `breadth nn eval MODEL-FILE`: train the neural models of
//! breadth-nn with progress, resumable checkpoints and a model file, and evaluate saved ones.
//!
//! Models: `mlp` and `cnn` on a table (default `builtin:digits`, scored on a held-out share),
//! `transformer` on the generated digit-reversal task (exact match on held-out strings of the
//! training lengths and on longer ones), `word2vec` on a text (default `builtin:shakespeare`).
//! A new model is one more arm in [`train`] and, if it writes a new kind of file, in [`run_eval`].

use std::path::{Path, PathBuf};

use breadth_core::registry::{configure, load_any, parse_param, Configurable, Predictions};
use breadth_core::{model_file, Classifier, Dataset, Error, Fit, Result};
use breadth_nn::cnn::CnnClassifierParams;
use breadth_nn::mlp::MlpClassifierParams;
use breadth_nn::seq2seq::reversal::ReversalReport;
use breadth_nn::settings::TrainSettings;
use breadth_nn::train::{Checkpointing, History};
use breadth_nn::transformer::model::Transformer;
use breadth_nn::transformer::reversal::{exact_match, ReversalParams, SavedReversal};
use breadth_nn::word2vec::{Word2Vec, Word2VecParams};
use serde::Serialize;

use crate::data_args::{load_like, DataArgs, Schema, TaskArg};
use crate::evaluate::holdout;
use crate::output::{parse_settings, print_json};
use crate::registry::all_models;

/// The model-file kind of a trained reversal transformer.
const TRANSFORMER_KIND: &str = "transformer-reversal";

/// Arguments of `breadth nn`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Train a model: mlp, cnn, transformer (digit reversal), word2vec, seq2seq (reversal
    /// with attention), rnn / lstm / gru (delayed recall).
    Train(TrainArgs),
    /// Evaluate a saved model: accuracy on a table, exact match on reversal strings, or a
    /// summary of word vectors.
    Eval(EvalArgs),
}

/// Arguments of `breadth nn train`.
#[derive(Debug, clap::Args)]
struct TrainArgs {
    /// mlp | cnn | transformer | word2vec | seq2seq (digit reversal with attention) | rnn |
    /// lstm | gru (delayed recall with gradient norms through time).
    model: String,
    /// Table for mlp/cnn (`builtin:NAME` or CSV, default builtin:digits); text file or
    /// builtin:shakespeare for word2vec; not used by transformer (its task is generated).
    #[arg(long)]
    data: Option<String>,
    /// Model settings as key=value (repeatable); `--list` shows them.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Print the settings of MODEL with their defaults and exit.
    #[arg(long)]
    list: bool,
    /// Write resumable checkpoints in this folder (resumes from one found there).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Save the trained model here (seq2seq: the attention heat map, .png or .svg).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Share of rows held out for scoring mlp/cnn.
    #[arg(long, default_value_t = 0.25)]
    test_size: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `breadth nn eval`.
#[derive(Debug, clap::Args)]
struct EvalArgs {
    /// A model written by `breadth nn train --out`.
    model: PathBuf,
    /// Table with a target for mlp/cnn; for a transformer `reversal` (the training task's
    /// held-out sets, default) or a text file of digit strings, one per line.
    #[arg(long)]
    data: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// What `train` and `eval` report.
#[derive(Debug, Default, Serialize)]
struct Report {
    model: String,
    /// Named scores (accuracy, exact match per set, ...).
    scores: Vec<(String, f64)>,
    /// Training loss per epoch.
    train_loss: Vec<f64>,
    /// Free-form lines (examples, neighbours).
    notes: Vec<String>,
    saved: Option<String>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let report = match &args.action {
        Action::Train(a) => {
            if a.list {
                return list(&a.model);
            }
            train(a)?
        }
        Action::Eval(a) => run_eval(a)?,
    };
    let json = match &args.action {
        Action::Train(a) => a.json,
        Action::Eval(a) => a.json,
    };
    if json {
        return print_json(&report);
    }
    println!("model: {}", report.model);
    if let (Some(first), Some(last)) = (report.train_loss.first(), report.train_loss.last()) {
        println!(
            "training loss: {first:.4} -> {last:.4} over {} epochs",
            report.train_loss.len()
        );
    }
    for (name, v) in &report.scores {
        println!("{name}: {v:.4}");
    }
    for n in &report.notes {
        println!("{n}");
    }
    if let Some(s) = &report.saved {
        println!("saved to {s}");
    }
    Ok(())
}

fn list(model: &str) -> Result<()> {
    // seq2seq and the delayed-recall demonstrations take plain configs, not registry params.
    let fixed: Vec<(&str, String, &str)> = match model {
        "seq2seq" => {
            let d = breadth_nn::seq2seq::reversal::ReversalConfig::default();
            vec![
                (
                    "attention",
                    format!("{:?}", d.model.attention).to_lowercase(),
                    "luong | bahdanau | none",
                ),
                ("steps", d.steps.to_string(), "optimizer steps"),
                ("batch", d.batch.to_string(), "strings per step"),
                ("lr", d.lr.to_string(), "Adam learning rate"),
                (
                    "eval_per_length",
                    d.eval_per_length.to_string(),
                    "test strings per length",
                ),
                ("seed", d.seed.to_string(), "seed of weights and data"),
            ]
        }
        "rnn" | "lstm" | "gru" => {
            let d = breadth_nn::recurrent::demo::RecallConfig::new(
                breadth_nn::recurrent::cell::CellKind::Lstm,
            );
            vec![
                (
                    "length",
                    d.task.length.to_string(),
                    "sequence length (delay to recall)",
                ),
                ("hidden", d.hidden.to_string(), "hidden size"),
                ("steps", d.steps.to_string(), "optimizer steps"),
                ("lr", d.lr.to_string(), "Adam learning rate"),
                ("seed", d.seed.to_string(), "seed of weights and data"),
            ]
        }
        _ => Vec::new(),
    };
    if !fixed.is_empty() {
        for (name, default, help) in fixed {
            println!("{name:<22} {default:<14} {help}");
        }
        return Ok(());
    }
    let specs = match model {
        "mlp" => MlpClassifierParams::default().param_specs(),
        "cnn" => CnnClassifierParams::default().param_specs(),
        "transformer" => ReversalParams::default().param_specs(),
        "word2vec" => Word2VecParams::default().param_specs(),
        other => return Err(unknown(other)),
    };
    for s in specs {
        println!("{:<22} {:<14} {}", s.name, s.default, s.help);
    }
    Ok(())
}

fn unknown(model: &str) -> Error {
    Error::param(
        "MODEL",
        format!("no neural model called `{model}`; known: mlp, cnn, transformer, word2vec, seq2seq, rnn, lstm, gru"),
    )
}

fn checkpointing(dir: Option<&Path>, model: &str) -> Result<Option<Checkpointing>> {
    dir.map(|d| {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
        Ok(Checkpointing {
            path: d.join(format!("{model}.safetensors")),
            every: 1,
            resume: true,
        })
    })
    .transpose()
}

/// Train the model named on the command line.
fn train(a: &TrainArgs) -> Result<Report> {
    let settings = parse_settings(&a.settings)?;
    let ck = checkpointing(a.checkpoint.as_deref(), &a.model)?;
    let with_run = |t: &mut TrainSettings| {
        t.checkpoint = ck.clone();
        t.progress = true;
    };
    match a.model.as_str() {
        "mlp" => {
            let mut p: MlpClassifierParams = configure("mlp-classifier", &settings)?;
            with_run(&mut p.0.train);
            classifier(a, "mlp-classifier", &p, |m| m.history().clone())
        }
        "cnn" => {
            let mut p: CnnClassifierParams = configure("cnn-classifier", &settings)?;
            with_run(&mut p.train);
            classifier(a, "cnn-classifier", &p, |m| m.history().clone())
        }
        "transformer" => {
            let mut p: ReversalParams = configure("transformer", &settings)?;
            with_run(&mut p.train);
            transformer(a, &p)
        }
        "word2vec" => {
            if ck.is_some() {
                return Err(Error::param(
                    "checkpoint",
                    "word2vec trains in one pass of hand-written SGD and writes no checkpoints",
                ));
            }
            word2vec(a, &configure("word2vec", &settings)?)
        }
        "seq2seq" => seq2seq(a, &settings),
        "rnn" | "lstm" | "gru" => delayed_recall(a, &settings),
        other => Err(unknown(other)),
    }
}

/// Refuse settings a model does not know, naming them and the ones it does.
fn check_keys(model: &str, settings: &[(String, String)], known: &[&str]) -> Result<()> {
    match settings.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        Some((k, _)) => Err(Error::param(
            k.as_str(),
            format!("unknown setting for {model}; known: {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// The seq2seq reversal task: a GRU encoder-decoder with `attention=luong|bahdanau|none`,
/// scored by greedy and beam-search exact match on held-out and longer strings; `--out
/// FILE.png|svg` draws the attention heat map of one long example.
fn seq2seq(a: &TrainArgs, settings: &[(String, String)]) -> Result<Report> {
    use breadth_nn::seq2seq::model::AttentionKind;
    use breadth_nn::seq2seq::reversal::{attention_heatmap, train_reversal, ReversalConfig};
    check_keys(
        "seq2seq",
        settings,
        &[
            "attention",
            "steps",
            "batch",
            "lr",
            "eval_per_length",
            "seed",
        ],
    )?;
    if a.checkpoint.is_some() {
        return Err(Error::param(
            "checkpoint",
            "seq2seq trains in one short run and writes no checkpoints",
        ));
    }
    let mut cfg = ReversalConfig::default();
    for (k, v) in settings {
        match k.as_str() {
            "attention" => {
                cfg.model.attention = match v.as_str() {
                    "luong" => AttentionKind::Luong,
                    "bahdanau" => AttentionKind::Bahdanau,
                    "none" => AttentionKind::None,
                    _ => {
                        return Err(Error::param(
                            "attention",
                            "expected luong, bahdanau or none",
                        ))
                    }
                }
            }
            "steps" => cfg.steps = parse_param(k, v)?,
            "batch" => cfg.batch = parse_param(k, v)?,
            "lr" => cfg.lr = parse_param(k, v)?,
            "eval_per_length" => cfg.eval_per_length = parse_param(k, v)?,
            _ => cfg.seed = parse_param(k, v)?,
        }
    }
    let run = train_reversal(&cfg, |step, loss| eprintln!("step {step}: loss {loss:.4}"))?;
    let r = &run.report;
    let mut report = Report {
        model: format!("seq2seq ({:?} attention)", cfg.model.attention).to_lowercase(),
        train_loss: r.losses.clone(),
        ..Report::default()
    };
    for (name, set) in [
        ("held-out same lengths", &r.same_length),
        ("longer strings", &r.longer),
    ] {
        report.scores.push((
            format!("exact match greedy, {name}"),
            ReversalReport::mean_greedy(set),
        ));
        report.scores.push((
            format!("exact match beam, {name}"),
            ReversalReport::mean_beam(set),
        ));
    }
    if let Some(path) = &a.out {
        let (src, out, weights) = &r.example;
        attention_heatmap(weights, src, out, path)?;
        report.saved = Some(path.display().to_string());
    }
    Ok(report)
}

/// The delayed-recall task for a vanilla RNN, an LSTM or a GRU: accuracy after training and
/// the gradient norm of the loss with respect to each hidden state by distance to the loss.
fn delayed_recall(a: &TrainArgs, settings: &[(String, String)]) -> Result<Report> {
    use breadth_nn::recurrent::cell::{CellKind, Nonlinearity};
    use breadth_nn::recurrent::demo::{train_delayed_recall, RecallConfig};
    check_keys(
        &a.model,
        settings,
        &["length", "hidden", "steps", "lr", "seed"],
    )?;
    if a.checkpoint.is_some() || a.out.is_some() {
        return Err(Error::param(
            "checkpoint/out",
            "the delayed-recall demonstration writes no checkpoints or model files",
        ));
    }
    let kind = match a.model.as_str() {
        "rnn" => CellKind::Rnn(Nonlinearity::Tanh),
        "lstm" => CellKind::Lstm,
        _ => CellKind::Gru,
    };
    let mut cfg = RecallConfig::new(kind);
    for (k, v) in settings {
        match k.as_str() {
            "length" => cfg.task.length = parse_param(k, v)?,
            "hidden" => cfg.hidden = parse_param(k, v)?,
            "steps" => cfg.steps = parse_param(k, v)?,
            "lr" => cfg.lr = parse_param(k, v)?,
            _ => cfg.seed = parse_param(k, v)?,
        }
    }
    let r = train_delayed_recall(&cfg)?;
    let mut report = Report {
        model: format!("{} on delayed recall, length {}", a.model, cfg.task.length),
        scores: vec![("accuracy".into(), r.accuracy)],
        train_loss: r.losses.clone(),
        ..Report::default()
    };
    report
        .notes
        .push("|dL/dh_t| by distance to the loss (initial -> trained):".into());
    let n = r.grad_norms_init.len();
    for d in [0, 5, 10, 20, 40, n.saturating_sub(1)] {
        if d < n {
            report.notes.push(format!(
                "  distance {d:>3}: {:.3e} -> {:.3e}",
                r.grad_norms_init[d], r.grad_norms_trained[d]
            ));
        }
    }
    Ok(report)
}

fn table(spec: &str) -> Result<(Dataset, Schema)> {
    DataArgs {
        data: spec.to_string(),
        target: None,
        task: TaskArg::Auto,
        one_hot: false,
        keep_missing: false,
        semi_supervised: false,
    }
    .load()
}

fn accuracy<C: Classifier>(model: &C, data: &Dataset) -> Result<f64> {
    let pred = model.predict(data.features())?;
    let (truth, _) = data.class_target(model.model_name())?;
    Ok(pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64)
}

/// Fit on a stratified training share, score on the rest, save the fitted model with the
/// record of its columns (so `breadth predict` reads new data the same way).
fn classifier<P>(
    a: &TrainArgs,
    kind: &str,
    params: &P,
    history: impl Fn(&P::Fitted) -> History,
) -> Result<Report>
where
    P: Fit,
    P::Fitted: Classifier + Serialize,
{
    let spec = a.data.as_deref().unwrap_or("builtin:digits");
    let (data, schema) = table(spec)?;
    let (tr, te) = holdout(&data, a.test_size, 0)?;
    let model = params.fit(&data.select(&tr))?;
    let test = data.select(&te);
    let mut report = Report {
        model: kind.into(),
        scores: vec![
            (
                "train accuracy".into(),
                accuracy(&model, &data.select(&tr))?,
            ),
            ("test accuracy".into(), accuracy(&model, &test)?),
        ],
        train_loss: history(&model).train_loss,
        ..Report::default()
    };
    if let Some(path) = &a.out {
        let meta =
            serde_json::to_value(&schema).map_err(|e| Error::param("schema", e.to_string()))?;
        let bytes =
            model_file::with_metadata(&model_file::to_bytes(kind, &model)?, meta, "<memory>")?;
        model_file::write_atomic(path, &bytes)?;
        report.saved = Some(path.display().to_string());
    }
    Ok(report)
}

fn transformer(a: &TrainArgs, p: &ReversalParams) -> Result<Report> {
    let run = p.fit()?;
    let mut report = Report {
        model: "transformer".into(),
        train_loss: run.history.train_loss.clone(),
        ..Report::default()
    };
    report.scores = reversal_scores(&run.model, &run.split.test, &run.split.long)?;
    for s in run.split.test.iter().chain(&run.split.long).take(3) {
        let out = breadth_nn::transformer::reversal::reverse(&run.model, s)?;
        report.notes.push(format!("{s} -> {out}"));
    }
    if let Some(path) = &a.out {
        let saved = SavedReversal {
            transformer: run.model.to_saved()?,
            task: p.task.clone(),
            data_seed: p.data_seed,
        };
        model_file::save(path, TRANSFORMER_KIND, &saved)?;
        report.saved = Some(path.display().to_string());
    }
    Ok(report)
}

fn reversal_scores(
    m: &Transformer,
    test: &[String],
    long: &[String],
) -> Result<Vec<(String, f64)>> {
    let mut s = Vec::new();
    if !test.is_empty() {
        s.push((
            "exact match, held-out same lengths".into(),
            exact_match(m, test, 256)?,
        ));
    }
    if !long.is_empty() {
        s.push((
            "exact match, longer strings".into(),
            exact_match(m, long, 256)?,
        ));
    }
    Ok(s)
}

fn read_text(spec: &str) -> Result<String> {
    match spec.strip_prefix("builtin:") {
        Some("shakespeare") => breadth_data::datasets::shakespeare(),
        Some(other) => Err(Error::param(
            "data",
            format!("word2vec reads text: builtin:shakespeare or a file, not builtin:{other}"),
        )),
        None => std::fs::read_to_string(spec).map_err(|e| Error::io(spec, e)),
    }
}

const PROBES: [&str; 8] = [
    "king", "queen", "love", "death", "lord", "night", "good", "sword",
];

fn neighbour_notes(m: &Word2Vec) -> Vec<String> {
    PROBES
        .iter()
        .filter_map(|w| {
            let near = m.most_similar(w, 5).ok()?;
            let list: Vec<String> = near.iter().map(|(n, s)| format!("{n} ({s:.2})")).collect();
            Some(format!("{w}: {}", list.join(", ")))
        })
        .collect()
}

fn word2vec(a: &TrainArgs, p: &Word2VecParams) -> Result<Report> {
    let text = read_text(a.data.as_deref().unwrap_or("builtin:shakespeare"))?;
    let m = p.fit(&text)?;
    let mut report = Report {
        model: "word2vec".into(),
        scores: vec![("vocabulary".into(), m.vocab_size() as f64)],
        notes: neighbour_notes(&m),
        ..Report::default()
    };
    if let Some(path) = &a.out {
        m.save(path)?;
        report.saved = Some(path.display().to_string());
    }
    Ok(report)
}

fn run_eval(a: &EvalArgs) -> Result<Report> {
    let source = a.model.display().to_string();
    let bytes = std::fs::read(&a.model).map_err(|e| Error::io(&a.model, e))?;
    let (header, _) = model_file::read_header(&bytes, &source)?;
    match header.kind.as_str() {
        TRANSFORMER_KIND => {
            let saved: SavedReversal = model_file::from_bytes(&bytes, TRANSFORMER_KIND, &source)?;
            let m = Transformer::from_saved(&saved.transformer)?;
            let (test, long) = match a.data.as_deref().unwrap_or("reversal") {
                "reversal" => {
                    let split = saved.task.generate(saved.data_seed)?;
                    (split.test, split.long)
                }
                path => {
                    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                    let lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
                    (lines.map(String::from).collect(), Vec::new())
                }
            };
            Ok(Report {
                model: "transformer".into(),
                scores: reversal_scores(&m, &test, &long)?,
                ..Report::default()
            })
        }
        "word2vec" => {
            let m = Word2Vec::from_bytes(&bytes, &source)?;
            Ok(Report {
                model: "word2vec".into(),
                scores: vec![("vocabulary".into(), m.vocab_size() as f64)],
                notes: neighbour_notes(&m),
                ..Report::default()
            })
        }
        kind => {
            let spec = a.data.as_deref().ok_or_else(|| {
                Error::param(
                    "data",
                    format!("evaluating a {kind} needs --data with a target"),
                )
            })?;
            let model = load_any(&all_models(), &bytes, &source)?;
            // Read the table as the model's training table was read (same encodings and order).
            let data = match header.metadata {
                Some(meta) => {
                    let schema: Schema =
                        serde_json::from_value(meta).map_err(|e| Error::ModelFile {
                            path: source.clone(),
                            reason: format!("unreadable record of the training columns: {e}"),
                        })?;
                    load_like(spec, &schema)?
                }
                None => breadth_data::load(spec, &Default::default())?.dataset,
            };
            let (truth, _) = data.class_target(kind)?;
            let score = match model.predict(data.features())? {
                Predictions::Classes { labels, .. } => {
                    labels.iter().zip(truth).filter(|(a, b)| a == b).count() as f64
                        / truth.len() as f64
                }
                _ => {
                    return Err(Error::unsupported(
                        kind.to_string(),
                        "evaluation by nn eval",
                    ))
                }
            };
            Ok(Report {
                model: kind.into(),
                scores: vec![("accuracy".into(), score)],
                ..Report::default()
            })
        }
    }
}
