//! Categorical naive Bayes: feature $j$ takes one of $m_j$ categories $0, \dots, m_j - 1$
//! (given as the numbers `0.0, 1.0, ...`), with
//! $$ \log p(x_j = v \mid c) = \log(N_{cjv} + \alpha) - \log\Big(\sum_{v'} N_{cjv'} + \alpha m_j\Big), $$
//! $N_{cjv}$ the weighted count of rows of class $c$ whose feature $j$ is $v$ and $m_j$ one more
//! than the largest category seen. `partial_fit` adds counts and grows $m_j$ when a batch brings
//! a new category, so batches equal one fit whenever they see the same categories.
//!
//! A category never seen in training is refused at predict with an error naming it (its
//! probability would depend on how many categories exist, which the model cannot know).
//!
//! ```
//! use breadth_classic::bayes::CategoricalNbParams;
//! use breadth_core::{Classifier, Dataset, Fit, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0, 2.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
//!     .with_target(Target::classes(vec![0, 0, 1, 1], vec!["a".into(), "b".into()]).unwrap()).unwrap();
//! let model = CategoricalNbParams::default().fit(&ds).unwrap();
//! assert_eq!(model.predict(array![[1.0, 0.0]].view()).unwrap()[0], 1);
//! assert!(model.predict(array![[3.0, 0.0]].view()).is_err());
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{Classifier, Dataset, Error, Fit, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::discrete::Smoothing;
use super::{argmax_rows, bad_value, class_data, log_normalize, ClassPrior};

/// Hyper-parameters of [`CategoricalNb`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CategoricalNbParams {
    /// Smoothing and priors.
    pub smoothing: Smoothing,
}

impl CategoricalNbParams {
    /// Set `alpha`.
    pub fn alpha(mut self, a: f64) -> Self {
        self.smoothing.alpha = a;
        self
    }
}

impl Configurable for CategoricalNbParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        self.smoothing.specs()
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        self.smoothing.set(name, value)
    }
}

/// A fitted categorical naive Bayes classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalNb {
    classes: Vec<String>,
    alpha: f64,
    fit_prior: bool,
    class_prior: ClassPrior,
    /// Per feature, `K x m_j` weighted counts.
    category_count: Vec<Array2<f64>>,
    class_count: Array1<f64>,
    feature_log_prob: Vec<Array2<f64>>,
    class_log_prior: Array1<f64>,
}

impl Fit for CategoricalNbParams {
    type Fitted = CategoricalNb;
    fn fit(&self, data: &Dataset) -> Result<CategoricalNb> {
        check_fit_input(data)?;
        let (_, names, _) = class_data(data, "categorical-nb", None)?;
        self.smoothing.validate(names.len())?;
        let k = names.len();
        let mut model = CategoricalNb {
            classes: names.to_vec(),
            alpha: self.smoothing.alpha,
            fit_prior: self.smoothing.fit_prior,
            class_prior: self.smoothing.class_prior.clone(),
            category_count: vec![Array2::zeros((k, 0)); data.n_features()],
            class_count: Array1::zeros(k),
            feature_log_prob: Vec::new(),
            class_log_prior: Array1::zeros(k),
        };
        model.partial_fit(data)?;
        Ok(model)
    }
}

/// The category of each value, or an error locating a value that is not one.
fn categories(x: ArrayView2<'_, f64>) -> Result<Array2<usize>> {
    for ((i, j), &v) in x.indexed_iter() {
        if v < 0.0 || v.fract() != 0.0 || v > u32::MAX as f64 {
            return Err(bad_value(
                "categorical-nb",
                i,
                j,
                v,
                "category numbers 0, 1, 2, ...",
            ));
        }
    }
    Ok(x.mapv(|v| v as usize))
}

