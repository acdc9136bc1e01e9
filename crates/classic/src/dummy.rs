//! Baselines that ignore the features (scikit-learn's `DummyClassifier` / `DummyRegressor`).
//!
//! A model that cannot beat these has learned nothing. With class weights
//! $\pi_k = \sum_{i: y_i = k} w_i / \sum_i w_i$:
//!
//! - `most_frequent`: predict $\arg\max_k \pi_k$ (the lowest label on ties); probabilities one-hot;
//! - `prior`: predict $\arg\max_k \pi_k$; probabilities $\pi$;
//! - `stratified`: draw each prediction from $\pi$ (one-hot probabilities of the draw);
//! - `uniform`: draw uniformly among the classes; probabilities $1/K$.
//!
//! Random strategies draw from a generator seeded with `seed` at every call, so the same input
//! always gets the same predictions (also after save and load).
//!
//! The regressor predicts the (weighted) mean, the median, or the `quantile` $q$ of the training
//! target, with linear interpolation between order statistics as `numpy.percentile` (weights are
//! honoured by the mean; the median and quantiles ignore them).
//!
//! Cost: $O(n)$ to fit, $O(1)$ per prediction.
//!
//! ```
//! use breadth_classic::dummy::{DummyRegressorParams, RegressorStrategy};
//! use breadth_core::{Dataset, Fit, Regressor, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0], [0.0], [0.0]])
//!     .with_target(Target::Continuous(array![1.0, 2.0, 10.0])).unwrap();
//! let median = DummyRegressorParams::default().strategy(RegressorStrategy::Median).fit(&ds).unwrap();
//! assert_eq!(median.predict(array![[5.0]].view()).unwrap()[0], 2.0);
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, in_range};
use breadth_core::{seeded_rng, Classifier, Error, Fit, Regressor, Result};
use ndarray::{Array1, Array2, ArrayView2};
use rand::distr::{weighted::WeightedIndex, Distribution};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// How the dummy classifier predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassifierStrategy {
    /// The most frequent class; one-hot probabilities.
    MostFrequent,
    /// The most frequent class; the class priors as probabilities.
    Prior,
    /// Random draws from the class priors.
    Stratified,
    /// Uniform random classes.
    Uniform,
}

impl FromStr for ClassifierStrategy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "most_frequent" => Self::MostFrequent,
            "prior" => Self::Prior,
            "stratified" => Self::Stratified,
            "uniform" => Self::Uniform,
            _ => return Err("expected most_frequent, prior, stratified or uniform".into()),
        })
    }
}

impl std::fmt::Display for ClassifierStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::MostFrequent => "most_frequent",
            Self::Prior => "prior",
            Self::Stratified => "stratified",
            Self::Uniform => "uniform",
        })
    }
}

/// Hyper-parameters of the dummy classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct DummyClassifierParams {
    /// How to predict.
    pub strategy: ClassifierStrategy,
    /// Seed of the random strategies.
    pub seed: u64,
}

impl Default for DummyClassifierParams {
    fn default() -> Self {
        DummyClassifierParams {
            strategy: ClassifierStrategy::Prior,
            seed: 0,
        }
    }
}

