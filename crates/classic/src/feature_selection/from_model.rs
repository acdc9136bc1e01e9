//! Selection from a fitted model's feature importances or coefficients (scikit-learn's
//! `SelectFromModel`).
//!
//! Any model implementing [`FeatureImportance`] gives one score $w_j \ge 0$ per feature: the
//! impurity-based importances of trees, forests and boosted trees, or for linear models
//! $|\beta_j|$ (with $K$ rows of class coefficients, $\sum_k |\beta_{kj}|$, the $L_1$ norm of
//! the column). With a threshold $\tau$ ([`Threshold`]: a number, the mean or median of the
//! $w_j$, or a multiple of either) and an optional cap $m$ (`max_features`), feature $j$ is kept
//! when $w_j \ge \tau$ and, with a cap, $j$ is among the $m$ largest $w_j$ (ties to the earlier
//! column, as scikit-learn's stable sort).
//!
//! Cost: one fit of the model plus $O(d \log d)$. Reference: scikit-learn's
//! `sklearn.feature_selection.SelectFromModel`, whose selection rule the tests reproduce; L.
//! Breiman, "Random Forests", Machine Learning 45, 2001 (importances).
//!
//! ```
//! use breadth_classic::feature_selection::from_model::{SelectFromModelParams, Threshold};
//! use breadth_classic::tree::DecisionTreeClassifierParams;
//! use breadth_core::{Fit, Transformer};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let sel = SelectFromModelParams::new(DecisionTreeClassifierParams::default())
//!     .threshold(Threshold::Mean)
//!     .fit(&iris)
//!     .unwrap();
//! assert!(sel.support()[2] || sel.support()[3]); // a petal measurement carries the splits
//! assert!(sel.transform(iris.features()).unwrap().ncols() < 4);
//! ```

use std::str::FromStr;

use breadth_core::validate::check_fit_input;
use breadth_core::{Dataset, Error, Fit, Result};
use ndarray::Axis;

use super::{SelectedFeatures, SelectorKind};
use crate::ensemble::forest::{ForestClassifier, ForestRegressor};
use crate::ensemble::gradient_boosting::{GradientBoostingClassifier, GradientBoostingRegressor};
use crate::gbdt::{GbdtClassifier, GbdtRegressor, Importance};
use crate::linear::coordinate_descent::ElasticNet;
use crate::linear::logistic::LogisticRegression;
use crate::linear::ols::LinearRegression;
use crate::tree::{DecisionTreeClassifier, DecisionTreeRegressor};

/// A fitted model that scores its input features.
pub trait FeatureImportance {
    /// One non-negative score per feature.
    fn importance(&self) -> Vec<f64>;
    /// Whether the model was fitted with an $L_1$ penalty (its default threshold is then
    /// $10^{-5}$ rather than the mean, as in scikit-learn).
    fn l1_penalized(&self) -> bool {
        false
    }
}

macro_rules! importances_of {
    ($($ty:ty),*) => {$(
        impl FeatureImportance for $ty {
            fn importance(&self) -> Vec<f64> {
                self.feature_importances().to_vec()
            }
        }
    )*};
}
importances_of!(
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ForestClassifier,
    ForestRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor
);

impl FeatureImportance for GbdtClassifier {
    fn importance(&self) -> Vec<f64> {
        self.feature_importances(Importance::Gain).to_vec()
    }
}

impl FeatureImportance for GbdtRegressor {
    fn importance(&self) -> Vec<f64> {
        self.feature_importances(Importance::Gain).to_vec()
    }
}

impl FeatureImportance for LinearRegression {
    fn importance(&self) -> Vec<f64> {
        self.coef().iter().map(|b| b.abs()).collect()
    }
}

impl FeatureImportance for ElasticNet {
    fn importance(&self) -> Vec<f64> {
        self.coef().iter().map(|b| b.abs()).collect()
    }
    fn l1_penalized(&self) -> bool {
        true
    }
}

impl FeatureImportance for LogisticRegression {
    fn importance(&self) -> Vec<f64> {
        self.coef().mapv(f64::abs).sum_axis(Axis(0)).to_vec()
    }
}

/// The cut on the importances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// This value.
    Value(f64),
    /// The mean importance.
    Mean,
    /// The median importance.
    Median,
    /// A multiple of the mean (`"1.25*mean"`).
    ScaledMean(f64),
    /// A multiple of the median (`"0.5*median"`).
    ScaledMedian(f64),
}

