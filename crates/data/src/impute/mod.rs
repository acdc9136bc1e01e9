//! Missing data: filling in missing values and flagging where they were.
//!
//! A missing value is a NaN. These transformers accept NaN by design (infinite values are still
//! refused), so the shared conformance suite's "refuses NaN" check does not apply to them; their
//! tests run the remaining checks by hand.
//!
//! - [`simple::SimpleImputerParams`]: replace missing entries of column $j$ by one statistic of its
//!   observed values (mean, median, most frequent, or a constant);
//! - [`knn::KnnImputerParams`]: replace them by the (weighted) mean of the $k$ nearest training
//!   rows under the NaN-aware Euclidean distance;
//! - [`indicator::MissingIndicatorParams`]: 0/1 columns marking the missing entries.
//!
//! Columns with no observed value at fit are dropped by both imputers (scikit-learn's default;
//! `keep_empty_features` fills them with 0 instead). With `add_indicator` an imputer appends the
//! missing indicator of its input to its output.
//!
//! Reference: scikit-learn 1.9 `sklearn/impute`; O. Troyanskaya et al., *Missing value estimation
//! methods for DNA microarrays*, Bioinformatics 17 (2001) for the nearest-neighbour imputer.
//!
//! ```
//! use breadth_core::{Dataset, Fit, Transformer};
//! use breadth_data::impute::simple::{SimpleImputerParams, Strategy};
//! use ndarray::array;
//! let ds = Dataset::new(array![[1.0, f64::NAN], [3.0, 4.0], [f64::NAN, 6.0]]);
//! let imp = SimpleImputerParams::default().strategy(Strategy::Mean).fit(&ds).unwrap();
//! assert_eq!(imp.transform(ds.features()).unwrap(), array![[1.0, 5.0], [3.0, 4.0], [2.0, 6.0]]);
//! ```

pub mod indicator;
pub mod knn;
pub mod simple;

use breadth_core::estimator::Fitted;
use breadth_core::{Dataset, Error, Result};
use ndarray::{concatenate, Array2, ArrayView2, Axis};

use indicator::MissingIndicator;

/// `x` has rows and columns and no infinite value (NaN, meaning missing, is allowed).
fn check_no_infinity(x: ArrayView2<'_, f64>, what: &str) -> Result<()> {
    for ((row, column), v) in x.indexed_iter() {
        if v.is_infinite() {
            return Err(Error::NonFinite {
                what: what.into(),
                row,
                column: column.to_string(),
                value: v.to_string(),
            });
        }
    }
    Ok(())
}

/// The checks an imputer's `fit` starts with: non-empty, no infinity (NaN allowed).
pub(crate) fn check_fit_allow_nan(data: &Dataset) -> Result<()> {
    let x = data.features();
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::EmptyInput {
            what: "training features".into(),
            detail: format!("shape {} x {}", x.nrows(), x.ncols()),
        });
    }
    check_no_infinity(x, "training features")
}

/// The checks an imputer's `transform` starts with: feature count, no infinity (NaN allowed).
pub(crate) fn check_transform_allow_nan(model: &impl Fitted, x: ArrayView2<'_, f64>) -> Result<()> {
    if x.ncols() != model.n_features_in() {
        return Err(Error::FeatureCountMismatch {
            model: model.model_name().into(),
            expected: model.n_features_in(),
            found: x.ncols(),
        });
    }
    check_no_infinity(x, "input features")
}

/// The imputed columns kept (those observed at fit, or all with `keep_empty_features`) followed
/// by the missing indicator of `x` when there is one.
pub(crate) fn assemble(
    imputed: Array2<f64>,
    kept: &[usize],
    indicator: Option<&MissingIndicator>,
    x: ArrayView2<'_, f64>,
) -> Result<Array2<f64>> {
    let imputed = if kept.len() == imputed.ncols() {
        imputed
    } else {
        imputed.select(Axis(1), kept)
    };
    match indicator {
        None => Ok(imputed),
        Some(ind) => {
            let flags = breadth_core::Transformer::transform(ind, x)?;
            Ok(concatenate![Axis(1), imputed, flags])
        }
    }
}

/// Output names: the kept input names, then the indicator's.
pub(crate) fn assemble_names(
    input_names: &[String],
    kept: &[usize],
    indicator: Option<&MissingIndicator>,
) -> Vec<String> {
    let mut names: Vec<String> = kept.iter().map(|&j| input_names[j].clone()).collect();
    if let Some(ind) = indicator {
        names.extend(breadth_core::Transformer::output_names(ind, input_names));
    }
    names
}

/// The hand-written conformance checks for transformers that accept NaN.
#[cfg(test)]
pub(crate) mod conformance {
    use breadth_core::estimator::Fitted;
    use breadth_core::model_file;
    use breadth_core::{Dataset, Fit, Transformer};
    use ndarray::{concatenate, Array2, Axis};
    use serde::{de::DeserializeOwned, Serialize};

    fn same(a: &Array2<f64>, b: &Array2<f64>) -> bool {
        a.shape() == b.shape()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
    }

    fn with_value(data: &Dataset, value: f64) -> Dataset {
        let mut x = data.features().to_owned();
        let (r, c) = (x.nrows() / 2, x.ncols() / 2);
        x[[r, c]] = value;
        Dataset::new(x)
    }

    /// Every check of `breadth_core::conformance::check_transformer` except "NaN is refused"
    /// (NaN means missing here): determinism, infinity and empty input refused at fit, a wrong
    /// feature count and infinity refused at transform, save -> load -> identical output, the
    /// output width, `Send + Sync`; plus "NaN is accepted" at fit and at transform.
    pub(crate) fn check_nan_tolerant<P>(params: &P, data: &Dataset)
    where
        P: Fit,
        P::Fitted: Transformer + Serialize + DeserializeOwned,
    {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<P::Fitted>();
        assert!(
            data.features().iter().any(|v| v.is_nan()),
            "use data with missing values"
        );
        let first = params.fit(data).expect("fit on data with NaN succeeds");
        let name = first.model_name();
        let x = data.features().to_owned();
        let out = first
            .transform(x.view())
            .expect("transform with NaN succeeds");
        assert_eq!(
            out.dim(),
            (x.nrows(), first.n_features_out()),
            "{name}: shape"
        );
        let again = params.fit(data).unwrap().transform(x.view()).unwrap();
        assert!(same(&out, &again), "{name}: two fits disagree");
        for bad in [f64::INFINITY, f64::NEG_INFINITY] {
            assert!(
                params.fit(&with_value(data, bad)).is_err(),
                "{name}: fit accepted {bad}"
            );
            assert!(
                first.transform(with_value(data, bad).features()).is_err(),
                "{name}: transform accepted {bad}"
            );
        }
        assert!(
            params.fit(&data.select(&[])).is_err(),
            "{name}: fit accepted no rows"
        );
        assert_eq!(first.n_features_in(), x.ncols(), "{name}: n_features_in");
        let wider = concatenate![Axis(1), x, x.column(0).insert_axis(Axis(1))];
        assert!(
            first.transform(wider.view()).is_err(),
            "{name}: accepted a wider input"
        );
        let bytes = model_file::to_bytes(name, &first).expect("serializes");
        let loaded: P::Fitted = model_file::from_bytes(&bytes, name, "<test>")
            .unwrap_or_else(|e| panic!("{name}: does not load: {e}"));
        assert!(
            same(&loaded.transform(x.view()).unwrap(), &out),
            "{name}: differs after load"
        );
    }
}
