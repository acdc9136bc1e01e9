//! `breadth drift --reference A.csv --current B.csv`: per-feature drift tests, PSI and adversarial
//! validation of a current table against a reference one.

use breadth_classic::drift::{detect_drift, AdversarialParams, DriftParams, DriftTest};
use breadth_core::Result;

use crate::data_args::{load_like, DataArgs, TaskArg};
use crate::output::print_json;

/// Arguments of `breadth drift`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The reference table (CSV/TSV or `builtin:NAME`).
    #[arg(long)]
    reference: String,
    /// The current table, with the reference's columns.
    #[arg(long)]
    current: String,
    /// A column to leave out (a target), by header name or index; default: none.
    #[arg(long)]
    target: Option<String>,
    /// Family-wise significance level (Bonferroni over the features).
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Zero-based indices of categorical columns (comma-separated); default: detected.
    #[arg(long, value_delimiter = ',')]
    categorical: Option<Vec<usize>>,
    /// Skip the adversarial classifier.
    #[arg(long)]
    no_adversarial: bool,
    /// Seed of the adversarial validation's folds.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let reference_args = DataArgs {
        data: args.reference.clone(),
        target: Some(args.target.clone().unwrap_or_else(|| "none".into())),
        task: TaskArg::Auto,
        one_hot: false,
        keep_missing: false,
        semi_supervised: false,
    };
    let (reference, schema) = reference_args.load()?;
    // Same text encodings and column order as the reference.
    let current = load_like(&args.current, &schema)?;
    let params = DriftParams {
        alpha: args.alpha,
        categorical: args.categorical.clone(),
        adversarial: (!args.no_adversarial).then(|| AdversarialParams {
            seed: args.seed,
            ..AdversarialParams::default()
        }),
        ..DriftParams::default()
    };
    let report = detect_drift(
        &params,
        reference.features(),
        current.features(),
        Some(reference.feature_names()),
    )?;
    if args.json {
        return print_json(&report);
    }
    println!(
        "{:<24} {:<6} {:>12} {:>12} {:>8}  drifted",
        "feature", "test", "statistic", "p-value", "PSI"
    );
    for f in &report.features {
        let test = match f.test {
            DriftTest::KolmogorovSmirnov => "KS",
            DriftTest::ChiSquared => "chi2",
        };
        println!(
            "{:<24} {:<6} {:>12.5} {:>12.3e} {:>8.4}  {}",
            f.name,
            test,
            f.statistic,
            f.p_value,
            f.psi,
            if f.drifted { "yes" } else { "no" }
        );
    }
    println!(
        "{} of {} features drifted (alpha {} / {} features)",
        report.n_drifted,
        report.features.len(),
        args.alpha,
        report.features.len()
    );
    if let Some(auc) = report.adversarial_auc {
        println!("adversarial validation ROC AUC: {auc:.4} (0.5 = indistinguishable)");
    }
    Ok(())
}
