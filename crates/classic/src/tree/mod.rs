//! CART decision trees (scikit-learn's `DecisionTreeClassifier` / `DecisionTreeRegressor`).
//!
//! A tree partitions feature space by axis-aligned tests $x_j \le \theta$ chosen greedily to
//! maximize the weighted impurity decrease
//! $\Delta = \frac{W_t}{W}\left(I_t - \frac{W_l}{W_t} I_l - \frac{W_r}{W_t} I_r\right)$
//! ($W_\cdot$ the sample weight reaching a node, $I_\cdot$ its impurity under the
//! [`Criterion`]); a leaf predicts the class fractions (classification) or the mean / median
//! (regression) of its training rows. Growth stops at `max_depth`, `min_samples_split`,
//! `min_samples_leaf`, `min_weight_fraction_leaf`, `max_leaf_nodes` (best-first growth) or when
//! $\Delta <$ `min_impurity_decrease`; `ccp_alpha` then applies minimal cost-complexity pruning
//! ([`prune`]). Missing values (NaN) are allowed at fit and predict: each split learns which side
//! they take (the better one), or the side with more rows when it saw none.
//!
//! Shapes: $X$ is $n \times d$; `predict_proba` is $n \times K$. Cost: see [`build`].
//!
//! Reference: Breiman, Friedman, Olshen, Stone, *Classification and Regression Trees*, 1984.
//!
//! ```
//! use breadth_classic::tree::DecisionTreeClassifierParams;
//! use breadth_core::{Classifier, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let m = DecisionTreeClassifierParams::default().max_depth(Some(3)).fit(&iris).unwrap();
//! let acc = m.predict(iris.features()).unwrap().iter()
//!     .zip(iris.class_target("t").unwrap().0.iter()).filter(|(a, b)| a == b).count();
//! assert!(acc >= 145);
//! ```

pub mod build;
pub mod criterion;
pub mod export;
pub mod model;
pub mod prune;

use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::in_range;
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Regressor, Result, Target};
use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

pub use build::Splitter;
pub use criterion::Criterion;
pub use export::{export_model, ExportFormat};
pub use model::{Node, Tree, LEAF, UNDEFINED};
pub use prune::PruningPath;

use build::{grow, Columns, Grow, Labels};
use export::LeafLabel;

/// How many features each split considers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum MaxFeatures {
    /// All of them.
    All,
    /// $\max(1, \lfloor\sqrt d\rfloor)$.
    Sqrt,
    /// $\max(1, \lfloor\log_2 d\rfloor)$.
    Log2,
    /// $\max(1, \lfloor f d\rfloor)$ for a fraction $f \in (0, 1]$.
    Fraction(f64),
    /// A fixed count (at most $d$).
    Count(usize),
}

impl MaxFeatures {
    /// The count for `d` features.
    pub fn resolve(self, d: usize) -> Result<usize> {
        let k = match self {
            MaxFeatures::All => d,
            MaxFeatures::Sqrt => (d as f64).sqrt() as usize,
            MaxFeatures::Log2 => (d as f64).log2() as usize,
            MaxFeatures::Fraction(f) => {
                if !(f > 0.0 && f <= 1.0) {
                    return Err(Error::param(
                        "max_features",
                        format!("fraction {f} not in (0, 1]"),
                    ));
                }
                (f * d as f64) as usize
            }
            MaxFeatures::Count(k) => {
                if k == 0 || k > d {
                    return Err(Error::param(
                        "max_features",
                        format!("{k} is not in 1..={d} (the number of features)"),
                    ));
                }
                k
            }
        };
        Ok(k.max(1))
    }
}

impl FromStr for MaxFeatures {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "all" | "none" | "None" => MaxFeatures::All,
            "sqrt" => MaxFeatures::Sqrt,
            "log2" => MaxFeatures::Log2,
            s if s.contains('.') => MaxFeatures::Fraction(s.parse().map_err(|_| "bad fraction")?),
            s => MaxFeatures::Count(
                s.parse()
                    .map_err(|_| "expected all, sqrt, log2, a fraction or a count")?,
            ),
        })
    }
}

impl std::fmt::Display for MaxFeatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MaxFeatures::All => f.write_str("all"),
            MaxFeatures::Sqrt => f.write_str("sqrt"),
            MaxFeatures::Log2 => f.write_str("log2"),
            MaxFeatures::Fraction(x) => write!(f, "{x:?}"),
            MaxFeatures::Count(k) => write!(f, "{k}"),
        }
    }
}

