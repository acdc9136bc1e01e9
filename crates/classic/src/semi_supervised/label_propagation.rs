//! Label propagation and label spreading over a similarity graph (scikit-learn's
//! `LabelPropagation` / `LabelSpreading`).
//!
//! Rows are nodes; edge weights come from a kernel: RBF $W_{ij} = \exp(-\gamma \lVert x_i -
//! x_j\rVert^2)$ (dense) or k-nearest-neighbour connectivity $W_{ij} = 1$ when $j$ is among the
//! $k$ nearest rows of $i$, itself included (sparse, $k$ entries a row). Let $Y \in \{0,1\}^{n
//! \times K}$ hold the one-hot known labels (zero rows for unlabelled samples) and $F^{(0)} = Y$.
//!
//! - **Propagation** (Zhu & Ghahramani 2002): $P = D^{-1} W$ with $D = \mathrm{diag}(W \mathbf 1)$;
//!   iterate $F \leftarrow P F$, normalise each row to sum to one, and clamp the labelled rows
//!   back to $Y$.
//! - **Spreading** (Zhou et al. 2004): $S_{ij} = W_{ij} / \sqrt{d_i d_j}$ for $i \ne j$, $S_{ii} = 0$,
//!   with in-degrees $d_j = \sum_{i \ne j} W_{ij}$ (SciPy's normalised Laplacian, as scikit-learn
//!   uses it); iterate $F \leftarrow \alpha S F + (1 - \alpha) Y$.
//!
//! Both stop when $\sum_{ij} |F - F_{\text{prev}}| <$ `tol` (checked before each step, as
//! scikit-learn does) or after `max_iter` steps; $F$ is then row-normalised into
//! `label_distributions`, and `transduction` is each row's arg-max class. New rows are labelled
//! inductively: $p(x) \propto \sum_j W(x, x_j) F_j$ (RBF), or the sum of $F$ over the $k$ nearest
//! training rows (kNN).
//!
//! Cost: RBF $O(n^2 d)$ memory $O(n^2)$, each step $O(n^2 K)$; the kNN graph is built
//! through the shared index ([`crate::neighbors`]), $O(nk)$ memory, each step $O(nkK)$. Ties among
//! equidistant neighbours are broken by the lower row index.
//!
//! ```
//! use breadth_classic::semi_supervised::label_propagation::{LabelSpreadingParams, Kernel};
//! use breadth_core::{Classifier, Dataset, Fit, Target};
//! use ndarray::{array, Array1};
//! let x = array![[0.0], [0.1], [0.3], [5.0], [5.1], [5.3]];
//! let labels: Array1<Option<usize>> = array![Some(0), None, None, None, None, Some(1)];
//! let names = vec!["low".to_string(), "high".to_string()];
//! let ds = Dataset::new(x).with_target(Target::PartialClasses { labels, names }).unwrap();
//! let model = LabelSpreadingParams::default().kernel(Kernel::Knn { n_neighbors: 3 }).fit(&ds).unwrap();
//! assert_eq!(model.transduction().to_vec(), vec![0, 0, 0, 1, 1, 1]);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::linalg::{as_faer, to_ndarray};
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, in_range, positive};
use breadth_core::{Classifier, Dataset, Error, Fit, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::checked_partial_labels;
use crate::neighbors::{NearestNeighbors, NearestNeighborsParams};

/// The similarity graph's kernel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Kernel {
    /// Dense $\exp(-\gamma \lVert x_i - x_j \rVert^2)$.
    Rbf {
        /// Width parameter $\gamma > 0$.
        gamma: f64,
    },
    /// Sparse k-nearest-neighbour connectivity.
    Knn {
        /// Neighbours per row, the row itself included.
        n_neighbors: usize,
    },
}

impl std::str::FromStr for Kernel {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "rbf" => Ok(Kernel::Rbf { gamma: 20.0 }),
            "knn" => Ok(Kernel::Knn { n_neighbors: 7 }),
            _ => Err("expected rbf or knn".into()),
        }
    }
}

