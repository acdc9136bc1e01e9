//! Benchmark side of bench/semi_supervised.py: LabelSpreading with the kNN kernel.
//!
//! Usage: bench_semi_supervised X.npy Y_PARTIAL.npy Y_TRUE.npy N_NEIGHBORS
//! Prints {"seconds": fit time, "quality": accuracy of the transduction on unlabelled rows}.

use std::path::Path;
use std::time::Instant;

use breadth_classic::semi_supervised::label_propagation::{Kernel, LabelSpreadingParams};
use breadth_core::{Dataset, Fit, Target};
use ndarray::Array1;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let x = breadth_data::npy::read(Path::new(&args[1]))?;
    let y = breadth_data::npy::read(Path::new(&args[2]))?
        .column(0)
        .to_owned();
    let truth = breadth_data::npy::read(Path::new(&args[3]))?
        .column(0)
        .to_owned();
    let k: usize = args[4].parse()?;
    let n_classes = truth.iter().fold(0.0_f64, |m, &v| m.max(v)) as usize + 1;
    let labels: Array1<Option<usize>> = y
        .iter()
        .map(|&v| (v >= 0.0).then_some(v as usize))
        .collect();
    let names = (0..n_classes).map(|c| c.to_string()).collect();
    let data = Dataset::new(x).with_target(Target::PartialClasses { labels, names })?;
    let start = Instant::now();
    let model = LabelSpreadingParams::default()
        .kernel(Kernel::Knn { n_neighbors: k })
        .fit(&data)?;
    let seconds = start.elapsed().as_secs_f64();
    let unlabelled: Vec<usize> = (0..y.len()).filter(|&i| y[i] < 0.0).collect();
    let hits = unlabelled
        .iter()
        .filter(|&&i| model.transduction()[i] as f64 == truth[i])
        .count();
    let quality = hits as f64 / unlabelled.len() as f64;
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
    Ok(())
}
