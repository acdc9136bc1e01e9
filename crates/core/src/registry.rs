//! How a model makes itself known to the CLI, once.
//!
//! A model family implements [`Configurable`] on its hyper-parameter struct (parameters by name,
//! with their current values as defaults) and adds one line to its crate's list of
//! [`ModelSpec`]s, for example `ModelSpec::classifier::<DummyClassifierParams>("dummy-classifier",
//! "...")`. From then on `breadth fit`, `predict`, `compare` and `models` know it: fitting takes
//! `key=value` settings, the fitted model is driven through the object-safe [`DynModel`], and a
//! saved file is read back by the spec whose name the file's header carries.
//!
//! ```
//! use breadth_core::registry::{parse_param, ParamSpec};
//! assert_eq!(parse_param::<f64>("alpha", "0.5").unwrap(), 0.5);
//! assert!(parse_param::<usize>("n_estimators", "-3").unwrap_err().to_string().contains("n_estimators"));
//! ```

use std::fmt::Display;
use std::str::FromStr;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{de::DeserializeOwned, Serialize};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::estimator::{Classifier, Clusterer, Fit, Fitted, Regressor, Transformer};
use crate::model_file;

/// What a registered model does, which decides where the CLI offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Predicts class labels (and possibly probabilities).
    Classification,
    /// Predicts real values.
    Regression,
    /// Groups rows without a target.
    Clustering,
    /// Maps features to new features (scalers, PCA, ...).
    Transformation,
}

impl Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
            Task::Clustering => "clustering",
            Task::Transformation => "transformation",
        })
    }
}

/// One hyper-parameter as the CLI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Its name, as given to `--set name=value`.
    pub name: &'static str,
    /// Its default value, printed.
    pub default: String,
    /// One line on what it does and what values it takes.
    pub help: &'static str,
}

impl ParamSpec {
    /// A parameter with its default printed by `Display`.
    pub fn new(name: &'static str, default: impl Display, help: &'static str) -> Self {
        ParamSpec {
            name,
            default: default.to_string(),
            help,
        }
    }
}

/// Hyper-parameters settable by name (from `--set key=value`).
pub trait Configurable: Default {
    /// Every parameter with its *current* value as the default.
    fn param_specs(&self) -> Vec<ParamSpec>;
    /// Set one parameter from text. Returns `Ok(false)` when there is no parameter by that name.
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool>;
}

/// Parse a parameter value, naming the parameter on failure.
pub fn parse_param<T: FromStr>(name: &str, value: &str) -> Result<T>
where
    T::Err: Display,
{
    value
        .trim()
        .parse::<T>()
        .map_err(|e| Error::param(name, format!("cannot parse `{value}`: {e}")))
}

/// Build `P` from its defaults and `settings`, refusing names it does not have.
pub fn configure<P: Configurable>(model: &str, settings: &[(String, String)]) -> Result<P> {
    let mut params = P::default();
    for (k, v) in settings {
        if !params.set_param(k, v)? {
            let known: Vec<_> = params.param_specs().iter().map(|p| p.name).collect();
            return Err(Error::UnknownParameter {
                model: model.into(),
                name: k.clone(),
                known: known.join(", "),
            });
        }
    }
    Ok(params)
}

/// What a fitted model predicts, whatever its task.
#[derive(Debug, Clone, PartialEq)]
pub enum Predictions {
    /// Class labels indexing `names`.
    Classes {
        /// One label per row.
        labels: Array1<usize>,
        /// Class names.
        names: Vec<String>,
    },
    /// Real values.
    Values(Array1<f64>),
    /// Cluster ids (`-1` for noise).
    Clusters(Array1<i64>),
}

/// A fitted model behind one object-safe interface, for the CLI and for model selection.
pub trait DynModel: Send + Sync {
    /// The registered name.
    fn kind(&self) -> &'static str;
    /// What it does.
    fn task(&self) -> Task;
    /// Features expected at predict.
    fn n_features_in(&self) -> usize;
    /// Predict (classes, values or clusters) for each row.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Predictions>;
    /// Class probabilities where the model offers them.
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let _ = x;
        Err(Error::unsupported(self.kind(), "predict_proba"))
    }
    /// Transformed features where the model is a transformer.
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let _ = x;
        Err(Error::unsupported(self.kind(), "transform"))
    }
    /// Training-set cluster labels where the model is a clustering.
    fn cluster_labels(&self) -> Option<Array1<i64>> {
        None
    }
    /// The model as a model file.
    fn to_file_bytes(&self) -> Result<Vec<u8>>;
}

/// A registered model: its name, task, parameters, and how to fit and load it.
#[derive(Clone)]
pub struct ModelSpec {
    /// Name used on the command line (`dummy-classifier`).
    pub name: &'static str,
    /// One line on what it is.
    pub about: &'static str,
    /// What it does.
    pub task: Task,
    /// Its parameters with defaults.
    pub params: fn() -> Vec<ParamSpec>,
    /// Fit with `key=value` settings.
    pub fit: fn(&[(String, String)], &Dataset) -> Result<Box<dyn DynModel>>,
    /// Load a model-file body written by this model.
    pub load: fn(&[u8], &str) -> Result<Box<dyn DynModel>>,
}

