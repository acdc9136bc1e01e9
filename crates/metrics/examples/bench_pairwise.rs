//! Benchmark side of `bench/metrics.py`: the Euclidean distance matrix of the rows of X.
//! Usage: bench_pairwise X.npy -> {"seconds": .., "quality": mean distance}

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use breadth_metrics::distance::{pairwise_distances, Metric};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let x = common::read_npy(&args[1]);
    let t0 = Instant::now();
    let d = pairwise_distances(x.view(), None, &Metric::Euclidean).expect("finite input");
    let seconds = t0.elapsed().as_secs_f64();
    let mean = d.mean().unwrap_or(0.0);
    println!("{{\"seconds\": {seconds}, \"quality\": {mean}}}");
}
