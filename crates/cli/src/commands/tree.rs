//! `breadth tree export MODEL-FILE`: print the trees of a saved decision tree, random forest,
//! extra-trees or histogram GBDT model as indented text or Graphviz DOT.

use std::path::PathBuf;

use breadth_classic::tree::{export_model, ExportFormat};
use breadth_core::{model_file, Error, Result};

use crate::data_args::Schema;
use crate::output::write_text;

/// Arguments of `breadth tree`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print a saved tree model's trees (text: all of them unless --tree-index; DOT: one).
    Export(ExportArgs),
}

/// Arguments of `breadth tree export`.
#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// A model file written by `breadth fit --save` (a tree, forest or gbdt model).
    model: PathBuf,
    /// `text` (indented, one line per test) or `dot` (Graphviz).
    #[arg(long, default_value = "text")]
    format: ExportFormat,
    /// Write to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Export only this tree (a GBDT's trees are round-major: round m, class c is m * K + c).
    #[arg(long)]
    tree_index: Option<usize>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    match &args.action {
        Action::Export(a) => export(a),
    }
}

fn export(a: &ExportArgs) -> Result<()> {
    let source = a.model.display().to_string();
    let bytes = std::fs::read(&a.model).map_err(|e| Error::io(&a.model, e))?;
    let (header, _) = model_file::read_header(&bytes, &source)?;
    // The training columns' names, recorded by `breadth fit --save`; `x{j}` without them.
    let names = header
        .metadata
        .and_then(|m| serde_json::from_value::<Schema>(m).ok())
        .map_or_else(Vec::new, |s| s.feature_names);
    let text = export_model(&bytes, &source, a.format, a.tree_index, &names)?;
    write_text(a.out.as_deref(), &text)
}
