//! `breadth cv MODEL --data ...`: cross-validate one model (or a pipeline `a+b+c` of registered
//! models) with a chosen splitter and any number of metrics; optionally write the out-of-fold
//! predictions. Also home of the arguments `search` shares.

use std::path::PathBuf;

use breadth_core::registry::{DynModel, Task};
use breadth_core::{Dataset, Error, Result};
use breadth_data::model_selection::cross_validate::{cross_val_predict, cross_validate, CvOptions};
use breadth_data::model_selection::split::{
    KFold, LeaveOneOut, RepeatedKFold, RepeatedStratifiedKFold, Splitter, StratifiedKFold,
};
use breadth_data::pipeline::Pipeline;
use clap::ValueEnum;
use serde::Serialize;

use crate::data_args::{DataArgs, Schema};
use crate::evaluate::task_of;
use crate::output::{parse_settings, predictions_csv, print_json, write_text};
use crate::registry::find;

/// How rows are split into folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitterArg {
    /// Stratified k-fold for class targets, k-fold otherwise.
    Auto,
    /// K consecutive blocks of rows.
    Kfold,
    /// K folds keeping each class's share.
    Stratified,
    /// One row out at a time.
    Loo,
}

/// The model, data and splitting arguments shared by `cv` and `search`.
#[derive(Debug, clap::Args)]
pub struct SelectionArgs {
    /// A registered model (see `breadth models`), or a pipeline `transformer+...+model`.
    pub model: String,
    #[command(flatten)]
    pub data: DataArgs,
    /// A hyper-parameter, `key=value` (`STEP__key=value` for a pipeline step); repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub settings: Vec<String>,
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    pub cv: usize,
    /// How to split.
    #[arg(long, value_enum, default_value_t = SplitterArg::Auto)]
    pub splitter: SplitterArg,
    /// Shuffle before splitting (with --seed).
    #[arg(long)]
    pub shuffle: bool,
    /// Repeat k-fold this many times with different shuffles.
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// Seed for shuffling and for models with their own randomness.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A metric to score (repeatable; default: accuracy for classes, r2 for values). The first
    /// ranks candidates in `search`.
    #[arg(long = "metric")]
    pub metrics: Vec<String>,
}

/// A single registered model or a pipeline of them, fitted with `key=value` settings.
pub enum Model {
    /// One model; settings go to it.
    Single(breadth_core::registry::ModelSpec),
    /// Steps; settings are `STEP__key`.
    Pipe(Pipeline),
}

impl Model {
    /// Fit with `base` settings followed by `extra` (the later wins).
    pub fn fit_with(
        &self,
        base: &[(String, String)],
        extra: &[(String, String)],
        data: &Dataset,
    ) -> Result<Box<dyn DynModel>> {
        let settings = [base, extra].concat();
        match self {
            Model::Single(spec) => spec.fit_with(&settings, data),
            Model::Pipe(p) => p.fit_with(&settings, data),
        }
    }
}

impl SelectionArgs {
    /// The model, its base settings (with the seed for steps that take one), the data and the
    /// record of its columns (for saving a model).
    pub fn prepare(&self) -> Result<(Model, Vec<(String, String)>, Dataset, Schema)> {
        let mut settings = parse_settings(&self.settings)?;
        let names: Vec<&str> = self.model.split('+').map(str::trim).collect();
        let specs = names.iter().map(|n| find(n)).collect::<Result<Vec<_>>>()?;
        let model = if specs.len() == 1 {
            let spec = specs.into_iter().next().expect("one spec");
            if spec.has_param("seed") && !settings.iter().any(|(k, _)| k == "seed") {
                settings.insert(0, ("seed".into(), self.seed.to_string()));
            }
            Model::Single(spec)
        } else {
            for (i, s) in specs.iter().enumerate() {
                if s.has_param("seed") {
                    settings.insert(0, (format!("{i}__seed"), self.seed.to_string()));
                }
            }
            Model::Pipe(Pipeline::new(
                specs.into_iter().map(|s| (s, Vec::new())).collect(),
            )?)
        };
        let (data, schema) = self.data.load()?;
        if task_of(&data).is_none() {
            return Err(Error::param(
                "data",
                "cross-validation needs a class or continuous target (see --target)",
            ));
        }
        Ok((model, settings, data, schema))
    }

