//! The checks every estimator in breadth passes (scikit-learn's `check_estimator` idea).
//!
//! Call the function for the estimator's role from a unit test, with hyper-parameters that fix
//! the seed and a small dataset it should handle:
//!
//! - **deterministic**: two fits with the same parameters give identical predictions;
//! - **refuses bad input**: NaN, +inf or empty training features and NaN at predict each return
//!   an `Err` (never a panic, never a silent result);
//! - **refuses a feature-count mismatch** at predict;
//! - **save -> load -> identical predictions**, through the real model-file format;
//! - **`Send + Sync`**, checked at compile time by the bounds.
//!
//! The functions panic with a message naming the failed check: they are test harnesses.
//!
//! ```
//! # // See crates/classic/src/dummy.rs for a real use.
//! ```

use ndarray::{concatenate, Array2, Axis};
use serde::{de::DeserializeOwned, Serialize};

use crate::dataset::Dataset;
use crate::estimator::{Classifier, Clusterer, Fit, Fitted, Regressor, Transformer};
use crate::model_file;

fn assert_send_sync<T: Send + Sync>() {}

/// The same data with one value replaced.
fn poisoned(data: &Dataset, value: f64) -> Dataset {
    let mut x = data.features().to_owned();
    let (r, c) = (x.nrows() / 2, x.ncols() / 2);
    x[[r, c]] = value;
    data.with_features(x, data.feature_names().to_vec())
        .expect("same shape")
}

fn round_trip<M: Fitted + Serialize + DeserializeOwned>(model: &M) -> M {
    let bytes = model_file::to_bytes(model.model_name(), model).expect("model serializes");
    model_file::from_bytes(&bytes, model.model_name(), "<conformance>")
        .unwrap_or_else(|e| panic!("{}: saved model does not load: {e}", model.model_name()))
}

/// The checks on input that every role shares; `predict` runs the model's main output.
fn check_common<P, T: PartialEq + std::fmt::Debug>(
    params: &P,
    data: &Dataset,
    predict: impl Fn(&P::Fitted, &Array2<f64>) -> crate::Result<T>,
) -> P::Fitted
where
    P: Fit,
    P::Fitted: Fitted + Serialize + DeserializeOwned,
{
    assert_send_sync::<P::Fitted>();
    let first = params.fit(data).expect("fit on valid data succeeds");
    let name = first.model_name();
    let second = params.fit(data).expect("second fit succeeds");
    let x = data.features().to_owned();
    let p1 = predict(&first, &x).unwrap_or_else(|e| panic!("{name}: predict failed: {e}"));
    let p2 = predict(&second, &x).unwrap();
    assert_eq!(p1, p2, "{name}: two fits with the same seed disagree");

    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(
            params.fit(&poisoned(data, bad)).is_err(),
            "{name}: fit accepted a training value of {bad}"
        );
    }
    let empty = data.select(&[]);
    assert!(
        params.fit(&empty).is_err(),
        "{name}: fit accepted an empty dataset"
    );

    assert_eq!(
        first.n_features_in(),
        data.n_features(),
        "{name}: n_features_in"
    );
    let wider = concatenate![Axis(1), x, x.column(0).insert_axis(Axis(1))];
    assert!(
        predict(&first, &wider).is_err(),
        "{name}: predict accepted {} features after fitting on {}",
        wider.ncols(),
        x.ncols()
    );
    let mut nan_x = x.clone();
    nan_x[[0, 0]] = f64::NAN;
    assert!(
        predict(&first, &nan_x).is_err(),
        "{name}: predict accepted NaN"
    );

    let loaded = round_trip(&first);
    assert_eq!(
        predict(&loaded, &x).unwrap(),
        p1,
        "{name}: predictions differ after save and load"
    );
    first
}

/// Conformance of a classifier; also checks `predict_proba` when the model offers it.
pub fn check_classifier<P>(params: &P, data: &Dataset)
where
    P: Fit,
    P::Fitted: Classifier + Serialize + DeserializeOwned,
{
    let model = check_common(params, data, |m, x| m.predict(x.view()));
    let name = model.model_name();
    let labels = model.predict(data.features()).unwrap();
    assert!(
        labels.iter().all(|&l| l < model.class_names().len()),
        "{name}: label out of range"
    );
    if let Ok(proba) = model.predict_proba(data.features()) {
        assert_eq!(
            proba.dim(),
            (data.n_samples(), model.class_names().len()),
            "{name}: proba shape"
        );
        for (i, row) in proba.outer_iter().enumerate() {
            let s: f64 = row.sum();
            assert!(
                (s - 1.0).abs() < 1e-9,
                "{name}: probabilities of row {i} sum to {s}"
            );
            assert!(
                row.iter().all(|p| (0.0..=1.0).contains(p)),
                "{name}: probability out of [0, 1]"
            );
        }
        let loaded = round_trip(&model);
        assert_eq!(
            loaded.predict_proba(data.features()).unwrap(),
            proba,
            "{name}: proba after load"
        );
    }
}

/// Conformance of a regressor.
pub fn check_regressor<P>(params: &P, data: &Dataset)
where
    P: Fit,
    P::Fitted: Regressor + Serialize + DeserializeOwned,
{
    let model = check_common(params, data, |m, x| m.predict(x.view()));
    let pred = model.predict(data.features()).unwrap();
    assert!(
        pred.iter().all(|v| v.is_finite()),
        "{}: non-finite prediction",
        model.model_name()
    );
}

/// Conformance of a transformer.
pub fn check_transformer<P>(params: &P, data: &Dataset)
where
    P: Fit,
    P::Fitted: Transformer + Serialize + DeserializeOwned,
{
    let model = check_common(params, data, |m, x| m.transform(x.view()));
    let out = model.transform(data.features()).unwrap();
    assert_eq!(
        out.dim(),
        (data.n_samples(), model.n_features_out()),
        "transform shape"
    );
}

/// Conformance of a clustering; `predict` on new rows is checked only when offered.
pub fn check_clusterer<P>(params: &P, data: &Dataset)
where
    P: Fit,
    P::Fitted: Clusterer + Serialize + DeserializeOwned,
{
    let labels = |m: &P::Fitted, x: &Array2<f64>| -> crate::Result<ndarray::Array1<i64>> {
        match m.predict(x.view()) {
            Err(crate::Error::Unsupported { .. }) => {
                // Without predict, still refuse bad shapes through the common validation.
                crate::validate::check_predict_input(m, x.view())?;
                Ok(m.labels().clone())
            }
            other => other,
        }
    };
    let model = check_common(params, data, labels);
    assert_eq!(
        model.labels().len(),
        data.n_samples(),
        "one label per training row"
    );
}
