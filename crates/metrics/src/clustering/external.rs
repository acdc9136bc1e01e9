//! External clustering metrics: agreement between a reference labeling $U$ (classes) and a
//! clustering $V$, through their contingency table $n_{ij} = |U_i \cap V_j|$ with row sums $a_i$,
//! column sums $b_j$ and $N$ samples.
//!
//! - Adjusted Rand index from the pair-confusion counts (Hubert & Arabie 1985):
//!   $\mathrm{ARI} = \frac{2(TP\cdot TN - FN \cdot FP)}{(TP+FN)(FN+TN) + (TP+FP)(FP+TN)}$, 1 when
//!   $FN = FP = 0$.
//! - Mutual information $I(U;V) = \sum_{ij} \frac{n_{ij}}{N}\log\frac{N n_{ij}}{a_i b_j}$ (nats),
//!   entropies $H(U) = -\sum_i \frac{a_i}{N}\log\frac{a_i}{N}$.
//! - Normalized MI $I / M(H(U), H(V))$ and adjusted MI
//!   $\frac{I - \mathbb{E} I}{M(H(U),H(V)) - \mathbb{E} I}$ with $M$ the min, geometric, arithmetic (default) or
//!   max mean, and $\mathbb{E} I$ the expectation under the hypergeometric model of random labelings
//!   (Vinh, Epps & Bailey 2010).
//! - Homogeneity $h = I/H(U)$, completeness $c = I/H(V)$ (1 when the entropy is 0), and
//!   $V_\beta = \frac{(1+\beta) h c}{\beta h + c}$ (Rosenberg & Hirschberg 2007).
//!
//! Degenerate cases follow scikit-learn: one class and one cluster give NMI = AMI = 1; a single
//! row or column of the table gives $I = 0$. When $\mathbb{E} I$ equals the normalizer (for
//! example one labeling all singletons with `Min` averaging) AMI is $0/0$; like scikit-learn the
//! denominator is then clamped to $\pm\epsilon$ and rounding decides the result, which is
//! meaningless there.
//!
//! Cost: $O(N + |U||V|)$, except $\mathbb{E} I$ at $O(|U||V| \min(a_i, b_j))$.
//!
//! ```
//! use breadth_metrics::clustering::{homogeneity_completeness_v_measure, normalized_mutual_info, AverageMethod};
//! use ndarray::array;
//! let (u, v) = (array![0, 0, 1, 1], array![0, 0, 1, 2]);
//! let hc = homogeneity_completeness_v_measure(u.view(), v.view(), 1.0).unwrap();
//! assert!((hc.homogeneity - 1.0).abs() < 1e-15);
//! assert!(hc.completeness < 1.0);
//! assert!(normalized_mutual_info(u.view(), v.view(), AverageMethod::Arithmetic).unwrap() < 1.0);
//! ```

use breadth_core::{Error, Result};
use ndarray::{Array2, ArrayView1};
use statrs::function::gamma::ln_gamma;

use super::encode;

/// Contingency table of two labelings (rows: first labeling's sorted labels; columns: second's).
pub fn contingency_matrix<A: Ord + Copy, B: Ord + Copy>(
    a: ArrayView1<'_, A>,
    b: ArrayView1<'_, B>,
) -> Result<Array2<f64>> {
    crate::check_pair("contingency matrix", a.len(), b.len())?;
    let (ca, ka) = encode(a);
    let (cb, kb) = encode(b);
    let mut m = Array2::<f64>::zeros((ka, kb));
    for (&i, &j) in ca.iter().zip(&cb) {
        m[[i, j]] += 1.0;
    }
    Ok(m)
}

