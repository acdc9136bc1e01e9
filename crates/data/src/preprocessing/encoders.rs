//! Categorical encoders over numeric category codes (scikit-learn's `OneHotEncoder` and
//! `OrdinalEncoder`).
//!
//! At fit each column $j$ learns its categories $C_j = (c_{j1} < \dots < c_{jk_j})$, the sorted
//! distinct values it holds (text columns arrive here already coded as numbers by the CSV reader).
//!
//! - **one-hot**: $x_{ij} = c_{jk}$ becomes the indicator block $e_k \in \{0,1\}^{k_j}$; with
//!   `drop = first` the first category's column is removed ($k_j - 1$ columns, the first category
//!   encoded as all zeros), with `drop = if_binary` only for two-category columns. A value outside
//!   $C_j$ is an error, or with `handle_unknown = ignore` an all-zero block;
//! - **ordinal**: $x_{ij} = c_{jk}$ becomes $k - 1$ (ranks from 0); an unseen value is an error
//!   or, with `handle_unknown = use_encoded_value:V`, the code $V$ (an integer outside
//!   $0..k_j$, or `nan`).
//!
//! Both invert: one-hot through the position of the block's largest entry (all-zero blocks give
//! the dropped category, or NaN for an unknown value), ordinal through the rank (NaN for $V$).
//!
//! Output names follow scikit-learn on float input: `name_category` for one-hot columns with the
//! category as Python prints a float (`x0_1.0`, `x0_2.5`), the input names for ordinal.
//!
//! Shapes: $n \times d$ in; one-hot $n \times \sum_j k_j$ (less dropped columns), ordinal
//! $n \times d$. Cost: $O(nd \log n)$ to fit (sorting), $O(nd \log k)$ to transform (binary search).
//!
//! Reference: scikit-learn 1.9 `sklearn/preprocessing/_encoders.py`.
//!
//! ```
//! use breadth_core::{Dataset, Fit, Transformer};
//! use breadth_data::preprocessing::encoders::{OneHotEncoderParams, HandleUnknown};
//! use ndarray::array;
//! let ds = Dataset::new(array![[3.0], [1.0], [3.0]]);
//! let enc = OneHotEncoderParams::default().handle_unknown(HandleUnknown::Ignore).fit(&ds).unwrap();
//! assert_eq!(enc.transform(array![[1.0], [3.0], [7.0]].view()).unwrap(),
//!            array![[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]);
//! assert_eq!(enc.output_names(&["x0".into()]), vec!["x0_1.0", "x0_3.0"]);
//! ```

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_finite, check_fit_input, check_predict_input};
use breadth_core::{Dataset, Error, Fit, Result, Transformer};
use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{format_category, map_rows};

/// Sorted distinct values of each column.
fn learn_categories(x: ArrayView2<'_, f64>) -> Vec<Vec<f64>> {
    x.axis_iter(Axis(1))
        .map(|c| {
            let mut v = c.to_vec();
            v.sort_by(f64::total_cmp);
            // `==` rather than bit equality: -0.0 and 0.0 are one category, as in numpy.unique.
            v.dedup_by(|a, b| a == b);
            v
        })
        .collect()
}

/// Rank of `v` among the sorted categories, if it is one.
fn lookup(categories: &[f64], v: f64) -> Option<usize> {
    categories
        .binary_search_by(|c| c.partial_cmp(&v).unwrap_or(std::cmp::Ordering::Less))
        .ok()
}

fn unknown_error(categories: &[f64], v: f64, row: usize, column: usize) -> Error {
    let known: Vec<String> = categories.iter().map(|c| format_category(*c)).collect();
    Error::UnknownLabel {
        label: format_category(v),
        what: format!("column {column}, row {row} (a category not seen at fit)"),
        known: known.join(", "),
    }
}

/// The first row with an unknown category, as an error. Called once the parallel transform has
/// seen one, so that the error names the first offending row whatever the thread count.
fn first_unknown(x: ArrayView2<'_, f64>, categories: &[Vec<f64>]) -> Error {
    for (i, row) in x.outer_iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if lookup(&categories[j], v).is_none() {
                return unknown_error(&categories[j], v, i, j);
            }
        }
    }
    Error::param("input", "holds a category not seen at fit")
}

