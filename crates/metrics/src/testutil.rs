//! Reading the JSON fixtures written by `reference/metrics.py` (non-finite floats are strings).

use ndarray::{Array1, Array2};
use serde_json::Value;

/// Parse a fixture file's text.
pub fn load(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is valid JSON")
}

/// One float (`"NaN"`, `"Infinity"`, `"-Infinity"` allowed).
pub fn f(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => panic!("not a float: {other}"),
        },
        other => other
            .as_f64()
            .unwrap_or_else(|| panic!("not a float: {other}")),
    }
}

/// A vector of floats.
pub fn vf(v: &Value) -> Array1<f64> {
    v.as_array().expect("array").iter().map(f).collect()
}

/// A vector of labels.
pub fn vu(v: &Value) -> Array1<usize> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("label") as usize)
        .collect()
}

/// A vector of signed labels.
pub fn vi(v: &Value) -> Array1<i64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_i64().expect("label"))
        .collect()
}

/// A matrix of floats.
pub fn mf(v: &Value) -> Array2<f64> {
    let rows: Vec<Array1<f64>> = v.as_array().expect("array").iter().map(vf).collect();
    let (r, c) = (rows.len(), rows.first().map_or(0, |x| x.len()));
    Array2::from_shape_fn((r, c), |(i, j)| rows[i][j])
}

/// A 0/1 indicator matrix.
pub fn mu8(v: &Value) -> Array2<u8> {
    mf(v).mapv(|x| x as u8)
}

/// `|a - b| <= tol * max(1, |b|)`, NaN equal to NaN, infinities equal to themselves.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= tol * b.abs().max(1.0)
}

/// Assert element-wise closeness with a message naming the case.
pub fn assert_all_close<'a>(
    got: impl IntoIterator<Item = &'a f64>,
    want: impl IntoIterator<Item = &'a f64>,
    tol: f64,
    what: &str,
) {
    let got: Vec<f64> = got.into_iter().copied().collect();
    let want: Vec<f64> = want.into_iter().copied().collect();
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: lengths {} vs {}",
        got.len(),
        want.len()
    );
    for (i, (a, b)) in got.iter().zip(&want).enumerate() {
        assert!(close(*a, *b, tol), "{what}[{i}]: got {a}, want {b}");
    }
}
