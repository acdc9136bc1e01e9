//! Benchmark side of bench/outliers.py: IsolationForest (100 trees, 256 rows each).
//!
//! Usage: bench_outlier_iforest X.npy TRUTH.npy
//! Prints {"seconds": fit + scoring every row, "quality": ROC AUC of the scores against TRUTH}.

use std::path::Path;
use std::time::Instant;

use breadth_classic::outlier::{IsolationForestParams, OutlierDetector};
use breadth_core::{Dataset, Fit};
use ndarray::Array1;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let x = breadth_data::npy::read(Path::new(&args[1]))?;
    let truth: Array1<usize> = breadth_data::npy::read(Path::new(&args[2]))?
        .column(0)
        .mapv(|v| v as usize);
    let data = Dataset::new(x);
    let start = Instant::now();
    let model = IsolationForestParams::default().seed(0).fit(&data)?;
    let scores = model.score_samples(data.features())?;
    let seconds = start.elapsed().as_secs_f64();
    let quality = breadth_metrics::curves::roc_auc(truth.view(), (-&scores).view())?;
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
    Ok(())
}
