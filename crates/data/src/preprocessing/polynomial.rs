//! Polynomial and interaction features (scikit-learn's `PolynomialFeatures`).
//!
//! For a row $x \in \mathbb{R}^d$ the output holds every monomial
//! $\prod_{j} x_j^{p_j}$ with total degree $m = \sum_j p_j$ in $[\max(1, m_{\min}), m_{\max}]$,
//! preceded by the constant 1 when `include_bias`; with `interaction_only` every $p_j \le 1$.
//! Columns come in scikit-learn's order: the bias, then degree by degree, and within a degree the
//! index tuples $j_1 \le j_2 \le \dots \le j_m$ ($<$ for interactions) in lexicographic order.
//! Names join the factors by a space, `x0^2 x1`, and the bias is `1`.
//!
//! Each monomial of degree $m$ is its parent of degree $m - 1$ (the tuple without its last
//! index) times one input, so a row costs one multiplication per output column, the same
//! recurrence and rounding as scikit-learn's dense path.
//!
//! Shapes: $n \times d$ in, $n \times \big(\binom{d + m_{\max}}{m_{\max}}$ less the excluded
//! degrees$\big)$ out ($\sum_m \binom{d}{m}$ for interactions). Cost: $O(1)$ per output entry.
//!
//! Reference: scikit-learn 1.9 `sklearn/preprocessing/_polynomial.py`.
//!
//! ```
//! use breadth_core::{Dataset, Fit, Transformer};
//! use breadth_data::preprocessing::polynomial::PolynomialFeaturesParams;
//! use ndarray::array;
//! let ds = Dataset::new(array![[2.0, 3.0]]);
//! let p = PolynomialFeaturesParams::default().fit(&ds).unwrap();
//! assert_eq!(p.transform(ds.features()).unwrap(), array![[1.0, 2.0, 3.0, 4.0, 6.0, 9.0]]);
//! assert_eq!(p.output_names(ds.feature_names()), vec!["1", "x0", "x1", "x0^2", "x0 x1", "x1^2"]);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input};
use breadth_core::{Dataset, Error, Fit, Result, Transformer};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::map_rows;

/// Refuse outputs wider than this: a mistyped degree should fail, not exhaust memory.
const MAX_OUTPUT_COLUMNS: usize = 1 << 24;

/// Hyper-parameters of the polynomial expansion.
#[derive(Debug, Clone, PartialEq)]
pub struct PolynomialFeaturesParams {
    /// Largest total degree $m_{\max}$.
    pub degree: usize,
    /// Smallest total degree $m_{\min}$ of the non-bias columns (scikit-learn's `degree=(min, max)`).
    pub min_degree: usize,
    /// Only products of distinct features.
    pub interaction_only: bool,
    /// Lead with a column of ones.
    pub include_bias: bool,
}

impl Default for PolynomialFeaturesParams {
    fn default() -> Self {
        PolynomialFeaturesParams {
            degree: 2,
            min_degree: 0,
            interaction_only: false,
            include_bias: true,
        }
    }
}

impl PolynomialFeaturesParams {
    /// Set the largest degree.
    pub fn degree(mut self, degree: usize) -> Self {
        self.degree = degree;
        self
    }
    /// Set the smallest degree of the non-bias columns.
    pub fn min_degree(mut self, min_degree: usize) -> Self {
        self.min_degree = min_degree;
        self
    }
    /// Only products of distinct features.
    pub fn interaction_only(mut self, yes: bool) -> Self {
        self.interaction_only = yes;
        self
    }
    /// Include the column of ones.
    pub fn include_bias(mut self, yes: bool) -> Self {
        self.include_bias = yes;
        self
    }
}

impl Configurable for PolynomialFeaturesParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("degree", self.degree, "largest total degree"),
            ParamSpec::new(
                "min_degree",
                self.min_degree,
                "smallest degree (besides the bias)",
            ),
            ParamSpec::new(
                "interaction_only",
                self.interaction_only,
                "only products of distinct features",
            ),
            ParamSpec::new(
                "include_bias",
                self.include_bias,
                "lead with a column of ones",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "degree" => self.degree = parse_param(name, value)?,
            "min_degree" => self.min_degree = parse_param(name, value)?,
            "interaction_only" => self.interaction_only = parse_param(name, value)?,
            "include_bias" => self.include_bias = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A monomial of the full table: `value = table[parent] * x[feature]`; entry 0 is the constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Term {
    parent: u32,
    feature: u32,
}

/// A fitted polynomial expansion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolynomialFeatures {
    /// Every monomial of degree 0..=max in order (entry 0 is the constant, its own parent).
    table: Vec<Term>,
    /// Entries of `table` that are output columns, in output order.
    selected: Vec<u32>,
    n_features: usize,
}

