//! McNemar's test: do two classifiers, evaluated on the same samples, have the same error rate?
//!
//! From the $2 \times 2$ table of (first correct?, second correct?) counts
//! $\begin{pmatrix} a & b \\ c & d \end{pmatrix}$ only the discordant cells matter. Exact: the
//! statistic is $\min(b, c)$ and $p = \min(1, 2\,F_{\mathrm{Bin}(b+c, 1/2)}(\min(b,c)))$.
//! Chi-squared: $\chi^2 = (|b - c| - 1)^2/(b + c)$ with continuity correction (without:
//! $(b-c)^2/(b+c)$) on 1 degree of freedom. $O(n)$ for the table, $O(1)$ after.
//! Reference: McNemar, Psychometrika 12 (1947); Dietterich, "Approximate statistical tests for
//! comparing supervised classification learning algorithms", Neural Computation 10 (1998);
//! statsmodels `mcnemar`.
//!
//! ```
//! use breadth_metrics::stats::{mcnemar, mcnemar_table};
//! use ndarray::array;
//! let t = mcnemar_table(array![0, 1, 1, 0, 1].view(), array![0, 1, 0, 0, 1].view(), array![1, 1, 1, 0, 0].view()).unwrap();
//! assert_eq!(t, [[2.0, 2.0], [1.0, 0.0]]);
//! assert_eq!(mcnemar(t, true, true).unwrap().p_value, 1.0);
//! ```

use breadth_core::{Error, Result};
use ndarray::ArrayView1;
use statrs::distribution::{Binomial, DiscreteCDF};

use super::chi2::chi2_sf;
use super::TestResult;

/// The $2 \times 2$ table `[[both right, only first right], [only second right, both wrong]]`.
pub fn mcnemar_table(
    truth: ArrayView1<'_, usize>,
    first: ArrayView1<'_, usize>,
    second: ArrayView1<'_, usize>,
) -> Result<[[f64; 2]; 2]> {
    crate::check_pair("McNemar first classifier", truth.len(), first.len())?;
    crate::check_pair("McNemar second classifier", truth.len(), second.len())?;
    let mut t = [[0.0; 2]; 2];
    for ((y, a), b) in truth.iter().zip(first).zip(second) {
        t[usize::from(a != y)][usize::from(b != y)] += 1.0;
    }
    Ok(t)
}

/// McNemar's test on a $2 \times 2$ table: exact binomial, or chi-squared with or without
/// continuity correction.
pub fn mcnemar(table: [[f64; 2]; 2], exact: bool, correction: bool) -> Result<TestResult> {
    if table
        .iter()
        .flatten()
        .any(|v| !v.is_finite() || *v < 0.0 || v.fract() != 0.0)
    {
        return Err(Error::param(
            "table",
            "McNemar counts must be non-negative integers",
        ));
    }
    let (b, c) = (table[0][1], table[1][0]);
    if exact {
        let k = b.min(c);
        let bin = Binomial::new(0.5, (b + c) as u64)
            .map_err(|e| Error::numerical("binomial", e.to_string()))?;
        return Ok(TestResult {
            statistic: k,
            p_value: (2.0 * bin.cdf(k as u64)).min(1.0),
            df: None,
            df_denom: None,
        });
    }
    if b + c == 0.0 {
        return Err(Error::numerical(
            "McNemar chi-squared",
            "no discordant pairs (b + c = 0); use the exact test",
        ));
    }
    let num = (b - c).abs() - if correction { 1.0 } else { 0.0 };
    let stat = num * num / (b + c);
    Ok(TestResult {
        statistic: stat,
        p_value: chi2_sf(stat, 1.0)?,
        df: Some(1.0),
        df_denom: None,
    })
}
