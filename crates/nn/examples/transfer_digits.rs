//! Transfer learning on digits: pretrain the CNN on digits 0-4, then learn digits 5-9 from a
//! share of their training half (5%, 10%, 25%, 100%) three ways: the same CNN from scratch, the
//! pretrained backbone frozen under a new head, and the whole pretrained network fine-tuned
//! (the head for 20 epochs, then everything for 130 at a tenth of the head's rate). Accuracy is on the other,
//! fixed half of the 5-9 images.
//!
//! `cargo run --release -p breadth-nn --example transfer_digits`

use breadth_core::{Classifier, Dataset, Fit};
use breadth_nn::cnn::CnnClassifierParams;
use breadth_nn::transfer::{FineTune, TransferParams};

fn accuracy<C: Classifier>(m: &C, d: &Dataset) -> f64 {
    let pred = m.predict(d.features()).unwrap();
    let (truth, _) = d.class_target("t").unwrap();
    pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}

fn main() -> breadth_core::Result<()> {
    let digits = breadth_data::datasets::load("digits")?;
    let (labels, _) = digits.class_target("t")?;
    let low: Vec<usize> = (0..digits.n_samples()).filter(|&i| labels[i] < 5).collect();
    let mut cnn = CnnClassifierParams::default();
    cnn.train.epochs = 15;
    let t0 = std::time::Instant::now();
    let backbone = cnn.fit(&digits.select(&low))?;
    println!(
        "pretrained on digits 0-4 ({} images) in {:.1}s",
        low.len(),
        t0.elapsed().as_secs_f64()
    );
    // Digits 5-9 alternate per class between the training pool and the test half, so every
    // share below is stratified: its first images of each class.
    let mut seen = [0usize; 10];
    let (mut pool, mut test) = (Vec::new(), Vec::new());
    for i in (0..digits.n_samples()).filter(|&i| labels[i] >= 5) {
        seen[labels[i]] += 1;
        if seen[labels[i]] % 2 == 1 {
            pool.push(i);
        } else {
            test.push(i);
        }
    }
    let test = digits.select(&test);
    println!(
        "{:>6} {:>7} {:>9} {:>9} {:>11}",
        "share", "images", "scratch", "frozen", "fine-tuned"
    );
    for share in [0.05, 0.10, 0.25, 1.0] {
        let per_class = (pool.len() as f64 * share / 5.0).round() as usize;
        let mut taken = [0usize; 10];
        let few: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| {
                taken[labels[i]] += 1;
                taken[labels[i]] <= per_class
            })
            .collect();
        let train = digits.select(&few);
        let frozen = TransferParams::new(backbone.clone());
        // A short linear probe, so that the whole-network stage still has a loss to lower.
        let mut full = frozen.clone();
        full.head.epochs = 20;
        full.fine_tune = FineTune::Full {
            learning_rate: 1e-3,
            epochs: 130,
        };
        let mut scratch = CnnClassifierParams::default();
        // As many epochs, in the same batches, as the fine-tuned model gets in all.
        scratch.train.epochs = 150;
        scratch.train.batch_size = 16;
        println!(
            "{:>5.0}% {:>7} {:>9.4} {:>9.4} {:>11.4}",
            share * 100.0,
            few.len(),
            accuracy(&scratch.fit(&train)?, &test),
            accuracy(&frozen.fit(&train)?, &test),
            accuracy(&full.fit(&train)?, &test)
        );
    }
    Ok(())
}