/// Index tuples of every degree from 0 to `max_degree` in scikit-learn's order, as a table of
/// (parent, feature) terms; the degree of each entry comes alongside.
fn build_table(
    d: usize,
    max_degree: usize,
    interaction_only: bool,
) -> Result<(Vec<Term>, Vec<usize>)> {
    let mut table = vec![Term {
        parent: 0,
        feature: 0,
    }];
    let mut degree = vec![0];
    let mut last_feature = vec![0usize];
    let mut previous = 0..1;
    for m in 1..=max_degree {
        let start = table.len();
        for p in previous.clone() {
            let first = match (m, interaction_only) {
                (1, _) => 0,
                (_, true) => last_feature[p] + 1,
                (_, false) => last_feature[p],
            };
            for f in first..d {
                table.push(Term {
                    parent: p as u32,
                    feature: f as u32,
                });
                degree.push(m);
                last_feature.push(f);
            }
            if table.len() > MAX_OUTPUT_COLUMNS {
                return Err(Error::param(
                    "degree",
                    format!("degree {max_degree} on {d} features gives more than {MAX_OUTPUT_COLUMNS} columns"),
                ));
            }
        }
        previous = start..table.len();
    }
    Ok((table, degree))
}

impl Fit for PolynomialFeaturesParams {
    type Fitted = PolynomialFeatures;
    fn fit(&self, data: &Dataset) -> Result<PolynomialFeatures> {
        if self.min_degree > self.degree {
            return Err(Error::param(
                "min_degree",
                format!(
                    "must not exceed degree ({}), got {}",
                    self.degree, self.min_degree
                ),
            ));
        }
        if self.degree == 0 && !self.include_bias {
            return Err(Error::param(
                "degree",
                "degree 0 without include_bias would give no columns",
            ));
        }
        check_fit_input(data)?;
        let d = data.n_features();
        let (table, degree) = build_table(d, self.degree, self.interaction_only)?;
        let lowest = self.min_degree.max(1);
        let selected = (0..table.len())
            .filter(|&t| (t == 0 && self.include_bias) || degree[t] >= lowest)
            .map(|t| t as u32)
            .collect();
        Ok(PolynomialFeatures {
            table,
            selected,
            n_features: d,
        })
    }
}

impl PolynomialFeatures {
    /// The exponent of each input in each output column (scikit-learn's `powers_`).
    pub fn powers(&self) -> Array2<u32> {
        let mut all = Array2::<u32>::zeros((self.table.len(), self.n_features));
        for t in 1..self.table.len() {
            let Term { parent, feature } = self.table[t];
            let row = all.row(parent as usize).to_owned();
            all.row_mut(t).assign(&row);
            all[[t, feature as usize]] += 1;
        }
        all.select(
            ndarray::Axis(0),
            &self
                .selected
                .iter()
                .map(|&s| s as usize)
                .collect::<Vec<_>>(),
        )
    }
}

