//! `breadth generate NAME [--set key=value]... [--out FILE]`: a seeded synthetic dataset as CSV.
//!
//! The columns are the features (`x0, x1, ...`) then `target` (class names `0, 1, ...` for the
//! classification generators, values for regression), so the file reads straight back with
//! `--data FILE` in every other subcommand.

use std::fmt::Write;
use std::path::PathBuf;

use breadth_core::{Dataset, Error, Result, Target};

use crate::output::{parse_settings, print_json, write_text};

/// Arguments of `breadth generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The generator: classification, regression, blobs, moons or circles.
    name: Option<String>,
    /// Generator settings, for example `--set n_samples=500 --set noise=0.1 --set seed=3`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Write the CSV to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// List the generators and their parameters (as JSON with `--json`).
    #[arg(long)]
    list: bool,
    /// With `--list`, print JSON.
    #[arg(long)]
    json: bool,
}

/// The dataset as CSV text: features, then the target column when there is one.
fn dataset_csv(ds: &Dataset) -> String {
    let mut out = ds.feature_names().join(",");
    if ds.target().is_some() {
        out.push_str(",target");
    }
    out.push('\n');
    for (i, row) in ds.features().outer_iter().enumerate() {
        let cells: Vec<String> = row.iter().map(f64::to_string).collect();
        out.push_str(&cells.join(","));
        match ds.target() {
            Some(Target::Classes { labels, names }) => {
                let _ = write!(out, ",{}", names[labels[i]]);
            }
            Some(Target::Continuous(y)) => {
                let _ = write!(out, ",{}", y[i]);
            }
            _ => {}
        }
        out.push('\n');
    }
    out
}

fn list(json: bool) -> Result<()> {
    use breadth_data::generators::{params, NAMES};
    if json {
        let all: Vec<serde_json::Value> = NAMES
            .iter()
            .map(|n| {
                let ps: Vec<serde_json::Value> = params(n)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| serde_json::json!({"name": p.name, "default": p.default, "help": p.help}))
                    .collect();
                serde_json::json!({"generator": n, "params": ps})
            })
            .collect();
        return print_json(&all);
    }
    for n in NAMES {
        println!("{n}");
        for p in params(n).unwrap_or_default() {
            println!("    {:<22} {:<12} {}", p.name, p.default, p.help);
        }
    }
    Ok(())
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    if args.list {
        return list(args.json);
    }
    let name = args.name.as_deref().ok_or_else(|| {
        Error::param(
            "NAME",
            "give a generator (classification, regression, blobs, moons, circles) or --list",
        )
    })?;
    let ds = breadth_data::generators::generate(name, &parse_settings(&args.set)?)?;
    write_text(args.out.as_deref(), &dataset_csv(&ds))
}
