//! Every model of this crate, registered once for the CLI and model selection.
//!
//! ```
//! let names: Vec<_> = breadth_nn::registry::models().iter().map(|m| m.name).collect();
//! assert_eq!(names, ["mlp-classifier", "mlp-regressor", "cnn-classifier"]);
//! ```

use breadth_core::registry::ModelSpec;

use crate::cnn::CnnClassifierParams;
use crate::mlp::{MlpClassifierParams, MlpRegressorParams};

/// The models of breadth-nn.
pub fn models() -> Vec<ModelSpec> {
    vec![
        ModelSpec::classifier::<MlpClassifierParams>(
            "mlp-classifier",
            "Multi-layer perceptron (candle): softmax cross-entropy, or sigmoid per label for multi-label targets",
        ),
        ModelSpec::regressor::<MlpRegressorParams>(
            "mlp-regressor",
            "Multi-layer perceptron (candle) trained on the mean squared error",
        ),
        ModelSpec::classifier::<CnnClassifierParams>(
            "cnn-classifier",
            "Convolutional network (conv, batch norm, ReLU, max pool, dropout) for small square images",
        ),
    ]
}
