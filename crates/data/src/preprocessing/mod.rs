//! Feature preprocessing: scaling, normalization, categorical encoding and polynomial expansion.
//!
//! Each transformer follows scikit-learn's definition to the last detail that changes a number
//! (constant features get scale 1, quantiles interpolate like `numpy.percentile`, polynomial
//! columns come in scikit-learn's order with its names). With $X \in \mathbb{R}^{n \times d}$:
//!
//! | transformer | output | cost |
//! |---|---|---|
//! | [`scalers::StandardScalerParams`] | $(x_{ij} - \mu_j) / \sigma_j$ | $O(nd)$ |
//! | [`scalers::MinMaxScalerParams`] | $x_{ij} s_j + m_j$ into a feature range | $O(nd)$ |
//! | [`scalers::RobustScalerParams`] | $(x_{ij} - \mathrm{median}_j) / \mathrm{IQR}_j$ | $O(nd \log n)$ |
//! | [`scalers::NormalizerParams`] | $x_i / \lVert x_i \rVert$ (l1, l2 or max) | $O(nd)$ |
//! | [`encoders::OneHotEncoderParams`] | one indicator column per category | $O(nd \log k)$ |
//! | [`encoders::OrdinalEncoderParams`] | the category's rank | $O(nd \log k)$ |
//! | [`polynomial::PolynomialFeaturesParams`] | all monomials up to a degree | $O(n \binom{d+p}{p})$ |
//!
//! Reference: Pedregosa et al., *Scikit-learn: Machine Learning in Python*, JMLR 12 (2011);
//! the `sklearn.preprocessing` module of scikit-learn 1.9.
//!
//! ```
//! use breadth_core::{Dataset, Fit, Transformer};
//! use breadth_data::preprocessing::scalers::StandardScalerParams;
//! use ndarray::array;
//! let ds = Dataset::new(array![[1.0, 5.0], [3.0, 5.0]]);
//! let scaler = StandardScalerParams::default().fit(&ds).unwrap();
//! // The constant column keeps scale 1 (scikit-learn's rule) and is only centred.
//! assert_eq!(scaler.transform(ds.features()).unwrap(), array![[-1.0, 0.0], [1.0, 0.0]]);
//! ```

pub mod encoders;
pub mod polynomial;
pub mod scalers;
pub(crate) mod stats;

use ndarray::{Array1, Array2, ArrayView2, Axis, Zip};
use rayon::prelude::*;

/// Rows per parallel task in element-wise maps: large enough to amortize scheduling, small
/// enough to balance; fixed so that results never depend on the thread count.
const ROW_CHUNK: usize = 4096;

/// Apply `f(column, value)` to every element of `x`, in parallel over blocks of rows.
pub(crate) fn map_elements(
    x: ArrayView2<'_, f64>,
    f: impl Fn(usize, f64) -> f64 + Sync,
) -> Array2<f64> {
    map_rows(
        x,
        x.ncols(),
        || (),
        |_, row, mut out| {
            for (j, (o, &v)) in out.iter_mut().zip(row.iter()).enumerate() {
                *o = f(j, v);
            }
        },
    )
}

/// A per-column affine map, in the operation order scikit-learn uses (so results agree to the
/// last bit where the arithmetic does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Affine {
    /// $(x_j - a_j) / b_j$: standardizing.
    SubDiv,
    /// $x_j b_j + a_j$: un-standardizing and min-max scaling.
    MulAdd,
}

/// Apply an [`Affine`] map with per-column `a` and `b`, then clamp into `clamp` if given.
pub(crate) fn affine(
    x: ArrayView2<'_, f64>,
    kind: Affine,
    a: &Array1<f64>,
    b: &Array1<f64>,
    clamp: Option<(f64, f64)>,
) -> Array2<f64> {
    map_rows(
        x,
        x.ncols(),
        || (),
        |_, row, mut out| {
            let z = Zip::from(&mut out).and(row).and(a).and(b);
            match kind {
                Affine::SubDiv => z.for_each(|o, &v, &a, &b| *o = (v - a) / b),
                Affine::MulAdd => z.for_each(|o, &v, &a, &b| *o = v * b + a),
            }
            if let Some((lo, hi)) = clamp {
                out.mapv_inplace(|v| v.clamp(lo, hi));
            }
        },
    )
}