impl DummyClassifierParams {
    /// Set the strategy.
    pub fn strategy(mut self, strategy: ClassifierStrategy) -> Self {
        self.strategy = strategy;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Configurable for DummyClassifierParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "strategy",
                self.strategy,
                "most_frequent | prior | stratified | uniform",
            ),
            ParamSpec::new("seed", self.seed, "seed of the random strategies"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "strategy" => self.strategy = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted dummy classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DummyClassifier {
    strategy: ClassifierStrategy,
    seed: u64,
    classes: Vec<String>,
    priors: Vec<f64>,
    n_features: usize,
}

impl DummyClassifier {
    /// Class priors (weighted class frequencies) seen at fit.
    pub fn class_prior(&self) -> &[f64] {
        &self.priors
    }

    fn majority(&self) -> usize {
        // First maximum: the lowest label wins ties, as numpy's argmax.
        self.priors.iter().enumerate().fold(
            0,
            |best, (k, &p)| if p > self.priors[best] { k } else { best },
        )
    }

    fn draws(&self, n: usize) -> Array1<usize> {
        let mut rng = seeded_rng(self.seed);
        match self.strategy {
            ClassifierStrategy::Stratified => {
                let dist = WeightedIndex::new(&self.priors).expect("priors are positive somewhere");
                (0..n).map(|_| dist.sample(&mut rng)).collect()
            }
            _ => (0..n)
                .map(|_| rng.random_range(0..self.classes.len()))
                .collect(),
        }
    }
}

impl Fit for DummyClassifierParams {
    type Fitted = DummyClassifier;
    fn fit(&self, data: &breadth_core::Dataset) -> Result<DummyClassifier> {
        check_fit_input(data)?;
        let (labels, names) = data.class_target("dummy-classifier")?;
        let w = data.weights_or_ones();
        let mut priors = vec![0.0; names.len()];
        for (&l, &wi) in labels.iter().zip(w.iter()) {
            priors[l] += wi;
        }
        let total: f64 = priors.iter().sum();
        priors.iter_mut().for_each(|p| *p /= total);
        Ok(DummyClassifier {
            strategy: self.strategy,
            seed: self.seed,
            classes: names.to_vec(),
            priors,
            n_features: data.n_features(),
        })
    }
}

impl Fitted for DummyClassifier {
    fn model_name(&self) -> &'static str {
        "dummy-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Classifier for DummyClassifier {
    fn class_names(&self) -> &[String] {
        &self.classes
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        check_predict_input(self, x)?;
        Ok(match self.strategy {
            ClassifierStrategy::MostFrequent | ClassifierStrategy::Prior => {
                Array1::from_elem(x.nrows(), self.majority())
            }
            _ => self.draws(x.nrows()),
        })
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let k = self.classes.len();
        let one_hot = |labels: Array1<usize>| {
            let mut p = Array2::zeros((labels.len(), k));
            labels
                .iter()
                .enumerate()
                .for_each(|(i, &l)| p[[i, l]] = 1.0);
            p
        };
        Ok(match self.strategy {
            ClassifierStrategy::Prior => {
                Array2::from_shape_fn((x.nrows(), k), |(_, j)| self.priors[j])
            }
            ClassifierStrategy::Uniform => Array2::from_elem((x.nrows(), k), 1.0 / k as f64),
            _ => one_hot(self.predict(x)?),
        })
    }
}

/// How the dummy regressor predicts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum RegressorStrategy {
    /// The (weighted) mean.
    Mean,
    /// The median.
    Median,
    /// The quantile `q` in [0, 1].
    Quantile(f64),
}

impl FromStr for RegressorStrategy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "mean" => Ok(Self::Mean),
            "median" => Ok(Self::Median),
            s => s
                .strip_prefix("quantile:")
                .and_then(|q| q.parse().ok())
                .map(Self::Quantile)
                .ok_or_else(|| {
                    "expected mean, median or quantile:Q (for example quantile:0.9)".into()
                }),
        }
    }
}

impl std::fmt::Display for RegressorStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Mean => f.write_str("mean"),
            Self::Median => f.write_str("median"),
            Self::Quantile(q) => write!(f, "quantile:{q}"),
        }
    }
}

/// Hyper-parameters of the dummy regressor.
#[derive(Debug, Clone, PartialEq)]
pub struct DummyRegressorParams {
    /// What to predict.
    pub strategy: RegressorStrategy,
}

impl Default for DummyRegressorParams {
    fn default() -> Self {
        DummyRegressorParams {
            strategy: RegressorStrategy::Mean,
        }
    }
}

impl DummyRegressorParams {
    /// Set the strategy.
    pub fn strategy(mut self, strategy: RegressorStrategy) -> Self {
        self.strategy = strategy;
        self
    }
}

impl Configurable for DummyRegressorParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::new(
            "strategy",
            self.strategy,
            "mean | median | quantile:Q",
        )]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "strategy" => self.strategy = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted dummy regressor: one constant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DummyRegressor {
    constant: f64,
    n_features: usize,
}

impl DummyRegressor {
    /// The value predicted for every row.
    pub fn constant(&self) -> f64 {
        self.constant
    }
}