impl Fitted for PolynomialFeatures {
    fn model_name(&self) -> &'static str {
        "polynomial-features"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Transformer for PolynomialFeatures {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let full = self.table.len();
        // A small per-block table: each monomial reuses its parent, which stays in cache.
        Ok(map_rows(
            x,
            self.selected.len(),
            || vec![1.0; full],
            |values, row, mut out| {
                for (t, term) in self.table.iter().enumerate().skip(1) {
                    values[t] = values[term.parent as usize] * row[term.feature as usize];
                }
                for (o, &s) in out.iter_mut().zip(&self.selected) {
                    *o = values[s as usize];
                }
            },
        ))
    }

    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        self.powers()
            .outer_iter()
            .map(|p| {
                let factors: Vec<String> = p
                    .iter()
                    .enumerate()
                    .filter(|(_, &e)| e > 0)
                    .map(|(j, &e)| match e {
                        1 => input_names[j].clone(),
                        e => format!("{}^{e}", input_names[j]),
                    })
                    .collect();
                if factors.is_empty() {
                    "1".to_string()
                } else {
                    factors.join(" ")
                }
            })
            .collect()
    }

    fn n_features_out(&self) -> usize {
        self.selected.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocessing::fixtures::{check_cases, matrix};
    use breadth_core::conformance::check_transformer;
    use ndarray::{array, Array1};
    use rand::Rng as _;

    // Expected values: reference/preprocessing.py, scikit-learn 1.9.1.
    #[test]
    fn matches_scikit_learn_values_order_and_names() {
        check_cases::<PolynomialFeaturesParams>("polynomial_features", 1e-10, |case, m| {
            let powers = matrix(&case.attrs["powers_"]).mapv(|p| p as u32);
            assert_eq!(m.powers(), powers, "powers_ of {:?}", case.params);
        });
    }

    /// The definition: each column is the product of the inputs its powers name.
    fn transform_slow(m: &PolynomialFeatures, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let p = m.powers();
        Array2::from_shape_fn((x.nrows(), p.nrows()), |(i, c)| {
            (0..x.ncols())
                .map(|j| x[[i, j]].powi(p[[c, j]] as i32))
                .product()
        })
    }

    #[test]
    fn recurrence_matches_the_definition() {
        let mut rng = breadth_core::seeded_rng(11);
        let x = Array2::from_shape_fn((50, 4), |_| rng.random::<f64>() * 4.0 - 2.0);
        let ds = Dataset::new(x.clone());
        for (degree, interaction_only, bias) in
            [(3, false, true), (4, true, false), (2, false, false)]
        {
            let m = PolynomialFeaturesParams::default()
                .degree(degree)
                .interaction_only(interaction_only)
                .include_bias(bias)
                .fit(&ds)
                .unwrap();
            let fast = m.transform(x.view()).unwrap();
            let slow = transform_slow(&m, x.view());
            let err = (&fast - &slow)
                .mapv(f64::abs)
                .fold(0.0, |a: f64, &b| a.max(b));
            assert!(err < 1e-13 * 16.0, "max error {err}");
        }
    }

    #[test]
    fn column_counts_are_binomial() {
        let ds = Dataset::new(Array2::zeros((1, 5)));
        // C(5 + 3, 3) = 56 monomials of degree <= 3; interactions: 1 + 5 + 10 + 10 = 26.
        let full = PolynomialFeaturesParams::default()
            .degree(3)
            .fit(&ds)
            .unwrap();
        assert_eq!(full.n_features_out(), 56);
        let inter = PolynomialFeaturesParams::default()
            .degree(3)
            .interaction_only(true)
            .fit(&ds)
            .unwrap();
        assert_eq!(inter.n_features_out(), 26);
        // Interactions stop at the number of features.
        let capped = PolynomialFeaturesParams::default()
            .degree(9)
            .interaction_only(true)
            .fit(&ds)
            .unwrap();
        assert_eq!(capped.n_features_out(), 32);
        assert_eq!(
            capped
                .transform(Array2::ones((1, 5)).view())
                .unwrap()
                .row(0),
            Array1::<f64>::ones(32)
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        let ds = Dataset::new(array![[1.0, 2.0]]);
        let p = PolynomialFeaturesParams::default()
            .degree(0)
            .include_bias(false);
        assert!(p.fit(&ds).unwrap_err().to_string().contains("degree"));
        let p = PolynomialFeaturesParams::default().degree(2).min_degree(3);
        assert!(p.fit(&ds).unwrap_err().to_string().contains("min_degree"));
        let wide = Dataset::new(Array2::zeros((1, 200)));
        let p = PolynomialFeaturesParams::default().degree(6);
        assert!(p.fit(&wide).unwrap_err().to_string().contains("columns"));
    }

    #[test]
    fn conformance() {
        let iris = crate::datasets::load("iris").unwrap();
        check_transformer(&PolynomialFeaturesParams::default(), &iris);
        check_transformer(
            &PolynomialFeaturesParams::default()
                .degree(3)
                .interaction_only(true),
            &iris,
        );
    }
}
