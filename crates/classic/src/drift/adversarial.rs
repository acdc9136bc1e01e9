//! Adversarial validation and importance weights for covariate shift.
//!
//! Label the reference rows $0$ and the current rows $1$ and train a classifier to tell them apart;
//! with $K$-fold cross-validation each row gets an out-of-fold probability $p(x) = P(1 \mid x)$.
//! The ROC AUC of $p$ is $0.5$ when the samples come from one distribution and grows with the
//! shift. By Bayes' rule the density ratio is
//! $$w(x) = \frac{p_{\text{cur}}(x)}{p_{\text{ref}}(x)} = \frac{p(x)}{1 - p(x)} \cdot \frac{n_r}{n_c},$$
//! the weight that makes a model trained on reference rows target the current distribution
//! (importance-weighted empirical risk, Shimodaira 2000).
//!
//! The classifier is an L2 logistic regression on the standardized features and their squares
//! (so that a change of spread is as visible as a change of location), standardized with each
//! training fold's statistics. Probabilities are clipped to $[10^{-6}, 1 - 10^{-6}]$.
//!
//! Shapes: reference `n_r x d`, current `n_c x d`; weights `n_r`. Cost: $K$ logistic fits on
//! $(n_r + n_c) \times 2d$.
//!
//! Reference: H. Shimodaira, "Improving predictive inference under covariate shift by weighting
//! the log-likelihood function", J. Stat. Plan. Inference 90(2), 2000.
//!
//! ```
//! use breadth_classic::drift::{adversarial_validation, AdversarialParams};
//! use ndarray::Array2;
//! let a = Array2::from_shape_fn((100, 1), |(i, _)| (i % 10) as f64);
//! let b = a.mapv(|v| v + 20.0);
//! let adv = adversarial_validation(&AdversarialParams::default(), a.view(), b.view()).unwrap();
//! assert!(adv.auc > 0.99);
//! ```

use breadth_core::validate::check_finite;
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Result, Target};
use ndarray::{concatenate, Array1, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;

use crate::linear::logistic::LogisticRegressionParams;

/// Hyper-parameters of the adversarial classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct AdversarialParams {
    /// Folds $K$ of the out-of-fold probabilities.
    pub n_folds: usize,
    /// Inverse L2 strength of the logistic regression.
    pub c: f64,
    /// Seed of the fold assignment.
    pub seed: u64,
}

impl Default for AdversarialParams {
    fn default() -> Self {
        AdversarialParams {
            n_folds: 5,
            c: 1.0,
            seed: 0,
        }
    }
}

/// The result of [`adversarial_validation`].
#[derive(Debug, Clone, PartialEq)]
pub struct AdversarialValidation {
    /// Out-of-fold ROC AUC of telling current (positive) from reference rows.
    pub auc: f64,
    /// Out-of-fold $P(\text{current} \mid x)$ of the reference rows then the current rows.
    pub probabilities: Array1<f64>,
    /// Importance weight $w(x)$ of each reference row.
    pub weights: Array1<f64>,
}

/// Standardized features and their squares, with statistics from `train` rows.
fn expand(x: ArrayView2<'_, f64>, train: &[usize]) -> Array2<f64> {
    let t = x.select(Axis(0), train);
    let mean = t.mean_axis(Axis(0)).expect("non-empty fold");
    let sd = t
        .std_axis(Axis(0), 0.0)
        .mapv(|s| if s > 0.0 { s } else { 1.0 });
    let z = (&x - &mean) / &sd;
    let sq = z.mapv(|v| v * v);
    concatenate![Axis(1), z, sq]
}

