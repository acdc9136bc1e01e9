//! Conformance for models that accept missing values (test-only).
//!
//! `breadth_core::conformance` requires NaN to be refused, which is wrong for trees and the
//! histogram GBDT: NaN is how a missing value is written. These run every other check of the
//! shared suite (determinism, infinity and empty data refused, feature-count mismatch refused,
//! save -> load identity) and check instead that NaN is *accepted* at fit and predict.

use breadth_core::estimator::Fitted;
use breadth_core::{model_file, Classifier, Dataset, Fit, Regressor};
use ndarray::{concatenate, Array2, Axis};
use serde::{de::DeserializeOwned, Serialize};

fn poisoned(data: &Dataset, value: f64) -> Dataset {
    let mut x = data.features().to_owned();
    let (r, c) = (x.nrows() / 2, x.ncols() / 2);
    x[[r, c]] = value;
    data.with_features(x, data.feature_names().to_vec())
        .unwrap()
}

fn common<P, T: PartialEq + std::fmt::Debug>(
    params: &P,
    data: &Dataset,
    predict: impl Fn(&P::Fitted, &Array2<f64>) -> breadth_core::Result<T>,
) -> P::Fitted
where
    P: Fit,
    P::Fitted: Fitted + Serialize + DeserializeOwned + Send + Sync,
{
    let first = params.fit(data).expect("fit");
    let name = first.model_name();
    let x = data.features().to_owned();
    let p1 = predict(&first, &x).unwrap();
    assert_eq!(
        p1,
        predict(&params.fit(data).unwrap(), &x).unwrap(),
        "{name}: not deterministic"
    );
    for bad in [f64::INFINITY, f64::NEG_INFINITY] {
        assert!(
            params.fit(&poisoned(data, bad)).is_err(),
            "{name}: accepted {bad}"
        );
    }
    assert!(
        params.fit(&data.select(&[])).is_err(),
        "{name}: accepted empty data"
    );
    let missing = params
        .fit(&poisoned(data, f64::NAN))
        .expect("NaN is a missing value");
    let mut nan_x = x.clone();
    nan_x[[0, 0]] = f64::NAN;
    assert!(
        predict(&missing, &nan_x).is_ok(),
        "{name}: predict refused a missing value"
    );
    let mut inf_x = x.clone();
    inf_x[[0, 0]] = f64::INFINITY;
    assert!(
        predict(&first, &inf_x).is_err(),
        "{name}: predict accepted infinity"
    );
    let wider = concatenate![Axis(1), x, x.column(0).insert_axis(Axis(1))];
    assert!(
        predict(&first, &wider).is_err(),
        "{name}: accepted extra features"
    );
    let bytes = model_file::to_bytes(name, &first).unwrap();
    let loaded: P::Fitted = model_file::from_bytes(&bytes, name, "<test>").unwrap();
    assert_eq!(
        predict(&loaded, &x).unwrap(),
        p1,
        "{name}: differs after load"
    );
    first
}

/// Conformance of a classifier that accepts missing values.
pub(crate) fn check_classifier_missing_ok<P>(params: &P, data: &Dataset)
where
    P: Fit,
    P::Fitted: Classifier + Serialize + DeserializeOwned,
{
    let m = common(params, data, |m, x| m.predict(x.view()));
    let proba = m.predict_proba(data.features()).unwrap();
    for row in proba.outer_iter() {
        assert!(
            (row.sum() - 1.0).abs() < 1e-9,
            "{}: probabilities do not sum to 1",
            m.model_name()
        );
    }
}

/// Conformance of a regressor that accepts missing values.
pub(crate) fn check_regressor_missing_ok<P>(params: &P, data: &Dataset)
where
    P: Fit,
    P::Fitted: Regressor + Serialize + DeserializeOwned,
{
    let m = common(params, data, |m, x| m.predict(x.view()));
    assert!(m
        .predict(data.features())
        .unwrap()
        .iter()
        .all(|v| v.is_finite()));
}
