//! One training loop: shuffled minibatches, an optimizer and schedule, gradient clipping,
//! validation, early stopping, a progress bar, and checkpoints that resume bit for bit.
//!
//! Each epoch $e$ sets the rate $\eta_e$ from the schedule, permutes the training rows with the
//! run's generator, and for each minibatch $B$ (a last batch of one row joins the previous one) computes the loss $L_B(\theta)$ in training mode,
//! back-propagates, clips, and steps the optimizer. The epoch's training loss is the
//! size-weighted mean $\sum_B |B| L_B / n$ (the losses seen during the epoch); the validation
//! loss is computed the same way in evaluation mode. Early stopping keeps the parameters of the
//! best validation loss (training loss when there is no validation set) and stops after
//! `patience` epochs without an improvement larger than `min_delta`, restoring the best ones.
//!
//! A checkpoint (safetensors, written to a temporary file and renamed, so an interrupted write
//! never leaves a corrupt file) holds every variable (parameters and buffers), the best
//! parameters so far, the optimizer's state, the generator's exact position (seed, stream and
//! word position of ChaCha8), the epoch count, the early-stopping counters and the loss history.
//! Resuming from it replays the remaining epochs exactly as an uninterrupted run would: same
//! shuffles, same dropout masks, same losses, bit for bit.
//!
//! Cost per epoch: one forward and backward pass over the training rows plus a forward pass over
//! the validation rows. Reference: I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, 2016,
//! §7.8 (early stopping), §8.1.3 (minibatches).
//!
//! ```
//! use breadth_nn::layers::linear::Linear;
//! use breadth_nn::params::Params;
//! use breadth_nn::train::{train, TrainConfig};
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! // Fit y = 2x with one linear unit.
//! let (mut params, mut rng) = (Params::new(), seeded_rng(0));
//! let lin = Linear::new(&mut params, "lin", 1, 1, &mut rng, DType::F32).unwrap();
//! let x = Tensor::arange(0f32, 32., &Device::Cpu).unwrap().affine(1. / 32., 0.).unwrap().reshape((32, 1)).unwrap();
//! let y = x.affine(2.0, 0.0).unwrap();
//! let cfg = TrainConfig { epochs: 200, batch_size: 8, lr: 0.05, ..TrainConfig::default() };
//! let hist = train(&cfg, &params, |x, y, _| breadth_nn::loss::mse(&lin.apply(x)?, y), (&x, &y), None).unwrap();
//! assert!(hist.train_loss.last().unwrap() < &1e-3);
//! ```

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use breadth_core::{seeded_rng, Error, Result, Rng};
use candle_core::{DType, Device, Tensor};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::clip::Clip;
use crate::layers::Mode;
use crate::optim::schedule::Schedule;
use crate::optim::{Optimizer, OptimizerKind};
use crate::params::Params;

/// Stop when the monitored loss has not improved for a while.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping (at least 1).
    pub patience: usize,
    /// Smallest decrease that counts as an improvement.
    pub min_delta: f64,
}

/// Where and how often to write checkpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpointing {
    /// The checkpoint file (safetensors).
    pub path: PathBuf,
    /// Write after every `every` epochs (and after the last one).
    pub every: usize,
    /// Continue from the file when it exists.
    pub resume: bool,
}

/// Settings of a training run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training rows.
    pub epochs: usize,
    /// Rows per minibatch (the last one may be smaller).
    pub batch_size: usize,
    /// Update rule.
    pub optimizer: OptimizerKind,
    /// Base learning rate.
    pub lr: f64,
    /// Learning rate per epoch.
    pub schedule: Schedule,
    /// Gradient clipping, if any.
    pub clip: Option<Clip>,
    /// Early stopping, if any.
    pub early_stopping: Option<EarlyStopping>,
    /// Seed of shuffling and dropout.
    pub seed: u64,
    /// Checkpoints, if any.
    pub checkpoint: Option<Checkpointing>,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// Visit the training rows in a new random order each epoch (the default), or in their
    /// given order: for data whose order matters, or that was shuffled beforehand (a benchmark
    /// that feeds two libraries the same batches).
    pub shuffle: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 10,
            batch_size: 32,
            optimizer: OptimizerKind::adam(),
            lr: 1e-3,
            schedule: Schedule::default(),
            clip: None,
            early_stopping: None,
            seed: 0,
            checkpoint: None,
            progress: false,
            shuffle: true,
        }
    }
}

