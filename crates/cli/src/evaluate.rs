//! Held-out evaluation for `fit` and `compare`: K-fold cross-validation (stratified for
//! classification, as scikit-learn's `cross_validate` does for classifiers) or one shuffled
//! train/test split, scoring any metric known to `breadth_metrics::scorer`.

use std::time::Instant;

use breadth_core::registry::{ModelSpec, Task};
use breadth_core::{Dataset, Result, Target};
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

/// The (train, test) index pairs of `k`-fold cross-validation: each class (or, for a continuous
/// target, the whole data) is dealt round-robin over the folds in row order.
// TODO(lead): replace with breadth_data::model_selection once it lands.
pub fn cv_folds(data: &Dataset, k: usize) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
    let n = data.n_samples();
    if k < 2 || k > n {
        return Err(breadth_core::Error::param(
            "cv",
            format!("needs 2 <= K <= {n} (rows), got {k}"),
        ));
    }
    let mut fold_of = vec![0usize; n];
    match data.target() {
        Some(Target::Classes { labels, names }) => {
            let mut seen = vec![0usize; names.len()];
            for (i, &l) in labels.iter().enumerate() {
                fold_of[i] = seen[l] % k;
                seen[l] += 1;
            }
        }
        Some(Target::PartialClasses { labels, names }) => {
            // Unlabelled rows are one more stratum.
            let mut seen = vec![0usize; names.len() + 1];
            for (i, l) in labels.iter().enumerate() {
                let s = l.unwrap_or(names.len());
                fold_of[i] = seen[s] % k;
                seen[s] += 1;
            }
        }
        _ => (0..n).for_each(|i| fold_of[i] = i * k / n),
    }
    Ok((0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold_of[i] == f);
            (train, test)
        })
        .collect())
}

/// One shuffled split holding out `test_size` (a fraction in (0, 1)) of the rows.
pub fn holdout(data: &Dataset, test_size: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    use rand::seq::SliceRandom;
    let n = data.n_samples();
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(breadth_core::Error::param(
            "test-size",
            format!("must lie in (0, 1), got {test_size}"),
        ));
    }
    let n_test = ((n as f64 * test_size).ceil() as usize).clamp(1, n.saturating_sub(1).max(1));
    if n < 2 {
        return Err(breadth_core::Error::param(
            "test-size",
            format!("needs at least 2 rows, got {n}"),
        ));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut breadth_core::seeded_rng(seed));
    let test = idx[..n_test].to_vec();
    let train = idx[n_test..].to_vec();
    Ok((train, test))
}
