//! [`Dataset`]: features, their names, an optional target and optional sample weights.
//!
//! Shapes: features $X$ are $n \times d$ (`n_samples x n_features`, row-major), a class target is
//! $n$ labels $y_i \in \{0, \dots, K-1\}$ indexing `names`, a continuous target is $n$ reals, a
//! multi-output target $n \times m$, sample weights $n$ non-negative reals.
//!
//! Every constructor checks lengths, so an estimator can trust that the target and weights match
//! the rows of the features. Finiteness is checked by estimators at `fit` (see
//! [`crate::validate`]), since imputers must be able to accept NaN.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What an estimator learns to predict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// Class labels: `labels[i]` indexes `names`.
    Classes {
        /// One label per sample, each `< names.len()`.
        labels: Array1<usize>,
        /// The class names, in label order.
        names: Vec<String>,
    },
    /// One real value per sample.
    Continuous(Array1<f64>),
    /// Several real values per sample (`n x m`).
    MultiOutput {
        /// The values.
        values: Array2<f64>,
        /// One name per output column.
        names: Vec<String>,
    },
    /// Class labels where some rows are unlabelled (`None`), for semi-supervised learning
    /// (scikit-learn marks those rows `-1`).
    PartialClasses {
        /// One label per sample, `None` when unknown; known ones are `< names.len()`.
        labels: Array1<Option<usize>>,
        /// The class names, in label order.
        names: Vec<String>,
    },
    /// Several yes/no labels per sample (`n x K` indicator matrix of 0/1).
    MultiLabel {
        /// 1 where the sample carries the label.
        indicators: Array2<u8>,
        /// One name per label column.
        names: Vec<String>,
    },
}

impl Target {
    /// A class target, checking that every label indexes `names`.
    pub fn classes(labels: impl Into<Array1<usize>>, names: Vec<String>) -> Result<Self> {
        let labels = labels.into();
        if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l >= names.len()) {
            return Err(Error::UnknownLabel {
                label: l.to_string(),
                what: format!("target row {i}"),
                known: format!("0..{}", names.len()),
            });
        }
        Ok(Target::Classes { labels, names })
    }

    /// Number of samples the target covers.
    pub fn len(&self) -> usize {
        match self {
            Target::Classes { labels, .. } => labels.len(),
            Target::Continuous(v) => v.len(),
            Target::MultiOutput { values, .. } => values.nrows(),
            Target::PartialClasses { labels, .. } => labels.len(),
            Target::MultiLabel { indicators, .. } => indicators.nrows(),
        }
    }

    /// True when the target covers no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A short human name of the kind, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Target::Classes { .. } => "class labels",
            Target::Continuous(_) => "continuous values",
            Target::MultiOutput { .. } => "several continuous outputs",
            Target::PartialClasses { .. } => "class labels with unlabelled rows",
            Target::MultiLabel { .. } => "multi-label indicators",
        }
    }

    /// The rows `idx` of the target, in that order.
    pub fn select(&self, idx: &[usize]) -> Target {
        match self {
            Target::Classes { labels, names } => Target::Classes {
                labels: labels.select(Axis(0), idx),
                names: names.clone(),
            },
            Target::Continuous(v) => Target::Continuous(v.select(Axis(0), idx)),
            Target::MultiOutput { values, names } => Target::MultiOutput {
                values: values.select(Axis(0), idx),
                names: names.clone(),
            },
            Target::PartialClasses { labels, names } => Target::PartialClasses {
                labels: labels.select(Axis(0), idx),
                names: names.clone(),
            },
            Target::MultiLabel { indicators, names } => Target::MultiLabel {
                indicators: indicators.select(Axis(0), idx),
                names: names.clone(),
            },
        }
    }
}

/// A table of samples: features, their names, an optional target and optional sample weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    features: Array2<f64>,
    feature_names: Vec<String>,
    target: Option<Target>,
    sample_weight: Option<Array1<f64>>,
}

