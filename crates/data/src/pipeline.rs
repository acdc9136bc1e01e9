//! Pipelines: transformers chained before a final model, fitted and saved as one model.
//!
//! A pipeline of steps $g_1, \dots, g_{m-1}$ (transformers) and $h$ (any model) is fitted in
//! order on the data it is given: $g_1$ on $X$, $g_2$ on $g_1(X)$, ..., $h$ on
//! $g_{m-1}(\cdots g_1(X))$ with the same target; it predicts $h(g_{m-1}(\cdots g_1(x)))$. Because
//! every statistic a step learns comes from the rows passed to `fit`, a pipeline inside
//! [`crate::model_selection::cross_validate`] or a search learns its scaling (or imputation, or
//! projection) from each training fold alone: nothing of the test fold leaks into the fit.
//!
//! Steps are registered models ([`ModelSpec`]) with their `key=value` settings, so a pipeline can
//! chain any models of any crate. [`Pipeline::fit_with`] accepts settings addressed to one step,
//! `STEP__PARAM=VALUE` where `STEP` is the step's model name or its position (as scikit-learn's
//! `step__param`), which is how a grid search tunes a step.
//!
//! The fitted pipeline, [`FittedPipeline`], is a [`DynModel`]: it predicts, gives probabilities,
//! transforms (when its last step does) and saves as one model file of kind `pipeline` whose body
//! holds each step's own model file. Loading needs the registry of every model that may appear in
//! it: [`load_model`] reads pipelines and plain models alike.
//!
//! Shapes: $X$ is $n \times d$; each step maps $n \times d_{i-1}$ to $n \times d_i$. Cost: the
//! sum of the steps' costs, plus one copy of the features per transformer.
//!
//! Reference: scikit-learn 1.9.1, `sklearn/pipeline.py`; T. Hastie, R. Tibshirani, J. Friedman,
//! *The Elements of Statistical Learning*, 2nd ed., §7.10.2 ("the wrong and right way to do
//! cross-validation").
//!
//! ```
//! use breadth_data::pipeline::route_settings;
//! let steps = ["scaler", "ridge"];
//! let routed = route_settings(&steps, &[("ridge__alpha".into(), "2".into())]).unwrap();
//! assert_eq!(routed[1], vec![("alpha".to_string(), "2".to_string())]);
//! assert!(route_settings(&steps, &[("lasso__alpha".into(), "2".into())]).is_err());
//! ```

use std::borrow::Cow;

use breadth_core::model_file;
use breadth_core::registry::{load_any, DynModel, ModelSpec, Predictions, Task};
use breadth_core::{Dataset, Error, Result};
use ndarray::{Array1, Array2, ArrayView2, CowArray, Ix2};
use serde::{Deserialize, Serialize};

/// The model kind written in a pipeline's model-file header.
pub const KIND: &str = "pipeline";

/// `key=value` settings.
pub type Settings = Vec<(String, String)>;

/// One step: a registered model and its settings.
#[derive(Debug, Clone)]
pub struct Step {
    /// The model.
    pub spec: ModelSpec,
    /// Its settings.
    pub settings: Settings,
}

/// Transformers followed by a final model, not yet fitted.
#[derive(Debug, Clone)]
pub struct Pipeline {
    steps: Vec<Step>,
}

/// Split `STEP__PARAM` settings into one list per step, `STEP` being a step's name or position.
pub fn route_settings(step_names: &[&str], settings: &[(String, String)]) -> Result<Vec<Settings>> {
    let mut routed = vec![Vec::new(); step_names.len()];
    for (key, value) in settings {
        let (step, param) = key.split_once("__").ok_or_else(|| {
            Error::param(
                key,
                "pipeline settings are addressed to a step as STEP__PARAM (STEP its model name or position)",
            )
        })?;
        let index = match step.parse::<usize>() {
            Ok(i) if i < step_names.len() => i,
            Ok(i) => {
                return Err(Error::param(
                    key,
                    format!(
                        "step {i} does not exist; the pipeline has {}",
                        step_names.len()
                    ),
                ))
            }
            Err(_) => {
                let matches: Vec<usize> = (0..step_names.len())
                    .filter(|&i| step_names[i] == step)
                    .collect();
                match matches.as_slice() {
                    [i] => *i,
                    [] => {
                        return Err(Error::param(
                            key,
                            format!("no step named `{step}`; steps: {}", step_names.join(", ")),
                        ))
                    }
                    _ => {
                        return Err(Error::param(
                            key,
                            format!("several steps are named `{step}`; address them by position"),
                        ))
                    }
                }
            }
        };
        routed[index].push((param.to_string(), value.clone()));
    }
    Ok(routed)
}

