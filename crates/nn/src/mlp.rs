//! The multi-layer perceptron as a breadth classifier and regressor (`mlp-classifier`,
//! `mlp-regressor`), trained by [`crate::train`] on candle.
//!
//! With standardised inputs $\tilde x = (x - \mu)/s$, hidden sizes $h_1, \dots, h_L$ and an
//! activation $\phi$: $a_0 = \tilde x$, $a_l = \text{dropout}(\phi(W_l a_{l-1} + b_l))$ and output
//! $z = W_{L+1} a_L + b_{L+1}$. The classifier minimises the cross-entropy of
//! $\text{softmax}(z)$ against the class labels, or, for a multi-label target (several yes/no
//! labels per row), the binary cross-entropy of $\sigma(z_k)$ per label; the regressor
//! minimises the mean squared error of $z$ against the standardised target. Training is
//! minibatch Adam (or any [`OptimizerKind`]) with optional weight decay, dropout, a learning-rate
//! schedule, gradient clipping and early stopping on a held-out share of the training rows.
//!
//! Shapes: $X$ is $n \times d$; weights $W_l$ are $h_l \times h_{l-1}$. Cost per epoch:
//! $O(n \sum_l h_l h_{l-1})$ for the forward pass and twice that for the backward pass.
//! The fitted model stores its weights as `f32` vectors, so it saves and loads through serde.
//!
//! Reference: D. Rumelhart, G. Hinton, R. Williams, *Learning representations by
//! back-propagating errors*, Nature 1986; scikit-learn's `MLPClassifier` (whose parameter names
//! are followed where they exist).
//!
//! ```
//! use breadth_nn::mlp::MlpClassifierParams;
//! use breadth_core::{Classifier, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let params = MlpClassifierParams::default().hidden(vec![16]).epochs(60).learning_rate(0.01);
//! let model = params.fit(&iris).unwrap();
//! let pred = model.predict(iris.features()).unwrap();
//! let (labels, _) = iris.class_target("t").unwrap();
//! let acc = pred.iter().zip(labels).filter(|(a, b)| a == b).count() as f64 / 150.0;
//! assert!(acc > 0.9, "{acc}");
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{
    check_fit_input, check_predict_input, in_range, non_negative, positive,
};
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Regressor, Result, Target};
use candle_core::{DType, Device, Tensor, Var};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::clip::Clip;
use crate::layers::dropout::Dropout;
use crate::layers::linear::Linear;
use crate::layers::{Mode, Module, Sequential};
use crate::loss::{bce_with_logits, mse, CrossEntropy};
use crate::optim::schedule::{Decay, Schedule, Warmup};
use crate::optim::OptimizerKind;
use crate::params::Params;
use crate::tensor_err;
use crate::train::{train, EarlyStopping, History, TrainConfig};

/// Hyper-parameters shared by the MLP classifier and regressor.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpConfig {
    /// Sizes of the hidden layers (empty: a linear model).
    pub hidden: Vec<usize>,
    /// Activation of the hidden layers.
    pub activation: Activation,
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
    /// Dropout after each hidden activation.
    pub dropout: f64,
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
}

impl Default for MlpConfig {
    fn default() -> Self {
        MlpConfig {
            hidden: vec![100],
            activation: Activation::Relu,
            optimizer: OptimizerKind::adam(),
            learning_rate: 1e-3,
            batch_size: 32,
            epochs: 100,
            weight_decay: 1e-4,
            dropout: 0.0,
            schedule: Decay::Constant,
            warmup_epochs: 0,
            clip_norm: 0.0,
            early_stopping: false,
            validation_fraction: 0.1,
            patience: 10,
            seed: 0,
        }
    }
}

fn parse_sizes(name: &str, value: &str) -> Result<Vec<usize>> {
    let v = value.trim();
    if v.is_empty() || v == "none" {
        return Ok(Vec::new());
    }
    v.split(',')
        .map(|s| parse_param::<usize>(name, s))
        .collect()
}