/// Encode every row with `encode(row, out)`, which reports whether the row had an unknown
/// category; with `refuse_unknown` such a row makes the whole call an error.
fn encode_rows(
    x: ArrayView2<'_, f64>,
    n_out: usize,
    categories: &[Vec<f64>],
    refuse_unknown: bool,
    encode: impl Fn(ndarray::ArrayView1<'_, f64>, ndarray::ArrayViewMut1<'_, f64>) -> bool + Sync,
) -> Result<Array2<f64>> {
    let unknown = AtomicBool::new(false);
    let out = map_rows(
        x,
        n_out,
        || (),
        |_, row, out| {
            if encode(row, out) {
                unknown.store(true, AtomicOrdering::Relaxed);
            }
        },
    );
    if refuse_unknown && unknown.load(AtomicOrdering::Relaxed) {
        return Err(first_unknown(x, categories));
    }
    Ok(out)
}

fn check_inverse_width(model: &impl Fitted, x: ArrayView2<'_, f64>, n_out: usize) -> Result<()> {
    if x.ncols() != n_out {
        return Err(Error::FeatureCountMismatch {
            model: format!("{} (inverse_transform)", model.model_name()),
            expected: n_out,
            found: x.ncols(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// OneHotEncoder

/// What the one-hot encoder does with a category not seen at fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HandleUnknown {
    /// Refuse the input.
    Error,
    /// Encode it as an all-zero block.
    Ignore,
}

impl FromStr for HandleUnknown {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "error" => Ok(Self::Error),
            "ignore" => Ok(Self::Ignore),
            _ => Err("expected error or ignore".into()),
        }
    }
}

impl std::fmt::Display for HandleUnknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Ignore => "ignore",
        })
    }
}

/// Which category column, if any, the one-hot encoder drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Drop {
    /// Keep every category.
    None,
    /// Drop the first (smallest) category of every column.
    First,
    /// Drop the first category of columns with exactly two categories.
    IfBinary,
}

impl FromStr for Drop {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "none" => Ok(Self::None),
            "first" => Ok(Self::First),
            "if_binary" => Ok(Self::IfBinary),
            _ => Err("expected none, first or if_binary".into()),
        }
    }
}

impl std::fmt::Display for Drop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::None => "none",
            Self::First => "first",
            Self::IfBinary => "if_binary",
        })
    }
}

/// Hyper-parameters of the one-hot encoder.
#[derive(Debug, Clone, PartialEq)]
pub struct OneHotEncoderParams {
    /// What to do with unseen categories.
    pub handle_unknown: HandleUnknown,
    /// Which category to drop.
    pub drop: Drop,
}

impl Default for OneHotEncoderParams {
    fn default() -> Self {
        OneHotEncoderParams {
            handle_unknown: HandleUnknown::Error,
            drop: Drop::None,
        }
    }
}

impl OneHotEncoderParams {
    /// Set the handling of unseen categories.
    pub fn handle_unknown(mut self, h: HandleUnknown) -> Self {
        self.handle_unknown = h;
        self
    }
    /// Set which category is dropped.
    pub fn drop(mut self, d: Drop) -> Self {
        self.drop = d;
        self
    }
}

impl Configurable for OneHotEncoderParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("handle_unknown", self.handle_unknown, "error | ignore"),
            ParamSpec::new("drop", self.drop, "none | first | if_binary"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "handle_unknown" => self.handle_unknown = parse_param(name, value)?,
            "drop" => self.drop = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted one-hot encoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneHotEncoder {
    categories: Vec<Vec<f64>>,
    drop_idx: Vec<Option<usize>>,
    /// First output column of each input column's block.
    offsets: Vec<usize>,
    n_out: usize,
    handle_unknown: HandleUnknown,
}

impl OneHotEncoder {
    /// The categories of each input column, sorted.
    pub fn categories(&self) -> &[Vec<f64>] {
        &self.categories
    }
    /// The index of the dropped category of each column, if any.
    pub fn drop_idx(&self) -> &[Option<usize>] {
        &self.drop_idx
    }
    /// Width of column `j`'s block.
    fn width(&self, j: usize) -> usize {
        self.categories[j].len() - usize::from(self.drop_idx[j].is_some())
    }
}

impl Fit for OneHotEncoderParams {
    type Fitted = OneHotEncoder;
    fn fit(&self, data: &Dataset) -> Result<OneHotEncoder> {
        check_fit_input(data)?;
        let categories = learn_categories(data.features());
        let drop_idx: Vec<Option<usize>> = categories
            .iter()
            .map(|c| match self.drop {
                Drop::None => None,
                Drop::First => Some(0),
                Drop::IfBinary => (c.len() == 2).then_some(0),
            })
            .collect();
        let mut offsets = Vec::with_capacity(categories.len());
        let mut n_out = 0;
        for (c, d) in categories.iter().zip(&drop_idx) {
            offsets.push(n_out);
            n_out += c.len() - usize::from(d.is_some());
        }
        Ok(OneHotEncoder {
            categories,
            drop_idx,
            offsets,
            n_out,
            handle_unknown: self.handle_unknown,
        })
    }
}

impl Fitted for OneHotEncoder {
    fn model_name(&self) -> &'static str {
        "one-hot-encoder"
    }
    fn n_features_in(&self) -> usize {
        self.categories.len()
    }
}

