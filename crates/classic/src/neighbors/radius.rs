//! Radius-neighbour classification and regression: the k-NN rules of [`super::knn`] over every
//! training row within distance $r$, $N_r(x) = \{ i : d(x, x_i) \le r \}$, instead of the $k$
//! nearest.
//!
//! A query with no training row within $r$ has no answer of its own: the classifier then
//! predicts its [`OutlierLabel`] (with a one-hot probability, as scikit-learn) or returns an
//! error naming the row; the regressor predicts `outlier_value` when one is set, else returns
//! an error (scikit-learn predicts NaN with a warning, which we consider a silent failure).
//!
//! Cost: one radius query per row, $O(|N_r(x)|)$ to combine. Reference: scikit-learn's
//! `RadiusNeighborsClassifier` / `RadiusNeighborsRegressor`.
//!
//! ```
//! use breadth_classic::neighbors::RadiusNeighborsRegressorParams;
//! use breadth_core::{Dataset, Fit, Regressor, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0], [1.0], [10.0]])
//!     .with_target(Target::Continuous(array![1.0, 3.0, 100.0])).unwrap();
//! let model = RadiusNeighborsRegressorParams::default().radius(1.5).fit(&ds).unwrap();
//! assert_eq!(model.predict(array![[0.5]].view()).unwrap()[0], 2.0);
//! assert!(model.predict(array![[5.0]].view()).is_err()); // nobody within 1.5
//! ```

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{Classifier, Dataset, Error, Fit, Regressor, Result};
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::index::{Algorithm, NearestNeighbors, NearestNeighborsParams};
use super::knn::{argmax, average, neighbour_configurable, search_setters, vote, Weights};
use super::metric::Metric;

/// What the radius classifier predicts for a row with no neighbour within the radius.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum OutlierLabel {
    /// Return an error naming the row.
    #[default]
    Error,
    /// The most frequent training class.
    MostFrequent,
    /// This class label.
    Label(usize),
}

impl FromStr for OutlierLabel {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "error" => Ok(Self::Error),
            "most_frequent" => Ok(Self::MostFrequent),
            other => other
                .parse()
                .map(Self::Label)
                .map_err(|_| "expected error, most_frequent or a class label number".into()),
        }
    }
}

impl std::fmt::Display for OutlierLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Error => f.write_str("error"),
            Self::MostFrequent => f.write_str("most_frequent"),
            Self::Label(l) => write!(f, "{l}"),
        }
    }
}

/// An optional number as a parameter: empty or `none` for unset.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MaybeValue(pub Option<f64>);

impl FromStr for MaybeValue {
    type Err = std::num::ParseFloatError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "" | "none" => Ok(MaybeValue(None)),
            v => v.parse().map(|v| MaybeValue(Some(v))),
        }
    }
}

impl std::fmt::Display for MaybeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v}"),
            None => f.write_str("none"),
        }
    }
}

/// Hyper-parameters of [`RadiusNeighborsClassifier`].
#[derive(Debug, Clone, PartialEq)]
pub struct RadiusNeighborsClassifierParams {
    /// `radius`, metric, algorithm and leaf size.
    pub search: NearestNeighborsParams,
    /// How neighbours are weighted.
    pub weights: Weights,
    /// What to predict when no training row lies within the radius.
    pub outlier_label: OutlierLabel,
}

impl Default for RadiusNeighborsClassifierParams {
    fn default() -> Self {
        RadiusNeighborsClassifierParams {
            // `n_neighbors` only steers the automatic algorithm choice; 1 keeps trees eligible.
            search: NearestNeighborsParams::default().n_neighbors(1),
            weights: Weights::Uniform,
            outlier_label: OutlierLabel::Error,
        }
    }
}

impl RadiusNeighborsClassifierParams {
    /// Set the radius.
    pub fn radius(mut self, r: f64) -> Self {
        self.search.radius = r;
        self
    }
    /// Set the outlier label.
    pub fn outlier_label(mut self, o: OutlierLabel) -> Self {
        self.outlier_label = o;
        self
    }
    search_setters!();
}

neighbour_configurable!(
    RadiusNeighborsClassifierParams,
    ["n_neighbors"],
    "outlier_label" => outlier_label: "error | most_frequent | LABEL: prediction without neighbours"
);

