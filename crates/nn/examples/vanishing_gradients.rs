//! Vanishing and exploding gradients, measured (see `breadth_nn::recurrent::demo`).
//!
//! Usage: cargo run --release -p breadth-nn --example vanishing_gradients [LENGTH] [STEPS] [FORGET_BIAS] [PARTS]
//!   FORGET_BIAS: initial LSTM forget-gate bias (default 6; `torch` for PyTorch's initialisation).
//!   PARTS: `all` (default), or `recall` to skip the exploding-gradient part.
//!
//! 1. Delayed recall of length T (default 60): a tanh RNN and an LSTM of the same width are
//!    trained the same way (Adam 3e-3, clipping at norm 1, 1000 steps of 32 sequences); prints
//!    held-out accuracy and the gradient norm ||dL/dh_t|| for t = T, T-10, ..., 1, at
//!    initialisation and after training. A second LSTM with PyTorch's forget-gate initialisation
//!    shows why the forget bias matters. `reference/nn_recall.py` runs the same with PyTorch.
//! 2. Exploding gradients: a ReLU RNN whose recurrent matrix starts at 1.2 I, trained with plain
//!    SGD with and without clipping by global norm 1.

use breadth_nn::clip::Clip;
use breadth_nn::optim::OptimizerKind;
use breadth_nn::recurrent::cell::{CellKind, Nonlinearity};
use breadth_nn::recurrent::demo::{train_delayed_recall, DelayedRecall, RecallConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let length: usize = args.get(1).map_or(Ok(60), |a| a.parse())?;
    let steps: usize = args.get(2).map_or(Ok(1000), |a| a.parse())?;
    let forget_bias: Option<f64> = match args.get(3).map(String::as_str) {
        None => RecallConfig::new(CellKind::Lstm).forget_bias,
        Some("torch") => None,
        Some(v) => Some(v.parse()?),
    };
    let exploding = args.get(4).is_none_or(|p| p == "all");
    let task = DelayedRecall {
        length,
        classes: 4,
        distractors: 4,
    };
    let mut reports = vec![];
    let runs = [
        (
            "RNN (tanh)".to_string(),
            CellKind::Rnn(Nonlinearity::Tanh),
            None,
        ),
        (
            format!("LSTM, b_f {forget_bias:?}"),
            CellKind::Lstm,
            forget_bias,
        ),
        ("LSTM, torch init".to_string(), CellKind::Lstm, None),
    ];
    for (name, kind, forget_bias) in runs {
        let cfg = RecallConfig {
            task,
            steps,
            forget_bias,
            ..RecallConfig::new(kind)
        };
        let t0 = std::time::Instant::now();
        let r = train_delayed_recall(&cfg)?;
        let last: f64 = r.losses[r.losses.len().saturating_sub(50)..]
            .iter()
            .sum::<f64>()
            / r.losses.len().min(50) as f64;
        println!(
            "{name:20} delayed recall T={length}: held-out accuracy {:.3} (chance {:.3}), final loss {last:.4}, {:.0} s",
            r.accuracy,
            1.0 / task.classes as f64,
            t0.elapsed().as_secs_f64()
        );
        reports.push((name, r));
    }
    println!(
        "\n||dL/dh_t|| (Frobenius over {} held-out sequences) by distance T - t",
        reports[0].1.config.eval_batch
    );
    println!(
        "{:>4} {:>8} | {:>12} {:>12} | {:>12} {:>12}",
        "t", "distance", "RNN init", "RNN trained", "LSTM init", "LSTM trained"
    );
    // Distances 0, 10, 20, ... and the first step (t = T, T - 10, ..., 1).
    let mut ds: Vec<usize> = (0..length).step_by(10).collect();
    if *ds.last().unwrap_or(&0) != length - 1 {
        ds.push(length - 1);
    }
    for d in ds {
        let (r, l) = (&reports[0].1, &reports[1].1);
        println!(
            "{:>4} {d:>8} | {:>12.3e} {:>12.3e} | {:>12.3e} {:>12.3e}",
            length - d,
            r.grad_norms_init[d],
            r.grad_norms_trained[d],
            l.grad_norms_init[d],
            l.grad_norms_trained[d]
        );
    }

    if !exploding {
        return Ok(());
    }
    println!("\nExploding gradients: ReLU RNN, W_hh = 1.2 I, plain SGD lr 0.01, T={length}");
    for clip in [None, Some(Clip::Norm(1.0))] {
        let cfg = RecallConfig {
            task,
            steps: steps.min(300),
            optimizer: OptimizerKind::sgd(),
            lr: 0.01,
            clip,
            recurrent_gain: Some(1.2),
            ..RecallConfig::new(CellKind::Rnn(Nonlinearity::Relu))
        };
        let r = train_delayed_recall(&cfg)?;
        let finite = r.losses.iter().take_while(|l| l.is_finite()).count();
        let max_norm = r.param_grad_norms.iter().copied().fold(0.0, f64::max);
        println!(
            "clip {:>9}: gradient norm at step 1 {:.3e}, max {:.3e}; finite losses {finite}/{}; last loss {:.4}; accuracy {:.3}",
            clip.map_or("none".to_string(), |c| format!("{c:?}")),
            r.param_grad_norms[0],
            max_norm,
            r.losses.len(),
            r.losses.last().copied().unwrap_or(f64::NAN),
            r.accuracy
        );
    }
    Ok(())
}