/// What happened during training.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Mean training loss of each epoch.
    pub train_loss: Vec<f64>,
    /// Validation loss after each epoch (empty without validation data).
    pub val_loss: Vec<f64>,
    /// Learning rate of each epoch.
    pub lr: Vec<f64>,
    /// Epoch (0-based) of the best monitored loss.
    pub best_epoch: usize,
    /// True when early stopping ended the run.
    pub stopped_early: bool,
}

/// Loss of a minibatch `(x, y)` in the given mode.
pub trait LossFn: Fn(&Tensor, &Tensor, &mut Mode<'_>) -> candle_core::Result<Tensor> {}
impl<F: Fn(&Tensor, &Tensor, &mut Mode<'_>) -> candle_core::Result<Tensor>> LossFn for F {}

fn terr(what: &'static str) -> impl Fn(candle_core::Error) -> Error {
    crate::tensor_err(what)
}

/// Size-weighted mean loss over `data` in evaluation mode, in chunks of `batch`.
pub fn evaluate(loss_fn: &impl LossFn, data: (&Tensor, &Tensor), batch: usize) -> Result<f64> {
    let n = data.0.dim(0).map_err(terr("evaluation"))?;
    let mut total = 0.0;
    let mut start = 0;
    while start < n {
        let len = batch.min(n - start);
        let x = data.0.narrow(0, start, len).map_err(terr("evaluation"))?;
        let y = data.1.narrow(0, start, len).map_err(terr("evaluation"))?;
        let l = loss_fn(&x, &y, &mut Mode::Eval)
            .and_then(|l| l.to_dtype(DType::F64)?.to_scalar::<f64>())
            .map_err(terr("evaluation loss"))?;
        total += l * len as f64;
        start += len;
    }
    Ok(total / n as f64)
}

/// Everything a run carries from epoch to epoch (besides the variables themselves).
struct RunState {
    rng: Rng,
    epoch: usize,
    history: History,
    best: f64,
    bad_epochs: usize,
    best_params: Option<HashMap<String, Tensor>>,
}

/// Train the trainable variables of `params` to minimise `loss_fn` over `train_data`
/// (rows along dimension 0 of both tensors), validating on `val` after every epoch.
pub fn train(
    cfg: &TrainConfig,
    params: &Params,
    loss_fn: impl LossFn,
    train_data: (&Tensor, &Tensor),
    val: Option<(&Tensor, &Tensor)>,
) -> Result<History> {
    validate(cfg)?;
    let n = train_data.0.dim(0).map_err(terr("training data"))?;
    let ny = train_data.1.dim(0).map_err(terr("training data"))?;
    if n == 0 || n != ny {
        return Err(Error::shape("training rows of inputs and targets", n, ny));
    }
    let mut opt = Optimizer::new(cfg.optimizer, cfg.lr, params.trainable())?;
    let mut st = RunState {
        rng: seeded_rng(cfg.seed),
        epoch: 0,
        history: History::default(),
        best: f64::INFINITY,
        bad_epochs: 0,
        best_params: None,
    };
    if let Some(ck) = cfg
        .checkpoint
        .as_ref()
        .filter(|c| c.resume && c.path.exists())
    {
        st = load_checkpoint(&ck.path, params, &mut opt)?;
    }
    let bar = progress_bar(cfg, st.epoch);
    let vars = opt.vars().to_vec();
    let dev = Device::Cpu;
    while st.epoch < cfg.epochs && !st.history.stopped_early {
        let lr = cfg.schedule.lr(cfg.lr, st.epoch);
        opt.set_lr(lr);
        let mut order: Vec<u32> = (0..n as u32).collect();
        if cfg.shuffle {
            order.shuffle(&mut st.rng);
        }
        let mut total = 0.0;
        for chunk in batches(&order, cfg.batch_size) {
            let idx = Tensor::new(chunk, &dev).map_err(terr("batch"))?;
            let x = train_data.0.index_select(&idx, 0).map_err(terr("batch"))?;
            let y = train_data.1.index_select(&idx, 0).map_err(terr("batch"))?;
            let loss =
                loss_fn(&x, &y, &mut Mode::Train(&mut st.rng)).map_err(terr("training loss"))?;
            let value = loss
                .to_dtype(DType::F64)
                .and_then(|l| l.to_scalar::<f64>())
                .map_err(terr("training loss"))?;
            if !value.is_finite() {
                return Err(Error::numerical(
                    "training",
                    format!("the loss became {value} in epoch {}; lower the learning rate or clip gradients", st.epoch),
                ));
            }
            total += value * chunk.len() as f64;
            let mut grads = loss.backward().map_err(terr("backward pass"))?;
            if let Some(clip) = cfg.clip {
                clip.apply(&mut grads, &vars)
                    .map_err(terr("gradient clipping"))?;
            }
            opt.step(&grads)?;
        }
        let train_loss = total / n as f64;
        st.history.train_loss.push(train_loss);
        st.history.lr.push(lr);
        let monitored = match val {
            Some(v) => {
                let l = evaluate(&loss_fn, v, cfg.batch_size)?;
                st.history.val_loss.push(l);
                l
            }
            None => train_loss,
        };
        if let Some(es) = cfg.early_stopping {
            if monitored < st.best - es.min_delta {
                st.best = monitored;
                st.bad_epochs = 0;
                st.history.best_epoch = st.epoch;
                st.best_params = Some(params.snapshot()?);
            } else {
                st.bad_epochs += 1;
                st.history.stopped_early = st.bad_epochs >= es.patience;
            }
        } else if monitored < st.best {
            st.best = monitored;
            st.history.best_epoch = st.epoch;
        }
        st.epoch += 1;
        bar.set_message(format!("loss {train_loss:.4}"));
        bar.inc(1);
        if let Some(ck) = &cfg.checkpoint {
            let last = st.epoch == cfg.epochs || st.history.stopped_early;
            if st.epoch.is_multiple_of(ck.every) || last {
                save_checkpoint(&ck.path, params, &opt, &st)?;
            }
        }
    }
    bar.finish_and_clear();
    if let Some(best) = &st.best_params {
        params.restore(best)?;
    }
    Ok(st.history)
}

/// Consecutive slices of `batch` rows; a last slice of a single row joins the one before, since
/// batch statistics (batch normalisation) are undefined for one row.
fn batches(order: &[u32], batch: usize) -> Vec<&[u32]> {
    let mut out: Vec<&[u32]> = order.chunks(batch).collect();
    if out.len() > 1 && out[out.len() - 1].len() == 1 {
        out.pop();
        let start = order.len() - 1 - out[out.len() - 1].len();
        *out.last_mut().expect("at least one batch") = &order[start..];
    }
    out
}

fn validate(cfg: &TrainConfig) -> Result<()> {
    if cfg.batch_size == 0 {
        return Err(Error::param("batch_size", "must be at least 1"));
    }
    if let Some(es) = cfg.early_stopping {
        if es.patience == 0 {
            return Err(Error::param("patience", "must be at least 1"));
        }
        breadth_core::validate::non_negative("min_delta", es.min_delta)?;
    }
    if let Some(ck) = &cfg.checkpoint {
        if ck.every == 0 {
            return Err(Error::param("checkpoint_every", "must be at least 1"));
        }
    }
    match cfg.clip {
        Some(Clip::Norm(c)) | Some(Clip::Value(c)) => breadth_core::validate::positive("clip", c)?,
        None => {}
    }
    cfg.schedule.validate()
}

fn progress_bar(cfg: &TrainConfig, done: usize) -> ProgressBar {
    let target = if cfg.progress && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(cfg.epochs as u64), target);
    if let Ok(style) =
        ProgressStyle::with_template("epoch {pos}/{len} {bar:30} {elapsed_precise} eta {eta} {msg}")
    {
        bar.set_style(style);
    }
    bar.set_position(done as u64);
    bar
}

/// The generator's exact position: 32 seed bytes, the stream and the word position.
fn rng_bytes(rng: &Rng) -> Vec<u8> {
    let mut b = rng.get_seed().to_vec();
    b.extend_from_slice(&rng.get_stream().to_le_bytes());
    b.extend_from_slice(&rng.get_word_pos().to_le_bytes());
    b
}

fn rng_from_bytes(b: &[u8]) -> Result<Rng> {
    if b.len() != 56 {
        return Err(Error::param(
            "checkpoint",
            format!("generator state has {} bytes, expected 56", b.len()),
        ));
    }
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&b[..32]);
    let mut rng = Rng::from_seed(seed);
    rng.set_stream(u64::from_le_bytes(b[32..40].try_into().expect("8 bytes")));
    rng.set_word_pos(u128::from_le_bytes(b[40..56].try_into().expect("16 bytes")));
    Ok(rng)
}

