//! Benchmark side of `bench/metrics.py`: binary ROC AUC of many scores.
//! Usage: bench_roc_auc LABELS.npy SCORES.npy -> {"seconds": .., "quality": AUC}

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let labels = common::read_npy(&args[1]);
    let scores = common::read_npy(&args[2]);
    let y = labels.column(0).mapv(|v| v as usize);
    let s = scores.column(0).to_owned();
    let t0 = Instant::now();
    let auc = breadth_metrics::curves::roc_auc(y.view(), s.view()).expect("valid input");
    let seconds = t0.elapsed().as_secs_f64();
    println!("{{\"seconds\": {seconds}, \"quality\": {auc}}}");
}
