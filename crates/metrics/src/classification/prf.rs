//! Precision, recall (sensitivity, TPR), specificity (TNR), FPR, FNR, F1 and F-beta, with
//! scikit-learn's averaging and `zero_division` rules, and balanced accuracy.
//!
//! From the one-vs-rest counts of a unit $u$ (a class, a label or, for `samples`, a sample):
//! $P_u = \frac{TP_u}{TP_u + FP_u}$, $R_u = \frac{TP_u}{TP_u + FN_u}$,
//! $F_{\beta,u} = \frac{(1+\beta^2) TP_u}{(1+\beta^2) TP_u + \beta^2 FN_u + FP_u}$,
//! $\mathrm{TNR}_u = \frac{TN_u}{TN_u + FP_u}$, $\mathrm{FPR}_u = 1 - \mathrm{TNR}_u$,
//! $\mathrm{FNR}_u = 1 - R_u$. Averages ([`Average`]): `Binary` reports the positive class only;
//! `Micro` sums numerators and denominators over units first; `Macro` is the unweighted mean of
//! the units; `Weighted` weights each class by its support $TP_u + FN_u$; `Samples` (multi-label
//! only) averages per-sample scores.
//!
//! **Zero division** (scikit-learn semantics): a ratio whose denominator is 0 takes the value of
//! [`ZeroDivision`] (`Zero`, the default, is scikit-learn's `"warn"`); with `Nan` those units are
//! left out of macro, weighted and samples averages, and an average of only NaN is NaN. A weighted
//! average whose supports are all zero falls back to the plain mean.
//!
//! Balanced accuracy is the mean recall over the classes present in the truth, optionally
//! adjusted for chance: $(\bar R - 1/K)/(1 - 1/K)$.
//!
//! Complexity: $O(n \log K + K)$. Reference: scikit-learn `precision_recall_fscore_support`;
//! Sokolova & Lapalme, "A systematic analysis of performance measures for classification tasks",
//! Information Processing & Management 45 (2009).
//!
//! ```
//! use breadth_metrics::classification::{f1_score, precision, Average};
//! use ndarray::array;
//! let (t, p) = (array![0, 1, 2, 0, 1, 2], array![0, 2, 1, 0, 0, 1]);
//! assert!((f1_score(t.view(), p.view(), Average::Macro).unwrap() - 0.26666666666666666).abs() < 1e-15);
//! assert!((precision(t.view(), p.view(), Average::Micro).unwrap() - 1.0 / 3.0).abs() < 1e-15);
//! ```

use breadth_core::{Error, Result};
use ndarray::{Array1, ArrayView1, ArrayView2};

use super::confusion::{confusion_matrix, multilabel_counts, present_labels, ClassCounts};

/// How per-class scores are combined into one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Average {
    /// Only the positive class of a binary problem (at most two labels present).
    Binary {
        /// The label treated as positive (scikit-learn's default is 1).
        pos_label: usize,
    },
    /// Sum the counts of all classes, then take the ratio.
    Micro,
    /// Unweighted mean over classes.
    Macro,
    /// Mean over classes weighted by their support.
    Weighted,
    /// Mean over samples of per-sample scores (multi-label data only).
    Samples,
}

impl Average {
    /// Binary averaging with positive label 1.
    pub const BINARY: Average = Average::Binary { pos_label: 1 };

    /// Parse `binary | micro | macro | weighted | samples` (binary with positive label 1).
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "binary" => Average::BINARY,
            "micro" => Average::Micro,
            "macro" => Average::Macro,
            "weighted" => Average::Weighted,
            "samples" => Average::Samples,
            other => {
                return Err(Error::param(
                    "average",
                    format!("`{other}` is not one of binary, micro, macro, weighted, samples"),
                ))
            }
        })
    }
}

/// Value of a ratio whose denominator is zero (scikit-learn's `zero_division`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZeroDivision {
    /// 0, scikit-learn's default (`"warn"`, without the warning).
    #[default]
    Zero,
    /// 1.
    One,
    /// NaN, and left out of averages.
    Nan,
}

impl ZeroDivision {
    fn value(self) -> f64 {
        match self {
            ZeroDivision::Zero => 0.0,
            ZeroDivision::One => 1.0,
            ZeroDivision::Nan => f64::NAN,
        }
    }
}

/// Settings of [`precision_recall_fscore`].
#[derive(Debug, Clone, PartialEq)]
pub struct PrfParams {
    /// Weight of recall in the F-score ($\beta = 1$: F1; `f64::INFINITY`: recall; 0: precision).
    pub beta: f64,
    /// How to combine classes; `None` reports every class.
    pub average: Option<Average>,
    /// Classes to report, in order (all present ones when `None`); other labels are an error.
    pub labels: Option<Vec<usize>>,
    /// Value of an undefined ratio.
    pub zero_division: ZeroDivision,
    /// One weight per sample.
    pub sample_weight: Option<Array1<f64>>,
}

