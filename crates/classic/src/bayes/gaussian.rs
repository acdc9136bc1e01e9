//! Gaussian naive Bayes: each feature is normal within each class,
//! $$ \log p(x_j \mid c) = -\tfrac12 \log(2 \pi \sigma^2_{cj}) - \frac{(x_j - \theta_{cj})^2}{2 \sigma^2_{cj}}, $$
//! with $\theta_{cj}$, $\sigma^2_{cj}$ the weighted mean and (biased) variance of feature $j$ in
//! class $c$, plus $\epsilon = \texttt{var\_smoothing} \cdot \max_j \operatorname{Var}(x_j)$ added
//! to every variance for stability (the variance over all rows, unweighted, as scikit-learn).
//!
//! Each batch is summarized in two parallel sweeps (means, then squared deviations), and
//! `partial_fit` merges batch moments with Chan, Golub and LeVeque's pairwise update
//! (*Algorithms for computing the sample variance*, 1983). Unlike scikit-learn, whose
//! `partial_fit` takes $\epsilon$ from the latest batch, $\epsilon$ here comes from the running
//! variance of every row seen, so batches give the same model as one fit.
//!
//! ```
//! use breadth_classic::bayes::GaussianNbParams;
//! use breadth_core::{Classifier, Fit};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let (head, tail): (Vec<usize>, Vec<usize>) = (0..150).partition(|i| i % 2 == 0);
//! let mut streamed = GaussianNbParams::default().fit(&iris.select(&head)).unwrap();
//! streamed.partial_fit(&iris.select(&tail)).unwrap();
//! let whole = GaussianNbParams::default().fit(&iris).unwrap();
//! let diff = &streamed.predict_proba(iris.features()).unwrap() - &whole.predict_proba(iris.features()).unwrap();
//! assert!(diff.iter().all(|d| d.abs() < 1e-12));
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, non_negative};
use breadth_core::{Classifier, Dataset, Fit, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{argmax_rows, class_data, log_normalize, ClassPrior};

/// Hyper-parameters of [`GaussianNb`].
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianNbParams {
    /// Share of the largest feature variance added to every variance.
    pub var_smoothing: f64,
    /// Class priors; `None` learns them from the (weighted) class frequencies.
    pub priors: ClassPrior,
}

impl Default for GaussianNbParams {
    fn default() -> Self {
        GaussianNbParams {
            var_smoothing: 1e-9,
            priors: ClassPrior(None),
        }
    }
}

impl GaussianNbParams {
    /// Set `var_smoothing`.
    pub fn var_smoothing(mut self, v: f64) -> Self {
        self.var_smoothing = v;
        self
    }
    /// Set the class priors.
    pub fn priors(mut self, p: Vec<f64>) -> Self {
        self.priors = ClassPrior(Some(p));
        self
    }
}

impl Configurable for GaussianNbParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new(
                "var_smoothing",
                self.var_smoothing,
                "share of the largest variance added to all",
            ),
            ParamSpec::new(
                "priors",
                &self.priors,
                "none | P0,P1,...: class priors summing to 1",
            ),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "var_smoothing" => self.var_smoothing = parse_param(name, value)?,
            "priors" => self.priors = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Weighted count, mean and biased variance of a set of rows, per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Moments {
    count: f64,
    mean: Array1<f64>,
    var: Array1<f64>,
}

impl Moments {
    fn empty(d: usize) -> Self {
        Moments {
            count: 0.0,
            mean: Array1::zeros(d),
            var: Array1::zeros(d),
        }
    }

    /// Combine with the moments of other rows (Chan et al.'s pairwise update).
    fn combine(&mut self, other: &Moments) {
        if other.count <= 0.0 {
            return;
        }
        let n_total = self.count + other.count;
        let delta = &self.mean - &other.mean;
        let ssd = &self.var * self.count
            + &other.var * other.count
            + &(&delta * &delta) * (self.count * other.count / n_total);
        self.mean = (&self.mean * self.count + &other.mean * other.count) / n_total;
        self.var = ssd / n_total;
        self.count = n_total;
    }
}

/// Rows per parallel task of [`batch_moments`]; fixed, so sums do not depend on the threads.
const CHUNK: usize = 8192;

/// Sum `f(chunk_start, rows)` over fixed chunks of the rows, in parallel, reduced in order.
fn chunked_sum(
    x: &[f64],
    d: usize,
    len: usize,
    f: impl Fn(usize, &[f64], &mut [f64]) + Sync,
) -> Vec<f64> {
    let parts: Vec<Vec<f64>> = x
        .par_chunks(CHUNK * d)
        .enumerate()
        .map(|(c, rows)| {
            let mut acc = vec![0.0; len];
            f(c * CHUNK, rows, &mut acc);
            acc
        })
        .collect();
    parts.into_iter().fold(vec![0.0; len], |mut a, p| {
        a.iter_mut().zip(p).for_each(|(a, p)| *a += p);
        a
    })
}

/// Two-pass moments of one batch: per class (weighted) and over all rows (unweighted), in
/// two sweeps over the rows without copying them.
fn batch_moments(
    x: ArrayView2<'_, f64>,
    labels: ArrayView1<'_, usize>,
    w: ArrayView1<'_, f64>,
    k: usize,
) -> (Vec<Moments>, Moments) {
    let (n, d) = x.dim();
    let x = x.as_standard_layout();
    let flat = x.as_slice().expect("standard layout");
    // Layout of the accumulators: k*d class sums, k class weights, d overall sums.
    let sums = chunked_sum(flat, d, k * d + k + d, |start, rows, acc| {
        for (r, row) in rows.chunks_exact(d).enumerate() {
            let (c, wi) = (labels[start + r], w[start + r]);
            for (j, &v) in row.iter().enumerate() {
                acc[c * d + j] += wi * v;
                acc[k * d + k + j] += v;
            }
            acc[k * d + c] += wi;
        }
    });
    let counts = &sums[k * d..k * d + k];
    let mean_of = |c: usize| -> Array1<f64> {
        (0..d)
            .map(|j| {
                if counts[c] > 0.0 {
                    sums[c * d + j] / counts[c]
                } else {
                    0.0
                }
            })
            .collect()
    };
    let means: Vec<Array1<f64>> = (0..k).map(mean_of).collect();
    let all_mean: Array1<f64> = (0..d).map(|j| sums[k * d + k + j] / n as f64).collect();
    let ssd = chunked_sum(flat, d, k * d + d, |start, rows, acc| {
        for (r, row) in rows.chunks_exact(d).enumerate() {
            let (c, wi) = (labels[start + r], w[start + r]);
            let mu = &means[c];
            for (j, &v) in row.iter().enumerate() {
                acc[c * d + j] += wi * (v - mu[j]) * (v - mu[j]);
                acc[k * d + j] += (v - all_mean[j]) * (v - all_mean[j]);
            }
        }
    });
    let per_class = (0..k)
        .map(|c| Moments {
            count: counts[c],
            var: (0..d)
                .map(|j| {
                    if counts[c] > 0.0 {
                        ssd[c * d + j] / counts[c]
                    } else {
                        0.0
                    }
                })
                .collect(),
            mean: means[c].clone(),
        })
        .collect();
    let all = Moments {
        count: n as f64,
        mean: all_mean,
        var: (0..d).map(|j| ssd[k * d + j] / n as f64).collect(),
    };
    (per_class, all)
}

/// A fitted Gaussian naive Bayes classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianNb {
    classes: Vec<String>,
    per_class: Vec<Moments>,
    /// Unweighted moments of every row seen, for $\epsilon$.
    all: Moments,
    var_smoothing: f64,
    priors: ClassPrior,
}

