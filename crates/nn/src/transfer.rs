//! Transfer learning: reuse the convolution blocks of a trained [`CnnClassifier`] on another
//! task, either as a frozen feature extractor under a new linear head, or fine-tuned whole.
//!
//! With the pretrained backbone $\phi$ (convolutions, batch normalisation, ReLU, pooling,
//! flattening), the new head is $z = W \phi(x) + b$ with $W \in \mathbb{R}^{K \times m}$ for the
//! $K$ new classes and $m$ backbone features, trained on the cross-entropy of
//! $\operatorname{softmax}(z)$.
//!
//! - [`FineTune::Frozen`]: the gradient never reaches $\phi$ (batch normalisation stays in
//!   evaluation mode), so the features are computed once and the head is a multinomial logistic
//!   regression on them: with few labels it has far fewer parameters to fit than a network
//!   trained from scratch.
//! - [`FineTune::Full`]: first the frozen step above (linear probing), then every weight,
//!   $\phi$'s included, trains further at a lower learning rate (LP-FT): the head starts
//!   fitted, so the first gradients that reach $\phi$ do not wreck its features.
//!
//! Shapes: images as flat rows $(n, h w)$ $\to$ features $(n, m)$ $\to$ scores $(n, K)$.
//! Cost: one backbone forward pass per row, then $O(n m K)$ per head epoch; full fine-tuning
//! adds a forward and backward pass of the whole network per row and epoch.
//! Reference: J. Yosinski et al., *How transferable are features in deep neural networks?*,
//! NeurIPS 2014; A. Kumar et al., *Fine-Tuning can Distort Pretrained Features and
//! Underperform Out-of-Distribution*, ICLR 2022 (LP-FT).
//!
//! ```
//! use breadth_nn::cnn::CnnClassifierParams;
//! use breadth_nn::transfer::{FineTune, TransferParams};
//! use breadth_core::{Classifier, Fit};
//! let digits = breadth_data::datasets::load("digits").unwrap();
//! let mut cnn = CnnClassifierParams::default();
//! cnn.channels = vec![4];
//! cnn.train.epochs = 2;
//! let backbone = cnn.fit(&digits.select(&(0..200).collect::<Vec<_>>())).unwrap();
//! let few = digits.select(&(200..260).collect::<Vec<_>>());
//! let model = TransferParams::new(backbone.clone()).fit(&few).unwrap();
//! assert_eq!(model.predict(few.features()).unwrap().len(), 60);
//! let mut full = TransferParams::new(backbone);
//! full.fine_tune = FineTune::Full { learning_rate: 1e-3, epochs: 2 };
//! assert_eq!(full.fit(&few).unwrap().predict(few.features()).unwrap().len(), 60);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Result};
use candle_core::{DType, Device, Tensor};
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::cnn::CnnClassifier;
use crate::layers::linear::Linear;
use crate::layers::{Mode, Module};
use crate::loss::CrossEntropy;
use crate::params::{Params, SavedTensor};
use crate::settings::{argmax_rows, class_targets, softmax_rows, to_array, TrainSettings};
use crate::tensor_err;
use crate::train::History;

/// What trains on the new task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FineTune {
    /// Only the new head; the backbone stays as pretrained.
    Frozen,
    /// The head first (as `Frozen`), then the whole network for `epochs` more epochs at
    /// `learning_rate` (lower than the head's, so the pretrained features move little).
    Full {
        /// Learning rate of the whole-network stage.
        learning_rate: f64,
        /// Epochs of the whole-network stage.
        epochs: usize,
    },
}

/// A pretrained backbone and how to train on the new task.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferParams {
    /// The trained CNN whose convolution blocks are reused.
    pub backbone: CnnClassifier,
    /// How the head trains (and, but for rate and epochs, the whole-network stage).
    pub head: TrainSettings,
    /// Frozen backbone or full fine-tuning.
    pub fine_tune: FineTune,
}

