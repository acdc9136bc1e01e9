//! Support vector machines: kernel SVC and SVR trained by SMO (as libsvm), and LinearSVC by dual
//! coordinate descent (as liblinear).
//!
//! The kernel machines solve the dual
//! $$\min_\alpha \tfrac12 \alpha^\top Q\alpha + p^\top\alpha \quad\text{s.t.}\quad y^\top\alpha = 0,\
//! 0 \le \alpha_i \le C_i,$$ with $Q_{ij} = y_i y_j K(x_i, x_j)$ and $y_i = \pm1$, and predict
//! $f(x) = \sum_i \alpha_i y_i K(x_i, x) - \rho$. Kernels ([`kernel::Kernel`]): linear
//! $x^\top z$, polynomial $(\gamma x^\top z + c_0)^{p}$, RBF $e^{-\gamma\lVert x - z\rVert^2}$,
//! sigmoid $\tanh(\gamma x^\top z + c_0)$.
//!
//! - [`smo`]: the solver: second-order working-set selection, shrinking, an LRU kernel cache;
//! - [`svc`]: `SVC` (one-vs-one, optional Platt probabilities) and `SVR` ($\epsilon$-insensitive);
//! - [`linear_svc`]: `LinearSVC` with the hinge or squared hinge loss, one-vs-rest.
//!
//! Reference: C.-C. Chang, C.-J. Lin, *LIBSVM: A library for support vector machines*, ACM TIST
//! 2(3), 2011; R.-E. Fan, P.-H. Chen, C.-J. Lin, *Working set selection using second order
//! information*, JMLR 6, 2005; C.-J. Hsieh et al., *A dual coordinate descent method for
//! large-scale linear SVM*, ICML 2008.
//!
//! ```
//! use breadth_classic::svm::svc::SvcParams;
//! use breadth_core::{Classifier, Dataset, Fit, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0, 0.0], [0.0, 1.0], [3.0, 3.0], [3.0, 4.0]])
//!     .with_target(Target::classes(vec![0, 0, 1, 1], vec!["a".into(), "b".into()]).unwrap()).unwrap();
//! let m = SvcParams::default().fit(&ds).unwrap();
//! assert_eq!(m.predict(array![[0.0, 0.5], [3.0, 3.5]].view()).unwrap().to_vec(), vec![0, 1]);
//! ```

pub mod kernel;
pub mod linear_svc;
pub mod smo;
pub mod svc;
