//! Transfer learning on digits: pretrain the CNN on digits 0-4, freeze its convolution blocks,
//! fine-tune a new head on digits 5-9 with few labels per class, and compare with the same CNN
//! trained from scratch on the same labels. Accuracy is on every other 5-9 image.
//!
//! `cargo run --release -p breadth-nn --example transfer_digits`

use breadth_core::{Classifier, Dataset, Fit};
use breadth_nn::cnn::CnnClassifierParams;
use breadth_nn::transfer::TransferParams;

fn accuracy<C: Classifier>(m: &C, d: &Dataset) -> f64 {
    let pred = m.predict(d.features()).unwrap();
    let (truth, _) = d.class_target("t").unwrap();
    pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}

fn main() -> breadth_core::Result<()> {
    let digits = breadth_data::datasets::load("digits")?;
    let (labels, _) = digits.class_target("t")?;
    let idx = |f: &dyn Fn(usize) -> bool| -> Vec<usize> {
        (0..digits.n_samples()).filter(|&i| f(labels[i])).collect()
    };
    let low = digits.select(&idx(&|l| l < 5));
    let mut cnn = CnnClassifierParams::default();
    cnn.train.epochs = 15;
    let t0 = std::time::Instant::now();
    let backbone = cnn.fit(&low)?;
    println!(
        "pretrained on digits 0-4 ({} images) in {:.1}s",
        low.n_samples(),
        t0.elapsed().as_secs_f64()
    );
    println!(
        "{:>16} {:>10} {:>10}",
        "labels per class", "transfer", "scratch"
    );
    for per_class in [5usize, 10, 20, 50] {
        let mut seen = [0usize; 10];
        let (mut few, mut rest) = (Vec::new(), Vec::new());
        for i in idx(&|l| l >= 5) {
            if seen[labels[i]] < per_class {
                seen[labels[i]] += 1;
                few.push(i);
            } else {
                rest.push(i);
            }
        }
        let (train, test) = (digits.select(&few), digits.select(&rest));
        let transfer = TransferParams::new(backbone.clone()).fit(&train)?;
        let mut scratch = CnnClassifierParams::default();
        // The same number of gradient steps as the head gets, on the same labelled images.
        scratch.train.epochs = 100;
        scratch.train.batch_size = 16;
        let scratch = scratch.fit(&train)?;
        println!(
            "{per_class:>16} {:>10.4} {:>10.4}",
            accuracy(&transfer, &test),
            accuracy(&scratch, &test)
        );
    }
    Ok(())
}
