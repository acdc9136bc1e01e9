//! Naive Bayes over counts and binary features: multinomial, complement and Bernoulli.
//!
//! All three learn the weighted feature counts $N_{cj} = \sum_{i: y_i = c} w_i x_{ij}$ and class
//! weights $N_c$, smoothed by $\alpha > 0$ (Laplace for $\alpha = 1$, Lidstone otherwise):
//!
//! - multinomial: $\log \hat p_{cj} = \log(N_{cj} + \alpha) - \log \sum_{j'} (N_{cj'} + \alpha)$
//!   and $\ell_c(x) = \log \pi_c + \sum_j x_j \log \hat p_{cj}$;
//! - complement (Rennie et al., 2003): the counts of every *other* class,
//!   $\tilde N_{cj} = \sum_{c'} N_{c'j} - N_{cj} + \alpha$, give
//!   $w_{cj} = -\log\big(\tilde N_{cj} / \sum_{j'} \tilde N_{cj'}\big)$ (with `norm`,
//!   $w_{cj} = \log(\cdot) / \sum_{j'} \log(\cdot)$) and $\ell_c(x) = \sum_j x_j w_{cj}$; the prior
//!   enters only when there is a single class, as in scikit-learn;
//! - Bernoulli: features are binarized ($x_j > b$), $\hat p_{cj} = (N_{cj} + \alpha) / (N_c + 2\alpha)$
//!   and $\ell_c(x) = \log \pi_c + \sum_j \big[x_j \log \hat p_{cj} + (1 - x_j) \log(1 - \hat p_{cj})\big]$.
//!
//! Counts add up, so `partial_fit` over batches equals one fit (exactly for integer counts and
//! weights; to rounding for fractional weights).
//!
//! ```
//! use breadth_classic::bayes::MultinomialNbParams;
//! use breadth_core::{Classifier, Dataset, Fit, Target};
//! use ndarray::array;
//! let docs = Dataset::new(array![[3.0, 0.0], [2.0, 1.0], [0.0, 4.0]])
//!     .with_target(Target::classes(vec![0, 0, 1], vec!["sport".into(), "news".into()]).unwrap()).unwrap();
//! let model = MultinomialNbParams::default().fit(&docs).unwrap();
//! assert_eq!(model.predict(array![[0.0, 2.0], [5.0, 1.0]].view()).unwrap().to_vec(), vec![1, 0]);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, positive};
use breadth_core::{Classifier, Dataset, Fit, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis, CowArray, Ix2};
use serde::{Deserialize, Serialize};

use super::{argmax_rows, bad_value, class_data, class_sums, log_normalize, ClassPrior};
use crate::neighbors::radius::MaybeValue;

/// Smoothing and priors shared by the count models.
#[derive(Debug, Clone, PartialEq)]
pub struct Smoothing {
    /// Additive (Lidstone) smoothing; 1 is Laplace smoothing.
    pub alpha: f64,
    /// Learn class priors from the data (else uniform), unless `class_prior` is given.
    pub fit_prior: bool,
    /// Fixed class priors.
    pub class_prior: ClassPrior,
}

impl Default for Smoothing {
    fn default() -> Self {
        Smoothing {
            alpha: 1.0,
            fit_prior: true,
            class_prior: ClassPrior(None),
        }
    }
}

impl Smoothing {
    pub(crate) fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("alpha", self.alpha, "additive smoothing > 0 (1 = Laplace)"),
            ParamSpec::new(
                "fit_prior",
                self.fit_prior,
                "learn class priors (else uniform)",
            ),
            ParamSpec::new(
                "class_prior",
                &self.class_prior,
                "none | P0,P1,...: fixed class priors",
            ),
        ]
    }
    pub(crate) fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "alpha" => self.alpha = parse_param(name, value)?,
            "fit_prior" => self.fit_prior = parse_param(name, value)?,
            "class_prior" => self.class_prior = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
    pub(crate) fn validate(&self, n_classes: usize) -> Result<()> {
        positive("alpha", self.alpha)?;
        self.class_prior.validate("class_prior", n_classes)
    }
    pub(crate) fn log_prior(&self, class_count: &Array1<f64>) -> Array1<f64> {
        self.class_prior
            .log_prior(class_count.view(), self.fit_prior)
    }
}

