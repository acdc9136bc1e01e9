//! The classification report: precision, recall, F1 and support per class, then accuracy and the
//! macro and weighted averages (the layout of scikit-learn's `classification_report`).
//!
//! Each entry is the [`super::prf`] quantity of that class; the macro row averages classes
//! equally, the weighted row by support $TP_k + FN_k$; zero divisions follow [`ZeroDivision`].
//! $O(n \log K + K)$. Reference: scikit-learn `classification_report`.
//!
//! ```
//! use breadth_metrics::classification::{classification_report, ZeroDivision};
//! use ndarray::array;
//! let r = classification_report(array![0, 1, 1].view(), array![0, 1, 0].view(), None, ZeroDivision::Zero).unwrap();
//! assert_eq!(r.classes[1].recall, 0.5);
//! assert!(r.to_string().contains("weighted avg"));
//! ```

use std::fmt;

use breadth_core::Result;
use ndarray::ArrayView1;
use serde::Serialize;

use super::prf::{precision_recall_fscore, Average, PrfParams, ZeroDivision};

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    /// Class name (or label number), or the average's name.
    pub name: String,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Number of true members.
    pub support: f64,
}

/// Per-class rows, accuracy and the macro and weighted averages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassificationReport {
    /// One row per class present in truth or prediction.
    pub classes: Vec<ReportRow>,
    /// Fraction correct.
    pub accuracy: f64,
    /// Unweighted mean over classes.
    pub macro_avg: ReportRow,
    /// Support-weighted mean over classes.
    pub weighted_avg: ReportRow,
}

/// Build the report; `names[k]` names label `k` when given.
pub fn classification_report(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    names: Option<&[String]>,
    zero_division: ZeroDivision,
) -> Result<ClassificationReport> {
    let base = PrfParams::default().zero_division(zero_division);
    let per = precision_recall_fscore(truth, pred, &base.clone().average(None))?;
    let name_of = |l: usize| {
        names
            .and_then(|n| n.get(l).cloned())
            .unwrap_or_else(|| l.to_string())
    };
    let classes = per
        .labels
        .iter()
        .enumerate()
        .map(|(k, &l)| ReportRow {
            name: name_of(l),
            precision: per.precision[k],
            recall: per.recall[k],
            f1: per.f_score[k],
            support: per.support[k],
        })
        .collect();
    let averaged = |avg: Average, name: &str| -> Result<ReportRow> {
        let r = precision_recall_fscore(truth, pred, &base.clone().average(Some(avg)))?;
        Ok(ReportRow {
            name: name.into(),
            precision: r.precision[0],
            recall: r.recall[0],
            f1: r.f_score[0],
            support: r.support[0],
        })
    };
    Ok(ClassificationReport {
        classes,
        accuracy: super::accuracy(truth, pred, None)?,
        macro_avg: averaged(Average::Macro, "macro avg")?,
        weighted_avg: averaged(Average::Weighted, "weighted avg")?,
    })
}

impl fmt::Display for ClassificationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .classes
            .iter()
            .map(|r| r.name.len())
            .chain([12])
            .max()
            .unwrap_or(12);
        writeln!(
            f,
            "{:>width$} {:>9} {:>9} {:>9} {:>9}",
            "", "precision", "recall", "f1-score", "support"
        )?;
        writeln!(f)?;
        let row = |f: &mut fmt::Formatter<'_>, r: &ReportRow| {
            writeln!(
                f,
                "{:>width$} {:>9.4} {:>9.4} {:>9.4} {:>9}",
                r.name, r.precision, r.recall, r.f1, r.support
            )
        };
        for r in &self.classes {
            row(f, r)?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:>width$} {:>9} {:>9} {:>9.4} {:>9}",
            "accuracy", "", "", self.accuracy, self.macro_avg.support
        )?;
        row(f, &self.macro_avg)?;
        row(f, &self.weighted_avg)
    }
}