impl Fit for GaussianNbParams {
    type Fitted = GaussianNb;
    fn fit(&self, data: &Dataset) -> Result<GaussianNb> {
        non_negative("var_smoothing", self.var_smoothing)?;
        check_fit_input(data)?;
        let (_, names, _) = class_data(data, "gaussian-nb", None)?;
        self.priors.validate("priors", names.len())?;
        let d = data.n_features();
        let mut model = GaussianNb {
            classes: names.to_vec(),
            per_class: vec![Moments::empty(d); names.len()],
            all: Moments::empty(d),
            var_smoothing: self.var_smoothing,
            priors: self.priors.clone(),
        };
        model.partial_fit(data)?;
        Ok(model)
    }
}

impl GaussianNb {
    /// Learn from one more batch (same classes and features as the first).
    pub fn partial_fit(&mut self, data: &Dataset) -> Result<()> {
        check_fit_input(data)?;
        check_predict_input(self, data.features())?;
        let (labels, _, w) = class_data(data, "gaussian-nb", Some(&self.classes))?;
        let (per_class, all) = batch_moments(data.features(), labels, w.view(), self.classes.len());
        self.all.combine(&all);
        for (running, batch) in self.per_class.iter_mut().zip(&per_class) {
            running.combine(batch);
        }
        Ok(())
    }

    /// Per-class feature means $\theta$ (`K x d`).
    pub fn theta(&self) -> Array2<f64> {
        ndarray::stack(
            Axis(0),
            &self
                .per_class
                .iter()
                .map(|m| m.mean.view())
                .collect::<Vec<_>>(),
        )
        .expect("equal lengths")
    }

