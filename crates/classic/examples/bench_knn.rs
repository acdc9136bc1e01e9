//! Benchmark side of `bench/neighbors.py`: k-NN classification (fit + predict) on .npy data.
//!
//! Usage: `bench_knn X_train.npy y_train.npy X_test.npy y_test.npy K`; prints
//! `{"seconds": fit + predict, "quality": test accuracy}`.

use std::path::Path;
use std::time::Instant;

use breadth_classic::neighbors::KNeighborsClassifierParams;
use breadth_core::{Classifier, Dataset, Fit, Target};
use breadth_data::npy;

fn labels(path: &str) -> Vec<usize> {
    npy::read(Path::new(path))
        .expect("labels")
        .iter()
        .map(|&v| v as usize)
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let x = npy::read(Path::new(&args[1])).expect("X_train");
    let y = labels(&args[2]);
    let xt = npy::read(Path::new(&args[3])).expect("X_test");
    let yt = labels(&args[4]);
    let k: usize = args[5].parse().expect("k");
    let n_classes = y.iter().max().map_or(1, |m| m + 1);
    let names = (0..n_classes).map(|c| c.to_string()).collect();
    let data = Dataset::new(x)
        .with_target(Target::classes(y, names).expect("labels"))
        .expect("data");
    let start = Instant::now();
    let model = KNeighborsClassifierParams::default()
        .n_neighbors(k)
        .fit(&data)
        .expect("fit");
    let pred = model.predict(xt.view()).expect("predict");
    let seconds = start.elapsed().as_secs_f64();
    let accuracy = pred.iter().zip(&yt).filter(|(p, t)| p == t).count() as f64 / yt.len() as f64;
    println!("{{\"seconds\": {seconds}, \"quality\": {accuracy}}}");
}