/// Which count model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Kind {
    Multinomial,
    Complement { norm: bool },
    Bernoulli { binarize: Option<f64> },
}

macro_rules! count_params {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty = $default:expr, $help:literal;)* } => $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            /// Smoothing and priors.
            pub smoothing: Smoothing,
            $($(#[$fdoc])* pub $field: $ty,)*
        }
        impl Default for $name {
            fn default() -> Self {
                $name { smoothing: Smoothing::default(), $($field: $default,)* }
            }
        }
        impl $name {
            /// Set `alpha`.
            pub fn alpha(mut self, a: f64) -> Self {
                self.smoothing.alpha = a;
                self
            }
            /// Set `fit_prior`.
            pub fn fit_prior(mut self, f: bool) -> Self {
                self.smoothing.fit_prior = f;
                self
            }
            /// Set fixed class priors.
            pub fn class_prior(mut self, p: Vec<f64>) -> Self {
                self.smoothing.class_prior = ClassPrior(Some(p));
                self
            }
        }
        impl Configurable for $name {
            fn param_specs(&self) -> Vec<ParamSpec> {
                self.smoothing
                    .specs()
                    .into_iter()
                    .chain([$(ParamSpec::new(stringify!($field), &self.$field, $help)),*])
                    .collect()
            }
            fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
                $(if name == stringify!($field) {
                    self.$field = parse_param(name, value)?;
                    return Ok(true);
                })*
                self.smoothing.set(name, value)
            }
        }
        impl Fit for $name {
            type Fitted = DiscreteNb;
            fn fit(&self, data: &Dataset) -> Result<DiscreteNb> {
                #[allow(clippy::redundant_closure_call)]
                let kind = ($kind)(self);
                DiscreteNb::fit(kind, &self.smoothing, data)
            }
        }
    };
}

count_params!(
    /// Hyper-parameters of multinomial naive Bayes (counts, term frequencies).
    MultinomialNbParams {} => |_: &MultinomialNbParams| Kind::Multinomial
);
count_params!(
    /// Hyper-parameters of complement naive Bayes (counts; suited to imbalanced classes).
    ComplementNbParams {
        /// Normalize the weights (the second normalization of Rennie et al.).
        norm: bool = false, "normalize the complement weights";
    } => |p: &ComplementNbParams| Kind::Complement { norm: p.norm }
);
count_params!(
    /// Hyper-parameters of Bernoulli naive Bayes (binary features).
    BernoulliNbParams {
        /// Threshold: a feature is 1 where $x > b$; `none` when the data is already 0/1.
        binarize: MaybeValue = MaybeValue(Some(0.0)), "none | B: a feature is 1 where x > B";
    } => |p: &BernoulliNbParams| Kind::Bernoulli { binarize: p.binarize.0 }
);

/// A fitted multinomial, complement or Bernoulli naive Bayes classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscreteNb {
    kind: Kind,
    classes: Vec<String>,
    alpha: f64,
    fit_prior: bool,
    class_prior: ClassPrior,
    feature_count: Array2<f64>,
    class_count: Array1<f64>,
    /// Derived from the counts after every (partial) fit.
    feature_log_prob: Array2<f64>,
    class_log_prior: Array1<f64>,
}

impl DiscreteNb {
    fn fit(kind: Kind, smoothing: &Smoothing, data: &Dataset) -> Result<DiscreteNb> {
        check_fit_input(data)?;
        let (_, names, _) = class_data(data, "naive Bayes", None)?;
        smoothing.validate(names.len())?;
        let (k, d) = (names.len(), data.n_features());
        let mut model = DiscreteNb {
            kind,
            classes: names.to_vec(),
            alpha: smoothing.alpha,
            fit_prior: smoothing.fit_prior,
            class_prior: smoothing.class_prior.clone(),
            feature_count: Array2::zeros((k, d)),
            class_count: Array1::zeros(k),
            feature_log_prob: Array2::zeros((k, d)),
            class_log_prior: Array1::zeros(k),
        };
        model.partial_fit(data)?;
        Ok(model)
    }

