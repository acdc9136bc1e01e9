//! # breadth-metrics
//!
//! Evaluation metrics. This first piece holds what cross-validation needs (accuracy, mean squared
//! error, $R^2$) and [`scorer`], which turns a metric name into a score of predictions so that
//! `breadth fit --metric NAME` and `compare` can report any metric registered there.
//!
//! ```
//! use breadth_metrics::regression::r2_score;
//! use ndarray::array;
//! assert_eq!(r2_score(array![1.0, 2.0, 3.0].view(), array![1.0, 2.0, 3.0].view()).unwrap(), 1.0);
//! ```
#![deny(missing_docs)]

pub mod classification;
pub mod regression;
pub mod scorer;

use breadth_core::{Error, Result};

/// Both inputs have the same, non-zero length.
pub(crate) fn check_pair(what: &str, truth: usize, pred: usize) -> Result<()> {
    if truth != pred {
        return Err(Error::shape(
            format!("{what}: truth and prediction lengths"),
            truth,
            pred,
        ));
    }
    if truth == 0 {
        return Err(Error::EmptyInput {
            what: what.into(),
            detail: "no samples".into(),
        });
    }
    Ok(())
}
