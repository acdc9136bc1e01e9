//! Univariate selection: score each feature alone against the target, keep the best.
//!
//! Scores, for feature $j$ with values $x_{ij}$ and target $y_i$:
//!
//! - chi-squared (non-negative features, classes $k$): with observed class totals
//!   $O_{kj} = \sum_{i: y_i = k} x_{ij}$ and expected $E_{kj} = \frac{n_k}{n} \sum_i x_{ij}$,
//!   $\chi^2_j = \sum_k (O_{kj} - E_{kj})^2 / E_{kj}$ on $K - 1$ degrees of freedom;
//! - ANOVA F (classes): the one-way F statistic of the feature's values grouped by class;
//! - F of a regression (continuous target): with $r_j$ the correlation of $x_j$ and $y$,
//!   $F_j = r_j^2 (n - 2) / (1 - r_j^2)$ on $(1, n - 2)$ degrees of freedom;
//! - mutual information $I(x_j; y)$ with classes or a continuous target, estimated from
//!   $k = 3$ nearest neighbours with seed 0 (see [`super::mutual_info`]; no p-values).
//!
//! [`SelectKBestParams`] keeps the $k$ highest scores (on ties, the later columns, as
//! scikit-learn's stable argsort); [`SelectPercentileParams`] keeps the scores above the
//! $(100 - p)$-th percentile, filling up to $\lfloor d p / 100 \rfloor$ with tied columns in order.
//!
//! Cost $O(nd)$ to score (mutual information $O(nd \log n)$) plus $O(d \log d)$ to rank.
//!
//! Reference: scikit-learn's `chi2`, `f_classif`, `f_regression`, `mutual_info_classif`,
//! `mutual_info_regression`, `SelectKBest`, `SelectPercentile`.
//!
//! ```
//! use breadth_classic::feature_selection::{ScoreFunc, SelectKBestParams};
//! use breadth_core::{Dataset, Fit, Transformer};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let sel = SelectKBestParams::default().score_func(ScoreFunc::FClassif).k(2).fit(&iris).unwrap();
//! assert_eq!(sel.selected(), vec![2, 3]); // the petal measurements
//! ```

use std::str::FromStr;

use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, in_range};
use breadth_core::{Dataset, Error, Fit, Result};
use ndarray::{ArrayView1, Axis};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor};

use super::mutual_info::{mutual_info_classif, mutual_info_regression, MutualInfoParams};
use super::{SelectedFeatures, SelectorKind};
use crate::outlier::percentile;

/// A univariate score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScoreFunc {
    /// Chi-squared statistic of non-negative features against classes.
    Chi2,
    /// ANOVA F statistic against classes.
    FClassif,
    /// F statistic of a one-feature regression against a continuous target.
    FRegression,
    /// Estimated mutual information with classes (all features continuous).
    MutualInfoClassif,
    /// Estimated mutual information with a continuous target (all features continuous).
    MutualInfoRegression,
}

impl FromStr for ScoreFunc {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s {
            "chi2" => Self::Chi2,
            "f_classif" => Self::FClassif,
            "f_regression" => Self::FRegression,
            "mutual_info_classif" => Self::MutualInfoClassif,
            "mutual_info_regression" => Self::MutualInfoRegression,
            _ => {
                return Err(
                    "expected chi2, f_classif, f_regression, mutual_info_classif or \
                            mutual_info_regression"
                        .into(),
                )
            }
        })
    }
}

impl std::fmt::Display for ScoreFunc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Chi2 => "chi2",
            Self::FClassif => "f_classif",
            Self::FRegression => "f_regression",
            Self::MutualInfoClassif => "mutual_info_classif",
            Self::MutualInfoRegression => "mutual_info_regression",
        })
    }
}

fn numerical(e: impl std::fmt::Display) -> Error {
    Error::numerical("score distribution", e.to_string())
}

