//! Random forests (Breiman 2001) and extremely randomized trees (Geurts, Ernst & Wehenkel 2006).
//!
//! Each of $T$ trees is grown on a bootstrap sample (a random forest: $n$ draws with replacement,
//! expressed as integer sample weights) or on all rows (extra trees), considering `max_features`
//! random features per split (random forest: the best threshold; extra trees: one random threshold
//! per feature). The forest predicts the mean of the trees' class probabilities (classification)
//! or values (regression): $\hat p(x) = \frac1T \sum_t \hat p_t(x)$.
//!
//! The out-of-bag (OOB) estimate scores each row with the trees whose bootstrap left it out.
//! Trees are grown in parallel; tree $t$ uses its own seed derived from `seed` before the work is
//! distributed, so the forest is the same whatever the number of threads.
//!
//! Shapes: $X$ is $n \times d$. Cost: $T$ trees of $O(m\, n \log^2 n)$ each ($m$ = max features).
//!
//! ```
//! use breadth_classic::ensemble::forest::RandomForestClassifierParams;
//! use breadth_core::{Classifier, Fit};
//! let wine = breadth_data::datasets::load("wine").unwrap();
//! let m = RandomForestClassifierParams::default().n_estimators(20).oob_score(true).fit(&wine).unwrap();
//! assert!(m.oob_score().unwrap() > 0.9);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::rng::child_seeds;
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Regressor, Result};
use ndarray::{Array1, Array2, ArrayView2};
use rand::Rng as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::tree::build::{Columns, Labels};
use crate::tree::{
    argmax_rows, check_fit_missing_ok, check_predict_missing_ok, class_weighted, grow_pruned,
    leaf_values, regression_target, tree_setters, ClassWeight, Criterion, MaxFeatures, Splitter,
    Tree, TreeParams,
};

/// Settings shared by every forest.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestParams {
    /// Growth settings of each tree.
    pub tree: TreeParams,
    /// Number of trees.
    pub n_estimators: usize,
    /// Grow each tree on a bootstrap sample.
    pub bootstrap: bool,
    /// Bootstrap sample size as a fraction of the rows (`None`: all rows).
    pub max_samples: Option<f64>,
    /// Compute the out-of-bag score (needs `bootstrap`).
    pub oob_score: bool,
}

impl ForestParams {
    fn new(
        criterion: Criterion,
        splitter: Splitter,
        max_features: MaxFeatures,
        bootstrap: bool,
    ) -> Self {
        let mut tree = TreeParams::with_criterion(criterion);
        tree.splitter = splitter;
        tree.max_features = max_features;
        ForestParams {
            tree,
            n_estimators: 100,
            bootstrap,
            max_samples: None,
            oob_score: false,
        }
    }

    fn specs(&self) -> Vec<ParamSpec> {
        let mut s = self.tree.specs();
        s.extend([
            ParamSpec::new("n_estimators", self.n_estimators, "number of trees"),
            ParamSpec::new(
                "bootstrap",
                self.bootstrap,
                "grow each tree on a bootstrap sample",
            ),
            ParamSpec::new(
                "max_samples",
                self.max_samples.map_or("none".into(), |v| v.to_string()),
                "bootstrap size as a fraction of the rows, or none",
            ),
            ParamSpec::new("oob_score", self.oob_score, "compute the out-of-bag score"),
        ]);
        s
    }

    fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_estimators" => self.n_estimators = parse_param(name, value)?,
            "bootstrap" => self.bootstrap = parse_param(name, value)?,
            "max_samples" => {
                self.max_samples = if value.eq_ignore_ascii_case("none") {
                    None
                } else {
                    Some(parse_param(name, value)?)
                }
            }
            "oob_score" => self.oob_score = parse_param(name, value)?,
            _ => return self.tree.set(name, value),
        }
        Ok(true)
    }

    fn check(&self) -> Result<()> {
        if self.n_estimators == 0 {
            return Err(Error::param("n_estimators", "must be at least 1"));
        }
        if self.oob_score && !self.bootstrap {
            return Err(Error::param("oob_score", "needs bootstrap=true"));
        }
        if let Some(f) = self.max_samples {
            if !(f > 0.0 && f <= 1.0) {
                return Err(Error::param("max_samples", "must lie in (0, 1]"));
            }
        }
        Ok(())
    }

    /// Grow the trees in parallel; returns them with each tree's bootstrap counts (empty when
    /// not bootstrapping).
    fn grow(
        &self,
        data: &Dataset,
        y: Labels<'_>,
        w: &[f64],
        classification: bool,
    ) -> Result<(Vec<Tree>, Vec<Vec<u32>>)> {
        self.check()?;
        let g = self.tree.resolve(data.n_features(), classification)?;
        let cols = Columns::new(data.features());
        let n = data.n_samples();
        let draws = self
            .max_samples
            .map_or(n, |f| ((f * n as f64) as usize).max(1));
        let out: Vec<(Tree, Vec<u32>)> = child_seeds(self.tree.seed, self.n_estimators)
            .into_par_iter()
            .map(|seed| {
                let mut rng = seeded_rng(seed);
                let (weights, counts) = if self.bootstrap {
                    let mut counts = vec![0u32; n];
                    for _ in 0..draws {
                        counts[rng.random_range(0..n)] += 1;
                    }
                    let weights = w
                        .iter()
                        .zip(&counts)
                        .map(|(wi, &c)| wi * c as f64)
                        .collect();
                    (weights, counts)
                } else {
                    (w.to_vec(), Vec::new())
                };
                let tree_seed: u64 = rng.random();
                (
                    grow_pruned(&cols, y, &weights, &g, self.tree.ccp_alpha, tree_seed),
                    counts,
                )
            })
            .collect();
        Ok(out.into_iter().unzip())
    }
}

/// Which forest a fitted model is (its registered name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Kind {
    RandomForest,
    ExtraTrees,
}

/// Mean of the trees' leaf values, rows in parallel.
fn mean_values(trees: &[Tree], x: ArrayView2<'_, f64>) -> Array2<f64> {
    let parts: Vec<Array2<f64>> = trees.par_iter().map(|t| leaf_values(t, x)).collect();
    let mut sum = Array2::zeros((x.nrows(), trees[0].n_values()));
    for p in &parts {
        sum += p;
    }
    sum / trees.len() as f64
}

/// Mean normalized MDI over the trees, renormalized.
fn mean_importances(trees: &[Tree]) -> Array1<f64> {
    let mut sum = Array1::zeros(trees[0].n_features());
    for t in trees {
        sum += &t.feature_importances();
    }
    crate::tree::model::normalize(sum.to_vec())
}

/// Out-of-bag mean leaf values: `None` for rows every tree saw.
fn oob_values(
    trees: &[Tree],
    counts: &[Vec<u32>],
    x: ArrayView2<'_, f64>,
) -> Vec<Option<Vec<f64>>> {
    let k = trees[0].n_values();
    let mut sum = vec![vec![0.0; k]; x.nrows()];
    let mut hits = vec![0usize; x.nrows()];
    for (t, c) in trees.iter().zip(counts) {
        for (i, row) in x.outer_iter().enumerate() {
            if c[i] == 0 {
                let v = t.value(t.leaf_of(row));
                sum[i].iter_mut().zip(v).for_each(|(a, b)| *a += b);
                hits[i] += 1;
            }
        }
    }
    sum.into_iter()
        .zip(hits)
        .map(|(s, h)| (h > 0).then(|| s.into_iter().map(|v| v / h as f64).collect()))
        .collect()
}

macro_rules! forest_setters {
    () => {
        tree_setters!(forest.tree);
        /// Set the number of trees.
        pub fn n_estimators(mut self, n: usize) -> Self {
            self.forest.n_estimators = n;
            self
        }
        /// Grow on bootstrap samples or not.
        pub fn bootstrap(mut self, b: bool) -> Self {
            self.forest.bootstrap = b;
            self
        }
        /// Compute the out-of-bag score.
        pub fn oob_score(mut self, b: bool) -> Self {
            self.forest.oob_score = b;
            self
        }
        /// Set the bootstrap size fraction.
        pub fn max_samples(mut self, f: Option<f64>) -> Self {
            self.forest.max_samples = f;
            self
        }
    };
}

