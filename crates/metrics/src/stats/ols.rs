//! Ordinary least squares with the inference of statsmodels' `OLS(...).fit()` summary.
//!
//! For a design $X$ ($n \times p$, with a leading column of ones when `add_intercept`) and
//! response $y$: $\hat\beta = \arg\min \|y - X\beta\|^2$ via the thin QR factorization
//! $X = QR$ (faer), $\hat\beta = R^{-1} Q^\top y$; residual variance
//! $\hat\sigma^2 = \mathrm{SSR}/(n - p)$; covariance $\hat\sigma^2 (X^\top X)^{-1} = \hat\sigma^2 R^{-1} R^{-\top}$;
//! standard errors its diagonal's square roots; $t_k = \hat\beta_k/\mathrm{se}_k$ with two-sided
//! p-values and $1-\alpha$ intervals from $t_{n-p}$.
//! $R^2 = 1 - \mathrm{SSR}/\mathrm{TSS}$ with TSS centered when there is an intercept (uncentered
//! otherwise, as statsmodels), adjusted $\bar R^2 = 1 - \frac{n - k_c}{n - p}(1 - R^2)$ ($k_c = 1$
//! with intercept, else 0), and the overall $F = \frac{(\mathrm{TSS} - \mathrm{SSR})/(p - k_c)}{\hat\sigma^2}$
//! on $(p - k_c, n - p)$ degrees of freedom. $O(np^2)$.
//! A rank-deficient design (a column that is a combination of others) is an error, where
//! statsmodels would silently use a pseudo-inverse.
//! Reference: Greene, *Econometric Analysis*, 8th ed., ch. 4-5; statsmodels `RegressionResults`.
//!
//! ```
//! use breadth_metrics::stats::ols;
//! use ndarray::array;
//! let x = array![[0.0], [1.0], [2.0], [3.0]];
//! let r = ols(x.view(), array![1.0, 3.1, 4.9, 7.0].view(), true, 0.05).unwrap();
//! assert!((r.params[1] - 1.98).abs() < 1e-12);
//! assert!(r.rsquared > 0.99);
//! ```

use std::fmt;

use breadth_core::linalg::{as_faer, to_ndarray};
use breadth_core::validate::{check_finite, check_finite_1d};
use breadth_core::{Error, Result};
use faer::{Mat, Par};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

/// Fitted OLS coefficients with their inference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OlsResult {
    /// Coefficient names: `const` first when there is an intercept, then `x0, x1, ...`.
    pub names: Vec<String>,
    /// Coefficients $\hat\beta$.
    pub params: Array1<f64>,
    /// Standard errors.
    pub bse: Array1<f64>,
    /// t statistics.
    pub tvalues: Array1<f64>,
    /// Two-sided p-values.
    pub pvalues: Array1<f64>,
    /// Lower ends of the confidence intervals.
    pub conf_low: Array1<f64>,
    /// Upper ends of the confidence intervals.
    pub conf_high: Array1<f64>,
    /// $R^2$.
    pub rsquared: f64,
    /// Adjusted $R^2$.
    pub rsquared_adj: f64,
    /// Overall F statistic.
    pub fvalue: f64,
    /// Its p-value.
    pub f_pvalue: f64,
    /// Model degrees of freedom $p - k_c$.
    pub df_model: f64,
    /// Residual degrees of freedom $n - p$.
    pub df_resid: f64,
    /// Sum of squared residuals.
    pub ssr: f64,
    /// $\hat\sigma^2$.
    pub scale: f64,
    /// Number of observations.
    pub nobs: usize,
}