impl TransferParams {
    /// Reuse `backbone`, frozen; the head trains with Adam at 0.01 for 100 epochs in batches
    /// of 16.
    pub fn new(backbone: CnnClassifier) -> Self {
        TransferParams {
            backbone,
            head: TrainSettings {
                learning_rate: 1e-2,
                batch_size: 16,
                epochs: 100,
                ..TrainSettings::default()
            },
            fine_tune: FineTune::Frozen,
        }
    }
}

/// A pretrained backbone (frozen or fine-tuned) with a new head trained on a new task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferClassifier {
    backbone: CnnClassifier,
    head: Vec<SavedTensor>,
    n_backbone_features: usize,
    classes: Vec<String>,
    history: History,
}

impl TransferClassifier {
    /// Training losses per epoch: the head's, then those of the whole-network stage, if any.
    pub fn history(&self) -> &History {
        &self.history
    }

    fn head(&self, params: &mut Params) -> Result<Linear> {
        let head = Linear::new(
            params,
            "head",
            self.n_backbone_features,
            self.classes.len(),
            &mut seeded_rng(0),
            DType::F32,
        )?;
        // By name, as `params` may hold a backbone too.
        let e = tensor_err("transfer head");
        for v in &self.head {
            let var = params
                .get(&v.name)
                .ok_or_else(|| Error::param("model", format!("no head variable `{}`", v.name)))?;
            let t = Tensor::from_slice(&v.data, v.shape.as_slice(), &Device::Cpu).map_err(&e)?;
            var.set(&t).map_err(&e)?;
        }
        Ok(head)
    }

    fn scores(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let f = features_tensor(&self.backbone, x)?;
        let z = self
            .head(&mut Params::new())?
            .apply(&f)
            .map_err(tensor_err("transfer head"))?;
        to_array(&z)
    }
}

fn features_tensor(backbone: &CnnClassifier, x: ArrayView2<'_, f64>) -> Result<Tensor> {
    let f = backbone.backbone_features(x)?;
    let (n, m) = f.dim();
    let data: Vec<f32> = f.iter().map(|&v| v as f32).collect();
    Tensor::from_vec(data, (n, m), &Device::Cpu).map_err(tensor_err("backbone features"))
}

impl Fit for TransferParams {
    type Fitted = TransferClassifier;
    fn fit(&self, data: &Dataset) -> Result<TransferClassifier> {
        check_fit_input(data)?;
        self.head.validate()?;
        let (targets, classes, multilabel) = class_targets(data, "transfer-classifier")?;
        if multilabel {
            return Err(Error::unsupported(
                "transfer-classifier",
                "multi-label targets",
            ));
        }
        let feats = features_tensor(&self.backbone, data.features())?;
        let m = feats.dim(1).map_err(tensor_err("backbone features"))?;
        let mut params = Params::new();
        let head = Linear::new(
            &mut params,
            "head",
            m,
            classes.len(),
            &mut seeded_rng(self.head.seed),
            DType::F32,
        )?;
        let ce = CrossEntropy {
            label_smoothing: 0.0,
            ignore_index: None,
        };
        let loss = |x: &Tensor, y: &Tensor, _: &mut Mode<'_>| ce.apply(&head.apply(x)?, y);
        let mut history = self.head.fit(&params, loss, &feats, &targets)?;
        let mut model = TransferClassifier {
            backbone: self.backbone.clone(),
            head: params.to_saved()?,
            n_backbone_features: m,
            classes,
            history: History::default(),
        };
        if let FineTune::Full {
            learning_rate,
            epochs,
        } = self.fine_tune
        {
            let stage = TrainSettings {
                learning_rate,
                epochs,
                ..self.head.clone()
            };
            stage.validate()?;
            let mut all = Params::new();
            let backbone = self.backbone.backbone(&mut all)?;
            let head = model.head(&mut all)?;
            let loss = |x: &Tensor, y: &Tensor, mode: &mut Mode<'_>| {
                ce.apply(&head.apply(&backbone.forward(x, mode)?)?, y)
            };
            let images = self.backbone.images(data.features())?;
            let more = stage.fit(&all, loss, &images, &targets)?;
            model.backbone = self.backbone.with_backbone_from(&all)?;
            let saved = all.to_saved()?;
            model.head = saved
                .into_iter()
                .filter(|v| v.name.starts_with("head."))
                .collect();
            history.best_epoch = history.train_loss.len() + more.best_epoch;
            history.stopped_early = more.stopped_early;
            history.train_loss.extend(more.train_loss);
            history.val_loss.extend(more.val_loss);
            history.lr.extend(more.lr);
        }
        model.history = history;
        Ok(model)
    }
}

