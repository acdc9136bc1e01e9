//! Training throughput of a 2-layer LSTM for `bench/nn.py`: reads sequences X (N, T*I) and
//! labels y (N, 1) from .npy, trains LSTM(I -> H, 2 layers) + linear read-out of the last hidden
//! state with Adam (lr 1e-3) and cross-entropy, and prints `{"seconds": .., "quality": ..}` with
//! quality the mean training loss of the last epoch (the PyTorch side reports the same).
//!
//! With INIT_DIR, both sides start from the same point: every parameter is read from
//! `INIT_DIR/<name>.npy` (PyTorch's names: `lstm.weight_ih_l0`, ..., `head.bias`), and the rows
//! are visited in file order (the caller shuffled them), so the two losses can be compared
//! directly.
//!
//! Usage: bench_lstm X.npy y.npy T EPOCHS BATCH HIDDEN [INIT_DIR]

use std::path::Path;
use std::time::Instant;

use breadth_core::seeded_rng;
use breadth_nn::layers::linear::Linear;
use breadth_nn::layers::Mode;
use breadth_nn::loss::CrossEntropy;
use breadth_nn::params::Params;
use breadth_nn::recurrent::cell::CellKind;
use breadth_nn::recurrent::layer::{Recurrent, RecurrentConfig};
use breadth_nn::train::{train, TrainConfig};
use candle_core::{DType, Device, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    breadth_nn::prepare_process_for_training();
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 7 {
        return Err("usage: bench_lstm X.npy y.npy T EPOCHS BATCH HIDDEN [INIT_DIR]".into());
    }
    let x = breadth_data::npy::read(Path::new(&args[1]))?;
    let y = breadth_data::npy::read(Path::new(&args[2]))?;
    let t: usize = args[3].parse()?;
    let epochs: usize = args[4].parse()?;
    let batch: usize = args[5].parse()?;
    let hidden: usize = args[6].parse()?;
    let (n, ti) = x.dim();
    let i = ti / t;
    let labels: Vec<u32> = y.iter().map(|&v| v as u32).collect();
    let classes = *labels.iter().max().unwrap_or(&0) as usize + 1;
    let xv: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let xt = Tensor::from_vec(xv, (n, t, i), &Device::Cpu)?;
    let yt = Tensor::new(labels.as_slice(), &Device::Cpu)?;
    let mut params = Params::new();
    let mut rng = seeded_rng(0);
    let cfg = RecurrentConfig::new(CellKind::Lstm, i, hidden).layers(2);
    let lstm = Recurrent::new(&mut params, "lstm", &cfg, &mut rng, DType::F32)?;
    let head = Linear::new(&mut params, "head", hidden, classes, &mut rng, DType::F32)?;
    let init_dir = args.get(7).map(Path::new);
    if let Some(dir) = init_dir {
        for entry in params.entries() {
            let (name, var) = (&entry.name, &entry.var);
            let values = breadth_data::npy::read(&dir.join(format!("{name}.npy")))?;
            if values.len() != var.elem_count() {
                return Err(
                    format!("{name}: {} values, expected {:?}", values.len(), var.dims()).into(),
                );
            }
            let v: Vec<f32> = values.iter().map(|&v| v as f32).collect();
            var.set(&Tensor::from_vec(v, var.shape(), &Device::Cpu)?)?;
        }
    }
    let ce = CrossEntropy {
        label_smoothing: 0.0,
        ignore_index: None,
    };
    let loss = |x: &Tensor, y: &Tensor, m: &mut Mode<'_>| {
        let out = lstm.forward(x, None, m)?;
        ce.apply(&head.apply(&out.h_n.get(1)?)?, y)
    };
    let tcfg = TrainConfig {
        epochs,
        batch_size: batch,
        lr: 1e-3,
        shuffle: init_dir.is_none(),
        ..TrainConfig::default()
    };
    let t0 = Instant::now();
    let hist = train(&tcfg, &params, loss, (&xt, &yt), None)?;
    let seconds = t0.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\": {seconds}, \"quality\": {}}}",
        hist.train_loss.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
