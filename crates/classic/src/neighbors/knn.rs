//! k-nearest-neighbour classification and regression.
//!
//! With $N_k(x)$ the $k$ nearest training rows of $x$ and weights $w_i = 1$ (uniform) or
//! $w_i = 1 / d(x, x_i)$ (distance; when some neighbours are at distance 0, exactly those get
//! weight 1 and the others 0, as scikit-learn):
//!
//! - classifier: $P(y = c \mid x) = \sum_{i \in N_k(x)} w_i [y_i = c] / \sum_{i \in N_k(x)} w_i$,
//!   predicting the most probable class (the lowest label on ties);
//! - regressor: $\hat y(x) = \sum_{i \in N_k(x)} w_i y_i / \sum_{i \in N_k(x)} w_i$.
//!
//! Sample weights are not used (as in scikit-learn). Cost: one [`NearestNeighbors`] query per
//! row plus $O(k)$. Reference: T. Cover, P. Hart, *Nearest neighbor pattern classification*,
//! IEEE Trans. Inf. Theory 13(1), 1967.
//!
//! ```
//! use breadth_classic::neighbors::{KNeighborsClassifierParams, Weights};
//! use breadth_core::{Classifier, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let model = KNeighborsClassifierParams::default().weights(Weights::Distance).fit(&iris).unwrap();
//! let labels = iris.class_target("").unwrap().0.to_owned();
//! assert_eq!(model.predict(iris.features()).unwrap(), labels); // each row is its own neighbour
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{Classifier, Dataset, Error, Fit, Regressor, Result};
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::index::{Algorithm, NearestNeighbors, NearestNeighborsParams};
use super::metric::Metric;

/// How neighbours are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Weights {
    /// Every neighbour counts the same.
    #[default]
    Uniform,
    /// A neighbour counts $1 / d$.
    Distance,
}

impl FromStr for Weights {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "uniform" => Ok(Self::Uniform),
            "distance" => Ok(Self::Distance),
            _ => Err("expected uniform or distance".into()),
        }
    }
}

impl std::fmt::Display for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Uniform => "uniform",
            Self::Distance => "distance",
        })
    }
}

impl Weights {
    /// The weight of each neighbour given its distance.
    pub(crate) fn of(self, dists: &[f64]) -> Vec<f64> {
        match self {
            Weights::Uniform => vec![1.0; dists.len()],
            Weights::Distance if dists.contains(&0.0) => dists
                .iter()
                .map(|&d| f64::from(u8::from(d == 0.0)))
                .collect(),
            Weights::Distance => dists.iter().map(|&d| 1.0 / d).collect(),
        }
    }
}

/// Weighted class votes of one neighbourhood, normalized to probabilities; `None` when empty.
pub(crate) fn vote(labels: &[usize], weights: &[f64], n_classes: usize) -> Option<Vec<f64>> {
    let mut p = vec![0.0; n_classes];
    for (&l, &w) in labels.iter().zip(weights) {
        p[l] += w;
    }
    let total: f64 = p.iter().sum();
    (total > 0.0).then(|| p.into_iter().map(|v| v / total).collect())
}

/// Weighted mean of the neighbours' targets; `None` when empty.
pub(crate) fn average(values: &[f64], weights: &[f64]) -> Option<f64> {
    let total: f64 = weights.iter().sum();
    (total > 0.0).then(|| values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total)
}

/// The first maximum (lowest label on ties, as numpy's argmax).
pub(crate) fn argmax(p: &[f64]) -> usize {
    p.iter()
        .enumerate()
        .fold(0, |best, (k, &v)| if v > p[best] { k } else { best })
}

/// The search settings shared by the four neighbour models, as builder setters.
macro_rules! search_setters {
    () => {
        /// Set the metric.
        pub fn metric(mut self, m: Metric) -> Self {
            self.search.metric = m;
            self
        }
        /// Set the search algorithm.
        pub fn algorithm(mut self, a: Algorithm) -> Self {
            self.search.algorithm = a;
            self
        }
        /// Set the weighting.
        pub fn weights(mut self, w: Weights) -> Self {
            self.weights = w;
            self
        }
    };
}
pub(crate) use search_setters;