    /// Per-class feature variances $\sigma^2$ including $\epsilon$ (`K x d`).
    pub fn var(&self) -> Array2<f64> {
        let eps = self.epsilon();
        ndarray::stack(
            Axis(0),
            &self
                .per_class
                .iter()
                .map(|m| m.var.view())
                .collect::<Vec<_>>(),
        )
        .expect("equal lengths")
            + eps
    }

    /// Weighted number of training rows per class.
    pub fn class_count(&self) -> Array1<f64> {
        self.per_class.iter().map(|m| m.count).collect()
    }

    fn epsilon(&self) -> f64 {
        self.var_smoothing * self.all.var.iter().copied().fold(0.0, f64::max)
    }

    /// Joint log-likelihood $\ell_c(x)$, `n x K`.
    pub fn joint_log_likelihood(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let counts = self.class_count();
        let log_prior = self.priors.log_prior(counts.view(), true);
        let (theta, var) = (self.theta(), self.var());
        let mut jll = Array2::zeros((x.nrows(), self.classes.len()));
        for c in 0..self.classes.len() {
            let (mu, v) = (theta.row(c), var.row(c));
            let norm: f64 = v
                .iter()
                .map(|s| (2.0 * std::f64::consts::PI * s).ln())
                .sum::<f64>()
                * -0.5;
            for (i, row) in x.outer_iter().enumerate() {
                let quad: f64 = row
                    .iter()
                    .zip(mu)
                    .zip(v)
                    .map(|((xi, m), s)| (xi - m) * (xi - m) / s)
                    .sum();
                jll[[i, c]] = log_prior[c] + norm - 0.5 * quad;
            }
        }
        Ok(jll)
    }

    /// $\log P(c \mid x)$, `n x K`.
    pub fn predict_log_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(log_normalize(self.joint_log_likelihood(x)?))
    }
}

impl Fitted for GaussianNb {
    fn model_name(&self) -> &'static str {
        "gaussian-nb"
    }
    fn n_features_in(&self) -> usize {
        self.all.mean.len()
    }
}

impl Classifier for GaussianNb {
    fn class_names(&self) -> &[String] {
        &self.classes
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        Ok(argmax_rows(&self.joint_log_likelihood(x)?))
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(self.predict_log_proba(x)?.mapv(f64::exp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bayes::tests::{assert_matches_fixture, iris_split};
    use breadth_core::conformance::check_classifier;

    /// Fixture: reference/bayes.py (scikit-learn 1.9.1).
    #[test]
    fn probabilities_match_scikit_learn() {
        let (train, test, weighted) = iris_split();
        let m = GaussianNbParams::default().fit(&train).unwrap();
        assert_matches_fixture(&m, test.view(), "gaussian");
        let m = GaussianNbParams::default()
            .var_smoothing(1e-3)
            .fit(&weighted)
            .unwrap();
        assert_matches_fixture(&m, test.view(), "gaussian_weighted");
        let m = GaussianNbParams::default()
            .priors(vec![0.2, 0.3, 0.5])
            .fit(&train)
            .unwrap();
        assert_matches_fixture(&m, test.view(), "gaussian_prior");
    }

    #[test]
    fn batches_equal_one_fit() {
        let (_, test, weighted) = iris_split();
        let whole = GaussianNbParams::default().fit(&weighted).unwrap();
        let n = weighted.n_samples();
        let mut streamed = GaussianNbParams::default()
            .fit(&weighted.select(&(0..7).collect::<Vec<_>>()))
            .unwrap();
        for chunk in (7..n).collect::<Vec<_>>().chunks(23) {
            streamed.partial_fit(&weighted.select(chunk)).unwrap();
        }
        let (a, b) = (
            whole.predict_proba(test.view()).unwrap(),
            streamed.predict_proba(test.view()).unwrap(),
        );
        assert!((&a - &b).iter().all(|d| d.abs() < 1e-10));
        assert!((&whole.var() - &streamed.var())
            .iter()
            .all(|d| d.abs() < 1e-12));
    }

    #[test]
    fn conformance_and_bad_parameters() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier(&GaussianNbParams::default(), &iris);
        assert!(GaussianNbParams::default()
            .var_smoothing(-1.0)
            .fit(&iris)
            .is_err());
        assert!(GaussianNbParams::default()
            .priors(vec![0.5, 0.5])
            .fit(&iris)
            .is_err());
        assert!(GaussianNbParams::default()
            .priors(vec![0.5, 0.6, -0.1])
            .fit(&iris)
            .is_err());
    }
}
