//! Metrics by name, for `--metric NAME` in the CLI and for model selection.
//!
//! A scorer takes the true [`Target`] and a model's [`Predictions`] (and its class probabilities,
//! $n \times K$ with column $k$ for class $k$, where the metric needs them) and returns one number.
//! Names follow scikit-learn's scorer names without the `neg_` prefix of losses
//! (`f1_macro`, `roc_auc_ovr`, `log_loss`, `mae`, ...); [`greater_is_better`] tells model
//! selection which way to rank. Binary metrics (`precision`, `recall`, `f1`, `specificity`,
//! `roc_auc`, `average_precision`) take label 1 as the positive class and need at most two
//! classes; `roc_auc` and `average_precision` score `proba[:, 1]`. Clustering metrics compare
//! cluster ids with class labels. Each score costs what its metric costs (at most $O(n \log n)$
//! here, $O(nK^2)$ for one-vs-one AUC). Reference: scikit-learn's `sklearn.metrics.get_scorer`.
//!
//! ```
//! use breadth_metrics::scorer::{score, default_metric, greater_is_better};
//! use breadth_core::{Target, registry::{Predictions, Task}};
//! use ndarray::array;
//! let truth = Target::Continuous(array![1.0, 2.0]);
//! let pred = Predictions::Values(array![1.0, 2.0]);
//! assert_eq!(score(default_metric(Task::Regression), &truth, &pred, None).unwrap(), 1.0);
//! assert_eq!(score("mae", &truth, &Predictions::Values(array![2.0, 2.0]), None).unwrap(), 0.5);
//! assert!(!greater_is_better("mae"));
//! ```

use breadth_core::registry::{Predictions, Task};
use breadth_core::{Error, Result, Target};
use ndarray::{Array2, ArrayView1};

use crate::classification::{self as cls, Average, KappaWeights, Rate, ZeroDivision};
use crate::{clustering, curves, regression};

/// Every metric name [`score`] accepts, with the task it applies to.
pub const METRICS: &[(&str, Task)] = &[
    ("accuracy", Task::Classification),
    ("balanced_accuracy", Task::Classification),
    ("precision", Task::Classification),
    ("precision_micro", Task::Classification),
    ("precision_macro", Task::Classification),
    ("precision_weighted", Task::Classification),
    ("recall", Task::Classification),
    ("recall_micro", Task::Classification),
    ("recall_macro", Task::Classification),
    ("recall_weighted", Task::Classification),
    ("f1", Task::Classification),
    ("f1_micro", Task::Classification),
    ("f1_macro", Task::Classification),
    ("f1_weighted", Task::Classification),
    ("specificity", Task::Classification),
    ("specificity_macro", Task::Classification),
    ("matthews_corrcoef", Task::Classification),
    ("cohen_kappa", Task::Classification),
    ("roc_auc", Task::Classification),
    ("roc_auc_ovr", Task::Classification),
    ("roc_auc_ovr_weighted", Task::Classification),
    ("roc_auc_ovo", Task::Classification),
    ("roc_auc_ovo_weighted", Task::Classification),
    ("average_precision", Task::Classification),
    ("log_loss", Task::Classification),
    ("brier", Task::Classification),
    ("mse", Task::Regression),
    ("rmse", Task::Regression),
    ("mae", Task::Regression),
    ("median_ae", Task::Regression),
    ("mape", Task::Regression),
    ("max_error", Task::Regression),
    ("r2", Task::Regression),
    ("explained_variance", Task::Regression),
    ("adjusted_rand", Task::Clustering),
    ("adjusted_mutual_info", Task::Clustering),
    ("normalized_mutual_info", Task::Clustering),
    ("homogeneity", Task::Clustering),
    ("completeness", Task::Clustering),
    ("v_measure", Task::Clustering),
];

/// The metric reported when none is asked for.
pub fn default_metric(task: Task) -> &'static str {
    match task {
        Task::Classification => "accuracy",
        Task::Clustering => "adjusted_rand",
        _ => "r2",
    }
}