impl Kernel {
    fn name(&self) -> &'static str {
        match self {
            Kernel::Rbf { .. } => "rbf",
            Kernel::Knn { .. } => "knn",
        }
    }

    fn validate(&self, n_samples: usize) -> Result<()> {
        match *self {
            Kernel::Rbf { gamma } => positive("gamma", gamma),
            Kernel::Knn { n_neighbors } if n_neighbors == 0 || n_neighbors > n_samples => {
                Err(Error::param(
                    "n_neighbors",
                    format!("must lie in 1..={n_samples} (rows), got {n_neighbors}"),
                ))
            }
            Kernel::Knn { .. } => Ok(()),
        }
    }

    /// Set `kernel`, `gamma` or `n_neighbors` from text, keeping the other's value.
    fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match (name, &mut *self) {
            ("kernel", _) => {
                let fresh: Kernel = parse_param(name, value)?;
                if fresh.name() != self.name() {
                    *self = fresh;
                }
            }
            ("gamma", Kernel::Rbf { gamma }) => *gamma = parse_param(name, value)?,
            ("n_neighbors", Kernel::Knn { n_neighbors }) => {
                *n_neighbors = parse_param(name, value)?
            }
            ("gamma", _) | ("n_neighbors", _) => {
                return Err(Error::param(
                    name,
                    format!(
                        "does not apply to the {} kernel; set kernel first",
                        self.name()
                    ),
                ))
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn specs(&self) -> Vec<ParamSpec> {
        let mut out = vec![ParamSpec::new("kernel", self.name(), "rbf | knn")];
        match self {
            Kernel::Rbf { gamma } => {
                out.push(ParamSpec::new("gamma", gamma, "RBF width (kernel=rbf)"))
            }
            Kernel::Knn { n_neighbors } => out.push(ParamSpec::new(
                "n_neighbors",
                n_neighbors,
                "neighbours per row (kernel=knn)",
            )),
        }
        out
    }
}

/// Squared Euclidean distance, computed directly (no cancellation).
fn sq_dist(a: ndarray::ArrayView1<'_, f64>, b: ndarray::ArrayView1<'_, f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn rbf(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, gamma: f64) -> Array2<f64> {
    let mut out = Array2::zeros((a.nrows(), b.nrows()));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(a.outer_iter())
        .for_each(|(mut row, ai)| {
            for (o, bj) in row.iter_mut().zip(b.outer_iter()) {
                *o = (-gamma * sq_dist(ai, bj)).exp();
            }
        });
    out
}

/// The propagation operator: dense, or sparse rows of (column, weight).
enum Graph {
    Dense(Array2<f64>),
    Sparse(Vec<Vec<(usize, f64)>>),
}

impl Graph {
    fn apply(&self, f: &Array2<f64>) -> Array2<f64> {
        match self {
            Graph::Dense(w) => to_ndarray((as_faer(w.view()) * as_faer(f.view())).as_ref()),
            Graph::Sparse(rows) => {
                let mut out = Array2::zeros(f.raw_dim());
                out.axis_iter_mut(Axis(0))
                    .into_par_iter()
                    .zip(rows.par_iter())
                    .for_each(|(mut o, row)| {
                        for &(j, w) in row {
                            o.scaled_add(w, &f.row(j));
                        }
                    });
                out
            }
        }
    }
}

/// The fitted part of the kernel that new rows are compared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum KernelState {
    /// The training rows, for $W(x, x_j)$.
    Rbf { gamma: f64, x_train: Array2<f64> },
    /// The shared neighbour index over the training rows.
    Knn {
        n_neighbors: usize,
        index: Box<NearestNeighbors>,
    },
}

/// Build the kernel state and the operator for propagation ($D^{-1}W$) or spreading
/// ($D^{-1/2} W D^{-1/2}$, zero diagonal).
fn build_graph(
    x: ArrayView2<'_, f64>,
    kernel: Kernel,
    spreading: bool,
) -> Result<(KernelState, Graph)> {
    let n = x.nrows();
    match kernel {
        Kernel::Rbf { gamma } => {
            let mut w = rbf(x, x, gamma);
            if spreading {
                // In-degree without the self loop, square-rooted; isolated nodes keep 1.
                let deg: Vec<f64> = (0..n)
                    .map(|j| {
                        let d = w.column(j).sum() - w[[j, j]];
                        if d == 0.0 {
                            1.0
                        } else {
                            d.sqrt()
                        }
                    })
                    .collect();
                for ((i, j), v) in w.indexed_iter_mut() {
                    *v = if i == j { 0.0 } else { *v / (deg[i] * deg[j]) };
                }
            } else {
                for mut row in w.outer_iter_mut() {
                    let s = row.sum();
                    row /= s;
                }
            }
            Ok((
                KernelState::Rbf {
                    gamma,
                    x_train: x.to_owned(),
                },
                Graph::Dense(w),
            ))
        }
        Kernel::Knn { n_neighbors } => {
            let index = NearestNeighborsParams::default().fit_array(x)?;
            // Querying the training rows themselves keeps each row as its own first neighbour,
            // as scikit-learn's `kneighbors_graph(X)` does.
            let nbrs = index.kneighbors(x, n_neighbors)?.indices;
            let graph = if spreading {
                let mut deg = vec![0.0; n];
                for (i, row) in nbrs.outer_iter().enumerate() {
                    row.iter().filter(|&&j| j != i).for_each(|&j| deg[j] += 1.0);
                }
                let deg: Vec<f64> = deg
                    .into_iter()
                    .map(|d: f64| if d == 0.0 { 1.0 } else { d.sqrt() })
                    .collect();
                Graph::Sparse(
                    nbrs.outer_iter()
                        .enumerate()
                        .map(|(i, row)| {
                            row.iter()
                                .filter(|&&j| j != i)
                                .map(|&j| (j, 1.0 / (deg[i] * deg[j])))
                                .collect()
                        })
                        .collect(),
                )
            } else {
                let w = 1.0 / n_neighbors as f64;
                Graph::Sparse(
                    nbrs.outer_iter()
                        .map(|row| row.iter().map(|&j| (j, w)).collect())
                        .collect(),
                )
            };
            Ok((
                KernelState::Knn {
                    n_neighbors,
                    index: Box::new(index),
                },
                graph,
            ))
        }
    }
}

fn normalize_rows(f: &mut Array2<f64>) {
    for mut row in f.outer_iter_mut() {
        let s = row.sum();
        if s != 0.0 {
            row /= s;
        }
    }
}

/// The shared fitting loop of both variants; `alpha` is `None` for propagation.
fn fit_graph(
    data: &Dataset,
    kernel: Kernel,
    alpha: Option<f64>,
    max_iter: usize,
    tol: f64,
) -> Result<LabelGraphModel> {
    let model = if alpha.is_some() {
        "label-spreading"
    } else {
        "label-propagation"
    };
    check_fit_input(data)?;
    let (labels, names) = checked_partial_labels(data, model)?;
    kernel.validate(data.n_samples())?;
    if let Some(a) = alpha {
        in_range("alpha", a, 0.0, 1.0)?;
        if a == 0.0 || a == 1.0 {
            return Err(Error::param("alpha", "must lie strictly between 0 and 1"));
        }
    }
    if max_iter == 0 {
        return Err(Error::param("max_iter", "must be at least 1"));
    }
    positive("tol", tol)?;
    let x = data.features();
    let (n, k) = (x.nrows(), names.len());
    let (state, graph) = build_graph(x, kernel, alpha.is_some())?;
    let mut y = Array2::<f64>::zeros((n, k));
    for (i, l) in labels.iter().enumerate() {
        if let Some(l) = l {
            y[[i, *l]] = 1.0;
        }
    }
    let mut f = y.clone();
    let y_static = match alpha {
        Some(a) => &y * (1.0 - a),
        None => y.clone(),
    };
    let mut previous = Array2::<f64>::zeros((n, k));
    let mut n_iter = max_iter;
    for it in 0..max_iter {
        if (&f - &previous).mapv(f64::abs).sum() < tol {
            n_iter = it;
            break;
        }
        let next = graph.apply(&f);
        previous = std::mem::replace(&mut f, next);
        match alpha {
            None => {
                normalize_rows(&mut f);
                for (i, l) in labels.iter().enumerate() {
                    if l.is_some() {
                        f.row_mut(i).assign(&y_static.row(i));
                    }
                }
            }
            Some(a) => f = f * a + &y_static,
        }
    }
    normalize_rows(&mut f);
    let transduction = f
        .outer_iter()
        .map(|row| argmax(row.as_slice().unwrap_or(&row.to_vec())))
        .collect();
    Ok(LabelGraphModel {
        spreading: alpha.is_some(),
        state,
        n_features: x.ncols(),
        label_distributions: f,
        transduction,
        classes: names,
        n_iter,
    })
}

/// First index of the maximum (numpy's `argmax`).
fn argmax(v: &[f64]) -> usize {
    v.iter()
        .enumerate()
        .fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

/// Hyper-parameters of label propagation (hard clamping of known labels).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelPropagationParams {
    /// The graph's kernel.
    pub kernel: Kernel,
    /// Most propagation steps.
    pub max_iter: usize,
    /// Convergence tolerance on $\sum |F - F_{prev}|$.
    pub tol: f64,
}

impl Default for LabelPropagationParams {
    fn default() -> Self {
        LabelPropagationParams {
            kernel: Kernel::Rbf { gamma: 20.0 },
            max_iter: 1000,
            tol: 1e-3,
        }
    }
}

/// Hyper-parameters of label spreading (soft clamping with `alpha`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSpreadingParams {
    /// The graph's kernel.
    pub kernel: Kernel,
    /// Share of each step that comes from the neighbours, in (0, 1); the rest from the initial labels.
    pub alpha: f64,
    /// Most spreading steps.
    pub max_iter: usize,
    /// Convergence tolerance on $\sum |F - F_{prev}|$.
    pub tol: f64,
}