macro_rules! forest_classifier_params {
    ($name:ident, $kind:expr, $splitter:expr, $bootstrap:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            /// Forest settings.
            pub forest: ForestParams,
            /// Class weighting.
            pub class_weight: ClassWeight,
        }
        impl Default for $name {
            fn default() -> Self {
                $name {
                    forest: ForestParams::new(
                        Criterion::Gini,
                        $splitter,
                        MaxFeatures::Sqrt,
                        $bootstrap,
                    ),
                    class_weight: ClassWeight::Uniform,
                }
            }
        }
        impl $name {
            forest_setters!();
            /// Set the class weighting.
            pub fn class_weight(mut self, cw: ClassWeight) -> Self {
                self.class_weight = cw;
                self
            }
        }
        impl Configurable for $name {
            fn param_specs(&self) -> Vec<ParamSpec> {
                let mut s = self.forest.specs();
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
                self.forest.set(name, value)
            }
        }
        impl Fit for $name {
            type Fitted = ForestClassifier;
            fn fit(&self, data: &Dataset) -> Result<ForestClassifier> {
                fit_classifier(&self.forest, self.class_weight, data, $kind)
            }
        }
    };
}

macro_rules! forest_regressor_params {
    ($name:ident, $kind:expr, $splitter:expr, $bootstrap:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            /// Forest settings.
            pub forest: ForestParams,
        }
        impl Default for $name {
            fn default() -> Self {
                $name {
                    forest: ForestParams::new(
                        Criterion::SquaredError,
                        $splitter,
                        MaxFeatures::All,
                        $bootstrap,
                    ),
                }
            }
        }
        impl $name {
            forest_setters!();
        }
        impl Configurable for $name {
            fn param_specs(&self) -> Vec<ParamSpec> {
                self.forest.specs()
            }
            fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
                self.forest.set(name, value)
            }
        }
        impl Fit for $name {
            type Fitted = ForestRegressor;
            fn fit(&self, data: &Dataset) -> Result<ForestRegressor> {
                fit_regressor(&self.forest, data, $kind)
            }
        }
    };
}

forest_classifier_params!(
    RandomForestClassifierParams,
    Kind::RandomForest,
    Splitter::Best,
    true,
    "Hyper-parameters of a random forest classifier (defaults: 100 trees, gini, sqrt features, bootstrap)."
);
forest_classifier_params!(
    ExtraTreesClassifierParams,
    Kind::ExtraTrees,
    Splitter::Random,
    false,
    "Hyper-parameters of an extra-trees classifier (defaults: 100 trees, gini, sqrt features, no bootstrap)."
);
forest_regressor_params!(
    RandomForestRegressorParams,
    Kind::RandomForest,
    Splitter::Best,
    true,
    "Hyper-parameters of a random forest regressor (defaults: 100 trees, squared error, all features, bootstrap)."
);
forest_regressor_params!(
    ExtraTreesRegressorParams,
    Kind::ExtraTrees,
    Splitter::Random,
    false,
    "Hyper-parameters of an extra-trees regressor (defaults: 100 trees, squared error, all features, no bootstrap)."
);

fn fit_classifier(
    p: &ForestParams,
    cw: ClassWeight,
    data: &Dataset,
    kind: Kind,
) -> Result<ForestClassifier> {
    check_fit_missing_ok(data)?;
    let (labels, names) = data.class_target("forest classifier")?;
    let labels = labels.to_vec();
    let w = class_weighted(&labels, names.len(), &data.weights_or_ones().to_vec(), cw);
    let (trees, counts) = p.grow(data, Labels::Classes(&labels, names.len()), &w, true)?;
    let oob_score = p.oob_score.then(|| {
        let oob = oob_values(&trees, &counts, data.features());
        let scored: Vec<(usize, &Vec<f64>)> = oob
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (i, v)))
            .collect();
        let hits = scored
            .iter()
            .filter(|(i, v)| {
                (0..v.len()).fold(0, |b, k| if v[k] > v[b] { k } else { b }) == labels[*i]
            })
            .count();
        hits as f64 / scored.len().max(1) as f64
    });
    Ok(ForestClassifier {
        trees,
        classes: names.to_vec(),
        kind,
        oob_score,
    })
}

fn fit_regressor(p: &ForestParams, data: &Dataset, kind: Kind) -> Result<ForestRegressor> {
    check_fit_missing_ok(data)?;
    let y = regression_target(data, "forest regressor", p.tree.criterion)?;
    let w = data.weights_or_ones().to_vec();
    let (trees, counts) = p.grow(data, Labels::Values(&y), &w, false)?;
    let oob_score = p.oob_score.then(|| {
        let oob = oob_values(&trees, &counts, data.features());
        let pairs: Vec<(f64, f64)> = oob
            .iter()
            .zip(&y)
            .filter_map(|(v, &t)| v.as_ref().map(|v| (v[0], t)))
            .collect();
        let mean = pairs.iter().map(|p| p.1).sum::<f64>() / pairs.len().max(1) as f64;
        let ss_res: f64 = pairs.iter().map(|(p, t)| (p - t).powi(2)).sum();
        let ss_tot: f64 = pairs.iter().map(|(_, t)| (t - mean).powi(2)).sum();
        1.0 - ss_res / ss_tot
    });
    Ok(ForestRegressor {
        trees,
        kind,
        oob_score,
    })
}

