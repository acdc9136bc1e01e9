//! Confusion matrices and the per-class counts $TP_k, FP_k, FN_k, TN_k$ every rate is built from.
//!
//! For labels $\ell_1, \dots, \ell_K$ the confusion matrix is
//! $C_{ab} = \sum_i w_i [y_i = \ell_a][\hat y_i = \ell_b]$ (rows: truth, columns: prediction;
//! $w_i = 1$ without sample weights). One-vs-rest counts of class $k$:
//! $TP_k = C_{kk}$, $FP_k = \sum_a C_{ak} - C_{kk}$, $FN_k = \sum_b C_{kb} - C_{kk}$,
//! $TN_k = \sum_{ab} C_{ab} - TP_k - FP_k - FN_k$. Normalizing divides each row (by truth), each
//! column (by prediction) or the whole matrix by its sum; a zero sum gives 0, as in scikit-learn.
//!
//! Shapes: $n$ labels in, a $K \times K$ matrix out; $O(n \log K + K^2)$ time.
//! Reference: Fawcett, "An introduction to ROC analysis", Pattern Recognition Letters 27 (2006).
//!
//! ```
//! use breadth_metrics::classification::{confusion_matrix, Normalize};
//! use ndarray::array;
//! let cm = confusion_matrix(array![0, 0, 1, 2].view(), array![0, 1, 1, 2].view(), None, None).unwrap();
//! assert_eq!(cm.counts, array![[1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
//! assert_eq!(cm.normalized(Normalize::True)[[0, 1]], 0.5);
//! assert_eq!(cm.class_counts().fp[1], 1.0);
//! ```

use breadth_core::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use super::unknown_label;
use crate::{check_pair, check_weights};

/// How [`ConfusionMatrix::normalized`] divides the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalize {
    /// Each row by its sum (rates given the true class; the diagonal is the recall).
    True,
    /// Each column by its sum (the diagonal is the precision).
    Pred,
    /// Everything by the total.
    All,
}

/// A confusion matrix with the labels its rows and columns stand for.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionMatrix {
    /// The label of each row and column, in order.
    pub labels: Vec<usize>,
    /// `counts[[a, b]]`: (weighted) number of samples of true label `labels[a]` predicted as `labels[b]`.
    pub counts: Array2<f64>,
}

/// One-vs-rest counts per class (or per label, or per sample for multi-label data).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassCounts {
    /// True positives.
    pub tp: Array1<f64>,
    /// False positives.
    pub fp: Array1<f64>,
    /// False negatives.
    pub fn_: Array1<f64>,
    /// True negatives.
    pub tn: Array1<f64>,
}

impl ClassCounts {
    /// Support: the number of true members, $TP + FN$.
    pub fn support(&self) -> Array1<f64> {
        &self.tp + &self.fn_
    }

    /// Predicted members, $TP + FP$.
    pub fn predicted(&self) -> Array1<f64> {
        &self.tp + &self.fp
    }
}

impl ConfusionMatrix {
    /// The matrix divided by row sums, column sums or the total; empty rows or columns give 0.
    pub fn normalized(&self, how: Normalize) -> Array2<f64> {
        let c = &self.counts;
        let div = |x: f64, s: f64| if s == 0.0 { 0.0 } else { x / s };
        match how {
            Normalize::True => {
                let s = c.sum_axis(Axis(1));
                Array2::from_shape_fn(c.dim(), |(a, b)| div(c[[a, b]], s[a]))
            }
            Normalize::Pred => {
                let s = c.sum_axis(Axis(0));
                Array2::from_shape_fn(c.dim(), |(a, b)| div(c[[a, b]], s[b]))
            }
            Normalize::All => {
                let s = c.sum();
                c.mapv(|x| div(x, s))
            }
        }
    }

    /// One-vs-rest $TP, FP, FN, TN$ for each label.
    pub fn class_counts(&self) -> ClassCounts {
        let c = &self.counts;
        let total = c.sum();
        let tp = c.diag().to_owned();
        let fp = c.sum_axis(Axis(0)) - &tp;
        let fn_ = c.sum_axis(Axis(1)) - &tp;
        let tn = tp.mapv(|t| total - t) - &fp - &fn_;
        ClassCounts { tp, fp, fn_, tn }
    }

    /// Total (weighted) number of samples.
    pub fn total(&self) -> f64 {
        self.counts.sum()
    }
}

/// The sorted union of the labels present in `truth` and `pred`.
pub(crate) fn present_labels(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
) -> Vec<usize> {
    let mut l: Vec<usize> = truth.iter().chain(pred.iter()).copied().collect();
    l.sort_unstable();
    l.dedup();
    l
}

/// Maps a label to its position in a label list, refusing labels outside it.
pub(crate) struct LabelIndex {
    sorted: Vec<(usize, usize)>,
    labels: Vec<usize>,
}

