//! Naive Bayes classifiers: Gaussian, multinomial, complement, Bernoulli and categorical.
//!
//! Each treats the features as independent given the class $c$, so the joint log-likelihood of
//! a row $x$ is
//! $$ \ell_c(x) = \log \pi_c + \sum_{j=1}^{d} \log p(x_j \mid c), $$
//! with $\pi_c$ the class prior (the weighted class frequencies, uniform, or given) and
//! $p(x_j \mid c)$ the family's per-feature model. Probabilities are computed in log space,
//! $\log P(c \mid x) = \ell_c(x) - \log \sum_{c'} e^{\ell_{c'}(x)}$ (log-sum-exp after
//! subtracting the maximum), so rows whose likelihoods underflow `f64` still get exact
//! probabilities.
//!
//! Every model learns from sufficient statistics that add up over batches, so
//! `partial_fit` on the fitted model learns from a stream: fitting batch by batch gives the same
//! model as fitting on all rows at once (exactly for integer counts, to rounding otherwise). Sample weights are honoured everywhere.
//!
//! Cost: fit $O(n d)$, predict $O(n d K)$ for $K$ classes. Reference: C. D. Manning,
//! P. Raghavan, H. Schütze, *Introduction to Information Retrieval*, ch. 13 (2008); J. Rennie et
//! al., *Tackling the poor assumptions of naive Bayes text classifiers*, ICML 2003 (complement);
//! scikit-learn's `sklearn.naive_bayes`, whose probabilities the tests reproduce.
//!
//! ```
//! use breadth_classic::bayes::GaussianNbParams;
//! use breadth_core::{Classifier, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let model = GaussianNbParams::default().fit(&iris).unwrap();
//! let p = model.predict_proba(iris.features()).unwrap();
//! assert!((p.row(0).sum() - 1.0).abs() < 1e-12 && p[[0, 0]] > 0.99);
//! ```

pub mod categorical;
pub mod discrete;
pub mod gaussian;

pub use categorical::{CategoricalNb, CategoricalNbParams};
pub use discrete::{BernoulliNbParams, ComplementNbParams, DiscreteNb, MultinomialNbParams};
pub use gaussian::{GaussianNb, GaussianNbParams};

use std::str::FromStr;

use breadth_core::{Dataset, Error, Result};
use ndarray::{Array1, Array2, ArrayView1, Axis};
use serde::{Deserialize, Serialize};

/// Class priors given by the user, written `0.2,0.3,0.5` (or `none` for learned priors).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClassPrior(pub Option<Vec<f64>>);

impl FromStr for ClassPrior {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.is_empty() || s == "none" {
            return Ok(ClassPrior(None));
        }
        s.split(',')
            .map(|v| v.trim().parse::<f64>().map_err(|e| format!("`{v}`: {e}")))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(|v| ClassPrior(Some(v)))
    }
}

impl std::fmt::Display for ClassPrior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("none"),
            Some(v) => {
                let parts: Vec<String> = v.iter().map(f64::to_string).collect();
                f.write_str(&parts.join(","))
            }
        }
    }
}

impl ClassPrior {
    /// Check the priors against the number of classes: non-negative, summing to one.
    fn validate(&self, name: &str, n_classes: usize) -> Result<()> {
        let Some(p) = &self.0 else { return Ok(()) };
        if p.len() != n_classes {
            return Err(Error::param(
                name,
                format!("{} values given for {n_classes} classes", p.len()),
            ));
        }
        if p.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::param(name, "priors must be finite and non-negative"));
        }
        let s: f64 = p.iter().sum();
        if (s - 1.0).abs() > 1e-8 {
            return Err(Error::param(
                name,
                format!("priors must sum to 1, they sum to {s}"),
            ));
        }
        Ok(())
    }

    /// $\log \pi$: given, else the weighted class frequencies (`fit_prior`) or uniform.
    fn log_prior(&self, class_count: ArrayView1<'_, f64>, fit_prior: bool) -> Array1<f64> {
        match &self.0 {
            Some(p) => p.iter().map(|v| v.ln()).collect(),
            None if fit_prior => {
                let total = class_count.sum().ln();
                class_count.mapv(|c| c.ln() - total)
            }
            None => Array1::from_elem(class_count.len(), -(class_count.len() as f64).ln()),
        }
    }
}

/// Class labels, names and weights of a training set, with the class names checked against
/// those of an earlier batch.
fn class_data<'a>(
    data: &'a Dataset,
    model: &str,
    known: Option<&[String]>,
) -> Result<(ArrayView1<'a, usize>, &'a [String], Array1<f64>)> {
    let (labels, names) = data.class_target(model)?;
    if let Some(known) = known {
        if known != names {
            return Err(Error::UnknownLabel {
                label: names.join(","),
                what: format!("the classes of a {model} partial_fit batch"),
                known: known.join(","),
            });
        }
    }
    Ok((labels, names, data.weights_or_ones()))
}

