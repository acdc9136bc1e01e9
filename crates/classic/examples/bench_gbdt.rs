//! Benchmark side of `bench/trees.py` for the histogram GBDT.
//!
//! Usage: `bench_gbdt TASK DATA_PREFIX ROUNDS LEAVES LEARNING_RATE MAX_BIN` where TASK is
//! `binary`, `multiclass` or `regression` and `DATA_PREFIX_{Xtr,ytr,Xte,yte}.npy` exist. Times the
//! fit and the prediction of the test rows, prints one JSON line with `seconds` (fit), `quality`
//! (AUC, accuracy or R²), `fit_cpu_seconds` (user + system CPU time of the fit), `predict_seconds`,
//! `predict_cpu_seconds` (CPU time per prediction), `predict_rows_per_s` and `peak_mb` (VmHWM).
//!
//! For quick prediction checks on a loaded machine (the default is the full benchmark):
//! `GBDT_FIT_ROWS=N` fits on the first `N` training rows only, and `GBDT_PREDICT_REPEATS=R`
//! predicts the test rows `R` times and reports the median time.

use std::path::PathBuf;
use std::time::Instant;

use breadth_classic::gbdt::{GbdtClassifierParams, GbdtParams, GbdtRegressorParams};
use breadth_core::{Classifier, Dataset, Fit, Regressor, Target};

fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time (user + system) of this process so far, in seconds, from `/proc/self/stat` (clock
/// ticks of 1/100 s): on a loaded machine it measures our work where wall time cannot.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.get(s.rfind(')')? + 2..)?.to_owned();
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// Area under the ROC curve by the rank-sum formula (ties get average ranks).
fn auc(score: &[f64], y: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let mut ranks = vec![0.0; score.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && score[idx[j + 1]] == score[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            ranks[idx[k]] = r;
        }
        i = j + 1;
    }
    let n_pos = y.iter().filter(|&&v| v > 0.5).count() as f64;
    let n_neg = y.len() as f64 - n_pos;
    let sum_pos: f64 = ranks
        .iter()
        .zip(y)
        .filter(|(_, &v)| v > 0.5)
        .map(|(r, _)| r)
        .sum();
    (sum_pos - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Median seconds of `repeats` calls of `f` (at least one), the mean CPU seconds per call, and
/// the last result.
fn timed_median<T>(repeats: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let mut times = Vec::new();
    let mut out = None;
    let cpu0 = cpu_seconds();
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        out = Some(f());
        times.push(t.elapsed().as_secs_f64());
    }
    let cpu = (cpu_seconds() - cpu0) / times.len() as f64;
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], cpu, out.expect("at least one run"))
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (task, prefix) = (a[1].as_str(), a[2].as_str());
    let read =
        |s: &str| breadth_data::npy::read(&PathBuf::from(format!("{prefix}_{s}.npy"))).unwrap();
    let (mut xtr, mut ytr, xte, yte) = (read("Xtr"), read("ytr"), read("Xte"), read("yte"));
    if let Some(n) = env_usize("GBDT_FIT_ROWS").filter(|&n| n < xtr.nrows()) {
        xtr = xtr.slice(ndarray::s![..n, ..]).to_owned();
        ytr = ytr.slice(ndarray::s![..n, ..]).to_owned();
    }
    let repeats = env_usize("GBDT_PREDICT_REPEATS").unwrap_or(1);
    let gbdt = GbdtParams {
        n_estimators: a[3].parse().unwrap(),
        num_leaves: a[4].parse().unwrap(),
        learning_rate: a[5].parse().unwrap(),
        max_bin: a[6].parse().unwrap(),
        ..GbdtParams::default()
    };
    let ytr: Vec<f64> = ytr.column(0).to_vec();
    let yte: Vec<f64> = yte.column(0).to_vec();
    let cpu0 = cpu_seconds();
    let fit_cpu;
    let (seconds, quality, pred_s, pred_cpu) = if task == "regression" {
        let ds = Dataset::new(xtr)
            .with_target(Target::Continuous(ytr.into()))
            .unwrap();
        let t = Instant::now();
        let m = GbdtRegressorParams {
            gbdt,
            ..Default::default()
        }
        .fit(&ds)
        .unwrap();
        let fit_s = t.elapsed().as_secs_f64();
        fit_cpu = cpu_seconds() - cpu0;
        let (pred_s, pred_cpu, p) = timed_median(repeats, || m.predict(xte.view()).unwrap());
        let mean = yte.iter().sum::<f64>() / yte.len() as f64;
        let ss_res: f64 = p.iter().zip(&yte).map(|(a, b)| (a - b).powi(2)).sum();
        let ss_tot: f64 = yte.iter().map(|b| (b - mean).powi(2)).sum();
        (fit_s, 1.0 - ss_res / ss_tot, pred_s, pred_cpu)
    } else {
        let k = yte.iter().chain(&ytr).fold(0.0f64, |m, &v| m.max(v)) as usize + 1;
        let labels: Vec<usize> = ytr.iter().map(|&v| v as usize).collect();
        let names = (0..k).map(|c| c.to_string()).collect();
        let ds = Dataset::new(xtr)
            .with_target(Target::classes(labels, names).unwrap())
            .unwrap();
        let t = Instant::now();
        let m = GbdtClassifierParams { gbdt }.fit(&ds).unwrap();
        let fit_s = t.elapsed().as_secs_f64();
        fit_cpu = cpu_seconds() - cpu0;
        let (pred_s, pred_cpu, p) = timed_median(repeats, || m.predict_proba(xte.view()).unwrap());
        let q = if task == "binary" {
            auc(&p.column(1).to_vec(), &yte)
        } else {
            let hits = p
                .outer_iter()
                .zip(&yte)
                .filter(|(r, &y)| {
                    (0..k).fold(0, |b, c| if r[c] > r[b] { c } else { b }) == y as usize
                })
                .count();
            hits as f64 / yte.len() as f64
        };
        (fit_s, q, pred_s, pred_cpu)
    };
    println!(
        "{{\"seconds\": {seconds}, \"quality\": {quality}, \"fit_cpu_seconds\": {fit_cpu}, \"predict_seconds\": {pred_s}, \"predict_cpu_seconds\": {pred_cpu}, \"predict_rows_per_s\": {}, \"peak_mb\": {}}}",
        yte.len() as f64 / pred_s,
        peak_mb()
    );
}
