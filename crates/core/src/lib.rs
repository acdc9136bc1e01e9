//! # breadth-core
//!
//! The shared ground every breadth crate stands on:
//!
//! - [`Dataset`] and [`Target`]: a feature matrix $X \in \mathbb{R}^{n \times d}$ with feature
//!   names, an optional target (class labels with their names, or continuous values) and optional
//!   sample weights;
//! - the estimator traits ([`Fit`], [`Classifier`], [`Regressor`], [`Transformer`],
//!   [`Clusterer`]): hyper-parameters are a plain struct, `fit` validates them and returns a
//!   separate fitted type;
//! - [`Error`]: typed errors that name the parameter, column, line or shape at fault;
//! - [`rng`]: the one seeded random generator type, passed in explicitly;
//! - [`linalg`]: zero-copy views between `ndarray` and `faer`;
//! - [`memory`]: large zeroed buffers on transparent huge pages;
//! - [`model_file`]: versioned, checksummed model files written atomically;
//! - [`registry`]: how a model makes itself known to the CLI once (parameters by name, fit,
//!   predict, save and load through one object-safe interface);
//! - [`conformance`]: the checks every estimator in the project passes.
//!
//! ```
//! use breadth_core::{Dataset, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[1.0, 2.0], [3.0, 4.0]])
//!     .with_target(Target::classes(vec![0, 1], vec!["a".into(), "b".into()]).unwrap())
//!     .unwrap();
//! assert_eq!(ds.n_samples(), 2);
//! assert_eq!(ds.n_classes(), Some(2));
//! ```
#![deny(missing_docs)]

pub mod conformance;
pub mod dataset;
pub mod error;
pub mod estimator;
pub mod linalg;
pub mod memory;
pub mod model_file;
pub mod registry;
pub mod rng;
pub mod validate;

pub use dataset::{Dataset, Target};
pub use error::{Error, Result};
pub use estimator::{Classifier, Clusterer, Fit, Regressor, Transformer};
pub use rng::{seeded_rng, Rng};