impl Pipeline {
    /// A pipeline of these steps: every step but the last must be a transformer.
    pub fn new(steps: Vec<(ModelSpec, Settings)>) -> Result<Self> {
        if steps.is_empty() {
            return Err(Error::param("steps", "a pipeline needs at least one step"));
        }
        let last = steps.len() - 1;
        if let Some((spec, _)) = steps[..last]
            .iter()
            .find(|(s, _)| s.task != Task::Transformation)
        {
            return Err(Error::param(
                "steps",
                format!(
                    "`{}` is a {} model, but every step before the last must be a transformer",
                    spec.name, spec.task
                ),
            ));
        }
        Ok(Pipeline {
            steps: steps
                .into_iter()
                .map(|(spec, settings)| Step { spec, settings })
                .collect(),
        })
    }

    /// The steps.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// What the pipeline does: its last step's task.
    pub fn task(&self) -> Task {
        self.steps[self.steps.len() - 1].spec.task
    }

    /// The steps' model names, in order.
    pub fn step_names(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.spec.name).collect()
    }

    /// Fit every step in order on `data`.
    pub fn fit(&self, data: &Dataset) -> Result<FittedPipeline> {
        self.fit_overridden(&vec![Vec::new(); self.steps.len()], data)
    }

    /// Fit with `STEP__PARAM` settings overriding the steps' own (for searches).
    pub fn fit_with(
        &self,
        settings: &[(String, String)],
        data: &Dataset,
    ) -> Result<Box<dyn DynModel>> {
        let routed = route_settings(&self.step_names(), settings)?;
        Ok(Box::new(self.fit_overridden(&routed, data)?))
    }

    fn fit_overridden(&self, overrides: &[Settings], data: &Dataset) -> Result<FittedPipeline> {
        let mut current = Cow::Borrowed(data);
        let mut fitted = Vec::with_capacity(self.steps.len());
        let last = self.steps.len() - 1;
        for (i, (step, extra)) in self.steps.iter().zip(overrides).enumerate() {
            // Later settings win in `configure`, so the overrides go after the step's own.
            let settings = [step.settings.as_slice(), extra.as_slice()].concat();
            let model = step.spec.fit_with(&settings, &current)?;
            if i < last {
                let out = model.transform(current.features())?;
                let names = (0..out.ncols())
                    .map(|j| format!("{}{j}", model.kind()))
                    .collect();
                current = Cow::Owned(current.with_features(out, names)?);
            }
            fitted.push(model);
        }
        Ok(FittedPipeline { steps: fitted })
    }
}

/// A fitted pipeline: fitted transformers and a fitted final model.
pub struct FittedPipeline {
    steps: Vec<Box<dyn DynModel>>,
}

impl std::fmt::Debug for FittedPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kinds: Vec<&str> = self.steps.iter().map(|s| s.kind()).collect();
        f.debug_struct("FittedPipeline")
            .field("steps", &kinds)
            .finish()
    }
}

/// The saved form: each step's complete model file (they are UTF-8 JSON text).
#[derive(Serialize, Deserialize)]
struct Body {
    steps: Vec<String>,
}

impl FittedPipeline {
    /// The fitted steps, in order.
    pub fn steps(&self) -> &[Box<dyn DynModel>] {
        &self.steps
    }

    fn last(&self) -> &dyn DynModel {
        self.steps[self.steps.len() - 1].as_ref()
    }

