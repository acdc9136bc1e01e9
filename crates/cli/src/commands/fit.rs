//! `breadth fit MODEL --data ...`: held-out evaluation (K-fold or a test split), then a final fit
//! on every row, saved with the record of the training columns.

use std::path::PathBuf;

use breadth_core::registry::Task;
use breadth_core::{model_file, Result};
use serde::Serialize;

use crate::data_args::DataArgs;
use crate::evaluate::{cv_folds, fit_and_score, holdout, task_of, FoldScore};
use crate::output::{mean_std, parse_settings, predictions_csv, print_json, progress, write_text};
use crate::registry::find;

/// Arguments of `breadth fit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The model's registered name (see `breadth models`).
    model: String,
    #[command(flatten)]
    data: DataArgs,
    /// A hyper-parameter, `key=value`; repeat for several.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Evaluate by K-fold cross-validation (stratified for classes).
    #[arg(long, value_name = "K", conflicts_with = "test_size")]
    cv: Option<usize>,
    /// Evaluate on a held-out fraction of the rows (default 0.25 when --cv is not given).
    #[arg(long, value_name = "F")]
    test_size: Option<f64>,
    /// Seed for the split and for the model's own randomness (when it has a `seed`).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The metric to report (default: accuracy for classes, r2 for values).
    #[arg(long)]
    metric: Option<String>,
    /// Save the model, fitted on every row, to this file.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Write that final model's predictions on the input rows to this CSV file.
    #[arg(long)]
    predictions: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    model: String,
    data: String,
    rows: usize,
    features: usize,
    evaluation: String,
    metric: Option<String>,
    folds: Vec<FoldScore>,
    mean: Option<f64>,
    std: Option<f64>,
    saved: Option<String>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let spec = find(&args.model)?;
    let mut settings = parse_settings(&args.settings)?;
    if spec.has_param("seed") && !settings.iter().any(|(k, _)| k == "seed") {
        settings.push(("seed".into(), args.seed.to_string()));
    }
    let (data, schema) = args.data.load()?;
    let supervised = matches!(spec.task, Task::Classification | Task::Regression);
    let task = task_of(&data).filter(|_| supervised);

    let mut folds = Vec::new();
    let mut evaluation = "none".to_string();
    let metric = task.map(|t| {
        args.metric
            .clone()
            .unwrap_or_else(|| breadth_metrics::scorer::default_metric(t).into())
    });
    if let Some(metric) = &metric {
        let splits = match args.cv {
            Some(k) => {
                evaluation = format!("{k}-fold cross-validation");
                cv_folds(&data, k)?
            }
            None => {
                let f = args.test_size.unwrap_or(0.25);
                evaluation = format!("held-out {:.0}% of rows (seed {})", f * 100.0, args.seed);
                vec![holdout(&data, f, args.seed)?]
            }
        };
        let bar = progress(splits.len() as u64, "evaluating");
        for (train, test) in &splits {
            folds.push(fit_and_score(&spec, &settings, metric, &data, train, test)?);
            bar.inc(1);
        }
        bar.finish_and_clear();
    }

    let model = spec.fit_with(&settings, &data)?;
    if let Some(path) = &args.save {
        let meta = serde_json::to_value(&schema).expect("schema serializes");
        let bytes = model_file::with_metadata(&model.to_file_bytes()?, meta, "<memory>")?;
        model_file::write_atomic(path, &bytes)?;
    }
    if let Some(path) = &args.predictions {
        let pred = model.predict(data.features())?;
        write_text(Some(path), &predictions_csv(&pred, None))?;
    }

    let scores: Vec<f64> = folds.iter().map(|f| f.score).collect();
    let (mean, std) = mean_std(&scores);
    let report = Report {
        model: spec.name.into(),
        data: args.data.data.clone(),
        rows: data.n_samples(),
        features: data.n_features(),
        evaluation,
        metric: metric.clone(),
        mean: (!folds.is_empty()).then_some(mean),
        std: (!folds.is_empty()).then_some(std),
        folds,
        saved: args.save.as_ref().map(|p| p.display().to_string()),
    };
    if args.json {
        return print_json(&report);
    }
    println!(
        "{} on {} ({} rows x {} features)",
        report.model, report.data, report.rows, report.features
    );
    if let Some(metric) = &report.metric {
        println!("{}, {metric}:", report.evaluation);
        for (i, f) in report.folds.iter().enumerate() {
            println!(
                "  fold {:<3} {:>10.4}   fit {:.3} s",
                i + 1,
                f.score,
                f.fit_seconds
            );
        }
        println!("  mean     {mean:>10.4} ± {std:.4}");
    }
    if let Some(saved) = &report.saved {
        println!("saved to {saved} (fitted on all {} rows)", report.rows);
    }
    Ok(())
}