/// `numpy.percentile` with linear interpolation, `q` in [0, 1].
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

impl Fit for DummyRegressorParams {
    type Fitted = DummyRegressor;
    fn fit(&self, data: &breadth_core::Dataset) -> Result<DummyRegressor> {
        check_fit_input(data)?;
        let y = data.continuous_target("dummy-regressor")?;
        let constant = match self.strategy {
            RegressorStrategy::Mean => {
                let w = data.weights_or_ones();
                y.dot(&w) / w.sum()
            }
            RegressorStrategy::Median => quantile(y.as_slice().unwrap_or(&y.to_vec()), 0.5),
            RegressorStrategy::Quantile(q) => {
                in_range("strategy (quantile)", q, 0.0, 1.0)?;
                quantile(&y.to_vec(), q)
            }
        };
        if !constant.is_finite() {
            return Err(Error::numerical(
                "dummy-regressor",
                "the target's statistic is not finite",
            ));
        }
        Ok(DummyRegressor {
            constant,
            n_features: data.n_features(),
        })
    }
}

impl Fitted for DummyRegressor {
    fn model_name(&self) -> &'static str {
        "dummy-regressor"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Regressor for DummyRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        Ok(Array1::from_elem(x.nrows(), self.constant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::conformance::{check_classifier, check_regressor};
    use breadth_core::{Dataset, Target};
    use ndarray::array;

    fn skewed() -> Dataset {
        Dataset::new(array![[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0]])
            .with_target(Target::classes(vec![1, 1, 0, 1], vec!["a".into(), "b".into()]).unwrap())
            .unwrap()
    }

    #[test]
    fn conformance_every_strategy() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        for s in ["most_frequent", "prior", "stratified", "uniform"] {
            check_classifier(
                &DummyClassifierParams::default().strategy(s.parse().unwrap()),
                &iris,
            );
        }
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        for s in ["mean", "median", "quantile:0.9"] {
            check_regressor(
                &DummyRegressorParams::default().strategy(s.parse().unwrap()),
                &diabetes,
            );
        }
    }

    #[test]
    fn priors_and_predictions_match_scikit_learn() {
        // DummyClassifier(strategy="prior").fit(X, [1,1,0,1]).predict_proba(X[:1]) == [[0.25, 0.75]]
        let m = DummyClassifierParams::default().fit(&skewed()).unwrap();
        assert_eq!(
            m.predict_proba(array![[0.0, 0.0]].view()).unwrap(),
            array![[0.25, 0.75]]
        );
        assert_eq!(m.predict(array![[0.0, 0.0]].view()).unwrap()[0], 1);
        let weighted = skewed()
            .with_sample_weight(array![1.0, 1.0, 6.0, 0.0])
            .unwrap();
        let m = DummyClassifierParams::default().fit(&weighted).unwrap();
        assert_eq!(m.class_prior(), &[0.75, 0.25]);
    }

    #[test]
    fn stratified_draws_follow_the_prior() {
        let m = DummyClassifierParams::default()
            .strategy(ClassifierStrategy::Stratified)
            .seed(5)
            .fit(&skewed())
            .unwrap();
        let x = Array2::zeros((20_000, 2));
        let share_b = m
            .predict(x.view())
            .unwrap()
            .iter()
            .filter(|&&l| l == 1)
            .count() as f64
            / 20_000.0;
        assert!((share_b - 0.75).abs() < 0.015, "{share_b}");
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        // numpy.percentile([1, 2, 10, 4], 90) == 8.2
        assert!((quantile(&[1.0, 2.0, 10.0, 4.0], 0.9) - 8.2).abs() < 1e-12);
        let ds = Dataset::new(array![[0.0], [0.0]])
            .with_target(Target::Continuous(array![1.0, 3.0]))
            .unwrap();
        let p = DummyRegressorParams::default().strategy(RegressorStrategy::Quantile(1.5));
        assert!(p.fit(&ds).unwrap_err().to_string().contains("quantile"));
    }

    #[test]
    fn regression_target_is_required() {
        let err = DummyRegressorParams::default()
            .fit(&skewed())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("dummy-regressor needs continuous values"),
            "{err}"
        );
    }
}
