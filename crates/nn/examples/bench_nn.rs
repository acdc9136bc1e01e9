//! Training throughput of breadth-nn for `bench/nn.py`: trains an MLP or a CNN with Adam on the
//! .npy data the script wrote and prints `{"seconds": .., "quality": ..}` where quality is the
//! mean training loss of the last epoch (the PyTorch side reports the same).
//!
//! Usage: bench_nn mlp|cnn X.npy y.npy EPOCHS BATCH [HIDDEN]
//!   mlp: d -> HIDDEN -> HIDDEN -> classes, ReLU (fused into the linear layers).
//!   cnn: 1xSxS images, conv3x3(16)-ReLU-maxpool2-conv3x3(32)-ReLU-maxpool2-linear (ReLU fused
//!        into the convolutions).
//!        bench_nn peak N REPEATS
//!   peak: the machine's f32 matrix-multiply rate through candle's matmul (the `gemm` crate, the
//!   kernel of our linear and convolution layers) on N x N x N, best of REPEATS; prints
//!   `{"seconds": best, "quality": GFLOP/s}`.

use std::path::Path;
use std::time::Instant;

use breadth_core::seeded_rng;
use breadth_nn::layers::conv::{Conv2d, ConvConfig};
use breadth_nn::layers::linear::Linear;
use breadth_nn::layers::pool::{Pool2d, PoolKind};
use breadth_nn::layers::{Flatten, Mode, Module, Sequential};
use breadth_nn::loss::CrossEntropy;
use breadth_nn::params::Params;
use breadth_nn::train::{train, TrainConfig};
use candle_core::{DType, Device, Tensor};

/// Best time of `repeats` f32 products of two n x n matrices, and the GFLOP/s it gives.
fn peak(n: usize, repeats: usize) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let dev = Device::Cpu;
    let a = Tensor::randn(0f32, 1.0, (n, n), &dev)?;
    let b = Tensor::randn(0f32, 1.0, (n, n), &dev)?;
    a.matmul(&b)?; // warm-up: thread pool and page faults
    let mut best = f64::INFINITY;
    for _ in 0..repeats.max(1) {
        let t0 = Instant::now();
        let c = a.matmul(&b)?;
        best = best.min(t0.elapsed().as_secs_f64());
        drop(c);
    }
    Ok((best, 2.0 * (n as f64).powi(3) / best / 1e9))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    breadth_nn::prepare_process_for_training();
    let args: Vec<String> = std::env::args().collect();
    let kind = args[1].as_str();
    if kind == "peak" {
        let (seconds, gflops) = peak(args[2].parse()?, args[3].parse()?)?;
        println!("{{\"seconds\": {seconds}, \"quality\": {gflops}}}");
        return Ok(());
    }
    let x = breadth_data::npy::read(Path::new(&args[2]))?;
    let y = breadth_data::npy::read(Path::new(&args[3]))?;
    let epochs: usize = args[4].parse()?;
    let batch: usize = args[5].parse()?;
    let hidden: usize = args.get(6).map_or(Ok(512), |h| h.parse())?;
    let (n, d) = x.dim();
    let labels: Vec<u32> = y.iter().map(|&v| v as u32).collect();
    let classes = *labels.iter().max().unwrap_or(&0) as usize + 1;
    let xv: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let dev = Device::Cpu;
    let yt = Tensor::new(labels.as_slice(), &dev)?;
    let mut params = Params::new();
    let mut rng = seeded_rng(0);
    let (net, xt) = match kind {
        "mlp" => {
            let net = Sequential::new()
                .push(Linear::new(&mut params, "0", d, hidden, &mut rng, DType::F32)?.with_relu())
                .push(
                    Linear::new(&mut params, "2", hidden, hidden, &mut rng, DType::F32)?
                        .with_relu(),
                )
                .push(Linear::new(
                    &mut params,
                    "4",
                    hidden,
                    classes,
                    &mut rng,
                    DType::F32,
                )?);
            (net, Tensor::from_vec(xv, (n, d), &dev)?)
        }
        "cnn" => {
            let s = (d as f64).sqrt() as usize;
            let cfg = ConvConfig {
                stride: 1,
                padding: 1,
                dilation: 1,
            };
            let net = Sequential::new()
                .push(
                    Conv2d::new(&mut params, "c0", 1, 16, 3, cfg, &mut rng, DType::F32)?
                        .with_relu(),
                )
                .push(Pool2d {
                    kind: PoolKind::Max,
                    k: 2,
                })
                .push(
                    Conv2d::new(&mut params, "c1", 16, 32, 3, cfg, &mut rng, DType::F32)?
                        .with_relu(),
                )
                .push(Pool2d {
                    kind: PoolKind::Max,
                    k: 2,
                })
                .push(Flatten)
                .push(Linear::new(
                    &mut params,
                    "head",
                    32 * (s / 4) * (s / 4),
                    classes,
                    &mut rng,
                    DType::F32,
                )?);
            (net, Tensor::from_vec(xv, (n, 1, s, s), &dev)?)
        }
        other => return Err(format!("unknown model {other}").into()),
    };
    let cfg = TrainConfig {
        epochs,
        batch_size: batch,
        lr: 1e-3,
        ..TrainConfig::default()
    };
    let ce = CrossEntropy {
        label_smoothing: 0.0,
        ignore_index: None,
    };
    let loss = |x: &Tensor, y: &Tensor, m: &mut Mode<'_>| ce.apply(&net.forward(x, m)?, y);
    let t0 = Instant::now();
    let hist = train(&cfg, &params, loss, (&xt, &yt), None)?;
    let seconds = t0.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\": {seconds}, \"quality\": {}}}",
        hist.train_loss.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