/// A fitted random forest or extra-trees classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestClassifier {
    trees: Vec<Tree>,
    classes: Vec<String>,
    kind: Kind,
    oob_score: Option<f64>,
}

/// A fitted random forest or extra-trees regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestRegressor {
    trees: Vec<Tree>,
    kind: Kind,
    oob_score: Option<f64>,
}

macro_rules! forest_common {
    ($ty:ident, $rf:literal, $et:literal) => {
        impl $ty {
            /// The trees.
            pub fn trees(&self) -> &[Tree] {
                &self.trees
            }
            /// The out-of-bag score (accuracy or R²) when requested at fit.
            pub fn oob_score(&self) -> Option<f64> {
                self.oob_score
            }
            /// Mean impurity-decrease (MDI) importances, summing to one.
            pub fn feature_importances(&self) -> Array1<f64> {
                mean_importances(&self.trees)
            }
            /// The leaf index of each row in each tree (`n x n_trees`).
            pub fn apply(&self, x: ArrayView2<'_, f64>) -> Result<Array2<usize>> {
                check_predict_missing_ok(self, x)?;
                let mut out = Array2::zeros((x.nrows(), self.trees.len()));
                for (t, tree) in self.trees.iter().enumerate() {
                    out.column_mut(t).assign(&tree.apply(x));
                }
                Ok(out)
            }
        }
        impl Fitted for $ty {
            fn model_name(&self) -> &'static str {
                match self.kind {
                    Kind::RandomForest => $rf,
                    Kind::ExtraTrees => $et,
                }
            }
            fn n_features_in(&self) -> usize {
                self.trees[0].n_features()
            }
        }
    };
}

forest_common!(
    ForestClassifier,
    "random-forest-classifier",
    "extra-trees-classifier"
);
forest_common!(
    ForestRegressor,
    "random-forest-regressor",
    "extra-trees-regressor"
);

impl Classifier for ForestClassifier {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.predict_proba(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_missing_ok(self, x)?;
        Ok(mean_values(&self.trees, x))
    }
}

impl Regressor for ForestRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_missing_ok(self, x)?;
        Ok(mean_values(&self.trees, x).column(0).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::testing::{check_classifier_missing_ok, check_regressor_missing_ok};

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier_missing_ok(
            &RandomForestClassifierParams::default().n_estimators(5),
            &iris,
        );
        check_classifier_missing_ok(
            &ExtraTreesClassifierParams::default().n_estimators(5),
            &iris,
        );
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        check_regressor_missing_ok(
            &RandomForestRegressorParams::default()
                .n_estimators(5)
                .max_depth(Some(5)),
            &diabetes,
        );
        check_regressor_missing_ok(
            &ExtraTreesRegressorParams::default()
                .n_estimators(5)
                .max_depth(Some(5)),
            &diabetes,
        );
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let wine = breadth_data::datasets::load("wine").unwrap();
        let p = RandomForestClassifierParams::default()
            .n_estimators(8)
            .oob_score(true);
        let fit_with = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| p.fit(&wine).unwrap())
        };
        assert_eq!(fit_with(1), fit_with(4));
    }

    #[test]
    fn oob_and_importances_are_sensible() {
        let diabetes = breadth_data::datasets::load("diabetes").unwrap();
        let m = RandomForestRegressorParams::default()
            .n_estimators(30)
            .oob_score(true)
            .min_samples_leaf(5)
            .fit(&diabetes)
            .unwrap();
        let oob = m.oob_score().unwrap();
        // scikit-learn's oob_score_ here is about 0.43; a forest that learned nothing is near 0.
        assert!((0.3..0.6).contains(&oob), "{oob}");
        let imp = m.feature_importances();
        assert!((imp.sum() - 1.0).abs() < 1e-9);
        // bmi (2) and s5 (8) dominate diabetes progression.
        let top = imp.iter().cloned().fold(0.0, f64::max);
        assert!(imp[2] == top || imp[8] == top, "{imp}");
        assert!(RandomForestRegressorParams::default()
            .bootstrap(false)
            .oob_score(true)
            .fit(&diabetes)
            .is_err());
    }
}
