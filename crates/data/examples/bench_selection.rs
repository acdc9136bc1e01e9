//! Benchmark side of `bench/model_selection.py`: times one model-selection job on `.npy` data
//! and prints `{"seconds": .., "quality": ..}` as its last line.
//!
//! Usage: `bench_selection JOB [ARGS]` with JOB one of
//! `skfold X.npy y.npy K`, `cv X.npy y.npy K`, `grid X.npy y.npy K`, `tts y.npy`,
//! `reservoir_l N K`, `reservoir_r N K`, `bootstrap N`.

use std::path::Path;
use std::time::Instant;

use breadth_core::{seeded_rng, Dataset, Target};
use breadth_data::model_selection::cross_validate::{cross_validate, CvOptions};
use breadth_data::model_selection::search::{grid_search, parse_grid_arg, SearchOptions};
use breadth_data::model_selection::split::{KFold, StratifiedKFold, TestSize, TrainTestSplit};
use breadth_data::sampling::{bootstrap, reservoir_l, reservoir_r};

// The same tiny models the unit tests use (nearest centroid, constant quantile).
#[allow(dead_code)]
#[path = "../src/model_selection/test_models.rs"]
mod test_models;

fn labels(path: &str) -> Vec<usize> {
    let y = breadth_data::npy::read(Path::new(path)).expect("labels");
    y.iter().map(|&v| v as usize).collect()
}

fn classification(x: &str, y: &str) -> Dataset {
    let x = breadth_data::npy::read(Path::new(x)).expect("features");
    let y = labels(y);
    let k = y.iter().max().unwrap() + 1;
    let names = (0..k).map(|c| c.to_string()).collect();
    Dataset::new(x)
        .with_target(Target::classes(y, names).unwrap())
        .unwrap()
}

fn regression(x: &str, y: &str) -> Dataset {
    let x = breadth_data::npy::read(Path::new(x)).expect("features");
    let y = breadth_data::npy::read(Path::new(y)).expect("target");
    Dataset::new(x)
        .with_target(Target::Continuous(y.column(0).to_owned()))
        .unwrap()
}

/// Equal for identical fold assignments: sum over folds of (fold + 1) * sum(test) / n^2.
fn fold_checksum(tests: impl Iterator<Item = Vec<usize>>, n: usize) -> f64 {
    tests
        .enumerate()
        .map(|(j, t)| (j + 1) as f64 * t.iter().sum::<usize>() as f64)
        .sum::<f64>()
        / (n as f64 * n as f64)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args[i].as_str();
    let num = |i: usize| args[i].parse::<usize>().expect("a number");
    let start;
    let quality = match arg(0) {
        "skfold" => {
            let y = labels(arg(2));
            start = Instant::now();
            let folds = StratifiedKFold::new(num(3)).folds(&y).unwrap();
            fold_checksum(folds.into_iter().map(|f| f.test), y.len())
        }
        "cv" => {
            let data = classification(arg(1), arg(2));
            let spec = test_models::centroid_spec();
            let fit = |d: &Dataset| spec.fit_with(&[], d);
            start = Instant::now();
            let cv = cross_validate(
                &fit,
                &data,
                &StratifiedKFold::new(num(3)),
                &CvOptions::default().metric("accuracy"),
            )
            .unwrap();
            cv.summary("accuracy").unwrap().0
        }
        "grid" => {
            let data = regression(arg(1), arg(2));
            let spec = test_models::quantile_spec();
            let fit = |s: &[(String, String)], d: &Dataset| spec.fit_with(s, d);
            let grid = vec![parse_grid_arg("quantile=0.1,0.3,0.5,0.7,0.9").unwrap()];
            let opts = SearchOptions {
                cv: CvOptions::default().metric("r2"),
                refit: true,
            };
            start = Instant::now();
            grid_search(&fit, &grid, &data, &KFold::new(num(3)), &opts)
                .unwrap()
                .best_score()
        }
        "tts" => {
            let y = labels(arg(1));
            start = Instant::now();
            let s = TrainTestSplit::new(TestSize::Fraction(0.25))
                .seed(0)
                .stratified()
                .indices(y.len(), Some(&y))
                .unwrap();
            s.test.len() as f64 / y.len() as f64
        }
        job @ ("reservoir_l" | "reservoir_r") => {
            let (n, k) = (num(1), num(2));
            let mut rng = seeded_rng(0);
            start = Instant::now();
            let kept = if job == "reservoir_l" {
                reservoir_l(0..n, k, &mut rng)
            } else {
                reservoir_r(0..n, k, &mut rng)
            };
            kept.iter().sum::<usize>() as f64 / (k as f64 * n as f64)
        }
        "bootstrap" => {
            let n = num(1);
            start = Instant::now();
            let b = bootstrap(n, &mut seeded_rng(0)).unwrap();
            b.out_of_bag.len() as f64 / n as f64
        }
        other => panic!("unknown job {other}"),
    };
    let seconds = start.elapsed().as_secs_f64();
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
}
