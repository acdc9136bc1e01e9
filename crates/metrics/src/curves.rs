//! Threshold curves of binary scores: ROC (with its thresholds) and ROC AUC, precision-recall
//! and average precision, multi-class ROC AUC (one-vs-rest and one-vs-one), and the calibration
//! curve.
//!
//! Binary truth is 0 (negative) or 1 (positive); a sample is predicted positive when its score
//! $s_i \ge \tau$. Sorting the scores once gives, for every distinct threshold $\tau_j$ (decreasing),
//! the counts $TP_j, FP_j$; then $\mathrm{TPR}_j = TP_j/P$, $\mathrm{FPR}_j = FP_j/N$,
//! precision $TP_j/(TP_j+FP_j)$ and recall $TP_j/P$.
//! - ROC AUC is the trapezoidal area under $(\mathrm{FPR}, \mathrm{TPR})$, which equals the
//!   Mann-Whitney probability $\Pr(s^+ > s^-) + \frac12\Pr(s^+ = s^-)$.
//! - Average precision is $\mathrm{AP} = \sum_j (R_j - R_{j-1}) P_j$ (no interpolation).
//! - One-vs-rest multi-class AUC averages the $K$ binary AUCs of class $k$ against the rest
//!   (macro, or weighted by prevalence); one-vs-one (Hand & Till) averages over class pairs
//!   $\{a, b\}$ the mean of the AUC of $a$ against $b$ and of $b$ against $a$, on the samples of
//!   those two classes only.
//! - The calibration curve splits $[0, 1]$ into bins (uniform, or at quantiles of the
//!   predictions) and reports per non-empty bin the fraction of positives and the mean prediction.
//!
//! The output follows scikit-learn exactly (the leading `+inf` ROC threshold, the dropped
//! collinear ROC points, the final `(recall 0, precision 1)` PR point). Undefined cases are errors
//! here rather than NaN with a warning: ROC needs both classes present; precision-recall needs
//! at least one positive. Complexity $O(n \log n)$ for the sort (parallel), $O(n)$ after.
//! References: Fawcett (2006), "An introduction to ROC analysis"; Hand & Till (2001), Machine
//! Learning 45; Niculescu-Mizil & Caruana (2005), "Predicting good probabilities".
//!
//! ```
//! use breadth_metrics::curves::{average_precision, roc_auc};
//! use ndarray::array;
//! let (y, s) = (array![0, 0, 1, 1], array![0.1, 0.4, 0.35, 0.8]);
//! assert_eq!(roc_auc(y.view(), s.view()).unwrap(), 0.75);
//! assert!((average_precision(y.view(), s.view()).unwrap() - 0.8333333333333333).abs() < 1e-15);
//! ```

use breadth_core::validate::check_finite_1d;
use breadth_core::{Error, Result};
use ndarray::{Array1, ArrayView1, ArrayView2};
use rayon::slice::ParallelSliceMut;

use crate::check_pair;
use crate::classification::Average;

/// Points of a ROC curve: `fpr[j]`, `tpr[j]` when predicting positive at `score >= thresholds[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RocCurve {
    /// False positive rates, increasing from 0 to 1.
    pub fpr: Array1<f64>,
    /// True positive rates, increasing from 0 to 1.
    pub tpr: Array1<f64>,
    /// Decreasing thresholds; the first is `+inf` (nothing predicted positive).
    pub thresholds: Array1<f64>,
}

/// Points of a precision-recall curve, by increasing threshold, ending at recall 0, precision 1.
#[derive(Debug, Clone, PartialEq)]
pub struct PrCurve {
    /// Precision at each threshold, then 1.
    pub precision: Array1<f64>,
    /// Recall at each threshold, then 0.
    pub recall: Array1<f64>,
    /// The distinct scores, increasing (one fewer than the precision values).
    pub thresholds: Array1<f64>,
}

/// Cumulative counts at each distinct score, highest score first.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ThresholdCounts {
    pub(crate) thresholds: Vec<f64>,
    pub(crate) tps: Vec<f64>,
    pub(crate) fps: Vec<f64>,
}

