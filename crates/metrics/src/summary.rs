//! Every applicable metric of one set of predictions, for `breadth score`.
//!
//! Given the truth, the predictions and (optionally) class probabilities, [`all_applicable`]
//! evaluates each metric of [`crate::scorer::METRICS`] whose task matches the predictions,
//! leaving out the probability metrics when there are no probabilities and the binary ones when
//! there are more than two classes. A metric that is undefined on this data (for example ROC AUC
//! when a class is absent) is listed under `skipped` with the reason instead of failing the
//! whole summary. Cost: the sum of the metrics' costs, $O(n \log n + nK^2)$.
//! Reference: scikit-learn's `classification_report` and `get_scorer_names`.
//!
//! ```
//! use breadth_metrics::summary::all_applicable;
//! use breadth_core::{Target, registry::Predictions};
//! use ndarray::array;
//! let truth = Target::Continuous(array![1.0, 2.0, 4.0]);
//! let s = all_applicable(&truth, &Predictions::Values(array![1.0, 2.0, 3.0]), None, None).unwrap();
//! assert_eq!(s.get("max_error"), Some(1.0));
//! ```

use breadth_core::registry::{Predictions, Task};
use breadth_core::{Error, Result, Target};
use ndarray::Array2;
use serde::Serialize;

use crate::classification::Average;
use crate::scorer::{binary_only, needs_proba, score, METRICS};

/// Metric values by name, and the metrics left out with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// `(name, value)` in the order of [`METRICS`].
    pub values: Vec<(String, f64)>,
    /// `(name, reason)` of applicable metrics that are undefined on this data.
    pub skipped: Vec<(String, String)>,
}

impl Summary {
    /// The value of `name`, if computed.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

fn n_predictions(pred: &Predictions) -> usize {
    match pred {
        Predictions::Classes { labels, .. } => labels.len(),
        Predictions::Values(v) => v.len(),
        Predictions::Clusters(c) => c.len(),
    }
}

/// Whether an averaged metric name matches the requested average (`precision_macro` matches
/// `Macro`; the un-suffixed binary names match `Binary`).
fn matches_average(name: &str, average: Option<Average>) -> bool {
    let Some(avg) = average else { return true };
    let stem = ["precision", "recall", "f1", "specificity"]
        .iter()
        .find(|s| name == **s || name.starts_with(&format!("{s}_")));
    if stem.is_none() {
        return true;
    }
    let suffix = name.split_once('_').map_or("", |(_, s)| s);
    matches!(
        (avg, suffix),
        (Average::Binary { .. }, "")
            | (Average::Micro, "micro")
            | (Average::Macro, "macro")
            | (Average::Weighted, "weighted")
    )
}

/// Every metric that applies to these predictions; `average` keeps only that averaging of
/// precision, recall, F1 and specificity.
pub fn all_applicable(
    truth: &Target,
    pred: &Predictions,
    proba: Option<&Array2<f64>>,
    average: Option<Average>,
) -> Result<Summary> {
    let n = n_predictions(pred);
    if truth.len() != n {
        return Err(Error::shape("truth and predictions", truth.len(), n));
    }
    if let Some(p) = proba {
        if p.nrows() != n {
            return Err(Error::shape(
                "probabilities rows against predictions",
                n,
                p.nrows(),
            ));
        }
    }
    let task = match pred {
        Predictions::Classes { .. } => Task::Classification,
        Predictions::Values(_) => Task::Regression,
        Predictions::Clusters(_) => Task::Clustering,
    };
    let n_classes = match (truth, proba) {
        (_, Some(p)) => p.ncols(),
        (Target::Classes { names, .. }, None) => names.len(),
        _ => 0,
    };
    let mut out = Summary {
        values: Vec::new(),
        skipped: Vec::new(),
    };
    for &(name, t) in METRICS {
        if t != task
            || (needs_proba(name) && proba.is_none())
            || (binary_only(name) && n_classes > 2)
            || !matches_average(name, average)
        {
            continue;
        }
        match score(name, truth, pred, proba) {
            Ok(v) => out.values.push((name.to_string(), v)),
            Err(
                e @ (Error::ShapeMismatch { .. }
                | Error::EmptyInput { .. }
                | Error::NonFinite { .. }),
            ) => return Err(e),
            Err(e) => out.skipped.push((name.to_string(), e.to_string())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn picks_metrics_by_task_and_average() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let truth = Target::classes(array![0, 1, 2, 2], names.clone()).unwrap();
        let pred = Predictions::Classes {
            labels: array![0, 1, 1, 2],
            names,
        };
        let s = all_applicable(&truth, &pred, None, Some(Average::Macro)).unwrap();
        assert!(s.get("f1_macro").is_some());
        assert!(
            s.get("f1_micro").is_none() && s.get("f1").is_none() && s.get("log_loss").is_none()
        );
        assert_eq!(s.get("accuracy"), Some(0.75));
        let short = Predictions::Values(array![1.0]);
        assert!(all_applicable(&Target::Continuous(array![1.0, 2.0]), &short, None, None).is_err());
    }

    #[test]
    fn undefined_metrics_are_skipped_with_a_reason() {
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        // Class 2 never occurs in the truth: one-vs-rest AUC is undefined.
        let truth = Target::classes(array![0, 1, 1, 0], names.clone()).unwrap();
        let pred = Predictions::Classes {
            labels: array![0, 1, 1, 1],
            names,
        };
        let p = array![
            [0.7, 0.2, 0.1],
            [0.1, 0.8, 0.1],
            [0.2, 0.5, 0.3],
            [0.3, 0.4, 0.3]
        ];
        let s = all_applicable(&truth, &pred, Some(&p), None).unwrap();
        assert!(s.skipped.iter().any(|(n, _)| n == "roc_auc_ovr"));
        assert!(s.get("log_loss").is_some());
    }
}
