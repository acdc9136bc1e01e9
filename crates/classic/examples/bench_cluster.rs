//! Benchmark side of `bench/unsupervised.py` for clustering: reads `X.npy`, fits one model,
//! times the fit (not the loading) and prints `{"seconds": .., "quality": ..}`; the labels go to
//! `labels.npy` when an output path is given, so the script scores both sides the same way.
//!
//! Usage: `bench_cluster ALGO X.npy [LABELS_OUT.npy] [key=value ...]` with ALGO one of kmeans,
//! minibatch-kmeans, dbscan, gaussian-mixture. Quality: inertia (k-means), mean log-likelihood
//! (GMM), number of clusters (DBSCAN; the script replaces it by the ARI).

use std::path::Path;
use std::time::Instant;

use breadth_classic::cluster::dbscan::DbscanParams;
use breadth_classic::cluster::gmm::GaussianMixtureParams;
use breadth_classic::cluster::kmeans::KMeansParams;
use breadth_classic::cluster::minibatch_kmeans::MiniBatchKMeansParams;
use breadth_core::registry::configure;
use breadth_core::{Clusterer, Dataset, Fit};
use ndarray::{Array1, Array2};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let algo = args.get(1).ok_or("missing ALGO")?.as_str();
    let x = breadth_data::npy::read(Path::new(args.get(2).ok_or("missing X.npy")?))?;
    let out = args.get(3).filter(|a| !a.contains('='));
    let settings: Vec<(String, String)> = args[3..]
        .iter()
        .filter_map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let ds = Dataset::new(x);
    let t0 = Instant::now();
    let (labels, quality): (Array1<i64>, f64) = match algo {
        "kmeans" => {
            let m = configure::<KMeansParams>(algo, &settings)?.fit(&ds)?;
            (m.labels().clone(), m.inertia())
        }
        "minibatch-kmeans" => {
            let m = configure::<MiniBatchKMeansParams>(algo, &settings)?.fit(&ds)?;
            (m.labels().clone(), m.inertia())
        }
        "dbscan" => {
            let m = configure::<DbscanParams>(algo, &settings)?.fit(&ds)?;
            (m.labels().clone(), m.n_clusters() as f64)
        }
        "gaussian-mixture" => {
            let m = configure::<GaussianMixtureParams>(algo, &settings)?.fit(&ds)?;
            let s = m.score(ds.features())?;
            (m.labels().clone(), s)
        }
        other => return Err(format!("unknown ALGO {other}").into()),
    };
    let seconds = t0.elapsed().as_secs_f64();
    if let Some(path) = out {
        let col = Array2::from_shape_fn((labels.len(), 1), |(i, _)| labels[i] as f64);
        breadth_data::npy::write(Path::new(path), &col.view())?;
    }
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
    Ok(())
}
