//! Nearest-neighbour imputation (scikit-learn's `KNNImputer`).
//!
//! Distances ignore missing coordinates and scale up for them (scikit-learn's
//! `nan_euclidean_distances`): for rows $x, y \in \mathbb{R}^d$ with $P$ the coordinates present
//! in both,
//! $$ \mathrm{dist}(x, y) = \sqrt{\tfrac{d}{|P|} \textstyle\sum_{j \in P} (x_j - y_j)^2}, $$
//! and NaN when $P = \emptyset$. A missing $x_{ij}$ is filled from the *donors* for column $j$
//! (training rows with $y_j$ present): among them the $k$ nearest (fewer if there are fewer
//! donors; NaN distances rank last, equal distances by training row order) give
//! $\sum_r w_r y_{rj} / \sum_r w_r$ with $w_r = 1$ (`uniform`) or $1 / \mathrm{dist}_r$
//! (`distance`; when a donor is at distance 0 only those at distance 0 count), and $w_r = 0$ for a
//! NaN distance. When every donor's distance is NaN the column's training mean is used.
//! Columns with no observed value at fit are dropped (or, with `keep_empty_features`, set to 0
//! entirely).
//!
//! The squared distance is summed directly over $P$ rather than expanded as scikit-learn does
//! ($\lVert x\rVert^2 - 2x\cdot y + \lVert y \rVert^2$ with corrections): the same number without
//! its cancellation error, so results agree to rounding wherever no two donors are equally near.
//!
//! Shapes: fit on $n_f \times d$; transform $n \times d$ to $n \times d'$ (kept columns, then the
//! indicator with `add_indicator`). Cost: $O(n_f d)$ per row with a missing value, plus a
//! selection of $k$ among $n_f$ per missing entry; rows run in parallel.
//!
//! Reference: O. Troyanskaya et al., *Missing value estimation methods for DNA microarrays*,
//! Bioinformatics 17 (2001); scikit-learn 1.9 `sklearn/impute/_knn.py`.
//!
//! ```
//! use breadth_core::{Dataset, Fit, Transformer};
//! use breadth_data::impute::knn::KnnImputerParams;
//! use ndarray::array;
//! let train = Dataset::new(array![[0.0, 10.0], [1.0, 20.0], [10.0, 30.0]]);
//! let imp = KnnImputerParams::default().n_neighbors(2).fit(&train).unwrap();
//! // The two rows nearest to x0 = 0.4 have 10 and 20 in the second column.
//! assert_eq!(imp.transform(array![[0.4, f64::NAN]].view()).unwrap(), array![[0.4, 15.0]]);
//! ```

use std::cmp::Ordering;
use std::str::FromStr;

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::{Dataset, Error, Fit, Result, Transformer};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::indicator::{MissingIndicator, MissingIndicatorParams};
use super::{assemble, assemble_names, check_fit_allow_nan, check_transform_allow_nan};
use crate::preprocessing::map_rows;

/// How the neighbours' values are averaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Weights {
    /// Plain mean.
    Uniform,
    /// Weighted by inverse distance.
    Distance,
}

impl FromStr for Weights {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "uniform" => Ok(Self::Uniform),
            "distance" => Ok(Self::Distance),
            _ => Err("expected uniform or distance".into()),
        }
    }
}

impl std::fmt::Display for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Uniform => "uniform",
            Self::Distance => "distance",
        })
    }
}

/// Hyper-parameters of the nearest-neighbour imputer.
#[derive(Debug, Clone, PartialEq)]
pub struct KnnImputerParams {
    /// Number of donors averaged, $k \ge 1$.
    pub n_neighbors: usize,
    /// How donors are weighted.
    pub weights: Weights,
    /// Keep columns without observed values (filled with 0).
    pub keep_empty_features: bool,
    /// Append the missing indicator (of the columns with missing values at fit).
    pub add_indicator: bool,
}

impl Default for KnnImputerParams {
    fn default() -> Self {
        KnnImputerParams {
            n_neighbors: 5,
            weights: Weights::Uniform,
            keep_empty_features: false,
            add_indicator: false,
        }
    }
}

