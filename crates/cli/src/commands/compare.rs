//! `breadth compare --data ...`: every registered model that fits the dataset's task,
//! cross-validated on the same folds, as a leaderboard (best first). It grows by itself as
//! crates register models.

use breadth_core::{Error, Result};
use serde::Serialize;

use crate::data_args::DataArgs;
use crate::evaluate::{cv_folds, fit_and_score, task_of};
use crate::output::{mean_std, print_json, progress};
use crate::registry::all_models;

/// Arguments of `breadth compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Only these models, comma separated (default: every applicable one).
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// Number of cross-validation folds.
    #[arg(long, default_value_t = 5)]
    cv: usize,
    /// The metric to rank by (default: accuracy for classes, r2 for values).
    #[arg(long)]
    metric: Option<String>,
    /// Seed for models with their own randomness.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Entry {
    model: String,
    mean: Option<f64>,
    std: Option<f64>,
    fit_seconds: Option<f64>,
    error: Option<String>,
}

#[derive(Serialize)]
struct Leaderboard {
    data: String,
    rows: usize,
    features: usize,
    metric: String,
    folds: usize,
    entries: Vec<Entry>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let (data, _) = args.data.load()?;
    let task = task_of(&data).ok_or_else(|| {
        Error::param(
            "data",
            "compare needs a class or continuous target (see --target)",
        )
    })?;
    let metric = args
        .metric
        .clone()
        .unwrap_or_else(|| breadth_metrics::scorer::default_metric(task).into());
    let mut specs: Vec<_> = all_models()
        .into_iter()
        .filter(|m| m.task == task)
        .collect();
    if !args.models.is_empty() {
        if let Some(unknown) = args
            .models
            .iter()
            .find(|n| !specs.iter().any(|s| s.name == n.as_str()))
        {
            let known: Vec<_> = specs.iter().map(|s| s.name).collect();
            return Err(Error::param(
                "models",
                format!(
                    "`{unknown}` is not a {task} model; applicable: {}",
                    known.join(", ")
                ),
            ));
        }
        specs.retain(|s| args.models.iter().any(|n| n == s.name));
    }
    let folds = cv_folds(&data, args.cv)?;
    let bar = progress((specs.len() * folds.len()) as u64, "comparing");
    let mut entries = Vec::new();
    for spec in &specs {
        let settings: Vec<(String, String)> = if spec.has_param("seed") {
            vec![("seed".into(), args.seed.to_string())]
        } else {
            Vec::new()
        };
        bar.set_message(spec.name);
        let outcome: Result<Vec<_>> = folds
            .iter()
            .map(|(train, test)| {
                let r = fit_and_score(spec, &settings, &metric, &data, train, test);
                bar.inc(1);
                r
            })
            .collect();
        entries.push(match outcome {
            Ok(scores) => {
                let (mean, std) = mean_std(&scores.iter().map(|f| f.score).collect::<Vec<_>>());
                let fit = scores.iter().map(|f| f.fit_seconds).sum::<f64>() / scores.len() as f64;
                Entry {
                    model: spec.name.into(),
                    mean: Some(mean),
                    std: Some(std),
                    fit_seconds: Some(fit),
                    error: None,
                }
            }
            // The metric itself being wrong is the user's error, not the model's.
            Err(e @ Error::InvalidParameter { .. }) if e.to_string().contains("metric") => {
                return Err(e)
            }
            Err(e) => Entry {
                model: spec.name.into(),
                mean: None,
                std: None,
                fit_seconds: None,
                error: Some(e.to_string()),
            },
        });
    }
    bar.finish_and_clear();
    let better = breadth_metrics::scorer::greater_is_better(&metric);
    entries.sort_by(|a, b| match (a.mean, b.mean) {
        (Some(x), Some(y)) if better => y.total_cmp(&x),
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.model.cmp(&b.model),
    });
    let board = Leaderboard {
        data: args.data.data.clone(),
        rows: data.n_samples(),
        features: data.n_features(),
        metric: metric.clone(),
        folds: folds.len(),
        entries,
    };
    if args.json {
        return print_json(&board);
    }
    println!(
        "{} ({} rows x {} features), {}-fold cross-validation, {}",
        board.data, board.rows, board.features, board.folds, board.metric
    );
    println!(
        "{:>4}  {:<32} {:>20} {:>12}",
        "rank", "model", metric, "fit time"
    );
    for (i, e) in board.entries.iter().enumerate() {
        match (e.mean, e.std, e.fit_seconds) {
            (Some(m), Some(s), Some(t)) => {
                println!(
                    "{:>4}  {:<32} {:>11.4} ± {:<6.4} {:>10.4} s",
                    i + 1,
                    e.model,
                    m,
                    s,
                    t
                )
            }
            _ => println!(
                "{:>4}  {:<32} failed: {}",
                "-",
                e.model,
                e.error.as_deref().unwrap_or("")
            ),
        }
    }
    Ok(())
}