impl Default for LabelSpreadingParams {
    fn default() -> Self {
        LabelSpreadingParams {
            kernel: Kernel::Rbf { gamma: 20.0 },
            alpha: 0.2,
            max_iter: 30,
            tol: 1e-3,
        }
    }
}

macro_rules! graph_params_common {
    ($t:ty) => {
        impl $t {
            /// Set the kernel.
            pub fn kernel(mut self, kernel: Kernel) -> Self {
                self.kernel = kernel;
                self
            }
            /// Set the most steps.
            pub fn max_iter(mut self, max_iter: usize) -> Self {
                self.max_iter = max_iter;
                self
            }
            /// Set the tolerance.
            pub fn tol(mut self, tol: f64) -> Self {
                self.tol = tol;
                self
            }
        }
    };
}
graph_params_common!(LabelPropagationParams);
graph_params_common!(LabelSpreadingParams);

impl LabelSpreadingParams {
    /// Set alpha.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
}

impl Configurable for LabelPropagationParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let mut out = self.kernel.specs();
        out.push(ParamSpec::new(
            "max_iter",
            self.max_iter,
            "most propagation steps",
        ));
        out.push(ParamSpec::new(
            "tol",
            self.tol,
            "stop when the labels move less than this",
        ));
        out
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "max_iter" => self.max_iter = parse_param(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            _ => return self.kernel.set(name, value),
        }
        Ok(true)
    }
}

