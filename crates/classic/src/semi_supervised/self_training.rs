//! Self-training (scikit-learn's `SelfTrainingClassifier`; Yarowsky 1995): wrap any classifier
//! with `predict_proba` and let it label the unlabelled rows it is most sure of.
//!
//! Start with $L$ = the labelled rows. At iteration $t = 1, 2, \dots$: fit the base classifier on
//! $L$; predict probabilities $p(x)$ for the unlabelled rows; select those with
//! $\max_k p_k(x) >$ `threshold` (criterion `threshold`) or the `k_best` most confident
//! (criterion `k_best`); give them their arg-max label, record $t$ as the iteration at which they
//! were labelled, and move them to $L$. Stop when every row is labelled, when nothing was
//! selected, or after `max_iter` iterations; the final model is fitted on $L$.
//!
//! Cost: up to `max_iter` fits of the base classifier plus as many predictions on the
//! unlabelled rows.
//!
//! ```
//! use breadth_classic::dummy::DummyClassifierParams;
//! use breadth_classic::semi_supervised::self_training::{SelfTrainingParams, Termination};
//! use breadth_core::{Dataset, Fit, Target};
//! use ndarray::{array, Array1};
//! let labels: Array1<Option<usize>> = array![Some(0), Some(0), Some(1), None];
//! let ds = Dataset::new(array![[0.0], [1.0], [2.0], [3.0]])
//!     .with_target(Target::PartialClasses { labels, names: vec!["a".into(), "b".into()] }).unwrap();
//! // A prior-only base is 2/3 sure of class `a`: above a 0.6 threshold, so row 3 gets `a` at iteration 1.
//! let model = SelfTrainingParams::new(DummyClassifierParams::default()).threshold(0.6).fit(&ds).unwrap();
//! assert_eq!(model.labeled_iter().to_vec(), vec![0, 0, 0, 1]);
//! assert_eq!(model.termination(), Termination::AllLabeled);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, in_range};
use breadth_core::{Classifier, Dataset, Error, Fit, Result, Target};
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::checked_partial_labels;

/// How confident predictions are selected at each iteration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Criterion {
    /// Rows whose highest class probability exceeds this value.
    Threshold(f64),
    /// The this-many rows with the highest class probability.
    KBest(usize),
}

/// Why self-training stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Termination {
    /// `max_iter` iterations ran.
    MaxIter,
    /// An iteration selected no row.
    NoChange,
    /// Every row is labelled.
    AllLabeled,
}

/// Hyper-parameters of self-training around the base classifier's parameters `P`.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfTrainingParams<P> {
    /// The base classifier's hyper-parameters.
    pub base: P,
    /// The selection criterion.
    pub criterion: Criterion,
    /// Most iterations (`None`: until every row is labelled or nothing changes).
    pub max_iter: Option<usize>,
}

impl<P: Default> Default for SelfTrainingParams<P> {
    fn default() -> Self {
        SelfTrainingParams::new(P::default())
    }
}

impl<P> SelfTrainingParams<P> {
    /// Self-training around `base`, with scikit-learn's defaults (threshold 0.75, 10 iterations).
    pub fn new(base: P) -> Self {
        SelfTrainingParams {
            base,
            criterion: Criterion::Threshold(0.75),
            max_iter: Some(10),
        }
    }
    /// Select by probability threshold.
    pub fn threshold(mut self, threshold: f64) -> Self {
        self.criterion = Criterion::Threshold(threshold);
        self
    }
    /// Select the `k` most confident rows per iteration.
    pub fn k_best(mut self, k: usize) -> Self {
        self.criterion = Criterion::KBest(k);
        self
    }
    /// Set the most iterations.
    pub fn max_iter(mut self, max_iter: Option<usize>) -> Self {
        self.max_iter = max_iter;
        self
    }
}

