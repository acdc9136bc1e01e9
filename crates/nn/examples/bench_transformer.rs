//! Training throughput of the encoder-decoder transformer for `bench/nn_transformer.py`: trains
//! on the digit-reversal ids the script wrote (.npy, one row per string, right-padded with 0)
//! with Adam and prints `{"seconds": .., "quality": ..}`, quality being the mean training loss
//! of the last epoch (the PyTorch side reports the same).
//!
//! Usage: bench_transformer SRC.npy TGT.npy EPOCHS BATCH

use std::path::Path;
use std::time::Instant;

use breadth_nn::train::{train, TrainConfig};
use breadth_nn::transformer::model::{Transformer, TransformerConfig};
use candle_core::{Device, Tensor};

fn ids(path: &str) -> Result<Tensor, Box<dyn std::error::Error>> {
    let a = breadth_data::npy::read(Path::new(path))?;
    let v: Vec<u32> = a.iter().map(|&x| x as u32).collect();
    Ok(Tensor::from_vec(v, a.dim(), &Device::Cpu)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (src, tgt) = (ids(&args[1])?, ids(&args[2])?);
    let epochs: usize = args[3].parse()?;
    let batch: usize = args[4].parse()?;
    let model = Transformer::new(&TransformerConfig::default(), 0)?;
    let cfg = TrainConfig {
        epochs,
        batch_size: batch,
        lr: 5e-4,
        ..TrainConfig::default()
    };
    let t0 = Instant::now();
    let h = train(
        &cfg,
        model.params(),
        |x, y, _| model.loss(x, y),
        (&src, &tgt),
        None,
    )?;
    let seconds = t0.elapsed().as_secs_f64();
    let quality = h.train_loss.last().copied().unwrap_or(f64::NAN);
    println!("{{\"seconds\": {seconds}, \"quality\": {quality}}}");
    Ok(())
}