/// How classes are weighted on top of the sample weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClassWeight {
    /// Every class weighs 1.
    Uniform,
    /// Class $k$ weighs $n / (K n_k)$ (scikit-learn's `"balanced"`).
    Balanced,
}

impl FromStr for ClassWeight {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "none" | "uniform" => Ok(ClassWeight::Uniform),
            "balanced" => Ok(ClassWeight::Balanced),
            _ => Err("expected none or balanced".into()),
        }
    }
}

impl std::fmt::Display for ClassWeight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClassWeight::Uniform => "none",
            ClassWeight::Balanced => "balanced",
        })
    }
}

/// Sample weights times class weights.
pub(crate) fn class_weighted(labels: &[usize], k: usize, w: &[f64], cw: ClassWeight) -> Vec<f64> {
    match cw {
        ClassWeight::Uniform => w.to_vec(),
        ClassWeight::Balanced => {
            let mut counts = vec![0usize; k];
            labels.iter().for_each(|&l| counts[l] += 1);
            let present = counts.iter().filter(|&&c| c > 0).count();
            let n = labels.len() as f64;
            labels
                .iter()
                .zip(w)
                .map(|(&l, &wi)| wi * n / (present as f64 * counts[l] as f64))
                .collect()
        }
    }
}

fn parse_opt(name: &str, value: &str) -> Result<Option<usize>> {
    if value.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        parse_param(name, value).map(Some)
    }
}

fn show_opt(v: Option<usize>) -> String {
    v.map_or("none".into(), |v| v.to_string())
}

/// The growth settings shared by every tree-based model.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeParams {
    /// Impurity measure.
    pub criterion: Criterion,
    /// Best or random thresholds.
    pub splitter: Splitter,
    /// Maximum depth (`None`: unlimited).
    pub max_depth: Option<usize>,
    /// A node needs this many rows to be split (>= 2).
    pub min_samples_split: usize,
    /// Each leaf keeps at least this many rows (>= 1).
    pub min_samples_leaf: usize,
    /// Each leaf keeps at least this fraction of the total weight (in [0, 0.5]).
    pub min_weight_fraction_leaf: f64,
    /// Features considered per split.
    pub max_features: MaxFeatures,
    /// Grow best-first to at most this many leaves (`None`: depth-first, unlimited).
    pub max_leaf_nodes: Option<usize>,
    /// Split only when the weighted impurity decrease is at least this.
    pub min_impurity_decrease: f64,
    /// Cost-complexity pruning strength (0: none).
    pub ccp_alpha: f64,
    /// Seed of the feature order and random thresholds.
    pub seed: u64,
}

impl TreeParams {
    /// Defaults with the given criterion.
    pub fn with_criterion(criterion: Criterion) -> Self {
        TreeParams {
            criterion,
            splitter: Splitter::Best,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_weight_fraction_leaf: 0.0,
            max_features: MaxFeatures::All,
            max_leaf_nodes: None,
            min_impurity_decrease: 0.0,
            ccp_alpha: 0.0,
            seed: 0,
        }
    }

    /// Validate and resolve for `d` features.
    pub(crate) fn resolve(&self, d: usize, classification: bool) -> Result<Grow> {
        if self.criterion.is_classification() != classification {
            return Err(Error::param(
                "criterion",
                format!(
                    "{} is a {} criterion",
                    self.criterion,
                    if classification {
                        "regression"
                    } else {
                        "classification"
                    }
                ),
            ));
        }
        if self.min_samples_split < 2 {
            return Err(Error::param("min_samples_split", "must be at least 2"));
        }
        if self.min_samples_leaf < 1 {
            return Err(Error::param("min_samples_leaf", "must be at least 1"));
        }
        in_range(
            "min_weight_fraction_leaf",
            self.min_weight_fraction_leaf,
            0.0,
            0.5,
        )?;
        if self.max_leaf_nodes.is_some_and(|m| m < 2) {
            return Err(Error::param("max_leaf_nodes", "must be at least 2"));
        }
        if self.max_depth == Some(0) {
            return Err(Error::param("max_depth", "must be at least 1"));
        }
        breadth_core::validate::non_negative("min_impurity_decrease", self.min_impurity_decrease)?;
        breadth_core::validate::non_negative("ccp_alpha", self.ccp_alpha)?;
        Ok(Grow {
            criterion: self.criterion,
            splitter: self.splitter,
            max_depth: self.max_depth.unwrap_or(usize::MAX),
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            min_weight_fraction_leaf: self.min_weight_fraction_leaf,
            max_features: self.max_features.resolve(d)?,
            max_leaf_nodes: self.max_leaf_nodes,
            min_impurity_decrease: self.min_impurity_decrease,
        })
    }

