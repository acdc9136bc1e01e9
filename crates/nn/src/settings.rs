//! What the neural estimators share: training settings by name (`--set learning_rate=0.01`),
//! input standardisation, class targets as tensors, and training with an optional held-out
//! share for early stopping.
//!
//! Standardisation maps each column $x_{\cdot j}$ to $(x_{\cdot j} - \mu_j)/s_j$ with the
//! training mean $\mu_j$ and standard deviation $s_j$ ($s_j = 1$ for a constant column), which
//! keeps the first layer's pre-activations of order one whatever the units of the features.
//! Cost: $O(nd)$.
//!
//! ```
//! use breadth_nn::settings::TrainSettings;
//! let mut s = TrainSettings::default();
//! assert!(s.set_param("learning_rate", "0.01").unwrap());
//! assert!(!s.set_param("no_such_thing", "1").unwrap());
//! assert_eq!(s.learning_rate, 0.01);
//! ```

use breadth_core::registry::{parse_param, ParamSpec};
use breadth_core::validate::{in_range, non_negative, positive};
use breadth_core::{seeded_rng, Dataset, Error, Result, Target};
use candle_core::{Device, Tensor};
use ndarray::{ArrayView2, Axis};
use rand::seq::SliceRandom;

use crate::clip::Clip;
use crate::optim::schedule::{Decay, Schedule, Warmup};
use crate::optim::OptimizerKind;
use crate::params::Params;
use crate::tensor_err;
use crate::train::{train, Checkpointing, EarlyStopping, History, LossFn, TrainConfig};

/// How a neural estimator trains.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    /// Update rule.
    pub optimizer: OptimizerKind,
    /// Base learning rate.
    pub learning_rate: f64,
    /// Rows per minibatch.
    pub batch_size: usize,
    /// Passes over the training rows (at most, with early stopping).
    pub epochs: usize,
    /// Weight decay (L2 through the gradient, decoupled for AdamW).
    pub weight_decay: f64,
    /// Learning-rate decay per epoch.
    pub schedule: Decay,
    /// Epochs of linear warm-up from a tenth of the rate (0: none).
    pub warmup_epochs: usize,
    /// Clip the global gradient norm to this (0: no clipping).
    pub clip_norm: f64,
    /// Hold out `validation_fraction` of the rows and stop when their loss stops improving.
    pub early_stopping: bool,
    /// Share of rows held out for early stopping.
    pub validation_fraction: f64,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Seed of initialisation, shuffling, dropout and the validation split.
    pub seed: u64,
    /// Write resumable checkpoints (set by programs such as `breadth nn train --checkpoint`,
    /// not a model setting: it is not part of `param_specs`).
    pub checkpoint: Option<Checkpointing>,
    /// Show a progress bar on a terminal (programs set it; not a model setting either).
    pub progress: bool,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            optimizer: OptimizerKind::adam(),
            learning_rate: 1e-3,
            batch_size: 32,
            epochs: 100,
            weight_decay: 1e-4,
            schedule: Decay::Constant,
            warmup_epochs: 0,
            clip_norm: 0.0,
            early_stopping: false,
            validation_fraction: 0.1,
            patience: 10,
            seed: 0,
            checkpoint: None,
            progress: false,
        }
    }
}