impl Transformer for OneHotEncoder {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let refuse = self.handle_unknown == HandleUnknown::Error;
        encode_rows(x, self.n_out, &self.categories, refuse, |row, mut out| {
            let mut unknown = false;
            for (j, &v) in row.iter().enumerate() {
                let Some(k) = lookup(&self.categories[j], v) else {
                    unknown = true;
                    continue;
                };
                let column = match self.drop_idx[j] {
                    Some(d) if k == d => continue,
                    Some(d) if k > d => k - 1,
                    _ => k,
                };
                out[self.offsets[j] + column] = 1.0;
            }
            unknown
        })
    }

    fn inverse_transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_inverse_width(self, x, self.n_out)?;
        if x.nrows() > 0 {
            check_finite(x, "one-hot features")?;
        }
        let mut out = Array2::<f64>::zeros((x.nrows(), self.categories.len()));
        for (i, row) in x.outer_iter().enumerate() {
            for (j, cats) in self.categories.iter().enumerate() {
                let block = row.slice(ndarray::s![
                    self.offsets[j]..self.offsets[j] + self.width(j)
                ]);
                // First maximum, as numpy's argmax.
                let arg =
                    block
                        .iter()
                        .enumerate()
                        .fold(None, |best: Option<(usize, f64)>, (k, &v)| match best {
                            Some((_, b)) if b >= v => best,
                            _ => Some((k, v)),
                        });
                let zero_block = block.sum() == 0.0;
                out[[i, j]] = match (arg, self.drop_idx[j]) {
                    (None, Some(d)) => cats[d],
                    (Some(_), Some(d)) if zero_block => cats[d],
                    (Some(_), None) if zero_block => match self.handle_unknown {
                        HandleUnknown::Ignore => f64::NAN,
                        HandleUnknown::Error => {
                            return Err(Error::param(
                                "inverse_transform input",
                                format!("row {i} has an all-zero block for column {j}, which cannot be inverted without drop or handle_unknown=ignore"),
                            ))
                        }
                    },
                    (Some((k, _)), Some(d)) if k >= d => cats[k + 1],
                    (Some((k, _)), _) => cats[k],
                    (None, None) => unreachable!("a column without a dropped category has a non-empty block"),
                };
            }
        }
        Ok(out)
    }

    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_out);
        for (j, cats) in self.categories.iter().enumerate() {
            for (k, &c) in cats.iter().enumerate() {
                if self.drop_idx[j] != Some(k) {
                    names.push(format!("{}_{}", input_names[j], format_category(c)));
                }
            }
        }
        names
    }

    fn n_features_out(&self) -> usize {
        self.n_out
    }
}

// ---------------------------------------------------------------------------------------------
// OrdinalEncoder

/// The code given to unseen categories by the ordinal encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnknownValue {
    /// An integer code, which must not be a rank in use (`0..k_j` of any column).
    Code(i64),
    /// NaN.
    Nan,
}

/// What the ordinal encoder does with a category not seen at fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrdinalUnknown {
    /// Refuse the input.
    Error,
    /// Encode it as the given value.
    UseEncodedValue(UnknownValue),
}

