//! Exact SHAP values of tree models by path-dependent TreeSHAP (Lundberg, Erion & Lee,
//! *Consistent individualized feature attribution for tree ensembles*, 2018, Algorithm 2).
//!
//! For a model $f$, features $F$ ($|F| = M$) and a row $x$, the Shapley value of feature $i$ is
//! $\phi_i = \sum_{S \subseteq F \setminus \{i\}} \frac{|S|!\,(M - |S| - 1)!}{M!}
//! \left(f_x(S \cup \{i\}) - f_x(S)\right)$ where $f_x(S)$ is the expectation of the tree's output
//! given $x_S$, taken along the tree: a split on a feature in $S$ follows $x$, any other split
//! averages its children weighted by their training cover (sample weight, or hessian for the
//! GBDT). The values add up exactly: $\sum_i \phi_i = f(x) - \mathbb{E}[f]$ with
//! $\mathbb{E}[f] = f_x(\emptyset)$. TreeSHAP computes all $\phi$ in $O(L D^2)$ per tree and row
//! ($L$ leaves, $D$ depth) by carrying, down each root-to-leaf path, the proportions of subsets
//! that go through it. For an ensemble the values of its trees add (scaled as the model combines
//! them). [`brute_force_shap`] is the $O(2^M)$ enumeration kept as the slow reference.
//!
//! ```
//! use breadth_classic::tree::DecisionTreeRegressorParams;
//! use breadth_core::{Fit, Regressor};
//! let diabetes = breadth_data::datasets::load("diabetes").unwrap();
//! let m = DecisionTreeRegressorParams::default().max_depth(Some(4)).fit(&diabetes).unwrap();
//! let x = diabetes.features().slice(ndarray::s![..3, ..]).to_owned();
//! let shap = m.shap_values(x.view()).unwrap();
//! let pred = m.predict(x.view()).unwrap();
//! for i in 0..3 {
//!     assert!((shap.values.row(i).sum() + shap.expected_value - pred[i]).abs() < 1e-9);
//! }
//! ```

use breadth_core::{Classifier, Error, Result};
use ndarray::{Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

use crate::ensemble::forest::{ForestClassifier, ForestRegressor};
use crate::ensemble::gradient_boosting::GradientBoostingRegressor;
use crate::gbdt::{Booster, GbdtClassifier, GbdtRegressor};
use crate::tree::{check_predict_missing_ok, DecisionTreeClassifier, DecisionTreeRegressor, Tree};

/// SHAP values of some rows: `values` is `n x d`; each row sums to the model output minus
/// `expected_value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Shap {
    /// One attribution per row and feature.
    pub values: Array2<f64>,
    /// The model output expected over the training distribution (the tree covers).
    pub expected_value: f64,
}

#[derive(Debug, Clone, Copy)]
struct PathElem {
    feature: usize,
    zero: f64,
    one: f64,
    w: f64,
}

fn extend(m: &mut Vec<PathElem>, zero: f64, one: f64, feature: usize) {
    let l = m.len();
    m.push(PathElem {
        feature,
        zero,
        one,
        w: if l == 0 { 1.0 } else { 0.0 },
    });
    for i in (0..l).rev() {
        m[i + 1].w += one * m[i].w * (i + 1) as f64 / (l + 1) as f64;
        m[i].w = zero * m[i].w * (l - i) as f64 / (l + 1) as f64;
    }
}

fn unwind(m: &[PathElem], i: usize) -> Vec<PathElem> {
    let l = m.len();
    let mut n = m[l - 1].w;
    let (one, zero) = (m[i].one, m[i].zero);
    let mut out = m[..l - 1].to_vec();
    for j0 in (0..l - 1).rev() {
        let j = (j0 + 1) as f64;
        let lf = l as f64;
        if one != 0.0 {
            let t = out[j0].w;
            out[j0].w = n * lf / (j * one);
            n = t - out[j0].w * zero * (lf - j) / lf;
        } else {
            out[j0].w = out[j0].w * lf / (zero * (lf - j));
        }
    }
    for j0 in i..l - 1 {
        out[j0].feature = m[j0 + 1].feature;
        out[j0].zero = m[j0 + 1].zero;
        out[j0].one = m[j0 + 1].one;
    }
    out
}

