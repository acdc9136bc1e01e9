//! Mutual information between each feature and the target, estimated from samples.
//!
//! $I(X; Y) = \iint p(x, y) \log \frac{p(x, y)}{p(x) p(y)}\,dx\,dy$ (in nats) is zero exactly when
//! $X$ and $Y$ are independent, and, unlike the F tests, sees non-linear dependence. Three
//! estimators, chosen per feature as scikit-learn does:
//!
//! - **continuous feature, continuous target** (Kraskov, Stögbauer, Grassberger 2004, estimator
//!   1): for each of the $n$ points let $\varepsilon_i$ be the max-norm distance to its $k$-th
//!   neighbour in the joint space $(x, y)$, and $n_{x,i}$, $n_{y,i}$ the numbers of other points
//!   strictly closer than $\varepsilon_i$ in $x$ alone and in $y$ alone; then
//!   $\hat I = \psi(n) + \psi(k) - \langle \psi(n_x + 1) \rangle - \langle \psi(n_y + 1) \rangle$;
//! - **continuous and discrete** (Ross 2014): for point $i$ with label $\ell_i$ shared by
//!   $N_{\ell_i}$ points, $\varepsilon_i$ is the distance to its $k_i = \min(k, N_{\ell_i} - 1)$-th
//!   neighbour among its own label, $m_i$ the number of points of any label strictly within
//!   $\varepsilon_i$ (itself included); over the $n'$ points whose label occurs more than once,
//!   $\hat I = \psi(n') + \langle \psi(k_i) \rangle - \langle \psi(N_{\ell_i}) \rangle - \langle \psi(m_i) \rangle$;
//! - **both discrete**: the plug-in $\sum_{a, b} \hat p_{ab} \log \frac{\hat p_{ab}}{\hat p_a \hat p_b}$
//!   of the contingency table.
//!
//! $\psi$ is the digamma function; negative estimates are reported as 0. As in scikit-learn,
//! continuous columns (and a continuous target) are first divided by their standard deviation
//! and receive noise $10^{-10} \max(1, \langle |x| \rangle)\, z$, $z \sim \mathcal N(0, 1)$ from
//! the seed, which breaks ties between repeated values (the estimator assumes none).
//!
//! Shapes: `n x d` features, `n` targets, `d` scores. Cost per continuous feature:
//! $O(n \log n)$ for the neighbour searches (the shared [`crate::neighbors`] index, max-norm)
//! and the one-dimensional counts (binary searches in the sorted column).
//!
//! References: A. Kraskov, H. Stögbauer, P. Grassberger, "Estimating mutual information",
//! Phys. Rev. E 69, 066138, 2004; B. C. Ross, "Mutual Information between Discrete and
//! Continuous Data Sets", PLoS ONE 9(2), 2014; scikit-learn's `mutual_info_classif` and
//! `mutual_info_regression`, which the tests reproduce.
//!
//! ```
//! use breadth_classic::feature_selection::mutual_info::{mutual_info_regression, MutualInfoParams};
//! use ndarray::{Array1, Array2};
//! // y depends on column 0 through a parabola (no linear correlation) and not on column 1.
//! let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * (7 + 6 * j)) % 200) as f64 / 100.0 - 1.0);
//! let y: Array1<f64> = x.column(0).mapv(|v| v * v);
//! let mi = mutual_info_regression(x.view(), y.view(), &MutualInfoParams::default()).unwrap();
//! assert!(mi[0] > 1.0 && mi[1] < 0.1, "{mi:?}");
//! ```

use std::collections::BTreeMap;

use breadth_core::validate::{check_finite, check_finite_1d};
use breadth_core::{seeded_rng, Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand_distr::{Distribution, StandardNormal};
use statrs::function::gamma::digamma;

use crate::neighbors::{Metric, NearestNeighborsParams};

/// Which features are discrete (their distinct values are categories).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DiscreteFeatures {
    /// All continuous (scikit-learn's `"auto"` on dense data).
    #[default]
    None,
    /// All discrete.
    All,
    /// The listed columns are discrete.
    Columns(Vec<usize>),
}

/// Settings of the estimators.
#[derive(Debug, Clone, PartialEq)]
pub struct MutualInfoParams {
    /// Neighbours $k$ of the continuous estimators.
    pub n_neighbors: usize,
    /// Which features are discrete.
    pub discrete_features: DiscreteFeatures,
    /// Seed of the tie-breaking noise.
    pub seed: u64,
}

impl Default for MutualInfoParams {
    fn default() -> Self {
        MutualInfoParams {
            n_neighbors: 3,
            discrete_features: DiscreteFeatures::None,
            seed: 0,
        }
    }
}