/// Scores of every feature of `data`, and p-values for the statistical tests.
pub fn score_features(func: ScoreFunc, data: &Dataset) -> Result<(Vec<f64>, Option<Vec<f64>>)> {
    check_fit_input(data)?;
    let x = data.features();
    let mi = MutualInfoParams::default();
    match func {
        ScoreFunc::MutualInfoClassif => {
            let (labels, _) = data.class_target("mutual_info_classif")?;
            Ok((mutual_info_classif(x, labels.view(), &mi)?, None))
        }
        ScoreFunc::MutualInfoRegression => {
            let y = data.continuous_target("mutual_info_regression")?;
            Ok((mutual_info_regression(x, y.view(), &mi)?, None))
        }
        ScoreFunc::Chi2 | ScoreFunc::FClassif => {
            let (labels, names) = data.class_target("univariate selection")?;
            let k = names.len();
            if func == ScoreFunc::Chi2 {
                if x.iter().any(|&v| v < 0.0) {
                    return Err(Error::param("data", "chi2 needs non-negative features"));
                }
                let n = x.nrows() as f64;
                let mut observed = ndarray::Array2::<f64>::zeros((k, x.ncols()));
                let mut count = vec![0.0; k];
                for (row, &l) in x.outer_iter().zip(labels.iter()) {
                    observed.row_mut(l).scaled_add(1.0, &row);
                    count[l] += 1.0;
                }
                let totals = observed.sum_axis(Axis(0));
                let dist = ChiSquared::new((k.max(2) - 1) as f64).map_err(numerical)?;
                let scores: Vec<f64> = (0..x.ncols())
                    .map(|j| {
                        (0..k)
                            .map(|c| {
                                let e = count[c] / n * totals[j];
                                (observed[[c, j]] - e).powi(2) / e
                            })
                            .sum()
                    })
                    .collect();
                let p = scores.iter().map(|&s| dist.sf(s)).collect();
                Ok((scores, Some(p)))
            } else {
                let groups: Vec<Vec<usize>> = (0..k)
                    .map(|c| (0..x.nrows()).filter(|&i| labels[i] == c).collect())
                    .collect();
                let mut scores = Vec::with_capacity(x.ncols());
                let mut p = Vec::with_capacity(x.ncols());
                for col in x.axis_iter(Axis(1)) {
                    let g: Vec<ndarray::Array1<f64>> = groups
                        .iter()
                        .map(|rows| col.select(Axis(0), rows))
                        .collect();
                    let views: Vec<ArrayView1<'_, f64>> = g.iter().map(|a| a.view()).collect();
                    let t = breadth_metrics::stats::anova::f_oneway(&views)?;
                    scores.push(t.statistic);
                    p.push(t.p_value);
                }
                Ok((scores, Some(p)))
            }
        }
        ScoreFunc::FRegression => {
            let y = data.continuous_target("f_regression")?;
            let n = x.nrows();
            if n < 3 {
                return Err(Error::param("data", "f_regression needs at least 3 rows"));
            }
            let yc = &y - y.mean().unwrap_or(0.0);
            let ynorm = yc.dot(&yc).sqrt();
            let dof = (n - 2) as f64;
            let dist = FisherSnedecor::new(1.0, dof).map_err(numerical)?;
            let mut scores = Vec::with_capacity(x.ncols());
            let mut p = Vec::with_capacity(x.ncols());
            for col in x.axis_iter(Axis(1)) {
                let xc = &col - col.mean().unwrap_or(0.0);
                let r = xc.dot(&yc) / (xc.dot(&xc).sqrt() * ynorm);
                let r2 = if r.is_finite() { r * r } else { 0.0 };
                let f = r2 / (1.0 - r2) * dof;
                scores.push(f);
                p.push(if f.is_finite() { dist.sf(f) } else { 0.0 });
            }
            Ok((scores, Some(p)))
        }
    }
}

/// Hyper-parameters of [`SelectKBestParams`]: keep the `k` best-scoring features.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectKBestParams {
    /// The score.
    pub score_func: ScoreFunc,
    /// Features kept (capped at $d$).
    pub k: usize,
}