impl KnnImputerParams {
    /// Set the number of donors.
    pub fn n_neighbors(mut self, k: usize) -> Self {
        self.n_neighbors = k;
        self
    }
    /// Set the donor weighting.
    pub fn weights(mut self, w: Weights) -> Self {
        self.weights = w;
        self
    }
    /// Keep columns without observed values.
    pub fn keep_empty_features(mut self, yes: bool) -> Self {
        self.keep_empty_features = yes;
        self
    }
    /// Append the missing indicator.
    pub fn add_indicator(mut self, yes: bool) -> Self {
        self.add_indicator = yes;
        self
    }
}

impl Configurable for KnnImputerParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("n_neighbors", self.n_neighbors, "donors averaged per value"),
            ParamSpec::new("weights", self.weights, "uniform | distance"),
            ParamSpec::new(
                "keep_empty_features",
                self.keep_empty_features,
                "keep all-missing columns (filled with 0)",
            ),
            ParamSpec::new(
                "add_indicator",
                self.add_indicator,
                "append 0/1 columns marking missing values",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_neighbors" => self.n_neighbors = parse_param(name, value)?,
            "weights" => self.weights = parse_param(name, value)?,
            "keep_empty_features" => self.keep_empty_features = parse_param(name, value)?,
            "add_indicator" => self.add_indicator = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted nearest-neighbour imputer: the training rows themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnnImputer {
    /// Training rows with missing entries set to 0 (model files cannot hold NaN).
    fit_x: Array2<f64>,
    /// Where the training rows were missing.
    fit_missing: Array2<bool>,
    /// Observed mean of each column (`None`: nothing observed, column dropped or zeroed).
    col_means: Vec<Option<f64>>,
    kept: Vec<usize>,
    n_neighbors: usize,
    weights: Weights,
    indicator: Option<MissingIndicator>,
}

/// NaN-aware Euclidean distance between a row (with its missing mask) and training row `r`.
fn nan_euclidean(
    x: ArrayView1<'_, f64>,
    y: ArrayView1<'_, f64>,
    y_missing: ArrayView1<'_, bool>,
) -> f64 {
    let (mut sq, mut present) = (0.0, 0usize);
    for ((&a, &b), &mb) in x.iter().zip(y.iter()).zip(y_missing.iter()) {
        if !a.is_nan() && !mb {
            sq += (a - b) * (a - b);
            present += 1;
        }
    }
    if present == 0 {
        f64::NAN
    } else {
        (sq * x.len() as f64 / present as f64).sqrt()
    }
}

/// NaN last, then by distance, then by training row: a total order, so the chosen donors never
/// depend on the selection algorithm.
fn donor_order(a: &(f64, usize), b: &(f64, usize)) -> Ordering {
    match (a.0.is_nan(), b.0.is_nan()) {
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        _ => a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)),
    }
}

impl KnnImputer {
    /// The weighted mean of column `j` over the `k` nearest donors, given all distances.
    fn impute(&self, dist: &[f64], j: usize, donors: &mut Vec<(f64, usize)>) -> f64 {
        donors.clear();
        donors.extend(
            dist.iter()
                .enumerate()
                .filter(|&(r, _)| !self.fit_missing[[r, j]])
                .map(|(r, &d)| (d, r)),
        );
        if donors.iter().all(|(d, _)| d.is_nan()) {
            // No donor shares a coordinate with the row (or there is none): the column mean.
            return self.col_means[j].unwrap_or(0.0);
        }
        let k = self.n_neighbors.min(donors.len());
        if k < donors.len() {
            donors.select_nth_unstable_by(k - 1, donor_order);
        }
        let nearest = &donors[..k];
        let any_zero = nearest.iter().any(|(d, _)| *d == 0.0);
        let weight = |d: f64| match (self.weights, d.is_nan()) {
            (_, true) => 0.0,
            (Weights::Uniform, false) => 1.0,
            (Weights::Distance, false) if any_zero => f64::from(u8::from(d == 0.0)),
            (Weights::Distance, false) => 1.0 / d,
        };
        let (num, den) = nearest.iter().fold((0.0, 0.0), |(num, den), &(d, r)| {
            let w = weight(d);
            (num + w * self.fit_x[[r, j]], den + w)
        });
        num / den
    }
}