/// Whether a larger value of `metric` is better.
pub fn greater_is_better(metric: &str) -> bool {
    !matches!(
        metric,
        "mse" | "rmse" | "mae" | "median_ae" | "mape" | "max_error" | "log_loss" | "brier"
    )
}

/// Whether `metric` scores class probabilities (and so needs `proba`).
pub fn needs_proba(metric: &str) -> bool {
    metric.starts_with("roc_auc") || matches!(metric, "average_precision" | "log_loss" | "brier")
}

/// Whether `metric` is defined for two classes only.
pub fn binary_only(metric: &str) -> bool {
    matches!(
        metric,
        "precision" | "recall" | "f1" | "specificity" | "roc_auc" | "average_precision"
    )
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

fn proba_of<'a>(proba: Option<&'a Array2<f64>>, metric: &str) -> Result<&'a Array2<f64>> {
    proba.ok_or_else(|| {
        Error::param(
            "metric",
            format!("`{metric}` scores class probabilities; the model gave none"),
        )
    })
}

fn class_metric(
    metric: &str,
    t: ArrayView1<'_, usize>,
    p: ArrayView1<'_, usize>,
    proba: Option<&Array2<f64>>,
) -> Result<Option<f64>> {
    let avg = |suffix: &str| match suffix {
        "micro" => Average::Micro,
        "macro" => Average::Macro,
        "weighted" => Average::Weighted,
        _ => Average::BINARY,
    };
    let (stem, suffix) = metric.split_once('_').unwrap_or((metric, ""));
    Ok(Some(match (stem, suffix) {
        ("accuracy", "") => cls::accuracy(t, p, None)?,
        ("balanced", "accuracy") => cls::balanced_accuracy(t, p, false, None)?,
        ("precision", s) if matches!(s, "" | "micro" | "macro" | "weighted") => {
            cls::precision(t, p, avg(s))?
        }
        ("recall", s) if matches!(s, "" | "micro" | "macro" | "weighted") => {
            cls::recall(t, p, avg(s))?
        }
        ("f1", s) if matches!(s, "" | "micro" | "macro" | "weighted") => {
            cls::f1_score(t, p, avg(s))?
        }
        ("specificity", s) if matches!(s, "" | "macro") => {
            cls::rate(t, p, Rate::Tnr, Some(avg(s)), ZeroDivision::Zero)?[0]
        }
        ("matthews", "corrcoef") => cls::matthews_corrcoef(t, p, None)?,
        ("cohen", "kappa") => cls::cohen_kappa(t, p, KappaWeights::None)?,
        _ => {
            if !needs_proba(metric) {
                return Ok(None);
            }
            let pr = proba_of(proba, metric)?;
            match metric {
                "roc_auc" | "average_precision" => {
                    if pr.ncols() != 2 {
                        return Err(Error::param(
                            "metric",
                            format!(
                                "`{metric}` is binary but there are {} classes; use roc_auc_ovr or roc_auc_ovo",
                                pr.ncols()
                            ),
                        ));
                    }
                    crate::curves::check_binary(metric, t, pr.column(1))?;
                    if metric == "roc_auc" {
                        curves::roc_auc(t, pr.column(1))?
                    } else {
                        curves::average_precision(t, pr.column(1))?
                    }
                }
                "roc_auc_ovr" => curves::roc_auc_ovr(t, pr.view(), Average::Macro)?,
                "roc_auc_ovr_weighted" => curves::roc_auc_ovr(t, pr.view(), Average::Weighted)?,
                "roc_auc_ovo" => curves::roc_auc_ovo(t, pr.view(), Average::Macro)?,
                "roc_auc_ovo_weighted" => curves::roc_auc_ovo(t, pr.view(), Average::Weighted)?,
                "log_loss" => cls::log_loss(t, pr.view(), None)?,
                "brier" => cls::brier_score(t, pr.view())?,
                _ => return Ok(None),
            }
        }
    }))
}