impl MutualInfoParams {
    /// Set $k$.
    pub fn n_neighbors(mut self, k: usize) -> Self {
        self.n_neighbors = k;
        self
    }
    /// Set which features are discrete.
    pub fn discrete_features(mut self, d: DiscreteFeatures) -> Self {
        self.discrete_features = d;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn mask(&self, d: usize) -> Result<Vec<bool>> {
        Ok(match &self.discrete_features {
            DiscreteFeatures::None => vec![false; d],
            DiscreteFeatures::All => vec![true; d],
            DiscreteFeatures::Columns(cols) => {
                let mut m = vec![false; d];
                for &j in cols {
                    *m.get_mut(j).ok_or_else(|| {
                        Error::param(
                            "discrete_features",
                            format!("column {j} does not exist ({d} features)"),
                        )
                    })? = true;
                }
                m
            }
        })
    }
}

/// The target of an estimate.
#[derive(Clone, Copy)]
pub(crate) enum MiTarget<'a> {
    /// Class labels.
    Classes(ArrayView1<'a, usize>),
    /// Real values (already scaled and jittered when passed to [`mi_prepared`]).
    Continuous(ArrayView1<'a, f64>),
}

/// Estimated $I(x_j; y)$ of every feature with class labels.
pub fn mutual_info_classif(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, usize>,
    params: &MutualInfoParams,
) -> Result<Vec<f64>> {
    estimate(x, MiTarget::Classes(y), params)
}

/// Estimated $I(x_j; y)$ of every feature with a continuous target.
pub fn mutual_info_regression(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    params: &MutualInfoParams,
) -> Result<Vec<f64>> {
    check_finite_1d(y, "target")?;
    estimate(x, MiTarget::Continuous(y), params)
}

fn estimate(
    x: ArrayView2<'_, f64>,
    y: MiTarget<'_>,
    params: &MutualInfoParams,
) -> Result<Vec<f64>> {
    check_finite(x, "features")?;
    let n = x.nrows();
    let y_len = match y {
        MiTarget::Classes(l) => l.len(),
        MiTarget::Continuous(v) => v.len(),
    };
    if y_len != n {
        return Err(Error::shape("features and target rows", n, y_len));
    }
    if params.n_neighbors == 0 {
        return Err(Error::param("n_neighbors", "must be at least 1"));
    }
    let discrete = params.mask(x.ncols())?;
    let mut rng = seeded_rng(params.seed);
    let mut xp = x.to_owned();
    let continuous: Vec<usize> = (0..x.ncols()).filter(|&j| !discrete[j]).collect();
    if !continuous.is_empty() {
        for &j in &continuous {
            scale_by_std(xp.column_mut(j));
        }
        // One noise draw per cell, row by row over the continuous columns (scikit-learn's order).
        let means: Vec<f64> = continuous
            .iter()
            .map(|&j| xp.column(j).mapv(f64::abs).mean().unwrap_or(0.0).max(1.0))
            .collect();
        for i in 0..n {
            for (c, &j) in continuous.iter().enumerate() {
                let z: f64 = StandardNormal.sample(&mut rng);
                xp[[i, j]] += 1e-10 * means[c] * z;
            }
        }
    }
    match y {
        MiTarget::Classes(_) => mi_prepared(xp.view(), y, &discrete, params.n_neighbors),
        MiTarget::Continuous(v) => {
            let mut v = v.to_owned();
            scale_by_std(v.view_mut());
            let m = v.mapv(f64::abs).mean().unwrap_or(0.0).max(1.0);
            for e in v.iter_mut() {
                let z: f64 = StandardNormal.sample(&mut rng);
                *e += 1e-10 * m * z;
            }
            let target = MiTarget::Continuous(v.view());
            mi_prepared(xp.view(), target, &discrete, params.n_neighbors)
        }
    }
}

/// Divide by the standard deviation (ddof 0), leaving constant columns as they are.
fn scale_by_std(mut v: ndarray::ArrayViewMut1<'_, f64>) {
    let sd = v.std(0.0);
    // scikit-learn's `_handle_zeros_in_scale`: a scale under 10 eps is replaced by 1.
    if sd >= 10.0 * f64::EPSILON {
        v.mapv_inplace(|e| e / sd);
    }
}

/// The estimates on data already scaled and jittered: what the tests compare with
/// scikit-learn's internal `_compute_mi` on the same prepared data.
pub(crate) fn mi_prepared(
    x: ArrayView2<'_, f64>,
    y: MiTarget<'_>,
    discrete: &[bool],
    k: usize,
) -> Result<Vec<f64>> {
    x.axis_iter(Axis(1))
        .zip(discrete)
        .map(|(col, &disc)| match (disc, y) {
            (true, MiTarget::Classes(l)) => {
                let codes = codes_of(col);
                breadth_metrics::clustering::external::mutual_info(codes.view(), l)
            }
            (true, MiTarget::Continuous(v)) => mi_cd(v, codes_of(col).view(), k),
            (false, MiTarget::Classes(l)) => mi_cd(col, l, k),
            (false, MiTarget::Continuous(v)) => mi_cc(col, v, k),
        })
        .collect()
}

/// Category codes of a discrete column (its distinct values, numbered in increasing order).
fn codes_of(col: ArrayView1<'_, f64>) -> Array1<usize> {
    let mut index: BTreeMap<u64, usize> = BTreeMap::new();
    // Distinct values by their bits (-0.0 folded into 0.0): values are compared exactly.
    let key = |v: f64| (v + 0.0).to_bits();
    for &v in col {
        let len = index.len();
        index.entry(key(v)).or_insert(len);
    }
    col.mapv(|v| index[&key(v)])
}

/// The largest double below `r` (scikit-learn's `nextafter(r, 0)`): counts become strict.
fn just_below(r: f64) -> f64 {
    if r > 0.0 {
        f64::from_bits(r.to_bits() - 1)
    } else {
        r
    }
}

/// Distance to the `k`-th other point, max norm, through the shared neighbour index.
fn kth_distance(points: ArrayView2<'_, f64>, k: usize) -> Result<Array1<f64>> {
    let index = NearestNeighborsParams::default()
        .metric(Metric::Chebyshev)
        .fit_array(points)?;
    Ok(index
        .kneighbors_of_training(k)?
        .distances
        .column(k - 1)
        .to_owned())
}

/// For each $i$, the number of $j$ (itself included) with $|v_j - v_i| \le r_i$.
fn count_within(v: &[f64], r: &[f64]) -> Vec<usize> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    v.iter()
        .zip(r)
        .map(|(&c, &ri)| {
            // Both predicates are monotone along the sorted values (rounding is monotone), so
            // the differences are compared exactly as a pairwise count would compare them.
            let lo = s.partition_point(|&u| u < c && c - u > ri);
            let hi = s.partition_point(|&u| u <= c || u - c <= ri);
            hi - lo
        })
        .collect()
}

fn mean_digamma(v: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for x in v {
        s += digamma(x);
        n += 1;
    }
    s / n as f64
}

/// Kraskov's estimator for two continuous variables.
fn mi_cc(x: ArrayView1<'_, f64>, y: ArrayView1<'_, f64>, k: usize) -> Result<f64> {
    let n = x.len();
    if n <= k {
        return Err(Error::param(
            "n_neighbors",
            format!("needs more than {k} samples, got {n}"),
        ));
    }
    let mut xy = Array2::zeros((n, 2));
    xy.column_mut(0).assign(&x);
    xy.column_mut(1).assign(&y);
    let radius: Vec<f64> = kth_distance(xy.view(), k)?
        .iter()
        .map(|&r| just_below(r))
        .collect();
    let nx = count_within(&x.to_vec(), &radius);
    let ny = count_within(&y.to_vec(), &radius);
    // The counts include the point itself: n_x + 1 of the formula is the count.
    let mi = digamma(n as f64) + digamma(k as f64)
        - mean_digamma(nx.iter().map(|&c| c as f64))
        - mean_digamma(ny.iter().map(|&c| c as f64));
    Ok(mi.max(0.0))
}

/// Ross's estimator for a continuous variable `c` and labels `d`.
fn mi_cd(c: ArrayView1<'_, f64>, d: ArrayView1<'_, usize>, k: usize) -> Result<f64> {
    let n = c.len();
    let n_labels = d.iter().max().map_or(0, |&m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_labels];
    for (i, &l) in d.iter().enumerate() {
        members[l].push(i);
    }
    let mut radius = vec![0.0; n];
    let mut k_all = vec![0usize; n];
    for rows in members.iter().filter(|r| r.len() > 1) {
        let kk = k.min(rows.len() - 1);
        let pts = c.select(Axis(0), rows).insert_axis(Axis(1));
        let r = kth_distance(pts.view(), kk)?;
        for (&i, &ri) in rows.iter().zip(&r) {
            radius[i] = just_below(ri);
            k_all[i] = kk;
        }
    }
    // Points whose label occurs once carry no neighbour information: left out.
    let keep: Vec<usize> = (0..n).filter(|&i| members[d[i]].len() > 1).collect();
    if keep.is_empty() {
        return Ok(0.0);
    }
    let cv: Vec<f64> = keep.iter().map(|&i| c[i]).collect();
    let rv: Vec<f64> = keep.iter().map(|&i| radius[i]).collect();
    let m_all = count_within(&cv, &rv);
    let mi = digamma(keep.len() as f64) + mean_digamma(keep.iter().map(|&i| k_all[i] as f64))
        - mean_digamma(keep.iter().map(|&i| members[d[i]].len() as f64))
        - mean_digamma(m_all.iter().map(|&m| m as f64));
    Ok(mi.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feature_selection::testing::{arr1, arr2};
    use crate::neighbors::testing::fixture;
    use ndarray::Array1;

    fn labels(v: &serde_json::Value) -> Array1<usize> {
        arr1(v).mapv(|l| l as usize)
    }

    fn assert_close(ours: &[f64], want: &Array1<f64>, tol: f64, what: &str) {
        for (j, (a, b)) in ours.iter().zip(want).enumerate() {
            assert!((a - b).abs() <= tol, "{what} feature {j}: {a} vs {b}");
        }
    }

    /// Fixture: reference/feature_selection.py (scikit-learn 1.9.1), `mutual_info.json`.
    #[test]
    fn matches_scikit_learn_on_its_prepared_data() {
        let f = fixture("feature_selection/mutual_info.json");
        let c = &f["classif"];
        let (x, y) = (arr2(&c["X_prepared"]), labels(&c["y"]));
        let ours = mi_prepared(x.view(), MiTarget::Classes(y.view()), &[false; 4], 3).unwrap();
        assert_close(&ours, &arr1(&c["mi"]), 1e-12, "classif");

        let r = &f["regression"];
        let (x, y) = (arr2(&r["X_prepared"]), arr1(&r["y_prepared"]));
        let mut disc = vec![false; 10];
        disc[1] = true;
        let ours = mi_prepared(x.view(), MiTarget::Continuous(y.view()), &disc, 3).unwrap();
        assert_close(&ours, &arr1(&r["mi"]), 1e-12, "regression");

        let d = &f["discrete"];
        let (x, y) = (arr2(&d["X"]), labels(&d["y"]));
        let all = MutualInfoParams::default().discrete_features(DiscreteFeatures::All);
        let ours = mutual_info_classif(x.view(), y.view(), &all).unwrap();
        assert_close(&ours, &arr1(&d["mi"]), 1e-12, "discrete");
    }

    /// On tie-free data the noise (ours is not NumPy's) moves no neighbour, so the public
    /// function agrees with scikit-learn's to rounding.
    #[test]
    fn end_to_end_on_tie_free_data() {
        let f = fixture("feature_selection/mutual_info.json");
        let r = &f["raw"];
        let (x, y) = (arr2(&r["X"]), arr1(&r["y"]));
        let ours =
            mutual_info_regression(x.view(), y.view(), &MutualInfoParams::default()).unwrap();
        assert_close(&ours, &arr1(&r["mi"]), 1e-9, "raw");
    }

    /// The sorted-column counts against the obvious pairwise count.
    #[test]
    fn counts_match_pairwise() {
        let mut rng = seeded_rng(3);
        let v: Vec<f64> = (0..300)
            .map(|i| {
                let z: f64 = StandardNormal.sample(&mut rng);
                // Rounded values make exact ties and boundary hits likely.
                if i % 3 == 0 {
                    (z * 4.0).round() / 4.0
                } else {
                    z
                }
            })
            .collect();
        let r: Vec<f64> = (0..300).map(|i| (i % 7) as f64 * 0.125).collect();
        let fast = count_within(&v, &r);
        for i in 0..v.len() {
            let slow = v.iter().filter(|&&u| (u - v[i]).abs() <= r[i]).count();
            assert_eq!(fast[i], slow, "point {i}");
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let x = ndarray::array![[1.0, 2.0], [2.0, 1.0], [3.0, 0.0], [4.0, 5.0], [5.0, 1.0]];
        let y = ndarray::array![0usize, 0, 1, 1, 1];
        let p = MutualInfoParams::default();
        assert!(mutual_info_classif(x.view(), y.slice(ndarray::s![..4]), &p).is_err());
        assert!(mutual_info_classif(x.view(), y.view(), &p.clone().n_neighbors(0)).is_err());
        let cols = p
            .clone()
            .discrete_features(DiscreteFeatures::Columns(vec![2]));
        assert!(mutual_info_classif(x.view(), y.view(), &cols).is_err());
        let mut bad = x.clone();
        bad[[0, 0]] = f64::NAN;
        assert!(mutual_info_classif(bad.view(), y.view(), &p).is_err());
        let yr = ndarray::array![1.0, 2.0, f64::INFINITY, 0.0, 1.0];
        assert!(mutual_info_regression(x.view(), yr.view(), &p).is_err());
        assert!(mutual_info_regression(x.view(), x.column(0), &p.n_neighbors(5)).is_err());
    }
}