/// Apply `f(scratch, input_row, output_row)` to every row, in parallel over blocks of rows;
/// `scratch` is made once per block by `init` (a reusable buffer).
pub(crate) fn map_rows<S>(
    x: ArrayView2<'_, f64>,
    n_out: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, ndarray::ArrayView1<'_, f64>, ndarray::ArrayViewMut1<'_, f64>) + Sync,
) -> Array2<f64> {
    let mut out = Array2::<f64>::zeros((x.nrows(), n_out));
    out.axis_chunks_iter_mut(Axis(0), ROW_CHUNK)
        .into_par_iter()
        .zip(x.axis_chunks_iter(Axis(0), ROW_CHUNK).into_par_iter())
        .for_each(|(mut o, xi)| {
            let mut scratch = init();
            for (orow, xrow) in o.outer_iter_mut().zip(xi.outer_iter()) {
                f(&mut scratch, xrow, orow);
            }
        });
    out
}

/// scikit-learn's `_handle_zeros_in_scale`: a scale below `10 eps` (or flagged constant) is 1,
/// so that constant features are left unscaled rather than blown up.
pub(crate) fn handle_zeros_in_scale(scale: &mut [f64], constant: Option<&[bool]>) {
    for (j, s) in scale.iter_mut().enumerate() {
        let is_constant = match constant {
            Some(mask) => mask[j],
            None => *s < 10.0 * f64::EPSILON,
        };
        if is_constant {
            *s = 1.0;
        }
    }
}