/// The `Configurable` impl shared by the four neighbour models: `weights` plus the index
/// parameters except those in `$skip`.
macro_rules! neighbour_configurable {
    ($ty:ty, $skip:expr $(, $extra_name:literal => $extra:ident : $extra_help:literal)*) => {
        impl Configurable for $ty {
            fn param_specs(&self) -> Vec<ParamSpec> {
                let mut specs = self.search.specs_without(&$skip);
                specs.push(ParamSpec::new("weights", self.weights, "uniform | distance"));
                $(specs.push(ParamSpec::new($extra_name, &self.$extra, $extra_help));)*
                specs
            }
            fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
                match name {
                    "weights" => self.weights = parse_param(name, value)?,
                    $($extra_name => self.$extra = parse_param(name, value)?,)*
                    n if $skip.contains(&n) => return Ok(false),
                    _ => return self.search.set_param(name, value),
                }
                Ok(true)
            }
        }
    };
}
pub(crate) use neighbour_configurable;

/// Hyper-parameters of [`KNeighborsClassifier`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KNeighborsClassifierParams {
    /// `n_neighbors`, metric, algorithm and leaf size.
    pub search: NearestNeighborsParams,
    /// How neighbours are weighted.
    pub weights: Weights,
}

impl KNeighborsClassifierParams {
    /// Set `k`.
    pub fn n_neighbors(mut self, k: usize) -> Self {
        self.search.n_neighbors = k;
        self
    }
    search_setters!();
}

neighbour_configurable!(KNeighborsClassifierParams, ["radius"]);

/// A fitted k-NN classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KNeighborsClassifier {
    index: NearestNeighbors,
    labels: Vec<usize>,
    classes: Vec<String>,
    k: usize,
    weights: Weights,
}

impl Fit for KNeighborsClassifierParams {
    type Fitted = KNeighborsClassifier;
    fn fit(&self, data: &Dataset) -> Result<KNeighborsClassifier> {
        check_fit_input(data)?;
        let (labels, names) = data.class_target("k-neighbors-classifier")?;
        let k = self.search.n_neighbors;
        check_k(k, data.n_samples())?;
        Ok(KNeighborsClassifier {
            index: self.search.fit_array(data.features())?,
            labels: labels.to_vec(),
            classes: names.to_vec(),
            k,
            weights: self.weights,
        })
    }
}

fn check_k(k: usize, n: usize) -> Result<()> {
    if k == 0 || k > n {
        return Err(Error::param(
            "n_neighbors",
            format!("must lie in 1..={n} (the training rows), got {k}"),
        ));
    }
    Ok(())
}

impl KNeighborsClassifier {
    /// The neighbour index.
    pub fn index(&self) -> &NearestNeighbors {
        &self.index
    }
}

impl Fitted for KNeighborsClassifier {
    fn model_name(&self) -> &'static str {
        "k-neighbors-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.index.n_features_in()
    }
}

impl Classifier for KNeighborsClassifier {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        let p = self.predict_proba(x)?;
        Ok(p.outer_iter()
            .map(|r| argmax(r.as_slice().expect("row")))
            .collect())
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let nn = self.index.kneighbors(x, self.k)?;
        let mut out = Array2::zeros((x.nrows(), self.classes.len()));
        for (i, mut row) in out.outer_iter_mut().enumerate() {
            let labels: Vec<usize> = nn.indices.row(i).iter().map(|&j| self.labels[j]).collect();
            let w = self
                .weights
                .of(nn.distances.row(i).as_slice().expect("row"));
            let p = vote(&labels, &w, self.classes.len()).expect("k >= 1 neighbours with weight");
            row.assign(&Array1::from(p));
        }
        Ok(out)
    }
}

/// Hyper-parameters of [`KNeighborsRegressor`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KNeighborsRegressorParams {
    /// `n_neighbors`, metric, algorithm and leaf size.
    pub search: NearestNeighborsParams,
    /// How neighbours are weighted.
    pub weights: Weights,
}

impl KNeighborsRegressorParams {
    /// Set `k`.
    pub fn n_neighbors(mut self, k: usize) -> Self {
        self.search.n_neighbors = k;
        self
    }
    search_setters!();
}

neighbour_configurable!(KNeighborsRegressorParams, ["radius"]);

/// A fitted k-NN regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KNeighborsRegressor {
    index: NearestNeighbors,
    y: Vec<f64>,
    k: usize,
    weights: Weights,
}

impl Fit for KNeighborsRegressorParams {
    type Fitted = KNeighborsRegressor;
    fn fit(&self, data: &Dataset) -> Result<KNeighborsRegressor> {
        check_fit_input(data)?;
        let y = data.continuous_target("k-neighbors-regressor")?;
        let k = self.search.n_neighbors;
        check_k(k, data.n_samples())?;
        Ok(KNeighborsRegressor {
            index: self.search.fit_array(data.features())?,
            y: y.to_vec(),
            k,
            weights: self.weights,
        })
    }
}

