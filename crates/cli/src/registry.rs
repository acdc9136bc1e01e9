//! Every model the `breadth` binary knows, gathered from the library crates' registries.

use breadth_core::registry::ModelSpec;
use breadth_core::{Error, Result};

/// All registered models, in the order the crates list them.
pub fn all_models() -> Vec<ModelSpec> {
    let mut models = breadth_data::registry::models();
    models.extend(breadth_classic::registry::models());
    models.extend(breadth_nn::registry::models());
    models
}

/// The model called `name`, or an error listing the known names.
pub fn find(name: &str) -> Result<ModelSpec> {
    let models = all_models();
    models
        .iter()
        .find(|m| m.name == name)
        .cloned()
        .ok_or_else(|| {
            let known: Vec<_> = models.iter().map(|m| m.name).collect();
            Error::param(
                "MODEL",
                format!("no model called `{name}`; known: {}", known.join(", ")),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::registry::{load_any, Task};

    /// Every registered model fits on data of its task, carries its registered name (which is
    /// how a model file finds its loader), and reloads to identical outputs.
    #[test]
    fn every_model_round_trips_under_its_registered_name() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        // Small non-negative integer counts suit every classifier, count-based naive Bayes too.
        let digits = breadth_data::datasets::load("digits")
            .unwrap()
            .select(&(0..300).collect::<Vec<_>>());
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        let models = all_models();
        let mut names: Vec<_> = models.iter().map(|m| m.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), models.len(), "duplicate registered names");
        for spec in &models {
            // Models have different needs (count data for naive Bayes, full-rank classes for
            // QDA): the first dataset of the task that the model accepts is used.
            let candidates = match spec.task {
                Task::Regression => vec![diabetes.clone()],
                Task::Classification => vec![iris.clone(), digits.clone()],
                Task::Clustering => {
                    vec![
                        iris.clone().without_target(),
                        digits.clone().without_target(),
                    ]
                }
                // Supervised selectors need a target: unlabelled data first, then labelled.
                Task::Transformation => {
                    vec![
                        iris.clone().without_target(),
                        digits.clone().without_target(),
                        iris.clone(),
                        diabetes.clone(),
                    ]
                }
            };
            let mut errors = Vec::new();
            let fitted = candidates
                .into_iter()
                .find_map(|data| match spec.fit_with(&[], &data) {
                    Ok(model) => Some((model, data)),
                    Err(e) => {
                        errors.push(e.to_string());
                        None
                    }
                });
            let (model, data) = fitted.unwrap_or_else(|| panic!("{}: {errors:?}", spec.name));
            assert_eq!(
                model.kind(),
                spec.name,
                "fitted model's name differs from its registration"
            );
            let back = load_any(&models, &model.to_file_bytes().unwrap(), "<memory>").unwrap();
            let x = data.features();
            match spec.task {
                Task::Transformation => {
                    assert_eq!(model.transform(x).unwrap(), back.transform(x).unwrap())
                }
                Task::Clustering => assert_eq!(model.cluster_labels(), back.cluster_labels()),
                _ => assert_eq!(
                    model.predict(x).unwrap(),
                    back.predict(x).unwrap(),
                    "{}",
                    spec.name
                ),
            }
        }
    }
}
