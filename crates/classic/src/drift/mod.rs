//! Distribution shift between a reference sample and a current one.
//!
//! Per feature $j$, with reference values $r$ ($n_r$ rows) and current values $c$ ($n_c$ rows):
//!
//! - numeric features: the two-sample Kolmogorov-Smirnov test,
//!   $D = \sup_t |F_r(t) - F_c(t)|$ with its p-value ([`breadth_metrics::stats::ks::ks_2samp`]);
//! - categorical features: the chi-squared test of independence of (sample, category) counts
//!   ([`breadth_metrics::stats::chi2::chi2_contingency`]);
//! - the population stability index over bins $b$ (reference deciles, or the categories),
//!   $\mathrm{PSI} = \sum_b (p_{c,b} - p_{r,b}) \ln(p_{c,b} / p_{r,b})$, proportions floored at
//!   $10^{-4}$ so that empty bins stay finite (rule of thumb: $< 0.1$ stable, $> 0.25$ shifted).
//!
//! A feature is flagged when its p-value is below $\alpha / d$ (Bonferroni over the $d$
//! features). Over all features, [`adversarial`] trains a classifier to tell the samples apart; its
//! out-of-fold ROC AUC is $0.5$ without shift, and its probabilities give importance weights for
//! covariate shift.
//!
//! A column is categorical when listed in `categorical`, or (with `categorical = None`) when every
//! value in both samples is an integer and there are at most `max_categories` distinct values.
//!
//! Shapes: reference `n_r x d`, current `n_c x d`. Cost: $O(d\,(n_r + n_c) \log(n_r + n_c))$ for the
//! tests plus the adversarial classifier's fits.
//!
//! Reference: J. Quiñonero-Candela et al., *Dataset Shift in Machine Learning*, MIT Press 2009;
//! B. Yurdakul, "Statistical Properties of Population Stability Index", 2018.
//!
//! ```
//! use breadth_classic::drift::{detect_drift, DriftParams};
//! use ndarray::Array2;
//! let reference = Array2::from_shape_fn((200, 2), |(i, j)| ((i * 37 + j * 11) % 200) as f64);
//! let mut current = reference.clone();
//! current.column_mut(1).mapv_inplace(|v| v + 80.0);
//! let report = detect_drift(&DriftParams::default(), reference.view(), current.view(), None).unwrap();
//! assert!(!report.features[0].drifted && report.features[1].drifted);
//! ```

pub mod adversarial;

use breadth_core::validate::check_finite;
use breadth_core::{Error, Result};
use breadth_metrics::stats::chi2::chi2_contingency;
use breadth_metrics::stats::ks::ks_2samp;
use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::Serialize;

pub use adversarial::{adversarial_validation, AdversarialParams, AdversarialValidation};

/// Hyper-parameters of [`detect_drift`].
#[derive(Debug, Clone, PartialEq)]
pub struct DriftParams {
    /// Family-wise significance level, split over the features (Bonferroni).
    pub alpha: f64,
    /// Quantile bins of the PSI on numeric features.
    pub psi_bins: usize,
    /// Categorical columns; `None` detects them (integers with few distinct values).
    pub categorical: Option<Vec<usize>>,
    /// Most distinct values of a detected categorical column.
    pub max_categories: usize,
    /// The adversarial classifier; `None` skips it.
    pub adversarial: Option<AdversarialParams>,
}

impl Default for DriftParams {
    fn default() -> Self {
        DriftParams {
            alpha: 0.05,
            psi_bins: 10,
            categorical: None,
            max_categories: 20,
            adversarial: Some(AdversarialParams::default()),
        }
    }
}

/// The test applied to a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftTest {
    /// Two-sample Kolmogorov-Smirnov.
    KolmogorovSmirnov,
    /// Chi-squared test of the category counts.
    ChiSquared,
}

/// Drift of one feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureDrift {
    /// Column name.
    pub name: String,
    /// The test used.
    pub test: DriftTest,
    /// Its statistic ($D$ or $\chi^2$).
    pub statistic: f64,
    /// Its p-value.
    pub p_value: f64,
    /// Population stability index.
    pub psi: f64,
    /// `p_value < alpha / d`.
    pub drifted: bool,
}

/// The report of [`detect_drift`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    /// One entry per feature.
    pub features: Vec<FeatureDrift>,
    /// Number of flagged features.
    pub n_drifted: usize,
    /// The adversarial classifier's out-of-fold ROC AUC, when run.
    pub adversarial_auc: Option<f64>,
}

