//! The estimator traits.
//!
//! The shape follows linfa and scikit-learn: hyper-parameters are a plain struct with defaults and
//! builder setters; [`Fit::fit`] validates them, learns from a [`Dataset`] and returns a *separate*
//! fitted type. Fitted types implement the role traits below ([`Classifier`], [`Regressor`],
//! [`Transformer`], [`Clusterer`]), all of which extend [`Fitted`] so that every fitted model can
//! name itself and say how many features it expects.
//!
//! ```
//! use breadth_core::{Dataset, Fit, Regressor, Result, estimator::Fitted};
//! use ndarray::{array, Array1, ArrayView2};
//!
//! /// Predicts the mean of the training target.
//! struct MeanParams;
//! struct MeanModel { mean: f64, n_features: usize }
//! impl Fitted for MeanModel {
//!     fn model_name(&self) -> &'static str { "mean" }
//!     fn n_features_in(&self) -> usize { self.n_features }
//! }
//! impl Regressor for MeanModel {
//!     fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
//!         breadth_core::validate::check_predict_input(self, x)?;
//!         Ok(Array1::from_elem(x.nrows(), self.mean))
//!     }
//! }
//! impl Fit for MeanParams {
//!     type Fitted = MeanModel;
//!     fn fit(&self, data: &Dataset) -> Result<MeanModel> {
//!         let y = data.continuous_target("mean")?;
//!         Ok(MeanModel { mean: y.mean().unwrap_or(0.0), n_features: data.n_features() })
//!     }
//! }
//! let ds = Dataset::new(array![[0.0], [1.0]])
//!     .with_target(breadth_core::Target::Continuous(array![1.0, 3.0])).unwrap();
//! let model = MeanParams.fit(&ds).unwrap();
//! assert_eq!(model.predict(array![[5.0]].view()).unwrap()[0], 2.0);
//! assert!(model.predict(array![[5.0, 6.0]].view()).is_err());
//! ```

use ndarray::{Array1, Array2, ArrayView2};

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Hyper-parameters that can learn from data.
pub trait Fit {
    /// The fitted model this produces.
    type Fitted;
    /// Validate the hyper-parameters, learn from `data` and return the fitted model.
    fn fit(&self, data: &Dataset) -> Result<Self::Fitted>;
}

/// What every fitted model can say about itself.
pub trait Fitted: Send + Sync {
    /// The registered name of the model (`logistic-regression`).
    fn model_name(&self) -> &'static str;
    /// Number of features seen at fit; inputs at predict must have as many.
    fn n_features_in(&self) -> usize;
}

/// A fitted model that predicts class labels.
pub trait Classifier: Fitted {
    /// The class names, indexed by the labels `predict` returns.
    fn class_names(&self) -> &[String];
    /// One label per row of `x`, indexing [`Classifier::class_names`].
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>>;
    /// Class probabilities, `n_samples x n_classes`, rows summing to one.
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let _ = x;
        Err(Error::unsupported(self.model_name(), "predict_proba"))
    }
    /// Confidence scores, `n_samples x n_classes` (or `n_samples x 1` for a binary problem).
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let _ = x;
        Err(Error::unsupported(self.model_name(), "decision_function"))
    }
}

/// A fitted model that predicts real values.
pub trait Regressor: Fitted {
    /// One value per row of `x`.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>>;
}

/// A fitted model that maps features to new features.
pub trait Transformer: Fitted {
    /// The transformed features, one row per row of `x`.
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>>;
    /// Map transformed features back, where the transformation allows it.
    fn inverse_transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let _ = x;
        Err(Error::unsupported(self.model_name(), "inverse_transform"))
    }
    /// Names of the output columns given the input names.
    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        let _ = input_names;
        let n_out = self.n_features_out();
        (0..n_out)
            .map(|j| format!("{}{j}", self.model_name()))
            .collect()
    }
    /// Number of output columns.
    fn n_features_out(&self) -> usize;
}

/// A fitted clustering: labels of the training rows and, where the method allows, of new rows.
pub trait Clusterer: Fitted {
    /// The cluster of each training row; `-1` marks noise (DBSCAN).
    fn labels(&self) -> &Array1<i64>;
    /// Assign new rows to clusters, where the method allows it.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<i64>> {
        let _ = x;
        Err(Error::unsupported(self.model_name(), "predict on new data"))
    }
}

/// `fit` followed by `transform` of the same data.
pub trait FitTransform: Fit
where
    Self::Fitted: Transformer,
{
    /// Fit on `data` and return the model with the transformed features.
    fn fit_transform(&self, data: &Dataset) -> Result<(Self::Fitted, Array2<f64>)> {
        let model = self.fit(data)?;
        let out = model.transform(data.features())?;
        Ok((model, out))
    }
}

impl<T: Fit> FitTransform for T where T::Fitted: Transformer {}
