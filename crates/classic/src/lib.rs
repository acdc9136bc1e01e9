//! # breadth-classic
//!
//! Classic machine learning, one module per algorithm family. Every model registers itself once
//! in [`registry::models`], which makes it usable from `breadth fit`, `predict` and `compare`.
//!
//! ```
//! use breadth_classic::dummy::DummyClassifierParams;
//! use breadth_core::{Classifier, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let model = DummyClassifierParams::default().fit(&iris).unwrap();
//! assert_eq!(model.predict(iris.features()).unwrap()[0], 0);
//! ```
#![deny(missing_docs)]

pub mod bayes;
pub mod cluster;
pub mod decomposition;
pub mod discriminant;
pub mod drift;
pub mod dummy;
pub mod ensemble;
pub mod estimation;
pub mod feature_selection;
pub mod gbdt;
pub mod hmm;
pub mod inspection;
pub mod linear;
pub mod neighbors;
pub mod optim;
pub mod outlier;
pub mod registry;
pub mod semi_supervised;
pub mod svm;
pub mod text;
pub mod tree;
