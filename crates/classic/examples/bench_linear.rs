//! Benchmark side of `bench/linear.py`: fit one linear-family model on `.npy` data and print
//! `{"seconds": fit time, "quality": R² or accuracy on the test split, "cpu_seconds": fit CPU time}`
//! as one JSON line.
//!
//! Usage: `bench_linear MODEL DATA_PREFIX` where the prefix names `PREFIX_Xtr.npy`,
//! `PREFIX_ytr.npy`, `PREFIX_Xte.npy`, `PREFIX_yte.npy`.

use std::path::Path;
use std::time::Instant;

use breadth_classic::linear::coordinate_descent::ElasticNetParams;
use breadth_classic::linear::logistic::LogisticRegressionParams;
use breadth_classic::linear::ols::LinearRegressionParams;
use breadth_classic::linear::ridge::RidgeParams;
use breadth_classic::svm::linear_svc::LinearSvcParams;
use breadth_classic::svm::svc::SvcParams;
use breadth_core::{Classifier, Dataset, Fit, Regressor, Target};
use ndarray::{Array1, Array2};

fn load(prefix: &str, part: &str) -> Array2<f64> {
    breadth_data::npy::read(Path::new(&format!("{prefix}_{part}.npy"))).expect("bench data")
}

fn r2(pred: &Array1<f64>, y: &Array1<f64>) -> f64 {
    let mean = y.mean().unwrap();
    let ss_res: f64 = pred.iter().zip(y).map(|(p, t)| (t - p).powi(2)).sum();
    let ss_tot: f64 = y.iter().map(|t| (t - mean).powi(2)).sum();
    1.0 - ss_res / ss_tot
}

/// CPU seconds (user + system, all threads) this process has used so far, from
/// `/proc/self/stat`; the load-independent figure on a shared machine (Linux only).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Fit time: wall seconds and, where known, CPU seconds.
type Timing = (f64, Option<f64>);

fn timed_fit<P: Fit>(p: &P, train: &Dataset) -> (P::Fitted, Timing) {
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let m = p.fit(train).expect("fit");
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu.zip(cpu_seconds()).map(|(a, b)| b - a);
    (m, (secs, cpu))
}

fn regress<P: Fit>(p: &P, train: &Dataset, xte: &Array2<f64>, yte: &Array1<f64>) -> (Timing, f64)
where
    P::Fitted: Regressor,
{
    let (m, timing) = timed_fit(p, train);
    (timing, r2(&m.predict(xte.view()).expect("predict"), yte))
}

fn classify<P: Fit>(p: &P, train: &Dataset, xte: &Array2<f64>, yte: &Array1<f64>) -> (Timing, f64)
where
    P::Fitted: Classifier,
{
    let (m, timing) = timed_fit(p, train);
    let pred = m.predict(xte.view()).expect("predict");
    let acc = pred
        .iter()
        .zip(yte)
        .filter(|(p, y)| **p as f64 == **y)
        .count() as f64
        / yte.len() as f64;
    (timing, acc)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (model, prefix) = (args[1].as_str(), args[2].as_str());
    let xtr = load(prefix, "Xtr");
    let ytr = load(prefix, "ytr").column(0).to_owned();
    let xte = load(prefix, "Xte");
    let yte = load(prefix, "yte").column(0).to_owned();
    let regression = |y: Array1<f64>| {
        Dataset::new(xtr.clone())
            .with_target(Target::Continuous(y))
            .unwrap()
    };
    let classes = |y: &Array1<f64>| {
        let k = y.iter().fold(0.0f64, |m, v| m.max(*v)) as usize + 1;
        let labels: Vec<usize> = y.iter().map(|v| *v as usize).collect();
        Dataset::new(xtr.clone())
            .with_target(Target::classes(labels, (0..k).map(|c| c.to_string()).collect()).unwrap())
            .unwrap()
    };
    let ((seconds, cpu), quality) = match model {
        "ols" => regress(
            &LinearRegressionParams::default(),
            &regression(ytr),
            &xte,
            &yte,
        ),
        "ridge" => regress(&RidgeParams::default(), &regression(ytr), &xte, &yte),
        "lasso" => regress(
            &ElasticNetParams::lasso().alpha(0.01),
            &regression(ytr),
            &xte,
            &yte,
        ),
        "logistic" => classify(
            &LogisticRegressionParams::default().max_iter(1000),
            &classes(&ytr),
            &xte,
            &yte,
        ),
        "svc" => classify(&SvcParams::default(), &classes(&ytr), &xte, &yte),
        "linear-svc" => classify(&LinearSvcParams::default(), &classes(&ytr), &xte, &yte),
        other => panic!("unknown model {other}"),
    };
    // The harness reads "seconds" and "quality"; "cpu_seconds" (fit only) is for busy machines.
    match cpu {
        Some(cpu) => {
            println!("{{\"seconds\": {seconds}, \"quality\": {quality}, \"cpu_seconds\": {cpu}}}")
        }
        None => println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}"),
    }
}