impl MlpConfig {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let sizes: Vec<String> = self.hidden.iter().map(|h| h.to_string()).collect();
        vec![
            ParamSpec::new(
                "hidden_layer_sizes",
                sizes.join(","),
                "comma-separated hidden sizes, e.g. 128,64 (none: linear)",
            ),
            ParamSpec::new(
                "activation",
                self.activation,
                "relu | leaky_relu[:A] | gelu | gelu_tanh | silu | tanh | sigmoid",
            ),
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
                "dropout",
                self.dropout,
                "drop probability after each hidden layer, in [0, 1)",
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

    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "hidden_layer_sizes" => self.hidden = parse_sizes(name, value)?,
            "activation" => self.activation = parse_param(name, value)?,
            "optimizer" => self.optimizer = parse_param(name, value)?,
            "learning_rate" => self.learning_rate = parse_param(name, value)?,
            "batch_size" => self.batch_size = parse_param(name, value)?,
            "epochs" => self.epochs = parse_param(name, value)?,
            "weight_decay" => self.weight_decay = parse_param(name, value)?,
            "dropout" => self.dropout = parse_param(name, value)?,
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

    fn validate(&self) -> Result<()> {
        if self.hidden.contains(&0) {
            return Err(Error::param(
                "hidden_layer_sizes",
                "every hidden layer needs at least one unit",
            ));
        }
        positive("learning_rate", self.learning_rate)?;
        non_negative("weight_decay", self.weight_decay)?;
        non_negative("clip_norm", self.clip_norm)?;
        if self.epochs == 0 || self.batch_size == 0 || self.patience == 0 {
            return Err(Error::param(
                "epochs / batch_size / patience",
                "must each be at least 1",
            ));
        }
        Dropout::new(self.dropout)?;
        if self.early_stopping {
            in_range("validation_fraction", self.validation_fraction, 1e-9, 0.5)?;
        }
        Ok(())
    }

    fn train_config(&self) -> TrainConfig {
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
            checkpoint: None,
            progress: false,
        }
    }
}

macro_rules! config_setters {
    ($ty:ty) => {
        impl $ty {
            /// Hidden layer sizes.
            pub fn hidden(mut self, sizes: Vec<usize>) -> Self {
                self.0.hidden = sizes;
                self
            }
            /// Hidden activation.
            pub fn activation(mut self, a: Activation) -> Self {
                self.0.activation = a;
                self
            }
            /// Update rule.
            pub fn optimizer(mut self, o: OptimizerKind) -> Self {
                self.0.optimizer = o;
                self
            }
            /// Base learning rate.
            pub fn learning_rate(mut self, lr: f64) -> Self {
                self.0.learning_rate = lr;
                self
            }
            /// Rows per minibatch.
            pub fn batch_size(mut self, b: usize) -> Self {
                self.0.batch_size = b;
                self
            }
            /// Passes over the data.
            pub fn epochs(mut self, e: usize) -> Self {
                self.0.epochs = e;
                self
            }
            /// Weight decay.
            pub fn weight_decay(mut self, w: f64) -> Self {
                self.0.weight_decay = w;
                self
            }
            /// Dropout probability.
            pub fn dropout(mut self, p: f64) -> Self {
                self.0.dropout = p;
                self
            }
            /// Early stopping on a held-out share with the given patience.
            pub fn early_stopping(mut self, fraction: f64, patience: usize) -> Self {
                self.0.early_stopping = true;
                self.0.validation_fraction = fraction;
                self.0.patience = patience;
                self
            }
            /// Learning-rate decay and warm-up epochs.
            pub fn schedule(mut self, decay: Decay, warmup_epochs: usize) -> Self {
                self.0.schedule = decay;
                self.0.warmup_epochs = warmup_epochs;
                self
            }
            /// Seed.
            pub fn seed(mut self, s: u64) -> Self {
                self.0.seed = s;
                self
            }
        }

        impl Configurable for $ty {
            fn param_specs(&self) -> Vec<ParamSpec> {
                self.0.param_specs()
            }
            fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
                self.0.set_param(name, value)
            }
        }
    };
}

/// Hyper-parameters of the MLP classifier (class labels or multi-label indicators).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MlpClassifierParams(pub MlpConfig);

/// Hyper-parameters of the MLP regressor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MlpRegressorParams(pub MlpConfig);

