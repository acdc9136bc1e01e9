//! `breadth models`: every registered model with its parameters and defaults.

use breadth_core::Result;
use serde::Serialize;

use crate::output::print_json;
use crate::registry::all_models;

/// Arguments of `breadth models`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only models of this task (classification, regression, clustering, transformation).
    #[arg(long)]
    task: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Param {
    name: String,
    default: String,
    help: String,
}

#[derive(Serialize)]
struct Row {
    name: String,
    task: String,
    about: String,
    params: Vec<Param>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let rows: Vec<Row> = all_models()
        .into_iter()
        .filter(|m| args.task.as_deref().is_none_or(|t| m.task.to_string() == t))
        .map(|m| Row {
            name: m.name.into(),
            task: m.task.to_string(),
            about: m.about.into(),
            params: (m.params)()
                .into_iter()
                .map(|p| Param {
                    name: p.name.into(),
                    default: p.default,
                    help: p.help.into(),
                })
                .collect(),
        })
        .collect();
    if args.json {
        return print_json(&rows);
    }
    for r in rows {
        println!("{} ({}): {}", r.name, r.task, r.about);
        for p in r.params {
            println!("    {:<22} = {:<14} {}", p.name, p.default, p.help);
        }
    }
    Ok(())
}