/// A float as Python's `repr` writes it (`1.0`, `2.5`, `1e-05`, `1e+16`), which is how
/// scikit-learn prints a category of float input in a feature name.
pub(crate) fn format_category(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v.fract() == 0.0 && v.abs() < 1e16 {
        return format!("{v:.1}");
    }
    // Both Rust and Python print the shortest digits that read back exactly; only the choice of
    // positional or scientific notation (Python: exponent < -4 or >= 16) and its layout differ.
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        format!("{v}")
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// Parse `lo,hi` (for ranges given as `--set feature_range=0,1`), naming the parameter on failure.
pub(crate) fn parse_pair(name: &str, value: &str) -> breadth_core::Result<(f64, f64)> {
    let parts: Vec<&str> = value.split(',').collect();
    match parts.as_slice() {
        [a, b] => Ok((
            breadth_core::registry::parse_param(name, a)?,
            breadth_core::registry::parse_param(name, b)?,
        )),
        _ => Err(breadth_core::Error::param(
            name,
            format!("expected two numbers `lo,hi`, got `{value}`"),
        )),
    }
}

/// Reading the reference fixtures of `reference/preprocessing.py` (scikit-learn 1.9.1) in tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use breadth_core::registry::{configure, Configurable};
    use breadth_core::{Dataset, Transformer};
    use ndarray::{Array1, Array2};
    use serde_json::Value;

    /// One case: parameters as `key=value` text, data, and scikit-learn's results.
    pub(crate) struct Case {
        pub params: Vec<(String, String)>,
        pub fit_x: Array2<f64>,
        pub fit_w: Option<Array1<f64>>,
        pub x: Array2<f64>,
        pub out: Array2<f64>,
        pub names: Vec<String>,
        pub inverse: Option<Array2<f64>>,
        pub attrs: serde_json::Map<String, Value>,
    }

    impl Case {
        /// The training data as a dataset (with weights when the case has them).
        pub fn dataset(&self) -> Dataset {
            let ds = Dataset::new(self.fit_x.clone());
            match &self.fit_w {
                Some(w) => ds.with_sample_weight(w.clone()).unwrap(),
                None => ds,
            }
        }
        /// The parameters the case describes.
        pub fn params<P: Configurable>(&self) -> P {
            configure(std::any::type_name::<P>(), &self.params)
                .unwrap_or_else(|e| panic!("fixture parameters {:?}: {e}", self.params))
        }
        /// A fitted attribute as a vector (`None` when scikit-learn has `None`).
        pub fn attr(&self, name: &str) -> Option<Array1<f64>> {
            match &self.attrs[name] {
                Value::Null => None,
                v => Some(vector(v)),
            }
        }
    }

    fn num(v: &Value) -> f64 {
        v.as_f64().unwrap_or(f64::NAN)
    }

    /// A JSON list as a vector, `null` read as NaN.
    pub(crate) fn vector(v: &Value) -> Array1<f64> {
        v.as_array().expect("a list").iter().map(num).collect()
    }

    /// A JSON list of rows as a matrix, `null` read as NaN.
    pub(crate) fn matrix(v: &Value) -> Array2<f64> {
        let rows = v.as_array().expect("a list of rows");
        let d = rows.first().and_then(|r| r.as_array()).map_or(0, Vec::len);
        let flat: Vec<f64> = rows
            .iter()
            .flat_map(|r| r.as_array().expect("a row").iter().map(num))
            .collect();
        Array2::from_shape_vec((rows.len(), d), flat).expect("rectangular")
    }

    /// The cases of `tests/fixtures/preprocessing/<name>.json`.
    pub(crate) fn load(name: &str) -> Vec<Case> {
        let path = format!(
            "{}/tests/fixtures/preprocessing/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let root: Value = serde_json::from_str(&text).expect("valid JSON");
        root["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| Case {
                params: c["params"]
                    .as_object()
                    .expect("params")
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().expect("text").to_string()))
                    .collect(),
                fit_x: matrix(&c["fit_x"]),
                fit_w: (!c["fit_w"].is_null()).then(|| vector(&c["fit_w"])),
                x: matrix(&c["x"]),
                out: matrix(&c["out"]),
                names: c["names"]
                    .as_array()
                    .expect("names")
                    .iter()
                    .map(|n| n.as_str().expect("name").to_string())
                    .collect(),
                inverse: (!c["inverse"].is_null()).then(|| matrix(&c["inverse"])),
                attrs: c["attrs"].as_object().cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// Fit each case of fixture `name`, compare the transform, the output names and (where the
    /// case has one) the inverse transform with scikit-learn's, then run `extra` on the model.
    pub(crate) fn check_cases<P>(name: &str, tol: f64, extra: impl Fn(&Case, &P::Fitted))
    where
        P: breadth_core::Fit + Configurable,
        P::Fitted: breadth_core::Transformer,
    {
        for (i, case) in load(name).iter().enumerate() {
            let what = format!("{name} case {i} {:?}", case.params);
            let model = case
                .params::<P>()
                .fit(&case.dataset())
                .unwrap_or_else(|e| panic!("{what}: fit failed: {e}"));
            let out = model
                .transform(case.x.view())
                .unwrap_or_else(|e| panic!("{what}: transform failed: {e}"));
            assert_close(&out, &case.out, tol, &what);
            let input_names: Vec<String> = (0..case.x.ncols()).map(|j| format!("x{j}")).collect();
            assert_eq!(
                model.output_names(&input_names),
                case.names,
                "{what}: names"
            );
            assert_eq!(
                model.n_features_out(),
                case.out.ncols(),
                "{what}: n_features_out"
            );
            if let Some(inv) = &case.inverse {
                let back = model
                    .inverse_transform(case.out.view())
                    .unwrap_or_else(|e| panic!("{what}: inverse failed: {e}"));
                assert_close(&back, inv, tol, &format!("{what} inverse"));
            }
            extra(case, &model);
        }
    }

    /// `|a - b| <= tol * max(1, |b|)` everywhere, NaN matching NaN; panics naming the place.
    pub(crate) fn assert_close<D: ndarray::Dimension>(
        got: &ndarray::Array<f64, D>,
        want: &ndarray::Array<f64, D>,
        tol: f64,
        what: &str,
    ) {
        assert_eq!(got.shape(), want.shape(), "{what}: shape");
        for ((idx, &g), &w) in got.indexed_iter().zip(want.iter()) {
            let ok = (g.is_nan() && w.is_nan()) || (g - w).abs() <= tol * w.abs().max(1.0);
            assert!(ok, "{what}: at {idx:?} got {g}, scikit-learn {w}");
        }
    }
}
