//! Benchmark side of `bench/preprocessing.py`: fits and applies one transformer to `.npy` data
//! and prints `{"seconds": .., "quality": ..}` as its last line (loading is not timed).
//!
//! Usage: `bench_preprocessing JOB X.npy` with JOB one of `standard`, `poly2`, `simple-median`,
//! `knn`, `one-hot`. The quality is a checksum of the output (the mean of its squares for the
//! scaler, the mean of its values otherwise), equal on both sides when the outputs agree.

use std::path::Path;
use std::time::Instant;

use breadth_core::{Dataset, Fit, Transformer};
use breadth_data::impute::knn::KnnImputerParams;
use breadth_data::impute::simple::{SimpleImputerParams, Strategy};
use breadth_data::preprocessing::encoders::OneHotEncoderParams;
use breadth_data::preprocessing::polynomial::PolynomialFeaturesParams;
use breadth_data::preprocessing::scalers::StandardScalerParams;
use ndarray::Array2;

fn fit_transform<P: Fit>(params: &P, ds: &Dataset) -> Array2<f64>
where
    P::Fitted: Transformer,
{
    let model = params.fit(ds).expect("fit");
    model.transform(ds.features()).expect("transform")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let x = breadth_data::npy::read(Path::new(&args[1])).expect("features");
    let ds = Dataset::new(x);
    let start = Instant::now();
    let out = match args[0].as_str() {
        "standard" => fit_transform(&StandardScalerParams::default(), &ds),
        "poly2" => fit_transform(&PolynomialFeaturesParams::default(), &ds),
        "simple-median" => fit_transform(
            &SimpleImputerParams::default().strategy(Strategy::Median),
            &ds,
        ),
        "knn" => fit_transform(&KnnImputerParams::default(), &ds),
        "one-hot" => fit_transform(&OneHotEncoderParams::default(), &ds),
        job => panic!("unknown job {job}"),
    };
    let seconds = start.elapsed().as_secs_f64();
    let quality = if args[0] == "standard" {
        out.mapv(|v| v * v).mean().unwrap_or(f64::NAN)
    } else {
        out.mean().unwrap_or(f64::NAN)
    };
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
}