impl TrainSettings {
    /// Every setting with its current value.
    pub fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "optimizer",
                self.optimizer,
                "sgd | momentum[:MU] | nesterov[:MU] | rmsprop | adam | adamw[:LAMBDA]",
            ),
            ParamSpec::new("learning_rate", self.learning_rate, "base learning rate"),
            ParamSpec::new("batch_size", self.batch_size, "rows per minibatch"),
            ParamSpec::new("epochs", self.epochs, "passes over the training rows"),
            ParamSpec::new(
                "weight_decay",
                self.weight_decay,
                "L2 penalty (decoupled for adamw)",
            ),
            ParamSpec::new(
                "lr_schedule",
                self.schedule,
                "constant | step:K:GAMMA | cosine:T[:ETA_MIN] (per epoch)",
            ),
            ParamSpec::new(
                "warmup_epochs",
                self.warmup_epochs,
                "linear warm-up epochs from 0.1 x the rate",
            ),
            ParamSpec::new(
                "clip_norm",
                self.clip_norm,
                "clip the gradient norm to this (0: off)",
            ),
            ParamSpec::new(
                "early_stopping",
                self.early_stopping,
                "hold out rows and stop when their loss stalls",
            ),
            ParamSpec::new(
                "validation_fraction",
                self.validation_fraction,
                "share held out for early stopping",
            ),
            ParamSpec::new(
                "patience",
                self.patience,
                "epochs without improvement before stopping",
            ),
            ParamSpec::new(
                "seed",
                self.seed,
                "seed of initialisation, shuffling and dropout",
            ),
        ]
    }

    /// Set one setting from text; `Ok(false)` when there is none by that name.
    pub fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "optimizer" => self.optimizer = parse_param(name, value)?,
            "learning_rate" => self.learning_rate = parse_param(name, value)?,
            "batch_size" => self.batch_size = parse_param(name, value)?,
            "epochs" => self.epochs = parse_param(name, value)?,
            "weight_decay" => self.weight_decay = parse_param(name, value)?,
            "lr_schedule" => self.schedule = parse_param(name, value)?,
            "warmup_epochs" => self.warmup_epochs = parse_param(name, value)?,
            "clip_norm" => self.clip_norm = parse_param(name, value)?,
            "early_stopping" => self.early_stopping = parse_param(name, value)?,
            "validation_fraction" => self.validation_fraction = parse_param(name, value)?,
            "patience" => self.patience = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        positive("learning_rate", self.learning_rate)?;
        non_negative("weight_decay", self.weight_decay)?;
        non_negative("clip_norm", self.clip_norm)?;
        if self.epochs == 0 || self.batch_size == 0 || self.patience == 0 {
            return Err(Error::param(
                "epochs / batch_size / patience",
                "must each be at least 1",
            ));
        }
        if self.early_stopping {
            in_range("validation_fraction", self.validation_fraction, 1e-9, 0.5)?;
        }
        Ok(())
    }

    /// The training-loop configuration these settings describe.
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            optimizer: self.optimizer.with_weight_decay(self.weight_decay),
            lr: self.learning_rate,
            schedule: Schedule {
                warmup: (self.warmup_epochs > 0).then_some(Warmup {
                    steps: self.warmup_epochs,
                    start_factor: 0.1,
                }),
                decay: self.schedule,
            },
            clip: (self.clip_norm > 0.0).then_some(Clip::Norm(self.clip_norm)),
            early_stopping: self.early_stopping.then_some(EarlyStopping {
                patience: self.patience,
                min_delta: 0.0,
            }),
            seed: self.seed,
            checkpoint: self.checkpoint.clone(),
            progress: self.progress,
            shuffle: true,
        }
    }

    /// Train `params` on rows of `(x, y)`; with early stopping, a seeded share of the rows is
    /// held out for validation.
    pub fn fit(
        &self,
        params: &Params,
        loss_fn: impl LossFn,
        x: &Tensor,
        y: &Tensor,
    ) -> Result<History> {
        self.validate()?;
        if !self.early_stopping {
            return train(&self.train_config(), params, loss_fn, (x, y), None);
        }
        let n = x.dim(0).map_err(tensor_err("training data"))?;
        let n_val = ((n as f64 * self.validation_fraction).ceil() as usize).max(1);
        if n_val >= n {
            return Err(Error::param(
                "validation_fraction",
                format!("leaves no training rows out of {n}"),
            ));
        }
        let mut order: Vec<u32> = (0..n as u32).collect();
        // A generator of its own, so the split does not shift the training stream.
        order.shuffle(&mut seeded_rng(self.seed ^ 0x5eed_5a11));
        let e = tensor_err("validation split");
        let take = |idx: &[u32], t: &Tensor| {
            Tensor::new(idx, &Device::Cpu)
                .and_then(|i| t.index_select(&i, 0))
                .map_err(&e)
        };
        let (val_idx, tr_idx) = order.split_at(n_val);
        let (xv, yv) = (take(val_idx, x)?, take(val_idx, y)?);
        let (xtr, ytr) = (take(tr_idx, x)?, take(tr_idx, y)?);
        train(
            &self.train_config(),
            params,
            loss_fn,
            (&xtr, &ytr),
            Some((&xv, &yv)),
        )
    }
}