/// Train-versus-current classification: AUC, probabilities and importance weights.
pub fn adversarial_validation(
    params: &AdversarialParams,
    reference: ArrayView2<'_, f64>,
    current: ArrayView2<'_, f64>,
) -> Result<AdversarialValidation> {
    check_finite(reference, "reference sample")?;
    check_finite(current, "current sample")?;
    let (nr, nc) = (reference.nrows(), current.nrows());
    if params.n_folds < 2 || params.n_folds > nr.min(nc) {
        return Err(Error::param(
            "n_folds",
            format!(
                "must lie in 2..={} (rows of the smaller sample)",
                nr.min(nc)
            ),
        ));
    }
    if reference.ncols() != current.ncols() {
        return Err(Error::shape(
            "current sample",
            format!("{} columns (as the reference)", reference.ncols()),
            format!("{} columns", current.ncols()),
        ));
    }
    let x = concatenate![Axis(0), reference, current];
    let y: Vec<usize> = (0..nr + nc).map(|i| usize::from(i >= nr)).collect();
    // Folds stratified by sample: each sample's rows shuffled and dealt round-robin.
    let mut rng = seeded_rng(params.seed);
    let mut fold = vec![0usize; nr + nc];
    for range in [0..nr, nr..nr + nc] {
        let mut rows: Vec<usize> = range.collect();
        rows.shuffle(&mut rng);
        rows.iter()
            .enumerate()
            .for_each(|(k, &i)| fold[i] = k % params.n_folds);
    }
    let logistic = LogisticRegressionParams::default()
        .c(params.c)
        .max_iter(200);
    let names = vec!["reference".to_string(), "current".to_string()];
    let mut proba = Array1::zeros(nr + nc);
    for k in 0..params.n_folds {
        let train: Vec<usize> = (0..nr + nc).filter(|&i| fold[i] != k).collect();
        let test: Vec<usize> = (0..nr + nc).filter(|&i| fold[i] == k).collect();
        let z = expand(x.view(), &train);
        let labels: Vec<usize> = train.iter().map(|&i| y[i]).collect();
        let ds = Dataset::new(z.select(Axis(0), &train))
            .with_target(Target::classes(labels, names.clone())?)?;
        let model = logistic.fit(&ds)?;
        let p = model.predict_proba(z.select(Axis(0), &test).view())?;
        test.iter()
            .zip(p.column(1))
            .for_each(|(&i, &pi)| proba[i] = pi.clamp(1e-6, 1.0 - 1e-6));
    }
    let auc = breadth_metrics::curves::roc_auc(Array1::from(y).view(), proba.view())?;
    let ratio = nr as f64 / nc as f64;
    let weights = proba
        .slice(ndarray::s![..nr])
        .mapv(|p| p / (1.0 - p) * ratio);
    Ok(AdversarialValidation {
        auc,
        probabilities: proba,
        weights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::tests::samples;

    #[test]
    fn weights_favour_reference_rows_that_look_current() {
        let reference = samples(1, 400, false);
        let current = samples(2, 400, true);
        let adv = adversarial_validation(
            &AdversarialParams::default(),
            reference.view(),
            current.view(),
        )
        .unwrap();
        assert!(adv.auc > 0.65);
        // Feature 1 moved up by 0.8: reference rows high on it get larger weights.
        let col = reference.column(1);
        let (mut hi, mut lo) = (Vec::new(), Vec::new());
        for (w, &v) in adv.weights.iter().zip(col) {
            if v > 0.8 {
                hi.push(*w)
            } else if v < -0.8 {
                lo.push(*w)
            }
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(mean(&hi) > 2.0 * mean(&lo), "{} {}", mean(&hi), mean(&lo));
        // Deterministic under the seed.
        let again = adversarial_validation(
            &AdversarialParams::default(),
            reference.view(),
            current.view(),
        )
        .unwrap();
        assert_eq!(adv, again);
    }

    #[test]
    fn spread_change_is_detected() {
        let reference = samples(3, 400, false);
        let current = reference.mapv(|v| v * 2.5);
        let adv = adversarial_validation(
            &AdversarialParams::default(),
            reference.view(),
            current.view(),
        )
        .unwrap();
        assert!(adv.auc > 0.7, "{}", adv.auc);
        let bad = AdversarialParams {
            n_folds: 1,
            ..AdversarialParams::default()
        };
        assert!(adversarial_validation(&bad, reference.view(), current.view()).is_err());
    }
}