/// A fitted radius-neighbour classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RadiusNeighborsClassifier {
    index: NearestNeighbors,
    labels: Vec<usize>,
    classes: Vec<String>,
    radius: f64,
    weights: Weights,
    outlier: Option<usize>,
}

impl Fit for RadiusNeighborsClassifierParams {
    type Fitted = RadiusNeighborsClassifier;
    fn fit(&self, data: &Dataset) -> Result<RadiusNeighborsClassifier> {
        check_fit_input(data)?;
        let (labels, names) = data.class_target("radius-neighbors-classifier")?;
        let outlier = match self.outlier_label {
            OutlierLabel::Error => None,
            OutlierLabel::Label(l) if l >= names.len() => {
                return Err(Error::param(
                    "outlier_label",
                    format!("label {l} is not among the {} classes", names.len()),
                ))
            }
            OutlierLabel::Label(l) => Some(l),
            OutlierLabel::MostFrequent => {
                let mut counts = vec![0.0; names.len()];
                labels.iter().for_each(|&l| counts[l] += 1.0);
                Some(argmax(&counts))
            }
        };
        Ok(RadiusNeighborsClassifier {
            index: self.search.fit_array(data.features())?,
            labels: labels.to_vec(),
            classes: names.to_vec(),
            radius: self.search.radius,
            weights: self.weights,
            outlier,
        })
    }
}

impl Fitted for RadiusNeighborsClassifier {
    fn model_name(&self) -> &'static str {
        "radius-neighbors-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.index.n_features_in()
    }
}

impl Classifier for RadiusNeighborsClassifier {
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
        let nn = self.index.radius_neighbors(x, self.radius)?;
        let k = self.classes.len();
        let mut out = Array2::zeros((x.nrows(), k));
        for (i, mut row) in out.outer_iter_mut().enumerate() {
            let labels: Vec<usize> = nn.indices[i].iter().map(|&j| self.labels[j]).collect();
            let p = match (
                vote(&labels, &self.weights.of(&nn.distances[i]), k),
                self.outlier,
            ) {
                (Some(p), _) => p,
                (None, Some(l)) => (0..k).map(|c| f64::from(u8::from(c == l))).collect(),
                (None, None) => return Err(no_neighbour(i, self.radius, "outlier_label")),
            };
            row.assign(&Array1::from(p));
        }
        Ok(out)
    }
}

fn no_neighbour(row: usize, radius: f64, param: &str) -> Error {
    Error::numerical(
        "radius neighbours",
        format!(
            "row {row} has no training row within radius {radius}; raise `radius` or set \
             `{param}`"
        ),
    )
}

/// Hyper-parameters of [`RadiusNeighborsRegressor`].
#[derive(Debug, Clone, PartialEq)]
pub struct RadiusNeighborsRegressorParams {
    /// `radius`, metric, algorithm and leaf size.
    pub search: NearestNeighborsParams,
    /// How neighbours are weighted.
    pub weights: Weights,
    /// What to predict when no training row lies within the radius (`None`: an error).
    pub outlier_value: MaybeValue,
}

impl Default for RadiusNeighborsRegressorParams {
    fn default() -> Self {
        RadiusNeighborsRegressorParams {
            search: NearestNeighborsParams::default().n_neighbors(1),
            weights: Weights::Uniform,
            outlier_value: MaybeValue(None),
        }
    }
}

impl RadiusNeighborsRegressorParams {
    /// Set the radius.
    pub fn radius(mut self, r: f64) -> Self {
        self.search.radius = r;
        self
    }
    /// Set the value predicted without neighbours.
    pub fn outlier_value(mut self, v: Option<f64>) -> Self {
        self.outlier_value = MaybeValue(v);
        self
    }
    search_setters!();
}

neighbour_configurable!(
    RadiusNeighborsRegressorParams,
    ["n_neighbors"],
    "outlier_value" => outlier_value: "none | VALUE: prediction without neighbours"
);

/// A fitted radius-neighbour regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RadiusNeighborsRegressor {
    index: NearestNeighbors,
    y: Vec<f64>,
    radius: f64,
    weights: Weights,
    outlier_value: Option<f64>,
}