impl Fitted for TransferClassifier {
    fn model_name(&self) -> &'static str {
        "transfer-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.backbone.n_features_in()
    }
}

impl Classifier for TransferClassifier {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.scores(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(softmax_rows(self.scores(x)?))
    }
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.scores(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cnn::CnnClassifierParams;
    use breadth_core::conformance::check_classifier;

    fn digits_where(keep: impl Fn(usize) -> bool) -> Dataset {
        let d = breadth_data::datasets::load("digits").unwrap();
        let (labels, _) = d.class_target("t").unwrap();
        let idx: Vec<usize> = (0..d.n_samples()).filter(|&i| keep(labels[i])).collect();
        d.select(&idx)
    }

    fn backbone() -> CnnClassifier {
        let mut p = CnnClassifierParams {
            channels: vec![8],
            ..CnnClassifierParams::default()
        };
        p.train.epochs = 3;
        let low = digits_where(|l| l < 5);
        p.fit(&low.select(&(0..400).collect::<Vec<_>>())).unwrap()
    }

    /// Full fine-tuning moves the backbone (its features change), keeps the head's shape and
    /// reaches a lower training loss than the head alone had.
    #[test]
    fn full_fine_tuning_moves_the_backbone() {
        let bb = backbone();
        let high = digits_where(|l| l >= 5).select(&(0..100).collect::<Vec<_>>());
        let mut p = TransferParams::new(bb.clone());
        p.head.epochs = 10;
        p.fine_tune = FineTune::Full {
            learning_rate: 1e-3,
            epochs: 5,
        };
        let model = p.fit(&high).unwrap();
        assert_ne!(
            bb.backbone_features(high.features()).unwrap(),
            model.backbone.backbone_features(high.features()).unwrap()
        );
        let losses = &model.history().train_loss;
        assert_eq!(losses.len(), 15);
        assert!(losses[14] < losses[9], "{losses:?}");
        assert_eq!(model.predict(high.features()).unwrap().len(), 100);
    }

    #[test]
    fn conformance() {
        let high = digits_where(|l| l >= 5);
        let mut p = TransferParams::new(backbone());
        p.head.epochs = 5;
        check_classifier(&p, &high.select(&(0..120).collect::<Vec<_>>()));
        p.fine_tune = FineTune::Full {
            learning_rate: 1e-3,
            epochs: 2,
        };
        check_classifier(&p, &high.select(&(0..120).collect::<Vec<_>>()));
    }

    /// The backbone stays frozen: its features are the same before and after fine-tuning, and
    /// a head trained on 5-9 with 20 labels per class beats chance (20%) on the rest by far.
    #[test]
    fn frozen_backbone_and_useful_head() {
        let bb = backbone();
        let high = digits_where(|l| l >= 5);
        let (labels, _) = high.class_target("t").unwrap();
        let mut per_class = [0usize; 10];
        let (mut few, mut rest) = (Vec::new(), Vec::new());
        for i in 0..high.n_samples() {
            let c = labels[i];
            if per_class[c] < 20 {
                per_class[c] += 1;
                few.push(i);
            } else {
                rest.push(i);
            }
        }
        let before = bb.backbone_features(high.features()).unwrap();
        let model = TransferParams::new(bb.clone())
            .fit(&high.select(&few))
            .unwrap();
        assert_eq!(
            before,
            model.backbone.backbone_features(high.features()).unwrap()
        );
        let test = high.select(&rest);
        let pred = model.predict(test.features()).unwrap();
        let (truth, _) = test.class_target("t").unwrap();
        let acc =
            pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64;
        assert!(acc > 0.6, "transfer accuracy {acc}");
    }
}