    pub(crate) fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "criterion",
                self.criterion,
                "gini | entropy | log_loss | squared_error | friedman_mse | absolute_error | poisson",
            ),
            ParamSpec::new("splitter", self.splitter, "best | random"),
            ParamSpec::new("max_depth", show_opt(self.max_depth), "maximum depth or none"),
            ParamSpec::new("min_samples_split", self.min_samples_split, "rows needed to split a node"),
            ParamSpec::new("min_samples_leaf", self.min_samples_leaf, "rows kept in every leaf"),
            ParamSpec::new(
                "min_weight_fraction_leaf",
                self.min_weight_fraction_leaf,
                "fraction of total weight kept in every leaf",
            ),
            ParamSpec::new("max_features", self.max_features, "all | sqrt | log2 | fraction | count"),
            ParamSpec::new(
                "max_leaf_nodes",
                show_opt(self.max_leaf_nodes),
                "grow best-first to this many leaves, or none",
            ),
            ParamSpec::new(
                "min_impurity_decrease",
                self.min_impurity_decrease,
                "smallest weighted impurity decrease worth a split",
            ),
            ParamSpec::new("ccp_alpha", self.ccp_alpha, "cost-complexity pruning strength"),
            ParamSpec::new("seed", self.seed, "seed of feature order and random thresholds"),
        ]
    }

    pub(crate) fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "criterion" => self.criterion = parse_param(name, value)?,
            "splitter" => self.splitter = parse_param(name, value)?,
            "max_depth" => self.max_depth = parse_opt(name, value)?,
            "min_samples_split" => self.min_samples_split = parse_param(name, value)?,
            "min_samples_leaf" => self.min_samples_leaf = parse_param(name, value)?,
            "min_weight_fraction_leaf" => self.min_weight_fraction_leaf = parse_param(name, value)?,
            "max_features" => self.max_features = parse_param(name, value)?,
            "max_leaf_nodes" => self.max_leaf_nodes = parse_opt(name, value)?,
            "min_impurity_decrease" => self.min_impurity_decrease = parse_param(name, value)?,
            "ccp_alpha" => self.ccp_alpha = parse_param(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The builder setters shared by every parameter struct that embeds [`TreeParams`] at the
/// given field path (`tree`, `forest.tree`).
macro_rules! tree_setters {
    ($($field:ident).+) => {
        /// Set the criterion.
        pub fn criterion(mut self, c: $crate::tree::Criterion) -> Self {
            self.$($field).+.criterion = c;
            self
        }
        /// Set the splitter.
        pub fn splitter(mut self, s: $crate::tree::Splitter) -> Self {
            self.$($field).+.splitter = s;
            self
        }
        /// Set the maximum depth.
        pub fn max_depth(mut self, d: Option<usize>) -> Self {
            self.$($field).+.max_depth = d;
            self
        }
        /// Set the minimum rows to split.
        pub fn min_samples_split(mut self, n: usize) -> Self {
            self.$($field).+.min_samples_split = n;
            self
        }
        /// Set the minimum rows per leaf.
        pub fn min_samples_leaf(mut self, n: usize) -> Self {
            self.$($field).+.min_samples_leaf = n;
            self
        }
        /// Set the minimum weight fraction per leaf.
        pub fn min_weight_fraction_leaf(mut self, f: f64) -> Self {
            self.$($field).+.min_weight_fraction_leaf = f;
            self
        }
        /// Set the features considered per split.
        pub fn max_features(mut self, m: $crate::tree::MaxFeatures) -> Self {
            self.$($field).+.max_features = m;
            self
        }
        /// Set the leaf budget (best-first growth).
        pub fn max_leaf_nodes(mut self, n: Option<usize>) -> Self {
            self.$($field).+.max_leaf_nodes = n;
            self
        }
        /// Set the minimum impurity decrease.
        pub fn min_impurity_decrease(mut self, v: f64) -> Self {
            self.$($field).+.min_impurity_decrease = v;
            self
        }
        /// Set the pruning strength.
        pub fn ccp_alpha(mut self, a: f64) -> Self {
            self.$($field).+.ccp_alpha = a;
            self
        }
        /// Set the seed.
        pub fn seed(mut self, s: u64) -> Self {
            self.$($field).+.seed = s;
            self
        }
    };
}
pub(crate) use tree_setters;

/// Checks of `fit` for models that accept missing values: non-empty, no infinity in the
/// features (NaN means missing), a finite target.
pub(crate) fn check_fit_missing_ok(data: &Dataset) -> Result<()> {
    let x = data.features();
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(Error::EmptyInput {
            what: "training features".into(),
            detail: format!("shape {} x {}", x.nrows(), x.ncols()),
        });
    }
    check_no_infinity(x, "training features")?;
    if let Some(Target::Continuous(y)) = data.target() {
        breadth_core::validate::check_finite_1d(y.view(), "training target")?;
    }
    Ok(())
}