/// Population stability index of `current` against `reference` over the given bin edges
/// (interior edges, ascending: bin $b$ holds values in $[e_{b-1}, e_b)$).
pub fn psi_with_edges(
    reference: ArrayView1<'_, f64>,
    current: ArrayView1<'_, f64>,
    edges: &[f64],
) -> f64 {
    let hist = |v: ArrayView1<'_, f64>| {
        let mut h = vec![0.0; edges.len() + 1];
        v.iter()
            .for_each(|&x| h[edges.partition_point(|&e| e <= x)] += 1.0);
        let n = v.len() as f64;
        h.into_iter().map(move |c| (c / n).max(1e-4))
    };
    hist(reference)
        .zip(hist(current))
        .map(|(r, c)| (c - r) * (c / r).ln())
        .sum()
}

/// Population stability index with `bins` reference-quantile bins (ties merged).
pub fn psi(
    reference: ArrayView1<'_, f64>,
    current: ArrayView1<'_, f64>,
    bins: usize,
) -> Result<f64> {
    if bins < 2 {
        return Err(Error::param("psi_bins", "must be at least 2"));
    }
    let mut sorted = reference.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut edges: Vec<f64> = (1..bins)
        .map(|b| crate::outlier::percentile(&sorted, b as f64 / bins as f64))
        .collect();
    edges.dedup();
    Ok(psi_with_edges(reference, current, &edges))
}

fn is_categorical(r: ArrayView1<'_, f64>, c: ArrayView1<'_, f64>, max_categories: usize) -> bool {
    let mut values: Vec<f64> = r.iter().chain(c.iter()).copied().collect();
    if values.iter().any(|v| v.fract() != 0.0) {
        return false;
    }
    values.sort_by(f64::total_cmp);
    values.dedup();
    values.len() <= max_categories
}

/// Chi-squared test and PSI of a categorical feature.
fn categorical_drift<'a>(
    r: ArrayView1<'a, f64>,
    c: ArrayView1<'a, f64>,
) -> Result<(f64, f64, f64)> {
    let mut cats: Vec<f64> = r.iter().chain(c.iter()).copied().collect();
    cats.sort_by(f64::total_cmp);
    cats.dedup();
    if cats.len() < 2 {
        return Ok((0.0, 1.0, 0.0));
    }
    let mut table = Array2::zeros((2, cats.len()));
    for (row, v) in [r, c].iter().enumerate() {
        v.iter().for_each(|x| {
            table[[row, cats.partition_point(|&k| k < *x)]] += 1.0;
        });
    }
    let (test, _) = chi2_contingency(table.view(), false)?;
    // Category k is the bin [k, next): edges at every category but the first.
    let psi = psi_with_edges(r, c, &cats[1..]);
    Ok((test.statistic, test.p_value, psi))
}

