//! `breadth reduce ALGO --data ...`: a low-dimensional embedding (PCA, ICA, t-SNE, LDA, ...) as
//! CSV, and a scatter plot of its first two columns coloured by the class when there is one.

use std::path::PathBuf;

use breadth_core::{Result, Target};
use ndarray::Axis;

use crate::data_args::DataArgs;
use crate::output::{parse_settings, write_text};

/// Arguments of `breadth reduce`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `tsne` or a registered transformer (pca, fastica, truncated-svd, incremental-pca, ...).
    algo: String,
    #[command(flatten)]
    data: DataArgs,
    /// A hyper-parameter, `key=value`; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Write the embedding to this CSV file (stdout otherwise, unless --plot is given).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Scatter plot of the first two components, coloured by class, as .png or .svg.
    #[arg(long)]
    plot: Option<PathBuf>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let settings = parse_settings(&args.settings)?;
    let (data, _) = args.data.load()?;
    let (embedding, names) = breadth_classic::decomposition::embed(&args.algo, &settings, &data)?;
    if args.out.is_some() || args.plot.is_none() {
        let mut text = names.join(",");
        text.push('\n');
        for row in embedding.axis_iter(Axis(0)) {
            let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        write_text(args.out.as_deref(), &text)?;
    }
    if let Some(path) = &args.plot {
        if embedding.ncols() < 2 {
            return Err(breadth_core::Error::param(
                "plot",
                "needs at least two components",
            ));
        }
        let points: Vec<(f64, f64)> = embedding.outer_iter().map(|r| (r[0], r[1])).collect();
        let (groups, group_names) = match data.target() {
            Some(Target::Classes { labels, names }) => (labels.to_vec(), names.clone()),
            _ => (vec![0; points.len()], vec![String::new()]),
        };
        let title = format!("{} of {}", args.algo, args.data.data);
        breadth_metrics::plot::plot_scatter(
            &points,
            &groups,
            &group_names,
            &title,
            (&names[0], &names[1]),
            path,
        )?;
        eprintln!("plot written to {}", path.display());
    }
    Ok(())
}