impl Default for PrfParams {
    fn default() -> Self {
        PrfParams {
            beta: 1.0,
            average: Some(Average::BINARY),
            labels: None,
            zero_division: ZeroDivision::Zero,
            sample_weight: None,
        }
    }
}

impl PrfParams {
    /// Set `beta`.
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }
    /// Set the averaging (`None`: per class).
    pub fn average(mut self, average: Option<Average>) -> Self {
        self.average = average;
        self
    }
    /// Set the label set.
    pub fn labels(mut self, labels: Vec<usize>) -> Self {
        self.labels = Some(labels);
        self
    }
    /// Set the zero-division value.
    pub fn zero_division(mut self, z: ZeroDivision) -> Self {
        self.zero_division = z;
        self
    }
    /// Set sample weights.
    pub fn sample_weight(mut self, w: Array1<f64>) -> Self {
        self.sample_weight = Some(w);
        self
    }
}

/// Precision, recall, F-score and support, per class (or one averaged value each).
#[derive(Debug, Clone, PartialEq)]
pub struct Prf {
    /// The classes (or label columns) reported or averaged over.
    pub labels: Vec<usize>,
    /// Precision per class, or a single averaged value.
    pub precision: Array1<f64>,
    /// Recall per class, or a single averaged value.
    pub recall: Array1<f64>,
    /// F-beta per class, or a single averaged value.
    pub f_score: Array1<f64>,
    /// Support per class, or the total support when averaged.
    pub support: Array1<f64>,
}

/// Which rate [`rate`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// $TP/(TP+FP)$.
    Precision,
    /// Recall, sensitivity: $TP/(TP+FN)$.
    Tpr,
    /// Specificity: $TN/(TN+FP)$.
    Tnr,
    /// Fall-out: $FP/(FP+TN)$.
    Fpr,
    /// Miss rate: $FN/(FN+TP)$.
    Fnr,
}

/// Counts per unit, the labels they stand for, and the weights of a samples average.
struct Units {
    labels: Vec<usize>,
    counts: ClassCounts,
    sample_weight: Option<Array1<f64>>,
}

fn check_beta(beta: f64) -> Result<()> {
    if beta >= 0.0 && !beta.is_nan() {
        Ok(())
    } else {
        Err(Error::param("beta", format!("must be >= 0, got {beta}")))
    }
}