impl LabelIndex {
    pub(crate) fn new(labels: &[usize]) -> Result<Self> {
        if labels.is_empty() {
            return Err(Error::param("labels", "the label set is empty"));
        }
        let mut sorted: Vec<(usize, usize)> = labels.iter().copied().zip(0..).collect();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::param(
                "labels",
                format!("label {} is listed twice", w[0].0),
            ));
        }
        Ok(LabelIndex {
            sorted,
            labels: labels.to_vec(),
        })
    }

    pub(crate) fn position(&self, label: usize, what: &str) -> Result<usize> {
        match self.sorted.binary_search_by_key(&label, |&(l, _)| l) {
            Ok(i) => Ok(self.sorted[i].1),
            Err(_) => Err(unknown_label(label, what, &self.labels)),
        }
    }
}

/// Confusion matrix of class labels.
///
/// `labels` fixes the rows and columns (and their order); a label in `truth` or `pred` outside
/// it is an error. Without it, the sorted union of the labels present is used.
pub fn confusion_matrix(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    labels: Option<&[usize]>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<ConfusionMatrix> {
    check_pair("confusion matrix", truth.len(), pred.len())?;
    if let Some(w) = sample_weight {
        check_weights("confusion matrix", w, truth.len())?;
    }
    let labels = labels.map_or_else(|| present_labels(truth, pred), <[usize]>::to_vec);
    let index = LabelIndex::new(&labels)?;
    let k = labels.len();
    let mut counts = Array2::<f64>::zeros((k, k));
    for (i, (&t, &p)) in truth.iter().zip(pred.iter()).enumerate() {
        let a = index.position(t, "truth")?;
        let b = index.position(p, "prediction")?;
        counts[[a, b]] += sample_weight.map_or(1.0, |w| w[i]);
    }
    Ok(ConfusionMatrix { labels, counts })
}

/// Both indicator matrices have the same non-empty shape and hold only 0 and 1.
pub(crate) fn check_indicators(truth: ArrayView2<'_, u8>, pred: ArrayView2<'_, u8>) -> Result<()> {
    if truth.dim() != pred.dim() {
        return Err(Error::shape(
            "multi-label truth and prediction",
            format!("{:?}", truth.dim()),
            format!("{:?}", pred.dim()),
        ));
    }
    if truth.is_empty() {
        return Err(Error::EmptyInput {
            what: "multi-label indicators".into(),
            detail: format!("shape {:?}", truth.dim()),
        });
    }
    for (what, m) in [("truth", truth.view()), ("prediction", pred.view())] {
        if let Some(((r, c), v)) = m.indexed_iter().find(|(_, &v)| v > 1) {
            return Err(Error::param(
                "multi-label indicators",
                format!("{what} holds {v} at row {r}, column {c}; only 0 and 1 are allowed"),
            ));
        }
    }
    Ok(())
}

/// One-vs-rest counts of multi-label indicator matrices: per label (column) or, with
/// `samplewise`, per sample (row).
pub fn multilabel_counts(
    truth: ArrayView2<'_, u8>,
    pred: ArrayView2<'_, u8>,
    sample_weight: Option<ArrayView1<'_, f64>>,
    samplewise: bool,
) -> Result<ClassCounts> {
    check_indicators(truth, pred)?;
    if let Some(w) = sample_weight {
        check_weights("multi-label counts", w, truth.nrows())?;
    }
    let units = if samplewise {
        truth.nrows()
    } else {
        truth.ncols()
    };
    let mut c = ClassCounts {
        tp: Array1::zeros(units),
        fp: Array1::zeros(units),
        fn_: Array1::zeros(units),
        tn: Array1::zeros(units),
    };
    for ((r, j), &t) in truth.indexed_iter() {
        let p = pred[[r, j]];
        // Per-sample counts are not weighted: the weights enter the average over samples.
        let w = if samplewise {
            1.0
        } else {
            sample_weight.map_or(1.0, |w| w[r])
        };
        let u = if samplewise { r } else { j };
        match (t, p) {
            (1, 1) => c.tp[u] += w,
            (0, 1) => c.fp[u] += w,
            (1, 0) => c.fn_[u] += w,
            _ => c.tn[u] += w,
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn labels_outside_the_given_set_are_refused() {
        let err = confusion_matrix(
            array![0, 1].view(),
            array![0, 2].view(),
            Some(&[0, 1]),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown label `2`"), "{err}");
        assert!(LabelIndex::new(&[1, 1]).is_err());
    }

    #[test]
    fn counts_add_up() {
        let cm = confusion_matrix(
            array![0, 1, 2, 2, 1].view(),
            array![0, 2, 2, 1, 1].view(),
            Some(&[2, 1, 0]),
            None,
        )
        .unwrap();
        // Row 0 is label 2: one correct, one predicted as 1.
        assert_eq!(cm.counts.row(0), array![1.0, 1.0, 0.0]);
        let c = cm.class_counts();
        for k in 0..3 {
            assert_eq!(c.tp[k] + c.fp[k] + c.fn_[k] + c.tn[k], 5.0);
        }
        assert_eq!(cm.normalized(Normalize::All).sum(), 1.0);
    }

    #[test]
    fn indicator_values_are_checked() {
        let t = array![[1u8, 2]];
        assert!(multilabel_counts(t.view(), t.view(), None, false).is_err());
    }
}
