//! Student's t-tests: one-sample, two independent samples (Welch's unequal variances, or the
//! pooled Student form) and paired.
//!
//! With sample means $\bar x$, unbiased variances $s^2$ and sizes $n$:
//! one-sample $t = \frac{\bar x - \mu_0}{s/\sqrt n}$, $\nu = n - 1$; Welch
//! $t = \frac{\bar x_1 - \bar x_2}{\sqrt{s_1^2/n_1 + s_2^2/n_2}}$ with the Welch-Satterthwaite
//! $\nu = \frac{(s_1^2/n_1 + s_2^2/n_2)^2}{(s_1^2/n_1)^2/(n_1-1) + (s_2^2/n_2)^2/(n_2-1)}$;
//! pooled $s_p^2 = \frac{(n_1-1)s_1^2 + (n_2-1)s_2^2}{n_1+n_2-2}$,
//! $t = \frac{\bar x_1 - \bar x_2}{s_p\sqrt{1/n_1 + 1/n_2}}$, $\nu = n_1+n_2-2$; paired: the
//! one-sample test of the differences against 0. p-values from the $t_\nu$ distribution
//! (two-sided $2\,\mathrm{sf}(|t|)$). $O(n)$. Reference: Welch, "The generalization of Student's
//! problem when several different population variances are involved", Biometrika 34 (1947);
//! SciPy `ttest_1samp`, `ttest_ind`, `ttest_rel`.
//!
//! ```
//! use breadth_metrics::stats::{ttest_ind, Alternative};
//! use ndarray::array;
//! let r = ttest_ind(array![1.0, 2.0, 3.0].view(), array![4.0, 5.0, 6.5].view(), false, Alternative::TwoSided).unwrap();
//! assert!(r.statistic < 0.0 && r.p_value < 0.05);
//! ```

use breadth_core::{Error, Result};
use ndarray::ArrayView1;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{check_sample, mean_var, Alternative, TestResult};

/// p-value of `t` under $t_\nu$.
pub(crate) fn t_p_value(t: f64, df: f64, alternative: Alternative) -> Result<f64> {
    let dist = StudentsT::new(0.0, 1.0, df)
        .map_err(|e| Error::numerical("t distribution", e.to_string()))?;
    Ok(match alternative {
        Alternative::TwoSided => (2.0 * dist.sf(t.abs())).min(1.0),
        Alternative::Less => dist.cdf(t),
        Alternative::Greater => dist.sf(t),
    })
}

fn zero_variance(what: &str) -> Error {
    Error::numerical(
        what,
        "the sample variance is zero, so the t statistic is undefined",
    )
}

/// One-sample t-test of the mean against `popmean`.
pub fn ttest_1samp(
    x: ArrayView1<'_, f64>,
    popmean: f64,
    alternative: Alternative,
) -> Result<TestResult> {
    check_sample(x, "one-sample t-test sample", 2)?;
    let (m, v) = mean_var(x);
    if v == 0.0 {
        return Err(zero_variance("one-sample t-test"));
    }
    let n = x.len() as f64;
    let t = (m - popmean) / (v / n).sqrt();
    let df = n - 1.0;
    Ok(TestResult {
        statistic: t,
        p_value: t_p_value(t, df, alternative)?,
        df: Some(df),
        df_denom: None,
    })
}

/// Two-sample t-test: Welch's (`equal_var = false`) or pooled Student's.
pub fn ttest_ind(
    a: ArrayView1<'_, f64>,
    b: ArrayView1<'_, f64>,
    equal_var: bool,
    alternative: Alternative,
) -> Result<TestResult> {
    check_sample(a, "t-test first sample", 2)?;
    check_sample(b, "t-test second sample", 2)?;
    let (m1, v1) = mean_var(a);
    let (m2, v2) = mean_var(b);
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (t, df) = if equal_var {
        let df = n1 + n2 - 2.0;
        let sp = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / df;
        ((m1 - m2) / (sp * (1.0 / n1 + 1.0 / n2)).sqrt(), df)
    } else {
        let (q1, q2) = (v1 / n1, v2 / n2);
        let df = (q1 + q2).powi(2) / (q1 * q1 / (n1 - 1.0) + q2 * q2 / (n2 - 1.0));
        ((m1 - m2) / (q1 + q2).sqrt(), df)
    };
    if v1 == 0.0 && v2 == 0.0 {
        return Err(zero_variance("two-sample t-test"));
    }
    Ok(TestResult {
        statistic: t,
        p_value: t_p_value(t, df, alternative)?,
        df: Some(df),
        df_denom: None,
    })
}

/// Paired t-test: the one-sample test of `a - b` against 0.
pub fn ttest_rel(
    a: ArrayView1<'_, f64>,
    b: ArrayView1<'_, f64>,
    alternative: Alternative,
) -> Result<TestResult> {
    crate::check_pair("paired t-test", a.len(), b.len())?;
    ttest_1samp((&a - &b).view(), 0.0, alternative)
}