impl Fit for RadiusNeighborsRegressorParams {
    type Fitted = RadiusNeighborsRegressor;
    fn fit(&self, data: &Dataset) -> Result<RadiusNeighborsRegressor> {
        check_fit_input(data)?;
        let y = data.continuous_target("radius-neighbors-regressor")?;
        if let Some(v) = self.outlier_value.0.filter(|v| !v.is_finite()) {
            return Err(Error::param(
                "outlier_value",
                format!("must be finite, got {v}"),
            ));
        }
        Ok(RadiusNeighborsRegressor {
            index: self.search.fit_array(data.features())?,
            y: y.to_vec(),
            radius: self.search.radius,
            weights: self.weights,
            outlier_value: self.outlier_value.0,
        })
    }
}

impl Fitted for RadiusNeighborsRegressor {
    fn model_name(&self) -> &'static str {
        "radius-neighbors-regressor"
    }
    fn n_features_in(&self) -> usize {
        self.index.n_features_in()
    }
}

impl Regressor for RadiusNeighborsRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        let nn = self.index.radius_neighbors(x, self.radius)?;
        (0..x.nrows())
            .map(|i| {
                let ys: Vec<f64> = nn.indices[i].iter().map(|&j| self.y[j]).collect();
                average(&ys, &self.weights.of(&nn.distances[i]))
                    .or(self.outlier_value)
                    .ok_or_else(|| no_neighbour(i, self.radius, "outlier_value"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neighbors::testing::{arr2, fixture, usizes};
    use breadth_core::conformance::{check_classifier, check_regressor};
    use breadth_core::Target;

    /// Fixture: reference/neighbors.py (scikit-learn 1.9.1); `null` marks sklearn's NaN for a
    /// row without neighbours, which we ask to be -999.
    #[test]
    fn predictions_match_scikit_learn() {
        let f = fixture("neighbors/models.json");
        let names = vec!["0".into(), "1".into(), "2".into()];
        let clf_data = Dataset::new(arr2(&f["Xc"]))
            .with_target(Target::classes(usizes(&f["yc"]), names).unwrap())
            .unwrap();
        let yr: Vec<f64> = serde_json::from_value(f["yr"].clone()).unwrap();
        let reg_data = Dataset::new(arr2(&f["Xr"]))
            .with_target(Target::Continuous(yr.into()))
            .unwrap();
        let (qc, qr) = (arr2(&f["Qc"]), arr2(&f["Qr"]));
        for (case, want) in f["cases"].as_object().unwrap() {
            let (w, m) = case.split_once('_').unwrap();
            let clf = RadiusNeighborsClassifierParams::default()
                .radius(1.5)
                .outlier_label(OutlierLabel::MostFrequent)
                .weights(w.parse().unwrap())
                .metric(m.parse().unwrap())
                .fit(&clf_data)
                .unwrap();
            assert_eq!(
                clf.predict(qc.view()).unwrap().to_vec(),
                usizes(&want["radius_pred"]),
                "{case}"
            );
            let diff = (&clf.predict_proba(qc.view()).unwrap() - &arr2(&want["radius_proba"]))
                .mapv(f64::abs);
            assert!(diff.iter().all(|&d| d < 1e-12), "{case} proba");
            let reg = RadiusNeighborsRegressorParams::default()
                .radius(1.8)
                .outlier_value(Some(-999.0))
                .weights(w.parse().unwrap())
                .metric(m.parse().unwrap())
                .fit(&reg_data)
                .unwrap();
            let got = reg.predict(qr.view()).unwrap();
            let want_r: Vec<Option<f64>> =
                serde_json::from_value(want["radius_reg"].clone()).unwrap();
            for (g, w) in got.iter().zip(want_r) {
                let w = w.unwrap_or(-999.0);
                assert!((g - w).abs() < 1e-9 * (1.0 + w.abs()), "{case}: {g} vs {w}");
            }
            let strict = RadiusNeighborsRegressorParams::default()
                .radius(1.8)
                .fit(&reg_data)
                .unwrap();
            assert!(strict
                .predict(qr.view())
                .unwrap_err()
                .to_string()
                .contains("outlier_value"));
        }
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier(
            &RadiusNeighborsClassifierParams::default().radius(0.8),
            &iris,
        );
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        check_regressor(
            &RadiusNeighborsRegressorParams::default()
                .radius(30.0)
                .weights(Weights::Distance),
            &diabetes,
        );
        let p = RadiusNeighborsClassifierParams::default().outlier_label(OutlierLabel::Label(3));
        assert!(p.fit(&iris).is_err());
    }
}
