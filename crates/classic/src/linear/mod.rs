//! Linear models: least squares, ridge, lasso and elastic net, logistic regression, SGD, the
//! perceptron and Huber regression.
//!
//! All of them predict through an affine map $f(x) = W x + b$ with $W \in \mathbb{R}^{m\times d}$
//! ($m$ targets or class scores, $d$ features) and $b \in \mathbb{R}^m$, held by [`LinearCoef`].
//! Regressors that allow it fit the intercept by *weighted centering*: with sample weights
//! $s_i$, $\bar x = \sum_i s_i x_i / \sum_i s_i$ (likewise $\bar y$), the slope is fitted on
//! $\sqrt{s_i}(x_i - \bar x)$, $\sqrt{s_i}(y_i - \bar y)$ and $b = \bar y - W\bar x$, which is
//! exactly the weighted least-squares intercept (scikit-learn's `_preprocess_data` +
//! `_rescale_data`). Centering costs $O(nd)$; prediction $O(ndm)$ through faer's GEMM.
//!
//! Reference: T. Hastie, R. Tibshirani, J. Friedman, *The Elements of Statistical Learning*,
//! 2nd ed., ch. 3 and 4.
//!
//! ```
//! use breadth_classic::linear::ols::LinearRegressionParams;
//! use breadth_core::{Dataset, Fit, Regressor, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0], [1.0], [2.0]])
//!     .with_target(Target::Continuous(array![1.0, 3.0, 5.0])).unwrap();
//! let m = LinearRegressionParams::default().fit(&ds).unwrap();
//! assert!((m.predict(array![[10.0]].view()).unwrap()[0] - 21.0).abs() < 1e-10);
//! ```

pub mod coordinate_descent;
pub mod huber;
pub mod logistic;
pub mod ols;
pub mod ridge;
pub mod sgd;

use breadth_core::linalg::{as_faer, as_faer_mut};
use breadth_core::validate::check_finite;
use breadth_core::{Dataset, Error, Result, Target};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, ShapeBuilder, Zip};
use serde::{Deserialize, Serialize};

/// Coefficients $W$ ($m \times d$) and intercepts $b$ ($m$) of an affine map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearCoef {
    /// One row per target (or class score), one column per feature.
    pub coef: Array2<f64>,
    /// One intercept per target.
    pub intercept: Array1<f64>,
}

impl LinearCoef {
    /// $X W^\top + b$, `n x m`.
    pub fn decision(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = matmul_t(x, self.coef.view());
        out.axis_iter_mut(Axis(0))
            .for_each(|mut row| row += &self.intercept);
        out
    }

    /// The intercepts that undo centering: $b = \bar y - W \bar x$ (or zeros without intercept).
    pub(crate) fn from_centered(coef: Array2<f64>, prep: &Centered) -> Self {
        let intercept = &prep.y_offset - &coef.dot(&prep.x_offset);
        LinearCoef { coef, intercept }
    }
}

/// `lhs * rhs` through faer's GEMM into a row-major (standard layout) array, so callers can
/// walk rows as slices.
fn gemm(lhs: faer::MatRef<'_, f64>, rhs: faer::MatRef<'_, f64>) -> Array2<f64> {
    let mut out = Array2::zeros((lhs.nrows(), rhs.ncols()));
    faer::linalg::matmul::matmul(
        as_faer_mut(out.view_mut()),
        faer::Accum::Replace,
        lhs,
        rhs,
        1.0,
        faer::get_global_parallelism(),
    );
    out
}

