//! Statistical tests and inference: t-tests, chi-squared tests, one-way ANOVA, Kolmogorov-Smirnov,
//! Mann-Whitney U, McNemar, bootstrap confidence intervals and ordinary least squares inference.
//!
//! Every test returns a [`TestResult`]: the statistic, its p-value (the probability under the null
//! hypothesis of a statistic at least as extreme) and, where the reference distribution has them,
//! its degrees of freedom. Distribution functions come from `statrs`. Inputs must be finite and
//! large enough for the statistic to be defined; a zero variance or an empty group is an error
//! rather than NaN. The results match SciPy 1.17 (`scipy.stats`) and statsmodels 0.15.
//!
//! ```
//! use breadth_metrics::stats::{ttest_1samp, Alternative};
//! use ndarray::array;
//! let r = ttest_1samp(array![5.1, 4.9, 5.6, 5.8, 6.0].view(), 5.0, Alternative::TwoSided).unwrap();
//! assert!(r.statistic > 0.0 && r.p_value > 0.05);
//! assert_eq!(r.df, Some(4.0));
//! ```

pub mod anova;
pub mod bootstrap;
pub mod chi2;
pub mod ks;
pub mod mann_whitney;
pub mod mcnemar;
pub mod ols;
pub mod ttest;

pub use anova::f_oneway;
pub use bootstrap::{bootstrap_ci, BootstrapCi, BootstrapParams};
pub use chi2::{chi2_contingency, chisquare};
pub use ks::ks_2samp;
pub use mann_whitney::{mann_whitney_u, MwuMethod};
pub use mcnemar::{mcnemar, mcnemar_table};
pub use ols::{ols, OlsResult};
pub use ttest::{ttest_1samp, ttest_ind, ttest_rel};

use breadth_core::validate::check_finite_1d;
use breadth_core::{Error, Result};
use ndarray::ArrayView1;
use serde::Serialize;

/// A test statistic, its p-value and degrees of freedom where they apply.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TestResult {
    /// The test statistic.
    pub statistic: f64,
    /// The p-value.
    pub p_value: f64,
    /// Degrees of freedom of the reference distribution, if any (the numerator's for an F test).
    pub df: Option<f64>,
    /// Denominator degrees of freedom of an F test.
    pub df_denom: Option<f64>,
}

/// Which deviation from the null hypothesis the p-value measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alternative {
    /// Either direction.
    #[default]
    TwoSided,
    /// The first sample's location is smaller (the statistic is small).
    Less,
    /// The first sample's location is larger (the statistic is large).
    Greater,
}

/// Finite values, at least `min` of them.
pub(crate) fn check_sample(x: ArrayView1<'_, f64>, what: &str, min: usize) -> Result<()> {
    check_finite_1d(x, what)?;
    if x.len() < min {
        return Err(Error::param(
            what,
            format!("needs at least {min} values, got {}", x.len()),
        ));
    }
    Ok(())
}

/// Mean and unbiased variance ($n - 1$ in the denominator), by two passes.
pub(crate) fn mean_var(x: ArrayView1<'_, f64>) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.sum() / n;
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0);
    (m, v)
}

#[cfg(test)]
mod tests {
    //! Against `tests/fixtures/metrics/stats.json` from `reference/metrics.py` (SciPy 1.17.1,
    //! statsmodels 0.15.0). Statistics are closed forms (1e-10); p-values go through statrs'
    //! special functions (1e-10 absolute, p-values being at most 1).
    use super::*;
    use crate::testutil::*;
    use ndarray::Array1;

    const TOL: f64 = 1e-10;

    fn alt(s: &str) -> Alternative {
        match s {
            "less" => Alternative::Less,
            "greater" => Alternative::Greater,
            _ => Alternative::TwoSided,
        }
    }

    fn same(r: TestResult, want: &serde_json::Value, what: &str) {
        let (s, p) = (f(&want[0]), f(&want[1]));
        assert!(
            close(r.statistic, s, TOL),
            "{what} statistic {} vs {s}",
            r.statistic
        );
        assert!(close(r.p_value, p, TOL), "{what} p {} vs {p}", r.p_value);
    }