impl<P: Configurable> Configurable for SelfTrainingParams<P> {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let (criterion, value) = match self.criterion {
            Criterion::Threshold(t) => ("threshold", t.to_string()),
            Criterion::KBest(k) => ("k_best", k.to_string()),
        };
        let mut out = vec![
            ParamSpec::new("criterion", criterion, "threshold | k_best"),
            ParamSpec::new(
                if criterion == "threshold" {
                    "threshold"
                } else {
                    "k_best"
                },
                value,
                "probability above which a prediction is kept, or rows kept per iteration",
            ),
            ParamSpec::new(
                "max_iter",
                self.max_iter.map_or("none".to_string(), |m| m.to_string()),
                "most iterations, or none",
            ),
        ];
        // The base classifier's parameters pass through, except those self-training's own
        // names shadow (`max_iter`).
        let own = ["criterion", "threshold", "k_best", "max_iter"];
        out.extend(
            self.base
                .param_specs()
                .into_iter()
                .filter(|p| !own.contains(&p.name)),
        );
        out
    }

    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "criterion" => {
                self.criterion = match value {
                    "threshold" => Criterion::Threshold(0.75),
                    "k_best" => Criterion::KBest(10),
                    _ => return Err(Error::param(name, "expected threshold or k_best")),
                }
            }
            "threshold" => self.criterion = Criterion::Threshold(parse_param(name, value)?),
            "k_best" => self.criterion = Criterion::KBest(parse_param(name, value)?),
            "max_iter" if value == "none" => self.max_iter = None,
            "max_iter" => self.max_iter = Some(parse_param(name, value)?),
            // Anything else is the base classifier's.
            _ => return self.base.set_param(name, value),
        }
        Ok(true)
    }
}

/// A fitted self-training classifier: the final base model and how each row got its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfTraining<M> {
    model: M,
    transduction: Array1<Option<usize>>,
    labeled_iter: Array1<i64>,
    n_iter: usize,
    termination: Termination,
}

impl<M> SelfTraining<M> {
    /// The final base model, fitted on every row labelled in the end.
    pub fn base_model(&self) -> &M {
        &self.model
    }
    /// Each training row's label in the end (`None`: never labelled).
    pub fn transduction(&self) -> &Array1<Option<usize>> {
        &self.transduction
    }
    /// The iteration at which each row was labelled: 0 for given labels, -1 for never.
    pub fn labeled_iter(&self) -> &Array1<i64> {
        &self.labeled_iter
    }
    /// Iterations run.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
    /// Why training stopped.
    pub fn termination(&self) -> Termination {
        self.termination
    }
}

/// The labelled rows of `data` with the labels in `labels`, as a plain class dataset.
fn labelled_subset(
    data: &Dataset,
    labels: &Array1<Option<usize>>,
    names: &[String],
) -> Result<Dataset> {
    let idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i].is_some()).collect();
    let y: Vec<usize> = idx.iter().map(|&i| labels[i].expect("filtered")).collect();
    data.select(&idx)
        .with_target(Target::classes(y, names.to_vec())?)
}

/// First index of the maximum (numpy's `argmax`).
fn argmax(row: ndarray::ArrayView1<'_, f64>) -> usize {
    row.iter()
        .enumerate()
        .fold(0, |best, (i, &x)| if x > row[best] { i } else { best })
}

impl<P> Fit for SelfTrainingParams<P>
where
    P: Fit,
    P::Fitted: Classifier,
{
    type Fitted = SelfTraining<P::Fitted>;

    fn fit(&self, data: &Dataset) -> Result<Self::Fitted> {
        check_fit_input(data)?;
        let (mut labels, names) = checked_partial_labels(data, "self-training")?;
        match self.criterion {
            Criterion::Threshold(t) => in_range("threshold", t, 0.0, 1.0)?,
            Criterion::KBest(0) => return Err(Error::param("k_best", "must be at least 1")),
            Criterion::KBest(_) => {}
        }
        let mut labeled_iter: Array1<i64> = labels.mapv(|l| if l.is_some() { 0 } else { -1 });
        let mut n_iter = 0;
        let mut termination = Termination::MaxIter;
        while labels.iter().any(Option::is_none) && self.max_iter.is_none_or(|m| n_iter < m) {
            n_iter += 1;
            let model = self.base.fit(&labelled_subset(data, &labels, &names)?)?;
            let unlabelled: Vec<usize> =
                (0..labels.len()).filter(|&i| labels[i].is_none()).collect();
            let proba: Array2<f64> = model.predict_proba(data.select(&unlabelled).features())?;
            let best: Vec<(usize, f64)> = proba
                .outer_iter()
                .map(|r| (argmax(r), r[argmax(r)]))
                .collect();
            let selected: Vec<usize> = match self.criterion {
                Criterion::Threshold(t) => (0..best.len()).filter(|&i| best[i].1 > t).collect(),
                Criterion::KBest(k) if k >= best.len() => (0..best.len()).collect(),
                Criterion::KBest(k) => {
                    // Most confident first; ties by position, which is documented here since
                    // numpy's argpartition leaves their order unspecified.
                    let mut order: Vec<usize> = (0..best.len()).collect();
                    order.sort_by(|&a, &b| best[b].1.total_cmp(&best[a].1).then(a.cmp(&b)));
                    order.truncate(k);
                    order
                }
            };
            if selected.is_empty() {
                termination = Termination::NoChange;
                break;
            }
            for s in selected {
                let row = unlabelled[s];
                labels[row] = Some(best[s].0);
                labeled_iter[row] = n_iter as i64;
            }
        }
        if labels.iter().all(Option::is_some) {
            termination = Termination::AllLabeled;
        }
        let model = self.base.fit(&labelled_subset(data, &labels, &names)?)?;
        Ok(SelfTraining {
            model,
            transduction: labels,
            labeled_iter,
            n_iter,
            termination,
        })
    }
}

