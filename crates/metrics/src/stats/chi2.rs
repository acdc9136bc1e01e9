//! Pearson's chi-squared tests: independence in a contingency table and goodness of fit.
//!
//! Independence: for an $r \times c$ table $O$ with row sums $R_i$, column sums $C_j$ and total
//! $N$, expected counts $E_{ij} = R_i C_j / N$ and $\chi^2 = \sum_{ij} (O_{ij} - E_{ij})^2 / E_{ij}$
//! on $\nu = (r-1)(c-1)$ degrees of freedom; with `correction` and $\nu = 1$ each observed count
//! first moves up to 0.5 towards its expectation (Yates), as SciPy's default. $\nu = 0$ gives
//! $\chi^2 = 0$, $p = 1$. Goodness of fit: $\chi^2 = \sum_k (O_k - E_k)^2/E_k$ on $k - 1 - \text{ddof}$
//! degrees of freedom, $E$ uniform when not given (it must have the same total as $O$, within
//! $10^{-8}$ relative, as SciPy requires). $O(rc)$.
//! Reference: Pearson (1900), Phil. Mag. 50; Yates (1934), JRSS Suppl. 1; SciPy
//! `chi2_contingency`, `chisquare`.
//!
//! ```
//! use breadth_metrics::stats::chisquare;
//! use ndarray::array;
//! let r = chisquare(array![16.0, 18.0, 16.0, 14.0, 12.0, 12.0].view(), None, 0).unwrap();
//! assert!((r.statistic - 2.0).abs() < 1e-12);
//! ```

use breadth_core::{Error, Result};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::TestResult;

/// Upper tail of $\chi^2_\nu$ at `x`.
pub(crate) fn chi2_sf(x: f64, df: f64) -> Result<f64> {
    let d = ChiSquared::new(df)
        .map_err(|e| Error::numerical("chi-squared distribution", e.to_string()))?;
    Ok(d.sf(x))
}

fn check_counts(what: &str, v: impl Iterator<Item = f64>) -> Result<()> {
    for (i, x) in v.enumerate() {
        if !x.is_finite() || x < 0.0 {
            return Err(Error::param(
                what,
                format!("entry {i} is {x}; counts must be finite and >= 0"),
            ));
        }
    }
    Ok(())
}

/// Chi-squared test of independence of the rows and columns of a contingency table.
pub fn chi2_contingency(
    observed: ArrayView2<'_, f64>,
    correction: bool,
) -> Result<(TestResult, Array2<f64>)> {
    if observed.is_empty() {
        return Err(Error::EmptyInput {
            what: "contingency table".into(),
            detail: "no cells".into(),
        });
    }
    check_counts("contingency table", observed.iter().copied())?;
    let rows = observed.sum_axis(Axis(1));
    let cols = observed.sum_axis(Axis(0));
    let total = observed.sum();
    let expected = Array2::from_shape_fn(observed.dim(), |(i, j)| rows[i] * cols[j] / total);
    if let Some(((i, j), _)) = expected.indexed_iter().find(|(_, &e)| e == 0.0) {
        return Err(Error::param(
            "contingency table",
            format!(
                "expected count of cell ({i}, {j}) is zero: row {i} or column {j} sums to zero"
            ),
        ));
    }
    let df = ((observed.nrows() - 1) * (observed.ncols() - 1)) as f64;
    if df == 0.0 {
        return Ok((
            TestResult {
                statistic: 0.0,
                p_value: 1.0,
                df: Some(0.0),
                df_denom: None,
            },
            expected,
        ));
    }
    let mut obs = observed.to_owned();
    if correction && df == 1.0 {
        ndarray::Zip::from(&mut obs)
            .and(&expected)
            .for_each(|o, &e| {
                let diff = e - *o;
                *o += diff.signum() * diff.abs().min(0.5);
            });
    }
    let stat: f64 = ndarray::Zip::from(&obs)
        .and(&expected)
        .fold(0.0, |s, &o, &e| s + (o - e) * (o - e) / e);
    Ok((
        TestResult {
            statistic: stat,
            p_value: chi2_sf(stat, df)?,
            df: Some(df),
            df_denom: None,
        },
        expected,
    ))
}

/// Chi-squared goodness-of-fit test of counts against expected counts (uniform when `None`).
pub fn chisquare(
    observed: ArrayView1<'_, f64>,
    expected: Option<ArrayView1<'_, f64>>,
    ddof: usize,
) -> Result<TestResult> {
    let k = observed.len();
    if k < 2 {
        return Err(Error::param(
            "observed",
            "goodness of fit needs at least 2 categories",
        ));
    }
    check_counts("observed counts", observed.iter().copied())?;
    let total = observed.sum();
    let exp: Vec<f64> = match expected {
        Some(e) => {
            crate::check_pair("chi-squared expected counts", k, e.len())?;
            check_counts("expected counts", e.iter().copied())?;
            let s = e.sum();
            if (s - total).abs() > 1e-8 * s.max(total) {
                return Err(Error::param(
                    "expected",
                    format!("expected counts sum to {s} but observed to {total}; they must agree"),
                ));
            }
            e.to_vec()
        }
        None => vec![total / k as f64; k],
    };
    if exp.contains(&0.0) {
        return Err(Error::param("expected", "an expected count is zero"));
    }
    if ddof + 1 >= k {
        return Err(Error::param(
            "ddof",
            format!("must be < {} (categories - 1)", k - 1),
        ));
    }
    let stat: f64 = observed
        .iter()
        .zip(&exp)
        .map(|(o, e)| (o - e) * (o - e) / e)
        .sum();
    let df = (k - 1 - ddof) as f64;
    Ok(TestResult {
        statistic: stat,
        p_value: chi2_sf(stat, df)?,
        df: Some(df),
        df_denom: None,
    })
}
