//! `breadth predict --model FILE --data ...`: predictions of a saved model as CSV.

use std::path::PathBuf;

use breadth_core::{model_file, Error, Result};

use crate::data_args::{load_like, Schema};
use crate::output::{predictions_csv, write_text};
use crate::registry::all_models;

/// Arguments of `breadth predict`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A model file written by `breadth fit --save`.
    #[arg(long)]
    model: PathBuf,
    /// A CSV/TSV file with the training columns, or `builtin:NAME`.
    #[arg(long)]
    data: String,
    /// Write class probabilities (one column per class) instead of labels.
    #[arg(long)]
    proba: bool,
    /// Write to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let source = args.model.display().to_string();
    let bytes = std::fs::read(&args.model).map_err(|e| Error::io(&args.model, e))?;
    let (header, _) = model_file::read_header(&bytes, &source)?;
    let model = breadth_data::pipeline::load_model(&all_models(), &bytes, &source)?;
    let schema: Schema = match header.metadata {
        Some(meta) => serde_json::from_value(meta).map_err(|e| Error::ModelFile {
            path: source.clone(),
            reason: format!("unreadable record of the training columns: {e}"),
        })?,
        None => Schema {
            data: String::new(),
            feature_names: Vec::new(),
            encodings: Vec::new(),
            target_column: None,
            keep_missing: false,
        },
    };
    let data = if schema.feature_names.is_empty() {
        breadth_data::load(&args.data, &Default::default())?.dataset
    } else {
        load_like(&args.data, &schema)?
    };
    let pred = model.predict(data.features())?;
    let proba = if args.proba {
        Some(model.predict_proba(data.features())?)
    } else {
        None
    };
    write_text(args.out.as_deref(), &predictions_csv(&pred, proba.as_ref()))
}
