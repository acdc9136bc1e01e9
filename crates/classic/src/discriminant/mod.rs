//! Discriminant analysis: Gaussian class-conditional models with a shared covariance (LDA,
//! linear boundaries, also a supervised projection) or one covariance per class (QDA,
//! quadratic boundaries).
//!
//! Both classify by the log posterior
//! $\delta_k(x) = -\frac12 (x-\mu_k)^\top\Sigma_k^{-1}(x-\mu_k) - \frac12\log\lvert\Sigma_k\rvert +
//! \log\pi_k$ (class means $\mu_k$, priors $\pi_k$); with $\Sigma_k = \Sigma$ the quadratic terms
//! cancel and $\delta_k$ is affine in $x$.
//!
//! - [`lda`]: `LinearDiscriminantAnalysis`, SVD and eigen solvers, shrinkage (fixed or
//!   Ledoit-Wolf), `transform` onto at most $K-1$ discriminant directions;
//! - [`qda`]: `QuadraticDiscriminantAnalysis` with covariance regularization.
//!
//! Reference: T. Hastie, R. Tibshirani, J. Friedman, *The Elements of Statistical Learning*,
//! 2nd ed., §4.3.
//!
//! ```
//! use breadth_classic::discriminant::qda::QdaParams;
//! use breadth_core::{Classifier, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let m = QdaParams::default().fit(&iris).unwrap();
//! let acc = m.predict(iris.features()).unwrap().iter()
//!     .zip(iris.class_target("qda").unwrap().0).filter(|(p, y)| p == y).count();
//! assert!(acc >= 145);
//! ```

pub mod lda;
pub mod qda;

use breadth_core::Result;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

/// Class counts, means (`K x d`) and row groups.
pub(crate) struct ClassStats {
    pub groups: Vec<Vec<usize>>,
    pub means: Array2<f64>,
    pub priors: Array1<f64>,
}

/// Means and empirical priors; every class needs at least two samples.
pub(crate) fn class_stats(
    x: ArrayView2<'_, f64>,
    labels: ArrayView1<'_, usize>,
    k: usize,
    model: &str,
) -> Result<ClassStats> {
    let mut groups = vec![Vec::new(); k];
    labels
        .iter()
        .enumerate()
        .for_each(|(i, &l)| groups[l].push(i));
    if let Some(c) = groups.iter().position(|g| g.len() < 2) {
        return Err(breadth_core::Error::param(
            "target",
            format!(
                "{model} needs at least two samples of every class; class {c} has {}",
                groups[c].len()
            ),
        ));
    }
    let means = Array2::from_shape_fn((k, x.ncols()), |(c, j)| {
        groups[c].iter().map(|&i| x[[i, j]]).sum::<f64>() / groups[c].len() as f64
    });
    let n = labels.len() as f64;
    let priors = groups.iter().map(|g| g.len() as f64 / n).collect();
    Ok(ClassStats {
        groups,
        means,
        priors,
    })
}

/// Row-wise softmax of log posteriors.
pub(crate) fn softmax_rows(mut scores: Array2<f64>) -> Array2<f64> {
    for mut row in scores.axis_iter_mut(Axis(0)) {
        let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        row.mapv_inplace(|v| (v - m).exp());
        let s = row.sum();
        row /= s;
    }
    scores
}
