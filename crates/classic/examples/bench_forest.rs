//! Benchmark side of `bench/trees.py` for the random forest classifier.
//!
//! Usage: `bench_forest DATA_PREFIX N_TREES [SEED]` with `DATA_PREFIX_{Xtr,ytr,Xte,yte}.npy`. Times the
//! fit, prints one JSON line with `seconds`, `quality` (test accuracy), `predict_seconds`,
//! `predict_rows_per_s` and `peak_mb` (VmHWM).

use std::path::PathBuf;
use std::time::Instant;

use breadth_classic::ensemble::forest::RandomForestClassifierParams;
use breadth_core::{Classifier, Dataset, Fit, Target};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let prefix = a[1].as_str();
    let read =
        |s: &str| breadth_data::npy::read(&PathBuf::from(format!("{prefix}_{s}.npy"))).unwrap();
    let (xtr, ytr, xte, yte) = (read("Xtr"), read("ytr"), read("Xte"), read("yte"));
    let k = ytr.iter().fold(0.0f64, |m, &v| m.max(v)) as usize + 1;
    let labels: Vec<usize> = ytr.iter().map(|&v| v as usize).collect();
    let names = (0..k).map(|c| c.to_string()).collect();
    let ds = Dataset::new(xtr)
        .with_target(Target::classes(labels, names).unwrap())
        .unwrap();
    let t = Instant::now();
    let m = RandomForestClassifierParams::default()
        .n_estimators(a[2].parse().unwrap())
        .seed(a.get(3).map_or(0, |s| s.parse().unwrap()))
        .fit(&ds)
        .unwrap();
    let fit_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let p = m.predict(xte.view()).unwrap();
    let pred_s = t.elapsed().as_secs_f64();
    let acc = p
        .iter()
        .zip(yte.iter())
        .filter(|(a, b)| **a as f64 == **b)
        .count() as f64
        / p.len() as f64;
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0);
    println!(
        "{{\"seconds\": {fit_s}, \"quality\": {acc}, \"predict_seconds\": {pred_s}, \"predict_rows_per_s\": {}, \"peak_mb\": {peak}}}",
        p.len() as f64 / pred_s
    );
}
