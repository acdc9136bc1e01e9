//! Benchmark side of `bench/neighbors.py`: Gaussian HMM Baum-Welch from a given start.
//!
//! Usage: `bench_hmm X.npy lengths.npy startprob.npy transmat.npy means.npy covars.npy N_ITER`;
//! prints `{"seconds": training, "quality": final log-likelihood per observation}`.

use std::path::Path;
use std::time::Instant;

use breadth_classic::hmm::{BaumWelch, GaussianEmission, Hmm};
use breadth_data::npy;
use ndarray::s;

fn read(p: &str) -> ndarray::Array2<f64> {
    npy::read(Path::new(p)).expect(p)
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let x = read(&a[1]);
    let mut seqs = Vec::new();
    let mut at = 0;
    for &len in read(&a[2]).iter() {
        seqs.push(x.slice(s![at..at + len as usize, ..]).to_owned());
        at += len as usize;
    }
    let emission = GaussianEmission::new(read(&a[5]), read(&a[6])).expect("emission");
    let start = Hmm::new(read(&a[3]).column(0).to_owned(), read(&a[4]), emission).expect("hmm");
    let n_iter: usize = a[7].parse().expect("n_iter");
    let t0 = Instant::now();
    let (_, report) = BaumWelch::default()
        .n_iter(n_iter)
        .tol(f64::NEG_INFINITY)
        .fit_from(start, &seqs)
        .expect("fit");
    let seconds = t0.elapsed().as_secs_f64();
    let quality = report.log_likelihood / x.nrows() as f64;
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
}