fn check_no_infinity(x: ArrayView2<'_, f64>, what: &str) -> Result<()> {
    for (row, r) in x.outer_iter().enumerate() {
        if let Some((column, v)) = r.iter().enumerate().find(|(_, v)| v.is_infinite()) {
            return Err(Error::NonFinite {
                what: what.into(),
                row,
                column: column.to_string(),
                value: v.to_string(),
            });
        }
    }
    Ok(())
}

/// Checks of `predict` for models that accept missing values.
pub(crate) fn check_predict_missing_ok(
    model: &(impl Fitted + ?Sized),
    x: ArrayView2<'_, f64>,
) -> Result<()> {
    if x.ncols() != model.n_features_in() {
        return Err(Error::FeatureCountMismatch {
            model: model.model_name().into(),
            expected: model.n_features_in(),
            found: x.ncols(),
        });
    }
    check_no_infinity(x, "input features")
}

/// Grow one tree seeded with `seed` and prune it with `ccp_alpha` (used by the ensembles).
pub(crate) fn grow_pruned(
    cols: &Columns,
    y: Labels<'_>,
    w: &[f64],
    g: &Grow,
    ccp_alpha: f64,
    seed: u64,
) -> Tree {
    prune::prune(&grow(cols, y, w, g, &mut seeded_rng(seed)), ccp_alpha)
}

/// Argmax of each row, the lowest index on ties.
pub(crate) fn argmax_rows(p: &Array2<f64>) -> Array1<usize> {
    p.outer_iter()
        .map(|r| (0..r.len()).fold(0, |b, k| if r[k] > r[b] { k } else { b }))
        .collect()
}

/// The value vectors of the leaves reached by `x`, stacked.
pub(crate) fn leaf_values(tree: &Tree, x: ArrayView2<'_, f64>) -> Array2<f64> {
    let k = tree.n_values();
    let mut out = Array2::zeros((x.nrows(), k));
    for (mut o, row) in out.outer_iter_mut().zip(x.outer_iter()) {
        let leaf = tree.leaf_of(row);
        o.iter_mut()
            .zip(tree.value(leaf))
            .for_each(|(a, b)| *a = *b);
    }
    out
}

/// Hyper-parameters of a classification tree.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionTreeClassifierParams {
    /// Growth settings.
    pub tree: TreeParams,
    /// Class weighting.
    pub class_weight: ClassWeight,
}

impl Default for DecisionTreeClassifierParams {
    fn default() -> Self {
        DecisionTreeClassifierParams {
            tree: TreeParams::with_criterion(Criterion::Gini),
            class_weight: ClassWeight::Uniform,
        }
    }
}

impl DecisionTreeClassifierParams {
    tree_setters!(tree);
    /// Set the class weighting.
    pub fn class_weight(mut self, cw: ClassWeight) -> Self {
        self.class_weight = cw;
        self
    }

    fn grow_unpruned(&self, data: &Dataset) -> Result<(Tree, Vec<String>)> {
        check_fit_missing_ok(data)?;
        let (labels, names) = data.class_target("decision-tree-classifier")?;
        let g = self.tree.resolve(data.n_features(), true)?;
        let labels = labels.to_vec();
        let w = class_weighted(
            &labels,
            names.len(),
            &data.weights_or_ones().to_vec(),
            self.class_weight,
        );
        let cols = Columns::new(data.features());
        let tree = grow(
            &cols,
            Labels::Classes(&labels, names.len()),
            &w,
            &g,
            &mut seeded_rng(self.tree.seed),
        );
        Ok((tree, names.to_vec()))
    }