impl Dataset {
    /// Features only, named `x0, x1, ...`.
    pub fn new(features: Array2<f64>) -> Self {
        let feature_names = (0..features.ncols()).map(|j| format!("x{j}")).collect();
        Dataset {
            features,
            feature_names,
            target: None,
            sample_weight: None,
        }
    }

    /// Replace the feature names; their count must equal the number of columns.
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.features.ncols() {
            return Err(Error::shape(
                "feature names",
                self.features.ncols(),
                names.len(),
            ));
        }
        self.feature_names = names;
        Ok(self)
    }

    /// Attach a target; it must cover every row.
    pub fn with_target(mut self, target: Target) -> Result<Self> {
        if target.len() != self.features.nrows() {
            return Err(Error::shape(
                "target length against feature rows",
                self.features.nrows(),
                target.len(),
            ));
        }
        let out_of_range = match &target {
            Target::Classes { labels, names } => {
                labels.iter().find(|&&l| l >= names.len()).copied()
            }
            Target::PartialClasses { labels, names } => labels
                .iter()
                .flatten()
                .find(|&&l| l >= names.len())
                .copied(),
            _ => None,
        };
        if let (Some(l), Some(k)) = (out_of_range, self.n_classes_of(&target)) {
            return Err(Error::UnknownLabel {
                label: l.to_string(),
                what: "class target".into(),
                known: format!("0..{k}"),
            });
        }
        self.target = Some(target);
        Ok(self)
    }

    fn n_classes_of(&self, target: &Target) -> Option<usize> {
        match target {
            Target::Classes { names, .. } | Target::PartialClasses { names, .. } => {
                Some(names.len())
            }
            _ => None,
        }
    }

    /// Attach sample weights: one finite, non-negative value per row, not all zero.
    pub fn with_sample_weight(mut self, weights: Array1<f64>) -> Result<Self> {
        if weights.len() != self.features.nrows() {
            return Err(Error::shape(
                "sample weights",
                self.features.nrows(),
                weights.len(),
            ));
        }
        if let Some((i, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !w.is_finite() || **w < 0.0)
        {
            return Err(Error::param(
                "sample_weight",
                format!("weight {w} at row {i} is not a finite non-negative number"),
            ));
        }
        if weights.iter().all(|&w| w == 0.0) {
            return Err(Error::param("sample_weight", "all weights are zero"));
        }
        self.sample_weight = Some(weights);
        Ok(self)
    }

    /// Drop the target (unsupervised use).
    pub fn without_target(mut self) -> Self {
        self.target = None;
        self
    }

    /// The feature matrix, `n_samples x n_features`.
    pub fn features(&self) -> ArrayView2<'_, f64> {
        self.features.view()
    }

    /// The feature matrix, owned.
    pub fn into_features(self) -> Array2<f64> {
        self.features
    }

    /// Column names.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The target, if any.
    pub fn target(&self) -> Option<&Target> {
        self.target.as_ref()
    }

    /// Sample weights, if any.
    pub fn sample_weight(&self) -> Option<ArrayView1<'_, f64>> {
        self.sample_weight.as_ref().map(|w| w.view())
    }

    /// Sample weights, or all ones.
    pub fn weights_or_ones(&self) -> Array1<f64> {
        self.sample_weight
            .clone()
            .unwrap_or_else(|| Array1::ones(self.n_samples()))
    }

    /// Number of rows.
    pub fn n_samples(&self) -> usize {
        self.features.nrows()
    }

    /// Number of columns.
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// Number of classes when the target is class labels.
    pub fn n_classes(&self) -> Option<usize> {
        self.target.as_ref().and_then(|t| self.n_classes_of(t))
    }

    /// The class labels and names, or an error naming `model` when the target is not classes.
    pub fn class_target(&self, model: &str) -> Result<(ArrayView1<'_, usize>, &[String])> {
        match &self.target {
            Some(Target::Classes { labels, names }) => Ok((labels.view(), names)),
            other => Err(self.wrong_target(model, "class labels", other)),
        }
    }

    /// Class labels with unlabelled rows as `None` (a fully labelled class target counts too),
    /// or an error naming `model`.
    pub fn partial_class_target(&self, model: &str) -> Result<(Array1<Option<usize>>, &[String])> {
        match &self.target {
            Some(Target::PartialClasses { labels, names }) => Ok((labels.clone(), names)),
            Some(Target::Classes { labels, names }) => Ok((labels.mapv(Some), names)),
            other => Err(self.wrong_target(model, "class labels (some may be unlabelled)", other)),
        }
    }

    /// The continuous target, or an error naming `model` when it is something else.
    pub fn continuous_target(&self, model: &str) -> Result<ArrayView1<'_, f64>> {
        match &self.target {
            Some(Target::Continuous(v)) => Ok(v.view()),
            other => Err(self.wrong_target(model, "continuous values", other)),
        }
    }

    fn wrong_target(&self, model: &str, expected: &str, found: &Option<Target>) -> Error {
        Error::WrongTarget {
            model: model.into(),
            expected: expected.into(),
            found: found.as_ref().map_or("no target", Target::kind_name).into(),
        }
    }

    /// The rows `idx`, in that order, with their targets and weights.
    pub fn select(&self, idx: &[usize]) -> Dataset {
        Dataset {
            features: self.features.select(Axis(0), idx),
            feature_names: self.feature_names.clone(),
            target: self.target.as_ref().map(|t| t.select(idx)),
            sample_weight: self.sample_weight.as_ref().map(|w| w.select(Axis(0), idx)),
        }
    }

    /// The same rows with new features (after a transformer), keeping target and weights.
    pub fn with_features(&self, features: Array2<f64>, names: Vec<String>) -> Result<Dataset> {
        if features.nrows() != self.n_samples() {
            return Err(Error::shape(
                "transformed rows",
                self.n_samples(),
                features.nrows(),
            ));
        }
        if names.len() != features.ncols() {
            return Err(Error::shape(
                "transformed feature names",
                features.ncols(),
                names.len(),
            ));
        }
        Ok(Dataset {
            features,
            feature_names: names,
            target: self.target.clone(),
            sample_weight: self.sample_weight.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn target_length_must_match_rows() {
        let ds = Dataset::new(array![[1.0], [2.0]]);
        let err = ds.with_target(Target::Continuous(array![1.0])).unwrap_err();
        assert!(err.to_string().contains("expected 2, found 1"), "{err}");
    }

    #[test]
    fn labels_must_index_names() {
        assert!(Target::classes(vec![0, 2], vec!["a".into(), "b".into()]).is_err());
    }

    #[test]
    fn select_keeps_target_and_weights_aligned() {
        let ds = Dataset::new(array![[1.0], [2.0], [3.0]])
            .with_target(Target::Continuous(array![10.0, 20.0, 30.0]))
            .unwrap()
            .with_sample_weight(array![1.0, 2.0, 3.0])
            .unwrap();
        let sub = ds.select(&[2, 0]);
        assert_eq!(sub.features(), array![[3.0], [1.0]]);
        assert_eq!(sub.continuous_target("t").unwrap(), array![30.0, 10.0]);
        assert_eq!(sub.sample_weight().unwrap(), array![3.0, 1.0]);
    }

    #[test]
    fn negative_weight_is_refused() {
        let ds = Dataset::new(array![[1.0], [2.0]]);
        let err = ds.with_sample_weight(array![1.0, -1.0]).unwrap_err();
        assert!(err.to_string().contains("row 1"), "{err}");
    }

    #[test]
    fn wrong_target_kind_names_the_model() {
        let ds = Dataset::new(array![[1.0]]);
        let err = ds.class_target("logistic-regression").unwrap_err();
        assert!(
            err.to_string()
                .contains("logistic-regression needs class labels"),
            "{err}"
        );
    }
}
