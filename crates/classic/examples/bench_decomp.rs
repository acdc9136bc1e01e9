//! Benchmark side of `bench/unsupervised.py` for PCA and t-SNE: reads `X.npy`, times the fit and
//! prints `{"seconds": .., "quality": ..}`.
//!
//! Usage: `bench_decomp pca X.npy K` (quality: summed explained variance ratio of the K
//! components) or `bench_decomp tsne X.npy` (quality: final KL divergence; Barnes-Hut, PCA
//! initialisation, scikit-learn's defaults).

use std::path::Path;
use std::time::Instant;

use breadth_classic::decomposition::pca::{NComponents, PcaParams};
use breadth_classic::decomposition::tsne::TsneParams;
use breadth_core::{Dataset, Fit};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let algo = args.get(1).ok_or("missing ALGO")?.as_str();
    let x = breadth_data::npy::read(Path::new(args.get(2).ok_or("missing X.npy")?))?;
    let ds = Dataset::new(x);
    let t0 = Instant::now();
    let quality = match algo {
        "pca" => {
            let k: usize = args.get(3).ok_or("missing K")?.parse()?;
            let m = PcaParams::default()
                .n_components(NComponents::Count(k))
                .fit(&ds)?;
            m.explained_variance_ratio().sum()
        }
        "tsne" => TsneParams::default().fit(&ds)?.kl_divergence(),
        other => return Err(format!("unknown ALGO {other}").into()),
    };
    let seconds = t0.elapsed().as_secs_f64();
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
    Ok(())
}
