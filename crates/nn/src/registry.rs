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

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::registry::{load_any, Predictions};

    /// What `breadth fit NAME --data builtin:... --set k=v` and `breadth predict` do: fit with
    /// settings by name, save as a model file, load it back by its registered name.
    #[test]
    fn fit_save_load_through_the_registry() {
        let specs = models();
        let digits = breadth_data::datasets::load("digits")
            .unwrap()
            .select(&(0..400).collect::<Vec<_>>());
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        let set = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        for spec in &specs {
            let (data, settings) = match spec.name {
                "mlp-regressor" => (
                    &diabetes,
                    set(&[("hidden_layer_sizes", "16"), ("epochs", "3")]),
                ),
                "cnn-classifier" => (&digits, set(&[("channels", "4"), ("epochs", "2")])),
                _ => (
                    &digits,
                    set(&[
                        ("hidden_layer_sizes", "32,16"),
                        ("epochs", "3"),
                        ("optimizer", "adamw:0.01"),
                    ]),
                ),
            };
            let model = spec
                .fit_with(&settings, data)
                .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
            assert_eq!(model.kind(), spec.name);
            let back = load_any(&specs, &model.to_file_bytes().unwrap(), "<memory>").unwrap();
            let x = data.features();
            let p = model.predict(x).unwrap();
            assert_eq!(p, back.predict(x).unwrap(), "{}", spec.name);
            if let Predictions::Classes { names, .. } = p {
                assert_eq!(names.len(), 10);
            }
        }
        let bad = match specs[0].fit_with(&set(&[("no_such", "1")]), &digits) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("an unknown parameter was accepted"),
        };
        assert!(bad.contains("mlp-classifier"), "{bad}");
    }
}