impl Configurable for LabelSpreadingParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let mut out = self.kernel.specs();
        out.push(ParamSpec::new(
            "alpha",
            self.alpha,
            "weight of the neighbours against the initial labels, in (0, 1)",
        ));
        out.push(ParamSpec::new(
            "max_iter",
            self.max_iter,
            "most spreading steps",
        ));
        out.push(ParamSpec::new(
            "tol",
            self.tol,
            "stop when the labels move less than this",
        ));
        out
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "alpha" => self.alpha = parse_param(name, value)?,
            "max_iter" => self.max_iter = parse_param(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            _ => return self.kernel.set(name, value),
        }
        Ok(true)
    }
}

impl Fit for LabelPropagationParams {
    type Fitted = LabelGraphModel;
    fn fit(&self, data: &Dataset) -> Result<LabelGraphModel> {
        fit_graph(data, self.kernel, None, self.max_iter, self.tol)
    }
}

impl Fit for LabelSpreadingParams {
    type Fitted = LabelGraphModel;
    fn fit(&self, data: &Dataset) -> Result<LabelGraphModel> {
        fit_graph(data, self.kernel, Some(self.alpha), self.max_iter, self.tol)
    }
}

/// A fitted label propagation or spreading model: the training rows and their label distributions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelGraphModel {
    spreading: bool,
    state: KernelState,
    n_features: usize,
    label_distributions: Array2<f64>,
    transduction: Array1<usize>,
    classes: Vec<String>,
    n_iter: usize,
}

