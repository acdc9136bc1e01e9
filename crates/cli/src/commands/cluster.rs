//! `breadth cluster ALGO --data ...`: fit a registered clustering, write each row's cluster, and
//! report internal metrics (and agreement with the true labels when the data has classes).

use std::path::PathBuf;

use breadth_classic::cluster::agglomerative::{dendrogram, AgglomerativeParams};
use breadth_core::registry::{configure, Task};
use breadth_core::{Clusterer, Error, Fit, Result, Target};
use breadth_metrics::clustering::{
    adjusted_rand_index, calinski_harabasz, normalized_mutual_info, silhouette_score, AverageMethod,
};
use serde::Serialize;

use crate::data_args::DataArgs;
use crate::output::{parse_settings, predictions_csv, print_json, write_text};
use crate::registry::find;

/// Arguments of `breadth cluster`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A registered clustering (kmeans, dbscan, gaussian-mixture, agglomerative, ...).
    algo: String,
    #[command(flatten)]
    data: DataArgs,
    /// A hyper-parameter, `key=value`; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Seed for methods with randomness.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the cluster of every row to this CSV file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw the merge tree of `agglomerative` to this .png or .svg file (SciPy's layout).
    #[arg(long, value_name = "FILE")]
    dendrogram: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    algo: String,
    rows: usize,
    clusters: usize,
    noise: usize,
    metrics: Vec<(String, f64)>,
}

/// Fit agglomerative clustering, draw its dendrogram to `path` and return the labels.
fn fit_and_draw_dendrogram(
    algo: &str,
    settings: &[(String, String)],
    data: &breadth_core::Dataset,
    path: &std::path::Path,
) -> Result<ndarray::Array1<i64>> {
    if algo != "agglomerative" {
        return Err(Error::param(
            "dendrogram",
            format!("only agglomerative clustering has a merge tree, not `{algo}`"),
        ));
    }
    let model =
        configure::<AgglomerativeParams>(algo, settings)?.fit(&data.clone().without_target())?;
    let layout = dendrogram(model.linkage_matrix());
    let leaves: Vec<String> = layout.leaves.iter().map(usize::to_string).collect();
    breadth_metrics::plot::plot_dendrogram(
        &layout.icoord,
        &layout.dcoord,
        &leaves,
        "Agglomerative clustering dendrogram",
        path,
    )?;
    eprintln!("dendrogram written to {}", path.display());
    Ok(model.labels().clone())
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let spec = find(&args.algo)?;
    if spec.task != Task::Clustering {
        return Err(Error::param(
            "ALGO",
            format!("`{}` is a {} model, not a clustering", spec.name, spec.task),
        ));
    }
    let mut settings = parse_settings(&args.settings)?;
    if spec.has_param("seed") && !settings.iter().any(|(k, _)| k == "seed") {
        settings.push(("seed".into(), args.seed.to_string()));
    }
    let (data, _) = args.data.load()?;
    let truth = data.target().cloned();
    let labels = match &args.dendrogram {
        Some(path) => fit_and_draw_dendrogram(spec.name, &settings, &data, path)?,
        None => spec
            .fit_with(&settings, &data.clone().without_target())?
            .cluster_labels()
            .expect("clusterings label their rows"),
    };
    let clusters = labels
        .iter()
        .filter(|&&l| l >= 0)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let noise = labels.iter().filter(|&&l| l < 0).count();
    let mut metrics = Vec::new();
    if clusters >= 2 && clusters < data.n_samples() {
        metrics.push((
            "silhouette".into(),
            silhouette_score(data.features(), labels.view())?,
        ));
        metrics.push((
            "calinski_harabasz".into(),
            calinski_harabasz(data.features(), labels.view())?,
        ));
    }
    if let Some(Target::Classes { labels: truth, .. }) = &truth {
        metrics.push((
            "adjusted_rand_index".into(),
            adjusted_rand_index(truth.view(), labels.view())?,
        ));
        metrics.push((
            "normalized_mutual_info".into(),
            normalized_mutual_info(truth.view(), labels.view(), AverageMethod::default())?,
        ));
    }
    if let Some(path) = &args.out {
        write_text(
            Some(path),
            &predictions_csv(&breadth_core::registry::Predictions::Clusters(labels), None),
        )?;
    }
    let report = Report {
        algo: spec.name.into(),
        rows: data.n_samples(),
        clusters,
        noise,
        metrics,
    };
    if args.json {
        return print_json(&report);
    }
    println!(
        "{} on {}: {} clusters, {} noise rows",
        report.algo, args.data.data, clusters, noise
    );
    for (name, v) in &report.metrics {
        println!("  {name:<24} {v:.4}");
    }
    Ok(())
}
