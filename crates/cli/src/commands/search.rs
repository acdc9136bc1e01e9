//! `breadth search MODEL --data ... --grid key=a,b | --random key=DIST`: cross-validated grid or
//! random search over a model's (or a pipeline's `STEP__key`) settings; prints the candidates
//! ranked and can save the best, refitted on every row.

use std::path::PathBuf;

use breadth_core::{model_file, Dataset, Error, Result};
use breadth_data::model_selection::cross_validate::CvOptions;
use breadth_data::model_selection::search::{
    expand_grid, parse_grid_arg, parse_space_arg, sample_candidates, search_cv, SearchOptions,
};
use serde::Serialize;

use super::cv::SelectionArgs;
use crate::output::print_json;

/// Arguments of `breadth search`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    sel: SelectionArgs,
    /// A grid dimension, `key=v1,v2,...`; repeat for more (every combination is tried).
    #[arg(long, value_name = "KEY=V1,V2", conflicts_with = "random")]
    grid: Vec<String>,
    /// A random-search dimension: `key=v1,v2`, `key=uniform:a,b`, `key=loguniform:a,b` or
    /// `key=int:a,b` (both ends included); repeatable.
    #[arg(long, value_name = "KEY=DIST")]
    random: Vec<String>,
    /// Candidates drawn by a random search.
    #[arg(long, default_value_t = 10)]
    n_iter: usize,
    /// Save the best candidate, fitted on every row, to this file.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Row {
    rank: usize,
    settings: Vec<(String, String)>,
    mean: Vec<f64>,
    std: Vec<f64>,
    mean_fit_seconds: f64,
    error: Option<String>,
}

#[derive(Serialize)]
struct Report {
    model: String,
    data: String,
    splitter: String,
    metrics: Vec<String>,
    best: Vec<(String, String)>,
    best_score: f64,
    candidates: Vec<Row>,
    saved: Option<String>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let candidates = if !args.grid.is_empty() {
        let grid = args
            .grid
            .iter()
            .map(|g| parse_grid_arg(g))
            .collect::<Result<Vec<_>>>()?;
        expand_grid(&grid)?
    } else if !args.random.is_empty() {
        let space = args
            .random
            .iter()
            .map(|g| parse_space_arg(g))
            .collect::<Result<Vec<_>>>()?;
        sample_candidates(&space, args.n_iter, args.sel.seed)?
    } else {
        return Err(Error::param(
            "grid",
            "give the settings to search with --grid key=a,b or --random key=DIST",
        ));
    };
    let (model, settings, data, schema) = args.sel.prepare()?;
    let splitter = args.sel.splitter(&data)?;
    let fit = |s: &[(String, String)], d: &Dataset| model.fit_with(&settings, s, d);
    let opts = SearchOptions {
        cv: CvOptions {
            metrics: args.sel.metrics.clone(),
            ..CvOptions::default()
        },
        refit: args.save.is_some(),
    };
    let res = search_cv(&fit, &candidates, &data, splitter.as_ref(), &opts)?;
    if let (Some(path), Some(best)) = (&args.save, &res.best_model) {
        let meta = serde_json::to_value(&schema).expect("schema serializes");
        let bytes = model_file::with_metadata(&best.to_file_bytes()?, meta, "<memory>")?;
        model_file::write_atomic(path, &bytes)?;
    }
    let report = Report {
        model: args.sel.model.clone(),
        data: args.sel.data.data.clone(),
        splitter: format!("{splitter:?}"),
        metrics: res.metrics.clone(),
        best: res.best_settings().clone(),
        best_score: res.best_score(),
        candidates: res
            .candidates
            .iter()
            .map(|c| Row {
                rank: c.rank,
                settings: c.settings.clone(),
                mean: c.mean.clone(),
                std: c.std.clone(),
                mean_fit_seconds: c.mean_fit_seconds,
                error: c.error.clone(),
            })
            .collect(),
        saved: args.save.as_ref().map(|p| p.display().to_string()),
    };
    if args.json {
        return print_json(&report);
    }
    println!(
        "{} on {} ({} rows x {} features), {} candidates, {}",
        report.model,
        report.data,
        data.n_samples(),
        data.n_features(),
        report.candidates.len(),
        report.splitter
    );
    print!("{}", res.table());
    let best: Vec<String> = report
        .best
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!(
        "best: {} ({} {:.6})",
        best.join(" "),
        report.metrics[0],
        report.best_score
    );
    if let Some(saved) = &report.saved {
        println!("saved to {saved} (fitted on all {} rows)", data.n_samples());
    }
    Ok(())
}