/// $A B^\top$ through faer's GEMM (row-major result).
pub(crate) fn matmul_t(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Array2<f64> {
    gemm(as_faer(a), as_faer(b).transpose())
}

/// $A^\top B$ through faer's GEMM (row-major result).
pub(crate) fn t_matmul(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Array2<f64> {
    gemm(as_faer(a).transpose(), as_faer(b))
}

/// The Gram matrix $X^\top X$ (`d x d`, symmetric, row-major) by faer's triangular GEMM: only
/// the lower half is multiplied ($nd^2$ flops instead of $2nd^2$) and then mirrored.
pub(crate) fn gram(x: ArrayView2<'_, f64>) -> Array2<f64> {
    let d = x.ncols();
    let mut g = faer::Mat::<f64>::zeros(d, d);
    let fx = as_faer(x);
    faer::linalg::matmul::triangular::matmul(
        g.as_mut(),
        faer::linalg::matmul::triangular::BlockStructure::TriangularLower,
        faer::Accum::Replace,
        fx.transpose(),
        faer::linalg::matmul::triangular::BlockStructure::Rectangular,
        fx,
        faer::linalg::matmul::triangular::BlockStructure::Rectangular,
        1.0,
        faer::get_global_parallelism(),
    );
    Array2::from_shape_fn((d, d), |(i, j)| if i >= j { g[(i, j)] } else { g[(j, i)] })
}

/// The regression target as an `n x m` matrix (one column for a continuous target), finite.
pub(crate) fn regression_targets(data: &Dataset, model: &str) -> Result<Array2<f64>> {
    match data.target() {
        Some(Target::Continuous(y)) => Ok(y.clone().insert_axis(Axis(1))),
        Some(Target::MultiOutput { values, .. }) => {
            check_finite(values.view(), "training targets")?;
            Ok(values.clone())
        }
        _ => data
            .continuous_target(model)
            .map(|y| y.to_owned().insert_axis(Axis(1))),
    }
}

/// Training data after weighted centering and $\sqrt{s}$ row scaling.
#[derive(Debug, Clone)]
pub(crate) struct Centered {
    pub x: Array2<f64>,
    pub y: Array2<f64>,
    pub x_offset: Array1<f64>,
    pub y_offset: Array1<f64>,
}

/// Center (when `fit_intercept`) with weights and scale rows by $\sqrt{s_i}$.
pub(crate) fn center(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
) -> Centered {
    center_in(x, y, weights, fit_intercept, false)
}

/// As [`center`], with the centered design in column-major order so that column-wise solvers
/// (coordinate descent) read contiguous columns without another transposed copy.
pub(crate) fn center_columns(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
) -> Centered {
    center_in(x, y, weights, fit_intercept, true)
}

fn center_in(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    weights: Option<ArrayView1<'_, f64>>,
    fit_intercept: bool,
    column_major: bool,
) -> Centered {
    let (n, d) = x.dim();
    let w = weights.map_or_else(|| Array1::ones(n), |w| w.to_owned());
    let total = w.sum();
    let (x_offset, y_offset) = if fit_intercept {
        (w.dot(&x) / total, w.dot(&y) / total)
    } else {
        (Array1::zeros(d), Array1::zeros(y.ncols()))
    };
    let mut xc = if column_major {
        Array2::zeros((n, d).f())
    } else {
        Array2::zeros((n, d))
    };
    Zip::from(&mut xc)
        .and(&x)
        .and_broadcast(&x_offset)
        .for_each(|c, &v, &m| *c = v - m);
    let mut yc = &y - &y_offset;
    if weights.is_some() {
        let sw = w.mapv(f64::sqrt).insert_axis(Axis(1));
        xc *= &sw;
        yc *= &sw;
    }
    Centered {
        x: xc,
        y: yc,
        x_offset,
        y_offset,
    }
}

/// The single column of a one-target model's output, or an error pointing to the multi-target
/// method.
pub(crate) fn single_output(model: &str, out: Array2<f64>) -> Result<Array1<f64>> {
    if out.ncols() != 1 {
        return Err(Error::unsupported(
            model,
            format!(
                "predict on a {}-target model (use predict_multi)",
                out.ncols()
            ),
        ));
    }
    Ok(out.column(0).to_owned())
}

/// Parse `true`/`false` parameters.
pub(crate) fn parse_bool(name: &str, value: &str) -> Result<bool> {
    breadth_core::registry::parse_param(name, value)
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Fixture loading and data preparation shared by the linear-family tests.
    use breadth_core::{Dataset, Target};
    use ndarray::{Array1, Array2};

    /// A fixture of `reference/linear.py` (scikit-learn 1.9.1).
    pub fn fixture(name: &str) -> serde_json::Value {
        let path = format!(
            "{}/tests/fixtures/linear/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists"))
            .expect("fixture is JSON")
    }

    pub fn vec1(v: &serde_json::Value) -> Array1<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    }

    pub fn mat(v: &serde_json::Value) -> Array2<f64> {
        let rows: Vec<Array1<f64>> = v.as_array().expect("array").iter().map(vec1).collect();
        let d = rows[0].len();
        Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[i][j])
    }

    /// (x - mean) / std with the population std, as `reference/linear.py`'s `std`.
    pub fn standardize(x: &Array2<f64>) -> Array2<f64> {
        let mean = x.mean_axis(ndarray::Axis(0)).unwrap();
        let sd = x.std_axis(ndarray::Axis(0), 0.0);
        (x - &mean) / &sd
    }

    pub fn load(name: &str) -> Dataset {
        breadth_data::datasets::load(name).unwrap()
    }

    /// A builtin dataset with standardized features.
    pub fn load_std(name: &str) -> Dataset {
        let ds = load(name);
        let x = standardize(&ds.features().to_owned());
        ds.with_features(x, ds.feature_names().to_vec()).unwrap()
    }

    pub fn regression(x: Array2<f64>, y: Array1<f64>) -> Dataset {
        Dataset::new(x).with_target(Target::Continuous(y)).unwrap()
    }

    /// Every entry of `a` within `rtol * max(|b|, 1)`-ish of `b` (relative to the larger of
    /// `|b|` and `scale`).
    pub fn assert_close(a: &[f64], b: &[f64], rtol: f64, what: &str) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= rtol * scale,
                "{what}[{i}]: ours {x} vs reference {y} (rtol {rtol}, scale {scale})"
            );
        }
    }
}