/// Least squares fit of `y` on the columns of `x` (plus an intercept), with $1-\alpha$ intervals.
pub fn ols(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    add_intercept: bool,
    alpha: f64,
) -> Result<OlsResult> {
    check_finite(x, "OLS design")?;
    check_finite_1d(y, "OLS response")?;
    crate::check_pair("OLS rows", x.nrows(), y.len())?;
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::param(
            "alpha",
            format!("must lie in (0, 1), got {alpha}"),
        ));
    }
    let n = x.nrows();
    let design: Array2<f64> = if add_intercept {
        let ones = Array2::<f64>::ones((n, 1));
        ndarray::concatenate(Axis(1), &[ones.view(), x.view()]).expect("same rows")
    } else {
        x.to_owned()
    };
    let p = design.ncols();
    if n <= p {
        return Err(Error::param(
            "x",
            format!("OLS needs more rows ({n}) than coefficients ({p})"),
        ));
    }
    let qr = as_faer(design.view()).qr();
    let r: Mat<f64> = qr.thin_R().to_owned();
    let max_diag = (0..p).map(|k| r[(k, k)].abs()).fold(0.0, f64::max);
    if let Some(k) = (0..p).find(|&k| r[(k, k)].abs() <= 1e-12 * max_diag.max(f64::MIN_POSITIVE)) {
        return Err(Error::numerical(
            "OLS",
            format!(
                "the design is rank deficient: column {k} is (nearly) a combination of the others"
            ),
        ));
    }
    // R^{-1} by solving R Z = I.
    let mut rinv = Mat::<f64>::identity(p, p);
    faer::linalg::triangular_solve::solve_upper_triangular_in_place(
        r.as_ref(),
        rinv.as_mut(),
        Par::Seq,
    );
    let q = qr.compute_thin_Q();
    let qty = q.transpose() * as_faer(y.insert_axis(Axis(1)));
    let beta = to_ndarray((&rinv * &qty).as_ref()).column(0).to_owned();
    let cov_unscaled = to_ndarray((&rinv * rinv.transpose()).as_ref());
    let resid = &y - &design.dot(&beta);
    let ssr = resid.dot(&resid);
    let df_resid = (n - p) as f64;
    let scale = ssr / df_resid;
    let bse = cov_unscaled.diag().mapv(|v| (v * scale).sqrt());
    let tvalues = &beta / &bse;
    let tdist = StudentsT::new(0.0, 1.0, df_resid)
        .map_err(|e| Error::numerical("t distribution", e.to_string()))?;
    let pvalues = tvalues.mapv(|t| (2.0 * tdist.sf(t.abs())).min(1.0));
    let q = tdist.inverse_cdf(1.0 - alpha / 2.0);
    let kc = f64::from(u8::from(add_intercept));
    let tss = if add_intercept {
        let m = y.mean().unwrap_or(0.0);
        y.iter().map(|v| (v - m) * (v - m)).sum::<f64>()
    } else {
        y.dot(&y)
    };
    let rsquared = 1.0 - ssr / tss;
    let rsquared_adj = 1.0 - (n as f64 - kc) / df_resid * (1.0 - rsquared);
    let df_model = p as f64 - kc;
    let (fvalue, f_pvalue) = if df_model > 0.0 {
        let f = ((tss - ssr) / df_model) / scale;
        let fd = FisherSnedecor::new(df_model, df_resid)
            .map_err(|e| Error::numerical("F distribution", e.to_string()))?;
        (f, fd.sf(f))
    } else {
        (f64::NAN, f64::NAN)
    };
    let names = (0..p)
        .map(|k| match (add_intercept, k) {
            (true, 0) => "const".to_string(),
            (true, k) => format!("x{}", k - 1),
            (false, k) => format!("x{k}"),
        })
        .collect();
    Ok(OlsResult {
        names,
        conf_low: &beta - &(&bse * q),
        conf_high: &beta + &(&bse * q),
        params: beta,
        bse,
        tvalues,
        pvalues,
        rsquared,
        rsquared_adj,
        fvalue,
        f_pvalue,
        df_model,
        df_resid,
        ssr,
        scale,
        nobs: n,
    })
}

impl fmt::Display for OlsResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "OLS: {} observations, {} residual df",
            self.nobs, self.df_resid
        )?;
        writeln!(
            f,
            "R-squared {:.4}   adj. R-squared {:.4}   F {:.4} (p = {:.4e})",
            self.rsquared, self.rsquared_adj, self.fvalue, self.f_pvalue
        )?;
        writeln!(
            f,
            "{:>10} {:>12} {:>12} {:>9} {:>10} {:>12} {:>12}",
            "", "coef", "std err", "t", "P>|t|", "low", "high"
        )?;
        for k in 0..self.params.len() {
            writeln!(
                f,
                "{:>10} {:>12.4} {:>12.4} {:>9.3} {:>10.4} {:>12.4} {:>12.4}",
                self.names[k],
                self.params[k],
                self.bse[k],
                self.tvalues[k],
                self.pvalues[k],
                self.conf_low[k],
                self.conf_high[k]
            )?;
        }
        Ok(())
    }
}