impl<M: Classifier> Fitted for SelfTraining<M> {
    fn model_name(&self) -> &'static str {
        "self-training"
    }
    fn n_features_in(&self) -> usize {
        self.model.n_features_in()
    }
}

impl<M: Classifier> Classifier for SelfTraining<M> {
    fn class_names(&self) -> &[String] {
        self.model.class_names()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        self.model.predict(x)
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.model.predict_proba(x)
    }
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.model.decision_function(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bayes::GaussianNbParams;
    use crate::linear::logistic::LogisticRegressionParams;
    use breadth_core::conformance::check_classifier;
    use serde_json::Value;

    /// Made by reference/semi_supervised.py with scikit-learn 1.9.1.
    const FIXTURE: &str = include_str!("../../tests/fixtures/semi_supervised/graph.json");

    fn fixture() -> (Value, Dataset) {
        let f: Value = serde_json::from_str(FIXTURE).unwrap();
        let rows: Vec<Vec<f64>> = serde_json::from_value(f["X"].clone()).unwrap();
        let x = Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j]);
        let y: Vec<i64> = serde_json::from_value(f["y"].clone()).unwrap();
        let labels: Array1<Option<usize>> =
            y.iter().map(|&l| (l >= 0).then_some(l as usize)).collect();
        let names = vec!["0".into(), "1".into(), "2".into()];
        let ds = Dataset::new(x)
            .with_target(Target::PartialClasses { labels, names })
            .unwrap();
        (f, ds)
    }

    fn check_against<M: Classifier>(model: &SelfTraining<M>, case: &Value) {
        let labeled_iter: Vec<i64> = serde_json::from_value(case["labeled_iter"].clone()).unwrap();
        assert_eq!(model.labeled_iter().to_vec(), labeled_iter);
        let transduction: Vec<i64> = serde_json::from_value(case["transduction"].clone()).unwrap();
        let ours: Vec<i64> = model
            .transduction()
            .iter()
            .map(|l| l.map_or(-1, |l| l as i64))
            .collect();
        assert_eq!(ours, transduction);
        assert_eq!(model.n_iter(), case["n_iter"].as_u64().unwrap() as usize);
        let termination = match model.termination() {
            Termination::MaxIter => "max_iter",
            Termination::NoChange => "no_change",
            Termination::AllLabeled => "all_labeled",
        };
        assert_eq!(termination, case["termination"]);
    }

    #[test]
    fn labels_the_same_rows_in_the_same_iterations_as_scikit_learn() {
        let (f, ds) = fixture();
        let cases = &f["self_training"];
        let nb = SelfTrainingParams::new(GaussianNbParams::default());
        check_against(
            &nb.clone().threshold(0.9).fit(&ds).unwrap(),
            &cases["gaussian_nb_threshold"],
        );
        check_against(
            &nb.k_best(7).fit(&ds).unwrap(),
            &cases["gaussian_nb_k_best"],
        );
        let logistic = SelfTrainingParams::new(LogisticRegressionParams::default()).threshold(0.8);
        check_against(&logistic.fit(&ds).unwrap(), &cases["logistic_threshold"]);
    }

    #[test]
    fn conformance() {
        let (_, ds) = fixture();
        check_classifier(&SelfTrainingParams::new(GaussianNbParams::default()), &ds);
    }

    #[test]
    fn settings_reach_the_base_classifier() {
        let mut p = SelfTrainingParams::new(LogisticRegressionParams::default());
        assert!(p.set_param("c", "0.5").unwrap());
        assert_eq!(p.base.c, 0.5);
        assert!(p.set_param("k_best", "3").unwrap());
        assert_eq!(p.criterion, Criterion::KBest(3));
        assert!(!p.set_param("nonsense", "1").unwrap());
        let names: Vec<_> = p.param_specs().iter().map(|s| s.name).collect();
        assert_eq!(names.iter().filter(|n| **n == "max_iter").count(), 1);
    }
}
