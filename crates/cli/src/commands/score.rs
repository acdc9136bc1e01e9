//! `breadth score --truth FILE --pred FILE [--proba FILE]`: every applicable metric of a
//! predictions file (as `breadth predict` writes them) against the truth, optionally with a plot.

use std::collections::BTreeSet;
use std::path::PathBuf;

use breadth_core::registry::Predictions;
use breadth_core::{Error, Result, Target};
use breadth_data::csv::{read_csv_path, CsvOptions, HeaderMode, TargetColumn};
use breadth_metrics::classification::{classification_report, Average, ZeroDivision};
use breadth_metrics::summary::all_applicable;
use ndarray::{Array1, Array2};

use crate::output::print_json;

/// Arguments of `breadth score`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One column of true labels or values (a header line is optional).
    #[arg(long)]
    truth: PathBuf,
    /// One column of predicted labels or values, as `breadth predict` writes.
    #[arg(long)]
    pred: PathBuf,
    /// Class probabilities, one column per class named after it (`breadth predict --proba`).
    #[arg(long)]
    proba: Option<PathBuf>,
    /// Averaging for precision/recall/F: binary, micro, macro, weighted.
    #[arg(long)]
    average: Option<String>,
    /// Draw the ROC curve (binary, with --proba) or the confusion matrix to a .png or .svg file.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The cells of the first column of a file, header dropped when there is one.
fn column(path: &std::path::Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let source = path.display().to_string();
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if breadth_data::csv::header_names(&text, &source).is_some()
        || lines
            .first()
            .is_some_and(|l| matches!(l.trim(), "prediction" | "truth" | "target" | "label"))
    {
        lines.remove(0);
    }
    if lines.is_empty() {
        return Err(Error::EmptyInput {
            what: source,
            detail: "no values".into(),
        });
    }
    Ok(lines
        .iter()
        .map(|l| l.split(',').next().unwrap_or("").trim().to_string())
        .collect())
}

fn numeric(values: &[String]) -> Option<Vec<f64>> {
    values
        .iter()
        .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect()
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let truth_cells = column(&args.truth)?;
    let pred_cells = column(&args.pred)?;
    if truth_cells.len() != pred_cells.len() {
        return Err(Error::shape(
            "truth and prediction rows",
            truth_cells.len(),
            pred_cells.len(),
        ));
    }
    // Continuous when both columns are numbers and the truth is not a handful of integers.
    let regression = match (numeric(&truth_cells), numeric(&pred_cells)) {
        (Some(t), Some(_)) => {
            let distinct: BTreeSet<_> = truth_cells.iter().collect();
            !(t.iter().all(|v| v.fract() == 0.0) && distinct.len() <= 20)
        }
        _ => false,
    };
    let (truth, pred, names) = if regression {
        let t = Array1::from(numeric(&truth_cells).expect("checked"));
        let p = Array1::from(numeric(&pred_cells).expect("checked"));
        (Target::Continuous(t), Predictions::Values(p), Vec::new())
    } else {
        let mut names: Vec<String> = truth_cells
            .iter()
            .chain(&pred_cells)
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if let Some(nums) = numeric(&names) {
            let mut order: Vec<usize> = (0..names.len()).collect();
            order.sort_by(|&a, &b| nums[a].total_cmp(&nums[b]));
            names = order.into_iter().map(|i| names[i].clone()).collect();
        }
        let code = |c: &String| names.iter().position(|n| n == c).expect("name is known");
        let labels: Array1<usize> = truth_cells.iter().map(code).collect();
        let predicted: Array1<usize> = pred_cells.iter().map(code).collect();
        (
            Target::classes(labels, names.clone())?,
            Predictions::Classes {
                labels: predicted,
                names: names.clone(),
            },
            names,
        )
    };
    let proba = match &args.proba {
        None => None,
        Some(path) => Some(read_proba(path, &names, truth.len())?),
    };
    let average = args.average.as_deref().map(Average::parse).transpose()?;
    let summary = all_applicable(&truth, &pred, proba.as_ref(), average)?;

    if let Some(path) = &args.plot {
        plot(path, &truth, &pred, proba.as_ref(), &names)?;
    }
    if args.json {
        return print_json(&summary);
    }
    for (name, value) in &summary.values {
        println!("{name:<28} {value:.6}");
    }
    for (name, why) in &summary.skipped {
        println!("{name:<28} skipped: {why}");
    }
    if let (Target::Classes { labels, .. }, Predictions::Classes { labels: p, .. }) =
        (&truth, &pred)
    {
        let report = classification_report(
            labels.view(),
            p.view(),
            Some(&names),
            ZeroDivision::default(),
        )?;
        println!("\n{report}");
    }
    Ok(())
}

fn read_proba(path: &std::path::Path, names: &[String], rows: usize) -> Result<Array2<f64>> {
    let opts = CsvOptions {
        header: HeaderMode::Auto,
        target: TargetColumn::None,
        ..CsvOptions::default()
    };
    let table = read_csv_path(path, &opts)?;
    let ds = table.dataset;
    if ds.n_samples() != rows {
        return Err(Error::shape(
            "probability rows against truth rows",
            rows,
            ds.n_samples(),
        ));
    }
    // Columns by class name when the header names them, else in class order.
    let cols: Vec<usize> = if names.iter().all(|n| ds.feature_names().contains(n)) {
        names
            .iter()
            .map(|n| {
                ds.feature_names()
                    .iter()
                    .position(|f| f == n)
                    .expect("present")
            })
            .collect()
    } else if ds.n_features() == names.len() {
        (0..names.len()).collect()
    } else {
        return Err(Error::shape(
            "probability columns (one per class)",
            names.len(),
            ds.n_features(),
        ));
    };
    Ok(ds.features().select(ndarray::Axis(1), &cols))
}

fn plot(
    path: &std::path::Path,
    truth: &Target,
    pred: &Predictions,
    proba: Option<&Array2<f64>>,
    names: &[String],
) -> Result<()> {
    use breadth_metrics::{classification::confusion_matrix, curves::roc_curve, plot};
    match (truth, pred, proba) {
        (Target::Classes { labels, .. }, _, Some(p)) if names.len() == 2 => {
            let roc = roc_curve(labels.view(), p.column(1), true)?;
            let label = format!("positive class `{}`", names[1]);
            plot::plot_roc(&[(label.as_str(), &roc)], path)
        }
        (Target::Classes { labels, .. }, Predictions::Classes { labels: p, .. }, _) => {
            let all: Vec<usize> = (0..names.len()).collect();
            let cm = confusion_matrix(labels.view(), p.view(), Some(&all), None)?;
            plot::plot_confusion_matrix(&cm, names, None, path)
        }
        _ => Err(Error::param(
            "plot",
            "plots need class labels (ROC: two classes and --proba)",
        )),
    }
}