impl ThresholdCounts {
    pub(crate) fn positives(&self) -> f64 {
        self.tps.last().copied().unwrap_or(0.0)
    }
    pub(crate) fn negatives(&self) -> f64 {
        self.fps.last().copied().unwrap_or(0.0)
    }
}

/// Binary truth (0/1), finite scores, equal non-zero lengths; returns the labels as booleans.
pub(crate) fn check_binary(
    what: &str,
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
) -> Result<()> {
    check_pair(what, truth.len(), scores.len())?;
    check_finite_1d(scores, &format!("{what} scores"))?;
    if let Some((i, &l)) = truth.iter().enumerate().find(|(_, &l)| l > 1) {
        return Err(Error::UnknownLabel {
            label: l.to_string(),
            what: format!("{what}: binary truth row {i}"),
            known: "0 (negative), 1 (positive)".into(),
        });
    }
    Ok(())
}

/// Scores paired with their labels, sorted by decreasing score (ties in any order).
fn sorted_pairs(truth: ArrayView1<'_, usize>, scores: ArrayView1<'_, f64>) -> Vec<(f64, bool)> {
    let mut pairs: Vec<(f64, bool)> = scores
        .iter()
        .zip(truth.iter())
        .map(|(&s, &y)| (s, y == 1))
        .collect();
    pairs.par_sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    pairs
}