impl Fit for KnnImputerParams {
    type Fitted = KnnImputer;
    fn fit(&self, data: &Dataset) -> Result<KnnImputer> {
        if self.n_neighbors == 0 {
            return Err(Error::param("n_neighbors", "must be at least 1"));
        }
        check_fit_allow_nan(data)?;
        let x = data.features();
        let fit_missing = x.mapv(f64::is_nan);
        let fit_x = x.mapv(|v| if v.is_nan() { 0.0 } else { v });
        let col_means: Vec<Option<f64>> = x
            .axis_iter(Axis(1))
            .map(|c| {
                let (sum, count) = c
                    .iter()
                    .filter(|v| !v.is_nan())
                    .fold((0.0, 0usize), |(s, n), &v| (s + v, n + 1));
                (count > 0).then(|| sum / count as f64)
            })
            .collect();
        let kept = (0..col_means.len())
            .filter(|&j| self.keep_empty_features || col_means[j].is_some())
            .collect();
        let indicator = self.add_indicator.then(|| {
            MissingIndicator::learn(&MissingIndicatorParams::default().error_on_new(false), x)
        });
        Ok(KnnImputer {
            fit_x,
            fit_missing,
            col_means,
            kept,
            n_neighbors: self.n_neighbors,
            weights: self.weights,
            indicator,
        })
    }
}

impl Fitted for KnnImputer {
    fn model_name(&self) -> &'static str {
        "knn-imputer"
    }
    fn n_features_in(&self) -> usize {
        self.col_means.len()
    }
}

