//! Classification metrics: confusion matrices, the rates derived from them, agreement scores,
//! probabilistic losses and the classification report.
//!
//! Labels are class indices $y_i \in \{0, \dots, K-1\}$ (`usize`), as in [`breadth_core::Target`].
//! Unless a function is given an explicit label set, it works on the sorted union of the labels
//! present in truth and prediction, as scikit-learn does. Multi-label data is an $n \times K$
//! indicator matrix of 0/1 (`u8`).
//!
//! Accuracy: $\frac{1}{n}\sum_i [\hat y_i = y_i]$, or with sample weights
//! $\sum_i w_i [\hat y_i = y_i] / \sum_i w_i$ (scikit-learn's `accuracy_score`). For multi-label
//! input [`accuracy_multilabel`] is the subset accuracy (a row counts only when every label matches).
//!
//! ```
//! use breadth_metrics::classification::accuracy;
//! use ndarray::array;
//! assert_eq!(accuracy(array![0, 1, 1, 2].view(), array![0, 1, 2, 2].view(), None).unwrap(), 0.75);
//! ```

pub mod agreement;
pub mod confusion;
pub mod prf;
pub mod probabilistic;
pub mod report;

pub use agreement::{cohen_kappa, matthews_corrcoef, KappaWeights};
pub use confusion::{confusion_matrix, multilabel_counts, ClassCounts, ConfusionMatrix, Normalize};
pub use prf::{
    balanced_accuracy, f1_score, fbeta_score, precision, precision_recall_fscore,
    precision_recall_fscore_multilabel, rate, recall, Average, Prf, PrfParams, Rate, ZeroDivision,
};
pub use probabilistic::{brier_score, hinge_loss, hinge_loss_binary, log_loss};
pub use report::{classification_report, ClassificationReport};

use breadth_core::{Error, Result};
use ndarray::{ArrayView1, ArrayView2};

use crate::{check_pair, check_weights};

/// Fraction of correct labels, optionally weighted.
pub fn accuracy(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    check_pair("accuracy", truth.len(), pred.len())?;
    let hits = truth
        .iter()
        .zip(pred.iter())
        .map(|(t, p)| f64::from(u8::from(t == p)));
    Ok(match sample_weight {
        None => hits.sum::<f64>() / truth.len() as f64,
        Some(w) => {
            check_weights("accuracy", w, truth.len())?;
            hits.zip(w.iter()).map(|(h, w)| h * w).sum::<f64>() / w.sum()
        }
    })
}

/// Subset accuracy of multi-label indicator matrices: the fraction of rows predicted exactly.
pub fn accuracy_multilabel(truth: ArrayView2<'_, u8>, pred: ArrayView2<'_, u8>) -> Result<f64> {
    confusion::check_indicators(truth, pred)?;
    let exact = truth
        .outer_iter()
        .zip(pred.outer_iter())
        .filter(|(t, p)| t == p)
        .count();
    Ok(exact as f64 / truth.nrows() as f64)
}

