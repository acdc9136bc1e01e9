//! Clustering metrics: internal ones that judge a partition of the data by its geometry
//! ([`internal`]: silhouette, Davies-Bouldin, Calinski-Harabasz) and external ones that compare
//! two labelings ([`external`]: adjusted Rand index, mutual information and its adjusted and
//! normalized forms, homogeneity, completeness, V-measure).
//!
//! Labels may be any ordered, copyable type (`usize` classes, `i64` cluster ids with `-1` for
//! noise, which is treated as one more cluster, as scikit-learn does); only equality matters.
//!
//! ```
//! use breadth_metrics::clustering::{adjusted_rand_index, silhouette_score};
//! use ndarray::array;
//! assert_eq!(adjusted_rand_index(array![0, 0, 1, 1].view(), array![5i64, 5, 2, 2].view()).unwrap(), 1.0);
//! let x = array![[0.0], [0.1], [5.0], [5.1]];
//! assert!(silhouette_score(x.view(), array![0, 0, 1, 1].view()).unwrap() > 0.9);
//! ```

pub mod external;
pub mod internal;

pub use external::{
    adjusted_mutual_info, adjusted_rand_index, contingency_matrix,
    homogeneity_completeness_v_measure, mutual_info, normalized_mutual_info, AverageMethod,
    HomogeneityCompleteness,
};
pub use internal::{calinski_harabasz, davies_bouldin, silhouette_samples, silhouette_score};

use std::collections::BTreeMap;

use ndarray::ArrayView1;

/// Relabel to `0..k` in order of the sorted distinct labels; returns the codes and `k`.
pub(crate) fn encode<T: Ord + Copy>(labels: ArrayView1<'_, T>) -> (Vec<usize>, usize) {
    let mut map = BTreeMap::new();
    for &l in labels {
        map.entry(l).or_insert(0usize);
    }
    for (i, v) in map.values_mut().enumerate() {
        *v = i;
    }
    (labels.iter().map(|l| map[l]).collect(), map.len())
}

#[cfg(test)]
mod tests {
    //! Against `tests/fixtures/metrics/clustering.json` from `reference/metrics.py`
    //! (scikit-learn 1.9.1): 1e-12 for closed forms, 1e-10 for AMI (log-gamma sums).
    use super::*;
    use crate::testutil::*;

    #[test]
    fn clustering_metrics_match_scikit_learn() {
        let fx = load(include_str!("../tests/fixtures/metrics/clustering.json"));
        for c in fx["internal"].as_array().unwrap() {
            let (x, l) = (mf(&c["x"]), vi(&c["labels"]));
            assert_all_close(
                &silhouette_samples(x.view(), l.view()).unwrap(),
                &vf(&c["silhouette_samples"]),
                1e-12,
                "silhouette",
            );
            assert!(close(
                silhouette_score(x.view(), l.view()).unwrap(),
                f(&c["silhouette"]),
                1e-12
            ));
            assert!(close(
                davies_bouldin(x.view(), l.view()).unwrap(),
                f(&c["davies_bouldin"]),
                1e-12
            ));
            assert!(close(
                calinski_harabasz(x.view(), l.view()).unwrap(),
                f(&c["calinski_harabasz"]),
                1e-12
            ));
        }
        for c in fx["external"].as_array().unwrap() {
            let name = c["name"].as_str().unwrap();
            let (a, b) = (vi(&c["a"]), vi(&c["b"]));
            let check = |got: f64, key: &str, tol: f64| {
                assert!(
                    close(got, f(&c[key]), tol),
                    "{name} {key}: {got} vs {}",
                    c[key]
                );
            };
            check(
                adjusted_rand_index(a.view(), b.view()).unwrap(),
                "ari",
                1e-12,
            );
            check(mutual_info(a.view(), b.view()).unwrap(), "mi", 1e-12);
            for (m, key) in [
                (AverageMethod::Min, "min"),
                (AverageMethod::Geometric, "geometric"),
                (AverageMethod::Arithmetic, "arithmetic"),
                (AverageMethod::Max, "max"),
            ] {
                check(
                    normalized_mutual_info(a.view(), b.view(), m).unwrap(),
                    &format!("nmi_{key}"),
                    1e-12,
                );
                if !c[format!("ami_{key}")].is_null() {
                    check(
                        adjusted_mutual_info(a.view(), b.view(), m).unwrap(),
                        &format!("ami_{key}"),
                        1e-10,
                    );
                }
            }
            let h = homogeneity_completeness_v_measure(a.view(), b.view(), 1.0).unwrap();
            check(h.homogeneity, "homogeneity", 1e-12);
            check(h.completeness, "completeness", 1e-12);
            check(h.v_measure, "v_measure", 1e-12);
            check(
                homogeneity_completeness_v_measure(a.view(), b.view(), 2.0)
                    .unwrap()
                    .v_measure,
                "v_measure_beta2",
                1e-12,
            );
        }
    }
}
