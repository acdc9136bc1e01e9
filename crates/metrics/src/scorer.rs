//! Metrics by name, for `--metric NAME` in the CLI and for model selection.
//!
//! A scorer takes the true [`Target`] and a model's [`Predictions`] (and its probabilities where
//! the metric needs them) and returns one number. [`greater_is_better`] tells model selection
//! which way to rank.
//!
//! ```
//! use breadth_metrics::scorer::{score, default_metric};
//! use breadth_core::{Target, registry::{Predictions, Task}};
//! use ndarray::array;
//! let truth = Target::Continuous(array![1.0, 2.0]);
//! let pred = Predictions::Values(array![1.0, 2.0]);
//! assert_eq!(score(default_metric(Task::Regression), &truth, &pred, None).unwrap(), 1.0);
//! ```

use breadth_core::registry::{Predictions, Task};
use breadth_core::{Error, Result, Target};
use ndarray::{Array2, ArrayView1};

use crate::{classification, regression};

/// Every metric name [`score`] accepts, with the task it applies to.
pub const METRICS: &[(&str, Task)] = &[
    ("accuracy", Task::Classification),
    ("mse", Task::Regression),
    ("r2", Task::Regression),
];

/// The metric reported when none is asked for.
pub fn default_metric(task: Task) -> &'static str {
    match task {
        Task::Classification => "accuracy",
        _ => "r2",
    }
}

/// Whether a larger value of `metric` is better.
pub fn greater_is_better(metric: &str) -> bool {
    !matches!(metric, "mse")
}

fn classes_of<'a>(
    truth: &'a Target,
    pred: &'a Predictions,
    metric: &str,
) -> Result<(ArrayView1<'a, usize>, ArrayView1<'a, usize>)> {
    match (truth, pred) {
        (Target::Classes { labels, .. }, Predictions::Classes { labels: p, .. }) => {
            Ok((labels.view(), p.view()))
        }
        _ => Err(Error::param(
            "metric",
            format!("`{metric}` needs class labels and class predictions"),
        )),
    }
}

fn values_of<'a>(
    truth: &'a Target,
    pred: &'a Predictions,
    metric: &str,
) -> Result<(ArrayView1<'a, f64>, ArrayView1<'a, f64>)> {
    match (truth, pred) {
        (Target::Continuous(t), Predictions::Values(p)) => Ok((t.view(), p.view())),
        _ => Err(Error::param(
            "metric",
            format!("`{metric}` needs a continuous target and value predictions"),
        )),
    }
}

/// Score `pred` against `truth` with the metric called `metric`.
pub fn score(
    metric: &str,
    truth: &Target,
    pred: &Predictions,
    proba: Option<&Array2<f64>>,
) -> Result<f64> {
    let _ = proba;
    match metric {
        "accuracy" => {
            let (t, p) = classes_of(truth, pred, metric)?;
            classification::accuracy(t, p, None)
        }
        "mse" => {
            let (t, p) = values_of(truth, pred, metric)?;
            regression::mean_squared_error(t, p)
        }
        "r2" => {
            let (t, p) = values_of(truth, pred, metric)?;
            regression::r2_score(t, p)
        }
        other => {
            let known: Vec<_> = METRICS.iter().map(|(n, _)| *n).collect();
            Err(Error::param(
                "metric",
                format!("unknown metric `{other}`; known: {}", known.join(", ")),
            ))
        }
    }
}
