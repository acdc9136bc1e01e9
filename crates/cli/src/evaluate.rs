//! Held-out evaluation for `fit` and `compare`: K-fold cross-validation (stratified for
//! classification, as scikit-learn's `cross_validate` does for classifiers) or one shuffled
//! train/test split, scoring any metric known to `breadth_metrics::scorer`.

use std::time::Instant;

use breadth_core::registry::{ModelSpec, Task};
use breadth_core::{Dataset, Result, Target};
use breadth_data::model_selection::split::{
    KFold, Splitter, StratifiedKFold, TestSize, TrainTestSplit,
};
use serde::Serialize;

/// One fold's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct FoldScore {
    /// The metric on the held-out rows.
    pub score: f64,
    /// Seconds to fit on the training rows.
    pub fit_seconds: f64,
}

/// Task of the dataset's target, for choosing models and the default metric.
pub fn task_of(data: &Dataset) -> Option<Task> {
    match data.target() {
        Some(Target::Classes { .. } | Target::PartialClasses { .. }) => Some(Task::Classification),
        Some(Target::Continuous(_)) => Some(Task::Regression),
        _ => None,
    }
}

/// The rows of `data` with a label, as a plain class target (semi-supervised data is scored on
/// its labelled rows only).
fn labelled_only(data: Dataset) -> Result<Dataset> {
    let Some(Target::PartialClasses { labels, names }) = data.target() else {
        return Ok(data);
    };
    let idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i].is_some()).collect();
    let y: Vec<usize> = idx.iter().filter_map(|&i| labels[i]).collect();
    let names = names.clone();
    data.select(&idx).with_target(Target::classes(y, names)?)
}

/// Fit on `train`, score on `test`.
pub fn fit_and_score(
    spec: &ModelSpec,
    settings: &[(String, String)],
    metric: &str,
    data: &Dataset,
    train: &[usize],
    test: &[usize],
) -> Result<FoldScore> {
    let (train, test) = (data.select(train), labelled_only(data.select(test))?);
    let start = Instant::now();
    let model = spec.fit_with(settings, &train)?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let pred = model.predict(test.features())?;
    let proba = model.predict_proba(test.features()).ok();
    let truth = test.target().expect("evaluation needs a target");
    let score = breadth_metrics::scorer::score(metric, truth, &pred, proba.as_ref())?;
    Ok(FoldScore { score, fit_seconds })
}

/// The (train, test) index pairs of `k`-fold cross-validation: stratified k-fold for classes
/// (unlabelled rows of semi-supervised data form one more stratum), plain k-fold otherwise; both
/// equal scikit-learn's unshuffled folds.
pub fn cv_folds(data: &Dataset, k: usize) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
    let splits = match data.target() {
        Some(Target::Classes { labels, .. }) => StratifiedKFold::new(k).folds(&labels.to_vec())?,
        Some(Target::PartialClasses { labels, names }) => {
            let strata: Vec<usize> = labels.iter().map(|l| l.unwrap_or(names.len())).collect();
            StratifiedKFold::new(k).folds(&strata)?
        }
        _ => KFold::new(k).folds(data.n_samples())?,
    };
    Ok(splits.into_iter().map(|s| (s.train, s.test)).collect())
}

/// One seeded split holding out `test_size` (a fraction in (0, 1)) of the rows, stratified for
/// classes.
pub fn holdout(data: &Dataset, test_size: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    let split = TrainTestSplit::new(TestSize::Fraction(test_size)).seed(seed);
    let split = match data.target() {
        Some(Target::Classes { .. }) => split.stratified(),
        _ => split,
    };
    let s = split.split(data)?.remove(0);
    Ok((s.train, s.test))
}
