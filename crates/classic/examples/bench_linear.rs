//! Benchmark side of `bench/linear.py`: fit one linear-family model on `.npy` data and print
//! `{"seconds": fit time, "quality": R² or accuracy on the test split}` as one JSON line.
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

fn regress<P: Fit>(p: &P, train: &Dataset, xte: &Array2<f64>, yte: &Array1<f64>) -> (f64, f64)
where
    P::Fitted: Regressor,
{
    let t = Instant::now();
    let m = p.fit(train).expect("fit");
    let secs = t.elapsed().as_secs_f64();
    (secs, r2(&m.predict(xte.view()).expect("predict"), yte))
}

fn classify<P: Fit>(p: &P, train: &Dataset, xte: &Array2<f64>, yte: &Array1<f64>) -> (f64, f64)
where
    P::Fitted: Classifier,
{
    let t = Instant::now();
    let m = p.fit(train).expect("fit");
    let secs = t.elapsed().as_secs_f64();
    let pred = m.predict(xte.view()).expect("predict");
    let acc = pred
        .iter()
        .zip(yte)
        .filter(|(p, y)| **p as f64 == **y)
        .count() as f64
        / yte.len() as f64;
    (secs, acc)
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
    let (seconds, quality) = match model {
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
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
}
