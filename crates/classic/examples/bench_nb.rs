//! Benchmark side of `bench/neighbors.py`: naive Bayes fit on .npy data.
//!
//! Usage: `bench_nb gaussian|multinomial X.npy y.npy`; prints
//! `{"seconds": fit, "quality": training accuracy}` (the accuracy is computed after timing).

use std::path::Path;
use std::time::Instant;

use breadth_classic::bayes::{GaussianNbParams, MultinomialNbParams};
use breadth_core::{Classifier, Dataset, Fit, Target};
use breadth_data::npy;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let x = npy::read(Path::new(&args[2])).expect("X");
    let y: Vec<usize> = npy::read(Path::new(&args[3]))
        .expect("y")
        .iter()
        .map(|&v| v as usize)
        .collect();
    let n_classes = y.iter().max().map_or(1, |m| m + 1);
    let names = (0..n_classes).map(|c| c.to_string()).collect();
    let data = Dataset::new(x)
        .with_target(Target::classes(y.clone(), names).expect("labels"))
        .expect("data");
    let start = Instant::now();
    let model: Box<dyn Classifier> = match args[1].as_str() {
        "gaussian" => Box::new(GaussianNbParams::default().fit(&data).expect("fit")),
        _ => Box::new(MultinomialNbParams::default().fit(&data).expect("fit")),
    };
    let seconds = start.elapsed().as_secs_f64();
    let pred = model.predict(data.features()).expect("predict");
    let accuracy = pred.iter().zip(&y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64;
    println!("{{\"seconds\": {seconds}, \"quality\": {accuracy}}}");
}