impl Fitted for KNeighborsRegressor {
    fn model_name(&self) -> &'static str {
        "k-neighbors-regressor"
    }
    fn n_features_in(&self) -> usize {
        self.index.n_features_in()
    }
}

impl Regressor for KNeighborsRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        let nn = self.index.kneighbors(x, self.k)?;
        Ok((0..x.nrows())
            .map(|i| {
                let ys: Vec<f64> = nn.indices.row(i).iter().map(|&j| self.y[j]).collect();
                let w = self
                    .weights
                    .of(nn.distances.row(i).as_slice().expect("row"));
                average(&ys, &w).expect("k >= 1 neighbours with weight")
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neighbors::testing::{arr1, arr2, fixture, usizes};
    use breadth_core::conformance::{check_classifier, check_regressor};
    use breadth_core::Target;

    /// Fixture: reference/neighbors.py (scikit-learn 1.9.1).
    #[test]
    fn predictions_match_scikit_learn() {
        let f = fixture("neighbors/models.json");
        let yc = usizes(&f["yc"]);
        let names = vec!["0".into(), "1".into(), "2".into()];
        let clf_data = Dataset::new(arr2(&f["Xc"]))
            .with_target(Target::classes(yc, names).unwrap())
            .unwrap();
        let reg_data = Dataset::new(arr2(&f["Xr"]))
            .with_target(Target::Continuous(arr1(&f["yr"])))
            .unwrap();
        let (qc, qr) = (arr2(&f["Qc"]), arr2(&f["Qr"]));
        for (case, want) in f["cases"].as_object().unwrap() {
            let (w, m) = case.split_once('_').unwrap();
            let clf = KNeighborsClassifierParams::default()
                .n_neighbors(7)
                .weights(w.parse().unwrap())
                .metric(m.parse().unwrap())
                .fit(&clf_data)
                .unwrap();
            assert_eq!(
                clf.predict(qc.view()).unwrap().to_vec(),
                usizes(&want["knn_pred"]),
                "{case}"
            );
            let p = clf.predict_proba(qc.view()).unwrap();
            let diff = (&p - &arr2(&want["knn_proba"])).mapv(f64::abs);
            assert!(diff.iter().all(|&d| d < 1e-12), "{case} proba");
            let reg = KNeighborsRegressorParams::default()
                .n_neighbors(7)
                .weights(w.parse().unwrap())
                .metric(m.parse().unwrap())
                .fit(&reg_data)
                .unwrap();
            let want_r = arr1(&want["knn_reg"]);
            let got = reg.predict(qr.view()).unwrap();
            assert!(
                got.iter()
                    .zip(&want_r)
                    .all(|(a, b)| (a - b).abs() < 1e-9 * (1.0 + b.abs())),
                "{case} reg"
            );
        }
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier(&KNeighborsClassifierParams::default(), &iris);
        check_classifier(
            &KNeighborsClassifierParams::default().weights(Weights::Distance),
            &iris,
        );
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        check_regressor(
            &KNeighborsRegressorParams::default().weights(Weights::Distance),
            &diabetes,
        );
        assert!(KNeighborsClassifierParams::default()
            .n_neighbors(151)
            .fit(&iris)
            .is_err());
    }

    #[test]
    fn zero_distance_neighbours_take_all_the_weight() {
        assert_eq!(Weights::Distance.of(&[0.0, 1.0, 0.0]), vec![1.0, 0.0, 1.0]);
        assert_eq!(Weights::Distance.of(&[2.0, 4.0]), vec![0.5, 0.25]);
    }

    #[test]
    fn parameters_by_name() {
        let p: KNeighborsClassifierParams = breadth_core::registry::configure(
            "knn",
            &[
                ("n_neighbors".into(), "3".into()),
                ("metric".into(), "manhattan".into()),
                ("weights".into(), "distance".into()),
            ],
        )
        .unwrap();
        assert_eq!(p.search.n_neighbors, 3);
        assert_eq!(p.search.metric, Metric::Manhattan);
        assert_eq!(p.weights, Weights::Distance);
        assert!(
            breadth_core::registry::configure::<KNeighborsClassifierParams>(
                "knn",
                &[("radius".into(), "1".into())]
            )
            .is_err()
        );
    }
}