config_setters!(MlpClassifierParams);
config_setters!(MlpRegressorParams);

/// One dense layer's weights, row-major $(o, i)$, and bias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Dense {
    in_dim: usize,
    out_dim: usize,
    weight: Vec<f32>,
    bias: Vec<f32>,
}

/// A trained network with its input standardisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Net {
    layers: Vec<Dense>,
    activation: Activation,
    x_mean: Vec<f64>,
    x_scale: Vec<f64>,
}

/// The layers of an MLP in training form, with their variables registered in `params`.
fn build(
    cfg: &MlpConfig,
    n_in: usize,
    n_out: usize,
    params: &mut Params,
) -> Result<(Sequential, Vec<Linear>)> {
    let mut rng = seeded_rng(cfg.seed);
    let mut seq = Sequential::new();
    let mut linears = Vec::new();
    let mut prev = n_in;
    for (i, &h) in cfg.hidden.iter().chain(std::iter::once(&n_out)).enumerate() {
        let lin = Linear::new(params, &format!("{i}"), prev, h, &mut rng, DType::F32)?;
        linears.push(lin.clone());
        seq = seq.push(lin);
        if i < cfg.hidden.len() {
            seq = seq.push(cfg.activation);
            if cfg.dropout > 0.0 {
                seq = seq.push(Dropout::new(cfg.dropout)?);
            }
        }
        prev = h;
    }
    Ok((seq, linears))
}

/// Column means and scales (standard deviations, 1 where a column is constant).
fn standardizer(x: ArrayView2<'_, f64>) -> (Vec<f64>, Vec<f64>) {
    let mean = x.mean_axis(Axis(0)).expect("non-empty");
    let scale = x
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 1e-12 { s } else { 1.0 });
    (mean.to_vec(), scale.to_vec())
}

fn to_tensor(x: ArrayView2<'_, f64>, mean: &[f64], scale: &[f64]) -> Result<Tensor> {
    let (n, d) = x.dim();
    let mut v = Vec::with_capacity(n * d);
    for row in x.outer_iter() {
        v.extend(
            row.iter()
                .zip(mean)
                .zip(scale)
                .map(|((&x, m), s)| ((x - m) / s) as f32),
        );
    }
    Tensor::from_vec(v, (n, d), &Device::Cpu).map_err(tensor_err("mlp input"))
}

