//! Cross-validation: fit on each split's training rows, score on its test rows; and out-of-fold
//! predictions.
//!
//! For splits $(R_j, T_j)_{j=1..k}$ and a metric $s$, fold $j$ fits $\hat f_{-j}$ on the rows
//! $R_j$ only and reports $s_j = s(y_{T_j}, \hat f_{-j}(X_{T_j}))$ (and, on request, the training
//! score $s(y_{R_j}, \hat f_{-j}(X_{R_j}))$), with the seconds spent fitting and scoring. The
//! summary is the mean $\bar s = \frac1k \sum_j s_j$ and the population standard deviation
//! $\sqrt{\frac1k \sum_j (s_j - \bar s)^2}$, as scikit-learn's `cv_results_` report them.
//! [`cross_val_predict`] returns, for splits whose test sets partition the rows, each row's
//! prediction by the model that did not see it.
//!
//! Anything that refits per fold (a [`crate::pipeline::Pipeline`] of a scaler and a model, say)
//! learns its statistics from $R_j$ alone, so nothing of $T_j$ leaks into the fit.
//!
//! Folds run in parallel on rayon's pool when [`CvOptions::parallel`] is set; each fold's work is
//! independent and results are gathered in fold order, so scores do not depend on the number of
//! threads (times do, of course). A classifier's probabilities are computed once per fold and
//! handed to every metric, for the metrics that need them.
//!
//! Cost: $k$ fits on $\approx n (k-1)/k$ rows plus $k$ predictions on $\approx n/k$ rows.
//!
//! Reference: scikit-learn 1.9.1, `sklearn/model_selection/_validation.py`; Hastie, Tibshirani,
//! Friedman, *The Elements of Statistical Learning*, 2nd ed., §7.10.
//!
//! ```
//! use breadth_data::model_selection::cross_validate::{mean_std, CvOptions};
//! let (mean, std) = mean_std(&[1.0, 3.0]);
//! assert_eq!((mean, std), (2.0, 1.0));
//! assert_eq!(CvOptions::default().metric("accuracy").metrics, vec!["accuracy".to_string()]);
//! ```

use std::time::Instant;

use breadth_core::registry::{DynModel, Predictions, Task};
use breadth_core::{Dataset, Error, Result, Target};
use breadth_metrics::scorer;
use ndarray::{Array1, Array2, ArrayView2};
use rayon::prelude::*;

use super::split::{Split, Splitter};

/// Fits a model on a dataset: `|d| spec.fit_with(&settings, d)` for a registered model.
pub type FitFn<'a> = dyn Fn(&Dataset) -> Result<Box<dyn DynModel>> + Sync + 'a;

/// What to compute besides the test scores.
#[derive(Debug, Clone, PartialEq)]
pub struct CvOptions {
    /// Metric names known to [`breadth_metrics::scorer::score`]; empty means the default metric
    /// of the model's task.
    pub metrics: Vec<String>,
    /// Also score each fold's model on its own training rows.
    pub return_train_score: bool,
    /// Keep each fold's fitted model in [`CvResult::models`].
    pub return_models: bool,
    /// Run folds in parallel (results are identical either way).
    pub parallel: bool,
}

impl Default for CvOptions {
    fn default() -> Self {
        CvOptions {
            metrics: Vec::new(),
            return_train_score: false,
            return_models: false,
            parallel: true,
        }
    }
}

impl CvOptions {
    /// Add a metric.
    pub fn metric(mut self, name: &str) -> Self {
        self.metrics.push(name.into());
        self
    }
    /// Also score the training rows.
    pub fn with_train_score(mut self) -> Self {
        self.return_train_score = true;
        self
    }
    /// Keep the fitted models.
    pub fn with_models(mut self) -> Self {
        self.return_models = true;
        self
    }
    /// Run the folds one after the other.
    pub fn sequential(mut self) -> Self {
        self.parallel = false;
        self
    }
}

/// The scores and times of one fold.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldScores {
    /// Test score of each metric, in the order of [`CvResult::metrics`].
    pub test: Vec<f64>,
    /// Training score of each metric, when asked for.
    pub train: Option<Vec<f64>>,
    /// Seconds spent fitting.
    pub fit_seconds: f64,
    /// Seconds spent predicting and scoring the test rows.
    pub score_seconds: f64,
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
}