impl FromStr for OrdinalUnknown {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        const EXPECTED: &str = "expected error, use_encoded_value:INTEGER or use_encoded_value:nan";
        match s {
            "error" => Ok(Self::Error),
            _ => {
                let v = s.strip_prefix("use_encoded_value:").ok_or(EXPECTED)?;
                if v.eq_ignore_ascii_case("nan") {
                    Ok(Self::UseEncodedValue(UnknownValue::Nan))
                } else {
                    v.parse()
                        .map(|c| Self::UseEncodedValue(UnknownValue::Code(c)))
                        .map_err(|_| EXPECTED.into())
                }
            }
        }
    }
}

impl std::fmt::Display for OrdinalUnknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Error => f.write_str("error"),
            Self::UseEncodedValue(UnknownValue::Nan) => f.write_str("use_encoded_value:nan"),
            Self::UseEncodedValue(UnknownValue::Code(c)) => write!(f, "use_encoded_value:{c}"),
        }
    }
}

/// Hyper-parameters of the ordinal encoder.
#[derive(Debug, Clone, PartialEq)]
pub struct OrdinalEncoderParams {
    /// What to do with unseen categories.
    pub handle_unknown: OrdinalUnknown,
}

impl Default for OrdinalEncoderParams {
    fn default() -> Self {
        OrdinalEncoderParams {
            handle_unknown: OrdinalUnknown::Error,
        }
    }
}

impl OrdinalEncoderParams {
    /// Set the handling of unseen categories.
    pub fn handle_unknown(mut self, h: OrdinalUnknown) -> Self {
        self.handle_unknown = h;
        self
    }
}

impl Configurable for OrdinalEncoderParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![ParamSpec::new(
            "handle_unknown",
            self.handle_unknown,
            "error | use_encoded_value:INTEGER | use_encoded_value:nan",
        )]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "handle_unknown" => self.handle_unknown = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A fitted ordinal encoder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdinalEncoder {
    categories: Vec<Vec<f64>>,
    handle_unknown: OrdinalUnknown,
}

impl OrdinalEncoder {
    /// The categories of each input column, sorted.
    pub fn categories(&self) -> &[Vec<f64>] {
        &self.categories
    }
    fn unknown_code(&self) -> Option<f64> {
        match self.handle_unknown {
            OrdinalUnknown::Error => None,
            OrdinalUnknown::UseEncodedValue(UnknownValue::Nan) => Some(f64::NAN),
            OrdinalUnknown::UseEncodedValue(UnknownValue::Code(c)) => Some(c as f64),
        }
    }
}

impl Fit for OrdinalEncoderParams {
    type Fitted = OrdinalEncoder;
    fn fit(&self, data: &Dataset) -> Result<OrdinalEncoder> {
        check_fit_input(data)?;
        let categories = learn_categories(data.features());
        if let OrdinalUnknown::UseEncodedValue(UnknownValue::Code(c)) = self.handle_unknown {
            if let Some(j) = categories
                .iter()
                .position(|k| (0..k.len() as i64).contains(&c))
            {
                return Err(Error::param(
                    "handle_unknown",
                    format!(
                        "the unknown value {c} is already the code of a category of column {j} \
                         (codes 0..{}); use a negative integer or nan",
                        categories[j].len()
                    ),
                ));
            }
        }
        Ok(OrdinalEncoder {
            categories,
            handle_unknown: self.handle_unknown,
        })
    }
}

impl Fitted for OrdinalEncoder {
    fn model_name(&self) -> &'static str {
        "ordinal-encoder"
    }
    fn n_features_in(&self) -> usize {
        self.categories.len()
    }
}

