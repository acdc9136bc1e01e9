//! Every transformer of this crate, registered once for the CLI and model selection.
//!
//! To add one: implement [`breadth_core::registry::Configurable`] on its parameters and add one
//! line below.
//!
//! ```
//! let names: Vec<_> = breadth_data::registry::models().iter().map(|m| m.name).collect();
//! assert!(names.contains(&"standard-scaler") && names.contains(&"knn-imputer"));
//! ```

use breadth_core::registry::ModelSpec;

use crate::impute::indicator::MissingIndicatorParams;
use crate::impute::knn::KnnImputerParams;
use crate::impute::simple::SimpleImputerParams;
use crate::preprocessing::encoders::{OneHotEncoderParams, OrdinalEncoderParams};
use crate::preprocessing::polynomial::PolynomialFeaturesParams;
use crate::preprocessing::scalers::{
    MinMaxScalerParams, NormalizerParams, RobustScalerParams, StandardScalerParams,
};

/// The transformers of breadth-data.
pub fn models() -> Vec<ModelSpec> {
    vec![
        ModelSpec::transformer::<StandardScalerParams>(
            "standard-scaler",
            "Centre each column and scale it to unit variance (sample weights honoured)",
        ),
        ModelSpec::transformer::<MinMaxScalerParams>(
            "min-max-scaler",
            "Map each column linearly onto a range, [0, 1] by default",
        ),
        ModelSpec::transformer::<RobustScalerParams>(
            "robust-scaler",
            "Centre each column on its median and scale it by its inter-quartile range",
        ),
        ModelSpec::transformer::<NormalizerParams>(
            "normalizer",
            "Scale each row to unit l1, l2 or max norm",
        ),
        ModelSpec::transformer::<OneHotEncoderParams>(
            "one-hot-encoder",
            "One 0/1 column per category of each (numerically coded) column",
        ),
        ModelSpec::transformer::<OrdinalEncoderParams>(
            "ordinal-encoder",
            "Replace each category by its rank among the column's categories",
        ),
        ModelSpec::transformer::<PolynomialFeaturesParams>(
            "polynomial-features",
            "All products of the columns up to a degree (or only interactions)",
        ),
        ModelSpec::transformer::<SimpleImputerParams>(
            "simple-imputer",
            "Fill missing values (NaN) with the column mean, median, mode or a constant",
        ),
        ModelSpec::transformer::<KnnImputerParams>(
            "knn-imputer",
            "Fill missing values (NaN) from the nearest rows under the NaN-aware distance",
        ),
        ModelSpec::transformer::<MissingIndicatorParams>(
            "missing-indicator",
            "0/1 columns marking where values are missing (NaN)",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::registry::load_any;

    #[test]
    fn every_model_fits_saves_and_loads_under_its_name() {
        let iris = crate::datasets::load("iris").unwrap();
        let specs = models();
        for spec in &specs {
            let model = spec.fit_with(&[], &iris).unwrap();
            assert_eq!(
                model.kind(),
                spec.name,
                "registered name and model_name agree"
            );
            let out = model.transform(iris.features()).unwrap();
            let loaded = load_any(&specs, &model.to_file_bytes().unwrap(), "<test>").unwrap();
            assert_eq!(
                loaded.transform(iris.features()).unwrap(),
                out,
                "{}",
                spec.name
            );
            assert!(model.predict(iris.features()).is_err());
        }
        let Err(err) = specs[0].fit_with(&[("with_mean".into(), "maybe".into())], &iris) else {
            panic!("a bad boolean is refused");
        };
        assert!(err.to_string().contains("with_mean"), "{err}");
    }
}