impl std::fmt::Debug for ModelSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelSpec")
            .field("name", &self.name)
            .field("task", &self.task)
            .finish()
    }
}

/// Wraps a typed fitted model as a [`DynModel`].
struct Wrapped<M> {
    model: M,
    kind: &'static str,
}

macro_rules! dyn_common {
    ($task:expr) => {
        fn kind(&self) -> &'static str {
            self.kind
        }
        fn task(&self) -> Task {
            $task
        }
        fn n_features_in(&self) -> usize {
            self.model.n_features_in()
        }
        fn to_file_bytes(&self) -> Result<Vec<u8>> {
            model_file::to_bytes(self.kind, &self.model)
        }
    };
}

impl<M: Classifier + Serialize> DynModel for Wrapped<M> {
    dyn_common!(Task::Classification);
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Predictions> {
        Ok(Predictions::Classes {
            labels: self.model.predict(x)?,
            names: self.model.class_names().to_vec(),
        })
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.model.predict_proba(x)
    }
}

/// Wrapper for regressors (a distinct type so the blanket impls do not overlap).
struct WrappedRegressor<M> {
    model: M,
    kind: &'static str,
}

impl<M: Regressor + Serialize> DynModel for WrappedRegressor<M> {
    dyn_common!(Task::Regression);
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Predictions> {
        Ok(Predictions::Values(self.model.predict(x)?))
    }
}

/// Wrapper for clusterings.
struct WrappedClusterer<M> {
    model: M,
    kind: &'static str,
}

impl<M: Clusterer + Serialize> DynModel for WrappedClusterer<M> {
    dyn_common!(Task::Clustering);
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Predictions> {
        Ok(Predictions::Clusters(self.model.predict(x)?))
    }
    fn cluster_labels(&self) -> Option<Array1<i64>> {
        Some(self.model.labels().clone())
    }
}

/// Wrapper for transformers.
struct WrappedTransformer<M> {
    model: M,
    kind: &'static str,
}

impl<M: Transformer + Serialize> DynModel for WrappedTransformer<M> {
    dyn_common!(Task::Transformation);
    fn predict(&self, _x: ArrayView2<'_, f64>) -> Result<Predictions> {
        Err(Error::unsupported(
            self.kind,
            "predict (it is a transformer; use transform)",
        ))
    }
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.model.transform(x)
    }
}

macro_rules! spec_constructor {
    ($fn_name:ident, $bound:ident, $wrapper:ident, $task:expr, $doc:literal) => {
        #[doc = $doc]
        pub fn $fn_name<P>(name: &'static str, about: &'static str) -> ModelSpec
        where
            P: Fit + Configurable + 'static,
            P::Fitted: $bound + Serialize + DeserializeOwned + 'static,
        {
            fn params<P: Configurable>() -> Vec<ParamSpec> {
                P::default().param_specs()
            }
            ModelSpec {
                name,
                about,
                task: $task,
                params: params::<P>,
                fit: |settings, data| {
                    // `name` is not capturable in a fn pointer; the fitted model knows its own.
                    let params: P = configure(std::any::type_name::<P>(), settings)?;
                    let model = params.fit(data)?;
                    let kind = model.model_name();
                    Ok(Box::new($wrapper { model, kind }))
                },
                load: |body, source| {
                    let model: P::Fitted = model_file::decode_body(body, "model", source)?;
                    let kind = model.model_name();
                    Ok(Box::new($wrapper { model, kind }))
                },
            }
        }
    };
}

impl ModelSpec {
    spec_constructor!(
        classifier,
        Classifier,
        Wrapped,
        Task::Classification,
        "Register a classifier: `P` are its hyper-parameters, `P::Fitted` the fitted model."
    );
    spec_constructor!(
        regressor,
        Regressor,
        WrappedRegressor,
        Task::Regression,
        "Register a regressor."
    );
    spec_constructor!(
        clusterer,
        Clusterer,
        WrappedClusterer,
        Task::Clustering,
        "Register a clustering method."
    );
    spec_constructor!(
        transformer,
        Transformer,
        WrappedTransformer,
        Task::Transformation,
        "Register a transformer."
    );

    /// Fit with settings, naming this model in errors about unknown parameters.
    pub fn fit_with(
        &self,
        settings: &[(String, String)],
        data: &Dataset,
    ) -> Result<Box<dyn DynModel>> {
        (self.fit)(settings, data).map_err(|e| match e {
            Error::UnknownParameter { name, known, .. } => Error::UnknownParameter {
                model: self.name.into(),
                name,
                known,
            },
            other => other,
        })
    }

    /// True when `name` is one of this model's parameters.
    pub fn has_param(&self, name: &str) -> bool {
        (self.params)().iter().any(|p| p.name == name)
    }
}

/// Load any registered model from model-file bytes, dispatching on the header's kind.
pub fn load_any(specs: &[ModelSpec], bytes: &[u8], source: &str) -> Result<Box<dyn DynModel>> {
    let (header, body) = model_file::read_header(bytes, source)?;
    let spec = specs
        .iter()
        .find(|s| s.name == header.kind)
        .ok_or_else(|| Error::ModelFile {
            path: source.into(),
            reason: format!(
                "holds a `{}` model, which this build of breadth does not know",
                header.kind
            ),
        })?;
    (spec.load)(body, source)
}