    #[test]
    fn parametric_tests_match_scipy() {
        let fx = load(include_str!("../tests/fixtures/metrics/stats.json"));
        let alts = ["two-sided", "less", "greater"];
        let t1 = &fx["ttest_1samp"];
        for a in alts {
            let r = ttest_1samp(vf(&t1["x"]).view(), f(&t1["popmean"]), alt(a)).unwrap();
            same(r, &t1[a], a);
            assert_eq!(r.df, Some(f(&t1[a][2])));
        }
        let ti = &fx["ttest_ind"];
        for eq in [false, true] {
            for a in alts {
                let key = format!("{}_{a}", if eq { "student" } else { "welch" });
                let r = ttest_ind(vf(&ti["a"]).view(), vf(&ti["b"]).view(), eq, alt(a)).unwrap();
                same(r, &ti[&key], &key);
                assert!(close(r.df.unwrap(), f(&ti[&key][2]), TOL), "{key} df");
            }
        }
        let tr = &fx["ttest_rel"];
        for a in alts {
            same(
                ttest_rel(vf(&tr["a"]).view(), vf(&tr["b"]).view(), alt(a)).unwrap(),
                &tr[a],
                a,
            );
        }
        for c in fx["chi2_contingency"].as_array().unwrap() {
            let (r, e) =
                chi2_contingency(mf(&c["table"]).view(), c["correction"].as_bool().unwrap())
                    .unwrap();
            assert!(
                close(r.statistic, f(&c["stat"]), TOL) && close(r.p_value, f(&c["p"]), TOL),
                "chi2 {c}"
            );
            assert_eq!(r.df, Some(f(&c["dof"])));
            assert_all_close(&e, &mf(&c["expected"]), TOL, "expected");
        }
        for c in fx["chisquare"].as_array().unwrap() {
            let exp = (!c["exp"].is_null()).then(|| vf(&c["exp"]));
            let r = chisquare(
                vf(&c["obs"]).view(),
                exp.as_ref().map(|e| e.view()),
                c["ddof"].as_u64().unwrap() as usize,
            )
            .unwrap();
            same(r, &c["res"], "chisquare");
        }
        let groups: Vec<Array1<f64>> = fx["f_oneway"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(vf)
            .collect();
        let views: Vec<_> = groups.iter().map(|g| g.view()).collect();
        same(f_oneway(&views).unwrap(), &fx["f_oneway"]["res"], "anova");
    }

    #[test]
    fn rank_tests_match_scipy_and_statsmodels() {
        let fx = load(include_str!("../tests/fixtures/metrics/stats.json"));
        for c in fx["ks_2samp"].as_array().unwrap() {
            let r = ks_2samp(vf(&c["a"]).view(), vf(&c["b"]).view()).unwrap();
            assert!(
                close(r.statistic, f(&c["stat"]), 1e-12),
                "ks stat {} vs {}",
                r.statistic,
                c["stat"]
            );
            assert!(
                close(r.p_value, f(&c["p"]), TOL),
                "ks p {} vs {}",
                r.p_value,
                c["p"]
            );
        }
        for c in fx["mannwhitneyu"].as_array().unwrap() {
            let (a, b) = (vf(&c["a"]), vf(&c["b"]));
            for (key, want) in c
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| k.contains('_'))
            {
                let (m, al) = key.split_once('_').unwrap();
                let method = match m {
                    "auto" => MwuMethod::Auto,
                    "exact" => MwuMethod::Exact,
                    _ => MwuMethod::Asymptotic,
                };
                same(
                    mann_whitney_u(a.view(), b.view(), alt(al), method).unwrap(),
                    want,
                    key,
                );
            }
        }
        for c in fx["mcnemar"].as_array().unwrap() {
            let t = mf(&c["table"]);
            let table = [[t[[0, 0]], t[[0, 1]]], [t[[1, 0]], t[[1, 1]]]];
            for (key, want) in c.as_object().unwrap().iter().filter(|(k, _)| *k != "table") {
                let (kind, corr) = key.split_once('_').unwrap();
                same(
                    mcnemar(table, kind == "exact", corr == "true" || corr == "True").unwrap(),
                    want,
                    key,
                );
            }
        }
    }

    #[test]
    fn ols_matches_statsmodels() {
        let fx = load(include_str!("../tests/fixtures/metrics/stats.json"));
        for c in fx["ols"].as_array().unwrap() {
            let name = c["name"].as_str().unwrap();
            let r = ols(
                mf(&c["x"]).view(),
                vf(&c["y"]).view(),
                c["intercept"].as_bool().unwrap(),
                0.05,
            )
            .unwrap();
            // QR keeps even the raw (unscaled) diabetes design within 1e-10 of statsmodels' pinv.
            let tol = TOL;
            for key in [
                "params",
                "bse",
                "tvalues",
                "pvalues",
                "conf_low",
                "conf_high",
            ] {
                let got = match key {
                    "params" => &r.params,
                    "bse" => &r.bse,
                    "tvalues" => &r.tvalues,
                    "pvalues" => &r.pvalues,
                    "conf_low" => &r.conf_low,
                    _ => &r.conf_high,
                };
                assert_all_close(got, &vf(&c[key]), tol, &format!("{name} {key}"));
            }
            for (got, key) in [
                (r.rsquared, "rsquared"),
                (r.rsquared_adj, "rsquared_adj"),
                (r.fvalue, "fvalue"),
                (r.f_pvalue, "f_pvalue"),
                (r.df_model, "df_model"),
                (r.df_resid, "df_resid"),
                (r.ssr, "ssr"),
            ] {
                assert!(
                    close(got, f(&c[key]), tol),
                    "{name} {key}: {got} vs {}",
                    c[key]
                );
            }
        }
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        use ndarray::array;
        assert!(ttest_1samp(array![1.0, 1.0, 1.0].view(), 0.0, Alternative::TwoSided).is_err());
        assert!(ttest_1samp(array![1.0].view(), 0.0, Alternative::TwoSided).is_err());
        assert!(ttest_rel(
            array![1.0, 2.0].view(),
            array![1.0].view(),
            Alternative::TwoSided
        )
        .is_err());
        assert!(chi2_contingency(array![[1.0, 0.0], [2.0, 0.0]].view(), true).is_err());
        assert!(chisquare(array![1.0, 2.0].view(), Some(array![1.0, 1.0].view()), 0).is_err());
        assert!(f_oneway(&[array![1.0, 2.0].view()]).is_err());
        assert!(ks_2samp(array![f64::NAN].view(), array![1.0].view()).is_err());
        assert!(mann_whitney_u(
            array![1.0, 1.0].view(),
            array![1.0, 2.0].view(),
            Alternative::TwoSided,
            MwuMethod::Exact
        )
        .is_err());
        assert!(mcnemar([[1.0, 0.0], [0.0, 1.0]], false, true).is_err());
        // Collinear design.
        let x = array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.1]];
        assert!(ols(x.view(), array![1.0, 2.0, 3.0, 4.0].view(), true, 0.05).is_ok());
        let x = array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]];
        assert!(ols(x.view(), array![1.0, 2.0, 3.0, 4.0].view(), true, 0.05).is_err());
    }
}
