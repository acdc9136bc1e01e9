//! Transfer learning: reuse the convolution blocks of a trained [`CnnClassifier`] as a frozen
//! feature extractor and train only a new linear head on another task.
//!
//! With the pretrained backbone $\phi$ (convolutions, batch normalisation in evaluation mode,
//! ReLU, pooling, flattening) held fixed, the new head is $z = W \phi(x) + b$ with
//! $W \in \mathbb{R}^{K \times m}$ for the $K$ new classes and $m$ backbone features, trained on
//! the cross-entropy of $\operatorname{softmax}(z)$. Freezing means the gradient never reaches
//! $\phi$, so the features are computed once and the head is a multinomial logistic regression on
//! them: with few labels it has far fewer parameters to fit than a network trained from scratch.
//!
//! Shapes: images as flat rows $(n, h w)$ $\to$ features $(n, m)$ $\to$ scores $(n, K)$.
//! Cost: one backbone forward pass per row, then $O(n m K)$ per head epoch.
//! Reference: J. Yosinski et al., *How transferable are features in deep neural networks?*,
//! NeurIPS 2014.
//!
//! ```
//! use breadth_nn::cnn::CnnClassifierParams;
//! use breadth_nn::transfer::TransferParams;
//! use breadth_core::{Classifier, Fit};
//! let digits = breadth_data::datasets::load("digits").unwrap();
//! let mut cnn = CnnClassifierParams::default();
//! cnn.channels = vec![4];
//! cnn.train.epochs = 2;
//! let backbone = cnn.fit(&digits.select(&(0..200).collect::<Vec<_>>())).unwrap();
//! let few = digits.select(&(200..260).collect::<Vec<_>>());
//! let model = TransferParams::new(backbone).fit(&few).unwrap();
//! assert_eq!(model.predict(few.features()).unwrap().len(), 60);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Result};
use candle_core::{DType, Device, Tensor};
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::cnn::CnnClassifier;
use crate::layers::linear::Linear;
use crate::layers::Mode;
use crate::loss::CrossEntropy;
use crate::params::{Params, SavedTensor};
use crate::settings::{argmax_rows, class_targets, softmax_rows, to_array, TrainSettings};
use crate::tensor_err;
use crate::train::History;

/// A pretrained backbone and how to train the new head.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferParams {
    /// The trained CNN whose convolution blocks are reused, frozen.
    pub backbone: CnnClassifier,
    /// How the head trains.
    pub head: TrainSettings,
}

impl TransferParams {
    /// Reuse `backbone`; the head trains with Adam at 0.01 for 100 epochs in batches of 16.
    pub fn new(backbone: CnnClassifier) -> Self {
        TransferParams {
            backbone,
            head: TrainSettings {
                learning_rate: 1e-2,
                batch_size: 16,
                epochs: 100,
                ..TrainSettings::default()
            },
        }
    }
}

/// A frozen backbone with a head fine-tuned on a new task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferClassifier {
    backbone: CnnClassifier,
    head: Vec<SavedTensor>,
    n_backbone_features: usize,
    classes: Vec<String>,
    history: History,
}

impl TransferClassifier {
    /// Training losses of the head per epoch.
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
        params.load_saved(&self.head)?;
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
        let history = self.head.fit(&params, loss, &feats, &targets)?;
        Ok(TransferClassifier {
            backbone: self.backbone.clone(),
            head: params.to_saved()?,
            n_backbone_features: m,
            classes,
            history,
        })
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

    #[test]
    fn conformance() {
        let high = digits_where(|l| l >= 5);
        let mut p = TransferParams::new(backbone());
        p.head.epochs = 5;
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