    /// The effective alphas and leaf impurities of minimal cost-complexity pruning.
    pub fn cost_complexity_pruning_path(&self, data: &Dataset) -> Result<PruningPath> {
        Ok(prune::pruning_path(&self.grow_unpruned(data)?.0))
    }
}

impl Configurable for DecisionTreeClassifierParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let mut s = self.tree.specs();
        s.push(ParamSpec::new(
            "class_weight",
            self.class_weight,
            "none | balanced",
        ));
        s
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        if name == "class_weight" {
            self.class_weight = parse_param(name, value)?;
            return Ok(true);
        }
        self.tree.set(name, value)
    }
}

/// A fitted classification tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTreeClassifier {
    tree: Tree,
    classes: Vec<String>,
}

impl Fit for DecisionTreeClassifierParams {
    type Fitted = DecisionTreeClassifier;
    fn fit(&self, data: &Dataset) -> Result<DecisionTreeClassifier> {
        let (tree, classes) = self.grow_unpruned(data)?;
        Ok(DecisionTreeClassifier {
            tree: prune::prune(&tree, self.tree.ccp_alpha),
            classes,
        })
    }
}

/// What every fitted single-tree model offers beyond prediction.
macro_rules! single_tree_methods {
    () => {
        /// The fitted tree.
        pub fn tree(&self) -> &Tree {
            &self.tree
        }
        /// The leaf index of each row.
        pub fn apply(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
            check_predict_missing_ok(self, x)?;
            Ok(self.tree.apply(x))
        }
        /// The node ids each row passes through, root to leaf.
        pub fn decision_path(&self, x: ArrayView2<'_, f64>) -> Result<Vec<Vec<usize>>> {
            check_predict_missing_ok(self, x)?;
            Ok(self.tree.decision_path(x))
        }
        /// Impurity-based (MDI) feature importances, summing to one.
        pub fn feature_importances(&self) -> Array1<f64> {
            self.tree.feature_importances()
        }
    };
}

impl DecisionTreeClassifier {
    single_tree_methods!();
    /// The tree as indented text (thresholds with two decimals).
    pub fn export_text(&self, feature_names: &[String]) -> String {
        export::text(
            &self.tree,
            feature_names,
            &LeafLabel::Classes(&self.classes),
            2,
        )
    }
    /// The tree in Graphviz DOT.
    pub fn export_dot(&self, feature_names: &[String]) -> String {
        export::dot(
            &self.tree,
            feature_names,
            &LeafLabel::Classes(&self.classes),
        )
    }
}

impl Fitted for DecisionTreeClassifier {
    fn model_name(&self) -> &'static str {
        "decision-tree-classifier"
    }
    fn n_features_in(&self) -> usize {
        self.tree.n_features
    }
}

impl Classifier for DecisionTreeClassifier {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.predict_proba(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_missing_ok(self, x)?;
        Ok(leaf_values(&self.tree, x))
    }
}

/// Hyper-parameters of a regression tree.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionTreeRegressorParams {
    /// Growth settings.
    pub tree: TreeParams,
}

impl Default for DecisionTreeRegressorParams {
    fn default() -> Self {
        DecisionTreeRegressorParams {
            tree: TreeParams::with_criterion(Criterion::SquaredError),
        }
    }
}

/// The target of a regression tree, checked for the criterion (Poisson needs $y \ge 0$, $\sum y > 0$).
pub(crate) fn regression_target(
    data: &Dataset,
    model: &str,
    criterion: Criterion,
) -> Result<Vec<f64>> {
    let y = data.continuous_target(model)?.to_vec();
    if criterion == Criterion::Poisson
        && (y.iter().any(|&v| v < 0.0) || y.iter().sum::<f64>() <= 0.0)
    {
        return Err(Error::param(
            "criterion",
            "poisson needs non-negative targets with a positive sum",
        ));
    }
    Ok(y)
}

impl DecisionTreeRegressorParams {
    tree_setters!(tree);

    fn grow_unpruned(&self, data: &Dataset) -> Result<Tree> {
        check_fit_missing_ok(data)?;
        let y = regression_target(data, "decision-tree-regressor", self.tree.criterion)?;
        let g = self.tree.resolve(data.n_features(), false)?;
        let w = data.weights_or_ones().to_vec();
        let cols = Columns::new(data.features());
        Ok(grow(
            &cols,
            Labels::Values(&y),
            &w,
            &g,
            &mut seeded_rng(self.tree.seed),
        ))
    }

