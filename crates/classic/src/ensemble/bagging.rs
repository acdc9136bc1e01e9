//! Bagging (Breiman, *Bagging predictors*, 1996) over any base estimator.
//!
//! Each of $T$ copies of the base model is fitted on $\lfloor s n \rfloor$ rows drawn with
//! replacement (`bootstrap`) or without, $s$ = `max_samples`; the ensemble averages the members'
//! class probabilities (members without `predict_proba` vote with one-hot labels) or their
//! predicted values. Members are fitted in parallel, each on rows drawn from its own seed, so the
//! result does not depend on the thread count. The base parameters are anything implementing
//! [`Fit`] whose fitted model is a [`Classifier`] or [`Regressor`]; from the CLI the base is a
//! CART tree, whose settings pass through.
//!
//! Shapes: $X$ is $n \times d$. Cost: $T$ base fits on $sn$ rows.
//!
//! ```
//! use breadth_classic::ensemble::bagging::BaggingRegressorParams;
//! use breadth_classic::tree::DecisionTreeRegressorParams;
//! use breadth_core::{Fit, Regressor};
//! let diabetes = breadth_data::datasets::load("diabetes").unwrap();
//! let p = BaggingRegressorParams::new(DecisionTreeRegressorParams::default()).n_estimators(5);
//! let m = p.fit(&diabetes).unwrap();
//! assert_eq!(m.members().len(), 5);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::rng::child_seeds;
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Regressor, Result};
use ndarray::{Array1, Array2, ArrayView2};
use rand::seq::index::sample;
use rand::Rng as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::tree::argmax_rows;

/// Sampling settings of a bagging ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct BagParams {
    /// Number of members.
    pub n_estimators: usize,
    /// Rows per member as a fraction of the data.
    pub max_samples: f64,
    /// Draw rows with replacement.
    pub bootstrap: bool,
    /// Seed of the draws.
    pub seed: u64,
}

impl Default for BagParams {
    fn default() -> Self {
        BagParams {
            n_estimators: 10,
            max_samples: 1.0,
            bootstrap: true,
            seed: 0,
        }
    }
}

impl BagParams {
    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("n_estimators", self.n_estimators, "number of members"),
            ParamSpec::new(
                "max_samples",
                self.max_samples,
                "rows per member, fraction of the data",
            ),
            ParamSpec::new("bootstrap", self.bootstrap, "draw rows with replacement"),
            ParamSpec::new("seed", self.seed, "seed of the draws"),
        ]
    }

    fn set(&mut self, name: &str, value: &str) -> Result<Option<()>> {
        match name {
            "n_estimators" => self.n_estimators = parse_param(name, value)?,
            "max_samples" => self.max_samples = parse_param(name, value)?,
            "bootstrap" => self.bootstrap = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(None),
        }
        Ok(Some(()))
    }

    /// Fit the members in parallel on their own draws.
    fn members<P: Fit + Sync>(&self, base: &P, data: &Dataset) -> Result<Vec<P::Fitted>>
    where
        P::Fitted: Send,
    {
        check_fit_input(data)?;
        if self.n_estimators == 0 {
            return Err(Error::param("n_estimators", "must be at least 1"));
        }
        if !(self.max_samples > 0.0 && self.max_samples <= 1.0) {
            return Err(Error::param("max_samples", "must lie in (0, 1]"));
        }
        let n = data.n_samples();
        let m = ((self.max_samples * n as f64) as usize).max(1);
        child_seeds(self.seed, self.n_estimators)
            .into_par_iter()
            .map(|seed| {
                let mut rng = seeded_rng(seed);
                let rows: Vec<usize> = if self.bootstrap {
                    (0..m).map(|_| rng.random_range(0..n)).collect()
                } else {
                    sample(&mut rng, n, m).into_vec()
                };
                base.fit(&data.select(&rows))
            })
            .collect()
    }
}

/// Hyper-parameters of bagging for classification over base parameters `P`.
#[derive(Debug, Clone, PartialEq)]
pub struct BaggingClassifierParams<P> {
    /// The base model's parameters.
    pub base: P,
    /// Sampling settings.
    pub bag: BagParams,
}

/// Hyper-parameters of bagging for regression over base parameters `P`.
#[derive(Debug, Clone, PartialEq)]
pub struct BaggingRegressorParams<P> {
    /// The base model's parameters.
    pub base: P,
    /// Sampling settings.
    pub bag: BagParams,
}