impl Net {
    fn from_trained(
        linears: &[Linear],
        activation: Activation,
        x_mean: Vec<f64>,
        x_scale: Vec<f64>,
    ) -> Result<Self> {
        let e = tensor_err("mlp weights");
        let layers = linears
            .iter()
            .map(|l| {
                let (out_dim, in_dim) = l.weight().dims2().map_err(&e)?;
                Ok(Dense {
                    in_dim,
                    out_dim,
                    weight: l
                        .weight()
                        .flatten_all()
                        .and_then(|w| w.to_vec1::<f32>())
                        .map_err(&e)?,
                    bias: l
                        .bias()
                        .expect("built with bias")
                        .to_vec1::<f32>()
                        .map_err(&e)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Net {
            layers,
            activation,
            x_mean,
            x_scale,
        })
    }

    /// Output scores $z$ for the raw rows `x` (already validated).
    fn outputs(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let e = tensor_err("mlp forward pass");
        let dev = Device::Cpu;
        let mut h = to_tensor(x, &self.x_mean, &self.x_scale)?;
        for (i, d) in self.layers.iter().enumerate() {
            let w = Tensor::from_slice(&d.weight, (d.out_dim, d.in_dim), &dev).map_err(&e)?;
            let b = Tensor::from_slice(&d.bias, d.out_dim, &dev).map_err(&e)?;
            let lin = Linear::from_vars(
                Var::from_tensor(&w).map_err(&e)?,
                Some(Var::from_tensor(&b).map_err(&e)?),
            );
            h = lin.apply(&h).map_err(&e)?;
            if i + 1 < self.layers.len() {
                h = self.activation.apply(&h).map_err(&e)?;
            }
        }
        let (n, k) = h.dims2().map_err(&e)?;
        let v = h
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(&e)?;
        Ok(Array2::from_shape_vec((n, k), v.into_iter().map(f64::from).collect()).expect("shape"))
    }
}

/// Train a network for `targets` (a tensor of u32 labels or f32 values, one row per sample)
/// with `loss`, holding out rows for early stopping when asked.
fn fit_net(
    cfg: &MlpConfig,
    data: &Dataset,
    targets: Tensor,
    n_out: usize,
    loss: impl Fn(&Tensor, &Tensor) -> candle_core::Result<Tensor>,
) -> Result<(Net, History)> {
    cfg.validate()?;
    let x = data.features();
    let (x_mean, x_scale) = standardizer(x);
    let xt = to_tensor(x, &x_mean, &x_scale)?;
    let mut params = Params::new();
    let (seq, linears) = build(cfg, data.n_features(), n_out, &mut params)?;
    let loss_fn = |x: &Tensor, y: &Tensor, mode: &mut Mode<'_>| loss(&seq.forward(x, mode)?, y);
    let n = data.n_samples();
    let history = if cfg.early_stopping {
        let n_val = ((n as f64 * cfg.validation_fraction).ceil() as usize).max(1);
        if n_val >= n {
            return Err(Error::param(
                "validation_fraction",
                format!("leaves no training rows out of {n}"),
            ));
        }
        let mut order: Vec<u32> = (0..n as u32).collect();
        // A generator of its own, so the split does not shift the training stream.
        order.shuffle(&mut seeded_rng(cfg.seed ^ 0x5eed_5a11));
        let e = tensor_err("validation split");
        let take = |idx: &[u32], t: &Tensor| {
            Tensor::new(idx, &Device::Cpu)
                .and_then(|i| t.index_select(&i, 0))
                .map_err(&e)
        };
        let (val_idx, tr_idx) = order.split_at(n_val);
        let (xv, yv) = (take(val_idx, &xt)?, take(val_idx, &targets)?);
        let (xtr, ytr) = (take(tr_idx, &xt)?, take(tr_idx, &targets)?);
        train(
            &cfg.train_config(),
            &params,
            loss_fn,
            (&xtr, &ytr),
            Some((&xv, &yv)),
        )?
    } else {
        train(&cfg.train_config(), &params, loss_fn, (&xt, &targets), None)?
    };
    Ok((
        Net::from_trained(&linears, cfg.activation, x_mean, x_scale)?,
        history,
    ))
}

/// A fitted MLP classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpClassifier {
    net: Net,
    classes: Vec<String>,
    multilabel: bool,
    n_features: usize,
    history: History,
}

impl Fit for MlpClassifierParams {
    type Fitted = MlpClassifier;
    fn fit(&self, data: &Dataset) -> Result<MlpClassifier> {
        check_fit_input(data)?;
        let e = tensor_err("mlp targets");
        let n = data.n_samples();
        let (targets, classes, multilabel) = match data.target() {
            Some(Target::MultiLabel { indicators, names }) => {
                let v: Vec<f32> = indicators.iter().map(|&b| f32::from(b.min(1))).collect();
                let t = Tensor::from_vec(v, (n, names.len()), &Device::Cpu).map_err(&e)?;
                (t, names.clone(), true)
            }
            _ => {
                let (labels, names) = data.class_target("mlp-classifier")?;
                let v: Vec<u32> = labels.iter().map(|&l| l as u32).collect();
                (
                    Tensor::from_vec(v, n, &Device::Cpu).map_err(&e)?,
                    names.to_vec(),
                    false,
                )
            }
        };
        if classes.is_empty() {
            return Err(Error::param("target", "needs at least one class"));
        }
        let ce = CrossEntropy {
            label_smoothing: 0.0,
            ignore_index: None,
        };
        let (net, history) = fit_net(&self.0, data, targets, classes.len(), |z, y| {
            if multilabel {
                bce_with_logits(z, y)
            } else {
                ce.apply(z, y)
            }
        })?;
        Ok(MlpClassifier {
            net,
            classes,
            multilabel,
            n_features: data.n_features(),
            history,
        })
    }
}

impl MlpClassifier {
    /// Training (and validation) losses per epoch.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// True when fitted on a multi-label target.
    pub fn is_multilabel(&self) -> bool {
        self.multilabel
    }

    /// For a multi-label model: the probability of each label, $\sigma(z_k)$, independently
    /// (rows need not sum to one); for a multi-class model: the softmax probabilities.
    pub fn label_probabilities(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let z = self.net.outputs(x)?;
        Ok(if self.multilabel {
            z.mapv(|v| 1.0 / (1.0 + (-v).exp()))
        } else {
            softmax_rows(z)
        })
    }

    /// For a multi-label model: the 0/1 indicator of each label ($\sigma(z_k) > 1/2$).
    pub fn predict_labels(&self, x: ArrayView2<'_, f64>) -> Result<Array2<u8>> {
        check_predict_input(self, x)?;
        if !self.multilabel {
            return Err(Error::unsupported(
                "mlp-classifier",
                "predict_labels on a multi-class model (use predict)",
            ));
        }
        Ok(self.net.outputs(x)?.mapv(|v| u8::from(v > 0.0)))
    }
}

/// Row-wise softmax in f64 (rows sum to one to rounding).
fn softmax_rows(mut z: Array2<f64>) -> Array2<f64> {
    for mut row in z.outer_iter_mut() {
        let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - m).exp());
        let s = row.sum();
        row.mapv_inplace(|v| v / s);
    }
    z
}

