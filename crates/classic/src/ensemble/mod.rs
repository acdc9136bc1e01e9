//! Ensembles of trees: bagging, random forests, extra trees, AdaBoost and gradient boosting.
//!
//! Every ensemble here combines many fitted base models $h_t$ into one prediction: an average
//! $\frac1T\sum_t h_t(x)$ for forests and bagging ([`forest`], [`bagging`]), a weighted vote or
//! weighted median for AdaBoost ([`adaboost`]), a sum of shrunken steps
//! $F_0 + \nu \sum_m h_m(x)$ for gradient boosting ([`gradient_boosting`]). See each module for
//! the algorithm, its cost and its reference.
//!
//! ```
//! use breadth_classic::ensemble::forest::ExtraTreesClassifierParams;
//! use breadth_core::{Classifier, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let m = ExtraTreesClassifierParams::default().n_estimators(10).fit(&iris).unwrap();
//! assert_eq!(m.predict(iris.features()).unwrap().len(), 150);
//! ```

pub mod adaboost;
pub mod bagging;
pub mod forest;
pub mod gradient_boosting;