    /// The effective alphas and leaf impurities of minimal cost-complexity pruning.
    pub fn cost_complexity_pruning_path(&self, data: &Dataset) -> Result<PruningPath> {
        Ok(prune::pruning_path(&self.grow_unpruned(data)?))
    }
}

impl Configurable for DecisionTreeRegressorParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        self.tree.specs()
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        self.tree.set(name, value)
    }
}

/// A fitted regression tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTreeRegressor {
    tree: Tree,
}

impl Fit for DecisionTreeRegressorParams {
    type Fitted = DecisionTreeRegressor;
    fn fit(&self, data: &Dataset) -> Result<DecisionTreeRegressor> {
        let tree = self.grow_unpruned(data)?;
        Ok(DecisionTreeRegressor {
            tree: prune::prune(&tree, self.tree.ccp_alpha),
        })
    }
}

impl DecisionTreeRegressor {
    single_tree_methods!();
    /// The tree as indented text (two decimals).
    pub fn export_text(&self, feature_names: &[String]) -> String {
        export::text(&self.tree, feature_names, &LeafLabel::Values, 2)
    }
    /// The tree in Graphviz DOT.
    pub fn export_dot(&self, feature_names: &[String]) -> String {
        export::dot(&self.tree, feature_names, &LeafLabel::Values)
    }
}

impl Fitted for DecisionTreeRegressor {
    fn model_name(&self) -> &'static str {
        "decision-tree-regressor"
    }
    fn n_features_in(&self) -> usize {
        self.tree.n_features
    }
}