impl Fitted for MlpClassifier {
    fn model_name(&self) -> &'static str {
        "mlp-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Classifier for MlpClassifier {
    fn class_names(&self) -> &[String] {
        &self.classes
    }

    /// The most probable class (for a multi-label model: the most probable label).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        check_predict_input(self, x)?;
        let z = self.net.outputs(x)?;
        Ok(z.outer_iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold(0, |best, (k, &v)| if v > r[best] { k } else { best })
            })
            .collect())
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        if self.multilabel {
            return Err(Error::unsupported(
                "mlp-classifier",
                "predict_proba on a multi-label model (use label_probabilities)",
            ));
        }
        self.label_probabilities(x)
    }

    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        self.net.outputs(x)
    }
}

/// A fitted MLP regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpRegressor {
    net: Net,
    y_mean: f64,
    y_scale: f64,
    n_features: usize,
    history: History,
}

impl MlpRegressor {
    /// Training (and validation) losses per epoch, on the standardised target.
    pub fn history(&self) -> &History {
        &self.history
    }
}

impl Fit for MlpRegressorParams {
    type Fitted = MlpRegressor;
    fn fit(&self, data: &Dataset) -> Result<MlpRegressor> {
        check_fit_input(data)?;
        let y = data.continuous_target("mlp-regressor")?;
        let y_mean = y.mean().unwrap_or(0.0);
        let sd = y.std(0.0);
        let y_scale = if sd > 1e-12 { sd } else { 1.0 };
        let v: Vec<f32> = y.iter().map(|&t| ((t - y_mean) / y_scale) as f32).collect();
        let t =
            Tensor::from_vec(v, (y.len(), 1), &Device::Cpu).map_err(tensor_err("mlp targets"))?;
        let (net, history) = fit_net(&self.0, data, t, 1, mse)?;
        Ok(MlpRegressor {
            net,
            y_mean,
            y_scale,
            n_features: data.n_features(),
            history,
        })
    }
}

impl Fitted for MlpRegressor {
    fn model_name(&self) -> &'static str {
        "mlp-regressor"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Regressor for MlpRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        let z = self.net.outputs(x)?;
        Ok(z.column(0).mapv(|v| v * self.y_scale + self.y_mean))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::conformance::{check_classifier, check_regressor};
    use breadth_data::model_selection::split::{TestSize, TrainTestSplit};

    fn accuracy(model: &MlpClassifier, data: &Dataset) -> f64 {
        let pred = model.predict(data.features()).unwrap();
        let (labels, _) = data.class_target("t").unwrap();
        pred.iter().zip(labels).filter(|(a, b)| a == b).count() as f64 / labels.len() as f64
    }