    /// The splitter the arguments describe.
    pub fn splitter(&self, data: &Dataset) -> Result<Box<dyn Splitter>> {
        let classes = matches!(task_of(data), Some(Task::Classification));
        let stratified = match self.splitter {
            SplitterArg::Auto => classes,
            SplitterArg::Stratified => true,
            SplitterArg::Kfold => false,
            SplitterArg::Loo => return Ok(Box::new(LeaveOneOut)),
        };
        let (k, seed) = (self.cv, self.seed);
        Ok(match (stratified, self.repeats, self.shuffle) {
            (_, 0, _) => return Err(Error::param("repeats", "must be at least 1")),
            (true, 1, false) => Box::new(StratifiedKFold::new(k)),
            (true, 1, true) => Box::new(StratifiedKFold::new(k).shuffled(seed)),
            (true, r, _) => Box::new(RepeatedStratifiedKFold::new(k, r, seed)),
            (false, 1, false) => Box::new(KFold::new(k)),
            (false, 1, true) => Box::new(KFold::new(k).shuffled(seed)),
            (false, r, _) => Box::new(RepeatedKFold::new(k, r, seed)),
        })
    }
}

/// Arguments of `breadth cv`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    sel: SelectionArgs,
    /// Also score each fold's model on its training rows.
    #[arg(long)]
    train_score: bool,
    /// Write each row's out-of-fold prediction to this CSV file.
    #[arg(long)]
    predictions: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Fold {
    test: Vec<f64>,
    train: Option<Vec<f64>>,
    fit_seconds: f64,
    score_seconds: f64,
    n_train: usize,
    n_test: usize,
}

#[derive(Serialize)]
struct Report {
    model: String,
    data: String,
    splitter: String,
    metrics: Vec<String>,
    mean: Vec<f64>,
    std: Vec<f64>,
    folds: Vec<Fold>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let (model, settings, data, _) = args.sel.prepare()?;
    let splitter = args.sel.splitter(&data)?;
    let fit = |d: &Dataset| model.fit_with(&settings, &[], d);
    let opts = CvOptions {
        metrics: args.sel.metrics.clone(),
        return_train_score: args.train_score,
        ..CvOptions::default()
    };
    let cv = cross_validate(&fit, &data, splitter.as_ref(), &opts)?;
    if let Some(path) = &args.predictions {
        let pred = cross_val_predict(&fit, &data, splitter.as_ref(), true)?;
        write_text(Some(path), &predictions_csv(&pred, None))?;
    }
    let (mean, std) = cv
        .metrics
        .iter()
        .map(|m| cv.summary(m))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let report = Report {
        model: args.sel.model.clone(),
        data: args.sel.data.data.clone(),
        splitter: format!("{splitter:?}"),
        metrics: cv.metrics.clone(),
        mean,
        std,
        folds: cv
            .folds
            .iter()
            .map(|f| Fold {
                test: f.test.clone(),
                train: f.train.clone(),
                fit_seconds: f.fit_seconds,
                score_seconds: f.score_seconds,
                n_train: f.n_train,
                n_test: f.n_test,
            })
            .collect(),
    };
    if args.json {
        return print_json(&report);
    }
    println!(
        "{} on {} ({} rows x {} features), {}",
        report.model,
        report.data,
        data.n_samples(),
        data.n_features(),
        report.splitter
    );
    print!("{}", cv.table());
    if args.train_score {
        for m in &cv.metrics {
            let (mean, std) =
                breadth_data::model_selection::cross_validate::mean_std(&cv.train_scores(m)?);
            println!("train {m}: {mean:.6} ± {std:.6}");
        }
    }
    Ok(())
}