/// The outcome of [`cross_validate`].
pub struct CvResult {
    /// The metrics scored, in order.
    pub metrics: Vec<String>,
    /// One entry per split, in the splitter's order.
    pub folds: Vec<FoldScores>,
    /// Each fold's fitted model when [`CvOptions::return_models`] was set, else empty.
    pub models: Vec<Box<dyn DynModel>>,
}

impl std::fmt::Debug for CvResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CvResult")
            .field("metrics", &self.metrics)
            .field("folds", &self.folds)
            .field("models", &self.models.len())
            .finish()
    }
}

/// Mean and population standard deviation (0 and 0 for no values).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

impl CvResult {
    fn metric_index(&self, metric: &str) -> Result<usize> {
        self.metrics
            .iter()
            .position(|m| m == metric)
            .ok_or_else(|| {
                Error::param(
                    "metric",
                    format!(
                        "`{metric}` was not scored; scored: {}",
                        self.metrics.join(", ")
                    ),
                )
            })
    }

    /// The test score of `metric` in each fold.
    pub fn test_scores(&self, metric: &str) -> Result<Vec<f64>> {
        let m = self.metric_index(metric)?;
        Ok(self.folds.iter().map(|f| f.test[m]).collect())
    }

    /// The training score of `metric` in each fold, when they were computed.
    pub fn train_scores(&self, metric: &str) -> Result<Vec<f64>> {
        let m = self.metric_index(metric)?;
        self.folds
            .iter()
            .map(|f| {
                f.train.as_ref().map(|t| t[m]).ok_or_else(|| {
                    Error::param("return_train_score", "training scores were not computed")
                })
            })
            .collect()
    }

    /// Mean and population standard deviation of the test scores of `metric` over folds.
    pub fn summary(&self, metric: &str) -> Result<(f64, f64)> {
        Ok(mean_std(&self.test_scores(metric)?))
    }

    /// A text table: one line per fold with every metric and the times, then mean and std.
    pub fn table(&self) -> String {
        let mut out = format!("{:>5}", "fold");
        for m in &self.metrics {
            out += &format!(" {m:>14}");
        }
        out += &format!(" {:>10} {:>10}\n", "fit s", "score s");
        for (j, f) in self.folds.iter().enumerate() {
            out += &format!("{j:>5}");
            for s in &f.test {
                out += &format!(" {s:>14.6}");
            }
            out += &format!(" {:>10.4} {:>10.4}\n", f.fit_seconds, f.score_seconds);
        }
        for (label, pick) in [("mean", 0), ("std", 1)] {
            out += &format!("{label:>5}");
            for m in 0..self.metrics.len() {
                let scores: Vec<f64> = self.folds.iter().map(|f| f.test[m]).collect();
                let (mean, std) = mean_std(&scores);
                out += &format!(" {:>14.6}", [mean, std][pick]);
            }
            out += "\n";
        }
        out
    }
}