impl Transformer for KnnImputer {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_transform_allow_nan(self, x)?;
        let n_fit = self.fit_x.nrows();
        let filled = map_rows(
            x,
            x.ncols(),
            || (vec![0.0; n_fit], Vec::with_capacity(n_fit)),
            |(dist, donors), row, mut out| {
                let mut distances_known = false;
                for (j, (o, &v)) in out.iter_mut().zip(row.iter()).enumerate() {
                    *o = match (v.is_nan(), self.col_means[j]) {
                        // A column never observed at fit: all zeros if kept (even its present
                        // values, as scikit-learn), dropped otherwise.
                        (_, None) => 0.0,
                        (false, Some(_)) => v,
                        (true, Some(_)) => {
                            if !distances_known {
                                for (r, d) in dist.iter_mut().enumerate() {
                                    *d = nan_euclidean(
                                        row,
                                        self.fit_x.row(r),
                                        self.fit_missing.row(r),
                                    );
                                }
                                distances_known = true;
                            }
                            self.impute(dist, j, donors)
                        }
                    };
                }
            },
        );
        assemble(filled, &self.kept, self.indicator.as_ref(), x)
    }

    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        assemble_names(input_names, &self.kept, self.indicator.as_ref())
    }

    fn n_features_out(&self) -> usize {
        self.kept.len() + self.indicator.as_ref().map_or(0, |i| i.n_features_out())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impute::conformance::check_nan_tolerant;
    use crate::preprocessing::fixtures::check_cases;
    use ndarray::array;
    use rand::Rng as _;

    // Expected values: reference/preprocessing.py, scikit-learn 1.9.1 (continuous random data,
    // so no two donors tie).
    #[test]
    fn matches_scikit_learn() {
        check_cases::<KnnImputerParams>("knn_imputer", 1e-10, |_, _| {});
    }

    /// scikit-learn's formula: the expanded squared distance with corrections for missing
    /// coordinates, rescaled by d / present.
    fn nan_euclidean_expanded(x: &[f64], y: &[f64]) -> f64 {
        let zero = |v: f64| if v.is_nan() { 0.0 } else { v };
        let (xx, yy): (Vec<f64>, Vec<f64>) = (
            x.iter().map(|&v| zero(v)).collect(),
            y.iter().map(|&v| zero(v)).collect(),
        );
        let mut d2 = xx.iter().map(|v| v * v).sum::<f64>() + yy.iter().map(|v| v * v).sum::<f64>()
            - 2.0 * xx.iter().zip(&yy).map(|(a, b)| a * b).sum::<f64>();
        d2 -= (0..x.len())
            .filter(|&j| y[j].is_nan())
            .map(|j| xx[j] * xx[j])
            .sum::<f64>();
        d2 -= (0..x.len())
            .filter(|&j| x[j].is_nan())
            .map(|j| yy[j] * yy[j])
            .sum::<f64>();
        let present = (0..x.len())
            .filter(|&j| !x[j].is_nan() && !y[j].is_nan())
            .count();
        if present == 0 {
            return f64::NAN;
        }
        (d2.max(0.0) * x.len() as f64 / present as f64).sqrt()
    }

    #[test]
    fn distance_matches_scikit_learns_formula() {
        let mut rng = breadth_core::seeded_rng(5);
        for _ in 0..200 {
            let mut draw = || {
                (0..6)
                    .map(|_| {
                        if rng.random::<f64>() < 0.3 {
                            f64::NAN
                        } else {
                            rng.random::<f64>() * 4.0 - 2.0
                        }
                    })
                    .collect::<Vec<f64>>()
            };
            let (x, y) = (draw(), draw());
            let y_missing: Vec<bool> = y.iter().map(|v| v.is_nan()).collect();
            let y0: Vec<f64> = y
                .iter()
                .map(|&v| if v.is_nan() { 0.0 } else { v })
                .collect();
            let fast = nan_euclidean(
                ArrayView1::from(&x),
                ArrayView1::from(&y0),
                ArrayView1::from(&y_missing),
            );
            let slow = nan_euclidean_expanded(&x, &y);
            assert!(
                (fast.is_nan() && slow.is_nan()) || (fast - slow).abs() < 1e-12 * 16.0,
                "{fast} vs {slow}"
            );
        }
    }

    #[test]
    fn a_donor_at_distance_zero_takes_all_the_weight() {
        let train = Dataset::new(array![[1.0, 5.0], [2.0, 7.0], [4.0, 9.0]]);
        let m = KnnImputerParams::default()
            .weights(Weights::Distance)
            .fit(&train)
            .unwrap();
        assert_eq!(
            m.transform(array![[2.0, f64::NAN]].view()).unwrap(),
            array![[2.0, 7.0]]
        );
        // Distances 1 and 2 to the donors with 5 and 9 (k = 2): (5/1 + 9/2) / (1 + 1/2).
        let m = KnnImputerParams::default()
            .n_neighbors(2)
            .weights(Weights::Distance)
            .fit(&train)
            .unwrap();
        let v = m.transform(array![[0.0, f64::NAN]].view()).unwrap()[[0, 1]];
        assert!((v - (5.0 + 7.0 / 2.0) / 1.5).abs() < 1e-12, "{v}");
    }

    #[test]
    fn zero_neighbours_are_refused() {
        let ds = Dataset::new(array![[1.0], [f64::NAN]]);
        let err = KnnImputerParams::default()
            .n_neighbors(0)
            .fit(&ds)
            .unwrap_err();
        assert!(err.to_string().contains("n_neighbors"), "{err}");
    }

    #[test]
    fn conformance_by_hand() {
        let ds = Dataset::new(array![
            [1.0, f64::NAN, 3.0],
            [4.0, 5.0, f64::NAN],
            [7.0, 8.0, 9.0],
            [f64::NAN, 1.0, 2.0],
            [0.5, 2.0, 2.5]
        ]);
        check_nan_tolerant(&KnnImputerParams::default().n_neighbors(2), &ds);
        check_nan_tolerant(
            &KnnImputerParams::default()
                .weights(Weights::Distance)
                .add_indicator(true),
            &ds,
        );
    }
}
