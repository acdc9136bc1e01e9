//! Semi-supervised learning: learning from a few labelled rows and many unlabelled ones.
//!
//! The target is [`breadth_core::Target::PartialClasses`] (a fully labelled class target is
//! accepted too): unlabelled rows are `None`, as scikit-learn marks them `-1`.
//!
//! - [`label_propagation`]: graph methods (Zhu & Ghahramani 2002; Zhou et al. 2004) that spread
//!   label mass over an RBF or k-nearest-neighbour similarity graph: `LabelPropagation` clamps the
//!   known labels, `LabelSpreading` lets them move by `alpha`.
//! - [`self_training`]: wraps any classifier with `predict_proba`, and repeatedly adds its most
//!   confident predictions on unlabelled rows to the training set (Yarowsky 1995).

pub mod label_propagation;
pub mod self_training;

use breadth_core::{Dataset, Error, Result};
use ndarray::Array1;

/// The partial labels of `data`, checked: at least one labelled row and two labelled classes.
pub(crate) fn checked_partial_labels(
    data: &Dataset,
    model: &str,
) -> Result<(Array1<Option<usize>>, Vec<String>)> {
    let (labels, names) = data.partial_class_target(model)?;
    let mut seen: Vec<usize> = labels.iter().flatten().copied().collect();
    seen.sort_unstable();
    seen.dedup();
    match seen.len() {
        0 => Err(Error::WrongTarget {
            model: model.into(),
            expected: "at least one labelled row".into(),
            found: "no labelled row at all".into(),
        }),
        1 => Err(Error::WrongTarget {
            model: model.into(),
            expected: "labelled rows of at least two classes".into(),
            found: format!("only class `{}` labelled", names[seen[0]]),
        }),
        _ => Ok((labels, names.to_vec())),
    }
}