/// Error for a label outside `labels`.
pub(crate) fn unknown_label(label: usize, what: &str, labels: &[usize]) -> Error {
    Error::UnknownLabel {
        label: label.to_string(),
        what: what.into(),
        known: labels
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    //! Against `crates/metrics/tests/fixtures/metrics/classification.json`, written by
    //! `reference/metrics.py` with scikit-learn 1.9.1 (closed forms: tolerance 1e-12).
    use super::*;
    use crate::testutil::*;
    use ndarray::array;

    const FIXTURE: &str = include_str!("../tests/fixtures/metrics/classification.json");
    const TOL: f64 = 1e-12;

    fn average_of(s: &str) -> Option<Average> {
        match s {
            "none" => None,
            other => Some(Average::parse(other).unwrap()),
        }
    }

    fn zero_division_of(s: &str) -> ZeroDivision {
        match s {
            "0" => ZeroDivision::Zero,
            "1" => ZeroDivision::One,
            _ => ZeroDivision::Nan,
        }
    }

    #[test]
    fn multiclass_cases_match_scikit_learn() {
        let fx = load(FIXTURE);
        for c in fx["cases"].as_array().unwrap() {
            let name = c["name"].as_str().unwrap();
            let (t, p) = (vu(&c["truth"]), vu(&c["pred"]));
            let cm = confusion_matrix(t.view(), p.view(), None, None).unwrap();
            assert_eq!(cm.labels, vu(&c["labels"]).to_vec(), "{name}");
            assert_all_close(&cm.counts, &mf(&c["cm"]), 0.0, name);
            for (key, how) in [
                ("cm_true", Normalize::True),
                ("cm_pred", Normalize::Pred),
                ("cm_all", Normalize::All),
            ] {
                assert_all_close(
                    &cm.normalized(how),
                    &mf(&c[key]),
                    TOL,
                    &format!("{name} {key}"),
                );
            }
            let scalar = |got: f64, key: &str| {
                assert!(
                    close(got, f(&c[key]), TOL),
                    "{name} {key}: got {got}, want {}",
                    c[key]
                );
            };
            scalar(accuracy(t.view(), p.view(), None).unwrap(), "accuracy");
            scalar(
                balanced_accuracy(t.view(), p.view(), false, None).unwrap(),
                "balanced_accuracy",
            );
            scalar(
                balanced_accuracy(t.view(), p.view(), true, None).unwrap(),
                "balanced_accuracy_adjusted",
            );
            scalar(matthews_corrcoef(t.view(), p.view(), None).unwrap(), "mcc");
            for (w, key) in [
                (KappaWeights::None, "none"),
                (KappaWeights::Linear, "linear"),
                (KappaWeights::Quadratic, "quadratic"),
            ] {
                let got = cohen_kappa(t.view(), p.view(), w).unwrap();
                assert!(
                    close(got, f(&c["kappa"][key]), TOL),
                    "{name} kappa {key}: {got}"
                );
            }
            for e in c["prf"].as_array().unwrap() {
                let params = PrfParams::default()
                    .beta(f(&e["beta"]))
                    .average(average_of(e["average"].as_str().unwrap()))
                    .zero_division(zero_division_of(e["zero_division"].as_str().unwrap()));
                let r = precision_recall_fscore(t.view(), p.view(), &params).unwrap();
                let what = format!("{name} {e}");
                assert_all_close(
                    &r.precision,
                    &vf(&e["precision"]),
                    TOL,
                    &format!("precision {what}"),
                );
                assert_all_close(&r.recall, &vf(&e["recall"]), TOL, &format!("recall {what}"));
                assert_all_close(&r.f_score, &vf(&e["f"]), TOL, &format!("f {what}"));
            }
            for e in c["rates"].as_array().unwrap() {
                let which = match e["rate"].as_str().unwrap() {
                    "tnr" => Rate::Tnr,
                    "fpr" => Rate::Fpr,
                    "fnr" => Rate::Fnr,
                    _ => Rate::Tpr,
                };
                let avg = average_of(e["average"].as_str().unwrap());
                let got = rate(
                    t.view(),
                    p.view(),
                    which,
                    avg,
                    zero_division_of(e["zero_division"].as_str().unwrap()),
                )
                .unwrap();
                assert_all_close(&got, &vf(&e["values"]), TOL, &format!("{name} {e}"));
            }
        }
    }

    #[test]
    fn multilabel_matches_scikit_learn() {
        let fx = load(FIXTURE);
        for c in fx["multilabel"].as_array().unwrap() {
            let (t, p) = (mu8(&c["truth"]), mu8(&c["pred"]));
            assert!(close(
                accuracy_multilabel(t.view(), p.view()).unwrap(),
                f(&c["subset_accuracy"]),
                TOL
            ));
            for e in c["prf"].as_array().unwrap() {
                let params = PrfParams::default()
                    .average(average_of(e["average"].as_str().unwrap()))
                    .zero_division(zero_division_of(e["zero_division"].as_str().unwrap()));
                let r = precision_recall_fscore_multilabel(t.view(), p.view(), &params).unwrap();
                let what = format!("multilabel {}", e["average"]);
                assert_all_close(&r.precision, &vf(&e["precision"]), TOL, &what);
                assert_all_close(&r.recall, &vf(&e["recall"]), TOL, &what);
                assert_all_close(&r.f_score, &vf(&e["f"]), TOL, &what);
            }
        }
    }

    #[test]
    fn probabilistic_losses_match_scikit_learn() {
        let fx = load(FIXTURE);
        for c in fx["probabilistic"].as_array().unwrap() {
            let (y, pr, dec, w) = (
                vu(&c["truth"]),
                mf(&c["proba"]),
                mf(&c["decision"]),
                vf(&c["weights"]),
            );
            let k = c["k"].as_u64().unwrap();
            let check = |got: f64, key: &str| {
                assert!(
                    close(got, f(&c[key]), TOL),
                    "k={k} {key}: {got} vs {}",
                    c[key]
                )
            };
            check(log_loss(y.view(), pr.view(), None).unwrap(), "log_loss");
            check(
                log_loss(y.view(), pr.view(), Some(w.view())).unwrap(),
                "log_loss_weighted",
            );
            check(brier_score(y.view(), pr.view()).unwrap(), "brier");
            if k > 2 {
                check(hinge_loss(y.view(), dec.view()).unwrap(), "hinge");
            } else {
                check(
                    hinge_loss_binary(y.view(), dec.column(1)).unwrap(),
                    "hinge_binary",
                );
            }
        }
    }

    #[test]
    fn report_rows_agree_with_the_scores() {
        let (t, p) = (array![0, 1, 2, 2, 1, 0, 1], array![0, 2, 2, 1, 1, 0, 0]);
        let r = classification_report(t.view(), p.view(), None, ZeroDivision::Zero).unwrap();
        assert_eq!(r.classes.len(), 3);
        assert!(close(
            r.macro_avg.f1,
            f1_score(t.view(), p.view(), Average::Macro).unwrap(),
            1e-15
        ));
        assert_eq!(r.weighted_avg.support, 7.0);
        assert!(accuracy_multilabel(array![[1u8, 0]].view(), array![[1u8, 0, 0]].view()).is_err());
    }
}
