//! Ranking and retrieval metrics for $Q$ queries over $m$ candidate items each.
//!
//! Inputs are two $Q \times m$ matrices: graded relevance $r_{qi} \ge 0$ (an item is relevant
//! when $r_{qi} > 0$) and the model's scores $s_{qi}$. Items are ranked by decreasing score; ties
//! are broken by item order (a stable sort), except in nDCG, which averages the gains of tied
//! items as scikit-learn does. With $\mathrm{rel}_q(j)$ the relevance at rank $j$ (1-based) and
//! $R_q$ the number of relevant items:
//! - precision@k $= \frac1k \sum_{j \le k} [\mathrm{rel}_q(j) > 0]$;
//! - recall@k $= \frac{1}{R_q}\sum_{j \le k} [\mathrm{rel}_q(j) > 0]$;
//! - hit rate@k $= [\exists j \le k: \mathrm{rel}_q(j) > 0]$;
//! - reciprocal rank $= 1/\min\{j : \mathrm{rel}_q(j) > 0\}$;
//! - average precision $= \frac{1}{R_q}\sum_{j : \mathrm{rel}_q(j)>0} \mathrm{precision@}j$;
//! - $\mathrm{nDCG@k} = \mathrm{DCG@k}/\mathrm{IDCG@k}$ with $\mathrm{DCG@k} = \sum_{j\le k} \mathrm{rel}_q(j)/\log_2(j+1)$
//!   (linear gains, as scikit-learn's `ndcg_score`) and IDCG the DCG of the ideal order; a query
//!   with no relevant item scores 0.
//!
//! Each metric is the mean over queries; recall, hit rate, MRR and MAP leave out queries without
//! any relevant item (an error when none has one). $O(Q\,m \log m)$.
//! Reference: Manning, Raghavan & Schütze, *Introduction to Information Retrieval* (2008), ch. 8;
//! Järvelin & Kekäläinen, "Cumulated gain-based evaluation of IR techniques", ACM TOIS 20 (2002).
//!
//! ```
//! use breadth_metrics::ranking::{mean_reciprocal_rank, precision_at_k};
//! use ndarray::array;
//! let rel = array![[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]];
//! let score = array![[0.9, 0.8, 0.1], [0.7, 0.2, 0.3]];
//! assert_eq!(mean_reciprocal_rank(rel.view(), score.view()).unwrap(), 0.75);
//! assert_eq!(precision_at_k(rel.view(), score.view(), 1).unwrap(), 0.5);
//! ```

use breadth_core::validate::check_finite;
use breadth_core::{Error, Result};
use ndarray::{ArrayView1, ArrayView2};

fn check(rel: ArrayView2<'_, f64>, score: ArrayView2<'_, f64>, k: Option<usize>) -> Result<()> {
    check_finite(rel, "relevance")?;
    check_finite(score, "scores")?;
    if rel.dim() != score.dim() {
        return Err(Error::shape(
            "relevance and scores",
            format!("{:?}", rel.dim()),
            format!("{:?}", score.dim()),
        ));
    }
    if let Some((q, v)) = rel.indexed_iter().find(|(_, &v)| v < 0.0) {
        return Err(Error::param(
            "relevance",
            format!("{v} at query {}, item {} is negative", q.0, q.1),
        ));
    }
    if k == Some(0) {
        return Err(Error::param("k", "must be at least 1"));
    }
    Ok(())
}

/// Item indices by decreasing score, ties in item order.
fn order(score: ArrayView1<'_, f64>) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    idx
}