/// Refuse unknown metric names before any fitting.
pub(crate) fn check_metrics(metrics: &[String]) -> Result<()> {
    for m in metrics {
        if !scorer::METRICS.iter().any(|(name, _)| name == m) {
            let known: Vec<_> = scorer::METRICS.iter().map(|(n, _)| *n).collect();
            return Err(Error::param(
                "metric",
                format!("unknown metric `{m}`; known: {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}

fn target_of(data: &Dataset) -> Result<&Target> {
    data.target().ok_or_else(|| Error::WrongTarget {
        model: "cross-validation".into(),
        expected: "a target to score predictions against".into(),
        found: "no target".into(),
    })
}

/// A classifier's probabilities where it offers them, `None` where it does not.
fn probabilities(model: &dyn DynModel, x: ArrayView2<'_, f64>) -> Result<Option<Array2<f64>>> {
    if model.task() != Task::Classification {
        return Ok(None);
    }
    match model.predict_proba(x) {
        Ok(p) => Ok(Some(p)),
        Err(Error::Unsupported { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Score `model` on `data` with each metric.
pub fn score_model(model: &dyn DynModel, data: &Dataset, metrics: &[String]) -> Result<Vec<f64>> {
    let truth = target_of(data)?;
    let pred = model.predict(data.features())?;
    let proba = probabilities(model, data.features())?;
    metrics
        .iter()
        .map(|m| scorer::score(m, truth, &pred, proba.as_ref()))
        .collect()
}

struct FoldOutcome {
    metrics: Vec<String>,
    scores: FoldScores,
    model: Option<Box<dyn DynModel>>,
}

fn run_fold(
    fit: &FitFn<'_>,
    data: &Dataset,
    split: &Split,
    opts: &CvOptions,
) -> Result<FoldOutcome> {
    let train = data.select(&split.train);
    let test = data.select(&split.test);
    let start = Instant::now();
    let model = fit(&train)?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let metrics = if opts.metrics.is_empty() {
        vec![scorer::default_metric(model.task()).to_string()]
    } else {
        opts.metrics.clone()
    };
    let start = Instant::now();
    let test_scores = score_model(model.as_ref(), &test, &metrics)?;
    let score_seconds = start.elapsed().as_secs_f64();
    let train_scores = if opts.return_train_score {
        Some(score_model(model.as_ref(), &train, &metrics)?)
    } else {
        None
    };
    Ok(FoldOutcome {
        metrics,
        scores: FoldScores {
            test: test_scores,
            train: train_scores,
            fit_seconds,
            score_seconds,
            n_train: split.train.len(),
            n_test: split.test.len(),
        },
        model: opts.return_models.then_some(model),
    })
}

/// Run `f` on each split, in parallel or not, and return the results in split order (the first
/// error in split order wins, whatever the scheduling).
fn per_split<T: Send>(
    splits: &[Split],
    parallel: bool,
    f: impl Fn(&Split) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let outcomes: Vec<Result<T>> = if parallel {
        splits.par_iter().map(&f).collect()
    } else {
        splits.iter().map(&f).collect()
    };
    outcomes.into_iter().collect()
}

/// Cross-validate `fit` on `data` with the splits of `splitter`.
pub fn cross_validate(
    fit: &FitFn<'_>,
    data: &Dataset,
    splitter: &dyn Splitter,
    opts: &CvOptions,
) -> Result<CvResult> {
    let splits = splitter.split(data)?;
    cross_validate_splits(fit, data, &splits, opts)
}

/// Cross-validate `fit` on `data` with given splits (so several models can share them).
pub fn cross_validate_splits(
    fit: &FitFn<'_>,
    data: &Dataset,
    splits: &[Split],
    opts: &CvOptions,
) -> Result<CvResult> {
    check_metrics(&opts.metrics)?;
    target_of(data)?;
    if splits.is_empty() {
        return Err(Error::param("cv", "the splitter produced no split"));
    }
    let outcomes = per_split(splits, opts.parallel, |s| run_fold(fit, data, s, opts))?;
    let metrics = outcomes[0].metrics.clone();
    let mut folds = Vec::with_capacity(outcomes.len());
    let mut models = Vec::new();
    for o in outcomes {
        if o.metrics != metrics {
            return Err(Error::param(
                "metric",
                "folds fitted models of different tasks; name the metrics explicitly",
            ));
        }
        folds.push(o.scores);
        models.extend(o.model);
    }
    Ok(CvResult {
        metrics,
        folds,
        models,
    })
}

/// Fit on each split's training rows and apply `f` to its test rows, checking first that the
/// test sets partition the rows.
fn out_of_fold<T: Send>(
    fit: &FitFn<'_>,
    data: &Dataset,
    splitter: &dyn Splitter,
    parallel: bool,
    f: impl Fn(&dyn DynModel, ArrayView2<'_, f64>) -> Result<T> + Sync,
) -> Result<(Vec<Split>, Vec<T>)> {
    let splits = splitter.split(data)?;
    let mut times_tested = vec![0usize; data.n_samples()];
    for s in &splits {
        for &i in &s.test {
            times_tested[i] += 1;
        }
    }
    if let Some(i) = times_tested.iter().position(|&c| c != 1) {
        return Err(Error::param(
            "cv",
            format!(
                "out-of-fold predictions need test sets that cover every row exactly once \
                 (k-fold, not repeated k-fold or a single train/test split); row {i} is tested {} times",
                times_tested[i]
            ),
        ));
    }
    let results = per_split(&splits, parallel, |s| {
        let model = fit(&data.select(&s.train))?;
        f(model.as_ref(), data.select(&s.test).features())
    })?;
    Ok((splits, results))
}

fn mismatched(what: &str) -> Error {
    Error::param(
        "cv",
        format!("the folds' models disagree on {what}; cannot assemble out-of-fold predictions"),
    )
}

/// Each row's prediction by the model fitted on the folds that did not contain it.
pub fn cross_val_predict(
    fit: &FitFn<'_>,
    data: &Dataset,
    splitter: &dyn Splitter,
    parallel: bool,
) -> Result<Predictions> {
    let (splits, preds) = out_of_fold(fit, data, splitter, parallel, |m, x| m.predict(x))?;
    let n = data.n_samples();
    match &preds[0] {
        Predictions::Classes { names, .. } => {
            let mut labels = Array1::zeros(n);
            for (s, p) in splits.iter().zip(&preds) {
                match p {
                    Predictions::Classes {
                        labels: l,
                        names: nm,
                    } if nm == names => s.test.iter().zip(l).for_each(|(&i, &v)| labels[i] = v),
                    _ => return Err(mismatched("the class names")),
                }
            }
            Ok(Predictions::Classes {
                labels,
                names: names.clone(),
            })
        }
        Predictions::Values(_) => {
            let mut values = Array1::zeros(n);
            for (s, p) in splits.iter().zip(&preds) {
                match p {
                    Predictions::Values(v) => {
                        s.test.iter().zip(v).for_each(|(&i, &x)| values[i] = x)
                    }
                    _ => return Err(mismatched("the kind of prediction")),
                }
            }
            Ok(Predictions::Values(values))
        }
        Predictions::Clusters(_) => Err(Error::unsupported(
            "cross_val_predict",
            "clusterings (cluster numbers of different folds do not correspond)",
        )),
    }
}

/// Each row's class probabilities from the model fitted without it (`n x K`).
pub fn cross_val_predict_proba(
    fit: &FitFn<'_>,
    data: &Dataset,
    splitter: &dyn Splitter,
    parallel: bool,
) -> Result<Array2<f64>> {
    let (splits, probas) = out_of_fold(fit, data, splitter, parallel, |m, x| m.predict_proba(x))?;
    let k = probas[0].ncols();
    let mut out = Array2::zeros((data.n_samples(), k));
    for (s, p) in splits.iter().zip(&probas) {
        if p.ncols() != k {
            return Err(mismatched("the number of classes"));
        }
        for (&i, row) in s.test.iter().zip(p.outer_iter()) {
            out.row_mut(i).assign(&row);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_selection::split::{KFold, LeaveOneOut, RepeatedKFold, StratifiedKFold};
    use crate::model_selection::test_models::{centroid_spec, quantile_spec, CV_FIXTURE};
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Accuracies {
        test_accuracy: Vec<f64>,
        #[serde(default)]
        train_accuracy: Vec<f64>,
    }
    #[derive(Deserialize)]
    struct Fixture {
        iris_nearest_centroid: Accuracies,
        wine_raw_nearest_centroid: Accuracies,
        iris_oof_predictions: Vec<usize>,
    }

    fn fixture() -> Fixture {
        serde_json::from_str(CV_FIXTURE).unwrap()
    }

    fn assert_close(ours: &[f64], theirs: &[f64], tol: f64) {
        assert_eq!(ours.len(), theirs.len());
        for (a, b) in ours.iter().zip(theirs) {
            assert!((a - b).abs() <= tol, "{ours:?} vs {theirs:?}");
        }
    }

    #[test]
    fn nearest_centroid_scores_equal_scikit_learn() {
        let fx = fixture();
        let spec = centroid_spec();
        let fit = |d: &Dataset| spec.fit_with(&[], d);
        let iris = crate::datasets::load("iris").unwrap();
        let opts = CvOptions::default().metric("accuracy").with_train_score();
        let cv = cross_validate(&fit, &iris, &StratifiedKFold::new(5), &opts).unwrap();
        assert_close(
            &cv.test_scores("accuracy").unwrap(),
            &fx.iris_nearest_centroid.test_accuracy,
            1e-12,
        );
        assert_close(
            &cv.train_scores("accuracy").unwrap(),
            &fx.iris_nearest_centroid.train_accuracy,
            1e-12,
        );
        assert!(cv.folds.iter().all(|f| f.n_train == 120 && f.n_test == 30));

        let wine = crate::datasets::load("wine").unwrap();
        let cv =
            cross_validate(&fit, &wine, &StratifiedKFold::new(5), &CvOptions::default()).unwrap();
        assert_eq!(
            cv.metrics,
            vec!["accuracy"],
            "the default metric of a classifier"
        );
        assert_close(
            &cv.test_scores("accuracy").unwrap(),
            &fx.wine_raw_nearest_centroid.test_accuracy,
            1e-12,
        );
        assert!(cv.table().contains("mean"));
    }

    #[test]
    fn results_do_not_depend_on_threads() {
        let spec = quantile_spec();
        let fit = |d: &Dataset| spec.fit_with(&[("quantile".into(), "0.3".into())], d);
        let diabetes = crate::datasets::load("diabetes").unwrap();
        let opts = CvOptions::default().metric("r2").metric("mse");
        let splitter = RepeatedKFold::new(5, 3, 11);
        let parallel = cross_validate(&fit, &diabetes, &splitter, &opts).unwrap();
        let sequential =
            cross_validate(&fit, &diabetes, &splitter, &opts.clone().sequential()).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let three = pool.install(|| cross_validate(&fit, &diabetes, &splitter, &opts).unwrap());
        for m in ["r2", "mse"] {
            let p = parallel.test_scores(m).unwrap();
            assert_eq!(p, sequential.test_scores(m).unwrap());
            assert_eq!(p, three.test_scores(m).unwrap());
            assert_eq!(p.len(), 15);
        }
    }

    #[test]
    fn out_of_fold_predictions_equal_scikit_learn() {
        let spec = centroid_spec();
        let fit = |d: &Dataset| spec.fit_with(&[], d);
        let iris = crate::datasets::load("iris").unwrap();
        match cross_val_predict(&fit, &iris, &StratifiedKFold::new(5), true).unwrap() {
            Predictions::Classes { labels, .. } => {
                assert_eq!(labels.to_vec(), fixture().iris_oof_predictions)
            }
            other => panic!("{other:?}"),
        }
        let proba = cross_val_predict_proba(&fit, &iris, &StratifiedKFold::new(5), false).unwrap();
        assert_eq!(proba.dim(), (150, 3));
        // The test model's probabilities are one-hot on its prediction.
        let oof = fixture().iris_oof_predictions;
        assert!((0..150).all(|i| proba[[i, oof[i]]] == 1.0));
        let repeated = RepeatedKFold::new(3, 2, 0);
        let err = cross_val_predict(&fit, &iris, &repeated, true).unwrap_err();
        assert!(err.to_string().contains("tested 2 times"), "{err}");
    }

    #[test]
    fn regression_out_of_fold_with_leave_one_out() {
        let spec = quantile_spec();
        let fit = |d: &Dataset| spec.fit_with(&[("quantile".into(), "0.5".into())], d);
        let data = Dataset::new(ndarray::Array2::zeros((4, 1)))
            .with_target(Target::Continuous(ndarray::array![1.0, 2.0, 4.0, 8.0]))
            .unwrap();
        // Leaving out row i, the median of the other three rows is predicted for it.
        match cross_val_predict(&fit, &data, &LeaveOneOut, true).unwrap() {
            Predictions::Values(v) => assert_eq!(v.to_vec(), vec![4.0, 4.0, 2.0, 2.0]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_are_reported() {
        let spec = centroid_spec();
        let fit = |d: &Dataset| spec.fit_with(&[], d);
        let iris = crate::datasets::load("iris").unwrap();
        let bad_metric = CvOptions::default().metric("no-such-metric");
        let err = cross_validate(&fit, &iris, &KFold::new(3), &bad_metric).unwrap_err();
        assert!(err.to_string().contains("unknown metric"), "{err}");
        let wrong_task = CvOptions::default().metric("r2");
        assert!(cross_validate(&fit, &iris, &KFold::new(3), &wrong_task).is_err());
        let unlabelled = iris.clone().without_target();
        assert!(cross_validate(&fit, &unlabelled, &KFold::new(3), &CvOptions::default()).is_err());
        let empty = iris.select(&[]);
        assert!(cross_validate(&fit, &empty, &KFold::new(3), &CvOptions::default()).is_err());
        let mut x = iris.features().to_owned();
        x[[7, 1]] = f64::NAN;
        let poisoned = iris
            .with_features(x, iris.feature_names().to_vec())
            .unwrap();
        assert!(cross_validate(&fit, &poisoned, &KFold::new(3), &CvOptions::default()).is_err());
    }
}