impl Regressor for DecisionTreeRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_missing_ok(self, x)?;
        Ok(x.outer_iter()
            .map(|r| self.tree.value(self.tree.leaf_of(r))[0])
            .collect())
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::testing::{check_classifier_missing_ok, check_regressor_missing_ok};
    use super::*;
    use serde_json::Value;

    // Produced by reference/trees.py (scikit-learn 1.9.1, numpy 2.4.6).
    const CART: &str = include_str!("../../tests/fixtures/trees/cart.json");

    fn dataset(case: &Value) -> Dataset {
        let name = case["dataset"].as_str().unwrap();
        if name != "missing" {
            return breadth_data::datasets::load(name).unwrap();
        }
        let rows: Vec<Vec<f64>> = case["X"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        let x = Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j]);
        let y: Vec<usize> = case["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        Dataset::new(x)
            .with_target(Target::classes(y, vec!["0".into(), "1".into()]).unwrap())
            .unwrap()
    }

    fn configure(params: &Value) -> Vec<(String, String)> {
        params
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.as_str() != "weighted")
            .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_string)))
            .collect()
    }

    fn fit_case(case: &Value, extra: &[(String, String)]) -> (Tree, Dataset) {
        let mut data = dataset(case);
        if case["params"]["weighted"].as_bool() == Some(true) {
            let w = Array1::from_shape_fn(data.n_samples(), |i| 1.0 + (i % 3) as f64);
            data = data.with_sample_weight(w).unwrap();
        }
        let mut settings = configure(&case["params"]);
        settings.extend_from_slice(extra);
        let tree = if case["kind"] == "clf" {
            let p: DecisionTreeClassifierParams =
                breadth_core::registry::configure("t", &settings).unwrap();
            p.fit(&data).unwrap().tree
        } else {
            let p: DecisionTreeRegressorParams =
                breadth_core::registry::configure("t", &settings).unwrap();
            p.fit(&data).unwrap().tree
        };
        (tree, data)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    fn improvement(t: &Value, i: usize) -> f64 {
        let f = |k: &str, j: usize| t[k][j].as_f64().unwrap();
        let (l, r) = (
            t["left"][i].as_u64().unwrap() as usize,
            t["right"][i].as_u64().unwrap() as usize,
        );
        f("weight", i) * f("impurity", i)
            - f("weight", l) * f("impurity", l)
            - f("weight", r) * f("impurity", r)
    }

    /// Compare our node `a` with scikit-learn's node `b` and their subtrees; returns (nodes
    /// matched, ties): a tie is a node where both trees split with equal impurity decrease but
    /// on different tests, below which the trees may legitimately differ.
    fn compare(
        ours: &Tree,
        sk: &Value,
        x: &Array2<f64>,
        paths: &[Vec<usize>],
        a: usize,
        b: usize,
    ) -> (usize, usize) {
        let f = |k: &str| sk[k][b].as_f64().unwrap();
        let n = ours.node(a);
        assert_eq!(
            n.n_samples() as u64,
            sk["n_samples"][b].as_u64().unwrap(),
            "node {b} samples"
        );
        assert!(close(n.weight(), f("weight")), "node {b} weight");
        assert!(
            close(n.impurity(), f("impurity")),
            "node {b} impurity {} vs {}",
            n.impurity(),
            f("impurity")
        );
        let sk_value: Vec<f64> = sk["value"][b]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for (x, y) in ours.value(a).iter().zip(&sk_value) {
            assert!(close(*x, *y), "node {b} value {x} vs {y}");
        }
        let sk_leaf = sk["left"][b].as_i64().unwrap() < 0;
        assert_eq!(n.is_leaf(), sk_leaf, "node {b}: leaf in one tree only");
        if sk_leaf {
            return (1, 0);
        }
        if n.feature() as u64 != sk["feature"][b].as_u64().unwrap()
            || !close(n.threshold(), f("threshold"))
        {
            let ours_imp = n.weight() * n.impurity()
                - ours.node(n.left()).weight() * ours.node(n.left()).impurity()
                - ours.node(n.right()).weight() * ours.node(n.right()).impurity();
            assert!(
                close(ours_imp, improvement(sk, b)),
                "node {b}: different split, not a tie"
            );
            // Two tests that cut this node's rows the same way leave identical children: keep
            // comparing below them.
            let (sk_left, sk_right) = (
                sk["left"][b].as_u64().unwrap() as usize,
                sk["right"][b].as_u64().unwrap() as usize,
            );
            let (sk_f, sk_t) = (sk["feature"][b].as_u64().unwrap() as usize, f("threshold"));
            let sk_missing_left = sk["missing_left"][b].as_i64().unwrap() == 1;
            let same_cut = (0..x.nrows()).filter(|&r| paths[r].contains(&a)).all(|r| {
                let v = x[[r, sk_f]];
                let sk_goes_left = if v.is_nan() {
                    sk_missing_left
                } else {
                    (v as f32 as f64) <= sk_t
                };
                sk_goes_left == paths[r].contains(&n.left())
            });
            if !same_cut {
                return (1, 1);
            }
            let (l1, t1) = compare(ours, sk, x, paths, n.left(), sk_left);
            let (l2, t2) = compare(ours, sk, x, paths, n.right(), sk_right);
            return (1 + l1 + l2, 1 + t1 + t2);
        }
        assert_eq!(
            n.missing_left() as i64,
            sk["missing_left"][b].as_i64().unwrap(),
            "node {b} missing side"
        );
        let (l1, t1) = compare(
            ours,
            sk,
            x,
            paths,
            n.left(),
            sk["left"][b].as_u64().unwrap() as usize,
        );
        let (l2, t2) = compare(
            ours,
            sk,
            x,
            paths,
            n.right(),
            sk["right"][b].as_u64().unwrap() as usize,
        );
        (1 + l1 + l2, t1 + t2)
    }

    #[test]
    fn trees_match_scikit_learn_where_ties_allow() {
        let doc: Value = serde_json::from_str(CART).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let (tree, data) = fit_case(case, &[]);
            let sk = &case["tree"];
            let x = data.features().to_owned();
            let paths = tree.decision_path(x.view());
            let (matched, ties) = compare(&tree, sk, &x, &paths, 0, 0);
            let label = format!("{} {}", case["dataset"], case["params"]);
            if case["tie_free"].as_bool().unwrap() {
                assert_eq!(ties, 0, "{label}: tie-free case diverged");
                assert_eq!(
                    tree.n_nodes(),
                    sk["left"].as_array().unwrap().len(),
                    "{label}"
                );
                assert_eq!(matched, tree.n_nodes(), "{label}");
            }
            // Exact ties are rare: nearly the whole tree must agree.
            println!(
                "{label}: {matched} of {} nodes compared, {ties} ties",
                tree.n_nodes()
            );
            assert!(
                ties * 4 <= matched,
                "{label}: {ties} ties in {matched} nodes"
            );
        }
    }

    #[test]
    fn pruning_paths_match_scikit_learn() {
        let doc: Value = serde_json::from_str(CART).unwrap();
        for case in doc["pruning"].as_array().unwrap() {
            let data = dataset(case);
            let settings = configure(&case["params"]);
            let path = if case["kind"] == "clf" {
                let p: DecisionTreeClassifierParams =
                    breadth_core::registry::configure("t", &settings).unwrap();
                p.cost_complexity_pruning_path(&data).unwrap()
            } else {
                let p: DecisionTreeRegressorParams =
                    breadth_core::registry::configure("t", &settings).unwrap();
                p.cost_complexity_pruning_path(&data).unwrap()
            };
            let alphas: Vec<f64> = case["ccp_alphas"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let imps: Vec<f64> = case["impurities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let label = case["dataset"].to_string();
            assert_eq!(path.ccp_alphas.len(), alphas.len(), "{label}");
            for (a, b) in path.ccp_alphas.iter().zip(&alphas) {
                assert!((a - b).abs() < 1e-12, "{label}: alpha {a} vs {b}");
            }
            for (a, b) in path.impurities.iter().zip(&imps) {
                assert!((a - b).abs() < 1e-12, "{label}: impurity {a} vs {b}");
            }
            let alpha = case["alpha"].as_f64().unwrap();
            let (pruned, _) = fit_case(case, &[("ccp_alpha".into(), alpha.to_string())]);
            assert_eq!(
                pruned.n_nodes(),
                case["pruned"]["left"].as_array().unwrap().len(),
                "{label}"
            );
        }
    }

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier_missing_ok(
            &DecisionTreeClassifierParams::default().max_depth(Some(4)),
            &iris,
        );
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        check_regressor_missing_ok(
            &DecisionTreeRegressorParams::default().max_depth(Some(4)),
            &diabetes,
        );
    }

    #[test]
    fn random_splitter_and_max_features_are_seeded() {
        let wine = breadth_data::datasets::load("wine").unwrap();
        let p = DecisionTreeClassifierParams::default()
            .splitter(Splitter::Random)
            .max_features(MaxFeatures::Sqrt);
        let a = p.clone().seed(1).fit(&wine).unwrap();
        assert_eq!(a, p.clone().seed(1).fit(&wine).unwrap());
        assert_ne!(a, p.seed(2).fit(&wine).unwrap());
        // A fully grown tree separates the training data.
        assert_eq!(
            a.predict(wine.features()).unwrap(),
            wine.class_target("t").unwrap().0
        );
    }

    #[test]
    fn bad_parameters_and_targets_are_refused() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        let err = DecisionTreeClassifierParams::default()
            .min_samples_split(1)
            .fit(&iris)
            .unwrap_err();
        assert!(err.to_string().contains("min_samples_split"), "{err}");
        let err = DecisionTreeClassifierParams::default()
            .criterion(Criterion::SquaredError)
            .fit(&iris)
            .unwrap_err();
        assert!(err.to_string().contains("criterion"), "{err}");
        assert!(DecisionTreeRegressorParams::default().fit(&iris).is_err());
        let ds = Dataset::new(ndarray::array![[0.0], [1.0]])
            .with_target(Target::Continuous(ndarray::array![-1.0, 2.0]))
            .unwrap();
        let p = DecisionTreeRegressorParams::default().criterion(Criterion::Poisson);
        assert!(p.fit(&ds).is_err());
    }

    #[test]
    fn apply_path_importances_and_exports() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        let m = DecisionTreeClassifierParams::default()
            .max_depth(Some(2))
            .fit(&iris)
            .unwrap();
        let leaves = m.apply(iris.features()).unwrap();
        let paths = m.decision_path(iris.features()).unwrap();
        for (leaf, path) in leaves.iter().zip(&paths) {
            assert_eq!(path[0], 0);
            assert_eq!(path.last(), Some(leaf));
        }
        let imp = m.feature_importances();
        assert!((imp.sum() - 1.0).abs() < 1e-12);
        // Only the petal features are used at depth 2.
        assert_eq!(imp[0] + imp[1], 0.0);
        let text = m.export_text(iris.feature_names());
        assert_eq!(text.lines().count(), 2 * 2 + 3);
        assert!(text.contains("|--- petal length (cm) >  2.45"), "{text}");
        let dot = m.export_dot(iris.feature_names());
        assert_eq!(dot.matches(" -> ").count(), 4);
    }
}