/// Mean over queries of `per_query`, which returns `None` for queries it leaves out.
fn mean_over_queries(
    rel: ArrayView2<'_, f64>,
    score: ArrayView2<'_, f64>,
    what: &str,
    per_query: impl Fn(ArrayView1<'_, f64>, &[usize]) -> Option<f64>,
) -> Result<f64> {
    let vals: Vec<f64> = rel
        .outer_iter()
        .zip(score.outer_iter())
        .filter_map(|(r, s)| per_query(r, &order(s)))
        .collect();
    if vals.is_empty() {
        return Err(Error::param(
            "relevance",
            format!("{what} is undefined: no query has a relevant item"),
        ));
    }
    Ok(vals.iter().sum::<f64>() / vals.len() as f64)
}

fn hits_in_top(r: ArrayView1<'_, f64>, ord: &[usize], k: usize) -> f64 {
    ord.iter().take(k).filter(|&&i| r[i] > 0.0).count() as f64
}

fn n_relevant(r: ArrayView1<'_, f64>) -> f64 {
    r.iter().filter(|&&v| v > 0.0).count() as f64
}

/// Mean precision@k (every query counts).
pub fn precision_at_k(
    rel: ArrayView2<'_, f64>,
    score: ArrayView2<'_, f64>,
    k: usize,
) -> Result<f64> {
    check(rel, score, Some(k))?;
    mean_over_queries(rel, score, "precision@k", |r, o| {
        Some(hits_in_top(r, o, k) / k as f64)
    })
}

/// Mean recall@k over queries with a relevant item.
pub fn recall_at_k(rel: ArrayView2<'_, f64>, score: ArrayView2<'_, f64>, k: usize) -> Result<f64> {
    check(rel, score, Some(k))?;
    mean_over_queries(rel, score, "recall@k", |r, o| {
        let n = n_relevant(r);
        (n > 0.0).then(|| hits_in_top(r, o, k) / n)
    })
}

/// Fraction of queries (with a relevant item) that have one in the top k.
pub fn hit_rate_at_k(
    rel: ArrayView2<'_, f64>,
    score: ArrayView2<'_, f64>,
    k: usize,
) -> Result<f64> {
    check(rel, score, Some(k))?;
    mean_over_queries(rel, score, "hit rate@k", |r, o| {
        (n_relevant(r) > 0.0).then(|| f64::from(u8::from(hits_in_top(r, o, k) > 0.0)))
    })
}

/// Mean reciprocal rank of the first relevant item.
pub fn mean_reciprocal_rank(rel: ArrayView2<'_, f64>, score: ArrayView2<'_, f64>) -> Result<f64> {
    check(rel, score, None)?;
    mean_over_queries(rel, score, "MRR", |r, o| {
        o.iter()
            .position(|&i| r[i] > 0.0)
            .map(|p| 1.0 / (p + 1) as f64)
    })
}

/// Mean average precision over queries with a relevant item.
pub fn mean_average_precision(rel: ArrayView2<'_, f64>, score: ArrayView2<'_, f64>) -> Result<f64> {
    check(rel, score, None)?;
    mean_over_queries(rel, score, "MAP", |r, o| {
        let n = n_relevant(r);
        if n == 0.0 {
            return None;
        }
        let (mut hits, mut sum) = (0.0, 0.0);
        for (j, &i) in o.iter().enumerate() {
            if r[i] > 0.0 {
                hits += 1.0;
                sum += hits / (j + 1) as f64;
            }
        }
        Some(sum / n)
    })
}

/// DCG@k with tied scores sharing their mean gain over the positions they span.
fn dcg_tie_averaged(r: ArrayView1<'_, f64>, s: ArrayView1<'_, f64>, k: usize) -> f64 {
    let o = order(s);
    let discount = |j: usize| 1.0 / ((j + 2) as f64).log2();
    let mut dcg = 0.0;
    let mut start = 0;
    while start < o.len() && start < k {
        let mut end = start + 1;
        while end < o.len() && s[o[end]] == s[o[start]] {
            end += 1;
        }
        let mean_gain = o[start..end].iter().map(|&i| r[i]).sum::<f64>() / (end - start) as f64;
        let disc: f64 = (start..end.min(k)).map(discount).sum();
        dcg += mean_gain * disc;
        start = end;
    }
    dcg
}

/// Mean nDCG@k with graded relevance (`k = None`: all items).
pub fn ndcg_at_k(
    rel: ArrayView2<'_, f64>,
    score: ArrayView2<'_, f64>,
    k: Option<usize>,
) -> Result<f64> {
    check(rel, score, k)?;
    let k = k.unwrap_or(rel.ncols());
    let total: f64 = rel
        .outer_iter()
        .zip(score.outer_iter())
        .map(|(r, s)| {
            let ideal = dcg_tie_averaged(r, r, k);
            if ideal == 0.0 {
                0.0
            } else {
                dcg_tie_averaged(r, s, k) / ideal
            }
        })
        .sum();
    Ok(total / rel.nrows() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use ndarray::array;

    /// Against `tests/fixtures/metrics/ranking.json` from `reference/metrics.py`: nDCG and
    /// (tie-free) average precision from scikit-learn 1.9.1, the rest from the numpy formulas there.
    #[test]
    fn ranking_metrics_match_the_reference() {
        let fx = load(include_str!("../tests/fixtures/metrics/ranking.json"));
        for c in fx["cases"].as_array().unwrap() {
            let (r, s) = (mf(&c["rel"]), mf(&c["score"]));
            let (r, s) = (r.view(), s.view());
            let name = c["name"].as_str().unwrap();
            for k in [1usize, 3, 5] {
                let want = |key: &str| f(&c[format!("{key}@{k}")]);
                assert!(
                    close(precision_at_k(r, s, k).unwrap(), want("precision"), 1e-12),
                    "{name} p@{k}"
                );
                assert!(
                    close(recall_at_k(r, s, k).unwrap(), want("recall"), 1e-12),
                    "{name} r@{k}"
                );
                assert!(
                    close(hit_rate_at_k(r, s, k).unwrap(), want("hit"), 1e-12),
                    "{name} hit@{k}"
                );
                assert!(
                    close(ndcg_at_k(r, s, Some(k)).unwrap(), want("ndcg"), 1e-12),
                    "{name} ndcg@{k}"
                );
            }
            assert!(
                close(ndcg_at_k(r, s, None).unwrap(), f(&c["ndcg"]), 1e-12),
                "{name} ndcg"
            );
            assert!(
                close(mean_reciprocal_rank(r, s).unwrap(), f(&c["mrr"]), 1e-12),
                "{name} mrr"
            );
            assert!(
                close(mean_average_precision(r, s).unwrap(), f(&c["map"]), 1e-12),
                "{name} map"
            );
        }
    }

    #[test]
    fn degenerate_inputs() {
        let r = array![[0.0, 0.0]];
        let s = array![[0.1, 0.2]];
        assert!(mean_reciprocal_rank(r.view(), s.view()).is_err());
        assert_eq!(ndcg_at_k(r.view(), s.view(), None).unwrap(), 0.0);
        assert!(precision_at_k(r.view(), s.view(), 0).is_err());
        assert!(precision_at_k(array![[-1.0, 0.0]].view(), s.view(), 1).is_err());
        assert!(precision_at_k(array![[1.0]].view(), s.view(), 1).is_err());
    }
}