fn regression_metric(
    metric: &str,
    t: ArrayView1<'_, f64>,
    p: ArrayView1<'_, f64>,
) -> Result<Option<f64>> {
    Ok(Some(match metric {
        "mse" => regression::mean_squared_error(t, p)?,
        "rmse" => regression::root_mean_squared_error(t, p)?,
        "mae" => regression::mean_absolute_error(t, p)?,
        "median_ae" => regression::median_absolute_error(t, p)?,
        "mape" => regression::mean_absolute_percentage_error(t, p)?,
        "max_error" => regression::max_error(t, p)?,
        "r2" => regression::r2_score(t, p)?,
        "explained_variance" => regression::explained_variance(t, p)?,
        _ => return Ok(None),
    }))
}

fn clustering_metric(metric: &str, truth: &Target, pred: &Predictions) -> Result<Option<f64>> {
    let (t, c) = match (truth, pred) {
        (Target::Classes { labels, .. }, Predictions::Clusters(c)) => (labels.view(), c.view()),
        _ => {
            return Err(Error::param(
                "metric",
                format!("`{metric}` needs class labels and cluster predictions"),
            ))
        }
    };
    let avg = clustering::AverageMethod::Arithmetic;
    Ok(Some(match metric {
        "adjusted_rand" => clustering::adjusted_rand_index(t, c)?,
        "adjusted_mutual_info" => clustering::adjusted_mutual_info(t, c, avg)?,
        "normalized_mutual_info" => clustering::normalized_mutual_info(t, c, avg)?,
        "homogeneity" => clustering::homogeneity_completeness_v_measure(t, c, 1.0)?.homogeneity,
        "completeness" => clustering::homogeneity_completeness_v_measure(t, c, 1.0)?.completeness,
        "v_measure" => clustering::homogeneity_completeness_v_measure(t, c, 1.0)?.v_measure,
        _ => return Ok(None),
    }))
}

/// Score `pred` against `truth` with the metric called `metric`.
pub fn score(
    metric: &str,
    truth: &Target,
    pred: &Predictions,
    proba: Option<&Array2<f64>>,
) -> Result<f64> {
    let task = METRICS.iter().find(|(n, _)| *n == metric).map(|(_, t)| *t);
    let value = match task {
        Some(Task::Classification) => {
            let (t, p) = classes_of(truth, pred, metric)?;
            class_metric(metric, t, p, proba)?
        }
        Some(Task::Regression) => {
            let (t, p) = values_of(truth, pred, metric)?;
            regression_metric(metric, t, p)?
        }
        Some(Task::Clustering) => clustering_metric(metric, truth, pred)?,
        _ => None,
    };
    value.ok_or_else(|| {
        let known: Vec<_> = METRICS.iter().map(|(n, _)| *n).collect();
        Error::param(
            "metric",
            format!("unknown metric `{metric}`; known: {}", known.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn every_listed_metric_is_scored() {
        let names = vec!["a".to_string(), "b".to_string()];
        let truth = Target::classes(array![0, 1, 1, 0, 1], names.clone()).unwrap();
        let pred = Predictions::Classes {
            labels: array![0, 1, 0, 0, 1],
            names,
        };
        let proba = array![[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.9, 0.1], [0.2, 0.8]];
        let yv = Target::Continuous(array![1.0, 2.0, 3.0]);
        let pv = Predictions::Values(array![1.5, 2.0, 2.0]);
        let pc = Predictions::Clusters(array![3, 1, 1, 3, 1]);
        for (name, task) in METRICS {
            let v = match task {
                Task::Classification => score(name, &truth, &pred, Some(&proba)),
                Task::Regression => score(name, &yv, &pv, None),
                _ => score(name, &truth, &pc, None),
            };
            assert!(v.is_ok_and(f64::is_finite), "{name}");
        }
        assert!(score("nope", &yv, &pv, None).is_err());
        assert!(score("log_loss", &truth, &pred, None).is_err());
        assert!(score("mse", &truth, &pred, None).is_err());
        // Perfect clustering up to renaming.
        assert_eq!(score("adjusted_rand", &truth, &pc, None).unwrap(), 1.0);
        assert!((score("f1", &truth, &pred, None).unwrap() - 0.8).abs() < 1e-15);
    }
}
