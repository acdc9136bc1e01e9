//! Permutation feature importance (Breiman 2001; scikit-learn's `permutation_importance`) for
//! any fitted model.
//!
//! With a score $s$ (higher is better) of the model on data $(X, y)$, the importance of feature
//! $j$ is the mean drop $I_j = s(X, y) - \frac1R \sum_{r=1}^{R} s(X^{(j, r)}, y)$ over $R$ copies
//! of $X$ whose column $j$ is shuffled (by a seeded permutation, the same for every model), with
//! the standard deviation of the drops. A feature the model does not use scores 0.
//!
//! It works on anything that scores a feature matrix: [`permutation_importance`] takes a closure;
//! [`for_classifier`] / [`for_regressor`] score accuracy / $R^2$ of a typed model, and
//! [`for_model`] does the same for any registered model behind `DynModel`. Features are processed
//! in parallel; each uses its own seed, so results do not depend on the thread count.
//!
//! Cost: $d R$ predictions on $n$ rows.
//!
//! ```
//! use breadth_classic::inspection::permutation::for_regressor;
//! use breadth_classic::tree::DecisionTreeRegressorParams;
//! use breadth_core::Fit;
//! let diabetes = breadth_data::datasets::load("diabetes").unwrap();
//! let m = DecisionTreeRegressorParams::default().max_depth(Some(1)).fit(&diabetes).unwrap();
//! let imp = for_regressor(&m, &diabetes, 3, 0).unwrap();
//! // A stump uses one feature; every other feature is unimportant.
//! assert_eq!(imp.mean.iter().filter(|&&v| v != 0.0).count(), 1);
//! ```

use breadth_core::registry::{DynModel, Predictions};
use breadth_core::rng::child_seeds;
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Regressor, Result, Target};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::seq::SliceRandom;
use rayon::prelude::*;

/// Importances of every feature.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationImportance {
    /// Mean score drop per feature.
    pub mean: Array1<f64>,
    /// Standard deviation of the drops.
    pub std: Array1<f64>,
    /// Every drop, `n_features x n_repeats`.
    pub drops: Array2<f64>,
    /// The score on the unshuffled data.
    pub baseline: f64,
}

/// Permutation importance of the model behind `score` on features `x`.
pub fn permutation_importance(
    score: impl Fn(ArrayView2<'_, f64>) -> Result<f64> + Sync,
    x: ArrayView2<'_, f64>,
    n_repeats: usize,
    seed: u64,
) -> Result<PermutationImportance> {
    if n_repeats == 0 {
        return Err(Error::param("n_repeats", "must be at least 1"));
    }
    let baseline = score(x)?;
    let d = x.ncols();
    let rows: Vec<Result<Vec<f64>>> = child_seeds(seed, d)
        .into_par_iter()
        .enumerate()
        .map(|(j, s)| {
            let mut rng = seeded_rng(s);
            let mut xs = x.to_owned();
            let mut col: Vec<f64> = x.column(j).to_vec();
            (0..n_repeats)
                .map(|_| {
                    col.shuffle(&mut rng);
                    xs.column_mut(j)
                        .iter_mut()
                        .zip(&col)
                        .for_each(|(a, b)| *a = *b);
                    Ok(baseline - score(xs.view())?)
                })
                .collect()
        })
        .collect();
    let mut drops = Array2::zeros((d, n_repeats));
    for (j, r) in rows.into_iter().enumerate() {
        drops.row_mut(j).assign(&Array1::from(r?));
    }
    let mean = drops.mean_axis(ndarray::Axis(1)).expect("n_repeats > 0");
    let std = drops.std_axis(ndarray::Axis(1), 0.0);
    Ok(PermutationImportance {
        mean,
        std,
        drops,
        baseline,
    })
}

fn accuracy(pred: ArrayView1<'_, usize>, truth: ArrayView1<'_, usize>) -> f64 {
    pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / pred.len() as f64
}

fn r2(pred: ArrayView1<'_, f64>, truth: ArrayView1<'_, f64>) -> f64 {
    let mean = truth.mean().unwrap_or(0.0);
    let ss_res: f64 = pred.iter().zip(truth).map(|(p, t)| (p - t).powi(2)).sum();
    let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    1.0 - ss_res / ss_tot
}

/// Accuracy-based permutation importance of a classifier on `data`.
pub fn for_classifier(
    model: &impl Classifier,
    data: &Dataset,
    n_repeats: usize,
    seed: u64,
) -> Result<PermutationImportance> {
    let (truth, _) = data.class_target("permutation importance")?;
    permutation_importance(
        |x| Ok(accuracy(model.predict(x)?.view(), truth)),
        data.features(),
        n_repeats,
        seed,
    )
}

/// $R^2$-based permutation importance of a regressor on `data`.
pub fn for_regressor(
    model: &impl Regressor,
    data: &Dataset,
    n_repeats: usize,
    seed: u64,
) -> Result<PermutationImportance> {
    let truth = data.continuous_target("permutation importance")?;
    permutation_importance(
        |x| Ok(r2(model.predict(x)?.view(), truth)),
        data.features(),
        n_repeats,
        seed,
    )
}

/// Permutation importance of any registered model (accuracy or $R^2$ by its task).
pub fn for_model(
    model: &dyn DynModel,
    data: &Dataset,
    n_repeats: usize,
    seed: u64,
) -> Result<PermutationImportance> {
    let score = |x: ArrayView2<'_, f64>| -> Result<f64> {
        match (model.predict(x)?, data.target()) {
            (Predictions::Classes { labels, .. }, Some(Target::Classes { labels: truth, .. })) => {
                Ok(accuracy(labels.view(), truth.view()))
            }
            (Predictions::Values(p), Some(Target::Continuous(truth))) => {
                Ok(r2(p.view(), truth.view()))
            }
            _ => Err(Error::unsupported(
                model.kind(),
                "permutation importance for this target",
            )),
        }
    };
    permutation_importance(score, data.features(), n_repeats, seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::Fit;

    #[test]
    fn informative_features_matter_and_noise_does_not() {
        // y depends on x0 only; x1 is noise.
        let mut rng = seeded_rng(1);
        let x = Array2::from_shape_fn((300, 2), |_| rand::Rng::random::<f64>(&mut rng));
        let y = x.column(0).mapv(|v| 10.0 * v);
        let ds = Dataset::new(x).with_target(Target::Continuous(y)).unwrap();
        let m = crate::tree::DecisionTreeRegressorParams::default()
            .max_depth(Some(6))
            .fit(&ds)
            .unwrap();
        let imp = for_regressor(&m, &ds, 5, 0).unwrap();
        assert!(imp.mean[0] > 1.0, "{}", imp.mean);
        assert!(imp.mean[1].abs() < 0.05, "{}", imp.mean);
        // Through the registry's object-safe interface, the same numbers.
        let spec = crate::registry::models()
            .into_iter()
            .find(|s| s.name == "decision-tree-regressor")
            .unwrap();
        let dynm = spec
            .fit_with(&[("max_depth".into(), "6".into())], &ds)
            .unwrap();
        assert_eq!(for_model(dynm.as_ref(), &ds, 5, 0).unwrap(), imp);
        // Thread count does not matter.
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| for_regressor(&m, &ds, 5, 0).unwrap());
        assert_eq!(one, imp);
    }
}