fn f64s(v: &[f64]) -> candle_core::Result<Tensor> {
    Tensor::new(v, &Device::Cpu)
}

fn save_checkpoint(path: &Path, params: &Params, opt: &Optimizer, st: &RunState) -> Result<()> {
    let e = terr("writing a checkpoint");
    let mut t: HashMap<String, Tensor> = HashMap::new();
    for entry in params.entries() {
        t.insert(
            format!("param/{}", entry.name),
            entry.var.as_tensor().detach(),
        );
    }
    if let Some(best) = &st.best_params {
        for (k, v) in best {
            t.insert(format!("best/{k}"), v.clone());
        }
    }
    for (k, v) in opt.state("opt/")? {
        t.insert(k, v);
    }
    t.insert(
        "rng".into(),
        Tensor::new(rng_bytes(&st.rng).as_slice(), &Device::Cpu).map_err(&e)?,
    );
    let h = &st.history;
    let counters = [
        st.epoch as i64,
        h.best_epoch as i64,
        st.bad_epochs as i64,
        h.stopped_early as i64,
    ];
    t.insert(
        "meta/counters".into(),
        Tensor::new(&counters, &Device::Cpu).map_err(&e)?,
    );
    t.insert("meta/best".into(), f64s(&[st.best]).map_err(&e)?);
    // Histories are at least one epoch long whenever a checkpoint is written.
    t.insert("history/train".into(), f64s(&h.train_loss).map_err(&e)?);
    t.insert("history/lr".into(), f64s(&h.lr).map_err(&e)?);
    if !h.val_loss.is_empty() {
        t.insert("history/val".into(), f64s(&h.val_loss).map_err(&e)?);
    }
    let tmp = path.with_extension("safetensors.tmp");
    candle_core::safetensors::save(&t, &tmp).map_err(&e)?;
    std::fs::rename(&tmp, path).map_err(|err| Error::io(path, err))
}