/// Per-column means and scales (standard deviations, 1 where a column is constant).
pub fn standardizer(x: ArrayView2<'_, f64>) -> (Vec<f64>, Vec<f64>) {
    let mean = x.mean_axis(Axis(0)).map(|m| m.to_vec()).unwrap_or_default();
    let scale = x
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 1e-12 { s } else { 1.0 });
    (mean, scale.to_vec())
}

/// `x` standardised by `mean`/`scale` (one value per column, or one for all) as an f32 tensor.
pub fn standardized_tensor(x: ArrayView2<'_, f64>, mean: &[f64], scale: &[f64]) -> Result<Tensor> {
    let (n, d) = x.dim();
    let mut v = Vec::with_capacity(n * d);
    for row in x.outer_iter() {
        v.extend(row.iter().enumerate().map(|(j, &x)| {
            let j = if mean.len() == 1 { 0 } else { j };
            ((x - mean[j]) / scale[j]) as f32
        }));
    }
    Tensor::from_vec(v, (n, d), &Device::Cpu).map_err(tensor_err("network input"))
}

/// The class target as a tensor: u32 labels for classes, an f32 0/1 matrix for multi-label
/// targets; with the class names and whether it is multi-label.
pub fn class_targets(data: &Dataset, model: &str) -> Result<(Tensor, Vec<String>, bool)> {
    let e = tensor_err("class targets");
    let n = data.n_samples();
    let (t, names, multilabel) = match data.target() {
        Some(Target::MultiLabel { indicators, names }) => {
            let v: Vec<f32> = indicators.iter().map(|&b| f32::from(b.min(1))).collect();
            let t = Tensor::from_vec(v, (n, names.len()), &Device::Cpu).map_err(&e)?;
            (t, names.clone(), true)
        }
        _ => {
            let (labels, names) = data.class_target(model)?;
            let v: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
            (
                Tensor::from_vec(v, n, &Device::Cpu).map_err(&e)?,
                names.to_vec(),
                false,
            )
        }
    };
    if names.is_empty() {
        return Err(Error::param("target", "needs at least one class"));
    }
    Ok((t, names, multilabel))
}

/// Row-wise softmax in f64 (rows sum to one to rounding).
pub fn softmax_rows(mut z: ndarray::Array2<f64>) -> ndarray::Array2<f64> {
    for mut row in z.outer_iter_mut() {
        let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - m).exp());
        let s = row.sum();
        row.mapv_inplace(|v| v / s);
    }
    z
}

/// Index of the largest value of each row (the first on ties).
pub fn argmax_rows(z: &ndarray::Array2<f64>) -> ndarray::Array1<usize> {
    z.outer_iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .fold(0, |best, (k, &v)| if v > r[best] { k } else { best })
        })
        .collect()
}

/// Rows of an `(n, k)` f32 tensor as an f64 array.
pub fn to_array(t: &Tensor) -> Result<ndarray::Array2<f64>> {
    let e = tensor_err("network output");
    let (n, k) = t.dims2().map_err(&e)?;
    let v = t
        .flatten_all()
        .and_then(|t| t.to_vec1::<f32>())
        .map_err(&e)?;
    Ok(
        ndarray::Array2::from_shape_vec((n, k), v.into_iter().map(f64::from).collect())
            .expect("n x k values"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn standardizer_handles_constant_columns() {
        let x = array![[1.0, 5.0], [3.0, 5.0]];
        let (m, s) = standardizer(x.view());
        assert_eq!(m, vec![2.0, 5.0]);
        assert_eq!(s, vec![1.0, 1.0]);
        let t = standardized_tensor(x.view(), &m, &s).unwrap();
        assert_eq!(
            t.to_vec2::<f32>().unwrap(),
            vec![vec![-1.0, 0.0], vec![1.0, 0.0]]
        );
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let p = softmax_rows(array![[1000.0, 1001.0, 999.0]]);
        assert!((p.sum() - 1.0).abs() < 1e-12);
        assert_eq!(argmax_rows(&p)[0], 1);
    }

    #[test]
    fn validation_share_must_leave_training_rows() {
        let s = TrainSettings {
            early_stopping: true,
            validation_fraction: 0.9,
            ..TrainSettings::default()
        };
        assert!(s.validate().is_err());
    }
}