/// Weighted per-class sums of the rows of `x` (`K x d`) and the class weights (`K`).
fn class_sums(
    x: ndarray::ArrayView2<'_, f64>,
    labels: ArrayView1<'_, usize>,
    w: ArrayView1<'_, f64>,
    n_classes: usize,
) -> (Array2<f64>, Array1<f64>) {
    let mut sums = Array2::zeros((n_classes, x.ncols()));
    let mut counts = Array1::zeros(n_classes);
    for ((row, &l), &wi) in x.outer_iter().zip(labels).zip(w) {
        sums.row_mut(l).scaled_add(wi, &row);
        counts[l] += wi;
    }
    (sums, counts)
}

/// $\log P(c \mid x)$ from the joint log-likelihoods, row by row.
fn log_normalize(mut jll: Array2<f64>) -> Array2<f64> {
    for mut row in jll.axis_iter_mut(Axis(0)) {
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        row.mapv_inplace(|v| v - lse);
    }
    jll
}

/// The most likely class of each row (lowest label on ties).
fn argmax_rows(jll: &Array2<f64>) -> Array1<usize> {
    jll.outer_iter()
        .map(|r| crate::neighbors::knn::argmax(r.as_slice().expect("row")))
        .collect()
}

/// An error locating a value that a count model cannot take.
fn bad_value(what: &str, row: usize, column: usize, value: f64, need: &str) -> Error {
    Error::param(
        "features",
        format!("{what} needs {need}; row {row}, column {column} holds {value}"),
    )
}

/// Fixtures shared by the tests of the naive Bayes files.
#[cfg(test)]
pub(crate) mod tests {
    use crate::neighbors::testing::{arr1, arr2, fixture, usizes};
    use breadth_core::{Classifier, Dataset, Target};
    use ndarray::{Array2, ArrayView2};

    fn f() -> serde_json::Value {
        fixture("bayes/bayes.json")
    }

    fn three_classes(x: Array2<f64>, y: Vec<usize>) -> Dataset {
        let names = vec!["a".into(), "b".into(), "c".into()];
        Dataset::new(x)
            .with_target(Target::classes(y, names).unwrap())
            .unwrap()
    }

    /// Iris training rows (plain and weighted) and test features, as reference/bayes.py splits.
    pub(crate) fn iris_split() -> (Dataset, Array2<f64>, Dataset) {
        let f = f();
        let iris = breadth_data::datasets::load("iris").unwrap();
        let is_train: Vec<bool> = serde_json::from_value(f["iris_train"].clone()).unwrap();
        let train: Vec<usize> = (0..150).filter(|&i| is_train[i]).collect();
        let test: Vec<usize> = (0..150).filter(|&i| !is_train[i]).collect();
        let w = arr1(&f["iris_w"]);
        let weighted = iris.clone().with_sample_weight(w).unwrap().select(&train);
        (
            iris.select(&train),
            iris.select(&test).into_features(),
            weighted,
        )
    }

    /// Count data (plain and weighted) and its queries.
    pub(crate) fn counts_data() -> (Dataset, Dataset, Array2<f64>) {
        let f = f();
        let plain = three_classes(arr2(&f["Xd"]), usizes(&f["yd"]));
        let weighted = plain.clone().with_sample_weight(arr1(&f["wd"])).unwrap();
        (plain, weighted, arr2(&f["Qd"]))
    }

    /// Category data (plain and weighted) and its queries.
    pub(crate) fn categorical_data() -> (Dataset, Dataset, Array2<f64>) {
        let f = f();
        let plain = three_classes(arr2(&f["Xk"]), usizes(&f["yd"]));
        let weighted = plain.clone().with_sample_weight(arr1(&f["wd"])).unwrap();
        (plain, weighted, arr2(&f["Qk"]))
    }

    /// `predict_proba` within 1e-10 and `predict` equal to scikit-learn's for a fixture case.
    pub(crate) fn assert_matches_fixture(m: &impl Classifier, q: ArrayView2<'_, f64>, case: &str) {
        let f = f();
        let want = &f["cases"][case];
        let p = m.predict_proba(q).unwrap();
        let diff = (&p - &arr2(&want["proba"])).mapv(f64::abs);
        let worst = diff.iter().copied().fold(0.0, f64::max);
        assert!(worst < 1e-10, "{case}: probabilities differ by {worst}");
        assert_eq!(
            m.predict(q).unwrap().to_vec(),
            usizes(&want["pred"]),
            "{case}: labels"
        );
    }
}