    fn small() -> MlpConfig {
        MlpConfig {
            hidden: vec![8],
            epochs: 5,
            batch_size: 16,
            learning_rate: 0.01,
            ..MlpConfig::default()
        }
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier(&MlpClassifierParams(small()), &iris);
        let diabetes = breadth_data::datasets::load("diabetes")
            .unwrap()
            .select(&(0..120).collect::<Vec<_>>());
        check_regressor(&MlpRegressorParams(small()), &diabetes);
        let mut dropout = small();
        dropout.dropout = 0.2;
        dropout.early_stopping = true;
        check_classifier(&MlpClassifierParams(dropout), &iris);
    }

    /// Digits, stratified 75/25 split with seed 0: the default MLP (100 ReLU units, Adam)
    /// reaches at least 97% test accuracy.
    #[test]
    fn digits_test_accuracy_at_least_97_percent() {
        let digits = breadth_data::datasets::load("digits").unwrap();
        let (train_set, test_set) = TrainTestSplit::new(TestSize::Fraction(0.25))
            .seed(0)
            .stratified()
            .apply(&digits)
            .unwrap();
        let model = MlpClassifierParams::default()
            .epochs(30)
            .fit(&train_set)
            .unwrap();
        let acc = accuracy(&model, &test_set);
        eprintln!("mlp digits test accuracy: {acc:.4}");
        assert!(acc >= 0.97, "test accuracy {acc}");
    }

    #[test]
    fn regressor_beats_the_mean() {
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        let (tr, te) = TrainTestSplit::new(TestSize::Fraction(0.25))
            .seed(0)
            .apply(&diabetes)
            .unwrap();
        let model = MlpRegressorParams::default()
            .hidden(vec![16])
            .epochs(60)
            .learning_rate(0.01)
            .fit(&tr)
            .unwrap();
        let pred = model.predict(te.features()).unwrap();
        let y = te.continuous_target("t").unwrap();
        let mse: f64 = pred
            .iter()
            .zip(y)
            .map(|(p, t)| (p - t).powi(2))
            .sum::<f64>()
            / y.len() as f64;
        let var = y.var(0.0);
        let r2 = 1.0 - mse / var;
        assert!(r2 > 0.3, "R^2 {r2}");
    }

    #[test]
    fn multilabel_learns_independent_labels() {
        // Label 0: x0 > 0; label 1: x1 > 0 (both may hold at once).
        let mut rng = seeded_rng(4);
        let x = crate::init::Init::Normal { std: 1.0 }
            .sample(&[200, 3], &mut rng, DType::F64)
            .unwrap();
        let x =
            Array2::from_shape_vec((200, 3), x.flatten_all().unwrap().to_vec1::<f64>().unwrap())
                .unwrap();
        let ind = Array2::from_shape_fn((200, 2), |(i, k)| u8::from(x[[i, k]] > 0.0));
        let ds = Dataset::new(x.clone())
            .with_target(Target::MultiLabel {
                indicators: ind.clone(),
                names: vec!["a".into(), "b".into()],
            })
            .unwrap();
        let model = MlpClassifierParams::default()
            .hidden(vec![16])
            .epochs(40)
            .learning_rate(0.01)
            .fit(&ds)
            .unwrap();
        assert!(model.is_multilabel());
        let pred = model.predict_labels(x.view()).unwrap();
        let agree = pred.iter().zip(ind.iter()).filter(|(a, b)| a == b).count() as f64 / 400.0;
        assert!(agree > 0.95, "{agree}");
        let both = pred.outer_iter().filter(|r| r[0] == 1 && r[1] == 1).count();
        assert!(
            both > 20,
            "labels are not exclusive: {both} rows carry both"
        );
        assert!(model.predict_proba(x.view()).is_err());
    }

    #[test]
    fn bad_parameters_are_errors() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        let mut p = MlpClassifierParams::default();
        assert!(p.set_param("hidden_layer_sizes", "10,0").is_ok());
        assert!(p.fit(&iris).is_err());
        let mut p = MlpClassifierParams::default();
        p.set_param("dropout", "1.5").unwrap();
        assert!(p.fit(&iris).is_err());
        assert!(p.set_param("activation", "nope").is_err());
        assert!(!p.set_param("no_such", "1").unwrap());
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        assert!(MlpClassifierParams::default().fit(&diabetes).is_err());
    }
}
