//! Printing helpers shared by the subcommands: JSON for machines, aligned text for people,
//! progress bars only on a terminal.

use std::io::IsTerminal;

use breadth_core::{Error, Result};
use indicatif::{ProgressBar, ProgressStyle};

/// Print a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::param("json", format!("cannot serialize the output: {e}")))?;
    println!("{text}");
    Ok(())
}

/// A progress bar on stderr when it is a terminal; hidden otherwise (pipes, CI, tests).
pub fn progress(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Mean and (population) standard deviation.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Parse `key=value` settings.
pub fn parse_settings(raw: &[String]) -> Result<Vec<(String, String)>> {
    raw.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| Error::param("set", format!("expected key=value, got `{s}`")))
        })
        .collect()
}

/// Predictions as CSV text: one `prediction` column (class names for classifiers), or with
/// `proba` one column per class named after it.
pub fn predictions_csv(
    pred: &breadth_core::registry::Predictions,
    proba: Option<&ndarray::Array2<f64>>,
) -> String {
    use breadth_core::registry::Predictions;
    use std::fmt::Write;
    let mut out = String::new();
    match (pred, proba) {
        (Predictions::Classes { names, .. }, Some(p)) => {
            out.push_str(&names.join(","));
            out.push('\n');
            for row in p.outer_iter() {
                let cells: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
                out.push_str(&cells.join(","));
                out.push('\n');
            }
        }
        (Predictions::Classes { labels, names }, None) => {
            out.push_str("prediction\n");
            for &l in labels {
                let _ = writeln!(out, "{}", names[l]);
            }
        }
        (Predictions::Values(v), _) => {
            out.push_str("prediction\n");
            for x in v {
                let _ = writeln!(out, "{x}");
            }
        }
        (Predictions::Clusters(c), _) => {
            out.push_str("cluster\n");
            for x in c {
                let _ = writeln!(out, "{x}");
            }
        }
    }
    out
}

/// Write text to `path` atomically, or to stdout when there is no path.
pub fn write_text(path: Option<&std::path::Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => breadth_core::model_file::write_atomic(p, text.as_bytes()),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