/// The root path element's feature: no real feature.
const ROOT: usize = usize::MAX;

fn recurse(
    tree: &Tree,
    x: ArrayView1<'_, f64>,
    output: usize,
    j: usize,
    mut m: Vec<PathElem>,
    zero: f64,
    one: f64,
    feature: usize,
    phi: &mut [f64],
) {
    extend(&mut m, zero, one, feature);
    let node = tree.node(j);
    if node.is_leaf() {
        let v = tree.value(j)[output];
        for i in 1..m.len() {
            let w: f64 = unwind(&m, i).iter().map(|e| e.w).sum();
            phi[m[i].feature] += w * (m[i].one - m[i].zero) * v;
        }
        return;
    }
    let hot = tree.step(node, x[node.feature()]);
    let cold = if hot == node.left() {
        node.right()
    } else {
        node.left()
    };
    let (mut iz, mut io) = (1.0, 1.0);
    if let Some(k) = m.iter().position(|e| e.feature == node.feature()) {
        (iz, io) = (m[k].zero, m[k].one);
        m = unwind(&m, k);
    }
    let r = node.weight();
    recurse(
        tree,
        x,
        output,
        hot,
        m.clone(),
        iz * tree.node(hot).weight() / r,
        io,
        node.feature(),
        phi,
    );
    recurse(
        tree,
        x,
        output,
        cold,
        m,
        iz * tree.node(cold).weight() / r,
        0.0,
        node.feature(),
        phi,
    );
}

/// TreeSHAP values of one row for value index `output` of the tree's leaves, added to `phi`.
pub fn tree_shap(tree: &Tree, x: ArrayView1<'_, f64>, output: usize, phi: &mut [f64]) {
    recurse(tree, x, output, 0, Vec::new(), 1.0, 1.0, ROOT, phi);
}

/// $f_x(S)$: the tree's output expected given only the features in `known`.
pub fn conditional_expectation(
    tree: &Tree,
    x: ArrayView1<'_, f64>,
    output: usize,
    known: &[bool],
) -> f64 {
    fn go(t: &Tree, x: ArrayView1<'_, f64>, o: usize, known: &[bool], j: usize) -> f64 {
        let n = t.node(j);
        if n.is_leaf() {
            return t.value(j)[o];
        }
        if known[n.feature()] {
            return go(t, x, o, known, t.step(n, x[n.feature()]));
        }
        let (l, r) = (t.node(n.left()).weight(), t.node(n.right()).weight());
        (l * go(t, x, o, known, n.left()) + r * go(t, x, o, known, n.right())) / (l + r)
    }
    go(tree, x, output, known, 0)
}

/// The expected output of the tree: leaf values weighted by their cover.
pub fn expected_value(tree: &Tree, output: usize) -> f64 {
    let x = ndarray::Array1::<f64>::zeros(tree.n_features());
    conditional_expectation(tree, x.view(), output, &vec![false; tree.n_features()])
}

/// Exact Shapley values by enumerating all $2^M$ feature subsets (the slow reference).
pub fn brute_force_shap(tree: &Tree, x: ArrayView1<'_, f64>, output: usize) -> Vec<f64> {
    let m = tree.n_features();
    let fact = |k: usize| (1..=k).map(|v| v as f64).product::<f64>();
    let mut phi = vec![0.0; m];
    for mask in 0u64..(1 << m) {
        let known: Vec<bool> = (0..m).map(|j| mask >> j & 1 == 1).collect();
        let size = known.iter().filter(|&&b| b).count();
        let base = conditional_expectation(tree, x, output, &known);
        for i in (0..m).filter(|&i| !known[i]) {
            let mut with = known.clone();
            with[i] = true;
            let weight = fact(size) * fact(m - size - 1) / fact(m);
            phi[i] += weight * (conditional_expectation(tree, x, output, &with) - base);
        }
    }
    phi
}