macro_rules! bag_common {
    ($name:ident) => {
        impl<P> $name<P> {
            /// Bag copies of `base`.
            pub fn new(base: P) -> Self {
                $name {
                    base,
                    bag: BagParams::default(),
                }
            }
            /// Set the number of members.
            pub fn n_estimators(mut self, n: usize) -> Self {
                self.bag.n_estimators = n;
                self
            }
            /// Set the rows per member.
            pub fn max_samples(mut self, f: f64) -> Self {
                self.bag.max_samples = f;
                self
            }
            /// Draw with replacement or not.
            pub fn bootstrap(mut self, b: bool) -> Self {
                self.bag.bootstrap = b;
                self
            }
            /// Set the seed.
            pub fn seed(mut self, s: u64) -> Self {
                self.bag.seed = s;
                self
            }
        }
        impl<P: Default> Default for $name<P> {
            fn default() -> Self {
                $name::new(P::default())
            }
        }
        /// Bagging settings first, then the base model's.
        impl<P: Configurable> Configurable for $name<P> {
            fn param_specs(&self) -> Vec<ParamSpec> {
                let mut s = self.bag.specs();
                s.extend(
                    self.base
                        .param_specs()
                        .into_iter()
                        .filter(|p| p.name != "seed" && p.name != "n_estimators"),
                );
                s
            }
            fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
                if self.bag.set(name, value)?.is_some() {
                    return Ok(true);
                }
                self.base.set_param(name, value)
            }
        }
    };
}

bag_common!(BaggingClassifierParams);
bag_common!(BaggingRegressorParams);

/// A fitted bagging classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaggingClassifier<M> {
    members: Vec<M>,
    classes: Vec<String>,
}

/// A fitted bagging regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaggingRegressor<M> {
    members: Vec<M>,
}

impl<P> Fit for BaggingClassifierParams<P>
where
    P: Fit + Sync,
    P::Fitted: Classifier,
{
    type Fitted = BaggingClassifier<P::Fitted>;
    fn fit(&self, data: &Dataset) -> Result<Self::Fitted> {
        let (_, names) = data.class_target("bagging-classifier")?;
        Ok(BaggingClassifier {
            members: self.bag.members(&self.base, data)?,
            classes: names.to_vec(),
        })
    }
}

impl<P> Fit for BaggingRegressorParams<P>
where
    P: Fit + Sync,
    P::Fitted: Regressor,
{
    type Fitted = BaggingRegressor<P::Fitted>;
    fn fit(&self, data: &Dataset) -> Result<Self::Fitted> {
        data.continuous_target("bagging-regressor")?;
        Ok(BaggingRegressor {
            members: self.bag.members(&self.base, data)?,
        })
    }
}

impl<M> BaggingClassifier<M> {
    /// The fitted members.
    pub fn members(&self) -> &[M] {
        &self.members
    }
}

impl<M> BaggingRegressor<M> {
    /// The fitted members.
    pub fn members(&self) -> &[M] {
        &self.members
    }
}

impl<M: Classifier> Fitted for BaggingClassifier<M> {
    fn model_name(&self) -> &'static str {
        "bagging-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.members[0].n_features_in()
    }
}

impl<M: Regressor> Fitted for BaggingRegressor<M> {
    fn model_name(&self) -> &'static str {
        "bagging-regressor"
    }
    fn n_features_in(&self) -> usize {
        self.members[0].n_features_in()
    }
}

impl<M: Classifier> Classifier for BaggingClassifier<M> {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.predict_proba(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let k = self.classes.len();
        let mut sum = Array2::zeros((x.nrows(), k));
        for m in &self.members {
            match m.predict_proba(x) {
                Ok(p) => sum += &p,
                Err(Error::Unsupported { .. }) => {
                    for (i, &c) in m.predict(x)?.iter().enumerate() {
                        sum[[i, c]] += 1.0;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(sum / self.members.len() as f64)
    }
}

impl<M: Regressor> Regressor for BaggingRegressor<M> {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        let mut sum = Array1::zeros(x.nrows());
        for m in &self.members {
            sum += &m.predict(x)?;
        }
        Ok(sum / self.members.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dummy::DummyClassifierParams;
    use crate::tree::{DecisionTreeClassifierParams, DecisionTreeRegressorParams};
    use breadth_core::conformance::{check_classifier, check_regressor};

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier(
            &BaggingClassifierParams::<DecisionTreeClassifierParams>::default().n_estimators(4),
            &iris,
        );
        // Any base estimator: a dummy one works too.
        check_classifier(
            &BaggingClassifierParams::new(DummyClassifierParams::default()).n_estimators(3),
            &iris,
        );
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        check_regressor(
            &BaggingRegressorParams::<DecisionTreeRegressorParams>::default()
                .n_estimators(4)
                .bootstrap(false)
                .max_samples(0.5),
            &diabetes,
        );
    }

    #[test]
    fn bagging_beats_a_single_tree_out_of_sample() {
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        let (test, train): (Vec<usize>, Vec<usize>) =
            (0..diabetes.n_samples()).partition(|i| i % 4 == 0);
        let (tr, te) = (diabetes.select(&train), diabetes.select(&test));
        let y = te.continuous_target("t").unwrap().to_owned();
        let mse = |p: Array1<f64>| (&p - &y).mapv(|v| v * v).mean().unwrap();
        let single = DecisionTreeRegressorParams::default()
            .fit(&tr)
            .unwrap()
            .predict(te.features())
            .unwrap();
        let bagged = BaggingRegressorParams::<DecisionTreeRegressorParams>::default()
            .n_estimators(30)
            .fit(&tr)
            .unwrap()
            .predict(te.features())
            .unwrap();
        assert!(mse(bagged) < 0.7 * mse(single));
    }
}
