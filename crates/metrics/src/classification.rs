//! Classification metrics.
//!
//! Accuracy: $\frac{1}{n}\sum_i [\hat y_i = y_i]$, or with sample weights
//! $\sum_i w_i [\hat y_i = y_i] / \sum_i w_i$ (scikit-learn's `accuracy_score`).
//!
//! ```
//! use breadth_metrics::classification::accuracy;
//! use ndarray::array;
//! assert_eq!(accuracy(array![0, 1, 1, 2].view(), array![0, 1, 2, 2].view(), None).unwrap(), 0.75);
//! ```

use breadth_core::Result;
use ndarray::ArrayView1;

use crate::check_pair;

/// Fraction of correct labels, optionally weighted.
pub fn accuracy(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    check_pair("accuracy", truth.len(), pred.len())?;
    let hits = truth
        .iter()
        .zip(pred.iter())
        .map(|(t, p)| f64::from(u8::from(t == p)));
    Ok(match sample_weight {
        None => hits.sum::<f64>() / truth.len() as f64,
        Some(w) => {
            check_pair("accuracy sample weights", truth.len(), w.len())?;
            hits.zip(w.iter()).map(|(h, w)| h * w).sum::<f64>() / w.sum()
        }
    })
}
