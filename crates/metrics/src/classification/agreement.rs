//! Chance-corrected agreement: Matthews correlation coefficient and Cohen's kappa.
//!
//! With confusion matrix $C$ ($K \times K$), $s = \sum_{ab} C_{ab}$, $c = \sum_k C_{kk}$, true
//! counts $t_k = \sum_b C_{kb}$ and predicted counts $p_k = \sum_a C_{ak}$, the multi-class MCC
//! (Gorodkin 2004) is
//! $\mathrm{MCC} = \frac{c\,s - t \cdot p}{\sqrt{(s^2 - p \cdot p)(s^2 - t \cdot t)}}$,
//! and 0 when the denominator vanishes (scikit-learn's convention).
//! Cohen's kappa with disagreement weights $w_{ab}$ (0 on the diagonal, 1 off it; or $|a-b|$;
//! or $(a-b)^2$) and the chance matrix $E_{ab} = p_a t_b / s$ (the agreement expected from the
//! marginals alone), is $\kappa = 1 - \frac{\sum w_{ab} C_{ab}}{\sum w_{ab} E_{ab}}$;
//! it is undefined (NaN, as scikit-learn's default `replace_undefined_by`) when that denominator is 0.
//!
//! $O(n \log K + K^2)$. References: Gorodkin, "Comparing two K-category assignments by a
//! K-category correlation coefficient", Comput. Biol. Chem. 28 (2004); Cohen, "A coefficient of
//! agreement for nominal scales", Educ. Psychol. Meas. 20 (1960).
//!
//! ```
//! use breadth_metrics::classification::{cohen_kappa, matthews_corrcoef, KappaWeights};
//! use ndarray::array;
//! let (t, p) = (array![1, 1, 1, 0], array![1, 0, 1, 1]);
//! assert!((matthews_corrcoef(t.view(), p.view(), None).unwrap() + 1.0 / 3.0).abs() < 1e-15);
//! assert!((cohen_kappa(t.view(), t.view(), KappaWeights::None).unwrap() - 1.0).abs() < 1e-15);
//! ```

use breadth_core::Result;
use ndarray::{Array2, ArrayView1, Axis};

use super::confusion::confusion_matrix;

/// Disagreement weights of Cohen's kappa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KappaWeights {
    /// Every disagreement counts 1.
    None,
    /// Disagreement between label positions $a, b$ counts $|a-b|$.
    Linear,
    /// Counts $(a-b)^2$.
    Quadratic,
}

/// Matthews correlation coefficient, binary or multi-class.
pub fn matthews_corrcoef(
    truth: ArrayView1<'_, usize>,
    pred: ArrayView1<'_, usize>,
    sample_weight: Option<ArrayView1<'_, f64>>,
) -> Result<f64> {
    let c = confusion_matrix(truth, pred, None, sample_weight)?.counts;
    let t = c.sum_axis(Axis(1));
    let p = c.sum_axis(Axis(0));
    let correct = c.diag().sum();
    let s = c.sum();
    let cov_tp = correct * s - t.dot(&p);
    let cov_pp = s * s - p.dot(&p);
    let cov_tt = s * s - t.dot(&t);
    let denom = cov_pp * cov_tt;
    Ok(if denom == 0.0 {
        0.0
    } else {
        cov_tp / denom.sqrt()
    })
}

/// Cohen's kappa between two label sequences (NaN when undefined, as in scikit-learn).
pub fn cohen_kappa(
    a: ArrayView1<'_, usize>,
    b: ArrayView1<'_, usize>,
    weights: KappaWeights,
) -> Result<f64> {
    let c = confusion_matrix(a, b, None, None)?.counts;
    let k = c.nrows();
    let sum0 = c.sum_axis(Axis(0));
    let sum1 = c.sum_axis(Axis(1));
    let total = sum0.sum();
    // scikit-learn's `outer(sum0, sum1)`: row index follows the prediction sums.
    let expected = Array2::from_shape_fn((k, k), |(i, j)| sum0[i] * sum1[j] / total);
    let w = Array2::from_shape_fn((k, k), |(i, j)| {
        let d = i.abs_diff(j) as f64;
        match weights {
            KappaWeights::None => f64::from(u8::from(i != j)),
            KappaWeights::Linear => d,
            KappaWeights::Quadratic => d * d,
        }
    });
    let den = (&w * &expected).sum();
    if den == 0.0 {
        return Ok(f64::NAN);
    }
    Ok(1.0 - (&w * &c).sum() / den)
}
