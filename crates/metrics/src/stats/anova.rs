//! One-way analysis of variance: do $g$ groups share a mean?
//!
//! With group sizes $n_j$, means $\bar x_j$, grand mean $\bar x$ and $N = \sum n_j$:
//! $F = \frac{\sum_j n_j (\bar x_j - \bar x)^2 / (g - 1)}{\sum_j \sum_i (x_{ij} - \bar x_j)^2 / (N - g)}$,
//! compared with $F_{g-1, N-g}$. Needs at least two groups, each non-empty, and some within-group
//! variation. $O(N)$. Reference: Fisher, *Statistical Methods for Research Workers* (1925);
//! SciPy `f_oneway`.
//!
//! ```
//! use breadth_metrics::stats::f_oneway;
//! use ndarray::array;
//! let (a, b) = (array![1.0, 2.0, 3.0], array![2.0, 3.0, 4.0]);
//! let r = f_oneway(&[a.view(), b.view()]).unwrap();
//! assert!((r.statistic - 1.5).abs() < 1e-12);
//! ```

use breadth_core::{Error, Result};
use ndarray::ArrayView1;
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

use super::{check_sample, TestResult};

/// One-way ANOVA F-test of the groups' means.
pub fn f_oneway(groups: &[ArrayView1<'_, f64>]) -> Result<TestResult> {
    let g = groups.len();
    if g < 2 {
        return Err(Error::param(
            "groups",
            format!("ANOVA needs at least 2 groups, got {g}"),
        ));
    }
    for (j, x) in groups.iter().enumerate() {
        check_sample(*x, &format!("ANOVA group {j}"), 1)?;
    }
    let n: usize = groups.iter().map(|x| x.len()).sum();
    if n <= g {
        return Err(Error::param(
            "groups",
            "ANOVA needs more samples than groups",
        ));
    }
    let grand = groups.iter().map(|x| x.sum()).sum::<f64>() / n as f64;
    let (mut between, mut within) = (0.0, 0.0);
    for x in groups {
        let m = x.sum() / x.len() as f64;
        between += x.len() as f64 * (m - grand) * (m - grand);
        within += x.iter().map(|v| (v - m) * (v - m)).sum::<f64>();
    }
    if within == 0.0 {
        return Err(Error::numerical(
            "ANOVA",
            "every group is constant: the F statistic is undefined",
        ));
    }
    let (d1, d2) = ((g - 1) as f64, (n - g) as f64);
    let f = (between / d1) / (within / d2);
    let dist = FisherSnedecor::new(d1, d2)
        .map_err(|e| Error::numerical("F distribution", e.to_string()))?;
    Ok(TestResult {
        statistic: f,
        p_value: dist.sf(f),
        df: Some(d1),
        df_denom: Some(d2),
    })
}