fn load_checkpoint(path: &Path, params: &Params, opt: &mut Optimizer) -> Result<RunState> {
    let bad = |reason: String| Error::ModelFile {
        path: path.display().to_string(),
        reason,
    };
    let t = candle_core::safetensors::load(path, &Device::Cpu).map_err(|e| bad(e.to_string()))?;
    let section = |prefix: &str| -> HashMap<String, Tensor> {
        t.iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|n| (n.to_string(), v.clone())))
            .collect()
    };
    params.restore(&section("param/"))?;
    let best = section("best/");
    opt.load_state(&t, "opt/")?;
    let get = |k: &str| t.get(k).ok_or_else(|| bad(format!("has no `{k}`")));
    let e = terr("reading a checkpoint");
    let rng = rng_from_bytes(&get("rng")?.to_vec1::<u8>().map_err(&e)?)?;
    let c = get("meta/counters")?.to_vec1::<i64>().map_err(&e)?;
    if c.len() != 4 {
        return Err(bad("counters have the wrong length".into()));
    }
    let v = |k: &str| -> Result<Vec<f64>> {
        match t.get(k) {
            Some(x) => x.to_vec1::<f64>().map_err(&e),
            None => Ok(Vec::new()),
        }
    };
    Ok(RunState {
        rng,
        epoch: c[0] as usize,
        history: History {
            train_loss: v("history/train")?,
            val_loss: v("history/val")?,
            lr: v("history/lr")?,
            best_epoch: c[1] as usize,
            stopped_early: c[3] != 0,
        },
        best: v("meta/best")?.first().copied().unwrap_or(f64::INFINITY),
        bad_epochs: c[2] as usize,
        best_params: (!best.is_empty()).then_some(best),
    })
}

