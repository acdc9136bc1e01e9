//! Model selection: splitting rows ([`split`]), scoring a model by cross-validation
//! ([`cross_validate`]) and searching its hyper-parameters ([`search`]).
//!
//! Models enter as fit functions over a [`Dataset`] returning a
//! [`breadth_core::registry::DynModel`], so any registered [`breadth_core::registry::ModelSpec`]
//! with its `key=value` settings, or a [`crate::pipeline::Pipeline`], can be cross-validated and
//! searched; a typed estimator `P` takes part through `ModelSpec::classifier::<P>(..)` (or the
//! regressor, transformer and clusterer constructors).
//!
//! The estimate: with folds $T_1, \dots, T_k$ and a model $\hat f_{-j}$ fitted without $T_j$, the
//! cross-validated score of metric $s$ is $\frac{1}{k} \sum_j s(y_{T_j}, \hat f_{-j}(X_{T_j}))$,
//! reported with its spread over folds (Hastie, Tibshirani, Friedman, *The Elements of Statistical
//! Learning*, 2nd ed., §7.10).
//!
//! ```
//! use breadth_data::model_selection::split::{KFold, Splitter};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let folds = KFold::new(5).split(&iris).unwrap();
//! assert_eq!(folds.len(), 5);
//! assert!(folds.iter().all(|f| f.test.len() == 30));
//! ```
//!
//! [`Dataset`]: breadth_core::Dataset

pub mod cross_validate;
pub mod search;
pub mod split;

#[cfg(test)]
pub(crate) mod test_models;
