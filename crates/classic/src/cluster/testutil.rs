//! Helpers shared by the unsupervised tests: fixture loading and the adjusted Rand index.

use std::collections::HashMap;

use ndarray::{Array1, Array2};
use serde_json::Value;

/// A fixture written by `reference/unsupervised.py`.
pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/unsupervised/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists")).unwrap()
}

/// A JSON list of lists as a matrix.
pub fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    let d = rows.first().map_or(0, Vec::len);
    Array2::from_shape_vec((rows.len(), d), rows.concat()).unwrap()
}

/// A JSON list as a vector.
pub fn vector(v: &Value) -> Array1<f64> {
    Array1::from(serde_json::from_value::<Vec<f64>>(v.clone()).unwrap())
}

/// Adjusted Rand index between two labelings (Hubert & Arabie 1985).
pub fn adjusted_rand(a: &[i64], b: &[i64]) -> f64 {
    let comb2 = |n: f64| n * (n - 1.0) / 2.0;
    let mut joint: HashMap<(i64, i64), f64> = HashMap::new();
    let mut ra: HashMap<i64, f64> = HashMap::new();
    let mut rb: HashMap<i64, f64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_default() += 1.0;
        *ra.entry(x).or_default() += 1.0;
        *rb.entry(y).or_default() += 1.0;
    }
    let index: f64 = joint.values().map(|&v| comb2(v)).sum();
    let sa: f64 = ra.values().map(|&v| comb2(v)).sum();
    let sb: f64 = rb.values().map(|&v| comb2(v)).sum();
    let expected = sa * sb / comb2(a.len() as f64);
    let max = 0.5 * (sa + sb);
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

#[test]
fn adjusted_rand_known_values() {
    // sklearn.metrics.adjusted_rand_score([0,0,1,1],[1,1,0,0]) == 1.0, ([0,0,1,2],[0,0,1,1]) == 0.5714285714285715
    assert_eq!(adjusted_rand(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
    assert!((adjusted_rand(&[0, 0, 1, 2], &[0, 0, 1, 1]) - 0.5714285714285715).abs() < 1e-12);
}