/// scikit-learn's `confusion_matrix_at_thresholds`: counts at the end of each tie group.
pub(crate) fn threshold_counts(
    what: &str,
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
) -> Result<ThresholdCounts> {
    check_binary(what, truth, scores)?;
    let pairs = sorted_pairs(truth, scores);
    let mut c = ThresholdCounts {
        thresholds: Vec::new(),
        tps: Vec::new(),
        fps: Vec::new(),
    };
    let (mut tp, mut fp) = (0.0, 0.0);
    for (i, &(s, pos)) in pairs.iter().enumerate() {
        if pos {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        if i + 1 == pairs.len() || pairs[i + 1].0 != s {
            c.thresholds.push(s);
            c.tps.push(tp);
            c.fps.push(fp);
        }
    }
    Ok(c)
}

fn need_both_classes(what: &str, c: &ThresholdCounts) -> Result<()> {
    if c.positives() == 0.0 || c.negatives() == 0.0 {
        let missing = if c.positives() == 0.0 {
            "positive (1)"
        } else {
            "negative (0)"
        };
        return Err(Error::param(
            "truth",
            format!("{what} is undefined: no {missing} sample in the truth"),
        ));
    }
    Ok(())
}

/// ROC curve; `drop_intermediate` removes points collinear with their neighbours (scikit-learn's default).
pub fn roc_curve(
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
    drop_intermediate: bool,
) -> Result<RocCurve> {
    let c = threshold_counts("ROC curve", truth, scores)?;
    need_both_classes("the ROC curve", &c)?;
    let m = c.tps.len();
    let keep: Vec<usize> = if drop_intermediate && m > 2 {
        // A point is kept when the second difference of either count is non-zero there.
        (0..m)
            .filter(|&j| {
                j == 0
                    || j == m - 1
                    || c.fps[j + 1] - 2.0 * c.fps[j] + c.fps[j - 1] != 0.0
                    || c.tps[j + 1] - 2.0 * c.tps[j] + c.tps[j - 1] != 0.0
            })
            .collect()
    } else {
        (0..m).collect()
    };
    let (p, n) = (c.positives(), c.negatives());
    let mut fpr = vec![0.0];
    let mut tpr = vec![0.0];
    let mut thr = vec![f64::INFINITY];
    for &j in &keep {
        fpr.push(c.fps[j] / n);
        tpr.push(c.tps[j] / p);
        thr.push(c.thresholds[j]);
    }
    Ok(RocCurve {
        fpr: fpr.into(),
        tpr: tpr.into(),
        thresholds: thr.into(),
    })
}

/// Area under a curve by the trapezoidal rule; `x` must be monotone (either direction).
pub fn auc(x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>) -> Result<f64> {
    check_pair("auc", x.len(), y.len())?;
    if x.len() < 2 {
        return Err(Error::param(
            "x",
            "at least 2 points are needed to compute an area",
        ));
    }
    let inc = x.windows(2).into_iter().all(|w| w[1] >= w[0]);
    let dec = x.windows(2).into_iter().all(|w| w[1] <= w[0]);
    if !inc && !dec {
        return Err(Error::param("x", "x is neither increasing nor decreasing"));
    }
    let area: f64 = (1..x.len())
        .map(|i| (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2.0)
        .sum();
    Ok(if dec { -area } else { area })
}

/// Binary ROC AUC (an error when only one class is present).
///
/// Runs in one sort and one pass, without building the curve.
pub fn roc_auc(truth: ArrayView1<'_, usize>, scores: ArrayView1<'_, f64>) -> Result<f64> {
    check_binary("ROC AUC", truth, scores)?;
    let pairs = sorted_pairs(truth, scores);
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    let (mut tp0, mut fp0) = (0.0f64, 0.0f64);
    let mut twice_area = 0.0;
    for (i, &(s, pos)) in pairs.iter().enumerate() {
        if pos {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        if i + 1 == pairs.len() || pairs[i + 1].0 != s {
            twice_area += (fp - fp0) * (tp + tp0);
            tp0 = tp;
            fp0 = fp;
        }
    }
    if tp == 0.0 || fp == 0.0 {
        let missing = if tp == 0.0 {
            "positive (1)"
        } else {
            "negative (0)"
        };
        return Err(Error::param(
            "truth",
            format!("ROC AUC is undefined: no {missing} sample in the truth"),
        ));
    }
    Ok(twice_area / (2.0 * tp * fp))
}

/// Precision-recall curve (scikit-learn's `precision_recall_curve`, all thresholds kept).
pub fn precision_recall_curve(
    truth: ArrayView1<'_, usize>,
    scores: ArrayView1<'_, f64>,
) -> Result<PrCurve> {
    let c = threshold_counts("precision-recall curve", truth, scores)?;
    let p = c.positives();
    if p == 0.0 {
        return Err(Error::param(
            "truth",
            "the precision-recall curve is undefined: no positive (1) sample",
        ));
    }
    let m = c.tps.len();
    let mut precision = Vec::with_capacity(m + 1);
    let mut recall = Vec::with_capacity(m + 1);
    for j in (0..m).rev() {
        let ps = c.tps[j] + c.fps[j];
        precision.push(if ps == 0.0 { 0.0 } else { c.tps[j] / ps });
        recall.push(c.tps[j] / p);
    }
    precision.push(1.0);
    recall.push(0.0);
    let thresholds: Vec<f64> = c.thresholds.iter().rev().copied().collect();
    Ok(PrCurve {
        precision: precision.into(),
        recall: recall.into(),
        thresholds: thresholds.into(),
    })
}

/// Average precision: the step integral of the precision-recall curve.
pub fn average_precision(truth: ArrayView1<'_, usize>, scores: ArrayView1<'_, f64>) -> Result<f64> {
    let pr = precision_recall_curve(truth, scores)?;
    let n = pr.recall.len();
    let ap: f64 = -(0..n - 1)
        .map(|i| (pr.recall[i + 1] - pr.recall[i]) * pr.precision[i])
        .sum::<f64>();
    Ok(ap.max(0.0))
}

/// Multi-class probabilities: one column per class, rows are distributions, every class present.
fn check_multiclass(
    what: &str,
    truth: ArrayView1<'_, usize>,
    proba: ArrayView2<'_, f64>,
) -> Result<Vec<f64>> {
    crate::classification::probabilistic::check_scores(what, truth, proba, true)?;
    let k = proba.ncols();
    let mut count = vec![0.0; k];
    for &y in truth {
        count[y] += 1.0;
    }
    if let Some(missing) = count.iter().position(|&c| c == 0.0) {
        return Err(Error::param(
            "truth",
            format!("{what}: class {missing} (column {missing}) has no sample in the truth; its AUC is undefined"),
        ));
    }
    Ok(count)
}

fn check_average(average: Average) -> Result<bool> {
    match average {
        Average::Macro => Ok(false),
        Average::Weighted => Ok(true),
        other => Err(Error::param(
            "average",
            format!("multi-class ROC AUC takes macro or weighted, not {other:?}"),
        )),
    }
}

/// One-vs-rest multi-class ROC AUC, macro or prevalence-weighted.
pub fn roc_auc_ovr(
    truth: ArrayView1<'_, usize>,
    proba: ArrayView2<'_, f64>,
    average: Average,
) -> Result<f64> {
    let weighted = check_average(average)?;
    let count = check_multiclass("one-vs-rest ROC AUC", truth, proba)?;
    let n = truth.len() as f64;
    let mut total = 0.0;
    for k in 0..proba.ncols() {
        let y: Array1<usize> = truth.mapv(|l| usize::from(l == k));
        let a = roc_auc(y.view(), proba.column(k))?;
        total += if weighted {
            a * count[k] / n
        } else {
            a / proba.ncols() as f64
        };
    }
    Ok(total)
}

/// One-vs-one (Hand & Till) multi-class ROC AUC, macro or weighted by pair prevalence.
pub fn roc_auc_ovo(
    truth: ArrayView1<'_, usize>,
    proba: ArrayView2<'_, f64>,
    average: Average,
) -> Result<f64> {
    let weighted = check_average(average)?;
    let count = check_multiclass("one-vs-one ROC AUC", truth, proba)?;
    let k = proba.ncols();
    let (mut total, mut weight) = (0.0, 0.0);
    for a in 0..k {
        for b in a + 1..k {
            let rows: Vec<usize> = (0..truth.len())
                .filter(|&i| truth[i] == a || truth[i] == b)
                .collect();
            let ya: Array1<usize> = rows.iter().map(|&i| usize::from(truth[i] == a)).collect();
            let yb = ya.mapv(|v| 1 - v);
            let sa: Array1<f64> = rows.iter().map(|&i| proba[[i, a]]).collect();
            let sb: Array1<f64> = rows.iter().map(|&i| proba[[i, b]]).collect();
            let pair = 0.5 * (roc_auc(ya.view(), sa.view())? + roc_auc(yb.view(), sb.view())?);
            let w = if weighted {
                (count[a] + count[b]) / truth.len() as f64
            } else {
                1.0
            };
            total += w * pair;
            weight += w;
        }
    }
    Ok(total / weight)
}

/// How [`calibration_curve`] places its bin edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinStrategy {
    /// Equal-width bins on [0, 1].
    Uniform,
    /// Edges at quantiles of the predicted probabilities (about equal counts).
    Quantile,
}

/// Reliability diagram data for the non-empty bins.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationCurve {
    /// Fraction of positives in each bin.
    pub prob_true: Array1<f64>,
    /// Mean predicted probability in each bin.
    pub prob_pred: Array1<f64>,
    /// Number of samples in each bin.
    pub counts: Array1<f64>,
}

/// Linear-interpolation percentile (numpy's default) of sorted values, `q` in [0, 1].
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    // numpy's `_lerp` form, which keeps the result monotone in t.
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// Calibration curve of binary probabilities (scikit-learn's `calibration_curve`).
pub fn calibration_curve(
    truth: ArrayView1<'_, usize>,
    prob: ArrayView1<'_, f64>,
    n_bins: usize,
    strategy: BinStrategy,
) -> Result<CalibrationCurve> {
    check_binary("calibration curve", truth, prob)?;
    if n_bins == 0 {
        return Err(Error::param("n_bins", "must be at least 1"));
    }
    if let Some(v) = prob.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return Err(Error::param(
            "probabilities",
            format!("value {v} lies outside [0, 1]"),
        ));
    }
    let edges: Vec<f64> = match strategy {
        BinStrategy::Uniform => (0..=n_bins).map(|i| i as f64 / n_bins as f64).collect(),
        BinStrategy::Quantile => {
            let mut s = prob.to_vec();
            s.sort_unstable_by(f64::total_cmp);
            (0..=n_bins)
                .map(|i| quantile_sorted(&s, i as f64 / n_bins as f64))
                .collect()
        }
    };
    let inner = &edges[1..n_bins];
    let mut sums = vec![0.0; n_bins];
    let mut trues = vec![0.0; n_bins];
    let mut totals = vec![0.0; n_bins];
    for (&p, &y) in prob.iter().zip(truth.iter()) {
        // numpy.searchsorted(side="left"): the number of inner edges strictly below p.
        let b = inner.partition_point(|&e| e < p);
        sums[b] += p;
        trues[b] += y as f64;
        totals[b] += 1.0;
    }
    let keep: Vec<usize> = (0..n_bins).filter(|&b| totals[b] > 0.0).collect();
    Ok(CalibrationCurve {
        prob_true: keep.iter().map(|&b| trues[b] / totals[b]).collect(),
        prob_pred: keep.iter().map(|&b| sums[b] / totals[b]).collect(),
        counts: keep.iter().map(|&b| totals[b]).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::rng::seeded_rng;
    use ndarray::array;
    use rand::Rng;

    /// Obviously correct AUC: count concordant pairs, ties as half.
    fn auc_by_pairs(y: &[usize], s: &[f64]) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..y.len() {
            for j in 0..y.len() {
                if y[i] == 1 && y[j] == 0 {
                    den += 1.0;
                    num += if s[i] > s[j] {
                        1.0
                    } else if s[i] == s[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        num / den
    }

    #[test]
    fn fast_auc_matches_pair_counting_and_curve_area() {
        let mut rng = seeded_rng(3);
        for _ in 0..20 {
            let n = rng.random_range(2..200);
            let y: Vec<usize> = (0..n)
                .map(|i| {
                    if i < 1 {
                        0
                    } else if i < 2 {
                        1
                    } else {
                        rng.random_range(0..2)
                    }
                })
                .collect();
            // Rounded scores force many ties.
            let s: Vec<f64> = (0..n)
                .map(|_| (rng.random::<f64>() * 10.0).round() / 10.0)
                .collect();
            let (ya, sa) = (Array1::from(y.clone()), Array1::from(s.clone()));
            let fast = roc_auc(ya.view(), sa.view()).unwrap();
            assert!((fast - auc_by_pairs(&y, &s)).abs() < 1e-12);
            let curve = roc_curve(ya.view(), sa.view(), true).unwrap();
            assert!((auc(curve.fpr.view(), curve.tpr.view()).unwrap() - fast).abs() < 1e-12);
        }
    }

    #[test]
    fn undefined_cases_are_errors() {
        assert!(roc_auc(array![1, 1].view(), array![0.2, 0.3].view()).is_err());
        assert!(roc_curve(array![0, 0].view(), array![0.2, 0.3].view(), true).is_err());
        assert!(average_precision(array![0, 0].view(), array![0.2, 0.3].view()).is_err());
        assert!(roc_auc(array![0, 2].view(), array![0.2, 0.3].view()).is_err());
        assert!(roc_auc(array![0, 1].view(), array![0.2, f64::NAN].view()).is_err());
        let p = array![[0.5, 0.5, 0.0], [0.2, 0.8, 0.0]];
        assert!(roc_auc_ovr(array![0, 1].view(), p.view(), Average::Macro).is_err());
        assert!(calibration_curve(
            array![0, 1].view(),
            array![0.2, 1.3].view(),
            5,
            BinStrategy::Uniform
        )
        .is_err());
    }

    /// Against `tests/fixtures/metrics/curves.json` from `reference/metrics.py` (scikit-learn 1.9.1).
    #[test]
    fn curves_match_scikit_learn() {
        use crate::testutil::*;
        use crate::thresholds::*;
        let fx = load(include_str!("../tests/fixtures/metrics/curves.json"));
        let tol = 1e-12;
        for c in fx["cases"].as_array().unwrap() {
            let name = c["name"].as_str().unwrap();
            let (y, s) = (vu(&c["truth"]), vf(&c["scores"]));
            for (key, drop) in [("roc_drop", true), ("roc_all", false)] {
                let r = roc_curve(y.view(), s.view(), drop).unwrap();
                assert_all_close(
                    &r.fpr,
                    &vf(&c[key]["fpr"]),
                    tol,
                    &format!("{name} {key} fpr"),
                );
                assert_all_close(
                    &r.tpr,
                    &vf(&c[key]["tpr"]),
                    tol,
                    &format!("{name} {key} tpr"),
                );
                assert_all_close(
                    &r.thresholds,
                    &vf(&c[key]["thresholds"]),
                    tol,
                    &format!("{name} {key} thr"),
                );
            }
            assert!(
                close(roc_auc(y.view(), s.view()).unwrap(), f(&c["roc_auc"]), tol),
                "{name} auc"
            );
            let pr = precision_recall_curve(y.view(), s.view()).unwrap();
            assert_all_close(
                &pr.precision,
                &vf(&c["pr"]["precision"]),
                tol,
                &format!("{name} precision"),
            );
            assert_all_close(
                &pr.recall,
                &vf(&c["pr"]["recall"]),
                tol,
                &format!("{name} recall"),
            );
            assert_all_close(
                &pr.thresholds,
                &vf(&c["pr"]["thresholds"]),
                tol,
                &format!("{name} pr thr"),
            );
            assert!(
                close(
                    average_precision(y.view(), s.view()).unwrap(),
                    f(&c["average_precision"]),
                    tol
                ),
                "{name} ap"
            );
            let same = |got: ThresholdChoice, key: &str| {
                let w = &c[key];
                assert!(
                    close(got.threshold, f(&w["threshold"]), tol)
                        && close(got.value, f(&w["value"]), tol),
                    "{name} {key}: got {got:?}, want {w}"
                );
            };
            same(youden_j(y.view(), s.view()).unwrap(), "youden");
            same(max_fbeta(y.view(), s.view(), 1.0).unwrap(), "max_f1");
            same(max_fbeta(y.view(), s.view(), 2.0).unwrap(), "max_f2");
            for target in [0.5, 0.8] {
                let key = format!("for_precision_{target}");
                match threshold_for_precision(y.view(), s.view(), target) {
                    Ok(t) => same(t, &key),
                    Err(_) => assert!(c[&key].is_null(), "{name} {key} should exist"),
                }
                same(
                    threshold_for_recall(y.view(), s.view(), target).unwrap(),
                    &format!("for_recall_{target}"),
                );
            }
            for (cfp, cfn, key) in [
                (1.0, 1.0, "cost_1_1"),
                (1.0, 5.0, "cost_1_5"),
                (3.0, 1.0, "cost_3_1"),
            ] {
                same(
                    min_expected_cost(y.view(), s.view(), cfp, cfn).unwrap(),
                    key,
                );
            }
            for nb in [5, 10] {
                for (strat, st) in [
                    ("uniform", BinStrategy::Uniform),
                    ("quantile", BinStrategy::Quantile),
                ] {
                    let e = &c[format!("calibration_{strat}_{nb}")];
                    let cc = calibration_curve(y.view(), vf(&e["prob"]).view(), nb, st).unwrap();
                    assert_all_close(
                        &cc.prob_true,
                        &vf(&e["prob_true"]),
                        tol,
                        &format!("{name} cal {strat} {nb}"),
                    );
                    assert_all_close(
                        &cc.prob_pred,
                        &vf(&e["prob_pred"]),
                        tol,
                        &format!("{name} cal {strat} {nb}"),
                    );
                }
            }
        }
        for m in fx["multiclass"].as_array().unwrap() {
            let (y, p) = (vu(&m["truth"]), mf(&m["proba"]));
            for (key, got) in [
                ("ovr_macro", roc_auc_ovr(y.view(), p.view(), Average::Macro)),
                (
                    "ovr_weighted",
                    roc_auc_ovr(y.view(), p.view(), Average::Weighted),
                ),
                ("ovo_macro", roc_auc_ovo(y.view(), p.view(), Average::Macro)),
                (
                    "ovo_weighted",
                    roc_auc_ovo(y.view(), p.view(), Average::Weighted),
                ),
            ] {
                let got = got.unwrap();
                assert!(close(got, f(&m[key]), tol), "{key}: {got} vs {}", m[key]);
            }
        }
    }
}