impl Transformer for OrdinalEncoder {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let code = self.unknown_code();
        encode_rows(
            x,
            x.ncols(),
            &self.categories,
            code.is_none(),
            |row, mut out| {
                let mut unknown = false;
                for (j, &v) in row.iter().enumerate() {
                    out[j] = match lookup(&self.categories[j], v) {
                        Some(k) => k as f64,
                        None => {
                            unknown = true;
                            code.unwrap_or(f64::NAN)
                        }
                    };
                }
                unknown
            },
        )
    }

    fn inverse_transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_inverse_width(self, x, self.categories.len())?;
        let unknown = self.unknown_code();
        let mut out = Array2::<f64>::zeros(x.raw_dim());
        for ((i, j), &v) in x.indexed_iter() {
            let is_unknown = unknown.is_some_and(|u| u == v || (u.is_nan() && v.is_nan()));
            let cats = &self.categories[j];
            out[[i, j]] = if is_unknown {
                f64::NAN
            } else if v.fract() == 0.0 && v >= 0.0 && (v as usize) < cats.len() {
                cats[v as usize]
            } else {
                return Err(Error::param(
                    "inverse_transform input",
                    format!(
                        "value {v} at row {i}, column {j} is not a code in 0..{}",
                        cats.len()
                    ),
                ));
            };
        }
        Ok(out)
    }

    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        input_names.to_vec()
    }

    fn n_features_out(&self) -> usize {
        self.categories.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocessing::fixtures::{assert_close, check_cases};
    use breadth_core::conformance::check_transformer;
    use ndarray::array;

    // Expected values: reference/preprocessing.py, scikit-learn 1.9.1 (exact: 0/1 and codes).
    const TOL: f64 = 1e-12;

    #[test]
    fn one_hot_matches_scikit_learn() {
        check_cases::<OneHotEncoderParams>("one_hot_encoder", TOL, |case, m| {
            // Every case round-trips on the rows without unseen categories.
            let back = m
                .inverse_transform(m.transform(case.fit_x.view()).unwrap().view())
                .unwrap();
            assert_close(&back, &case.fit_x, TOL, "one-hot round trip");
        });
    }

    #[test]
    fn ordinal_matches_scikit_learn() {
        check_cases::<OrdinalEncoderParams>("ordinal_encoder", TOL, |case, m| {
            let back = m
                .inverse_transform(m.transform(case.fit_x.view()).unwrap().view())
                .unwrap();
            assert_close(&back, &case.fit_x, TOL, "ordinal round trip");
        });
    }

    #[test]
    fn unseen_categories_are_refused_by_default_naming_the_place() {
        let ds = Dataset::new(array![[1.0, 2.0], [3.0, 2.0]]);
        let x = array![[1.0, 2.0], [3.0, 5.0]];
        let err = OneHotEncoderParams::default()
            .fit(&ds)
            .unwrap()
            .transform(x.view())
            .unwrap_err();
        assert!(err.to_string().contains("column 1, row 1"), "{err}");
        let err = OrdinalEncoderParams::default()
            .fit(&ds)
            .unwrap()
            .transform(x.view())
            .unwrap_err();
        assert!(err.to_string().contains("`5.0`"), "{err}");
    }

    #[test]
    fn unknown_value_must_not_collide_with_a_code() {
        let ds = Dataset::new(array![[1.0], [3.0], [4.0]]);
        let p =
            OrdinalEncoderParams::default().handle_unknown("use_encoded_value:2".parse().unwrap());
        assert!(p
            .fit(&ds)
            .unwrap_err()
            .to_string()
            .contains("handle_unknown"));
        let p =
            OrdinalEncoderParams::default().handle_unknown("use_encoded_value:3".parse().unwrap());
        assert!(p.fit(&ds).is_ok());
        assert!("use_encoded_value:x".parse::<OrdinalUnknown>().is_err());
    }

    #[test]
    fn inverse_of_invalid_input_is_an_error() {
        let ds = Dataset::new(array![[1.0], [3.0]]);
        let ord = OrdinalEncoderParams::default().fit(&ds).unwrap();
        assert!(ord.inverse_transform(array![[2.0]].view()).is_err());
        assert!(ord.inverse_transform(array![[0.5]].view()).is_err());
        let oh = OneHotEncoderParams::default().fit(&ds).unwrap();
        // Without drop or ignore an all-zero block means nothing (scikit-learn raises too).
        assert!(oh.inverse_transform(array![[0.0, 0.0]].view()).is_err());
        assert!(oh
            .inverse_transform(array![[0.0, 0.0, 1.0]].view())
            .is_err());
    }

    #[test]
    fn conformance() {
        // Iris measurements have few distinct values, so each column is a fine categorical.
        let iris = crate::datasets::load("iris").unwrap();
        check_transformer(&OneHotEncoderParams::default(), &iris);
        check_transformer(&OneHotEncoderParams::default().drop(Drop::First), &iris);
        check_transformer(&OrdinalEncoderParams::default(), &iris);
    }
}