/// SHAP values of an additive combination `base + Σ scale · tree[output]`, rows in parallel.
pub fn ensemble_shap(trees: &[(&Tree, usize, f64)], base: f64, x: ArrayView2<'_, f64>) -> Shap {
    let d = x.ncols();
    let rows: Vec<Vec<f64>> = (0..x.nrows())
        .into_par_iter()
        .map(|i| {
            let mut phi = vec![0.0; d];
            let mut one = vec![0.0; d];
            for &(t, o, scale) in trees {
                one.iter_mut().for_each(|v| *v = 0.0);
                tree_shap(t, x.row(i), o, &mut one);
                phi.iter_mut().zip(&one).for_each(|(p, v)| *p += scale * v);
            }
            phi
        })
        .collect();
    let expected_value = base
        + trees
            .iter()
            .map(|&(t, o, s)| s * expected_value(t, o))
            .sum::<f64>();
    Shap {
        values: Array2::from_shape_fn((x.nrows(), d), |(i, j)| rows[i][j]),
        expected_value,
    }
}

fn class_index(names: &[String], class: usize) -> Result<usize> {
    if class < names.len() {
        Ok(class)
    } else {
        Err(Error::param(
            "class",
            format!("{class} is not below the {} classes", names.len()),
        ))
    }
}

impl DecisionTreeRegressor {
    /// SHAP values of the predictions.
    pub fn shap_values(&self, x: ArrayView2<'_, f64>) -> Result<Shap> {
        check_predict_missing_ok(self, x)?;
        Ok(ensemble_shap(&[(self.tree(), 0, 1.0)], 0.0, x))
    }
}

impl DecisionTreeClassifier {
    /// SHAP values of the probability of class `class`.
    pub fn shap_values(&self, x: ArrayView2<'_, f64>, class: usize) -> Result<Shap> {
        check_predict_missing_ok(self, x)?;
        let c = class_index(self.class_names(), class)?;
        Ok(ensemble_shap(&[(self.tree(), c, 1.0)], 0.0, x))
    }
}

impl ForestRegressor {
    /// SHAP values of the predictions (the mean of the trees').
    pub fn shap_values(&self, x: ArrayView2<'_, f64>) -> Result<Shap> {
        check_predict_missing_ok(self, x)?;
        let s = 1.0 / self.trees().len() as f64;
        let trees: Vec<_> = self.trees().iter().map(|t| (t, 0, s)).collect();
        Ok(ensemble_shap(&trees, 0.0, x))
    }
}

impl ForestClassifier {
    /// SHAP values of the probability of class `class`.
    pub fn shap_values(&self, x: ArrayView2<'_, f64>, class: usize) -> Result<Shap> {
        check_predict_missing_ok(self, x)?;
        let c = class_index(self.class_names(), class)?;
        let s = 1.0 / self.trees().len() as f64;
        let trees: Vec<_> = self.trees().iter().map(|t| (t, c, s)).collect();
        Ok(ensemble_shap(&trees, 0.0, x))
    }
}

fn booster_shap(b: &Booster, x: ArrayView2<'_, f64>, output: usize) -> Shap {
    let k = b.n_outputs();
    let trees: Vec<_> = b
        .trees()
        .iter()
        .skip(output)
        .step_by(k)
        .map(|t| (t, 0, 1.0))
        .collect();
    ensemble_shap(&trees, b.init_scores()[output], x)
}

impl GbdtRegressor {
    /// SHAP values of the raw score (the log of the mean for Poisson).
    pub fn shap_values(&self, x: ArrayView2<'_, f64>) -> Result<Shap> {
        check_predict_missing_ok(self, x)?;
        Ok(booster_shap(self.booster(), x, 0))
    }
}

impl GbdtClassifier {
    /// SHAP values of the raw score (log-odds; with $K > 2$ classes, class `class`'s score).
    pub fn shap_values(&self, x: ArrayView2<'_, f64>, class: usize) -> Result<Shap> {
        check_predict_missing_ok(self, x)?;
        let output = if self.booster().n_outputs() == 1 {
            0
        } else {
            class_index(self.class_names(), class)?
        };
        Ok(booster_shap(self.booster(), x, output))
    }
}

