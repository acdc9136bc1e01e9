//! Benchmark side of bench/outliers.py: IsolationForest (100 trees, 256 rows each) on the
//! overlapping-outlier mixture the script writes.
//!
//! Usage: bench_outlier_iforest X.npy TRUTH.npy
//! Prints {"seconds": fit + the scores of every row (from `fit_with_scores`), "quality": ROC AUC of the scores against TRUTH}.

use std::path::Path;
use std::time::Instant;

use breadth_classic::outlier::IsolationForestParams;
use breadth_core::Dataset;
use ndarray::Array1;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let x = breadth_data::npy::read(Path::new(&args[1]))?;
    let truth: Array1<usize> = breadth_data::npy::read(Path::new(&args[2]))?
        .column(0)
        .mapv(|v| v as usize);
    let data = Dataset::new(x);
    let start = Instant::now();
    // The fit scores the training rows for their labels; take those scores rather than
    // scoring twice.
    let (_, scores) = IsolationForestParams::default()
        .seed(0)
        .fit_with_scores(&data)?;
    let seconds = start.elapsed().as_secs_f64();
    let quality = breadth_metrics::curves::roc_auc(truth.view(), (-&scores).view())?;
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
    Ok(())
}