impl CategoricalNb {
    /// Learn from one more batch (same classes and features as the first).
    pub fn partial_fit(&mut self, data: &Dataset) -> Result<()> {
        check_fit_input(data)?;
        check_predict_input(self, data.features())?;
        let x = categories(data.features())?;
        let (labels, _, w) = class_data(data, "categorical-nb", Some(&self.classes))?;
        for (j, counts) in self.category_count.iter_mut().enumerate() {
            let needed = x.column(j).iter().max().map_or(0, |m| m + 1);
            if needed > counts.ncols() {
                let mut grown = Array2::zeros((counts.nrows(), needed));
                grown
                    .slice_mut(ndarray::s![.., ..counts.ncols()])
                    .assign(counts);
                *counts = grown;
            }
            for ((&v, &l), &wi) in x.column(j).iter().zip(labels).zip(&w) {
                counts[[l, v]] += wi;
            }
        }
        for (&l, &wi) in labels.iter().zip(&w) {
            self.class_count[l] += wi;
        }
        let smoothing = Smoothing {
            alpha: self.alpha,
            fit_prior: self.fit_prior,
            class_prior: self.class_prior.clone(),
        };
        self.class_log_prior = smoothing.log_prior(&self.class_count);
        self.feature_log_prob = self
            .category_count
            .iter()
            .map(|c| {
                let smoothed = c + self.alpha;
                let totals = smoothed
                    .sum_axis(Axis(1))
                    .mapv(f64::ln)
                    .insert_axis(Axis(1));
                smoothed.mapv(f64::ln) - totals
            })
            .collect();
        Ok(())
    }

    /// Number of categories of each feature.
    pub fn n_categories(&self) -> Vec<usize> {
        self.category_count.iter().map(Array2::ncols).collect()
    }

    /// Joint log-likelihood $\ell_c(x)$, `n x K`.
    pub fn joint_log_likelihood(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let cats = categories(x)?;
        let mut jll = Array2::zeros((x.nrows(), self.classes.len()));
        for (i, mut row) in jll.outer_iter_mut().enumerate() {
            row.assign(&self.class_log_prior);
            for (j, flp) in self.feature_log_prob.iter().enumerate() {
                let v = cats[[i, j]];
                if v >= flp.ncols() {
                    return Err(Error::UnknownLabel {
                        label: v.to_string(),
                        what: format!("feature {j} at row {i} (categorical-nb)"),
                        known: format!("0..{}", flp.ncols()),
                    });
                }
                row += &flp.column(v);
            }
        }
        Ok(jll)
    }

    /// $\log P(c \mid x)$, `n x K`.
    pub fn predict_log_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(log_normalize(self.joint_log_likelihood(x)?))
    }
}

impl Fitted for CategoricalNb {
    fn model_name(&self) -> &'static str {
        "categorical-nb"
    }
    fn n_features_in(&self) -> usize {
        self.category_count.len()
    }
}

impl Classifier for CategoricalNb {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.joint_log_likelihood(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(self.predict_log_proba(x)?.mapv(f64::exp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bayes::tests::{assert_matches_fixture, categorical_data};
    use breadth_core::conformance::check_classifier;

    /// Fixture: reference/bayes.py (scikit-learn 1.9.1).
    #[test]
    fn probabilities_match_scikit_learn() {
        let (plain, weighted, q) = categorical_data();
        assert_matches_fixture(
            &CategoricalNbParams::default().fit(&plain).unwrap(),
            q.view(),
            "categorical",
        );
        let m = CategoricalNbParams::default()
            .alpha(0.4)
            .fit(&weighted)
            .unwrap();
        assert_matches_fixture(&m, q.view(), "categorical_weighted");
    }

    #[test]
    fn batches_equal_one_fit_and_grow_categories() {
        let (_, weighted, q) = categorical_data();
        let whole = CategoricalNbParams::default().fit(&weighted).unwrap();
        // The first batch is small, so later batches bring new categories.
        let mut streamed = CategoricalNbParams::default()
            .fit(&weighted.select(&[0, 1]))
            .unwrap();
        let rest: Vec<usize> = (2..weighted.n_samples()).collect();
        for b in rest.chunks(13) {
            streamed.partial_fit(&weighted.select(b)).unwrap();
        }
        assert_eq!(streamed.n_categories(), whole.n_categories());
        let diff =
            &whole.predict_proba(q.view()).unwrap() - &streamed.predict_proba(q.view()).unwrap();
        assert!(diff.iter().all(|d| d.abs() < 1e-12));
    }

    #[test]
    fn conformance_and_bad_input() {
        let (plain, _, _) = categorical_data();
        check_classifier(&CategoricalNbParams::default(), &plain);
        let iris = breadth_data::datasets::load("iris").unwrap();
        let err = CategoricalNbParams::default()
            .fit(&iris)
            .unwrap_err()
            .to_string();
        assert!(err.contains("category numbers"), "{err}");
    }
}