impl FromStr for Threshold {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad =
            || format!("expected a number, mean, median or SCALE*mean / SCALE*median, got `{s}`");
        Ok(match s.trim() {
            "mean" => Self::Mean,
            "median" => Self::Median,
            t => match t.split_once('*') {
                Some((scale, reference)) => {
                    let scale: f64 = scale.trim().parse().map_err(|_| bad())?;
                    match reference.trim() {
                        "mean" => Self::ScaledMean(scale),
                        "median" => Self::ScaledMedian(scale),
                        _ => return Err(bad()),
                    }
                }
                None => Self::Value(t.parse().map_err(|_| bad())?),
            },
        })
    }
}

impl Threshold {
    /// The threshold's value on these importances.
    pub fn value(self, w: &[f64]) -> f64 {
        let mean = || w.iter().sum::<f64>() / w.len() as f64;
        let median = || {
            let mut s = w.to_vec();
            s.sort_by(f64::total_cmp);
            let n = s.len();
            if n % 2 == 1 {
                s[n / 2]
            } else {
                (s[n / 2 - 1] + s[n / 2]) / 2.0
            }
        };
        match self {
            Self::Value(v) => v,
            Self::Mean => mean(),
            Self::Median => median(),
            Self::ScaledMean(c) => c * mean(),
            Self::ScaledMedian(c) => c * median(),
        }
    }
}

/// The support of scikit-learn's rule: the `max_features` largest (stable, earlier column first
/// on ties), then only those at or above `threshold`.
pub fn select_by_importance(w: &[f64], threshold: f64, max_features: Option<usize>) -> Vec<bool> {
    let mut keep = vec![max_features.is_none(); w.len()];
    if let Some(m) = max_features {
        let mut order: Vec<usize> = (0..w.len()).collect();
        order.sort_by(|&a, &b| w[b].total_cmp(&w[a]));
        order.iter().take(m).for_each(|&j| keep[j] = true);
    }
    for (k, &v) in keep.iter_mut().zip(w) {
        // A NaN importance is never at or above the threshold.
        if v.is_nan() || v < threshold {
            *k = false;
        }
    }
    keep
}

/// Hyper-parameters of selection from a model: the model's own hyper-parameters, the
/// threshold and the cap.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectFromModelParams<P> {
    /// The model to fit.
    pub estimator: P,
    /// The cut; `None` is $10^{-5}$ for $L_1$-penalized models and the mean otherwise.
    pub threshold: Option<Threshold>,
    /// Keep at most this many features.
    pub max_features: Option<usize>,
}

impl<P> SelectFromModelParams<P> {
    /// Select with `estimator` and the default threshold.
    pub fn new(estimator: P) -> Self {
        SelectFromModelParams {
            estimator,
            threshold: None,
            max_features: None,
        }
    }
    /// Set the threshold.
    pub fn threshold(mut self, t: Threshold) -> Self {
        self.threshold = Some(t);
        self
    }
    /// Cap the number of features.
    pub fn max_features(mut self, m: usize) -> Self {
        self.max_features = Some(m);
        self
    }

    /// Select from an already fitted model (scikit-learn's `prefit=True`).
    pub fn select(&self, model: &impl FeatureImportance) -> Result<SelectedFeatures> {
        if self.max_features == Some(0) {
            return Err(Error::param("max_features", "must be at least 1"));
        }
        let w = model.importance();
        let threshold = match self.threshold {
            Some(t) => t,
            None if model.l1_penalized() => Threshold::Value(1e-5),
            None => Threshold::Mean,
        }
        .value(&w);
        if threshold.is_nan() {
            return Err(Error::param("threshold", "must be a number"));
        }
        let support = select_by_importance(&w, threshold, self.max_features);
        SelectedFeatures::new(SelectorKind::SelectFromModel, support, w)
    }
}