    /// Learn from one more batch (same classes and features as the first).
    pub fn partial_fit(&mut self, data: &Dataset) -> Result<()> {
        check_fit_input(data)?;
        let x = self.prepare(data.features())?;
        let (labels, _, w) = class_data(data, self.model_name(), Some(&self.classes))?;
        let (sums, counts) = class_sums(x.view(), labels, w.view(), self.classes.len());
        self.feature_count += &sums;
        self.class_count += &counts;
        self.update();
        Ok(())
    }

    /// Check and (Bernoulli) binarize input rows.
    fn prepare<'a>(&self, x: ArrayView2<'a, f64>) -> Result<CowArray<'a, f64, Ix2>> {
        check_predict_input(self, x)?;
        match self.kind {
            Kind::Bernoulli { binarize: Some(b) } => {
                Ok(x.mapv(|v| f64::from(u8::from(v > b))).into())
            }
            Kind::Bernoulli { binarize: None } => Ok(x.into()),
            _ => {
                for ((i, j), &v) in x.indexed_iter() {
                    if v < 0.0 {
                        return Err(bad_value(self.model_name(), i, j, v, "non-negative counts"));
                    }
                }
                Ok(x.into())
            }
        }
    }

    fn smoothing(&self) -> Smoothing {
        Smoothing {
            alpha: self.alpha,
            fit_prior: self.fit_prior,
            class_prior: self.class_prior.clone(),
        }
    }

    fn update(&mut self) {
        let a = self.alpha;
        self.class_log_prior = self.smoothing().log_prior(&self.class_count);
        self.feature_log_prob = match self.kind {
            Kind::Multinomial => {
                let smoothed = &self.feature_count + a;
                let totals = smoothed
                    .sum_axis(Axis(1))
                    .mapv(f64::ln)
                    .insert_axis(Axis(1));
                smoothed.mapv(f64::ln) - totals
            }
            Kind::Complement { norm } => {
                let all = self.feature_count.sum_axis(Axis(0));
                let comp = -&self.feature_count + &all + a;
                let totals = comp.sum_axis(Axis(1)).insert_axis(Axis(1));
                let logged = (comp / totals).mapv(f64::ln);
                if norm {
                    let s = logged.sum_axis(Axis(1)).insert_axis(Axis(1));
                    logged / s
                } else {
                    -logged
                }
            }
            Kind::Bernoulli { .. } => {
                let denom = (&self.class_count + 2.0 * a)
                    .mapv(f64::ln)
                    .insert_axis(Axis(1));
                (&self.feature_count + a).mapv(f64::ln) - denom
            }
        };
    }

    /// Smoothed per-class feature log-probabilities (complement: the weights $w_{cj}$), `K x d`.
    pub fn feature_log_prob(&self) -> &Array2<f64> {
        &self.feature_log_prob
    }

    /// Weighted feature counts per class, `K x d`.
    pub fn feature_count(&self) -> &Array2<f64> {
        &self.feature_count
    }

    /// Joint log-likelihood $\ell_c(x)$, `n x K`.
    pub fn joint_log_likelihood(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let x = self.prepare(x)?;
        let flp = &self.feature_log_prob;
        Ok(match self.kind {
            Kind::Multinomial => x.dot(&flp.t()) + &self.class_log_prior,
            Kind::Complement { .. } if self.classes.len() == 1 => {
                x.dot(&flp.t()) + &self.class_log_prior
            }
            Kind::Complement { .. } => x.dot(&flp.t()),
            Kind::Bernoulli { .. } => {
                let neg = flp.mapv(|v| (-v.exp()).ln_1p());
                x.dot(&(flp - &neg).t()) + &self.class_log_prior + &neg.sum_axis(Axis(1))
            }
        })
    }

    /// $\log P(c \mid x)$, `n x K`.
    pub fn predict_log_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        Ok(log_normalize(self.joint_log_likelihood(x)?))
    }
}

