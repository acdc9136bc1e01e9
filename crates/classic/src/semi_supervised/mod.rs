//! Semi-supervised learning: learning from a few labelled rows and many unlabelled ones.
//!
//! The target is [`breadth_core::Target::PartialClasses`] (a fully labelled class target is
//! accepted too): unlabelled rows are `None`, as scikit-learn marks them `-1`.
//!
//! - [`label_propagation`]: graph methods (Zhu & Ghahramani 2002; Zhou et al. 2004) that spread
//!   label mass over an RBF or k-nearest-neighbour similarity graph: `LabelPropagation` clamps the
//!   known labels, `LabelSpreading` lets them move by `alpha`.
//! - [`self_training`]: wraps any classifier with `predict_proba`, and repeatedly adds its most
//!   confident predictions on unlabelled rows to the training set (Yarowsky 1995).

pub mod label_propagation;
pub mod self_training;

use breadth_core::{Dataset, Error, Result};
use ndarray::Array1;

/// The partial labels of `data`, checked: at least one labelled row and two labelled classes.
pub(crate) fn checked_partial_labels(
    data: &Dataset,
    model: &str,
) -> Result<(Array1<Option<usize>>, Vec<String>)> {
    let (labels, names) = data.partial_class_target(model)?;
    let mut seen: Vec<usize> = labels.iter().flatten().copied().collect();
    seen.sort_unstable();
    seen.dedup();
    match seen.len() {
        0 => Err(Error::WrongTarget {
            model: model.into(),
            expected: "at least one labelled row".into(),
            found: "no labelled row at all".into(),
        }),
        1 => Err(Error::WrongTarget {
            model: model.into(),
            expected: "labelled rows of at least two classes".into(),
            found: format!("only class `{}` labelled", names[seen[0]]),
        }),
        _ => Ok((labels, names.to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::label_propagation::{Kernel, LabelSpreadingParams};
    use super::self_training::SelfTrainingParams;
    use crate::linear::logistic::LogisticRegressionParams;
    use crate::neighbors::KNeighborsClassifierParams;
    use breadth_core::{seeded_rng, Classifier, Dataset, Fit, Target};
    use ndarray::Array1;
    use rand::seq::SliceRandom;

    /// Accuracy of `model` on the labelled `test` rows.
    fn accuracy(model: &dyn Classifier, test: &Dataset) -> f64 {
        let (truth, _) = test.class_target("test").unwrap();
        let pred = model.predict(test.features()).unwrap();
        pred.iter()
            .zip(truth.iter())
            .filter(|(p, t)| p == t)
            .count() as f64
            / truth.len() as f64
    }

    /// Digits with 5% of the training labels: using the unlabelled rows must beat the same
    /// learner trained on the labelled 5% alone, on a held-out test set.
    #[test]
    fn unlabelled_digits_help_with_five_percent_of_the_labels() {
        let digits = breadth_data::datasets::load("digits").unwrap();
        let mut idx: Vec<usize> = (0..digits.n_samples()).collect();
        idx.shuffle(&mut seeded_rng(0));
        let (pool_idx, test_idx) = idx.split_at(1260);
        let (pool, test) = (digits.select(pool_idx), digits.select(test_idx));
        let (labels, names) = pool.class_target("pool").unwrap();
        // The first 5% of the shuffled pool keep their labels.
        let n_labelled = pool.n_samples() / 20;
        let partial: Array1<Option<usize>> = labels
            .iter()
            .enumerate()
            .map(|(i, &l)| (i < n_labelled).then_some(l))
            .collect();
        let semi = pool
            .clone()
            .with_target(Target::PartialClasses {
                labels: partial,
                names: names.to_vec(),
            })
            .unwrap();
        let labelled = pool.select(&(0..n_labelled).collect::<Vec<_>>());

        let logistic = LogisticRegressionParams::default();
        let alone = accuracy(&logistic.fit(&labelled).unwrap(), &test);
        let self_trained = accuracy(
            &SelfTrainingParams::new(logistic).fit(&semi).unwrap(),
            &test,
        );
        let knn = KNeighborsClassifierParams::default();
        let knn_alone = accuracy(&knn.fit(&labelled).unwrap(), &test);
        let spreading = LabelSpreadingParams::default().kernel(Kernel::Knn { n_neighbors: 7 });
        let spread = accuracy(&spreading.fit(&semi).unwrap(), &test);
        eprintln!(
            "digits, {n_labelled} labels: logistic {alone:.4} -> self-training {self_trained:.4}; \
             k-NN {knn_alone:.4} -> label spreading {spread:.4}"
        );
        assert!(
            self_trained > alone,
            "self-training {self_trained} vs alone {alone}"
        );
        assert!(
            spread > knn_alone,
            "label spreading {spread} vs k-NN alone {knn_alone}"
        );
    }
}
