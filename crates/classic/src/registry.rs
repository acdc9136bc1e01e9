//! Every model of this crate, registered once for the CLI and model selection.
//!
//! To add a model: implement [`breadth_core::registry::Configurable`] on its parameters and add
//! one line below.

use breadth_core::registry::ModelSpec;

use crate::dummy::{DummyClassifierParams, DummyRegressorParams};
use crate::semi_supervised::label_propagation::{LabelPropagationParams, LabelSpreadingParams};

/// The models of breadth-classic.
pub fn models() -> Vec<ModelSpec> {
    vec![
        ModelSpec::classifier::<DummyClassifierParams>(
            "dummy-classifier",
            "Baseline that ignores the features: most frequent class, prior, stratified or uniform",
        ),
        ModelSpec::regressor::<DummyRegressorParams>(
            "dummy-regressor",
            "Baseline that ignores the features: mean, median or a quantile of the target",
        ),
        ModelSpec::classifier::<LabelPropagationParams>(
            "label-propagation",
            "Semi-supervised: propagate labels over an RBF or kNN graph, clamping known labels",
        ),
        ModelSpec::classifier::<LabelSpreadingParams>(
            "label-spreading",
            "Semi-supervised: spread labels over a normalised RBF or kNN graph with soft clamping",
        ),
    ]
}