/// Per-feature tests, PSI and (optionally) adversarial validation of `current` against
/// `reference`; `names` default to `x0, x1, ...`.
pub fn detect_drift(
    params: &DriftParams,
    reference: ArrayView2<'_, f64>,
    current: ArrayView2<'_, f64>,
    names: Option<&[String]>,
) -> Result<DriftReport> {
    check_finite(reference, "reference sample")?;
    check_finite(current, "current sample")?;
    let d = reference.ncols();
    if current.ncols() != d {
        return Err(Error::shape(
            "current sample",
            format!("{d} columns (as the reference)"),
            format!("{} columns", current.ncols()),
        ));
    }
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(Error::param("alpha", "must lie in (0, 1)"));
    }
    if let Some(cat) = &params.categorical {
        if let Some(&bad) = cat.iter().find(|&&j| j >= d) {
            return Err(Error::param(
                "categorical",
                format!("column {bad} out of 0..{d}"),
            ));
        }
    }
    let features = (0..d)
        .map(|j| {
            let (r, c) = (reference.column(j), current.column(j));
            let categorical = match &params.categorical {
                Some(cat) => cat.contains(&j),
                None => is_categorical(r, c, params.max_categories),
            };
            let (test, statistic, p_value, psi) = if categorical {
                let (s, p, psi) = categorical_drift(r, c)?;
                (DriftTest::ChiSquared, s, p, psi)
            } else {
                let t = ks_2samp(r, c)?;
                (
                    DriftTest::KolmogorovSmirnov,
                    t.statistic,
                    t.p_value,
                    psi(r, c, params.psi_bins)?,
                )
            };
            Ok(FeatureDrift {
                name: names
                    .and_then(|n| n.get(j).cloned())
                    .unwrap_or_else(|| format!("x{j}")),
                test,
                statistic,
                p_value,
                psi,
                drifted: p_value < params.alpha / d as f64,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let adversarial_auc = match &params.adversarial {
        Some(a) => Some(adversarial_validation(a, reference, current)?.auc),
        None => None,
    };
    Ok(DriftReport {
        n_drifted: features.iter().filter(|f| f.drifted).count(),
        features,
        adversarial_auc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::neighbors::testing::{arr1, arr2, fixture};
    use breadth_core::seeded_rng;
    use rand_distr::{Distribution, Normal};

    /// Three numeric features and one categorical; `shift` moves feature 1 and the category mix.
    pub(crate) fn samples(seed: u64, n: usize, shift: bool) -> Array2<f64> {
        let mut rng = seeded_rng(seed);
        let normal = Normal::new(0.0, 1.0).unwrap();
        Array2::from_shape_fn((n, 4), |(_, j)| {
            let z: f64 = normal.sample(&mut rng);
            match j {
                1 if shift => z + 0.8,
                3 => {
                    let cut = if shift { 1.0 } else { 0.0 };
                    (if z > cut { 1.0 } else { 0.0 }) + (if z > 1.5 { 1.0 } else { 0.0 })
                }
                _ => z,
            }
        })
    }

    #[test]
    fn flags_the_shifted_features_only() {
        for seed in 0..5 {
            let reference = samples(seed, 300, false);
            let current = samples(seed + 100, 300, true);
            let report = detect_drift(
                &DriftParams::default(),
                reference.view(),
                current.view(),
                None,
            )
            .unwrap();
            let flags: Vec<bool> = report.features.iter().map(|f| f.drifted).collect();
            assert_eq!(flags, vec![false, true, false, true], "seed {seed}");
            assert_eq!(report.features[3].test, DriftTest::ChiSquared);
            assert_eq!(report.features[0].test, DriftTest::KolmogorovSmirnov);
            let psis: Vec<f64> = report.features.iter().map(|f| f.psi).collect();
            // PSI noise at n = 300 with 10 bins is about 2 * 9 / 300.
            assert!(psis[1] > 0.25 && psis[0] < 0.2 && psis[2] < 0.2, "{psis:?}");
            assert!(report.adversarial_auc.unwrap() > 0.65);
            let same = samples(seed + 200, 300, false);
            let calm =
                detect_drift(&DriftParams::default(), reference.view(), same.view(), None).unwrap();
            assert_eq!(calm.n_drifted, 0, "seed {seed}");
            assert!((calm.adversarial_auc.unwrap() - 0.5).abs() < 0.1);
        }
    }

    #[test]
    fn statistics_match_scipy() {
        // Expected values: reference/drift.py (scipy 1.17.1 ks_2samp / chi2_contingency, numpy PSI).
        let f = fixture("drift/drift.json");
        let (r, c) = (arr2(&f["reference"]), arr2(&f["current"]));
        let params = DriftParams {
            adversarial: None,
            ..DriftParams::default()
        };
        let report = detect_drift(&params, r.view(), c.view(), None).unwrap();
        let (stat, p, psi) = (arr1(&f["statistic"]), arr1(&f["p_value"]), arr1(&f["psi"]));
        for (j, fd) in report.features.iter().enumerate() {
            assert!(
                (fd.statistic - stat[j]).abs() < 1e-10 * (1.0 + stat[j]),
                "{j}"
            );
            assert!(
                (fd.p_value - p[j]).abs() < 1e-8 * (1.0 + p[j]) + 1e-14,
                "{j}: {} {}",
                fd.p_value,
                p[j]
            );
            assert!((fd.psi - psi[j]).abs() < 1e-10, "{j}");
        }
    }

    #[test]
    fn refuses_bad_input() {
        let r = samples(0, 20, false);
        let c = samples(1, 20, false);
        let p = DriftParams::default();
        assert!(detect_drift(&p, r.view(), c.slice(ndarray::s![.., ..2]), None).is_err());
        let mut bad = c.clone();
        bad[[0, 0]] = f64::NAN;
        assert!(detect_drift(&p, r.view(), bad.view(), None).is_err());
        let cat = DriftParams {
            categorical: Some(vec![9]),
            ..DriftParams::default()
        };
        assert!(detect_drift(&cat, r.view(), c.view(), None).is_err());
        assert!(psi(r.column(0), c.column(0), 1).is_err());
    }
}