/// Counts of multi-class labels under the averaging rule.
fn class_units(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    average: Option<Average>,
    labels: Option<&[usize]>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<Units> {
    match average {
        Some(Average::Samples) => Err(Error::param(
            "average",
            "`samples` averaging needs multi-label data; use micro, macro or weighted",
        )),
        Some(Average::Binary { pos_label }) => {
            let mut present = present_labels(truth, pred);
            if present.len() > 2 {
                return Err(Error::param(
                    "average",
                    format!(
                        "`binary` needs at most two labels but {} are present; use micro, macro or weighted",
                        present.len()
                    ),
                ));
            }
            if !present.contains(&pos_label) {
                if present.len() == 2 {
                    return Err(Error::param(
                        "pos_label",
                        format!("{pos_label} is not one of the labels present {present:?}"),
                    ));
                }
                present.push(pos_label);
            }
            let cm = confusion_matrix(truth, pred, Some(&present), sample_weight)?;
            let k = present.iter().position(|&l| l == pos_label).unwrap_or(0);
            let c = cm.class_counts();
            let pick = |a: &Array1<f64>| Array1::from_elem(1, a[k]);
            Ok(Units {
                labels: vec![pos_label],
                counts: ClassCounts {
                    tp: pick(&c.tp),
                    fp: pick(&c.fp),
                    fn_: pick(&c.fn_),
                    tn: pick(&c.tn),
                },
                sample_weight: None,
            })
        }
        _ => {
            let cm = confusion_matrix(truth, pred, labels, sample_weight)?;
            Ok(Units {
                counts: cm.class_counts(),
                labels: cm.labels,
                sample_weight: None,
            })
        }
    }
}

/// Counts of multi-label indicators under the averaging rule.
fn label_units(
    truth: ArrayView2<'_, u8>,
    pred: ArrayView2<'_, u8>,
    average: Option<Average>,
    labels: Option<&[usize]>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<Units> {
    if let Some(Average::Binary { .. }) = average {
        return Err(Error::param(
            "average",
            "`binary` does not apply to multi-label data; use micro, macro, weighted or samples",
        ));
    }
    let k = truth.ncols();
    let cols: Vec<usize> = match labels {
        Some(l) => {
            if let Some(&bad) = l.iter().find(|&&j| j >= k) {
                return Err(super::unknown_label(
                    bad,
                    "labels",
                    &(0..k).collect::<Vec<_>>(),
                ));
            }
            l.to_vec()
        }
        None => (0..k).collect(),
    };
    let (t, p) = (
        truth.select(ndarray::Axis(1), &cols),
        pred.select(ndarray::Axis(1), &cols),
    );
    let samplewise = average == Some(Average::Samples);
    let counts = multilabel_counts(t.view(), p.view(), sample_weight, samplewise)?;
    Ok(Units {
        labels: cols,
        counts,
        sample_weight: if samplewise {
            sample_weight.map(|w| w.to_owned())
        } else {
            None
        },
    })
}

/// `num / den` elementwise, with the zero-division value where `den == 0`.
fn divide(num: &Array1<f64>, den: &Array1<f64>, z: ZeroDivision) -> Array1<f64> {
    ndarray::Zip::from(num)
        .and(den)
        .map_collect(|&n, &d| if d == 0.0 { z.value() } else { n / d })
}

/// scikit-learn's `_nanaverage`: the (weighted) mean of the non-NaN values.
fn nan_average(values: &Array1<f64>, weights: Option<&Array1<f64>>) -> f64 {
    let keep: Vec<usize> = (0..values.len()).filter(|&i| !values[i].is_nan()).collect();
    if keep.is_empty() {
        return f64::NAN;
    }
    let plain = || keep.iter().map(|&i| values[i]).sum::<f64>() / keep.len() as f64;
    match weights {
        None => plain(),
        Some(w) => {
            let sw: f64 = keep.iter().map(|&i| w[i]).sum();
            if sw == 0.0 {
                plain()
            } else {
                keep.iter().map(|&i| values[i] * w[i]).sum::<f64>() / sw
            }
        }
    }
}

/// Ratio `num / den` per unit, or averaged: micro sums first, weighted uses the support.
fn ratio(
    units: &Units,
    num: Array1<f64>,
    den: Array1<f64>,
    average: Option<Average>,
    z: ZeroDivision,
) -> Array1<f64> {
    match average {
        None | Some(Average::Binary { .. }) => divide(&num, &den, z),
        Some(Average::Micro) => divide(
            &Array1::from_elem(1, num.sum()),
            &Array1::from_elem(1, den.sum()),
            z,
        ),
        Some(Average::Macro) => Array1::from_elem(1, nan_average(&divide(&num, &den, z), None)),
        Some(Average::Weighted) => Array1::from_elem(
            1,
            nan_average(&divide(&num, &den, z), Some(&units.counts.support())),
        ),
        Some(Average::Samples) => Array1::from_elem(
            1,
            nan_average(&divide(&num, &den, z), units.sample_weight.as_ref()),
        ),
    }
}

fn prf_of_units(units: Units, p: &PrfParams) -> Result<Prf> {
    check_beta(p.beta)?;
    let c = &units.counts;
    let z = p.zero_division;
    let precision = ratio(&units, c.tp.clone(), c.predicted(), p.average, z);
    let recall = ratio(&units, c.tp.clone(), c.support(), p.average, z);
    let f_score = if p.beta.is_infinite() {
        recall.clone()
    } else if p.beta == 0.0 {
        precision.clone()
    } else {
        let b2 = p.beta * p.beta;
        let num = c.tp.mapv(|t| (1.0 + b2) * t);
        let den = c.support() * b2 + c.predicted();
        ratio(&units, num, den, p.average, z)
    };
    let support = match p.average {
        None | Some(Average::Binary { .. }) => c.support(),
        Some(_) => Array1::from_elem(1, c.support().sum()),
    };
    Ok(Prf {
        labels: units.labels,
        precision,
        recall,
        f_score,
        support,
    })
}

/// Precision, recall, F-beta and support of class labels (scikit-learn's
/// `precision_recall_fscore_support`).
pub fn precision_recall_fscore(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    params: &PrfParams,
) -> Result<Prf> {
    let units = class_units(
        truth,
        pred,
        params.average,
        params.labels.as_deref(),
        params.sample_weight.as_ref().map(|w| w.view()),
    )?;
    prf_of_units(units, params)
}

/// Precision, recall, F-beta and support of multi-label indicator matrices ($n \times K$);
/// `labels` selects label columns.
pub fn precision_recall_fscore_multilabel(
    truth: ArrayView2<'_, u8>,
    pred: ArrayView2<'_, u8>,
    params: &PrfParams,
) -> Result<Prf> {
    let units = label_units(
        truth,
        pred,
        params.average,
        params.labels.as_deref(),
        params.sample_weight.as_ref().map(|w| w.view()),
    )?;
    prf_of_units(units, params)
}

fn single(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    beta: f64,
    average: Average,
) -> Result<Prf> {
    precision_recall_fscore(
        truth,
        pred,
        &PrfParams::default().beta(beta).average(Some(average)),
    )
}

/// Averaged precision with `zero_division = 0`.
pub fn precision(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    average: Average,
) -> Result<f64> {
    Ok(single(truth, pred, 1.0, average)?.precision[0])
}

/// Averaged recall (sensitivity, true positive rate) with `zero_division = 0`.
pub fn recall(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    average: Average,
) -> Result<f64> {
    Ok(single(truth, pred, 1.0, average)?.recall[0])
}

/// Averaged F1 with `zero_division = 0`.
pub fn f1_score(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    average: Average,
) -> Result<f64> {
    Ok(single(truth, pred, 1.0, average)?.f_score[0])
}

/// Averaged F-beta with `zero_division = 0`.
pub fn fbeta_score(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    beta: f64,
    average: Average,
) -> Result<f64> {
    Ok(single(truth, pred, beta, average)?.f_score[0])
}

/// Any one-vs-rest rate of class labels, per class (`average: None`) or averaged.
///
/// Micro-averaged TNR and FPR sum the true negatives of every class, as scikit-learn's
/// `multilabel_confusion_matrix` does.
pub fn rate(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    which: Rate,
    average: Option<Average>,
    zero_division: ZeroDivision,
) -> Result<Array1<f64>> {
    let units = class_units(truth, pred, average, None, None)?;
    let c = &units.counts;
    let (num, den) = match which {
        Rate::Precision => (c.tp.clone(), c.predicted()),
        Rate::Tpr => (c.tp.clone(), c.support()),
        Rate::Tnr => (c.tn.clone(), &c.tn + &c.fp),
        Rate::Fpr => (c.fp.clone(), &c.tn + &c.fp),
        Rate::Fnr => (c.fn_.clone(), c.support()),
    };
    Ok(ratio(&units, num, den, average, zero_division))
}

/// Mean recall over the classes present in `truth`; `adjusted` rescales so chance scores 0.
pub fn balanced_accuracy(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    adjusted: bool,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let cm = confusion_matrix(truth, pred, None, sample_weight)?;
    let c = cm.class_counts();
    let support = c.support();
    // Classes only ever predicted have no recall; scikit-learn drops them.
    let recalls: Vec<f64> = (0..cm.labels.len())
        .filter(|&k| support[k] > 0.0)
        .map(|k| c.tp[k] / support[k])
        .collect();
    if recalls.is_empty() {
        return Err(Error::param(
            "sample_weight",
            "every sample has zero weight",
        ));
    }
    let mut score = recalls.iter().sum::<f64>() / recalls.len() as f64;
    if adjusted {
        let chance = 1.0 / recalls.len() as f64;
        score = (score - chance) / (1.0 - chance);
    }
    Ok(score)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn binary_refuses_three_labels_and_foreign_positive_label() {
        let t = array![0, 1, 2];
        assert!(precision(t.view(), t.view(), Average::BINARY).is_err());
        let t = array![0, 2, 2];
        assert!(precision(t.view(), t.view(), Average::BINARY).is_err());
        assert!(precision(t.view(), t.view(), Average::Samples).is_err());
    }

    #[test]
    fn zero_division_values() {
        // Nothing predicted positive: precision is 0/0.
        let (t, p) = (array![0, 1, 1], array![0, 0, 0]);
        for (z, want) in [(ZeroDivision::Zero, 0.0), (ZeroDivision::One, 1.0)] {
            let r =
                precision_recall_fscore(t.view(), p.view(), &PrfParams::default().zero_division(z))
                    .unwrap();
            assert_eq!(r.precision[0], want);
        }
        let r = precision_recall_fscore(
            t.view(),
            p.view(),
            &PrfParams::default().zero_division(ZeroDivision::Nan),
        )
        .unwrap();
        assert!(r.precision[0].is_nan());
        assert!(check_beta(-1.0).is_err());
    }

    #[test]
    fn rates_are_complements() {
        let (t, p) = (array![0, 1, 2, 2, 1, 0, 1], array![0, 2, 2, 1, 1, 0, 0]);
        let tnr = rate(t.view(), p.view(), Rate::Tnr, None, ZeroDivision::Zero).unwrap();
        let fpr = rate(t.view(), p.view(), Rate::Fpr, None, ZeroDivision::Zero).unwrap();
        let tpr = rate(t.view(), p.view(), Rate::Tpr, None, ZeroDivision::Zero).unwrap();
        let fnr = rate(t.view(), p.view(), Rate::Fnr, None, ZeroDivision::Zero).unwrap();
        for k in 0..3 {
            assert!((tnr[k] + fpr[k] - 1.0).abs() < 1e-15);
            assert!((tpr[k] + fnr[k] - 1.0).abs() < 1e-15);
        }
    }
}