impl<P> Fit for SelectFromModelParams<P>
where
    P: Fit,
    P::Fitted: FeatureImportance,
{
    type Fitted = SelectedFeatures;
    fn fit(&self, data: &Dataset) -> Result<SelectedFeatures> {
        check_fit_input(data)?;
        let model = self.estimator.fit(data)?;
        self.select(&model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::forest::RandomForestClassifierParams;
    use crate::feature_selection::testing::{arr1, mask};
    use crate::neighbors::testing::fixture;
    use crate::tree::DecisionTreeClassifierParams;
    use breadth_core::conformance::check_transformer;

    struct Given(Vec<f64>);
    impl FeatureImportance for Given {
        fn importance(&self) -> Vec<f64> {
            self.0.clone()
        }
    }

    /// Fixture: reference/feature_selection.py (scikit-learn 1.9.1), `from_model.json`:
    /// scikit-learn's supports for given importances (a fitted tree's and a random forest's on
    /// breast cancer) under each threshold and cap.
    #[test]
    fn selection_rule_matches_scikit_learn() {
        let f = fixture("feature_selection/from_model.json");
        for case in f["cases"].as_array().unwrap() {
            let w = Given(arr1(&case["importances"]).to_vec());
            let t: Threshold = case["threshold"].as_str().unwrap().parse().unwrap();
            let mut p = SelectFromModelParams::new(()).threshold(t);
            if let Some(m) = case["max_features"].as_u64() {
                p = p.max_features(m as usize);
            }
            let sel = p.select(&w).unwrap();
            assert_eq!(sel.support(), mask(&case["support"]).as_slice(), "{case}");
        }
    }

    /// End to end with a decision tree. scikit-learn's tree breaks ties between equally good
    /// splits through its random feature order, so on breast cancer (which has such ties below
    /// the root) the importances are not identical; the two strongest features are the same,
    /// and the selection (rule checked exactly above) keeps them.
    #[test]
    fn tree_end_to_end_keeps_scikit_learns_strongest_features() {
        let f = fixture("feature_selection/from_model.json");
        let ds = breadth_data::datasets::load("breast_cancer").unwrap();
        let params = DecisionTreeClassifierParams::default().max_depth(Some(3));
        let ours = params.fit(&ds).unwrap().importance();
        let top2 = |w: &[f64]| {
            let mut o: Vec<usize> = (0..w.len()).collect();
            o.sort_by(|&a, &b| w[b].total_cmp(&w[a]));
            o[..2].to_vec()
        };
        let want = arr1(&f["tree_importances"]).to_vec();
        assert_eq!(top2(&ours), top2(&want), "{ours:?}");
        let sel = SelectFromModelParams::new(params).fit(&ds).unwrap();
        assert!(top2(&want).iter().all(|&j| sel.support()[j]));
        let sk = mask(&f["tree_support_mean"]);
        assert!(sel.selected().len() <= 6 && sk.iter().filter(|&&b| b).count() <= 6);
    }

    /// A forest's importances put the informative columns above the noise ones.
    #[test]
    fn forest_keeps_the_informative_features() {
        let mut rng = breadth_core::seeded_rng(4);
        use rand::Rng as _;
        let x = ndarray::Array2::from_shape_fn((200, 6), |_| rng.random::<f64>());
        let labels: Vec<usize> = x
            .outer_iter()
            .map(|r| usize::from(r[0] + r[3] > 1.0))
            .collect();
        let target = breadth_core::Target::classes(labels, vec!["0".into(), "1".into()]).unwrap();
        let ds = breadth_core::Dataset::new(x).with_target(target).unwrap();
        let rf = RandomForestClassifierParams::default().n_estimators(20);
        let sel = SelectFromModelParams::new(rf.clone())
            .threshold(Threshold::ScaledMean(1.25))
            .fit(&ds)
            .unwrap();
        assert_eq!(sel.selected(), vec![0, 3]);
        let two = SelectFromModelParams::new(rf)
            .threshold(Threshold::Value(f64::NEG_INFINITY))
            .max_features(1)
            .fit(&ds)
            .unwrap();
        assert_eq!(two.selected().len(), 1);
    }

    #[test]
    fn parsing_and_errors() {
        assert_eq!(
            "1.25*mean".parse::<Threshold>(),
            Ok(Threshold::ScaledMean(1.25))
        );
        assert_eq!(" median ".parse::<Threshold>(), Ok(Threshold::Median));
        assert_eq!("0.1".parse::<Threshold>(), Ok(Threshold::Value(0.1)));
        assert!("2*max".parse::<Threshold>().is_err());
        assert!("x".parse::<Threshold>().is_err());
        let w = Given(vec![0.1, 0.2]);
        let p = SelectFromModelParams::new(());
        assert!(p.clone().max_features(0).select(&w).is_err());
        assert!(p
            .clone()
            .threshold(Threshold::Value(f64::NAN))
            .select(&w)
            .is_err());
        assert!(
            p.threshold(Threshold::Value(1.0)).select(&w).is_err(),
            "nothing selected"
        );
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_transformer(
            &SelectFromModelParams::new(DecisionTreeClassifierParams::default()),
            &iris,
        );
    }
}