/// Adjusted Rand index.
pub fn adjusted_rand_index<A: Ord + Copy, B: Ord + Copy>(
    a: ArrayView1<'_, A>,
    b: ArrayView1<'_, B>,
) -> Result<f64> {
    let c = contingency_matrix(a, b)?;
    // Exact integer pair counts, as scikit-learn's Python integers.
    let n = a.len() as i128;
    let ci = c.mapv(|v| v as i128);
    let rows: Vec<i128> = ci.rows().into_iter().map(|r| r.sum()).collect();
    let cols: Vec<i128> = ci.columns().into_iter().map(|r| r.sum()).collect();
    let sum_sq: i128 = ci.iter().map(|v| v * v).sum();
    let tp = sum_sq - n;
    let fp: i128 = ci
        .rows()
        .into_iter()
        .map(|r| r.iter().zip(&cols).map(|(v, b)| v * b).sum::<i128>())
        .sum::<i128>()
        - sum_sq;
    let fn_: i128 = ci
        .columns()
        .into_iter()
        .map(|r| r.iter().zip(&rows).map(|(v, a)| v * a).sum::<i128>())
        .sum::<i128>()
        - sum_sq;
    let tn = n * n - fp - fn_ - sum_sq;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let num = 2 * (tp * tn - fn_ * fp);
    let den = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
    Ok(num as f64 / den as f64)
}

/// How the two entropies are averaged in the normalizer of NMI and AMI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AverageMethod {
    /// $\min(H_U, H_V)$.
    Min,
    /// $\sqrt{H_U H_V}$.
    Geometric,
    /// $(H_U + H_V)/2$ (scikit-learn's default).
    #[default]
    Arithmetic,
    /// $\max(H_U, H_V)$.
    Max,
}

impl AverageMethod {
    fn of(self, u: f64, v: f64) -> f64 {
        match self {
            AverageMethod::Min => u.min(v),
            AverageMethod::Geometric => (u * v).sqrt(),
            AverageMethod::Arithmetic => 0.5 * (u + v),
            AverageMethod::Max => u.max(v),
        }
    }
}

fn entropy_of_counts(counts: impl Iterator<Item = f64>) -> f64 {
    let c: Vec<f64> = counts.filter(|&v| v > 0.0).collect();
    if c.len() <= 1 {
        return 0.0;
    }
    let total: f64 = c.iter().sum();
    -c.iter()
        .map(|&p| (p / total) * (p.ln() - total.ln()))
        .sum::<f64>()
}

/// Mutual information of a contingency table (scikit-learn's `mutual_info_score` arithmetic).
fn mi_of(c: &Array2<f64>) -> f64 {
    if c.nrows() == 1 || c.ncols() == 1 {
        return 0.0;
    }
    let total = c.sum();
    let pi: Vec<f64> = c.rows().into_iter().map(|r| r.sum()).collect();
    let pj: Vec<f64> = c.columns().into_iter().map(|r| r.sum()).collect();
    let log_total = total.ln();
    let mut mi = 0.0;
    for ((i, j), &v) in c.indexed_iter() {
        if v > 0.0 {
            let p = v / total;
            let log_outer = -(pi[i] * pj[j]).ln() + log_total + log_total;
            let term = p * (v.ln() - log_total) + p * log_outer;
            if term.abs() >= f64::EPSILON {
                mi += term;
            }
        }
    }
    mi.max(0.0)
}

/// Mutual information between two labelings, in nats.
pub fn mutual_info<A: Ord + Copy, B: Ord + Copy>(
    a: ArrayView1<'_, A>,
    b: ArrayView1<'_, B>,
) -> Result<f64> {
    Ok(mi_of(&contingency_matrix(a, b)?))
}

/// Row and column entropies of a contingency table.
fn entropies(c: &Array2<f64>) -> (f64, f64) {
    (
        entropy_of_counts(c.rows().into_iter().map(|r| r.sum())),
        entropy_of_counts(c.columns().into_iter().map(|r| r.sum())),
    )
}

/// Normalized mutual information.
pub fn normalized_mutual_info<A: Ord + Copy, B: Ord + Copy>(
    a: ArrayView1<'_, A>,
    b: ArrayView1<'_, B>,
    average: AverageMethod,
) -> Result<f64> {
    let c = contingency_matrix(a, b)?;
    if c.nrows() == 1 && c.ncols() == 1 {
        return Ok(1.0);
    }
    let mi = mi_of(&c);
    if mi == 0.0 {
        return Ok(0.0);
    }
    let (hu, hv) = entropies(&c);
    Ok(mi / average.of(hu, hv))
}

