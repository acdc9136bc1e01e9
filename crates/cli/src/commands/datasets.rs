//! `breadth datasets`: the embedded datasets with rows, columns and task.

use breadth_core::Result;
use serde::Serialize;

use crate::output::print_json;

/// Arguments of `breadth datasets`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Row {
    name: String,
    rows: usize,
    columns: usize,
    task: String,
    description: String,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let rows: Vec<Row> = breadth_data::datasets::list()?
        .into_iter()
        .map(|d| Row {
            name: format!("builtin:{}", d.name),
            rows: d.n_samples,
            columns: d.n_features,
            task: d.task,
            description: d.description.to_string(),
        })
        .collect();
    if args.json {
        return print_json(&rows);
    }
    println!(
        "{:<22} {:>7} {:>8}  {:<28} description",
        "name", "rows", "columns", "task"
    );
    for r in rows {
        println!(
            "{:<22} {:>7} {:>8}  {:<28} {}",
            r.name, r.rows, r.columns, r.task, r.description
        );
    }
    Ok(())
}
