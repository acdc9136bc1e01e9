//! Layers: parameterised building blocks and the [`Module`] trait that chains them.
//!
//! Every layer registers its variables in a [`crate::params::Params`] under a name prefix when it
//! is built, draws its initial weights from the caller's seeded generator, and computes its
//! forward pass from candle operations that record a backward pass. Layers whose behaviour
//! differs between training and evaluation (dropout, batch normalisation) read the [`Mode`]; in
//! training mode it carries the generator that draws dropout masks, so a training run is
//! reproducible from its seed (and from a checkpoint, which stores the generator's position).
//!
//! | layer | input | output |
//! |---|---|---|
//! | [`linear::Linear`] | $(\dots, i)$ | $(\dots, o)$ |
//! | [`embedding::Embedding`] | integer ids $(\dots)$ | $(\dots, d)$ |
//! | [`conv::Conv1d`] / [`conv::Conv2d`] | $(n, c, l)$ / $(n, c, h, w)$ | $(n, o, l')$ / $(n, o, h', w')$ |
//! | [`pool`] | $(n, c, l)$ / $(n, c, h, w)$ | $(n, c, \lfloor l/k \rfloor)$ / $(n, c, \lfloor h/k \rfloor, \lfloor w/k \rfloor)$ |
//! | [`norm::BatchNorm`] | $(n, c)$, $(n, c, l)$ or $(n, c, h, w)$ | same |
//! | [`norm::LayerNorm`] / [`norm::RmsNorm`] | $(\dots, d)$ | same |
//! | [`dropout::Dropout`] | any | same |
//!
//! ```
//! use breadth_nn::layers::{linear::Linear, Mode, Module, Sequential};
//! use breadth_nn::{activation::Activation, params::Params};
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! let (mut params, mut rng) = (Params::new(), seeded_rng(0));
//! let net = Sequential::new()
//!     .push(Linear::new(&mut params, "0", 4, 8, &mut rng, DType::F32).unwrap())
//!     .push(Activation::Relu)
//!     .push(Linear::new(&mut params, "2", 8, 3, &mut rng, DType::F32).unwrap());
//! let x = Tensor::zeros((5, 4), DType::F32, &Device::Cpu).unwrap();
//! assert_eq!(net.forward(&x, &mut Mode::Eval).unwrap().dims(), &[5, 3]);
//! assert_eq!(params.n_trainable_values(), 4 * 8 + 8 + 8 * 3 + 3);
//! ```

use breadth_core::Rng;
use candle_core::{Result, Tensor};

use crate::activation::Activation;

pub mod conv;
pub mod dropout;
pub mod embedding;
pub mod linear;
pub mod norm;
pub mod pool;

/// Training or evaluation; training carries the generator for random layers.
pub enum Mode<'a> {
    /// Training: dropout draws masks, batch normalisation uses and updates batch statistics.
    Train(&'a mut Rng),
    /// Evaluation: deterministic.
    Eval,
}

impl Mode<'_> {
    /// True in training mode.
    pub fn is_train(&self) -> bool {
        matches!(self, Mode::Train(_))
    }
}

/// Something with a forward pass.
pub trait Module: Send + Sync {
    /// Apply the layer to `x`.
    fn forward(&self, x: &Tensor, mode: &mut Mode<'_>) -> Result<Tensor>;
}

impl Module for Activation {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> Result<Tensor> {
        self.apply(x)
    }
}

/// Flatten every dimension after the first: $(n, \dots) \to (n, \prod \dots)$.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flatten;

impl Module for Flatten {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> Result<Tensor> {
        x.flatten_from(1)
    }
}

/// Layers applied one after the other.
#[derive(Default)]
pub struct Sequential {
    layers: Vec<Box<dyn Module>>,
}

impl Sequential {
    /// No layers (the identity).
    pub fn new() -> Self {
        Self::default()
    }

    /// Append a layer.
    pub fn push(mut self, layer: impl Module + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// True when there is no layer.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

impl Module for Sequential {
    fn forward(&self, x: &Tensor, mode: &mut Mode<'_>) -> Result<Tensor> {
        self.layers
            .iter()
            .try_fold(x.clone(), |h, layer| layer.forward(&h, mode))
    }
}