impl GradientBoostingRegressor {
    /// SHAP values of the predictions.
    pub fn shap_values(&self, x: ArrayView2<'_, f64>) -> Result<Shap> {
        breadth_core::validate::check_predict_input(self, x)?;
        let trees: Vec<_> = self.trees().iter().map(|t| (t, 0, 1.0)).collect();
        Ok(ensemble_shap(&trees, self.init_score(), x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::forest::RandomForestRegressorParams;
    use crate::gbdt::GbdtClassifierParams;
    use crate::tree::{DecisionTreeClassifierParams, DecisionTreeRegressorParams};
    use breadth_core::{Dataset, Fit, Regressor, Target};

    #[test]
    fn treeshap_equals_brute_force_enumeration() {
        // Random data with missing values, five features: 32 subsets per row.
        let mut rng = breadth_core::seeded_rng(9);
        let x = Array2::from_shape_fn((200, 5), |_| {
            let v: f64 = rand::Rng::random(&mut rng);
            if v < 0.05 {
                f64::NAN
            } else {
                v
            }
        });
        let y = x.map_axis(ndarray::Axis(1), |r| {
            r[0].max(0.0) * 3.0 + r[1].max(0.0) * r[2].max(0.0) + r[4].max(0.0)
        });
        let ds = Dataset::new(x.clone())
            .with_target(Target::Continuous(y))
            .unwrap();
        let m = DecisionTreeRegressorParams::default()
            .max_depth(Some(6))
            .fit(&ds)
            .unwrap();
        for i in 0..20 {
            let mut fast = vec![0.0; 5];
            tree_shap(m.tree(), x.row(i), 0, &mut fast);
            let slow = brute_force_shap(m.tree(), x.row(i), 0);
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() < 1e-9, "row {i}: {fast:?} vs {slow:?}");
            }
        }
    }

    #[test]
    fn matches_the_shap_package() {
        // Produced by reference/trees_shap.py (shap 0.51.0, scikit-learn 1.9.1) on the same tree.
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/trees/shap.json")).unwrap();
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        let m = DecisionTreeRegressorParams::default()
            .min_samples_leaf(10)
            .fit(&diabetes)
            .unwrap();
        let x = diabetes.features().slice(ndarray::s![..25, ..]).to_owned();
        let s = m.shap_values(x.view()).unwrap();
        assert!((s.expected_value - doc["expected_value"].as_f64().unwrap()).abs() < 1e-9);
        for (i, row) in doc["values"].as_array().unwrap().iter().enumerate() {
            for (j, v) in row.as_array().unwrap().iter().enumerate() {
                let v = v.as_f64().unwrap();
                assert!(
                    (s.values[[i, j]] - v).abs() < 1e-9 * (1.0 + v.abs()),
                    "[{i}, {j}]: {} vs {v}",
                    s.values[[i, j]]
                );
            }
        }
    }

    #[test]
    fn attributions_sum_to_prediction_minus_expectation() {
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        let x = diabetes.features().slice(ndarray::s![..10, ..]).to_owned();
        let forest = RandomForestRegressorParams::default()
            .n_estimators(5)
            .max_depth(Some(5))
            .fit(&diabetes)
            .unwrap();
        let s = forest.shap_values(x.view()).unwrap();
        let p = forest.predict(x.view()).unwrap();
        for i in 0..10 {
            assert!((s.values.row(i).sum() + s.expected_value - p[i]).abs() < 1e-9);
        }
        let iris = breadth_data::datasets::load("iris").unwrap();
        let xi = iris.features().slice(ndarray::s![..10, ..]).to_owned();
        let gb = GbdtClassifierParams::default()
            .n_estimators(10)
            .fit(&iris)
            .unwrap();
        let raw = gb.decision_function(xi.view()).unwrap();
        for c in 0..3 {
            let s = gb.shap_values(xi.view(), c).unwrap();
            for i in 0..10 {
                assert!((s.values.row(i).sum() + s.expected_value - raw[[i, c]]).abs() < 1e-9);
            }
        }
        let tree = DecisionTreeClassifierParams::default().fit(&iris).unwrap();
        assert!(tree.shap_values(xi.view(), 3).is_err());
    }
}