/// An SVG line plot of the training (blue) and validation (orange) loss per epoch.
pub fn loss_curve_svg(h: &History) -> String {
    let (w, ht, pad) = (640.0, 400.0, 50.0);
    let all: Vec<f64> = h
        .train_loss
        .iter()
        .chain(&h.val_loss)
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let n = h.train_loss.len().max(2) - 1;
    let line = |v: &[f64], color: &str| -> String {
        let pts: Vec<String> = v
            .iter()
            .enumerate()
            .map(|(i, &y)| {
                let px = pad + (w - 2.0 * pad) * i as f64 / n as f64;
                let py = ht - pad - (ht - 2.0 * pad) * (y - lo) / span;
                format!("{px:.1},{py:.1}")
            })
            .collect();
        format!(
            r#"<polyline fill="none" stroke="{color}" stroke-width="2" points="{}"/>"#,
            pts.join(" ")
        )
    };
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{ht}">"#,
            r#"<rect width="100%" height="100%" fill="white"/>"#,
            r#"<line x1="{pad}" y1="{b}" x2="{r}" y2="{b}" stroke="black"/>"#,
            r#"<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{b}" stroke="black"/>"#,
            r#"<text x="{pad}" y="{t}" font-size="12">loss {hi:.4}</text>"#,
            r#"<text x="{pad}" y="{bl}" font-size="12">{lo:.4} | epochs 1..{e}</text>{tr}{va}</svg>"#
        ),
        w = w,
        ht = ht,
        pad = pad,
        b = ht - pad,
        r = w - pad,
        t = pad - 8.0,
        bl = ht - pad + 20.0,
        hi = hi,
        lo = lo,
        e = h.train_loss.len(),
        tr = line(&h.train_loss, "#1f77b4"),
        va = line(&h.val_loss, "#ff7f0e"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::layers::{dropout::Dropout, linear::Linear, Module, Sequential};
    use crate::loss::CrossEntropy;
    use crate::optim::schedule::{Decay, Warmup};

    /// A small noisy classification problem and a net with dropout (so the generator matters).
    fn problem(seed: u64) -> (Params, Sequential, Tensor, Tensor) {
        let mut rng = seeded_rng(seed);
        let mut params = Params::new();
        let net = Sequential::new()
            .push(Linear::new(&mut params, "0", 4, 16, &mut rng, DType::F32).unwrap())
            .push(Activation::Relu)
            .push(Dropout::new(0.2).unwrap())
            .push(Linear::new(&mut params, "3", 16, 3, &mut rng, DType::F32).unwrap());
        let x = crate::init::Init::Normal { std: 1.0 }
            .sample(&[60, 4], &mut rng, DType::F32)
            .unwrap();
        let labels: Vec<u32> = x
            .to_vec2::<f32>()
            .unwrap()
            .iter()
            .map(|r| {
                if r[0] + r[1] > 0.5 {
                    0
                } else if r[2] > 0.0 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let y = Tensor::new(labels.as_slice(), &Device::Cpu).unwrap();
        (params, net, x, y)
    }

    fn config(epochs: usize, ck: Option<Checkpointing>) -> TrainConfig {
        TrainConfig {
            epochs,
            batch_size: 16,
            lr: 0.01,
            optimizer: OptimizerKind::adamw(0.01),
            schedule: Schedule {
                warmup: Some(Warmup {
                    steps: 2,
                    start_factor: 0.5,
                }),
                decay: Decay::Cosine {
                    t_max: 6,
                    eta_min: 0.0,
                },
            },
            clip: Some(Clip::Norm(1.0)),
            seed: 5,
            checkpoint: ck,
            ..TrainConfig::default()
        }
    }

    fn run(epochs: usize, ck: Option<Checkpointing>) -> (History, Vec<f32>) {
        let (params, net, x, y) = problem(1);
        let ce = CrossEntropy::default();
        let h = train(
            &config(epochs, ck),
            &params,
            |x, y, m| ce.apply(&net.forward(x, m)?, y),
            (&x, &y),
            Some((&x, &y)),
        )
        .unwrap();
        let w = params
            .get("3.weight")
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        (h, w)
    }

    #[test]
    fn loss_decreases() {
        let (h, _) = run(8, None);
        assert!(
            h.train_loss[7] < 0.8 * h.train_loss[0],
            "{:?}",
            h.train_loss
        );
        assert_eq!(h.val_loss.len(), 8);
        assert!((h.lr[2] - 0.01).abs() < 1e-12);
    }

    /// Three epochs, stop, resume to eight: the same losses, rates and weights, bit for bit, as
    /// eight epochs in one go.
    #[test]
    fn resuming_reproduces_the_uninterrupted_run_exactly() {
        let dir = std::env::temp_dir().join(format!("breadth-nn-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("run.safetensors");
        let _ = std::fs::remove_file(&path);
        let ck = Checkpointing {
            path: path.clone(),
            every: 1,
            resume: true,
        };
        let (full, w_full) = run(8, None);
        let (first, _) = run(3, Some(ck.clone()));
        assert_eq!(first.train_loss.len(), 3);
        let (resumed, w_resumed) = run(8, Some(ck));
        assert_eq!(resumed.train_loss, full.train_loss);
        assert_eq!(resumed.val_loss, full.val_loss);
        assert_eq!(resumed.lr, full.lr);
        assert_eq!(w_resumed, w_full);
        assert!(!dir.join("run.safetensors.tmp").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn early_stopping_restores_the_best_parameters() {
        let (params, net, x, y) = problem(2);
        let ce = CrossEntropy::default();
        // A validation set with shuffled labels: its loss soon stops improving.
        let shifted: Vec<u32> = y
            .to_vec1::<u32>()
            .unwrap()
            .iter()
            .map(|&l| (l + 1) % 3)
            .collect();
        let yv = Tensor::new(shifted.as_slice(), &Device::Cpu).unwrap();
        let mut cfg = config(60, None);
        cfg.lr = 0.05;
        cfg.early_stopping = Some(EarlyStopping {
            patience: 3,
            min_delta: 0.0,
        });
        let loss = |x: &Tensor, y: &Tensor, m: &mut Mode<'_>| ce.apply(&net.forward(x, m)?, y);
        let h = train(&cfg, &params, loss, (&x, &y), Some((&x, &yv))).unwrap();
        assert!(h.stopped_early && h.train_loss.len() < 60);
        assert_eq!(h.train_loss.len(), h.best_epoch + 4);
        let now = evaluate(&loss, (&x, &yv), 16).unwrap();
        assert!(
            (now - h.val_loss[h.best_epoch]).abs() < 1e-6,
            "{now} vs {:?}",
            h.val_loss
        );
    }

    #[test]
    fn bad_settings_and_data_are_errors() {
        let (params, net, x, y) = problem(3);
        let ce = CrossEntropy::default();
        let loss = |x: &Tensor, y: &Tensor, m: &mut Mode<'_>| ce.apply(&net.forward(x, m)?, y);
        let mut cfg = config(2, None);
        cfg.batch_size = 0;
        assert!(train(&cfg, &params, loss, (&x, &y), None).is_err());
        let short = y.narrow(0, 0, 10).unwrap();
        assert!(train(&config(2, None), &params, loss, (&x, &short), None).is_err());
    }

    /// Without shuffling every epoch visits the rows in their given order; with it (the
    /// default) the order changes.
    #[test]
    fn shuffle_off_keeps_the_row_order() {
        let (params, net, x, y) = problem(1);
        let first_column = x.narrow(1, 0, 1).unwrap().flatten_all().unwrap();
        let first_column = first_column.to_vec1::<f32>().unwrap();
        for shuffle in [false, true] {
            let seen = std::cell::RefCell::new(Vec::new());
            let loss = |xb: &Tensor, yb: &Tensor, m: &mut Mode<'_>| {
                let col = xb.narrow(1, 0, 1)?.flatten_all()?.to_vec1::<f32>()?;
                seen.borrow_mut().extend(col);
                CrossEntropy::default().apply(&net.forward(xb, m)?, yb)
            };
            let cfg = TrainConfig {
                epochs: 2,
                batch_size: 16,
                shuffle,
                ..TrainConfig::default()
            };
            train(&cfg, &params, loss, (&x, &y), None).unwrap();
            let seen = seen.into_inner();
            let in_order = seen[..60] == first_column[..] && seen[60..] == first_column[..];
            assert_eq!(in_order, !shuffle, "shuffle {shuffle}");
        }
    }

    #[test]
    fn a_last_batch_of_one_row_joins_the_previous() {
        let order: Vec<u32> = (0..9).collect();
        let sizes: Vec<usize> = batches(&order, 4).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, vec![4, 5]);
        assert_eq!(batches(&order, 4)[1], &[4, 5, 6, 7, 8]);
        let sizes: Vec<usize> = batches(&order[..1], 4).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, vec![1]);
    }

    #[test]
    fn svg_plot_has_both_curves() {
        let h = History {
            train_loss: vec![1.0, 0.5, 0.25],
            val_loss: vec![1.1, 0.7, 0.6],
            ..History::default()
        };
        let svg = loss_curve_svg(&h);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
