//! `breadth outliers ALGO --data ...`: fit an outlier detector, print how many rows it flags (and
//! the ROC AUC of its scores when the data has a binary target), optionally write per-row scores.

use std::fmt::Write as _;
use std::path::PathBuf;

use breadth_classic::outlier::{
    EllipticEnvelopeParams, IsolationForestParams, LocalOutlierFactorParams, OutlierDetector,
    UnivariateOutlierParams,
};
use breadth_core::registry::{configure, Configurable};
use breadth_core::{Clusterer, Dataset, Error, Fit, Result, Target};
use ndarray::Array1;
use serde::Serialize;

use crate::data_args::DataArgs;
use crate::output::{parse_settings, print_json, write_text};

/// Arguments of `breadth outliers`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// isolation-forest, lof, elliptic-envelope, zscore, modified-zscore or iqr.
    algo: String,
    #[command(flatten)]
    data: DataArgs,
    /// A hyper-parameter, `key=value` (see `breadth models`); repeat for several.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Seed of the randomized detectors.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write `score,label` per row (score: higher is more normal; label -1 outlier, 1 inlier).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    algo: String,
    data: String,
    rows: usize,
    features: usize,
    outliers: usize,
    roc_auc: Option<f64>,
}

/// Training-row scores and labels of a detector.
type Detection = (Array1<f64>, Array1<i64>);

fn detect<P>(name: &str, settings: &[(String, String)], data: &Dataset) -> Result<Detection>
where
    P: Fit + Configurable,
    P::Fitted: OutlierDetector + Clusterer,
{
    let model = configure::<P>(name, settings)?.fit(data)?;
    Ok((
        model.score_samples(data.features())?,
        model.labels().clone(),
    ))
}

/// Fit `algo` on `data` with `settings`: each training row's normality score and label.
pub fn run_detector(
    algo: &str,
    settings: &[(String, String)],
    data: &Dataset,
) -> Result<Detection> {
    let rule = |r: &str| {
        let mut s = vec![("rule".to_string(), r.to_string())];
        s.extend_from_slice(settings);
        s
    };
    match algo {
        "isolation-forest" | "iforest" => detect::<IsolationForestParams>(algo, settings, data),
        "elliptic-envelope" | "mcd" => detect::<EllipticEnvelopeParams>(algo, settings, data),
        "zscore" | "modified-zscore" | "iqr" => {
            detect::<UnivariateOutlierParams>(algo, &rule(algo), data)
        }
        "lof" | "local-outlier-factor" => {
            // LOF scores its training rows by their own factor, not as new rows.
            let model = configure::<LocalOutlierFactorParams>(algo, settings)?.fit(data)?;
            Ok((
                model.negative_outlier_factor().clone(),
                model.labels().clone(),
            ))
        }
        _ => Err(Error::param(
            "algo",
            format!(
                "unknown `{algo}`: expected isolation-forest, lof, elliptic-envelope, zscore, \
                 modified-zscore or iqr"
            ),
        )),
    }
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let mut data_args = args.data.clone();
    // Outlier detection is unsupervised: every column is a feature unless a target is named.
    data_args.target.get_or_insert_with(|| "none".into());
    let (data, _) = data_args.load()?;
    let mut settings = parse_settings(&args.settings)?;
    if matches!(
        args.algo.as_str(),
        "isolation-forest" | "iforest" | "elliptic-envelope" | "mcd"
    ) && !settings.iter().any(|(k, _)| k == "seed")
    {
        settings.push(("seed".into(), args.seed.to_string()));
    }
    let (scores, labels) = run_detector(&args.algo, &settings, &data)?;
    let roc_auc = match data.target() {
        Some(Target::Classes {
            labels: truth,
            names,
        }) if names.len() == 2 => Some(breadth_metrics::curves::roc_auc(
            truth.view(),
            (-&scores).view(),
        )?),
        _ => None,
    };
    if let Some(path) = &args.out {
        let mut csv = String::from("score,label\n");
        for (s, l) in scores.iter().zip(&labels) {
            writeln!(csv, "{s},{l}").expect("writing to a String");
        }
        write_text(Some(path), &csv)?;
    }
    let report = Report {
        algo: args.algo.clone(),
        data: args.data.data.clone(),
        rows: data.n_samples(),
        features: data.n_features(),
        outliers: labels.iter().filter(|&&l| l == -1).count(),
        roc_auc,
    };
    if args.json {
        return print_json(&report);
    }
    println!(
        "{}: {} of {} rows flagged as outliers ({} features)",
        report.algo, report.outliers, report.rows, report.features
    );
    if let Some(auc) = report.roc_auc {
        println!("ROC AUC of the scores against the second class of the target: {auc:.4}");
    }
    Ok(())
}