impl Fitted for DiscreteNb {
    fn model_name(&self) -> &'static str {
        match self.kind {
            Kind::Multinomial => "multinomial-nb",
            Kind::Complement { .. } => "complement-nb",
            Kind::Bernoulli { .. } => "bernoulli-nb",
        }
    }
    fn n_features_in(&self) -> usize {
        self.feature_count.ncols()
    }
}

impl Classifier for DiscreteNb {
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
    use crate::bayes::tests::{assert_matches_fixture, counts_data};
    use breadth_core::conformance::check_classifier;

    /// Fixture: reference/bayes.py (scikit-learn 1.9.1); query row 0 has counts in the
    /// thousands, whose likelihoods underflow outside log space.
    #[test]
    fn probabilities_match_scikit_learn() {
        let (plain, weighted, q) = counts_data();
        let q = q.view();
        assert_matches_fixture(
            &MultinomialNbParams::default().fit(&plain).unwrap(),
            q,
            "multinomial",
        );
        let m = MultinomialNbParams::default()
            .alpha(0.5)
            .class_prior(vec![0.5, 0.25, 0.25])
            .fit(&weighted)
            .unwrap();
        assert_matches_fixture(&m, q, "multinomial_weighted");
        let m = MultinomialNbParams::default()
            .alpha(2.0)
            .fit_prior(false)
            .fit(&plain)
            .unwrap();
        assert_matches_fixture(&m, q, "multinomial_uniform");
        assert_matches_fixture(
            &ComplementNbParams::default().fit(&plain).unwrap(),
            q,
            "complement",
        );
        let p = ComplementNbParams {
            norm: true,
            ..ComplementNbParams::default().alpha(0.3)
        };
        assert_matches_fixture(&p.fit(&weighted).unwrap(), q, "complement_norm");
        assert_matches_fixture(
            &BernoulliNbParams::default().fit(&plain).unwrap(),
            q,
            "bernoulli",
        );
        let p = BernoulliNbParams {
            binarize: MaybeValue(Some(2.0)),
            ..BernoulliNbParams::default().alpha(0.7)
        };
        assert_matches_fixture(&p.fit(&weighted).unwrap(), q, "bernoulli_binarize");
    }

    #[test]
    fn batches_equal_one_fit() {
        let (_, weighted, q) = counts_data();
        let n = weighted.n_samples();
        let batches: Vec<Vec<usize>> = (0..n)
            .collect::<Vec<_>>()
            .chunks(17)
            .map(<[usize]>::to_vec)
            .collect();
        let fits: [fn(&Dataset) -> Result<DiscreteNb>; 3] = [
            |d| MultinomialNbParams::default().fit(d),
            |d| ComplementNbParams::default().fit(d),
            |d| BernoulliNbParams::default().fit(d),
        ];
        for fit in fits {
            let whole = fit(&weighted).unwrap();
            let mut streamed = fit(&weighted.select(&batches[0])).unwrap();
            for b in &batches[1..] {
                streamed.partial_fit(&weighted.select(b)).unwrap();
            }
            let dc = whole.feature_count() - streamed.feature_count();
            assert!(dc.iter().all(|d| d.abs() < 1e-12), "{}", whole.model_name());
            let diff = &whole.predict_proba(q.view()).unwrap()
                - &streamed.predict_proba(q.view()).unwrap();
            assert!(
                diff.iter().all(|d| d.abs() < 1e-12),
                "{}",
                whole.model_name()
            );
        }
    }

    #[test]
    fn conformance_and_bad_input() {
        let (plain, _, _) = counts_data();
        check_classifier(&MultinomialNbParams::default(), &plain);
        check_classifier(&ComplementNbParams::default(), &plain);
        check_classifier(&BernoulliNbParams::default(), &plain);
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_classifier(&BernoulliNbParams::default(), &iris);
        assert!(MultinomialNbParams::default()
            .alpha(0.0)
            .fit(&plain)
            .is_err());
        let negative = plain
            .with_features(-plain.features().to_owned(), plain.feature_names().to_vec())
            .unwrap();
        let err = MultinomialNbParams::default()
            .fit(&negative)
            .unwrap_err()
            .to_string();
        assert!(err.contains("non-negative"), "{err}");
    }
}
