//! Model inspection: which features a model relies on, and how each prediction decomposes.
//!
//! - [`permutation`]: permutation importance $I_j = s - \frac1R\sum_r s^{(j,r)}$ (score drop when
//!   feature $j$ is shuffled) for any fitted model;
//! - [`treeshap`]: exact SHAP values $\phi$ of tree models with $\sum_j \phi_j = f(x) - \mathbb{E}f$.
//!
//! Impurity-based (MDI) importances live on the tree models themselves
//! (`feature_importances`), and the GBDT also reports gain, split-count and cover importances.
//!
//! ```
//! use breadth_classic::inspection::permutation::for_classifier;
//! use breadth_classic::tree::DecisionTreeClassifierParams;
//! use breadth_core::Fit;
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let m = DecisionTreeClassifierParams::default().max_depth(Some(2)).fit(&iris).unwrap();
//! let imp = for_classifier(&m, &iris, 2, 0).unwrap();
//! assert_eq!(imp.mean[0], 0.0); // sepal length is never tested
//! ```

pub mod permutation;
pub mod treeshap;