impl Default for SelectKBestParams {
    fn default() -> Self {
        SelectKBestParams {
            score_func: ScoreFunc::FClassif,
            k: 10,
        }
    }
}

impl SelectKBestParams {
    /// Set the score.
    pub fn score_func(mut self, f: ScoreFunc) -> Self {
        self.score_func = f;
        self
    }
    /// Set $k$.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
}

/// Hyper-parameters of [`SelectPercentileParams`]: keep the best `percentile` % of the features.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectPercentileParams {
    /// The score.
    pub score_func: ScoreFunc,
    /// Percentage of features kept, in $(0, 100]$.
    pub percentile: f64,
}

impl Default for SelectPercentileParams {
    fn default() -> Self {
        SelectPercentileParams {
            score_func: ScoreFunc::FClassif,
            percentile: 10.0,
        }
    }
}

impl SelectPercentileParams {
    /// Set the score.
    pub fn score_func(mut self, f: ScoreFunc) -> Self {
        self.score_func = f;
        self
    }
    /// Set the percentile.
    pub fn percentile(mut self, p: f64) -> Self {
        self.percentile = p;
        self
    }
}

macro_rules! configurable {
    ($ty:ty, $field:ident, $help:literal) => {
        impl Configurable for $ty {
            fn param_specs(&self) -> Vec<ParamSpec> {
                vec![
                    ParamSpec::new(
                        "score_func",
                        self.score_func,
                        "chi2 | f_classif | f_regression | mutual_info_classif | mutual_info_regression",
                    ),
                    ParamSpec::new(stringify!($field), self.$field, $help),
                ]
            }
            fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
                match name {
                    "score_func" => self.score_func = parse_param(name, value)?,
                    stringify!($field) => self.$field = parse_param(name, value)?,
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }
    };
}
configurable!(SelectKBestParams, k, "number of features kept");
configurable!(
    SelectPercentileParams,
    percentile,
    "percentage of features kept"
);

/// NaN scores (a constant feature) rank lowest, as scikit-learn.
fn rankable(scores: &[f64]) -> Vec<f64> {
    scores
        .iter()
        .map(|&s| if s.is_nan() { f64::NEG_INFINITY } else { s })
        .collect()
}

fn with_pvalues(mut sel: SelectedFeatures, p: Option<Vec<f64>>) -> SelectedFeatures {
    sel.pvalues = p;
    sel
}

impl Fit for SelectKBestParams {
    type Fitted = SelectedFeatures;
    fn fit(&self, data: &Dataset) -> Result<SelectedFeatures> {
        if self.k == 0 {
            return Err(Error::param("k", "must be at least 1"));
        }
        let (scores, p) = score_features(self.score_func, data)?;
        let s = rankable(&scores);
        let mut order: Vec<usize> = (0..s.len()).collect();
        order.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
        let mut support = vec![false; s.len()];
        order
            .iter()
            .rev()
            .take(self.k)
            .for_each(|&j| support[j] = true);
        Ok(with_pvalues(
            SelectedFeatures::new(SelectorKind::SelectKBest, support, scores)?,
            p,
        ))
    }
}

impl Fit for SelectPercentileParams {
    type Fitted = SelectedFeatures;
    fn fit(&self, data: &Dataset) -> Result<SelectedFeatures> {
        in_range("percentile", self.percentile, 1e-12, 100.0)?;
        let (scores, p) = score_features(self.score_func, data)?;
        let s = rankable(&scores);
        let threshold = percentile(&s, 1.0 - self.percentile / 100.0);
        let mut support: Vec<bool> = s.iter().map(|&v| v > threshold).collect();
        let max_feats = (s.len() as f64 * self.percentile / 100.0) as usize;
        let mut room = max_feats.saturating_sub(support.iter().filter(|&&b| b).count());
        for j in 0..s.len() {
            if room > 0 && s[j] == threshold {
                support[j] = true;
                room -= 1;
            }
        }
        Ok(with_pvalues(
            SelectedFeatures::new(SelectorKind::SelectPercentile, support, scores)?,
            p,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feature_selection::testing::{arr1, fs_fixture, mask};
    use breadth_core::conformance::check_transformer;

    fn dataset(name: &str) -> Dataset {
        breadth_data::datasets::load(name).unwrap()
    }

    #[test]
    fn scores_and_selections_match_scikit_learn() {
        // Expected values: reference/feature_selection.py, scikit-learn 1.9.1 (iris; raw diabetes).
        let f = fs_fixture();
        for (key, func, data) in [
            ("chi2", ScoreFunc::Chi2, "iris"),
            ("f_classif", ScoreFunc::FClassif, "iris"),
            ("f_regression", ScoreFunc::FRegression, "diabetes"),
        ] {
            let ds = dataset(data);
            let (s, p) = score_features(func, &ds).unwrap();
            let p = p.unwrap();
            let (es, ep) = (arr1(&f[key]["scores"]), arr1(&f[key]["pvalues"]));
            for j in 0..s.len() {
                assert!(
                    (s[j] - es[j]).abs() <= 1e-9 * es[j].abs().max(1.0),
                    "{key} score {j}"
                );
                assert!(
                    (p[j] - ep[j]).abs() <= 1e-6 * ep[j] + 1e-300,
                    "{key} p {j}: {} vs {}",
                    p[j],
                    ep[j]
                );
            }
            let k3 = SelectKBestParams::default()
                .score_func(func)
                .k(3)
                .fit(&ds)
                .unwrap();
            assert_eq!(k3.support(), mask(&f[key]["k3"]).as_slice(), "{key} k=3");
            let p40 = SelectPercentileParams::default()
                .score_func(func)
                .percentile(40.0)
                .fit(&ds)
                .unwrap();
            assert_eq!(p40.support(), mask(&f[key]["p40"]).as_slice(), "{key} 40%");
        }
    }

    /// Fixture: reference/feature_selection.py (scikit-learn 1.9.1), `mutual_info.json`: the
    /// selection on iris with scikit-learn's seeded scores (ours differ by the noise only).
    #[test]
    fn mutual_info_selects_like_scikit_learn() {
        let f = crate::neighbors::testing::fixture("feature_selection/mutual_info.json");
        let iris = dataset("iris");
        let sel = SelectKBestParams::default()
            .score_func(ScoreFunc::MutualInfoClassif)
            .k(2)
            .fit(&iris)
            .unwrap();
        assert_eq!(sel.support(), mask(&f["classif"]["k2"]).as_slice());
        assert!(sel.pvalues().is_none());
        let want = arr1(&f["classif"]["mi"]);
        for (a, b) in sel.scores().iter().zip(&want) {
            // Iris has tied values, broken by noise that is not NumPy's: close, not equal.
            assert!((a - b).abs() < 0.05, "{a} vs {b}");
        }
        let diabetes = dataset("diabetes");
        let (s, _) = score_features(ScoreFunc::MutualInfoRegression, &diabetes).unwrap();
        assert_eq!(s.len(), 10);
        assert!(score_features(ScoreFunc::MutualInfoRegression, &iris).is_err());
    }

    #[test]
    fn refuses_what_the_score_cannot_use() {
        let iris = dataset("iris");
        let diabetes = dataset("diabetes");
        assert!(score_features(ScoreFunc::FRegression, &iris).is_err());
        assert!(score_features(ScoreFunc::Chi2, &diabetes).is_err());
        assert!(SelectKBestParams::default().k(0).fit(&iris).is_err());
        assert!(SelectPercentileParams::default()
            .percentile(0.0)
            .fit(&iris)
            .is_err());
    }

    #[test]
    fn conformance() {
        let iris = dataset("iris");
        check_transformer(&SelectKBestParams::default().k(2), &iris);
        check_transformer(&SelectPercentileParams::default().percentile(50.0), &iris);
    }
}
