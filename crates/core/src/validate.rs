//! Input checks shared by every estimator, so each error reads the same everywhere.
//!
//! ```
//! use breadth_core::validate::check_finite;
//! use ndarray::array;
//! let err = check_finite(array![[1.0, f64::NAN]].view(), "features").unwrap_err();
//! assert!(err.to_string().contains("row 0, column 1"));
//! ```

use ndarray::{ArrayView1, ArrayView2};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::estimator::Fitted;

/// `x` has at least one row and one column and every value is finite.
pub fn check_finite(x: ArrayView2<'_, f64>, what: &str) -> Result<()> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::EmptyInput {
            what: what.into(),
            detail: format!("shape {} x {}", x.nrows(), x.ncols()),
        });
    }
    for (row, r) in x.outer_iter().enumerate() {
        if let Some((column, v)) = r.iter().enumerate().find(|(_, v)| !v.is_finite()) {
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

/// Every value of a vector is finite (and there is at least one).
pub fn check_finite_1d(v: ArrayView1<'_, f64>, what: &str) -> Result<()> {
    if v.is_empty() {
        return Err(Error::EmptyInput {
            what: what.into(),
            detail: "no values".into(),
        });
    }
    if let Some((row, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite()) {
        return Err(Error::NonFinite {
            what: what.into(),
            row,
            column: "0".into(),
            value: x.to_string(),
        });
    }
    Ok(())
}

/// The checks every `fit` starts with: non-empty, finite features, finite continuous target.
pub fn check_fit_input(data: &Dataset) -> Result<()> {
    check_finite(data.features(), "training features")?;
    if let Some(crate::Target::Continuous(y)) = data.target() {
        check_finite_1d(y.view(), "training target")?;
    }
    Ok(())
}

/// The checks every `predict` / `transform` starts with: feature count and finiteness.
pub fn check_predict_input(model: &(impl Fitted + ?Sized), x: ArrayView2<'_, f64>) -> Result<()> {
    if x.ncols() != model.n_features_in() {
        return Err(Error::FeatureCountMismatch {
            model: model.model_name().into(),
            expected: model.n_features_in(),
            found: x.ncols(),
        });
    }
    if x.nrows() == 0 {
        return Ok(());
    }
    check_finite(x, "input features")
}

/// `value > 0`, else an [`Error::InvalidParameter`] naming `name`.
pub fn positive(name: &str, value: f64) -> Result<()> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(Error::param(
            name,
            format!("must be a finite number > 0, got {value}"),
        ))
    }
}

/// `value >= 0`, else an [`Error::InvalidParameter`] naming `name`.
pub fn non_negative(name: &str, value: f64) -> Result<()> {
    if value >= 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(Error::param(
            name,
            format!("must be a finite number >= 0, got {value}"),
        ))
    }
}

/// `lo <= value <= hi`, else an [`Error::InvalidParameter`] naming `name`.
pub fn in_range(name: &str, value: f64, lo: f64, hi: f64) -> Result<()> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(Error::param(
            name,
            format!("must lie in [{lo}, {hi}], got {value}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn empty_is_refused() {
        let x = ndarray::Array2::<f64>::zeros((0, 3));
        assert!(matches!(
            check_finite(x.view(), "x"),
            Err(Error::EmptyInput { .. })
        ));
    }

    #[test]
    fn infinity_is_located() {
        let err = check_finite(array![[1.0], [f64::INFINITY]].view(), "x").unwrap_err();
        assert!(err.to_string().contains("row 1, column 0"), "{err}");
    }

    #[test]
    fn parameter_ranges() {
        assert!(positive("alpha", 0.0).is_err());
        assert!(non_negative("alpha", 0.0).is_ok());
        assert!(in_range("l1_ratio", 1.5, 0.0, 1.0).is_err());
    }
}