impl LabelGraphModel {
    /// Row-normalised label mass of every training row, `n x K`.
    pub fn label_distributions(&self) -> &Array2<f64> {
        &self.label_distributions
    }
    /// The label assigned to every training row (labelled ones included).
    pub fn transduction(&self) -> &Array1<usize> {
        &self.transduction
    }
    /// Steps taken.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
}

impl Fitted for LabelGraphModel {
    fn model_name(&self) -> &'static str {
        if self.spreading {
            "label-spreading"
        } else {
            "label-propagation"
        }
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Classifier for LabelGraphModel {
    fn class_names(&self) -> &[String] {
        &self.classes
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        let p = self.predict_proba(x)?;
        Ok(p.outer_iter().map(|r| argmax(&r.to_vec())).collect())
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let mut p = match &self.state {
            KernelState::Rbf { gamma, x_train } => {
                let w = rbf(x, x_train.view(), *gamma);
                to_ndarray((as_faer(w.view()) * as_faer(self.label_distributions.view())).as_ref())
            }
            KernelState::Knn { n_neighbors, index } => {
                let nbrs = index.kneighbors(x, *n_neighbors)?.indices;
                let mut p = Array2::zeros((x.nrows(), self.classes.len()));
                for (mut row, js) in p.outer_iter_mut().zip(nbrs.outer_iter()) {
                    js.iter()
                        .for_each(|&j| row += &self.label_distributions.row(j));
                }
                p
            }
        };
        for (i, mut row) in p.outer_iter_mut().enumerate() {
            let s = row.sum();
            if s.is_nan() || s <= 0.0 {
                return Err(Error::numerical(
                    self.model_name(),
                    format!("row {i} is too far from every training row for the RBF kernel; lower gamma"),
                ));
            }
            row /= s;
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::conformance::check_classifier;
    use breadth_core::Target;
    use serde_json::Value;

    /// Made by reference/semi_supervised.py with scikit-learn 1.9.1.
    const FIXTURE: &str = include_str!("../../tests/fixtures/semi_supervised/graph.json");

    fn matrix(v: &Value) -> Array2<f64> {
        let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
        Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
    }

    fn fixture() -> (Value, Dataset) {
        let f: Value = serde_json::from_str(FIXTURE).unwrap();
        let y: Vec<i64> = serde_json::from_value(f["y"].clone()).unwrap();
        let labels: Array1<Option<usize>> =
            y.iter().map(|&l| (l >= 0).then_some(l as usize)).collect();
        let names = vec!["0".into(), "1".into(), "2".into()];
        let ds = Dataset::new(matrix(&f["X"]))
            .with_target(Target::PartialClasses { labels, names })
            .unwrap();
        (f, ds)
    }

    fn assert_close(a: &Array2<f64>, b: &Array2<f64>, tol: f64, what: &str) {
        assert_eq!(a.dim(), b.dim(), "{what}");
        let worst = (a - b).mapv(f64::abs).fold(0.0_f64, |m, &v| m.max(v));
        assert!(worst < tol, "{what}: max abs difference {worst:e}");
    }

    #[test]
    fn label_distributions_match_scikit_learn() {
        let (f, ds) = fixture();
        let x_new = matrix(&f["X_new"]);
        let models: [(&str, LabelGraphModel); 4] = [
            (
                "propagation_rbf",
                LabelPropagationParams::default()
                    .kernel(Kernel::Rbf { gamma: 1.0 })
                    .fit(&ds)
                    .unwrap(),
            ),
            (
                "propagation_knn",
                LabelPropagationParams::default()
                    .kernel(Kernel::Knn { n_neighbors: 5 })
                    .fit(&ds)
                    .unwrap(),
            ),
            (
                "spreading_rbf",
                LabelSpreadingParams::default()
                    .kernel(Kernel::Rbf { gamma: 1.0 })
                    .fit(&ds)
                    .unwrap(),
            ),
            (
                "spreading_knn",
                LabelSpreadingParams::default()
                    .kernel(Kernel::Knn { n_neighbors: 5 })
                    .alpha(0.3)
                    .fit(&ds)
                    .unwrap(),
            ),
        ];
        for (name, model) in models {
            let case = &f["cases"][name];
            assert_close(
                model.label_distributions(),
                &matrix(&case["label_distributions"]),
                1e-8,
                name,
            );
            let transduction: Vec<usize> =
                serde_json::from_value(case["transduction"].clone()).unwrap();
            assert_eq!(model.transduction().to_vec(), transduction, "{name}");
            assert_eq!(
                model.n_iter(),
                case["n_iter"].as_u64().unwrap() as usize,
                "{name}"
            );
            let proba = model.predict_proba(x_new.view()).unwrap();
            assert_close(&proba, &matrix(&case["predict_proba_new"]), 1e-8, name);
        }
    }

    #[test]
    fn conformance() {
        let (_, ds) = fixture();
        check_classifier(
            &LabelSpreadingParams::default().kernel(Kernel::Knn { n_neighbors: 5 }),
            &ds,
        );
        check_classifier(
            &LabelPropagationParams::default().kernel(Kernel::Rbf { gamma: 1.0 }),
            &ds,
        );
    }

    #[test]
    fn too_few_labels_are_clear_errors() {
        let x = ndarray::array![[0.0], [1.0], [2.0]];
        let names: Vec<String> = vec!["a".into(), "b".into()];
        for (labels, msg) in [
            (ndarray::array![None, None, None], "no labelled row"),
            (
                ndarray::array![Some(1), None, Some(1)],
                "only class `b` labelled",
            ),
        ] {
            let ds = Dataset::new(x.clone())
                .with_target(Target::PartialClasses {
                    labels,
                    names: names.clone(),
                })
                .unwrap();
            let err = LabelSpreadingParams::default()
                .fit(&ds)
                .unwrap_err()
                .to_string();
            assert!(err.contains(msg), "{err}");
        }
    }

    #[test]
    fn parameters_are_validated() {
        let (_, ds) = fixture();
        assert!(LabelSpreadingParams::default().alpha(1.0).fit(&ds).is_err());
        assert!(LabelPropagationParams::default()
            .kernel(Kernel::Knn { n_neighbors: 0 })
            .fit(&ds)
            .is_err());
        assert!(LabelPropagationParams::default()
            .kernel(Kernel::Rbf { gamma: -1.0 })
            .fit(&ds)
            .is_err());
        let mut p = LabelSpreadingParams::default();
        assert!(
            p.set_param("n_neighbors", "3").is_err(),
            "n_neighbors needs kernel=knn first"
        );
        p.set_param("kernel", "knn").unwrap();
        p.set_param("n_neighbors", "3").unwrap();
        assert_eq!(p.kernel, Kernel::Knn { n_neighbors: 3 });
    }
}
