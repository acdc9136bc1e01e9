//! Tiny estimators for the tests of model selection and pipelines (breadth-classic depends on this
//! crate, so its models cannot be used here): a standardizing transformer, a nearest-centroid
//! classifier and a constant-quantile regressor, each matching its scikit-learn counterpart
//! (`StandardScaler`, `NearestCentroid` with uniform priors, `DummyRegressor(strategy="quantile")`).

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ModelSpec, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{Classifier, Dataset, Fit, Regressor, Result, Transformer};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

/// Fixtures: reference/model_selection.py with scikit-learn 1.9.1, numpy 2.4.6.
pub const CV_FIXTURE: &str = include_str!("../../tests/fixtures/model_selection/cv.json");

/// `(x - mean) / std` per column (population std; a constant column is left unscaled).
#[derive(Debug, Clone, PartialEq)]
pub struct StandardizeParams {
    pub with_std: bool,
}

impl Default for StandardizeParams {
    fn default() -> Self {
        StandardizeParams { with_std: true }
    }
}

impl Configurable for StandardizeParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::new(
            "with_std",
            self.with_std,
            "divide by the std",
        )]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "with_std" => self.with_std = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardize {
    pub mean: Array1<f64>,
    pub scale: Array1<f64>,
}

impl Fit for StandardizeParams {
    type Fitted = Standardize;
    fn fit(&self, data: &Dataset) -> Result<Standardize> {
        check_fit_input(data)?;
        let x = data.features();
        let mean = x.mean_axis(Axis(0)).expect("non-empty");
        let scale = if self.with_std {
            x.std_axis(Axis(0), 0.0)
                .mapv(|s| if s == 0.0 { 1.0 } else { s })
        } else {
            Array1::ones(x.ncols())
        };
        Ok(Standardize { mean, scale })
    }
}

impl Fitted for Standardize {
    fn model_name(&self) -> &'static str {
        "test-standardize"
    }
    fn n_features_in(&self) -> usize {
        self.mean.len()
    }
}

impl Transformer for Standardize {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        Ok((&x - &self.mean) / &self.scale)
    }
    fn n_features_out(&self) -> usize {
        self.mean.len()
    }
}

/// Predicts the class of the nearest class mean (Euclidean); classes absent at fit are skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CentroidParams;

impl Configurable for CentroidParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        Vec::new()
    }
    fn set_param(&mut self, _name: &str, _value: &str) -> Result<bool> {
        Ok(false)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Centroids {
    names: Vec<String>,
    /// (label, centroid) of each class seen at fit, ascending labels.
    centroids: Vec<(usize, Array1<f64>)>,
}

impl Fit for CentroidParams {
    type Fitted = Centroids;
    fn fit(&self, data: &Dataset) -> Result<Centroids> {
        check_fit_input(data)?;
        let (labels, names) = data.class_target("test-centroid")?;
        let x = data.features();
        let mut sums = Array2::<f64>::zeros((names.len(), x.ncols()));
        let mut counts = vec![0usize; names.len()];
        for (row, &l) in x.outer_iter().zip(labels) {
            let mut s = sums.row_mut(l);
            s += &row;
            counts[l] += 1;
        }
        let centroids = (0..names.len())
            .filter(|&c| counts[c] > 0)
            .map(|c| (c, sums.row(c).mapv(|v| v / counts[c] as f64)))
            .collect();
        Ok(Centroids {
            names: names.to_vec(),
            centroids,
        })
    }
}

impl Fitted for Centroids {
    fn model_name(&self) -> &'static str {
        "test-centroid"
    }
    fn n_features_in(&self) -> usize {
        self.centroids[0].1.len()
    }
}

impl Classifier for Centroids {
    fn class_names(&self) -> &[String] {
        &self.names
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        check_predict_input(self, x)?;
        Ok(x.outer_iter()
            .map(|row| {
                let d = |c: &Array1<f64>| {
                    row.iter()
                        .zip(c)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                };
                // First minimum: the lowest label wins ties, as scikit-learn's argmin.
                let mut best = 0;
                for j in 1..self.centroids.len() {
                    if d(&self.centroids[j].1) < d(&self.centroids[best].1) {
                        best = j;
                    }
                }
                self.centroids[best].0
            })
            .collect())
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let labels = self.predict(x)?;
        let mut p = Array2::zeros((labels.len(), self.names.len()));
        labels
            .iter()
            .enumerate()
            .for_each(|(i, &l)| p[[i, l]] = 1.0);
        Ok(p)
    }
}

/// Predicts the `quantile` of the training target (numpy's linear interpolation).
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileParams {
    pub quantile: f64,
}

impl Default for QuantileParams {
    fn default() -> Self {
        QuantileParams { quantile: 0.5 }
    }
}

impl Configurable for QuantileParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::new("quantile", self.quantile, "in [0, 1]")]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "quantile" => self.quantile = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constant {
    value: f64,
    n_features: usize,
}

impl Fit for QuantileParams {
    type Fitted = Constant;
    fn fit(&self, data: &Dataset) -> Result<Constant> {
        check_fit_input(data)?;
        breadth_core::validate::in_range("quantile", self.quantile, 0.0, 1.0)?;
        let mut y = data.continuous_target("test-quantile")?.to_vec();
        let pos = self.quantile * (y.len() - 1) as f64;
        let lo = pos.floor() as usize;
        // Two order statistics in linear time (numpy's percentile partitions too).
        let (_, lo_value, above) = y.select_nth_unstable_by(lo, f64::total_cmp);
        let lo_value = *lo_value;
        let hi_value = if pos > lo as f64 {
            above.iter().copied().fold(f64::INFINITY, f64::min)
        } else {
            lo_value
        };
        Ok(Constant {
            value: lo_value + (hi_value - lo_value) * (pos - lo as f64),
            n_features: data.n_features(),
        })
    }
}

impl Fitted for Constant {
    fn model_name(&self) -> &'static str {
        "test-quantile"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Regressor for Constant {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        Ok(Array1::from_elem(x.nrows(), self.value))
    }
}

pub fn standardize_spec() -> ModelSpec {
    ModelSpec::transformer::<StandardizeParams>("test-standardize", "test scaler")
}

pub fn centroid_spec() -> ModelSpec {
    ModelSpec::classifier::<CentroidParams>("test-centroid", "test classifier")
}

pub fn quantile_spec() -> ModelSpec {
    ModelSpec::regressor::<QuantileParams>("test-quantile", "test regressor")
}

/// The test models as a registry, for loading saved pipelines.
pub fn registry() -> Vec<ModelSpec> {
    vec![standardize_spec(), centroid_spec(), quantile_spec()]
}