    /// `x` passed through every step but the last (borrowed when there is none).
    fn through<'a>(&self, x: ArrayView2<'a, f64>) -> Result<CowArray<'a, f64, Ix2>> {
        let mut current = CowArray::from(x);
        for step in &self.steps[..self.steps.len() - 1] {
            current = CowArray::from(step.transform(current.view())?);
        }
        Ok(current)
    }
}

impl DynModel for FittedPipeline {
    fn kind(&self) -> &'static str {
        KIND
    }
    fn task(&self) -> Task {
        self.last().task()
    }
    fn n_features_in(&self) -> usize {
        self.steps[0].n_features_in()
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Predictions> {
        self.last().predict(self.through(x)?.view())
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.last().predict_proba(self.through(x)?.view())
    }
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.last().transform(self.through(x)?.view())
    }
    fn cluster_labels(&self) -> Option<Array1<i64>> {
        self.last().cluster_labels()
    }
    fn to_file_bytes(&self) -> Result<Vec<u8>> {
        let steps = self
            .steps
            .iter()
            .map(|s| {
                String::from_utf8(s.to_file_bytes()?).map_err(|_| Error::ModelFile {
                    path: "<memory>".into(),
                    reason: format!("step `{}` wrote a model file that is not text", s.kind()),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        model_file::to_bytes(KIND, &Body { steps })
    }
}

/// Load a model file of any registered model or of a pipeline of them.
pub fn load_model(specs: &[ModelSpec], bytes: &[u8], source: &str) -> Result<Box<dyn DynModel>> {
    let (header, body) = model_file::read_header(bytes, source)?;
    if header.kind != KIND {
        return load_any(specs, bytes, source);
    }
    let body: Body = model_file::decode_body(body, KIND, source)?;
    let bad = |reason: String| Error::ModelFile {
        path: source.into(),
        reason,
    };
    if body.steps.is_empty() {
        return Err(bad("the pipeline has no step".into()));
    }
    let steps = body
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| load_model(specs, s.as_bytes(), &format!("{source} (step {i})")))
        .collect::<Result<Vec<_>>>()?;
    if let Some(s) = steps[..steps.len() - 1]
        .iter()
        .find(|s| s.task() != Task::Transformation)
    {
        return Err(bad(format!(
            "step `{}` is not a transformer but is not the last step",
            s.kind()
        )));
    }
    Ok(Box::new(FittedPipeline { steps }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_selection::cross_validate::{cross_validate, CvOptions};
    use crate::model_selection::search::{grid_search, parse_grid_arg, SearchOptions};
    use crate::model_selection::split::{KFold, StratifiedKFold};
    use crate::model_selection::test_models::{
        centroid_spec, quantile_spec, registry, standardize_spec, CV_FIXTURE,
    };
    use ndarray::Axis;
    use std::sync::Mutex;

    fn center_then_centroid() -> Pipeline {
        Pipeline::new(vec![
            (
                standardize_spec(),
                vec![("with_std".into(), "false".into())],
            ),
            (centroid_spec(), vec![]),
        ])
        .unwrap()
    }

    fn scale_then_centroid() -> Pipeline {
        Pipeline::new(vec![
            (standardize_spec(), vec![]),
            (centroid_spec(), vec![]),
        ])
        .unwrap()
    }

    #[test]
    fn transformer_statistics_come_from_the_training_fold_only() {
        let iris = crate::datasets::load("iris").unwrap();
        let pipe = center_then_centroid();
        let learned = Mutex::new(Vec::new());
        let fit = |d: &Dataset| {
            let fitted = pipe.fit(d)?;
            // Centering maps 0 to -mean: read back the mean the first step learned.
            let zero = Array2::zeros((1, d.n_features()));
            let mean = -fitted.steps()[0].transform(zero.view())?.row(0).to_owned();
            learned.lock().unwrap().push(mean);
            Ok(Box::new(fitted) as Box<dyn DynModel>)
        };
        let splitter = KFold::new(5).shuffled(2);
        cross_validate(&fit, &iris, &splitter, &CvOptions::default().sequential()).unwrap();
        let folds = splitter.folds(150).unwrap();
        let learned = learned.into_inner().unwrap();
        let whole = iris.features().mean_axis(Axis(0)).unwrap();
        for (fold, mean) in folds.iter().zip(&learned) {
            let train_mean = iris
                .select(&fold.train)
                .features()
                .mean_axis(Axis(0))
                .unwrap();
            assert!(
                (mean - &train_mean).iter().all(|d| d.abs() < 1e-12),
                "{mean} vs {train_mean}"
            );
            assert!(
                (mean - &whole).iter().any(|d| d.abs() > 1e-3),
                "the whole data's mean leaked"
            );
        }
    }

    #[test]
    fn scaled_nearest_centroid_equals_scikit_learn_pipeline() {
        #[derive(serde::Deserialize)]
        struct Acc {
            test_accuracy: Vec<f64>,
        }
        #[derive(serde::Deserialize)]
        struct Fx {
            wine_scaled_nearest_centroid: Acc,
        }
        let fx: Fx = serde_json::from_str(CV_FIXTURE).unwrap();
        let wine = crate::datasets::load("wine").unwrap();
        let pipe = scale_then_centroid();
        let fit = |d: &Dataset| pipe.fit_with(&[], d);
        let cv =
            cross_validate(&fit, &wine, &StratifiedKFold::new(5), &CvOptions::default()).unwrap();
        let ours = cv.test_scores("accuracy").unwrap();
        let theirs = fx.wine_scaled_nearest_centroid.test_accuracy;
        assert!(
            ours.iter().zip(&theirs).all(|(a, b)| (a - b).abs() < 1e-12),
            "{ours:?} vs {theirs:?}"
        );
    }

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn conformance_by_hand() {
        // The shared `conformance::check_*` need a typed `Fit` whose fitted type serializes
        // itself; a pipeline is built from registered models at run time, so the same checks are
        // written out here against its `DynModel` face.
        assert_send_sync::<FittedPipeline>();
        let wine = crate::datasets::load("wine").unwrap();
        let pipe = scale_then_centroid();
        let a = pipe.fit(&wine).unwrap();
        let b = pipe.fit(&wine).unwrap();
        let x = wine.features();
        assert_eq!(
            a.predict(x).unwrap(),
            b.predict(x).unwrap(),
            "deterministic"
        );
        assert_eq!(a.task(), Task::Classification);
        assert_eq!(a.n_features_in(), 13);

        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut poisoned = x.to_owned();
            poisoned[[5, 3]] = bad;
            let ds = wine
                .with_features(poisoned.clone(), wine.feature_names().to_vec())
                .unwrap();
            assert!(pipe.fit(&ds).is_err(), "fit accepted {bad}");
            assert!(
                a.predict(poisoned.view()).is_err(),
                "predict accepted {bad}"
            );
        }
        assert!(pipe.fit(&wine.select(&[])).is_err(), "fit accepted no rows");
        let wider = ndarray::concatenate![Axis(1), x, x.column(0).insert_axis(Axis(1))];
        assert!(
            a.predict(wider.view()).is_err(),
            "predict accepted 14 features"
        );

        let bytes = a.to_file_bytes().unwrap();
        let loaded = load_model(&registry(), &bytes, "<test>").unwrap();
        assert_eq!(loaded.kind(), KIND);
        assert_eq!(loaded.predict(x).unwrap(), a.predict(x).unwrap());
        assert_eq!(
            loaded.predict_proba(x).unwrap(),
            a.predict_proba(x).unwrap()
        );
        assert!(
            a.transform(x).is_err(),
            "a classifier pipeline does not transform"
        );
    }

    #[test]
    fn damaged_or_foreign_files_are_refused() {
        let wine = crate::datasets::load("wine").unwrap();
        let bytes = scale_then_centroid()
            .fit(&wine)
            .unwrap()
            .to_file_bytes()
            .unwrap();
        let mut corrupt = bytes.clone();
        let at = corrupt.len() / 2;
        corrupt[at] ^= 1;
        assert!(load_model(&registry(), &corrupt, "m").is_err());
        let without_centroid = vec![standardize_spec()];
        let err = load_model(&without_centroid, &bytes, "m")
            .err()
            .expect("an unknown step kind is refused")
            .to_string();
        assert!(
            err.contains("test-centroid") && err.contains("step 1"),
            "{err}"
        );
        // A classifier before the last step.
        let clf = centroid_spec()
            .fit_with(&[], &wine)
            .unwrap()
            .to_file_bytes()
            .unwrap();
        let text = String::from_utf8(clf).unwrap();
        let body = Body {
            steps: vec![text.clone(), text],
        };
        let forged = model_file::to_bytes(KIND, &body).unwrap();
        assert!(load_model(&registry(), &forged, "m").is_err());
        let empty = model_file::to_bytes(KIND, &Body { steps: vec![] }).unwrap();
        assert!(load_model(&registry(), &empty, "m").is_err());
        // Plain models load through the same entry point.
        let plain = standardize_spec()
            .fit_with(&[], &wine)
            .unwrap()
            .to_file_bytes()
            .unwrap();
        assert_eq!(
            load_model(&registry(), &plain, "m").unwrap().kind(),
            "test-standardize"
        );
    }

    #[test]
    fn a_transformer_pipeline_transforms_and_nests() {
        let wine = crate::datasets::load("wine").unwrap();
        let pipe = Pipeline::new(vec![
            (standardize_spec(), vec![]),
            (
                standardize_spec(),
                vec![("with_std".into(), "false".into())],
            ),
        ])
        .unwrap();
        let fitted = pipe.fit(&wine).unwrap();
        let z = fitted.transform(wine.features()).unwrap();
        // Standardized columns have mean 0 and std 1; centering them again changes nothing.
        let mean = z.mean_axis(Axis(0)).unwrap();
        assert!(mean.iter().all(|m| m.abs() < 1e-12));
        assert!(z
            .std_axis(Axis(0), 0.0)
            .iter()
            .all(|s| (s - 1.0).abs() < 1e-12));
        assert!(fitted.predict(wine.features()).is_err());
        let bytes = fitted.to_file_bytes().unwrap();
        let back = load_model(&registry(), &bytes, "m").unwrap();
        assert_eq!(back.transform(wine.features()).unwrap(), z);
    }

    #[test]
    fn grid_search_tunes_a_step() {
        let diabetes = crate::datasets::load("diabetes").unwrap();
        let pipe = Pipeline::new(vec![
            (standardize_spec(), vec![]),
            (quantile_spec(), vec![]),
        ])
        .unwrap();
        let fit = |s: &[(String, String)], d: &Dataset| pipe.fit_with(s, d);
        let grid = vec![
            parse_grid_arg("0__with_std=true,false").unwrap(),
            parse_grid_arg("test-quantile__quantile=0.2,0.5").unwrap(),
        ];
        let res = grid_search(
            &fit,
            &grid,
            &diabetes,
            &KFold::new(3),
            &SearchOptions::default(),
        )
        .unwrap();
        assert_eq!(res.candidates.len(), 4);
        assert_eq!(res.best_settings()[1].1, "0.5");
        assert_eq!(res.best_model.as_ref().unwrap().kind(), KIND);
        let bad = vec![parse_grid_arg("ridge__alpha=1").unwrap()];
        let err = grid_search(
            &fit,
            &bad,
            &diabetes,
            &KFold::new(3),
            &SearchOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no step named `ridge`"), "{err}");
    }

    #[test]
    fn construction_errors() {
        assert!(Pipeline::new(vec![]).is_err());
        let err = Pipeline::new(vec![
            (centroid_spec(), vec![]),
            (standardize_spec(), vec![]),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("must be a transformer"), "{err}");
        let twice = ["a", "a"];
        assert!(route_settings(&twice, &[("a__x".into(), "1".into())]).is_err());
        assert!(route_settings(&twice, &[("2__x".into(), "1".into())]).is_err());
        assert!(route_settings(&twice, &[("x".into(), "1".into())]).is_err());
        assert_eq!(
            route_settings(&twice, &[("1__x".into(), "1".into())]).unwrap()[1].len(),
            1
        );
    }
}
