//! Mann-Whitney U test (Wilcoxon rank-sum): is one sample stochastically larger than the other?
//!
//! Rank the pooled $n = n_1 + n_2$ values (ties get their average rank), let $R_1$ be the rank sum
//! of the first sample: $U_1 = R_1 - n_1(n_1+1)/2$ (reported) and $U_2 = n_1 n_2 - U_1$. The
//! p-value is the upper tail of $U = \max(U_1, U_2)$ doubled (two-sided), of $U_1$ (`Greater`) or
//! of $U_2$ (`Less`):
//! - exact (no ties): the null distribution of $U$ by the recurrence on the largest element,
//!   $P_{a,b}(u) = \frac{a}{a+b} P_{a-1,b}(u-b) + \frac{b}{a+b} P_{a,b-1}(u)$,
//!   $O(n_1^2 n_2^2)$, offered for $n_1 n_2 \le 10^5$;
//! - asymptotic: $z = (U - n_1 n_2/2 - \tfrac12)/\sigma$ with the tie-corrected
//!   $\sigma^2 = \frac{n_1 n_2}{12}\left((n+1) - \frac{\sum_k (t_k^3 - t_k)}{n(n-1)}\right)$
//!   ($t_k$ the sizes of tied groups), $p = \mathrm{sf}_{N(0,1)}(z)$.
//!
//! `Auto` chooses as SciPy: exact when either sample has at most 8 values and there are no ties
//! (and, here, $n_1 n_2 \le 10^5$), asymptotic otherwise. Reference: Mann & Whitney, Ann. Math.
//! Stat. 18 (1947); SciPy `mannwhitneyu`.
//!
//! ```
//! use breadth_metrics::stats::{mann_whitney_u, Alternative, MwuMethod};
//! use ndarray::array;
//! let r = mann_whitney_u(array![1.0, 2.0, 3.0].view(), array![4.0, 5.0, 6.0].view(), Alternative::TwoSided, MwuMethod::Auto).unwrap();
//! assert_eq!(r.statistic, 0.0);
//! assert!((r.p_value - 0.1).abs() < 1e-12);
//! ```

use breadth_core::{Error, Result};
use ndarray::ArrayView1;
use statrs::distribution::{ContinuousCDF, Normal};

use super::{check_sample, Alternative, TestResult};

/// How the p-value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MwuMethod {
    /// Exact for small samples without ties, asymptotic otherwise.
    #[default]
    Auto,
    /// The exact null distribution (no ties allowed).
    Exact,
    /// Normal approximation with tie and continuity corrections.
    Asymptotic,
}

const EXACT_LIMIT: usize = 100_000;

/// Average ranks (1-based) of `v` and the sizes of its tied groups.
pub(crate) fn rank_average(v: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_unstable_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut ties = Vec::new();
    let mut s = 0;
    while s < idx.len() {
        let mut e = s + 1;
        while e < idx.len() && v[idx[e]] == v[idx[s]] {
            e += 1;
        }
        let r = (s + 1 + e) as f64 / 2.0;
        for &k in &idx[s..e] {
            ranks[k] = r;
        }
        ties.push(e - s);
        s = e;
    }
    (ranks, ties)
}

/// $\Pr(U \ge k)$ under the null, no ties.
fn exact_sf(n1: usize, n2: usize, k: f64) -> f64 {
    // row[b] holds the distribution of U for (a, b) as the loop over a proceeds.
    let mut prev: Vec<Vec<f64>> = (0..=n2).map(|_| vec![1.0]).collect();
    for a in 1..=n1 {
        let mut cur: Vec<Vec<f64>> = Vec::with_capacity(n2 + 1);
        cur.push(vec![1.0]);
        for b in 1..=n2 {
            let mut d = vec![0.0; a * b + 1];
            let (pa, pb) = (a as f64 / (a + b) as f64, b as f64 / (a + b) as f64);
            for (u, &p) in prev[b].iter().enumerate() {
                d[u + b] += pa * p;
            }
            for (u, &p) in cur[b - 1].iter().enumerate() {
                d[u] += pb * p;
            }
            cur.push(d);
        }
        prev = cur;
    }
    let dist = &prev[n2];
    let start = k.ceil().max(0.0) as usize;
    dist.iter().skip(start).sum::<f64>()
}

/// Mann-Whitney U test of `x` against `y`; the statistic is $U_1$ of `x`.
pub fn mann_whitney_u(
    x: ArrayView1<'_, f64>,
    y: ArrayView1<'_, f64>,
    alternative: Alternative,
    method: MwuMethod,
) -> Result<TestResult> {
    check_sample(x, "Mann-Whitney first sample", 1)?;
    check_sample(y, "Mann-Whitney second sample", 1)?;
    let (n1, n2) = (x.len(), y.len());
    let pooled: Vec<f64> = x.iter().chain(y.iter()).copied().collect();
    let (ranks, ties) = rank_average(&pooled);
    let r1: f64 = ranks[..n1].iter().sum();
    let u1 = r1 - (n1 * (n1 + 1)) as f64 / 2.0;
    let u2 = (n1 * n2) as f64 - u1;
    let (u, factor) = match alternative {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let has_ties = ties.iter().any(|&t| t > 1);
    let small = n1 * n2 <= EXACT_LIMIT;
    let exact = match method {
        MwuMethod::Auto => (n1 <= 8 || n2 <= 8) && !has_ties && small,
        MwuMethod::Exact => {
            if has_ties {
                return Err(Error::param(
                    "method",
                    "the exact Mann-Whitney test needs data without ties; use Asymptotic",
                ));
            }
            if !small {
                return Err(Error::param(
                    "method",
                    format!(
                        "exact Mann-Whitney is limited to n1*n2 <= {EXACT_LIMIT}; use Asymptotic"
                    ),
                ));
            }
            true
        }
        MwuMethod::Asymptotic => false,
    };
    let p = if exact {
        exact_sf(n1, n2, u)
    } else {
        let n = (n1 + n2) as f64;
        let tie_term: f64 = ties.iter().map(|&t| (t * t * t - t) as f64).sum();
        let s = ((n1 * n2) as f64 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
        if s == 0.0 {
            return Err(Error::numerical(
                "Mann-Whitney U",
                "all values are tied: the statistic has no variance",
            ));
        }
        let z = (u - (n1 * n2) as f64 / 2.0 - 0.5) / s;
        Normal::standard().sf(z)
    };
    Ok(TestResult {
        statistic: u1,
        p_value: (p * factor).clamp(0.0, 1.0),
        df: None,
        df_denom: None,
    })
}