/// Expected mutual information of two random labelings with the table's marginals
/// (the hypergeometric sum of Vinh et al., as scikit-learn's `expected_mutual_information`).
fn expected_mi(c: &Array2<f64>) -> f64 {
    let a: Vec<usize> = c.rows().into_iter().map(|r| r.sum() as usize).collect();
    let b: Vec<usize> = c.columns().into_iter().map(|r| r.sum() as usize).collect();
    if a.len() == 1 || b.len() == 1 {
        return 0.0;
    }
    let n = a.iter().sum::<usize>();
    let nf = n as f64;
    let lg = |v: usize| ln_gamma(v as f64 + 1.0);
    let gln_n = lg(n);
    let mut emi = 0.0;
    for &ai in &a {
        for &bj in &b {
            let start = (ai + bj).saturating_sub(n).max(1);
            let end = ai.min(bj);
            let fixed = lg(ai) + lg(bj) + lg(n - ai) + lg(n - bj) - gln_n;
            for nij in start..=end {
                let nijf = nij as f64;
                let term2 = (nf.ln() + nijf.ln()) - (ai as f64).ln() - (bj as f64).ln();
                let gln = fixed - lg(nij) - lg(ai - nij) - lg(bj - nij) - lg(n + nij - ai - bj);
                emi += nijf / nf * term2 * gln.exp();
            }
        }
    }
    emi
}

/// Adjusted mutual information.
pub fn adjusted_mutual_info<A: Ord + Copy, B: Ord + Copy>(
    a: ArrayView1<'_, A>,
    b: ArrayView1<'_, B>,
    average: AverageMethod,
) -> Result<f64> {
    let c = contingency_matrix(a, b)?;
    if c.nrows() == 1 && c.ncols() == 1 {
        return Ok(1.0);
    }
    let mi = mi_of(&c);
    let emi = expected_mi(&c);
    let (hu, hv) = entropies(&c);
    let mut den = average.of(hu, hv) - emi;
    den = if den < 0.0 {
        den.min(-f64::EPSILON)
    } else {
        den.max(f64::EPSILON)
    };
    Ok((mi - emi) / den)
}

/// Homogeneity, completeness and V-measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HomogeneityCompleteness {
    /// Each cluster holds members of one class only.
    pub homogeneity: f64,
    /// All members of a class are in one cluster.
    pub completeness: f64,
    /// Their weighted harmonic mean.
    pub v_measure: f64,
}

/// Homogeneity, completeness and $V_\beta$ of a clustering `pred` against classes `truth`.
pub fn homogeneity_completeness_v_measure<A: Ord + Copy, B: Ord + Copy>(
    truth: ArrayView1<'_, A>,
    pred: ArrayView1<'_, B>,
    beta: f64,
) -> Result<HomogeneityCompleteness> {
    breadth_core::validate::non_negative("beta", beta)?;
    let c = contingency_matrix(truth, pred)?;
    let mi = mi_of(&c);
    let (hc, hk) = entropies(&c);
    let h = if hc == 0.0 { 1.0 } else { mi / hc };
    let comp = if hk == 0.0 { 1.0 } else { mi / hk };
    let v = if h + comp == 0.0 {
        0.0
    } else {
        (1.0 + beta) * h * comp / (beta * h + comp)
    };
    if !v.is_finite() {
        return Err(Error::numerical("V-measure", "non-finite result"));
    }
    Ok(HomogeneityCompleteness {
        homogeneity: h,
        completeness: comp,
        v_measure: v,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn permuted_labels_score_perfectly() {
        let (u, v) = (array![0, 0, 1, 1, 2, 2], array![7, 7, 3, 3, 1, 1]);
        assert_eq!(adjusted_rand_index(u.view(), v.view()).unwrap(), 1.0);
        assert!(
            (adjusted_mutual_info(u.view(), v.view(), AverageMethod::Arithmetic).unwrap() - 1.0)
                .abs()
                < 1e-12
        );
        assert!(
            (normalized_mutual_info(u.view(), v.view(), AverageMethod::Max).unwrap() - 1.0).abs()
                < 1e-12
        );
        assert!(adjusted_rand_index(u.view(), array![1].view()).is_err());
    }
}
